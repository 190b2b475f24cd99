/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Hostile connections never disturb other peers: while a good peer streams
 * numbered messages, one connection sends garbage, one a truncated frame and
 * then nothing, and one a real node writing one byte at a time. The good
 * peer's messages all arrive in order, nobody good is disconnected, the bad
 * connections are closed, and the byte-at-a-time node's message is intact. */
#include "iotest.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

enum { NGOOD = 200, SLOWLEN = 600 };

static uint32_t next_good;
static int slow_ok;
static tnode server, good, slow;

static void on_server_msg(tnode *n, const pn_event_message *ev) {
  (void)n;
  if (pn_peer_id_equal(&ev->peer, &good.id)) {
    uint32_t v;
    assert_true(ev->len == 4);
    memcpy(&v, ev->data, 4);
    assert_true(v == next_good); /* in order, none lost, none repeated */
    next_good++;
  } else {
    uint8_t want[SLOWLEN];
    assert_true(pn_peer_id_equal(&ev->peer, &slow.id));
    fill(want, SLOWLEN, 7, 0);
    assert_true(ev->len == SLOWLEN && !memcmp(want, ev->data, SLOWLEN));
    slow_ok++;
  }
}

static int raw_connect(unsigned port) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  assert_true(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
  return fd;
}

static int is_closed(int fd) {
  char b[256];
  for (;;) {
    ssize_t r = recv(fd, b, sizeof b, MSG_DONTWAIT);
    if (r > 0) continue;
    return r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }
}

static void test_garbage(void **state) {
  (void)state;
  assert_true(pn_crypto_init() == 0);
  pn_io_install_signals();
  int baseline = count_fds();
  pn_engine_config sc;
  pn_engine_config_default(&sc);
  sc.handshake_timeout = 1 * PN_SEC;
  tnode_init(&server, &sc, NULL);
  server.on_msg = on_server_msg;
  unsigned port = tnode_listen(&server, "127.0.0.1");
  assert_true(port);
  tnode_init(&good, NULL, NULL);
  pn_io_config slowcfg = {.max_write = 1}; /* one byte per write */
  tnode_init(&slow, NULL, &slowcfg);
  pn_io *ios[3] = {server.io, good.io, slow.io};
  tnode_dial(&good, "127.0.0.1", port, 0);
  STEP_UNTIL(ios, 3, good.connected == 1, 5);

  /* Garbage: 4 KiB of noise (its "length" is far over the limit). */
  int g = raw_connect(port);
  uint8_t noise[4096];
  fill(noise, sizeof noise, 99, 1);
  noise[0] = 0xff;
  assert_true(send(g, noise, sizeof noise, MSG_NOSIGNAL) ==
              (ssize_t)sizeof noise);
  /* A frame cut short: declares 32 bytes, sends 10, then nothing. */
  int t = raw_connect(port);
  static const uint8_t cut[12] = {0x00, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  assert_true(send(t, cut, sizeof cut, MSG_NOSIGNAL) == (ssize_t)sizeof cut);
  /* Byte at a time, through the whole handshake and a message. */
  tnode_dial(&slow, "127.0.0.1", port, 0);

  uint32_t sent = 0;
  int slow_sent = 0;
  pn_time until = pn_io_now() + HANG_GUARD_S * PN_SEC, tick = 0;
  while (next_good < NGOOD || !slow_ok || !is_closed(g) || !is_closed(t)) {
    assert_true(pn_io_now() < until);
    pn_time now = pn_io_now();
    if (sent < NGOOD && now >= tick) { /* about one every 10 ms */
      assert_true(pn_engine_send(good.e, &server.id, (const uint8_t *)&sent, 4,
                                 now) == 0);
      sent++;
      tick = now + 10 * PN_MSEC;
    }
    if (slow.connected && !slow_sent) {
      uint8_t m[SLOWLEN];
      fill(m, SLOWLEN, 7, 0);
      assert_true(pn_engine_send(slow.e, &server.id, m, SLOWLEN, now) == 0);
      slow_sent = 1;
    }
    assert_true(pn_io_step_many(ios, 3, 5 * PN_MSEC) == 0);
  }
  assert_true(good.disconnected == 0 && slow.disconnected == 0);
  assert_true(server.disconnected == 0);
  assert_true(pn_engine_peer_count(server.e) == 2);
  uint64_t refused = 0;
  for (int i = 0; i < 32; i++)
    refused += server.rejected[i];
  assert_true(refused == 2);
  printf("garbage: %u good messages in order, a %d-byte message written one "
         "byte at a time intact, garbage refused (%s), truncated frame "
         "reclaimed (%s)\n",
         next_good, SLOWLEN,
         server.rejected[PN_REASON_FRAME_TOO_LARGE] ? "frame too large"
                                                    : "handshake failed",
         server.rejected[PN_REASON_HANDSHAKE_TIMEOUT] ? "handshake timeout"
                                                      : "?");
  close(g);
  close(t);
  pn_io_stop(server.io);
  pn_io_stop(good.io);
  pn_io_stop(slow.io);
  STEP_UNTIL(
      ios, 3,
      pn_io_done(server.io) && pn_io_done(good.io) && pn_io_done(slow.io), 10);
  tnode_free(&server);
  tnode_free(&good);
  tnode_free(&slow);
  assert_true(count_fds() == baseline);
}

IOTEST_MAIN(test_garbage)
