// The instruction as the kernel's uprobes code looks at it. Decoding (validity, length, operands,
// displacement/immediate offsets, disassembly) is iced-x86's; on top of that we locate the byte fields
// the kernel's checks are written against: legacy prefixes, REX, the VEX/EVEX prefix, and the opcode
// bytes its decoder reports (OPCODE1/OPCODE2 and how many there are).

import {
  Decoder, DecoderOptions, EncodingKind, FormatMnemonicOptions, Formatter, FormatterSyntax, Instruction, InstructionInfoFactory,
  InstructionInfoOptions, OpKind, Register, RegisterExt,
} from 'iced-x86';

const LEGACY_PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);

export type VexKind = 'none' | 'vex2' | 'vex3' | 'evex' | 'xop';

export interface KView {
  /** Decoded length, or 0 when iced cannot decode the bytes. */
  len: number;
  invalid: boolean;
  /** AT&T disassembly at the given ip (RIP-relative operands shown as disp(%rip)); '' when invalid. */
  readonly text: string;
  /** The mnemonic alone, without prefixes; '' when invalid. */
  readonly name: string;
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
  readonly ipRelTarget: number;
  dispOff: number;
  dispSize: number;
  immOff: number;
  immSize: number;
  encoding: number;
  readonly mnemonic: number;
  readonly code: number;
  readonly conditionCode: number;
  readonly nearBranchTarget: number;
  isStringRep: boolean;
  /** 64-bit register numbers (0..15) the instruction uses other than through a register operand:
   *  implicit uses (rax for mul/cmpxchg, rcx for rep...) and memory base/index registers. */
  readonly implicitGprs: number[];
  /** 64-bit register numbers of explicit register operands. */
  readonly explicitGprs: number[];
}

let formatter: Formatter | undefined;
let infoFactory: InstructionInfoFactory | undefined;

function gprNumber(r: Register): number {
  if (r === Register.None) return -1;
  const full = RegisterExt.fullRegister(r);
  if (full >= Register.RAX && full <= Register.R15) return full - Register.RAX;
  return -1;
}

function gasFormatter(): Formatter {
  if (!formatter) {
    formatter = new Formatter(FormatterSyntax.Gas);
    formatter.ripRelativeAddresses = true;
    formatter.uppercaseHex = false;
    formatter.branchLeadingZeros = false;
  }
  return formatter;
}

/** Decode one instruction of `bytes` at `ip` and hand it to `f` (the decoder and instruction are freed after). */
function withInsn<T>(bytes: Uint8Array, ip: number, f: (ins: Instruction, dec: Decoder) => T): T {
  const dec = new Decoder(64, bytes, DecoderOptions.None);
  dec.ip = BigInt(ip);
  const ins = dec.decode();
  try { return f(ins, dec); } finally { ins.free(); dec.free(); }
}

/**
 * The AT&T text of the instruction `bytes` start with, at `ip` (as KView.text has it; '' when it does
 * not decode). Decoding reads only the instruction's own bytes, so the instruction's bytes alone give
 * the same text as the longer buffer it was first decoded from.
 */
export function insnText(bytes: Uint8Array, ip: number): string {
  return withInsn(bytes, ip, ins => ins.isInvalid || ins.length > bytes.length ? '' : gasFormatter().format(ins));
}

/** Disassembly of analysed instructions, made when first asked for. */
const mnemonics = new WeakMap<object, string>();
function lazyMnemonic(this: { insn: Uint8Array; vaddr: number }): string {
  let t = mnemonics.get(this);
  if (t === undefined) { t = insnText(this.insn, this.vaddr); mnemonics.set(this, t); }
  return t;
}

/**
 * The first fields of an ArchUprobe: model, vaddr, insn (the instruction's bytes), len, and `mnemonic`,
 * an enumerable property that formats the instruction when first read (the formatter is not needed to
 * register a probe, and most probes' text is never shown). One getter shared by every analysis keeps
 * the objects in V8's fast mode with one shape (a getter written in each object literal would not).
 */
export function archBase<M>(model: M, vaddr: number, insn: Uint8Array, len: number): { model: M; vaddr: number; insn: Uint8Array; len: number; readonly mnemonic: string } {
  const a = { model, vaddr, insn, len };
  Object.defineProperty(a, 'mnemonic', { get: lazyMnemonic, enumerable: true, configurable: true });
  return a as typeof a & { readonly mnemonic: string };
}

/** Fill the register sets of `v` from its decoded instruction. */
function fillGprs(v: KViewRecord, ins: Instruction): void {
  const explicit: number[] = [];
  for (let n = 0, ops = ins.opCount; n < ops; n++) {
    if (ins.opKind(n) !== OpKind.Register) continue;
    const g = gprNumber(ins.opRegister(n));
    if (g >= 0) explicit.push(g);
  }
  infoFactory ??= new InstructionInfoFactory();
  const info = infoFactory.infoOptions(ins, InstructionInfoOptions.NoMemoryUsage); // registers only (memory operands' included)
  const used = info.usedRegisters();
  const implicit = new Set<number>();
  for (const u of used) {
    const g = gprNumber(u.register as Register);
    if (g >= 0 && !explicit.includes(g)) implicit.add(g);
    u.free();
  }
  info.free();
  v.gprs = { explicit, implicit: [...implicit] };
}

/** Facts about the instruction that no analysis reads today (a view works them out when asked). */
interface IcedFacts { mnemonic: number; code: number; conditionCode: number; ipRelTarget: number; nearBranchTarget: number }

/**
 * A KView. The disassembly, the register sets and the facts no analysis needs are worked out when first
 * read (they need the formatter or more calls into iced, and most analyses never look at them):
 * registering a thousand probes at once then costs one decode each, with only the calls the checks
 * need. The bytes given to kview() must not change while the view is in use.
 */
class KViewRecord implements KView {
  len = 0;
  invalid = false;
  prefixes: number[] = [];
  rexOff = -1;
  rex = 0;
  vexKind: VexKind = 'none';
  vexOff = -1;
  vexLen = 0;
  opOff = 0;
  opLen = 1;
  op1 = 0;
  op2 = 0;
  modrmOff = -1;
  ipRel = false;
  dispOff = -1;
  dispSize = 0;
  immOff = -1;
  immSize = 0;
  encoding = 0;
  isStringRep = false;
  /** Formatted on first read; '' (already known) for an invalid instruction. */
  private txt: string | undefined = undefined;
  private nm: string | undefined = undefined;
  /** Made on first read (or by kview for a RIP-relative instruction, whose rewrite needs them). */
  gprs: { explicit: number[]; implicit: number[] } | undefined = undefined;
  /** Made on first read. */
  private more: IcedFacts | undefined = undefined;

  constructor(private readonly bytes: Uint8Array, private readonly ip: number) {}

  get text(): string { if (this.txt === undefined) this.format(); return this.txt!; }
  get name(): string { if (this.nm === undefined) this.format(); return this.nm!; }
  get implicitGprs(): number[] { return (this.gprs ?? this.redecodeGprs()).implicit; }
  get explicitGprs(): number[] { return (this.gprs ?? this.redecodeGprs()).explicit; }
  get ipRelTarget(): number { return this.facts().ipRelTarget; }
  get mnemonic(): number { return this.facts().mnemonic; }
  get code(): number { return this.facts().code; }
  get conditionCode(): number { return this.facts().conditionCode; }
  get nearBranchTarget(): number { return this.facts().nearBranchTarget; }

  private facts(): IcedFacts {
    return this.more ??= withInsn(this.bytes, this.ip, ins => {
      const f: IcedFacts = { mnemonic: ins.mnemonic, code: ins.code, conditionCode: ins.conditionCode, ipRelTarget: 0, nearBranchTarget: 0 };
      if (this.invalid) return f;
      if (ins.isIpRelMemoryOperand) f.ipRelTarget = Number(BigInt.asUintN(64, ins.ipRelMemoryAddress));
      for (let n = 0; n < ins.opCount; n++) {
        const k = ins.opKind(n);
        if (k === OpKind.NearBranch16 || k === OpKind.NearBranch32 || k === OpKind.NearBranch64) {
          f.nearBranchTarget = Number(BigInt.asUintN(64, ins.nearBranchTarget));
        }
      }
      return f;
    });
  }

  /** An invalid instruction has no text. */
  noText(): void { this.txt = ''; this.nm = ''; }

  private format(): void {
    withInsn(this.bytes, this.ip, ins => {
      const f = gasFormatter();
      this.txt = f.format(ins);
      this.nm = f.formatMnemonicOptions(ins, FormatMnemonicOptions.NoPrefixes);
    });
  }

  private redecodeGprs(): { explicit: number[]; implicit: number[] } {
    if (this.invalid) return this.gprs = { explicit: [], implicit: [] };
    withInsn(this.bytes, this.ip, ins => fillGprs(this, ins));
    return this.gprs!;
  }
}

/** The instruction kview decodes into, kept from one call to the next (one fewer wasm allocation each). */
let scratch: Instruction | undefined;

/** Decode one instruction at `ip` and lay out its byte fields. `bytes` is the 16-byte (or shorter)
 *  buffer read at the probe. */
export function kview(bytes: Uint8Array, ip: number): KView {
  const dec = new Decoder(64, bytes, DecoderOptions.None);
  const ins = scratch ??= new Instruction();
  try {
    dec.ip = BigInt(ip);
    dec.decodeOut(ins);
    const v = new KViewRecord(bytes, ip);
    const len = ins.length, encoding = ins.encoding;
    v.len = len;
    v.invalid = ins.isInvalid || len > bytes.length;
    v.encoding = encoding;
    if (v.invalid) { v.len = 0; v.noText(); v.gprs = { explicit: [], implicit: [] }; return v; }

    let i = 0;
    while (i < len && LEGACY_PREFIXES.has(bytes[i])) v.prefixes.push(bytes[i++]);
    if (i < len && (bytes[i] & 0xf0) === 0x40) { v.rexOff = i; v.rex = bytes[i]; i++; }
    if (encoding === EncodingKind.VEX || encoding === EncodingKind.EVEX || encoding === EncodingKind.XOP) {
      v.vexOff = i;
      if (encoding === EncodingKind.EVEX) { v.vexKind = 'evex'; v.vexLen = 4; }
      else if (encoding === EncodingKind.XOP) { v.vexKind = 'xop'; v.vexLen = 3; }
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
      v.modrmOff = v.dispOff - 1; // an ip-relative operand never has a SIB byte
      fillGprs(v, ins); // the RIP rewrite checks the scratch register against them
    } else if (encoding === EncodingKind.Legacy) {
      // Only needed for the few opcodes whose reg field the kernel reads (ff, 8e, 0f 1f), all of which
      // have a modrm byte right after the opcode.
      const end = v.opOff + v.opLen;
      if (end < len && (v.op1 === 0xff || v.op1 === 0x8e || (v.op1 === 0x0f && v.op2 === 0x1f))) v.modrmOff = end;
    }

    v.isStringRep = ins.isStringInstruction && (ins.hasRepPrefix || ins.hasRepePrefix || ins.hasRepnePrefix);
    return v;
  } finally {
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
