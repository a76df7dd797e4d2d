// The instruction-family registry: each family module registers handlers by mnemonic (the common case,
// handlers read operand kinds and sizes from the Insn) or by Code where one mnemonic hides different
// semantics. Decoding picks the handler once per instruction.

import type { Handler } from '../insn';

const byMnemonic = new Map<number, Handler>();
const byCode = new Map<number, Handler>();

export function onMnemonic(m: number | number[], h: Handler): void {
  for (const x of Array.isArray(m) ? m : [m]) byMnemonic.set(x, h);
}

export function onCode(c: number | number[], h: Handler): void {
  for (const x of Array.isArray(c) ? c : [c]) byCode.set(x, h);
}

export function lookupHandler(code: number, mnemonic: number): Handler | undefined {
  return byCode.get(code) ?? byMnemonic.get(mnemonic);
}

/** Mnemonics with a handler (for cpuid honesty checks and coverage reports). */
export function implementedMnemonics(): number[] { return [...byMnemonic.keys()]; }
