// Errors that cross module boundaries.

/** Linux signal numbers (x86_64). */
export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7,
  SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14,
  SIGTERM = 15, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGXCPU = 24, SIGXFSZ = 25,
  SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGSYS = 31;

const SIGNAL_NAMES: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE',
  9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM',
  16: 'SIGSTKFLT', 17: 'SIGCHLD', 18: 'SIGCONT', 19: 'SIGSTOP', 20: 'SIGTSTP', 21: 'SIGTTIN', 22: 'SIGTTOU',
  23: 'SIGURG', 24: 'SIGXCPU', 25: 'SIGXFSZ', 26: 'SIGVTALRM', 27: 'SIGPROF', 28: 'SIGWINCH', 29: 'SIGIO',
  30: 'SIGPWR', 31: 'SIGSYS',
};

export function signalName(sig: number): string {
  return SIGNAL_NAMES[sig] ?? `SIG${sig}`;
}

/**
 * A hardware exception raised while executing a guest instruction, already translated to the signal the
 * kernel would send. `addr` is si_addr (the faulting data address for SIGSEGV/SIGBUS, the instruction
 * for SIGILL/SIGFPE). `detail` names an unimplemented instruction.
 */
export class GuestFault extends Error {
  constructor(public readonly signal: number, public readonly addr: number, public readonly detail = '',
    public readonly code = 0) {
    super(`${signalName(signal)} at 0x${addr.toString(16)}${detail ? ` (${detail})` : ''}`);
  }
}

/** si_code values used by the engine. */
export const SEGV_MAPERR = 1, SEGV_ACCERR = 2, ILL_ILLOPN = 2, FPE_INTDIV = 1, TRAP_BRKPT = 1, TRAP_TRACE = 2,
  SI_KERNEL = 0x80, BUS_ADRALN = 1;

/** Input the engine refuses (bad ELF, bad probe definition...): a one-line reason for the user. */
export class UserError extends Error {}
