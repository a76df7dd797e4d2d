// Integer arithmetic and logic: add adc sub sbb cmp and or xor test inc dec neg not.
// Flags are recorded lazily (flags.ts).

import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Insn } from '../insn';
import { L_ADD, L_ADC, L_SUB, L_SBB, L_INC, L_DEC } from '../flags';
import { onMnemonic } from './index';

/** Normalise a 64-bit result (lo, hi as arbitrary numbers) to an operand size; result in out. */
export const res = { lo: 0, hi: 0 };

export function norm(size: number, lo: number, hi: number): void {
  switch (size) {
    case 1: res.lo = lo & 0xff; res.hi = 0; return;
    case 2: res.lo = lo & 0xffff; res.hi = 0; return;
    case 4: res.lo = lo | 0; res.hi = 0; return;
    default: res.lo = lo | 0; res.hi = hi | 0;
  }
}

/** a + b + c over `size` bytes into res. */
export function addN(size: number, aLo: number, aHi: number, bLo: number, bHi: number, c: number): void {
  if (size === 8) {
    const lo = (aLo >>> 0) + (bLo >>> 0) + c;
    const carry = lo >= 4294967296 ? 1 : 0;
    res.lo = lo | 0; res.hi = (aHi + bHi + carry) | 0;
  } else norm(size, aLo + bLo + c, 0);
}

/** a - b - c over `size` bytes into res. */
export function subN(size: number, aLo: number, aHi: number, bLo: number, bHi: number, c: number): void {
  if (size === 8) {
    const lo = (aLo >>> 0) - (bLo >>> 0) - c;
    const borrow = lo < 0 ? 1 : 0;
    res.lo = lo | 0; res.hi = (aHi - bHi - borrow) | 0;
  } else norm(size, aLo - bLo - c, 0);
}

function binop(kind: number, write: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = i.size[0];
    const a = cpu.readOp(i, 0), ah = cpu.hi;
    let b = cpu.readOp(i, 1), bh = cpu.hi;
    if (i.size[1] !== s) { // sign-extended immediate narrower than the destination
      if (s === 8) { bh = b >> 31; } else if (s === 2) b &= 0xffff; else if (s === 1) b &= 0xff;
    }
    let c = 0;
    switch (kind) {
      case L_ADD: addN(s, a, ah, b, bh, 0); break;
      case L_SUB: subN(s, a, ah, b, bh, 0); break;
      case L_ADC: c = cpu.f.cf(); addN(s, a, ah, b, bh, c); break;
      case L_SBB: c = cpu.f.cf(); subN(s, a, ah, b, bh, c); break;
    }
    const rl = res.lo, rh = res.hi;
    if (write) cpu.writeOp(i, 0, rl, rh);
    if (kind === L_ADC || kind === L_SBB) cpu.f.lazyCarry(kind, s, rl, rh, a, ah, b, bh, c);
    else cpu.f.lazy(kind, s, rl, rh, a, ah, b, bh);
  };
}

function logic(op: number, write: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = i.size[0];
    const a = cpu.readOp(i, 0), ah = cpu.hi;
    let b = cpu.readOp(i, 1), bh = cpu.hi;
    if (i.size[1] !== s && s === 8) bh = b >> 31;
    let lo: number, hi: number;
    if (op === 0) { lo = a & b; hi = ah & bh; } else if (op === 1) { lo = a | b; hi = ah | bh; } else { lo = a ^ b; hi = ah ^ bh; }
    norm(s, lo, hi);
    if (write) cpu.writeOp(i, 0, res.lo, res.hi);
    cpu.f.logic(s, res.lo, res.hi);
  };
}

onMnemonic(Mnemonic.Add, binop(L_ADD, true));
onMnemonic(Mnemonic.Adc, binop(L_ADC, true));
onMnemonic(Mnemonic.Sub, binop(L_SUB, true));
onMnemonic(Mnemonic.Sbb, binop(L_SBB, true));
onMnemonic(Mnemonic.Cmp, binop(L_SUB, false));
onMnemonic(Mnemonic.And, logic(0, true));
onMnemonic(Mnemonic.Or, logic(1, true));
onMnemonic(Mnemonic.Xor, logic(2, true));
onMnemonic(Mnemonic.Test, logic(0, false));

onMnemonic(Mnemonic.Inc, (cpu, i) => {
  const s = i.size[0];
  const a = cpu.readOp(i, 0), ah = cpu.hi;
  addN(s, a, ah, 1, 0, 0);
  const rl = res.lo, rh = res.hi;
  cpu.writeOp(i, 0, rl, rh);
  cpu.f.lazyKeepCf(L_INC, s, rl, rh, a, ah);
});

onMnemonic(Mnemonic.Dec, (cpu, i) => {
  const s = i.size[0];
  const a = cpu.readOp(i, 0), ah = cpu.hi;
  subN(s, a, ah, 1, 0, 0);
  const rl = res.lo, rh = res.hi;
  cpu.writeOp(i, 0, rl, rh);
  cpu.f.lazyKeepCf(L_DEC, s, rl, rh, a, ah);
});

onMnemonic(Mnemonic.Neg, (cpu, i) => {
  const s = i.size[0];
  const b = cpu.readOp(i, 0), bh = cpu.hi;
  subN(s, 0, 0, b, bh, 0);
  const rl = res.lo, rh = res.hi;
  cpu.writeOp(i, 0, rl, rh);
  cpu.f.lazy(L_SUB, s, rl, rh, 0, 0, b, bh);
});

onMnemonic(Mnemonic.Not, (cpu, i) => {
  const s = i.size[0];
  const a = cpu.readOp(i, 0), ah = cpu.hi;
  norm(s, ~a, ~ah);
  cpu.writeOp(i, 0, res.lo, res.hi);
});
