// Timers: alarm + pause, setitimer(ITIMER_REAL) with an interval and sigsuspend, getitimer, alarm's
// return value, and a timer signal interrupting nanosleep with EINTR.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static int code;
static void on_alarm(int sig, siginfo_t *si, void *uc) { (void)sig; (void)uc; ticks++; code = si->si_code; }

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_alarm;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGALRM, &sa, 0);

  printf("alarm(5) -> %u\n", alarm(5));
  printf("alarm(0) -> %u\n", alarm(0));
  alarm(1);
  int r = pause();
  printf("pause -> %d errno=%s ticks=%d code=%d\n", r, errno == EINTR ? "EINTR" : "?", ticks, code);

  struct itimerval it = { { 0, 20000 }, { 0, 30000 } }, cur;
  setitimer(ITIMER_REAL, &it, 0);
  getitimer(ITIMER_REAL, &cur);
  printf("interval=%ld.%06ld armed=%d\n", (long)cur.it_interval.tv_sec, (long)cur.it_interval.tv_usec,
    cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 30000);
  sigset_t block, old, none;
  sigemptyset(&block);
  sigaddset(&block, SIGALRM);
  sigprocmask(SIG_BLOCK, &block, &old);
  sigemptyset(&none);
  ticks = 0;
  while (ticks < 3) sigsuspend(&none);
  sigset_t now;
  sigprocmask(SIG_BLOCK, 0, &now);
  printf("periodic ticks=%d, mask back after sigsuspend: %d\n", ticks, sigismember(&now, SIGALRM));
  memset(&it, 0, sizeof it);
  setitimer(ITIMER_REAL, &it, 0);
  sigprocmask(SIG_SETMASK, &old, 0);
  getitimer(ITIMER_REAL, &cur);
  printf("disarmed=%d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);

  struct itimerval once = { { 0, 0 }, { 0, 50000 } };
  setitimer(ITIMER_REAL, &once, 0);
  struct timespec req = { 5, 0 }, rem = { 0, 0 };
  r = nanosleep(&req, &rem);
  printf("nanosleep -> %d errno=%s rem_ok=%d\n", r, errno == EINTR ? "EINTR" : "?", rem.tv_sec >= 4 && rem.tv_sec <= 5);

  // A busy loop interrupted by the timer: the handler runs between two instructions.
  ticks = 0;
  setitimer(ITIMER_REAL, &once, 0);
  volatile unsigned long spin = 0;
  while (!ticks) spin++;
  printf("busy loop interrupted: %d\n", ticks);
  return 0;
}
