// stdout lost on a crash: a pipe-buffered printf never reaches the pipe, stderr does; then the program
// writes through a pointer into its read-only code (SIGSEGV, SEGV_ACCERR) with default action.
#include <stdio.h>

int main(void) {
  printf("buffered and lost\n");
  fprintf(stderr, "unbuffered\n");
  *(volatile char *)main = 0;
  return 0;
}
