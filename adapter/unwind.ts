// The call stack from frame pointers. A function compiled with them starts with `push %rbp; mov
// %rsp,%rbp` (after an optional endbr64): inside its body the return address is at 8(%rbp) and the
// caller's frame pointer at 0(%rbp). At the first instructions and at `ret` the frame is not (or no
// longer) set up, and a function without the prologue keeps its return address at 0(%rsp) only until
// it pushes something: those cases are recognised, and a return address is only believed if it points
// just after a call instruction in executable memory. When nothing can be trusted there is one frame.

import { disassemble } from '../engine/cpu/decode';

export interface UnwindFrame {
  /** Where this frame executes (for callers: the return address). */
  ip: number;
  /** The stack pointer in this frame (for callers: just after the call returned). */
  sp: number;
  /** The frame pointer value in this frame. */
  fp: number;
  /** Address of the slot holding this frame's return address, if known. */
  retSlot?: number;
}

export interface UnwindEnv {
  /** Original code bytes (probe int3s replaced by the instruction's first byte), or null if unmapped. */
  code(addr: number, len: number): Uint8Array | null;
  /** A 64-bit word of memory, or undefined if unmapped. */
  word(addr: number): number | undefined;
  /** Start of the function containing an address (symbol table), if any. */
  funcStart(addr: number): number | undefined;
  /** Is the address in executable memory? */
  isExec(addr: number): boolean;
  /** A return address the uretprobe trampoline replaced: the real one for the slot, if any. */
  realReturn?(retAddr: number, slot: number): number;
}

const ENDBR64 = [0xf3, 0x0f, 0x1e, 0xfa];

/** Offsets of `push %rbp` and of the instruction after `mov %rsp,%rbp` in a standard prologue. */
function prologue(env: UnwindEnv, start: number): { push: number; body: number } | null {
  const b = env.code(start, 8);
  if (!b) return null;
  let k = 0;
  if (ENDBR64.every((x, i) => b[i] === x)) k = 4;
  if (b[k] !== 0x55) return null;
  // mov %rsp,%rbp: 48 89 e5 (or 48 8b ec)
  if (b[k + 1] === 0x48 && ((b[k + 2] === 0x89 && b[k + 3] === 0xe5) || (b[k + 2] === 0x8b && b[k + 3] === 0xec))) {
    return { push: start + k, body: start + k + 4 };
  }
  return null;
}

function isRet(env: UnwindEnv, ip: number): boolean {
  const b = env.code(ip, 2);
  if (!b) return false;
  return b[0] === 0xc3 || b[0] === 0xc2 || (b[0] === 0xf3 && b[1] === 0xc3);
}

/** Does `addr` follow a call instruction? (Checks the usual call encodings' lengths.) */
export function followsCall(env: UnwindEnv, addr: number): boolean {
  if (!env.isExec(addr)) return false;
  for (const len of [5, 2, 3, 6, 7, 4, 8, 9]) {
    const b = env.code(addr - len, len);
    if (!b) continue;
    const [text, n] = disassemble(b, addr - len);
    if (n === len && /^call/.test(text)) return true;
  }
  return false;
}

/** Where the return address of the frame executing at `ip` is, and the caller's frame pointer. */
function frameLinks(env: UnwindEnv, ip: number, sp: number, fp: number, top: boolean): { retSlot: number; callerFp: number } | null {
  const start = env.funcStart(ip);
  const pro = start !== undefined ? prologue(env, start) : null;
  if (pro && top) {
    if (ip <= pro.push) return { retSlot: sp, callerFp: fp };
    if (ip < pro.body) {
      const saved = env.word(sp);
      return saved === undefined ? null : { retSlot: sp + 8, callerFp: saved };
    }
  }
  if (top && isRet(env, ip)) return { retSlot: sp, callerFp: fp };
  if (pro) {
    if (!fp || fp < sp) return null;
    const saved = env.word(fp);
    return saved === undefined ? null : { retSlot: fp + 8, callerFp: saved };
  }
  // No prologue: only a return address right at the stack pointer can be recognised.
  const r = env.word(sp);
  if (r !== undefined && followsCall(env, r)) return { retSlot: sp, callerFp: fp };
  return null;
}

/** Frames from the innermost outwards (the first is the current one). */
export function unwind(env: UnwindEnv, ip: number, sp: number, fp: number, max = 64): UnwindFrame[] {
  const frames: UnwindFrame[] = [{ ip, sp, fp }];
  let top = true;
  while (frames.length < max) {
    const cur = frames[frames.length - 1];
    const l = frameLinks(env, cur.ip, cur.sp, cur.fp, top);
    if (!l) break;
    let ret = env.word(l.retSlot);
    if (ret === undefined) break;
    if (env.realReturn) ret = env.realReturn(ret, l.retSlot);
    if (!followsCall(env, ret)) break;
    cur.retSlot = l.retSlot;
    const next: UnwindFrame = { ip: ret, sp: l.retSlot + 8, fp: l.callerFp };
    if (next.sp <= cur.sp && !top) break;
    frames.push(next);
    top = false;
  }
  return frames;
}
