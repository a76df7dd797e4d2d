// The code generator's state while one block is compiled: JavaScript source lines, which guest
// registers live in locals (L<n> low half, H<n> high half), which of them changed, and what the lazy
// flag locals describe at this point of the block. Family emitters (emit-*.ts) call these helpers to read
// and write operands and flags; they never touch the Cpu object directly except through here.
//
// Invariants the generated function keeps, so that any exit (end of block, fault, a handler called out
// of line) leaves the architectural state exact:
//  - per instruction, everything that can fault (memory reads, writes, address checks) comes before any
//    register or flag local changes;
//  - `k` holds the index of the instruction that may fault; the catch clause stores the locals back
//    and puts rip on that instruction;
//  - before an instruction run by its interpreter handler, changed locals are stored to the Cpu, and all
//    register and flag locals are reloaded after it.

import type { Insn } from '../insn';
import { OK_IMM, OK_MEM, OK_REG } from '../insn';
import { REG_AH, RC_GPR, RSP, SEG_FS, SEG_GS } from '../regs';
import { TLB_SET_JS, tlbSet } from '../../memory';
import { L_NONE, L_ADD, L_SUB, L_LOGIC, L_INC, L_DEC, L_ADC, L_SBB, CF, PF, AF, ZF, SF, OF, ARITH } from '../flags';

export { CF, PF, AF, ZF, SF, OF, ARITH };
export const TASK_LIMIT = 0x800000000000;

/** A value as two JavaScript expressions: the low half (normalised to the operand size) and the high. */
export interface Val { lo: string; hi: string }

const SIGN = ['0', '128', '32768', '', '-2147483648', '', '', '', '-2147483648'];

/** A register's anchor: local `v` held its value when bound; the register is now v + delta. */
export interface Anchor { v: string; lo: string; hi: string; delta: number; ref: PageRef | null }
/**
 * A reference address and its pages: `at` the address (a local, or a constant for a constant page
 * `pn`), `o` its offset in the page, `k` its offset from the anchor, r/w DataView locals once looked up.
 */
interface PageRef { at: string; o: string; k?: number; pn?: number; r: string | null; w: string | null }

export class Gen {
  private out: string[] = [];
  /** Guest registers cached in locals (0..15). */
  readonly regs = new Set<number>();
  /** Registers written anywhere in the block (stored at exits). */
  readonly written = new Set<number>();
  /** Written since the last store to the Cpu (stored before a handler runs). */
  private dirty = new Set<number>();
  /** The block uses the flag locals. */
  usesFlags = false;
  /** Some instruction reads flags the block has not set itself (the prologue loads them). */
  flagsLiveIn = true;
  /** Some memory access goes through the TLB arrays inline (the prologue fetches them). */
  usesTlb = false;
  /** Some instruction reads or writes xmm registers inline (X = cpu.xmm in the prologue). */
  usesXmm = false;
  /** Lazy kind and size the flag locals hold now, when known at compile time. */
  known: { kind: number; size: number } | null = null;
  /** Flag locals changed since they were last stored to cpu.f. */
  private flagsDirty = false;
  /** Flags the rest of the block (or an exit) still needs after the current instruction. */
  liveAfter = ARITH;
  /** Index and instruction being emitted. */
  idx = 0;
  insn!: Insn;
  /** The current instruction wrote guest memory (an exit check for self-modifying code follows). */
  stored = false;
  private tmp = 0;
  /** Address of the block's next instruction after the current one (-1 at the end): a guard's target. */
  nextIp = -1;
  /**
   * Leave the block for target local `t` unless it is the next instruction's address (a ret or an
   * indirect transfer inside the block: block.ts went on at its predicted target).
   */
  guardedExit(t: string): void {
    if (this.idx < this.blockLen - 1) {
      this.line(`if (${t} !== ${this.nextIp}) {`);
      this.exitTo(t);
      this.line('}');
      return;
    }
    // The block's last instruction: back to its own start is a loop (a compare function returning to
    // the sort loop that called it), anything else an exit.
    this.line(`if (${t} === ${this.blockStart}) {`);
    this.loop();
    this.line('}');
    this.exitTo(t);
  }
  /** Instructions in the block and its first address (for exits and the loop back to the start). */
  blockLen = 0;
  blockStart = 0;

  line(s: string): void { this.out.push(s); }
  /**
   * The block's code. Code emitted before the whole block is known (the stores before a handler run
   * out of line, the reloads after it) holds placeholders for the final sets: every register the
   * block uses (P_REGS) or writes (P_WRITTEN), and the flag locals (P_FLAGS_OUT, P_FLAGS_IN).
   */
  source(): string {
    const regs = [...this.regs].map(n => `L${n} = r[${2 * n}]; H${n} = r[${2 * n + 1}];`).join(' ');
    const written = [...this.written].map(n => `r[${2 * n}] = L${n}; r[${2 * n + 1}] = H${n};`).join(' ');
    const flagsOut = this.usesFlags ? this.storeFlags() : '', flagsIn = this.usesFlags ? LOAD_FLAGS : '';
    return this.out.join('\n').replace(/\u0001[RWOI]/g, m => m[1] === 'R' ? regs : m[1] === 'W' ? written : m[1] === 'O' ? flagsOut : flagsIn);
  }
  /** A fresh local name. */
  t(prefix = 't'): string { return `${prefix}${this.tmp++}`; }

  // ---- registers ------------------------------------------------------------------------------

  /** Can this operand be handled in generated code? (general registers, memory, immediates, <= 8 bytes) */
  static simpleOperand(i: Insn, n: number): boolean {
    const s = i.size[n];
    if (s !== 1 && s !== 2 && s !== 4 && s !== 8) return false;
    switch (i.kind[n]) {
      case OK_REG: return i.rcls[n] === RC_GPR && i.reg[n] >= 0 && i.reg[n] < REG_AH + 4;
      case OK_MEM: return true;
      case OK_IMM: return true;
    }
    return false;
  }

  private use(n: number): number { const r = n >= REG_AH ? n - REG_AH : n; this.regs.add(r); return r; }

  /** Note the registers an instruction's memory operand and register operands touch. */
  noteRegs(i: Insn): void {
    for (let n = 0; n < i.opCount && n < 4; n++) if (i.kind[n] === OK_REG && i.rcls[n] === RC_GPR && i.reg[n] >= 0 && i.reg[n] < 20) this.use(i.reg[n]);
    if (i.memBase >= 0) this.use(i.memBase);
    if (i.memIndex >= 0) this.use(i.memIndex);
  }

  /** Read a whole 64-bit register. */
  reg64(n: number): Val { this.use(n); return { lo: `L${n}`, hi: `H${n}` }; }

  /** Set a whole 64-bit register from two int32 expressions (evaluated before either half changes). */
  setReg64(n: number, lo: string, hi: string): void {
    this.use(n); this.mark(n);
    if (lo === `L${n}`) { this.line(`H${n} = ${hi};`); return; }
    if (hi === `H${n}`) { this.line(`L${n} = ${lo};`); return; }
    const a = this.t(), b = this.t();
    this.line(`const ${a} = ${lo}, ${b} = ${hi}; L${n} = ${a}; H${n} = ${b};`);
  }

  private mark(n: number): void { this.written.add(n); this.dirty.add(n); this.anchors.delete(n); }

  /** A register operand of `size` bytes, normalised as the interpreter's readReg does. */
  regRead(num: number, size: number): Val {
    if (num >= REG_AH) { const r = this.use(num); return { lo: `((L${r} >> 8) & 255)`, hi: '0' }; }
    this.use(num);
    switch (size) {
      case 1: return { lo: `(L${num} & 255)`, hi: '0' };
      case 2: return { lo: `(L${num} & 65535)`, hi: '0' };
      case 4: return { lo: `L${num}`, hi: '0' };
      default: return { lo: `L${num}`, hi: `H${num}` };
    }
  }

  /** Write a register operand with x86_64 semantics; lo/hi must be simple (locals or constants). */
  regWrite(num: number, size: number, lo: string, hi: string): void {
    if (num >= REG_AH) {
      const r = this.use(num); this.mark(r);
      this.line(`L${r} = (L${r} & -65281) | ((${lo} & 255) << 8);`);
      return;
    }
    this.use(num); this.mark(num);
    switch (size) {
      case 1: this.line(`L${num} = (L${num} & -256) | (${lo} & 255);`); return;
      case 2: this.line(`L${num} = (L${num} & -65536) | (${lo} & 65535);`); return;
      case 4: this.line(`L${num} = ${lo}; H${num} = 0;`); return;
      default: this.line(`L${num} = ${lo}; H${num} = ${hi};`);
    }
  }

  // ---- memory ---------------------------------------------------------------------------------

  /**
   * Emit the effective address of the instruction's memory operand into a local; returns its name.
   * The value is exact whenever it is a user address. Anything else (wrap-around, a non-canonical or
   * kernel address, or a sum past 2^53 that a double cannot hold) is no page number the TLB holds, so
   * memRead and memWrite reach their slow path, which sends such an address to the interpreter's ea()
   * (it faults or wraps exactly as the hardware does) before the Memory method. `checked` moves that
   * test here instead, for the few users of the address that do more than read or write through
   * memRead and memWrite.
   */
  addr(i: Insn, checked = false): string {
    this.faultPoint();
    const a = this.t('ad');
    if (i.ripRel || (i.memBase < 0 && i.memIndex < 0)) {
      const v = (i.dispHi >>> 0) * 4294967296 + (i.dispLo >>> 0);
      if (!i.memSeg && v < TASK_LIMIT) { this.line(`const ${a} = ${v};`); this.constAddr.set(a, v); return a; }
    }
    if (i.memBase >= 0 && i.memIndex < 0 && !i.memSeg && !i.ripRel && i.dispHi === (i.dispLo >> 31)) {
      // Base plus a 32-bit displacement: relative to the base register's anchor (see anchorOf).
      const an = this.anchorOf(i.memBase), k = an.delta + i.dispLo;
      this.line(`${checked ? 'let' : 'const'} ${a} = ${an.v} + ${k};`);
      this.anchoredAddr.set(a, { an, k });
      const exact = `(r[${2 * i.memBase}] = L${i.memBase}, r[${2 * i.memBase + 1}] = H${i.memBase}, cpu.ea(INS[${this.idx}]))`;
      if (checked) this.line(`if (!(${a} >= 0 && ${a} < ${TASK_LIMIT})) ${a} = ${exact};`);
      else this.unchecked.set(a, exact);
      return a;
    }
    const lo: string[] = [], hi: string[] = [];
    if (i.memBase >= 0) { this.use(i.memBase); lo.push(`(L${i.memBase} >>> 0)`); hi.push(`H${i.memBase}`); }
    if (i.memIndex >= 0) {
      this.use(i.memIndex);
      const s = i.memScale;
      lo.push(s === 1 ? `(L${i.memIndex} >>> 0)` : `(L${i.memIndex} >>> 0) * ${s}`);
      hi.push(s === 1 ? `H${i.memIndex}` : `H${i.memIndex} * ${s}`);
    }
    if (i.dispLo !== 0) lo.push(String(i.dispLo >>> 0));
    if (i.dispHi !== 0) hi.push(String(i.dispHi));
    if (i.memSeg === SEG_FS) lo.push('cpu.fsBase'); else if (i.memSeg === SEG_GS) lo.push('cpu.gsBase');
    const hiE = hi.length ? hi.join(' + ') : '0';
    const loE = lo.length ? lo.join(' + ') : '0';
    // ea() reads the registers from the Cpu: give it the current base and index first.
    const sync = [i.memBase, i.memIndex].filter(n => n >= 0).map(n => `r[${2 * n}] = L${n}, r[${2 * n + 1}] = H${n}`).join(', ');
    const exact = `(${sync}${sync ? ', ' : ''}cpu.ea(INS[${this.idx}]))`;
    const e = `${hiE === '0' ? '' : `(${hiE}) * 4294967296 + `}${loE}`;
    if (checked) {
      this.line(`let ${a} = ${e};`);
      this.line(`if (!(${a} >= 0 && ${a} < ${TASK_LIMIT})) ${a} = ${exact};`);
    } else {
      this.line(`const ${a} = ${e};`);
      this.unchecked.set(a, exact);
    }
    return a;
  }

  /** Address locals whose range test waits for the slow path, and the exact address for that case. */
  private unchecked = new Map<string, string>();

  /** The address a slow path (a Memory method) gets: exact even when the local is not a user address. */
  private slowAddr(a: string): string {
    const exact = this.unchecked.get(a);
    return exact === undefined ? a : `(${a} >= 0 && ${a} < ${TASK_LIMIT} ? ${a} : ${exact})`;
  }

  /**
   * A store's slow path (a Memory method or a helper that calls one). Only it can write to a page
   * with decoded code (the write TLB never holds one): it notes that in `sm`, and the block leaves
   * after the instruction (compile.ts).
   */
  slowStore(call: string): string {
    this.stored = true;
    return `{ ${call}; if (cpu.smc) sm = 1; }`;
  }

  // ---- anchors: one TLB look-up for the accesses of a block that share a base register --------
  //
  // The first access through base register R (no index, no segment) binds R's value at that point to
  // a local, R's anchor; while R changes only by constants the generator follows (push, pop, call and
  // ret move rsp by 8), every later access through R is "anchor + constant". The first access of an
  // anchor also fixes a reference address; its page is looked up once, for reads and once for writes,
  // in declarations hoisted to the loop body's level (before the instruction that first needs them),
  // and each access then needs only its in-page offset, reference offset plus a constant. Accesses to
  // constant addresses (rip-relative data) share one look-up per page the same way. An access whose
  // offset falls outside the reference page, or whose page was not in the TLB, goes through the
  // Memory method. A page found once stays valid for the block: only a handler run out of line (a
  // system call: munmap, mprotect) can change mappings, and after one every anchor is forgotten; the
  // write TLB never holds a page with decoded code, and no code is decoded while a block runs.

  /** Register -> its anchor: the local holding its value (a number) when bound, and what was added since. */
  private anchors = new Map<number, Anchor>();
  /** Address local -> the anchor it is relative to and the offset. */
  private anchoredAddr = new Map<string, { an: Anchor; k: number }>();
  /** Address local -> its value, for compile-time constant addresses. */
  private constAddr = new Map<string, number>();
  /** Page number -> its reference, for constant addresses. */
  private constPages = new Map<number, PageRef>();
  /** Index in `out` where the current instruction's code starts: hoisted declarations go before it. */
  private insnStart = 0;

  /** Start the code of the current instruction (a new scope). */
  beginInsn(): void { this.insnStart = this.out.length; this.line('{'); }

  /** Declare something at the loop body's level, before the current instruction. */
  private hoist(s: string): void { this.out.splice(this.insnStart, 0, s); this.insnStart++; }

  /** Forget every anchor and page reference (after a handler ran out of line). */
  forgetPages(): void { this.anchors.clear(); this.constPages.clear(); }

  /** The anchor of register n, bound now if it has none. */
  private anchorOf(n: number): Anchor {
    let an = this.anchors.get(n);
    if (!an) {
      this.use(n);
      const v = this.t('A');
      this.hoist(`const ${v}l = L${n}, ${v}h = H${n}, ${v} = ${v}h * 4294967296 + (${v}l >>> 0);`);
      an = { v, lo: `${v}l`, hi: `${v}h`, delta: 0, ref: null };
      this.anchors.set(n, an);
    }
    return an;
  }

  /** Register n's anchor, if it has one (none is bound). */
  peekAnchor(n: number): Anchor | undefined { return this.anchors.get(n); }

  /**
   * Register n was just set to what anchor `an` describes plus `by` (add or sub of a constant, lea
   * of a base and a displacement): it keeps that anchor, so later accesses through it need no look-up.
   */
  shiftAnchor(n: number, an: Anchor | undefined, by: number): void {
    if (an !== undefined && Math.abs(an.delta + by) < 0x40000000) this.anchors.set(n, { ...an, delta: an.delta + by });
  }

  /**
   * rsp plus `delta` as an address local, relative to rsp's anchor (push, pop, call, ret). Memory
   * methods range-check what they get, so this needs no exact form.
   */
  stackAddr(delta: number): string {
    const an = this.anchorOf(RSP), a = this.t('ad'), k = an.delta + delta;
    this.line(`const ${a} = ${an.v} + ${k};`);
    this.anchoredAddr.set(a, { an, k });
    return a;
  }

  /** Set rsp to stack address local `a` plus `plus` (from stackAddr), keeping rsp's anchor. */
  setStack(a: string, plus: number): void {
    const x = this.anchoredAddr.get(a);
    if (!x) {
      const e = plus ? `${a} + ${plus}` : a;
      this.setReg64(RSP, `(${e}) | 0`, `Math.floor((${e}) / 4294967296) | 0`);
      return;
    }
    // rsp = anchor + k, in 32-bit halves: the low half wraps, the high half takes the carry (k > 0)
    // or the borrow (k < 0) out of it.
    const an = x.an, k = x.k + plus;
    if (k === 0) this.setReg64(RSP, an.lo, an.hi);
    else {
      const l = this.t();
      this.line(`const ${l} = (${an.lo} + ${k}) | 0;`);
      this.setReg64(RSP, l, k > 0 ? `(${an.hi} + ((${l} >>> 0) < (${an.lo} >>> 0) ? 1 : 0)) | 0` : `(${an.hi} - ((${l} >>> 0) > (${an.lo} >>> 0) ? 1 : 0)) | 0`);
    }
    this.anchors.set(RSP, { ...an, delta: k });
  }

  /** The reference page of an anchor for reads or writes: a DataView local, or null when not in the TLB. */
  private refPage(ref: PageRef, t: 'r' | 'w'): string {
    const have = t === 'r' ? ref.r : ref.w;
    if (have) return have;
    const T = t === 'r' ? 'rT' : 'wT', P = t === 'r' ? 'rP' : 'wP';
    const p = this.t('P'), d = this.t('D');
    if (ref.pn !== undefined) {
      const set = tlbSet(ref.pn);
      this.hoist(`const ${p} = ${T}[${set}] === ${ref.pn} ? ${P}[${set}] : null, ${d} = ${p} !== null ? ${p}.dv : null;`);
    } else {
      const pn = this.t('pn'), s = this.t('s');
      this.hoist(`const ${pn} = Math.floor(${ref.at} / 4096), ${s} = ${TLB_SET_JS(pn)}, ${p} = ${T}[${s}] === ${pn} ? ${P}[${s}] : null, ${d} = ${p} !== null ? ${p}.dv : null;`);
    }
    if (t === 'r') ref.r = d; else ref.w = d;
    this.usesTlb = true;
    return d;
  }

  /**
   * The fast path of an access of `size` bytes at address local `a`: a condition under which DataView
   * `dv` holds the bytes at offset `o` (all three expressions valid only inside the condition's true
   * branch for dv and o).
   */
  private fast(a: string, t: 'r' | 'w', size: number): { cond: string; dv: string; o: string } | null {
    const lim = 4096 - size;
    const c = this.constAddr.get(a);
    if (c !== undefined) {
      const pn = Math.floor(c / 4096), o = c - pn * 4096;
      if (o > lim) return null;
      let ref = this.constPages.get(pn);
      if (!ref) { ref = { pn, at: String(pn * 4096), o: '0', r: null, w: null }; this.constPages.set(pn, ref); }
      const dv = this.refPage(ref, t);
      return { cond: `${dv} !== null`, dv, o: String(o) };
    }
    const x = this.anchoredAddr.get(a);
    if (x) {
      const an = x.an;
      if (!an.ref) {
        const at = this.t('R'), o = this.t('O');
        this.hoist(`const ${at} = ${an.v} + ${x.k}, ${o} = ${at} & 4095;`);
        an.ref = { at, o, k: x.k, r: null, w: null };
      }
      const ref = an.ref, dv = this.refPage(ref, t), d = x.k - ref.k!;
      const o = this.t('o');
      this.line(`const ${o} = ${ref.o} + ${d};`);
      const lo = d < 0 ? ` && ${o} >= 0` : '', hi = d + 4095 > lim ? ` && ${o} <= ${lim}` : '';
      return { cond: `${dv} !== null${lo}${hi}`, dv, o };
    }
    const pg = this.lookup(a, t), o = this.t('o');
    this.line(`const ${o} = ${a} & 4095;`);
    return { cond: `${pg} !== null && ${o} <= ${lim}`, dv: `${pg}.dv`, o };
  }

  /**
   * A memory read, inline when the access stays within a page the TLB holds; anything else (a miss, a
   * page-crossing access, a fault) goes through the Memory's method, which fills the TLB or raises the
   * fault.
   */
  memRead(a: string, size: number): Val {
    this.usesTlb = true;
    const v = this.t('m'), f = this.fast(a, 'r', size);
    const sa = this.slowAddr(a);
    const slow = size === 1 ? `mem.read8(${sa})` : size === 2 ? `mem.read16(${sa})` : `mem.read32(${sa})`;
    switch (size) {
      case 1: case 2: case 4: {
        const get = size === 1 ? 'getUint8' : size === 2 ? 'getUint16' : 'getInt32';
        this.line(f ? `const ${v} = ${f.cond} ? ${f.dv}.${get}(${f.o}${size > 1 ? ', true' : ''}) : ${slow};` : `const ${v} = ${slow};`);
        return { lo: v, hi: '0' };
      }
      default:
        if (f) this.line(`let ${v}, ${v}h; if (${f.cond}) { const d = ${f.dv}; ${v} = d.getInt32(${f.o}, true); ${v}h = d.getInt32(${f.o} + 4, true); } else { ${v} = mem.read64(${sa}); ${v}h = mem.hi; }`);
        else this.line(`const ${v} = mem.read64(${sa}), ${v}h = mem.hi;`);
        return { lo: v, hi: `${v}h` };
    }
  }

  /**
   * A memory write, inline when the write TLB holds the page and the access stays within it. The write
   * TLB never holds a page with decoded code (Memory.markCode evicts it), so a store into code always
   * takes the method's path, which drops the code and sets cpu.smc.
   */
  memWrite(a: string, size: number, lo: string, hi: string): void {
    this.usesTlb = true;
    const f = this.fast(a, 'w', size);
    const sa = this.slowAddr(a);
    const slow = this.slowStore(size === 1 ? `mem.write8(${sa}, ${lo})` : size === 2 ? `mem.write16(${sa}, ${lo})` : size === 4 ? `mem.write32(${sa}, ${lo})` : `mem.write64(${sa}, ${lo}, ${hi})`);
    if (!f) { this.line(slow); return; }
    switch (size) {
      case 1: this.line(`if (${f.cond}) ${f.dv}.setUint8(${f.o}, ${lo}); else ${slow}`); return;
      case 2: this.line(`if (${f.cond}) ${f.dv}.setUint16(${f.o}, ${lo}, true); else ${slow}`); return;
      case 4: this.line(`if (${f.cond}) ${f.dv}.setInt32(${f.o}, ${lo}, true); else ${slow}`); return;
      default: this.line(`if (${f.cond}) { const d = ${f.dv}; d.setInt32(${f.o}, ${lo}, true); d.setInt32(${f.o} + 4, ${hi}, true); } else ${slow}`);
    }
  }

  /**
   * 16 bytes at address local `a` in one page: the fast path's condition, DataView and offset, for
   * the SSE emitters' 128-bit loads and stores (null: always through their slow path).
   */
  fast16(a: string, t: 'r' | 'w'): { cond: string; dv: string; o: string } | null { this.usesTlb = true; return this.fast(a, t, 16); }

  /** The page at address local `a` from the read ('r') or write ('w') TLB's first way, or null. */
  private lookup(a: string, t: 'r' | 'w'): string {
    this.usesTlb = true;
    const pn = this.t('pn'), s = this.t('s'), pg = this.t('pg');
    const T = t === 'r' ? 'rT' : 'wT', P = t === 'r' ? 'rP' : 'wP';
    // Only the set's first way (its most recently used page): the second is the Memory method's business.
    this.line(`const ${pn} = Math.floor(${a} / 4096), ${s} = ${TLB_SET_JS(pn)}, ${pg} = ${T}[${s}] === ${pn} ? ${P}[${s}] : null;`);
    return pg;
  }

  /** The instruction may fault from here on: the catch clause must know which one it is. */
  faultPoint(): void { this.line(`k = ${this.idx};`); }

  // ---- operands -------------------------------------------------------------------------------

  /** Operand n's value (emitting a memory read if needed; `a` is the address local for memory). */
  read(i: Insn, n: number, a?: string): Val {
    const s = i.size[n];
    switch (i.kind[n]) {
      case OK_REG: return this.regRead(i.reg[n], s);
      case OK_MEM: return this.memRead(a ?? this.addr(i), s);
      default: {
        const lo = s === 1 ? i.immLo & 0xff : s === 2 ? i.immLo & 0xffff : i.immLo;
        return { lo: String(lo), hi: String(s === 8 ? i.immHi : 0) };
      }
    }
  }

  write(i: Insn, n: number, v: Val, a?: string): void {
    if (i.kind[n] === OK_REG) this.regWrite(i.reg[n], i.size[n], v.lo, v.hi);
    else this.memWrite(a!, i.size[n], v.lo, v.hi);
  }

  /** Bind an expression to a const local (so it is evaluated once, before anything changes). */
  bind(e: string): string {
    // Constants and the generator's own temporaries are stable; register locals are not (a later write
    // of the destination would change what the name reads).
    if (/^-?\d+$/.test(e) || /^[a-z][A-Za-z0-9_]*$/.test(e)) return e;
    const v = this.t();
    this.line(`const ${v} = ${e};`);
    return v;
  }

  // ---- handlers called out of line ------------------------------------------------------------

  /**
   * The block jumps back to its own start: what a later instruction wrote in the previous round is
   * also unsaved when an earlier handler runs, so handlers get every written register and the flags.
   */
  loops = false;

  /** Store changed locals to the Cpu (before an interpreter handler runs or at a final exit). */
  flush(all = false): void {
    if (this.loops) all = true;
    if (all) this.line(P_WRITTEN);
    else if (this.dirty.size) this.line([...this.dirty].map(n => `r[${2 * n}] = L${n}; r[${2 * n + 1}] = H${n};`).join(' '));
    this.dirty.clear();
    if (this.flagsDirty || all) this.line(P_FLAGS_OUT);
    this.flagsDirty = false;
  }

  /**
   * Flag locals the block assigns anywhere (complete once the block is emitted: every store of the
   * flags, wherever it is, stores exactly these). A field the block never assigns still holds what the
   * Cpu has (loaded in the prologue or after a handler), or it is one the lazy kinds the block sets
   * never read (the high halves for sizes under 8, cin outside adc/sbb/inc/dec, the arithmetic bits of
   * `bits` for a lazy kind): the interpreter leaves such fields stale too.
   */
  private flagAssigned = new Set<string>();
  private assigned(...f: string[]): void { for (const x of f) this.flagAssigned.add(x); }

  /** Store the flag locals the block changes to cpu.f (when an instruction has set any). */
  private storeFlags(): string {
    const set = this.flagAssigned;
    if (!set.size) return '';
    const parts = FLAG_FIELDS.filter(([l]) => set.has(l)).map(([l, f]) => `F.${f} = ${l};`);
    if (set.has('fbt')) parts.push(`F.bits = (F.bits & ${~ARITH}) | (fbt & ${ARITH});`);
    return `if (fk !== -1) { ${parts.join(' ')} }`;
  }

  /** Reload every cached register and the flag locals (after an interpreter handler ran). */
  reload(): void {
    this.line(P_REGS);
    this.line(P_FLAGS_IN);
    this.known = null;
  }

  /** Declarations for the prologue (registers are collected while emitting, so this comes last). */
  prologue(): string {
    const parts: string[] = [];
    for (const n of this.regs) parts.push(`L${n} = r[${2 * n}], H${n} = r[${2 * n + 1}]`);
    let s = parts.length ? `let ${parts.join(', ')};\n` : '';
    if (this.usesFlags) {
      // Without flags read before they are written, the locals start empty (fk = -1) and are stored
      // back only once an instruction has set them.
      s += this.flagsLiveIn
        ? `let fk = F.kind, fs = F.size, frl = F.resLo, frh = F.resHi, fal = F.aLo, fah = F.aHi, fbl = F.bLo, fbh = F.bHi, fci = F.cin, fbt = F.bits;\n`
        : `let fk = -1, fs = 0, frl = 0, frh = 0, fal = 0, fah = 0, fbl = 0, fbh = 0, fci = 0, fbt = 0;\n`;
    }
    return s;
  }

  /** Stores for the epilogue and the catch clause. */
  storeAll(): string {
    const parts: string[] = [];
    for (const n of this.written) parts.push(`r[${2 * n}] = L${n}; r[${2 * n + 1}] = H${n};`);
    if (this.usesFlags) parts.push(this.storeFlags());
    return parts.join(' ');
  }

  // ---- exits ----------------------------------------------------------------------------------

  /** Leave the block for `ip` (an expression) after retiring this instruction. */
  exitTo(ip: string): void {
    if (ip === String(this.blockStart)) { this.loop(); return; }
    this.line(`nip = ${ip}; done += ${this.idx + 1}; break loop;`);
  }

  /** Jump back to the block's own start: go round again while the budget allows. */
  private loop(): void {
    // Another round may run the whole block: the budget must allow that many instructions.
    this.line(`done += ${this.idx + 1}; if (done + ${this.blockLen} <= budget) continue loop; nip = ${this.blockStart}; break loop;`);
  }

  // ---- flags ----------------------------------------------------------------------------------

  /** Does anything after this instruction need any of these flags? */
  live(mask: number): boolean { return (this.liveAfter & mask) !== 0; }

  /** Record an arithmetic result lazily (flags.ts semantics); skipped when no flag it sets is needed. */
  lazy(kind: number, size: number, r: Val, a: Val, b: Val, cin?: string): void {
    const writes = kind === L_INC || kind === L_DEC ? ARITH & ~CF : ARITH;
    if (!this.live(writes)) return;
    this.usesFlags = true; this.flagsDirty = true;
    // The carry in is read from the state before this instruction replaces it.
    const c = cin === undefined ? undefined : this.bind(cin);
    let s = `fk = ${kind}; fs = ${size}; frl = ${r.lo}; fal = ${a.lo}; fbl = ${b.lo};`;
    this.assigned('fk', 'fs', 'frl', 'fal', 'fbl');
    if (size === 8) { s += ` frh = ${r.hi}; fah = ${a.hi}; fbh = ${b.hi};`; this.assigned('frh', 'fah', 'fbh'); }
    if (c !== undefined) { s += ` fci = ${c};`; this.assigned('fci'); }
    this.line(s);
    this.known = { kind, size };
  }

  logic(size: number, r: Val): void {
    if (!this.live(ARITH)) return;
    this.usesFlags = true; this.flagsDirty = true;
    this.line(`fk = ${L_LOGIC}; fs = ${size}; frl = ${r.lo};${size === 8 ? ` frh = ${r.hi};` : ''}`);
    this.assigned('fk', 'fs', 'frl');
    if (size === 8) this.assigned('frh');
    this.known = { kind: L_LOGIC, size };
  }

  /**
   * Set flags eagerly: `bits` gives an expression (0/1) for each flag the instruction writes; the flags
   * it does not write keep their values. Only flags still needed are computed.
   */
  eager(bits: Partial<Record<number, string>>): void {
    let writes = 0;
    for (const k of Object.keys(bits)) writes |= Number(k);
    if (!this.live(writes)) return;
    this.usesFlags = true; this.flagsDirty = true;
    const keep = ARITH & ~writes & this.liveAfter;
    const parts: string[] = [];
    for (const f of [CF, PF, AF, ZF, SF, OF]) {
      if (!(writes & f) || !this.live(f)) continue;
      parts.push(`((${bits[f]}) ? ${f} : 0)`);
    }
    let prev = '';
    if (keep) prev = `(${this.arithBits()} & ${keep})`;
    const v = this.t('fb');
    this.line(`const ${v} = ${[prev, ...parts].filter(Boolean).join(' | ') || '0'};`);
    this.line(`fk = ${L_NONE}; fbt = (fbt & ${~ARITH}) | ${v};`);
    this.assigned('fk', 'fbt');
    this.known = { kind: L_NONE, size: 0 };
  }

  /** All six arithmetic flags of the current state, as bits. */
  private arithBits(): string {
    this.usesFlags = true;
    if (this.known && this.known.kind === L_NONE) return 'fbt';
    return 'G.arith(fk, fs, frl, frh, fal, fah, fbl, fbh, fci, fbt)';
  }

  /** One flag of the current state as a boolean expression. */
  flag(f: number): string {
    this.usesFlags = true;
    const k = this.known;
    if (!k) return `((G.arith(fk, fs, frl, frh, fal, fah, fbl, fbh, fci, fbt) & ${f}) !== 0)`;
    if (k.kind === L_NONE) return `((fbt & ${f}) !== 0)`;
    const s = k.size, w = s === 8;
    const sg = SIGN[s];
    switch (f) {
      case ZF: return w ? `((frl | frh) === 0)` : `(frl === 0)`;
      case SF: return w ? `(frh < 0)` : s === 4 ? `(frl < 0)` : `((frl & ${sg}) !== 0)`;
      case PF: return `(PARITY[frl & 255] !== 0)`;
      case AF: return k.kind === L_LOGIC ? 'false' : `(((fal ^ fbl ^ frl) & 16) !== 0)`;
      case CF:
        switch (k.kind) {
          case L_LOGIC: return 'false';
          case L_INC: case L_DEC: return '(fci !== 0)';
          case L_ADD: return ltU(w, 'frl', 'frh', 'fal', 'fah');
          case L_SUB: return ltU(w, 'fal', 'fah', 'fbl', 'fbh');
          case L_ADC: return `(fci !== 0 ? ${leU(w, 'frl', 'frh', 'fal', 'fah')} : ${ltU(w, 'frl', 'frh', 'fal', 'fah')})`;
          case L_SBB: return `(fci !== 0 ? ${leU(w, 'fal', 'fah', 'fbl', 'fbh')} : ${ltU(w, 'fal', 'fah', 'fbl', 'fbh')})`;
        }
        break;
      case OF: {
        const [a, b, r] = w ? ['fah', 'fbh', 'frh'] : ['fal', 'fbl', 'frl'];
        switch (k.kind) {
          case L_LOGIC: return 'false';
          case L_ADD: case L_ADC: case L_INC: return `(((${a} ^ ${r}) & (${b} ^ ${r}) & ${sg}) !== 0)`;
          case L_SUB: case L_SBB: case L_DEC: return `(((${a} ^ ${b}) & (${a} ^ ${r}) & ${sg}) !== 0)`;
        }
      }
    }
    return `((G.arith(fk, fs, frl, frh, fal, fah, fbl, fbh, fci, fbt) & ${f}) !== 0)`;
  }

  /** CF of the current state as 0 or 1. */
  cf(): string { return `(${this.flag(CF)} ? 1 : 0)`; }

  /** A condition code (iced-x86 numbering, as LazyFlags.cond) as a boolean expression. */
  cond(cc: number): string {
    const k = this.known;
    if (k && k.kind === L_SUB) {
      // After cmp/sub the comparisons read straight from the operands.
      const s = k.size;
      const sx = (v: string) => s === 1 ? `((${v} << 24) >> 24)` : s === 2 ? `((${v} << 16) >> 16)` : v;
      if (s !== 8) {
        switch (cc) {
          case 3: return `((fal >>> 0) < (fbl >>> 0))`;
          case 4: return `((fal >>> 0) >= (fbl >>> 0))`;
          case 5: return `(fal === fbl)`;
          case 6: return `(fal !== fbl)`;
          case 7: return `((fal >>> 0) <= (fbl >>> 0))`;
          case 8: return `((fal >>> 0) > (fbl >>> 0))`;
          case 13: return `(${sx('fal')} < ${sx('fbl')})`;
          case 14: return `(${sx('fal')} >= ${sx('fbl')})`;
          case 15: return `(${sx('fal')} <= ${sx('fbl')})`;
          case 16: return `(${sx('fal')} > ${sx('fbl')})`;
        }
      } else {
        switch (cc) {
          case 5: return `(fal === fbl && fah === fbh)`;
          case 6: return `(fal !== fbl || fah !== fbh)`;
          case 3: return `(fah !== fbh ? (fah >>> 0) < (fbh >>> 0) : (fal >>> 0) < (fbl >>> 0))`;
          case 4: return `(fah !== fbh ? (fah >>> 0) > (fbh >>> 0) : (fal >>> 0) >= (fbl >>> 0))`;
          case 7: return `(fah !== fbh ? (fah >>> 0) < (fbh >>> 0) : (fal >>> 0) <= (fbl >>> 0))`;
          case 8: return `(fah !== fbh ? (fah >>> 0) > (fbh >>> 0) : (fal >>> 0) > (fbl >>> 0))`;
          case 13: return `(fah !== fbh ? fah < fbh : (fal >>> 0) < (fbl >>> 0))`;
          case 14: return `(fah !== fbh ? fah > fbh : (fal >>> 0) >= (fbl >>> 0))`;
          case 15: return `(fah !== fbh ? fah < fbh : (fal >>> 0) <= (fbl >>> 0))`;
          case 16: return `(fah !== fbh ? fah > fbh : (fal >>> 0) > (fbl >>> 0))`;
        }
      }
    }
    if (!k) { this.usesFlags = true; return `G.cond(${cc}, fk, fs, frl, frh, fal, fah, fbl, fbh, fci, fbt)`; }
    const f = (x: number) => this.flag(x);
    switch (cc) {
      case 1: return f(OF);
      case 2: return `!${f(OF)}`;
      case 3: return f(CF);
      case 4: return `!${f(CF)}`;
      case 5: return f(ZF);
      case 6: return `!${f(ZF)}`;
      case 7: return `(${f(CF)} || ${f(ZF)})`;
      case 8: return `!(${f(CF)} || ${f(ZF)})`;
      case 9: return f(SF);
      case 10: return `!${f(SF)}`;
      case 11: return f(PF);
      case 12: return `!${f(PF)}`;
      case 13: return `(${f(SF)} !== ${f(OF)})`;
      case 14: return `(${f(SF)} === ${f(OF)})`;
      case 15: return `(${f(ZF)} || ${f(SF)} !== ${f(OF)})`;
      case 16: return `(!${f(ZF)} && ${f(SF)} === ${f(OF)})`;
    }
    return 'false';
  }
}

function ltU(w: boolean, a: string, ah: string, b: string, bh: string): string {
  return w ? `(${ah} !== ${bh} ? (${ah} >>> 0) < (${bh} >>> 0) : (${a} >>> 0) < (${b} >>> 0))` : `((${a} >>> 0) < (${b} >>> 0))`;
}
function leU(w: boolean, a: string, ah: string, b: string, bh: string): string {
  return w ? `(${ah} !== ${bh} ? (${ah} >>> 0) < (${bh} >>> 0) : (${a} >>> 0) <= (${b} >>> 0))` : `((${a} >>> 0) <= (${b} >>> 0))`;
}

/** The Cpu's LazyFlags field for each flag local. */
const FLAG_FIELDS: [string, string][] = [['fk', 'kind'], ['fs', 'size'], ['frl', 'resLo'], ['frh', 'resHi'], ['fal', 'aLo'],
  ['fah', 'aHi'], ['fbl', 'bLo'], ['fbh', 'bHi'], ['fci', 'cin']];
/** Placeholders in emitted code, replaced by source() once the block's sets are known. */
const P_REGS = '\u0001R', P_WRITTEN = '\u0001W', P_FLAGS_OUT = '\u0001O', P_FLAGS_IN = '\u0001I';
const LOAD_FLAGS = 'fk = F.kind; fs = F.size; frl = F.resLo; frh = F.resHi; fal = F.aLo; fah = F.aHi; fbl = F.bLo; fbh = F.bHi; fci = F.cin; fbt = F.bits;';

/** Flags each condition code reads. */
export const CC_READS = [0, OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];
