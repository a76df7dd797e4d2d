// Cases for shifts and rotates: every count class (0, 1, width-1, width, width+1, 31/32/63/64 and
// masked counts), immediate, implicit-1 and %cl forms, register and memory destinations, CF in 0/1.

import type { Case } from './harness';
import { SIZES, SUFFIX, BITS, reg, edges, inLow, Rng } from './gen';

export const SHIFT_OPS = ['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'];

function counts(size: number): number[] {
  const n = BITS[size];
  return [...new Set([0, 1, 2, 3, n / 2, n - 1, n, n + 1, 9, 17, 31, 32, 33, 63, 64, 65, 127, 255])].sort((a, b) => a - b);
}

export function shiftCases(): Case[] {
  const out: Case[] = [];
  let k = 0;
  for (const op of SHIFT_OPS) {
    for (const s of SIZES) {
      const vals = edges(s);
      const sfx = SUFFIX[s];
      for (const c of counts(s)) {
        for (let j = 0; j < 3; j++) {
          const v = vals[(k++) % vals.length];
          const cf = (k >> 1) & 1;
          // immediate count, register destination
          out.push({ asm: `${op}${sfx} $${c}, ${reg('rbx', s)}`, regs: { rbx: inLow(s, v) }, flags: cf | (k & 4 ? 0x8c0 : 0) });
        }
        // %cl count, register and memory destinations (cl carries garbage above the count's bits)
        const v = vals[(k++) % vals.length];
        out.push({ asm: `${op}${sfx} %cl, ${reg('rdx', s)}`, regs: { rdx: inLow(s, v), rcx: 0xffffff00n | BigInt(c) }, flags: k & 1 });
        out.push({ asm: `${op}${sfx} %cl, mem+8`, regs: { rcx: BigInt(c) }, mem: [0n, inLow(s, vals[(k + 3) % vals.length])], flags: (k >> 2) & 1 });
      }
      // implicit count of 1
      for (const v of vals) out.push({ asm: `${op}${sfx} ${reg('rsi', s)}`, regs: { rsi: inLow(s, v) }, flags: (k++) & 1 });
    }
  }
  // the /6 encoding of shl (an alias the assembler never emits)
  out.push({ asm: '.byte 0xc0, 0xf3, 0x03', regs: { rbx: 0xc1n }, note: 'sal $3, %bl as c0 /6' });
  out.push({ asm: '.byte 0x48, 0xd1, 0xf3', regs: { rbx: 0x8000000000000001n }, flags: 0x8d5, note: 'sal %rbx as d1 /6' });
  return out;
}

export function doubleShiftCases(): Case[] {
  const out: Case[] = [];
  let k = 0;
  for (const op of ['shld', 'shrd']) {
    for (const s of [2, 4, 8]) {
      const vals = edges(s);
      const sfx = SUFFIX[s];
      for (const c of counts(s)) {
        for (let j = 0; j < 2; j++) {
          const a = vals[(k++) % vals.length], b = vals[(k * 3 + 1) % vals.length];
          out.push({ asm: `${op}${sfx} $${c}, ${reg('rsi', s)}, ${reg('rdi', s)}`, regs: { rsi: inLow(s, b), rdi: inLow(s, a) }, flags: k & 1 });
        }
        const a = vals[(k++) % vals.length];
        out.push({ asm: `${op}${sfx} %cl, ${reg('rax', s)}, ${reg('rbx', s)}`, regs: { rcx: 0x1200n | BigInt(c), rax: 0x8765432112345678n, rbx: inLow(s, a) } });
        out.push({ asm: `${op}${sfx} %cl, ${reg('rax', s)}, mem+16`, regs: { rcx: BigInt(c), rax: 0xfedcba9876543210n }, mem: [0n, 0n, inLow(s, a)] });
      }
    }
  }
  // 16-bit counts above 16 over varied patterns (the operation is undefined; the host's result is what counts)
  for (const op of ['shld', 'shrd']) {
    for (let c = 17; c < 32; c++) {
      out.push({ asm: `${op}w $${c}, %si, %di`, regs: { rsi: 0x1111_2222_3333_a5c3n, rdi: 0x4444_5555_6666_8e71n } });
    }
  }
  return out;
}

export function randomShiftCases(rng: Rng, n: number): Case[] {
  const out: Case[] = [];
  for (let k = 0; k < n; k++) {
    const double = rng.int(5) === 0;
    const s = double ? rng.pick([2, 4, 8]) : rng.pick(SIZES);
    const sfx = SUFFIX[s];
    const c = rng.int(4) === 0 ? rng.int(256) : rng.int(BITS[s] + 2);
    const viaCl = rng.bool();
    const cnt = viaCl ? '%cl' : `$${c}`;
    const v = inLow(s, rng.value(s), rng.u64());
    const flags = rng.flags();
    if (double) {
      const op = rng.pick(['shld', 'shrd']);
      out.push({ asm: `${op}${sfx} ${cnt}, ${reg('r8', s)}, ${reg('r9', s)}`, regs: { rcx: BigInt(c), r8: rng.value(s), r9: v }, flags });
    } else {
      const op = rng.pick(SHIFT_OPS);
      out.push({ asm: `${op}${sfx} ${cnt}, ${reg('r10', s)}`, regs: { rcx: BigInt(c) | (rng.u64() & ~0xffn), r10: v }, flags });
    }
  }
  return out;
}
