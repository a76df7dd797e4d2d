// Stack overflow caught on an alternate signal stack: unbounded recursion runs off the end of the
// stack, the SIGSEGV handler runs on the sigaltstack and reports where it is.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/resource.h>

static char *alt;
static size_t altsize = 1 << 16;

static void handler(int sig) {
  char here;
  int on_alt = &here >= alt && &here < alt + altsize;
  stack_t ss;
  sigaltstack(0, &ss);
  char msg[128];
  int n = snprintf(msg, sizeof msg, "caught signal %d on_alt=%d ss_flags=%d\n", sig, on_alt, ss.ss_flags);
  write(1, msg, n);
  _exit(0);
}

static int recurse(volatile char *prev, int n) {
  volatile char buf[256];
  buf[0] = (char)n;
  buf[255] = prev ? prev[0] : 0;
  return recurse(buf, n + 1) + buf[255];
}

int main(void) {
  // Bound the native stack (an unlimited one would grow through all memory first).
  struct rlimit rl;
  getrlimit(RLIMIT_STACK, &rl);
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (8u << 20)) {
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (8u << 20) ? (8u << 20) : rl.rlim_max;
    setrlimit(RLIMIT_STACK, &rl);
  }
  alt = malloc(altsize);
  stack_t ss = { .ss_sp = alt, .ss_size = altsize, .ss_flags = 0 };
  if (sigaltstack(&ss, 0)) { perror("sigaltstack"); return 1; }
  stack_t cur;
  sigaltstack(0, &cur);
  printf("altstack flags=%d size_ok=%d\n", cur.ss_flags, cur.ss_size == altsize);
  fflush(stdout);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGSEGV, &sa, 0);
  return recurse(0, 0);
}
