/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The engine against bytes it would never send, in the simulator (sim.h):
 * the plain profile against the Noise layer used directly, bad handshake
 * lengths, bad transport payloads, a network that flips bits, and random
 * authenticated payloads. Each ends with a check that nothing leaked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <p2pnoise/engine.h>

#include "test_hooks.h"
#include "frame.h"
#include "sim.h"
#include "engine_fixture.h"

/* ---- The plain profile against the Noise layer used directly ------------- */

static void test_plain_profile_vs_noise_layer(void **state) {
  (void)state;
  const char *name = "Noise_XX_25519_ChaChaPoly_SHA256";
  pn_engine_config c = base_cfg();
  c.protocol = name;
  c.profile = PN_PROFILE_PLAIN;
  sim s;
  sim_init(&s, 1, &c, NULL, 18);
  int rc;
  size_t l = sim_raw_inbound(&s, 0, &rc);
  assert_int_equal(rc, PN_OK);
  raw_peer r;
  raw_handshake(&s, l, &r, name);
  sim_run_until(&s, s.now + PN_MSEC);
  assert_int_equal(pn_engine_peer_count(s.n[0].e), 1);
  pn_peer_id rid = {0};
  rid.len = 32;
  memcpy(rid.key, r.s.pub, 32);
  pn_peer_info info;
  assert_int_equal(pn_engine_peer(s.n[0].e, &rid, &info), PN_OK);
  /* Test -> engine: one transport message is one application message. */
  static uint8_t m[PN_NOISE_MAX_MSG], out[PN_NOISE_MAX_MSG];
  size_t n;
  const char *words[] = {"alpha", "", "gamma"};
  for (int i = 0; i < 3; i++) {
    size_t wl = strlen(words[i]);
    memcpy(m, words[i], wl);
    assert_int_equal(
        pn_cipherstate_encrypt(&r.tx, NULL, 0, m, wl, m, sizeof m, &n), 0);
    raw_frame(&s, l, m, n);
  }
  /* The largest plain message. */
  memset(m, 0x5A, PN_ENGINE_PLAIN_MAX_MESSAGE);
  assert_int_equal(pn_cipherstate_encrypt(&r.tx, NULL, 0, m,
                                          PN_ENGINE_PLAIN_MAX_MESSAGE, m,
                                          sizeof m, &n),
                   0);
  raw_frame(&s, l, m, n);
  sim_run_until(&s, s.now + PN_MSEC);
  assert_int_equal(sim_count(&s, 0, PN_EVENT_MESSAGE), 4);
  long e0 = find_event(&s, 0, PN_EVENT_MESSAGE, 0);
  assert_memory_equal(s.n[0].ev[e0].data, "alpha", 5);
  assert_int_equal(s.n[0].ev[find_event(&s, 0, PN_EVENT_MESSAGE, 1)].len, 0);
  assert_int_equal(s.n[0].ev[find_event(&s, 0, PN_EVENT_MESSAGE, 3)].len,
                   PN_ENGINE_PLAIN_MAX_MESSAGE);
  /* Engine -> test: no header either. */
  assert_int_equal(
      pn_engine_send(s.n[0].e, &rid, (const uint8_t *)"reply", 5, s.now),
      PN_OK);
  assert_int_equal(pn_engine_send(s.n[0].e, &rid, m, 65520, s.now),
                   PN_ERR_MSG_TOO_LARGE);
  sim_run_until(&s, s.now + PN_MSEC);
  long got = raw_next(&s, l, m);
  assert_true(got > 0);
  assert_int_equal(pn_cipherstate_decrypt(&r.rx, NULL, 0, m, (size_t)got, out,
                                          sizeof out, &n),
                   0);
  assert_int_equal(n, 5);
  assert_memory_equal(out, "reply", 5);
  /* Plain close is the transport's. */
  sim_raw_close(&s, l);
  sim_run_until(&s, s.now + PN_MSEC);
  assert_int_equal(sim_count_reason(&s, 0, PN_EVENT_PEER_DISCONNECTED,
                                    PN_REASON_TRANSPORT_CLOSED),
                   1);
  raw_free(&r);
  finish(&s);
}

/* ---- Hostile input ------------------------------------------------------- */

static void test_reg_bad_handshake_length(void **state) {
  (void)state;
  sim s;
  sim_base(&s, 1, 19);
  static const uint8_t cases[][4] = {{0xFF, 0xFF, 1, 2},
                                     {0x00, 0x21, 0, 0},
                                     {0x00, 0x05, 1, 2},
                                     {0x00, 0x00, 0, 0}};
  for (size_t i = 0; i < 4; i++) {
    int rc;
    size_t l = sim_raw_inbound(&s, 0, &rc);
    assert_int_equal(rc, PN_OK);
    uint8_t junk[64] = {0};
    memcpy(junk, cases[i], 4);
    size_t n = cases[i][1] == 5 ? 7 : cases[i][1] == 0 ? 2 : 40;
    sim_raw_write(&s, l, junk, n);
    sim_run_until(&s, s.now + PN_MSEC);
  }
  /* 0xFFFF and 33 bytes: refused before the body; 5 and 0: failed reads. */
  assert_int_equal(
      sim_count_reason(&s, 0, PN_EVENT_REJECTED, PN_REASON_FRAME_TOO_LARGE), 2);
  assert_int_equal(
      sim_count_reason(&s, 0, PN_EVENT_REJECTED, PN_REASON_HANDSHAKE_FAILED),
      2);
  expect_reclaimed(&s, 0);
  finish(&s);
}

/* A framed-profile engine against the test speaking through the Noise
 * layer, to inject transport payloads the engine would never send. */
static void test_reg_bad_transport_no_zombie(void **state) {
  (void)state;
  const char *name = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
  static const uint8_t bad[][6] = {
      {PN_FT_DATA_MORE, 'x'},              /* continuation without a start */
      {PN_FT_DATA_FIRST, 0, 0, 1, 0, 'x'}, /* short first chunk of a big one */
      {0x7F},                              /* unknown type */
      {PN_FT_KEEPALIVE, 0},                /* keepalive with a body */
  };
  static const size_t badlen[] = {2, 6, 1, 2};
  for (size_t k = 0; k <= 4; k++) {
    pn_engine_config c = base_cfg();
    sim s;
    sim_init(&s, 1, &c, NULL, 20 + k);
    int rc;
    size_t l = sim_raw_inbound(&s, 0, &rc);
    raw_peer r;
    raw_handshake(&s, l, &r, name);
    sim_run_until(&s, s.now + PN_MSEC);
    assert_int_equal(pn_engine_peer_count(s.n[0].e), 1);
    static uint8_t m[128];
    size_t n;
    if (k < 4) {
      memcpy(m, bad[k], badlen[k]);
      assert_int_equal(
          pn_cipherstate_encrypt(&r.tx, NULL, 0, m, badlen[k], m, sizeof m, &n),
          0);
    } else {
      /* A frame that does not authenticate. */
      memset(m, 0x33, 40);
      n = 40;
    }
    raw_frame(&s, l, m, n);
    sim_run_until(&s, s.now + 5 * PN_SEC);
    pn_reason want = k < 4 ? PN_REASON_PROTOCOL : PN_REASON_AUTH_FAILED;
    assert_int_equal(sim_count_reason(&s, 0, PN_EVENT_PEER_DISCONNECTED, want),
                     1);
    /* Gone from the table and from the slots: no zombie. */
    expect_reclaimed(&s, 0);
    raw_free(&r);
    finish(&s);
  }
}

static void test_corrupting_network(void **state) {
  (void)state;
  /* Bit flips anywhere: every damaged connection ends with a named reason
   * and is reclaimed; nothing crashes or leaks; intact ones carry on. */
  sim s;
  sim_base(&s, 4, 77);
  s.max_delay = PN_MSEC;
  s.corrupt = 40;
  uint8_t buf[3000];
  for (int round = 0; round < 30; round++) {
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++)
        if (i != j && pn_engine_peer_count(s.n[i].e) < 3 && round % 3 == 0)
          sim_connect(&s, i, j, 0);
    for (int i = 0; i < 4; i++) {
      size_t len = make_msg(buf, (size_t)round, (size_t)(round * 97 % 3000));
      ptrdiff_t n = pn_engine_broadcast(s.n[i].e, buf, len, s.now);
      assert_true(n >= 0);
    }
    sim_run_until(&s, s.now + 50 * PN_MSEC);
  }
  size_t failures = 0;
  for (int i = 0; i < 4; i++)
    for (size_t k = 0; k < s.n[i].nev; k++) {
      const sim_event *v = &s.n[i].ev[k];
      if (v->type == PN_EVENT_PEER_DISCONNECTED ||
          v->type == PN_EVENT_REJECTED) {
        assert_true(v->reason != PN_REASON_NONE);
        assert_true(v->reason != PN_REASON_LOCAL_FAILURE);
        failures++;
      }
    }
  assert_true(failures > 0);
  size_t msgs = 0;
  for (int i = 0; i < 4; i++)
    msgs += sim_count(&s, i, PN_EVENT_MESSAGE);
  print_message("corrupting network: %zu failures, %zu messages\n", failures,
                msgs);
  assert_true(msgs > 0);
  s.corrupt = 0;
  finish(&s);
}

static void test_random_payloads(void **state) {
  (void)state;
  /* Authenticated but arbitrary transport payloads, biased towards valid
   * types and edge lengths: the parser accepts them or closes with
   * PROTOCOL, never anything worse, and never leaks. */
  const char *name = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
  pn_engine_config c = base_cfg();
  c.max_message = 200000;
  sim s;
  sim_init(&s, 1, &c, NULL, 31);
  const char *env = getenv("PN_SIM_SEED");
  uint64_t r = 31 + (env ? strtoull(env, NULL, 10) : 0);
  static uint8_t m[PN_NOISE_MAX_MSG];
  size_t closed = 0, frames = 0;
  for (int conn = 0; conn < 40; conn++) {
    int rc;
    size_t l = sim_raw_inbound(&s, 0, &rc);
    assert_int_equal(rc, PN_OK);
    raw_peer rp;
    raw_handshake(&s, l, &rp, name);
    sim_run_until(&s, s.now + PN_MSEC);
    uint64_t left = 0; /* bytes of a chunked message still to send */
    for (int k = 0; k < 300 && pn_engine_peer_count(s.n[0].e); k++) {
      size_t n;
      uint64_t x = sim_rand(&r);
      if (x % 20 < 19) {
        /* A valid step of the protocol. */
        if (left) {
          n = left < PN_FRAME_MAX_PLAIN - 1 ? (size_t)left + 1
                                            : PN_FRAME_MAX_PLAIN;
          m[0] = PN_FT_DATA_MORE;
          left -= n - 1;
        } else {
          switch (sim_rand(&r) % 5) {
          case 0:
            m[0] = PN_FT_KEEPALIVE, n = 1;
            break;
          case 1:
            m[0] = PN_FT_REKEY, m[1] = (uint8_t)(sim_rand(&r) % 2), n = 2;
            break;
          case 2: {
            uint32_t total = (uint32_t)(66000 + sim_rand(&r) % 250000);
            m[0] = PN_FT_DATA_FIRST;
            pn_put32(m + 1, total);
            n = PN_FRAME_MAX_PLAIN;
            left = total - (n - 5);
            break;
          }
          default: {
            uint32_t total = (uint32_t)(sim_rand(&r) % 2000);
            m[0] = PN_FT_DATA_FIRST;
            pn_put32(m + 1, total);
            n = 5 + total;
            break;
          }
          }
        }
      } else {
        /* A random mutation, most likely a protocol error. */
        switch (x % 6) {
        case 0:
          n = 1 + sim_rand(&r) % 8;
          break;
        case 1:
          n = PN_FRAME_MAX_PLAIN;
          break;
        case 2:
          n = PN_FRAME_MAX_PLAIN - 1 - sim_rand(&r) % 3;
          break;
        default:
          n = 1 + sim_rand(&r) % 600;
          break;
        }
        for (size_t i = 0; i < n && i < 16; i++)
          m[i] = (uint8_t)sim_rand(&r);
        m[0] = (uint8_t)(1 + sim_rand(&r) % 6); /* types 1..5 and one bad */
        if (m[0] == PN_FT_CLOSE && sim_rand(&r) % 4) m[0] = PN_FT_KEEPALIVE;
      }
      int rekey = m[0] == PN_FT_REKEY && n == PN_FT_REKEY_LEN;
      assert_int_equal(
          pn_cipherstate_encrypt(&rp.tx, NULL, 0, m, n, m, sizeof m, &n), 0);
      /* A well-formed REKEY: our next frames use the next key, as the
       * protocol says. */
      if (rekey) assert_int_equal(pn_cipherstate_rekey(&rp.tx), 0);
      raw_frame(&s, l, m, n);
      frames++;
      sim_run_until(&s, s.now + PN_MSEC);
    }
    if (!pn_engine_peer_count(s.n[0].e)) closed++;
    sim_raw_close(&s, l);
    sim_run_until(&s, s.now + 3 * PN_SEC);
    raw_free(&rp);
    assert_int_equal(pn_engine_test_conns(s.n[0].e), 0);
  }
  for (size_t i = 0; i < s.n[0].nev; i++) {
    const sim_event *v = &s.n[0].ev[i];
    if (v->type == PN_EVENT_PEER_DISCONNECTED &&
        !(v->reason == PN_REASON_PROTOCOL ||
          v->reason == PN_REASON_REMOTE_CLOSED ||
          v->reason == PN_REASON_TRANSPORT_CLOSED))
      print_message("unexpected reason %d remote %d\n", v->reason,
                    v->remote_reason);
    if (v->type == PN_EVENT_PEER_DISCONNECTED)
      assert_true(v->reason == PN_REASON_PROTOCOL ||
                  v->reason == PN_REASON_REMOTE_CLOSED ||
                  v->reason == PN_REASON_TRANSPORT_CLOSED);
  }
  print_message("random payloads: %zu frames, %zu connections closed, %zu "
                "messages, %zu overflows\n",
                frames, closed, sim_count(&s, 0, PN_EVENT_MESSAGE),
                sim_count(&s, 0, PN_EVENT_OVERFLOW));
  assert_true(closed > 0);
  finish(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain_profile_vs_noise_layer),
      cmocka_unit_test(test_reg_bad_handshake_length),
      cmocka_unit_test(test_reg_bad_transport_no_zombie),
      cmocka_unit_test(test_corrupting_network),
      cmocka_unit_test(test_random_payloads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
