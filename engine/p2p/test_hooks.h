/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Engine internals for the project's tests and fuzz harnesses only; the
 * release library does not carry them (test_hooks.c is built into the
 * p2pnoise_testhooks library). */
#ifndef PN_TEST_HOOKS_H
#define PN_TEST_HOOKS_H

#include <p2pnoise/engine.h>

/* Sets the sending (receiving) nonce of |peer|'s connection (nonce
 * exhaustion tests). */
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
