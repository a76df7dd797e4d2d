// The headless command line: `uprobe-lab run [options] -- PROGRAM [ARGS...]`.
// It prints nothing of its own unless asked (-v, a trace, a fatal signal); the exit status is the
// guest's, or 128+signal.

import * as path from 'node:path';
import { Process } from './linux/process';
import { UserError } from './errors';
import { runWithOptions, CliOptions } from './cli/options';

export const USAGE = 'usage: uprobe-lab run [-v] [--max-insns N] [--probe DEF]... [--probes FILE] [--trace FILE|-] ' +
  '[--trace-format text|json] [--profile] [--show-phases] [--model current|2012] [--unsafe] [--allow-write DIR] [--max-memory BYTES] [--max-procs N] -- PROGRAM [ARGS...]';

export function parseArgs(argv: string[]): CliOptions {
  if (argv[0] !== 'run') throw new UserError(argv[0] === undefined ? 'missing command' : `unknown command '${argv[0]}'`);
  const o: CliOptions = { verbose: false, probes: [], probeFiles: [], traceFormat: 'text', profile: false, showPhases: false, model: 'current', unsafe: false, allowWrite: [], program: '', args: [] };
  let k = 1;
  const value = (name: string): string => {
    const v = argv[++k];
    if (v === undefined) throw new UserError(`option ${name} needs a value`);
    return v;
  };
  for (; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--') { k++; break; }
    if (!a.startsWith('-')) break;
    switch (a) {
      case '-v': case '--verbose': o.verbose = true; break;
      case '--max-insns': {
        const n = Number(value(a));
        if (!Number.isSafeInteger(n) || n <= 0) throw new UserError('--max-insns needs a positive integer');
        o.maxInsns = n; break;
      }
      case '--max-procs': {
        const n = Number(value(a));
        if (!Number.isSafeInteger(n) || n <= 0 || n > 65536) throw new UserError('--max-procs needs a positive integer (at most 65536)');
        o.maxProcs = n; break;
      }
      case '--max-memory': {
        const n = Number(value(a));
        if (!Number.isSafeInteger(n) || n <= 0) throw new UserError('--max-memory needs a positive number of bytes');
        o.maxMemory = n; break;
      }
      case '--probe': o.probes.push(value(a)); break;
      case '--probes': o.probeFiles.push(value(a)); break;
      case '--trace': o.trace = value(a); break;
      case '--trace-format': {
        const f = value(a);
        if (f !== 'text' && f !== 'json') throw new UserError('--trace-format is text or json');
        o.traceFormat = f; break;
      }
      case '--profile': o.profile = true; break;
      case '--show-phases': o.showPhases = true; break;
      case '--model': {
        const m = value(a);
        if (m !== 'current' && m !== '2012') throw new UserError('--model is current or 2012');
        o.model = m; break;
      }
      case '--unsafe': o.unsafe = true; break;
      case '--allow-write': o.allowWrite.push(value(a)); break;
      default: throw new UserError(`unknown option '${a}'`);
    }
  }
  if (k >= argv.length) throw new UserError('missing PROGRAM');
  o.program = argv[k];
  o.args = argv.slice(k + 1);
  return o;
}

export function main(argv: string[]): number {
  let opts: CliOptions;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UserError) { process.stderr.write(`uprobe-lab: ${e.message}\n${USAGE}\n`); return 2; }
    throw e;
  }
  try {
    return runWithOptions(opts);
  } catch (e) {
    if (e instanceof UserError) { process.stderr.write(`uprobe-lab: ${e.message}\n`); return 1; }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`uprobe-lab: internal error: ${msg.split('\n')[0]}\n`);
    if (opts.verbose && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    return 70;
  }
}

export { Process, path };
