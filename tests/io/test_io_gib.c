/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* 1 GiB each way through two nodes over loopback, byte-exact (ctest label
 * "long"). Messages of 1 MiB; the sender stops at backpressure (OVERFLOW or
 * a full pool) and goes on after the loop turns. */
#include "iotest.h"

enum { MSG = 1 << 20 };

typedef struct side {
  uint32_t sent, recvd, stream;
} side;

static uint32_t total = 1024; /* messages each way */

/* Cheap content: each 8-byte word names its stream, message and offset. */
static void pattern(uint8_t *p, uint32_t stream, uint32_t idx) {
  uint64_t base = ((uint64_t)stream << 56) | ((uint64_t)idx << 24);
  for (size_t i = 0; i < MSG / 8; i++) {
    uint64_t w = base | i;
    memcpy(p + 8 * i, &w, 8);
  }
}

static uint8_t *want;

static void on_msg(tnode *n, const pn_event_message *ev) {
  side *s = n->user;
  assert_true(ev->len == MSG);
  pattern(want, s->stream ^ 1, s->recvd);
  assert_true(memcmp(want, ev->data, MSG) == 0);
  s->recvd++;
}

static void test_gib(void **state) {
  (void)state;
  assert_true(pn_crypto_init() == 0);
  pn_io_install_signals();
  static uint8_t buf[MSG];
  want = malloc(MSG);
  assert_true(want);
  tnode a, b;
  side sa = {0, 0, 0}, sb = {0, 0, 1};
  tnode_init(&a, NULL, NULL);
  tnode_init(&b, NULL, NULL);
  a.on_msg = b.on_msg = on_msg;
  a.user = &sa;
  b.user = &sb;
  unsigned port = tnode_listen(&a, "127.0.0.1");
  assert_true(port);
  tnode_dial(&b, "127.0.0.1", port, 0);
  pn_io *ios[2] = {a.io, b.io};
  STEP_UNTIL(ios, 2, a.connected && b.connected, 5);
  pn_time t0 = pn_io_now(), until = t0 + 240 * PN_SEC;
  while (sa.recvd < total || sb.recvd < total) {
    assert_true(pn_io_now() < until);
    tnode *nodes[2] = {&a, &b};
    side *sides[2] = {&sa, &sb};
    for (int i = 0; i < 2; i++) {
      side *s = sides[i];
      while (s->sent < total) {
        pattern(buf, s->stream, s->sent);
        int r = pn_engine_send(nodes[i]->e, &nodes[1 - i]->id, buf, MSG,
                               pn_io_now());
        if (r == PN_ERR_OVERFLOW) break;
        assert_true(r == 0);
        s->sent++;
      }
    }
    assert_true(pn_io_step_many(ios, 2, 20 * PN_MSEC) == 0);
  }
  double secs = (double)(pn_io_now() - t0) / 1e9;
  assert_true(a.disconnected == 0 && b.disconnected == 0);
  printf("gib: %u MiB each way in %.1f s (%.0f MiB/s per direction), "
         "byte-exact\n",
         total, secs, total / secs);
  tnode_stop_pair(&a, &b);
  free(want);
}

int main(int argc, char **argv) {
  if (argc > 1) total = (uint32_t)atoi(argv[1]); /* smaller runs by hand */
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_gib)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
