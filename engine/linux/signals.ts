// Signal state of the (single-threaded) process: dispositions, the blocked mask, pending signals with
// their siginfo, the alternate stack, and delivery on return to user mode as Linux's get_signal does:
// synchronous faults first, then the lowest-numbered signal; the default action, or a handler frame built
// by sigframe.ts.

import { SIGKILL, SIGSTOP, SIGCHLD, SIGCONT, SIGWINCH, SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS,
  SIGTSTP, signalName, SI_KERNEL } from '../errors';
import type { Process } from './process';
import { TIF_SIGPENDING } from '../cpu/cpu';

export const SIG_DFL = 0, SIG_IGN = 1;
export const SA_NOCLDSTOP = 1, SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_EXPOSE_TAGBITS = 0x800, SA_RESTORER = 0x04000000,
  SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;
/** The sa_flags bits the kernel keeps (UAPI_SA_FLAGS on x86_64); others read back as 0. */
export const UAPI_SA_FLAGS = SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_EXPOSE_TAGBITS | SA_RESTORER | SA_ONSTACK |
  SA_RESTART | SA_NODEFER | SA_RESETHAND;
export const SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 0x80000000;
export const MINSIGSTKSZ = 2048;
/** si_code values for signals sent by processes. */
export const SI_USER = 0, SI_QUEUE = -1, SI_TKILL = -6;

export interface SigAction { handler: number; flags: number; restorer: number; mask: bigint }

/** A queued signal and what its siginfo_t says. */
export interface PendingSignal {
  sig: number;
  code: number;
  /** si_addr for faults. */
  addr: number;
  /** For fatal-signal messages: what happened (an unimplemented instruction...). */
  detail: string;
  /** Instruction pointer when a fault was raised. */
  ip: number;
  /** Raised by force_sig (a fault): delivered even if blocked or ignored. */
  forced: boolean;
  /** si_pid / si_uid for SI_USER, SI_TKILL, SI_QUEUE. */
  pid?: number;
  uid?: number;
  /** si_value (SI_QUEUE, timers). */
  value?: number;
  /** The whole siginfo as rt_sigqueueinfo passed it (si_signo is rewritten on delivery). */
  raw?: Uint8Array;
}

export const sigbit = (sig: number): bigint => 1n << BigInt(sig - 1);
const maskOf = (...sigs: number[]): bigint => sigs.reduce((m, s) => m | sigbit(s), 0n);

/** Signals that cannot be blocked, caught or ignored. */
export const UNBLOCKABLE = maskOf(SIGKILL, SIGSTOP);
/** Signals whose default action is to do nothing (SIG_KERNEL_IGNORE_MASK). */
export const DEFAULT_IGNORE = maskOf(SIGCHLD, SIGCONT, SIGWINCH, 23 /* SIGURG */);
/** Signals whose default action is to stop the process (SIG_KERNEL_STOP_MASK). */
const DEFAULT_STOP = maskOf(SIGSTOP, SIGTSTP, 21 /* SIGTTIN */, 22 /* SIGTTOU */);
/** Faults the kernel dequeues before anything else (SYNCHRONOUS_MASK). */
const SYNCHRONOUS = maskOf(SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS);
/** Default action "terminate with a core dump" (SIG_KERNEL_COREDUMP_MASK). */
export const DEFAULT_CORE = maskOf(3 /* SIGQUIT */, SIGILL, SIGTRAP, 6 /* SIGABRT */, SIGBUS, SIGFPE, SIGSEGV,
  24 /* SIGXCPU */, 25 /* SIGXFSZ */, SIGSYS);

/**
 * Delivery to a handler (sigframe.ts): build the frame for `s` on the user stack, saving `savedMask` in it.
 * Returns false if the frame could not be written (the caller then forces SIGSEGV, as Linux does).
 */
export type FrameBuilder = (p: Process, s: PendingSignal, act: SigAction, savedMask: bigint) => boolean;
let buildFrame: FrameBuilder | null = null;
export function setFrameBuilder(f: FrameBuilder): void { buildFrame = f; }

export class SignalState {
  actions: SigAction[] = Array.from({ length: 65 }, () => ({ handler: SIG_DFL, flags: 0, restorer: 0, mask: 0n }));
  /** Blocked mask, bit (sig-1). Never contains SIGKILL or SIGSTOP. */
  blocked = 0n;
  /** Queued signals in arrival order (standard signals at most once each). */
  pending: PendingSignal[] = [];
  /**
   * sigaltstack as the task holds it: sp, flags as last set (a new process has all zero, which reads back
   * as SS_DISABLE because the size is 0; sas_ss_reset leaves SS_DISABLE), size.
   */
  altStack = { sp: 0, flags: 0, size: 0 };
  /** The mask to restore after sigsuspend-like waits (TIF_RESTORE_SIGMASK with saved_sigmask), or null. */
  savedMask: bigint | null = null;

  /** The handler for `sig` ignores it (explicitly, or SIG_DFL of a default-ignored signal). */
  ignored(sig: number): boolean {
    const h = this.actions[sig].handler;
    return h === SIG_IGN || (h === SIG_DFL && (DEFAULT_IGNORE & sigbit(sig)) !== 0n);
  }

  /**
   * Send a signal (the kernel's send_signal): an ignored, unblocked signal is dropped at once; a standard
   * signal already pending is not queued twice. Returns true if it was queued.
   */
  queue(sig: number, info: Partial<PendingSignal> = {}): boolean {
    if (sig < 1 || sig > 64) return false;
    const bit = sigbit(sig);
    if (sig !== SIGKILL && !(this.blocked & bit) && this.ignored(sig)) return false;
    if (sig < 32 && this.pending.some(p => p.sig === sig)) return false;
    this.pending.push({ sig, code: info.code ?? SI_USER, addr: info.addr ?? 0, detail: info.detail ?? '', ip: info.ip ?? 0,
      forced: false, pid: info.pid, uid: info.uid, value: info.value, raw: info.raw });
    return true;
  }

  /** force_sig_fault: a synchronous fault is delivered even if blocked or ignored (then with the default action). */
  force(sig: number, code: number, addr: number, detail: string, ip: number): void {
    const bit = sigbit(sig);
    const act = this.actions[sig];
    if ((this.blocked & bit) || act.handler === SIG_IGN) {
      this.blocked &= ~bit;
      act.handler = SIG_DFL;
    }
    // A fault replaces an identical standard signal that is still queued (it cannot be queued twice).
    this.pending = this.pending.filter(p => p.sig !== sig || sig >= 32);
    this.pending.unshift({ sig, code, addr, detail, ip, forced: true });
  }

  /** force_sigsegv: a handler frame could not be built. */
  forceSigsegv(failedSig: number): void {
    if (failedSig === SIGSEGV) this.actions[SIGSEGV].handler = SIG_DFL;
    this.force(SIGSEGV, SI_KERNEL, 0, '', 0);
  }

  /** Bit set of the signals pending. */
  pendingSet(): bigint {
    let s = 0n;
    for (const p of this.pending) s |= sigbit(p.sig);
    return s;
  }

  /** Drop every queued instance of the signals in `mask` (sigaction to SIG_IGN, sigtimedwait). */
  flush(mask: bigint): void {
    this.pending = this.pending.filter(p => !(mask & sigbit(p.sig)));
  }

  /**
   * Index in `pending` of the signal the kernel would dequeue next among `allowed` (default: the unblocked
   * ones): the lowest-numbered synchronous fault if any, else the lowest-numbered signal; -1 if none.
   */
  next(allowed = ~this.blocked): number {
    let x = this.pendingSet() & allowed;
    if (!x) return -1;
    if (x & SYNCHRONOUS) x &= SYNCHRONOUS;
    let sig = 1;
    while (!(x & 1n)) { x >>= 1n; sig++; }
    return this.pending.findIndex(p => p.sig === sig);
  }

  /** Remove and return a queued signal chosen by next(). */
  dequeue(allowed = ~this.blocked): PendingSignal | null {
    const k = this.next(allowed);
    return k < 0 ? null : this.pending.splice(k, 1)[0];
  }

  hasDeliverable(): boolean { return this.next() >= 0; }

  /**
   * get_signal + handle_signal, called on return to user mode: dequeue signals until one needs a handler
   * (its frame is built) or ends the process. More pending signals keep TIF_SIGPENDING set, so the
   * return-to-user loop delivers them too before the first handler instruction runs.
   */
  deliver(p: Process): void {
    for (;;) {
      const k = this.next();
      if (k < 0) break;
      const s0 = this.pending[k];
      if (p.signalFilter && !p.signalFilter(p, s0.sig)) return; // held back (uprobes during XOL)
      const s = this.pending.splice(k, 1)[0];
      const bit = sigbit(s.sig);
      const act = this.actions[s.sig];
      if (s.sig !== SIGKILL && s.sig !== SIGSTOP && act.handler === SIG_IGN) continue;
      if (s.sig !== SIGKILL && s.sig !== SIGSTOP && act.handler !== SIG_DFL) {
        const ka: SigAction = { ...act };
        if (act.flags & SA_RESETHAND) act.handler = SIG_DFL;
        const saved = this.savedMask ?? this.blocked;
        if (!buildFrame) { p.killedBy(s.sig, `guest killed by ${signalName(s.sig)} (handlers not supported)`); return; }
        if (!buildFrame(p, s, ka, saved)) {
          // The frame could not be written: SIGSEGV instead (handled on the next round of this loop).
          if (this.altStack.flags & SS_AUTODISARM) this.resetAltStack();
          this.forceSigsegv(s.sig);
          continue;
        }
        // signal_delivered: the frame holds the mask to restore; block the handler's mask meanwhile.
        this.savedMask = null;
        this.blocked = (this.blocked | ka.mask | (ka.flags & SA_NODEFER ? 0n : bit)) & ~UNBLOCKABLE;
        if (this.altStack.flags & SS_AUTODISARM) this.resetAltStack();
        if (this.hasDeliverable()) p.cpu.tif |= TIF_SIGPENDING;
        return;
      }
      if (DEFAULT_IGNORE & bit) continue;
      if (DEFAULT_STOP & bit) {
        // Job control is not modelled: nobody could send SIGCONT, so the stop is logged and skipped.
        p.log(`${signalName(s.sig)}: process stop not modelled, continuing`);
        continue;
      }
      const msg = s.forced
        ? (p.constructor as typeof import('./process').Process).describeFatal(s.sig, p.cpu.rip, s.addr, s.detail)
        : `guest killed by ${signalName(s.sig)}`;
      p.killedBy(s.sig, msg);
      return;
    }
    // No handler ran: a sigsuspend-style temporary mask is put back now.
    if (this.savedMask !== null) {
      this.blocked = this.savedMask;
      this.savedMask = null;
      if (this.hasDeliverable()) p.cpu.tif |= TIF_SIGPENDING;
    }
  }

  resetAltStack(): void { this.altStack = { sp: 0, flags: SS_DISABLE, size: 0 }; }

  /** __on_sig_stack: sp lies within the alternate stack (just above its base, up to its top). */
  inAltStack(sp: number): boolean {
    const a = this.altStack;
    return sp > a.sp && sp - a.sp <= a.size;
  }

  /** on_sig_stack: as above, except that an SS_AUTODISARM stack is never considered in use. */
  onAltStack(sp: number): boolean {
    return (this.altStack.flags & SS_AUTODISARM) ? false : this.inAltStack(sp);
  }

  /** sas_ss_flags: SS_DISABLE if none, SS_ONSTACK if sp is on it, else 0. */
  altStackFlags(sp: number): number {
    if (!this.altStack.size) return SS_DISABLE;
    return this.onAltStack(sp) ? SS_ONSTACK : 0;
  }

  /**
   * do_sigaltstack's update half. Returns 0 or a negative errno (EPERM while running on the stack,
   * EINVAL for a bad mode, ENOMEM for a stack smaller than MINSIGSTKSZ).
   */
  setAltStack(curSp: number, sp: number, flags: number, size: number): number {
    if (this.onAltStack(curSp)) return -1; // EPERM
    const mode = flags & ~SS_AUTODISARM;
    if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return -22; // EINVAL
    if (mode === SS_DISABLE) { this.altStack = { sp: 0, flags, size: 0 }; return 0; }
    if (size < MINSIGSTKSZ) return -12; // ENOMEM
    // The flags are kept as given (uc_stack.ss_flags in a frame shows them).
    this.altStack = { sp, flags, size };
    return 0;
  }
}
