// Running one untrusted guest in-process under the fuzzers' rules: the engine may refuse the input with a
// UserError (constructor, start) and the guest may end by any signal, but nothing else may escape, and
// every run is bounded by an instruction budget. Sleeps are skipped (a guest asking for pause() or a long
// nanosleep returns at once, as if its time had passed): wall time is not what is being tested.

import * as fs from 'node:fs';
import { Process } from '../engine/linux/process';
import { Stdio } from '../engine/linux/files';
import { UserError } from '../engine/errors';

/** A Stdio with no input and output thrown away (counted). */
export function nullStdio(): Stdio & { written: number } {
  const s = {
    written: 0,
    read(): Uint8Array { return new Uint8Array(0); },
    write(_fd: 1 | 2, data: Uint8Array): void { s.written += data.length; },
    isatty(): boolean { return false; },
  };
  return s;
}

export type Outcome =
  | { kind: 'refused'; message: string }
  | { kind: 'exit'; status: number; signal?: number }
  | { kind: 'cap' }
  | { kind: 'crash'; phase: string; error: unknown };

export interface GuestRun { outcome: Outcome; ms: number; process?: Process }

export interface RunLimits { maxInsns: number; maxMemory?: number; allowWrite?: string[]; argv?: string[] }

/** Load and run the program at `path` in-process, classifying how it ended. */
export function runGuest(path: string, lim: RunLimits, prepare?: (p: Process) => void): GuestRun {
  const t0 = performance.now();
  const done = (outcome: Outcome, process?: Process): GuestRun => ({ outcome, ms: performance.now() - t0, process });
  let p: Process;
  try {
    p = new Process({ program: path, argv: lim.argv ?? [path], env: [], stdio: nullStdio(), maxMemory: lim.maxMemory ?? 64 << 20, allowWrite: lim.allowWrite ?? [] });
  } catch (e) {
    return done(e instanceof UserError ? { kind: 'refused', message: e.message } : { kind: 'crash', phase: 'constructor', error: e });
  }
  (p as unknown as { sleep: () => boolean }).sleep = () => false;
  try { p.start(); } catch (e) {
    return done(e instanceof UserError ? { kind: 'refused', message: e.message } : { kind: 'crash', phase: 'start', error: e }, p);
  }
  try {
    prepare?.(p);
    const ended = p.run(lim.maxInsns);
    if (!ended) return done({ kind: 'cap' }, p);
    return done({ kind: 'exit', status: p.exit!.status, signal: p.exit!.signal }, p);
  } catch (e) {
    return done({ kind: 'crash', phase: 'run', error: e }, p);
  }
}

/** One line describing a crash, for reports. */
export function describeCrash(o: Outcome): string {
  if (o.kind !== 'crash') return o.kind;
  const e = o.error;
  const first = e instanceof Error ? `${e.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 4).join('\n')}` : String(e);
  return `${o.phase}: ${first}`;
}

/** A refusal message must be one line, naming the problem (no stack trace). */
export function oneLine(msg: string): boolean {
  return msg.length > 0 && !msg.includes('\n') && !/\bat .*:\d+:\d+/.test(msg);
}

export function writeCase(path: string, data: Uint8Array): void { fs.writeFileSync(path, data); }
