/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Duplicate connections (dup.h). */
#include <string.h>

#include "conn.h"
#include "dup.h"
#include "event.h"
#include "timers.h"

/* 1 if |a| survives against |b| (same peer): the connection initiated by
 * the lower static key, then the lower handshake hash. Both ends compute
 * the same answer alone. */
static int survives(const pn_engine *e, const pn_conn *a, const pn_conn *b) {
  size_t n = a->id.len;
  const uint8_t *ia = a->dir == PN_DIR_OUTBOUND ? e->s.pub : a->id.key;
  const uint8_t *ib = b->dir == PN_DIR_OUTBOUND ? e->s.pub : b->id.key;
  int d = memcmp(ia, ib, n);
  if (d) return d < 0;
  return memcmp(a->hash, b->hash, a->hash_len) < 0;
}

void pn_dup_resolve(pn_engine *e, pn_conn *c, pn_conn *o) {
  pn_conn *loser = c;
  if (survives(e, c, o)) {
    /* The new connection takes over the route and the peer's history. */
    uint32_t slot = pn_conn_slot(e, c);
    pn_route_replace(&e->route, &c->id, slot);
    pn_list_unlink(e, &e->peers, PN_LIST_PEER, pn_conn_slot(e, o));
    pn_list_push(e, &e->peers, PN_LIST_PEER, slot);
    o->state = CS_OPEN; /* no longer routed */
    c->state = CS_PEER;
    c->since = o->since;
    c->bytes_in += o->bytes_in;
    c->bytes_out += o->bytes_out;
    c->msgs_in += o->msgs_in;
    c->msgs_out += o->msgs_out;
    o->bytes_in = o->bytes_out = o->msgs_in = o->msgs_out = 0;
    loser = o;
  }
  (void)pn_ev_push(e, loser, PN_EVENT_REJECTED, PN_REASON_DUPLICATE, 0, 1);
  pn_conn_begin_close(e, loser, PN_REASON_DUPLICATE, 1);
  pn_timers_resched(e, c);
}

void pn_dup_closed_by_peer(pn_engine *e, pn_conn *c) {
  /* Keep routing (and sending) here until the surviving connection is up;
   * our own CLOSE then ends this one. */
  c->state = CS_SUPERSEDED;
  pn_timers_duplicate_closed_by_peer(e, c);
}
