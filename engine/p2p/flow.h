/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Flow control: who may hold how much of the shared pool (engine.h,
 * "Resource model"). Every pool block a connection holds is counted on it
 * (c->blocks), and every reservation for a connection goes through here:
 *
 * - The close reserve (one maximal frame) is for privileged requests only:
 *   a CLOSE frame, and the rest of a frame of a message being reassembled,
 *   so the connections that would free the pool are never stalled by it.
 * - The handshake reserve (max_handshakes handshakes' worth) is for
 *   handshakes only: established connections always leave what the
 *   handshakes in progress and to come may still need.
 * - Established connections share the rest. When it runs short, a
 *   connection over its fair share (the rest divided by the connections
 *   holding any) is refused: the caller holds its input back or applies the
 *   overflow policy to a send. One under its share makes the largest holder
 *   over its share close (PN_REASON_MEMORY_PRESSURE), whose memory comes
 *   back at once, and tries again.
 *
 * Plus the bounds on what a peer can provoke: one pending REKEY reply, and
 * rekey requests at most peer_rekey_limit per minute.
 */
#ifndef PN_FLOW_H
#define PN_FLOW_H

#include "engine_int.h"

/* Room for |n| more bytes in queue |q| of |c| (a pool queue of |c|), under
 * the rules above; |privileged| for a CLOSE frame or the rest of a frame in
 * reassembly. PN_OK or PN_ERR_OVERFLOW. */
int pn_flow_reserve(pn_engine *e, pn_conn *c, pn_bq *q, size_t n,
                    int privileged);
/* pn_flow_reserve for received bytes: a chunk in |c|'s reassembly queue
 * (taken as chunks arrive, never the declared total up front) or a partial
 * frame in its rxq. |finishing| when the chunk completes a frame the pool
 * holds, which frees more than it takes. When messages being reassembled
 * would wait for each other for good, one leads: the largest connection
 * stuck waiting for room closes (MEMORY_PRESSURE) to let it go on. */
int pn_flow_reserve_rx(pn_engine *e, pn_conn *c, pn_bq *q, size_t n,
                       int finishing);
/* The first |n| bytes of |q| of |c| were used up. */
void pn_flow_consume(pn_engine *e, pn_conn *c, pn_bq *q, size_t n);
/* Everything in |q| of |c| goes. */
void pn_flow_clear(pn_engine *e, pn_conn *c, pn_bq *q);
/* Keeps the first |keep| bytes of |q|. */
void pn_flow_truncate(pn_engine *e, pn_conn *c, pn_bq *q, size_t keep);
/* |c| stops being a handshake: its blocks count as an established
 * connection's from now on. */
void pn_flow_handshake_done(pn_engine *e, pn_conn *c);

/* A REKEY frame asking for a reply arrived from |c|'s peer: 1 if it is within
 * peer_rekey_limit, 0 if the peer floods (close it with REKEY_FLOOD). */
int pn_flow_peer_rekey_ok(pn_engine *e, pn_conn *c);

#endif
