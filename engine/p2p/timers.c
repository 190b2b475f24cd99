/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The timers, and the protocol events that drive them:
 *
 * - Handshake timeout: a connection that is not established
 *   handshake_timeout after it opened is REJECTED (HANDSHAKE_TIMEOUT).
 * - Idle timeout: an established peer from which nothing authenticated
 *   arrived for idle_timeout is closed (IDLE_TIMEOUT).
 * - Keepalive: when nothing was queued to a peer for keepalive_interval, a
 *   KEEPALIVE frame is (framed profile); not while output waits, which
 *   proves liveness once it moves.
 * - Send progress: output queued to a peer that sees no byte acknowledged
 *   for send_timeout closes it (SEND_TIMEOUT).
 * - Receive progress: a chunked message that gets no chunk for
 *   recv_timeout closes the peer (RECEIVE_STALLED). A peer's KEEPALIVE
 *   resets the idle timer only, never these two.
 * - Rekey: a sending key older than rekey_interval is replaced, after a
 *   REKEY frame (framed profile); the message count is checked per send.
 * - Close linger: a closing connection whose CLOSE exchange has not ended
 *   close_linger after it began is closed anyway (a duplicate waits for
 *   handshake_timeout instead, while the peer moves to the survivor).
 * - Duplicate wait: a routed connection the peer closed as a duplicate is
 *   given up handshake_timeout later if no survivor came.
 *
 * Each connection has one heap entry: the earliest of its timers. The
 * functions below are named after the events; none scans other
 * connections.
 */
#include "conn.h"
#include "frame.h"
#include "timers.h"
#include "tx.h"

static pn_time min_t(pn_time a, pn_time b) {
  return a < b ? a : b;
}

static int output_waits(const pn_engine *e, const pn_conn *c) {
  return c->inflight || pn_tx_queued(e, c);
}

static pn_time conn_deadline(const pn_engine *e, const pn_conn *c) {
  switch (c->state) {
  case CS_HANDSHAKE:
    return pn_time_add(c->opened, e->hs_timeout);
  case CS_PEER:
  case CS_SUPERSEDED: {
    pn_time d = pn_time_add(c->last_rx, e->idle_timeout);
    if (e->profile == PN_PROFILE_FRAMED) {
      d = min_t(d, pn_time_add(c->last_tx, e->keepalive));
      d = min_t(d, pn_time_add(c->last_rekey, e->rekey_interval));
      if (c->rx_state != RXS_IDLE)
        d = min_t(d, pn_time_add(c->rx_progress_at, e->recv_timeout));
    }
    if (output_waits(e, c))
      d = min_t(d, pn_time_add(c->tx_progress_at, e->send_timeout));
    if (c->state == CS_SUPERSEDED) d = min_t(d, c->dup_at);
    return d;
  }
  case CS_CLOSING:
  case CS_DRAINING:
    return c->close_at;
  default:
    return PN_TIME_NEVER;
  }
}

void pn_timers_resched(pn_engine *e, pn_conn *c) {
  pn_heap_lower(&e->timers, pn_conn_slot(e, c), conn_deadline(e, c));
}

void pn_timers_handshake_started(pn_engine *e, pn_conn *c) {
  c->opened = c->last_rx = c->last_tx = e->now;
  pn_timers_resched(e, c);
}

void pn_timers_session_started(pn_engine *e, pn_conn *c) {
  c->since = c->last_rx = c->last_tx = c->last_rekey = e->now;
  c->tx_progress_at = e->now;
}

void pn_timers_any_frame_queued(pn_engine *e, pn_conn *c, int was_idle) {
  c->last_tx = e->now;
  if (was_idle) c->tx_progress_at = e->now;
}

void pn_timers_output_acked(pn_engine *e, pn_conn *c) {
  c->tx_progress_at = e->now; /* a later deadline: caught up lazily */
}

void pn_timers_authenticated_received(pn_engine *e, pn_conn *c) {
  c->last_rx = e->now; /* a later deadline: the heap catches up lazily */
}

void pn_timers_key_rotated(pn_engine *e, pn_conn *c) {
  c->last_rekey = e->now;
}

/* The handshake timeout, bounded even when that timer is off, or a peer
 * that never finishes the switch would hold the connection forever. */
pn_time pn_timers_dup_wait(const pn_engine *e) {
  return e->hs_timeout == PN_TIME_NEVER ? PN_ENGINE_DEFAULT_HANDSHAKE_TIMEOUT
                                        : e->hs_timeout;
}

void pn_timers_close_started(pn_engine *e, pn_conn *c, int reason) {
  pn_time linger = e->linger;
  /* A duplicate keeps reading while the peer moves to the survivor. */
  if (reason == PN_REASON_DUPLICATE && pn_timers_dup_wait(e) > linger)
    linger = pn_timers_dup_wait(e);
  c->close_at = pn_time_add(e->now, linger);
  pn_heap_set(&e->timers, pn_conn_slot(e, c), c->close_at);
}

void pn_timers_duplicate_closed_by_peer(pn_engine *e, pn_conn *c) {
  c->dup_at = pn_time_add(e->now, pn_timers_dup_wait(e));
  pn_timers_resched(e, c);
}

pn_time pn_timers_retry_base(const pn_engine *e, pn_time interval) {
  pn_time retry = interval > PN_SEC ? PN_SEC : interval;
  return e->now - (interval - retry);
}

/* The timers of a routed connection due at engine time. */
static void peer_timers(pn_engine *e, pn_conn *c) {
  pn_time now = e->now;
  if (pn_time_add(c->last_rx, e->idle_timeout) <= now) {
    pn_conn_fail(e, c, PN_REASON_IDLE_TIMEOUT, 0);
    return;
  }
  if (c->state == CS_SUPERSEDED && c->dup_at <= now) {
    pn_conn_fail(e, c, PN_REASON_DUPLICATE, PN_REASON_DUPLICATE);
    return;
  }
  if (output_waits(e, c) &&
      pn_time_add(c->tx_progress_at, e->send_timeout) <= now) {
    pn_conn_drop(e, c, PN_REASON_SEND_TIMEOUT);
    return;
  }
  if (e->profile != PN_PROFILE_FRAMED) return;
  if (c->rx_state != RXS_IDLE &&
      pn_time_add(c->rx_progress_at, e->recv_timeout) <= now) {
    pn_conn_fail(e, c, PN_REASON_RECEIVE_STALLED, 0);
    return;
  }
  if (pn_time_add(c->last_rekey, e->rekey_interval) <= now) {
    if (!pn_tx_nonces_left(c, 1)) {
      pn_conn_fail(e, c, PN_REASON_KEY_EXHAUSTED, 0);
      return;
    }
    pn_tx_rekey(e, c, 0);
    if (!pn_conn_routed(c)) return;
  }
  /* Every frame queued above counts as sent: no keepalive needed then,
   * nor while output waits. */
  if (pn_time_add(c->last_tx, e->keepalive) > now) return;
  if (output_waits(e, c)) {
    c->last_tx = now;
    return;
  }
  if (!pn_tx_nonces_left(c, 1)) {
    pn_conn_fail(e, c, PN_REASON_KEY_EXHAUSTED, 0);
    return;
  }
  /* Without room in the pool now (every peer's keepalive fell due at once
   * and the driver has not acked yet), retry in a second. */
  if (pn_tx_keepalive(e, c) != PN_OK)
    c->last_tx = pn_timers_retry_base(e, e->keepalive);
}

static void conn_timers(pn_engine *e, pn_conn *c) {
  switch (c->state) {
  case CS_HANDSHAKE:
    if (pn_time_add(c->opened, e->hs_timeout) <= e->now)
      pn_conn_fail(e, c, PN_REASON_HANDSHAKE_TIMEOUT, 0);
    return;
  case CS_CLOSING:
  case CS_DRAINING:
    if (c->close_at <= e->now) pn_conn_close_now(e, c);
    return;
  case CS_PEER:
  case CS_SUPERSEDED:
    peer_timers(e, c);
    return;
  default:
    return;
  }
}

/* see engine.h */
int pn_engine_tick(pn_engine *e, pn_time now) {
  if (!e) return PN_ERR_INVALID_ARGUMENT;
  pn_clock_in(e, now);
  int64_t i;
  while ((i = pn_heap_pop_due(&e->timers, e->now)) >= 0) {
    pn_conn *c = &e->conns[i];
    conn_timers(e, c);
    if (c->state != CS_FREE && c->state != CS_DEAD)
      pn_heap_set(&e->timers, (uint32_t)i, conn_deadline(e, c));
  }
  return PN_OK;
}
