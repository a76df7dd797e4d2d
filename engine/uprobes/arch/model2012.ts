// arch_uprobe_analyze_insn as the first x86 uprobes release did it (Linux 3.5, mid-2012): a two-level
// opcode whitelist, prepare_fixups, the rax/rcx RIP rewrite that squeezes the displacement out, and the
// skip test arch_uprobe_skip_sstep applied at hit time. Nothing but those nops avoided the slot.

import { BAD_PREFIXES, REFUSED_1BYTE_2012, REFUSED_2BYTE_2012 } from './tables';
import { KView, archBase, hex, hex2 } from './kview';
import {
  ArchEmulate, ArchRipRel, ArchUprobe, GPR64, MAX_UINSN_BYTES, UprobeRefused, fixupNames,
  UPROBE_FIX_CALL, UPROBE_FIX_IP, UPROBE_FIX_RIP_AX, UPROBE_FIX_RIP_CX, UPROBE_FIX_SETF,
} from './types';

function refuse(v: KView, bytes: Uint8Array, why: string, errno: 'ENOTSUPP' | 'EINVAL' = 'ENOTSUPP'): never {
  const name = v.name || '(bad)';
  throw new UprobeRefused(`instruction not supported: ${name} (${hex(bytes, 0, v.len || Math.min(bytes.length, 4))}): ${why}`,
    errno, '2012');
}

/** validate_insn_64bits of 3.5. Its decoder knew VEX (the opcode byte after it is what gets checked,
 *  against the one-byte table) but not EVEX, whose 0x62 it read as the opcode. */
function validate(v: KView, bytes: Uint8Array): void {
  for (const p of v.prefixes) {
    const bad = BAD_PREFIXES.get(p);
    if (bad) refuse(v, bytes, `${bad} (${hex2(p)}) is refused`);
  }
  const op1 = v.vexKind === 'evex' ? 0x62 : v.op1;
  const why1 = REFUSED_1BYTE_2012.get(op1);
  if (why1 === undefined) return;
  if (op1 === 0x0f && v.vexKind === 'none') {
    if (v.opLen !== 2) refuse(v, bytes, `three-byte opcode 0f ${hex2(v.op2)} ${hex2(bytes[v.opOff + 2])}: the 2012 tables only know one- and two-byte opcodes`);
    const why2 = REFUSED_2BYTE_2012.get(v.op2);
    if (why2 === undefined) return;
    refuse(v, bytes, `two-byte opcode 0f ${hex2(v.op2)} not allowed in 2012: ${why2}`);
  }
  if (v.vexKind === 'vex2' || v.vexKind === 'vex3') {
    refuse(v, bytes, `VEX opcode byte ${hex2(op1)} is checked against the one-byte table, where ${hex2(op1)} is refused (${why1})`);
  }
  refuse(v, bytes, `opcode ${hex2(op1)} not allowed in 2012: ${why1}`);
}

/** handle_riprel_insn of 3.5: scratch rcx when modrm.reg is 0 (the operand may be rax), else rax;
 *  modrm becomes register-indirect with no displacement, the immediate slides down over the
 *  displacement, and the scratch register is loaded with the absolute target. */
function riprel(v: KView, buf: Uint8Array): { rr: ArchRipRel; fix: number; slotLen: number } {
  let rexChanged = false;
  if (v.rexOff >= 0 && (buf[v.rexOff] & 1)) { buf[v.rexOff] &= 0xfe; rexChanged = true; }
  const modrm = buf[v.modrmOff];
  const reg = (modrm >> 3) & 7;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const disp = dv.getInt32(v.dispOff, true);
  let scratch: number, fix: number, newModrm: number;
  if (reg === 0) { scratch = 1; fix = UPROBE_FIX_RIP_CX; newModrm = 0x01; }
  else { scratch = 0; fix = UPROBE_FIX_RIP_AX; newModrm = reg << 3; }
  buf[v.modrmOff] = newModrm;
  if (v.immOff >= 0) buf.copyWithin(v.modrmOff + 1, v.dispOff + 4, v.dispOff + 4 + v.immSize);
  const len = v.len;
  const rr: ArchRipRel = {
    scratchReg: scratch, scratchName: GPR64[scratch],
    scratchValue: (vaddr: number) => vaddr + len + disp,
    modrmOffset: v.modrmOff, dispOffset: v.dispOff, disp, origModrm: modrm, newModrm, dispDropped: true,
  };
  if (rexChanged) rr.rexChanged = true;
  if (v.implicitGprs.includes(scratch)) rr.conflict = `the instruction also uses ${GPR64[scratch]} implicitly`;
  else if (v.vexKind === 'vex3' && !(buf[v.vexOff + 1] & 0x20)) rr.conflict = 'VEX.B selects r8-r15: the register-indirect operand is not the scratch register';
  return { rr, fix, slotLen: len - 4 };
}

/** arch_uprobe_skip_sstep of 3.5: any run of 0x66 bytes followed by 90, 0f 1f, 0f 19 or 87 c0 is
 *  skipped. The kernel then leaves ip where the int3 trap put it, one byte past the probe address. */
export function skip2012(buf: Uint8Array): string | null {
  for (let i = 0; i < MAX_UINSN_BYTES; i++) {
    if (buf[i] === 0x66) continue;
    if (buf[i] === 0x90) return `0x66* 90`;
    if (i === MAX_UINSN_BYTES - 1) break;
    if (buf[i] === 0x0f && buf[i + 1] === 0x1f) return '0x66* 0f 1f';
    if (buf[i] === 0x0f && buf[i + 1] === 0x19) return '0x66* 0f 19';
    if (buf[i] === 0x87 && buf[i + 1] === 0xc0) return '0x66* 87 c0';
    break;
  }
  return null;
}

export function analyze2012(bytes: Uint8Array, vaddr: number, v: KView): ArchUprobe {
  if (bytes[0] === 0xcc) refuse(v, bytes, 'int3 already at the probe address');
  if (v.invalid) refuse(v, bytes, 'cannot be decoded', 'EINVAL');
  if (v.vexKind === 'xop') refuse(v, bytes, 'XOP encoding is not modelled', 'EINVAL');
  validate(v, bytes);

  const len = v.len;
  const insn = bytes.slice(0, len);
  const buf = new Uint8Array(MAX_UINSN_BYTES);
  buf.set(bytes.subarray(0, MAX_UINSN_BYTES));
  const xolNotes: string[] = [];

  let fixups = 0;
  let ripRel: ArchRipRel | undefined;
  let slotLen = len;
  if (v.ipRel) {
    const r = riprel(v, buf);
    ripRel = r.rr; fixups = r.fix; slotLen = r.slotLen;
    if (ripRel.conflict) xolNotes.push(`RIP rewrite: ${ripRel.conflict}`);
  }

  // prepare_fixups, keyed on OPCODE1 (for VEX, the opcode byte in its map).
  let fixIp = true, fixCall = false;
  switch (v.op1) {
    case 0x9d: fixups |= UPROBE_FIX_SETF; break;
    case 0xc3: case 0xcb: case 0xc2: case 0xca: fixIp = false; break;
    case 0xe8: fixCall = true; break;
    case 0x9a: fixCall = true; fixIp = false; break;
    case 0xff: {
      if (v.vexKind !== 'none') break;
      const reg = (bytes[v.opOff + 1] >> 3) & 7;
      if (reg === 2 || reg === 3) { fixCall = true; fixIp = false; }
      else if (reg === 4 || reg === 5) fixIp = false;
      break;
    }
    case 0xea: fixIp = false; break;
  }
  if (fixIp) fixups |= UPROBE_FIX_IP;
  if (fixCall) fixups |= UPROBE_FIX_CALL;
  if (v.vexKind !== 'none' && [0x9d, 0xc3, 0xcb, 0xc2, 0xca, 0xe8, 0x9a, 0xea].includes(v.op1)) {
    xolNotes.push(`the VEX opcode byte ${hex2(v.op1)} is taken for the one-byte opcode ${hex2(v.op1)}: fixups ${fixupNames(fixups, '2012').join('|') || 'none'}`);
  }

  if (v.isStringRep) xolNotes.push('a rep string instruction traps after each iteration with ip still on it: the probe fires once per iteration');

  const out: ArchUprobe = Object.assign(archBase('2012' as const, vaddr, insn, len), {
    fixups, fixupNames: fixupNames(fixups, '2012'), slotInsn: buf.slice(0, slotLen), slotImage: buf, xolNotes,
  });
  if (ripRel) out.ripRel = ripRel;
  const skip = skip2012(buf);
  if (skip) {
    const e: ArchEmulate = { kind: 'nop', len, ipAdvance: 1, rule: skip };
    out.emulate = e;
    if (len > 1) xolNotes.push(`skipped without stepping, but ip is left at the probe address + 1: the CPU resumes inside this ${len}-byte instruction`);
    if (skip === '0x66* 87 c0') xolNotes.push('87 c0 (xchg %eax,%eax) is not a nop in 64-bit mode: it clears the upper half of rax');
  }
  return out;
}
