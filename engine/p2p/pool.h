/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The shared, budgeted pool of fixed-size blocks and the byte queues built
 * on it. Blocks are chained through a next-index array, so a queue costs
 * four integers while empty and nothing is allocated after creation. A
 * few blocks are kept back as a reserve that only privileged requests (a
 * connection finishing a message it already holds) may take, so a pool
 * exhausted by partial frames cannot stall the connections that would free
 * it.
 */
#ifndef PN_POOL_H
#define PN_POOL_H

#include <stddef.h>
#include <stdint.h>

#define PN_POOL_NIL UINT32_MAX

typedef struct pn_pool {
  uint8_t *mem;   /* nblocks * block bytes */
  uint32_t *next; /* chain links, PN_POOL_NIL terminated */
  uint32_t block; /* bytes per block */
  uint32_t nblocks;
  uint32_t free_head;
  uint32_t nfree;
  uint32_t reserve; /* blocks only privileged requests may take */
  uint64_t frees;   /* times blocks were freed: a waiter's cue */
} pn_pool;

/* A FIFO of bytes: data from |off| in |head| for |len| bytes, in blocks
 * chained to |tail|; |cap| bytes are allocated from |off|. */
typedef struct pn_bq {
  uint32_t head, tail;
  uint32_t wblk; /* the block the next appended byte goes to (or NIL) */
  uint32_t off;
  uint32_t len;
  uint32_t cap;
  uint8_t secret; /* plaintext: wipe blocks as they are freed */
} pn_bq;

/* Bytes of bookkeeping for |nblocks| blocks. */
size_t pn_pool_meta_size(uint32_t nblocks);
void pn_pool_init(pn_pool *p, uint8_t *mem, uint32_t *next, uint32_t block,
                  uint32_t nblocks, uint32_t reserve);
size_t pn_pool_in_use(const pn_pool *p);

/* Blocks |q| holds. */
static inline uint32_t pn_bq_blocks(const pn_pool *p, const pn_bq *q) {
  return q->head == PN_POOL_NIL ? 0 : (q->off + q->cap) / p->block;
}

/* An empty queue; |secret| if it will hold plaintext. */
void pn_bq_init(pn_bq *q, int secret);
/* Makes room for |n| more bytes (cap >= len + n), all or nothing: PN_OK, or
 * PN_ERR_OVERFLOW when the pool cannot give it. */
int pn_bq_reserve(pn_pool *p, pn_bq *q, size_t n, int privileged);
/* Appends |n| bytes within the reserved room (cap - len >= n). */
void pn_bq_append(pn_pool *p, pn_bq *q, const uint8_t *d, size_t n);
/* The first contiguous span: *len bytes at the returned pointer (over
 * several blocks when they follow each other in memory; freed blocks go
 * back to the free list in order, so they often do). */
const uint8_t *pn_bq_front(const pn_pool *p, const pn_bq *q, size_t *len);
/* Copies the first |n| bytes (n <= len) to |out| without consuming. */
void pn_bq_peek(const pn_pool *p, const pn_bq *q, uint8_t *out, size_t n);
/* Drops the first |n| bytes; frees blocks emptied. */
void pn_bq_consume(pn_pool *p, pn_bq *q, size_t n);
/* Frees everything (wiping the bytes of a secret queue). */
void pn_bq_clear(pn_pool *p, pn_bq *q);

#endif
