/*
 * A small C program for the Uprobe Lab debugger: a loop that calls a function through a pointer (an
 * indirect call), reads and updates globals (RIP-relative operands in the compiled code), and a
 * recursive function for return probes. Built with debug info and no optimisation so that every line
 * has its own code:  musl-gcc -g -O0 -static -o bin/hello-c src/hello.c
 */
#include <stdio.h>

static long counter;                 /* updated with RIP-relative instructions */
static const char greeting[] = "hello from the emulated machine";

static long square(long x) {
  return x * x;
}

static long (*op)(long) = square;     /* called through memory: an indirect call */

static long fact(long n) {
  if (n <= 1)
    return 1;
  return n * fact(n - 1);
}

int main(void) {
  long sum = 0;
  for (long i = 1; i <= 4; i++) {
    sum += op(i);
    counter++;
  }
  printf("%s\n", greeting);
  printf("sum of squares 1..4 = %ld, counter = %ld, 5! = %ld\n", sum, counter, fact(5));
  return 0;
}
