// mmap: a read-only private mapping of the file argv[1] (checksum, then a copy-on-write private
// mapping), anonymous mappings grown with mremap, munmap of a middle part, and the errors.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_RDONLY);
  struct stat st;
  fstat(fd, &st);
  const unsigned char *p = mmap(0, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) { perror("mmap"); return 1; }
  uint64_t h = 1469598103934665603ull;
  for (off_t i = 0; i < st.st_size; i++) h = (h ^ p[i]) * 1099511628211ull;
  printf("size=%lld fnv=%016llx\n", (long long)st.st_size, (unsigned long long)h);
  munmap((void *)p, st.st_size);
  unsigned char *w = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  unsigned char first = w[0];
  w[0] ^= 0xff;
  unsigned char again;
  pread(fd, &again, 1, 0);
  printf("private write: mapped=%d file=%d\n", w[0] == (unsigned char)(first ^ 0xff), again == first);
  munmap(w, 8192);
  close(fd);

  size_t n = 1 << 20;
  unsigned char *a = mmap(0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (size_t i = 0; i < n; i += 4096) a[i] = (unsigned char)(i >> 12);
  a = mremap(a, n, 8 * n, MREMAP_MAYMOVE);
  int ok = a != MAP_FAILED;
  for (size_t i = 0; ok && i < n; i += 4096) ok = a[i] == (unsigned char)(i >> 12);
  int zero = 1;
  for (size_t i = n; i < 8 * n; i += 4096) zero &= a[i] == 0;
  printf("mremap grow ok=%d zero=%d\n", ok, zero);
  a = mremap(a, 8 * n, n / 2, 0);
  printf("mremap shrink ok=%d\n", a != MAP_FAILED && a[4096] == 1);
  printf("munmap middle=%d\n", munmap(a + 4096, 4096));
  printf("bad mmap: %s\n", mmap(0, 4096, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED && errno == EBADF ? "EBADF" : "?");
  printf("zero len: %s\n", mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL ? "EINVAL" : "?");
  printf("unaligned munmap: %d %s\n", munmap(a + 1, 10), errno == EINVAL ? "EINVAL" : "?");
  return 0;
}
