// Multiplication and division: mul, imul (one, two and three operands), div, idiv.
//
// 64-bit products and 128/64-bit quotients are computed exactly on 32-bit halves (no BigInt): products
// from 16-bit partial products, quotients by 16-bit-digit long division in doubles when the divisor is
// small enough for that to be exact, else by binary long division. A zero divisor or a quotient that
// does not fit raises #DE, which Linux reports as SIGFPE/FPE_INTDIV; registers are left untouched.
//
// Flags the architecture leaves undefined are set as the reference host (AMD EPYC, Zen 4) sets them,
// established by the differential tests (test/diff-int.test.ts):
//  - mul/imul: CF = OF = "the high half is significant"; SF, ZF, AF, PF unchanged;
//  - div/idiv: CF and OF unchanged, AF set, SF ZF PF cleared (whatever the operands).

import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Insn } from '../insn';
import { PARITY } from '../flags';
import { RAX, RDX } from '../regs';
import { onMnemonic } from './index';
import { GuestFault, SIGFPE, FPE_INTDIV } from '../../errors';

const TWO32 = 4294967296;

// ---- exact products ---------------------------------------------------------------------------------

/** High 32 bits of the unsigned product of two 32-bit values (low half: Math.imul). */
export function mulHiU32(a: number, b: number): number {
  a >>>= 0; b >>>= 0;
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const mid = a0 * b1 + a1 * b0 + ((a0 * b0) >>> 16); // < 2^34, exact
  return (a1 * b1 + Math.floor(mid / 65536)) >>> 0;
}

/** 128-bit product words (w0 least significant), each an int32 bit pattern. */
export const prod = { w0: 0, w1: 0, w2: 0, w3: 0 };

/** Unsigned 64x64 -> 128 product into prod. */
export function mulU64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const w0 = Math.imul(aLo, bLo);
  const c0 = mulHiU32(aLo, bLo);
  // middle column: c0 + lo(aLo*bHi) + lo(aHi*bLo), with its carries into the next column
  const m1 = Math.imul(aLo, bHi) >>> 0, m2 = Math.imul(aHi, bLo) >>> 0;
  const s1 = c0 + m1 + m2; // < 3 * 2^32
  const k1 = Math.floor(s1 / TWO32);
  const s2 = mulHiU32(aLo, bHi) + mulHiU32(aHi, bLo) + (Math.imul(aHi, bHi) >>> 0) + k1; // < 4 * 2^32
  const k2 = Math.floor(s2 / TWO32);
  prod.w0 = w0;
  prod.w1 = s1 | 0;
  prod.w2 = s2 | 0;
  prod.w3 = (mulHiU32(aHi, bHi) + k2) | 0;
}

/** Signed 64x64 -> 128 product into prod. */
export function mulS64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  mulU64(aLo, aHi, bLo, bHi);
  // Treating a negative operand as unsigned added 2^64 * (the other operand): take it back off the
  // high half.
  if (aHi < 0) subHigh(bLo, bHi);
  if (bHi < 0) subHigh(aLo, aHi);
}

function subHigh(lo: number, hi: number): void {
  const l = (prod.w2 >>> 0) - (lo >>> 0);
  prod.w2 = l | 0;
  prod.w3 = (prod.w3 - hi - (l < 0 ? 1 : 0)) | 0;
}

/** mul/imul set CF and OF; the host leaves SF ZF AF PF as they were. */
function mulFlags(cpu: Cpu, over: boolean): void {
  const f = cpu.f;
  const o = over ? 1 : 0;
  f.set(o, f.pf(), f.af(), f.zf(), f.sf(), o);
}

function mul(cpu: Cpu, i: Insn): void {
  const s = i.size[0];
  const b = cpu.readOp(i, 0), bh = cpu.hi;
  const r = cpu.r;
  switch (s) {
    case 1: {
      const p = (r[0] & 0xff) * b;
      cpu.writeReg(RAX, 2, p, 0);
      mulFlags(cpu, p > 0xff);
      return;
    }
    case 2: {
      const p = (r[0] & 0xffff) * b;
      cpu.writeReg(RAX, 2, p, 0);
      cpu.writeReg(RDX, 2, p >>> 16, 0);
      mulFlags(cpu, p > 0xffff);
      return;
    }
    case 4: {
      const a = r[0];
      const lo = Math.imul(a, b), hi = mulHiU32(a, b);
      cpu.writeReg(RAX, 4, lo, 0);
      cpu.writeReg(RDX, 4, hi, 0);
      mulFlags(cpu, hi !== 0);
      return;
    }
    default: {
      mulU64(r[0], r[1], b, bh);
      cpu.setHalves(RAX, prod.w0, prod.w1);
      cpu.setHalves(RDX, prod.w2, prod.w3);
      mulFlags(cpu, (prod.w2 | prod.w3) !== 0);
    }
  }
}

/** Signed product of two values of `size` (<= 4) bytes, truncated to the size: value; overflow in imOver. */
let imOver = false;
function imulSmall(size: number, a: number, b: number): number {
  if (size === 4) {
    const lo = Math.imul(a, b);
    let hi = mulHiU32(a, b);
    if (a < 0) hi = (hi - b) | 0;
    if (b < 0) hi = (hi - a) | 0;
    imOver = hi !== (lo >> 31);
    return lo;
  }
  const sh = 32 - size * 8;
  const p = ((a << sh) >> sh) * ((b << sh) >> sh); // exact: |p| <= 2^30
  imOver = p !== ((p << sh) >> sh);
  return p;
}

function imul(cpu: Cpu, i: Insn): void {
  const s = i.size[0];
  if (i.opCount === 1) {
    const b = cpu.readOp(i, 0), bh = cpu.hi;
    const r = cpu.r;
    switch (s) {
      case 1: {
        const p = imulSmall(1, r[0] & 0xff, b);
        cpu.writeReg(RAX, 2, p, 0);
        mulFlags(cpu, imOver);
        return;
      }
      case 2: {
        const p = imulSmall(2, r[0] & 0xffff, b);
        cpu.writeReg(RAX, 2, p, 0);
        cpu.writeReg(RDX, 2, p >> 16, 0);
        mulFlags(cpu, imOver);
        return;
      }
      case 4: {
        const a = r[0];
        const lo = Math.imul(a, b);
        let hi = mulHiU32(a, b);
        if (a < 0) hi = (hi - b) | 0;
        if (b < 0) hi = (hi - a) | 0;
        cpu.writeReg(RAX, 4, lo, 0);
        cpu.writeReg(RDX, 4, hi, 0);
        mulFlags(cpu, hi !== (lo >> 31));
        return;
      }
      default: {
        mulS64(r[0], r[1], b, bh);
        cpu.setHalves(RAX, prod.w0, prod.w1);
        cpu.setHalves(RDX, prod.w2, prod.w3);
        const ext = prod.w1 >> 31;
        mulFlags(cpu, prod.w2 !== ext || prod.w3 !== ext);
      }
    }
    return;
  }
  // Two operands (dst *= src) or three (dst = src * imm).
  const a = cpu.readOp(i, i.opCount === 2 ? 0 : 1), ah = cpu.hi;
  const b = cpu.readOp(i, i.opCount === 2 ? 1 : 2), bh = cpu.hi;
  if (s === 8) {
    mulS64(a, ah, b, bh);
    const lo = prod.w0, hi = prod.w1;
    const ext = hi >> 31;
    cpu.writeReg(i.reg[0], 8, lo, hi);
    mulFlags(cpu, prod.w2 !== ext || prod.w3 !== ext);
    return;
  }
  const p = imulSmall(s, a, b);
  cpu.writeReg(i.reg[0], s, p, 0);
  mulFlags(cpu, imOver);
}

onMnemonic(Mnemonic.Mul, mul);
onMnemonic(Mnemonic.Imul, imul);

// ---- division ---------------------------------------------------------------------------------------

/** Quotient and remainder halves of the last division. */
export const quo = { qLo: 0, qHi: 0, rLo: 0, rHi: 0 };

/**
 * Unsigned (nHi:nLo) / d where nHi, nLo and d are 64-bit values as halves, and nHi < d (so the
 * quotient fits in 64 bits; the caller checks). Result in quo.
 */
export function divU128(n3: number, n2: number, n1: number, n0: number, dLo: number, dHi: number): void {
  if ((dHi >>> 0) < 0x20) {
    const d = (dHi >>> 0) * TWO32 + (dLo >>> 0);
    // d < 2^37: long division by 16-bit digits is exact in doubles (partial dividends < 2^53).
    let rem = (n3 >>> 0) * TWO32 + (n2 >>> 0); // < d
    let q = 0, qhi = 0;
    for (let k = 0; k < 4; k++) {
      const digit = k < 2 ? ((n1 >>> (k === 0 ? 16 : 0)) & 0xffff) : ((n0 >>> (k === 2 ? 16 : 0)) & 0xffff);
      const t = rem * 65536 + digit;
      const qd = Math.floor(t / d);
      rem = t - qd * d;
      if (k < 2) qhi = qhi * 65536 + qd; else q = q * 65536 + qd;
    }
    quo.qLo = q | 0; quo.qHi = qhi | 0;
    quo.rLo = rem % TWO32 | 0; quo.rHi = Math.floor(rem / TWO32) | 0;
    return;
  }
  // Binary long division: 64 steps of shift-in-a-bit / compare / subtract on the remainder (r3:r2,
  // at most 65 bits wide before the subtraction).
  let rLo = n2 >>> 0, rHi = n3 >>> 0, qLo = 0, qHi = 0;
  const dl = dLo >>> 0, dh = dHi >>> 0;
  for (let k = 63; k >= 0; k--) {
    const top = rHi >>> 31;
    rHi = ((rHi << 1) | (rLo >>> 31)) >>> 0;
    rLo = ((rLo << 1) | (k >= 32 ? (n1 >>> (k - 32)) & 1 : (n0 >>> k) & 1)) >>> 0;
    if (top || rHi > dh || (rHi === dh && rLo >= dl)) {
      const l = rLo - dl;
      rLo = l >>> 0;
      rHi = (rHi - dh - (l < 0 ? 1 : 0)) >>> 0;
      if (k >= 32) qHi |= 1 << (k - 32); else qLo |= 1 << k;
    }
  }
  quo.qLo = qLo | 0; quo.qHi = qHi | 0; quo.rLo = rLo | 0; quo.rHi = rHi | 0;
}

/** After a division the host keeps CF and OF, sets AF and clears SF, ZF and PF. */
function divFlags(cpu: Cpu): void {
  const f = cpu.f;
  f.set(f.cf(), 0, 1, 0, 0, f.of());
}

function divideError(i: Insn): never { divideErrorAt(i.ip); }

function divideErrorAt(ip: number): never {
  throw new GuestFault(SIGFPE, ip, '', FPE_INTDIV);
}

/** Unsigned compare of 64-bit values as halves: a >= b. */
function geU64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi !== bHi ? (aHi >>> 0) > (bHi >>> 0) : (aLo >>> 0) >= (bLo >>> 0);
}

// The 32- and 64-bit divisions, shared by the handlers below and the block compiler's helpers
// (jit/helpers-scalar.ts): the dividend and divisor as int32 halves and the instruction's address (for
// #DE); the quotient's low half is returned and the rest left in `quo` (qHi, rLo, rHi), so that nothing
// is allocated. #DE is raised before anything changes.

/** div r/m32: edx:eax / d. Quotient returned, remainder in quo.rLo. */
export function divU32(lo: number, hi: number, d: number, ip: number): number {
  const du = d >>> 0, hu = hi >>> 0;
  if (du === 0 || hu >= du) divideErrorAt(ip);
  // Two 16-bit digit steps: every partial dividend stays below 2^48, exact in a double.
  let t = hu * 65536 + (lo >>> 16);
  const q1 = Math.floor(t / du);
  t = (t - q1 * du) * 65536 + (lo & 0xffff);
  const q0 = Math.floor(t / du);
  quo.rLo = (t - q0 * du) | 0;
  return (q1 * 65536 + q0) | 0;
}

/** idiv r/m32: signed edx:eax / d, truncating. Quotient returned, remainder in quo.rLo. */
export function divS32(lo: number, hi: number, d: number, ip: number): number {
  if (d === 0) divideErrorAt(ip);
  const nneg = hi < 0, dneg = d < 0;
  if (nneg) { lo = -lo | 0; hi = (~hi + (lo === 0 ? 1 : 0)) | 0; }
  const du = dneg ? (-d >>> 0) : d >>> 0;
  const hu = hi >>> 0;
  if (hu >= du) divideErrorAt(ip);
  let t = hu * 65536 + ((lo >>> 16) & 0xffff);
  const q1 = Math.floor(t / du);
  t = (t - q1 * du) * 65536 + (lo & 0xffff);
  const q0 = Math.floor(t / du);
  const q = q1 * 65536 + q0, rem = t - q0 * du;
  const qneg = nneg !== dneg;
  if (q > (qneg ? 0x80000000 : 0x7fffffff)) divideErrorAt(ip);
  quo.rLo = nneg ? -rem | 0 : rem | 0;
  return qneg ? -q | 0 : q | 0;
}

/** div r/m64: rdx:rax (n3:n2 high, n1:n0 low, int32 words) / dh:d. Quotient low half returned. */
export function divU64(n0: number, n1: number, n2: number, n3: number, d: number, dh: number, ip: number): number {
  if ((d | dh) === 0 || geU64(n2, n3, d, dh)) divideErrorAt(ip);
  divU128(n3, n2, n1, n0, d, dh);
  return quo.qLo;
}

/** idiv r/m64: signed rdx:rax / dh:d, truncating. Quotient low half returned. */
export function divS64(n0: number, n1: number, n2: number, n3: number, d: number, dh: number, ip: number): number {
  if ((d | dh) === 0) divideErrorAt(ip);
  const nneg = n3 < 0, dneg = dh < 0;
  if (nneg) {
    // Negate the 128-bit dividend.
    n0 = ~n0; n1 = ~n1; n2 = ~n2; n3 = ~n3;
    n0 = (n0 + 1) | 0;
    if (n0 === 0) { n1 = (n1 + 1) | 0; if (n1 === 0) { n2 = (n2 + 1) | 0; if (n2 === 0) n3 = (n3 + 1) | 0; } }
  }
  if (dneg) { d = -d | 0; dh = (~dh + (d === 0 ? 1 : 0)) | 0; }
  if (geU64(n2, n3, d, dh)) divideErrorAt(ip);
  divU128(n3, n2, n1, n0, d, dh);
  let qLo = quo.qLo, qHi = quo.qHi, rLo = quo.rLo, rHi = quo.rHi;
  const qneg = nneg !== dneg;
  // |q| must be at most 2^63 - 1, or 2^63 when negative.
  if (qHi < 0 && !(qneg && qHi === (0x80000000 | 0) && qLo === 0)) divideErrorAt(ip);
  if (qneg) { qLo = -qLo | 0; qHi = (~qHi + (qLo === 0 ? 1 : 0)) | 0; }
  if (nneg) { rLo = -rLo | 0; rHi = (~rHi + (rLo === 0 ? 1 : 0)) | 0; }
  quo.qHi = qHi; quo.rLo = rLo; quo.rHi = rHi;
  return qLo;
}

function div(cpu: Cpu, i: Insn): void {
  divide(cpu, i);
  divFlags(cpu);
}

function idiv(cpu: Cpu, i: Insn): void {
  idivide(cpu, i);
  divFlags(cpu);
}

function divide(cpu: Cpu, i: Insn): void {
  const s = i.size[0];
  const d = cpu.readOp(i, 0), dh = cpu.hi;
  const r = cpu.r;
  switch (s) {
    case 1: {
      if (d === 0) divideError(i);
      const n = r[0] & 0xffff;
      const q = Math.floor(n / d);
      if (q > 0xff) divideError(i);
      cpu.writeReg(RAX, 2, q | ((n - q * d) << 8), 0);
      return;
    }
    case 2: {
      if (d === 0) divideError(i);
      const n = ((r[4] & 0xffff) * 65536) + (r[0] & 0xffff);
      const q = Math.floor(n / d);
      if (q > 0xffff) divideError(i);
      cpu.writeReg(RAX, 2, q, 0);
      cpu.writeReg(RDX, 2, n - q * d, 0);
      return;
    }
    case 4:
      cpu.writeReg(RAX, 4, divU32(r[0], r[4], d, i.ip), 0);
      cpu.writeReg(RDX, 4, quo.rLo, 0);
      return;
    default:
      cpu.setHalves(RAX, divU64(r[0], r[1], r[4], r[5], d, dh, i.ip), quo.qHi);
      cpu.setHalves(RDX, quo.rLo, quo.rHi);
  }
}

function idivide(cpu: Cpu, i: Insn): void {
  const s = i.size[0];
  const d = cpu.readOp(i, 0), dh = cpu.hi;
  const r = cpu.r;
  switch (s) {
    case 1: case 2: {
      const bits = s * 8, sh = 32 - bits;
      const dv = (d << sh) >> sh;
      if (dv === 0) divideError(i);
      const n = s === 1 ? (r[0] << 16) >> 16 : ((r[4] << 16) | (r[0] & 0xffff));
      const q = Math.trunc(n / dv);
      if (q > (1 << (bits - 1)) - 1 || q < -(1 << (bits - 1))) divideError(i);
      const rem = n - q * dv;
      if (s === 1) cpu.writeReg(RAX, 2, (q & 0xff) | ((rem & 0xff) << 8), 0);
      else { cpu.writeReg(RAX, 2, q, 0); cpu.writeReg(RDX, 2, rem, 0); }
      return;
    }
    case 4:
      cpu.writeReg(RAX, 4, divS32(r[0], r[4], d, i.ip), 0);
      cpu.writeReg(RDX, 4, quo.rLo, 0);
      return;
    default:
      cpu.setHalves(RAX, divS64(r[0], r[1], r[4], r[5], d, dh, i.ip), quo.qHi);
      cpu.setHalves(RDX, quo.rLo, quo.rHi);
  }
}

onMnemonic(Mnemonic.Div, div);
onMnemonic(Mnemonic.Idiv, idiv);
