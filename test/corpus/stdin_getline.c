// getline and getdelim on stdin: word and character statistics.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  long words = 0, chars = 0, longest = 0, count = 0;
  while ((n = getline(&line, &cap, stdin)) != -1) {
    count++;
    chars += n;
    if (n > longest) longest = n;
    int in = 0;
    for (ssize_t i = 0; i < n; i++) {
      if (isspace((unsigned char)line[i])) in = 0;
      else if (!in) { in = 1; words++; }
    }
  }
  printf("lines=%ld words=%ld chars=%ld longest=%ld\n", count, words, chars, longest);
  free(line);
  return 0;
}
