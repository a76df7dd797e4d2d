// Nothing lost: a tight loop with a probe on it, a million hits through the CLI with --trace FILE. The
// trace file must hold exactly one line per iteration the guest counted, and uprobe_profile's hit
// count must agree.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildAsm, have, need, runEmu, tmpDir, CLI } from './util';
import { ElfFile } from '../engine/elf/elf';

const HITS = Number(process.env.FUZZ_MILLION_HITS ?? 1_000_000);

const LOOP = `
.globl _start
.text
_start:
  xor %ebx, %ebx
  mov $${HITS}, %ecx
  .globl body
body:
  inc %rbx
  dec %ecx
  jnz body
  mov %rbx, count(%rip)
  mov $1, %eax
  mov $1, %edi
  lea count(%rip), %rsi
  mov $8, %edx
  syscall
  mov $60, %eax
  xor %edi, %edi
  syscall
.data
count: .quad 0
`;

test(`nothing lost: ${HITS} probe hits, one trace line each, equal to the profile's count`, { timeout: 120000 }, (t) => {
  if (!need(t, fs.existsSync(CLI), 'dist/cli.js not built')) return;
  if (!need(t, have('as') && have('ld'), 'binutils not installed')) return;
  const exe = buildAsm(LOOP, 'million');
  const elf = ElfFile.parse(new Uint8Array(fs.readFileSync(exe)), exe);
  const off = elf.vaddrToFileOffset(elf.symbol('body')!.value)!;
  const trace = path.join(tmpDir('million-'), 'trace.txt');
  const t0 = Date.now();
  const r = runEmu(exe, [], undefined, ['--probe', `p:ultest_fuzz/body ${exe}:0x${off.toString(16)} rbx=%bx:u64`, '--trace', trace, '--profile']);
  const ms = Date.now() - t0;
  assert.equal(r.status, 0, r.stderr);
  const guestCount = Number(Buffer.from(r.stdout, 'latin1').readBigUInt64LE(0));
  assert.equal(guestCount, HITS);
  const text = fs.readFileSync(trace, 'latin1');
  let lines = 0, last = 0, inOrder = true;
  let pos = 0;
  for (;;) {
    const at = text.indexOf(' body: (', pos);
    if (at < 0) break;
    const nl = text.indexOf('\n', at);
    const m = /rbx=(\d+)/.exec(text.slice(at, nl));
    const v = m ? Number(m[1]) : -1;
    if (v !== last) inOrder = false; // the probe sits before `inc`: rbx counts 0, 1, 2, ...
    last = v + 1;
    lines++;
    pos = nl + 1;
  }
  const profile = /^\s*\S+\s+ultest_fuzz\/body\s+(\d+)/m.exec(text) ?? /\sbody\s+(\d+)/.exec(text);
  console.log(`# ${lines} trace lines for ${guestCount} iterations in ${ms} ms; profile: ${profile?.[0].trim()}`);
  assert.equal(lines, guestCount, 'one trace line per hit');
  assert.ok(inOrder, 'every hit present, in order (rbx = 0, 1, 2, ...)');
  assert.ok(profile, 'uprobe_profile line present');
  assert.equal(Number(profile![1]), guestCount, 'profile hit count');
});
