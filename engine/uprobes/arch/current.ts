// arch_uprobe_analyze_insn as today's kernel does it (checked against 6.18's arch/x86/kernel/uprobes.c
// and the live 6.18 kernel): validity checks, then the emulation set-ups (branches and nops, pushes),
// else the default step-out-of-line with its fixups and the RIP-relative rewrite.

import { BAD_PREFIXES, REFUSED_1BYTE_CURRENT, x86NopIndex } from './tables';
import { KView, archBase, hex, hex2 } from './kview';
import {
  ArchEmulate, ArchRipRel, ArchUprobe, GPR64, MAX_UINSN_BYTES, PAGE_SIZE, UprobeRefused, fixupNames,
  UPROBE_FIX_CALL, UPROBE_FIX_IP, UPROBE_FIX_RIP_BX, UPROBE_FIX_RIP_DI, UPROBE_FIX_RIP_SI, UPROBE_FIX_SETF,
} from './types';

function refuse(v: KView, bytes: Uint8Array, why: string, errno: 'ENOTSUPP' | 'ENOEXEC' = 'ENOTSUPP'): never {
  const name = v.name || '(bad)';
  throw new UprobeRefused(`instruction not supported: ${name} (${hex(bytes, 0, v.len || Math.min(bytes.length, 4))}): ${why}`,
    errno, 'current');
}

/** uprobe_init_insn: the checks that make registration fail with -ENOTSUPP. */
function validate(v: KView, bytes: Uint8Array): void {
  for (const p of v.prefixes) {
    const bad = BAD_PREFIXES.get(p);
    if (bad) refuse(v, bytes, `${bad} (${hex2(p)}) is refused`);
  }
  // Loading %ss blocks interrupts and debug traps for one instruction; single-stepping it is unsafe.
  if (v.vexKind === 'none' && v.opLen === 1 && (v.op1 === 0x17 || (v.op1 === 0x8e && v.modrmOff >= 0 && ((bytes[v.modrmOff] >> 3) & 7) === 2))) {
    refuse(v, bytes, 'loads %ss (masks exceptions for one instruction)');
  }
  const why = REFUSED_1BYTE_CURRENT.get(v.op1);
  if (why !== undefined) {
    refuse(v, bytes, v.vexKind === 'none' ? `opcode ${hex2(v.op1)} not allowed: ${why}`
      : `${v.vexKind.toUpperCase()} opcode byte ${hex2(v.op1)} is checked against the one-byte table, where ${hex2(v.op1)} is refused (${why})`);
  }
}

/** Jcc opcodes the kernel emulates: the short forms 70..7f (the near forms 0f 80..8f map onto them). */
function isCondJmpOpcode(op: number): boolean {
  return op >= 0x70 && op <= 0x7f;
}

/** branch_setup_xol_ops. Returns the emulation, or null when the instruction is not a branch/nop
 *  (the kernel's -ENOSYS). Throws for 0x66-prefixed branches. */
function branchSetup(v: KView, insn: Uint8Array, vaddr: number, bytes: Uint8Array): ArchEmulate | null {
  const len = v.len;
  const nopIdx = x86NopIndex(insn);
  if (nopIdx) return { kind: 'nop', len, ipAdvance: len, opc1: v.op1, rule: `x86_nops[${nopIdx}]` };
  let opc1 = v.op1;
  let kind: 'jmp' | 'call' | 'jcc';
  switch (opc1) {
    case 0xeb: case 0xe9: kind = 'jmp'; break;
    case 0x90:
      // Any instruction whose opcode byte is 0x90 — whatever its prefixes, REX or VEX — is taken as a nop.
      return { kind: 'nop', len, ipAdvance: len, opc1, rule: 'opcode 0x90' };
    case 0xe8: kind = 'call'; break;
    case 0x0f:
      if (v.opLen !== 2) return null;
      opc1 = (v.op2 - 0x10) & 0xff;
      if (!isCondJmpOpcode(opc1)) return null;
      kind = 'jcc';
      break;
    default:
      if (!isCondJmpOpcode(opc1)) return null;
      kind = 'jcc';
  }
  if (v.prefixes.includes(0x66)) refuse(v, bytes, '0x66-prefixed branch (16-bit operand size) is refused');
  // The kernel's offset is the instruction's immediate field (0 when the opcode byte was matched on an
  // instruction that has no immediate, e.g. a VEX-encoded one); the target is relative to the next insn.
  let offs = 0;
  if (v.immOff >= 0) {
    const dv = new DataView(insn.buffer, insn.byteOffset, insn.byteLength);
    offs = v.immSize === 1 ? dv.getInt8(v.immOff) : v.immSize === 2 ? dv.getInt16(v.immOff, true) : dv.getInt32(v.immOff, true);
  }
  const target = vaddr + len + offs;
  const e: ArchEmulate = { kind, target, len, ipAdvance: len, opc1, rule: `${kind} ${hex2(opc1)}` };
  if (kind === 'jcc') e.cc = (opc1 - 0x70) + 1; // iced ConditionCode order matches 70..7f
  return e;
}

/** push_setup_xol_ops: push of a register, one byte, or two with exactly the REX byte 0x41. */
function pushSetup(v: KView): ArchEmulate | null {
  if (v.op1 < 0x50 || v.op1 > 0x57) return null;
  if (v.len > 2) return null;
  let reg = v.op1 - 0x50;
  if (v.len === 2) {
    if (v.rexOff !== 0 || v.rex !== 0x41) return null;
    reg += 8;
  }
  return { kind: 'push', reg, len: v.len, ipAdvance: v.len, opc1: v.op1, rule: `push ${GPR64[reg]}` };
}

/** riprel_analyze: rewrite "disp32(%rip)" to "disp32(%scratch)", scratch loaded with the next-insn address. */
function riprel(v: KView, slot: Uint8Array): { rr: ArchRipRel; fix: number } {
  let rexChanged = false, vexChanged = false;
  if (v.rexOff >= 0 && (slot[v.rexOff] & 1)) { slot[v.rexOff] &= 0xfe; rexChanged = true; }
  if (v.vexLen >= 3) {
    const before = slot[v.vexOff + 1];
    slot[v.vexOff + 1] |= 0x60;
    vexChanged = before !== slot[v.vexOff + 1];
  }
  const modrm = slot[v.modrmOff];
  const reg = (modrm >> 3) & 7;
  // The vvvv register, low three bits. The kernel reads the third byte of its VEX field for every VEX
  // form; a two-byte VEX has no third byte (it reads 0 there), which comes out as register 7.
  let vvvv = 0;
  if (v.vexKind === 'vex2') vvvv = 7;
  else if (v.vexKind === 'vex3' || v.vexKind === 'evex') vvvv = ((slot[v.vexOff + 2] >> 3) & 7) ^ 7;
  let scratch: number, fix: number;
  if (reg !== 6 && vvvv !== 6) { scratch = 6; fix = UPROBE_FIX_RIP_SI; }
  else if (reg !== 7 && vvvv !== 7) { scratch = 7; fix = UPROBE_FIX_RIP_DI; }
  else { scratch = 3; fix = UPROBE_FIX_RIP_BX; }
  const newModrm = 0x80 | (reg << 3) | scratch;
  slot[v.modrmOff] = newModrm;
  const dv = new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
  const disp = dv.getInt32(v.dispOff, true);
  const len = v.len;
  const rr: ArchRipRel = {
    scratchReg: scratch, scratchName: GPR64[scratch],
    scratchValue: (vaddr: number) => vaddr + len,
    modrmOffset: v.modrmOff, dispOffset: v.dispOff, disp, origModrm: modrm, newModrm,
  };
  if (rexChanged) rr.rexChanged = true;
  if (vexChanged) rr.vexChanged = true;
  if (v.implicitGprs.includes(scratch)) rr.conflict = `the instruction also uses ${GPR64[scratch]} implicitly`;
  return { rr, fix };
}

export function analyzeCurrent(bytes: Uint8Array, vaddr: number, v: KView): ArchUprobe {
  // prepare_uprobe: an int3 already at the probe address is refused before any analysis.
  if (bytes[0] === 0xcc) refuse(v, bytes, 'int3 already at the probe address');
  if (v.invalid) refuse(v, bytes, 'cannot be decoded', 'ENOEXEC');
  if (v.vexKind === 'xop') {
    throw new UprobeRefused(`instruction not supported: ${v.name} (${hex(bytes, 0, v.len)}): XOP encoding is not modelled`,
      'EINVAL', 'current');
  }
  validate(v, bytes);

  const len = v.len;
  const insn = bytes.slice(0, len);
  const image = new Uint8Array(MAX_UINSN_BYTES);
  image.set(bytes.subarray(0, MAX_UINSN_BYTES));
  const xolNotes: string[] = [];

  // can_optimize: a 5-byte nop (opcode 90, or 0f 1f /0) whose bytes do not cross a page.
  const isNop90 = v.opLen === 1 && v.op1 === 0x90;
  const isNopl = v.opLen === 2 && v.op1 === 0x0f && v.op2 === 0x1f && v.modrmOff >= 0 && ((bytes[v.modrmOff] >> 3) & 7) === 0;
  const optimizable = len === 5 && (isNop90 || isNopl) && PAGE_SIZE - (vaddr & (PAGE_SIZE - 1)) >= 5;

  const br = branchSetup(v, insn, vaddr, bytes);
  if (br) {
    if (br.kind === 'call') {
      // The copy that would run out of line if pushing the return address fails becomes "call .+0".
      image.fill(0, v.immOff, v.immOff + v.immSize);
    }
    if (br.kind === 'nop' && br.rule === 'opcode 0x90' && (v.vexKind !== 'none' || (v.rexOff >= 0 && (v.rex & 1)) || v.prefixes.includes(0xf3))) {
      xolNotes.push(`emulated as a nop because its opcode byte is 0x90, although ${v.text} is not one`);
    }
    if (v.vexKind !== 'none' && br.kind !== 'nop') {
      xolNotes.push(`emulated as ${br.rule} because its opcode byte matches; the ${v.vexKind.toUpperCase()} instruction itself is never executed`);
    }
    return Object.assign(archBase('current' as const, vaddr, insn, len),
      { fixups: 0, fixupNames: [], emulate: br, slotInsn: image.slice(0, len), slotImage: image, optimizable, xolNotes });
  }
  const push = pushSetup(v);
  if (push) {
    xolNotes.push('if the emulated push faults, the original push is stepped in the slot with no post-step fixup');
    return Object.assign(archBase('current' as const, vaddr, insn, len),
      { fixups: 0, fixupNames: [], emulate: push, slotInsn: image.slice(0, len), slotImage: image, optimizable, xolNotes });
  }

  let fixups = 0;
  let fixIpOrCall = UPROBE_FIX_IP;
  let ripRel: ArchRipRel | undefined;
  // The kernel switches on OPCODE1, which for a VEX/EVEX instruction is its opcode byte in its own map.
  const op1 = v.op1;
  switch (op1) {
    case 0x9d: fixups |= UPROBE_FIX_SETF; break; // popf: TF as it loads it is kept
    case 0xc3: case 0xcb: case 0xc2: case 0xca: case 0xea:
      fixIpOrCall = 0; break; // ret / lret / far jmp: ip is already right
    case 0x9a: fixIpOrCall = UPROBE_FIX_CALL; break;
    default:
      if (op1 === 0xff && v.vexKind === 'none' && v.modrmOff >= 0) {
        const reg = (bytes[v.modrmOff] >> 3) & 7;
        if (reg === 2 || reg === 3) fixIpOrCall = UPROBE_FIX_CALL; // indirect call / lcall
        else if (reg === 4 || reg === 5) fixIpOrCall = 0; // indirect jmp / ljmp
      }
      if (v.ipRel) {
        const r = riprel(v, image);
        ripRel = r.rr;
        fixups |= r.fix;
      }
  }
  fixups |= fixIpOrCall;
  if (v.vexKind !== 'none' && [0x9d, 0xc3, 0xcb, 0xc2, 0xca, 0xea, 0x9a].includes(op1)) {
    xolNotes.push(`the ${v.vexKind.toUpperCase()} opcode byte ${hex2(op1)} is taken for the one-byte opcode ${hex2(op1)}: ` +
      `fixups ${fixupNames(fixups, 'current').join('|') || 'none'}${v.ipRel ? ' and no RIP rewrite' : ''}`);
  }
  if (v.vexKind === 'none' && op1 === 0x0f && v.op2 === 0x05) {
    xolNotes.push('syscall returns with TF set through iret, so the CPU runs the next instruction of the slot image before the debug trap');
  }
  if (v.isStringRep) {
    xolNotes.push('a rep string instruction traps after each iteration with ip still on it: the probe fires once per iteration');
  }
  if (ripRel?.conflict) xolNotes.push(`RIP rewrite: ${ripRel.conflict}`);
  const out: ArchUprobe = Object.assign(archBase('current' as const, vaddr, insn, len),
    { fixups, fixupNames: fixupNames(fixups, 'current'), slotInsn: image.slice(0, len), slotImage: image, optimizable, xolNotes });
  if (ripRel) out.ripRel = ripRel;
  return out;
}
