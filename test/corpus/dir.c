// Directories: getcwd, chdir into the directory given as argv[1] (the test makes it), opendir/readdir
// with names sorted, stat of each entry, and the errors for missing paths.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  if (chdir(argv[1])) { perror("chdir"); return 1; }
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) { perror("getcwd"); return 1; }
  const char *base = strrchr(cwd, '/');
  printf("cwd ends with /%s\n", base ? base + 1 : cwd);
  DIR *d = opendir(".");
  if (!d) { perror("opendir"); return 1; }
  char *names[256];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 256) names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof *names, cmp);
  for (int i = 0; i < n; i++) {
    struct stat st;
    if (stat(names[i], &st)) { printf("%s: stat failed\n", names[i]); continue; }
    printf("%-12s %s size=%lld mode=%o\n", names[i], S_ISDIR(st.st_mode) ? "dir " : "file",
      S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size, (unsigned)(st.st_mode & 0777));
  }
  struct stat st;
  printf("missing: %d %s\n", stat("no-such-file", &st), errno == ENOENT ? "ENOENT" : "?");
  printf("opendir file: %s\n", opendir("a.txt") == NULL && errno == ENOTDIR ? "ENOTDIR" : "?");
  printf("access: %d %d\n", access("a.txt", R_OK), access("nope", F_OK));
  return 0;
}
