// Instruction analysis for uprobes in both models, over a table of instructions assembled with `as`:
// refused or not (and why), emulated or stepped, fixup flags, and the slot copy. Every RIP-relative
// rewrite is checked with iced-x86: the slot instruction decoded at a slot address, with the scratch
// register holding what pre_xol loads, must be the same instruction addressing the same memory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Decoder, DecoderOptions, FlowControl, Instruction, OpKind, Register, RegisterExt } from 'iced-x86';
import { have, need, tmpDir } from './util';
import {
  arch_uprobe_analyze_insn, arch_uprobe_post_xol_plan, arch_uprobe_emulate_plan, arch_uprobe_abort_xol_plan,
  checkJmpCond, ArchUprobe, UprobeModel, UprobeRefused, XOL_AREA_ADDR, UPROBE_XOL_SLOT_BYTES, X86_NOPS_64,
} from '../engine/uprobes/arch';

// Expectation grammar, one string per model:
//   'R'            refused (-ENOTSUPP);  'R/text'  refused with `text` in the reason
//   'E:kind'       handled without a slot (emulate.kind)
//   'X:flags'      stepped in a slot with exactly these fixups (IP CALL SETF SI DI BX AX CX, '-' = none)
// Optional third field: notes for special checks ('no-equiv-2012': the 2012 rewrite is knowingly wrong).
type Row = [asm: string, current: string, y2012: string, extra?: string];

const ROWS: Row[] = [
  // nops, and what each era takes for one
  ['nop', 'E:nop', 'E:nop'],
  ['.byte 0x66,0x90', 'E:nop', 'E:nop'],
  ['.byte 0x0f,0x1f,0x00', 'E:nop', 'E:nop'],
  ['.byte 0x0f,0x1f,0x40,0x00', 'E:nop', 'E:nop'],
  ['.byte 0x0f,0x1f,0x44,0x00,0x00', 'E:nop', 'E:nop'],
  ['.byte 0x66,0x0f,0x1f,0x44,0x00,0x00', 'E:nop', 'E:nop'],
  ['.byte 0x0f,0x1f,0x80,0x00,0x00,0x00,0x00', 'E:nop', 'E:nop'],
  ['.byte 0x0f,0x1f,0x84,0x00,0x00,0x00,0x00,0x00', 'E:nop', 'E:nop'],
  ['.byte 0x0f,0x1f,0x44,0x00,0x08', 'X:IP', 'E:nop'],
  ['.byte 0x66,0x66,0x90', 'E:nop', 'E:nop'],
  ['.byte 0x0f,0x19,0x00', 'X:IP', 'E:nop'],
  ['.byte 0x66,0x2e,0x0f,0x1f,0x84,0x00,0x00,0x00,0x00,0x00', 'R/cs segment prefix', 'R/cs segment prefix'],
  ['pause', 'E:nop', 'X:IP'],
  ['xchg %eax,%r8d', 'E:nop', 'X:IP'],
  ['xchg %rax,%r8', 'E:nop', 'X:IP'],
  ['xchg %eax,%eax', 'X:IP', 'E:nop'],
  ['.byte 0x48,0x90', 'E:nop', 'X:IP'],
  // ordinary instructions
  ['mov %eax,%ebx', 'X:IP', 'X:IP'],
  ['mov $0x12345678,%r9', 'X:IP', 'X:IP'],
  ['movabs $0x1122334455667788,%rax', 'X:IP', 'X:IP'],
  ['add %rbx,%rcx', 'X:IP', 'X:IP'],
  ['lea 8(%rsp),%rax', 'X:IP', 'X:IP'],
  ['imul $3,%eax,%edx', 'X:IP', 'X:IP'],
  ['xor %r10d,%r11d', 'X:IP', 'X:IP'],
  ['mov %fs:0,%rax', 'X:IP', 'X:IP'],
  ['mov %gs:8,%rdx', 'X:IP', 'X:IP'],
  ['fld1', 'X:IP', 'X:IP'],
  ['cpuid', 'X:IP', 'X:IP'],
  ['rdtsc', 'X:IP', 'X:IP'],
  ['endbr64', 'X:IP', 'X:IP'],
  ['xbegin 1f', 'X:IP', 'X:IP'],
  ['rep movsb', 'X:IP', 'X:IP'],
  ['rep stosq', 'X:IP', 'X:IP'],
  ['repne scasb', 'X:IP', 'X:IP'],
  ['add %ax,%bx', 'X:IP', 'X:IP'],
  // stack
  ['push %rbp', 'E:push', 'X:IP'],
  ['push %rax', 'E:push', 'X:IP'],
  ['push %rsp', 'E:push', 'X:IP'],
  ['push %r12', 'E:push', 'X:IP'],
  ['push %r15', 'E:push', 'X:IP'],
  ['.byte 0x49,0x50', 'X:IP', 'X:IP'],
  ['pushw %ax', 'X:IP', 'X:IP'],
  ['push $5', 'X:IP', 'X:IP'],
  ['pop %rbx', 'X:IP', 'X:IP'],
  ['pushf', 'X:IP', 'X:IP'],
  ['popf', 'X:IP,SETF', 'X:IP,SETF'],
  // control flow
  ['ret', 'X:-', 'X:-'],
  ['ret $8', 'X:-', 'X:-'],
  ['lretl', 'X:-', 'X:-'],
  ['lretq', 'X:-', 'X:-'],
  ['jmp 1f', 'E:jmp', 'X:IP'],
  ['{disp32} jmp 1f', 'E:jmp', 'X:IP'],
  ['call 1f', 'E:call', 'X:IP,CALL'],
  ['je 1f', 'E:jcc', 'X:IP'],
  ['jg 1f', 'E:jcc', 'X:IP'],
  ['{disp32} jne 1f', 'E:jcc', 'X:IP'],
  ['{disp32} jbe 1f', 'E:jcc', 'X:IP'],
  ['jrcxz 1f', 'X:IP', 'X:IP'],
  ['loop 1f', 'X:IP', 'X:IP'],
  ['bnd jmp 1f', 'E:jmp', 'X:IP'],
  ['data16 jmp 1f', 'R/0x66-prefixed branch', 'X:IP'],
  ['data16 je 1f', 'R/0x66-prefixed branch', 'X:IP'],
  ['ds je 1f', 'R/ds segment prefix', 'R/ds segment prefix'],
  ['cs je 1f', 'R/cs segment prefix', 'R/cs segment prefix'],
  ['jmp *%rax', 'X:-', 'X:-'],
  ['notrack jmp *%rax', 'R/ds segment prefix', 'R/ds segment prefix'],
  ['call *%rax', 'X:CALL', 'X:CALL'],
  ['call *8(%rax)', 'X:CALL', 'X:CALL'],
  ['ljmp *(%rax)', 'X:-', 'X:-'],
  ['lcall *(%rax)', 'X:CALL', 'X:CALL'],
  // RIP-relative operands
  ['jmp *0x10(%rip)', 'X:SI', 'X:AX'],
  ['call *0x10(%rip)', 'X:CALL,SI', 'X:CALL,AX'],
  ['push 0x10(%rip)', 'X:IP,DI', 'X:IP,AX'],
  ['incl 0x10(%rip)', 'X:IP,SI', 'X:IP,CX'],
  ['mov 0x10(%rip),%eax', 'X:IP,SI', 'X:IP,CX'],
  ['mov -0x2000(%rip),%rsi', 'X:IP,DI', 'X:IP,AX'],
  ['mov 0x10(%rip),%rdi', 'X:IP,SI', 'X:IP,AX'],
  ['mov 0x7ffff0(%rip),%rbx', 'X:IP,SI', 'X:IP,AX'],
  ['mov %r14,-0x10(%rip)', 'X:IP,DI', 'X:IP,AX'],
  ['mov %r15,0x10(%rip)', 'X:IP,SI', 'X:IP,AX'],
  ['mov %r8,0x10(%rip)', 'X:IP,SI', 'X:IP,CX'],
  ['mov %sil,0x10(%rip)', 'X:IP,DI', 'X:IP,AX'],
  ['movb $0x7f,0x10(%rip)', 'X:IP,SI', 'X:IP,CX'],
  ['movl $0x11223344,0x10(%rip)', 'X:IP,SI', 'X:IP,CX'],
  ['movw $0x1234,-0x40(%rip)', 'X:IP,SI', 'X:IP,CX'],
  ['addl $7,0x10(%rip)', 'X:IP,SI', 'X:IP,CX'],
  ['addq $0x1000,0x10(%rip)', 'X:IP,SI', 'X:IP,CX'],
  ['cmpl $5,-0x20(%rip)', 'X:IP,SI', 'X:IP,AX'],
  ['cmpb $1,0x10(%rip)', 'X:IP,SI', 'X:IP,AX'],
  ['add 0x10(%rip),%ax', 'X:IP,SI', 'X:IP,CX'],
  ['lea 0x10(%rip),%rax', 'X:IP,SI', 'X:IP,CX'],
  ['lea 0x10(%rip),%rsi', 'X:IP,DI', 'X:IP,AX'],
  ['lea -0x1000(%rip),%r11', 'X:IP,SI', 'X:IP,AX'],
  ['lea 0x10(%rip),%r14', 'X:IP,DI', 'X:IP,AX'],
  ['mov 0x10(%eip),%eax', 'X:IP,SI', 'X:IP,CX'],
  ['cmovne 0x10(%rip),%edx', 'X:IP,SI', 'X:IP,AX'],
  ['sete 0x10(%rip)', 'X:IP,SI', 'X:IP,CX'],
  ['bt %eax,0x10(%rip)', 'X:IP,SI', 'X:IP,CX'],
  ['movzbl 0x10(%rip),%esi', 'X:IP,DI', 'X:IP,AX'],
  ['imul 0x10(%rip),%ecx', 'X:IP,SI', 'X:IP,AX'],
  ['mull 0x10(%rip)', 'X:IP,SI', 'X:IP,AX'],
  ['shll %cl,0x10(%rip)', 'X:IP,SI', 'X:IP,AX'],
  ['cmpxchg %ecx,0x10(%rip)', 'X:IP,SI', 'X:IP,AX'],
  ['cmpxchg8b 0x10(%rip)', 'X:IP,SI', 'X:IP,AX'],
  ['fstpl 0x10(%rip)', 'X:IP,SI', 'X:IP,AX'],
  ['movsd 0x10(%rip),%xmm0', 'X:IP,SI', 'X:IP,CX'],
  ['movq 0x10(%rip),%xmm0', 'X:IP,SI', 'X:IP,CX'],
  ['movaps 0x10(%rip),%xmm7', 'X:IP,SI', 'X:IP,AX'],
  ['addsd 0x10(%rip),%xmm6', 'X:IP,DI', 'X:IP,AX'],
  ['movaps %xmm9,0x10(%rip)', 'X:IP,SI', 'X:IP,AX'],
  ['mulsd -0x8(%rip),%xmm14', 'X:IP,DI', 'X:IP,AX'],
  ['cvtsi2sdl 0x10(%rip),%xmm1', 'X:IP,SI', 'X:IP,AX'],
  ['popcnt 0x10(%rip),%eax', 'X:IP,SI', 'R/0f b8'],
  ['prefetcht0 0x10(%rip)', 'X:IP,SI', 'R/0f 18'],
  ['crc32b 0x10(%rip),%eax', 'X:IP,SI', 'R/three-byte'],
  ['pshufb 0x10(%rip),%xmm0', 'X:IP,SI', 'R/three-byte'],
  ['roundsd $4,0x10(%rip),%xmm2', 'X:IP,SI', 'R/three-byte'],
  ['pcmpistri $0,0x10(%rip),%xmm1', 'X:IP,SI', 'R/three-byte'],
  // VEX / EVEX: judged by the opcode byte after the prefix
  ['vaddps 0x10(%rip),%ymm1,%ymm2', 'X:IP,SI', 'X:IP,AX'],
  ['vmovups 0x10(%rip),%ymm6', 'X:IP,BX', 'X:IP,AX'],
  ['vfmadd231ps 0x10(%rip),%xmm1,%xmm6', 'X:IP,DI', 'X:IP,AX'],
  ['vaddps 0x10(%rip),%zmm1,%zmm2', 'X:IP,SI', 'R/opcode 62'],
  ['.byte 0xc4,0xc1,0x78,0x58,0x05,0x10,0x00,0x00,0x00', 'X:IP,SI', 'X:IP,CX', 'no-equiv-2012'],
  ['vmovdqu 0x10(%rip),%ymm0', 'R/opcode byte 6f', 'R/opcode byte 6f'],
  ['vmovdqu64 %zmm1,%zmm2', 'R/opcode byte 6f', 'R/opcode 62'],
  ['vpxor %xmm1,%xmm2,%xmm3', 'R/opcode byte ef', 'R/opcode byte ef'],
  ['vpminsw 0x10(%rip),%xmm0,%xmm2', 'R/opcode byte ea', 'X:AX'],
  ['vzeroupper', 'E:jcc', 'X:IP'],
  ['vpcmpeqb %xmm1,%xmm2,%xmm3', 'E:jcc', 'X:IP'],
  ['vpshufd $0x1b,%xmm1,%xmm2', 'E:jcc', 'X:IP'],
  ['vmovdqa %xmm0,0x10(%rip)', 'E:jcc', 'X:IP,CX'],
  ['vpsubsb %xmm1,%xmm2,%xmm3', 'E:call', 'X:IP,CALL'],
  ['vpsubsw %xmm1,%xmm2,%xmm3', 'E:jmp', 'X:IP'],
  ['vpor %xmm1,%xmm2,%xmm3', 'E:jmp', 'X:IP'],
  ['vcmpeqps %xmm1,%xmm0,%xmm2', 'X:-', 'X:-'],
  ['kmovw %k1,%k0', 'E:nop', 'X:IP'],
  ['kmovq %k1,%k0', 'E:nop', 'X:IP'],
  // system and 0f-escaped opcodes: all pass today
  ['syscall', 'X:IP', 'R/syscall'],
  ['sysenter', 'X:IP', 'R/sysenter'],
  ['ud2', 'X:IP', 'R/ud2'],
  ['rdtscp', 'X:IP', 'R/0f 01'],
  ['xgetbv', 'X:IP', 'R/0f 01'],
  ['lfence', 'X:IP', 'R/0f ae'],
  ['lar %ax,%bx', 'X:IP', 'R/lar'],
  ['wrmsr', 'X:IP', 'R/wrmsr'],
  ['haddpd %xmm1,%xmm2', 'X:IP', 'R/0f 7c'],
  ['mov %eax,%ss', 'R/loads %ss', 'X:IP'],
  ['mov %eax,%ds', 'X:IP', 'X:IP'],
  // always refused
  ['in $0x80,%al', 'R/port I/O', 'R/port I/O'],
  ['in (%dx),%eax', 'R/port I/O', 'R/port I/O'],
  ['out %al,(%dx)', 'R/port I/O', 'R/port I/O'],
  ['outb %al,$0x80', 'R/port I/O', 'R/port I/O'],
  ['insb', 'R/port I/O', 'R/port I/O'],
  ['outsl', 'R/port I/O', 'R/port I/O'],
  ['int $0x80', 'R/int N', 'R/int N'],
  ['int3', 'R/int3 already', 'R/int3 already'],
  ['int1', 'R/int1', 'R/int1'],
  ['hlt', 'R/hlt', 'R/hlt'],
  ['cli', 'R/cli', 'R/cli'],
  ['sti', 'R/sti', 'R/sti'],
  ['iretq', 'R/iret', 'R/iret'],
  ['lock addl $1,(%rax)', 'R/lock prefix', 'R/lock prefix'],
  ['lock cmpxchg %ecx,(%rdx)', 'R/lock prefix', 'R/lock prefix'],
  ['lock incl 0x10(%rip)', 'R/lock prefix', 'R/lock prefix'],
  ['mov %es:(%rax),%eax', 'R/es segment', 'R/es segment'],
  ['mov %cs:(%rax),%eax', 'R/cs segment', 'R/cs segment'],
  ['mov %ss:(%rax),%eax', 'R/ss segment', 'R/ss segment'],
  ['ds mov (%rax),%eax', 'R/ds segment', 'R/ds segment'],
];

const VADDR0 = 0x401000;

interface Assembled { bytes: Uint8Array; len: number; vaddr: number }

/** Assemble every row with `as` (one instruction each, labelled) and cut the .text into instructions;
 *  each gets the 16-byte window the kernel would read at it (the following instructions included). */
function assembleRows(rows: Row[]): Assembled[] {
  const dir = tmpDir('arch-');
  const src = ['.text'];
  rows.forEach(([asm], i) => src.push(`i_${i}:`, `  ${asm}`, '1:'));
  src.push(`i_${rows.length}:`, '  .fill 16,1,0xcc');
  fs.writeFileSync(path.join(dir, 'rows.s'), src.join('\n') + '\n');
  execFileSync('as', ['-o', path.join(dir, 'rows.o'), path.join(dir, 'rows.s')]);
  execFileSync('objcopy', ['-O', 'binary', '-j', '.text', path.join(dir, 'rows.o'), path.join(dir, 'rows.bin')]);
  const bin = fs.readFileSync(path.join(dir, 'rows.bin'));
  const offs: number[] = [];
  for (const line of execFileSync('nm', [path.join(dir, 'rows.o')]).toString().split('\n')) {
    const m = line.match(/^([0-9a-f]+) \w i_(\d+)$/);
    if (m) offs[Number(m[2])] = parseInt(m[1], 16);
  }
  return rows.map((_, i) => ({
    bytes: Uint8Array.from(bin.subarray(offs[i], offs[i] + 16)), len: offs[i + 1] - offs[i], vaddr: VADDR0 + offs[i],
  }));
}

const FLAG_ABBREV: Record<string, string> = {
  UPROBE_FIX_IP: 'IP', UPROBE_FIX_CALL: 'CALL', UPROBE_FIX_SETF: 'SETF', UPROBE_FIX_RIP_SI: 'SI', UPROBE_FIX_RIP_DI: 'DI',
  UPROBE_FIX_RIP_BX: 'BX', UPROBE_FIX_RIP_AX: 'AX', UPROBE_FIX_RIP_CX: 'CX',
};

function decodeAt(bytes: Uint8Array, ip: number): Instruction {
  const d = new Decoder(64, bytes, DecoderOptions.None);
  d.ip = BigInt(ip);
  const ins = d.decode();
  d.free();
  return ins;
}

function gpr(r: Register): number {
  const f = RegisterExt.fullRegister(r);
  return f >= Register.RAX && f <= Register.R15 ? f - Register.RAX : -1;
}

/** The slot copy, executed at `slotAddr` with the scratch register loaded, must be the same operation on
 *  the same operands and address the same memory as the original at `vaddr`. */
function assertSameMemoryAccess(au: ArchUprobe, vaddr: number, slotAddr: number, label: string): void {
  const rr = au.ripRel!;
  const o = decodeAt(au.insn, vaddr), s = decodeAt(au.slotInsn, slotAddr);
  try {
    assert.ok(!s.isInvalid, `${label}: slot copy decodes`);
    assert.equal(s.length, au.slotInsn.length, `${label}: slot copy is one instruction`);
    assert.equal(s.length, au.model === '2012' ? au.len - 4 : au.len, `${label}: slot length`);
    assert.equal(s.code, o.code, `${label}: same operation and operand size`);
    assert.equal(s.mnemonic, o.mnemonic, `${label}: same mnemonic`);
    assert.equal(s.opCount, o.opCount, `${label}: same operand count`);
    assert.equal(s.memorySize, o.memorySize, `${label}: same memory operand size`);
    assert.ok(o.isIpRelMemoryOperand && !s.isIpRelMemoryOperand, `${label}: only the original is ip-relative`);
    for (let n = 0; n < o.opCount; n++) {
      assert.equal(s.opKind(n), o.opKind(n), `${label}: operand ${n} kind`);
      if (o.opKind(n) === OpKind.Register) assert.equal(s.opRegister(n), o.opRegister(n), `${label}: operand ${n} register`);
      if (o.opKind(n) >= OpKind.Immediate8 && o.opKind(n) <= OpKind.Immediate32to64) {
        assert.equal(s.immediate(n), o.immediate(n), `${label}: operand ${n} immediate`);
      }
    }
    assert.equal(gpr(s.memoryBase), rr.scratchReg, `${label}: base is the scratch register`);
    assert.equal(s.memoryIndex, Register.None, `${label}: no index`);
    const bits = RegisterExt.size(s.memoryBase) === 4 ? 32 : 64;
    const ea = BigInt.asUintN(bits, BigInt(rr.scratchValue(vaddr)) + s.memoryDisplacement);
    assert.equal(ea, BigInt.asUintN(bits, o.ipRelMemoryAddress), `${label}: same effective address`);
  } finally {
    o.free(); s.free();
  }
}

function analyze(bytes: Uint8Array, vaddr: number, model: UprobeModel): ArchUprobe | UprobeRefused {
  try { return arch_uprobe_analyze_insn(bytes, vaddr, model); } catch (e) {
    if (e instanceof UprobeRefused) return e;
    throw e;
  }
}

/** Check one row against one model's expectation (throws on a mismatch). */
function checkRow(row: Row, a: Assembled, model: UprobeModel, slotIndex: number): void {
  const spec = model === 'current' ? row[1] : row[2];
  const label = `${model}: ${row[0]}`;
  const r = analyze(a.bytes, a.vaddr, model);
  if (spec.startsWith('R')) {
    assert.ok(r instanceof UprobeRefused, `${label}: expected refusal, got ${r instanceof UprobeRefused ? '' : `${r.fixupNames} ${r.emulate?.kind ?? ''}`}`);
    assert.equal(r.errno, 'ENOTSUPP', `${label}: errno`);
    assert.match(r.reason, /^instruction not supported: \S+ \([0-9a-f ]+\): /, `${label}: reason format`);
    if (spec.startsWith('R/')) assert.ok(r.reason.includes(spec.slice(2)), `${label}: reason "${r.reason}" mentions "${spec.slice(2)}"`);
    return;
  }
  assert.ok(!(r instanceof UprobeRefused), `${label}: unexpectedly refused: ${r instanceof UprobeRefused ? r.reason : ''}`);
  const au = r as ArchUprobe;
  assert.equal(au.len, a.len, `${label}: length`);
  assert.deepEqual([...au.insn], [...a.bytes.subarray(0, a.len)], `${label}: original bytes`);
  assert.ok(au.mnemonic.length > 0, `${label}: disassembly`);
  assert.equal(au.slotImage.length, 16, `${label}: slot image is 16 bytes`);
  if (spec.startsWith('E:')) {
    assert.equal(au.emulate?.kind, spec.slice(2), `${label}: emulated as ${spec.slice(2)}`);
    return;
  }
  assert.equal(au.emulate, undefined, `${label}: not emulated (${au.emulate?.rule})`);
  const want = spec.slice(2) === '-' ? [] : spec.slice(2).split(',');
  assert.deepEqual(au.fixupNames.map((n) => FLAG_ABBREV[n]).sort(), want.sort(), `${label}: fixups`);
  if (au.ripRel) {
    if (row[3] === 'no-equiv-2012' && model === '2012') {
      assert.ok(au.ripRel.conflict, `${label}: the broken 2012 rewrite is flagged`);
      return;
    }
    const slotAddr = XOL_AREA_ADDR + UPROBE_XOL_SLOT_BYTES * (1 + (slotIndex % 31));
    assertSameMemoryAccess(au, a.vaddr, slotAddr, label);
  } else {
    assert.deepEqual([...au.slotInsn], [...au.insn], `${label}: slot copy is the original`);
  }
}

test('instruction table: both models', (t) => {
  if (!need(t, have('as') && have('objcopy') && have('nm'), 'needs binutils (as, objcopy, nm)')) return;
  const asm = assembleRows(ROWS);
  let checked = 0;
  const failures: string[] = [];
  ROWS.forEach((row, i) => {
    for (const model of ['current', '2012'] as const) {
      try { checkRow(row, asm[i], model, i); checked++; } catch (e) { failures.push((e as Error).message); }
    }
  });
  assert.deepEqual(failures, [], `${failures.length} mismatches`);
  assert.equal(checked, ROWS.length * 2);
});

test('every x86_nops form: emulated today, skipped with ip = probe + 1 in 2012', () => {
  for (const nop of X86_NOPS_64) {
    const buf = new Uint8Array(16); buf.set(nop);
    const cur = arch_uprobe_analyze_insn(buf, 0x401000, 'current');
    assert.equal(cur.emulate?.kind, 'nop');
    assert.equal(arch_uprobe_emulate_plan(cur, { vaddr: 0x401000, rflags: 0, rsp: 0, readReg: () => 0 }).newIp, 0x401000 + nop.length);
    const old = arch_uprobe_analyze_insn(buf, 0x401000, '2012');
    assert.equal(old.emulate?.kind, 'nop');
    assert.equal(arch_uprobe_emulate_plan(old, { vaddr: 0x401000, rflags: 0, rsp: 0, readReg: () => 0 }).newIp, 0x401001);
  }
});

test('RIP rewrite bytes: today keeps disp32 with mod=10, 2012 drops it and slides the immediate', () => {
  // c7 05 disp32 imm32: movl $0x11223344,0x10(%rip)
  const b = Uint8Array.from([0xc7, 0x05, 0x10, 0, 0, 0, 0x44, 0x33, 0x22, 0x11, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc]);
  const cur = arch_uprobe_analyze_insn(b, 0x401000, 'current');
  assert.deepEqual([...cur.slotInsn], [0xc7, 0x86, 0x10, 0, 0, 0, 0x44, 0x33, 0x22, 0x11]);
  assert.equal(cur.ripRel!.scratchValue(0x401000), 0x40100a);
  const old = arch_uprobe_analyze_insn(b, 0x401000, '2012');
  assert.deepEqual([...old.slotInsn], [0xc7, 0x01, 0x44, 0x33, 0x22, 0x11]);
  assert.equal(old.ripRel!.scratchValue(0x401000), 0x40100a + 0x10);
  // What the kernel copied: the rewritten instruction, then the stale tail of the buffer.
  assert.deepEqual([...old.slotImage.subarray(6, 10)], [0x44, 0x33, 0x22, 0x11]);
  // REX.B is cleared in the copy (41 8b 05 would otherwise address through r8+).
  const r = Uint8Array.from([0x49, 0x8b, 0x05, 0x10, 0, 0, 0]);
  assert.deepEqual([...arch_uprobe_analyze_insn(r, 0x401000, 'current').slotInsn], [0x48, 0x8b, 0x86, 0x10, 0, 0, 0]);
  assert.deepEqual([...arch_uprobe_analyze_insn(r, 0x401000, '2012').slotInsn], [0x48, 0x8b, 0x01]);
  assert.equal(arch_uprobe_analyze_insn(r, 0x401000, '2012').ripRel!.rexChanged, true);
});

test('scratch register conflicts are reported where the era picked an implicitly used register', () => {
  const mul = Uint8Array.from([0xf7, 0x25, 0x10, 0, 0, 0]); // mull 0x10(%rip): uses rax, rdx
  assert.equal(arch_uprobe_analyze_insn(mul, 0x401000, 'current').ripRel!.conflict, undefined);
  assert.match(arch_uprobe_analyze_insn(mul, 0x401000, '2012').ripRel!.conflict ?? '', /rax/);
});

test('call rel32 today: emulated, and its slot copy is "call .+0"', () => {
  const b = Uint8Array.from([0xe8, 0x10, 0x20, 0, 0]);
  const au = arch_uprobe_analyze_insn(b, 0x401000, 'current');
  assert.deepEqual([...au.slotInsn], [0xe8, 0, 0, 0, 0]);
  assert.equal(au.emulate!.target, 0x401005 + 0x2010);
  const p = arch_uprobe_emulate_plan(au, { vaddr: 0x401000, rflags: 0, rsp: 0x7ffe000, readReg: () => 0 });
  assert.deepEqual(p.push, { addr: 0x7ffe000 - 8, value: 0x401005 });
  assert.equal(p.newIp, 0x401005 + 0x2010);
  // The same analysis used for another mapping of the same file page.
  assert.equal(arch_uprobe_emulate_plan(au, { vaddr: 0x555000, rflags: 0, rsp: 0x7ffe000, readReg: () => 0 }).newIp, 0x555005 + 0x2010);
  // A failed emulation steps the mangled call; post_xol drops its push and restarts at the probe.
  const post = arch_uprobe_post_xol_plan(au, { ip: XOL_AREA_ADDR + 0x85, slotAddr: XOL_AREA_ADDR + 0x80, vaddr: 0x401000, rsp: 0x7ffdff8, readStackRetAddr: () => XOL_AREA_ADDR + 0x85 });
  assert.equal(post.newIp, 0x401000);
  assert.equal(post.newSp, 0x7ffe000);
});

test('jcc emulation follows the kernel condition table', () => {
  const CF = 1, PF = 4, ZF = 0x40, SF = 0x80, OF = 0x800;
  const cases: Array<[number, number, boolean]> = [
    [0x74, ZF, true], [0x74, 0, false], [0x75, 0, true], [0x72, CF, true], [0x73, CF, false], [0x76, ZF, true], [0x77, CF, false],
    [0x77, 0, true], [0x78, SF, true], [0x7a, PF, true], [0x7b, PF, false], [0x7c, SF, true], [0x7c, SF | OF, false],
    [0x7d, SF | OF, true], [0x7e, ZF, true], [0x7e, OF, true], [0x7f, 0, true], [0x7f, SF, false], [0x70, OF, true], [0x71, OF, false],
  ];
  for (const [op, fl, want] of cases) assert.equal(checkJmpCond(op, fl), want, `${op.toString(16)} flags ${fl.toString(16)}`);
  const je = arch_uprobe_analyze_insn(Uint8Array.from([0x0f, 0x84, 0x00, 0x01, 0, 0]), 0x401000, 'current');
  assert.equal(je.emulate!.opc1, 0x74);
  assert.equal(arch_uprobe_emulate_plan(je, { vaddr: 0x401000, rflags: ZF, rsp: 0, readReg: () => 0 }).newIp, 0x401106);
  assert.equal(arch_uprobe_emulate_plan(je, { vaddr: 0x401000, rflags: 0, rsp: 0, readReg: () => 0 }).newIp, 0x401006);
});

test('push emulation pushes the register (r8-r15 through 41 5x)', () => {
  const au = arch_uprobe_analyze_insn(Uint8Array.from([0x41, 0x54]), 0x401000, 'current');
  assert.equal(au.emulate!.reg, 12);
  const p = arch_uprobe_emulate_plan(au, { vaddr: 0x401000, rflags: 0, rsp: 0x1000, readReg: (n) => n * 100 });
  assert.deepEqual(p.push, { addr: 0xff8, value: 1200 });
  assert.equal(p.newIp, 0x401002);
});

/** Step a relative branch out of line the way the CPU would (decode at the slot address), then apply the
 *  post-XOL plan: the result must be what the original does at the probe address. */
function stepRelativeBranch(au: ArchUprobe, vaddr: number, taken: boolean): { ip: number; ret?: number } {
  const slotAddr = XOL_AREA_ADDR + 3 * UPROBE_XOL_SLOT_BYTES;
  const s = decodeAt(au.slotInsn, slotAddr);
  const ipAfter = taken ? Number(s.nearBranchTarget) : Number(s.nextIP);
  const isCall = s.flowControl === FlowControl.Call;
  const pushed = Number(s.nextIP);
  s.free();
  const rsp = 0x7ffff000;
  const plan = arch_uprobe_post_xol_plan(au, { ip: ipAfter, slotAddr, vaddr, rsp, readStackRetAddr: () => pushed });
  return { ip: plan.newIp, ret: isCall ? plan.fixRetAddr?.to : undefined };
}

test('post-XOL: relative branches stepped in the slot land where the original would', () => {
  const vaddr = 0x401234;
  const forms: Array<[number[], UprobeModel[]]> = [
    [[0xe2, 0x10], ['current', '2012']], // loop
    [[0xe3, 0xf0], ['current', '2012']], // jrcxz back
    [[0xeb, 0x20], ['2012']], [[0xe9, 0, 1, 0, 0], ['2012']], [[0x74, 0x05], ['2012']], [[0x0f, 0x8f, 0, 0x10, 0, 0], ['2012']],
    [[0xc7, 0xf8, 0x40, 0, 0, 0], ['current', '2012']], // xbegin: abort target relative to the next insn
  ];
  for (const [bytes, models] of forms) {
    for (const model of models) {
      const au = arch_uprobe_analyze_insn(Uint8Array.from(bytes), vaddr, model);
      const o = decodeAt(au.insn, vaddr);
      const target = Number(o.nearBranchTarget), next = Number(o.nextIP);
      o.free();
      assert.equal(stepRelativeBranch(au, vaddr, true).ip, target, `${model} ${bytes} taken`);
      assert.equal(stepRelativeBranch(au, vaddr, false).ip, next, `${model} ${bytes} not taken`);
    }
  }
  // 2012 call rel32: ip and the pushed return address both corrected by the delta.
  const call = arch_uprobe_analyze_insn(Uint8Array.from([0xe8, 0x00, 0x02, 0, 0]), vaddr, '2012');
  const r = stepRelativeBranch(call, vaddr, true);
  assert.equal(r.ip, vaddr + 5 + 0x200);
  assert.equal(r.ret, vaddr + 5);
});

test('post-XOL: indirect call through rip (today: ret = probe + len; 2012: ret += delta + 4)', () => {
  const b = Uint8Array.from([0xff, 0x15, 0x10, 0, 0, 0]);
  const vaddr = 0x401000, slotAddr = XOL_AREA_ADDR + 0x100, rsp = 0x7ffff000, target = 0x405000;
  const cur = arch_uprobe_analyze_insn(b, vaddr, 'current');
  const pc = arch_uprobe_post_xol_plan(cur, { ip: target, slotAddr, vaddr, rsp, readStackRetAddr: () => slotAddr + 6 });
  assert.deepEqual(pc.fixRetAddr, { addr: rsp, from: slotAddr + 6, to: vaddr + 6 });
  assert.equal(pc.newIp, target);
  assert.equal(pc.restoreScratch, true);
  const old = arch_uprobe_analyze_insn(b, vaddr, '2012');
  assert.equal(old.slotInsn.length, 2);
  const po = arch_uprobe_post_xol_plan(old, { ip: target, slotAddr, vaddr, rsp, readStackRetAddr: () => slotAddr + 2 });
  assert.deepEqual(po.fixRetAddr, { addr: rsp, from: slotAddr + 2, to: vaddr + 6 });
  assert.equal(po.newIp, target);
});

test('post-XOL: plain, rip-relative (2012 shorter copy), ret, rep string, popf', () => {
  const vaddr = 0x401000, slotAddr = XOL_AREA_ADDR + 0x180;
  const stack = () => 0;
  const mov = Uint8Array.from([0x8b, 0x05, 0x10, 0, 0, 0]);
  const cur = arch_uprobe_analyze_insn(mov, vaddr, 'current');
  assert.equal(arch_uprobe_post_xol_plan(cur, { ip: slotAddr + 6, slotAddr, vaddr, rsp: 0, readStackRetAddr: stack }).newIp, vaddr + 6);
  const old = arch_uprobe_analyze_insn(mov, vaddr, '2012');
  const po = arch_uprobe_post_xol_plan(old, { ip: slotAddr + 2, slotAddr, vaddr, rsp: 0, readStackRetAddr: stack });
  assert.equal(po.newIp, vaddr + 6);
  assert.equal(po.restoreScratch, true);
  const ret = arch_uprobe_analyze_insn(Uint8Array.from([0xc3]), vaddr, 'current');
  assert.equal(arch_uprobe_post_xol_plan(ret, { ip: 0x402000, slotAddr, vaddr, rsp: 0, readStackRetAddr: stack }).newIp, 0x402000);
  const rep = arch_uprobe_analyze_insn(Uint8Array.from([0xf3, 0xa4]), vaddr, 'current');
  assert.equal(arch_uprobe_post_xol_plan(rep, { ip: slotAddr, slotAddr, vaddr, rsp: 0, readStackRetAddr: stack }).newIp, vaddr,
    'one iteration done: back on the probe');
  for (const model of ['current', '2012'] as const) {
    const popf = arch_uprobe_analyze_insn(Uint8Array.from([0x9d]), vaddr, model);
    assert.equal(arch_uprobe_post_xol_plan(popf, { ip: slotAddr + 1, slotAddr, vaddr, rsp: 0, readStackRetAddr: stack }).keepTf, true);
  }
  assert.deepEqual(arch_uprobe_abort_xol_plan(cur, vaddr), { newIp: vaddr, restoreScratch: true });
});

test('refusal errors: one-line reason, ENOTSUPP, model recorded', () => {
  try {
    arch_uprobe_analyze_insn(Uint8Array.from([0xec]), 0x401000, 'current');
    assert.fail('in was accepted');
  } catch (e) {
    assert.ok(e instanceof UprobeRefused);
    assert.equal(e.reason, 'instruction not supported: in (ec): opcode ec not allowed: port I/O');
    assert.equal(e.errno, 'ENOTSUPP');
    assert.equal(e.model, 'current');
    assert.ok(!e.reason.includes('\n'));
  }
  const bad = analyze(Uint8Array.from([0x0f, 0xff]), 0x401000, 'current');
  assert.ok(bad instanceof UprobeRefused);
});
