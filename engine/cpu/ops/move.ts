// Data movement: mov movzx movsx movsxd lea xchg push pop cmovcc setcc cbw/cwde/cdqe cwd/cdq/cqo bswap
// leave, and the instructions that do nothing architecturally (nop forms, endbr64, pause, prefetch).

import { Mnemonic, Code } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Insn } from '../insn';
import { OK_MEM, OK_REG } from '../insn';
import { RAX, RDX, RSP, RBP, RC_SEG, RC_GPR } from '../regs';
import { onMnemonic, onCode } from './index';
import { norm, res } from './alu';
import { GuestFault, SIGILL, ILL_ILLOPN } from '../../errors';

/** Sign-extend a normalised value of `from` bytes into res as `to` bytes. */
export function sext(from: number, to: number, lo: number, hi: number): void {
  let l: number, h: number;
  switch (from) {
    case 1: l = (lo << 24) >> 24; h = l >> 31; break;
    case 2: l = (lo << 16) >> 16; h = l >> 31; break;
    case 4: l = lo | 0; h = l >> 31; break;
    default: l = lo; h = hi;
  }
  norm(to, l, h);
}

onMnemonic(Mnemonic.Mov, (cpu, i) => {
  if (i.rcls[0] === RC_SEG || i.rcls[1] === RC_SEG) {
    // mov to/from a segment register: user space may read them (selectors are 0 here except cs/ss).
    if (i.rcls[0] === RC_SEG) throw new GuestFault(SIGILL, i.ip, 'mov to segment register', ILL_ILLOPN);
    const sel = i.reg[1] === 1 ? 0x33 : i.reg[1] === 2 ? 0x2b : 0;
    cpu.writeOp(i, 0, sel, 0);
    return;
  }
  const lo = cpu.readOp(i, 1);
  cpu.writeOp(i, 0, lo, cpu.hi);
});

onMnemonic(Mnemonic.Movzx, (cpu, i) => {
  const lo = cpu.readOp(i, 1);
  cpu.writeOp(i, 0, lo, 0);
});

const movsx = (cpu: Cpu, i: Insn): void => {
  const lo = cpu.readOp(i, 1), hi = cpu.hi;
  sext(i.size[1], i.size[0], lo, hi);
  cpu.writeOp(i, 0, res.lo, res.hi);
};
onMnemonic([Mnemonic.Movsx, Mnemonic.Movsxd], movsx);

onMnemonic(Mnemonic.Lea, (cpu, i) => {
  // The address without segment base, truncated to the operand size. Computed in halves: a "negative"
  // 64-bit address is above 2^53 and would lose its low bits as a double.
  let lo = i.dispLo >>> 0, hi = i.dispHi;
  if (i.memBase >= 0) { lo += cpu.r[2 * i.memBase] >>> 0; hi += cpu.r[2 * i.memBase + 1]; }
  if (i.memIndex >= 0) { lo += (cpu.r[2 * i.memIndex] >>> 0) * i.memScale; hi += Math.imul(cpu.r[2 * i.memIndex + 1], i.memScale); }
  const carry = Math.floor(lo / 4294967296);
  lo -= carry * 4294967296;
  hi = (hi + carry) | 0;
  norm(i.size[0], lo | 0, hi);
  cpu.writeOp(i, 0, res.lo, res.hi);
});

onMnemonic(Mnemonic.Xchg, (cpu, i) => {
  const a = cpu.readOp(i, 0), ah = cpu.hi;
  const b = cpu.readOp(i, 1), bh = cpu.hi;
  // Memory first, so that a fault leaves registers untouched.
  if (i.kind[0] === OK_MEM) { cpu.writeOp(i, 0, b, bh); cpu.writeOp(i, 1, a, ah); }
  else { cpu.writeOp(i, 1, a, ah); cpu.writeOp(i, 0, b, bh); }
});

onMnemonic(Mnemonic.Push, (cpu, i) => {
  let lo = cpu.readOp(i, 0), hi = cpu.hi;
  if (i.size[0] === 2 && i.kind[0] !== OK_REG && i.opSize === 2 && i.kind[0] !== 3) {
    // push r/m16: 2 bytes
  }
  if (i.opSize === 2) {
    const sp = cpu.get(RSP) - 2;
    cpu.mem.write16(sp, lo);
    cpu.set(RSP, sp);
    return;
  }
  if (i.size[0] !== 8) { sext(i.size[0], 8, lo, hi); lo = res.lo; hi = res.hi; }
  cpu.push64(lo, hi);
});

onMnemonic(Mnemonic.Pop, (cpu, i) => {
  if (i.opSize === 2) {
    const sp = cpu.get(RSP);
    const v = cpu.mem.read16(sp);
    cpu.set(RSP, sp + 2);
    cpu.writeOp(i, 0, v, 0);
    return;
  }
  const sp = cpu.get(RSP);
  const lo = cpu.mem.read64(sp), hi = cpu.mem.hi;
  // pop [rsp+x] computes the address after the increment.
  cpu.set(RSP, sp + 8);
  try { cpu.writeOp(i, 0, lo, hi); } catch (e) { cpu.set(RSP, sp); throw e; }
});

onMnemonic(Mnemonic.Leave, (cpu) => {
  const bp = cpu.get(RBP);
  const lo = cpu.mem.read64(bp), hi = cpu.mem.hi;
  cpu.set(RSP, bp + 8);
  cpu.setHalves(RBP, lo, hi);
});

const cmov = (cpu: Cpu, i: Insn): void => {
  // The source is read (and may fault) whether or not the condition holds; a 32-bit destination is
  // zero-extended even when nothing moves.
  const lo = cpu.readOp(i, 1), hi = cpu.hi;
  if (cpu.f.cond(i.cc)) cpu.writeOp(i, 0, lo, hi);
  else if (i.size[0] === 4) cpu.writeReg(i.reg[0], 4, cpu.r[2 * i.reg[0]], 0);
};
onMnemonic([Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne,
  Mnemonic.Cmovbe, Mnemonic.Cmova, Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp, Mnemonic.Cmovl,
  Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg], cmov);

const setcc = (cpu: Cpu, i: Insn): void => { cpu.writeOp(i, 0, cpu.f.cond(i.cc) ? 1 : 0, 0); };
onMnemonic([Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne,
  Mnemonic.Setbe, Mnemonic.Seta, Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp, Mnemonic.Setl,
  Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg], setcc);

// cbw/cwde/cdqe: sign-extend the low half of the accumulator into itself.
onMnemonic(Mnemonic.Cbw, (cpu) => { sext(1, 2, cpu.r[0] & 0xff, 0); cpu.writeReg(RAX, 2, res.lo, 0); });
onMnemonic(Mnemonic.Cwde, (cpu) => { sext(2, 4, cpu.r[0] & 0xffff, 0); cpu.writeReg(RAX, 4, res.lo, 0); });
onMnemonic(Mnemonic.Cdqe, (cpu) => { cpu.setHalves(RAX, cpu.r[0], cpu.r[0] >> 31); });
// cwd/cdq/cqo: sign of the accumulator into rdx.
onMnemonic(Mnemonic.Cwd, (cpu) => { cpu.writeReg(RDX, 2, (cpu.r[0] << 16) >> 31, 0); });
onMnemonic(Mnemonic.Cdq, (cpu) => { cpu.writeReg(RDX, 4, cpu.r[0] >> 31, 0); });
onMnemonic(Mnemonic.Cqo, (cpu) => { const s = cpu.r[1] >> 31; cpu.setHalves(RDX, s, s); });

function bswap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff);
}
onMnemonic(Mnemonic.Bswap, (cpu, i) => {
  const n = i.reg[0];
  if (i.size[0] === 8) cpu.setHalves(n, bswap32(cpu.r[2 * n + 1]), bswap32(cpu.r[2 * n]));
  else if (i.size[0] === 4) cpu.writeReg(n, 4, bswap32(cpu.r[2 * n]), 0);
  else cpu.writeReg(n, 2, 0, 0); // bswap r16 is undefined; hardware gives 0
});

const nothing = (): void => {};
onMnemonic([Mnemonic.Nop, Mnemonic.Endbr64, Mnemonic.Endbr32, Mnemonic.Pause, Mnemonic.Prefetchnta,
  Mnemonic.Prefetcht0, Mnemonic.Prefetcht1, Mnemonic.Prefetcht2, Mnemonic.Prefetchw, Mnemonic.Lfence,
  Mnemonic.Mfence, Mnemonic.Sfence, Mnemonic.Clflush, Mnemonic.Clflushopt], nothing);
onCode([Code.Nopw, Code.Nopd, Code.Nopq], nothing);

export { RC_GPR };
