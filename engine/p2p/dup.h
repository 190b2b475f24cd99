/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Duplicate connections to one peer (PROTOCOL.md section 5): when both
 * sides dial, each end keeps the connection initiated by the lower static
 * key (then the lower handshake hash), computing the same answer alone. The
 * loser drains (its messages are still delivered) until the CLOSE exchange
 * ends; a routed connection the remote closed as a duplicate stays routed
 * until the survivor arrives.
 */
#ifndef PN_DUP_H
#define PN_DUP_H

#include "engine_int.h"

/* |c| just established for the peer routed on |other|: one of the two
 * survives, routed and keeping the peer's history; the other is REJECTED
 * (DUPLICATE) and drains. */
void pn_dup_resolve(pn_engine *e, pn_conn *c, pn_conn *other);
/* The remote sent CLOSE(DUPLICATE) on routed |c|. */
void pn_dup_closed_by_peer(pn_engine *e, pn_conn *c);

#endif
