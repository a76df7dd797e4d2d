// Shapes and constants of the x86_64 side of uprobes (what the kernel keeps in struct arch_uprobe),
// shared by both models. Values of the fixup flags are each era's own.

export type UprobeModel = 'current' | '2012';

/** Size of one slot in the XOL page (the page holds 4096 / 128 = 32 slots). */
export const UPROBE_XOL_SLOT_BYTES = 128;
/** Where the XOL page is mapped: TASK_SIZE - PAGE_SIZE for a 47-bit user address space. */
export const XOL_AREA_ADDR = 0x7fffffffe000;
/** How many instruction bytes the kernel copies from the file at the probe and into a slot. */
export const MAX_UINSN_BYTES = 16;
export const PAGE_SIZE = 4096;

// Today's fixup flags (arch/x86/kernel/uprobes.c, 6.x).
export const UPROBE_FIX_IP = 0x01;
export const UPROBE_FIX_CALL = 0x02;
export const UPROBE_FIX_SETF = 0x04;
export const UPROBE_FIX_RIP_SI = 0x08;
export const UPROBE_FIX_RIP_DI = 0x10;
export const UPROBE_FIX_RIP_BX = 0x20;
export const UPROBE_FIX_RIP_MASK = UPROBE_FIX_RIP_SI | UPROBE_FIX_RIP_DI | UPROBE_FIX_RIP_BX;
// The 2012 (3.5) kernel used the same low three values and two high bits for its scratch registers.
export const UPROBE_FIX_RIP_AX = 0x8000;
export const UPROBE_FIX_RIP_CX = 0x4000;

const FIX_NAMES: Record<UprobeModel, Array<[number, string]>> = {
  current: [[UPROBE_FIX_IP, 'UPROBE_FIX_IP'], [UPROBE_FIX_CALL, 'UPROBE_FIX_CALL'], [UPROBE_FIX_SETF, 'UPROBE_FIX_SETF'],
    [UPROBE_FIX_RIP_SI, 'UPROBE_FIX_RIP_SI'], [UPROBE_FIX_RIP_DI, 'UPROBE_FIX_RIP_DI'], [UPROBE_FIX_RIP_BX, 'UPROBE_FIX_RIP_BX']],
  '2012': [[UPROBE_FIX_IP, 'UPROBE_FIX_IP'], [UPROBE_FIX_CALL, 'UPROBE_FIX_CALL'], [UPROBE_FIX_SETF, 'UPROBE_FIX_SETF'],
    [UPROBE_FIX_RIP_AX, 'UPROBE_FIX_RIP_AX'], [UPROBE_FIX_RIP_CX, 'UPROBE_FIX_RIP_CX']],
};

/** The lists made so far, per era and value (a handful of values occur). */
const FIX_NAME_LISTS: Record<UprobeModel, Map<number, string[]>> = { current: new Map(), '2012': new Map() };

/** Names of the bits set in `fixups`, in the kernel's order, for the given era. */
export function fixupNames(fixups: number, model: UprobeModel): string[] {
  const known = FIX_NAME_LISTS[model];
  let l = known.get(fixups);
  if (!l) { l = FIX_NAMES[model].filter(([bit]) => (fixups & bit) !== 0).map(([, name]) => name); known.set(fixups, l); }
  return l.slice(); // each caller gets its own array, as before
}

/** General-purpose register names in the kernel's numbering (modrm order, then r8..r15). */
export const GPR64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

export type EmulateKind = 'nop' | 'jmp' | 'call' | 'jcc' | 'push';

/** How a hit is handled without a slot (current: branch_xol_ops / push_xol_ops; 2012: the nop skip). */
export interface ArchEmulate {
  kind: EmulateKind;
  /** Branch target (jmp, call, jcc taken) as an absolute address for the analysed vaddr. */
  target?: number;
  /** iced-x86 ConditionCode of a jcc (1 = o ... 16 = g). */
  cc?: number;
  /** Short-jcc opcode (0x70..0x7f) the kernel evaluates, or the opcode byte it keyed the emulation on. */
  opc1?: number;
  /** push: register number 0..15 (rax=0 ... r15=15). */
  reg?: number;
  /** Length of the probed instruction. */
  len: number;
  /** How far ip moves past the probe address when the branch is not taken / for nop and push.
   *  Today this is `len`; the 2012 skip left ip just after the int3, so it is 1 there. */
  ipAdvance: number;
  /** Which rule picked the emulation, for display (e.g. 'x86_nops[5]', 'opcode 0x90', 'jcc 0x74'). */
  rule: string;
}

export interface ArchRipRel {
  /** Scratch register, 0..15 (rax=0, rcx=1, rdx=2, rbx=3, rsp=4, rbp=5, rsi=6, rdi=7, r8..). */
  scratchReg: number;
  scratchName: string;
  /** The value pre_xol loads into the scratch register for a probe at `vaddr`. */
  scratchValue(vaddr: number): number;
  /** Offset of the modrm byte in the original instruction. */
  modrmOffset: number;
  /** Offset of the 32-bit displacement in the original instruction. */
  dispOffset: number;
  /** The displacement as a signed 32-bit number. */
  disp: number;
  origModrm: number;
  newModrm: number;
  /** REX.B was cleared in the slot copy. */
  rexChanged?: boolean;
  /** VEX3/EVEX inverted B/X bits were set in the slot copy (current only). */
  vexChanged?: boolean;
  /** The 2012 rewrite drops the displacement: the slot instruction is 4 bytes shorter. */
  dispDropped?: boolean;
  /** Set when the instruction also uses the scratch register implicitly (its value is wrong during the
   *  step and any result the instruction leaves there is overwritten when the scratch is restored). */
  conflict?: string;
}

export interface ArchUprobe {
  model: UprobeModel;
  /** The address the analysis was done for (emulation targets below are absolute for it). */
  vaddr: number;
  /** The original bytes at the probe (length = instruction length). */
  insn: Uint8Array;
  len: number;
  /** AT&T disassembly (iced-x86 GAS formatter) at the analysed vaddr, formatted when first read. */
  readonly mnemonic: string;
  fixups: number;
  fixupNames: string[];
  /** Present when a hit is handled without single-stepping. */
  emulate?: ArchEmulate;
  /** The instruction as it is executed in the slot (RIP operand rewritten, call offset cleared...). */
  slotInsn: Uint8Array;
  /** All 16 bytes the kernel copies into the slot: the rewritten instruction followed by whatever came
   *  after it in the 16-byte buffer read at the probe (zero-filled past the caller's bytes). */
  slotImage: Uint8Array;
  ripRel?: ArchRipRel;
  /** current: the probe can later be turned into a call to the uprobe trampoline (5-byte nop at a
   *  place where a 5-byte write does not cross a page). */
  optimizable?: boolean;
  /** Things about stepping this instruction out of line that the CPU model must reproduce. */
  xolNotes: string[];
}

export type Errno = 'ENOTSUPP' | 'ENOEXEC' | 'EINVAL';

/** An instruction the kernel refuses to probe (registration or installation fails). */
export class UprobeRefused extends Error {
  readonly reason: string;
  readonly errno: Errno;
  readonly model: UprobeModel;
  constructor(reason: string, errno: Errno, model: UprobeModel) {
    super(reason);
    this.name = 'UprobeRefused';
    this.reason = reason;
    this.errno = errno;
    this.model = model;
  }
}

/** Numeric errno values as the kernel returns them (ENOTSUPP is the kernel-internal 524). */
export const ERRNO_VALUES: Record<Errno, number> = { ENOTSUPP: 524, ENOEXEC: 8, EINVAL: 22 };
