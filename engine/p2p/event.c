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

/* The delivery buffer is free again: receiving goes on, and every
 * connection whose input waited for that gets its RESUME. */
static void release_delivery(pn_engine *e) {
  e->msg_pending = 0;
  pn_conn_unhold(e, HOLD_POLL);
}

/* The public event for queue entry |x| about |c|. */
static void fill_conn_event(pn_engine *e, const pn_evq_ent *x, pn_conn *c,
                            pn_event *ev) {
  switch (x->type) {
  case PN_EVENT_PEER_CONNECTED:
    ev->connected.peer = c->id;
    ev->connected.dir = (pn_dir)c->dir;
    ev->connected.hash = c->hash;
    ev->connected.hash_len = c->hash_len;
    break;
  case PN_EVENT_PEER_DISCONNECTED:
    ev->disconnected.peer = c->id;
    ev->disconnected.dir = (pn_dir)c->dir;
    ev->disconnected.reason = (pn_reason)x->reason;
    ev->disconnected.remote_reason = x->remote_reason;
    break;
  case PN_EVENT_MESSAGE:
    ev->message.peer = c->id;
    ev->message.data = e->msg_ptr;
    ev->message.len = e->msg_len;
    release_delivery(e);
    break;
  case PN_EVENT_OVERFLOW:
    ev->overflow.peer = c->id;
    ev->overflow.reason = (pn_reason)x->reason;
    ev->overflow.size = x->size;
    if (x->reason == PN_REASON_MESSAGE_TOO_LARGE)
      release_delivery(e);
    else
      c->flags &= ~(uint32_t)CF_OVF_EVENT;
    break;
  case PN_EVENT_REJECTED:
    ev->rejected.dir = (pn_dir)c->dir;
    ev->rejected.reason = (pn_reason)x->reason;
    if (c->id.len) ev->rejected.peer = c->id;
    break;
  case PN_EVENT_HANDSHAKE_PAYLOAD:
    /* Not authenticated yet: no identity goes with it. */
    ev->handshake_payload.dir = (pn_dir)c->dir;
    ev->handshake_payload.index = (unsigned)x->size;
    ev->handshake_payload.data = e->msg_ptr;
    ev->handshake_payload.len = e->msg_len;
    release_delivery(e);
    break;
  default:
    break;
  }
}

/* Copying a zero action compiles to a few vector stores; memset of this size
 * became `rep stos`, whose start-up cost was most of an empty poll. */
static void action_clear(pn_action *a) {
  static const pn_action none;
  *a = none;
}

static void conn_action(pn_engine *e, pn_action *a, int type, pn_conn *c) {
  action_clear(a);
  a->type = (pn_action_type)type;
  a->conn = pn_conn_idof(e, c);
  a->user = c->user;
}

/* see engine.h */
int pn_engine_poll_versioned(pn_engine *e, int version, pn_action *a) {
  if (!e || !a || version != PN_ACTION_VERSION) return PN_ERR_INVALID_ARGUMENT;
  /* |a| is cleared only when there is an action: a driver polls until
   * nothing is left, so the empty answer is the most frequent one. */
  if (e->ev_len) {
    pn_evq_ent x = e->ev[e->ev_head];
    e->ev_head = (e->ev_head + 1) % e->ev_cap;
    e->ev_len--;
    if (x.slot == PN_NIL) {
      action_clear(a);
      a->type = PN_ACTION_EVENT;
    } else {
      pn_conn *c = &e->conns[x.slot];
      conn_action(e, a, PN_ACTION_EVENT, c);
      fill_conn_event(e, &x, c, &a->event);
      c->nev--;
    }
    a->event.type = (pn_event_type)x.type;
    if (x.slot != PN_NIL) pn_conn_maybe_free(e, &e->conns[x.slot]);
    return 1;
  }
  /* Connections waiting for room: any block freed since may be enough (one
   * that still finds none is held again, until the next free). */
  if (e->nwait && e->pool.frees != e->wait_frees) {
    e->wait_frees = e->pool.frees;
    pn_conn_unhold(e, HOLD_WAIT);
  }
  if (e->resumeq.head != PN_NIL) {
    pn_conn *c = &e->conns[e->resumeq.head];
    pn_conn_unlist_hold(e, c);
    conn_action(e, a, PN_ACTION_RESUME, c);
    return 1;
  }
  if (e->closeq.head != PN_NIL) {
    pn_conn *c = &e->conns[e->closeq.head];
    conn_action(e, a, PN_ACTION_CLOSE, c);
    pn_conn_release(e, c);
    return 1;
  }
  if (e->sendq.head != PN_NIL) {
    pn_conn *c = &e->conns[e->sendq.head];
    conn_action(e, a, PN_ACTION_SEND, c);
    a->send.data = pn_tx_take_send(e, c, &a->send.len);
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
    return 1;
  }
  a->type = PN_ACTION_NONE;
  return 0;
}
