/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Scale: one engine with 10,000 established, idle peers (XX clients driven
 * through the Noise layer directly). Measures the memory per idle peer and
 * per handshake, checks that idle peers hold no pool memory, and that a
 * keepalive round over every peer returns every block to the pool.
 * cmocka; usage: test_engine_scale [peers]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <p2pnoise/engine.h>

#include "prng.h"
#include "test_hooks.h"

typedef struct client {
  pn_keypair s;
  pn_handshake hs;
  pn_cipherstate tx, rx;
  pn_conn_id conn;
} client;

static uint64_t g_rng = 1;
static int det_rng(void *user, uint8_t *buf, size_t len) {
  (void)user;
  pn_prng_fill(&g_rng, buf, len);
  return 0;
}

/* Polls the hub; the bytes of a SEND for |c| go to |out| (acked at once).
 * Returns the number of PEER_CONNECTED events. */
static int drain(pn_engine *e, uint8_t *out, size_t *outlen, pn_time now) {
  pn_action a;
  int connected = 0;
  while (pn_engine_poll(e, &a) == 1) {
    if (a.type == PN_ACTION_SEND) {
      if (out) {
        memcpy(out + *outlen, a.send.data, a.send.len);
        *outlen += a.send.len;
      }
      assert_int_equal(pn_engine_sent(e, a.conn, a.send.len, now), PN_OK);
    } else if (a.type == PN_ACTION_EVENT &&
               a.event.type == PN_EVENT_PEER_CONNECTED) {
      connected++;
    }
  }
  return connected;
}

/* Client |k| writes its next handshake message and the engine takes all
 * of it, framed as on the wire (a u16 length first). */
static void client_to_engine(pn_engine *e, client *k, pn_time now) {
  static uint8_t msg[1024];
  size_t len;
  assert_true(
      pn_handshake_write(&k->hs, NULL, 0, msg + 2, sizeof msg - 2, &len) == 0);
  msg[0] = (uint8_t)(len >> 8);
  msg[1] = (uint8_t)len;
  assert_true(pn_engine_recv(e, k->conn, msg, len + 2, now, NULL) ==
              (ptrdiff_t)len + 2);
}

static size_t g_n = 10000;

static void test_scale(void **state) {
  (void)state;
  size_t n = g_n;
  const char *name = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
  pn_protocol p;
  pn_engine *e = NULL;
  client *cl = calloc(n, sizeof *cl);
  uint8_t key[32] = {1, 2, 3};
  assert_non_null(cl);
  assert_int_equal(pn_protocol_parse(&p, name, strlen(name), PN_BACKEND_AUTO),
                   PN_OK);
  pn_crypto_ctx cx; /* every client's states run on it */
  assert_int_equal(pn_crypto_ctx_init(&cx, &p), PN_OK);
  pn_engine_config c;
  pn_engine_config_default(&c);
  c.static_private = key;
  c.static_private_len = 32;
  c.max_conns = (uint32_t)n;
  c.max_peers = (uint32_t)n;
  c.max_handshakes = 64;
  c.max_message = 65536;
  c.pool_budget = 4 << 20;
  c.rng.fill = det_rng;
  pn_time now = 1000 * PN_SEC;
  assert_true(pn_engine_new(&e, &c, now) == PN_OK);
  assert_true(pn_engine_listening(e, now) == PN_OK);
  static uint8_t buf[1024], pl[64];
  size_t connected = 0;
  for (size_t i = 0; i < n; i++) {
    client *k = &cl[i];
    size_t outlen = 0, pll;
    assert_true(pn_keypair_generate(&k->s, &p, NULL) == 0);
    assert_true(pn_handshake_init(&k->hs, &p, &cx, PN_INITIATOR, NULL) == 0);
    assert_true(pn_handshake_set_static(&k->hs, &k->s) == 0);
    assert_true(pn_handshake_start(&k->hs, NULL, 0) == 0);
    assert_true(pn_engine_conn_open(e, PN_DIR_INBOUND, NULL, k, now,
                                    &k->conn) == PN_OK);
    client_to_engine(e, k, now); /* -> e */
    drain(e, buf, &outlen, now);
    /* <- e, ee, s, es */
    assert_true(outlen >= 2);
    assert_true(pn_handshake_read(&k->hs, buf + 2, outlen - 2, pl, sizeof pl,
                                  &pll) == 0);
    client_to_engine(e, k, now); /* -> s, se */
    connected += (size_t)drain(e, NULL, NULL, now);
    assert_true(pn_handshake_split(&k->hs, &k->tx, &k->rx) == 0);
  }
  assert_true(connected == n);
  assert_true(pn_engine_peer_count(e) == n);
  pn_engine_mem m;
  pn_engine_memory(e, &m);
  assert_true(m.pool_in_use == 0);
  size_t fixed = m.total - m.pool_budget;
  printf("peers %zu: engine %zu bytes, pool %zu (in use %zu), fixed %zu\n", n,
         m.total, m.pool_budget, m.pool_in_use, fixed);
  printf("per idle established peer: %zu bytes of tables (conn struct %zu); "
         "fixed / peers = %.0f bytes incl. scratch and delivery buffers\n",
         m.conn_bytes, pn_engine_test_conn_struct_size(),
         (double)fixed / (double)n);
  printf("per handshake: +%zu bytes (handshake slot; pn_handshake %zu)\n",
         m.handshake_bytes, sizeof(pn_handshake));
  /* A keepalive round over every peer. They all fall due at once and each
   * takes a pool block until acked: those that find no room retry a
   * second later. Every peer gets one, and every block comes back. */
  now += 16 * PN_SEC;
  size_t sends = 0, ticks = 0;
  pn_action a;
  while (sends < n && ticks < 60) {
    assert_true(pn_engine_tick(e, now) == PN_OK);
    ticks++;
    while (pn_engine_poll(e, &a) == 1)
      if (a.type == PN_ACTION_SEND) {
        sends++;
        assert_true(pn_engine_sent(e, a.conn, a.send.len, now) == PN_OK);
      }
    now += PN_SEC;
  }
  assert_true(sends == n);
  assert_true(pn_engine_peer_count(e) == n);
  pn_engine_memory(e, &m);
  assert_true(m.pool_in_use == 0);
  printf("keepalive round: %zu SENDs over %zu ticks, pool in use after acks "
         "%zu\n",
         sends, ticks, m.pool_in_use);
  for (size_t i = 0; i < n; i++)
    pn_handshake_wipe(&cl[i].hs);
  free(cl);
  pn_crypto_ctx_wipe(&cx);
  pn_engine_free(e);
}

int main(int argc, char **argv) {
  if (argc > 1) g_n = strtoul(argv[1], NULL, 10);
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_scale)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
