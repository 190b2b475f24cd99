/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Harness 4: the engine as a state machine.
 *
 * Engine 0 is under test; engine 1 is a peer that completes real handshakes
 * with it (same protocol, its own key), so most of an input can exercise
 * the transport. The input picks the config (pattern, profile, limits,
 * pool, timeouts, rekey count, overflow policy, which authorize calls
 * refuse) and then a sequence of operations: open connections to the peer
 * or to the harness itself (either direction, with no, the right or a wrong
 * expected key), receive raw bytes, ack sent bytes in part or in full,
 * deliver bytes between the engines in pieces, corrupt a byte in flight,
 * transport close, tick with time moving forward (or an input that carries
 * an older time), send, broadcast, disconnect, rekey, nonce exhaustion
 * through the test hooks, shutdown, and poll some or all actions.
 *
 * After every step the checks of the simulator's manual mode hold
 * (sim_check.c: bounded memory, one CLOSE per connection and nothing after
 * it, CONNECTED/DISCONNECTED paired, deadlines never in the past, nothing
 * after CLOSED, poll never fails, borrowed SEND bytes intact and resuming
 * after a partial ack); at the end a full drain and shutdown leave no
 * connection, peer or pool block.
 */
#include <string.h>

#include <p2pnoise/engine.h>

#include "test_hooks.h"
#include "fdp.h"
#include "fuzz_common.h"
#include "sim.h"

static const char *const en_protos[] = {
    "Noise_XX_25519_ChaChaPoly_BLAKE2b",
    "Noise_NN_25519_ChaChaPoly_BLAKE2b",
    "Noise_IK_25519_ChaChaPoly_BLAKE2s",
    "Noise_KK_25519_AESGCM_SHA256",
    "Noise_NX_25519_ChaChaPoly_SHA512",
    "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b"};
enum { EN_NPROTOS = sizeof en_protos / sizeof en_protos[0] };

static const pn_time en_timeouts[] = {0,      PN_MSEC,    100 * PN_MSEC,
                                      PN_SEC, 5 * PN_SEC, PN_TIME_NEVER};
static const pn_time en_steps[] = {1,           PN_MSEC,     100 * PN_MSEC,
                                   PN_SEC,      3 * PN_SEC,  16 * PN_SEC,
                                   61 * PN_SEC, 200 * PN_SEC};

typedef struct en_auth {
  uint32_t calls;
  uint32_t refuse; /* bit k: the k-th call (mod 32) refuses */
} en_auth;

static int en_authorize(void *user, const pn_peer_id *peer, pn_dir dir) {
  en_auth *a = (en_auth *)user;
  if (!peer || !peer->len || (dir != PN_DIR_INBOUND && dir != PN_DIR_OUTBOUND))
    check_fail("authorize: bad arguments");
  return !((a->refuse >> (a->calls++ % 32)) & 1);
}

static pn_time pick_timeout(pn_fdp *in) {
  return en_timeouts[pn_fdp_range(
      in, 0, sizeof en_timeouts / sizeof en_timeouts[0] - 1)];
}

static uint8_t en_msg[70000];
static const uint8_t en_psk[1][32] = {{7}};

/* A link's side that is an engine with an unacked SEND, or any. */
static int pick_link(sim_man *net, pn_fdp *in) {
  if (!net->nl) return -1;
  return (int)pn_fdp_range(in, 0, (uint64_t)net->nl - 1);
}

/* A peer id for the application calls: one engine 0 announced, the
 * peer's own key, or junk. */
static void pick_peer(sim_man *net, pn_fdp *in, pn_peer_id *id) {
  sim_man_node *x = &net->n[0];
  int k = (int)pn_fdp_range(in, 0, 7);
  if (k < x->w.npeers && k < 6) {
    *id = x->w.peers[k];
  } else if (k == 6) {
    *id = net->n[1].id;
  } else {
    memset(id, 0, sizeof *id);
    id->len = (uint8_t)pn_fdp_range(in, 0, 56);
    pn_fdp_bytes(in, id->key, id->len);
  }
}

static int en_send_rc_ok(int rc) {
  return rc == PN_OK || rc == PN_ERR_NOT_FOUND || rc == PN_ERR_MSG_TOO_LARGE ||
         rc == PN_ERR_OVERFLOW || rc == PN_ERR_NONCE_EXHAUSTED ||
         rc == PN_ERR_SHUTDOWN || rc == PN_ERR_INVALID_ARGUMENT;
}

/* The operations, shared by the harness and its seed writer. The checked-in
 * corpora and regressions decode through these numbers: adding, removing or
 * reordering one remaps every input. */
typedef enum en_op {
  EN_OP_DIAL_PEER,     /* engine 0 dials the peer */
  EN_OP_PEER_DIALS,    /* the peer dials engine 0 */
  EN_OP_HARNESS_DIALS, /* the harness dials engine 0 */
  EN_OP_DIAL_HARNESS,  /* engine 0 dials the harness */
  EN_OP_RAW,           /* raw bytes from the harness */
  EN_OP_ACK,
  EN_OP_DELIVER,
  EN_OP_CLOSE, /* the transport of one end closes */
  EN_OP_TIME,
  EN_OP_SEND,
  EN_OP_BROADCAST,
  EN_OP_DISCONNECT,
  EN_OP_REKEY,
  EN_OP_SHUTDOWN,
  EN_OP_POLL_SOME, /* poll engine 0: a few actions or all */
  EN_OP_PUMP,      /* let everything settle without time */
  EN_OP_LISTENING,
  EN_OP_CORRUPT,    /* a byte still to be written on a pipe */
  EN_OP_VIEWS,      /* the read-only views */
  EN_OP_PEER_SENDS, /* the peer sends to engine 0 */
  EN_OP_NONCE,      /* nonces near the end of the key */
  EN_OP_PEER_ENDS,  /* the peer disconnects or rekeys engine 0 */
  EN_OP_PUMP_LINK,  /* a full pump of one link only */
  EN_OP_DRAIN,      /* drain engine 0 */
  EN_OP_COUNT
} en_op;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pn_fdp in;
  pn_fdp_init(&in, data, size);
  static sim_man net;
  memset(&net, 0, sizeof net);
  net.now = 1000 * PN_SEC;
  net.nn = 2;
  net.manual[0] = 1;

  uint8_t flags = pn_fdp_u8(&in);
  const char *proto = en_protos[pn_fdp_range(&in, 0, EN_NPROTOS - 1)];
  pn_engine_config cfg;
  pn_engine_config_default(&cfg);
  cfg.protocol = proto;
  cfg.profile = (flags & 1) ? PN_PROFILE_PLAIN : PN_PROFILE_FRAMED;
  cfg.overflow = (flags & 2) ? PN_OVERFLOW_DISCONNECT : PN_OVERFLOW_REJECT;
  cfg.pool_block = (flags & 4) ? 256 : 0;
  cfg.max_conns = (uint32_t)pn_fdp_range(&in, 1, 8);
  cfg.max_handshakes = (uint32_t)pn_fdp_range(&in, 0, 8);
  cfg.max_peers = (uint32_t)pn_fdp_range(&in, 0, 4);
  static const uint64_t maxmsgs[] = {0, 1, 100, 65514, 65515, 70000};
  cfg.max_message = maxmsgs[pn_fdp_range(&in, 0, 5)];
  cfg.handshake_timeout = pick_timeout(&in);
  cfg.idle_timeout = pick_timeout(&in);
  cfg.keepalive_interval = pick_timeout(&in);
  cfg.close_linger = pick_timeout(&in);
  cfg.rekey_interval = pick_timeout(&in);
  static const uint64_t rekeys[] = {0, 1, 2, 5, UINT64_MAX};
  cfg.rekey_messages = rekeys[pn_fdp_range(&in, 0, 4)];
  if (flags & 8) cfg.send_queue = 1; /* the smallest valid, found below */
  uint64_t slack = pn_fdp_range(&in, 0, 64);
  en_auth auth = {0, (flags & 16) ? pn_fdp_u32(&in) : 0};
  if (flags & 16) {
    cfg.authorize = en_authorize;
    cfg.authorize_user = &auth;
  }
  cfg.psks = en_psk;
  cfg.npsks = strstr(proto, "psk") ? 1 : 0;
  uint64_t seed = pn_fdp_u64(&in);
  if (cfg.profile == PN_PROFILE_PLAIN &&
      cfg.max_message > PN_ENGINE_PLAIN_MAX_MESSAGE)
    cfg.max_message = 0;
  if (cfg.send_queue) {
    /* The smallest send queue this max_message allows. */
    while (!pn_engine_memsize(&cfg) && cfg.send_queue < (1u << 24))
      cfg.send_queue *= 2;
  }

  for (int i = 0; i < 2; i++) {
    sim_man_node *x = &net.n[i];
    x->cfg = cfg;
    x->rng.x = seed + (uint64_t)i * 0x1000193;
    for (int k = 0; k < 32; k++)
      x->priv[k] = (uint8_t)(seed >> (k % 8) * 8) ^ (uint8_t)(k * 31 + i);
    x->cfg.static_private = x->priv;
    x->cfg.static_private_len = 32;
    x->cfg.rng.fill = pn_prng_rng_fill;
    x->cfg.rng.user = &x->rng;
    if (i == 1) {
      /* The peer is generous: it must not be the one that refuses. */
      x->cfg.max_conns = 32;
      x->cfg.max_handshakes = x->cfg.max_peers = 0;
      x->cfg.authorize = NULL;
      x->cfg.overflow = PN_OVERFLOW_REJECT;
    }
    x->cfg.pool_budget = 0;
    uint64_t b = sim_man_small_budget(&x->cfg);
    x->cfg.pool_budget =
        b +
        (i == 0 ? slack * (x->cfg.pool_block ? x->cfg.pool_block : 4096) : b);
    int rc = pn_engine_new(&x->e, &x->cfg, net.now);
    if (rc != PN_OK) {
      if (b) check_fail("pn_engine_new: %s", pn_strerror(rc));
      sim_man_free(&net);
      return 0;
    }
    pn_engine_local_id(x->e, &x->id);
    sim_watch_input(&x->w, net.now);
  }

  while (pn_fdp_remaining(&in)) {
    en_op op = (en_op)pn_fdp_range(&in, 0, EN_OP_COUNT - 1);
    if (sim_trace()) fprintf(stderr, "op %d\n", (int)op);
    int li, side, rc;
    pn_peer_id id;
    switch (op) {
    case EN_OP_DIAL_PEER:
    case EN_OP_PEER_DIALS: {
      int a = op == EN_OP_DIAL_PEER ? 0 : 1, b = 1 - a;
      int ek = (int)pn_fdp_range(&in, 0, 2); /* expected: none, right, wrong */
      li = sim_man_link_new(&net, a, b);
      if (li < 0) break;
      pn_peer_id want = net.n[b].id, wrong = net.n[b].id;
      wrong.key[pn_fdp_range(&in, 0, 31)] ^= 1;
      rc = sim_man_open(&net, a, li, 0,
                        ek == 0   ? NULL
                        : ek == 1 ? &want
                                  : &wrong);
      /* The peer side always knows engine 0's key when asked. */
      pn_peer_id back = net.n[a].id;
      int rc2 = sim_man_open(&net, b, li, 1, ek ? &back : NULL);
      (void)rc;
      (void)rc2;
      break;
    }
    case EN_OP_HARNESS_DIALS:
    case EN_OP_DIAL_HARNESS: {
      int inb = op == EN_OP_HARNESS_DIALS; /* engine 0 is dialled */
      li = sim_man_link_new(&net, inb ? -1 : 0, inb ? 0 : -1);
      if (li < 0) break;
      rc = sim_man_open(&net, 0, li, inb ? 1 : 0,
                        pn_fdp_bool(&in) ? &net.n[1].id : NULL);
      (void)rc;
      break;
    }
    case EN_OP_RAW: {
      li = pick_link(&net, &in);
      size_t n;
      const uint8_t *p = pn_fdp_blob(&in, 200, &n);
      if (li < 0) break;
      sim_man_link *l = &net.l[li];
      side = l->node[0] == 0 ? 0 : 1; /* engine 0's end */
      if (l->node[side] != 0 || !l->conn[side]) break;
      ptrdiff_t got = pn_engine_recv(net.n[0].e, l->conn[side], p, n,
                                     sim_man_now(&net), NULL);
      if (got < 0 || (size_t)got > n) check_fail("recv: %td", got);
      break;
    }
    case EN_OP_ACK:
      li = pick_link(&net, &in);
      side = pn_fdp_bool(&in);
      if (li >= 0) {
        size_t n =
            pn_fdp_bool(&in) ? SIZE_MAX : (size_t)pn_fdp_range(&in, 0, 300);
        sim_man_ack(&net, li, side, n);
      }
      break;
    case EN_OP_DELIVER:
      li = pick_link(&net, &in);
      side = pn_fdp_bool(&in);
      if (li >= 0) {
        size_t n =
            pn_fdp_bool(&in) ? SIZE_MAX : (size_t)pn_fdp_range(&in, 1, 300);
        sim_man_deliver(&net, li, side, n);
      }
      break;
    case EN_OP_CLOSE: {
      li = pick_link(&net, &in);
      side = pn_fdp_bool(&in);
      if (li < 0) break;
      sim_man_link *l = &net.l[li];
      if (l->node[side] < 0 || !l->conn[side]) break;
      sim_man_node *x = &net.n[l->node[side]];
      sim_man_rec *r = sim_man_find(x, l->conn[side]);
      rc = pn_engine_conn_closed(x->e, l->conn[side], sim_man_now(&net));
      if (rc != PN_OK) check_fail("conn_closed: %s", pn_strerror(rc));
      if (!r) check_fail("harness: no record");
      r->closed = 2;
      l->conn[side] = 0;
      l->gone[side] = 1;
      sim_sendq_reset(&l->pipe[side].tx);
      /* A second close is refused. */
      if (pn_engine_conn_closed(x->e, r->id, sim_man_now(&net)) !=
          PN_ERR_NOT_FOUND)
        check_fail("conn_closed twice");
      if (!net.manual[l->node[side]]) sim_man_poll(&net, l->node[side], 0);
      break;
    }
    case EN_OP_TIME: {
      pn_time d = en_steps[pn_fdp_range(&in, 0, 7)];
      if (pn_fdp_range(&in, 0, 7) == 0) {
        /* Backwards: later inputs carry an older time, clamped. */
        net.skew = d;
        break;
      }
      net.skew = 0;
      net.now += d;
      sim_man_tick(&net, 1, net.now);
      int rc0 = pn_engine_tick(net.n[0].e, net.now);
      if (rc0 != PN_OK) check_fail("tick");
      sim_watch_input(&net.n[0].w, net.now);
      if (pn_engine_test_deadline(net.n[0].e) <= net.now)
        check_fail("a deadline stays due after tick");
      break;
    }
    case EN_OP_SEND:
    case EN_OP_BROADCAST: {
      size_t len;
      int k = (int)pn_fdp_range(&in, 0, 5);
      static const size_t lens[] = {0, 1, 100, 65514, 65515, 70000};
      len = lens[k];
      memset(en_msg, pn_fdp_u8(&in), len);
      if (op == EN_OP_SEND) {
        pick_peer(&net, &in, &id);
        rc = sim_rc(
            pn_engine_send(net.n[0].e, &id, en_msg, len, sim_man_now(&net)));
        if (!en_send_rc_ok(rc)) check_fail("send: %s", pn_strerror(rc));
      } else {
        ptrdiff_t n =
            pn_engine_broadcast(net.n[0].e, en_msg, len, sim_man_now(&net));
        if (n < 0 && n != PN_ERR_MSG_TOO_LARGE && n != PN_ERR_SHUTDOWN)
          check_fail("broadcast: %td", n);
      }
      break;
    }
    case EN_OP_DISCONNECT:
      pick_peer(&net, &in, &id);
      rc = sim_rc(pn_engine_disconnect(net.n[0].e, &id, sim_man_now(&net)));
      if (rc != PN_OK && rc != PN_ERR_NOT_FOUND) check_fail("disconnect");
      break;
    case EN_OP_REKEY:
      pick_peer(&net, &in, &id);
      rc = sim_rc(pn_engine_rekey(net.n[0].e, &id, sim_man_now(&net)));
      if (rc != PN_OK && rc != PN_ERR_NOT_FOUND && rc != PN_ERR_INVALID_STATE &&
          rc != PN_ERR_NONCE_EXHAUSTED)
        check_fail("rekey: %s", pn_strerror(rc));
      break;
    case EN_OP_SHUTDOWN:
      net.n[0].shutdown = 1;
      rc = pn_engine_shutdown(net.n[0].e, sim_man_now(&net));
      if (rc != PN_OK) check_fail("shutdown");
      break;
    case EN_OP_POLL_SOME:
      sim_man_poll(&net, 0, (int)pn_fdp_range(&in, 0, 3));
      break;
    case EN_OP_PUMP:
      sim_man_pump(&net);
      break;
    case EN_OP_LISTENING:
      /* Also after shutdown: nothing may follow CLOSED (F4,
       * regressions/engine/listening-after-closed). */
      rc = pn_engine_listening(net.n[0].e, sim_man_now(&net));
      if (rc != PN_OK && !(net.n[0].shutdown && rc == PN_ERR_SHUTDOWN))
        check_fail("listening");
      break;
    case EN_OP_CORRUPT: {
      li = pick_link(&net, &in);
      side = pn_fdp_bool(&in);
      uint64_t at = pn_fdp_range(&in, 0, 400);
      uint8_t mask = pn_fdp_u8(&in);
      if (li < 0) break;
      sim_man_pipe *p = &net.l[li].pipe[side];
      p->corrupt_at = p->written + at;
      p->corrupt_xor = mask;
      break;
    }
    case EN_OP_VIEWS: {
      pick_peer(&net, &in, &id);
      pn_peer_info info;
      rc = pn_engine_peer(net.n[0].e, &id, &info);
      if (rc == PN_OK && !pn_peer_id_equal(&info.id, &id)) check_fail("peer()");
      size_t cur = 0, n = 0;
      while (pn_engine_peer_next(net.n[0].e, &cur, &info))
        n++;
      if (n != pn_engine_peer_count(net.n[0].e)) check_fail("peer_next count");
      break;
    }
    case EN_OP_PEER_SENDS: {
      static const size_t lens[] = {0, 7, 1000, 65514, 70000};
      size_t len = lens[pn_fdp_range(&in, 0, 4)];
      memset(en_msg, 0xa5, len);
      rc = pn_engine_send(net.n[1].e, &net.n[0].id, en_msg, len,
                          sim_man_now(&net));
      sim_man_poll(&net, 1, 0);
      (void)rc;
      break;
    }
    case EN_OP_NONCE: {
      pick_peer(&net, &in, &id);
      uint64_t left = pn_fdp_range(&in, 0, 40);
      int rx = pn_fdp_bool(&in);
      uint64_t n = UINT64_MAX - 1 - left;
      rc = rx ? pn_engine_test_set_rx_nonce(net.n[0].e, &id, n)
              : pn_engine_test_set_tx_nonce(net.n[0].e, &id, n);
      (void)rc;
      break;
    }
    case EN_OP_PEER_ENDS:
      if (pn_fdp_bool(&in))
        rc = pn_engine_disconnect(net.n[1].e, &net.n[0].id, sim_man_now(&net));
      else
        rc = pn_engine_rekey(net.n[1].e, &net.n[0].id, sim_man_now(&net));
      sim_man_poll(&net, 1, 0);
      (void)rc;
      break;
    case EN_OP_PUMP_LINK: { /* acks and deliveries both ways, 8 rounds */
      li = pick_link(&net, &in);
      if (li < 0) break;
      for (int r = 0; r < 8; r++)
        for (int s = 0; s < 2; s++) {
          sim_man_ack(&net, li, s, SIZE_MAX);
          sim_man_deliver(&net, li, s, SIZE_MAX);
        }
      break;
    }
    case EN_OP_DRAIN:
    case EN_OP_COUNT:
      sim_man_poll(&net, 0, 0);
      break;
    }
    sim_check_memory(net.n[0].e, &net.n[0].cfg);
    sim_check_memory(net.n[1].e, &net.n[1].cfg);
  }

  sim_man_finish(&net);
  sim_man_free(&net);
  return 0;
}

/* ---- Seeds: sessions that reach the transport at once ------------------ */

static void w_cfg(pn_fdw *w, int flags, int proto, int timeouts) {
  pn_fdw_range(w, 0, 255, (uint64_t)flags);
  pn_fdw_range(w, 0, EN_NPROTOS - 1, (uint64_t)proto);
  pn_fdw_range(w, 1, 8, 4);   /* max_conns */
  pn_fdw_range(w, 0, 8, 0);   /* max_handshakes */
  pn_fdw_range(w, 0, 4, 0);   /* max_peers */
  pn_fdw_range(w, 0, 5, 5);   /* max_message 70000 */
  for (int i = 0; i < 5; i++) /* timeouts: defaults or short */
    pn_fdw_range(w, 0, 5, (uint64_t)(timeouts ? 3 : 0));
  pn_fdw_range(w, 0, 4, 2);   /* rekey every 2 messages */
  pn_fdw_range(w, 0, 64, 16); /* pool slack */
  if (flags & 16) pn_fdw_range(w, 0, UINT32_MAX, 0x4);
  pn_fdw_range(w, 0, UINT64_MAX, 42);
}

static void w_op(pn_fdw *w, en_op op) {
  pn_fdw_range(w, 0, EN_OP_COUNT - 1, (uint64_t)op);
}

int pn_fuzz_write_seeds(const char *dir) {
  int n = 0;
  for (int i = 0; i < 12; i++) {
    pn_fdw w = {0};
    int proto = i % EN_NPROTOS;
    w_cfg(&w, (i & 1) | (i == 7 ? 16 : 0) | (i == 9 ? 8 : 0), proto, i >= 8);
    w_op(&w, i % 3 == 2 ? EN_OP_PEER_DIALS : EN_OP_DIAL_PEER);
    pn_fdw_range(&w, 0, 2, proto == 2 || proto == 3 ? 1 : 0);
    pn_fdw_range(&w, 0, 31, 0);
    w_op(&w, EN_OP_PUMP); /* the handshake completes */
    for (int k = 0; k < 4; k++) {
      w_op(&w, EN_OP_SEND); /* to the first peer */
      pn_fdw_range(&w, 0, 5, (uint64_t)(k + i) % 6);
      pn_fdw_range(&w, 0, 255, (uint64_t)k);
      pn_fdw_range(&w, 0, 7, 0);
      w_op(&w, EN_OP_PEER_SENDS); /* the peer answers */
      pn_fdw_range(&w, 0, 4, (uint64_t)k);
      w_op(&w, EN_OP_ACK); /* partial, of engine 0's send */
      /* one link: pick_link reads nothing */
      pn_fdw_range(&w, 0, 1, 0);
      pn_fdw_range(&w, 0, 1, 0);
      pn_fdw_range(&w, 0, 300, 10);
      w_op(&w, EN_OP_PUMP);
    }
    w_op(&w, EN_OP_REKEY);
    pn_fdw_range(&w, 0, 7, 0);
    w_op(&w, EN_OP_TIME); /* keepalive, rekey interval, idle */
    pn_fdw_range(&w, 0, 7, (uint64_t)(i % 8));
    pn_fdw_range(&w, 0, 7, 1);
    w_op(&w, EN_OP_PUMP);
    if (i % 4 == 3) {
      w_op(&w, EN_OP_HARNESS_DIALS); /* a raw connection and junk */
      pn_fdw_range(&w, 0, 1, 0);
      w_op(&w, EN_OP_RAW);
      pn_fdw_range(&w, 0, 1, 1);
      pn_fdw_blob(&w, 200, "\x00\x20junkjunkjunkjunkjunkjunkjunkjunk", 34);
    }
    w_op(&w, EN_OP_DISCONNECT);
    pn_fdw_range(&w, 0, 7, 0);
    w_op(&w, EN_OP_PUMP);
    w_op(&w, EN_OP_DRAIN);
    char name[32];
    snprintf(name, sizeof name, "seed-%02d", i);
    int bad = w.oom || pn_fuzz_save(dir, name, w.buf, w.len) != 0;
    pn_fdw_free(&w);
    if (bad) return -1;
    n++;
  }
  return n;
}
