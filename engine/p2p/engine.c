/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The engine's creation and wipe, and its engine-wide inputs (listening,
 * shutdown). The connection-level inputs are in the modules that handle
 * them: establish.c (open), rx.c (recv), tx.c (send, sent, broadcast,
 * rekey), conn.c (closed, disconnect), timers.c (tick), event.c (poll).
 */
#include <string.h>

#include "config.h"
#include "conn.h"
#include "crypto.h"
#include "event.h"

/* A timeout from the config: 0 means the default. */
static pn_time dflt(pn_time v, pn_time d) {
  return v ? v : d;
}

static const pn_peer_id *route_key(const void *ctx, uint32_t idx) {
  const pn_engine *e = ctx;
  return &e->conns[idx].id;
}

/* see engine.h */
int pn_engine_init(pn_engine **pe, void *mem, size_t memlen,
                   const pn_engine_config *cfg, pn_time now) {
  if (!pe || !mem || !cfg) return PN_ERR_INVALID_ARGUMENT;
  *pe = NULL;
  if ((uintptr_t)mem % PN_ENGINE_ALIGN) return PN_ERR_INVALID_ARGUMENT;
  pn_settings st;
  int rc = pn_settle(cfg, &st);
  if (rc != PN_OK) return rc;
  pn_layout l;
  pn_plan(&st, cfg->profile, &l);
  if (memlen < l.total) return PN_ERR_INVALID_ARGUMENT;
  rc = pn_crypto_init();
  if (rc != PN_OK) return rc;
  uint8_t *base = mem;
  /* The pool, the delivery and the express buffers need no zeroing:
   * untouched pages stay untouched until used. */
  memset(base, 0, l.deliver);
  pn_engine *e = mem;
  uint8_t sipkey[PN_SIPHASH_KEYLEN];
  e->total = l.total;
  e->proto = st.proto;
  e->rng = cfg->rng;
  if (!e->rng.fill) e->rng.fill = pn_random_default;
  if (cfg->static_private) {
    rc = pn_keypair_from_private(&e->s, &e->proto, cfg->static_private,
                                 cfg->static_private_len);
    if (rc != PN_OK) goto out;
    e->has_s = 1;
  }
  rc = pn_crypto_ctx_init(&e->cx, &e->proto);
  if (rc != PN_OK) goto out;
  rc = pn_symmetric_init(&e->prologued, &e->proto, &e->cx);
  if (rc == PN_OK)
    rc = pn_symmetric_mix_hash(&e->prologued, cfg->prologue, cfg->prologue_len);
  if (rc != PN_OK) goto out;
  for (size_t i = 0; i < cfg->npsks; i++)
    memcpy(e->psks[i], cfg->psks[i], PN_NOISE_PSKLEN);
  e->npsks = cfg->npsks;
  uint8_t *hp = base + l.hsp_out;
  for (size_t i = 0; i < cfg->nhandshake_payloads; i++) {
    const pn_bytes *b = &cfg->handshake_payloads[i];
    if (!b->len) continue;
    memcpy(hp, b->data, b->len);
    e->hsp_out[i] = hp;
    e->hsp_out_len[i] = (uint16_t)b->len;
    hp += b->len;
  }
  e->hsp_in = base + l.hsp_in;
  e->hsp_in_cap = st.hsp_in;
  e->profile = cfg->profile;
  e->overflow = cfg->overflow;
  e->max_conns = st.max_conns;
  e->max_hs = st.max_hs;
  e->max_peers = st.max_peers;
  e->max_message = st.max_message;
  e->send_queue = st.send_queue;
  e->hs_timeout =
      dflt(cfg->handshake_timeout, PN_ENGINE_DEFAULT_HANDSHAKE_TIMEOUT);
  e->idle_timeout = dflt(cfg->idle_timeout, PN_ENGINE_DEFAULT_IDLE_TIMEOUT);
  e->keepalive = dflt(cfg->keepalive_interval, PN_ENGINE_DEFAULT_KEEPALIVE);
  e->linger = dflt(cfg->close_linger, PN_ENGINE_DEFAULT_CLOSE_LINGER);
  e->rekey_interval =
      dflt(cfg->rekey_interval, PN_ENGINE_DEFAULT_REKEY_INTERVAL);
  e->send_timeout = dflt(cfg->send_timeout, PN_ENGINE_DEFAULT_SEND_TIMEOUT);
  e->recv_timeout = dflt(cfg->recv_timeout, PN_ENGINE_DEFAULT_RECV_TIMEOUT);
  e->rekey_messages = cfg->rekey_messages ? cfg->rekey_messages
                                          : PN_ENGINE_DEFAULT_REKEY_MESSAGES;
  e->peer_rekey_limit = cfg->peer_rekey_limit
                            ? cfg->peer_rekey_limit
                            : PN_ENGINE_DEFAULT_PEER_REKEY_LIMIT;
  e->authorize = cfg->authorize;
  e->authorize_user = cfg->authorize_user;
  e->now = now;
  e->last_deadline = PN_TIME_NEVER;

  e->conns = (pn_conn *)(base + l.conns);
  e->free_conns = (uint32_t *)(base + l.free_conns);
  for (uint32_t i = 0; i < st.max_conns; i++) {
    pn_conn *c = &e->conns[i];
    c->gen = 1;
    c->hs = PN_NIL;
    /* Lowest slots first. */
    e->free_conns[i] = st.max_conns - 1 - i;
  }
  e->nfree_conns = st.max_conns;
  e->hss = (pn_hslot *)(base + l.hss);
  for (uint32_t i = 0; i < st.max_hs; i++)
    e->hss[i].next_free = i + 1 < st.max_hs ? i + 1 : PN_NIL;
  e->hs_free = st.max_hs ? 0 : PN_NIL;
  if (e->rng.fill(e->rng.user, sipkey, sizeof sipkey) != 0) {
    rc = PN_ERR_CRYPTO;
    goto out;
  }
  pn_route_init(&e->route, (uint32_t *)(base + l.route), l.route_size, sipkey,
                route_key, e);
  pn_heap_init(&e->timers, (pn_heap_ent *)(base + l.heap),
               (pn_heap_pos *)(base + l.pos), st.max_conns);
  e->ev = (pn_evq_ent *)(base + l.ev);
  e->ev_cap = l.ev_cap;
  pn_pool_init(&e->pool, base + l.pool, (uint32_t *)(base + l.pool_next),
               st.block, l.nblocks);
  e->close_reserve = l.close_reserve;
  e->hs_reserve = l.hs_reserve;
  e->rxs = base + l.rxs;
  e->txs = base + l.txs;
  e->deliver = base + l.deliver;
  e->xrx = l.xrx_cap ? base + l.xrx + PN_XRX_HEAD : NULL;
  e->xrx_cap = l.xrx_cap;
  e->xrx_own = PN_NIL;
  e->xrx_saved = -1;
  e->xtx = base + l.xtx;
  e->xtx_cap = l.xtx_cap;
  e->xtx_own = PN_NIL;
  e->sendq.head = e->sendq.tail = PN_NIL;
  e->closeq.head = e->closeq.tail = PN_NIL;
  e->peers.head = e->peers.tail = PN_NIL;
  e->bcast_next = PN_NIL;
  e->reasm_lead = PN_NIL;
  e->held.head = e->held.tail = PN_NIL;
  e->resumeq.head = e->resumeq.tail = PN_NIL;
  *pe = e;
out:
  pn_wipe(sipkey, sizeof sipkey);
  if (rc != PN_OK) {
    pn_crypto_ctx_wipe(&e->cx);
    pn_wipe(base, l.total);
  }
  return rc;
}

void pn_engine_mark_owned(pn_engine *e) {
  e->owned = 1;
}

void pn_engine_wipe(pn_engine *e) {
  if (!e) return;
  /* Plaintext pool blocks were wiped when freed (the others only ever held
   * ciphertext), and the delivery and express receive buffers up to their
   * high-water marks hold the only other plaintext (the express send
   * buffer only ciphertext): skipping the rest keeps a large untouched pool
   * untouched. */
  uint8_t *base = (uint8_t *)e;
  size_t head = (size_t)(e->deliver - base);
  /* First the libraries' contexts (freed, and with them the last keys
   * they held), then the engine's own memory. */
  pn_crypto_ctx_wipe(&e->cx);
  if (e->pool.nfree != e->pool.nblocks)
    pn_wipe(e->pool.mem, (size_t)e->pool.nblocks * e->pool.block);
  pn_wipe(e->deliver, e->deliver_hw);
  if (e->xrx) pn_wipe(e->xrx - PN_XRX_HEAD, PN_XRX_HEAD + e->xrx_hw);
  pn_wipe(base, head);
}

void *pn_engine_release(pn_engine *e) {
  int owned = e->owned;
  pn_engine_wipe(e);
  /* Memory given to pn_engine_init stays the caller's. */
  return owned ? e : NULL;
}

/* see engine.h */
int pn_engine_listening(pn_engine *e, pn_time now) {
  if (!e) return PN_ERR_INVALID_ARGUMENT;
  pn_clock_in(e, now);
  /* Nothing may follow CLOSED, and a closing engine listens no more. */
  if (e->shutdown) return PN_ERR_SHUTDOWN;
  if (e->listening) return PN_OK;
  e->listening = 1;
  return pn_ev_push(e, NULL, PN_EVENT_LISTENING, 0, 0, 0);
}

/* see engine.h */
int pn_engine_shutdown(pn_engine *e, pn_time now) {
  if (!e) return PN_ERR_INVALID_ARGUMENT;
  pn_clock_in(e, now);
  if (e->shutdown) return PN_OK;
  e->shutdown = 1;
  for (uint32_t i = 0; i < e->max_conns; i++) {
    pn_conn *c = &e->conns[i];
    if (c->state == CS_HANDSHAKE || pn_conn_routed(c))
      pn_conn_fail(e, c, PN_REASON_SHUTDOWN, 0);
  }
  return PN_OK;
}
