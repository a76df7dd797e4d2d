// Blocked and pending signals: sigprocmask, sigpending, sigwait/sigtimedwait, and the delivery of a
// blocked signal as soon as it is unblocked. Ends by raising SIGTERM with its default action (143).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void h(int sig) { got = sig; }

int main(void) {
  signal(SIGUSR1, h);
  sigset_t s, pend;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigaddset(&s, SIGUSR2);
  sigprocmask(SIG_BLOCK, &s, 0);
  raise(SIGUSR1);
  raise(SIGUSR2);
  sigpending(&pend);
  printf("pending usr1=%d usr2=%d got=%d\n", sigismember(&pend, SIGUSR1), sigismember(&pend, SIGUSR2), got);
  int sig = 0;
  sigset_t w;
  sigemptyset(&w);
  sigaddset(&w, SIGUSR2);
  sigwait(&w, &sig);
  printf("sigwait -> %d\n", sig);
  struct timespec ts = { 0, 1000000 };
  siginfo_t si;
  int r = sigtimedwait(&w, &si, &ts);
  printf("sigtimedwait empty -> %d %s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
  raise(SIGUSR2);
  r = sigtimedwait(&w, &si, &ts);
  printf("sigtimedwait -> %d signo=%d code=%d\n", r, si.si_signo, si.si_code);
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigprocmask(SIG_UNBLOCK, &s, 0);
  printf("after unblock got=%d\n", got);
  sigpending(&pend);
  printf("pending now usr1=%d\n", sigismember(&pend, SIGUSR1));
  fflush(stdout);
  raise(SIGTERM);
  printf("not reached\n");
  return 0;
}
