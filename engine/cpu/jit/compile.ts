// The block compiler: one basic block becomes one JavaScript function (new Function) that keeps guest
// registers and the lazy flags in locals, computes only the flags a later instruction (or an exit)
// needs, and loops on itself when the block ends with a jump back to its start. Instructions without an
// emitter run through their interpreter handlers from inside the function, with the locals stored
// before and reloaded after.
//
// The generated function's contract (see Cpu.run): called with the CPU at the block's first
// instruction and a budget of at least the block's length; returns the instructions retired (also added
// to cpu.icount) with rip at the next instruction. A guest fault propagates as the GuestFault with rip
// on the faulting instruction, cpu.cur set to it, and every earlier instruction's effects in place.

import { Mnemonic } from 'iced-x86';
import type { Insn } from '../insn';
import { OK_BRANCH, OK_IMM, OK_MEM, OK_REG } from '../insn';
import { RC_ST, RC_XMM } from '../regs';
import { LazyFlags, PARITY, ARITH, TF } from '../flags';
import { GuestFault, SIGSEGV, SI_KERNEL } from '../../errors';
import type { Block, BlockFn } from '../block';
import type { Cpu } from '../cpu';
import { A, getX, putX, readM128, writeM128 } from '../ops/sse-move';
import { JCC, guarded } from '../block';
import { Gen } from './gen';
import { emitterFor, Emitter } from './emitters';
import { nothing, NOP_CODES } from './emit-move';
import './emit-alu';
import './emit-shift';
import './emit-control';
import './emit-mul';
import './emit-sse';
import './emit-sse-int';
import './emit-scalar';
import { scalarHelpers } from './helpers-scalar';
import { mulHiU32, mulS64, mulU64, prod } from '../ops/muldiv';

/** Branches whose emitters end the block themselves. */
const BRANCHES = new Set<number>([Mnemonic.Jmp, Mnemonic.Call, Mnemonic.Ret, Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb,
  Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja, Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp,
  Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg]);

/** Helpers the generated code calls for the rare cases. */
const scratch = new LazyFlags();
function load(fk: number, fs: number, frl: number, frh: number, fal: number, fah: number, fbl: number, fbh: number, fci: number, fbt: number): LazyFlags {
  const f = scratch;
  f.kind = fk; f.size = fs; f.resLo = frl; f.resHi = frh; f.aLo = fal; f.aHi = fah; f.bLo = fbl; f.bHi = fbh; f.cin = fci; f.bits = fbt;
  return f;
}
export const helpers = {
  mulHiU32, mulS64, mulU64, prod,
  arith(fk: number, fs: number, frl: number, frh: number, fal: number, fah: number, fbl: number, fbh: number, fci: number, fbt: number): number {
    return load(fk, fs, frl, frh, fal, fah, fbl, fbh, fci, fbt).get() & ARITH;
  },
  cond(cc: number, fk: number, fs: number, frl: number, frh: number, fal: number, fah: number, fbl: number, fbh: number, fci: number, fbt: number): boolean {
    return load(fk, fs, frl, frh, fal, fah, fbl, fbh, fci, fbt).cond(cc);
  },
  /** The slow paths of compiled 16-byte moves: the interpreter's own (ops/sse-move.ts). */
  load128(cpu: Cpu, a: number, reg: number): void { readM128(cpu, a, A); putX(cpu, reg, A); },
  store128(cpu: Cpu, a: number, reg: number): void { getX(cpu, reg, A); writeM128(cpu, a, A); },
  /** A misaligned operand of an aligned 16-byte SSE access (as ops/sse-move.ts checkAlign16). */
  misaligned16(): never {
    throw new GuestFault(SIGSEGV, 0, 'misaligned 16-byte SSE operand', SI_KERNEL);
  },
  /** A return to a non-canonical or kernel address (as ops/control.ts jumpTo). */
  badTarget(t: number): never {
    throw new GuestFault(SIGSEGV, t < 0xffff800000000000 ? 0 : t, '', SI_KERNEL);
  },
  ...scalarHelpers,
};

interface Plan { e: Emitter | null; reads: number; writes: number; faults: boolean; exits: boolean }

function plan(i: Insn): Plan {
  const e = NOP_CODES.has(i.code) ? nothing : emitterFor(i.mnemonic);
  const f = e?.flags(i) ?? null;
  if (!e || !f) return { e: null, reads: ARITH, writes: ARITH, faults: true, exits: true };
  let mem = false;
  for (let n = 0; n < i.opCount && n < 4; n++) if (i.kind[n] === OK_MEM) mem = true;
  if (e === nothing) mem = false;
  // An indirect jump can fault on its target (#GP) even from a register.
  const indirect = (i.mnemonic === Mnemonic.Jmp || i.mnemonic === Mnemonic.Call) && i.kind[0] !== OK_BRANCH;
  return { e, reads: f[0], writes: f[1], faults: mem || indirect || e.touchesStack === true || e.mayFault === true || (i.kind[0] === OK_MEM), exits: JCC.has(i.mnemonic) || guarded(i) };
}

/** Compile a block; null if nothing in it is worth compiling. */
export function compileBlock(b: Block): BlockFn | null {
  const insns = b.insns, n = insns.length;
  const plans = insns.map(plan);
  if (!plans.some(p => p.e)) return null;
  // Flag liveness, backwards: every exit (the block's end, a fault, a handler run out of line, the
  // self-modifying-code check after a store) needs the whole state.
  const liveAfter = new Array<number>(n);
  let live = ARITH;
  for (let k = n - 1; k >= 0; k--) {
    const p = plans[k];
    // A side exit (a jcc inside the block) leaves with every flag as it is after the jcc.
    if ((p.faults && writesMemory(insns[k], p)) || p.exits) live = ARITH;
    liveAfter[k] = live;
    live = (live & ~p.writes) | p.reads;
    if (p.faults || p.exits) live = ARITH;
  }

  // Flags the block reads before setting them (a handler run out of line reads them all; a partial
  // setter keeps the ones it does not write).
  let liveIn = 0;
  for (let k = n - 1; k >= 0; k--) {
    const p = plans[k];
    const partial = p.writes !== 0 && p.writes !== ARITH ? ARITH & ~p.writes : 0;
    liveIn = (liveIn & ~p.writes) | p.reads | partial | (p.e ? 0 : ARITH);
  }
  const g = emit(b, plans, liveAfter, liveIn);
  const body = g.source();
  const store = g.storeAll();
  // The function expression in parentheses: V8 compiles it with the outer function, instead of
  // parsing it twice (pre-parsed with the outer one, parsed again at its first call).
  const src = `return (function block_${b.start.toString(16)}(cpu, budget) {
const r = cpu.r, mem = cpu.mem, F = cpu.f;
${g.usesTlb ? 'const rT = mem.rTag, rP = mem.rPg, wT = mem.wTag, wP = mem.wPg;\n' : ''}${g.usesXmm ? 'const X = cpu.xmm;\n' : ''}${g.prologue()}let done = 0, k = 0, fb = 0, nip = 0, sm = 0;
try {
loop: for (;;) {
${body}
}
} catch (e) {
if (fb === 0) { ${store} }
cpu.rip = INS[k].ip; cpu.cur = INS[k]; cpu.icount += done + k;
throw e;
}
${store}
cpu.rip = nip; cpu.icount += done;
return done;
});`;
  try {
    return new Function('INS', 'G', 'PARITY', src)(insns, helpers, PARITY) as BlockFn;
  } catch (e) {
    throw new Error(`block compiler produced invalid code for ${b.start.toString(16)}: ${(e as Error).message}\n${src}`);
  }
}

function emit(b: Block, plans: Plan[], liveAfter: number[], liveIn: number): Gen {
  const insns = b.insns, n = insns.length;
  const g = new Gen();
  g.blockLen = n; g.blockStart = b.start;
  g.flagsLiveIn = liveIn !== 0;
  const end = insns[n - 1];
  // Either way out of a final jcc (or a final jmp) may lead back to the start.
  g.loops = (BRANCHES.has(end.mnemonic) && end.mnemonic !== Mnemonic.Call && end.mnemonic !== Mnemonic.Ret &&
    (end.target === b.start || (end.mnemonic !== Mnemonic.Jmp && end.next === b.start))) ||
    insns.some(i => JCC.has(i.mnemonic) && i.target === b.start) || guarded(end);
  const last = insns[n - 1];
  let terminated = false;
  for (let k = 0; k < n; k++) {
    const i = insns[k], p = plans[k];
    g.idx = k; g.insn = i; g.liveAfter = liveAfter[k]; g.stored = false;
    g.nextIp = k + 1 < n ? insns[k + 1].ip : -1;
    g.line(`// ${k}: ${i.ip.toString(16)}`);
    if (p.e) {
      g.noteRegs(i);
      g.beginInsn();
      p.e.emit(g, i);
      g.line('}');
      // A store into decoded code (its slow path set sm) may have dropped what follows: leave.
      if (g.stored && k < n - 1) g.line(`if (sm !== 0) { nip = ${i.next}; done += ${k + 1}; break loop; }`);
      if (k === n - 1) terminated = BRANCHES.has(i.mnemonic);
      else if (BRANCHES.has(i.mnemonic) && !guarded(i) && insns[k + 1].ip !== (i.mnemonic === Mnemonic.Jmp || i.mnemonic === Mnemonic.Call ? i.target : JCC.has(i.mnemonic) ? i.next : -1)) {
        throw new Error(`block at ${b.start.toString(16)}: branch inside the block at ${i.ip.toString(16)}`);
      }
    } else {
      // Out of line: the interpreter's handler, with the Cpu brought up to date around it.
      g.faultPoint();
      g.flush();
      g.line(`fb = 1; cpu.rip = ${i.next}; INS[${k}].exec(cpu, INS[${k}]); fb = 0;`);
      g.forgetPages();
      if (k === n - 1) {
        // The block's last instruction decides where execution goes (and may have changed anything).
        g.line(`cpu.icount += done + ${n}; return done + ${n};`);
        terminated = true;
      } else {
        if (i.mnemonic === Mnemonic.Int3) {
          // An int3 the block was formed through (Cpu.respecialize): its uprobe hit was handled on the
          // spot and rip moved to where it went before; anything else pending, or elsewhere, leaves.
          g.line(`if (cpu.rip !== ${insns[k + 1].ip} || cpu.smc || cpu.tif !== 0 || cpu.stopRequested || cpu.exited || (F.bits & ${TF}) !== 0) { cpu.icount += done + ${k + 1}; return done + ${k + 1}; }`);
        } else g.line(`if (cpu.rip !== ${i.next} || cpu.smc) { cpu.icount += done + ${k + 1}; return done + ${k + 1}; }`);
        if (!keepsLocals(i)) g.reload();
      }
    }
  }
  if (!terminated) g.line(`nip = ${last.next}; done += ${n}; break loop;`);
  return g;
}

/**
 * An instruction run out of line that can change neither a general register nor rflags: the register
 * and flag locals are still exact after its handler, so they need no reload. That is an SSE or x87
 * instruction with an xmm or x87 register operand whose other operands are such registers, memory or
 * immediates and that touches no flag, or one of the x87/MXCSR memory-only forms below. (Memory-only
 * operands alone are not enough: push and pop m64 move rsp, enter changes rsp and rbp.)
 */
const FP_MEMORY_ONLY = new Set<number>([Mnemonic.Fld, Mnemonic.Fst, Mnemonic.Fstp, Mnemonic.Fild, Mnemonic.Fist,
  Mnemonic.Fistp, Mnemonic.Fisttp, Mnemonic.Fldcw, Mnemonic.Fnstcw, Mnemonic.Ldmxcsr, Mnemonic.Stmxcsr]);
function keepsLocals(i: Insn): boolean {
  if (i.flagsRW || i.opCount === 0) return false;
  let vector = FP_MEMORY_ONLY.has(i.mnemonic);
  for (let n = 0; n < i.opCount && n < 4; n++) {
    const k = i.kind[n];
    if (k === OK_MEM || k === OK_IMM) continue;
    if (k === OK_REG && (i.rcls[n] === RC_XMM || i.rcls[n] === RC_ST)) { vector = true; continue; }
    return false;
  }
  return vector;
}

function writesMemory(i: Insn, p: Plan): boolean {
  return p.e === null || i.kind[0] === OK_MEM || p.e.touchesStack === true;
}

