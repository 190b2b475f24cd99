/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Engine framing in the simulator (sim.h): message streams that the network
 * splits and coalesces, down to a byte at a time, messages over the
 * receiver's limit skipped with the connection kept, the send queue's
 * overflow policies, and the order of events around a stream. Each scenario
 * ends with a check that nothing leaked.
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

#include "sim.h"
#include "engine_fixture.h"

/* ---- Framing ------------------------------------------------------------- */

static void run_stream(uint64_t seed, size_t max_split, pn_time delay,
                       int partial, size_t count, size_t maxlen) {
  pn_engine_config c = base_cfg();
  sim s;
  sim_init(&s, 2, &c, NULL, seed);
  s.max_split = max_split;
  s.max_delay = delay;
  s.partial_acks = partial;
  sim_connect(&s, 0, 1, 0);
  sim_settle(&s);
  assert_int_equal(pn_engine_peer_count(s.n[0].e), 1);
  size_t *lens = calloc(count, sizeof *lens);
  uint8_t *buf = malloc(1 << 20);
  uint64_t r = seed;
  for (size_t i = 0; i < count; i++) {
    uint64_t x = sim_rand(&r);
    lens[i] = x % 5 == 0 ? (size_t)(sim_rand(&r) % maxlen) : (size_t)(x % 300);
    size_t len = make_msg(buf, i, lens[i]);
    send_ok(&s, 0, 1, buf, len);
    send_ok(&s, 1, 0, buf, len);
    /* Sometimes let the network run between sends. */
    if (sim_rand(&r) % 4 == 0) sim_step(&s);
  }
  sim_settle(&s);
  check_msgs(&s, 1, 0, count, lens);
  check_msgs(&s, 0, 1, count, lens);
  free(buf);
  free(lens);
  finish(&s);
}

static void test_split_and_coalesce(void **state) {
  (void)state;
  run_stream(41, 0, 5 * PN_MSEC, 1, 300, 300000);
  run_stream(42, 7, PN_MSEC, 0, 100, 100000);
}

static void test_byte_at_a_time(void **state) {
  (void)state;
  sim s;
  sim_base(&s, 2, 9);
  s.max_split = 1;
  sim_connect(&s, 0, 1, 0);
  sim_settle(&s);
  assert_int_equal(pn_engine_peer_count(s.n[0].e), 1);
  assert_int_equal(pn_engine_peer_count(s.n[1].e), 1);
  static uint8_t big[70000];
  size_t lens[3] = {10, 70000, 0};
  for (size_t i = 0; i < 3; i++) {
    size_t len = make_msg(big, i, lens[i]);
    send_ok(&s, 0, 1, big, len);
  }
  sim_settle(&s);
  check_msgs(&s, 1, 0, 3, lens);
  finish(&s);
}

static void test_oversized_then_normal(void **state) {
  (void)state;
  pn_engine_config cfgs[2] = {base_cfg(), base_cfg()};
  cfgs[1].max_message = 65536;
  sim s;
  sim_init(&s, 2, NULL, cfgs, 21);
  s.max_delay = PN_MSEC;
  sim_connect(&s, 0, 1, 0);
  sim_settle(&s);
  uint8_t *big = malloc(200000);
  memset(big, 0xAB, 200000);
  send_ok(&s, 0, 1, big, 200000); /* chunked, over B's limit */
  send_ok(&s, 0, 1, big, 70000);  /* just over, two chunks */
  send_ok(&s, 0, 1, "after 0", 7);
  /* B's own limit: an error, nothing sent. */
  pn_peer_info before, after;
  assert_int_equal(pn_engine_peer(s.n[1].e, &s.n[0].id, &before), PN_OK);
  assert_int_equal(pn_engine_send(s.n[1].e, &s.n[0].id, big, 65537, s.now),
                   PN_ERR_MSG_TOO_LARGE);
  assert_int_equal(pn_engine_peer(s.n[1].e, &s.n[0].id, &after), PN_OK);
  assert_int_equal(before.msgs_out, after.msgs_out);
  sim_settle(&s);
  long o1 = find_event(&s, 1, PN_EVENT_OVERFLOW, 0);
  long o2 = find_event(&s, 1, PN_EVENT_OVERFLOW, 1);
  long m = find_event(&s, 1, PN_EVENT_MESSAGE, 0);
  assert_true(o1 >= 0 && o2 > o1 && m > o2);
  assert_int_equal(s.n[1].ev[o1].size, 200000);
  assert_int_equal(s.n[1].ev[o1].reason, PN_REASON_MESSAGE_TOO_LARGE);
  assert_true(pn_peer_id_equal(&s.n[1].ev[o1].peer, &s.n[0].id));
  assert_int_equal(s.n[1].ev[o2].size, 70000);
  assert_int_equal(s.n[1].ev[m].len, 7);
  assert_memory_equal(s.n[1].ev[m].data, "after 0", 7);
  /* No zombie: the peer is alive and usable both ways. */
  assert_int_equal(sim_count(&s, 1, PN_EVENT_PEER_DISCONNECTED), 0);
  send_ok(&s, 1, 0, "back 0", 6);
  sim_settle(&s);
  assert_int_equal(sim_count_from(&s, 0, 1), 1);
  free(big);
  finish(&s);
}

/* ---- Overflow policy ----------------------------------------------------- */

static void test_send_queue_policies(void **state) {
  (void)state;
  for (int policy = 0; policy < 2; policy++) {
    pn_engine_config c = base_cfg();
    c.max_message = 16384;
    c.send_queue = 70000;
    c.overflow = policy ? PN_OVERFLOW_DISCONNECT : PN_OVERFLOW_REJECT;
    sim s;
    sim_init(&s, 2, &c, NULL, 30 + policy);
    size_t l = sim_connect(&s, 0, 1, 0);
    sim_settle(&s);
    s.l[l].pipe[0].blocked = 1; /* engine 1 stops reading */
    static uint8_t m[10000];
    int rc = PN_OK, ok = 0;
    for (int i = 0; i < 20 && rc == PN_OK; i++) {
      rc = pn_engine_send(s.n[0].e, &s.n[1].id, m, sizeof m, s.now);
      if (rc == PN_OK) ok++;
      sim_step(&s);
    }
    assert_int_equal(rc, PN_ERR_OVERFLOW);
    assert_true(ok >= 5 && ok <= 7);
    if (!policy) {
      /* More refusals, still one event. */
      for (int i = 0; i < 5; i++)
        assert_int_equal(
            pn_engine_send(s.n[0].e, &s.n[1].id, m, sizeof m, s.now),
            PN_ERR_OVERFLOW);
      sim_poll_all(&s);
      assert_int_equal(sim_count(&s, 0, PN_EVENT_OVERFLOW), 1);
      long o = find_event(&s, 0, PN_EVENT_OVERFLOW, 0);
      assert_int_equal(s.n[0].ev[o].reason, PN_REASON_SEND_QUEUE_FULL);
      /* It reads again: everything arrives, sending works again. */
      s.l[l].pipe[0].blocked = 0;
      sim_settle(&s);
      assert_int_equal(sim_count(&s, 1, PN_EVENT_MESSAGE), (size_t)ok);
      send_ok(&s, 0, 1, m, sizeof m);
      sim_settle(&s);
      assert_int_equal(sim_count(&s, 1, PN_EVENT_MESSAGE), (size_t)ok + 1);
    } else {
      sim_poll_all(&s);
      assert_int_equal(sim_count_reason(&s, 0, PN_EVENT_PEER_DISCONNECTED,
                                        PN_REASON_SEND_QUEUE_FULL),
                       1);
      assert_int_equal(pn_engine_peer_count(s.n[0].e), 0);
      s.l[l].pipe[0].blocked = 0;
      sim_settle(&s);
    }
    finish(&s);
  }
}

/* ---- Ancestor regressions: order ----------------------------------------- */

static void test_reg_events_in_order(void **state) {
  (void)state;
  sim s;
  sim_base(&s, 2, 23);
  s.max_delay = 3 * PN_MSEC;
  s.partial_acks = 1;
  sim_connect(&s, 0, 1, 0);
  /* Engine 0 (initiator) completes first and sends at once: the data rides
   * behind message 3, and engine 1 must report CONNECTED before it. */
  size_t sent = 0;
  for (int i = 0; i < 200; i++) {
    pn_peer_info info;
    if (pn_engine_peer(s.n[0].e, &s.n[1].id, &info) == PN_OK) {
      char m[16];
      int n = snprintf(m, sizeof m, "o %zu", sent++);
      send_ok(&s, 0, 1, m, (size_t)n);
    }
    sim_step(&s);
    sim_run_until(&s, s.now + PN_MSEC / 4);
  }
  assert_true(sent > 100);
  assert_int_equal(pn_engine_disconnect(s.n[0].e, &s.n[1].id, s.now), PN_OK);
  sim_settle(&s);
  check_sequence(&s, 1, 0, sent);
  long conn = find_event(&s, 1, PN_EVENT_PEER_CONNECTED, 0);
  long first = find_event(&s, 1, PN_EVENT_MESSAGE, 0);
  long last = find_event(&s, 1, PN_EVENT_MESSAGE, sent - 1);
  long disc = find_event(&s, 1, PN_EVENT_PEER_DISCONNECTED, 0);
  assert_true(conn >= 0 && conn < first && last < disc);
  assert_int_equal(s.n[1].ev[disc].remote_reason, PN_REASON_LOCAL);
  finish(&s);
}

static void test_reg_concurrent_sends(void **state) {
  (void)state;
  /* Many sends queued before any byte leaves, acked in random pieces. */
  run_stream(60, 0, 0, 1, 200, 150000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split_and_coalesce),
      cmocka_unit_test(test_byte_at_a_time),
      cmocka_unit_test(test_oversized_then_normal),
      cmocka_unit_test(test_send_queue_policies),
      cmocka_unit_test(test_reg_events_in_order),
      cmocka_unit_test(test_reg_concurrent_sends),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
