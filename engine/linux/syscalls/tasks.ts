// Process life: clone fork vfork (fork.ts), execve execveat (execve.ts), wait4 waitid, the process-group
// calls (getpgrp getpgid setpgid getsid setsid), getppid and sched_yield.

import { defSyscall, BLOCKED } from './table';
import type { Process } from '../process';
import { EINVAL, ECHILD, ESRCH, EPERM, EBADF, ENOTDIR, E2BIG, int } from './errno';
import { guarded, readPath } from './fs';
import { cloneProcess, CLONE_VM, CLONE_VFORK } from '../fork';
import { execProgram, MAX_ARG_STRLEN, MAX_ARG_BYTES } from '../execve';
import { childInfo } from '../machine';

const SIGCHLD = 17;

defSyscall(56, 'clone', (p, a) => cloneProcess(p, a[0] % 4294967296, a[1], a[2], a[3], a[4]));
defSyscall(57, 'fork', (p) => cloneProcess(p, SIGCHLD, 0, 0, 0, 0));
defSyscall(58, 'vfork', (p) => cloneProcess(p, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0));
// glibc tries clone3 first and falls back to clone on ENOSYS (posix_spawn, pthread_create).
defSyscall(435, 'clone3', () => -38);

// ---- execve --------------------------------------------------------------------------------------

/** A NULL-terminated array of string pointers (argv, envp) as byte strings; a negative errno if too big. */
function readStrings(p: Process, addr: number): Uint8Array[] | number {
  const out: Uint8Array[] = [];
  if (!addr) return out;
  let total = 0;
  for (let k = 0; ; k++) {
    const ptr = p.mem.readPtr(addr + 8 * k);
    if (!ptr) return out;
    const s = p.mem.readCString(ptr, MAX_ARG_STRLEN + 1);
    if (s.length > MAX_ARG_STRLEN) return -E2BIG;
    total += s.length + 1 + 8;
    if (total > MAX_ARG_BYTES) return -E2BIG;
    out.push(s);
  }
}

function execve(p: Process, dirfd: number, pathAddr: number, argvAddr: number, envpAddr: number, flags: number): number {
  return guarded(() => {
    const AT_EMPTY_PATH = 0x1000, AT_SYMLINK_NOFOLLOW = 0x100;
    if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) return -EINVAL;
    let name = readPath(p, pathAddr);
    const argv = readStrings(p, argvAddr);
    if (typeof argv === 'number') return argv;
    const envp = readStrings(p, envpAddr);
    if (typeof envp === 'number') return envp;
    if (name === '' && (flags & AT_EMPTY_PATH) && dirfd !== -100) {
      // execveat(fd, "", ..., AT_EMPTY_PATH): the file the descriptor is open on.
      const f = p.fds.get(dirfd);
      if (!f) return -EBADF;
      if (f.kind !== 'file') return -13; // EACCES
      name = f.path;
    } else if (dirfd !== -100 && !name.startsWith('/')) {
      const f = p.fds.get(dirfd);
      if (!f) return -EBADF;
      if (f.kind !== 'dir') return -ENOTDIR;
    }
    return execProgram(p, name, argv, envp, dirfd);
  });
}
defSyscall(59, 'execve', (p, a) => execve(p, -100, a[0], a[1], a[2], 0));
defSyscall(322, 'execveat', (p, a) => execve(p, int(a[0]), a[1], a[2], a[3], int(a[4])));

// ---- waiting for children ------------------------------------------------------------------------

const WNOHANG = 1, WSTOPPED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x1000000, WNOTHREAD = 0x20000000,
  WALL = 0x40000000, WCLONE = 0x80000000;

/**
 * The common part of wait4 and waitid: among the children `match` selects, reap (or, with `keep`, only
 * report) a zombie through `take`; ECHILD if there is no such child; 0 with WNOHANG while they all run;
 * otherwise wait for one to end (a signal interrupts: -EINTR, or a restart under SA_RESTART).
 */
function waitChild(p: Process, match: (c: Process) => boolean, options: number, take: (c: Process) => number): number {
  const kind = (c: Process): boolean => (options & WALL) !== 0 || ((options & WCLONE) !== 0) === (c.exitSignal !== SIGCHLD);
  return p.waitFor(() => {
    let any = false;
    for (const c of p.children) {
      if (!match(c) || !kind(c)) continue;
      any = true;
      if (c.exit) return take(c);
    }
    if (!any) return -ECHILD;
    if (options & WNOHANG) return 0;
    return p.interrupted(true) || BLOCKED;
  });
}

/** Which children a pid argument names (wait4): one, any (-1), the caller's group (0), a group (< -1). */
function pidMatch(p: Process, pid: number): (c: Process) => boolean {
  if (pid > 0) return c => c.pid === pid;
  if (pid === -1) return () => true;
  const pg = pid === 0 ? p.pgid : -pid;
  return c => c.pgid === pg;
}

/** The status word wait4 reports: the exit code in bits 8-15, or the signal (no core dumps here). */
function waitStatus(c: Process): number {
  const ex = c.exit!;
  return ex.signal ? ex.signal & 0x7f : ((ex.code ?? 0) & 0xff) << 8;
}

defSyscall(61, 'wait4', (p, a) => {
  const pid = int(a[0]), options = int(a[2]) >>> 0;
  if (options & ~(WNOHANG | WSTOPPED | WCONTINUED | WNOTHREAD | WCLONE | WALL)) return -EINVAL;
  if (pid === -2147483648) return -ESRCH;
  return waitChild(p, pidMatch(p, pid), options, (c) => guarded(() => {
    if (a[1]) p.mem.write32(a[1], waitStatus(c));
    if (a[3]) p.mem.writeBytes(a[3], new Uint8Array(144));
    p.machine.reap(c);
    return c.pid;
  }));
});

defSyscall(247, 'waitid', (p, a) => {
  const which = int(a[0]), id = int(a[1]), infop = a[2], options = int(a[3]) >>> 0;
  if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | WNOTHREAD | WCLONE | WALL)) return -EINVAL;
  if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) return -EINVAL;
  let match: (c: Process) => boolean;
  switch (which) {
    case 0: match = () => true; break; // P_ALL
    case 1: if (id <= 0) return -EINVAL; match = c => c.pid === id; break; // P_PID
    case 2: { if (id < 0) return -EINVAL; const pg = id || p.pgid; match = c => c.pgid === pg; break; } // P_PGID
    case 3: return -EBADF; // P_PIDFD: no pidfds here
    default: return -EINVAL;
  }
  // Only ends are modelled (no stop or continue events): without WEXITED no child ever reports.
  const exited = (options & WEXITED) !== 0;
  let took = false;
  const r = waitChild(p, c => match(c) && (exited || !c.exit), options, (c) => guarded(() => {
    took = true;
    if (infop) p.mem.writeBytes(infop, childInfo(c, SIGCHLD));
    if (a[4]) p.mem.writeBytes(a[4], new Uint8Array(144));
    if (!(options & WNOWAIT)) p.machine.reap(c);
    return 0;
  }));
  // WNOHANG with nothing to report: the fields are written as zeros (signo, errno, code; pid, uid, status).
  if (r === 0 && !took && infop) {
    return guarded(() => { p.mem.writeBytes(infop, new Uint8Array(12)); p.mem.writeBytes(infop + 16, new Uint8Array(12)); return 0; });
  }
  return r;
});

// ---- ids and groups ------------------------------------------------------------------------------

/** The parent's pid: the host process for the first process, init (1) for orphans. */
defSyscall(110, 'getppid', (p) => (p.parent ? p.parent.pid : p === p.machine.first ? process.pid : 1));
defSyscall(111, 'getpgrp', (p) => p.pgid);

function target(p: Process, pid: number): Process | null {
  return pid === 0 ? p : p.machine.table.get(pid) ?? null;
}
defSyscall(121, 'getpgid', (p, a) => { const t = target(p, int(a[0])); return t ? t.pgid : -ESRCH; });
defSyscall(124, 'getsid', (p, a) => { const t = target(p, int(a[0])); return t ? t.sid : -ESRCH; });

defSyscall(109, 'setpgid', (p, a) => {
  const pid = int(a[0]), pgid = int(a[1]);
  if (pgid < 0) return -EINVAL;
  const t = target(p, pid);
  // Only the caller or one of its children.
  if (!t || (t !== p && t.parent !== p)) return -ESRCH;
  if (t.sid !== p.sid) return -EPERM;
  if (t.sid === t.pid) return -EPERM; // a session leader stays in its group
  const g = pgid || t.pid;
  if (g !== t.pid && ![...p.machine.table.values()].some(x => x.pgid === g && x.sid === p.sid)) return -EPERM;
  t.pgid = g;
  return 0;
});

defSyscall(112, 'setsid', (p) => {
  if ([...p.machine.table.values()].some(x => x.pgid === p.pid)) return -EPERM; // already a group leader
  p.sid = p.pgid = p.pid;
  return p.pid;
});

// sched_yield: with other processes running, the rest of the slice goes to them.
defSyscall(24, 'sched_yield', (p) => {
  if (p.scheduled && p.machine.multi) { p.yielded = true; p.cpu.stopRequested = true; }
  return 0;
});
