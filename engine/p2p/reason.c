/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Reason strings (engine.h). */
#include <p2pnoise/engine.h>

/* see engine.h */
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
  case PN_REASON_AUTH_FAILED:
    return "transport message failed to authenticate";
  case PN_REASON_KEY_EXHAUSTED:
    return "session key used up";
  case PN_REASON_SEND_QUEUE_FULL:
    return "send queue full";
  case PN_REASON_MESSAGE_TOO_LARGE:
    return "message larger than max_message";
  case PN_REASON_LOCAL_FAILURE:
    return "local failure (crypto library or RNG)";
  case PN_REASON_MEMORY_PRESSURE:
    return "buffer pool short and the peer held the most";
  case PN_REASON_REKEY_FLOOD:
    return "peer asked for rekeys too fast";
  case PN_REASON_SEND_TIMEOUT:
    return "peer read nothing for too long";
  case PN_REASON_RECEIVE_STALLED:
    return "peer's message stalled";
  default:
    return "unknown reason";
  }
}
