// Flag manipulation and machine identification: clc stc cmc cld std lahf sahf pushf popf, cpuid,
// xgetbv, rdtsc/rdtscp.

import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import { RAX, RBX, RCX, RDX, RSP } from '../regs';
import { onMnemonic } from './index';
import { CF, DF, ARITH, TF, AC, ID } from '../flags';
import { cpuidLeaf } from './cpuid';
import { GuestFault, SIGSEGV, SI_KERNEL } from '../../errors';

onMnemonic(Mnemonic.Clc, (cpu) => cpu.f.setBit(CF, false));
onMnemonic(Mnemonic.Stc, (cpu) => cpu.f.setBit(CF, true));
onMnemonic(Mnemonic.Cmc, (cpu) => cpu.f.setBit(CF, !cpu.f.cf()));
onMnemonic(Mnemonic.Cld, (cpu) => cpu.f.setBit(DF, false));
onMnemonic(Mnemonic.Std, (cpu) => cpu.f.setBit(DF, true));

onMnemonic(Mnemonic.Lahf, (cpu) => {
  const v = cpu.f.get() & 0xd5 | 2;
  cpu.writeReg(16 /* ah */, 1, v, 0);
});
onMnemonic(Mnemonic.Sahf, (cpu) => {
  const ah = (cpu.r[0] >> 8) & 0xd5;
  cpu.f.load((cpu.f.get() & ~0xd5) | ah);
});

onMnemonic(Mnemonic.Pushfq, (cpu) => {
  // RF and VM read as 0; TF is visible.
  cpu.push64(cpu.f.get() & 0x3f7fd7, 0);
});
onMnemonic(Mnemonic.Pushf, (cpu) => {
  const sp = cpu.get(RSP) - 2;
  cpu.mem.write16(sp, cpu.f.get() & 0xffff);
  cpu.set(RSP, sp);
});
onMnemonic(Mnemonic.Popfq, (cpu) => {
  const v = cpu.pop64();
  // User mode may change the arithmetic flags, TF, DF, AC and ID (IF/IOPL are kept).
  const keep = cpu.f.get() & ~(ARITH | TF | DF | AC | ID);
  cpu.f.load(keep | (v & (ARITH | TF | DF | AC | ID)));
});

onMnemonic(Mnemonic.Cpuid, (cpu) => {
  const out = cpuidLeaf(cpu.r[2 * RAX] >>> 0, cpu.r[2 * RCX] >>> 0);
  cpu.writeReg(RAX, 4, out[0], 0);
  cpu.writeReg(RBX, 4, out[1], 0);
  cpu.writeReg(RCX, 4, out[2], 0);
  cpu.writeReg(RDX, 4, out[3], 0);
});

onMnemonic(Mnemonic.Xgetbv, (cpu) => {
  // Only XCR0 exists; x87 and SSE state enabled. (CPUID does not report OSXSAVE, but glibc may ask.)
  if ((cpu.r[2 * RCX] >>> 0) !== 0) throw new GuestFault(SIGSEGV, 0, 'xgetbv of an unknown XCR', SI_KERNEL);
  cpu.writeReg(RAX, 4, 3, 0);
  cpu.writeReg(RDX, 4, 0, 0);
});

/** A monotonic cycle counter: derived from the host clock at a nominal 1 GHz. */
function tsc(cpu: Cpu): void {
  const ns = process.hrtime.bigint();
  cpu.writeReg(RAX, 4, Number(ns & 0xffffffffn) | 0, 0);
  cpu.writeReg(RDX, 4, Number((ns >> 32n) & 0xffffffffn) | 0, 0);
}
onMnemonic(Mnemonic.Rdtsc, tsc);
onMnemonic(Mnemonic.Rdtscp, (cpu) => { tsc(cpu); cpu.writeReg(RCX, 4, 0, 0); });
