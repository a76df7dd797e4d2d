// The block compiler (engine/cpu/jit): compiled code against the interpreter in lockstep on real
// programs, self-modifying code against the host CPU, faults inside compiled blocks, and the
// differential suites run once more with the compiler off (UL_JIT=0) so that both paths stay right.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildAsm, buildC, runNative, runEmu, need, have, exitCode, ROOT } from './util';
import { lockstep } from './lockstep';
import { writeOutAndExit } from './diffgen/asmio';
import { ElfFile } from '../engine/elf/elf';
import { Process } from '../engine/linux/process';
import { fileIdent } from '../engine/linux/files';
import { Uprobes } from '../engine/uprobes/uprobes';
import { RBX } from '../engine/cpu/regs';

const CORPUS = path.join(ROOT, 'test', 'corpus');
/** rt_sigaction(SIGSEGV, &act, 0, 8): installs the handler that SEGV_ACT describes. */
const INSTALL_SEGV = `  mov $13, %eax
  mov $11, %edi
  lea act(%rip), %rsi
  xor %edx, %edx
  mov $8, %r10d
  syscall
`;
/** The restorer and the sigaction (`act`, SA_RESTORER) of a SIGSEGV handler at label `handler`; ends in .data. */
const SEGV_ACT = `restorer:
  mov $15, %eax
  syscall
  .data
act: .quad handler
  .quad 0x04000000         # SA_RESTORER
  .quad restorer
  .quad 0
`;
/** Write uc_mcontext's gregs r8..rip (136 bytes) of the ucontext in register `uc`, then exit with status 3. */
const dumpRegs = (uc: string) => `  lea 40(${uc}), %rsi
  mov $1, %eax
  mov $1, %edi
  mov $136, %edx
  syscall
  mov $60, %eax
  mov $3, %edi
  syscall
`;
/**
 * A SIGSEGV handler (label `handler`) that writes 24 bytes of the siginfo (signo, errno, code, pad,
 * addr), then uc_mcontext's gregs r8..rip (136 bytes), and exits with status 3.
 */
const DUMP_HANDLER = `handler:
  # siginfo (signo, errno, code, pad, addr), then uc_mcontext's gregs r8..rip
  mov %rdx, %r12
  mov $1, %eax
  mov $1, %edi
  mov $24, %edx
  syscall
${dumpRegs('%r12')}`;
// Deterministic corpus programs (no clocks, no timers): their compiled and interpreted runs must agree
// after every block.
const LOCKSTEP = ['bigint', 'ctype', 'hashtable', 'heap', 'math', 'matrix', 'nullderef', 'divzero', 'printf_float',
  'qsort_ints', 'qsort_strings', 'recursion', 'setjmp', 'sig_longjmp', 'sig_siginfo', 'snprintf_ints', 'strings', 'strtol', 'structs'];

for (const cc of ['gcc', 'musl-gcc']) {
  test(`lockstep: compiled blocks and the interpreter agree after every block (${cc} -O2 -static corpus)`, (t) => {
    if (!need(t, have(cc), `${cc} not installed`)) return;
    let blocks = 0, insns = 0;
    for (const name of LOCKSTEP) {
      const exe = buildC(fs.readFileSync(path.join(CORPUS, `${name}.c`), 'utf8'), `ls-${name}`, { cc, flags: ['-O2', '-static', '-w'] });
      const r = lockstep(exe, [exe], { maxInsns: 400_000 });
      assert.equal(r.mismatch, undefined, `${cc} ${name}: ${r.mismatch}`);
      blocks += r.blocks; insns += r.insns;
    }
    t.diagnostic(`${LOCKSTEP.length} programs, ${blocks} block runs, ${insns} instructions compared`);
    assert.ok(insns > 1_000_000, 'the comparison covered real work');
  });
}

test('lockstep: a dynamically linked distribution tool (ld.so, libc) agrees block by block', (t) => {
  if (!need(t, fs.existsSync('/lib64/ld-linux-x86-64.so.2') && fs.existsSync('/bin/echo'), 'needs the host ld.so and /bin/echo')) return;
  const r = lockstep('/bin/echo', ['/bin/echo', 'compiled', 'and', 'interpreted']);
  assert.equal(r.mismatch, undefined, r.mismatch);
  assert.equal(r.out, 'compiled and interpreted\n');
  assert.equal(r.status, 0);
});

test('lockstep with blocks chained and looping many rounds between comparisons (busybox md5sum)', (t) => {
  if (!need(t, fs.existsSync('/bin/busybox'), 'busybox not installed')) return;
  // 30 block lengths per step: compiled blocks run back to back and loops go round many times before
  // the two runs are compared (this caught a loop through a jcc's fall-through that lost a register).
  const data = path.join(path.dirname(buildAsm('.globl _start\n_start: ret\n', 'dummy')), 'data.bin');
  fs.writeFileSync(data, Buffer.from(Array.from({ length: 50_000 }, (_, k) => (k * 131 + (k >> 7)) & 0xff)));
  const r = lockstep('/bin/busybox', ['md5sum', data], { rounds: 30, maxInsns: 20_000_000 });
  assert.equal(r.mismatch, undefined, r.mismatch);
  const n = runNative('/bin/busybox', ['md5sum', data]);
  assert.equal(r.out, n.stdout);
});

test('a loop back to the block start through a jcc fall-through, with an instruction run out of line in it', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // busybox's bin2hex: the 8-bit shr runs through its interpreter handler in the middle of the block,
  // and the block goes round again when the final je is not taken. Registers written late in one
  // round must reach that handler, and survive the reload after it, in the next.
  const exe = buildAsm(`  .globl _start
_start:
  lea outbuf(%rip), %rdi
  lea src(%rip), %rsi
  mov $16, %edx
  call bin2hex
${writeOutAndExit(32).join('\n')}
bin2hex:
  mov %rdi, %rax
  mov %edx, %edx
  lea hexd(%rip), %r9
  xor %ecx, %ecx
1:
  cmp %rdx, %rcx
  je 2f
  mov (%rsi,%rcx,1), %dil
  mov %edi, %r8d
  and $0xf, %edi
  shr $0x4, %r8b
  mov (%r9,%rdi,1), %dil
  and $0xf, %r8d
  mov (%r9,%r8,1), %r8b
  or $0x20, %edi
  mov %dil, 1(%rax,%rcx,2)
  or $0x20, %r8d
  mov %r8b, (%rax,%rcx,2)
  inc %rcx
  jmp 1b
2:
  add %rcx, %rcx
  add %rcx, %rax
  ret
  .data
hexd: .ascii "0123456789ABCDEF"
src: .byte 0xfb,0x29,0x81,0x3f,0xb3,0xf2,0xbc,0xbe,0x0b,0x10,0x49,0x45,0x37,0x73,0x7b,0x1c
outbuf: .fill 64
`, 'bin2hex');
  const n = runNative(exe), e = runEmu(exe);
  assert.equal(n.stdout, 'fb29813fb3f2bcbe0b10494537737b1c');
  assert.equal(e.stdout, n.stdout);
});

test('a block goes on past conditional jumps: side exits leave with every flag exact, a back edge in the middle loops', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // One block from `top` to the final jnz (block.ts goes on at each fall-through). The jo side exit is
  // taken in some rounds: at `neg` the flags come from two instructions (imul sets CF and OF, SF ZF AF
  // PF stay the add's), and inside the block nothing reads the add's flags (cmp overwrites them), so
  // only the exit needs them. The jb in the middle jumps back to the block's own start.
  const exe = buildAsm(`  .globl _start
_start:
  mov $300000, %ecx
  mov $12345, %r8d
  xor %eax, %eax
  xor %ebx, %ebx
  xor %edx, %edx
  xor %r10, %r10
top:
  imul $1103515245, %r8d, %r8d
  add $12345, %r8d
  mov %r8d, %r11d
  shl $24, %r11
  mov %r8d, %esi
  shr $24, %esi
  add %r8d, %eax
  imul %rsi, %r11
  jo neg
  add $1, %ebx
  cmp $0x20000000, %r8d
  jb top
  sub %r8d, %edx
  dec %ecx
  jnz top
  jmp done
neg:
  pushfq
  pop %r9
  and $0x8d5, %r9
  add %r9, %r10
  rol $7, %r10
  dec %ecx
  jnz top
done:
  mov %eax, outbuf(%rip)
  mov %ebx, outbuf+4(%rip)
  mov %edx, outbuf+8(%rip)
  mov %r10, outbuf+16(%rip)
${writeOutAndExit(24).join('\n')}
  .data
outbuf: .fill 24
`, 'side-exits');
  const n = runNative(exe), e = runEmu(exe, [], undefined, ['-v']);
  assert.equal(n.stdout.length, 24);
  assert.equal(Buffer.from(e.stdout, 'latin1').toString('hex'), Buffer.from(n.stdout, 'latin1').toString('hex'));
  assert.match(e.stderr, /[1-9]\d* blocks compiled/);
  const off = runEmu(exe, [], undefined, [], { UL_JIT: '0' });
  assert.equal(off.stdout, n.stdout);
});

test('indirect calls and jumps in compiled blocks: targets, return addresses, and a bad target faulting on the call', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // A loop calls through a register and jumps through a memory table; on the last round the call
  // target is non-canonical: #GP on the call (rsp unchanged), SIGSEGV with si_addr 0.
  const exe = buildAsm(`  .globl _start
_start:
  xor %r12d, %r12d
  mov $2000, %ebx
1:
  lea inc2(%rip), %rax
  cmp $1, %ebx
  jne 2f
  movabs $0x8000000000000000, %rax
2:
  mov %rsp, %r14
  call *%rax
  mov %ebx, %ecx
  and $1, %ecx
  lea table(%rip), %rdx
  jmp *(%rdx,%rcx,8)
even:
  add $3, %r12
  jmp 3f
odd:
  add $5, %r12
3:
  dec %ebx
  jnz 1b
  mov $60, %eax
  xor %edi, %edi
  syscall
inc2:
  add $2, %r12
  ret
  .data
table: .quad even, odd
`, 'indirect');
  const n = runNative(exe), e = runEmu(exe);
  assert.equal(exitCode(n), 139);
  assert.equal(e.status, 139);
  const callAt = /^\s*([0-9a-f]+):\s+ff d0\s+call/m.exec(spawnSync('objdump', ['-d', exe], { encoding: 'utf8' }).stdout)?.[1];
  assert.ok(callAt, 'found the indirect call');
  assert.match(e.stderr, new RegExp(`guest killed by SIGSEGV at 0x${callAt} \\(address 0x0\\)`));
});

test('guarded transfers: a ret to a rewritten return address, an indirect call whose target changes after a long stable run', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // The block through `call maybe_skip` goes on at the call's return address after maybe_skip's ret;
  // one round in four the callee rewrites that address, and the guard must leave for the real one.
  // The call through the table goes to f for 1024 rounds (long enough for the block to be formed again
  // through f), then to g, then to f again: the guard on the re-formed block must catch the change.
  const exe = buildAsm(`  .globl _start
_start:
  xor %r12d, %r12d
  mov $3000, %ebx
1:
  call maybe_skip
  add $1000, %r12
after:
  add $1, %r12
  lea fns(%rip), %rdx
  mov %ebx, %ecx
  shr $10, %ecx
  and $1, %ecx
  call *(%rdx,%rcx,8)
  dec %ebx
  jnz 1b
  mov %r12, outbuf(%rip)
${writeOutAndExit(8).join('\n')}
maybe_skip:
  test $3, %bl
  jnz 2f
  lea after(%rip), %rax
  mov %rax, (%rsp)
2:
  ret
f:
  add $3, %r12
  ret
g:
  imul $3, %r12, %r12
  ret
  .data
fns: .quad f, g
outbuf: .quad 0
`, 'guards');
  const n = runNative(exe), e = runEmu(exe, [], undefined, ['-v']);
  assert.equal(exitCode(n), 0);
  assert.equal(n.stdout.length, 8);
  assert.equal(Buffer.from(e.stdout, 'latin1').toString('hex'), Buffer.from(n.stdout, 'latin1').toString('hex'));
  assert.match(e.stderr, /exit status 0/);
});

test('an interpreted block leaves where a guarded ret returns to the instruction after itself', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // The block through `call f` goes on at the call's return address after f's ret. On the third round
  // (while the block is still interpreted, before it is hot) f rewrites its return address to the
  // instruction right after its own ret: the block must leave there, not run on.
  const exe = buildAsm(`  .globl _start
_start:
  xor %r12d, %r12d
  mov $200, %ebx
1:
  call f
  add $1000, %r12
  jmp 2f
f:
  cmp $197, %ebx
  jne 3f
  lea after(%rip), %rax
  mov %rax, (%rsp)
3:
  ret
after:
  add $7, %r12
2:
  dec %ebx
  jnz 1b
  mov %r12, outbuf(%rip)
${writeOutAndExit(8).join('\n')}
  .data
outbuf: .quad 0
`, 'ret-after-self');
  // Blocks are compiled after 16 runs here (the tests' default is at once).
  const n = runNative(exe), e = runEmu(exe, [], undefined, [], { UL_JIT_HOT: '16' }), off = runEmu(exe, [], undefined, [], { UL_JIT: '0' });
  assert.equal(Buffer.from(n.stdout, 'latin1').readBigUInt64LE(0), 199n * 1000n + 7n);
  assert.equal(e.stdout, n.stdout);
  assert.equal(off.stdout, n.stdout);
});

test('a long loop run in many scheduler slices is compiled into one set of blocks, not one per slice boundary', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // 8.8 M instructions: nine slices of the scheduler's 10^6. A slice used to end by interpreting its
  // last instructions one at a time, so the next began mid-block and formed (and compiled) blocks at
  // new places: 169 blocks for this loop's ~1,100 instructions. Ending the slice at a block's start
  // keeps one set of about 40.
  const fns = Array.from({ length: 100 }, (_, k) => `f${k}:
  mov %rdi, 8(%rsp)
  mov 8(%rsp), %rax
  add %rax, 16(%rsp)
  mov 16(%rsp), %rdx
  xor %edx, %eax
  mov %eax, 24(%rsp)
  movzbl 25(%rsp), %ecx
  add %rcx, %rdx
  lea ${k}(%rdx), %rdi
  ret`).join('\n');
  const exe = buildAsm(`  .globl _start
_start:
  mov $8000, %r12
  sub $64, %rsp
  xor %edi, %edi
1:
${Array.from({ length: 100 }, (_, k) => `  call f${k}`).join('\n')}
  dec %r12
  jnz 1b
  mov %rdi, outbuf(%rip)
${writeOutAndExit(8).join('\n')}
${fns}
  .data
outbuf: .quad 0
`, 'slices');
  const n = runNative(exe), e = runEmu(exe, [], undefined, ['-v']);
  assert.equal(e.stdout, n.stdout);
  const m = /(\d+) instructions, (\d+) blocks compiled/.exec(e.stderr);
  assert.ok(m, e.stderr);
  assert.ok(Number(m[1]) > 8e6, `instructions: ${m[1]}`);
  assert.ok(Number(m[2]) <= 60, `blocks compiled: ${m[2]}`);
});

test('a compiled 16-byte SSE store that straddles into a read-only page faults whole: its first half is not written', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // Two fresh pages, the second made read-only; a hot loop stores xmm0 (all ones) inside the first page,
  // and on its last round 8 bytes before the boundary. The SIGSEGV handler writes the first page's last
  // 16 bytes: the in-page stores' ones, then zeros where the faulting store must not have written.
  const exe = buildAsm(`  .globl _start
_start:
  mov $9, %eax
  xor %edi, %edi
  mov $8192, %esi
  mov $3, %edx
  mov $0x22, %r10d
  mov $-1, %r8
  xor %r9d, %r9d
  syscall
  mov %rax, %rbx
  lea 4096(%rbx), %rdi
  mov $4096, %esi
  mov $1, %edx
  mov $10, %eax
  syscall
${INSTALL_SEGV}  pcmpeqb %xmm0, %xmm0
  lea 4072(%rbx), %r12
  lea 4088(%rbx), %r13
  mov $300, %ecx
1:
  mov %r12, %rdi
  cmp $1, %ecx
  cmove %r13, %rdi
  movups %xmm0, (%rdi)
  dec %ecx
  jnz 1b
  mov $60, %eax
  xor %edi, %edi
  syscall
handler:
  lea 4080(%rbx), %rsi
  mov $1, %eax
  mov $1, %edi
  mov $16, %edx
  syscall
  mov $60, %eax
  mov $3, %edi
  syscall
${SEGV_ACT}`, 'straddle');
  const n = runNative(exe), e = runEmu(exe);
  assert.equal(exitCode(n), 3);
  assert.equal(e.status, 3, e.stderr);
  const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');
  assert.equal(hex(n.stdout), 'ff'.repeat(8) + '00'.repeat(8));
  assert.equal(hex(e.stdout), hex(n.stdout));
});

test('self-modifying code: a hot loop that rewrites its own immediate runs as on the host CPU', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // ld -N makes the text writable. Each round patches the immediate of an add in the same block; the
  // next round must see the new byte (the compiled block is dropped and rebuilt).
  const exe = buildAsm(`  .globl _start
_start:
  xor %r12d, %r12d
  mov $3000, %ecx
1:
  add $1, %r12
patch:
  add $5, %r12
  incb patch+3(%rip)
  dec %ecx
  jnz 1b
  mov %r12, buf(%rip)
  mov $1, %eax
  mov $1, %edi
  lea buf(%rip), %rsi
  mov $8, %edx
  syscall
  mov $60, %eax
  mov %r12d, %edi
  and $127, %edi
  syscall
  .data
buf: .quad 0
`, 'smc', { ldArgs: ['-N'] });
  const n = runNative(exe);
  const e = runEmu(exe, [], undefined, ['-v']);
  assert.equal(e.stdout, n.stdout);
  assert.equal(e.status, exitCode(n));
  assert.match(e.stderr, /blocks compiled/);
});

test('a fault in the middle of a compiled block: earlier instructions done, rip and registers exact', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // A loop runs compiled; on its last round a store goes through a null pointer. The SIGSEGV handler
  // writes the interrupted context's registers (from the signal frame) to stdout.
  const exe = buildAsm(`  .globl _start
_start:
${INSTALL_SEGV}  xor %r10d, %r10d
  mov $5000, %ecx
  mov $7, %r8
  lea cell(%rip), %r9
1:
  add $3, %r8
  mov %r8, (%r9)
  cmp $2, %ecx
  cmove %r10, %r9          # r10 = 0: the last round stores through null
  rol $5, %r8
  dec %ecx
  jnz 1b
  mov $60, %eax
  xor %edi, %edi
  syscall
handler:
  # rdx = ucontext; uc_mcontext gregs start at offset 40: r8 r9 r10 r11 r12 r13 r14 r15 rdi rsi rbp rbx rdx rax rcx rsp rip
${dumpRegs('%rdx')}${SEGV_ACT}cell: .quad 0
`, 'fault-in-block');
  const n = runNative(exe);
  const e = runEmu(exe);
  assert.equal(exitCode(n), 3);
  assert.equal(e.status, 3);
  assert.equal(e.stdout.length, 136);
  // rsp (gregs[15]) is left out: the native stack is randomised.
  const regs = (s: string) => { const b = Buffer.from(s, 'latin1'); b.fill(0, 15 * 8, 16 * 8); return b.toString('hex'); };
  assert.equal(regs(e.stdout), regs(n.stdout), 'r8..rip in the signal frame');
});

test('compiled loads and stores through addresses outside user space fault, or wrap, as on the host CPU', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // The compiled code tests an address's range only on its slow path (jit/gen.ts addr): a loop runs
  // compiled through a good base and index, and on one round takes the case's operands. Either the
  // access faults (the handler writes the siginfo and the interrupted registers) or, where the sum
  // wraps past 2^64 into user space, it goes on and the program writes its result.
  const cases: [string, string, string, number][] = [
    // [name, base, index, displacement]
    ['index*8 wraps to 0: the access lands on the good cell', 'lea cell-8(%rip), %r15', 'movabs $0x2000000000000000, %rbp', 8],
    ['base+disp wraps to address 8 (unmapped)', 'movabs $0xfffffffffffff000, %r15', 'xor %ebp, %ebp', 0x1008],
    ['non-canonical (#GP, si_addr 0)', 'movabs $0x0000800000000000, %r15', 'xor %ebp, %ebp', 8],
    ['kernel half', 'movabs $0xffff888000000000, %r15', 'xor %ebp, %ebp', 8],
    ['sum past 2^53, non-canonical', 'movabs $0x00007fffffffff00, %r15', 'movabs $0x0000100000000000, %rbp', 8],
  ];
  for (const [name, base, index, disp] of cases) {
    for (const op of [`add ${disp}(%rbx,%rcx,8), %r8`, `mov %r8, ${disp}(%rbx,%rcx,8)`, `movzbl ${disp}(%rbx,%rcx,8), %r9d`]) {
      const exe = buildAsm(`  .globl _start
_start:
${INSTALL_SEGV}  mov $3000, %r12d
  lea cell-${disp}(%rip), %r13
  xor %r14d, %r14d
  ${base}
  ${index}
  mov $5, %r8
1:
  mov %r13, %rbx
  mov %r14, %rcx
  cmp $2, %r12d
  cmove %r15, %rbx
  cmove %rbp, %rcx
  add $1, %r8
  ${op}
  rol $3, %r8
  dec %r12d
  jnz 1b
  mov %r8, cell(%rip)
  mov $1, %eax
  mov $1, %edi
  lea cell(%rip), %rsi
  mov $8, %edx
  syscall
  mov $60, %eax
  xor %edi, %edi
  syscall
${DUMP_HANDLER}${SEGV_ACT}cell: .quad 0x1122334455667788
`, 'outside');
      const n = runNative(exe), e = runEmu(exe, [], undefined, ['-v']), off = runEmu(exe, [], undefined, [], { UL_JIT: '0' });
      const what = `${name}: ${op}`;
      // rsp (gregs[15]) is left out: the native stack is randomised.
      const out = (s: string) => { const b = Buffer.from(s, 'latin1'); if (b.length === 160) b.fill(0, 24 + 15 * 8, 24 + 16 * 8); return b.toString('hex'); };
      assert.equal(e.status, exitCode(n), what);
      assert.equal(out(e.stdout), out(n.stdout), what);
      assert.equal(out(off.stdout), out(n.stdout), `${what} (interpreter)`);
      assert.match(e.stderr, /[1-9]\d* blocks compiled/, what);
    }
  }
});

test('accesses that share a base register reach neighbouring pages, straddle them and fault as on the host CPU', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // A block looks up the page of a base register's first access once and reaches its later accesses
  // through the register's anchor (jit/gen.ts): accesses below, across and past that page, a stack
  // pushed across a page boundary (and moved by sub, add and lea, which keep the anchor), a string
  // store run out of line between two anchored accesses, and,
  // after thousands of compiled rounds, a store into a page mprotect made read-only.
  const exe = buildAsm(`  .globl _start
_start:
${INSTALL_SEGV}  mov $9, %eax
  xor %edi, %edi
  mov $12288, %esi
  mov $3, %edx
  mov $0x22, %r10d
  mov $-1, %r8
  xor %r9d, %r9d
  syscall
  mov %rax, %r13
  xor %r14d, %r14d
  lea 8176(%r13), %rbx
  mov $3000, %r12d
  movabs $0x0123456789abcdef, %r8
1:
  mov %r8, (%rbx)
  mov %r8, 12(%rbx)
  add $0x1111, %r8
  mov %r8, 24(%rbx)
  mov %r8d, -4000(%rbx)
  movw %r8w, -4090(%rbx)
  movb %r8b, 4000(%rbx)
  add (%rbx), %r8
  add 12(%rbx), %r8
  xor 24(%rbx), %r8
  movslq -4000(%rbx), %r9
  add %r9, %r8
  movzwl -4090(%rbx), %r9d
  add %r9, %r8
  movzbl 4000(%rbx), %r9d
  add %r9, %r8
  # the same bytes read back through base and index (no anchor): each store landed where it should
  add 8176(%r13,%r14), %r8
  xor 8188(%r13,%r14), %r8
  add 8200(%r13,%r14), %r8
  movslq 4176(%r13,%r14), %r9
  xor %r9, %r8
  movzwl 4086(%r13,%r14), %r9d
  add %r9, %r8
  movzbl 12176(%r13,%r14), %r9d
  xor %r9, %r8
  lea -16(%rbx), %rdi
  mov %r8, %rax
  mov $5, %ecx
  rep stosb
  add -16(%rbx), %r8
  mov %rsp, %r15
  lea 4112(%r13), %rsp
  push %r8
  sub $24, %rsp
  mov %r8, 16(%rsp)
  lea 8(%rsp), %rsi
  mov %r12, 16(%rsi)
  add 8(%rsp), %r8
  add $24, %rsp
  push %rbx
  push %r12
  call 2f
  pop %r9
  add %r9, %r8
  pop %r9
  pop %r9
  xor %r9, %r8
  mov %r15, %rsp
  rol $7, %r8
  cmp $5, %r12d
  jne 3f
  mov $10, %eax
  lea 4096(%r13), %rdi
  mov $4096, %esi
  mov $1, %edx
  syscall
3:
  dec %r12d
  jnz 1b
  mov $60, %eax
  mov $4, %edi
  syscall
2:
  add 8(%rsp), %r8
  push %r8
  pop %r10
  add %r10, %r8
  ret
${DUMP_HANDLER}${SEGV_ACT.replace('0x04000000', '0x04000004')}`, 'anchored');
  const n = runNative(exe), e = runEmu(exe, [], undefined, ['-v']), off = runEmu(exe, [], undefined, [], { UL_JIT: '0' });
  // si_addr and the registers hold mmap's address, which differs between runs: compare them relative
  // to r13 (the mapping), and leave out rsp and r15 (the randomised stack). The handler has SA_SIGINFO:
  // the siginfo says SIGSEGV, SEGV_ACCERR, at the first store into the read-only page.
  const norm = (s: string) => {
    const b = Buffer.from(s, 'latin1');
    assert.equal(b.length, 160, 'the handler wrote siginfo and the registers');
    const r13 = b.readBigUInt64LE(24 + 5 * 8);
    const rel = (o: number) => { const v = b.readBigUInt64LE(o); if (v >= r13 && v < r13 + 0x10000n) b.writeBigUInt64LE(v - r13, o); };
    rel(16);
    for (let k = 0; k < 17; k++) rel(24 + k * 8);
    b.fill(0, 24 + 15 * 8, 24 + 16 * 8);
    b.fill(0, 24 + 7 * 8, 24 + 8 * 8);
    return b.toString('hex');
  };
  assert.equal(exitCode(n), 3, 'natively the store into the read-only page faults');
  const info = Buffer.from(n.stdout, 'latin1');
  assert.deepEqual([info.readInt32LE(0), info.readInt32LE(8)], [11, 2], 'native: SIGSEGV, SEGV_ACCERR');
  assert.equal(info.readBigUInt64LE(16) - info.readBigUInt64LE(24 + 5 * 8), 8176n, 'native: at the first store, (%rbx)');
  assert.equal(e.status, 3);
  assert.equal(norm(e.stdout), norm(n.stdout));
  assert.equal(norm(off.stdout), norm(n.stdout), 'interpreter');
  assert.match(e.stderr, /[1-9]\d* blocks compiled/);
});

test('a loop calling a small probed function takes it in up to the breakpoint, though another block called it first', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // The entry block calls `site` first, so a later caller would end its block at the call (formBlock's
  // intoCall) unless the function counts as a small leaf. A breakpoint ends the block anyway: the loop's
  // block goes on through the call to the int3, and each hit costs no more block runs than that.
  const exe = buildAsm(`  .globl _start
_start:
  call site
  mov $1000, %r12
  .globl loop
loop:
  call site
  dec %r12
  jnz loop
  mov %ebx, %edi
  mov $60, %eax
  syscall
  .globl site
site:
  nop
  add $1, %rbx
  ret
`, 'probedleaf');
  const d = fs.readFileSync(exe);
  const elf = ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), exe);
  const sym = (n: string): number => elf.symbols.find(x => x.name === n)!.value;
  const p = new Process({ program: exe, stdio: { read: () => new Uint8Array(0), write: () => {}, isatty: () => false } });
  const u = new Uprobes({ model: 'current' });
  u.attach(p);
  let hits = 0;
  u.register(exe, fileIdent(exe), elf.vaddrToFileOffset(sym('site'))!, { name: 'c', handler: () => { hits++; return 0; } });
  p.start();
  assert.equal(p.run(), true);
  assert.equal(hits, 1001);
  assert.equal(p.cpu.get(RBX), 1001);
  assert.equal(p.exit?.status, 1001 & 0xff);
  assert.ok(p.cpu.blockLength(sym('loop')) > 1, `the loop's block is ${p.cpu.blockLength(sym('loop'))} instruction(s): it ends at the call`);
});

test('the compiled path is taken: an ALU loop reports its block compiled, and the interpreter gives the same result', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  const exe = buildAsm(`  .globl _start
_start:
  mov $200000, %rcx
  mov $1, %rax
  mov $3, %rbx
1:
  add %rbx, %rax
  xor %rax, %rbx
  rol $3, %rax
  dec %rcx
  jnz 1b
  mov %eax, %edi
  and $127, %edi
  mov $60, %eax
  syscall
`, 'alu');
  const n = runNative(exe);
  const on = runEmu(exe, [], undefined, ['-v']);
  const off = runEmu(exe, [], undefined, ['-v'], { UL_JIT: '0' });
  assert.equal(on.status, exitCode(n));
  assert.equal(off.status, exitCode(n));
  assert.match(on.stderr, /1000007 instructions/);
  assert.match(off.stderr, /1000007 instructions/);
  const compiled = Number(/(\d+) blocks compiled/.exec(on.stderr)?.[1]);
  assert.ok(compiled >= 1, on.stderr);
  assert.match(off.stderr, /0 blocks compiled/);
});

test('the differential suites pass with the block compiler off (UL_JIT=0)', (t) => {
  if (!need(t, have('as') && have('ld') && have('gcc'), 'binutils and gcc not installed')) return;
  const files = ['diff-int', 'diff-sse', 'diff-x87', 'signals', 'uprobes-model'].map(f => path.join(ROOT, 'out', 'test', `${f}.test.js`));
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
    env: { ...withoutTestContext(process.env), UL_JIT: '0' }, encoding: 'utf8', maxBuffer: 1 << 26, timeout: 600_000,
  });
  const summary = /# pass (\d+)[\s\S]*# fail (\d+)/.exec(r.stdout);
  assert.ok(summary, r.stdout.slice(-2000) + r.stderr.slice(-2000));
  t.diagnostic(`with UL_JIT=0: ${summary![1]} passed, ${summary![2]} failed`);
  assert.equal(Number(summary![2]), 0, r.stdout.split('\n').filter(l => /^not ok|error:/.test(l.trim())).join('\n'));
  assert.equal(r.status, 0);
});

/** The environment without the test runner's marker (a nested `node --test` would refuse to run). */
function withoutTestContext(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const e = { ...env };
  delete e.NODE_TEST_CONTEXT;
  return e;
}
