/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Connection slots and lifecycle (conn.h). */
#include <string.h>

#include "conn.h"
#include "crypto.h"
#include "establish.h"
#include "event.h"
#include "express.h"
#include "frame.h"
#include "rx.h"
#include "timers.h"
#include "tx.h"

pn_conn *pn_conn_lookup(pn_engine *e, pn_conn_id id) {
  uint32_t s = (uint32_t)id;
  if (!s || s > e->max_conns) return NULL;
  pn_conn *c = &e->conns[s - 1];
  if (c->gen != (uint32_t)(id >> 32)) return NULL;
  if (c->state == CS_FREE || c->state == CS_DEAD) return NULL;
  return c;
}

pn_conn *pn_peer_conn(pn_engine *e, const pn_peer_id *id) {
  if (!id || id->len != pn_protocol_dhlen(&e->proto)) return NULL;
  uint32_t i = pn_route_lookup(&e->route, id);
  return i == PN_NIL ? NULL : &e->conns[i];
}

pn_conn *pn_conn_alloc(pn_engine *e, pn_dir dir, void *user, uint32_t hs) {
  if (!e->nfree_conns) return NULL;
  uint32_t i = e->free_conns[--e->nfree_conns];
  pn_conn *c = &e->conns[i];
  uint32_t gen = c->gen;
  memset(c, 0, sizeof *c);
  c->gen = gen;
  c->hs = hs;
  c->state = CS_HANDSHAKE;
  c->dir = (uint8_t)dir;
  c->user = user;
  c->q.prev = c->q.next = c->peer.prev = c->peer.next = PN_NIL;
  c->h.prev = c->h.next = PN_NIL;
  pn_bq_init(&c->rxq, 0); /* ciphertext */
  pn_bq_init(&c->txq, 0);
  pn_bq_init(&c->reasm, 1); /* plaintext */
  e->nconns++;
  return c;
}

static pn_link *link_of(pn_engine *e, int which, uint32_t i) {
  pn_conn *c = &e->conns[i];
  return which == PN_LIST_PEER ? &c->peer : which == PN_LIST_H ? &c->h : &c->q;
}

void pn_conn_unlist_hold(pn_engine *e, pn_conn *c) {
  if (c->hold == HOLD_NONE) return;
  uint32_t i = pn_conn_slot(e, c);
  pn_list_unlink(e, c->hold == HOLD_RESUME ? &e->resumeq : &e->held, PN_LIST_H,
                 i);
  if (c->hold == HOLD_WAIT) e->nwait--;
  c->hold = HOLD_NONE;
}

void pn_conn_hold(pn_engine *e, pn_conn *c, int why) {
  pn_conn_unlist_hold(e, c);
  if (why == HOLD_WAIT) {
    /* Any block freed from now on may make room: the next poll looks. */
    if (!e->nwait) e->wait_frees = e->pool.frees;
    e->nwait++;
  }
  c->hold = (uint8_t)why;
  pn_list_push(e, &e->held, PN_LIST_H, pn_conn_slot(e, c));
}

void pn_conn_unhold(pn_engine *e, int why) {
  uint32_t i = e->held.head;
  while (i != PN_NIL) {
    pn_conn *c = &e->conns[i];
    uint32_t next = c->h.next;
    if (c->hold == why) {
      pn_conn_unlist_hold(e, c);
      c->hold = HOLD_RESUME;
      pn_list_push(e, &e->resumeq, PN_LIST_H, i);
    }
    i = next;
  }
}

void pn_list_push(pn_engine *e, pn_list *l, int which, uint32_t i) {
  pn_link *k = link_of(e, which, i);
  k->next = PN_NIL;
  k->prev = l->tail;
  if (l->tail != PN_NIL)
    link_of(e, which, l->tail)->next = i;
  else
    l->head = i;
  l->tail = i;
}

void pn_list_unlink(pn_engine *e, pn_list *l, int which, uint32_t i) {
  pn_link *k = link_of(e, which, i);
  if (k->prev != PN_NIL)
    link_of(e, which, k->prev)->next = k->next;
  else
    l->head = k->next;
  if (k->next != PN_NIL)
    link_of(e, which, k->next)->prev = k->prev;
  else
    l->tail = k->prev;
  k->prev = k->next = PN_NIL;
}

void pn_conn_maybe_free(pn_engine *e, pn_conn *c) {
  if (c->state != CS_DEAD || c->nev) return;
  uint32_t gen = c->gen + 1;
  pn_wipe(c, sizeof *c);
  c->gen = gen ? gen : 1;
  c->state = CS_FREE;
  c->hs = PN_NIL;
  e->free_conns[e->nfree_conns++] = pn_conn_slot(e, c);
  e->nconns--;
}

size_t pn_conn_held(const pn_engine *e, const pn_conn *c) {
  const pn_pool *p = &e->pool;
  return (size_t)(pn_bq_blocks(p, &c->rxq) + pn_bq_blocks(p, &c->reasm) +
                  pn_bq_blocks(p, &c->txq)) *
         p->block;
}

void pn_conn_unroute(pn_engine *e, pn_conn *c) {
  if (!pn_conn_routed(c)) return;
  (void)pn_route_remove(&e->route, &c->id);
  pn_list_unlink(e, &e->peers, PN_LIST_PEER, pn_conn_slot(e, c));
  e->npeers--;
}

void pn_conn_release(pn_engine *e, pn_conn *c) {
  uint32_t i = pn_conn_slot(e, c);
  pn_conn_unroute(e, c);
  if (c->state == CS_CLOSED)
    pn_list_unlink(e, &e->closeq, PN_LIST_Q, i);
  else if (c->flags & CF_SENDQ)
    pn_list_unlink(e, &e->sendq, PN_LIST_Q, i);
  c->flags &= ~(uint32_t)CF_SENDQ;
  pn_conn_unlist_hold(e, c);
  pn_heap_remove(&e->timers, i);
  pn_hs_release(e, c);
  pn_bq_clear(&e->pool, &c->rxq);
  pn_bq_clear(&e->pool, &c->txq);
  if (e->xtx_own == i) pn_xtx_release(e);
  pn_rx_reasm_drop(e, c, 0);
  pn_cipherstate_wipe(&c->tx);
  pn_cipherstate_wipe(&c->rx);
  c->inflight = 0;
  c->state = CS_DEAD;
  pn_conn_maybe_free(e, c);
}

void pn_conn_close_now(pn_engine *e, pn_conn *c) {
  uint32_t i = pn_conn_slot(e, c);
  if (c->state == CS_CLOSED) return;
  if (c->flags & CF_SENDQ) pn_list_unlink(e, &e->sendq, PN_LIST_Q, i);
  c->flags &= ~(uint32_t)CF_SENDQ;
  c->state = CS_CLOSED;
  pn_list_push(e, &e->closeq, PN_LIST_Q, i);
  pn_heap_remove(&e->timers, i);
}

void pn_conn_closing_progress(pn_engine *e, pn_conn *c) {
  if (c->state != CS_CLOSING && c->state != CS_DRAINING) return;
  if (pn_tx_queued(e, c) || c->inflight) return;
  int framed = e->profile == PN_PROFILE_FRAMED && (c->flags & CF_KEYS);
  if (!framed || (c->flags & CF_CLOSE_RCVD)) pn_conn_close_now(e, c);
}

void pn_conn_begin_close(pn_engine *e, pn_conn *c, int reason, int drain) {
  pn_conn_unroute(e, c);
  if (pn_conn_ending(c)) return;
  c->reason = (uint16_t)reason;
  /* A CLOSE frame needs keys. */
  int graceful = (c->flags & CF_KEYS) && c->state != CS_HANDSHAKE;
  pn_hs_release(e, c);
  pn_rx_reasm_drop(e, c, 1);
  c->rx_state = RXS_IDLE;
  c->state = drain ? CS_DRAINING : CS_CLOSING;
  if (!graceful) {
    pn_conn_close_now(e, c);
    return;
  }
  if (e->profile == PN_PROFILE_FRAMED && !(c->flags & CF_CLOSE_SENT)) {
    if (pn_tx_close_frame(e, c, reason) != PN_OK) {
      pn_conn_close_now(e, c);
      return;
    }
    c->flags |= CF_CLOSE_SENT;
  }
  pn_timers_close_started(e, c, reason);
  pn_conn_closing_progress(e, c);
}

void pn_conn_report(pn_engine *e, pn_conn *c, int reason, int remote_reason) {
  if (pn_conn_ending(c)) return;
  int type = pn_conn_routed(c) ? PN_EVENT_PEER_DISCONNECTED : PN_EVENT_REJECTED;
  (void)pn_ev_push(e, c, type, reason, remote_reason, 1);
}

void pn_conn_fail(pn_engine *e, pn_conn *c, int reason, int remote_reason) {
  pn_conn_report(e, c, reason, remote_reason);
  pn_conn_begin_close(e, c, reason, 0);
}

/* see engine.h */
int pn_engine_conn_closed(pn_engine *e, pn_conn_id id, pn_time now) {
  if (!e) return PN_ERR_INVALID_ARGUMENT;
  pn_conn *c = pn_conn_lookup(e, id);
  if (!c) return PN_ERR_NOT_FOUND;
  pn_clock_in(e, now);
  /* Gone: nothing can be sent, so no CLOSE frame and no CLOSE action. */
  int remote = (c->flags & CF_CLOSE_RCVD) != 0;
  pn_conn_report(e, c,
                 remote ? PN_REASON_REMOTE_CLOSED : PN_REASON_TRANSPORT_CLOSED,
                 remote ? c->remote_reason : 0);
  pn_conn_release(e, c);
  return PN_OK;
}

/* see engine.h */
int pn_engine_disconnect(pn_engine *e, const pn_peer_id *peer, pn_time now) {
  if (!e || !peer) return PN_ERR_INVALID_ARGUMENT;
  pn_clock_in(e, now);
  pn_conn *c = pn_peer_conn(e, peer);
  if (!c) return PN_ERR_NOT_FOUND;
  pn_conn_fail(e, c, PN_REASON_LOCAL, 0);
  return PN_OK;
}
