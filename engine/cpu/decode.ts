// Decoding with iced-x86, once per address: the result is a plain Insn record (numbers, no BigInt, no
// wasm objects) with its handler chosen from the instruction families in ops/.

import { Decoder, DecoderOptions, Formatter, FormatterSyntax, Instruction, OpKind, MemorySizeExt, Code, Mnemonic } from 'iced-x86';
import { Insn, OK_BRANCH, OK_IMM, OK_MEM, OK_NONE, OK_REG, OK_STR, Handler } from './insn';
import { regInfo, REG_RIP, RC_SEG } from './regs';

const TWO32 = 4294967296;

export type HandlerLookup = (code: number, mnemonic: number) => Handler | undefined;

function splitBig(v: bigint, i: { lo: number; hi: number }): void {
  const u = BigInt.asUintN(64, v);
  i.lo = Number(u & 0xffffffffn) | 0;
  i.hi = Number(u >> 32n) | 0;
}

const tmp = { lo: 0, hi: 0 };

/**
 * Decode one instruction from `bytes` (up to 15) located at `ip`. Returns null if the bytes do not form
 * a valid instruction (the CPU raises #UD: SIGILL).
 */
export function decodeInsn(bytes: Uint8Array, ip: number, lookup: HandlerLookup, unknown: Handler): Insn | null {
  const dec = new Decoder(64, bytes, DecoderOptions.None);
  dec.ip = BigInt(ip);
  const ins = dec.decode();
  try {
    if (ins.isInvalid || ins.length > bytes.length) return null;
    return fromIced(ins, bytes.subarray(0, ins.length), lookup, unknown);
  } finally {
    ins.free();
    dec.free();
  }
}

function fromIced(ins: Instruction, bytes: Uint8Array, lookup: HandlerLookup, unknown: Handler): Insn {
  const d = new Insn();
  d.ip = Number(ins.ip);
  d.len = ins.length;
  d.next = d.ip + d.len;
  d.code = ins.code;
  d.mnemonic = ins.mnemonic;
  d.bytes = bytes.slice();
  d.opCount = ins.opCount;
  d.rep = ins.hasRepPrefix || ins.hasRepePrefix ? 1 : ins.hasRepnePrefix ? 2 : 0;
  d.lock = ins.hasLockPrefix;
  d.cc = ins.conditionCode;
  d.flagsRW = (ins.rflagsRead | ins.rflagsModified) !== 0;
  let immSeen = false;
  for (let n = 0; n < Math.min(d.opCount, 4); n++) {
    const k = ins.opKind(n);
    switch (k) {
      case OpKind.Register: {
        const r = regInfo(ins.opRegister(n));
        d.kind[n] = OK_REG; d.reg[n] = r.num; d.size[n] = r.size; d.rcls[n] = r.cls;
        break;
      }
      case OpKind.NearBranch16: case OpKind.NearBranch32: case OpKind.NearBranch64:
        d.kind[n] = OK_BRANCH; d.target = Number(ins.nearBranchTarget); d.size[n] = 8;
        break;
      case OpKind.Immediate8: case OpKind.Immediate8_2nd: case OpKind.Immediate16: case OpKind.Immediate32:
      case OpKind.Immediate64: case OpKind.Immediate8to16: case OpKind.Immediate8to32: case OpKind.Immediate8to64:
      case OpKind.Immediate32to64: {
        d.kind[n] = OK_IMM;
        if (k === OpKind.Immediate8_2nd) { d.imm2 = ins.immediate8_2nd; d.size[n] = 1; break; }
        if (immSeen) { d.imm2 = Number(BigInt.asUintN(32, ins.immediate(n))); d.size[n] = 1; break; }
        immSeen = true;
        splitBig(ins.immediate(n), tmp);
        d.immLo = tmp.lo; d.immHi = tmp.hi;
        d.size[n] = k === OpKind.Immediate8 ? 1 : k === OpKind.Immediate16 || k === OpKind.Immediate8to16 ? 2
          : k === OpKind.Immediate32 || k === OpKind.Immediate8to32 ? 4 : 8;
        break;
      }
      case OpKind.Memory: {
        d.kind[n] = OK_MEM;
        const ms = MemorySizeExt.size(ins.memorySize);
        d.memSize = ms; d.size[n] = ms;
        const seg = regInfo(ins.memorySegment);
        d.memSeg = seg.cls === RC_SEG && (seg.num === 4 || seg.num === 5) ? seg.num : 0;
        if (ins.isIpRelMemoryOperand) {
          d.ripRel = true;
          d.memBase = -1; d.memIndex = -1;
          splitBig(ins.ipRelMemoryAddress, tmp);
        } else {
          const b = regInfo(ins.memoryBase), x = regInfo(ins.memoryIndex);
          d.memBase = b.size ? b.num : -1;
          d.memIndex = x.size ? x.num : -1;
          d.memScale = ins.memoryIndexScale;
          splitBig(ins.memoryDisplacement, tmp);
          if (b.num === REG_RIP) d.memBase = -1;
        }
        d.dispLo = tmp.lo; d.dispHi = tmp.hi;
        break;
      }
      case OpKind.MemorySegSI: case OpKind.MemorySegESI: case OpKind.MemorySegRSI:
      case OpKind.MemorySegDI: case OpKind.MemorySegEDI: case OpKind.MemorySegRDI:
      case OpKind.MemoryESDI: case OpKind.MemoryESEDI: case OpKind.MemoryESRDI:
        d.kind[n] = OK_STR; d.size[n] = MemorySizeExt.size(ins.memorySize); d.memSize = d.size[n];
        break;
      default:
        d.kind[n] = OK_NONE;
    }
  }
  d.opSize = d.size[0] || (d.kind[1] ? d.size[1] : 0);
  d.exec = lookup(d.code, d.mnemonic) ?? unknown;
  d.trapAfterNext = d.mnemonic === Mnemonic.Syscall;
  return d;
}

/** The two formatters, made on the first disassembly (not when the module loads). */
const formatters: Partial<Record<'att' | 'intel', Formatter>> = {};
function formatter(syntax: 'att' | 'intel'): Formatter {
  let f = formatters[syntax];
  if (!f) {
    f = formatters[syntax] = new Formatter(syntax === 'att' ? FormatterSyntax.Gas : FormatterSyntax.Intel);
    f.uppercaseHex = false;
    f.ripRelativeAddresses = true;
  }
  return f;
}

/** Disassemble bytes at ip (AT&T by default). Returns [text, length], or ['(bad)', 1]. */
export function disassemble(bytes: Uint8Array, ip: number, syntax: 'att' | 'intel' = 'att'): [string, number] {
  const dec = new Decoder(64, bytes, DecoderOptions.None);
  dec.ip = BigInt(ip);
  const ins = dec.decode();
  try {
    if (ins.isInvalid || ins.length > bytes.length) return ['(bad)', 1];
    return [formatter(syntax).format(ins), ins.length];
  } finally { ins.free(); dec.free(); }
}

/** Mnemonic name of an iced Code/Mnemonic, for messages. */
export function mnemonicName(m: number): string { return (Mnemonic[m] ?? '?').toLowerCase(); }
export function codeName(c: number): string { return Code[c] ?? '?'; }
export { TWO32 };
