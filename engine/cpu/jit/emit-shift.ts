// Compiled shifts and rotates by an immediate count on 32- and 64-bit operands: shl/sal shr sar rol ror.
// The count is a constant, so the shift amounts are resolved at compile time. Flags, including the
// architecturally undefined ones, follow ops/shift.ts (which matches the reference host).

import { Mnemonic } from 'iced-x86';
import type { Insn } from '../insn';
import { OK_IMM, OK_MEM, OK_REG } from '../insn';
import { Gen, Val, ARITH, CF, PF, AF, ZF, SF, OF } from './gen';
import { onMnemonics } from './emitters';

/** The masked constant count (5 bits, 6 for 64-bit operands). */
function count(i: Insn): number { return (i.immLo & 0xff) & (i.size[0] === 8 ? 63 : 31); }

function form(i: Insn): boolean {
  return i.opCount === 2 && i.kind[1] === OK_IMM && (i.size[0] === 4 || i.size[0] === 8) && Gen.simpleOperand(i, 0) && i.kind[0] !== OK_IMM;
}

/** 64-bit shifts by a constant 0 < k < 64, as expressions over halves. */
function shl64(a: Val, k: number): Val {
  if (k < 32) return { lo: `(${a.lo} << ${k})`, hi: `((${a.hi} << ${k}) | (${a.lo} >>> ${32 - k}))` };
  return { lo: '0', hi: k === 32 ? a.lo : `(${a.lo} << ${k - 32})` };
}
function shr64(a: Val, k: number): Val {
  if (k < 32) return { lo: `((${a.lo} >>> ${k}) | (${a.hi} << ${32 - k}))`, hi: `(${a.hi} >>> ${k})` };
  return { lo: k === 32 ? a.hi : `(${a.hi} >>> ${k - 32})`, hi: '0' };
}
function sar64(a: Val, k: number): Val {
  if (k < 32) return { lo: `((${a.lo} >>> ${k}) | (${a.hi} << ${32 - k}))`, hi: `(${a.hi} >> ${k})` };
  return { lo: `(${a.hi} >> ${k - 32})`, hi: `(${a.hi} >> 31)` };
}
function bit64(a: Val, k: number): string { return k >= 32 ? `((${a.hi} >>> ${k - 32}) & 1)` : `((${a.lo} >>> ${k}) & 1)`; }

type Op = 'shl' | 'shr' | 'sar' | 'rol' | 'ror';

function emitter(op: Op) {
  const rot = op === 'rol' || op === 'ror';
  return {
    flags: (i: Insn) => form(i) ? [0, count(i) === 0 ? 0 : rot ? CF | OF : ARITH] as [number, number] : null,
    emit(g: Gen, i: Insn): void {
      const c = count(i), s = i.size[0];
      if (c === 0) {
        // No flags change, but a 32-bit register destination is still written (upper half cleared).
        if (s === 4 && i.kind[0] === OK_REG) g.regWrite(i.reg[0], 4, `L${i.reg[0]}`, '0');
        return;
      }
      const ad = i.kind[0] === OK_MEM ? g.addr(i) : undefined;
      const v = g.read(i, 0, ad);
      const a = { lo: g.bind(v.lo), hi: g.bind(v.hi) };
      let r: Val, cf = '', of: string;
      if (s === 8) {
        switch (op) {
          case 'shl': cf = bit64(a, 64 - c); r = shl64(a, c); break;
          case 'shr': cf = bit64(a, c - 1); r = shr64(a, c); break;
          case 'sar': cf = bit64(a, c - 1); r = sar64(a, c); break;
          case 'rol': { const x = shl64(a, c), y = shr64(a, 64 - c); r = { lo: `(${x.lo} | ${y.lo})`, hi: `(${x.hi} | ${y.hi})` }; break; }
          default: { const x = shr64(a, c), y = shl64(a, 64 - c); r = { lo: `(${x.lo} | ${y.lo})`, hi: `(${x.hi} | ${y.hi})` }; }
        }
        const lo = g.t('r'), hi = g.t('r');
        g.line(`const ${lo} = ${r.lo} | 0, ${hi} = ${r.hi} | 0;`);
        r = { lo, hi };
        g.write(i, 0, r, ad);
        switch (op) {
          case 'shl': of = `((${hi} >>> 31) ^ ${cf})`; break;
          case 'shr': of = c === 1 ? `(${a.hi} >>> 31)` : '0'; break;
          case 'sar': of = '0'; break;
          case 'rol': cf = `(${lo} & 1)`; of = `((${hi} >>> 31) ^ (${lo} & 1))`; break;
          default: cf = `(${hi} >>> 31)`; of = `((${hi} >>> 31) ^ ((${hi} >>> 30) & 1))`;
        }
      } else {
        const u = g.bind(`(${a.lo} >>> 0)`);
        let e: string;
        switch (op) {
          case 'shl': e = `(${u} << ${c})`; cf = `((${u} >>> ${32 - c}) & 1)`; break;
          case 'shr': e = `(${u} >>> ${c})`; cf = `((${u} >>> ${c - 1}) & 1)`; break;
          case 'sar': e = `(${a.lo} >> ${c})`; cf = `((${a.lo} >> ${c - 1}) & 1)`; break;
          case 'rol': e = `((${u} << ${c}) | (${u} >>> ${32 - c}))`; cf = ''; break;
          default: e = `((${u} >>> ${c}) | (${u} << ${32 - c}))`; cf = '';
        }
        const lo = g.t('r');
        g.line(`const ${lo} = ${e} | 0;`);
        r = { lo, hi: '0' };
        g.write(i, 0, r, ad);
        switch (op) {
          case 'shl': of = `((${lo} >>> 31) ^ ${cf})`; break;
          case 'shr': of = c === 1 ? `(${u} >>> 31)` : '0'; break;
          case 'sar': of = '0'; break;
          case 'rol': cf = `(${lo} & 1)`; of = `((${lo} >>> 31) ^ (${lo} & 1))`; break;
          default: cf = `(${lo} >>> 31)`; of = `((${lo} >>> 31) ^ ((${lo} >>> 30) & 1))`;
        }
      }
      if (rot) { g.eager({ [CF]: cf, [OF]: of }); return; }
      const zf = s === 8 ? `((${r.lo} | ${r.hi}) === 0)` : `(${r.lo} === 0)`;
      const sf = s === 8 ? `(${r.hi} < 0)` : `(${r.lo} < 0)`;
      g.eager({ [CF]: cf, [PF]: `PARITY[${r.lo} & 255]`, [AF]: '1', [ZF]: zf, [SF]: sf, [OF]: of });
    },
  };
}

onMnemonics([Mnemonic.Shl, Mnemonic.Sal], emitter('shl'));
onMnemonics([Mnemonic.Shr], emitter('shr'));
onMnemonics([Mnemonic.Sar], emitter('sar'));
onMnemonics([Mnemonic.Rol], emitter('rol'));
onMnemonics([Mnemonic.Ror], emitter('ror'));
