// Probe definitions (short fixed-seed run of fuzz/probes.ts): every generated uprobe_events line is
// accepted or refused with a TraceError (known kernel code, the command, a caret); a sample goes through
// the CLI (kernel-format error, non-zero exit, no stack trace).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { CLI, buildAsm, have, need } from './util';
import { ASM_HELLO } from '../fuzz/bases';
import { fuzzProbes, probeLine, probeCase } from '../fuzz/probes';
import { Rng, caseSeed } from '../fuzz/rng';
import { summary } from '../fuzz/campaign';
import { compareWithKernel, compareLine, haveKernelTracefs, knownDifference } from '../fuzz/probes-kernel';

const SEED = 0x9b0be1;
const CASES = Number(process.env.FUZZ_PROBE_CASES ?? 20000);

test('probe definitions: every generated line is accepted or a well-formed TraceError', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils not installed')) return;
  const exe = buildAsm(ASM_HELLO, 'probe-target');
  const st = fuzzProbes({ path: exe, fileSize: fs.statSync(exe).size, group: 'ultest_fuzz' }, SEED, { cases: CASES, seconds: 15 });
  console.log(`# ${summary(st)}`);
  console.log(`# refusal codes: ${Object.entries(st.codes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  assert.deepEqual(st.failures.map(f => `${f.what}: ${f.detail}`), []);
  assert.ok((st.outcomes['ok-add'] ?? 0) > 0 && (st.outcomes.refused ?? 0) > 0, 'both accepted and refused lines generated');
  assert.ok(Object.keys(st.codes).length >= 20, `only ${Object.keys(st.codes).length} distinct error codes reached`);
});

test('probe definitions through the CLI: kernel-format error, non-zero exit, no stack trace', (t) => {
  if (!need(t, fs.existsSync(CLI), 'dist/cli.js not built')) return;
  if (!need(t, have('as') && have('ld'), 'binutils not installed')) return;
  const exe = buildAsm(ASM_HELLO, 'probe-cli');
  const ctx = { path: exe, fileSize: fs.statSync(exe).size, group: 'ultest_fuzz' };
  let refused = 0;
  for (let k = 0; refused < 12 && k < 400; k++) {
    const line = probeLine(new Rng(caseSeed(SEED + 1, k)), ctx);
    const res = probeCase(line);
    if (res.outcome !== 'refused' || !res.err!.logged || line.includes('\0')) continue;
    refused++;
    const r = spawnSync(process.execPath, [CLI, 'run', '--max-insns', '100000', '--probe', line, '--', exe], { encoding: 'latin1', env: {} });
    assert.notEqual(r.status, 0, line);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at \S+:\d+/, line);
    assert.ok(r.stderr.includes(res.err!.text), `${line}: ${r.stderr}`);
    assert.match(r.stderr, /\^\n?$/, line);
  }
  assert.equal(refused, 12);
});

test('probe definitions: a sample compared with the live kernel (errno, error_log message, command, caret)', (t) => {
  if (!need(t, haveKernelTracefs(), 'needs root and tracefs for the kernel comparison')) return;
  if (!need(t, have('as') && have('ld'), 'binutils not installed')) return;
  const exe = buildAsm(ASM_HELLO, 'probe-kernel');
  const r = compareWithKernel({ path: exe, fileSize: fs.statSync(exe).size, group: `ultest_fuzz_${process.pid}` }, SEED + 2, 2000);
  console.log(`# kernel comparison: ${r.tried} lines, ${r.diffs.length} differences`);
  assert.ok(r.tried >= 1500);
  assert.deepEqual(r.diffs.filter(d => !knownDifference(d)), []);
});

test('probe definitions: carets past the end of the command are the kernel\'s own', (t) => {
  if (!need(t, haveKernelTracefs(), 'needs root and tracefs for the kernel comparison')) return;
  if (!need(t, have('as') && have('ld'), 'binutils not installed')) return;
  const exe = buildAsm(ASM_HELLO, 'probe-caret');
  // Found by the fuzzer: after a dereference the kernel's caret can land beyond the command.
  const g = `ultest_fuzz_${process.pid}`;
  for (const l of [`p:${g}/a ${exe}:0x100 L=-0xfffffffffffff($stack):b4@8/8`, `r:${g}/b ${exe}:0x100 y=+0x3f8f(+0X10(%bx)):b4@8/8`,
    `p ${exe}:0x100 Y=\\3061 V=-u0x15e2(\\-16):u32[4]`, `p ${exe}:0x100 b=+0xfffffff(%ax):b33@0/32`]) {
    assert.equal(compareLine(l, g), undefined, l);
  }
});
