// The syscall table: each family module (fs, mm, proc, signal, time...) registers its calls by number.
// A handler returns the result as a number (a negative errno on failure).

import type { Process } from '../process';

export type SyscallHandler = (p: Process, a: number[]) => number;

export interface SyscallEntry { name: string; fn: SyscallHandler }

export const syscalls: (SyscallEntry | undefined)[] = [];

/** A syscall handler's result that leaves rax as the handler set it (rt_sigreturn). */
export const NO_RETURN = 0x7fffffffffff;
/** The syscall must wait (see Process.waitFor): it is retried, the process parked meanwhile. */
export const BLOCKED = 0x7ffffffffffe;
/** Run the syscall again from the start once the pending signal is handled (the kernel's -ERESTARTSYS). */
export const RESTART = 0x7ffffffffffd;

export function defSyscall(nr: number, name: string, fn: SyscallHandler): void {
  syscalls[nr] = { name, fn };
}

/** Names of well-known syscalls not implemented, for -v messages. */
export const SYSCALL_NAMES: Record<number, string> = {
  0: 'read', 1: 'write', 2: 'open', 3: 'close', 4: 'stat', 5: 'fstat', 6: 'lstat', 7: 'poll', 8: 'lseek',
  9: 'mmap', 10: 'mprotect', 11: 'munmap', 12: 'brk', 13: 'rt_sigaction', 14: 'rt_sigprocmask',
  15: 'rt_sigreturn', 16: 'ioctl', 17: 'pread64', 18: 'pwrite64', 19: 'readv', 20: 'writev', 21: 'access',
  22: 'pipe', 23: 'select', 24: 'sched_yield', 25: 'mremap', 28: 'madvise', 32: 'dup', 33: 'dup2', 35: 'nanosleep',
  37: 'alarm', 38: 'setitimer', 39: 'getpid', 41: 'socket', 42: 'connect', 56: 'clone', 57: 'fork', 58: 'vfork',
  59: 'execve', 60: 'exit', 61: 'wait4', 62: 'kill', 63: 'uname', 72: 'fcntl', 77: 'ftruncate', 78: 'getdents',
  79: 'getcwd', 80: 'chdir', 82: 'rename', 83: 'mkdir', 84: 'rmdir', 85: 'creat', 86: 'link', 87: 'unlink',
  89: 'readlink', 90: 'chmod', 92: 'chown', 95: 'umask', 96: 'gettimeofday', 97: 'getrlimit', 98: 'getrusage',
  99: 'sysinfo', 100: 'times', 102: 'getuid', 104: 'getgid', 107: 'geteuid', 108: 'getegid', 110: 'getppid',
  111: 'getpgrp', 131: 'sigaltstack', 137: 'statfs', 138: 'fstatfs', 157: 'prctl', 158: 'arch_prctl',
  186: 'gettid', 200: 'tkill', 201: 'time', 202: 'futex', 204: 'sched_getaffinity', 217: 'getdents64',
  218: 'set_tid_address', 228: 'clock_gettime', 229: 'clock_getres', 230: 'clock_nanosleep', 231: 'exit_group',
  234: 'tgkill', 257: 'openat', 262: 'newfstatat', 263: 'unlinkat', 267: 'readlinkat', 269: 'faccessat',
  270: 'pselect6', 271: 'ppoll', 273: 'set_robust_list', 293: 'pipe2', 302: 'prlimit64', 318: 'getrandom',
  332: 'statx', 334: 'rseq', 435: 'clone3', 439: 'faccessat2',
};
