// The block compiler's scalar forms (jit/emit-shift.ts, emit-scalar.ts, emit-mul.ts): shifts and rotates
// by %cl, shld/shrd by an immediate and by %cl, bsf bsr tzcnt lzcnt, bt bts btr btc, div idiv.
//
// Each program loops over thousands of rounds of xorshift64 inputs (kept in registers) and runs every
// form under test with the flags set just before by one of several kinds of instruction (a lazy
// add/sub/logic/inc, an eager bit test, a popfq), so that a count of 0 must keep each kind of flag
// state. After each instruction it records RFLAGS (pushfq, run out of line: the flags as stored), the
// eight flag conditions read by compiled setcc (the flags as the block's locals hold them), and the
// results. The records must equal the native run's byte for byte, and the interpreter's (UL_JIT=0);
// the compiled run also goes through the lockstep check against the interpreter after every block, and
// every instruction under test must be one the compiler takes (not run out of line).

import { test, TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { buildAsm, runNative, runEmu, need, have, exitCode, RunResult } from './util';
import { lockstep } from './lockstep';
import { ElfFile } from '../engine/elf/elf';
import { decodeInsn, disassemble } from '../engine/cpu/decode';
import { lookupHandler } from '../engine/cpu/ops';
import '../engine/cpu/families';
import '../engine/cpu/jit/compile';
import { emitterFor } from '../engine/cpu/jit/emitters';
import { Mnemonic } from 'iced-x86';

const REC = 32;

/** One xorshift64 step of r15 (rax is scratch), the new value copied to `dst`. */
function rnd(dst: string): string[] {
  return ['mov %r15, %rax', 'shl $13, %rax', 'xor %rax, %r15', 'mov %r15, %rax', 'shr $7, %rax', 'xor %rax, %r15',
    'mov %r15, %rax', 'shl $17, %rax', 'xor %rax, %r15', `mov %r15, ${dst}`];
}

/**
 * The flag state before an instruction under test, from r8 and r9 (random each round): lazy kinds of
 * both sizes, an eager CF over a lazy state, inc (keeps CF), and RFLAGS loaded by popfq.
 */
const SETTERS = [
  'cmp %r8, %r9',
  'mov %r9, %r10; add %r8, %r10',
  'test %r8d, %r9d',
  'mov %r9, %r10; and $0x8d5, %r10; push %r10; popfq',
  'cmp %r8d, %r9d',
  'mov %r9, %r10; sub %r8, %r10; bt $3, %r8',
  'mov %r9, %r10; inc %r10',
  'mov %r9d, %r10d; neg %r10d',
];

interface Inst {
  /** Lines before the flag setter (operand set-up). */
  pre: string[];
  /** The instruction under test (emulated program; `nat` overrides it natively). */
  insn: string;
  nat?: string;
  /** Two 64-bit values to record (registers or memory operands). */
  out: [string, string];
  /** Lines between the instruction and the record (a later flag writer: the instruction's flags dead). */
  post?: string[];
}

/** The record of instance n: flags (with n in the upper half), the eight conditions, two values. */
function record(n: number, out: [string, string]): string[] {
  const l = ['seto 8(%rdi)', 'setc 9(%rdi)', 'setz 10(%rdi)', 'sets 11(%rdi)', 'setp 12(%rdi)', 'setbe 13(%rdi)',
    'setl 14(%rdi)', 'setle 15(%rdi)', 'pushfq', 'popq (%rdi)', `movl $${n}, 4(%rdi)`];
  out.forEach((v, k) => {
    if (v.startsWith('%')) l.push(`mov ${v}, ${16 + 8 * k}(%rdi)`);
    else l.push(`mov ${v}, %rax`, `mov %rax, ${16 + 8 * k}(%rdi)`);
  });
  l.push(`add $${REC}, %rdi`);
  return l;
}

/** A SIGFPE handler (SA_SIGINFO) that records the signal and resumes at r13. */
const FPE_HANDLER = `fpe:
  # rsi = siginfo, rdx = ucontext (uc_mcontext gregs at 40: r8..r15 rdi rsi rbp rbx rdx rax rcx rsp rip)
  mov 104(%rdx), %rax      # the interrupted rdi: the output pointer
  movl (%rsi), %ecx        # si_signo
  mov %ecx, (%rax)
  movl $0xffffffff, 4(%rax)
  movslq 8(%rsi), %rcx     # si_code
  mov %rcx, 8(%rax)
  mov 16(%rsi), %rcx       # si_addr
  mov %rcx, 16(%rax)
  mov 168(%rdx), %rcx      # rip
  mov %rcx, 24(%rax)
  addq $${REC}, 104(%rdx)
  mov 80(%rdx), %rcx       # resume at the interrupted r13
  mov %rcx, 168(%rdx)
  ret
restorer:
  mov $15, %eax
  syscall
`;

/**
 * The program: `rounds` rounds of `draw` (random inputs), then each instance with a flag setter
 * before it and its record after; the records written to stdout at the end. `native` picks the
 * instructions the host runs (see Inst.nat).
 */
function program(insts: Inst[], draw: string[], rounds: number, native: boolean, opts: { fpe?: boolean } = {}): string {
  const body: string[] = [];
  insts.forEach((x, n) => {
    body.push(`# instance ${n}: ${x.insn}`, ...x.pre, 'lea 9f(%rip), %r13', ...SETTERS[n % SETTERS.length].split('; '),
      native && x.nat ? x.nat : x.insn, '9:', ...(x.post ?? []), ...record(n, x.out));
  });
  const perRound = insts.length * REC * (opts.fpe ? 2 : 1);
  const install = opts.fpe ? ['mov $13, %eax', 'mov $8, %edi', 'lea act(%rip), %rsi', 'xor %edx, %edx', 'mov $8, %r10d', 'syscall'] : [];
  return [
    '  .globl _start', '_start:', ...install,
    'lea outbuf(%rip), %rdi', 'movabs $0x9e3779b97f4a7c15, %r15', `mov $${rounds}, %r14d`,
    'top:', ...draw, 't_begin:', ...body, 't_end:', 'dec %r14d', 'jnz top',
    // write(1, outbuf, rdi - outbuf), looping over short writes; exit(0)
    'lea outbuf(%rip), %rsi', 'mov %rdi, %r12', 'sub %rsi, %r12',
    '2:', 'mov $1, %eax', 'mov $1, %edi', 'mov %r12, %rdx', 'syscall', 'test %rax, %rax', 'jle 3f', 'add %rax, %rsi',
    'sub %rax, %r12', 'jnz 2b', '3:', 'mov $60, %eax', 'xor %edi, %edi', 'syscall',
    opts.fpe ? FPE_HANDLER : '',
    '  .data', '  .balign 8',
    ...(opts.fpe ? ['act: .quad fpe, 0x04000004, restorer, 0'] : []),
    // shift counts: the edges, then others (a round takes one, or a random byte)
    'counts: .byte 0, 1, 2, 31, 32, 33, 63, 64, 65, 95, 96, 127, 128, 255, 30, 34, 7, 8, 15, 16, 17, 24, 47, 48, 62, 97, 129, 160, 191, 192, 223, 224',
    'mem: .quad 0', 'mem2: .quad 0',
    '  .bss', '  .balign 64', `outbuf: .space ${rounds * perRound + 64}`, '',
  ].map(l => /^\s|:$/.test(l) || l.includes('\n') || l === '' ? l : `  ${l}`).join('\n') + '\n';
}

/** Describe the first difference between two record streams (instance, asm, fields). */
function firstDiff(a: Buffer, b: Buffer, insts: Inst[]): string {
  const n = Math.min(a.length, b.length);
  let k = 0;
  while (k < n && a[k] === b[k]) k++;
  if (k === n && a.length === b.length) return '';
  const r = Math.floor(k / REC) * REC;
  const show = (x: Buffer) => x.length >= r + REC ? `flags=${x.readUInt32LE(r).toString(16)} cc=${x.subarray(r + 8, r + 16).toString('hex')} v1=${x.readBigUInt64LE(r + 16).toString(16)} v2=${x.readBigUInt64LE(r + 24).toString(16)}` : '(ends)';
  const id = a.length >= r + 8 ? a.readUInt32LE(r + 4) : -1;
  const what = id === 0xffffffff ? 'the SIGFPE record' : `instance ${id}: ${insts[id]?.insn}`;
  return `record ${r / REC} (${what}) differs at byte ${k % REC} (lengths ${a.length}, ${b.length})\n  A: ${show(a)}\n  B: ${show(b)}`;
}

/** Instructions in [t_begin, t_end) with one of these mnemonics that the block compiler does not take. */
function outOfLine(exe: string, mnemonics: number[]): string[] {
  const d = fs.readFileSync(exe);
  const elf = ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), exe);
  const from = elf.symbol('t_begin')!.value, to = elf.symbol('t_end')!.value;
  const off = elf.vaddrToFileOffset(from)!;
  const code = new Uint8Array(d.buffer, d.byteOffset + off, to - from);
  const bad: string[] = [];
  let seen = 0;
  for (let at = 0; at < code.length;) {
    const i = decodeInsn(code.subarray(at, at + 15), from + at, lookupHandler, () => {});
    assert.ok(i, `decodes at ${(from + at).toString(16)}`);
    if (mnemonics.includes(i.mnemonic)) {
      seen++;
      if (!emitterFor(i.mnemonic)?.flags(i)) bad.push(disassemble(code.subarray(at, at + 15), from + at)[0]);
    }
    at += i.len;
  }
  assert.ok(seen > 0, 'found the instructions under test');
  return bad;
}

/**
 * Build, run natively, compiled (every block compiled at once) and interpreted; the three record streams
 * must agree. Then the lockstep check, and the compiled-forms check.
 */
function check(name: string, insts: Inst[], draw: string[], rounds: number, mnemonics: number[],
  opts: { fpe?: boolean; minFaults?: number } = {}): void {
  const differs = insts.some(x => x.nat);
  const exe = buildAsm(program(insts, draw, rounds, true, opts), name);
  const emuExe = differs ? buildAsm(program(insts, draw, rounds, false, opts), `${name}-emu`) : exe;
  const n = runNative(exe);
  assert.equal(exitCode(n), 0, `native run: ${n.stderr}`);
  const nat = Buffer.from(n.stdout, 'latin1');
  assert.ok(nat.length >= rounds * insts.length * REC, 'every record written');
  if (opts.minFaults !== undefined) {
    let faults = 0;
    for (let r = 0; r < nat.length; r += REC) if (nat.readUInt32LE(r + 4) === 0xffffffff) faults++;
    assert.ok(faults >= opts.minFaults, `${faults} #DE records natively`);
  }
  const runs: [string, RunResult][] = [['compiled', runEmu(emuExe, [], undefined, ['-v'])], ['interpreted', runEmu(emuExe, [], undefined, [], { UL_JIT: '0' })]];
  for (const [how, e] of runs) {
    assert.equal(e.status, 0, `${how}: ${e.stderr.slice(-2000)}`);
    const diff = firstDiff(nat, Buffer.from(e.stdout, 'latin1'), insts);
    assert.equal(diff, '', `${how} run against the host (A = native, B = emulated): ${diff}`);
  }
  assert.match(runs[0][1].stderr, /[1-9]\d* blocks compiled/);
  const ls = lockstep(emuExe, [emuExe], { maxInsns: 400_000 });
  assert.equal(ls.mismatch, undefined, ls.mismatch);
  assert.deepEqual(outOfLine(emuExe, mnemonics), [], 'instructions under test run out of line');
}

const skip = (t: TestContext) => need(t, have('as') && have('ld'), 'binutils (as, ld) not installed');

// ---- shifts and rotates by %cl --------------------------------------------------------------------

/** Per round: rbx the value, rsi a second source, r8 r9 for the setters, cl a count (an edge or random). */
const SHIFT_DRAW = [
  ...rnd('%rbx'), ...rnd('%rsi'), ...rnd('%r8'), ...rnd('%r9'), ...rnd('%rbp'),
  // every fourth round a value with a clear upper or lower half, so that results and CF are 0 more often
  'mov %rbx, %rax', 'shr $40, %rax', 'test $0x600, %ebp', 'cmovz %rax, %rbx',
  'mov %rbx, %rax', 'shl $36, %rax', 'mov %ebp, %edx', 'and $0x600, %edx', 'cmp $0x600, %edx', 'cmove %rax, %rbx',
  'mov %r14d, %eax', 'and $31, %eax', 'lea counts(%rip), %rcx', 'movzbl (%rcx,%rax), %ecx',
  'test $0x100, %ebp', 'cmovnz %ebp, %ecx',
];

test('compiled shifts and rotates by %cl agree with the host and the interpreter (flags included)', (t) => {
  if (!skip(t)) return;
  const insts: Inst[] = [];
  for (const op of ['shl', 'shr', 'sar', 'rol', 'ror']) {
    insts.push({ pre: ['mov %rbx, %rdx'], insn: `${op} %cl, %rdx`, out: ['%rdx', '%rcx'] });
    insts.push({ pre: ['mov %rbx, %rdx'], insn: `${op} %cl, %edx`, out: ['%rdx', '%rcx'] });
    insts.push({ pre: ['mov %rbx, mem(%rip)'], insn: `${op}q %cl, mem(%rip)`, out: ['mem(%rip)', '%rcx'] });
    insts.push({ pre: ['mov %rbx, mem(%rip)'], insn: `${op}l %cl, mem(%rip)`, out: ['mem(%rip)', '%rcx'] });
  }
  // Flags dead after the shift (a later add overwrites them); last, the count register shifted itself.
  insts.push({ pre: ['mov %rbx, %rdx'], insn: 'sar %cl, %rdx', out: ['%rdx', '%r10'], post: ['mov %r8, %r10', 'add %r9, %r10'] });
  insts.push({ pre: ['mov %rbx, %rdx'], insn: 'shr %cl, %edx', out: ['%rdx', '%r10'], post: ['mov %r8, %r10', 'add %r9, %r10'] });
  insts.push({ pre: ['mov %rcx, %rdx', 'mov %rbx, %rcx', 'mov %dl, %cl'], insn: 'shl %cl, %rcx', out: ['%rcx', '%rdx'] });
  check('shift-cl', insts, SHIFT_DRAW, 3000, [Mnemonic.Shl, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Rol, Mnemonic.Ror]);
});

test('compiled shld and shrd by an immediate and by %cl agree with the host and the interpreter', (t) => {
  if (!skip(t)) return;
  const insts: Inst[] = [];
  for (const op of ['shld', 'shrd']) {
    for (const [r, s, q] of [['%rdx', '%rsi', 'q'], ['%edx', '%esi', 'l']]) {
      insts.push({ pre: ['mov %rbx, %rdx'], insn: `${op} %cl, ${s}, ${r}`, out: ['%rdx', '%rcx'] });
      insts.push({ pre: ['mov %rbx, mem(%rip)'], insn: `${op}${q} %cl, ${s}, mem(%rip)`, out: ['mem(%rip)', '%rcx'] });
      for (const c of [0, 1, 5, 16, 31, 32, 33, 63, 64, 65, 127, 255]) {
        insts.push({ pre: ['mov %rbx, %rdx'], insn: `${op} $${c}, ${s}, ${r}`, out: ['%rdx', '%rsi'] });
      }
      for (const c of [0, 1, 32, 45]) {
        insts.push({ pre: ['mov %rbx, mem(%rip)'], insn: `${op}${q} $${c}, ${s}, mem(%rip)`, out: ['mem(%rip)', '%rsi'] });
      }
    }
    // The source is the destination; the flags dead afterwards.
    insts.push({ pre: ['mov %rbx, %rdx'], insn: `${op} %cl, %rdx, %rdx`, out: ['%rdx', '%rcx'] });
    insts.push({ pre: ['mov %rbx, %rdx'], insn: `${op} %cl, %rsi, %rdx`, out: ['%rdx', '%r10'], post: ['mov %r8, %r10', 'sub %r9, %r10'] });
  }
  check('shld-shrd', insts, SHIFT_DRAW, 2000, [Mnemonic.Shld, Mnemonic.Shrd]);
});

// ---- bit scans and bit tests --------------------------------------------------------------------

/** Per round: rsi a source with few or no set bits in some halves (and 0 one round in eight), rbx the old destination. */
const SCAN_DRAW = [
  ...rnd('%rsi'), ...rnd('%rbx'), ...rnd('%r8'), ...rnd('%r9'), ...rnd('%rbp'),
  'mov %ebp, %ecx', 'test $0x40, %ebp', 'jz 1f', 'shr %cl, %rsi', 'jmp 2f', '1:', 'shl %cl, %rsi', '2:',
  'mov %rsi, %rax', 'and %r8, %rax', 'and %r9, %rax', 'test $0x80, %ebp', 'cmovz %rax, %rsi',
  'xor %eax, %eax', 'test $0x700, %ebp', 'cmovz %rax, %rsi',
  'mov %rsi, mem(%rip)',
];

function scanInsts(ops: [string, string][]): Inst[] {
  const insts: Inst[] = [];
  for (const [emu, nat] of ops) {
    for (const [d, s, m] of [['%rdx', '%rsi', 'mem(%rip)'], ['%edx', '%esi', 'mem(%rip)'], ['%dx', '%si', 'mem(%rip)']]) {
      insts.push({ pre: ['mov %rbx, %rdx'], insn: `${emu} ${s}, ${d}`, nat: `${nat} ${s}, ${d}`, out: ['%rdx', '%rsi'] });
      insts.push({ pre: ['mov %rbx, %rdx'], insn: `${emu} ${m}, ${d}`, nat: `${nat} ${m}, ${d}`, out: ['%rdx', '%rsi'] });
    }
    // The source is the destination; the flags dead afterwards.
    insts.push({ pre: ['mov %rsi, %rdx'], insn: `${emu} %rdx, %rdx`, nat: `${nat} %rdx, %rdx`, out: ['%rdx', '%rsi'] });
    insts.push({ pre: ['mov %rbx, %rdx'], insn: `${emu} %esi, %edx`, nat: `${nat} %esi, %edx`, out: ['%rdx', '%r10'], post: ['mov %r8, %r10', 'add %r9, %r10'] });
  }
  return insts;
}

test('compiled bsf and bsr agree with the host and the interpreter (zero sources included)', (t) => {
  if (!skip(t)) return;
  check('bitscan', scanInsts([['bsf', 'bsf'], ['bsr', 'bsr']]), SCAN_DRAW, 3000, [Mnemonic.Bsf, Mnemonic.Bsr]);
});

test('compiled tzcnt and lzcnt run as bsf and bsr (CPUID has neither BMI1 nor LZCNT): the host\'s bsf/bsr is the oracle', (t) => {
  if (!skip(t)) return;
  // The host has the features and would count zeros: natively the same program runs plain bsf/bsr.
  check('tzcnt', scanInsts([['tzcnt', 'bsf'], ['lzcnt', 'bsr']]), SCAN_DRAW, 3000, [Mnemonic.Tzcnt, Mnemonic.Lzcnt]);
});

/** Per round: rbx a value, rcx a bit index (random, small, or negative). */
const BT_DRAW = [
  ...rnd('%rbx'), ...rnd('%rcx'), ...rnd('%r8'), ...rnd('%r9'), ...rnd('%rbp'),
  'mov %rcx, %rax', 'and $127, %eax', 'test $0x10, %ebp', 'cmovz %rax, %rcx',
  'mov %rcx, %rax', 'or $-64, %rax', 'test $0x20, %ebp', 'cmovz %rax, %rcx',
];

test('compiled bt bts btr btc (immediate index, register index on a register) agree with the host and the interpreter', (t) => {
  if (!skip(t)) return;
  const insts: Inst[] = [];
  for (const op of ['bt', 'bts', 'btr', 'btc']) {
    for (const [d, x, q, bits] of [['%rdx', '%rcx', 'q', 64], ['%edx', '%ecx', 'l', 32], ['%dx', '%cx', 'w', 16]] as [string, string, string, number][]) {
      insts.push({ pre: ['mov %rbx, %rdx'], insn: `${op} ${x}, ${d}`, out: ['%rdx', '%rcx'] });
      for (const k of [0, 1, 15, 16, 31, 32, 33, 63, 64, 100, 255]) {
        if (k >= bits && k !== 64 && k !== 255) continue;
        insts.push({ pre: ['mov %rbx, %rdx'], insn: `${op}${q} $${k}, ${d}`, out: ['%rdx', '%rcx'] });
      }
      for (const k of [0, 7, bits - 1, bits + 3]) {
        insts.push({ pre: ['mov %rbx, mem(%rip)'], insn: `${op}${q} $${k}, mem(%rip)`, out: ['mem(%rip)', '%rcx'] });
      }
    }
    // The index is the base; the flags dead afterwards.
    insts.push({ pre: ['mov %rbx, %rdx'], insn: `${op} %rdx, %rdx`, out: ['%rdx', '%rcx'] });
    insts.push({ pre: ['mov %rbx, %rdx'], insn: `${op} %rcx, %rdx`, out: ['%rdx', '%r10'], post: ['mov %r8, %r10', 'add %r9, %r10'] });
  }
  check('bittest', insts, BT_DRAW, 2000, [Mnemonic.Bt, Mnemonic.Bts, Mnemonic.Btr, Mnemonic.Btc]);
});

// ---- division ---------------------------------------------------------------------------------------

/**
 * Per round: rcx a divisor of any magnitude (0 one round in 32), and for each signedness a dividend
 * rdx:rax that fits most rounds but not all: unsigned r11:rsi with r11 < rcx mostly; signed r12:rbx as
 * rbx sign-extended mostly, a random high half sometimes. Now and then the edges: -2^63 / -1 (#DE),
 * -2^63 / 1 (the most negative quotient), the same for 32 bits, and a high half equal to the divisor.
 */
const DIV_DRAW = [
  ...rnd('%rcx'), ...rnd('%rsi'), ...rnd('%rbx'), ...rnd('%r8'), ...rnd('%r9'), ...rnd('%rbp'),
  'mov %rcx, %rdx', 'mov %ebp, %ecx', 'sar %cl, %rdx', 'mov %rdx, %rcx',
  'xor %eax, %eax', 'test $0x1f00, %ebp', 'cmovz %rax, %rcx',
  'mov %rcx, %r11', 'shr $1, %r11', 'and %r9, %r11', 'test $0xe000, %ebp', 'cmovz %r9, %r11',
  'mov %rbx, %r12', 'sar $63, %r12', 'mov %r8, %rax', 'sar $33, %rax', 'test $0x70000, %ebp', 'cmovz %rax, %r12',
  'movabs $0x8000000000000000, %rax', 'mov $-1, %rdx', 'test $0x3f80000, %ebp', 'cmovz %rax, %rbx', 'cmovz %rdx, %r12', 'cmovz %rdx, %rcx',
  'mov $1, %r10d', 'test $0x3f80000, %r9d', 'cmovz %rax, %rbx', 'cmovz %rdx, %r12', 'cmovz %r10, %rcx',
  'mov $-0x80000000, %rax', 'test $0x3f80000, %r8d', 'cmovz %rax, %rbx', 'cmovz %rdx, %r12', 'cmovz %rdx, %rcx',
  'test $0x3f80000, %esi', 'cmovz %rax, %rbx', 'cmovz %rdx, %r12', 'cmovz %r10, %rcx',
  'test $0x7f0, %esi', 'cmovz %rcx, %r11',
  'mov %rcx, mem(%rip)',
  // the 32-bit forms: edx:eax signed is ebx sign-extended (cdq) unless r12's low half is taken
  'mov %ebx, %eax', 'cltd', 'test $0x70000, %ebp', 'cmovz %r12d, %edx', 'mov %edx, mem2(%rip)',
  'mov %ecx, %eax', 'shr $1, %eax', 'and %r9d, %eax', 'test $0xe000, %ebp', 'cmovz %r9d, %eax',
  'test $0x7f0, %esi', 'cmovz %ecx, %eax', 'mov %eax, mem2+4(%rip)',
];

test('compiled div and idiv (32 and 64 bits, register and memory divisors) agree with the host, #DE included', (t) => {
  if (!skip(t)) return;
  const insts: Inst[] = [];
  // mem2: the 32-bit signed high half, then the 32-bit unsigned one.
  for (const d of ['%rcx', 'mem(%rip)']) {
    const q = d.startsWith('%') ? '' : 'q';
    insts.push({ pre: ['mov %rsi, %rax', 'mov %r11, %rdx'], insn: `div${q} ${d}`, out: ['%rax', '%rdx'] });
    insts.push({ pre: ['mov %rbx, %rax', 'mov %r12, %rdx'], insn: `idiv${q} ${d}`, out: ['%rax', '%rdx'] });
  }
  for (const d of ['%ecx', 'mem(%rip)']) {
    const q = d.startsWith('%') ? '' : 'l';
    insts.push({ pre: ['mov %rsi, %rax', 'mov mem2+4(%rip), %edx', 'mov $-1, %r10', 'shl $32, %r10', 'or %r10, %rdx'], insn: `div${q} ${d}`, out: ['%rax', '%rdx'] });
    insts.push({ pre: ['mov %rbx, %rax', 'mov mem2(%rip), %edx'], insn: `idiv${q} ${d}`, out: ['%rax', '%rdx'] });
  }
  // The divisor is the dividend's low or high half; the flags dead afterwards.
  insts.push({ pre: ['mov %rsi, %rax', 'mov %rax, %rdx', 'shr $1, %rdx', 'and %r9, %rdx'], insn: 'div %rax', out: ['%rax', '%rdx'] });
  insts.push({ pre: ['mov %rbx, %rax', 'mov %rsi, %rdx', 'sar $7, %rdx'], insn: 'idiv %rdx', out: ['%rax', '%rdx'] });
  insts.push({ pre: ['mov %rbx, %rax', 'mov %r12, %rdx'], insn: 'idiv %rcx', out: ['%rax', '%rdx'], post: ['mov %r8, %r10', 'add %r9, %r10'] });
  check('divide', insts, DIV_DRAW, 3000, [Mnemonic.Div, Mnemonic.Idiv], { fpe: true, minFaults: 500 });
});

test('#DE from a compiled div without a handler: killed by SIGFPE at the div, as on the host', (t) => {
  if (!skip(t)) return;
  // Each loop runs compiled for thousands of rounds before its last round faults: a divisor counting
  // down to 0, -2^63 / -1, and a 32-bit quotient that does not fit.
  const cases: [string, string, string][] = [
    ['divide by zero', 'mov %r8, %rcx; dec %rcx', 'div %rcx'],
    ['signed overflow', 'mov %r8, %rcx; cmp $1, %r8; jne 4f; mov $-1, %rcx; movabs $0x8000000000000000, %rax; mov $-1, %rdx; 4:', 'idiv %rcx'],
    ['32-bit quotient overflow', 'mov %r8d, %ecx; cmp $1, %r8d; jne 4f; mov $7, %edx; mov $3, %ecx; 4:', 'divl %ecx'],
  ];
  for (const [name, setup, insn] of cases) {
    const exe = buildAsm(`  .globl _start
_start:
  mov $3000, %r8d
1:
  mov $1000000, %eax
  xor %edx, %edx
  ${setup.split('; ').join('\n  ')}
  cmp %r8, %rbx
the_div:
  ${insn}
  add %rax, %rbx
  dec %r8
  jnz 1b
  mov $60, %eax
  xor %edi, %edi
  syscall
`, 'de');
    const d = fs.readFileSync(exe);
    const at = ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), exe).symbol('the_div')!.value;
    const n = runNative(exe), e = runEmu(exe, [], undefined, ['-v']);
    assert.equal(exitCode(n), 136, name);
    assert.equal(e.status, 136, `${name}: ${e.stderr}`);
    assert.match(e.stderr, new RegExp(`guest killed by SIGFPE at 0x${at.toString(16)}\\b`), name);
    assert.match(e.stderr, /[1-9]\d* blocks compiled/, name);
  }
});
