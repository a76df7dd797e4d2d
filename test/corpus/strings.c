// The C library's string functions over many lengths and alignments (their SSE2 variants take different
// paths by length and alignment): strlen strchr strrchr memchr strcmp strncmp memcmp memcpy memmove
// memset strstr strspn strcspn strtok_r strncpy strcat.
#include <stdio.h>
#include <string.h>
#include <stdint.h>

static uint64_t h = 1469598103934665603ull;
static void mix(long v) { h = (h ^ (uint64_t)v) * 1099511628211ull; }

int main(void) {
  static char a[600], b[600], c[600];
  for (int i = 0; i < 599; i++) a[i] = 'a' + (i * 7) % 26;
  for (int off = 0; off < 33; off++) {
    for (int len = 0; len < 300; len += 1 + len / 8) {
      memcpy(b + off, a, len);
      b[off + len] = 0;
      mix(strlen(b + off));
      char *p = strchr(b + off, 'q'); mix(p ? p - (b + off) : -1);
      p = strrchr(b + off, 'e'); mix(p ? p - (b + off) : -1);
      p = memchr(b + off, 'z', len); mix(p ? p - (b + off) : -1);
      mix(strcmp(b + off, a) < 0 ? -1 : strcmp(b + off, a) > 0);
      mix(strncmp(b + off, a, len) == 0);
      mix(memcmp(b + off, a, len) < 0 ? -1 : memcmp(b + off, a, len) > 0);
      memmove(c + (off ^ 5), b + off, len + 1);
      mix(strcmp(c + (off ^ 5), b + off) == 0);
      memset(c + off, 'x', len);
      mix(c[off + len / 2]);
      p = strstr(b + off, "hov"); mix(p ? p - (b + off) : -1);
      mix(strspn(b + off, "abcdefghij"));
      mix(strcspn(b + off, "xyz"));
    }
  }
  char text[] = "the quick,brown  fox;jumps,,over the lazy dog";
  char *save, *tok;
  for (tok = strtok_r(text, " ,;", &save); tok; tok = strtok_r(NULL, " ,;", &save)) printf("[%s]", tok);
  printf("\n");
  char d[16];
  strncpy(d, "abc", sizeof d);
  mix(d[10]);
  strcat(d, "def");
  printf("%s hash=%016llx\n", d, (unsigned long long)h);
  return 0;
}
