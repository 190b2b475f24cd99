/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The engine scenario tests' shared helpers: see engine_fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <p2pnoise/engine.h>

#include "sim.h"
#include "test_hooks.h"
#include "engine_fixture.h"

pn_engine_config base_cfg(void) {
  pn_engine_config c;
  pn_engine_config_default(&c);
  return c;
}

void sim_base(sim *s, int n, uint64_t seed) {
  pn_engine_config c = base_cfg();
  sim_init(s, n, &c, NULL, seed);
}

void expect_reclaimed(const sim *s, int node) {
  pn_engine *e = s->n[node].e;
  assert_int_equal(pn_engine_test_conns(e), 0);
  assert_int_equal(pn_engine_test_handshakes(e), 0);
  assert_int_equal(pn_engine_peer_count(e), 0);
  assert_int_equal(pn_engine_test_pool_blocks_used(e), 0);
}

void finish(sim *s) {
  assert_int_equal(sim_finish(s), 0);
  sim_free(s);
}

long find_event(const sim *s, int node, pn_event_type type, size_t k) {
  for (size_t i = 0; i < s->n[node].nev; i++)
    if (s->n[node].ev[i].type == type && k-- == 0) return (long)i;
  return -1;
}

void send_ok(sim *s, int from, int to, const void *msg, size_t len) {
  int rc = pn_engine_send(s->n[from].e, &s->n[to].id, msg, len, s->now);
  if (rc != PN_OK) fail_msg("send %d->%d: %s", from, to, pn_strerror(rc));
}

void check_sequence(const sim *s, int node, int peer, size_t n) {
  assert_int_equal(sim_count_in_order(s, node, peer), n);
  assert_int_equal(sim_count_from(s, node, peer), n);
}

size_t make_msg(uint8_t *buf, size_t seq, size_t len) {
  int n = snprintf((char *)buf, 32, "m %zu", seq);
  if (len < (size_t)n + 1) len = (size_t)n + 1;
  buf[n] = 0;
  for (size_t i = (size_t)n + 1; i < len; i++)
    buf[i] = (uint8_t)(seq * 31 + i * 7);
  return len;
}

void check_msgs(const sim *s, int node, int peer, size_t count,
                const size_t *lens) {
  size_t seq = 0;
  uint8_t *buf = malloc(1 << 20);
  for (size_t i = 0; i < s->n[node].nev; i++) {
    const sim_event *v = &s->n[node].ev[i];
    if (v->type != PN_EVENT_MESSAGE ||
        !pn_peer_id_equal(&v->peer, &s->n[peer].id))
      continue;
    size_t len = make_msg(buf, seq, lens[seq]);
    assert_int_equal(v->len, len);
    assert_memory_equal(v->data, buf, len);
    seq++;
  }
  free(buf);
  assert_int_equal(seq, count);
}

void raw_init(raw_peer *r, const char *name) {
  uint8_t priv[32] = {42};
  memset(r, 0, sizeof *r);
  assert_int_equal(
      pn_protocol_parse(&r->p, name, strlen(name), PN_BACKEND_AUTO), 0);
  assert_int_equal(pn_keypair_from_private(&r->s, &r->p, priv, 32), 0);
  assert_int_equal(pn_crypto_ctx_init(&r->cx, &r->p), 0);
  assert_int_equal(pn_handshake_init(&r->hs, &r->p, &r->cx, PN_INITIATOR, NULL),
                   0);
}

void raw_free(raw_peer *r) {
  pn_handshake_wipe(&r->hs);
  pn_cipherstate_wipe(&r->tx);
  pn_cipherstate_wipe(&r->rx);
  pn_crypto_ctx_wipe(&r->cx);
}

void raw_frame(sim *s, size_t l, const uint8_t *m, size_t n) {
  uint8_t h[2] = {(uint8_t)(n >> 8), (uint8_t)n};
  sim_raw_write(s, l, h, 2);
  sim_raw_write(s, l, m, n);
}

long raw_next(sim *s, size_t l, uint8_t *out) {
  size_t have;
  const uint8_t *d = sim_raw_data(s, l, &have);
  if (have < 2) return -1;
  size_t n = (size_t)d[0] << 8 | d[1];
  if (have < 2 + n) return -1;
  memcpy(out, d + 2, n);
  sim_raw_consume(s, l, 2 + n);
  return (long)n;
}

void raw_handshake(sim *s, size_t l, raw_peer *r, const char *name) {
  static uint8_t msg[PN_NOISE_MAX_MSG], pl[PN_NOISE_MAX_MSG];
  raw_init(r, name);
  assert_int_equal(pn_handshake_set_static(&r->hs, &r->s), 0);
  assert_int_equal(pn_handshake_start(&r->hs, NULL, 0), 0);
  for (;;) {
    int act = pn_handshake_action(&r->hs);
    size_t n;
    if (act == PN_HS_WRITE) {
      assert_int_equal(pn_handshake_write(&r->hs, NULL, 0, msg, sizeof msg, &n),
                       0);
      raw_frame(s, l, msg, n);
    } else if (act == PN_HS_READ) {
      long got;
      int guard = 0;
      while ((got = raw_next(s, l, msg)) < 0 && guard++ < 100)
        sim_run_until(s, s->now + PN_MSEC);
      assert_true(got >= 0);
      assert_int_equal(
          pn_handshake_read(&r->hs, msg, (size_t)got, pl, sizeof pl, &n), 0);
    } else {
      break;
    }
    sim_run_until(s, s->now + PN_MSEC);
  }
  assert_int_equal(pn_handshake_split(&r->hs, &r->tx, &r->rx), 0);
}
