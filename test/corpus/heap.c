// Heap growth: malloc/realloc/free of many sizes up to tens of MB (brk, mmap, munmap and mremap in the
// C library), with the contents checked after every move.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static uint32_t fill(unsigned char *p, size_t n, uint32_t seed) {
  for (size_t i = 0; i < n; i += 97) p[i] = (unsigned char)(seed + i);
  if (n) p[n - 1] = (unsigned char)seed;
  return seed;
}
static int check(const unsigned char *p, size_t n, uint32_t seed) {
  for (size_t i = 0; i < n - 1; i += 97) if (p[i] != (unsigned char)(seed + i)) return 0;
  return p[n - 1] == (unsigned char)seed;
}

int main(void) {
  enum { SLOTS = 512 };
  static unsigned char *slot[SLOTS];
  static size_t size[SLOTS];
  uint32_t s = 99;
  long ok = 0, bad = 0;
  for (int round = 0; round < 2500; round++) {
    s = s * 1103515245u + 12345u;
    int k = (s >> 8) % SLOTS;
    size_t n = 1 + ((s >> 3) % (round % 50 == 0 ? 200000 : 3000));
    if (slot[k]) {
      if (check(slot[k], size[k], k)) ok++; else bad++;
      if (s & 1) { free(slot[k]); slot[k] = 0; continue; }
      size_t m = size[k] < n ? size[k] : n;
      slot[k] = realloc(slot[k], n);
      if (!check(slot[k], m, k) && m == size[k]) bad++;
    } else {
      slot[k] = malloc(n);
    }
    size[k] = n;
    fill(slot[k], n, k);
  }
  // Big blocks: mmap'd by both C libraries, grown with realloc (mremap).
  size_t big = 1 << 20;
  unsigned char *p = malloc(big);
  fill(p, big, 7);
  for (int i = 0; i < 4; i++) {
    size_t nb = big * 2;
    p = realloc(p, nb);
    if (!check(p, big, 7)) bad++;
    big = nb;
    fill(p, big, 7);
  }
  printf("big=%zu check=%d\n", big, check(p, big, 7));
  free(p);
  unsigned char *q = calloc(5 << 20, 4);
  size_t z = 0;
  for (size_t i = 0; i < (20u << 20); i += 4096) z += q[i];
  printf("calloc zero=%d\n", z == 0);
  free(q);
  for (int k = 0; k < SLOTS; k++) free(slot[k]);
  printf("ok=%ld bad=%ld\n", ok, bad);
  return bad != 0;
}
