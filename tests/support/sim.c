/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* See sim.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_hooks.h"
#include "sim.h"

uint64_t sim_rand(uint64_t *s) {
  return pn_prng_next(s);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) check_fail("out of memory");
  return q;
}

void sim_put(uint8_t **buf, size_t *len, size_t *cap, const uint8_t *p,
             size_t n) {
  if (!n) return;
  if (*len + n > *cap) {
    *cap = 2 * (*len + n);
    *buf = xrealloc(*buf, *cap);
  }
  memcpy(*buf + *len, p, n);
  *len += n;
}

uint64_t sim_pool_budget(pn_engine_config *cfg, uint64_t slack) {
  uint64_t block = cfg->pool_block ? cfg->pool_block : 4096,
           keep = cfg->pool_budget;
  uint64_t lo = block, hi = (uint64_t)1 << 32;
  /* The smallest valid budget, by bisection on pn_engine_memsize. */
  cfg->pool_budget = hi;
  if (!pn_engine_memsize(cfg)) {
    cfg->pool_budget = keep;
    return 0;
  }
  while (lo + block <= hi) {
    uint64_t mid = lo + (hi - lo) / 2 / block * block;
    if (mid == lo) break;
    cfg->pool_budget = mid;
    if (pn_engine_memsize(cfg))
      hi = mid;
    else
      lo = mid;
  }
  cfg->pool_budget = keep;
  return hi + slack * block;
}

void sim_init(sim *s, int n, const pn_engine_config *cfg,
              const pn_engine_config *cfgs, uint64_t seed) {
  memset(s, 0, sizeof *s);
  /* PN_SIM_SEED varies every scenario's randomness at once (soak runs). */
  const char *env = getenv("PN_SIM_SEED");
  if (env) seed ^= strtoull(env, NULL, 10) * 0x9E3779B97F4A7C15ULL;
  s->rng = seed * 2654435761ULL + 1;
  s->nn = n;
  s->n = calloc((size_t)n, sizeof *s->n);
  s->now = 1000 * PN_SEC;
  for (int i = 0; i < n; i++) {
    sim_node *x = &s->n[i];
    x->rng.x = sim_rand(&s->rng);
    for (int k = 0; k < PN_NOISE_MAX_DHLEN; k++)
      x->priv[k] = (uint8_t)sim_rand(&s->rng);
    pn_engine_config c = cfgs ? cfgs[i] : *cfg;
    if (!c.static_private) {
      pn_protocol p;
      const char *name =
          c.protocol ? c.protocol : "Noise_XX_25519_ChaChaPoly_BLAKE2b";
      if (pn_protocol_parse(&p, name, strlen(name), PN_BACKEND_AUTO) != 0)
        check_fail("engine %d: protocol %s", i, name);
      c.static_private = x->priv;
      c.static_private_len = pn_protocol_dhlen(&p);
    }
    c.rng.fill = pn_prng_rng_fill;
    c.rng.user = &x->rng;
    x->cfg = c;
    int rc = pn_engine_new(&x->e, &c, s->now);
    if (rc != PN_OK) check_fail("engine %d: %s", i, pn_strerror(rc));
    pn_engine_local_id(x->e, &x->id);
    /* Every node accepts inbound connections. */
    if (pn_engine_listening(x->e, s->now) != PN_OK) check_fail("listening");
    sim_watch_input(&x->w, s->now);
  }
}

static void pipe_free(sim_pipe *p) {
  for (size_t i = 0; i < p->nseg; i++)
    free(p->seg[i].p);
  free(p->seg);
  sim_sendq_free(&p->tx);
  memset(p, 0, sizeof *p);
}

void sim_free(sim *s) {
  for (int i = 0; i < s->nn; i++) {
    pn_engine_free(s->n[i].e);
    for (size_t k = 0; k < s->n[i].nev; k++)
      free(s->n[i].ev[k].data);
    free(s->n[i].ev);
    sim_watch_free(&s->n[i].w);
  }
  for (size_t i = 0; i < s->nl; i++) {
    pipe_free(&s->l[i].pipe[0]);
    pipe_free(&s->l[i].pipe[1]);
    free(s->l[i].rawbuf);
  }
  free(s->l);
  free(s->n);
  memset(s, 0, sizeof *s);
}

static size_t new_link(sim *s) {
  if (s->nl == s->capl) {
    s->capl = s->capl ? 2 * s->capl : 16;
    s->l = xrealloc(s->l, s->capl * sizeof *s->l);
  }
  memset(&s->l[s->nl], 0, sizeof s->l[s->nl]);
  return s->nl++;
}

size_t sim_connect_keys(sim *s, int a, int b, const pn_peer_id *a_expects,
                        const pn_peer_id *b_expects) {
  size_t li = new_link(s);
  sim_link *l = &s->l[li];
  l->node[0] = a;
  l->node[1] = b;
  int rc =
      pn_engine_conn_open(s->n[a].e, PN_DIR_OUTBOUND, a_expects,
                          (void *)(uintptr_t)(li * 2), s->now, &l->conn[0]);
  if (rc != PN_OK) l->gone[0] = 1, l->conn[0] = 0;
  rc =
      pn_engine_conn_open(s->n[b].e, PN_DIR_INBOUND, b_expects,
                          (void *)(uintptr_t)(li * 2 + 1), s->now, &l->conn[1]);
  if (rc != PN_OK) l->gone[1] = 1, l->conn[1] = 0;
  sim_watch_input(&s->n[a].w, s->now);
  sim_watch_input(&s->n[b].w, s->now);
  return li;
}

size_t sim_connect(sim *s, int a, int b, int expect) {
  return sim_connect_keys(s, a, b, expect ? &s->n[b].id : NULL,
                          expect == 2 ? &s->n[a].id : NULL);
}

size_t sim_raw_inbound(sim *s, int b, int *rcp) {
  size_t li = new_link(s);
  sim_link *l = &s->l[li];
  l->node[0] = -1;
  l->node[1] = b;
  l->raw = 1;
  int rc =
      pn_engine_conn_open(s->n[b].e, PN_DIR_INBOUND, NULL,
                          (void *)(uintptr_t)(li * 2 + 1), s->now, &l->conn[1]);
  if (rc != PN_OK) l->gone[1] = 1, l->conn[1] = 0;
  sim_watch_input(&s->n[b].w, s->now);
  if (rcp) *rcp = rc;
  return li;
}

static void pipe_put(sim *s, sim_pipe *p, const uint8_t *d, size_t n) {
  if (!n) return;
  if (p->nseg == p->capseg) {
    p->capseg = p->capseg ? 2 * p->capseg : 8;
    p->seg = xrealloc(p->seg, p->capseg * sizeof *p->seg);
  }
  sim_seg *g = &p->seg[p->nseg++];
  g->p = xrealloc(NULL, n);
  memcpy(g->p, d, n);
  g->len = n;
  if (s->corrupt && sim_rand(&s->rng) % s->corrupt == 0)
    g->p[sim_rand(&s->rng) % n] ^= (uint8_t)(1u << (sim_rand(&s->rng) % 8));
  pn_time delay = s->max_delay ? sim_rand(&s->rng) % (s->max_delay + 1) : 0;
  g->at = s->now + delay;
  /* A stream keeps order: never arrive before the previous segment. */
  if (p->nseg > 1 && g->at < p->seg[p->nseg - 2].at)
    g->at = p->seg[p->nseg - 2].at;
}

void sim_raw_write(sim *s, size_t l, const uint8_t *p, size_t n) {
  pipe_put(s, &s->l[l].pipe[0], p, n);
}

const uint8_t *sim_raw_data(sim *s, size_t l, size_t *len) {
  *len = s->l[l].rawlen;
  return s->l[l].rawbuf;
}

void sim_raw_consume(sim *s, size_t l, size_t n) {
  sim_link *k = &s->l[l];
  memmove(k->rawbuf, k->rawbuf + n, k->rawlen - n);
  k->rawlen -= n;
}

void sim_raw_close(sim *s, size_t l) {
  s->l[l].gone[0] = 1;
}

static void log_event(sim_node *x, const pn_action *a) {
  if (x->nev == x->capev) {
    x->capev = x->capev ? 2 * x->capev : 64;
    x->ev = xrealloc(x->ev, x->capev * sizeof *x->ev);
  }
  sim_event *v = &x->ev[x->nev++];
  sim_event_view(&a->event, v);
  v->conn = a->conn;
  const uint8_t *data = v->data;
  v->data = NULL;
  if (data && v->len) {
    v->data = xrealloc(NULL, v->len);
    memcpy(v->data, data, v->len);
  }
}

static sim_link *link_of(sim *s, const pn_action *a, int *side) {
  uintptr_t u = (uintptr_t)a->user;
  *side = (int)(u & 1);
  return &s->l[u / 2];
}

/* Offers the pending SEND of pipe |p| to the network when unblocked. */
static int flush_send(sim *s, sim_link *l, int side) {
  sim_pipe *p = &l->pipe[side];
  if (!p->tx.pend || p->blocked) return 0;
  sim_node *x = &s->n[l->node[side]];
  size_t n = p->tx.pend_len;
  if (s->partial_acks && n > 1 && sim_rand(&s->rng) % 3 == 0)
    n = 1 + sim_rand(&s->rng) % (n - 1);
  pipe_put(s, p, p->tx.pend, n);
  sim_check_acked(&p->tx, n);
  int rc = pn_engine_sent(x->e, l->conn[side], n, s->now);
  sim_watch_input(&x->w, s->now);
  if (rc != PN_OK) check_fail("sent: %s", pn_strerror(rc));
  return 1;
}

static int poll_node(sim *s, int i) {
  sim_node *x = &s->n[i];
  pn_action a;
  int any = 0, rc;
  while ((rc = pn_engine_poll(x->e, &a)) == 1) {
    any = 1;
    int side = 0;
    sim_link *l = NULL;
    if (a.conn) {
      /* The connection's link end. After its CLOSE, or once the driver
       * closed it, only the events that report its end may name it. */
      l = link_of(s, &a, &side);
      if (l->node[side] != i) check_fail("action user pointer");
      if (l->conn[side] != a.conn && a.type != PN_ACTION_EVENT)
        check_fail("action %d for a closed conn", (int)a.type);
    }
    sim_event v;
    sim_event_view(&a.event, &v);
    if (a.type != PN_ACTION_EVENT) v.type = (pn_event_type)0;
    sim_watch_action(&x->w, x->e, &a, &v, &x->cfg);
    switch (a.type) {
    case PN_ACTION_SEND:
      sim_check_send(&l->pipe[side].tx, &a);
      flush_send(s, l, side);
      break;
    case PN_ACTION_CLOSE:
      l->gone[side] = 1;
      l->conn[side] = 0;
      sim_sendq_reset(&l->pipe[side].tx);
      l->held[side] = 0;
      break;
    case PN_ACTION_RESUME:
      l->held[side] = 0;
      s->resumes++;
      break;
    case PN_ACTION_EVENT:
      log_event(x, &a);
      break;
    case PN_ACTION_DEADLINE: /* sim_watch_action keeps it */
    case PN_ACTION_NONE:
      break;
    }
  }
  if (rc < 0) check_fail("poll: %s", pn_strerror(rc));
  sim_watch_drained(&x->w, x->e, &x->cfg, i);
  return any;
}

void sim_poll_all(sim *s) {
  for (int i = 0; i < s->nn; i++)
    poll_node(s, i);
}

/* Delivers what has arrived on pipe |side| of |l| to the other side. */
static int deliver(sim *s, sim_link *l, int side) {
  sim_pipe *p = &l->pipe[side];
  int to = 1 - side, any = 0;
  if (p->blocked) return 0;
  if (l->raw && to == 0) {
    /* The test reads: keep everything that arrived. */
    while (p->nseg && p->seg[0].at <= s->now) {
      sim_seg *g = &p->seg[0];
      if (l->rawlen + g->len > l->rawcap) {
        l->rawcap = 2 * (l->rawlen + g->len);
        l->rawbuf = xrealloc(l->rawbuf, l->rawcap);
      }
      memcpy(l->rawbuf + l->rawlen, g->p, g->len);
      l->rawlen += g->len;
      free(g->p);
      memmove(p->seg, p->seg + 1, (p->nseg - 1) * sizeof *p->seg);
      p->nseg--;
      any = 1;
    }
  } else if (!l->conn[to]) {
    /* Nobody reads: drop. */
    if (p->nseg) {
      for (size_t i = 0; i < p->nseg; i++)
        free(p->seg[i].p);
      p->nseg = 0;
    }
  } else {
    sim_node *x = &s->n[l->node[to]];
    /* Held input moves only after its RESUME. */
    while (p->nseg && p->seg[0].at <= s->now && l->conn[to] && !l->held[to]) {
      /* Coalesce arrived segments, then split at random. */
      size_t total = 0, k = 0;
      while (k < p->nseg && p->seg[k].at <= s->now)
        total += p->seg[k++].len;
      size_t n = total;
      if (s->max_split && n > s->max_split) n = s->max_split;
      if (n > 1 && sim_rand(&s->rng) % 2) n = 1 + sim_rand(&s->rng) % n;
      uint8_t *buf = xrealloc(NULL, n);
      size_t off = 0;
      for (size_t j = 0; off < n; j++) {
        size_t m = p->seg[j].len < n - off ? p->seg[j].len : n - off;
        memcpy(buf + off, p->seg[j].p, m);
        off += m;
      }
      pn_recv_block why;
      ptrdiff_t got = pn_engine_recv(x->e, l->conn[to], buf, n, s->now, &why);
      sim_watch_input(&x->w, s->now);
      free(buf);
      if (got < 0) check_fail("recv: %s", pn_strerror((int)got));
      if ((size_t)got > n) check_fail("recv took more than given");
      size_t t = (size_t)got;
      while (t) {
        sim_seg *g = &p->seg[0];
        if (g->len <= t) {
          t -= g->len;
          free(g->p);
          memmove(p->seg, p->seg + 1, (p->nseg - 1) * sizeof *p->seg);
          p->nseg--;
        } else {
          memmove(g->p, g->p + t, g->len - t);
          g->len -= t;
          t = 0;
        }
      }
      if ((size_t)got < n) {
        if (why == PN_RECV_MORE)
          check_fail("recv took %zd of %zu without a cause", got, n);
        l->held[to] = 1; /* until the RESUME, which poll_node may see */
      }
      poll_node(s, l->node[to]);
      if (got) any = 1;
    }
  }
  /* The sender closed and everything arrived: the reader sees EOF. */
  if (l->gone[side] && !p->nseg && l->conn[to] && !(l->raw && to == 0)) {
    sim_node *x = &s->n[l->node[to]];
    int rc = pn_engine_conn_closed(x->e, l->conn[to], s->now);
    sim_watch_input(&x->w, s->now);
    if (rc != PN_OK) check_fail("conn_closed: %s", pn_strerror(rc));
    l->conn[to] = 0;
    l->gone[to] = 1;
    poll_node(s, l->node[to]);
    any = 1;
  }
  return any;
}

int sim_step(sim *s) {
  int any = 0;
  s->steps++;
  for (int i = 0; i < s->nn; i++)
    any |= poll_node(s, i);
  for (size_t i = 0; i < s->nl; i++) {
    sim_link *l = &s->l[i];
    for (int side = 0; side < 2; side++) {
      /* The transport drained what a partial write left: writable. */
      sim_pipe *p = &l->pipe[side];
      if (p->tx.wblocked && !p->blocked && l->conn[side]) {
        sim_node *x = &s->n[l->node[side]];
        p->tx.wblocked = 0;
        if (pn_engine_writable(x->e, l->conn[side], s->now))
          check_fail("writable");
        sim_watch_input(&x->w, s->now);
        any = 1;
      }
      if (!(l->raw && side == 0)) any |= flush_send(s, l, side);
      any |= deliver(s, l, side);
    }
  }
  return any;
}

/* The next time something can happen: a deadline, or an arrival still in
 * the future (arrived bytes that were not taken are retried by each step;
 * they do not make time stand still). */
static pn_time next_time(const sim *s) {
  pn_time t = PN_TIME_NEVER;
  for (int i = 0; i < s->nn; i++)
    if (sim_watch_deadline(&s->n[i].w) < t) t = sim_watch_deadline(&s->n[i].w);
  for (size_t i = 0; i < s->nl; i++)
    for (int side = 0; side < 2; side++) {
      const sim_pipe *p = &s->l[i].pipe[side];
      if (p->blocked) continue;
      for (size_t k = 0; k < p->nseg; k++)
        if (p->seg[k].at > s->now) {
          if (p->seg[k].at < t) t = p->seg[k].at;
          break;
        }
    }
  return t;
}

static void tick_all(sim *s) {
  for (int i = 0; i < s->nn; i++) {
    if (pn_engine_tick(s->n[i].e, s->now) != PN_OK) check_fail("tick");
    sim_watch_input(&s->n[i].w, s->now);
  }
}

void sim_run_until(sim *s, pn_time until) {
  int due_rounds = 0;
  for (;;) {
    int guard = 0;
    while (sim_step(s) && ++guard < 100000) {
    }
    pn_time t = next_time(s);
    if (t <= s->now) {
      /* Due now: tick; an engine must not stay due after a tick. */
      if (++due_rounds > 1000) check_fail("a deadline stays due");
      tick_all(s);
      continue;
    }
    due_rounds = 0;
    if (t > until) {
      if (s->now < until) s->now = until;
      tick_all(s);
      while (sim_step(s) && ++guard < 200000) {
      }
      return;
    }
    s->now = t;
    tick_all(s);
  }
}

void sim_settle(sim *s) {
  /* Long enough for handshakes, flushes and lingering closes, not for
   * idle timeouts (60 s by default). */
  sim_run_until(s, s->now + 5 * PN_SEC);
}

size_t sim_count(const sim *s, int node, pn_event_type type) {
  size_t n = 0;
  for (size_t i = 0; i < s->n[node].nev; i++)
    if (s->n[node].ev[i].type == type) n++;
  return n;
}

size_t sim_count_reason(const sim *s, int node, pn_event_type type,
                        pn_reason r) {
  size_t n = 0;
  for (size_t i = 0; i < s->n[node].nev; i++)
    if (s->n[node].ev[i].type == type && s->n[node].ev[i].reason == r) n++;
  return n;
}

size_t sim_count_from(const sim *s, int node, int peer) {
  size_t n = 0;
  for (size_t i = 0; i < s->n[node].nev; i++)
    if (s->n[node].ev[i].type == PN_EVENT_MESSAGE &&
        pn_peer_id_equal(&s->n[node].ev[i].peer, &s->n[peer].id))
      n++;
  return n;
}

size_t sim_count_in_order(const sim *s, int node, int peer) {
  size_t want = 0;
  for (size_t i = 0; i < s->n[node].nev; i++) {
    const sim_event *v = &s->n[node].ev[i];
    if (v->type != PN_EVENT_MESSAGE ||
        !pn_peer_id_equal(&v->peer, &s->n[peer].id))
      continue;
    char head[64] = {0};
    memcpy(head, v->data, v->len < 63 ? v->len : 63);
    const char *sp = strchr(head, ' ');
    if (!sp || strtoull(sp + 1, NULL, 10) != want) break;
    want++;
  }
  return want;
}

int sim_finish(sim *s) {
  for (size_t i = 0; i < s->nl; i++) {
    s->l[i].pipe[0].blocked = s->l[i].pipe[1].blocked = 0;
    if (s->l[i].raw) s->l[i].gone[0] = 1;
  }
  for (int i = 0; i < s->nn; i++) {
    if (pn_engine_shutdown(s->n[i].e, s->now) != PN_OK) return -1;
    sim_watch_input(&s->n[i].w, s->now);
  }
  sim_run_until(s, s->now + 120 * PN_SEC);
  int bad = 0;
  for (int i = 0; i < s->nn; i++) {
    pn_engine *e = s->n[i].e;
    /* Every peer that connected was reported gone. */
    size_t up = sim_count(s, i, PN_EVENT_PEER_CONNECTED),
           down = sim_count(s, i, PN_EVENT_PEER_DISCONNECTED);
    if (up != down) {
      fprintf(stderr, "sim: engine %d: %zu CONNECTED, %zu DISCONNECTED\n", i,
              up, down);
      bad = 1;
    }
    if (!s->n[i].w.closed || pn_engine_test_conns(e) ||
        pn_engine_test_handshakes(e) || pn_engine_peer_count(e) ||
        pn_engine_test_pool_blocks_used(e)) {
      fprintf(stderr,
              "sim: engine %d leaked: closed %d conns %zu hs %zu peers %zu "
              "blocks %zu\n",
              i, s->n[i].w.closed, pn_engine_test_conns(e),
              pn_engine_test_handshakes(e), pn_engine_peer_count(e),
              pn_engine_test_pool_blocks_used(e));
      bad = 1;
    }
  }
  return bad ? -1 : 0;
}
