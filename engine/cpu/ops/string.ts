// String instructions: movs stos lods cmps scas (byte/word/dword/qword), alone or with rep / repe /
// repne, in either direction (DF), with 64-bit or (0x67 prefix) 32-bit addressing.
//
// A repeated instruction runs as a sequence of iterations that can be interrupted, as on hardware:
//  - registers (rsi, rdi, rcx) always reflect the iterations completed, so a fault in the middle leaves
//    the guest (and its signal handler) the exact state to resume from;
//  - under the trap flag (single-step) exactly one iteration runs; if more remain, rip stays on the
//    instruction itself, so the next step runs the next iteration (the #DB comes after each one);
//  - a very long run is cut into slices of SLICE iterations with rip left on the instruction, as an
//    interrupt would, so that the run loop's instruction budget and stop requests keep working.
// With a count of 0 nothing happens (no memory access, flags unchanged).

import { Code } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Insn } from '../insn';
import { TF, L_SUB } from '../flags';
import { RAX, RCX, RSI, RDI } from '../regs';
import { onCode } from './index';
import { subN, res } from './alu';

const SLICE = 1 << 20;
const TWO32 = 4294967296;

/** True if the instruction has an address-size (0x67) prefix: esi/edi/ecx instead of rsi/rdi/rcx. */
function addr32(i: Insn): boolean {
  const b = i.bytes;
  for (let k = 0; k < b.length; k++) {
    const x = b[k];
    if (x === 0x67) return true;
    if (x === 0x66 || x === 0xf2 || x === 0xf3 || x === 0xf0 || (x & 0xf0) === 0x40 ||
      x === 0x2e || x === 0x36 || x === 0x3e || x === 0x26 || x === 0x64 || x === 0x65) continue;
    return false;
  }
  return false;
}

function getPtr(cpu: Cpu, reg: number, a32: boolean): number {
  return a32 ? cpu.r[2 * reg] >>> 0 : cpu.get(reg);
}

function setPtr(cpu: Cpu, reg: number, a32: boolean, v: number): void {
  if (a32) cpu.writeReg(reg, 4, v | 0, 0);
  else cpu.set(reg, v);
}

/** Iterations to run now for a repeated instruction (0: the count is 0). */
function iterations(cpu: Cpu, a32: boolean): number {
  const lo = cpu.r[2 * RCX] >>> 0, hi = a32 ? 0 : cpu.r[2 * RCX + 1];
  if ((lo | hi) === 0) return 0;
  if (cpu.f.bits & TF) return 1;
  return hi !== 0 || lo > SLICE ? SLICE : lo;
}

/** rcx -= done; returns true if the count is not exhausted. */
function consume(cpu: Cpu, a32: boolean, done: number): boolean {
  let lo = (cpu.r[2 * RCX] >>> 0) - done;
  if (a32) { cpu.writeReg(RCX, 4, lo | 0, 0); return lo !== 0; }
  let hi = cpu.r[2 * RCX + 1];
  if (lo < 0) { lo += TWO32; hi = (hi - 1) | 0; }
  cpu.setHalves(RCX, lo | 0, hi);
  return (lo | hi) !== 0;
}

function movs(cpu: Cpu, i: Insn): void {
  const s = i.opSize, a32 = addr32(i);
  const step = cpu.f.bits & 0x400 ? -s : s;
  let si = getPtr(cpu, RSI, a32), di = getPtr(cpu, RDI, a32);
  if (!i.rep) {
    const lo = cpu.readMem(si, s);
    cpu.writeMem(di, s, lo, cpu.hi);
    setPtr(cpu, RSI, a32, si + step); setPtr(cpu, RDI, a32, di + step);
    return;
  }
  const n = iterations(cpu, a32);
  if (n === 0) return;
  let done = 0;
  try {
    for (; done < n; done++) {
      const lo = cpu.readMem(si, s);
      cpu.writeMem(di, s, lo, cpu.hi);
      si += step; di += step;
    }
  } finally {
    setPtr(cpu, RSI, a32, si); setPtr(cpu, RDI, a32, di);
    if (consume(cpu, a32, done)) cpu.rip = i.ip;
  }
}

function stos(cpu: Cpu, i: Insn): void {
  const s = i.opSize, a32 = addr32(i);
  const step = cpu.f.bits & 0x400 ? -s : s;
  const lo = cpu.readReg(RAX, s), hi = cpu.hi;
  let di = getPtr(cpu, RDI, a32);
  if (!i.rep) {
    cpu.writeMem(di, s, lo, hi);
    setPtr(cpu, RDI, a32, di + step);
    return;
  }
  const n = iterations(cpu, a32);
  if (n === 0) return;
  let done = 0;
  try {
    for (; done < n; done++) { cpu.writeMem(di, s, lo, hi); di += step; }
  } finally {
    setPtr(cpu, RDI, a32, di);
    if (consume(cpu, a32, done)) cpu.rip = i.ip;
  }
}

function lods(cpu: Cpu, i: Insn): void {
  const s = i.opSize, a32 = addr32(i);
  const step = cpu.f.bits & 0x400 ? -s : s;
  let si = getPtr(cpu, RSI, a32);
  if (!i.rep) {
    const lo = cpu.readMem(si, s);
    cpu.writeReg(RAX, s, lo, cpu.hi);
    setPtr(cpu, RSI, a32, si + step);
    return;
  }
  const n = iterations(cpu, a32);
  if (n === 0) return;
  let done = 0;
  try {
    for (; done < n; done++) {
      const lo = cpu.readMem(si, s);
      cpu.writeReg(RAX, s, lo, cpu.hi);
      si += step;
    }
  } finally {
    setPtr(cpu, RSI, a32, si);
    if (consume(cpu, a32, done)) cpu.rip = i.ip;
  }
}

/** Compare a - b of `size` and record the flags as cmp does. */
function compare(cpu: Cpu, s: number, a: number, ah: number, b: number, bh: number): void {
  subN(s, a, ah, b, bh, 0);
  cpu.f.lazy(L_SUB, s, res.lo, res.hi, a, ah, b, bh);
}

function cmps(cpu: Cpu, i: Insn): void {
  const s = i.opSize, a32 = addr32(i);
  const step = cpu.f.bits & 0x400 ? -s : s;
  let si = getPtr(cpu, RSI, a32), di = getPtr(cpu, RDI, a32);
  if (!i.rep) {
    const a = cpu.readMem(si, s), ah = cpu.hi;
    const b = cpu.readMem(di, s), bh = cpu.hi;
    compare(cpu, s, a, ah, b, bh);
    setPtr(cpu, RSI, a32, si + step); setPtr(cpu, RDI, a32, di + step);
    return;
  }
  const n = iterations(cpu, a32);
  if (n === 0) return;
  const whileEqual = i.rep === 1;
  let done = 0, stopped = false;
  try {
    while (done < n) {
      const a = cpu.readMem(si, s), ah = cpu.hi;
      const b = cpu.readMem(di, s), bh = cpu.hi;
      compare(cpu, s, a, ah, b, bh);
      si += step; di += step; done++;
      if (((a ^ b) | (ah ^ bh)) === 0 ? !whileEqual : whileEqual) { stopped = true; break; }
    }
  } finally {
    setPtr(cpu, RSI, a32, si); setPtr(cpu, RDI, a32, di);
    if (consume(cpu, a32, done) && !stopped) cpu.rip = i.ip;
  }
}

function scas(cpu: Cpu, i: Insn): void {
  const s = i.opSize, a32 = addr32(i);
  const step = cpu.f.bits & 0x400 ? -s : s;
  const a = cpu.readReg(RAX, s), ah = cpu.hi;
  let di = getPtr(cpu, RDI, a32);
  if (!i.rep) {
    const b = cpu.readMem(di, s), bh = cpu.hi;
    compare(cpu, s, a, ah, b, bh);
    setPtr(cpu, RDI, a32, di + step);
    return;
  }
  const n = iterations(cpu, a32);
  if (n === 0) return;
  const whileEqual = i.rep === 1;
  let done = 0, stopped = false;
  try {
    while (done < n) {
      const b = cpu.readMem(di, s), bh = cpu.hi;
      compare(cpu, s, a, ah, b, bh);
      di += step; done++;
      if (((a ^ b) | (ah ^ bh)) === 0 ? !whileEqual : whileEqual) { stopped = true; break; }
    }
  } finally {
    setPtr(cpu, RDI, a32, di);
    if (consume(cpu, a32, done) && !stopped) cpu.rip = i.ip;
  }
}

// By Code: the mnemonics movsd and cmpsd also name SSE2 instructions.
onCode([Code.Movsb_m8_m8, Code.Movsw_m16_m16, Code.Movsd_m32_m32, Code.Movsq_m64_m64], movs);
onCode([Code.Stosb_m8_AL, Code.Stosw_m16_AX, Code.Stosd_m32_EAX, Code.Stosq_m64_RAX], stos);
onCode([Code.Lodsb_AL_m8, Code.Lodsw_AX_m16, Code.Lodsd_EAX_m32, Code.Lodsq_RAX_m64], lods);
onCode([Code.Cmpsb_m8_m8, Code.Cmpsw_m16_m16, Code.Cmpsd_m32_m32, Code.Cmpsq_m64_m64], cmps);
onCode([Code.Scasb_AL_m8, Code.Scasw_AX_m16, Code.Scasd_EAX_m32, Code.Scasq_RAX_m64], scas);
