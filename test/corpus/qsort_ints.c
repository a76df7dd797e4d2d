// qsort of many ints from a fixed linear congruential sequence, then checks and a checksum.
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

static int cmp(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

int main(void) {
  enum { N = 5000 };
  int *v = malloc(N * sizeof *v);
  uint32_t s = 12345;
  for (int i = 0; i < N; i++) { s = s * 1103515245u + 12345u; v[i] = (int)(s >> 1) - (1 << 30); }
  qsort(v, N, sizeof *v, cmp);
  uint64_t h = 1469598103934665603ull;
  int sorted = 1;
  for (int i = 0; i < N; i++) {
    if (i && v[i - 1] > v[i]) sorted = 0;
    h = (h ^ (uint32_t)v[i]) * 1099511628211ull;
  }
  printf("sorted=%d min=%d max=%d median=%d hash=%016llx\n", sorted, v[0], v[N - 1], v[N / 2], (unsigned long long)h);
  for (int i = 0; i < N; i += N / 8) printf("v[%d]=%d\n", i, v[i]);
  free(v);
  return 0;
}
