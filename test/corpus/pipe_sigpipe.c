// A pipe inside one process: data through it, end of file once the write end is closed, and writing
// with no reader left: EPIPE with SIGPIPE ignored, a SIGPIPE handler, then the default action (141).
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void h(int sig) { got = sig; }

int main(void) {
  int fd[2];
  if (pipe(fd)) { perror("pipe"); return 1; }
  const char msg[] = "through the pipe";
  printf("write=%zd\n", write(fd[1], msg, sizeof msg));
  char buf[64] = { 0 };
  printf("read=%zd [%s]\n", read(fd[0], buf, sizeof buf), buf);
  close(fd[1]);
  printf("eof read=%zd\n", read(fd[0], buf, sizeof buf));
  if (pipe(fd)) return 1;
  close(fd[0]);
  signal(SIGPIPE, SIG_IGN);
  errno = 0;
  printf("ignored: write=%zd %s\n", write(fd[1], "x", 1), errno == EPIPE ? "EPIPE" : "?");
  signal(SIGPIPE, h);
  errno = 0;
  ssize_t r = write(fd[1], "x", 1);
  printf("handled: write=%zd %s got=%d\n", r, errno == EPIPE ? "EPIPE" : "?", got);
  signal(SIGPIPE, SIG_DFL);
  fflush(stdout);
  write(fd[1], "x", 1);
  printf("not reached\n");
  return 0;
}
