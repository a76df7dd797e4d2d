// Compiled data movement: mov movzx movsx movsxd lea cmovcc setcc push pop cdqe cdq cqo xchg, and the
// instructions that do nothing (nop forms, endbr64, pause, fences, prefetches). Same semantics as
// ops/move.ts.

import { Mnemonic, Code } from 'iced-x86';
import type { Insn } from '../insn';
import { OK_IMM, OK_MEM, OK_REG } from '../insn';
import { RAX, RDX, RSP } from '../regs';
import { Gen, Val } from './gen';
import { CC_READS } from './gen';
import { onMnemonics, Emitter } from './emitters';
import { normLo } from './emit-alu';

/** Sign-extend a normalised value of `from` bytes to `to` bytes, into locals. */
function sext(g: Gen, from: number, to: number, v: Val): Val {
  let lo: string, hi: string;
  switch (from) {
    case 1: lo = `((${v.lo} << 24) >> 24)`; break;
    case 2: lo = `((${v.lo} << 16) >> 16)`; break;
    case 4: lo = `(${v.lo} | 0)`; break;
    default: return v;
  }
  const l = g.bind(lo);
  hi = `(${l} >> 31)`;
  if (to === 8) return { lo: l, hi: g.bind(hi) };
  return { lo: g.bind(normLo(to, l)), hi: '0' };
}

const gpr2 = (i: Insn) => i.opCount === 2 && Gen.simpleOperand(i, 0) && Gen.simpleOperand(i, 1) && i.kind[0] !== OK_IMM;

onMnemonics([Mnemonic.Mov], {
  flags: (i) => gpr2(i) ? [0, 0] : null,
  emit(g, i) {
    const ad = i.kind[0] === OK_MEM || i.kind[1] === OK_MEM ? g.addr(i) : undefined;
    const v = g.read(i, 1, ad);
    g.write(i, 0, { lo: g.bind(v.lo), hi: g.bind(v.hi) }, ad);
  },
});

onMnemonics([Mnemonic.Movzx], {
  flags: (i) => gpr2(i) ? [0, 0] : null,
  emit(g, i) {
    const ad = i.kind[1] === OK_MEM ? g.addr(i) : undefined;
    const v = g.read(i, 1, ad);
    g.write(i, 0, { lo: g.bind(v.lo), hi: '0' }, ad);
  },
});

onMnemonics([Mnemonic.Movsx, Mnemonic.Movsxd], {
  flags: (i) => gpr2(i) ? [0, 0] : null,
  emit(g, i) {
    const ad = i.kind[1] === OK_MEM ? g.addr(i) : undefined;
    const v = g.read(i, 1, ad);
    g.write(i, 0, sext(g, i.size[1], i.size[0], { lo: g.bind(v.lo), hi: g.bind(v.hi) }), ad);
  },
});

onMnemonics([Mnemonic.Lea], {
  flags: (i) => i.kind[0] === OK_REG && Gen.simpleOperand(i, 0) && i.kind[1] === OK_MEM ? [0, 0] : null,
  emit(g, i) {
    // The address without segment base, truncated to the operand size, computed in halves.
    const s = i.size[0];
    if (i.ripRel) {
      // A constant (decoding resolved it against the instruction's address).
      g.regWrite(i.reg[0], s, String(s === 2 ? i.dispLo & 0xffff : i.dispLo), String(s === 8 ? i.dispHi : 0));
      return;
    }
    const lo: string[] = [], hi: string[] = [];
    if (i.memBase >= 0) { const b = g.reg64(i.memBase); lo.push(`(${b.lo} >>> 0)`); hi.push(b.hi); }
    if (i.memIndex >= 0) {
      const x = g.reg64(i.memIndex), sc = i.memScale;
      lo.push(sc === 1 ? `(${x.lo} >>> 0)` : `(${x.lo} >>> 0) * ${sc}`);
      hi.push(sc === 1 ? x.hi : `Math.imul(${x.hi}, ${sc})`);
    }
    if (i.dispLo !== 0) lo.push(String(i.dispLo >>> 0));
    if (i.dispHi !== 0) hi.push(String(i.dispHi));
    const l = g.t();
    g.line(`const ${l} = ${lo.join(' + ') || '0'};`);
    if (s === 8) {
      // lea d(base), dst: dst takes the base's anchor (gen.ts), moved by d.
      const an = i.memBase >= 0 && i.memIndex < 0 && i.dispHi === (i.dispLo >> 31) ? g.peekAnchor(i.memBase) : undefined;
      const rl = g.t('r'), rh = g.t('r');
      g.line(`const ${rl} = ${l} | 0, ${rh} = (${[...hi, `Math.floor(${l} / 4294967296)`].join(' + ')}) | 0;`);
      g.regWrite(i.reg[0], 8, rl, rh);
      g.shiftAnchor(i.reg[0], an, i.dispLo);
    } else {
      const rl = g.bind(normLo(s, l));
      g.regWrite(i.reg[0], s, rl, '0');
    }
  },
});

const CMOV = [Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne,
  Mnemonic.Cmovbe, Mnemonic.Cmova, Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp, Mnemonic.Cmovl,
  Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg];
onMnemonics(CMOV, {
  flags: (i) => gpr2(i) && i.kind[0] === OK_REG ? [CC_READS[i.cc], 0] : null,
  emit(g, i) {
    // The source is read (and may fault) whatever the condition; a 32-bit destination is zero-extended
    // even when nothing moves.
    const ad = i.kind[1] === OK_MEM ? g.addr(i) : undefined;
    const v = g.read(i, 1, ad);
    const lo = g.bind(v.lo), hi = g.bind(v.hi);
    const c = g.bind(g.cond(i.cc));
    const n = i.reg[0], s = i.size[0];
    g.line(`if (${c}) {`);
    g.regWrite(n, s, lo, hi);
    if (s === 4) { g.line('} else {'); g.line(`H${n} = 0;`); }
    g.line('}');
  },
});

const SETCC = [Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne,
  Mnemonic.Setbe, Mnemonic.Seta, Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp, Mnemonic.Setl,
  Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg];
onMnemonics(SETCC, {
  flags: (i) => i.opCount === 1 && Gen.simpleOperand(i, 0) ? [CC_READS[i.cc], 0] : null,
  emit(g, i) {
    const ad = i.kind[0] === OK_MEM ? g.addr(i) : undefined;
    const v = g.bind(`(${g.cond(i.cc)} ? 1 : 0)`);
    g.write(i, 0, { lo: v, hi: '0' }, ad);
  },
});

/** Push a 64-bit value (memory first: a fault leaves rsp unchanged). */
export function push64(g: Gen, v: Val): void {
  g.faultPoint();
  const a = g.stackAddr(-8);
  g.memWrite(a, 8, v.lo, v.hi);
  g.setStack(a, 0);
}

onMnemonics([Mnemonic.Push], {
  flags: (i) => i.opCount === 1 && i.opSize !== 2 && Gen.simpleOperand(i, 0) ? [0, 0] : null,
  touchesStack: true,
  emit(g, i) {
    const ad = i.kind[0] === OK_MEM ? g.addr(i) : undefined;
    let v = g.read(i, 0, ad);
    v = { lo: g.bind(v.lo), hi: g.bind(v.hi) };
    if (i.size[0] !== 8) v = sext(g, i.size[0], 8, v);
    push64(g, v);
  },
});

onMnemonics([Mnemonic.Pop], {
  flags: (i) => i.opCount === 1 && i.opSize !== 2 && i.kind[0] === OK_REG && Gen.simpleOperand(i, 0) ? [0, 0] : null,
  touchesStack: true,
  emit(g, i) {
    g.faultPoint();
    const a = g.stackAddr(0);
    const v = g.memRead(a, 8);
    g.setStack(a, 8);
    g.regWrite(i.reg[0], 8, v.lo, v.hi);
  },
});

onMnemonics([Mnemonic.Cdqe], { flags: () => [0, 0], emit(g) { g.setReg64(RAX, `L${RAX}`, `L${RAX} >> 31`); } });
onMnemonics([Mnemonic.Cdq], { flags: () => [0, 0], emit(g) { g.reg64(RAX); g.setReg64(RDX, `L${RAX} >> 31`, '0'); } });
onMnemonics([Mnemonic.Cqo], { flags: () => [0, 0], emit(g) { g.reg64(RAX); g.setReg64(RDX, `H${RAX} >> 31`, `H${RAX} >> 31`); } });

onMnemonics([Mnemonic.Xchg], {
  flags: (i) => i.kind[0] === OK_REG && i.kind[1] === OK_REG && Gen.simpleOperand(i, 0) && Gen.simpleOperand(i, 1) ? [0, 0] : null,
  emit(g, i) {
    const a = g.read(i, 0), b = g.read(i, 1);
    const al = g.bind(a.lo), ah = g.bind(a.hi), bl = g.bind(b.lo), bh = g.bind(b.hi);
    g.write(i, 1, { lo: al, hi: ah });
    g.write(i, 0, { lo: bl, hi: bh });
  },
});

const nothing: Emitter = { flags: () => [0, 0], emit() { /* architecturally nothing */ } };
onMnemonics([Mnemonic.Nop, Mnemonic.Endbr64, Mnemonic.Endbr32, Mnemonic.Pause, Mnemonic.Prefetchnta,
  Mnemonic.Prefetcht0, Mnemonic.Prefetcht1, Mnemonic.Prefetcht2, Mnemonic.Prefetchw, Mnemonic.Lfence,
  Mnemonic.Mfence, Mnemonic.Sfence], nothing);

/** Codes that are nops whatever their mnemonic says (the multi-byte nop forms). */
export const NOP_CODES = new Set<number>([Code.Nopw, Code.Nopd, Code.Nopq]);
export { nothing };
