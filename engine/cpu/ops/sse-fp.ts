// SSE/SSE2 floating point: add sub mul div sqrt min max (ps pd ss sd), and/andn/or/xor (ps pd),
// cmpps cmppd cmpss cmpsd, comiss comisd ucomiss ucomisd, shufps shufpd, unpck{l,h}{ps,pd},
// the conversions between int32/int64, single and double, and ldmxcsr/stmxcsr.
//
// Results are bit-exact with the hardware, MXCSR included:
// - NaNs are handled on the raw lane bits (never by letting JS produce a NaN, whose bits it may
//   canonicalise): a NaN operand is returned quietened, the first source's winning; invalid
//   operations give the default NaN (sign set, quiet bit only).
// - Every rounding is correct in the four MXCSR.RC modes. JS computes round-to-nearest results; the
//   error of that result (TwoSum for sums, Dekker's product for products, the residual for quotients and
//   square roots) gives the sign of (exact - rounded), which is all that is needed to round directed,
//   to detect inexactness (PE), to re-round to single precision or to the subnormal grid, and to tell
//   underflow (UE: tiny after rounding, and inexact) and overflow (OE).
// - DE for subnormal inputs, ZE for division of a finite non-zero by zero, IE for signalling NaNs and
//   invalid operations; DAZ and FTZ honoured. An unmasked exception leaves the destination untouched,
//   sets the flag and raises SIGFPE as the kernel does for #XM.

import { Code } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Insn, Handler } from '../insn';
import { onCode } from './index';
import { A, B, C, Vec, getX, putX, loadOp, onSse, MXCSR_MM } from './sse-move';
import { GuestFault, SIGSEGV, SIGFPE, SI_KERNEL } from '../../errors';
import { pand, pandn, por, pxor } from './sse-int';

// ---- MXCSR and the per-instruction exception state ----------------------------------------------

export const IE = 0x1, DE = 0x2, ZE = 0x4, OE = 0x8, UE = 0x10, PE = 0x20, DAZ = 0x40, FTZ = 0x8000;
export const RN = 0, RD = 1, RU = 2, RZ = 3;
/** Bits ldmxcsr accepts (this host's MXCSR_MASK: flags, DAZ, masks, RC, FTZ, MM). */
export const MXCSR_MASK = 0xffff | MXCSR_MM;

/** Exceptions raised so far by the current instruction. */
let exc = 0;
/** Rounding control, DAZ and FTZ of the current instruction. */
let rc = RN;
let daz = false, ftz = false;

/** Start an SSE floating-point instruction: latch MXCSR controls. */
export function fpBegin(cpu: Cpu): void {
  const m = cpu.mxcsr;
  rc = (m >> 13) & 3; daz = (m & DAZ) !== 0; ftz = (m & FTZ) !== 0; exc = 0;
}

const FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6, FPE_FLTINV = 7;

/** Finish: record the exception flags; an unmasked one raises #XM (SIGFPE) before anything is written. */
export function fpEnd(cpu: Cpu, i: Insn): void {
  if (exc === 0) return;
  const m = cpu.mxcsr | exc;
  cpu.mxcsr = m;
  if ((exc & ~(m >> 7) & 0x3f) === 0) return;
  // si_code as the kernel derives it from all pending unmasked flags.
  const err = ~(m >> 7) & m;
  const code = err & IE ? FPE_FLTINV : err & ZE ? FPE_FLTDIV : err & OE ? FPE_FLTOVF
    : err & (UE | DE) ? FPE_FLTUND : err & PE ? FPE_FLTRES : 0;
  throw new GuestFault(SIGFPE, i.ip, 'SIMD floating-point exception', code);
}

// ---- bit helpers --------------------------------------------------------------------------------

const F64 = new Float64Array(1), F64I = new Int32Array(F64.buffer);

/** 2^k for k in [-1074, 1023]. */
const P2 = new Float64Array(2098);
for (let k = 0, v = 1; k <= 1023; k++, v *= 2) P2[1074 + k] = v;
for (let k = 1, v = 0.5; k <= 1074; k++, v /= 2) P2[1074 - k] = v;
/** x * 2^k exactly, for results that are representable (k in [-1074, 2046]). */
function ldexp(x: number, k: number): number {
  if (k > 1023) { x *= P2[1074 + 1023]; k -= 1023; }
  return x * P2[1074 + k];
}

const MIN_NORMAL_D = 2.2250738585072014e-308, MIN_NORMAL_S = 1.1754943508222875e-38;
const MAX_D = 1.7976931348623157e308, MAX_S = 3.4028234663852886e38;

/** Decomposition of |x| (finite, non-zero): |x| = dMant * 2^(dExp - 52), dMant an integer in [2^52, 2^53). */
let dMant = 0, dExp = 0;
function decompose(x: number): void {
  F64[0] = x;
  const h = F64I[1], l = F64I[0] >>> 0;
  const ef = (h >>> 20) & 0x7ff;
  if (ef !== 0) { dMant = ((h & 0xfffff) | 0x100000) * 4294967296 + l; dExp = ef - 1023; return; }
  // Subnormal: normalise.
  const m = (h & 0xfffff) * 4294967296 + l;
  const top = (h & 0xfffff) !== 0 ? 63 - Math.clz32(h & 0xfffff) : 31 - Math.clz32(l);
  dMant = m * P2[1074 + 52 - top];
  dExp = top - 1074;
}

/** a*b - p exactly, where p = RN(a*b) (no overflow; the error representable). */
function prodErr(a: number, b: number, p: number): number {
  let t = 134217729 * a;
  const ah = t - (t - a), al = a - ah;
  t = 134217729 * b;
  const bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

function sgn(x: number): number { return x > 0 ? 1 : x < 0 ? -1 : 0; }

// ---- rounding -----------------------------------------------------------------------------------

let inexact = false;

/**
 * Round the magnitude m = mant * 2^t (mant an integer < 2^54) to an integer, where the exact magnitude
 * is m nudged by an amount smaller than half of m's last bit in direction s (-1, 0, +1).
 * up: +1 round magnitude up, -1 down (truncate), 0 to nearest-even.
 */
function roundMag(mant: number, t: number, s: number, up: number): number {
  let n: number, f: number;
  if (t < -60) { n = 0; f = 1 / 1024; } else { const m = mant * P2[1074 + t]; n = Math.floor(m); f = m - n; }
  if (f === 0) {
    if (s === 0) { inexact = false; return n; }
    inexact = true;
    if (s > 0) return up > 0 ? n + 1 : n;
    return up < 0 ? n - 1 : n;
  }
  inexact = true;
  if (up > 0) return n + 1;
  if (up < 0) return n;
  if (f > 0.5) return n + 1;
  if (f < 0.5) return n;
  if (s !== 0) return s > 0 ? n + 1 : n;
  return n % 2 === 0 ? n : n + 1;
}

function overflow(neg: boolean, single: boolean): number {
  exc |= OE | PE;
  const toInf = rc === RN || (rc === RU && !neg) || (rc === RD && neg);
  const r = toInf ? Infinity : single ? MAX_S : MAX_D;
  return neg ? -r : r;
}

/**
 * The correctly rounded value of (hi + lo) * 2^e in the current rounding mode, as a double (single:
 * rounded to binary32). hi is finite and non-zero; only the sign of lo matters (the sign of the exact
 * value minus hi; |lo| below half an ulp of hi). Sets PE, UE, OE; applies FTZ.
 */
export function finish(hi: number, lo: number, e: number, single: boolean): number {
  const neg = hi < 0;
  const s = lo === 0 ? 0 : (lo < 0) !== neg ? -1 : 1;
  decompose(hi);
  const mant = dMant;
  let E = dExp + e;
  if (s < 0 && mant === 4503599627370496) E--; // just below a power of two: the lower binade
  const p = single ? 24 : 53, emin = single ? -126 : -1022, emax = single ? 127 : 1023;
  if (E > emax) return overflow(neg, single);
  const up = rc === RN ? 0 : rc === RZ ? -1 : (rc === RU) !== neg ? 1 : -1;
  const qe = (E < emin ? emin : E) - p + 1;
  // |exact| = mant * 2^(dExp + e - 52); in units of the quantum 2^qe:
  const t = dExp + e - 52 - qe;
  const k = roundMag(mant, t, s, up);
  let r = ldexp(k, qe);
  if (r >= P2[1074 + emax] * 2) return overflow(neg, single);
  const wasInexact = inexact;
  if (wasInexact) exc |= PE;
  if (E < emin) {
    // Tiny if the value rounded to p bits with an unbounded exponent is below 2^emin.
    const tiny = E < emin - 1 || roundMag(mant, dExp + e - 52 - (E - p + 1), s, up) < P2[1074 + p];
    if (tiny) {
      // Masked underflow is reported for inexact tiny results; FTZ flushes any tiny result to zero.
      if (ftz) { exc |= UE | PE; r = 0; } else if (wasInexact) exc |= UE;
    }
  }
  return neg ? -r : r;
}

/** Round a double-precision result hi (+ lo) * 2^e: the common case is hi itself. */
function roundD(hi: number, lo: number, e: number): number {
  if (hi === 0) return hi;
  if (rc === RN && e === 0 && (hi >= MIN_NORMAL_D || hi <= -MIN_NORMAL_D)) {
    if (lo !== 0) exc |= PE;
    return hi;
  }
  return finish(hi, lo, e, false);
}

/**
 * Round to single precision a double hi whose error (sign of lo) is known, where double rounding is
 * innocuous (results of + - * / sqrt on binary32 operands).
 */
function roundS(hi: number, lo: number): number {
  if (hi === 0) return hi;
  if (rc === RN && (hi >= MIN_NORMAL_S || hi <= -MIN_NORMAL_S)) {
    // Not tiny (hi is at least the smallest normal); may still overflow.
    const r = Math.fround(hi);
    if (r !== Infinity && r !== -Infinity) {
      if (r !== hi || lo !== 0) exc |= PE;
      return r;
    }
  }
  return finish(hi, lo, 0, true);
}

// ---- arithmetic on non-NaN operands (NaNs are handled on the raw bits before these run) ----------

/** x + y with the sign rules for exact zero (-0 only in round-down, or for -0 + -0). */
function addRaw(a: number, b: number, single: boolean): number {
  const s = a + b;
  if (s !== s) return NaN; // inf + -inf
  if (s === Infinity || s === -Infinity) {
    if (a === s || b === s) return s;
    return overflow(s < 0, single);
  }
  if (s === 0) {
    if (rc === RD && !(a === 0 && b === 0 && 1 / a > 0 && 1 / b > 0)) return -0;
    return s;
  }
  const bb = s - a;
  const err = (a - (s - bb)) + (b - bb);
  return single ? roundS(s, err) : roundD(s, err, 0);
}

const TWO_M968 = 4.0083367200179456e-292, TWO_995 = 2 ** 995, TWO_900 = 2 ** 900, TWO_M900 = 2 ** -900;

function mulD(a: number, b: number): number {
  const p = a * b;
  if (p !== p) return NaN; // 0 * inf
  if (a === 0 || b === 0 || a === Infinity || a === -Infinity || b === Infinity || b === -Infinity) return p;
  const ap = p < 0 ? -p : p;
  if (ap > TWO_M968 && ap < TWO_995 && a < TWO_995 && a > -TWO_995 && b < TWO_995 && b > -TWO_995) {
    return roundD(p, prodErr(a, b, p), 0);
  }
  // Extreme exponents: work on the significands in [1, 2).
  decompose(a); const ma = (a < 0 ? -dMant : dMant) * P2[1074 - 52], ea = dExp;
  decompose(b); const mb = (b < 0 ? -dMant : dMant) * P2[1074 - 52], eb = dExp;
  const q = ma * mb;
  return finish(q, prodErr(ma, mb, q), ea + eb, false);
}

function mulS(a: number, b: number): number {
  const p = a * b; // exact for binary32 operands
  if (p !== p) return NaN;
  if (p === 0 || p === Infinity || p === -Infinity) return p;
  return roundS(p, 0);
}

/** Sign of (a/b - q) given the residual a - q*b. */
function quotErr(a: number, b: number, q: number): number {
  const ph = q * b, pl = prodErr(q, b, ph);
  const r = (a - ph) - pl;
  return r === 0 ? 0 : (r > 0) === (b > 0) ? 1 : -1;
}

/** Division special cases; returns undefined when both operands are finite and non-zero. */
function divSpecial(a: number, b: number): number | undefined {
  if (b === 0) {
    if (a === 0) return NaN;
    if (a === Infinity || a === -Infinity) return a / b;
    exc |= ZE;
    return a / b;
  }
  if (a === Infinity || a === -Infinity) return b === Infinity || b === -Infinity ? NaN : a / b;
  if (a === 0 || b === Infinity || b === -Infinity) return a / b;
  return undefined;
}

function divD(a: number, b: number): number {
  const sp = divSpecial(a, b);
  if (sp !== undefined) return sp;
  const q = a / b;
  const aq = q < 0 ? -q : q, aa = a < 0 ? -a : a, ab = b < 0 ? -b : b;
  if (aq > TWO_M968 && aq < TWO_995 && aa > TWO_M968 && aa < TWO_995 && ab > TWO_M968 && ab < TWO_995) {
    return roundD(q, quotErr(a, b, q), 0);
  }
  decompose(a); const ma = (a < 0 ? -dMant : dMant) * P2[1074 - 52], ea = dExp;
  decompose(b); const mb = (b < 0 ? -dMant : dMant) * P2[1074 - 52], eb = dExp;
  const q1 = ma / mb;
  return finish(q1, quotErr(ma, mb, q1), ea - eb, false);
}

function divS(a: number, b: number): number {
  const sp = divSpecial(a, b);
  if (sp !== undefined) return sp;
  const q = a / b;
  return roundS(q, quotErr(a, b, q));
}

/** Sign of (sqrt(x) - s) for s = RN(sqrt(x)), x > 0 finite. */
function sqrtErr(x: number, s: number): number {
  if (x < TWO_M900 || x > TWO_900) {
    // Scale by an even power of two so that the residual is exact.
    decompose(x);
    const k = dExp & ~1;
    x = ldexp(x, -k);
    s = ldexp(s, -k / 2);
  }
  const ph = s * s, pl = prodErr(s, s, ph);
  return sgn((x - ph) - pl);
}

function sqrtAny(x: number, single: boolean): number {
  if (x === 0 || x === Infinity) return x;
  if (x < 0) return NaN;
  const s = Math.sqrt(x);
  const e = sqrtErr(x, s);
  return single ? roundS(s, e) : roundD(s, e, 0);
}

// ---- lanes --------------------------------------------------------------------------------------

/** Apply DAZ / record DE for a double operand. */
function inD(x: number): number {
  if (x !== 0 && x < MIN_NORMAL_D && x > -MIN_NORMAL_D) {
    if (daz) return x < 0 ? -0 : 0;
    exc |= DE;
  }
  return x;
}
function inS(x: number): number {
  if (x !== 0 && x < MIN_NORMAL_S && x > -MIN_NORMAL_S) {
    if (daz) return x < 0 ? -0 : 0;
    exc |= DE;
  }
  return x;
}

/** Store a result into double lane k of v (NaN means: invalid, default NaN). */
function putD(v: Vec, k: number, r: number): void {
  if (r !== r) { exc |= IE; v.i32[2 * k] = 0; v.i32[2 * k + 1] = 0xfff80000 | 0; } else v.f64[k] = r;
}
function putS(v: Vec, k: number, r: number): void {
  if (r !== r) { exc |= IE; v.i32[k] = 0xffc00000 | 0; } else v.f32[k] = r;
}

/** Binary op NaN rule: an SNaN raises IE; the first source's NaN (quietened) wins over the second's. */
function nanD(k: number): void {
  const ah = A.i32[2 * k + 1], bh = B.i32[2 * k + 1];
  const an = A.f64[k] !== A.f64[k], bn = B.f64[k] !== B.f64[k];
  if ((an && !(ah & 0x80000)) || (bn && !(bh & 0x80000))) exc |= IE;
  if (an) A.i32[2 * k + 1] = ah | 0x80000;
  else { A.i32[2 * k] = B.i32[2 * k]; A.i32[2 * k + 1] = bh | 0x80000; }
}
function nanS(k: number): void {
  const a = A.i32[k], b = B.i32[k];
  const an = (a & 0x7f800000) === 0x7f800000 && (a & 0x7fffff) !== 0;
  const bn = (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0;
  if ((an && !(a & 0x400000)) || (bn && !(b & 0x400000))) exc |= IE;
  A.i32[k] = an ? a | 0x400000 : b | 0x400000;
}

type BinOp = (a: number, b: number, single: boolean) => number;

function laneD(op: BinOp, k: number): void {
  const a = A.f64[k], b = B.f64[k];
  if (a !== a || b !== b) { nanD(k); return; }
  const before = exc;
  const x = inD(a), y = inD(b);
  // A subnormal dividend over zero reports only ZE.
  if (y === 0 && op === opDiv && x !== 0) exc = before;
  putD(A, k, op(x, y, false));
}
function laneS(op: BinOp, k: number): void {
  const a = A.f32[k], b = B.f32[k];
  if (a !== a || b !== b) { nanS(k); return; }
  const before = exc;
  const x = inS(a), y = inS(b);
  if (y === 0 && op === opDiv && x !== 0) exc = before;
  putS(A, k, op(x, y, true));
}

const opAdd: BinOp = (a, b, s) => addRaw(a, b, s);
const opSub: BinOp = (a, b, s) => addRaw(a, -b, s);
const opMul: BinOp = (a, b, s) => s ? mulS(a, b) : mulD(a, b);
const opDiv: BinOp = (a, b, s) => s ? divS(a, b) : divD(a, b);

/** Handlers for the four shapes of an arithmetic op: ps (4 singles), pd, ss, sd. */
function arith(op: BinOp, ps: string, pd: string, ss: string, sd: string): void {
  const make = (lanes: number, single: boolean): Handler => (cpu, i) => {
    fpBegin(cpu);
    loadOp(cpu, i, 1, B);
    getX(cpu, i.reg[0], A);
    if (single) for (let k = 0; k < lanes; k++) laneS(op, k);
    else for (let k = 0; k < lanes; k++) laneD(op, k);
    fpEnd(cpu, i);
    putX(cpu, i.reg[0], A);
  };
  onSse(ps, make(4, true)); onSse(pd, make(2, false));
  onSse(ss, make(1, true)); onSse(sd, make(1, false));
}
arith(opAdd, 'Addps', 'Addpd', 'Addss', 'Addsd');
arith(opSub, 'Subps', 'Subpd', 'Subss', 'Subsd');
arith(opMul, 'Mulps', 'Mulpd', 'Mulss', 'Mulsd');
arith(opDiv, 'Divps', 'Divpd', 'Divss', 'Divsd');

// sqrt: unary on the source; the destination's other lanes are kept for the scalar forms.
function sqrtHandler(lanes: number, single: boolean): Handler {
  return (cpu, i) => {
    fpBegin(cpu);
    loadOp(cpu, i, 1, B);
    getX(cpu, i.reg[0], A);
    for (let k = 0; k < lanes; k++) {
      if (single) {
        const b = B.i32[k], x = B.f32[k];
        if (x !== x) { if (!(b & 0x400000)) exc |= IE; A.i32[k] = b | 0x400000; continue; }
        putS(A, k, x < 0 && !(daz && x > -MIN_NORMAL_S) ? NaN : sqrtAny(inS(x), true));
      } else {
        const x = B.f64[k];
        if (x !== x) {
          const h = B.i32[2 * k + 1];
          if (!(h & 0x80000)) exc |= IE;
          A.i32[2 * k] = B.i32[2 * k]; A.i32[2 * k + 1] = h | 0x80000;
          continue;
        }
        putD(A, k, x < 0 && !(daz && x > -MIN_NORMAL_D) ? NaN : sqrtAny(inD(x), false));
      }
    }
    fpEnd(cpu, i);
    putX(cpu, i.reg[0], A);
  };
}
onSse('Sqrtps', sqrtHandler(4, true)); onSse('Sqrtpd', sqrtHandler(2, false));
onSse('Sqrtss', sqrtHandler(1, true)); onSse('Sqrtsd', sqrtHandler(1, false));

// rcpps/rcpss/rsqrtps/rsqrtss: approximations (relative error at most 1.5 * 2^-12, the architectural
// bound); the exact bits are the vendor's table lookups, so here the correctly rounded value is given,
// well inside the bound. MXCSR is neither read nor changed: no exceptions, no rounding control, and
// denormal inputs count as zeros of their sign, tiny results are flushed to signed zeros.
function approxHandler(lanes: number, rsqrt: boolean): Handler {
  return (cpu, i) => {
    loadOp(cpu, i, 1, B);
    getX(cpu, i.reg[0], A);
    for (let k = 0; k < lanes; k++) {
      const b = B.i32[k];
      if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) { A.i32[k] = b | 0x400000; continue; } // NaN: quietened
      const x = (b & 0x7f800000) === 0 ? (b < 0 ? -0 : 0) : B.f32[k];
      if (rsqrt && x < 0) { A.i32[k] = 0xffc00000 | 0; continue; } // the default NaN
      const r = Math.fround(rsqrt ? 1 / Math.sqrt(x) : 1 / x);
      A.f32[k] = Math.abs(r) < 1.1754943508222875e-38 ? (r < 0 || Object.is(r, -0) ? -0 : 0) : r;
    }
    putX(cpu, i.reg[0], A);
  };
}
onSse('Rcpps', approxHandler(4, false)); onSse('Rcpss', approxHandler(1, false));
onSse('Rsqrtps', approxHandler(4, true)); onSse('Rsqrtss', approxHandler(1, true));

// min/max: the second operand is returned unless the first is strictly smaller (larger): so for NaNs
// (either, quiet or signalling: IE) and for two zeros of any signs. Nothing is quietened.
function minmax(max: boolean, lanes: number, single: boolean): Handler {
  return (cpu, i) => {
    fpBegin(cpu);
    loadOp(cpu, i, 1, B);
    getX(cpu, i.reg[0], A);
    for (let k = 0; k < lanes; k++) {
      let a: number, b: number;
      if (single) { a = A.f32[k]; b = B.f32[k]; } else { a = A.f64[k]; b = B.f64[k]; }
      if (a !== a || b !== b) {
        exc |= IE;
        // The second operand is returned (flushed to zero first under DAZ).
        if (daz && b === b) { if (single) A.f32[k] = inS(b); else A.f64[k] = inD(b); } else copyLane(k, single);
        continue;
      }
      const x = single ? inS(a) : inD(a), y = single ? inS(b) : inD(b);
      const firstWins = max ? x > y : x < y;
      if (daz) {
        // Flushed operands are what the comparison saw and what is returned.
        if (single) A.f32[k] = firstWins ? x : y; else A.f64[k] = firstWins ? x : y;
      } else if (!firstWins) copyLane(k, single);
    }
    fpEnd(cpu, i);
    putX(cpu, i.reg[0], A);
  };
}
function copyLane(k: number, single: boolean): void {
  if (single) A.i32[k] = B.i32[k];
  else { A.i32[2 * k] = B.i32[2 * k]; A.i32[2 * k + 1] = B.i32[2 * k + 1]; }
}
onSse('Maxps', minmax(true, 4, true)); onSse('Maxpd', minmax(true, 2, false));
onSse('Maxss', minmax(true, 1, true)); onSse('Maxsd', minmax(true, 1, false));
onSse('Minps', minmax(false, 4, true)); onSse('Minpd', minmax(false, 2, false));
onSse('Minss', minmax(false, 1, true)); onSse('Minsd', minmax(false, 1, false));

// ---- bitwise ------------------------------------------------------------------------------------

onSse(['Andps', 'Andpd'], pand);
onSse(['Andnps', 'Andnpd'], pandn);
onSse(['Orps', 'Orpd'], por);
onSse(['Xorps', 'Xorpd'], pxor);

// ---- compares -----------------------------------------------------------------------------------

function isSnanD(v: Vec, k: number): boolean {
  return v.f64[k] !== v.f64[k] && !(v.i32[2 * k + 1] & 0x80000);
}
function isSnanS(v: Vec, k: number): boolean {
  const x = v.i32[k];
  return (x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0 && !(x & 0x400000);
}

/**
 * Predicate p (0..7: eq lt le unord neq nlt nle ord) of a and b. Predicates lt le nlt nle signal
 * invalid on any NaN, the others on signalling NaNs only (the caller checks those).
 */
function predicate(p: number, a: number, b: number): boolean {
  const un = a !== a || b !== b;
  if (un && (p & 3) !== 0 && (p & 3) !== 3) exc |= IE;
  switch (p & 7) {
    case 0: return a === b;
    case 1: return a < b;
    case 2: return a <= b;
    case 3: return un;
    case 4: return a !== b;
    case 5: return !(a < b);
    case 6: return !(a <= b);
    default: return !un;
  }
}

function cmpHandler(lanes: number, single: boolean): Handler {
  return (cpu, i) => {
    fpBegin(cpu);
    loadOp(cpu, i, 1, B);
    getX(cpu, i.reg[0], A);
    const p = i.immLo & 7;
    for (let k = 0; k < lanes; k++) {
      let a: number, b: number;
      if (single) {
        a = A.f32[k]; b = B.f32[k];
        if (isSnanS(A, k) || isSnanS(B, k)) exc |= IE;
        if (a === a && b === b) { a = inS(a); b = inS(b); }
        A.i32[k] = predicate(p, a, b) ? -1 : 0;
      } else {
        a = A.f64[k]; b = B.f64[k];
        if (isSnanD(A, k) || isSnanD(B, k)) exc |= IE;
        if (a === a && b === b) { a = inD(a); b = inD(b); }
        const m = predicate(p, a, b) ? -1 : 0;
        A.i32[2 * k] = m; A.i32[2 * k + 1] = m;
      }
    }
    fpEnd(cpu, i);
    putX(cpu, i.reg[0], A);
  };
}
onSse('Cmpps', cmpHandler(4, true)); onSse('Cmppd', cmpHandler(2, false));
onSse('Cmpss', cmpHandler(1, true));
// cmpsd shares its mnemonic with the string compare: register the SSE form by Code.
onCode(Code.Cmpsd_xmm_xmmm64_imm8, cmpHandler(1, false));

/** comis / ucomis: ZF PF CF = unordered 111, less 001, equal 100, greater 000; OF SF AF cleared. */
function comis(signalQuiet: boolean, single: boolean): Handler {
  return (cpu, i) => {
    fpBegin(cpu);
    loadOp(cpu, i, 1, B);
    getX(cpu, i.reg[0], A);
    let a: number, b: number, snan: boolean;
    if (single) { a = A.f32[0]; b = B.f32[0]; snan = isSnanS(A, 0) || isSnanS(B, 0); }
    else { a = A.f64[0]; b = B.f64[0]; snan = isSnanD(A, 0) || isSnanD(B, 0); }
    let zf = 0, pf = 0, cf = 0;
    if (a !== a || b !== b) {
      if (snan || signalQuiet) exc |= IE;
      zf = pf = cf = 1;
    } else {
      if (single) { a = inS(a); b = inS(b); } else { a = inD(a); b = inD(b); }
      if (a < b) cf = 1; else if (a === b) zf = 1;
    }
    fpEnd(cpu, i);
    cpu.f.set(cf, pf, 0, zf, 0, 0);
  };
}
onSse('Comiss', comis(true, true)); onSse('Comisd', comis(true, false));
onSse('Ucomiss', comis(false, true)); onSse('Ucomisd', comis(false, false));

// ---- shuffles and unpacks -----------------------------------------------------------------------

function shuffle(f: (a: Vec, b: Vec, imm: number) => void): Handler {
  return (cpu, i) => {
    loadOp(cpu, i, 1, B);
    getX(cpu, i.reg[0], A);
    f(A, B, i.immLo & 0xff);
    putX(cpu, i.reg[0], C);
  };
}
onSse('Shufps', shuffle((a, b, m) => {
  C.i32[0] = a.i32[m & 3]; C.i32[1] = a.i32[(m >> 2) & 3];
  C.i32[2] = b.i32[(m >> 4) & 3]; C.i32[3] = b.i32[(m >> 6) & 3];
}));
onSse('Shufpd', shuffle((a, b, m) => {
  const x = 2 * (m & 1), y = 2 * ((m >> 1) & 1);
  C.i32[0] = a.i32[x]; C.i32[1] = a.i32[x + 1]; C.i32[2] = b.i32[y]; C.i32[3] = b.i32[y + 1];
}));
onSse('Unpcklps', shuffle((a, b) => { C.i32[0] = a.i32[0]; C.i32[1] = b.i32[0]; C.i32[2] = a.i32[1]; C.i32[3] = b.i32[1]; }));
onSse('Unpckhps', shuffle((a, b) => { C.i32[0] = a.i32[2]; C.i32[1] = b.i32[2]; C.i32[2] = a.i32[3]; C.i32[3] = b.i32[3]; }));
onSse('Unpcklpd', shuffle((a, b) => { C.i32[0] = a.i32[0]; C.i32[1] = a.i32[1]; C.i32[2] = b.i32[0]; C.i32[3] = b.i32[1]; }));
onSse('Unpckhpd', shuffle((a, b) => { C.i32[0] = a.i32[2]; C.i32[1] = a.i32[3]; C.i32[2] = b.i32[2]; C.i32[3] = b.i32[3]; }));

// ---- conversions --------------------------------------------------------------------------------

/** Integer result of toInt: low half, high half. */
let iLo = 0, iHi = 0;

/**
 * Round x (a double or a binary32 widened) to an integer of `bits` (32 or 64), truncating or in the
 * MXCSR mode; NaN and out-of-range give the integer indefinite value (sign bit only) and IE.
 */
function toInt(x: number, bits: number, trunc: boolean, single: boolean): void {
  const mn = single ? MIN_NORMAL_S : MIN_NORMAL_D;
  if (daz && x !== 0 && x < mn && x > -mn) x = 0;
  let n = x;
  let frac = false;
  if (x === x && x !== Infinity && x !== -Infinity) {
    const fl = Math.floor(x), f = x - fl;
    if (f !== 0) {
      frac = true;
      const mode = trunc ? RZ : rc;
      if (mode === RN) n = f > 0.5 ? fl + 1 : f < 0.5 ? fl : fl % 2 === 0 ? fl : fl + 1;
      else if (mode === RD) n = fl;
      else if (mode === RU) n = fl + 1;
      else n = x < 0 ? fl + 1 : fl;
    }
  }
  const ok = bits === 32 ? n >= -2147483648 && n <= 2147483647 : n >= -9223372036854775808 && n < 9223372036854775808;
  if (!ok) { exc |= IE; iLo = bits === 32 ? 0x80000000 | 0 : 0; iHi = bits === 32 ? 0 : 0x80000000 | 0; return; }
  if (frac) exc |= PE;
  if (bits === 32) { iLo = n | 0; iHi = 0; return; }
  const h = Math.floor(n / 4294967296);
  iLo = (n - h * 4294967296) | 0; iHi = h | 0;
}

// cvtsd2si / cvttsd2si / cvtss2si / cvttss2si r32/r64, xmm/m64|m32
function cvtToGpr(single: boolean, trunc: boolean): Handler {
  return (cpu, i) => {
    fpBegin(cpu);
    loadOp(cpu, i, 1, B);
    toInt(single ? B.f32[0] : B.f64[0], i.size[0] * 8, trunc, single);
    fpEnd(cpu, i);
    cpu.writeReg(i.reg[0], i.size[0], iLo, iHi);
  };
}
onSse('Cvtsd2si', cvtToGpr(false, false)); onSse('Cvttsd2si', cvtToGpr(false, true));
onSse('Cvtss2si', cvtToGpr(true, false)); onSse('Cvttss2si', cvtToGpr(true, true));

/** A signed 64-bit integer (halves) as a double: hi part and the sign of the rounding error. */
let cvErr = 0;
function int64ToNum(lo: number, hi: number): number {
  const a = hi * 4294967296, b = lo >>> 0;
  const s = a + b;
  cvErr = (b - (s - a)); // exact: a is a multiple of 2^32, the error is what b lost
  return s;
}

// cvtsi2sd / cvtsi2ss xmm, r/m32|r/m64: only the low lane changes.
function cvtFromGpr(single: boolean): Handler {
  return (cpu, i) => {
    fpBegin(cpu);
    const lo = cpu.readOp(i, 1), hi = i.size[1] === 8 ? cpu.hi : lo >> 31;
    getX(cpu, i.reg[0], A);
    let r: number;
    if (i.size[1] === 8) {
      const s = int64ToNum(lo, hi);
      r = s === 0 ? 0 : single ? (cvErr === 0 ? roundS(s, 0) : finish(s, cvErr, 0, true)) : roundD(s, cvErr, 0);
    } else r = single ? roundS(lo, 0) : lo;
    if (single) A.f32[0] = r; else A.f64[0] = r;
    fpEnd(cpu, i);
    putX(cpu, i.reg[0], A);
  };
}
onSse('Cvtsi2sd', cvtFromGpr(false)); onSse('Cvtsi2ss', cvtFromGpr(true));

/** double -> single with NaN payload truncation. */
function dToS(src: Vec, k: number, dst: Vec, j: number): void {
  const x = src.f64[k];
  if (x !== x) {
    const h = src.i32[2 * k + 1], l = src.i32[2 * k];
    if (!(h & 0x80000)) exc |= IE;
    dst.i32[j] = (h & 0x80000000) | 0x7fc00000 | ((h & 0xfffff) << 3) | (l >>> 29);
    return;
  }
  if (x === 0 || x === Infinity || x === -Infinity) { dst.f32[j] = x; return; }
  const y = inD(x);
  dst.f32[j] = y === 0 ? y : roundFromD(y);
}
function roundFromD(y: number): number {
  if (rc === RN && (y >= MIN_NORMAL_S || y <= -MIN_NORMAL_S)) {
    const r = Math.fround(y);
    if (r !== Infinity && r !== -Infinity) {
      if (r !== y) exc |= PE;
      return r;
    }
  }
  return finish(y, 0, 0, true);
}
/** single -> double (exact; NaNs quietened, payload kept). */
function sToD(src: Vec, k: number, dst: Vec, j: number): void {
  const b = src.i32[k];
  if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) {
    if (!(b & 0x400000)) exc |= IE;
    dst.i32[2 * j + 1] = (b & 0x80000000) | 0x7ff80000 | ((b & 0x3fffff) >>> 3);
    dst.i32[2 * j] = b << 29;
    return;
  }
  dst.f64[j] = inS(src.f32[k]);
}

onSse('Cvtsd2ss', (cpu, i) => {
  fpBegin(cpu); loadOp(cpu, i, 1, B); getX(cpu, i.reg[0], A);
  dToS(B, 0, A, 0);
  fpEnd(cpu, i); putX(cpu, i.reg[0], A);
});
onSse('Cvtss2sd', (cpu, i) => {
  fpBegin(cpu); loadOp(cpu, i, 1, B); getX(cpu, i.reg[0], A);
  sToD(B, 0, A, 0);
  fpEnd(cpu, i); putX(cpu, i.reg[0], A);
});
onSse('Cvtpd2ps', (cpu, i) => {
  fpBegin(cpu); loadOp(cpu, i, 1, B);
  dToS(B, 0, C, 0); dToS(B, 1, C, 1); C.i32[2] = 0; C.i32[3] = 0;
  fpEnd(cpu, i); putX(cpu, i.reg[0], C);
});
onSse('Cvtps2pd', (cpu, i) => {
  fpBegin(cpu); loadOp(cpu, i, 1, B);
  sToD(B, 0, C, 0); sToD(B, 1, C, 1);
  fpEnd(cpu, i); putX(cpu, i.reg[0], C);
});
onSse('Cvtdq2ps', (cpu, i) => {
  fpBegin(cpu); loadOp(cpu, i, 1, B);
  for (let k = 0; k < 4; k++) { const v = B.i32[k]; C.f32[k] = v === 0 ? 0 : roundS(v, 0); }
  fpEnd(cpu, i); putX(cpu, i.reg[0], C);
});
onSse('Cvtdq2pd', (cpu, i) => {
  loadOp(cpu, i, 1, B);
  C.f64[0] = B.i32[0]; C.f64[1] = B.i32[1];
  putX(cpu, i.reg[0], C);
});
function cvtToDq(single: boolean, trunc: boolean): Handler {
  return (cpu, i) => {
    fpBegin(cpu); loadOp(cpu, i, 1, B);
    if (single) for (let k = 0; k < 4; k++) { toInt(B.f32[k], 32, trunc, true); C.i32[k] = iLo; }
    else { for (let k = 0; k < 2; k++) { toInt(B.f64[k], 32, trunc, false); C.i32[k] = iLo; } C.i32[2] = 0; C.i32[3] = 0; }
    fpEnd(cpu, i); putX(cpu, i.reg[0], C);
  };
}
onSse('Cvtps2dq', cvtToDq(true, false)); onSse('Cvttps2dq', cvtToDq(true, true));
onSse('Cvtpd2dq', cvtToDq(false, false)); onSse('Cvttpd2dq', cvtToDq(false, true));

// ---- MXCSR --------------------------------------------------------------------------------------

onCode(Code.Ldmxcsr_m32, (cpu, i) => {
  const v = cpu.readMem(cpu.ea(i), 4);
  if (v & ~MXCSR_MASK) throw new GuestFault(SIGSEGV, 0, 'ldmxcsr reserved bits', SI_KERNEL);
  cpu.mxcsr = v >>> 0;
});
onCode(Code.Stmxcsr_m32, (cpu, i) => { cpu.writeMem(cpu.ea(i), 4, cpu.mxcsr, 0); });
