// Checksums of the file named by argv[1], read with read(2) in odd-sized chunks: CRC-32 and FNV-1a.
#include <stdio.h>
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: hashfile FILE\n"); return 2; }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) { perror(argv[1]); return 1; }
  uint32_t table[256];
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  uint32_t crc = 0xffffffffu;
  uint64_t fnv = 1469598103934665603ull;
  unsigned char buf[1237];
  long total = 0;
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; i++) {
      crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
      fnv = (fnv ^ buf[i]) * 1099511628211ull;
    }
    total += n;
  }
  close(fd);
  printf("bytes=%ld crc32=%08x fnv=%016llx\n", total, crc ^ 0xffffffffu, (unsigned long long)fnv);
  return 0;
}
