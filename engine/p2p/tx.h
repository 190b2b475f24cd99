/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The transmit path: application messages chunked and encrypted straight
 * into a connection's output (the express send buffer or its pool queue),
 * control frames, the send list the SEND actions come from, and their
 * acknowledgement. Encryption order is wire order.
 */
#ifndef PN_TX_H
#define PN_TX_H

#include "engine_int.h"

/* Output queued to |c|, in wire bytes. */
size_t pn_tx_queued(const pn_engine *e, const pn_conn *c);
/* Puts |c| on the send list when it has output and no SEND in flight. */
void pn_tx_want_send(pn_engine *e, pn_conn *c);
/* The next SEND of |c| (taken off the send list): its bytes and length. */
const uint8_t *pn_tx_take_send(pn_engine *e, pn_conn *c, size_t *len);

/* 1 if |c|'s sending key has |want| nonces left before the ones kept back
 * for a CLOSE frame. */
int pn_tx_nonces_left(const pn_conn *c, uint64_t want);
/* Control frames; PN_ERR_OVERFLOW when there is no room (only CLOSE may dip
 * into the pool's reserve). */
int pn_tx_keepalive(pn_engine *e, pn_conn *c);
int pn_tx_close_frame(pn_engine *e, pn_conn *c, int reason);
/* Queues a REKEY frame (|flags|: PN_REKEY_FLAG_REPLY asks the peer to
 * rekey too) and moves to the next sending key. Without room, the message
 * count retries at the next send and the age in a second. */
void pn_tx_rekey(pn_engine *e, pn_conn *c, int flags);

#endif
