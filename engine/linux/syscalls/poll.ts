// Readiness: poll ppoll select pselect6. The guest's descriptors are the emulator's: regular files and
// directories are always ready (as on Linux), stdout/stderr always writable, an internal pipe readable
// when it holds data, and stdin reported readable (a read then waits for input or end of file, which is
// what a blocking reader would see after poll said "readable"). With nothing ready, the call waits for
// its timeout, ended early by a signal (-EINTR) or, with other processes running, by a pipe getting ready.

import { defSyscall, BLOCKED } from './table';
import type { Process } from '../process';
import { OpenFile, PIPE_SIZE } from '../files';
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
      if (f.pipeEnd === 'r') return (f.pipe!.length ? READ : 0) | (f.pipe!.writers === 0 ? POLLHUP : 0);
      // Writable while there is room; an error once no reader is left (a write would raise SIGPIPE).
      return f.pipe!.readers === 0 ? WRITE | POLLERR : f.pipe!.length < PIPE_SIZE ? WRITE : 0;
    default: return READ | WRITE;
  }
}

/**
 * Wait for readiness: `scan` counts the ready descriptors (writing what it found), and a count is the
 * result; with none ready the call waits (parked among other processes) until the timeout (0) or a
 * deliverable signal (-EINTR). `done` sees the result when the call completes, maybe in a later retry.
 */
function waitReady(p: Process, timeoutUs: number, scan: () => number, done: (r: number) => number): number {
  const deadline = performance.now() + timeoutUs / 1000;
  return p.waitFor(() => {
    const n = guarded(scan);
    if (n || timeoutUs <= 0) return done(n);
    const s = p.interrupted(false);
    if (s) return done(s);
    if (performance.now() >= deadline) return done(guarded(scan));
    return BLOCKED;
  }, deadline);
}

/**
 * A temporary signal mask for the wait (ppoll, pselect6): applied now; the function returned puts the
 * old one back when the call completes, unless a handler runs (-EINTR: its sigreturn restores it).
 */
function tempMask(p: Process, maskAddr: number, size: number): ((r: number) => number) | number {
  if (!maskAddr) return r => r;
  if (size !== 8) return -EINVAL;
  const lo = p.mem.read32(maskAddr) >>> 0, hi = p.mem.read32(maskAddr + 4) >>> 0;
  const old = p.sig.blocked;
  p.sig.blocked = ((BigInt(hi) << 32n) | BigInt(lo)) & ~UNBLOCKABLE;
  return (r) => {
    if (r === -EINTR) { p.sig.savedMask = old; p.cpu.tif |= TIF_SIGPENDING; } // restored by the handler's sigreturn
    else p.sig.blocked = old;
    return r;
  };
}

function doPoll(p: Process, fdsAddr: number, nfds: number, timeoutUs: number, done: (r: number) => number = r => r): number {
  if (nfds > 1024 * 1024) return done(-EINVAL);
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
  return waitReady(p, timeoutUs, scan, done);
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
  const done = tempMask(p, a[3], a[4]);
  if (typeof done === 'number') return done;
  return doPoll(p, a[0], a[1], us, done);
}));

/** select's fd_set bitmaps: read, filter to ready descriptors, write back; the total count of set bits. */
function doSelect(p: Process, nfds: number, sets: number[], timeoutUs: number, done: (r: number) => number = r => r): number {
  if (nfds < 0 || nfds > 1024 * 1024) return done(-EINVAL);
  const words = Math.ceil(nfds / 64);
  const want = sets.map(addr => (addr ? Array.from({ length: words * 2 }, (_, k) => p.mem.read32(addr + 4 * k) >>> 0) : null));
  const bit = (m: number[], fd: number): boolean => ((m[fd >> 5] >>> (fd & 31)) & 1) !== 0;
  for (let fd = 0; fd < nfds; fd++) {
    if (want.some(m => m && bit(m, fd)) && !p.fds.has(fd)) return done(-EBADF);
  }
  const masks = [READ | POLLHUP | POLLERR, WRITE | POLLERR, POLLPRI];
  let last: (number[] | null)[] = [];
  const scan = (): number => {
    let count = 0;
    last = want.map((m, i) => {
      if (!m) return null;
      const r = new Array(m.length).fill(0);
      for (let fd = 0; fd < nfds; fd++) {
        if (!bit(m, fd)) continue;
        const f = p.fds.get(fd);
        if (f && pollMask(f) & masks[i]) { r[fd >> 5] |= 1 << (fd & 31); count++; }
      }
      return r;
    });
    return count;
  };
  return waitReady(p, timeoutUs, scan, (r) => {
    if (r >= 0) guarded(() => { last.forEach((o, i) => { if (o) o.forEach((v, k) => p.mem.write32(sets[i] + 4 * k, v | 0)); }); return 0; });
    return done(r);
  });
}

defSyscall(23, 'select', (p, a) => guarded(() => {
  let us = Infinity;
  if (a[4]) {
    const s = p.mem.readPtr(a[4]), u = p.mem.readPtr(a[4] + 8);
    if (s < 0 || u < 0) return -EINVAL;
    us = s * 1e6 + u;
  }
  const t0 = performance.now();
  return doSelect(p, int(a[0]), [a[1], a[2], a[3]], us, (r) => {
    if (a[4] && us !== Infinity) {
      // Linux writes back the time not slept.
      const left = Math.max(0, us - (performance.now() - t0) * 1000);
      guarded(() => { p.mem.writePtr(a[4], Math.floor(left / 1e6)); p.mem.writePtr(a[4] + 8, Math.floor(left % 1e6)); return 0; });
    }
    return r;
  });
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
  const done = tempMask(p, maskAddr, size);
  if (typeof done === 'number') return done;
  return doSelect(p, int(a[0]), [a[1], a[2], a[3]], us, done);
}));
