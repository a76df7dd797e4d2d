// Helpers the generated code calls for compiled scalar instructions too long to emit inline: division.
// compile.ts merges them into G.
//
// Each division helper takes the dividend and divisor as int32 halves and the instruction's address,
// returns the quotient's low half and leaves the rest in `quo` (G.quo: qHi, rLo, rHi), so that a call
// allocates nothing. A zero divisor or a quotient that does not fit throws the interpreter's #DE
// (SIGFPE/FPE_INTDIV at the instruction) before anything changes. The arithmetic is the interpreter's
// (ops/muldiv.ts): the same 16-bit-digit steps for 32-bit operands and divU128 for 64-bit ones.

import { GuestFault, SIGFPE, FPE_INTDIV } from '../../errors';
import { divU128, quo } from '../ops/muldiv';

function divideError(ip: number): never {
  throw new GuestFault(SIGFPE, ip, '', FPE_INTDIV);
}

/** Unsigned compare of 64-bit values as halves: a >= b. */
function geU64(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi !== bHi ? (aHi >>> 0) > (bHi >>> 0) : (aLo >>> 0) >= (bLo >>> 0);
}

/** div r/m32: edx:eax / d. Quotient returned, remainder in quo.rLo. */
function div32(lo: number, hi: number, d: number, ip: number): number {
  const du = d >>> 0, hu = hi >>> 0;
  if (du === 0 || hu >= du) divideError(ip);
  // Two 16-bit digit steps: every partial dividend stays below 2^48, exact in a double.
  let t = hu * 65536 + (lo >>> 16);
  const q1 = Math.floor(t / du);
  t = (t - q1 * du) * 65536 + (lo & 0xffff);
  const q0 = Math.floor(t / du);
  quo.rLo = (t - q0 * du) | 0;
  return (q1 * 65536 + q0) | 0;
}

/** idiv r/m32: signed edx:eax / d, truncating. Quotient returned, remainder in quo.rLo. */
function idiv32(lo: number, hi: number, d: number, ip: number): number {
  if (d === 0) divideError(ip);
  const nneg = hi < 0, dneg = d < 0;
  if (nneg) { lo = -lo | 0; hi = (~hi + (lo === 0 ? 1 : 0)) | 0; }
  const du = dneg ? (-d >>> 0) : d >>> 0;
  const hu = hi >>> 0;
  if (hu >= du) divideError(ip);
  let t = hu * 65536 + ((lo >>> 16) & 0xffff);
  const q1 = Math.floor(t / du);
  t = (t - q1 * du) * 65536 + (lo & 0xffff);
  const q0 = Math.floor(t / du);
  const q = q1 * 65536 + q0, rem = t - q0 * du;
  const qneg = nneg !== dneg;
  if (q > (qneg ? 0x80000000 : 0x7fffffff)) divideError(ip);
  quo.rLo = nneg ? -rem | 0 : rem | 0;
  return qneg ? -q | 0 : q | 0;
}

/** div r/m64: rdx:rax (n3:n2:n1:n0 as int32 words) / dHi:dLo. Quotient low half returned. */
function div64(n0: number, n1: number, n2: number, n3: number, d: number, dh: number, ip: number): number {
  if ((d | dh) === 0 || geU64(n2, n3, d, dh)) divideError(ip);
  divU128(n3, n2, n1, n0, d, dh);
  return quo.qLo;
}

/** idiv r/m64: signed rdx:rax / dHi:dLo, truncating. Quotient low half returned. */
function idiv64(n0: number, n1: number, n2: number, n3: number, d: number, dh: number, ip: number): number {
  if ((d | dh) === 0) divideError(ip);
  const nneg = n3 < 0, dneg = dh < 0;
  if (nneg) {
    n0 = ~n0; n1 = ~n1; n2 = ~n2; n3 = ~n3;
    n0 = (n0 + 1) | 0;
    if (n0 === 0) { n1 = (n1 + 1) | 0; if (n1 === 0) { n2 = (n2 + 1) | 0; if (n2 === 0) n3 = (n3 + 1) | 0; } }
  }
  if (dneg) { d = -d | 0; dh = (~dh + (d === 0 ? 1 : 0)) | 0; }
  if (geU64(n2, n3, d, dh)) divideError(ip);
  divU128(n3, n2, n1, n0, d, dh);
  let qLo = quo.qLo, qHi = quo.qHi, rLo = quo.rLo, rHi = quo.rHi;
  const qneg = nneg !== dneg;
  // |q| must be at most 2^63 - 1, or 2^63 when negative.
  if (qHi < 0 && !(qneg && qHi === (0x80000000 | 0) && qLo === 0)) divideError(ip);
  if (qneg) { qLo = -qLo | 0; qHi = (~qHi + (qLo === 0 ? 1 : 0)) | 0; }
  if (nneg) { rLo = -rLo | 0; rHi = (~rHi + (rLo === 0 ? 1 : 0)) | 0; }
  quo.qHi = qHi; quo.rLo = rLo; quo.rHi = rHi;
  return qLo;
}

export const scalarHelpers = { quo, div32, idiv32, div64, idiv64 };
