// SSE2 packed integer arithmetic on xmm registers: padd/psub b w d q (wrapping and saturating),
// pmullw pmulhw pmulhuw pmuludq pmaddwd, pavgb pavgw, pminub pmaxub pminsw pmaxsw, psadbw,
// pand pandn por pxor, pcmpeq/pcmpgt b w d, psll/psrl/psra by immediate and by xmm, pslldq psrldq,
// punpckl/punpckh bw wd dq qdq, packsswb packuswb packssdw, pshufd pshuflw pshufhw, pinsrw pextrw.
// No flags, no exceptions apart from memory faults and the 16-byte alignment rule.

import type { Cpu } from '../cpu';
import type { Insn, Handler } from '../insn';
import { OK_IMM, OK_MEM, OK_REG } from '../insn';
import { A, B, C, Vec, getX, putX, loadOp, onSse } from './sse-move';

/** dest = f(dest, src): A holds the destination, B the source, the result is left in `out` (A or C). */
function binary(f: (a: Vec, b: Vec) => Vec): Handler {
  return (cpu: Cpu, i: Insn) => {
    loadOp(cpu, i, 1, B);
    getX(cpu, i.reg[0], A);
    putX(cpu, i.reg[0], f(A, B));
  };
}

/**
 * dest = f(dest, src) independently on each 32-bit lane, on the register file directly (the hot logic,
 * compare and byte operations of the string functions; f works on the lanes with SWAR arithmetic).
 */
export function lanes32(f: (a: number, b: number) => number): Handler {
  return (cpu: Cpu, i: Insn) => {
    const x = cpu.xmm, d = 4 * i.reg[0];
    let s: Int32Array, o: number;
    if (i.kind[1] === OK_REG) { s = x; o = 4 * i.reg[1]; } else { loadOp(cpu, i, 1, B); s = B.i32; o = 0; }
    const s0 = s[o], s1 = s[o + 1], s2 = s[o + 2], s3 = s[o + 3];
    x[d] = f(x[d], s0); x[d + 1] = f(x[d + 1], s1); x[d + 2] = f(x[d + 2], s2); x[d + 3] = f(x[d + 3], s3);
  };
}

/** The source of a lane-wise operation: the register file at SO, or the loaded memory operand (B). */
let SRC: Int32Array = B.i32, SO = 0;
export function src(cpu: Cpu, i: Insn): void {
  if (i.kind[1] === OK_REG) { SRC = cpu.xmm; SO = 4 * i.reg[1]; } else { loadOp(cpu, i, 1, B); SRC = B.i32; SO = 0; }
}

const H8 = 0x80808080 | 0, L8 = 0x7f7f7f7f;
/** 0xff in each byte whose top bit is set in m (m has only bits 7, 15, 23, 31). */
function spread8(m: number): number { return Math.imul(m >>> 7, 0xff); }
/** 0xff in each byte where the unsigned byte of a is below b's. */
function ltU8(a: number, b: number): number {
  const z = ((a | H8) - (b & L8)) ^ ((a ^ ~b) & H8); // per-byte a - b
  return spread8(((~a & b) | ((~a | b) & z)) & H8);
}

function sat(v: number, lo: number, hi: number): number { return v < lo ? lo : v > hi ? hi : v; }

// ---- add / subtract -----------------------------------------------------------------------------

onSse('Paddb', lanes32((a, b) => ((a & L8) + (b & L8)) ^ ((a ^ b) & H8)));
onSse('Paddw', binary((a, b) => { for (let k = 0; k < 8; k++) a.u16[k] = a.u16[k] + b.u16[k]; return a; }));
onSse('Paddd', lanes32((a, b) => (a + b) | 0));
onSse('Paddq', binary((a, b) => {
  for (let k = 0; k < 4; k += 2) {
    const lo = (a.i32[k] >>> 0) + (b.i32[k] >>> 0);
    a.i32[k + 1] = (a.i32[k + 1] + b.i32[k + 1] + (lo > 0xffffffff ? 1 : 0)) | 0;
    a.i32[k] = lo | 0;
  }
  return a;
}));
onSse('Psubb', lanes32((a, b) => ((a | H8) - (b & L8)) ^ ((a ^ ~b) & H8)));
onSse('Psubw', binary((a, b) => { for (let k = 0; k < 8; k++) a.u16[k] = a.u16[k] - b.u16[k]; return a; }));
onSse('Psubd', lanes32((a, b) => (a - b) | 0));
onSse('Psubq', binary((a, b) => {
  for (let k = 0; k < 4; k += 2) {
    const lo = (a.i32[k] >>> 0) - (b.i32[k] >>> 0);
    a.i32[k + 1] = (a.i32[k + 1] - b.i32[k + 1] - (lo < 0 ? 1 : 0)) | 0;
    a.i32[k] = lo | 0;
  }
  return a;
}));

onSse('Paddsb', binary((a, b) => { for (let k = 0; k < 16; k++) a.i8[k] = sat(a.i8[k] + b.i8[k], -128, 127); return a; }));
onSse('Paddsw', binary((a, b) => { for (let k = 0; k < 8; k++) a.i16[k] = sat(a.i16[k] + b.i16[k], -32768, 32767); return a; }));
onSse('Paddusb', binary((a, b) => { for (let k = 0; k < 16; k++) a.u8[k] = sat(a.u8[k] + b.u8[k], 0, 255); return a; }));
onSse('Paddusw', binary((a, b) => { for (let k = 0; k < 8; k++) a.u16[k] = sat(a.u16[k] + b.u16[k], 0, 65535); return a; }));
onSse('Psubsb', binary((a, b) => { for (let k = 0; k < 16; k++) a.i8[k] = sat(a.i8[k] - b.i8[k], -128, 127); return a; }));
onSse('Psubsw', binary((a, b) => { for (let k = 0; k < 8; k++) a.i16[k] = sat(a.i16[k] - b.i16[k], -32768, 32767); return a; }));
onSse('Psubusb', binary((a, b) => { for (let k = 0; k < 16; k++) a.u8[k] = sat(a.u8[k] - b.u8[k], 0, 255); return a; }));
onSse('Psubusw', binary((a, b) => { for (let k = 0; k < 8; k++) a.u16[k] = sat(a.u16[k] - b.u16[k], 0, 65535); return a; }));

// ---- multiply ------------------------------------------------------------------------------------

onSse('Pmullw', binary((a, b) => { for (let k = 0; k < 8; k++) a.i16[k] = Math.imul(a.i16[k], b.i16[k]); return a; }));
onSse('Pmulhw', binary((a, b) => { for (let k = 0; k < 8; k++) a.i16[k] = (a.i16[k] * b.i16[k]) >> 16; return a; }));
onSse('Pmulhuw', binary((a, b) => { for (let k = 0; k < 8; k++) a.u16[k] = (a.u16[k] * b.u16[k]) >>> 16; return a; }));
onSse('Pmuludq', binary((a, b) => {
  // Unsigned 32x32 -> 64 of the even dwords, in 16-bit pieces to stay exact.
  for (let k = 0; k < 4; k += 2) {
    const x = a.u32[k], y = b.u32[k];
    const xl = x & 0xffff, xh = x >>> 16, yl = y & 0xffff, yh = y >>> 16;
    const ll = xl * yl, mid = xh * yl + xl * yh; // mid < 2^33
    const lo = ll + (mid % 65536) * 65536;         // < 2^33
    const hi = xh * yh + Math.floor(mid / 65536) + Math.floor(lo / 4294967296);
    a.i32[k] = lo | 0; a.i32[k + 1] = hi | 0;
  }
  return a;
}));
onSse('Pmaddwd', binary((a, b) => {
  for (let k = 0; k < 4; k++) {
    C.i32[k] = (a.i16[2 * k] * b.i16[2 * k] + a.i16[2 * k + 1] * b.i16[2 * k + 1]) | 0;
  }
  return C;
}));

// ---- average, min, max, sum of absolute differences ---------------------------------------------

onSse('Pavgb', binary((a, b) => { for (let k = 0; k < 16; k++) a.u8[k] = (a.u8[k] + b.u8[k] + 1) >> 1; return a; }));
onSse('Pavgw', binary((a, b) => { for (let k = 0; k < 8; k++) a.u16[k] = (a.u16[k] + b.u16[k] + 1) >> 1; return a; }));
// The hottest operations of the string functions, written out (no per-lane callback).
onSse('Pminub', (cpu, i) => {
  src(cpu, i);
  const x = cpu.xmm, d = 4 * i.reg[0], s = SRC, o = SO;
  for (let k = 0; k < 4; k++) { const a = x[d + k], b = s[o + k], m = ltU8(a, b); x[d + k] = (a & m) | (b & ~m); }
});
onSse('Pmaxub', (cpu, i) => {
  src(cpu, i);
  const x = cpu.xmm, d = 4 * i.reg[0], s = SRC, o = SO;
  for (let k = 0; k < 4; k++) { const a = x[d + k], b = s[o + k], m = ltU8(a, b); x[d + k] = (b & m) | (a & ~m); }
});
onSse('Pminsw', binary((a, b) => { for (let k = 0; k < 8; k++) if (b.i16[k] < a.i16[k]) a.i16[k] = b.i16[k]; return a; }));
onSse('Pmaxsw', binary((a, b) => { for (let k = 0; k < 8; k++) if (b.i16[k] > a.i16[k]) a.i16[k] = b.i16[k]; return a; }));
onSse('Psadbw', binary((a, b) => {
  for (let h = 0; h < 2; h++) {
    let s = 0;
    for (let k = 8 * h; k < 8 * h + 8; k++) s += Math.abs(a.u8[k] - b.u8[k]);
    C.i32[2 * h] = s; C.i32[2 * h + 1] = 0;
  }
  return C;
}));

// ---- logic and compares -------------------------------------------------------------------------

export const pand: Handler = (cpu, i) => {
  src(cpu, i);
  const x = cpu.xmm, d = 4 * i.reg[0], s = SRC, o = SO;
  x[d] &= s[o]; x[d + 1] &= s[o + 1]; x[d + 2] &= s[o + 2]; x[d + 3] &= s[o + 3];
};
export const pandn: Handler = (cpu, i) => {
  src(cpu, i);
  const x = cpu.xmm, d = 4 * i.reg[0], s = SRC, o = SO;
  x[d] = ~x[d] & s[o]; x[d + 1] = ~x[d + 1] & s[o + 1]; x[d + 2] = ~x[d + 2] & s[o + 2]; x[d + 3] = ~x[d + 3] & s[o + 3];
};
export const por: Handler = (cpu, i) => {
  src(cpu, i);
  const x = cpu.xmm, d = 4 * i.reg[0], s = SRC, o = SO;
  x[d] |= s[o]; x[d + 1] |= s[o + 1]; x[d + 2] |= s[o + 2]; x[d + 3] |= s[o + 3];
};
export const pxor: Handler = (cpu, i) => {
  src(cpu, i);
  const x = cpu.xmm, d = 4 * i.reg[0], s = SRC, o = SO;
  x[d] ^= s[o]; x[d + 1] ^= s[o + 1]; x[d + 2] ^= s[o + 2]; x[d + 3] ^= s[o + 3];
};
onSse('Pand', pand); onSse('Pandn', pandn); onSse('Por', por); onSse('Pxor', pxor);

/** 0xff in each byte of v that is zero. */
function zeroBytes(v: number): number { return spread8(~(((v & L8) + L8) | v) & H8); }
onSse('Pcmpeqb', (cpu, i) => {
  src(cpu, i);
  const x = cpu.xmm, d = 4 * i.reg[0], s = SRC, o = SO;
  x[d] = zeroBytes(x[d] ^ s[o]); x[d + 1] = zeroBytes(x[d + 1] ^ s[o + 1]);
  x[d + 2] = zeroBytes(x[d + 2] ^ s[o + 2]); x[d + 3] = zeroBytes(x[d + 3] ^ s[o + 3]);
});
onSse('Pcmpeqw', lanes32((a, b) => {
  const x = a ^ b;
  return ((x & 0xffff) === 0 ? 0xffff : 0) | ((x >>> 16) === 0 ? 0xffff0000 | 0 : 0);
}));
onSse('Pcmpeqd', lanes32((a, b) => (a === b ? -1 : 0)));
onSse('Pcmpgtb', binary((a, b) => { for (let k = 0; k < 16; k++) a.i8[k] = a.i8[k] > b.i8[k] ? -1 : 0; return a; }));
onSse('Pcmpgtw', binary((a, b) => { for (let k = 0; k < 8; k++) a.i16[k] = a.i16[k] > b.i16[k] ? -1 : 0; return a; }));
onSse('Pcmpgtd', binary((a, b) => { for (let k = 0; k < 4; k++) a.i32[k] = a.i32[k] > b.i32[k] ? -1 : 0; return a; }));

// ---- shifts ---------------------------------------------------------------------------------------

/** The shift count: an immediate, or the low 64 bits of an xmm/m128 source (clamped to 255). */
function shiftCount(cpu: Cpu, i: Insn): number {
  if (i.kind[1] === OK_IMM) return i.immLo & 0xff;
  loadOp(cpu, i, 1, B);
  return B.i32[1] !== 0 || B.u32[0] > 255 ? 255 : B.u32[0];
}

/** A shift handler: f(v, count) shifts the destination held in A in place. */
function shift(f: (a: Vec, n: number) => void): Handler {
  return (cpu, i) => {
    const n = shiftCount(cpu, i);
    getX(cpu, i.reg[0], A);
    f(A, n);
    putX(cpu, i.reg[0], A);
  };
}

onSse('Psllw', shift((a, n) => { for (let k = 0; k < 8; k++) a.u16[k] = n > 15 ? 0 : a.u16[k] << n; }));
onSse('Pslld', shift((a, n) => { for (let k = 0; k < 4; k++) a.i32[k] = n > 31 ? 0 : a.i32[k] << n; }));
onSse('Psrlw', shift((a, n) => { for (let k = 0; k < 8; k++) a.u16[k] = n > 15 ? 0 : a.u16[k] >>> n; }));
onSse('Psrld', shift((a, n) => { for (let k = 0; k < 4; k++) a.i32[k] = n > 31 ? 0 : a.u32[k] >>> n; }));
onSse('Psraw', shift((a, n) => { for (let k = 0; k < 8; k++) a.i16[k] = a.i16[k] >> (n > 15 ? 15 : n); }));
onSse('Psrad', shift((a, n) => { for (let k = 0; k < 4; k++) a.i32[k] = a.i32[k] >> (n > 31 ? 31 : n); }));
onSse('Psllq', shift((a, n) => {
  for (let k = 0; k < 4; k += 2) {
    const lo = a.i32[k], hi = a.i32[k + 1];
    if (n > 63) { a.i32[k] = 0; a.i32[k + 1] = 0; }
    else if (n >= 32) { a.i32[k + 1] = lo << (n - 32); a.i32[k] = 0; }
    else if (n > 0) { a.i32[k + 1] = (hi << n) | (lo >>> (32 - n)); a.i32[k] = lo << n; }
  }
}));
onSse('Psrlq', shift((a, n) => {
  for (let k = 0; k < 4; k += 2) {
    const lo = a.i32[k], hi = a.i32[k + 1];
    if (n > 63) { a.i32[k] = 0; a.i32[k + 1] = 0; }
    else if (n >= 32) { a.i32[k] = hi >>> (n - 32); a.i32[k + 1] = 0; }
    else if (n > 0) { a.i32[k] = (lo >>> n) | (hi << (32 - n)); a.i32[k + 1] = hi >>> n; }
  }
}));
onSse('Pslldq', shift((a, n) => {
  if (n > 16) n = 16;
  for (let k = 15; k >= 0; k--) a.u8[k] = k >= n ? a.u8[k - n] : 0;
}));
onSse('Psrldq', shift((a, n) => {
  if (n > 16) n = 16;
  for (let k = 0; k < 16; k++) a.u8[k] = k + n < 16 ? a.u8[k + n] : 0;
}));

// ---- unpack (interleave) ------------------------------------------------------------------------

onSse('Punpcklbw', binary((a, b) => { for (let k = 0; k < 8; k++) { C.u8[2 * k] = a.u8[k]; C.u8[2 * k + 1] = b.u8[k]; } return C; }));
onSse('Punpckhbw', binary((a, b) => { for (let k = 0; k < 8; k++) { C.u8[2 * k] = a.u8[k + 8]; C.u8[2 * k + 1] = b.u8[k + 8]; } return C; }));
onSse('Punpcklwd', binary((a, b) => { for (let k = 0; k < 4; k++) { C.u16[2 * k] = a.u16[k]; C.u16[2 * k + 1] = b.u16[k]; } return C; }));
onSse('Punpckhwd', binary((a, b) => { for (let k = 0; k < 4; k++) { C.u16[2 * k] = a.u16[k + 4]; C.u16[2 * k + 1] = b.u16[k + 4]; } return C; }));
onSse('Punpckldq', binary((a, b) => {
  C.i32[0] = a.i32[0]; C.i32[1] = b.i32[0]; C.i32[2] = a.i32[1]; C.i32[3] = b.i32[1]; return C;
}));
onSse('Punpckhdq', binary((a, b) => {
  C.i32[0] = a.i32[2]; C.i32[1] = b.i32[2]; C.i32[2] = a.i32[3]; C.i32[3] = b.i32[3]; return C;
}));
onSse('Punpcklqdq', binary((a, b) => { a.i32[2] = b.i32[0]; a.i32[3] = b.i32[1]; return a; }));
onSse('Punpckhqdq', binary((a, b) => {
  a.i32[0] = a.i32[2]; a.i32[1] = a.i32[3]; a.i32[2] = b.i32[2]; a.i32[3] = b.i32[3]; return a;
}));

// ---- pack with saturation -----------------------------------------------------------------------

onSse('Packsswb', binary((a, b) => {
  for (let k = 0; k < 8; k++) { C.i8[k] = sat(a.i16[k], -128, 127); C.i8[k + 8] = sat(b.i16[k], -128, 127); }
  return C;
}));
onSse('Packuswb', binary((a, b) => {
  for (let k = 0; k < 8; k++) { C.u8[k] = sat(a.i16[k], 0, 255); C.u8[k + 8] = sat(b.i16[k], 0, 255); }
  return C;
}));
onSse('Packssdw', binary((a, b) => {
  for (let k = 0; k < 4; k++) { C.i16[k] = sat(a.i32[k], -32768, 32767); C.i16[k + 4] = sat(b.i32[k], -32768, 32767); }
  return C;
}));

// ---- shuffles and word insert/extract -----------------------------------------------------------

onSse('Pshufd', (cpu, i) => {
  loadOp(cpu, i, 1, B);
  const m = i.immLo;
  for (let k = 0; k < 4; k++) C.i32[k] = B.i32[(m >> (2 * k)) & 3];
  putX(cpu, i.reg[0], C);
});
onSse('Pshuflw', (cpu, i) => {
  loadOp(cpu, i, 1, B);
  const m = i.immLo;
  for (let k = 0; k < 4; k++) C.u16[k] = B.u16[(m >> (2 * k)) & 3];
  C.i32[2] = B.i32[2]; C.i32[3] = B.i32[3];
  putX(cpu, i.reg[0], C);
});
onSse('Pshufhw', (cpu, i) => {
  loadOp(cpu, i, 1, B);
  const m = i.immLo;
  for (let k = 0; k < 4; k++) C.u16[k + 4] = B.u16[4 + ((m >> (2 * k)) & 3)];
  C.i32[0] = B.i32[0]; C.i32[1] = B.i32[1];
  putX(cpu, i.reg[0], C);
});

onSse('Pinsrw', (cpu, i) => {
  const v = cpu.readOp(i, 1) & 0xffff;
  const n = i.reg[0], lane = i.immLo & 7;
  const k = 4 * n + (lane >> 1), w = cpu.xmm[k];
  cpu.xmm[k] = lane & 1 ? (w & 0xffff) | (v << 16) : (w & ~0xffff) | v;
});
onSse('Pextrw', (cpu, i) => {
  const lane = i.immLo & 7, w = cpu.xmm[4 * i.reg[1] + (lane >> 1)];
  const v = lane & 1 ? w >>> 16 : w & 0xffff;
  if (i.kind[0] === OK_MEM) cpu.writeMem(cpu.ea(i), 2, v, 0); else cpu.writeReg(i.reg[0], i.size[0], v, 0);
});
