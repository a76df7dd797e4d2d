// Compiled shifts and rotates on 32- and 64-bit operands: shl/sal shr sar rol ror by an immediate or by
// %cl, and shld shrd by an immediate or by %cl. Flags, including the architecturally undefined ones,
// follow ops/shift.ts (which matches the reference host). A masked count of 0 changes no flag (and
// touches no memory) but still writes a 32-bit register destination, clearing its upper half: with a
// constant count that is settled at compile time, with %cl by a branch in the generated code, which is
// why the %cl forms read every flag they may write.

import { Mnemonic } from 'iced-x86';
import type { Insn } from '../insn';
import { OK_IMM, OK_MEM, OK_REG } from '../insn';
import { RCX } from '../regs';
import { L_NONE } from '../flags';
import { Gen, Val, ARITH, CF, PF, AF, ZF, SF, OF } from './gen';
import { onMnemonics } from './emitters';

/** The masked constant count (5 bits, 6 for 64-bit operands). */
function count(i: Insn): number { return (i.immLo & 0xff) & (i.size[0] === 8 ? 63 : 31); }

function form(i: Insn): boolean {
  return i.opCount === 2 && i.kind[1] === OK_IMM && (i.size[0] === 4 || i.size[0] === 8) && Gen.simpleOperand(i, 0) && i.kind[0] !== OK_IMM;
}

function bit64(a: Val, k: number): string { return k >= 32 ? `((${a.hi} >>> ${k - 32}) & 1)` : `((${a.lo} >>> ${k}) & 1)`; }

type Op = 'shl' | 'shr' | 'sar' | 'rol' | 'ror';

function emitter(op: Op) {
  const rot = op === 'rol' || op === 'ror';
  return {
    flags: (i: Insn) => form(i) ? [0, count(i) === 0 ? 0 : rot ? CF | OF : ARITH] as [number, number]
      : clForm(i) ? [ARITH, rot ? CF | OF : ARITH] as [number, number] : null,
    emit(g: Gen, i: Insn): void {
      if (i.kind[1] !== OK_IMM) { byCl(g, i, c => single(g, i, op, c)); return; }
      const c = count(i), s = i.size[0];
      if (c === 0) {
        // No flags change, but a 32-bit register destination is still written (upper half cleared).
        if (s === 4 && i.kind[0] === OK_REG) g.regWrite(i.reg[0], 4, `L${i.reg[0]}`, '0');
        return;
      }
      single(g, i, op, c);
    },
  };
}

// ---- shifts by a count (a constant or %cl), and the double shifts ------------------------------

/** A count: a constant 1..63, or the name of a local holding one. */
type Cnt = number | string;

/** The count operand is %cl (a 32- or 64-bit destination). */
function clForm(i: Insn): boolean {
  const n = i.opCount - 1;
  return (i.opCount === 2 || i.opCount === 3) && i.kind[n] === OK_REG && i.reg[n] === RCX && i.size[n] === 1 &&
    (i.size[0] === 4 || i.size[0] === 8) && Gen.simpleOperand(i, 0) && i.kind[0] !== OK_IMM;
}

/**
 * A shift by %cl: `body` runs only for a non-zero masked count; a zero count leaves the flags (and
 * memory) alone but still clears a 32-bit register destination's upper half.
 */
function byCl(g: Gen, i: Insn, body: (c: string) => void): void {
  const n = i.reg[0];
  const c = g.bind(`${g.regRead(RCX, 1).lo} & ${i.size[0] === 8 ? 63 : 31}`);
  g.line(`if (${c} !== 0) {`);
  const before = g.known;
  body(c);
  const after = g.known;
  if (i.size[0] === 4 && i.kind[0] === OK_REG) { g.line('} else {'); g.regWrite(n, 4, `L${n}`, '0'); }
  g.line('}');
  // What the flag locals hold is known afterwards only if both ways agree.
  g.known = after === before || (before?.kind === L_NONE && after?.kind === L_NONE) ? after : null;
}

/** Bits 32..63 of (x:y) << c, that is x << c filled from y's top; c taken modulo 32 (0 gives x). */
function fl(x: string, y: string, c: Cnt): string {
  if (typeof c === 'number') {
    const k = c & 31;
    return k === 0 ? x : y === '0' ? `(${x} << ${k})` : `((${x} << ${k}) | (${y} >>> ${32 - k}))`;
  }
  // y >>> (32 - c) would shift by 32 (that is, 0) for c = 32: two shifts never do.
  return y === '0' ? `(${x} << ${c})` : `((${x} << ${c}) | (${y} >>> 1 >>> (31 - ${c})))`;
}

/** Bits 0..31 of (y:x) >>> c, that is x >>> c filled from y's bottom; c taken modulo 32 (0 gives x). */
function fr(x: string, y: string, c: Cnt): string {
  if (typeof c === 'number') {
    const k = c & 31;
    return k === 0 ? x : y === '0' ? `(${x} >>> ${k})` : `((${x} >>> ${k}) | (${y} << ${32 - k}))`;
  }
  return y === '0' ? `(${x} >>> ${c})` : `((${x} >>> ${c}) | (${y} << 1 << (31 - ${c})))`;
}

/** `hi` when the count is 32 or more, else `lo` (a 64-bit shift moves whole words by 32). */
function pick(g: Gen, c: Cnt, hi: string, lo: string): string {
  if (typeof c === 'number') return c & 32 ? hi : lo;
  return hi === lo ? hi : g.bind(`(${c} & 32 ? ${hi} : ${lo})`);
}

/** Bit 64-c of a:ah (the last bit shifted out to the left), as 0/1. */
function outLeft64(a: Val, c: Cnt): string {
  if (typeof c === 'number') return bit64(a, 64 - c);
  return `(((${c} <= 32 ? ${a.hi} : ${a.lo}) >>> (32 - ${c})) & 1)`;
}
/** Bit c-1 of a:ah (the last bit shifted out to the right), as 0/1. */
function outRight64(a: Val, c: Cnt): string {
  if (typeof c === 'number') return bit64(a, c - 1);
  return `(((${c} <= 32 ? ${a.lo} : ${a.hi}) >>> (${c} - 1)) & 1)`;
}

/**
 * The 64-bit result of shifting d left (shld, or shl with a zero source) or right (shrd, shr, sar with
 * the sign as the source) by c, with bits from s coming in: fresh locals.
 */
function funnel64(g: Gen, left: boolean, d: Val, s: Val, c: Cnt): Val {
  let lo: string, hi: string;
  if (left) {
    const x = pick(g, c, d.lo, d.hi), y = pick(g, c, s.hi, d.lo), z = pick(g, c, s.lo, s.hi);
    hi = fl(x, y, c); lo = fl(y, z, c);
  } else {
    const x = pick(g, c, d.hi, d.lo), y = pick(g, c, s.lo, d.hi), z = pick(g, c, s.hi, s.lo);
    lo = fr(x, y, c); hi = fr(y, z, c);
  }
  const rl = g.t('r'), rh = g.t('r');
  g.line(`const ${rl} = ${lo} | 0, ${rh} = ${hi} | 0;`);
  return { lo: rl, hi: rh };
}

/** The destination operand's value, read once (the address local for memory in `ad`). */
function dest(g: Gen, i: Insn): { a: Val; ad?: string } {
  const ad = i.kind[0] === OK_MEM ? g.addr(i) : undefined;
  const v = g.read(i, 0, ad);
  return { a: { lo: g.bind(v.lo), hi: i.size[0] === 8 ? g.bind(v.hi) : '0' }, ad };
}

/** Flags of a shift or double shift: CF and OF as given, AF set, the rest from the result. */
function shiftFlags(g: Gen, s: number, r: Val, cf: string, of: string): void {
  const zf = s === 8 ? `((${r.lo} | ${r.hi}) === 0)` : `(${r.lo} === 0)`;
  const sf = s === 8 ? `(${r.hi} < 0)` : `(${r.lo} < 0)`;
  g.eager({ [CF]: cf, [PF]: `PARITY[${r.lo} & 255]`, [AF]: '1', [ZF]: zf, [SF]: sf, [OF]: of });
}

/** shl shr sar rol ror by a count 1..(width-1), constant or in a local (the %cl forms). */
function single(g: Gen, i: Insn, op: Op, c: Cnt): void {
  const s = i.size[0];
  const { a, ad } = dest(g, i);
  const zero = { lo: '0', hi: '0' };
  let r: Val, cf = '';
  if (s === 8) {
    switch (op) {
      case 'shl': r = funnel64(g, true, a, zero, c); cf = outLeft64(a, c); break;
      case 'shr': r = funnel64(g, false, a, zero, c); cf = outRight64(a, c); break;
      case 'sar': { const sg = g.bind(`${a.hi} >> 31`); r = funnel64(g, false, a, { lo: sg, hi: sg }, c); cf = outRight64(a, c); break; }
      default: {
        // A rotate by 32 or more swaps the halves first.
        const p = pick(g, c, a.hi, a.lo), q = pick(g, c, a.lo, a.hi);
        const lo = g.t('r'), hi = g.t('r');
        if (op === 'rol') g.line(`const ${lo} = ${fl(p, q, c)} | 0, ${hi} = ${fl(q, p, c)} | 0;`);
        else g.line(`const ${lo} = ${fr(p, q, c)} | 0, ${hi} = ${fr(q, p, c)} | 0;`);
        r = { lo, hi };
      }
    }
  } else {
    const x = a.lo;
    let e: string;
    switch (op) {
      case 'shl': e = fl(x, '0', c); cf = `((${x} >>> (32 - ${c})) & 1)`; break;
      case 'shr': e = fr(x, '0', c); cf = `((${x} >>> (${c} - 1)) & 1)`; break;
      case 'sar': e = `(${x} >> ${c})`; cf = `((${x} >>> (${c} - 1)) & 1)`; break;
      case 'rol': e = fl(x, x, c); break;
      default: e = fr(x, x, c);
    }
    const lo = g.t('r');
    g.line(`const ${lo} = ${e} | 0;`);
    r = { lo, hi: '0' };
  }
  g.write(i, 0, r, ad);
  const top = s === 8 ? r.hi : r.lo, msb = `(${top} >>> 31)`, hi = s === 8 ? a.hi : a.lo;
  switch (op) {
    case 'shl':
      // OF = MSB ^ CF: the bit out evaluated once when both are needed.
      if (g.live(OF) && g.live(CF)) cf = g.bind(cf);
      shiftFlags(g, s, r, cf, `(${msb} ^ ${cf})`);
      return;
    case 'shr':
      // OF = the original MSB for a count of 1, else 0.
      shiftFlags(g, s, r, cf, typeof c === 'number' ? (c === 1 ? `(${hi} >>> 31)` : '0') : `(${c} === 1 ? ${hi} >>> 31 : 0)`);
      return;
    case 'sar': shiftFlags(g, s, r, cf, '0'); return;
    case 'rol': g.eager({ [CF]: `(${r.lo} & 1)`, [OF]: `(${msb} ^ (${r.lo} & 1))` }); return;
    default: g.eager({ [CF]: msb, [OF]: `(${msb} ^ ((${top} >>> 30) & 1))` });
  }
}

/** shld/shrd by a count 1..(width-1), constant or in a local. */
function double(g: Gen, i: Insn, left: boolean, c: Cnt): void {
  const s = i.size[0];
  const { a, ad } = dest(g, i);
  const v = g.read(i, 1);
  const src = { lo: g.bind(v.lo), hi: s === 8 ? g.bind(v.hi) : '0' };
  let r: Val, cf: string, of: string;
  if (s === 8) {
    r = funnel64(g, left, a, src, c);
    cf = left ? outLeft64(a, c) : outRight64(a, c);
  } else {
    const lo = g.t('r');
    g.line(`const ${lo} = ${left ? fl(a.lo, src.lo, c) : fr(a.lo, src.lo, c)} | 0;`);
    r = { lo, hi: '0' };
    cf = left ? `((${a.lo} >>> (32 - ${c})) & 1)` : `((${a.lo} >>> (${c} - 1)) & 1)`;
  }
  const top = s === 8 ? r.hi : r.lo;
  g.write(i, 0, r, ad);
  // shld: OF = MSB ^ CF; shrd: MSB ^ the bit below it (ops/shift.ts, for every count).
  if (left && g.live(OF) && g.live(CF)) cf = g.bind(cf);
  of = left ? `((${top} >>> 31) ^ ${cf})` : `((${top} >>> 31) ^ ((${top} >>> 30) & 1))`;
  shiftFlags(g, s, r, cf, of);
}

function doubleShift(left: boolean) {
  const imm = (i: Insn) => i.opCount === 3 && i.kind[2] === OK_IMM && (i.size[0] === 4 || i.size[0] === 8) &&
    Gen.simpleOperand(i, 0) && i.kind[0] !== OK_IMM;
  const dcount = (i: Insn) => (i.immLo & 0xff) & (i.size[0] === 8 ? 63 : 31);
  const src = (i: Insn) => i.kind[1] === OK_REG && i.size[1] === i.size[0] && Gen.simpleOperand(i, 1);
  return {
    flags: (i: Insn) => !src(i) ? null : imm(i) ? [0, dcount(i) === 0 ? 0 : ARITH] as [number, number]
      : clForm(i) ? [ARITH, ARITH] as [number, number] : null,
    emit(g: Gen, i: Insn): void {
      if (i.kind[2] !== OK_IMM) { byCl(g, i, c => double(g, i, left, c)); return; }
      const c = dcount(i);
      if (c !== 0) double(g, i, left, c);
      else if (i.size[0] === 4 && i.kind[0] === OK_REG) g.regWrite(i.reg[0], 4, `L${i.reg[0]}`, '0');
    },
  };
}

onMnemonics([Mnemonic.Shld], doubleShift(true));
onMnemonics([Mnemonic.Shrd], doubleShift(false));

onMnemonics([Mnemonic.Shl, Mnemonic.Sal], emitter('shl'));
onMnemonics([Mnemonic.Shr], emitter('shr'));
onMnemonics([Mnemonic.Sar], emitter('sar'));
onMnemonics([Mnemonic.Rol], emitter('rol'));
onMnemonics([Mnemonic.Ror], emitter('ror'));
