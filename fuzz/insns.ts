// Random-instruction differential campaign: batches of generated instructions, one instruction family
// per batch, run natively on the host CPU and in the emulator (through the CLI), every register,
// RFLAGS, MXCSR and the memory area compared. The generators and runners are the differential tests'
// own (test/diffgen/): the integer families write all 16 GPRs, RFLAGS (CF PF AF ZF SF OF DF) and a
// 128-byte memory area per case; the SSE families write xmm0, xmm1, rax, RFLAGS, MXCSR and a 32-byte
// memory slot. Batch k of a run started from seed S uses family FAMILIES[k mod n] and seed
// caseSeed(S, k), so `insnBatch(family, seed)` rebuilds any batch exactly (`node out/fuzz/insns.js
// FAMILY SEED` prints all its differences).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { caseSeed } from './rng';
import { Stats, Budget, newStats } from './campaign';
import { Case, runBatch, hex64 } from '../test/diffgen/harness';
import { Rng } from '../test/diffgen/gen';
import { randomCoreCases } from '../test/diffgen/core';
import { randomShiftCases } from '../test/diffgen/shift';
import { randomMulDivCases } from '../test/diffgen/muldiv';
import { randomBitCases } from '../test/diffgen/bits';
import { randomStringCases } from '../test/diffgen/string';
import { randomAtomicCases } from '../test/diffgen/atomic';
import { rng as sseRng, randomCases, templateList, sseFamily, runSseBatch, Template, SseFamily, REC_OUT } from '../test/diffgen/sse';

export const INSN_FAMILIES = ['alu', 'shift', 'muldiv', 'bits', 'string', 'atomic', 'sse-int', 'sse-fp'] as const;
export type InsnFamily = typeof INSN_FAMILIES[number];

type IntFamily = Exclude<InsnFamily, SseFamily>;

/** Generator and batch size of each integer family (one program per batch). */
const INT_GENS: Record<IntFamily, [(r: Rng, n: number) => Case[], number]> = {
  alu: [randomCoreCases, 3000],
  shift: [randomShiftCases, 2400],
  muldiv: [randomMulDivCases, 2000],
  bits: [randomBitCases, 2000],
  string: [randomStringCases, 1600],
  atomic: [randomAtomicCases, 1600],
};

/** SSE batches: this many templates of the family, picked at random, each with this many input records. */
const SSE_TEMPLATES = 200;
const SSE_PER_TEMPLATE = 16;

export interface InsnMismatch { asm: string; detail: string; input: unknown }

export interface InsnBatch {
  family: InsnFamily;
  seed: number;
  /** Cases generated. */
  cases: number;
  /** Cases whose results both runs produced (all of them unless something ended a run early). */
  compared: number;
  /** Number of differing cases (may exceed mismatches.length, which is capped). */
  bad: number;
  mismatches: InsnMismatch[];
  /** Something other than a value difference: exit statuses, missing output, emulator messages. */
  problem?: string;
  ms: number;
}

function caseJson(c: Case): unknown {
  const regs: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.regs ?? {})) if (v !== undefined) regs[k] = typeof v === 'bigint' ? hex64(v) : v;
  return { asm: c.asm, regs, flags: c.flags ?? 0, mem: (c.mem ?? []).map(hex64) };
}

function intBatch(family: IntFamily, seed: number, limit: number): InsnBatch {
  const t0 = performance.now();
  const [gen, n] = INT_GENS[family];
  const cases = gen(new Rng(seed), n);
  // Every differing case is described (DIFF_LIMIT is runBatch's cap); the first `limit` are kept.
  const prev = process.env.DIFF_LIMIT;
  process.env.DIFF_LIMIT = String(cases.length + 1);
  let r: ReturnType<typeof runBatch>;
  try { r = runBatch(cases, `fuzz-${family}`); } finally {
    if (prev === undefined) delete process.env.DIFF_LIMIT; else process.env.DIFF_LIMIT = prev;
  }
  fs.rmSync(path.dirname(r.exe), { recursive: true, force: true });
  const mismatches: InsnMismatch[] = [];
  for (const m of r.mismatches.slice(0, limit)) {
    const k = /^case (\d+):/.exec(m);
    const c = k ? cases[Number(k[1])] : undefined;
    mismatches.push({ asm: c?.asm ?? '?', detail: m, input: c ? caseJson(c) : undefined });
  }
  const problems: string[] = [];
  if (r.nativeStatus !== 0) problems.push(`native exit status ${r.nativeStatus} (a generator bug)`);
  if (r.emuStatus !== r.nativeStatus) problems.push(`exit status native ${r.nativeStatus} emulated ${r.emuStatus}`);
  if (r.records !== cases.length) problems.push(`${r.records} of ${cases.length} records`);
  if (r.emuStderr.trim()) problems.push(`emulator stderr: ${r.emuStderr.trim().slice(0, 400)}`);
  return {
    family, seed, cases: cases.length, compared: r.records, bad: r.mismatches.length, mismatches,
    problem: problems.length ? problems.join('; ') : undefined, ms: performance.now() - t0,
  };
}

let sseTemplates: Map<SseFamily, [string, ReturnType<typeof templateList>[number][1]][]> | undefined;

function sseBatch(family: SseFamily, seed: number, limit: number): InsnBatch {
  const t0 = performance.now();
  if (!sseTemplates) {
    sseTemplates = new Map([['sse-int', []], ['sse-fp', []]]);
    for (const [asm, kind] of templateList()) sseTemplates.get(sseFamily(asm, kind))!.push([asm, kind]);
  }
  const all = sseTemplates.get(family)!;
  const r = sseRng(seed);
  const ts: Template[] = [];
  for (let k = 0; k < Math.min(SSE_TEMPLATES, all.length); k++) {
    const [asm, kind] = all[Math.floor(r() * all.length)];
    ts.push({ asm, cases: randomCases(kind, SSE_PER_TEMPLATE, r) });
  }
  const res = runSseBatch(ts, `fuzz-${family}`, { limit, cleanup: true });
  const mismatches: InsnMismatch[] = res.mismatches.map(m => ({
    asm: m.asm,
    detail: `template ${m.template} case ${m.index}: \`${m.asm}\` differs in ${m.fields.join(', ')}\n    input    ${m.input}\n    native   ${m.native}\n    emulated ${m.emulated}`,
    input: { asm: m.asm, record: ts[m.template].cases[m.index].bytes.toString('hex') },
  }));
  const problems: string[] = [];
  if (res.nativeStatus !== 0) problems.push(`native exit status ${res.nativeStatus} (a generator bug): ${res.nativeStderr.slice(0, 200)}`);
  if (res.emuStatus !== res.nativeStatus) problems.push(`exit status native ${res.nativeStatus} emulated ${res.emuStatus}`);
  if (res.emuBytes !== res.outLen || res.nativeBytes !== res.outLen) problems.push(`output ${res.nativeBytes} bytes native, ${res.emuBytes} emulated, ${res.outLen} expected`);
  if (res.emuStderr.trim()) problems.push(`emulator stderr: ${res.emuStderr.trim().slice(0, 400)}`);
  return {
    family, seed, cases: res.cases, compared: Math.floor(Math.min(res.nativeBytes, res.emuBytes) / REC_OUT), bad: res.bad, mismatches,
    problem: problems.length ? problems.join('; ') : undefined, ms: performance.now() - t0,
  };
}

/** Generate batch `seed` of `family`, run it natively and emulated, compare. Deterministic in (family, seed). */
export function insnBatch(family: InsnFamily, seed: number, limit = 8): InsnBatch {
  return family === 'sse-int' || family === 'sse-fp' ? sseBatch(family, seed, limit) : intBatch(family, seed, limit);
}

export interface FamilyTotals { batches: number; cases: number; ms: number; bad: number }

export type InsnStats = Stats & { families: Record<string, FamilyTotals> };

/** Families named in a comma-separated list (FUZZ_INSN_FAMILIES); all when empty. Throws on an unknown name. */
export function parseFamilies(list: string | undefined): InsnFamily[] {
  if (!list || !list.trim()) return [...INSN_FAMILIES];
  const out = list.split(',').map(s => s.trim()).filter(Boolean);
  for (const f of out) if (!(INSN_FAMILIES as readonly string[]).includes(f)) throw new Error(`unknown instruction family '${f}' (${INSN_FAMILIES.join(', ')})`);
  return out as InsnFamily[];
}

/**
 * Round-robin over the families until the budget is spent (a batch started before the deadline runs to
 * its end). Every differing case is a failure naming the family, the batch seed, the instruction and
 * what differed; with `saveDir` each failing batch is written there as JSON (inputs included).
 */
export function fuzzInsns(seed: number, budget: Budget, families: InsnFamily[] = [...INSN_FAMILIES], saveDir?: string): InsnStats {
  const s: InsnStats = { ...newStats('insns'), families: {} };
  for (const f of families) s.families[f] = { batches: 0, cases: 0, ms: 0, bad: 0 };
  const t0 = performance.now();
  const end = budget.seconds !== undefined ? t0 + budget.seconds * 1000 : Infinity;
  const maxCases = budget.cases ?? Infinity;
  for (let k = 0; performance.now() < end && s.cases < maxCases; k++) {
    const family = families[k % families.length];
    const bs = caseSeed(seed, k);
    let b: InsnBatch;
    try { b = insnBatch(family, bs); } catch (e) {
      s.failures.push({ seed: bs, what: `${family}: batch could not be built or run`, detail: e instanceof Error ? e.message.slice(0, 2000) : String(e) });
      continue;
    }
    const tot = s.families[family];
    tot.batches++; tot.cases += b.cases; tot.ms += b.ms; tot.bad += b.bad;
    s.cases += b.cases;
    s.outcomes[family] = (s.outcomes[family] ?? 0) + b.cases;
    s.slowestMs = Math.max(s.slowestMs, b.ms);
    for (const m of b.mismatches) s.failures.push({ seed: bs, what: `${family}: ${m.asm}`, detail: m.detail });
    if (b.bad > b.mismatches.length) s.failures.push({ seed: bs, what: `${family}: ${b.bad - b.mismatches.length} more differing cases in this batch`, detail: '(not listed: rerun insnBatch(family, seed) with a higher limit)' });
    if (b.problem) s.failures.push({ seed: bs, what: `${family}: batch`, detail: b.problem });
    if (saveDir && (b.mismatches.length || b.problem)) {
      fs.mkdirSync(saveDir, { recursive: true });
      fs.writeFileSync(path.join(saveDir, `insns-${family}-${bs.toString(16)}.json`), JSON.stringify({
        family, seed: `0x${bs.toString(16)}`, problem: b.problem, mismatches: b.mismatches.map(m => ({ input: m.input, found: m.detail })),
      }, null, 1) + '\n');
    }
  }
  s.ms = performance.now() - t0;
  return s;
}

/** One line per family: batches, cases, time, differing cases. */
export function familyReport(s: InsnStats): string[] {
  return Object.entries(s.families).map(([f, t]) =>
    `  ${f.padEnd(8)} ${String(t.batches).padStart(5)} batches ${String(t.cases).padStart(8)} cases ${(t.ms / 1000).toFixed(1).padStart(7)} s  differing ${t.bad}`);
}

// `node out/fuzz/insns.js FAMILY SEED`: rerun one batch (as named in a failure) and print every difference.
if (require.main === module) {
  const [family, seedText] = process.argv.slice(2);
  if (!family || !(INSN_FAMILIES as readonly string[]).includes(family) || seedText === undefined || !Number.isFinite(Number(seedText))) {
    console.error(`usage: node out/fuzz/insns.js FAMILY SEED   (FAMILY: ${INSN_FAMILIES.join(', ')})`);
    process.exitCode = 2;
  } else {
    const b = insnBatch(family as InsnFamily, Number(seedText) >>> 0, 1000);
    console.log(`${b.family} seed 0x${b.seed.toString(16)}: ${b.cases} cases, ${b.compared} compared, ${b.bad} differ${b.problem ? `; ${b.problem}` : ''}`);
    for (const m of b.mismatches) console.log(m.detail);
    process.exitCode = b.bad || b.problem ? 1 : 0;
  }
}
