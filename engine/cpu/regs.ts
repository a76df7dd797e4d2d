// Register numbering used by decoded instructions, and its mapping from iced-x86's Register enum.
//
// General registers are numbered in encoding order (rax=0, rcx=1, rdx=2, rbx=3, rsp=4, rbp=5, rsi=6,
// rdi=7, r8..r15 = 8..15). The CPU keeps them in an Int32Array as two halves: [2n] low, [2n+1] high.
// An 8-bit operand naming ah/ch/dh/bh is encoded as 16..19 (high byte of register 0..3).

import { Register } from 'iced-x86';

export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
  R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;
/** Pseudo register numbers in operands. */
export const REG_AH = 16, REG_RIP = 20, REG_NONE = -1;

export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** Register classes of an operand. */
export const RC_GPR = 0, RC_XMM = 1, RC_SEG = 2, RC_MMX = 3, RC_ST = 4, RC_OTHER = 5, RC_YMM = 6;

export interface RegInfo { cls: number; num: number; size: number }

const table: RegInfo[] = [];

function build(): void {
  const names = Object.keys(Register).filter(k => isNaN(Number(k)));
  const gpr64 = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];
  const gpr32 = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI', 'R8D', 'R9D', 'R10D', 'R11D', 'R12D', 'R13D', 'R14D', 'R15D'];
  const gpr16 = ['AX', 'CX', 'DX', 'BX', 'SP', 'BP', 'SI', 'DI', 'R8W', 'R9W', 'R10W', 'R11W', 'R12W', 'R13W', 'R14W', 'R15W'];
  const gpr8 = ['AL', 'CL', 'DL', 'BL', 'SPL', 'BPL', 'SIL', 'DIL', 'R8L', 'R9L', 'R10L', 'R11L', 'R12L', 'R13L', 'R14L', 'R15L'];
  const seg = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'];
  for (const n of names) {
    const v = (Register as unknown as Record<string, number>)[n];
    let info: RegInfo = { cls: RC_OTHER, num: -1, size: 0 };
    let i: number;
    if ((i = gpr64.indexOf(n)) >= 0) info = { cls: RC_GPR, num: i, size: 8 };
    else if ((i = gpr32.indexOf(n)) >= 0) info = { cls: RC_GPR, num: i, size: 4 };
    else if ((i = gpr16.indexOf(n)) >= 0) info = { cls: RC_GPR, num: i, size: 2 };
    else if ((i = gpr8.indexOf(n)) >= 0) info = { cls: RC_GPR, num: i, size: 1 };
    else if ((i = ['AH', 'CH', 'DH', 'BH'].indexOf(n)) >= 0) info = { cls: RC_GPR, num: REG_AH + i, size: 1 };
    else if (n === 'RIP' || n === 'EIP') info = { cls: RC_GPR, num: REG_RIP, size: 8 };
    else if (/^XMM\d+$/.test(n)) info = { cls: RC_XMM, num: Number(n.slice(3)), size: 16 };
    else if (/^YMM\d+$/.test(n)) info = { cls: RC_YMM, num: Number(n.slice(3)), size: 32 };
    else if (/^MM\d$/.test(n)) info = { cls: RC_MMX, num: Number(n.slice(2)), size: 8 };
    else if (/^ST\d$/.test(n)) info = { cls: RC_ST, num: Number(n.slice(2)), size: 10 };
    else if ((i = seg.indexOf(n)) >= 0) info = { cls: RC_SEG, num: i, size: 2 };
    table[v] = info;
  }
}
build();

export function regInfo(r: Register): RegInfo {
  return table[r] ?? { cls: RC_OTHER, num: -1, size: 0 };
}

/** Segment numbers as in regInfo for RC_SEG. */
export const SEG_FS = 4, SEG_GS = 5;
