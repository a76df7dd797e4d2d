// Malformed ELF files (short fixed-seed run of fuzz/elf.ts): the loader refuses bad input with a one-line
// UserError, never another exception, never unbounded work or allocation; a few cases go through the CLI
// (one-line reason, non-zero exit, no stack trace).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, have, need, tmpDir } from './util';
import { buildBases, ASM_HELLO } from '../fuzz/bases';
import { fuzzElf, elfCase } from '../fuzz/elf-campaign';
import { summary } from '../fuzz/campaign';
import { runGuest } from '../fuzz/harness';

const SEED = 0x5eed01;
const CASES = Number(process.env.FUZZ_ELF_CASES ?? 1500);

test('malformed ELF: fixed-seed mutations never crash the loader', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  const bases = buildBases();
  const st = fuzzElf(bases, SEED, { cases: CASES, seconds: 25 }, tmpDir('elf-'));
  console.log(`# ${summary(st)}`);
  assert.ok(st.cases >= Math.min(CASES, 300), `too few cases ran: ${st.cases}`);
  assert.ok((st.outcomes.refused ?? 0) > 0 && (st.outcomes.exit ?? 0) + (st.outcomes.signal ?? 0) > 0, 'the mutations reach both the loader and the guest');
  assert.deepEqual(st.failures.map(f => `${f.seed.toString(16)} ${f.what}: ${f.detail}`), []);
});

test('malformed ELF: a segment claiming 2^40 bytes is mapped lazily', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils not installed')) return;
  const base = buildBases()[0].data.slice();
  const dv = new DataView(base.buffer);
  const phoff = Number(dv.getBigUint64(32, true)), phnum = dv.getUint16(56, true);
  // Make the last PT_LOAD's memsz 2^40 (bss) so the image spans a terabyte.
  let last = -1;
  for (let k = 0; k < phnum; k++) if (dv.getUint32(phoff + 56 * k, true) === 1) last = phoff + 56 * k;
  dv.setBigUint64(last + 40, 1n << 40n, true);
  const file = path.join(tmpDir('elf-'), 'huge');
  fs.writeFileSync(file, base);
  const before = process.memoryUsage().rss;
  const r = runGuest(file, { maxInsns: 10000 });
  assert.equal(r.outcome.kind, 'exit', JSON.stringify(r.outcome));
  assert.ok(r.ms < 2000, `took ${r.ms} ms`);
  assert.ok(r.process!.mem.residentPages < 100, `resident pages ${r.process!.mem.residentPages}`);
  assert.ok(process.memoryUsage().rss - before < 256 << 20, 'no large host allocation');
});

test('malformed ELF: not ELF, directory, missing file, empty, truncated header', () => {
  const dir = tmpDir('elf-');
  const cases: [string, Uint8Array | null][] = [
    ['text', Buffer.from('#!/bin/sh\necho hi\n')], ['empty', new Uint8Array(0)],
    ['magic-only', Uint8Array.from([0x7f, 0x45, 0x4c, 0x46])], ['zeros', new Uint8Array(4096)],
  ];
  for (const [name, data] of cases) {
    const r = elfCase(path.join(dir, name), data!);
    assert.equal(r.outcome, 'refused', name);
    assert.equal(r.error, undefined, name);
  }
  assert.equal(runGuest(dir, { maxInsns: 10 }).outcome.kind, 'refused');
  assert.equal(runGuest(path.join(dir, 'missing'), { maxInsns: 10 }).outcome.kind, 'refused');
});

test('malformed ELF through the CLI: one-line reason, non-zero exit, no stack trace', (t) => {
  if (!need(t, fs.existsSync(CLI), 'dist/cli.js not built (node scripts/build.mjs)')) return;
  if (!need(t, have('as') && have('ld'), 'binutils not installed')) return;
  const dir = tmpDir('elf-cli-');
  const good = new Uint8Array(fs.readFileSync(require('./util').buildAsm(ASM_HELLO, 'cli-base')));
  const variants: Record<string, Uint8Array> = {
    truncated: good.subarray(0, 100),
    class32: (() => { const d = good.slice(); d[4] = 1; return d; })(),
    machine: (() => { const d = good.slice(); d[18] = 3; return d; })(),
    type: (() => { const d = good.slice(); d[16] = 1; return d; })(),
    phoff: (() => { const d = good.slice(); new DataView(d.buffer).setBigUint64(32, 1n << 60n, true); return d; })(),
    notelf: Buffer.from('hello world\n'),
  };
  const paths = Object.entries(variants).map(([n, d]) => { const p = path.join(dir, n); fs.writeFileSync(p, d); return p; });
  paths.push(dir, path.join(dir, 'missing'));
  for (const p of paths) {
    const r = spawnSync(process.execPath, [CLI, 'run', '--max-insns', '100000', '--', p], { encoding: 'utf8', env: {} });
    assert.notEqual(r.status, 0, p);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${p}: ${r.stderr}`);
    assert.match(lines[0], /^uprobe-lab: /);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  }
});
