// Time syscalls: clock_gettime clock_getres gettimeofday time nanosleep clock_nanosleep, and the interval
// timers setitimer getitimer alarm (the timers themselves are in ../itimers.ts).

import { defSyscall, BLOCKED } from './table';
import type { Process } from '../process';
import { EINVAL, EINTR, int } from './errno';
import { ITIMER_REAL, ITIMER_PROF } from '../itimers';
import { guarded } from './fs';

const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3,
  CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7;

const t0 = process.hrtime.bigint();
/** Wall-clock time as a fixed offset from the monotonic clock: readings never go backwards. */
const realtimeOffset = BigInt(Date.now()) * 1000000n - t0;

/** [seconds, nanoseconds] for a clock, or null if unknown. */
export function clockNow(id: number): [bigint, bigint] | null {
  let ns: bigint;
  switch (id) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: ns = realtimeOffset + process.hrtime.bigint(); break;
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME: ns = process.hrtime.bigint(); break;
    case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID: ns = process.hrtime.bigint() - t0; break;
    default: return null;
  }
  return [ns / 1000000000n, ns % 1000000000n];
}

function writeTs(p: Process, addr: number, s: bigint, sub: bigint): void {
  const b = Buffer.alloc(16);
  b.writeBigInt64LE(s, 0); b.writeBigInt64LE(sub, 8);
  p.mem.writeBytes(addr, b);
}

defSyscall(228, 'clock_gettime', (p, a) => {
  const t = clockNow(int(a[0]));
  if (!t) return -EINVAL;
  return guarded(() => { writeTs(p, a[1], t[0], t[1]); return 0; });
});
defSyscall(229, 'clock_getres', (p, a) => {
  if (!clockNow(int(a[0]))) return -EINVAL;
  return guarded(() => { if (a[1]) writeTs(p, a[1], 0n, 1n); return 0; });
});
defSyscall(96, 'gettimeofday', (p, a) => guarded(() => {
  const t = clockNow(CLOCK_REALTIME)!;
  if (a[0]) writeTs(p, a[0], t[0], t[1] / 1000n);
  if (a[1]) p.mem.writeBytes(a[1], Buffer.alloc(8));
  return 0;
}));
defSyscall(201, 'time', (p, a) => guarded(() => {
  const s = Number(clockNow(CLOCK_REALTIME)![0]);
  if (a[0]) p.mem.writePtr(a[0], s);
  return s;
}));

/** nanosleep: an interruptible sleep; a signal ends it with -EINTR and the time left in `rem`. */
function sleepFor(p: Process, tsAddr: number, remAddr: number): number {
  return guarded(() => {
    const s = p.mem.readPtr(tsAddr), ns = p.mem.readPtr(tsAddr + 8);
    if (s < 0 || ns < 0 || ns >= 1e9) return -EINVAL;
    const us = s * 1e6 + ns / 1e3;
    const t0 = performance.now() * 1000;
    return sleepUntil(p, t0 / 1000 + us / 1000, () => {
      if (remAddr) {
        const left = Math.max(0, us - (performance.now() * 1000 - t0));
        writeTs(p, remAddr, BigInt(Math.floor(left / 1e6)), BigInt(Math.floor((left % 1e6) * 1000)));
      }
    });
  });
}

/**
 * Sleep until `end` (performance.now() milliseconds): 0 then, or -EINTR (after `interrupted`) as soon as a
 * signal can be delivered. Other processes run meanwhile.
 */
function sleepUntil(p: Process, end: number, interrupted: () => void = () => {}): number {
  return p.waitFor(() => {
    if (p.sig.hasDeliverable()) { guarded(() => { interrupted(); return 0; }); return -EINTR; }
    return performance.now() >= end ? 0 : BLOCKED;
  }, end);
}
defSyscall(35, 'nanosleep', (p, a) => sleepFor(p, a[0], a[1]));
defSyscall(230, 'clock_nanosleep', (p, a) => {
  const clock = int(a[0]);
  if (!clockNow(clock) || clock === CLOCK_THREAD_CPUTIME_ID) return -EINVAL;
  if (int(a[1]) & 1 /* TIMER_ABSTIME */) {
    return guarded(() => {
      const now = clockNow(clock)!;
      const s = BigInt(p.mem.readPtr(a[2])), ns = BigInt(p.mem.readPtr(a[2] + 8));
      if (s < 0n || ns < 0n || ns >= 1000000000n) return -EINVAL;
      const us = Number((s - now[0]) * 1000000n) + Number(ns - now[1]) / 1e3;
      return us > 0 ? sleepUntil(p, performance.now() + us / 1000) : 0;
    });
  }
  return sleepFor(p, a[2], a[3]);
});

// ---- interval timers --------------------------------------------------------------------------

function readTimeval(p: Process, addr: number): number | null {
  const s = p.mem.readPtr(addr), us = p.mem.readPtr(addr + 8);
  if (s < 0 || us < 0 || us >= 1e6) return null;
  return s * 1e6 + us;
}
function writeTimeval(p: Process, addr: number, us: number): void {
  const b = Buffer.alloc(16);
  b.writeBigInt64LE(BigInt(Math.floor(us / 1e6)), 0);
  b.writeBigInt64LE(BigInt(Math.floor(us % 1e6)), 8);
  p.mem.writeBytes(addr, b);
}
function writeItimerval(p: Process, addr: number, [value, interval]: [number, number]): void {
  writeTimeval(p, addr, interval);
  writeTimeval(p, addr + 16, value);
}

defSyscall(38, 'setitimer', (p, a) => guarded(() => {
  const which = int(a[0]);
  if (which < ITIMER_REAL || which > ITIMER_PROF) return -EINVAL;
  let value = 0, interval = 0;
  if (a[1]) {
    const iv = readTimeval(p, a[1]), v = readTimeval(p, a[1] + 16);
    if (iv === null || v === null) return -EINVAL;
    value = v; interval = iv;
  }
  const old = p.timers.set(which, value, interval);
  if (a[2]) writeItimerval(p, a[2], old);
  return 0;
}));

defSyscall(36, 'getitimer', (p, a) => guarded(() => {
  const which = int(a[0]);
  if (which < ITIMER_REAL || which > ITIMER_PROF) return -EINVAL;
  writeItimerval(p, a[1], p.timers.get(which));
  return 0;
}));

defSyscall(37, 'alarm', (p, a) => {
  const secs = a[0] % 4294967296;
  const [left] = p.timers.set(ITIMER_REAL, secs * 1e6, 0);
  // An alarm still pending never reads as 0, and half a second or more counts as a whole one.
  let s = Math.floor(left / 1e6);
  const frac = left - s * 1e6;
  if ((s === 0 && frac > 0) || frac >= 5e5) s++;
  return s;
});
