/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * No peer can starve another: the attacks of the flow-control issue, each
 * against a victim engine with a small pool, in the simulator. In every
 * scenario a well-behaved peer keeps exchanging sequenced messages with the
 * victim and must see every one in order, a newcomer's handshake must
 * succeed during the attack, every attacker must be closed with its named
 * reason within the stated bound, and the victim's pool must come back to
 * its baseline (nothing held) once the attackers are gone.
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

#include "frame.h"
#include "sim.h"
#include "test_hooks.h"

enum {
  VICTIM = 0,
  GOOD = 1, /* the well-behaved peer */
  NEWCOMER = 2,
  FIRST_ATTACKER = 3,
  POOL = 2 << 20,          /* the victim's pool: small, so attacks bite */
  MAX_MESSAGE = 256 << 10, /* the victim's max_message */
  SEND_QUEUE = 512 << 10
};

#define STEP         (10 * PN_MSEC)
#define SEND_TIMEOUT (5 * PN_SEC)
#define RECV_TIMEOUT (5 * PN_SEC)
#define KEEPALIVE    PN_SEC
/* Every attacker is closed within this long of the attack's start. */
#define BOUND (SEND_TIMEOUT + 3 * KEEPALIVE)

typedef struct flow {
  sim s;
  int nattack;
  uint64_t good_sent, victim_sent; /* sequenced messages each way */
  pn_time start;
} flow;

static pn_engine_config victim_cfg(void) {
  pn_engine_config c;
  pn_engine_config_default(&c);
  c.pool_budget = POOL;
  c.max_message = MAX_MESSAGE;
  c.send_queue = SEND_QUEUE;
  c.max_conns = 32;
  c.max_peers = 16;
  c.max_handshakes = 4;
  c.keepalive_interval = KEEPALIVE;
  c.idle_timeout = 10 * PN_SEC;
  c.send_timeout = SEND_TIMEOUT;
  c.recv_timeout = RECV_TIMEOUT;
  c.rekey_interval = PN_TIME_NEVER;
  return c;
}

/* The victim (|vc|, or victim_cfg()), the good peer, the newcomer and
 * |nattack| attackers; every node but the newcomer connected to the
 * victim. */
static void flow_init_with(flow *f, int nattack, uint64_t seed,
                           const pn_engine_config *vc) {
  int n = FIRST_ATTACKER + nattack;
  pn_engine_config *cfgs = calloc((size_t)n, sizeof *cfgs);
  assert_non_null(cfgs);
  for (int i = 0; i < n; i++) {
    cfgs[i] = i == VICTIM && vc ? *vc : victim_cfg();
    if (i != VICTIM) { /* the others: roomy, so only the victim is tested */
      cfgs[i].pool_budget = 0;
      cfgs[i].send_queue = 0;
      cfgs[i].max_message = 0;
      cfgs[i].send_timeout = PN_TIME_NEVER;
      cfgs[i].recv_timeout = PN_TIME_NEVER;
      cfgs[i].peer_rekey_limit = UINT32_MAX;
    }
  }
  memset(f, 0, sizeof *f);
  f->nattack = nattack;
  sim_init(&f->s, n, NULL, cfgs, seed);
  free(cfgs);
  /* A few at a time: the victim takes max_handshakes at once. */
  sim_connect(&f->s, GOOD, VICTIM, 0);
  for (int i = 0; i < nattack; i++) {
    if (i % 3 == 0) sim_settle(&f->s);
    sim_connect(&f->s, FIRST_ATTACKER + i, VICTIM, 0);
  }
  sim_settle(&f->s);
  assert_int_equal(pn_engine_peer_count(f->s.n[VICTIM].e), 1 + nattack);
  f->start = f->s.now;
}

static void flow_init(flow *f, int nattack, uint64_t seed) {
  flow_init_with(f, nattack, seed, NULL);
}

/* The link between the victim and node |i|. */
static size_t link_to(const flow *f, int i) {
  for (size_t l = 0; l < f->s.nl; l++)
    if (f->s.l[l].node[0] == i && f->s.l[l].node[1] == VICTIM) return l;
  fail_msg("no link to %d", i);
  return 0;
}

/* Attacker |i| stops reading: the victim's output to it is never acked. */
static void never_reads(flow *f, int i) {
  sim_link *l = &f->s.l[link_to(f, i)];
  l->pipe[1].blocked = 1; /* pipe[1]: from the victim (side 1) */
}

/* One step of well-behaved traffic, both ways; a send to the good peer
 * must never fail, whatever the attackers do. */
static void good_traffic(flow *f, size_t len) {
  static uint8_t buf[4096];
  assert_true(len <= sizeof buf && len >= 32);
  memset(buf, 'g', len);
  int k = snprintf((char *)buf, 32, "g %llu", (unsigned long long)f->good_sent);
  buf[k] = ' ';
  int rc =
      pn_engine_send(f->s.n[GOOD].e, &f->s.n[VICTIM].id, buf, len, f->s.now);
  assert_int_equal(rc, PN_OK);
  f->good_sent++;
  memset(buf, 'v', len);
  k = snprintf((char *)buf, 32, "v %llu", (unsigned long long)f->victim_sent);
  buf[k] = ' ';
  rc = pn_engine_send(f->s.n[VICTIM].e, &f->s.n[GOOD].id, buf, len, f->s.now);
  if (rc != PN_OK)
    fail_msg("victim's send to the good peer failed: %s", pn_strerror(rc));
  f->victim_sent++;
}

/* Messages "<tag> <seq>" from |peer| at |node|: 0..n-1 in order, no
 * other. */
static void check_in_order(const sim *s, int node, int peer, uint64_t n) {
  size_t in_order = sim_count_in_order(s, node, peer);
  size_t all = sim_count_from(s, node, peer);
  if (in_order != n || all != n)
    fail_msg("node %d got %zu of %llu messages from %d in order (%zu in all)",
             node, in_order, (unsigned long long)n, peer, all);
}

/* The reason the victim gave when it dropped node |i|, or 0 if it did
 * not. */
static int dropped_for(const flow *f, int i) {
  const sim_node *v = &f->s.n[VICTIM];
  for (size_t k = 0; k < v->nev; k++)
    if (v->ev[k].type == PN_EVENT_PEER_DISCONNECTED &&
        pn_peer_id_equal(&v->ev[k].peer, &f->s.n[i].id))
      return v->ev[k].reason;
  return 0;
}

/* The victim's application sends |len| bytes to attacker |i|: a refusal
 * (overflow) or a peer already gone is fine, nothing else. */
static void send_to_attacker(flow *f, int i, const uint8_t *p, size_t len) {
  int rc = pn_engine_send(f->s.n[VICTIM].e, &f->s.n[i].id, p, len, f->s.now);
  if (rc != PN_OK && rc != PN_ERR_OVERFLOW && rc != PN_ERR_NOT_FOUND)
    fail_msg("send to attacker %d: %s", i, pn_strerror(rc));
}

static int connected_to_victim(const flow *f, int i) {
  pn_peer_info info;
  return pn_engine_peer(f->s.n[VICTIM].e, &f->s.n[i].id, &info) == PN_OK;
}

/* The newcomer dials during the attack; its handshake must succeed. */
static void newcomer_joins(flow *f) {
  sim_connect(&f->s, NEWCOMER, VICTIM, 0);
}

static void check_newcomer(const flow *f) {
  assert_true(connected_to_victim(f, NEWCOMER));
  assert_int_equal(sim_count(&f->s, NEWCOMER, PN_EVENT_REJECTED), 0);
  assert_int_equal(sim_count(&f->s, NEWCOMER, PN_EVENT_PEER_DISCONNECTED), 0);
}

/* After the attack: the good peer saw everything, the pool is back to its
 * baseline once the traffic settles, nothing leaked. */
static void flow_end(flow *f) {
  sim_settle(&f->s);
  check_in_order(&f->s, VICTIM, GOOD, f->good_sent);
  check_in_order(&f->s, GOOD, VICTIM, f->victim_sent);
  pn_engine_mem m;
  pn_engine_memory(f->s.n[VICTIM].e, &m);
  if (m.pool_in_use != 0)
    fail_msg("victim's pool holds %zu bytes after the attack", m.pool_in_use);
  assert_int_equal(sim_finish(&f->s), 0);
  sim_free(&f->s);
}

/* Attackers |first|..|first| + |n| - 1 were each dropped for |r1| or |r2|. */
static void expect_dropped(const flow *f, int first, int n, int r1, int r2) {
  for (int i = first; i < first + n; i++) {
    int why = dropped_for(f, i);
    if (why != r1 && why != r2)
      fail_msg("attacker %d: dropped for %s (%d), want %s or %s", i,
               pn_reason_str(why), why, pn_reason_str(r1), pn_reason_str(r2));
  }
}

/* One attacker that never reads asks for a rekey with the reply flag, many
 * times per step: each would make the victim queue a reply. */
static void rekey_flood_step(flow *f, int i) {
  if (!connected_to_victim(f, i)) return;
  for (int k = 0; k < 200; k++)
    if (pn_engine_rekey(f->s.n[i].e, &f->s.n[VICTIM].id, f->s.now) != PN_OK)
      break; /* the victim closed it meanwhile */
}

/* An attack from its start until BOUND. The first |rekeyers| attackers
 * and the |readers| after them never read; each STEP the rekeyers flood
 * rekey requests, the victim's application sends the readers bulk, the
 * good peer exchanges |good_len| bytes each way, and the newcomer dials
 * once |join_at| into the attack. */
typedef struct attack {
  int rekeyers, readers;
  size_t good_len;
  pn_time join_at;
} attack;

static void run_attack(flow *f, const attack *a) {
  for (int i = 0; i < a->rekeyers + a->readers; i++)
    never_reads(f, FIRST_ATTACKER + i);
  static uint8_t bulk[32 << 10];
  memset(bulk, 'b', sizeof bulk);
  while (f->s.now < f->start + BOUND) {
    for (int i = 0; i < a->rekeyers; i++)
      rekey_flood_step(f, FIRST_ATTACKER + i);
    /* The never-readers' output piles up; overflow refusals are fine,
     * failures to the good peer are not. */
    for (int i = 0; i < a->readers; i++)
      send_to_attacker(f, FIRST_ATTACKER + a->rekeyers + i, bulk, sizeof bulk);
    good_traffic(f, a->good_len);
    if (f->s.now >= f->start + a->join_at &&
        f->s.now < f->start + a->join_at + STEP)
      newcomer_joins(f);
    sim_run_until(&f->s, f->s.now + STEP);
  }
}

/* ---- 1. Rekey amplification --------------------------------------------- */

static void test_rekey_amplification(void **state) {
  (void)state;
  flow f;
  flow_init(&f, 1, 101);
  run_attack(&f, &(attack){.rekeyers = 1, .good_len = 100, .join_at = PN_SEC});
  expect_dropped(&f, FIRST_ATTACKER, 1, PN_REASON_REKEY_FLOOD,
                 PN_REASON_SEND_TIMEOUT);
  check_newcomer(&f);
  flow_end(&f);
}

/* ---- 2. Peers that never read ------------------------------------------- */

enum { NEVER_READERS = 5 };

static void test_peers_never_read(void **state) {
  (void)state;
  flow f;
  flow_init(&f, NEVER_READERS, 202);
  run_attack(
      &f,
      &(attack){.readers = NEVER_READERS, .good_len = 2000, .join_at = PN_SEC});
  expect_dropped(&f, FIRST_ATTACKER, NEVER_READERS, PN_REASON_SEND_TIMEOUT,
                 PN_REASON_MEMORY_PRESSURE);
  check_newcomer(&f);
  flow_end(&f);
}

/* ---- 3. Reassembly pinning ---------------------------------------------- */

enum { PINNERS = 12, FRESH_MESSAGE = 100000 };

/* Attacker |i| sends the first chunk of a message declaring max_message,
 * then nothing but its keepalives. */
static void pin(flow *f, int i) {
  static uint8_t pt[PN_FRAME_MAX_PLAIN];
  pt[0] = PN_FT_DATA_FIRST;
  pn_put32(pt + 1, MAX_MESSAGE);
  memset(pt + PN_FT_FIRST_HDR, 'p', sizeof pt - PN_FT_FIRST_HDR);
  assert_int_equal(
      pn_engine_test_send_raw(f->s.n[i].e, &f->s.n[VICTIM].id, pt, sizeof pt),
      PN_OK);
}

static void test_reassembly_pinning(void **state) {
  (void)state;
  flow f;
  flow_init(&f, PINNERS, 303);
  for (int i = 0; i < PINNERS; i++)
    pin(&f, FIRST_ATTACKER + i);
  sim_run_until(&f.s, f.s.now + 100 * PN_MSEC);
  /* Each pinner holds what it sent, not what it declared. */
  pn_engine_mem m;
  pn_engine_memory(f.s.n[VICTIM].e, &m);
  assert_true(m.pool_in_use <= (size_t)PINNERS * 80 * 1024);
  /* A fresh peer's message is delivered at once. */
  static uint8_t fresh[FRESH_MESSAGE];
  memset(fresh, 'f', sizeof fresh);
  memcpy(fresh, "f 0 ", 4);
  assert_int_equal(pn_engine_send(f.s.n[GOOD].e, &f.s.n[VICTIM].id, fresh,
                                  sizeof fresh, f.s.now),
                   PN_OK);
  sim_run_until(&f.s, f.s.now + PN_SEC);
  assert_int_equal(sim_count_from(&f.s, VICTIM, GOOD), 1);
  f.good_sent = 1;
  /* The pinners do nothing more: only their keepalives come. */
  run_attack(&f, &(attack){.good_len = 100, .join_at = 2 * PN_SEC});
  expect_dropped(&f, FIRST_ATTACKER, PINNERS, PN_REASON_RECEIVE_STALLED,
                 PN_REASON_MEMORY_PRESSURE);
  check_newcomer(&f);
  flow_end(&f);
}

/* ---- 4. All of them at once --------------------------------------------- */

static void test_combined(void **state) {
  (void)state;
  enum { REKEYERS = 2, READERS = 3, PINS = 6 };
  flow f;
  flow_init(&f, REKEYERS + READERS + PINS, 404);
  int first_reader = FIRST_ATTACKER + REKEYERS;
  int first_pin = first_reader + READERS;
  for (int i = 0; i < PINS; i++)
    pin(&f, first_pin + i);
  run_attack(&f, &(attack){.rekeyers = REKEYERS,
                           .readers = READERS,
                           .good_len = 1000,
                           .join_at = PN_SEC});
  expect_dropped(&f, FIRST_ATTACKER, REKEYERS, PN_REASON_REKEY_FLOOD,
                 PN_REASON_SEND_TIMEOUT);
  expect_dropped(&f, first_reader, READERS, PN_REASON_SEND_TIMEOUT,
                 PN_REASON_MEMORY_PRESSURE);
  expect_dropped(&f, first_pin, PINS, PN_REASON_RECEIVE_STALLED,
                 PN_REASON_MEMORY_PRESSURE);
  check_newcomer(&f);
  flow_end(&f);
}

/* ---- The rules, one at a time ------------------------------------------- */

static uint64_t rekeys(const flow *f, int node, int peer, int out) {
  pn_peer_info info;
  assert_int_equal(pn_engine_peer(f->s.n[node].e, &f->s.n[peer].id, &info),
                   PN_OK);
  return out ? info.rekeys_out : info.rekeys_in;
}

/* Requests while the victim's reply is still queued are absorbed by it;
 * once it is acked, the next request gets a reply of its own. */
static void test_rekey_reply_absorbed(void **state) {
  (void)state;
  flow f;
  flow_init(&f, 0, 505);
  never_reads(&f, GOOD);
  for (int k = 0; k < 5; k++)
    assert_int_equal(pn_engine_rekey(f.s.n[GOOD].e, &f.s.n[VICTIM].id, f.s.now),
                     PN_OK);
  sim_run_until(&f.s, f.s.now + 100 * PN_MSEC);
  assert_int_equal(rekeys(&f, VICTIM, GOOD, 0), 5);
  assert_int_equal(rekeys(&f, VICTIM, GOOD, 1), 1);
  f.s.l[link_to(&f, GOOD)].pipe[1].blocked = 0;
  sim_run_until(&f.s, f.s.now + 100 * PN_MSEC);
  assert_int_equal(rekeys(&f, GOOD, VICTIM, 0), 1);
  assert_int_equal(pn_engine_rekey(f.s.n[GOOD].e, &f.s.n[VICTIM].id, f.s.now),
                   PN_OK);
  sim_run_until(&f.s, f.s.now + 100 * PN_MSEC);
  assert_int_equal(rekeys(&f, VICTIM, GOOD, 1), 2);
  assert_int_equal(rekeys(&f, GOOD, VICTIM, 0), 2);
  good_traffic(&f, 100);
  flow_end(&f);
}

/* peer_rekey_limit a minute, burst included: at the limit the peer stays;
 * one more within the minute closes it with REKEY_FLOOD. */
static void test_rekey_rate(void **state) {
  (void)state;
  enum { LIMIT = 60 };
  for (int over = 0; over < 2; over++) {
    flow f;
    flow_init(&f, 0, 606 + (uint64_t)over);
    for (int k = 0; k < LIMIT + over; k++) {
      assert_int_equal(
          pn_engine_rekey(f.s.n[GOOD].e, &f.s.n[VICTIM].id, f.s.now), PN_OK);
      sim_run_until(&f.s, f.s.now + STEP);
    }
    sim_run_until(&f.s, f.s.now + 100 * PN_MSEC);
    if (!over) {
      assert_true(connected_to_victim(&f, GOOD));
      /* A minute later the whole burst is back. */
      sim_run_until(&f.s, f.s.now + 60 * PN_SEC);
      for (int k = 0; k < LIMIT; k++)
        assert_int_equal(
            pn_engine_rekey(f.s.n[GOOD].e, &f.s.n[VICTIM].id, f.s.now), PN_OK);
      sim_run_until(&f.s, f.s.now + 100 * PN_MSEC);
      assert_true(connected_to_victim(&f, GOOD));
      good_traffic(&f, 100);
      flow_end(&f);
    } else {
      assert_int_equal(dropped_for(&f, GOOD), PN_REASON_REKEY_FLOOD);
      assert_int_equal(sim_finish(&f.s), 0);
      sim_free(&f.s);
    }
  }
}

/* Under pool pressure the largest holder over its share is refused, and
 * closed (MEMORY_PRESSURE) when a connection within its share needs room:
 * no send to a well-behaved peer fails. */
static void test_fair_pool(void **state) {
  (void)state;
  /* The victim's output to the attacker neither times out nor meets its
   * queue limit here: only the pool stops it. */
  pn_engine_config vc = victim_cfg();
  vc.send_queue = 2 * POOL;
  vc.send_timeout = PN_TIME_NEVER;
  flow f;
  flow_init_with(&f, 1, 707, &vc);
  int a = FIRST_ATTACKER;
  never_reads(&f, a);
  pn_engine *v = f.s.n[VICTIM].e;
  static uint8_t bulk[64 << 10];
  memset(bulk, 'b', sizeof bulk);
  /* Large sends until refused, then smaller ones: the attacker ends up
   * holding all it may. */
  static const size_t sizes[] = {sizeof bulk, 4096, 200};
  for (size_t z = 0; z < 3; z++) {
    int refused = 0;
    for (int k = 0; k < 1000 && !refused; k++) {
      int rc = pn_engine_send(v, &f.s.n[a].id, bulk, sizes[z], f.s.now);
      if (rc == PN_ERR_OVERFLOW)
        refused = 1;
      else
        assert_int_equal(rc, PN_OK);
    }
    assert_true(refused);
  }
  sim_run_until(&f.s, f.s.now + STEP);
  assert_true(connected_to_victim(&f, a));
  /* The refusal came as an OVERFLOW event naming the pool. */
  size_t k;
  for (k = 0; k < f.s.n[VICTIM].nev; k++)
    if (f.s.n[VICTIM].ev[k].type == PN_EVENT_OVERFLOW) break;
  assert_true(k < f.s.n[VICTIM].nev);
  assert_int_equal(f.s.n[VICTIM].ev[k].reason, PN_REASON_MEMORY_PRESSURE);
  pn_engine_mem m;
  pn_engine_memory(v, &m);
  assert_true(m.pool_in_use > POOL / 2);
  /* The handshake reserve is intact: a newcomer gets in. */
  newcomer_joins(&f);
  sim_run_until(&f.s, f.s.now + 100 * PN_MSEC);
  check_newcomer(&f);
  /* The good peer within its share: the attacker makes way. */
  good_traffic(&f, 2000);
  sim_run_until(&f.s, f.s.now + 100 * PN_MSEC);
  assert_int_equal(dropped_for(&f, a), PN_REASON_MEMORY_PRESSURE);
  flow_end(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rekey_amplification),
      cmocka_unit_test(test_peers_never_read),
      cmocka_unit_test(test_reassembly_pinning),
      cmocka_unit_test(test_combined),
      cmocka_unit_test(test_rekey_reply_absorbed),
      cmocka_unit_test(test_rekey_rate),
      cmocka_unit_test(test_fair_pool),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
