/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * p2pnoise: common definitions shared by the Noise layer and the engine.
 *
 * Errors follow ngtcp2: every function that can fail returns 0 (PN_OK) or a
 * negative pn_error. Codes at or below PN_ERR_FATAL mean the object (engine
 * or state) can no longer be used and must be freed.
 */
#ifndef P2PNOISE_COMMON_H
#define P2PNOISE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PN_WUR __attribute__((warn_unused_result))
#else
#define PN_WUR
#endif

#if defined(_WIN32) || defined(__CYGWIN__)
#define PN_API
#else
#define PN_API __attribute__((visibility("default")))
#endif

typedef enum pn_error {
  PN_OK = 0,
  /* The caller's fault: a NULL pointer, a bad length, a bad config. */
  PN_ERR_INVALID_ARGUMENT = -1,
  /* The call does not fit the object's state (wrong phase, after shutdown). */
  PN_ERR_INVALID_STATE = -2,
  /* An output buffer given by the caller is too small; nothing was written. */
  PN_ERR_NOBUF = -3,
  /* An unknown or stale connection id or peer. */
  PN_ERR_NOT_FOUND = -4,
  /* max_conns connections exist. */
  PN_ERR_CONN_LIMIT = -5,
  /* max_handshakes handshakes are in progress. */
  PN_ERR_HANDSHAKE_LIMIT = -6,
  /* A message does not fit the peer's send queue or the pool now (overflow
   * policy "reject"). */
  PN_ERR_OVERFLOW = -8,
  /* A message is larger than the configured or protocol maximum. */
  PN_ERR_MSG_TOO_LARGE = -9,
  /* The engine is shutting down or closed. */
  PN_ERR_SHUTDOWN = -11,

  /* Protocol names. */
  PN_ERR_NAME_MALFORMED = -20,         /* not Noise_P_D_C_H, bad characters */
  PN_ERR_NAME_UNKNOWN_PATTERN = -21,   /* base pattern not in revision 34 */
  PN_ERR_NAME_BAD_MODIFIER = -22,      /* unknown, repeated or out-of-range */
  PN_ERR_NAME_UNKNOWN_PRIMITIVE = -23, /* DH, cipher or hash name unknown */
  PN_ERR_UNSUPPORTED = -24, /* known primitive, not available in this build */

  /* Noise layer. */
  PN_ERR_DECRYPT = -30,          /* AEAD authentication failed; nonce kept */
  PN_ERR_NONCE_EXHAUSTED = -31,  /* n reached 2^64-1 */
  PN_ERR_DH = -32,               /* DH result all zero (low-order point) */
  PN_ERR_MSG_SIZE = -33,         /* handshake message too short or too long */
  PN_ERR_MISSING_KEY = -34,      /* a static key the pattern needs is unset */
  PN_ERR_MISSING_PSK = -35,      /* fewer PSKs than the pattern's psk tokens */
  PN_ERR_WRONG_TURN = -36,       /* write when a read is due, or the reverse */
  PN_ERR_HANDSHAKE_FAILED = -37, /* the state is FAILED: start a new one */

  /* Fatal: the object must be freed. */
  PN_ERR_FATAL = -500,
  PN_ERR_NOMEM = -501,
  PN_ERR_CRYPTO = -502,  /* the crypto library failed (init, RNG, internal) */
  PN_ERR_INTERNAL = -503 /* a broken invariant: a bug in p2pnoise */
} pn_error;

/* A short, static, English description of |err|; never NULL. */
PN_API const char *pn_strerror(int err);

/* A random-byte source. The default is libsodium's randombytes_buf. Returns 0
 * on success; any other value is treated as a failure of the RNG. */
typedef struct pn_rng {
  int (*fill)(void *user, uint8_t *buf, size_t len);
  void *user;
} pn_rng;

#ifdef __cplusplus
}
#endif
#endif
