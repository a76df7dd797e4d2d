// Lazy arithmetic flags: an instruction records what it did (kind, size, operands, result); CF PF AF ZF
// SF OF are computed only when something reads them. Instructions whose flags are irregular (shifts,
// multiplies, bit scans...) set them eagerly with `set`.

export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200, DF = 0x400,
  OF = 0x800, AC = 0x40000, ID = 0x200000;
export const ARITH = CF | PF | AF | ZF | SF | OF;

/** Lazy kinds. */
export const L_NONE = 0, L_ADD = 1, L_SUB = 2, L_LOGIC = 3, L_INC = 4, L_DEC = 5, L_ADC = 6, L_SBB = 7;

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i, p = 1;
  while (b) { p ^= b & 1; b >>= 1; }
  PARITY[i] = p ? PF : 0;
}
export { PARITY };

/** Sign-bit mask of the high word for each operand size (for 8 bytes: bit 31 of the high half). */
const SIGN = [0, 0x80, 0x8000, 0, 0x80000000 | 0, 0, 0, 0, 0x80000000 | 0];

export class LazyFlags {
  /** RFLAGS bits that are not lazy, plus the arithmetic ones when kind is L_NONE. */
  bits = 0x202;
  kind = L_NONE;
  size = 4;
  resLo = 0; resHi = 0;
  aLo = 0; aHi = 0;
  bLo = 0; bHi = 0;
  /** Carry in for ADC/SBB, the preserved CF for INC/DEC. */
  cin = 0;

  /** Record an arithmetic result. Values normalised to `size` as the Cpu's operand helpers return them. */
  lazy(kind: number, size: number, resLo: number, resHi: number, aLo: number, aHi: number, bLo: number, bHi: number): void {
    this.kind = kind; this.size = size;
    this.resLo = resLo; this.resHi = resHi; this.aLo = aLo; this.aHi = aHi; this.bLo = bLo; this.bHi = bHi;
  }

  /** INC/DEC keep CF: capture it before overwriting the lazy state. */
  lazyKeepCf(kind: number, size: number, resLo: number, resHi: number, aLo: number, aHi: number): void {
    const cf = this.cf();
    this.cin = cf;
    this.lazy(kind, size, resLo, resHi, aLo, aHi, 1, 0);
  }

  lazyCarry(kind: number, size: number, resLo: number, resHi: number, aLo: number, aHi: number, bLo: number, bHi: number, cin: number): void {
    this.cin = cin;
    this.lazy(kind, size, resLo, resHi, aLo, aHi, bLo, bHi);
  }

  /** Set the six arithmetic flags eagerly (each argument is 0 or non-zero). */
  set(cf: number, pf: number, af: number, zf: number, sf: number, of: number): void {
    this.kind = L_NONE;
    this.bits = (this.bits & ~ARITH) | (cf ? CF : 0) | (pf ? PF : 0) | (af ? AF : 0) | (zf ? ZF : 0) | (sf ? SF : 0) | (of ? OF : 0);
  }

  /** Flags for a logic result (CF=OF=AF=0), eagerly cheap enough to stay lazy. */
  logic(size: number, resLo: number, resHi: number): void {
    this.kind = L_LOGIC; this.size = size; this.resLo = resLo; this.resHi = resHi;
  }

  private resSign(): number {
    return this.size === 8 ? this.resHi & SIGN[8] : this.resLo & SIGN[this.size];
  }

  cf(): number {
    switch (this.kind) {
      case L_NONE: return this.bits & CF;
      case L_LOGIC: return 0;
      case L_INC: case L_DEC: return this.cin;
      case L_ADD: return ltU(this.size, this.resLo, this.resHi, this.aLo, this.aHi);
      case L_ADC: return this.cin ? (leU(this.size, this.resLo, this.resHi, this.aLo, this.aHi)) : ltU(this.size, this.resLo, this.resHi, this.aLo, this.aHi);
      case L_SUB: return ltU(this.size, this.aLo, this.aHi, this.bLo, this.bHi);
      case L_SBB: return this.cin ? leU(this.size, this.aLo, this.aHi, this.bLo, this.bHi) : ltU(this.size, this.aLo, this.aHi, this.bLo, this.bHi);
    }
    return 0;
  }

  zf(): number {
    if (this.kind === L_NONE) return this.bits & ZF ? 1 : 0;
    return (this.resLo | (this.size === 8 ? this.resHi : 0)) === 0 ? 1 : 0;
  }

  sf(): number {
    if (this.kind === L_NONE) return this.bits & SF ? 1 : 0;
    return this.resSign() ? 1 : 0;
  }

  pf(): number {
    if (this.kind === L_NONE) return this.bits & PF ? 1 : 0;
    return PARITY[this.resLo & 0xff] ? 1 : 0;
  }

  af(): number {
    switch (this.kind) {
      case L_NONE: return this.bits & AF ? 1 : 0;
      case L_LOGIC: return 0;
      default: return ((this.aLo ^ this.bLo ^ this.resLo) & 0x10) ? 1 : 0;
    }
  }

  of(): number {
    const s = this.size;
    const sgn = SIGN[s];
    let a: number, b: number, r: number;
    if (s === 8) { a = this.aHi; b = this.bHi; r = this.resHi; } else { a = this.aLo; b = this.bLo; r = this.resLo; }
    switch (this.kind) {
      case L_NONE: return this.bits & OF ? 1 : 0;
      case L_LOGIC: return 0;
      case L_ADD: case L_ADC: case L_INC: return ((a ^ r) & (b ^ r) & sgn) ? 1 : 0;
      case L_SUB: case L_SBB: case L_DEC: return ((a ^ b) & (a ^ r) & sgn) ? 1 : 0;
    }
    return 0;
  }

  /** The full RFLAGS value (bit 1 always set). */
  get(): number {
    if (this.kind === L_NONE) return this.bits | 2;
    return (this.bits & ~ARITH) | 2 | (this.cf() ? CF : 0) | (this.pf() ? PF : 0) | (this.af() ? AF : 0) |
      (this.zf() ? ZF : 0) | (this.sf() ? SF : 0) | (this.of() ? OF : 0);
  }

  /** Load RFLAGS (popf, sigreturn, debugger). */
  load(v: number): void {
    this.kind = L_NONE;
    this.bits = (v & (ARITH | TF | IF | DF | AC | ID)) | 2;
  }

  /** Condition codes as iced-x86's ConditionCode enum numbers them (o no b ae e ne be a s ns p np l ge le g). */
  cond(cc: number): boolean {
    switch (cc) {
      case 1: return this.of() !== 0;
      case 2: return this.of() === 0;
      case 3: return this.cf() !== 0;
      case 4: return this.cf() === 0;
      case 5: return this.zf() !== 0;
      case 6: return this.zf() === 0;
      case 7: return (this.cf() | this.zf()) !== 0;
      case 8: return (this.cf() | this.zf()) === 0;
      case 9: return this.sf() !== 0;
      case 10: return this.sf() === 0;
      case 11: return this.pf() !== 0;
      case 12: return this.pf() === 0;
      case 13: return this.sf() !== this.of();
      case 14: return this.sf() === this.of();
      case 15: return this.zf() !== 0 || this.sf() !== this.of();
      case 16: return this.zf() === 0 && this.sf() === this.of();
    }
    return false;
  }

  get df(): boolean { return (this.bits & DF) !== 0; }
  get tf(): boolean { return (this.bits & TF) !== 0; }
  setBit(bit: number, on: boolean): void {
    if (bit & ARITH) { const v = this.get(); this.load(on ? v | bit : v & ~bit); return; }
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }
}

/** Unsigned a < b for values of `size` bytes (halves for 8). */
function ltU(size: number, aLo: number, aHi: number, bLo: number, bHi: number): number {
  if (size === 8 && aHi !== bHi) return (aHi >>> 0) < (bHi >>> 0) ? 1 : 0;
  return (aLo >>> 0) < (bLo >>> 0) ? 1 : 0;
}

function leU(size: number, aLo: number, aHi: number, bLo: number, bHi: number): number {
  if (size === 8 && aHi !== bHi) return (aHi >>> 0) < (bHi >>> 0) ? 1 : 0;
  return (aLo >>> 0) <= (bLo >>> 0) ? 1 : 0;
}
