// Compiled control transfers that end a block: direct jmp, jcc, direct call and ret (a jcc inside a
// block is a side exit: only its taken side leaves). A jump back to the
// block's own start becomes a loop inside the compiled function. Indirect jumps and calls, loop*,
// syscall, int3 and the rest end the block through their interpreter handlers.

import { Mnemonic } from 'iced-x86';
import type { Insn } from '../insn';
import { OK_BRANCH, OK_IMM, OK_MEM } from '../insn';
import { RSP } from '../regs';
import { CC_READS, TASK_LIMIT, Gen } from './gen';
import { onMnemonics } from './emitters';
import { push64 } from './emit-move';

// A direct jmp or call inside a block (not its last instruction) is followed: the block goes on at
// the target (block.ts), so the jmp emits nothing and the call only pushes its return address.
const inside = (g: Gen) => g.idx < g.blockLen - 1;

onMnemonics([Mnemonic.Jmp], {
  flags: (i) => i.kind[0] === OK_BRANCH || indirectForm(i) ? [0, 0] : null,
  emit(g, i) {
    if (i.kind[0] === OK_BRANCH) { if (!inside(g)) g.exitTo(String(i.target)); return; }
    const t = target(g, i);
    g.faultPoint();
    g.line(`if (${t} >= ${TASK_LIMIT}) G.badTarget(${t});`);
    g.guardedExit(t);
  },
});

const JCC = [Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe,
  Mnemonic.Ja, Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle,
  Mnemonic.Jg];
onMnemonics(JCC, {
  flags: (i) => [CC_READS[i.cc], 0],
  emit(g, i) {
    g.line(`if (${g.cond(i.cc)}) {`);
    g.exitTo(String(i.target));
    g.line('}');
    // Inside the block the fall-through is the next instruction (block.ts): only the taken side exits.
    if (!inside(g)) g.exitTo(String(i.next));
  },
});

/** An indirect target: a 64-bit register or memory operand. */
const indirectForm = (i: Insn) => i.kind[0] !== OK_BRANCH && i.size[0] === 8 && Gen.simpleOperand(i, 0) && i.kind[0] !== OK_IMM;

/** Read an indirect target as a number (the fault for a bad one comes where ops/control.ts raises it). */
function target(g: Gen, i: Insn): string {
  const ad = i.kind[0] === OK_MEM ? g.addr(i) : undefined;
  const v = g.read(i, 0, ad);
  return g.bind(`(${v.hi} >>> 0) * 4294967296 + (${v.lo} >>> 0)`);
}

onMnemonics([Mnemonic.Call], {
  flags: (i) => (i.kind[0] === OK_BRANCH && i.target < TASK_LIMIT) || indirectForm(i) ? [0, 0] : null,
  touchesStack: true,
  emit(g, i) {
    const next = i.next;
    const ret = { lo: String(next % 4294967296 | 0), hi: String(Math.floor(next / 4294967296) | 0) };
    if (i.kind[0] === OK_BRANCH) {
      push64(g, ret);
      if (!inside(g)) g.exitTo(String(i.target));
      return;
    }
    // call *r/m: the return address is written first; a bad target then faults with rsp unchanged.
    const t = target(g, i);
    g.faultPoint();
    const a = g.stackAddr(-8);
    g.memWrite(a, 8, ret.lo, ret.hi);
    g.line(`if (${t} >= ${TASK_LIMIT}) G.badTarget(${t});`);
    g.setStack(a, 0);
    g.guardedExit(t);
  },
});

onMnemonics([Mnemonic.Ret], {
  flags: (i) => i.opCount === 0 ? [0, 0] : null,
  touchesStack: true,
  emit(g) {
    g.faultPoint();
    const a = g.stackAddr(0);
    const v = g.memRead(a, 8), t = g.t();
    g.line(`const ${t} = (${v.hi} >>> 0) * 4294967296 + (${v.lo} >>> 0);`);
    g.line(`if (${t} >= ${TASK_LIMIT}) G.badTarget(${t});`);
    g.setStack(a, 8);
    g.guardedExit(t);
  },
});
