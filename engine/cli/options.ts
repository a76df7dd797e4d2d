// Running a guest for the CLI: build the process from the options, run it to the end, report how it
// ended.

import * as fs from 'node:fs';
import { Process } from '../linux/process';
import { UserError } from '../errors';

export interface CliOptions {
  verbose: boolean;
  maxInsns?: number;
  maxMemory?: number;
  probes: string[];
  probeFiles: string[];
  trace?: string;
  traceFormat: 'text' | 'json';
  profile: boolean;
  model: 'current' | '2012';
  unsafe: boolean;
  allowWrite: string[];
  program: string;
  args: string[];
}

export function hostEnv(): string[] {
  return Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
}

export function runWithOptions(o: CliOptions): number {
  const log = o.verbose ? (l: string) => fs.writeSync(2, `uprobe-lab: ${l}\n`) : undefined;
  const p = new Process({
    program: o.program, argv: [o.program, ...o.args], env: hostEnv(), log, maxMemory: o.maxMemory, allowWrite: o.allowWrite,
  });
  p.start();
  const done = p.run(o.maxInsns ?? Infinity);
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
