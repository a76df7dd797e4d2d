// The x87 FPU: the subset that static glibc and musl binaries execute (long double printf/strtold,
// libm's long double paths, fenv): loads and stores of m32/m64/m80 and integers, constants, the four
// arithmetic operations in all their forms, fsqrt, frndint, fscale, fprem/fprem1, fxtract, fchs fabs,
// compares (fcom/fucom/fcomi/fucomi/ftst/ficom, fxam), fxch, fcmovcc, stack control, the control and
// status words, fnstenv/fldenv, fnsave/frstor, fxsave/fxrstor.
//
// Values are exact 80-bit extended precision: a software floating point on a 64-bit significand held as
// two 32-bit words, with 32 guard bits and a sticky bit through every operation, rounded once in the
// FCW's rounding mode to the FCW's precision (64, 53 or 24 bits) with the full 15-bit exponent range,
// subnormals included. Results, C1 (rounded up), and the exception flags IE DE ZE OE UE PE follow the
// hardware for these operations (tininess is detected after rounding, as for SSE). f2xm1 fyl2x fyl2xp1
// fpatan (what long double libm uses) are correctly rounded, which the hardware is not always: see
// their section. fsin fcos fsincos fptan reduce their operand modulo pi/2 with the same 66-bit pi as
// the hardware, then round correctly. Not implemented (left to SIGILL): the BCD loads/stores.
// Unmasked exceptions set ES/B and raise SIGFPE at the next waiting x87 instruction, as #MF does.

import { Code } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Insn, Handler } from '../insn';
import { OK_MEM } from '../insn';
import { RAX, RSP, RBP } from '../regs';
import { onCode } from './index';
import { GuestFault, SIGFPE, SIGSEGV, SI_KERNEL } from '../../errors';
import { checkAlign16 } from './sse-move';
import { MXCSR_MASK } from './sse-fp';
import { setX87Image } from '../../linux/sigframe';

// ---- state --------------------------------------------------------------------------------------

/** FSW bits. */
const IE = 0x1, DE = 0x2, ZE = 0x4, OE = 0x8, UE = 0x10, PE = 0x20, SF = 0x40, ES = 0x80,
  C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, BUSY = 0x8000;

export class X87State {
  fcw = 0x37f;
  /** Status word without TOP (bits 11..13), which is kept in `top`. */
  fsw = 0;
  top = 0;
  /** Bit k set: physical register k holds a value. */
  valid = 0;
  /** Physical registers: [3k] significand low, [3k+1] significand high, [3k+2] sign and exponent. */
  readonly r = new Int32Array(24);
  /** Last non-control instruction (FIP, FOP) and its memory operand (FDP). */
  fip = 0;
  fop = 0;
  fdp = 0;
  /** Selector of FDP's segment: SS (0x2b) for rsp/rbp-based operands, else DS/ES/FS/GS (0). */
  fds = 0;
}

const states = new WeakMap<Cpu, X87State>();
let lastCpu: Cpu | null = null;
let S: X87State = new X87State();

/** The x87 state of a CPU (created on first use). */
export function x87Of(cpu: Cpu): X87State {
  if (cpu === lastCpu) return S;
  let s = states.get(cpu);
  if (!s) { s = new X87State(); states.set(cpu, s); }
  lastCpu = cpu; S = s;
  return s;
}

/** Copy the x87 state (fork, clone). */
export function copyX87(from: Cpu, to: Cpu): void {
  const a = x87Of(from), b = new X87State();
  b.fcw = a.fcw; b.fsw = a.fsw; b.top = a.top; b.valid = a.valid; b.r.set(a.r);
  b.fip = a.fip; b.fop = a.fop; b.fdp = a.fdp; b.fds = a.fds;
  states.set(to, b);
  if (lastCpu === to) lastCpu = null;
}

function fninit(s: X87State): void {
  s.fcw = 0x37f; s.fsw = 0; s.top = 0; s.valid = 0; s.fip = 0; s.fop = 0; s.fdp = 0; s.fds = 0;
}

// ---- unpacked values ----------------------------------------------------------------------------

const ZERO = 0, NORM = 1, INF = 2, NAN = 3;

/**
 * An unpacked extended value: class, sign, and for NORM the unbiased exponent and the normalised
 * 64-bit significand (hi has its top bit set): value = (hi:lo) * 2^(exp - 63). NaNs keep their raw
 * significand in hi:lo (integer bit included).
 */
class Ext { cls = 0; sign = 0; exp = 0; hi = 0; lo = 0; }
const X = new Ext(), Y = new Ext(), T = new Ext();

function copyExt(d: Ext, s: Ext): void { d.cls = s.cls; d.sign = s.sign; d.exp = s.exp; d.hi = s.hi; d.lo = s.lo; }

/** Exceptions raised by the current instruction. */
let fexc = 0;
/** C1 after rounding: the result was rounded up in magnitude. */
let roundedUp = false;

/** Normalise x.hi:x.lo (non-zero) so that bit 63 is set, adjusting exp. */
function normalize(x: Ext): void {
  if (x.hi === 0) { x.hi = x.lo; x.lo = 0; x.exp -= 32; }
  const z = Math.clz32(x.hi);
  if (z) { x.hi = ((x.hi << z) | (x.lo >>> (32 - z))) >>> 0; x.lo = (x.lo << z) >>> 0; x.exp -= z; }
}

/** Unpack an 80-bit register value. Unsupported encodings (unnormals, pseudo-NaN/infinity) become an SNaN-like invalid operand. */
function unpack(x: Ext, se: number, hi: number, lo: number): void {
  x.sign = (se >>> 15) & 1;
  const e = se & 0x7fff;
  hi >>>= 0; lo >>>= 0;
  if (e === 0x7fff) {
    if (!(hi & 0x80000000)) { x.cls = NAN; x.hi = 0x80000000; x.lo = 0; x.sign = 1; invalidEncoding = true; return; }
    if ((hi & 0x7fffffff) === 0 && lo === 0) { x.cls = INF; return; }
    x.cls = NAN; x.hi = hi; x.lo = lo; return;
  }
  if (e === 0) {
    if (hi === 0 && lo === 0) { x.cls = ZERO; return; }
    // Subnormal (or pseudo-subnormal with the integer bit set): exponent 1 - bias.
    x.cls = NORM; x.hi = hi; x.lo = lo; x.exp = -16382; normalize(x);
    fexc |= DE;
    return;
  }
  if (!(hi & 0x80000000)) { x.cls = NAN; x.hi = 0x80000000; x.lo = 0; x.sign = 1; invalidEncoding = true; return; }
  x.cls = NORM; x.hi = hi; x.lo = lo; x.exp = e - 16383;
}
let invalidEncoding = false;

// ---- rounding -----------------------------------------------------------------------------------

const FMT_EXT = 0, FMT_DBL = 1, FMT_SGL = 2;
/** Output of roundPack: ext (oSe, oHi, oLo), double (oHi, oLo), single (oLo). */
let oSe = 0, oHi = 0, oLo = 0;
/** Output of shiftJam. */
let s2 = 0, s1 = 0, s0 = 0;

/** Shift the 96-bit a2:a1:a0 right by n, OR-ing every bit shifted out into bit 0 (sticky). */
function shiftJam(a2: number, a1: number, a0: number, n: number): void {
  let st = 0;
  if (n >= 96) { st = a2 | a1 | a0; a2 = a1 = a0 = 0; n = 0; }
  while (n >= 32) { st |= a0; a0 = a1; a1 = a2; a2 = 0; n -= 32; }
  if (n > 0) {
    st |= a0 << (32 - n);
    a0 = (a0 >>> n) | (a1 << (32 - n));
    a1 = (a1 >>> n) | (a2 << (32 - n));
    a2 = a2 >>> n;
  }
  s2 = a2 >>> 0; s1 = a1 >>> 0; s0 = (a0 | (st !== 0 ? 1 : 0)) >>> 0;
}

/** Rounding control for the current instruction (0 nearest, 1 down, 2 up, 3 toward zero). */
let rc = 0;

/** Would rounding decide to increment, given the kept LSB, the round bit and the rest? */
function roundUp(sign: number, lsb: number, rb: number, rest: boolean): boolean {
  switch (rc) {
    case 0: return rb !== 0 && (rest || lsb !== 0);
    case 1: return sign !== 0 && (rb !== 0 || rest);
    case 2: return sign === 0 && (rb !== 0 || rest);
    default: return false;
  }
}

/**
 * Round sign * (w2:w1.w0) * 2^(exp - 63) (w2's top bit set; w0 = 32 guard bits with a sticky LSB) to
 * p bits in format fmt, with that format's exponent range and subnormals. Sets PE UE OE, roundedUp.
 */
function roundPack(sign: number, exp: number, w2: number, w1: number, w0: number, fmt: number, p: number): void {
  const emin = fmt === FMT_EXT ? -16382 : fmt === FMT_DBL ? -1022 : -126;
  const emax = fmt === FMT_EXT ? 16383 : fmt === FMT_DBL ? 1023 : 127;
  const tiny0 = exp < emin;
  let D = 64 - p;
  if (tiny0) D += Math.min(emin - exp, 200);
  shiftJam(w2, w1, w0, D);
  let kh = s2, kl = s1;
  const rb = s0 >>> 31, rest = (s0 & 0x7fffffff) !== 0;
  const inexact = rb !== 0 || rest;
  const up = inexact && roundUp(sign, kl & 1, rb, rest);
  roundedUp = up;
  let carry = false;
  if (up) {
    kl = (kl + 1) >>> 0;
    if (kl === 0) { kh = (kh + 1) >>> 0; if (kh === 0) carry = true; }
    if (p < 64 && kh * 4294967296 + kl >= 2 ** p) carry = true;
  }
  if (carry && !tiny0) {
    // Rounded up to the next power of two.
    if (p === 64) { kh = 0x80000000; kl = 0; } else { const v = 2 ** (p - 1); kh = Math.floor(v / 4294967296); kl = v % 4294967296; }
    exp++;
  }
  if (!tiny0 && exp > emax) { overflowPack(sign, fmt, p); return; }
  if (inexact) fexc |= PE;
  if (tiny0 && inexact) {
    // Tiny after rounding: unless the value rounded to p bits with an unbounded exponent reaches 2^emin.
    let tiny = true;
    if (exp === emin - 1) {
      shiftJam(w2, w1, w0, 64 - p);
      const up2 = roundUp(sign, s1 & 1, s0 >>> 31, (s0 & 0x7fffffff) !== 0);
      const allOnes = p === 64 ? s2 === 0xffffffff && s1 === 0xffffffff : s2 * 4294967296 + s1 === 2 ** p - 1;
      if (up2 && allOnes) tiny = false;
    }
    if (tiny) fexc |= UE;
  }
  // Encode. K = kh:kl holds p significant bits (fewer for subnormals).
  if (fmt === FMT_EXT) {
    const sh = 64 - p;
    let mh = kh, ml = kl;
    if (sh >= 32) { mh = ml << (sh - 32); ml = 0; } else if (sh > 0) { mh = (mh << sh) | (ml >>> (32 - sh)); ml = ml << sh; }
    mh >>>= 0; ml >>>= 0;
    let e: number;
    if (tiny0) e = mh & 0x80000000 ? 1 : 0; else e = exp + 16383;
    if (mh === 0 && ml === 0) e = 0;
    oSe = (sign << 15) | e; oHi = mh | 0; oLo = ml | 0;
  } else if (fmt === FMT_DBL) {
    let e: number;
    if (tiny0) e = kh & 0x100000 ? 1 : 0; else e = exp + 1023;
    oHi = ((sign << 31) | (e << 20) | (kh & 0xfffff)) | 0; oLo = kl | 0;
  } else {
    let e: number;
    if (tiny0) e = kl & 0x800000 ? 1 : 0; else e = exp + 127;
    oLo = ((sign << 31) | (e << 23) | (kl & 0x7fffff)) | 0;
  }
}

function overflowPack(sign: number, fmt: number, p: number): void {
  fexc |= OE | PE;
  const toInf = rc === 0 || (rc === 2 && sign === 0) || (rc === 1 && sign !== 0);
  roundedUp = toInf;
  if (fmt === FMT_EXT) {
    if (toInf) { oSe = (sign << 15) | 0x7fff; oHi = 0x80000000 | 0; oLo = 0; return; }
    // Largest finite value at precision p.
    oSe = (sign << 15) | 0x7ffe;
    if (p === 64) { oHi = -1; oLo = -1; } else if (p === 53) { oHi = -1; oLo = 0xfffff800 | 0; } else { oHi = 0xffffff00 | 0; oLo = 0; }
  } else if (fmt === FMT_DBL) {
    if (toInf) { oHi = ((sign << 31) | 0x7ff00000) | 0; oLo = 0; } else { oHi = ((sign << 31) | 0x7fefffff) | 0; oLo = -1; }
  } else oLo = toInf ? ((sign << 31) | 0x7f800000) | 0 : ((sign << 31) | 0x7f7fffff) | 0;
}

/** Round an unpacked value to the register format at the FCW precision (p: 64 for exact loads). */
function packReg(x: Ext, p = 0): void {
  switch (x.cls) {
    case ZERO: oSe = x.sign << 15; oHi = 0; oLo = 0; roundedUp = false; return;
    case INF: oSe = (x.sign << 15) | 0x7fff; oHi = 0x80000000 | 0; oLo = 0; roundedUp = false; return;
    case NAN: oSe = (x.sign << 15) | 0x7fff; oHi = x.hi | 0; oLo = x.lo | 0; roundedUp = false; return;
  }
  roundPack(x.sign, x.exp, x.hi, x.lo, 0, FMT_EXT, p || precision());
}

function precision(): number {
  const pc = (S.fcw >> 8) & 3;
  return pc === 0 ? 24 : pc === 2 ? 53 : 64;
}

// ---- register stack -----------------------------------------------------------------------------

/** Physical index of ST(i). */
function phys(i: number): number { return (S.top + i) & 7; }

/** Read ST(i) into x; an empty register is a stack underflow (IE, SF; the value is the default NaN). */
function getSt(x: Ext, i: number): boolean {
  const k = phys(i);
  if (!(S.valid & (1 << k))) {
    fexc |= IE | SF; S.fsw &= ~C1;
    x.cls = NAN; x.sign = 1; x.hi = 0x80000000; x.lo = 0;
    underflowed = true;
    return false;
  }
  unpack(x, S.r[3 * k + 2], S.r[3 * k + 1], S.r[3 * k]);
  return true;
}
let underflowed = false;
/** A NaN operand was seen: it takes precedence over DE. */
let nanSeen = false;

function setRaw(k: number, se: number, hi: number, lo: number): void {
  S.r[3 * k] = lo; S.r[3 * k + 1] = hi; S.r[3 * k + 2] = se & 0xffff; S.valid |= 1 << k;
}

/** Write the last roundPack/packReg output (oSe, oHi, oLo) to ST(i). */
function putSt(i: number): void { setRaw(phys(i), oSe, oHi, oLo); }

const INDEF_SE = 0xffff, INDEF_HI = 0xc0000000 | 0;

/** Push: a full stack is a stack overflow (IE, SF, C1 = 1; the default NaN is pushed). Returns false then. */
function push(): boolean {
  const t = (S.top - 1) & 7;
  S.top = t;
  if (S.valid & (1 << t)) {
    fexc |= IE | SF; S.fsw |= C1;
    setRaw(t, INDEF_SE, INDEF_HI, 0);
    return false;
  }
  return true;
}
function pop(): void { S.valid &= ~(1 << S.top); S.top = (S.top + 1) & 7; }

// ---- instruction framing ------------------------------------------------------------------------

/** Start a waiting x87 instruction: deliver a pending unmasked exception (#MF) first. */
function begin(cpu: Cpu, i: Insn, control = false): void {
  x87Of(cpu);
  if (!control) checkPending(i);
  fexc = 0; roundedUp = false; underflowed = false; invalidEncoding = false; nanSeen = false;
  rc = (S.fcw >> 10) & 3;
  if (!control) {
    S.fip = i.ip;
    S.fop = fopOf(i);
    if (i.kind[0] === OK_MEM || i.kind[1] === OK_MEM) {
      S.fdp = cpu.ea(i);
      S.fds = !i.memSeg && (i.memBase === RSP || i.memBase === RBP) ? 0x2b : 0;
    }
  }
}

/** #MF: an unmasked exception is pending (ES): SIGFPE with the kernel's si_code. */
function checkPending(i: Insn): void {
  if (!(S.fsw & ES)) return;
  const err = S.fsw & ~S.fcw & 0x3f;
  const code = err & IE ? 7 : err & ZE ? 3 : err & OE ? 4 : err & (UE | DE) ? 5 : err & PE ? 6 : 0;
  throw new GuestFault(SIGFPE, i.ip, 'x87 floating-point exception', code);
}

/** The 11-bit FOP: low 3 bits of the D8..DF opcode byte, then the ModRM byte. */
function fopOf(i: Insn): number {
  const b = i.bytes;
  for (let k = 0; k < b.length - 1; k++) if (b[k] >= 0xd8 && b[k] <= 0xdf) return ((b[k] & 7) << 8) | b[k + 1];
  return 0;
}

/** Finish: record exceptions; C1 from the rounding when PE. Unmasked ones set ES and B. */
function end(): void {
  if (invalidEncoding) fexc |= IE;
  // Invalid operations and NaN operands take precedence over the denormal-operand exception.
  if (fexc & IE || nanSeen) fexc &= ~DE;
  if (fexc === 0) { S.fsw &= ~C1; return; }
  let w = S.fsw | fexc;
  if (fexc & PE) w = roundedUp ? w | C1 : w & ~C1;
  else if (!(fexc & SF)) w &= ~C1;
  if (fexc & ~S.fcw & 0x3f) w |= ES | BUSY;
  S.fsw = w;
}

/** The status word as stored by fnstsw (TOP included, B mirroring ES). */
function statusWord(s: X87State): number {
  let w = (s.fsw & ~0x3800) | (s.top << 11);
  w = s.fsw & ES ? w | BUSY : w & ~BUSY;
  return w & 0xffff;
}

// ---- NaN rules ----------------------------------------------------------------------------------

function isSnan(x: Ext): boolean { return x.cls === NAN && !(x.hi & 0x40000000); }

/**
 * Result of an operation with NaN operand(s), quietened. A signalling NaN raises IE. With one NaN it is
 * the result; a quiet NaN wins over a signalling one; of two of the same kind, the larger significand
 * (then the positive one).
 */
function nanResult(r: Ext, a: Ext, b: Ext | null): void {
  nanSeen = true;
  const sa = isSnan(a), sb = b !== null && isSnan(b);
  if (sa || sb) fexc |= IE;
  let src: Ext;
  if (b === null || b.cls !== NAN) src = a;
  else if (a.cls !== NAN) src = b;
  else if (sa !== sb) src = sa ? b : a;
  else {
    const ah = a.hi & 0x3fffffff, bh = b.hi & 0x3fffffff;
    src = bh > ah || (bh === ah && (b.lo > a.lo || (b.lo === a.lo && a.sign > b.sign))) ? b : a;
  }
  copyExt(r, src);
  r.hi = (r.hi | 0xc0000000) >>> 0;
}

function indefinite(r: Ext): void { fexc |= IE; r.cls = NAN; r.sign = 1; r.hi = 0xc0000000; r.lo = 0; }

// ---- arithmetic on unpacked values (result in R, rounded by the caller with packReg/roundPack) ---

/** Wide result of an arithmetic operation: sign, exp, w2:w1:w0 (or a special class in R). */
let rSign = 0, rExp = 0, rW2 = 0, rW1 = 0, rW0 = 0;
const R = new Ext();
/** True when the operation produced R directly (special operands); false when rW* need rounding. */
let special = false;

function add(a: Ext, b: Ext, negateB: boolean): void {
  special = true;
  const bs = b.sign ^ (negateB ? 1 : 0);
  if (a.cls === NAN || b.cls === NAN) { nanResult(R, a, b); return; }
  if (a.cls === INF || b.cls === INF) {
    if (a.cls === INF && b.cls === INF && a.sign !== bs) { indefinite(R); return; }
    R.cls = INF; R.sign = a.cls === INF ? a.sign : bs; return;
  }
  if (b.cls === ZERO) {
    if (a.cls === ZERO) { R.cls = ZERO; R.sign = a.sign === bs ? a.sign : rc === 1 ? 1 : 0; return; }
    special = false; rSign = a.sign; rExp = a.exp; rW2 = a.hi; rW1 = a.lo; rW0 = 0; return;
  }
  if (a.cls === ZERO) { special = false; rSign = bs; rExp = b.exp; rW2 = b.hi; rW1 = b.lo; rW0 = 0; return; }
  // Order by magnitude: x the larger.
  let x = a, y = b, xs = a.sign, ys = bs;
  if (b.exp > a.exp || (b.exp === a.exp && (b.hi > a.hi || (b.hi === a.hi && b.lo > a.lo)))) { x = b; y = a; xs = bs; ys = a.sign; }
  shiftJam(y.hi, y.lo, 0, x.exp - y.exp);
  special = false;
  rSign = xs; rExp = x.exp;
  if (xs === ys) {
    let w0 = s0, w1 = x.lo + s1, w2 = x.hi + s2;
    if (w1 > 0xffffffff) { w1 -= 4294967296; w2++; }
    if (w2 > 0xffffffff) {
      // Carry out: shift right one.
      shiftJam(w2 - 4294967296, w1, w0, 1);
      rW2 = (s2 | 0x80000000) >>> 0; rW1 = s1; rW0 = s0; rExp++;
      return;
    }
    rW2 = w2; rW1 = w1; rW0 = w0;
    return;
  }
  // Subtract magnitudes: x - y >= 0.
  let w0 = 0 - s0, w1 = x.lo - s1, w2 = x.hi - s2;
  if (w0 < 0) { w0 += 4294967296; w1--; }
  if (w1 < 0) { w1 += 4294967296; w2--; }
  if (w2 === 0 && w1 === 0 && w0 === 0) { special = true; R.cls = ZERO; R.sign = rc === 1 ? 1 : 0; return; }
  // Normalise left.
  let e = rExp;
  while (w2 === 0) { w2 = w1; w1 = w0; w0 = 0; e -= 32; }
  const z = Math.clz32(w2);
  if (z) {
    w2 = ((w2 << z) | (w1 >>> (32 - z))) >>> 0;
    w1 = ((w1 << z) | (w0 >>> (32 - z))) >>> 0;
    w0 = (w0 << z) >>> 0;
    e -= z;
  }
  rW2 = w2; rW1 = w1; rW0 = w0; rExp = e;
}

/** 64x64 -> 128 multiply of significands into P3..P0 (16-bit limb schoolbook, exact in doubles). */
let P3 = 0, P2 = 0, P1 = 0, P0 = 0;
const la = new Float64Array(4), lb = new Float64Array(4), pc = new Float64Array(8);
function mul64(ah: number, al: number, bh: number, bl: number): void {
  la[0] = al & 0xffff; la[1] = al >>> 16; la[2] = ah & 0xffff; la[3] = ah >>> 16;
  lb[0] = bl & 0xffff; lb[1] = bl >>> 16; lb[2] = bh & 0xffff; lb[3] = bh >>> 16;
  let carry = 0;
  for (let k = 0; k < 8; k++) {
    let s = carry;
    for (let i = Math.max(0, k - 3); i <= Math.min(3, k); i++) s += la[i] * lb[k - i];
    pc[k] = s % 65536; carry = Math.floor(s / 65536);
  }
  P0 = (pc[1] * 65536 + pc[0]) >>> 0; P1 = (pc[3] * 65536 + pc[2]) >>> 0;
  P2 = (pc[5] * 65536 + pc[4]) >>> 0; P3 = (pc[7] * 65536 + pc[6]) >>> 0;
}

function mul(a: Ext, b: Ext): void {
  special = true;
  const sign = a.sign ^ b.sign;
  if (a.cls === NAN || b.cls === NAN) { nanResult(R, a, b); return; }
  if ((a.cls === INF && b.cls === ZERO) || (a.cls === ZERO && b.cls === INF)) { indefinite(R); return; }
  if (a.cls === INF || b.cls === INF) { R.cls = INF; R.sign = sign; return; }
  if (a.cls === ZERO || b.cls === ZERO) { R.cls = ZERO; R.sign = sign; return; }
  special = false;
  mul64(a.hi, a.lo, b.hi, b.lo);
  rSign = sign; rExp = a.exp + b.exp;
  if (P3 & 0x80000000) { rExp++; rW2 = P3; rW1 = P2; rW0 = (P1 | (P0 !== 0 ? 1 : 0)) >>> 0; }
  else {
    rW2 = ((P3 << 1) | (P2 >>> 31)) >>> 0; rW1 = ((P2 << 1) | (P1 >>> 31)) >>> 0;
    rW0 = ((P1 << 1) | (P0 !== 0 ? 1 : 0)) >>> 0;
  }
}

function div(a: Ext, b: Ext): void {
  special = true;
  const sign = a.sign ^ b.sign;
  if (a.cls === NAN || b.cls === NAN) { nanResult(R, a, b); return; }
  if ((a.cls === INF && b.cls === INF) || (a.cls === ZERO && b.cls === ZERO)) { indefinite(R); return; }
  if (a.cls === INF) { R.cls = INF; R.sign = sign; return; }
  if (b.cls === ZERO) { fexc = (fexc & ~DE) | ZE; R.cls = INF; R.sign = sign; return; }
  if (a.cls === ZERO || b.cls === INF) { R.cls = ZERO; R.sign = sign; return; }
  special = false;
  rSign = sign; rExp = a.exp - b.exp;
  // Long division of the significands, one quotient bit at a time: 96 bits plus sticky.
  let rc2 = 0, rh = a.hi, rl = a.lo;
  const dh = b.hi, dl = b.lo;
  if (rh < dh || (rh === dh && rl < dl)) {
    // Quotient below one: start one bit further.
    rc2 = rh >>> 31; rh = ((rh << 1) | (rl >>> 31)) >>> 0; rl = (rl << 1) >>> 0; rExp--;
  }
  let q2 = 0, q1 = 0, q0 = 0;
  for (let n = 0; n < 96; n++) {
    let bit = 0;
    if (rc2 || rh > dh || (rh === dh && rl >= dl)) {
      let l = rl - dl, h = rh - dh;
      if (l < 0) { l += 4294967296; h--; }
      if (h < 0) h += 4294967296;
      rh = h; rl = l; rc2 = 0; bit = 1;
    }
    q2 = ((q2 << 1) | (q1 >>> 31)) >>> 0; q1 = ((q1 << 1) | (q0 >>> 31)) >>> 0; q0 = ((q0 << 1) | bit) >>> 0;
    rc2 = rh >>> 31; rh = ((rh << 1) | (rl >>> 31)) >>> 0; rl = (rl << 1) >>> 0;
  }
  rW2 = q2; rW1 = q1; rW0 = (q0 | (rc2 || rh || rl ? 1 : 0)) >>> 0;
}

const SQ_REM = new Uint32Array(4), SQ_TRY = new Uint32Array(4);

function sqrt(a: Ext): void {
  special = true;
  if (a.cls === NAN) { nanResult(R, a, null); return; }
  if (a.cls === ZERO) { copyExt(R, a); return; }
  if (a.sign) { indefinite(R); return; }
  if (a.cls === INF) { copyExt(R, a); return; }
  special = false;
  // With the exponent made even, M' (64 or 65 bits) * 2^127 is an integer in [2^190, 2^192) whose
  // integer square root Q has exactly 96 bits: sqrt(value) = Q * 2^(e/2 - 95).
  let e = a.exp;
  const odd = (e & 1) !== 0;
  if (odd) e--;
  const rem = SQ_REM, tr = SQ_TRY;
  rem.fill(0);
  let q2 = 0, q1 = 0, q0 = 0;
  for (let step = 0; step < 96; step++) {
    // Next two radicand bits: bits 191-2*step and 190-2*step of M' * 2^127.
    const j = 191 - 2 * step - 127;
    const two = (mbit(a, odd, j) << 1) | mbit(a, odd, j - 1);
    shl128(rem, 2); rem[3] = (rem[3] | two) >>> 0;
    // trial = 4Q + 1
    tr[0] = ((q2 >>> 30)) >>> 0; tr[1] = ((q2 << 2) | (q1 >>> 30)) >>> 0;
    tr[2] = ((q1 << 2) | (q0 >>> 30)) >>> 0; tr[3] = ((q0 << 2) | 1) >>> 0;
    q2 = ((q2 << 1) | (q1 >>> 31)) >>> 0; q1 = ((q1 << 1) | (q0 >>> 31)) >>> 0; q0 = (q0 << 1) >>> 0;
    if (cmp128(rem, tr) >= 0) { sub128(rem, tr); q0 = (q0 | 1) >>> 0; }
  }
  const inexact = (rem[0] | rem[1] | rem[2] | rem[3]) !== 0;
  rW2 = q2; rW1 = q1; rW0 = (q0 | (inexact ? 1 : 0)) >>> 0;
  rSign = 0; rExp = e / 2;
}
/** Bit j of the radicand significand M' = M * (odd ? 2 : 1). */
function mbit(a: Ext, odd: boolean, j: number): number {
  const k = odd ? j - 1 : j;
  if (k < 0 || k > 63) return 0;
  return k >= 32 ? (a.hi >>> (k - 32)) & 1 : (a.lo >>> k) & 1;
}
function shl128(v: Uint32Array, n: number): void {
  v[0] = (v[0] << n) | (v[1] >>> (32 - n)); v[1] = (v[1] << n) | (v[2] >>> (32 - n));
  v[2] = (v[2] << n) | (v[3] >>> (32 - n)); v[3] = v[3] << n;
}
function cmp128(a: Uint32Array, b: Uint32Array): number {
  for (let k = 0; k < 4; k++) if (a[k] !== b[k]) return a[k] > b[k] ? 1 : -1;
  return 0;
}
function sub128(a: Uint32Array, b: Uint32Array): void {
  let borrow = 0;
  for (let k = 3; k >= 0; k--) {
    let d = a[k] - b[k] - borrow;
    borrow = d < 0 ? 1 : 0;
    if (d < 0) d += 4294967296;
    a[k] = d;
  }
}

/** Round the last arithmetic result (R or rW*) to the register format; output in oSe/oHi/oLo. */
function packResult(): void {
  if (special) packReg(R);
  else roundPack(rSign, rExp, rW2, rW1, rW0, FMT_EXT, precision());
}

// ---- conversions from memory --------------------------------------------------------------------

function fromSingle(x: Ext, v: number): void {
  x.sign = v >>> 31;
  const e = (v >>> 23) & 0xff, f = v & 0x7fffff;
  if (e === 0xff) {
    if (f === 0) { x.cls = INF; return; }
    // Signalling stays signalling: the consumer raises IE and quietens.
    x.cls = NAN; x.hi = (0x80000000 | (f << 8)) >>> 0; x.lo = 0;
    return;
  }
  if (e === 0) {
    if (f === 0) { x.cls = ZERO; return; }
    fexc |= DE;
    x.cls = NORM; x.hi = 0; x.lo = f; x.exp = -149 + 63; normalize(x); // f * 2^-149
    return;
  }
  x.cls = NORM; x.exp = e - 127; x.hi = (0x80000000 | (f << 8)) >>> 0; x.lo = 0;
}

function fromDouble(x: Ext, lo: number, hi: number): void {
  x.sign = hi >>> 31;
  const e = (hi >>> 20) & 0x7ff, fh = hi & 0xfffff, fl = lo >>> 0;
  if (e === 0x7ff) {
    if (fh === 0 && fl === 0) { x.cls = INF; return; }
    x.cls = NAN; x.hi = (0x80000000 | (fh << 11) | (fl >>> 21)) >>> 0; x.lo = (fl << 11) >>> 0;
    return;
  }
  if (e === 0) {
    if (fh === 0 && fl === 0) { x.cls = ZERO; return; }
    fexc |= DE;
    x.cls = NORM; x.hi = fh; x.lo = fl; x.exp = -1074 + 63; normalize(x);
    return;
  }
  x.cls = NORM; x.exp = e - 1023;
  x.hi = (0x80000000 | (fh << 11) | (fl >>> 21)) >>> 0; x.lo = (fl << 11) >>> 0;
}

/** A signed integer (two's complement halves) as an exact unpacked value. */
function fromInt(x: Ext, lo: number, hi: number): void {
  if (lo === 0 && hi === 0) { x.cls = ZERO; x.sign = 0; return; }
  x.sign = hi < 0 ? 1 : 0;
  if (hi < 0) { lo = -lo | 0; hi = ~hi + (lo === 0 ? 1 : 0) | 0; }
  x.cls = NORM; x.hi = hi >>> 0; x.lo = lo >>> 0; x.exp = 63; normalize(x);
}

/** Read a memory operand of an arithmetic instruction as an unpacked value. */
function loadMem(cpu: Cpu, i: Insn, x: Ext, code: number): void {
  const a = cpu.ea(i);
  switch (memKind(code)) {
    case MK_F32: fromSingle(x, cpu.mem.read32(a)); return;
    case MK_F64: { const lo = cpu.mem.read64(a); fromDouble(x, lo, cpu.mem.hi); return; }
    case MK_I16: { const v = (cpu.mem.read16(a) << 16) >> 16; fromInt(x, v, v >> 31); return; }
    case MK_I32: { const v = cpu.mem.read32(a); fromInt(x, v, v >> 31); return; }
  }
}
const MK_F32 = 0, MK_F64 = 1, MK_I16 = 2, MK_I32 = 3;
const memKinds = new Map<number, number>();
function memKind(code: number): number { return memKinds.get(code) ?? MK_F64; }

// ---- conversions to memory and integers ----------------------------------------------------------

/** Round x to an integer in the current mode (or truncating); out of range / NaN: indefinite (IE). */
let iLo = 0, iHi = 0;
function toInt(x: Ext, bytes: number, trunc: boolean): void {
  const indefLo = bytes === 2 ? 0x8000 : bytes === 4 ? 0x80000000 | 0 : 0;
  const indefHi = bytes === 8 ? 0x80000000 | 0 : 0;
  if (x.cls === ZERO) { iLo = 0; iHi = 0; return; }
  if (x.cls !== NORM || x.exp > 63) { fexc |= IE; iLo = indefLo; iHi = indefHi; return; }
  const saved = rc;
  if (trunc) rc = 3;
  let kh: number, kl: number, up: boolean, inexact: boolean;
  if (x.exp < -1) { kh = 0; kl = 0; inexact = true; up = roundUp(x.sign, 0, 0, true); }
  else {
    shiftJam(x.hi, x.lo, 0, 63 - x.exp);
    kh = s2; kl = s1;
    const rb = s0 >>> 31, rest = (s0 & 0x7fffffff) !== 0;
    inexact = rb !== 0 || rest;
    up = inexact && roundUp(x.sign, kl & 1, rb, rest);
  }
  rc = saved;
  if (up) { kl = (kl + 1) >>> 0; if (kl === 0) kh = (kh + 1) >>> 0; if (kh === 0 && kl === 0) { fexc |= IE; iLo = indefLo; iHi = indefHi; return; } }
  // Range check on the magnitude.
  const limHi = bytes === 8 ? 0x80000000 : 0, limLo = bytes === 8 ? 0 : bytes === 4 ? 0x80000000 : 0x8000;
  const over = kh > limHi || (kh === limHi && kl > limLo) || (kh === limHi && kl === limLo && !x.sign);
  if (over) { fexc |= IE; iLo = indefLo; iHi = indefHi; return; }
  if (inexact) { fexc |= PE; roundedUp = up; }
  if (x.sign) { kl = (-kl) >>> 0; kh = (~kh + (kl === 0 ? 1 : 0)) >>> 0; }
  iLo = kl | 0; iHi = kh | 0;
}

/** x to binary32 / binary64 bits (oLo / oHi:oLo). */
function toSingle(x: Ext): void {
  switch (x.cls) {
    case ZERO: oLo = (x.sign << 31) | 0; return;
    case INF: oLo = ((x.sign << 31) | 0x7f800000) | 0; return;
    case NAN:
      if (!(x.hi & 0x40000000)) fexc |= IE;
      oLo = ((x.sign << 31) | 0x7fc00000 | ((x.hi >>> 8) & 0x3fffff)) | 0; return;
  }
  roundPack(x.sign, x.exp, x.hi, x.lo, 0, FMT_SGL, 24);
}
function toDouble(x: Ext): void {
  switch (x.cls) {
    case ZERO: oHi = (x.sign << 31) | 0; oLo = 0; return;
    case INF: oHi = ((x.sign << 31) | 0x7ff00000) | 0; oLo = 0; return;
    case NAN:
      if (!(x.hi & 0x40000000)) fexc |= IE;
      oHi = ((x.sign << 31) | 0x7ff80000 | ((x.hi >>> 11) & 0x7ffff)) | 0;
      oLo = ((x.hi << 21) | (x.lo >>> 11)) | 0; return;
  }
  roundPack(x.sign, x.exp, x.hi, x.lo, 0, FMT_DBL, 53);
}

// ---- compares -----------------------------------------------------------------------------------

/** Compare: -1 less, 0 equal, 1 greater, 2 unordered. `quiet`: only SNaNs raise IE. */
function compare(a: Ext, b: Ext, quiet: boolean): number {
  if (a.cls === NAN || b.cls === NAN) {
    nanSeen = true;
    if (!quiet || isSnan(a) || isSnan(b)) fexc |= IE;
    return 2;
  }
  const ka = key(a), kb = key(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  if (a.cls !== NORM) return 0;
  // Same sign and class: compare magnitudes.
  let m = 0;
  if (a.exp !== b.exp) m = a.exp < b.exp ? -1 : 1;
  else if (a.hi !== b.hi) m = a.hi < b.hi ? -1 : 1;
  else if (a.lo !== b.lo) m = a.lo < b.lo ? -1 : 1;
  return a.sign ? -m : m;
}
/** Coarse order: -inf < -norm < 0 < +norm < +inf. */
function key(x: Ext): number {
  const k = x.cls === ZERO ? 0 : x.cls === INF ? 2 : 1;
  return x.sign ? -k : k;
}

function setCC(r: number): void {
  let w = S.fsw & ~(C0 | C2 | C3 | C1);
  if (r === 2) w |= C0 | C2 | C3; else if (r === 0) w |= C3; else if (r < 0) w |= C0;
  S.fsw = w;
}

// ---- handlers -----------------------------------------------------------------------------------


/** Arithmetic: operands by form; op 0 add, 1 mul, 2 sub, 3 subr, 4 div, 5 divr. */
function arith(op: number, form: number, popAfter: boolean): Handler {
  // form: 0 memory (ST0 op mem), 1 ST0 = ST0 op STi, 2 STi = STi op ST0
  return (cpu, i) => {
    begin(cpu, i);
    let dst = 0;
    if (form === 0) { getSt(X, 0); loadMem(cpu, i, Y, i.code); }
    else if (form === 1) { getSt(X, 0); getSt(Y, i.reg[1]); }
    else { dst = i.reg[0]; getSt(X, dst); getSt(Y, 0); }
    if (underflowed) {
      // Stack underflow: masked, the destination gets the default NaN.
      if (S.fcw & IE) { oSe = INDEF_SE; oHi = INDEF_HI; oLo = 0; putSt(dst); if (popAfter) pop(); }
      end(); return;
    }
    compute(op, X, Y);
    if (fexc & ~S.fcw & (IE | ZE | DE)) { end(); return; } // unmasked pre-computation exception: no result
    packResult();
    putSt(dst);
    if (popAfter) pop();
    end();
  };
}

function compute(op: number, a: Ext, b: Ext): void {
  // An unsupported encoding (unnormal, pseudo-NaN/infinity) makes the result the default NaN.
  if (invalidEncoding) { special = true; indefinite(R); return; }
  switch (op) {
    case 0: add(a, b, false); break;
    case 1: mul(a, b); break;
    case 2: add(a, b, true); break;
    case 3: add(b, a, true); break;
    case 4: div(a, b); break;
    default: div(b, a);
  }
}

const arithNames: [string, number][] = [['Fadd', 0], ['Fmul', 1], ['Fsub', 2], ['Fsubr', 3], ['Fdiv', 4], ['Fdivr', 5]];
const C = Code as unknown as Record<string, number>;
for (const [n, op] of arithNames) {
  onCode([C[`${n}_m32fp`], C[`${n}_m64fp`]], arith(op, 0, false));
  memKinds.set(C[`${n}_m32fp`], MK_F32); memKinds.set(C[`${n}_m64fp`], MK_F64);
  onCode(C[`${n}_st0_sti`], arith(op, 1, false));
  onCode(C[`${n}_sti_st0`], arith(op, 2, false));
  onCode(C[`${n}p_sti_st0`], arith(op, 2, true));
  const iname = 'Fi' + n.slice(1);
  onCode([C[`${iname}_m16int`], C[`${iname}_m32int`]], arith(op, 0, false));
  memKinds.set(C[`${iname}_m16int`], MK_I16); memKinds.set(C[`${iname}_m32int`], MK_I32);
}

// Loads.
const LD_F32 = 0, LD_F64 = 1, LD_I16 = 2, LD_I32 = 3, LD_I64 = 4;
function load(kind: number): Handler {
  return (cpu, i) => {
    begin(cpu, i);
    const a = cpu.ea(i), m = cpu.mem;
    switch (kind) {
      case LD_F32: fromSingle(T, m.read32(a)); break;
      case LD_F64: { const lo = m.read64(a); fromDouble(T, lo, m.hi); break; }
      case LD_I16: { const v = (m.read16(a) << 16) >> 16; fromInt(T, v, v >> 31); break; }
      case LD_I32: { const v = m.read32(a); fromInt(T, v, v >> 31); break; }
      default: { const lo = m.read64(a); fromInt(T, lo, m.hi); }
    }
    if (isSnan(T)) { fexc |= IE; T.hi = (T.hi | 0x40000000) >>> 0; }
    if (fexc & ~S.fcw & (IE | DE)) { end(); return; }
    if (!push()) { end(); return; }
    // Loads are exact whatever the precision control.
    packReg(T, 64);
    putSt(0);
    end();
  };
}
onCode(Code.Fld_m32fp, load(LD_F32));
onCode(Code.Fld_m64fp, load(LD_F64));
onCode(Code.Fild_m16int, load(LD_I16)); onCode(Code.Fild_m32int, load(LD_I32)); onCode(Code.Fild_m64int, load(LD_I64));
onCode(Code.Fld_m80fp, (cpu, i) => {
  begin(cpu, i);
  const a = cpu.ea(i);
  const lo = cpu.mem.read32(a), hi = cpu.mem.read32(a + 4), se = cpu.mem.read16(a + 8);
  if (push()) setRaw(phys(0), se, hi, lo);
  end();
});
onCode(Code.Fld_sti, (cpu, i) => {
  begin(cpu, i);
  const k = phys(i.reg[0]);
  const ok = (S.valid >> k) & 1;
  const lo = S.r[3 * k], hi = S.r[3 * k + 1], se = S.r[3 * k + 2];
  if (!ok) { fexc |= IE | SF; if (push()) setRaw(phys(0), INDEF_SE, INDEF_HI, 0); end(); return; }
  if (push()) setRaw(phys(0), se, hi, lo);
  end();
});
// Constants (rounded per RC where the 64-bit value is inexact).
function constant(se: number, hi: number, lo: number, roundBitsUp: number): Handler {
  // roundBitsUp: +1 if the RN value was rounded up from the truncated one, -1 if rounding down, 0 exact.
  return (cpu, i) => {
    begin(cpu, i);
    if (push()) {
      let l = lo >>> 0;
      // Directed modes give the truncated value when RN rounded up, and RU the next one when RN rounded down.
      if (roundBitsUp > 0 && (rc === 1 || rc === 3)) l = (l - 1) >>> 0;
      if (roundBitsUp < 0 && rc === 2) l = (l + 1) >>> 0;
      setRaw(phys(0), se, hi | 0, l | 0);
    }
    end();
  };
}
onCode(Code.Fldz, constant(0, 0, 0, 0));
onCode(Code.Fld1, constant(0x3fff, 0x80000000, 0, 0));
onCode(Code.Fldpi, constant(0x4000, 0xc90fdaa2, 0x2168c235, 1));
onCode(Code.Fldl2e, constant(0x3fff, 0xb8aa3b29, 0x5c17f0bc, 1));
onCode(Code.Fldl2t, constant(0x4000, 0xd49a784b, 0xcd1b8afe, -1));
onCode(Code.Fldlg2, constant(0x3ffd, 0x9a209a84, 0xfbcff799, 1));
onCode(Code.Fldln2, constant(0x3ffe, 0xb17217f7, 0xd1cf79ac, 1));

// Stores.
function store(kind: number, popAfter: boolean): Handler {
  return (cpu, i) => {
    begin(cpu, i);
    const a = cpu.ea(i);
    getSt(X, 0);
    fexc &= ~DE; // stores do not report denormal operands
    switch (kind) {
      case 0: toSingle(X); if (!(fexc & ~S.fcw & (IE | OE | UE))) cpu.mem.write32(a, oLo); break;
      case 1: toDouble(X); if (!(fexc & ~S.fcw & (IE | OE | UE))) cpu.mem.write64(a, oLo, oHi); break;
      default: {
        // m80: the register's bits as they are.
        const k = phys(0);
        const lo = S.valid & (1 << k) ? S.r[3 * k] : 0, hi = S.valid & (1 << k) ? S.r[3 * k + 1] : INDEF_HI;
        const se = S.valid & (1 << k) ? S.r[3 * k + 2] : INDEF_SE;
        cpu.mem.checkWritable(a, 10);
        cpu.mem.write64(a, lo, hi); cpu.mem.write16(a + 8, se);
        invalidEncoding = false;
      }
    }
    if (popAfter && !(fexc & ~S.fcw & IE)) pop();
    end();
  };
}
onCode(Code.Fst_m32fp, store(0, false)); onCode(Code.Fstp_m32fp, store(0, true));
onCode(Code.Fst_m64fp, store(1, false)); onCode(Code.Fstp_m64fp, store(1, true));
onCode(Code.Fstp_m80fp, store(2, true));

function stReg(popAfter: boolean): Handler {
  return (cpu, i) => {
    begin(cpu, i);
    const k = phys(0);
    if (!(S.valid & (1 << k))) { fexc |= IE | SF; if (!(S.fcw & IE)) { end(); return; } setRaw(phys(i.reg[0]), INDEF_SE, INDEF_HI, 0); }
    else setRaw(phys(i.reg[0]), S.r[3 * k + 2], S.r[3 * k + 1], S.r[3 * k]);
    if (popAfter) pop();
    end();
  };
}
onCode(Code.Fst_sti, stReg(false));
onCode([Code.Fstp_sti, Code.Fstp_sti_DFD0, Code.Fstp_sti_DFD8, Code.Fstpnce_sti], stReg(true));

function intStore(bytes: number, popAfter: boolean, trunc: boolean): Handler {
  return (cpu, i) => {
    begin(cpu, i);
    const a = cpu.ea(i);
    getSt(X, 0);
    fexc &= ~DE;
    if (X.cls === NAN) { fexc |= IE; iLo = bytes === 2 ? 0x8000 : bytes === 4 ? 0x80000000 | 0 : 0; iHi = bytes === 8 ? 0x80000000 | 0 : 0; }
    else toInt(X, bytes, trunc);
    if (fexc & ~S.fcw & IE) { end(); return; }
    if (bytes === 2) cpu.mem.write16(a, iLo); else if (bytes === 4) cpu.mem.write32(a, iLo); else cpu.mem.write64(a, iLo, iHi);
    if (popAfter) pop();
    end();
  };
}
onCode(Code.Fist_m16int, intStore(2, false, false)); onCode(Code.Fist_m32int, intStore(4, false, false));
onCode(Code.Fistp_m16int, intStore(2, true, false)); onCode(Code.Fistp_m32int, intStore(4, true, false));
onCode(Code.Fistp_m64int, intStore(8, true, false));
onCode(Code.Fisttp_m16int, intStore(2, true, true)); onCode(Code.Fisttp_m32int, intStore(4, true, true));
onCode(Code.Fisttp_m64int, intStore(8, true, true));

// Unary operations on ST0.
function unary(f: (x: Ext) => boolean): Handler {
  // f returns true when it produced a result in oSe/oHi/oLo to store into ST0.
  return (cpu, i) => {
    begin(cpu, i);
    if (!getSt(X, 0)) { if (S.fcw & IE) { setRaw(phys(0), INDEF_SE, INDEF_HI, 0); } end(); return; }
    if (invalidEncoding) { setRaw(phys(0), INDEF_SE, INDEF_HI, 0); end(); return; }
    if (f(X)) putSt(0);
    end();
  };
}
onCode(Code.Fchs, (cpu, i) => {
  begin(cpu, i);
  const k = phys(0);
  if (!(S.valid & (1 << k))) { fexc |= IE | SF; if (S.fcw & IE) setRaw(k, INDEF_SE, INDEF_HI, 0); }
  else S.r[3 * k + 2] ^= 0x8000;
  end();
});
onCode(Code.Fabs, (cpu, i) => {
  begin(cpu, i);
  const k = phys(0);
  if (!(S.valid & (1 << k))) { fexc |= IE | SF; if (S.fcw & IE) setRaw(k, INDEF_SE, INDEF_HI, 0); }
  else S.r[3 * k + 2] &= 0x7fff;
  end();
});
onCode(Code.Fsqrt, unary((x) => {
  sqrt(x);
  if (fexc & ~S.fcw & (IE | DE)) return false;
  packResult();
  return true;
}));
onCode(Code.Frndint, unary((x) => {
  if (x.cls === NAN) { nanResult(R, x, null); packReg(R); return true; }
  if (x.cls !== NORM || x.exp >= 63) return false; // already an integer: unchanged
  let kh: number, kl: number, up: boolean, inexact: boolean;
  if (x.exp < -1) { kh = 0; kl = 0; inexact = true; up = roundUp(x.sign, 0, 0, true); }
  else {
    shiftJam(x.hi, x.lo, 0, 63 - x.exp);
    kh = s2; kl = s1;
    const rb = s0 >>> 31, rest = (s0 & 0x7fffffff) !== 0;
    inexact = rb !== 0 || rest;
    up = inexact && roundUp(x.sign, kl & 1, rb, rest);
  }
  if (up) { kl = (kl + 1) >>> 0; if (kl === 0) kh = (kh + 1) >>> 0; }
  if (inexact) { fexc |= PE; roundedUp = up; }
  if (kh === 0 && kl === 0) { oSe = x.sign << 15; oHi = 0; oLo = 0; return true; }
  if (kh === 0 && kl === 0 && up) { /* 2^64 cannot happen: exp < 63 */ }
  T.cls = NORM; T.sign = x.sign; T.hi = kh; T.lo = kl; T.exp = 63; normalize(T);
  // The integer is exact at 64 bits whatever the precision control.
  const save = fexc, ru = roundedUp;
  roundPack(T.sign, T.exp, T.hi, T.lo, 0, FMT_EXT, 64);
  fexc = save; roundedUp = ru;
  return true;
}));
onCode(Code.Fxtract, (cpu, i) => {
  begin(cpu, i);
  if (!getSt(X, 0)) { end(); return; }
  if (X.cls === ZERO) {
    // Exponent -inf (ZE), significand the zero.
    fexc |= ZE;
    oSe = 0xffff; oHi = 0x80000000 | 0; oLo = 0; putSt(0);
    if (push()) { oSe = X.sign << 15; oHi = 0; oLo = 0; putSt(0); }
    end(); return;
  }
  if (X.cls === NAN) { nanResult(R, X, null); packReg(R); putSt(0); if (push()) putSt(0); end(); return; }
  if (X.cls === INF) { oSe = 0x7fff; oHi = 0x80000000 | 0; oLo = 0; putSt(0); if (push()) { oSe = (X.sign << 15) | 0x7fff; putSt(0); } end(); return; }
  fromInt(T, X.exp, X.exp >> 31);
  packReg(T); putSt(0);
  if (push()) { oSe = (X.sign << 15) | 0x3fff; oHi = X.hi | 0; oLo = X.lo | 0; putSt(0); }
  end();
});
onCode(Code.Fscale, (cpu, i) => {
  begin(cpu, i);
  getSt(X, 0); getSt(Y, 1);
  if (invalidEncoding) { indefinite(R); packReg(R); putSt(0); end(); return; }
  if (X.cls === NAN || Y.cls === NAN) { nanResult(R, X, Y); packReg(R); putSt(0); end(); return; }
  if (Y.cls === INF) {
    if (X.cls === ZERO && !Y.sign) { indefinite(R); packReg(R); putSt(0); end(); return; }
    if (X.cls === INF && Y.sign) { indefinite(R); packReg(R); putSt(0); end(); return; }
    if (X.cls === ZERO || X.cls === INF) { end(); return; }
    R.sign = X.sign; R.cls = Y.sign ? ZERO : INF; packReg(R); putSt(0); end(); return;
  }
  if (X.cls !== NORM) { end(); return; }
  // Scale by trunc(ST1), clamped far beyond the exponent range.
  let n = 0;
  if (Y.cls === NORM && Y.exp >= 0) n = Y.exp > 20 ? 1 << 20 : Math.floor((Y.hi >>> 0) / 2 ** (31 - Y.exp));
  if (Y.sign) n = -n;
  roundPack(X.sign, X.exp + n, X.hi, X.lo, 0, FMT_EXT, 64);
  putSt(0);
  end();
});
/**
 * fprem / fprem1: ST0 - Q * ST1 exactly, Q = ST0/ST1 truncated (fprem) or rounded to nearest even
 * (fprem1). When the exponents differ by 64 or more only a partial reduction is done (C2 = 1; the
 * program loops); otherwise C0 C3 C1 = Q bits 2 1 0.
 */
function prem(ieee: boolean): Handler {
  return (cpu, i) => {
    begin(cpu, i);
    getSt(X, 0); getSt(Y, 1);
    S.fsw &= ~(C0 | C1 | C2 | C3);
    if (invalidEncoding) { indefinite(R); packReg(R); putSt(0); end(); return; }
    if (X.cls === NAN || Y.cls === NAN) { nanResult(R, X, Y); packReg(R); putSt(0); end(); return; }
    if (X.cls === INF || Y.cls === ZERO) { indefinite(R); packReg(R); putSt(0); end(); return; }
    if (X.cls === ZERO || Y.cls === INF) { packReg(X, 64); putSt(0); end(); return; }
    const d = X.exp - Y.exp;
    let sign = X.sign, q = 0, cc = 0;
    // Remainder significand (rh:rl, with rc2 a 65th bit) in units of 2^(unitExp - 63).
    let rc2 = 0, rh = X.hi, rl = X.lo, unitExp = X.exp;
    const dh = Y.hi, dl = Y.lo;
    if (d >= 64) {
      // Partial: reduce by a quotient of n = 32..63 bits scaled by 2^(d - n).
      const n = 32 + ((d - 32) % 32);
      for (let k = 0; k <= n; k++) {
        if (k > 0) { rc2 = rh >>> 31; rh = ((rh << 1) | (rl >>> 31)) >>> 0; rl = (rl << 1) >>> 0; }
        if (rc2 || rh > dh || (rh === dh && rl >= dl)) { sub64(rh, rl, dh, dl); rh = dH; rl = dL; rc2 = 0; }
      }
      unitExp = X.exp - n;
      cc = C2;
    } else if (d >= 0) {
      for (let k = 0; k <= d; k++) {
        if (k > 0) { rc2 = rh >>> 31; rh = ((rh << 1) | (rl >>> 31)) >>> 0; rl = (rl << 1) >>> 0; }
        q = (q << 1) & 7;
        if (rc2 || rh > dh || (rh === dh && rl >= dl)) { sub64(rh, rl, dh, dl); rh = dH; rl = dL; rc2 = 0; q |= 1; }
      }
      unitExp = Y.exp;
      if (ieee) {
        // Round to nearest: compare 2r with the divisor.
        const c = cmpTwice(rh, rl, dh, dl);
        if (c > 0 || (c === 0 && (q & 1))) { sub64(dh, dl, rh, rl); rh = dH; rl = dL; sign ^= 1; q = (q + 1) & 7; }
      }
    } else if (ieee && d === -1 && (X.hi > Y.hi || (X.hi === Y.hi && X.lo > Y.lo))) {
      // |ST0| in (|ST1|/2, |ST1|): Q = 1, the result is |ST1| - |ST0| with the opposite sign.
      // In units of 2^(X.exp - 63): 2*MY - MX (< MY).
      let l = ((dl << 1) >>> 0) - rl, h = dh * 2 + (dl >>> 31) - rh;
      if (l < 0) { l += 4294967296; h--; }
      rh = h >>> 0; rl = l >>> 0; sign ^= 1; q = 1;
    } else {
      // |ST0| too small: ST0 unchanged (re-encoded, a pseudo-subnormal becomes normal), Q = 0.
      packReg(X, 64); putSt(0); fexc &= ~PE; end(); return;
    }
    if (rc2 === 0 && rh === 0 && rl === 0) { oSe = sign << 15; oHi = 0; oLo = 0; putSt(0); }
    else {
      T.cls = NORM; T.sign = sign; T.exp = unitExp; T.hi = rh; T.lo = rl;
      if (rc2) { shiftJam(rh, rl, 0, 1); T.hi = (s2 | 0x80000000) >>> 0; T.lo = s1; T.exp++; } else normalize(T);
      roundPack(T.sign, T.exp, T.hi, T.lo, 0, FMT_EXT, 64);
      putSt(0);
    }
    if (!cc) { if (q & 4) cc |= C0; if (q & 2) cc |= C3; if (q & 1) cc |= C1; }
    fexc &= ~PE;
    end();
    S.fsw = (S.fsw & ~(C0 | C1 | C2 | C3)) | cc;
  };
}
/** (ah:al - bh:bl) mod 2^64 into dH:dL. */
let dH = 0, dL = 0;
function sub64(ah: number, al: number, bh: number, bl: number): void {
  let l = al - bl, h = ah - bh;
  if (l < 0) { l += 4294967296; h--; }
  if (h < 0) h += 4294967296;
  dH = h >>> 0; dL = l >>> 0;
}
/** Sign of 2*(h:l) - (dh:dl). */
function cmpTwice(h: number, l: number, dh: number, dl: number): number {
  if (h >>> 31) return 1;
  const h2 = ((h << 1) | (l >>> 31)) >>> 0, l2 = (l << 1) >>> 0;
  if (h2 !== dh) return h2 > dh ? 1 : -1;
  return l2 === dl ? 0 : l2 > dl ? 1 : -1;
}
onCode(Code.Fprem, prem(false));
onCode(Code.Fprem1, prem(true));

// ---- transcendentals: f2xm1 fyl2x fyl2xp1 fpatan ----------------------------------------------------
//
// What long double libm calls (expl, exp2l, powl, logl, log2l, log1pl, atan2l, atanl...). Computed with
// 256-bit intermediates (BigInt: these instructions are rare and never on a hot path) and rounded
// correctly in the current rounding mode. The hardware's own results are not always correctly rounded:
// on this host about 1-3% of arguments give a result one unit in the last place away from the correctly
// rounded one (and C1 accordingly); everything else (special operands, flags) matches.

/**
 * Values are fixed-point BigInts with FP fraction bits for the series (whose arguments are reduced to
 * below one), and (m, e) pairs, value m * 2^e, where relative precision matters (tiny arguments, the
 * results).
 */
interface Big { m: bigint; e: number }
const FP = 256, FPn = 256n, ONE = 1n << FPn;

function bitLen(m: bigint): number {
  if (m < 0n) m = -m;
  if (m === 0n) return 0;
  const h = m.toString(16);
  return (h.length - 1) * 4 + 32 - Math.clz32(parseInt(h[0], 16));
}
/** A (m, e) value as fixed point (truncated toward zero). */
function toFixed(b: Big): bigint {
  const sh = b.e + FP;
  if (sh >= 0) return b.m << BigInt(sh);
  const n = BigInt(-sh);
  return b.m < 0n ? -(-b.m >> n) : b.m >> n;
}
function fixedToBig(f: bigint): Big { return { m: f, e: -FP }; }
function fmul(a: bigint, b: bigint): bigint { return (a * b) >> FPn; }
function fdiv(a: bigint, b: bigint): bigint { return (a << FPn) / b; }
/** Integer square root (floor) of a non-negative BigInt. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  // Newton from above: decreases monotonically to the floor of the root.
  let x = 1n << BigInt((bitLen(n) >> 1) + 1);
  for (;;) { const y = (x + n / x) >> 1n; if (y >= x) return x; x = y; }
}
function fsqrt(a: bigint): bigint { return isqrt(a << FPn); }

/** sum t^k / (k+1)!, k >= 0: e^t - 1 = t * sExp(t). */
function sExp(t: bigint): bigint {
  let term = ONE, sum = ONE;
  for (let k = 2; ; k++) { term = fmul(term, t) / BigInt(k); if (term === 0n) return sum; sum += term; }
}
/** sum sgn^n z2^n / (2n+1): atanh(z) = z * sOdd(z^2, 1), atan(z) = z * sOdd(z^2, -1). */
function sOdd(z2: bigint, sgn: number): bigint {
  let p = ONE, sum = ONE;
  for (let n = 1; ; n++) {
    p = fmul(p, z2);
    const t = p / BigInt(2 * n + 1);
    if (t === 0n) return sum;
    sum += sgn < 0 && (n & 1) ? -t : t;
  }
}

let ln2c = 0n, pic = 0n;
/** ln 2 = 2 atanh(1/3). */
function LN2(): bigint { return ln2c || (ln2c = 2n * fmul(ONE / 3n, sOdd(ONE / 9n, 1))); }
/** pi = 4 atan(1). */
function PI(): bigint { return pic || (pic = 4n * fatan(ONE)); }
/** atan(z) for 0 <= z <= 1 in fixed point: three angle halvings, then the series. */
function fatan(z: bigint): bigint {
  let w = z;
  for (let h = 0; h < 3; h++) w = fdiv(w, ONE + fsqrt(ONE + fmul(w, w)));
  return 8n * fmul(w, sOdd(fmul(w, w), -1));
}
/** atan(q) for a (m, e) value 0 < q <= 1, relative precision kept for tiny q. */
function batan(q: Big): Big {
  const f = toFixed(q);
  if (f < ONE >> 8n) return { m: q.m * sOdd(fmul(f, f), -1), e: q.e - FP };
  return fixedToBig(fatan(f));
}

function extToBig(x: Ext): Big {
  const m = (BigInt(x.hi >>> 0) << 32n) | BigInt(x.lo >>> 0);
  return { m: x.sign ? -m : m, e: x.exp - 63 };
}

/** Round a value to the register format (64 bits, current RC); `exact` false forces inexact. */
function packBig(b: Big, exact: boolean): void {
  if (b.m === 0n) { oSe = 0; oHi = 0; oLo = 0; roundedUp = false; return; }
  const sign = b.m < 0n ? 1 : 0;
  const m = sign ? -b.m : b.m;
  const l = bitLen(m);
  let top: bigint, sticky: boolean;
  if (l > 96) { top = m >> BigInt(l - 96); sticky = (m & ((1n << BigInt(l - 96)) - 1n)) !== 0n; }
  else { top = m << BigInt(96 - l); sticky = false; }
  if (!exact) sticky = true;
  const w2 = Number(top >> 64n), w1 = Number((top >> 32n) & 0xffffffffn), w0 = Number(top & 0xffffffffn);
  roundPack(sign, b.e + l - 1, w2, w1, (w0 | (sticky ? 1 : 0)) >>> 0, FMT_EXT, 64);
}

/** log2(x) for x > 0 in fixed point (x a 64-bit value: |log2 x| >= 2^-65 unless x = 1). */
function flog2(x: Big): bigint {
  // x = m * 2^k with m in [sqrt(1/2), sqrt(2)).
  let k = bitLen(x.m) + x.e - 1;
  let m = toFixed({ m: x.m, e: x.e - k });
  if (fmul(m, m) > 2n * ONE) { m >>= 1n; k++; }
  const z = fdiv(m - ONE, m + ONE);
  const ln = 2n * fmul(z, sOdd(fmul(z, z), 1));
  return fdiv(ln, LN2()) + (BigInt(k) << FPn);
}
/** log2(1 + x) for |x| < 1 as a (m, e) value, relative precision kept for tiny x. */
function blog2p1(x: Big): Big {
  // ln(1 + x) = 2 atanh(z), z = x / (2 + x).
  const d = 2n * ONE + toFixed(x);
  const z: Big = { m: (x.m << (FPn + 64n)) / d, e: x.e - 64 };
  const zf = toFixed(z);
  const s = sOdd(fmul(zf, zf), 1);
  // 2 z s / ln 2
  return { m: ((2n * z.m * s) << FPn) / LN2(), e: z.e - FP };
}


/** f2xm1: 2^ST0 - 1, ST0 in [-1, 1]. */
onCode(Code.F2xm1, (cpu, i) => {
  begin(cpu, i);
  if (!getSt(X, 0)) { if (S.fcw & IE) setRaw(phys(0), INDEF_SE, INDEF_HI, 0); end(); return; }
  if (invalidEncoding) { setRaw(phys(0), INDEF_SE, INDEF_HI, 0); end(); return; }
  if (X.cls === NAN) { nanResult(R, X, null); packReg(R); putSt(0); end(); return; }
  if (X.cls === ZERO) { end(); return; }
  if (X.cls === INF) { if (X.sign) { oSe = 0xbfff; oHi = 0x80000000 | 0; oLo = 0; putSt(0); } end(); return; }
  if (fexc & ~S.fcw & DE) { end(); return; }
  let r: Big;
  const exact = false;
  if (X.exp === 0 && X.hi === 0x80000000 && X.lo === 0) {
    // x = +-1: the hardware reports these as inexact, 1 as rounded up from below and -1/2 as rounded
    // down in magnitude: as if computed a hair below 1 and a hair beyond -1/2.
    r = X.sign ? { m: -((1n << 300n) + 1n), e: -301 } : { m: (1n << 300n) - 1n, e: -300 };
  }
  else if (X.exp < 0) {
    // t = x ln 2 (exact product), 2^x - 1 = t * sExp(t).
    const x = extToBig(X), t: Big = { m: x.m * LN2(), e: x.e - FP };
    r = { m: t.m * sExp(toFixed(t)), e: t.e - FP };
  } else if (X.exp > 14) {
    // Outside the defined domain [-1, 1] (the hardware's result is undefined): 2^x - 1 saturates.
    r = X.sign ? { m: -1n, e: 0 } : { m: 1n, e: 20000 };
  } else {
    // Also outside the domain: 2^n * 2^f - 1 with n = round(x), |f| <= 1/2.
    const x = toFixed(extToBig(X)), n = (x + (ONE >> 1n)) >> FPn, f = x - (n << FPn);
    const t = fmul(f, LN2()), p2 = ONE + fmul(t, sExp(t));
    r = { m: (n >= 0n ? p2 << n : p2 >> -n) - ONE, e: -FP };
  }
  packBig(r, exact);
  putSt(0);
  end();
});

/** y * log2(x) (fyl2x) or y * log2(1 + x) (fyl2xp1): ST1 = result, pop. */
function ylog(plus1: boolean): Handler {
  return (cpu, i) => {
    begin(cpu, i);
    getSt(X, 0); getSt(Y, 1);
    if (underflowed) { if (S.fcw & IE) { setRaw(phys(1), INDEF_SE, INDEF_HI, 0); pop(); } end(); return; }
    const done = (): void => { putSt(1); pop(); end(); };
    if (invalidEncoding) { indefinite(R); packReg(R); done(); return; }
    if (X.cls === NAN || Y.cls === NAN) { nanResult(R, X, Y); packReg(R); done(); return; }
    if (fexc & ~S.fcw & DE) { end(); return; }
    // The logarithm's class: -inf (x = 0), finite, +inf; with its sign for zero results.
    let lcls: number, lsign = 0, l: Big | null = null, lexact = false;
    if (plus1) {
      if (X.cls === INF) { if (X.sign) { indefinite(R); packReg(R); done(); return; } lcls = INF; }
      else if (X.cls === ZERO) { lcls = ZERO; lsign = X.sign; }
      else {
        lcls = NORM;
        const x = extToBig(X);
        if (X.sign && X.exp >= 0) { indefinite(R); packReg(R); done(); return; } // 1 + x <= 0
        // |x| < 1/4 keeps the relative precision of log2(1 + x); beyond (outside the defined domain)
        // the plain logarithm of 1 + x.
        if (X.exp < -2) l = blog2p1(x);
        else {
          const one: Big = { m: 1n << BigInt(Math.max(0, -x.e)), e: Math.min(0, x.e) };
          const sum: Big = x.e >= 0 ? { m: (x.m << BigInt(x.e)) + 1n, e: 0 } : { m: x.m + one.m, e: x.e };
          l = fixedToBig(flog2(sum));
        }
      }
    } else {
      if (X.cls !== ZERO && X.sign) { indefinite(R); packReg(R); done(); return; }
      if (X.cls === ZERO) { lcls = INF; lsign = 1; }
      else if (X.cls === INF) lcls = INF;
      else if (X.hi === 0x80000000 && X.lo === 0) {
        // An exact power of two: log2 is the exponent.
        lcls = X.exp === 0 ? ZERO : NORM; l = { m: BigInt(X.exp), e: 0 }; lexact = true;
      } else { lcls = NORM; l = fixedToBig(flog2(extToBig(X))); }
    }
    const sign = Y.sign ^ lsign ^ (lcls === NORM && l!.m < 0n ? 1 : 0);
    // Products with zero and infinity.
    if (lcls === INF) {
      if (Y.cls === ZERO) { indefinite(R); packReg(R); done(); return; }
      if (!plus1 && X.cls === ZERO && Y.cls === NORM) fexc = (fexc & ~DE) | ZE; // ZE takes precedence over DE
      R.cls = INF; R.sign = Y.sign ^ lsign; packReg(R); done(); return;
    }
    if (lcls === ZERO) {
      if (Y.cls === INF) { indefinite(R); packReg(R); done(); return; }
      R.cls = ZERO; R.sign = Y.sign ^ lsign; packReg(R); done(); return;
    }
    if (Y.cls === INF) { R.cls = INF; R.sign = sign; packReg(R); done(); return; }
    if (Y.cls === ZERO) { R.cls = ZERO; R.sign = sign; packReg(R); done(); return; }
    const y = extToBig(Y);
    packBig({ m: y.m * l!.m, e: y.e + l!.e }, lexact);
    // The hardware reports even the exact cases (x a power of two) as inexact, and so tiny ones as
    // underflowing.
    fexc |= PE;
    if ((oSe & 0x7fff) === 0 && (oHi | oLo) !== 0) fexc |= UE;
    done();
  };
}
onCode(Code.Fyl2x, ylog(false));
onCode(Code.Fyl2xp1, ylog(true));

/** fpatan: ST1 = atan2(ST1, ST0), pop. */
onCode(Code.Fpatan, (cpu, i) => {
  begin(cpu, i);
  getSt(X, 0); getSt(Y, 1);
  if (underflowed) { if (S.fcw & IE) { setRaw(phys(1), INDEF_SE, INDEF_HI, 0); pop(); } end(); return; }
  const done = (): void => { putSt(1); pop(); end(); };
  if (invalidEncoding) { indefinite(R); packReg(R); done(); return; }
  if (X.cls === NAN || Y.cls === NAN) { nanResult(R, X, Y); packReg(R); done(); return; }
  if (fexc & ~S.fcw & DE) { end(); return; }
  const ys = Y.sign;
  const pi = fixedToBig(PI()), half: Big = { m: PI(), e: -FP - 1 }, quarter: Big = { m: PI(), e: -FP - 2 };
  const withSign = (b: Big): Big => (ys ? { m: -b.m, e: b.e } : b);
  let r: Big;
  if (Y.cls === ZERO) {
    if (X.sign) r = withSign(pi); else { R.cls = ZERO; R.sign = ys; packReg(R); done(); return; }
  } else if (Y.cls === INF) {
    if (X.cls === INF) r = withSign(X.sign ? { m: 3n * PI(), e: -FP - 2 } : quarter);
    else r = withSign(half);
  } else if (X.cls === INF) {
    if (X.sign) r = withSign(pi); else { R.cls = ZERO; R.sign = ys; packReg(R); done(); return; }
  } else if (X.cls === ZERO) r = withSign(half);
  else {
    // |y| <= |x|: atan(|y|/|x|), else pi/2 - atan(|x|/|y|); pi minus that for x < 0.
    const ax = extToBig(X), ay = extToBig(Y);
    if (ax.m < 0n) ax.m = -ax.m;
    if (ay.m < 0n) ay.m = -ay.m;
    const ratio = (p: Big, q: Big): Big => ({ m: (p.m << (FPn + 64n)) / q.m, e: p.e - q.e - FP - 64 });
    const yLess = ay.e < ax.e || (ay.e === ax.e && ay.m <= ax.m);
    let a: Big;
    if (yLess) a = batan(ratio(ay, ax));
    else a = fixedToBig((PI() >> 1n) - toFixed(batan(ratio(ax, ay))));
    if (X.sign) a = fixedToBig(PI() - toFixed(a));
    r = withSign(a);
  }
  packBig(r, false);
  done();
});

// ---- fsin fcos fsincos fptan ------------------------------------------------------------------------
//
// The hardware reduces its operand modulo pi/2 with a 66-bit pi (pi rounded toward zero at 66 bits,
// PI66 * 2^-64), quotient rounded to nearest, and exactly: r = |x| - k * PI66 * 2^-65, |r| <= pi/4, then
// takes sin/cos of r for quadrant k mod 4. The reduced operand is off by k * (pi - PI66 * 2^-64) / 2,
// about |x| * 2^-66 (visible in the results from |x| ~ 1000 on, and dominant next to a multiple of
// pi/2, where the results are small). This host's fsin fcos fsincos give the correctly rounded values
// of that model for about 99% of operands, its fptan for about 95%, and otherwise values one ulp away
// (with C1 telling the direction of its own approximation). Here all four give the model's values
// correctly rounded at 64 bits in the current rounding mode (precision control does not apply, as for
// the other transcendentals).
// Operands with |x| >= 2^63 are out of range: C2 = 1, nothing else changes.

/** pi rounded toward zero to 66 bits, times 2^64. */
const PI66 = 0x3243f6a8885a308d3n;

/** |x| reduced by multiples of pi/2 as the hardware does: quadrant and reduced value (non-zero). */
function trigReduce(x: Ext): { q: number; r: Big } {
  const m = (BigInt(x.hi >>> 0) << 32n) | BigInt(x.lo >>> 0);
  if (x.exp < -1) return { q: 0, r: { m, e: x.exp - 63 } }; // |x| < 1/2 < pi/4
  const num = m << BigInt(x.exp - 63 + 65); // |x| * 2^65, an integer
  const k = (2n * num + PI66) / (2n * PI66); // round to nearest (a tie is impossible: PI66 is odd)
  return { q: Number(k & 3n), r: { m: num - k * PI66, e: -65 } };
}

/**
 * sin(r) and cos(r) for a non-zero |r| <= pi/4, with relative precision about 2^-250. The series'
 * corrections (sin r = r (1 - ts), cos r = 1 - tc) are kept at least one unit, so that for tiny r,
 * whose corrections vanish in fixed point, the results still lie on the right side of r and 1.
 */
function sinCosSmall(r: Big): { s: Big; c: Big } {
  const rf = toFixed(r), r2 = fmul(rf, rf);
  let p = ONE, ts = 0n, tc = 0n;
  for (let n = 1; ; n++) {
    p = fmul(p, r2) / BigInt((2 * n - 1) * (2 * n)); // r^2n / (2n)!
    if (p === 0n) break;
    const q = p / BigInt(2 * n + 1); // r^2n / (2n+1)!
    if (n & 1) { tc += p; ts += q; } else { tc -= p; ts -= q; }
  }
  if (ts < 1n) ts = 1n;
  if (tc < 1n) tc = 1n;
  return { s: { m: r.m * (ONE - ts), e: r.e - FP }, c: { m: ONE - tc, e: -FP } };
}

function negBig(b: Big): Big { return { m: -b.m, e: b.e }; }
function divBig(a: Big, b: Big): Big { return { m: (a.m << 320n) / b.m, e: a.e - b.e - 320 }; }

const T_SIN = 0, T_COS = 1, T_SINCOS = 2, T_TAN = 3;
const ONE_SE = 0x3fff, ONE_HI = 0x80000000 | 0;

/**
 * The four instructions. fsin fcos: ST0 = f(ST0). fsincos: ST0 = sin, then push cos (cos ends in ST0,
 * sin in ST1). fptan: ST0 = tan, then push 1. C2 is cleared (set for an out-of-range operand), C0 C3 are left as they were, C1 tells
 * the rounding direction of the sine (fsin, fsincos), cosine or tangent. Masked stack faults and invalid
 * operands give default NaNs in every destination (fsincos and fptan still push); a NaN operand is the
 * result everywhere (fptan pushes the NaN rather than 1). Unmasked invalid-operation and denormal
 * exceptions change no register.
 */
function trig(kind: number): Handler {
  const two = kind === T_SINCOS || kind === T_TAN;
  return (cpu, i) => {
    begin(cpu, i);
    S.fsw &= ~C2;
    // Deliver a (to ST0) and, for fsincos/fptan, push b.
    const deliver = (aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void => {
      setRaw(phys(0), aSe, aHi, aLo);
      if (two) { S.top = (S.top - 1) & 7; setRaw(phys(0), bSe, bHi, bLo); }
    };
    const faultNaN = (): void => { if (S.fcw & IE) deliver(INDEF_SE, INDEF_HI, 0, INDEF_SE, INDEF_HI, 0); end(); };
    // Stack underflow (an empty ST0) comes first, then overflow (the push finding ST7 in use).
    if (!(S.valid & (1 << phys(0)))) { fexc |= IE | SF; S.fsw &= ~C1; faultNaN(); return; }
    if (two && S.valid & (1 << phys(7))) { fexc |= IE | SF; S.fsw |= C1; faultNaN(); return; }
    getSt(X, 0);
    if (invalidEncoding || X.cls === INF) { fexc |= IE; faultNaN(); return; }
    if (X.cls === NAN) {
      nanResult(R, X, null);
      if (!(fexc & ~S.fcw & IE)) { packReg(R); deliver(oSe, oHi, oLo, oSe, oHi, oLo); }
      end(); return;
    }
    if (X.cls === NORM && X.exp >= 63) { S.fsw |= C2; end(); return; }
    if (fexc & ~S.fcw & DE) { end(); return; }
    if (X.cls === ZERO) {
      const z = X.sign << 15;
      if (kind === T_SIN) deliver(z, 0, 0, 0, 0, 0);
      else if (kind === T_COS) deliver(ONE_SE, ONE_HI, 0, 0, 0, 0);
      else deliver(z, 0, 0, ONE_SE, ONE_HI, 0);
      end(); return;
    }
    const { q, r } = trigReduce(X);
    const sc = sinCosSmall(r);
    // sin and cos of |x| from those of r and the quadrant.
    let s = q === 0 ? sc.s : q === 1 ? sc.c : q === 2 ? negBig(sc.s) : negBig(sc.c);
    const c = q === 0 ? sc.c : q === 1 ? negBig(sc.s) : q === 2 ? negBig(sc.c) : sc.s;
    if (X.sign) s = negBig(s);
    switch (kind) {
      case T_SIN: packBig(s, false); deliver(oSe, oHi, oLo, 0, 0, 0); break;
      case T_COS: packBig(c, false); deliver(oSe, oHi, oLo, 0, 0, 0); break;
      case T_TAN: packBig(divBig(s, c), false); deliver(oSe, oHi, oLo, ONE_SE, ONE_HI, 0); break;
      default: {
        // Round the cosine first, so that C1 is left by the sine's rounding.
        packBig(c, false);
        const cSe = oSe, cHi = oHi, cLo = oLo;
        packBig(s, false);
        deliver(oSe, oHi, oLo, cSe, cHi, cLo);
      }
    }
    end();
  };
}
onCode(Code.Fsin, trig(T_SIN));
onCode(Code.Fcos, trig(T_COS));
onCode(Code.Fsincos, trig(T_SINCOS));
onCode(Code.Fptan, trig(T_TAN));

// Compares.
function fcomHandler(form: number, pops: number, quiet: boolean): Handler {
  // form: 0 memory, 1 ST(i), 2 ST1 (fcompp/fucompp), 3 zero (ftst)
  return (cpu, i) => {
    begin(cpu, i);
    getSt(X, 0);
    if (form === 0) loadMem(cpu, i, Y, i.code);
    else if (form === 1) getSt(Y, i.opCount > 1 ? i.reg[1] : i.reg[0]);
    else if (form === 2) getSt(Y, 1);
    else { Y.cls = ZERO; Y.sign = 0; }
    const r = compare(X, Y, quiet);
    if (!(fexc & ~S.fcw & (IE | DE))) setCC(r);
    for (let k = 0; k < pops; k++) pop();
    end();
    S.fsw = (S.fsw & ~C1);
  };
}
for (const [n, q] of [['Fcom', false], ['Fucom', true]] as [string, boolean][]) {
  if (C[`${n}_m32fp`]) { onCode(C[`${n}_m32fp`], fcomHandler(0, 0, q)); memKinds.set(C[`${n}_m32fp`], MK_F32); }
  if (C[`${n}_m64fp`]) { onCode(C[`${n}_m64fp`], fcomHandler(0, 0, q)); memKinds.set(C[`${n}_m64fp`], MK_F64); }
  if (C[`${n}p_m32fp`]) { onCode(C[`${n}p_m32fp`], fcomHandler(0, 1, q)); memKinds.set(C[`${n}p_m32fp`], MK_F32); }
  if (C[`${n}p_m64fp`]) { onCode(C[`${n}p_m64fp`], fcomHandler(0, 1, q)); memKinds.set(C[`${n}p_m64fp`], MK_F64); }
  onCode(C[`${n}_st0_sti`], fcomHandler(1, 0, q));
  onCode(C[`${n}p_st0_sti`], fcomHandler(1, 1, q));
  onCode(C[`${n}pp`], fcomHandler(2, 2, q));
}
onCode(Code.Fcom_st0_sti_DCD0, fcomHandler(1, 0, false));
onCode([Code.Fcomp_st0_sti_DCD8, Code.Fcomp_st0_sti_DED0], fcomHandler(1, 1, false));
onCode(Code.Ftst, fcomHandler(3, 0, false));
onCode([Code.Ficom_m16int, Code.Ficom_m32int], fcomHandler(0, 0, false));
onCode([Code.Ficomp_m16int, Code.Ficomp_m32int], fcomHandler(0, 1, false));
memKinds.set(Code.Ficom_m16int, MK_I16); memKinds.set(Code.Ficomp_m16int, MK_I16);
memKinds.set(Code.Ficom_m32int, MK_I32); memKinds.set(Code.Ficomp_m32int, MK_I32);

function fcomi(quiet: boolean, popAfter: boolean): Handler {
  return (cpu, i) => {
    begin(cpu, i);
    getSt(X, 0); getSt(Y, i.reg[1]);
    const r = compare(X, Y, quiet);
    if (!(fexc & ~S.fcw & IE)) {
      cpu.f.set(r === -1 || r === 2 ? 1 : 0, r === 2 ? 1 : 0, 0, r === 0 || r === 2 ? 1 : 0, 0, 0);
    }
    if (popAfter) pop();
    end();
    S.fsw &= ~C1;
  };
}
onCode(Code.Fcomi_st0_sti, fcomi(false, false)); onCode(Code.Fcomip_st0_sti, fcomi(false, true));
onCode(Code.Fucomi_st0_sti, fcomi(true, false)); onCode(Code.Fucomip_st0_sti, fcomi(true, true));

onCode(Code.Fxam, (cpu, i) => {
  begin(cpu, i);
  const k = phys(0);
  let w = S.fsw & ~(C0 | C1 | C2 | C3);
  const se = S.r[3 * k + 2], hi = S.r[3 * k + 1] >>> 0, lo = S.r[3 * k] >>> 0;
  if (se & 0x8000) w |= C1;
  if (!(S.valid & (1 << k))) w |= C3 | C0;
  else {
    const e = se & 0x7fff;
    if (e === 0x7fff) w |= !(hi & 0x80000000) ? 0 : (hi & 0x7fffffff) === 0 && lo === 0 ? C2 | C0 : C0;
    else if (e === 0) w |= hi === 0 && lo === 0 ? C3 : C3 | C2;
    else w |= hi & 0x80000000 ? C2 : 0;
  }
  S.fsw = w;
});

// fcmovcc: ST0 = ST(i) when the EFLAGS condition holds.
function fcmov(cond: (cpu: Cpu) => boolean): Handler {
  return (cpu, i) => {
    begin(cpu, i);
    const k = phys(i.reg[1]);
    if (!(S.valid & (1 << k)) || !(S.valid & (1 << phys(0)))) { fexc |= IE | SF; end(); return; }
    if (cond(cpu)) setRaw(phys(0), S.r[3 * k + 2], S.r[3 * k + 1], S.r[3 * k]);
    end();
  };
}
onCode(Code.Fcmovb_st0_sti, fcmov((c) => c.f.cf() !== 0));
onCode(Code.Fcmove_st0_sti, fcmov((c) => c.f.zf() !== 0));
onCode(Code.Fcmovbe_st0_sti, fcmov((c) => (c.f.cf() | c.f.zf()) !== 0));
onCode(Code.Fcmovu_st0_sti, fcmov((c) => c.f.pf() !== 0));
onCode(Code.Fcmovnb_st0_sti, fcmov((c) => c.f.cf() === 0));
onCode(Code.Fcmovne_st0_sti, fcmov((c) => c.f.zf() === 0));
onCode(Code.Fcmovnbe_st0_sti, fcmov((c) => (c.f.cf() | c.f.zf()) === 0));
onCode(Code.Fcmovnu_st0_sti, fcmov((c) => c.f.pf() === 0));

// Stack manipulation.
onCode([Code.Fxch_st0_sti, Code.Fxch_st0_sti_DDC8, Code.Fxch_st0_sti_DFC8], (cpu, i) => {
  begin(cpu, i);
  const a = phys(0), b = phys(i.opCount > 1 ? i.reg[1] : i.reg[0]);
  const va = (S.valid >> a) & 1, vb = (S.valid >> b) & 1;
  if (!va || !vb) {
    fexc |= IE | SF;
    if (!(S.fcw & IE)) { end(); return; }
    if (!va) setRaw(a, INDEF_SE, INDEF_HI, 0);
    if (!vb) setRaw(b, INDEF_SE, INDEF_HI, 0);
  }
  for (let n = 0; n < 3; n++) { const t = S.r[3 * a + n]; S.r[3 * a + n] = S.r[3 * b + n]; S.r[3 * b + n] = t; }
  end();
});
onCode(Code.Fincstp, (cpu, i) => { begin(cpu, i); S.top = (S.top + 1) & 7; end(); });
onCode(Code.Fdecstp, (cpu, i) => { begin(cpu, i); S.top = (S.top - 1) & 7; end(); });
onCode(Code.Ffree_sti, (cpu, i) => { begin(cpu, i); S.valid &= ~(1 << phys(i.reg[0])); end(); });
onCode(Code.Ffreep_sti, (cpu, i) => { begin(cpu, i); S.valid &= ~(1 << phys(i.reg[0])); pop(); end(); });
onCode(Code.Fnop, (cpu, i) => { begin(cpu, i); end(); });

// Control (no pending-exception check, FIP/FOP untouched).
onCode([Code.Fninit, Code.Finit], (cpu) => { fninit(x87Of(cpu)); });
onCode([Code.Fnclex, Code.Fclex], (cpu) => { const s = x87Of(cpu); s.fsw &= ~(0xff | BUSY); });
onCode([Code.Fnstcw_m2byte, Code.Fstcw_m2byte], (cpu, i) => { cpu.mem.write16(cpu.ea(i), x87Of(cpu).fcw); });
onCode(Code.Fldcw_m2byte, (cpu, i) => {
  const s = x87Of(cpu);
  s.fcw = (cpu.mem.read16(cpu.ea(i)) & 0x1f7f) | 0x40;
  if (s.fsw & ~s.fcw & 0x3f) s.fsw |= ES | BUSY; else s.fsw &= ~(ES | BUSY);
});
onCode([Code.Fnstsw_m2byte, Code.Fstsw_m2byte], (cpu, i) => { cpu.mem.write16(cpu.ea(i), statusWord(x87Of(cpu))); });
onCode([Code.Fnstsw_AX, Code.Fstsw_AX], (cpu) => { cpu.writeReg(RAX, 2, statusWord(x87Of(cpu)), 0); });
onCode(Code.Wait, (cpu, i) => { begin(cpu, i, true); checkPending(i); });

/** The 2-bit tag of physical register k from its contents: 0 valid, 1 zero, 2 special, 3 empty. */
function fullTag(s: X87State, k: number): number {
  if (!(s.valid & (1 << k))) return 3;
  const e = s.r[3 * k + 2] & 0x7fff, hi = s.r[3 * k + 1], lo = s.r[3 * k];
  if (e === 0x7fff) return 2;
  if (e === 0) return hi === 0 && lo === 0 ? 1 : 2;
  return hi & 0x80000000 ? 0 : 2;
}

/** fnstenv/fnsave environment (32-bit protected-mode layout, 28 bytes). */
function writeEnv(cpu: Cpu, a: number, s: X87State): void {
  let tw = 0;
  for (let k = 0; k < 8; k++) tw |= fullTag(s, k) << (2 * k);
  const m = cpu.mem;
  m.checkWritable(a, 28);
  m.write32(a, s.fcw | 0xffff0000);
  m.write32(a + 4, statusWord(s) | 0xffff0000);
  m.write32(a + 8, tw | 0xffff0000);
  m.write32(a + 12, s.fip % 4294967296);
  m.write32(a + 16, 0x33 | (s.fop << 16));
  m.write32(a + 20, s.fdp % 4294967296);
  m.write32(a + 24, 0xffff0000 | s.fds);
}
function readEnv(cpu: Cpu, a: number, s: X87State): void {
  const m = cpu.mem;
  const cw = m.read16(a), sw = m.read16(a + 4), tw = m.read16(a + 8);
  s.fcw = (cw & 0x1f7f) | 0x40;
  s.top = (sw >> 11) & 7;
  s.fsw = sw & ~0x3800 & ~BUSY;
  if (s.fsw & ~s.fcw & 0x3f) s.fsw |= ES | BUSY; else s.fsw &= ~ES;
  let v = 0;
  for (let k = 0; k < 8; k++) if (((tw >> (2 * k)) & 3) !== 3) v |= 1 << k;
  s.valid = v;
  s.fip = m.read32(a + 12) >>> 0; s.fop = (m.read32(a + 16) >>> 16) & 0x7ff; s.fdp = m.read32(a + 20) >>> 0;
  s.fds = m.read16(a + 24);
}
onCode([Code.Fnstenv_m28byte, Code.Fstenv_m28byte], (cpu, i) => {
  const s = x87Of(cpu);
  writeEnv(cpu, cpu.ea(i), s);
  s.fcw |= 0x3f; // all exceptions masked afterwards
});
onCode(Code.Fldenv_m28byte, (cpu, i) => { readEnv(cpu, cpu.ea(i), x87Of(cpu)); });
onCode([Code.Fnsave_m108byte, Code.Fsave_m108byte], (cpu, i) => {
  const s = x87Of(cpu), a = cpu.ea(i);
  cpu.mem.checkWritable(a, 108);
  writeEnv(cpu, a, s);
  for (let n = 0; n < 8; n++) {
    const k = (s.top + n) & 7;
    cpu.mem.write64(a + 28 + 10 * n, s.r[3 * k], s.r[3 * k + 1]); cpu.mem.write16(a + 36 + 10 * n, s.r[3 * k + 2]);
  }
  fninit(s);
});
onCode(Code.Frstor_m108byte, (cpu, i) => {
  const s = x87Of(cpu), a = cpu.ea(i);
  readEnv(cpu, a, s);
  for (let n = 0; n < 8; n++) {
    const k = (s.top + n) & 7;
    s.r[3 * k] = cpu.mem.read32(a + 28 + 10 * n); s.r[3 * k + 1] = cpu.mem.read32(a + 32 + 10 * n);
    s.r[3 * k + 2] = cpu.mem.read16(a + 36 + 10 * n);
  }
});

// ---- fxsave / fxrstor ---------------------------------------------------------------------------

/** The x87 part of an FXSAVE image (bytes 0..23 and the register area 32..159). */
function saveX87(cpu: Cpu, dv: DataView): void {
  const s = x87Of(cpu);
  dv.setUint16(0, s.fcw, true);
  dv.setUint16(2, statusWord(s), true);
  let tw = 0;
  for (let k = 0; k < 8; k++) if (s.valid & (1 << k)) tw |= 1 << k;
  dv.setUint8(4, tw);
  dv.setUint8(5, 0);
  // This host (AMD) stores FOP/FIP/FDP only while an exception is pending.
  const keep = (s.fsw & ES) !== 0;
  dv.setUint16(6, keep ? s.fop : 0, true);
  dv.setUint32(8, keep ? s.fip % 4294967296 : 0, true); dv.setUint32(12, keep ? Math.floor(s.fip / 4294967296) : 0, true);
  dv.setUint32(16, keep ? s.fdp % 4294967296 : 0, true); dv.setUint32(20, keep ? Math.floor(s.fdp / 4294967296) : 0, true);
  for (let n = 0; n < 8; n++) {
    const k = (s.top + n) & 7, o = 32 + 16 * n;
    dv.setInt32(o, s.r[3 * k], true); dv.setInt32(o + 4, s.r[3 * k + 1], true); dv.setUint16(o + 8, s.r[3 * k + 2], true);
    dv.setUint16(o + 10, 0, true); dv.setUint32(o + 12, 0, true);
  }
}
function restoreX87(cpu: Cpu, dv: DataView): void {
  const s = x87Of(cpu);
  s.fcw = (dv.getUint16(0, true) & 0x1f7f) | 0x40;
  const sw = dv.getUint16(2, true);
  s.top = (sw >> 11) & 7;
  s.fsw = sw & ~0x3800 & ~BUSY;
  if (s.fsw & ~s.fcw & 0x3f) s.fsw |= ES | BUSY; else s.fsw &= ~ES;
  s.valid = dv.getUint8(4);
  s.fop = dv.getUint16(6, true) & 0x7ff;
  s.fip = dv.getUint32(8, true) + dv.getUint32(12, true) * 4294967296;
  s.fdp = dv.getUint32(16, true) + dv.getUint32(20, true) * 4294967296;
  for (let n = 0; n < 8; n++) {
    const k = (s.top + n) & 7, o = 32 + 16 * n;
    s.r[3 * k] = dv.getInt32(o, true); s.r[3 * k + 1] = dv.getInt32(o + 4, true); s.r[3 * k + 2] = dv.getUint16(o + 8, true);
  }
}

setX87Image({ save: saveX87, restore: restoreX87, reset: (cpu) => fninit(x87Of(cpu)) });

const fxImage = new Uint8Array(512), fxView = new DataView(fxImage.buffer);
onCode([Code.Fxsave_m512byte, Code.Fxsave64_m512byte], (cpu, i) => {
  const a = cpu.ea(i);
  checkAlign16(cpu, a, true);
  cpu.mem.checkWritable(a, 512);
  fxImage.fill(0);
  saveX87(cpu, fxView);
  fxView.setUint32(24, cpu.mxcsr >>> 0, true);
  fxView.setUint32(28, MXCSR_MASK, true);
  for (let k = 0; k < 64; k++) fxView.setInt32(160 + 4 * k, cpu.xmm[k], true);
  // Bytes 464..511 are left to software: not written.
  cpu.mem.writeBytes(a, fxImage.subarray(0, 464));
});
onCode([Code.Fxrstor_m512byte, Code.Fxrstor64_m512byte], (cpu, i) => {
  const a = cpu.ea(i);
  checkAlign16(cpu, a, true);
  const b = cpu.mem.readBytes(a, 512);
  const dv = new DataView(b.buffer, b.byteOffset, 512);
  const mx = dv.getUint32(24, true);
  if (mx & ~MXCSR_MASK) throw new GuestFault(SIGSEGV, 0, 'fxrstor: reserved MXCSR bits', SI_KERNEL);
  restoreX87(cpu, dv);
  cpu.mxcsr = mx;
  for (let k = 0; k < 64; k++) cpu.xmm[k] = dv.getInt32(160 + 4 * k, true);
});
