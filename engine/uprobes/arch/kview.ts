// The instruction as the kernel's uprobes code looks at it. Decoding (validity, length, operands,
// displacement/immediate offsets, disassembly) is iced-x86's; on top of that we locate the byte fields
// the kernel's checks are written against: legacy prefixes, REX, the VEX/EVEX prefix, and the opcode
// bytes its decoder reports (OPCODE1/OPCODE2 and how many there are).

import {
  Decoder, DecoderOptions, EncodingKind, FormatMnemonicOptions, Formatter, FormatterSyntax, InstructionInfoFactory, OpKind, Register, RegisterExt,
} from 'iced-x86';

const LEGACY_PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);

export type VexKind = 'none' | 'vex2' | 'vex3' | 'evex' | 'xop';

export interface KView {
  /** Decoded length, or 0 when iced cannot decode the bytes. */
  len: number;
  invalid: boolean;
  /** AT&T disassembly at the given ip (RIP-relative operands shown as disp(%rip)). */
  text: string;
  /** The mnemonic alone, without prefixes. */
  name: string;
  /** Legacy prefix bytes in order of appearance. */
  prefixes: number[];
  /** Offset of the REX byte, -1 if none. */
  rexOff: number;
  rex: number;
  vexKind: VexKind;
  vexOff: number;
  /** Bytes of the VEX/EVEX/XOP prefix (2, 3 or 4), 0 if none. */
  vexLen: number;
  /** Offset of the first opcode byte as the kernel counts it (after VEX/EVEX for those). */
  opOff: number;
  /** How many opcode bytes the kernel reports (1; 2 for 0f xx; 3 for 0f 38 xx / 0f 3a xx; 1 under VEX). */
  opLen: number;
  op1: number;
  op2: number;
  /** modrm offset (-1 when the instruction has none that we needed to locate). */
  modrmOff: number;
  /** iced facts used by the analysis. */
  ipRel: boolean;
  ipRelTarget: number;
  dispOff: number;
  dispSize: number;
  immOff: number;
  immSize: number;
  encoding: number;
  mnemonic: number;
  code: number;
  conditionCode: number;
  nearBranchTarget: number;
  isStringRep: boolean;
  /** 64-bit register numbers (0..15) the instruction uses other than through a register operand:
   *  implicit uses (rax for mul/cmpxchg, rcx for rep...) and memory base/index registers. */
  implicitGprs: number[];
  /** 64-bit register numbers of explicit register operands. */
  explicitGprs: number[];
}

let formatter: Formatter | undefined;
let infoFactory: InstructionInfoFactory | undefined;

function gprNumber(r: Register): number {
  if (r === Register.None) return -1;
  const full = RegisterExt.fullRegister(r);
  if (full >= Register.RAX && full <= Register.R15) return full - Register.RAX;
  return -1;
}

/** Decode one instruction at `ip` and lay out its byte fields. `bytes` is the 16-byte (or shorter)
 *  buffer read at the probe. */
export function kview(bytes: Uint8Array, ip: number): KView {
  const dec = new Decoder(64, bytes, DecoderOptions.None);
  dec.ip = BigInt(ip);
  const ins = dec.decode();
  if (!formatter) {
    formatter = new Formatter(FormatterSyntax.Gas);
    formatter.ripRelativeAddresses = true;
    formatter.uppercaseHex = false;
    formatter.branchLeadingZeros = false;
  }
  try {
    const v: KView = {
      len: ins.length, invalid: ins.isInvalid || ins.length > bytes.length, text: '', name: '',
      prefixes: [], rexOff: -1, rex: 0, vexKind: 'none', vexOff: -1, vexLen: 0,
      opOff: 0, opLen: 1, op1: 0, op2: 0, modrmOff: -1,
      ipRel: false, ipRelTarget: 0, dispOff: -1, dispSize: 0, immOff: -1, immSize: 0,
      encoding: ins.encoding, mnemonic: ins.mnemonic, code: ins.code, conditionCode: ins.conditionCode,
      nearBranchTarget: 0, isStringRep: false, implicitGprs: [], explicitGprs: [],
    };
    if (v.invalid) { v.len = 0; return v; }
    v.text = formatter.format(ins);
    v.name = formatter.formatMnemonicOptions(ins, FormatMnemonicOptions.NoPrefixes);

    let i = 0;
    while (i < v.len && LEGACY_PREFIXES.has(bytes[i])) v.prefixes.push(bytes[i++]);
    if (i < v.len && (bytes[i] & 0xf0) === 0x40) { v.rexOff = i; v.rex = bytes[i]; i++; }
    if (ins.encoding === EncodingKind.VEX || ins.encoding === EncodingKind.EVEX || ins.encoding === EncodingKind.XOP) {
      v.vexOff = i;
      if (ins.encoding === EncodingKind.EVEX) { v.vexKind = 'evex'; v.vexLen = 4; }
      else if (ins.encoding === EncodingKind.XOP) { v.vexKind = 'xop'; v.vexLen = 3; }
      else if (bytes[i] === 0xc5) { v.vexKind = 'vex2'; v.vexLen = 2; }
      else { v.vexKind = 'vex3'; v.vexLen = 3; }
      i += v.vexLen;
      v.opOff = i; v.opLen = 1; v.op1 = bytes[i];
    } else {
      v.opOff = i; v.op1 = bytes[i];
      if (bytes[i] === 0x0f) {
        v.op2 = bytes[i + 1];
        v.opLen = v.op2 === 0x38 || v.op2 === 0x3a ? 3 : 2;
      }
    }

    const co = dec.getConstantOffsets(ins);
    if (co.hasDisplacement) { v.dispOff = co.displacementOffset; v.dispSize = co.displacementSize; }
    if (co.hasImmediate) { v.immOff = co.immediateOffset; v.immSize = co.immediateSize + (co.hasImmediate2 ? co.immediateSize2 : 0); }
    co.free();

    v.ipRel = ins.isIpRelMemoryOperand;
    if (v.ipRel) {
      v.ipRelTarget = Number(BigInt.asUintN(64, ins.ipRelMemoryAddress));
      v.modrmOff = v.dispOff - 1; // an ip-relative operand never has a SIB byte
    } else if (ins.encoding === EncodingKind.Legacy) {
      // Only needed for the few opcodes whose reg field the kernel reads (ff, 8e, 0f 1f), all of which
      // have a modrm byte right after the opcode.
      const end = v.opOff + v.opLen;
      if (end < v.len && (v.op1 === 0xff || v.op1 === 0x8e || (v.op1 === 0x0f && v.op2 === 0x1f))) v.modrmOff = end;
    }

    for (let n = 0; n < ins.opCount; n++) {
      const k = ins.opKind(n);
      if (k === OpKind.NearBranch16 || k === OpKind.NearBranch32 || k === OpKind.NearBranch64) {
        v.nearBranchTarget = Number(BigInt.asUintN(64, ins.nearBranchTarget));
      }
      if (k === OpKind.Register) {
        const g = gprNumber(ins.opRegister(n));
        if (g >= 0) v.explicitGprs.push(g);
      }
    }
    v.isStringRep = ins.isStringInstruction && (ins.hasRepPrefix || ins.hasRepePrefix || ins.hasRepnePrefix);

    infoFactory ??= new InstructionInfoFactory();
    const info = infoFactory.info(ins);
    const used = info.usedRegisters();
    const implicit = new Set<number>();
    for (const u of used) {
      const g = gprNumber(u.register as Register);
      if (g >= 0 && !v.explicitGprs.includes(g)) implicit.add(g);
      u.free();
    }
    info.free();
    v.implicitGprs = [...implicit];
    return v;
  } finally {
    ins.free();
    dec.free();
  }
}

export function hex(bytes: Uint8Array | number[], from = 0, to = bytes.length): string {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(bytes[i].toString(16).padStart(2, '0'));
  return out.join(' ');
}

export function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}
