// The guest's processes as one machine: the process table, who shares which address space, the limits
// that contain a guest (how many processes at once; instructions and memory counted across all of them),
// and the scheduler that runs them in turn on the one host thread.
//
// Scheduling is round-robin in slices of SLICE instructions (shorter while an interval timer is armed). A
// process whose syscall must wait (an empty pipe, wait4, a sleep) is parked on that syscall instruction;
// each round retries the parked syscalls, and a process runs again once its syscall completes (or a signal
// interrupts it). When every process is parked, the host sleeps until the nearest deadline.

import { STOP_BUDGET, STOP_REQUESTED } from '../cpu/cpu';
import type { Memory } from '../memory';
import type { Process } from './process';
import { sleepMs } from './files';
import { BLOCKED } from './syscalls/table';

/** Processes a guest may have at once (live and zombies), as an RLIMIT_NPROC would cap them. */
export const DEFAULT_MAX_PROCS = 64;
/** Instructions a process runs before the next one gets its turn. */
export const SLICE = 100000;
/** The slice while the process has an interval timer armed (bounds a timer signal's lateness). */
const TIMER_SLICE = 20000;

export class Machine {
  /** Processes not yet reaped (running, parked, or zombies), by pid. */
  readonly table = new Map<number, Process>();
  /** Processes that have not ended, in round-robin order. */
  readonly live: Process[] = [];
  maxProcs = DEFAULT_MAX_PROCS;
  /** Instructions run by all the processes. */
  insns = 0;
  /** fork/vfork/clone calls refused because of maxProcs. */
  forksRefused = 0;
  /** Processes this machine has had (the first one included). */
  spawned = 0;
  /** The processes using each address space (several after CLONE_VM). */
  private readonly mmUsers = new Map<Memory, Process[]>();
  /** The first process (its status is the guest's; its memory stays inspectable after it ends). */
  first: Process | null = null;
  private rr = 0;
  private warnedStuck = false;

  constructor(public log: (line: string) => void) {}

  /** More than one process is running: blocking syscalls park instead of sleeping the host. */
  get multi(): boolean { return this.live.length > 1; }

  /** Enter a new process (the first one, or a child of `parent`). */
  add(p: Process, parent: Process | null): void {
    this.first ??= p;
    this.spawned++;
    this.table.set(p.pid, p);
    this.live.push(p);
    parent?.children.add(p);
    this.useMm(p);
  }

  /** Room for one more process? Counts a refusal when not. */
  canFork(): boolean {
    if (this.table.size < this.maxProcs) return true;
    this.forksRefused++;
    return false;
  }

  // ---- address spaces ---------------------------------------------------------------------------

  /** `p` uses `p.mem` (a new address space, or one it now shares). */
  useMm(p: Process): void {
    const users = this.mmUsers.get(p.mem);
    if (users) users.push(p); else this.mmUsers.set(p.mem, [p]);
    this.codeListeners(p.mem);
  }

  /** Does `mem` have other users than `p`? */
  mmShared(p: Process): boolean { return (this.mmUsers.get(p.mem)?.length ?? 0) > 1; }

  /**
   * `p` lets go of its address space (exec or exit; the kernel's mm_release): a CLONE_CHILD_CLEARTID
   * word is cleared if others still use it, a vfork parent resumes, and the pages go back to the
   * account when nobody uses it any more.
   */
  leaveMm(p: Process, exiting: boolean): void {
    const mem = p.mem;
    const users = this.mmUsers.get(mem);
    if (!users) return;
    if (users.length > 1 && p.tidAddress) { try { mem.write32(p.tidAddress, 0); } catch { /* unmapped: ignored, as put_user's failure is */ } }
    users.splice(users.indexOf(p), 1);
    p.vforkDone = true;
    if (users.length) { this.codeListeners(mem); return; }
    this.mmUsers.delete(mem);
    if (!exiting || p !== this.first) mem.release();
  }

  /** Writes to code must reach every CPU that runs from this memory (each keeps its own decoded code). */
  private codeListeners(mem: Memory): void {
    const users = this.mmUsers.get(mem);
    if (!users?.length) return;
    if (users.length === 1) { mem.onCodeWrite = users[0].codeWrite; return; }
    const ls = users.map(u => u.codeWrite);
    mem.onCodeWrite = (no) => { for (const l of ls) l(no); };
  }

  // ---- endings ----------------------------------------------------------------------------------

  /**
   * `p` ended (its descriptors and memory are already let go): out of the run queue; its children go to
   * init (which reaps them); its parent gets the exit signal and a zombie to wait for, unless it asked for
   * none (SIGCHLD ignored, SA_NOCLDWAIT) or is gone, and then `p` is forgotten at once.
   */
  exited(p: Process): void {
    const k = this.live.indexOf(p);
    if (k >= 0) {
      this.live.splice(k, 1);
      if (k < this.rr) this.rr--;
    }
    for (const c of p.children) {
      c.parent = null;
      if (c.exit) this.table.delete(c.pid);
    }
    p.children.clear();
    const par = p.parent;
    if (!par || par.exit) { this.reap(p); return; }
    if (notifyParent(p, par)) this.reap(p);
  }

  /** Forget a process (reaped by wait, by init, or never waited for). */
  reap(p: Process): void {
    this.table.delete(p.pid);
    p.parent?.children.delete(p);
  }

  // ---- scheduling ---------------------------------------------------------------------------------

  /**
   * Run the processes in turn until `target` ends (true) or `budget` instructions have run (false). A
   * stop requested on the target's CPU (a debugger, uprobes' phase pauses) also returns false.
   */
  runUntilExit(target: Process, budget: number): boolean {
    const r = this.schedule(() => target.exit !== null, budget, target, null);
    return r === 'done';
  }

  /**
   * After the first process ended: run the others until they all end (true) or `budget` runs out
   * (false). Processes that can never run again (all parked with nothing to wake them) are ended.
   */
  runRest(budget: number): boolean {
    const r = this.schedule(() => this.live.length === 0, budget, null, null, true);
    if (r === 'stuck') {
      this.log(`${this.live.length} guest process(es) left blocked for ever: ended`);
      for (const p of [...this.live]) p.killedBy(9, '');
      return true;
    }
    return r === 'done';
  }

  /**
   * A blocking syscall of a process nobody schedules (a debugger steps its CPU): run the others until
   * its wait is over; returns the syscall's result.
   */
  waitNested(p: Process): number {
    let result = BLOCKED;
    this.schedule(() => {
      if (p.exit) return true;
      if (p.timers.armed) p.pollTimers();
      result = p.wait ? p.wait.retry() : 0;
      return result !== BLOCKED;
    }, Infinity, null, p);
    return result;
  }

  private schedule(done: () => boolean, budget: number, target: Process | null, skip: Process | null,
    endIfStuck = false): 'done' | 'budget' | 'stop' | 'stuck' {
    for (;;) {
      if (done()) return 'done';
      if (budget <= 0) return 'budget';
      const p = this.pick(skip);
      if (!p) {
        if (this.idle()) continue;
        if (endIfStuck) return 'stuck';
        if (!this.warnedStuck) { this.log('every guest process is blocked and nothing can wake them'); this.warnedStuck = true; }
        sleepMs(3600e3);
        continue;
      }
      const cpu = p.cpu;
      const n = Math.min(budget, p.timers.armed ? TIMER_SLICE : SLICE);
      const before = cpu.icount;
      p.scheduled = true;
      let r: number;
      try { r = cpu.run(n); } finally { p.scheduled = false; }
      const used = cpu.icount - before;
      this.insns += used;
      budget -= r === STOP_BUDGET ? n - cpu.unspent : used;
      if (p.timers.armed) p.pollTimers();
      if (r === STOP_REQUESTED && !p.wait && p.cpu === cpu && !p.exit) {
        if (p.yielded) { p.yielded = false; continue; }
        if (p === target) return 'stop';
      }
    }
  }

  /** The next process that can run, round-robin; parked ones whose syscall can now complete included. */
  private pick(skip: Process | null): Process | null {
    const l = this.live;
    const n = l.length;
    for (let k = 0; k < n; k++) {
      const idx = (this.rr + k) % n;
      const p = l[idx];
      if (p === skip || p.exit) continue;
      if (p.timers.armed) p.pollTimers();
      if (p.wait && !p.resumeWait()) continue;
      this.rr = (idx + 1) % l.length;
      return p;
    }
    return null;
  }

  /** Nothing can run: sleep until the nearest deadline or timer. False if there is none. */
  private idle(): boolean {
    const now = performance.now();
    let next = Infinity;
    for (const p of this.live) {
      if (p.wait) next = Math.min(next, p.wait.deadline);
      if (p.timers.armed) next = Math.min(next, now + p.timers.realRemaining() / 1000);
    }
    if (next === Infinity) return false;
    sleepMs(Math.max(next - now, 0.05));
    return true;
  }
}

const SIGCHLD = 17, SIG_IGN = 1, SA_NOCLDWAIT = 2;
export const CLD_EXITED = 1, CLD_KILLED = 2;

/** siginfo_t of a child's exit, as the parent's SIGCHLD and waitid report it. */
export function childInfo(c: Process, signo: number): Uint8Array {
  const b = new Uint8Array(128);
  const dv = new DataView(b.buffer);
  const ex = c.exit!;
  dv.setInt32(0, signo, true);
  dv.setInt32(8, ex.signal ? CLD_KILLED : CLD_EXITED, true);
  dv.setInt32(16, c.pid, true);
  dv.setUint32(20, process.getuid?.() ?? 0, true);
  dv.setInt32(24, ex.signal ?? ex.code ?? 0, true);
  return b;
}

/**
 * do_notify_parent: send the child's exit signal. True when the child is reaped at once: its exit signal is
 * SIGCHLD and the parent ignores SIGCHLD (then no signal is sent) or set SA_NOCLDWAIT.
 */
function notifyParent(c: Process, par: Process): boolean {
  let sig = c.exitSignal;
  let autoreap = false;
  const act = par.sig.actions[SIGCHLD];
  if (sig === SIGCHLD && (act.handler === SIG_IGN || (act.flags & SA_NOCLDWAIT))) {
    autoreap = true;
    if (act.handler === SIG_IGN) sig = 0;
  }
  if (sig) {
    const raw = childInfo(c, sig);
    par.kill(sig, { code: new DataView(raw.buffer).getInt32(8, true), pid: c.pid, raw });
  }
  return autoreap;
}
