// Text the kernel prints about uprobe events: the canonical definition (`cat uprobe_events`), the
// `trace` line layout and `uprobe_profile`. Trace lines are byte strings (one char per byte, latin1):
// the kernel copies argument bytes verbatim, so write them out with Buffer.from(s, 'latin1').

import { toByteString } from './kstr';
import type { EventDef } from './model';

/** The line `cat uprobe_events` shows for an event (without the newline). */
export function definitionText(ev: EventDef): string {
  let s = `${ev.isReturn ? 'r' : 'p'}:${ev.group}/${ev.event} ${ev.path}:0x${ev.offsetBig.toString(16).padStart(16, '0')}`;
  if (ev.refCtrOffset) s += `(0x${ev.refCtrOffset.toString(16)})`;
  for (const a of ev.args) s += ` ${a.name}=${a.comm}`;
  return s;
}

/**
 * The flags column this kernel (6.18) prints for every uprobe event: the trace context underflows
 * because uprobe handlers run with preemption enabled, so every flag bit reads as set.
 */
export const UPROBE_TRACE_FLAGS = 'DBZff';

export interface TraceRecord {
  comm: string;
  pid: number;
  cpu: number;
  /** The irq-info column, e.g. UPROBE_TRACE_FLAGS; '' when the irq-info option is off. */
  flags: string;
  /** Timestamp in seconds. */
  ts: number;
  ev: EventDef;
  /** Entry probes: the probed address. */
  ip?: number;
  /** Return probes: the probed function's address. */
  func?: number;
  /** Return probes: the address returned to. */
  ret?: number;
  /** The arguments as formatArgs() renders them (byte string). */
  args: string;
}

const hex = (n: number | undefined) => (n ?? 0).toString(16);

/** One line of the `trace` file, byte-identical to the kernel's (no trailing newline). */
export function formatTraceLine(rec: TraceRecord): string {
  const us = Math.round(rec.ts * 1e6);
  const secs = Math.floor(us / 1e6), usec = us - secs * 1e6;
  const comm = toByteString(rec.comm);
  const head = `${comm.padStart(16)}-${String(rec.pid).padEnd(7)} [${String(rec.cpu).padStart(3, '0')}] ${rec.flags}`
    + ` ${String(secs).padStart(5)}.${String(usec).padStart(6, '0')}: `;
  const name = toByteString(rec.ev.event);
  const where = rec.ev.isReturn ? `(0x${hex(rec.ret)} <- 0x${hex(rec.func)})` : `(0x${hex(rec.ip)})`;
  return `${head}${name}: ${where}${rec.args}`;
}

export interface ProfileRow {
  path: string;
  event: EventDef;
  hits: number;
  /** Not shown by this kernel's uprobe_profile; accepted for callers that count them. */
  misses?: number;
}

/** The whole `uprobe_profile` file for these rows (each line ends with '\n'). */
export function formatProfile(rows: ProfileRow[]): string {
  let out = '';
  for (const r of rows) {
    out += `  ${toByteString(r.path)} ${toByteString(r.event.event).padEnd(44)} ${String(r.hits).padStart(15)}\n`;
  }
  return out;
}
