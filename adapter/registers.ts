// The register file as the debugger shows and edits it: general registers, rip, rflags with its flag
// bits, the segment bases, and xmm0..15 with lane views. Values are exact 64-bit hex (two int32 halves).

import type { Cpu } from '../engine/cpu/cpu';
import { ExprError } from './expr';

export const GPR_ORDER: Array<[string, number]> = [
  ['rax', 0], ['rbx', 3], ['rcx', 1], ['rdx', 2], ['rsi', 6], ['rdi', 7], ['rbp', 5], ['rsp', 4],
  ['r8', 8], ['r9', 9], ['r10', 10], ['r11', 11], ['r12', 12], ['r13', 13], ['r14', 14], ['r15', 15],
];
const GPR = new Map(GPR_ORDER);

/** Flag bits of rflags shown as children. */
export const FLAG_BITS: Array<[string, number]> = [
  ['CF', 0], ['PF', 2], ['AF', 4], ['ZF', 6], ['SF', 7], ['TF', 8], ['IF', 9], ['DF', 10], ['OF', 11],
];

export function hex64(lo: number, hi: number): string {
  const h = hi >>> 0, l = lo >>> 0;
  return h ? `0x${h.toString(16)}${l.toString(16).padStart(8, '0')}` : `0x${l.toString(16)}`;
}

export function toBig(lo: number, hi: number): bigint { return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0); }

export function gprValue(cpu: Cpu, n: number): bigint { return toBig(cpu.r[2 * n], cpu.r[2 * n + 1]); }

export function flagsText(f: number): string {
  const on = FLAG_BITS.filter(([, b]) => f & (1 << b)).map(([n]) => n);
  return `0x${f.toString(16)} [ ${on.join(' ')} ]`;
}

/** A user-typed number: decimal, 0x hex, 0b, 0o, negative; 64-bit two's complement result. */
export function parseNumber(text: string): bigint {
  const t = text.trim().replace(/_/g, '');
  const m = /^(-)?(0x[0-9a-f]+|0b[01]+|0o[0-7]+|\d+)$/i.exec(t);
  if (!m) throw new ExprError(`'${text}' is not a number`);
  const v = BigInt(m[2]);
  return BigInt.asUintN(64, m[1] ? -v : v);
}

/** Sub-register names as evaluate() accepts them: name -> [gpr number, byte size, byte shift]. */
export const SUBREGS: Map<string, [number, number, number]> = (() => {
  const m = new Map<string, [number, number, number]>();
  const legacy = [['rax', 'eax', 'ax', 'al', 'ah'], ['rcx', 'ecx', 'cx', 'cl', 'ch'], ['rdx', 'edx', 'dx', 'dl', 'dh'],
    ['rbx', 'ebx', 'bx', 'bl', 'bh']];
  legacy.forEach(([q, d, w, l, h], n) => { m.set(q, [n, 8, 0]); m.set(d, [n, 4, 0]); m.set(w, [n, 2, 0]); m.set(l, [n, 1, 0]); m.set(h, [n, 1, 8]); });
  const idx = [['rsp', 'esp', 'sp', 'spl', 4], ['rbp', 'ebp', 'bp', 'bpl', 5], ['rsi', 'esi', 'si', 'sil', 6], ['rdi', 'edi', 'di', 'dil', 7]] as const;
  for (const [q, d, w, l, n] of idx) { m.set(q, [n, 8, 0]); m.set(d, [n, 4, 0]); m.set(w, [n, 2, 0]); m.set(l, [n, 1, 0]); }
  for (let n = 8; n < 16; n++) { m.set(`r${n}`, [n, 8, 0]); m.set(`r${n}d`, [n, 4, 0]); m.set(`r${n}w`, [n, 2, 0]); m.set(`r${n}b`, [n, 1, 0]); m.set(`r${n}l`, [n, 1, 0]); }
  return m;
})();

export function readSubreg(cpu: Cpu, name: string): bigint | undefined {
  const s = SUBREGS.get(name);
  if (!s) return undefined;
  const [n, size, shift] = s;
  const v = gprValue(cpu, n) >> BigInt(shift);
  return BigInt.asUintN(size * 8, v);
}

export function setGpr(cpu: Cpu, n: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  cpu.r[2 * n] = Number(u & 0xffffffffn) | 0;
  cpu.r[2 * n + 1] = Number(u >> 32n) | 0;
}

// ---- xmm lanes ----------------------------------------------------------------------------------

export type Lane = 'u64' | 'u32' | 'f64' | 'f32';

export function xmmLanes(cpu: Cpu, n: number, lane: Lane): string[] {
  const dv = cpu.xmmView;
  const base = 16 * n;
  switch (lane) {
    case 'u64': return [0, 1].map(k => hex64(dv.getInt32(base + 8 * k, true), dv.getInt32(base + 8 * k + 4, true)));
    case 'u32': return [0, 1, 2, 3].map(k => `0x${dv.getUint32(base + 4 * k, true).toString(16)}`);
    case 'f64': return [0, 1].map(k => String(dv.getFloat64(base + 8 * k, true)));
    case 'f32': return [0, 1, 2, 3].map(k => String(dv.getFloat32(base + 4 * k, true)));
  }
}

export function xmmText(cpu: Cpu, n: number): string {
  const [lo, hi] = xmmLanes(cpu, n, 'u64');
  return `{${hi}, ${lo}}`;
}

export function setXmmLane(cpu: Cpu, n: number, lane: Lane, k: number, text: string): void {
  const dv = cpu.xmmView;
  const base = 16 * n;
  switch (lane) {
    case 'u64': {
      const v = parseNumber(text);
      dv.setUint32(base + 8 * k, Number(v & 0xffffffffn), true);
      dv.setUint32(base + 8 * k + 4, Number(v >> 32n), true);
      return;
    }
    case 'u32': dv.setUint32(base + 4 * k, Number(BigInt.asUintN(32, parseNumber(text))), true); return;
    case 'f64': case 'f32': {
      const f = Number(text.trim());
      if (Number.isNaN(f) && !/^nan$/i.test(text.trim())) throw new ExprError(`'${text}' is not a floating-point number`);
      if (lane === 'f64') dv.setFloat64(base + 8 * k, f, true); else dv.setFloat32(base + 4 * k, f, true);
    }
  }
}

export { GPR };
