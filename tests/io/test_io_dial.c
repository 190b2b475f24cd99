/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Dialling: redial with backoff until a listener appears, and the dial
 * timeout against a listener whose accept queue is full (the kernel drops
 * the SYNs, so connect() never finishes). */
#include "iotest.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned free_port(void) {
  struct sockaddr_in sa = {.sin_family = AF_INET};
  socklen_t sl = sizeof sa;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
  CHECK(getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
  close(fd);
  return ntohs(sa.sin_port);
}

int main(void) {
  CHECK(pn_crypto_init() == 0);
  pn_io_install_signals();
  int baseline = count_fds();

  /* 1. Redial: nothing listens yet; the node keeps trying with backoff. */
  tnode a, b;
  pn_io_config rc = {.redial_min = 20 * PN_MSEC, .redial_max = 100 * PN_MSEC};
  tnode_init(&a, NULL, NULL);
  tnode_init(&b, NULL, &rc);
  unsigned port = free_port();
  tnode_dial(&b, "127.0.0.1", port, 1);
  pn_io *ios[2] = {a.io, b.io};
  step_for(&b.io, 1, 0.3);
  CHECK(b.connected == 0);
  char addr[64];
  snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
  CHECK(pn_io_listen(a.io, addr) == 0);
  pn_time t0 = pn_io_now();
  STEP_UNTIL(ios, 2, a.connected == 1 && b.connected == 1, 5);
  printf("dial: redial found the listener %.0f ms after it appeared\n",
         (double)(pn_io_now() - t0) / 1e6);
  /* The connection is lost: the node dials again by itself. */
  pn_io_stop(a.io);
  STEP_UNTIL(ios, 2, pn_io_done(a.io) && b.disconnected == 1, 5);
  tnode_free(&a);
  tnode_init(&a, NULL, NULL);
  ios[0] = a.io;
  CHECK(pn_io_listen(a.io, addr) == 0);
  STEP_UNTIL(ios, 2, a.connected == 1 && b.connected == 2, 5);
  printf("dial: reconnected after the peer went away and came back\n");
  pn_io_stop(a.io);
  pn_io_stop(b.io);
  STEP_UNTIL(ios, 2, pn_io_done(a.io) && pn_io_done(b.io), 5);
  tnode_free(&a);
  tnode_free(&b);

  /* 2. Dial timeout: a listener that never accepts, its queue full. */
  struct sockaddr_in sa = {.sin_family = AF_INET};
  socklen_t sl = sizeof sa;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK(l >= 0 && bind(l, (struct sockaddr *)&sa, sizeof sa) == 0);
  CHECK(listen(l, 0) == 0 && getsockname(l, (struct sockaddr *)&sa, &sl) == 0);
  int fill[4];
  for (int i = 0; i < 4; i++) {
    fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    CHECK(fill[i] >= 0);
    int r = connect(fill[i], (struct sockaddr *)&sa, sizeof sa);
    CHECK(r == 0 || errno == EINPROGRESS);
  }
  usleep(100000);
  pn_io_config tc = {.dial_timeout = 300 * PN_MSEC};
  tnode c;
  tnode_init(&c, NULL, &tc);
  tnode_dial(&c, "127.0.0.1", ntohs(sa.sin_port), 0);
  t0 = pn_io_now();
  STEP_UNTIL(&c.io, 1, pn_io_conn_count(c.io) == 0, 5);
  double ms = (double)(pn_io_now() - t0) / 1e6;
  if (pn_io_errno(c.io) == ETIMEDOUT) {
    printf("dial: gave up after %.0f ms (dial timeout 300 ms)\n", ms);
    CHECK(ms >= 250 && ms < 1500);
  } else {
    printf("dial: the kernel refused instead (%s); timeout not exercised\n",
           strerror(pn_io_errno(c.io)));
  }
  tnode_free(&c);
  for (int i = 0; i < 4; i++)
    close(fill[i]);
  close(l);
  CHECK(count_fds() == baseline);
  return 0;
}
