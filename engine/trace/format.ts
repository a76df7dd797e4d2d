// Text the kernel prints about uprobe events: the canonical definition (`cat uprobe_events`), the
// `trace` line layout and `uprobe_profile`. Trace lines are byte strings (one char per byte, latin1):
// the kernel copies argument bytes verbatim, so write them out with Buffer.from(s, 'latin1').

import { toByteString } from './kstr';
import type { EventDef } from './model';
import { ByteOut } from './bytes';

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

const lineOut = new ByteOut(256);

/** One line of the `trace` file, byte-identical to the kernel's (no trailing newline). */
export function formatTraceLine(rec: TraceRecord): string {
  const out = lineOut;
  out.pos = 0;
  writeTaskHead(out, toByteString(rec.comm), rec.pid, rec.cpu, rec.flags);
  writeTimestamp(out, Math.round(rec.ts * 1e6));
  out.latin1(toByteString(rec.ev.event));
  out.latin1(': (0x');
  if (rec.ev.isReturn) {
    out.hexNum(rec.ret ?? 0);
    out.latin1(' <- 0x');
    out.hexNum(rec.func ?? 0);
  } else {
    out.hexNum(rec.ip ?? 0);
  }
  out.byte(41); // ')'
  out.latin1(rec.args);
  return out.toLatin1();
}

/** '%16s-%-7d [%03d] FLAGS' for a task (comm is a byte string). */
export function writeTaskHead(out: ByteOut, comm: string, pid: number, cpu: number, flags: string): void {
  out.fill(32, 16 - comm.length);
  out.latin1(comm);
  out.byte(45); // '-'
  const p0 = out.pos;
  out.dec(pid);
  out.fill(32, 7 - (out.pos - p0));
  out.latin1(' [');
  out.decPad(cpu, 3);
  out.latin1('] ');
  out.latin1(flags);
}

/** ' %5lu.%06lu: ' for a timestamp in microseconds. */
export function writeTimestamp(out: ByteOut, us: number): void {
  const secs = Math.floor(us / 1e6);
  out.byte(32);
  out.decPad(secs, 5, 32);
  out.byte(46); // '.'
  out.decPad(us - secs * 1e6, 6);
  out.byte(58); // ':'
  out.byte(32);
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
