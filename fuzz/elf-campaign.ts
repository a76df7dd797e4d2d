// Malformed-ELF campaign: mutate real executables, load and run each in-process. A case fails if
// anything other than a UserError escapes the constructor or start(), anything at all escapes run(),
// a refusal is not one line, or a case takes longer than the time limit (unbounded work).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng, caseSeed } from './rng';
import { mutateElf } from './elf';
import { runGuest, describeCrash, oneLine } from './harness';
import { Stats, Budget, newStats, count, loop } from './campaign';

export interface Base { name: string; data: Uint8Array }

export const ELF_CASE_MAX_INSNS = 20000;
export const ELF_CASE_MAX_MS = 2000;

/** Run one mutated case; returns an error description or undefined when the guarantees held. */
export function elfCase(file: string, data: Uint8Array): { outcome: string; error?: string } {
  fs.writeFileSync(file, data);
  const r = runGuest(file, { maxInsns: ELF_CASE_MAX_INSNS, maxMemory: 64 << 20 });
  const o = r.outcome;
  if (o.kind === 'crash') return { outcome: 'crash', error: describeCrash(o) };
  if (o.kind === 'refused' && !oneLine(o.message)) return { outcome: 'refused', error: `refusal not one line: ${JSON.stringify(o.message)}` };
  if (r.ms > ELF_CASE_MAX_MS) return { outcome: o.kind, error: `took ${r.ms.toFixed(0)} ms` };
  return { outcome: o.kind === 'exit' ? (o.signal ? 'signal' : 'exit') : o.kind };
}

export function fuzzElf(bases: Base[], seed: number, budget: Budget, dir: string, saveDir?: string): Stats {
  const s = newStats('elf');
  const file = path.join(dir, 'case.elf');
  return loop(s, budget, k => {
    const cs = caseSeed(seed, k);
    const r = new Rng(cs);
    const base = r.pick(bases);
    const { data, what } = mutateElf(base.data, r);
    const res = elfCase(file, data);
    count(s, res.outcome);
    if (res.error) {
      s.failures.push({ seed: cs, what: `${base.name}: ${what}`, detail: res.error, input: data });
      if (saveDir) {
        fs.mkdirSync(saveDir, { recursive: true });
        fs.writeFileSync(path.join(saveDir, `elf-${cs.toString(16)}.bin`), data);
      }
    }
  });
}
