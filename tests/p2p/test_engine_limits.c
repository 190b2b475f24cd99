/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Engine limits and routing in the simulator (sim.h): a 32-engine mesh, the
 * connection, handshake and peer limits under load, authorization, sending
 * by peer id, the pool under back-pressure, the memory a peer costs, and an
 * engine in caller memory with the configs refused before anything is
 * built. Each scenario ends with a check that nothing leaked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <p2pnoise/engine.h>

#include "test_hooks.h"
#include "sim.h"
#include "engine_fixture.h"

/* ---- Mesh, limits -------------------------------------------------------- */

static void test_mesh_32_broadcast(void **state) {
  (void)state;
  enum { N = 32 };
  pn_engine_config c = base_cfg();
  c.max_handshakes = 64;
  c.max_message = 65536;
  c.pool_budget = 2 << 20;
  sim s;
  sim_init(&s, N, &c, NULL, 32);
  s.max_delay = 2 * PN_MSEC;
  for (int i = 0; i < N; i++)
    for (int j = i + 1; j < N; j++)
      sim_connect(&s, i, j, 0);
  sim_settle(&s);
  for (int i = 0; i < N; i++) {
    assert_int_equal(pn_engine_peer_count(s.n[i].e), N - 1);
    assert_int_equal(sim_count(&s, i, PN_EVENT_PEER_CONNECTED), N - 1);
  }
  for (int i = 0; i < N; i++) {
    char m[32];
    int n = snprintf(m, sizeof m, "from%d 0", i);
    assert_int_equal(
        pn_engine_broadcast(s.n[i].e, (const uint8_t *)m, (size_t)n, s.now),
        N - 1);
  }
  sim_settle(&s);
  for (int i = 0; i < N; i++) {
    assert_int_equal(sim_count(&s, i, PN_EVENT_MESSAGE), N - 1);
    for (int j = 0; j < N; j++)
      if (j != i) assert_int_equal(sim_count_from(&s, i, j), 1);
  }
  finish(&s);
}

static void test_1000_conns_limit_16(void **state) {
  (void)state;
  pn_engine_config c = base_cfg();
  c.max_conns = 16;
  c.max_handshakes = 16;
  sim s;
  sim_init(&s, 2, &c, NULL, 1000);
  uint64_t refused = 0, rng = 5;
  for (int i = 0; i < 1000; i++) {
    int rc;
    size_t l = sim_raw_inbound(&s, 1, &rc);
    if (rc == PN_ERR_CONN_LIMIT) {
      refused++;
    } else {
      assert_int_equal(rc, PN_OK);
      /* Garbage, a plausible first message, or silence. */
      uint8_t junk[40];
      for (size_t k = 0; k < sizeof junk; k++)
        junk[k] = (uint8_t)sim_rand(&rng);
      switch (sim_rand(&rng) % 3) {
      case 0:
        sim_raw_write(&s, l, junk, sizeof junk);
        break;
      case 1:
        junk[0] = 0;
        junk[1] = 32;
        sim_raw_write(&s, l, junk, 34);
        break;
      default:
        break;
      }
    }
    assert_true(pn_engine_test_conns(s.n[1].e) <= 16);
    sim_run_until(&s, s.now + 50 * PN_MSEC);
  }
  sim_run_until(&s, s.now + 30 * PN_SEC);
  assert_true(refused > 0);
  /* A refusal is the call's error only: the engine kept nothing of it, so
   * no event names a connection it never had. */
  for (size_t i = 0; i < s.n[1].nev; i++)
    assert_true(s.n[1].ev[i].type != PN_EVENT_REJECTED ||
                s.n[1].ev[i].conn != 0);
  /* Every admitted one was reclaimed, and a real peer still gets in. */
  assert_int_equal(pn_engine_test_conns(s.n[1].e), 0);
  sim_connect(&s, 0, 1, 0);
  sim_settle(&s);
  assert_int_equal(pn_engine_peer_count(s.n[1].e), 1);
  finish(&s);
}

static void test_handshake_limit(void **state) {
  (void)state;
  pn_engine_config c = base_cfg();
  c.max_conns = 8;
  c.max_handshakes = 2;
  sim s;
  sim_init(&s, 1, &c, NULL, 77);
  int rc;
  sim_raw_inbound(&s, 0, &rc);
  assert_int_equal(rc, PN_OK);
  sim_raw_inbound(&s, 0, &rc);
  assert_int_equal(rc, PN_OK);
  sim_raw_inbound(&s, 0, &rc);
  assert_int_equal(rc, PN_ERR_HANDSHAKE_LIMIT);
  sim_poll_all(&s);
  /* Refused with nothing kept: two connections, no event. */
  assert_int_equal(pn_engine_test_conns(s.n[0].e), 2);
  assert_int_equal(sim_count(&s, 0, PN_EVENT_REJECTED), 0);
  sim_run_until(&s, s.now + 11 * PN_SEC);
  assert_int_equal(
      sim_count_reason(&s, 0, PN_EVENT_REJECTED, PN_REASON_HANDSHAKE_TIMEOUT),
      2);
  finish(&s);
}

static void test_peer_limit_exact(void **state) {
  (void)state;
  enum { N = 7 };
  pn_engine_config cfgs[N];
  for (int i = 0; i < N; i++)
    cfgs[i] = base_cfg();
  cfgs[0].max_peers = 3;
  sim s;
  sim_init(&s, N, NULL, cfgs, 8);
  s.max_delay = PN_MSEC;
  for (int i = 1; i < N; i++)
    sim_connect(&s, i, 0, 0);
  sim_settle(&s);
  assert_int_equal(pn_engine_peer_count(s.n[0].e), 3);
  assert_int_equal(sim_count(&s, 0, PN_EVENT_PEER_CONNECTED), 3);
  assert_int_equal(
      sim_count_reason(&s, 0, PN_EVENT_REJECTED, PN_REASON_PEER_LIMIT), 3);
  /* The refused ones learn why from the close frame. */
  size_t told = 0;
  for (int i = 1; i < N; i++)
    for (size_t k = 0; k < s.n[i].nev; k++)
      if (s.n[i].ev[k].type == PN_EVENT_PEER_DISCONNECTED &&
          s.n[i].ev[k].remote_reason == PN_REASON_PEER_LIMIT)
        told++;
  assert_int_equal(told, 3);
  /* A slot freed is a slot for the next one, still exactly 3. */
  pn_peer_info info;
  size_t cur = 0;
  assert_true(pn_engine_peer_next(s.n[0].e, &cur, &info));
  assert_int_equal(pn_engine_disconnect(s.n[0].e, &info.id, s.now), PN_OK);
  sim_settle(&s);
  assert_int_equal(pn_engine_peer_count(s.n[0].e), 2);
  for (int i = 1; i < N; i++)
    if (pn_engine_peer_count(s.n[i].e) == 0) {
      sim_connect(&s, i, 0, 0);
      break;
    }
  sim_settle(&s);
  assert_int_equal(pn_engine_peer_count(s.n[0].e), 3);
  finish(&s);
}

/* ---- Authorization, routing by id ---------------------------------------- */

static const pn_peer_id *g_refuse;
static int refuse_one(void *user, const pn_peer_id *peer, pn_dir dir) {
  (void)user;
  (void)dir;
  return !pn_peer_id_equal(peer, g_refuse);
}

static void test_authorize(void **state) {
  (void)state;
  pn_engine_config cfgs[3] = {base_cfg(), base_cfg(), base_cfg()};
  cfgs[1].authorize = refuse_one;
  sim s;
  sim_init(&s, 3, NULL, cfgs, 16);
  g_refuse = &s.n[0].id;
  sim_connect(&s, 0, 1, 0); /* refused by the responder, after msg 3 */
  sim_connect(&s, 2, 1, 0); /* accepted */
  sim_settle(&s);
  assert_int_equal(
      sim_count_reason(&s, 1, PN_EVENT_REJECTED, PN_REASON_UNAUTHORIZED), 1);
  assert_int_equal(pn_engine_peer_count(s.n[1].e), 1);
  long d = find_event(&s, 0, PN_EVENT_PEER_DISCONNECTED, 0);
  assert_true(d >= 0);
  assert_int_equal(s.n[0].ev[d].remote_reason, PN_REASON_UNAUTHORIZED);
  /* As initiator: engine 1 refuses engine 0 before sending message 3. */
  sim_connect(&s, 1, 0, 0);
  sim_settle(&s);
  assert_int_equal(
      sim_count_reason(&s, 1, PN_EVENT_REJECTED, PN_REASON_UNAUTHORIZED), 2);
  assert_int_equal(sim_count(&s, 0, PN_EVENT_PEER_CONNECTED), 1);
  finish(&s);
}

static void test_reg_send_by_id_and_identity(void **state) {
  (void)state;
  sim s;
  sim_base(&s, 2, 22);
  for (int round = 0; round < 3; round++) {
    sim_connect(&s, 0, 1, 0);
    sim_settle(&s);
    long e = find_event(&s, 0, PN_EVENT_PEER_CONNECTED, (size_t)round);
    assert_true(e >= 0);
    pn_peer_id got = s.n[0].ev[e].peer;
    /* The same persistent key on every connection. */
    pn_peer_id local;
    pn_engine_local_id(s.n[1].e, &local);
    assert_true(pn_peer_id_equal(&got, &local));
    char m[16];
    int n = snprintf(m, sizeof m, "r %d", round);
    assert_int_equal(
        pn_engine_send(s.n[0].e, &got, (const uint8_t *)m, (size_t)n, s.now),
        PN_OK);
    sim_settle(&s);
    assert_int_equal(pn_engine_disconnect(s.n[0].e, &got, s.now), PN_OK);
    assert_int_equal(
        pn_engine_send(s.n[0].e, &got, (const uint8_t *)m, 1, s.now),
        PN_ERR_NOT_FOUND);
    sim_settle(&s);
    expect_reclaimed(&s, 0);
    expect_reclaimed(&s, 1);
  }
  check_sequence(&s, 1, 0, 3);
  pn_peer_id nobody = {{1, 2, 3}, 32, 0};
  assert_int_equal(
      pn_engine_send(s.n[0].e, &nobody, (const uint8_t *)"x", 1, s.now),
      PN_ERR_NOT_FOUND);
  finish(&s);
}

/* ---- Memory: the pool, per peer, the caller's ---------------------------- */

static void test_pool_backpressure(void **state) {
  (void)state;
  enum { N = 5 };
  pn_engine_config cfgs[N];
  for (int i = 0; i < N; i++)
    cfgs[i] = base_cfg();
  cfgs[0].max_message = 256 * 1024;
  cfgs[0].pool_block = 1024;
  /* Just above the minimum: one message, its wire form and the reserve. */
  cfgs[0].pool_budget = 700 * 1024;
  sim s;
  sim_init(&s, N, NULL, cfgs, 17);
  s.max_delay = PN_MSEC;
  for (int i = 1; i < N; i++)
    sim_connect(&s, i, 0, 0);
  sim_settle(&s);
  assert_int_equal(pn_engine_peer_count(s.n[0].e), N - 1);
  uint8_t *buf = malloc(256 * 1024);
  size_t lens[3] = {200000, 150000, 250000};
  for (size_t k = 0; k < 3; k++)
    for (int i = 1; i < N; i++) {
      size_t len = make_msg(buf, k, lens[k]);
      send_ok(&s, i, 0, buf, len);
    }
  sim_run_until(&s, s.now + 30 * PN_SEC);
  for (int i = 1; i < N; i++)
    check_msgs(&s, 0, i, 3, lens);
  pn_engine_mem m;
  pn_engine_memory(s.n[0].e, &m);
  assert_int_equal(m.pool_in_use, 0);
  free(buf);
  finish(&s);
}

static void test_memory_per_peer(void **state) {
  (void)state;
  enum { N = 40 };
  pn_engine_config cfgs[N];
  for (int i = 0; i < N; i++) {
    cfgs[i] = base_cfg();
    cfgs[i].max_message = 65536;
    cfgs[i].pool_budget = 1 << 20;
  }
  cfgs[0].max_conns = 64;
  cfgs[0].max_peers = 64;
  cfgs[0].max_handshakes = 64;
  sim s;
  sim_init(&s, N, NULL, cfgs, 24);
  for (int i = 1; i < N; i++)
    sim_connect(&s, i, 0, 0);
  sim_settle(&s);
  pn_engine_mem m;
  pn_engine_memory(s.n[0].e, &m);
  assert_int_equal(m.peers, N - 1);
  /* Idle established peers hold no pool memory. */
  assert_int_equal(m.pool_in_use, 0);
  print_message("memory: per connection slot (all tables) %zu bytes "
                "(conn struct %zu), per handshake slot %zu bytes "
                "(pn_handshake %zu), engine total %zu for 64 slots\n",
                m.conn_bytes, pn_engine_test_conn_struct_size(),
                m.handshake_bytes, sizeof(pn_handshake), m.total);
  /* The per-slot figures are what the memory grows by: 64 more slots (the
   * routing table doubles with them) or 16 more handshakes cost that many
   * times the figure, give or take the alignment of each region. */
  pn_engine_config g = base_cfg();
  static const uint8_t key[32] = {7};
  g.static_private = key;
  g.static_private_len = sizeof key;
  g.pool_budget = 32 << 20;
  g.max_handshakes = 16;
  g.max_conns = 64;
  size_t at64 = pn_engine_memsize(&g);
  g.max_conns = 128;
  size_t at128 = pn_engine_memsize(&g);
  assert_true(at64 && at128);
  long slack = (long)(at128 - at64) - 64 * (long)m.conn_bytes;
  if (slack < 0 || slack > 256)
    fail_msg("64 slots cost %zu bytes, not 64 x %zu", at128 - at64,
             m.conn_bytes);
  g.max_handshakes = 32;
  slack = (long)(pn_engine_memsize(&g) - at128) - 16 * (long)m.handshake_bytes;
  if (slack < 0 || slack > 64)
    fail_msg("16 handshakes cost %zu bytes, not 16 x %zu",
             pn_engine_memsize(&g) - at128, m.handshake_bytes);
  finish(&s);
}

static void test_caller_memory_and_config(void **state) {
  (void)state;
  uint8_t key[32] = {9};
  pn_engine_config c = base_cfg();
  c.static_private = key;
  c.static_private_len = 32;
  c.max_message = 4096;
  c.pool_budget = 256 * 1024;
  size_t n = pn_engine_memsize(&c);
  assert_true(n > 0);
  void *mem = aligned_alloc(16, (n + 15) & ~(size_t)15);
  pn_engine *e;
  assert_int_equal(pn_engine_init(&e, mem, n - 1, &c, 0),
                   PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_engine_init(&e, (uint8_t *)mem + 1, n, &c, 0),
                   PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_engine_init(&e, mem, n, &c, 0), PN_OK);
  pn_engine_mem m;
  pn_engine_memory(e, &m);
  assert_int_equal(m.total, n);
  pn_peer_id me;
  pn_engine_local_id(e, &me);
  assert_int_equal(me.len, 32);
  assert_int_equal(pn_engine_listening(e, 1), PN_OK);
  assert_int_equal(pn_engine_listening(e, 2), PN_OK); /* coalesced */
  pn_action a;
  assert_int_equal(pn_engine_poll(e, &a), 1);
  assert_int_equal(a.type, PN_ACTION_EVENT);
  assert_int_equal(a.event.type, PN_EVENT_LISTENING);
  assert_int_equal(pn_engine_poll(e, &a), 0);
  assert_int_equal(pn_engine_shutdown(e, 3), PN_OK);
  assert_int_equal(pn_engine_poll(e, &a), 1);
  assert_int_equal(a.event.type, PN_EVENT_CLOSED);
  assert_int_equal(pn_engine_poll(e, &a), 0);
  pn_engine_wipe(e);
  free(mem);

  /* Bad configs are refused before anything is built. */
  static const uint8_t psk[1][32] = {{1}};
  struct {
    const char *proto;
    int nokey, keylen, npsk, profile;
    uint64_t max_message, budget;
  } bad[] = {
      {"Noise_N_25519_ChaChaPoly_BLAKE2b", 0, 32, 0, 0, 0, 0},
      {"Noise_XXfallback_25519_ChaChaPoly_BLAKE2b", 0, 32, 0, 0, 0, 0},
      {"Noise_XX_25519_ChaChaPoly_BLAKE2b", 1, 32, 0, 0, 0, 0},
      {"Noise_XX_25519_ChaChaPoly_BLAKE2b", 0, 31, 0, 0, 0, 0},
      {"Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b", 0, 32, 0, 0, 0, 0},
      {"Noise_XX_25519_ChaChaPoly_BLAKE2b", 0, 32, 0, 1, 70000, 0},
      {"Noise_XX_25519_ChaChaPoly_BLAKE2b", 0, 32, 0, 0, 1 << 20, 100000},
      {"Noise_Bogus_25519_ChaChaPoly_BLAKE2b", 0, 32, 0, 0, 0, 0},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    pn_engine_config b = base_cfg();
    b.protocol = bad[i].proto;
    b.static_private = bad[i].nokey ? NULL : key;
    b.static_private_len = (size_t)bad[i].keylen;
    b.psks = bad[i].npsk ? psk : NULL;
    b.npsks = (size_t)bad[i].npsk;
    b.profile = (pn_profile)bad[i].profile;
    b.max_message = bad[i].max_message;
    b.pool_budget = bad[i].budget;
    assert_int_equal(pn_engine_memsize(&b), 0);
    pn_engine *x = NULL;
    assert_true(pn_engine_new(&x, &b, 0) < 0);
    assert_null(x);
  }
  /* NN needs no static key at all. */
  pn_engine_config nn = base_cfg();
  nn.protocol = "Noise_NN_25519_ChaChaPoly_BLAKE2b";
  assert_true(pn_engine_memsize(&nn) > 0);
  for (int r = 0; r <= PN_REASON_RECEIVE_STALLED + 1; r++)
    assert_non_null(pn_reason_str(r));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mesh_32_broadcast),
      cmocka_unit_test(test_1000_conns_limit_16),
      cmocka_unit_test(test_handshake_limit),
      cmocka_unit_test(test_peer_limit_exact),
      cmocka_unit_test(test_authorize),
      cmocka_unit_test(test_reg_send_by_id_and_identity),
      cmocka_unit_test(test_pool_backpressure),
      cmocka_unit_test(test_memory_per_peer),
      cmocka_unit_test(test_caller_memory_and_config),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
