/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The one deterministic PRNG of the tests and the fuzz harnesses:
 * splitmix64, which takes any seed (0 included) and is fast enough to fill
 * keys byte by byte. Never for anything but tests.
 */
#ifndef PN_TEST_PRNG_H
#define PN_TEST_PRNG_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t pn_prng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* One step per byte, so a stream does not depend on how it is cut. */
static inline void pn_prng_fill(uint64_t *s, uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)pn_prng_next(s);
}

/* An engine or handshake RNG (pn_rng.fill, user = a pn_prng_rng) that can
 * fail at a chosen call, to reach the RNG failure paths. */
typedef struct pn_prng_rng {
  uint64_t x;
  uint32_t calls;
  uint32_t fail_at;    /* this call fails (0: none) */
  uint32_t fail_every; /* and every this many after it (0: once) */
} pn_prng_rng;

static inline int pn_prng_rng_fill(void *user, uint8_t *buf, size_t len) {
  pn_prng_rng *r = (pn_prng_rng *)user;
  uint32_t k = ++r->calls;
  if (r->fail_at && k >= r->fail_at &&
      (k == r->fail_at ||
       (r->fail_every && (k - r->fail_at) % r->fail_every == 0)))
    return -1;
  pn_prng_fill(&r->x, buf, len);
  return 0;
}

#endif
