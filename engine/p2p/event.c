/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The event queue and pn_engine_poll (event.h). */
#include <string.h>

#include "conn.h"
#include "event.h"
#include "tx.h"

int pn_ev_push(pn_engine *e, pn_conn *c, int type, int reason,
               int remote_reason, uint64_t size) {
  if (e->ev_len >= e->ev_cap) return PN_ERR_INTERNAL;
  pn_evq_ent *x = &e->ev[(e->ev_head + e->ev_len++) % e->ev_cap];
  x->type = (uint8_t)type;
  x->reason = (uint8_t)reason;
  x->remote_reason = (uint16_t)remote_reason;
  x->slot = c ? pn_conn_slot(e, c) : PN_NIL;
  x->size = size;
  if (c) c->nev++;
  return PN_OK;
}

static void fill_event(pn_engine *e, const pn_evq_ent *x, pn_action *a) {
  pn_event *ev = &a->event;
  a->type = PN_ACTION_EVENT;
  ev->type = (pn_event_type)x->type;
  ev->reason = (pn_reason)x->reason;
  ev->remote_reason = x->remote_reason;
  ev->count = 1;
  if (x->slot == PN_NIL) {
    if (x->type == PN_EVENT_LISTENING) e->listening_pending = 0;
    if (x->type == PN_EVENT_REJECTED) {
      int w = x->reason == PN_REASON_CONN_LIMIT ? REJ_CONN : REJ_HS;
      ev->count = e->rej_count[w];
      e->rej_count[w] = 0;
      e->rej_pending[w] = 0;
    }
    return;
  }
  pn_conn *c = &e->conns[x->slot];
  a->conn = pn_conn_idof(e, c);
  a->user = c->user;
  ev->dir = (pn_dir)c->dir;
  if (c->id.len) ev->peer = c->id;
  switch (x->type) {
  case PN_EVENT_PEER_CONNECTED:
    ev->data = c->hash;
    ev->len = c->hash_len;
    break;
  case PN_EVENT_MESSAGE:
    ev->data = e->msg_ptr;
    ev->len = e->msg_len;
    e->msg_pending = 0;
    break;
  case PN_EVENT_HANDSHAKE_PAYLOAD:
    /* Not authenticated yet: no identity goes with it. */
    memset(&ev->peer, 0, sizeof ev->peer);
    ev->data = e->msg_ptr;
    ev->len = e->msg_len;
    ev->size = x->size;
    e->msg_pending = 0;
    break;
  case PN_EVENT_OVERFLOW:
    ev->size = x->size;
    if (x->reason == PN_REASON_MESSAGE_TOO_LARGE)
      e->msg_pending = 0;
    else
      c->flags &= ~(uint32_t)CF_OVF_EVENT;
    break;
  default:
    break;
  }
  c->nev--;
}

/* Copying a zero action compiles to a few vector stores; memset of this size
 * became `rep stos`, whose start-up cost was most of an empty poll. */
static void action_clear(pn_action *a) {
  static const pn_action none;
  *a = none;
}

/* see engine.h */
int pn_engine_poll(pn_engine *e, pn_action *a) {
  if (!e || !a) return PN_ERR_INVALID_ARGUMENT;
  /* |a| is cleared only when there is an action: a driver polls until
   * nothing is left, so the empty answer is the most frequent one. */
  if (e->ev_len) {
    action_clear(a);
    pn_evq_ent x = e->ev[e->ev_head];
    e->ev_head = (e->ev_head + 1) % e->ev_cap;
    e->ev_len--;
    fill_event(e, &x, a);
    if (x.slot != PN_NIL) pn_conn_maybe_free(e, &e->conns[x.slot]);
    return 1;
  }
  if (e->closeq.head != PN_NIL) {
    action_clear(a);
    pn_conn *c = &e->conns[e->closeq.head];
    a->type = PN_ACTION_CLOSE;
    a->conn = pn_conn_idof(e, c);
    a->user = c->user;
    a->reason = (pn_reason)c->reason;
    pn_conn_release(e, c);
    return 1;
  }
  if (e->sendq.head != PN_NIL) {
    action_clear(a);
    uint32_t i = e->sendq.head;
    pn_conn *c = &e->conns[i];
    a->type = PN_ACTION_SEND;
    a->conn = pn_conn_idof(e, c);
    a->user = c->user;
    a->data = pn_tx_take_send(e, c, &a->len);
    return 1;
  }
  pn_time d = pn_heap_next(&e->timers);
  if (d != e->last_deadline) {
    action_clear(a);
    e->last_deadline = d;
    a->type = PN_ACTION_DEADLINE;
    a->deadline = d;
    return 1;
  }
  if (e->shutdown && !e->closed_emitted && !e->nconns) {
    action_clear(a);
    e->closed_emitted = 1;
    a->type = PN_ACTION_EVENT;
    a->event.type = PN_EVENT_CLOSED;
    a->event.reason = PN_REASON_SHUTDOWN;
    return 1;
  }
  a->type = (pn_action_type)0; /* no action */
  return 0;
}

/* see engine.h */
pn_time pn_engine_next_deadline(const pn_engine *e) {
  return e ? pn_heap_next(&e->timers) : PN_TIME_NEVER;
}
