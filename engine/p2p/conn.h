/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Connection slots and their lifecycle (the states in engine_int.h): ids,
 * the intrusive lists, reporting a connection's end, closing it gracefully
 * or at once, and releasing its slot.
 */
#ifndef PN_CONN_H
#define PN_CONN_H

#include "engine_int.h"

/* The lists a slot links into: through q (send or close list), peer (the
 * peers list) or h (held or resume list). */
enum { PN_LIST_Q = 0, PN_LIST_PEER = 1, PN_LIST_H = 2 };

static inline uint32_t pn_conn_slot(const pn_engine *e, const pn_conn *c) {
  return (uint32_t)(c - e->conns);
}

static inline pn_conn_id pn_conn_idof(const pn_engine *e, const pn_conn *c) {
  return ((uint64_t)c->gen << 32) | (pn_conn_slot(e, c) + 1);
}

/* Routed: the connection the routing table names for its peer. */
static inline int pn_conn_routed(const pn_conn *c) {
  return c->state == CS_PEER || c->state == CS_SUPERSEDED;
}

/* Its end was reported (and it is closing or gone). */
static inline int pn_conn_ending(const pn_conn *c) {
  return c->state >= CS_CLOSING;
}

/* The live connection |id| names, or NULL (unknown, stale or gone). */
pn_conn *pn_conn_lookup(pn_engine *e, pn_conn_id id);
/* The routed connection of peer |id|, or NULL. */
pn_conn *pn_peer_conn(pn_engine *e, const pn_peer_id *id);
/* A fresh slot in HANDSHAKE with handshake slot |hs|; NULL when none is
 * free (the caller checked). */
pn_conn *pn_conn_alloc(pn_engine *e, pn_dir dir, void *user, uint32_t hs);

void pn_list_push(pn_engine *e, pn_list *l, int which, uint32_t i);
void pn_list_unlink(pn_engine *e, pn_list *l, int which, uint32_t i);

/* Reports the end of |c| once: PEER_DISCONNECTED for a routed connection,
 * REJECTED for one not yet a peer. */
void pn_conn_report(pn_engine *e, pn_conn *c, int reason, int remote_reason);
/* Starts closing |c| (it must have been reported): unroutes it, queues a
 * CLOSE frame when keys allow (DRAINING instead of CLOSING if |drain|),
 * else closes the transport at once. Nothing if already ending. */
void pn_conn_begin_close(pn_engine *e, pn_conn *c, int reason, int drain);
/* pn_conn_report, then pn_conn_begin_close. */
void pn_conn_fail(pn_engine *e, pn_conn *c, int reason, int remote_reason);
/* Queues the CLOSE action: the driver is to close the transport. */
void pn_conn_close_now(pn_engine *e, pn_conn *c);
/* A closing connection whose output is flushed and whose exchange of CLOSE
 * frames is over (or cannot happen) is closed. */
void pn_conn_closing_progress(pn_engine *e, pn_conn *c);
/* Forgets everything of the transport connection; the slot is DEAD until
 * the events naming it are polled. */
void pn_conn_release(pn_engine *e, pn_conn *c);
/* Frees a DEAD slot no event names any more. */
void pn_conn_maybe_free(pn_engine *e, pn_conn *c);
/* The driver holds input of |c| back for |why| (HOLD_POLL, HOLD_WAIT):
 * |c| waits on the held list for its cause to pass. */
void pn_conn_hold(pn_engine *e, pn_conn *c, int why);
/* Every connection held for |why| moves to the resume list. */
void pn_conn_unhold(pn_engine *e, int why);
/* Takes |c| off the held or resume list. */
void pn_conn_unlist_hold(pn_engine *e, pn_conn *c);

/* Pool bytes |c| holds (partial frame, reassembly, output). */
size_t pn_conn_held(const pn_engine *e, const pn_conn *c);

/* Removes a routed connection from the routing table and the peers list. */
void pn_conn_unroute(pn_engine *e, pn_conn *c);

#endif
