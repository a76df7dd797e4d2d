// Compiled multiplication and division on 32- and 64-bit operands: signed with an explicit destination
// (imul r, r/m and imul r, r/m, imm), unsigned one-operand mul (rdx:rax = rax * r/m), and div/idiv r/m
// through the helpers in helpers-scalar.ts. mul/imul set CF and OF when the product does not fit and
// keep SF ZF AF PF; div/idiv keep CF and OF, set AF and clear SF ZF PF; both as ops/muldiv.ts has them
// on the reference host.

import { Mnemonic } from 'iced-x86';
import type { Insn } from '../insn';
import { OK_IMM, OK_MEM, OK_REG } from '../insn';
import { RAX, RDX } from '../regs';
import { L_NONE } from '../flags';
import { Gen, CF, PF, AF, ZF, SF, OF } from './gen';
import { onMnemonics } from './emitters';

function form(i: Insn): boolean {
  if (i.opCount !== 2 && i.opCount !== 3) return false;
  if (i.kind[0] !== OK_REG || (i.size[0] !== 4 && i.size[0] !== 8)) return false;
  for (let n = 0; n < i.opCount; n++) if (!Gen.simpleOperand(i, n)) return false;
  return true;
}

onMnemonics([Mnemonic.Imul], {
  flags: (i) => form(i) ? [0, CF | OF] : null,
  emit(g, i) {
    const ad = i.kind[1] === OK_MEM ? g.addr(i) : undefined;
    const x = g.read(i, i.opCount === 2 ? 0 : 1, ad), y = g.read(i, i.opCount === 2 ? 1 : 2, ad);
    const a = g.bind(x.lo), b = g.bind(y.lo);
    const lo = g.t('r'), hi = g.t('r'), over = g.t();
    if (i.size[0] === 4) {
      const h = g.t();
      g.line(`let ${h} = G.mulHiU32(${a}, ${b}); if (${a} < 0) ${h} = (${h} - ${b}) | 0; if (${b} < 0) ${h} = (${h} - ${a}) | 0;`);
      g.line(`const ${lo} = Math.imul(${a}, ${b}), ${hi} = 0, ${over} = ${h} !== (${lo} >> 31);`);
    } else if (!g.live(CF | OF)) {
      // Nothing reads the overflow: the low 64 bits of the product are the same signed or unsigned.
      const ah = g.bind(x.hi), bh = g.bind(y.hi);
      g.line(`const ${lo} = Math.imul(${a}, ${b}), ${hi} = (G.mulHiU32(${a}, ${b}) + Math.imul(${a}, ${bh}) + Math.imul(${ah}, ${b})) | 0;`);
      g.regWrite(i.reg[0], 8, lo, hi);
      return;
    } else {
      const ah = g.bind(x.hi), bh = g.bind(y.hi);
      g.line(`G.mulS64(${a}, ${ah}, ${b}, ${bh});`);
      g.line(`const ${lo} = G.prod.w0, ${hi} = G.prod.w1, ${over} = G.prod.w2 !== (${hi} >> 31) || G.prod.w3 !== (${hi} >> 31);`);
    }
    g.regWrite(i.reg[0], i.size[0], lo, hi);
    g.eager({ [CF]: over, [OF]: over });
  },
});

onMnemonics([Mnemonic.Mul], {
  flags: (i) => i.opCount === 1 && (i.size[0] === 4 || i.size[0] === 8) && Gen.simpleOperand(i, 0) ? [0, CF | OF] : null,
  emit(g, i) {
    const ad = i.kind[0] === OK_MEM ? g.addr(i) : undefined;
    const y = g.read(i, 0, ad);
    const b = g.bind(y.lo);
    const a = g.reg64(RAX);
    const lo = g.t('r'), hi = g.t('r'), over = g.t();
    if (i.size[0] === 4) {
      g.line(`const ${lo} = Math.imul(${a.lo}, ${b}), ${hi} = G.mulHiU32(${a.lo}, ${b}), ${over} = ${hi} !== 0;`);
      g.regWrite(RAX, 4, lo, '0');
      g.regWrite(RDX, 4, hi, '0');
    } else {
      const bh = g.bind(y.hi);
      g.line(`G.mulU64(${a.lo}, ${a.hi}, ${b}, ${bh});`);
      const hl = g.t('r'), hh = g.t('r');
      g.line(`const ${lo} = G.prod.w0, ${hi} = G.prod.w1, ${hl} = G.prod.w2, ${hh} = G.prod.w3, ${over} = (${hl} | ${hh}) !== 0;`);
      g.regWrite(RAX, 8, lo, hi);
      g.regWrite(RDX, 8, hl, hh);
    }
    g.eager({ [CF]: over, [OF]: over });
  },
});

/**
 * div/idiv r/m32 and r/m64. The helper raises #DE before any local changes, so the catch clause stores
 * the state as it was before the instruction (mayFault: compile.ts keeps every flag exact up to it).
 */
function divide(signed: boolean) {
  return {
    mayFault: true,
    flags: (i: Insn) => i.opCount === 1 && (i.size[0] === 4 || i.size[0] === 8) && Gen.simpleOperand(i, 0) && i.kind[0] !== OK_IMM
      ? [CF | OF, PF | AF | ZF | SF] as [number, number] : null,
    emit(g: Gen, i: Insn): void {
      const ad = i.kind[0] === OK_MEM ? g.addr(i) : undefined;
      if (!ad) g.faultPoint();
      const y = g.read(i, 0, ad);
      const a = g.reg64(RAX), d = g.reg64(RDX);
      const q = g.t('r');
      if (i.size[0] === 4) {
        const r = g.t('r');
        g.line(`const ${q} = G.${signed ? 'idiv32' : 'div32'}(${a.lo}, ${d.lo}, ${y.lo}, ${i.ip}), ${r} = G.quo.rLo;`);
        g.regWrite(RAX, 4, q, '0');
        g.regWrite(RDX, 4, r, '0');
      } else {
        const qh = g.t('r'), rl = g.t('r'), rh = g.t('r');
        g.line(`const ${q} = G.${signed ? 'idiv64' : 'div64'}(${a.lo}, ${a.hi}, ${d.lo}, ${d.hi}, ${y.lo}, ${y.hi}, ${i.ip}), ${qh} = G.quo.qHi, ${rl} = G.quo.rLo, ${rh} = G.quo.rHi;`);
        g.regWrite(RAX, 8, q, qh);
        g.regWrite(RDX, 8, rl, rh);
      }
      // CF and OF stay. From a lazy state known here they are spelled out inline; otherwise eager keeps
      // them (from the bits, or one G.arith call).
      const k = g.known, inline = k !== null && k.kind !== L_NONE;
      const keep = inline ? { [CF]: g.live(CF) ? g.flag(CF) : '0', [OF]: g.live(OF) ? g.flag(OF) : '0' } : {};
      g.eager({ ...keep, [PF]: '0', [AF]: '1', [ZF]: '0', [SF]: '0' });
    },
  };
}
onMnemonics([Mnemonic.Div], divide(false));
onMnemonics([Mnemonic.Idiv], divide(true));
