/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Test hooks (test_hooks.h): compiled into the test library only. */
#include <string.h>

#include "conn.h"
#include "flow.h"
#include "frame.h"
#include "test_hooks.h"
#include "timers.h"
#include "tx.h"

int pn_engine_test_set_tx_nonce(pn_engine *e, const pn_peer_id *peer,
                                uint64_t n) {
  pn_conn *c = pn_peer_conn(e, peer);
  if (!c) return PN_ERR_NOT_FOUND;
  pn_cipherstate_set_nonce(&c->tx, n);
  return PN_OK;
}

int pn_engine_test_set_rx_nonce(pn_engine *e, const pn_peer_id *peer,
                                uint64_t n) {
  pn_conn *c = pn_peer_conn(e, peer);
  if (!c) return PN_ERR_NOT_FOUND;
  pn_cipherstate_set_nonce(&c->rx, n);
  return PN_OK;
}

size_t pn_engine_test_conn_struct_size(void) {
  return sizeof(pn_conn);
}

size_t pn_engine_test_hs_struct_size(void) {
  return sizeof(pn_hslot);
}

size_t pn_engine_test_pool_blocks_used(const pn_engine *e) {
  return e->pool.nblocks - e->pool.nfree;
}

size_t pn_engine_test_conns(const pn_engine *e) {
  return e->nconns;
}

size_t pn_engine_test_handshakes(const pn_engine *e) {
  return e->nhs;
}

pn_conn_id pn_engine_test_express(const pn_engine *e, int tx) {
  uint32_t own = tx ? e->xtx_own : e->xrx_own;
  return own == PN_NIL ? 0 : pn_conn_idof(e, &e->conns[own]);
}

pn_time pn_engine_test_deadline(const pn_engine *e) {
  return pn_heap_next(&e->timers);
}

int pn_engine_test_send_raw(pn_engine *e, const pn_peer_id *peer,
                            const uint8_t *pt, size_t len) {
  pn_conn *c = pn_peer_conn(e, peer);
  if (!c) return PN_ERR_NOT_FOUND;
  if (len > PN_FRAME_MAX_PLAIN) return PN_ERR_INVALID_ARGUMENT;
  size_t out;
  int rc =
      pn_flow_reserve(e, c, &c->txq, PN_FRAME_LEN + len + PN_NOISE_TAGLEN, 0);
  if (rc != PN_OK) return rc;
  memcpy(e->txs + PN_FRAME_LEN, pt, len);
  rc = pn_cipherstate_encrypt(&c->tx, NULL, 0, e->txs + PN_FRAME_LEN, len,
                              e->txs + PN_FRAME_LEN, PN_NOISE_MAX_MSG, &out);
  if (rc != PN_OK) return rc;
  pn_put16(e->txs, (uint32_t)out);
  int was_idle = !pn_tx_queued(e, c) && !c->inflight;
  pn_bq_append(&e->pool, &c->txq, e->txs, PN_FRAME_LEN + out);
  pn_timers_any_frame_queued(e, c, was_idle);
  pn_tx_want_send(e, c);
  return PN_OK;
}

size_t pn_engine_test_static_private(const pn_engine *e,
                                     uint8_t out[PN_NOISE_MAX_DHLEN]) {
  if (!e->has_s) return 0;
  size_t n = pn_protocol_dhlen(&e->proto);
  memcpy(out, e->s.priv, n);
  return n;
}

int pn_engine_test_conn_keys(pn_engine *e, pn_conn_id id, uint8_t tx[32],
                             uint8_t rx[32]) {
  pn_conn *c = pn_conn_lookup(e, id);
  if (!c) return PN_ERR_NOT_FOUND;
  if (!pn_cipherstate_has_key(&c->tx) || !pn_cipherstate_has_key(&c->rx))
    return PN_ERR_INVALID_STATE;
  memcpy(tx, c->tx.k, 32);
  memcpy(rx, c->rx.k, 32);
  return PN_OK;
}

int pn_engine_test_hs_keys(pn_engine *e, pn_conn_id id,
                           uint8_t ck[PN_NOISE_MAX_HASHLEN], size_t *cklen,
                           uint8_t k[32], int *has_k) {
  pn_conn *c = pn_conn_lookup(e, id);
  if (!c) return PN_ERR_NOT_FOUND;
  if (c->hs == PN_NIL) return PN_ERR_INVALID_STATE;
  const pn_handshake *hs = &e->hss[c->hs].hs;
  int a = pn_handshake_action(hs);
  if (a != PN_HS_WRITE && a != PN_HS_READ && a != PN_HS_SPLIT)
    return PN_ERR_INVALID_STATE;
  *cklen = pn_protocol_hashlen(&e->proto);
  memcpy(ck, hs->ss.ck, *cklen);
  *has_k = hs->ss.cs.has_key;
  if (*has_k) memcpy(k, hs->ss.cs.k, 32);
  return PN_OK;
}
