// Types shared by the uprobes model: consumers (include/linux/uprobes.h's uprobe_consumer), the task
// states (enum uprobe_task_state), and the events every phase of a hit emits for the debugger and views.

import type { Process } from '../linux/process';
import type { Uprobe } from './uprobe';

/** A handler's return value asking to remove the breakpoint from this process. */
export const UPROBE_HANDLER_REMOVE = 1;

export interface UprobeConsumer {
  /** Shown in views and events. */
  name: string;
  /** Runs in task context when the probe is hit, ip = probe address. */
  handler?(self: UprobeConsumer, uprobe: Uprobe, p: Process): number;
  /** Runs when the probed function returns (return probes). */
  retHandler?(self: UprobeConsumer, uprobe: Uprobe, p: Process, func: number, ret: number): void;
  /** Whether this consumer wants the probe in this process at all (decides installation). */
  filter?(self: UprobeConsumer, p: Process): boolean;
}

/** enum uprobe_task_state */
export const UTASK_RUNNING = 0, UTASK_SSTEP = 1, UTASK_SSTEP_ACK = 2, UTASK_SSTEP_TRAPPED = 3;
export const UTASK_STATE_NAMES = ['UTASK_RUNNING', 'UTASK_SSTEP', 'UTASK_SSTEP_ACK', 'UTASK_SSTEP_TRAPPED'];

/** Phases of a hit as the debugger's XOL view shows them. */
export type UprobePhase = 'hit' | 'handlers' | 'pre_xol' | 'single-step' | 'post_xol' | 'resume' | 'emulate' | 'abort';

export interface FixupChange { what: string; before: number; after: number }

export type UprobeEvent =
  | { type: 'install'; uprobe: Uprobe; vaddr: number }
  | { type: 'remove'; uprobe: Uprobe; vaddr: number }
  | { type: 'refused'; uprobe: Uprobe; reason: string }
  | { type: 'hit'; uprobe: Uprobe; vaddr: number }
  | { type: 'handler'; uprobe: Uprobe; consumer: string; result: number; filtered?: boolean }
  | { type: 'emulate'; uprobe: Uprobe; kind: string; ipBefore: number; ipAfter: number }
  | { type: 'pre_xol'; uprobe: Uprobe; slot: number; slotAddr: number; origBytes: Uint8Array; slotBytes: Uint8Array;
      fixups: string[]; scratch?: { reg: string; saved: number; loaded: number } }
  | { type: 'single-step'; uprobe: Uprobe; ip: number }
  | { type: 'post_xol'; uprobe: Uprobe; slot: number; ipAfterStep: number; changes: FixupChange[]; ip: number }
  | { type: 'abort'; uprobe: Uprobe; reason: string; ip: number }
  | { type: 'signal-held'; sig: number }
  | { type: 'uretprobe-hijack'; uprobe: Uprobe; func: number; orig: number; trampoline: number }
  | { type: 'uretprobe'; uprobe: Uprobe; func: number; ret: number }
  | { type: 'resume'; ip: number };
