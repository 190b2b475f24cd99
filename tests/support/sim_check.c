/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * What every driver of the simulator checks, whether the cmocka tests' or
 * the fuzz harnesses'; a broken invariant is reported by check_fail
 * (check.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

int sim_rc(int rc) {
  const char *d = pn_strerror(rc);
  if (!d || !*d) check_fail("error %d has no description", rc);
  return rc;
}

int sim_trace(void) {
  static int t = -1;
  if (t < 0) t = getenv("PN_FUZZ_TRACE") != NULL;
  return t;
}

void sim_check_memory(pn_engine *e, const pn_engine_config *cfg) {
  pn_engine_mem m;
  pn_engine_memory(e, &m);
  uint32_t maxc = cfg->max_conns ? cfg->max_conns : PN_ENGINE_DEFAULT_MAX_CONNS;
  if (m.pool_in_use > m.pool_budget) check_fail("pool over budget");
  if (m.conns > maxc) check_fail("conns %zu > max %u", m.conns, maxc);
  if (m.handshakes > m.conns || m.peers > m.conns)
    check_fail("handshakes %zu / peers %zu over conns %zu", m.handshakes,
               m.peers, m.conns);
  if (m.peers != pn_engine_peer_count(e)) check_fail("peer count");
}

void sim_check_event(const pn_action *a, const sim_event *ev,
                     const pn_engine_config *cfg) {
  const char *why = pn_reason_str(ev->reason);
  if (!why || !*why) check_fail("reason %d has no description", ev->reason);
  switch (ev->type) {
  case PN_EVENT_PEER_CONNECTED:
    if (!a->conn || !ev->peer.len) check_fail("CONNECTED without conn or peer");
    if (!ev->data || !ev->len) check_fail("CONNECTED without hash");
    break;
  case PN_EVENT_PEER_DISCONNECTED:
    if (ev->reason == PN_REASON_NONE) check_fail("DISCONNECTED, no reason");
    break;
  case PN_EVENT_REJECTED:
    if (ev->reason == PN_REASON_NONE) check_fail("REJECTED without reason");
    if (!a->conn) check_fail("REJECTED without a connection");
    break;
  case PN_EVENT_MESSAGE:
    if (!a->conn) check_fail("MESSAGE without conn");
    if (ev->len && !ev->data) check_fail("MESSAGE without data");
    break;
  case PN_EVENT_OVERFLOW:
    if (!a->conn) check_fail("OVERFLOW without conn");
    break;
  case PN_EVENT_HANDSHAKE_PAYLOAD:
    if (!ev->data || !ev->len || ev->len > cfg->max_handshake_payload)
      check_fail("HANDSHAKE_PAYLOAD of %zu bytes", ev->len);
    if (ev->peer.len) check_fail("HANDSHAKE_PAYLOAD names a peer");
    if (ev->size >= PN_NOISE_MAX_MSGS) check_fail("HANDSHAKE_PAYLOAD index");
    break;
  case PN_EVENT_CLOSED: /* the driver knows whether one may come */
  case PN_EVENT_LISTENING:
    break;
  default:
    check_fail("unknown event %d", (int)ev->type);
  }
}

/* ---- Every driver's view of an engine (see sim.h) ----------------------- */

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) check_fail("out of memory");
  return q;
}

static int peer_index(const sim_watch *w, const pn_peer_id *p) {
  for (int i = 0; i < w->npeers; i++)
    if (pn_peer_id_equal(&w->peers[i], p)) return i;
  return -1;
}

static void check_empty(pn_engine *e, const char *when) {
  pn_engine_mem m;
  pn_engine_memory(e, &m);
  if (m.conns || m.handshakes || m.peers || m.pool_in_use)
    check_fail("%s with conns %zu hs %zu peers %zu pool %zu", when, m.conns,
               m.handshakes, m.peers, m.pool_in_use);
}

void sim_watch_action(sim_watch *w, pn_engine *e, const pn_action *a,
                      const sim_event *ev, const pn_engine_config *cfg) {
  if (w->closed) check_fail("action %d after CLOSED", (int)a->type);
  if (a->type == PN_ACTION_DEADLINE) {
    if (a->deadline < w->now) check_fail("DEADLINE in the past");
    if (w->dl_seen && a->deadline == w->dl) check_fail("DEADLINE unchanged");
    w->dl_seen = 1;
    w->dl = a->deadline;
    return;
  }
  if (a->type != PN_ACTION_EVENT) return;
  sim_check_event(a, ev, cfg);
  switch (ev->type) {
  case PN_EVENT_PEER_CONNECTED:
    if (peer_index(w, &ev->peer) >= 0) check_fail("CONNECTED twice");
    if (w->npeers == w->cappeers) {
      w->cappeers = w->cappeers ? 2 * w->cappeers : 16;
      w->peers = xrealloc(w->peers, (size_t)w->cappeers * sizeof *w->peers);
    }
    w->peers[w->npeers++] = ev->peer;
    break;
  case PN_EVENT_PEER_DISCONNECTED: {
    int k = peer_index(w, &ev->peer);
    if (k < 0) check_fail("DISCONNECTED without CONNECTED");
    w->peers[k] = w->peers[--w->npeers];
    break;
  }
  case PN_EVENT_CLOSED:
    check_empty(e, "CLOSED");
    w->closed = 1;
    break;
  default:
    break;
  }
}

void sim_watch_drained(const sim_watch *w, pn_engine *e,
                       const pn_engine_config *cfg, int i) {
  sim_check_memory(e, cfg);
  if ((size_t)w->npeers != pn_engine_peer_count(e))
    check_fail("engine %d: %zu peers, %d by events", i, pn_engine_peer_count(e),
               w->npeers);
}

void sim_watch_finished(const sim_watch *w, pn_engine *e, int i, pn_time now) {
  if (!w->closed) {
    pn_engine_mem m;
    pn_engine_memory(e, &m);
    check_fail("engine %d never reported CLOSED (conns %zu, pool %zu, "
               "deadline %llu, now %llu)",
               i, m.conns, m.pool_in_use,
               (unsigned long long)sim_watch_deadline(w),
               (unsigned long long)now);
  }
  if (w->npeers) check_fail("engine %d: CONNECTED without DISCONNECTED", i);
  check_empty(e, "finished");
  pn_action a;
  if (pn_engine_poll(e, &a) != 0) check_fail("an action after CLOSED");
}

void sim_watch_free(sim_watch *w) {
  free(w->peers);
  memset(w, 0, sizeof *w);
}

void sim_check_send(sim_sendq *q, const pn_action *a) {
  if (q->pend) check_fail("a second SEND before the first was acked");
  if (q->wblocked) check_fail("a SEND after a partial ack, before writable");
  if (!a->send.data || !a->send.len) check_fail("empty SEND");
  /* A partial ack: the next SEND must go on from the first unacked byte. */
  size_t k = q->rest_len < a->send.len ? q->rest_len : a->send.len;
  if (k && memcmp(a->send.data, q->rest, k) != 0)
    check_fail("SEND does not resume after a partial ack");
  q->pend = a->send.data;
  q->pend_len = a->send.len;
  /* The bytes are borrowed: a copy shows whether they change before ack. */
  q->snap = (uint8_t *)xrealloc(q->snap, a->send.len);
  memcpy(q->snap, a->send.data, a->send.len);
}

void sim_check_acked(sim_sendq *q, size_t n) {
  if (memcmp(q->pend, q->snap, q->pend_len) != 0)
    check_fail("borrowed SEND bytes changed before the ack");
  q->rest_len = q->pend_len - n;
  q->rest = (uint8_t *)xrealloc(q->rest, q->rest_len);
  if (q->rest_len) memcpy(q->rest, q->pend + n, q->rest_len);
  q->pend = NULL;
  q->pend_len = 0;
  /* Short of the whole SEND: the transport is full until writable. */
  q->wblocked = q->rest_len != 0;
}

void sim_sendq_reset(sim_sendq *q) {
  q->pend = NULL;
  q->pend_len = q->rest_len = 0;
  q->wblocked = 0;
}

void sim_sendq_free(sim_sendq *q) {
  free(q->snap);
  free(q->rest);
  memset(q, 0, sizeof *q);
}

/* ---- The manual mode's per-connection contract (see sim.h) -------------- */

/* What only the driver's records can tell. */
static void check_event(sim_man_node *x, sim_man_rec *r, const sim_event *ev) {
  switch (ev->type) {
  case PN_EVENT_PEER_CONNECTED:
    if (!r) check_fail("CONNECTED without conn");
    r->connected = 1;
    r->peer = ev->peer;
    break;
  case PN_EVENT_MESSAGE:
  case PN_EVENT_OVERFLOW:
    if (!r) check_fail("event %d without conn", (int)ev->type);
    break;
  case PN_EVENT_CLOSED:
    if (!x->shutdown) check_fail("CLOSED without shutdown");
    break;
  case PN_EVENT_HANDSHAKE_PAYLOAD:
    if (!r || r->connected) check_fail("HANDSHAKE_PAYLOAD outside a handshake");
    break;
  default:
    break;
  }
}

sim_man_rec *sim_check_action(sim_man_node *x, const pn_action *a,
                              const sim_event *ev) {
  sim_watch_action(&x->w, x->e, a, ev, &x->cfg);
  sim_man_rec *r = a->conn ? sim_man_find(x, a->conn) : NULL;
  if (a->conn && !r) check_fail("action %d names unknown conn", (int)a->type);
  if (r && r->closed == 1)
    check_fail("action %d after the conn's CLOSE", (int)a->type);
  if (r && a->user != (void *)(uintptr_t)(2 * (size_t)r->link + 1 + r->side))
    check_fail("action user pointer");
  switch (a->type) {
  case PN_ACTION_SEND:
    if (!r || r->closed) check_fail("SEND on a closed or unknown conn");
    break;
  case PN_ACTION_CLOSE:
    if (!r || r->closed) check_fail("CLOSE twice or after the driver closed");
    r->closed = 1;
    break;
  case PN_ACTION_RESUME:
    if (!r || r->closed) check_fail("RESUME on a closed or unknown conn");
    break;
  case PN_ACTION_EVENT:
    check_event(x, r, ev);
    break;
  case PN_ACTION_DEADLINE:
    break;
  default:
    check_fail("unknown action %d", (int)a->type);
  }
  return r;
}

void sim_check_finished(const sim_man_node *x, int i, pn_time now) {
  sim_watch_finished(&x->w, x->e, i, now);
  for (int k = 0; k < x->nrec; k++)
    if (!x->rec[k].closed) check_fail("engine %d: conn without an end", i);
}
