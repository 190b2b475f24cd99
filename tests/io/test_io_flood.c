/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* A flood of 200 connections against a peer limit of 16 and a handshake
 * limit of 4: 176 silent TCP connections and 24 real nodes that redial with
 * backoff. Exactly 16 peers are admitted, never more; the rest are refused
 * cleanly; the silent ones are reclaimed at the handshake timeout; and the
 * process's descriptors are back to the baseline at the end. */
#include "iotest.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { NCLIENTS = 24, NRAW = 176, PEERS = 16, HANDSHAKES = 4 };

static tnode server, clients[NCLIENTS];
static pn_io *ios[1 + NCLIENTS];
static int raw[NRAW], raw_closed[NRAW];
static size_t max_peers_seen;

static void step(void) {
  assert_true(pn_io_step_many(ios, 1 + NCLIENTS, 10 * PN_MSEC) == 0);
  size_t n = pn_engine_peer_count(server.e);
  if (n > max_peers_seen) max_peers_seen = n;
}

/* Counts raw sockets the server has closed (EOF or reset). */
static int raw_check(void) {
  int closed = 0;
  for (int i = 0; i < NRAW; i++) {
    if (!raw_closed[i]) {
      char b[64];
      ssize_t r = recv(raw[i], b, sizeof b, MSG_DONTWAIT);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                     errno != EINPROGRESS && errno != ENOTCONN))
        raw_closed[i] = 1;
    }
    closed += raw_closed[i];
  }
  return closed;
}

static void test_flood(void **state) {
  (void)state;
  assert_true(pn_crypto_init() == 0);
  pn_io_install_signals();
  int baseline = count_fds();
  pn_engine_config sc;
  pn_engine_config_default(&sc);
  sc.max_peers = PEERS;
  sc.max_handshakes = HANDSHAKES;
  sc.handshake_timeout = 1 * PN_SEC;
  tnode_init(&server, &sc, NULL);
  unsigned port = tnode_listen(&server, "127.0.0.1");
  assert_true(port);
  ios[0] = server.io;
  pn_engine_config cc;
  pn_engine_config_default(&cc);
  cc.max_message = 4096;
  cc.pool_budget = 256 * 1024;
  pn_io_config ic = {.redial_min = 50 * PN_MSEC, .redial_max = 200 * PN_MSEC};
  for (int i = 0; i < NCLIENTS; i++) {
    tnode_init(&clients[i], &cc, &ic);
    ios[1 + i] = clients[i].io;
  }

  /* The silent ones first, so they take the handshake slots. */
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < NRAW; i++) {
    raw[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(raw[i] >= 0);
    int r = connect(raw[i], (struct sockaddr *)&sa, sizeof sa);
    assert_true(r == 0 || errno == EINPROGRESS);
    if (i % 16 == 15) step(); /* keep the accept backlog short */
  }
  pn_time t0 = pn_io_now();
  for (int i = 0; i < NCLIENTS; i++)
    tnode_dial(&clients[i], "127.0.0.1", port, 1);

  /* Every silent connection is closed by the server: at once when over a
   * limit, at the handshake timeout otherwise. */
  pn_time until = pn_io_now() + HANG_GUARD_S * PN_SEC;
  while (raw_check() < NRAW) {
    assert_true(pn_io_now() < until);
    step();
  }
  pn_time t_raw = pn_io_now() - t0;
  assert_true(server.rejected[PN_REASON_HANDSHAKE_TIMEOUT] >= 1);
  assert_true(server.refused >= 1); /* over a limit, at once */

  /* The real nodes keep redialling until the limit is full. */
  until = pn_io_now() + HANG_GUARD_S * PN_SEC;
  while (pn_engine_peer_count(server.e) < PEERS ||
         server.rejected[PN_REASON_PEER_LIMIT] < NCLIENTS - PEERS) {
    assert_true(pn_io_now() < until);
    step();
  }
  for (int k = 0; k < 30; k++) /* it stays exact */
    step();
  assert_true(pn_engine_peer_count(server.e) == PEERS);
  assert_true(max_peers_seen == PEERS);
  /* The server's view decides; an admitted client also sees the server (a
   * refused one may briefly too, until the server's CLOSE arrives). */
  int admitted = 0;
  for (int i = 0; i < NCLIENTS; i++) {
    pn_peer_info pi;
    if (pn_engine_peer(server.e, &clients[i].id, &pi) == 0) {
      admitted++;
      assert_true(pn_engine_peer(clients[i].e, &server.id, &pi) == 0);
    }
  }
  assert_true(admitted == PEERS);
  pn_engine_mem m;
  pn_engine_memory(server.e, &m);
  assert_true(m.handshakes <= HANDSHAKES);

  printf("flood: %d silent + %d real connections against 16 peers / 4 "
         "handshakes\n",
         NRAW, NCLIENTS);
  printf("  admitted %zu (max ever %zu); refused: at open (conn or "
         "handshake limit) %llu, peer limit %llu, handshake timeout %llu\n",
         pn_engine_peer_count(server.e), max_peers_seen,
         (unsigned long long)server.refused,
         (unsigned long long)server.rejected[PN_REASON_PEER_LIMIT],
         (unsigned long long)server.rejected[PN_REASON_HANDSHAKE_TIMEOUT]);
  printf("  every silent connection closed within %.2f s\n",
         (double)t_raw / 1e9);

  for (int i = 0; i < NRAW; i++)
    close(raw[i]);
  for (int i = 0; i < NCLIENTS; i++)
    pn_io_stop(clients[i].io);
  pn_io_stop(server.io);
  until = pn_io_now() + HANG_GUARD_S * PN_SEC;
  for (;;) {
    int done = pn_io_done(server.io);
    for (int i = 0; i < NCLIENTS; i++)
      done += pn_io_done(clients[i].io);
    if (done == 1 + NCLIENTS) break;
    assert_true(pn_io_now() < until);
    step();
  }
  for (int i = 0; i < NCLIENTS; i++)
    tnode_free(&clients[i]);
  tnode_free(&server);
  int after = count_fds();
  printf("  descriptors: %d before, %d after\n", baseline, after);
  assert_true(after == baseline);
}

IOTEST_MAIN(test_flood)
