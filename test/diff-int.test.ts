// Differential tests of the integer instructions against the host CPU (an AMD EPYC here). Each test
// builds one static program from generated GAS (test/diffgen): every case loads chosen registers,
// RFLAGS and a 128-byte memory area, runs the instruction(s), and writes all 16 GPRs, RFLAGS (CF PF AF
// ZF SF OF DF) and the memory area to stdout. The same binary runs natively and in the emulator; the
// records and the exit status must agree. A mismatch names the case, its inputs and what differed.
//
// Families: shifts/rotates, mul/imul/div/idiv (with #DE -> SIGFPE programs), bt*/bsf/bsr, string
// instructions, xadd/cmpxchg*, enter/xlat/popfw, and the core families (alu, move, flags, branches);
// then seeded random cases for each family, and explicit regressions for bugs the comparisons found.
//
// The host has BMI1/LZCNT, which our CPUID denies: natively `rep bsf`/`rep bsr` are tzcnt/lzcnt. So the
// emulated `rep bsf`/`rep bsr` are compared with the host's plain bsf/bsr on the same inputs (zero
// sources included): that is what a CPU without those features does.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildAsm, buildC, runNative, runEmu, need, have, exitCode, CLI, ROOT } from './util';
import { Case, runBatch, symbolAddress, BatchResult } from './diffgen/harness';
import { Rng } from './diffgen/gen';
import { shiftCases, doubleShiftCases, randomShiftCases } from './diffgen/shift';
import { mulCases, divCases, randomMulDivCases, faultPrograms } from './diffgen/muldiv';
import { btCases, scanCases, repScanPairs, randomBitCases } from './diffgen/bits';
import { stringCases, randomStringCases } from './diffgen/string';
import { atomicCases, miscCases, randomAtomicCases } from './diffgen/atomic';
import { aluCases, moveCases, flagCases, branchCases, randomCoreCases } from './diffgen/core';
import { Process } from '../engine/linux/process';
import type { Stdio } from '../engine/linux/files';
import { DIE_DEBUG, NOTIFY_STOP } from '../engine/cpu/cpu';
import { RCX, RDI, RSI } from '../engine/cpu/regs';
import { SIGSEGV } from '../engine/errors';

/** Seed of the random cases: fixed, so a failure reproduces. */
const SEED = 0x1d1ff;

let total = 0;

function ready(t: import('node:test').TestContext): boolean {
  return need(t, have('as') && have('ld'), 'binutils (as, ld) not installed') &&
    need(t, fs.existsSync(CLI), 'dist/cli.js not built (node scripts/build.mjs)');
}

function check(r: BatchResult, what: string): void {
  assert.equal(r.mismatches.length, 0, `${what}: emulated results differ from the host CPU:\n${r.mismatches.join('\n')}\n${r.emuStderr}`);
  assert.equal(r.emuStatus, r.nativeStatus, `${what}: exit status native ${r.nativeStatus} emulated ${r.emuStatus}: ${r.emuStderr}`);
  assert.equal(r.nativeStatus, 0, `${what}: the program itself failed natively`);
  assert.equal(r.records, r.cases.length, `${what}: ${r.records} of ${r.cases.length} cases ran`);
  total += r.records;
}

function batch(t: import('node:test').TestContext, name: string, cases: Case[]): void {
  if (!ready(t)) return;
  check(runBatch(cases, name), name);
}

test('shl shr sar rol ror rcl rcr: all sizes, counts 0/1/width/masked, %cl, memory', (t) => batch(t, 'shift', shiftCases()));
test('shld shrd: 16/32/64-bit, counts up to and past the width', (t) => batch(t, 'dshift', doubleShiftCases()));
test('mul imul (1, 2, 3 operands): high halves and overflow flags', (t) => batch(t, 'mul', mulCases()));
test('div idiv: edge dividends and divisors, quotient at the limits, negative remainders', (t) => batch(t, 'div', divCases()));
test('bt bts btr btc: register and memory bit bases, offsets beyond the operand, negative', (t) => batch(t, 'bt', btCases()));
test('bsf bsr: zero and non-zero sources, register and memory', (t) => batch(t, 'scan', scanCases()));
test('movs stos lods cmps scas: sizes, rep/repe/repne, counts 0/1/n, DF=1, 32-bit addressing', (t) => batch(t, 'string', stringCases()));
test('xadd cmpxchg cmpxchg8b cmpxchg16b (with lock)', (t) => batch(t, 'atomic', atomicCases()));
test('enter (nesting levels), xlat, leave', (t) => batch(t, 'misc', miscCases()));
test('add adc sub sbb cmp and or xor test inc dec neg not: sizes, memory, immediates', (t) => batch(t, 'alu', aluCases()));
test('mov movzx movsx movsxd lea xchg push pop cbw..cqo bswap cmovcc setcc', (t) => batch(t, 'move', moveCases()));
test('clc stc cmc cld std lahf sahf pushf popf (64 and 16 bits)', (t) => batch(t, 'flags', flagCases()));
test('jcc loop loope loopne jrcxz jecxz call', (t) => batch(t, 'branch', branchCases()));

test('rep bsf / rep bsr execute as bsf / bsr (CPUID reports neither BMI1 nor LZCNT)', (t) => {
  if (!ready(t)) return;
  const [native, emulated] = repScanPairs();
  const r = runBatch(native, 'repscan', emulated);
  check(r, 'rep bsf/bsr against the host bsf/bsr');
});

test('seeded random cases for every family (a few thousand)', (t) => {
  if (!ready(t)) return;
  const gens: [string, (r: Rng, n: number) => Case[], number][] = [
    ['shift', randomShiftCases, 1200], ['muldiv', randomMulDivCases, 1000], ['bits', randomBitCases, 700],
    ['string', randomStringCases, 600], ['atomic', randomAtomicCases, 400], ['core', randomCoreCases, 1500],
  ];
  gens.forEach(([name, gen, n], k) => check(runBatch(gen(new Rng(SEED + k), n), `random-${name}`), `random ${name} (seed ${SEED + k})`));
});

test('regressions: behaviours the comparisons once caught', (t) => batch(t, 'regress', [
  // a masked count of 0 still writes a 32-bit register destination (upper half cleared)
  { asm: 'shll $0, %ebx', regs: { rbx: 0xdeadbeef00000001n }, flags: 0x8d5 },
  { asm: 'rorl %cl, %edx', regs: { rdx: 0xdeadbeef80000001n, rcx: 32n } },
  { asm: 'shrdl $0, %esi, %edi', regs: { rdi: 0xffffffff12345678n } },
  // shifts set AF; shr by more than 1 clears OF
  { asm: 'shrb $3, %bl', regs: { rbx: 0x80n }, flags: 0x800 },
  // 16-bit shld/shrd by 17..31 rotate the source
  { asm: 'shldw $26, %si, %di', regs: { rsi: 0xa5c3n, rdi: 0x8e71n } },
  { asm: 'shrdw $19, %si, %di', regs: { rsi: 0xa5c3n, rdi: 0x8e71n } },
  { asm: 'shldw $16, %si, %di', regs: { rsi: 0xa5c3n, rdi: 0x8e71n } },
  // mul keeps SF ZF AF PF; div sets AF and clears SF ZF PF
  { asm: 'mulb %bl', regs: { rax: 0x7fn, rbx: 0x80n }, flags: 0xd4 },
  { asm: 'divb %bl', regs: { rax: 0x100n, rbx: 3n }, flags: 0x8c5 },
  // bsf/bsr: PF from the index; a zero source keeps the whole 64-bit destination
  { asm: 'bsfl %ecx, %edi', regs: { rcx: 0xdeadbeef00000000n, rdi: 0x0123456789abcdefn }, flags: 0x8d5 },
  { asm: 'bsrq %rcx, %rdi', regs: { rcx: 6n }, flags: 0x8d5 },
  // cmpxchg that fails does not write a register destination
  { asm: 'cmpxchgl %esi, %edi', regs: { rax: 1n, rdi: 0xdeadbeef00000000n } },
  // lea wraps modulo 2^64 (was computed through a double)
  { asm: 'lea 8(%rax,%rbx,4), %rcx', regs: { rax: 0x7fffffffffffffffn, rbx: 3n } },
  // popfw, enter's operand size
  { asm: 'mov $0x8c0, %ecx; pushw %cx; popfw' },
  { asm: 'enter $16, $2', regs: { rsp: 'mem+96', rbp: 'mem+120' } },
]));

test('divide errors: SIGFPE (exit 136) natively and emulated, at the dividing instruction', (t) => {
  if (!ready(t)) return;
  for (const [name, cases] of faultPrograms()) {
    const last = cases[cases.length - 1];
    const withLabel = [...cases.slice(0, -1), { ...last, asm: `fault_here: ${last.asm}` }];
    const r = runBatch(withLabel, name);
    assert.equal(r.mismatches.length, 0, `${name}: ${r.mismatches.join('\n')}`);
    assert.equal(r.nativeStatus, 136, `${name}: native status`);
    assert.equal(r.emuStatus, 136, `${name}: emulated status (${r.emuStderr})`);
    assert.equal(r.records, cases.length - 1, `${name}: the cases before the fault ran`);
    const at = symbolAddress(r.exe, 'fault_here');
    assert.equal(r.emuStderr.trim(), `guest killed by SIGFPE at 0x${at.toString(16)}`, name);
    total += r.records;
  }
});

test('cmpxchg16b on a misaligned operand: #GP -> SIGSEGV (exit 139) natively and emulated', (t) => {
  if (!ready(t)) return;
  const r = runBatch([{ asm: 'nop' }, { asm: 'fault_here: lock cmpxchg16b mem+8' }], 'cx16-misaligned');
  assert.equal(r.nativeStatus, 139);
  assert.equal(r.emuStatus, 139, r.emuStderr);
  assert.equal(r.records, 1);
  assert.equal(r.emuStderr.trim(), `guest killed by SIGSEGV at 0x${symbolAddress(r.exe, 'fault_here').toString(16)} (address 0x0)`);
});

test('a null dereference: "guest killed by SIGSEGV at 0x... (address 0x0)", exit 139 like the host', (t) => {
  if (!ready(t)) return;
  const exe = buildAsm('  .globl _start\n_start:\n  xor %eax, %eax\nbad:\n  mov (%rax), %rbx\n  mov $60, %eax\n  syscall\n', 'null');
  const n = runNative(exe), e = runEmu(exe);
  assert.equal(exitCode(n), 139);
  assert.equal(exitCode(e), 139);
  assert.equal(e.stderr.trim(), `guest killed by SIGSEGV at 0x${symbolAddress(exe, 'bad').toString(16)} (address 0x0)`);
});

test('an unimplemented instruction: SIGILL (exit 132) with a message naming it', (t) => {
  if (!ready(t)) return;
  const exe = buildAsm('  .globl _start\n_start:\n  vaddps %ymm0, %ymm1, %ymm2\n  mov $60, %eax\n  xor %edi, %edi\n  syscall\n', 'avx');
  const e = runEmu(exe);
  assert.equal(exitCode(e), 132);
  assert.match(e.stderr, /^guest killed by SIGILL at 0x[0-9a-f]+: instruction not implemented: vaddps %ymm0,%ymm1,%ymm2 \(c5 f4 58 d0\)\n$/);
  assert.doesNotMatch(e.stderr, /at .*\.js|Error:/, 'no JavaScript stack');
});

test('C programs with integer builtins, __int128, strtol, printf, qsort: gcc -O2/-Os and musl, output equals native', (t) => {
  if (!ready(t) || !need(t, have('gcc'), 'gcc not installed')) return;
  const src = fs.readFileSync(path.join(ROOT, 'test', 'diffgen', 'ints.c'), 'utf8');
  const builds: [string, string, string[]][] = [['gcc', 'ints-O2', ['-O2', '-static']], ['gcc', 'ints-Os', ['-Os', '-static']]];
  if (have('musl-gcc')) builds.push(['musl-gcc', 'ints-musl', ['-O2', '-static']]);
  for (const [cc, name, flags] of builds) {
    const exe = buildC(src, name, { cc, flags });
    const n = runNative(exe), e = runEmu(exe);
    assert.equal(exitCode(n), 7, `${name}: native status`);
    assert.equal(exitCode(e), 7, `${name}: emulated status (${e.stderr.trim()})`);
    assert.equal(e.stdout, n.stdout, name);
    assert.match(n.stdout, /^hash [0-9a-f]{16}\n/);
  }
});

// ---- rep semantics the host cannot show us without a debugger: checked in-process -------------------

function quietStdio(): Stdio {
  return { read: () => new Uint8Array(0), write: () => {}, isatty: () => false };
}

test('under the trap flag a rep string instruction runs one iteration per step, rip staying on it', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  const exe = buildAsm(`  .globl _start
_start:
  lea src(%rip), %rsi
  lea dst(%rip), %rdi
  mov $4, %ecx
  pushfq
  orq $0x100, (%rsp)
  popfq
rep_insn:
  rep movsb
after:
  pushfq
  andq $~0x100, (%rsp)
  popfq
  mov $60, %eax
  xor %edi, %edi
  syscall
  .data
src: .ascii "abcd"
dst: .skip 4
`, 'tf-rep');
  const p = new Process({ program: exe, stdio: quietStdio() });
  const trapped: { rip: number; rcx: number; rsi: number }[] = [];
  p.cpu.addDieNotifier((cpu, ev) => {
    if (ev !== DIE_DEBUG) return 0;
    trapped.push({ rip: cpu.rip, rcx: cpu.get(RCX), rsi: cpu.get(RSI) });
    return NOTIFY_STOP;
  });
  p.start();
  assert.equal(p.run(100000), true);
  assert.equal(p.exit?.status, 0);
  const repAt = symbolAddress(exe, 'rep_insn'), after = symbolAddress(exe, 'after');
  const src = symbolAddress(exe, 'src');
  // One #DB per iteration: three with rip back on the instruction, the last one past it.
  assert.deepEqual(trapped.slice(0, 4), [
    { rip: repAt, rcx: 3, rsi: src + 1 }, { rip: repAt, rcx: 2, rsi: src + 2 },
    { rip: repAt, rcx: 1, rsi: src + 3 }, { rip: after, rcx: 0, rsi: src + 4 },
  ]);
  assert.equal(Buffer.from(p.mem.readBytes(symbolAddress(exe, 'dst'), 4)).toString(), 'abcd');
});

test('a fault in the middle of rep stos leaves the registers of the completed iterations', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // A page mapped at 0x10000000 and nothing after it: the 7th byte faults.
  const exe = buildAsm(`  .globl _start
_start:
  mov $9, %eax
  mov $0x10000000, %edi
  mov $4096, %esi
  mov $3, %edx
  mov $0x32, %r10d
  mov $-1, %r8
  xor %r9d, %r9d
  syscall
  mov $0x10000ffa, %edi
  mov $10, %ecx
  mov $0x41, %eax
  cld
rep_insn:
  rep stosb
  mov $60, %eax
  xor %edi, %edi
  syscall
`, 'rep-fault');
  const native = runNative(exe);
  assert.equal(exitCode(native), 139, 'natively the store into the unmapped page faults');
  const p = new Process({ program: exe, stdio: quietStdio() });
  p.start();
  assert.equal(p.run(100000), true);
  assert.equal(p.exit?.signal, SIGSEGV);
  assert.equal(p.exit?.message, `guest killed by SIGSEGV at 0x${symbolAddress(exe, 'rep_insn').toString(16)} (address 0x10001000)`);
  assert.equal(p.cpu.rip, symbolAddress(exe, 'rep_insn'));
  assert.equal(p.cpu.get(RCX), 4, 'six iterations completed');
  assert.equal(p.cpu.get(RDI), 0x10001000);
  assert.deepEqual([...p.mem.readBytes(0x10000ffa, 6)], [0x41, 0x41, 0x41, 0x41, 0x41, 0x41]);
  // and through the CLI the same one-line report and status as the host
  const e = runEmu(exe);
  assert.equal(exitCode(e), 139);
  assert.equal(e.stderr.trim(), p.exit?.message);
});

test('summary', () => { console.log(`# differential integer cases compared with the host: ${total}`); });
