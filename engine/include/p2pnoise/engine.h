/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/**
 * @file engine.h
 * @brief The sans-IO peer-to-peer engine over the Noise layer.
 *
 * **Contract.** The engine never touches a socket, a clock, a thread or
 * ambient randomness. The caller (the driver) feeds it transport events,
 * bytes and the application's commands; every input carries `now`, a
 * monotonic timestamp in nanoseconds from the caller's clock. Engine time is
 * the largest `now` seen, so a clock that goes backwards is clamped, never
 * trusted. After any input the caller calls pn_engine_poll() until it
 * returns 0 and carries out each action:
 *
 * | action   | what the driver does                                         |
 * |----------|--------------------------------------------------------------|
 * | SEND     | write the bytes to the connection, then pn_engine_sent()     |
 * | CLOSE    | close the transport connection; the engine forgot it         |
 * | EVENT    | hand the event to the application                            |
 * | RESUME   | offer the connection's held-back input again                 |
 * | DEADLINE | call pn_engine_tick() at that time (early ticks are harmless)|
 *
 * A driver's loop, in outline:
 *
 *     n = pn_engine_recv(e, c, buf, len, now, NULL);
 *     if (n < len) keep buf[n..len) until a RESUME for c;
 *     while (pn_engine_poll(e, &a) == 1)
 *       switch (a.type) {
 *       case PN_ACTION_SEND:   w = write(sock(a.conn), a.send.data,
 *                                        a.send.len);
 *                              pn_engine_sent(e, a.conn, w, now);
 *                              if (w < a.send.len) wait for writable, then
 *                                pn_engine_writable(e, a.conn, now);
 *                              break;
 *       case PN_ACTION_CLOSE:  close(sock(a.conn)); break;
 *       case PN_ACTION_EVENT:  app(&a.event); break;
 *       case PN_ACTION_RESUME: offer the kept bytes of a.conn again; break;
 *       case PN_ACTION_DEADLINE: timer = a.deadline; break;
 *       }
 *
 * The driver never needs a timer of its own to make progress: the engine
 * says when input can move again (RESUME), when output can (SEND after
 * pn_engine_writable()), and when time matters (DEADLINE).
 *
 * The only callbacks are pure ones given in the config (RNG, authorize);
 * the engine never calls back into the driver, so nothing is re-entrant.
 * One engine is used from one thread at a time.
 *
 * **Memory.** Everything is sized from the config at creation: either
 * pn_engine_memsize() bytes given by the caller to pn_engine_init(), or one
 * allocation by pn_engine_new(). Nothing is allocated afterwards (but see
 * "Crypto" below for what each build's libraries do). Per-connection byte
 * queues come from a shared, budgeted pool of blocks only while a partial
 * frame, a partial message or queued output exists. Two express buffers of
 * one max_message each (receive, send), lent to one connection at a time,
 * spare bulk messages the pool and most copies (PROTOCOL.md, "Express
 * buffers").
 *
 * **Crypto: memory, threads and secrets, on each build.** The engine runs
 * its protocol on PN_BACKEND_AUTO (noise.h) with one crypto context inside
 * its own memory, set up by pn_engine_init() (no lazy set-up later).
 *
 * - Default build (libsodium, libcrypto, libgcrypt, libdecaf): all 16
 *   suites. pn_engine_init() has libcrypto make its two EVP cipher contexts
 *   (4 heap allocations with libcrypto 3.0), which pn_engine_wipe() frees:
 *   wipe before releasing `mem`. After pn_engine_init(), handshakes,
 *   messages and rekeys make no heap allocation on any suite.
 * - libsodium alone (-DPN_WITH_OPENSSL=OFF): the 6 suites without X448 and
 *   BLAKE2s (AESGCM only where the CPU has AES-NI). No heap allocation in
 *   pn_engine_init() or after it.
 * - Built with -DPN_WITH_DECAF=OFF or -DPN_WITH_GCRYPT=OFF: X448 or BLAKE2s
 *   come from libcrypto, which allocates inside each call and frees before
 *   it returns: a handshake makes exactly what pn_protocol_allocs() states
 *   per key generation, DH and hash (libcrypto 3.0: 16, 27, 2), plus
 *   libcrypto's 3 per thread at a thread's first DH (freed at thread exit).
 *   Messages and rekeys still allocate nothing. `p2pnoise selftest --help`
 *   lists the suites that allocate.
 *
 * On every build the engine keeps nothing per thread: no thread-local
 * state, no thread keys, no once-flags, no reference to a thread function
 * from any of its objects (checked with nm). One engine is used by one
 * thread at a time and may move to another between calls. Its secrets (the
 * static private key, each handshake's chaining and cipher keys and
 * ephemeral key, the transport keys, the keys the crypto context holds)
 * live only in the engine's memory and, during one call, in that call's
 * stack frames, which the library overwrites where a primitive leaves
 * secrets behind. pn_engine_wipe() clears them all. CPU registers are the
 * exception noise.h describes: link with -z now.
 *
 * **Resource model.** Every byte a peer makes the engine hold is charged to
 * its connection, and each kind has a bound and a time limit:
 *
 * - a partial frame: one frame (64 KiB), for idle_timeout;
 * - a chunked message being reassembled: max_message, taken chunk by chunk
 *   as it arrives (never the declared total up front), for recv_timeout
 *   per chunk;
 * - queued output: send_queue for messages; of the control frames it can
 *   provoke, at most one KEEPALIVE, one REKEY reply and one CLOSE; all for
 *   send_timeout without progress;
 * - REKEY replies it provokes: one pending, and peer_rekey_limit requests
 *   a minute;
 * - a handshake: one partial message in, its messages out, for
 *   handshake_timeout.
 *
 * The shared pool keeps a reserve sized from max_handshakes that only
 * handshakes may use, so established peers can never take the capacity
 * newcomers need, and a small close reserve for CLOSE frames. When the pool
 * runs short, the connections holding the most are acted on, not whoever
 * asks next: one over its fair share (the rest of the pool divided by the
 * connections holding any) is held back (its input waits for a RESUME, a
 * send to it follows the overflow policy with an OVERFLOW event of reason
 * PN_REASON_MEMORY_PRESSURE), and one within its share that needs room
 * makes the largest holder over its share close with
 * PN_REASON_MEMORY_PRESSURE. A KEEPALIVE proves liveness, never progress:
 * it resets the idle timer but neither progress timer. PROTOCOL.md
 * ("Memory") gives the details.
 *
 * **Borrowed output.** Pointers in an action (SEND bytes, MESSAGE bytes,
 * the handshake hash) are valid until the next call into the engine other
 * than pn_engine_poll() and the const queries, except SEND bytes, which stay
 * valid until pn_engine_sent() for that connection (or until it closes).
 *
 * **Errors.** 0 or a negative pn_error (common.h). Codes at or below
 * PN_ERR_FATAL mean the engine is unusable: destroy it. Every function fails
 * with PN_ERR_INVALID_ARGUMENT on a NULL engine or a NULL required pointer;
 * the lists below do not repeat it. A misbehaving peer never makes an API
 * call fail: its connection is closed and reported through an event with a
 * pn_reason. Errors say why a call failed; reasons say why a connection
 * ended; the two sets share no code.
 *
 * **ABI.** The structs the library reads or writes (pn_engine_config,
 * pn_action, pn_peer_info, pn_engine_mem) are versioned: the function-like
 * macros below pass the version the caller was compiled with, and the
 * library reads or writes only the fields of that version. New fields are
 * only ever appended, each addition bumps that struct's version, and the
 * library keeps accepting every earlier version for as long as the
 * SOVERSION stays. Enums only grow. Removing or changing a function, a field
 * or a value bumps the SOVERSION.
 */
#ifndef P2PNOISE_ENGINE_H
#define P2PNOISE_ENGINE_H

#include <p2pnoise/noise.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The caller's monotonic clock, in nanoseconds. */
typedef uint64_t pn_time;
/** No time: a timer that is off, no deadline. */
#define PN_TIME_NEVER UINT64_MAX
/** One millisecond of pn_time. */
#define PN_MSEC ((pn_time)1000000ULL)
/** One second of pn_time. */
#define PN_SEC ((pn_time)1000000000ULL)

/** An engine-assigned connection handle (slot and generation); 0 is none.
 *  A handle is never reused while the engine lives. */
typedef uint64_t pn_conn_id;

/** Versions of the versioned structs (see "ABI" above). */
enum {
  PN_ENGINE_CONFIG_VERSION = 1, /**< pn_engine_config */
  PN_ACTION_VERSION = 1,        /**< pn_action */
  PN_PEER_INFO_VERSION = 1,     /**< pn_peer_info */
  PN_ENGINE_MEM_VERSION = 1     /**< pn_engine_mem */
};

/** Every limit and default of the engine that is a count or a size. */
enum {
  PN_ENGINE_DEFAULT_MAX_CONNS = 64,        /**< max_conns */
  PN_ENGINE_DEFAULT_MAX_HANDSHAKES = 16,   /**< max_handshakes */
  PN_ENGINE_DEFAULT_MAX_PEERS = 48,        /**< max_peers */
  PN_ENGINE_DEFAULT_MAX_MESSAGE = 1 << 20, /**< max_message */
  PN_ENGINE_DEFAULT_POOL_BLOCK = 4096,     /**< pool_block */
  PN_ENGINE_MIN_POOL_BLOCK = 256,          /**< smallest pool_block */
  PN_ENGINE_MAX_POOL_BLOCK = 1 << 20,      /**< largest pool_block */
  PN_ENGINE_MAX_CONNS = 1 << 24,           /**< largest max_conns */
  PN_ENGINE_MAX_PROLOGUE = 1024,           /**< longest prologue */
  /** Largest handshake payload, sent or accepted. */
  PN_ENGINE_MAX_HANDSHAKE_PAYLOAD = 4096,
  /** The plain profile's largest message: one Noise message minus its tag. */
  PN_ENGINE_PLAIN_MAX_MESSAGE = PN_NOISE_MAX_MSG - PN_NOISE_TAGLEN,
  /** Largest peer id: a static public key (X448). */
  PN_PEER_ID_MAX = PN_NOISE_MAX_DHLEN,
  /** Default pool budget: room for a few full messages in flight. */
  PN_ENGINE_DEFAULT_POOL_BUDGET = 16 << 20,
  /** Default per-peer send queue, in wire bytes. */
  PN_ENGINE_DEFAULT_SEND_QUEUE = 4 << 20,
  /** Default REKEY frames accepted from a peer per minute. */
  PN_ENGINE_DEFAULT_PEER_REKEY_LIMIT = 60,
  /** Nonces kept back at the end of a key's life for a CLOSE frame. */
  PN_ENGINE_NONCE_RESERVE = 16
};

/** Default handshake_timeout; 0 in the config means the default,
 *  PN_TIME_NEVER turns a timer off. */
#define PN_ENGINE_DEFAULT_HANDSHAKE_TIMEOUT (10 * PN_SEC)
/** Default idle_timeout. */
#define PN_ENGINE_DEFAULT_IDLE_TIMEOUT (60 * PN_SEC)
/** Default keepalive_interval. */
#define PN_ENGINE_DEFAULT_KEEPALIVE (15 * PN_SEC)
/** Default close_linger. */
#define PN_ENGINE_DEFAULT_CLOSE_LINGER (2 * PN_SEC)
/** Default rekey_interval. */
#define PN_ENGINE_DEFAULT_REKEY_INTERVAL (120 * PN_SEC)
/** Default send_timeout. */
#define PN_ENGINE_DEFAULT_SEND_TIMEOUT (30 * PN_SEC)
/** Default recv_timeout. */
#define PN_ENGINE_DEFAULT_RECV_TIMEOUT (30 * PN_SEC)
/** Default rekey_messages. */
#define PN_ENGINE_DEFAULT_REKEY_MESSAGES (1ULL << 32)

/** Which side opened a connection. */
typedef enum pn_dir {
  PN_DIR_INBOUND = 1, /**< the remote dialled us */
  PN_DIR_OUTBOUND = 2 /**< we dialled the remote */
} pn_dir;

/** What a send that does not fit does. */
typedef enum pn_overflow_policy {
  /** pn_engine_send fails with PN_ERR_OVERFLOW, and an OVERFLOW event is
   *  raised once per episode (until the peer's queue has drained). */
  PN_OVERFLOW_REJECT = 0,
  /** The peer is disconnected (PN_REASON_SEND_QUEUE_FULL, or
   *  PN_REASON_MEMORY_PRESSURE when the pool was short). */
  PN_OVERFLOW_DISCONNECT = 1
} pn_overflow_policy;

/** How application messages travel in transport messages. */
typedef enum pn_profile {
  /** Transport payloads carry a header: chunked messages up to max_message,
   *  keepalive, close with a reason, rekey (PROTOCOL.md). */
  PN_PROFILE_FRAMED = 0,
  /** Each transport message is one whole application message of at most
   *  PN_ENGINE_PLAIN_MAX_MESSAGE bytes, no header (libp2p, spec section
   *  13). No keepalive, close frame or in-band rekey. */
  PN_PROFILE_PLAIN = 1
} pn_profile;

/**
 * A peer's identity: its static public key. When the pattern never proves
 * the remote's static key (NN; an NK, NX initiator seen by its responder;
 * an XN, KN, IN responder seen by its initiator), `anonymous` is set and
 * `key` holds the first bytes of the handshake hash, unique to the session.
 * Key application state by peer id: the connection carrying a peer can
 * change when a duplicate connection wins (PROTOCOL.md section 5).
 */
typedef struct pn_peer_id {
  uint8_t key[PN_PEER_ID_MAX]; /**< the key (first `len` bytes) */
  uint8_t len;                 /**< DHLEN of the protocol */
  uint8_t anonymous;           /**< 1: no static key was proven */
} pn_peer_id;

/**
 * Why a connection was refused or a peer disconnected. The value travels in
 * CLOSE frames (PROTOCOL.md), so values never change meaning; 5 and 6 are
 * retired.
 */
typedef enum pn_reason {
  PN_REASON_NONE = 0,               /**< no reason (a CLOSE that gave none) */
  PN_REASON_LOCAL = 1,              /**< pn_engine_disconnect */
  PN_REASON_REMOTE_CLOSED = 2,      /**< the peer sent CLOSE (see
                                         remote_reason) */
  PN_REASON_TRANSPORT_CLOSED = 3,   /**< the transport closed without CLOSE */
  PN_REASON_SHUTDOWN = 4,           /**< pn_engine_shutdown */
  PN_REASON_PEER_LIMIT = 7,         /**< max_peers peers are connected */
  PN_REASON_UNAUTHORIZED = 8,       /**< the authorize callback refused */
  PN_REASON_UNEXPECTED_KEY = 9,     /**< not the key the driver expected */
  PN_REASON_DUPLICATE = 10,         /**< a second connection to a peer lost */
  PN_REASON_HANDSHAKE_FAILED = 11,  /**< a handshake message was bad */
  PN_REASON_HANDSHAKE_TIMEOUT = 12, /**< handshake_timeout passed */
  PN_REASON_IDLE_TIMEOUT = 13,      /**< nothing authenticated received for
                                         idle_timeout */
  PN_REASON_FRAME_TOO_LARGE = 14,   /**< a declared frame length over the
                                         limit */
  PN_REASON_PROTOCOL = 15,          /**< a malformed transport payload */
  PN_REASON_AUTH_FAILED = 16,       /**< a transport message failed to
                                         authenticate (forged, corrupt) */
  PN_REASON_KEY_EXHAUSTED = 17,     /**< a key's nonces are used up */
  PN_REASON_SEND_QUEUE_FULL = 18,   /**< outbound overflow (policy
                                         DISCONNECT) */
  PN_REASON_MESSAGE_TOO_LARGE = 19, /**< inbound overflow (an OVERFLOW
                                         event; the peer stays) */
  PN_REASON_LOCAL_FAILURE = 20,     /**< a local failure (crypto library,
                                         RNG) */
  PN_REASON_MEMORY_PRESSURE = 21,   /**< the pool ran short and this
                                         connection held the most */
  PN_REASON_REKEY_FLOOD = 22,       /**< rekey requests faster than
                                         peer_rekey_limit */
  PN_REASON_SEND_TIMEOUT = 23,      /**< output unacknowledged for
                                         send_timeout */
  PN_REASON_RECEIVE_STALLED = 24    /**< a chunked message did not advance
                                         for recv_timeout */
} pn_reason;

/** A short, static, English description of `reason`; never NULL. */
PN_API const char *pn_reason_str(int reason);

/** The engine (opaque). */
typedef struct pn_engine pn_engine;

/** A peer identity check; return nonzero to accept. Pure: it must not call
 *  into the engine. */
typedef int (*pn_authorize_fn)(void *user, const pn_peer_id *peer, pn_dir dir);

/** Borrowed bytes. */
typedef struct pn_bytes {
  const uint8_t *data; /**< the bytes (may be NULL when len is 0) */
  size_t len;          /**< their length */
} pn_bytes;

/** An engine's configuration. Start from pn_engine_config_default(); 0 in
 *  a limit or timeout means its default. */
typedef struct pn_engine_config {
  /** The struct version, set by pn_engine_config_default(). */
  uint32_t version;
  /** Noise protocol name; NULL: "Noise_XX_25519_ChaChaPoly_BLAKE2b". Only
   *  interactive patterns without the fallback modifier. */
  const char *protocol;
  /** Local static private key, DHLEN bytes, copied; the public key is
   *  derived once at creation. May be NULL only if the pattern never uses
   *  the local static key. */
  const uint8_t *static_private;
  size_t static_private_len; /**< its length (DHLEN) */
  /** Prologue (copied, at most PN_ENGINE_MAX_PROLOGUE bytes); binds the
   *  application and its version. */
  const uint8_t *prologue;
  size_t prologue_len; /**< its length */
  /** PSKs for the pattern's psk tokens, in order (copied). */
  const uint8_t (*psks)[PN_NOISE_PSKLEN];
  size_t npsks;       /**< how many */
  pn_profile profile; /**< framed (default) or plain */
  /** Handshake payloads to send (copied): entry i goes in message i of the
   *  pattern (0-based, both sides' messages counted: XX's message 1 is the
   *  responder's) whenever this engine writes that message, in either
   *  role. Missing or empty entries send nothing. At most
   *  PN_NOISE_MAX_MSGS entries of at most PN_ENGINE_MAX_HANDSHAKE_PAYLOAD
   *  bytes. What each message protects is the pattern's (noise.md section
   *  7.7): XX's message 0 goes in clear, and no payload is authenticated to
   *  its sender before the peer is connected. */
  const pn_bytes *handshake_payloads;
  size_t nhandshake_payloads; /**< how many entries */
  /** Largest handshake payload accepted from a peer, each delivered as a
   *  HANDSHAKE_PAYLOAD event (0: none; a larger one fails the handshake).
   *  At most PN_ENGINE_MAX_HANDSHAKE_PAYLOAD. */
  uint32_t max_handshake_payload;
  /** Transport connections, half-open and closing ones included. */
  uint32_t max_conns;
  /** Handshakes in progress; also sizes the pool's handshake reserve. */
  uint32_t max_handshakes;
  /** Connected peers. */
  uint32_t max_peers;
  /** Largest application message (0: 1 MiB; the plain profile caps it at
   *  PN_ENGINE_PLAIN_MAX_MESSAGE). At most UINT32_MAX. */
  uint64_t max_message;
  pn_overflow_policy overflow; /**< what a send that does not fit does */
  /** Wire bytes queued to one peer before a message overflows (0: 4 MiB;
   *  at least one max_message in wire form). Control frames count in it
   *  but are never refused; of those a peer can provoke, at most one
   *  KEEPALIVE, one REKEY reply and one CLOSE wait at a time. */
  uint64_t send_queue;
  /** The shared pool's total bytes (0: 16 MiB, or more if one max_message
   *  in wire form and the handshake reserve need it). */
  uint64_t pool_budget;
  uint32_t pool_block;        /**< the pool's block size (0: 4096) */
  pn_time handshake_timeout;  /**< a handshake's whole time */
  pn_time idle_timeout;       /**< nothing authenticated received */
  pn_time keepalive_interval; /**< nothing queued to a peer */
  pn_time close_linger;       /**< a graceful close's whole time */
  pn_time rekey_interval;     /**< a sending key's longest life */
  /** Queued output to a peer that sees no byte acknowledged for this long
   *  closes it (PN_REASON_SEND_TIMEOUT). */
  pn_time send_timeout;
  /** A chunked message from a peer that gets no chunk for this long closes
   *  it (PN_REASON_RECEIVE_STALLED). */
  pn_time recv_timeout;
  /** Rekey after this many messages sent on one key (0: default,
   *  UINT64_MAX: off). */
  uint64_t rekey_messages;
  /** REKEY frames asking for a reply accepted from a peer per minute
   *  (burst included) before it is closed (PN_REASON_REKEY_FLOOD); 0:
   *  default, UINT32_MAX: off. */
  uint32_t peer_rekey_limit;
  pn_rng rng;                /**< fill NULL: libsodium */
  pn_authorize_fn authorize; /**< NULL: accept every peer */
  void *authorize_user;      /**< passed to authorize */
} pn_engine_config;

/** Fills `cfg` with the defaults (all zero, the default protocol, the
 *  version). Use the pn_engine_config_default() macro. */
PN_API void pn_engine_config_default_versioned(int version,
                                               pn_engine_config *cfg);
/** Fills `cfg` with the defaults for this header's struct version. */
#define pn_engine_config_default(cfg)                                          \
  pn_engine_config_default_versioned(PN_ENGINE_CONFIG_VERSION, (cfg))

/**
 * The bytes an engine for `cfg` needs, or 0 if `cfg` is invalid (see
 * pn_engine_init() for what is checked).
 */
PN_API size_t pn_engine_memsize(const pn_engine_config *cfg);

/**
 * Builds an engine in `mem` (`memlen` >= pn_engine_memsize(cfg), aligned to
 * 16 bytes). The caller keeps ownership of `mem`; call pn_engine_wipe()
 * before releasing it. `now` starts the engine's clock.
 *
 * - PN_ERR_INVALID_ARGUMENT: NULL pointers, `mem` too small or misaligned,
 *   an unknown config version, a bad config: a one-way or fallback pattern,
 *   a missing static key or PSK, a bad key length, limits out of range, a
 *   send queue or a pool that cannot hold one max_message in wire form (the
 *   pool: plus its reserves), handshake payloads over the limits above.
 * - PN_ERR_NAME_*, PN_ERR_UNSUPPORTED: from pn_protocol_parse().
 * - PN_ERR_NOMEM: libcrypto could not allocate its contexts.
 * - PN_ERR_CRYPTO: the crypto library or the RNG failed (fatal).
 */
PN_API int pn_engine_init(pn_engine **pe, void *mem, size_t memlen,
                          const pn_engine_config *cfg, pn_time now) PN_WUR;
/** Wipes every secret and every byte of plaintext the engine memory holds
 *  (pool blocks that were never used are left untouched) and frees what
 *  pn_engine_init() had libcrypto allocate; the memory may then be
 *  released. NULL is ignored. */
PN_API void pn_engine_wipe(pn_engine *e);

/** pn_engine_init() into one allocation; the errors of pn_engine_init(),
 *  and PN_ERR_NOMEM. The only function besides pn_engine_free() that
 *  allocates (with pn_engine_init()'s libcrypto contexts: see "Crypto"
 *  above). */
PN_API int pn_engine_new(pn_engine **pe, const pn_engine_config *cfg,
                         pn_time now) PN_WUR;
/** Wipes and frees an engine from pn_engine_new(); NULL is ignored. On an
 *  engine built by pn_engine_init() it only wipes. */
PN_API void pn_engine_free(pn_engine *e);

/* ---- Inputs from the driver ---------------------------------------------- */

/**
 * The driver listens: inbound connections are accepted from now on (before
 * this call, pn_engine_conn_open() refuses them), and a LISTENING event
 * tells the application. Idempotent.
 *
 * - PN_ERR_SHUTDOWN: after pn_engine_shutdown().
 */
PN_API int pn_engine_listening(pn_engine *e, pn_time now) PN_WUR;

/**
 * A transport connection opened. Outbound: the engine initiates the
 * handshake (a SEND follows). `expected` (optional) is the peer's static
 * key: required by patterns that know the responder's key in advance (NK,
 * XK, IK, KK...); otherwise the key the peer proves is compared with it.
 * Inbound: `expected` is required by patterns that know the initiator's
 * key in advance (KN, KK, KX...) and otherwise compared likewise. `user` is
 * returned in every action about this connection.
 *
 * - PN_ERR_INVALID_ARGUMENT: bad `dir`, NULL `out`, `expected` of the wrong
 *   length.
 * - PN_ERR_INVALID_STATE: an inbound connection before
 *   pn_engine_listening().
 * - PN_ERR_MISSING_KEY: the pattern needs `expected` and it is NULL.
 * - PN_ERR_CONN_LIMIT: max_conns connections exist.
 * - PN_ERR_HANDSHAKE_LIMIT: max_handshakes handshakes are in progress.
 * - PN_ERR_SHUTDOWN: after pn_engine_shutdown().
 * - Errors of pn_handshake_init(), _set_static(), _set_remote_static() and
 *   _start() (a key or PSK the pattern rejects).
 *
 * On any error the engine keeps nothing of it: the driver closes the
 * transport (and tells the application if it wishes). A failure while
 * writing the first message (the RNG) is not an error here: the connection
 * is then REJECTED (PN_REASON_LOCAL_FAILURE) and closed through the
 * actions.
 */
PN_API int pn_engine_conn_open(pn_engine *e, pn_dir dir,
                               const pn_peer_id *expected, void *user,
                               pn_time now, pn_conn_id *out) PN_WUR;

/** Why pn_engine_recv() took fewer bytes than it was offered. */
typedef enum pn_recv_block {
  /** Everything was taken (or ignored, for a connection that is closing):
   *  offer more when it arrives. */
  PN_RECV_MORE = 0,
  /** Stopped after a frame that produced a MESSAGE, HANDSHAKE_PAYLOAD or
   *  inbound OVERFLOW event: its bytes live in an engine buffer, so until
   *  that event is polled nothing more is taken on any connection. The
   *  connection's RESUME follows in the same poll loop. */
  PN_RECV_POLL = 1,
  /** No room for this connection now (the pool is short, or the connection
   *  is over its fair share): a RESUME comes when there is. */
  PN_RECV_WAIT = 2
} pn_recv_block;

/**
 * Bytes received on `c`. Returns how many were taken (>= 0); that is the
 * backpressure. When fewer than `len` are taken, `*block` (optional) says
 * why, and the driver keeps the rest and offers it again when a RESUME
 * action names `c`, not before: the engine always sends one. Bytes for a
 * connection that is closing and expects nothing more are taken and
 * ignored.
 *
 * - PN_ERR_NOT_FOUND: `c` is unknown or already gone.
 * - PN_ERR_INVALID_ARGUMENT: NULL `data` with `len` > 0.
 */
PN_API ptrdiff_t pn_engine_recv(pn_engine *e, pn_conn_id c, const uint8_t *data,
                                size_t len, pn_time now,
                                pn_recv_block *block) PN_WUR;

/**
 * `n` bytes of the SEND in flight on `c` were written. If `n` is the whole
 * SEND, the next SEND for `c` may follow at once. If it is less (a partial
 * write, or 0 when the transport would block), the transport is full: the
 * rest is offered in a new SEND only after pn_engine_writable(), so a
 * driver never spins on a full socket. Output that sees no byte
 * acknowledged for send_timeout closes the peer.
 *
 * - PN_ERR_NOT_FOUND: `c` is unknown or gone.
 * - PN_ERR_INVALID_ARGUMENT: `n` exceeds the SEND in flight.
 */
PN_API int pn_engine_sent(pn_engine *e, pn_conn_id c, size_t n,
                          pn_time now) PN_WUR;

/**
 * The transport of `c` can take bytes again (after a partial
 * pn_engine_sent()): the rest of its output comes in a SEND. Harmless at
 * any other time.
 *
 * - PN_ERR_NOT_FOUND: `c` is unknown or gone.
 */
PN_API int pn_engine_writable(pn_engine *e, pn_conn_id c, pn_time now) PN_WUR;

/**
 * The transport closed `c` (EOF, reset, error). The id is invalid at once;
 * no CLOSE action follows. A peer on it is reported disconnected (reason
 * TRANSPORT_CLOSED unless its CLOSE frame arrived), a handshake REJECTED.
 *
 * - PN_ERR_NOT_FOUND: `c` is unknown or gone.
 */
PN_API int pn_engine_conn_closed(pn_engine *e, pn_conn_id c,
                                 pn_time now) PN_WUR;

/** Runs the timers due at `now`. Always safe to call; early or repeated
 *  calls do nothing. */
PN_API int pn_engine_tick(pn_engine *e, pn_time now) PN_WUR;

/* ---- Inputs from the application ----------------------------------------- */

/**
 * Queues `msg` to the peer `to` (borrowed for the call only). On success
 * every byte is encrypted and queued.
 *
 * - PN_ERR_NOT_FOUND: no connected peer `to`.
 * - PN_ERR_MSG_TOO_LARGE: `len` > max_message; nothing is sent.
 * - PN_ERR_OVERFLOW: it does not fit now, because the peer's send queue is
 *   full or because the pool is short and the peer holds more than its
 *   share. Under PN_OVERFLOW_REJECT an OVERFLOW event is raised once per
 *   episode; under PN_OVERFLOW_DISCONNECT the peer is closed.
 * - PN_ERR_NONCE_EXHAUSTED: the key is used up: the peer is closed.
 * - PN_ERR_SHUTDOWN: after pn_engine_shutdown().
 */
PN_API int pn_engine_send(pn_engine *e, const pn_peer_id *to,
                          const uint8_t *msg, size_t len, pn_time now) PN_WUR;

/**
 * pn_engine_send() to every connected peer. Returns the number of peers it
 * was queued to (>= 0); a peer that fails is handled as pn_engine_send()
 * would (an OVERFLOW event, or a disconnect). PN_ERR_MSG_TOO_LARGE,
 * PN_ERR_SHUTDOWN as above.
 */
PN_API ptrdiff_t pn_engine_broadcast(pn_engine *e, const uint8_t *msg,
                                     size_t len, pn_time now) PN_WUR;

/** Closes the peer gracefully: queued data, then a CLOSE frame; a
 *  PEER_DISCONNECTED event (reason LOCAL) follows at once.
 *  PN_ERR_NOT_FOUND: no such peer. */
PN_API int pn_engine_disconnect(pn_engine *e, const pn_peer_id *peer,
                                pn_time now) PN_WUR;

/**
 * Rekeys both directions with `peer` (framed profile): our sending key as
 * soon as its REKEY frame is queued (at once, unless the pool is short:
 * then as soon as there is room), the peer's on its receipt of that frame.
 *
 * - PN_ERR_NOT_FOUND: no such peer.
 * - PN_ERR_INVALID_STATE: the plain profile.
 * - PN_ERR_NONCE_EXHAUSTED: as pn_engine_send().
 */
PN_API int pn_engine_rekey(pn_engine *e, const pn_peer_id *peer,
                           pn_time now) PN_WUR;

/**
 * Closes everything: handshakes at once, peers after their queued data and
 * a CLOSE frame (bounded by close_linger). A CLOSED event comes last, when
 * every connection is gone. Further sends and opens fail with
 * PN_ERR_SHUTDOWN. Idempotent.
 */
PN_API int pn_engine_shutdown(pn_engine *e, pn_time now) PN_WUR;

/* ---- Outputs ------------------------------------------------------------- */

/** What an action asks of the driver. */
typedef enum pn_action_type {
  PN_ACTION_NONE = 0,    /**< nothing (pn_engine_poll() returned 0) */
  PN_ACTION_SEND = 1,    /**< write `send` to the connection */
  PN_ACTION_CLOSE = 2,   /**< close the connection's transport */
  PN_ACTION_EVENT = 3,   /**< hand `event` to the application */
  PN_ACTION_RESUME = 4,  /**< offer the connection's held-back input */
  PN_ACTION_DEADLINE = 5 /**< call pn_engine_tick() at `deadline` */
} pn_action_type;

/** What happened, for the application. */
typedef enum pn_event_type {
  PN_EVENT_LISTENING = 1,         /**< after pn_engine_listening() */
  PN_EVENT_PEER_CONNECTED = 2,    /**< `connected` */
  PN_EVENT_PEER_DISCONNECTED = 3, /**< `disconnected` */
  PN_EVENT_MESSAGE = 4,           /**< `message` */
  PN_EVENT_OVERFLOW = 5,          /**< `overflow` */
  PN_EVENT_REJECTED = 6,          /**< `rejected` */
  PN_EVENT_CLOSED = 7,            /**< after shutdown; nothing follows */
  PN_EVENT_HANDSHAKE_PAYLOAD = 8  /**< `handshake_payload` */
} pn_event_type;

/** A peer connected: the handshake completed, the peer is authorized and
 *  routable. */
typedef struct pn_event_connected {
  pn_peer_id peer;     /**< who */
  pn_dir dir;          /**< who dialled */
  const uint8_t *hash; /**< the handshake hash (borrowed) */
  size_t hash_len;     /**< its length */
} pn_event_connected;

/** A connected peer is gone; pairs 1:1 with its PEER_CONNECTED. */
typedef struct pn_event_disconnected {
  pn_peer_id peer;   /**< who */
  pn_dir dir;        /**< who had dialled */
  pn_reason reason;  /**< why */
  int remote_reason; /**< the reason in the peer's CLOSE frame (a
                          pn_reason from a well-behaved peer), else 0 */
} pn_event_disconnected;

/** A message from a peer. */
typedef struct pn_event_message {
  pn_peer_id peer;     /**< from whom */
  const uint8_t *data; /**< the bytes (borrowed) */
  size_t len;          /**< their length */
} pn_event_message;

/** A message did not fit; the peer stays connected and in step. */
typedef struct pn_event_overflow {
  pn_peer_id peer; /**< the peer */
  /** PN_REASON_MESSAGE_TOO_LARGE: an inbound message over max_message was
   *  discarded. PN_REASON_SEND_QUEUE_FULL: a send did not fit the peer's
   *  queue. PN_REASON_MEMORY_PRESSURE: a send did not fit the pool. */
  pn_reason reason;
  uint64_t size; /**< the message's (declared or attempted) size */
} pn_event_overflow;

/** A connection that never became a peer (or lost as a duplicate) was
 *  refused or failed; the driver gets its CLOSE. */
typedef struct pn_event_rejected {
  pn_dir dir;       /**< who dialled */
  pn_reason reason; /**< why */
  pn_peer_id peer;  /**< the remote's id when it was known (len 0 if not) */
} pn_event_rejected;

/** A non-empty handshake payload from the remote, before the handshake
 *  completes: the peer is not known or authorized yet. A PEER_CONNECTED or
 *  REJECTED for the same connection follows. */
typedef struct pn_event_handshake_payload {
  pn_dir dir;          /**< who dialled */
  unsigned index;      /**< the message's index in the pattern */
  const uint8_t *data; /**< the payload (borrowed) */
  size_t len;          /**< its length */
} pn_event_handshake_payload;

/** An event: `type` says which member is set. */
typedef struct pn_event {
  pn_event_type type; /**< which member */
  /** The event's details: the member `type` names. */
  union {
    pn_event_connected connected;                 /**< PEER_CONNECTED */
    pn_event_disconnected disconnected;           /**< PEER_DISCONNECTED */
    pn_event_message message;                     /**< MESSAGE */
    pn_event_overflow overflow;                   /**< OVERFLOW */
    pn_event_rejected rejected;                   /**< REJECTED */
    pn_event_handshake_payload handshake_payload; /**< HANDSHAKE_PAYLOAD */
  };
} pn_event;

/** One thing for the driver to do: `type` says which member is set. */
typedef struct pn_action {
  pn_action_type type; /**< what */
  /** The connection (SEND, CLOSE, RESUME; an EVENT about one); 0 for
   *  engine-level events and DEADLINE. */
  pn_conn_id conn;
  void *user; /**< as given to pn_engine_conn_open() */
  /** The action's details: the member `type` names (none for CLOSE and
   *  RESUME). */
  union {
    /** SEND: the bytes to write, borrowed until pn_engine_sent(). */
    pn_bytes send;
    pn_event event;   /**< EVENT */
    pn_time deadline; /**< DEADLINE (PN_TIME_NEVER: no timer) */
  };
} pn_action;

/**
 * The next action into `out`: 1, or 0 when there is none (then only
 * out->type is written, as PN_ACTION_NONE). Use the pn_engine_poll() macro.
 * Order: events in the order they happened, then RESUME, CLOSE, SEND (at
 * most one unacknowledged SEND per connection), then DEADLINE when the
 * deadline changed. PN_ERR_INVALID_ARGUMENT on NULL or an unknown version.
 */
PN_API int pn_engine_poll_versioned(pn_engine *e, int version,
                                    pn_action *out) PN_WUR;
/** pn_engine_poll_versioned() for this header's pn_action. */
#define pn_engine_poll(e, out)                                                 \
  pn_engine_poll_versioned((e), PN_ACTION_VERSION, (out))

/* ---- Read-only views ----------------------------------------------------- */

/** A connected peer. */
typedef struct pn_peer_info {
  pn_peer_id id;                      /**< who */
  pn_conn_id conn;                    /**< the connection carrying it now */
  pn_dir dir;                         /**< who dialled */
  pn_time connected_since;            /**< when it connected */
  pn_time last_activity;              /**< last authenticated frame received */
  uint64_t bytes_in;                  /**< application bytes received */
  uint64_t bytes_out;                 /**< application bytes sent */
  uint64_t msgs_in;                   /**< messages received */
  uint64_t msgs_out;                  /**< messages sent */
  uint64_t rekeys_out;                /**< sending key changes */
  uint64_t rekeys_in;                 /**< receiving key changes */
  uint64_t queued;                    /**< wire bytes queued to it now */
  uint64_t held;                      /**< pool bytes its connection holds */
  uint8_t hash[PN_NOISE_MAX_HASHLEN]; /**< the handshake hash */
  size_t hash_len;                    /**< its length */
} pn_peer_info;

/** The routing entry of `peer`. PN_ERR_NOT_FOUND if not connected. Use the
 *  pn_engine_peer() macro. */
PN_API int pn_engine_peer_versioned(const pn_engine *e, int version,
                                    const pn_peer_id *peer,
                                    pn_peer_info *out) PN_WUR;
/** pn_engine_peer_versioned() for this header's pn_peer_info. */
#define pn_engine_peer(e, peer, out)                                           \
  pn_engine_peer_versioned((e), PN_PEER_INFO_VERSION, (peer), (out))
/** Iterates the connected peers: start with `*cursor` = 0; returns 1 and
 *  fills `out` while there is one, then 0. Use pn_engine_peer_next(). */
PN_API int pn_engine_peer_next_versioned(const pn_engine *e, int version,
                                         size_t *cursor, pn_peer_info *out);
/** pn_engine_peer_next_versioned() for this header's pn_peer_info. */
#define pn_engine_peer_next(e, cursor, out)                                    \
  pn_engine_peer_next_versioned((e), PN_PEER_INFO_VERSION, (cursor), (out))
/** Connected peers. */
PN_API size_t pn_engine_peer_count(const pn_engine *e);
/** The local static public key as a peer id (len 0 if the pattern has
 *  none). */
PN_API void pn_engine_local_id(const pn_engine *e, pn_peer_id *out);

/** The engine's memory. */
typedef struct pn_engine_mem {
  size_t total;           /**< bytes given or allocated at creation */
  size_t pool_budget;     /**< the pool's size */
  size_t pool_in_use;     /**< pool bytes held by connections now */
  size_t pool_block;      /**< its block size */
  size_t pool_hs_reserve; /**< pool bytes only handshakes may use */
  size_t conn_bytes;      /**< fixed bytes per connection slot, all
                               tables */
  size_t handshake_bytes; /**< bytes per handshake slot */
  size_t conns;           /**< connections now */
  size_t handshakes;      /**< handshakes now */
  size_t peers;           /**< peers now */
} pn_engine_mem;

/** The memory the engine uses now. Use the pn_engine_memory() macro. */
PN_API void pn_engine_memory_versioned(const pn_engine *e, int version,
                                       pn_engine_mem *out);
/** pn_engine_memory_versioned() for this header's pn_engine_mem. */
#define pn_engine_memory(e, out)                                               \
  pn_engine_memory_versioned((e), PN_ENGINE_MEM_VERSION, (out))

/** 1 if `a` and `b` name the same peer. */
PN_API int pn_peer_id_equal(const pn_peer_id *a, const pn_peer_id *b);

#ifdef __cplusplus
}
#endif
#endif
