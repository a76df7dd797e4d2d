// The printing half of the batched tracer: raw records (what TraceBatch keeps of each hit) become trace
// lines in one byte buffer, handed to a writer in chunks of about 256 KiB. It runs in the thread that
// records (short traces) or in a worker thread of its own (printer-worker.ts), the way the kernel's
// reader formats what its ring buffer holds while the traced task goes on.

import { ByteOut } from './bytes';
import type { EventPlan } from './model';
import { printValues } from './fetch';
import { writeTimestamp } from './format';

/** Output is handed to the writer in chunks of at least this many bytes (except at a flush). */
export const TRACE_CHUNK = 1 << 18;
/** Records a batch holds at most. */
export const MAX_RECORDS = 4096;
/** Bytes of raw records a batch holds at most (a record is at most a page). */
export const ARENA_BYTES = 1 << 17;
/** Event id of a record that repeats the one before it but for its time (see TraceBatch.add). */
export const REPEAT = -1;
/** Most bytes of lines copied from one line at a time (a run stays in the first-level cache). */
const RUN_BYTES = 1 << 13;
/** Two ASCII digits for each of 0..99. */
const DIGITS2 = Uint8Array.from({ length: 200 }, (_, i) => 48 + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)));

/** What printing an event's lines needs (plain data: it crosses to the printer thread). */
export interface PrintEvent {
  /** 'NAME: (0x' as bytes. */
  name: Uint8Array;
  isReturn: boolean;
  plan: EventPlan;
  /** The group and event names (for JSON lines). */
  group: string;
  event: string;
}

/**
 * A batch of records. Per record, ints[4n..4n+3]: event id (or REPEAT), task head, where its raw record
 * is in the arena and its length; nums[3n..3n+2]: the timestamp (us), the probed or return address, the
 * function (return probes). A REPEAT keeps only its timestamp. `heads` are the batch's task heads
 * ('comm-pid [cpu] flags') as bytes, `tasks` the same heads' comm and pid (for JSON lines).
 */
export interface RecordBatch {
  count: number;
  ints: Int32Array;
  nums: Float64Array;
  arena: Uint8Array;
  heads: Uint8Array[];
  tasks: TaskId[];
}

export interface TaskId { comm: string; pid: number }

export class TracePrinter {
  readonly events: PrintEvent[] = [];
  private readonly out = new ByteOut(TRACE_CHUNK + (1 << 13));
  // The part of a line that repeats from hit to hit, as bytes: from the task head to the first argument's
  // value ('comm-pid [cpu] flags  1234.000000: name: (0x401000) arg1=0x'), with the microseconds left to
  // fill in at `tplUs`. Rebuilt when the task, the second, the event or the address changes.
  private tpl = new Uint8Array(0);
  private tplUs = 0;
  private tplHead: Uint8Array | null = null;
  // (NaN: these hold doubles from the start, so that the object's shape never changes under the JIT.)
  private tplSecs = NaN;
  private tplEvent = -1;
  private tplWhere = NaN;
  private tplFunc = NaN;
  private readonly piece = new ByteOut(256);
  /** Argument text of the records of a run that differ from the line before (see print). */
  private readonly vals = new ByteOut(1 << 12);
  /** Per line of a run: where its argument text is in `vals`, or -1 for the first line's. */
  private readonly patch = new Int32Array(MAX_RECORDS);

  /**
   * `write` receives bytes[0, len) each time; it must consume them before returning. `json`: one JSON
   * object a line instead (`--trace-format json`).
   */
  constructor(private readonly write: (bytes: Uint8Array, len: number) => void, private readonly json = false) {}

  /** Text after the lines so far (a byte string, e.g. a JSON line or the profile). */
  text(s: string): void {
    this.out.latin1(s);
    this.drain(TRACE_CHUNK);
  }

  /** Write everything printed so far. */
  flush(): void {
    this.drain(1);
  }

  private drain(atLeast: number): void {
    if (this.out.pos >= atLeast) {
      this.write(this.out.buf, this.out.pos);
      this.out.pos = 0;
    }
  }

  private template(head: Uint8Array, secs: number, event: number, where: number, func: number): void {
    const o = this.piece, e = this.events[event];
    o.pos = 0;
    o.bytes(head);
    writeTimestamp(o, secs * 1e6);
    this.tplUs = o.pos - 8;
    writeWhere(o, e, where, func);
    o.bytes(e.plan.consts[0]); // ' NAME=' of the first argument
    this.tpl = o.buf.slice(0, o.pos);
    this.tplHead = head; this.tplSecs = secs; this.tplEvent = event; this.tplWhere = where; this.tplFunc = func;
  }

  /**
   * Print a batch of records as trace lines, writing full chunks as they fill.
   *
   * Lines come in runs: consecutive records of the same event, task, second and address whose arguments
   * print to the same number of bytes make lines of one length that differ only in the microseconds
   * and the arguments' text. The first line of a run is printed in full, copied over the run's length
   * in a few memmoves (doubling), and each copy then gets its own microseconds and, where its record
   * is not a repeat (TraceBatch.add: same bytes as the record before), its own arguments, printed aside
   * while the run was measured. A record's argument text depends on nothing but its bytes.
   */
  print(batch: RecordBatch): void {
    if (this.json) { this.printJson(batch); return; }
    const { count, ints, nums, arena, heads } = batch;
    const events = this.events, out = this.out, vals = this.vals, patch = this.patch;
    // The last record that is not a repeat: what the repeats after it stand for.
    let event = -1, head = -1, at = 0, len = 0, where = 0, func = 0;
    let r = 0;
    while (r < count) {
      if (ints[4 * r] !== REPEAT) {
        event = ints[4 * r]; head = ints[4 * r + 1]; at = ints[4 * r + 2]; len = ints[4 * r + 3];
        where = nums[3 * r + 1]; func = nums[3 * r + 2];
      }
      const us = nums[3 * r];
      const secs = Math.floor(us / 1e6);
      const hb = heads[head];
      if (hb !== this.tplHead || secs !== this.tplSecs || event !== this.tplEvent || where !== this.tplWhere || func !== this.tplFunc) {
        this.template(hb, secs, event, where, func);
      }
      const tpl = this.tpl, tplUs = this.tplUs, tl = tpl.length;
      const plan = events[event].plan;
      // The run's first line, in full.
      out.ensure(tl);
      const s0 = out.pos;
      out.buf.set(tpl, s0);
      writeMicros(out.buf, s0 + tplUs, us - secs * 1e6);
      out.pos = s0 + tl;
      printValues(out, plan, arena, at, len);
      const V = out.pos - s0 - tl;
      out.byte(10);
      const L = out.pos - s0;
      // How far the run goes: the same template, arguments printing to V bytes.
      const usLo = secs * 1e6, usHi = usLo + 1e6;
      const maxRun = Math.max(1, Math.floor(RUN_BYTES / L));
      let n = 1, cur = -1;
      vals.pos = 0;
      while (n < maxRun && r + n < count) {
        const q = r + n;
        const u = nums[3 * q];
        if (u < usLo || u >= usHi) break;
        if (ints[4 * q] !== REPEAT) {
          // Same event, task and address, so (not being a repeat) other bytes: print its arguments aside.
          if (ints[4 * q] !== event || ints[4 * q + 1] !== head || nums[3 * q + 1] !== where || nums[3 * q + 2] !== func) break;
          const qa = ints[4 * q + 2], ql = ints[4 * q + 3];
          const v0 = vals.pos;
          printValues(vals, plan, arena, qa, ql);
          if (vals.pos - v0 !== V) { vals.pos = v0; break; }
          cur = v0;
          at = qa; len = ql;
        }
        patch[n] = cur;
        n++;
      }
      if (n > 1) {
        out.ensure((n - 1) * L);
        const buf = out.buf, vb = vals.buf;
        for (let have = 1; have < n;) {
          const c = Math.min(have, n - have);
          buf.copyWithin(s0 + have * L, s0, s0 + c * L);
          have += c;
        }
        for (let k = 1; k < n; k++) {
          const ls = s0 + k * L;
          writeMicros(buf, ls + tplUs, nums[3 * (r + k)] - usLo);
          const pv = patch[k];
          if (pv >= 0) for (let i = 0, d = ls + tl; i < V; i++) buf[d + i] = vb[pv + i];
        }
        out.pos = s0 + n * L;
      }
      r += n;
      if (out.pos >= TRACE_CHUNK) this.drain(TRACE_CHUNK);
    }
    // Heads are per batch: the next batch's head 0 is another array.
    this.tplHead = null;
  }

  /**
   * Print a batch as JSON lines, one object a hit: group, event, comm, pid, ts (seconds), ip (entry) or
   * func and ret (return), args and text (the trace line), the byte strings read as UTF-8, as
   * JSON.stringify writes them.
   */
  private printJson(batch: RecordBatch): void {
    const { count, ints, nums, arena, heads, tasks } = batch;
    const out = this.out;
    let event = -1, head = -1, at = 0, len = 0, where = 0, func = 0;
    // Of the last event and task: '{"group":..,"event":..,"comm":..,"pid":N,"ts":' as UTF-8, and whether
    // the line's fixed parts (task head, event name) are plain ASCII.
    let pre = '', preBytes: Uint8Array = EMPTY, prePlain = false, preEvent = -1, preHead = -1;
    // The last addresses, in decimal; the last second, as JSON ('1234') and in the line (' 1234.').
    let whereDec: Uint8Array = EMPTY, decWhere = NaN, funcDec: Uint8Array = EMPTY, decFunc = NaN;
    let tsSecs = -1, secsJson: Uint8Array = EMPTY, secsText: Uint8Array = EMPTY;
    for (let r = 0; r < count; r++) {
      if (ints[4 * r] !== REPEAT) {
        event = ints[4 * r]; head = ints[4 * r + 1]; at = ints[4 * r + 2]; len = ints[4 * r + 3];
        where = nums[3 * r + 1]; func = nums[3 * r + 2];
      }
      const us = nums[3 * r], e = this.events[event], hb = heads[head];
      if (event !== preEvent || head !== preHead) {
        const task = tasks[head];
        pre = `{"group":${JSON.stringify(e.group)},"event":${JSON.stringify(e.event)},"comm":${JSON.stringify(task.comm)},"pid":${task.pid},"ts":`;
        preBytes = Buffer.from(pre, 'utf8');
        prePlain = plainAscii(hb, 0, hb.length) && plainAscii(e.name, 0, e.name.length);
        preEvent = event; preHead = head;
      }
      if (where !== decWhere) { whereDec = ascii(String(where)); decWhere = where; }
      if (e.isReturn && func !== decFunc) { funcDec = ascii(String(func)); decFunc = func; }
      // The common line, printable ASCII with nothing to escape (the same bytes in UTF-8 and in JSON):
      // the arguments printed once and copied into the text.
      const secs = Math.floor(us / 1e6), micro = us - secs * 1e6;
      if (secs !== tsSecs) {
        tsSecs = secs;
        secsJson = ascii(String(secs));
        secsText = ascii(` ${String(secs).padStart(5, ' ')}.`);
      }
      const start = out.pos;
      out.ensure(preBytes.length + 64);
      out.buf.set(preBytes, out.pos);
      out.pos += preBytes.length;
      if (us >= 1e15) jsonSeconds(out, us);
      else {
        // (see jsonSeconds)
        out.bytes(secsJson);
        if (micro !== 0) {
          const buf = out.buf;
          buf[out.pos] = 46; // '.'
          writeMicros(buf, out.pos + 1, micro);
          let end = out.pos + 7;
          while (buf[end - 1] === 48) end--;
          out.pos = end;
        }
      }
      if (e.isReturn) { out.bytes(J_FUNC); out.bytes(funcDec); out.bytes(J_RET); } else out.bytes(J_IP);
      out.bytes(whereDec);
      out.bytes(J_ARGS);
      const a0 = out.pos;
      out.bytes(e.plan.consts[0]);
      printValues(out, e.plan, arena, at, len);
      const a1 = out.pos;
      if (prePlain && plainAscii(out.buf, a0, a1)) {
        out.bytes(J_TEXT);
        out.bytes(hb);
        out.bytes(secsText);
        out.ensure(8);
        writeMicros(out.buf, out.pos, micro);
        out.buf[out.pos + 6] = 58; // ':'
        out.buf[out.pos + 7] = 32;
        out.pos += 8;
        writeWhere(out, e, where, func);
        out.ensure(a1 - a0 + 3);
        out.buf.copyWithin(out.pos, a0, a1);
        out.pos += a1 - a0;
        out.bytes(J_END);
      } else {
        // Anything else as JSON.stringify writes it (which writes a number as String does).
        out.pos = start;
        const o = this.piece;
        o.pos = 0;
        o.bytes(hb);
        writeTimestamp(o, us);
        writeWhere(o, e, where, func);
        const t0 = o.pos;
        o.bytes(e.plan.consts[0]);
        printValues(o, e.plan, arena, at, len);
        const s = `${pre}${String(us / 1e6)},${e.isReturn ? `"func":${func},"ret":${where}` : `"ip":${where}`},"args":` +
          `${JSON.stringify(utf8(o.toLatin1(t0)))},"text":${JSON.stringify(utf8(o.toLatin1()))}}\n`;
        out.bytes(Buffer.from(s, 'utf8'));
      }
      if (out.pos >= TRACE_CHUNK) this.drain(TRACE_CHUNK);
    }
  }
}

const EMPTY = new Uint8Array(0);
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const J_IP = ascii(',"ip":'), J_FUNC = ascii(',"func":'), J_RET = ascii(',"ret":'), J_ARGS = ascii(',"args":"');
const J_TEXT = ascii('","text":"'), J_END = ascii('"}\n');

/**
 * The seconds of a timestamp in whole microseconds (0 <= us < 2^53), as String(us / 1e6) writes them:
 * the shortest decimal that reads back as that double. Below 10^15 us (31 years of uptime) that is the
 * six decimals without their trailing zeros: 15 significant digits or fewer, which a double keeps, and
 * no shorter decimal lies within half a unit of its last place. Beyond, String itself.
 */
export function jsonSeconds(out: ByteOut, us: number): void {
  if (us >= 1e15) { out.latin1(String(us / 1e6)); return; }
  const secs = Math.floor(us / 1e6);
  let frac = us - secs * 1e6;
  out.dec(secs);
  if (frac === 0) return;
  let digits = 6;
  while (frac % 10 === 0) { frac /= 10; digits--; }
  out.byte(46); // '.'
  out.decPad(frac, digits);
}

/** Whether buf[from, to) is printable ASCII without '"' or '\\' (text JSON.stringify copies as it is). */
function plainAscii(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c < 32 || c > 126 || c === 34 || c === 92) return false;
  }
  return true;
}

/** A byte string read as UTF-8 (as the kernel's bytes show in a UTF-8 terminal). */
const utf8 = (s: string): string => Buffer.from(s, 'latin1').toString('utf8');

/** 'NAME: (0xADDR)' of a line, or 'NAME: (0xRET <- 0xFUNC)' for a return probe. */
function writeWhere(o: ByteOut, e: PrintEvent, where: number, func: number): void {
  o.bytes(e.name);
  o.hexNum(where);
  if (e.isReturn) {
    o.latin1(' <- 0x');
    o.hexNum(func);
  }
  o.byte(41); // ')'
}

/** The six digits of microseconds (0 <= usec < 10^6) at buf[d...]. */
function writeMicros(buf: Uint8Array, d: number, usec: number): void {
  // (int32 division by a constant compiles to a multiplication)
  let u = usec | 0, q = (u / 100) | 0, two = 2 * (u - q * 100);
  buf[d + 4] = DIGITS2[two]; buf[d + 5] = DIGITS2[two + 1];
  u = q; q = (u / 100) | 0; two = 2 * (u - q * 100);
  buf[d + 2] = DIGITS2[two]; buf[d + 3] = DIGITS2[two + 1];
  two = 2 * q;
  buf[d] = DIGITS2[two]; buf[d + 1] = DIGITS2[two + 1];
}
