// The block compiler's SSE integer and bitwise operations and its xmm <-> general register / memory
// moves (engine/cpu/jit/emit-sse-int.ts): pxor por pand pandn and the ps/pd twins, pcmpeqb/w/d,
// pmovmskb, the unpacks, pshufd, movd, movq, movsd. A generated program runs every compiled form over
// pseudo-random inputs and writes every result; its output must match the host CPU's and the
// interpreter's (UL_JIT=0) byte for byte, and its blocks must agree with the interpreter's after each
// one (lockstep). A second program makes these forms fault (misaligned m128 operands, unmapped and
// read-only memory, a non-canonical address) inside compiled blocks and reports what the signal
// handler sees. A third check compiles the forms in-process and makes sure none of them is left to its
// interpreter handler.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Mnemonic } from 'iced-x86';
import { buildAsm, runNative, runEmu, need, have, exitCode, tmpDir } from './util';
import { writeOutAndExit } from './diffgen/asmio';
import { lockstep } from './lockstep';
import { decodeInsn } from '../engine/cpu/decode';
import { lookupHandler } from '../engine/cpu/ops';
import '../engine/cpu/families';
import { Block } from '../engine/cpu/block';
import { compileBlock } from '../engine/cpu/jit/compile';
import { emitterFor } from '../engine/cpu/jit/emitters';
import type { Insn } from '../engine/cpu/insn';

const ROUNDS = 2000;

/** The packed xmm, xmm/m128 operations compiled. */
const PACKED = ['pxor', 'por', 'pand', 'pandn', 'xorps', 'xorpd', 'orps', 'orpd', 'andps', 'andpd', 'andnps', 'andnpd',
  'pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'punpcklbw', 'punpckhbw', 'punpcklwd', 'punpckhwd', 'punpckldq', 'punpckhdq',
  'punpcklqdq', 'punpckhqdq'];
/** pshufd orders: broadcasts, reversal, identity, swaps, rotations. */
const SHUF = [0x00, 0x55, 0xaa, 0xff, 0x1b, 0xe4, 0x4e, 0xb1, 0x39, 0x93, 0xd8, 0x27];

/** One compiled form under test: setup lines, the instruction(s), and the lines writing `size` bytes of results at (%rbx). */
interface Case { pre: string[]; op: string[]; out: string[]; size: number }

const X = (x: number) => ({ out: [`  movdqu %xmm${x}, (%rbx)`], size: 16 });
const R = (r: string) => ({ out: [`  mov %${r}, (%rbx)`], size: 8 });
/** A store into (%rbx): its 16 bytes are garbage first, so the output shows exactly what was written. */
const GARBAGE = ['  mov %r13, (%rbx)', '  mov %r13, 8(%rbx)'];
const M = { out: [], size: 16 };
/** A store around pg's page boundary: the 16 bytes there. */
const PG = { out: ['  mov pg+4088(%rip), %rax', '  mov %rax, (%rbx)', '  mov pg+4096(%rip), %rax', '  mov %rax, 8(%rbx)'], size: 16 };

/** Load xmm r from input vector j (inp: v0..v3 random, v4..v7 the same with some bytes changed). */
const ld = (r: number, j: number) => `  movdqa inp+${16 * j}(%rip), %xmm${r}`;
/** A legacy-SSE encoding spelled out (for forms the assembler does not choose by itself). */
const bytes = (...b: (number | number[])[]) => `  .byte ${b.flat().map(x => '0x' + x.toString(16)).join(', ')}`;
/** The REX prefix for W and for registers 8..15 in ModRM.reg (R) and ModRM.rm (B); none when it would be empty. */
const rex = (w: boolean, reg: number, rm: number) => [0x40 | (w ? 8 : 0) | (reg >= 8 ? 4 : 0) | (rm >= 8 ? 1 : 0)].filter(b => b !== 0x40);
const modrm = (mod: number, reg: number, rm: number) => (mod << 6) | ((reg & 7) << 3) | (rm & 7);

/**
 * An m128 operand in a page that nothing has read since it was written (page k of this round's window,
 * rbp): the read TLB misses, and the compiled load takes its slow path.
 */
const FRESH_PAGES = 32;
const fresh = (k: number) => `${4096 * k + 16 * (k % 8)}(%rbp)`;

function cases(): Case[] {
  const cs: Case[] = [];
  PACKED.forEach((op, n) => {
    const d = n % 16, s = (n + 5) % 16, j = n % 4;
    // Related inputs (equal bytes are common), unrelated ones, the same register, and m128 sources
    // rip-relative and through a base register.
    cs.push({ pre: [ld(d, j), ld(s, j + 4)], op: [`  ${op} %xmm${s}, %xmm${d}`], ...X(d) });
    cs.push({ pre: [ld(s, j + 4), ld(d, (j + 1) % 4)], op: [`  ${op} %xmm${d}, %xmm${s}`], ...X(s) });
    cs.push({ pre: [ld(d, j + 4)], op: [`  ${op} %xmm${d}, %xmm${d}`], ...X(d) });
    cs.push({ pre: [ld(s, j)], op: [`  ${op} inp+${16 * (j + 4)}(%rip), %xmm${s}`], ...X(s) });
    cs.push({ pre: [ld(d, j + 4)], op: [`  ${op} ${16 * ((j + 3) % 8)}(%rsi), %xmm${d}`], ...X(d) });
    cs.push({ pre: [ld(s, (j + 2) % 8)], op: [`  ${op} ${fresh(n)}, %xmm${s}`], ...X(s) });
  });
  // The same comparison with equal inputs in two registers: all ones.
  cs.push({ pre: [ld(1, 2), ld(9, 2)], op: ['  pcmpeqb %xmm9, %xmm1'], ...X(1) });
  SHUF.forEach((imm, n) => {
    const d = (3 * n + 2) % 16, s = (3 * n + 7) % 16;
    cs.push({ pre: [ld(s, n % 8), ld(d, (n + 1) % 8)], op: [`  pshufd $${imm}, %xmm${s}, %xmm${d}`], ...X(d) });
    cs.push({ pre: [ld(d, n % 8)], op: [`  pshufd $${imm}, %xmm${d}, %xmm${d}`], ...X(d) });
    cs.push({ pre: [ld(d, (n + 3) % 8)], op: [`  pshufd $${imm}, ${n < 6 ? fresh(PACKED.length + n) : `${16 * (n % 8)}(%rsi)`}, %xmm${d}`], ...X(d) });
  });
  // pmovmskb into registers holding garbage (the upper half must be cleared), both encodings, and after
  // a pcmpeqb as string functions use it.
  const gprs = [['eax', 'rax'], ['r9d', 'r9'], ['edx', 'rdx'], ['r11d', 'r11'], ['ecx', 'rcx'], ['r8d', 'r8'], ['edi', 'rdi'], ['r12d', 'r12']];
  gprs.forEach(([r32, r64], n) => {
    const x = (5 * n + 3) % 16;
    // Pmovmskb_r64_xmm (66 REX.W 0F D7), which the assembler never picks.
    const g = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12'].indexOf(r64);
    const op = n % 2 ? bytes(0x66, rex(true, g, x), 0x0f, 0xd7, modrm(3, g, x)) : `  pmovmskb %xmm${x}, %${r32}`;
    cs.push({ pre: [ld(x, n), `  mov %r13, %${r64}`], op: [op], ...R(r64) });
  });
  cs.push({ pre: [ld(0, 1), ld(14, 5), '  mov %r13, %rdx'], op: ['  pcmpeqb %xmm14, %xmm0', '  pmovmskb %xmm0, %edx'], ...R('rdx') });
  cs.push({ pre: [ld(6, 0), ld(7, 4), '  mov %r13, %r10'], op: ['  pcmpeqb %xmm6, %xmm7', '  pmovmskb %xmm7, %r10'], ...R('r10') });
  cs.push({ pre: [ld(2, 3), '  mov %r13, %rax'], op: ['  pcmpeqb %xmm2, %xmm2', '  pmovmskb %xmm2, %eax'], ...R('rax') });

  // movd / movq between xmm and general registers: a compiled mov just set the register (it is in a
  // local, not yet in the Cpu); a 32-bit destination clears its upper half; loads clear the upper lanes.
  for (const [x, r32, r64] of [[1, 'eax', 'rax'], [10, 'r9d', 'r9'], [15, 'ecx', 'rcx']] as const) {
    cs.push({ pre: [ld(x, 2), `  mov %r13, %${r64}`], op: [`  movd %xmm${x}, %${r32}`], ...R(r64) });
    cs.push({ pre: [ld(x, 6), `  mov %r13, %${r64}`], op: [`  movq %xmm${x}, %${r64}`], ...R(r64) });
    cs.push({ pre: [ld(x, 3), `  mov %r13, %${r64}`, `  not %${r64}`], op: [`  movd %${r32}, %xmm${x}`], ...X(x) });
    cs.push({ pre: [ld(x, 7), `  mov %r13, %${r64}`, `  rol $7, %${r64}`], op: [`  movq %${r64}, %xmm${x}`], ...X(x) });
  }
  // The same register read right after being written by another compiled xmm move.
  cs.push({ pre: [ld(4, 1), ld(12, 2)], op: ['  movq %xmm4, %rdx', '  movq %rdx, %xmm12', '  movd %xmm12, %edx', '  movd %edx, %xmm4'], ...X(4) });
  // Memory forms, loads (no alignment rule: unaligned offsets) and stores over garbage.
  for (const [x, off] of [[3, 4], [11, 21]] as const) {
    cs.push({ pre: [ld(x, 5)], op: [`  movd ${off}(%rsi), %xmm${x}`], ...X(x) });
    // Movq_xmm_rm64 with a memory operand (66 REX.W 0F 6E), which the assembler spells as F3 0F 7E.
    cs.push({ pre: [ld(x, 5), `  lea ${off}(%rsi), %rdi`], op: [bytes(0x66, rex(true, x, 7), 0x0f, 0x6e, modrm(0, x, 7))], ...X(x) });
    cs.push({ pre: [ld(x, 6)], op: [`  movq ${off + 8}(%rsi), %xmm${x}`], ...X(x) });
    cs.push({ pre: [ld(x, 7)], op: [`  movsd ${off + 16}(%rsi), %xmm${x}`], ...X(x) });
    cs.push({ pre: [ld(x, 4), ...GARBAGE], op: [`  movd %xmm${x}, (%rbx)`], ...M });
    // Movq_rm64_xmm with a memory operand (66 REX.W 0F 7E), and the 66 0F D6 store the assembler picks.
    cs.push({ pre: [ld(x, 0), ...GARBAGE], op: [bytes(0x66, rex(true, x, 3), 0x0f, 0x7e, modrm(0, x, 3))], ...M });
    cs.push({ pre: [ld(x, 1), ...GARBAGE], op: [`  movq %xmm${x}, 4(%rbx)`], ...M });
    cs.push({ pre: [ld(x, 2), ...GARBAGE], op: [`  movsd %xmm${x}, 2(%rbx)`], ...M });
  }
  // xmm to xmm: movq zeroes the upper half (both encodings, and the same register), movsd merges the
  // low half (both encodings) and keeps the rest.
  for (const [d, s] of [[2, 13], [8, 5], [6, 6]] as const) {
    cs.push({ pre: [ld(s, 1), ld(d, 5)], op: [`  movq %xmm${s}, %xmm${d}`], ...X(d) });
    cs.push({ pre: [ld(s, 2), ld(d, 6)], op: [bytes(0x66, rex(false, s, d), 0x0f, 0xd6, modrm(3, s, d))], ...X(d) });
    cs.push({ pre: [ld(s, 3), ld(d, 7)], op: [`  movsd %xmm${s}, %xmm${d}`], ...X(d) });
    cs.push({ pre: [ld(s, 4), ld(d, 0)], op: [bytes(0xf2, rex(false, s, d), 0x0f, 0x11, modrm(3, s, d))], ...X(d) });
  }
  // Accesses that straddle a page boundary (the slow paths of the compiled loads and stores).
  cs.push({ pre: [ld(5, 1)], op: ['  movq pg+4092(%rip), %xmm5'], ...X(5) });
  cs.push({ pre: [ld(5, 2)], op: ['  movd pg+4094(%rip), %xmm5'], ...X(5) });
  cs.push({ pre: [ld(5, 3)], op: ['  movsd pg+4089(%rip), %xmm5'], ...X(5) });
  cs.push({ pre: [ld(9, 4)], op: ['  movq %xmm9, pg+4093(%rip)'], ...PG });
  cs.push({ pre: [ld(9, 5)], op: ['  movd %xmm9, pg+4094(%rip)'], ...PG });
  cs.push({ pre: [ld(9, 6)], op: ['  movsd %xmm9, pg+4091(%rip)'], ...PG });
  return cs;
}

/** The differential program: ROUNDS rounds of fresh inputs, every case's result written out. */
function program(cs: Case[]): { src: string; outLen: number } {
  const body: string[] = [];
  let per = 0;
  for (const c of cs) {
    body.push(...c.pre, ...c.op, ...c.out, `  add $${c.size}, %rbx`);
    per += c.size;
  }
  const outLen = per * ROUNDS;
  const src = `  .globl _start
_start:
  movabs $0x9e3779b97f4a7c15, %r15
  lea outbuf(%rip), %rbx
  lea inp(%rip), %rsi
  lea big-${4096 * FRESH_PAGES}(%rip), %rbp
  mov $${ROUNDS}, %r14d
round:
  call fill
${body.join('\n')}
  dec %r14d
  jnz round
${writeOutAndExit(outLen).join('\n')}

# xorshift64 in r15; the result also in rax.
rnd:
  mov %r15, %rax
  shl $13, %rax
  xor %rax, %r15
  mov %r15, %rax
  shr $7, %rax
  xor %rax, %r15
  mov %r15, %rax
  shl $17, %rax
  xor %rax, %r15
  mov %r15, %rax
  ret

# v0..v3 random; v4..v7 = v0..v3 with about half of the bytes changed, in one to eight bits each
# (single-bit changes, the top bit among them, are common); the bytes around the page boundary of pg;
# r13 random (garbage for registers and memory that must be overwritten exactly).
fill:
  lea inp(%rip), %rdi
  mov $8, %ecx
1:
  call rnd
  mov %rax, (%rdi)
  add $8, %rdi
  dec %ecx
  jnz 1b
  lea inp(%rip), %rdi
  mov $8, %ecx
  movabs $0x0101010101010101, %r11
2:
  call rnd
  and %r11, %rax
  imul $255, %rax, %rdx
  call rnd
  and %rax, %rdx
  call rnd
  and %rax, %rdx
  call rnd
  and %rax, %rdx
  xor (%rdi), %rdx
  mov %rdx, 64(%rdi)
  add $8, %rdi
  dec %ecx
  jnz 2b
  call rnd
  mov %rax, pg+4088(%rip)
  call rnd
  mov %rax, pg+4096(%rip)
  call rnd
  mov %rax, %r13
  # The next window of ${FRESH_PAGES} pages in big (wrapping round); page k gets v(k % 8) at offset 16 * (k % 8).
  add $${4096 * FRESH_PAGES}, %rbp
  lea big+${4096 * FRESH_PAGES * 32}(%rip), %rax
  cmp %rax, %rbp
  jb 3f
  lea big(%rip), %rbp
3:
  xor %ecx, %ecx
  mov %rbp, %rdi
4:
  mov %ecx, %eax
  and $7, %eax
  shl $4, %eax
  mov (%rsi,%rax), %rdx
  mov %rdx, (%rdi,%rax)
  mov 8(%rsi,%rax), %rdx
  mov %rdx, 8(%rdi,%rax)
  add $4096, %rdi
  inc %ecx
  cmp $${FRESH_PAGES}, %ecx
  jb 4b
  ret

  .bss
  .balign 4096
pg: .space 8192
  .balign 16
inp: .space 128
  .balign 64
outbuf: .space ${outLen}
  .balign 4096
big: .space ${4096 * FRESH_PAGES * 32}
`;
  return { src, outLen };
}

function prereq(t: import('node:test').TestContext): boolean {
  return need(t, have('as') && have('ld') && have('objcopy'), 'binutils (as, ld, objcopy) not installed');
}

/** Where two outputs first differ, as the case's instruction and the round. */
function firstDiff(a: string, b: string, cs: Case[], per: number): string {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  if (k === a.length && k === b.length) return 'equal';
  const round = Math.floor(k / per);
  let off = k % per, n = 0;
  for (const c of cs) {
    if (off < c.size) break;
    off -= c.size; n++;
  }
  return `byte ${k} (round ${round}, case ${n}: ${cs[n]?.op.join('; ').trim()}) lengths ${a.length}/${b.length}`;
}

test('compiled SSE integer operations and xmm moves match the host CPU and the interpreter on random inputs', (t) => {
  if (!prereq(t)) return;
  const cs = cases();
  const { src, outLen } = program(cs);
  const exe = buildAsm(src, 'sse-int');
  const per = outLen / ROUNDS;
  const n = runNative(exe);
  assert.equal(exitCode(n), 0, n.stderr);
  assert.equal(n.stdout.length, outLen);
  const e = runEmu(exe, [], undefined, ['-v']);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stderr, /[1-9]\d* blocks compiled/);
  assert.ok(e.stdout === n.stdout, `compiled run differs from the host at ${firstDiff(e.stdout, n.stdout, cs, per)}`);
  const off = runEmu(exe, [], undefined, [], { UL_JIT: '0' });
  assert.equal(off.status, 0, off.stderr);
  assert.ok(off.stdout === n.stdout, `interpreted run differs from the host at ${firstDiff(off.stdout, n.stdout, cs, per)}`);
  t.diagnostic(`${cs.length} cases x ${ROUNDS} rounds, ${outLen} bytes compared`);
});

test('compiled SSE integer operations and xmm moves: registers and xmm state agree with the interpreter after every block', (t) => {
  if (!prereq(t)) return;
  const cs = cases();
  const exe = buildAsm(program(cs).src, 'sse-int-ls');
  const r = lockstep(exe, [exe], { maxInsns: 600_000 });
  assert.equal(r.mismatch, undefined, r.mismatch);
  assert.ok(r.insns >= 600_000, `${r.insns} instructions compared`);
});

test('every case instruction is compiled inline: no interpreter handler runs out of line for it', (t) => {
  if (!prereq(t)) return;
  const cs = cases();
  // The case instructions alone, assembled and decoded from the object's text.
  const lines = cs.flatMap(c => c.op);
  const dir = tmpDir('sse-int-ops');
  const s = path.join(dir, 'ops.s'), o = path.join(dir, 'ops.o'), bin = path.join(dir, 'ops.bin');
  fs.writeFileSync(s, `  .text\n${lines.join('\n')}\n  .bss\npg: .space 8192\ninp: .space 128\n`);
  execFileSync('as', ['-o', o, s]);
  execFileSync('objcopy', ['-O', 'binary', '-j', '.text', o, bin]);
  const text = new Uint8Array(fs.readFileSync(bin));
  const base = 0x401000;
  const insns: Insn[] = [];
  for (let p = 0; p < text.length;) {
    const i = decodeInsn(text.subarray(p, p + 15), base + p, lookupHandler, () => { throw new Error('unknown'); });
    assert.ok(i, `undecodable bytes at ${p}`);
    insns.push(i);
    p += i.len;
  }
  assert.equal(insns.length, lines.length);
  const mine = new Set<number>([Mnemonic.Pxor, Mnemonic.Por, Mnemonic.Pand, Mnemonic.Pandn, Mnemonic.Xorps, Mnemonic.Xorpd,
    Mnemonic.Orps, Mnemonic.Orpd, Mnemonic.Andps, Mnemonic.Andpd, Mnemonic.Andnps, Mnemonic.Andnpd, Mnemonic.Pcmpeqb,
    Mnemonic.Pcmpeqw, Mnemonic.Pcmpeqd, Mnemonic.Punpcklbw, Mnemonic.Punpckhbw, Mnemonic.Punpcklwd, Mnemonic.Punpckhwd,
    Mnemonic.Punpckldq, Mnemonic.Punpckhdq, Mnemonic.Punpcklqdq, Mnemonic.Punpckhqdq, Mnemonic.Pshufd, Mnemonic.Pmovmskb,
    Mnemonic.Movd, Mnemonic.Movq, Mnemonic.Movsd]);
  let counted = 0;
  for (const i of insns) {
    if (!mine.has(i.mnemonic)) continue;
    counted++;
    assert.ok(emitterFor(i.mnemonic)?.flags(i), `no compiled form for ${Mnemonic[i.mnemonic]} (code ${i.code}) at ${(i.ip - base).toString(16)}`);
  }
  assert.equal(counted, lines.length);
  // And the compiled functions call no handler.
  for (let k = 0; k < insns.length; k += 40) {
    const chunk = insns.slice(k, k + 40);
    const fn = compileBlock(new Block(chunk[0].ip, chunk, [Math.floor(chunk[0].ip / 4096)]));
    assert.ok(fn, 'compiled');
    assert.doesNotMatch(fn.toString(), /\.exec\(/);
  }
  // The string movsd and the MMX forms stay with their handlers.
  for (const b of [[0xa5], [0x0f, 0xef, 0xc1], [0x0f, 0x7e, 0xc0], [0x0f, 0xd7, 0xc1], [0xc5, 0xf9, 0xef, 0xc1]]) {
    const i = decodeInsn(new Uint8Array(b), base, lookupHandler, () => { throw new Error('unknown'); })!;
    assert.equal(emitterFor(i.mnemonic)?.flags(i) ?? null, null, `${Mnemonic[i.mnemonic]} (code ${i.code}) must not be compiled`);
  }
});

test('compiled SSE forms fault inside a block as on the host CPU: misaligned m128, unmapped, read-only, non-canonical', (t) => {
  if (!prereq(t)) return;
  // Each case: the handler records si_signo, si_code, si_addr, the interrupted rip and r8 (set by the
  // instruction before), and resumes at the case's label, which writes the destination register
  // (unchanged by the faulting instruction) and xmm7 (set just before it).
  const faults = [
    'pxor 1(%rdi), %xmm2', 'pcmpeqb 8(%rdi), %xmm2', 'punpcklbw 4(%rdi), %xmm2', 'pshufd $0x1b, 12(%rdi), %xmm2',
    'por inp+4(%rip), %xmm2', 'andpd 2(%rdi), %xmm2', 'pcmpeqd 15(%rdi), %xmm2', 'punpckhqdq 9(%rdi), %xmm2',
    'pandn 3(%rdi), %xmm2', 'xorps 6(%rdi), %xmm2',
    'movq 0x10(%r9), %xmm2', 'movd 0x20(%r9), %xmm2', 'movsd 0x18(%r9), %xmm2',
    'movd %xmm2, ro+4(%rip)', 'movq %xmm2, ro+8(%rip)', 'movsd %xmm2, ro(%rip)',
    'movq (%r10), %xmm2', 'movsd %xmm2, (%r10)', 'pxor (%r10), %xmm2',
    'movq 4092(%r11), %xmm2', 'movd %xmm2, 4094(%r11)',
  ];
  const body: string[] = [];
  faults.forEach((f, k) => {
    body.push(`  lea 1f(%rip), %rax`, `  mov %rax, resume(%rip)`, `  movdqa inp+16(%rip), %xmm2`, `  mov $${k + 1}, %r8`,
      `  mov $${0x1234567 * (k + 1)}, %eax`, '  movd %eax, %xmm7', `  ${f}`, '1:',
      '  mov outp(%rip), %rax', '  movdqu %xmm2, (%rax)', '  movdqu %xmm7, 16(%rax)', '  add $32, %rax', '  mov %rax, outp(%rip)');
  });
  const outLen = faults.length * 64;
  const exe = buildAsm(`  .globl _start
_start:
  mov $13, %eax
  mov $11, %edi
  lea act(%rip), %rsi
  xor %edx, %edx
  mov $8, %r10d
  syscall
  # Two fresh pages, the second unmapped again: r11 = the first (its end borders the hole).
  mov $9, %eax
  xor %edi, %edi
  mov $8192, %esi
  mov $3, %edx
  mov $0x22, %r10d
  mov $-1, %r8
  xor %r9d, %r9d
  syscall
  mov %rax, %r11
  lea 4096(%rax), %rdi
  mov $4096, %esi
  mov $11, %eax
  syscall
  lea outbuf(%rip), %rax
  mov %rax, outp(%rip)
  lea inp(%rip), %rdi
  xor %r9d, %r9d
  movabs $0x8000000000000000, %r10
${body.join('\n')}
${writeOutAndExit(outLen).join('\n')}

# rsi = siginfo, rdx = ucontext (gregs from offset 40: r8 .. r15 rdi rsi rbp rbx rdx rax rcx rsp rip).
handler:
  mov outp(%rip), %rax
  mov (%rsi), %ecx
  mov %ecx, (%rax)
  mov 8(%rsi), %ecx
  mov %ecx, 4(%rax)
  mov 16(%rsi), %rcx
  mov %rcx, 8(%rax)
  mov 168(%rdx), %rcx
  mov %rcx, 16(%rax)
  mov 40(%rdx), %rcx
  mov %rcx, 24(%rax)
  add $32, %rax
  mov %rax, outp(%rip)
  mov resume(%rip), %rcx
  mov %rcx, 168(%rdx)
  ret
restorer:
  mov $15, %eax
  syscall

  .section .rodata
  .balign 16
ro: .quad 0x1111111111111111, 0x2222222222222222
  .data
act: .quad handler
  .quad 0x04000000
  .quad restorer
  .quad 0
  .balign 16
inp: .quad 0x0706050403020100, 0x0f0e0d0c0b0a0908, 0x1716151413121110, 0x1f1e1d1c1b1a1918, 0x2726252423222120, 0x2f2e2d2c2b2a2928
outp: .quad 0
resume: .quad 0
  .bss
  .balign 16
outbuf: .space ${outLen}
`, 'sse-int-faults');
  const n = runNative(exe);
  assert.equal(exitCode(n), 0, n.stderr);
  assert.equal(n.stdout.length, outLen);
  const e = runEmu(exe, [], undefined, ['-v']);
  assert.match(e.stderr, /[1-9]\d* blocks compiled/);
  const off = runEmu(exe, [], undefined, [], { UL_JIT: '0' });
  const rec = (s: string, k: number) => Buffer.from(s, 'latin1').subarray(64 * k, 64 * k + 64).toString('hex');
  for (let k = 0; k < faults.length; k++) {
    assert.equal(rec(e.stdout, k), rec(n.stdout, k), `compiled: ${faults[k]}`);
    assert.equal(rec(off.stdout, k), rec(n.stdout, k), `interpreted: ${faults[k]}`);
  }
  assert.equal(e.status, 0);
  assert.equal(e.stdout.length, outLen);
});
