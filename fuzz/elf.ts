// Malformed-ELF generator: mutations of real executables that aim at the loader's trust in the file
// (truncation, header/phdr/shdr byte flips, huge or overlapping segments, wrong class/machine/type,
// random files). Each mutation is a pure function of the seed and the base binary.

import { Rng } from './rng';

const HUGE64: readonly bigint[] = [
  0n, 1n, 0xfffn, 0x1000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 1n << 40n, 1n << 46n,
  (1n << 47n) - 0x1000n, 1n << 47n, 1n << 52n, 1n << 53n, (1n << 63n), 0xffffffffffffffffn, 0xfffffffffffff000n,
];

function put64(b: Uint8Array, off: number, v: bigint): void {
  if (off < 0 || off + 8 > b.length) return;
  new DataView(b.buffer, b.byteOffset).setBigUint64(off, v, true);
}
function put32(b: Uint8Array, off: number, v: number): void {
  if (off < 0 || off + 4 > b.length) return;
  new DataView(b.buffer, b.byteOffset).setUint32(off, v >>> 0, true);
}
function put16(b: Uint8Array, off: number, v: number): void {
  if (off < 0 || off + 2 > b.length) return;
  new DataView(b.buffer, b.byteOffset).setUint16(off, v & 0xffff, true);
}
function get64(b: Uint8Array, off: number): number {
  if (off < 0 || off + 8 > b.length) return 0;
  return Number(new DataView(b.buffer, b.byteOffset).getBigUint64(off, true));
}
function get16(b: Uint8Array, off: number): number {
  if (off < 0 || off + 2 > b.length) return 0;
  return new DataView(b.buffer, b.byteOffset).getUint16(off, true);
}

function randVal(r: Rng): bigint {
  if (r.bool(0.6)) return r.pick(HUGE64) + BigInt(r.int(3) - 1) * (r.bool() ? 1n : 0x1000n) & 0xffffffffffffffffn;
  return (BigInt(r.u32()) << 32n | BigInt(r.u32()));
}

export const MUTATIONS = ['truncate', 'flipHeader', 'flipPhdr', 'flipShdr', 'phdrField', 'hugeSegment', 'overlap',
  'identity', 'shdrField', 'randomFile', 'flipAny', 'entry', 'multi'] as const;
export type Mutation = typeof MUTATIONS[number];

/** A mutated copy of `base`; `what` says which mutation was applied. */
export function mutateElf(base: Uint8Array, r: Rng): { data: Uint8Array; what: string } {
  const m = r.pick(MUTATIONS);
  if (m === 'multi') {
    let d = base, what: string[] = [];
    for (let k = 0, n = 2 + r.int(4); k < n; k++) {
      const x = mutateOnce(d, r, r.pick(MUTATIONS.filter(q => q !== 'multi' && q !== 'randomFile')));
      d = x.data; what.push(x.what);
    }
    return { data: d, what: what.join(' + ') };
  }
  return mutateOnce(base, r, m);
}

function mutateOnce(base: Uint8Array, r: Rng, m: Mutation): { data: Uint8Array; what: string } {
  const d = base.slice();
  const phoff = get64(d, 32), phnum = get16(d, 56), shoff = get64(d, 40), shnum = get16(d, 60);
  const phdr = (k: number) => phoff + 56 * k;
  const someP = () => phdr(r.int(Math.max(phnum, 1)));
  switch (m) {
    case 'truncate': {
      const n = r.bool(0.5) ? r.int(Math.min(d.length, 512)) : r.int(d.length);
      return { data: d.subarray(0, n), what: `truncate to ${n}` };
    }
    case 'flipHeader': {
      const n = 1 + r.int(4), offs: number[] = [];
      for (let k = 0; k < n; k++) { const o = r.int(64); d[o] ^= 1 << r.int(8) | (r.bool(0.3) ? 0xff : 0); offs.push(o); }
      return { data: d, what: `flip header bytes ${offs}` };
    }
    case 'flipPhdr': case 'flipShdr': {
      const start = m === 'flipPhdr' ? phoff : shoff, len = m === 'flipPhdr' ? phnum * 56 : shnum * 64;
      const o = start + r.int(Math.max(len, 1));
      if (o < d.length) d[o] = r.bool(0.5) ? d[o] ^ (1 << r.int(8)) : r.u32() & 255;
      return { data: d, what: `${m} byte ${o}` };
    }
    case 'phdrField': {
      const p = someP(), field = r.pick([0, 4, 8, 16, 24, 32, 40, 48]), v = randVal(r);
      if (field < 8) put32(d, p + field, Number(v & 0xffffffffn)); else put64(d, p + field, v);
      return { data: d, what: `phdr@${p}+${field} = 0x${v.toString(16)}` };
    }
    case 'hugeSegment': {
      // A PT_LOAD whose memsz (and maybe vaddr) is huge: the loader must not allocate it eagerly.
      const p = someP();
      put32(d, p, 1);
      const memsz = r.pick([1n << 30n, 1n << 36n, 1n << 40n, 1n << 44n, (1n << 47n) - 0x2000000n, 1n << 47n]);
      if (r.bool(0.3)) put64(d, p + 16, BigInt(r.int(16)) << 12n), put64(d, p + 8, 0n);
      put64(d, p + 40, memsz);
      return { data: d, what: `huge PT_LOAD memsz 0x${memsz.toString(16)} at phdr ${p}` };
    }
    case 'overlap': {
      if (phnum < 2) return { data: d, what: 'overlap (single phdr: unchanged)' };
      const a = phdr(r.int(phnum)), b = phdr(r.int(phnum));
      d.copyWithin(b, a, a + 56);
      if (r.bool()) put64(d, b + 16, BigInt(get64(d, a + 16) + r.int(0x3000)));
      return { data: d, what: `phdr ${b} copied from ${a} (overlap)` };
    }
    case 'identity': {
      const which = r.int(5);
      if (which === 0) { d[4] = r.pick([0, 1, 3, 255]); return { data: d, what: `class ${d[4]}` }; }
      if (which === 1) { d[5] = r.pick([0, 2, 3]); return { data: d, what: `data ${d[5]}` }; }
      if (which === 2) { const v = r.pick([0, 3, 40, 183, 243, 0xffff]); put16(d, 18, v); return { data: d, what: `machine ${v}` }; }
      if (which === 3) { const v = r.pick([0, 1, 4, 0xfe00, 0xffff]); put16(d, 16, v); return { data: d, what: `type ${v}` }; }
      d[r.int(4)] ^= 0x20; return { data: d, what: 'bad magic' };
    }
    case 'shdrField': {
      const which = r.int(3);
      if (which === 0) { const v = randVal(r); put64(d, 40, v); return { data: d, what: `shoff 0x${v.toString(16)}` }; }
      if (which === 1) { const v = r.int(65536); put16(d, 62, v); return { data: d, what: `shstrndx ${v}` }; }
      const s = shoff + 64 * r.int(Math.max(shnum, 1)), field = r.pick([0, 4, 24, 32, 40, 56]), v = randVal(r);
      if (field === 0 || field === 4 || field === 40) put32(d, s + field, Number(v & 0xffffffffn)); else put64(d, s + field, v);
      return { data: d, what: `shdr@${s}+${field} = 0x${v.toString(16)}` };
    }
    case 'randomFile': {
      const n = r.int(4096);
      const b = r.bytes(n);
      if (r.bool(0.5) && n >= 4) b.set([0x7f, 0x45, 0x4c, 0x46]);
      if (r.bool(0.3) && n >= 20) { b[4] = 2; b[5] = 1; b[6] = 1; b[18] = 62; b[19] = 0; b[16] = 2; b[17] = 0; }
      return { data: b, what: `random ${n} bytes` };
    }
    case 'flipAny': {
      const n = 1 + r.int(16);
      for (let k = 0; k < n; k++) { const o = r.int(d.length); d[o] = r.u32() & 255; }
      return { data: d, what: `${n} random bytes anywhere` };
    }
    case 'entry': {
      const v = r.bool(0.5) ? randVal(r) : BigInt(get64(d, 24) + r.int(64) - 32);
      put64(d, 24, v & 0xffffffffffffffffn);
      return { data: d, what: `entry 0x${v.toString(16)}` };
    }
    default: {
      const v = r.pick([0, 1, 2, 100, 0xffff]); put16(d, 56, v); void m;
      return { data: d, what: `phnum ${v}` };
    }
  }
}
