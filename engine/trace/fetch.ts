// Evaluating an event's fetch arguments at a probe hit and printing them, the way the kernel does:
// the compiled fetch_insn program is interpreted stage by stage, values are stored into an event record
// laid out like the kernel's (fixed part, then data_loc'd strings), and the record is printed. Running
// the same mechanism (rather than printing values directly) reproduces the kernel's corner cases:
// zero-filled faulting reads, "(fault)" strings, truncation when strings share the dynamic area, and
// the per-CPU scratch buffer whose stale bytes show through when a nested dereference faults.
// 64-bit values are carried as two int32 halves (lo, hi) and nothing here allocates per hit for numeric
// arguments: a hit fills the scratch record (fetchRecord) and printing reads it back (printRecord), into
// a ByteOut, so that a batch of hits can be printed long after they were recorded.

import type { EventDef, EventPlan, FetchInsn } from './model';
import { USER_CS, USER_SS } from './regs';
import { ByteOut } from './bytes';

export interface FetchContext {
  /** Registers as int32 halves: [2n] low, [2n+1] high; n: 0 rax,1 rcx,2 rdx,3 rbx,4 rsp,5 rbp,6 rsi,7 rdi,8..15 r8..r15. */
  r: Int32Array;
  /** %ip. Entry probes: the probed address. Return probes: the address being returned to. */
  rip: number;
  /** RFLAGS. */
  flags: number;
  /** One byte of guest memory; throws on an unreadable address. */
  read8(addr: number): number;
  /** `len` bytes of guest memory; throws if any of them is unreadable. */
  readBytes(addr: number, len: number): Uint8Array;
  /**
   * Optional, for speed: copy `len` bytes of guest memory into dest[at...] without allocating; false if
   * any of them is unreadable (dest may then hold part of them). Must agree with read8/readBytes.
   */
  readInto?(addr: number, len: number, dest: Uint8Array, at: number): boolean;
  /** The task's comm (the kernel keeps at most 15 bytes). */
  comm: string;
  isReturn: boolean;
  /** Return probes: the probed function's address (also the base for @+OFFSET). */
  funcAddr?: number;
  /** Return probes: where the function returns to. */
  retAddr?: number;
  /** %cs, %ss, %orig_ax; default to what the kernel shows at a uprobe hit (0x33, 0x2b, -1). */
  cs?: number;
  ss?: number;
  origAx?: number;
  /**
   * Not used. The kernel resolves @+OFFSET as probed address - probe file offset + OFFSET (funcAddr
   * stands for the probed address in return probes), without looking at the ELF segments.
   */
  fileOffsetToVaddr?(offset: number): number | undefined;
  /** Not used: the `symbol` type is refused for uprobes. */
  symbolize?(addr: number): string | undefined;
}

const TWO32 = 4294967296;
/** Highest user address + 1 (TASK_SIZE_MAX, 4-level paging): user accessors fault at or above it. */
const USER_LIMIT = 0x7ffffffff000;
/** The kernel's FETCH_TOKEN_COMM: -ECOMM as an unsigned long (halves). */
const TOKEN_COMM_LO = -70, TOKEN_COMM_HI = -1;
/** Stand-in address for an immediate string: it lives in kernel memory, which user accessors refuse. */
const KERNEL_DATA_LO = 0x00100000, KERNEL_DATA_HI = 0xffff8880 | 0;
const MAX_STRING_SIZE = 4096;
const PAGE_SIZE = 4096;
/** Largest event payload the ring buffer accepts with 4 KiB sub-buffers (BUF_MAX_DATA_SIZE). */
export const RB_MAX_PAYLOAD = 4072;
const EFAULT = -14, ENOMEM = -12, E2BIG = -7, EILSEQ = -84;

/**
 * The per-CPU scratch page the kernel assembles records in. It is not cleared between hits, which is
 * observable (a dereference that faults before the final load leaves the previous bytes in place).
 * The emulated machine has one CPU, so one page.
 */
const scratch = new Uint8Array(PAGE_SIZE);
/** The scratch page as words, for stores of whole registers when the host is little-endian like the guest. */
const scratch32 = new Int32Array(scratch.buffer);
const HOST_LE = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Forget the scratch page's contents (tests; a fresh enable in the kernel gets a fresh page). */
export function resetScratch(): void {
  scratch.fill(0);
}

// Results of the helpers below, to keep 64-bit values in two int32s without allocating: v* is a loaded
// value, a* a computed address.
let vLo = 0, vHi = 0, aLo = 0, aHi = 0;
const word = new Uint8Array(8);

/** (lo, hi) + (bLo, bHi) modulo 2^64 into aLo/aHi. */
function add64(lo: number, hi: number, bLo: number, bHi: number): void {
  const l = (lo >>> 0) + (bLo >>> 0);
  aLo = l | 0;
  aHi = (hi + bHi + (l >= TWO32 ? 1 : 0)) | 0;
}

/** A signed 32-bit offset added to (lo, hi), into aLo/aHi. */
function addOff(lo: number, hi: number, off: number): void {
  add64(lo, hi, off, off < 0 ? -1 : 0);
}

/** A number (any integer in [-2^63, 2^64)) as the unsigned 64-bit value the kernel would hold, into vLo/vHi. */
function setNum(n: number): void {
  n = Math.trunc(n);
  let lo = n % TWO32;
  if (lo < 0) lo += TWO32;
  vLo = lo | 0;
  vHi = ((n - lo) / TWO32) | 0;
}

/** The address (lo, hi) as a number if it is below the user limit, else -1. */
function userBase(lo: number, hi: number): number {
  const h = hi >>> 0;
  if (h > 0x7fff) return -1;
  const a = h * TWO32 + (lo >>> 0);
  return a < USER_LIMIT ? a : -1;
}

function le32(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
}

function setLe32(b: Uint8Array, at: number, v: number): void {
  b[at] = v; b[at + 1] = v >>> 8; b[at + 2] = v >>> 16; b[at + 3] = v >>> 24;
}

/** One byte of user memory at a (below USER_LIMIT), or -1 on a fault. */
function userByte(ctx: FetchContext, a: number): number {
  if (ctx.readInto) return ctx.readInto(a, 1, word, 0) ? word[0] : -1;
  try {
    return ctx.read8(a) & 0xff;
  } catch {
    return -1;
  }
}

/** `n` bytes of user memory at a into dest[at...]; false on a fault. */
function readUser(ctx: FetchContext, a: number, n: number, dest: Uint8Array, at: number): boolean {
  if (ctx.readInto) return ctx.readInto(a, n, dest, at);
  try {
    const b = ctx.readBytes(a, n);
    for (let i = 0; i < n; i++) dest[at + i] = b[i];
    return true;
  } catch {
    return false;
  }
}

/** copy_from_user into scratch: returns bytes not copied; the uncopied tail is zero-filled. */
function copyFromUser(ctx: FetchContext, dest: number, lo: number, hi: number, n: number): number {
  const a = userBase(lo, hi);
  if (a >= 0 && a + n <= USER_LIMIT && readUser(ctx, a, n, scratch, dest)) return 0;
  for (let i = 0; i < n; i++) {
    const b = a >= 0 && a + i < USER_LIMIT ? userByte(ctx, a + i) : -1;
    if (b < 0) {
      scratch.fill(0, dest + i, dest + n);
      return n - i;
    }
    scratch[dest + i] = b;
  }
  return 0;
}

/** An 8-byte user read for a dereference into vLo/vHi; false on any fault. */
function readWord(ctx: FetchContext, lo: number, hi: number): boolean {
  const a = userBase(lo, hi);
  if (a < 0 || a + 8 > USER_LIMIT) return false;
  if (!readUser(ctx, a, 8, word, 0)) {
    for (let i = 7; i >= 0; i--) {
      const b = userByte(ctx, a + i);
      if (b < 0) return false;
      word[i] = b;
    }
  }
  vLo = le32(word, 0);
  vHi = le32(word, 4);
  return true;
}

let commFor = '';
let commCache = new Uint8Array(0);
/** The comm's bytes as the kernel keeps them (at most 15). */
function commBytes(ctx: FetchContext): Uint8Array {
  if (ctx.comm !== commFor) {
    commFor = ctx.comm;
    commCache = Uint8Array.from(Buffer.from(ctx.comm, 'utf8').subarray(0, 15));
  }
  return commCache;
}

/** fetch_store_strlen: string length including the NUL, 0 on a fault or when longer than 4095. */
function storeStrlen(ctx: FetchContext, lo: number, hi: number): number {
  let len: number;
  if (lo === TOKEN_COMM_LO && hi === TOKEN_COMM_HI) len = commBytes(ctx).length + 1;
  else len = strnlenUser(ctx, lo, hi, MAX_STRING_SIZE);
  return len > MAX_STRING_SIZE ? 0 : len;
}

function strnlenUser(ctx: FetchContext, lo: number, hi: number, n: number): number {
  const a = userBase(lo, hi);
  if (a < 0) return 0;
  for (let i = 0; i < n; i++) {
    const b = a + i < USER_LIMIT ? userByte(ctx, a + i) : -1;
    if (b < 0) return 0;
    if (b === 0) return i + 1;
  }
  return n + 1;
}

/** fetch_store_string: copy into the data_loc area `dest` points at; returns bytes used or < 0. */
function storeString(ctx: FetchContext, lo: number, hi: number, dest: number, base: number): number {
  const loc = le32(scratch, dest);
  const maxlen = loc >>> 16;
  const dst = (loc & 0xffff) + base;
  if (!maxlen) return ENOMEM;
  let ret: number;
  if (lo === TOKEN_COMM_LO && hi === TOKEN_COMM_HI) {
    const c = commBytes(ctx);
    const n = Math.min(c.length, maxlen - 1);
    for (let i = 0; i < n; i++) scratch[dst + i] = c[i];
    scratch[dst + n] = 0;
    ret = c.length < maxlen ? c.length : E2BIG;
  } else {
    ret = EFAULT;
    const a = userBase(lo, hi);
    let i = 0;
    for (; i < maxlen; i++) {
      const b = a >= 0 && a + i < USER_LIMIT ? userByte(ctx, a + i) : -1;
      if (b < 0) break;
      scratch[dst + i] = b;
      if (b === 0) { ret = i; break; }
    }
    if (i === maxlen) ret = maxlen;
  }
  if (ret >= 0) {
    if (ret === maxlen) scratch[dst + ret - 1] = 0;
    else ret++;
    setLe32(scratch, dest, (ret << 16) | ((dst - base) & 0xffff));
  } else {
    setLe32(scratch, dest, (dst - base) & 0xffff);
  }
  return ret;
}

/** The low `size` bytes of (lo, hi), little-endian. */
function storeRaw(dest: number, lo: number, hi: number, size: number): void {
  const s = scratch;
  s[dest] = lo;
  if (size === 1) return;
  s[dest + 1] = lo >>> 8;
  if (size === 2) return;
  s[dest + 2] = lo >>> 16; s[dest + 3] = lo >>> 24;
  if (size === 4) return;
  s[dest + 4] = hi; s[dest + 5] = hi >>> 8; s[dest + 6] = hi >>> 16; s[dest + 7] = hi >>> 24;
}

/** `size` bytes at buf[at] as an unsigned value into vLo/vHi. */
function loadRaw(buf: Uint8Array, at: number, size: number): void {
  switch (size) {
    case 1: vLo = buf[at]; vHi = 0; return;
    case 2: vLo = buf[at] | (buf[at + 1] << 8); vHi = 0; return;
    case 4: vLo = le32(buf, at); vHi = 0; return;
    default: vLo = le32(buf, at); vHi = le32(buf, at + 4);
  }
}

/** MOD_BF: keep the bitfield: shift left within the container, then logically right. */
function modBitfield(dest: number, basesize: number, lshift: number, rshift: number): void {
  loadRaw(scratch, dest, basesize);
  if (basesize < 8) {
    const bits = basesize * 8;
    let x = vLo >>> 0;
    x = bits === 32 ? (x << lshift) >>> 0 : (x << lshift) & ((1 << bits) - 1);
    x >>>= rshift;
    storeRaw(dest, x | 0, 0, basesize);
    return;
  }
  let lo = vLo, hi = vHi;
  if (lshift >= 32) { hi = lo << (lshift - 32); lo = 0; } else if (lshift > 0) { hi = (hi << lshift) | (lo >>> (32 - lshift)); lo <<= lshift; }
  if (rshift >= 32) { lo = hi >>> (rshift - 32); hi = 0; } else if (rshift > 0) { lo = (lo >>> rshift) | (hi << (32 - rshift)); hi >>>= rshift; }
  storeRaw(dest, lo, hi, 8);
}

/** Stage 1: the value an instruction loads, into vLo/vHi; false for an instruction that loads nothing. */
function load(insn: FetchInsn, ctx: FetchContext, ev: EventDef): boolean {
  switch (insn.op) {
    case 'REG': {
      const r = insn.reg;
      if (typeof r === 'number') { vLo = ctx.r[2 * r]; vHi = ctx.r[2 * r + 1]; return true; }
      if (r === 'ip') setNum(ctx.rip);
      else if (r === 'flags') setNum(ctx.flags);
      else if (r === 'cs') setNum(ctx.cs ?? USER_CS);
      else if (r === 'ss') setNum(ctx.ss ?? USER_SS);
      else setNum(ctx.origAx ?? -1);
      return true;
    }
    case 'STACK': {
      const k = 8 * insn.n;
      add64(ctx.r[8], ctx.r[9], k % TWO32 | 0, Math.floor(k / TWO32));
      if (!readWord(ctx, aLo, aHi)) { vLo = 0; vHi = 0; }
      return true;
    }
    case 'STACKP': vLo = ctx.r[8]; vHi = ctx.r[9]; return true;
    case 'RETVAL': vLo = ctx.r[0]; vHi = ctx.r[1]; return true;
    case 'IMM': vLo = insn.lo; vHi = insn.hi; return true;
    case 'COMM': vLo = TOKEN_COMM_LO; vHi = TOKEN_COMM_HI; return true;
    case 'DATA': vLo = KERNEL_DATA_LO; vHi = KERNEL_DATA_HI; return true;
    case 'FOFFS': {
      // probed address - probe offset + OFFSET (the difference is precomputed in lo/hi).
      setNum(ev.isReturn ? (ctx.funcAddr ?? ctx.rip) : ctx.rip);
      add64(vLo, vHi, insn.lo, insn.hi);
      vLo = aLo; vHi = aHi;
      return true;
    }
    default: return false;
  }
}

/** process_fetch_insn (+ _bottom): dest is a scratch offset, or -1 to measure dynamic data. */
function processFetch(code: FetchInsn[], ctx: FetchContext, ev: EventDef, dest: number, base: number): number {
  if (!load(code[0], ctx, ev)) return EILSEQ;
  let lo = vLo, hi = vHi, llo = lo, lhi = hi;
  let pc = 1, s3 = 0, total = 0, ret = 0, i = 0, loc = 0;

  stage2: for (;;) {
    for (;;) {
      const c = code[pc];
      if (c.op !== 'DEREF' && c.op !== 'UDEREF') break;
      llo = lo; lhi = hi;
      addOff(lo, hi, c.offset);
      if (!readWord(ctx, aLo, aHi)) return EFAULT;
      lo = vLo; hi = vHi;
      pc++;
    }
    s3 = pc;
    for (;;) { // stage 3 (and the array loop back into it)
      const c = code[pc];
      if (dest < 0) {
        if (c.op === 'ST_STRING' || c.op === 'ST_USTRING') {
          addOff(lo, hi, c.offset);
          ret = storeStrlen(ctx, aLo, aHi);
          pc++;
        } else {
          return EILSEQ;
        }
      } else {
        switch (c.op) {
          case 'ST_RAW': storeRaw(dest, lo, hi, c.size); break;
          case 'ST_MEM': case 'ST_UMEM':
            addOff(lo, hi, c.offset);
            copyFromUser(ctx, dest, aLo, aHi, c.size);
            break;
          case 'ST_STRING': case 'ST_USTRING':
            loc = le32(scratch, dest);
            addOff(lo, hi, c.offset);
            ret = storeString(ctx, aLo, aHi, dest, base);
            break;
          default: return EILSEQ;
        }
        pc++;
        const m = code[pc];
        if (m.op === 'MOD_BF') {
          modBitfield(dest, m.basesize, m.lshift, m.rshift);
          pc++;
        }
      }
      // the last stage: array loop
      const lp = code[pc];
      if (lp.op === 'LP_ARRAY') {
        if (ret < 0) ret = 0;
        total += ret;
        if (++i < lp.count) {
          const sc = code[s3];
          pc = s3;
          if (sc.op !== 'ST_STRING' && sc.op !== 'ST_USTRING') {
            const sz = 'size' in sc ? sc.size : 0;
            if (dest >= 0) dest += sz;
            add64(lo, hi, sz, 0);
            lo = aLo; hi = aHi;
            continue;
          }
          pc = s3 - 1;
          add64(llo, lhi, 8, 0);
          lo = aLo; hi = aHi;
          if (dest >= 0) {
            dest += 4;
            const maxlen = (loc >>> 16) - ret, offs = (loc & 0xffff) + ret;
            setLe32(scratch, dest, ((maxlen & 0xffff) << 16) | (offs & 0xffff));
          }
          continue stage2;
        }
        pc++;
        ret = total;
      }
      return code[pc].op === 'END' ? ret : EILSEQ;
    }
  }
}

/** Header bytes before the arguments in a uprobe record: trace_entry plus one or two addresses. */
function entrySize(ev: EventDef): number {
  return 8 + 8 * (ev.isReturn ? 2 : 1);
}

// How a value prints.
const PK_U = 0, PK_S = 1, PK_X = 2, PK_CHAR = 3, PK_STRING = 4;

const utf8 = (t: string): Uint8Array => Uint8Array.from(Buffer.from(t, 'utf8'));

/** Work out (once) how the event's hits are fetched and printed. */
export function eventPlan(ev: EventDef): EventPlan {
  if (ev.plan) return ev.plan;
  const args = ev.args;
  const fastReg = new Int32Array(args.length).fill(-1);
  const consts: Uint8Array[] = [];
  const kinds: number[] = [], offs: number[] = [], sizes: number[] = [];
  let text = '';
  const value = (kind: number, off: number, size: number): void => {
    consts.push(utf8(text)); text = '';
    kinds.push(kind); offs.push(off); sizes.push(size);
  };
  for (let k = 0; k < args.length; k++) {
    const a = args[k], t = a.type, c = a.code;
    if (c.length === 3 && c[0].op === 'REG' && typeof c[0].reg === 'number' && c[1].op === 'ST_RAW' && c[2].op === 'END') fastReg[k] = c[0].reg;
    const kind = t.print === 'string' ? PK_STRING : t.print === 'x' ? PK_X : t.print === 'char' ? PK_CHAR
      : t.print === 's' && t.signed ? PK_S : PK_U;
    text += ` ${a.name}=`;
    const n = a.count || 1;
    if (a.count) text += '{';
    for (let j = 0; j < n; j++) {
      if (kind === PK_X) text += '0x';
      if (kind === PK_CHAR) text += "'";
      value(kind, a.offset + j * t.size, t.size);
      if (kind === PK_CHAR) text += "'";
      if (a.count) text += j === n - 1 ? '}' : ',';
    }
  }
  consts.push(utf8(text));
  ev.plan = {
    esize: entrySize(ev), dynamic: args.some((a) => a.dynamic), fastReg, consts,
    kinds: Int32Array.from(kinds), offs: Int32Array.from(offs), sizes: Int32Array.from(sizes),
  };
  return ev.plan;
}

let lastDropped = false;

/**
 * Store the event's record for a hit into the scratch page (see `scratchRecord`) and return its length
 * (fixed part, then the strings). `recordDropped()` then tells whether the kernel would drop it.
 */
export function fetchRecord(ev: EventDef, ctx: FetchContext): number {
  const plan = ev.plan ?? eventPlan(ev);
  const esize = plan.esize;
  const base = -esize;
  const args = ev.args;
  if (!plan.dynamic) {
    // Fixed-size record: no string to measure first.
    lastDropped = esize + ev.size > RB_MAX_PAYLOAD;
    const fast = plan.fastReg;
    for (let k = 0; k < args.length; k++) {
      const a = args[k], r = fast[k];
      if (r < 0) processFetch(a.code, ctx, ev, a.offset, base);
      else if (a.type.size === 8 && (a.offset & 3) === 0 && HOST_LE) {
        // (the common case, a whole register at an aligned offset: two word stores)
        const w = a.offset >> 2;
        scratch32[w] = ctx.r[2 * r]; scratch32[w + 1] = ctx.r[2 * r + 1];
      } else storeRaw(a.offset, ctx.r[2 * r], ctx.r[2 * r + 1], a.type.size);
    }
    return ev.size;
  }
  return fetchDynamic(ev, ctx, esize);
}

/** fetchRecord for an event with strings: measure them, lay out the dynamic area, then store. */
function fetchDynamic(ev: EventDef, ctx: FetchContext, esize: number): number {
  const base = -esize;
  const args = ev.args;
  let dsize = 0;
  for (let k = 0; k < args.length; k++) {
    const a = args[k];
    if (!a.dynamic) continue;
    const len = processFetch(a.code, ctx, ev, -1, base);
    if (len > 0) dsize += len;
  }
  lastDropped = esize + ev.size + dsize > RB_MAX_PAYLOAD;
  if (ev.size + dsize > PAGE_SIZE) dsize = PAGE_SIZE - ev.size;
  let dyndata = ev.size, maxlen = dsize;
  for (let k = 0; k < args.length; k++) {
    const a = args[k];
    if (a.dynamic) setLe32(scratch, a.offset, ((maxlen & 0xffff) << 16) | ((dyndata - base) & 0xffff));
    const ret = processFetch(a.code, ctx, ev, a.offset, base);
    if (a.dynamic && ret > 0) { dyndata += ret; maxlen -= ret; }
  }
  return ev.size + dsize;
}

/** Whether the record of the last fetchRecord() is larger than the ring buffer takes. */
export function recordDropped(): boolean {
  return lastDropped;
}

/** Where fetchRecord() leaves the record (valid until the next fetch). */
export const scratchRecord: Uint8Array = scratch;

const argsOut = new ByteOut(1 << 12);

/**
 * Fetch the event's arguments at a hit and render them as the trace line shows them after the
 * `(0x...)` part, e.g. ' ip=0x401007 si=0x0'. Returns null when the kernel would drop the event (its
 * record does not fit the ring buffer). The result is a byte string (one char per byte, latin1).
 */
export function captureArgs(ev: EventDef, ctx: FetchContext): string | null {
  const text = formatArgs(ev, ctx);
  return lastDropped ? null : text;
}

/** Like captureArgs, but returns the text even for a record the kernel would drop. */
export function formatArgs(ev: EventDef, ctx: FetchContext): string {
  const len = fetchRecord(ev, ctx);
  argsOut.pos = 0;
  printRecord(argsOut, ev, scratch, 0, len);
  return argsOut.toLatin1();
}

const FAULT = Uint8Array.from('(fault)', (c) => c.charCodeAt(0));

/**
 * Print the arguments of a record (rec[from, from + len), as fetchRecord() left it) the way the trace
 * line shows them: ' NAME=VALUE' for each.
 */
export function printRecord(out: ByteOut, ev: EventDef, rec: Uint8Array, from: number, len: number): void {
  const plan = ev.plan ?? eventPlan(ev);
  out.bytes(plan.consts[0]);
  printValues(out, plan, rec, from, len);
}

/** printRecord after its first constant bytes (' NAME=' and the like, which the caller has written). */
export function printValues(out: ByteOut, plan: EventPlan, rec: Uint8Array, from: number, len: number): void {
  const kinds = plan.kinds, offs = plan.offs, sizes = plan.sizes, consts = plan.consts;
  for (let i = 0; i < kinds.length; i++) {
    const at = from + offs[i], size = sizes[i];
    switch (kinds[i]) {
      case PK_X:
        loadRaw(rec, at, size);
        out.hex64(vLo, vHi);
        break;
      case PK_U:
        loadRaw(rec, at, size);
        out.udec64(vLo, vHi);
        break;
      case PK_S: {
        loadRaw(rec, at, size);
        let lo = vLo, hi = vHi;
        if (size < 8) {
          // sign-extend the stored size to 64 bits
          const sh = 32 - 8 * size;
          lo = size === 4 ? lo : (lo << sh) >> sh;
          hi = lo < 0 ? -1 : 0;
        }
        out.sdec64(lo, hi);
        break;
      }
      case PK_CHAR:
        out.byte(rec[at]);
        break;
      default: {
        // string: the data_loc word points (from the start of the entry) at the NUL-terminated bytes
        const dl = le32(rec, at);
        if (!(dl >>> 16)) { out.bytes(FAULT); break; }
        const p = (dl & 0xffff) - plan.esize;
        let end = p;
        while (end >= 0 && end < len && rec[from + end] !== 0) end++;
        out.byte(34);
        if (p >= 0) out.range(rec, from + p, from + end);
        out.byte(34);
      }
    }
    const c = consts[i + 1];
    if (c.length) out.bytes(c);
  }
}
