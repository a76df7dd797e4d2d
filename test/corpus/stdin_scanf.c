// scanf of mixed input: ints, doubles, words; the sum and the stop reason.
#include <stdio.h>

int main(void) {
  int n;
  if (scanf("%d", &n) != 1) return 2;
  long isum = 0;
  double dsum = 0;
  char word[64];
  for (int i = 0; i < n; i++) {
    int a; double d;
    if (scanf("%d %lf %63s", &a, &d, word) != 3) { printf("short read at %d\n", i); return 3; }
    isum += a; dsum += d;
    printf("%d %.3f %s\n", a, d, word);
  }
  unsigned hx; char c;
  int r = scanf(" %x %c", &hx, &c);
  printf("r=%d hx=%u c=%c\n", r, hx, c);
  printf("isum=%ld dsum=%.6f\n", isum, dsum);
  r = scanf("%d", &n);
  printf("last=%d\n", r);
  return 0;
}
