// Cases for mul, imul (1, 2, 3 operands), div and idiv: high halves, sign boundaries, exact maximum
// quotients, negative remainders. Faulting divisions (#DE -> SIGFPE) are separate programs (faultCases).

import type { Case } from './harness';
import { SIZES, SUFFIX, BITS, reg, edges, inLow, mask, M64, Rng } from './gen';

const sx = (v: bigint, size: number): bigint => BigInt.asIntN(size * 8, v);

export function mulCases(): Case[] {
  const out: Case[] = [];
  let k = 0;
  for (const op of ['mul', 'imul']) {
    for (const s of SIZES) {
      const vals = edges(s);
      for (const a of vals) {
        for (let j = 0; j < 4; j++) {
          const b = vals[(k++) % vals.length];
          const flags = k & 1 ? 0x8d5 : 0;
          if (j < 3) out.push({ asm: `${op}${SUFFIX[s]} ${reg('rbx', s)}`, regs: { rax: inLow(s, a), rdx: 0x1111222233334444n, rbx: inLow(s, b) }, flags });
          else out.push({ asm: `${op}${SUFFIX[s]} mem+24`, regs: { rax: inLow(s, a) }, mem: [0n, 0n, 0n, inLow(s, b)], flags });
        }
      }
    }
  }
  // imul two and three operands
  for (const s of [2, 4, 8]) {
    const vals = edges(s);
    for (const a of vals) {
      for (let j = 0; j < 3; j++) {
        const b = vals[(k++) % vals.length];
        out.push({ asm: `imul${SUFFIX[s]} ${reg('rcx', s)}, ${reg('r11', s)}`, regs: { r11: inLow(s, a), rcx: inLow(s, b) }, flags: k & 1 ? 0x8d5 : 0 });
      }
      out.push({ asm: `imul${SUFFIX[s]} mem+8, ${reg('r12', s)}`, regs: { r12: inLow(s, a) }, mem: [0n, vals[(k++) % vals.length]] });
      for (const imm of [0, 1, -1, 2, 127, -128, 3000, -70000, 0x7fffffff]) {
        if (s === 2 && (imm > 32767 || imm < -32768)) continue;
        out.push({ asm: `imul${SUFFIX[s]} $${imm}, ${reg('rsi', s)}, ${reg('r13', s)}`, regs: { rsi: inLow(s, a) }, flags: (k++) & 1 ? 0x8d5 : 0 });
      }
    }
  }
  return out;
}

/** Would this division fault? (unsigned/signed, size, dividend high:low, divisor) */
function divFaults(signed: boolean, s: number, hi: bigint, lo: bigint, d: bigint): boolean {
  const n = BigInt(s * 8), m = mask(s);
  d &= m;
  if (d === 0n) return true;
  if (!signed) return ((((hi & m) << n) | (lo & m)) / d) > m;
  const num = BigInt.asIntN(2 * s * 8, ((hi & m) << n) | (lo & m));
  const q = num / sx(d, s);
  return q > (m >> 1n) || q < -(m >> 1n) - 1n;
}

function divCase(op: string, s: number, hi: bigint, lo: bigint, d: bigint, form: number, note?: string): Case {
  // 8-bit forms divide AX: the "high" part is AH
  const sfx = SUFFIX[s];
  const regs: Record<string, bigint> = {};
  if (s === 1) regs.rax = inLow(2, ((hi & 0xffn) << 8n) | (lo & 0xffn));
  else { regs.rax = inLow(s, lo); regs.rdx = inLow(s, hi, 0x7777666655554444n); }
  if (form === 0) { regs.rbx = inLow(s, d); return { asm: `${op}${sfx} ${reg('rbx', s)}`, regs, flags: 0x8d5, note }; }
  if (form === 1) { regs.r14 = inLow(s, d); return { asm: `${op}${sfx} ${reg('r14', s)}`, regs, note }; }
  return { asm: `${op}${sfx} mem+32`, regs, mem: [0n, 0n, 0n, 0n, inLow(s, d)], flags: 0x8c4, note };
}

export function divCases(): Case[] {
  const out: Case[] = [];
  let k = 0;
  for (const op of ['div', 'idiv']) {
    const signed = op === 'idiv';
    for (const s of SIZES) {
      const m = mask(s), n = BigInt(s * 8);
      const vals = edges(s).filter(v => v !== 0n);
      for (const d of vals) {
        for (const lo of edges(s)) {
          // high part: 0 / sign extension (always valid for small quotients), and the largest that fits
          const his = signed ? [lo >> (n - 1n) ? m : 0n] : [0n, (d - 1n) & m];
          for (const hi of his) {
            if (divFaults(signed, s, hi, lo, d)) continue;
            out.push(divCase(op, s, hi, lo, d, (k++) % 3));
          }
        }
      }
      // quotient exactly at the limit
      if (!signed) out.push(divCase(op, s, m - 1n, m, m, 0, 'quotient = max'));
      else {
        out.push(divCase(op, s, m, (m >> 1n) + 1n, 1n, 0, 'MIN / 1'));
        // a dividend of MIN * 3 divided by 3 gives exactly MIN; by -3 it overflows (not here)
        const num = BigInt.asUintN(2 * s * 8, -(1n << (n - 1n)) * 3n);
        out.push(divCase(op, s, num >> n, num & m, 3n, 1, 'quotient = MIN'));
        const num2 = BigInt.asUintN(2 * s * 8, ((1n << (n - 1n)) - 1n) * -7n - 6n);
        out.push(divCase(op, s, num2 >> n, num2 & m, m - 6n, 2, 'quotient = MAX, negative remainder'));
      }
    }
  }
  return out;
}

export function randomMulDivCases(rng: Rng, n: number): Case[] {
  const out: Case[] = [];
  for (let k = 0; k < n; k++) {
    const s = rng.pick(SIZES);
    const sfx = SUFFIX[s];
    const kind = rng.int(4);
    if (kind === 0) {
      out.push({ asm: `${rng.pick(['mul', 'imul'])}${sfx} ${reg('r9', s)}`, regs: { rax: rng.u64() & ~mask(s) | rng.value(s), rdx: rng.u64(), r9: rng.value(s) }, flags: rng.flags() });
    } else if (kind === 1 && s !== 1) {
      const three = rng.bool();
      const imm = rng.bool() ? rng.int(256) - 128 : (rng.u32() | 0) >> (s === 2 ? 16 : 0);
      out.push({ asm: three ? `imul${sfx} $${imm}, ${reg('r9', s)}, ${reg('r10', s)}` : `imul${sfx} ${reg('r9', s)}, ${reg('r10', s)}`, regs: { r9: rng.value(s) | (rng.u64() & ~mask(s)), r10: rng.u64() }, flags: rng.flags() });
    } else {
      const signed = rng.bool();
      const d = rng.value(s) || 1n;
      let lo = rng.value(s), hi = rng.value(s);
      if (divFaults(signed, s, hi, lo, d)) hi = signed ? (sx(lo, s) < 0n ? mask(s) : 0n) : rng.u64() % (d & mask(s));
      if (divFaults(signed, s, hi, lo, d)) { lo = 1n; hi = 0n; }
      out.push(divCase(signed ? 'idiv' : 'div', s, hi, lo, d, rng.int(3)));
    }
  }
  return out;
}

/** Programs that end in a divide error: [name, cases] where the last case faults. */
export function faultPrograms(): [string, Case[]][] {
  const pre: Case = { asm: 'divq %rbx', regs: { rax: 1000n, rdx: 0n, rbx: 7n } };
  return [
    ['div8-by-zero', [pre, { asm: 'divb %bl', regs: { rax: 0x1234n, rbx: 0xff00n }, note: 'divide by zero' }]],
    ['idiv64-by-zero-mem', [pre, { asm: 'idivq mem+8', regs: { rax: 5n, rdx: 0n }, mem: [1n, 0n], note: 'divide by zero' }]],
    ['div32-overflow', [pre, { asm: 'divl %ecx', regs: { rax: 0n, rdx: 5n, rcx: 5n }, note: 'quotient overflow' }]],
    ['idiv64-min-by-minus-1', [pre, { asm: 'idivq %rcx', regs: { rax: 1n << 63n, rdx: M64, rcx: M64 }, note: 'MIN / -1' }]],
    ['idiv8-min-by-minus-1', [pre, { asm: 'idivb %cl', regs: { rax: 0xff80n, rcx: 0xffn }, note: '-128 / -1' }]],
    ['div64-overflow', [pre, { asm: 'divq %rcx', regs: { rax: 0n, rdx: 1n << 40n, rcx: 1n << 40n }, note: 'quotient overflow' }]],
  ];
}
export { BITS };
