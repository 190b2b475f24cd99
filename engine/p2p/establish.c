/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Handshakes (establish.h). */
#include <string.h>

#include "conn.h"
#include "dup.h"
#include "establish.h"
#include "event.h"
#include "flow.h"
#include "frame.h"
#include "rx.h"
#include "timers.h"
#include "tx.h"

void pn_hs_release(pn_engine *e, pn_conn *c) {
  if (c->hs == PN_NIL) return;
  pn_hslot *h = &e->hss[c->hs];
  pn_handshake_wipe(&h->hs);
  memset(&h->expected, 0, sizeof h->expected);
  h->has_expected = 0;
  h->next_free = e->hs_free;
  e->hs_free = c->hs;
  e->nhs--;
  c->hs = PN_NIL;
}

void pn_hs_make_id(const pn_engine *e, const pn_conn *c, const uint8_t *rs,
                   pn_peer_id *id) {
  memset(id, 0, sizeof *id);
  id->len = (uint8_t)pn_protocol_dhlen(&e->proto);
  if (rs) {
    memcpy(id->key, rs, id->len);
  } else {
    /* No static key proven: the session's hash names it. */
    size_t n = c->hash_len < id->len ? c->hash_len : id->len;
    memcpy(id->key, c->hash, n);
    id->anonymous = 1;
  }
}

/* Compares the remote key with the expected one and asks the authorize
 * callback, once, as soon as the key is known. 0 or a reason. */
static int check_remote(pn_engine *e, pn_conn *c, const pn_peer_id *id) {
  if (c->flags & CF_CHECKED) return 0;
  c->flags |= CF_CHECKED;
  pn_hslot *h = c->hs != PN_NIL ? &e->hss[c->hs] : NULL;
  if (h && h->has_expected && !pn_peer_id_equal(&h->expected, id))
    return PN_REASON_UNEXPECTED_KEY;
  if (e->authorize && !e->authorize(e->authorize_user, id, (pn_dir)c->dir))
    return PN_REASON_UNAUTHORIZED;
  return 0;
}

static int check_known_key(pn_engine *e, pn_conn *c) {
  const uint8_t *rs = pn_handshake_remote_static(&e->hss[c->hs].hs);
  if (!rs || (c->flags & CF_CHECKED)) return 0;
  pn_peer_id id;
  pn_hs_make_id(e, c, rs, &id);
  return check_remote(e, c, &id);
}

/* The handshake is done: split, check the remote, route the peer. */
static void establish(pn_engine *e, pn_conn *c) {
  pn_handshake *hs = &e->hss[c->hs].hs;
  pn_cipherstate tx, rx;
  int rc = pn_handshake_split(hs, &tx, &rx);
  if (rc != PN_OK) {
    pn_conn_fail(e, c, PN_REASON_HANDSHAKE_FAILED, 0);
    return;
  }
  c->tx = tx;
  c->rx = rx;
  pn_cipherstate_wipe(&tx);
  pn_cipherstate_wipe(&rx);
  c->hash_len = (uint8_t)pn_handshake_hash(hs, c->hash);
  pn_hs_make_id(e, c, pn_handshake_remote_static(hs), &c->id);
  int reason = check_remote(e, c, &c->id);
  if (!reason && c->id.anonymous && e->hss[c->hs].has_expected)
    reason = PN_REASON_UNEXPECTED_KEY;
  pn_hs_release(e, c);
  pn_flow_handshake_done(e, c);
  c->flags |= CF_KEYS;
  c->state = CS_OPEN;
  pn_timers_session_started(e, c);
  if (reason) {
    pn_conn_fail(e, c, reason, 0);
    return;
  }
  uint32_t other = c->id.anonymous ? PN_NIL : pn_route_find(&e->route, &c->id);
  if (other != PN_NIL) {
    pn_dup_resolve(e, c, &e->conns[other]);
    return;
  }
  if (e->npeers >= e->max_peers) {
    pn_conn_fail(e, c, PN_REASON_PEER_LIMIT, 0);
    return;
  }
  if (pn_route_insert(&e->route, pn_conn_slot(e, c)) != 0) {
    pn_conn_fail(e, c, PN_REASON_LOCAL_FAILURE, 0);
    return;
  }
  c->state = CS_PEER;
  e->npeers++;
  pn_list_push(e, &e->peers, PN_LIST_PEER, pn_conn_slot(e, c));
  (void)pn_ev_push(e, c, PN_EVENT_PEER_CONNECTED, 0, 0, 0);
  pn_timers_resched(e, c);
}

/* A Noise-layer failure as the reason a handshake ends. */
static int hs_reason(int rc) {
  return rc <= PN_ERR_FATAL ? PN_REASON_LOCAL_FAILURE
                            : PN_REASON_HANDSHAKE_FAILED;
}

/* Writes every handshake message due, then splits when done. */
static void hs_advance(pn_engine *e, pn_conn *c) {
  pn_handshake *hs = &e->hss[c->hs].hs;
  while (pn_handshake_action(hs) == PN_HS_WRITE) {
    const uint8_t *pay = e->hsp_out[hs->msg];
    size_t plen = e->hsp_out_len[hs->msg];
    size_t need = PN_FRAME_LEN + pn_handshake_overhead(hs) + plen, len;
    if (pn_flow_reserve(e, c, &c->txq, need, 0) != PN_OK) {
      pn_conn_fail(e, c, PN_REASON_MEMORY_PRESSURE, 0);
      return;
    }
    int rc = pn_handshake_write(hs, pay, plen, e->txs + PN_FRAME_LEN,
                                PN_NOISE_MAX_MSG, &len);
    if (rc != PN_OK) {
      pn_conn_fail(e, c, hs_reason(rc), 0);
      return;
    }
    pn_put16(e->txs, (uint32_t)len);
    int was_idle = !c->txq.len && !c->inflight;
    pn_bq_append(&e->pool, &c->txq, e->txs, PN_FRAME_LEN + len);
    pn_timers_any_frame_queued(e, c, was_idle);
    pn_tx_want_send(e, c);
  }
  if (pn_handshake_action(hs) == PN_HS_SPLIT) establish(e, c);
}

int pn_hs_frame_len_ok(pn_engine *e, pn_conn *c, uint32_t len) {
  pn_handshake *hs = &e->hss[c->hs].hs;
  if (pn_handshake_action(hs) != PN_HS_READ) return PN_REASON_PROTOCOL;
  /* The pattern's keys and tags, and a payload within the limit. */
  if (len > pn_handshake_overhead(hs) + e->hsp_in_cap)
    return PN_REASON_FRAME_TOO_LARGE;
  return 0;
}

int pn_hs_read_frame(pn_engine *e, pn_conn *c, const uint8_t *src, size_t n) {
  size_t q = c->rxq.len;
  if (q) pn_bq_peek(&e->pool, &c->rxq, e->rxs, q);
  if (n > q) memcpy(e->rxs + q, src, n - q);
  pn_handshake *hs = &e->hss[c->hs].hs;
  uint8_t none[1];
  size_t plen;
  unsigned idx = hs->msg;
  /* pn_hs_frame_len_ok bounded the payload by hsp_in_cap already. */
  int rc = pn_handshake_read(hs, e->rxs, n, e->hsp_in_cap ? e->hsp_in : none,
                             e->hsp_in_cap, &plen);
  if (rc != PN_OK) {
    pn_conn_fail(e, c, hs_reason(rc), 0);
    return PN_RX_CLOSED;
  }
  /* Refuse a key as soon as it is known, except after the last message:
   * then the split keys let the refusal travel in a CLOSE frame. */
  int reason =
      pn_handshake_action(hs) == PN_HS_SPLIT ? 0 : check_known_key(e, c);
  if (reason) {
    pn_conn_fail(e, c, reason, 0);
    return PN_RX_CLOSED;
  }
  pn_timers_authenticated_received(e, c);
  if (plen) {
    /* Delivered from hsp_in: receiving stops until it is polled. */
    pn_rx_hold(e, e->hsp_in, plen);
    (void)pn_ev_push(e, c, PN_EVENT_HANDSHAKE_PAYLOAD, 0, 0, idx);
  }
  hs_advance(e, c);
  if (pn_conn_ending(c)) return PN_RX_CLOSED;
  return plen ? PN_RX_STOP : PN_RX_OK;
}

/* see engine.h */
int pn_engine_conn_open(pn_engine *e, pn_dir dir, const pn_peer_id *expected,
                        void *user, pn_time now, pn_conn_id *out) {
  if (!e || !out || (dir != PN_DIR_INBOUND && dir != PN_DIR_OUTBOUND))
    return PN_ERR_INVALID_ARGUMENT;
  *out = 0;
  size_t dl = pn_protocol_dhlen(&e->proto);
  if (expected && expected->len != dl) return PN_ERR_INVALID_ARGUMENT;
  pn_clock_in(e, now);
  if (e->shutdown) return PN_ERR_SHUTDOWN;
  if (dir == PN_DIR_INBOUND && !e->listening) return PN_ERR_INVALID_STATE;
  if (!e->nfree_conns || e->nconns >= e->max_conns) return PN_ERR_CONN_LIMIT;
  if (e->hs_free == PN_NIL) return PN_ERR_HANDSHAKE_LIMIT;

  uint32_t hsi = e->hs_free;
  pn_hslot *h = &e->hss[hsi];
  pn_role role = dir == PN_DIR_OUTBOUND ? PN_INITIATOR : PN_RESPONDER;
  int rc = pn_handshake_init(&h->hs, &e->proto, &e->cx, role, &e->rng);
  if (rc != PN_OK) return rc;
  int needs = pn_handshake_needs(&h->hs);
  if ((needs & PN_NEED_REMOTE_STATIC) && !expected) {
    pn_handshake_wipe(&h->hs);
    return PN_ERR_MISSING_KEY;
  }
  if (needs & PN_NEED_LOCAL_STATIC) rc = pn_handshake_set_static(&h->hs, &e->s);
  if (rc == PN_OK && (needs & PN_NEED_REMOTE_STATIC))
    rc = pn_handshake_set_remote_static(&h->hs, expected->key, dl);
  if (rc == PN_OK && e->npsks)
    rc = pn_handshake_set_psks(
        &h->hs, (const uint8_t(*)[PN_NOISE_PSKLEN])e->psks, e->npsks);
  if (rc == PN_OK) rc = pn_handshake_start_prologued(&h->hs, &e->prologued);
  if (rc != PN_OK) {
    pn_handshake_wipe(&h->hs);
    return rc;
  }
  e->hs_free = h->next_free;
  e->nhs++;
  if (expected) h->expected = *expected;
  h->has_expected = expected != NULL;

  pn_conn *c = pn_conn_alloc(e, dir, user, hsi);
  *out = pn_conn_idof(e, c);
  pn_timers_handshake_started(e, c);
  int reason = check_known_key(e, c); /* a pre-message key */
  if (reason)
    pn_conn_fail(e, c, reason, 0);
  else
    hs_advance(e, c);
  return PN_OK;
}
