// Integer workout for the C-level differential test (test/diff-int.test.ts): 128-bit multiply and divide,
// bit builtins (popcount, ctz, clz, parity, ffs, bswap) compiled for baseline x86_64, rotates, overflow
// builtins, narrow divisions, qsort/bsearch, strtol family, printf of every integer format, string
// functions. Prints a hash and the results; the emulated output must equal the native one.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <inttypes.h>
#include <limits.h>

static volatile uint64_t seedv = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) { uint64_t x = seedv; x ^= x << 13; x ^= x >> 7; x ^= x << 17; seedv = x; return x; }

static int cmpu(const void *a, const void *b) { uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b; return (x > y) - (x < y); }
static int cmps(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

__attribute__((noinline)) static unsigned rotl32(unsigned x, int k) { return (x << (k & 31)) | (x >> ((-k) & 31)); }
__attribute__((noinline)) static uint64_t rotr64(uint64_t x, int k) { return (x >> (k & 63)) | (x << ((-k) & 63)); }

int main(int argc, char **argv) {
  uint64_t h = 0;
  for (int i = 0; i < 2000; i++) {
    uint64_t a = rnd(), b = rnd() | 1;
    int64_t sa = (int64_t)a, sb = (int64_t)b;
    unsigned __int128 p = (unsigned __int128)a * b;
    __int128 sp = (__int128)sa * sb;
    unsigned __int128 n = ((unsigned __int128)a << 64) | rnd();
    unsigned __int128 q = n / ((b >> (i % 64)) | 1);
    unsigned __int128 r = n % (b >> (i % 64) | 1);
    __int128 sq = (__int128)n / (__int128)(sb >> (i % 60) | 1);
    h = h * 31 + (uint64_t)(p >> 64) + (uint64_t)p + (uint64_t)(sp >> 64) + (uint64_t)q + (uint64_t)(q >> 64) + (uint64_t)r + (uint64_t)sq;
    h ^= (uint64_t)__builtin_popcountll(a) << 1 ^ __builtin_ctzll(b) ^ (uint64_t)__builtin_clzll(b) << 7 ^ __builtin_parityll(a);
    h += __builtin_bswap64(a) ^ __builtin_bswap32((uint32_t)b) ^ __builtin_bswap16((uint16_t)a);
    h += rotl32((unsigned)a, (int)b) + rotr64(a, (int)(b >> 8));
    h += (uint32_t)a / ((uint32_t)b | 1) + (int32_t)a % (((int32_t)b | 1) == -1 ? 3 : ((int32_t)b | 1)) + (int16_t)a / ((int16_t)b | 1) + (uint8_t)a % ((uint8_t)b | 1);
    long long m; h += __builtin_mul_overflow(sa, sb, &m) + (uint64_t)m;
    unsigned um; h += __builtin_add_overflow((unsigned)a, (unsigned)b, &um) + um;
    h += (sa >> (i & 63)) + (a >> (i & 63)) + (a << (i & 63));
    h += __builtin_ffsll((long long)(a & (a - 1)));
    h += (uint64_t)llabs(sa % 1000003) + (uint64_t)(sa / -7);
  }
  printf("hash %016" PRIx64 "\n", h);

  uint32_t arr[500];
  for (int i = 0; i < 500; i++) arr[i] = (uint32_t)rnd();
  qsort(arr, 500, sizeof arr[0], cmpu);
  uint32_t key = arr[123];
  uint32_t *f = bsearch(&key, arr, 500, sizeof arr[0], cmpu);
  printf("sorted %08x %08x %08x found %td\n", arr[0], arr[250], arr[499], f - arr);

  char *words[] = { "pear", "apple", "fig", "banana", "cherry", "date", "elderberry", "grape", "kiwi", "lemon" };
  qsort(words, 10, sizeof words[0], cmps);
  for (int i = 0; i < 10; i++) printf("%s%c", words[i], i == 9 ? '\n' : ' ');

  const char *nums[] = { "0", "-1", "2147483647", "-2147483648", "9223372036854775807", "-9223372036854775808",
    "18446744073709551615", "0x7fffFFFF", "0777", "  +42abc", "99999999999999999999", "-0x8000000000000000", "z", "0b101" };
  for (int i = 0; i < 14; i++) {
    char *end;
    long l = strtol(nums[i], &end, 0);
    unsigned long long u = strtoull(nums[i], NULL, 0);
    long b36 = strtol(nums[i], NULL, 36);
    printf("%s -> %ld %llu %ld rest '%s' atoi %d\n", nums[i], l, u, b36, end, atoi(nums[i]));
  }
  char buf[256];
  snprintf(buf, sizeof buf, "%d %i %u %x %X %o %#x %#o %5d|%-5d|%05d %+d % d %hhd %hd %ld %lld %llx %zu %jd %%",
    INT_MIN, INT_MAX, UINT_MAX, 0xdeadbeef, 0xcafe, 0755, 255, 8, 42, 42, 42, 42, 42, (signed char)200, (short)70000,
    LONG_MIN, LLONG_MAX, ULLONG_MAX, (size_t)12345, (intmax_t)-1);
  puts(buf);
  snprintf(buf, sizeof buf, "%.3d|%8.3x|%-8.5o|%*d|%.*u", 7, 0xab, 8, 6, -12, 4, 99u);
  puts(buf);
  char big[1000], big2[1000];
  for (int i = 0; i < 1000; i++) big[i] = (char)('a' + i % 26);
  big[999] = 0;
  memmove(big + 3, big, 500);
  memcpy(big2, big, 1000);
  big2[700] = 'Z';
  printf("%zu %d %d %p %p %zu\n", strlen(big), memcmp(big, big2, 1000) > 0, strncmp(big, big2, 600),
    (void *)(strchr(big, 'q') - big), (void *)(strrchr(big, 'q') - big), strspn(big, "abcdef"));
  return argc == 1 ? 7 : 0;
}
