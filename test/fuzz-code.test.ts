// Random bytes executed as code (short fixed-seed run of fuzz/code.ts): every case ends as a guest
// signal, an exit or a stop at the instruction cap; no host exception, no unbounded time.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, EMU_ENV, have, need, buildC, tmpDir } from './util';
import { ElfFile } from '../engine/elf/elf';
import { Rng, caseSeed } from '../fuzz/rng';
import { C_HELLO } from '../fuzz/bases';
import { buildCodeTarget, fuzzCode, randomCode, validCode } from '../fuzz/code';
import { summary } from '../fuzz/campaign';

const SEED = 0xc0de01;
const CASES = Number(process.env.FUZZ_CODE_CASES ?? 10000);

test('random code: fixed-seed cases end as a signal, an exit or the cap', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  const target = buildCodeTarget(have('gcc') ? buildC(C_HELLO, 'code-corpus', { flags: ['-O2', '-static'] }) : undefined);
  const st = fuzzCode(target, SEED, { cases: CASES, seconds: 25 });
  console.log(`# ${summary(st)}`);
  assert.ok(st.cases >= Math.min(CASES, 500), `too few cases ran: ${st.cases}`);
  assert.ok((st.outcomes.SIGILL ?? 0) > 0 && (st.outcomes.SIGSEGV ?? 0) > 0, 'cases reach both decode failures and memory faults');
  assert.deepEqual(st.failures.map(f => `${f.seed.toString(16)} ${f.what}: ${f.detail}`), []);
});

test('random code through the CLI: a static ELF whose text is random bytes ends as a signal or the cap', (t) => {
  if (!need(t, fs.existsSync(CLI), 'dist/cli.js not built')) return;
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  const target = buildCodeTarget();
  const img = new Uint8Array(fs.readFileSync(target.exe));
  const elf = ElfFile.parse(img, target.exe);
  const at = elf.vaddrToFileOffset(target.entry)!;
  const dir = tmpDir('code-cli-');
  const seen = new Set<number>();
  for (let k = 0; k < 12; k++) {
    const r = new Rng(caseSeed(SEED + 7, k));
    const d = img.slice();
    d.set(k % 2 ? validCode(r, 200, true) : randomCode(r, 200), at);
    const file = path.join(dir, `case${k}`);
    fs.writeFileSync(file, d);
    const res = spawnSync(process.execPath, [CLI, 'run', '--max-insns', '20000', '--', file], { encoding: 'latin1', env: EMU_ENV });
    assert.ok(res.status === 124 || (res.status! > 128 && res.status! < 160) || res.status === 0 || res.status! < 128, `case ${k}: status ${res.status}`);
    assert.doesNotMatch(res.stderr, /internal error|\n\s+at \S+:\d+/, `case ${k}: ${res.stderr}`);
    assert.ok(res.stderr.trimEnd().split('\n').length <= 1, `case ${k}: one line: ${res.stderr}`);
    seen.add(res.status!);
  }
  assert.ok([...seen].some(s => s > 128), 'some cases end by a signal');
});
