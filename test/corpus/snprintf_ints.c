// Integer and string conversions of printf: flags, widths, precisions, length modifiers.
#include <stdio.h>
#include <stdint.h>
#include <limits.h>
#include <stddef.h>

int main(void) {
  char b[256];
  long long vals[] = { 0, 1, -1, 42, -42, 127, 128, 255, 256, 65535, 65536, INT_MAX, INT_MIN, (long long)UINT_MAX,
    LLONG_MAX, LLONG_MIN, 1234567890123LL };
  for (unsigned i = 0; i < sizeof vals / sizeof *vals; i++) {
    long long v = vals[i];
    int n = snprintf(b, sizeof b, "[%d|%i|%u|%x|%X|%o|%5d|%-5d|%05d|%+d|% d|%lld|%llx|%llo|%hhd|%hd|%#x|%#o|%.3d|%*d]",
      (int)v, (int)v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v, (int)v, (int)v, (int)v, (int)v, (int)v,
      v, (unsigned long long)v, (unsigned long long)v, (char)v, (short)v, (unsigned)v, (unsigned)v, (int)v, 8, (int)v);
    printf("%2u %3d %s\n", i, n, b);
  }
  printf("[%c%c%c] [%s] [%10s] [%-10s] [%.2s] [%5.1s] [%%]\n", 'a', 'Z', '0', "str", "right", "left", "trunc", "xy");
  printf("[%p] [%p]\n", (void *)0, (void *)0x1234abcd);
  printf("[%zu] [%zd] [%td] [%jd] [%ju]\n", (size_t)123456, (ptrdiff_t)-5, (ptrdiff_t)77, (intmax_t)-99, (uintmax_t)99);
  int n1 = 0, n2 = 0;
  printf("abc%ndef%n\n", &n1, &n2);
  printf("n1=%d n2=%d\n", n1, n2);
  printf("trunc=%d [%s]\n", snprintf(b, 8, "%s", "0123456789abcdef"), b);
  printf("[%08.3f] [%-8.2e] [%+.0f]\n", 3.14159, -2.5e-3, 2.5);
  return 0;
}
