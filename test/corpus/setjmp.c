// setjmp/longjmp: jumping out of nested calls, values, volatile locals, and sigsetjmp masks.
#include <stdio.h>
#include <setjmp.h>
#include <signal.h>

static jmp_buf jb;
static int depth;

static void dive(int n) {
  depth = n;
  if (n == 0) longjmp(jb, 7);
  dive(n - 1);
  printf("never\n");
}

static jmp_buf outer, inner;
static void level2(void) { longjmp(inner, 2); }
static void level1(void) {
  if (setjmp(inner) == 0) level2();
  printf("inner caught\n");
  longjmp(outer, 1);
}

int main(void) {
  volatile int counter = 0;
  int r = setjmp(jb);
  counter++;
  if (r == 0) dive(50);
  printf("r=%d depth=%d counter=%d\n", r, depth, counter);
  if (setjmp(outer) == 0) level1();
  printf("outer caught\n");
  for (volatile int i = 0; i < 5; i++) {
    jmp_buf j;
    int v = setjmp(j);
    if (v < 3) longjmp(j, v + 1);
    printf("loop %d v=%d\n", i, v);
  }
  if (setjmp(jb) == 0) longjmp(jb, 0);
  printf("longjmp 0 gives 1\n");
  sigjmp_buf sj;
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  if (sigsetjmp(sj, 1) == 0) {
    sigprocmask(SIG_BLOCK, &s, 0);
    siglongjmp(sj, 1);
  }
  sigprocmask(SIG_BLOCK, 0, &s);
  printf("mask restored: %d\n", !sigismember(&s, SIGUSR1));
  return 0;
}
