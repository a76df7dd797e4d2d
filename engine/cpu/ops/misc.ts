// Integer leftovers: enter, xlat, popfw (16-bit popf), and the shadow-stack reads that are no-ops on a
// CPU without CET.

import { Code, Mnemonic } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Insn } from '../insn';
import { RBP, RBX, RSP, SEG_FS, SEG_GS } from '../regs';
import { ARITH, TF, DF } from '../flags';
import { onMnemonic } from './index';

const TWO32 = 4294967296;

/**
 * enter size, level: push rbp, copy level-1 frame pointers of the enclosing frames, push the new frame
 * pointer, point rbp at the new frame and reserve `size` bytes. Registers change only once every stack
 * access has succeeded. The 16-bit operand-size form pushes words.
 */
function enter(cpu: Cpu, i: Insn): void {
  const size = i.immLo & 0xffff, level = i.imm2 & 31;
  const w = i.code === Code.Enterw_imm16_imm8 ? 2 : 8;
  const m = cpu.mem;
  let sp = cpu.get(RSP) - w;
  let bp = cpu.get(RBP);
  if (w === 8) m.write64(sp, cpu.r[2 * RBP], cpu.r[2 * RBP + 1]); else m.write16(sp, cpu.r[2 * RBP]);
  const frame = sp;
  if (level > 0) {
    for (let k = 1; k < level; k++) {
      bp -= w;
      sp -= w;
      if (w === 8) { const lo = m.read64(bp); m.write64(sp, lo, m.hi); } else m.write16(sp, m.read16(bp));
    }
    sp -= w;
    if (w === 8) m.write64(sp, frame % TWO32 | 0, Math.floor(frame / TWO32) | 0); else m.write16(sp, frame);
  }
  if (w === 8) cpu.set(RBP, frame); else cpu.writeReg(RBP, 2, frame, 0);
  cpu.set(RSP, sp - size);
}
onMnemonic(Mnemonic.Enter, enter);

/** xlat: al = [rbx + al] (segment override honoured). */
onMnemonic(Mnemonic.Xlatb, (cpu: Cpu, i: Insn) => {
  let a = cpu.get(RBX) + (cpu.r[0] & 0xff);
  if (i.memSeg === SEG_FS) a += cpu.fsBase; else if (i.memSeg === SEG_GS) a += cpu.gsBase;
  cpu.writeReg(0, 1, cpu.mem.read8(a), 0);
});

// rdsspd/rdsspq sit in the hint-nop space: without CET shadow stacks (CPUID does not report them, and
// they are never enabled) they do nothing, and the register keeps its value. glibc's setjmp/longjmp
// code relies on exactly that.
onMnemonic([Mnemonic.Rdsspd, Mnemonic.Rdsspq], () => {});

/** popfw: the low 16 bits of RFLAGS from a word on the stack; user mode changes only the arithmetic flags, TF and DF there. */
onMnemonic(Mnemonic.Popf, (cpu: Cpu) => {
  const sp = cpu.get(RSP);
  const v = cpu.mem.read16(sp);
  const user = ARITH | TF | DF;
  cpu.f.load((cpu.f.get() & ~user) | (v & user));
  cpu.set(RSP, sp + 2);
});
