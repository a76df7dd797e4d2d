// Readiness: poll ppoll select pselect6. The guest's descriptors are the emulator's: regular files and
// directories are always ready (as on Linux), stdout/stderr always writable, an internal pipe readable
// when it holds data, and stdin reported readable (a read then waits for input or end of file, which is
// what a blocking reader would see after poll said "readable"). With nothing ready, the call sleeps for
// its timeout, woken early by a signal (-EINTR).

import { defSyscall } from './table';
import type { Process } from '../process';
import type { OpenFile } from '../files';
import { EBADF, EINVAL, EINTR, int } from './errno';
import { guarded } from './fs';
import { UNBLOCKABLE } from '../signals';
import { TIF_SIGPENDING } from '../../cpu/cpu';

export const POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20,
  POLLRDNORM = 0x40, POLLWRNORM = 0x100;
const READ = POLLIN | POLLRDNORM, WRITE = POLLOUT | POLLWRNORM;

/** The poll mask a descriptor reports now (what its file's ->poll would return). */
export function pollMask(f: OpenFile): number {
  switch (f.kind) {
    case 'stdin': return READ;
    case 'stdout': case 'stderr': return WRITE;
    case 'pipe':
      if (f.pipeEnd === 'r') return (f.pipe!.buf.length ? READ : 0) | (f.pipe!.writers === 0 ? POLLHUP : 0);
      return WRITE;
    default: return READ | WRITE;
  }
}

/** Sleep up to `timeoutUs` unless a signal arrives; -EINTR or 0. */
function waitOrSignal(p: Process, timeoutUs: number): number {
  if (timeoutUs <= 0) return 0;
  return p.sleep(timeoutUs) ? -EINTR : 0;
}

/** Apply a temporary signal mask for the wait (ppoll, pselect6), restored after unless a handler runs. */
function withMask(p: Process, maskAddr: number, size: number, fn: () => number): number {
  if (!maskAddr) return fn();
  if (size !== 8) return -EINVAL;
  const lo = p.mem.read32(maskAddr) >>> 0, hi = p.mem.read32(maskAddr + 4) >>> 0;
  const old = p.sig.blocked;
  p.sig.blocked = ((BigInt(hi) << 32n) | BigInt(lo)) & ~UNBLOCKABLE;
  const r = fn();
  if (r === -EINTR) { p.sig.savedMask = old; p.cpu.tif |= TIF_SIGPENDING; } // restored by the handler's sigreturn
  else p.sig.blocked = old;
  return r;
}

function doPoll(p: Process, fdsAddr: number, nfds: number, timeoutUs: number): number {
  if (nfds > 1024 * 1024) return -EINVAL;
  const scan = (): number => {
    let ready = 0;
    for (let k = 0; k < nfds; k++) {
      const at = fdsAddr + 8 * k;
      const fd = p.mem.read32(at);
      const events = p.mem.read16(at + 4);
      let rev = 0;
      if (fd >= 0) {
        const f = p.fds.get(fd);
        rev = f ? pollMask(f) & (events | POLLERR | POLLHUP) : POLLNVAL;
      }
      p.mem.write16(at + 6, rev);
      if (rev) ready++;
    }
    return ready;
  };
  const n = scan();
  if (n) return n;
  const w = waitOrSignal(p, timeoutUs);
  return w < 0 ? w : scan();
}

defSyscall(7, 'poll', (p, a) => guarded(() => {
  const ms = int(a[2]);
  return doPoll(p, a[0], a[1], ms < 0 ? Infinity : ms * 1000);
}));

defSyscall(271, 'ppoll', (p, a) => guarded(() => {
  let us = Infinity;
  if (a[2]) {
    const s = p.mem.readPtr(a[2]), ns = p.mem.readPtr(a[2] + 8);
    if (s < 0 || ns < 0 || ns >= 1e9) return -EINVAL;
    us = s * 1e6 + ns / 1e3;
  }
  return withMask(p, a[3], a[4], () => doPoll(p, a[0], a[1], us));
}));

/** select's fd_set bitmaps: read, filter to ready descriptors, write back; the total count of set bits. */
function doSelect(p: Process, nfds: number, sets: number[], timeoutUs: number): number {
  if (nfds < 0 || nfds > 1024 * 1024) return -EINVAL;
  const words = Math.ceil(nfds / 64);
  const want = sets.map(addr => (addr ? Array.from({ length: words * 2 }, (_, k) => p.mem.read32(addr + 4 * k) >>> 0) : null));
  const bit = (m: number[], fd: number): boolean => ((m[fd >> 5] >>> (fd & 31)) & 1) !== 0;
  for (let fd = 0; fd < nfds; fd++) {
    if (want.some(m => m && bit(m, fd)) && !p.fds.has(fd)) return -EBADF;
  }
  const masks = [READ | POLLHUP | POLLERR, WRITE | POLLERR, POLLPRI];
  const scan = (): { count: number; out: (number[] | null)[] } => {
    let count = 0;
    const out = want.map((m, i) => {
      if (!m) return null;
      const r = new Array(m.length).fill(0);
      for (let fd = 0; fd < nfds; fd++) {
        if (!bit(m, fd)) continue;
        if (pollMask(p.fds.get(fd)!) & masks[i]) { r[fd >> 5] |= 1 << (fd & 31); count++; }
      }
      return r;
    });
    return { count, out };
  };
  let s = scan();
  if (!s.count) {
    const w = waitOrSignal(p, timeoutUs);
    if (w < 0) return w;
    s = scan();
  }
  s.out.forEach((r, i) => { if (r) r.forEach((v, k) => p.mem.write32(sets[i] + 4 * k, v | 0)); });
  return s.count;
}

defSyscall(23, 'select', (p, a) => guarded(() => {
  let us = Infinity;
  if (a[4]) {
    const s = p.mem.readPtr(a[4]), u = p.mem.readPtr(a[4] + 8);
    if (s < 0 || u < 0) return -EINVAL;
    us = s * 1e6 + u;
  }
  const t0 = performance.now();
  const r = doSelect(p, int(a[0]), [a[1], a[2], a[3]], us);
  if (a[4] && us !== Infinity) {
    // Linux writes back the time not slept.
    const left = Math.max(0, us - (performance.now() - t0) * 1000);
    p.mem.writePtr(a[4], Math.floor(left / 1e6));
    p.mem.writePtr(a[4] + 8, Math.floor(left % 1e6));
  }
  return r;
}));

defSyscall(270, 'pselect6', (p, a) => guarded(() => {
  let us = Infinity;
  if (a[4]) {
    const s = p.mem.readPtr(a[4]), ns = p.mem.readPtr(a[4] + 8);
    if (s < 0 || ns < 0 || ns >= 1e9) return -EINVAL;
    us = s * 1e6 + ns / 1e3;
  }
  let maskAddr = 0, size = 0;
  if (a[5]) { maskAddr = p.mem.readPtr(a[5]); size = p.mem.readPtr(a[5] + 8); }
  return withMask(p, maskAddr, size, () => doSelect(p, int(a[0]), [a[1], a[2], a[3]], us));
}));
