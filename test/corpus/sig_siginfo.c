// sigaction with SA_SIGINFO: raise, kill and sigqueue, the siginfo each one produces, the handler's mask,
// SA_RESETHAND, SA_NODEFER and SIG_IGN.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t hits, nested;
static int last_code, last_value, blocked_inside, depth;

static void h(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  hits++;
  last_code = si->si_code;
  if (si->si_code == SI_QUEUE) last_value = si->si_value.sival_int;
  sigset_t cur;
  sigprocmask(SIG_BLOCK, 0, &cur);
  blocked_inside = sigismember(&cur, sig) * 2 + sigismember(&cur, SIGUSR2);
  printf("handler sig=%d signo=%d code=%d pid_ok=%d\n", sig, si->si_signo, si->si_code, si->si_pid == getpid());
}

static void reenter(int sig) {
  if (depth++ < 3) raise(sig);
  nested++;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = h;
  sa.sa_flags = SA_SIGINFO;
  sigaddset(&sa.sa_mask, SIGUSR2);
  sigaction(SIGUSR1, &sa, 0);
  raise(SIGUSR1);
  printf("after raise hits=%d code=%d blocked_inside=%d\n", hits, last_code, blocked_inside);
  kill(getpid(), SIGUSR1);
  printf("after kill hits=%d code=%d\n", hits, last_code);
  union sigval v = { .sival_int = 31337 };
  sigqueue(getpid(), SIGUSR1, v);
  printf("after sigqueue hits=%d code=%d value=%d\n", hits, last_code, last_value);

  struct sigaction old;
  sigaction(SIGUSR1, 0, &old);
  printf("query: siginfo=%d same=%d\n", !!(old.sa_flags & SA_SIGINFO), old.sa_sigaction == h);

  // SA_NODEFER lets the handler interrupt itself; SA_RESETHAND makes it one-shot.
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = reenter;
  sa.sa_flags = SA_NODEFER;
  sigaction(SIGUSR2, &sa, 0);
  raise(SIGUSR2);
  printf("nodefer depth=%d nested=%d\n", depth, nested);
  sa.sa_flags = SA_RESETHAND;
  depth = 10;
  sigaction(SIGUSR2, &sa, 0);
  raise(SIGUSR2);
  sigaction(SIGUSR2, 0, &old);
  printf("resethand now default=%d\n", old.sa_handler == SIG_DFL);

  signal(SIGUSR2, SIG_IGN);
  raise(SIGUSR2);
  printf("ignored ok\n");
  signal(SIGCHLD, SIG_DFL);
  raise(SIGCHLD);
  printf("SIGCHLD default is ignore\n");
  return 0;
}
