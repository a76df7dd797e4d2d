// Character classes and case mapping of all 256 byte values in the C locale.
#include <ctype.h>
#include <stdio.h>

int main(void) {
  const char *names = "alnum alpha blank cntrl digit graph lower print punct space upper xdigit";
  int (*fns[])(int) = { isalnum, isalpha, isblank, iscntrl, isdigit, isgraph, islower, isprint, ispunct, isspace,
    isupper, isxdigit };
  printf("%s\n", names);
  for (unsigned f = 0; f < sizeof fns / sizeof *fns; f++) {
    unsigned long long lo = 0, hi = 0, top = 0, top2 = 0;
    for (int c = 0; c < 64; c++) if (fns[f](c)) lo |= 1ull << c;
    for (int c = 64; c < 128; c++) if (fns[f](c)) hi |= 1ull << (c - 64);
    for (int c = 128; c < 192; c++) if (fns[f](c)) top |= 1ull << (c - 128);
    for (int c = 192; c < 256; c++) if (fns[f](c)) top2 |= 1ull << (c - 192);
    printf("%2u %016llx %016llx %016llx %016llx\n", f, lo, hi, top, top2);
  }
  unsigned long sum = 0;
  for (int c = -1; c < 256; c++) sum = sum * 31 + (unsigned)toupper(c) * 7 + (unsigned)tolower(c);
  printf("case hash=%lu\n", sum);
  return 0;
}
