/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Harness 2: the Noise HandshakeState under arbitrary messages.
 *
 * The input picks a protocol (any revision-34 pattern with random fallback
 * and psk modifiers and any suite, or a raw name), the backend, both
 * parties' keys, PSKs, prologues and pinned ephemerals (matching or not),
 * which role(s) may receive tampered messages, and an RNG failure. Then, at
 * every step, the sender writes a real message (sometimes with a buffer that
 * is too small or a payload that is too big), and the input chooses what the
 * receiver gets: the real message, a mutated copy, or raw bytes.
 *
 * Checks: no crash; only documented error codes; refusals that must leave the
 * state unchanged do; any other failure moves the state to FAILED, after
 * which reads and writes return PN_ERR_HANDSHAKE_FAILED; messages are exactly
 * pn_handshake_overhead() + payload; real messages between consistently keyed
 * parties are accepted with their payload; both parties completing means the
 * transcript was untouched (with real crypto), the hashes match, and the
 * transport works both ways (tamper detected, nonce kept, rekey). After a
 * failure the input may run Noise Pipes: both states become XXfallback ones
 * (pn_handshake_fallback), roles swapped, and that handshake runs the same way.
 *
 * The same code writes the seed corpus (pn_fuzz_write_seeds): every choice
 * point names the value a seed takes, and in writer mode it is recorded.
 */
#include <string.h>

#include <p2pnoise/noise.h>

#include "check.h"
#include "fdp.h"
#include "fuzz_common.h"
#include "prng.h"

/* Revision 34: one-way (7.4), fundamental (7.5), deferred (18.1). */
static const char *const pn_patterns[] = {
    "N",    "K",   "X",   "NN",   "NK",   "NX",  "XN",  "XK",   "XX",  "KN",
    "KK",   "KX",  "IN",  "IK",   "IX",   "NK1", "NX1", "X1N",  "X1K", "XK1",
    "X1K1", "X1X", "XX1", "X1X1", "K1N",  "K1K", "KK1", "K1K1", "K1X", "KX1",
    "K1X1", "I1N", "I1K", "IK1",  "I1K1", "I1X", "IX1", "I1X1"};
enum { PN_NPATTERNS = sizeof pn_patterns / sizeof pn_patterns[0] };
static const char *const pn_dhs[] = {"25519", "448"};
static const char *const pn_ciphers[] = {"ChaChaPoly", "AESGCM"};
static const char *const pn_hashes[] = {"SHA256", "SHA512", "BLAKE2s",
                                        "BLAKE2b"};

/* ---- Choices: read from the input, or recorded by the seed writer ------- */

typedef struct pn_seedcfg {
  int pattern, fallback, pskmask, dh, cipher, hash;
  int raw;      /* a raw-name seed */
  int stale_rs; /* the initiator's pre-message key is wrong... */
  int pipes;    /* ...and both fall back to XXfallback (Noise Pipes) */
} pn_seedcfg;

typedef struct pn_ch {
  pn_fdp in;
  pn_fdw *out; /* non-NULL: writer mode, |want| values are taken */
  const pn_seedcfg *cfg;
} pn_ch;

static uint64_t ch(pn_ch *c, uint64_t lo, uint64_t hi, uint64_t want) {
  if (!c->out) return pn_fdp_range(&c->in, lo, hi);
  pn_fdw_range(c->out, lo, hi, want);
  return want;
}

static void ch_bytes(pn_ch *c, uint8_t *out, size_t n, const uint8_t *want) {
  if (!c->out) {
    pn_fdp_bytes(&c->in, out, n);
    return;
  }
  memcpy(out, want, n);
  pn_fdw_put(c->out, want, n);
}

static const uint8_t *ch_blob(pn_ch *c, size_t max, size_t *len,
                              const void *want, size_t wantlen) {
  if (!c->out) return pn_fdp_blob(&c->in, max, len);
  pn_fdw_blob(c->out, max, want, wantlen);
  *len = wantlen;
  return want;
}

/* ---- The parties -------------------------------------------------------- */

typedef struct pn_party {
  pn_crypto_ctx cx; /* what hs, send and recv run on */
  pn_handshake hs;
  pn_keypair s, e;
  uint8_t psk[PN_NOISE_MAX_PSKS][PN_NOISE_PSKLEN];
  uint8_t prologue[64];
  size_t prologue_len;
  pn_prng_rng rng;
  int victim; /* its inbound messages may be tampered with */
  int failed, split;
  pn_cipherstate send, recv;
} pn_party;

static pn_protocol pn_proto, pn_fb;
/* pn_proto's backend: the fallback protocol takes the same, as the states'
 * contexts are set up for its cipher implementation. */
static pn_backend pn_backend_choice;
static pn_party pn_a, pn_b; /* initiator, responder */
static uint8_t pn_msg[PN_NOISE_MAX_MSG + 64], pn_wire[PN_NOISE_MAX_MSG + 4096],
    pn_payload[PN_NOISE_MAX_MSG + 64], pn_out[PN_NOISE_MAX_MSG + 64];

static int pn_is_known_error(int rc) {
  return rc == PN_ERR_MSG_SIZE || rc == PN_ERR_DECRYPT || rc == PN_ERR_DH ||
         rc == PN_ERR_CRYPTO;
}

/* A FAILED state stays failed and keeps no secret, whatever is called. */
static void check_failed(pn_party *pt) {
  pn_handshake *hs = &pt->hs;
  size_t n;
  uint8_t h[PN_NOISE_MAX_HASHLEN];
  pn_cipherstate s, r;
  CHECK(pn_handshake_action(hs) == PN_HS_FAILED);
  CHECK(pn_handshake_write(hs, NULL, 0, pn_out, sizeof pn_out, &n) ==
        PN_ERR_HANDSHAKE_FAILED);
  CHECK(pn_handshake_read(hs, pn_msg, 64, pn_out, sizeof pn_out, &n) ==
        PN_ERR_HANDSHAKE_FAILED);
  CHECK(pn_handshake_split(hs, &s, &r) == PN_ERR_INVALID_STATE);
  CHECK(pn_handshake_overhead(hs) == 0);
  CHECK(pn_handshake_hash(hs, h) == 0);
  CHECK(pn_handshake_local_ephemeral(hs) == NULL);
  CHECK(!hs->ss.cs.has_key); /* wiped */
  pt->failed = 1;
}

/* Calls that must be refused without touching the state. */
static void check_refusals(pn_party *pt) {
  pn_handshake before = pt->hs;
  pn_cipherstate s, r;
  size_t n;
  int act = pn_handshake_action(&pt->hs);
  CHECK(pn_handshake_start(&pt->hs, NULL, 0) == PN_ERR_INVALID_STATE);
  CHECK(pn_handshake_set_static(&pt->hs, &pt->s) == PN_ERR_INVALID_STATE);
  CHECK(pn_handshake_set_psk(&pt->hs, 0, pt->psk[0], 32) ==
        PN_ERR_INVALID_STATE);
  CHECK(pn_handshake_pin_ephemeral(&pt->hs, &pt->e) == PN_ERR_INVALID_STATE);
  if (act != PN_HS_SPLIT)
    CHECK(pn_handshake_split(&pt->hs, &s, &r) == PN_ERR_INVALID_STATE);
  if (act == PN_HS_WRITE)
    CHECK(pn_handshake_read(&pt->hs, pn_msg, 100, pn_out, sizeof pn_out, &n) ==
          PN_ERR_WRONG_TURN);
  if (act == PN_HS_READ)
    CHECK(pn_handshake_write(&pt->hs, NULL, 0, pn_out, sizeof pn_out, &n) ==
          PN_ERR_WRONG_TURN);
  CHECK(memcmp(&before, &pt->hs, sizeof before) == 0);
}

/* Builds the protocol name from choices; 0 if there is a protocol to run. */
static int choose_protocol(pn_ch *c) {
  const pn_seedcfg *k = c->cfg;
  char name[PN_NOISE_MAX_NAME + 64];
  size_t len;
  pn_backend backend = (pn_backend)ch(c, 0, 2, 0);
  pn_backend_choice = backend;
  if (ch(c, 0, 15, k && k->raw ? 0 : 1) == 0) {
    static const char seed_name[] = "Noise_XXfallback+psk0_25519_AESGCM_SHA256";
    const uint8_t *p = ch_blob(c, PN_NOISE_MAX_NAME + 8, &len, seed_name,
                               sizeof seed_name - 1);
    memcpy(name, p, len);
    return pn_protocol_parse(&pn_proto, name, len, backend) == PN_OK ? 0 : -1;
  }
  int pat = (int)ch(c, 0, PN_NPATTERNS - 1, k ? k->pattern : 0);
  int fb = (int)ch(c, 0, 1, k ? k->fallback : 0);
  int mask = (int)ch(c, 0, 31, k ? k->pskmask : 0);
  int dh = (int)ch(c, 0, 1, k ? k->dh : 0);
  int ci = (int)ch(c, 0, 1, k ? k->cipher : 0);
  int ha = (int)ch(c, 0, 3, k ? k->hash : 0);
  char mods[64] = "";
  size_t m = 0;
  if (fb) m += (size_t)snprintf(mods + m, sizeof mods - m, "fallback");
  for (int i = 0; i < 5; i++)
    if (mask & (1 << i))
      m += (size_t)snprintf(mods + m, sizeof mods - m, "%spsk%d", m ? "+" : "",
                            i);
  len = (size_t)snprintf(name, sizeof name, "Noise_%s%s_%s_%s_%s",
                         pn_patterns[pat], mods, pn_dhs[dh], pn_ciphers[ci],
                         pn_hashes[ha]);

  /* The modifier rules, checked against the base pattern: fallback needs no
   * pre-message and a first message of e, s or e, s; pskN needs N <= the
   * messages left after fallback. */
  char base[64];
  size_t blen =
      (size_t)snprintf(base, sizeof base, "Noise_%s_%s_%s_%s", pn_patterns[pat],
                       pn_dhs[dh], pn_ciphers[ci], pn_hashes[ha]);
  pn_protocol b;
  int brc = pn_protocol_parse(&b, base, blen, backend);
  int rc = pn_protocol_parse(&pn_proto, name, len, backend);
  if (brc != PN_OK) {
    CHECK(rc != PN_OK);
    return -1;
  }
  int valid = 1, n = b.nmsgs;
  if (fb) {
    const uint8_t *t = b.tok[0];
    int first_ok =
        (b.msg_len[0] == 1 && (t[0] == PN_TOK_E || t[0] == PN_TOK_S)) ||
        (b.msg_len[0] == 2 && t[0] == PN_TOK_E && t[1] == PN_TOK_S);
    valid = !b.one_way && !b.npre_i && !b.npre_r && b.nmsgs >= 2 && first_ok;
    n--;
  }
  for (int i = 0; i < 5; i++)
    if ((mask & (1 << i)) && i > n) valid = 0;
  CHECK(valid ? rc == PN_OK : rc == PN_ERR_NAME_BAD_MODIFIER);
  return rc == PN_OK ? 0 : -1;
}

static void seed_bytes(uint8_t *out, size_t n, uint8_t tag) {
  for (size_t i = 0; i < n; i++)
    out[i] = (uint8_t)(tag * 31 + i * 7 + 1);
}

/* Keys, PSKs, prologue and RNG of one party; |peer| (already set up) gives
 * the "matching" values a seed takes. */
static void choose_party(pn_ch *c, pn_party *pt, const pn_party *peer,
                         uint8_t tag) {
  size_t dl = pn_protocol_dhlen(&pn_proto);
  uint8_t want[PN_NOISE_MAX_DHLEN], priv[PN_NOISE_MAX_DHLEN];
  memset(pt, 0, sizeof *pt);
  seed_bytes(want, dl, tag);
  ch_bytes(c, priv, dl, want);
  CHECK(pn_keypair_from_private(&pt->s, &pn_proto, priv, dl) == PN_OK);
  seed_bytes(want, dl, (uint8_t)(tag + 1));
  ch_bytes(c, priv, dl, want);
  CHECK(pn_keypair_from_private(&pt->e, &pn_proto, priv, dl) == PN_OK);

  /* PSKs: the peer's, or damaged ones. */
  uint8_t p0[32];
  seed_bytes(p0, 32, 99);
  if (peer) {
    memcpy(pt->psk, peer->psk, sizeof pt->psk);
    int bad = (int)ch(c, 0, 7, 0); /* 1..5: damage that PSK */
    if (bad >= 1 && bad <= PN_NOISE_MAX_PSKS) pt->psk[bad - 1][bad] ^= 0x40;
  } else {
    ch_bytes(c, p0, 32, p0);
    for (int i = 0; i < PN_NOISE_MAX_PSKS; i++) {
      memcpy(pt->psk[i], p0, 32);
      pt->psk[i][0] ^= (uint8_t)i;
    }
  }

  size_t plen;
  const uint8_t *pro = ch_blob(c, sizeof pt->prologue, &plen,
                               peer ? peer->prologue : (const uint8_t *)"p2p",
                               peer ? peer->prologue_len : 3);
  memcpy(pt->prologue, pro, plen);
  pt->prologue_len = plen;

  pt->rng.x = ch(c, 0, UINT64_MAX, tag);
  pt->rng.fail_at = (int)ch(c, 0, 15, 0) > 12 ? (uint32_t)ch(c, 1, 4, 1) : 0;
  pt->victim = (int)ch(c, 0, 1, 1);
}

/* Keys into the handshake state, sometimes first leaving one out to see
 * start refuse; 0 when started. |peer_s| and |peer_e| are the true ones. */
static int setup(pn_ch *c, pn_party *pt, pn_role role, const pn_party *peer,
                 int *consistent) {
  size_t dl = pn_protocol_dhlen(&pn_proto);
  pn_rng rng = {pn_prng_rng_fill, &pt->rng};
  CHECK(pn_crypto_ctx_init(&pt->cx, &pn_proto) == PN_OK);
  CHECK(pn_handshake_init(&pt->hs, &pn_proto, &pt->cx, role, &rng) == PN_OK);
  CHECK(pn_handshake_action(&pt->hs) == PN_HS_SETUP);
  int need = pn_handshake_needs(&pt->hs);
  int omit = (int)ch(c, 0, 15, 0); /* 1..4: leave out one need first */

  if ((need & PN_NEED_LOCAL_STATIC) || ch(c, 0, 1, 0))
    if (omit != 1) CHECK(pn_handshake_set_static(&pt->hs, &pt->s) == PN_OK);
  if (need & PN_NEED_REMOTE_STATIC) {
    uint8_t rs[PN_NOISE_MAX_DHLEN];
    memcpy(rs, peer->s.pub, dl);
    int stale = c->cfg && c->cfg->stale_rs;
    if (ch(c, 0, 7, stale) == 1) {
      uint8_t junk[PN_NOISE_MAX_DHLEN];
      seed_bytes(junk, dl, 77);
      ch_bytes(c, rs, dl, stale ? junk : peer->s.pub);
    }
    if (memcmp(rs, peer->s.pub, dl) != 0) *consistent = 0;
    if (omit != 2)
      CHECK(pn_handshake_set_remote_static(&pt->hs, rs, dl) == PN_OK);
  } else {
    CHECK(pn_handshake_set_remote_static(&pt->hs, peer->s.pub, dl) ==
          PN_ERR_INVALID_ARGUMENT);
  }
  if (need & PN_NEED_REMOTE_EPHEMERAL) {
    uint8_t re[PN_NOISE_MAX_DHLEN];
    memcpy(re, peer->e.pub, dl);
    if (ch(c, 0, 7, 0) == 1) ch_bytes(c, re, dl, peer->e.pub);
    if (memcmp(re, peer->e.pub, dl) != 0) *consistent = 0;
    if (omit != 3)
      CHECK(pn_handshake_set_remote_ephemeral(&pt->hs, re, dl) == PN_OK);
  }
  /* A fallback's responder sends its pre-message e: it must be pinned. */
  int pre_e = pn_proto.fallback && role == PN_RESPONDER;
  int pin = ch(c, 0, 3, 0) == 1 || (pre_e && omit != 3);
  if (pin) CHECK(pn_handshake_pin_ephemeral(&pt->hs, &pt->e) == PN_OK);
  if (pn_proto.npsk) {
    if (ch(c, 0, 1, 0))
      CHECK(pn_handshake_set_psks(&pt->hs, (const uint8_t(*)[32])pt->psk,
                                  omit == 4 ? pn_proto.npsk - 1u
                                            : pn_proto.npsk) == PN_OK);
    else
      for (int i = 0; i < pn_proto.npsk; i++)
        if (!(omit == 4 && i == pn_proto.npsk - 1))
          CHECK(pn_handshake_set_psk(&pt->hs, (size_t)i, pt->psk[i], 32) ==
                PN_OK);
    if (memcmp(pt->psk, peer->psk, (size_t)pn_proto.npsk * 32) != 0)
      *consistent = 0;
  }

  int rc = pn_handshake_start(&pt->hs, pt->prologue, pt->prologue_len);
  int missing = (omit == 1 && (need & PN_NEED_LOCAL_STATIC)) ||
                (omit == 2 && (need & PN_NEED_REMOTE_STATIC)) ||
                (omit == 3 && (need & PN_NEED_REMOTE_EPHEMERAL)) ||
                (pre_e && !pin);
  if (missing) {
    CHECK(rc == PN_ERR_MISSING_KEY);
    CHECK(pn_handshake_action(&pt->hs) == PN_HS_SETUP);
    return -1; /* enough: the refusal was the point */
  }
  if (omit == 4 && pn_proto.npsk) {
    CHECK(rc == PN_ERR_MISSING_PSK);
    return -1;
  }
  CHECK(rc == PN_OK);
  if (pt->prologue_len != peer->prologue_len ||
      memcmp(pt->prologue, peer->prologue, pt->prologue_len) != 0)
    *consistent = 0;
  CHECK(pn_handshake_action(&pt->hs) ==
        (role == PN_INITIATOR ? PN_HS_WRITE : PN_HS_READ));
  uint8_t h[PN_NOISE_MAX_HASHLEN];
  CHECK(pn_handshake_hash(&pt->hs, h) == pn_protocol_hashlen(&pn_proto));
  check_refusals(pt);
  return 0;
}

/* A payload chosen by the input: usually small bytes, sometimes sized right
 * at the 65535-byte limit. */
static const uint8_t *choose_payload(pn_ch *c, size_t ov, size_t *len) {
  static uint8_t big[PN_NOISE_MAX_MSG + 8];
  if (ch(c, 0, 15, 0) == 15) {
    size_t room = PN_NOISE_MAX_MSG - ov;
    size_t d = (size_t)ch(c, 0, 4, 2);
    *len = room + 2 >= d ? room + 2 - d : 0; /* room-2 .. room+2 */
    memset(big, 0x5a, *len);
    return big;
  }
  static const char hello[] = "hello";
  return ch_blob(c, 512, len, hello, sizeof hello - 1);
}

/* The sender's step: 0 if a message is in pn_msg (*len bytes). */
static int do_write(pn_ch *c, pn_party *pt, size_t ov, const uint8_t **pl,
                    size_t *plen, size_t *len) {
  const uint8_t *payload = choose_payload(c, ov, plen);
  size_t total = ov + *plen;
  if (ch(c, 0, 7, 0) == 7 && total > 0) {
    /* Too small a buffer: refused, state unchanged, then done properly. */
    pn_handshake before = pt->hs;
    size_t cap = total - (size_t)ch(c, 1, total, 1);
    int rc = pn_handshake_write(&pt->hs, payload, *plen, pn_msg, cap, len);
    CHECK(rc == (total > PN_NOISE_MAX_MSG ? PN_ERR_MSG_SIZE : PN_ERR_NOBUF));
    CHECK(memcmp(&before, &pt->hs, sizeof before) == 0);
  }
  if (total > PN_NOISE_MAX_MSG) {
    pn_handshake before = pt->hs;
    CHECK(pn_handshake_write(&pt->hs, payload, *plen, pn_msg, sizeof pn_msg,
                             len) == PN_ERR_MSG_SIZE);
    CHECK(memcmp(&before, &pt->hs, sizeof before) == 0);
    *plen = PN_NOISE_MAX_MSG - ov;
    total = PN_NOISE_MAX_MSG;
  }
  int rc =
      pn_handshake_write(&pt->hs, payload, *plen, pn_msg, sizeof pn_msg, len);
  if (rc != PN_OK) {
    /* The RNG failed, or a remote key was low-order. */
    CHECK(rc == PN_ERR_CRYPTO || rc == PN_ERR_DH);
    check_failed(pt);
    return -1;
  }
  CHECK(*len == total);
  *pl = payload;
  return 0;
}

/* What the receiver gets: the message, a mutated copy, or raw bytes. */
static size_t deliver(pn_ch *c, const pn_party *to, size_t len) {
  int how = to->victim ? (int)ch(c, 0, 3, 0) : 0;
  if (how == 0 || how == 3) { /* 3: intact, with a small buffer first */
    memcpy(pn_wire, pn_msg, len);
    return len;
  }
  if (how == 2) {
    size_t n;
    const uint8_t *p = ch_blob(c, 2048, &n, pn_msg, len < 2048 ? len : 2048);
    memcpy(pn_wire, p, n);
    return n;
  }
  memcpy(pn_wire, pn_msg, len);
  int ops = (int)ch(c, 1, 4, 1);
  for (int i = 0; i < ops; i++) {
    switch (ch(c, 0, 3, 0)) {
    case 0: /* flip bits of one byte */
      if (len) pn_wire[ch(c, 0, len - 1, 0)] ^= (uint8_t)ch(c, 1, 255, 1);
      break;
    case 1: /* truncate */
      len = (size_t)ch(c, 0, len, len);
      break;
    case 2: { /* append */
      size_t n;
      const uint8_t *p = ch_blob(c, 64, &n, "", 0);
      memcpy(pn_wire + len, p, n);
      len += n;
      break;
    }
    default: { /* overwrite a run */
      size_t n, at = len ? (size_t)ch(c, 0, len - 1, 0) : 0;
      const uint8_t *p = ch_blob(c, 64, &n, "", 0);
      if (n > len - at) n = len - at;
      memcpy(pn_wire + at, p, n);
      break;
    }
    }
  }
  return len;
}

/* The receiver's step; 0 if it accepted. */
static int do_read(pn_ch *c, pn_party *pt, size_t ov, size_t len, int intact,
                   const uint8_t *payload, size_t plen) {
  size_t got = 0;
  int mode = (int)ch(c, 0, 7, 0);
  if (mode == 7 && len >= ov && len - ov > 0) {
    /* Too small a payload buffer: refused, state unchanged. */
    pn_handshake before = pt->hs;
    int rc = pn_handshake_read(&pt->hs, pn_wire, len, pn_payload, len - ov - 1,
                               &got);
    CHECK(rc == (len > PN_NOISE_MAX_MSG ? PN_ERR_MSG_SIZE : PN_ERR_NOBUF));
    if (rc == PN_ERR_MSG_SIZE) {
      check_failed(pt);
      return -1;
    }
    CHECK(memcmp(&before, &pt->hs, sizeof before) == 0);
  }
  int rc;
  /* No buffer for an empty payload, which noise.h allows (F2,
   * regressions/handshake/null-payload-buffer). */
  if (mode == 6 && len == ov)
    rc = pn_handshake_read(&pt->hs, pn_wire, len, NULL, 0, &got);
  else
    rc = pn_handshake_read(
        &pt->hs, pn_wire, len, pn_payload,
        mode == 5 && len >= ov ? len - ov : sizeof pn_payload, &got);
  if (intact) CHECK(rc == PN_OK);
  if (rc != PN_OK) {
    CHECK(pn_is_known_error(rc) && rc != PN_ERR_CRYPTO);
    CHECK(got == 0);
    check_failed(pt);
    return -1;
  }
  CHECK(len == ov + got);
  if (intact) CHECK(got == plen && memcmp(pn_payload, payload, plen) == 0);
  return 0;
}

/* Both split: the same hash, the peer's static key, and working transport. */
static void check_transport(pn_ch *c, pn_party *ini, pn_party *resp,
                            int real_crypto, int consistent, int tampered) {
  uint8_t ha[PN_NOISE_MAX_HASHLEN], hb[PN_NOISE_MAX_HASHLEN];
  if (real_crypto) CHECK(consistent && !tampered); /* no forgery */
  CHECK(pn_handshake_split(&ini->hs, &ini->send, &ini->recv) == PN_OK);
  CHECK(pn_handshake_split(&resp->hs, &resp->send, &resp->recv) == PN_OK);
  CHECK(pn_handshake_action(&ini->hs) == PN_HS_DONE);
  size_t hl = pn_handshake_hash(&ini->hs, ha);
  CHECK(hl == pn_protocol_hashlen(&pn_proto));
  CHECK(pn_handshake_hash(&resp->hs, hb) == hl);
  if (!consistent || tampered) return; /* transparent AEAD: anything goes */
  CHECK(memcmp(ha, hb, hl) == 0);
  size_t dl = pn_protocol_dhlen(&pn_proto);
  const uint8_t *rs = pn_handshake_remote_static(&ini->hs);
  if (rs) CHECK(memcmp(rs, resp->s.pub, dl) == 0);
  rs = pn_handshake_remote_static(&resp->hs);
  if (rs) CHECK(memcmp(rs, ini->s.pub, dl) == 0);

  int n = (int)ch(c, 0, 8, 2);
  for (int i = 0; i < n; i++) {
    int dir = (int)ch(c, 0, 1, (uint64_t)i & 1);
    pn_cipherstate *tx = dir ? &resp->send : &ini->send;
    pn_cipherstate *rx = dir ? &ini->recv : &resp->recv;
    size_t plen, clen, olen;
    const uint8_t *p = ch_blob(c, 1024, &plen, "transport", 9);
    int op = (int)ch(c, 0, 7, 0);
    if (op == 7) { /* rekey this direction on both ends */
      CHECK(pn_cipherstate_rekey(tx) == PN_OK);
      CHECK(pn_cipherstate_rekey(rx) == PN_OK);
    }
    if (op == 5) { /* both ends near the top of the nonce space */
      uint64_t top = UINT64_MAX - ch(c, 0, 1, 1);
      pn_cipherstate_set_nonce(tx, top);
      pn_cipherstate_set_nonce(rx, top);
    }
    /* The ends stay in step, so both reach the reserved 2^64-1 together:
     * refused, n kept, and this direction is spent. */
    CHECK(pn_cipherstate_nonce(tx) == pn_cipherstate_nonce(rx));
    if (pn_cipherstate_nonce(tx) == UINT64_MAX) {
      CHECK(pn_cipherstate_encrypt(tx, NULL, 0, p, plen, pn_msg, sizeof pn_msg,
                                   &clen) == PN_ERR_NONCE_EXHAUSTED);
      CHECK(pn_cipherstate_decrypt(rx, NULL, 0, pn_msg, 16, pn_out,
                                   sizeof pn_out,
                                   &olen) == PN_ERR_NONCE_EXHAUSTED);
      CHECK(pn_cipherstate_nonce(tx) == UINT64_MAX &&
            pn_cipherstate_nonce(rx) == UINT64_MAX);
      continue;
    }
    CHECK(pn_cipherstate_encrypt(tx, NULL, 0, p, plen, pn_msg, sizeof pn_msg,
                                 &clen) == PN_OK);
    CHECK(clen == plen + PN_NOISE_TAGLEN);
    if (op == 6) { /* damage: refused, nonce kept */
      uint64_t nonce = pn_cipherstate_nonce(rx);
      memcpy(pn_wire, pn_msg, clen);
      pn_wire[ch(c, 0, clen - 1, 0)] ^= (uint8_t)ch(c, 1, 255, 1);
      CHECK(pn_cipherstate_decrypt(rx, NULL, 0, pn_wire, clen, pn_out,
                                   sizeof pn_out, &olen) == PN_ERR_DECRYPT);
      CHECK(pn_cipherstate_nonce(rx) == nonce);
    }
    CHECK(pn_cipherstate_decrypt(rx, NULL, 0, pn_msg, clen, pn_out,
                                 sizeof pn_out, &olen) == PN_OK);
    CHECK(olen == plen && memcmp(pn_out, p, plen) == 0);
  }
  pn_cipherstate_wipe(&ini->send);
  pn_cipherstate_wipe(&resp->recv);
  CHECK(!pn_cipherstate_has_key(&ini->send) &&
        pn_cipherstate_has_key(&ini->recv));
}

/* The messages of |p| from |ini| and |resp|, started: 0 if all went
 * through, -1 when a party failed. */
static int run_steps(pn_ch *c, const pn_protocol *p, pn_party *ini,
                     pn_party *resp, int consistent, int *tampered) {
  for (int m = 0; m < p->nmsgs; m++) {
    int from_ini = p->one_way || m % 2 == 0;
    pn_party *tx = from_ini ? ini : resp, *rx = from_ini ? resp : ini;
    CHECK(pn_handshake_action(&tx->hs) == PN_HS_WRITE);
    CHECK(pn_handshake_action(&rx->hs) == PN_HS_READ);
    size_t ov = pn_handshake_overhead(&tx->hs);
    CHECK(ov == pn_handshake_overhead(&rx->hs));
    if (m == 0 && !p->fallback) /* e */
      CHECK(ov >= pn_protocol_dhlen(p));
    const uint8_t *payload;
    size_t plen, len;
    if (do_write(c, tx, ov, &payload, &plen, &len) != 0) return -1;
    size_t wlen = deliver(c, rx, len);
    int intact = wlen == len && memcmp(pn_wire, pn_msg, len) == 0;
    *tampered |= !intact;
    if (do_read(c, rx, ov, wlen, !*tampered && consistent, payload, plen) != 0)
      return -1;
    check_refusals(tx);
    check_refusals(rx);
  }
  CHECK(pn_handshake_action(&ini->hs) == PN_HS_SPLIT);
  CHECK(pn_handshake_action(&resp->hs) == PN_HS_SPLIT);
  return 0;
}

/* Noise Pipes (spec 10.4): after a failure both parties turn their states
 * into XXfallback ones (pn_handshake_fallback), roles swapped, and run it. */
static void pipes(pn_ch *c, int real_crypto) {
  size_t dl = pn_protocol_dhlen(&pn_proto);
  /* 1: no fallback modifier; 2: another DH; both must be refused. */
  int wrong = (int)ch(c, 0, 7, 0);
  int dh = wrong == 2 ? 3 - pn_proto.dh : pn_proto.dh;
  char name[96];
  size_t len = (size_t)snprintf(name, sizeof name, "Noise_XX%s_%s_%s_%s",
                                wrong == 1      ? ""
                                : pn_proto.npsk ? "fallback+psk0"
                                                : "fallback",
                                pn_dhs[dh - 1], pn_ciphers[pn_proto.cipher - 1],
                                pn_hashes[pn_proto.hash - 1]);
  if (pn_protocol_parse(&pn_fb, name, len, pn_backend_choice) != PN_OK) return;
  pn_handshake a0 = pn_a.hs, b0 = pn_b.hs;
  int ra = pn_handshake_fallback(&pn_a.hs, &pn_fb);
  int rb = pn_handshake_fallback(&pn_b.hs, &pn_fb);
  if (wrong == 1 || wrong == 2) {
    CHECK(ra == PN_ERR_INVALID_ARGUMENT && rb == ra);
    CHECK(memcmp(&a0, &pn_a.hs, sizeof a0) == 0);
    CHECK(memcmp(&b0, &pn_b.hs, sizeof b0) == 0);
    return;
  }
  /* The old initiator needs its e (a FAILED state has wiped it), the old
   * responder the e it received. */
  CHECK(ra == (a0.has_e ? PN_OK : PN_ERR_INVALID_STATE));
  CHECK(rb == (b0.has_re ? PN_OK : PN_ERR_INVALID_STATE));
  if (ra != PN_OK || rb != PN_OK) return;
  CHECK(pn_handshake_action(&pn_a.hs) == PN_HS_SETUP);
  CHECK(pn_handshake_action(&pn_b.hs) == PN_HS_SETUP);
  /* Patterns without static keys did not give them: give them now. */
  if (!pn_a.hs.s) CHECK(pn_handshake_set_static(&pn_a.hs, &pn_a.s) == PN_OK);
  if (!pn_b.hs.s) CHECK(pn_handshake_set_static(&pn_b.hs, &pn_b.s) == PN_OK);
  /* A fresh transcript: what matters now is the prologues, the PSK the
   * fallback uses, and the new initiator (old responder) holding the old
   * initiator's e. */
  int consistent =
      pn_a.prologue_len == pn_b.prologue_len &&
      memcmp(pn_a.prologue, pn_b.prologue, pn_a.prologue_len) == 0 &&
      (!pn_fb.npsk || memcmp(pn_a.psk[0], pn_b.psk[0], 32) == 0) &&
      memcmp(pn_b.hs.re, pn_a.hs.e.pub, dl) == 0;
  CHECK(pn_handshake_start(&pn_b.hs, pn_b.prologue, pn_b.prologue_len) ==
        PN_OK);
  CHECK(pn_handshake_start(&pn_a.hs, pn_a.prologue, pn_a.prologue_len) ==
        PN_OK);
  int tampered = 0;
  if (run_steps(c, &pn_fb, &pn_b, &pn_a, consistent, &tampered) == 0)
    check_transport(c, &pn_b, &pn_a, real_crypto, consistent, tampered);
}

static void run(pn_ch *c) {
  if (choose_protocol(c) != 0) return;
  int real_crypto = strcmp(pn_protocol_impl(&pn_proto, PN_PRIMITIVE_CIPHER),
                           "fuzz-transparent");
  choose_party(c, &pn_a, NULL, 1);
  choose_party(c, &pn_b, &pn_a, 11);
  int consistent = 1, tampered = 0;
  if (setup(c, &pn_a, PN_INITIATOR, &pn_b, &consistent) != 0) goto done;
  if (setup(c, &pn_b, PN_RESPONDER, &pn_a, &consistent) != 0) goto done;
  if (run_steps(c, &pn_proto, &pn_a, &pn_b, consistent, &tampered) == 0)
    check_transport(c, &pn_a, &pn_b, real_crypto, consistent, tampered);
  else if (!pn_proto.fallback && !pn_proto.one_way &&
           ch(c, 0, 3, c->cfg && c->cfg->pipes) == 1)
    pipes(c, real_crypto);
done:
  pn_handshake_wipe(&pn_a.hs);
  pn_handshake_wipe(&pn_b.hs);
  pn_party *parties[2] = {&pn_a, &pn_b};
  for (int i = 0; i < 2; i++) {
    pn_cipherstate_wipe(&parties[i]->send);
    pn_cipherstate_wipe(&parties[i]->recv);
    pn_crypto_ctx_wipe(&parties[i]->cx);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pn_ch c;
  memset(&c, 0, sizeof c);
  pn_fdp_init(&c.in, data, size);
  run(&c);
  return 0;
}

/* ---- Seeds: every pattern, a spread of suites, modifiers and fallback -- */

int pn_fuzz_write_seeds(const char *dir) {
  int n = 0;
  for (int i = 0; i < PN_NPATTERNS + 24; i++) {
    pn_seedcfg k = {0};
    k.pattern = i % PN_NPATTERNS;
    k.dh = i % 2;
    k.cipher = (i / 2) % 2;
    k.hash = (i / 4) % 4;
    if (i >= PN_NPATTERNS) { /* modifiers on a second pass */
      k.pskmask = 1 << (i % 3);
      k.fallback = i % 4 == 0;
      if (k.fallback) k.pattern = (i / 4) % 2 ? 8 /* XX */ : 3 /* NN */;
    }
    k.raw = i == PN_NPATTERNS + 23;
    if (i >= PN_NPATTERNS + 20 && i < PN_NPATTERNS + 23) {
      /* Noise Pipes: IK with a stale responder key, then XXfallback. */
      k.pattern = 13; /* IK */
      k.pskmask = i == PN_NPATTERNS + 22 ? 1 : 0;
      k.fallback = 0;
      k.stale_rs = k.pipes = 1;
    }
    pn_fdw w = {0};
    pn_ch c;
    memset(&c, 0, sizeof c);
    c.out = &w;
    c.cfg = &k;
    run(&c);
    char name[32];
    snprintf(name, sizeof name, "seed-%02d", i);
    if (w.oom || pn_fuzz_save(dir, name, w.buf, w.len) != 0) {
      pn_fdw_free(&w);
      return -1;
    }
    pn_fdw_free(&w);
    n++;
  }
  return n;
}
