// Deep and branchy recursion: Ackermann, naive Fibonacci, and a recursive permutation count.
#include <stdio.h>

static unsigned long ack(unsigned long m, unsigned long n) {
  if (m == 0) return n + 1;
  if (n == 0) return ack(m - 1, 1);
  return ack(m - 1, ack(m, n - 1));
}

static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int used[10];
static long perms(int k, int n) {
  if (k == n) return 1;
  long c = 0;
  for (int i = 0; i < n; i++) if (!used[i] && !(k > 0 && i == k)) { used[i] = 1; c += perms(k + 1, n); used[i] = 0; }
  return c;
}

int main(void) {
  printf("ack(2,3)=%lu ack(3,5)=%lu\n", ack(2, 3), ack(3, 5));
  printf("fib(20)=%ld\n", fib(20));
  printf("derangement-ish(8)=%ld\n", perms(0, 8));
  return 0;
}
