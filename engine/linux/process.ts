// A Linux process as the emulator runs it: one thread, its address space, file descriptors, signal
// state, and the "kernel" entry points the CPU calls (syscall, exceptions, return-to-user work). The
// processes of one guest live in a Machine (machine.ts), which schedules them once there is more than one;
// fork, execve and exit are in fork.ts and execve.ts.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cpu, CpuHooks, TIF_SIGPENDING, TIF_UPROBE, STOP_EXIT, STOP_BUDGET } from '../cpu/cpu';
import '../cpu/families';
import { Memory, PAGE_SIZE, TASK_SIZE, CodeWriteListener } from '../memory';
import { ElfFile } from '../elf/elf';
import { mapImage, setupStack, LoadedImage, MMAP_BASE } from './exec';
import { loadInterp, reserveVdso, LoadedInterp } from './interp';
import { UserError, GuestFault, signalName, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGKILL, SI_KERNEL, TRAP_TRACE,
  TRAP_BRKPT, FPE_INTDIV } from '../errors';
import { Stdio, hostStdio, fileIdent, sleepMs, FdTable } from './files';
import { syscalls, SYSCALL_NAMES, NO_RETURN, BLOCKED, RESTART } from './syscalls/table';
import { SignalState, PendingSignal, SIG_DFL, SIG_IGN, SA_RESTART, DEFAULT_IGNORE, sigbit } from './signals';
import { Machine } from './machine';
import { ITimers } from './itimers';
import { RAX, RDI, RSI, RDX, R10, R8, R9, RCX, R11 } from '../cpu/regs';
import { Mnemonic } from 'iced-x86';
import { Insn, OK_MEM } from '../cpu/insn';
import './syscalls/all';

export interface ProcessOptions {
  /** Path of the executable on the host. */
  program: string;
  /** argv (argv[0] defaults to the program path as given). */
  argv?: string[];
  env?: string[];
  cwd?: string;
  stdio?: Stdio;
  /** Verbose diagnostics (unknown syscalls...) go here. */
  log?: (line: string) => void;
  pid?: number;
  /** Cap on resident guest memory in bytes (all the guest's processes together). */
  maxMemory?: number;
  /** Most processes the guest may have at once (fork fails with EAGAIN past it). */
  maxProcs?: number;
  /** Directories the guest may write into (host paths). */
  allowWrite?: string[];
}

/** How the process ended. */
export interface ExitInfo {
  /** Exit status as a shell sees it: the guest's code, or 128+signal. */
  status: number;
  code?: number;
  signal?: number;
  /** For a fatal fault: what happened, in one line. */
  message?: string;
}

let nextPid = 4000;
/** A pid for a new process (initial ones and children alike: unique within this host process). */
export function allocPid(): number { return nextPid++; }

/** What the rest of the engine (the uprobes model) follows in a process's life. */
export interface ProcessListener {
  /** fork/vfork/clone made `child` (`sharedVm`: it shares this process's memory, CLONE_VM). */
  fork?(child: Process, sharedVm: boolean): void;
  /** execve replaced the image: a new `mem` and `cpu`. */
  exec?(): void;
  exit?(): void;
}

/** A syscall waiting for something (data in a pipe, a child's exit, time): retried until it completes. */
export interface Wait {
  /** The syscall's result, or BLOCKED to go on waiting. */
  retry: () => number;
  /** performance.now() time after which retry() completes whatever happens (Infinity: none). */
  deadline: number;
}

export class Process implements CpuHooks {
  mem: Memory;
  cpu: Cpu;
  readonly pid: number;
  comm: string;
  exePath: string;
  elf: ElfFile;
  image!: LoadedImage;
  /** The program interpreter (ld.so) of a dynamically linked executable, once started. */
  interp: LoadedInterp | null = null;
  brkStart = 0;
  brk = 0;
  mmapBase = MMAP_BASE;
  /** Descriptors: open file descriptions shared with dups and forked children, and the close-on-exec flags. */
  fds = new FdTable();
  cwd: string;
  umask = 0o022;
  readonly stdio: Stdio;
  /** The guest's processes, their limits and the scheduler. */
  readonly machine: Machine;
  /** The parent inside the guest; null for the first process (its parent is the host) and for orphans. */
  parent: Process | null = null;
  /** Children not yet reaped (running or zombies). */
  readonly children = new Set<Process>();
  pgid: number;
  sid: number;
  /** The signal sent to the parent at exit (SIGCHLD for fork; clone's low byte). */
  exitSignal = 17;
  /** A syscall this process is parked in (the scheduler retries it), or null. */
  wait: Wait | null = null;
  /** Its CPU is being run by Process.run or the Machine (a blocking syscall can then park). */
  scheduled = false;
  /** sched_yield asked to end the slice. */
  yielded = false;
  /** For a CLONE_VFORK child: the parent waits until this turns true (exec or exit). */
  vforkDone = true;
  /** What other parts of the engine follow (uprobes); not inherited by children. */
  listeners: ProcessListener[] = [];
  /** The code-write listener this process's CPU put on its memory (needed when memory is shared). */
  codeWrite: CodeWriteListener;
  /** exit's cleanup has run. */
  private released = false;
  readonly sig = new SignalState();
  exit: ExitInfo | null = null;
  log: (line: string) => void;
  tidAddress = 0;
  allowWrite: string[];
  /** Called on return to user mode when TIF_UPROBE is set (the uprobes model installs it). */
  uprobeNotifyResume: ((p: Process) => void) | null = null;
  /** Called when a signal is about to be delivered; returns false to hold it back (uprobes during XOL). */
  signalFilter: ((p: Process, sig: number) => boolean) | null = null;
  /** Called when a synchronous fault is raised (uprobes abort XOL on a fault in the slot). */
  onFault: ((p: Process, sig: number) => void) | null = null;
  /** Log every implemented syscall with its raw arguments and result (strace-like, for debugging). */
  traceSyscalls = false;
  /** Interval timers (setitimer, alarm). */
  readonly timers = new ITimers();
  /**
   * The task's record of its last hardware exception, as the kernel keeps it in thread_struct and copies
   * into every signal frame's sigcontext (so a later kill() frame still shows the last fault's values).
   */
  trapNo = 0;
  faultErr = 0;
  cr2 = 0;
  /** icount at the last fault-class exception: the flags image of its frame has RF set, as the CPU pushes. */
  private rfIcount = -1;
  /** Test hook: signals to raise when execution reaches an address (see raiseAt). */
  private readonly raiseAtList = new Map<number, number[]>();
  argv: (string | Uint8Array)[];
  envp: (string | Uint8Array)[];

  /**
   * A new process for `opts.program`; or, with `forkOf`, the child of a fork: a copy of the parent (its
   * registers, signal dispositions, descriptors...) over the memory given (a copy, or the parent's own).
   */
  constructor(opts: ProcessOptions, forkOf?: { parent: Process; mem: Memory }) {
    if (forkOf) {
      const par = forkOf.parent;
      this.machine = par.machine;
      this.log = par.log;
      this.stdio = par.stdio;
      this.pid = allocPid();
      this.pgid = par.pgid; this.sid = par.sid;
      this.parent = par;
      this.cwd = par.cwd; this.umask = par.umask;
      this.allowWrite = par.allowWrite;
      this.traceSyscalls = par.traceSyscalls;
      this.exePath = par.exePath; this.elf = par.elf; this.image = par.image; this.interp = par.interp;
      this.comm = par.comm; this.argv = par.argv; this.envp = par.envp;
      this.brkStart = par.brkStart; this.brk = par.brk; this.mmapBase = par.mmapBase;
      this.trapNo = par.trapNo; this.faultErr = par.faultErr; this.cr2 = par.cr2;
      this.fds = par.fds.copy();
      const s = this.sig, ps = par.sig;
      s.actions = ps.actions.map(a => ({ ...a }));
      s.blocked = ps.blocked;
      s.altStack = { ...ps.altStack };
      this.mem = forkOf.mem;
      this.cpu = new Cpu(this.mem, this);
      this.codeWrite = this.mem.onCodeWrite;
      return;
    }
    this.log = opts.log ?? (() => {});
    this.stdio = opts.stdio ?? hostStdio();
    this.pid = opts.pid ?? nextPid++;
    this.pgid = this.sid = this.pid;
    this.machine = new Machine(this.log);
    if (opts.maxProcs) this.machine.maxProcs = opts.maxProcs;
    this.cwd = opts.cwd ?? process.cwd();
    this.allowWrite = (opts.allowWrite ?? []).map(d => path.resolve(d));
    this.mem = new Memory();
    if (opts.maxMemory) this.mem.maxResidentPages = Math.ceil(opts.maxMemory / PAGE_SIZE);
    const prog = opts.program;
    let data: Buffer;
    let st: fs.Stats;
    try { st = fs.statSync(prog); } catch { throw new UserError(`${prog}: no such file`); }
    if (st.isDirectory()) throw new UserError(`${prog}: is a directory`);
    if (!st.isFile()) throw new UserError(`${prog}: not a regular file`);
    try { data = fs.readFileSync(prog); } catch (e) { throw new UserError(`${prog}: cannot read (${(e as NodeJS.ErrnoException).code})`); }
    this.elf = ElfFile.parse(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), prog);
    this.exePath = path.resolve(prog);
    this.comm = path.basename(prog).slice(0, 15);
    this.argv = opts.argv ?? [prog];
    this.envp = opts.env ?? [];
    this.cpu = new Cpu(this.mem, this);
    this.codeWrite = this.mem.onCodeWrite;
    this.fds.set(0, { kind: 'stdin', hostFd: -1, path: '/dev/stdin', pos: 0, flags: 0 });
    this.fds.set(1, { kind: 'stdout', hostFd: -1, path: '/dev/stdout', pos: 0, flags: 1 });
    this.fds.set(2, { kind: 'stderr', hostFd: -1, path: '/dev/stderr', pos: 0, flags: 1 });
    this.machine.add(this, null);
  }

  /** Map the image and build the stack: the state right before the first instruction. */
  start(): void {
    const l = loadProgram(this.mem, this.cpu, this.elf, this.exePath, this.argv, this.envp, this.argv[0] ?? this.exePath, this.mmapBase);
    this.image = l.image;
    this.interp = l.interp;
    this.brkStart = this.brk = l.brk;
  }

  /**
   * Run until exit or until `budget` instructions; returns true if the process ended. While an interval
   * timer is armed the CPU runs in short slices and expiry is checked between them (the timer interrupt):
   * a due signal is delivered before the next instruction. Once the guest has other processes (or this
   * one waits in a syscall), the Machine runs them all in turn until this one ends.
   */
  run(budget = Infinity): boolean {
    const m = this.machine;
    while (!this.exit) {
      if (m.multi || this.wait) return m.runUntilExit(this, budget);
      const cpu = this.cpu;
      const n = Math.min(budget, this.timers.armed ? TIMER_SLICE : 1e6);
      const before = cpu.icount;
      this.scheduled = true;
      let r: number;
      try { r = cpu.run(n); } finally { this.scheduled = false; }
      const used = cpu.icount - before;
      m.insns += used;
      if (r === STOP_EXIT || this.exit) return true;
      if (r !== STOP_BUDGET) {
        // Parked in a syscall, sched_yield, or execve replaced the CPU: go on. Else a stop was requested.
        if (this.yielded) this.yielded = false;
        else if (!this.wait && this.cpu === cpu) return false;
        budget -= used;
      } else {
        budget -= n - cpu.unspent;
      }
      if (this.timers.armed) this.pollTimers();
      if (budget <= 0) return false;
    }
    return true;
  }

  /**
   * A blocking syscall's wait: `attempt` returns the result, or BLOCKED while the syscall must wait (it
   * checks for interrupting signals itself). Alone in the machine, the process waits here (the host sleeps
   * until `deadline`, the next interval timer, or for ever if nothing can wake it, as Linux would); with
   * other processes, it is parked: BLOCKED goes back to the syscall entry and the scheduler retries.
   */
  waitFor(attempt: () => number, deadline = Infinity): number {
    if (this.timers.armed) this.pollTimers();
    let r = attempt();
    if (r !== BLOCKED) return r;
    if (this.machine.multi) {
      this.wait = { retry: attempt, deadline };
      return BLOCKED;
    }
    let warned = false;
    for (;;) {
      const now = performance.now();
      const wait = Math.min(deadline - now, this.timers.realRemaining() / 1000);
      if (wait === Infinity && !warned) { this.log('blocked with no timer armed: nothing can wake the guest'); warned = true; }
      sleepMs(wait === Infinity ? 3600e3 : Math.max(wait, 0.05));
      if (this.timers.armed) this.pollTimers();
      r = attempt();
      if (r !== BLOCKED) return r;
    }
  }

  /**
   * What a blocked syscall returns when a signal can be delivered: RESTART for one that no handler will
   * see (ignored: dropped on delivery), or whose handler asked SA_RESTART of a `restartable` call (read,
   * write, wait4: the kernel's -ERESTARTSYS); -EINTR otherwise; 0 when no signal is deliverable.
   */
  interrupted(restartable: boolean): number {
    const k = this.sig.next();
    if (k < 0) return 0;
    const sig = this.sig.pending[k].sig;
    const act = this.sig.actions[sig];
    if (sig === SIGKILL) return -4;
    if (act.handler === SIG_IGN || (act.handler === SIG_DFL && (DEFAULT_IGNORE & sigbit(sig)) !== 0n)) return RESTART;
    if (act.handler !== SIG_DFL && restartable && (act.flags & SA_RESTART)) return RESTART;
    return -4; // EINTR
  }

  /** The scheduler's retry of a parked syscall: true if it completed (the process may run on). */
  resumeWait(): boolean {
    // SIGKILL ends any wait (even the vfork parent's, which ignores other signals).
    const r = this.sig.pending.some(s => s.sig === SIGKILL) ? -4 : this.wait!.retry();
    if (r === BLOCKED) return false;
    this.wait = null;
    const cpu = this.cpu;
    if (r === RESTART) { cpu.tif |= TIF_SIGPENDING; return true; } // ip stays on the syscall instruction
    cpu.rip += 2;
    if (r !== NO_RETURN) cpu.set(RAX, r);
    return true;
  }

  /** Send the signals of expired interval timers (SI_KERNEL, as the kernel's it_real_fn does). */
  pollTimers(): void {
    this.timers.expire(sig => this.kill(sig, { code: SI_KERNEL }));
  }

  /** recalc_sigpending: raise TIF_SIGPENDING if a signal can be delivered (after mask changes, XOL...). */
  recalcSigpending(): void {
    if (this.sig.hasDeliverable()) this.cpu.tif |= TIF_SIGPENDING;
  }

  /** The RFLAGS image a signal frame saves: RF is set when the frame follows a fault-class exception. */
  frameFlags(): number {
    return this.cpu.f.get() | (this.rfIcount === this.cpu.icount ? 0x10000 : 0);
  }

  /**
   * Test hook: when the CPU is about to execute the instruction at `ip` (at the instruction boundary,
   * before it runs), queue `sig` as if it had just arrived asynchronously (SI_USER from this process), as
   * a timer or another process's kill() arriving at that moment would. One-shot per call; several calls
   * for one address raise in order. Costs nothing when no raise is armed: the check rides on the
   * return-to-user work bits (TIF_RAISE_AT) only while some raise is pending.
   */
  raiseAt(ip: number, sig: number): void {
    const l = this.raiseAtList.get(ip);
    if (l) l.push(sig); else this.raiseAtList.set(ip, [sig]);
    this.cpu.tif |= TIF_RAISE_AT;
  }

  private checkRaiseAt(cpu: Cpu): void {
    const l = this.raiseAtList.get(cpu.rip);
    if (l) {
      const sig = l.shift()!;
      if (!l.length) this.raiseAtList.delete(cpu.rip);
      this.kill(sig, { code: 0, pid: this.pid, uid: process.getuid?.() ?? 0 });
    }
    if (!this.raiseAtList.size) cpu.tif &= ~TIF_RAISE_AT;
  }

  // ---- CpuHooks ---------------------------------------------------------------------------------

  syscall(cpu: Cpu): void {
    const nr = cpu.get(RAX);
    const a = [cpu.get(RDI), cpu.get(RSI), cpu.get(RDX), cpu.get(R10), cpu.get(R8), cpu.get(R9)];
    // The syscall instruction clobbers rcx (return address) and r11 (rflags).
    cpu.set(RCX, cpu.rip);
    cpu.setHalves(R11, cpu.f.get(), 0);
    const e = syscalls[nr];
    let ret: number;
    if (this.wait) {
      // A parked syscall executed again (a debugger stepping this CPU): the same wait goes on.
      ret = this.wait.retry();
    } else if (!e) {
      this.log(`syscall ${nr} (${SYSCALL_NAMES[nr] ?? 'unknown'}) not implemented: -ENOSYS`);
      ret = -38;
    } else {
      ret = e.fn(this, a);
      if (this.traceSyscalls) this.log(`${e.name}(${a.map(x => (x < 0 ? '-0x' : '0x') + Math.abs(x).toString(16)).join(', ')}) = ${ret === NO_RETURN ? '?' : ret === BLOCKED ? '(blocks)' : ret}`);
    }
    if (this.exit || this.cpu !== cpu) return; // ended, or execve replaced the CPU
    if (ret === BLOCKED) {
      if (this.scheduled) {
        // Parked: back on the syscall instruction, the CPU stops, the scheduler runs others.
        cpu.rip -= 2;
        cpu.stopRequested = true;
        return;
      }
      // Nobody schedules this CPU (a debugger steps it): run the others here until the wait is over.
      ret = this.machine.waitNested(this);
      if (this.exit) return;
    }
    this.wait = null;
    if (ret === RESTART) {
      // Restart after the signal: ip back on the syscall instruction, rax still the syscall number.
      cpu.rip -= 2;
      cpu.tif |= TIF_SIGPENDING;
      return;
    }
    if (ret !== NO_RETURN) cpu.set(RAX, ret);
  }

  signal(cpu: Cpu, sig: number, code: number, addr: number, detail: string): void {
    // A synchronous exception: forced (unblocked, default action if ignored) as force_sig_fault does.
    this.recordTrap(sig, code, addr);
    this.onFault?.(this, sig);
    this.sig.force(sig, code, addr, detail, cpu.rip);
    cpu.tif |= TIF_SIGPENDING;
  }

  /**
   * What the kernel records in thread_struct for an exception (trap_nr, error_code, cr2), shown by the
   * sigcontext of the frames that follow. Faults (as opposed to traps) also leave RF in the flags image.
   */
  private recordTrap(sig: number, code: number, addr: number): void {
    let fault = true;
    switch (sig) {
      case SIGSEGV:
        if (code === SI_KERNEL) { this.trapNo = 13; this.faultErr = 0; break; } // #GP
        this.trapNo = 14;
        // Memory reports the access kind of its own faults; a kernel-half address faults earlier, in the
        // address computation, where a destination memory operand tells a write from a read.
        this.faultErr = addr >= TASK_SIZE ? 5 | (writesMemory(this.cpu.cur) ? 2 : 0) : this.mem.faultErr;
        this.cr2 = addr;
        break;
      case SIGILL: this.trapNo = 6; this.faultErr = 0; break;
      case SIGFPE: this.trapNo = code === FPE_INTDIV || code === 2 /* FPE_INTOVF */ ? 0 : 19; this.faultErr = 0; break;
      case SIGBUS: this.trapNo = 17; this.faultErr = 0; break;
      case SIGTRAP:
        fault = false;
        this.trapNo = code === TRAP_TRACE || code === TRAP_BRKPT ? 1 : 3;
        this.faultErr = 0;
        break;
      default: fault = false;
    }
    if (fault) this.rfIcount = this.cpu.icount;
  }

  exitToUser(cpu: Cpu): void {
    // Loop as the kernel's exit_to_user_mode_loop does: handling one kind of work may raise another
    // (a fault during XOL makes uprobes abort the step, then the signal is delivered).
    for (let n = 0; n < 8 && !cpu.exited; n++) {
      if (cpu.tif & TIF_RAISE_AT) this.checkRaiseAt(cpu);
      if (!(cpu.tif & (TIF_UPROBE | TIF_SIGPENDING))) break;
      if (cpu.tif & TIF_UPROBE) {
        if (cpu.stopRequested) return; // paused between uprobe phases: resume on the next run
        cpu.tif &= ~TIF_UPROBE;
        this.uprobeNotifyResume?.(this);
        continue;
      }
      cpu.tif &= ~TIF_SIGPENDING;
      this.sig.deliver(this);
    }
  }

  /** Send a signal to this process (kill, timers, the test hook); `info` fills its siginfo. */
  kill(sig: number, info: Partial<PendingSignal> = {}): boolean {
    const queued = this.sig.queue(sig, info);
    if (queued) this.recalcSigpending();
    return queued;
  }

  // ---- endings ----------------------------------------------------------------------------------

  exitGroup(code: number): void {
    if (this.exit) return;
    this.exit = { status: code & 0xff, code: code & 0xff };
    this.cpu.exited = true;
    this.release();
  }

  killedBy(sig: number, message: string): void {
    if (this.exit) return;
    this.exit = { status: 128 + sig, signal: sig, message };
    this.cpu.exited = true;
    this.release();
  }

  /**
   * do_exit's cleanup: descriptors closed (pipe ends with them), the memory let go (a vfork parent
   * resumes), children handed to init, the parent told (SIGCHLD, a zombie to reap) or, with nobody to
   * tell, the process forgotten.
   */
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.wait = null;
    this.fds.closeAll();
    this.machine.leaveMm(this, true);
    for (const l of this.listeners) l.exit?.();
    this.machine.exited(this);
  }

  /** execve's point of no return: the image loaded in `mem` (with `cpu` ready to start it) replaces this one. */
  commitExec(img: { mem: Memory; cpu: Cpu; elf: ElfFile; exePath: string; image: LoadedImage; interp: LoadedInterp | null; brk: number;
    argv: (string | Uint8Array)[]; envp: (string | Uint8Array)[]; comm: string }): void {
    const old = this.cpu;
    this.machine.leaveMm(this, false);
    this.mem = img.mem; this.cpu = img.cpu; this.codeWrite = img.mem.onCodeWrite;
    this.machine.useMm(this);
    this.elf = img.elf; this.exePath = img.exePath; this.image = img.image; this.interp = img.interp;
    this.brkStart = this.brk = img.brk; this.mmapBase = MMAP_BASE;
    this.argv = img.argv; this.envp = img.envp; this.comm = img.comm;
    this.fds.closeOnExec();
    // Handlers go back to the default (an ignored signal stays ignored); the mask and pending signals stay.
    for (const a of this.sig.actions) { a.handler = a.handler === SIG_IGN ? SIG_IGN : SIG_DFL; a.flags = 0; a.mask = 0n; a.restorer = 0; }
    this.sig.altStack = { sp: 0, flags: 0, size: 0 };
    this.sig.savedMask = null;
    this.tidAddress = 0;
    this.trapNo = this.faultErr = this.cr2 = 0;
    this.rfIcount = -1;
    this.raiseAtList.clear();
    // The old CPU is inside its run loop (this syscall): it stops after it, and the new one takes over.
    old.tif = 0;
    old.stopRequested = true;
    this.recalcSigpending();
    for (const l of this.listeners) l.exec?.();
  }

  /** A one-line description of a fatal signal, as the CLI prints it. */
  static describeFatal(sig: number, ip: number, addr: number, detail: string): string {
    // Addresses come from the guest: negative (sign-extended) or, for a wild ELF entry, not even finite.
    const hex = (v: number): string => !Number.isFinite(v) ? '?(beyond 2^53)'
      : (v < 0 ? BigInt.asUintN(64, BigInt(Math.trunc(v))) : BigInt(Math.trunc(v))).toString(16);
    let s = `guest killed by ${signalName(sig)} at 0x${hex(ip)}`;
    if (sig === 11 || sig === 7) s += ` (address 0x${hex(addr)})`;
    if (detail) s += `: ${detail}`;
    return s;
  }
}

/** The instruction stores to its memory operand (operand 0 is memory and it is not a pure read). */
function writesMemory(i: Insn | null): boolean {
  if (!i || i.kind[0] !== OK_MEM) return false;
  const m = i.mnemonic;
  return m !== Mnemonic.Cmp && m !== Mnemonic.Test && m !== Mnemonic.Bt && m !== Mnemonic.Push &&
    m !== Mnemonic.Jmp && m !== Mnemonic.Call && m !== Mnemonic.Prefetcht0 && m !== Mnemonic.Ucomisd &&
    m !== Mnemonic.Comisd && m !== Mnemonic.Ucomiss && m !== Mnemonic.Comiss;
}

/**
 * Load an executable (and its interpreter) into `mem` and set `cpu` at its first instruction, with the
 * initial stack Linux builds. Throws UserError when the program cannot be loaded.
 */
export function loadProgram(mem: Memory, cpu: Cpu, elf: ElfFile, exePath: string, argv: (string | Uint8Array)[],
  envp: (string | Uint8Array)[], execfn: string | Uint8Array, mmapBase: number): { image: LoadedImage; interp: LoadedInterp | null; brk: number } {
  const image = mapImage(mem, elf, exePath, fileIdent(exePath));
  const brk = Math.ceil(image.end / PAGE_SIZE) * PAGE_SIZE;
  let interp: LoadedInterp | null = null;
  if (elf.interp) {
    // A dynamically linked program starts in its interpreter, which finds the program through auxv.
    interp = loadInterp(mem, elf.interp, mmapBase);
    reserveVdso(mem, mmapBase);
  }
  const rsp = setupStack(mem, {
    argv, envp, execfn, image, elf,
    uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, interpBase: interp?.image.bias,
  });
  cpu.r.fill(0);
  cpu.rsp = rsp;
  cpu.rip = interp ? interp.image.entry : image.entry;
  cpu.f.load(0x202);
  return { image, interp, brk };
}

/** Instructions per run slice while an interval timer is armed (bounds the signal's lateness). */
export const TIMER_SLICE = 20000;
/** Return-to-user work bit of the raiseAt test hook (beside cpu.ts's TIF_UPROBE/SIGPENDING/NOTIFY). */
export const TIF_RAISE_AT = 8;

export { NO_RETURN };
export { GuestFault };
