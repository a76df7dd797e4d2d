// Signal state of the (single-threaded) process: dispositions, the blocked mask, pending signals, and
// delivery on return to user mode: the default action, or a handler frame (sigframe.ts).

import { SIGKILL, SIGSTOP, SIGCHLD, SIGCONT, SIGWINCH, signalName } from '../errors';
import type { Process } from './process';

export const SIG_DFL = 0, SIG_IGN = 1;
export const SA_SIGINFO = 4, SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000,
  SA_RESETHAND = 0x80000000, SA_RESTORER = 0x04000000;

export interface SigAction { handler: number; flags: number; restorer: number; mask: bigint }

export interface PendingSignal { sig: number; code: number; addr: number; detail: string; ip: number; forced: boolean; pid?: number }

/** Signals whose default action is to be ignored. */
const DEFAULT_IGNORE = new Set([SIGCHLD, SIGCONT, SIGWINCH, 23 /* SIGURG */]);

/** Delivery of a handler: set by sigframe.ts (kept apart so this file stays about state). */
export type FrameBuilder = (p: Process, s: PendingSignal, act: SigAction) => void;
let buildFrame: FrameBuilder | null = null;
export function setFrameBuilder(f: FrameBuilder): void { buildFrame = f; }

export class SignalState {
  actions: SigAction[] = Array.from({ length: 65 }, () => ({ handler: SIG_DFL, flags: 0, restorer: 0, mask: 0n }));
  /** Blocked mask, bit (sig-1). */
  blocked = 0n;
  pending: PendingSignal[] = [];
  altStack = { sp: 0, flags: 2 /* SS_DISABLE */, size: 0 };

  queue(sig: number, info: Partial<PendingSignal> = {}): void {
    if (sig < 64 && sig !== 0 && this.pending.some(p => p.sig === sig && sig < 32)) return; // standard signals don't queue
    this.pending.push({ sig, code: info.code ?? 0, addr: info.addr ?? 0, detail: info.detail ?? '', ip: info.ip ?? 0, forced: false, pid: info.pid });
  }

  /** force_sig_fault: a synchronous fault is delivered even if blocked or ignored (then with the default action). */
  force(sig: number, code: number, addr: number, detail: string, ip: number): void {
    const bit = 1n << BigInt(sig - 1);
    const act = this.actions[sig];
    if ((this.blocked & bit) || act.handler === SIG_IGN) {
      this.blocked &= ~bit;
      act.handler = SIG_DFL;
    }
    this.pending.unshift({ sig, code, addr, detail, ip, forced: true });
  }

  hasDeliverable(): boolean {
    return this.pending.some(p => !(this.blocked & (1n << BigInt(p.sig - 1))) || p.sig === SIGKILL);
  }

  /** Deliver the first deliverable signal (called on return to user mode). */
  deliver(p: Process): void {
    for (let k = 0; k < this.pending.length; k++) {
      const s = this.pending[k];
      const bit = 1n << BigInt(s.sig - 1);
      if ((this.blocked & bit) && s.sig !== SIGKILL && s.sig !== SIGSTOP) continue;
      if (p.signalFilter && !p.signalFilter(p, s.sig)) return; // held back (uprobes XOL)
      this.pending.splice(k, 1);
      const act = this.actions[s.sig];
      if (act.handler === SIG_IGN || (act.handler === SIG_DFL && DEFAULT_IGNORE.has(s.sig))) { k--; continue; }
      if (act.handler === SIG_DFL || s.sig === SIGKILL || s.sig === SIGSTOP) {
        const ip = s.forced ? s.ip : p.cpu.rip;
        const msg = s.forced
          ? (p.constructor as typeof import('./process').Process).describeFatal(s.sig, ip, s.addr, s.detail)
          : `guest killed by ${signalName(s.sig)}`;
        p.killedBy(s.sig, msg);
        return;
      }
      if (!buildFrame) { p.killedBy(s.sig, `guest killed by ${signalName(s.sig)} (handlers not supported)`); return; }
      buildFrame(p, s, act);
      // More may be pending: keep the work bit so the next return to user mode delivers them.
      if (this.hasDeliverable()) p.cpu.tif |= 2;
      return;
    }
  }
}
