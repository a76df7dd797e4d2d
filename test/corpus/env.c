// Environment: getenv, setenv/unsetenv/putenv, and walking environ.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(void) {
  const char *names[] = { "CORPUS_A", "CORPUS_B", "CORPUS_EMPTY", "CORPUS_MISSING", "PATH" };
  for (unsigned i = 0; i < sizeof names / sizeof *names; i++) {
    const char *v = getenv(names[i]);
    printf("%s=%s\n", names[i], v ? v : "(unset)");
  }
  setenv("CORPUS_NEW", "fresh", 1);
  setenv("CORPUS_A", "ignored", 0);
  setenv("CORPUS_B", "replaced", 1);
  unsetenv("CORPUS_EMPTY");
  static char kv[] = "CORPUS_PUT=put";
  putenv(kv);
  int n = 0;
  for (char **e = environ; *e; e++) {
    n++;
    if (!strncmp(*e, "CORPUS_", 7)) printf("env: %s\n", *e);
  }
  printf("count=%d\n", n);
  return 0;
}
