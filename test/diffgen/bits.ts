// Cases for bt bts btr btc (register and memory bit bases, immediate and register offsets including
// negative and beyond-the-operand ones) and bsf bsr (zero and non-zero sources).

import type { Case } from './harness';
import { SUFFIX, reg, edges, inLow, Rng } from './gen';

export const BT_OPS = ['bt', 'bts', 'btr', 'btc'];

export function btCases(): Case[] {
  const out: Case[] = [];
  let k = 0;
  for (const op of BT_OPS) {
    for (const s of [2, 4, 8]) {
      const bits = s * 8;
      const vals = edges(s);
      // register base, register offset (only offset mod width matters) and immediate offset
      for (const off of [0, 1, 7, bits / 2, bits - 1, bits, bits + 3, 255, -1, -bits - 5]) {
        const v = vals[(k++) % vals.length];
        out.push({ asm: `${op}${SUFFIX[s]} ${reg('rcx', s)}, ${reg('rbx', s)}`, regs: { rbx: inLow(s, v), rcx: BigInt.asUintN(64, BigInt(off)) }, flags: k & 1 ? 0x8d5 : 0 });
        if (off >= 0 && off < 256) out.push({ asm: `${op}${SUFFIX[s]} $${off}, ${reg('rdx', s)}`, regs: { rdx: inLow(s, vals[(k++) % vals.length]) }, flags: k & 1 ? 0x8d4 : 1 });
      }
      // memory base at mem+64 with register offsets reaching into neighbouring units (signed)
      for (const off of [0, 5, bits - 1, bits, bits + 1, 3 * bits + 2, 511, -1, -bits, -bits - 1, -512]) {
        // 16/32-bit offsets: garbage above the operand size must be ignored
        const r = s === 8 ? BigInt.asUintN(64, BigInt(off)) : inLow(s, BigInt.asUintN(s * 8, BigInt(off)), 0x5555555500000000n);
        out.push({ asm: `${op}${SUFFIX[s]} ${reg('rsi', s)}, mem+64`, regs: { rsi: r }, flags: (k++) & 1 ? 0x8d5 : 0 });
      }
      // memory base with an immediate offset: masked to the operand width
      for (const off of [0, 3, bits - 1, bits + 2, 200]) out.push({ asm: `${op}${SUFFIX[s]} $${off}, mem+8`, flags: (k++) & 1 ? 0x8d5 : 0 });
      // base register addressing
      out.push({ asm: `${op}${SUFFIX[s]} ${reg('rax', s)}, 8(%rbx)`, regs: { rbx: 'mem+48', rax: inLow(s, BigInt.asUintN(s * 8, -70n), 0x1230000n) } });
    }
  }
  return out;
}

/** bsf/bsr: zero sources (destination kept), every single-bit position class, memory sources. */
export function scanCases(): Case[] {
  const out: Case[] = [];
  let k = 0;
  for (const op of ['bsf', 'bsr']) {
    for (const s of [2, 4, 8]) {
      const vals = [...edges(s), 0n, 0x100n, 1n << BigInt(s * 8 - 1), 0x8000_0000n & ((1n << BigInt(s * 8)) - 1n), 0x1_0000_0000n & ((1n << BigInt(s * 8)) - 1n)];
      for (const v of vals) {
        out.push({ asm: `${op}${SUFFIX[s]} ${reg('rcx', s)}, ${reg('rdi', s)}`, regs: { rcx: inLow(s, v), rdi: 0x0123456789abcdefn }, flags: (k++) & 1 ? 0x8d5 : 0x40 });
        out.push({ asm: `${op}${SUFFIX[s]} mem+16, ${reg('r15', s)}`, mem: [0n, 0n, inLow(s, v)], regs: { r15: 0xfedcba9876543210n }, flags: (k++) & 1 ? 0x8d5 : 0 });
      }
    }
  }
  return out;
}

/**
 * Pairs for the f3-prefixed scans: the emulated program runs `rep bsf`/`rep bsr`, the native oracle runs
 * plain bsf/bsr with the same inputs (the host would run tzcnt/lzcnt, which our CPUID does not report).
 */
export function repScanPairs(): [Case[], Case[]] {
  const base = scanCases();
  return [base, base.map(c => ({ ...c, asm: `rep ${c.asm}` }))];
}

export function randomBitCases(rng: Rng, n: number): Case[] {
  const out: Case[] = [];
  for (let k = 0; k < n; k++) {
    const s = rng.pick([2, 4, 8]);
    if (rng.int(3) === 0) {
      const op = rng.pick(['bsf', 'bsr']);
      const v = rng.int(8) === 0 ? 0n : rng.value(s);
      out.push({ asm: `${op}${SUFFIX[s]} ${reg('r8', s)}, ${reg('r9', s)}`, regs: { r8: inLow(s, v, rng.u64()), r9: rng.u64() }, flags: rng.flags() });
      continue;
    }
    const op = rng.pick(BT_OPS);
    const form = rng.int(3);
    if (form === 0) out.push({ asm: `${op}${SUFFIX[s]} ${reg('r10', s)}, ${reg('r11', s)}`, regs: { r10: rng.u64(), r11: rng.u64() }, flags: rng.flags() });
    else if (form === 1) out.push({ asm: `${op}${SUFFIX[s]} $${rng.int(256)}, ${reg('r11', s)}`, regs: { r11: rng.u64() }, flags: rng.flags() });
    else {
      const off = rng.int(1024) - 512; // stays inside mem+0 .. mem+127
      out.push({ asm: `${op}${SUFFIX[s]} ${reg('r12', s)}, mem+64`, regs: { r12: inLow(s, BigInt.asUintN(s * 8, BigInt(off)), rng.u64()) }, mem: [rng.u64(), rng.u64(), rng.u64(), rng.u64(), rng.u64(), rng.u64(), rng.u64(), rng.u64(), rng.u64(), rng.u64(), rng.u64(), rng.u64(), rng.u64(), rng.u64(), rng.u64(), rng.u64()], flags: rng.flags() });
    }
  }
  return out;
}
