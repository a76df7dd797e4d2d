// The C-program corpus: small programs in test/corpus/*.c, each built with `gcc -O2 -static` and with
// `musl-gcc -O2 -static`, run natively and in the emulator with the same arguments, input, environment
// and files; stdout, stderr and the exit status must be identical. Native glibc runs are told to pick the
// same string/math function variants the emulated CPU's CPUID selects (GLIBC_TUNABLES), so that results
// whose exact value is variant-specific (memcmp's magnitude, libm's last bit) compare too.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { need, have, tmpDir, ROOT, CLI, RunResult, EMU_ENV } from './util';

const CORPUS = path.join(ROOT, 'test', 'corpus');

const TUNABLES = 'glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX2,-AVX,-BMI1,-BMI2,-SSE4_1,-SSE4_2,-SSSE3,-ERMS,-FSRM,' +
  '-LZCNT,-MOVBE,-POPCNT,-AVX_Fast_Unaligned_Load,-FMA,-FMA4';

interface Case {
  args?: (w: Work) => string[];
  input?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Needs a writable scratch directory (passed to the emulator with --allow-write). */
  writes?: boolean;
  /** Exit status both runs must have (the native run is the oracle; this guards the test itself). */
  status?: number;
}

interface Work { data: string; dir: string; scratch: string }

const LINES = Array.from({ length: 40 }, (_, i) => `line ${i}: ${'word '.repeat(i % 9)}${'x'.repeat(i * 3)}`).join('\n') + '\ntail without newline';

const CASES: Record<string, Case> = {
  qsort_ints: {},
  qsort_strings: {},
  snprintf_ints: {},
  printf_float: {},
  setjmp: {},
  heap: {},
  stdin_fgets: { input: LINES },
  stdin_getline: { input: LINES + '\n\n  spaced   out  \n' },
  stdin_scanf: { input: '3\n10 1.5 alpha\n-20 2.25 beta\n30 -0.125 gamma\n ff Q 77 trailing' },
  hashfile: { args: w => [w.data] },
  env: { env: { CORPUS_A: 'alpha', CORPUS_B: 'beta', CORPUS_EMPTY: '' } },
  argv: { args: () => ['one', '', 'three with spaces', 'é', 'x'.repeat(3000)], status: 6 },
  exitcode: { args: () => ['300'], status: 44 },
  abort: { status: 134 },
  nullderef: { status: 139 },
  divzero: { status: 136 },
  sig_siginfo: {},
  sig_longjmp: {},
  sig_altstack: {},
  sig_alarm: {},
  sig_mask: { status: 143 },
  time: {},
  dir: { args: w => [w.dir] },
  fileio: { args: w => [w.data] },
  strings: {},
  math: {},
  bigint: {},
  primes: {},
  matrix: {},
  filewrite: { args: w => [w.scratch], writes: true },
  strtol: {},
  ctype: {},
  recursion: {},
  hashtable: {},
  mmap_file: { args: w => [w.data] },
  rand: {},
  sysinfo: {},
  poll_stdin: { input: 'x'.repeat(10000) },
  fatal_write: { status: 139 },
  pipe_sigpipe: { status: 141 },
  structs: {},
};

/** A data file and a directory with known contents; scratch directories are made per run. */
function makeWork(): Work {
  const root = tmpDir('corpus-');
  const data = path.join(root, 'data.bin');
  const b = Buffer.alloc(100003);
  let s = 1;
  for (let i = 0; i < b.length; i++) { s = (s * 1103515245 + 12345) >>> 0; b[i] = i % 100 < 60 ? 32 + (s >>> 24) % 95 : (i % 100 === 60 ? 10 : s >>> 24); }
  fs.writeFileSync(data, b);
  const dir = path.join(root, 'listing');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'a.txt'), 'hello');
  fs.writeFileSync(path.join(dir, 'b.bin'), Buffer.alloc(1000, 7));
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'zeta'), '');
  fs.chmodSync(path.join(dir, 'a.txt'), 0o644);
  fs.chmodSync(path.join(dir, 'b.bin'), 0o600);
  fs.chmodSync(path.join(dir, 'zeta'), 0o444);
  fs.chmodSync(path.join(dir, 'sub'), 0o755);
  return { data, dir, scratch: '' };
}

function run(cmd: string, args: string[], input: string | undefined, env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [], err: Buffer[] = [];
    c.stdout.on('data', d => out.push(d));
    c.stderr.on('data', d => err.push(d));
    c.stdin.on('error', () => { /* the guest may exit without reading its input */ });
    c.stdin.end(input ?? '');
    c.on('close', (status, signal) => resolve({
      stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1'), status, signal,
    }));
  });
}

function build(src: string, exe: string, cc: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cc, ['-O2', '-static', '-w', '-o', exe, src, '-lm'], (e, _o, stderr) => (e ? reject(new Error(`${cc} ${src}: ${stderr}`)) : resolve()));
  });
}

/** Run a list of jobs, `n` at a time. */
async function pool<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < jobs.length) { const k = next++; out[k] = await jobs[k](); }
  }));
  return out;
}

const STATUS_OF_SIGNAL: Record<string, number> = { SIGPIPE: 141, SIGABRT: 134, SIGSEGV: 139, SIGFPE: 136, SIGTERM: 143, SIGILL: 132, SIGBUS: 135, SIGTRAP: 133, SIGKILL: 137, SIGALRM: 142 };

for (const cc of ['gcc', 'musl-gcc']) {
  test(`C corpus built with ${cc}: native and emulated runs agree`, { concurrency: 2 }, async (t) => {
    if (!need(t, have(cc), `${cc} not installed`)) return;
    const names = fs.readdirSync(CORPUS).filter(f => f.endsWith('.c')).map(f => f.slice(0, -2)).sort();
    assert.deepEqual(names, Object.keys(CASES).sort(), 'every corpus program has a case and vice versa');
    assert.ok(names.length >= 30);
    const old = process.umask(0o022);
    const work = makeWork();
    const bdir = tmpDir(`corpus-${cc}-`);
    const built = await pool(names.map(n => async () => {
      const exe = path.join(bdir, n);
      try { await build(path.join(CORPUS, `${n}.c`), exe, cc); return null; } catch (e) { return (e as Error).message; }
    }), 2);
    try {
      await Promise.all(names.map((name, k) => t.test(name, async () => {
        assert.equal(built[k], null);
        const c = CASES[name];
        const exe = path.join(bdir, name);
        const w: Work = { ...work, scratch: '' };
        const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', LC_ALL: 'C', ...c.env };
        if (cc === 'gcc') env.GLIBC_TUNABLES = TUNABLES;
        let nativeScratch = '', emuScratch = '';
        if (c.writes) { nativeScratch = tmpDir('scratch-n-'); emuScratch = tmpDir('scratch-e-'); }
        const args = (dir: string): string[] => c.args?.({ ...w, scratch: dir }) ?? [];
        const n = await run(exe, args(nativeScratch), c.input, env);
        const cli = [CLI, 'run', ...(c.writes ? ['--allow-write', emuScratch] : []), '--', exe, ...args(emuScratch)];
        const e = await run(process.execPath, cli, c.input, { ...EMU_ENV, ...env });
        const nStatus = n.signal ? STATUS_OF_SIGNAL[n.signal] ?? -1 : n.status;
        let eStderr = e.stderr;
        if ((e.status ?? 0) >= 128) {
          // The CLI reports the fatal signal on stderr; the shell would say it for a native run.
          const lines = eStderr.split('\n');
          const last = lines.filter(l => l.startsWith('guest killed by'));
          assert.equal(last.length, 1, `a fatal signal is reported once: ${eStderr}`);
          eStderr = lines.filter(l => !l.startsWith('guest killed by')).join('\n');
        }
        assert.equal(e.stdout, n.stdout, `stdout of ${name}`);
        assert.equal(eStderr, n.stderr, `stderr of ${name}`);
        assert.equal(e.status, nStatus, `status of ${name}: ${e.stderr.slice(0, 500)}`);
        if (c.status !== undefined) assert.equal(nStatus, c.status, `native status of ${name}`);
        else assert.equal(nStatus, 0, `native status of ${name}`);
      })));
    } finally {
      process.umask(old);
    }
  });
}
