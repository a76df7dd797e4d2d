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
      const a = g.addr(i);
      if (aligned) g.line(`if ((${a} & 15) !== 0) G.misaligned16();`);
      if (i.kind[0] === OK_REG) {
        const d = 4 * i.reg[0];
        const v0 = g.memRead(a, 8);
        const a8 = g.bind(`${a} + 8`);
        const v1 = g.memRead(a8, 8);
        g.line(`X[${d}] = ${v0.lo}; X[${d + 1}] = ${v0.hi}; X[${d + 2}] = ${v1.lo}; X[${d + 3}] = ${v1.hi};`);
        return;
      }
      // A store that straddles two pages must not be half done when the second page faults.
      const s = 4 * i.reg[1];
      g.line(`if ((${a} & 4095) > 4080) mem.checkWritable(${a}, 16);`);
      const lo0 = g.bind(`X[${s}]`), hi0 = g.bind(`X[${s + 1}]`), lo1 = g.bind(`X[${s + 2}]`), hi1 = g.bind(`X[${s + 3}]`);
      g.memWrite(a, 8, lo0, hi0);
      const a8 = g.bind(`${a} + 8`);
      g.memWrite(a8, 8, lo1, hi1);
    },
  };
}

onMnemonics([Mnemonic.Movaps, Mnemonic.Movapd, Mnemonic.Movdqa, Mnemonic.Movntdq, Mnemonic.Movntps, Mnemonic.Movntpd], move128(true));
onMnemonics([Mnemonic.Movups, Mnemonic.Movupd, Mnemonic.Movdqu, Mnemonic.Lddqu], move128(false));
