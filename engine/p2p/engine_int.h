/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The engine object and the connection slot: what the engine's modules
 * share. Each module declares its own functions in its header:
 *
 *   config.c    settings and memory layout (config.h)
 *   engine.c    creation, wipe, listening, shutdown, tick
 *   conn.c      connection slots and lifecycle (conn.h)
 *   establish.c handshakes, from open to routed peer (establish.h)
 *   dup.c       duplicate connections to one peer (dup.h)
 *   rx.c        the receive path (pn_engine_recv)
 *   tx.c        the transmit path (tx.h)
 *   express.c   the express buffers (express.h)
 *   frame.c     the wire codec (frame.h)
 *   timers.c    protocol timers over the deadline heap (timers.h, heap.h)
 *   event.c     the event queue and pn_engine_poll (event.h)
 *   route.c     the routing table (route.h)
 *   pool.c      the block pool and byte queues (pool.h)
 *   flow.c      who may hold how much of the pool (flow.h)
 *   view.c      read-only views
 *   alloc.c     pn_engine_new / pn_engine_free, the one allocation
 */
#ifndef PN_ENGINE_INT_H
#define PN_ENGINE_INT_H

#include <p2pnoise/engine.h>

#include "heap.h"
#include "noise_int.h"
#include "pool.h"
#include "route.h"

#define PN_NIL UINT32_MAX

/* The engine's internal limits, in one place. */
enum {
  PN_ENGINE_ALIGN = 16, /* every region of the engine's memory */
  /* Room past one maximal message in the scratch buffers: a tag and the
   * alignment a cipher may want. */
  PN_SCRATCH_SLACK = 16,
  /* The smallest send_queue holds one max_message in wire form and this
   * much more: a few control frames queued behind it. */
  PN_SEND_QUEUE_SLACK = 64
};
/* The window of peer_rekey_limit (requests a minute). */
#define PN_PEER_REKEY_WINDOW (60 * PN_SEC)

/*
 * A connection's life. Every transition is in conn.c, establish.c or dup.c.
 *
 *   FREE -> HANDSHAKE -> OPEN -> PEER <-> SUPERSEDED
 *                 |        |      |          |
 *                 +--------+------+----------+--> CLOSING / DRAINING
 *                                                   -> CLOSED -> DEAD -> FREE
 *
 * A connection in CLOSING, DRAINING, CLOSED or DEAD has had its end reported
 * (REJECTED or PEER_DISCONNECTED, or a duplicate's REJECTED).
 */
typedef enum pn_conn_state {
  CS_FREE = 0,   /* an unused slot */
  CS_HANDSHAKE,  /* the Noise handshake runs (a handshake slot is held) */
  CS_OPEN,       /* split done, the remote being checked: only inside
                    pn_establish, never seen by other modules */
  CS_PEER,       /* the peer's routed connection */
  CS_SUPERSEDED, /* a peer the remote closed as a duplicate: still routed
                    (and sending) until the surviving connection arrives or
                    dup_at passes */
  CS_CLOSING,    /* not routed: our CLOSE is queued; reading on until the
                    remote's CLOSE, linger bounds it */
  CS_DRAINING,   /* CLOSING for a duplicate that lost: its messages are
                    still delivered until the remote's CLOSE */
  CS_CLOSED,     /* the CLOSE action waits: the driver is to close the
                    transport */
  CS_DEAD        /* the transport is gone; events naming the slot wait to
                    be polled before it is reused */
} pn_conn_state;

/* Facts about a connection that are not states. */
enum pn_conn_flag {
  CF_KEYS = 1 << 0,        /* transport keys exist */
  CF_CHECKED = 1 << 1,     /* remote key compared and authorized */
  CF_CLOSE_SENT = 1 << 2,  /* our CLOSE frame is queued */
  CF_CLOSE_RCVD = 1 << 3,  /* the remote's CLOSE frame arrived */
  CF_OVF_EPISODE = 1 << 4, /* outbound overflow reported, queue not drained */
  CF_OVF_EVENT = 1 << 5,   /* an outbound OVERFLOW event waits in the queue */
  CF_SENDQ = 1 << 6,       /* in the send list */
  CF_TX_BLOCKED = 1 << 7,  /* a partial write: no SEND until writable */
  CF_REKEY_WANT = 1 << 8,  /* a rekey waits for room in the pool */
  CF_REKEY_REPLY = 1 << 9, /* ... and asks the peer to rekey too */
  CF_HS_CLASS = 1 << 10    /* its pool blocks count as a handshake's */
};

/* Why the driver holds input of a connection back (pn_engine_recv took
 * less than offered): it gets a RESUME once that is over. */
typedef enum pn_hold {
  HOLD_NONE = 0,
  HOLD_POLL,  /* an event holds the delivery buffer */
  HOLD_WAIT,  /* no room in the pool for it */
  HOLD_RESUME /* on the resume list: its RESUME waits to be polled */
} pn_hold;

/* What the receive path is in the middle of (framed profile). */
typedef enum pn_rx_state {
  RXS_IDLE = 0, /* between messages */
  RXS_REASM,    /* reassembling a chunked message */
  RXS_DISCARD   /* skipping the rest of an oversized message */
} pn_rx_state;

typedef struct pn_link {
  uint32_t prev, next;
} pn_link;

typedef struct pn_list {
  uint32_t head, tail;
} pn_list;

/* Fields in the order a send to a cold peer touches them: the id the
 * routing lookup compares, then the state, timers and sending key, so that
 * at 10,000 peers a send costs as few cache misses as possible; what only
 * receiving, handshakes or views use comes after. */
typedef struct pn_conn {
  pn_peer_id id;
  uint8_t state, dir, hdr_len, nev;
  uint8_t hold; /* pn_hold */
  uint32_t gen;
  uint32_t flags;
  uint32_t inflight; /* bytes of the SEND in flight */
  void *user;
  pn_link q; /* send list or close list */
  pn_time last_rx, last_tx, last_rekey, dup_at;
  pn_cipherstate tx;
  uint64_t bytes_out, msgs_out, tx_since_rekey;
  pn_bq txq;
  uint32_t blocks;        /* pool blocks its queues hold (flow.c) */
  uint32_t rekey_left;    /* queued bytes up to the end of our last REKEY */
  pn_time tx_progress_at; /* output queued or acked last (send_timeout) */
  /* Receiving. */
  uint8_t hdr[2];
  uint8_t rx_state;
  uint16_t reason;        /* our close reason */
  uint16_t remote_reason; /* from the peer's CLOSE */
  uint8_t hash_len;
  uint32_t hs;        /* handshake slot or PN_NIL */
  uint32_t frame_len; /* body length of the frame being read */
  uint32_t reasm_total;
  uint32_t discard_left;
  pn_cipherstate rx;
  pn_bq rxq, reasm;
  uint64_t bytes_in, msgs_in;
  uint32_t rekeys_out, rekeys_in;
  pn_time rx_progress_at; /* the last chunk of a message (recv_timeout) */
  pn_time rekey_tat;      /* the peer's REKEY rate (flow.c) */
  /* The rest. */
  uint8_t hash[PN_NOISE_MAX_HASHLEN];
  pn_time opened, since, close_at;
  pn_link peer; /* peers list */
  pn_link h;    /* held or resume list */
} pn_conn;

/* A handshake in progress: the Noise state and the key expected of the
 * remote. Only max_handshakes of these exist. */
typedef struct pn_hslot {
  pn_handshake hs;
  pn_peer_id expected;
  uint8_t has_expected;
  uint32_t next_free;
} pn_hslot;

/* An event waiting to be polled. Peer data is read from the slot then. */
typedef struct pn_evq_ent {
  uint8_t type, reason;
  uint16_t remote_reason;
  uint32_t slot; /* PN_NIL for engine-level events */
  uint64_t size;
} pn_evq_ent;

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
  pn_time send_timeout, recv_timeout;
  uint64_t rekey_messages;
  uint32_t peer_rekey_limit;
  pn_rng rng;
  pn_authorize_fn authorize;
  void *authorize_user;

  pn_time now;
  pn_conn *conns;
  uint32_t *free_conns, nfree_conns;
  pn_hslot *hss;
  uint32_t hs_free, nhs;
  pn_route route;
  pn_heap timers;
  pn_pool pool;
  /* Pool blocks kept for CLOSE frames and finishing frames, and for
   * handshakes (flow.h); blocks handshakes hold; connections past their
   * handshake that hold any. */
  uint32_t close_reserve, hs_reserve, hs_blocks, nholders;
  uint32_t reasm_lead; /* the reassembly that goes first (flow.c) */
  pn_evq_ent *ev;
  uint32_t ev_cap, ev_head, ev_len;
  pn_list sendq, closeq, peers;
  uint32_t bcast_next; /* the peer a broadcast sends to next, or PN_NIL */
  /* Connections whose input the driver holds back, and those whose RESUME
   * waits to be polled; pool_frees when the held ones waiting for room
   * were last looked at. */
  pn_list held, resumeq;
  uint32_t nwait;
  uint64_t wait_frees;
  uint8_t *rxs, *txs, *deliver;
  size_t deliver_hw;
  /* Express buffers (express.h), each lent to one connection at a time
   * (PN_NIL: free). xrx: a chunked message decrypted in place, contiguous,
   * delivered from there; xrx_have bytes of it are in. xtx: output encrypted
   * in place and handed out as one SEND; bytes [xtx_off, xtx_len) are not
   * yet acked. Connections that find one lent use the pool queues instead. */
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
  /* The bytes of the MESSAGE, HANDSHAKE_PAYLOAD or inbound OVERFLOW event
   * waiting to be polled; receiving stops while one does. */
  const uint8_t *msg_ptr;
  size_t msg_len;
  int msg_pending;
  uint32_t nconns, npeers;
  uint8_t listening;
  uint8_t shutdown, closed_emitted;
  pn_time last_deadline;
};

/* Engine time, advanced by an input's |now| (a clock that goes backwards is
 * clamped). */
static inline void pn_clock_in(pn_engine *e, pn_time now) {
  if (now > e->now) e->now = now;
}

/* |t| + |d|, saturating at PN_TIME_NEVER. */
static inline pn_time pn_time_add(pn_time t, pn_time d) {
  if (d == PN_TIME_NEVER || t > PN_TIME_NEVER - d) return PN_TIME_NEVER;
  return t + d;
}

/* The error pn_engine_init would give for |cfg| (0 if it is valid). */
int pn_engine_config_check(const pn_engine_config *cfg);
/* pn_engine_new's memory: remembered so pn_engine_free may release it. */
void pn_engine_mark_owned(pn_engine *e);
/* Wipes |e| and returns the memory it lives in if pn_engine_new took it,
 * else NULL. */
void *pn_engine_release(pn_engine *e);

#endif
