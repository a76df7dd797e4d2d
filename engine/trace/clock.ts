// The trace clock: CLOCK_MONOTONIC, which counts what the kernel's "local" trace clock counts (time since
// boot), read once per hit with process.hrtime() (about 35 ns here; no BigInt). Microseconds are
// truncated, as the kernel truncates nanoseconds when it prints a timestamp.

/** process.hrtime, looked up once: `process` is a slow object to find a property in. */
export const hrtime = process.hrtime;

/** Microseconds on the trace clock. (TraceBatch.add reads it the same way, inline.) */
export function traceClockUs(): number {
  const t = hrtime();
  return t[0] * 1e6 + Math.floor(t[1] / 1e3);
}

/** Seconds on the trace clock. */
export function traceClock(): number {
  return traceClockUs() / 1e6;
}
