/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Block pool and byte queues (see pool.h). */
#include <string.h>

#include "crypto.h"
#include "pool.h"

size_t pn_pool_meta_size(uint32_t nblocks) {
  return (size_t)nblocks * sizeof(uint32_t);
}

void pn_pool_init(pn_pool *p, uint8_t *mem, uint32_t *next, uint32_t block,
                  uint32_t nblocks, uint32_t reserve) {
  p->mem = mem;
  p->next = next;
  p->block = block;
  p->nblocks = nblocks;
  p->reserve = reserve < nblocks ? reserve : nblocks;
  for (uint32_t i = 0; i < nblocks; i++)
    next[i] = i + 1 < nblocks ? i + 1 : PN_POOL_NIL;
  p->free_head = nblocks ? 0 : PN_POOL_NIL;
  p->nfree = nblocks;
  p->frees = 0;
}

size_t pn_pool_in_use(const pn_pool *p) {
  return (size_t)(p->nblocks - p->nfree) * p->block;
}

static uint8_t *blk(const pn_pool *p, uint32_t i) {
  return p->mem + (size_t)i * p->block;
}

void pn_bq_init(pn_bq *q, int secret) {
  q->secret = (uint8_t)(secret != 0);
  q->head = q->tail = q->wblk = PN_POOL_NIL;
  q->off = q->len = q->cap = 0;
}

int pn_bq_reserve(pn_pool *p, pn_bq *q, size_t n, int privileged) {
  if (q->cap - q->len >= n) return PN_OK;
  size_t missing = n - (q->cap - q->len);
  size_t want = (missing + p->block - 1) / p->block;
  size_t avail = privileged              ? p->nfree
                 : p->nfree > p->reserve ? p->nfree - p->reserve
                                         : 0;
  if (want > avail) return PN_ERR_OVERFLOW;
  if ((uint64_t)q->cap + want * p->block > UINT32_MAX) return PN_ERR_OVERFLOW;
  for (size_t k = 0; k < want; k++) {
    uint32_t b = p->free_head;
    p->free_head = p->next[b];
    p->nfree--;
    p->next[b] = PN_POOL_NIL;
    if (q->tail == PN_POOL_NIL) {
      q->head = q->tail = b;
      q->off = 0;
    } else {
      p->next[q->tail] = b;
      q->tail = b;
    }
    if (q->wblk == PN_POOL_NIL) q->wblk = b;
    q->cap += p->block;
  }
  return PN_OK;
}

void pn_bq_append(pn_pool *p, pn_bq *q, const uint8_t *d, size_t n) {
  if (!n) return;
  /* Blocks are full-size and the bytes contiguous from |off|, so the write
   * offset follows from the length; |wblk| saves walking the chain. */
  uint32_t b = q->wblk;
  size_t o = (q->off + q->len) % p->block;
  q->len += (uint32_t)n;
  while (n) {
    size_t k = p->block - o < n ? p->block - o : n;
    memcpy(blk(p, b) + o, d, k);
    d += k;
    n -= k;
    o += k;
    if (o == p->block) {
      b = p->next[b];
      o = 0;
    }
  }
  q->wblk = b;
}

const uint8_t *pn_bq_front(const pn_pool *p, const pn_bq *q, size_t *len) {
  if (!q->len) {
    *len = 0;
    return NULL;
  }
  /* Blocks that follow each other in memory make one span: fewer, larger
   * writes for the driver. */
  uint32_t b = q->head;
  size_t k = p->block - q->off;
  while (k < q->len && p->next[b] == b + 1) {
    b++;
    k += p->block;
  }
  *len = k < q->len ? k : q->len;
  return blk(p, q->head) + q->off;
}

void pn_bq_peek(const pn_pool *p, const pn_bq *q, uint8_t *out, size_t n) {
  uint32_t b = q->head;
  size_t o = q->off;
  while (n) {
    size_t k = p->block - o < n ? p->block - o : n;
    memcpy(out, blk(p, b) + o, k);
    out += k;
    n -= k;
    o = 0;
    b = p->next[b];
  }
}

/* Frees the first |count| blocks of |q| (at least one), wiping those of a
 * secret queue. They go back to the free list in their order, so a queue
 * built later from them is contiguous where this one was (pn_bq_front). */
static void free_head_blocks(pn_pool *p, pn_bq *q, size_t count) {
  uint32_t first = q->head, last = first;
  for (size_t i = 0;; i++) {
    if (q->secret) pn_wipe(blk(p, last), p->block);
    if (i + 1 == count || p->next[last] == PN_POOL_NIL) {
      count = i + 1;
      break;
    }
    last = p->next[last];
  }
  q->head = p->next[last];
  if (q->head == PN_POOL_NIL) q->tail = PN_POOL_NIL;
  p->next[last] = p->free_head;
  p->free_head = first;
  p->nfree += (uint32_t)count;
  p->frees++;
}

void pn_bq_consume(pn_pool *p, pn_bq *q, size_t n) {
  if (n > q->len) n = q->len;
  q->len -= (uint32_t)n;
  q->cap -= (uint32_t)n;
  n += q->off;
  size_t whole = n / p->block;
  if (whole && q->head != PN_POOL_NIL) free_head_blocks(p, q, whole);
  q->off = (uint32_t)(n % p->block);
  /* An empty queue keeps no blocks: an idle connection costs nothing. */
  if (!q->len) pn_bq_clear(p, q);
}

void pn_bq_clear(pn_pool *p, pn_bq *q) {
  if (q->head != PN_POOL_NIL) free_head_blocks(p, q, SIZE_MAX);
  pn_bq_init(q, q->secret);
}
