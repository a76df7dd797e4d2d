// Several processes in one emulated machine: fork, vfork, clone (posix_spawn), execve (ELF, `#!`
// scripts), wait4 and SIGCHLD, pipes between processes (blocking readers and writers, EOF, SIGPIPE),
// shared file offsets, and the shell workloads built on them, each compared with the same program run
// natively (stdout, stderr, exit status). Then containment: fork bombs end at --max-insns with the
// process limit reported, --max-procs and --max-memory hold across processes. Last, a uprobe hit in a
// forked child, in the child after execve, and a return probe pending across fork trace as the kernel's
// own uprobes do.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildC, runNative, runEmu, exitCode, need, have, tmpDir, CLI } from './util';
import { haveTracefs, normalize, uniqueGroup, withGroup, TRACEFS } from './kernel';
import { ElfFile } from '../engine/elf/elf';

const BUSYBOX = '/bin/busybox';
const LONG = { timeout: 300000 };

/** The things a process does with other processes, one line of output each. */
const PROCS = `
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
static volatile sig_atomic_t chld;
static void onchld(int s) { (void)s; chld++; }
static void report(const char *what, int st) {
  if (WIFEXITED(st)) printf("%s: exited %d\\n", what, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: killed by signal %d\\n", what, WTERMSIG(st));
  else printf("%s: status 0x%x\\n", what, st);
}
int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 2 && !strcmp(argv[1], "child")) { printf("exec'd with %s\\n", argv[2]); return 42; }
  const char *helper = argv[1];
  int st, e;
  pid_t p = fork();
  if (p == 0) _exit(3);
  if (waitpid(p, &st, 0) != p) printf("waitpid failed\\n");
  report("fork, _exit(3)", st);

  pid_t me = getpid();
  p = fork();
  if (p == 0) { printf("child: getppid is the parent %d, own pid %d\\n", getppid() == me, getpid() != me); _exit(0); }
  waitpid(p, &st, 0);
  report("pids", st);

  p = fork();
  if (p == 0) { *(volatile int *)0 = 1; _exit(0); }
  waitpid(p, &st, 0);
  report("child writing to NULL", st);

  p = fork();
  if (p == 0) { for (;;) pause(); }
  kill(p, SIGTERM);
  waitpid(p, &st, 0);
  report("child sent SIGTERM", st);

  /* More than a pipe holds: the writer waits for the reader. */
  int fds[2];
  pipe(fds);
  p = fork();
  if (p == 0) {
    close(fds[1]);
    char buf[1000]; long total = 0, sum = 0; ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) { total += n; for (int i = 0; i < n; i++) sum += (unsigned char)buf[i]; }
    printf("child read %ld bytes, sum %ld, then EOF\\n", total, sum);
    _exit(0);
  }
  close(fds[0]);
  static char big[300000];
  for (int i = 0; i < (int)sizeof big; i++) big[i] = (char)(i * 7);
  ssize_t w = write(fds[1], big, sizeof big);
  printf("parent wrote %zd\\n", w);
  close(fds[1]);
  waitpid(p, &st, 0);
  report("pipe reader", st);

  pipe(fds);
  p = fork();
  if (p == 0) { close(fds[0]); char c = 'x'; for (;;) write(fds[1], &c, 1); }
  close(fds[0]); close(fds[1]);
  waitpid(p, &st, 0);
  report("writer with no reader left", st);
  signal(SIGPIPE, SIG_IGN);
  pipe(fds); close(fds[0]);
  errno = 0;
  w = write(fds[1], "x", 1);
  e = errno;
  printf("write with SIGPIPE ignored: %zd %s\\n", w, strerror(e));
  close(fds[1]);
  signal(SIGPIPE, SIG_DFL);

  errno = 0;
  p = waitpid(-1, &st, WNOHANG);
  e = errno;
  printf("no children: %d %s\\n", p, strerror(e));
  pipe(fds);
  p = fork();
  if (p == 0) { char c; read(fds[0], &c, 1); _exit(c); }
  printf("WNOHANG while it runs: %d\\n", waitpid(p, &st, WNOHANG));
  write(fds[1], "\\x09", 1);
  waitpid(p, &st, 0);
  report("after WNOHANG", st);
  close(fds[0]); close(fds[1]);

  siginfo_t si;
  p = fork();
  if (p == 0) _exit(11);
  memset(&si, 0x55, sizeof si);
  waitid(P_PID, p, &si, WEXITED | WNOWAIT);
  printf("waitid WNOWAIT: signo %d code %d status %d pid ok %d\\n", si.si_signo, si.si_code, si.si_status, si.si_pid == p);
  waitid(P_ALL, 0, &si, WEXITED);
  printf("waitid: code %d status %d pid ok %d\\n", si.si_code, si.si_status, si.si_pid == p);

  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = onchld; sigaction(SIGCHLD, &sa, NULL);
  p = fork();
  if (p == 0) _exit(5);
  while (waitpid(p, &st, 0) < 0 && errno == EINTR) {}
  report("child with a SIGCHLD handler", st);
  printf("SIGCHLD handled %d\\n", chld);
  signal(SIGCHLD, SIG_IGN);
  p = fork();
  if (p == 0) _exit(0);
  errno = 0;
  int r = waitpid(p, &st, 0);
  e = errno;
  printf("SIGCHLD ignored, child reaped by itself: %d %s\\n", r, strerror(e));
  signal(SIGCHLD, SIG_DFL);

  /* A descriptor inherited by fork shares the offset. */
  int fd = open("/proc/self/exe", O_RDONLY);
  p = fork();
  if (p == 0) { char b[4]; read(fd, b, 4); _exit(0); }
  waitpid(p, &st, 0);
  printf("offset after the child's read: %ld\\n", (long)lseek(fd, 0, SEEK_CUR));
  close(fd);
  /* dup2 in the child; close-on-exec descriptors are gone after execve, the others stay. */
  pipe(fds);
  p = fork();
  if (p == 0) {
    dup2(fds[1], 1); close(fds[0]); close(fds[1]);
    int x = open("/proc/self/exe", O_RDONLY);
    dup3(x, 5, O_CLOEXEC); dup2(x, 6); close(x);
    char *av[] = { "sh", "-c", "echo through the pipe; for f in 5 6; do if { true <&$f; } 2>/dev/null; then echo fd $f open; else echo fd $f closed; fi; done", NULL };
    execve("/bin/sh", av, environ); _exit(99);
  }
  close(fds[1]);
  char line[200]; size_t got = 0; ssize_t n;
  while ((n = read(fds[0], line + got, sizeof line - 1 - got)) > 0) got += n;
  line[got] = 0;
  printf("read from the child: %s", line);
  close(fds[0]);
  waitpid(p, &st, 0);
  report("dup2 and exec", st);

  p = fork();
  if (p == 0) { char *av[] = { argv[0], "child", "execve", NULL }; execve("/proc/self/exe", av, environ); _exit(99); }
  waitpid(p, &st, 0);
  report("execve of itself", st);
  p = fork();
  if (p == 0) { char *av[] = { (char *)helper, "one", "two", NULL }; execve(helper, av, environ); _exit(99); }
  waitpid(p, &st, 0);
  report("execve of another program", st);
  p = fork();
  if (p == 0) { char *av[] = { "nope", NULL }; execve("/nonexistent/prog", av, environ); printf("execve: %s\\n", strerror(errno)); _exit(98); }
  waitpid(p, &st, 0);
  report("execve of a missing file", st);
  p = fork();
  if (p == 0) { char *av[] = { "tmp", NULL }; execve("/tmp", av, environ); printf("execve of a directory: %s\\n", strerror(errno)); _exit(97); }
  waitpid(p, &st, 0);

  p = vfork();
  if (p == 0) { char *av[] = { argv[0], "child", "vfork", NULL }; execv("/proc/self/exe", av); _exit(97); }
  waitpid(p, &st, 0);
  report("vfork, exec", st);
  char *av[] = { argv[0], "child", "posix_spawn", NULL };
  e = posix_spawn(&p, "/proc/self/exe", NULL, NULL, av, environ);
  waitpid(p, &st, 0);
  printf("posix_spawn %d\\n", e);
  report("spawned", st);
  e = posix_spawn(&p, "/nonexistent", NULL, NULL, av, environ);
  if (e == 0) { waitpid(p, &st, 0); report("spawn of a missing file", st); } else printf("posix_spawn of a missing file: %s\\n", strerror(e));
  st = system("echo from system; exit 6");
  report("system", st);
  FILE *f = popen("echo one; echo two", "r");
  while (fgets(line, sizeof line, f)) printf("popen: %s", line);
  report("pclose", pclose(f));
  f = popen("read x; echo got $x", "w");
  fprintf(f, "hello\\n");
  report("pclose of a writer", pclose(f));
  return 0;
}
`;

const HELPER = `
#include <stdio.h>
int main(int argc, char **argv) { printf("helper:"); for (int i = 1; i < argc; i++) printf(" %s", argv[i]); printf("\\n"); return 7; }
`;

function same(name: string, n: ReturnType<typeof runNative>, e: ReturnType<typeof runEmu>): void {
  assert.equal(e.stdout, n.stdout, `${name}: stdout`);
  assert.equal(e.stderr, n.stderr, `${name}: stderr`);
  assert.equal(e.status, exitCode(n), `${name}: exit status`);
}

for (const [cc, label] of [['gcc', 'glibc'], ['musl-gcc', 'musl']] as const) {
  test(`C (${label}): fork, wait, pipes, signals, execve, vfork, posix_spawn, system and popen as natively`, LONG, (t) => {
    if (!need(t, have(cc), `${cc} not installed`)) return;
    if (!need(t, fs.existsSync('/bin/sh'), 'no /bin/sh for system() and popen()')) return;
    const exe = buildC(PROCS, `procs-${label}`, { cc });
    const helper = buildC(HELPER, `helper-${label}`, { cc });
    const n = runNative(exe, [helper]), e = runEmu(exe, [helper]);
    assert.equal(exitCode(n), 0, n.stderr);
    // A few facts stated outright, so that a shared misreading cannot hide them.
    assert.match(n.stdout, /child writing to NULL: killed by signal 11\n/);
    assert.match(n.stdout, /parent wrote 300000\nchild read 300000 bytes/);
    same(label, n, e);
  });
}

/** Waits that other processes end: a timer while the parent sleeps, poll woken by a pipe, EINTR and SA_RESTART. */
const WAITS = `
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
static void h(int s) { (void)s; }
int main(){
  setvbuf(stdout, 0, _IONBF, 0);
  pid_t p = fork();
  if (!p) { alarm(1); pause(); _exit(1); }
  struct timespec ts = {0, 200000000}; nanosleep(&ts, 0);
  int st; waitpid(p, &st, 0); printf("alarm child: sig %d\\n", WTERMSIG(st));
  int fds[2]; pipe(fds);
  p = fork();
  if (!p) { struct pollfd pf = { fds[0], POLLIN, 0 }; int r = poll(&pf, 1, 5000); printf("child poll %d revents %d\\n", r, pf.revents); _exit(0); }
  nanosleep(&ts, 0); write(fds[1], "x", 1);
  waitpid(p, &st, 0);
  p = fork();
  if (!p) { struct sigaction sa = {0}; sa.sa_handler = h; sigaction(SIGUSR1, &sa, 0); char c; int r = read(fds[0], &c, 1); printf("child read %d\\n", r); r = read(fds[0], &c, 1); printf("child read after signal %d\\n", r); sa.sa_flags = SA_RESTART; sigaction(SIGUSR1, &sa, 0); r = read(fds[0], &c, 1); printf("restarted read %d %c\\n", r, c); _exit(0); }
  nanosleep(&ts, 0); kill(p, SIGUSR1); nanosleep(&ts, 0); kill(p, SIGUSR1); nanosleep(&ts, 0); write(fds[1], "y", 1);
  waitpid(p, &st, 0); printf("done %d\\n", st);
  return 0; }
`;

for (const [cc, label] of [['gcc', 'glibc'], ['musl-gcc', 'musl']] as const) {
  test(`C (${label}): alarm in a child, poll woken by another process, a blocked read interrupted (EINTR) or restarted (SA_RESTART)`, LONG, (t) => {
    if (!need(t, have(cc), `${cc} not installed`)) return;
    const exe = buildC(WAITS, `waits-${label}`, { cc });
    const n = runNative(exe), e = runEmu(exe);
    assert.match(n.stdout, /child read after signal -1\nrestarted read 1 y\n/);
    same(label, n, e);
  });
}

/** Shell snippets run by busybox sh, natively and emulated. */
const SCRIPTS: [string, string][] = [
  ['pipe between two commands', 'echo hello | busybox tr a-z A-Z'],
  ['three-stage pipeline', 'seq 1 1000 | busybox sort -rn | busybox head -3'],
  ['here-document', 'busybox cat <<EOF\nline $((1 + 2))\nsecond $HOME-\nEOF'],
  ['command substitution', 'x=$(busybox echo sub; echo two); echo "[$x]" $(busybox expr 2 + 3)'],
  ['exit status', 'exit 3'],
  ['pipeline statuses', 'false | true; echo $?; true | false; echo $?'],
  ['SIGPIPE ends the writer', 'busybox yes | busybox head -2'],
  ['subshell', '(echo sub; exit 4); echo $?'],
  ['command not found', 'nonexistent_cmd; echo $?'],
  ['child killed by a signal', 'busybox sh -c "kill -SEGV \\$\\$"; echo $?'],
  ['more than a pipe holds', 'busybox cat /bin/busybox | busybox wc -c'],
  ['four processes', 'busybox cat /bin/busybox | busybox head -c 100000 | busybox md5sum'],
  ['read loop on a pipe', 'printf "a\\nb\\n" | while read l; do echo "<$l>"; done'],
  ['background job and wait', 'busybox sleep 0.2 & echo started; wait; echo waited $?'],
  ['a background job outlives the shell', '(busybox sleep 0.3; echo late) & echo early'],
  ['exec replaces the shell', 'exec busybox echo replaced'],
  ['trap', 'trap "echo got TERM" TERM; kill -TERM $$; echo after'],
  ['stderr of a child', 'busybox ls /nonexistent; echo status $?'],
];

for (const [name, script] of SCRIPTS) {
  test(`busybox sh: ${name} as natively`, LONG, (t) => {
    if (!need(t, fs.existsSync(BUSYBOX), 'busybox not installed')) return;
    const n = runNative(BUSYBOX, ['sh', '-c', script]), e = runEmu(BUSYBOX, ['sh', '-c', script]);
    same(name, n, e);
  });
}

test('busybox sh: a #! script runs through its interpreter, with its argument', LONG, (t) => {
  if (!need(t, fs.existsSync(BUSYBOX), 'busybox not installed')) return;
  const dir = tmpDir('script-');
  const script = path.join(dir, 'hello.sh');
  // The interpreter is busybox, its one argument "sh": busybox runs its shell applet on the script.
  fs.writeFileSync(script, '#!/bin/busybox sh\necho "script $0 $1 $#"\nexit 1\n', { mode: 0o755 });
  const plain = path.join(dir, 'plain.sh');
  fs.writeFileSync(plain, 'echo "no #! line: run by the shell itself"\n', { mode: 0o755 });
  const cmd = `${script} arg; echo status $?; ${plain}; ${path.join(dir, 'missing.sh')}; echo $?`;
  const n = runNative(BUSYBOX, ['sh', '-c', cmd]), e = runEmu(BUSYBOX, ['sh', '-c', cmd]);
  assert.match(n.stdout, /^script .*hello.sh arg 1\nstatus 1\n/);
  same('script', n, e);
});

// ---- containment ----------------------------------------------------------------------------------

test('fork bomb (C): ends at --max-insns with the process limit reported, in bounded time', LONG, (t) => {
  if (!need(t, have('gcc'), 'gcc not installed')) return;
  const exe = buildC('#include <unistd.h>\nint main(void) { for (;;) fork(); }\n', 'forkbomb');
  const t0 = Date.now();
  const e = runEmu(exe, [], undefined, ['--max-insns', '20000000']);
  assert.equal(e.status, 124, e.stderr);
  assert.match(e.stderr, /^uprobe-lab: the guest reached its limit of 64 processes \(--max-procs\): \d+ fork\(s\) failed with EAGAIN$/m);
  assert.match(e.stderr, /^uprobe-lab: stopped after 20000000 instructions \(--max-insns\) at 0x[0-9a-f]+, 63 other guest processes still running$/m);
  console.log(`# C fork bomb: ${Date.now() - t0} ms`);
});

test('fork bomb (busybox sh): contained the same way after the shell itself has exited', LONG, (t) => {
  if (!need(t, fs.existsSync(BUSYBOX), 'busybox not installed')) return;
  const t0 = Date.now();
  const e = runEmu(BUSYBOX, ['sh', '-c', 'f(){ f|f& };f'], undefined, ['--max-insns', '1000000']);
  assert.equal(e.status, 124, e.stderr);
  assert.match(e.stderr, /^sh: can't fork: Resource temporarily unavailable$/m);
  assert.match(e.stderr, /^uprobe-lab: the guest reached its limit of 64 processes/m);
  assert.match(e.stderr, /^uprobe-lab: stopped after 1000000 instructions \(--max-insns\) after the first process ended with status 0, \d+ other guest process(es)? still running$/m);
  console.log(`# busybox sh fork bomb: ${Date.now() - t0} ms`);
});

test('--max-procs caps live processes (fork fails with EAGAIN, RLIMIT_NPROC says so); reaped ones make room', LONG, (t) => {
  if (!need(t, have('gcc'), 'gcc not installed')) return;
  const exe = buildC(`
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  struct rlimit rl; getrlimit(RLIMIT_NPROC, &rl);
  printf("nproc %ld\\n", (long)rl.rlim_cur);
  int fds[2]; pipe(fds);
  for (int i = 0; i < 5; i++) {
    pid_t p = fork();
    if (p == 0) { char c; close(fds[1]); read(fds[0], &c, 1); _exit(0); }
    printf("fork %d: %s\\n", i, p > 0 ? "ok" : strerror(errno));
  }
  close(fds[1]);
  while (wait(NULL) > 0) {}
  printf("again: %s\\n", fork() == 0 ? (_exit(0), "") : "ok");
  return 0;
}`, 'nproc');
  const e = runEmu(exe, [], undefined, ['--max-procs', '3']);
  assert.equal(e.status, 0, e.stderr);
  assert.equal(e.stdout, 'nproc 3\nfork 0: ok\nfork 1: ok\nfork 2: Resource temporarily unavailable\n' +
    'fork 3: Resource temporarily unavailable\nfork 4: Resource temporarily unavailable\nagain: ok\n');
  assert.match(e.stderr, /limit of 3 processes \(--max-procs\): 3 fork\(s\) failed with EAGAIN/);
});

test('--max-memory holds across processes; an exited child gives its memory back', LONG, (t) => {
  if (!need(t, have('gcc'), 'gcc not installed')) return;
  const exe = buildC(`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#define MB (1 << 20)
/* Touch 16 MiB (a page fault past the cap kills the child), wait for the parent, then read it back. */
static int hold(int fd) {
  volatile char *m = malloc(16 * MB);
  if (!m) return 1;
  for (long i = 0; i < 16 * MB; i += 4096) m[i] = 1;
  char c; read(fd, &c, 1);
  return m[8 * MB] - 1;
}
int main(void) {
  int fds[2]; pipe(fds);
  for (int i = 0; i < 6; i++) if (fork() == 0) { close(fds[1]); _exit(hold(fds[0])); }
  close(fds[0]); close(fds[1]);
  int ok = 0, failed = 0, st;
  while (wait(&st) > 0) { if (WIFEXITED(st) && WEXITSTATUS(st) == 0) ok++; else failed++; }
  printf("together: %d ok, %d failed\\n", ok, failed);
  ok = 0;
  for (int i = 0; i < 6; i++) {
    pipe(fds);
    if (fork() == 0) { close(fds[1]); _exit(hold(fds[0])); }
    close(fds[0]); close(fds[1]);
    wait(&st);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) ok++;
  }
  printf("one after the other: %d ok\\n", ok);
  return 0;
}`, 'memcap');
  const n = runNative(exe);
  assert.equal(n.stdout, 'together: 6 ok, 0 failed\none after the other: 6 ok\n');
  const e = runEmu(exe, [], undefined, ['--max-memory', String(40 << 20)]);
  assert.equal(e.status, 0, e.stderr);
  const m = /^together: (\d) ok, (\d) failed\none after the other: 6 ok\n$/.exec(e.stdout);
  assert.ok(m, e.stdout);
  // 40 MiB hold two 16 MiB children at most; every child fits when they come one at a time.
  assert.ok(+m[1] >= 1 && +m[1] <= 2 && +m[1] + +m[2] === 6, e.stdout);
});

// ---- uprobes across fork and exec -------------------------------------------------------------------

const UPROG = `
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
__attribute__((noinline)) int probed(int x) { __asm__ volatile("" ::: "memory"); return x * 2; }
/* The parent returns only after the child has run (and exec'd), so the trace's order is fixed. */
__attribute__((noinline)) int forker(void) {
  pid_t p = fork();
  if (p < 0) exit(1);
  if (p == 0) return 100;
  int st; waitpid(p, &st, 0);
  return 200 + WEXITSTATUS(st);
}
int main(int argc, char **argv) {
  if (argc > 1) { probed(atoi(argv[1])); return 5; }
  probed(1);
  int r = forker();
  if (r == 100) {
    probed(2);
    char *av[] = { argv[0], "3", NULL };
    execv(argv[0], av);
    _exit(9);
  }
  probed(r);
  return 0;
}
`;

/** The kernel's trace of `defs` (groups made unique) for a run of `exe`, every process included. */
function kernelTraceAll(exe: string, defs: string[]): string[] {
  const group = uniqueGroup('ulproc');
  const mine = defs.map(d => withGroup(d, group));
  const names = mine.map(d => d.split(/\s+/)[0].split('/')[1]);
  const inst = `${TRACEFS}/instances/${group}`;
  try {
    for (const d of mine) fs.appendFileSync(`${TRACEFS}/uprobe_events`, d + '\n');
    // A trace instance of our own: a ring buffer that tests running at the same time do not share.
    fs.mkdirSync(inst);
    // Enabled one by one, last defined first: each registration puts its consumer at the head of the
    // probe's list, so handlers at one address run in definition order, as when the whole group is
    // enabled at once at the top level (where the tests' expectations come from).
    for (const d of [...mine].reverse()) fs.writeFileSync(`${inst}/events/${group}/${d.split(/\s+/)[0].split('/')[1]}/enable`, '1');
    spawnSync(exe, [], { env: {} });
    fs.writeFileSync(`${inst}/events/${group}/enable`, '0');
    return fs.readFileSync(`${inst}/trace`, 'utf8').split('\n')
      .filter(l => !l.startsWith('#') && names.some(n => l.includes(` ${n}: (`)) && l.includes(`${path.basename(exe)}-`));
  } finally {
    try { fs.writeFileSync(`${inst}/events/${group}/enable`, '0'); } catch { /* not created */ }
    try { fs.rmdirSync(inst); } catch { /* not created */ }
    for (const d of mine) { try { fs.appendFileSync(`${TRACEFS}/uprobe_events`, `-:${d.split(/\s+/)[0].slice(2)}\n`); } catch { /* not created */ } }
  }
}

/** Pids in order of first appearance become P0, P1...: the same processes, whatever their numbers. */
function byProcess(lines: string[]): string[] {
  const ids = new Map<string, string>();
  return lines.map(l => {
    const pid = /-(\d+)\s+\[/.exec(l)![1];
    if (!ids.has(pid)) ids.set(pid, `P${ids.size}`);
    return `${ids.get(pid)} ${normalize(l)}`;
  });
}

test('uprobes: hits in a forked child, in its exec\'d image, and a return probe pending across fork trace as the kernel\'s', LONG, (t) => {
  if (!need(t, have('gcc'), 'gcc not installed')) return;
  if (!need(t, haveTracefs(), 'tracefs with uprobe_events not available (needs root)')) return;
  const exe = buildC(UPROG, 'forkprobe');
  const d = fs.readFileSync(exe);
  const elf = ElfFile.parse(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), exe);
  const at = (sym: string): string => `${exe}:0x${elf.vaddrToFileOffset(elf.symbols.find(s => s.name === sym)!.value)!.toString(16)}`;
  const defs = [`p:probed ${at('probed')} %di`, `p:forker ${at('forker')}`, `r:forker_ret ${at('forker')} %ax`];
  const kernel = byProcess(kernelTraceAll(exe, defs));
  const args = [CLI, 'run', '--trace', '-'];
  for (const def of defs) args.push('--probe', def);
  const r = spawnSync(process.execPath, [...args, '--', exe], { env: {} });
  assert.equal(r.status, 0, r.stderr.toString());
  const emu = byProcess(r.stdout.toString('latin1').split('\n').filter(l => /-\d+\s+\[\d+\]/.test(l)));
  // The parent enters forker; the child returns from it (the return probe fired in the child), calls
  // probed(2), execs and calls probed(3); then the parent returns from forker and calls probed(205).
  assert.equal(kernel.length, 7, kernel.join('\n'));
  assert.deepEqual(emu, kernel);
});

test('--max-procs needs a positive integer', () => {
  for (const bad of ['0', '-3', 'many', '100000']) {
    const r = spawnSync(process.execPath, [CLI, 'run', '--max-procs', bad, '--', '/bin/true'], { env: {} });
    assert.equal(r.status, 2, bad);
    assert.match(r.stderr.toString(), /^uprobe-lab: --max-procs needs a positive integer \(at most 65536\)\n/);
  }
});
