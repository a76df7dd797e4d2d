// Dynamically linked executables (PT_INTERP): the host's ld.so and libraries, loaded read-only, give the
// same stdout, stderr and exit status as a native run; the address-space layout (executable, heap,
// interpreter, vDSO area) is the one Linux builds with randomisation off (`setarch -R`).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildC, runNative, runEmu, exitCode, need, have, tmpDir, ROOT } from './util';

const LDSO = '/lib64/ld-linux-x86-64.so.2';
const haveLdso = fs.existsSync(LDSO);

// glibc picks string/memory variants from CPUID; natively select the ones the emulated CPU gets.
const TUNABLES = 'glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX2,-AVX,-BMI1,-BMI2,-SSE4_1,-SSE4_2,-SSSE3,-ERMS,-FSRM,' +
  '-LZCNT,-MOVBE,-POPCNT,-AVX_Fast_Unaligned_Load,-FMA,-FMA4';

function same(exe: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, input?: string): void {
  const n = runNative(exe, args, input, env);
  const e = runEmu(exe, args, input, [], env);
  assert.equal(e.stdout, n.stdout, `${exe}: stdout`);
  assert.equal(e.stderr, n.stderr, `${exe}: stderr`);
  assert.equal(e.status, exitCode(n), `${exe}: exit status`);
}

test('distribution tools: /bin/true, /bin/false, /bin/echo, /usr/bin/env run as natively', (t) => {
  if (!need(t, haveLdso && fs.existsSync('/bin/true') && fs.existsSync('/usr/bin/env'), 'needs the host ld.so and coreutils')) return;
  same('/bin/true');
  same('/bin/false');
  same('/bin/echo', ['hi']);
  same('/bin/echo', ['-n', 'a', 'b  c']);
  same('/usr/bin/env', [], { A: '1', LONGER_NAME: 'x y z', EMPTY: '' });
  same('/usr/bin/env', ['-u', 'A', 'B=2'], { A: '1', C: '3' });
  same('/usr/bin/env', ['--version']);
});

test('distribution tools on files: sort, sha256sum, sed, od, ls -la, stat (statx), du, find (fchdir)', (t) => {
  const tools = ['/usr/bin/sort', '/usr/bin/sha256sum', '/usr/bin/sed', '/usr/bin/od', '/usr/bin/ls', '/usr/bin/stat', '/usr/bin/du'];
  if (!need(t, haveLdso && tools.every(f => fs.existsSync(f)), 'needs the host ld.so and coreutils/sed')) return;
  const dir = tmpDir('dyn-files-');
  const f = path.join(dir, 'words.txt');
  fs.writeFileSync(f, 'pear\napple\nfig\napple\nbanana\n');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.symlinkSync('words.txt', path.join(dir, 'link'));
  same('/usr/bin/sort', ['-u', f]);
  same('/usr/bin/sort', ['-r'], {}, 'b\nc\na\n');
  same('/usr/bin/sha256sum', [f]);
  same('/usr/bin/sed', ['-n', 's/a/A/gp', f]);
  same('/usr/bin/od', ['-A', 'x', '-t', 'x1z', f]);
  same('/usr/bin/ls', ['-la', '--time-style=full-iso', dir]);
  same('/usr/bin/stat', [f, path.join(dir, 'link'), path.join(dir, 'sub')]);
  same('/usr/bin/stat', ['-L', '-c', '%n %s %F %h %i %a %U', path.join(dir, 'link')]);
  same('/usr/bin/du', ['-a', dir]);
  if (fs.existsSync('/usr/bin/find')) same('/usr/bin/find', [dir, '-name', 'w*', '-o', '-type', 'd']);
  same('/usr/bin/ls', [path.join(dir, 'missing')]);
});

test('ld.so run as the program loads and runs the program named on its command line', (t) => {
  if (!need(t, haveLdso, 'needs the host ld.so')) return;
  same(LDSO, ['/bin/echo', 'via', 'ld.so']);
});

test('g++ -O2 dynamic program: libstdc++, exceptions unwound through libgcc_s', (t) => {
  if (!need(t, haveLdso && have('g++'), 'needs g++ and the host ld.so')) return;
  const dir = tmpDir('dyn-cxx-');
  const src = path.join(dir, 'p.cc'), exe = path.join(dir, 'p');
  fs.writeFileSync(src, `#include <iostream>
#include <vector>
#include <algorithm>
#include <map>
#include <string>
#include <stdexcept>
int main() {
  std::vector<int> v{5, 3, 1, 4};
  std::sort(v.begin(), v.end());
  std::map<std::string, int> m;
  for (int x : v) m[std::to_string(x)] = x * x;
  for (auto &[k, x] : m) std::cout << k << "=" << x << "\\n";
  try { throw std::runtime_error("boom"); } catch (std::exception &e) { std::cerr << e.what() << "\\n"; }
  return 2;
}
`);
  execFileSync('g++', ['-O2', '-o', exe, src]);
  same(exe);
});

const SORT = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int cmp(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  int *v = malloc(n * sizeof *v);
  unsigned s = 12345;
  for (int i = 0; i < n; i++) { s = s * 1103515245u + 12345u; v[i] = (int)((s >> 8) % 100000) - 50000; }
  qsort(v, n, sizeof *v, cmp);
  long sum = 0;
  for (int i = 0; i < n; i++) sum += v[i];
  char *buf = malloc(64);
  snprintf(buf, 64, "%s", "heap string");
  printf("n=%d min=%d max=%d median=%d sum=%ld mean=%.6f %s len=%zu\\n", n, v[0], v[n - 1], v[n / 2], sum,
         (double)sum / n, buf, strlen(buf));
  for (int i = 0; i < 5; i++) printf("%5d|%-6x|%08.3f\\n", v[i * (n / 5)], (unsigned)v[i], v[i] / 3.0);
  fprintf(stderr, "done with %d\\n", n);
  free(buf);
  free(v);
  return n % 7;
}
`;

test('gcc -O2 dynamic program (printf, qsort, malloc, stderr, exit status) runs as natively', (t) => {
  if (!need(t, haveLdso && have('gcc'), 'needs gcc and the host ld.so')) return;
  const exe = buildC(SORT, 'dynsort', { flags: ['-O2'] });
  const env = { GLIBC_TUNABLES: TUNABLES };
  same(exe, [], env);
  same(exe, ['20000'], env);
});

test('musl-gcc -O2 dynamic program (musl\'s ld.so is its libc.so) runs as natively', (t) => {
  if (!need(t, have('musl-gcc') && fs.existsSync('/lib/ld-musl-x86_64.so.1'), 'needs musl-gcc and the musl dynamic loader')) return;
  const exe = buildC(SORT, 'dynsort-musl', { cc: 'musl-gcc', flags: ['-O2'] });
  same(exe, ['5000']);
});

// Programs of the C corpus (test/corpus), built dynamically this time: signals and their frames, timers,
// setjmp, time, file mmap, directories, stdio on stdin, float formatting, libm.
const CORPUS = ['sig_alarm', 'sig_siginfo', 'sig_altstack', 'sig_longjmp', 'setjmp', 'time', 'mmap_file', 'dir', 'fileio',
  'printf_float', 'math', 'stdin_scanf', 'heap', 'env', 'qsort_strings'];

test('C corpus programs built dynamically run as natively', (t) => {
  if (!need(t, haveLdso && have('gcc'), 'needs gcc and the host ld.so')) return;
  const env = { GLIBC_TUNABLES: TUNABLES, HOME: '/nonexistent', LANG: 'C' };
  const input = 'some input 12 34\n3.25 -7 words\n';
  for (const name of CORPUS) {
    const src = path.join(ROOT, 'test', 'corpus', `${name}.c`);
    const exe = buildC(fs.readFileSync(src, 'utf8'), `dyn-${name}`, { flags: ['-O2'] });
    same(exe, [], env, input);
  }
});

const MAPS = `
#include <stdio.h>
int main(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  while (fgets(line, sizeof line, f)) fputs(line, stdout);
  return 0;
}
`;

test('layout: executable, heap, ld.so and the vDSO area where Linux puts them with ASLR off', (t) => {
  if (!need(t, haveLdso && have('gcc') && have('setarch'), 'needs gcc, setarch and the host ld.so')) return;
  const exe = buildC(MAPS, 'dynmaps', { flags: ['-O2'] });
  const n = runNative('/usr/bin/setarch', ['-R', exe]);
  if (!need(t, n.status === 0, `setarch -R does not work here: ${n.stderr.trim()}`)) return;
  const e = runEmu(exe);
  assert.equal(e.status, 0, e.stderr);
  // The libraries ld.so maps itself land after its own early allocations, whose sizes depend on the
  // CPU features it sees (glibc-hwcaps subdirectories): those lines are compared in the uprobes test
  // relative to the library's base. Here: everything the kernel's execve lays out.
  const keep = (out: string): string[] => out.split('\n').filter(l =>
    l.includes(exe) || l.includes('ld-linux-x86-64') || /\[(heap|vvar|vvar_vclock|vdso)\]$/.test(l));
  const nl = keep(n.stdout), el = keep(e.stdout);
  assert.ok(nl.some(l => l.includes('ld-linux')) && nl.some(l => l.endsWith('[vdso]')), n.stdout);
  assert.deepEqual(el, nl);
  // libc is mapped from its real path, in the same five pieces with the same offsets and permissions.
  const libc = (out: string): string[] => out.split('\n').filter(l => l.includes('/libc.so.6')).map(l => l.split(/\s+/).slice(1).join(' '));
  assert.equal(libc(e.stdout).length, 5, e.stdout);
  assert.deepEqual(libc(e.stdout), libc(n.stdout));
});

test('an unreadable or missing interpreter is a clear error', (t) => {
  if (!need(t, have('gcc'), 'needs gcc')) return;
  const exe = buildC('int main(void){return 0;}', 'badinterp', { flags: ['-O2', '-Wl,--dynamic-linker=/nonexistent/ld.so'] });
  const e = runEmu(exe);
  assert.notEqual(e.status, 0);
  assert.match(e.stderr, /interpreter \/nonexistent\/ld\.so/);
});
