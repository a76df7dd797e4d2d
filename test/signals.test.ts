// Signal delivery differential tests: the same static programs run natively under the real kernel and in
// the emulator. The handlers dump the rt_sigframe (siginfo, ucontext, sigcontext, the FPU image) and the
// registers seen after rt_sigreturn; test/sigdump.ts turns the dumps into comparable listings (stack
// addresses become relations: the native stack is randomised and a kernel with XSAVE saves a bigger
// FPU area). Also: rt_sigreturn failures, alternate-stack overflow, several pending signals delivered at
// once, the C libraries' sigaction paths, and the raiseAt test hook.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildAsm, buildC, runNative, runEmu, exitCode, need, have, ROOT } from './util';
import { decodeDump } from './sigdump';
import { Process } from '../engine/linux/process';
import type { Stdio } from '../engine/linux/files';
import { ElfFile } from '../engine/elf/elf';

const DIR = path.join(ROOT, 'test', 'signals');
const src = (name: string): string => fs.readFileSync(path.join(DIR, name), 'utf8');
const bin = (s: string): Buffer => Buffer.from(s, 'latin1');

let frameExe: string | undefined;
function frame(): string { return (frameExe ??= buildAsm(src('frame.s'), 'frame')); }

test('asm: rt_sigframe layout, siginfo, sigcontext, FPU image and rt_sigreturn restore match the kernel', () => {
  const exe = frame();
  const n = runNative(exe), e = runEmu(exe);
  assert.equal(exitCode(n), 7);
  assert.equal(e.status, 7, e.stderr);
  const nl = decodeDump(bin(n.stdout)), el = decodeDump(bin(e.stdout));
  // kill, 4 page faults, #UD, int3, #GP, a deferred kill, the altstack one, SA_RESETHAND's.
  assert.equal(nl.filter(l => l.startsWith('handler')).length, 11);
  assert.deepEqual(el, nl);
  // A few facts stated outright, so that a shared misreading of the dump cannot hide them.
  assert.ok(el.includes('  rip=0x' + symbol(exe, 'fault_w').toString(16) + ' eflags=0x10246 cs=0x33 gs=0x0 fs=0x0 ss=0x2b'));
  assert.ok(el.some(l => l.startsWith('  err=0x6 trapno=14 ')), 'write to NULL: PF error code USER|WRITE');
  assert.ok(el.some(l => l.startsWith('  err=0x14 trapno=14 ')), 'fetch from an unmapped page: USER|INSTR');
  assert.ok(el.some(l => l.startsWith('  err=0x0 trapno=13 ')), 'non-canonical address: #GP');
  assert.ok(el.some(l => l.includes(' rax=0x77 ')), 'rax comes back from the frame');
});

test('asm: divide error and idiv overflow raise SIGFPE/FPE_INTDIV with the kernel frame', () => {
  const exe = frame();
  const n = runNative(exe, ['div']), e = runEmu(exe, ['div']);
  assert.equal(exitCode(n), 8);
  assert.equal(e.status, 8, e.stderr);
  const el = decodeDump(bin(e.stdout));
  assert.deepEqual(el, decodeDump(bin(n.stdout)));
  assert.equal(el.filter(l => l.includes('siginfo signo=8 errno=0 code=1 ')).length, 2);
});

function symbol(exe: string, name: string): number {
  const d = fs.readFileSync(exe);
  const elf = ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), exe);
  const s = elf.symbols.find(x => x.name === name);
  if (!s) throw new Error(`no symbol ${name}`);
  return s.value;
}

test('asm: rt_sigreturn edge cases and frame failures end as on Linux', () => {
  const exe = buildAsm(src('sigreturn.s'), 'sigreturn');
  for (const mode of ['z', 'm', 'r', 'o', 'b']) {
    const n = runNative(exe, [mode]), e = runEmu(exe, [mode]);
    assert.equal(e.status, exitCode(n), `mode ${mode}: ${e.stderr}`);
    if (mode === 'o') {
      // Nested handlers on the alternate stack until it overflows; the native kernel's frames are bigger
      // (XSAVE), so it gets fewer levels deep.
      assert.match(n.stdout, /^\.{10,}$/);
      assert.match(e.stdout, /^\.{10,}$/);
      assert.ok(e.stdout.length >= n.stdout.length);
    } else {
      assert.equal(e.stdout, n.stdout, `mode ${mode}`);
    }
  }
  assert.equal(runEmu(exe, ['z']).stdout, '\0'.repeat(16), 'no FPU state in the frame: sigreturn resets the FPU');
  assert.equal(runEmu(exe, ['r']).status, 139, 'no SA_RESTORER: SIGSEGV');
});

test('asm: pending signals unblocked together are all delivered before user code runs, RT signals queue', () => {
  const exe = buildAsm(src('order.s'), 'order');
  const n = runNative(exe), e = runEmu(exe);
  assert.equal(e.status, 0, e.stderr);
  assert.deepEqual([...bin(e.stdout)], [...bin(n.stdout)]);
  assert.deepEqual([...bin(e.stdout)], [34, 34, 12, 10, 69]);
});

test('asm: TF set by the program: a SIGTRAP/TRAP_TRACE after each instruction, si_addr the next one', () => {
  const exe = buildAsm(src('step.s'), 'step');
  const n = runNative(exe), e = runEmu(exe);
  assert.equal(e.status, 0, e.stderr);
  const el = decodeDump(bin(e.stdout));
  assert.deepEqual(el, decodeDump(bin(n.stdout)));
  const addrs = el.filter(l => l.includes('siginfo signo=5')).map(l => /addr=(0x\w+)/.exec(l)![1]);
  assert.deepEqual(addrs, ['step2', 'step3', 'step4'].map(s => '0x' + symbol(exe, s).toString(16)));
});

for (const cc of ['gcc', 'musl-gcc']) {
  test(`C (${cc}): sigaction handlers see the kernel's siginfo and ucontext`, (t) => {
    if (!need(t, have(cc), `${cc} not installed`)) return;
    const exe = buildC(src('frame.c'), `frame-${cc}`, { cc, flags: ['-O2', '-static'] });
    const n = runNative(exe), e = runEmu(exe);
    assert.equal(e.status, 0, e.stderr);
    assert.equal(exitCode(n), 0);
    assert.equal(e.stdout, n.stdout);
    assert.match(e.stdout, /sig=0x2[34] signo=0x2[34] errno=0x0 code=0xffffffff pid_is_me=0x1 uid=0x\w+ value=0x1092/);
    assert.match(e.stdout, /rip-fault_site=0x0 r8=0x1111111111111111 /);
  });
}

// ---- the raiseAt test hook ----------------------------------------------------------------------

const RAISE_SRC = `
        .globl _start
        .text
_start:
        mov $13, %eax; mov $10, %edi; lea act(%rip), %rsi; xor %edx, %edx; mov $8, %r10d; syscall
        nop
site1:  nop
        nop
site2:  mov $1, %eax
        mov $60, %eax
        xor %edi, %edi
        syscall
handler:
        mov 48+128(%rsp), %rax          # sigcontext rip
        mov %rax, out(%rip)
        mov $1, %eax; mov $1, %edi; lea out(%rip), %rsi; mov $8, %edx; syscall
        ret
restorer:
        mov $15, %eax
        syscall
        .data
act:    .quad handler, 0x04000004, restorer, 0
out:    .quad 0
`;

function captureStdio(): { stdio: Stdio; out: Buffer[] } {
  const out: Buffer[] = [];
  return {
    out,
    stdio: { read: () => new Uint8Array(0), write: (_fd, d) => { out.push(Buffer.from(d)); }, isatty: () => false },
  };
}

test('Process.raiseAt queues a signal just before the instruction at the address runs', () => {
  const exe = buildAsm(RAISE_SRC, 'raise');
  const site1 = symbol(exe, 'site1'), site2 = symbol(exe, 'site2');
  const { stdio, out } = captureStdio();
  const p = new Process({ program: exe, stdio });
  p.start();
  p.raiseAt(site2, 10);
  p.raiseAt(site1, 10);
  p.raiseAt(site1, 10);
  assert.equal(p.run(100000), true);
  assert.equal(p.exit?.status, 0);
  const rips = Buffer.concat(out);
  // Each call raises once: the second raise at site1 fires when execution is back at site1 after the
  // first handler's sigreturn.
  assert.deepEqual([0, 8, 16].map(o => Number(rips.readBigUInt64LE(o))), [site1, site1, site2]);
  assert.equal(rips.length, 24);
});
