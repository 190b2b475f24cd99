/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/**
 * @file common.h
 * @brief Definitions shared by the Noise layer and the engine: error codes,
 * the random source, and the export and attribute macros.
 *
 * Errors follow ngtcp2: every function that can fail returns 0 (PN_OK) or a
 * negative ::pn_error. Codes at or below PN_ERR_FATAL mean the object
 * (engine or state) can no longer be used and must be freed.
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
/**
 * @def PN_WUR
 * Marks a function whose result must be checked (GCC and clang warn when it
 * is ignored): every function that can fail.
 */

#if defined(_WIN32) || defined(__CYGWIN__)
#define PN_API
#else
#define PN_API __attribute__((visibility("default")))
#endif
/**
 * @def PN_API
 * Exports a function from the shared library; the library is built with
 * hidden visibility, so only what is marked PN_API is public.
 */

/** Error codes: 0 or negative; see pn_strerror() for a description. */
typedef enum pn_error {
  PN_OK = 0, /**< Success. */
  /** The caller's fault: a NULL pointer, a bad length, a bad config. */
  PN_ERR_INVALID_ARGUMENT = -1,
  /** The call does not fit the object's state (wrong phase, after
   * shutdown). */
  PN_ERR_INVALID_STATE = -2,
  /** An output buffer given by the caller is too small; nothing was
   * written. */
  PN_ERR_NOBUF = -3,
  /** An unknown or stale connection id or peer. */
  PN_ERR_NOT_FOUND = -4,
  PN_ERR_CONN_LIMIT = -5,      /**< max_conns connections exist. */
  PN_ERR_HANDSHAKE_LIMIT = -6, /**< max_handshakes handshakes are running. */
  /** A message does not fit the peer's send queue or the pool now (overflow
   * policy "reject"). */
  PN_ERR_OVERFLOW = -8,
  /** A message is larger than the configured or protocol maximum. */
  PN_ERR_MSG_TOO_LARGE = -9,
  /** The engine is shutting down or closed. */
  PN_ERR_SHUTDOWN = -11,
  /** A blocking call's time limit passed (io layer); nothing was lost. */
  PN_ERR_TIMEOUT = -12,

  /* Protocol names. */
  /** Not Noise_P_D_C_H, or bad characters. */
  PN_ERR_NAME_MALFORMED = -20,
  /** The base pattern is not in revision 34. */
  PN_ERR_NAME_UNKNOWN_PATTERN = -21,
  /** An unknown, repeated or out-of-range modifier. */
  PN_ERR_NAME_BAD_MODIFIER = -22,
  /** The DH, cipher or hash name is unknown. */
  PN_ERR_NAME_UNKNOWN_PRIMITIVE = -23,
  /** A known primitive this build cannot supply. */
  PN_ERR_UNSUPPORTED = -24,

  /* Noise layer. */
  /** AEAD authentication failed; the nonce is kept. */
  PN_ERR_DECRYPT = -30,
  PN_ERR_NONCE_EXHAUSTED = -31, /**< The nonce n reached 2^64-1. */
  /** A DH result was all zero (a low-order point). */
  PN_ERR_DH = -32,
  /** A handshake message too short or too long. */
  PN_ERR_MSG_SIZE = -33,
  /** A static key the pattern needs is not set. */
  PN_ERR_MISSING_KEY = -34,
  /** Fewer PSKs than the pattern's psk tokens. */
  PN_ERR_MISSING_PSK = -35,
  /** A write when a read is due, or the reverse. */
  PN_ERR_WRONG_TURN = -36,
  /** The handshake state is FAILED: start a new one. */
  PN_ERR_HANDSHAKE_FAILED = -37,

  /* Keys, hex and key files (keys.h). */
  /** A file cannot be opened, read or written; errno says why. */
  PN_ERR_IO = -50,
  /** Not hex: an odd number of digits, or a character that is not one. */
  PN_ERR_BAD_HEX = -51,
  /** A key of the wrong length. */
  PN_ERR_KEY_LENGTH = -52,
  /** Not a key file: empty, no key line or more than one, binary, too
   * large. */
  PN_ERR_KEYFILE = -53,

  /** Fatal: at or below this, the object must be freed. */
  PN_ERR_FATAL = -500,
  PN_ERR_NOMEM = -501, /**< Out of memory (fatal). */
  /** The crypto library failed: init, RNG, internal (fatal). */
  PN_ERR_CRYPTO = -502,
  /** A broken invariant: a bug in p2pnoise (fatal). */
  PN_ERR_INTERNAL = -503
} pn_error;

/**
 * A short, static, English description of @p err.
 *
 * @param err  a ::pn_error code (any int is accepted).
 * @return the description; "unknown error" for a code not in ::pn_error,
 *         never NULL.
 */
PN_API const char *pn_strerror(int err);

/**
 * A random-byte source. The default, wherever one is optional, is
 * libsodium's randombytes_buf.
 */
typedef struct pn_rng {
  /** Fills @p buf with @p len random bytes; returns 0 on success, any other
   * value is treated as a failure of the RNG. */
  int (*fill)(void *user, uint8_t *buf, size_t len);
  void *user; /**< Passed to fill() unchanged. */
} pn_rng;

#ifdef __cplusplus
}
#endif
#endif
