/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Harness 1: pn_protocol_parse on arbitrary strings.
 *
 * Input: byte 0 picks the backend, the rest is the name (not NUL-terminated,
 * in a buffer of exactly its size, so a sanitizer sees any read past len).
 * Checks: only the documented error codes; a failure leaves nothing usable; a
 * success gives a sane program that obeys the validity rules of spec 7.3 and
 * 9.3, with npsk psk tokens where the modifiers put them, and the name copied
 * back exactly; bytes after len never change the result.
 */
#include <string.h>

#include <p2pnoise/noise.h>

#include "crypto.h" /* the ops tables, to check their ids */

#include "check.h"
#include "fdp.h"
#include "fuzz_common.h"

enum { I = 0, R = 1 }; /* the two parties, initiator-first form */

/* Spec 7.3 rules 1-4 and 9.3 over the parsed program. */
static void check_validity(const pn_protocol *p) {
  int has_e[2] = {0, 0}, has_s[2] = {0, 0}, psk_seen = 0;
  int done[8] = {0};
  for (int i = 0; i < p->npre_i; i++) {
    int t = p->pre_i[i];
    CHECK(t == PN_TOK_E || t == PN_TOK_S);
    CHECK(!(t == PN_TOK_E ? has_e[I] : has_s[I]));
    if (t == PN_TOK_E)
      has_e[I] = 1;
    else
      has_s[I] = 1;
  }
  for (int i = 0; i < p->npre_r; i++) {
    int t = p->pre_r[i];
    CHECK(t == PN_TOK_E || t == PN_TOK_S);
    CHECK(!(t == PN_TOK_E ? has_e[R] : has_s[R]));
    if (t == PN_TOK_E)
      has_e[R] = 1;
    else
      has_s[R] = 1;
  }
  for (int m = 0; m < p->nmsgs; m++) {
    int from = p->one_way ? I : (m % 2 == 0 ? I : R);
    for (int k = 0; k < p->msg_len[m]; k++) {
      int t = p->tok[m][k];
      switch (t) {
      case PN_TOK_E:
        CHECK(!has_e[from]); /* rule 2 */
        has_e[from] = 1;
        break;
      case PN_TOK_S:
        CHECK(!has_s[from]); /* rule 2 */
        /* 9.3: encrypted data after a psk needs an e sent first. */
        if (psk_seen) CHECK(has_e[from]);
        has_s[from] = 1;
        break;
      case PN_TOK_EE:
      case PN_TOK_ES:
      case PN_TOK_SE:
      case PN_TOK_SS: {
        /* Rule 1: both keys exist; es = initiator e, responder s. */
        int need_i = (t == PN_TOK_EE || t == PN_TOK_ES) ? has_e[I] : has_s[I];
        int need_r = (t == PN_TOK_EE || t == PN_TOK_SE) ? has_e[R] : has_s[R];
        CHECK(need_i && need_r);
        CHECK(!done[t]); /* rule 3 */
        done[t] = 1;
        break;
      }
      case PN_TOK_PSK:
        psk_seen = 1;
        break;
      default:
        CHECK(0 && "unknown token");
      }
    }
    /* The payload: 9.3 and rule 4 (canonical notation). */
    if (psk_seen) CHECK(has_e[from]);
    if (from == I) {
      if (done[PN_TOK_SE]) CHECK(done[PN_TOK_EE]);
      if (done[PN_TOK_SS]) CHECK(done[PN_TOK_ES]);
    } else {
      if (done[PN_TOK_ES]) CHECK(done[PN_TOK_EE]);
      if (done[PN_TOK_SS]) CHECK(done[PN_TOK_SE]);
    }
  }
}

/* Where the name says the psks go (9.4), and that fallback matches. */
static void check_modifiers(const pn_protocol *p, const char *name,
                            size_t len) {
  /* The pattern section: after "Noise_", up to the next '_'. */
  CHECK(len > 6 && memcmp(name, "Noise_", 6) == 0);
  const char *s = name + 6;
  size_t n = 0;
  while (6 + n < len && s[n] != '_')
    n++;
  size_t b = 0;
  while (b < n &&
         ((s[b] >= 'A' && s[b] <= 'Z') || (s[b] >= '0' && s[b] <= '9')))
    b++;
  int fallback = 0, npsk = 0;
  for (size_t i = b; i < n;) {
    size_t j = i;
    while (j < n && s[j] != '+')
      j++;
    if (j - i == 8 && memcmp(s + i, "fallback", 8) == 0) {
      fallback = 1;
    } else {
      CHECK(j - i >= 4 && memcmp(s + i, "psk", 3) == 0);
      int v = 0;
      for (size_t k = i + 3; k < j; k++)
        v = v * 10 + (s[k] - '0');
      CHECK(v <= p->nmsgs);
      if (v == 0)
        CHECK(p->tok[0][0] == PN_TOK_PSK);
      else
        CHECK(p->tok[v - 1][p->msg_len[v - 1] - 1] == PN_TOK_PSK);
      npsk++;
    }
    i = j + 1;
  }
  CHECK(p->fallback == fallback);
  CHECK(p->npsk == npsk);
  /* Fallback turns the first message into the responder's pre-message. */
  if (fallback) CHECK(p->npre_r > 0 && p->npre_i == 0 && !p->one_way);
}

static void check_success(const pn_protocol *p, const char *name, size_t len) {
  CHECK(p->nmsgs >= 1 && p->nmsgs <= PN_NOISE_MAX_MSGS);
  CHECK(!p->one_way || p->nmsgs == 1);
  CHECK(p->npre_i <= 2 && p->npre_r <= 2);
  for (int i = p->npre_i; i < 2; i++)
    CHECK(p->pre_i[i] == 0);
  for (int i = p->npre_r; i < 2; i++)
    CHECK(p->pre_r[i] == 0);
  int npsk = 0;
  for (int m = 0; m < PN_NOISE_MAX_MSGS; m++) {
    if (m < p->nmsgs)
      CHECK(p->msg_len[m] >= 1 && p->msg_len[m] <= PN_NOISE_MAX_TOKENS);
    else
      CHECK(p->msg_len[m] == 0);
    for (int k = 0; k < PN_NOISE_MAX_TOKENS; k++) {
      int t = p->tok[m][k];
      if (k < p->msg_len[m])
        CHECK(t >= PN_TOK_E && t <= PN_TOK_PSK);
      else /* F1 (regressions/protocol_name/fallback-stale-tokens) */
        CHECK(t == 0);
      if (k < p->msg_len[m]) npsk += t == PN_TOK_PSK;
    }
  }
  CHECK(npsk == p->npsk && npsk <= PN_NOISE_MAX_PSKS);
  /* The first message always carries the initiator's e (after a psk0). */
  CHECK(p->tok[0][p->tok[0][0] == PN_TOK_PSK ? 1 : 0] == PN_TOK_E);

  /* The name round-trips. */
  CHECK(p->name_len == len && len <= PN_NOISE_MAX_NAME);
  CHECK(memcmp(p->name, name, len) == 0 && p->name[len] == 0);

  /* Primitives resolved and consistent. */
  CHECK(p->dh_ops && p->cipher_ops && p->hash_ops);
  CHECK(p->dh_ops->id == p->dh && p->cipher_ops->id == p->cipher &&
        p->hash_ops->id == p->hash);
  CHECK(pn_protocol_dhlen(p) == (p->dh == PN_DH_25519 ? 32u : 56u));
  size_t hl = pn_protocol_hashlen(p);
  CHECK(
      hl ==
      ((p->hash == PN_HASH_SHA256 || p->hash == PN_HASH_BLAKE2S) ? 32u : 64u));
  for (int w = PN_PRIMITIVE_DH; w <= PN_PRIMITIVE_HASH; w++)
    CHECK(pn_protocol_impl(p, (pn_primitive)w) != NULL);

  check_modifiers(p, name, len);
  check_validity(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pn_fdp f;
  pn_fdp_init(&f, data, size);
  pn_backend backend = (pn_backend)pn_fdp_range(&f, 0, 2);
  size_t len;
  const uint8_t *rest = pn_fdp_rest(&f, &len);

  /* An exact copy: the name has no terminator and nothing after it. */
  char *name = malloc(len ? len : 1);
  if (!name) return 0;
  if (len) memcpy(name, rest, len);

  pn_protocol p;
  memset(&p, 0xa5, sizeof p); /* parse must set every field either way */
  int rc = pn_protocol_parse(&p, name, len, backend);
  switch (rc) {
  case PN_OK:
    check_success(&p, name, len);
    break;
  case PN_ERR_NAME_MALFORMED:
  case PN_ERR_NAME_UNKNOWN_PATTERN:
  case PN_ERR_NAME_BAD_MODIFIER:
  case PN_ERR_NAME_UNKNOWN_PRIMITIVE:
    break;
  case PN_ERR_UNSUPPORTED:
    /* Only a backend restriction: AUTO has every primitive of this build. */
    CHECK(backend != PN_BACKEND_AUTO ||
          !pn_backend_available(PN_BACKEND_OPENSSL));
    break;
  default:
    CHECK(0 && "undocumented error code");
  }
  if (rc != PN_OK) {
    /* Nothing usable is left behind for pn_handshake_init to trust. */
    CHECK(p.dh_ops == NULL && p.cipher_ops == NULL && p.hash_ops == NULL &&
          p.nmsgs == 0);
  }

  /* Bytes after len never matter: the same name followed by characters that
   * would extend or break it parses the same. */
  char *longer = malloc(len + 8);
  if (longer) {
    if (len) memcpy(longer, name, len);
    memcpy(longer + len, "_X+psk0\0", 8);
    pn_protocol q;
    int rc2 = pn_protocol_parse(&q, longer, len, backend);
    CHECK(rc2 == rc);
    if (rc == PN_OK) CHECK(memcmp(&p, &q, sizeof p) == 0);
    free(longer);
  }

  /* A sane program does not depend on who supplies the primitives. */
  if (rc == PN_OK && backend != PN_BACKEND_AUTO) {
    pn_protocol a;
    CHECK(pn_protocol_parse(&a, name, len, PN_BACKEND_AUTO) == PN_OK);
    CHECK(a.nmsgs == p.nmsgs && a.npsk == p.npsk &&
          memcmp(a.tok, p.tok, sizeof a.tok) == 0 &&
          memcmp(a.pre_r, p.pre_r, 2) == 0 && memcmp(a.pre_i, p.pre_i, 2) == 0);
  }
  free(name);
  return 0;
}
