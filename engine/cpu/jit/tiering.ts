// V8's tiering, tuned for generated block functions. A block function starts in V8's interpreter and is
// optimised only after it has used up an "interrupt budget" of executed bytecode several times; the
// default budget suits ordinary JavaScript, but a guest program runs hundreds of large block functions
// that each stay hot for only a while (printf's formatting paths, a sort's phases), and spends much of
// its time in them before V8 optimises them. A smaller budget, and feedback vectors allocated at once,
// get them optimised sooner. Applied once per process by the CLI's and the debug adapter's entry points
// (never inside VS Code's extension host, whose V8 is not ours to tune); UL_V8_TUNING=0 leaves V8 as is.

import * as v8 from 'node:v8';

export const V8_TUNING = ['--interrupt-budget=8192', '--no-lazy-feedback-allocation'];

export function tuneV8ForBlocks(): void {
  if (process.env.UL_V8_TUNING === '0') return;
  for (const f of V8_TUNING) v8.setFlagsFromString(f);
}
