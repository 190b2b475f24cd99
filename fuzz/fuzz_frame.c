/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Harness 3: the frame and transport decoder.
 *
 * A peer built from the Noise layer (so it can encrypt any plaintext, with
 * real crypto or the PN_FUZZING_AEAD stand-in) runs the handshake with two
 * identical engines (same config, same deterministic RNG), for all of its
 * messages or only the first few. The input then builds a byte stream:
 * sealed transport frames of chosen types, chunk headers, totals and sizes
 * (DATA_FIRST/MORE, KEEPALIVE, CLOSE, REKEY with or without the peer's own
 * rekey, unknown types, plain-profile messages), raw bytes, lying length
 * prefixes and skipped nonces. Engine 1 gets the stream in one piece,
 * engine 2 in input-chosen fragments (down to one byte).
 *
 * Check: the split changes nothing. Both engines produce the same events in
 * the same order (types, reasons, peers, message bytes, hashes), the same
 * CLOSE, the same bytes sent back, the same peer counters and pool use, and
 * take the same bytes while the connection lives. The handshake replies of
 * the two engines are identical too (determinism).
 */
#include <string.h>

#include <p2pnoise/engine.h>
#include <p2pnoise/noise.h>

#include "fdp.h"
#include "fuzz_common.h"
#include "prng.h"
#include "sim.h"

static const char *const fr_protos[] = {
    "Noise_NN_25519_ChaChaPoly_BLAKE2b", "Noise_XX_25519_ChaChaPoly_BLAKE2b",
    "Noise_IK_25519_AESGCM_SHA256", "Noise_NK_25519_ChaChaPoly_SHA512"};
enum { FR_NPROTOS = sizeof fr_protos / sizeof fr_protos[0] };
enum { FR_MAX_STREAM = 512 << 10 };
#define FR_T0 (1000 * PN_SEC)

/* What an engine did, in a form two runs can be compared in. */
typedef struct fr_log {
  uint8_t *ev; /* events and CLOSE, serialised */
  size_t evlen, evcap;
  uint8_t *out; /* bytes it sent, acked as soon as polled */
  size_t outlen, outcap;
  size_t taken;
  int gone;    /* CLOSE polled, or the driver closed it */
  int dropped; /* the driver closed it: events may follow, nothing else */
} fr_log;

typedef struct fr_eng {
  pn_engine *e;
  pn_prng_rng rng;
  pn_conn_id c;
  fr_log log;
  int resumed; /* a RESUME came since the last offer */
  pn_time dl;  /* the last DEADLINE */
  /* While the stream is fed, SENDs are acked only once it is all in: when
   * a transport acks decides what the engine may answer (one pending REKEY
   * reply absorbs further requests), and that must not follow the split. */
  int defer;
  size_t unacked; /* the SEND in flight, when deferred */
} fr_eng;

static void log_put(fr_log *g, const void *p, size_t n) {
  sim_put(&g->ev, &g->evlen, &g->evcap, (const uint8_t *)p, n);
}

static void log_u64(fr_log *g, uint64_t v) {
  log_put(g, &v, sizeof v);
}

static fr_eng fr_x[2];

/* Polls everything; SENDs are acked at once and their bytes logged. Returns
 * the actions seen. */
static int fr_poll(fr_eng *x) {
  pn_action a;
  int rc, n = 0;
  while ((rc = pn_engine_poll(x->e, &a)) == 1) {
    n++;
    sim_event ev;
    sim_event_view(&a.event, &ev);
    if (sim_trace())
      fprintf(stderr, "  eng %d action %d ev %d reason %d len %zu\n",
              (int)(x - fr_x), (int)a.type,
              a.type == PN_ACTION_EVENT ? (int)ev.type : 0,
              a.type == PN_ACTION_EVENT ? (int)ev.reason : 0,
              a.type == PN_ACTION_EVENT  ? ev.len
              : a.type == PN_ACTION_SEND ? a.send.len
                                         : 0);
    if (a.conn && a.conn != x->c) check_fail("action for an unknown conn");
    if (x->log.gone && a.conn && (!x->log.dropped || a.type != PN_ACTION_EVENT))
      check_fail("action after CLOSE");
    switch (a.type) {
    case PN_ACTION_SEND:
      sim_put(&x->log.out, &x->log.outlen, &x->log.outcap, a.send.data,
              a.send.len);
      if (x->defer)
        x->unacked = a.send.len;
      else if (pn_engine_sent(x->e, a.conn, a.send.len, FR_T0) != PN_OK)
        check_fail("sent failed");
      break;
    case PN_ACTION_CLOSE:
      log_u64(&x->log, 0xc105e);
      x->log.gone = 1;
      break;
    case PN_ACTION_EVENT:
      log_u64(&x->log, ev.type);
      log_u64(&x->log, ev.reason);
      log_u64(&x->log, (uint64_t)ev.remote_reason);
      log_u64(&x->log, ev.dir);
      log_put(&x->log, &ev.peer, sizeof ev.peer);
      log_u64(&x->log, ev.len);
      log_u64(&x->log, ev.size);
      if (ev.len) log_put(&x->log, ev.data, ev.len);
      break;
    case PN_ACTION_RESUME:
      /* Depends on how the bytes were chunked: not logged. */
      x->resumed = 1;
      break;
    case PN_ACTION_DEADLINE:
      if (a.deadline < FR_T0) check_fail("DEADLINE in the past");
      x->dl = a.deadline;
      break;
    case PN_ACTION_NONE:
      break;
    }
  }
  if (rc < 0) check_fail("poll: %s", pn_strerror(rc));
  return n;
}

/* Offers |p| to the engine as a driver would: what is not taken is offered
 * again only after a RESUME, until nothing moves. */
static void fr_feed(fr_eng *x, const uint8_t *p, size_t n) {
  while (n && !x->log.gone) {
    x->resumed = 0;
    ptrdiff_t got = pn_engine_recv(x->e, x->c, p, n, FR_T0, NULL);
    if (got < 0) check_fail("recv: %s", pn_strerror((int)got));
    if ((size_t)got > n) check_fail("recv took too much");
    x->log.taken += (size_t)got;
    p += got;
    n -= (size_t)got;
    fr_poll(x);
    if (n && !x->resumed) break; /* held: no RESUME, no offer */
  }
}

/* Acks what was deferred, then everything that follows. */
static void fr_flush(fr_eng *x) {
  x->defer = 0;
  if (x->unacked && !x->log.gone &&
      pn_engine_sent(x->e, x->c, x->unacked, FR_T0) != PN_OK)
    check_fail("sent failed");
  x->unacked = 0;
  fr_poll(x);
}

static void fr_free(fr_eng *x) {
  pn_engine_free(x->e);
  free(x->log.ev);
  free(x->log.out);
  memset(x, 0, sizeof *x);
}

typedef struct fr_peer {
  pn_protocol proto;
  pn_crypto_ctx cx;
  pn_handshake hs;
  pn_keypair s;
  pn_prng_rng rng;
  pn_cipherstate tx, rx;
  int keys;
} fr_peer;

static uint8_t *fr_stream;
static size_t fr_len, fr_cap;

static void st_put(const uint8_t *p, size_t n) {
  if (fr_len + n > FR_MAX_STREAM) return;
  sim_put(&fr_stream, &fr_len, &fr_cap, p, n);
}

/* One frame carrying |pt| (sealed when the peer has keys). */
static void st_seal(fr_peer *pr, const uint8_t *pt, size_t n) {
  static uint8_t f[2 + PN_NOISE_MAX_MSG];
  size_t out = n;
  if (n > PN_NOISE_MAX_MSG - PN_NOISE_TAGLEN) n = PN_NOISE_MAX_MSG - 16;
  if (pr->keys) {
    if (pn_cipherstate_encrypt(&pr->tx, NULL, 0, pt, n, f + 2, PN_NOISE_MAX_MSG,
                               &out) != PN_OK)
      return;
  } else {
    memcpy(f + 2, pt, n);
    out = n;
  }
  f[0] = (uint8_t)(out >> 8);
  f[1] = (uint8_t)out;
  st_put(f, 2 + out);
}

static void fr_compare(const fr_eng *a, const fr_eng *b, const char *when) {
  if (a->log.evlen != b->log.evlen ||
      (a->log.evlen && memcmp(a->log.ev, b->log.ev, a->log.evlen) != 0))
    check_fail("%s: events differ with the split", when);
  if (a->log.outlen != b->log.outlen ||
      (a->log.outlen && memcmp(a->log.out, b->log.out, a->log.outlen) != 0))
    check_fail("%s: bytes sent differ with the split", when);
  if (a->log.gone != b->log.gone) check_fail("%s: CLOSE differs", when);
  if (!a->log.gone && a->log.taken != b->log.taken)
    check_fail("%s: bytes taken differ (%zu vs %zu)", when, a->log.taken,
               b->log.taken);
  pn_engine_mem ma, mb;
  pn_engine_memory(a->e, &ma);
  pn_engine_memory(b->e, &mb);
  /* Pool use is not compared: where a partial frame waits (pool or an
   * engine buffer) may depend on the split; what it does may not. */
  if (ma.conns != mb.conns || ma.peers != mb.peers ||
      ma.handshakes != mb.handshakes)
    check_fail("%s: engine state differs with the split (pool %zu/%zu conns "
               "%zu/%zu peers %zu/%zu hs %zu/%zu)",
               when, ma.pool_in_use, mb.pool_in_use, ma.conns, mb.conns,
               ma.peers, mb.peers, ma.handshakes, mb.handshakes);
  if (ma.pool_in_use > ma.pool_budget) check_fail("pool over budget");
  size_t ca = 0, cb = 0;
  pn_peer_info ia, ib;
  while (pn_engine_peer_next(a->e, &ca, &ia)) {
    if (!pn_engine_peer_next(b->e, &cb, &ib)) check_fail("peer lists differ");
    if (ia.bytes_in != ib.bytes_in || ia.msgs_in != ib.msgs_in ||
        ia.rekeys_in != ib.rekeys_in || ia.rekeys_out != ib.rekeys_out ||
        !pn_peer_id_equal(&ia.id, &ib.id))
      check_fail("%s: peer counters differ", when);
  }
  if (a->dl != b->dl) check_fail("%s: deadlines differ", when);
}

/* The operations that build the peer's stream, shared by the harness and its
 * seed writer. The checked-in corpora and regressions decode through these
 * numbers: adding, removing or reordering one remaps every input. */
typedef enum fr_op {
  FR_OP_RAW,   /* raw bytes */
  FR_OP_FRAME, /* a frame with any plaintext */
  FR_OP_FIRST, /* DATA_FIRST: total, data of a chosen size */
  FR_OP_MORE,  /* DATA_MORE: full, or a chosen size */
  FR_OP_KEEPALIVE,
  FR_OP_CLOSE,
  FR_OP_REKEY,   /* the peer follows unless told not to */
  FR_OP_LIE,     /* a lying length prefix over a real frame */
  FR_OP_SKIP,    /* the peer skips nonces */
  FR_OP_MESSAGE, /* a whole message as the engine would send it */
  FR_OP_LIMITS,  /* a frame at the size limits */
  FR_OP_FLIP,    /* flip a bit of the stream so far */
  FR_OP_COUNT
} fr_op;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pn_fdp in;
  pn_fdp_init(&in, data, size);
  uint8_t flags = pn_fdp_u8(&in);
  int plain = flags & 1, inbound = (flags >> 1) & 1;
  const char *proto = fr_protos[(flags >> 2) % FR_NPROTOS];
  uint32_t block = (flags & 0x20) ? 256 : 0;
  int hs_steps = (int)pn_fdp_range(&in, 0, 4);
  uint64_t maxmsg = pn_fdp_range(&in, 0, 300000);
  uint64_t seed = pn_fdp_u64(&in);

  pn_engine_config cfg;
  pn_engine_config_default(&cfg);
  uint8_t epriv[32], ppriv[32];
  uint64_t kr = seed ^ 0x5eed;
  pn_prng_fill(&kr, epriv, sizeof epriv);
  pn_prng_fill(&kr, ppriv, sizeof ppriv);
  cfg.protocol = proto;
  cfg.static_private = epriv;
  cfg.static_private_len = 32;
  cfg.profile = plain ? PN_PROFILE_PLAIN : PN_PROFILE_FRAMED;
  cfg.max_message = plain ? maxmsg % (PN_ENGINE_PLAIN_MAX_MESSAGE + 1) : maxmsg;
  cfg.pool_block = block;
  cfg.max_conns = 2;
  cfg.rng.fill = pn_prng_rng_fill;
  /* The default 16 MiB pool costs more to map and poison than the whole
   * run; a few messages' worth is plenty for one connection. */
  cfg.pool_budget = sim_pool_budget(&cfg, 8); /* F3 at its smallest */

  fr_eng *x = fr_x;
  memset(fr_x, 0, sizeof fr_x);
  for (int i = 0; i < 2; i++) {
    x[i].rng.x = seed;
    x[i].dl = PN_TIME_NEVER;
    cfg.rng.user = &x[i].rng;
    if (pn_engine_new(&x[i].e, &cfg, FR_T0) != PN_OK) {
      if (i) check_fail("identical configs, different results");
      return 0; /* max_message 0..: every config above is valid anyway */
    }
    if (inbound && pn_engine_listening(x[i].e, FR_T0) != PN_OK)
      check_fail("listening");
  }

  fr_peer pr;
  memset(&pr, 0, sizeof pr);
  pr.rng.x = seed ^ 0xfeed;
  if (pn_protocol_parse(&pr.proto, proto, strlen(proto), PN_BACKEND_AUTO) !=
      PN_OK)
    check_fail("protocol");
  pn_peer_id eid;
  pn_engine_local_id(x[0].e, &eid);
  pn_rng prng = {pn_prng_rng_fill, &pr.rng};
  if (pn_crypto_ctx_init(&pr.cx, &pr.proto) != PN_OK ||
      pn_handshake_init(&pr.hs, &pr.proto, &pr.cx,
                        inbound ? PN_INITIATOR : PN_RESPONDER,
                        &prng) != PN_OK ||
      pn_keypair_from_private(&pr.s, &pr.proto, ppriv, 32) != PN_OK)
    check_fail("peer init");
  int needs = pn_handshake_needs(&pr.hs);
  if ((needs & PN_NEED_LOCAL_STATIC) &&
      pn_handshake_set_static(&pr.hs, &pr.s) != PN_OK)
    check_fail("peer static");
  if ((needs & PN_NEED_REMOTE_STATIC) &&
      pn_handshake_set_remote_static(&pr.hs, eid.key, eid.len) != PN_OK)
    check_fail("peer remote static");
  if (pn_handshake_start(&pr.hs, NULL, 0) != PN_OK) check_fail("peer start");
  pn_peer_id pid;
  memset(&pid, 0, sizeof pid);
  pid.len = 32;
  memcpy(pid.key, pr.s.pub, 32);
  /* An engine dialling IK or NK must know the responder's key. */
  int need_exp = !inbound && (strstr(proto, "_IK_") || strstr(proto, "_NK_"));
  for (int i = 0; i < 2; i++) {
    if (pn_engine_conn_open(x[i].e, inbound ? PN_DIR_INBOUND : PN_DIR_OUTBOUND,
                            need_exp ? &pid : NULL, NULL, FR_T0,
                            &x[i].c) != PN_OK)
      check_fail("conn_open");
    fr_poll(&x[i]);
  }

  /* The handshake, message by message; both engines get the same bytes. */
  static uint8_t msg[2 + PN_NOISE_MAX_MSG], pl[16];
  size_t done_out = 0;
  for (int step = 0; step < hs_steps; step++) {
    int act = pn_handshake_action(&pr.hs);
    if (act == PN_HS_WRITE) {
      size_t len;
      if (pn_handshake_write(&pr.hs, NULL, 0, msg + 2, PN_NOISE_MAX_MSG,
                             &len) != PN_OK)
        check_fail("peer write");
      msg[0] = (uint8_t)(len >> 8);
      msg[1] = (uint8_t)len;
      for (int i = 0; i < 2; i++)
        fr_feed(&x[i], msg, len + 2);
    } else if (act == PN_HS_READ) {
      /* The engine's next frame, from what it sent. */
      const fr_log *g = &x[0].log;
      if (g->outlen - done_out < 2) break;
      size_t len = (size_t)g->out[done_out] << 8 | g->out[done_out + 1];
      if (g->outlen - done_out < 2 + len) break;
      size_t plen;
      if (pn_handshake_read(&pr.hs, g->out + done_out + 2, len, pl, sizeof pl,
                            &plen) != PN_OK)
        check_fail("peer cannot read the engine's handshake message");
      done_out += 2 + len;
    } else {
      break;
    }
  }
  if (pn_handshake_action(&pr.hs) == PN_HS_SPLIT) {
    pn_cipherstate a, b;
    if (pn_handshake_split(&pr.hs, &a, &b) != PN_OK) check_fail("peer split");
    /* The initiator sends with the first. */
    pr.tx = a;
    pr.rx = b;
    pr.keys = 1;
  }
  fr_compare(&x[0], &x[1], "handshake");
  x[0].log.taken = x[1].log.taken = 0; /* from here: stream offsets */

  /* The stream. */
  fr_len = 0;
  static uint8_t pt[PN_NOISE_MAX_MSG];
  /* The last 4 bytes are the split (see below). */
  while (pn_fdp_remaining(&in) > 4 && fr_len < FR_MAX_STREAM) {
    fr_op op = (fr_op)pn_fdp_range(&in, 0, FR_OP_COUNT - 1);
    size_t n;
    const uint8_t *p;
    switch (op) {
    case FR_OP_RAW:
      p = pn_fdp_blob(&in, 300, &n);
      st_put(p, n);
      break;
    case FR_OP_FRAME:
      p = pn_fdp_blob(&in, 600, &n);
      st_seal(&pr, p, n);
      break;
    case FR_OP_FIRST: {
      uint32_t total = pn_fdp_u8(&in) & 1
                           ? pn_fdp_u32(&in)
                           : (uint32_t)pn_fdp_range(&in, 0, 300000);
      size_t dl = pn_fdp_bool(&in) ? PN_NOISE_MAX_MSG - 16 - 5
                                   : (size_t)pn_fdp_range(&in, 0, 1000);
      if (dl > total && pn_fdp_bool(&in)) dl = total;
      pt[0] = 1;
      pt[1] = (uint8_t)(total >> 24);
      pt[2] = (uint8_t)(total >> 16);
      pt[3] = (uint8_t)(total >> 8);
      pt[4] = (uint8_t)total;
      memset(pt + 5, pn_fdp_u8(&in), dl);
      st_seal(&pr, pt, 5 + dl);
      break;
    }
    case FR_OP_MORE: {
      size_t dl = pn_fdp_bool(&in) ? PN_NOISE_MAX_MSG - 16 - 1
                                   : (size_t)pn_fdp_range(&in, 0, 70000);
      if (dl > PN_NOISE_MAX_MSG - 16 - 1) dl = PN_NOISE_MAX_MSG - 16 - 1;
      pt[0] = 2;
      memset(pt + 1, pn_fdp_u8(&in), dl);
      st_seal(&pr, pt, 1 + dl);
      break;
    }
    case FR_OP_KEEPALIVE:
      pt[0] = 3;
      st_seal(&pr, pt, 1 + (pn_fdp_u8(&in) == 0xff));
      break;
    case FR_OP_CLOSE: {
      uint16_t r = pn_fdp_u16(&in);
      pt[0] = 4;
      pt[1] = (uint8_t)(r >> 8);
      pt[2] = (uint8_t)r;
      st_seal(&pr, pt, 3);
      break;
    }
    case FR_OP_REKEY:
      pt[0] = 5;
      pt[1] = pn_fdp_u8(&in);
      st_seal(&pr, pt, 2);
      if (pr.keys && !(pt[1] & 0x80) && pn_cipherstate_rekey(&pr.tx) != PN_OK)
        check_fail("peer rekey");
      break;
    case FR_OP_LIE: {
      size_t before = fr_len;
      p = pn_fdp_blob(&in, 64, &n);
      st_seal(&pr, p, n);
      uint16_t lie = pn_fdp_u16(&in);
      if (fr_len >= before + 2) {
        fr_stream[before] = (uint8_t)(lie >> 8);
        fr_stream[before + 1] = (uint8_t)lie;
      }
      break;
    }
    case FR_OP_SKIP:
      if (pr.keys)
        pn_cipherstate_set_nonce(&pr.tx, pn_cipherstate_nonce(&pr.tx) +
                                             pn_fdp_range(&in, 0, 3));
      break;
    case FR_OP_MESSAGE: { /* DATA_FIRST + MORE chunks (plain: one frame) */
      size_t total = (size_t)pn_fdp_range(&in, 0, 200000);
      uint8_t fill = pn_fdp_u8(&in);
      if (plain) {
        if (total > PN_NOISE_MAX_MSG - 16) total = PN_NOISE_MAX_MSG - 16;
        memset(pt, fill, total);
        st_seal(&pr, pt, total);
        break;
      }
      size_t left = total, first = 1;
      do {
        size_t hdr = first ? 5 : 1, room = PN_NOISE_MAX_MSG - 16 - hdr;
        size_t k = left < room ? left : room;
        pt[0] = first ? 1 : 2;
        if (first) {
          pt[1] = (uint8_t)(total >> 24);
          pt[2] = (uint8_t)(total >> 16);
          pt[3] = (uint8_t)(total >> 8);
          pt[4] = (uint8_t)total;
        }
        memset(pt + hdr, fill++, k);
        st_seal(&pr, pt, hdr + k);
        left -= k;
        first = 0;
      } while (left);
      break;
    }
    case FR_OP_LIMITS: {
      size_t k = pn_fdp_bool(&in) ? PN_NOISE_MAX_MSG - 16
                                  : (size_t)pn_fdp_range(&in, 0, 20);
      pt[0] = pn_fdp_u8(&in);
      memset(pt + 1, 0x5a, k ? k - 1 : 0);
      st_seal(&pr, pt, k);
      break;
    }
    case FR_OP_FLIP:
    case FR_OP_COUNT: { /* the peer's receive side is unused */
      if (fr_len) {
        size_t at = (size_t)pn_fdp_range(&in, 0, fr_len - 1);
        fr_stream[at] ^= (uint8_t)(1u << (pn_fdp_u8(&in) & 7));
      }
      break;
    }
    }
  }

  /* Engine 0 in one piece; engine 1 in pieces from a PRNG the input seeds
   * (the last two bytes of the input: max piece and seed). */
  x[0].defer = x[1].defer = 1;
  fr_feed(&x[0], fr_stream, fr_len);
  /* An exhausted input reads as the largest pieces: the cheap case. */
  size_t maxpiece = 4097 - (size_t)pn_fdp_range(&in, 0, 4096);
  uint64_t split = pn_fdp_u16(&in);
  size_t off = 0;
  while (off < fr_len && !x[1].log.gone) {
    uint8_t r[2];
    pn_prng_fill(&split, r, 2);
    size_t k = 1 + ((size_t)r[0] << 8 | r[1]) % maxpiece;
    if (k > fr_len - off) k = fr_len - off;
    /* The driver keeps what was not taken and offers it again with the
     * next piece, as a socket buffer would. */
    size_t before = x[1].log.taken;
    fr_feed(&x[1], fr_stream + (before), off + k - before);
    off += k;
  }
  fr_flush(&x[0]);
  fr_flush(&x[1]);
  if (sim_trace())
    fprintf(stderr, "stream %zu bytes, taken %zu / %zu\n", fr_len,
            x[0].log.taken, x[1].log.taken);
  fr_compare(&x[0], &x[1], "stream");

  /* Then the transport ends the same way for both. */
  if (!x[0].log.gone) {
    for (int i = 0; i < 2; i++) {
      if (pn_engine_conn_closed(x[i].e, x[i].c, FR_T0) != PN_OK)
        check_fail("conn_closed");
      x[i].log.gone = x[i].log.dropped = 1;
      fr_poll(&x[i]);
    }
    fr_compare(&x[0], &x[1], "close");
  }
  for (int i = 0; i < 2; i++) {
    pn_engine_mem m;
    pn_engine_memory(x[i].e, &m);
    if (m.pool_in_use || m.peers) check_fail("state left after the close");
  }
  pn_handshake_wipe(&pr.hs);
  pn_cipherstate_wipe(&pr.tx);
  pn_cipherstate_wipe(&pr.rx);
  pn_crypto_ctx_wipe(&pr.cx);
  fr_free(&x[0]);
  fr_free(&x[1]);
  return 0;
}

/* ---- Seeds: real sessions, one per protocol and profile ---------------- */

static void w_op(pn_fdw *w, fr_op op) {
  pn_fdw_range(w, 0, FR_OP_COUNT - 1, op);
}

static void w_message(pn_fdw *w, uint64_t total, uint8_t fill) {
  w_op(w, FR_OP_MESSAGE);
  pn_fdw_range(w, 0, 200000, total);
  pn_fdw_range(w, 0, 255, fill);
}

int pn_fuzz_write_seeds(const char *dir) {
  int n = 0;
  for (int i = 0; i < 16; i++) {
    pn_fdw w = {0};
    int plain = i % 2, inbound = (i / 2) % 2, proto = (i / 4) % FR_NPROTOS;
    pn_fdw_range(
        &w, 0, 255,
        (uint64_t)(plain | inbound << 1 | proto << 2 | (i >= 8 ? 0x20 : 0)));
    pn_fdw_range(&w, 0, 4, i == 15 ? 1 : 4);            /* handshake steps */
    pn_fdw_range(&w, 0, 300000, i % 3 ? 100000 : 1000); /* max_message */
    pn_fdw_range(&w, 0, UINT64_MAX, 0x1234u + (unsigned)i);
    w_message(&w, 0, 1);
    w_message(&w, 11, 2);
    w_op(&w, FR_OP_KEEPALIVE);
    pn_fdw_range(&w, 0, 255, 0);
    if (i % 3 == 0)
      w_message(&w, 5000, 3);              /* overflow: over max_message 1000 */
    w_message(&w, i % 3 ? 70000 : 600, 4); /* two chunks when framed */
    w_op(&w, FR_OP_REKEY);                 /* asking for the reply */
    pn_fdw_range(&w, 0, 255, 1);
    w_message(&w, 100, 5);
    if (i % 4 == 1) {
      w_op(&w, FR_OP_CLOSE);
      pn_fdw_range(&w, 0, 65535, 1);
    }
    if (i % 4 == 2) {
      w_op(&w, FR_OP_FLIP); /* late in the stream */
      pn_fdw_range(&w, 0, 255, 200);
      pn_fdw_range(&w, 0, 255, 3);
    }
    pn_fdw_range(&w, 0, 4096, (uint64_t)(i * 257) % 4097); /* split */
    pn_fdw_range(&w, 0, 65535, (uint64_t)i);
    char name[32];
    snprintf(name, sizeof name, "seed-%02d", i);
    int bad = w.oom || pn_fuzz_save(dir, name, w.buf, w.len) != 0;
    pn_fdw_free(&w);
    if (bad) return -1;
    n++;
  }
  return n;
}
