// Evaluating an event's fetch arguments at a probe hit and printing them, the way the kernel does:
// the compiled fetch_insn program is interpreted stage by stage, values are stored into an event record
// laid out like the kernel's (fixed part, then data_loc'd strings), and the record is printed. Running
// the same mechanism (rather than printing values directly) reproduces the kernel's corner cases:
// zero-filled faulting reads, "(fault)" strings, truncation when strings share the dynamic area, and
// the per-CPU scratch buffer whose stale bytes show through when a nested dereference faults.

import type { EventDef, FetchInsn } from './model';
import { USER_CS, USER_SS } from './regs';

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

const M64 = (1n << 64n) - 1n;
/** Highest user address + 1 (TASK_SIZE_MAX, 4-level paging): user accessors fault at or above it. */
const USER_LIMIT = 0x7ffffffff000n;
/** The kernel's FETCH_TOKEN_COMM: -ECOMM as an unsigned long. */
const TOKEN_COMM = (1n << 64n) - 70n;
/** Stand-in address for an immediate string: it lives in kernel memory, which user accessors refuse. */
const KERNEL_DATA = 0xffff888000100000n;
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
const view = new DataView(scratch.buffer);

/** Forget the scratch page's contents (tests; a fresh enable in the kernel gets a fresh page). */
export function resetScratch(): void {
  scratch.fill(0);
}

function reg64(ctx: FetchContext, n: number): bigint {
  return (BigInt(ctx.r[2 * n + 1] >>> 0) << 32n) | BigInt(ctx.r[2 * n] >>> 0);
}

function u64(n: number | bigint): bigint {
  return BigInt.asUintN(64, typeof n === 'bigint' ? n : BigInt(Math.trunc(n)));
}

/** One byte of user memory, or undefined on a fault. */
function userByte(ctx: FetchContext, addr: bigint): number | undefined {
  if (addr >= USER_LIMIT) return undefined;
  try {
    return ctx.read8(Number(addr)) & 0xff;
  } catch {
    return undefined;
  }
}

/** copy_from_user into scratch: returns bytes not copied; the uncopied tail is zero-filled. */
function copyFromUser(ctx: FetchContext, dest: number, src: bigint, n: number): number {
  if (src + BigInt(n) <= USER_LIMIT) {
    try {
      const b = ctx.readBytes(Number(src), n);
      scratch.set(b.subarray(0, n), dest);
      return 0;
    } catch { /* fall back to byte granularity */ }
  }
  for (let i = 0; i < n; i++) {
    const b = src + BigInt(i) <= M64 ? userByte(ctx, src + BigInt(i)) : undefined;
    if (b === undefined) {
      scratch.fill(0, dest + i, dest + n);
      return n - i;
    }
    scratch[dest + i] = b;
  }
  return 0;
}

/** An 8-byte user read for a dereference; undefined on any fault. */
function readWord(ctx: FetchContext, addr: bigint): bigint | undefined {
  if (addr + 8n > USER_LIMIT) return undefined;
  let v = 0n;
  try {
    const b = ctx.readBytes(Number(addr), 8);
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  } catch {
    for (let i = 7; i >= 0; i--) {
      const b = userByte(ctx, addr + BigInt(i));
      if (b === undefined) return undefined;
      v = (v << 8n) | BigInt(b);
    }
    return v;
  }
}

function commBytes(ctx: FetchContext): number[] {
  return [...Buffer.from(ctx.comm, 'utf8').subarray(0, 15)];
}

/** fetch_store_strlen: string length including the NUL, 0 on a fault or when longer than 4095. */
function storeStrlen(ctx: FetchContext, addr: bigint): number {
  let len: number;
  if (addr === TOKEN_COMM) len = commBytes(ctx).length + 1;
  else len = strnlenUser(ctx, addr, MAX_STRING_SIZE);
  return len > MAX_STRING_SIZE ? 0 : len;
}

function strnlenUser(ctx: FetchContext, addr: bigint, n: number): number {
  for (let i = 0; i < n; i++) {
    const b = userByte(ctx, addr + BigInt(i));
    if (b === undefined) return 0;
    if (b === 0) return i + 1;
  }
  return n + 1;
}

/** fetch_store_string: copy into the data_loc area `dest` points at; returns bytes used or < 0. */
function storeString(ctx: FetchContext, addr: bigint, dest: number, base: number): number {
  const loc = view.getUint32(dest, true);
  const maxlen = loc >>> 16;
  const dst = (loc & 0xffff) + base;
  if (!maxlen) return ENOMEM;
  let ret: number;
  if (addr === TOKEN_COMM) {
    const c = commBytes(ctx);
    const n = Math.min(c.length, maxlen - 1);
    for (let i = 0; i < n; i++) scratch[dst + i] = c[i];
    scratch[dst + n] = 0;
    ret = c.length < maxlen ? c.length : E2BIG;
  } else {
    ret = EFAULT;
    let i = 0;
    for (; i < maxlen; i++) {
      const b = userByte(ctx, addr + BigInt(i));
      if (b === undefined) break;
      scratch[dst + i] = b;
      if (b === 0) { ret = i; break; }
    }
    if (i === maxlen) ret = maxlen;
  }
  if (ret >= 0) {
    if (ret === maxlen) scratch[dst + ret - 1] = 0;
    else ret++;
    view.setUint32(dest, ((ret << 16) | ((dst - base) & 0xffff)) >>> 0, true);
  } else {
    view.setUint32(dest, (dst - base) & 0xffff, true);
  }
  return ret;
}

function storeRaw(dest: number, v: bigint, size: number): void {
  for (let i = 0; i < size; i++) scratch[dest + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

function loadRaw(buf: Uint8Array, at: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[at + i] ?? 0);
  return v;
}

/** Stage 1: the value an instruction loads. */
function load(insn: FetchInsn, ctx: FetchContext, ev: EventDef): bigint | number {
  switch (insn.op) {
    case 'REG': {
      const r = insn.reg;
      if (typeof r === 'number') return reg64(ctx, r);
      if (r === 'ip') return u64(ctx.rip);
      if (r === 'flags') return u64(ctx.flags);
      if (r === 'cs') return u64(ctx.cs ?? USER_CS);
      if (r === 'ss') return u64(ctx.ss ?? USER_SS);
      return u64(ctx.origAx ?? -1);
    }
    case 'STACK': {
      const v = readWord(ctx, (reg64(ctx, 4) + 8n * BigInt(insn.n)) & M64);
      return v ?? 0n;
    }
    case 'STACKP': return reg64(ctx, 4);
    case 'RETVAL': return reg64(ctx, 0);
    case 'IMM': return insn.imm;
    case 'COMM': return TOKEN_COMM;
    case 'DATA': return KERNEL_DATA;
    case 'FOFFS': {
      const bp = ev.isReturn ? (ctx.funcAddr ?? ctx.rip) : ctx.rip;
      return (u64(bp) - ev.offsetBig + insn.imm) & M64;
    }
    default: return EILSEQ;
  }
}

/** process_fetch_insn (+ _bottom): dest is a scratch offset, or null to measure dynamic data. */
function processFetch(code: FetchInsn[], ctx: FetchContext, ev: EventDef, dest: number | null, base: number): number {
  const first = load(code[0], ctx, ev);
  if (typeof first === 'number') return first;
  let val = first, lval = val;
  let pc = 1, s3 = 0, total = 0, ret = 0, i = 0, loc = 0;

  stage2: for (;;) {
    for (;;) {
      const c = code[pc];
      if (c.op !== 'DEREF' && c.op !== 'UDEREF') break;
      lval = val;
      const v = readWord(ctx, (val + BigInt(c.offset)) & M64);
      if (v === undefined) return EFAULT;
      val = v;
      pc++;
    }
    s3 = pc;
    for (;;) { // stage 3 (and the array loop back into it)
      const c = code[pc];
      if (dest === null) {
        if (c.op === 'ST_STRING' || c.op === 'ST_USTRING') {
          ret = storeStrlen(ctx, (val + BigInt(c.offset)) & M64);
          pc++;
        } else {
          return EILSEQ;
        }
      } else {
        switch (c.op) {
          case 'ST_RAW': storeRaw(dest, val, c.size); break;
          case 'ST_MEM': case 'ST_UMEM': copyFromUser(ctx, dest, (val + BigInt(c.offset)) & M64, c.size); break;
          case 'ST_STRING': case 'ST_USTRING':
            loc = view.getUint32(dest, true);
            ret = storeString(ctx, (val + BigInt(c.offset)) & M64, dest, base);
            break;
          default: return EILSEQ;
        }
        pc++;
        const m = code[pc];
        if (m.op === 'MOD_BF') {
          const bits = BigInt(m.basesize * 8);
          const mask = (1n << bits) - 1n;
          let x = loadRaw(scratch, dest, m.basesize);
          x = (x << BigInt(m.lshift)) & mask;
          x >>= BigInt(m.rshift);
          storeRaw(dest, x, m.basesize);
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
            if (dest !== null) dest += sz;
            val = (val + BigInt(sz)) & M64;
            continue;
          }
          pc = s3 - 1;
          val = (lval + 8n) & M64;
          if (dest !== null) {
            dest += 4;
            const maxlen = (loc >>> 16) - ret, offs = (loc & 0xffff) + ret;
            view.setUint32(dest, (((maxlen & 0xffff) << 16) | (offs & 0xffff)) >>> 0, true);
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

/** Store the event's record into the scratch page and print it; `dropped` when the kernel would drop it. */
function run(ev: EventDef, ctx: FetchContext): { text: string; dropped: boolean } {
  const esize = entrySize(ev);
  const base = -esize;
  let dsize = 0;
  for (const a of ev.args) {
    if (!a.dynamic) continue;
    const len = processFetch(a.code, ctx, ev, null, base);
    if (len > 0) dsize += len;
  }
  const dropped = esize + ev.size + dsize > RB_MAX_PAYLOAD;
  if (ev.size + dsize > PAGE_SIZE) dsize = PAGE_SIZE - ev.size;
  let dyndata = ev.size, maxlen = dsize;
  for (const a of ev.args) {
    if (a.dynamic) view.setUint32(a.offset, (((maxlen & 0xffff) << 16) | ((dyndata - base) & 0xffff)) >>> 0, true);
    const ret = processFetch(a.code, ctx, ev, a.offset, base);
    if (a.dynamic && ret > 0) { dyndata += ret; maxlen -= ret; }
  }
  return { text: printArgs(ev, scratch.slice(0, ev.size + dsize), esize), dropped };
}

/**
 * Fetch the event's arguments at a hit and render them as the trace line shows them after the
 * `(0x...)` part, e.g. ' ip=0x401007 si=0x0'. Returns null when the kernel would drop the event (its
 * record does not fit the ring buffer). The result is a byte string (one char per byte, latin1).
 */
export function captureArgs(ev: EventDef, ctx: FetchContext): string | null {
  const r = run(ev, ctx);
  return r.dropped ? null : r.text;
}

/** Like captureArgs, but returns the text even for a record the kernel would drop. */
export function formatArgs(ev: EventDef, ctx: FetchContext): string {
  return run(ev, ctx).text;
}

function printValue(kind: string, size: number, signed: boolean, rec: Uint8Array, at: number, esize: number): string {
  if (kind === 'string') {
    const dl = Number(loadRaw(rec, at, 4));
    if (!(dl >>> 16)) return '(fault)';
    let p = (dl & 0xffff) - esize, s = '';
    while (p >= 0 && p < rec.length && rec[p] !== 0) s += String.fromCharCode(rec[p++]);
    return `"${s}"`;
  }
  const v = loadRaw(rec, at, size);
  switch (kind) {
    case 'u': return v.toString();
    case 's': return (signed ? BigInt.asIntN(size * 8, v) : v).toString();
    case 'x': return `0x${v.toString(16)}`;
    case 'char': return `'${String.fromCharCode(Number(v))}'`;
    default: return v.toString();
  }
}

function printArgs(ev: EventDef, rec: Uint8Array, esize: number): string {
  let out = '';
  for (const a of ev.args) {
    out += ` ${a.name}=`;
    const t = a.type;
    if (!a.count) {
      out += printValue(t.print, t.size, t.signed, rec, a.offset, esize);
      continue;
    }
    out += '{';
    for (let j = 0; j < a.count; j++) {
      out += printValue(t.print, t.size, t.signed, rec, a.offset + j * t.size, esize);
      out += j === a.count - 1 ? '}' : ',';
    }
  }
  return out;
}
