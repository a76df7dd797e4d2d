// A Linux process as the emulator runs it: one thread, its address space, file descriptors, signal
// state, and the "kernel" entry points the CPU calls (syscall, exceptions, return-to-user work).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cpu, CpuHooks, TIF_SIGPENDING, TIF_UPROBE, STOP_EXIT } from '../cpu/cpu';
import '../cpu/families';
import { Memory, PAGE_SIZE } from '../memory';
import { ElfFile } from '../elf/elf';
import { mapImage, setupStack, LoadedImage, MMAP_BASE } from './exec';
import { UserError, GuestFault, signalName } from '../errors';
import { OpenFile, Stdio, hostStdio, fileIdent } from './files';
import { syscalls, SYSCALL_NAMES } from './syscalls/table';
import { SignalState } from './signals';
import { RAX, RDI, RSI, RDX, R10, R8, R9, RCX, R11 } from '../cpu/regs';
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
  /** Observers of guest output (the debugger shows it). */
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
    if (this.elf.interp) {
      throw new UserError(`${prog}: dynamically linked (interpreter ${this.elf.interp}); only static executables are supported`);
    }
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
    const rsp = setupStack(this.mem, {
      argv: this.argv, envp: this.envp, execfn: this.argv[0] ?? this.exePath, image: this.image, elf: this.elf,
      uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0,
    });
    const c = this.cpu;
    c.r.fill(0);
    c.rsp = rsp;
    c.rip = this.image.entry;
    c.f.load(0x202);
  }

  /** Run until exit or until `budget` instructions; returns true if the process ended. */
  run(budget = Infinity): boolean {
    while (!this.exit) {
      const n = Math.min(budget, 1e6);
      const r = this.cpu.run(n);
      if (r === STOP_EXIT || this.exit) return true;
      if (r !== 0) return false; // stop requested
      budget -= n;
      if (budget <= 0) return false;
    }
    return true;
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
    }
    if (this.exit) return;
    if (ret !== NO_RETURN) cpu.set(RAX, ret);
  }

  signal(cpu: Cpu, sig: number, code: number, addr: number, detail: string): void {
    // A synchronous exception: forced (unblocked, default action if ignored) as force_sig_fault does.
    this.onFault?.(this, sig);
    this.sig.force(sig, code, addr, detail, cpu.rip);
    cpu.tif |= TIF_SIGPENDING;
  }

  exitToUser(cpu: Cpu): void {
    // Loop as the kernel's exit_to_user_mode_loop does: handling one kind of work may raise another
    // (a fault during XOL makes uprobes abort the step, then the signal is delivered).
    for (let n = 0; n < 8 && (cpu.tif & (TIF_UPROBE | TIF_SIGPENDING)) && !cpu.exited; n++) {
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

  /** Queue an asynchronous signal (kill, timers, the test hook). */
  kill(sig: number): void {
    this.sig.queue(sig);
    this.cpu.tif |= TIF_SIGPENDING;
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
    let s = `guest killed by ${signalName(sig)} at 0x${ip.toString(16)}`;
    if (sig === 11 || sig === 7) s += ` (address 0x${addr.toString(16)})`;
    if (detail) s += `: ${detail}`;
    return s;
  }
}

/** A syscall handler's result that leaves rax as the handler set it (rt_sigreturn). */
export const NO_RETURN = 0x7fffffffffff;
export { GuestFault };
