// A SIGSEGV handler that siglongjmps out, many times over: each fault reaches the handler, the mask is
// restored by siglongjmp, and the faulting addresses come back in si_addr.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>

static sigjmp_buf jb;
static volatile uintptr_t fault_addr;
static volatile int code;

static void segv(int sig, siginfo_t *si, void *uc) {
  (void)sig; (void)uc;
  fault_addr = (uintptr_t)si->si_addr;
  code = si->si_code;
  siglongjmp(jb, 1);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, 0);
  int caught = 0;
  for (int i = 0; i < 200; i++) {
    if (sigsetjmp(jb, 1) == 0) {
      *(volatile int *)(uintptr_t)(16 + 8 * i) = i;
    } else {
      if (fault_addr == (uintptr_t)(16 + 8 * i) && code == SEGV_MAPERR) caught++;
    }
  }
  printf("caught %d of 200\n", caught);
  // A protected page: SEGV_ACCERR, then readable after mprotect.
  char *p = mmap(0, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (sigsetjmp(jb, 1) == 0) p[100] = 1;
  else printf("PROT_NONE: code=%d offset=%ld\n", code, (long)(fault_addr - (uintptr_t)p));
  mprotect(p, 4096, PROT_READ);
  if (sigsetjmp(jb, 1) == 0) { printf("read ok: %d\n", p[100]); p[100] = 2; }
  else printf("PROT_READ write: code=%d offset=%ld\n", code, (long)(fault_addr - (uintptr_t)p));
  mprotect(p, 4096, PROT_READ | PROT_WRITE);
  p[100] = 3;
  printf("write ok: %d\n", p[100]);
  munmap(p, 4096);
  if (sigsetjmp(jb, 1) == 0) printf("%d\n", p[0]);
  else printf("after munmap: code=%d\n", code);
  sigset_t m;
  sigprocmask(SIG_BLOCK, 0, &m);
  printf("SIGSEGV blocked after all that: %d\n", sigismember(&m, SIGSEGV));
  return 0;
}
