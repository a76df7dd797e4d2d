// Every input any fuzzer ever failed on (test/regressions/), replayed with the fuzzers' own checks.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, buildAsm, have, need, tmpDir } from './util';
import { ASM_HELLO } from '../fuzz/bases';
import { elfCase } from '../fuzz/elf-campaign';
import { buildCodeTarget, codeCase } from '../fuzz/code';
import { probeCase } from '../fuzz/probes';
import { replayDap } from '../fuzz/dap';

const DIR = path.join(ROOT, 'test', 'regressions');

test('regressions: malformed ELF files', () => {
  const files = fs.readdirSync(DIR).filter(f => f.endsWith('.bin'));
  assert.ok(files.length > 0);
  const tmp = tmpDir('reg-');
  for (const f of files) {
    const r = elfCase(path.join(tmp, f), new Uint8Array(fs.readFileSync(path.join(DIR, f))));
    assert.equal(r.error, undefined, `${f}: ${r.error}`);
  }
});

test('regressions: random code', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  const cases = JSON.parse(fs.readFileSync(path.join(DIR, 'random-code.json'), 'utf8')) as { seed: string; code: string; regs: number[]; found: string }[];
  const target = buildCodeTarget();
  for (const c of cases) {
    const regs = c.regs.slice();
    regs[4] = target.rsp;
    const r = codeCase(target.exe, target.entry, target.scratch, { code: Buffer.from(c.code, 'hex'), regs });
    assert.equal(r.error, undefined, `${c.seed} (${c.found}): ${r.error}`);
    assert.notEqual(r.outcome, 'crash');
  }
});

test('regressions: probe definitions', () => {
  const file = path.join(DIR, 'probes.json');
  if (!fs.existsSync(file)) return;
  const lines = JSON.parse(fs.readFileSync(file, 'utf8')) as { line: string; found: string }[];
  for (const l of lines) {
    const r = probeCase(l.line);
    assert.equal(r.error, undefined, `${JSON.stringify(l.line)} (${l.found}): ${r.error}`);
  }
});

test('regressions: DAP request sequences', async (t) => {
  const adapter = path.join(ROOT, 'dist', 'adapter.js');
  if (!need(t, fs.existsSync(adapter), 'dist/adapter.js not built (node scripts/build.mjs)')) return;
  const cases = JSON.parse(fs.readFileSync(path.join(DIR, 'dap.json'), 'utf8')) as { found: string; requests: { command: string; arguments?: unknown }[] }[];
  if (!need(t, have('as') && have('ld'), 'binutils not installed')) return;
  const basic = buildAsm(ASM_HELLO, 'reg-dap');
  for (const c of cases) {
    // "$BASIC" in a request stands for a small program built here.
    const requests = JSON.parse(JSON.stringify(c.requests).split('$BASIC').join(basic)) as typeof c.requests;
    const r = await replayDap(adapter, requests);
    assert.deepEqual(r.unanswered, [], c.found);
    assert.ok(r.finalOk && r.exitedOnDisconnect, `${c.found}: ${r.stderr.slice(0, 1000)}`);
  }
});
