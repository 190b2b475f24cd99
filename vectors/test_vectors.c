/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The Noise-layer acceptance test: replays the public test vectors.
 *
 *   test_vectors [--backend auto|sodium|openssl] DIR_OR_FILE...
 *
 * Reads the JSON vector files (cacophony, snow, noise-c; both the current
 * and the old noise-c dialect) found under each directory, and flynn/noise's
 * key=value vectors.txt. Every vector runs both roles with pinned ephemeral
 * keys: each handshake message is checked byte for byte on the writer side
 * and its payload on the reader side (the reader gets the vector's bytes, not
 * the writer's, so the two roles are checked independently), then the
 * handshake hash, Split() and every transport message in both directions.
 *
 * Only names outside revision 34 are skipped (by reason), and protocols this
 * build cannot supply (PN_ERR_UNSUPPORTED); anything else that does not run
 * is a failure. Exit status: 1 if any vector failed, 77 if there was nothing
 * to run, else 0.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <p2pnoise/noise.h>

#include "json.h"
#include "testutil.h"

enum {
  MAX_SHOWN_FAILURES = 10, /* failure lines printed; the rest only counted */
  MAX_VEC_PSKS = 8,
  WHY_LEN = 512,
  BUF_LEN = PN_NOISE_MAX_MSG + 64
};

/* Why a vector was not run. Each is a name outside revision 34, except
 * UNSUPPORTED: a revision-34 protocol this build or backend lacks. */
enum {
  SKIP_LEGACY_PSK, /* NoisePSK_ prefix, the pre-revision-32 PSK scheme */
  SKIP_HFS,        /* hfs modifier / hybrid DH (NewHope, 25519+448) */
  SKIP_P256,       /* snow's non-standard DH */
  SKIP_XCHACHA,    /* snow's non-standard cipher */
  SKIP_UNSUPPORTED,
  SKIP_NREASONS
};
static const char *const skip_names[SKIP_NREASONS] = {
    "NoisePSK", "hfs", "P256", "XChaChaPoly", "unsupported"};

typedef struct vkey {
  uint8_t b[PN_NOISE_MAX_DHLEN];
  size_t len;
  int present;
} vkey;

typedef struct vbytes {
  uint8_t *p;
  size_t len;
} vbytes;

typedef struct vmsg {
  vbytes payload, ct;
} vmsg;

/* One vector, in either format. Fields belong to a role: init_* to the
 * initiator of the first message, resp_* to the other party. */
typedef struct vec {
  char name[PN_NOISE_MAX_NAME + 64];
  char ik_name[PN_NOISE_MAX_NAME + 64]; /* fallback: the first protocol */
  int fallback, fail, flynn;
  vkey init_static, resp_static, init_eph, resp_eph, init_rs, resp_rs;
  uint8_t init_psks[MAX_VEC_PSKS][PN_NOISE_PSKLEN];
  uint8_t resp_psks[MAX_VEC_PSKS][PN_NOISE_PSKLEN];
  size_t n_init_psks, n_resp_psks;
  vbytes init_prologue, resp_prologue;
  uint8_t hh[PN_NOISE_MAX_HASHLEN];
  size_t hh_len;
  int has_hh;
  vmsg *msgs;
  size_t nmsgs, msgcap;
} vec;

typedef struct counts {
  long pass, fail, skip;
  long reason[SKIP_NREASONS];
} counts;

static pn_backend g_backend = PN_BACKEND_AUTO;
static counts g_total;
static long g_shown;
/* Set when a handshake read refused the vector's message: where a vector
 * marked "fail" must fail. */
static int g_refused;
static uint8_t g_out[BUF_LEN], g_pay[BUF_LEN];

static void vec_free(vec *v) {
  free(v->init_prologue.p);
  free(v->resp_prologue.p);
  for (size_t i = 0; i < v->nmsgs; i++) {
    free(v->msgs[i].payload.p);
    free(v->msgs[i].ct.p);
  }
  free(v->msgs);
  memset(v, 0, sizeof *v);
}

static vmsg *vec_msg(vec *v, size_t i) {
  if (i >= v->msgcap) {
    size_t cap = v->msgcap ? v->msgcap * 2 : 8;
    while (cap <= i)
      cap *= 2;
    vmsg *m = realloc(v->msgs, cap * sizeof *m);
    if (!m) return NULL;
    memset(m + v->msgcap, 0, (cap - v->msgcap) * sizeof *m);
    v->msgs = m;
    v->msgcap = cap;
  }
  if (i >= v->nmsgs) v->nmsgs = i + 1;
  return &v->msgs[i];
}

static int set_bytes(vbytes *dst, const char *hex, size_t hexlen) {
  free(dst->p);
  dst->len = 0;
  dst->p = malloc(hexlen / 2 + 1); /* +1: never malloc(0) */
  if (!dst->p) return -1;
  long n = pn_test_unhex(hex, hexlen, dst->p, hexlen / 2);
  if (n < 0) return -1;
  dst->len = (size_t)n;
  return 0;
}

static int set_key(vkey *k, const char *hex, size_t hexlen) {
  long n = pn_test_unhex(hex, hexlen, k->b, sizeof k->b);
  if (n <= 0) return -1;
  k->len = (size_t)n;
  k->present = 1;
  return 0;
}

static void why(char *out, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(out, WHY_LEN, fmt, ap);
  va_end(ap);
}

/* "at byte N: got xx, want yy" for the first difference, or the lengths. */
static void describe_diff(char *out, size_t cap, const uint8_t *got,
                          size_t gotlen, const uint8_t *want, size_t wantlen) {
  if (gotlen != wantlen) {
    snprintf(out, cap, "length %zu, want %zu", gotlen, wantlen);
    return;
  }
  size_t i = 0;
  while (i < gotlen && got[i] == want[i])
    i++;
  snprintf(out, cap, "at byte %zu: got %02x, want %02x", i, got[i], want[i]);
}

static int same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
  return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* ---- Skips --------------------------------------------------------------- */

/* The section |idx| (0 prefix, 1 pattern, 2 DH, 3 cipher, 4 hash) of a name,
 * copied into |out|; empty if there is none. */
static void name_section(const char *name, int idx, char *out, size_t cap) {
  const char *s = name;
  for (int i = 0; i < idx && s; i++) {
    s = strchr(s, '_');
    if (s) s++;
  }
  size_t n = 0;
  if (s)
    while (s[n] && s[n] != '_')
      n++;
  if (n >= cap) n = cap - 1;
  if (s) memcpy(out, s, n);
  out[n] = 0;
}

/* The skip reason of a name outside revision 34, or -1. Prefix first, so a
 * legacy hybrid vector counts as legacy. */
static int skip_by_name(const char *name, int hybrid) {
  char sec[PN_NOISE_MAX_NAME + 64];
  name_section(name, 0, sec, sizeof sec);
  if (strcmp(sec, "NoisePSK") == 0) return SKIP_LEGACY_PSK;
  name_section(name, 1, sec, sizeof sec);
  if (hybrid || strstr(sec, "hfs")) return SKIP_HFS;
  name_section(name, 2, sec, sizeof sec);
  if (strchr(sec, '+') || strcmp(sec, "NewHope") == 0) return SKIP_HFS;
  if (strcmp(sec, "P256") == 0) return SKIP_P256;
  name_section(name, 3, sec, sizeof sec);
  if (strcmp(sec, "XChaChaPoly") == 0) return SKIP_XCHACHA;
  return -1;
}

/* ---- Running one vector -------------------------------------------------- */

typedef struct party {
  pn_crypto_ctx cx; /* what hs, send and recv run on */
  pn_handshake hs;
  pn_keypair s, e;
  pn_cipherstate send, recv;
  const char *label;
} party;

/* 1 if |role| of |p| has an ephemeral key: writes an e token or has one as
 * a pre-message. One-way vectors give an unused resp_ephemeral. */
static int role_uses_e(const pn_protocol *p, pn_role role) {
  const uint8_t *pre = role == PN_INITIATOR ? p->pre_i : p->pre_r;
  int npre = role == PN_INITIATOR ? p->npre_i : p->npre_r;
  for (int i = 0; i < npre; i++)
    if (pre[i] == PN_TOK_E) return 1;
  for (int m = 0; m < p->nmsgs; m++) {
    int sender = p->one_way || m % 2 == 0 ? PN_INITIATOR : PN_RESPONDER;
    if (sender != (int)role) continue;
    for (int t = 0; t < p->msg_len[m]; t++)
      if (p->tok[m][t] == PN_TOK_E) return 1;
  }
  return 0;
}

static int load_keypair(pn_keypair *kp, const pn_protocol *p, const vkey *k,
                        const char *what, char *w) {
  if (!k->present) {
    why(w, "the vector has no %s", what);
    return -1;
  }
  int rc = pn_keypair_from_private(kp, p, k->b, k->len);
  if (rc != PN_OK) {
    why(w, "pn_keypair_from_private(%s, %zu bytes): %s", what, k->len,
        pn_strerror(rc));
    return -1;
  }
  return 0;
}

/* Sets up |pt| as |role| of |p| from one side's fields, then starts it. The
 * peer's private keys stand in for a missing remote static (flynn's format
 * has none: they follow from the pattern) and for a fallback pattern's
 * pre-message e. */
static int setup_party(party *pt, const pn_protocol *p, pn_role role,
                       const vec *v, int init_side, char *w) {
  const vkey *s = init_side ? &v->init_static : &v->resp_static;
  const vkey *peer_s = init_side ? &v->resp_static : &v->init_static;
  const vkey *rs = init_side ? &v->init_rs : &v->resp_rs;
  const vkey *e = init_side ? &v->init_eph : &v->resp_eph;
  const vbytes *pro = init_side ? &v->init_prologue : &v->resp_prologue;
  const char *side = init_side ? "init" : "resp";
  char what[64];

  int rc = pn_crypto_ctx_init(&pt->cx, p);
  if (rc == PN_OK) rc = pn_handshake_init(&pt->hs, p, &pt->cx, role, NULL);
  if (rc != PN_OK) {
    why(w, "%s: pn_handshake_init: %s", pt->label, pn_strerror(rc));
    return -1;
  }
  int needs = pn_handshake_needs(&pt->hs);
  if (needs & PN_NEED_LOCAL_STATIC) {
    snprintf(what, sizeof what, "%s_static", side);
    if (load_keypair(&pt->s, p, s, what, w) != 0) return -1;
    rc = pn_handshake_set_static(&pt->hs, &pt->s);
    if (rc != PN_OK) {
      why(w, "%s: pn_handshake_set_static: %s", pt->label, pn_strerror(rc));
      return -1;
    }
  }
  if (needs & PN_NEED_REMOTE_STATIC) {
    pn_keypair peer;
    const uint8_t *pub = rs->b;
    size_t len = rs->len;
    if (!rs->present) {
      snprintf(what, sizeof what, "%s_remote_static or %s_static", side,
               init_side ? "resp" : "init");
      if (load_keypair(&peer, p, peer_s, what, w) != 0) return -1;
      pub = peer.pub;
      len = pn_protocol_dhlen(p);
    }
    rc = pn_handshake_set_remote_static(&pt->hs, pub, len);
    if (rc != PN_OK) {
      why(w, "%s: pn_handshake_set_remote_static: %s", pt->label,
          pn_strerror(rc));
      return -1;
    }
  }
  if (needs & PN_NEED_REMOTE_EPHEMERAL) {
    /* A fallback pattern run on its own: the peer's pre-message e. */
    pn_keypair peer;
    snprintf(what, sizeof what, "%s_ephemeral", init_side ? "resp" : "init");
    if (load_keypair(&peer, p, init_side ? &v->resp_eph : &v->init_eph, what,
                     w) != 0)
      return -1;
    rc = pn_handshake_set_remote_ephemeral(&pt->hs, peer.pub,
                                           pn_protocol_dhlen(p));
    if (rc != PN_OK) {
      why(w, "%s: pn_handshake_set_remote_ephemeral: %s", pt->label,
          pn_strerror(rc));
      return -1;
    }
  }
  if (needs & PN_NEED_PSK) {
    size_t n = init_side ? v->n_init_psks : v->n_resp_psks;
    /* With none given, start reports PN_ERR_MISSING_PSK below. */
    if (n) {
      rc = pn_handshake_set_psks(&pt->hs,
                                 init_side ? v->init_psks : v->resp_psks, n);
      if (rc != PN_OK) {
        why(w, "%s: pn_handshake_set_psks(%zu): %s", pt->label, n,
            pn_strerror(rc));
        return -1;
      }
    }
  }
  if (role_uses_e(p, role)) {
    snprintf(what, sizeof what, "%s_ephemeral", side);
    if (load_keypair(&pt->e, p, e, what, w) != 0) return -1;
    rc = pn_handshake_pin_ephemeral(&pt->hs, &pt->e);
    if (rc != PN_OK) {
      why(w, "%s: pn_handshake_pin_ephemeral: %s", pt->label, pn_strerror(rc));
      return -1;
    }
  }
  rc = pn_handshake_start(&pt->hs, pro->p, pro->len);
  if (rc != PN_OK) {
    why(w, "%s: pn_handshake_start: %s", pt->label, pn_strerror(rc));
    return -1;
  }
  return 0;
}

/* One handshake message: |wr| writes message |i| (checked against the
 * vector), |rd| reads the vector's bytes (payload checked). */
static int hs_message(party *wr, party *rd, const vec *v, size_t i, char *w) {
  const vmsg *m = &v->msgs[i];
  char d[96];
  size_t over = pn_handshake_overhead(&wr->hs);
  if (over + m->payload.len != m->ct.len) {
    why(w, "%s: msg %zu: overhead %zu + payload %zu != ciphertext %zu",
        wr->label, i, over, m->payload.len, m->ct.len);
    return -1;
  }
  size_t outlen = 0;
  int rc = pn_handshake_write(&wr->hs, m->payload.p, m->payload.len, g_out,
                              sizeof g_out, &outlen);
  if (rc != PN_OK) {
    why(w, "%s: write msg %zu: %s", wr->label, i, pn_strerror(rc));
    return -1;
  }
  if (!same(g_out, outlen, m->ct.p, m->ct.len)) {
    describe_diff(d, sizeof d, g_out, outlen, m->ct.p, m->ct.len);
    why(w, "%s: msg %zu ciphertext differs %s", wr->label, i, d);
    return -1;
  }
  size_t plen = 0;
  rc = pn_handshake_read(&rd->hs, m->ct.p, m->ct.len, g_pay, sizeof g_pay,
                         &plen);
  if (rc != PN_OK) {
    why(w, "%s: read msg %zu: %s", rd->label, i, pn_strerror(rc));
    g_refused = 1;
    return -1;
  }
  if (!same(g_pay, plen, m->payload.p, m->payload.len)) {
    describe_diff(d, sizeof d, g_pay, plen, m->payload.p, m->payload.len);
    why(w, "%s: msg %zu payload differs %s", rd->label, i, d);
    return -1;
  }
  return 0;
}

static int check_hash(party *ini, party *res, const vec *v, char *w) {
  uint8_t hi[PN_NOISE_MAX_HASHLEN], hr[PN_NOISE_MAX_HASHLEN];
  char d[96];
  size_t li = pn_handshake_hash(&ini->hs, hi);
  size_t lr = pn_handshake_hash(&res->hs, hr);
  if (li == 0 || !same(hi, li, hr, lr)) {
    why(w, "handshake hashes differ between the roles (%zu, %zu bytes)", li,
        lr);
    return -1;
  }
  if (v->has_hh && !same(hi, li, v->hh, v->hh_len)) {
    describe_diff(d, sizeof d, hi, li, v->hh, v->hh_len);
    why(w, "%s: handshake_hash differs %s", ini->label, d);
    return -1;
  }
  return 0;
}

/* Whoever has a static key is known by it to the peer by the end. */
static int check_remote_static(party *a, party *b, size_t dhlen, char *w) {
  if (!(pn_handshake_needs(&b->hs) & PN_NEED_LOCAL_STATIC)) return 0;
  const uint8_t *rs = pn_handshake_remote_static(&a->hs);
  if (!rs || memcmp(rs, b->s.pub, dhlen) != 0) {
    why(w, "%s: remote static after the handshake is %s", a->label,
        rs ? "wrong" : "missing");
    return -1;
  }
  return 0;
}

/* Runs the messages from |first| on: the handshake of |p| between |ini| and
 * |res| (already started), then Split() and transport. */
static int run_messages(const pn_protocol *p, party *ini, party *res,
                        const vec *v, size_t first, char *w) {
  size_t i = first;
  char d[96];
  for (;;) {
    int ai = pn_handshake_action(&ini->hs), ar = pn_handshake_action(&res->hs);
    if (ai == PN_HS_SPLIT && ar == PN_HS_SPLIT) break;
    if (i >= v->nmsgs) {
      why(w, "the vector ends during the handshake (after %zu messages)", i);
      return -1;
    }
    /* The vector's order: alternating from the initiator, or all from it in
     * a one-way pattern. The state machine must agree. */
    int ini_writes = p->one_way || (i - first) % 2 == 0;
    party *wr = ini_writes ? ini : res, *rd = ini_writes ? res : ini;
    if (pn_handshake_action(&wr->hs) != PN_HS_WRITE ||
        pn_handshake_action(&rd->hs) != PN_HS_READ) {
      why(w, "msg %zu: actions initiator %d, responder %d; want %s to write", i,
          ai, ar, wr->label);
      return -1;
    }
    if (hs_message(wr, rd, v, i, w) != 0) return -1;
    i++;
  }
  if (i - first != p->nmsgs) {
    why(w, "handshake took %zu messages, the pattern has %d", i - first,
        p->nmsgs);
    return -1;
  }
  if (check_hash(ini, res, v, w) != 0) return -1;
  size_t dhlen = pn_protocol_dhlen(p);
  if (check_remote_static(ini, res, dhlen, w) != 0 ||
      check_remote_static(res, ini, dhlen, w) != 0)
    return -1;
  int rc = pn_handshake_split(&ini->hs, &ini->send, &ini->recv);
  if (rc == PN_OK) rc = pn_handshake_split(&res->hs, &res->send, &res->recv);
  if (rc != PN_OK) {
    why(w, "pn_handshake_split: %s", pn_strerror(rc));
    return -1;
  }
  if (pn_handshake_action(&ini->hs) != PN_HS_DONE ||
      pn_handshake_action(&res->hs) != PN_HS_DONE) {
    why(w, "action after split is not PN_HS_DONE");
    return -1;
  }

  for (; i < v->nmsgs; i++) {
    const vmsg *m = &v->msgs[i];
    /* JSON: the alternation goes on (one-way: always the initiator).
     * flynn: transport message k uses c1 when k is even, c2 when odd. */
    int ini_sends;
    if (v->flynn)
      ini_sends = (i - first - p->nmsgs) % 2 == 0;
    else
      ini_sends = p->one_way || (i - first) % 2 == 0;
    party *tx = ini_sends ? ini : res, *rx = ini_sends ? res : ini;
    size_t outlen = 0, plen = 0;
    rc = pn_cipherstate_encrypt(&tx->send, NULL, 0, m->payload.p,
                                m->payload.len, g_out, sizeof g_out, &outlen);
    if (rc != PN_OK) {
      why(w, "%s: transport msg %zu: encrypt: %s", tx->label, i,
          pn_strerror(rc));
      return -1;
    }
    if (!same(g_out, outlen, m->ct.p, m->ct.len)) {
      describe_diff(d, sizeof d, g_out, outlen, m->ct.p, m->ct.len);
      why(w, "%s: transport msg %zu ciphertext differs %s", tx->label, i, d);
      return -1;
    }
    rc = pn_cipherstate_decrypt(&rx->recv, NULL, 0, m->ct.p, m->ct.len, g_pay,
                                sizeof g_pay, &plen);
    if (rc != PN_OK) {
      why(w, "%s: transport msg %zu: decrypt: %s", rx->label, i,
          pn_strerror(rc));
      return -1;
    }
    if (!same(g_pay, plen, m->payload.p, m->payload.len)) {
      describe_diff(d, sizeof d, g_pay, plen, m->payload.p, m->payload.len);
      why(w, "%s: transport msg %zu payload differs %s", rx->label, i, d);
      return -1;
    }
  }
  return 0;
}

/* Noise Pipes (noise-c-fallback.txt): Alice's IK message 0 must fail at Bob
 * (his static key is not the one she expects), then both turn to the
 * fallback protocol, Bob as its initiator, and the vector goes on from
 * message 1. */
static int run_fallback(const pn_protocol *fb, const pn_protocol *ik,
                        party *alice, party *bob, const vec *v, char *w) {
  alice->label = "initiator(Alice,IK)";
  bob->label = "responder(Bob,IK)";
  if (setup_party(alice, ik, PN_INITIATOR, v, 1, w) != 0 ||
      setup_party(bob, ik, PN_RESPONDER, v, 0, w) != 0)
    return -1;
  if (v->nmsgs < 1) {
    why(w, "the vector has no messages");
    return -1;
  }
  const vmsg *m = &v->msgs[0];
  char d[96];
  size_t outlen = 0, plen = 0;
  int rc = pn_handshake_write(&alice->hs, m->payload.p, m->payload.len, g_out,
                              sizeof g_out, &outlen);
  if (rc != PN_OK) {
    why(w, "%s: write msg 0: %s", alice->label, pn_strerror(rc));
    return -1;
  }
  if (!same(g_out, outlen, m->ct.p, m->ct.len)) {
    describe_diff(d, sizeof d, g_out, outlen, m->ct.p, m->ct.len);
    why(w, "%s: msg 0 ciphertext differs %s", alice->label, d);
    return -1;
  }
  rc = pn_handshake_read(&bob->hs, m->ct.p, m->ct.len, g_pay, sizeof g_pay,
                         &plen);
  if (rc != PN_ERR_DECRYPT || pn_handshake_action(&bob->hs) != PN_HS_FAILED) {
    why(w,
        "%s: read of the IK msg 0 gave %s (action %d), want "
        "PN_ERR_DECRYPT and FAILED",
        bob->label, pn_strerror(rc), pn_handshake_action(&bob->hs));
    return -1;
  }

  alice->label = "responder(Alice,fallback)";
  bob->label = "initiator(Bob,fallback)";
  /* The fallback handshakes come back in SETUP: Bob's new ephemeral key
   * (the vector's resp_ephemeral) is pinned before both start. */
  rc = pn_handshake_fallback(&alice->hs, fb);
  if (rc != PN_OK) {
    why(w, "%s: pn_handshake_fallback: %s", alice->label, pn_strerror(rc));
    return -1;
  }
  rc = pn_handshake_fallback(&bob->hs, fb);
  if (rc != PN_OK) {
    why(w, "%s: pn_handshake_fallback: %s", bob->label, pn_strerror(rc));
    return -1;
  }
  if (load_keypair(&bob->e, fb, &v->resp_eph, "resp_ephemeral", w) != 0)
    return -1;
  rc = pn_handshake_pin_ephemeral(&bob->hs, &bob->e);
  if (rc != PN_OK) {
    why(w, "%s: pn_handshake_pin_ephemeral after pn_handshake_fallback: %s",
        bob->label, pn_strerror(rc));
    return -1;
  }
  rc = pn_handshake_start(&alice->hs, v->init_prologue.p, v->init_prologue.len);
  if (rc != PN_OK) {
    why(w, "%s: pn_handshake_start: %s", alice->label, pn_strerror(rc));
    return -1;
  }
  rc = pn_handshake_start(&bob->hs, v->resp_prologue.p, v->resp_prologue.len);
  if (rc != PN_OK) {
    why(w, "%s: pn_handshake_start: %s", bob->label, pn_strerror(rc));
    return -1;
  }
  return run_messages(fb, bob, alice, v, 1, w);
}

/* Runs |v|: 0 if every check held, else -1 with the reason in |w|. */
static int run_vector(const vec *v, const pn_protocol *p, const pn_protocol *ik,
                      char *w) {
  static party a, b; /* large; wiped after each vector */
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  int r;
  if (v->fallback) {
    r = run_fallback(p, ik, &a, &b, v, w);
  } else {
    a.label = "initiator";
    b.label = "responder";
    r = setup_party(&a, p, PN_INITIATOR, v, 1, w);
    if (r == 0) r = setup_party(&b, p, PN_RESPONDER, v, 0, w);
    if (r == 0) r = run_messages(p, &a, &b, v, 0, w);
  }
  party *both[2] = {&a, &b};
  for (int i = 0; i < 2; i++) {
    pn_handshake_wipe(&both[i]->hs);
    pn_cipherstate_wipe(&both[i]->send);
    pn_cipherstate_wipe(&both[i]->recv);
    pn_crypto_ctx_wipe(&both[i]->cx);
  }
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  return r;
}

static void report_failure(const char *path, size_t idx, const char *name,
                           const char *w) {
  if (g_shown++ < MAX_SHOWN_FAILURES)
    printf("FAIL %s: vector %zu %s: %s\n", path, idx, name, w);
}

/* Classifies, runs and counts one loaded vector. |load_err| non-empty means
 * the vector could not be read: a failure. */
static void process(const char *path, size_t idx, vec *v, int hybrid,
                    const char *load_err, counts *c) {
  char w[WHY_LEN] = "";
  const char *name = v->name[0] ? v->name : "(no name)";
  int reason = v->name[0] ? skip_by_name(v->name, hybrid) : -1;
  if (reason >= 0) {
    c->skip++;
    c->reason[reason]++;
    return;
  }
  if (load_err && load_err[0]) {
    c->fail++;
    report_failure(path, idx, name, load_err);
    return;
  }
  pn_protocol p, ik;
  int rc = pn_protocol_parse(&p, v->name, strlen(v->name), g_backend);
  int rc_ik = PN_OK;
  if (rc == PN_OK && v->fallback)
    rc_ik = pn_protocol_parse(&ik, v->ik_name, strlen(v->ik_name), g_backend);
  if (rc == PN_ERR_UNSUPPORTED || rc_ik == PN_ERR_UNSUPPORTED) {
    c->skip++;
    c->reason[SKIP_UNSUPPORTED]++;
    return;
  }
  if (rc != PN_OK || rc_ik != PN_OK) {
    why(w, "pn_protocol_parse(%s): %s", rc != PN_OK ? v->name : v->ik_name,
        pn_strerror(rc != PN_OK ? rc : rc_ik));
    c->fail++;
    report_failure(path, idx, name, w);
    return;
  }
  g_refused = 0;
  int r = run_vector(v, &p, &ik, w);
  /* A vector marked "fail" passes only when a handshake read refuses one of
   * its messages; failing anywhere else (set-up, a writer's bytes,
   * transport) is still a failure. */
  if (v->fail) {
    if (r == 0) {
      why(w, "marked \"fail\" but every step succeeded");
      r = -1;
    } else if (g_refused) {
      r = 0;
    }
  }
  if (r == 0) {
    c->pass++;
  } else {
    c->fail++;
    report_failure(path, idx, name, w);
  }
}

/* ---- JSON files ---------------------------------------------------------- */

static int json_key(const pn_json *o, const char *k, vkey *out, char *err) {
  const pn_json *j = pn_json_get(o, k);
  if (!j) return 0;
  const char *s = pn_json_str(j);
  if (!s || set_key(out, s, pn_json_strlen(j)) != 0) {
    why(err, "bad key field %s", k);
    return -1;
  }
  return 0;
}

static int json_bytes(const pn_json *o, const char *k, vbytes *out, char *err) {
  const pn_json *j = pn_json_get(o, k);
  const char *s = j ? pn_json_str(j) : "";
  if (!s || set_bytes(out, s, j ? pn_json_strlen(j) : 0) != 0) {
    why(err, "bad hex field %s", k);
    return -1;
  }
  return 0;
}

/* PSKs: current dialect "init_psks": [hex, ...]; old noise-c "init_psk". */
static int json_psks(const pn_json *o, const char *arr_key, const char *one_key,
                     uint8_t (*psks)[PN_NOISE_PSKLEN], size_t *n, char *err) {
  const pn_json *a = pn_json_get(o, arr_key), *one = pn_json_get(o, one_key);
  size_t count = a ? pn_json_len(a) : one ? 1 : 0;
  if (count > MAX_VEC_PSKS) {
    why(err, "too many PSKs in %s", arr_key);
    return -1;
  }
  for (size_t i = 0; i < count; i++) {
    const pn_json *j = a ? pn_json_at(a, i) : one;
    if (pn_json_hex(j, psks[i], PN_NOISE_PSKLEN) != PN_NOISE_PSKLEN) {
      why(err, "bad PSK in %s", a ? arr_key : one_key);
      return -1;
    }
  }
  *n = count;
  return 0;
}

static int load_json_vector(const pn_json *o, vec *v, char *err) {
  const pn_json *nm = pn_json_get(o, "protocol_name");
  if (!nm) nm = pn_json_get(o, "name");
  const char *name = nm ? pn_json_str(nm) : NULL;
  if (!name || strlen(name) >= sizeof v->name) {
    why(err, "no usable protocol_name or name");
    return -1;
  }
  strcpy(v->name, name);
  v->fail = pn_json_bool(pn_json_get(o, "fail"));
  v->fallback = pn_json_bool(pn_json_get(o, "fallback"));
  if (v->fallback) {
    /* The file names the fallback protocol; the first one is `pattern`
     * (IK) with the same primitives. fallback_pattern (hybrid file only)
     * would replace the default XXfallback. */
    const pn_json *pat = pn_json_get(o, "pattern");
    const pn_json *fbp = pn_json_get(o, "fallback_pattern");
    const char *rest = strchr(name, '_');
    rest = rest ? strchr(rest + 1, '_') : NULL;
    char prefix[32];
    name_section(name, 0, prefix, sizeof prefix);
    if (!pat || !pn_json_str(pat) || !rest) {
      why(err, "fallback vector without pattern");
      return -1;
    }
    snprintf(v->ik_name, sizeof v->ik_name, "%s_%s%s", prefix, pn_json_str(pat),
             rest);
    if (fbp && pn_json_str(fbp))
      snprintf(v->name, sizeof v->name, "%s_%s%s", prefix, pn_json_str(fbp),
               rest);
  }
  if (json_key(o, "init_static", &v->init_static, err) ||
      json_key(o, "resp_static", &v->resp_static, err) ||
      json_key(o, "init_ephemeral", &v->init_eph, err) ||
      json_key(o, "resp_ephemeral", &v->resp_eph, err) ||
      json_key(o, "init_remote_static", &v->init_rs, err) ||
      json_key(o, "resp_remote_static", &v->resp_rs, err) ||
      json_bytes(o, "init_prologue", &v->init_prologue, err) ||
      json_bytes(o, "resp_prologue", &v->resp_prologue, err) ||
      json_psks(o, "init_psks", "init_psk", v->init_psks, &v->n_init_psks,
                err) ||
      json_psks(o, "resp_psks", "resp_psk", v->resp_psks, &v->n_resp_psks, err))
    return -1;
  const pn_json *hh = pn_json_get(o, "handshake_hash");
  if (hh) {
    long n = pn_json_hex(hh, v->hh, sizeof v->hh);
    if (n <= 0) {
      why(err, "bad handshake_hash");
      return -1;
    }
    v->hh_len = (size_t)n;
    v->has_hh = 1;
  }
  const pn_json *msgs = pn_json_get(o, "messages");
  if (pn_json_typeof(msgs) != PN_JSON_ARRAY) {
    why(err, "no messages array");
    return -1;
  }
  for (size_t i = 0; i < pn_json_len(msgs); i++) {
    const pn_json *m = pn_json_at(msgs, i);
    vmsg *vm = vec_msg(v, i);
    if (!vm || json_bytes(m, "payload", &vm->payload, err) ||
        json_bytes(m, "ciphertext", &vm->ct, err)) {
      if (!err[0]) why(err, "out of memory");
      return -1;
    }
  }
  return 0;
}

static void run_json(const char *path, const pn_json *doc, counts *c) {
  const pn_json *vecs = pn_json_get(doc, "vectors");
  for (size_t i = 0; i < pn_json_len(vecs); i++) {
    const pn_json *o = pn_json_at(vecs, i);
    vec v;
    char err[WHY_LEN] = "";
    memset(&v, 0, sizeof v);
    load_json_vector(o, &v, err);
    process(path, i, &v, pn_json_get(o, "hybrid") != NULL, err, c);
    vec_free(&v);
  }
}

/* ---- flynn/noise vectors.txt --------------------------------------------- */

/* Blocks of key=value lines, each starting with handshake=<name>. */
static void run_flynn(const char *path, char *text, counts *c) {
  vec v;
  char err[WHY_LEN] = "";
  long idx = -1;
  memset(&v, 0, sizeof v);
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    size_t len = strlen(line);
    if (len && line[len - 1] == '\r') line[--len] = 0;
    if (len == 0 || line[0] == '#') continue;
    char *eq = strchr(line, '=');
    if (!eq) {
      if (!err[0]) why(err, "line without '=': %.40s", line);
      continue;
    }
    *eq = 0;
    const char *key = line, *val = eq + 1;
    size_t vlen = strlen(val);
    if (strcmp(key, "handshake") == 0) {
      if (idx >= 0) process(path, (size_t)idx, &v, 0, err, c);
      vec_free(&v);
      err[0] = 0;
      idx++;
      v.flynn = 1;
      if (vlen >= sizeof v.name)
        why(err, "name too long");
      else
        memcpy(v.name, val, vlen + 1);
      continue;
    }
    if (idx < 0 || err[0]) continue;
    int bad = 0;
    if (strcmp(key, "init_static") == 0)
      bad = set_key(&v.init_static, val, vlen);
    else if (strcmp(key, "resp_static") == 0)
      bad = set_key(&v.resp_static, val, vlen);
    else if (strcmp(key, "gen_init_ephemeral") == 0)
      bad = set_key(&v.init_eph, val, vlen);
    else if (strcmp(key, "gen_resp_ephemeral") == 0)
      bad = set_key(&v.resp_eph, val, vlen);
    else if (strcmp(key, "prologue") == 0)
      bad = set_bytes(&v.init_prologue, val, vlen) ||
            set_bytes(&v.resp_prologue, val, vlen);
    else if (strcmp(key, "preshared_key") == 0) {
      bad = pn_test_unhex(val, vlen, v.init_psks[0], PN_NOISE_PSKLEN) !=
            PN_NOISE_PSKLEN;
      memcpy(v.resp_psks[0], v.init_psks[0], PN_NOISE_PSKLEN);
      v.n_init_psks = v.n_resp_psks = 1;
    } else if (strncmp(key, "msg_", 4) == 0) {
      char *end;
      unsigned long n = strtoul(key + 4, &end, 10);
      vmsg *m = end != key + 4 && n < 64 ? vec_msg(&v, n) : NULL;
      if (m && strcmp(end, "_payload") == 0)
        bad = set_bytes(&m->payload, val, vlen);
      else if (m && strcmp(end, "_ciphertext") == 0)
        bad = set_bytes(&m->ct, val, vlen);
      else
        bad = 1;
    } else {
      why(err, "unknown key %s", key);
    }
    if (bad && !err[0]) why(err, "bad value for %s", key);
  }
  if (idx >= 0) process(path, (size_t)idx, &v, 0, err, c);
  vec_free(&v);
}

/* ---- Files --------------------------------------------------------------- */

static void print_counts(const char *path, const counts *c) {
  printf("%s: %ld passed, %ld failed, %ld skipped", path, c->pass, c->fail,
         c->skip);
  if (c->skip) {
    const char *sep = " (";
    for (int r = 0; r < SKIP_NREASONS; r++) {
      if (!c->reason[r]) continue;
      printf("%s%s=%ld", sep, skip_names[r], c->reason[r]);
      sep = ", ";
    }
    printf(")");
  }
  printf("\n");
}

static void add_counts(counts *to, const counts *c) {
  to->pass += c->pass;
  to->fail += c->fail;
  to->skip += c->skip;
  for (int r = 0; r < SKIP_NREASONS; r++)
    to->reason[r] += c->reason[r];
}

/* Runs one file if it holds Noise vectors. |explicit|: named on the command
 * line, so an unreadable or unrecognised file is an error. Returns 1 if it
 * was a vector file, 0 if not, -1 on error. */
static int run_file(const char *path, int explicit) {
  size_t len = 0;
  char *text = pn_test_read_file(path, &len);
  counts c;
  memset(&c, 0, sizeof c);
  if (!text) {
    printf("%s: cannot read\n", path);
    g_total.fail++;
    return -1;
  }
  size_t k = 0;
  while (k < len && strchr(" \t\r\n", text[k]))
    k++;
  int found = 0;
  if (k < len && text[k] == '{') {
    char err[128] = "";
    pn_json *doc = pn_json_parse(text, len, err, sizeof err);
    if (!doc) {
      /* A .txt/.json that starts like JSON but does not parse: say so. */
      printf("%s: JSON error: %s\n", path, err);
      g_total.fail++;
      free(text);
      return -1;
    }
    const pn_json *vecs = pn_json_get(doc, "vectors");
    /* Wycheproof files ("testGroups") and other JSON are not ours. */
    if (pn_json_typeof(vecs) == PN_JSON_ARRAY && pn_json_len(vecs) > 0 &&
        pn_json_get(pn_json_at(vecs, 0), "messages")) {
      run_json(path, doc, &c);
      found = 1;
    }
    pn_json_free(doc);
  } else if (strncmp(text + k, "handshake=Noise", 15) == 0 ||
             strstr(text, "\nhandshake=Noise")) {
    run_flynn(path, text, &c);
    found = 1;
  }
  free(text);
  if (!found) {
    if (!explicit) return 0;
    printf("%s: no Noise test vectors in this file\n", path);
    g_total.fail++;
    return -1;
  }
  print_counts(path, &c);
  add_counts(&g_total, &c);
  return 1;
}

static int has_suffix(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Walks |dir| in name order, so output is stable. Returns the number of
 * vector files, or -1 if something could not be read. */
static int run_dir(const char *dir) {
  struct dirent **ents = NULL;
  int n = scandir(dir, &ents, NULL, alphasort);
  if (n < 0) {
    printf("%s: cannot list\n", dir);
    g_total.fail++;
    return -1;
  }
  int found = 0, bad = 0;
  for (int i = 0; i < n; i++) {
    const char *nm = ents[i]->d_name;
    char path[4096];
    struct stat st;
    if (nm[0] != '.' &&
        snprintf(path, sizeof path, "%s/%s", dir, nm) < (int)sizeof path &&
        stat(path, &st) == 0) {
      int r = 0;
      if (S_ISDIR(st.st_mode))
        r = run_dir(path);
      else if (has_suffix(nm, ".txt") || has_suffix(nm, ".json"))
        r = run_file(path, 0);
      if (r < 0)
        bad = 1;
      else
        found += r;
    }
    free(ents[i]);
  }
  free(ents);
  return bad ? -1 : found;
}

int main(int argc, char **argv) {
  int nfiles = 0, bad = 0, npaths = 0;
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
      const char *b = argv[++i];
      if (strcmp(b, "auto") == 0)
        g_backend = PN_BACKEND_AUTO;
      else if (strcmp(b, "sodium") == 0)
        g_backend = PN_BACKEND_SODIUM;
      else if (strcmp(b, "openssl") == 0)
        g_backend = PN_BACKEND_OPENSSL;
      else {
        fprintf(stderr, "unknown backend %s\n", b);
        return 2;
      }
    } else if (argv[i][0] == '-') {
      fprintf(stderr,
              "usage: %s [--backend auto|sodium|openssl] DIR_OR_FILE...\n",
              argv[0]);
      return 2;
    }
  }
  if (pn_crypto_init() != PN_OK) {
    printf("pn_crypto_init failed\n");
    return 1;
  }
  if (g_backend != PN_BACKEND_AUTO && !pn_backend_available(g_backend)) {
    printf("vectors: backend not in this build; skipped\n");
    return 77;
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--backend") == 0) {
      i++;
      continue;
    }
    struct stat st;
    int r;
    npaths++;
    if (stat(argv[i], &st) != 0) {
      printf("%s: not found\n", argv[i]);
      g_total.fail++;
      r = -1;
    } else if (S_ISDIR(st.st_mode)) {
      r = run_dir(argv[i]);
    } else {
      r = run_file(argv[i], 1);
    }
    if (r < 0)
      bad = 1;
    else
      nfiles += r;
  }
  if (g_shown > MAX_SHOWN_FAILURES)
    printf("(%ld more failures not shown)\n", g_shown - MAX_SHOWN_FAILURES);
  printf("vectors: %ld passed, %ld failed, %ld skipped\n", g_total.pass,
         g_total.fail, g_total.skip);
  if (bad || g_total.fail) return 1;
  if (npaths == 0 || nfiles == 0) {
    printf("no vector files found; nothing to test\n");
    return 77;
  }
  return 0;
}
