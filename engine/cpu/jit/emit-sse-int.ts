// Compiled SSE2 integer and bitwise operations on xmm registers, and the moves between xmm registers,
// general registers and memory that string and number formatting code is full of: pxor por pand pandn
// (and their ps/pd twins), pcmpeqb/w/d, pmovmskb, punpckl/h bw wd dq qdq, pshufd, movd, movq, movsd.
// Same semantics as ops/sse-int.ts and ops/sse-move.ts. Only the legacy SSE encodings are compiled
// (chosen by iced Code, which leaves out the MMX forms and the string movsd); VEX forms have mnemonics
// of their own and never reach this file.
//
// The xmm registers stay in the Cpu's Int32Array (X, four int32 lanes per register, little-endian), so
// the generated code works on 32-bit words: a handful of int32 operations per word, no calls, no
// allocation. A 16-byte memory source is checked for alignment (the legacy SSE #GP, waived under
// MXCSR.MM as ops/sse-move.ts checkAlign16 does) and read into locals before any register changes.

import { Code, Mnemonic } from 'iced-x86';
import type { Insn } from '../insn';
import { OK_IMM, OK_MEM, OK_REG } from '../insn';
import { RC_GPR, RC_XMM } from '../regs';
import { MXCSR_MM } from '../ops/sse-move';
import type { Gen } from './gen';
import { onMnemonics } from './emitters';

/** Emits one compiled form. */
type Form = (g: Gen, i: Insn) => void;

const xw = (r: number, k: number) => `X[${4 * r + k}]`;

/**
 * The four words of operand 1, an xmm register or an m128 (aligned unless MXCSR.MM). Memory is read
 * into locals here, with one TLB lookup when the 16 bytes lie in one page; the interpreter's own reads
 * otherwise (a miss, a fault).
 */
function src128(g: Gen, i: Insn): string[] {
  if (i.kind[1] === OK_REG) return [0, 1, 2, 3].map(k => xw(i.reg[1], k));
  const a = g.addr(i, true);
  g.line(`if ((${a} & 15) !== 0 && (cpu.mxcsr & ${MXCSR_MM}) === 0) G.misaligned16();`);
  const f = g.fast16(a, 'r'), m = g.t('v');
  const w = [0, 1, 2, 3].map(k => `${m}_${k}`);
  const slow = `{ ${w[0]} = mem.read64(${a}); ${w[1]} = mem.hi; ${w[2]} = mem.read64(${a} + 8); ${w[3]} = mem.hi; }`;
  g.line(`let ${w.join(', ')}; ` + (f ? `if (${f.cond}) { const dv = ${f.dv}, o = ${f.o}; ` +
    `${w[0]} = dv.getInt32(o, true); ${w[1]} = dv.getInt32(o + 4, true); ${w[2]} = dv.getInt32(o + 8, true); ${w[3]} = dv.getInt32(o + 12, true); } ` +
    `else ${slow}` : slow));
  return w;
}

/**
 * The same register as destination and source, where the result is a constant (pxor x, x is zero,
 * pcmpeqb x, x all ones) or the register itself (por x, x): emitted here, true if so.
 */
function sameReg(g: Gen, i: Insn, same: 'zero' | 'ones' | 'keep'): boolean {
  const d = i.reg[0];
  if (i.kind[1] !== OK_REG || i.reg[1] !== d) return false;
  if (same !== 'keep') {
    const v = same === 'zero' ? '0' : '-1';
    g.line([0, 1, 2, 3].map(k => `${xw(d, k)} = ${v};`).join(' '));
  }
  return true;
}

/**
 * dest = f(dest, src) word by word. Word k of the result depends on word k of each input only, so
 * writing word by word is right even when both operands are the same register.
 */
function lanes(f: (g: Gen, a: string, b: string) => string, same: 'zero' | 'ones' | 'keep'): Form {
  return (g, i) => {
    if (sameReg(g, i, same)) return;
    const d = i.reg[0], s = src128(g, i);
    for (let k = 0; k < 4; k++) g.line(`${xw(d, k)} = ${f(g, xw(d, k), s[k])};`);
  };
}

/** pxor por pand and their ps/pd twins: one compound assignment per word. */
const op = (o: '^' | '|' | '&'): Form => (g, i) => {
  if (sameReg(g, i, o === '^' ? 'zero' : 'keep')) return;
  const d = i.reg[0], s = src128(g, i);
  g.line(s.map((e, k) => `${xw(d, k)} ${o}= ${e};`).join(' '));
};

// A byte of x = a ^ b is zero iff bit 7 of the same byte of ((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x is clear
// (the add carries into bit 7 from any low bit, without crossing into the next byte); those bits,
// moved down to bit 0 and multiplied by 255, make the 0xff bytes.
const pcmpeqb = lanes((g, a, b) => {
  const x = g.t();
  g.line(`const ${x} = ${a} ^ ${b};`);
  return `Math.imul((~(((${x} & 2139062143) + 2139062143) | ${x}) & -2139062144) >>> 7, 255)`;
}, 'ones');
const pcmpeqw = lanes((g, a, b) => {
  const x = g.t();
  g.line(`const ${x} = ${a} ^ ${b};`);
  return `((${x} & 65535) === 0 ? 65535 : 0) | ((${x} >>> 16) === 0 ? -65536 : 0)`;
}, 'ones');
const pcmpeqd = lanes((_g, a, b) => `${a} === ${b} ? -1 : 0`, 'ones');

/**
 * An operation whose result words mix words of both operands (unpacks, shuffles): every register word
 * it reads is copied to a local first, so the writes cannot change what a later result word reads.
 * f gets accessors for the destination's and the source's words and returns the four result
 * expressions.
 */
function mix(f: (a: (k: number) => string, b: (k: number) => string) => string[]): Form {
  return (g, i) => {
    const d = i.reg[0];
    const s = src128(g, i);
    const locals = new Map<string, string>();
    const word = (e: string) => {
      // Memory words are locals already.
      if (!e.startsWith('X[')) return e;
      let v = locals.get(e);
      if (v === undefined) { v = g.t(); locals.set(e, v); }
      return v;
    };
    const out = f(k => word(xw(d, k)), k => word(s[k]));
    // A result word that is the destination's own word stays as it is.
    const writes = [0, 1, 2, 3].filter(k => out[k] !== locals.get(xw(d, k)));
    const read = (v: string) => writes.some(k => new RegExp(`\\b${v}\\b`).test(out[k]));
    const decl = [...locals].filter(([, v]) => read(v));
    if (decl.length) g.line(`const ${decl.map(([e, v]) => `${v} = ${e}`).join(', ')};`);
    for (const k of writes) g.line(`${xw(d, k)} = ${out[k]};`);
  };
}

// Interleave the low two bytes of a with those of b (result bytes a0 b0 a1 b1), or the high two.
const ilvBLo = (a: string, b: string) => `(${a} & 255) | ((${b} & 255) << 8) | ((${a} & 65280) << 8) | ((${b} & 65280) << 16)`;
const ilvBHi = (a: string, b: string) => `((${a} >>> 16) & 255) | ((${b} >>> 8) & 65280) | ((${a} >>> 8) & 16711680) | (${b} & -16777216)`;
const ilvWLo = (a: string, b: string) => `(${a} & 65535) | (${b} << 16)`;
const ilvWHi = (a: string, b: string) => `(${a} >>> 16) | (${b} & -65536)`;

/** The unpacks read words h, h + 1 of both operands (h = 0 for the low forms, 2 for the high ones). */
const unpack = (h: number, kind: 'bw' | 'wd' | 'dq' | 'qdq') => mix((a, b) => {
  const x = a(h), y = a(h + 1), p = b(h), q = b(h + 1);
  switch (kind) {
    case 'bw': return [ilvBLo(x, p), ilvBHi(x, p), ilvBLo(y, q), ilvBHi(y, q)];
    case 'wd': return [ilvWLo(x, p), ilvWHi(x, p), ilvWLo(y, q), ilvWHi(y, q)];
    case 'dq': return [x, p, y, q];
    case 'qdq': return [x, y, p, q];
  }
});

const pshufd: Form = (g, i) => {
  const m = i.immLo & 255, d = i.reg[0];
  if (i.kind[1] === OK_REG && i.reg[1] !== d) {
    // Nothing the writes change is read again.
    const s = i.reg[1];
    for (let k = 0; k < 4; k++) g.line(`${xw(d, k)} = ${xw(s, (m >> (2 * k)) & 3)};`);
    return;
  }
  mix((_a, b) => [0, 1, 2, 3].map(k => b((m >> (2 * k)) & 3)))(g, i);
};

// pmovmskb: the top bit of each byte. (w >>> 7) & 0x01010101 leaves those bits at 0, 8, 16, 24;
// multiplying by 0x10204080 moves them to bits 28..31 in order (no other partial product lands there
// or carries into them), and >>> 28 gives the word's four mask bits.
const pmovmskb: Form = (g, i) => {
  const s = i.reg[1];
  const nib = (k: number) => `(Math.imul((${xw(s, k)} >>> 7) & 16843009, 270549120) >>> 28)`;
  const v = g.bind(`${nib(0)} | (${nib(1)} << 4) | (${nib(2)} << 8) | (${nib(3)} << 12)`);
  g.regWrite(i.reg[0], 4, v, '0');
};

/** movd/movq xmm, r/m32 or r/m64, and movq/movsd xmm, m64: the low words loaded, the rest zeroed. */
const toXmm: Form = (g, i) => {
  const d = i.reg[0], n = i.kind[1] === OK_MEM ? i.memSize : i.size[1];
  let lo: string, hi: string;
  if (i.kind[1] === OK_MEM) {
    const v = g.memRead(g.addr(i), n);
    lo = v.lo; hi = n === 8 ? v.hi : '0';
  } else {
    const v = g.regRead(i.reg[1], n);
    lo = v.lo; hi = n === 8 ? v.hi : '0';
  }
  g.line(`${xw(d, 0)} = ${lo}; ${xw(d, 1)} = ${hi}; ${xw(d, 2)} = 0; ${xw(d, 3)} = 0;`);
};

/** movd/movq r/m32 or r/m64, xmm; movq/movsd m64, xmm: the low 32 or 64 bits (a register zero-extended). */
const fromXmm: Form = (g, i) => {
  const s = i.reg[1], n = i.kind[0] === OK_MEM ? i.memSize : i.size[0];
  if (i.kind[0] === OK_MEM) {
    g.memWrite(g.addr(i), n, xw(s, 0), n === 8 ? xw(s, 1) : '0');
    return;
  }
  const lo = g.bind(xw(s, 0)), hi = n === 8 ? g.bind(xw(s, 1)) : '0';
  g.regWrite(i.reg[0], n, lo, hi);
};

/** movq xmm, xmm (either encoding): the low 64 bits copied, the high 64 zeroed. */
const movqXX: Form = (g, i) => {
  const d = i.reg[0], s = i.reg[1];
  // Words 0 and 1 are read before words 2 and 3 are cleared, so d === s is right too.
  g.line(`${xw(d, 0)} = ${xw(s, 0)}; ${xw(d, 1)} = ${xw(s, 1)}; ${xw(d, 2)} = 0; ${xw(d, 3)} = 0;`);
};

/** movsd xmm, xmm (either encoding): the low 64 bits merged, the destination's high 64 kept. */
const movsdXX: Form = (g, i) => {
  const d = i.reg[0], s = i.reg[1];
  if (d !== s) g.line(`${xw(d, 0)} = ${xw(s, 0)}; ${xw(d, 1)} = ${xw(s, 1)};`);
};

const xmmReg = (i: Insn, n: number) => i.kind[n] === OK_REG && i.rcls[n] === RC_XMM && i.reg[n] >= 0 && i.reg[n] < 16;
const gpr = (i: Insn, n: number) => i.kind[n] === OK_REG && i.rcls[n] === RC_GPR && i.reg[n] >= 0 && i.reg[n] < 16;
const xmmOrMem = (i: Insn, n: number, size: number) => xmmReg(i, n) || (i.kind[n] === OK_MEM && i.memSize === size);
const gprOrMem = (i: Insn, n: number, size: number) =>
  (gpr(i, n) && i.size[n] === size) || (i.kind[n] === OK_MEM && i.memSize === size && i.size[n] === size);

/** Packed xmm, xmm/m128 forms. */
const packed = (i: Insn) => xmmReg(i, 0) && xmmOrMem(i, 1, 16);

interface Case { ok: (i: Insn) => boolean; emit: Form }
const FORMS = new Map<number, Case>();
function form(codes: number[], ok: (i: Insn) => boolean, emit: Form): void {
  for (const c of codes) FORMS.set(c, { ok, emit });
}

form([Code.Pxor_xmm_xmmm128, Code.Xorps_xmm_xmmm128, Code.Xorpd_xmm_xmmm128], packed, op('^'));
form([Code.Por_xmm_xmmm128, Code.Orps_xmm_xmmm128, Code.Orpd_xmm_xmmm128], packed, op('|'));
form([Code.Pand_xmm_xmmm128, Code.Andps_xmm_xmmm128, Code.Andpd_xmm_xmmm128], packed, op('&'));
form([Code.Pandn_xmm_xmmm128, Code.Andnps_xmm_xmmm128, Code.Andnpd_xmm_xmmm128], packed,
  lanes((_g, a, b) => `~${a} & ${b}`, 'zero'));
form([Code.Pcmpeqb_xmm_xmmm128], packed, pcmpeqb);
form([Code.Pcmpeqw_xmm_xmmm128], packed, pcmpeqw);
form([Code.Pcmpeqd_xmm_xmmm128], packed, pcmpeqd);
form([Code.Punpcklbw_xmm_xmmm128], packed, unpack(0, 'bw'));
form([Code.Punpckhbw_xmm_xmmm128], packed, unpack(2, 'bw'));
form([Code.Punpcklwd_xmm_xmmm128], packed, unpack(0, 'wd'));
form([Code.Punpckhwd_xmm_xmmm128], packed, unpack(2, 'wd'));
form([Code.Punpckldq_xmm_xmmm128], packed, unpack(0, 'dq'));
form([Code.Punpckhdq_xmm_xmmm128], packed, unpack(2, 'dq'));
form([Code.Punpcklqdq_xmm_xmmm128], packed, unpack(0, 'qdq'));
form([Code.Punpckhqdq_xmm_xmmm128], packed, unpack(2, 'qdq'));
form([Code.Pshufd_xmm_xmmm128_imm8], i => packed(i) && i.opCount === 3 && i.kind[2] === OK_IMM, pshufd);
form([Code.Pmovmskb_r32_xmm, Code.Pmovmskb_r64_xmm], i => gpr(i, 0) && xmmReg(i, 1), pmovmskb);
form([Code.Movd_xmm_rm32], i => xmmReg(i, 0) && gprOrMem(i, 1, 4), toXmm);
form([Code.Movq_xmm_rm64], i => xmmReg(i, 0) && gprOrMem(i, 1, 8), toXmm);
form([Code.Movd_rm32_xmm], i => gprOrMem(i, 0, 4) && xmmReg(i, 1), fromXmm);
form([Code.Movq_rm64_xmm], i => gprOrMem(i, 0, 8) && xmmReg(i, 1), fromXmm);
// movq xmm, xmm/m64 (F3 0F 7E) and movq xmm/m64, xmm (66 0F D6).
form([Code.Movq_xmm_xmmm64, Code.Movq_xmmm64_xmm], i => (xmmReg(i, 0) && xmmOrMem(i, 1, 8)) || (i.kind[0] === OK_MEM && i.memSize === 8 && xmmReg(i, 1)),
  (g, i) => i.kind[1] === OK_MEM ? toXmm(g, i) : i.kind[0] === OK_MEM ? fromXmm(g, i) : movqXX(g, i));
// movsd (F2 0F 10/11), the SSE form only: the string movsd shares the mnemonic and stays out of line.
form([Code.Movsd_xmm_xmmm64, Code.Movsd_xmmm64_xmm], i => (xmmReg(i, 0) && xmmOrMem(i, 1, 8)) || (i.kind[0] === OK_MEM && i.memSize === 8 && xmmReg(i, 1)),
  (g, i) => i.kind[1] === OK_MEM ? toXmm(g, i) : i.kind[0] === OK_MEM ? fromXmm(g, i) : movsdXX(g, i));

onMnemonics([Mnemonic.Pxor, Mnemonic.Xorps, Mnemonic.Xorpd, Mnemonic.Por, Mnemonic.Orps, Mnemonic.Orpd, Mnemonic.Pand,
  Mnemonic.Andps, Mnemonic.Andpd, Mnemonic.Pandn, Mnemonic.Andnps, Mnemonic.Andnpd, Mnemonic.Pcmpeqb, Mnemonic.Pcmpeqw,
  Mnemonic.Pcmpeqd, Mnemonic.Punpcklbw, Mnemonic.Punpckhbw, Mnemonic.Punpcklwd, Mnemonic.Punpckhwd, Mnemonic.Punpckldq,
  Mnemonic.Punpckhdq, Mnemonic.Punpcklqdq, Mnemonic.Punpckhqdq, Mnemonic.Pshufd, Mnemonic.Pmovmskb, Mnemonic.Movd,
  Mnemonic.Movq, Mnemonic.Movsd], {
  flags: (i) => FORMS.get(i.code)?.ok(i) ? [0, 0] : null,
  emit(g, i) { g.usesXmm = true; FORMS.get(i.code)!.emit(g, i); },
});
