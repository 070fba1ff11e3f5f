/*
 * The floor a TCP health checker can reach on this machine: the same system
 * calls as anycastd's TCP check (non-blocking socket + connect, epoll, a close
 * with SO_LINGER 0, and getsockopt(SO_ERROR) only on failure) in a C loop
 * with no runtime around them, at the same rate over the same targets. The
 * health benchmark runs it beside anycastd to show how much of a check's cost
 * is the kernel's.
 *
 *   connect-floor <port> <targets> <interval-ms> <seconds>
 *
 * Targets are 127.1.0.1, 127.1.0.2, ...; each is connected to once per
 * interval, spread evenly. Prints {"checks":N,"failed":M,"cpuS":S,"userS":U}.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_s(int user_only) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  double sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  return user_only ? user : user + sys;
}

static void reset_close(int fd) {
  struct linger l = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s <port> <targets> <interval-ms> <seconds>\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]), targets = atoi(argv[2]);
  double interval = atof(argv[3]), seconds = atof(argv[4]);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event events[1024];
  long checks = 0, failed = 0;
  double step = interval / targets, start = now_ms(), warm = start + 1000, end = warm + seconds * 1000;
  double next = start, cpu0 = -1, user0 = 0;
  long i = 0;
  for (;;) {
    double t = now_ms();
    if (cpu0 < 0 && t >= warm) {
      cpu0 = cpu_s(0);
      user0 = cpu_s(1);
      checks = failed = 0;
    }
    if (t >= end) break;
    while (next <= t) {
      long n = (i++ % targets) + 1;
      struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
      sa.sin_addr.s_addr = htonl((127u << 24) | ((1 + (n >> 16)) << 16) | (n & 0xffff));
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
        reset_close(fd);
        checks++;
      } else if (errno == EINPROGRESS) {
        struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      } else {
        close(fd);
        checks++;
        failed++;
      }
      next += step;
    }
    /* Sleep to the next start, at millisecond granularity like a Node timer. */
    int wait = (int)ceil(next - now_ms());
    int n = epoll_wait(ep, events, 1024, wait < 1 ? 1 : wait);
    for (int k = 0; k < n; k++) {
      int fd = events[k].data.fd, err = 0;
      socklen_t len = sizeof err;
      if (events[k].events & (EPOLLERR | EPOLLHUP)) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      reset_close(fd);
      checks++;
      if (err) failed++;
    }
  }
  printf("{\"checks\":%ld,\"failed\":%ld,\"cpuS\":%f,\"userS\":%f}\n", checks, failed, cpu_s(0) - cpu0,
         cpu_s(1) - user0);
  return 0;
}
