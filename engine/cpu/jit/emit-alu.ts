// Compiled integer arithmetic and logic: add adc sub sbb cmp and or xor test inc dec neg not. Same
// semantics as ops/alu.ts, with the flags recorded in the block's lazy-flag locals.

import { Mnemonic } from 'iced-x86';
import type { Insn } from '../insn';
import { OK_IMM, OK_MEM, OK_REG } from '../insn';
import { L_ADD, L_ADC, L_SUB, L_SBB, L_INC, L_DEC } from '../flags';
import { Gen, Val, ARITH, CF } from './gen';
import { onMnemonics } from './emitters';

/** Normalise an int32-or-wider expression to `size` bytes (low half). */
export function normLo(size: number, e: string): string {
  return size === 1 ? `(${e}) & 255` : size === 2 ? `(${e}) & 65535` : `(${e}) | 0`;
}

/** Two simple operands of a binary instruction (memory at most one of them). */
function simple2(i: Insn): boolean {
  return i.opCount === 2 && Gen.simpleOperand(i, 0) && Gen.simpleOperand(i, 1) && i.kind[0] !== 3;
}

/** Read both operands; the source is widened to the destination's size as ops/alu.ts does. */
function operands(g: Gen, i: Insn): { a: Val; b: Val; ad?: string } {
  const ad = i.kind[0] === OK_MEM || i.kind[1] === OK_MEM ? g.addr(i) : undefined;
  const s = i.size[0];
  const a = g.read(i, 0, ad);
  let b = g.read(i, 1, ad);
  if (i.size[1] !== s) {
    if (s === 8) b = { lo: b.lo, hi: g.bind(`${b.lo} >> 31`) };
    else if (s === 2) b = { lo: g.bind(`${b.lo} & 65535`), hi: '0' };
    else if (s === 1) b = { lo: g.bind(`${b.lo} & 255`), hi: '0' };
  }
  // Operand values must not change under us when the destination register is written.
  return { a: { lo: g.bind(a.lo), hi: g.bind(a.hi) }, b: { lo: g.bind(b.lo), hi: g.bind(b.hi) }, ad };
}

/** a + b + c (c an expression of 0/1 or '0') over `size` bytes into fresh locals. */
function add(g: Gen, size: number, a: Val, b: Val, c: string): Val {
  const lo = g.t('r'), hi = g.t('r');
  if (size === 8) {
    const l = g.t();
    g.line(`const ${l} = (${a.lo} >>> 0) + (${b.lo} >>> 0)${c === '0' ? '' : ` + ${c}`};`);
    g.line(`const ${lo} = ${l} | 0, ${hi} = (${a.hi} + ${b.hi} + (${l} >= 4294967296 ? 1 : 0)) | 0;`);
  } else g.line(`const ${lo} = ${normLo(size, `${a.lo} + ${b.lo}${c === '0' ? '' : ` + ${c}`}`)}, ${hi} = 0;`);
  return { lo, hi };
}

function sub(g: Gen, size: number, a: Val, b: Val, c: string): Val {
  const lo = g.t('r'), hi = g.t('r');
  if (size === 8) {
    const l = g.t();
    g.line(`const ${l} = (${a.lo} >>> 0) - (${b.lo} >>> 0)${c === '0' ? '' : ` - ${c}`};`);
    g.line(`const ${lo} = ${l} | 0, ${hi} = (${a.hi} - ${b.hi} - (${l} < 0 ? 1 : 0)) | 0;`);
  } else g.line(`const ${lo} = ${normLo(size, `${a.lo} - ${b.lo}${c === '0' ? '' : ` - ${c}`}`)}, ${hi} = 0;`);
  return { lo, hi };
}

function arith(kind: number, writeBack: boolean) {
  return {
    flags: (i: Insn) => simple2(i) ? [kind === L_ADC || kind === L_SBB ? CF : 0, ARITH] as [number, number] : null,
    emit(g: Gen, i: Insn): void {
      const s = i.size[0];
      // add/sub of a constant to a 64-bit register: the register keeps its anchor (gen.ts), moved.
      const an = writeBack && s === 8 && i.kind[0] === OK_REG && i.kind[1] === OK_IMM && (kind === L_ADD || kind === L_SUB) &&
        i.immHi === (i.immLo >> 31) ? g.peekAnchor(i.reg[0]) : undefined;
      const { a, b, ad } = operands(g, i);
      let c = '0';
      if (kind === L_ADC || kind === L_SBB) c = g.bind(g.cf());
      const r = kind === L_ADD || kind === L_ADC ? add(g, s, a, b, c) : sub(g, s, a, b, c);
      if (writeBack) g.write(i, 0, r, ad);
      if (an) g.shiftAnchor(i.reg[0], an, kind === L_ADD ? i.immLo : -i.immLo);
      g.lazy(kind, s, r, a, b, kind === L_ADC || kind === L_SBB ? c : undefined);
    },
  };
}

onMnemonics([Mnemonic.Add], arith(L_ADD, true));
onMnemonics([Mnemonic.Adc], arith(L_ADC, true));
onMnemonics([Mnemonic.Sub], arith(L_SUB, true));
onMnemonics([Mnemonic.Sbb], arith(L_SBB, true));
onMnemonics([Mnemonic.Cmp], arith(L_SUB, false));

function logic(op: '&' | '|' | '^', writeBack: boolean) {
  return {
    flags: (i: Insn) => simple2(i) ? [0, ARITH] as [number, number] : null,
    emit(g: Gen, i: Insn): void {
      const s = i.size[0];
      let r: Val;
      if (op === '^' && writeBack && i.kind[0] === OK_REG && i.kind[1] === OK_REG && i.reg[0] === i.reg[1]) {
        r = { lo: '0', hi: '0' }; // xor r, r: the zero idiom
      } else {
        const { a, b, ad } = operands(g, i);
        const lo = g.t('r'), hi = g.t('r');
        g.line(`const ${lo} = ${normLo(s, `${a.lo} ${op} ${b.lo}`)}, ${hi} = ${s === 8 ? `${a.hi} ${op} ${b.hi}` : '0'};`);
        r = { lo, hi };
        if (writeBack) g.write(i, 0, r, ad);
        g.logic(s, r);
        return;
      }
      g.write(i, 0, r);
      g.logic(s, r);
    },
  };
}

onMnemonics([Mnemonic.And], logic('&', true));
onMnemonics([Mnemonic.Or], logic('|', true));
onMnemonics([Mnemonic.Xor], logic('^', true));
onMnemonics([Mnemonic.Test], logic('&', false));

const one: Val = { lo: '1', hi: '0' };
const zero: Val = { lo: '0', hi: '0' };

function unary(i: Insn): boolean { return i.opCount === 1 && Gen.simpleOperand(i, 0) && i.kind[0] !== 3; }

function incdec(kind: number) {
  return {
    flags: (i: Insn) => unary(i) ? [CF, ARITH & ~CF] as [number, number] : null,
    emit(g: Gen, i: Insn): void {
      const s = i.size[0];
      const ad = i.kind[0] === OK_MEM ? g.addr(i) : undefined;
      const v = g.read(i, 0, ad);
      const a = { lo: g.bind(v.lo), hi: g.bind(v.hi) };
      const r = kind === L_INC ? add(g, s, a, one, '0') : sub(g, s, a, one, '0');
      g.write(i, 0, r, ad);
      g.lazy(kind, s, r, a, one, g.cf());
    },
  };
}
onMnemonics([Mnemonic.Inc], incdec(L_INC));
onMnemonics([Mnemonic.Dec], incdec(L_DEC));

onMnemonics([Mnemonic.Neg], {
  flags: (i) => unary(i) ? [0, ARITH] : null,
  emit(g, i) {
    const s = i.size[0];
    const ad = i.kind[0] === OK_MEM ? g.addr(i) : undefined;
    const v = g.read(i, 0, ad);
    const b = { lo: g.bind(v.lo), hi: g.bind(v.hi) };
    const r = sub(g, s, zero, b, '0');
    g.write(i, 0, r, ad);
    g.lazy(L_SUB, s, r, zero, b);
  },
});

onMnemonics([Mnemonic.Not], {
  flags: (i) => unary(i) ? [0, 0] : null,
  emit(g, i) {
    const s = i.size[0];
    const ad = i.kind[0] === OK_MEM ? g.addr(i) : undefined;
    const v = g.read(i, 0, ad);
    const lo = g.t('r'), hi = g.t('r');
    g.line(`const ${lo} = ${normLo(s, `~${v.lo}`)}, ${hi} = ${s === 8 ? `~${v.hi}` : '0'};`);
    g.write(i, 0, { lo, hi }, ad);
  },
});
