// Arbitrary precision arithmetic on 32-bit limbs: 300! and 2^1000 printed in decimal (64-bit multiply
// and divide by constants).
#include <stdio.h>
#include <stdint.h>
#include <string.h>

typedef struct { uint32_t d[400]; int n; } big;

static void mul_small(big *a, uint32_t m) {
  uint64_t carry = 0;
  for (int i = 0; i < a->n; i++) {
    uint64_t t = (uint64_t)a->d[i] * m + carry;
    a->d[i] = (uint32_t)t;
    carry = t >> 32;
  }
  if (carry) a->d[a->n++] = (uint32_t)carry;
}

static uint32_t div_small(big *a, uint32_t q) {
  uint64_t r = 0;
  for (int i = a->n - 1; i >= 0; i--) {
    uint64_t t = (r << 32) | a->d[i];
    a->d[i] = (uint32_t)(t / q);
    r = t % q;
  }
  while (a->n > 1 && !a->d[a->n - 1]) a->n--;
  return (uint32_t)r;
}

static void print(const char *name, big a) {
  static char out[4000];
  int k = 0;
  while (a.n > 1 || a.d[0]) {
    uint32_t r = div_small(&a, 1000000000u);
    for (int j = 0; j < 9; j++) { out[k++] = '0' + r % 10; r /= 10; }
  }
  while (k > 1 && out[k - 1] == '0') k--;
  printf("%s (%d digits) = ", name, k);
  for (int i = k - 1; i >= 0; i--) putchar(out[i]);
  putchar('\n');
}

int main(void) {
  big a = { { 1 }, 1 };
  for (uint32_t i = 2; i <= 300; i++) mul_small(&a, i);
  print("300!", a);
  big b = { { 1 }, 1 };
  for (int i = 0; i < 1000; i++) mul_small(&b, 2);
  print("2^1000", b);
  int64_t s = -1;
  uint64_t u = 0xfedcba9876543210ull;
  printf("%lld %llu %lld %llu\n", (long long)(s * 7 / 3), (unsigned long long)(u / 12345), (long long)(INT64_MIN / -3 + 0),
    (unsigned long long)(u % 0xffffffffu));
  return 0;
}
