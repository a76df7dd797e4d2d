// Random bytes executed as code: a static executable whose entry page is overwritten (in-process, with
// Memory.poke) by random bytes, with random register values, run under an instruction cap. The guest
// must end by a signal, an exit, or the cap: never by a host exception, and never take unbounded time.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng, caseSeed } from './rng';
import { runGuest, describeCrash } from './harness';
import { Stats, Budget, newStats, count, loop } from './campaign';
import { buildAsm } from '../test/util';
import { signalName } from '../engine/errors';
import { Decoder, DecoderOptions, Mnemonic, OpKind, Register } from 'iced-x86';

export const CODE_PROG = `
.globl _start
.text
_start:
  .space 8192, 0xcc
.data
.globl scratch
scratch:
  .space 16384, 0
`;

export const CODE_MAX_INSNS = 4000;
export const CODE_CASE_MAX_MS = 2000;

const PREFIXES = [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36];

/** Code-shaped random bytes: prefixes, REX/VEX, one- to three-byte opcodes, ModRM, SIB, disp, imm. */
export function randomCode(r: Rng, n: number): Uint8Array {
  if (r.bool(0.3)) return r.bytes(n);
  const out: number[] = [];
  while (out.length < n) {
    const np = r.bool(0.5) ? r.int(3) : 0;
    for (let k = 0; k < np; k++) out.push(r.pick(PREFIXES));
    const form = r.int(10);
    if (form === 0) out.push(0xc4, r.u32() & 255, r.u32() & 255);
    else if (form === 1) out.push(0xc5, r.u32() & 255);
    else if (form < 5 && r.bool()) out.push(0x40 | r.int(16));
    if (form === 5 || form === 6) out.push(0x0f);
    if (form === 6) out.push(r.pick([0x38, 0x3a]));
    out.push(r.u32() & 255);                  // opcode
    out.push(r.u32() & 255);                  // ModRM
    if (r.bool(0.3)) out.push(r.u32() & 255); // SIB
    for (let k = 0, m = r.pick([0, 0, 1, 4]); k < m; k++) out.push(r.u32() & 255);
    for (let k = 0, m = r.pick([0, 1, 2, 4, 8]); k < m; k++) out.push(r.u32() & 255);
  }
  return Uint8Array.from(out.slice(0, n));
}

/** Instructions that end a case at once without exercising anything (privileged, stops). */
const STOPPERS = new Set<number>([Mnemonic.Hlt, Mnemonic.Int3, Mnemonic.Ud2, Mnemonic.Int, Mnemonic.Into, Mnemonic.Int1,
  Mnemonic.Cli, Mnemonic.Sti, Mnemonic.In, Mnemonic.Out, Mnemonic.Insb, Mnemonic.Outsb, Mnemonic.Syscall]);

/**
 * A run of valid instructions: random code-shaped candidates kept only when they decode (with iced-x86,
 * here in the generator, never while executing), so that a case goes many instructions deep before
 * it faults.
 */
export function validCode(r: Rng, n: number, tame = false): Uint8Array {
  const out: number[] = [];
  for (let tries = 0; out.length < n && tries < n * 20; tries++) {
    const cand = randomCode(r, 15);
    const dec = new Decoder(64, cand, DecoderOptions.None);
    const ins = dec.decode();
    let ok = !ins.isInvalid && ins.length <= 15 && !STOPPERS.has(ins.mnemonic);
    if (ok && tame) {
      // Memory operands through a register (they point into the scratch data) with a small displacement.
      for (let k = 0; k < ins.opCount; k++) {
        if (ins.opKind(k) !== OpKind.Memory) continue;
        const disp = Number(BigInt.asIntN(64, BigInt(ins.memoryDisplacement)));
        if (ins.memoryBase === Register.None || ins.memoryBase === Register.RIP || ins.memoryBase === Register.EIP ||
          Math.abs(disp) > 2048 || ins.segmentPrefix === Register.FS || ins.segmentPrefix === Register.GS) ok = false;
      }
    }
    const len = ins.length;
    ins.free(); dec.free();
    if (ok) for (let k = 0; k < len; k++) out.push(cand[k]);
  }
  return Uint8Array.from(out);
}

/** A register value: small, a pointer into the scratch data or the stack, or anything. */
function regValue(r: Rng, scratch: number, rsp: number): number {
  switch (r.int(6)) {
    case 0: return r.int(256);
    case 1: case 5: return scratch + 4096 + r.int(8192);
    case 2: return rsp - r.int(4096);
    case 3: return r.u32();
    default: return r.u32() * 65536 + r.int(65536);
  }
}

export interface CodeCase { code: Uint8Array; regs: number[] }

export function makeCodeCase(r: Rng, scratch: number, rsp: number, corpus?: Uint8Array): CodeCase {
  let code: Uint8Array;
  if (corpus && corpus.length > 4096 && r.bool(0.4)) {
    // Real compiler output from a random offset (often mid-instruction), a few bytes flipped.
    const at = r.int(corpus.length - 256);
    code = corpus.slice(at, at + 16 + r.int(240));
    for (let k = 0, n = r.int(3); k < n; k++) code[r.int(code.length)] = r.u32() & 255;
  } else if (r.bool(0.5)) code = validCode(r, 32 + r.int(224), r.bool(0.7));
  else code = randomCode(r, 16 + r.int(240));
  const regs: number[] = [];
  for (let k = 0; k < 16; k++) regs.push(k === 4 ? rsp : (r.bool(0.6) ? regValue(r, scratch, rsp) : 0));
  return { code, regs };
}

/** Run one case; `exe` is CODE_PROG built. */
export function codeCase(exe: string, entry: number, scratch: number, c: CodeCase): { outcome: string; error?: string } {
  const res = runGuest(exe, { maxInsns: CODE_MAX_INSNS, maxMemory: 32 << 20 }, p => {
    p.mem.poke(entry, c.code);
    for (let k = 0; k < 16; k++) if (k !== 4) p.cpu.set(k, c.regs[k]);
  });
  const o = res.outcome;
  if (o.kind === 'crash') return { outcome: 'crash', error: describeCrash(o) };
  if (o.kind === 'refused') return { outcome: 'refused', error: `refused: ${o.message}` };
  const outcome = o.kind === 'exit' ? (o.signal ? signalName(o.signal) : 'exit') : 'cap';
  if (res.ms > CODE_CASE_MAX_MS) return { outcome, error: `took ${res.ms.toFixed(0)} ms` };
  return { outcome };
}

export interface CodeTarget { exe: string; entry: number; scratch: number; rsp: number; corpus?: Uint8Array }

/** Build the carrier executable and find where its entry and scratch data are. */
export function buildCodeTarget(corpusExe?: string): CodeTarget {
  const exe = buildAsm(CODE_PROG, 'random-code');
  let corpus: Uint8Array | undefined;
  if (corpusExe) {
    const p = runGuest(corpusExe, { maxInsns: 1 }).process;
    corpus = p?.elf.section('.text');
  }
  const probe = runGuest(exe, { maxInsns: 1 }, () => {});
  const p = probe.process!;
  const scratch = p.elf.symbols.find(s => s.name === 'scratch')!.value;
  return { exe, entry: p.image.entry, scratch, rsp: p.cpu.rsp, corpus };
}

export function fuzzCode(t: CodeTarget, seed: number, budget: Budget, saveDir?: string): Stats {
  const s = newStats('random-code');
  return loop(s, budget, k => {
    const cs = caseSeed(seed, k);
    const c = makeCodeCase(new Rng(cs), t.scratch, t.rsp, t.corpus);
    const res = codeCase(t.exe, t.entry, t.scratch, c);
    count(s, res.outcome);
    if (res.error) {
      s.failures.push({ seed: cs, what: Buffer.from(c.code).toString('hex'), detail: res.error });
      if (saveDir) {
        fs.mkdirSync(saveDir, { recursive: true });
        fs.writeFileSync(path.join(saveDir, `code-${cs.toString(16)}.json`), JSON.stringify({ code: Buffer.from(c.code).toString('hex'), regs: c.regs, error: res.error.split('\n')[0] }) + '\n');
      }
    }
  });
}
