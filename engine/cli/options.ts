// Running a guest for the CLI: build the process and the probes from the options, run it to the end,
// write the trace, report how the guest ended.

import * as fs from 'node:fs';
import { Process } from '../linux/process';
import { hostStdio } from '../linux/files';
import { UserError } from '../errors';
import { Uprobes } from '../uprobes/uprobes';
import { TraceUprobes, TraceRecord } from '../uprobes/trace_uprobe';
import { TraceError } from '../trace';
import { describeEvent } from '../uprobes/describe';

export interface CliOptions {
  verbose: boolean;
  maxInsns?: number;
  maxMemory?: number;
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
  return Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
}

/** Buffered trace output: lines are written in batches, and before any guest output to the same stream. */
class TraceWriter {
  private buf: string[] = [];
  private size = 0;
  constructor(readonly fd: number, private closeAtEnd: boolean) {}
  write(s: string): void {
    this.buf.push(s);
    this.size += s.length;
    if (this.size > 1 << 16) this.flush();
  }
  flush(): void {
    if (!this.buf.length) return;
    // Trace text is a byte string (the kernel copies string arguments' bytes verbatim).
    const data = Buffer.from(this.buf.join(''), 'latin1');
    this.buf = []; this.size = 0;
    let off = 0;
    while (off < data.length) {
      try { off += fs.writeSync(this.fd, data, off); } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw e;
      }
    }
  }
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
    program: o.program, argv: [o.program, ...o.args], env: hostEnv(), log, maxMemory: o.maxMemory, allowWrite: o.allowWrite, stdio,
  });
  const defs = probeDefinitions(o);
  let tracer: TraceUprobes | null = null;
  if (defs.length || o.profile) {
    const uprobes = new Uprobes({ model: o.model, unsafe: o.unsafe });
    uprobes.attach(p);
    if (o.trace === '-') out = new TraceWriter(1, false);
    else if (o.trace) {
      try { out = new TraceWriter(fs.openSync(o.trace, 'w'), true); } catch { throw new UserError(`cannot write trace file ${o.trace}`); }
    } else out = new TraceWriter(2, false);
    const w = out;
    const sink = o.traceFormat === 'json'
      ? (r: TraceRecord) => w.write(Buffer.from(JSON.stringify({ ...r, line: undefined, text: Buffer.from(r.line, 'latin1').toString('utf8'), args: Buffer.from(r.args, 'latin1').toString('utf8') }) + '\n', 'utf8').toString('latin1'))
      : (r: TraceRecord) => w.write(r.line + '\n');
    tracer = new TraceUprobes(uprobes, sink);
    uprobes.on(e => {
      if (e.type === 'refused') fs.writeSync(2, `uprobe-lab: probe on ${e.uprobe.label} not installed: ${e.reason}\n`);
      else if (o.showPhases) { out!.flush(); fs.writeSync(2, `[uprobes] ${describeEvent(e)}\n`); }
    });
    for (const d of defs) {
      try { tracer.command(d); } catch (e) {
        if (e instanceof TraceError) throw new UserError(e.render().trimEnd() || `${e.message} (${e.errno})`);
        throw e;
      }
    }
    tracer.enableAll();
  }
  p.start();
  const done = p.run(o.maxInsns ?? Infinity);
  if (tracer && o.profile) out!.write(tracer.profile());
  out?.close();
  if (!done) {
    fs.writeSync(2, `uprobe-lab: stopped after ${o.maxInsns} instructions (--max-insns) at 0x${p.cpu.rip.toString(16)}\n`);
    return 124;
  }
  const ex = p.exit!;
  if (ex.message) fs.writeSync(2, `${ex.message}\n`);
  if (o.verbose) fs.writeSync(2, `uprobe-lab: ${p.cpu.icount} instructions, exit status ${ex.status}\n`);
  return ex.status;
}

export { UserError };
