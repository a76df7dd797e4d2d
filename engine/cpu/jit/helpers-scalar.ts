// Helpers the generated code calls for compiled scalar instructions too long to emit inline: division.
// compile.ts merges them into G. They are the interpreter's own (ops/muldiv.ts): each takes the
// dividend and divisor as int32 halves and the instruction's address, returns the quotient's low half
// and leaves the rest in `quo` (G.quo: qHi, rLo, rHi), so that a call allocates nothing; a zero divisor
// or a quotient that does not fit throws #DE (SIGFPE/FPE_INTDIV at the instruction) before anything
// changes.

import { quo, divU32, divS32, divU64, divS64 } from '../ops/muldiv';

export const scalarHelpers = { quo, div32: divU32, idiv32: divS32, div64: divU64, idiv64: divS64 };
