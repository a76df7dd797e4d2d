// Bookkeeping shared by the fuzzers: how many cases ran, how they ended, and the failures (each with
// the seed that reproduces it).

export interface Failure { seed: number; what: string; detail: string; input?: Uint8Array | string }

export interface Stats {
  name: string;
  cases: number;
  outcomes: Record<string, number>;
  failures: Failure[];
  ms: number;
  slowestMs: number;
}

export interface Budget { cases?: number; seconds?: number }

export function newStats(name: string): Stats {
  return { name, cases: 0, outcomes: {}, failures: [], ms: 0, slowestMs: 0 };
}

export function count(s: Stats, outcome: string): void { s.outcomes[outcome] = (s.outcomes[outcome] ?? 0) + 1; }

/** Loop `body(k)` until the budget is spent (cases or seconds, whichever comes first). */
export function loop(s: Stats, b: Budget, body: (k: number) => void): Stats {
  const t0 = performance.now();
  const end = b.seconds !== undefined ? t0 + b.seconds * 1000 : Infinity;
  const max = b.cases ?? Infinity;
  for (let k = 0; k < max && performance.now() < end; k++) {
    const c0 = performance.now();
    body(k);
    s.cases++;
    s.slowestMs = Math.max(s.slowestMs, performance.now() - c0);
  }
  s.ms = performance.now() - t0;
  return s;
}

export function summary(s: Stats): string {
  const o = Object.entries(s.outcomes).map(([k, v]) => `${k} ${v}`).join(', ');
  return `${s.name}: ${s.cases} cases in ${(s.ms / 1000).toFixed(1)} s (${o}); slowest case ${s.slowestMs.toFixed(0)} ms; failures ${s.failures.length}`;
}
