// Line-oriented stdin: fgets into a small buffer, lines longer than it, counts and a reversed echo.
#include <stdio.h>
#include <string.h>

int main(void) {
  char buf[32];
  int lines = 0, pieces = 0;
  size_t bytes = 0;
  while (fgets(buf, sizeof buf, stdin)) {
    size_t n = strlen(buf);
    bytes += n;
    pieces++;
    if (n && buf[n - 1] == '\n') { lines++; buf[--n] = 0; }
    for (size_t i = 0; i < n / 2; i++) { char t = buf[i]; buf[i] = buf[n - 1 - i]; buf[n - 1 - i] = t; }
    printf("%d:[%s]\n", pieces, buf);
  }
  printf("lines=%d pieces=%d bytes=%zu eof=%d\n", lines, pieces, bytes, feof(stdin));
  return 0;
}
