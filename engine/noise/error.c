/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Error strings (common.h). */
#include <p2pnoise/common.h>

const char *pn_strerror(int err) {
  switch (err) {
  case PN_OK:
    return "success";
  case PN_ERR_INVALID_ARGUMENT:
    return "invalid argument";
  case PN_ERR_INVALID_STATE:
    return "invalid state for this call";
  case PN_ERR_NOBUF:
    return "output buffer too small";
  case PN_ERR_NOT_FOUND:
    return "no such connection or peer";
  case PN_ERR_CONN_LIMIT:
    return "connection limit reached";
  case PN_ERR_HANDSHAKE_LIMIT:
    return "handshake limit reached";
  case PN_ERR_OVERFLOW:
    return "no room to queue the message now";
  case PN_ERR_MSG_TOO_LARGE:
    return "message too large";
  case PN_ERR_NAME_MALFORMED:
    return "malformed protocol name";
  case PN_ERR_NAME_UNKNOWN_PATTERN:
    return "unknown handshake pattern";
  case PN_ERR_NAME_BAD_MODIFIER:
    return "bad pattern modifier";
  case PN_ERR_NAME_UNKNOWN_PRIMITIVE:
    return "unknown DH, cipher or hash";
  case PN_ERR_UNSUPPORTED:
    return "primitive not supported by this build";
  case PN_ERR_DECRYPT:
    return "decryption failed";
  case PN_ERR_NONCE_EXHAUSTED:
    return "nonce exhausted";
  case PN_ERR_DH:
    return "DH produced a low-order result";
  case PN_ERR_MSG_SIZE:
    return "bad handshake message size";
  case PN_ERR_MISSING_KEY:
    return "a required key is missing";
  case PN_ERR_MISSING_PSK:
    return "a required PSK is missing";
  case PN_ERR_WRONG_TURN:
    return "not this party's turn";
  case PN_ERR_HANDSHAKE_FAILED:
    return "handshake has failed";
  case PN_ERR_SHUTDOWN:
    return "the engine is shut down";
  case PN_ERR_FATAL:
    return "fatal error";
  case PN_ERR_NOMEM:
    return "out of memory";
  case PN_ERR_CRYPTO:
    return "crypto library failure";
  case PN_ERR_INTERNAL:
    return "internal error";
  default:
    return "unknown error";
  }
}
