// Pseudo-random sequences that are fixed by their seeds: rand/srand, random/srandom, drand48/srand48,
// rand_r. (Each C library has its own generator; each run is compared with the same binary natively.)
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  srand(42);
  for (int i = 0; i < 5; i++) printf("%d ", rand());
  printf("\n");
  srandom(7);
  for (int i = 0; i < 5; i++) printf("%ld ", random());
  printf("\n");
  srand48(1234);
  for (int i = 0; i < 3; i++) printf("%.12f %ld ", drand48(), lrand48());
  printf("\n");
  unsigned seed = 99;
  for (int i = 0; i < 5; i++) printf("%d ", rand_r(&seed));
  printf("\n");
  return 0;
}
