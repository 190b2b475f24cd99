/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Reason strings (engine.h). */
#include <p2pnoise/engine.h>

const char *pn_reason_str(int reason) {
  switch (reason) {
  case PN_REASON_NONE:
    return "no reason";
  case PN_REASON_LOCAL:
    return "closed by the application";
  case PN_REASON_REMOTE_CLOSED:
    return "closed by the peer";
  case PN_REASON_TRANSPORT_CLOSED:
    return "transport closed without a close frame";
  case PN_REASON_SHUTDOWN:
    return "engine shut down";
  case PN_REASON_CONN_LIMIT:
    return "connection limit reached";
  case PN_REASON_HANDSHAKE_LIMIT:
    return "handshake limit reached";
  case PN_REASON_PEER_LIMIT:
    return "peer limit reached";
  case PN_REASON_UNAUTHORIZED:
    return "peer not authorized";
  case PN_REASON_UNEXPECTED_KEY:
    return "peer key differs from the expected one";
  case PN_REASON_DUPLICATE:
    return "duplicate connection to the peer";
  case PN_REASON_HANDSHAKE_FAILED:
    return "handshake failed";
  case PN_REASON_HANDSHAKE_TIMEOUT:
    return "handshake timed out";
  case PN_REASON_IDLE_TIMEOUT:
    return "peer idle too long";
  case PN_REASON_FRAME_TOO_LARGE:
    return "frame length over the limit";
  case PN_REASON_PROTOCOL:
    return "malformed transport payload";
  case PN_REASON_DECRYPT:
    return "transport message failed to decrypt";
  case PN_REASON_NONCE_EXHAUSTED:
    return "nonce exhausted";
  case PN_REASON_SEND_QUEUE_FULL:
    return "send queue full";
  case PN_REASON_MESSAGE_TOO_LARGE:
    return "message larger than max_message";
  case PN_REASON_INTERNAL:
    return "internal failure";
  case PN_REASON_POOL_EXHAUSTED:
    return "buffer pool exhausted";
  default:
    return "unknown reason";
  }
}
