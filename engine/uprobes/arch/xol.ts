// The arithmetic of a hit, as pure functions: what emulation does to ip/stack (today's branch_emulate_op /
// push_emulate_op, the 2012 nop skip), and what arch_uprobe_post_xol / arch_uprobe_abort_xol change
// after the single-step in the slot. The caller owns the machine state and applies the plan.

import {
  ArchUprobe, UPROBE_FIX_CALL, UPROBE_FIX_IP, UPROBE_FIX_SETF,
} from './types';

const CF = 1 << 0, PF = 1 << 2, ZF = 1 << 6, SF = 1 << 7, OF = 1 << 11;

/** The kernel's check_jmp_cond for a short-jcc opcode 0x70..0x7f against RFLAGS. */
export function checkJmpCond(opc1: number, rflags: number): boolean {
  const f = (bit: number) => (rflags & bit) !== 0;
  let r: boolean;
  switch (opc1 & 0xfe) {
    case 0x70: r = f(OF); break;
    case 0x72: r = f(CF); break;
    case 0x74: r = f(ZF); break;
    case 0x76: r = f(CF) || f(ZF); break;
    case 0x78: r = f(SF); break;
    case 0x7a: r = f(PF); break;
    case 0x7c: r = f(SF) !== f(OF); break;
    case 0x7e: r = f(ZF) || f(SF) !== f(OF); break;
    default: return true; // not a conditional jump
  }
  return (opc1 & 1) ? !r : r;
}

export interface EmulateInput {
  /** Probe address (ip has been set back to it before the handlers ran). */
  vaddr: number;
  rflags: number;
  rsp: number;
  /** Value of register 0..15 (only read for push). */
  readReg(n: number): number;
}

export interface EmulatePlan {
  newIp: number;
  /** An 8-byte store the emulation performs; if it faults the kernel falls back to the slot. */
  push?: { addr: number; value: number };
  newSp?: number;
  notes: string[];
}

/** What handling the hit without a slot does (only for probes with `emulate`). */
export function arch_uprobe_emulate_plan(au: ArchUprobe, s: EmulateInput): EmulatePlan {
  const e = au.emulate;
  if (!e) throw new Error('arch_uprobe_emulate_plan: instruction is not emulated');
  const next = s.vaddr + e.ipAdvance;
  switch (e.kind) {
    case 'nop':
      return { newIp: next, notes: au.model === '2012' && e.len > 1 ? [`ip left at probe + 1 inside a ${e.len}-byte instruction`] : [] };
    case 'jmp':
      return { newIp: targetFor(au, s.vaddr), notes: [] };
    case 'jcc': {
      const taken = checkJmpCond(e.opc1 ?? 0, s.rflags);
      return { newIp: taken ? targetFor(au, s.vaddr) : next, notes: [taken ? 'taken' : 'not taken'] };
    }
    case 'call':
      return { newIp: targetFor(au, s.vaddr), push: { addr: s.rsp - 8, value: next }, newSp: s.rsp - 8, notes: [] };
    case 'push':
      return { newIp: next, push: { addr: s.rsp - 8, value: s.readReg(e.reg ?? 0) }, newSp: s.rsp - 8, notes: [] };
  }
}

/** The branch target for a probe at `vaddr`: the analysis was done at au.vaddr, the offset is fixed. */
function targetFor(au: ArchUprobe, vaddr: number): number {
  const e = au.emulate!;
  return e.target === undefined ? vaddr + e.len : e.target - au.vaddr + vaddr;
}

export interface PostXolInput {
  /** ip after the single-step (still in or near the slot for ip-relative outcomes). */
  ip: number;
  slotAddr: number;
  vaddr: number;
  rsp: number;
  /** The 8 bytes at rsp (the return address a stepped call pushed). */
  readStackRetAddr(): number;
}

export interface PostXolPlan {
  newIp: number;
  /** Rewrite of the return address at the top of the stack. */
  fixRetAddr?: { addr: number; from: number; to: number };
  /** Put back the scratch register saved before the step. */
  restoreScratch: boolean;
  /** A changed stack pointer (today's failed-call restart). */
  newSp?: number;
  /** UPROBE_FIX_SETF: leave TF as the stepped popf loaded it instead of restoring the saved state. */
  keepTf: boolean;
  notes: string[];
}

/** arch_uprobe_post_xol: the fixups after a completed single-step in the slot. */
export function arch_uprobe_post_xol_plan(au: ArchUprobe, s: PostXolInput): PostXolPlan {
  const notes: string[] = [];
  const restoreScratch = au.ripRel !== undefined;
  const keepTf = (au.fixups & UPROBE_FIX_SETF) !== 0;
  if (restoreScratch) notes.push(`restore ${au.ripRel!.scratchName}`);

  if (au.model === 'current') {
    if (au.emulate) {
      if (au.emulate.kind === 'call') {
        // Only reached when pushing the return address failed and the "call .+0" copy was stepped:
        // drop what it pushed and restart at the probe.
        notes.push('call emulation had failed: pop the slot return address and restart at the probe');
        return { newIp: s.vaddr, newSp: s.rsp + 8, restoreScratch: false, keepTf: false, notes };
      }
      notes.push(au.emulate.kind === 'push'
        ? 'push has no post-step handler: ip stays where the step left it'
        : 'not reached: this emulation cannot fail');
      return { newIp: s.ip, restoreScratch: false, keepTf: false, notes };
    }
    if (au.fixups & UPROBE_FIX_IP) {
      const correction = s.vaddr - s.slotAddr;
      notes.push(`ip += ${signed(correction)} (probe - slot)`);
      return { newIp: s.ip + correction, restoreScratch, keepTf, notes };
    }
    if (au.fixups & UPROBE_FIX_CALL) {
      const to = s.vaddr + au.len;
      notes.push('replace the pushed return address with probe + length');
      return { newIp: s.ip, fixRetAddr: { addr: s.rsp, from: s.readStackRetAddr(), to }, restoreScratch, keepTf, notes };
    }
    notes.push('ip already absolute');
    return { newIp: s.ip, restoreScratch, keepTf, notes };
  }

  // 2012: one correction for both ip and the return address; the RIP rewrite made the copy 4 bytes shorter.
  let correction = s.vaddr - s.slotAddr;
  if (au.ripRel) correction += 4;
  let newIp = s.ip;
  let fixRetAddr: PostXolPlan['fixRetAddr'];
  if (au.fixups & UPROBE_FIX_IP) { newIp = s.ip + correction; notes.push(`ip += ${signed(correction)}`); }
  if (au.fixups & UPROBE_FIX_CALL) {
    const from = s.readStackRetAddr();
    fixRetAddr = { addr: s.rsp, from, to: from + correction };
    notes.push(`return address += ${signed(correction)}`);
  }
  const plan: PostXolPlan = { newIp, restoreScratch, keepTf, notes };
  if (fixRetAddr) plan.fixRetAddr = fixRetAddr;
  return plan;
}

/** arch_uprobe_abort_xol: the stepped instruction trapped (or a fatal signal came): back to the probe. */
export function arch_uprobe_abort_xol_plan(au: ArchUprobe, vaddr: number): { newIp: number; restoreScratch: boolean } {
  return { newIp: vaddr, restoreScratch: au.ripRel !== undefined && !au.emulate };
}

function signed(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}
