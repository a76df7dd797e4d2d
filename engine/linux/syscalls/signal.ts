// Signal syscalls: rt_sigaction rt_sigprocmask rt_sigpending sigaltstack kill tkill tgkill.
// (rt_sigreturn and handler frames live in ../sigframe.ts.)

import { defSyscall } from './table';
import { EINVAL, ESRCH, EFAULT, int } from './errno';
import { guarded } from './fs';
import { SIGKILL, SIGSTOP } from '../../errors';

const UNBLOCKABLE = (1n << BigInt(SIGKILL - 1)) | (1n << BigInt(SIGSTOP - 1));

defSyscall(13, 'rt_sigaction', (p, a) => guarded(() => {
  const sig = int(a[0]);
  if (sig < 1 || sig > 64 || a[3] !== 8) return -EINVAL;
  const act = p.sig.actions[sig];
  if (a[2]) {
    p.mem.writePtr(a[2], act.handler);
    p.mem.writePtr(a[2] + 8, act.flags);
    p.mem.writePtr(a[2] + 16, act.restorer);
    p.mem.writePtr(a[2] + 24, Number(act.mask & 0xffffffffn) + Number(act.mask >> 32n) * 4294967296);
  }
  if (a[1]) {
    if (sig === SIGKILL || sig === SIGSTOP) return -EINVAL;
    const handler = p.mem.readPtr(a[1]);
    const flags = p.mem.readPtr(a[1] + 8);
    const restorer = p.mem.readPtr(a[1] + 16);
    const lo = p.mem.read32(a[1] + 24) >>> 0, hi = p.mem.read32(a[1] + 28) >>> 0;
    p.sig.actions[sig] = { handler, flags, restorer, mask: ((BigInt(hi) << 32n) | BigInt(lo)) & ~UNBLOCKABLE };
  }
  return 0;
}));

defSyscall(14, 'rt_sigprocmask', (p, a) => guarded(() => {
  if (a[3] !== 8) return -EINVAL;
  const old = p.sig.blocked;
  if (a[1]) {
    const lo = p.mem.read32(a[1]) >>> 0, hi = p.mem.read32(a[1] + 4) >>> 0;
    const set = ((BigInt(hi) << 32n) | BigInt(lo)) & ~UNBLOCKABLE;
    switch (int(a[0])) {
      case 0: p.sig.blocked |= set; break;
      case 1: p.sig.blocked &= ~set; break;
      case 2: p.sig.blocked = set; break;
      default: return -EINVAL;
    }
  }
  if (a[2]) { p.mem.write32(a[2], Number(old & 0xffffffffn) | 0); p.mem.write32(a[2] + 4, Number(old >> 32n) | 0); }
  if (p.sig.hasDeliverable()) p.cpu.tif |= 2;
  return 0;
}));

defSyscall(127, 'rt_sigpending', (p, a) => guarded(() => {
  let set = 0n;
  for (const s of p.sig.pending) set |= 1n << BigInt(s.sig - 1);
  set &= p.sig.blocked;
  p.mem.write32(a[0], Number(set & 0xffffffffn) | 0); p.mem.write32(a[0] + 4, Number(set >> 32n) | 0);
  return 0;
}));

defSyscall(131, 'sigaltstack', (p, a) => guarded(() => {
  const st = p.sig.altStack;
  if (a[1]) { p.mem.writePtr(a[1], st.sp); p.mem.write32(a[1] + 8, st.flags); p.mem.writePtr(a[1] + 16, st.size); }
  if (a[0]) {
    const sp = p.mem.readPtr(a[0]), flags = p.mem.read32(a[0] + 8), size = p.mem.readPtr(a[0] + 16);
    if (flags & 2) { p.sig.altStack = { sp: 0, flags: 2, size: 0 }; return 0; }
    if (flags & ~0x80000000) return -EINVAL;
    if (size < 2048) return -12;
    p.sig.altStack = { sp, flags: 0, size };
  }
  return 0;
}));

function sendSelf(p: import('../process').Process, pid: number, sig: number): number {
  if (pid !== p.pid && pid !== 0 && pid !== -1) return -ESRCH;
  if (sig < 0 || sig > 64) return -EINVAL;
  if (sig === 0) return 0;
  p.sig.queue(sig, { code: 0 /* SI_USER */, pid: p.pid });
  p.cpu.tif |= 2;
  return 0;
}
defSyscall(62, 'kill', (p, a) => sendSelf(p, int(a[0]), int(a[1])));
defSyscall(200, 'tkill', (p, a) => sendSelf(p, int(a[0]), int(a[1])));
defSyscall(234, 'tgkill', (p, a) => (int(a[0]) !== p.pid ? -ESRCH : sendSelf(p, int(a[1]), int(a[2]))));
export { EFAULT };
