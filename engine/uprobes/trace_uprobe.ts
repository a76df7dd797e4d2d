// The uprobe trace events (kernel/trace/trace_uprobe.c's role): definitions written in the
// `uprobe_events` syntax become consumers on the uprobes model; each hit fetches its arguments and
// writes one line in the kernel's `trace` format; hits are counted for `uprobe_profile`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Process } from '../linux/process';
import { fileIdent } from '../linux/files';
import { UserError } from '../errors';
import { Uprobes } from './uprobes';
import type { Uprobe } from './uprobe';
import type { UprobeConsumer } from './types';
import { parseCommand, formatArgs, formatTraceLine, formatProfile, TraceError, EventDef, FetchContext, checkRegistration, deleteMatches, UPROBE_TRACE_FLAGS } from '../trace';

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
}

/** Seconds on the trace clock (the kernel's "local" clock counts from boot, like CLOCK_MONOTONIC). */
export function traceClock(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1e6;
}

export class TraceUprobes {
  readonly events: TraceEvent[] = [];
  /** Flags column for lines written from task context on this machine's kernel. */
  flags = UPROBE_TRACE_FLAGS;
  cpuNo = 0;

  constructor(readonly uprobes: Uprobes, private sink: TraceSink, private cwd = process.cwd()) {}

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
    const te: TraceEvent = { ev, uprobe: null, consumer: null as unknown as UprobeConsumer, hits: 0, hostPath };
    const record = (p: Process, ctx: FetchContext, extra: { ip?: number; func?: number; ret?: number }): void => {
      te.hits++;
      const args = formatArgs(ev, ctx);
      const ts = traceClock();
      const line = formatTraceLine({ comm: p.comm, pid: p.pid, cpu: this.cpuNo, flags: this.flags, ts, ev, ...extra, args });
      this.sink({ line, group: ev.group, event: ev.event, comm: p.comm, pid: p.pid, ts, ...extra, args });
    };
    te.consumer = {
      name: `${ev.group}/${ev.event}`,
      handler: ev.isReturn ? () => 0 : (_self, u, p) => {
        record(p, this.context(p, u, false), { ip: p.cpu.rip });
        return 0;
      },
      retHandler: ev.isReturn ? (_self, u, p, func, ret) => {
        record(p, this.context(p, u, true, func, ret), { func, ret });
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

  private context(p: Process, _u: Uprobe, isReturn: boolean, func?: number, ret?: number): FetchContext {
    const mem = p.mem;
    return {
      r: p.cpu.r,
      rip: p.cpu.rip,
      flags: p.cpu.f.get(),
      read8: (a: number) => { const b = mem.peek(a, 1); if (!b) throw new Error('fault'); return b[0]; },
      readBytes: (a: number, n: number) => { const b = mem.peek(a, n); if (!b) throw new Error('fault'); return b; },
      comm: p.comm,
      isReturn,
      funcAddr: func,
      retAddr: ret,
    };
  }

  profile(): string {
    return formatProfile(this.events.map(e => ({ path: e.ev.path, event: e.ev, hits: e.hits })));
  }
}

export { TraceError };
