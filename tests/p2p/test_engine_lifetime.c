/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * A connection's life over time in the simulator (sim.h): a silent one
 * reclaimed, keepalives and the idle timeout, a clock that goes backwards,
 * rekeying by count, on request and by age, nonce exhaustion, simultaneous
 * dials that leave one connection, and a shutdown that flushes first. Each
 * scenario ends with a check that nothing leaked.
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

#include "test_hooks.h"
#include "sim.h"
#include "engine_fixture.h"

/* ---- Timers -------------------------------------------------------------- */

static void test_silent_reclaimed(void **state) {
  (void)state;
  sim s;
  sim_base(&s, 1, 4);
  int rc;
  sim_raw_inbound(&s, 0, &rc);
  assert_int_equal(rc, PN_OK);
  sim_poll_all(&s);
  assert_true(sim_watch_deadline(&s.n[0].w) <=
              s.now + PN_ENGINE_DEFAULT_HANDSHAKE_TIMEOUT);
  sim_run_until(&s, s.now + 9 * PN_SEC);
  assert_int_equal(pn_engine_test_conns(s.n[0].e), 1);
  sim_run_until(&s, s.now + 2 * PN_SEC);
  assert_int_equal(
      sim_count_reason(&s, 0, PN_EVENT_REJECTED, PN_REASON_HANDSHAKE_TIMEOUT),
      1);
  expect_reclaimed(&s, 0);
  finish(&s);
}

static void test_keepalive_and_idle(void **state) {
  (void)state;
  pn_engine_config c = base_cfg();
  /* Only the idle timer is under test: engine 0 must not give up on its
   * own stalled output first (test_flow covers send_timeout). */
  c.send_timeout = PN_TIME_NEVER;
  sim s;
  sim_init(&s, 2, &c, NULL, 5);
  size_t l = sim_connect(&s, 0, 1, 0);
  sim_settle(&s);
  /* Ten quiet minutes: keepalives keep both alive. */
  sim_run_until(&s, s.now + 600 * PN_SEC);
  assert_int_equal(pn_engine_peer_count(s.n[0].e), 1);
  assert_int_equal(pn_engine_peer_count(s.n[1].e), 1);
  assert_int_equal(sim_count(&s, 0, PN_EVENT_PEER_DISCONNECTED), 0);
  pn_peer_info info;
  assert_int_equal(pn_engine_peer(s.n[1].e, &s.n[0].id, &info), PN_OK);
  assert_true(info.last_activity + 20 * PN_SEC >= s.now);
  assert_int_equal(info.msgs_in, 0); /* keepalives are not messages */
  /* Engine 0 goes silent (its writes stall): engine 1 times it out. */
  s.l[l].pipe[0].blocked = 1;
  sim_run_until(&s, s.now + 61 * PN_SEC);
  assert_int_equal(sim_count_reason(&s, 1, PN_EVENT_PEER_DISCONNECTED,
                                    PN_REASON_IDLE_TIMEOUT),
                   1);
  long d = find_event(&s, 0, PN_EVENT_PEER_DISCONNECTED, 0);
  assert_true(d >= 0);
  assert_int_equal(s.n[0].ev[d].reason, PN_REASON_REMOTE_CLOSED);
  assert_int_equal(s.n[0].ev[d].remote_reason, PN_REASON_IDLE_TIMEOUT);
  finish(&s);
}

/* Polls |e| until nothing is left; the last DEADLINE it gave, or |was| if
 * it gave none (the deadline did not change). */
static pn_time polled_deadline(pn_engine *e, pn_time was) {
  pn_action a;
  while (pn_engine_poll(e, &a) == 1)
    if (a.type == PN_ACTION_DEADLINE) was = a.deadline;
  return was;
}

static void test_time_backwards(void **state) {
  (void)state;
  pn_engine_config c = base_cfg();
  sim s;
  sim_init(&s, 1, &c, NULL, 12);
  pn_engine *e = s.n[0].e;
  pn_time t0 = s.now;
  pn_conn_id id;
  assert_int_equal(pn_engine_conn_open(e, PN_DIR_INBOUND, NULL, NULL, t0, &id),
                   PN_OK);
  pn_time d = polled_deadline(e, PN_TIME_NEVER);
  assert_int_equal(d, t0 + PN_ENGINE_DEFAULT_HANDSHAKE_TIMEOUT);
  /* A clock that jumps back is clamped: nothing fires, nothing moves (no
   * new DEADLINE either). */
  assert_int_equal(pn_engine_tick(e, 0), PN_OK);
  assert_int_equal(pn_engine_tick(e, t0 - 500 * PN_SEC), PN_OK);
  assert_int_equal(polled_deadline(e, d), d);
  assert_int_equal(pn_engine_test_conns(e), 1);
  assert_int_equal(pn_engine_tick(e, t0 + 9 * PN_SEC), PN_OK);
  assert_int_equal(pn_engine_tick(e, t0 + PN_SEC), PN_OK);
  assert_int_equal(pn_engine_test_conns(e), 1);
  /* Spurious and early ticks are harmless. */
  for (int i = 0; i < 5; i++)
    assert_int_equal(pn_engine_tick(e, t0), PN_OK);
  assert_int_equal(pn_engine_tick(e, d), PN_OK);
  pn_action a;
  int saw = 0;
  while (pn_engine_poll(e, &a) == 1)
    if (a.type == PN_ACTION_EVENT && a.event.type == PN_EVENT_REJECTED &&
        a.event.rejected.reason == PN_REASON_HANDSHAKE_TIMEOUT)
      saw = 1;
  assert_true(saw);
  /* With peers: backwards time while connected keeps them connected. */
  s.now = d;
  finish(&s);

  sim s2;
  sim_init(&s2, 2, &c, NULL, 13);
  sim_connect(&s2, 0, 1, 0);
  sim_settle(&s2);
  assert_int_equal(pn_engine_peer_count(s2.n[0].e), 1);
  pn_time t = s2.now;
  for (int i = 0; i < 50; i++) {
    pn_time back = t - (pn_time)(i + 1) * 10 * PN_SEC;
    char m[16];
    int n = snprintf(m, sizeof m, "b %d", i);
    assert_int_equal(pn_engine_send(s2.n[0].e, &s2.n[1].id, (const uint8_t *)m,
                                    (size_t)n, back),
                     PN_OK);
    assert_int_equal(pn_engine_tick(s2.n[1].e, back), PN_OK);
    sim_step(&s2);
  }
  sim_settle(&s2);
  assert_int_equal(pn_engine_peer_count(s2.n[1].e), 1);
  check_sequence(&s2, 1, 0, 50);
  finish(&s2);
}

/* ---- Rekey, nonces ------------------------------------------------------- */

static void test_rekey_with_traffic(void **state) {
  (void)state;
  pn_engine_config c = base_cfg();
  c.rekey_messages = 10;
  sim s;
  sim_init(&s, 2, &c, NULL, 6);
  s.max_delay = 2 * PN_MSEC;
  s.partial_acks = 1;
  sim_connect(&s, 0, 1, 0);
  sim_settle(&s);
  size_t lens[100];
  uint8_t buf[2000];
  for (size_t i = 0; i < 100; i++) {
    lens[i] = i * 13 % 2000;
    size_t len = make_msg(buf, i, lens[i]);
    send_ok(&s, 0, 1, buf, len);
    send_ok(&s, 1, 0, buf, len);
    if (i % 3 == 0) sim_step(&s);
    /* An explicit rekey of both directions, mid-stream. */
    if (i == 50)
      assert_int_equal(pn_engine_rekey(s.n[0].e, &s.n[1].id, s.now), PN_OK);
  }
  sim_settle(&s);
  check_msgs(&s, 1, 0, 100, lens);
  check_msgs(&s, 0, 1, 100, lens);
  pn_peer_info a, b;
  assert_int_equal(pn_engine_peer(s.n[0].e, &s.n[1].id, &a), PN_OK);
  assert_int_equal(pn_engine_peer(s.n[1].e, &s.n[0].id, &b), PN_OK);
  /* 100 messages each, rekey every 10, plus the requested one (which
   * restarts the count): 10 each way. */
  assert_true(a.rekeys_out >= 10 && a.rekeys_out <= 11);
  assert_true(b.rekeys_out >= 10 && b.rekeys_out <= 11);
  assert_int_equal(a.rekeys_out, b.rekeys_in);
  assert_int_equal(b.rekeys_out, a.rekeys_in);
  /* By age, with nothing else happening. */
  sim_run_until(&s, s.now + 250 * PN_SEC);
  assert_int_equal(pn_engine_peer(s.n[0].e, &s.n[1].id, &a), PN_OK);
  assert_true(a.rekeys_out >= 10 + 2);
  send_ok(&s, 0, 1, "late 0", 6);
  sim_settle(&s);
  assert_int_equal(sim_count_from(&s, 1, 0), 101);
  finish(&s);
}

static void test_nonce_exhaustion(void **state) {
  (void)state;
  sim s;
  sim_base(&s, 2, 15);
  sim_connect(&s, 0, 1, 0);
  sim_settle(&s);
  send_ok(&s, 0, 1, "a 0", 3);
  sim_settle(&s);
  uint64_t n = UINT64_MAX - 1 - PN_ENGINE_NONCE_RESERVE - 3;
  assert_int_equal(pn_engine_test_set_tx_nonce(s.n[0].e, &s.n[1].id, n), 0);
  assert_int_equal(pn_engine_test_set_rx_nonce(s.n[1].e, &s.n[0].id, n), 0);
  send_ok(&s, 0, 1, "a 1", 3);
  int rc = PN_OK;
  for (int i = 0; i < 5 && rc == PN_OK; i++)
    rc = pn_engine_send(s.n[0].e, &s.n[1].id, (const uint8_t *)"zz", 2, s.now);
  assert_int_equal(rc, PN_ERR_NONCE_EXHAUSTED);
  sim_settle(&s);
  assert_int_equal(sim_count_reason(&s, 0, PN_EVENT_PEER_DISCONNECTED,
                                    PN_REASON_KEY_EXHAUSTED),
                   1);
  long d = find_event(&s, 1, PN_EVENT_PEER_DISCONNECTED, 0);
  assert_true(d >= 0);
  assert_int_equal(s.n[1].ev[d].remote_reason, PN_REASON_KEY_EXHAUSTED);
  assert_true(sim_count(&s, 1, PN_EVENT_MESSAGE) >= 2);
  finish(&s);
}

/* ---- Duplicates, shutdown ------------------------------------------------ */

static void run_simultaneous(uint64_t seed, pn_time delay) {
  pn_engine_config c = base_cfg();
  sim s;
  sim_init(&s, 2, &c, NULL, seed);
  s.max_delay = delay;
  sim_connect(&s, 0, 1, 0);
  sim_connect(&s, 1, 0, 0);
  /* Both send as soon as, and as long as, the peer is routable. */
  size_t sent[2] = {0, 0};
  for (int round = 0; round < 400; round++) {
    for (int i = 0; i < 2; i++) {
      pn_peer_info info;
      if (pn_engine_peer(s.n[i].e, &s.n[1 - i].id, &info) == PN_OK) {
        char m[32];
        int n = snprintf(m, sizeof m, "s %zu", sent[i]);
        send_ok(&s, i, 1 - i, m, (size_t)n);
        sent[i]++;
      }
    }
    sim_step(&s);
    sim_run_until(&s, s.now + delay / 4 + 1);
  }
  sim_settle(&s);
  for (int i = 0; i < 2; i++) {
    int o = 1 - i;
    assert_true(sent[o] > 100);
    assert_int_equal(sim_count(&s, i, PN_EVENT_PEER_CONNECTED), 1);
    assert_int_equal(sim_count(&s, i, PN_EVENT_PEER_DISCONNECTED), 0);
    assert_int_equal(pn_engine_peer_count(s.n[i].e), 1);
    assert_int_equal(pn_engine_test_conns(s.n[i].e), 1);
    assert_int_equal(
        sim_count_reason(&s, i, PN_EVENT_REJECTED, PN_REASON_DUPLICATE), 1);
    /* Every message arrived exactly once (order may change only across the
     * switch from the losing connection to the surviving one). */
    uint8_t *seen = calloc(sent[o], 1);
    for (size_t k = 0; k < s.n[i].nev; k++) {
      const sim_event *v = &s.n[i].ev[k];
      if (v->type != PN_EVENT_MESSAGE) continue;
      char b[32] = {0};
      memcpy(b, v->data, v->len < 31 ? v->len : 31);
      unsigned long q = strtoul(b + 2, NULL, 10);
      assert_true(q < sent[o]);
      assert_int_equal(seen[q], 0);
      seen[q] = 1;
    }
    for (size_t q = 0; q < sent[o]; q++)
      if (!seen[q]) fail_msg("engine %d lost message %zu", i, q);
    free(seen);
  }
  /* The survivor is the one both ends chose: initiated by the lower key. */
  pn_peer_info a;
  assert_int_equal(pn_engine_peer(s.n[0].e, &s.n[1].id, &a), PN_OK);
  int low0 = memcmp(s.n[0].id.key, s.n[1].id.key, 32) < 0;
  assert_int_equal(a.dir, low0 ? PN_DIR_OUTBOUND : PN_DIR_INBOUND);
  finish(&s);
}

static void test_simultaneous_dial(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 6; seed++)
    run_simultaneous(seed, seed % 2 ? 5 * PN_MSEC : 40 * PN_MSEC);
}

static void test_shutdown_flushes(void **state) {
  (void)state;
  sim s;
  sim_base(&s, 2, 14);
  s.max_delay = PN_MSEC;
  s.partial_acks = 1;
  sim_connect(&s, 0, 1, 0);
  sim_settle(&s);
  size_t lens[50];
  uint8_t *buf = malloc(600000);
  for (size_t i = 0; i < 50; i++) {
    lens[i] = i == 25 ? 500000 : i * 11;
    size_t len = make_msg(buf, i, lens[i]);
    send_ok(&s, 0, 1, buf, len);
  }
  assert_int_equal(pn_engine_shutdown(s.n[0].e, s.now), PN_OK);
  assert_int_equal(pn_engine_send(s.n[0].e, &s.n[1].id, buf, 1, s.now),
                   PN_ERR_SHUTDOWN);
  pn_conn_id id;
  assert_int_equal(
      pn_engine_conn_open(s.n[0].e, PN_DIR_INBOUND, NULL, NULL, s.now, &id),
      PN_ERR_SHUTDOWN);
  sim_settle(&s);
  check_msgs(&s, 1, 0, 50, lens);
  long d = find_event(&s, 1, PN_EVENT_PEER_DISCONNECTED, 0);
  assert_true(d > find_event(&s, 1, PN_EVENT_MESSAGE, 49));
  assert_int_equal(s.n[1].ev[d].reason, PN_REASON_REMOTE_CLOSED);
  assert_int_equal(s.n[1].ev[d].remote_reason, PN_REASON_SHUTDOWN);
  /* CLOSED comes last on the engine that shut down. */
  assert_true(s.n[0].w.closed);
  assert_int_equal(s.n[0].ev[s.n[0].nev - 1].type, PN_EVENT_CLOSED);
  assert_int_equal(
      sim_count_reason(&s, 0, PN_EVENT_PEER_DISCONNECTED, PN_REASON_SHUTDOWN),
      1);
  free(buf);
  finish(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_silent_reclaimed),
      cmocka_unit_test(test_keepalive_and_idle),
      cmocka_unit_test(test_time_backwards),
      cmocka_unit_test(test_rekey_with_traffic),
      cmocka_unit_test(test_nonce_exhaustion),
      cmocka_unit_test(test_simultaneous_dial),
      cmocka_unit_test(test_shutdown_flushes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
