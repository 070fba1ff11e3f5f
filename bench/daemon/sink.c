/*
 * The real servers of the whole-daemon benchmark: one listener that accepts
 * and closes every TCP connection, for every address routed to its namespace
 * (a `local` route makes a whole prefix local). Health checks at the sizes the
 * benchmark runs (tens of thousands of connections a second) would take a
 * runtime's accept loop much of the kernel lab's one CPU; this takes little.
 *
 *   sink <port>
 *
 * Prints "listening" once it accepts connections, then runs until killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: sink <port>\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1]))};
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 65535) != 0) {
    perror("sink: bind/listen");
    return 1;
  }
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  printf("listening\n");
  fflush(stdout);
  for (;;) {
    struct epoll_event got;
    if (epoll_wait(ep, &got, 1, -1) < 0) {
      if (errno == EINTR) continue;
      perror("sink: epoll_wait");
      return 1;
    }
    for (;;) {
      int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
      if (c < 0) break;
      close(c);
    }
  }
}
