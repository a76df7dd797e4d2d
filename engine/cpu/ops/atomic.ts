// Atomic read-modify-write instructions: xadd, cmpxchg, cmpxchg8b, cmpxchg16b. The guest has one
// thread, so `lock` changes nothing and is accepted on all of them.

import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Insn } from '../insn';
import { OK_REG } from '../insn';
import { L_ADD, L_SUB, ZF } from '../flags';
import { RAX, RBX, RCX, RDX } from '../regs';
import { onMnemonic } from './index';
import { addN, subN, res } from './alu';
import { GuestFault, SIGSEGV, SI_KERNEL } from '../../errors';

onMnemonic(Mnemonic.Xadd, (cpu: Cpu, i: Insn) => {
  const s = i.size[0];
  const d = cpu.readOp(i, 0), dh = cpu.hi;
  const src = cpu.readOp(i, 1), sh = cpu.hi;
  addN(s, d, dh, src, sh, 0);
  const rl = res.lo, rh = res.hi;
  // the destination last: `xadd %reg, %reg` ends with the sum
  if (i.kind[0] === OK_REG) { cpu.writeOp(i, 1, d, dh); cpu.writeOp(i, 0, rl, rh); }
  else { cpu.writeOp(i, 0, rl, rh); cpu.writeOp(i, 1, d, dh); }
  cpu.f.lazy(L_ADD, s, rl, rh, d, dh, src, sh);
});

onMnemonic(Mnemonic.Cmpxchg, (cpu: Cpu, i: Insn) => {
  const s = i.size[0];
  const a = cpu.readReg(RAX, s), ah = cpu.hi;
  const d = cpu.readOp(i, 0), dh = cpu.hi;
  subN(s, a, ah, d, dh, 0);
  cpu.f.lazy(L_SUB, s, res.lo, res.hi, a, ah, d, dh);
  if (a === d && ah === dh) {
    const src = cpu.readOp(i, 1), sh = cpu.hi;
    cpu.writeOp(i, 0, src, sh);
  } else {
    // A memory destination is written back unchanged (the locked write cycle: a read-only page
    // faults); a register destination is not written at all (a 32-bit one keeps its upper half).
    if (i.kind[0] !== OK_REG) cpu.writeOp(i, 0, d, dh);
    cpu.writeReg(RAX, s, d, dh);
  }
});

function setZf(cpu: Cpu, on: boolean): void {
  const v = cpu.f.get();
  cpu.f.load(on ? v | ZF : v & ~ZF);
}

onMnemonic(Mnemonic.Cmpxchg8b, (cpu: Cpu, i: Insn) => {
  const addr = cpu.ea(i);
  const lo = cpu.mem.read32(addr), hi = cpu.mem.read32(addr + 4);
  if (lo === cpu.r[2 * RAX] && hi === cpu.r[2 * RDX]) {
    cpu.mem.write64(addr, cpu.r[2 * RBX], cpu.r[2 * RCX]);
    setZf(cpu, true);
  } else {
    cpu.mem.write64(addr, lo, hi);
    cpu.writeReg(RAX, 4, lo, 0);
    cpu.writeReg(RDX, 4, hi, 0);
    setZf(cpu, false);
  }
});

onMnemonic(Mnemonic.Cmpxchg16b, (cpu: Cpu, i: Insn) => {
  const addr = cpu.ea(i);
  // The operand must be 16-byte aligned: #GP otherwise.
  if (addr % 16 !== 0) throw new GuestFault(SIGSEGV, 0, '', SI_KERNEL);
  const m = cpu.mem;
  const l0 = m.read64(addr), h0 = m.hi;
  const l1 = m.read64(addr + 8), h1 = m.hi;
  const r = cpu.r;
  if (l0 === r[0] && h0 === r[1] && l1 === r[4] && h1 === r[5]) {
    m.checkWritable(addr, 16);
    m.write64(addr, r[2 * RBX], r[2 * RBX + 1]);
    m.write64(addr + 8, r[2 * RCX], r[2 * RCX + 1]);
    setZf(cpu, true);
  } else {
    m.checkWritable(addr, 16);
    m.write64(addr, l0, h0);
    m.write64(addr + 8, l1, h1);
    cpu.setHalves(RAX, l0, h0);
    cpu.setHalves(RDX, l1, h1);
    setZf(cpu, false);
  }
});
