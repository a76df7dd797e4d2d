// stdio on the file named by argv[1]: fopen/fread/fseek/ftell/rewind/fgetc/ungetc/fgets, reads at
// offsets near the end, feof/ferror, and fopen errors.
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror("fopen"); return 1; }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  printf("size=%ld\n", size);
  long offs[] = { 0, 1, 100, size / 2, size - 10, size - 1 };
  for (unsigned i = 0; i < sizeof offs / sizeof *offs; i++) {
    unsigned char b[16];
    fseek(f, offs[i], SEEK_SET);
    size_t n = fread(b, 1, sizeof b, f);
    printf("@%ld n=%zu:", offs[i], n);
    for (size_t k = 0; k < n; k++) printf(" %02x", b[k]);
    printf(" eof=%d\n", feof(f));
  }
  rewind(f);
  int c = fgetc(f);
  ungetc('Z', f);
  printf("first=%d again=%c tell=%ld\n", c, fgetc(f), ftell(f));
  fseek(f, -5, SEEK_CUR);
  printf("seek before start: %ld\n", ftell(f));
  char line[64];
  rewind(f);
  int lines = 0;
  while (fgets(line, sizeof line, f)) lines++;
  printf("fgets pieces=%d eof=%d err=%d\n", lines, feof(f), ferror(f));
  fclose(f);
  f = fopen("/definitely/not/here", "r");
  printf("missing: %s %s\n", f ? "opened" : "NULL", errno == ENOENT ? "ENOENT" : strerror(errno));
  return 0;
}
