/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Flow control (flow.h). */
#include "flow.h"
#include "conn.h"

/* |c|'s queues now hold |d| blocks more (or fewer). */
static void account(pn_engine *e, pn_conn *c, int64_t d) {
  if (!d) return;
  uint32_t before = c->blocks;
  c->blocks = (uint32_t)((int64_t)c->blocks + d);
  if (c->flags & CF_HS_CLASS) {
    e->hs_blocks = (uint32_t)((int64_t)e->hs_blocks + d);
  } else if (!before) {
    e->nholders++;
  } else if (!c->blocks) {
    e->nholders--;
  }
}

/* The blocks established connections may share, and |c|'s fair part of
 * them: divided among those holding any, |c| included. */
static uint32_t fair_share(const pn_engine *e, const pn_conn *c) {
  uint32_t kept = e->close_reserve + e->hs_reserve;
  uint32_t shared = e->pool.nblocks > kept ? e->pool.nblocks - kept : 0;
  uint32_t holders = e->nholders + (c->blocks ? 0 : 1);
  return shared / holders;
}

/* The established connection other than |c| holding the most, if that is
 * over |share|. Only looked for under pressure. */
static pn_conn *largest_over(pn_engine *e, const pn_conn *c, uint32_t share) {
  pn_conn *best = NULL;
  for (uint32_t i = 0; i < e->max_conns; i++) {
    pn_conn *o = &e->conns[i];
    if (o == c || (o->flags & CF_HS_CLASS) || o->blocks <= share) continue;
    if (o->state == CS_FREE || o->state == CS_CLOSED || o->state == CS_DEAD)
      continue;
    if (!best || o->blocks > best->blocks) best = o;
  }
  return best;
}

static int reserve(pn_engine *e, pn_conn *c, pn_bq *q, size_t n,
                   uint32_t keep) {
  uint32_t before = pn_bq_blocks(&e->pool, q);
  int rc = pn_bq_reserve(&e->pool, q, n, keep);
  account(e, c, (int64_t)pn_bq_blocks(&e->pool, q) - before);
  return rc;
}

int pn_flow_reserve(pn_engine *e, pn_conn *c, pn_bq *q, size_t n,
                    int privileged) {
  uint32_t want = pn_bq_want(&e->pool, q, n);
  if (!want) return PN_OK;
  uint32_t hs_left =
      e->hs_reserve > e->hs_blocks ? e->hs_reserve - e->hs_blocks : 0;
  if (c->flags & CF_HS_CLASS) return reserve(e, c, q, n, e->close_reserve);
  if (privileged) return reserve(e, c, q, n, hs_left);
  uint32_t keep = e->close_reserve + hs_left;
  for (;;) {
    if (reserve(e, c, q, n, keep) == PN_OK) return PN_OK;
    /* Short: a connection over its share is refused (its caller holds
     * input back or applies the overflow policy); one within its share
     * gets the memory of the largest holder over its share. */
    uint32_t share = fair_share(e, c);
    if ((uint64_t)c->blocks + want > share) return PN_ERR_OVERFLOW;
    pn_conn *v = largest_over(e, c, share);
    if (!v) return PN_ERR_OVERFLOW;
    pn_conn_drop(e, v, PN_REASON_MEMORY_PRESSURE);
  }
}

/* The connection other than |c| holding the most while it waits for room
 * itself (its input held back), if any. */
static pn_conn *largest_waiting(pn_engine *e, const pn_conn *c) {
  pn_conn *best = NULL;
  for (uint32_t i = e->held.head; i != PN_NIL; i = e->conns[i].h.next) {
    pn_conn *o = &e->conns[i];
    if (o == c || o->hold != HOLD_WAIT || (o->flags & CF_HS_CLASS) ||
        !o->blocks)
      continue;
    if (!best || o->blocks > best->blocks) best = o;
  }
  return best;
}

int pn_flow_reserve_rx(pn_engine *e, pn_conn *c, pn_bq *q, size_t n,
                       int finishing) {
  if (pn_flow_reserve(e, c, q, n, finishing) == PN_OK) return PN_OK;
  if (c->rx_state != RXS_REASM || (c->flags & CF_HS_CLASS))
    return PN_ERR_OVERFLOW;
  /* Messages being reassembled can wait for each other for good, each
   * holding part of the pool. One of them leads: it goes on at the cost of
   * the largest connection that is stuck waiting for room, the others wait
   * behind it. */
  pn_conn *lead = e->reasm_lead != PN_NIL ? &e->conns[e->reasm_lead] : NULL;
  if (lead && lead != c && lead->rx_state == RXS_REASM && lead->reasm.len)
    return PN_ERR_OVERFLOW;
  e->reasm_lead = pn_conn_slot(e, c);
  for (;;) {
    pn_conn *v = largest_waiting(e, c);
    if (!v) return PN_ERR_OVERFLOW;
    pn_conn_drop(e, v, PN_REASON_MEMORY_PRESSURE);
    if (pn_flow_reserve(e, c, q, n, finishing) == PN_OK) return PN_OK;
  }
}

void pn_flow_consume(pn_engine *e, pn_conn *c, pn_bq *q, size_t n) {
  uint32_t before = pn_bq_blocks(&e->pool, q);
  pn_bq_consume(&e->pool, q, n);
  account(e, c, (int64_t)pn_bq_blocks(&e->pool, q) - before);
}

void pn_flow_clear(pn_engine *e, pn_conn *c, pn_bq *q) {
  account(e, c, -(int64_t)pn_bq_blocks(&e->pool, q));
  pn_bq_clear(&e->pool, q);
}

void pn_flow_truncate(pn_engine *e, pn_conn *c, pn_bq *q, size_t keep) {
  uint32_t before = pn_bq_blocks(&e->pool, q);
  pn_bq_truncate(&e->pool, q, keep);
  account(e, c, (int64_t)pn_bq_blocks(&e->pool, q) - before);
}

void pn_flow_handshake_done(pn_engine *e, pn_conn *c) {
  if (!(c->flags & CF_HS_CLASS)) return;
  e->hs_blocks -= c->blocks;
  c->flags &= ~(uint32_t)CF_HS_CLASS;
  if (c->blocks) e->nholders++;
}

int pn_flow_peer_rekey_ok(pn_engine *e, pn_conn *c) {
  /* A rate of peer_rekey_limit a minute with a burst of as many (GCRA):
   * each REKEY moves the theoretical arrival time on by one interval, and
   * one more than a minute ahead of now is over the rate. */
  if (e->peer_rekey_limit == UINT32_MAX) return 1;
  pn_time t = PN_PEER_REKEY_WINDOW / e->peer_rekey_limit;
  pn_time tat = c->rekey_tat > e->now ? c->rekey_tat : e->now;
  if (tat - e->now > PN_PEER_REKEY_WINDOW - t) return 0;
  c->rekey_tat = tat + t;
  return 1;
}
