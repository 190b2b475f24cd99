/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * A small FuzzedDataProvider for the harnesses, in C. Unlike LLVM's, every
 * value is taken from the front in input order, so a seed writer can produce
 * inputs by appending the same values (pn_fdw_*) and the fuzzer's mutations
 * stay local. When the input runs out every value reads as its minimum.
 */
#ifndef PN_FUZZ_FDP_H
#define PN_FUZZ_FDP_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct pn_fdp {
  const uint8_t *p;
  size_t left;
} pn_fdp;

static inline void pn_fdp_init(pn_fdp *f, const uint8_t *data, size_t size) {
  f->p = data;
  f->left = size;
}

static inline size_t pn_fdp_remaining(const pn_fdp *f) {
  return f->left;
}

/* Bytes needed to encode any value of 0..span. */
static inline size_t pn_fdp_width(uint64_t span) {
  size_t n = 0;
  while (span) {
    n++;
    span >>= 8;
  }
  return n;
}

/* A value in [lo, hi]: just enough little-endian bytes, reduced modulo the
 * range (a small bias does not matter to a fuzzer). */
static inline uint64_t pn_fdp_range(pn_fdp *f, uint64_t lo, uint64_t hi) {
  if (hi <= lo) return lo;
  uint64_t span = hi - lo, v = 0;
  size_t w = pn_fdp_width(span);
  for (size_t i = 0; i < w && f->left; i++, f->left--)
    v |= (uint64_t)*f->p++ << (8 * i);
  if (span != UINT64_MAX) v %= span + 1;
  return lo + v;
}

static inline uint8_t pn_fdp_u8(pn_fdp *f) {
  return (uint8_t)pn_fdp_range(f, 0, UINT8_MAX);
}
static inline uint16_t pn_fdp_u16(pn_fdp *f) {
  return (uint16_t)pn_fdp_range(f, 0, UINT16_MAX);
}
static inline uint32_t pn_fdp_u32(pn_fdp *f) {
  return (uint32_t)pn_fdp_range(f, 0, UINT32_MAX);
}
static inline uint64_t pn_fdp_u64(pn_fdp *f) {
  return pn_fdp_range(f, 0, UINT64_MAX);
}
static inline int pn_fdp_bool(pn_fdp *f) {
  return (int)(pn_fdp_range(f, 0, 1));
}

/* Up to |n| bytes in place (fewer at the end of the input); no copy. */
static inline const uint8_t *pn_fdp_ptr(pn_fdp *f, size_t n, size_t *got) {
  const uint8_t *p = f->p;
  if (n > f->left) n = f->left;
  f->p += n;
  f->left -= n;
  *got = n;
  return p;
}

/* Exactly |n| bytes into |out|, zero-filled past the end of the input. */
static inline void pn_fdp_bytes(pn_fdp *f, uint8_t *out, size_t n) {
  size_t got;
  const uint8_t *p = pn_fdp_ptr(f, n, &got);
  if (got) memcpy(out, p, got);
  if (got < n) memset(out + got, 0, n - got);
}

/* A length in [0, max] then that many bytes in place (fewer at the end). */
static inline const uint8_t *pn_fdp_blob(pn_fdp *f, size_t max, size_t *len) {
  size_t n = (size_t)pn_fdp_range(f, 0, max);
  return pn_fdp_ptr(f, n, len);
}

/* Everything left. */
static inline const uint8_t *pn_fdp_rest(pn_fdp *f, size_t *len) {
  return pn_fdp_ptr(f, f->left, len);
}

/* ---- The writer: builds an input that the reader decodes back ---------- */

typedef struct pn_fdw {
  uint8_t *buf;
  size_t len, cap;
  int oom;
} pn_fdw;

static inline void pn_fdw_put(pn_fdw *w, const void *p, size_t n) {
  if (w->oom || n == 0) return;
  if (w->len + n > w->cap) {
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + n)
      cap *= 2;
    uint8_t *b = (uint8_t *)realloc(w->buf, cap);
    if (!b) {
      w->oom = 1;
      return;
    }
    w->buf = b;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, p, n);
  w->len += n;
}

/* The inverse of pn_fdp_range; |v| must lie in [lo, hi]. */
static inline void pn_fdw_range(pn_fdw *w, uint64_t lo, uint64_t hi,
                                uint64_t v) {
  if (hi <= lo) return;
  uint64_t x = v - lo;
  size_t width = pn_fdp_width(hi - lo);
  for (size_t i = 0; i < width; i++) {
    uint8_t b = (uint8_t)(x >> (8 * i));
    pn_fdw_put(w, &b, 1);
  }
}

static inline void pn_fdw_bool(pn_fdw *w, int v) {
  pn_fdw_range(w, 0, 1, v ? 1 : 0);
}

static inline void pn_fdw_blob(pn_fdw *w, size_t max, const void *p, size_t n) {
  pn_fdw_range(w, 0, max, n);
  pn_fdw_put(w, p, n);
}

static inline void pn_fdw_free(pn_fdw *w) {
  free(w->buf);
  memset(w, 0, sizeof *w);
}

#endif
