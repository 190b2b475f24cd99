/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The sans-IO engine (engine.h): connections, handshakes through the Noise
 * layer, framing, chunking with overflow, routing, limits, timers.
 *
 * Connection life: FREE -> HANDSHAKE -> OPEN -> CLOSING -> DEAD -> FREE.
 * DEAD means the transport is gone (CLOSE polled, or closed by the driver)
 * but events naming the slot wait in the event queue; the slot is reused
 * only after they were polled, so an event can always read its peer id.
 */
#include <string.h>

#include "crypto.h"
#include "engine_int.h"
#include "frame.h"
#include "noise_int.h"
#include "pool.h"
#include "route.h"
#include "timer.h"

#define NIL              UINT32_MAX
#define DEFAULT_PROTOCOL "Noise_XX_25519_ChaChaPoly_BLAKE2b"

enum conn_state { CS_FREE, CS_HANDSHAKE, CS_OPEN, CS_CLOSING, CS_DEAD };

enum conn_flag {
  F_ROUTED = 1 << 0,      /* the peer's routed connection: a peer */
  F_CLOSE_SENT = 1 << 1,  /* our CLOSE frame is queued */
  F_CLOSE_RCVD = 1 << 2,  /* the peer's CLOSE frame arrived */
  F_DRAIN = 1 << 3,       /* a duplicate loser: deliver until its CLOSE */
  F_DUP_WAIT = 1 << 4,    /* the peer closed us as a duplicate: wait for
                             the surviving connection before leaving */
  F_OVF_EPISODE = 1 << 5, /* outbound overflow reported, queue not drained */
  F_OVF_EVENT = 1 << 6,   /* an outbound OVERFLOW event waits in the queue */
  F_CHECKED = 1 << 7,     /* remote key compared and authorized */
  F_CLOSEQ = 1 << 8,      /* waits for its CLOSE action */
  F_SENDQ = 1 << 9,       /* in the send list */
  F_DISCARD = 1 << 10,    /* discarding an oversized inbound message */
  F_REASM = 1 << 11,      /* reassembling a chunked message */
  F_KEYS = 1 << 12,       /* transport keys exist */
  F_REPORTED = 1 << 13,   /* its end was reported (REJECTED/DISCONNECTED) */
  F_WAS_PEER = 1 << 14,
  F_GONE = 1 << 15 /* the driver closed the transport: nothing is sent */
};

typedef struct link {
  uint32_t prev, next;
} link;

typedef struct list {
  uint32_t head, tail;
} list;

/* Fields in the order a send to a cold peer touches them: the id the
 * routing lookup compares, then the state, timers and sending key, so that
 * at 10,000 peers a send costs as few cache misses as possible; what only
 * receiving, handshakes or views use comes after. */
typedef struct conn {
  pn_peer_id id;
  uint8_t state, dir, hdr_len, nev;
  uint32_t gen;
  uint32_t flags;
  uint32_t inflight; /* bytes of the SEND in flight */
  void *user;
  link q; /* send list or close list */
  pn_time last_rx, last_tx, last_rekey, dup_at;
  pn_cipherstate tx;
  uint64_t bytes_out, msgs_out, tx_since_rekey;
  pn_bq txq;
  /* Receiving. */
  uint8_t hdr[2];
  uint16_t reason;        /* our close reason */
  uint16_t remote_reason; /* from the peer's CLOSE */
  uint8_t hash_len;
  uint32_t hs;        /* handshake slot or NIL */
  uint32_t frame_len; /* body length of the frame being read */
  uint32_t reasm_total;
  uint32_t discard_left;
  pn_cipherstate rx;
  pn_bq rxq, reasm;
  uint64_t bytes_in, msgs_in;
  uint32_t rekeys_out, rekeys_in;
  /* The rest. */
  uint8_t hash[PN_NOISE_MAX_HASHLEN];
  pn_time opened, since, close_at;
  link peer; /* peers list */
} conn;

typedef struct hslot {
  pn_handshake hs;
  pn_peer_id expected;
  uint8_t has_expected;
  uint32_t next_free;
} hslot;

/* An event waiting to be polled. Peer data is read from the slot then. */
typedef struct evq_ent {
  uint8_t type, reason;
  uint16_t remote_reason;
  uint32_t slot; /* NIL for engine-level events */
  uint64_t size;
} evq_ent;

enum { REJ_CONN = 0, REJ_HS = 1 };

struct pn_engine {
  size_t total;
  int owned;
  pn_protocol proto;
  /* The crypto contexts every handshake and connection runs on: made at
   * init, released by pn_engine_wipe. */
  pn_crypto_ctx cx;
  pn_keypair s;
  int has_s;
  /* The symmetric state after the protocol name and the prologue: every
   * handshake starts from a copy. */
  pn_symmetricstate prologued;
  uint8_t psks[PN_NOISE_MAX_PSKS][PN_NOISE_PSKLEN];
  size_t npsks;
  /* Handshake payloads: ours per message index, and the buffer a received
   * one is decrypted into and delivered from. */
  uint8_t *hsp_out[PN_NOISE_MAX_MSGS];
  uint16_t hsp_out_len[PN_NOISE_MAX_MSGS];
  uint8_t *hsp_in;
  uint32_t hsp_in_cap;
  int profile, overflow;
  uint32_t max_conns, max_hs, max_peers;
  uint64_t max_message, send_queue;
  pn_time hs_timeout, idle_timeout, keepalive, linger, rekey_interval;
  uint64_t rekey_messages;
  pn_rng rng;
  pn_authorize_fn authorize;
  void *authorize_user;

  pn_time now;
  conn *conns;
  uint32_t *free_conns, nfree_conns;
  hslot *hss;
  uint32_t hs_free, nhs;
  pn_route route;
  pn_timers timers;
  pn_pool pool;
  evq_ent *ev;
  uint32_t ev_cap, ev_head, ev_len;
  list sendq, closeq, peers;
  uint8_t *rxs, *txs, *deliver;
  size_t deliver_hw;
  /* Express buffers, each lent to one connection at a time (NIL: free).
   * xrx: a chunked message decrypted in place, contiguous, delivered from
   * there; xrx_have bytes of it are in. xtx: output encrypted in place and
   * handed out as one SEND; bytes [xtx_off, xtx_len) are not yet acked.
   * Connections that find one lent use the pool queues instead. */
  uint8_t *xrx, *xtx;
  size_t xrx_cap, xrx_hw, xtx_cap;
  uint32_t xrx_own, xtx_own;
  uint32_t xrx_have, xtx_off, xtx_len;
  /* A frame of the owner split across receive calls is put together at
   * xrx_dst, where it is decrypted: xrx_part bytes so far (0: none), and
   * the data byte its start covers (xrx_saved, -1: none). */
  uint8_t *xrx_dst;
  uint32_t xrx_part;
  int xrx_saved;
  const uint8_t *msg_ptr;
  size_t msg_len;
  int msg_pending;
  uint32_t nconns, npeers;
  uint64_t rej_count[2];
  uint8_t rej_pending[2];
  uint8_t listening_pending;
  uint8_t shutdown, closed_emitted;
  pn_time last_deadline;
};

/* ---- Layout ------------------------------------------------------------- */

/* Room before the express receive buffer's data, for the header of the
 * first chunk decrypted in front of it (and after it, PN_NOISE_TAGLEN for
 * the tag of a chunk put together there before it is decrypted). */
enum { XRX_HEAD = 16 };

typedef struct layout {
  size_t conns, free_conns, hss, route, heap, pos, ev, pool_next, rxs, txs,
      hsp_out, hsp_in, deliver, xrx, xtx, pool, total;
  size_t xrx_cap, xtx_cap;
  uint32_t route_size, ev_cap, nblocks, reserve;
} layout;

static size_t align_up(size_t n) {
  return (n + PN_ENGINE_ALIGN - 1) & ~(size_t)(PN_ENGINE_ALIGN - 1);
}

static pn_time dflt(pn_time v, pn_time d) {
  return v ? v : d;
}

/* The config with defaults applied, validated; 0 or an error. */
typedef struct settings {
  pn_protocol proto;
  uint32_t max_conns, max_hs, max_peers, block;
  uint64_t max_message, send_queue, budget;
  size_t hsp_out;
  uint32_t hsp_in;
  int needs_static;
} settings;

static int settle(const pn_engine_config *cfg, settings *st) {
  if (!cfg) return PN_ERR_INVALID_ARGUMENT;
  const char *name = cfg->protocol ? cfg->protocol : DEFAULT_PROTOCOL;
  int rc = pn_protocol_parse(&st->proto, name, strlen(name), PN_BACKEND_AUTO);
  if (rc != PN_OK) return rc;
  const pn_protocol *p = &st->proto;
  /* The engine speaks interactive patterns; fallback needs Noise Pipes. */
  if (p->one_way || p->fallback) return PN_ERR_INVALID_ARGUMENT;
  st->needs_static = 0;
  for (int role = PN_INITIATOR; role <= PN_RESPONDER; role++)
    if (pn_protocol_needs(p, (pn_role)role) & PN_NEED_LOCAL_STATIC)
      st->needs_static = 1;
  size_t dl = pn_protocol_dhlen(p);
  if (cfg->static_private && cfg->static_private_len != dl)
    return PN_ERR_INVALID_ARGUMENT;
  if (st->needs_static && !cfg->static_private) return PN_ERR_INVALID_ARGUMENT;
  if (p->npsk && (cfg->npsks < p->npsk || !cfg->psks))
    return PN_ERR_INVALID_ARGUMENT;
  if (cfg->npsks > PN_NOISE_MAX_PSKS || (cfg->npsks && !cfg->psks))
    return PN_ERR_INVALID_ARGUMENT;
  if (cfg->prologue_len > PN_ENGINE_MAX_PROLOGUE ||
      (cfg->prologue_len && !cfg->prologue))
    return PN_ERR_INVALID_ARGUMENT;
  if (cfg->profile != PN_PROFILE_FRAMED && cfg->profile != PN_PROFILE_PLAIN)
    return PN_ERR_INVALID_ARGUMENT;
  if (cfg->nhandshake_payloads > PN_NOISE_MAX_MSGS ||
      (cfg->nhandshake_payloads && !cfg->handshake_payloads) ||
      cfg->max_handshake_payload > PN_ENGINE_MAX_HANDSHAKE_PAYLOAD)
    return PN_ERR_INVALID_ARGUMENT;
  st->hsp_out = 0;
  for (size_t i = 0; i < cfg->nhandshake_payloads; i++) {
    const pn_bytes *b = &cfg->handshake_payloads[i];
    if (b->len > PN_ENGINE_MAX_HANDSHAKE_PAYLOAD || (b->len && !b->data))
      return PN_ERR_INVALID_ARGUMENT;
    st->hsp_out += b->len;
  }
  st->hsp_in = cfg->max_handshake_payload;
  if (cfg->overflow != PN_OVERFLOW_REJECT &&
      cfg->overflow != PN_OVERFLOW_DISCONNECT)
    return PN_ERR_INVALID_ARGUMENT;
  st->max_conns = cfg->max_conns ? cfg->max_conns : PN_ENGINE_DEFAULT_MAX_CONNS;
  st->max_hs = cfg->max_handshakes ? cfg->max_handshakes
                                   : PN_ENGINE_DEFAULT_MAX_HANDSHAKES;
  st->max_peers = cfg->max_peers ? cfg->max_peers : PN_ENGINE_DEFAULT_MAX_PEERS;
  if (st->max_conns > PN_ENGINE_MAX_CONNS) return PN_ERR_INVALID_ARGUMENT;
  if (st->max_hs > st->max_conns) st->max_hs = st->max_conns;
  if (st->max_peers > st->max_conns) st->max_peers = st->max_conns;
  if (cfg->profile == PN_PROFILE_PLAIN) {
    st->max_message =
        cfg->max_message ? cfg->max_message : PN_ENGINE_PLAIN_MAX_MESSAGE;
    if (st->max_message > PN_ENGINE_PLAIN_MAX_MESSAGE)
      return PN_ERR_INVALID_ARGUMENT;
  } else {
    st->max_message =
        cfg->max_message ? cfg->max_message : PN_ENGINE_DEFAULT_MAX_MESSAGE;
    if (st->max_message > UINT32_MAX) return PN_ERR_INVALID_ARGUMENT;
  }
  uint64_t wire_max = pn_frame_wire_size(st->max_message) + 64;
  st->send_queue = cfg->send_queue ? cfg->send_queue
                   : wire_max > PN_ENGINE_DEFAULT_SEND_QUEUE
                       ? wire_max
                       : PN_ENGINE_DEFAULT_SEND_QUEUE;
  if (st->send_queue < wire_max || st->send_queue > UINT32_MAX)
    return PN_ERR_INVALID_ARGUMENT;
  st->block = cfg->pool_block ? cfg->pool_block : PN_ENGINE_DEFAULT_POOL_BLOCK;
  if (st->block < PN_ENGINE_MIN_POOL_BLOCK ||
      st->block > PN_ENGINE_MAX_POOL_BLOCK)
    return PN_ERR_INVALID_ARGUMENT;
  uint64_t reserve = (PN_FRAME_MAX_WIRE + st->block - 1) / st->block + 1;
  uint64_t need = reserve + (wire_max + st->block - 1) / st->block + 1;
  uint64_t dbudget = PN_ENGINE_DEFAULT_POOL_BUDGET;
  if (dbudget < 4 * need * st->block) dbudget = 4 * need * st->block;
  st->budget = cfg->pool_budget ? cfg->pool_budget : dbudget;
  if (st->budget / st->block < need || st->budget / st->block > UINT32_MAX / 2)
    return PN_ERR_INVALID_ARGUMENT;
  return PN_OK;
}

static void plan(const settings *st, int profile, layout *l) {
  size_t off = align_up(sizeof(struct pn_engine));
  uint32_t c = st->max_conns;
  l->route_size = pn_route_size(c);
  l->ev_cap = 3 * c + 8;
  l->nblocks = (uint32_t)(st->budget / st->block);
  l->reserve = (PN_FRAME_MAX_WIRE + st->block - 1) / st->block + 1;
#define PLACE(field, bytes)                                                    \
  do {                                                                         \
    l->field = off;                                                            \
    off = align_up(off + (bytes));                                             \
  } while (0)
  PLACE(conns, (size_t)c * sizeof(conn));
  PLACE(free_conns, (size_t)c * sizeof(uint32_t));
  PLACE(hss, (size_t)st->max_hs * sizeof(hslot));
  PLACE(route, (size_t)l->route_size * sizeof(uint32_t));
  PLACE(heap, (size_t)c * sizeof(pn_heap_ent));
  PLACE(pos, (size_t)c * sizeof(pn_heap_pos));
  PLACE(ev, (size_t)l->ev_cap * sizeof(evq_ent));
  PLACE(pool_next, pn_pool_meta_size(l->nblocks));
  PLACE(rxs, PN_NOISE_MAX_MSG + 16);
  PLACE(txs, PN_NOISE_MAX_MSG + 16);
  PLACE(hsp_out, st->hsp_out);
  PLACE(hsp_in, st->hsp_in);
  /* Chunked messages are delivered contiguous from here; the plain profile
   * delivers straight from the decryption buffer. */
  PLACE(deliver, profile == PN_PROFILE_PLAIN ? 0 : (size_t)st->max_message);
  /* The express buffers (see struct pn_engine): a chunked message's data
   * after XRX_HEAD bytes of room for the first chunk's header, and one
   * maximal message in wire form. */
  l->xrx_cap = profile == PN_PROFILE_PLAIN ? 0 : (size_t)st->max_message;
  PLACE(xrx, l->xrx_cap ? XRX_HEAD + l->xrx_cap + PN_NOISE_TAGLEN : 0);
  l->xtx_cap = profile == PN_PROFILE_PLAIN
                   ? (size_t)st->max_message + PN_FRAME_LEN + PN_NOISE_TAGLEN
                   : (size_t)pn_frame_wire_size(st->max_message);
  PLACE(xtx, l->xtx_cap);
  PLACE(pool, (size_t)l->nblocks * st->block);
#undef PLACE
  l->total = off;
}

void pn_engine_config_default(pn_engine_config *cfg) {
  if (!cfg) return;
  memset(cfg, 0, sizeof *cfg);
  cfg->protocol = DEFAULT_PROTOCOL;
}

int pn_engine_config_check(const pn_engine_config *cfg) {
  settings st;
  return settle(cfg, &st);
}

size_t pn_engine_memsize(const pn_engine_config *cfg) {
  settings st;
  layout l;
  if (settle(cfg, &st) != PN_OK) return 0;
  plan(&st, cfg->profile, &l);
  return l.total;
}

/* ---- Small helpers ------------------------------------------------------ */

static pn_time add_time(pn_time t, pn_time d) {
  if (d == PN_TIME_NEVER || t > PN_TIME_NEVER - d) return PN_TIME_NEVER;
  return t + d;
}

static void clock_in(pn_engine *e, pn_time now) {
  if (now > e->now) e->now = now; /* backwards is clamped */
}

static uint32_t slot_of(const pn_engine *e, const conn *c) {
  return (uint32_t)(c - e->conns);
}

static pn_conn_id conn_id(const pn_engine *e, const conn *c) {
  return ((uint64_t)c->gen << 32) | (slot_of(e, c) + 1);
}

static conn *lookup(pn_engine *e, pn_conn_id id) {
  uint32_t s = (uint32_t)id;
  if (!s || s > e->max_conns) return NULL;
  conn *c = &e->conns[s - 1];
  if (c->gen != (uint32_t)(id >> 32)) return NULL;
  if (c->state == CS_FREE || c->state == CS_DEAD) return NULL;
  return c;
}

static const pn_peer_id *route_key(const void *ctx, uint32_t idx) {
  const pn_engine *e = ctx;
  return &e->conns[idx].id;
}

static void list_push(pn_engine *e, list *l, int which, uint32_t i) {
  link *k = which ? &e->conns[i].peer : &e->conns[i].q;
  k->next = NIL;
  k->prev = l->tail;
  if (l->tail != NIL) {
    link *t = which ? &e->conns[l->tail].peer : &e->conns[l->tail].q;
    t->next = i;
  } else {
    l->head = i;
  }
  l->tail = i;
}

static void list_unlink(pn_engine *e, list *l, int which, uint32_t i) {
  link *k = which ? &e->conns[i].peer : &e->conns[i].q;
  if (k->prev != NIL)
    (which ? &e->conns[k->prev].peer : &e->conns[k->prev].q)->next = k->next;
  else
    l->head = k->next;
  if (k->next != NIL)
    (which ? &e->conns[k->next].peer : &e->conns[k->next].q)->prev = k->prev;
  else
    l->tail = k->prev;
  k->prev = k->next = NIL;
}

/* ---- Events -------------------------------------------------------------- */

static int ev_push(pn_engine *e, conn *c, int type, int reason,
                   int remote_reason, uint64_t size) {
  /* Capacity is 3 per slot plus engine events, each coalesced: never full. */
  if (e->ev_len >= e->ev_cap) return PN_ERR_INTERNAL;
  evq_ent *x = &e->ev[(e->ev_head + e->ev_len++) % e->ev_cap];
  x->type = (uint8_t)type;
  x->reason = (uint8_t)reason;
  x->remote_reason = (uint16_t)remote_reason;
  x->slot = c ? slot_of(e, c) : NIL;
  x->size = size;
  if (c) c->nev++;
  return PN_OK;
}

/* ---- Timers -------------------------------------------------------------- */

static pn_time min_t(pn_time a, pn_time b) {
  return a < b ? a : b;
}

static pn_time conn_deadline(const pn_engine *e, const conn *c) {
  if (c->flags & F_CLOSEQ) return PN_TIME_NEVER;
  switch (c->state) {
  case CS_HANDSHAKE:
    return add_time(c->opened, e->hs_timeout);
  case CS_OPEN: {
    pn_time d = add_time(c->last_rx, e->idle_timeout);
    if (e->profile == PN_PROFILE_FRAMED) {
      d = min_t(d, add_time(c->last_tx, e->keepalive));
      d = min_t(d, add_time(c->last_rekey, e->rekey_interval));
    }
    if (c->flags & F_DUP_WAIT) d = min_t(d, c->dup_at);
    return d;
  }
  case CS_CLOSING:
    return c->close_at;
  default:
    return PN_TIME_NEVER;
  }
}

static void resched(pn_engine *e, conn *c) {
  pn_timers_lower(&e->timers, slot_of(e, c), conn_deadline(e, c));
}

/*
 * The timers, and the protocol events that drive them:
 *
 * - Handshake timeout: a connection that is not established
 *   handshake_timeout after it opened is REJECTED (HANDSHAKE_TIMEOUT).
 * - Idle timeout: an established peer from which nothing authenticated
 *   arrived for idle_timeout is closed (IDLE_TIMEOUT).
 * - Keepalive: when nothing was queued to a peer for keepalive_interval, a
 *   KEEPALIVE frame is (framed profile).
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
static void timers_handshake_started(pn_engine *e, conn *c) {
  c->opened = c->last_rx = c->last_tx = e->now;
  resched(e, c);
}

static void timers_session_started(pn_engine *e, conn *c) {
  c->since = c->last_rx = c->last_tx = c->last_rekey = e->now;
}

static void timers_any_frame_queued(pn_engine *e, conn *c) {
  c->last_tx = e->now;
}

static void timers_authenticated_received(pn_engine *e, conn *c) {
  c->last_rx = e->now; /* a later deadline: the heap catches up lazily */
}

static void timers_key_rotated(pn_engine *e, conn *c) {
  c->last_rekey = e->now;
}

static void timers_close_started(pn_engine *e, conn *c, pn_time linger) {
  c->close_at = add_time(e->now, linger);
  pn_timers_set(&e->timers, slot_of(e, c), c->close_at);
}

/* How long either side of a duplicate waits for the switch: the handshake
 * timeout, bounded even when that timer is off, or a peer that never
 * finishes the switch would hold the connection forever. */
static pn_time dup_wait(const pn_engine *e) {
  return e->hs_timeout == PN_TIME_NEVER ? PN_ENGINE_DEFAULT_HANDSHAKE_TIMEOUT
                                        : e->hs_timeout;
}

static void timers_duplicate_closed_by_peer(pn_engine *e, conn *c) {
  c->dup_at = add_time(e->now, dup_wait(e));
  resched(e, c);
}

/* ---- Slots and teardown -------------------------------------------------- */

static void hs_release(pn_engine *e, conn *c) {
  if (c->hs == NIL) return;
  hslot *h = &e->hss[c->hs];
  pn_handshake_wipe(&h->hs);
  memset(&h->expected, 0, sizeof h->expected);
  h->has_expected = 0;
  h->next_free = e->hs_free;
  e->hs_free = c->hs;
  e->nhs--;
  c->hs = NIL;
}

static void maybe_free(pn_engine *e, conn *c) {
  if (c->state != CS_DEAD || c->nev) return;
  uint32_t gen = c->gen + 1;
  pn_wipe(c, sizeof *c);
  c->gen = gen ? gen : 1;
  c->state = CS_FREE;
  c->hs = NIL;
  e->free_conns[e->nfree_conns++] = slot_of(e, c);
  e->nconns--;
}

static void unroute(pn_engine *e, conn *c) {
  if (!(c->flags & F_ROUTED)) return;
  (void)pn_route_remove(&e->route, &c->id);
  list_unlink(e, &e->peers, 1, slot_of(e, c));
  c->flags &= ~(uint32_t)F_ROUTED;
  e->npeers--;
}

/* Output queued to |c|: its share of the express send buffer, then its
 * pool queue (which only ever follows it). */
static size_t tx_queued(const pn_engine *e, const conn *c) {
  size_t n = c->txq.len;
  if (e->xtx_own == slot_of(e, c)) n += e->xtx_len - e->xtx_off;
  return n;
}

static void xtx_release(pn_engine *e) {
  e->xtx_own = NIL;
  e->xtx_off = e->xtx_len = 0;
}

static void xrx_release(pn_engine *e) {
  e->xrx_own = NIL;
  e->xrx_have = e->xrx_part = 0;
}

/* Forgets the message |c| is reassembling, wherever it is. A partial
 * frame put together in the express buffer stays there (|c| keeps it until
 * the frame is whole) unless |c| is going away. */
static void reasm_drop(pn_engine *e, conn *c, int keep_frame) {
  pn_bq_clear(&e->pool, &c->reasm);
  if (e->xrx_own == slot_of(e, c) && !(keep_frame && e->xrx_part))
    xrx_release(e);
}

/* Forgets everything of the transport connection; events may still name
 * the slot. */
static void conn_release(pn_engine *e, conn *c) {
  uint32_t i = slot_of(e, c);
  unroute(e, c);
  if (c->flags & (F_SENDQ | F_CLOSEQ))
    list_unlink(e, (c->flags & F_CLOSEQ) ? &e->closeq : &e->sendq, 0, i);
  c->flags &= ~(uint32_t)(F_SENDQ | F_CLOSEQ);
  pn_timers_remove(&e->timers, i);
  hs_release(e, c);
  pn_bq_clear(&e->pool, &c->rxq);
  pn_bq_clear(&e->pool, &c->txq);
  if (e->xtx_own == i) xtx_release(e);
  reasm_drop(e, c, 0);
  pn_cipherstate_wipe(&c->tx);
  pn_cipherstate_wipe(&c->rx);
  c->inflight = 0;
  c->state = CS_DEAD;
  maybe_free(e, c);
}

/* Queues the CLOSE action: the transport is to be closed. */
static void close_now(pn_engine *e, conn *c) {
  uint32_t i = slot_of(e, c);
  if (c->flags & F_CLOSEQ) return;
  if (c->flags & F_SENDQ) list_unlink(e, &e->sendq, 0, i);
  c->flags &= ~(uint32_t)F_SENDQ;
  c->flags |= F_CLOSEQ;
  list_push(e, &e->closeq, 0, i);
  pn_timers_remove(&e->timers, i);
  if (c->state != CS_CLOSING) c->state = CS_CLOSING;
}

static void want_send(pn_engine *e, conn *c) {
  if (c->flags & (F_SENDQ | F_CLOSEQ) || c->inflight || !tx_queued(e, c))
    return;
  c->flags |= F_SENDQ;
  list_push(e, &e->sendq, 0, slot_of(e, c));
}

/* A closing connection is done once our CLOSE left and the peer's came
 * (or there is nothing more to say: plain profile, no keys). */
static void closing_progress(pn_engine *e, conn *c) {
  if (c->state != CS_CLOSING || (c->flags & F_CLOSEQ)) return;
  if (tx_queued(e, c) || c->inflight) return;
  int framed = e->profile == PN_PROFILE_FRAMED && (c->flags & F_KEYS);
  if (!framed || (c->flags & F_CLOSE_RCVD)) close_now(e, c);
}

/* ---- Transmit ------------------------------------------------------------ */

/* Encrypts the |len| bytes at |f| + 2 in place into a frame at |f|. A
 * frame in e->txs is appended to the transmit queue, whose room was
 * reserved; one in the express send buffer (|c| owns it) stays there. */
/* Encrypts the frame at |f|: its |hdr| bytes already in place after the
 * length, then |n| bytes of |body| (NULL: already in place after the
 * header), and queues it. */
static int put_frame(pn_engine *e, conn *c, uint8_t *f, size_t hdr,
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
    e->xtx_len += (uint32_t)(PN_FRAME_LEN + out);
  timers_any_frame_queued(e, c);
  return PN_OK;
}

/* A small control frame (keepalive, close, rekey), which may use the
 * nonces kept back for it. Only CLOSE may dip into the pool's reserve:
 * linger bounds how long it holds it, and a connection must always be
 * able to say goodbye. */
static int control_frame(pn_engine *e, conn *c, const uint8_t *pt, size_t len) {
  if (pn_bq_reserve(&e->pool, &c->txq, PN_FRAME_LEN + PN_NOISE_TAGLEN + len,
                    pt[0] == PN_FT_CLOSE) != 0)
    return PN_ERR_POOL_EXHAUSTED;
  memcpy(e->txs + PN_FRAME_LEN, pt, len);
  int rc = put_frame(e, c, e->txs, len, NULL, 0);
  if (rc == PN_OK)
    want_send(e, c);
  else
    pn_wipe(e->txs, PN_FRAME_LEN + len);
  return rc;
}

static int nonces_left(const conn *c, uint64_t want) {
  uint64_t n = pn_cipherstate_nonce(&c->tx);
  return n <= UINT64_MAX - 1 - PN_ENGINE_NONCE_RESERVE - want;
}

/* Starts closing |c| with |reason|: unroutes it, queues a CLOSE frame when
 * keys allow, else closes the transport at once. Reports nothing. */
static void begin_close(pn_engine *e, conn *c, int reason) {
  unroute(e, c);
  if (c->state == CS_CLOSING) return;
  c->reason = (uint16_t)reason;
  /* A CLOSE frame needs keys and a transport to carry it. */
  int graceful =
      (c->flags & F_KEYS) && c->state == CS_OPEN && !(c->flags & F_GONE);
  hs_release(e, c);
  reasm_drop(e, c, 1);
  c->flags &= ~(uint32_t)(F_REASM | F_DISCARD | F_DUP_WAIT);
  c->state = CS_CLOSING;
  if (!graceful) {
    close_now(e, c);
    return;
  }
  if (e->profile == PN_PROFILE_FRAMED && !(c->flags & F_CLOSE_SENT)) {
    uint8_t f[PN_FT_CLOSE_LEN] = {PN_FT_CLOSE, 0, 0};
    pn_put16(f + 1, (uint32_t)reason);
    if (control_frame(e, c, f, sizeof f) != PN_OK) {
      close_now(e, c);
      return;
    }
    c->flags |= F_CLOSE_SENT;
  }
  pn_time linger = e->linger;
  /* A duplicate keeps reading while the peer moves to the survivor. */
  if (reason == PN_REASON_DUPLICATE && dup_wait(e) > linger)
    linger = dup_wait(e);
  timers_close_started(e, c, linger);
  closing_progress(e, c);
}

/* Reports the end of |c| (DISCONNECTED for a peer, REJECTED otherwise) and
 * closes it. */
static void conn_fail(pn_engine *e, conn *c, int reason, int remote_reason) {
  if (!(c->flags & F_REPORTED)) {
    c->flags |= F_REPORTED;
    int type =
        (c->flags & F_ROUTED) ? PN_EVENT_PEER_DISCONNECTED : PN_EVENT_REJECTED;
    if (type == PN_EVENT_REJECTED && (c->flags & F_WAS_PEER)) type = 0;
    if (type) (void)ev_push(e, c, type, reason, remote_reason, 1);
  }
  begin_close(e, c, reason);
}

/* The time |t| = now - (|interval| - a short retry delay), so that a timer
 * of |interval| that is due now fires again soon, never at once. */
static pn_time retry_base(const pn_engine *e, pn_time interval) {
  pn_time retry = interval > PN_SEC ? PN_SEC : interval;
  return e->now - (interval - retry);
}

static void queue_rekey(pn_engine *e, conn *c, int flags) {
  uint8_t f[PN_FT_REKEY_LEN] = {PN_FT_REKEY, (uint8_t)flags};
  /* The REKEY frame goes under the old key; the new key starts after it. */
  if (control_frame(e, c, f, sizeof f) != PN_OK) {
    /* No room in the pool: the message count retries at the next send,
     * the age in a second. */
    if (add_time(c->last_rekey, e->rekey_interval) <= e->now)
      c->last_rekey = retry_base(e, e->rekey_interval);
    return;
  }
  timers_key_rotated(e, c);
  c->tx_since_rekey = 0;
  if (pn_cipherstate_rekey(&c->tx) != PN_OK)
    conn_fail(e, c, PN_REASON_INTERNAL, 0);
  else
    c->rekeys_out++;
}

/* Encrypts and queues one application message (all or nothing). */
static int send_msg(pn_engine *e, conn *c, const uint8_t *msg, size_t len) {
  if (len > e->max_message) return PN_ERR_MSG_TOO_LARGE;
  int framed = e->profile == PN_PROFILE_FRAMED;
  uint64_t chunks = framed ? pn_frame_chunks(len) : 1;
  uint64_t wire =
      framed ? pn_frame_wire_size(len) : len + PN_FRAME_LEN + PN_NOISE_TAGLEN;
  if (!nonces_left(c, chunks + 1)) {
    conn_fail(e, c, PN_REASON_NONCE_EXHAUSTED, 0);
    return PN_ERR_NONCE_EXHAUSTED;
  }
  if (tx_queued(e, c) + wire > e->send_queue) {
    if (e->overflow == PN_OVERFLOW_DISCONNECT) {
      conn_fail(e, c, PN_REASON_SEND_QUEUE_FULL, 0);
    } else if (!(c->flags & (F_OVF_EPISODE | F_OVF_EVENT))) {
      c->flags |= F_OVF_EPISODE | F_OVF_EVENT;
      (void)ev_push(e, c, PN_EVENT_OVERFLOW, PN_REASON_SEND_QUEUE_FULL, 0, len);
    }
    return PN_ERR_OVERFLOW;
  }
  /* Straight into the express send buffer when it is free (or already
   * ours) and nothing of ours waits in the pool queue, which must follow
   * it; otherwise through e->txs into the pool queue. */
  uint32_t slot = slot_of(e, c);
  int express = !c->txq.len &&
                (e->xtx_own == NIL ||
                 (e->xtx_own == slot && e->xtx_len + wire <= e->xtx_cap)) &&
                wire <= e->xtx_cap;
  if (express) {
    if (e->xtx_own == NIL) {
      e->xtx_own = slot;
      e->xtx_off = e->xtx_len = 0;
    }
  } else if (pn_bq_reserve(&e->pool, &c->txq, wire, 0) != 0) {
    return PN_ERR_POOL_EXHAUSTED;
  }
  size_t off = 0;
  for (uint64_t i = 0; i < chunks; i++) {
    uint8_t *f = express ? e->xtx + e->xtx_len : e->txs;
    uint8_t *p = f + PN_FRAME_LEN;
    size_t hdr = 0, n = framed ? pn_frame_chunk_data(len, i) : len;
    if (framed && i == 0) {
      p[0] = PN_FT_DATA_FIRST;
      pn_put32(p + 1, (uint32_t)len);
      hdr = PN_FT_FIRST_HDR;
    } else if (framed) {
      p[0] = PN_FT_DATA_MORE;
      hdr = PN_FT_MORE_HDR;
    }
    /* The data is read from |msg| as it is encrypted: no copy first. */
    int rc = put_frame(e, c, f, hdr, n ? msg + off : NULL, n);
    off += n;
    if (rc != PN_OK) {
      /* Cannot happen after the checks above; the stream is now broken. */
      pn_wipe(f, PN_FRAME_LEN + hdr + n + PN_NOISE_TAGLEN);
      conn_fail(e, c, PN_REASON_INTERNAL, 0);
      return rc;
    }
  }
  /* No wipe: encryption in place left only ciphertext behind. */
  c->msgs_out++;
  c->bytes_out += len;
  want_send(e, c);
  if (framed && ++c->tx_since_rekey >= e->rekey_messages) queue_rekey(e, c, 0);
  return PN_OK;
}

/* ---- Handshake ----------------------------------------------------------- */

static void make_id(const pn_engine *e, const conn *c, const uint8_t *rs,
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
static int check_remote(pn_engine *e, conn *c, const pn_peer_id *id) {
  if (c->flags & F_CHECKED) return 0;
  c->flags |= F_CHECKED;
  hslot *h = c->hs != NIL ? &e->hss[c->hs] : NULL;
  if (h && h->has_expected && !pn_peer_id_equal(&h->expected, id))
    return PN_REASON_UNEXPECTED_KEY;
  if (e->authorize && !e->authorize(e->authorize_user, id, (pn_dir)c->dir))
    return PN_REASON_UNAUTHORIZED;
  return 0;
}

static int check_known_key(pn_engine *e, conn *c) {
  const uint8_t *rs = pn_handshake_remote_static(&e->hss[c->hs].hs);
  if (!rs || (c->flags & F_CHECKED)) return 0;
  pn_peer_id id;
  make_id(e, c, rs, &id);
  return check_remote(e, c, &id);
}

/* 1 if |a| survives against |b| (same peer): the connection initiated by
 * the lower static key, then the lower handshake hash. Both ends compute
 * the same answer alone. */
static int survives(const pn_engine *e, const conn *a, const conn *b) {
  size_t n = a->id.len;
  const uint8_t *ia = a->dir == PN_DIR_OUTBOUND ? e->s.pub : a->id.key;
  const uint8_t *ib = b->dir == PN_DIR_OUTBOUND ? e->s.pub : b->id.key;
  int d = memcmp(ia, ib, n);
  if (d) return d < 0;
  return memcmp(a->hash, b->hash, a->hash_len) < 0;
}

static void establish(pn_engine *e, conn *c) {
  pn_handshake *hs = &e->hss[c->hs].hs;
  pn_cipherstate tx, rx;
  int rc = pn_handshake_split(hs, &tx, &rx);
  if (rc != PN_OK) {
    conn_fail(e, c, PN_REASON_HANDSHAKE_FAILED, 0);
    return;
  }
  c->tx = tx;
  c->rx = rx;
  pn_cipherstate_wipe(&tx);
  pn_cipherstate_wipe(&rx);
  c->hash_len = (uint8_t)pn_handshake_hash(hs, c->hash);
  make_id(e, c, pn_handshake_remote_static(hs), &c->id);
  int reason = check_remote(e, c, &c->id);
  if (!reason && c->id.anonymous && e->hss[c->hs].has_expected)
    reason = PN_REASON_UNEXPECTED_KEY;
  hs_release(e, c);
  c->flags |= F_KEYS;
  c->state = CS_OPEN;
  timers_session_started(e, c);
  if (reason) {
    conn_fail(e, c, reason, 0);
    return;
  }
  uint32_t other = c->id.anonymous ? NIL : pn_route_find(&e->route, &c->id);
  if (other != NIL) {
    conn *o = &e->conns[other];
    conn *loser = c;
    if (survives(e, c, o)) {
      /* The new connection takes over the route and the peer's history. */
      pn_route_replace(&e->route, &c->id, slot_of(e, c));
      list_unlink(e, &e->peers, 1, other);
      list_push(e, &e->peers, 1, slot_of(e, c));
      o->flags &= ~(uint32_t)F_ROUTED;
      c->flags |= F_ROUTED | F_WAS_PEER;
      c->since = o->since;
      c->bytes_in += o->bytes_in;
      c->bytes_out += o->bytes_out;
      c->msgs_in += o->msgs_in;
      c->msgs_out += o->msgs_out;
      o->bytes_in = o->bytes_out = o->msgs_in = o->msgs_out = 0;
      loser = o;
    }
    loser->flags |= F_DRAIN;
    loser->flags &= ~(uint32_t)F_DUP_WAIT;
    if (loser == c) c->flags |= F_WAS_PEER;
    (void)ev_push(e, loser, PN_EVENT_REJECTED, PN_REASON_DUPLICATE, 0, 1);
    loser->flags |= F_REPORTED;
    begin_close(e, loser, PN_REASON_DUPLICATE);
    resched(e, c);
    return;
  }
  if (e->npeers >= e->max_peers) {
    conn_fail(e, c, PN_REASON_PEER_LIMIT, 0);
    return;
  }
  if (pn_route_insert(&e->route, slot_of(e, c)) != 0) {
    conn_fail(e, c, PN_REASON_INTERNAL, 0);
    return;
  }
  c->flags |= F_ROUTED | F_WAS_PEER;
  e->npeers++;
  list_push(e, &e->peers, 1, slot_of(e, c));
  (void)ev_push(e, c, PN_EVENT_PEER_CONNECTED, 0, 0, 0);
  resched(e, c);
}

/* Writes every handshake message due, then splits when done. */
static void hs_advance(pn_engine *e, conn *c) {
  pn_handshake *hs = &e->hss[c->hs].hs;
  while (pn_handshake_action(hs) == PN_HS_WRITE) {
    const uint8_t *pay = e->hsp_out[hs->msg];
    size_t plen = e->hsp_out_len[hs->msg];
    size_t need = PN_FRAME_LEN + pn_handshake_overhead(hs) + plen, len;
    if (pn_bq_reserve(&e->pool, &c->txq, need, 0) != 0) {
      conn_fail(e, c, PN_REASON_POOL_EXHAUSTED, 0);
      return;
    }
    int rc = pn_handshake_write(hs, pay, plen, e->txs + PN_FRAME_LEN,
                                PN_NOISE_MAX_MSG, &len);
    if (rc != PN_OK) {
      conn_fail(e, c,
                rc <= PN_ERR_FATAL ? PN_REASON_INTERNAL
                                   : PN_REASON_HANDSHAKE_FAILED,
                0);
      return;
    }
    pn_put16(e->txs, (uint32_t)len);
    pn_bq_append(&e->pool, &c->txq, e->txs, PN_FRAME_LEN + len);
    timers_any_frame_queued(e, c);
    want_send(e, c);
  }
  if (pn_handshake_action(hs) == PN_HS_SPLIT) establish(e, c);
}

/* ---- Receive ------------------------------------------------------------- */

enum { RX_OK, RX_STOP, RX_STALL, RX_CLOSED };

static int deliverable(const conn *c) {
  return (c->flags & (F_ROUTED | F_DRAIN)) != 0;
}

static void deliver(pn_engine *e, conn *c, const uint8_t *p, size_t n) {
  c->msgs_in++;
  c->bytes_in += n;
  e->msg_ptr = p;
  e->msg_len = n;
  e->msg_pending = 1;
  (void)ev_push(e, c, PN_EVENT_MESSAGE, 0, 0, n);
}

static int overflow_in(pn_engine *e, conn *c, uint64_t size) {
  if (!deliverable(c)) return RX_OK;
  e->msg_pending = 1; /* one such event per receive call, like MESSAGE */
  e->msg_ptr = NULL;
  e->msg_len = 0;
  (void)ev_push(e, c, PN_EVENT_OVERFLOW, PN_REASON_MESSAGE_TOO_LARGE, 0, size);
  return RX_STOP;
}

static int remote_close(pn_engine *e, conn *c, int why) {
  c->flags |= F_CLOSE_RCVD;
  c->remote_reason = (uint16_t)why;
  if (c->state == CS_CLOSING) {
    closing_progress(e, c);
    return RX_CLOSED;
  }
  if (why == PN_REASON_DUPLICATE && (c->flags & F_ROUTED)) {
    /* Keep routing (and sending) here until the surviving connection is
     * up; our own CLOSE then ends this one. */
    c->flags |= F_DUP_WAIT;
    timers_duplicate_closed_by_peer(e, c);
    return RX_OK;
  }
  conn_fail(e, c, PN_REASON_REMOTE_CLOSED, why);
  return RX_CLOSED;
}

static int rx_transport(pn_engine *e, conn *c, uint8_t *pt, size_t n) {
  if (e->profile == PN_PROFILE_PLAIN) {
    if (!deliverable(c)) return RX_OK;
    if (n > e->max_message) return overflow_in(e, c, n);
    deliver(e, c, pt, n);
    return RX_STOP;
  }
  if (!n) return conn_fail(e, c, PN_REASON_PROTOCOL, 0), RX_CLOSED;
  switch (pt[0]) {
  case PN_FT_DATA_FIRST: {
    if (n < PN_FT_FIRST_HDR || (c->flags & (F_REASM | F_DISCARD))) break;
    uint32_t total = pn_get32(pt + 1);
    size_t dl = n - PN_FT_FIRST_HDR;
    if (dl > total) break;
    /* A chunk that is not the last must be full, so chunking is canonical
     * and a peer cannot stretch a message over many tiny frames. */
    if (dl < total && n != PN_FRAME_MAX_PLAIN) break;
    if (total > e->max_message) {
      c->discard_left = (uint32_t)(total - dl);
      if (c->discard_left) c->flags |= F_DISCARD;
      return overflow_in(e, c, total);
    }
    if (dl == total) {
      if (!deliverable(c)) return RX_OK;
      deliver(e, c, pt + PN_FT_FIRST_HDR, dl);
      return RX_STOP;
    }
    c->reasm_total = total;
    if (pt + PN_FT_FIRST_HDR == e->xrx) {
      /* Decrypted into the free express buffer (rx_dest): keep it there. */
      e->xrx_own = slot_of(e, c);
      e->xrx_have = (uint32_t)dl;
    } else {
      if (pn_bq_reserve(&e->pool, &c->reasm, total, 0) != 0) return RX_STALL;
      pn_bq_append(&e->pool, &c->reasm, pt + PN_FT_FIRST_HDR, dl);
    }
    c->flags |= F_REASM;
    return RX_OK;
  }
  case PN_FT_DATA_MORE: {
    size_t dl = n - PN_FT_MORE_HDR;
    if (c->flags & F_DISCARD) {
      if (dl > c->discard_left) break;
      if (dl < c->discard_left && n != PN_FRAME_MAX_PLAIN) break;
      c->discard_left -= (uint32_t)dl;
      if (!c->discard_left) c->flags &= ~(uint32_t)F_DISCARD;
      return RX_OK;
    }
    if (!(c->flags & F_REASM)) break;
    int express = e->xrx_own == slot_of(e, c);
    uint32_t have = express ? e->xrx_have : c->reasm.len;
    if (dl > c->reasm_total - have) break;
    if (dl < c->reasm_total - have && n != PN_FRAME_MAX_PLAIN) break;
    if (express) {
      /* Usually decrypted in place already (rx_dest). */
      if (pt + PN_FT_MORE_HDR != e->xrx + have)
        memcpy(e->xrx + have, pt + PN_FT_MORE_HDR, dl);
      e->xrx_have += (uint32_t)dl;
      if (e->xrx_have < c->reasm_total) return RX_OK;
      c->flags &= ~(uint32_t)F_REASM;
      xrx_release(e); /* the MESSAGE is delivered from it until polled */
      if (!deliverable(c)) return RX_OK;
      deliver(e, c, e->xrx, c->reasm_total);
      return RX_STOP;
    }
    pn_bq_append(&e->pool, &c->reasm, pt + PN_FT_MORE_HDR, dl);
    if (c->reasm.len < c->reasm_total) return RX_OK;
    c->flags &= ~(uint32_t)F_REASM;
    size_t total = c->reasm.len;
    pn_bq_peek(&e->pool, &c->reasm, e->deliver, total);
    if (total > e->deliver_hw) e->deliver_hw = total;
    pn_bq_clear(&e->pool, &c->reasm);
    if (!deliverable(c)) return RX_OK;
    deliver(e, c, e->deliver, total);
    return RX_STOP;
  }
  case PN_FT_KEEPALIVE:
    if (n != 1) break;
    return RX_OK;
  case PN_FT_CLOSE:
    if (n != PN_FT_CLOSE_LEN) break;
    return remote_close(e, c, (int)pn_get16(pt + 1));
  case PN_FT_REKEY:
    if (n != PN_FT_REKEY_LEN) break;
    if (pn_cipherstate_rekey(&c->rx) != PN_OK)
      return conn_fail(e, c, PN_REASON_INTERNAL, 0), RX_CLOSED;
    c->rekeys_in++;
    if ((pt[1] & PN_REKEY_FLAG_REPLY) && c->state == CS_OPEN)
      queue_rekey(e, c, 0);
    return RX_OK;
  default:
    break;
  }
  conn_fail(e, c, PN_REASON_PROTOCOL, 0);
  return RX_CLOSED;
}

/* Where the |n|-byte transport frame being read by |c| is decrypted, so
 * that its data lands where it is delivered from: a chunk of the message
 * |c| reassembles in the express buffer goes right after the data it has
 * (its header byte over the last data byte, which *saved keeps); a full-size
 * frame that may start a chunked message goes to the free express buffer;
 * anything else to e->rxs. A frame that is not what was expected still fits
 * and is handled as usual from there. */
static uint8_t *rx_dest(pn_engine *e, conn *c, size_t n, int *saved) {
  size_t pl = n - PN_NOISE_TAGLEN;
  *saved = -1;
  if (!e->xrx || c->state == CS_HANDSHAKE) return e->rxs;
  if (c->flags & F_REASM) {
    if (e->xrx_own != slot_of(e, c) || !pl ||
        pl - PN_FT_MORE_HDR > c->reasm_total - e->xrx_have)
      return e->rxs;
    uint8_t *d = e->xrx + e->xrx_have - PN_FT_MORE_HDR;
    *saved = d[0];
    return d;
  }
  if (c->flags & F_DISCARD || e->xrx_own != NIL || n != PN_NOISE_MAX_MSG ||
      pl - PN_FT_FIRST_HDR > e->xrx_cap)
    return e->rxs;
  return e->xrx - PN_FT_FIRST_HDR;
}

/* One whole frame body of |n| bytes: what |c|'s receive queue holds, then
 * the rest from |src|. Decrypted straight from |src| when it holds all. */
static int rx_frame(pn_engine *e, conn *c, const uint8_t *src, size_t n) {
  size_t q = c->rxq.len;
  if (c->state == CS_HANDSHAKE) {
    if (q) pn_bq_peek(&e->pool, &c->rxq, e->rxs, q);
    if (n > q) memcpy(e->rxs + q, src, n - q);
    pn_handshake *hs = &e->hss[c->hs].hs;
    uint8_t none[1];
    size_t plen;
    unsigned idx = hs->msg;
    /* frame_len_ok bounded the payload by hsp_in_cap already. */
    int rc = pn_handshake_read(hs, e->rxs, n, e->hsp_in_cap ? e->hsp_in : none,
                               e->hsp_in_cap, &plen);
    if (rc != PN_OK) {
      conn_fail(e, c,
                rc <= PN_ERR_FATAL ? PN_REASON_INTERNAL
                                   : PN_REASON_HANDSHAKE_FAILED,
                0);
      return RX_CLOSED;
    }
    /* Refuse a key as soon as it is known, except after the last message:
     * then the split keys let the refusal travel in a CLOSE frame. */
    int reason =
        pn_handshake_action(hs) == PN_HS_SPLIT ? 0 : check_known_key(e, c);
    if (reason) {
      conn_fail(e, c, reason, 0);
      return RX_CLOSED;
    }
    timers_authenticated_received(e, c);
    if (plen) {
      /* Delivered from hsp_in: receiving stops until it is polled. */
      e->msg_ptr = e->hsp_in;
      e->msg_len = plen;
      e->msg_pending = 1;
      (void)ev_push(e, c, PN_EVENT_HANDSHAKE_PAYLOAD, 0, 0, idx);
    }
    hs_advance(e, c);
    if (c->state == CS_CLOSING) return RX_CLOSED;
    return plen ? RX_STOP : RX_OK;
  }
  int saved;
  uint8_t *dst;
  size_t pl = n - PN_NOISE_TAGLEN;
  const uint8_t *in = src;
  uint32_t slot = slot_of(e, c);
  if (e->xrx_own == slot && e->xrx_part) {
    /* The rest of a frame put together in the express buffer. */
    dst = e->xrx_dst;
    saved = e->xrx_saved;
    memcpy(dst + e->xrx_part, src, n - e->xrx_part);
    e->xrx_part = 0;
    e->xrx_saved = -1;
    in = dst;
  } else {
    dst = rx_dest(e, c, n, &saved);
    if (dst != e->rxs) {
      size_t end = (size_t)(dst + pl - e->xrx);
      if (end > e->xrx_hw) e->xrx_hw = end;
    }
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
  int r;
  if (rc != PN_OK) {
    if (saved >= 0) dst[0] = (uint8_t)saved;
    conn_fail(e, c,
              rc == PN_ERR_NONCE_EXHAUSTED ? PN_REASON_NONCE_EXHAUSTED
              : rc == PN_ERR_DECRYPT       ? PN_REASON_DECRYPT
                                           : PN_REASON_INTERNAL,
              0);
    return RX_CLOSED;
  }
  r = rx_transport(e, c, dst, pl);
  if (saved >= 0) dst[0] = (uint8_t)saved;
  /* Taken for a frame that did not start a chunked message after all. */
  if (e->xrx_own == slot && !(c->flags & F_REASM) && !e->xrx_part)
    xrx_release(e);
  if (r == RX_STALL) {
    /* Not taken: the same ciphertext is decrypted again later with the
     * same nonce, which reveals nothing new. */
    pn_cipherstate_set_nonce(&c->rx, n0);
    pn_wipe(dst, pl);
    return r;
  }
  if (r != RX_CLOSED) timers_authenticated_received(e, c);
  return r;
}

/* The declared length of a frame, checked before any body byte is kept. */
static int frame_len_ok(pn_engine *e, conn *c, uint32_t len) {
  if (c->state == CS_HANDSHAKE) {
    pn_handshake *hs = &e->hss[c->hs].hs;
    if (pn_handshake_action(hs) != PN_HS_READ) return PN_REASON_PROTOCOL;
    /* The pattern's keys and tags, and a payload within the limit. */
    if (len > pn_handshake_overhead(hs) + e->hsp_in_cap)
      return PN_REASON_FRAME_TOO_LARGE;
    return 0;
  }
  if (len < PN_NOISE_TAGLEN) return PN_REASON_PROTOCOL;
  return 0;
}

static int readable(const conn *c) {
  if (c->flags & F_CLOSEQ) return 0;
  if (c->state == CS_HANDSHAKE || c->state == CS_OPEN) return 1;
  /* Closing: keep reading (nonces in step, drained messages) until the
   * peer's CLOSE arrives. */
  return c->state == CS_CLOSING && (c->flags & F_KEYS) &&
         !(c->flags & F_CLOSE_RCVD);
}

ptrdiff_t pn_engine_recv(pn_engine *e, pn_conn_id id, const uint8_t *data,
                         size_t len, pn_time now) {
  if (!e) return PN_ERR_INVALID_ARGUMENT;
  if (!data && len) return PN_ERR_INVALID_ARGUMENT;
  conn *c = lookup(e, id);
  if (!c) return PN_ERR_NOT_FOUND;
  clock_in(e, now);
  if (e->msg_pending) return 0;
  size_t taken = 0;
  while (taken < len) {
    if (!readable(c)) return (ptrdiff_t)len; /* ignored */
    if (c->hdr_len < PN_FRAME_LEN) {
      c->hdr[c->hdr_len++] = data[taken++];
      if (c->hdr_len < PN_FRAME_LEN) continue;
      c->frame_len = pn_get16(c->hdr);
      int reason = frame_len_ok(e, c, c->frame_len);
      if (reason) {
        conn_fail(e, c, reason, 0);
      } else if (!c->frame_len) {
        /* An empty frame is whole already (only a handshake allows one,
         * and no pattern has an empty message, so this fails cleanly). */
        c->hdr_len = 0;
        if (rx_frame(e, c, NULL, 0) == RX_STOP) break;
      }
      continue;
    }
    uint32_t slot = slot_of(e, c);
    int xpart = e->xrx_own == slot && e->xrx_part;
    size_t have = xpart ? e->xrx_part : c->rxq.len;
    size_t avail = len - taken, need = c->frame_len - have;
    int r;
    if (!have && avail >= c->frame_len) {
      r = rx_frame(e, c, data + taken, c->frame_len);
      if (r == RX_STALL) break;
    } else if (avail < need) {
      /* A partial frame: put together where it is to be decrypted when
       * that is the express buffer (see rx_dest; the tag may run past the
       * data by PN_NOISE_TAGLEN), else in the pool with room for the
       * whole of it, or take nothing. */
      uint8_t *dst = NULL;
      int saved = -1;
      if (xpart) {
        dst = e->xrx_dst + e->xrx_part;
      } else if (!have) {
        dst = rx_dest(e, c, c->frame_len, &saved);
        if (dst == e->rxs) {
          dst = NULL;
        } else {
          size_t end = (size_t)(dst + c->frame_len - e->xrx);
          if (end > e->xrx_hw) e->xrx_hw = end;
          e->xrx_own = slot; /* already, or for a first chunk */
          e->xrx_dst = dst;
          e->xrx_saved = saved;
        }
      }
      if (dst) {
        memcpy(dst, data + taken, avail);
        e->xrx_part += (uint32_t)avail;
        taken += avail;
        break;
      }
      if (pn_bq_reserve(&e->pool, &c->rxq, need, (c->flags & F_REASM) != 0) !=
          0)
        break;
      pn_bq_append(&e->pool, &c->rxq, data + taken, avail);
      taken += avail;
      break;
    } else {
      r = rx_frame(e, c, data + taken, c->frame_len);
      if (r == RX_STALL) break;
      pn_bq_clear(&e->pool, &c->rxq);
    }
    taken += need;
    c->hdr_len = 0;
    if (c->state != CS_FREE && c->state != CS_DEAD) resched(e, c);
    if (r == RX_STOP) break;
  }
  return (ptrdiff_t)taken;
}

/* ---- Creation ------------------------------------------------------------ */

int pn_engine_init(pn_engine **pe, void *mem, size_t memlen,
                   const pn_engine_config *cfg, pn_time now) {
  if (!pe || !mem || !cfg) return PN_ERR_INVALID_ARGUMENT;
  *pe = NULL;
  if ((uintptr_t)mem % PN_ENGINE_ALIGN) return PN_ERR_INVALID_ARGUMENT;
  settings st;
  int rc = settle(cfg, &st);
  if (rc != PN_OK) return rc;
  layout l;
  plan(&st, cfg->profile, &l);
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
  e->rekey_messages = cfg->rekey_messages ? cfg->rekey_messages
                                          : PN_ENGINE_DEFAULT_REKEY_MESSAGES;
  e->authorize = cfg->authorize;
  e->authorize_user = cfg->authorize_user;
  e->now = now;
  e->last_deadline = PN_TIME_NEVER;

  e->conns = (conn *)(base + l.conns);
  e->free_conns = (uint32_t *)(base + l.free_conns);
  for (uint32_t i = 0; i < st.max_conns; i++) {
    conn *c = &e->conns[i];
    c->gen = 1;
    c->hs = NIL;
    /* Lowest slots first. */
    e->free_conns[i] = st.max_conns - 1 - i;
  }
  e->nfree_conns = st.max_conns;
  e->hss = (hslot *)(base + l.hss);
  for (uint32_t i = 0; i < st.max_hs; i++)
    e->hss[i].next_free = i + 1 < st.max_hs ? i + 1 : NIL;
  e->hs_free = st.max_hs ? 0 : NIL;
  if (e->rng.fill(e->rng.user, sipkey, sizeof sipkey) != 0) {
    rc = PN_ERR_CRYPTO;
    goto out;
  }
  pn_route_init(&e->route, (uint32_t *)(base + l.route), l.route_size, sipkey,
                route_key, e);
  pn_timers_init(&e->timers, (pn_heap_ent *)(base + l.heap),
                 (pn_heap_pos *)(base + l.pos), st.max_conns);
  e->ev = (evq_ent *)(base + l.ev);
  e->ev_cap = l.ev_cap;
  pn_pool_init(&e->pool, base + l.pool, (uint32_t *)(base + l.pool_next),
               st.block, l.nblocks, l.reserve);
  e->rxs = base + l.rxs;
  e->txs = base + l.txs;
  e->deliver = base + l.deliver;
  e->xrx = l.xrx_cap ? base + l.xrx + XRX_HEAD : NULL;
  e->xrx_cap = l.xrx_cap;
  e->xrx_own = NIL;
  e->xrx_saved = -1;
  e->xtx = base + l.xtx;
  e->xtx_cap = l.xtx_cap;
  e->xtx_own = NIL;
  e->sendq.head = e->sendq.tail = NIL;
  e->closeq.head = e->closeq.tail = NIL;
  e->peers.head = e->peers.tail = NIL;
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
  if (e->xrx) pn_wipe(e->xrx - XRX_HEAD, XRX_HEAD + e->xrx_hw);
  pn_wipe(base, head);
}

void *pn_engine_release(pn_engine *e) {
  int owned = e->owned;
  pn_engine_wipe(e);
  /* Memory given to pn_engine_init stays the caller's. */
  return owned ? e : NULL;
}

/* ---- Inputs ---------------------------------------------------------------
 */

int pn_engine_listening(pn_engine *e, pn_time now) {
  if (!e) return PN_ERR_INVALID_ARGUMENT;
  clock_in(e, now);
  /* Nothing may follow CLOSED, and a closing engine listens no more. */
  if (e->shutdown) return PN_ERR_SHUTDOWN;
  if (e->listening_pending) return PN_OK;
  e->listening_pending = 1;
  return ev_push(e, NULL, PN_EVENT_LISTENING, 0, 0, 0);
}

static int refuse_open(pn_engine *e, int which, int err) {
  e->rej_count[which]++;
  if (!e->rej_pending[which]) {
    e->rej_pending[which] = 1;
    (void)ev_push(e, NULL, PN_EVENT_REJECTED,
                  which == REJ_CONN ? PN_REASON_CONN_LIMIT
                                    : PN_REASON_HANDSHAKE_LIMIT,
                  0, 0);
  }
  return err;
}

int pn_engine_conn_open(pn_engine *e, pn_dir dir, const pn_peer_id *expected,
                        void *user, pn_time now, pn_conn_id *out) {
  if (!e || !out || (dir != PN_DIR_INBOUND && dir != PN_DIR_OUTBOUND))
    return PN_ERR_INVALID_ARGUMENT;
  *out = 0;
  size_t dl = pn_protocol_dhlen(&e->proto);
  if (expected && expected->len != dl) return PN_ERR_INVALID_ARGUMENT;
  clock_in(e, now);
  if (e->shutdown) return PN_ERR_SHUTDOWN;
  if (!e->nfree_conns || e->nconns >= e->max_conns)
    return refuse_open(e, REJ_CONN, PN_ERR_CONN_LIMIT);
  if (e->hs_free == NIL) return refuse_open(e, REJ_HS, PN_ERR_HANDSHAKE_LIMIT);

  uint32_t hsi = e->hs_free;
  hslot *h = &e->hss[hsi];
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

  uint32_t i = e->free_conns[--e->nfree_conns];
  conn *c = &e->conns[i];
  uint32_t gen = c->gen;
  memset(c, 0, sizeof *c);
  c->gen = gen;
  c->hs = hsi;
  c->state = CS_HANDSHAKE;
  c->dir = (uint8_t)dir;
  c->user = user;
  c->q.prev = c->q.next = c->peer.prev = c->peer.next = NIL;
  pn_bq_init(&c->rxq, 0); /* ciphertext */
  pn_bq_init(&c->txq, 0);
  pn_bq_init(&c->reasm, 1); /* plaintext */
  e->nconns++;
  *out = conn_id(e, c);
  timers_handshake_started(e, c);
  int reason = check_known_key(e, c); /* a pre-message key */
  if (reason)
    conn_fail(e, c, reason, 0);
  else
    hs_advance(e, c);
  return PN_OK;
}

int pn_engine_sent(pn_engine *e, pn_conn_id id, size_t n, pn_time now) {
  if (!e) return PN_ERR_INVALID_ARGUMENT;
  conn *c = lookup(e, id);
  if (!c) return PN_ERR_NOT_FOUND;
  if (n > c->inflight) return PN_ERR_INVALID_ARGUMENT;
  clock_in(e, now);
  if (c->flags & F_CLOSEQ) return PN_OK;
  /* The SEND in flight came from the express buffer if |c| owns it: its
   * bytes there precede any in the pool queue, and it is released once
   * they are all acked. */
  if (e->xtx_own == slot_of(e, c)) {
    e->xtx_off += (uint32_t)n;
    if (e->xtx_off == e->xtx_len) xtx_release(e);
  } else {
    pn_bq_consume(&e->pool, &c->txq, n);
  }
  c->inflight = 0;
  if (!tx_queued(e, c)) c->flags &= ~(uint32_t)F_OVF_EPISODE;
  want_send(e, c);
  closing_progress(e, c);
  return PN_OK;
}

int pn_engine_conn_closed(pn_engine *e, pn_conn_id id, pn_time now) {
  if (!e) return PN_ERR_INVALID_ARGUMENT;
  conn *c = lookup(e, id);
  if (!c) return PN_ERR_NOT_FOUND;
  clock_in(e, now);
  c->flags |= F_GONE;
  if (!(c->flags & F_REPORTED)) {
    int remote = (c->flags & F_CLOSE_RCVD) != 0;
    conn_fail(e, c,
              remote ? PN_REASON_REMOTE_CLOSED : PN_REASON_TRANSPORT_CLOSED,
              remote ? c->remote_reason : 0);
  }
  conn_release(e, c);
  return PN_OK;
}

static void conn_timers(pn_engine *e, conn *c) {
  pn_time now = e->now;
  switch (c->state) {
  case CS_HANDSHAKE:
    if (add_time(c->opened, e->hs_timeout) <= now)
      conn_fail(e, c, PN_REASON_HANDSHAKE_TIMEOUT, 0);
    return;
  case CS_CLOSING:
    if (c->close_at <= now) close_now(e, c);
    return;
  case CS_OPEN:
    if (add_time(c->last_rx, e->idle_timeout) <= now) {
      conn_fail(e, c, PN_REASON_IDLE_TIMEOUT, 0);
      return;
    }
    if ((c->flags & F_DUP_WAIT) && c->dup_at <= now) {
      conn_fail(e, c, PN_REASON_DUPLICATE, PN_REASON_DUPLICATE);
      return;
    }
    if (e->profile != PN_PROFILE_FRAMED) return;
    if (add_time(c->last_rekey, e->rekey_interval) <= now) {
      if (!nonces_left(c, 1)) {
        conn_fail(e, c, PN_REASON_NONCE_EXHAUSTED, 0);
        return;
      }
      queue_rekey(e, c, 0);
      if (c->state != CS_OPEN) return;
    }
    /* Every frame queued above counts as sent: no keepalive needed then. */
    if (add_time(c->last_tx, e->keepalive) <= now) {
      uint8_t k = PN_FT_KEEPALIVE;
      if (!nonces_left(c, 1)) {
        conn_fail(e, c, PN_REASON_NONCE_EXHAUSTED, 0);
        return;
      }
      /* Without room in the pool now (every peer's keepalive fell due at
       * once and the driver has not acked yet), retry in a second. */
      if (control_frame(e, c, &k, 1) != PN_OK)
        c->last_tx = retry_base(e, e->keepalive);
    }
    return;
  default:
    return;
  }
}

int pn_engine_tick(pn_engine *e, pn_time now) {
  if (!e) return PN_ERR_INVALID_ARGUMENT;
  clock_in(e, now);
  int64_t i;
  while ((i = pn_timers_pop_due(&e->timers, e->now)) >= 0) {
    conn *c = &e->conns[i];
    conn_timers(e, c);
    if (c->state != CS_FREE && c->state != CS_DEAD)
      pn_timers_set(&e->timers, (uint32_t)i, conn_deadline(e, c));
  }
  return PN_OK;
}

/* ---- Application --------------------------------------------------------- */

static conn *peer_conn(pn_engine *e, const pn_peer_id *id) {
  if (!id || id->len != pn_protocol_dhlen(&e->proto)) return NULL;
  uint32_t i = pn_route_lookup(&e->route, id);
  return i == NIL ? NULL : &e->conns[i];
}

int pn_engine_send(pn_engine *e, const pn_peer_id *to, const uint8_t *msg,
                   size_t len, pn_time now) {
  if (!e || !to || (!msg && len)) return PN_ERR_INVALID_ARGUMENT;
  clock_in(e, now);
  if (e->shutdown) return PN_ERR_SHUTDOWN;
  if (len > e->max_message) return PN_ERR_MSG_TOO_LARGE;
  conn *c = peer_conn(e, to);
  if (!c) return PN_ERR_NOT_FOUND;
  int rc = send_msg(e, c, msg, len);
  if (c->state == CS_OPEN) resched(e, c);
  return rc;
}

ptrdiff_t pn_engine_broadcast(pn_engine *e, const uint8_t *msg, size_t len,
                              pn_time now) {
  if (!e || (!msg && len)) return PN_ERR_INVALID_ARGUMENT;
  clock_in(e, now);
  if (e->shutdown) return PN_ERR_SHUTDOWN;
  if (len > e->max_message) return PN_ERR_MSG_TOO_LARGE;
  ptrdiff_t n = 0;
  uint32_t i = e->peers.head;
  while (i != NIL) {
    conn *c = &e->conns[i];
    uint32_t next = c->peer.next; /* a failure may unlink c */
    if (send_msg(e, c, msg, len) == PN_OK) n++;
    if (c->state == CS_OPEN) resched(e, c);
    i = next;
  }
  return n;
}

int pn_engine_disconnect(pn_engine *e, const pn_peer_id *peer, pn_time now) {
  if (!e || !peer) return PN_ERR_INVALID_ARGUMENT;
  clock_in(e, now);
  conn *c = peer_conn(e, peer);
  if (!c) return PN_ERR_NOT_FOUND;
  conn_fail(e, c, PN_REASON_LOCAL, 0);
  return PN_OK;
}

int pn_engine_rekey(pn_engine *e, const pn_peer_id *peer, pn_time now) {
  if (!e || !peer) return PN_ERR_INVALID_ARGUMENT;
  clock_in(e, now);
  if (e->profile != PN_PROFILE_FRAMED) return PN_ERR_INVALID_STATE;
  conn *c = peer_conn(e, peer);
  if (!c) return PN_ERR_NOT_FOUND;
  if (!nonces_left(c, 1)) {
    conn_fail(e, c, PN_REASON_NONCE_EXHAUSTED, 0);
    return PN_ERR_NONCE_EXHAUSTED;
  }
  uint64_t before = pn_cipherstate_nonce(&c->tx);
  queue_rekey(e, c, PN_REKEY_FLAG_REPLY);
  if (pn_cipherstate_nonce(&c->tx) == before) return PN_ERR_POOL_EXHAUSTED;
  resched(e, c);
  return PN_OK;
}

int pn_engine_shutdown(pn_engine *e, pn_time now) {
  if (!e) return PN_ERR_INVALID_ARGUMENT;
  clock_in(e, now);
  if (e->shutdown) return PN_OK;
  e->shutdown = 1;
  for (uint32_t i = 0; i < e->max_conns; i++) {
    conn *c = &e->conns[i];
    if (c->state == CS_HANDSHAKE || c->state == CS_OPEN)
      conn_fail(e, c, PN_REASON_SHUTDOWN, 0);
  }
  return PN_OK;
}

/* ---- Outputs ---------------------------------------------------------------
 */

static void fill_event(pn_engine *e, const evq_ent *x, pn_action *a) {
  pn_event *ev = &a->event;
  a->type = PN_ACTION_EVENT;
  ev->type = (pn_event_type)x->type;
  ev->reason = (pn_reason)x->reason;
  ev->remote_reason = x->remote_reason;
  ev->count = 1;
  if (x->slot == NIL) {
    if (x->type == PN_EVENT_LISTENING) e->listening_pending = 0;
    if (x->type == PN_EVENT_REJECTED) {
      int w = x->reason == PN_REASON_CONN_LIMIT ? REJ_CONN : REJ_HS;
      ev->count = e->rej_count[w];
      e->rej_count[w] = 0;
      e->rej_pending[w] = 0;
    }
    return;
  }
  conn *c = &e->conns[x->slot];
  a->conn = conn_id(e, c);
  a->user = c->user;
  ev->dir = (pn_dir)c->dir;
  if (c->id.len) ev->peer = c->id;
  switch (x->type) {
  case PN_EVENT_PEER_CONNECTED:
    ev->data = c->hash;
    ev->len = c->hash_len;
    break;
  case PN_EVENT_MESSAGE:
    ev->data = e->msg_ptr;
    ev->len = e->msg_len;
    e->msg_pending = 0;
    break;
  case PN_EVENT_HANDSHAKE_PAYLOAD:
    /* Not authenticated yet: no identity goes with it. */
    memset(&ev->peer, 0, sizeof ev->peer);
    ev->data = e->msg_ptr;
    ev->len = e->msg_len;
    ev->size = x->size;
    e->msg_pending = 0;
    break;
  case PN_EVENT_OVERFLOW:
    ev->size = x->size;
    if (x->reason == PN_REASON_MESSAGE_TOO_LARGE)
      e->msg_pending = 0;
    else
      c->flags &= ~(uint32_t)F_OVF_EVENT;
    break;
  default:
    break;
  }
  c->nev--;
}

/* Copying a zero action compiles to a few vector stores; memset of this size
 * became `rep stos`, whose start-up cost was most of an empty poll. */
static void action_clear(pn_action *a) {
  static const pn_action none;
  *a = none;
}

int pn_engine_poll(pn_engine *e, pn_action *a) {
  if (!e || !a) return PN_ERR_INVALID_ARGUMENT;
  /* |a| is cleared only when there is an action: a driver polls until
   * nothing is left, so the empty answer is the most frequent one. */
  if (e->ev_len) {
    action_clear(a);
    evq_ent x = e->ev[e->ev_head];
    e->ev_head = (e->ev_head + 1) % e->ev_cap;
    e->ev_len--;
    fill_event(e, &x, a);
    if (x.slot != NIL) maybe_free(e, &e->conns[x.slot]);
    return 1;
  }
  if (e->closeq.head != NIL) {
    action_clear(a);
    conn *c = &e->conns[e->closeq.head];
    a->type = PN_ACTION_CLOSE;
    a->conn = conn_id(e, c);
    a->user = c->user;
    a->reason = (pn_reason)c->reason;
    conn_release(e, c);
    return 1;
  }
  if (e->sendq.head != NIL) {
    action_clear(a);
    uint32_t i = e->sendq.head;
    conn *c = &e->conns[i];
    list_unlink(e, &e->sendq, 0, i);
    c->flags &= ~(uint32_t)F_SENDQ;
    size_t n;
    if (e->xtx_own == i) {
      a->data = e->xtx + e->xtx_off;
      n = e->xtx_len - e->xtx_off;
    } else {
      a->data = pn_bq_front(&e->pool, &c->txq, &n);
    }
    a->type = PN_ACTION_SEND;
    a->conn = conn_id(e, c);
    a->user = c->user;
    a->len = n;
    c->inflight = (uint32_t)n;
    return 1;
  }
  pn_time d = pn_timers_next(&e->timers);
  if (d != e->last_deadline) {
    action_clear(a);
    e->last_deadline = d;
    a->type = PN_ACTION_DEADLINE;
    a->deadline = d;
    return 1;
  }
  if (e->shutdown && !e->closed_emitted && !e->nconns) {
    action_clear(a);
    e->closed_emitted = 1;
    a->type = PN_ACTION_EVENT;
    a->event.type = PN_EVENT_CLOSED;
    a->event.reason = PN_REASON_SHUTDOWN;
    return 1;
  }
  a->type = (pn_action_type)0; /* no action */
  return 0;
}

pn_time pn_engine_next_deadline(const pn_engine *e) {
  return e ? pn_timers_next(&e->timers) : PN_TIME_NEVER;
}

/* ---- Views -----------------------------------------------------------------
 */

static void fill_info(const pn_engine *e, const conn *c, pn_peer_info *out) {
  memset(out, 0, sizeof *out);
  out->id = c->id;
  out->conn = conn_id(e, c);
  out->dir = (pn_dir)c->dir;
  out->connected_since = c->since;
  out->last_activity = c->last_rx;
  out->bytes_in = c->bytes_in;
  out->bytes_out = c->bytes_out;
  out->msgs_in = c->msgs_in;
  out->msgs_out = c->msgs_out;
  out->rekeys_out = c->rekeys_out;
  out->rekeys_in = c->rekeys_in;
  memcpy(out->hash, c->hash, c->hash_len);
  out->hash_len = c->hash_len;
}

int pn_engine_peer(const pn_engine *e, const pn_peer_id *peer,
                   pn_peer_info *out) {
  if (!e || !peer || !out) return PN_ERR_INVALID_ARGUMENT;
  if (peer->len != pn_protocol_dhlen(&e->proto)) return PN_ERR_NOT_FOUND;
  uint32_t i = pn_route_find(&e->route, peer);
  if (i == NIL) return PN_ERR_NOT_FOUND;
  fill_info(e, &e->conns[i], out);
  return PN_OK;
}

int pn_engine_peer_next(const pn_engine *e, size_t *cursor, pn_peer_info *out) {
  if (!e || !cursor || !out) return 0;
  while (*cursor < e->max_conns) {
    const conn *c = &e->conns[(*cursor)++];
    if (c->flags & F_ROUTED) {
      fill_info(e, c, out);
      return 1;
    }
  }
  return 0;
}

size_t pn_engine_peer_count(const pn_engine *e) {
  return e ? e->npeers : 0;
}

void pn_engine_local_id(const pn_engine *e, pn_peer_id *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!e || !e->has_s) return;
  out->len = (uint8_t)pn_protocol_dhlen(&e->proto);
  memcpy(out->key, e->s.pub, out->len);
}

void pn_engine_memory(const pn_engine *e, pn_engine_mem *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!e) return;
  out->total = e->total;
  out->pool_block = e->pool.block;
  out->pool_budget = (size_t)e->pool.nblocks * e->pool.block;
  out->pool_in_use = pn_pool_in_use(&e->pool);
  out->conn_bytes = sizeof(conn) + sizeof(uint32_t) /* free list */ +
                    2 * sizeof(uint32_t) /* route, half full */ +
                    sizeof(pn_heap_ent) + sizeof(pn_heap_pos) /* timers */ +
                    3 * sizeof(evq_ent);
  out->handshake_bytes = sizeof(hslot);
  out->conns = e->nconns;
  out->handshakes = e->nhs;
  out->peers = e->npeers;
}

/* ---- Test hooks ------------------------------------------------------------
 */

int pn_engine_test_set_tx_nonce(pn_engine *e, const pn_peer_id *peer,
                                uint64_t n) {
  conn *c = peer_conn(e, peer);
  if (!c) return PN_ERR_NOT_FOUND;
  pn_cipherstate_set_nonce(&c->tx, n);
  return PN_OK;
}

int pn_engine_test_set_rx_nonce(pn_engine *e, const pn_peer_id *peer,
                                uint64_t n) {
  conn *c = peer_conn(e, peer);
  if (!c) return PN_ERR_NOT_FOUND;
  pn_cipherstate_set_nonce(&c->rx, n);
  return PN_OK;
}

size_t pn_engine_test_conn_struct_size(void) {
  return sizeof(conn);
}

size_t pn_engine_test_hs_struct_size(void) {
  return sizeof(hslot);
}

size_t pn_engine_test_pool_blocks_used(const pn_engine *e) {
  return e->pool.nblocks - e->pool.nfree;
}

size_t pn_engine_test_conns(const pn_engine *e) {
  return e->nconns;
}

size_t pn_engine_test_handshakes(const pn_engine *e) {
  return e->nhs;
}

pn_conn_id pn_engine_test_express(const pn_engine *e, int tx) {
  uint32_t own = tx ? e->xtx_own : e->xrx_own;
  return own == NIL ? 0 : conn_id(e, &e->conns[own]);
}
