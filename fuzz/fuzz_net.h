/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Engines wired by in-harness links, for the engine harnesses (fuzz_engine,
 * fuzz_pair, fuzz_failure). Unlike tests/sim.c, nothing here is random: the
 * harness decides every ack, every delivery size and every tick, so the
 * fuzzer drives the splitting, coalescing and delays itself.
 *
 * Every action polled goes through fz_poll, which checks the driver-visible
 * contract of engine.h (sim_fail names the broken rule; what holds for
 * any driver is in tests/support/sim_check.c):
 *   - poll never fails; nothing follows the CLOSED event;
 *   - at most one unacked SEND per connection, never empty, and it resumes
 *     exactly where a partial ack left off; its borrowed bytes stay intact
 *     until pn_engine_sent;
 *   - exactly one CLOSE per connection, none after the driver closed it,
 *     and no action names a connection after its CLOSE;
 *   - PEER_CONNECTED / PEER_DISCONNECTED pair up per peer id;
 *   - DEADLINE is never before the engine's time;
 * and fz_check_memory the bounds of pn_engine_memory.
 */
#ifndef PN_FUZZ_NET_H
#define PN_FUZZ_NET_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p2pnoise/engine.h>

#include "fuzz_common.h"
#include "sim.h" /* sim_event_view: one flat view of the typed events */

enum {
  FZ_MAX_NODES = 3,
  FZ_MAX_LINKS = 24,
  FZ_MAX_RECS = 64, /* connections opened per node and run */
  FZ_MAX_PEERS = 64
};

/* The smallest pool plus 8 blocks: small enough that a connection holding
 * a whole frame meets a reassembly that cannot reserve its room (F3, F5:
 * regressions/frame/pool-min-reasm-stall, regressions/pair/
 * pool-deadlock-two-conns), which must not stall. */
static inline uint64_t fz_small_budget(pn_engine_config *cfg) {
  return sim_pool_budget(cfg, 8);
}

/* ---- Nodes, connections and links -------------------------------------- */

typedef struct fz_rec {
  pn_conn_id id;
  int link, side;
  uint8_t closed; /* 1: CLOSE action polled, 2: closed by the driver */
  uint8_t connected;
  pn_peer_id peer; /* from PEER_CONNECTED */
} fz_rec;

typedef struct fz_node {
  pn_engine *e;
  pn_engine_config cfg;
  pn_peer_id id;
  uint8_t priv[PN_NOISE_MAX_DHLEN];
  pn_prng_rng rng;
  pn_time now; /* the largest time given to the engine */
  int closed;  /* CLOSED event polled */
  int shutdown;
  int listening; /* pn_engine_listening called */
  int dl_seen;   /* a DEADLINE was polled ... */
  pn_time dl;    /* ... and this is the last one */
  fz_rec rec[FZ_MAX_RECS];
  int nrec;
  pn_peer_id peers[FZ_MAX_PEERS]; /* connected, by events */
  int npeers;
  uint64_t events[9]; /* per pn_event_type */
} fz_node;

typedef struct fz_pipe {
  uint8_t *q; /* written by the sender, not yet read by the receiver */
  size_t len, cap;
  const uint8_t *pend; /* the SEND borrowed from the sender, unacked */
  size_t pend_len;
  uint8_t *snap; /* pend's bytes as polled */
  uint8_t *rest; /* what a partial ack left for the next SEND */
  size_t rest_len;
  uint64_t written; /* bytes acked in all */
  uint64_t corrupt_at;
  uint8_t corrupt_xor; /* 0: no corruption on this pipe */
  uint8_t corrupted;   /* the byte went by */
  uint8_t wblocked;    /* a partial ack: no SEND until writable */
  uint8_t held;        /* the receiver took part: offer again on RESUME */
} fz_pipe;

typedef struct fz_link {
  int node[2]; /* node[0] dialled node[1]; -1: the harness is that end */
  pn_conn_id conn[2];
  int gone[2];     /* that end closed its transport */
  fz_pipe pipe[2]; /* pipe[i]: from side i to side 1 - i */
} fz_link;

typedef struct fz_net fz_net;
typedef void (*fz_hook)(fz_net *net, int node, const pn_action *a);

struct fz_net {
  fz_node n[FZ_MAX_NODES];
  int nn;
  fz_link l[FZ_MAX_LINKS];
  int nl;
  pn_time now;  /* the clock: only ticks move it */
  pn_time skew; /* inputs other than ticks carry now - skew (backwards) */
  int manual[FZ_MAX_NODES]; /* polled only when the harness says so */
  fz_hook hook;             /* sees every action after the checks */
  void *user;
};

/* The node's deadline: the last DEADLINE polled (none yet: never). */
static inline pn_time fz_deadline(const fz_node *x) {
  return x->dl_seen ? x->dl : PN_TIME_NEVER;
}

static inline pn_time fz_now(const fz_net *net) {
  return net->now > net->skew ? net->now - net->skew : 0;
}

static inline void *fz_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) abort();
  return q;
}

static inline void fz_net_free(fz_net *net) {
  for (int i = 0; i < net->nn; i++)
    pn_engine_free(net->n[i].e);
  for (int i = 0; i < net->nl; i++)
    for (int s = 0; s < 2; s++) {
      free(net->l[i].pipe[s].q);
      free(net->l[i].pipe[s].snap);
      free(net->l[i].pipe[s].rest);
    }
  memset(net, 0, sizeof *net);
}

static inline fz_rec *fz_find(fz_node *x, pn_conn_id id) {
  for (int i = x->nrec - 1; i >= 0; i--)
    if (x->rec[i].id == id) return &x->rec[i];
  return NULL;
}

static inline int fz_peer_index(const fz_node *x, const pn_peer_id *p) {
  for (int i = 0; i < x->npeers; i++)
    if (pn_peer_id_equal(&x->peers[i], p)) return i;
  return -1;
}

static inline void fz_check_memory(const fz_node *x) {
  sim_check_memory(x->e, &x->cfg);
}

/* Opens a connection on |node| for side |side| of link |li| and records it;
 * returns the engine's code. */
static inline int fz_open(fz_net *net, int node, int li, int side,
                          const pn_peer_id *expected) {
  fz_node *x = &net->n[node];
  fz_link *l = &net->l[li];
  pn_conn_id id = 0;
  if (side && !x->listening) {
    /* A driver that takes inbound connections listens first. */
    int lrc = pn_engine_listening(x->e, fz_now(net));
    if (lrc != PN_OK && lrc != PN_ERR_SHUTDOWN)
      sim_fail("listening: %s", pn_strerror(lrc));
    x->listening = 1;
  }
  int rc = pn_engine_conn_open(
      x->e, side ? PN_DIR_INBOUND : PN_DIR_OUTBOUND, expected,
      (void *)(uintptr_t)(2 * (size_t)li + 1 + side), fz_now(net), &id);
  if (fz_now(net) > x->now) x->now = fz_now(net);
  if (rc != PN_OK) {
    if (id != 0) sim_fail("conn_open failed but gave an id");
    l->gone[side] = 1;
    return rc;
  }
  if (id == 0 || fz_find(x, id)) sim_fail("conn_open: id 0 or reused live");
  if (x->nrec == FZ_MAX_RECS) sim_fail("harness: too many connections");
  fz_rec *r = &x->rec[x->nrec++];
  memset(r, 0, sizeof *r);
  r->id = id;
  r->link = li;
  r->side = side;
  l->conn[side] = id;
  return rc;
}

/* A new link from |a| (dials) to |b|; either may be -1 (the harness). */
static inline int fz_link_new(fz_net *net, int a, int b) {
  if (net->nl == FZ_MAX_LINKS) return -1;
  int li = net->nl++;
  fz_link *l = &net->l[li];
  memset(l, 0, sizeof *l);
  l->node[0] = a;
  l->node[1] = b;
  if (a < 0) l->gone[0] = 0;
  if (b < 0) l->gone[1] = 0;
  return li;
}

static inline void fz_take_send(fz_net *net, int node, const pn_action *a,
                                fz_rec *r) {
  fz_link *l = &net->l[r->link];
  fz_pipe *p = &l->pipe[r->side];
  (void)node;
  if (p->pend) sim_fail("a second SEND before the first was acked");
  if (p->wblocked) sim_fail("a SEND after a partial ack, before writable");
  if (!a->send.data || !a->send.len) sim_fail("empty SEND");
  /* A partial ack: the next SEND must go on from the first unacked byte. */
  size_t k = p->rest_len < a->send.len ? p->rest_len : a->send.len;
  if (k && memcmp(a->send.data, p->rest, k) != 0)
    sim_fail("SEND does not resume after a partial ack");
  p->pend = a->send.data;
  p->pend_len = a->send.len;
  p->snap = (uint8_t *)fz_xrealloc(p->snap, a->send.len);
  memcpy(p->snap, a->send.data, a->send.len);
}

/* Polls up to |max| actions of |node| (0: until none); returns how many. */
static inline int fz_poll(fz_net *net, int node, int max) {
  fz_node *x = &net->n[node];
  int got = 0;
  for (;;) {
    if (max && got >= max) break;
    pn_action a;
    int rc = pn_engine_poll(x->e, &a);
    if (rc < 0) sim_fail("poll: %s", pn_strerror(rc));
    if (rc == 0) break;
    if (rc != 1) sim_fail("poll returned %d", rc);
    got++;
    sim_event fe;
    sim_event_view(&a.event, &fe);
    if (a.type != PN_ACTION_EVENT) fe.type = (pn_event_type)0;
    if (sim_trace())
      fprintf(
          stderr,
          "  node %d action %d conn %llx ev %d reason %d len %zu dl %llu\n",
          node, (int)a.type, (unsigned long long)a.conn, (int)fe.type,
          (int)fe.reason, a.type == PN_ACTION_SEND ? a.send.len : 0,
          (unsigned long long)(a.type == PN_ACTION_DEADLINE ? a.deadline : 0));
    if (x->closed) sim_fail("action %d after CLOSED", (int)a.type);
    fz_rec *r = a.conn ? fz_find(x, a.conn) : NULL;
    if (a.conn && !r) sim_fail("action %d names unknown conn", (int)a.type);
    if (r && r->closed == 1)
      sim_fail("action %d after the conn's CLOSE", (int)a.type);
    if (r && a.user != (void *)(uintptr_t)(2 * (size_t)r->link + 1 + r->side))
      sim_fail("action user pointer");
    switch (a.type) {
    case PN_ACTION_SEND:
      if (!r || r->closed) sim_fail("SEND on a closed or unknown conn");
      fz_take_send(net, node, &a, r);
      break;
    case PN_ACTION_CLOSE: {
      if (!r || r->closed) sim_fail("CLOSE twice or after the driver closed");
      r->closed = 1;
      fz_link *l = &net->l[r->link];
      l->gone[r->side] = 1;
      l->conn[r->side] = 0;
      l->pipe[r->side].pend = NULL;
      l->pipe[r->side].rest_len = 0;
      l->pipe[r->side].wblocked = 0;
      break;
    }
    case PN_ACTION_RESUME: {
      if (!r || r->closed) sim_fail("RESUME on a closed or unknown conn");
      /* Input held for this connection moves again. */
      fz_link *l = &net->l[r->link];
      l->pipe[1 - r->side].held = 0;
      break;
    }
    case PN_ACTION_EVENT: {
      const sim_event *ev = &fe;
      sim_check_event(&a, ev, &x->cfg);
      if ((unsigned)ev->type < 9) x->events[ev->type]++;
      /* What only this driver's records can tell. */
      switch (ev->type) {
      case PN_EVENT_PEER_CONNECTED:
        if (!r) sim_fail("CONNECTED without conn");
        if (fz_peer_index(x, &ev->peer) >= 0) sim_fail("CONNECTED twice");
        if (x->npeers == FZ_MAX_PEERS) sim_fail("harness: too many peers");
        x->peers[x->npeers++] = ev->peer;
        r->connected = 1;
        r->peer = ev->peer;
        break;
      case PN_EVENT_PEER_DISCONNECTED: {
        int k = fz_peer_index(x, &ev->peer);
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
        if (!r || r->connected)
          sim_fail("HANDSHAKE_PAYLOAD outside a handshake");
        break;
      }
      break;
    }
    case PN_ACTION_DEADLINE:
      if (a.deadline < x->now) sim_fail("DEADLINE in the past");
      if (x->dl_seen && a.deadline == x->dl) sim_fail("DEADLINE unchanged");
      x->dl_seen = 1;
      x->dl = a.deadline;
      break;
    default:
      sim_fail("unknown action %d", (int)a.type);
    }
    if (net->hook) net->hook(net, node, &a);
  }
  fz_check_memory(x);
  /* Drained: the events told the application every peer there is. */
  if ((!max || got < max) && (size_t)x->npeers != pn_engine_peer_count(x->e))
    sim_fail("engine %d: %zu peers, %d by events", node,
             pn_engine_peer_count(x->e), x->npeers);
  return got;
}

static inline void fz_poll_all(fz_net *net) {
  for (int i = 0; i < net->nn; i++)
    fz_poll(net, i, 0);
}

/* Acks |n| bytes (clamped) of the SEND pending on |side| of |li|; the bytes
 * go into the pipe. Returns 1 if there was a SEND. */
static inline int fz_ack(fz_net *net, int li, int side, size_t n) {
  fz_link *l = &net->l[li];
  fz_pipe *p = &l->pipe[side];
  if (!p->pend || l->node[side] < 0 || !l->conn[side]) return 0;
  fz_node *x = &net->n[l->node[side]];
  if (memcmp(p->pend, p->snap, p->pend_len) != 0)
    sim_fail("borrowed SEND bytes changed before the ack");
  if (n > p->pend_len) n = p->pend_len;
  sim_put(&p->q, &p->len, &p->cap, p->pend, n);
  if (p->corrupt_xor && p->corrupt_at >= p->written &&
      p->corrupt_at - p->written < n) {
    p->q[p->len - n + (size_t)(p->corrupt_at - p->written)] ^= p->corrupt_xor;
    p->corrupted = 1;
  }
  p->written += n;
  p->rest_len = p->pend_len - n;
  p->rest = (uint8_t *)fz_xrealloc(p->rest, p->rest_len);
  if (p->rest_len) memcpy(p->rest, p->pend + n, p->rest_len);
  p->pend = NULL;
  /* Short of the whole SEND: nothing more until writable (fz_writable). */
  if (p->rest_len) p->wblocked = 1;
  int rc = pn_engine_sent(x->e, l->conn[side], n, fz_now(net));
  if (fz_now(net) > x->now) x->now = fz_now(net);
  if (rc != PN_OK) sim_fail("sent: %s", pn_strerror(rc));
  if (!net->manual[l->node[side]]) fz_poll(net, l->node[side], 0);
  return 1;
}

/* The transport of |side| of |li| can take bytes again after a partial
 * ack. Returns 1 if it was blocked. */
static inline int fz_writable(fz_net *net, int li, int side) {
  fz_link *l = &net->l[li];
  fz_pipe *p = &l->pipe[side];
  if (!p->wblocked || l->node[side] < 0 || !l->conn[side]) return 0;
  p->wblocked = 0;
  fz_node *x = &net->n[l->node[side]];
  int rc = pn_engine_writable(x->e, l->conn[side], fz_now(net));
  if (rc != PN_OK) sim_fail("writable: %s", pn_strerror(rc));
  if (!net->manual[l->node[side]]) fz_poll(net, l->node[side], 0);
  return 1;
}

/* Offers up to |n| bytes of pipe |side| of |li| to the other end (which
 * takes what it can); when the sender is gone and everything was read, the
 * reader sees EOF. Returns the bytes taken. */
static inline size_t fz_deliver(fz_net *net, int li, int side, size_t n) {
  fz_link *l = &net->l[li];
  fz_pipe *p = &l->pipe[side];
  int to = 1 - side, node = l->node[to];
  size_t moved = 0;
  if (node < 0) { /* the harness reads: discard */
    if (!p->len) return 0;
    moved = n < p->len ? n : p->len;
    memmove(p->q, p->q + moved, p->len - moved);
    p->len -= moved;
    return moved;
  }
  fz_node *x = &net->n[node];
  if (!l->conn[to]) {
    p->len = 0; /* nobody reads */
    return 0;
  }
  /* Input the engine left waits for its RESUME: never offered before. */
  while (moved < n && p->len && l->conn[to] && !p->held) {
    size_t k = n - moved < p->len ? n - moved : p->len;
    pn_recv_block why;
    ptrdiff_t got =
        pn_engine_recv(x->e, l->conn[to], p->q, k, fz_now(net), &why);
    if (fz_now(net) > x->now) x->now = fz_now(net);
    if (got < 0) sim_fail("recv: %s", pn_strerror((int)got));
    if ((size_t)got > k) sim_fail("recv took more than given");
    if ((size_t)got < k) {
      if (why != PN_RECV_POLL && why != PN_RECV_WAIT)
        sim_fail("recv took %zd of %zu without a cause", got, k);
      p->held = 1;
    } else if (why != PN_RECV_MORE) {
      sim_fail("recv took everything but says it is blocked");
    }
    memmove(p->q, p->q + got, p->len - (size_t)got);
    p->len -= (size_t)got;
    moved += (size_t)got;
    if (!net->manual[node]) fz_poll(net, node, 0);
  }
  if (l->gone[side] && !p->pend && !p->len && l->conn[to] &&
      l->node[side] >= 0) {
    fz_rec *r = fz_find(x, l->conn[to]);
    int rc = pn_engine_conn_closed(x->e, l->conn[to], fz_now(net));
    if (rc != PN_OK) sim_fail("conn_closed: %s", pn_strerror(rc));
    if (r) r->closed = 2;
    l->conn[to] = 0;
    l->gone[to] = 1;
    l->pipe[to].pend = NULL; /* its SEND died with it */
    if (!net->manual[node]) fz_poll(net, node, 0);
  }
  return moved;
}

/* Acks and delivers everything until nothing moves. */
static inline void fz_pump(fz_net *net) {
  for (int guard = 0; guard < 100000; guard++) {
    int any = 0;
    fz_poll_all(net);
    for (int i = 0; i < net->nl; i++)
      for (int s = 0; s < 2; s++) {
        fz_link *l = &net->l[i];
        if (l->node[s] >= 0 && l->pipe[s].pend)
          any |= fz_ack(net, i, s, SIZE_MAX);
        any |= fz_writable(net, i, s);
        size_t before = l->pipe[s].len;
        int had = l->conn[1 - s] != 0;
        fz_deliver(net, i, s, SIZE_MAX);
        if (l->pipe[s].len != before || had != (l->conn[1 - s] != 0)) any = 1;
      }
    if (!any) return;
  }
  sim_fail("pump does not settle");
}

static inline void fz_tick(fz_net *net, int node, pn_time now) {
  fz_node *x = &net->n[node];
  int rc = pn_engine_tick(x->e, now);
  if (rc != PN_OK) sim_fail("tick: %s", pn_strerror(rc));
  if (now > x->now) x->now = now;
  fz_poll(net, node, 0);
  /* A tick runs every timer due: none may stay due. */
  if (fz_deadline(x) <= x->now) {
    /* Events may hold a slot; only the heap matters here. */
    sim_fail("a deadline stays due after tick");
  }
}

/* Moves time to the earliest deadline (at most |until|), ticking and
 * pumping, until nothing is due before |until|. */
static inline void fz_run_until(fz_net *net, pn_time until) {
  for (int guard = 0; guard < 100000; guard++) {
    fz_pump(net);
    pn_time t = PN_TIME_NEVER;
    for (int i = 0; i < net->nn; i++) {
      pn_time d = fz_deadline(&net->n[i]);
      if (d < t) t = d;
    }
    if (t > until) {
      if (net->now < until) net->now = until;
      for (int i = 0; i < net->nn; i++)
        fz_tick(net, i, net->now);
      fz_pump(net);
      return;
    }
    if (t > net->now) net->now = t;
    for (int i = 0; i < net->nn; i++)
      fz_tick(net, i, net->now);
  }
  sim_fail("run_until: time does not settle");
}

/* With close_linger off, a closing connection waits for the peer's CLOSE
 * forever, and a corrupted stream never brings it: the driver's own
 * timeout then closes the transports, as a real driver's would. */
static inline void fz_drop_lingering(fz_net *net) {
  for (int i = 0; i < net->nl; i++)
    for (int s = 0; s < 2; s++) {
      fz_link *l = &net->l[i];
      int node = l->node[s];
      if (node < 0 || !l->conn[s] ||
          net->n[node].cfg.close_linger != PN_TIME_NEVER)
        continue;
      fz_node *x = &net->n[node];
      fz_rec *r = fz_find(x, l->conn[s]);
      int rc = pn_engine_conn_closed(x->e, l->conn[s], net->now);
      if (rc != PN_OK) sim_fail("conn_closed: %s", pn_strerror(rc));
      if (r) r->closed = 2;
      l->conn[s] = 0;
      l->gone[s] = 1;
      l->pipe[s].pend = NULL;
      fz_poll(net, node, 0);
    }
}

/* Shuts every engine down and runs until each reported CLOSED; then every
 * connection had exactly one end and nothing is left. */
static inline void fz_finish(fz_net *net) {
  net->skew = 0;
  for (int i = 0; i < net->nn; i++)
    net->manual[i] = 0;
  for (int i = 0; i < net->nl; i++)
    for (int s = 0; s < 2; s++) {
      net->l[i].pipe[s].corrupt_xor = 0;
      if (net->l[i].node[s] < 0) net->l[i].gone[s] = 1;
    }
  for (int i = 0; i < net->nn; i++) {
    net->n[i].shutdown = 1;
    int rc = pn_engine_shutdown(net->n[i].e, net->now);
    if (rc != PN_OK) sim_fail("shutdown: %s", pn_strerror(rc));
    fz_poll(net, i, 0);
  }
  /* Links whose far end is the harness: it closes its side too, now. */
  for (int i = 0; i < net->nl; i++)
    for (int s = 0; s < 2; s++)
      if (net->l[i].node[s] < 0) {
        fz_link *l = &net->l[i];
        int to = 1 - s;
        if (l->node[to] >= 0 && l->conn[to]) {
          fz_node *x = &net->n[l->node[to]];
          fz_rec *r = fz_find(x, l->conn[to]);
          int rc = pn_engine_conn_closed(x->e, l->conn[to], net->now);
          if (rc != PN_OK) sim_fail("conn_closed: %s", pn_strerror(rc));
          if (r) r->closed = 2;
          l->conn[to] = 0;
          l->pipe[to].pend = NULL;
        }
      }
  pn_time horizon = net->now + 3600 * PN_SEC;
  for (int round = 0; round < 64; round++) {
    int open = 0;
    for (int i = 0; i < net->nn; i++)
      open |= !net->n[i].closed;
    if (!open) break;
    fz_run_until(net, net->now + 60 * PN_SEC);
    if (net->now > horizon) break;
    if (round == 8) fz_drop_lingering(net);
  }
  for (int i = 0; i < net->nn; i++) {
    fz_node *x = &net->n[i];
    if (!x->closed) {
      pn_engine_mem m;
      pn_engine_memory(x->e, &m);
      sim_fail("engine %d never reported CLOSED (conns %zu, pool %zu, "
               "deadline %llu, now %llu)",
               i, m.conns, m.pool_in_use, (unsigned long long)fz_deadline(x),
               (unsigned long long)net->now);
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
}

#endif
