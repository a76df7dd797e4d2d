// abort(): SIGABRT with the default action, after flushing what we wrote to stderr (unbuffered).
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  fprintf(stderr, "about to abort\n");
  abort();
}
