/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* See route.h. */
#include <string.h>

#include "route.h"

/* see engine.h; here because the table is its main user */
int pn_peer_id_equal(const pn_peer_id *a, const pn_peer_id *b) {
  if (!a || !b || a->len != b->len || a->len > PN_PEER_ID_MAX) return 0;
  return memcmp(a->key, b->key, a->len) == 0;
}

uint32_t pn_route_size(uint32_t capacity) {
  uint32_t n = 8;
  while (n < 2 * (uint64_t)capacity)
    n <<= 1;
  return n;
}

void pn_route_init(pn_route *r, uint32_t *slots, uint32_t size,
                   const uint8_t key[PN_SIPHASH_KEYLEN], pn_route_key_fn keyof,
                   const void *ctx) {
  r->slot = slots;
  memset(slots, 0, size * sizeof *slots);
  r->mask = size - 1;
  r->count = 0;
  memcpy(r->key, key, PN_SIPHASH_KEYLEN);
  r->keyof = keyof;
  r->ctx = ctx;
  r->last = UINT32_MAX;
}

static uint32_t home(const pn_route *r, const pn_peer_id *id) {
  return (uint32_t)pn_siphash(r->key, id->key, id->len) & r->mask;
}

static uint32_t probe(const pn_route *r, const pn_peer_id *id) {
  uint32_t i = home(r, id);
  while (r->slot[i]) {
    if (pn_peer_id_equal(r->keyof(r->ctx, r->slot[i] - 1), id)) return i;
    i = (i + 1) & r->mask;
  }
  return i; /* the empty slot that ends the run */
}

uint32_t pn_route_find(const pn_route *r, const pn_peer_id *id) {
  uint32_t i = probe(r, id);
  return r->slot[i] ? r->slot[i] - 1 : UINT32_MAX;
}

uint32_t pn_route_lookup(pn_route *r, const pn_peer_id *id) {
  /* The table maps each id to one slot and every change clears |last|, so a
   * remembered slot whose key is |id| is still |id|'s entry. */
  if (r->last != UINT32_MAX && pn_peer_id_equal(r->keyof(r->ctx, r->last), id))
    return r->last;
  uint32_t i = pn_route_find(r, id);
  if (i != UINT32_MAX) r->last = i;
  return i;
}

int pn_route_insert(pn_route *r, uint32_t idx) {
  r->last = UINT32_MAX;
  /* At most half full, so a run always ends. */
  if (r->count + 1 > (r->mask + 1) / 2) return PN_ERR_INTERNAL;
  uint32_t i = probe(r, r->keyof(r->ctx, idx));
  if (r->slot[i]) return PN_ERR_INVALID_STATE;
  r->slot[i] = idx + 1;
  r->count++;
  return PN_OK;
}

void pn_route_replace(pn_route *r, const pn_peer_id *id, uint32_t idx) {
  r->last = UINT32_MAX;
  uint32_t i = probe(r, id);
  if (r->slot[i]) r->slot[i] = idx + 1;
}

int pn_route_remove(pn_route *r, const pn_peer_id *id) {
  r->last = UINT32_MAX;
  uint32_t i = probe(r, id);
  if (!r->slot[i]) return PN_ERR_NOT_FOUND;
  r->slot[i] = 0;
  r->count--;
  /* Backward shift: move later members of the run into the hole when their
   * home is not between the hole and their position. */
  uint32_t j = i;
  for (;;) {
    j = (j + 1) & r->mask;
    if (!r->slot[j]) break;
    uint32_t h = home(r, r->keyof(r->ctx, r->slot[j] - 1));
    /* Distance from home to j vs. from home to the hole i (cyclic). */
    if (((j - h) & r->mask) >= ((j - i) & r->mask)) {
      r->slot[i] = r->slot[j];
      r->slot[j] = 0;
      i = j;
    }
  }
  return PN_OK;
}
