/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* See heap.h. */
#include "heap.h"

void pn_heap_init(pn_heap *t, pn_heap_ent *h, pn_heap_pos *pos, uint32_t cap) {
  t->h = h;
  t->pos = pos;
  t->n = 0;
  t->cap = cap;
  for (uint32_t i = 0; i < cap; i++)
    pos[i] = (pn_heap_pos){UINT64_MAX, 0};
}

static void put(pn_heap *t, uint32_t i, pn_heap_ent e) {
  t->h[i] = e;
  t->pos[e.idx].pos = i + 1;
  t->pos[e.idx].key = e.key;
}

static void up(pn_heap *t, uint32_t i) {
  pn_heap_ent e = t->h[i];
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (t->h[p].key <= e.key) break;
    put(t, i, t->h[p]);
    i = p;
  }
  put(t, i, e);
}

static void down(pn_heap *t, uint32_t i) {
  pn_heap_ent e = t->h[i];
  for (;;) {
    uint32_t c = 2 * i + 1;
    if (c >= t->n) break;
    if (c + 1 < t->n && t->h[c + 1].key < t->h[c].key) c++;
    if (t->h[c].key >= e.key) break;
    put(t, i, t->h[c]);
    i = c;
  }
  put(t, i, e);
}

void pn_heap_remove(pn_heap *t, uint32_t idx) {
  uint32_t p = t->pos[idx].pos;
  if (!p) return;
  uint32_t i = p - 1;
  t->pos[idx] = (pn_heap_pos){UINT64_MAX, 0};
  t->n--;
  if (i == t->n) return;
  put(t, i, t->h[t->n]);
  up(t, i);
  down(t, i);
}

void pn_heap_set(pn_heap *t, uint32_t idx, uint64_t key) {
  if (key == UINT64_MAX) {
    pn_heap_remove(t, idx);
    return;
  }
  uint32_t p = t->pos[idx].pos;
  if (!p) {
    if (t->n >= t->cap) return; /* cannot happen: one entry per slot */
    put(t, t->n, (pn_heap_ent){key, idx});
    up(t, t->n++);
    return;
  }
  uint64_t old = t->h[p - 1].key;
  t->h[p - 1].key = key;
  if (key < old)
    up(t, p - 1);
  else
    down(t, p - 1);
}

void pn_heap_lower(pn_heap *t, uint32_t idx, uint64_t key) {
  /* "Never" leaves an existing early key in place: it fires harmlessly
   * and the caller then sets the exact value. */
  if (key == UINT64_MAX) return;
  const pn_heap_pos *q = &t->pos[idx];
  if (!q->pos || key < q->key) pn_heap_set(t, idx, key);
}

uint64_t pn_heap_next(const pn_heap *t) {
  return t->n ? t->h[0].key : UINT64_MAX;
}

int64_t pn_heap_pop_due(pn_heap *t, uint64_t now) {
  if (!t->n || t->h[0].key > now) return -1;
  uint32_t idx = t->h[0].idx;
  pn_heap_remove(t, idx);
  return idx;
}
