/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The transmit path (tx.h). */
#include <string.h>

#include "conn.h"
#include "crypto.h"
#include "event.h"
#include "express.h"
#include "frame.h"
#include "timers.h"
#include "tx.h"

size_t pn_tx_queued(const pn_engine *e, const pn_conn *c) {
  /* Its share of the express send buffer, then its pool queue (which only
   * ever follows it). */
  return c->txq.len + pn_xtx_queued(e, c);
}

void pn_tx_want_send(pn_engine *e, pn_conn *c) {
  if ((c->flags & (CF_SENDQ | CF_TX_BLOCKED)) || c->state == CS_CLOSED ||
      c->inflight || !pn_tx_queued(e, c))
    return;
  c->flags |= CF_SENDQ;
  pn_list_push(e, &e->sendq, PN_LIST_Q, pn_conn_slot(e, c));
}

const uint8_t *pn_tx_take_send(pn_engine *e, pn_conn *c, size_t *len) {
  pn_list_unlink(e, &e->sendq, PN_LIST_Q, pn_conn_slot(e, c));
  c->flags &= ~(uint32_t)CF_SENDQ;
  const uint8_t *p = pn_xtx_front(e, c, len);
  if (!p) p = pn_bq_front(&e->pool, &c->txq, len);
  c->inflight = (uint32_t)*len;
  return p;
}

/* Encrypts the frame at |f|: its |hdr| bytes already in place after the
 * length, then |n| bytes of |body| (NULL: already in place after the
 * header), and queues it: a frame in e->txs is appended to the pool queue,
 * whose room was reserved; one in the express send buffer stays there. */
static int put_frame(pn_engine *e, pn_conn *c, uint8_t *f, size_t hdr,
                     const uint8_t *body, size_t n) {
  size_t out;
  uint8_t *p = f + PN_FRAME_LEN;
  int rc = body ? pn_cipherstate_encrypt2(&c->tx, p, hdr, body, n, p,
                                          PN_NOISE_MAX_MSG, &out)
                : pn_cipherstate_encrypt(&c->tx, NULL, 0, p, hdr + n, p,
                                         PN_NOISE_MAX_MSG, &out);
  if (rc != PN_OK) return rc;
  pn_put16(f, (uint32_t)out);
  if (f == e->txs)
    pn_bq_append(&e->pool, &c->txq, f, PN_FRAME_LEN + out);
  else
    pn_xtx_added(e, PN_FRAME_LEN + out);
  pn_timers_any_frame_queued(e, c);
  return PN_OK;
}

/* A small control frame, whose |len|-byte payload is at e->txs after the
 * length; it may use the nonces kept back for it. Only CLOSE may dip into
 * the pool's reserve: linger bounds how long it holds it, and a connection
 * must always be able to say goodbye. */
static int control_frame(pn_engine *e, pn_conn *c, size_t len) {
  int privileged = e->txs[PN_FRAME_LEN] == PN_FT_CLOSE;
  if (pn_bq_reserve(&e->pool, &c->txq, pn_frame_control_wire(len),
                    privileged) != 0) {
    pn_wipe(e->txs, PN_FRAME_LEN + len);
    return PN_ERR_OVERFLOW;
  }
  int rc = put_frame(e, c, e->txs, len, NULL, 0);
  if (rc == PN_OK)
    pn_tx_want_send(e, c);
  else
    pn_wipe(e->txs, PN_FRAME_LEN + len);
  return rc;
}

int pn_tx_keepalive(pn_engine *e, pn_conn *c) {
  return control_frame(e, c, pn_frame_put_keepalive(e->txs + PN_FRAME_LEN));
}

int pn_tx_close_frame(pn_engine *e, pn_conn *c, int reason) {
  return control_frame(
      e, c, pn_frame_put_close(e->txs + PN_FRAME_LEN, (uint16_t)reason));
}

int pn_tx_nonces_left(const pn_conn *c, uint64_t want) {
  uint64_t n = pn_cipherstate_nonce(&c->tx);
  return n <= UINT64_MAX - 1 - PN_ENGINE_NONCE_RESERVE - want;
}

void pn_tx_rekey(pn_engine *e, pn_conn *c, int flags) {
  /* The REKEY frame goes under the old key; the new key starts after it. */
  size_t len = pn_frame_put_rekey(e->txs + PN_FRAME_LEN, (uint8_t)flags);
  if (control_frame(e, c, len) != PN_OK) {
    /* No room now: it goes out once some of |c|'s output is acked. */
    c->flags |= CF_REKEY_WANT;
    if (flags & PN_REKEY_FLAG_REPLY) c->flags |= CF_REKEY_REPLY;
    if (pn_time_add(c->last_rekey, e->rekey_interval) <= e->now)
      c->last_rekey = pn_timers_retry_base(e, e->rekey_interval);
    return;
  }
  c->flags &= ~(uint32_t)(CF_REKEY_WANT | CF_REKEY_REPLY);
  pn_timers_key_rotated(e, c);
  c->tx_since_rekey = 0;
  if (pn_cipherstate_rekey(&c->tx) != PN_OK)
    pn_conn_fail(e, c, PN_REASON_LOCAL_FAILURE, 0);
  else
    c->rekeys_out++;
}

/* A message of |len| bytes does not fit |c|'s queue (|reason|
 * SEND_QUEUE_FULL) or the pool (MEMORY_PRESSURE): the overflow policy. */
static int overflow_out(pn_engine *e, pn_conn *c, int reason, size_t len) {
  if (e->overflow == PN_OVERFLOW_DISCONNECT) {
    pn_conn_fail(e, c, reason, 0);
  } else if (!(c->flags & (CF_OVF_EPISODE | CF_OVF_EVENT))) {
    c->flags |= CF_OVF_EPISODE | CF_OVF_EVENT;
    (void)pn_ev_push(e, c, PN_EVENT_OVERFLOW, reason, 0, len);
  }
  return PN_ERR_OVERFLOW;
}

/* Encrypts and queues one application message (all or nothing). */
static int send_msg(pn_engine *e, pn_conn *c, const uint8_t *msg, size_t len) {
  if (len > e->max_message) return PN_ERR_MSG_TOO_LARGE;
  int framed = e->profile == PN_PROFILE_FRAMED;
  uint64_t chunks = framed ? pn_frame_chunks(len) : 1;
  uint64_t wire =
      framed ? pn_frame_wire_size(len) : len + PN_FRAME_LEN + PN_NOISE_TAGLEN;
  if (!pn_tx_nonces_left(c, chunks + 1)) {
    pn_conn_fail(e, c, PN_REASON_KEY_EXHAUSTED, 0);
    return PN_ERR_NONCE_EXHAUSTED;
  }
  if (pn_tx_queued(e, c) + wire > e->send_queue)
    return overflow_out(e, c, PN_REASON_SEND_QUEUE_FULL, len);
  /* Straight into the express send buffer when it can take it; otherwise
   * through e->txs into the pool queue. */
  uint8_t *x = pn_xtx_claim(e, c, wire);
  if (!x && pn_bq_reserve(&e->pool, &c->txq, wire, 0) != 0)
    return overflow_out(e, c, PN_REASON_MEMORY_PRESSURE, len);
  size_t off = 0;
  for (uint64_t i = 0; i < chunks; i++) {
    uint8_t *f = x ? pn_xtx_tail(e) : e->txs;
    uint8_t *p = f + PN_FRAME_LEN;
    size_t hdr = 0, n = framed ? pn_frame_chunk_data(len, i) : len;
    if (framed)
      hdr =
          i == 0 ? pn_frame_put_first(p, (uint32_t)len) : pn_frame_put_more(p);
    /* The data is read from |msg| as it is encrypted: no copy first. */
    int rc = put_frame(e, c, f, hdr, n ? msg + off : NULL, n);
    off += n;
    if (rc != PN_OK) {
      /* Cannot happen after the checks above; the stream is now broken. */
      pn_wipe(f, PN_FRAME_LEN + hdr + n + PN_NOISE_TAGLEN);
      pn_conn_fail(e, c, PN_REASON_LOCAL_FAILURE, 0);
      return rc;
    }
  }
  /* No wipe: encryption in place left only ciphertext behind. */
  c->msgs_out++;
  c->bytes_out += len;
  pn_tx_want_send(e, c);
  if (framed && ++c->tx_since_rekey >= e->rekey_messages) pn_tx_rekey(e, c, 0);
  return PN_OK;
}

/* see engine.h */
int pn_engine_send(pn_engine *e, const pn_peer_id *to, const uint8_t *msg,
                   size_t len, pn_time now) {
  if (!e || !to || (!msg && len)) return PN_ERR_INVALID_ARGUMENT;
  pn_clock_in(e, now);
  if (e->shutdown) return PN_ERR_SHUTDOWN;
  if (len > e->max_message) return PN_ERR_MSG_TOO_LARGE;
  pn_conn *c = pn_peer_conn(e, to);
  if (!c) return PN_ERR_NOT_FOUND;
  int rc = send_msg(e, c, msg, len);
  if (pn_conn_routed(c)) pn_timers_resched(e, c);
  return rc;
}

/* see engine.h */
ptrdiff_t pn_engine_broadcast(pn_engine *e, const uint8_t *msg, size_t len,
                              pn_time now) {
  if (!e || (!msg && len)) return PN_ERR_INVALID_ARGUMENT;
  pn_clock_in(e, now);
  if (e->shutdown) return PN_ERR_SHUTDOWN;
  if (len > e->max_message) return PN_ERR_MSG_TOO_LARGE;
  ptrdiff_t n = 0;
  uint32_t i = e->peers.head;
  while (i != PN_NIL) {
    pn_conn *c = &e->conns[i];
    uint32_t next = c->peer.next; /* a failure may unlink c */
    if (send_msg(e, c, msg, len) == PN_OK) n++;
    if (pn_conn_routed(c)) pn_timers_resched(e, c);
    i = next;
  }
  return n;
}

/* see engine.h */
int pn_engine_sent(pn_engine *e, pn_conn_id id, size_t n, pn_time now) {
  if (!e) return PN_ERR_INVALID_ARGUMENT;
  pn_conn *c = pn_conn_lookup(e, id);
  if (!c) return PN_ERR_NOT_FOUND;
  if (n > c->inflight) return PN_ERR_INVALID_ARGUMENT;
  pn_clock_in(e, now);
  if (c->state == CS_CLOSED) return PN_OK;
  /* The SEND in flight came from the express buffer if |c| owns it: its
   * bytes there precede any in the pool queue. */
  if (pn_xtx_queued(e, c))
    pn_xtx_ack(e, n);
  else
    pn_bq_consume(&e->pool, &c->txq, n);
  /* Short of the whole SEND: the transport is full until writable. */
  if (n < c->inflight) c->flags |= CF_TX_BLOCKED;
  c->inflight = 0;
  if (!pn_tx_queued(e, c)) c->flags &= ~(uint32_t)CF_OVF_EPISODE;
  if ((c->flags & CF_REKEY_WANT) && pn_conn_routed(c))
    pn_tx_rekey(e, c, (c->flags & CF_REKEY_REPLY) ? PN_REKEY_FLAG_REPLY : 0);
  pn_tx_want_send(e, c);
  pn_conn_closing_progress(e, c);
  return PN_OK;
}

/* see engine.h */
int pn_engine_writable(pn_engine *e, pn_conn_id id, pn_time now) {
  if (!e) return PN_ERR_INVALID_ARGUMENT;
  pn_conn *c = pn_conn_lookup(e, id);
  if (!c) return PN_ERR_NOT_FOUND;
  pn_clock_in(e, now);
  c->flags &= ~(uint32_t)CF_TX_BLOCKED;
  pn_tx_want_send(e, c);
  return PN_OK;
}

/* see engine.h */
int pn_engine_rekey(pn_engine *e, const pn_peer_id *peer, pn_time now) {
  if (!e || !peer) return PN_ERR_INVALID_ARGUMENT;
  pn_clock_in(e, now);
  if (e->profile != PN_PROFILE_FRAMED) return PN_ERR_INVALID_STATE;
  pn_conn *c = pn_peer_conn(e, peer);
  if (!c) return PN_ERR_NOT_FOUND;
  if (!pn_tx_nonces_left(c, 1)) {
    pn_conn_fail(e, c, PN_REASON_KEY_EXHAUSTED, 0);
    return PN_ERR_NONCE_EXHAUSTED;
  }
  pn_tx_rekey(e, c, PN_REKEY_FLAG_REPLY);
  if (pn_conn_routed(c)) pn_timers_resched(e, c);
  return PN_OK;
}
