// poll and select on stdin with piped input: ready for reading, then end of file.
#include <poll.h>
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>

int main(void) {
  struct pollfd p = { .fd = 0, .events = POLLIN };
  int r = poll(&p, 1, 1000);
  printf("poll=%d in=%d\n", r, !!(p.revents & POLLIN));
  char buf[4096];
  long total = 0;
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) total += n;
  printf("read %ld bytes\n", total);
  fd_set rs;
  FD_ZERO(&rs);
  FD_SET(0, &rs);
  struct timeval tv = { 1, 0 };
  r = select(1, &rs, 0, 0, &tv);
  printf("select at eof=%d set=%d\n", r, FD_ISSET(0, &rs));
  struct pollfd q = { .fd = 1, .events = POLLOUT };
  r = poll(&q, 1, 0);
  printf("stdout writable=%d\n", r == 1 && (q.revents & POLLOUT));
  struct pollfd bad = { .fd = 77, .events = POLLIN };
  r = poll(&bad, 1, 0);
  printf("bad fd: %d nval=%d\n", r, !!(bad.revents & POLLNVAL));
  struct pollfd none = { .fd = -1, .events = POLLIN };
  r = poll(&none, 1, 10);
  printf("negative fd ignored, timeout: %d revents=%d\n", r, none.revents);
  return 0;
}
