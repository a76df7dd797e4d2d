// Struct copies, bit-fields, unions, variable-length arrays and 128-bit integers: the code gcc emits for
// moves of odd sizes, shifts and masks, and multi-word arithmetic.
#include <stdio.h>
#include <string.h>
#include <stdint.h>

struct odd { char c; short s; int i; long l; char tail[13]; };
struct bits { unsigned a : 3, b : 7, c : 12; signed d : 5; unsigned long e : 40; };
union pun { double d; uint64_t u; unsigned char b[8]; };

static struct odd make(int k) { struct odd o = { (char)k, (short)(k * 3), k * 1000, (long)k << 40, "tail" }; o.tail[12] = (char)k; return o; }

int main(void) {
  struct odd arr[5];
  for (int k = 0; k < 5; k++) arr[k] = make(k + 1);
  struct odd copy = arr[3];
  printf("%d %d %d %ld %s %d size=%zu\n", copy.c, copy.s, copy.i, copy.l, copy.tail, copy.tail[12], sizeof copy);
  struct bits b = { 5, 100, 4000, -7, 0x123456789aULL };
  b.b += 30; b.d -= 10; b.e *= 3;
  printf("bits %u %u %u %d %llx\n", b.a, b.b, b.c, b.d, (unsigned long long)b.e);
  union pun p = { .d = -2.5 };
  printf("pun %016llx %02x\n", (unsigned long long)p.u, p.b[7]);
  int n = 17;
  int vla[n];
  for (int i = 0; i < n; i++) vla[i] = i * i;
  long s = 0;
  for (int i = 0; i < n; i++) s += vla[i];
  printf("vla sum=%ld\n", s);
  unsigned __int128 x = (unsigned __int128)0xffffffffffffffffULL * 0xfedcba987654321ULL;
  __int128 y = -(__int128)x / 7;
  printf("u128 hi=%016llx lo=%016llx\n", (unsigned long long)(x >> 64), (unsigned long long)x);
  printf("i128 hi=%016llx lo=%016llx mod=%d\n", (unsigned long long)((unsigned __int128)y >> 64), (unsigned long long)y, (int)(x % 1000003));
  char buf[40];
  memset(buf, 0, sizeof buf);
  // Only defined bytes: struct padding holds whatever the stack held.
  memcpy(buf + 3, &arr[1].i, 4);
  memcpy(buf + 7, &arr[1].l, 8);
  memcpy(buf + 15, arr[1].tail, 13);
  uint32_t h = 0;
  for (int i = 0; i < 40; i++) h = h * 131 + (unsigned char)buf[i];
  printf("bytes hash=%08x\n", h);
  return 0;
}
