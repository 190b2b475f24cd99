/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Handshakes: from pn_engine_conn_open to a routed peer. Runs the Noise
 * handshake over the connection's frames, checks the remote's key (expected
 * key, authorize callback) as soon as it is known, splits, and routes the
 * peer (or hands a second connection to one peer to dup.c).
 */
#ifndef PN_ESTABLISH_H
#define PN_ESTABLISH_H

#include "engine_int.h"

/* Returns |c|'s handshake slot, if it holds one (wiping it). */
void pn_hs_release(pn_engine *e, pn_conn *c);
/* The declared length of a handshake frame of |c|: 0 or the reason to
 * close. */
int pn_hs_frame_len_ok(pn_engine *e, pn_conn *c, uint32_t len);
/* One whole handshake frame of |n| bytes (what |c|'s pool queue holds, then
 * the rest from |src|): a pn_rx_result. */
int pn_hs_read_frame(pn_engine *e, pn_conn *c, const uint8_t *src, size_t n);
/* |c|'s id for the remote static key |rs| (NULL: the pattern proved none,
 * the session's hash names it). */
void pn_hs_make_id(const pn_engine *e, const pn_conn *c, const uint8_t *rs,
                   pn_peer_id *id);

#endif
