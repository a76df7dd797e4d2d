// Number parsing: strtol/strtoul/strtoll with bases 0, 2, 8, 10, 16, 36, overflow to ERANGE, the end
// pointer, atoi, and sscanf.
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const char *in[] = { "0", "42", "-42", "  +17abc", "0x1f", "0777", "0b101", "z", "zz", "9223372036854775807",
    "9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616", "-1", "", "   " };
  int bases[] = { 0, 2, 8, 10, 16, 36 };
  for (unsigned i = 0; i < sizeof in / sizeof *in; i++) {
    printf("[%s]", in[i]);
    for (unsigned b = 0; b < sizeof bases / sizeof *bases; b++) {
      char *end;
      errno = 0;
      long v = strtol(in[i], &end, bases[b]);
      printf(" b%d=%ld/%ld%s", bases[b], v, (long)(end - in[i]), errno == ERANGE ? "/ERANGE" : "");
    }
    char *end;
    errno = 0;
    unsigned long long u = strtoull(in[i], &end, 0);
    printf(" ull=%llu%s atoi=%d\n", u, errno == ERANGE ? "/ERANGE" : "", atoi(in[i]));
  }
  int a, b; char w[16]; double d;
  int r = sscanf("12 0x10 word 2.5e3", "%d %i %15s %lf", &a, &b, w, &d);
  printf("sscanf r=%d %d %d %s %g\n", r, a, b, w, d);
  printf("strtod=%g strtof=%g\n", strtod("1e-5", 0), strtof("3.25", 0));
  return 0;
}
