// Uprobes in shared libraries: a definition on libc.so.6:OFFSET fires in a dynamically linked program
// that maps the library (installed when ld.so mmaps it), and the trace equals the kernel's own (tracefs)
// for the same program run natively with randomisation off.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync, execFileSync } from 'node:child_process';
import { buildC, need, have, CLI, tmpDir } from './util';
import { haveTracefs, kernelTrace, normalize, KernelRun } from './kernel';
import { ElfFile } from '../engine/elf/elf';

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
const LIBC_LINK = '/lib/x86_64-linux-gnu/libc.so.6';

// The same glibc variants as the emulated CPU. ld.so's own early allocations depend on the CPU features
// it sees (glibc-hwcaps subdirectories) and on the vDSO (which the emulator does not provide); with
// these tunables they come out the same size natively and emulated, so libc lands at the same address.
const TUNABLES = 'glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX2,-AVX,-BMI1,-BMI2,-SSE4_1,-SSE4_2,-SSSE3,-ERMS,-FSRM,' +
  '-LZCNT,-MOVBE,-POPCNT,-AVX_Fast_Unaligned_Load,-FMA,-FMA4';

const SRC = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int main(void) {
  static const char *words[] = { "alpha", "beta", "gamma", "delta" };
  int v[7] = { 5, 3, 9, 1, 7, 2, 8 };
  for (int i = 0; i < 4; i++) puts(words[i]);
  qsort(v, 7, sizeof v[0], cmp);
  char *p = malloc(100);
  strcpy(p, "copied");
  puts(p);
  free(p);
  printf("%d %d\\n", v[0], v[6]);
  /* Last line: where libc's first mapping is, to compare addresses relative to it. */
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  unsigned long base = 0;
  while (fgets(line, sizeof line, f)) if (!base && strstr(line, "/libc.so.6")) base = strtoul(line, 0, 16);
  fclose(f);
  printf("libc at %#lx\\n", base);
  return 0;
}
`;

const haveLibc = fs.existsSync(LIBC);
let libcElf: ElfFile | undefined;
function libcOff(name: string): string {
  if (!libcElf) {
    const d = fs.readFileSync(LIBC);
    libcElf = ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), LIBC);
  }
  const s = libcElf.symbols.find(x => x.name === name && x.shndx !== 0 && x.value);
  if (!s) throw new Error(`libc has no symbol ${name}`);
  return '0x' + libcElf.vaddrToFileOffset(s.value)!.toString(16);
}

interface Emu { lines: string[]; stdout: string[]; status: number | null; stderr: string }
const TRACE_LINE = /^\s*\S.*-\d+\s+\[\d+\]/;

function emuTrace(exe: string, defs: string[], env: NodeJS.ProcessEnv = {}): Emu {
  const args = [CLI, 'run', '--trace', '-'];
  for (const d of defs) args.push('--probe', d);
  const r = spawnSync(process.execPath, [...args, '--', exe], { env, maxBuffer: 1 << 26 });
  const out = r.stdout.toString('latin1').split('\n');
  return { lines: out.filter(l => TRACE_LINE.test(l)), stdout: out.filter(l => !TRACE_LINE.test(l)), status: r.status, stderr: r.stderr.toString('latin1') };
}

/**
 * The kernel run, repeated (at most three times) when it is visibly disturbed: tracefs is shared with
 * everything else tracing on this machine, and another user clearing uprobe_events or flooding the ring
 * buffer removes our events or lines. `complete` checks only counts known from the program's source.
 */
function kernelRun(run: () => KernelRun, complete: (k: KernelRun) => boolean): KernelRun {
  let last: unknown;
  for (let i = 0; i < 3; i++) {
    try {
      const k = run();
      if (complete(k) || i === 2) return k;
    } catch (e) { last = e; }
  }
  throw last;
}

function defs(path: string): string[] {
  return [
    `p:g/puts ${path}:${libcOff('puts')} %di s=+0(%di):string`,
    `p:g/qsort ${path}:${libcOff('qsort')} n=%si:u64 size=%dx:u64`,
    `p:g/malloc ${path}:${libcOff('malloc')} size=%di:u64`,
    `r:g/malloc_ret ${path}:${libcOff('malloc')} ret=$retval:x64`,
    `p:g/free ${path}:${libcOff('free')} %di`,
  ];
}

test('a probe on libc.so.6 fires in a dynamically linked program (emulator)', (t) => {
  if (!need(t, haveLibc && have('gcc'), 'needs gcc and the host glibc')) return;
  const exe = buildC(SRC, 'shlibprobe', { flags: ['-O2'] });
  // Defined on the real path and through the /lib symlink: the same file (dev:ino) either way.
  for (const path of [LIBC, LIBC_LINK]) {
    if (!fs.existsSync(path)) continue;
    const e = emuTrace(exe, defs(path).slice(0, 2));
    assert.equal(e.status, 0, e.stderr);
    const puts = e.lines.filter(l => l.includes(' puts: ('));
    assert.deepEqual(puts.map(l => / s="([^"]*)"/.exec(l)?.[1]), ['alpha', 'beta', 'gamma', 'delta', 'copied']);
    const qs = e.lines.filter(l => l.includes(' qsort: ('));
    assert.equal(qs.length, 1);
    assert.match(qs[0], / n=7 size=4$/);
    // The probe address is libc's base plus the function's offset in the text mapping.
    const base = Number(/libc at (0x[0-9a-f]+)/.exec(e.stdout.join('\n'))![1]);
    const ip = Number(/ puts: \((0x[0-9a-f]+)\)/.exec(puts[0])![1]);
    assert.equal(ip - base, Number(libcOff('puts')));
  }
});

test('probes in libc: trace equals the kernel\'s (entry, return, fetchargs)', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs for the kernel oracle')) return;
  if (!need(t, haveLibc && have('gcc') && have('setarch') && fs.existsSync('/usr/bin/env'), 'needs gcc, setarch, env and the host glibc')) return;
  const exe = buildC(SRC, 'shlibkernel', { flags: ['-O2'] });
  // Plus one in the program itself (a PIE, mapped by execve): the comparison function qsort calls back.
  const ed = fs.readFileSync(exe);
  const eelf = ElfFile.parse(new Uint8Array(ed.buffer, ed.byteOffset, ed.byteLength), exe);
  const cmp = eelf.symbols.find(x => x.name === 'cmp' && x.shndx !== 0);
  assert.ok(cmp, 'the program has no cmp symbol');
  const d = [...defs(LIBC), `p:g/cmp ${exe}:0x${eelf.vaddrToFileOffset(cmp.value)!.toString(16)} a=+0(%di):s32 b=+0(%si):s32`];
  const k = kernelRun(() => kernelTrace('/usr/bin/env', d, [`GLIBC_TUNABLES=${TUNABLES}`, '/usr/bin/setarch', '-R', exe]),
    r => r.lines.filter(l => / puts: .* s="/.test(l) && l.includes('0x5555')).length === 5);
  if (!need(t, k.status === 0, 'setarch -R did not run the program natively')) return;
  const e = emuTrace(exe, d, { GLIBC_TUNABLES: TUNABLES });
  assert.equal(e.status, 0, e.stderr);
  assert.equal(e.stdout.join('\n'), k.stdout);
  assert.ok(k.lines.length >= 8, `kernel trace too short:\n${k.lines.join('\n')}`);
  assert.ok(k.lines.some(l => / cmp: /.test(l)) && e.lines.some(l => / cmp: /.test(l)), 'the callback probe did not fire');
  // Addresses are relative to each side's libc base first (what must agree whatever the layout)...
  const baseOf = (out: string): number => Number(/libc at (0x[0-9a-f]+)/.exec(out)![1]);
  const kb = baseOf(k.stdout), eb = baseOf(e.stdout.join('\n'));
  // env and setarch run libc too, under the same pid before they exec the program (and the trace shows
  // a pid's latest comm): their hits are at their own, randomised, libc addresses. Keep the program's.
  k.lines = k.lines.filter(l => { const a = Number(/: \((?:0x[0-9a-f]+ <- )?(0x[0-9a-f]+)\)/.exec(l)?.[1]); return (a >= kb && a < kb + 0x400000) || / cmp: /.test(l); });
  const rebase = (lines: string[], base: number): string[] => lines.map(l => normalize(l).replace(/0x[0-9a-f]+/g, a => {
    const off = Number(a) - base;
    return off >= 0 && off < 0x400000 ? `libc+0x${off.toString(16)}` : a;
  }));
  assert.deepEqual(rebase(e.lines, eb), rebase(k.lines, kb));
  // ...and then as they are: the emulated layout is Linux's with ASLR off, so libc lands at the same
  // address and every line (return addresses, heap pointers) is the kernel's.
  assert.equal(eb.toString(16), kb.toString(16), 'libc is mapped at a different address than natively under setarch -R');
  assert.deepEqual(e.lines.map(normalize), k.lines.map(normalize));
});

const LIB_SRC = `
int depth = 100;
__attribute__((noinline)) int collatz(long n) {
  int steps = 0;
  while (n != 1) { n = (n & 1) ? 3 * n + 1 : n / 2; steps++; }
  return steps;
}
__attribute__((noinline)) long fact(int n) { depth++; return n <= 1 ? 1 : n * fact(n - 1); }
`;
const MAIN_SRC = `
#include <stdio.h>
int collatz(long n);
long fact(int n);
int main(void) {
  for (long n = 1; n <= 6; n++) printf("%ld %d\\n", n, collatz(n));
  printf("%ld\\n", fact(5));
  return 0;
}
`;

test('probes in the program\'s own shared library (rpath): trace equals the kernel\'s', (t) => {
  if (!need(t, haveTracefs(), 'needs root and tracefs for the kernel oracle')) return;
  if (!need(t, have('gcc') && have('setarch'), 'needs gcc and setarch')) return;
  const dir = tmpDir('shlib-own-');
  const lib = path.join(dir, 'libwork.so'), exe = path.join(dir, 'usework');
  fs.writeFileSync(path.join(dir, 'work.c'), LIB_SRC);
  fs.writeFileSync(path.join(dir, 'main.c'), MAIN_SRC);
  execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-o', lib, path.join(dir, 'work.c')]);
  execFileSync('gcc', ['-O2', '-o', exe, path.join(dir, 'main.c'), `-L${dir}`, '-lwork', `-Wl,-rpath,${dir}`]);
  const d = fs.readFileSync(lib);
  const elf = ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), lib);
  const off = (name: string): string => {
    const s = elf.symbols.find(x => x.name === name && x.shndx !== 0)!;
    return '0x' + elf.vaddrToFileOffset(s.value)!.toString(16);
  };
  const depth = elf.symbols.find(x => x.name === 'depth' && x.shndx !== 0)!;
  const defs = [
    `p:g/collatz ${lib}:${off('collatz')} n=%di:s64`,
    `r:g/collatz_ret ${lib}:${off('collatz')} steps=$retval:s32`,
    `p:g/fact ${lib}:${off('fact')} n=%di:s32 depth=@+0x${elf.vaddrToFileOffset(depth.value)!.toString(16)}:s32`,
    `r:g/fact_ret ${lib}:${off('fact')} ret=$retval:s64`,
  ];
  const k = kernelRun(() => kernelTrace('/usr/bin/setarch', defs, ['-R', exe]),
    r => r.lines.filter(l => / collatz: /.test(l)).length === 6);
  if (!need(t, k.status === 0, 'setarch -R did not run the program natively')) return;
  const e = emuTrace(exe, defs);
  assert.equal(e.status, 0, e.stderr);
  assert.equal(e.stdout.join('\n'), k.stdout);
  // setarch itself maps no libwork.so: every kernel line is the program's.
  assert.equal(k.lines.filter(l => / collatz: /.test(l)).length, 6);
  assert.ok(k.lines.some(l => / fact_ret: .* ret=120$/.test(l)), k.lines.join('\n'));
  assert.deepEqual(e.lines.map(normalize), k.lines.map(normalize));
});
