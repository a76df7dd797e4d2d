// The uprobe trace events (kernel/trace/trace_uprobe.c's role): definitions written in the
// `uprobe_events` syntax become consumers on the uprobes model; each hit fetches its arguments and
// writes one line in the kernel's `trace` format; hits are counted for `uprobe_profile`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Process } from '../linux/process';
import { fileIdent } from '../linux/files';
import { UserError } from '../errors';
import { PAGE_SIZE } from '../memory';
import { Uprobes } from './uprobes';
import type { Uprobe } from './uprobe';
import type { UprobeConsumer } from './types';
import {
  parseCommand, formatArgs, formatTraceLine, formatProfile, TraceError, EventDef, FetchContext, checkRegistration, deleteMatches,
  UPROBE_TRACE_FLAGS, TraceBatch, fetchRecord, scratchRecord, traceClock, traceClockUs,
} from '../trace';

export interface TraceRecord {
  /** The line as the kernel's `trace` file shows it. */
  line: string;
  group: string;
  event: string;
  comm: string;
  pid: number;
  ts: number;
  ip?: number;
  func?: number;
  ret?: number;
  args: string;
}

export type TraceSink = (r: TraceRecord) => void;

export interface TraceEvent {
  ev: EventDef;
  uprobe: Uprobe | null;
  consumer: UprobeConsumer;
  hits: number;
  hostPath: string;
  /** The event's id in the TraceBatch, when lines go to one. */
  batchId: number;
}

// The trace clock (engine/trace/clock.ts), also used by the debug adapter.
export { traceClock, traceClockUs };

/**
 * What the fetch arguments read at a hit: the task's registers and memory, live. One per process, reused
 * for every hit (nothing is allocated per hit).
 */
class HitContext implements FetchContext {
  rip = 0;
  isReturn = false;
  funcAddr?: number = undefined;
  retAddr?: number = undefined;
  constructor(private readonly p: Process) {}
  get r(): Int32Array { return this.p.cpu.r; }
  get flags(): number { return this.p.cpu.f.get(); }
  get comm(): string { return this.p.comm; }
  read8(a: number): number { const b = this.p.mem.peek(a, 1); if (!b) throw new Error('fault'); return b[0]; }
  readBytes(a: number, n: number): Uint8Array { const b = this.p.mem.peek(a, n); if (!b) throw new Error('fault'); return b; }
  /** As readBytes (any mapped page, whatever its protection), without allocating. */
  readInto(a: number, n: number, dest: Uint8Array, at: number): boolean {
    const mem = this.p.mem;
    try {
      while (n > 0) {
        const pg = mem.page(a);
        if (!pg) return false;
        const off = a & (PAGE_SIZE - 1);
        const k = Math.min(n, PAGE_SIZE - off);
        const src = pg.u8;
        for (let i = 0; i < k; i++) dest[at + i] = src[off + i];
        a += k; at += k; n -= k;
      }
      return true;
    } catch {
      return false; // e.g. the memory cap refused to materialise the page
    }
  }
}

export class TraceUprobes {
  readonly events: TraceEvent[] = [];
  /** Flags column for lines written from task context on this machine's kernel. */
  flags = UPROBE_TRACE_FLAGS;
  cpuNo = 0;
  private readonly sink: TraceSink | null;
  private readonly batch: TraceBatch | null;
  private readonly contexts = new WeakMap<Process, HitContext>();
  private lastP: Process | null = null;
  private lastCtx: HitContext | null = null;

  /**
   * Lines go to `sink` one record at a time, or, given a TraceBatch, are recorded raw and printed by it
   * in batches (the caller flushes it).
   */
  constructor(readonly uprobes: Uprobes, sink: TraceSink | TraceBatch, private cwd = process.cwd()) {
    this.sink = sink instanceof TraceBatch ? null : sink;
    this.batch = sink instanceof TraceBatch ? sink : null;
  }

  /**
   * Apply one `uprobe_events` line (p:, r:, -:). Errors are the kernel's, rendered in one TraceError.
   * A new event is defined but not enabled: call enable() or enableAll().
   */
  command(line: string): TraceEvent | null {
    const cmd = parseCommand(line, {
      fileExists: (p: string) => {
        try { return fs.statSync(path.resolve(this.cwd, p)).isFile() ? true : 'notregular'; } catch { return false; }
      },
    });
    if (cmd.kind === 'none') return null;
    if (cmd.kind === 'delete') {
      const gone = this.events.filter(e => deleteMatches(cmd, e.ev));
      if (!gone.length) throw new UserError(`no such event: ${line.trim()} (ENOENT)`);
      for (const te of gone) {
        if (te.uprobe) this.uprobes.unregister(te.uprobe, te.consumer);
        this.events.splice(this.events.indexOf(te), 1);
      }
      return null;
    }
    const ev = cmd.ev;
    if (ev.isReturn && this.uprobes.model === '2012') {
      throw new UserError(`${ev.group}/${ev.event}: return probes (r:) came after the 2012 uprobes support; use --model current`);
    }
    checkRegistration(this.events.map(e => e.ev), ev, {
      sameFile: (a, b) => { try { return fileIdent(path.resolve(this.cwd, a)) === fileIdent(path.resolve(this.cwd, b)); } catch { return a === b; } },
    });
    const hostPath = path.resolve(this.cwd, ev.path);
    const te: TraceEvent = { ev, uprobe: null, consumer: null as unknown as UprobeConsumer, hits: 0, hostPath,
      batchId: this.batch ? this.batch.eventId(ev) : -1 };
    te.consumer = {
      name: `${ev.group}/${ev.event}`,
      handler: ev.isReturn ? () => 0 : (_self, _u, p) => {
        this.record(te, p, p.cpu.rip, 0);
        return 0;
      },
      retHandler: ev.isReturn ? (_self, _u, p, func, ret) => {
        this.record(te, p, ret, func);
      } : undefined,
    };
    this.events.push(te);
    return te;
  }

  /** Enable one event: its consumer is registered on the uprobe (and installed where the file is mapped). */
  enable(te: TraceEvent): void {
    if (te.uprobe) return;
    try {
      te.uprobe = this.uprobes.register(te.hostPath, fileIdent(te.hostPath), te.ev.offset, te.consumer);
    } catch (e) {
      this.events.splice(this.events.indexOf(te), 1);
      throw e;
    }
  }

  /**
   * Enable every defined event, as `echo 1 > events/GROUP/enable` does: the kernel walks its event list
   * newest first, and each uprobe puts its newest consumer first, so handlers run in definition order.
   */
  enableAll(): void {
    for (const te of [...this.events].reverse()) this.enable(te);
  }

  /**
   * One hit of an event: fetch its arguments and write its line. `where` is the probed address (entry)
   * or the address returned to (return probe); `func` the probed function (return probe).
   */
  private record(te: TraceEvent, p: Process, where: number, func: number): void {
    te.hits++;
    const ev = te.ev;
    let ctx = this.lastCtx;
    if (p !== this.lastP || !ctx) {
      ctx = this.contexts.get(p) ?? new HitContext(p);
      this.contexts.set(p, ctx);
      this.lastP = p; this.lastCtx = ctx;
    }
    ctx.rip = p.cpu.rip;
    ctx.isReturn = ev.isReturn;
    // (Entry probes never look at these: they keep whatever the last return probe left.)
    if (ev.isReturn) { ctx.funcAddr = func; ctx.retAddr = where; }
    if (this.batch) {
      const len = fetchRecord(ev, ctx);
      this.batch.add(te.batchId, p.comm, p.pid, this.cpuNo, this.flags, -1, where, func, scratchRecord, len);
      return;
    }
    const args = formatArgs(ev, ctx);
    const ts = traceClock();
    const extra = ev.isReturn ? { func, ret: where } : { ip: where };
    const line = formatTraceLine({ comm: p.comm, pid: p.pid, cpu: this.cpuNo, flags: this.flags, ts, ev, ...extra, args });
    this.sink!({ line, group: ev.group, event: ev.event, comm: p.comm, pid: p.pid, ts, ...extra, args });
  }

  profile(): string {
    return formatProfile(this.events.map(e => ({ path: e.ev.path, event: e.ev, hits: e.hits })));
  }
}

export { TraceError };
