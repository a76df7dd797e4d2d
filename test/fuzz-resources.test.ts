// Resource limits against hostile guests: an mmap storm, a brk storm and a malloc storm meet
// --max-memory with ENOMEM and the guest still exits normally; --max-insns stops an infinite loop; a
// guest that tries to modify host files outside --allow-write gets EACCES and nothing changes on the
// host (checked on the file system); sockets are refused (fork works: processes are capped by
// --max-procs, see processes.test.ts); huge address ranges given to the
// memory syscalls cost nothing (regressions: they used to walk every page).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildAsm, buildC, have, need, runEmu, tmpDir } from './util';

const STORMS = `
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/mman.h>
#define MB (1 << 20)
static void touch(char *p, size_t n) { for (size_t k = 0; k < n; k += 4096) p[k] = 1; }
int main(int argc, char **argv) {
  const char *what = argv[1];
  int n = 0, err = 0;
  if (!strcmp(what, "mmap")) {
    for (;;) {
      char *p = mmap(0, MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) { err = errno; break; }
      touch(p, MB); n++;
    }
  } else if (!strcmp(what, "brk")) {
    for (;;) {
      char *p = sbrk(MB);
      if (p == (char *)-1) { err = errno; break; }
      touch(p, MB); n++;
    }
  } else if (!strcmp(what, "malloc")) {
    for (;;) {
      char *p = malloc(MB);
      if (!p) { err = errno; break; }
      touch(p, MB); n++;
    }
  } else if (!strcmp(what, "hugemmap")) {
    /* Reservations far beyond the cap are refused or lazily mapped, never allocated. */
    char *p = mmap(0, 1UL << 44, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED) { p[0] = 1; p[(1UL << 44) - 1] = 2; n = 1; }
    err = p == MAP_FAILED ? errno : 0;
  }
  printf("%s %d %d\\n", what, n, err);
  return 0;
}
`;

const FILES = `
#define _GNU_SOURCE
#include <stdio.h>
#include <fcntl.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#define TRY(name, call) do { errno = 0; long r = (long)(call); printf("%s %ld %d\\n", name, r < 0 ? -1L : r >= 0 ? 0L : r, r < 0 ? errno : 0); } while (0)
int main(int argc, char **argv) {
  const char *dir = argv[1], *allowed = argv[2];
  char f[4096], g[4096], h[4096], esc[4096], ok[4096];
  snprintf(f, sizeof f, "%s/keep.txt", dir);
  snprintf(g, sizeof g, "%s/new.txt", dir);
  snprintf(h, sizeof h, "%s/renamed.txt", dir);
  snprintf(esc, sizeof esc, "%s/../outside-escape.txt", allowed);
  snprintf(ok, sizeof ok, "%s/inside.txt", allowed);
  TRY("create", open(g, O_CREAT | O_WRONLY, 0644));
  TRY("write-open", open(f, O_WRONLY));
  TRY("append-open", open(f, O_RDWR | O_APPEND));
  TRY("trunc-open", open(f, O_WRONLY | O_TRUNC));
  TRY("unlink", unlink(f));
  TRY("rename", rename(f, h));
  TRY("chmod", chmod(f, 0777));
  TRY("truncate", truncate(f, 0));
  TRY("mkdir", mkdir(g, 0755));
  TRY("link", link(f, h));
  TRY("symlink", symlink(f, h));
  TRY("unlinkat", unlinkat(AT_FDCWD, f, 0));
  TRY("renameat2", syscall(SYS_renameat2, AT_FDCWD, f, AT_FDCWD, h, 0));
  TRY("escape", open(esc, O_CREAT | O_WRONLY, 0644));
  TRY("socket-inet", socket(AF_INET, SOCK_STREAM, 0));
  TRY("socket-unix", socket(AF_UNIX, SOCK_STREAM, 0));
  fflush(stdout);
  int child = fork();
  if (child == 0) _exit(0);
  TRY("fork", child);
  int fd = open(ok, O_CREAT | O_WRONLY, 0644);
  printf("allowed %d\\n", fd >= 0 && write(fd, "ok", 2) == 2 ? 0 : errno);
  return 0;
}
`;

function lines(out: string): Map<string, string[]> {
  return new Map(out.trim().split('\n').map(l => { const w = l.split(' '); return [w[0], w.slice(1)]; }));
}

const CAP = 64 << 20;

test('resources: mmap, brk and malloc storms meet --max-memory with ENOMEM; the guest survives', (t) => {
  if (!need(t, have('gcc'), 'gcc not installed')) return;
  const exe = buildC(STORMS, 'storms', { flags: ['-O1', '-static'] });
  for (const what of ['mmap', 'brk', 'malloc']) {
    const r = runEmu(exe, [what], undefined, ['--max-memory', String(CAP)]);
    assert.equal(r.status, 0, `${what}: ${r.stderr}`);
    const [n, err] = lines(r.stdout).get(what)!.map(Number);
    assert.equal(err, 12, `${what}: errno ${err} (ENOMEM expected)`);
    assert.ok(n > 8 && n * (1 << 20) <= CAP, `${what}: ${n} MB under a ${CAP >> 20} MB cap`);
  }
  const r = runEmu(exe, ['hugemmap'], undefined, ['--max-memory', String(CAP)]);
  assert.equal(r.status, 0, r.stderr);
});

test('resources: --max-insns stops an infinite loop', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils not installed')) return;
  const exe = buildAsm('.globl _start\n_start:\n  inc %rax\n  jmp _start\n', 'spin');
  const t0 = Date.now();
  const r = runEmu(exe, [], undefined, ['--max-insns', '2000000']);
  assert.equal(r.status, 124);
  assert.match(r.stderr, /^uprobe-lab: stopped after 2000000 instructions \(--max-insns\)/);
  assert.ok(Date.now() - t0 < 20000);
});

test('resources: no host file changes outside --allow-write; sockets refused', (t) => {
  if (!need(t, have('gcc'), 'gcc not installed')) return;
  const exe = buildC(FILES, 'files', { flags: ['-O1', '-static'] });
  const dir = tmpDir('ro-'), allowed = tmpDir('rw-');
  const keep = path.join(dir, 'keep.txt');
  fs.writeFileSync(keep, 'original\n');
  fs.chmodSync(keep, 0o640);
  const snapshot = () => ({ list: fs.readdirSync(dir).sort(), text: fs.readFileSync(keep, 'utf8'), mode: fs.statSync(keep).mode, parent: fs.readdirSync(path.dirname(allowed)).sort() });
  const before = snapshot();
  const r = runEmu(exe, [dir, allowed], undefined, ['--allow-write', allowed]);
  assert.equal(r.status, 0, r.stderr);
  const res = lines(r.stdout);
  for (const name of ['create', 'write-open', 'append-open', 'trunc-open', 'unlink', 'rename', 'chmod', 'truncate', 'mkdir', 'link', 'symlink', 'unlinkat', 'renameat2', 'escape']) {
    assert.deepEqual(res.get(name), ['-1', '13'], `${name}: EACCES expected, got ${res.get(name)}`);
  }
  for (const name of ['socket-inet', 'socket-unix']) assert.equal(res.get(name)?.[0], '-1', `${name} refused`);
  assert.deepEqual(res.get('fork'), ['0', '0'], 'fork works');
  assert.deepEqual(snapshot(), before, 'the host file system is unchanged');
  // The granted directory does work (so the refusals above are the policy, not a broken open).
  assert.deepEqual(res.get('allowed'), ['0']);
  assert.equal(fs.readFileSync(path.join(allowed, 'inside.txt'), 'utf8'), 'ok');
});

test('resources: huge ranges in brk/mmap/munmap/mprotect/madvise/mremap finish at once (regression)', (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils not installed')) return;
  // Each call names a range of up to 2^46 bytes; these used to loop over every page of the range.
  const exe = buildAsm(`
.globl _start
.text
_start:
  mov $12, %eax; xor %edi, %edi; syscall          # brk(0)
  mov %rax, %rdi; mov $1, %r8; shl $46, %r8; add %r8, %rdi
  mov $12, %eax; syscall                          # brk(cur + 2^46)
  mov $9, %eax; mov $0x10000000, %edi; mov $1, %rsi; shl $45, %rsi
  mov $3, %edx; mov $0x4022, %r10d; mov $-1, %r8; xor %r9d, %r9d; syscall   # mmap 2^45 MAP_FIXED|NORESERVE
  mov %rax, %rbx
  mov $10, %eax; mov %rbx, %rdi; mov $1, %rsi; shl $45, %rsi; mov $1, %edx; syscall   # mprotect
  mov $28, %eax; mov %rbx, %rdi; mov $1, %rsi; shl $45, %rsi; mov $4, %edx; syscall   # madvise DONTNEED
  mov $28, %eax; xor %edi, %edi; mov $-1, %rsi; mov $4, %edx; syscall                 # madvise(0, ~0)
  mov $25, %eax; mov %rbx, %rdi; mov $1, %rsi; shl $45, %rsi; mov $1, %rdx; shl $46, %rdx; mov $1, %r10d; syscall  # mremap grow
  mov $11, %eax; mov $1, %rdi; shl $40, %rdi; mov $1, %rsi; shl $46, %rsi; syscall   # munmap 2^46 from 2^40
  mov $60, %eax; mov $3, %edi; syscall
`, 'hugeranges');
  const t0 = Date.now();
  const r = runEmu(exe, [], undefined, ['--max-insns', '1000']);
  assert.equal(r.status, 3, r.stderr);
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
});

test('resources: a guest writing 512 MB to a slow stdout pipe is throttled, not buffered', async (t) => {
  if (!need(t, have('as') && have('ld'), 'binutils not installed')) return;
  const { spawn } = await import('node:child_process');
  // 512 writes of 1 MB from an untouched bss buffer (zeros).
  const exe = buildAsm(`
.globl _start
.text
_start:
  mov $512, %r12d
again:
  mov $1, %eax; mov $1, %edi; lea buf(%rip), %rsi; mov $1048576, %edx; syscall
  cmp $1048576, %rax
  jne out
  dec %r12d
  jnz again
out:
  mov $60, %eax; mov %r12d, %edi; syscall
.bss
buf: .space 1048576
`, 'flood');
  const child = spawn(process.execPath, [require('./util').CLI, 'run', '--', exe], { stdio: ['ignore', 'pipe', 'pipe'] });
  let got = 0, peak = 0;
  const sample = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch { /* exited */ }
  }, 20);
  // A slow reader: pause for 25 ms after every 8 MB.
  child.stdout!.on('data', (d: Buffer) => {
    const before = got;
    got += d.length;
    if (Math.floor(got / (8 << 20)) !== Math.floor(before / (8 << 20))) { child.stdout!.pause(); setTimeout(() => child.stdout!.resume(), 25); }
  });
  const status = await new Promise<number | null>(res => child.on('exit', code => res(code)));
  clearInterval(sample);
  assert.equal(status, 0);
  assert.equal(got, 512 << 20);
  assert.ok(peak > 0 && peak < 400 << 20, `peak RSS ${peak >> 20} MB while writing 512 MB`);
  console.log(`# 512 MB through a slow pipe, CLI peak RSS ${peak >> 20} MB`);
});
