/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * keys.h without the file access: hex, peer ids, key pairs for a protocol.
 * Pure computation over the Noise layer's public API; the key files are in
 * keyfile.c, the library's one object that touches the file system.
 */
#include <string.h>

#include <p2pnoise/keys.h>

#include "keys_int.h"

/* The engine's default (engine.h's pn_engine_config_default), asked of the
 * engine rather than copied, so the two cannot drift. */
static const char *default_protocol(void) {
  pn_engine_config cfg;
  pn_engine_config_default(&cfg);
  return cfg.protocol;
}

int pn_hex_encode(char *out, size_t outcap, const uint8_t *in, size_t len) {
  static const char digit[] = "0123456789abcdef";
  if (!out || (!in && len)) return PN_ERR_INVALID_ARGUMENT;
  if (len > (SIZE_MAX - 1) / 2 || outcap < 2 * len + 1) return PN_ERR_NOBUF;
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digit[in[i] >> 4];
    out[2 * i + 1] = digit[in[i] & 15];
  }
  out[2 * len] = 0;
  return PN_OK;
}

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

int pn_hex_decode(uint8_t *out, size_t outcap, size_t *outlen, const char *hex,
                  size_t hexlen) {
  if (!outlen || (!hex && hexlen) || (!out && hexlen))
    return PN_ERR_INVALID_ARGUMENT;
  if (hexlen % 2) return PN_ERR_BAD_HEX;
  if (outcap < hexlen / 2) return PN_ERR_NOBUF;
  for (size_t i = 0; i < hexlen / 2; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return PN_ERR_BAD_HEX;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  *outlen = hexlen / 2;
  return PN_OK;
}

int pn_keys_check_len(size_t len) {
  return len == 32 || len == 56 ? PN_OK : PN_ERR_KEY_LENGTH;
}

int pn_peer_id_to_hex(const pn_peer_id *id, char *out, size_t outcap) {
  if (!id || !out) return PN_ERR_INVALID_ARGUMENT;
  if (id->len == 0 || id->len > PN_PEER_ID_MAX) return PN_ERR_INVALID_ARGUMENT;
  return pn_hex_encode(out, outcap, id->key, id->len);
}

int pn_peer_id_from_hex(pn_peer_id *id, const char *hex, size_t len) {
  if (!id || (!hex && len)) return PN_ERR_INVALID_ARGUMENT;
  memset(id, 0, sizeof *id);
  /* "Not hex" before "wrong length", for text that is neither. */
  for (size_t i = 0; i < len; i++)
    if (hexval(hex[i]) < 0) return PN_ERR_BAD_HEX;
  if (len % 2) return PN_ERR_BAD_HEX;
  int rc = pn_keys_check_len(len / 2);
  if (rc != PN_OK) return rc;
  size_t n;
  rc = pn_hex_decode(id->key, sizeof id->key, &n, hex, len);
  if (rc != PN_OK) return rc; /* not reached: checked above */
  id->len = (uint8_t)n;
  return PN_OK;
}

size_t pn_keypair_len(const pn_keypair *kp) {
  if (!kp) return 0;
  switch (kp->dh) {
  case PN_DH_25519:
    return 32;
  case PN_DH_448:
    return 56;
  default:
    return 0;
  }
}

int pn_keypair_peer_id(const pn_keypair *kp, pn_peer_id *id) {
  if (!id) return PN_ERR_INVALID_ARGUMENT;
  memset(id, 0, sizeof *id);
  size_t n = pn_keypair_len(kp);
  if (!n) return PN_ERR_INVALID_ARGUMENT;
  memcpy(id->key, kp->pub, n);
  id->len = (uint8_t)n;
  return PN_OK;
}

/* Parses |protocol| (NULL: the default) for its DH. */
static int parse(pn_protocol *p, const char *protocol) {
  if (!protocol) protocol = default_protocol();
  return pn_protocol_parse(p, protocol, strlen(protocol), PN_BACKEND_AUTO);
}

int pn_keypair_generate_for(pn_keypair *kp, const char *protocol,
                            const pn_rng *rng) {
  pn_protocol p;
  if (!kp) return PN_ERR_INVALID_ARGUMENT;
  int rc = parse(&p, protocol);
  if (rc != PN_OK) return rc;
  return pn_keypair_generate(kp, &p, rng);
}

int pn_keypair_generate_for_config(pn_keypair *kp,
                                   const pn_engine_config *cfg) {
  if (!kp || !cfg) return PN_ERR_INVALID_ARGUMENT;
  return pn_keypair_generate_for(kp, cfg->protocol,
                                 cfg->rng.fill ? &cfg->rng : NULL);
}

int pn_keypair_from_private_for(pn_keypair *kp, const char *protocol,
                                const uint8_t *priv, size_t len) {
  pn_protocol p;
  if (!kp || !priv) return PN_ERR_INVALID_ARGUMENT;
  int rc;
  if (protocol) {
    rc = parse(&p, protocol);
    if (rc == PN_OK && len != pn_protocol_dhlen(&p)) rc = PN_ERR_KEY_LENGTH;
  } else {
    /* Any pattern and suite with that DH: only the DH is used. */
    rc = pn_keys_check_len(len);
    if (rc == PN_OK)
      rc = parse(&p, len == 56 ? "Noise_XX_448_ChaChaPoly_SHA256"
                               : "Noise_XX_25519_ChaChaPoly_SHA256");
  }
  if (rc != PN_OK) return rc;
  return pn_keypair_from_private(kp, &p, priv, len);
}
