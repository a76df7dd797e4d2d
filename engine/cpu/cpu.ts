// The x86_64 CPU: architectural state, operand access for instruction handlers, the decode cache, the
// fetch/execute loop, and the exceptions it raises (#BP, #DB, page faults, #UD, #DE) handed to the
// "kernel" through a die-notifier chain first, as Linux's do_int3/exc_debug do.

import { Mnemonic } from 'iced-x86';
import { Memory, PAGE_SIZE } from '../memory';
import { GuestFault, SIGILL, SIGSEGV, SIGTRAP, ILL_ILLOPN, TRAP_BRKPT, TRAP_TRACE, SI_KERNEL } from '../errors';
import { Insn, OK_IMM, OK_MEM, OK_REG, Handler } from './insn';
import { decodeInsn, disassemble, TWO32 } from './decode';
import { LazyFlags, TF } from './flags';
import { RSP, REG_AH, SEG_FS, SEG_GS, RC_XMM } from './regs';
import { lookupHandler } from './ops';
import { Block, formBlock, endsIndirect, endsBlock } from './block';
import { compileBlock } from './jit/compile';

/** die-notifier events (arch/x86/include/asm/kdebug.h names). */
export const DIE_INT3 = 1, DIE_DEBUG = 2;
export const NOTIFY_DONE = 0, NOTIFY_STOP = 1;
export type DieNotifier = (cpu: Cpu, event: number) => number;

/** Thread-info work bits checked on the way back to user mode. */
export const TIF_UPROBE = 1, TIF_SIGPENDING = 2, TIF_NOTIFY = 4;

/** Why run() returned. */
export const STOP_BUDGET = 0, STOP_EXIT = 1, STOP_REQUESTED = 2;

export interface CpuHooks {
  /** The syscall instruction. */
  syscall(cpu: Cpu): void;
  /** A hardware exception no notifier took: becomes a signal. */
  signal(cpu: Cpu, sig: number, code: number, addr: number, detail: string): void;
  /** Work pending on return to user mode (TIF bits set). */
  exitToUser(cpu: Cpu): void;
}

/**
 * Interpretations of a block before it is compiled; UL_JIT_HOT overrides it (the tests use 1, so that
 * every block they run goes through the compiler).
 */
const HOT = Math.max(1, Number(process.env.UL_JIT_HOT) || 16);
/** A function of at most this many instructions up to its ret is taken into every block that calls it. */
const SMALL_LEAF = 8;
/** Runs to the same target before a block ending in an indirect transfer is re-formed through it. */
const RESPEC = 32;

/** The block compiler is on unless UL_JIT=0 (the tests run the differential suites both ways). */
const BLOCK_CACHE_MASK = 4095;

export const JIT_DEFAULT = process.env.UL_JIT !== '0';

const unknownInsn: Handler = (cpu, i) => {
  throw new GuestFault(SIGILL, i.ip, `instruction not implemented: ${cpu.describe(i)}`, ILL_ILLOPN);
};

export class Cpu {
  /** General registers, two int32 halves each: [2n] low, [2n+1] high. */
  readonly r = new Int32Array(32);
  rip = 0;
  /** XMM registers, four int32 lanes each. */
  readonly xmm = new Int32Array(64);
  readonly xmmView = new DataView(this.xmm.buffer);
  mxcsr = 0x1f80;
  fsBase = 0;
  gsBase = 0;
  readonly f = new LazyFlags();
  /** High half returned by readOp / readReg64. */
  hi = 0;
  /** Thread-info work bits. */
  tif = 0;
  /** Budget left unused when run() last returned STOP_BUDGET early, before a block too long for it. */
  unspent = 0;
  /** Set by anyone who wants run() to return after the current instruction. */
  stopRequested = false;
  exited = false;
  /** Instructions retired. */
  icount = 0;
  /** Set by a trap handler: the instruction completed and may now single-step trap. */
  private dieNotifiers: DieNotifier[] = [];
  private cache = new Map<number, Insn>();
  /** Decoded instruction addresses per page, for invalidation. */
  private pageInsns = new Map<number, number[]>();
  /** Last instruction started (for messages and the debugger). */
  cur: Insn | null = null;
  /** Blocks by start address, and the blocks covering each page (for invalidation). */
  private blocks = new Map<number, Block>();
  private pageBlocks = new Map<number, Block[]>();
  private blockCache: (Block | null)[] = new Array<Block | null>(BLOCK_CACHE_MASK + 1).fill(null);
  /** Set when decoded code was dropped: a running block checks it after each store and stops. */
  smc = false;
  /** Use the block compiler and block interpreter (off: one instruction at a time). */
  jit = JIT_DEFAULT;
  /** Blocks compiled so far (reported by the CLI's -v). */
  compiledBlocks = 0;
  /** Interpretations of a block before it is compiled (tests set 1 to compile everything at once). */
  hot = HOT;

  constructor(public readonly mem: Memory, public hooks: CpuHooks) {
    mem.onCodeWrite = (no) => this.invalidatePage(no);
  }

  // ---- registers ------------------------------------------------------------------------------

  /** 64-bit register as a number (exact below 2^53; for addresses and counts). */
  get(n: number): number { return this.r[2 * n + 1] * TWO32 + (this.r[2 * n] >>> 0); }
  /** Set a 64-bit register from a number (any value in [-2^63, 2^64)). */
  set(n: number, v: number): void {
    let lo = v % TWO32, hi = Math.floor(v / TWO32);
    if (lo < 0) lo += TWO32;
    this.r[2 * n] = lo | 0; this.r[2 * n + 1] = hi | 0;
  }
  setHalves(n: number, lo: number, hi: number): void { this.r[2 * n] = lo; this.r[2 * n + 1] = hi; }

  get rsp(): number { return this.get(RSP); }
  set rsp(v: number) { this.set(RSP, v); }

  /** Read a register operand of `size` bytes, normalised (1,2: unsigned; 4: int32; 8: lo + this.hi). */
  readReg(num: number, size: number): number {
    this.hi = 0;
    switch (size) {
      case 1: return num >= REG_AH ? (this.r[2 * (num - REG_AH)] >> 8) & 0xff : this.r[2 * num] & 0xff;
      case 2: return this.r[2 * num] & 0xffff;
      case 4: return this.r[2 * num];
      default: this.hi = this.r[2 * num + 1]; return this.r[2 * num];
    }
  }

  /** Write a register operand with x86_64 semantics (32-bit writes zero the upper half). */
  writeReg(num: number, size: number, lo: number, hi: number): void {
    switch (size) {
      case 1:
        if (num >= REG_AH) { const k = 2 * (num - REG_AH); this.r[k] = (this.r[k] & ~0xff00) | ((lo & 0xff) << 8); }
        else this.r[2 * num] = (this.r[2 * num] & ~0xff) | (lo & 0xff);
        return;
      case 2: this.r[2 * num] = (this.r[2 * num] & ~0xffff) | (lo & 0xffff); return;
      case 4: this.r[2 * num] = lo; this.r[2 * num + 1] = 0; return;
      default: this.r[2 * num] = lo; this.r[2 * num + 1] = hi;
    }
  }

  // ---- memory operands ------------------------------------------------------------------------

  /** Effective address of the instruction's memory operand (segment base included). */
  ea(i: Insn): number {
    let lo = i.dispLo >>> 0, hi = i.dispHi;
    if (i.memBase >= 0) { lo += this.r[2 * i.memBase] >>> 0; hi += this.r[2 * i.memBase + 1]; }
    if (i.memIndex >= 0) {
      const s = i.memScale;
      lo += (this.r[2 * i.memIndex] >>> 0) * s;
      hi += Math.imul(this.r[2 * i.memIndex + 1], s);
    }
    if (i.memSeg) {
      const base = i.memSeg === SEG_FS ? this.fsBase : i.memSeg === SEG_GS ? this.gsBase : 0;
      lo += base % TWO32; hi += Math.floor(base / TWO32);
    }
    const carry = Math.floor(lo / TWO32);
    lo = lo - carry * TWO32;
    hi = (hi + carry) | 0;
    if (hi < 0 || hi >= 0x8000) {
      // Non-canonical or kernel half: #GP (si_addr 0) or a page fault on a kernel address.
      const canon = hi >= 0 ? hi < 0x8000 : hi >= -0x8000;
      throw new GuestFault(SIGSEGV, canon ? (hi >>> 0) * TWO32 + lo : 0, '', canon ? 1 : SI_KERNEL);
    }
    return hi * TWO32 + lo;
  }

  readMem(addr: number, size: number): number {
    const m = this.mem;
    this.hi = 0;
    switch (size) {
      case 1: return m.read8(addr);
      case 2: return m.read16(addr);
      case 4: return m.read32(addr);
      default: { const lo = m.read64(addr); this.hi = m.hi; return lo; }
    }
  }

  writeMem(addr: number, size: number, lo: number, hi: number): void {
    const m = this.mem;
    switch (size) {
      case 1: m.write8(addr, lo); return;
      case 2: m.write16(addr, lo); return;
      case 4: m.write32(addr, lo); return;
      default: m.write64(addr, lo, hi);
    }
  }

  /** Read operand n (normalised to its size; the high half of 64-bit values in this.hi). */
  readOp(i: Insn, n: number): number {
    switch (i.kind[n]) {
      case OK_REG: return this.readReg(i.reg[n], i.size[n]);
      case OK_MEM: return this.readMem(this.ea(i), i.size[n]);
      case OK_IMM: {
        const s = i.size[n];
        this.hi = s === 8 ? i.immHi : 0;
        return s === 1 ? i.immLo & 0xff : s === 2 ? i.immLo & 0xffff : i.immLo;
      }
    }
    this.hi = 0;
    return 0;
  }

  writeOp(i: Insn, n: number, lo: number, hi: number): void {
    if (i.kind[n] === OK_REG) this.writeReg(i.reg[n], i.size[n], lo, hi);
    else this.writeMem(this.ea(i), i.size[n], lo, hi);
  }

  // ---- stack ----------------------------------------------------------------------------------

  push64(lo: number, hi: number): void {
    const sp = this.get(RSP) - 8;
    this.mem.write64(sp, lo, hi);
    this.set(RSP, sp);
  }

  pushNum(v: number): void { this.push64(v % TWO32 | 0, Math.floor(v / TWO32) | 0); }

  /** Pop 64 bits: low half returned, high in this.hi. */
  pop64(): number {
    const sp = this.get(RSP);
    const lo = this.mem.read64(sp);
    this.hi = this.mem.hi;
    this.set(RSP, sp + 8);
    return lo;
  }

  // ---- XMM ------------------------------------------------------------------------------------

  /** 32-bit lane k of xmm register n. */
  xl(n: number, k: number): number { return this.xmm[4 * n + k]; }

  // ---- decode cache ---------------------------------------------------------------------------

  decodeAt(ip: number): Insn {
    const bytes = this.mem.fetch(ip, 15);
    const i = decodeInsn(bytes, ip, lookupHandler, unknownInsn);
    if (!i) {
      if (bytes.length < 15) {
        // The instruction may run into an unmapped or non-executable page: fault on that page.
        this.mem.fetch(ip + bytes.length, 1);
      }
      throw new GuestFault(SIGILL, ip, `invalid instruction bytes ${hex(bytes.subarray(0, 4))}`, ILL_ILLOPN);
    }
    this.cache.set(ip, i);
    const first = Math.floor(ip / PAGE_SIZE), last = Math.floor((i.next - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) {
      let l = this.pageInsns.get(p);
      if (!l) { l = []; this.pageInsns.set(p, l); }
      l.push(ip);
      this.mem.markCode(p * PAGE_SIZE);
    }
    return i;
  }

  /** Drop decoded instructions covering a page (self-modifying code, int3 insertion/removal). */
  invalidatePage(pageNo: number): void {
    const l = this.pageInsns.get(pageNo);
    if (l) {
      for (const ip of l) this.cache.delete(ip);
      this.pageInsns.delete(pageNo);
    }
    const bl = this.pageBlocks.get(pageNo);
    if (bl) {
      for (const b of bl) {
        b.live = false;
        if (this.blocks.get(b.start) === b) this.blocks.delete(b.start);
      }
      this.pageBlocks.delete(pageNo);
    }
    this.smc = true;
  }

  /**
   * Functions that blocks go through by a direct call (block.ts formBlock): the first block to call a
   * function takes it in, later ones end at the call, so that a function called from many places is
   * compiled once, in its own block, instead of once per caller. A leaf function of a few straight-line
   * instructions is taken in by every caller: compiling it again costs less than two more block
   * dispatches on every call; so is a function that reaches an int3 within as many instructions (a
   * probed function, whose breakpoint ends the caller's block there). Both sets only steer how blocks
   * are formed, never what they do, so a rewritten function leaves them stale without harm (exec's
   * flushCode clears them).
   */
  private calledInto = new Set<number>();
  private leaf = new Map<number, boolean>();
  private readonly intoCall = (target: number): boolean => !this.calledInto.has(target) || this.smallLeaf(target);
  private noteCallees(targets: number[]): void { for (const t of targets) this.calledInto.add(t); }
  private smallLeaf(target: number): boolean {
    let small = this.leaf.get(target);
    if (small === undefined) {
      small = false;
      try {
        for (let k = 0, at = target; k < SMALL_LEAF; k++) {
          const i = this.insnAt(at);
          // An int3 (a uprobe's breakpoint, as a rule) ends the caller's block right there: taking the
          // function in compiles nothing of it beyond the few instructions before it.
          if (i.mnemonic === Mnemonic.Ret || i.mnemonic === Mnemonic.Int3) { small = true; break; }
          if (endsBlock(i, unknownInsn)) break;
          at = i.next;
        }
      } catch (e) {
        if (!(e instanceof GuestFault)) throw e;
      }
      this.leaf.set(target, small);
    }
    return small;
  }

  /** The block starting at ip (formed now if needed), or null if its first instruction cannot decode. */
  private blockAt(ip: number): Block | null {
    // A direct-mapped cache in front of the map (addresses above 2^30 are slow map keys).
    const slot = ip & BLOCK_CACHE_MASK;
    let b = this.blockCache[slot];
    if (b !== null && b.start === ip && b.live) return b;
    const known = this.blocks.get(ip);
    if (known) { this.blockCache[slot] = known; return known; }
    b = formBlock(ip, a => this.insnAt(a), unknownInsn, undefined, this.intoCall);
    if (!b) return null;
    this.noteCallees(b.callees);
    this.blocks.set(ip, b);
    this.blockCache[slot] = b;
    for (const p of b.pages) {
      let l = this.pageBlocks.get(p);
      if (!l) { l = []; this.pageBlocks.set(p, l); }
      l.push(b);
    }
    return b;
  }

  /** Instructions in the block at ip (1 if none forms there): a budget that runs exactly that block. */
  blockLength(ip: number): number { return this.blockAt(ip)?.n ?? 1; }

  /** Forget every block and decoded instruction (after exec replaced the address space). */
  flushCode(): void {
    this.cache.clear(); this.pageInsns.clear(); this.blocks.clear(); this.pageBlocks.clear(); this.calledInto.clear(); this.leaf.clear();
    this.blockCache.fill(null);
  }

  /** The decoded instruction at ip, from the cache (decoding it if needed). */
  insnAt(ip: number): Insn { return this.cache.get(ip) ?? this.decodeAt(ip); }

  describe(i: Insn): string {
    if (!i.text) i.text = `${disassemble(i.bytes, i.ip)[0]} (${hex(i.bytes)})`;
    return i.text;
  }

  // ---- traps ----------------------------------------------------------------------------------

  addDieNotifier(n: DieNotifier): void { this.dieNotifiers.push(n); }
  removeDieNotifier(n: DieNotifier): void { this.dieNotifiers = this.dieNotifiers.filter(x => x !== n); }

  /** Run the die-notifier chain; returns true if a notifier took the event. */
  notifyDie(event: number): boolean {
    for (const n of this.dieNotifiers) if (n(this, event) === NOTIFY_STOP) return true;
    return false;
  }

  /** #BP from int3: ip already points after the int3. */
  int3(): void {
    if (this.notifyDie(DIE_INT3)) return;
    this.hooks.signal(this, SIGTRAP, SI_KERNEL, 0, 'int3');
  }

  // ---- execution ------------------------------------------------------------------------------

  /**
   * Execute up to `budget` instructions. Returns STOP_EXIT when the process ended, STOP_REQUESTED when
   * stopRequested was set, STOP_BUDGET when the budget ran out, or when the next block would overrun
   * it (`unspent` then says how much of it was left).
   */
  run(budget: number): number {
    const cache = this.cache;
    const initial = budget;
    this.unspent = 0;
    while (budget > 0) {
      // Work pending on the way back to user mode (uprobes, signals) runs before the next instruction.
      if (this.tif) this.hooks.exitToUser(this);
      if (this.exited) return STOP_EXIT;
      if (this.stopRequested) { this.stopRequested = false; return STOP_REQUESTED; }
      const ip = this.rip;
      const stepping = (this.f.bits & TF) !== 0;
      // A whole block at a time, unless something must look at every instruction boundary: a trap
      // flag, pending work (a raise-at test hook keeps TIF set), or a budget shorter than the block.
      if (this.jit && !stepping && this.tif === 0) {
        const b = this.blockAt(ip);
        if (b !== null && b.n <= budget) {
          const before = this.icount;
          try {
            this.runBlocks(b, budget);
          } catch (e) {
            if (!(e instanceof GuestFault)) throw e;
            // rip is on the faulting instruction.
            this.hooks.signal(this, e.signal, e.code, e.addr, e.detail);
          }
          budget -= this.icount - before;
          continue;
        }
        // What is left of the budget is shorter than the block: end here, at the block's start, once
        // this call has run anything (run(n) always makes progress). Interpreting the budget's last
        // instructions one by one would start the next call in the middle of the block, where a new
        // block would be formed and compiled: slice after slice, every instruction of a long loop would
        // end up compiled into several overlapping blocks.
        if (b !== null && budget < initial) { this.unspent = budget; return STOP_BUDGET; }
      }
      budget--;
      let i: Insn | undefined = cache.get(ip);
      try {
        if (i === undefined) i = this.decodeAt(ip);
        this.cur = i;
        this.rip = i.next;
        i.exec(this, i);
        this.icount++;
      } catch (e) {
        if (!(e instanceof GuestFault)) throw e;
        // Faulting instruction: ip stays on it (or on the fetch address).
        this.rip = ip;
        this.hooks.signal(this, e.signal, e.code, e.addr, e.detail);
        continue;
      }
      // After syscall the kernel returns with TF still set: the trap comes after the next instruction.
      if (stepping && !this.exited && !i.trapAfterNext) {
        // #DB after one instruction under TF.
        if (!this.notifyDie(DIE_DEBUG)) this.hooks.signal(this, SIGTRAP, TRAP_TRACE, this.rip, 'single-step');
      }
    }
    if (this.tif && !this.stopRequested) this.hooks.exitToUser(this);
    return this.exited ? STOP_EXIT : STOP_BUDGET;
  }

  /**
   * Run blocks back to back, starting with b, while nothing needs the outer loop: pending work (TIF),
   * a trap flag, a stop, the end of the process, dropped code, or a block longer than what is left of
   * the budget. Each block remembers the last two blocks that followed it, so the common case finds
   * its successor without a lookup.
   */
  private runBlocks(b: Block, budget: number): void {
    const start = this.icount;
    for (;;) {
      this.smc = false;
      if (b.fn !== null) {
        const c0 = this.icount;
        b.fn(this, budget - (c0 - start));
        // Left through its final indirect call or jmp (one pass, every instruction): count the runs in a row
        // that went to the same target.
        // (An int3 counts only when its uprobe hit was handled on the spot, leaving nothing pending and no
        // single-step out of line under way.)
        if (b.stable >= 0 && this.icount - c0 === b.n && this.tif === 0 && (this.f.bits & TF) === 0) {
          if (this.rip === b.lastTarget) { if (++b.stable >= RESPEC) this.respecialize(b, this.rip); }
          else { b.lastTarget = this.rip; b.stable = 1; }
        }
      } else if (!b.cold && ++b.hits >= this.hot) {
        b.fn = compileBlock(b);
        if (b.fn === null) { b.cold = true; this.interpretBlock(b); }
        else { this.compiledBlocks++; b.fn(this, budget - (this.icount - start)); }
      } else this.interpretBlock(b);
      if (this.tif !== 0 || this.smc || this.exited || this.stopRequested || (this.f.bits & TF) !== 0) return;
      const ip = this.rip;
      let nb = b.succ0;
      if (nb === null || nb.start !== ip || !nb.live) {
        nb = b.succ1;
        if (nb === null || nb.start !== ip || !nb.live) {
          nb = this.blockAt(ip);
          if (nb === null) return;
          b.succ1 = b.succ0; b.succ0 = nb;
        }
      }
      if (nb.n > budget - (this.icount - start)) return;
      b = nb;
    }
  }

  /**
   * A compiled block that ends with an indirect call or jmp has gone to the same target RESPEC times in
   * a row: form it again through that target (block.ts guards it: the block leaves there if the target
   * ever differs) and compile the longer block. At most two such re-formings per block.
   */
  private respecialize(b: Block, target: number): void {
    const last = b.insns[b.n - 1];
    const hints = new Map(b.hints ?? []);
    hints.set(last.ip, target);
    // The longer block may go through the same calls as before.
    const own = b.callees;
    const nb = formBlock(b.start, a => this.insnAt(a), unknownInsn, hints, t => own.includes(t) || this.intoCall(t));
    b.stable = -1;
    if (nb === null || nb.n <= b.n) return;
    const fn = compileBlock(nb);
    if (fn === null) return;
    b.insns = nb.insns; b.n = nb.n; b.fn = fn; b.hints = hints;
    this.noteCallees(nb.callees.filter(t => !own.includes(t)));
    b.callees = nb.callees;
    this.compiledBlocks++;
    for (const p of nb.pages) {
      if (b.pages.includes(p)) continue;
      b.pages.push(p);
      let l = this.pageBlocks.get(p);
      if (!l) { l = []; this.pageBlocks.set(p, l); }
      l.push(b);
    }
    // Once more if the longer block again ends indirectly.
    if (hints.size < 2 && endsIndirect(b)) b.stable = 0;
  }

  /**
   * Run a block's instructions with their handlers (cold code, before the block is compiled). On a
   * fault, rip is left on the faulting instruction and the fault propagates.
   */
  private interpretBlock(b: Block): void {
    const insns = b.insns;
    for (let k = 0; k < insns.length; k++) {
      const i = insns[k];
      this.cur = i;
      this.rip = i.next;
      try { i.exec(this, i); } catch (e) { this.rip = i.ip; throw e; }
      this.icount++;
      // A store that dropped decoded code (possibly this block's own) ends the run, and so does a control
      // transfer anywhere but into the block's next instruction (a followed jmp or call, or a guarded
      // ret or indirect transfer whose target was the one predicted).
      // (an int3 the block goes on through must also leave no stop request or trap flag behind)
      if (this.smc || this.exited || this.tif !== 0 || this.stopRequested || (this.f.bits & TF) !== 0) return;
      if (k + 1 < insns.length && this.rip !== insns[k + 1].ip) return;
    }
  }

  /** Execute exactly one instruction (the debugger's instruction step). */
  step(): number { return this.run(1); }
}

export function hex(b: Uint8Array): string {
  return Array.from(b, x => x.toString(16).padStart(2, '0')).join(' ');
}

export { TRAP_BRKPT, RC_XMM };
