// Process and identity syscalls: exit exit_group getpid gettid getuid/gid/euid/egid uname arch_prctl
// set_tid_address set_robust_list rseq prlimit64 getrlimit getrandom prctl sched_* futex sysinfo
// getrusage times, and the refused ones (sockets, set*id). fork, execve, wait and the process groups are
// in tasks.ts.

import * as crypto from 'node:crypto';
import * as os from 'node:os';
import { defSyscall } from './table';
import type { Process } from '../process';
import { EINVAL, ENOSYS, EACCES, EAGAIN, EPERM, int } from './errno';
import { guarded } from './fs';

defSyscall(60, 'exit', (p, a) => { p.exitGroup(int(a[0])); return 0; });
defSyscall(231, 'exit_group', (p, a) => { p.exitGroup(int(a[0])); return 0; });

defSyscall(39, 'getpid', (p) => p.pid);
defSyscall(186, 'gettid', (p) => p.pid);
defSyscall(102, 'getuid', () => process.getuid?.() ?? 0);
defSyscall(107, 'geteuid', () => process.geteuid?.() ?? 0);
defSyscall(104, 'getgid', () => process.getgid?.() ?? 0);
defSyscall(108, 'getegid', () => process.getegid?.() ?? 0);
defSyscall(115, 'getgroups', () => 0);
defSyscall(118, 'getresuid', (p, a) => guarded(() => { const u = process.getuid?.() ?? 0; for (const x of a.slice(0, 3)) p.mem.write32(x, u); return 0; }));
defSyscall(120, 'getresgid', (p, a) => guarded(() => { const g = process.getgid?.() ?? 0; for (const x of a.slice(0, 3)) p.mem.write32(x, g); return 0; }));

defSyscall(63, 'uname', (p, a) => guarded(() => {
  const field = (s: string): Buffer => { const b = Buffer.alloc(65); b.write(s.slice(0, 64)); return b; };
  p.mem.writeBytes(a[0], Buffer.concat([field('Linux'), field(os.hostname()), field(os.release()),
    field(os.version()), field('x86_64'), field('(none)')]));
  return 0;
}));

const ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;
defSyscall(158, 'arch_prctl', (p, a) => {
  switch (int(a[0])) {
    case ARCH_SET_FS: if (a[1] >= 0x800000000000 || a[1] < 0) return -1; p.cpu.fsBase = a[1]; return 0;
    case ARCH_SET_GS: if (a[1] >= 0x800000000000 || a[1] < 0) return -1; p.cpu.gsBase = a[1]; return 0;
    case ARCH_GET_FS: return guarded(() => { p.mem.writePtr(a[1], p.cpu.fsBase); return 0; });
    case ARCH_GET_GS: return guarded(() => { p.mem.writePtr(a[1], p.cpu.gsBase); return 0; });
  }
  return -EINVAL;
});

defSyscall(218, 'set_tid_address', (p, a) => { p.tidAddress = a[0]; return p.pid; });
defSyscall(273, 'set_robust_list', () => 0);
defSyscall(274, 'get_robust_list', () => -ENOSYS);
defSyscall(334, 'rseq', () => -ENOSYS);

const RLIM_INFINITY = -1;
function rlimit(res: number): [number, number] {
  switch (res) {
    case 3: return [8 * 1024 * 1024, RLIM_INFINITY]; // RLIMIT_STACK
    case 7: return [1024, 1024 * 1024]; // RLIMIT_NOFILE
    case 4: return [0, RLIM_INFINITY]; // RLIMIT_CORE
    default: return [RLIM_INFINITY, RLIM_INFINITY];
  }
}
/** RLIMIT_NPROC is the machine's cap on processes; the others are fixed. */
function limitOf(p: Process, res: number): [number, number] {
  return res === 6 ? [p.machine.maxProcs, p.machine.maxProcs] : rlimit(res);
}
defSyscall(302, 'prlimit64', (p, a) => guarded(() => {
  if (a[0] !== 0 && int(a[0]) !== p.pid) return -3;
  const res = int(a[1]);
  if (res < 0 || res > 15) return -EINVAL;
  if (a[3]) { const [c, m] = limitOf(p, res); p.mem.writePtr(a[3], c); p.mem.writePtr(a[3] + 8, m); }
  return 0;
}));
defSyscall(97, 'getrlimit', (p, a) => guarded(() => {
  const res = int(a[0]);
  if (res < 0 || res > 15) return -EINVAL;
  const [c, m] = limitOf(p, res); p.mem.writePtr(a[1], c); p.mem.writePtr(a[1] + 8, m);
  return 0;
}));
defSyscall(160, 'setrlimit', () => 0);

defSyscall(318, 'getrandom', (p, a) => guarded(() => {
  const n = Math.min(a[1], 1 << 20);
  p.mem.writeBytes(a[0], crypto.randomBytes(n));
  return n;
}));

const PR_SET_NAME = 15, PR_GET_NAME = 16;
defSyscall(157, 'prctl', (p, a) => guarded(() => {
  switch (int(a[0])) {
    case PR_SET_NAME: p.comm = Buffer.from(p.mem.readCString(a[1], 16)).toString('latin1').slice(0, 15); return 0;
    case PR_GET_NAME: { const b = Buffer.alloc(16); b.write(p.comm, 'latin1'); p.mem.writeBytes(a[1], b); return 0; }
  }
  return -EINVAL;
}));

defSyscall(204, 'sched_getaffinity', (p, a) => guarded(() => {
  const len = Math.min(a[1], 128);
  if (len < 8) return -EINVAL;
  const b = Buffer.alloc(len); b[0] = 1;
  p.mem.writeBytes(a[2], b);
  return len;
}));
defSyscall(203, 'sched_setaffinity', () => 0);

// futex: a single thread never waits for anyone; WAKE wakes nobody, WAIT with a changed value fails.
defSyscall(202, 'futex', (p, a) => guarded(() => {
  const op = int(a[1]) & 0x7f;
  if (op === 1 /* WAKE */) return 0;
  if (op === 0 || op === 9 /* WAIT, WAIT_BITSET */) {
    return p.mem.read32(a[0]) !== int(a[2]) ? -EAGAIN : -110 /* ETIMEDOUT: no one else can wake us */;
  }
  return -ENOSYS;
}));

defSyscall(99, 'sysinfo', (p, a) => guarded(() => {
  const b = Buffer.alloc(112);
  b.writeBigInt64LE(BigInt(Math.floor(os.uptime())), 0);
  b.writeBigUInt64LE(BigInt(os.totalmem()), 32);
  b.writeBigUInt64LE(BigInt(os.freemem()), 40);
  b.writeUInt16LE(1, 80);
  b.writeUInt32LE(1, 104);
  p.mem.writeBytes(a[0], b);
  return 0;
}));

defSyscall(98, 'getrusage', (p, a) => guarded(() => { p.mem.writeBytes(a[1], Buffer.alloc(144)); return 0; }));
defSyscall(100, 'times', (p, a) => guarded(() => { if (a[0]) p.mem.writeBytes(a[0], Buffer.alloc(32)); return Math.floor(performance.now() / 10); }));

// No network, no identity changes.
defSyscall(41, 'socket', () => -EACCES);
defSyscall(53, 'socketpair', () => -EACCES);
defSyscall(42, 'connect', () => -EACCES);
defSyscall(49, 'bind', () => -EACCES);
defSyscall(105, 'setuid', () => -EPERM);
defSyscall(106, 'setgid', () => -EPERM);
