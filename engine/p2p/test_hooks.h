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
/* Encrypts and queues the transport payload |pt| (|len| bytes, any type,
 * well-formed or not) to |peer| as the next frame: a hostile peer in a
 * test. PN_ERR_OVERFLOW without room. */
int pn_engine_test_send_raw(pn_engine *e, const pn_peer_id *peer,
                            const uint8_t *pt, size_t len);
/* Sizes of the per-connection structures. */
size_t pn_engine_test_conn_struct_size(void);
size_t pn_engine_test_hs_struct_size(void);
/* Pool blocks in use. */
size_t pn_engine_test_pool_blocks_used(const pn_engine *e);
/* Live connection slots (any state but free). */
size_t pn_engine_test_conns(const pn_engine *e);
size_t pn_engine_test_handshakes(const pn_engine *e);
/* The earliest time the engine's timers have work (PN_TIME_NEVER: none),
 * without polling for its DEADLINE. */
pn_time pn_engine_test_deadline(const pn_engine *e);
/* The connection the express receive (|tx| 0) or send (|tx| 1) buffer is
 * lent to, or 0. */
pn_conn_id pn_engine_test_express(const pn_engine *e, int tx);

/* Secrets, for the hygiene test (every copy it takes must go where its scan
 * does not look). The static private key: its length, 0 without one. */
size_t pn_engine_test_static_private(const pn_engine *e,
                                     uint8_t out[PN_NOISE_MAX_DHLEN]);
/* Connection |c|'s transport keys; PN_ERR_NOT_FOUND, or PN_ERR_INVALID_STATE
 * before its handshake is split. */
int pn_engine_test_conn_keys(pn_engine *e, pn_conn_id c, uint8_t tx[32],
                             uint8_t rx[32]);
/* Connection |c|'s handshake in progress: its chaining key (*|cklen|
 * bytes) and, when *|has_k|, its cipher key. PN_ERR_NOT_FOUND, or
 * PN_ERR_INVALID_STATE without a handshake started. */
int pn_engine_test_hs_keys(pn_engine *e, pn_conn_id c,
                           uint8_t ck[PN_NOISE_MAX_HASHLEN], size_t *cklen,
                           uint8_t k[32], int *has_k);

#endif
