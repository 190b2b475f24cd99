/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The express buffers (express.h). */
#include <string.h>

#include "conn.h"
#include "express.h"
#include "frame.h"

static void xrx_release(pn_engine *e) {
  e->xrx_own = PN_NIL;
  e->xrx_have = e->xrx_part = 0;
}

static void xrx_mark(pn_engine *e, const uint8_t *dst, size_t n) {
  size_t end = (size_t)(dst + n - e->xrx);
  if (end > e->xrx_hw) e->xrx_hw = end;
}

/* The destination of an |n|-byte frame of |c| and the byte its header
 * overlays (*saved, -1: none); e->rxs when the express buffer is not for
 * it. A frame that is not what was expected still fits and is handled as
 * usual from there. */
static uint8_t *dest(pn_engine *e, pn_conn *c, size_t n, int *saved) {
  size_t pl = n - PN_NOISE_TAGLEN;
  *saved = -1;
  if (!e->xrx || c->state == CS_HANDSHAKE) return e->rxs;
  if (c->rx_state == RXS_REASM) {
    /* The next chunk of the message reassembled there goes right after its
     * data, the chunk header over the last data byte. */
    if (e->xrx_own != pn_conn_slot(e, c) || !pl ||
        pl - PN_FT_MORE_HDR > c->reasm_total - e->xrx_have)
      return e->rxs;
    uint8_t *d = e->xrx + e->xrx_have - PN_FT_MORE_HDR;
    *saved = d[0];
    return d;
  }
  /* Only a full-size frame can start a chunked message. */
  if (c->rx_state == RXS_DISCARD || e->xrx_own != PN_NIL ||
      n != PN_NOISE_MAX_MSG || pl - PN_FT_FIRST_HDR > e->xrx_cap)
    return e->rxs;
  return e->xrx - PN_FT_FIRST_HDR;
}

uint8_t *pn_xrx_frame_dest(pn_engine *e, pn_conn *c, size_t n) {
  int saved;
  uint8_t *d = dest(e, c, n, &saved);
  if (d != e->rxs) {
    xrx_mark(e, d, n - PN_NOISE_TAGLEN);
    e->xrx_saved = saved;
  }
  return d;
}

void pn_xrx_frame_done(pn_engine *e, pn_conn *c, uint8_t *dst) {
  if (dst == e->rxs) return;
  if (e->xrx_saved >= 0) dst[0] = (uint8_t)e->xrx_saved;
  e->xrx_saved = -1;
  /* Taken for a frame that did not start a chunked message after all. */
  if (e->xrx_own == pn_conn_slot(e, c) && c->rx_state != RXS_REASM &&
      !e->xrx_part)
    xrx_release(e);
}

uint8_t *pn_xrx_partial(pn_engine *e, const pn_conn *c, size_t *have) {
  if (e->xrx_own != pn_conn_slot(e, c) || !e->xrx_part) return NULL;
  *have = e->xrx_part;
  return e->xrx_dst;
}

uint8_t *pn_xrx_partial_start(pn_engine *e, pn_conn *c, size_t n) {
  int saved;
  uint8_t *d = dest(e, c, n, &saved);
  if (d == e->rxs) return NULL;
  /* The tag may run past the data by PN_NOISE_TAGLEN: there is room. */
  xrx_mark(e, d, n);
  e->xrx_own = pn_conn_slot(e, c); /* already, or for a first chunk */
  e->xrx_dst = d;
  e->xrx_saved = saved;
  e->xrx_part = 0;
  return d;
}

void pn_xrx_partial_add(pn_engine *e, size_t n) {
  e->xrx_part += (uint32_t)n;
}

uint8_t *pn_xrx_partial_finish(pn_engine *e) {
  e->xrx_part = 0;
  return e->xrx_dst;
}

int pn_xrx_start_message(pn_engine *e, pn_conn *c, const uint8_t *data,
                         size_t len) {
  if (!e->xrx || data != e->xrx) return 0;
  e->xrx_own = pn_conn_slot(e, c);
  e->xrx_have = (uint32_t)len;
  return 1;
}

int pn_xrx_reassembling(const pn_engine *e, const pn_conn *c, size_t *have) {
  if (e->xrx_own != pn_conn_slot(e, c)) return 0;
  *have = e->xrx_have;
  return 1;
}

const uint8_t *pn_xrx_add(pn_engine *e, const uint8_t *data, size_t len,
                          size_t total) {
  uint8_t *at = e->xrx + e->xrx_have;
  if (data != at) memcpy(at, data, len); /* usually decrypted in place */
  e->xrx_have += (uint32_t)len;
  if (e->xrx_have < total) return NULL;
  xrx_release(e); /* the MESSAGE is delivered from it until polled */
  return e->xrx;
}

void pn_xrx_drop(pn_engine *e, const pn_conn *c, int keep_frame) {
  if (e->xrx_own == pn_conn_slot(e, c) && !(keep_frame && e->xrx_part))
    xrx_release(e);
}

uint8_t *pn_xtx_claim(pn_engine *e, pn_conn *c, size_t wire) {
  uint32_t slot = pn_conn_slot(e, c);
  int ok = !c->txq.len &&
           (e->xtx_own == PN_NIL ||
            (e->xtx_own == slot && e->xtx_len + wire <= e->xtx_cap)) &&
           wire <= e->xtx_cap;
  if (!ok) return NULL;
  if (e->xtx_own == PN_NIL) {
    e->xtx_own = slot;
    e->xtx_off = e->xtx_len = 0;
  }
  return e->xtx + e->xtx_len;
}

uint8_t *pn_xtx_tail(pn_engine *e) {
  return e->xtx + e->xtx_len;
}

void pn_xtx_added(pn_engine *e, size_t n) {
  e->xtx_len += (uint32_t)n;
}

size_t pn_xtx_queued(const pn_engine *e, const pn_conn *c) {
  return e->xtx_own == pn_conn_slot(e, c) ? e->xtx_len - e->xtx_off : 0;
}

const uint8_t *pn_xtx_front(const pn_engine *e, const pn_conn *c, size_t *n) {
  if (e->xtx_own != pn_conn_slot(e, c)) return NULL;
  *n = e->xtx_len - e->xtx_off;
  return e->xtx + e->xtx_off;
}

void pn_xtx_ack(pn_engine *e, size_t n) {
  e->xtx_off += (uint32_t)n;
  if (e->xtx_off == e->xtx_len) pn_xtx_release(e);
}

void pn_xtx_release(pn_engine *e) {
  e->xtx_own = PN_NIL;
  e->xtx_off = e->xtx_len = 0;
}
