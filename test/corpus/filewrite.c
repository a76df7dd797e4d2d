// Writing files in the directory given as argv[1]: create, write, append, read back, rename, truncate,
// unlink, mkdir/rmdir, and O_EXCL.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2 || chdir(argv[1])) return 2;
  FILE *f = fopen("out.txt", "w");
  if (!f) { perror("fopen w"); return 1; }
  for (int i = 0; i < 1000; i++) fprintf(f, "line %d %x\n", i, i * i);
  fclose(f);
  f = fopen("out.txt", "a");
  fputs("appended\n", f);
  fclose(f);
  struct stat st;
  stat("out.txt", &st);
  printf("size=%lld mode=%o\n", (long long)st.st_size, (unsigned)(st.st_mode & 0777));
  int fd = open("out.txt", O_RDWR);
  char buf[32];
  lseek(fd, 5, SEEK_SET);
  ssize_t n = read(fd, buf, 10);
  printf("read %zd [%.*s]\n", n, (int)n, buf);
  pwrite(fd, "XYZ", 3, 0);
  n = pread(fd, buf, 8, 0);
  printf("pread [%.*s]\n", (int)n, buf);
  ftruncate(fd, 100);
  fstat(fd, &st);
  printf("truncated size=%lld\n", (long long)st.st_size);
  close(fd);
  printf("excl: %d %s\n", open("out.txt", O_CREAT | O_EXCL | O_WRONLY, 0644), errno == EEXIST ? "EEXIST" : "?");
  printf("rename=%d\n", rename("out.txt", "moved.txt"));
  printf("old gone=%d\n", access("out.txt", F_OK) == -1 && errno == ENOENT);
  printf("mkdir=%d rmdir=%d\n", mkdir("sub", 0755), rmdir("sub"));
  printf("unlink=%d again=%d %s\n", unlink("moved.txt"), unlink("moved.txt"), errno == ENOENT ? "ENOENT" : "?");
  return 0;
}
