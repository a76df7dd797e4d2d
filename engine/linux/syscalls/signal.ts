// Signal syscalls: rt_sigaction rt_sigprocmask rt_sigpending sigaltstack kill tkill tgkill
// rt_sigqueueinfo rt_tgsigqueueinfo pause rt_sigsuspend rt_sigtimedwait.
// (rt_sigreturn and handler frames live in ../sigframe.ts.)

import { defSyscall, BLOCKED } from './table';
import { EINVAL, ESRCH, EPERM, EINTR, EAGAIN, int } from './errno';
import { guarded } from './fs';
import { SIGKILL, SIGSTOP } from '../../errors';
import type { Process } from '../process';
import { TIF_SIGPENDING } from '../../cpu/cpu';
import { UNBLOCKABLE, UAPI_SA_FLAGS, SI_USER, SI_TKILL, SS_AUTODISARM, sigbit } from '../signals';
import { siginfoBytes } from '../sigframe';

const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;

function readMask(p: Process, addr: number): bigint {
  const lo = p.mem.read32(addr) >>> 0, hi = p.mem.read32(addr + 4) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}
function writeMask(p: Process, addr: number, m: bigint): void {
  p.mem.write32(addr, Number(m & 0xffffffffn) | 0);
  p.mem.write32(addr + 4, Number((m >> 32n) & 0xffffffffn) | 0);
}
const uid = (): number => process.getuid?.() ?? 0;

defSyscall(13, 'rt_sigaction', (p, a) => guarded(() => {
  const sig = int(a[0]);
  if (a[3] !== 8) return -EINVAL;
  // The new action is read before the old one is written: the two may be the same buffer.
  let next: { handler: number; flags: number; restorer: number; mask: bigint } | null = null;
  if (a[1]) {
    const handler = p.mem.readPtr(a[1]);
    const flags = p.mem.read32(a[1] + 8) >>> 0;
    const restorer = p.mem.readPtr(a[1] + 16);
    next = { handler, flags: (flags & UAPI_SA_FLAGS) >>> 0, restorer, mask: readMask(p, a[1] + 24) & ~UNBLOCKABLE };
  }
  if (sig < 1 || sig > 64 || (next && (sig === SIGKILL || sig === SIGSTOP))) return -EINVAL;
  const old = p.sig.actions[sig];
  if (next) {
    p.sig.actions[sig] = next;
    // Ignoring a signal discards the instances already pending (do_sigaction).
    if (p.sig.ignored(sig)) p.sig.flush(sigbit(sig));
  }
  if (a[2]) {
    p.mem.writePtr(a[2], old.handler);
    p.mem.writePtr(a[2] + 8, (old.flags & UAPI_SA_FLAGS) >>> 0);
    p.mem.writePtr(a[2] + 16, old.restorer);
    writeMask(p, a[2] + 24, old.mask);
  }
  return 0;
}));

defSyscall(14, 'rt_sigprocmask', (p, a) => guarded(() => {
  if (a[3] !== 8) return -EINVAL;
  const old = p.sig.blocked;
  if (a[1]) {
    const set = readMask(p, a[1]) & ~UNBLOCKABLE;
    switch (int(a[0])) {
      case SIG_BLOCK: p.sig.blocked |= set; break;
      case SIG_UNBLOCK: p.sig.blocked &= ~set; break;
      case SIG_SETMASK: p.sig.blocked = set; break;
      default: return -EINVAL;
    }
  }
  if (a[2]) writeMask(p, a[2], old);
  // Newly unblocked pending signals are delivered on the way out of this syscall.
  p.recalcSigpending();
  return 0;
}));

defSyscall(127, 'rt_sigpending', (p, a) => guarded(() => {
  if (a[1] > 8) return -EINVAL;
  const set = p.sig.pendingSet() & p.sig.blocked;
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(set);
  p.mem.writeBytes(a[0], b.subarray(0, a[1]));
  return 0;
}));

defSyscall(131, 'sigaltstack', (p, a) => guarded(() => {
  const st = p.sig.altStack;
  const sp = p.cpu.rsp;
  const old = { sp: st.sp, size: st.size, flags: p.sig.altStackFlags(sp) | (st.flags & SS_AUTODISARM) };
  if (a[0]) {
    const nsp = p.mem.readPtr(a[0]), flags = p.mem.read32(a[0] + 8) >>> 0, size = p.mem.readPtr(a[0] + 16);
    const unchanged = nsp === st.sp && size === st.size && flags === st.flags;
    if (!unchanged || p.sig.onAltStack(sp)) {
      const r = p.sig.setAltStack(sp, nsp, flags, size);
      if (r < 0) return r;
    }
  }
  if (a[1]) {
    const b = Buffer.alloc(24);
    b.writeBigUInt64LE(BigInt(old.sp), 0); b.writeUInt32LE(old.flags >>> 0, 8); b.writeBigUInt64LE(BigInt(old.size), 16);
    p.mem.writeBytes(a[1], b);
  }
  return 0;
}));

/**
 * The processes `pid` names for kill: one process (zombies included: they take the signal and ignore it),
 * the caller's process group (0), a group (-pgid), or every process but the caller (-1).
 */
function targets(p: Process, pid: number): Process[] {
  const m = p.machine;
  if (pid > 0) { const t = m.table.get(pid); return t ? [t] : []; }
  if (pid === -1) return m.live.filter(t => t !== p);
  const pg = pid === 0 ? p.pgid : -pid;
  return [...m.table.values()].filter(t => t.pgid === pg);
}

/** Send `sig` to the processes `pid` names; `code` is SI_USER for kill, SI_TKILL for tkill/tgkill. */
function send(p: Process, pid: number, sig: number, code: number): number {
  if (sig < 0 || sig > 64) return -EINVAL;
  const to = targets(p, pid);
  // kill(-1) reaches every other process the caller may signal, never the caller (none: still success).
  if (!to.length) return pid === -1 ? 0 : -ESRCH;
  if (sig === 0) return 0;
  for (const t of to) if (!t.exit) t.kill(sig, { code, pid: p.pid, uid: uid() });
  return 0;
}
defSyscall(62, 'kill', (p, a) => send(p, int(a[0]), int(a[1]), SI_USER));
defSyscall(200, 'tkill', (p, a) => (int(a[0]) <= 0 ? -EINVAL : send(p, int(a[0]), int(a[1]), SI_TKILL)));
defSyscall(234, 'tgkill', (p, a) => {
  if (int(a[0]) <= 0 || int(a[1]) <= 0) return -EINVAL;
  // One thread per process: the thread id is the process id.
  return int(a[0]) !== int(a[1]) ? -ESRCH : send(p, int(a[1]), int(a[2]), SI_TKILL);
});

/** rt_sigqueueinfo / rt_tgsigqueueinfo: the caller's siginfo travels as given. */
function queueInfo(p: Process, pid: number, sig: number, info: number): number {
  return guarded(() => {
    const raw = p.mem.readBytes(info, 128);
    const code = new DataView(raw.buffer).getInt32(8, true);
    if (sig < 0 || sig > 64) return -EINVAL;
    const t = pid > 0 ? p.machine.table.get(pid) : undefined;
    if (!t) return -ESRCH;
    // Only the kernel may claim kernel origin (si_code >= 0) or tkill, except toward oneself.
    if ((code >= 0 || code === SI_TKILL) && t !== p) return -EPERM;
    if (sig === 0 || t.exit) return 0;
    t.kill(sig, { code, raw });
    return 0;
  });
}
defSyscall(129, 'rt_sigqueueinfo', (p, a) => queueInfo(p, int(a[0]), int(a[1]), a[2]));
defSyscall(297, 'rt_tgsigqueueinfo', (p, a) => (int(a[0]) !== int(a[1]) ? -ESRCH : queueInfo(p, int(a[1]), int(a[2]), a[3])));

// ---- waiting for signals ------------------------------------------------------------------------

defSyscall(34, 'pause', (p) => p.waitFor(() => (p.sig.hasDeliverable() ? -EINTR : BLOCKED)));

defSyscall(130, 'rt_sigsuspend', (p, a) => guarded(() => {
  if (a[1] !== 8) return -EINVAL;
  const mask = readMask(p, a[0]) & ~UNBLOCKABLE;
  // The original mask is what a handler's frame saves and sigreturn restores (TIF_RESTORE_SIGMASK).
  p.sig.savedMask = p.sig.blocked;
  p.sig.blocked = mask;
  return p.waitFor(() => {
    if (!p.sig.hasDeliverable()) return BLOCKED;
    p.cpu.tif |= TIF_SIGPENDING;
    return -EINTR;
  });
}));

defSyscall(128, 'rt_sigtimedwait', (p, a) => guarded(() => {
  if (a[3] !== 8) return -EINVAL;
  const set = readMask(p, a[0]) & ~UNBLOCKABLE;
  let timeout = Infinity;
  if (a[2]) {
    const s = p.mem.readPtr(a[2]), ns = p.mem.readPtr(a[2] + 8);
    if (s < 0 || ns < 0 || ns >= 1e9) return -EINVAL;
    timeout = s * 1e6 + ns / 1e3;
  }
  // The signals waited for are treated as blocked during the wait, so that they are taken, not handled.
  const blocked = p.sig.blocked;
  p.sig.blocked |= set;
  const deadline = performance.now() + timeout / 1000;
  return p.waitFor(() => {
    const woken = (p.sig.pendingSet() & set) !== 0n || p.sig.hasDeliverable();
    if (!woken && performance.now() < deadline) return BLOCKED;
    p.sig.blocked = blocked;
    const s = p.sig.dequeue(set);
    if (!s) { p.recalcSigpending(); return woken ? -EINTR : -EAGAIN; }
    const r = guarded(() => { if (a[1]) p.mem.writeBytes(a[1], siginfoBytes(s)); return s.sig; });
    p.recalcSigpending();
    return r;
  }, deadline);
}));

