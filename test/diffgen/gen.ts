// Helpers for writing differential cases: register names by size, edge values, a seeded PRNG.

export const SIZES = [1, 2, 4, 8] as const;
export const SUFFIX: Record<number, string> = { 1: 'b', 2: 'w', 4: 'l', 8: 'q' };
export const BITS: Record<number, number> = { 1: 8, 2: 16, 4: 32, 8: 64 };

const LEGACY: Record<string, [string, string, string]> = {
  rax: ['eax', 'ax', 'al'], rcx: ['ecx', 'cx', 'cl'], rdx: ['edx', 'dx', 'dl'], rbx: ['ebx', 'bx', 'bl'],
  rsp: ['esp', 'sp', 'spl'], rbp: ['ebp', 'bp', 'bpl'], rsi: ['esi', 'si', 'sil'], rdi: ['edi', 'di', 'dil'],
};

/** The `size`-byte name of a 64-bit register (rax,4 -> %eax; r9,1 -> %r9b), with the % sigil. */
export function reg(r64: string, size: number): string {
  if (size === 8) return `%${r64}`;
  const l = LEGACY[r64];
  if (l) return `%${size === 4 ? l[0] : size === 2 ? l[1] : l[2]}`;
  return `%${r64}${size === 4 ? 'd' : size === 2 ? 'w' : 'b'}`;
}

export const M64 = (1n << 64n) - 1n;
export const mask = (size: number): bigint => (1n << BigInt(size * 8)) - 1n;

/** Edge values of a `size`-byte operand. */
export function edges(size: number): bigint[] {
  const n = BigInt(size * 8), m = mask(size);
  const top = 1n << (n - 1n);
  return [0n, 1n, 2n, top - 1n, top, top + 1n, m, m - 1n, 0x5a5a5a5a5a5a5a5an & m, 0x0123456789abcdefn & m];
}

/** Put a `size`-byte value in the low part of a register whose upper bytes hold a pattern. */
export function inLow(size: number, v: bigint, upper = 0xdeadbeefcafef00dn): bigint {
  const m = mask(size);
  return size === 8 ? v & M64 : (upper & ~m & M64) | (v & m);
}

/** Deterministic PRNG (xorshift128+ on BigInt-free 32-bit halves), seeded. */
export class Rng {
  private s0: number; private s1: number; private s2: number; private s3: number;
  constructor(seed: number) {
    // splitmix32 to spread the seed
    const mix = (): number => {
      seed = (seed + 0x9e3779b9) | 0;
      let z = seed;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = mix(); this.s1 = mix(); this.s2 = mix(); this.s3 = mix();
  }
  /** xoshiro128** */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t; this.s3 = rotl(this.s3, 11);
    return r;
  }
  int(n: number): number { return this.u32() % n; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
  bool(): boolean { return (this.u32() & 1) === 1; }
  u64(): bigint { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }
  /** A value biased towards interesting shapes: edges, small numbers, sign boundaries, random bits. */
  value(size: number): bigint {
    const m = mask(size);
    switch (this.int(6)) {
      case 0: return this.pick(edges(size));
      case 1: return BigInt(this.int(70));
      case 2: return (m - BigInt(this.int(70))) & m;
      case 3: return (1n << BigInt(this.int(size * 8))) & m;
      default: return this.u64() & m;
    }
  }
  /** Random arithmetic flags (and DF when df is true). */
  flags(df = false): number {
    return this.u32() & (0x8d5 | (df ? 0x400 : 0));
  }
}

function rotl(x: number, k: number): number { return (x << k) | (x >>> (32 - k)); }
