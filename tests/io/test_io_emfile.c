/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* EMFILE on accept: with the descriptor limit reached, pending connections
 * are taken off the queue and closed (the driver gives up a reserve
 * descriptor to do it), so the listener does not stay readable and the loop
 * cannot spin; the application is told once. Once descriptors are free
 * again, a real node connects normally. */
#include "iotest.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum { NRAW = 20 };

static void test_emfile(void **state) {
  (void)state;
  tnode server, client;
  tnode_init(&server, NULL, NULL);
  tnode_init(&client, NULL, NULL);
  unsigned port = tnode_listen(&server, "127.0.0.1");
  assert_true(port);
  int raw[NRAW], raw_closed[NRAW] = {0};
  for (int i = 0; i < NRAW; i++)
    assert_true((raw[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);

  /* No descriptor left for accept(). */
  struct rlimit old, lim;
  assert_true(getrlimit(RLIMIT_NOFILE, &old) == 0);
  int used = count_fds();
  lim = old;
  lim.rlim_cur = (rlim_t)used + 8;
  assert_true(setrlimit(RLIMIT_NOFILE, &lim) == 0);
  int fillers[64], nfill = 0; /* take every descriptor still free */
  while (nfill < 64 && (fillers[nfill] = open("/dev/null", O_RDONLY)) >= 0)
    nfill++;
  assert_true(nfill < 64 && errno == EMFILE);

  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < NRAW; i++)
    assert_true(connect(raw[i], (struct sockaddr *)&sa, sizeof sa) == 0);

  /* Every connection is shed: the peer sees EOF or a reset. */
  int closed = 0;
  pn_time until = pn_io_now() + HANG_GUARD_S * PN_SEC;
  while (closed < NRAW) {
    assert_true(pn_io_now() < until);
    assert_true(pn_io_step(server.io, 10 * PN_MSEC) == 0);
    for (int i = 0; i < NRAW; i++) {
      char b;
      ssize_t r = recv(raw[i], &b, 1, MSG_DONTWAIT);
      if (!raw_closed[i] && (r == 0 || (r < 0 && errno == ECONNRESET))) {
        raw_closed[i] = 1;
        closed++;
      }
    }
  }
  /* Nothing is left in the accept queue, so nothing wakes the loop any
   * more: a listener left readable is what a spin would need. */
  pn_io_stats st0, st1;
  pn_io_stats_get(server.io, &st0);
  for (int i = 0; i < 5; i++)
    assert_true(pn_io_step(server.io, 0) == 0);
  pn_io_stats_get(server.io, &st1);
  assert_true(st1.wakeups == st0.wakeups);
  assert_true(pn_io_conn_count(server.io) == 0);
  assert_true(server.accept_failed == 1); /* told once for the episode */
  assert_true(server.connected == 0);

  while (nfill)
    close(fillers[--nfill]);
  assert_true(setrlimit(RLIMIT_NOFILE, &old) == 0);
  for (int i = 0; i < NRAW; i++)
    close(raw[i]);
  pn_io *ios[2] = {server.io, client.io};
  tnode_dial(&client, "127.0.0.1", port, 0);
  STEP_UNTIL(ios, 2, server.connected == 1 && client.connected == 1, 5);
  tnode_stop_pair(&server, &client);
}

IOTEST_MAIN(test_emfile)
