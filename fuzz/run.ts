// `npm run fuzz`: the long runs of every fuzzer. FUZZ_SECONDS (default 300) is the total time, shared
// between the fuzzers; FUZZ_SEED (default: the time) makes a run replayable. FUZZ_ONLY (a comma-separated
// list of campaigns: elf, code, probes, kernel, dap, insns) runs only those, with the whole time shared
// between them; FUZZ_INSN_FAMILIES narrows the instruction differential to some families. Failing inputs
// are written to fuzz-failures/ (copy them to test/regressions/ once fixed). Exit status 1 if anything
// failed.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { buildBases } from './bases';
import { fuzzElf } from './elf-campaign';
import { buildCodeTarget, fuzzCode } from './code';
import { fuzzProbes } from './probes';
import { compareWithKernel, haveKernelTracefs, knownDifference } from './probes-kernel';
import { fuzzDap } from './dap';
import { fuzzInsns, familyReport, parseFamilies, InsnFamily } from './insns';
import { summary, Stats } from './campaign';
import { buildAsm, buildC, have, ROOT } from '../test/util';
import { ASM_HELLO, C_HELLO } from './bases';

/** The campaigns and their share of FUZZ_SECONDS (kernel's share sets a number of lines, not a time). */
export const CAMPAIGNS = { elf: 0.25, code: 0.25, probes: 0.08, kernel: 0.04, dap: 0.13, insns: 0.25 } as const;
export type Campaign = keyof typeof CAMPAIGNS;

export interface FuzzEnv { seconds: number; seed: number; out: string; only: Campaign[]; families: InsnFamily[] }

export function fuzzEnv(env: NodeJS.ProcessEnv = process.env): FuzzEnv {
  const seconds = Number(env.FUZZ_SECONDS ?? 300);
  const seed = env.FUZZ_SEED !== undefined ? Number(env.FUZZ_SEED) >>> 0 : (Date.now() >>> 0);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('FUZZ_SECONDS must be a positive number');
  const names = Object.keys(CAMPAIGNS) as Campaign[];
  const only = (env.FUZZ_ONLY ?? '').split(',').map(x => x.trim()).filter(Boolean);
  for (const o of only) if (!names.includes(o as Campaign)) throw new Error(`FUZZ_ONLY: unknown campaign '${o}' (${names.join(', ')})`);
  return { seconds, seed, out: path.join(ROOT, 'fuzz-failures'), only: only.length ? only as Campaign[] : names, families: parseFamilies(env.FUZZ_INSN_FAMILIES) };
}

const LOOP = '.globl _start\n.text\n_start:\n  inc %rax\n  jmp _start\n';

export async function main(): Promise<number> {
  let e: FuzzEnv;
  try { e = fuzzEnv(); } catch (err) { console.error(`fuzz: ${(err as Error).message}`); return 2; }
  console.log(`fuzz: ${e.seconds} s, FUZZ_SEED=${e.seed}${e.only.length < Object.keys(CAMPAIGNS).length ? `, only ${e.only.join(', ')}` : ''}`);
  // The selected campaigns share the whole time in proportion to their shares.
  const chosen = e.only.reduce((a, c) => a + CAMPAIGNS[c], 0);
  const share = (c: Campaign) => e.seconds * CAMPAIGNS[c] / chosen;
  const on = (c: Campaign) => e.only.includes(c);
  const all: Stats[] = [];
  let failed = 0;
  const report = (s: Stats) => {
    all.push(s);
    console.log(summary(s));
    for (const f of s.failures.slice(0, 20)) console.log(`  FAIL seed=0x${f.seed.toString(16)} ${f.what.slice(0, 300)}\n    ${f.detail.split('\n').join('\n    ')}`);
    failed += s.failures.length;
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'uprobe-lab-fuzz-'));

  if (on('elf')) report(fuzzElf(buildBases(), e.seed, { seconds: share('elf') }, work, path.join(e.out, 'elf')));

  if (on('code')) {
    const corpus = have('gcc') ? buildC(C_HELLO, 'code-corpus', { flags: ['-O2', '-static'] }) : undefined;
    report(fuzzCode(buildCodeTarget(corpus), e.seed, { seconds: share('code') }, path.join(e.out, 'code')));
  }

  const exe = buildAsm(ASM_HELLO, 'probe-target');
  if (on('probes')) {
    const ps = fuzzProbes({ path: exe, fileSize: fs.statSync(exe).size, group: 'ultest_fuzz' }, e.seed, { seconds: share('probes') });
    report(ps);
    if (ps.failures.length) {
      fs.mkdirSync(e.out, { recursive: true });
      fs.writeFileSync(path.join(e.out, 'probes.json'), JSON.stringify(ps.failures.map(f => ({ line: f.input, found: f.detail.split('\n')[0] })), null, 1));
    }
  }
  if (!on('kernel')) { /* not selected */ } else if (haveKernelTracefs()) {
    const t0 = Date.now();
    const n = Math.max(500, Math.floor(share('kernel') * 3000));
    const k = compareWithKernel({ path: exe, fileSize: fs.statSync(exe).size, group: `ultest_fuzz_${process.pid}` }, e.seed, n);
    const known = k.diffs.filter(knownDifference), diffs = k.diffs.filter(d => !knownDifference(d));
    console.log(`probe definitions vs the kernel: ${k.tried} lines in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${diffs.length} differences (+${known.length} known, reported)`);
    for (const d of diffs.slice(0, 20)) console.log(`  DIFF ${JSON.stringify(d.line)}\n    kernel: ${JSON.stringify(d.kernel)}\n    ours:   ${JSON.stringify(d.ours)}`);
    failed += diffs.length;
  } else console.log('probe definitions vs the kernel: skipped (needs root and tracefs)');

  const adapter = path.join(ROOT, 'dist', 'adapter.js');
  if (!on('dap')) { /* not selected */ } else if (fs.existsSync(adapter)) {
    const basic = buildAsm(ASM_HELLO, 'dap-basic'), loop = buildAsm(LOOP, 'dap-loop');
    const end = Date.now() + share('dap') * 1000;
    let sessions = 0, requests = 0, bad = 0;
    for (let k = 0; Date.now() < end; k++) {
      const seed = (e.seed + k) >>> 0;
      const r = await fuzzDap(adapter, { basic, loop }, seed, 300);
      sessions++; requests += r.requests;
      if (r.unanswered.length || !r.alive || !r.finalOk || !r.exitedOnDisconnect) {
        bad++;
        console.log(`  FAIL dap seed=${seed}: unanswered ${JSON.stringify(r.unanswered.slice(0, 5))} alive=${r.alive} final=${r.finalOk} exit=${r.exitedOnDisconnect}\n    ${r.stderr.slice(0, 1500)}`);
      }
    }
    console.log(`dap: ${sessions} sessions, ${requests} requests; failures ${bad}`);
    failed += bad;
  } else console.log('dap: skipped (dist/adapter.js missing: node scripts/build.mjs)');

  if (!on('insns')) { /* not selected */ } else if (have('as') && have('ld') && fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) {
    const s = fuzzInsns(e.seed, { seconds: share('insns') }, e.families, path.join(e.out, 'insns'));
    report(s);
    for (const l of familyReport(s)) console.log(l);
  } else console.log('insns: skipped (needs as, ld and dist/cli.js)');

  fs.rmSync(work, { recursive: true, force: true });
  const cases = all.reduce((a, s) => a + s.cases, 0);
  console.log(`fuzz: ${cases} cases, ${failed} failures (FUZZ_SEED=${e.seed})`);
  return failed ? 1 : 0;
}

if (require.main === module) {
  main().then(code => { process.exitCode = code; }, err => { console.error(err); process.exitCode = 2; });
}
