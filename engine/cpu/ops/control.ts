// Control flow: jmp jcc call ret loop/loope/loopne jrcxz/jecxz, int3, syscall, and the instructions
// that fault in user mode (hlt, ud2, int N, privileged ones).

import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Insn } from '../insn';
import { OK_BRANCH } from '../insn';
import { RCX, RSP } from '../regs';
import { onMnemonic } from './index';
import { GuestFault, SIGILL, SIGSEGV, ILL_ILLOPN, SI_KERNEL } from '../../errors';

/** Target of an indirect branch operand as a number (non-canonical targets fault at the fetch). */
function indirect(cpu: Cpu, i: Insn): number {
  const lo = cpu.readOp(i, 0), hi = i.size[0] === 8 ? cpu.hi : 0;
  return (hi >>> 0) * 4294967296 + (lo >>> 0);
}

function jumpTo(cpu: Cpu, target: number): void {
  if (target >= 0x800000000000) {
    // A jump to a non-canonical or kernel address faults with ip on the jump itself (#GP) in hardware;
    // Linux reports SIGSEGV with si_addr 0 for #GP and the address for a kernel-half page fault.
    throw new GuestFault(SIGSEGV, target < 0xffff800000000000 ? 0 : target, '', SI_KERNEL);
  }
  cpu.rip = target;
}

onMnemonic(Mnemonic.Jmp, (cpu, i) => {
  if (i.kind[0] === OK_BRANCH) cpu.rip = i.target; else jumpTo(cpu, indirect(cpu, i));
});

const jcc = (cpu: Cpu, i: Insn): void => { if (cpu.f.cond(i.cc)) cpu.rip = i.target; };
onMnemonic([Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe,
  Mnemonic.Ja, Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle,
  Mnemonic.Jg], jcc);

onMnemonic(Mnemonic.Call, (cpu, i) => {
  const target = i.kind[0] === OK_BRANCH ? i.target : indirect(cpu, i);
  cpu.pushNum(i.next);
  try { jumpTo(cpu, target); } catch (e) { cpu.set(RSP, cpu.get(RSP) + 8); throw e; }
});

onMnemonic(Mnemonic.Ret, (cpu, i) => {
  const sp = cpu.get(RSP);
  const lo = cpu.mem.read64(sp), hi = cpu.mem.hi;
  const target = (hi >>> 0) * 4294967296 + (lo >>> 0);
  const pop = i.opCount ? (i.immLo & 0xffff) : 0;
  jumpTo(cpu, target);
  cpu.set(RSP, sp + 8 + pop);
});

function rcxDec(cpu: Cpu, i: Insn): boolean {
  // loop uses rcx (ecx with a 0x67 prefix); returns true if the count is non-zero after decrementing.
  const lo = (cpu.r[2 * RCX] - 1) | 0;
  if (i.size[1] === 4 || (i.bytes[0] === 0x67)) { cpu.writeReg(RCX, 4, lo, 0); return lo !== 0; }
  const hi = lo === -1 ? (cpu.r[2 * RCX + 1] - 1) | 0 : cpu.r[2 * RCX + 1];
  cpu.setHalves(RCX, lo, hi);
  return (lo | hi) !== 0;
}
onMnemonic(Mnemonic.Loop, (cpu, i) => { if (rcxDec(cpu, i)) cpu.rip = i.target; });
onMnemonic(Mnemonic.Loope, (cpu, i) => { if (rcxDec(cpu, i) && cpu.f.zf()) cpu.rip = i.target; });
onMnemonic(Mnemonic.Loopne, (cpu, i) => { if (rcxDec(cpu, i) && !cpu.f.zf()) cpu.rip = i.target; });
onMnemonic(Mnemonic.Jrcxz, (cpu, i) => { if ((cpu.r[2 * RCX] | cpu.r[2 * RCX + 1]) === 0) cpu.rip = i.target; });
onMnemonic(Mnemonic.Jecxz, (cpu, i) => { if (cpu.r[2 * RCX] === 0) cpu.rip = i.target; });

onMnemonic(Mnemonic.Int3, (cpu) => { cpu.int3(); });

onMnemonic(Mnemonic.Syscall, (cpu) => { cpu.hooks.syscall(cpu); });

// int N other than int3 and the privileged instructions are #GP in user mode: SIGSEGV, si_addr 0.
const gp = (_cpu: Cpu, i: Insn): void => { throw new GuestFault(SIGSEGV, 0, `${Mnemonic[i.mnemonic].toLowerCase()} in user mode`, SI_KERNEL); };
onMnemonic([Mnemonic.Hlt, Mnemonic.Int, Mnemonic.Into, Mnemonic.Cli, Mnemonic.Sti, Mnemonic.In, Mnemonic.Out,
  Mnemonic.Insb, Mnemonic.Insw, Mnemonic.Insd, Mnemonic.Outsb, Mnemonic.Outsw, Mnemonic.Outsd, Mnemonic.Iretq,
  Mnemonic.Iretd, Mnemonic.Sysret, Mnemonic.Sysretq, Mnemonic.Sysenter, Mnemonic.Sysexit, Mnemonic.Lgdt, Mnemonic.Lidt,
  Mnemonic.Wrmsr, Mnemonic.Rdmsr, Mnemonic.Invlpg, Mnemonic.Int1], gp);

onMnemonic([Mnemonic.Ud2, Mnemonic.Ud0, Mnemonic.Ud1], (_cpu, i) => {
  throw new GuestFault(SIGILL, i.ip, '', ILL_ILLOPN);
});
