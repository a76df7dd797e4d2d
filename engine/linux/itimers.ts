// The three interval timers of setitimer/getitimer/alarm. ITIMER_REAL runs on the host's monotonic
// clock; ITIMER_VIRTUAL and ITIMER_PROF on the host process's CPU time (user, and user+system), which
// stands in for the guest's CPU time since the emulator runs the guest on one host thread. The CPU
// run loop is synchronous: the process polls expiry between short instruction slices while a timer is
// armed (Process.run), and sleeping syscalls wake at the next deadline.
//
// Times are microseconds as plain numbers.

import { SIGALRM, SIGVTALRM, SIGPROF } from '../errors';

export const ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;
const SIGNALS = [SIGALRM, SIGVTALRM, SIGPROF];

/** The clock each timer counts on, in microseconds. */
export function timerClock(which: number): number {
  if (which === ITIMER_REAL) return performance.now() * 1000;
  const u = process.cpuUsage();
  return which === ITIMER_VIRTUAL ? u.user : u.user + u.system;
}

export class ITimers {
  /** Absolute expiry per timer on its clock (0 = disarmed). */
  private readonly expiry = [0, 0, 0];
  private readonly interval = [0, 0, 0];
  /** Some timer is armed (the run loop then polls). */
  armed = false;

  /** Arm or disarm `which`; returns the previous [value, interval] as getitimer would have. */
  set(which: number, valueUs: number, intervalUs: number): [number, number] {
    const old = this.get(which);
    const now = timerClock(which);
    this.expiry[which] = valueUs > 0 ? now + valueUs : 0;
    this.interval[which] = valueUs > 0 ? intervalUs : 0;
    this.armed = this.expiry.some(e => e > 0);
    return old;
  }

  /** Time left and the reload interval; an armed timer whose time is up still shows 1 us (as Linux). */
  get(which: number): [number, number] {
    const e = this.expiry[which];
    if (!e) return [0, this.interval[which]];
    return [Math.max(1, Math.round(e - timerClock(which))), this.interval[which]];
  }

  /** Microseconds until the next ITIMER_REAL expiry (the one a sleep can wait for), or Infinity. */
  realRemaining(): number {
    const e = this.expiry[ITIMER_REAL];
    return e ? Math.max(0, e - timerClock(ITIMER_REAL)) : Infinity;
  }

  /** Fire the timers whose time has come: `send` gets each timer's signal; periodic ones re-arm. */
  expire(send: (sig: number) => void): void {
    for (let w = 0; w < 3; w++) {
      const e = this.expiry[w];
      if (!e) continue;
      const now = timerClock(w);
      if (now < e) continue;
      const iv = this.interval[w];
      if (iv > 0) {
        // Overruns collapse into one signal (the signal is not queued twice); the period stays aligned.
        this.expiry[w] = e + Math.ceil((now - e + 1) / iv) * iv;
      } else {
        this.expiry[w] = 0;
      }
      send(SIGNALS[w]);
    }
    this.armed = this.expiry.some(x => x > 0);
  }
}
