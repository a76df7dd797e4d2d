// Running a guest for the CLI: build the process and the probes from the options, run it to the end,
// write the trace, report how the guest ended.

import * as fs from 'node:fs';
import { Process } from '../linux/process';
import { hostStdio } from '../linux/files';
import { UserError } from '../errors';
import { Uprobes } from '../uprobes/uprobes';
import { TraceUprobes } from '../uprobes/trace_uprobe';
import { TraceError, TraceBatch } from '../trace';
import { writeFully } from '../trace/fdwrite';
import { describeEvent } from '../uprobes/describe';

export interface CliOptions {
  verbose: boolean;
  maxInsns?: number;
  maxMemory?: number;
  /** Most guest processes at once (fork fails with EAGAIN past it). */
  maxProcs?: number;
  probes: string[];
  probeFiles: string[];
  trace?: string;
  traceFormat: 'text' | 'json';
  profile: boolean;
  showPhases: boolean;
  model: 'current' | '2012';
  unsafe: boolean;
  allowWrite: string[];
  program: string;
  args: string[];
}

export function hostEnv(): string[] {
  // The emulator's own knobs (UL_JIT, UL_JIT_HOT, UL_V8_TUNING, UL_TRACE_THREAD) are not part of the guest's environment.
  return Object.entries(process.env).filter(([k]) => !/^UL_(JIT|V8_TUNING|TRACE_THREAD)/.test(k)).map(([k, v]) => `${k}=${v}`);
}

/**
 * Trace lines after which a printer thread is started to print and write the trace (it takes over once it
 * runs). Starting one costs some tens of milliseconds on a two-core machine (the worker's start competes
 * with V8's compiler threads) and saves about 80 ns a line, so it pays only for long traces.
 * UL_TRACE_THREAD=0: never; 1: from the first line, waiting for it to run (tests use it).
 */
const TRACE_THREAD = process.env.UL_TRACE_THREAD;
const TRACE_THREAD_AFTER = TRACE_THREAD === '0' ? Infinity : TRACE_THREAD === '1' ? 0 : 1 << 20;

/**
 * Trace output. Hits are recorded raw and printed in batches (TraceBatch), written in chunks of about
 * 256 KiB, by a printer thread once the trace is long; everything pending is written before any guest
 * output to the same stream and at the end. A failed write stops the run with a one-line error.
 */
class TraceWriter {
  readonly batch: TraceBatch;
  constructor(readonly fd: number, private readonly name: string, private closeAtEnd: boolean, json: boolean) {
    const writeError = (e: Error): Error => {
      const code = (e as NodeJS.ErrnoException).code;
      return new UserError(`cannot write the trace to ${this.name}: ${code ? `${code} (${e.message.replace(/^\w+: /, '').replace(/, write$/, '')})` : e.message}`);
    };
    this.batch = new TraceBatch((b, n) => {
      try { writeFully(fd, b, n); } catch (e) { throw writeError(e as Error); }
    }, { fd, threadAfter: TRACE_THREAD_AFTER, threadWait: TRACE_THREAD === '1', writeError, json });
  }
  /** Text after the lines so far (a byte string: JSON lines, the profile). */
  write(s: string): void { this.batch.text(s); }
  flush(): void { this.batch.flush(); }
  close(): void { this.flush(); if (this.closeAtEnd) fs.closeSync(this.fd); }
}

/** Definitions from --probe and --probes files, in order. */
export function probeDefinitions(o: CliOptions): string[] {
  const defs = [...o.probes];
  for (const f of o.probeFiles) {
    let text: string;
    try { text = fs.readFileSync(f, 'utf8'); } catch { throw new UserError(`cannot read probes file ${f}`); }
    for (const raw of text.split('\n')) {
      const l = raw.replace(/#.*$/, '').trim();
      if (l) defs.push(l);
    }
  }
  return defs;
}

export function runWithOptions(o: CliOptions): number {
  const log = o.verbose ? (l: string) => fs.writeSync(2, `uprobe-lab: ${l}\n`) : undefined;
  let out: TraceWriter | null = null;
  const stdio = hostStdio();
  const guestWrite = stdio.write.bind(stdio);
  stdio.write = (fd, data) => { if (out && out.fd === fd) out.flush(); guestWrite(fd, data); };
  const p = new Process({
    program: o.program, argv: [o.program, ...o.args], env: hostEnv(), log, maxMemory: o.maxMemory, maxProcs: o.maxProcs, allowWrite: o.allowWrite, stdio,
  });
  const defs = probeDefinitions(o);
  let tracer: TraceUprobes | null = null;
  if (defs.length || o.profile) {
    const uprobes = new Uprobes({ model: o.model, unsafe: o.unsafe });
    uprobes.attach(p);
    const json = o.traceFormat === 'json';
    if (o.trace === '-') out = new TraceWriter(1, 'standard output', false, json);
    else if (o.trace) {
      try { out = new TraceWriter(fs.openSync(o.trace, 'w'), o.trace, true, json); } catch { throw new UserError(`cannot write trace file ${o.trace}`); }
    } else out = new TraceWriter(2, 'standard error', false, json);
    // (text or JSON lines, both printed from the raw records: TracePrinter)
    tracer = new TraceUprobes(uprobes, out.batch);
    // Phases of hits only when asked for: otherwise a hit builds no events at all.
    uprobes.on(e => {
      if (e.type === 'refused') fs.writeSync(2, `uprobe-lab: probe on ${e.uprobe.label} not installed: ${e.reason}\n`);
      else if (o.showPhases) { out!.flush(); fs.writeSync(2, `[uprobes] ${describeEvent(e)}\n`); }
    }, { phases: o.showPhases });
    for (const d of defs) {
      try { tracer.command(d); } catch (e) {
        if (e instanceof TraceError) throw new UserError(e.render().trimEnd() || `${e.message} (${e.errno})`);
        throw e;
      }
    }
    tracer.enableAll();
  }
  p.start();
  const m = p.machine;
  const budget = o.maxInsns ?? Infinity;
  // The guest's status is the first process's; the processes it leaves behind run on until they end,
  // within the same instruction budget.
  let done = p.run(budget);
  if (done && m.live.length) done = m.runRest(budget - m.insns);
  if (tracer && o.profile) out!.write(tracer.profile());
  out?.close();
  if (m.forksRefused) {
    fs.writeSync(2, `uprobe-lab: the guest reached its limit of ${m.maxProcs} processes (--max-procs): ${m.forksRefused} fork(s) failed with EAGAIN\n`);
  }
  if (!done) {
    const others = m.live.filter(x => x !== p).length;
    const where = p.exit ? `after the first process ended with status ${p.exit.status}` : `at 0x${p.cpu.rip.toString(16)}`;
    fs.writeSync(2, `uprobe-lab: stopped after ${o.maxInsns} instructions (--max-insns) ${where}${others ? `, ${others} other guest process${others > 1 ? 'es' : ''} still running` : ''}\n`);
    return 124;
  }
  const ex = p.exit!;
  if (ex.message) fs.writeSync(2, `${ex.message}\n`);
  if (o.verbose) {
    const procs = m.spawned > 1 ? `, ${m.spawned} processes` : '';
    fs.writeSync(2, `uprobe-lab: ${m.insns} instructions${procs}, ${p.cpu.compiledBlocks} blocks compiled, exit status ${ex.status}; ${cpuTimes()}\n`);
  }
  return ex.status;
}

/**
 * The emulator's CPU time so far: its main thread (which runs the guest) and the whole process, whose
 * other threads are V8's (optimising compiler, garbage collector) and the trace printer's.
 */
function cpuTimes(): string {
  const u = process.cpuUsage();
  const all = (u.user + u.system) / 1e6;
  let main = NaN;
  const task = `/proc/self/task/${process.pid}`;
  try {
    // Linux: the first field of a thread's schedstat is the time it has run, in nanoseconds.
    main = Number(fs.readFileSync(`${task}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
  } catch {
    try {
      // A kernel without schedstat: utime + stime from stat, in clock ticks (USER_HZ, 100 on Linux),
      // counted after the command name, which is in parentheses and may hold spaces.
      const st = fs.readFileSync(`${task}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      main = (Number(f[11]) + Number(f[12])) / 100;
    } catch { /* no procfs: the process figure alone */ }
  }
  return `CPU ${isNaN(main) ? '' : `${main.toFixed(3)} s on the main thread, `}${all.toFixed(3)} s in all`;
}

export { UserError };
