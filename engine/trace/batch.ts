// Trace lines recorded now and printed later, in batches: a hit only copies its raw record (the bytes
// fetchRecord left in the scratch page) and a few numbers into preallocated arrays, the way the kernel
// writes binary events into its ring buffer and formats them when `trace` is read. Formatting happens
// when the batch fills up or is flushed, into one byte buffer written out in chunks of about 64 KiB.

import { ByteOut } from './bytes';
import { toByteString } from './kstr';
import type { EventDef } from './model';
import { eventPlan, printValues } from './fetch';
import { writeTaskHead, writeTimestamp } from './format';

/** Output is handed to the writer in chunks of at least this many bytes (except at a flush). */
export const TRACE_CHUNK = 1 << 16;
/** Records kept before they are formatted. */
const MAX_RECORDS = 4096;
/** Bytes of raw records kept before they are formatted (a record is at most a page). */
const ARENA_BYTES = 1 << 17;
/** Two ASCII digits for each of 0..99. */
const DIGITS2 = Uint8Array.from({ length: 200 }, (_, i) => 48 + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)));

interface BatchEvent { ev: EventDef; name: Uint8Array }

export class TraceBatch {
  // Per record: event id, task head, where its raw record is in the arena and its length; the timestamp
  // (us), the probed or return address, the function (return probes).
  private readonly ints = new Int32Array(MAX_RECORDS * 4);
  private readonly nums = new Float64Array(MAX_RECORDS * 3);
  private count = 0;
  /**
   * Records kept before formatting: small at first and growing to MAX_RECORDS, so that the first lines
   * come out early and every path of the hit and print code has run before the JIT compiles it (a path
   * first taken in compiled code throws the compiled code away).
   */
  private limit = 16;
  private readonly arena = new Uint8Array(ARENA_BYTES);
  private arenaPos = 0;
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
   * trace clock), and where: the probed address for an entry probe; the return address and the function
   * for a return probe.
   */
  add(event: number, comm: string, pid: number, cpu: number, flags: string, us: number, where: number, func: number,
    rec: Uint8Array, len: number): void {
    if (this.count >= this.limit || this.arenaPos + len > ARENA_BYTES) this.format();
    if (comm !== this.headComm || pid !== this.headPid || cpu !== this.headCpu || flags !== this.headFlags || this.head < 0) {
      this.newHead(comm, pid, cpu, flags);
    }
    const n = this.count++, at = this.arenaPos;
    const ints = this.ints, nums = this.nums;
    ints[4 * n] = event; ints[4 * n + 1] = this.head; ints[4 * n + 2] = at; ints[4 * n + 3] = len;
    nums[3 * n] = us; nums[3 * n + 1] = where; nums[3 * n + 2] = func;
    const a = this.arena;
    for (let i = 0; i < len; i++) a[at + i] = rec[i];
    this.arenaPos = at + len;
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

  /** Print the recorded hits as trace lines into the output buffer, writing full chunks as they fill. */
  private printAll(): void {
    const ints = this.ints, nums = this.nums, out = this.out, events = this.events, arena = this.arena;
    let tpl = this.tpl, tplUs = this.tplUs;
    for (let r = 0; r < this.count; r++) {
      const event = ints[4 * r], head = ints[4 * r + 1];
      const us = nums[3 * r], where = nums[3 * r + 1], func = nums[3 * r + 2];
      const secs = Math.floor(us / 1e6);
      if (head !== this.tplHead || secs !== this.tplSecs || event !== this.tplEvent || where !== this.tplWhere || func !== this.tplFunc) {
        this.template(head, secs, event, where, func);
        tpl = this.tpl; tplUs = this.tplUs;
      }
      out.ensure(tpl.length);
      const buf = out.buf, p = out.pos;
      buf.set(tpl, p);
      // the six digits of microseconds
      let usec = us - secs * 1e6;
      const d = p + tplUs;
      let q = Math.floor(usec / 100), two = 2 * (usec - q * 100);
      buf[d + 4] = DIGITS2[two]; buf[d + 5] = DIGITS2[two + 1];
      usec = q; q = Math.floor(usec / 100); two = 2 * (usec - q * 100);
      buf[d + 2] = DIGITS2[two]; buf[d + 3] = DIGITS2[two + 1];
      two = 2 * q;
      buf[d] = DIGITS2[two]; buf[d + 1] = DIGITS2[two + 1];
      out.pos = p + tpl.length;
      printValues(out, eventPlan(events[event].ev), arena, ints[4 * r + 2], ints[4 * r + 3]);
      out.byte(10);
      if (out.pos >= TRACE_CHUNK) this.drain(TRACE_CHUNK);
    }
  }
}
