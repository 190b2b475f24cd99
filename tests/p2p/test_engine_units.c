/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Unit tests of the engine's modules: the block pool and byte queues, the
 * routing table, the deadline heap and the frame arithmetic. Each is
 * checked against a naive model under a seeded random workload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "pool.h"
#include "route.h"
#include "heap.h"
#include "prng.h"

static uint64_t rnd(uint64_t *s) {
  return pn_prng_next(s);
}

static void test_pool_queue(void **state) {
  (void)state;
  enum { BLOCK = 256, NB = 64, RES = 4 };
  static uint8_t mem[BLOCK * NB];
  uint32_t next[NB];
  pn_pool p;
  pn_pool_init(&p, mem, next, BLOCK, NB);
  pn_bq q;
  pn_bq_init(&q, 1);
  /* A reservation leaves the blocks it is told to keep. */
  assert_int_equal(pn_bq_want(&p, &q, (NB - RES) * BLOCK + 1), NB - RES + 1);
  assert_int_equal(pn_bq_reserve(&p, &q, (NB - RES) * BLOCK + 1, RES),
                   PN_ERR_OVERFLOW);
  assert_int_equal(pn_pool_in_use(&p), 0);
  assert_int_equal(pn_bq_reserve(&p, &q, (NB - RES) * BLOCK + 1, RES - 1), 0);
  assert_int_equal(p.nfree, RES - 1);
  assert_int_equal(pn_bq_want(&p, &q, (NB - RES) * BLOCK + 1), 0);
  pn_bq_clear(&p, &q);
  assert_int_equal(pn_pool_in_use(&p), 0);

  /* A FIFO against a model, with random appends and consumes. */
  static uint8_t model[1 << 16], out[1 << 16];
  size_t mlen = 0, mhead = 0;
  uint64_t s = 12345;
  uint8_t ctr = 0;
  for (int it = 0; it < 20000; it++) {
    if (rnd(&s) % 16 == 0 && mlen) {
      /* Keep a prefix: the rest's blocks go back, appends carry on. */
      size_t keep = rnd(&s) % (mlen + 1);
      pn_bq_truncate(&p, &q, keep);
      mlen = keep;
      assert_int_equal(pn_bq_blocks(&p, &q) * (size_t)BLOCK,
                       pn_pool_in_use(&p));
      assert_true(q.cap >= q.len);
    } else if (rnd(&s) % 2) {
      size_t n = rnd(&s) % 700;
      uint8_t buf[700];
      for (size_t i = 0; i < n; i++)
        buf[i] = ctr++;
      if (pn_bq_reserve(&p, &q, n, 0) == 0) {
        pn_bq_append(&p, &q, buf, n);
        memcpy(model + mhead + mlen, buf, n);
        mlen += n;
      }
    } else if (mlen) {
      size_t n = rnd(&s) % (mlen + 1);
      pn_bq_peek(&p, &q, out, n);
      assert_memory_equal(out, model + mhead, n);
      size_t fl;
      const uint8_t *f = pn_bq_front(&p, &q, &fl);
      assert_true(fl >= 1 && fl <= mlen);
      assert_memory_equal(f, model + mhead, fl);
      pn_bq_consume(&p, &q, n);
      mhead += n;
      mlen -= n;
    }
    assert_int_equal(q.len, mlen);
    if (mhead > (1 << 15)) {
      memmove(model, model + mhead, mlen);
      mhead = 0;
    }
    /* Blocks held never exceed what the bytes need plus the slack. */
    assert_true(pn_pool_in_use(&p) <= (mlen + 2 * BLOCK + 700));
  }
  pn_bq_clear(&p, &q);
  assert_int_equal(p.nfree, NB);
}

static pn_peer_id keys[4096];
static const pn_peer_id *keyof(const void *ctx, uint32_t idx) {
  (void)ctx;
  return &keys[idx];
}

static void test_route(void **state) {
  (void)state;
  enum { CAP = 1000 };
  uint32_t size = pn_route_size(CAP);
  assert_true(size >= 2 * CAP);
  uint32_t *slots = calloc(size, sizeof *slots);
  uint8_t k[16] = {1, 2, 3};
  pn_route r;
  pn_route_init(&r, slots, size, k, keyof, NULL);
  uint64_t s = 99;
  for (uint32_t i = 0; i < CAP; i++) {
    keys[i].len = 32;
    for (int j = 0; j < 32; j++)
      keys[i].key[j] = (uint8_t)rnd(&s);
  }
  int in[CAP] = {0};
  for (int it = 0; it < 50000; it++) {
    uint32_t i = (uint32_t)(rnd(&s) % CAP);
    /* The remembering lookup must agree with the plain one, whatever
     * happened to the table since it last answered. */
    assert_int_equal(pn_route_lookup(&r, &keys[i]), in[i] ? i : UINT32_MAX);
    if (in[i]) {
      assert_int_equal(pn_route_find(&r, &keys[i]), i);
      assert_int_equal(pn_route_lookup(&r, &keys[i]), i);
      if (rnd(&s) % 2) {
        assert_int_equal(pn_route_remove(&r, &keys[i]), 0);
        in[i] = 0;
      }
    } else {
      assert_int_equal(pn_route_find(&r, &keys[i]), UINT32_MAX);
      assert_int_equal(pn_route_insert(&r, i), 0);
      in[i] = 1;
    }
  }
  uint32_t n = 0;
  for (uint32_t i = 0; i < CAP; i++) {
    assert_int_equal(pn_route_find(&r, &keys[i]), in[i] ? i : UINT32_MAX);
    n += (uint32_t)in[i];
  }
  assert_int_equal(r.count, n);

  /* A remembered slot reused by another peer: the old id is gone, the new
   * one found. */
  uint32_t a = 0;
  while (!in[a])
    a++;
  assert_int_equal(pn_route_lookup(&r, &keys[a]), a);
  pn_peer_id old = keys[a];
  assert_int_equal(pn_route_remove(&r, &keys[a]), 0);
  keys[a].key[0] ^= 0xff;
  assert_int_equal(pn_route_insert(&r, a), 0);
  assert_int_equal(pn_route_lookup(&r, &old), UINT32_MAX);
  assert_int_equal(pn_route_lookup(&r, &keys[a]), a);
  /* A replacement slot for the same id (a duplicate connection that won):
   * the lookup follows it. */
  uint32_t b = 0;
  while (in[b])
    b++;
  keys[b] = keys[a];
  pn_route_replace(&r, &keys[a], b);
  assert_int_equal(pn_route_lookup(&r, &keys[a]), b);
  assert_int_equal(pn_route_find(&r, &keys[a]), b);
  free(slots);
}

static void test_timers(void **state) {
  (void)state;
  enum { N = 500 };
  pn_heap_ent h[N];
  pn_heap_pos pos[N];
  uint64_t model[N];
  pn_heap t;
  pn_heap_init(&t, h, pos, N);
  for (int i = 0; i < N; i++)
    model[i] = UINT64_MAX;
  uint64_t s = 7;
  for (int it = 0; it < 100000; it++) {
    uint32_t i = (uint32_t)(rnd(&s) % N);
    uint64_t k = rnd(&s) % 100000;
    switch (rnd(&s) % 4) {
    case 0:
      pn_heap_set(&t, i, k);
      model[i] = k;
      break;
    case 1:
      pn_heap_lower(&t, i, k);
      if (k < model[i]) model[i] = k;
      break;
    case 2:
      pn_heap_remove(&t, i);
      model[i] = UINT64_MAX;
      break;
    default: {
      uint64_t now = rnd(&s) % 100000;
      int64_t got = pn_heap_pop_due(&t, now);
      uint64_t min = UINT64_MAX;
      for (int j = 0; j < N; j++)
        if (model[j] < min) min = model[j];
      if (min <= now) {
        assert_true(got >= 0);
        assert_int_equal(model[got], min);
        model[got] = UINT64_MAX;
      } else {
        assert_int_equal(got, -1);
      }
    }
    }
    uint64_t min = UINT64_MAX;
    for (int j = 0; j < N; j++)
      if (model[j] < min) min = model[j];
    assert_int_equal(pn_heap_next(&t), min);
    /* Each slot's copy of its key is the heap's, and points back. */
    uint32_t j = (uint32_t)(rnd(&s) % N);
    if (pos[j].pos) {
      assert_int_equal(h[pos[j].pos - 1].idx, j);
      assert_int_equal(h[pos[j].pos - 1].key, pos[j].key);
      assert_int_equal(pos[j].key, model[j]);
    } else {
      assert_int_equal(model[j], UINT64_MAX);
    }
  }
}

static void test_frame(void **state) {
  (void)state;
  assert_int_equal(pn_frame_chunks(0), 1);
  assert_int_equal(pn_frame_chunks(65514), 1);
  assert_int_equal(pn_frame_chunks(65515), 2);
  assert_int_equal(pn_frame_wire_size(0), 2 + 16 + 5);
  assert_int_equal(pn_frame_wire_size(10), 2 + 16 + 5 + 10);
  uint64_t len = 1 << 20, sum = 0, n = pn_frame_chunks(len);
  for (uint64_t i = 0; i < n; i++)
    sum += pn_frame_chunk_data(len, i);
  assert_int_equal(sum, len);
  assert_int_equal(pn_frame_wire_size(len), len + n * 18 + 5 + (n - 1) * 1);
  pn_protocol p;
  const char *name = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
  assert_int_equal(pn_protocol_parse(&p, name, strlen(name), PN_BACKEND_AUTO),
                   0);
  /* XX message 2: e, ee, s (32+16), es, payload tag: 96 bytes. */
  assert_int_equal(pn_frame_handshake_max(&p), 96);
  name = "Noise_NN_25519_ChaChaPoly_BLAKE2b";
  assert_int_equal(pn_protocol_parse(&p, name, strlen(name), PN_BACKEND_AUTO),
                   0);
  assert_int_equal(pn_frame_handshake_max(&p), 48);
  uint8_t b[4];
  pn_put32(b, 0xA1B2C3D4u);
  assert_int_equal(pn_get32(b), 0xA1B2C3D4u);
  pn_put16(b, 0xBEEF);
  assert_int_equal(pn_get16(b), 0xBEEF);
}

/* Blocks adjacent in memory form one front span, freed blocks return to
 * the free list in order (so the next queue is contiguous again), and a
 * secret queue's blocks are wiped as they are freed, once. */
static void test_pool_spans_and_wipe(void **state) {
  (void)state;
  enum { BLOCK = 256, NB = 16 };
  static uint8_t mem[BLOCK * NB];
  uint32_t next[NB];
  pn_pool p;
  pn_pool_init(&p, mem, next, BLOCK, NB);
  uint8_t buf[5 * BLOCK], zero[BLOCK] = {0};
  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = (uint8_t)(i * 7 + 1);
  for (int secret = 0; secret < 2; secret++) {
    pn_pool_init(&p, mem, next, BLOCK, NB);
    for (int round = 0; round < 3; round++) {
      pn_bq q;
      pn_bq_init(&q, secret);
      size_t n = 3 * BLOCK - 10 + (size_t)round;
      assert_int_equal(pn_bq_reserve(&p, &q, n, 0), 0);
      pn_bq_append(&p, &q, buf, n);
      size_t fl;
      const uint8_t *f = pn_bq_front(&p, &q, &fl);
      assert_int_equal(fl, n);
      assert_memory_equal(f, buf, n);
      if (round == 2) {
        /* Consume part of it: the rest still reads back in spans. */
        uint32_t first = q.head;
        pn_bq_consume(&p, &q, BLOCK + 5);
        f = pn_bq_front(&p, &q, &fl);
        assert_true(fl >= BLOCK - 5 && fl <= n - BLOCK - 5);
        assert_memory_equal(f, buf + BLOCK + 5, fl);
        if (secret)
          assert_memory_equal(mem + (size_t)first * BLOCK, zero, BLOCK);
      }
      pn_bq_clear(&p, &q);
      assert_int_equal(pn_pool_in_use(&p), 0);
      if (secret)
        for (uint32_t b = 0; b < NB; b++)
          assert_memory_equal(mem + (size_t)b * BLOCK, zero, BLOCK);
    }
    memset(mem, 0, sizeof mem);
  }
  pn_pool_init(&p, mem, next, BLOCK, NB);
  /* Interleaved queues: spans stop where the next block is another's. */
  pn_bq a, b;
  pn_bq_init(&a, 0);
  pn_bq_init(&b, 0);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(pn_bq_reserve(&p, &a, BLOCK, 0), 0);
    pn_bq_append(&p, &a, buf, BLOCK);
    assert_int_equal(pn_bq_reserve(&p, &b, BLOCK, 0), 0);
    pn_bq_append(&p, &b, buf + BLOCK, BLOCK);
  }
  size_t fl;
  assert_memory_equal(pn_bq_front(&p, &a, &fl), buf, BLOCK);
  assert_int_equal(fl, BLOCK);
  pn_bq_clear(&p, &a);
  pn_bq_clear(&p, &b);
  assert_int_equal(pn_pool_in_use(&p), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pool_queue),
      cmocka_unit_test(test_pool_spans_and_wipe),
      cmocka_unit_test(test_route),
      cmocka_unit_test(test_timers),
      cmocka_unit_test(test_frame),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
