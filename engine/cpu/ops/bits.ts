// Bit tests and scans: bt bts btr btc, bsf bsr, and the f3-prefixed tzcnt/lzcnt encodings.
//
// CPUID reports neither BMI1 nor LZCNT, so `f3 0f bc` / `f3 0f bd` execute as bsf / bsr, as on a CPU
// without those features (the prefix is ignored). gcc emits `rep bsf` for __builtin_ctz precisely
// because both meanings agree for a non-zero source. (The host CPU has the features and would run
// tzcnt/lzcnt, so the differential tests check the emulated prefixed forms against the host's plain
// bsf/bsr on the same inputs, zero sources and flags included.)
//
// Undefined flags as the reference host (AMD EPYC, Zen 4) sets them, established by the differential
// tests in test/diff-int.test.ts:
//  - bt/bts/btr/btc: CF = the bit; OF SF ZF AF PF unchanged;
//  - bsf/bsr: ZF = (source == 0), PF = parity of the bit index found (set for a zero source), CF OF SF
//    AF cleared. A zero source leaves the whole destination register unchanged (a 32-bit destination
//    keeps its upper half: nothing is written).
//
// A memory bit base with a register offset addresses memory beyond the operand: the offset is signed
// and selects the operand-sized unit at ea + (offset >> log2(bits)) * size.

import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Insn } from '../insn';
import { OK_MEM, OK_REG } from '../insn';
import { PARITY } from '../flags';
import { onMnemonic } from './index';
import { GuestFault, SIGSEGV, SI_KERNEL } from '../../errors';

const TWO32 = 4294967296;

const BT = 0, BTS = 1, BTR = 2, BTC = 3;

/** Set CF only, keeping the other arithmetic flags. */
function setCf(cpu: Cpu, cf: number): void {
  const f = cpu.f;
  f.set(cf, f.pf(), f.af(), f.zf(), f.sf(), f.of());
}

function bitOp(kind: number) {
  return (cpu: Cpu, i: Insn): void => {
    const s = i.size[0];
    const bits = s * 8;
    let off = cpu.readOp(i, 1), offHi = cpu.hi;
    let addr = -1;
    if (i.kind[0] === OK_MEM) {
      addr = cpu.ea(i);
      if (i.kind[1] === OK_REG) {
        // Signed offset: move the address by whole operand units.
        let units: number;
        if (s === 2) units = Math.floor(((off << 16) >> 16) / 16);
        else if (s === 4) units = Math.floor(off / 32);
        else units = Math.floor((offHi * TWO32 + (off >>> 0)) / 64);
        addr = checkAddr(addr + units * s);
      }
      off &= bits - 1;
    } else off &= bits - 1;
    offHi = 0;
    let lo: number, hi = 0;
    if (addr >= 0) { lo = cpu.readMem(addr, s); hi = cpu.hi; } else { lo = cpu.readReg(i.reg[0], s); hi = cpu.hi; }
    const inHi = off >= 32;
    const m = 1 << (off & 31);
    const cf = ((inHi ? hi : lo) & m) !== 0 ? 1 : 0;
    if (kind !== BT) {
      if (kind === BTS) { if (inHi) hi |= m; else lo |= m; }
      else if (kind === BTR) { if (inHi) hi &= ~m; else lo &= ~m; }
      else if (inHi) hi ^= m; else lo ^= m;
      if (addr >= 0) cpu.writeMem(addr, s, lo, hi);
      else cpu.writeReg(i.reg[0], s, lo, hi);
    }
    setCf(cpu, cf);
  };
}

/** A computed data address must be canonical user space; otherwise fault as the hardware would. */
function checkAddr(a: number): number {
  if (a >= 0 && a < 0x800000000000) return a;
  throw new GuestFault(SIGSEGV, 0, '', SI_KERNEL);
}

onMnemonic(Mnemonic.Bt, bitOp(BT));
onMnemonic(Mnemonic.Bts, bitOp(BTS));
onMnemonic(Mnemonic.Btr, bitOp(BTR));
onMnemonic(Mnemonic.Btc, bitOp(BTC));

// ---- scans ------------------------------------------------------------------------------------------

/** The host's bsf/bsr flags: ZF = (source == 0), PF = parity of the index (of 0 for a zero source), CF OF SF AF cleared. */
function scanFlags(cpu: Cpu, zf: number, index: number): void {
  cpu.f.set(0, PARITY[index], 0, zf, 0, 0);
}

/** Index of the lowest set bit of a non-zero 32-bit value. */
function ctz32(v: number): number { return 31 - Math.clz32(v & -v); }

function scan(reverse: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = i.size[0];
    const lo = cpu.readOp(i, 1), hi = cpu.hi;
    if ((s === 8 ? lo | hi : lo) === 0) {
      scanFlags(cpu, 1, 0);
      return;
    }
    let n: number;
    if (reverse) n = s === 8 && hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(lo);
    else n = s === 8 && lo === 0 ? 32 + ctz32(hi) : ctz32(lo);
    cpu.writeReg(i.reg[0], s, n, 0);
    scanFlags(cpu, 0, n);
  };
}

onMnemonic([Mnemonic.Bsf, Mnemonic.Tzcnt], scan(false));
onMnemonic([Mnemonic.Bsr, Mnemonic.Lzcnt], scan(true));
