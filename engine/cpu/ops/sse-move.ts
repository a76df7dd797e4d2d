// SSE/SSE2 data movement: movaps movups movapd movupd movdqa movdqu lddqu movq movd movss movsd (the
// SSE form; the string move of the same name belongs to the string family) movhps movlps movhpd movlpd
// movhlps movlhps movmskps movmskpd pmovmskb movntdq movntps movntpd movnti.
//
// Also the XMM operand plumbing shared by the SSE families: three 16-byte scratch vectors with typed
// views (handlers load the destination into A and the source into B, compute into A or C, then copy
// back, so a fault or an unmasked floating-point exception leaves the registers untouched), and the
// loads/stores of 32/64/128-bit memory operands with the legacy-SSE 16-byte alignment rule.
//
// MMX forms (operands in mm0..mm7) are not registered: they stay "not implemented".

import { Code } from 'iced-x86';
import type { Cpu } from '../cpu';
import type { Insn, Handler } from '../insn';
import { OK_MEM, OK_REG } from '../insn';
import { onCode } from './index';
import { GuestFault, SIGSEGV, SI_KERNEL } from '../../errors';

/** A 16-byte scratch vector with every lane view the SSE handlers need (little-endian host). */
export class Vec {
  readonly i32 = new Int32Array(4);
  readonly u32 = new Uint32Array(this.i32.buffer);
  readonly i16 = new Int16Array(this.i32.buffer);
  readonly u16 = new Uint16Array(this.i32.buffer);
  readonly i8 = new Int8Array(this.i32.buffer);
  readonly u8 = new Uint8Array(this.i32.buffer);
  /** Float views: read them freely, but write NaNs only through the integer views (JS may change NaN bits). */
  readonly f32 = new Float32Array(this.i32.buffer);
  readonly f64 = new Float64Array(this.i32.buffer);
}

/** Destination / first source. */
export const A = new Vec();
/** Second source. */
export const B = new Vec();
/** Extra result space for operations that read A while writing. */
export const C = new Vec();

/** Copy xmm register n into v. */
export function getX(cpu: Cpu, n: number, v: Vec): void {
  const x = cpu.xmm, d = v.i32, k = 4 * n;
  d[0] = x[k]; d[1] = x[k + 1]; d[2] = x[k + 2]; d[3] = x[k + 3];
}

/** Copy v into xmm register n. */
export function putX(cpu: Cpu, n: number, v: Vec): void {
  const x = cpu.xmm, d = v.i32, k = 4 * n;
  x[k] = d[0]; x[k + 1] = d[1]; x[k + 2] = d[2]; x[k + 3] = d[3];
}

/** MXCSR.MM (AMD misaligned SSE mode): legacy SSE arithmetic may then take unaligned operands. */
export const MXCSR_MM = 0x20000;

/**
 * Legacy SSE: a 16-byte memory operand must be 16-byte aligned, else #GP (SIGSEGV, SI_KERNEL, addr 0).
 * Under MXCSR.MM only the explicitly aligned moves (`strict`: movaps, movntdq, fxsave...) still check.
 */
export function checkAlign16(cpu: Cpu, addr: number, strict: boolean): void {
  if ((addr & 15) !== 0 && (strict || !(cpu.mxcsr & MXCSR_MM))) {
    throw new GuestFault(SIGSEGV, 0, 'misaligned 16-byte SSE operand', SI_KERNEL);
  }
}

/** Read 16 bytes at addr into v. */
export function readM128(cpu: Cpu, addr: number, v: Vec): void {
  const m = cpu.mem, d = v.i32;
  const l0 = m.read64(addr), h0 = m.hi;
  const l1 = m.read64(addr + 8), h1 = m.hi;
  d[0] = l0; d[1] = h0; d[2] = l1; d[3] = h1;
}

/** Write v to 16 bytes at addr (all or nothing when the write straddles pages). */
export function writeM128(cpu: Cpu, addr: number, v: Vec): void {
  const m = cpu.mem, d = v.i32;
  if ((addr & 0xfff) > 0xff0) m.checkWritable(addr, 16);
  m.write64(addr, d[0], d[1]);
  m.write64(addr + 8, d[2], d[3]);
}

/**
 * Load operand n (an xmm register or a memory operand of i.memSize bytes; smaller memory operands fill
 * the low lanes and zero the rest) into v. 16-byte memory operands are alignment-checked unless
 * `unaligned`.
 */
export function loadOp(cpu: Cpu, i: Insn, n: number, v: Vec, unaligned = false): void {
  if (i.kind[n] === OK_REG) { getX(cpu, i.reg[n], v); return; }
  const addr = cpu.ea(i), d = v.i32, m = cpu.mem;
  switch (i.memSize) {
    case 16:
      if (!unaligned) checkAlign16(cpu, addr, false);
      readM128(cpu, addr, v);
      return;
    case 8: d[0] = m.read64(addr); d[1] = m.hi; d[2] = 0; d[3] = 0; return;
    case 4: d[0] = m.read32(addr); d[1] = 0; d[2] = 0; d[3] = 0; return;
    case 2: d[0] = m.read16(addr); d[1] = 0; d[2] = 0; d[3] = 0; return;
    default: throw new Error(`unexpected SSE memory operand size ${i.memSize}`);
  }
}

/**
 * Codes of the SSE (non-VEX, non-MMX) forms of a mnemonic, by iced's Code naming
 * (`Paddb_xmm_xmmm128` yes; `Paddb_mm_mmm64`, `VEX_Vpaddb_...` no).
 */
export function sseCodes(...names: string[]): number[] {
  const out: number[] = [];
  for (const name of names) {
    const pre = name + '_';
    for (const [key, val] of codesOf(name)) {
      if (!key.startsWith(pre)) continue;
      const parts = key.slice(pre.length).split('_');
      if (parts.some(p => p === 'mm' || p.startsWith('mmm'))) continue;
      out.push(val);
    }
    if (!out.length) throw new Error(`no SSE codes for ${name}`);
  }
  return out;
}
/** iced's Code names grouped by their first `_`-separated word (built once, on first use). */
let codesByWord: Map<string, [string, number][]> | undefined;
function codesOf(name: string): [string, number][] {
  if (!codesByWord) {
    codesByWord = new Map();
    // The enum's reverse mapping, code by code (its codes run from 0 without a gap): a walk over
    // Object.entries of its ten thousand keys took 13 ms of every start, this 2 ms.
    const names = Code as unknown as Record<number, string | undefined>;
    for (let v = 0; ; v++) {
      const k = names[v];
      if (k === undefined) break;
      const cut = k.indexOf('_'), w = cut < 0 ? k : k.slice(0, cut);
      const l = codesByWord.get(w);
      if (l) l.push([k, v]); else codesByWord.set(w, [[k, v]]);
    }
  }
  return codesByWord.get(name.split('_', 1)[0]) ?? [];
}

export function onSse(names: string | string[], h: Handler): void {
  onCode(sseCodes(...(Array.isArray(names) ? names : [names])), h);
}

// ---- full-register moves ------------------------------------------------------------------------

function move128(aligned: boolean): Handler {
  return (cpu, i) => {
    const x = cpu.xmm, k = 4 * i.reg[0];
    if (i.kind[0] === OK_REG) {
      if (i.kind[1] === OK_REG) {
        const s = 4 * i.reg[1];
        x[k] = x[s]; x[k + 1] = x[s + 1]; x[k + 2] = x[s + 2]; x[k + 3] = x[s + 3];
      } else {
        const addr = cpu.ea(i), m = cpu.mem;
        if (aligned) checkAlign16(cpu, addr, true);
        const l0 = m.read64(addr), h0 = m.hi;
        const l1 = m.read64(addr + 8);
        x[k] = l0; x[k + 1] = h0; x[k + 2] = l1; x[k + 3] = m.hi;
      }
    } else {
      const addr = cpu.ea(i);
      if (aligned) checkAlign16(cpu, addr, true);
      getX(cpu, i.reg[1], A);
      writeM128(cpu, addr, A);
    }
  };
}
onSse(['Movaps', 'Movapd', 'Movdqa', 'Movntdq', 'Movntps', 'Movntpd'], move128(true));
onSse(['Movups', 'Movupd', 'Movdqu', 'Lddqu'], move128(false));

onCode(Code.Movnti_m32_r32, (cpu, i) => { cpu.writeOp(i, 0, cpu.readOp(i, 1), 0); });
onCode(Code.Movnti_m64_r64, (cpu, i) => { const lo = cpu.readOp(i, 1); cpu.writeOp(i, 0, lo, cpu.hi); });

// ---- movd / movq --------------------------------------------------------------------------------

/** Zero-extending load of a GPR/memory value (32 or 64 bits) into an xmm register. */
const movToXmm: Handler = (cpu, i) => {
  const lo = cpu.readOp(i, 1), hi = i.size[1] === 8 ? cpu.hi : 0;
  const x = cpu.xmm, k = 4 * i.reg[0];
  x[k] = lo; x[k + 1] = hi; x[k + 2] = 0; x[k + 3] = 0;
};
/** Low 32 or 64 bits of an xmm register to a GPR (zero-extended) or memory. */
const movFromXmm: Handler = (cpu, i) => {
  const x = cpu.xmm, k = 4 * i.reg[1];
  cpu.writeOp(i, 0, x[k], i.size[0] === 8 ? x[k + 1] : 0);
};
onCode([Code.Movd_xmm_rm32, Code.Movq_xmm_rm64], movToXmm);
onCode([Code.Movd_rm32_xmm, Code.Movq_rm64_xmm], movFromXmm);

// movq xmm, xmm/m64 (F3 0F 7E) and movq xmm/m64, xmm (66 0F D6): the register form zeroes bits 64..127.
onCode([Code.Movq_xmm_xmmm64, Code.Movq_xmmm64_xmm], (cpu, i) => {
  const x = cpu.xmm;
  if (i.kind[0] === OK_MEM) { const k = 4 * i.reg[1]; cpu.writeMem(cpu.ea(i), 8, x[k], x[k + 1]); return; }
  let lo: number, hi: number;
  if (i.kind[1] === OK_MEM) { lo = cpu.readMem(cpu.ea(i), 8); hi = cpu.hi; } else { const s = 4 * i.reg[1]; lo = x[s]; hi = x[s + 1]; }
  const k = 4 * i.reg[0];
  x[k] = lo; x[k + 1] = hi; x[k + 2] = 0; x[k + 3] = 0;
});

// ---- scalar moves ----------------------------------------------------------------------------------

// movss: register to register merges the low lane; a load zeroes the upper lanes; a store writes 32 bits.
onSse('Movss', (cpu, i) => {
  const x = cpu.xmm;
  if (i.kind[0] === OK_MEM) { cpu.writeMem(cpu.ea(i), 4, x[4 * i.reg[1]], 0); return; }
  const k = 4 * i.reg[0];
  if (i.kind[1] === OK_MEM) { x[k] = cpu.readMem(cpu.ea(i), 4); x[k + 1] = 0; x[k + 2] = 0; x[k + 3] = 0; return; }
  x[k] = x[4 * i.reg[1]];
});

// movsd (F2 0F 10/11): as movss with 64 bits. Registered by Code: the mnemonic is shared with the string move.
onCode([Code.Movsd_xmm_xmmm64, Code.Movsd_xmmm64_xmm], (cpu, i) => {
  const x = cpu.xmm;
  if (i.kind[0] === OK_MEM) { const s = 4 * i.reg[1]; cpu.writeMem(cpu.ea(i), 8, x[s], x[s + 1]); return; }
  const k = 4 * i.reg[0];
  if (i.kind[1] === OK_MEM) {
    const lo = cpu.readMem(cpu.ea(i), 8);
    x[k] = lo; x[k + 1] = cpu.hi; x[k + 2] = 0; x[k + 3] = 0;
    return;
  }
  const s = 4 * i.reg[1];
  x[k] = x[s]; x[k + 1] = x[s + 1];
});

// ---- half moves ---------------------------------------------------------------------------------

/** Load 64 bits from memory into the low (lane 0) or high (lane 2) half, or store that half. */
function halfMove(lane: number): Handler {
  return (cpu, i) => {
    const x = cpu.xmm;
    if (i.kind[0] === OK_MEM) { const s = 4 * i.reg[1] + lane; cpu.writeMem(cpu.ea(i), 8, x[s], x[s + 1]); return; }
    const lo = cpu.readMem(cpu.ea(i), 8), hi = cpu.hi;
    const k = 4 * i.reg[0] + lane;
    x[k] = lo; x[k + 1] = hi;
  };
}
onSse(['Movlps', 'Movlpd'], halfMove(0));
onSse(['Movhps', 'Movhpd'], halfMove(2));

// movhlps: low half of the destination from the high half of the source; movlhps the other way.
onCode(Code.Movhlps_xmm_xmm, (cpu, i) => {
  const x = cpu.xmm, k = 4 * i.reg[0], s = 4 * i.reg[1];
  x[k] = x[s + 2]; x[k + 1] = x[s + 3];
});
onCode(Code.Movlhps_xmm_xmm, (cpu, i) => {
  const x = cpu.xmm, k = 4 * i.reg[0], s = 4 * i.reg[1];
  x[k + 2] = x[s]; x[k + 3] = x[s + 1];
});

// ---- sign masks ---------------------------------------------------------------------------------

onSse('Movmskps', (cpu, i) => {
  const x = cpu.xmm, s = 4 * i.reg[1];
  const m = (x[s] >>> 31) | ((x[s + 1] >>> 31) << 1) | ((x[s + 2] >>> 31) << 2) | ((x[s + 3] >>> 31) << 3);
  cpu.writeReg(i.reg[0], i.size[0], m, 0);
});
onSse('Movmskpd', (cpu, i) => {
  const x = cpu.xmm, s = 4 * i.reg[1];
  cpu.writeReg(i.reg[0], i.size[0], (x[s + 1] >>> 31) | ((x[s + 3] >>> 31) << 1), 0);
});
onSse('Pmovmskb', (cpu, i) => {
  const x = cpu.xmm, s = 4 * i.reg[1];
  let m = 0;
  for (let k = 3; k >= 0; k--) {
    const w = x[s + k];
    m = (m << 4) | ((w >>> 31) << 3) | (((w >>> 23) & 1) << 2) | (((w >>> 15) & 1) << 1) | ((w >>> 7) & 1);
  }
  cpu.writeReg(i.reg[0], i.size[0], m, 0);
});
