// What the debugger shows of a stopped process: stack frames, scopes and variables (registers, the
// uprobe being hit), memory, disassembly and evaluation. Everything reads the runtime's live state.

import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { disassemble } from '../engine/cpu/decode';
import { GPR_ORDER, FLAG_BITS, hex64, flagsText, parseNumber, setGpr, toBig, xmmLanes, xmmText, setXmmLane, readSubreg, Lane } from './registers';
import { Condition, ExprError, showValue } from './expr';
import { UTASK_STATE_NAMES } from '../engine/uprobes/types';
import { UPROBE_XOL_SLOT_BYTES } from '../engine/uprobes/xol_area';
import { PAGE_SIZE } from '../engine/memory';
import { STT_FUNC, STT_GNU_IFUNC } from '../engine/elf/elf';
import { UserError } from '../engine/errors';
import { TIF_UPROBE } from '../engine/cpu/cpu';
import type { Runtime } from './runtime';
import { hexBytes } from './xolstate';

export type VarRef =
  | { kind: 'regs' }
  | { kind: 'flags' }
  | { kind: 'xmm'; n: number }
  | { kind: 'uprobe' }
  | { kind: 'consumers' }
  | { kind: 'frame'; k: number };

const hex = (n: number) => `0x${n.toString(16)}`;

/** Is `v` an address inside a mapping of the process? */
function isPointer(rt: Runtime, v: bigint): boolean {
  if (v < 0x1000n || v >= 0x800000000000n) return false;
  return !!rt.p?.mem.findVma(Number(v));
}

function memRef(rt: Runtime, v: bigint): string | undefined {
  return isPointer(rt, v) ? `0x${v.toString(16)}` : undefined;
}

// ---- stack ------------------------------------------------------------------------------------------

export function stackTrace(rt: Runtime, start: number, levels: number): { frames: DebugProtocol.StackFrame[]; total: number } {
  const p = rt.p;
  if (!p) return { frames: [], total: 0 };
  const all = rt.frames(64);
  const mm = rt.mm;
  const out: DebugProtocol.StackFrame[] = [];
  const end = levels > 0 ? Math.min(all.length, start + levels) : all.length;
  for (let k = start; k < end; k++) {
    const f = all[k];
    const ip = f.ip;
    if (k === 0 && mm?.xol?.contains(ip)) {
      const slot = mm.xol.slotOf(ip);
      const tramp = rt.uprobes?.model === 'current' && ip === mm.xol.trampolineVaddr;
      out.push({
        id: k, name: tramp ? '[uprobes] uretprobe trampoline' : `[uprobes] slot ${slot} (xol)`, line: 0, column: 0,
        instructionPointerReference: hex(ip),
      });
      continue;
    }
    // A caller's line is the line of its call instruction (just before the return address).
    const lookup = k === 0 || (k === 1 && mm?.xol?.contains(all[0].ip)) ? ip : ip - 1;
    const row = rt.lineAt(lookup);
    const sym = rt.symbolAt(lookup);
    const name = sym ? (row ? sym.name : `${sym.name}+0x${(ip - sym.start).toString(16)}`) : hex(ip);
    const fr: DebugProtocol.StackFrame = { id: k, name, line: 0, column: 0, instructionPointerReference: hex(ip) };
    if (row) {
      const file = rt.displayPath(row.file);
      fr.source = { name: path.basename(file), path: file };
      fr.line = row.line;
      fr.column = row.column > 0 ? row.column : 1;
    } else {
      fr.presentationHint = 'subtle';
    }
    out.push(fr);
  }
  return { frames: out, total: all.length };
}

// ---- scopes and variables -------------------------------------------------------------------------

export function atProbe(rt: Runtime): boolean {
  const mm = rt.mm;
  if (!mm || !rt.p) return false;
  const t = mm.utask;
  return t.pendingXol !== null || t.activeUprobe !== null || mm.installed.has(rt.p.cpu.rip);
}

export function scopes(rt: Runtime, frameId: number, handle: (r: VarRef) => number): DebugProtocol.Scope[] {
  const out: DebugProtocol.Scope[] = [];
  if (!rt.p) return out;
  const inSlotFrame = frameId === 1 && rt.mm?.xol?.contains(rt.p.cpu.rip);
  if (frameId === 0 || inSlotFrame) {
    out.push({ name: 'Registers', presentationHint: 'registers', variablesReference: handle({ kind: 'regs' }), expensive: false });
    if (atProbe(rt)) out.push({ name: 'Uprobe', variablesReference: handle({ kind: 'uprobe' }), expensive: false });
  } else {
    out.push({ name: 'Frame', variablesReference: handle({ kind: 'frame', k: frameId }), expensive: false });
  }
  return out;
}

function v(name: string, value: string, extra: Partial<DebugProtocol.Variable> = {}): DebugProtocol.Variable {
  return { name, value, variablesReference: 0, ...extra };
}

/** The kernel fetcharg name of a register (for evaluateName). */
const FETCH_NAME: Record<string, string> = {
  rax: '%ax', rbx: '%bx', rcx: '%cx', rdx: '%dx', rsi: '%si', rdi: '%di', rbp: '%bp', rsp: '%sp', rip: '%ip', rflags: '%flags',
};

export function variables(rt: Runtime, ref: VarRef, handle: (r: VarRef) => number): DebugProtocol.Variable[] {
  const p = rt.p;
  if (!p) return [];
  const cpu = p.cpu;
  switch (ref.kind) {
    case 'regs': {
      const out: DebugProtocol.Variable[] = [];
      for (const [name, n] of GPR_ORDER) {
        const val = toBig(cpu.r[2 * n], cpu.r[2 * n + 1]);
        out.push(v(name, hex64(cpu.r[2 * n], cpu.r[2 * n + 1]), {
          memoryReference: memRef(rt, val), evaluateName: FETCH_NAME[name] ?? `%${name}`, type: 'u64',
        }));
      }
      out.push(v('rip', hex(cpu.rip), { memoryReference: hex(cpu.rip), evaluateName: '%ip', type: 'u64' }));
      out.push(v('rflags', flagsText(cpu.f.get()), { variablesReference: handle({ kind: 'flags' }), evaluateName: '%flags', type: 'u64' }));
      out.push(v('fs_base', hex(cpu.fsBase), { memoryReference: memRef(rt, BigInt(cpu.fsBase)), type: 'u64' }));
      out.push(v('gs_base', hex(cpu.gsBase), { memoryReference: memRef(rt, BigInt(cpu.gsBase)), type: 'u64' }));
      out.push(v('mxcsr', hex(cpu.mxcsr), { type: 'u32' }));
      for (let n = 0; n < 16; n++) out.push(v(`xmm${n}`, xmmText(cpu, n), { variablesReference: handle({ kind: 'xmm', n }), type: 'xmm' }));
      return out;
    }
    case 'flags': {
      const f = cpu.f.get();
      return FLAG_BITS.map(([name, bit]) => v(name, (f >> bit) & 1 ? '1' : '0', { type: 'bit' }));
    }
    case 'xmm': {
      const out: DebugProtocol.Variable[] = [];
      for (const lane of ['u64', 'u32', 'f64', 'f32'] as Lane[]) {
        xmmLanes(cpu, ref.n, lane).forEach((val, k) => out.push(v(`${lane}[${k}]`, val, { type: lane })));
      }
      return out;
    }
    case 'consumers': {
      const u = currentUprobe(rt);
      return (u?.consumers ?? []).map((c, k) => v(`[${k}]`, c.name));
    }
    case 'uprobe': return uprobeVariables(rt, handle);
    case 'frame': {
      const f = rt.frames(64)[ref.k];
      if (!f) return [];
      return [
        v('rip', hex(f.ip), { memoryReference: hex(f.ip) }),
        v('rsp', hex(f.sp), { memoryReference: memRef(rt, BigInt(f.sp)) }),
        v('rbp', hex(f.fp), { memoryReference: memRef(rt, BigInt(f.fp)) }),
        ...(f.retSlot !== undefined ? [v('return address slot', hex(f.retSlot), { memoryReference: hex(f.retSlot) })] : []),
      ];
    }
  }
}

function currentUprobe(rt: Runtime) {
  const mm = rt.mm;
  if (!mm || !rt.p) return undefined;
  const t = mm.utask;
  return t.pendingXol?.uprobe ?? t.activeUprobe ?? mm.installed.get(rt.p.cpu.rip);
}

function uprobeVariables(rt: Runtime, handle: (r: VarRef) => number): DebugProtocol.Variable[] {
  const mm = rt.mm!;
  const t = mm.utask;
  const u = currentUprobe(rt);
  if (!u) return [];
  const addr = t.pendingXol?.vaddr ?? (t.activeUprobe ? t.vaddr : rt.p!.cpu.rip);
  const out: DebugProtocol.Variable[] = [
    v('probe', `${u.path}:0x${u.offset.toString(16)}`),
    v('address', hex(addr), { memoryReference: hex(addr) }),
    v('instruction', u.arch ? disassemble(u.arch.insn, addr, rt.syntax)[0] : '?'),
    v('bytes', hexBytes(u.arch?.insn ?? u.insn)),
    v('phase', t.phase),
    v('state', UTASK_STATE_NAMES[t.state] ?? String(t.state)),
    v('consumers', `${u.consumers.length}`, { variablesReference: handle({ kind: 'consumers' }) }),
    v('hits', String(u.hits)),
    v('model', rt.uprobes?.model ?? ''),
  ];
  const a = u.arch;
  if (a) {
    out.push(v('fixups', a.fixupNames.join(' | ') || '(none)'));
    if (a.emulate) out.push(v('emulated', `${a.emulate.kind} (${a.emulate.rule})`));
    if (a.ripRel) out.push(v('scratch register', a.ripRel.scratchName));
  }
  if (t.activeUprobe && t.slot >= 0) {
    out.push(v('slot', String(t.slot)));
    out.push(v('slot address', hex(t.xolVaddr), { memoryReference: hex(t.xolVaddr) }));
    const sb = a?.slotInsn;
    if (sb) out.push(v('slot instruction', disassemble(sb, t.xolVaddr, rt.syntax)[0]));
  }
  return out;
}

/** setVariable on a register, a flag or an xmm lane; returns the new value text. */
export function setVariable(rt: Runtime, ref: VarRef, name: string, value: string): string {
  const p = rt.p;
  if (!p) throw new UserError('no process');
  const cpu = p.cpu;
  switch (ref.kind) {
    case 'regs': {
      const g = GPR_ORDER.find(([n]) => n === name);
      if (g) { setGpr(cpu, g[1], parseNumber(value)); return hex64(cpu.r[2 * g[1]], cpu.r[2 * g[1] + 1]); }
      const num = () => {
        const x = parseNumber(value);
        if (x >= 0x800000000000n) throw new UserError(`${name} must be a user-space address below 0x800000000000`);
        return Number(x);
      };
      if (name === 'rip') {
        const ip = num();
        const t = rt.mm?.utask;
        if (t?.pendingXol && ip !== t.pendingXol.vaddr) {
          // As the kernel does when a handler moved ip: the probed instruction is not executed at all.
          t.pendingXol = null;
          t.phase = 'idle';
          t.stepPhases = false;
          cpu.tif &= ~TIF_UPROBE;
        }
        cpu.rip = ip;
        return hex(cpu.rip);
      }
      if (name === 'fs_base') { cpu.fsBase = num(); return hex(cpu.fsBase); }
      if (name === 'gs_base') { cpu.gsBase = num(); return hex(cpu.gsBase); }
      if (name === 'rflags') { cpu.f.load(Number(BigInt.asUintN(32, parseNumber(value)))); return flagsText(cpu.f.get()); }
      if (name === 'mxcsr') { cpu.mxcsr = Number(BigInt.asUintN(32, parseNumber(value))) & 0xffff; return hex(cpu.mxcsr); }
      throw new UserError(`${name} cannot be set (set its lanes)`);
    }
    case 'flags': {
      const bit = FLAG_BITS.find(([n]) => n === name);
      if (!bit) throw new UserError(`no flag ${name}`);
      const on = parseNumber(value) !== 0n;
      const f = cpu.f.get();
      cpu.f.load(on ? f | (1 << bit[1]) : f & ~(1 << bit[1]));
      return ((cpu.f.get() >> bit[1]) & 1) ? '1' : '0';
    }
    case 'xmm': {
      const m = /^(u64|u32|f64|f32)\[(\d)\]$/.exec(name);
      if (!m) throw new UserError(`no lane ${name}`);
      const lane = m[1] as Lane, k = Number(m[2]);
      setXmmLane(cpu, ref.n, lane, k, value);
      return xmmLanes(cpu, ref.n, lane)[k];
    }
    default: throw new UserError(`${name} is read-only`);
  }
}

// ---- memory -----------------------------------------------------------------------------------------

export function parseAddress(ref: string, offset = 0): number {
  const t = ref.trim();
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(t)) throw new UserError(`'${ref}' is not an address`);
  const a = Number(t) + offset;
  if (!Number.isSafeInteger(a) || a < 0) throw new UserError(`'${ref}'+${offset} is not an address`);
  return a;
}

export function readMemory(rt: Runtime, ref: string, offset: number, count: number): DebugProtocol.ReadMemoryResponse['body'] {
  const p = rt.p;
  if (!p) throw new UserError('no process');
  const start = parseAddress(ref, offset);
  count = Math.max(0, Math.min(count, 1 << 20));
  // Readable prefix, page by page (as /proc/PID/mem: the bytes the process has, int3s of probes included).
  let n = 0;
  while (n < count) {
    const a = start + n;
    const len = Math.min(count - n, PAGE_SIZE - (a % PAGE_SIZE));
    if (!p.mem.peek(a, 1)) break;
    n += len;
  }
  const data = n ? p.mem.peek(start, n)! : new Uint8Array(0);
  return { address: hex(start), data: Buffer.from(data).toString('base64'), unreadableBytes: count - n };
}

export function writeMemory(rt: Runtime, ref: string, offset: number, b64: string, allowPartial: boolean): number {
  const p = rt.p;
  if (!p) throw new UserError('no process');
  const start = parseAddress(ref, offset);
  const data = Buffer.from(b64, 'base64');
  let n = 0;
  while (n < data.length && p.mem.peek(start + n, 1)) n++;
  if (n < data.length && !allowPartial) throw new UserError(`0x${(start + n).toString(16)} is not mapped`);
  if (n) p.mem.poke(start, new Uint8Array(data.subarray(0, n)));
  return n;
}

// ---- disassembly ------------------------------------------------------------------------------------

interface Decoded { address: number; len: number; text: string; bytes: Uint8Array; note?: string; invalid?: boolean }

/** Decoded instructions of the current request (each address is decoded once). */
let memo: Map<number, Decoded> | null = null;

/** Decode the instruction at `a` (original bytes), with its annotation. */
function decodeAt(rt: Runtime, a: number): Decoded {
  const m = memo?.get(a);
  if (m) return m;
  const d = decodeUncached(rt, a);
  memo?.set(a, d);
  return d;
}

function decodeUncached(rt: Runtime, a: number): Decoded {
  const mm = rt.mm;
  if (mm?.xol?.contains(a)) return decodeXol(rt, a);
  const b = rt.code(a, 16);
  if (!b || !b.length) return { address: a, len: 1, text: '??', bytes: new Uint8Array(0), invalid: true };
  // Bytes up to the end of the mapping only.
  let avail = 16;
  while (avail > 1 && !rt.p!.mem.peek(a + avail - 1, 1)) avail--;
  const [text, len] = disassemble(b.subarray(0, avail), a, rt.syntax);
  const mem = rt.p!.mem.peek(a, len) ?? b.subarray(0, len);
  const d: Decoded = { address: a, len, text, bytes: mem, invalid: text === '(bad)' };
  const u = mm?.installed.get(a);
  if (u) {
    const c = u.consumers.length;
    d.note = `uprobe: int3 in memory, ${c} consumer${c === 1 ? '' : 's'}, ${u.hits} hit${u.hits === 1 ? '' : 's'}`;
  }
  return d;
}

/** In the [uprobes] page: whole slots, each shown as the instruction written into it. */
function decodeXol(rt: Runtime, a: number): Decoded {
  const mm = rt.mm!;
  const xol = mm.xol!;
  const slot = xol.slotOf(a);
  const slotAddr = xol.slotAddr(slot);
  const b = rt.p!.mem.peek(a, Math.min(16, slotAddr + UPROBE_XOL_SLOT_BYTES - a)) ?? new Uint8Array(0);
  const inUse = xol.bitmap[slot] !== 0;
  const t = mm.utask;
  if (a !== slotAddr) {
    // The rest of a slot: padding after the copied instruction.
    const len = slotAddr + UPROBE_XOL_SLOT_BYTES - a;
    return { address: a, len, text: `.fill ${len}`, bytes: new Uint8Array(0), note: `rest of slot ${slot}` };
  }
  if (rt.uprobes?.model === 'current' && slot === 0) {
    return { address: a, len: UPROBE_XOL_SLOT_BYTES, text: disassemble(b, a, rt.syntax)[0], bytes: b.subarray(0, 1), note: 'uretprobe trampoline (slot 0)' };
  }
  const [text, len] = disassemble(b, a, rt.syntax);
  let note: string;
  if (inUse && t.activeUprobe && t.slot === slot) {
    const orig = t.activeUprobe.arch ? disassemble(t.activeUprobe.arch.insn, t.vaddr, rt.syntax)[0] : '?';
    note = `slot ${slot}: copy of '${orig}' at 0x${t.vaddr.toString(16)}${t.activeUprobe.arch?.ripRel ? `, RIP operand rewritten to use %${t.activeUprobe.arch.ripRel.scratchName}` : ''}`;
  } else {
    note = `slot ${slot} (${inUse ? 'in use' : 'free'})`;
  }
  return { address: a, len: UPROBE_XOL_SLOT_BYTES, text, bytes: b.subarray(0, len), note };
}

function instructionStarts(rt: Runtime, from: number, to: number): number[] {
  const out: number[] = [];
  let a = from;
  while (a < to) {
    out.push(a);
    a += Math.max(1, decodeAt(rt, a).len);
  }
  return out;
}

/** Where to start decoding to find instruction boundaries before `addr`. */
function anchorBefore(rt: Runtime, addr: number, back: number): number {
  const mm = rt.mm;
  if (mm?.xol?.contains(addr)) return Math.max(mm.xol.vaddr, addr - back * UPROBE_XOL_SLOT_BYTES - ((addr - mm.xol.vaddr) % UPROBE_XOL_SLOT_BYTES));
  const want = addr - back * 15 - 16;
  // Symbol starts are instruction boundaries: take the latest one at or before `want`, if close enough.
  const elf = rt.p!.elf;
  let best: number | undefined;
  for (const s of elf.symbols) {
    if (s.type !== STT_FUNC && s.type !== STT_GNU_IFUNC && s.type !== 0) continue;
    const a = s.value + rt.bias;
    if (a <= want && a > want - 4096 && rt.isExec(a) && (best === undefined || a > best)) best = a;
  }
  if (best !== undefined) return best;
  const row = rt.lineAt(want);
  if (row) return row.address + rt.bias;
  return Math.max(0, want - 32); // linear decoding resynchronises after a few instructions
}

export function disassembleRequest(rt: Runtime, args: DebugProtocol.DisassembleArguments): DebugProtocol.DisassembledInstruction[] {
  memo = new Map();
  try { return disassembleAll(rt, args); } finally { memo = null; }
}

function disassembleAll(rt: Runtime, args: DebugProtocol.DisassembleArguments): DebugProtocol.DisassembledInstruction[] {
  const p = rt.p;
  if (!p) throw new UserError('no process');
  const base = parseAddress(args.memoryReference, args.offset ?? 0);
  const count = Math.max(0, Math.min(args.instructionCount, 4096));
  // Bounded: a client may ask for any offset (2^31 instructions back would pad forever).
  const ioff = Math.max(-8192, Math.min(8192, Math.trunc(Number(args.instructionOffset ?? 0)) || 0));
  let addrs: number[];
  if (ioff < 0) {
    const anchor = anchorBefore(rt, base, -ioff);
    const before = instructionStarts(rt, anchor, base);
    const take = before.slice(Math.max(0, before.length + ioff));
    // Not enough instructions before: pad with invalid entries at lower addresses.
    const pad: number[] = [];
    for (let k = take.length; k < -ioff; k++) pad.unshift((take[0] ?? base) - (k - take.length + 1));
    addrs = [...pad, ...take];
    let a = base;
    while (addrs.length < count) { addrs.push(a); a += Math.max(1, decodeAt(rt, a).len); }
    addrs = addrs.slice(0, count);
  } else {
    addrs = [];
    let a = base;
    for (let k = 0; k < ioff; k++) a += Math.max(1, decodeAt(rt, a).len);
    while (addrs.length < count) { addrs.push(a); a += Math.max(1, decodeAt(rt, a).len); }
  }
  const comment = rt.syntax === 'att' ? '#' : ';';
  let lastLine = '';
  let lastSym = '';
  return addrs.map(a => {
    const mapped = !!p.mem.peek(a, 1);
    if (!mapped || a < 0) return { address: hex(Math.max(0, a)), instruction: '??', presentationHint: 'invalid' as const };
    const d = decodeAt(rt, a);
    const ins: DebugProtocol.DisassembledInstruction = {
      address: hex(a), instructionBytes: hexBytes(d.bytes), instruction: d.note ? `${d.text}    ${comment} ${d.note}` : d.text,
    };
    if (d.invalid) ins.presentationHint = 'invalid';
    const sym = rt.symbolAt(a);
    if (sym && args.resolveSymbols !== false) {
      const s = sym.offset ? `${sym.name}+0x${sym.offset.toString(16)}` : sym.name;
      if (sym.name !== lastSym || sym.offset === 0) ins.symbol = s;
      lastSym = sym.name;
    }
    const row = rt.lineAt(a);
    if (row) {
      const key = `${row.file}:${row.line}`;
      if (key !== lastLine) {
        const file = rt.displayPath(row.file);
        ins.location = { name: path.basename(file), path: file };
        ins.line = row.line;
        if (row.column) ins.column = row.column;
      }
      lastLine = key;
    }
    return ins;
  });
}

// ---- evaluation -------------------------------------------------------------------------------------

export interface EvalResult { result: string; memoryReference?: string; type?: string; variablesReference?: number }

const REG_WORD = /^%?([a-z][a-z0-9_]*)$/;

/** evaluate: registers, symbols, numbers, fetch arguments and conditions over them. */
export function evaluate(rt: Runtime, expr: string, context: string | undefined, handle: (r: VarRef) => number): EvalResult {
  const p = rt.p;
  if (!p) throw new UserError('no process');
  const e = expr.trim();
  if (!e) throw new UserError('empty expression');
  const cpu = p.cpu;
  // uprobe_events commands typed in the console.
  if (context === 'repl' && /^([pr](:\S*)?\s+\S*\/\S*:|-:)/.test(e)) {
    return { result: rt.probeCommand(e) };
  }
  // Register names (hovering `%rax` in assembly gives `rax` or `%rax`).
  const rw = REG_WORD.exec(e);
  if (rw) {
    const name = rw[1];
    const fetchFirst = e.startsWith('%');
    if (!fetchFirst || !isFetchRegister(name)) {
      const r = registerValue(rt, name, handle);
      if (r) return r;
    }
  }
  if (/^[A-Za-z_.$][\w.$]*$/.test(e)) {
    const s = p.elf.symbol(e);
    if (s) {
      const a = s.value + rt.bias;
      const exec = rt.isExec(a);
      if (exec) return { result: `0x${a.toString(16)} <${e}>`, memoryReference: hex(a), type: 'code' };
      const w = p.mem.peek(a, 8);
      const val = w ? `0x${Buffer.from(w).readBigUInt64LE(0).toString(16)}` : '(unreadable)';
      return { result: `0x${a.toString(16)} <${e}>: ${val}`, memoryReference: hex(a), type: 'u64' };
    }
  }
  if (/^-?(0x[0-9a-f]+|\d+)$/i.test(e)) {
    const n = parseNumber(e);
    return { result: `0x${n.toString(16)} (${BigInt.asIntN(64, n)})`, memoryReference: memRef(rt, n) };
  }
  const off = rt.fileOffsetOf(cpu.rip) ?? 0;
  try {
    const c = new Condition(e, p.exePath, off, (n) => rt.symbolAddress(n));
    const val = c.value(rt.fetchContext());
    const single = c.fetches.length === 1 && c.fetches[0].text.trim() === e;
    const result = single ? c.fetches[0].format(rt.fetchContext()) : showValue(val);
    return { result, memoryReference: val.kind === 'num' ? memRef(rt, BigInt.asUintN(64, val.v)) : undefined };
  } catch (err) {
    if (err instanceof ExprError) throw new UserError(err.message);
    throw err;
  }
}

function isFetchRegister(name: string): boolean {
  return ['ax', 'bx', 'cx', 'dx', 'si', 'di', 'bp', 'sp', 'ip', 'flags', 'cs', 'ss', 'orig_ax'].includes(name) || /^r([89]|1[0-5])$/.test(name);
}

function registerValue(rt: Runtime, name: string, handle: (r: VarRef) => number): EvalResult | undefined {
  const cpu = rt.p!.cpu;
  if (name === 'rip' || name === 'pc') return { result: hex(cpu.rip), memoryReference: hex(cpu.rip) };
  if (name === 'rflags' || name === 'eflags') return { result: flagsText(cpu.f.get()), variablesReference: handle({ kind: 'flags' }) };
  if (name === 'fs_base') return { result: hex(cpu.fsBase) };
  if (name === 'gs_base') return { result: hex(cpu.gsBase) };
  const x = /^xmm(\d+)$/.exec(name);
  if (x && Number(x[1]) < 16) return { result: xmmText(cpu, Number(x[1])), variablesReference: handle({ kind: 'xmm', n: Number(x[1]) }) };
  const v = readSubreg(cpu, name);
  if (v === undefined) return undefined;
  return { result: `0x${v.toString(16)}`, memoryReference: memRef(rt, v) };
}

