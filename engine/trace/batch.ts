// Trace lines recorded now and printed later, in batches: a hit only copies its raw record (the bytes
// fetchRecord left in the scratch page) and a few numbers into preallocated arrays, the way the kernel
// writes binary events into its ring buffer and formats them when `trace` is read. Formatting happens
// when the batch fills up or is flushed, into one byte buffer written out in chunks of about 256 KiB
// (big writes cost the host's page cache less per byte than 64 KiB ones).

import { ByteOut } from './bytes';
import { toByteString } from './kstr';
import type { EventDef } from './model';
import { eventPlan, printValues } from './fetch';
import { writeTaskHead, writeTimestamp } from './format';
import { hrtime } from './clock';

/** Output is handed to the writer in chunks of at least this many bytes (except at a flush). */
export const TRACE_CHUNK = 1 << 18;
/** Records kept before they are formatted. */
const MAX_RECORDS = 4096;
/** Bytes of raw records kept before they are formatted (a record is at most a page). */
const ARENA_BYTES = 1 << 17;
/** Event id of a record that repeats the one before it but for its time (see TraceBatch.add). */
const REPEAT = -1;
/** Most bytes of lines copied from one line at a time (a run stays in the first-level cache). */
const RUN_BYTES = 1 << 13;
/** Two ASCII digits for each of 0..99. */
const DIGITS2 = Uint8Array.from({ length: 200 }, (_, i) => 48 + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)));

interface BatchEvent { ev: EventDef; name: Uint8Array }

export class TraceBatch {
  // Per record: event id, task head, where its raw record is in the arena and its length; the timestamp
  // (us), the probed or return address, the function (return probes). A repeat keeps only REPEAT and
  // its timestamp.
  private readonly ints = new Int32Array(MAX_RECORDS * 4);
  private readonly nums = new Float64Array(MAX_RECORDS * 3);
  private count = 0;
  /**
   * Records kept before formatting: small at first and growing to MAX_RECORDS, so that the first lines
   * come out early and every path of the hit and print code has run before the JIT compiles it (a path
   * first taken in compiled code throws the compiled code away).
   */
  private limit = 16;
  /** Raw records, each starting on a 4-byte boundary (so that they compare a word at a time). */
  private readonly arena = new Uint8Array(ARENA_BYTES);
  private readonly arena32 = new Int32Array(this.arena.buffer);
  private arenaPos = 0;
  /** The last source of records, and a word view of it. */
  private rec: Uint8Array = new Uint8Array(0);
  private rec32: Int32Array | null = null;
  // The last record that is not a repeat (see add).
  private lastEvent = -1;
  private lastHead = -1;
  private lastWhere = NaN;
  private lastFunc = NaN;
  private lastAt = 0;
  private lastLen = 0;
  private readonly events: BatchEvent[] = [];
  /** Task heads ('comm-pid [cpu] flags') of the records not yet formatted, as bytes. */
  private readonly heads: Uint8Array[] = [];
  private headComm = '';
  private headPid = -1;
  private headCpu = -1;
  private headFlags = '';
  private head = -1;
  private readonly out = new ByteOut(TRACE_CHUNK + (1 << 13));

  /** `write` receives out[0, len) each time; it must consume it before returning. */
  constructor(private readonly write: (bytes: Uint8Array, len: number) => void) {}

  /** An id for an event's records. */
  eventId(ev: EventDef): number {
    const name = Uint8Array.from(Buffer.from(`${toByteString(ev.event)}: (0x`, 'latin1'));
    return this.events.push({ ev, name }) - 1;
  }

  /**
   * Record one hit: the event's raw record rec[0, len), the task (comm as a JS string), when (us on the
   * trace clock; negative: now), and where: the probed address for an entry probe; the return address
   * and the function for a return probe.
   */
  add(event: number, comm: string, pid: number, cpu: number, flags: string, us: number, where: number, func: number,
    rec: Uint8Array, len: number): void {
    if (this.count >= this.limit || this.arenaPos + len > ARENA_BYTES) this.format();
    if (comm !== this.headComm || pid !== this.headPid || cpu !== this.headCpu || flags !== this.headFlags || this.head < 0) {
      this.newHead(comm, pid, cpu, flags);
    }
    const n = this.count++;
    if (us < 0) {
      // traceClockUs(), inline: a time passed in or returned as a number would be boxed at each hit.
      const t = hrtime();
      us = t[0] * 1e6 + Math.floor(t[1] / 1e3);
    }
    const ints = this.ints, nums = this.nums;
    nums[3 * n] = us;
    // A word view of the source, where it allows one (the scratch page does).
    if (rec !== this.rec) {
      this.rec = rec;
      this.rec32 = (rec.byteOffset & 3) === 0 ? new Int32Array(rec.buffer, rec.byteOffset, rec.length >> 2) : null;
    }
    const r32 = this.rec32, a32 = this.arena32, a = this.arena;
    // The same event, task and address as the record before, and the same bytes: a repeat, whose line
    // differs from that record's in its time only. Only the time is kept.
    if (n > 0 && event === this.lastEvent && this.head === this.lastHead && where === this.lastWhere && func === this.lastFunc &&
      len === this.lastLen) {
      const la = this.lastAt;
      let i = 0, same = true;
      if (r32 !== null) {
        const la4 = la >> 2, w = len >> 2;
        for (; i < w; i++) if (a32[la4 + i] !== r32[i]) { same = false; break; }
        i <<= 2;
      }
      if (same) for (; i < len; i++) if (a[la + i] !== rec[i]) { same = false; break; }
      if (same) { ints[4 * n] = REPEAT; return; }
    }
    const at = this.arenaPos;
    ints[4 * n] = event; ints[4 * n + 1] = this.head; ints[4 * n + 2] = at; ints[4 * n + 3] = len;
    nums[3 * n + 1] = where; nums[3 * n + 2] = func;
    let i = 0;
    if (r32 !== null) {
      const at4 = at >> 2, w = len >> 2;
      for (; i < w; i++) a32[at4 + i] = r32[i];
      i <<= 2;
    }
    for (; i < len; i++) a[at + i] = rec[i];
    this.arenaPos = (at + len + 3) & ~3;
    this.lastEvent = event; this.lastHead = this.head; this.lastWhere = where; this.lastFunc = func;
    this.lastAt = at; this.lastLen = len;
  }

  /** A task head for the records that follow. */
  private newHead(comm: string, pid: number, cpu: number, flags: string): void {
    this.headComm = comm; this.headPid = pid; this.headCpu = cpu; this.headFlags = flags;
    const o = new ByteOut(64);
    writeTaskHead(o, toByteString(comm), pid, cpu, flags);
    this.head = this.heads.push(o.buf.slice(0, o.pos)) - 1;
  }

  /** Text to go out after the lines recorded so far (a byte string, e.g. a JSON line or the profile). */
  text(s: string): void {
    this.format();
    this.out.latin1(s);
    this.drain(TRACE_CHUNK);
  }

  /** Format and write everything recorded. */
  flush(): void {
    this.format();
    this.drain(1);
  }

  /** Whether nothing is waiting to be written. */
  get empty(): boolean { return this.count === 0 && this.out.pos === 0; }

  private drain(atLeast: number): void {
    if (this.out.pos >= atLeast) {
      this.write(this.out.buf, this.out.pos);
      this.out.pos = 0;
    }
  }

  // The part of a line that repeats from hit to hit, as bytes: from the task head to the first argument's
  // value ('comm-pid [cpu] flags  1234.000000: name: (0x401000) arg1=0x'), with the microseconds left to
  // fill in at `tplUs`. Rebuilt when the task, the second, the event or the address changes.
  private tpl = new Uint8Array(0);
  private tplUs = 0;
  private tplHead = -1;
  // (NaN: these hold doubles from the start, so that the object's shape never changes under the JIT.)
  private tplSecs = NaN;
  private tplEvent = -1;
  private tplWhere = NaN;
  private tplFunc = NaN;
  private readonly piece = new ByteOut(256);
  /** Argument text of the records of a run that differ from the line before (see printAll). */
  private readonly vals = new ByteOut(1 << 12);
  /** Per line of a run: where its argument text is in `vals`, or -1 for the first line's. */
  private readonly patch = new Int32Array(MAX_RECORDS);

  private template(head: number, secs: number, event: number, where: number, func: number): void {
    const o = this.piece, e = this.events[event];
    o.pos = 0;
    o.bytes(this.heads[head]);
    writeTimestamp(o, secs * 1e6);
    this.tplUs = o.pos - 8;
    o.bytes(e.name);
    o.hexNum(where);
    if (e.ev.isReturn) {
      o.latin1(' <- 0x');
      o.hexNum(func);
    }
    o.byte(41); // ')'
    o.bytes(eventPlan(e.ev).consts[0]); // ' NAME=' of the first argument
    this.tpl = o.buf.slice(0, o.pos);
    this.tplHead = head; this.tplSecs = secs; this.tplEvent = event; this.tplWhere = where; this.tplFunc = func;
  }

  /** Print the recorded hits and forget them. */
  private format(): void {
    if (this.count === 0) return;
    this.printAll();
    if (this.limit < MAX_RECORDS) this.limit *= 2;
    this.count = 0;
    this.arenaPos = 0;
    this.heads.length = 0;
    this.head = -1;
    this.tplHead = -1;
  }

  /**
   * Print the recorded hits as trace lines into the output buffer, writing full chunks as they fill.
   *
   * Lines come in runs: consecutive records of the same event, task, second and address whose arguments
   * print to the same number of bytes make lines of one length that differ only in the microseconds
   * and the arguments' text. The first line of a run is printed in full, copied over the run's length
   * in a few memmoves (doubling), and each copy then gets its own microseconds and, where its record
   * is not a repeat (add: same bytes as the record before), its own arguments, printed aside while the
   * run was measured. A record's argument text depends on nothing but its bytes.
   */
  private printAll(): void {
    const ints = this.ints, nums = this.nums, events = this.events, arena = this.arena, out = this.out;
    const vals = this.vals, patch = this.patch, count = this.count;
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
      if (head !== this.tplHead || secs !== this.tplSecs || event !== this.tplEvent || where !== this.tplWhere || func !== this.tplFunc) {
        this.template(head, secs, event, where, func);
      }
      const tpl = this.tpl, tplUs = this.tplUs, tl = tpl.length;
      const plan = eventPlan(events[event].ev);
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
  }
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
