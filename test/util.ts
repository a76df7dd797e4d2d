// Shared test helpers: building guest programs from source, running them natively and in the emulator,
// and skipping (or, under CI, failing) when a prerequisite is missing.

import { execFileSync, spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const IN_CI = process.env.CI === 'true';

/** Skip the test with a printed reason, or fail it under CI (where .ci/run installs everything). */
export function need(t: TestContext, ok: boolean, reason: string): boolean {
  if (ok) return true;
  if (IN_CI) throw new Error(`prerequisite missing under CI: ${reason}`);
  console.log(`# skip: ${reason}`);
  t.skip(reason);
  return false;
}

export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

let tmpRoot: string | undefined;
export function tmpDir(prefix = 'ul-'): string {
  tmpRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), 'uprobe-lab-test-'));
  return fs.mkdtempSync(path.join(tmpRoot, prefix));
}

/** Assemble and link a GAS source (AT&T) into a static executable; returns its path. */
export function buildAsm(src: string, name = 'prog', opts: { ldArgs?: string[]; asArgs?: string[] } = {}): string {
  const dir = tmpDir();
  const s = path.join(dir, `${name}.s`), o = path.join(dir, `${name}.o`), exe = path.join(dir, name);
  fs.writeFileSync(s, src);
  execFileSync('as', ['-g', ...(opts.asArgs ?? []), '-o', o, s]);
  execFileSync('ld', ['-static', ...(opts.ldArgs ?? []), '-o', exe, o]);
  return exe;
}

/** Compile C with gcc (default `-O2 -static`) or another compiler; returns the executable's path. */
export function buildC(src: string, name = 'prog', opts: { cc?: string; flags?: string[] } = {}): string {
  const dir = tmpDir();
  const c = path.join(dir, `${name}.c`), exe = path.join(dir, name);
  fs.writeFileSync(c, src);
  execFileSync(opts.cc ?? 'gcc', [...(opts.flags ?? ['-O2', '-static']), '-o', exe, c, '-lm']);
  return exe;
}

export interface RunResult { stdout: string; stderr: string; status: number | null; signal: NodeJS.Signals | null }

function result(r: SpawnSyncReturns<Buffer>): RunResult {
  return { stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1'), status: r.status, signal: r.signal };
}

/** Run natively. */
export function runNative(exe: string, args: string[] = [], input?: string | Buffer, env?: NodeJS.ProcessEnv): RunResult {
  return result(spawnSync(exe, args, { input, env: env ?? {}, maxBuffer: 1 << 28 }));
}

/** Run in the emulator through the bundled CLI. */
/**
 * Environment for the emulator under test: every block is compiled the first time it runs (so the
 * differential tests exercise the block compiler), unless UL_JIT=0 turns the compiler off.
 */
export const EMU_ENV: Record<string, string> = {
  UL_JIT_HOT: process.env.UL_JIT_HOT ?? '1',
  ...(process.env.UL_JIT ? { UL_JIT: process.env.UL_JIT } : {}),
};

export function runEmu(exe: string, args: string[] = [], input?: string | Buffer, cliArgs: string[] = [], env?: NodeJS.ProcessEnv): RunResult {
  return result(spawnSync(process.execPath, [CLI, 'run', ...cliArgs, '--', exe, ...args],
    { input, env: { ...EMU_ENV, ...(env ?? {}) }, maxBuffer: 1 << 28 }));
}

/** Native exit status as the CLI reports it (128+signal when killed). */
export function exitCode(r: RunResult): number {
  if (r.signal) return 128 + (os.constants.signals[r.signal] ?? 0);
  return r.status ?? -1;
}
