// The x86 side of a hit at run time (arch/x86/kernel/uprobes.c): emulating the instructions that need no
// single-step, preparing the out-of-line step (scratch register, ip into the slot, TF) and applying the
// fixups after it, aborting it, and hijacking a return address for return probes.
// What to do is decided once, by the analysis in ./arch; this file applies it to the CPU.

import type { Cpu } from '../cpu/cpu';
import { TF } from '../cpu/flags';
import { GPR_NAMES, RSP } from '../cpu/regs';
import type { ArchUprobe } from './arch';
import { UPROBE_FIX_CALL, UPROBE_FIX_IP, UPROBE_FIX_SETF } from './arch/types';
import type { FixupChange } from './types';

/** Per-task arch state (struct arch_uprobe_task). */
export class ArchUprobeTask {
  savedScratch = 0;
  savedScratchHi = 0;
  savedTf = false;
  /** trap_nr bookkeeping: false once a fault other than our single-step hit the XOL instruction. */
  trapNrIsUprobe = false;
}

/** The fixup bits (same values in both eras for IP, CALL and SETF). */
const FIX_IP = UPROBE_FIX_IP, FIX_CALL = UPROBE_FIX_CALL, FIX_SETF = UPROBE_FIX_SETF;

/**
 * arch_uprobe_skip_sstep: emulate the instruction if the analysis said it can be (today's branch, nop
 * and push emulation; 2012 only skipped nops). Returns the kind emulated, or null to step out of line.
 */
export function arch_uprobe_skip_sstep(a: ArchUprobe, cpu: Cpu, vaddr: number): string | null {
  const e = a.emulate;
  if (!e) return null;
  // Where ip goes when nothing branches: past the instruction today; 2012's skip left it just past the
  // int3 (correct only for one-byte nops).
  const next = vaddr + e.ipAdvance;
  switch (e.kind) {
    case 'nop': cpu.rip = next; return 'nop';
    case 'jmp': cpu.rip = e.target!; return 'jmp';
    case 'jcc': cpu.rip = cpu.f.cond(e.cc!) ? e.target! : next; return 'jcc';
    case 'call':
      try { cpu.pushNum(vaddr + a.len); } catch { return null; } // the kernel falls back to XOL if the push faults
      cpu.rip = e.target!;
      return 'call';
    case 'push': {
      const r = e.reg!;
      try { cpu.push64(cpu.r[2 * r], cpu.r[2 * r + 1]); } catch { return null; }
      cpu.rip = next;
      return 'push';
    }
  }
  return null;
}

/** arch_uprobe_pre_xol: scratch register for a RIP-relative operand, ip into the slot, TF on. */
export function arch_uprobe_pre_xol(a: ArchUprobe, t: ArchUprobeTask, cpu: Cpu, vaddr: number, slotAddr: number): void {
  const rr = a.ripRel;
  if (rr) {
    const r = rr.scratchReg;
    t.savedScratch = cpu.r[2 * r]; t.savedScratchHi = cpu.r[2 * r + 1];
    cpu.set(r, rr.scratchValue(vaddr));
  }
  t.trapNrIsUprobe = true;
  cpu.rip = slotAddr;
  t.savedTf = (cpu.f.bits & TF) !== 0;
  cpu.f.bits |= TF;
}

/**
 * arch_uprobe_post_xol: undo the scratch register, correct ip (UPROBE_FIX_IP) and a call's return address
 * (UPROBE_FIX_CALL), keep TF if the stepped popf set it (UPROBE_FIX_SETF), else restore the task's TF.
 * Each change made is appended to `changes` when one is given (for the views). Returns whether the task
 * was single-stepping itself (a SIGTRAP is then due).
 */
export function arch_uprobe_post_xol(a: ArchUprobe, t: ArchUprobeTask, cpu: Cpu, vaddr: number, slotAddr: number,
  changes: FixupChange[] | null = null): boolean {
  const fix = a.fixups;
  t.trapNrIsUprobe = false;
  if (a.ripRel) {
    const r = a.ripRel.scratchReg;
    const before = changes ? cpu.get(r) : 0;
    cpu.r[2 * r] = t.savedScratch; cpu.r[2 * r + 1] = t.savedScratchHi;
    if (changes) changes.push({ what: `restore %${GPR_NAMES[r]}`, before, after: cpu.get(r) });
  }
  if (a.model === '2012') {
    // 2012: the slot copy lost its 4-byte displacement, so the correction grows by 4 for it.
    let correction = vaddr - slotAddr;
    if (a.ripRel && correction) correction += a.len - a.slotInsn.length;
    if (fix & FIX_IP) {
      const before = cpu.rip;
      cpu.rip = before + correction;
      if (changes) changes.push({ what: 'UPROBE_FIX_IP: ip += vaddr - slot', before, after: cpu.rip });
    }
    if (fix & FIX_CALL) {
      const sp = cpu.get(RSP);
      const before = cpu.mem.readPtr(sp);
      cpu.mem.writePtr(sp, before + correction);
      if (changes) changes.push({ what: 'UPROBE_FIX_CALL: return address += vaddr - slot', before, after: before + correction });
    }
  } else {
    if (fix & FIX_IP) {
      const before = cpu.rip;
      cpu.rip = before + (vaddr - slotAddr);
      if (changes) changes.push({ what: 'UPROBE_FIX_IP: ip += vaddr - slot', before, after: cpu.rip });
    } else if (fix & FIX_CALL) {
      // Pop the return address that points into the slot and push the right one.
      const sp = cpu.get(RSP);
      const before = cpu.mem.readPtr(sp);
      cpu.mem.writePtr(sp, vaddr + a.len);
      if (changes) changes.push({ what: 'UPROBE_FIX_CALL: return address = vaddr + len', before, after: vaddr + a.len });
    }
  }
  if (fix & FIX_SETF) t.savedTf = true;
  const tfBefore = (cpu.f.bits & TF) !== 0;
  if (!t.savedTf) cpu.f.bits &= ~TF;
  if (changes && tfBefore !== ((cpu.f.bits & TF) !== 0)) changes.push({ what: 'TF restored', before: 1, after: 0 });
  return t.savedTf && !(fix & FIX_SETF);
}

/** arch_uprobe_abort_xol: the step did not happen (a fault or a fatal signal): back to the probe. */
export function arch_uprobe_abort_xol(a: ArchUprobe, t: ArchUprobeTask, cpu: Cpu, vaddr: number): void {
  if (a.ripRel) { const r = a.ripRel.scratchReg; cpu.r[2 * r] = t.savedScratch; cpu.r[2 * r + 1] = t.savedScratchHi; }
  t.trapNrIsUprobe = false;
  cpu.rip = vaddr;
  if (!t.savedTf) cpu.f.bits &= ~TF;
}

/**
 * arch_uretprobe_hijack_return_addr: swap the return address at the top of the stack for the trampoline.
 * Returns the original, or -1 if the stack cannot be read or written.
 */
export function arch_uretprobe_hijack_return_addr(trampoline: number, cpu: Cpu): number {
  const sp = cpu.get(RSP);
  try {
    const orig = cpu.mem.readPtr(sp);
    cpu.mem.writePtr(sp, trampoline);
    return orig;
  } catch { return -1; }
}
