// Cases for the families that came with the engine core: alu.ts (add adc sub sbb cmp and or xor test
// inc dec neg not), move.ts (mov movzx movsx movsxd lea xchg push pop cmovcc setcc cbw/cwde/cdqe
// cwd/cdq/cqo bswap), system.ts (clc stc cmc cld std lahf sahf pushf popf) and the conditional
// branches and loops of control.ts.

import type { Case } from './harness';
import { SIZES, SUFFIX, reg, edges, inLow, mask, Rng } from './gen';

export const BINOPS = ['add', 'adc', 'sub', 'sbb', 'cmp', 'and', 'or', 'xor', 'test'];
export const UNOPS = ['inc', 'dec', 'neg', 'not'];
export const CCS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

export function aluCases(): Case[] {
  const out: Case[] = [];
  let k = 0;
  for (const op of BINOPS) {
    for (const s of SIZES) {
      const x = SUFFIX[s], vals = edges(s);
      for (const a of vals) {
        for (let j = 0; j < 3; j++) {
          const b = vals[(k++) % vals.length];
          const cf = (k >> 1) & 1;
          out.push({ asm: `${op}${x} ${reg('rcx', s)}, ${reg('rbx', s)}`, regs: { rbx: inLow(s, a), rcx: inLow(s, b, 0x0f0f0f0f0f0f0f0fn) }, flags: cf | (k & 4 ? 0x8d4 : 0) });
        }
        // memory destination, memory source, immediates (sign-extended imm8, full-size imm)
        const b = vals[(k++) % vals.length];
        out.push({ asm: `${op}${x} ${reg('rdx', s)}, mem+8`, regs: { rdx: inLow(s, b) }, mem: [0n, inLow(s, a)], flags: k & 1 });
        if (op !== 'test') out.push({ asm: `${op}${x} mem+16, ${reg('rdx', s)}`, regs: { rdx: inLow(s, a) }, mem: [0n, 0n, inLow(s, b)], flags: (k >> 1) & 1 });
        for (const imm of [0, 1, -1, 0x7f, -0x80, 0x1234, -0x54321]) {
          if (s === 1 && (imm > 0xff || imm < -0x80)) continue;
          if (s === 2 && (imm > 0xffff || imm < -0x8000)) continue;
          out.push({ asm: `${op}${x} $${imm}, ${reg('rsi', s)}`, regs: { rsi: inLow(s, a) }, flags: (k++) & 1 });
        }
        out.push({ asm: `${op}${x} $${s === 1 ? 0x81 : 0x7f}, mem+24`, mem: [0n, 0n, 0n, inLow(s, a)], flags: (k++) & 1 });
      }
      // accumulator short forms
      out.push({ asm: `${op}${x} $${s === 1 ? 0x80 : 0x7fff}, ${reg('rax', s)}`, regs: { rax: inLow(s, vals[(k++) % vals.length]) }, flags: 1 });
    }
  }
  for (const op of UNOPS) {
    for (const s of SIZES) {
      const x = SUFFIX[s];
      for (const a of edges(s)) {
        out.push({ asm: `${op}${x} ${reg('rdi', s)}`, regs: { rdi: inLow(s, a) }, flags: (k++) & 1 ? 0x8d5 : 0 });
        out.push({ asm: `${op}${x} mem+32`, mem: [0n, 0n, 0n, 0n, inLow(s, a)], flags: (k++) & 1 ? 0x8d5 : 0 });
      }
    }
  }
  // high-byte registers
  out.push({ asm: 'addb %ah, %bh', regs: { rax: 0x8000n, rbx: 0x8000n } });
  out.push({ asm: 'subb %ch, %dl', regs: { rcx: 0x7f00n, rdx: 0x80n } });
  out.push({ asm: 'xorb %dh, %ah', regs: { rdx: 0xff00n, rax: 0x0f00n } });
  out.push({ asm: 'incb %bh', regs: { rbx: 0xff00n }, flags: 1 });
  return out;
}

export function moveCases(): Case[] {
  const out: Case[] = [];
  let k = 0;
  const pattern = 0xfedcba9876543210n;
  for (const s of SIZES) {
    const x = SUFFIX[s];
    out.push({ asm: `mov${x} ${reg('rcx', s)}, ${reg('rbx', s)}`, regs: { rcx: 0x8899aabbccddeeffn } });
    out.push({ asm: `mov${x} mem+8, ${reg('rbx', s)}` });
    out.push({ asm: `mov${x} ${reg('rbx', s)}, mem+9` });
    out.push({ asm: `mov${x} $-2, ${reg('rbx', s)}` });
    out.push({ asm: `xchg${x} ${reg('rcx', s)}, ${reg('rbx', s)}`, regs: { rcx: pattern } });
    out.push({ asm: `xchg${x} ${reg('rcx', s)}, mem+8`, regs: { rcx: pattern } });
    out.push({ asm: `xchg${x} ${reg('rax', s)}, ${reg('r8', s)}` });
  }
  out.push({ asm: 'movabs $0x8000000000000001, %r9' });
  out.push({ asm: 'movq $-5, %r9' });
  out.push({ asm: 'movl $-5, %r9d' });
  out.push({ asm: 'xchg %eax, %eax' }); // 0x90 is nop: rax upper half kept
  out.push({ asm: 'xchgl %eax, %ebx' });
  out.push({ asm: 'movb %ah, %bl; movb %bl, %ch' });
  out.push({ asm: 'movb %sil, %r11b; movb %dil, %spl' });
  // movzx / movsx / movsxd, every source and destination size, sign bit on and off
  for (const v of [0x7fn, 0x80n, 0x7fffn, 0x8000n, 0x7fffffffn, 0x80000000n, 0xffffffffn]) {
    const regs = { rsi: 0x1234567800000000n | v, rdi: pattern };
    for (const [src, dsts] of [[1, [2, 4, 8]], [2, [4, 8]]] as [number, number[]][]) {
      for (const d of dsts) {
        out.push({ asm: `movz${SUFFIX[src]}${SUFFIX[d]} ${reg('rsi', src)}, ${reg('rdi', d)}`, regs });
        out.push({ asm: `movs${SUFFIX[src]}${SUFFIX[d]} ${reg('rsi', src)}, ${reg('rdi', d)}`, regs });
      }
    }
    out.push({ asm: 'movslq %esi, %rdi', regs });
    out.push({ asm: 'movslq mem+8, %rdi', mem: [0n, v] });
    out.push({ asm: 'movsbw mem+8, %di', mem: [0n, v], regs });
    out.push({ asm: 'movzwl mem+8, %edi', mem: [0n, v], regs });
    // conversions of the accumulator
    for (const c of ['cbtw', 'cwtl', 'cltq', 'cwtd', 'cltd', 'cqto']) out.push({ asm: c, regs: { rax: 0x5555555500000000n | v | (v << 32n & 0xffffffff00000000n), rdx: pattern } });
    out.push({ asm: 'cqto', regs: { rax: v << 32n, rdx: 0n } });
  }
  // lea: every addressing shape, 32- and 16-bit destinations, wraparound
  out.push({ asm: 'lea 8(%rax,%rbx,4), %rcx', regs: { rax: 0x7fffffffffffffffn, rbx: 3n } });
  out.push({ asm: 'lea -1(%rax), %ecx', regs: { rax: 0x100000000n } });
  out.push({ asm: 'lea 0x7fff(%rsi,%rdi,8), %cx', regs: { rsi: 1n, rdi: 0xffffffffffffn } });
  out.push({ asm: 'lea (,%r13,2), %r12', regs: { r13: 0x8000000000000000n } });
  out.push({ asm: 'lea mem(%rip), %r12' });
  out.push({ asm: 'lea 0x12345678, %r12' });
  out.push({ asm: 'lea (%rax,%rax), %eax', regs: { rax: 0x80000001n } });
  // push/pop with the stack inside the memory area
  out.push({ asm: 'push %rax; push $-3; pushq mem+8; pushw $0x1234; pop %rbx; popw %cx; pop %rdx; pop %r9', regs: { rsp: 'mem+64' } });
  out.push({ asm: 'pushq $0x7fffffff; popq mem+16', regs: { rsp: 'mem+96' } });
  out.push({ asm: 'push %rsp; pop %rax', regs: { rsp: 'mem+96' } });
  out.push({ asm: 'pop %rsp', regs: { rsp: 'mem+96' }, mem: [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n].map((_, q) => q === 12 ? 0x1234n : 0n) });
  out.push({ asm: 'lea mem+64, %rbp; push %rbp; mov %rsp, %rbp; sub $16, %rsp; leave', regs: { rsp: 'mem+96' } });
  // bswap
  for (const s of [4, 8]) out.push({ asm: `bswap ${reg('r10', s)}`, regs: { r10: 0x0102030405060708n } });
  // cmovcc / setcc over flag combinations (each condition sees every relevant flag pattern)
  const flagSets = [0, 0x1, 0x4, 0x40, 0x41, 0x80, 0x800, 0x880, 0x8c0, 0x8d5];
  for (const cc of CCS) {
    for (const f of flagSets) {
      out.push({ asm: `set${cc} %bl; set${cc} mem+8`, regs: { rbx: pattern }, flags: f });
      for (const s of [2, 4, 8]) out.push({ asm: `cmov${cc}${SUFFIX[s]} ${reg('rcx', s)}, ${reg('rdx', s)}`, regs: { rcx: 0x1111222233334444n, rdx: pattern }, flags: (f ^ (k++ & 1 ? 0x400 : 0)) });
      out.push({ asm: `cmov${cc}l mem+16, %edx`, regs: { rdx: pattern }, flags: f });
    }
  }
  return out;
}

export function flagCases(): Case[] {
  const out: Case[] = [];
  for (const f of [0, 0x1, 0x4, 0x10, 0x40, 0x80, 0x400, 0x800, 0xcd5]) {
    for (const asm of ['clc', 'stc', 'cmc', 'cld', 'std', 'lahf', 'sahf', 'pushfq; pop %rbx', 'pushfw; popw %bx',
      'mov $0xcd5, %ecx; push %rcx; popfq', 'mov $0, %ecx; push %rcx; popfq', 'mov $0x8c0, %ecx; pushw %cx; popfw']) {
      out.push({ asm, flags: f, regs: { rax: 0xffffffffffff00ffn & ~0xd5n | BigInt(f & 0xd5) << 8n | 0x2200n } });
    }
  }
  return out;
}

/** Conditional branches and loops: record which way they went in r15. */
export function branchCases(): Case[] {
  const out: Case[] = [];
  for (const cc of CCS) {
    for (const f of [0, 0x1, 0x4, 0x40, 0x80, 0x800, 0x880, 0x8c0, 0x841]) {
      out.push({ asm: `xor %r15d, %r15d; j${cc} 1f; mov $1, %r15d; 1: nop`, flags: f });
    }
  }
  for (const rcx of [1n, 2n, 7n]) out.push({ asm: 'xor %r15d, %r15d; 1: inc %r15; loop 1b', regs: { rcx } });
  for (const rcx of [0n, 1n, 0x100000000n]) {
    out.push({ asm: 'xor %r15d, %r15d; jrcxz 1f; mov $1, %r15d; 1: nop', regs: { rcx } });
    out.push({ asm: 'xor %r15d, %r15d; jecxz 1f; mov $1, %r15d; 1: nop', regs: { rcx } });
  }
  out.push({ asm: 'xor %r15d, %r15d; 1: inc %r15; cmp $3, %r15; loope 1b', regs: { rcx: 10n } });
  out.push({ asm: 'xor %r15d, %r15d; 1: inc %r15; cmp $3, %r15; loopne 1b', regs: { rcx: 10n } });
  out.push({ asm: 'call 1f; 1: pop %r14; sub $1b, %r14' });
  return out;
}

export function randomCoreCases(rng: Rng, n: number): Case[] {
  const out: Case[] = [];
  for (let k = 0; k < n; k++) {
    const s = rng.pick(SIZES), x = SUFFIX[s];
    const a = inLow(s, rng.value(s), rng.u64()), b = inLow(s, rng.value(s), rng.u64());
    const flags = rng.flags(true);
    switch (rng.int(5)) {
      case 0: case 1: {
        const op = rng.pick(BINOPS);
        if (rng.bool()) out.push({ asm: `${op}${x} ${reg('r12', s)}, ${reg('r13', s)}`, regs: { r12: a, r13: b }, flags });
        else out.push({ asm: `${op}${x} $${Number(BigInt.asIntN(Math.min(32, s * 8), rng.value(s)))}, ${reg('r13', s)}`, regs: { r13: b }, flags });
        break;
      }
      case 2: out.push({ asm: `${rng.pick(UNOPS)}${x} ${reg('r14', s)}`, regs: { r14: a }, flags }); break;
      case 3: {
        // an arithmetic op followed by a consumer of its flags
        const op = rng.pick(['add', 'sub', 'adc', 'sbb', 'cmp', 'neg', 'inc', 'dec']);
        const first = op === 'neg' || op === 'inc' || op === 'dec' ? `${op}${x} ${reg('r12', s)}` : `${op}${x} ${reg('r13', s)}, ${reg('r12', s)}`;
        const cc = rng.pick(CCS);
        out.push({ asm: `${first}; set${cc} %r11b; cmov${cc}q %r13, %r10`, regs: { r12: a, r13: b, r10: 0n, r11: 0n }, flags });
        break;
      }
      default: {
        const v = rng.value(8) & mask(8);
        out.push({ asm: rng.pick(['cbtw', 'cwtl', 'cltq', 'cwtd', 'cltd', 'cqto', 'lahf', 'sahf', 'cmc']), regs: { rax: v, rdx: rng.u64() }, flags });
      }
    }
  }
  return out;
}
