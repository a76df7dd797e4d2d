// Deterministic time functions: gmtime, timegm/mktime in UTC, strftime, difftime, and monotonic clocks
// that never run backwards (their values are not printed).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/time.h>

int main(void) {
  setenv("TZ", "UTC", 1);
  tzset();
  time_t stamps[] = { 0, 86399, 951782400, 1234567890, 2147483647, 4102444800LL, -1, -86400 * 365LL };
  char buf[128];
  for (unsigned i = 0; i < sizeof stamps / sizeof *stamps; i++) {
    struct tm tm;
    gmtime_r(&stamps[i], &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a %b %j %U %w", &tm);
    time_t back = timegm(&tm);
    struct tm lt;
    localtime_r(&stamps[i], &lt);
    printf("%lld -> %s yday=%d back=%d mktime=%d\n", (long long)stamps[i], buf, tm.tm_yday, back == stamps[i],
      mktime(&lt) == stamps[i]);
  }
  struct tm t = { .tm_year = 124, .tm_mon = 1, .tm_mday = 29, .tm_hour = 12 };
  t.tm_mday += 1;
  time_t x = timegm(&t);
  printf("normalized %04d-%02d-%02d wday=%d\n", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_wday);
  printf("difftime=%.1f\n", difftime(x, 0));
  printf("asctime=%s", asctime(gmtime(&stamps[3])));
  struct timespec a, b;
  int mono = 1;
  for (int i = 0; i < 1000; i++) {
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec)) mono = 0;
  }
  struct timeval tv;
  gettimeofday(&tv, 0);
  time_t now = time(0);
  printf("monotonic=%d realtime_sane=%d usec_ok=%d\n", mono, now > 1600000000 && llabs(now - tv.tv_sec) <= 1,
    tv.tv_usec >= 0 && tv.tv_usec < 1000000);
  struct timespec res;
  printf("getres=%d\n", clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0);
  clock_t c = clock();
  printf("clock_ok=%d\n", c >= 0);
  return 0;
}
