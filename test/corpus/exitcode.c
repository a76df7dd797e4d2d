// Exit status: the low 8 bits of the value given to exit, after atexit handlers ran and stdout flushed.
#include <stdio.h>
#include <stdlib.h>

static void bye(void) { printf("atexit handler\n"); }

int main(int argc, char **argv) {
  atexit(bye);
  int code = argc > 1 ? atoi(argv[1]) : 0;
  printf("exiting with %d\n", code);
  if (argc > 2) _Exit(code);
  exit(code);
}
