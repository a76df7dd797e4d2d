// Differential tests of the SSE/SSE2 instructions against the host CPU. One static program per test
// runs each instruction template over a table of inputs (xmm0, xmm1, rax, RFLAGS, MXCSR), dumping
// xmm0, xmm1, rax, RFLAGS, MXCSR and a memory slot after each; it runs natively and in the emulator
// and the dumps must be identical byte for byte. Inputs: a cross product of special values (zeros,
// subnormals, extremes, infinities, quiet and signalling NaNs with payloads, integer-conversion
// boundaries, rounding ties) and seeded random values, under all MXCSR rounding modes, DAZ and FTZ.
// The generators and the runner live in diffgen/sse.ts (the instruction fuzzer uses them too).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildAsm, runNative, runEmu, need, have, exitCode, tmpDir } from './util';
import { rng, randomCases, specialCases, templateList, runSseBatch, mismatchText, Template } from './diffgen/sse';

/** Build, run both ways, compare record by record; returns the number of cases. */
function runTemplates(t: import('node:test').TestContext, ts: Template[], name: string): number {
  const r = runSseBatch(ts, name);
  assert.equal(r.nativeStatus, 0, `native run failed: ${r.nativeStderr}`);
  assert.equal(r.emuStderr, '', 'emulator stderr');
  assert.equal(r.emuStatus, 0, 'emulator exit status');
  assert.equal(r.nativeBytes, r.outLen);
  assert.equal(r.emuBytes, r.outLen, 'emulated output length');
  t.diagnostic(`${ts.length} templates, ${r.cases} cases`);
  assert.equal(r.bad, 0, `${r.bad} mismatching cases:\n${r.mismatches.map(mismatchText).join('\n')}`);
  return r.cases;
}

function prereq(t: import('node:test').TestContext): boolean {
  return need(t, have('as') && have('ld'), 'binutils (as, ld) not installed');
}

test('SSE arithmetic, compares and conversions on special values match the host CPU', (t) => {
  if (!prereq(t)) return;
  const ts: Template[] = [];
  for (const op of ['addps', 'subps', 'mulps', 'divps', 'minps', 'maxps', 'cmpps $1,', 'cmpps $4,', 'cmpps $3,']) {
    ts.push({ asm: `${op} %xmm1, %xmm0`, cases: specialCases('ps') });
  }
  for (const op of ['addpd', 'subpd', 'mulpd', 'divpd', 'minpd', 'maxpd', 'cmppd $2,', 'cmppd $0,']) {
    ts.push({ asm: `${op} %xmm1, %xmm0`, cases: specialCases('pd') });
  }
  for (const op of ['sqrtps %xmm1, %xmm0', 'cvtps2dq %xmm1, %xmm0', 'cvtps2pd %xmm1, %xmm0', 'comiss %xmm1, %xmm0', 'ucomiss %xmm1, %xmm0']) {
    ts.push({ asm: op, cases: specialCases('ps') });
  }
  for (const op of ['sqrtpd %xmm1, %xmm0', 'cvtpd2ps %xmm1, %xmm0', 'cvtpd2dq %xmm1, %xmm0', 'cvttsd2si %xmm1, %rax',
    'cvtsd2si %xmm1, %rax', 'cvtsd2si %xmm1, %eax', 'comisd %xmm1, %xmm0', 'ucomisd %xmm1, %xmm0']) {
    ts.push({ asm: op, cases: specialCases('pd') });
  }
  const n = runTemplates(t, ts, 'sse-special');
  assert.ok(n > 5000);
});

test('SSE/SSE2 instructions on seeded random inputs match the host CPU', (t) => {
  if (!prereq(t)) return;
  // UL_SSE_SEED / UL_SSE_CASES widen the search when exploring; the defaults keep the test fast.
  const r = rng(Number(process.env.UL_SSE_SEED ?? 0x5eed55e2));
  const per = Number(process.env.UL_SSE_CASES ?? 24);
  const ts = templateList().map(([asm, kind]) => ({ asm, cases: randomCases(kind, per, r) }));
  const n = runTemplates(t, ts, 'sse-random');
  assert.ok(n > 3000);
});

test('misaligned legacy SSE operands fault like the host (SIGSEGV)', (t) => {
  if (!prereq(t)) return;
  for (const insn of ['movaps 8(%rsp), %xmm0', 'addps 8(%rsp), %xmm0', 'movdqa %xmm0, 8(%rsp)', 'pxor 8(%rsp), %xmm0']) {
    const src = `.globl _start\n.text\n_start:\n  and $-16, %rsp\n  sub $64, %rsp\n  ${insn}\n  mov $60, %eax\n  mov $7, %edi\n  syscall\n`;
    const exe = buildAsm(src, 'align');
    const nat = runNative(exe), emu = runEmu(exe);
    assert.equal(exitCode(nat), 128 + 11, `${insn}: native`);
    assert.equal(emu.status, 128 + 11, `${insn}: emulated status (stderr ${emu.stderr})`);
  }
  // Under MXCSR.MM (AMD misaligned SSE mode) arithmetic takes unaligned operands, the aligned moves
  // still fault; an MXCSR with a reserved bit faults in ldmxcsr.
  for (const [mx, insn, want] of [[0x21f80, 'addps 8(%rsp), %xmm0', 7], [0x21f80, 'pxor 8(%rsp), %xmm0', 7],
    [0x21f80, 'movaps 8(%rsp), %xmm0', 139], [0x41f80, 'nop', 139]] as [number, string, number][]) {
    const src = `.globl _start\n.text\n_start:\n  and $-16, %rsp\n  sub $64, %rsp\n  ldmxcsr m(%rip)\n  ${insn}\n` +
      `  mov $60, %eax\n  mov $7, %edi\n  syscall\n.data\nm: .long ${mx}\n`;
    const exe = buildAsm(src, 'mm');
    assert.equal(exitCode(runNative(exe)), want, `${insn} with mxcsr ${mx.toString(16)}: native`);
    assert.equal(runEmu(exe).status, want, `${insn} with mxcsr ${mx.toString(16)}: emulated`);
  }
  // The same with an aligned operand runs to the exit.
  const ok = buildAsm('.globl _start\n.text\n_start:\n  and $-16, %rsp\n  sub $64, %rsp\n  movaps 16(%rsp), %xmm0\n  addps 32(%rsp), %xmm0\n  mov $60, %eax\n  mov $7, %edi\n  syscall\n', 'aligned');
  assert.equal(exitCode(runNative(ok)), 7);
  assert.equal(runEmu(ok).status, 7);
});

test('unmasked SIMD floating-point exceptions raise SIGFPE like the host', (t) => {
  if (!prereq(t)) return;
  const cases: [number, string][] = [
    [0x1f80 & ~0x200, 'divsd %xmm1, %xmm0'],   // ZE unmasked: 1/0
    [0x1f80 & ~0x80, 'sqrtsd %xmm2, %xmm0'],   // IE unmasked: sqrt(-1)
    [0x1f80 & ~0x1000, 'divsd %xmm3, %xmm0'],  // PE unmasked: 1/3
    [0x1f80 & ~0x1000, 'addsd %xmm0, %xmm0'],  // PE unmasked, exact: no fault
  ];
  for (const [m, insn] of cases) {
    const src = `.globl _start\n.text\n_start:\n  movsd one(%rip), %xmm0\n  xorpd %xmm1, %xmm1\n  movsd mone(%rip), %xmm2\n` +
      `  movsd three(%rip), %xmm3\n  ldmxcsr m(%rip)\n  ${insn}\n  stmxcsr m(%rip)\n  mov m(%rip), %edi\n  and $63, %edi\n  mov $60, %eax\n  syscall\n` +
      `.data\n.balign 8\none: .double 1.0\nmone: .double -1.0\nthree: .double 3.0\nm: .long ${m}\n`;
    const exe = buildAsm(src, 'fpe');
    const nat = runNative(exe), emu = runEmu(exe);
    assert.equal(emu.status, exitCode(nat), `${insn} with mxcsr ${m.toString(16)} (stderr ${emu.stderr})`);
  }
});

test('fxsave / fxrstor images match the host (x87 registers, tags, MXCSR, XMM)', (t) => {
  if (!prereq(t)) return;
  // An image to restore: FCW (round up, 53-bit), FSW (TOP 5, C1), abridged tags, eight registers,
  // MXCSR (round down, flags), sixteen XMM registers; then save again and print both images.
  const img = Buffer.alloc(512);
  img.writeUInt16LE(0x0a7f, 0); img.writeUInt16LE(0x2a00, 2); img[4] = 0xe5;
  img.writeUInt32LE(0x3f81, 24); img.writeUInt32LE(0xffff, 28);
  for (let k = 0; k < 8; k++) {
    img.writeUInt32LE((0x9abc0000 + k) >>> 0, 32 + 16 * k); img.writeUInt32LE((0x80000000 | (k << 20)) >>> 0, 36 + 16 * k);
    img.writeUInt16LE(0x3fff + k, 40 + 16 * k);
  }
  for (let k = 0; k < 64; k++) img.writeUInt32LE((Math.imul(k + 1, 0x9e3779b9)) >>> 0, 160 + 4 * k);
  const data = path.join(tmpDir('fx-'), 'img.bin');
  fs.writeFileSync(data, img);
  const src = `.globl _start\n.text\n_start:\n` +
    `  fninit\n  fld1\n  fldpi\n  fldt ext(%rip)\n  movdqa pat(%rip), %xmm3\n  movdqa pat(%rip), %xmm15\n  ldmxcsr mx(%rip)\n` +
    `  fxsave64 out(%rip)\n  fxrstor64 img(%rip)\n  fxsave out+512(%rip)\n  fstpt out+1024(%rip)\n  fnstsw out+1040(%rip)\n` +
    `  movdqu %xmm7, out+1056(%rip)\n  stmxcsr out+1072(%rip)\n  fxrstor img(%rip)\n  fxsave64 out+1536(%rip)\n` +
    `  mov $1, %eax\n  mov $1, %edi\n  lea out(%rip), %rsi\n  mov $2048, %edx\n  syscall\n  mov $60, %eax\n  xor %edi, %edi\n  syscall\n` +
    `.data\n.balign 16\nimg: .incbin "${data}"\npat: .quad 0x0123456789abcdef, 0xfedcba9876543210\next: .quad 0xc90fdaa22168c234\n .word 0xc000\n` +
    `mx: .long 0x5fa0\n.bss\n.balign 16\nout: .space 2048\n`;
  const exe = buildAsm(src, 'fxsave');
  const nat = runNative(exe), emu = runEmu(exe);
  assert.equal(nat.status, 0);
  assert.equal(emu.status, 0, emu.stderr);
  const a = Buffer.from(nat.stdout, 'latin1'), b = Buffer.from(emu.stdout, 'latin1');
  for (let off = 0; off < 2048; off += 16) {
    assert.equal(b.subarray(off, off + 16).toString('hex'), a.subarray(off, off + 16).toString('hex'), `bytes ${off}..${off + 15}`);
  }
});
