// The registry of instruction emitters for the block compiler, by mnemonic. An emitter says which flags
// an instruction reads and writes (for the look-ahead that skips dead flag work) and whether it can
// compile this particular form; anything it cannot is run by its interpreter handler out of line.

import type { Insn } from '../insn';
import type { Gen } from './gen';

export interface Emitter {
  /** Flags read and written by this form, or null if the emitter cannot compile it. */
  flags(i: Insn): [reads: number, writes: number] | null;
  /** Emit the instruction. Terminators end with an exit (g.exitTo). */
  emit(g: Gen, i: Insn): void;
  /** The instruction accesses memory (a fault exit point), beyond what its operands show. */
  touchesStack?: boolean;
  /** The instruction can fault even with register operands only (div's #DE). */
  mayFault?: boolean;
}

const emitters = new Map<number, Emitter>();

export function onMnemonics(ms: number[], e: Emitter): void { for (const m of ms) emitters.set(m, e); }
export function emitterFor(m: number): Emitter | undefined { return emitters.get(m); }
