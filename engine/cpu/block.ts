// Blocks: runs of decoded instructions that go through direct jumps and calls, go on past conditional
// jumps at their fall-through (the taken side leaves the block there: a side exit), and end at the
// first other control transfer (or at an instruction after which the CPU must look at its state again:
// syscall, int3, popf, anything that faults by design). A block is the unit the block compiler (jit/)
// turns into one JavaScript function; until it is hot it is run by interpreting its instructions one
// after another.
//
// A probed address holds int3, which ends a block, so a uprobe is always reached through the same
// DIE_INT3 path as in the interpreter. A block covers at most a few pages, and a write to any of them
// drops it.

import { Mnemonic } from 'iced-x86';
import { GuestFault } from '../errors';
import type { Insn } from './insn';
import { OK_BRANCH } from './insn';
import { PAGE_SIZE } from '../memory';

/** Compiled form of a block: runs it (looping on itself while `budget` allows); returns insns retired. */
export type BlockFn = (cpu: import('./cpu').Cpu, budget: number) => number;

export class Block {
  /** Interpretations before compiling (0 once compiled or given up). */
  hits = 0;
  fn: BlockFn | null = null;
  /** The compiler refused it (too rare a shape): stay interpreted. */
  cold = false;
  /** False once a write to its code dropped it. */
  live = true;
  /** The last two blocks that ran after this one (a cache for chaining). */
  succ0: Block | null = null;
  succ1: Block | null = null;
  /** Instructions in the block. */
  n: number;
  /**
   * Runs in a row that left through the final instruction to the same target (lastTarget), while the
   * block ends with an indirect call or jmp (a candidate for a guarded re-forming through that
   * successor: Cpu.respecialize); -1 when not a candidate (any more).
   */
  stable: number;
  lastTarget = -1;
  /** Targets the indirect transfers inside the block were formed through. */
  hints: Map<number, number> | null = null;
  /** Targets of the direct calls the block goes through. */
  callees: number[] = [];
  constructor(readonly start: number, public insns: Insn[], public pages: number[]) {
    this.n = insns.length;
    this.stable = endsIndirect(this) ? 0 : -1;
  }
}

/**
 * The block ends with a call or jmp through a register or memory, or with an int3 (a uprobe whose hit
 * may be handled on the spot, leaving rip after the probed instruction: see Cpu.respecialize).
 */
export function endsIndirect(b: Block): boolean {
  const i = b.insns[b.n - 1];
  return ((i.mnemonic === Mnemonic.Jmp || i.mnemonic === Mnemonic.Call) && i.kind[0] !== OK_BRANCH) || i.mnemonic === Mnemonic.Int3;
}

/** Longest block, in instructions. */
export const MAX_BLOCK = 48;

/** Conditional jumps: a block goes on at their fall-through. */
export const JCC = new Set<number>([Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne,
  Mnemonic.Jbe, Mnemonic.Ja, Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge,
  Mnemonic.Jle, Mnemonic.Jg]);

const ENDS = new Set<number>([
  Mnemonic.Jmp, ...JCC, Mnemonic.Call, Mnemonic.Ret, Mnemonic.Retf, Mnemonic.Loop, Mnemonic.Loope, Mnemonic.Loopne,
  Mnemonic.Jrcxz, Mnemonic.Jecxz, Mnemonic.Int3, Mnemonic.Int, Mnemonic.Int1, Mnemonic.Into, Mnemonic.Syscall,
  Mnemonic.Sysenter, Mnemonic.Hlt, Mnemonic.Ud0, Mnemonic.Ud1, Mnemonic.Ud2, Mnemonic.Popf, Mnemonic.Popfq,
  Mnemonic.Iretq, Mnemonic.Iretd, Mnemonic.Iret,
]);

/** Does this instruction end a block? (`unknown` is the handler of unimplemented instructions.) */
export function endsBlock(i: Insn, unknown: unknown): boolean {
  return ENDS.has(i.mnemonic) || i.exec === unknown;
}

/** Direct jumps and calls a block follows into their targets (a trace), up to this many pages. */
const MAX_PAGES = 4;
const TASK_LIMIT = 0x800000000000;

/**
 * Form the block starting at ip with `decode` (the CPU's cached decoder). A direct jmp or call does not
 * end it: the block goes on at the target (the call pushes its return address on the way), so a call
 * to a small function and the code after a jump run as one block. A call into a function that blocks
 * formed earlier already go through (intoCall says no) ends the block instead: such a function, called
 * from many places, would otherwise be compiled again into the block of each caller. Nor does a
 * conditional jump end the block: it goes on at its fall-through, and the taken side leaves the
 * block (a side exit). A `ret` that returns from a call followed inside the block goes on at that
 * call's return address, and an indirect call or jmp with a `hints` entry (the target it took every
 * time so far) goes on at that target: the compiled code checks the real target against the next
 * instruction's address and leaves the block when they differ (a guard). Returns null when even the
 * first instruction cannot be decoded (the interpreter then raises the fault at the right place).
 */
export function formBlock(ip: number, decode: (ip: number) => Insn, unknown: unknown, hints?: ReadonlyMap<number, number>,
  intoCall: (target: number) => boolean = () => true): Block | null {
  const insns: Insn[] = [];
  const pages: number[] = [];
  const seen = new Set<number>();
  /** Return addresses of the calls followed so far, innermost last. */
  const rets: number[] = [];
  const callees: number[] = [];
  const addPage = (p: number) => { if (!pages.includes(p)) pages.push(p); };
  let at = ip;
  for (;;) {
    let i: Insn;
    try { i = decode(at); } catch (e) {
      if (e instanceof GuestFault) break;
      throw e;
    }
    insns.push(i);
    seen.add(at);
    addPage(Math.floor(at / PAGE_SIZE));
    addPage(Math.floor((i.next - 1) / PAGE_SIZE));
    if (insns.length >= MAX_BLOCK) break;
    if (follows(i)) {
      // Stop at a target already in the block (a loop) or too far afield, and at a call into a function
      // that `intoCall` says other blocks already go through.
      if (seen.has(i.target) || pages.length >= MAX_PAGES) break;
      if (i.mnemonic === Mnemonic.Call) {
        if (!intoCall(i.target)) break;
        rets.push(i.next);
        callees.push(i.target);
      }
      at = i.target;
      continue;
    }
    if (JCC.has(i.mnemonic) && i.kind[0] === OK_BRANCH) {
      // The taken side is a side exit; the block goes on at the fall-through unless that closes a loop.
      if (seen.has(i.next) || pages.length >= MAX_PAGES) break;
      at = i.next;
      continue;
    }
    if (guarded(i) || i.mnemonic === Mnemonic.Int3) {
      let guess: number | undefined;
      if (i.mnemonic === Mnemonic.Ret) guess = i.opCount === 0 ? rets.pop() : undefined;
      else guess = hints?.get(i.ip);
      if (guess === undefined || seen.has(guess) || pages.length >= MAX_PAGES || guess >= TASK_LIMIT) break;
      if (i.mnemonic === Mnemonic.Call) rets.push(i.next);
      at = guess;
      continue;
    }
    if (endsBlock(i, unknown)) break;
    at = i.next;
  }
  if (!insns.length) return null;
  const b = new Block(ip, insns, pages);
  b.callees = callees;
  return b;
}

/**
 * A transfer whose target is known only when it runs: ret, and jmp or call through a register or
 * memory. Inside a block (not its last instruction) it is guarded: the block goes on only if the target
 * is the next instruction's address.
 */
export function guarded(i: Insn): boolean {
  return i.mnemonic === Mnemonic.Ret ||
    ((i.mnemonic === Mnemonic.Jmp || i.mnemonic === Mnemonic.Call) && i.kind[0] !== OK_BRANCH);
}

/** A direct jmp or call the block goes through. */
export function follows(i: Insn): boolean {
  return (i.mnemonic === Mnemonic.Jmp || i.mnemonic === Mnemonic.Call) && i.kind[0] === OK_BRANCH && i.target < TASK_LIMIT;
}
