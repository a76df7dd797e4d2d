// A Linux process as the emulator runs it: one thread, its address space, file descriptors, signal
// state, and the "kernel" entry points the CPU calls (syscall, exceptions, return-to-user work).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cpu, CpuHooks, TIF_SIGPENDING, TIF_UPROBE, STOP_EXIT } from '../cpu/cpu';
import '../cpu/families';
import { Memory, PAGE_SIZE, TASK_SIZE } from '../memory';
import { ElfFile } from '../elf/elf';
import { mapImage, setupStack, LoadedImage, MMAP_BASE } from './exec';
import { loadInterp, reserveVdso, LoadedInterp } from './interp';
import { UserError, GuestFault, signalName, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SI_KERNEL, TRAP_TRACE,
  TRAP_BRKPT, FPE_INTDIV } from '../errors';
import { OpenFile, Stdio, hostStdio, fileIdent, sleepMs } from './files';
import { syscalls, SYSCALL_NAMES, NO_RETURN } from './syscalls/table';
import { SignalState, PendingSignal } from './signals';
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
  /** Cap on resident guest memory in bytes. */
  maxMemory?: number;
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

export class Process implements CpuHooks {
  readonly mem = new Memory();
  readonly cpu: Cpu;
  readonly pid: number;
  comm: string;
  readonly exePath: string;
  readonly elf: ElfFile;
  image!: LoadedImage;
  /** The program interpreter (ld.so) of a dynamically linked executable, once started. */
  interp: LoadedInterp | null = null;
  brkStart = 0;
  brk = 0;
  mmapBase = MMAP_BASE;
  fds = new Map<number, OpenFile>();
  cwd: string;
  umask = 0o022;
  readonly stdio: Stdio;
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
  readonly argv: string[];
  readonly envp: string[];

  constructor(opts: ProcessOptions) {
    this.log = opts.log ?? (() => {});
    this.stdio = opts.stdio ?? hostStdio();
    this.pid = opts.pid ?? nextPid++;
    this.cwd = opts.cwd ?? process.cwd();
    this.allowWrite = (opts.allowWrite ?? []).map(d => path.resolve(d));
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
    this.fds.set(0, { kind: 'stdin', hostFd: -1, path: '/dev/stdin', pos: 0, flags: 0, cloexec: false });
    this.fds.set(1, { kind: 'stdout', hostFd: -1, path: '/dev/stdout', pos: 0, flags: 1, cloexec: false });
    this.fds.set(2, { kind: 'stderr', hostFd: -1, path: '/dev/stderr', pos: 0, flags: 1, cloexec: false });
  }

  /** Map the image and build the stack: the state right before the first instruction. */
  start(): void {
    this.image = mapImage(this.mem, this.elf, this.exePath, fileIdent(this.exePath));
    this.brkStart = this.brk = Math.ceil(this.image.end / PAGE_SIZE) * PAGE_SIZE;
    if (this.elf.interp) {
      // A dynamically linked program starts in its interpreter, which finds the program through auxv.
      this.interp = loadInterp(this.mem, this.elf.interp, this.mmapBase);
      reserveVdso(this.mem, this.mmapBase);
    }
    const rsp = setupStack(this.mem, {
      argv: this.argv, envp: this.envp, execfn: this.argv[0] ?? this.exePath, image: this.image, elf: this.elf,
      uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, interpBase: this.interp?.image.bias,
    });
    const c = this.cpu;
    c.r.fill(0);
    c.rsp = rsp;
    c.rip = this.interp ? this.interp.image.entry : this.image.entry;
    c.f.load(0x202);
  }

  /**
   * Run until exit or until `budget` instructions; returns true if the process ended. While an interval
   * timer is armed the CPU runs in short slices and expiry is checked between them (the timer interrupt):
   * a due signal is delivered before the next instruction.
   */
  run(budget = Infinity): boolean {
    while (!this.exit) {
      const n = Math.min(budget, this.timers.armed ? TIMER_SLICE : 1e6);
      const r = this.cpu.run(n);
      if (r === STOP_EXIT || this.exit) return true;
      if (r !== 0) return false; // stop requested
      budget -= n;
      if (this.timers.armed) this.pollTimers();
      if (budget <= 0) return false;
    }
    return true;
  }

  /** Send the signals of expired interval timers (SI_KERNEL, as the kernel's it_real_fn does). */
  pollTimers(): void {
    this.timers.expire(sig => this.kill(sig, { code: SI_KERNEL }));
  }

  /**
   * Sleep as a task in an interruptible wait: until `timeoutUs` microseconds pass (Infinity: no limit) or
   * a signal can be delivered (or, with `wake`, one of those signals is pending even while blocked, as
   * rt_sigtimedwait waits). ITIMER_REAL expiries during the sleep send SIGALRM. Returns true when woken
   * by a signal. With nothing that could ever wake it, the guest sleeps forever, as it would on Linux.
   */
  sleep(timeoutUs: number, wake?: bigint): boolean {
    const end = performance.now() * 1000 + timeoutUs;
    let warned = false;
    for (;;) {
      if (this.timers.armed) this.pollTimers();
      if (this.sig.hasDeliverable() || (wake !== undefined && (this.sig.pendingSet() & wake) !== 0n)) return true;
      const left = end - performance.now() * 1000;
      if (left <= 0) return false;
      const wait = Math.min(left, this.timers.realRemaining());
      if (wait === Infinity && !warned) { this.log('blocked with no timer armed: nothing can wake the guest'); warned = true; }
      sleepMs(wait === Infinity ? 3600e3 : Math.max(wait / 1000, 0.05));
    }
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
    if (!e) {
      this.log(`syscall ${nr} (${SYSCALL_NAMES[nr] ?? 'unknown'}) not implemented: -ENOSYS`);
      ret = -38;
    } else {
      ret = e.fn(this, a);
      if (this.traceSyscalls) this.log(`${e.name}(${a.map(x => (x < 0 ? '-0x' : '0x') + Math.abs(x).toString(16)).join(', ')}) = ${ret === NO_RETURN ? '?' : ret}`);
    }
    if (this.exit) return;
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
    this.exit = { status: code & 0xff, code: code & 0xff };
    this.cpu.exited = true;
  }

  killedBy(sig: number, message: string): void {
    this.exit = { status: 128 + sig, signal: sig, message };
    this.cpu.exited = true;
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

/** Instructions per run slice while an interval timer is armed (bounds the signal's lateness). */
const TIMER_SLICE = 20000;
/** Return-to-user work bit of the raiseAt test hook (beside cpu.ts's TIF_UPROBE/SIGPENDING/NOTIFY). */
export const TIF_RAISE_AT = 8;

export { NO_RETURN };
export { GuestFault };
