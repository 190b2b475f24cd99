/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* EMFILE on accept: with the descriptor limit reached, pending connections
 * are taken off the queue and closed (the driver gives up a reserve
 * descriptor to do it) instead of leaving poll() to wake at once forever.
 * Once descriptors are free again, a real node connects normally. */
#include "iotest.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum { NRAW = 20 };

int main(void) {
  CHECK(pn_crypto_init() == 0);
  pn_io_install_signals();
  tnode server, client;
  tnode_init(&server, NULL, NULL);
  tnode_init(&client, NULL, NULL);
  unsigned port = tnode_listen(&server, "127.0.0.1");
  CHECK(port);
  int raw[NRAW];
  for (int i = 0; i < NRAW; i++)
    CHECK((raw[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);

  /* No descriptor left for accept(). */
  struct rlimit old, lim;
  CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0);
  int used = count_fds();
  lim = old;
  lim.rlim_cur = (rlim_t)used + 8;
  CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0);
  int fillers[64], nfill = 0; /* take every descriptor still free */
  while (nfill < 64 && (fillers[nfill] = open("/dev/null", O_RDONLY)) >= 0)
    nfill++;
  CHECK(nfill < 64 && errno == EMFILE);

  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < NRAW; i++)
    CHECK(connect(raw[i], (struct sockaddr *)&sa, sizeof sa) == 0);

  /* Turn the loop for a second: every connection is shed, and the loop
   * sleeps instead of spinning on a listener that stays readable. */
  int steps = 0, closed = 0;
  pn_time until = pn_io_now() + 1 * PN_SEC;
  while (pn_io_now() < until) {
    CHECK(pn_io_step(server.io, 50 * PN_MSEC) == 0);
    steps++;
  }
  for (int i = 0; i < NRAW; i++) {
    char b;
    ssize_t r = recv(raw[i], &b, 1, MSG_DONTWAIT);
    closed += r == 0 || (r < 0 && errno == ECONNRESET);
  }
  printf("emfile: %d of %d connections shed at the descriptor limit, %d loop "
         "turns in 1 s\n",
         closed, NRAW, steps);
  CHECK(closed == NRAW);
  CHECK(steps < 100); /* about 20 at 50 ms a turn; a spin would be 1e5+ */
  CHECK(pn_io_conn_count(server.io) == 0);

  while (nfill)
    close(fillers[--nfill]);
  CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
  for (int i = 0; i < NRAW; i++)
    close(raw[i]);
  pn_io *ios[2] = {server.io, client.io};
  tnode_dial(&client, "127.0.0.1", port, 0);
  STEP_UNTIL(ios, 2, server.connected == 1 && client.connected == 1, 5);
  pn_io_stop(server.io);
  pn_io_stop(client.io);
  STEP_UNTIL(ios, 2, pn_io_done(server.io) && pn_io_done(client.io), 5);
  tnode_free(&server);
  tnode_free(&client);
  return 0;
}
