/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * What every driver of the simulator checks, whether the cmocka tests' or
 * the fuzz harnesses', and the one way a broken invariant is reported:
 * sim_fail, which prints it and aborts (a fuzzer notices only a crash, and
 * a test must not go on from a broken state).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

void sim_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "sim: invariant failed: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  abort();
}

int sim_rc(int rc) {
  const char *d = pn_strerror(rc);
  if (!d || !*d) sim_fail("error %d has no description", rc);
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
  if (m.pool_in_use > m.pool_budget) sim_fail("pool over budget");
  if (m.conns > maxc) sim_fail("conns %zu > max %u", m.conns, maxc);
  if (m.handshakes > m.conns || m.peers > m.conns)
    sim_fail("handshakes %zu / peers %zu over conns %zu", m.handshakes, m.peers,
             m.conns);
  if (m.peers != pn_engine_peer_count(e)) sim_fail("peer count");
}

void sim_check_event(const pn_action *a, const sim_event *ev,
                     const pn_engine_config *cfg) {
  const char *why = pn_reason_str(ev->reason);
  if (!why || !*why) sim_fail("reason %d has no description", ev->reason);
  switch (ev->type) {
  case PN_EVENT_PEER_CONNECTED:
    if (!a->conn || !ev->peer.len) sim_fail("CONNECTED without conn or peer");
    if (!ev->data || !ev->len) sim_fail("CONNECTED without hash");
    break;
  case PN_EVENT_PEER_DISCONNECTED:
    if (ev->reason == PN_REASON_NONE) sim_fail("DISCONNECTED, no reason");
    break;
  case PN_EVENT_REJECTED:
    if (ev->reason == PN_REASON_NONE) sim_fail("REJECTED without reason");
    if (!a->conn) sim_fail("REJECTED without a connection");
    break;
  case PN_EVENT_MESSAGE:
    if (!a->conn) sim_fail("MESSAGE without conn");
    if (ev->len && !ev->data) sim_fail("MESSAGE without data");
    break;
  case PN_EVENT_OVERFLOW:
    if (!a->conn) sim_fail("OVERFLOW without conn");
    break;
  case PN_EVENT_HANDSHAKE_PAYLOAD:
    if (!ev->data || !ev->len || ev->len > cfg->max_handshake_payload)
      sim_fail("HANDSHAKE_PAYLOAD of %zu bytes", ev->len);
    if (ev->peer.len) sim_fail("HANDSHAKE_PAYLOAD names a peer");
    if (ev->size >= PN_NOISE_MAX_MSGS) sim_fail("HANDSHAKE_PAYLOAD index");
    break;
  case PN_EVENT_CLOSED: /* the driver knows whether one may come */
  case PN_EVENT_LISTENING:
    break;
  default:
    sim_fail("unknown event %d", (int)ev->type);
  }
}

/* ---- The manual mode's per-connection contract (see sim.h) -------------- */

static int peer_index(const sim_man_node *x, const pn_peer_id *p) {
  for (int i = 0; i < x->npeers; i++)
    if (pn_peer_id_equal(&x->peers[i], p)) return i;
  return -1;
}

static void check_event(sim_man_node *x, sim_man_rec *r, const pn_action *a,
                        const sim_event *ev) {
  sim_check_event(a, ev, &x->cfg);
  if ((unsigned)ev->type < 9) x->events[ev->type]++;
  /* What only the driver's records can tell. */
  switch (ev->type) {
  case PN_EVENT_PEER_CONNECTED:
    if (!r) sim_fail("CONNECTED without conn");
    if (peer_index(x, &ev->peer) >= 0) sim_fail("CONNECTED twice");
    if (x->npeers == SIM_MAN_MAX_PEERS) sim_fail("harness: too many peers");
    x->peers[x->npeers++] = ev->peer;
    r->connected = 1;
    r->peer = ev->peer;
    break;
  case PN_EVENT_PEER_DISCONNECTED: {
    int k = peer_index(x, &ev->peer);
    if (k < 0) sim_fail("DISCONNECTED without CONNECTED");
    x->peers[k] = x->peers[--x->npeers];
    break;
  }
  case PN_EVENT_REJECTED:
    break;
  case PN_EVENT_MESSAGE:
  case PN_EVENT_OVERFLOW:
    if (!r) sim_fail("event %d without conn", (int)ev->type);
    break;
  case PN_EVENT_CLOSED: {
    if (!x->shutdown) sim_fail("CLOSED without shutdown");
    pn_engine_mem m;
    pn_engine_memory(x->e, &m);
    if (m.conns || m.handshakes || m.peers || m.pool_in_use)
      sim_fail("CLOSED with conns %zu hs %zu peers %zu pool %zu", m.conns,
               m.handshakes, m.peers, m.pool_in_use);
    x->closed = 1;
    break;
  }
  case PN_EVENT_LISTENING:
    break;
  case PN_EVENT_HANDSHAKE_PAYLOAD:
    if (!r || r->connected) sim_fail("HANDSHAKE_PAYLOAD outside a handshake");
    break;
  }
}

sim_man_rec *sim_check_action(sim_man_node *x, const pn_action *a,
                              const sim_event *ev) {
  if (x->closed) sim_fail("action %d after CLOSED", (int)a->type);
  sim_man_rec *r = a->conn ? sim_man_find(x, a->conn) : NULL;
  if (a->conn && !r) sim_fail("action %d names unknown conn", (int)a->type);
  if (r && r->closed == 1)
    sim_fail("action %d after the conn's CLOSE", (int)a->type);
  if (r && a->user != (void *)(uintptr_t)(2 * (size_t)r->link + 1 + r->side))
    sim_fail("action user pointer");
  switch (a->type) {
  case PN_ACTION_SEND:
    if (!r || r->closed) sim_fail("SEND on a closed or unknown conn");
    break;
  case PN_ACTION_CLOSE:
    if (!r || r->closed) sim_fail("CLOSE twice or after the driver closed");
    r->closed = 1;
    break;
  case PN_ACTION_RESUME:
    if (!r || r->closed) sim_fail("RESUME on a closed or unknown conn");
    break;
  case PN_ACTION_EVENT:
    check_event(x, r, a, ev);
    break;
  case PN_ACTION_DEADLINE:
    if (a->deadline < x->now) sim_fail("DEADLINE in the past");
    if (x->dl_seen && a->deadline == x->dl) sim_fail("DEADLINE unchanged");
    x->dl_seen = 1;
    x->dl = a->deadline;
    break;
  default:
    sim_fail("unknown action %d", (int)a->type);
  }
  return r;
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) sim_fail("out of memory");
  return q;
}

void sim_check_send(sim_man_pipe *p, const pn_action *a) {
  if (p->pend) sim_fail("a second SEND before the first was acked");
  if (p->wblocked) sim_fail("a SEND after a partial ack, before writable");
  if (!a->send.data || !a->send.len) sim_fail("empty SEND");
  /* A partial ack: the next SEND must go on from the first unacked byte. */
  size_t k = p->rest_len < a->send.len ? p->rest_len : a->send.len;
  if (k && memcmp(a->send.data, p->rest, k) != 0)
    sim_fail("SEND does not resume after a partial ack");
  p->pend = a->send.data;
  p->pend_len = a->send.len;
  /* The bytes are borrowed: a copy shows whether they change before ack. */
  p->snap = (uint8_t *)xrealloc(p->snap, a->send.len);
  memcpy(p->snap, a->send.data, a->send.len);
}

void sim_check_acked(sim_man_pipe *p, size_t n) {
  if (memcmp(p->pend, p->snap, p->pend_len) != 0)
    sim_fail("borrowed SEND bytes changed before the ack");
  p->rest_len = p->pend_len - n;
  p->rest = (uint8_t *)xrealloc(p->rest, p->rest_len);
  if (p->rest_len) memcpy(p->rest, p->pend + n, p->rest_len);
}

void sim_check_drained(const sim_man_node *x, int i) {
  sim_check_memory(x->e, &x->cfg);
  if ((size_t)x->npeers != pn_engine_peer_count(x->e))
    sim_fail("engine %d: %zu peers, %d by events", i,
             pn_engine_peer_count(x->e), x->npeers);
}

void sim_check_finished(const sim_man_node *x, int i, pn_time now) {
  if (!x->closed) {
    pn_engine_mem m;
    pn_engine_memory(x->e, &m);
    sim_fail("engine %d never reported CLOSED (conns %zu, pool %zu, "
             "deadline %llu, now %llu)",
             i, m.conns, m.pool_in_use, (unsigned long long)sim_man_deadline(x),
             (unsigned long long)now);
  }
  for (int k = 0; k < x->nrec; k++)
    if (!x->rec[k].closed) sim_fail("engine %d: conn without an end", i);
  if (x->npeers) sim_fail("engine %d: CONNECTED without DISCONNECTED", i);
  pn_engine_mem m;
  pn_engine_memory(x->e, &m);
  if (m.conns || m.handshakes || m.peers || m.pool_in_use)
    sim_fail("engine %d left conns %zu hs %zu peers %zu pool %zu", i, m.conns,
             m.handshakes, m.peers, m.pool_in_use);
  pn_action a;
  if (pn_engine_poll(x->e, &a) != 0) sim_fail("an action after CLOSED");
}
