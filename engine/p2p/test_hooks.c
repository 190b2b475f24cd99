/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Test hooks (test_hooks.h): compiled into the test library only. */
#include "conn.h"
#include "test_hooks.h"

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
