// Cases for xadd, cmpxchg (equal and unequal, register and memory destinations, with lock),
// cmpxchg8b, cmpxchg16b, and the leftovers in misc.ts: enter (levels 0, 1, several), xlat, rdssp,
// popfw.

import type { Case } from './harness';
import { SIZES, SUFFIX, reg, edges, inLow, Rng } from './gen';

export function atomicCases(): Case[] {
  const out: Case[] = [];
  let k = 0;
  for (const s of SIZES) {
    const x = SUFFIX[s], vals = edges(s);
    for (const a of vals) {
      const b = vals[(k++) % vals.length];
      out.push({ asm: `xadd${x} ${reg('rcx', s)}, ${reg('rbx', s)}`, regs: { rbx: inLow(s, a), rcx: inLow(s, b, 0x1234567800000000n) }, flags: k & 1 ? 0x8d5 : 0 });
      out.push({ asm: `lock xadd${x} ${reg('rdx', s)}, mem+8`, regs: { rdx: inLow(s, b) }, mem: [0n, inLow(s, a)] });
      // cmpxchg: equal and unequal accumulator
      for (const eq of [true, false]) {
        const acc = eq ? a : b ^ 1n;
        out.push({ asm: `cmpxchg${x} ${reg('rsi', s)}, ${reg('rdi', s)}`, regs: { rax: inLow(s, acc, 0x7777000000000000n), rdi: inLow(s, a), rsi: inLow(s, b ^ 0x55n) }, flags: k & 2 ? 0x8d5 : 0 });
        out.push({ asm: `lock cmpxchg${x} ${reg('rsi', s)}, mem+16`, regs: { rax: inLow(s, acc), rsi: inLow(s, b) }, mem: [0n, 0n, inLow(s, a)], flags: (k++) & 1 ? 0x8d5 : 0 });
      }
    }
    // same register twice
    out.push({ asm: `xadd${x} ${reg('rax', s)}, ${reg('rax', s)}`, regs: { rax: inLow(s, vals[4]) } });
    out.push({ asm: `cmpxchg${x} ${reg('rax', s)}, ${reg('rax', s)}`, regs: { rax: inLow(s, vals[5]) } });
    out.push({ asm: `cmpxchg${x} ${reg('rbx', s)}, ${reg('rax', s)}`, regs: { rax: inLow(s, vals[6]), rbx: 3n } });
  }
  for (const eq of [true, false]) {
    for (const flags of [0, 0x8d5]) {
      out.push({ asm: 'lock cmpxchg8b mem+8', regs: { rax: 0xaaaa0000_11112222n, rdx: 0xbbbb0000_33334444n, rbx: 0x5555n, rcx: 0x6666n }, mem: [0n, eq ? 0x33334444_11112222n : 0x33334444_11112223n], flags });
      out.push({ asm: 'lock cmpxchg16b mem+16', regs: { rax: 0x1111n, rdx: 0x2222n, rbx: 0x3333n, rcx: 0x4444n }, mem: [0n, 0n, 0x1111n, eq ? 0x2222n : 0x2223n], flags });
    }
  }
  return out;
}

export function miscCases(): Case[] {
  const out: Case[] = [];
  // enter with the stack and frame inside the memory area, so the pushed frame pointers are compared
  for (const [size, level] of [[0, 0], [16, 0], [0, 1], [24, 1], [8, 2], [0, 3], [40, 5], [0, 33]]) {
    const bp = 'mem+120';
    out.push({ asm: `enter $${size}, $${level}`, regs: { rsp: 'mem+96', rbp: bp }, mem: [0x11n, 0x22n, 0x33n, 0x44n, 0x55n, 0x66n, 0x77n, 0x88n, 0x99n, 0xaan, 0xbbn, 0xccn, 0xddn, 0xeen, 0xffn, 0x1234n] });
  }
  out.push({ asm: 'enter $8, $2; leave', regs: { rsp: 'mem+96', rbp: 'mem+120' } });
  for (const al of [0n, 5n, 0x7fn, 0x80n, 0xffn]) out.push({ asm: 'xlat', regs: { rbx: 'mem', rax: 0x1234567800000000n | al } });
  for (const al of [0n, 0x33n, 0x7fn]) out.push({ asm: 'xlatb', regs: { rbx: 'mem+16', rax: al } });
  // shadow-stack reads are no-ops while no shadow stack is enabled (the register keeps its value)
  out.push({ asm: 'rdsspq %rax', regs: { rax: 0x1234567887654321n } });
  out.push({ asm: 'rdsspd %ecx', regs: { rcx: 0xfedcba9876543210n } });
  // popfw
  for (const v of [0n, 0x8d5n, 0xcd5n, 0x602n]) out.push({ asm: 'pushw %cx; popfw', regs: { rcx: v }, flags: 0x8d5 });
  return out;
}

export function randomAtomicCases(rng: Rng, n: number): Case[] {
  const out: Case[] = [];
  for (let k = 0; k < n; k++) {
    const s = rng.pick(SIZES), x = SUFFIX[s];
    const a = rng.value(s), b = rng.value(s);
    if (rng.bool()) out.push({ asm: `xadd${x} ${reg('r8', s)}, ${reg('r9', s)}`, regs: { r8: inLow(s, a, rng.u64()), r9: inLow(s, b, rng.u64()) }, flags: rng.flags() });
    else out.push({ asm: `cmpxchg${x} ${reg('r8', s)}, ${reg('r9', s)}`, regs: { rax: inLow(s, rng.bool() ? b : rng.value(s), rng.u64()), r8: inLow(s, a, rng.u64()), r9: inLow(s, b, rng.u64()) }, flags: rng.flags() });
  }
  return out;
}
