// The debugger's runtime: one emulated process with the uprobes model attached, the debugger's
// breakpoints as uprobe consumers, the `uprobe_events` probes of the launch configuration, and the run
// loop. The engine is synchronous, so the guest runs in slices (a few milliseconds each) scheduled with
// setImmediate: requests that arrive while it runs (pause, breakpoint changes, disconnect) are served
// between slices.
//
// Stepping is built on one primitive, stepOne(): execute one guest instruction. When that instruction
// is a probed one (or the task is in the middle of a hit), it walks the uprobes path with the task's
// `stepPhases` set, so that the CPU stops after each phase: the hit and its handlers, pre_xol (ip in
// the slot), the single-step with post_xol (ip at the result). With `xolStepping`, a user's step from a
// uprobe stop advances exactly one phase; otherwise the phases are walked to the end inside the step.
// A step that ends on a probed instruction also takes the hit there (the int3 runs, handlers run), so
// a breakpoint at the next instruction is reported by the step that reaches it, not by the next resume.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Process } from '../engine/linux/process';
import type { Stdio } from '../engine/linux/files';
import { fileIdent } from '../engine/linux/files';
import { Uprobes, UprobeMm } from '../engine/uprobes/uprobes';
import type { Uprobe } from '../engine/uprobes/uprobe';
import type { UprobeConsumer, UprobeEvent } from '../engine/uprobes/types';
import { TraceUprobes, TraceRecord, traceClock } from '../engine/uprobes/trace_uprobe';
import { TraceError, parseCommand, formatTraceLine, UPROBE_TRACE_FLAGS } from '../engine/trace';
import type { FetchContext } from '../engine/trace';
import { LineTable, LineEntry } from '../engine/dwarf';
import { TIF_SIGPENDING } from '../engine/cpu/cpu';
import { RBP } from '../engine/cpu/regs';
import { PROT_EXEC } from '../engine/memory';
import { STT_FUNC, STT_GNU_IFUNC } from '../engine/elf/elf';
import type { ElfFile, Segment } from '../engine/elf/elf';
import { UserError, signalName, SIGKILL, SIGSEGV, SIGBUS, SIGFPE } from '../engine/errors';
import { SIG_DFL, SIG_IGN, DEFAULT_IGNORE, sigbit, PendingSignal } from '../engine/linux/signals';
import { Mnemonic } from 'iced-x86';
import { BreakpointConsumer, DebugBreakpoint, BreakpointSpec, Registration, specKey } from './breakpoints';
import { Condition, ExprError, HitCondition, LogTemplate } from './expr';
import { XolTracker, XolStateBody } from './xolstate';
import { unwind, UnwindEnv, UnwindFrame } from './unwind';

/** The PT_LOAD segments of each program file (ElfFile.loads() makes a new list at each call). */
const loadSegments = new WeakMap<ElfFile, Segment[]>();

export interface LaunchArgs {
  program: string;
  args?: string[];
  cwd?: string;
  /** Variables added to (or, with null, removed from) the adapter's environment; or a KEY=VALUE list. */
  env?: Record<string, string | null> | string[];
  stopOnEntry?: boolean;
  /** Extra `uprobe_events` definitions. */
  probes?: string[];
  model?: 'current' | '2012';
  /** Step through the kernel's XOL path from a uprobe stop (default true). */
  xolStepping?: boolean;
  /** Write trace lines (probes and logpoints) to this file. */
  traceFile?: string;
  /** Disassembly syntax: AT&T (default) or Intel. */
  disassemblySyntax?: 'att' | 'intel';
  /** A host file the guest reads as its standard input (default: empty). */
  stdin?: string;
  /** Allow probes that are not on an instruction boundary. */
  unsafe?: boolean;
}

export type StopReason = 'entry' | 'breakpoint' | 'step' | 'pause' | 'exception';

export interface ExceptionDetails { id: string; description: string; signal: number; address?: number }

export interface StopInfo {
  reason: StopReason;
  hitBreakpointIds?: number[];
  description?: string;
  text?: string;
  exception?: ExceptionDetails;
}

export interface TraceLine extends TraceRecord { source: 'probe' | 'logpoint' }

export interface RuntimeEvents {
  stopped(s: StopInfo): void;
  continued(): void;
  output(category: 'stdout' | 'stderr' | 'console' | 'important', text: string): void;
  exited(status: number): void;
  terminated(): void;
  breakpointChanged(bp: DebugBreakpoint): void;
  xolState(body: XolStateBody): void;
  trace(line: TraceLine): void;
  /**
   * Bytes of protocol messages written for the client but not yet taken by it (the transport's queue).
   * Absent when the session has no stream to watch (in-process): the guest is then never held back.
   */
  backlog?(): number;
  /** Call `f` once when the transport's queue has drained (replaces an earlier `f`). */
  whenDrained?(f: () => void): void;
}

export type StepKind = 'in' | 'over' | 'out';
export type Granularity = 'statement' | 'line' | 'instruction';

/** Guest instructions per CPU run between checks while continuing. */
const CHUNK = 50_000;
/** Milliseconds of guest work per slice before yielding to the event loop. */
const SLICE_MS = 8;
/** Least interval between xolState events while the guest runs freely. */
const XOL_EVENT_MS = 100;
/**
 * Guest output flow control. Output goes to the client in events of at most OUTPUT_EVENT_CHARS
 * characters; while more than OUTPUT_HIGH_WATER bytes wait in the transport's queue (the client reads
 * slower than the guest writes), the guest is held between instructions until the queue drains. Nothing
 * is dropped; the memory held for output is about the high-water mark plus one guest write.
 */
const OUTPUT_EVENT_CHARS = 32 * 1024;
const OUTPUT_HIGH_WATER = 4 * 1024 * 1024;
/** While held, the queue is looked at again after this long even if no drain was signalled. */
const DRAIN_RECHECK_MS = 250;

type Job = { kind: 'continue' } | { kind: 'step'; gen: Generator<void, StopInfo | null> };

export class Runtime {
  p: Process | null = null;
  uprobes: Uprobes | null = null;
  mm: UprobeMm | null = null;
  tracer: TraceUprobes | null = null;
  lines: LineTable = new LineTable([]);
  args: LaunchArgs | null = null;
  syntax: 'att' | 'intel' = 'att';
  xolStepping = true;
  xol = new XolTracker('current');
  state: 'idle' | 'stopped' | 'running' | 'exited' = 'idle';
  lastStop: StopInfo | null = null;
  /** Every breakpoint by id. */
  readonly bps = new Map<number, DebugBreakpoint>();
  private nextBpId = 1;
  private exeIdent = '';
  private job: Job | null = null;
  private scheduled = false;
  private pauseRequested = false;
  /** A stop asked for during the current run (breakpoint consumers, signal stops). */
  private pendingStop: StopInfo | null = null;
  /** Make the next uprobe hit stop after its handlers whatever the consumers say (stepping onto a probe). */
  private forceHitStop = false;
  /** Which signals stop the debugger (the exception filters). */
  signalStops = { faults: true, fatal: true, handled: false };
  /** A signal the user let through by resuming after its exception stop. */
  private passSignal = 0;
  private heldSignal = 0;
  private outBuf: Array<{ cat: 'stdout' | 'stderr'; text: string }> = [];
  /** Characters in outBuf. */
  private outChars = 0;
  /** The guest is held until the client has taken the queued output. */
  private waitingDrain = false;
  private decoders = { 1: new TextDecoder('utf-8'), 2: new TextDecoder('utf-8') };
  private traceQueue: TraceLine[] = [];
  private traceFd: number | null = null;
  private stdinData: Uint8Array = new Uint8Array(0);
  private stdinPos = 0;
  private disposeListener: (() => void) | null = null;

  constructor(private ev: RuntimeEvents) {}

  // ---- launch ---------------------------------------------------------------------------------

  /** Create the process (mapped, not yet run) and everything attached to it. Throws UserError. */
  launch(args: LaunchArgs): void {
    if (!args || typeof args.program !== 'string' || !args.program) throw new UserError('launch: "program" (path of a static x86_64 ELF executable) is required');
    this.args = args;
    this.syntax = args.disassemblySyntax === 'intel' ? 'intel' : 'att';
    this.xolStepping = args.xolStepping !== false;
    const model = args.model ?? 'current';
    if (model !== 'current' && model !== '2012') throw new UserError(`launch: "model" is "current" or "2012", not "${String(model)}"`);
    const cwd = path.resolve(args.cwd ?? process.cwd());
    if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory()) throw new UserError(`launch: cwd ${cwd} is not a directory`);
    const program = path.resolve(cwd, args.program);
    this.stdinData = new Uint8Array(0);
    this.stdinPos = 0;
    if (args.stdin) {
      try { this.stdinData = fs.readFileSync(path.resolve(cwd, args.stdin)); } catch { throw new UserError(`launch: cannot read stdin file ${args.stdin}`); }
    }
    const p = new Process({
      program, argv: [args.program, ...(args.args ?? []).map(String)], env: buildEnv(args.env), cwd,
      stdio: this.stdio(), log: (l) => this.ev.output('console', `uprobe-lab: ${l}\n`),
    });
    p.start();
    const uprobes = new Uprobes({ model, unsafe: args.unsafe === true });
    const mm = uprobes.attach(p);
    // Signal stops: the uprobes model's filter first (signals wait while the task is in a slot).
    const uprobesFilter = p.signalFilter;
    p.signalFilter = (pp, sig) => {
      if (uprobesFilter && !uprobesFilter(pp, sig)) return false;
      return this.signalGate(pp, sig);
    };
    this.disposeListener = uprobes.on(e => this.onUprobeEvent(e));
    this.p = p; this.uprobes = uprobes; this.mm = mm;
    this.exeIdent = fileIdent(p.exePath);
    this.xol = new XolTracker(model);
    this.lines = LineTable.fromElf(p.elf);
    for (const w of this.lines.warnings) this.ev.output('console', `uprobe-lab: debug info: ${w}\n`);
    if (this.traceFd !== null) { try { fs.closeSync(this.traceFd); } catch { /* closed */ } this.traceFd = null; }
    if (args.traceFile) {
      try { this.traceFd = fs.openSync(path.resolve(cwd, args.traceFile), 'w'); }
      catch (e) { throw new UserError(`launch: cannot write trace file ${args.traceFile}: ${(e as NodeJS.ErrnoException).code}`); }
    }
    this.tracer = new TraceUprobes(uprobes, (r) => this.traceQueue.push({ ...r, source: 'probe' }), cwd);
    for (const d of args.probes ?? []) {
      try { this.tracer.command(String(d)); } catch (e) {
        if (e instanceof TraceError) throw new UserError(`probe '${d}': ${e.render() || e.message}`);
        if (e instanceof UserError) throw new UserError(`probe '${d}': ${e.message}`);
        throw e;
      }
    }
    // Enabled together, as `echo 1 > events/enable` does (handlers then run in definition order).
    try { this.tracer.enableAll(); } catch (e) {
      if (e instanceof UserError) throw new UserError(`probes: ${e.message}`);
      throw e;
    }
    this.state = 'stopped';
    this.pendingStop = null;
    this.passSignal = this.heldSignal = 0;
    // Breakpoints set before the launch, or kept across a restart.
    for (const bp of this.bps.values()) { bp.hits = 0; this.install(bp); this.ev.breakpointChanged(bp); }
  }

  /** Run the same configuration again from the start (breakpoints kept, hit counts reset). */
  restart(args?: LaunchArgs): void {
    this.dispose();
    this.launch(args ?? this.args!);
  }

  /** Drop the current process (no events). */
  dispose(): void {
    this.job = null;
    this.pauseRequested = false;
    if (this.uprobes) {
      for (const bp of this.bps.values()) this.uninstall(bp);
    }
    this.disposeListener?.();
    this.disposeListener = null;
    if (this.p && !this.p.exit) this.p.killedBy(SIGKILL, '');
    this.flushOutput();
    this.flushTrace();
    if (this.traceFd !== null) { try { fs.closeSync(this.traceFd); } catch { /* closed */ } this.traceFd = null; }
    this.p = null; this.uprobes = null; this.mm = null; this.tracer = null;
    this.state = 'idle';
  }

  private stdio(): Stdio {
    return {
      read: (len: number) => {
        const n = Math.min(len, this.stdinData.length - this.stdinPos);
        const out = this.stdinData.subarray(this.stdinPos, this.stdinPos + n);
        this.stdinPos += n;
        return out;
      },
      write: (fd: 1 | 2, data: Uint8Array) => {
        const cat = fd === 1 ? 'stdout' : 'stderr';
        // Decoded piece by piece so that no event, and no string, is bigger than OUTPUT_EVENT_CHARS:
        // under a flood of 1 MB writes, one string per write roughly doubled the adapter's peak memory.
        for (let at = 0; at < data.length; at += OUTPUT_EVENT_CHARS) {
          const piece = data.length <= OUTPUT_EVENT_CHARS ? data : data.subarray(at, at + OUTPUT_EVENT_CHARS);
          const text = this.decoders[fd].decode(piece, { stream: true });
          if (!text) continue;
          if (this.outChars + text.length > OUTPUT_EVENT_CHARS || this.outBuf.length >= 4096) this.flushOutput();
          this.outBuf.push({ cat, text });
          this.outChars += text.length;
        }
        // Running freely and the client is behind: end the CPU run after this instruction (the slice
        // then waits for the queue to drain). Steps are checked instruction by instruction in slice().
        if (this.job?.kind === 'continue' && this.p && this.congested()) this.p.cpu.stopRequested = true;
      },
      isatty: () => false,
    };
  }

  // ---- addresses ------------------------------------------------------------------------------

  get bias(): number { return this.p?.image.bias ?? 0; }

  /** File offset of a run-time address in the executable, if it is in a loaded segment. */
  fileOffsetOf(addr: number): number | undefined {
    const elf = this.p?.elf;
    if (!elf) return undefined;
    // As ElfFile.vaddrToFileOffset, over the PT_LOAD list kept per file (asked once per breakpoint).
    let loads = loadSegments.get(elf);
    if (!loads) { loads = elf.loads(); loadSegments.set(elf, loads); }
    const va = addr - this.bias;
    for (let k = 0; k < loads.length; k++) {
      const s = loads[k];
      if (va >= s.vaddr && va < s.vaddr + s.filesz) return s.offset + (va - s.vaddr);
    }
    return undefined;
  }

  /** The symbol containing a run-time address: name and offset. */
  symbolAt(addr: number): { name: string; offset: number; start: number; isFunc: boolean } | undefined {
    const p = this.p;
    if (!p) return undefined;
    // Only addresses inside the program's own segments have its symbols (not the stack, the XOL page...).
    const va = addr - this.bias;
    if (!p.elf.loads().some(l => va >= l.vaddr && va < l.vaddr + l.memsz)) return undefined;
    const s = p.elf.symbolAt(va);
    if (!s) return undefined;
    return { name: s.sym.name, offset: s.offset, start: s.sym.value + this.bias, isFunc: s.sym.type === STT_FUNC || s.sym.type === STT_GNU_IFUNC };
  }

  /** Run-time address of a symbol. */
  symbolAddress(name: string): number | undefined {
    const s = this.p?.elf.symbol(name);
    return s ? s.value + this.bias : undefined;
  }

  /** Line-table file names the client knows under another path (a program built elsewhere). */
  private clientPaths = new Map<string, string>();

  /** The path to show for a line-table file: the client's name for it when breakpoints revealed it. */
  displayPath(file: string): string { return this.clientPaths.get(file) ?? file; }

  /** The line-table row of a run-time address. */
  lineAt(addr: number): LineEntry | undefined { return this.lines.lookup(addr - this.bias); }

  /** Original code bytes: memory as the process sees it, with each probe's int3 replaced by the original byte. */
  code(addr: number, len: number): Uint8Array | null {
    const p = this.p;
    if (!p) return null;
    const b = p.mem.peek(addr, len);
    if (!b || !this.mm) return b;
    for (const [va, u] of this.mm.installed) {
      if (va >= addr && va < addr + len && u.insn.length) b[va - addr] = u.insn[0];
    }
    return b;
  }

  isExec(addr: number): boolean {
    const v = this.p?.mem.findVma(addr);
    return !!v && (v.prot & PROT_EXEC) !== 0;
  }

  unwindEnv(): UnwindEnv {
    const p = this.p!;
    return {
      code: (a, n) => this.code(a, n),
      word: (a) => { const b = p.mem.peek(a, 8); return b ? Number(Buffer.from(b).readBigUInt64LE(0)) : undefined; },
      funcStart: (a) => this.symbolAt(a)?.start,
      isExec: (a) => this.isExec(a),
      realReturn: (ret, slot) => {
        const mm = this.mm;
        if (!mm?.xol || ret !== mm.xol.trampolineVaddr) return ret;
        const ri = mm.utask.returnInstances.find(r => r.stack === slot);
        return ri ? ri.origRet : ret;
      },
    };
  }

  /** Frames from frame pointers; in an XOL slot, the walk starts from the probed instruction. */
  frames(max = 64): UnwindFrame[] {
    const p = this.p!;
    const cpu = p.cpu;
    const t = this.mm?.utask;
    let ip = cpu.rip;
    const inSlot = !!this.mm?.xol?.contains(ip) && !!t?.activeUprobe;
    if (inSlot) ip = t!.vaddr;
    const fr = unwind(this.unwindEnv(), ip, cpu.rsp, cpu.get(RBP), max);
    if (inSlot) fr.unshift({ ip: cpu.rip, sp: cpu.rsp, fp: cpu.get(RBP) });
    return fr;
  }

  /** The FetchContext of the current task state (what a probe handler sees). */
  fetchContext(): FetchContext {
    const p = this.p!;
    const mem = p.mem;
    return {
      r: p.cpu.r, rip: p.cpu.rip, flags: p.cpu.f.get(),
      read8: (a: number) => { const b = mem.peek(a, 1); if (!b) throw new Error('fault'); return b[0]; },
      readBytes: (a: number, n: number) => { const b = mem.peek(a, n); if (!b) throw new Error('fault'); return b; },
      comm: p.comm, isReturn: false,
    };
  }

  // ---- breakpoints ----------------------------------------------------------------------------

  /** Replace the breakpoints of one kind (and, for source breakpoints, one file). */
  setBreakpoints(kind: BreakpointSpec['kind'], specs: BreakpointSpec[], file?: string): DebugBreakpoint[] {
    const old = [...this.bps.values()].filter(b => b.spec.kind === kind && (kind !== 'source' || b.spec.path === file));
    // Existing breakpoints by request (a client re-sends every breakpoint of a file on each change).
    const byKey = new Map<string, DebugBreakpoint[]>();
    for (const b of old) {
      const k = specKey(b.spec);
      const l = byKey.get(k);
      if (l) l.push(b); else byKey.set(k, [b]);
    }
    const keep = new Set<DebugBreakpoint>();
    const out: DebugBreakpoint[] = [];
    for (const s of specs) {
      let bp = byKey.get(specKey(s))?.shift();
      if (!bp) {
        bp = new DebugBreakpoint(this.nextBpId++, s);
        this.bps.set(bp.id, bp);
        if (this.p) this.install(bp);
        else bp.message = 'the program is not loaded yet';
      }
      keep.add(bp);
      out.push(bp);
    }
    for (const b of old) {
      if (keep.has(b)) continue;
      this.uninstall(b);
      this.bps.delete(b.id);
    }
    return out;
  }

  /** Resolve a breakpoint to addresses and register one consumer at each. */
  private install(bp: DebugBreakpoint): void {
    this.uninstall(bp);
    bp.verified = false;
    bp.message = undefined;
    bp.addresses = [];
    bp.refusals = [];
    const s = bp.spec;
    try {
      bp.hit = s.hitCondition?.trim() ? new HitCondition(s.hitCondition) : undefined;
      bp.addresses = this.resolve(bp);
    } catch (e) {
      if (e instanceof ExprError || e instanceof UserError) { bp.message = e.message; return; }
      throw e;
    }
    for (const addr of bp.addresses) {
      const off = this.fileOffsetOf(addr);
      if (off === undefined) { bp.refusals.push({ address: addr, reason: `0x${addr.toString(16)} is not in ${this.p!.exePath}` }); continue; }
      let reg: Registration;
      try { reg = this.makeRegistration(bp, addr, off); } catch (e) {
        if (e instanceof ExprError) { bp.message = e.message; this.uninstall(bp); return; }
        throw e;
      }
      try {
        reg.uprobe = this.uprobes!.register(this.p!.exePath, this.exeIdent, off, reg.consumer);
        bp.regs.push(reg);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        bp.refusals.push({ address: addr, fileOffset: off, reason: e.message });
      }
    }
    bp.verified = bp.regs.length > 0;
    if (bp.refusals.length) bp.message = bp.refusals.map(r => r.reason).join('; ');
  }

  private uninstall(bp: DebugBreakpoint): void {
    for (const r of bp.regs) {
      try { this.uprobes?.unregister(r.uprobe, r.consumer); } catch { /* already gone */ }
    }
    bp.regs = [];
  }

  /** Run-time addresses a breakpoint asks for. Throws UserError with the reason when there are none. */
  private resolve(bp: DebugBreakpoint): number[] {
    const s = bp.spec;
    if (s.kind === 'source') {
      if (this.lines.empty) throw new UserError(`${path.basename(this.p!.exePath)} has no line table (build with -g)`);
      const f = this.lines.resolveFile(s.path ?? '');
      if (!f) throw new UserError(`no code from ${path.basename(s.path ?? '?')} in ${path.basename(this.p!.exePath)}`);
      const r = this.lines.addressesForLine(f, s.line ?? 0);
      if (!r) throw new UserError(`no code at or after line ${s.line} of ${path.basename(f)}`);
      bp.line = r.line;
      bp.resolvedPath = f;
      if (s.path && s.path !== f) this.clientPaths.set(f, s.path);
      return r.addresses.map(a => a + this.bias);
    }
    if (s.kind === 'function') return [this.parseLocation(s.name ?? '')];
    const base = Number(s.instructionReference);
    if (!Number.isFinite(base)) throw new UserError(`bad instruction reference '${s.instructionReference}'`);
    const a = base + (s.offset ?? 0);
    const row = this.lineAt(a);
    if (row) { bp.line = row.line; bp.resolvedPath = row.file; }
    return [a];
  }

  /** `sym`, `sym+0x10`, `sym+16`, `0x401000`, `*0x401000`: a run-time address. */
  parseLocation(text: string): number {
    const t = text.trim().replace(/^\*/, '');
    const m = /^([A-Za-z_.$][\w.$@]*)?\s*(?:([+-])\s*(0x[0-9a-fA-F]+|\d+))?$/.exec(t);
    if (/^(0x[0-9a-fA-F]+|\d+)$/.test(t)) return Number(t);
    if (!m || !m[1]) throw new UserError(`'${text}' is not a symbol, symbol+offset or address`);
    const base = this.symbolAddress(m[1]);
    if (base === undefined) throw new UserError(`no symbol '${m[1]}' in ${path.basename(this.p!.exePath)}`);
    const off = m[3] ? Number(m[3]) * (m[2] === '-' ? -1 : 1) : 0;
    return base + off;
  }

  private makeRegistration(bp: DebugBreakpoint, addr: number, fileOffset: number): Registration {
    const s = bp.spec;
    const exe = this.p!.exePath;
    const resolveSym = (n: string) => this.symbolAddress(n);
    const cond = s.condition?.trim() ? new Condition(s.condition, exe, fileOffset, resolveSym) : undefined;
    const log = s.logMessage !== undefined && s.logMessage !== '' ? new LogTemplate(s.logMessage, exe, fileOffset, resolveSym) : undefined;
    // The kernel's default event name for a probe here: only logpoints write trace lines that need it.
    let eventName = '';
    if (log) {
      const cmd = parseCommand(`p ${exe}:0x${fileOffset.toString(16)}`);
      eventName = cmd.kind === 'add' ? cmd.ev.event : `p_0x${fileOffset.toString(16)}`;
    }
    const reg: Registration = { address: addr, fileOffset, uprobe: null as unknown as Uprobe, consumer: null as unknown as UprobeConsumer, cond, log, eventName };
    reg.consumer = new BreakpointConsumer(bp, log ? 'logpoint' : 'breakpoint', cond, (_self, _u, p) => this.onHit(bp, reg, p));
    return reg;
  }

  /** A breakpoint's consumer: the condition is its filter; then the hit count, then log or stop. */
  private onHit(bp: DebugBreakpoint, reg: Registration, p: Process): number {
    if (this.bps.get(bp.id) !== bp) return 0;
    // The debugger follows the first process: hits in the processes it forks do not stop it.
    if (p !== this.p) return 0;
    if (reg.cond) {
      let ok = true;
      try { ok = reg.cond.test(this.fetchContext()); } catch (e) {
        this.ev.output('console', `breakpoint ${bp.id}: condition '${reg.cond.text}': ${(e as Error).message}\n`);
      }
      if (!ok) return 0;
    }
    bp.hits++;
    if (bp.hit && !bp.hit.test(bp.hits)) return 0;
    if (reg.log) {
      const args = reg.log.render(this.fetchContext()).replace(/^\s+/, '');
      const ts = traceClock();
      const ev = { group: 'uprobes', event: reg.eventName, isReturn: false } as Parameters<typeof formatTraceLine>[0]['ev'];
      const argText = args ? ` ${args}` : '';
      const line = formatTraceLine({ comm: p.comm, pid: p.pid, cpu: 0, flags: UPROBE_TRACE_FLAGS, ts, ev, ip: p.cpu.rip, args: argText });
      this.traceQueue.push({ line, group: 'uprobes', event: reg.eventName, comm: p.comm, pid: p.pid, ts, ip: p.cpu.rip, args: argText, source: 'logpoint' });
      return 0;
    }
    this.requestStop({ reason: 'breakpoint', hitBreakpointIds: [bp.id] });
    return 0;
  }

  private requestStop(s: StopInfo): void {
    const cur = this.pendingStop;
    if (cur && cur.reason === 'breakpoint' && s.reason === 'breakpoint') {
      cur.hitBreakpointIds = [...(cur.hitBreakpointIds ?? []), ...(s.hitBreakpointIds ?? [])];
    } else if (!cur || s.reason === 'exception') {
      this.pendingStop = s;
    }
    if (this.p) this.p.cpu.stopRequested = true;
  }

  /** Apply a `uprobe_events` line typed in the debug console. Returns what to print. */
  probeCommand(line: string): string {
    if (!this.tracer) throw new UserError('no program is running');
    try {
      const te = this.tracer.command(line);
      if (te) this.tracer.enable(te);
      return te ? `${te.ev.definition}${te.uprobe ? '' : ' (not installed)'}` : 'ok';
    } catch (e) {
      if (e instanceof TraceError) throw new UserError(e.render() || e.message);
      throw e;
    }
  }

  // ---- uprobes events, signals ----------------------------------------------------------------

  private onUprobeEvent(e: UprobeEvent): void {
    if (e.type === 'hit' && this.forceHitStop && this.p) this.p.cpu.stopRequested = true;
    this.xol.onEvent(e);
  }

  /** Decide whether a signal about to be delivered stops the debugger first (held until resumed). */
  private signalGate(p: Process, sig: number): boolean {
    if (this.passSignal === sig) { this.passSignal = 0; return true; }
    const k = p.sig.next();
    const s = k >= 0 ? p.sig.pending[k] : undefined;
    if (!s || s.sig !== sig || sig === SIGKILL) return true;
    if (s.forced) {
      if (!this.signalStops.faults) return true;
    } else {
      const act = p.sig.actions[sig];
      if (act.handler === SIG_IGN) return true;
      if (act.handler === SIG_DFL) {
        // Default action: only the signals that end the process (not those ignored or stopping it).
        if ((DEFAULT_IGNORE & sigbit(sig)) || [19, 20, 21, 22].includes(sig) || !this.signalStops.fatal) return true;
      } else if (!this.signalStops.handled) {
        return true;
      }
    }
    this.heldSignal = sig;
    const ex = describeSignal(s, p.cpu.rip);
    this.requestStop({ reason: 'exception', description: ex.description, text: ex.id, exception: ex });
    return false;
  }

  // ---- execution ------------------------------------------------------------------------------

  /** Start or resume running freely. */
  continue(): void {
    if (!this.p || this.state === 'exited' || this.state === 'idle') return;
    this.startJob({ kind: 'continue' });
  }

  step(kind: StepKind, granularity: Granularity = 'statement'): void {
    if (!this.p || this.state === 'exited' || this.state === 'idle') return;
    this.startJob({ kind: 'step', gen: this.stepGen(kind, granularity) });
  }

  pause(): void {
    if (this.state !== 'running') return;
    this.pauseRequested = true;
    // Held for a slow client: run a slice now so that the pause is reported without waiting for it.
    if (this.waitingDrain) { this.waitingDrain = false; this.schedule(); }
  }

  /** Kill the guest (terminate request). Sends exited and terminated. */
  terminate(): void {
    const p = this.p;
    if (!p || this.state === 'exited' || this.state === 'idle') { this.ev.terminated(); return; }
    this.job = null;
    if (!p.exit) p.killedBy(SIGKILL, '');
    this.finish();
  }

  private startJob(job: Job): void {
    const p = this.p!;
    this.job = job;
    this.pendingStop = null;
    this.lastStop = null;
    this.pauseRequested = false;
    if (this.heldSignal) {
      // Resuming after a signal stop delivers the signal.
      this.passSignal = this.heldSignal;
      this.heldSignal = 0;
      p.cpu.tif |= TIF_SIGPENDING;
    }
    if (this.mm) this.mm.utask.stepPhases = false;
    this.state = 'running';
    this.ev.continued();
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; this.slice(); });
  }

  /** One slice of guest work. */
  private slice(): void {
    const p = this.p;
    if (this.state !== 'running' || !this.job || !p) return;
    const deadline = performance.now() + SLICE_MS;
    let stop: StopInfo | null = null;
    try {
      for (;;) {
        if (this.pauseRequested) { stop = { reason: 'pause' }; break; }
        if (this.congested()) break; // the client is behind on output: wait for it (below)
        const job = this.job;
        if (job.kind === 'continue') {
          stop = this.runChunk(CHUNK);
        } else {
          for (let n = 0; n < 2048; n++) {
            const r = job.gen.next();
            if (r.done) { stop = r.value ?? { reason: 'step' }; break; }
            if (p.exit || this.congested()) break;
          }
        }
        if (stop || p.exit) break;
        if (performance.now() >= deadline) break;
      }
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.ev.output('stderr', `uprobe-lab: internal error: ${msg}\n${e instanceof Error && e.stack ? e.stack + '\n' : ''}`);
      stop = { reason: 'exception', description: `internal error: ${msg}`, text: 'internal error',
        exception: { id: 'internal error', description: msg, signal: 0 } };
    }
    p.cpu.stopRequested = false;
    this.flushOutput();
    this.flushTrace();
    if (p.exit) { this.finish(); return; }
    if (stop) { this.stopped(stop); return; }
    this.sendXolIfDirty();
    if (this.congested()) this.holdUntilDrained(); else this.schedule();
  }

  /** More guest output is queued for the client than we keep in flight. */
  private congested(): boolean {
    return this.ev.backlog !== undefined && this.ev.backlog() >= OUTPUT_HIGH_WATER;
  }

  /** Hold the guest until the transport drains (or, failing a signal, until a later look). */
  private holdUntilDrained(): void {
    if (this.waitingDrain) return;
    this.waitingDrain = true;
    const go = (): void => {
      if (!this.waitingDrain) return;
      this.waitingDrain = false;
      clearTimeout(timer);
      this.schedule();
    };
    const timer = setTimeout(go, DRAIN_RECHECK_MS);
    this.ev.whenDrained?.(go);
  }

  /** Continue mode: run up to n instructions; a stop or null. */
  private runChunk(n: number): StopInfo | null {
    const p = this.p!;
    this.pendingStop = null;
    p.run(n);
    p.cpu.stopRequested = false;
    return p.exit ? null : this.takePendingStop();
  }

  private takePendingStop(): StopInfo | null {
    const s = this.pendingStop;
    this.pendingStop = null;
    return s;
  }

  private inHit(): boolean {
    const t = this.mm!.utask;
    return t.pendingXol !== null || t.activeUprobe !== null;
  }

  /**
   * Execute one guest instruction. When the task is at a probed instruction or inside a hit, walk the
   * uprobes phases: one phase only when `onePhase`, else to the end of the hit. Returns a stop that must
   * end the step (a breakpoint consumer, a signal), or null.
   */
  private stepOne(onePhase: boolean): StopInfo | null {
    const p = this.p!;
    const cpu = p.cpu;
    const mm = this.mm!;
    this.pendingStop = null;
    if (this.inHit() || mm.installed.has(cpu.rip)) {
      mm.utask.stepPhases = true;
      cpu.run(1);
      cpu.stopRequested = false;
      while (!onePhase && this.inHit() && !this.pendingStop && !p.exit) {
        mm.utask.stepPhases = true;
        cpu.run(1);
        cpu.stopRequested = false;
      }
      mm.utask.stepPhases = false;
    } else {
      cpu.run(1);
      cpu.stopRequested = false;
    }
    return this.takePendingStop();
  }

  /** End a step: take the hit of a probe the step landed on, then report. */
  private finishStep(): StopInfo | null {
    const p = this.p!;
    if (p.exit) return null;
    // A return into the uretprobe trampoline: its int3 hands the real return address back at once.
    const xol = this.mm!.xol;
    if (xol && this.uprobes!.model === 'current' && p.cpu.rip === xol.trampolineVaddr && !this.inHit()) {
      const s = this.stepOne(false);
      if (s || p.exit) return s;
    }
    if (!this.inHit() && this.mm!.installed.has(p.cpu.rip)) {
      this.pendingStop = null;
      this.forceHitStop = true;
      try { p.cpu.run(1); } finally { this.forceHitStop = false; p.cpu.stopRequested = false; }
      const s = this.takePendingStop();
      if (s) return s;
    }
    return { reason: 'step' };
  }

  /** Is the instruction at ip a call (looking through a probe's int3)? */
  private isCallAt(ip: number): boolean {
    const b = this.code(ip, 16);
    if (!b) return false;
    const u = this.mm?.installed.get(ip);
    if (u?.arch) return /^call/.test(u.arch.mnemonic);
    try {
      const i = this.p!.cpu.insnAt(ip);
      if (i.bytes[0] !== 0xcc) return i.mnemonic === Mnemonic.Call;
    } catch { return false; }
    return false;
  }

  /** Run until the return address at `retSlot` has been popped (the call returned). */
  private *runUntilReturn(retSlot: number): Generator<void, StopInfo | null> {
    const p = this.p!;
    while (p.cpu.rsp <= retSlot) {
      const s = this.stepOne(false);
      if (s || p.exit) return s;
      yield;
    }
    return null;
  }

  /** One instruction of a step: a call is stepped over whole when stepping over. */
  private *stepInsn(kind: StepKind): Generator<void, StopInfo | null> {
    const p = this.p!, cpu = p.cpu;
    if (kind === 'over' && this.isCallAt(cpu.rip)) {
      const s = this.stepOne(false);
      if (s || p.exit) return s;
      return yield* this.runUntilReturn(cpu.rsp);
    }
    return this.stepOne(false);
  }

  private *stepGen(kind: StepKind, granularity: Granularity): Generator<void, StopInfo | null> {
    const p = this.p!;
    const cpu = p.cpu;
    const t = this.mm!.utask;

    // From a uprobe stop or from the slot: one phase of the kernel's path.
    if (this.xolStepping && kind !== 'out' && this.inHit()) {
      const u = t.pendingXol?.uprobe ?? t.activeUprobe;
      const spBefore = cpu.rsp;
      const s = this.stepOne(true);
      if (s || p.exit) return s;
      if (kind === 'over' && !this.inHit() && u?.arch && /^call/.test(u.arch.mnemonic) && cpu.rsp === spBefore - 8) {
        // `next` over a probed call: the last phase entered the callee; run until it returns.
        const r = yield* this.runUntilReturn(cpu.rsp);
        if (r || p.exit) return r;
      }
      return this.finishStep();
    }

    const frames = this.frames(3);
    const inSlot = !!this.mm?.xol?.contains(cpu.rip);
    const startSlot = (inSlot ? frames[1] : frames[0])?.retSlot;

    if (kind === 'out') {
      if (startSlot !== undefined) {
        const r = yield* this.runUntilReturn(startSlot);
        if (r || p.exit) return r;
        return this.finishStep();
      }
      // No frame information: stop after the next `ret` at this depth or above.
      const sp0 = cpu.rsp;
      for (;;) {
        const ip = cpu.rip, sp = cpu.rsp;
        const isRet = this.code(ip, 1)?.[0] === 0xc3;
        const s = this.stepOne(false);
        if (s || p.exit) return s;
        if (isRet && sp >= sp0) return this.finishStep();
        yield;
      }
    }

    const start = granularity === 'instruction' ? undefined : this.lineAt(cpu.rip);
    if (!start) {
      // Instruction step (also where there is no line information).
      const s = yield* this.stepInsn(kind);
      if (s || p.exit) return s;
      return this.finishStep();
    }

    // Line step: until the start of a statement of another line, or back in the caller.
    let cur: LineEntry = start;
    const startSp = cpu.rsp;
    for (;;) {
      const s = yield* this.stepInsn(kind);
      if (s || p.exit) return s;
      yield;
      const ip = cpu.rip;
      if (startSlot !== undefined && cpu.rsp > startSlot) return this.finishStep(); // returned to the caller
      const loc = this.lineAt(ip);
      if (!loc) {
        if (kind === 'in' && cpu.rsp < startSp) {
          // Stepped into code without line information (a library function): step over it.
          const r = yield* this.runUntilReturn(cpu.rsp);
          if (r || p.exit) return r;
          continue;
        }
        return this.finishStep();
      }
      if (loc.file !== cur.file || loc.line !== cur.line) {
        if (ip - this.bias === loc.address && loc.isStmt) {
          if (kind === 'in' && cpu.rsp < startSp) {
            const r = yield* this.skipPrologue(loc);
            if (r || p.exit) return r;
          }
          return this.finishStep();
        }
        cur = loc; // in the middle of another line: finish that one
      }
    }
  }

  /**
   * Stepped into a compiled function at its entry: run its prologue, to the first statement of another
   * line (the body), as debuggers do. Assembly sources keep every instruction: nothing is skipped there.
   */
  private *skipPrologue(loc: LineEntry): Generator<void, StopInfo | null> {
    const p = this.p!;
    const cpu = p.cpu;
    const ip = cpu.rip;
    const sym = this.symbolAt(ip);
    if (!sym || sym.start !== ip || /\.(s|S|sx|asm)$/.test(loc.file)) return null;
    const es = this.lines.entries;
    const at = ip - this.bias;
    const next = es.find(e => e.address > at && e.isStmt && e.file === loc.file && e.line !== loc.line);
    if (!next || this.symbolAt(next.address + this.bias)?.start !== sym.start) return null;
    const target = next.address + this.bias;
    const sp0 = cpu.rsp;
    for (let n = 0; n < 256 && cpu.rip !== target; n++) {
      if (cpu.rsp > sp0) return null; // returned before reaching the body
      if (this.isCallAt(cpu.rip)) return null;
      const s = this.stepOne(false);
      if (s || p.exit) return s;
      yield;
    }
    return null;
  }

  /** The process stopped: report it. */
  private stopped(s: StopInfo): void {
    this.state = 'stopped';
    this.job = null;
    this.pauseRequested = false;
    this.lastStop = s;
    this.flushOutput();
    this.flushTrace();
    this.sendXol();
    this.ev.stopped(s);
  }

  /** Report a stop that did not come from running (entry). */
  reportStop(s: StopInfo): void {
    if (this.state === 'exited') return;
    this.state = 'stopped';
    this.stopped(s);
  }

  /** The process ended: output, exit status, terminated. */
  private finish(): void {
    const p = this.p!;
    this.state = 'exited';
    this.job = null;
    this.flushOutput();
    this.flushTrace();
    const ex = p.exit!;
    if (ex.message) this.ev.output('stderr', `${ex.message}\n`);
    if (this.traceFd !== null) { try { fs.closeSync(this.traceFd); } catch { /* closed */ } this.traceFd = null; }
    this.ev.exited(ex.status);
    this.ev.terminated();
  }

  /** Send buffered guest output, consecutive writes to one stream joined (at most about OUTPUT_EVENT_CHARS). */
  flushOutput(): void {
    if (!this.outBuf.length) return;
    const buf = this.outBuf;
    this.outBuf = [];
    this.outChars = 0;
    let cat = buf[0].cat, text = '';
    for (const o of buf) {
      if (o.cat !== cat) { this.ev.output(cat, text); text = ''; cat = o.cat; }
      text += o.text;
    }
    if (text) this.ev.output(cat, text);
  }

  private flushTrace(): void {
    if (!this.traceQueue.length) return;
    const q = this.traceQueue;
    this.traceQueue = [];
    let file = '';
    for (const r of q) {
      // Trace lines are byte strings (latin1): turn them into text for the console.
      const text = Buffer.from(r.line, 'latin1').toString('utf8');
      this.ev.output('console', text + '\n');
      this.ev.trace({ ...r, line: text });
      file += r.line + '\n';
    }
    if (this.traceFd !== null) { try { fs.writeSync(this.traceFd, Buffer.from(file, 'latin1')); } catch { /* disk full... */ } }
  }

  /** Current XOL view state. */
  xolState(): XolStateBody {
    return this.xol.body(this.mm?.utask, this.p?.cpu.rip ?? 0, this.syntax);
  }

  /** While running, the XOL state is sent at most every XOL_EVENT_MS (a hot probe changes it constantly). */
  private lastXolSent = 0;
  private sendXolIfDirty(): void {
    if (this.xol.dirty && performance.now() - this.lastXolSent >= XOL_EVENT_MS) this.sendXol();
  }

  private sendXol(): void {
    if (!this.p) return;
    this.xol.dirty = false;
    this.lastXolSent = performance.now();
    this.ev.xolState(this.xolState());
  }

  /** Every probe: address, instruction, consumers, hits, state or refusal reason. */
  uprobeList(): object[] {
    const out: object[] = [];
    const up = this.uprobes;
    const p = this.p;
    if (!up || !p) return out;
    for (const u of up.uprobes) {
      const va = up.vaddrOf(u, p);
      const installed = !!this.mm && va >= 0 && this.mm.installed.get(va) === u;
      out.push({
        path: u.path, offset: `0x${u.offset.toString(16)}`, address: va >= 0 ? `0x${va.toString(16)}` : undefined,
        instruction: u.arch?.mnemonic ?? '', bytes: u.arch ? Array.from(u.arch.insn, x => x.toString(16).padStart(2, '0')).join(' ') : '',
        consumers: u.consumers.map(c => c.name), hits: u.hits,
        state: u.refused ? 'refused' : installed ? 'installed' : 'not installed',
        reason: u.refused ?? undefined,
        fixups: u.arch?.fixupNames ?? [], emulated: u.arch?.emulate?.kind,
      });
    }
    for (const bp of this.bps.values()) {
      for (const r of bp.refusals) {
        out.push({
          path: p.exePath, offset: r.fileOffset !== undefined ? `0x${r.fileOffset.toString(16)}` : undefined,
          address: `0x${r.address.toString(16)}`, instruction: '', consumers: [`debugger breakpoint ${bp.id} (${bp.describe()})`],
          hits: 0, state: 'refused', reason: r.reason,
        });
      }
    }
    return out;
  }
}

/** Environment for the guest: the adapter's, with the launch configuration's changes. */
function buildEnv(env: LaunchArgs['env']): string[] {
  if (Array.isArray(env)) return env.map(String);
  const m = new Map<string, string>();
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) m.set(k, v);
  for (const [k, v] of Object.entries(env ?? {})) {
    if (v === null || v === undefined) m.delete(k); else m.set(k, String(v));
  }
  return [...m].map(([k, v]) => `${k}=${v}`);
}

/** One line about a signal that stopped the process. */
export function describeSignal(s: PendingSignal, rip: number): ExceptionDetails {
  const name = signalName(s.sig);
  const ip = s.forced ? s.ip : rip;
  const at = `0x${ip.toString(16)}`;
  let d: string;
  if (!s.forced) d = `${name} received${s.pid ? ` from pid ${s.pid}` : ''}`;
  else if (s.sig === SIGSEGV || s.sig === SIGBUS) d = `${name} at ${at} accessing 0x${s.addr.toString(16)}`;
  else if (s.sig === SIGFPE) d = `${name} at ${at}${s.code === 1 ? ': integer divide by zero' : s.code === 2 ? ': integer overflow' : ''}`;
  else d = `${name} at ${at}${s.detail ? `: ${s.detail}` : ''}`;
  return { id: name, description: d, signal: s.sig, address: s.forced && (s.sig === SIGSEGV || s.sig === SIGBUS) ? s.addr : undefined };
}

