// What a program learns about its machine: page size, clock ticks, uname's sysname and machine, its own
// ids being consistent, rlimits, and the mappings of /proc/self/maps that belong to the program itself.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(int argc, char **argv) {
  (void)argc;
  printf("pagesize=%ld getpagesize=%d clk_tck=%ld\n", sysconf(_SC_PAGESIZE), getpagesize(), sysconf(_SC_CLK_TCK));
  struct utsname u;
  uname(&u);
  printf("sysname=%s machine=%s\n", u.sysname, u.machine);
  printf("ids: pid_pos=%d ppid_pos=%d uid_eq=%d gid_eq=%d\n", getpid() > 0, getppid() > 0, getuid() == geteuid(),
    getgid() == getegid());
  struct rlimit rl;
  getrlimit(RLIMIT_STACK, &rl);
  printf("stack limit=%lld\n", (long long)rl.rlim_cur);
  char *heap = malloc(100000);
  heap[0] = 1;
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) { printf("no maps\n"); return 1; }
  char line[512], exe[512];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = 0;
  printf("exe is argv0: %d\n", strstr(exe, strrchr(argv[0], '/') ? strrchr(argv[0], '/') : argv[0]) != NULL);
  int stack = 0, mine = 0;
  while (fgets(line, sizeof line, f)) {
    char perms[8], path[400] = "";
    unsigned long lo, hi, off;
    if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %399s", &lo, &hi, perms, &off, path) < 4) continue;
    if (!strcmp(path, exe)) printf("image %s off=%lx\n", perms, off), mine++;
    if (!strcmp(path, "[stack]")) stack++;
  }
  fclose(f);
  printf("image mappings=%d stack=%d\n", mine, stack);
  return 0;
}
