// Compiled 128-bit SSE moves (movups/movaps/movdqu/movdqa and kin) between xmm registers and memory:
// the copies memcpy, memset and structure assignments are made of. The xmm registers stay in the Cpu's
// Int32Array (X in the generated code, four int32 lanes per register); memory goes through the inline
// TLB paths of gen.ts. The aligned forms raise the same #GP as ops/sse-move.ts for a misaligned address,
// before anything changes. Other SSE instructions run through their handlers out of line.

import { Mnemonic } from 'iced-x86';
import type { Insn } from '../insn';
import { OK_MEM, OK_REG } from '../insn';
import { RC_XMM } from '../regs';
import type { Gen } from './gen';
import { onMnemonics } from './emitters';

/** xmm <- xmm, xmm <- m128 or m128 <- xmm (the register-only and memory forms of the legacy encodings). */
function form(i: Insn): boolean {
  if (i.opCount !== 2) return false;
  const x0 = i.kind[0] === OK_REG && i.rcls[0] === RC_XMM, x1 = i.kind[1] === OK_REG && i.rcls[1] === RC_XMM;
  return (x0 && x1) || (x0 && i.kind[1] === OK_MEM && i.memSize === 16) || (i.kind[0] === OK_MEM && i.memSize === 16 && x1);
}

function move128(aligned: boolean) {
  return {
    flags: (i: Insn) => form(i) ? [0, 0] as [number, number] : null,
    emit(g: Gen, i: Insn) {
      g.usesXmm = true;
      if (i.kind[0] === OK_REG && i.kind[1] === OK_REG) {
        const d = 4 * i.reg[0], s = 4 * i.reg[1];
        if (d !== s) g.line(`X[${d}] = X[${s}]; X[${d + 1}] = X[${s + 1}]; X[${d + 2}] = X[${s + 2}]; X[${d + 3}] = X[${s + 3}];`);
        return;
      }
      const a = g.addr(i, true);
      if (aligned) g.line(`if ((${a} & 15) !== 0) G.misaligned16();`);
      // One TLB lookup for all 16 bytes when they lie in one page; otherwise (a miss, a page crossing,
      // a fault) the helpers run the interpreter's own 16-byte load and store (ops/sse-move.ts).
      if (i.kind[0] === OK_REG) {
        const d = 4 * i.reg[0], f = g.fast16(a, 'r'), slow = `G.load128(cpu, ${a}, ${i.reg[0]});`;
        g.line(f ? `if (${f.cond}) { const dv = ${f.dv}, o = ${f.o}; ` +
          `X[${d}] = dv.getInt32(o, true); X[${d + 1}] = dv.getInt32(o + 4, true); X[${d + 2}] = dv.getInt32(o + 8, true); X[${d + 3}] = dv.getInt32(o + 12, true); } ` +
          `else ${slow}` : slow);
        return;
      }
      const s = 4 * i.reg[1], f = g.fast16(a, 'w'), slow = g.slowStore(`G.store128(cpu, ${a}, ${i.reg[1]})`);
      g.line(f ? `if (${f.cond}) { const dv = ${f.dv}, o = ${f.o}; ` +
        `dv.setInt32(o, X[${s}], true); dv.setInt32(o + 4, X[${s + 1}], true); dv.setInt32(o + 8, X[${s + 2}], true); dv.setInt32(o + 12, X[${s + 3}], true); } ` +
        `else ${slow}` : slow);
    },
  };
}

onMnemonics([Mnemonic.Movaps, Mnemonic.Movapd, Mnemonic.Movdqa, Mnemonic.Movntdq, Mnemonic.Movntps, Mnemonic.Movntpd], move128(true));
onMnemonics([Mnemonic.Movups, Mnemonic.Movupd, Mnemonic.Movdqu, Mnemonic.Lddqu], move128(false));
