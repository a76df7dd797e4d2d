// Sorting generated words with qsort/strcmp, then deduplicating and searching with bsearch.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmps(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
  enum { N = 3000 };
  static char *w[N];
  unsigned s = 7;
  for (int i = 0; i < N; i++) {
    int len = 1 + (s >> 7) % 12;
    w[i] = malloc(len + 1);
    for (int k = 0; k < len; k++) { s = s * 1664525u + 1013904223u; w[i][k] = 'a' + (s >> 24) % 26; }
    w[i][len] = 0;
    s = s * 1664525u + 1013904223u;
  }
  qsort(w, N, sizeof *w, cmps);
  int uniq = 1;
  for (int i = 1; i < N; i++) if (strcmp(w[i - 1], w[i])) w[uniq++] = w[i];
  printf("unique=%d first=%s last=%s\n", uniq, w[0], w[uniq - 1]);
  for (int i = 0; i < uniq; i += uniq / 10) printf("%d:%s\n", i, w[i]);
  const char *keys[] = { "a", "zz", "hello", w[uniq / 3], w[uniq - 1] };
  for (unsigned k = 0; k < sizeof keys / sizeof *keys; k++) {
    char **r = bsearch(&keys[k], w, uniq, sizeof *w, cmps);
    printf("find %s: %s\n", keys[k], r ? "yes" : "no");
  }
  return 0;
}
