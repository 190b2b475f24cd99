/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Deadlines: a binary min-heap of connection slots keyed by time, with a
 * position index for O(log n) update and removal. The key may be earlier
 * than a connection's true next deadline (it is only lowered eagerly; a
 * later deadline is picked up when the early one fires), so frequent
 * events such as "bytes received" cost nothing here.
 */
#ifndef PN_HEAP_H
#define PN_HEAP_H

#include <stdint.h>

typedef struct pn_heap_ent {
  uint64_t key;
  uint32_t idx;
} pn_heap_ent;

/* Per slot: its heap position + 1 (0 when absent) and a copy of its key, so
 * that lowering to a later time (the common case: every send and receive)
 * reads this one entry and not the heap as well: at 10,000 connections that
 * is one cache miss fewer. */
typedef struct pn_heap_pos {
  uint64_t key;
  uint32_t pos;
} pn_heap_pos;

typedef struct pn_heap {
  pn_heap_ent *h;
  pn_heap_pos *pos;
  uint32_t n, cap;
} pn_heap;

void pn_heap_init(pn_heap *t, pn_heap_ent *h, pn_heap_pos *pos, uint32_t cap);
/* Sets |idx|'s key to |key| if absent or if |key| is earlier; UINT64_MAX
 * changes nothing. */
void pn_heap_lower(pn_heap *t, uint32_t idx, uint64_t key);
/* Sets |idx|'s key exactly (UINT64_MAX removes). */
void pn_heap_set(pn_heap *t, uint32_t idx, uint64_t key);
void pn_heap_remove(pn_heap *t, uint32_t idx);
/* The earliest key, UINT64_MAX if none. */
uint64_t pn_heap_next(const pn_heap *t);
/* Pops the earliest entry if its key <= now; returns its slot or -1. */
int64_t pn_heap_pop_due(pn_heap *t, uint64_t now);

#endif
