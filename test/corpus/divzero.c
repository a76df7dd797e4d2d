// Integer division by zero: #DE, SIGFPE with the default action (status 136).
#include <stdio.h>

int main(int argc, char **argv) {
  (void)argv;
  volatile int zero = argc - 1;
  int q;
  fprintf(stderr, "dividing by zero\n");
  __asm__ volatile("cltd; idivl %2" : "=a"(q) : "a"(100), "r"(zero) : "edx");
  return q;
}
