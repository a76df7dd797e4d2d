// The uprobes core (kernel/events/uprobes.c): registering consumers on (file, offset), installing and
// removing int3 in the processes that map the file, and the hit path run on return to user mode:
//
//   int3 -> DIE_INT3 notifier sets TIF_UPROBE -> uprobe_notify_resume -> handle_swbp -> handler_chain
//        -> arch_uprobe_skip_sstep (emulate) or pre_ssout (XOL slot, TF) -> one instruction -> DIE_DEBUG
//        -> TIF_UPROBE -> handle_singlestep -> arch_uprobe_post_xol -> slot freed, signals recalculated.
//
// Every phase emits an event and, when `pauseBetweenPhases` is on, stops the CPU so that a debugger can
// show it. Phase events are only built when a listener asked for them: a hit nobody watches costs no
// allocation here.

import type { Process } from '../linux/process';
import type { Vma } from '../memory';
import { PAGE_SIZE, PROT_EXEC, PROT_WRITE } from '../memory';
import { Cpu, DIE_DEBUG, DIE_INT3, NOTIFY_DONE, NOTIFY_STOP, TIF_SIGPENDING, TIF_UPROBE } from '../cpu/cpu';
import { SIGILL, SIGTRAP, SIGKILL, signalName, UserError } from '../errors';
import { Uprobe } from './uprobe';
import { XolArea } from './xol_area';
import { UprobeConsumer, UprobeEvent, UPROBE_HANDLER_REMOVE, UTASK_RUNNING, UTASK_SSTEP, UTASK_SSTEP_ACK, UTASK_SSTEP_TRAPPED, UprobePhase } from './types';
import { ArchUprobeTask, arch_uprobe_abort_xol, arch_uprobe_post_xol, arch_uprobe_pre_xol, arch_uprobe_skip_sstep, arch_uretprobe_hijack_return_addr } from './x86';
import type { UprobeModel } from './arch';
import { checkInsnBoundary } from './boundary';
import { GPR_NAMES } from '../cpu/regs';
import { TF } from '../cpu/flags';

export const MAX_URETPROBE_DEPTH = 64;

/** struct return_instance */
interface ReturnInstance { uprobe: Uprobe; func: number; origRet: number; stack: number; chained: boolean }

/** struct uprobe_task, plus what one process's mm holds for uprobes. */
export class UprobeTask {
  state = UTASK_RUNNING;
  activeUprobe: Uprobe | null = null;
  vaddr = 0;
  xolVaddr = 0;
  slot = -1;
  readonly autask = new ArchUprobeTask();
  returnInstances: ReturnInstance[] = [];
  depth = 0;
  /** Set by a debugger stepping from a uprobe stop: pause after pre_xol and after post_xol. */
  stepPhases = false;
  /** A hit waiting between phases (debugger stepping): handlers done, XOL not yet prepared. */
  pendingXol: { uprobe: Uprobe; vaddr: number } | null = null;
  phase: UprobePhase | 'idle' = 'idle';
}

/** What one attached process holds: installed breakpoints, the XOL area, the task. */
export class UprobeMm {
  /** vaddr -> uprobe, for every int3 we wrote (shared with the parent while a CLONE_VM child shares its memory). */
  installed = new Map<number, Uprobe>();
  xol: XolArea | null = null;
  utask = new UprobeTask();
  /** The parent's, while this (CLONE_VM) process shares its memory. */
  sharedWith: UprobeMm | null = null;
  constructor(public readonly p: Process) {}
}

export interface UprobesOptions {
  model?: UprobeModel;
  /** Allow probes that are not on an instruction boundary (the kernel does not check). */
  unsafe?: boolean;
}

export class Uprobes {
  readonly model: UprobeModel;
  readonly unsafe: boolean;
  readonly uprobes: Uprobe[] = [];
  /** The same probes by (file identity, offset). */
  private readonly byKey = new Map<string, Uprobe>();
  readonly mms = new Map<Process, UprobeMm>();
  private listeners: ((e: UprobeEvent) => void)[] = [];
  /** Listeners that want the phases of every hit (not only install, remove, refused). */
  private phaseListeners: ((e: UprobeEvent) => void)[] = [];
  /** Someone listens to phases: build and emit the per-hit events. */
  private phases = false;
  /** Stop the CPU after each phase of a hit (the debugger's XOL stepping). */
  pauseBetweenPhases = false;

  constructor(opts: UprobesOptions = {}) {
    this.model = opts.model ?? 'current';
    this.unsafe = opts.unsafe ?? false;
  }

  /**
   * Listen to uprobes events. By default every event, including each phase of each hit; with
   * `{ phases: false }` only install, remove and refused (then hits cost the listener nothing).
   */
  on(l: (e: UprobeEvent) => void, opts: { phases?: boolean } = {}): () => void {
    const phases = opts.phases ?? true;
    this.listeners = [...this.listeners, l];
    if (phases) this.phaseListeners = [...this.phaseListeners, l];
    this.phases = this.phaseListeners.length > 0;
    return () => {
      this.listeners = this.listeners.filter(x => x !== l);
      this.phaseListeners = this.phaseListeners.filter(x => x !== l);
      this.phases = this.phaseListeners.length > 0;
    };
  }

  /** Install, remove, refused: to every listener. */
  private emit(e: UprobeEvent): void { for (const l of this.listeners) l(e); }

  /** A phase of a hit: to the listeners that want phases (callers check `this.phases` first). */
  private emitPhase(e: UprobeEvent): void { for (const l of this.phaseListeners) l(e); }

  // ---- registration ---------------------------------------------------------------------------

  /**
   * uprobe_register: add a consumer to the probe on (file, offset), creating it, and install the
   * breakpoint in every attached process that maps the file. Throws UserError if the instruction there
   * cannot be probed and the file is mapped (as the kernel's register fails), or is not on an instruction
   * boundary (unless unsafe).
   */
  register(path: string, ident: string, offset: number, uc: UprobeConsumer): Uprobe {
    const key = `${ident}\0${offset}`;
    let u = this.byKey.get(key);
    if (!u) {
      if (!this.unsafe) {
        const why = checkInsnBoundary(path, offset);
        if (why) throw new UserError(why);
      }
      u = new Uprobe(ident, path, offset);
      this.uprobes.push(u);
      this.byKey.set(key, u);
    }
    // New consumers go first, as the kernel links them (so its trace lists them in reverse order). The
    // list is replaced, never changed in place, so a hit can walk it while a handler (un)registers.
    u.consumers = [uc, ...u.consumers];
    for (const mm of this.mms.values()) {
      for (const v of mm.p.mem.vmas) {
        const va = this.vaddrIn(v, u);
        if (va >= 0) this.installIn(mm, u, va, true);
      }
    }
    return u;
  }

  /** uprobe_unregister: remove a consumer; the last one removes the breakpoints. */
  unregister(u: Uprobe, uc: UprobeConsumer): void {
    if (u.consumers.includes(uc)) u.consumers = u.consumers.filter(c => c !== uc);
    for (const mm of this.mms.values()) {
      for (const [va, x] of mm.installed) {
        if (x !== u) continue;
        if (u.consumers.length === 0 || !this.wanted(u, mm.p)) this.removeIn(mm, u, va);
      }
    }
    if (u.consumers.length === 0) this.forget(u);
  }

  /** Drop a probe that has no consumers left. */
  private forget(u: Uprobe): void {
    const k = this.uprobes.indexOf(u);
    if (k >= 0) this.uprobes.splice(k, 1);
    this.byKey.delete(`${u.ident}\0${u.offset}`);
  }

  /**
   * The address a probe has in a mapping, or -1. As the kernel's valid_vma (called with is_register
   * both by uprobe_register and uprobe_mmap): a private, non-writable mapping of the file; it need not be
   * executable now (VM_MAYEXEC is what counts).
   */
  private vaddrIn(v: Vma, u: Uprobe): number {
    if (!v.file || v.file.ident !== u.ident || (v.prot & PROT_WRITE)) return -1;
    const off = u.offset - v.file.offset;
    if (off < 0 || off >= v.end - v.start) return -1;
    return v.start + off;
  }

  private wanted(u: Uprobe, p: Process): boolean {
    return u.consumers.some(c => !c.filter || c.filter(c, p));
  }

  /** install_breakpoint: analyse once, save the original, write int3 into the process's copy. */
  private installIn(mm: UprobeMm, u: Uprobe, vaddr: number, fromRegister: boolean): void {
    // Installed already only if the int3 is still there: the kernel looks at the page, and a mapping
    // replaced since (ld.so maps a library's text with MAP_FIXED over its first, read-only mapping of
    // the whole file) has the file's original byte again.
    if ((mm.installed.has(vaddr) && mm.p.mem.peek(vaddr, 1)?.[0] === 0xcc) || !this.wanted(u, mm.p)) return;
    u.prepare(this.model, vaddr);
    if (u.refused) {
      this.emit({ type: 'refused', uprobe: u, reason: u.refused });
      if (fromRegister) {
        u.consumers = [];
        this.forget(u);
        throw new UserError(`cannot probe ${u.label}: ${u.refused}`);
      }
      return;
    }
    mm.p.mem.poke(vaddr, Uint8Array.of(0xcc));
    mm.installed.set(vaddr, u);
    this.emit({ type: 'install', uprobe: u, vaddr });
  }

  /** remove_breakpoint: put the original first byte back. */
  private removeIn(mm: UprobeMm, u: Uprobe, vaddr: number): void {
    if (!mm.installed.has(vaddr)) return;
    mm.p.mem.poke(vaddr, u.insn.subarray(0, 1));
    mm.installed.delete(vaddr);
    this.emit({ type: 'remove', uprobe: u, vaddr });
  }

  /** Where a probe sits in a process (first mapping), or -1. */
  vaddrOf(u: Uprobe, p: Process): number {
    const mm = this.mms.get(p);
    if (mm) for (const [va, x] of mm.installed) if (x === u) return va;
    for (const v of p.mem.vmas) { const va = this.vaddrIn(v, u); if (va >= 0) return va; }
    return -1;
  }

  // ---- processes ------------------------------------------------------------------------------

  /** Hook a process: die notifiers, return-to-user work, signal holding, mmap-time installation. */
  attach(p: Process): UprobeMm {
    const mm = this.hook(new UprobeMm(p), true, false);
    for (const v of p.mem.vmas) this.uprobe_mmap(mm, v);
    return mm;
  }

  /**
   * Follow a process: `hookMem` for its own memory's mappings; `forget` drops its state when it exits (a
   * process followed from a fork; one attached explicitly stays inspectable after it ends).
   */
  private hook(mm: UprobeMm, hookMem: boolean, forget: boolean): UprobeMm {
    const p = mm.p;
    this.mms.set(p, mm);
    const notifier = (cpu: Cpu, ev: number): number => this.arch_uprobe_exception_notify(mm, cpu, ev);
    p.cpu.addDieNotifier(notifier);
    p.uprobeNotifyResume = () => this.uprobe_notify_resume(mm);
    p.signalFilter = (_p, sig) => !this.uprobe_deny_signal(mm, sig);
    p.onFault = () => { if (mm.utask.activeUprobe) mm.utask.autask.trapNrIsUprobe = false; };
    if (hookMem) this.hookMmap(mm);
    p.listeners.push({
      fork: (child, sharedVm) => this.uprobe_dup(mm, child, sharedVm),
      exec: () => {
        // A new mm: no breakpoints, no XOL area, a fresh task (mm_release frees the utask); the new CPU
        // gets the notifier, and the new image's mappings get the probes (uprobe_mmap).
        this.leaveShared(mm);
        mm.installed = new Map();
        mm.xol = null;
        mm.utask = new UprobeTask();
        p.cpu.addDieNotifier(notifier);
        this.hookMmap(mm);
        for (const v of p.mem.vmas) this.uprobe_mmap(mm, v);
      },
      exit: () => { this.leaveShared(mm); if (forget) this.mms.delete(p); },
    });
    return mm;
  }

  private hookMmap(mm: UprobeMm): void {
    const prevOnMap = mm.p.mem.onMap;
    mm.p.mem.onMap = (v) => { prevOnMap(v); this.uprobe_mmap(mm, v); };
  }

  /**
   * fork (uprobe_dup_mmap, uprobe_copy_process): the child's memory is a copy, int3 bytes included, so it
   * starts with its parent's breakpoints; the XOL area is not copied, but pending return probes are, with
   * a new XOL page for their trampoline. A CLONE_VM child shares the breakpoints and XOL area.
   */
  private uprobe_dup(parent: UprobeMm, child: Process, sharedVm: boolean): void {
    const mm = new UprobeMm(child);
    if (sharedVm) {
      mm.installed = parent.installed;
      mm.xol = parent.xol;
      mm.sharedWith = parent;
    } else {
      mm.installed = new Map(parent.installed);
      const ris = parent.utask.returnInstances;
      if (ris.length && this.model === 'current') {
        mm.utask.returnInstances = ris.map(r => ({ ...r }));
        mm.utask.depth = parent.utask.depth;
        mm.xol = new XolArea(child.mem, true);
      }
    }
    this.hook(mm, !sharedVm, true);
  }

  /** A CLONE_VM child lets go of its parent's memory: an XOL area it created stays the parent's. */
  private leaveShared(mm: UprobeMm): void {
    if (mm.sharedWith && !mm.sharedWith.xol) mm.sharedWith.xol = mm.xol;
    mm.sharedWith = null;
  }

  /** uprobe_mmap: install the probes of a file when a process maps it. Analysis failures are silent here. */
  private uprobe_mmap(mm: UprobeMm, v: Vma): void {
    if (!v.file) return;
    for (const u of this.uprobes) {
      const va = this.vaddrIn(v, u);
      if (va >= 0) this.installIn(mm, u, va, false);
    }
  }

  // ---- the hit path ---------------------------------------------------------------------------

  /** arch_uprobe_exception_notify: DIE_INT3 and DIE_DEBUG from user mode. */
  private arch_uprobe_exception_notify(mm: UprobeMm, cpu: Cpu, ev: number): number {
    if (ev === DIE_INT3) {
      // uprobe_pre_sstep_notifier: only if this mm has uprobes or pending return instances.
      if (mm.installed.size === 0 && mm.utask.returnInstances.length === 0) return NOTIFY_DONE;
      // TIF_UPROBE makes the way back to user mode run uprobe_notify_resume before the next instruction.
      // When that is the only work pending (no signal, no stop, no trap flag, no hit half done) and
      // nobody watches or steps through the phases, nothing can happen in between: run it right here,
      // which spares the CPU leaving its run of compiled blocks and coming back.
      const t = mm.utask;
      if (cpu.tif === 0 && !this.phases && !this.pauseBetweenPhases && !cpu.stopRequested && (cpu.f.bits & TF) === 0 &&
        t.activeUprobe === null && t.pendingXol === null && !t.stepPhases) {
        this.handle_swbp(mm);
        return NOTIFY_STOP;
      }
      cpu.tif |= TIF_UPROBE;
      return NOTIFY_STOP;
    }
    if (ev === DIE_DEBUG) {
      // uprobe_post_sstep_notifier
      const t = mm.utask;
      if (!t.activeUprobe) return NOTIFY_DONE;
      t.state = UTASK_SSTEP_ACK;
      t.phase = 'single-step';
      if (this.phases) this.emitPhase({ type: 'single-step', uprobe: t.activeUprobe, ip: cpu.rip });
      cpu.tif |= TIF_UPROBE;
      return NOTIFY_STOP;
    }
    return NOTIFY_DONE;
  }

  /** Stop the CPU after a phase when the debugger is stepping through this hit. */
  private pause(mm: UprobeMm): void {
    if (this.pauseBetweenPhases || mm.utask.stepPhases) mm.p.cpu.stopRequested = true;
  }

  /** uprobe_notify_resume */
  private uprobe_notify_resume(mm: UprobeMm): void {
    const t = mm.utask;
    if (t.pendingXol !== null) { const { uprobe, vaddr } = t.pendingXol; t.pendingXol = null; this.afterHandlers(mm, uprobe, vaddr); return; }
    if (t.activeUprobe) this.handle_singlestep(mm); else this.handle_swbp(mm);
  }

  /** handle_swbp: a breakpoint trap; ip is one past the int3. */
  private handle_swbp(mm: UprobeMm): void {
    const cpu = mm.p.cpu;
    const bpVaddr = cpu.rip - 1;
    if (mm.xol !== null && this.model === 'current' && bpVaddr === mm.xol.vaddr) { this.handle_trampoline(mm); return; }
    const u = mm.installed.get(bpVaddr);
    if (!u) {
      // Not ours: the program's own int3 gets its SIGTRAP; a probe removed meanwhile is retried.
      const b = mm.p.mem.peek(bpVaddr, 1);
      if (b && b[0] === 0xcc) mm.p.signal(cpu, SIGTRAP, 0x80, 0, 'int3');
      else cpu.rip = bpVaddr;
      return;
    }
    // Handlers and a restart both see ip at the probe.
    cpu.rip = bpVaddr;
    u.hits++;
    mm.utask.phase = 'hit';
    if (this.phases) this.emitPhase({ type: 'hit', uprobe: u, vaddr: bpVaddr });
    this.handler_chain(mm, u, bpVaddr);
    mm.utask.phase = 'handlers';
    if (cpu.exited) return;
    if (cpu.stopRequested) {
      // A consumer asked to stop (a debugger breakpoint): finish the hit when the user goes on.
      mm.utask.pendingXol = { uprobe: u, vaddr: bpVaddr };
      cpu.tif |= TIF_UPROBE;
      return;
    }
    this.afterHandlers(mm, u, bpVaddr);
  }

  private afterHandlers(mm: UprobeMm, u: Uprobe, bpVaddr: number): void {
    const cpu = mm.p.cpu;
    const a = u.arch!;
    const kind = arch_uprobe_skip_sstep(a, cpu, bpVaddr);
    if (kind) {
      mm.utask.phase = 'emulate';
      if (this.phases) {
        this.emitPhase({ type: 'emulate', uprobe: u, kind, ipBefore: bpVaddr, ipAfter: cpu.rip });
        this.emitPhase({ type: 'resume', ip: cpu.rip });
      }
      this.pause(mm);
      mm.utask.phase = 'idle';
      mm.utask.stepPhases = false;
      return;
    }
    this.pre_ssout(mm, u, bpVaddr);
  }

  /** handler_chain: every consumer's handler; all asking REMOVE (and none filtering us in) removes it. */
  private handler_chain(mm: UprobeMm, u: Uprobe, bpVaddr: number): void {
    let remove = UPROBE_HANDLER_REMOVE;
    let needPrep = false;
    // The list as it is now: (un)registering replaces u.consumers and leaves this one alone.
    const consumers = u.consumers;
    for (let k = 0; k < consumers.length; k++) {
      const uc = consumers[k];
      let rc = 0;
      if (uc.handler) {
        rc = uc.handler(uc, u, mm.p);
        if (this.phases) this.emitPhase({ type: 'handler', uprobe: u, consumer: uc.name, result: rc });
      }
      if (uc.retHandler) needPrep = true;
      remove &= rc;
    }
    if (needPrep && !remove) this.prepare_uretprobe(mm, u, bpVaddr);
    if (remove && u.consumers.length && !this.wanted(u, mm.p)) this.removeIn(mm, u, bpVaddr);
  }

  /** pre_ssout: take a slot, copy the instruction, prepare the step. */
  private pre_ssout(mm: UprobeMm, u: Uprobe, bpVaddr: number): void {
    const cpu = mm.p.cpu;
    mm.xol ??= new XolArea(mm.p.mem, this.model === 'current');
    const slot = mm.xol.getSlot();
    if (slot < 0) { cpu.rip = bpVaddr; return; } // no free slot: retry the hit later
    const a = u.arch!;
    const slotAddr = mm.xol.slotAddr(slot);
    // The kernel copies a whole 16-byte buffer: the (rewritten) instruction and the bytes after it.
    mm.xol.copy(slot, a.slotImage);
    const t = mm.utask;
    t.xolVaddr = slotAddr; t.vaddr = bpVaddr; t.slot = slot;
    const scratchBefore = a.ripRel && this.phases ? cpu.get(a.ripRel.scratchReg) : 0;
    arch_uprobe_pre_xol(a, t.autask, cpu, bpVaddr, slotAddr);
    t.activeUprobe = u;
    t.state = UTASK_SSTEP;
    t.phase = 'pre_xol';
    if (this.phases) {
      const scratch = a.ripRel
        ? { reg: GPR_NAMES[a.ripRel.scratchReg], saved: scratchBefore, loaded: cpu.get(a.ripRel.scratchReg) } : undefined;
      this.emitPhase({ type: 'pre_xol', uprobe: u, slot, slotAddr, origBytes: a.insn, slotBytes: a.slotInsn, fixups: a.fixupNames, scratch });
    }
    this.pause(mm);
  }

  /** handle_singlestep: after the step (or its abort), fixups, free the slot, let signals through. */
  private handle_singlestep(mm: UprobeMm): void {
    const cpu = mm.p.cpu;
    const t = mm.utask;
    const u = t.activeUprobe!;
    const a = u.arch!;
    let sigill = false, sigtrap = false;
    if (t.state === UTASK_SSTEP_ACK) {
      const ipAfterStep = cpu.rip;
      const changes = this.phases ? [] : null;
      sigtrap = arch_uprobe_post_xol(a, t.autask, cpu, t.vaddr, t.xolVaddr, changes);
      t.phase = 'post_xol';
      if (changes) this.emitPhase({ type: 'post_xol', uprobe: u, slot: t.slot, ipAfterStep, changes, ip: cpu.rip });
    } else if (t.state === UTASK_SSTEP_TRAPPED) {
      arch_uprobe_abort_xol(a, t.autask, cpu, t.vaddr);
      t.phase = 'abort';
      if (this.phases) this.emitPhase({ type: 'abort', uprobe: u, reason: 'the instruction trapped or a fatal signal arrived', ip: cpu.rip });
    } else {
      sigill = true;
    }
    t.activeUprobe = null;
    t.state = UTASK_RUNNING;
    mm.xol!.free(t.slot);
    t.slot = -1;
    // recalc_sigpending
    if (mm.p.sig.hasDeliverable()) cpu.tif |= TIF_SIGPENDING;
    if (sigill) mm.p.signal(cpu, SIGILL, 0, cpu.rip, 'uprobe: failed to execute the probed instruction');
    if (sigtrap) mm.p.signal(cpu, SIGTRAP, 1, cpu.rip, '');
    if (this.phases) this.emitPhase({ type: 'resume', ip: cpu.rip });
    this.pause(mm);
    t.phase = 'idle';
    t.stepPhases = false;
  }

  /**
   * uprobe_deny_signal: while the task is in the XOL slot, signals wait. A fatal one, or a fault the slot
   * instruction raised, turns the step into an abort.
   */
  private uprobe_deny_signal(mm: UprobeMm, sig: number): boolean {
    const t = mm.utask;
    if (!t.activeUprobe) return false;
    if (t.state === UTASK_SSTEP_TRAPPED) return true;
    const trapped = !t.autask.trapNrIsUprobe;
    if (sig === SIGKILL || trapped) {
      t.state = UTASK_SSTEP_TRAPPED;
      mm.p.cpu.tif |= TIF_UPROBE;
    } else if (this.phases) {
      this.emitPhase({ type: 'signal-held', sig });
    }
    return true;
  }

  // ---- return probes --------------------------------------------------------------------------

  /** prepare_uretprobe: remember the real return address and make the function return to the trampoline. */
  private prepare_uretprobe(mm: UprobeMm, u: Uprobe, func: number): void {
    if (this.model === '2012') return;
    const t = mm.utask;
    if (t.returnInstances.length >= MAX_URETPROBE_DEPTH) {
      mm.p.log(`uprobe: omit uretprobe due to uretprobe_depth in ${mm.p.comm}/${mm.p.pid}`);
      return;
    }
    mm.xol ??= new XolArea(mm.p.mem, true);
    const tramp = mm.xol.trampolineVaddr;
    const cpu = mm.p.cpu;
    let orig = arch_uretprobe_hijack_return_addr(tramp, cpu);
    if (orig === -1) return;
    let chained = false;
    if (orig === tramp) {
      // A nested return probe on a tail call: the real return address is the previous instance's.
      const prev = t.returnInstances[t.returnInstances.length - 1];
      if (!prev) { mm.p.signal(cpu, 11, 0, 0, 'uprobe: unable to find the return address'); return; }
      orig = prev.origRet;
      chained = true;
    }
    t.returnInstances.push({ uprobe: u, func, origRet: orig, stack: cpu.get(4), chained });
    if (this.phases) this.emitPhase({ type: 'uretprobe-hijack', uprobe: u, func, orig, trampoline: tramp });
  }

  /** handle_trampoline: the probed function returned into the trampoline. */
  private handle_trampoline(mm: UprobeMm): void {
    const cpu = mm.p.cpu;
    const t = mm.utask;
    const sp = cpu.get(4);
    // Instances whose frames are gone (longjmp) are dropped.
    while (t.returnInstances.length && t.returnInstances[t.returnInstances.length - 1].stack < sp - 8) t.returnInstances.pop();
    let ri = t.returnInstances.pop();
    if (!ri) { mm.p.signal(cpu, 11, 0, 0, 'uprobe: no return instance'); return; }
    for (;;) {
      cpu.rip = ri.origRet;
      const consumers = ri.uprobe.consumers;
      for (let k = 0; k < consumers.length; k++) {
        const uc = consumers[k];
        if (uc.retHandler) uc.retHandler(uc, ri.uprobe, mm.p, ri.func, ri.origRet);
      }
      if (this.phases) this.emitPhase({ type: 'uretprobe', uprobe: ri.uprobe, func: ri.func, ret: ri.origRet });
      if (!ri.chained) break;
      const next = t.returnInstances.pop();
      if (!next) break;
      ri = next;
    }
    cpu.rip = ri.origRet;
  }

  /** State for the views: the task and XOL area of a process. */
  mmOf(p: Process): UprobeMm | undefined { return this.mms.get(p); }
}

export { signalName, PAGE_SIZE };
