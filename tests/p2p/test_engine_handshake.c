/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Engine handshakes in the simulator (sim.h): XX between two engines, the
 * patterns that need the responder's key up front (IK, NK, IKpsk2), a key
 * other than the expected one, every interactive pattern, and handshake
 * payloads (their limit, their config, and the plain profile's against the
 * Noise layer). Each scenario ends with a check that nothing leaked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <p2pnoise/engine.h>

#include "test_hooks.h"
#include "sim.h"
#include "engine_fixture.h"

/* ---- Basic handshakes ---------------------------------------------------- */

static void test_xx_two_engines(void **state) {
  (void)state;
  pn_engine_config c = base_cfg();
  sim s;
  sim_init(&s, 2, &c, NULL, 1);
  sim_connect(&s, 0, 1, 0);
  sim_settle(&s);
  assert_int_equal(sim_count(&s, 0, PN_EVENT_PEER_CONNECTED), 1);
  assert_int_equal(sim_count(&s, 1, PN_EVENT_PEER_CONNECTED), 1);
  /* Identity is the persistent static key; both agree on the hash. */
  const sim_event *a =
      &s.n[0].ev[find_event(&s, 0, PN_EVENT_PEER_CONNECTED, 0)];
  const sim_event *b =
      &s.n[1].ev[find_event(&s, 1, PN_EVENT_PEER_CONNECTED, 0)];
  assert_true(pn_peer_id_equal(&a->peer, &s.n[1].id));
  assert_true(pn_peer_id_equal(&b->peer, &s.n[0].id));
  assert_int_equal(a->dir, PN_DIR_OUTBOUND);
  assert_int_equal(b->dir, PN_DIR_INBOUND);
  assert_int_equal(a->len, 64);
  assert_int_equal(a->len, b->len);
  assert_memory_equal(a->data, b->data, a->len);
  send_ok(&s, 0, 1, "hello 0", 7);
  send_ok(&s, 1, 0, "world 0", 7);
  sim_settle(&s);
  assert_int_equal(sim_count_from(&s, 1, 0), 1);
  assert_int_equal(sim_count_from(&s, 0, 1), 1);
  long m = find_event(&s, 1, PN_EVENT_MESSAGE, 0);
  assert_memory_equal(s.n[1].ev[m].data, "hello 0", 7);
  /* The routing view. */
  pn_peer_info info;
  assert_int_equal(pn_engine_peer(s.n[0].e, &s.n[1].id, &info), PN_OK);
  assert_int_equal(info.msgs_out, 1);
  assert_int_equal(info.msgs_in, 1);
  assert_int_equal(info.bytes_in, 7);
  assert_int_equal(info.dir, PN_DIR_OUTBOUND);
  size_t cur = 0, n = 0;
  while (pn_engine_peer_next(s.n[1].e, &cur, &info))
    n++;
  assert_int_equal(n, 1);
  pn_engine_mem mem;
  pn_engine_memory(s.n[0].e, &mem);
  assert_int_equal(mem.peers, 1);
  /* The engine lives in exactly what pn_engine_memsize asked for. */
  static const uint8_t key[32] = {7}; /* memsize checks the config whole */
  c.static_private = key;
  c.static_private_len = sizeof key;
  assert_int_equal(mem.total, pn_engine_memsize(&c));
  finish(&s);
}

static void test_known_keys_ik_nk(void **state) {
  (void)state;
  const char *names[] = {"Noise_IK_25519_ChaChaPoly_BLAKE2b",
                         "Noise_NK_25519_ChaChaPoly_SHA256",
                         "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b"};
  static const uint8_t psk[1][32] = {{7, 7, 7}};
  for (size_t k = 0; k < 3; k++) {
    pn_engine_config c = base_cfg();
    c.protocol = names[k];
    c.psks = psk;
    c.npsks = 1;
    sim s;
    sim_init(&s, 3, &c, NULL, 10 + k);
    /* The responder's key is required up front. */
    pn_conn_id id;
    assert_int_equal(
        pn_engine_conn_open(s.n[0].e, PN_DIR_OUTBOUND, NULL, NULL, s.now, &id),
        PN_ERR_MISSING_KEY);
    sim_connect(&s, 0, 1, 1);
    sim_settle(&s);
    assert_int_equal(sim_count(&s, 0, PN_EVENT_PEER_CONNECTED), 1);
    assert_int_equal(sim_count(&s, 1, PN_EVENT_PEER_CONNECTED), 1);
    const sim_event *b =
        &s.n[1].ev[find_event(&s, 1, PN_EVENT_PEER_CONNECTED, 0)];
    pn_peer_id bpeer = b->peer;
    if (k == 1) {
      /* NK: the initiator never proves a key: anonymous, session-named. */
      assert_true(bpeer.anonymous);
    } else {
      assert_true(pn_peer_id_equal(&bpeer, &s.n[0].id));
    }
    const sim_event *a =
        &s.n[0].ev[find_event(&s, 0, PN_EVENT_PEER_CONNECTED, 0)];
    assert_true(pn_peer_id_equal(&a->peer, &s.n[1].id));
    send_ok(&s, 0, 1, "x 0", 3);
    assert_int_equal(
        pn_engine_send(s.n[1].e, &bpeer, (const uint8_t *)"y 0", 3, s.now),
        PN_OK);
    sim_settle(&s);
    assert_int_equal(sim_count(&s, 1, PN_EVENT_MESSAGE), 1);
    assert_int_equal(sim_count(&s, 0, PN_EVENT_MESSAGE), 1);
    /* Dialling engine 2 with engine 1's key: engine 2 cannot decrypt what
     * was encrypted to another key; both ends give up cleanly. */
    sim_connect_keys(&s, 0, 2, &s.n[1].id, NULL);
    sim_settle(&s);
    assert_int_equal(sim_count(&s, 2, PN_EVENT_PEER_CONNECTED), 0);
    assert_true(sim_count(&s, 2, PN_EVENT_REJECTED) +
                    sim_count(&s, 0, PN_EVENT_REJECTED) >=
                1);
    finish(&s);
  }
}

static void test_unexpected_key(void **state) {
  (void)state;
  sim s;
  sim_base(&s, 3, 3);
  /* XX to engine 1 while expecting engine 2's key. */
  sim_connect_keys(&s, 0, 1, &s.n[2].id, NULL);
  sim_settle(&s);
  assert_int_equal(
      sim_count_reason(&s, 0, PN_EVENT_REJECTED, PN_REASON_UNEXPECTED_KEY), 1);
  assert_int_equal(sim_count(&s, 0, PN_EVENT_PEER_CONNECTED), 0);
  expect_reclaimed(&s, 0);
  expect_reclaimed(&s, 1);
  finish(&s);
}

/* Whether the pattern of |name| needs the remote static key up front for
 * |role|. */
static int needs_remote(const char *name, pn_role role) {
  pn_protocol p;
  if (pn_protocol_parse(&p, name, strlen(name), PN_BACKEND_AUTO)) return 0;
  return (pn_protocol_needs(&p, role) & PN_NEED_REMOTE_STATIC) != 0;
}

static void test_every_interactive_pattern(void **state) {
  (void)state;
  static const char *pats[] = {
      "NN",     "NK",     "NX",     "XN",     "XK",     "XX",    "KN",
      "KK",     "KX",     "IN",     "IK",     "IX",     "NK1",   "NX1",
      "X1N",    "X1K",    "XK1",    "X1K1",   "X1X",    "XX1",   "X1X1",
      "K1N",    "K1K",    "KK1",    "K1K1",   "K1X",    "KX1",   "K1X1",
      "I1N",    "I1K",    "IK1",    "I1K1",   "I1X",    "IX1",   "I1X1",
      "NNpsk0", "NNpsk2", "XXpsk3", "IKpsk2", "KKpsk0", "NXpsk1"};
  static const char *suites[] = {
      "_25519_ChaChaPoly_BLAKE2b", "_25519_ChaChaPoly_SHA256",
      "_448_ChaChaPoly_SHA512", "_25519_AESGCM_SHA512"};
  static const uint8_t psk[2][32] = {{1}, {2}};
  size_t ran = 0;
  for (size_t si = 0; si < sizeof suites / sizeof *suites; si++) {
    for (size_t k = 0; k < sizeof pats / sizeof *pats; k++) {
      /* Every pattern with the first suite, a few with the others. */
      if (si && k % 7) continue;
      char name[96];
      snprintf(name, sizeof name, "Noise_%s%s", pats[k], suites[si]);
      pn_protocol p;
      if (pn_protocol_parse(&p, name, strlen(name), PN_BACKEND_AUTO)) {
        print_message("skip %s (unsupported here)\n", name);
        continue;
      }
      pn_engine_config c = base_cfg();
      c.protocol = name;
      c.psks = psk;
      c.npsks = 2;
      sim s;
      sim_init(&s, 2, &c, NULL, 100 + k);
      s.max_delay = 3 * PN_MSEC;
      int ni = needs_remote(name, PN_INITIATOR);
      int nr = needs_remote(name, PN_RESPONDER);
      sim_connect_keys(&s, 0, 1, ni ? &s.n[1].id : NULL,
                       nr ? &s.n[0].id : NULL);
      sim_settle(&s);
      if (sim_count(&s, 0, PN_EVENT_PEER_CONNECTED) != 1 ||
          sim_count(&s, 1, PN_EVENT_PEER_CONNECTED) != 1)
        fail_msg("%s: not connected", name);
      const sim_event *a =
          &s.n[0].ev[find_event(&s, 0, PN_EVENT_PEER_CONNECTED, 0)];
      const sim_event *b =
          &s.n[1].ev[find_event(&s, 1, PN_EVENT_PEER_CONNECTED, 0)];
      /* The identity each side learns: the other's static key, unless the
       * pattern never proves one. */
      char first = pats[k][0];
      const char *second = pats[k] + 1 + (pats[k][1] == '1');
      if (first != 'N')
        assert_true(pn_peer_id_equal(&b->peer, &s.n[0].id));
      else
        assert_true(b->peer.anonymous);
      if (*second != 'N')
        assert_true(pn_peer_id_equal(&a->peer, &s.n[1].id));
      else
        assert_true(a->peer.anonymous);
      assert_memory_equal(a->data, b->data, a->len);
      pn_peer_id ida = a->peer, idb = b->peer;
      assert_int_equal(
          pn_engine_send(s.n[0].e, &ida, (const uint8_t *)"ping", 4, s.now),
          PN_OK);
      assert_int_equal(
          pn_engine_send(s.n[1].e, &idb, (const uint8_t *)"pong", 4, s.now),
          PN_OK);
      sim_settle(&s);
      if (sim_count(&s, 0, PN_EVENT_MESSAGE) != 1 ||
          sim_count(&s, 1, PN_EVENT_MESSAGE) != 1)
        fail_msg("%s: messages lost", name);
      finish(&s);
      ran++;
    }
  }
  assert_true(ran >= sizeof pats / sizeof *pats);
}

/* ---- Handshake payloads -------------------------------------------------- */

/* Engine |who|'s payload for message |i|: "p<i> from <who>" and some bytes. */
static size_t hsp_make(int who, int i, uint8_t *out) {
  int n = snprintf((char *)out, 64, "p%d from %d", i, who);
  for (int k = 0; k < 20 * i; k++)
    out[n + k] = (uint8_t)(k * 13 + who);
  return (size_t)n + 20 * (size_t)i;
}

/* The k-th HANDSHAKE_PAYLOAD on |node| comes before its PEER_CONNECTED, on
 * the same connection, without a peer id, and holds |who|'s payload |idx|. */
static void hsp_check(const sim *s, int node, size_t k, int who, int idx,
                      pn_dir dir) {
  uint8_t want[200];
  size_t wl = hsp_make(who, idx, want);
  long i = find_event(s, node, PN_EVENT_HANDSHAKE_PAYLOAD, k);
  long c = find_event(s, node, PN_EVENT_PEER_CONNECTED, 0);
  assert_true(i >= 0 && c > i);
  const sim_event *v = &s->n[node].ev[i];
  assert_int_equal(v->size, (uint64_t)idx);
  assert_int_equal(v->len, wl);
  assert_memory_equal(v->data, want, wl);
  assert_int_equal(v->peer.len, 0);
  assert_int_equal(v->dir, dir);
  assert_int_equal(v->conn, s->n[node].ev[c].conn);
}

static void test_handshake_payloads(void **state) {
  (void)state;
  for (int split = 0; split < 2; split++) {
    static uint8_t buf[2][PN_NOISE_MAX_MSGS][200];
    pn_bytes pay[2][PN_NOISE_MAX_MSGS];
    pn_engine_config cs[2];
    for (int w = 0; w < 2; w++) {
      cs[w] = base_cfg();
      for (int i = 0; i < 3; i++) {
        pay[w][i].data = buf[w][i];
        pay[w][i].len = hsp_make(w, i, buf[w][i]);
      }
      cs[w].handshake_payloads = pay[w];
      cs[w].nhandshake_payloads = 3;
      cs[w].max_handshake_payload = 100;
    }
    sim s;
    sim_init(&s, 2, NULL, cs, 40 + (uint64_t)split);
    /* Copied at creation: the caller's buffers may change. */
    memset(buf, 0xEE, sizeof buf);
    /* Byte-at-a-time delivery puts handshake frames together in the pool. */
    if (split) s.max_split = 1;
    sim_connect(&s, 0, 1, 0);
    sim_settle(&s);
    /* XX: the initiator (0) writes messages 0 and 2, the responder 1. */
    assert_int_equal(sim_count(&s, 1, PN_EVENT_HANDSHAKE_PAYLOAD), 2);
    assert_int_equal(sim_count(&s, 0, PN_EVENT_HANDSHAKE_PAYLOAD), 1);
    hsp_check(&s, 1, 0, 0, 0, PN_DIR_INBOUND);
    hsp_check(&s, 1, 1, 0, 2, PN_DIR_INBOUND);
    hsp_check(&s, 0, 0, 1, 1, PN_DIR_OUTBOUND);
    assert_int_equal(sim_count(&s, 0, PN_EVENT_PEER_CONNECTED), 1);
    assert_int_equal(sim_count(&s, 1, PN_EVENT_PEER_CONNECTED), 1);
    send_ok(&s, 0, 1, "after", 5);
    sim_settle(&s);
    assert_int_equal(sim_count_from(&s, 1, 0), 1);
    finish(&s);
  }
}

/* A payload over the receiver's limit (0 by default) fails the handshake
 * before any of it is kept; one of exactly the limit passes. */
static void test_handshake_payload_limit(void **state) {
  (void)state;
  static const uint8_t hundred[100] = {7};
  pn_bytes pay[2] = {{NULL, 0}, {hundred, sizeof hundred}};
  const uint32_t limits[] = {0, 99, 100};
  for (size_t k = 0; k < 3; k++) {
    pn_engine_config cs[2];
    cs[0] = base_cfg();
    cs[0].max_handshake_payload = limits[k];
    cs[1] = base_cfg();
    cs[1].handshake_payloads = pay;
    cs[1].nhandshake_payloads = 2;
    sim s;
    sim_init(&s, 2, NULL, cs, 50 + k);
    sim_connect(&s, 0, 1, 0);
    sim_settle(&s);
    if (limits[k] >= sizeof hundred) {
      assert_int_equal(sim_count(&s, 0, PN_EVENT_HANDSHAKE_PAYLOAD), 1);
      assert_int_equal(sim_count(&s, 0, PN_EVENT_PEER_CONNECTED), 1);
      assert_int_equal(sim_count(&s, 1, PN_EVENT_PEER_CONNECTED), 1);
    } else {
      assert_int_equal(sim_count(&s, 0, PN_EVENT_HANDSHAKE_PAYLOAD), 0);
      assert_int_equal(
          sim_count_reason(&s, 0, PN_EVENT_REJECTED, PN_REASON_FRAME_TOO_LARGE),
          1);
      assert_int_equal(sim_count(&s, 1, PN_EVENT_REJECTED), 1);
      assert_int_equal(sim_count(&s, 0, PN_EVENT_PEER_CONNECTED), 0);
      assert_int_equal(sim_count(&s, 1, PN_EVENT_PEER_CONNECTED), 0);
    }
    finish(&s);
  }
}

static void test_handshake_payload_config(void **state) {
  (void)state;
  static uint8_t big[PN_ENGINE_MAX_HANDSHAKE_PAYLOAD + 1];
  pn_bytes pay[PN_NOISE_MAX_MSGS + 1];
  memset(pay, 0, sizeof pay);
  pn_engine_config c = base_cfg();
  static const uint8_t priv[32] = {3};
  c.static_private = priv;
  c.static_private_len = 32;
  size_t plain = pn_engine_memsize(&c);
  assert_true(plain > 0);
  c.handshake_payloads = pay;
  c.nhandshake_payloads = PN_NOISE_MAX_MSGS + 1;
  assert_int_equal(pn_engine_memsize(&c), 0);
  c.nhandshake_payloads = PN_NOISE_MAX_MSGS;
  assert_int_equal(pn_engine_memsize(&c), plain);
  pay[1].len = 5; /* no data */
  assert_int_equal(pn_engine_memsize(&c), 0);
  pay[1].data = big;
  pay[1].len = PN_ENGINE_MAX_HANDSHAKE_PAYLOAD + 1;
  assert_int_equal(pn_engine_memsize(&c), 0);
  pay[1].len = PN_ENGINE_MAX_HANDSHAKE_PAYLOAD;
  /* Room for the copy, and for a received one. */
  size_t with = pn_engine_memsize(&c);
  assert_true(with >= plain + PN_ENGINE_MAX_HANDSHAKE_PAYLOAD);
  c.max_handshake_payload = PN_ENGINE_MAX_HANDSHAKE_PAYLOAD + 1;
  assert_int_equal(pn_engine_memsize(&c), 0);
  c.max_handshake_payload = PN_ENGINE_MAX_HANDSHAKE_PAYLOAD;
  assert_true(pn_engine_memsize(&c) >= with + PN_ENGINE_MAX_HANDSHAKE_PAYLOAD);
  c.handshake_payloads = NULL;
  assert_int_equal(pn_engine_memsize(&c), 0);
  pn_engine *e = NULL;
  assert_int_equal(pn_engine_new(&e, &c, 0), PN_ERR_INVALID_ARGUMENT);
  assert_null(e);
}

/* The plain profile with payloads against the Noise layer: the payloads the
 * other implementation sees and sends, and the same handshake hash. Until
 * the HANDSHAKE_PAYLOAD event is polled, the engine takes no more bytes. */
static void test_handshake_payload_plain_vs_noise_layer(void **state) {
  (void)state;
  const char *name = "Noise_XX_25519_ChaChaPoly_SHA256";
  static const uint8_t mine[] = "responder says hi";
  pn_bytes pay[2] = {{NULL, 0}, {mine, sizeof mine - 1}};
  pn_engine_config c = base_cfg();
  c.protocol = name;
  c.profile = PN_PROFILE_PLAIN;
  c.handshake_payloads = pay;
  c.nhandshake_payloads = 2;
  c.max_handshake_payload = 64;
  uint8_t priv[32] = {9};
  c.static_private = priv;
  c.static_private_len = 32;
  pn_engine *e;
  assert_int_equal(pn_engine_new(&e, &c, 0), PN_OK);
  pn_conn_id id;
  /* Inbound connections are refused until the engine listens. */
  assert_int_equal(pn_engine_conn_open(e, PN_DIR_INBOUND, NULL, NULL, 0, &id),
                   PN_ERR_INVALID_STATE);
  assert_int_equal(pn_engine_listening(e, 0), PN_OK);
  assert_int_equal(pn_engine_conn_open(e, PN_DIR_INBOUND, NULL, NULL, 0, &id),
                   PN_OK);
  raw_peer r;
  raw_init(&r, name);
  assert_int_equal(pn_handshake_set_static(&r.hs, &r.s), 0);
  assert_int_equal(pn_handshake_start(&r.hs, NULL, 0), 0);
  static uint8_t wire[PN_NOISE_MAX_MSG + 64], pl[PN_NOISE_MAX_MSG];
  size_t n, pn_;
  /* Message 0 with a payload, and the first bytes of what follows. */
  assert_int_equal(pn_handshake_write(&r.hs, (const uint8_t *)"m0", 2, wire + 2,
                                      PN_NOISE_MAX_MSG, &n),
                   0);
  wire[0] = (uint8_t)(n >> 8);
  wire[1] = (uint8_t)n;
  memset(wire + 2 + n, 0, 8);
  pn_recv_block why;
  assert_int_equal(pn_engine_recv(e, id, wire, 2 + n + 8, 1, &why),
                   (ptrdiff_t)(2 + n));
  assert_int_equal(why, PN_RECV_POLL);
  assert_int_equal(pn_engine_recv(e, id, wire + 2 + n, 8, 1, &why), 0);
  assert_int_equal(why, PN_RECV_POLL);
  pn_action a;
  int saw = 0;
  const uint8_t *msg1 = NULL;
  size_t msg1_len = 0;
  int resumed = 0;
  while (pn_engine_poll(e, &a) == 1) {
    if (a.type == PN_ACTION_EVENT &&
        a.event.type == PN_EVENT_HANDSHAKE_PAYLOAD) {
      assert_int_equal(a.event.handshake_payload.index, 0);
      assert_int_equal(a.event.handshake_payload.len, 2);
      assert_memory_equal(a.event.handshake_payload.data, "m0", 2);
      assert_int_equal(a.conn, id);
      saw++;
    } else if (a.type == PN_ACTION_SEND) {
      msg1 = a.send.data;
      msg1_len = a.send.len;
    } else if (a.type == PN_ACTION_RESUME) {
      /* The held-back input may move once the payload was polled. */
      assert_int_equal(saw, 1);
      assert_int_equal(a.conn, id);
      resumed++;
    }
  }
  assert_int_equal(saw, 1);
  assert_int_equal(resumed, 1);
  /* Message 1 carries the engine's payload. */
  assert_non_null(msg1);
  assert_int_equal((size_t)msg1[0] << 8 | msg1[1], msg1_len - 2);
  assert_int_equal(
      pn_handshake_read(&r.hs, msg1 + 2, msg1_len - 2, pl, sizeof pl, &pn_), 0);
  assert_int_equal(pn_, sizeof mine - 1);
  assert_memory_equal(pl, mine, pn_);
  assert_int_equal(pn_engine_sent(e, id, msg1_len, 2), PN_OK);
  /* Message 2, with a payload too. */
  assert_int_equal(pn_handshake_write(&r.hs, (const uint8_t *)"third", 5,
                                      wire + 2, PN_NOISE_MAX_MSG, &n),
                   0);
  wire[0] = (uint8_t)(n >> 8);
  wire[1] = (uint8_t)n;
  assert_int_equal(pn_engine_recv(e, id, wire, 2 + n, 3, NULL),
                   (ptrdiff_t)(2 + n));
  uint8_t h[PN_NOISE_MAX_HASHLEN];
  size_t hl = pn_handshake_hash(&r.hs, h);
  int order = 0;
  while (pn_engine_poll(e, &a) == 1) {
    if (a.type != PN_ACTION_EVENT) continue;
    if (a.event.type == PN_EVENT_HANDSHAKE_PAYLOAD) {
      assert_int_equal(order, 0);
      assert_int_equal(a.event.handshake_payload.index, 2);
      assert_int_equal(a.event.handshake_payload.len, 5);
      assert_memory_equal(a.event.handshake_payload.data, "third", 5);
      order = 1;
    } else if (a.event.type == PN_EVENT_PEER_CONNECTED) {
      assert_int_equal(order, 1);
      assert_int_equal(a.event.connected.hash_len, hl);
      assert_memory_equal(a.event.connected.hash, h, hl);
      assert_memory_equal(a.event.connected.peer.key, r.s.pub, 32);
      order = 2;
    }
  }
  assert_int_equal(order, 2);
  raw_free(&r);
  pn_engine_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_xx_two_engines),
      cmocka_unit_test(test_known_keys_ik_nk),
      cmocka_unit_test(test_unexpected_key),
      cmocka_unit_test(test_every_interactive_pattern),
      cmocka_unit_test(test_handshake_payloads),
      cmocka_unit_test(test_handshake_payload_limit),
      cmocka_unit_test(test_handshake_payload_config),
      cmocka_unit_test(test_handshake_payload_plain_vs_noise_layer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
