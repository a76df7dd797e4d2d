// The command line's contract: a usage line and exit status 2 for bad arguments; a one-line error and
// a non-zero status (never a JavaScript stack) for programs it cannot run; --max-insns; and the guest's
// exit status, stdout, stdin and arguments passing straight through (compared with a native run).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildAsm, buildC, runNative, runEmu, need, have, exitCode, tmpDir, CLI } from './util';
import { ElfFile } from '../engine/elf/elf';

interface Out { status: number | null; stdout: string; stderr: string }

function cli(args: string[], input?: string | { [k: string]: string }): Out {
  const env = typeof input === 'object' ? input : {};
  if (typeof input === 'object') input = undefined;
  const r = spawnSync(process.execPath, [CLI, ...args], { input, env, timeout: 60000 });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function built(t: import('node:test').TestContext): boolean {
  return need(t, fs.existsSync(CLI), 'dist/cli.js not built (node scripts/build.mjs)');
}

/** A clean refusal: exactly one line on stderr, naming the problem, no stack trace, non-zero exit. */
function assertOneLineError(r: Out, pattern: RegExp, what: string): void {
  assert.notEqual(r.status, 0, `${what}: exit status`);
  assert.equal(r.stdout, '', `${what}: nothing on stdout`);
  const lines = r.stderr.split('\n').filter(l => l !== '');
  assert.equal(lines.length, 1, `${what}: one line expected, got:\n${r.stderr}`);
  assert.match(lines[0], pattern, what);
  assert.doesNotMatch(r.stderr, /\bat .*\(.*:\d+:\d+\)|Error:|internal error/, `${what}: no JavaScript error or stack`);
}

const USAGE_LINE = /^usage: uprobe-lab run .*-- PROGRAM \[ARGS\.\.\.\]$/;

for (const [args, reason] of [
  [[], /missing command/],
  [['frobnicate'], /unknown command 'frobnicate'/],
  [['run'], /missing PROGRAM/],
  [['run', '--'], /missing PROGRAM/],
  [['run', '--no-such-option', '--', '/bin/true'], /unknown option '--no-such-option'/],
  [['run', '--max-insns'], /--max-insns needs a value/],
  [['run', '--max-insns', 'lots', '--', '/bin/true'], /--max-insns needs a positive integer/],
  [['run', '--max-insns', '0', '--', '/bin/true'], /--max-insns needs a positive integer/],
] as [string[], RegExp][]) {
  test(`bad arguments (${args.join(' ') || 'none'}): message, usage line, exit 2`, (t) => {
    if (!built(t)) return;
    const r = cli(args);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n').filter(l => l !== '');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0], /^uprobe-lab: /);
    assert.match(lines[0], reason);
    assert.match(lines[1], USAGE_LINE);
  });
}

test('programs that cannot run: one clean line each, non-zero exit, no stack trace', (t) => {
  if (!built(t) || !need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  const dir = tmpDir('cli-');
  const good = buildAsm('  .globl _start\n_start:\n  mov $60, %eax\n  mov $3, %edi\n  syscall\n', 'good');
  const bytes = fs.readFileSync(good);
  const file = (name: string, data: Uint8Array | string): string => { const p = path.join(dir, name); fs.writeFileSync(p, data); return p; };
  const cases: [string, string, RegExp][] = [
    ['missing file', path.join(dir, 'does-not-exist'), /does-not-exist: no such file/],
    ['a directory', dir, /is a directory/],
    ['a text file', file('notes.txt', 'just some text\n'), /not an ELF file/],
    ['an empty file', file('empty', ''), /not an ELF file/],
    ['a bare ELF magic', file('magic', '\x7fELF'), /truncated ELF header/],
    ['a truncated ELF (headers only)', file('trunc-head', bytes.subarray(0, 100)), /program headers lie outside the file/],
    ['a truncated ELF (segment cut)', file('trunc-seg', bytes.subarray(0, 0x1002)), /segment \d+ lies outside the file/],
    ['a big-endian ELF', file('be', Uint8Array.from(bytes, (b, k) => k === 5 ? 2 : b)), /big-endian/],
    ['a non-x86_64 machine', file('arm', Uint8Array.from(bytes, (b, k) => k === 18 ? 183 : k === 19 ? 0 : b)), /machine 183 is not x86_64/],
    ['a relocatable object', file('obj', Uint8Array.from(bytes, (b, k) => k === 16 ? 1 : b)), /not an executable/],
  ];
  if (have('gcc')) {
    // 32-bit: assembled and linked as i386
    const s = path.join(dir, 'i386.s'), o = path.join(dir, 'i386.o'), exe32 = path.join(dir, 'i386');
    fs.writeFileSync(s, '  .globl _start\n_start:\n  mov $1, %eax\n  int $0x80\n');
    spawnSync('as', ['--32', '-o', o, s]);
    const ld = spawnSync('ld', ['-m', 'elf_i386', '-o', exe32, o]);
    if (ld.status === 0) cases.push(['a 32-bit ELF', exe32, /32-bit ELF.*not supported/]);
    // Dynamically linked programs run (test/dynamic.test.ts); one whose interpreter is missing cannot.
    const dyn = buildC('int main(void) { return 0; }\n', 'dyn', { flags: ['-O2', '-Wl,--dynamic-linker=/nonexistent/ld.so'] });
    cases.push(['a missing program interpreter', dyn, /cannot load the program interpreter \/nonexistent\/ld\.so/]);
  }
  for (const [what, prog, pattern] of cases) {
    const r = cli(['run', '--', prog]);
    assertOneLineError(r, new RegExp(`^uprobe-lab: .*${pattern.source}`), what);
    assert.equal(r.status, 1, `${what}: exit status 1`);
  }
  // the same good binary runs (the refusals above are about the damage, not the program)
  assert.equal(cli(['run', '--', good]).status, 3);
});

test('--max-insns stops an endless loop with a clear message (exit 124)', (t) => {
  if (!built(t) || !need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  const exe = buildAsm('  .globl _start\n_start:\n  xor %eax, %eax\nspin:\n  inc %rax\n  jmp spin\n', 'spin');
  const r = cli(['run', '--max-insns', '5000', '--', exe]);
  assert.equal(r.status, 124);
  assert.equal(r.stdout, '');
  assert.match(r.stderr.trim(), /^uprobe-lab: stopped after 5000 instructions \(--max-insns\) at 0x40100[0-9a-f]$/);
  // A compiled block that loops through a jcc in its middle (3 instructions a round) or through its
  // final jmp (4): it stops exactly after n instructions whichever way the last rounds go, at the rip
  // that stepping the program by hand gives (xor 401000, inc 401002, test 401005, jne 401007, jmp 401009).
  const mid = buildAsm('  .globl _start\n_start:\n  xor %eax, %eax\nspin:\n  inc %rax\n  test $1, %al\n  jne spin\n  jmp spin\n', 'spin-mid');
  const ripAfter = (n: number): number => {
    let ip = 0x401000, rax = 0;
    for (let k = 0; k < n; k++) {
      if (ip === 0x401000) { rax = 0; ip = 0x401002; } else if (ip === 0x401002) { rax++; ip = 0x401005; } else if (ip === 0x401005) ip = 0x401007;
      else if (ip === 0x401007) ip = rax & 1 ? 0x401002 : 0x401009; else ip = 0x401002;
    }
    return ip;
  };
  // Also across the scheduler's slices of 10^6 instructions (a slice may end early, at a block's start).
  for (const n of [...Array.from({ length: 14 }, (_, k) => 5000 + k), 2000003, 3000001]) {
    const m = cli(['run', '--max-insns', String(n), '--', mid], { UL_JIT_HOT: '1' });
    assert.equal(m.status, 124);
    assert.equal(m.stderr.trim(), `uprobe-lab: stopped after ${n} instructions (--max-insns) at 0x${ripAfter(n).toString(16)}`);
  }
});

test('-v reports the instructions run and the CPU time of the main thread and of the whole process', (t) => {
  if (!built(t) || !need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // 3 * 10^8 + 4 instructions: the mov, 10^8 rounds of add/dec/jnz, and the exit's three.
  const exe = buildAsm('  .globl _start\n_start:\n  mov $100000000, %ecx\nspin:\n  add $1, %rax\n  dec %ecx\n  jnz spin\n' +
    '  mov $60, %eax\n  xor %edi, %edi\n  syscall\n', 'cpu-spin');
  const t0 = process.hrtime.bigint();
  const r = cli(['run', '-v', '--', exe]);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  assert.equal(r.status, 0);
  const m = /^uprobe-lab: (\d+) instructions, \d+ blocks compiled, exit status 0; CPU ([\d.]+) s on the main thread, ([\d.]+) s in all$/.exec(r.stderr.trim());
  assert.ok(m, r.stderr);
  assert.equal(Number(m[1]), 300000004);
  const main = Number(m[2]), all = Number(m[3]);
  // Seconds, not milliseconds: 3 * 10^8 instructions take more than 0.1 s of the thread that runs them
  // (that would be 3 billion a second), and no thread runs longer than the run itself; the process's
  // threads together take no more than the run's time on every core.
  assert.ok(main > 0.1 && main <= wall, `main thread ${main} s in a run of ${wall} s`);
  assert.ok(all >= main && all <= wall * os.availableParallelism(), `process ${all} s, main thread ${main} s, run ${wall} s`);
});

test('the guest exit status, stdout, stdin and arguments pass through as natively', (t) => {
  if (!built(t) || !need(t, have('as') && have('ld'), 'binutils (as, ld) not installed')) return;
  // Upper-cases stdin to stdout, then writes its arguments one per line, and exits with argc + 40.
  const exe = buildAsm(`  .globl _start
_start:
  mov (%rsp), %r12
  lea 8(%rsp), %r13
1:
  xor %eax, %eax
  xor %edi, %edi
  lea buf(%rip), %rsi
  mov $64, %edx
  syscall
  test %rax, %rax
  jle 3f
  mov %rax, %rdx
  lea buf(%rip), %rsi
  xor %ecx, %ecx
2:
  movzbl (%rsi,%rcx), %eax
  lea -'a'(%rax), %r8d
  cmp $25, %r8d
  ja 4f
  sub $32, %eax
  mov %al, (%rsi,%rcx)
4:
  inc %rcx
  cmp %rdx, %rcx
  jb 2b
  mov $1, %eax
  mov $1, %edi
  syscall
  jmp 1b
3:
  mov (%r13), %rsi
  test %rsi, %rsi
  jz 6f
  xor %edx, %edx
5:
  cmpb $0, (%rsi,%rdx)
  je 7f
  inc %rdx
  jmp 5b
7:
  movb $10, (%rsi,%rdx)
  inc %rdx
  mov $1, %eax
  mov $1, %edi
  syscall
  add $8, %r13
  jmp 3b
6:
  lea 40(%r12), %rdi
  mov $60, %eax
  syscall
  .bss
buf: .skip 64
`, 'echo-up');
  const input = 'hello, emulator!\n'.repeat(20) + 'last line without newline';
  const args = ['one', 'two words', ''];
  const n = runNative(exe, args, input);
  const e = runEmu(exe, args, input);
  assert.equal(exitCode(n), 44);
  assert.equal(exitCode(e), 44);
  assert.equal(e.stdout, n.stdout);
  assert.ok(n.stdout.startsWith('HELLO, EMULATOR!\n'), n.stdout);
  assert.equal(e.stderr, '');
});

test('a libc program: stdout through stdio buffering, stdin, exit status (glibc and musl)', (t) => {
  if (!built(t) || !need(t, have('gcc'), 'gcc not installed')) return;
  const src = `#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  char line[256]; long sum = 0; int n = 0;
  while (fgets(line, sizeof line, stdin)) { sum += strtol(line, NULL, 10); n++; }
  printf("%d lines, sum %ld, argv[1]=%s\\n", n, sum, argc > 1 ? argv[1] : "-");
  return (int)(sum % 256);
}
`;
  const input = Array.from({ length: 50 }, (_, k) => String(k * 37 - 400)).join('\n') + '\n';
  const compilers: [string, string][] = [['gcc', 'glibc']];
  if (have('musl-gcc')) compilers.push(['musl-gcc', 'musl']);
  for (const [cc, libc] of compilers) {
    const exe = buildC(src, `sum-${libc}`, { cc, flags: ['-O2', '-static'] });
    const n = runNative(exe, ['arg'], input), e = runEmu(exe, ['arg'], input);
    assert.equal(e.stdout, n.stdout, libc);
    assert.equal(exitCode(e), exitCode(n), libc);
    assert.equal(e.stderr, '', libc);
  }
});

test('static-PIE (ET_DYN without an interpreter) runs as natively, loaded where Linux puts it', () => {
  const src = `#include <stdio.h>
int main(int argc, char **argv) { printf("pie %d %s %d\\n", argc, argv[1], (int)((unsigned long)&main >> 40)); return 5; }`;
  const exe = buildC(src, 'pie', { flags: ['-O2', '-static-pie'] });
  const n = runNative('setarch', ['-R', exe, 'x']);
  const e = runEmu(exe, ['x']);
  assert.equal(e.stdout, n.stdout, 'same output, including the load address bits (0x5555... with ASLR off)');
  assert.equal(e.status, 5);
  assert.equal(n.status, 5);
});

test('comm is the program basename cut to 15 characters, pid is stable within a run', () => {
  const exe = buildAsm(`.globl _start
_start:
  mov $16, %edi          # PR_GET_NAME
  lea buf(%rip), %rsi
  mov $157, %eax
  syscall
  mov $1, %edi
  lea buf(%rip), %rsi
  mov $16, %edx
  mov $1, %eax
  syscall
  mov $60, %eax
  xor %edi, %edi
  syscall
.bss
buf: .zero 16
`, 'a-very-long-program-name');
  const n = runNative(exe), e = runEmu(exe);
  assert.equal(e.stdout, n.stdout);
  assert.equal(e.stdout.replace(/\0+$/, ''), 'a-very-long-pro');
});

test('--allow-write: a symlink inside the granted directory cannot lead the guest out of it', () => {
  const src = `#include <stdio.h>
#include <errno.h>
#include <string.h>
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "w");
    printf("%s: %s\\n", argv[i], f ? "written" : strerror(errno));
    if (f) { fputs("x", f); fclose(f); }
  }
  return 0;
}`;
  const exe = buildC(src, 'writer');
  const granted = tmpDir('grant-'), outside = tmpDir('outside-');
  fs.symlinkSync(outside, path.join(granted, 'link'));
  const inside = path.join(granted, 'ok.txt'), escape = path.join(granted, 'link', 'escaped.txt');
  const r = runEmu(exe, [inside, escape], undefined, ['--allow-write', granted]);
  assert.equal(r.stdout, `${inside}: written\n${escape}: Permission denied\n`);
  assert.equal(fs.existsSync(path.join(outside, 'escaped.txt')), false, 'nothing created outside the grant');
  assert.equal(fs.readFileSync(inside, 'utf8'), 'x');
});

/** A program writing 'guest N' to stderr after each of `n` calls to a function `site`. */
function interleaved(n: number): string {
  return buildAsm(`.globl _start
_start:
  mov $${n}, %r12
1:
  call site
  mov $1, %eax
  mov $2, %edi
  lea msg(%rip), %rsi
  mov $8, %edx
  mov %r12, %rcx
  and $7, %ecx
  add $48, %ecx
  mov %cl, 6(%rsi)
  syscall
  dec %r12
  jnz 1b
  mov $60, %eax
  xor %edi, %edi
  syscall
.globl site
site:
  nop
  ret
.data
msg: .ascii "guest ?\\n"
`, `interleaved${n}`);
}

/** The file offset of the function `site` in exe, as a probe definition wants it. */
function siteOffset(exe: string): string {
  const d = fs.readFileSync(exe);
  const elf = ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), exe);
  return '0x' + elf.vaddrToFileOffset(elf.symbols.find(s => s.name === 'site')!.value)!.toString(16);
}

test('trace lines and the guest\'s own writes to the same stream keep their order, with the printer thread or without', (t) => {
  if (!built(t)) return;
  const exe = interleaved(3000);
  const probe = `p:site ${exe}:${siteOffset(exe)} %r12`;
  const strip = (s: string) => s.split('\n').map(l => l.replace(/ \d+\.\d{6}: /, ' T: '));
  const runs = ['0', '1'].map(v => cli(['run', '--probe', probe, '--', exe], { UL_TRACE_THREAD: v }));
  for (const r of runs) assert.equal(r.status, 0, r.stderr);
  const [here, thread] = runs.map(r => strip(r.stderr));
  assert.deepEqual(thread, here);
  // Each hit's line comes before the write that follows it.
  assert.equal(here.length, 6001);
  for (let k = 0; k < 3000; k++) {
    assert.match(here[2 * k], new RegExp(`site: \\(0x[0-9a-f]+\\) arg1=0x${(3000 - k).toString(16)}$`));
    assert.equal(here[2 * k + 1], `guest ${(3000 - k) & 7}`);
  }
});

test('a trace that cannot be written stops the run with one line, with the printer thread or without', (t) => {
  if (!built(t)) return;
  if (!need(t, fs.existsSync('/dev/full'), 'needs /dev/full')) return;
  const exe = interleaved(20_000);
  const probe = `p:site ${exe}:${siteOffset(exe)} %r12`;
  for (const v of ['0', '1']) {
    const w = spawnSync(process.execPath, [CLI, 'run', '--trace', '/dev/full', '--probe', probe, '--', exe], { env: { UL_TRACE_THREAD: v }, timeout: 60000 });
    const stderr = w.stderr.toString().split('\n').filter(l => l && !/^guest \d$/.test(l));
    assert.equal(w.status, 1, `UL_TRACE_THREAD=${v}: ${w.stderr}`);
    assert.deepEqual(stderr, ['uprobe-lab: cannot write the trace to /dev/full: ENOSPC (no space left on device)'], `UL_TRACE_THREAD=${v}`);
  }
});
