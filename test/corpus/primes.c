// Sieve of Eratosthenes to 150000, counts per range and a 64-bit sum.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  enum { N = 150000 };
  unsigned char *comp = calloc(N + 1, 1);
  for (long i = 2; i * i <= N; i++)
    if (!comp[i]) for (long j = i * i; j <= N; j += i) comp[j] = 1;
  long count = 0;
  unsigned long long sum = 0;
  for (long i = 2; i <= N; i++) {
    if (!comp[i]) { count++; sum += i; }
    if (i == 10 || i == 1000 || i == 100000 || i == N) printf("pi(%ld)=%ld\n", i, count);
  }
  printf("sum=%llu\n", sum);
  long last = N;
  while (comp[last]) last--;
  printf("largest=%ld\n", last);
  free(comp);
  return 0;
}
