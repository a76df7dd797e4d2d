// Shifts and rotates: shl/sal shr sar rol ror rcl rcr shld shrd.
//
// Flags are set eagerly. Where the architecture leaves a flag undefined (OF for counts above 1, AF,
// CF for 8/16-bit shifts past the operand width, shld/shrd of 16 bits by more than 16) the values are
// those the reference host (an AMD EPYC, Zen 4) produces, established by the differential tests in
// test/diff-int.test.ts:
//  - the count is masked to 5 bits (6 for 64-bit operands); a masked count of 0 changes no flags, but
//    a 32-bit register destination is still written (its upper half cleared);
//  - shl: OF = MSB(result) ^ CF for every count; shr: OF = MSB of the original for a count of 1, else 0
//    (both are "MSB(result) ^ next bit" evaluated on the result); sar: OF = 0; AF is set by all three;
//  - 8/16-bit shifts past the width behave as a wide shift: the last bit out is 0 for shl/shr and the
//    sign for sar;
//  - rol/ror/rcl/rcr touch only CF and OF, with the count-1 formula for OF at every count; an 8/16-bit
//    rotate whose count is a multiple of the width (or of width+1 for rcl/rcr) still sets CF and OF from
//    the (unchanged) result;
//  - shld/shrd: AF set; OF = MSB(result) ^ CF (shld) or MSB(result) ^ next bit of the result (shrd)
//    for every count; 16-bit operands with counts 17..31 rotate the source by count-16 into the
//    destination with CF = 0 (and OF = 0 for shld; a 16-bit shld by exactly 16 gives OF = CF).

import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Insn } from '../insn';
import { OK_REG } from '../insn';
import { PARITY } from '../flags';
import { onMnemonic } from './index';

/** Result of the 64-bit helpers. */
const r64 = { lo: 0, hi: 0 };

/** x << k for a 32-bit value and any k >= 0 (0 from 32 on). */
function shlU(x: number, k: number): number { return k >= 32 ? 0 : x << k; }
/** x >>> k for any k >= 0 (0 from 32 on). */
function shrU(x: number, k: number): number { return k >= 32 ? 0 : x >>> k; }

/** 64-bit logical left shift by 0..127 into r64. */
function shl64(lo: number, hi: number, k: number): void {
  if (k === 0) { r64.lo = lo; r64.hi = hi; }
  else if (k < 32) { r64.hi = (hi << k) | (lo >>> (32 - k)); r64.lo = lo << k; }
  else { r64.hi = shlU(lo, k - 32); r64.lo = 0; }
}

/** 64-bit logical right shift by 0..127 into r64. */
function shr64(lo: number, hi: number, k: number): void {
  if (k === 0) { r64.lo = lo; r64.hi = hi; }
  else if (k < 32) { r64.lo = (lo >>> k) | (hi << (32 - k)); r64.hi = hi >>> k; }
  else { r64.lo = shrU(hi, k - 32); r64.hi = 0; }
}

/** 64-bit arithmetic right shift by 0..63 into r64. */
function sar64(lo: number, hi: number, k: number): void {
  if (k === 0) { r64.lo = lo; r64.hi = hi; }
  else if (k < 32) { r64.lo = (lo >>> k) | (hi << (32 - k)); r64.hi = hi >> k; }
  else { r64.lo = hi >> (k - 32); r64.hi = hi >> 31; }
}

/** Bit k (0..63) of a 64-bit value. */
function bit64(lo: number, hi: number, k: number): number {
  return k >= 32 ? (hi >>> (k - 32)) & 1 : (lo >>> k) & 1;
}

/** Width-masked value of size 1, 2 or 4 as an unsigned 32-bit number. */
function umask(size: number, v: number): number {
  return size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v >>> 0;
}

/** Set all six arithmetic flags for a shift result. */
function shiftFlags(cpu: Cpu, size: number, lo: number, hi: number, cf: number, of: number, af = 0): void {
  const zero = size === 8 ? (lo | hi) === 0 : umask(size, lo) === 0;
  const sign = size === 8 ? hi >>> 31 : (lo >>> (size * 8 - 1)) & 1;
  cpu.f.set(cf, PARITY[lo & 0xff], af, zero ? 1 : 0, sign, of);
}

/** Rotates change only CF and OF. */
function rotFlags(cpu: Cpu, cf: number, of: number): void {
  const f = cpu.f;
  f.set(cf, f.pf(), f.af(), f.zf(), f.sf(), of);
}

/** The shift count operand, masked to 5 bits (6 for 64-bit operands). */
function count(cpu: Cpu, i: Insn): number {
  const c = cpu.readOp(i, 1) & (i.size[0] === 8 ? 63 : 31);
  if (c === 0) zeroCount(cpu, i);
  return c;
}

/** A masked count of 0 changes no flags, but a 32-bit register destination is still written. */
function zeroCount(cpu: Cpu, i: Insn): void {
  if (i.size[0] === 4 && i.kind[0] === OK_REG) cpu.writeReg(i.reg[0], 4, cpu.r[2 * i.reg[0]], 0);
}

function write(cpu: Cpu, i: Insn, lo: number, hi: number): void {
  const s = i.size[0];
  if (s === 8) cpu.writeOp(i, 0, lo, hi);
  else cpu.writeOp(i, 0, s === 4 ? lo | 0 : umask(s, lo), 0);
}

const SHL = 0, SHR = 1, SAR = 2;

function shift(kind: number) {
  return (cpu: Cpu, i: Insn): void => {
    const c = count(cpu, i);
    if (c === 0) return;
    const s = i.size[0];
    const a = cpu.readOp(i, 0), ah = cpu.hi;
    if (s === 8) {
      let cf: number, of: number;
      if (kind === SHL) {
        cf = bit64(a, ah, 64 - c);
        shl64(a, ah, c);
        of = (r64.hi >>> 31) ^ cf;
      } else if (kind === SHR) {
        cf = bit64(a, ah, c - 1);
        shr64(a, ah, c);
        of = c === 1 ? ah >>> 31 : 0;
      } else {
        cf = bit64(a, ah, c - 1);
        sar64(a, ah, c);
        of = 0;
      }
      const lo = r64.lo, hi = r64.hi;
      write(cpu, i, lo, hi);
      shiftFlags(cpu, 8, lo, hi, cf, of, 1);
      return;
    }
    const n = s * 8;
    const u = umask(s, a);
    let r: number, cf: number, of: number;
    if (kind === SHL) {
      r = umask(s, shlU(u, c));
      cf = c <= n ? (u >>> (n - c)) & 1 : 0;
      of = ((r >>> (n - 1)) & 1) ^ cf;
    } else if (kind === SHR) {
      r = u >>> c;
      cf = (u >>> (c - 1)) & 1;
      of = c === 1 ? (u >>> (n - 1)) & 1 : 0;
    } else {
      const v = (u << (32 - n)) >> (32 - n); // sign-extended to 32 bits
      r = umask(s, v >> c);
      cf = (v >> (c - 1)) & 1;
      of = 0;
    }
    write(cpu, i, r, 0);
    shiftFlags(cpu, s, r, 0, cf, of, 1);
  };
}

onMnemonic([Mnemonic.Shl, Mnemonic.Sal], shift(SHL));
onMnemonic(Mnemonic.Shr, shift(SHR));
onMnemonic(Mnemonic.Sar, shift(SAR));

// ---- rotates ----------------------------------------------------------------------------------------

function rol(cpu: Cpu, i: Insn): void {
  const c = count(cpu, i);
  if (c === 0) return;
  const s = i.size[0];
  const a = cpu.readOp(i, 0), ah = cpu.hi;
  if (s === 8) {
    shl64(a, ah, c);
    const l = r64.lo, h = r64.hi;
    shr64(a, ah, 64 - c);
    const lo = l | r64.lo, hi = h | r64.hi;
    write(cpu, i, lo, hi);
    const cf = lo & 1;
    rotFlags(cpu, cf, (hi >>> 31) ^ cf);
    return;
  }
  const n = s * 8, k = c % n, u = umask(s, a);
  const r = k === 0 ? u : umask(s, (u << k) | (u >>> (n - k)));
  write(cpu, i, r, 0);
  const cf = r & 1;
  rotFlags(cpu, cf, ((r >>> (n - 1)) & 1) ^ cf);
}

function ror(cpu: Cpu, i: Insn): void {
  const c = count(cpu, i);
  if (c === 0) return;
  const s = i.size[0];
  const a = cpu.readOp(i, 0), ah = cpu.hi;
  if (s === 8) {
    shr64(a, ah, c);
    const l = r64.lo, h = r64.hi;
    shl64(a, ah, 64 - c);
    const lo = l | r64.lo, hi = h | r64.hi;
    write(cpu, i, lo, hi);
    rotFlags(cpu, hi >>> 31, (hi >>> 31) ^ ((hi >>> 30) & 1));
    return;
  }
  const n = s * 8, k = c % n, u = umask(s, a);
  const r = k === 0 ? u : umask(s, (u >>> k) | (u << (n - k)));
  write(cpu, i, r, 0);
  const msb = (r >>> (n - 1)) & 1;
  rotFlags(cpu, msb, msb ^ ((r >>> (n - 2)) & 1));
}

/** The effective rcl/rcr rotation: 8- and 16-bit operands rotate through width+1 bits modulo that. */
function rcCount(s: number, c: number): number {
  return s === 1 ? c % 9 : s === 2 ? c % 17 : c;
}

function rcl(cpu: Cpu, i: Insn): void {
  const c0 = count(cpu, i);
  if (c0 === 0) return;
  const s = i.size[0];
  const a = cpu.readOp(i, 0), ah = cpu.hi;
  const cin = cpu.f.cf();
  const c = rcCount(s, c0);
  if (s === 8) {
    // (CF:value) rotated left by c: value << c | CF << (c-1) | value >> (65-c).
    shl64(a, ah, c);
    let lo = r64.lo, hi = r64.hi;
    if (cin) { if (c - 1 >= 32) hi |= 1 << (c - 33); else lo |= 1 << (c - 1); }
    shr64(a, ah, 65 - c);
    lo |= r64.lo; hi |= r64.hi;
    const cf = bit64(a, ah, 64 - c);
    write(cpu, i, lo, hi);
    rotFlags(cpu, cf, (hi >>> 31) ^ cf);
    return;
  }
  const n = s * 8, u = umask(s, a);
  let r = u, cf = cin;
  if (c !== 0) {
    r = umask(s, shlU(u, c) | (cin << (c - 1)) | shrU(u, n + 1 - c));
    cf = (u >>> (n - c)) & 1;
  }
  write(cpu, i, r, 0);
  rotFlags(cpu, cf, ((r >>> (n - 1)) & 1) ^ cf);
}

function rcr(cpu: Cpu, i: Insn): void {
  const c0 = count(cpu, i);
  if (c0 === 0) return;
  const s = i.size[0];
  const a = cpu.readOp(i, 0), ah = cpu.hi;
  const cin = cpu.f.cf();
  const c = rcCount(s, c0);
  if (s === 8) {
    // value >> c | CF << (64-c) | value << (65-c).
    shr64(a, ah, c);
    let lo = r64.lo, hi = r64.hi;
    if (cin) { if (64 - c >= 32) hi |= 1 << (32 - c); else lo |= 1 << (64 - c); }
    shl64(a, ah, 65 - c);
    lo |= r64.lo; hi |= r64.hi;
    const cf = bit64(a, ah, c - 1);
    write(cpu, i, lo, hi);
    rotFlags(cpu, cf, (hi >>> 31) ^ ((hi >>> 30) & 1));
    return;
  }
  const n = s * 8, u = umask(s, a);
  let r = u, cf = cin;
  if (c !== 0) {
    r = umask(s, (u >>> c) | (cin << (n - c)) | shlU(u, n + 1 - c));
    cf = (u >>> (c - 1)) & 1;
  }
  write(cpu, i, r, 0);
  rotFlags(cpu, cf, ((r >>> (n - 1)) & 1) ^ ((r >>> (n - 2)) & 1));
}

onMnemonic(Mnemonic.Rol, rol);
onMnemonic(Mnemonic.Ror, ror);
onMnemonic(Mnemonic.Rcl, rcl);
onMnemonic(Mnemonic.Rcr, rcr);

// ---- double shifts ----------------------------------------------------------------------------------

function dshift(left: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = i.size[0];
    const c = cpu.readOp(i, 2) & (s === 8 ? 63 : 31);
    if (c === 0) { zeroCount(cpu, i); return; }
    const d = cpu.readOp(i, 0), dh = cpu.hi;
    const src = cpu.readOp(i, 1), sh = cpu.hi;
    let lo: number, hi = 0, cf: number;
    if (s === 8) {
      if (left) {
        cf = bit64(d, dh, 64 - c);
        shl64(d, dh, c); lo = r64.lo; hi = r64.hi;
        shr64(src, sh, 64 - c); lo |= r64.lo; hi |= r64.hi;
      } else {
        cf = bit64(d, dh, c - 1);
        shr64(d, dh, c); lo = r64.lo; hi = r64.hi;
        shl64(src, sh, 64 - c); lo |= r64.lo; hi |= r64.hi;
      }
    } else if (s === 4) {
      if (left) { cf = (d >>> (32 - c)) & 1; lo = (d << c) | (src >>> (32 - c)); }
      else { cf = (d >>> (c - 1)) & 1; lo = (d >>> c) | (src << (32 - c)); }
    } else {
      // 16 bits. Counts up to 16 shift through dst:src; above 16 the host rotates the source by
      // count-16 and clears CF (and OF for shld).
      if (c <= 16) {
        if (left) { cf = (d >>> (16 - c)) & 1; lo = (((d << 16) | src) << c) >>> 16; }
        else { cf = (d >>> (c - 1)) & 1; lo = (((src << 16) | d) >>> c) & 0xffff; }
      } else {
        const k = c - 16;
        lo = left ? ((src << k) | (src >>> (16 - k))) & 0xffff : ((src >>> k) | (src << (16 - k))) & 0xffff;
        cf = 0;
      }
    }
    write(cpu, i, lo, hi);
    const n = s * 8;
    const msb = s === 8 ? hi >>> 31 : (lo >>> (n - 1)) & 1;
    let of: number;
    if (!left) of = msb ^ (s === 8 ? (hi >>> 30) & 1 : (lo >>> (n - 2)) & 1);
    else if (s !== 2 || c < 16) of = msb ^ cf;
    else of = c === 16 ? cf : 0;
    shiftFlags(cpu, s, lo, hi, cf, of, 1);
  };
}
onMnemonic(Mnemonic.Shld, dshift(true));
onMnemonic(Mnemonic.Shrd, dshift(false));

export { shl64, shr64, sar64, r64 };
