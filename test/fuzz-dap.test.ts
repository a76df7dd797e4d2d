// DAP abuse (fixed-seed run of fuzz/dap.ts): a few hundred random, malformed and out-of-order requests
// to the real adapter over stdio; every request is answered and the adapter stays alive until
// disconnect, which ends it.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, buildAsm, have, need } from './util';
import { ASM_HELLO } from '../fuzz/bases';
import { fuzzDap } from '../fuzz/dap';

const ADAPTER = path.join(ROOT, 'dist', 'adapter.js');
export const LOOP = `
.globl _start
.text
_start:
  xor %eax, %eax
spin:
  inc %rax
  jmp spin
`;

const SEEDS = (process.env.FUZZ_DAP_SEEDS ?? '0xda01,0xda02,0xda03,0xda04').split(',').map(Number);
const N = Number(process.env.FUZZ_DAP_REQUESTS ?? 150);

for (const seed of SEEDS) {
  test(`DAP abuse: seed 0x${seed.toString(16)}, ${N} requests all answered, adapter alive`, async (t) => {
    if (!need(t, fs.existsSync(ADAPTER), 'dist/adapter.js not built (node scripts/build.mjs)')) return;
    if (!need(t, have('as') && have('ld'), 'binutils not installed')) return;
    const basic = buildAsm(ASM_HELLO, 'dap-basic');
    const loop = buildAsm(LOOP, 'dap-loop');
    const r = await fuzzDap(ADAPTER, { basic, loop, source: basic.replace(/$/, '.s') }, seed, N);
    console.log(`# dap seed 0x${seed.toString(16)}: ${r.requests} requests, ${r.answered} answered (${r.errors} error responses, ${r.launched} successful launches), ${r.ms} ms`);
    assert.deepEqual(r.unanswered, []);
    assert.ok(r.alive, `adapter died: ${r.stderr.slice(0, 2000)}`);
    assert.ok(r.finalOk, 'final threads request answered');
    assert.ok(r.exitedOnDisconnect, 'disconnect ends the adapter');
    assert.doesNotMatch(r.stderr, /\n\s+at \S+:\d+:\d+|Unhandled|TypeError|RangeError/, r.stderr.slice(0, 2000));
  });
}
