// Time syscalls: clock_gettime clock_getres gettimeofday time nanosleep clock_nanosleep.

import { defSyscall } from './table';
import type { Process } from '../process';
import { EINVAL, int } from './errno';
import { guarded } from './fs';
import { sleepMs } from '../files';

const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3,
  CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7;

const t0 = process.hrtime.bigint();

/** [seconds, nanoseconds] for a clock, or null if unknown. */
export function clockNow(id: number): [bigint, bigint] | null {
  let ns: bigint;
  switch (id) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: ns = BigInt(Date.now()) * 1000000n + (process.hrtime.bigint() % 1000000n); break;
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

function sleepFor(p: Process, tsAddr: number): number {
  return guarded(() => {
    const s = p.mem.readPtr(tsAddr), ns = p.mem.readPtr(tsAddr + 8);
    if (s < 0 || ns < 0 || ns >= 1e9) return -EINVAL;
    const ms = s * 1000 + ns / 1e6;
    if (ms > 0) sleepMs(Math.min(ms, 2 ** 31 - 1));
    return 0;
  });
}
defSyscall(35, 'nanosleep', (p, a) => sleepFor(p, a[0]));
defSyscall(230, 'clock_nanosleep', (p, a) => {
  if (int(a[1]) & 1 /* TIMER_ABSTIME */) {
    return guarded(() => {
      const now = clockNow(int(a[0])); if (!now) return -EINVAL;
      const s = BigInt(p.mem.readPtr(a[2])), ns = BigInt(p.mem.readPtr(a[2] + 8));
      const ms = Number((s - now[0]) * 1000n) + Number(ns - now[1]) / 1e6;
      if (ms > 0) sleepMs(ms);
      return 0;
    });
  }
  return sleepFor(p, a[2]);
});
