/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The routing table: peer id -> connection slot, open addressing with
 * linear probing and backward-shift deletion (no tombstones, so lookups
 * stay short however peers come and go). Hashes are SipHash with a secret
 * random key, so a flood of chosen keys cannot build long probe runs.
 */
#ifndef PN_ROUTE_H
#define PN_ROUTE_H

#include <p2pnoise/engine.h>

#include "crypto.h"

/* The key of the entry for slot |idx|. */
typedef const pn_peer_id *(*pn_route_key_fn)(const void *ctx, uint32_t idx);

typedef struct pn_route {
  uint32_t *slot; /* conn index + 1; 0 is empty */
  uint32_t mask;  /* size - 1, size a power of two >= 2 * capacity */
  uint32_t count;
  uint8_t key[PN_SIPHASH_KEYLEN];
  pn_route_key_fn keyof;
  const void *ctx;
  /* The slot pn_route_lookup found last, or UINT32_MAX; any change to the
   * table forgets it. Sends usually go to the peer of the previous one, and
   * comparing one id is a few instructions where SipHash is hundreds. */
  uint32_t last;
} pn_route;

/* Table entries needed for |capacity| peers. */
uint32_t pn_route_size(uint32_t capacity);
void pn_route_init(pn_route *r, uint32_t *slots, uint32_t size,
                   const uint8_t key[PN_SIPHASH_KEYLEN], pn_route_key_fn keyof,
                   const void *ctx);
/* The slot of |id|, or UINT32_MAX. */
uint32_t pn_route_find(const pn_route *r, const pn_peer_id *id);
/* pn_route_find, first trying the slot found last (and remembering it). */
uint32_t pn_route_lookup(pn_route *r, const pn_peer_id *id);
/* Adds |idx| under its key: PN_OK, PN_ERR_INVALID_STATE if the key is
 * present, PN_ERR_INTERNAL if the table is full (sized so it never is). */
int pn_route_insert(pn_route *r, uint32_t idx);
/* Points |id|'s entry at |idx| (a replacement connection). */
void pn_route_replace(pn_route *r, const pn_peer_id *id, uint32_t idx);
/* Removes |id|: PN_OK, or PN_ERR_NOT_FOUND. */
int pn_route_remove(pn_route *r, const pn_peer_id *id);

#endif
