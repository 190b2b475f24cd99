/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Read-only views of the engine (engine.h). */
#include <string.h>

#include "conn.h"
#include "event.h"
#include "tx.h"

static void fill_info(const pn_engine *e, const pn_conn *c, pn_peer_info *out) {
  memset(out, 0, sizeof *out);
  out->id = c->id;
  out->conn = pn_conn_idof(e, c);
  out->dir = (pn_dir)c->dir;
  out->connected_since = c->since;
  out->last_activity = c->last_rx;
  out->bytes_in = c->bytes_in;
  out->bytes_out = c->bytes_out;
  out->msgs_in = c->msgs_in;
  out->msgs_out = c->msgs_out;
  out->rekeys_out = c->rekeys_out;
  out->rekeys_in = c->rekeys_in;
  out->queued = pn_tx_queued(e, c);
  out->held = pn_conn_held(e, c);
  memcpy(out->hash, c->hash, c->hash_len);
  out->hash_len = c->hash_len;
}

/* see engine.h */
int pn_engine_peer_versioned(const pn_engine *e, int version,
                             const pn_peer_id *peer, pn_peer_info *out) {
  if (!e || !peer || !out || version != PN_PEER_INFO_VERSION)
    return PN_ERR_INVALID_ARGUMENT;
  if (peer->len != pn_protocol_dhlen(&e->proto)) return PN_ERR_NOT_FOUND;
  uint32_t i = pn_route_find(&e->route, peer);
  if (i == PN_NIL) return PN_ERR_NOT_FOUND;
  fill_info(e, &e->conns[i], out);
  return PN_OK;
}

/* see engine.h */
int pn_engine_peer_next_versioned(const pn_engine *e, int version,
                                  size_t *cursor, pn_peer_info *out) {
  if (!e || !cursor || !out || version != PN_PEER_INFO_VERSION) return 0;
  while (*cursor < e->max_conns) {
    const pn_conn *c = &e->conns[(*cursor)++];
    if (pn_conn_routed(c)) {
      fill_info(e, c, out);
      return 1;
    }
  }
  return 0;
}

/* see engine.h */
size_t pn_engine_peer_count(const pn_engine *e) {
  return e ? e->npeers : 0;
}

/* see engine.h */
void pn_engine_local_id(const pn_engine *e, pn_peer_id *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!e || !e->has_s) return;
  out->len = (uint8_t)pn_protocol_dhlen(&e->proto);
  memcpy(out->key, e->s.pub, out->len);
}

/* see engine.h */
void pn_engine_memory_versioned(const pn_engine *e, int version,
                                pn_engine_mem *out) {
  if (!out || version != PN_ENGINE_MEM_VERSION) return;
  memset(out, 0, sizeof *out);
  if (!e) return;
  out->total = e->total;
  out->pool_block = e->pool.block;
  out->pool_budget = (size_t)e->pool.nblocks * e->pool.block;
  out->pool_in_use = pn_pool_in_use(&e->pool);
  out->conn_bytes = sizeof(pn_conn) + sizeof(uint32_t) /* free list */ +
                    2 * sizeof(uint32_t) /* route, half full */ +
                    sizeof(pn_heap_ent) + sizeof(pn_heap_pos) /* timers */ +
                    3 * sizeof(pn_evq_ent);
  out->pool_hs_reserve = (size_t)e->hs_reserve * e->pool.block;
  out->handshake_bytes = sizeof(pn_hslot);
  out->conns = e->nconns;
  out->handshakes = e->nhs;
  out->peers = e->npeers;
}
