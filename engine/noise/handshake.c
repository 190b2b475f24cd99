/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * HandshakeState (spec 5.3), driven by the token program of a pn_protocol.
 * Any error after a message started to be processed moves the state to the
 * terminal FAILED, which wipes every secret (noise-c).
 */
#include <string.h>

#include "crypto.h"
#include "noise_int.h"

static int is_init(const pn_handshake *hs) {
  return hs->role == PN_INITIATOR;
}

static size_t dhlen(const pn_handshake *hs) {
  return hs->proto->dh_ops->dhlen;
}

/* The role that sends message |i|: initiator-first form, alternating. */
static int sender(const pn_handshake *hs, int i) {
  if (hs->proto->one_way) return PN_INITIATOR;
  return i % 2 == 0 ? PN_INITIATOR : PN_RESPONDER;
}

static void next_action(pn_handshake *hs) {
  if (hs->msg >= hs->proto->nmsgs)
    hs->action = PN_HS_SPLIT;
  else
    hs->action = sender(hs, hs->msg) == hs->role ? PN_HS_WRITE : PN_HS_READ;
}

/* FAILED keeps only public values (rs, re), which a fallback may need, and
 * the context it runs on. */
static int fail(pn_handshake *hs, int rc) {
  pn_crypto_ctx *cx = hs->ss.cs.cx;
  pn_symmetric_wipe(&hs->ss);
  hs->ss.cs.cx = cx;
  pn_wipe(&hs->e, sizeof hs->e);
  hs->has_e = 0;
  hs->action = PN_HS_FAILED;
  return rc;
}

static int has_token(const uint8_t *t, size_t n, int tok) {
  for (size_t i = 0; i < n; i++)
    if (t[i] == tok) return 1;
  return 0;
}

int pn_handshake_init(pn_handshake *hs, const pn_protocol *p, pn_crypto_ctx *cx,
                      pn_role role, const pn_rng *rng) {
  if (!hs || !p || !p->dh_ops || (role != PN_INITIATOR && role != PN_RESPONDER))
    return PN_ERR_INVALID_ARGUMENT;
  pn_wipe(hs, sizeof *hs);
  /* The symmetric state is made at start; the context is checked now. */
  if (!cx || cx->ops != p->cipher_ops) return PN_ERR_INVALID_ARGUMENT;
  hs->ss.cs.cx = cx;
  hs->proto = p;
  hs->role = (uint8_t)role;
  hs->action = PN_HS_SETUP;
  if (rng && rng->fill)
    hs->rng = *rng;
  else
    hs->rng.fill = pn_random_default;
  return PN_OK;
}

int pn_handshake_needs(const pn_handshake *hs) {
  if (!hs || !hs->proto) return 0;
  return pn_protocol_needs(hs->proto, (pn_role)hs->role);
}

int pn_protocol_needs(const pn_protocol *p, pn_role role) {
  if (!p || (role != PN_INITIATOR && role != PN_RESPONDER)) return 0;
  int init = role == PN_INITIATOR, need = 0;
  const uint8_t *mine = init ? p->pre_i : p->pre_r;
  const uint8_t *theirs = init ? p->pre_r : p->pre_i;
  size_t nmine = init ? p->npre_i : p->npre_r;
  size_t ntheirs = init ? p->npre_r : p->npre_i;
  if (has_token(mine, nmine, PN_TOK_S)) need |= PN_NEED_LOCAL_STATIC;
  for (int i = 0; i < p->nmsgs; i++) {
    int from = p->one_way || i % 2 == 0 ? PN_INITIATOR : PN_RESPONDER;
    if (from == (int)role && has_token(p->tok[i], p->msg_len[i], PN_TOK_S))
      need |= PN_NEED_LOCAL_STATIC;
  }
  if (has_token(theirs, ntheirs, PN_TOK_S)) need |= PN_NEED_REMOTE_STATIC;
  if (has_token(theirs, ntheirs, PN_TOK_E)) need |= PN_NEED_REMOTE_EPHEMERAL;
  if (p->npsk) need |= PN_NEED_PSK;
  return need;
}

int pn_handshake_set_static(pn_handshake *hs, const pn_keypair *s) {
  if (!hs || !hs->proto || !s) return PN_ERR_INVALID_ARGUMENT;
  if (hs->action != PN_HS_SETUP) return PN_ERR_INVALID_STATE;
  if (s->dh != hs->proto->dh) return PN_ERR_INVALID_ARGUMENT;
  hs->s = s;
  return PN_OK;
}

static int set_remote(pn_handshake *hs, const uint8_t *pub, size_t len,
                      int need, uint8_t *dst, uint8_t *flag) {
  if (!hs || !hs->proto || !pub) return PN_ERR_INVALID_ARGUMENT;
  if (hs->action != PN_HS_SETUP) return PN_ERR_INVALID_STATE;
  if (len != dhlen(hs) || !(pn_handshake_needs(hs) & need))
    return PN_ERR_INVALID_ARGUMENT;
  memcpy(dst, pub, len);
  *flag = 1;
  return PN_OK;
}

int pn_handshake_set_remote_static(pn_handshake *hs, const uint8_t *pub,
                                   size_t len) {
  return set_remote(hs, pub, len, PN_NEED_REMOTE_STATIC, hs ? hs->rs : NULL,
                    hs ? &hs->has_rs : NULL);
}

int pn_handshake_set_remote_ephemeral(pn_handshake *hs, const uint8_t *pub,
                                      size_t len) {
  return set_remote(hs, pub, len, PN_NEED_REMOTE_EPHEMERAL, hs ? hs->re : NULL,
                    hs ? &hs->has_re : NULL);
}

int pn_handshake_set_psk(pn_handshake *hs, size_t index, const uint8_t *psk,
                         size_t len) {
  if (!hs || !psk || len != PN_NOISE_PSKLEN || index >= PN_NOISE_MAX_PSKS)
    return PN_ERR_INVALID_ARGUMENT;
  if (hs->action != PN_HS_SETUP) return PN_ERR_INVALID_STATE;
  hs->psk[index] = psk;
  if (index + 1 > hs->npsks) hs->npsks = (uint8_t)(index + 1);
  return PN_OK;
}

int pn_handshake_set_psks(pn_handshake *hs,
                          const uint8_t (*psks)[PN_NOISE_PSKLEN], size_t n) {
  if (!hs || (!psks && n) || n > PN_NOISE_MAX_PSKS)
    return PN_ERR_INVALID_ARGUMENT;
  if (hs->action != PN_HS_SETUP) return PN_ERR_INVALID_STATE;
  memset(hs->psk, 0, sizeof hs->psk);
  for (size_t i = 0; i < n; i++)
    hs->psk[i] = psks[i];
  hs->npsks = (uint8_t)n;
  return PN_OK;
}

int pn_handshake_pin_ephemeral(pn_handshake *hs, const pn_keypair *e) {
  if (!hs || !hs->proto || !e || e->dh != hs->proto->dh)
    return PN_ERR_INVALID_ARGUMENT;
  if (hs->action != PN_HS_SETUP) return PN_ERR_INVALID_STATE;
  hs->e = *e;
  hs->has_e = hs->e_pinned = 1;
  return PN_OK;
}

/* MixHash(pub), and in PSK mode MixKey(pub) too (spec 9.2): an e token. */
static int mix_e(pn_handshake *hs, const uint8_t *pub) {
  int rc = pn_symmetric_mix_hash(&hs->ss, pub, dhlen(hs));
  if (rc == PN_OK && hs->proto->npsk)
    rc = pn_symmetric_mix_key(&hs->ss, pub, dhlen(hs));
  return rc;
}

/* Pre-message tokens are e and s only (spec 7.1). */
static int mix_pre(pn_handshake *hs, const uint8_t *tok, size_t n, int local) {
  int rc = PN_OK;
  for (size_t i = 0; i < n && rc == PN_OK; i++) {
    if (tok[i] == PN_TOK_E)
      rc = mix_e(hs, local ? hs->e.pub : hs->re);
    else
      rc = pn_symmetric_mix_hash(&hs->ss, local ? hs->s->pub : hs->rs,
                                 dhlen(hs));
  }
  return rc;
}

static int start(pn_handshake *hs, const pn_symmetricstate *prologued,
                 const uint8_t *prologue, size_t prologue_len) {
  if (!hs || !hs->proto || (!prologue && prologue_len))
    return PN_ERR_INVALID_ARGUMENT;
  if (hs->action != PN_HS_SETUP) return PN_ERR_INVALID_STATE;
  const pn_protocol *p = hs->proto;
  int need = pn_handshake_needs(hs);
  int init = is_init(hs);
  if ((need & PN_NEED_LOCAL_STATIC) && !hs->s) return PN_ERR_MISSING_KEY;
  if ((need & PN_NEED_REMOTE_STATIC) && !hs->has_rs) return PN_ERR_MISSING_KEY;
  if ((need & PN_NEED_REMOTE_EPHEMERAL) && !hs->has_re)
    return PN_ERR_MISSING_KEY;
  if (has_token(init ? p->pre_i : p->pre_r, init ? p->npre_i : p->npre_r,
                PN_TOK_E) &&
      !hs->has_e)
    return PN_ERR_MISSING_KEY;
  if (hs->npsks < p->npsk) return PN_ERR_MISSING_PSK;
  for (int i = 0; i < p->npsk; i++)
    if (!hs->psk[i]) return PN_ERR_MISSING_PSK;

  pn_crypto_ctx *cx = hs->ss.cs.cx;
  int rc;
  if (prologued) {
    /* Made by the owner of |cx|, for this protocol (noise_int.h). */
    if (prologued->cs.cx != cx) return PN_ERR_INVALID_ARGUMENT;
    hs->ss = *prologued;
    rc = PN_OK;
  } else {
    rc = pn_symmetric_init(&hs->ss, p, cx);
    if (rc == PN_OK)
      rc = pn_symmetric_mix_hash(&hs->ss, prologue, prologue_len);
  }
  if (rc == PN_OK) rc = mix_pre(hs, p->pre_i, p->npre_i, init);
  if (rc == PN_OK) rc = mix_pre(hs, p->pre_r, p->npre_r, !init);
  if (rc != PN_OK) return fail(hs, rc);
  hs->msg = 0;
  hs->psk_next = 0;
  next_action(hs);
  return PN_OK;
}

int pn_handshake_start(pn_handshake *hs, const uint8_t *prologue,
                       size_t prologue_len) {
  return start(hs, NULL, prologue, prologue_len);
}

int pn_handshake_start_prologued(pn_handshake *hs,
                                 const pn_symmetricstate *prologued) {
  if (!prologued) return PN_ERR_INVALID_ARGUMENT;
  return start(hs, prologued, NULL, 0);
}

int pn_handshake_action(const pn_handshake *hs) {
  return hs ? hs->action : PN_HS_FAILED;
}

size_t pn_handshake_overhead(const pn_handshake *hs) {
  if (!hs || (hs->action != PN_HS_WRITE && hs->action != PN_HS_READ)) return 0;
  int k = hs->ss.cs.has_key;
  return pn_protocol_msg_overhead(hs->proto, hs->msg, dhlen(hs), &k);
}

/* The DH of a token, from this party's point of view: the first letter is
 * the initiator's key, the second the responder's. */
static int token_dh(pn_handshake *hs, int tok, uint8_t *out) {
  const uint8_t *priv, *pub;
  int init = is_init(hs);
  switch (tok) {
  case PN_TOK_EE:
    priv = hs->e.priv;
    pub = hs->re;
    break;
  case PN_TOK_SS:
    priv = hs->s->priv;
    pub = hs->rs;
    break;
  case PN_TOK_ES:
    priv = init ? hs->e.priv : hs->s->priv;
    pub = init ? hs->rs : hs->re;
    break;
  default: /* PN_TOK_SE */
    priv = init ? hs->s->priv : hs->e.priv;
    pub = init ? hs->re : hs->rs;
    break;
  }
  return pn_dh(hs->proto->dh_ops, out, priv, pub);
}

/* The tokens that read and write alike: psk: MixKeyAndHash(psk); ee, es,
 * se, ss: MixKey(DH(..)). */
static int token_mix(pn_handshake *hs, int tok, uint8_t *dh, size_t dl) {
  if (tok == PN_TOK_PSK)
    return pn_symmetric_mix_key_and_hash(&hs->ss, hs->psk[hs->psk_next++],
                                         PN_NOISE_PSKLEN);
  int rc = token_dh(hs, tok, dh);
  return rc == PN_OK ? pn_symmetric_mix_key(&hs->ss, dh, dl) : rc;
}

/* The end of a message written or read: the DH scratch |dh| wiped either
 * way; then the next turn, or FAILED. */
static int end_message(pn_handshake *hs, int rc,
                       uint8_t dh[PN_NOISE_MAX_DHLEN]) {
  pn_wipe(dh, PN_NOISE_MAX_DHLEN);
  if (rc != PN_OK) return fail(hs, rc);
  hs->msg++;
  next_action(hs);
  return PN_OK;
}

static int check_turn(const pn_handshake *hs, int want) {
  if (hs->action == PN_HS_FAILED || hs->action == PN_HS_DONE)
    return PN_ERR_HANDSHAKE_FAILED;
  if (hs->action == PN_HS_SETUP || hs->action == PN_HS_SPLIT)
    return PN_ERR_INVALID_STATE;
  return hs->action == want ? PN_OK : PN_ERR_WRONG_TURN;
}

int pn_handshake_write(pn_handshake *hs, const uint8_t *payload,
                       size_t payload_len, uint8_t *out, size_t outcap,
                       size_t *outlen) {
  if (!hs || !out || !outlen || (!payload && payload_len))
    return PN_ERR_INVALID_ARGUMENT;
  int rc = check_turn(hs, PN_HS_WRITE);
  if (rc != PN_OK) return rc;
  /* Sizes first, so no crypto runs for a message that cannot be sent. */
  size_t total = pn_handshake_overhead(hs) + payload_len;
  if (total > PN_NOISE_MAX_MSG) return PN_ERR_MSG_SIZE;
  if (outcap < total) return PN_ERR_NOBUF;

  const pn_protocol *p = hs->proto;
  size_t dl = dhlen(hs), off = 0, n;
  uint8_t dh[PN_NOISE_MAX_DHLEN];
  for (int i = 0; i < p->msg_len[hs->msg]; i++) {
    int tok = p->tok[hs->msg][i];
    switch (tok) {
    case PN_TOK_E: /* e: generate (unless pinned), send, MixHash */
      if (!hs->e_pinned) {
        uint8_t priv[PN_NOISE_MAX_DHLEN];
        rc = hs->rng.fill(hs->rng.user, priv, dl) == 0 ? PN_OK : PN_ERR_CRYPTO;
        if (rc == PN_OK) rc = pn_keypair_from_private(&hs->e, p, priv, dl);
        pn_wipe(priv, sizeof priv);
        /* The RNG's partial keystream block (the key) is in a dead frame. */
        pn_burn_stack();
        if (rc != PN_OK) goto out;
        hs->has_e = 1;
      }
      memcpy(out + off, hs->e.pub, dl);
      rc = mix_e(hs, hs->e.pub);
      if (rc != PN_OK) goto out;
      off += dl;
      break;
    case PN_TOK_S: /* s: EncryptAndHash(s.pub) */
      rc = pn_symmetric_encrypt_and_hash(&hs->ss, hs->s->pub, dl, out + off,
                                         outcap - off, &n);
      if (rc != PN_OK) goto out;
      off += n;
      break;
    default: /* psk, ee, es, se, ss */
      rc = token_mix(hs, tok, dh, dl);
      if (rc != PN_OK) goto out;
      break;
    }
  }
  rc = pn_symmetric_encrypt_and_hash(&hs->ss, payload, payload_len, out + off,
                                     outcap - off, &n);
  if (rc == PN_OK) *outlen = off + n;
out:
  if (rc != PN_OK) pn_wipe(out, outcap < total ? outcap : total);
  return end_message(hs, rc, dh);
}

int pn_handshake_read(pn_handshake *hs, const uint8_t *msg, size_t msg_len,
                      uint8_t *payload, size_t payload_cap,
                      size_t *payload_len) {
  if (!hs || (!msg && msg_len) || (!payload && payload_cap) || !payload_len)
    return PN_ERR_INVALID_ARGUMENT;
  int rc = check_turn(hs, PN_HS_READ);
  if (rc != PN_OK) return rc;
  size_t over = pn_handshake_overhead(hs);
  if (msg_len > PN_NOISE_MAX_MSG || msg_len < over)
    return fail(hs, PN_ERR_MSG_SIZE);
  if (payload_cap < msg_len - over) return PN_ERR_NOBUF;

  const pn_protocol *p = hs->proto;
  size_t dl = dhlen(hs), off = 0, n;
  uint8_t dh[PN_NOISE_MAX_DHLEN];
  for (int i = 0; i < p->msg_len[hs->msg]; i++) {
    int tok = p->tok[hs->msg][i];
    switch (tok) {
    case PN_TOK_E: /* e: re = next DHLEN bytes, MixHash */
      memcpy(hs->re, msg + off, dl);
      hs->has_re = 1;
      rc = mix_e(hs, hs->re);
      if (rc != PN_OK) goto out;
      off += dl;
      break;
    case PN_TOK_S: { /* s: rs = DecryptAndHash(next DHLEN [+16] bytes) */
      size_t len = dl + (hs->ss.cs.has_key ? PN_NOISE_TAGLEN : 0);
      uint8_t rs[PN_NOISE_MAX_DHLEN];
      rc = pn_symmetric_decrypt_and_hash(&hs->ss, msg + off, len, rs, sizeof rs,
                                         &n);
      if (rc != PN_OK) goto out;
      memcpy(hs->rs, rs, dl);
      hs->has_rs = 1;
      off += len;
      break;
    }
    default: /* psk, ee, es, se, ss */
      rc = token_mix(hs, tok, dh, dl);
      if (rc != PN_OK) goto out;
      break;
    }
  }
  rc = pn_symmetric_decrypt_and_hash(&hs->ss, msg + off, msg_len - off, payload,
                                     payload_cap, payload_len);
out:
  if (rc != PN_OK) *payload_len = 0;
  return end_message(hs, rc, dh);
}

int pn_handshake_split(pn_handshake *hs, pn_cipherstate *send,
                       pn_cipherstate *recv) {
  if (!hs || !send || !recv) return PN_ERR_INVALID_ARGUMENT;
  if (hs->action != PN_HS_SPLIT) return PN_ERR_INVALID_STATE;
  int rc = is_init(hs) ? pn_symmetric_split(&hs->ss, send, recv)
                       : pn_symmetric_split(&hs->ss, recv, send);
  if (rc != PN_OK) return fail(hs, rc);
  /* Keep h for channel binding; everything secret goes. */
  pn_wipe(hs->ss.ck, sizeof hs->ss.ck);
  pn_cipherstate_wipe(&hs->ss.cs);
  pn_wipe(&hs->e, sizeof hs->e);
  hs->has_e = 0;
  hs->action = PN_HS_DONE;
  return PN_OK;
}

size_t pn_handshake_hash(const pn_handshake *hs,
                         uint8_t out[PN_NOISE_MAX_HASHLEN]) {
  if (!hs || !out || hs->action == PN_HS_SETUP || !hs->ss.hash) return 0;
  return pn_symmetric_handshake_hash(&hs->ss, out);
}

const uint8_t *pn_handshake_remote_static(const pn_handshake *hs) {
  return hs && hs->has_rs ? hs->rs : NULL;
}

const uint8_t *pn_handshake_local_ephemeral(const pn_handshake *hs) {
  return hs && hs->has_e ? hs->e.pub : NULL;
}

int pn_handshake_fallback(pn_handshake *hs, const pn_protocol *fb) {
  if (!hs || !hs->proto || !fb || !fb->fallback || fb->dh != hs->proto->dh ||
      !hs->ss.cs.cx || fb->cipher_ops != hs->ss.cs.cx->ops)
    return PN_ERR_INVALID_ARGUMENT;
  int was_init = is_init(hs);
  if (was_init ? !hs->has_e : !hs->has_re) return PN_ERR_INVALID_STATE;

  pn_handshake old = *hs;
  int rc = pn_handshake_init(hs, fb, old.ss.cs.cx,
                             was_init ? PN_RESPONDER : PN_INITIATOR, &old.rng);
  if (rc == PN_OK) {
    hs->s = old.s;
    memcpy(hs->psk, old.psk, sizeof hs->psk);
    hs->npsks = old.npsks;
    if (was_init) { /* our first message's e is now a pre-message */
      hs->e = old.e;
      hs->has_e = hs->e_pinned = 1;
    } else {
      memcpy(hs->re, old.re, sizeof hs->re);
      hs->has_re = 1;
    }
  }
  pn_wipe(&old, sizeof old);
  if (rc != PN_OK) return fail(hs, rc);
  return PN_OK;
}

void pn_handshake_wipe(pn_handshake *hs) {
  if (!hs) return;
  pn_symmetric_wipe(&hs->ss);
  pn_wipe(hs, sizeof *hs);
  hs->action = PN_HS_FAILED;
}
