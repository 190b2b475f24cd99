/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * p2pnoise engine: a sans-IO peer-to-peer engine over the Noise layer.
 *
 * Contract. The engine never touches a socket, a clock, a thread or ambient
 * randomness. The caller (the driver) feeds it transport events, bytes and
 * the application's commands; every input carries |now|, a monotonic
 * timestamp in nanoseconds from the caller's clock. Engine time is the
 * largest |now| seen, so a clock that goes backwards is clamped, never
 * trusted. After any input the caller calls pn_engine_poll() until it
 * returns 0 and carries out each action:
 *
 *   SEND      write the bytes to the connection, then pn_engine_sent(n)
 *   CLOSE     close the transport connection; the engine forgot it
 *   EVENT     hand the event to the application
 *   DEADLINE  call pn_engine_tick() at that time (early or spurious ticks
 *             are harmless)
 *
 * A driver's loop, in outline:
 *
 *   n = pn_engine_recv(e, c, buf, len, now);   (keep buf[n..len) for later)
 *   while (pn_engine_poll(e, &a) == 1)
 *     switch (a.type) {
 *     case PN_ACTION_SEND: w = write(sock(a.conn), a.data, a.len);
 *                          pn_engine_sent(e, a.conn, w, now); break;
 *     case PN_ACTION_CLOSE: close(sock(a.conn)); break;
 *     case PN_ACTION_EVENT: app(&a.event); break;
 *     case PN_ACTION_DEADLINE: timer = a.deadline; break;
 *     }
 *
 * The only callbacks are pure ones given in the config (RNG, authorize); the
 * engine never calls back into the driver, so nothing is re-entrant. One
 * engine is used from one thread at a time.
 *
 * Memory. Everything is sized from the config at creation: either
 * pn_engine_memsize() bytes given by the caller to pn_engine_init(), or one
 * allocation by pn_engine_new(). Nothing is allocated afterwards (but see
 * "Crypto" below for what each build's libraries do). Per
 * connection byte queues come from a shared, budgeted pool of blocks only
 * while a partial frame, a partial message or queued output exists. Two
 * express buffers of one max_message each (receive, send), lent to one
 * connection at a time, spare bulk messages the pool and most copies
 * (PROTOCOL.md, "Express buffers").
 *
 * Crypto: memory, threads and secrets, on each build. The engine runs its
 * protocol on PN_BACKEND_AUTO (noise.h) with one crypto context inside its
 * own memory, set up by pn_engine_init (no lazy set-up later).
 *
 *   default build (libsodium, libcrypto, libgcrypt, libdecaf): all 16
 *     suites. pn_engine_init has libcrypto make its two EVP cipher contexts
 *     (4 heap allocations with libcrypto 3.0), which pn_engine_wipe frees:
 *     wipe before releasing |mem|. After pn_engine_init, handshakes,
 *     messages and rekeys make no heap allocation on any suite.
 *   libsodium alone (-DPN_WITH_OPENSSL=OFF): the 6 suites without X448 and
 *     BLAKE2s (AESGCM only where the CPU has AES-NI). No heap allocation
 *     in pn_engine_init or after it.
 *   built with -DPN_WITH_DECAF=OFF or -DPN_WITH_GCRYPT=OFF: X448 or
 *     BLAKE2s come from libcrypto, which allocates inside each call and
 *     frees before it returns: a handshake makes exactly what
 *     pn_protocol_allocs() states per key generation, DH and hash (libcrypto
 *     3.0: 16, 27, 2), plus libcrypto's 3 per thread at a thread's first DH
 *     (freed at thread exit). Messages and rekeys still allocate nothing.
 *     `p2pnoise selftest --help` lists the suites that allocate.
 *
 * On every build the engine keeps nothing per thread: no thread-local
 * state, no thread keys, no once-flags, no reference to a thread function
 * from any of its objects (checked with nm). One engine is used by one
 * thread at a time and may move to another between calls. Its secrets (the
 * static private key, each handshake's chaining and cipher keys and
 * ephemeral key, the transport keys, the keys the crypto context holds)
 * live only in the engine's memory and, during one call, in that call's
 * stack frames, which the library overwrites where a primitive leaves
 * secrets behind. pn_engine_wipe clears them all. CPU registers are the
 * exception noise.h describes: link with -z now.
 *
 * Borrowed output. Pointers in an action (SEND bytes, MESSAGE bytes, the
 * handshake hash) are valid until the next call into the engine other than
 * pn_engine_poll() and the const queries, except SEND bytes, which stay valid
 * until pn_engine_sent() for that connection (or until it closes).
 *
 * Errors: 0 or a negative pn_error (common.h). Codes at or below
 * PN_ERR_FATAL mean the engine is unusable: destroy it. Every function
 * fails with PN_ERR_INVALID_ARGUMENT on a NULL engine or a NULL required
 * pointer; the lists below do not repeat it. A misbehaving peer never makes
 * an API call fail: its connection is closed and reported through an event
 * with a pn_reason.
 */
#ifndef P2PNOISE_ENGINE_H
#define P2PNOISE_ENGINE_H

#include <p2pnoise/noise.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t pn_time; /* caller's monotonic clock, nanoseconds */
#define PN_TIME_NEVER UINT64_MAX
#define PN_MSEC       ((pn_time)1000000ULL)
#define PN_SEC        ((pn_time)1000000000ULL)

/* Engine-assigned connection handle: slot and generation; 0 is none. */
typedef uint64_t pn_conn_id;

/* Every limit and default of the engine. */
enum {
  PN_ENGINE_DEFAULT_MAX_CONNS = 64,
  PN_ENGINE_DEFAULT_MAX_HANDSHAKES = 16,
  PN_ENGINE_DEFAULT_MAX_PEERS = 48,
  PN_ENGINE_DEFAULT_MAX_MESSAGE = 1 << 20,
  PN_ENGINE_DEFAULT_POOL_BLOCK = 4096,
  PN_ENGINE_MIN_POOL_BLOCK = 256,
  PN_ENGINE_MAX_POOL_BLOCK = 1 << 20,
  PN_ENGINE_MAX_CONNS = 1 << 24,
  PN_ENGINE_MAX_PROLOGUE = 1024,
  /* Largest handshake payload, sent or accepted. */
  PN_ENGINE_MAX_HANDSHAKE_PAYLOAD = 4096,
  /* The plain profile's largest message: one Noise message minus its tag. */
  PN_ENGINE_PLAIN_MAX_MESSAGE = PN_NOISE_MAX_MSG - PN_NOISE_TAGLEN,
  /* Largest peer id: a static public key (X448). */
  PN_PEER_ID_MAX = PN_NOISE_MAX_DHLEN,
  /* Default pool budget: room for a few full messages in flight. */
  PN_ENGINE_DEFAULT_POOL_BUDGET = 16 << 20,
  /* Default per-peer send queue, in wire bytes. */
  PN_ENGINE_DEFAULT_SEND_QUEUE = 4 << 20,
  /* Nonces kept back at the end of a key's life for a CLOSE frame. */
  PN_ENGINE_NONCE_RESERVE = 16
};

/* Default timeouts; 0 in the config means the default, PN_TIME_NEVER off. */
#define PN_ENGINE_DEFAULT_HANDSHAKE_TIMEOUT (10 * PN_SEC)
#define PN_ENGINE_DEFAULT_IDLE_TIMEOUT      (60 * PN_SEC)
#define PN_ENGINE_DEFAULT_KEEPALIVE         (15 * PN_SEC)
#define PN_ENGINE_DEFAULT_CLOSE_LINGER      (2 * PN_SEC)
#define PN_ENGINE_DEFAULT_REKEY_INTERVAL    (120 * PN_SEC)
#define PN_ENGINE_DEFAULT_REKEY_MESSAGES    (1ULL << 32)

typedef enum pn_dir { PN_DIR_INBOUND = 1, PN_DIR_OUTBOUND = 2 } pn_dir;

typedef enum pn_overflow_policy {
  /* pn_engine_send fails with PN_ERR_OVERFLOW; one OVERFLOW event per
   * episode (until the queue has drained). */
  PN_OVERFLOW_REJECT = 0,
  /* The peer is disconnected (reason PN_REASON_SEND_QUEUE_FULL). */
  PN_OVERFLOW_DISCONNECT = 1
} pn_overflow_policy;

typedef enum pn_profile {
  /* Transport payloads carry a header: chunked messages up to max_message,
   * keepalive, close with a reason, rekey (PROTOCOL.md). */
  PN_PROFILE_FRAMED = 0,
  /* Each transport message is one whole application message of at most
   * PN_ENGINE_PLAIN_MAX_MESSAGE bytes, no header (libp2p, spec section 13).
   * No keepalive, close frame or in-band rekey. */
  PN_PROFILE_PLAIN = 1
} pn_profile;

/* A peer's identity: its static public key. When the pattern never proves
 * the remote's static key (NN; an NK, NX initiator seen by its responder;
 * an XN, KN, IN responder seen by its initiator), |anonymous| is set and
 * |key| holds the first bytes of the handshake hash, unique to the session.
 * Key application state by peer id: the connection carrying a peer can
 * change when a duplicate connection wins (PROTOCOL.md section 5). */
typedef struct pn_peer_id {
  uint8_t key[PN_PEER_ID_MAX];
  uint8_t len;
  uint8_t anonymous;
} pn_peer_id;

/* Why a connection was refused or a peer disconnected. */
typedef enum pn_reason {
  PN_REASON_NONE = 0,
  PN_REASON_LOCAL = 1,            /* pn_engine_disconnect */
  PN_REASON_REMOTE_CLOSED = 2,    /* the peer sent CLOSE (see remote_reason) */
  PN_REASON_TRANSPORT_CLOSED = 3, /* transport closed without a CLOSE frame */
  PN_REASON_SHUTDOWN = 4,         /* pn_engine_shutdown */
  PN_REASON_CONN_LIMIT = 5,
  PN_REASON_HANDSHAKE_LIMIT = 6,
  PN_REASON_PEER_LIMIT = 7,
  PN_REASON_UNAUTHORIZED = 8,   /* the authorize callback refused */
  PN_REASON_UNEXPECTED_KEY = 9, /* the remote key is not the expected one */
  PN_REASON_DUPLICATE = 10,     /* a second connection to a peer lost */
  PN_REASON_HANDSHAKE_FAILED = 11,
  PN_REASON_HANDSHAKE_TIMEOUT = 12,
  PN_REASON_IDLE_TIMEOUT = 13,    /* nothing authenticated received */
  PN_REASON_FRAME_TOO_LARGE = 14, /* a declared frame length over the limit */
  PN_REASON_PROTOCOL = 15,        /* a malformed transport payload */
  PN_REASON_DECRYPT = 16,         /* a transport message failed to decrypt */
  PN_REASON_NONCE_EXHAUSTED = 17,
  PN_REASON_SEND_QUEUE_FULL = 18,   /* outbound overflow */
  PN_REASON_MESSAGE_TOO_LARGE = 19, /* inbound overflow */
  PN_REASON_INTERNAL = 20,          /* a local failure (crypto, bug) */
  PN_REASON_POOL_EXHAUSTED = 21     /* no buffer for a handshake message */
} pn_reason;

/* A short, static, English description of |reason|; never NULL. */
PN_API const char *pn_reason_str(int reason);

typedef struct pn_engine pn_engine;

/* A peer identity check; return nonzero to accept. Pure: it must not call
 * into the engine. */
typedef int (*pn_authorize_fn)(void *user, const pn_peer_id *peer, pn_dir dir);

/* Borrowed bytes. */
typedef struct pn_bytes {
  const uint8_t *data;
  size_t len;
} pn_bytes;

typedef struct pn_engine_config {
  /* Noise protocol name; NULL: "Noise_XX_25519_ChaChaPoly_BLAKE2b". Only
   * interactive patterns without the fallback modifier. */
  const char *protocol;
  /* Local static private key, DHLEN bytes, copied; the public key is
   * derived once at creation. May be NULL only if the pattern never uses
   * the local static key. */
  const uint8_t *static_private;
  size_t static_private_len;
  /* Prologue (copied, at most PN_ENGINE_MAX_PROLOGUE bytes); binds the
   * application and its version. */
  const uint8_t *prologue;
  size_t prologue_len;
  /* PSKs for the pattern's psk tokens, in order (copied). */
  const uint8_t (*psks)[PN_NOISE_PSKLEN];
  size_t npsks;
  pn_profile profile;
  /* Handshake payloads to send (copied): entry i goes in message i of the
   * pattern (0-based, both sides' messages counted: XX's message 1 is the
   * responder's) whenever this engine writes that message, in either role.
   * Missing or empty entries send nothing. At most PN_NOISE_MAX_MSGS
   * entries of at most PN_ENGINE_MAX_HANDSHAKE_PAYLOAD bytes. What each
   * message protects is the pattern's (noise.md section 7.7): XX's message
   * 0 goes in clear, and no payload is authenticated to its sender before
   * the peer is connected. */
  const pn_bytes *handshake_payloads;
  size_t nhandshake_payloads;
  /* Largest handshake payload accepted from a peer, each delivered as a
   * HANDSHAKE_PAYLOAD event (0: none; a larger one fails the handshake).
   * At most PN_ENGINE_MAX_HANDSHAKE_PAYLOAD. */
  uint32_t max_handshake_payload;
  /* Limits; 0 means the default. max_conns counts half-open connections
   * and connections that are closing. */
  uint32_t max_conns;
  uint32_t max_handshakes;
  uint32_t max_peers;
  /* Largest application message (0: 1 MiB; the plain profile caps it at
   * PN_ENGINE_PLAIN_MAX_MESSAGE). At most UINT32_MAX. */
  uint64_t max_message;
  pn_overflow_policy overflow;
  /* Wire bytes queued per connection before overflow (0: 4 MiB; at least
   * one max_message in wire form). */
  uint64_t send_queue;
  /* Shared pool: total bytes and block size (0: defaults). */
  uint64_t pool_budget;
  uint32_t pool_block;
  /* Timeouts (0: default; PN_TIME_NEVER: off). */
  pn_time handshake_timeout;
  pn_time idle_timeout;
  pn_time keepalive_interval;
  pn_time close_linger;
  pn_time rekey_interval;
  /* Rekey after this many messages sent on one key (0: default, UINT64_MAX
   * off). */
  uint64_t rekey_messages;
  pn_rng rng;                /* fill NULL: libsodium */
  pn_authorize_fn authorize; /* NULL: accept every peer */
  void *authorize_user;
} pn_engine_config;

/* Fills |cfg| with the defaults (all zero plus the default protocol). */
PN_API void pn_engine_config_default(pn_engine_config *cfg);

/*
 * The bytes an engine for |cfg| needs, or 0 if |cfg| is invalid (see
 * pn_engine_init for what is checked).
 */
PN_API size_t pn_engine_memsize(const pn_engine_config *cfg);

/*
 * Builds an engine in |mem| (|memlen| >= pn_engine_memsize(cfg), aligned to
 * 16 bytes). The caller keeps ownership of |mem|; call pn_engine_wipe()
 * before releasing it. |now| starts the engine's clock.
 *
 * PN_ERR_INVALID_ARGUMENT  NULL pointers, |mem| too small or misaligned, a
 *                          bad config: a one-way or fallback pattern, a
 *                          missing static key or PSK, a bad key length,
 *                          limits out of range, a send queue or a pool
 *                          that cannot hold one max_message in wire form
 *                          (the pool: plus its reserve of one frame),
 *                          handshake payloads over the limits above.
 * PN_ERR_NAME_*, PN_ERR_UNSUPPORTED  from pn_protocol_parse.
 * PN_ERR_NOMEM             libcrypto could not allocate its contexts.
 * PN_ERR_CRYPTO            the crypto library or the RNG failed (fatal).
 */
PN_API int pn_engine_init(pn_engine **pe, void *mem, size_t memlen,
                          const pn_engine_config *cfg, pn_time now) PN_WUR;
/* Wipes every secret and every byte of plaintext the engine memory holds
 * (pool blocks that were never used are left untouched) and frees what
 * pn_engine_init had libcrypto allocate; the memory may then be released. */
PN_API void pn_engine_wipe(pn_engine *e);

/* pn_engine_init into one allocation; the errors of pn_engine_init, and
 * PN_ERR_NOMEM. The only function besides pn_engine_free that allocates
 * (with pn_engine_init's libcrypto contexts: see "Crypto" above). */
PN_API int pn_engine_new(pn_engine **pe, const pn_engine_config *cfg,
                         pn_time now) PN_WUR;
/* Wipes and frees an engine from pn_engine_new; NULL is ignored. On an
 * engine built by pn_engine_init it only wipes. */
PN_API void pn_engine_free(pn_engine *e);

/* ---- Inputs from the driver ---------------------------------------------- */

/* The driver started listening: a LISTENING event follows.
 * PN_ERR_SHUTDOWN after pn_engine_shutdown. */
PN_API int pn_engine_listening(pn_engine *e, pn_time now) PN_WUR;

/*
 * A transport connection opened. Outbound: the engine initiates the
 * handshake (a SEND follows). |expected| (optional) is the peer's static
 * key: required by patterns that know the responder's key in advance (NK,
 * XK, IK, KK...); otherwise the key the peer proves is compared with it.
 * Inbound: |expected| is required by patterns that know the initiator's key
 * in advance (KN, KK, KX...) and otherwise compared likewise. |user| is
 * returned in every action about this connection.
 *
 * PN_ERR_INVALID_ARGUMENT  bad |dir|, NULL |out|, |expected| of the wrong
 *                          length.
 * PN_ERR_MISSING_KEY       the pattern needs |expected| and it is NULL.
 * PN_ERR_CONN_LIMIT        max_conns connections exist.
 * PN_ERR_HANDSHAKE_LIMIT   max_handshakes handshakes are in progress.
 *   Both also queue a REJECTED event (conn 0, |count| refusals coalesced);
 *   the driver closes the transport itself.
 * PN_ERR_SHUTDOWN          after pn_engine_shutdown.
 * Errors of pn_handshake_init, _set_static, _set_remote_static and _start
 * (a key or PSK the pattern rejects).
 * A failure while writing the first message (the RNG, the pool) is not an
 * error here: the connection is then REJECTED (HANDSHAKE_FAILED, INTERNAL
 * or POOL_EXHAUSTED) and closed through the actions.
 */
PN_API int pn_engine_conn_open(pn_engine *e, pn_dir dir,
                               const pn_peer_id *expected, void *user,
                               pn_time now, pn_conn_id *out) PN_WUR;

/*
 * Bytes received on |c|. Returns how many were taken (>= 0); that is the
 * backpressure. Processing stops after a frame that produced a MESSAGE, a
 * HANDSHAKE_PAYLOAD or an inbound OVERFLOW event: until that event is polled,
 * this function takes nothing on any connection (the message bytes live in one
 * engine buffer). Fewer bytes are also taken when the pool cannot hold a
 * partial frame or a chunked message now. Drain pn_engine_poll() and offer the
 * rest again, at the latest after the next input (ack, tick, receive).
 * Bytes for a connection that is closing and expects nothing more are
 * taken and ignored.
 *
 * PN_ERR_NOT_FOUND         |c| is unknown or already gone.
 * PN_ERR_INVALID_ARGUMENT  NULL |data| with |len| > 0.
 */
PN_API ptrdiff_t pn_engine_recv(pn_engine *e, pn_conn_id c, const uint8_t *data,
                                size_t len, pn_time now) PN_WUR;

/*
 * |n| bytes of the last SEND on |c| were written. A partial ack leaves the
 * rest to be offered again by a later SEND.
 *
 * PN_ERR_NOT_FOUND         |c| is unknown or gone.
 * PN_ERR_INVALID_ARGUMENT  |n| exceeds the SEND in flight.
 */
PN_API int pn_engine_sent(pn_engine *e, pn_conn_id c, size_t n,
                          pn_time now) PN_WUR;

/*
 * The transport closed |c| (EOF, reset, error). The id is invalid at once;
 * no CLOSE action follows. A peer on it is reported disconnected (reason
 * TRANSPORT_CLOSED unless its CLOSE frame arrived), a handshake REJECTED.
 *
 * PN_ERR_NOT_FOUND  |c| is unknown or gone.
 */
PN_API int pn_engine_conn_closed(pn_engine *e, pn_conn_id c,
                                 pn_time now) PN_WUR;

/* Runs the timers due at |now|. Always safe to call. */
PN_API int pn_engine_tick(pn_engine *e, pn_time now) PN_WUR;

/* ---- Inputs from the application ---------------------------------------- */

/*
 * Queues |msg| to the peer |to| (borrowed for the call only). On success
 * every byte is encrypted and queued.
 *
 * PN_ERR_NOT_FOUND       no connected peer |to|.
 * PN_ERR_MSG_TOO_LARGE   |len| > max_message; nothing is sent.
 * PN_ERR_OVERFLOW        the peer's send queue is full: under
 *                        PN_OVERFLOW_REJECT one OVERFLOW event per episode,
 *                        under PN_OVERFLOW_DISCONNECT the peer is closed.
 * PN_ERR_POOL_EXHAUSTED  the shared pool cannot hold it now; retry later.
 * PN_ERR_NONCE_EXHAUSTED the key is used up: the peer is closed.
 * PN_ERR_SHUTDOWN        after pn_engine_shutdown.
 */
PN_API int pn_engine_send(pn_engine *e, const pn_peer_id *to,
                          const uint8_t *msg, size_t len, pn_time now) PN_WUR;

/*
 * pn_engine_send to every connected peer. Returns the number of peers it
 * was queued to (>= 0); a peer that fails is handled as pn_engine_send
 * would. PN_ERR_MSG_TOO_LARGE, PN_ERR_SHUTDOWN as above.
 */
PN_API ptrdiff_t pn_engine_broadcast(pn_engine *e, const uint8_t *msg,
                                     size_t len, pn_time now) PN_WUR;

/* Closes the peer gracefully: queued data, then a CLOSE frame; a
 * PEER_DISCONNECTED event (reason LOCAL) follows at once.
 * PN_ERR_NOT_FOUND no such peer. */
PN_API int pn_engine_disconnect(pn_engine *e, const pn_peer_id *peer,
                                pn_time now) PN_WUR;

/* Rekeys both directions with |peer| now (framed profile): our sending key
 * at once, the peer's on its receipt of our REKEY frame.
 * PN_ERR_NOT_FOUND no such peer; PN_ERR_INVALID_STATE in the plain
 * profile; PN_ERR_POOL_EXHAUSTED, PN_ERR_NONCE_EXHAUSTED as send. */
PN_API int pn_engine_rekey(pn_engine *e, const pn_peer_id *peer,
                           pn_time now) PN_WUR;

/*
 * Closes everything: handshakes at once, peers after their queued data
 * and a CLOSE frame (bounded by close_linger). A CLOSED event comes last,
 * when every connection is gone. Further sends and opens fail with
 * PN_ERR_SHUTDOWN. Idempotent.
 */
PN_API int pn_engine_shutdown(pn_engine *e, pn_time now) PN_WUR;

/* ---- Outputs ---------------------------------------------------------------
 */

typedef enum pn_action_type {
  PN_ACTION_SEND = 1,
  PN_ACTION_CLOSE = 2,
  PN_ACTION_EVENT = 3,
  PN_ACTION_DEADLINE = 4
} pn_action_type;

typedef enum pn_event_type {
  PN_EVENT_LISTENING = 1,
  PN_EVENT_PEER_CONNECTED = 2,    /* peer, dir, hash */
  PN_EVENT_PEER_DISCONNECTED = 3, /* peer, reason, remote_reason */
  PN_EVENT_MESSAGE = 4,           /* peer, data, len */
  PN_EVENT_OVERFLOW = 5,          /* peer, size, reason: MESSAGE_TOO_LARGE
                                     (inbound, discarded) or SEND_QUEUE_FULL */
  PN_EVENT_REJECTED = 6,          /* conn, reason, count (conn 0: at open) */
  PN_EVENT_CLOSED = 7,            /* after shutdown; nothing follows */
  /* conn, dir, data, len, size: the message's index in the pattern. A
   * non-empty handshake payload from the remote, before the handshake
   * completes: the peer is not known or authorized yet (peer.len 0). A
   * PEER_CONNECTED or REJECTED for the same conn follows. */
  PN_EVENT_HANDSHAKE_PAYLOAD = 8
} pn_event_type;

typedef struct pn_event {
  pn_event_type type;
  pn_reason reason;
  int remote_reason; /* the reason in the peer's CLOSE frame, else 0 */
  pn_dir dir;
  pn_peer_id peer;     /* when known (len 0 otherwise) */
  const uint8_t *data; /* MESSAGE or HANDSHAKE_PAYLOAD bytes, PEER_CONNECTED
                          hash; borrowed */
  size_t len;
  uint64_t size;  /* OVERFLOW: declared or attempted size;
                     HANDSHAKE_PAYLOAD: message index */
  uint64_t count; /* REJECTED at open: refusals coalesced, else 1 */
} pn_event;

typedef struct pn_action {
  pn_action_type type;
  pn_conn_id conn;     /* 0 for engine-level events and DEADLINE */
  void *user;          /* as given to pn_engine_conn_open */
  const uint8_t *data; /* SEND: borrowed until pn_engine_sent */
  size_t len;
  pn_reason reason; /* CLOSE */
  pn_time deadline; /* DEADLINE (PN_TIME_NEVER: no timer) */
  pn_event event;   /* EVENT */
} pn_action;

/*
 * The next action into |out|: 1, or 0 when there is none (then only
 * out->type is written, as 0). Order: events in
 * the order they happened, then CLOSE, then SEND (at most one unacked SEND
 * per connection), then DEADLINE when it changed. PN_ERR_INVALID_ARGUMENT on
 * NULL.
 */
PN_API int pn_engine_poll(pn_engine *e, pn_action *out) PN_WUR;

/* The earliest time pn_engine_tick has work (PN_TIME_NEVER: none). */
PN_API pn_time pn_engine_next_deadline(const pn_engine *e);

/* ---- Read-only views --------------------------------------------------------
 */

typedef struct pn_peer_info {
  pn_peer_id id;
  pn_conn_id conn;
  pn_dir dir;
  pn_time connected_since;
  pn_time last_activity;        /* last authenticated frame received */
  uint64_t bytes_in, bytes_out; /* application bytes */
  uint64_t msgs_in, msgs_out;
  uint64_t rekeys_out, rekeys_in;     /* key changes per direction */
  uint8_t hash[PN_NOISE_MAX_HASHLEN]; /* handshake hash */
  size_t hash_len;
} pn_peer_info;

/* The routing entry of |peer|. PN_ERR_NOT_FOUND if not connected. */
PN_API int pn_engine_peer(const pn_engine *e, const pn_peer_id *peer,
                          pn_peer_info *out) PN_WUR;
/* Iterates the connected peers: start with *|cursor| = 0; returns 1 and
 * fills |out| while there is one, then 0. */
PN_API int pn_engine_peer_next(const pn_engine *e, size_t *cursor,
                               pn_peer_info *out);
/* Connected peers. */
PN_API size_t pn_engine_peer_count(const pn_engine *e);
/* The local static public key as a peer id (len 0 if the pattern has none). */
PN_API void pn_engine_local_id(const pn_engine *e, pn_peer_id *out);

typedef struct pn_engine_mem {
  size_t total;       /* bytes given or allocated at creation */
  size_t pool_budget; /* the pool's size */
  size_t pool_in_use; /* pool bytes held by connections now */
  size_t pool_block;
  size_t conn_bytes;      /* fixed bytes per connection slot, all tables */
  size_t handshake_bytes; /* bytes per handshake slot */
  size_t conns, handshakes, peers; /* in use now */
} pn_engine_mem;

/* The memory the engine uses now. */
PN_API void pn_engine_memory(const pn_engine *e, pn_engine_mem *out);

/* 1 if |a| and |b| name the same peer. */
PN_API int pn_peer_id_equal(const pn_peer_id *a, const pn_peer_id *b);

#ifdef __cplusplus
}
#endif
#endif
