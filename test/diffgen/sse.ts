// Generators and the runner of the SSE/SSE2 differential cases, shared by test/diff-sse.test.ts and the
// instruction fuzzer (fuzz/insns.ts). A batch is a list of templates (one instruction, in GAS syntax,
// reading xmm0, xmm1, rax, RFLAGS, MXCSR and a memory slot) each with its input records; it becomes
// one static program that runs every record through its template and writes xmm0, xmm1, rax, RFLAGS,
// MXCSR and the memory slot after each. The program runs natively and in the emulator; the dumps must
// be identical byte for byte.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildAsm, runNative, runEmu, tmpDir, RunResult } from '../util';

// ---- deterministic random numbers ----------------------------------------------------------------

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- value pools ----------------------------------------------------------------------------------

const f32 = new Float32Array(1), f32u = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), f64u = new Uint32Array(f64.buffer);
function fbits(x: number): number { f32[0] = x; return f32u[0]; }
function dbits(x: number): [number, number] { f64[0] = x; return [f64u[0], f64u[1]]; }

/** Special binary32 bit patterns. */
export const SPECIAL_S: number[] = [
  0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00400000, 0x00800000, 0x80800000,
  0x00800001, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345, 0xffc00001,
  0x7f800001, 0xff812345, 0x7fbfffff, 0x3f800000, 0xbf800000, 0x3fc00000, 0x40200000, 0xbfc00000, 0x3f000000,
  0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001, 0x5f000000, 0xdf000000, 0x5effffff, 0x40490fdb, 0x33800000,
  0x4b800001, 0x3eaaaaab, 0x0c000000, 0x72000000, 0x4f800000, 0xbf7fffff,
].map(fbitsU);
function fbitsU(x: number): number { return x >>> 0; }

/** Special binary64 values as [lo, hi]. */
export const SPECIAL_D: [number, number][] = [
  [0, 0], [0, 0x80000000], [1, 0], [1, 0x80000000], [0xffffffff, 0x000fffff], [0, 0x00080000], [0, 0x00100000],
  [0, 0x80100000], [1, 0x00100000], [0xffffffff, 0x7fefffff], [0xffffffff, 0xffefffff], [0, 0x7ff00000],
  [0, 0xfff00000], [0, 0x7ff80000], [0, 0xfff80000], [0x12345678, 0x7ff8abcd], [1, 0xfff80000], [1, 0x7ff00000],
  [0x9abcdef0, 0xfff41234], [0xffffffff, 0x7ff7ffff],
  ...[1, -1, 1.5, 2.5, -2.5, 0.5, -0.5, 3, Math.PI, 1 / 3, 2147483647, 2147483647.5, 2147483648, -2147483648,
    -2147483648.5, -2147483649, 2 ** 63, -(2 ** 63), 2 ** 63 - 1024, 2 ** 64, 4503599627370497, 2 ** 52 + 0.5,
    1e308, 1e-308, 2 ** -1022 * 1.5, 3.4028234663852886e38, 3.4028235677973366e38, 1.1754943508222875e-38,
    1.1754942106924411e-38, 1.401298464324817e-45, 7.006492321624085e-46, 2 ** -150 * 1.5, 1e-320,
    0.1, 16777217, 2 ** 1023, 2 ** -537, 1.0000000000000002].map(dbits),
];

/** Special 32-bit and 64-bit integers (as [lo, hi]). */
export const SPECIAL_I: [number, number][] = [
  [0, 0], [1, 0], [0xffffffff, 0xffffffff], [0x7fffffff, 0], [0x80000000, 0xffffffff], [0x80000000, 0],
  [0, 0x80000000], [0xffffffff, 0x7fffffff], [0x01000001, 0], [0x01000003, 0], [0xffffffff, 0x001fffff],
  [1, 0x00200000], [3, 0x00200000], [0x20000001, 0x00200000], [0x80000000, 0x00200000], [0x10000001, 0x00000100],
  [0xfefffff1, 0xffffffff], [0, 1], [0x12345678, 0x9abcdef0], [0xfffffff8, 0x7fffffff],
];

// ---- input records --------------------------------------------------------------------------------

export type Kind = 'ps' | 'pd' | 'ss' | 'sd' | 'int' | 'count' | 'gpr' | 'edgeS' | 'edgeD';
export const REC_IN = 64, REC_OUT = 96;

export interface SseCase { bytes: Buffer }

function randFloatBits(r: () => number): number {
  const p = r();
  if (p < 0.35) return SPECIAL_S[Math.floor(r() * SPECIAL_S.length)];
  if (p < 0.75) {
    // Random sign, an exponent anywhere (biased to the middle), random significand.
    const e = r() < 0.7 ? 100 + Math.floor(r() * 56) : Math.floor(r() * 256);
    return ((r() < 0.5 ? 0x80000000 : 0) | (e << 23) | Math.floor(r() * 0x800000)) >>> 0;
  }
  if (p < 0.9) { f32[0] = Math.round((r() - 0.5) * 2 ** Math.floor(r() * 40)) / 2 ** Math.floor(r() * 4); return f32u[0]; }
  return Math.floor(r() * 4294967296) >>> 0;
}

function randDoubleBits(r: () => number): [number, number] {
  const p = r();
  if (p < 0.35) return SPECIAL_D[Math.floor(r() * SPECIAL_D.length)];
  if (p < 0.75) {
    const e = r() < 0.7 ? 900 + Math.floor(r() * 250) : Math.floor(r() * 2048);
    return [Math.floor(r() * 4294967296) >>> 0, ((r() < 0.5 ? 0x80000000 : 0) | (e << 20) | Math.floor(r() * 0x100000)) >>> 0];
  }
  if (p < 0.9) return dbits(Math.round((r() - 0.5) * 2 ** Math.floor(r() * 70)) / 2 ** Math.floor(r() * 4));
  return [Math.floor(r() * 4294967296) >>> 0, Math.floor(r() * 4294967296) >>> 0];
}

function randInt64(r: () => number): [number, number] {
  const p = r();
  if (p < 0.3) return SPECIAL_I[Math.floor(r() * SPECIAL_I.length)];
  // Random bit length, random sign.
  const bits = 1 + Math.floor(r() * 64);
  let lo = Math.floor(r() * 4294967296), hi = Math.floor(r() * 4294967296);
  if (bits <= 32) { hi = 0; lo = bits === 32 ? lo : lo % 2 ** bits; } else if (bits < 64) hi = hi % 2 ** (bits - 32);
  if (r() < 0.4) { lo = ~lo; hi = ~hi; }
  return [lo >>> 0, hi >>> 0];
}

function randIntBytes(r: () => number, out: Buffer, off: number): void {
  const pool = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x81];
  const mode = r();
  for (let k = 0; k < 16; k++) {
    if (mode < 0.3) out[off + k] = pool[Math.floor(r() * pool.length)];
    else out[off + k] = Math.floor(r() * 256);
  }
}

function randMxcsr(r: () => number): number {
  let m = 0x1f80;
  if (r() < 0.3) m |= Math.floor(r() * 4) << 13;
  if (r() < 0.1) m |= 0x40;     // DAZ
  if (r() < 0.1) m |= 0x8000;   // FTZ
  if (r() < 0.1) m |= Math.floor(r() * 64); // sticky flags already set
  return m;
}

function fillXmm(kind: Kind, r: () => number, buf: Buffer, off: number, near?: Buffer): void {
  switch (kind) {
    case 'ps': case 'ss':
      for (let k = 0; k < 4; k++) {
        let v = randFloatBits(r);
        // Sometimes a close neighbour of the other operand (cancellation, equality, ties).
        if (near && r() < 0.25) v = (near.readUInt32LE(k * 4) + Math.floor(r() * 5) - 2) >>> 0;
        buf.writeUInt32LE(v, off + 4 * k);
      }
      return;
    case 'pd': case 'sd':
      for (let k = 0; k < 2; k++) {
        let [lo, hi] = randDoubleBits(r);
        if (near && r() < 0.25) { lo = (near.readUInt32LE(k * 8) + Math.floor(r() * 5) - 2) >>> 0; hi = near.readUInt32LE(k * 8 + 4); }
        buf.writeUInt32LE(lo, off + 8 * k); buf.writeUInt32LE(hi, off + 8 * k + 4);
      }
      return;
    case 'count':
      randIntBytes(r, buf, off);
      if (r() < 0.85) { buf.writeUInt32LE(Math.floor(r() * 70), off); buf.writeUInt32LE(0, off + 4); }
      return;
    default:
      if (r() < 0.5) for (let k = 0; k < 2; k++) { const [lo, hi] = randInt64(r); buf.writeUInt32LE(lo, off + 8 * k); buf.writeUInt32LE(hi, off + 8 * k + 4); }
      else randIntBytes(r, buf, off);
  }
}

/**
 * Operand pairs whose product or quotient lands near the underflow or overflow threshold (for 'edgeS'
 * binary32 lanes, 'edgeD' binary64 lanes), with significands biased to all-ones and one: where
 * rounding decides between the largest subnormal and the smallest normal, or overflow.
 */
function fillEdge(single: boolean, r: () => number, x0: Buffer, x1: Buffer): void {
  const bias = single ? 127 : 1023, p = single ? 24 : 53, emin = 1 - bias, emax = bias;
  const targets = [emin - 1, emin, emin - 2, emin - Math.floor(p / 2), emin - p, emin - p - 1, emax, emax - 1, emax + 1];
  const lanes = single ? 4 : 2;
  for (let k = 0; k < lanes; k++) {
    const T = targets[Math.floor(r() * targets.length)];
    const e0 = Math.floor((r() - 0.5) * 2 * (bias - 2));
    const e1 = r() < 0.5 ? T - e0 : e0 - T;
    const sig = (): number => { const q = r(); return q < 0.3 ? 1 - 2 ** -p * Math.floor(1 + r() * 3) : q < 0.5 ? 1 + 2 ** (1 - p) * Math.floor(r() * 3) : r(); };
    const v0 = (1 + sig()) * 2 ** e0 * (r() < 0.5 ? -1 : 1), v1 = (1 + sig()) * 2 ** Math.max(Math.min(e1, emax), emin - p + 1) * (r() < 0.5 ? -1 : 1);
    if (single) { x0.writeUInt32LE(fbits(v0), 4 * k); x1.writeUInt32LE(fbits(v1), 4 * k); }
    else { const a = dbits(v0), b = dbits(v1); x0.writeUInt32LE(a[0], 8 * k); x0.writeUInt32LE(a[1], 8 * k + 4); x1.writeUInt32LE(b[0], 8 * k); x1.writeUInt32LE(b[1], 8 * k + 4); }
  }
}

function record(xmm0: Buffer, xmm1: Buffer, rax: [number, number], flags: number, mxcsr: number): Buffer {
  const b = Buffer.alloc(REC_IN);
  xmm0.copy(b, 0); xmm1.copy(b, 16);
  b.writeUInt32LE(rax[0], 32); b.writeUInt32LE(rax[1], 36);
  b.writeUInt32LE(flags, 40);
  b.writeUInt32LE(mxcsr, 48);
  return b;
}

export function randomCases(kind: Kind, n: number, r: () => number): SseCase[] {
  const out: SseCase[] = [];
  for (let c = 0; c < n; c++) {
    const x0 = Buffer.alloc(16), x1 = Buffer.alloc(16);
    if (kind === 'edgeS' || kind === 'edgeD') fillEdge(kind === 'edgeS', r, x0, x1);
    else {
      fillXmm(kind === 'gpr' ? 'int' : kind, r, x0, 0);
      fillXmm(kind === 'gpr' ? 'pd' : kind, r, x1, 0, kind === 'count' ? undefined : x0);
    }
    const flags = (Math.floor(r() * 4096) & 0x8d5) | 0x202;
    out.push({ bytes: record(x0, x1, randInt64(r), flags, randMxcsr(r)) });
  }
  return out;
}

/** Every (a, b) pair of special values, packed into as few records as the lane count allows. */
export function specialCases(kind: 'ps' | 'pd'): SseCase[] {
  const out: SseCase[] = [];
  const pairs: [number, number][] = [];
  const nvals = kind === 'ps' ? SPECIAL_S.length : SPECIAL_D.length;
  for (let a = 0; a < nvals; a++) for (let b = 0; b < nvals; b++) pairs.push([a, b]);
  const lanes = kind === 'ps' ? 4 : 2;
  // Every pair under the default MXCSR, then again under the other modes in turn.
  for (let pass = 0; pass < 2; pass++) {
    for (let p = 0; p < pairs.length; p += lanes) {
      const x0 = Buffer.alloc(16), x1 = Buffer.alloc(16);
      for (let k = 0; k < lanes; k++) {
        const [a, b] = pairs[(p + k) % pairs.length];
        if (kind === 'ps') { x0.writeUInt32LE(SPECIAL_S[a], 4 * k); x1.writeUInt32LE(SPECIAL_S[b], 4 * k); }
        else {
          x0.writeUInt32LE(SPECIAL_D[a][0], 8 * k); x0.writeUInt32LE(SPECIAL_D[a][1], 8 * k + 4);
          x1.writeUInt32LE(SPECIAL_D[b][0], 8 * k); x1.writeUInt32LE(SPECIAL_D[b][1], 8 * k + 4);
        }
      }
      const m = pass === 0 ? MXCSR_MODES[0] : MXCSR_MODES[1 + (p / lanes) % (MXCSR_MODES.length - 1)];
      out.push({ bytes: record(x0, x1, [0, 0], 0x202, m) });
    }
  }
  return out;
}

// ---- the program ------------------------------------------------------------------------------------

export interface Template { asm: string; cases: SseCase[] }

/**
 * Assembly for the templates. Per case: load xmm0, xmm1, rax, RFLAGS, MXCSR from the input record at
 * (%rsi); prefill the memory slot 64(%rdi)..95(%rdi) with xmm1, xmm0; run the instruction; dump.
 * Memory-source forms read 16(%rsi) (xmm1's bytes, 16-aligned) or 32(%rsi) (rax's); stores go to 64(%rdi).
 */
export function program(ts: Template[]): { src: string; outLen: number; data: string } {
  const lines: string[] = ['.globl _start', '.text', '_start:', '  lea outbuf(%rip), %rdi'];
  let total = 0;
  ts.forEach((t) => {
    lines.push(`  lea indata+${total * REC_IN}(%rip), %rsi`, `  mov $${t.cases.length}, %r12d`, '1:',
      '  movdqu (%rsi), %xmm0', '  movdqu 16(%rsi), %xmm1', '  movdqu %xmm1, 64(%rdi)', '  movdqu %xmm0, 80(%rdi)',
      '  mov 32(%rsi), %rax', '  pushq 40(%rsi)', '  popfq', '  ldmxcsr 48(%rsi)',
      `  ${t.asm}`,
      '  pushfq', '  pop %r11', '  stmxcsr 48(%rdi)', '  ldmxcsr mxcsr_default(%rip)',
      '  movdqu %xmm0, (%rdi)', '  movdqu %xmm1, 16(%rdi)', '  mov %rax, 32(%rdi)', '  mov %r11, 40(%rdi)',
      '  add $64, %rsi', `  add $${REC_OUT}, %rdi`, '  dec %r12d', '  jnz 1b');
    total += t.cases.length;
  });
  const outLen = total * REC_OUT;
  // write(1, outbuf, outLen) until everything is out
  lines.push('  lea outbuf(%rip), %rsi', `  mov $${outLen}, %r12`, '2:', '  mov $1, %eax', '  mov $1, %edi', '  mov %r12, %rdx',
    '  syscall', '  test %rax, %rax', '  jle 3f', '  add %rax, %rsi', '  sub %rax, %r12', '  jnz 2b', '3:',
    '  mov $60, %eax', '  xor %edi, %edi', '  syscall', '.data', '.balign 16', 'mxcsr_default: .long 0x1f80');
  // The input records, as a binary file included by the assembler.
  const data = path.join(tmpDir('sse-in-'), 'inputs.bin');
  fs.writeFileSync(data, Buffer.concat(ts.flatMap(t => t.cases.map(c => c.bytes))));
  lines.push('.balign 16', `indata: .incbin "${data}"`);
  lines.push('.bss', '.balign 16', `outbuf: .space ${outLen}`);
  return { src: lines.join('\n') + '\n', outLen, data };
}

export function hex(b: Buffer): string { return b.toString('hex').replace(/(.{8})/g, '$1 ').trim(); }

export function describe(out: Buffer): string {
  return `xmm0=${hex(out.subarray(0, 16))} xmm1=${hex(out.subarray(16, 32))} rax=${hex(out.subarray(32, 40))} ` +
    `rflags=${out.readUInt32LE(40).toString(16)} mxcsr=${out.readUInt32LE(48).toString(16)} mem=${hex(out.subarray(64, 96))}`;
}

/** Build, run both ways, compare record by record; returns the number of cases. */
export function describeIn(b: Buffer): string {
  return `xmm0=${hex(b.subarray(0, 16))} xmm1=${hex(b.subarray(16, 32))} rax=${hex(b.subarray(32, 40))} ` +
    `rflags=${b.readUInt32LE(40).toString(16)} mxcsr=${b.readUInt32LE(48).toString(16)}`;
}

// ---- templates ------------------------------------------------------------------------------------

/** Instruction templates and the kind of random inputs each wants. */
export function templateList(): [string, Kind][] {
  const t: [string, Kind][] = [];
  for (const op of ['add', 'sub', 'mul', 'div', 'min', 'max']) {
    t.push([`${op}ps %xmm1, %xmm0`, 'ps'], [`${op}ps 16(%rsi), %xmm0`, 'ps'], [`${op}pd %xmm1, %xmm0`, 'pd'],
      [`${op}pd 16(%rsi), %xmm0`, 'pd'], [`${op}ss %xmm1, %xmm0`, 'ss'], [`${op}ss 16(%rsi), %xmm0`, 'ss'],
      [`${op}sd %xmm1, %xmm0`, 'sd'], [`${op}sd 16(%rsi), %xmm0`, 'sd']);
  }
  for (const op of ['mul', 'div']) {
    t.push([`${op}ps %xmm1, %xmm0`, 'edgeS'], [`${op}pd %xmm1, %xmm0`, 'edgeD'], [`${op}ss %xmm1, %xmm0`, 'edgeS'], [`${op}sd %xmm1, %xmm0`, 'edgeD']);
  }
  t.push(['cvtpd2ps %xmm1, %xmm0', 'edgeD'], ['sqrtpd %xmm1, %xmm0', 'edgeD'], ['addps %xmm1, %xmm0', 'edgeS']);
  t.push(['sqrtps %xmm1, %xmm0', 'ps'], ['sqrtpd %xmm1, %xmm0', 'pd'], ['sqrtss %xmm1, %xmm0', 'ss'],
    ['sqrtsd %xmm1, %xmm0', 'sd'], ['sqrtsd 16(%rsi), %xmm0', 'sd'], ['sqrtps 16(%rsi), %xmm0', 'ps']);
  for (let p = 0; p < 8; p++) {
    t.push([`cmpps $${p}, %xmm1, %xmm0`, 'ps'], [`cmppd $${p}, %xmm1, %xmm0`, 'pd'], [`cmpss $${p}, %xmm1, %xmm0`, 'ss'],
      [`cmpsd $${p}, %xmm1, %xmm0`, 'sd']);
  }
  t.push(['cmpsd $1, 16(%rsi), %xmm0', 'sd'], ['cmpps $6, 16(%rsi), %xmm0', 'ps']);
  for (const op of ['comiss', 'ucomiss']) t.push([`${op} %xmm1, %xmm0`, 'ss'], [`${op} 16(%rsi), %xmm0`, 'ss']);
  for (const op of ['comisd', 'ucomisd']) t.push([`${op} %xmm1, %xmm0`, 'sd'], [`${op} 16(%rsi), %xmm0`, 'sd']);
  for (const op of ['andps', 'andnps', 'orps', 'xorps', 'andpd', 'andnpd', 'orpd', 'xorpd']) t.push([`${op} %xmm1, %xmm0`, 'int']);
  t.push(['andpd 16(%rsi), %xmm0', 'int']);
  for (const imm of [0, 0x1b, 0x4e, 0xe4, 0xff, 0x93]) t.push([`shufps $${imm}, %xmm1, %xmm0`, 'ps']);
  for (const imm of [0, 1, 2, 3]) t.push([`shufpd $${imm}, %xmm1, %xmm0`, 'pd']);
  t.push(['shufps $0x39, 16(%rsi), %xmm0', 'ps']);
  for (const op of ['unpcklps', 'unpckhps', 'unpcklpd', 'unpckhpd']) t.push([`${op} %xmm1, %xmm0`, 'int'], [`${op} 16(%rsi), %xmm0`, 'int']);
  // conversions
  t.push(['cvtsi2sd %eax, %xmm0', 'gpr'], ['cvtsi2sd %rax, %xmm0', 'gpr'], ['cvtsi2ss %eax, %xmm0', 'gpr'],
    ['cvtsi2ss %rax, %xmm0', 'gpr'], ['cvtsi2sdl 32(%rsi), %xmm0', 'gpr'], ['cvtsi2ssq 32(%rsi), %xmm0', 'gpr'],
    ['cvtsi2sdq 32(%rsi), %xmm0', 'gpr']);
  for (const op of ['cvtsd2si', 'cvttsd2si']) t.push([`${op} %xmm1, %eax`, 'sd'], [`${op} %xmm1, %rax`, 'sd'], [`${op} 16(%rsi), %rax`, 'sd']);
  for (const op of ['cvtss2si', 'cvttss2si']) t.push([`${op} %xmm1, %eax`, 'ss'], [`${op} %xmm1, %rax`, 'ss'], [`${op} 16(%rsi), %eax`, 'ss']);
  t.push(['cvtsd2ss %xmm1, %xmm0', 'sd'], ['cvtsd2ss 16(%rsi), %xmm0', 'sd'], ['cvtss2sd %xmm1, %xmm0', 'ss'],
    ['cvtss2sd 16(%rsi), %xmm0', 'ss'], ['cvtdq2pd %xmm1, %xmm0', 'int'], ['cvtdq2pd 16(%rsi), %xmm0', 'int'],
    ['cvtdq2ps %xmm1, %xmm0', 'int'], ['cvtps2dq %xmm1, %xmm0', 'ps'], ['cvttps2dq %xmm1, %xmm0', 'ps'],
    ['cvtpd2dq %xmm1, %xmm0', 'pd'], ['cvttpd2dq %xmm1, %xmm0', 'pd'], ['cvtpd2ps %xmm1, %xmm0', 'pd'],
    ['cvtps2pd %xmm1, %xmm0', 'ps'], ['cvtps2pd 16(%rsi), %xmm0', 'ps'], ['cvtpd2ps 16(%rsi), %xmm0', 'pd']);
  // moves
  for (const op of ['movaps', 'movapd', 'movdqa', 'movups', 'movupd', 'movdqu']) {
    t.push([`${op} %xmm1, %xmm0`, 'int'], [`${op} 16(%rsi), %xmm0`, 'int'], [`${op} %xmm0, 64(%rdi)`, 'int']);
  }
  t.push(['movups 17(%rsi), %xmm0', 'int'], ['movdqu 21(%rsi), %xmm0', 'int'], ['movupd %xmm0, 67(%rdi)', 'int'],
    ['movq %xmm1, %xmm0', 'int'], ['movq 16(%rsi), %xmm0', 'int'], ['movq %xmm0, 64(%rdi)', 'int'],
    ['movq %rax, %xmm0', 'int'], ['movq %xmm1, %rax', 'int'], ['movd %eax, %xmm0', 'int'], ['movd %xmm1, %eax', 'int'],
    ['movd 16(%rsi), %xmm0', 'int'], ['movd %xmm0, 64(%rdi)', 'int'], ['movq 32(%rsi), %xmm1', 'int'],
    ['movss %xmm1, %xmm0', 'int'], ['movss 16(%rsi), %xmm0', 'int'], ['movss %xmm0, 64(%rdi)', 'int'],
    ['movsd %xmm1, %xmm0', 'int'], ['movsd 16(%rsi), %xmm0', 'int'], ['movsd %xmm0, 64(%rdi)', 'int'],
    ['movhps 16(%rsi), %xmm0', 'int'], ['movhps %xmm0, 64(%rdi)', 'int'], ['movlps 16(%rsi), %xmm0', 'int'],
    ['movlps %xmm0, 64(%rdi)', 'int'], ['movhpd 16(%rsi), %xmm0', 'int'], ['movhpd %xmm0, 64(%rdi)', 'int'],
    ['movlpd 16(%rsi), %xmm0', 'int'], ['movlpd %xmm0, 64(%rdi)', 'int'], ['movhlps %xmm1, %xmm0', 'int'],
    ['movlhps %xmm1, %xmm0', 'int'], ['movmskps %xmm1, %eax', 'int'], ['movmskps %xmm1, %rax', 'int'],
    ['movmskpd %xmm1, %eax', 'int'], ['pmovmskb %xmm1, %eax', 'int'], ['pmovmskb %xmm1, %rax', 'int'],
    ['movntdq %xmm0, 64(%rdi)', 'int'], ['movntps %xmm0, 64(%rdi)', 'int'], ['movntpd %xmm0, 64(%rdi)', 'int'],
    ['movnti %rax, 64(%rdi)', 'int'], ['movnti %eax, 68(%rdi)', 'int']);
  // packed integer
  for (const op of ['paddb', 'paddw', 'paddd', 'paddq', 'psubb', 'psubw', 'psubd', 'psubq', 'paddsb', 'paddsw',
    'paddusb', 'paddusw', 'psubsb', 'psubsw', 'psubusb', 'psubusw', 'pmullw', 'pmulhw', 'pmulhuw', 'pmuludq',
    'pmaddwd', 'pavgb', 'pavgw', 'pminub', 'pmaxub', 'pminsw', 'pmaxsw', 'psadbw', 'pand', 'pandn', 'por', 'pxor',
    'pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd', 'punpcklbw', 'punpcklwd', 'punpckldq',
    'punpcklqdq', 'punpckhbw', 'punpckhwd', 'punpckhdq', 'punpckhqdq', 'packsswb', 'packuswb', 'packssdw']) {
    t.push([`${op} %xmm1, %xmm0`, 'int']);
  }
  for (const op of ['paddq', 'pcmpeqb', 'pmaddwd', 'punpcklbw', 'packuswb', 'psubusw']) t.push([`${op} 16(%rsi), %xmm0`, 'int']);
  for (const op of ['psllw', 'pslld', 'psllq', 'psrlw', 'psrld', 'psrlq', 'psraw', 'psrad']) {
    t.push([`${op} %xmm1, %xmm0`, 'count'], [`${op} 16(%rsi), %xmm0`, 'count']);
    for (const n of [0, 1, 7, 15, 16, 31, 32, 33, 63, 64, 200]) t.push([`${op} $${n}, %xmm0`, 'int']);
  }
  for (const op of ['pslldq', 'psrldq']) for (const n of [0, 1, 5, 8, 15, 16, 255]) t.push([`${op} $${n}, %xmm0`, 'int']);
  for (const imm of [0, 0x1b, 0x4e, 0xe4, 0xff, 0x72]) {
    t.push([`pshufd $${imm}, %xmm1, %xmm0`, 'int'], [`pshuflw $${imm}, %xmm1, %xmm0`, 'int'], [`pshufhw $${imm}, %xmm1, %xmm0`, 'int']);
  }
  t.push(['pshufd $0x1b, 16(%rsi), %xmm0', 'int']);
  for (const k of [0, 3, 5, 7, 9]) t.push([`pinsrw $${k}, %eax, %xmm0`, 'int'], [`pextrw $${k}, %xmm1, %eax`, 'int']);
  t.push(['pinsrw $2, 32(%rsi), %xmm0', 'int'], ['pextrw $6, %xmm1, %rax', 'int']);
  return t;
}

/** Default, round down / up / toward zero, DAZ, FTZ, DAZ+FTZ+round up. */
export const MXCSR_MODES = [0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x1fc0, 0x9f80, 0xdfc0];


/** The fuzzer's two SSE families: packed-integer and data-movement forms, and floating point with the conversions. */
export type SseFamily = 'sse-int' | 'sse-fp';

export function sseFamily(asm: string, kind: Kind): SseFamily {
  return (kind === 'int' || kind === 'count') && !/^cvt/.test(asm) ? 'sse-int' : 'sse-fp';
}

export interface SseMismatch {
  asm: string; template: number; index: number; input: string; native: string; emulated: string;
  /** The parts of the dump that differ: xmm0, xmm1, rax, rflags, mxcsr, mem. */
  fields: string[];
}

const FIELDS: [string, number, number][] = [['xmm0', 0, 16], ['xmm1', 16, 32], ['rax', 32, 40], ['rflags', 40, 48], ['mxcsr', 48, 52], ['mem', 64, 96]];

function differingFields(x: Buffer, y: Buffer): string[] {
  return FIELDS.filter(([, a, b]) => !x.subarray(a, b).equals(y.subarray(a, b))).map(([n]) => n);
}

export interface SseBatchResult {
  cases: number;
  outLen: number;
  nativeStatus: number | null;
  nativeStderr: string;
  emuStatus: number | null;
  emuStderr: string;
  nativeBytes: number;
  emuBytes: number;
  /** Number of records that differ (all of them, even beyond `mismatches`). */
  bad: number;
  /** The first `limit` differing records, described. */
  mismatches: SseMismatch[];
}

/**
 * Build the batch, run it natively and emulated, compare record by record. Throws only if it cannot be
 * built. With `cleanup` the program and its input file are deleted afterwards (long fuzz runs).
 */
export function runSseBatch(ts: Template[], name: string, opts: { limit?: number; cleanup?: boolean } = {}): SseBatchResult {
  const limit = opts.limit ?? 25;
  const { src, outLen, data } = program(ts);
  let exe: string | undefined;
  let nat: RunResult, emu: RunResult;
  try {
    exe = buildAsm(src, name);
    nat = runNative(exe);
    emu = runEmu(exe);
  } finally {
    if (opts.cleanup) {
      fs.rmSync(path.dirname(data), { recursive: true, force: true });
      if (exe) fs.rmSync(path.dirname(exe), { recursive: true, force: true });
    }
  }
  const a = Buffer.from(nat.stdout, 'latin1'), b = Buffer.from(emu.stdout, 'latin1');
  const mismatches: SseMismatch[] = [];
  let off = 0, bad = 0;
  ts.forEach((tpl, n) => {
    tpl.cases.forEach((c, k) => {
      if (off + REC_OUT <= a.length && off + REC_OUT <= b.length) {
        const x = a.subarray(off, off + REC_OUT), y = b.subarray(off, off + REC_OUT);
        if (!x.equals(y)) {
          bad++;
          if (mismatches.length < limit) mismatches.push({ asm: tpl.asm, template: n, index: k, input: describeIn(c.bytes), native: describe(x), emulated: describe(y), fields: differingFields(x, y) });
        }
      }
      off += REC_OUT;
    });
  });
  return {
    cases: off / REC_OUT, outLen, nativeStatus: nat.status, nativeStderr: nat.stderr, emuStatus: emu.status, emuStderr: emu.stderr,
    nativeBytes: a.length, emuBytes: b.length, bad, mismatches,
  };
}

/** A mismatch as the test reports it. */
export function mismatchText(m: SseMismatch): string {
  return `${m.asm} case ${m.index}\n  input    ${m.input}\n  native   ${m.native}\n  emulated ${m.emulated}`;
}
