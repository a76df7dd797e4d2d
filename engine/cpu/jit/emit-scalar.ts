// Compiled bit scans and bit tests, with ops/bits.ts's semantics (which match the reference host):
//  - bsf bsr, and tzcnt lzcnt which run as bsf bsr (CPUID reports neither BMI1 nor LZCNT), 16/32/64-bit,
//    register or memory source: a zero source leaves the destination alone (a 32-bit one keeps its upper
//    half) and sets ZF; PF is the parity of the index found (of 0 for a zero source); CF OF SF AF clear;
//  - bt bts btr btc with an immediate bit index on a register or memory operand, or a register index on
//    a register operand: CF = the bit, the other flags unchanged. (A register index with a memory operand
//    addresses memory beyond the operand and stays out of line.)

import { Mnemonic } from 'iced-x86';
import type { Insn } from '../insn';
import { OK_IMM, OK_MEM, OK_REG } from '../insn';
import { Gen, ARITH, CF, PF, AF, ZF, SF, OF } from './gen';
import { onMnemonics } from './emitters';

const sized = (i: Insn) => i.size[0] === 2 || i.size[0] === 4 || i.size[0] === 8;

function scan(reverse: boolean) {
  return {
    flags: (i: Insn) => i.opCount === 2 && i.kind[0] === OK_REG && sized(i) && i.size[1] === i.size[0] &&
      Gen.simpleOperand(i, 0) && Gen.simpleOperand(i, 1) && i.kind[1] !== OK_IMM ? [0, ARITH] as [number, number] : null,
    emit(g: Gen, i: Insn): void {
      const s = i.size[0];
      const ad = i.kind[1] === OK_MEM ? g.addr(i) : undefined;
      const v = g.read(i, 1, ad);
      const lo = g.bind(v.lo), hi = s === 8 ? g.bind(v.hi) : '0';
      // The index found, or -1 for a zero source (whose parity, of 255, is that of 0).
      const n = g.t('r');
      if (reverse) g.line(`const ${n} = ${s === 8 ? `${hi} !== 0 ? 63 - Math.clz32(${hi}) : ` : ''}31 - Math.clz32(${lo});`);
      else g.line(`const ${n} = ${s === 8 ? `${lo} === 0 ? (${hi} === 0 ? -1 : 63 - Math.clz32(${hi} & -${hi})) : ` : ''}31 - Math.clz32(${lo} & -${lo});`);
      g.line(`if (${n} >= 0) {`);
      g.regWrite(i.reg[0], s, n, '0');
      g.line('}');
      g.eager({ [CF]: '0', [PF]: `PARITY[${n} & 255]`, [AF]: '0', [ZF]: `${n} < 0`, [SF]: '0', [OF]: '0' });
    },
  };
}
onMnemonics([Mnemonic.Bsf, Mnemonic.Tzcnt], scan(false));
onMnemonics([Mnemonic.Bsr, Mnemonic.Lzcnt], scan(true));

const BT = 0, BTS = 1, BTR = 2, BTC = 3;

function bitOp(kind: number) {
  return {
    flags: (i: Insn) => i.opCount === 2 && sized(i) && Gen.simpleOperand(i, 0) && Gen.simpleOperand(i, 1) &&
      (i.kind[1] === OK_IMM ? i.kind[0] !== OK_IMM : i.kind[0] === OK_REG && i.kind[1] === OK_REG) ? [0, CF] as [number, number] : null,
    emit(g: Gen, i: Insn): void {
      const s = i.size[0];
      const ad = i.kind[0] === OK_MEM ? g.addr(i) : undefined;
      const v = g.read(i, 0, ad);
      const lo = g.bind(v.lo), hi = s === 8 ? g.bind(v.hi) : '0';
      let cf: string, r: { lo: string; hi: string } | null = null;
      const op = kind === BTS ? '|' : kind === BTR ? '& ~' : '^';
      if (i.kind[1] === OK_IMM) {
        // The index is masked to the operand width at compile time.
        const off = i.immLo & (s * 8 - 1), w = off >= 32 ? hi : lo, m = 1 << (off & 31);
        cf = `((${w} >>> ${off & 31}) & 1)`;
        if (kind !== BT) {
          const x = g.t('r');
          g.line(`const ${x} = ${w} ${op} ${m};`);
          r = off >= 32 ? { lo, hi: x } : { lo: x, hi };
        }
      } else {
        // JavaScript masks shift counts to 5 bits: the index's bit 5 picks the half.
        const o = g.bind(`${g.regRead(i.reg[1], i.size[1]).lo} & ${s * 8 - 1}`);
        const up = s === 8 ? `(${o} & 32) !== 0` : '';
        const w = s === 8 ? g.bind(`${up} ? ${hi} : ${lo}`) : lo;
        cf = `((${w} >>> ${o}) & 1)`;
        if (kind !== BT) {
          const x = g.t('r');
          g.line(`const ${x} = ${w} ${op} (1 << ${o});`);
          r = s === 8 ? { lo: g.bind(`${up} ? ${lo} : ${x}`), hi: g.bind(`${up} ? ${x} : ${hi}`) } : { lo: x, hi: '0' };
        }
      }
      if (r) {
        // The bit is taken before the write, which may change the register it reads.
        if (g.live(CF)) cf = g.bind(cf);
        g.write(i, 0, r, ad);
      }
      g.eager({ [CF]: cf });
    },
  };
}
onMnemonics([Mnemonic.Bt], bitOp(BT));
onMnemonics([Mnemonic.Bts], bitOp(BTS));
onMnemonics([Mnemonic.Btr], bitOp(BTR));
onMnemonics([Mnemonic.Btc], bitOp(BTC));
