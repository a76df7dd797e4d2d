// Trace lines recorded now and printed later, in batches: a hit only copies its raw record (the bytes
// fetchRecord left in the scratch page) and a few numbers into preallocated arrays, the way the kernel
// writes binary events into its ring buffer and formats them when `trace` is read. A full batch is
// printed (printer.ts) in this thread or, for a long trace written to a file descriptor, handed whole to
// a printer thread (printer-thread.ts) while the guest goes on.

import { ByteOut } from './bytes';
import { toByteString } from './kstr';
import type { EventDef } from './model';
import { eventPlan } from './fetch';
import { writeTaskHead } from './format';
import { hrtime } from './clock';
import { ARENA_BYTES, MAX_RECORDS, PrintEvent, REPEAT, TaskId, TracePrinter } from './printer';
import { PrinterThread } from './printer-thread';

export { TRACE_CHUNK } from './printer';

export interface TraceBatchOptions {
  /**
   * The descriptor `write` writes to. Given one, once `threadAfter` records have been kept a printer
   * thread is started (where one can be), and from the moment it runs it prints and writes the batches;
   * until then, and for a trace that ends first, they are printed here (nothing waits for the start).
   */
  fd?: number;
  threadAfter?: number;
  /** Wait for the printer thread to run once it is started (tests of the thread with short traces). */
  threadWait?: boolean;
  /** What the printer thread's error (a failed write, with its errno code) is thrown as. */
  writeError?: (e: Error) => Error;
  /** Print JSON lines (TracePrinter). */
  json?: boolean;
}

export class TraceBatch {
  // Per record: event id, task head, where its raw record is in the arena and its length; the timestamp
  // (us), the probed or return address, the function (return probes). A repeat keeps only REPEAT and
  // its timestamp. (Replaced by fresh or returned buffers when a batch goes to the printer thread.)
  private ints: Int32Array = new Int32Array(MAX_RECORDS * 4);
  private nums: Float64Array = new Float64Array(MAX_RECORDS * 3);
  private count = 0;
  /**
   * Records kept before printing: small at first and growing to MAX_RECORDS, so that the first lines
   * come out early and every path of the hit and print code has run before the JIT compiles it (a path
   * first taken in compiled code throws the compiled code away).
   */
  private limit = 16;
  /** Raw records, each starting on a 4-byte boundary (so that they compare a word at a time). */
  private arena: Uint8Array = new Uint8Array(ARENA_BYTES);
  private arena32: Int32Array = new Int32Array(this.arena.buffer);
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
  /** Task heads ('comm-pid [cpu] flags') of the records not yet printed, as bytes; their comm and pid. */
  private heads: Uint8Array[] = [];
  private tasks: TaskId[] = [];
  private headComm = '';
  private headPid = -1;
  private headCpu = -1;
  private headFlags = '';
  private head = -1;
  private readonly printer: TracePrinter;
  /** The printer thread, once it prints; before that, while it starts (it never stops once started). */
  private thread: PrinterThread | null = null;
  private starting: PrinterThread | null = null;
  /** Records kept since printing last moved here, and how many before the printer thread is wanted. */
  private recorded = 0;
  private handed = 0;
  private threadAfter: number;
  private readonly threadWait: boolean;
  private readonly fd: number;
  private readonly writeError: ((e: Error) => Error) | undefined;
  private readonly json: boolean;

  /** `write` receives bytes[0, len) each time; it must consume them before returning. */
  constructor(write: (bytes: Uint8Array, len: number) => void, options: TraceBatchOptions = {}) {
    this.json = options.json ?? false;
    this.printer = new TracePrinter(write, this.json);
    this.fd = options.fd ?? -1;
    this.threadAfter = this.fd >= 0 ? options.threadAfter ?? Infinity : Infinity;
    this.writeError = options.writeError;
    this.threadWait = options.threadWait ?? false;
    if (this.threadAfter === 0) this.toThread();
  }

  /** An id for an event's records. */
  eventId(ev: EventDef): number {
    const pe: PrintEvent = {
      name: Uint8Array.from(Buffer.from(`${toByteString(ev.event)}: (0x`, 'latin1')), isReturn: ev.isReturn, plan: eventPlan(ev),
      group: ev.group, event: ev.event,
    };
    // (the printer here holds the events; the thread learns them as they come, or all when it takes over)
    const id = this.printer.events.push(pe) - 1;
    this.thread?.event(id, pe);
    return id;
  }

  /** Whether the printer thread prints the lines now. */
  get threaded(): boolean { return this.thread !== null; }
  /** Batches handed to the printer thread so far. */
  get threadBatches(): number { return this.handed; }

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
    this.tasks.push({ comm, pid });
  }

  /** Text to go out after the lines recorded so far (a byte string, e.g. a JSON line or the profile). */
  text(s: string): void {
    this.format();
    if (this.thread) this.thread.text(s); else this.printer.text(s);
  }

  /**
   * Print and write everything recorded (waiting for the printer thread to have written it). A flush
   * soon after the last one (the guest writing often to the trace's stream) moves printing back to this
   * thread, where a flush costs no round trip, until `threadAfter` more records have been kept.
   */
  flush(): void {
    this.format();
    const t = this.thread;
    if (t === null) { this.printer.flush(); return; }
    t.flush();
    if (this.recorded < this.threadAfter) {
      this.thread = null;
      this.starting = t;
    }
    this.recorded = 0;
  }

  /** Print the recorded hits, here or in the printer thread, and start a new batch. */
  private format(): void {
    const count = this.count;
    if (count === 0) return;
    this.recorded += count;
    if (this.thread === null && this.recorded >= this.threadAfter) this.toThread();
    const batch = { count, ints: this.ints, nums: this.nums, arena: this.arena, heads: this.heads, tasks: this.tasks };
    const thread = this.thread;
    if (thread !== null) {
      thread.records(batch);
      this.handed++;
      const b = thread.takeBuffers();
      this.ints = b?.ints ?? new Int32Array(MAX_RECORDS * 4);
      this.nums = b?.nums ?? new Float64Array(MAX_RECORDS * 3);
      this.arena = b?.arena ?? new Uint8Array(ARENA_BYTES);
      this.arena32 = new Int32Array(this.arena.buffer);
      this.heads = [];
      this.tasks = [];
    } else {
      this.printer.print(batch);
      this.heads.length = 0;
      this.tasks.length = 0;
    }
    if (this.limit < MAX_RECORDS) this.limit = thread !== null ? MAX_RECORDS : this.limit * 2;
    this.count = 0;
    this.arenaPos = 0;
    this.head = -1;
  }

  /**
   * Move printing to the printer thread: start it (once), and switch to it as soon as it runs (until
   * then batches go on being printed here; nothing waits for it, unless threadWait).
   */
  private toThread(): void {
    if (this.starting === null) {
      const t = PrinterThread.start(this.fd, this.json, this.writeError);
      // (none can start: print here for good)
      if (t === null) { this.threadAfter = Infinity; return; }
      if (this.threadWait) t.waitReady();
      this.starting = t;
    }
    const t = this.starting;
    if (!t.ready) return;
    // What was printed here so far goes out first; the thread learns the events (again, after a stay here).
    this.printer.flush();
    this.printer.events.forEach((e, id) => t.event(id, e));
    this.thread = t;
    this.starting = null;
  }
}
