/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The simulator's manual mode (see sim.h): the caller moves every byte and
 * every tick; the contract is checked by sim_check.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

void sim_man_free(sim_man *net) {
  for (int i = 0; i < net->nn; i++) {
    pn_engine_free(net->n[i].e);
    sim_watch_free(&net->n[i].w);
  }
  for (int i = 0; i < net->nl; i++)
    for (int s = 0; s < 2; s++) {
      free(net->l[i].pipe[s].q);
      sim_sendq_free(&net->l[i].pipe[s].tx);
    }
  memset(net, 0, sizeof *net);
}

sim_man_rec *sim_man_find(sim_man_node *x, pn_conn_id id) {
  /* Newest first: an id may be reused once its connection ended. */
  for (int i = x->nrec - 1; i >= 0; i--)
    if (x->rec[i].id == id) return &x->rec[i];
  return NULL;
}

/* The user pointer of side |side| of link |li|: never NULL. */
static void *user_of(int li, int side) {
  return (void *)(uintptr_t)(2 * (size_t)li + 1 + side);
}

int sim_man_open(sim_man *net, int node, int li, int side,
                 const pn_peer_id *expected) {
  sim_man_node *x = &net->n[node];
  sim_man_link *l = &net->l[li];
  pn_conn_id id = 0;
  if (side && !x->listening) {
    /* A driver that takes inbound connections listens first. */
    int lrc = pn_engine_listening(x->e, sim_man_now(net));
    sim_watch_input(&x->w, sim_man_now(net));
    if (lrc != PN_OK && lrc != PN_ERR_SHUTDOWN)
      check_fail("listening: %s", pn_strerror(lrc));
    x->listening = 1;
  }
  int rc =
      pn_engine_conn_open(x->e, side ? PN_DIR_INBOUND : PN_DIR_OUTBOUND,
                          expected, user_of(li, side), sim_man_now(net), &id);
  sim_watch_input(&x->w, sim_man_now(net));
  if (rc != PN_OK) {
    if (id != 0) check_fail("conn_open failed but gave an id");
    l->gone[side] = 1;
    return rc;
  }
  if (id == 0 || sim_man_find(x, id))
    check_fail("conn_open: id 0 or reused live");
  if (x->nrec == SIM_MAN_MAX_RECS) check_fail("harness: too many connections");
  sim_man_rec *r = &x->rec[x->nrec++];
  memset(r, 0, sizeof *r);
  r->id = id;
  r->link = li;
  r->side = side;
  l->conn[side] = id;
  return rc;
}

int sim_man_link_new(sim_man *net, int a, int b) {
  if (net->nl == SIM_MAN_MAX_LINKS) return -1;
  int li = net->nl++;
  sim_man_link *l = &net->l[li];
  memset(l, 0, sizeof *l);
  l->node[0] = a;
  l->node[1] = b;
  return li;
}

int sim_man_poll(sim_man *net, int node, int max) {
  sim_man_node *x = &net->n[node];
  int got = 0;
  for (;;) {
    if (max && got >= max) break;
    pn_action a;
    int rc = pn_engine_poll(x->e, &a);
    if (rc < 0) check_fail("poll: %s", pn_strerror(rc));
    if (rc == 0) break;
    if (rc != 1) check_fail("poll returned %d", rc);
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
    sim_man_rec *r = sim_check_action(x, &a, &fe);
    /* The driver's side of the action, once it passed the checks. */
    if (a.type == PN_ACTION_SEND) {
      sim_check_send(&net->l[r->link].pipe[r->side].tx, &a);
    } else if (a.type == PN_ACTION_CLOSE) {
      sim_man_link *l = &net->l[r->link];
      l->gone[r->side] = 1;
      l->conn[r->side] = 0;
      sim_sendq_reset(&l->pipe[r->side].tx);
    } else if (a.type == PN_ACTION_RESUME) {
      /* Input held for this connection moves again. */
      net->l[r->link].pipe[1 - r->side].held = 0;
    }
    if (net->hook) net->hook(net, node, &a);
  }
  if (!max || got < max)
    sim_watch_drained(&x->w, x->e, &x->cfg, node);
  else
    sim_check_memory(x->e, &x->cfg);
  return got;
}

void sim_man_poll_all(sim_man *net) {
  for (int i = 0; i < net->nn; i++)
    sim_man_poll(net, i, 0);
}

int sim_man_ack(sim_man *net, int li, int side, size_t n) {
  sim_man_link *l = &net->l[li];
  sim_man_pipe *p = &l->pipe[side];
  if (!p->tx.pend || l->node[side] < 0 || !l->conn[side]) return 0;
  sim_man_node *x = &net->n[l->node[side]];
  if (n > p->tx.pend_len) n = p->tx.pend_len;
  sim_put(&p->q, &p->len, &p->cap, p->tx.pend, n);
  sim_check_acked(&p->tx, n);
  if (p->corrupt_xor && p->corrupt_at >= p->written &&
      p->corrupt_at - p->written < n) {
    p->q[p->len - n + (size_t)(p->corrupt_at - p->written)] ^= p->corrupt_xor;
    p->corrupted = 1;
  }
  p->written += n;
  int rc = pn_engine_sent(x->e, l->conn[side], n, sim_man_now(net));
  sim_watch_input(&x->w, sim_man_now(net));
  if (rc != PN_OK) check_fail("sent: %s", pn_strerror(rc));
  if (!net->manual[l->node[side]]) sim_man_poll(net, l->node[side], 0);
  return 1;
}

int sim_man_writable(sim_man *net, int li, int side) {
  sim_man_link *l = &net->l[li];
  sim_man_pipe *p = &l->pipe[side];
  if (!p->tx.wblocked || l->node[side] < 0 || !l->conn[side]) return 0;
  p->tx.wblocked = 0;
  sim_man_node *x = &net->n[l->node[side]];
  int rc = pn_engine_writable(x->e, l->conn[side], sim_man_now(net));
  sim_watch_input(&x->w, sim_man_now(net));
  if (rc != PN_OK) check_fail("writable: %s", pn_strerror(rc));
  if (!net->manual[l->node[side]]) sim_man_poll(net, l->node[side], 0);
  return 1;
}

/* The driver closed the transport of |side| of |li| (EOF, its timeout or
 * its shutdown): the engine hears conn_closed; the unacked SEND dies. */
static void driver_close(sim_man *net, int li, int side, pn_time now) {
  sim_man_link *l = &net->l[li];
  sim_man_node *x = &net->n[l->node[side]];
  sim_man_rec *r = sim_man_find(x, l->conn[side]);
  int rc = pn_engine_conn_closed(x->e, l->conn[side], now);
  sim_watch_input(&x->w, now);
  if (rc != PN_OK) check_fail("conn_closed: %s", pn_strerror(rc));
  if (r) r->closed = 2;
  l->conn[side] = 0;
  sim_sendq_reset(&l->pipe[side].tx);
}

size_t sim_man_deliver(sim_man *net, int li, int side, size_t n) {
  sim_man_link *l = &net->l[li];
  sim_man_pipe *p = &l->pipe[side];
  int to = 1 - side, node = l->node[to];
  size_t moved = 0;
  if (node < 0) { /* the caller reads: discard */
    if (!p->len) return 0;
    moved = n < p->len ? n : p->len;
    memmove(p->q, p->q + moved, p->len - moved);
    p->len -= moved;
    return moved;
  }
  sim_man_node *x = &net->n[node];
  if (!l->conn[to]) {
    p->len = 0; /* nobody reads */
    return 0;
  }
  /* Input the engine left waits for its RESUME: never offered before. */
  while (moved < n && p->len && l->conn[to] && !p->held) {
    size_t k = n - moved < p->len ? n - moved : p->len;
    pn_recv_block why;
    ptrdiff_t got =
        pn_engine_recv(x->e, l->conn[to], p->q, k, sim_man_now(net), &why);
    sim_watch_input(&x->w, sim_man_now(net));
    if (got < 0) check_fail("recv: %s", pn_strerror((int)got));
    if ((size_t)got > k) check_fail("recv took more than given");
    if ((size_t)got < k) {
      if (why != PN_RECV_POLL && why != PN_RECV_WAIT)
        check_fail("recv took %zd of %zu without a cause", got, k);
      p->held = 1;
    } else if (why != PN_RECV_MORE) {
      check_fail("recv took everything but says it is blocked");
    }
    memmove(p->q, p->q + got, p->len - (size_t)got);
    p->len -= (size_t)got;
    moved += (size_t)got;
    if (!net->manual[node]) sim_man_poll(net, node, 0);
  }
  if (l->gone[side] && !p->tx.pend && !p->len && l->conn[to] &&
      l->node[side] >= 0) {
    driver_close(net, li, to, sim_man_now(net));
    l->gone[to] = 1;
    if (!net->manual[node]) sim_man_poll(net, node, 0);
  }
  return moved;
}

void sim_man_pump(sim_man *net) {
  for (int guard = 0; guard < 100000; guard++) {
    int any = 0;
    sim_man_poll_all(net);
    for (int i = 0; i < net->nl; i++)
      for (int s = 0; s < 2; s++) {
        sim_man_link *l = &net->l[i];
        if (l->node[s] >= 0 && l->pipe[s].tx.pend)
          any |= sim_man_ack(net, i, s, SIZE_MAX);
        any |= sim_man_writable(net, i, s);
        size_t before = l->pipe[s].len;
        int had = l->conn[1 - s] != 0;
        sim_man_deliver(net, i, s, SIZE_MAX);
        if (l->pipe[s].len != before || had != (l->conn[1 - s] != 0)) any = 1;
      }
    if (!any) return;
  }
  check_fail("pump does not settle");
}

void sim_man_tick(sim_man *net, int node, pn_time now) {
  sim_man_node *x = &net->n[node];
  int rc = pn_engine_tick(x->e, now);
  if (rc != PN_OK) check_fail("tick: %s", pn_strerror(rc));
  sim_watch_input(&x->w, now);
  sim_man_poll(net, node, 0);
  /* A tick runs every timer due: none may stay due. */
  if (sim_watch_deadline(&x->w) <= x->w.now)
    check_fail("a deadline stays due after tick");
}

void sim_man_run_until(sim_man *net, pn_time until) {
  for (int guard = 0; guard < 100000; guard++) {
    sim_man_pump(net);
    pn_time t = PN_TIME_NEVER;
    for (int i = 0; i < net->nn; i++) {
      pn_time d = sim_watch_deadline(&net->n[i].w);
      if (d < t) t = d;
    }
    if (t > until) {
      if (net->now < until) net->now = until;
      for (int i = 0; i < net->nn; i++)
        sim_man_tick(net, i, net->now);
      sim_man_pump(net);
      return;
    }
    if (t > net->now) net->now = t;
    for (int i = 0; i < net->nn; i++)
      sim_man_tick(net, i, net->now);
  }
  check_fail("run_until: time does not settle");
}

/* With close_linger off, a closing connection waits for the peer's CLOSE
 * forever, and a corrupted stream never brings it: the driver's own
 * timeout then closes the transports, as a real driver's would. */
static void drop_lingering(sim_man *net) {
  for (int i = 0; i < net->nl; i++)
    for (int s = 0; s < 2; s++) {
      sim_man_link *l = &net->l[i];
      int node = l->node[s];
      if (node < 0 || !l->conn[s] ||
          net->n[node].cfg.close_linger != PN_TIME_NEVER)
        continue;
      driver_close(net, i, s, net->now);
      l->gone[s] = 1;
      sim_man_poll(net, node, 0);
    }
}

void sim_man_finish(sim_man *net) {
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
    sim_watch_input(&net->n[i].w, net->now);
    if (rc != PN_OK) check_fail("shutdown: %s", pn_strerror(rc));
    sim_man_poll(net, i, 0);
  }
  /* Links whose far end is the caller: it closes its side too, now. */
  for (int i = 0; i < net->nl; i++)
    for (int s = 0; s < 2; s++) {
      sim_man_link *l = &net->l[i];
      if (l->node[s] < 0 && l->node[1 - s] >= 0 && l->conn[1 - s])
        driver_close(net, i, 1 - s, net->now);
    }
  pn_time horizon = net->now + 3600 * PN_SEC;
  for (int round = 0; round < 64; round++) {
    int open = 0;
    for (int i = 0; i < net->nn; i++)
      open |= !net->n[i].w.closed;
    if (!open) break;
    sim_man_run_until(net, net->now + 60 * PN_SEC);
    if (net->now > horizon) break;
    if (round == 8) drop_lingering(net);
  }
  for (int i = 0; i < net->nn; i++)
    sim_check_finished(&net->n[i], i, net->now);
}
