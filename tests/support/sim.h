/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * A deterministic simulator for engine tests: N engines, a virtual clock,
 * and a network of stream links that split, coalesce and delay bytes, all
 * driven by one seeded PRNG. Events are logged per engine.
 *
 * Its driver keeps the engine.h contract to the letter, so a scenario that
 * delivers everything shows the engine needs nothing more: input that
 * pn_engine_recv did not take is offered again only after a RESUME for that
 * connection (never on a timer or a later step), a partial write waits for
 * pn_engine_writable, and time only moves to a DEADLINE the engine gave or
 * to the next arrival.
 *
 * Its manual mode (sim_man_*, sim_manual.c) is the same simulator with the
 * randomness handed to the caller, for the fuzz harnesses; the checks both
 * modes make are in sim_check.c.
 */
#ifndef PN_SIM_H
#define PN_SIM_H

#include <string.h>

#include <p2pnoise/engine.h>

#include "check.h"
#include "prng.h"

/* An event as logged: the typed pn_event flattened. */
typedef struct sim_event {
  pn_event_type type;
  pn_conn_id conn;
  pn_peer_id peer;  /* CONNECTED, DISCONNECTED, MESSAGE, OVERFLOW, REJECTED */
  pn_reason reason; /* DISCONNECTED, OVERFLOW, REJECTED */
  int remote_reason;
  pn_dir dir;
  uint64_t size; /* OVERFLOW: the size; HANDSHAKE_PAYLOAD: the index */
  uint8_t *data; /* MESSAGE, HANDSHAKE_PAYLOAD copy (or the CONNECTED hash) */
  size_t len;
} sim_event;

/* What a driver sees of one engine, checked alike in both modes
 * (sim_watch_*, sim_check.c): its time, its deadline, its peers. */
typedef struct sim_watch {
  pn_time now;       /* the largest time given to the engine */
  int dl_seen;       /* a DEADLINE was polled ... */
  pn_time dl;        /* ... and this is the last one */
  int closed;        /* CLOSED event polled */
  pn_peer_id *peers; /* connected, by events */
  int npeers, cappeers;
} sim_watch;

/* The SEND a driver holds for one direction of a link, checked alike in
 * both modes (sim_check_send, sim_check_acked). */
typedef struct sim_sendq {
  const uint8_t *pend; /* borrowed from the engine, not yet acked */
  size_t pend_len;
  uint8_t *snap; /* pend's bytes as polled: they must not change */
  uint8_t *rest; /* what a partial ack left: the next SEND resumes there */
  size_t rest_len;
  uint8_t wblocked; /* a partial ack: no SEND until writable */
} sim_sendq;

typedef struct sim_node {
  pn_engine *e;
  pn_engine_config cfg; /* as the engine was made */
  pn_peer_id id;
  uint8_t priv[PN_NOISE_MAX_DHLEN];
  pn_prng_rng rng; /* the engine's RNG */
  sim_event *ev;
  size_t nev, capev;
  sim_watch w;
} sim_node;

/* One direction of a link: bytes in flight, each with an arrival time. */
typedef struct sim_seg {
  uint8_t *p;
  size_t len;
  pn_time at;
} sim_seg;

typedef struct sim_pipe {
  sim_seg *seg;
  size_t nseg, capseg;
  int blocked; /* the sender's SENDs are not acked, nothing moves */
  sim_sendq tx;
} sim_pipe;

typedef struct sim_link {
  int node[2];        /* 0 dialled 1 */
  pn_conn_id conn[2]; /* 0 when that side's engine forgot it */
  int gone[2];        /* side i closed its transport */
  sim_pipe pipe[2];   /* pipe[i]: bytes from side i to side 1-i */
  int held[2];        /* side i's input waits for its RESUME */
  int raw;            /* side 0 is the test itself, not an engine (node -1) */
  uint8_t *rawbuf;    /* bytes the engine sent to the raw side */
  size_t rawlen, rawcap;
} sim_link;

typedef struct sim {
  sim_node *n;
  int nn;
  sim_link *l;
  size_t nl, capl;
  pn_time now;
  uint64_t rng;
  size_t max_split;  /* largest delivery, bytes (0: any) */
  pn_time max_delay; /* per segment */
  int partial_acks;  /* ack only part of some SENDs */
  unsigned corrupt; /* flip a byte in one segment out of |corrupt| (0: never) */
  uint64_t steps;
  uint64_t resumes; /* RESUME actions seen */
} sim;

/* |ev| flattened into |v|; v->data borrows ev's bytes. */
static inline void sim_event_view(const pn_event *ev, sim_event *v) {
  memset(v, 0, sizeof *v);
  v->type = ev->type;
  switch (ev->type) {
  case PN_EVENT_PEER_CONNECTED:
    v->peer = ev->connected.peer;
    v->dir = ev->connected.dir;
    v->data = (uint8_t *)ev->connected.hash;
    v->len = ev->connected.hash_len;
    break;
  case PN_EVENT_PEER_DISCONNECTED:
    v->peer = ev->disconnected.peer;
    v->dir = ev->disconnected.dir;
    v->reason = ev->disconnected.reason;
    v->remote_reason = ev->disconnected.remote_reason;
    break;
  case PN_EVENT_MESSAGE:
    v->peer = ev->message.peer;
    v->data = (uint8_t *)ev->message.data;
    v->len = ev->message.len;
    break;
  case PN_EVENT_OVERFLOW:
    v->peer = ev->overflow.peer;
    v->reason = ev->overflow.reason;
    v->size = ev->overflow.size;
    break;
  case PN_EVENT_REJECTED:
    v->peer = ev->rejected.peer;
    v->dir = ev->rejected.dir;
    v->reason = ev->rejected.reason;
    break;
  case PN_EVENT_HANDSHAKE_PAYLOAD:
    v->dir = ev->handshake_payload.dir;
    v->size = ev->handshake_payload.index;
    v->data = (uint8_t *)ev->handshake_payload.data;
    v->len = ev->handshake_payload.len;
    break;
  default:
    break;
  }
}

/* The next value of the PRNG state |s| (pn_prng_next). */
uint64_t sim_rand(uint64_t *s);

/* |n| engines from |cfg| (static keys and RNGs from |seed|). |cfgs| may give
 * one config per engine instead (NULL: |cfg| for all). */
void sim_init(sim *s, int n, const pn_engine_config *cfg,
              const pn_engine_config *cfgs, uint64_t seed);
void sim_free(sim *s);
/* Dials |b| from |a|; |expect| passes b's key as expected. Returns the link. */
size_t sim_connect(sim *s, int a, int b, int expect);
/* The same with explicit expected keys (NULL: none) for each side. */
size_t sim_connect_keys(sim *s, int a, int b, const pn_peer_id *a_expects,
                        const pn_peer_id *b_expects);
/* Opens an inbound connection on |b| whose other end is the test (raw). */
size_t sim_raw_inbound(sim *s, int b, int *rc);
/* Writes bytes from the raw side of link |l|. */
void sim_raw_write(sim *s, size_t l, const uint8_t *p, size_t n);
/* Bytes received by the raw side so far (not consumed). */
const uint8_t *sim_raw_data(sim *s, size_t l, size_t *len);
void sim_raw_consume(sim *s, size_t l, size_t n);
/* Closes the raw side. */
void sim_raw_close(sim *s, size_t l);
/* One round: poll everything, move bytes. Returns 1 if anything happened. */
int sim_step(sim *s);
/* Steps until quiet, advancing the clock to the next deadline or arrival,
 * up to virtual time |until| (absolute). */
void sim_run_until(sim *s, pn_time until);
/* Steps until nothing is pending anywhere and no timer is due before
 * |horizon| from now. */
void sim_settle(sim *s);
/* Drains every engine's actions without moving time. */
void sim_poll_all(sim *s);

/* A pool budget a little over the smallest |cfg| allows (0 if none is
 * valid), plus |slack| blocks: the default 16 MiB costs more to map and
 * poison under ASan than a whole fuzz run, and a small pool reaches the
 * exhaustion paths. */
uint64_t sim_pool_budget(pn_engine_config *cfg, uint64_t slack);
/* Appends |n| bytes to the growable buffer |*buf|. */
void sim_put(uint8_t **buf, size_t *len, size_t *cap, const uint8_t *p,
             size_t n);

/* Counts of logged events. */
size_t sim_count(const sim *s, int node, pn_event_type type);
size_t sim_count_reason(const sim *s, int node, pn_event_type type,
                        pn_reason r);
/* MESSAGE events on |node| from |peer|. */
size_t sim_count_from(const sim *s, int node, int peer);
/* Of those, when each reads "<tag> <seq>": how many come first with seq 0,
 * 1, 2, ... (all of them when none is missing, repeated or garbled). */
size_t sim_count_in_order(const sim *s, int node, int peer);
/* Shuts every engine down, runs until all CLOSED, checks nothing leaked:
 * no connections, handshakes, peers or pool blocks. Returns 0 if clean. */
int sim_finish(sim *s);

/* ---- Manual mode (sim_manual.c) ----------------------------------------
 * For the fuzz harnesses: nothing is random and nothing moves by itself.
 * The caller decides every ack (partial ones too), every delivery size,
 * every tick and which engines are polled, so a fuzzer drives splitting,
 * coalescing and delays. A link end may be the caller itself (node -1, a
 * raw link), and one byte of a pipe may be corrupted at a chosen offset.
 * Every action polled goes through sim_check_action (sim_check.c). */

enum {
  SIM_MAN_MAX_NODES = 3,
  SIM_MAN_MAX_LINKS = 24,
  SIM_MAN_MAX_RECS = 64 /* connections opened per node and run */
};

typedef struct sim_man_rec {
  pn_conn_id id;
  int link, side;
  uint8_t closed; /* 1: CLOSE action polled, 2: closed by the driver */
  uint8_t connected;
  pn_peer_id peer; /* from PEER_CONNECTED */
} sim_man_rec;

typedef struct sim_man_node {
  pn_engine *e;
  pn_engine_config cfg;
  pn_peer_id id;
  uint8_t priv[PN_NOISE_MAX_DHLEN];
  pn_prng_rng rng;
  sim_watch w;
  int shutdown;
  int listening; /* pn_engine_listening called */
  sim_man_rec rec[SIM_MAN_MAX_RECS];
  int nrec;
} sim_man_node;

typedef struct sim_man_pipe {
  uint8_t *q; /* written by the sender, not yet read by the receiver */
  size_t len, cap;
  sim_sendq tx;
  uint64_t written; /* bytes acked in all */
  uint64_t corrupt_at;
  uint8_t corrupt_xor; /* 0: no corruption on this pipe */
  uint8_t corrupted;   /* the byte went by */
  uint8_t held;        /* the receiver took part: offer again on RESUME */
} sim_man_pipe;

typedef struct sim_man_link {
  int node[2]; /* node[0] dialled node[1]; -1: the caller is that end */
  pn_conn_id conn[2];
  int gone[2];          /* that end closed its transport */
  sim_man_pipe pipe[2]; /* pipe[i]: from side i to side 1 - i */
} sim_man_link;

typedef struct sim_man sim_man;
typedef void (*sim_man_hook)(sim_man *net, int node, const pn_action *a);

struct sim_man {
  sim_man_node n[SIM_MAN_MAX_NODES];
  int nn;
  sim_man_link l[SIM_MAN_MAX_LINKS];
  int nl;
  pn_time now;  /* the clock: only ticks move it */
  pn_time skew; /* inputs other than ticks carry now - skew (backwards) */
  int manual[SIM_MAN_MAX_NODES]; /* polled only when the caller says so */
  sim_man_hook hook;             /* sees every action after the checks */
  void *user;
};

/* The smallest pool plus 8 blocks: small enough that a connection holding
 * a whole frame meets a reassembly that cannot reserve its room (F3, F5:
 * fuzz/regressions/frame/pool-min-reasm-stall, fuzz/regressions/pair/
 * pool-deadlock-two-conns), which must not stall. */
static inline uint64_t sim_man_small_budget(pn_engine_config *cfg) {
  return sim_pool_budget(cfg, 8);
}

/* The engine's deadline: the last DEADLINE polled (none yet: never). */
static inline pn_time sim_watch_deadline(const sim_watch *w) {
  return w->dl_seen ? w->dl : PN_TIME_NEVER;
}
/* The engine was given |now|. */
static inline void sim_watch_input(sim_watch *w, pn_time now) {
  if (now > w->now) w->now = now;
}
/* The time inputs other than ticks carry. */
static inline pn_time sim_man_now(const sim_man *net) {
  return net->now > net->skew ? net->now - net->skew : 0;
}

void sim_man_free(sim_man *net);
/* The live or last record of connection |id| on |x| (NULL: none). */
sim_man_rec *sim_man_find(sim_man_node *x, pn_conn_id id);
/* A new link from |a| (dials) to |b|; either may be -1 (the caller). Returns
 * the link, or -1 when there is no room. */
int sim_man_link_new(sim_man *net, int a, int b);
/* Opens a connection on |node| for side |side| of link |li| (listening
 * first for an inbound one) and records it; returns the engine's code. */
int sim_man_open(sim_man *net, int node, int li, int side,
                 const pn_peer_id *expected);
/* Polls up to |max| actions of |node| (0: until none); returns how many. */
int sim_man_poll(sim_man *net, int node, int max);
void sim_man_poll_all(sim_man *net);
/* Acks |n| bytes (clamped) of the SEND pending on |side| of |li|; the bytes
 * go into the pipe. Returns 1 if there was a SEND. */
int sim_man_ack(sim_man *net, int li, int side, size_t n);
/* The transport of |side| of |li| takes bytes again after a partial ack.
 * Returns 1 if it was blocked. */
int sim_man_writable(sim_man *net, int li, int side);
/* Offers up to |n| bytes of pipe |side| of |li| to the other end (which
 * takes what it can); when the sender is gone and everything was read, the
 * reader sees EOF. Returns the bytes taken. */
size_t sim_man_deliver(sim_man *net, int li, int side, size_t n);
/* Acks and delivers everything until nothing moves. */
void sim_man_pump(sim_man *net);
/* Ticks |node| at |now| and drains it; no deadline may stay due. */
void sim_man_tick(sim_man *net, int node, pn_time now);
/* Moves time to the earliest deadline (at most |until|), ticking and
 * pumping, until nothing is due before |until|. */
void sim_man_run_until(sim_man *net, pn_time until);
/* Shuts every engine down and runs until each reported CLOSED; then every
 * connection had exactly one end and nothing is left (sim_check_finished). */
void sim_man_finish(sim_man *net);

/* ---- The checks (sim_check.c) ------------------------------------------ */

/* |rc|, after checking it has a description. */
int sim_rc(int rc);
/* PN_FUZZ_TRACE is set: print every action (replays). */
int sim_trace(void);
/* pn_engine_memory of |e| within its bounds for |cfg|. */
void sim_check_memory(pn_engine *e, const pn_engine_config *cfg);
/* Event |ev| of action |a| carries what its type promises (a reason, a
 * connection, bytes); |cfg| is its engine's. */
void sim_check_event(const pn_action *a, const sim_event *ev,
                     const pn_engine_config *cfg);

/* The contract of engine.h that every driver of the simulator checks, in
 * both modes:
 *   - nothing follows the CLOSED event, and nothing is held then;
 *   - a DEADLINE is never before the latest time the engine was given,
 *     and never repeats the last one;
 *   - PEER_CONNECTED / PEER_DISCONNECTED pair up per peer id, and once
 *     drained they count pn_engine_peer_count (sim_watch_drained);
 *   - at most one unacked SEND per connection, never empty, none after a
 *     partial ack before writable, resuming exactly where a partial ack
 *     left off; its borrowed bytes stay intact until pn_engine_sent
 *     (sim_check_send, sim_check_acked).
 * Action |a| of engine |e| (event |ev| flattened), after sim_check_event. */
void sim_watch_action(sim_watch *w, pn_engine *e, const pn_action *a,
                      const sim_event *ev, const pn_engine_config *cfg);
/* Engine |i| polled until none: memory bounds; every peer told by events. */
void sim_watch_drained(const sim_watch *w, pn_engine *e,
                       const pn_engine_config *cfg, int i);
/* Engine |i| after shutdown and drain: CLOSED, every CONNECTED matched by a
 * DISCONNECTED, no connection, handshake, peer or pool block left, no
 * action after. */
void sim_watch_finished(const sim_watch *w, pn_engine *e, int i, pn_time now);
void sim_watch_free(sim_watch *w);
/* SEND |a| taken on |q|: checks it and keeps a copy of its bytes. */
void sim_check_send(sim_sendq *q, const pn_action *a);
/* |n| bytes of the SEND pending on |q| acked: its borrowed bytes are as
 * polled; a partial ack leaves the rest the next SEND must resume with,
 * and blocks the next until writable. */
void sim_check_acked(sim_sendq *q, size_t n);
/* The driver dropped the transport: whatever |q| held dies with it. */
void sim_sendq_reset(sim_sendq *q);
void sim_sendq_free(sim_sendq *q);

/* Manual mode, per connection as well (sim_man_poll calls it): the CLOSED
 * event comes only after shutdown; exactly one CLOSE per connection, none
 * after the driver closed it, and no action names a connection after its
 * CLOSE; every action's user pointer names its own link end. Returns the
 * record of the action's connection (NULL: none). */
sim_man_rec *sim_check_action(sim_man_node *x, const pn_action *a,
                              const sim_event *ev);
/* Engine |i| after shutdown and drain: sim_watch_finished, and every
 * connection had exactly one end. */
void sim_check_finished(const sim_man_node *x, int i, pn_time now);

#endif
