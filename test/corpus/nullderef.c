// A NULL dereference: SIGSEGV with the default action (status 139). stderr is unbuffered.
#include <stdio.h>

int main(int argc, char **argv) {
  (void)argv;
  int *volatile p = (int *)0;
  fprintf(stderr, "dereferencing NULL\n");
  return *p + argc;
}
