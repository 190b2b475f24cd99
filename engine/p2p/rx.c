/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The receive path (rx.h). */
#include <string.h>

#include "conn.h"
#include "crypto.h"
#include "dup.h"
#include "establish.h"
#include "event.h"
#include "express.h"
#include "frame.h"
#include "rx.h"
#include "timers.h"
#include "tx.h"

void pn_rx_reasm_drop(pn_engine *e, pn_conn *c, int keep_frame) {
  pn_bq_clear(&e->pool, &c->reasm);
  pn_xrx_drop(e, c, keep_frame);
}

void pn_rx_hold(pn_engine *e, const uint8_t *p, size_t len) {
  e->msg_ptr = p;
  e->msg_len = len;
  e->msg_pending = 1;
}

/* Whether |c|'s messages reach the application. */
static int deliverable(const pn_conn *c) {
  return pn_conn_routed(c) || c->state == CS_DRAINING;
}

static int deliver(pn_engine *e, pn_conn *c, const uint8_t *p, size_t n) {
  if (!deliverable(c)) return PN_RX_OK;
  c->msgs_in++;
  c->bytes_in += n;
  pn_rx_hold(e, p, n);
  (void)pn_ev_push(e, c, PN_EVENT_MESSAGE, 0, 0, n);
  return PN_RX_STOP;
}

/* An inbound message over max_message: reported (one such event per
 * receive call, like MESSAGE), its bytes skipped. */
static int overflow_in(pn_engine *e, pn_conn *c, uint64_t size) {
  if (!deliverable(c)) return PN_RX_OK;
  pn_rx_hold(e, NULL, 0);
  (void)pn_ev_push(e, c, PN_EVENT_OVERFLOW, PN_REASON_MESSAGE_TOO_LARGE, 0,
                   size);
  return PN_RX_STOP;
}

static int remote_close(pn_engine *e, pn_conn *c, int why) {
  c->flags |= CF_CLOSE_RCVD;
  c->remote_reason = (uint16_t)why;
  if (c->state == CS_CLOSING || c->state == CS_DRAINING) {
    pn_conn_closing_progress(e, c);
    return PN_RX_CLOSED;
  }
  if (why == PN_REASON_DUPLICATE && pn_conn_routed(c)) {
    pn_dup_closed_by_peer(e, c);
    return PN_RX_OK;
  }
  pn_conn_fail(e, c, PN_REASON_REMOTE_CLOSED, why);
  return PN_RX_CLOSED;
}

static int protocol_error(pn_engine *e, pn_conn *c) {
  pn_conn_fail(e, c, PN_REASON_PROTOCOL, 0);
  return PN_RX_CLOSED;
}

static int rx_first_chunk(pn_engine *e, pn_conn *c, const pn_tframe *f) {
  if (c->rx_state != RXS_IDLE) return protocol_error(e, c);
  if (f->total > e->max_message) {
    c->discard_left = (uint32_t)(f->total - f->len);
    if (c->discard_left) c->rx_state = RXS_DISCARD;
    return overflow_in(e, c, f->total);
  }
  if (f->len == f->total) return deliver(e, c, f->data, f->len);
  c->reasm_total = f->total;
  if (!pn_xrx_start_message(e, c, f->data, f->len)) {
    if (pn_bq_reserve(&e->pool, &c->reasm, f->total, 0) != 0)
      return PN_RX_STALL;
    pn_bq_append(&e->pool, &c->reasm, f->data, f->len);
  }
  c->rx_state = RXS_REASM;
  return PN_RX_OK;
}

static int rx_more_chunk(pn_engine *e, pn_conn *c, const pn_tframe *f) {
  if (c->rx_state == RXS_DISCARD) {
    if (!pn_frame_more_fits(f->len, c->discard_left))
      return protocol_error(e, c);
    c->discard_left -= (uint32_t)f->len;
    if (!c->discard_left) c->rx_state = RXS_IDLE;
    return PN_RX_OK;
  }
  if (c->rx_state != RXS_REASM) return protocol_error(e, c);
  size_t have;
  int express = pn_xrx_reassembling(e, c, &have);
  if (!express) have = c->reasm.len;
  if (!pn_frame_more_fits(f->len, c->reasm_total - have))
    return protocol_error(e, c);
  if (express) {
    const uint8_t *msg = pn_xrx_add(e, f->data, f->len, c->reasm_total);
    if (!msg) return PN_RX_OK;
    c->rx_state = RXS_IDLE;
    return deliver(e, c, msg, c->reasm_total);
  }
  pn_bq_append(&e->pool, &c->reasm, f->data, f->len);
  if (c->reasm.len < c->reasm_total) return PN_RX_OK;
  c->rx_state = RXS_IDLE;
  size_t total = c->reasm.len;
  pn_bq_peek(&e->pool, &c->reasm, e->deliver, total);
  if (total > e->deliver_hw) e->deliver_hw = total;
  pn_bq_clear(&e->pool, &c->reasm);
  return deliver(e, c, e->deliver, total);
}

/* One decrypted transport payload. */
static int rx_transport(pn_engine *e, pn_conn *c, uint8_t *pt, size_t n) {
  if (e->profile == PN_PROFILE_PLAIN) {
    if (n > e->max_message && deliverable(c)) return overflow_in(e, c, n);
    return deliver(e, c, pt, n);
  }
  pn_tframe f;
  if (pn_frame_decode(pt, n, &f) != 0) return protocol_error(e, c);
  switch (f.type) {
  case PN_FT_DATA_FIRST:
    return rx_first_chunk(e, c, &f);
  case PN_FT_DATA_MORE:
    return rx_more_chunk(e, c, &f);
  case PN_FT_KEEPALIVE:
    return PN_RX_OK;
  case PN_FT_CLOSE:
    return remote_close(e, c, f.reason);
  case PN_FT_REKEY:
    if (pn_cipherstate_rekey(&c->rx) != PN_OK) {
      pn_conn_fail(e, c, PN_REASON_LOCAL_FAILURE, 0);
      return PN_RX_CLOSED;
    }
    c->rekeys_in++;
    if ((f.flags & PN_REKEY_FLAG_REPLY) && pn_conn_routed(c))
      pn_tx_rekey(e, c, 0);
    return PN_RX_OK;
  default:
    return protocol_error(e, c);
  }
}

/* One whole transport frame of |n| bytes: what |c| holds of it (its pool
 * queue, or a partial frame in the express buffer), then the rest from
 * |src|. Decrypted straight from |src| when it holds all. */
static int rx_frame(pn_engine *e, pn_conn *c, const uint8_t *src, size_t n) {
  size_t q = c->rxq.len, part;
  size_t pl = n - PN_NOISE_TAGLEN;
  const uint8_t *in = src;
  uint8_t *dst = pn_xrx_partial(e, c, &part);
  if (dst) {
    /* The rest of a frame put together in the express buffer. */
    memcpy(dst + part, src, n - part);
    dst = pn_xrx_partial_finish(e);
    in = dst;
  } else {
    dst = pn_xrx_frame_dest(e, c, n);
  }
  if (q) {
    /* Split across receive calls: put the ciphertext together where it is
     * to be decrypted, in place. */
    pn_bq_peek(&e->pool, &c->rxq, dst, q);
    memcpy(dst + q, src, n - q);
    in = dst;
  }
  uint64_t n0 = pn_cipherstate_nonce(&c->rx);
  int rc = pn_cipherstate_decrypt(&c->rx, NULL, 0, in, n, dst, pl, &pl);
  if (rc != PN_OK) {
    pn_xrx_frame_done(e, c, dst);
    pn_conn_fail(e, c,
                 rc == PN_ERR_NONCE_EXHAUSTED ? PN_REASON_KEY_EXHAUSTED
                 : rc == PN_ERR_DECRYPT       ? PN_REASON_AUTH_FAILED
                                              : PN_REASON_LOCAL_FAILURE,
                 0);
    return PN_RX_CLOSED;
  }
  int r = rx_transport(e, c, dst, pl);
  pn_xrx_frame_done(e, c, dst);
  if (r == PN_RX_STALL) {
    /* Not taken: the same ciphertext is decrypted again later with the
     * same nonce, which reveals nothing new. */
    pn_cipherstate_set_nonce(&c->rx, n0);
    pn_wipe(dst, pl);
    return r;
  }
  if (r != PN_RX_CLOSED) pn_timers_authenticated_received(e, c);
  return r;
}

static int whole_frame(pn_engine *e, pn_conn *c, const uint8_t *src, size_t n) {
  if (c->state == CS_HANDSHAKE) return pn_hs_read_frame(e, c, src, n);
  return rx_frame(e, c, src, n);
}

/* The declared length of a frame, checked before any body byte is kept:
 * 0 or the reason to close. */
static int frame_len_ok(pn_engine *e, pn_conn *c, uint32_t len) {
  if (c->state == CS_HANDSHAKE) return pn_hs_frame_len_ok(e, c, len);
  if (len < PN_NOISE_TAGLEN) return PN_REASON_PROTOCOL;
  return 0;
}

/* Whether bytes for |c| are still read. A closing connection keeps reading
 * (nonces in step, drained messages) until the peer's CLOSE arrives. */
static int readable(const pn_conn *c) {
  switch (c->state) {
  case CS_HANDSHAKE:
  case CS_PEER:
  case CS_SUPERSEDED:
    return 1;
  case CS_CLOSING:
  case CS_DRAINING:
    return (c->flags & CF_KEYS) && !(c->flags & CF_CLOSE_RCVD);
  default:
    return 0;
  }
}

/* Keeps the |avail| bytes of a partial frame (|need| to go): where it is
 * to be decrypted when that is the express buffer, else in the pool with
 * room for the whole of it. 0, or -1 when there is no room now. */
static int keep_partial(pn_engine *e, pn_conn *c, const uint8_t *p,
                        size_t avail, size_t need, size_t have) {
  size_t part;
  uint8_t *dst = pn_xrx_partial(e, c, &part);
  if (dst) {
    dst += part;
  } else if (!have && c->state != CS_HANDSHAKE) {
    dst = pn_xrx_partial_start(e, c, c->frame_len);
  }
  if (dst) {
    memcpy(dst, p, avail);
    pn_xrx_partial_add(e, avail);
    return 0;
  }
  if (pn_bq_reserve(&e->pool, &c->rxq, need, c->rx_state == RXS_REASM) != 0)
    return -1;
  pn_bq_append(&e->pool, &c->rxq, p, avail);
  return 0;
}

/* Takes what it can of |data| for |c|. */
static size_t take(pn_engine *e, pn_conn *c, const uint8_t *data, size_t len) {
  if (e->msg_pending) return 0;
  size_t taken = 0;
  while (taken < len) {
    if (!readable(c)) return len; /* ignored */
    if (c->hdr_len < PN_FRAME_LEN) {
      c->hdr[c->hdr_len++] = data[taken++];
      if (c->hdr_len < PN_FRAME_LEN) continue;
      c->frame_len = pn_get16(c->hdr);
      int reason = frame_len_ok(e, c, c->frame_len);
      if (reason) {
        pn_conn_fail(e, c, reason, 0);
      } else if (!c->frame_len) {
        /* An empty frame is whole already (only a handshake allows one,
         * and no pattern has an empty message, so this fails cleanly). */
        c->hdr_len = 0;
        if (whole_frame(e, c, NULL, 0) == PN_RX_STOP) break;
      }
      continue;
    }
    size_t part, have = pn_xrx_partial(e, c, &part) ? part : c->rxq.len;
    size_t avail = len - taken, need = c->frame_len - have;
    int r;
    if (avail < need) {
      if (keep_partial(e, c, data + taken, avail, need, have) == 0)
        taken += avail;
      break;
    }
    r = whole_frame(e, c, data + taken, c->frame_len);
    if (r == PN_RX_STALL) break;
    if (have) pn_bq_clear(&e->pool, &c->rxq);
    taken += need;
    c->hdr_len = 0;
    if (c->state != CS_FREE && c->state != CS_DEAD) pn_timers_resched(e, c);
    if (r == PN_RX_STOP) break;
  }
  return taken;
}

/* see engine.h */
ptrdiff_t pn_engine_recv(pn_engine *e, pn_conn_id id, const uint8_t *data,
                         size_t len, pn_time now, pn_recv_block *block) {
  if (block) *block = PN_RECV_MORE;
  if (!e) return PN_ERR_INVALID_ARGUMENT;
  if (!data && len) return PN_ERR_INVALID_ARGUMENT;
  pn_conn *c = pn_conn_lookup(e, id);
  if (!c) return PN_ERR_NOT_FOUND;
  pn_clock_in(e, now);
  size_t taken = take(e, c, data, len);
  if (taken < len && c->state != CS_CLOSED) {
    /* The rest waits with the driver until this connection's RESUME. */
    int why = e->msg_pending ? HOLD_POLL : HOLD_WAIT;
    pn_conn_hold(e, c, why);
    if (block) *block = why == HOLD_POLL ? PN_RECV_POLL : PN_RECV_WAIT;
  }
  return (ptrdiff_t)taken;
}
