// Cases for movs stos lods cmps scas in all sizes: single, rep with counts 0/1/several, DF=0/1,
// repe/repne stopping on the first (in)equality or running out, overlapping moves, 32-bit addressing.

import type { Case } from './harness';
import { MEM_BYTES } from './harness';
import { SUFFIX, Rng } from './gen';

const DF = 0x400;

/** Memory image (as qwords) from bytes. */
function qwords(bytes: number[]): bigint[] {
  const out: bigint[] = [];
  for (let q = 0; q < MEM_BYTES / 8; q++) {
    let v = 0n;
    for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(bytes[q * 8 + k] & 0xff);
    out.push(v);
  }
  return out;
}

/** Two 32-byte regions at mem+16 and mem+80 equal for `same` bytes, then different. */
function twoRegions(same: number, backward = false): bigint[] {
  const b = Array.from({ length: MEM_BYTES }, (_, k) => (k * 37 + 11) & 0xff);
  for (let k = 0; k < 32; k++) b[80 + k] = b[16 + k];
  // the first differing byte, counted from the start (or from the end when scanning backwards)
  if (same < 32) { const at = backward ? 31 - same : same; b[80 + at] ^= 0x5a; }
  return qwords(b);
}

export function stringCases(): Case[] {
  const out: Case[] = [];
  for (const s of [1, 2, 4, 8]) {
    const x = SUFFIX[s];
    for (const df of [0, DF]) {
      // forward: start at the low end of each region; backward: at the last element of each region
      const src = df ? `mem+${48 - s}` : 'mem+16', dst = df ? `mem+${112 - s}` : 'mem+80';
      for (const rep of ['', 'rep ']) {
        for (const cnt of rep ? [0n, 1n, 3n, BigInt(Math.floor(24 / s))] : [5n]) {
          const regs = { rsi: src, rdi: dst, rcx: cnt, rax: 0x1122334455667788n };
          const flags = df | 0x8d5;
          out.push({ asm: `${rep}movs${x}`, regs, flags });
          out.push({ asm: `${rep}stos${x}`, regs, flags: df });
          out.push({ asm: `${rep}lods${x}`, regs, flags });
          // compare: equal for 2 elements then different; and all equal
          for (const same of [2 * s, 32]) {
            for (const r of rep ? ['repe ', 'repne '] : ['']) {
              out.push({ asm: `${r}cmps${x}`, regs, flags: df, mem: twoRegions(same, df !== 0) });
              // scas: the accumulator holds the element found at index 2 of the destination region
              const m = twoRegions(same, df !== 0);
              out.push({ asm: `${r}scas${x}`, regs: { ...regs, rax: elementAt(m, df ? 112 - s - 2 * s : 80 + 2 * s, s) | 0xabcdef0000000000n * (s < 8 ? 1n : 0n) }, flags: df | 0x8d5, mem: m });
            }
          }
        }
      }
    }
  }
  // overlapping forward byte move: replicates the first byte along the region
  out.push({ asm: 'rep movsb', regs: { rsi: 'mem+16', rdi: 'mem+17', rcx: 20n } });
  out.push({ asm: 'rep movsq', regs: { rsi: 'mem+16', rdi: 'mem+24', rcx: 5n } });
  // backward overlapping
  out.push({ asm: 'rep movsw', regs: { rsi: 'mem+40', rdi: 'mem+38', rcx: 9n }, flags: DF });
  // a longer rep stosq across most of the area
  out.push({ asm: 'rep stosq', regs: { rdi: 'mem', rcx: 16n, rax: 0x0102030405060708n } });
  // repne scasb that runs out of count without finding
  out.push({ asm: 'repne scasb', regs: { rdi: 'mem', rcx: 10n, rax: 0x100n } });
  // 32-bit addressing (0x67): esi/edi/ecx, upper halves of the registers ignored
  out.push({ asm: 'rep movsb (%esi), (%edi)', regs: { rsi: 'mem+16 + 0x7700000000', rdi: 'mem+80 + 0x100000000', rcx: 0xff00000005n } });
  out.push({ asm: 'addr32 stosl', regs: { rdi: 'mem+8 + 0x500000000', rax: 0xaabbccddn } });
  out.push({ asm: 'repe cmpsb (%rdi), (%rsi)', regs: { rsi: 'mem+16', rdi: 'mem+80', rcx: 40n }, mem: twoRegions(32) });
  return out;
}

function elementAt(m: bigint[], off: number, s: number): bigint {
  let v = 0n;
  for (let k = s - 1; k >= 0; k--) {
    const a = off + k;
    v = (v << 8n) | ((m[a >> 3] >> BigInt(8 * (a & 7))) & 0xffn);
  }
  return v;
}

export function randomStringCases(rng: Rng, n: number): Case[] {
  const out: Case[] = [];
  for (let k = 0; k < n; k++) {
    const s = rng.pick([1, 2, 4, 8]);
    const op = rng.pick(['movs', 'stos', 'lods', 'cmps', 'scas']);
    const df = rng.bool() ? DF : 0;
    const cnt = rng.int(6);
    const maxBytes = cnt * s;
    // keep both pointers' runs inside the area
    const lo = df ? maxBytes : 0, hi = df ? MEM_BYTES - s : MEM_BYTES - s - maxBytes;
    const p = (): string => `mem+${lo + rng.int(Math.max(1, hi - lo + 1))}`;
    const rep = rng.int(3) === 0 ? '' : (op === 'cmps' || op === 'scas') ? rng.pick(['repe ', 'repne ']) : 'rep ';
    const bytes = Array.from({ length: MEM_BYTES }, () => rng.int(4)); // small alphabet: equal elements are common
    out.push({ asm: `${rep}${op}${SUFFIX[s]}`, regs: { rsi: p(), rdi: p(), rcx: BigInt(cnt), rax: BigInt(rng.int(4)) * 0x0101010101010101n }, flags: rng.flags() | df, mem: qwords(bytes) });
  }
  return out;
}
