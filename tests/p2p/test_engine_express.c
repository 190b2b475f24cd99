/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The engine's express buffers: one contiguous receive buffer and one send
 * buffer, each lent to one connection at a time; everyone else goes through
 * the pool. Driven by hand (not the simulator) to place every frame and
 * every split exactly: reassembly beside the pool, splits at every offset,
 * the send buffer, wiping, and an owner that goes away. Node 0 is the hub;
 * nodes 1 and 2 dial it.
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
#include "prng.h"
#include "sim.h"
#include "engine_fixture.h"

typedef struct xrec {
  int node;
  pn_peer_id from;
  uint8_t *p;
  size_t len;
} xrec;

typedef struct xh {
  pn_engine *e[3];
  void *mem0; /* node 0 in caller memory (wipe test) */
  size_t mem0_len;
  pn_peer_id id[3];
  uint8_t key[3][32];
  pn_conn_id hub[3], leaf[3]; /* link i: hub[i] on node 0, leaf[i] on i */
  int capture;                /* leaves' bytes to the hub are kept, acked */
  int block;                  /* the hub's SENDs to leaf 1 stay unacked */
  const uint8_t *pend;        /* ...and the last one is kept here */
  size_t pend_len;
  uint8_t *cap[3];
  size_t caplen[3], capcap[3];
  xrec *rec;
  size_t nrec;
  pn_time now;
} xh;

static int xh_node_of(const xh *h, int node, pn_conn_id c) {
  for (int i = 1; i < 3; i++)
    if (node == 0 ? h->hub[i] == c : (i == node && h->leaf[i] == c)) return i;
  return -1;
}

/* Offers |n| bytes to |node|'s end of link |i|; returns what it took. */
static size_t xh_offer(xh *h, int node, int i, const uint8_t *p, size_t n) {
  pn_conn_id c = node == 0 ? h->hub[i] : h->leaf[i];
  ptrdiff_t took = pn_engine_recv(h->e[node], c, p, n, h->now, NULL);
  assert_true(took >= 0);
  return (size_t)took;
}

/* Polls every engine until no action is left. */
static void xh_pump(xh *h) {
  int progress = 1;
  while (progress) {
    progress = 0;
    for (int j = 0; j < 3; j++) {
      if (!h->e[j]) continue;
      pn_action a;
      while (pn_engine_poll(h->e[j], &a) == 1) {
        progress = 1;
        if (a.type == PN_ACTION_SEND) {
          int i = xh_node_of(h, j, a.conn);
          assert_true(i > 0);
          size_t took;
          if (j == 0 && h->block && i == 1) { /* stays in flight */
            h->pend = a.send.data;
            h->pend_len = a.send.len;
            continue;
          }
          if (j != 0 && h->capture) {
            if (h->caplen[j] + a.send.len > h->capcap[j]) {
              h->capcap[j] = 2 * (h->caplen[j] + a.send.len);
              h->cap[j] = realloc(h->cap[j], h->capcap[j]);
            }
            memcpy(h->cap[j] + h->caplen[j], a.send.data, a.send.len);
            h->caplen[j] += a.send.len;
            took = a.send.len;
          } else {
            took = xh_offer(h, j == 0 ? i : 0, i, a.send.data, a.send.len);
          }
          assert_int_equal(pn_engine_sent(h->e[j], a.conn, took, h->now), 0);
        } else if (a.type == PN_ACTION_EVENT &&
                   a.event.type == PN_EVENT_MESSAGE) {
          h->rec = realloc(h->rec, (h->nrec + 1) * sizeof *h->rec);
          xrec *r = &h->rec[h->nrec++];
          r->node = j;
          r->from = a.event.message.peer;
          r->len = a.event.message.len;
          r->p = malloc(r->len + 1);
          if (r->len) memcpy(r->p, a.event.message.data, r->len);
        } else if (a.type == PN_ACTION_EVENT) {
          assert_true(a.event.type == PN_EVENT_PEER_CONNECTED ||
                      a.event.type == PN_EVENT_PEER_DISCONNECTED ||
                      a.event.type == PN_EVENT_LISTENING);
        }
      }
    }
  }
}

static void xh_init(xh *h, int caller_mem) {
  /* caller_mem: node 0 in caller memory, small enough to scan. */
  memset(h, 0, sizeof *h);
  h->now = PN_SEC;
  for (int j = 0; j < 3; j++) {
    pn_engine_config c = base_cfg();
    for (int k = 0; k < 32; k++)
      h->key[j][k] = (uint8_t)(j * 77 + k * 13 + 1);
    c.static_private = h->key[j];
    c.static_private_len = 32;
    c.idle_timeout = PN_TIME_NEVER;
    c.keepalive_interval = PN_TIME_NEVER;
    c.rekey_interval = PN_TIME_NEVER;
    if (j == 0 && caller_mem) {
      c.max_message = 1 << 18;
      c.pool_budget = 1 << 20;
      h->mem0_len = pn_engine_memsize(&c);
      assert_true(h->mem0_len > 0);
      h->mem0 = aligned_alloc(16, (h->mem0_len + 15) & ~(size_t)15);
      /* Defined bytes throughout, for the scan (valgrind). */
      memset(h->mem0, 0, h->mem0_len);
      assert_int_equal(
          pn_engine_init(&h->e[0], h->mem0, h->mem0_len, &c, h->now), 0);
    } else {
      assert_int_equal(pn_engine_new(&h->e[j], &c, h->now), 0);
    }
    pn_engine_local_id(h->e[j], &h->id[j]);
  }
  assert_int_equal(pn_engine_listening(h->e[0], h->now), PN_OK);
  for (int i = 1; i < 3; i++) {
    assert_int_equal(pn_engine_conn_open(h->e[0], PN_DIR_INBOUND, NULL, NULL,
                                         h->now, &h->hub[i]),
                     0);
    assert_int_equal(pn_engine_conn_open(h->e[i], PN_DIR_OUTBOUND, &h->id[0],
                                         NULL, h->now, &h->leaf[i]),
                     0);
  }
  xh_pump(h);
  assert_int_equal(pn_engine_peer_count(h->e[0]), 2);
}

static void xh_free(xh *h) {
  for (int j = 0; j < 3; j++) {
    pn_engine_free(h->e[j]);
    free(h->cap[j]);
  }
  free(h->mem0);
  for (size_t k = 0; k < h->nrec; k++)
    free(h->rec[k].p);
  free(h->rec);
}

/* Feeds |n| captured bytes of leaf |i| to the hub, all of them. */
static void xh_feed(xh *h, int i, const uint8_t *p, size_t n) {
  int idle = 0;
  while (n) {
    size_t took = xh_offer(h, 0, i, p, n);
    p += took;
    n -= took;
    xh_pump(h);
    idle = took ? 0 : idle + 1;
    assert_true(idle < 3);
  }
}

/* The |k|-th frame of a captured stream: offset and length. */
static size_t xh_frame(const xh *h, int i, size_t k, size_t *len) {
  size_t off = 0;
  for (;;) {
    assert_true(off + 2 <= h->caplen[i]);
    size_t l = 2 + pn_get16(h->cap[i] + off);
    if (!k--) {
      *len = l;
      return off;
    }
    off += l;
  }
}

static void xh_fill(uint8_t *p, size_t n, uint64_t seed) {
  pn_prng_fill(&seed, p, n);
}

static void xh_expect(const xh *h, size_t k, int node, int from,
                      const uint8_t *p, size_t n) {
  assert_true(k < h->nrec);
  assert_int_equal(h->rec[k].node, node);
  assert_true(pn_peer_id_equal(&h->rec[k].from, &h->id[from]));
  assert_int_equal(h->rec[k].len, n);
  if (n) assert_memory_equal(h->rec[k].p, p, n);
}

static void test_express_with_pool_reassembly(void **state) {
  (void)state;
  for (int first = 1; first <= 2; first++) {
    int other = 3 - first;
    xh h;
    xh_init(&h, 0);
    enum { A = 200000, B = 150000, C = 100 };
    uint8_t *ma = malloc(A), *mb = malloc(B), mc[C];
    xh_fill(ma, A, 1);
    xh_fill(mb, B, 2);
    xh_fill(mc, C, 3);
    h.capture = 1;
    assert_int_equal(pn_engine_send(h.e[first], &h.id[0], ma, A, h.now), 0);
    assert_int_equal(pn_engine_send(h.e[other], &h.id[0], mb, B, h.now), 0);
    assert_int_equal(pn_engine_send(h.e[other], &h.id[0], mc, C, h.now), 0);
    xh_pump(&h);
    h.capture = 0;
    size_t la, lb;
    /* The first chunk of |first| takes the express buffer... */
    size_t oa = xh_frame(&h, first, 0, &la);
    xh_feed(&h, first, h.cap[first] + oa, la);
    assert_int_equal(pn_engine_test_express(h.e[0], 0), h.hub[first]);
    assert_int_equal(pn_engine_test_pool_blocks_used(h.e[0]), 0);
    /* ...so |other| reassembles in the pool meanwhile, split oddly. */
    size_t ob = xh_frame(&h, other, 0, &lb);
    xh_feed(&h, other, h.cap[other] + ob, 1000);
    xh_feed(&h, other, h.cap[other] + ob + 1000, lb - 1000);
    assert_true(pn_engine_test_pool_blocks_used(h.e[0]) > 0);
    for (size_t k = 1; k < 3; k++) {
      oa = xh_frame(&h, first, k, &la);
      xh_feed(&h, first, h.cap[first] + oa, la / 3);
      ob = xh_frame(&h, other, k, &lb);
      xh_feed(&h, other, h.cap[other] + ob, lb);
      xh_feed(&h, first, h.cap[first] + oa + la / 3, la - la / 3);
    }
    /* |other|'s message is complete (from the pool), then its small one. */
    assert_int_equal(h.nrec, 1);
    xh_expect(&h, 0, 0, other, mb, B);
    ob = xh_frame(&h, other, 3, &lb);
    xh_feed(&h, other, h.cap[other] + ob, lb);
    assert_int_equal(h.nrec, 2);
    xh_expect(&h, 1, 0, other, mc, C);
    assert_int_equal(pn_engine_test_express(h.e[0], 0), h.hub[first]);
    assert_int_equal(pn_engine_test_pool_blocks_used(h.e[0]), 0);
    oa = xh_frame(&h, first, 3, &la);
    assert_int_equal(oa + la, h.caplen[first]);
    xh_feed(&h, first, h.cap[first] + oa, la);
    assert_int_equal(h.nrec, 3);
    xh_expect(&h, 2, 0, first, ma, A);
    assert_int_equal(pn_engine_test_express(h.e[0], 0), 0);
    assert_int_equal(pn_engine_test_pool_blocks_used(h.e[0]), 0);
    free(ma);
    free(mb);
    xh_free(&h);
  }
}

/* Frames split across receive calls at every offset near the frame
 * boundaries (and at a stride elsewhere), through the express buffer and,
 * while another connection holds it, through the pool. */
static void test_express_split_every_offset(void **state) {
  (void)state;
  for (int hold = 0; hold < 2; hold++) {
    xh h;
    xh_init(&h, 0);
    enum { BIG = 70000, SMALL = 64 };
    uint8_t *big = malloc(BIG), *hm = malloc(BIG);
    xh_fill(hm, BIG, 99);
    size_t nexp = 0;
    if (hold) {
      /* Leaf 2 starts a message and leaves the express buffer taken. */
      h.capture = 1;
      assert_int_equal(pn_engine_send(h.e[2], &h.id[0], hm, BIG, h.now), 0);
      xh_pump(&h);
      size_t l, o = xh_frame(&h, 2, 0, &l);
      xh_feed(&h, 2, h.cap[2] + o, l);
      assert_int_equal(pn_engine_test_express(h.e[0], 0), h.hub[2]);
    }
    /* Wire sizes: 2 + 65535 for the first chunk of BIG, then the rest. */
    size_t w_big = (size_t)pn_frame_wire_size(BIG);
    size_t w_small = (size_t)pn_frame_wire_size(SMALL);
    size_t offs[600], no = 0;
    for (size_t k = 0; k <= 40; k++)
      offs[no++] = k;
    for (size_t k = 65537 - 40; k <= 65537 + 40; k++)
      offs[no++] = k;
    for (size_t k = w_big - 40; k < w_big; k++)
      offs[no++] = k;
    for (size_t k = 41; k < w_big; k += 2999)
      offs[no++] = k;
    for (size_t t = 0; t < no; t++) {
      size_t k = offs[t], d = 1 + t % 3;
      xh_fill(big, BIG, 1000 + t);
      h.capture = 1;
      h.caplen[1] = 0;
      assert_int_equal(pn_engine_send(h.e[1], &h.id[0], big, BIG, h.now), 0);
      xh_pump(&h);
      h.capture = 0;
      assert_int_equal(h.caplen[1], w_big);
      /* Three pieces: [0, k), [k, k + d), the rest. */
      size_t k2 = k + d < w_big ? k + d : w_big;
      xh_feed(&h, 1, h.cap[1], k);
      xh_feed(&h, 1, h.cap[1] + k, k2 - k);
      xh_feed(&h, 1, h.cap[1] + k2, w_big - k2);
      assert_int_equal(h.nrec, nexp + 1);
      xh_expect(&h, nexp++, 0, 1, big, BIG);
      if (hold)
        assert_int_equal(pn_engine_test_express(h.e[0], 0), h.hub[2]);
      else
        assert_int_equal(pn_engine_test_express(h.e[0], 0), 0);
    }
    for (size_t k = 0; k <= w_small; k++) {
      xh_fill(big, SMALL, 5000 + k);
      h.capture = 1;
      h.caplen[1] = 0;
      assert_int_equal(pn_engine_send(h.e[1], &h.id[0], big, SMALL, h.now), 0);
      xh_pump(&h);
      h.capture = 0;
      assert_int_equal(h.caplen[1], w_small);
      xh_feed(&h, 1, h.cap[1], k);
      xh_feed(&h, 1, h.cap[1] + k, w_small - k);
      assert_int_equal(h.nrec, nexp + 1);
      xh_expect(&h, nexp++, 0, 1, big, SMALL);
    }
    if (hold) {
      size_t l, o = xh_frame(&h, 2, 1, &l);
      xh_feed(&h, 2, h.cap[2] + o, l);
      xh_expect(&h, nexp++, 0, 2, hm, BIG);
    }
    assert_int_equal(pn_engine_test_express(h.e[0], 0), 0);
    assert_int_equal(pn_engine_test_pool_blocks_used(h.e[0]), 0);
    free(big);
    free(hm);
    xh_free(&h);
  }
}

/* The express send buffer: lent to the first connection with output, the
 * other connections queue in the pool meanwhile; later messages of the
 * owner follow in order, acked in pieces. */
static void test_express_send(void **state) {
  (void)state;
  xh h;
  xh_init(&h, 0);
  enum { A = 300000, B = 100000, C = 5000 };
  uint8_t *ma = malloc(A), *mb = malloc(B), *mc = malloc(C);
  xh_fill(ma, A, 11);
  xh_fill(mb, B, 12);
  xh_fill(mc, C, 13);
  h.block = 1;
  assert_int_equal(pn_engine_send(h.e[0], &h.id[1], ma, A, h.now), 0);
  assert_int_equal(pn_engine_test_express(h.e[0], 1), h.hub[1]);
  assert_int_equal(pn_engine_test_pool_blocks_used(h.e[0]), 0);
  xh_pump(&h); /* the SEND to leaf 1 stays in flight */
  assert_int_equal(h.pend_len, pn_frame_wire_size(A));
  assert_int_equal(pn_engine_send(h.e[0], &h.id[2], mb, B, h.now), 0);
  assert_true(pn_engine_test_pool_blocks_used(h.e[0]) > 0);
  assert_int_equal(pn_engine_send(h.e[0], &h.id[1], mc, C, h.now), 0);
  xh_pump(&h);
  assert_int_equal(h.nrec, 1);
  xh_expect(&h, 0, 2, 0, mb, B);
  assert_int_equal(pn_engine_test_pool_blocks_used(h.e[0]), 0);
  assert_int_equal(pn_engine_test_express(h.e[0], 1), h.hub[1]);
  /* Nothing acked (the transport would block): no SEND until the driver
   * says the transport is writable, so a driver never spins. */
  assert_int_equal(pn_engine_sent(h.e[0], h.hub[1], 0, h.now), 0);
  h.pend_len = 0;
  xh_pump(&h);
  assert_int_equal(h.pend_len, 0);
  assert_int_equal(pn_engine_writable(h.e[0], h.hub[1], h.now), 0);
  xh_pump(&h);
  /* Then it comes again, now both messages, contiguous. */
  assert_int_equal(h.pend_len, pn_frame_wire_size(A) + pn_frame_wire_size(C));
  /* Acked in uneven pieces, each partial write followed by writable. */
  size_t step = 7;
  while (h.pend_len) {
    size_t n = h.pend_len < step ? h.pend_len : step;
    size_t took = xh_offer(&h, 1, 1, h.pend, n);
    int partial = took < h.pend_len;
    h.pend_len = 0;
    assert_int_equal(pn_engine_sent(h.e[0], h.hub[1], took, h.now), 0);
    step = step > 50000 ? 5 : step * 3 + 1;
    xh_pump(&h);
    if (partial) {
      assert_int_equal(h.pend_len, 0);
      assert_int_equal(pn_engine_writable(h.e[0], h.hub[1], h.now), 0);
      xh_pump(&h);
    }
  }
  assert_int_equal(pn_engine_test_pool_blocks_used(h.e[0]), 0);
  xh_pump(&h);
  assert_int_equal(h.nrec, 3);
  xh_expect(&h, 1, 1, 0, ma, A);
  xh_expect(&h, 2, 1, 0, mc, C);
  assert_int_equal(pn_engine_test_express(h.e[0], 1), 0);
  assert_int_equal(pn_engine_test_pool_blocks_used(h.e[0]), 0);
  free(ma);
  free(mb);
  free(mc);
  xh_free(&h);
}

/* No plaintext is left in the engine's memory after pn_engine_wipe, nor in
 * the pool while a message is being reassembled elsewhere. */
static int xh_contains(const uint8_t *hay, size_t n, const uint8_t *msg,
                       size_t len) {
  for (size_t o = 0; o + 16 <= len; o += 2039) {
    const uint8_t *p = hay, *end = hay + n - 15;
    while (p < end && (p = memchr(p, msg[o], (size_t)(end - p))) != NULL) {
      if (memcmp(p, msg + o, 16) == 0) return 1;
      p++;
    }
  }
  return 0;
}

static void test_express_wipe(void **state) {
  (void)state;
  xh h;
  xh_init(&h, 1);
  enum { A = 150000, B = 120000, C = 300 };
  uint8_t *ma = malloc(A), *mb = malloc(B), mc[C];
  xh_fill(ma, A, 21);
  xh_fill(mb, B, 22);
  xh_fill(mc, C, 23);
  h.capture = 1;
  assert_int_equal(pn_engine_send(h.e[1], &h.id[0], ma, A, h.now), 0);
  assert_int_equal(pn_engine_send(h.e[2], &h.id[0], mb, B, h.now), 0);
  assert_int_equal(pn_engine_send(h.e[2], &h.id[0], mc, C, h.now), 0);
  xh_pump(&h);
  h.capture = 0;
  size_t l, o = xh_frame(&h, 1, 0, &l);
  xh_feed(&h, 1, h.cap[1] + o, l);       /* leaf 1 holds the express buffer */
  xh_feed(&h, 2, h.cap[2], h.caplen[2]); /* leaf 2 through the pool */
  xh_feed(&h, 1, h.cap[1] + l, h.caplen[1] - l);
  assert_int_equal(h.nrec, 3);
  xh_expect(&h, 0, 0, 2, mb, B);
  xh_expect(&h, 1, 0, 2, mc, C);
  xh_expect(&h, 2, 0, 1, ma, A);
  assert_int_equal(pn_engine_test_pool_blocks_used(h.e[0]), 0);
  pn_engine_wipe(h.e[0]);
  assert_false(xh_contains(h.mem0, h.mem0_len, ma, A));
  assert_false(xh_contains(h.mem0, h.mem0_len, mb, B));
  assert_false(xh_contains(h.mem0, h.mem0_len, mc, C));
  h.e[0] = NULL;
  free(ma);
  free(mb);
  xh_free(&h);
}

/* A connection that goes away (transport closed, or closing by us) while
 * it holds the express buffer with a partial frame in it gives it back; the
 * next connection reassembles there correctly. */
static void test_express_owner_goes_away(void **state) {
  (void)state;
  for (int how = 0; how < 2; how++) {
    xh h;
    xh_init(&h, 0);
    enum { A = 140000, B = 90000 };
    uint8_t *ma = malloc(A), *mb = malloc(B);
    xh_fill(ma, A, 31);
    xh_fill(mb, B, 32);
    h.capture = 1;
    assert_int_equal(pn_engine_send(h.e[1], &h.id[0], ma, A, h.now), 0);
    assert_int_equal(pn_engine_send(h.e[2], &h.id[0], mb, B, h.now), 0);
    xh_pump(&h);
    h.capture = 0;
    /* All of chunk 1 and part of chunk 2 of leaf 1. */
    xh_feed(&h, 1, h.cap[1], 65537 + 20000);
    assert_int_equal(pn_engine_test_express(h.e[0], 0), h.hub[1]);
    if (how == 0) {
      assert_int_equal(pn_engine_conn_closed(h.e[0], h.hub[1], h.now), 0);
      h.hub[1] = 0;
      assert_int_equal(pn_engine_test_express(h.e[0], 0), 0);
    } else {
      assert_int_equal(pn_engine_disconnect(h.e[0], &h.id[1], h.now), 0);
      /* The rest arrives while we close: taken, not delivered. */
      xh_feed(&h, 1, h.cap[1] + 65537 + 20000, h.caplen[1] - 65537 - 20000);
    }
    xh_pump(&h);
    /* Leaf 2's message, split, through the express buffer. */
    xh_feed(&h, 2, h.cap[2], 30001);
    assert_int_equal(pn_engine_test_express(h.e[0], 0), h.hub[2]);
    xh_feed(&h, 2, h.cap[2] + 30001, h.caplen[2] - 30001);
    assert_int_equal(h.nrec, 1);
    xh_expect(&h, 0, 0, 2, mb, B);
    assert_int_equal(pn_engine_test_express(h.e[0], 0), 0);
    assert_int_equal(pn_engine_test_pool_blocks_used(h.e[0]), 0);
    free(ma);
    free(mb);
    xh_free(&h);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_express_with_pool_reassembly),
      cmocka_unit_test(test_express_split_every_offset),
      cmocka_unit_test(test_express_send),
      cmocka_unit_test(test_express_wipe),
      cmocka_unit_test(test_express_owner_goes_away),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
