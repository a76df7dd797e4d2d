// The debugger's breakpoints. Each verified breakpoint is one uprobe consumer per address it resolved
// to; its condition, hit condition and log message decide, in the consumer's handler, whether the hit
// stops the debugger, prints a trace line, or does nothing.

import type { Uprobe } from '../engine/uprobes/uprobe';
import type { UprobeConsumer } from '../engine/uprobes/types';
import type { Process } from '../engine/linux/process';
import type { Condition, HitCondition, LogTemplate } from './expr';

export type BreakpointKind = 'source' | 'function' | 'instruction';

/** What the client asked for (kept across restarts and re-resolved against each new process). */
export interface BreakpointSpec {
  kind: BreakpointKind;
  /** source: file and (client) line. */
  path?: string;
  line?: number;
  /** function: `sym`, `sym+0x10`, or an address. */
  name?: string;
  /** instruction: an address (memory reference) plus a byte offset. */
  instructionReference?: string;
  offset?: number;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

/** One uprobe consumer the breakpoint registered. */
export interface Registration {
  address: number;
  fileOffset: number;
  uprobe: Uprobe;
  consumer: UprobeConsumer;
  cond?: Condition;
  log?: LogTemplate;
  /** Event name of a logpoint's trace lines (the kernel's default name for a probe there); '' for a breakpoint. */
  eventName: string;
}

/**
 * Two requests for the same breakpoint have the same key (absent offset is 0, absent texts are ''): a
 * client re-sending its breakpoints keeps the breakpoint and its hit count.
 */
export function specKey(s: BreakpointSpec): string {
  return JSON.stringify([s.kind, s.path, s.line, s.name, s.instructionReference, s.offset ?? 0,
    s.condition ?? '', s.hitCondition ?? '', s.logMessage ?? '']);
}

export class DebugBreakpoint {
  verified = false;
  message: string | undefined;
  /** source: the line the breakpoint actually sits on (moved to the next line with code). */
  line: number | undefined;
  /** The file the line table calls this source (for the response's source). */
  resolvedPath: string | undefined;
  /** Addresses the breakpoint resolved to (run-time addresses). */
  addresses: number[] = [];
  regs: Registration[] = [];
  /** Addresses where registration was refused, with the reason. */
  refusals: Array<{ address: number; fileOffset?: number; reason: string }> = [];
  hit: HitCondition | undefined;
  /** Hits whose condition held (what the hit condition counts). */
  hits = 0;

  constructor(readonly id: number, readonly spec: BreakpointSpec) {}

  describe(): string {
    const s = this.spec;
    if (s.kind === 'source') return `${s.path?.split('/').pop()}:${this.line ?? s.line}`;
    if (s.kind === 'function') return s.name ?? '?';
    return `${s.instructionReference}${s.offset ? `+${s.offset}` : ''}`;
  }
}

/**
 * The uprobe consumer of one registration. Its name (views, XOL state) is made when first shown, not
 * for each of a thousand breakpoints. A class rather than an object literal with a getter: V8 keeps
 * such literals as slow dictionaries, one shape each, and the hit path reads every consumer's fields.
 */
export class BreakpointConsumer implements UprobeConsumer {
  private label: string | undefined = undefined;

  constructor(private readonly bp: DebugBreakpoint, private readonly kindName: string, private readonly cond: Condition | undefined,
    readonly handler: (self: UprobeConsumer, uprobe: Uprobe, p: Process) => number) {}

  get name(): string {
    return this.label ??= `debugger ${this.kindName} ${this.bp.id} (${this.bp.describe()})${this.cond ? ` if ${this.cond.text}` : ''}`;
  }
}
