// argv and argc as the kernel lays them out: every argument, empty ones, long ones, and argv[argc].
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  printf("argc=%d null=%d\n", argc, argv[argc] == NULL);
  for (int i = 1; i < argc; i++) printf("argv[%d] len=%zu [%s]\n", i, strlen(argv[i]), argv[i]);
  return argc;
}
