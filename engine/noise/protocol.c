/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Protocol names (spec section 8) and the handshake patterns of revision 34
 * (sections 7.4, 7.5, 18.1) as data, with the psk (9.4) and fallback (10.2)
 * modifiers applied to a copy at parse time.
 */
#include <string.h>

#include "crypto.h"
#include "noise_int.h"

enum {
  E = PN_TOK_E,
  S = PN_TOK_S,
  EE = PN_TOK_EE,
  ES = PN_TOK_ES,
  SE = PN_TOK_SE,
  SS = PN_TOK_SS
};

/* A base pattern in Alice-initiated form; token lists end at the first 0. */
typedef struct pattern_def {
  char name[5];
  uint8_t pre_i[2], pre_r[2];
  uint8_t msg[PN_NOISE_MAX_MSGS][5];
} pattern_def;

static const pattern_def patterns[] = {
    /* One-way (7.4). */
    {"N", {0}, {S}, {{E, ES}}},
    {"K", {S}, {S}, {{E, ES, SS}}},
    {"X", {0}, {S}, {{E, ES, S, SS}}},
    /* Fundamental interactive (7.5). */
    {"NN", {0}, {0}, {{E}, {E, EE}}},
    {"NK", {0}, {S}, {{E, ES}, {E, EE}}},
    {"NX", {0}, {0}, {{E}, {E, EE, S, ES}}},
    {"XN", {0}, {0}, {{E}, {E, EE}, {S, SE}}},
    {"XK", {0}, {S}, {{E, ES}, {E, EE}, {S, SE}}},
    {"XX", {0}, {0}, {{E}, {E, EE, S, ES}, {S, SE}}},
    {"KN", {S}, {0}, {{E}, {E, EE, SE}}},
    {"KK", {S}, {S}, {{E, ES, SS}, {E, EE, SE}}},
    {"KX", {S}, {0}, {{E}, {E, EE, SE, S, ES}}},
    {"IN", {0}, {0}, {{E, S}, {E, EE, SE}}},
    {"IK", {0}, {S}, {{E, ES, S, SS}, {E, EE, SE}}},
    {"IX", {0}, {0}, {{E, S}, {E, EE, SE, S, ES}}},
    /* Deferred (18.1). */
    {"NK1", {0}, {S}, {{E}, {E, EE, ES}}},
    {"NX1", {0}, {0}, {{E}, {E, EE, S}, {ES}}},
    {"X1N", {0}, {0}, {{E}, {E, EE}, {S}, {SE}}},
    {"X1K", {0}, {S}, {{E, ES}, {E, EE}, {S}, {SE}}},
    {"XK1", {0}, {S}, {{E}, {E, EE, ES}, {S, SE}}},
    {"X1K1", {0}, {S}, {{E}, {E, EE, ES}, {S}, {SE}}},
    {"X1X", {0}, {0}, {{E}, {E, EE, S, ES}, {S}, {SE}}},
    {"XX1", {0}, {0}, {{E}, {E, EE, S}, {ES, S, SE}}},
    {"X1X1", {0}, {0}, {{E}, {E, EE, S}, {ES, S}, {SE}}},
    {"K1N", {S}, {0}, {{E}, {E, EE}, {SE}}},
    {"K1K", {S}, {S}, {{E, ES}, {E, EE}, {SE}}},
    {"KK1", {S}, {S}, {{E}, {E, EE, SE, ES}}},
    {"K1K1", {S}, {S}, {{E}, {E, EE, ES}, {SE}}},
    {"K1X", {S}, {0}, {{E}, {E, EE, S, ES}, {SE}}},
    {"KX1", {S}, {0}, {{E}, {E, EE, SE, S}, {ES}}},
    {"K1X1", {S}, {0}, {{E}, {E, EE, S}, {SE, ES}}},
    {"I1N", {0}, {0}, {{E, S}, {E, EE}, {SE}}},
    {"I1K", {0}, {S}, {{E, ES, S}, {E, EE}, {SE}}},
    {"IK1", {0}, {S}, {{E, S}, {E, EE, SE, ES}}},
    {"I1K1", {0}, {S}, {{E, S}, {E, EE, ES}, {SE}}},
    {"I1X", {0}, {0}, {{E, S}, {E, EE, S, ES}, {SE}}},
    {"IX1", {0}, {0}, {{E, S}, {E, EE, SE, S}, {ES}}},
    {"I1X1", {0}, {0}, {{E, S}, {E, EE, S}, {SE, ES}}},
};

static size_t toklen(const uint8_t *t, size_t max) {
  size_t n = 0;
  while (n < max && t[n])
    n++;
  return n;
}

static int is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9');
}

static int section_eq(const char *s, size_t n, const char *lit) {
  return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* Parses "pskN" with N a decimal without leading zeros; -1 if not one. */
static int parse_psk(const char *s, size_t n) {
  if (n < 4 || memcmp(s, "psk", 3) != 0) return -1;
  if (n > 5 || (n == 5 && s[3] == '0')) return -1;
  int v = 0;
  for (size_t i = 3; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* Copies |d| into |p|'s program. */
static void load_pattern(pn_protocol *p, const pattern_def *d) {
  p->npre_i = (uint8_t)toklen(d->pre_i, 2);
  p->npre_r = (uint8_t)toklen(d->pre_r, 2);
  memcpy(p->pre_i, d->pre_i, 2);
  memcpy(p->pre_r, d->pre_r, 2);
  p->nmsgs = 0;
  for (int i = 0; i < PN_NOISE_MAX_MSGS; i++) {
    size_t n = toklen(d->msg[i], 5);
    if (n == 0) break;
    memcpy(p->tok[i], d->msg[i], n);
    p->msg_len[i] = (uint8_t)n;
    p->nmsgs++;
  }
}

/* 10.2: Alice's first message becomes Bob's pre-message knowledge, i.e. a
 * pre-message of the new responder (Alice), and Bob initiates the rest. The
 * remaining messages keep their tokens but swap es and se, whose letters are
 * written initiator-first. */
static int apply_fallback(pn_protocol *p) {
  if (p->one_way || p->npre_i || p->npre_r || p->nmsgs < 2) return -1;
  size_t n0 = p->msg_len[0];
  const uint8_t *m0 = p->tok[0];
  int ok = (n0 == 1 && (m0[0] == E || m0[0] == S)) ||
           (n0 == 2 && m0[0] == E && m0[1] == S);
  if (!ok) return -1;
  memcpy(p->pre_r, m0, n0);
  p->npre_r = (uint8_t)n0;
  for (int i = 1; i < p->nmsgs; i++) {
    memset(p->tok[i - 1], 0, PN_NOISE_MAX_TOKENS); /* no stale tail */
    for (int j = 0; j < p->msg_len[i]; j++) {
      uint8_t t = p->tok[i][j];
      p->tok[i - 1][j] = t == ES ? SE : t == SE ? ES : t;
    }
    p->msg_len[i - 1] = p->msg_len[i];
  }
  p->nmsgs--;
  memset(p->tok[p->nmsgs], 0, PN_NOISE_MAX_TOKENS);
  p->msg_len[p->nmsgs] = 0;
  p->fallback = 1;
  return 0;
}

/* 9.4: psk0 goes first in message 0; pskN (N >= 1) last in message N-1. */
static int apply_psk(pn_protocol *p, int n) {
  if (n > p->nmsgs) return -1;
  int m = n == 0 ? 0 : n - 1;
  if (p->msg_len[m] >= PN_NOISE_MAX_TOKENS) return -1;
  if (n == 0) {
    memmove(p->tok[m] + 1, p->tok[m], p->msg_len[m]);
    p->tok[m][0] = PN_TOK_PSK;
  } else {
    p->tok[m][p->msg_len[m]] = PN_TOK_PSK;
  }
  p->msg_len[m]++;
  p->npsk++;
  return 0;
}

static int parse_pattern(pn_protocol *p, const char *s, size_t n) {
  size_t b = 0;
  while (b < n &&
         ((s[b] >= 'A' && s[b] <= 'Z') || (s[b] >= '0' && s[b] <= '9')))
    b++;
  const pattern_def *d = NULL;
  for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
    if (section_eq(s, b, patterns[i].name)) d = &patterns[i];
  if (!d) return PN_ERR_NAME_UNKNOWN_PATTERN;
  load_pattern(p, d);
  p->one_way = d->msg[1][0] == 0;

  /* Modifiers: the first is appended directly, the rest after '+'. Order is
   * fixed (fallback, then psks ascending) so each protocol has one name. */
  int last_psk = -1;
  size_t i = b;
  while (i < n) {
    if (i > b) {
      if (s[i] != '+') return PN_ERR_NAME_MALFORMED;
      i++;
    }
    size_t j = i;
    while (j < n && s[j] != '+')
      j++;
    if (j == i || !(s[i] >= 'a' && s[i] <= 'z')) return PN_ERR_NAME_MALFORMED;
    for (size_t k = i; k < j; k++)
      if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9')))
        return PN_ERR_NAME_MALFORMED;
    int psk = parse_psk(s + i, j - i);
    if (section_eq(s + i, j - i, "fallback")) {
      if (i != b || apply_fallback(p) != 0) return PN_ERR_NAME_BAD_MODIFIER;
    } else if (psk >= 0) {
      if (psk <= last_psk || apply_psk(p, psk) != 0)
        return PN_ERR_NAME_BAD_MODIFIER;
      last_psk = psk;
    } else {
      return PN_ERR_NAME_BAD_MODIFIER;
    }
    i = j;
  }
  return PN_OK;
}

int pn_protocol_parse(pn_protocol *p, const char *name, size_t len,
                      pn_backend backend) {
  if (!p || (!name && len)) return PN_ERR_INVALID_ARGUMENT;
  memset(p, 0, sizeof *p);
  if (len == 0 || len > PN_NOISE_MAX_NAME) return PN_ERR_NAME_MALFORMED;
  if (pn_crypto_init() != PN_OK) return PN_ERR_CRYPTO;

  /* Five sections split on '_', each non-empty, of [A-Za-z0-9+/]. */
  const char *sec[5];
  size_t seclen[5];
  int nsec = 0;
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i == len || name[i] == '_') {
      if (nsec == 5 || i == start) return PN_ERR_NAME_MALFORMED;
      sec[nsec] = name + start;
      seclen[nsec++] = i - start;
      start = i + 1;
    } else if (!is_alnum(name[i]) && name[i] != '+' && name[i] != '/') {
      return PN_ERR_NAME_MALFORMED;
    }
  }
  if (nsec != 5 || !section_eq(sec[0], seclen[0], "Noise"))
    return PN_ERR_NAME_MALFORMED;

  int rc = parse_pattern(p, sec[1], seclen[1]);
  if (rc != PN_OK) goto fail;

  rc = PN_ERR_NAME_UNKNOWN_PRIMITIVE;
  if (section_eq(sec[2], seclen[2], "25519"))
    p->dh = PN_DH_25519;
  else if (section_eq(sec[2], seclen[2], "448"))
    p->dh = PN_DH_448;
  else
    goto fail;
  if (section_eq(sec[3], seclen[3], "ChaChaPoly"))
    p->cipher = PN_CIPHER_CHACHAPOLY;
  else if (section_eq(sec[3], seclen[3], "AESGCM"))
    p->cipher = PN_CIPHER_AESGCM;
  else
    goto fail;
  if (section_eq(sec[4], seclen[4], "SHA256"))
    p->hash = PN_HASH_SHA256;
  else if (section_eq(sec[4], seclen[4], "SHA512"))
    p->hash = PN_HASH_SHA512;
  else if (section_eq(sec[4], seclen[4], "BLAKE2s"))
    p->hash = PN_HASH_BLAKE2S;
  else if (section_eq(sec[4], seclen[4], "BLAKE2b"))
    p->hash = PN_HASH_BLAKE2B;
  else
    goto fail;

  p->dh_ops = pn_crypto_dh(p->dh, backend);
  p->cipher_ops = pn_crypto_cipher(p->cipher, backend);
  p->hash_ops = pn_crypto_hash(p->hash, backend);
  rc = PN_ERR_UNSUPPORTED;
  if (!p->dh_ops || !p->cipher_ops || !p->hash_ops) goto fail;

  memcpy(p->name, name, len);
  p->name[len] = 0;
  p->name_len = (uint8_t)len;
  return PN_OK;

fail:
  memset(p, 0, sizeof *p);
  return rc;
}

size_t pn_protocol_dhlen(const pn_protocol *p) {
  return p && p->dh_ops ? p->dh_ops->dhlen : 0;
}

size_t pn_protocol_hashlen(const pn_protocol *p) {
  return p && p->hash_ops ? p->hash_ops->hashlen : 0;
}

const char *pn_protocol_impl(const pn_protocol *p, pn_primitive which) {
  if (!p || !p->dh_ops) return "none";
  switch (which) {
  case PN_PRIMITIVE_DH:
    return p->dh_ops->impl;
  case PN_PRIMITIVE_CIPHER:
    return p->cipher_ops->impl;
  case PN_PRIMITIVE_HASH:
    return p->hash_ops->impl;
  default:
    return "none";
  }
}

int pn_protocol_allocs(const pn_protocol *p, size_t *per_keygen, size_t *per_dh,
                       size_t *per_hash) {
  size_t g = 0, d = 0, h = 0;
  if (p && p->dh_ops && p->hash_ops) {
    g = p->dh_ops->allocs_pubkey;
    d = p->dh_ops->allocs_dh;
    h = p->hash_ops->allocs;
  }
  if (per_keygen) *per_keygen = g;
  if (per_dh) *per_dh = d;
  if (per_hash) *per_hash = h;
  return g || d || h;
}

int pn_keypair_from_private(pn_keypair *kp, const pn_protocol *p,
                            const uint8_t *priv, size_t len) {
  if (!kp || !p || !p->dh_ops || !priv) return PN_ERR_INVALID_ARGUMENT;
  if (len != p->dh_ops->dhlen) return PN_ERR_INVALID_ARGUMENT;
  pn_wipe(kp, sizeof *kp);
  memcpy(kp->priv, priv, len);
  kp->dh = p->dh;
  int rc = p->dh_ops->pubkey(kp->pub, kp->priv);
  if (rc != PN_OK) pn_wipe(kp, sizeof *kp);
  return rc;
}

int pn_keypair_generate(pn_keypair *kp, const pn_protocol *p,
                        const pn_rng *rng) {
  if (!kp || !p || !p->dh_ops) return PN_ERR_INVALID_ARGUMENT;
  uint8_t priv[PN_NOISE_MAX_DHLEN];
  size_t n = p->dh_ops->dhlen;
  int rc = rng && rng->fill ? rng->fill(rng->user, priv, n)
                            : pn_random_default(NULL, priv, n);
  rc = rc != 0 ? PN_ERR_CRYPTO : pn_keypair_from_private(kp, p, priv, n);
  pn_wipe(priv, sizeof priv);
  pn_burn_stack(); /* the RNG's output block, in its dead frame */
  return rc;
}

void pn_keypair_wipe(pn_keypair *kp) {
  if (kp) pn_wipe(kp, sizeof *kp);
}

size_t pn_protocol_msg_overhead(const pn_protocol *p, int m, size_t dhlen,
                                int *keyed) {
  size_t n = 0;
  int k = *keyed;
  for (int i = 0; i < p->msg_len[m]; i++) {
    switch (p->tok[m][i]) {
    case PN_TOK_E:
      n += dhlen;
      if (p->npsk) k = 1; /* with a PSK, e also MixKeys */
      break;
    case PN_TOK_S:
      n += dhlen + (k ? PN_NOISE_TAGLEN : 0);
      break;
    default:
      k = 1;
      break; /* ee, es, se, ss, psk all MixKey */
    }
  }
  *keyed = k;
  return n + (k ? PN_NOISE_TAGLEN : 0);
}
