/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Engine internals shared by engine.c, engine_alloc.c and the tests. */
#ifndef PN_ENGINE_INT_H
#define PN_ENGINE_INT_H

#include <p2pnoise/engine.h>

enum { PN_ENGINE_ALIGN = 16 };

/* The error pn_engine_init would give for |cfg| (0 if it is valid). */
int pn_engine_config_check(const pn_engine_config *cfg);
/* pn_engine_new's memory: remembered so pn_engine_free may release it. */
void pn_engine_mark_owned(pn_engine *e);
/* Wipes |e| and returns the memory it lives in if pn_engine_new took it,
 * else NULL. */
void *pn_engine_release(pn_engine *e);

/* Test hooks. */
/* Sets the sending nonce of |peer|'s connection (nonce exhaustion tests). */
int pn_engine_test_set_tx_nonce(pn_engine *e, const pn_peer_id *peer,
                                uint64_t n);
int pn_engine_test_set_rx_nonce(pn_engine *e, const pn_peer_id *peer,
                                uint64_t n);
/* Sizes of the per-connection structures. */
size_t pn_engine_test_conn_struct_size(void);
size_t pn_engine_test_hs_struct_size(void);
/* Pool blocks in use. */
size_t pn_engine_test_pool_blocks_used(const pn_engine *e);
/* Live connection slots (any state but free). */
size_t pn_engine_test_conns(const pn_engine *e);
size_t pn_engine_test_handshakes(const pn_engine *e);
/* The connection the express receive (|tx| 0) or send (|tx| 1) buffer is
 * lent to, or 0. */
pn_conn_id pn_engine_test_express(const pn_engine *e, int tx);

#endif
