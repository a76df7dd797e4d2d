// x86_64 instruction analysis for uprobes and the arithmetic of stepping out of line, in two eras.
//
// How the two models differ
// -------------------------
// Refusal. Both refuse es/cs/ss/ds segment prefixes and lock anywhere among the prefixes, and check the
// first opcode byte against a 256-entry whitelist (port I/O, int/int3/into/iret, hlt, cli/sti, far
// jumps/calls and the opcodes invalid in 64-bit mode are out in both). The 2012 kernel (3.5) also had a
// second whitelist for 0f xx opcodes: syscall/sysenter/sysret, ud2, lar/lsl, the 0f 00/0f 01 system
// groups, wrmsr, prefetch hints, popcnt, the fxsave/ldmxcsr/fence group, a few SSE3 ops were refused,
// and every three-byte (0f 38 / 0f 3a) opcode. Today 0x0f itself is whitelisted, so all 0f-escaped
// opcodes pass (the two-byte table is still in the source but never consulted for 64-bit code); in
// exchange, loads of %ss are refused and so are 0x66-prefixed branches. Neither era understands a
// VEX/EVEX instruction as such: the opcode byte after the prefix is looked up in the one-byte table
// (vmovdqu's 6f is "outs", so it is refused; vaddps's 58 passes). The 2012 decoder had no EVEX at all
// and saw 0x62 (refused).
//
// What avoids the slot. 2012: only a run of 0x66 bytes followed by 90, 0f 1f, 0f 19 or 87 c0 was
// skipped, and the kernel then left ip one byte past the probe address (fine for 90, wrong for the
// longer forms). Today (modelled on 6.18, the kernel these tests run against): jmp rel8/rel32, call
// rel32, jcc rel8/rel32, the kernel's eight nop encodings, anything whose opcode byte is 0x90
// (including pause and xchg %eax,%r8d, which is then not executed) and push of a register (one byte,
// or 41 5x) are emulated; later kernels recognise nops more narrowly. The decision is made on the
// opcode byte alone, so VEX instructions whose opcode byte is 70..7f, 90, e8, e9 or eb are "emulated"
// as jcc/nop/call/jmp, and VEX opcode bytes c2/c3/ca/cb/9a/9d get the fixups of those one-byte
// opcodes. A 5-byte nop is also marked optimizable: after its first hit the kernel replaces it with a
// call into a [uprobes-trampoline] page.
//
// Stepping out of line. Same default: FIX_IP adds (probe - slot) to ip, except after ret/lret, far
// jmp and indirect jmp; calls get their pushed return address corrected (2012: by adding the delta;
// today: by writing probe + length). popf gets FIX_SETF. RIP-relative operands: 2012 used rax, or rcx
// when modrm.reg is 0, made the operand register-indirect, dropped the 4 displacement bytes and loaded
// the scratch with the absolute target; today uses rsi, else rdi, else rbx (avoiding modrm.reg and
// VEX.vvvv), keeps disp32 with mod=10 and loads the scratch with probe + length.

import { kview } from './kview';
import { analyzeCurrent } from './current';
import { analyze2012 } from './model2012';
import type { ArchUprobe, UprobeModel } from './types';

export * from './types';
export { X86_NOPS_64, x86NopIndex, REFUSED_1BYTE_CURRENT, REFUSED_1BYTE_2012, REFUSED_2BYTE_2012, BAD_PREFIXES } from './tables';
export { skip2012 } from './model2012';
export {
  checkJmpCond, arch_uprobe_emulate_plan, arch_uprobe_post_xol_plan, arch_uprobe_abort_xol_plan,
} from './xol';
export type { EmulateInput, EmulatePlan, PostXolInput, PostXolPlan } from './xol';

/**
 * Analyse the instruction at a probe address the way the chosen kernel does when the probe is installed.
 * `bytes` are up to 16 bytes read at the probe (what the kernel copies from the file). Throws
 * UprobeRefused when the kernel would refuse the probe.
 */
export function arch_uprobe_analyze_insn(bytes: Uint8Array, vaddr: number, model: UprobeModel): ArchUprobe {
  const v = kview(bytes, vaddr);
  return model === 'current' ? analyzeCurrent(bytes, vaddr, v) : analyze2012(bytes, vaddr, v);
}

/** True for the 0x66 rule today: a branch the kernel would emulate but refuses because of a 0x66 prefix. */
export function isRefused66Branch(bytes: Uint8Array): boolean {
  try { arch_uprobe_analyze_insn(bytes, 0x400000, 'current'); return false; } catch (e) {
    return e instanceof Error && 'reason' in e && /0x66-prefixed branch/.test((e as { reason: string }).reason);
  }
}
