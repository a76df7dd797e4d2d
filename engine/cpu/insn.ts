// A decoded instruction: a plain record filled once from iced-x86 and never read back from wasm while
// executing. Handlers (engine/cpu/ops/*) interpret it through the Cpu's operand helpers.

import type { Cpu } from './cpu';

/** Operand kinds. */
export const OK_NONE = 0, OK_REG = 1, OK_MEM = 2, OK_IMM = 3, OK_BRANCH = 4,
  /** Implicit string-instruction memory operand ([rsi] or [rdi]); handlers use the registers. */
  OK_STR = 5;

export type Handler = (cpu: Cpu, i: Insn) => void;

export class Insn {
  /** Address of the first byte. */
  ip = 0;
  len = 0;
  /** ip + len. */
  next = 0;
  /** iced-x86 Code and Mnemonic. */
  code = 0;
  mnemonic = 0;
  /** The raw bytes (for messages, disassembly and uprobes). */
  bytes: Uint8Array = new Uint8Array(0);
  opCount = 0;
  /** Per operand: kind (OK_*), register number (regs.ts) or -1, size in bytes. */
  kind: number[] = [0, 0, 0, 0];
  reg: number[] = [-1, -1, -1, -1];
  size: number[] = [0, 0, 0, 0];
  /** Register class per operand (RC_*). */
  rcls: number[] = [0, 0, 0, 0];
  // Memory operand (at most one per instruction in the integer and SSE ISA).
  memBase = -1;
  memIndex = -1;
  memScale = 1;
  /** Displacement, sign-extended to 64 bits, as two int32 halves (RIP-relative: the absolute target). */
  dispLo = 0;
  dispHi = 0;
  /** 0 none, SEG_FS or SEG_GS. */
  memSeg = 0;
  /** Size in bytes of the memory operand (0 if none). */
  memSize = 0;
  ripRel = false;
  /** First immediate, sign- or zero-extended to 64 bits as iced reports it, as halves. */
  immLo = 0;
  immHi = 0;
  /** Second immediate (enter's nesting level, extrq...). */
  imm2 = 0;
  /** Near branch target. */
  target = 0;
  /** 0 none, 1 rep/repe, 2 repne. */
  rep = 0;
  lock = false;
  /** Operand size of operand 0 in bytes (or of the instruction for operand-less forms). */
  opSize = 0;
  /** Condition code for jcc/setcc/cmovcc (iced ConditionCode), 0 if none. */
  cc = 0;
  /** The instruction reads or changes rflags (iced-x86's rflagsRead / rflagsModified). */
  flagsRW = false;
  /** A single-step trap is not taken after this instruction but after the next (syscall). */
  trapAfterNext = false;
  exec: Handler = () => {};
  /** Filled lazily for messages. */
  text = '';
}
