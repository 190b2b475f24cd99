/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/**
 * @file sio.h
 * @brief A blocking API over one engine and one stream socket.
 *
 * Connect to `host:port` or accept one connection, then send and receive
 * whole messages, then close; in the relationship BearSSL's ssl_io.c has to
 * its engine. It uses only the engine's public API (engine.h): the engine
 * still decides everything about the protocol, and sio carries out its
 * actions on one socket inside each blocking call.
 *
 * **Time.** Every blocking call takes a `timeout`, relative, in pn_time
 * nanoseconds (PN_SIO_FOREVER: no limit; 0: do what can be done without
 * waiting). The engine's timers (handshake timeout, keepalive, idle
 * timeout, rekey, close linger) run inside whichever call is waiting, so a
 * program that only ever calls pn_sio_recv() stays correct.
 *
 * **Memory and threads.** Everything is sized once from the engine config:
 * pn_sio_memsize() bytes given to pn_sio_init(), or one allocation by
 * pn_sio_new(). Nothing is allocated afterwards (resolving a host *name*
 * goes through getaddrinfo(), which allocates inside libc; numeric
 * addresses do not). No threads, no signals; one pn_sio is used from one
 * thread at a time. The socket stays in blocking mode: sio waits with
 * poll() and never lets a read or write block past the timeout.
 *
 * **Flow.** A send waits until the message is written to the socket.
 * While it waits, sio keeps reading (so timers stay fed) but holds at most
 * one received message for the next pn_sio_recv(); past that it stops
 * reading. Two peers that both send more than their socket buffers hold,
 * and never receive, wait for each other until a timeout.
 *
 * **Errors.** Every function that can fail returns 0 (or a length) or a
 * negative pn_error (common.h); pn_strerror() names it, and
 * pn_sio_errmsg() gives the same text followed by the details of this
 * failure (a size, a system call, a reason). The codes mean:
 *
 * | code                    | meaning here                                  |
 * |-------------------------|-----------------------------------------------|
 * | PN_ERR_INVALID_ARGUMENT | a NULL pointer, a bad `host:port`, a bad key  |
 * | PN_ERR_TIMEOUT          | the timeout passed (pn_sio_errno() is         |
 * |                         | ETIMEDOUT); nothing is lost                   |
 * | PN_ERR_INVALID_STATE    | a system call failed: pn_sio_errno() is the   |
 * |                         | errno; 0 for a call in the wrong phase        |
 * | PN_ERR_NOT_FOUND        | no connection: never made, closed, or lost;   |
 * |                         | pn_sio_reason() says why it ended             |
 * | PN_ERR_HANDSHAKE_FAILED | the handshake failed; pn_sio_reason() says    |
 * |                         | why (PN_REASON_UNEXPECTED_KEY for a key other |
 * |                         | than the one required)                        |
 * | PN_ERR_NOBUF            | a received message is larger than the buffer  |
 * | PN_ERR_MSG_TOO_LARGE    | a message is over max_message                 |
 * | PN_ERR_OVERFLOW         | the engine's send queue cannot take a message |
 * | <= PN_ERR_FATAL         | the engine failed: free the pn_sio            |
 *
 * A timeout never loses data: a message that was being sent stays queued
 * and goes out during later calls, and a receive that timed out leaves the
 * next message for the next pn_sio_recv(). After PN_ERR_NOBUF or a received
 * PN_ERR_MSG_TOO_LARGE the message is dropped and the connection carries on
 * in step: the next pn_sio_recv() returns the next message.
 */
#ifndef P2PNOISE_SIO_H
#define P2PNOISE_SIO_H

#include <p2pnoise/engine.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A connection (opaque): one engine and at most one socket at a time. */
typedef struct pn_sio pn_sio;

/** No time limit for a blocking call. */
#define PN_SIO_FOREVER PN_TIME_NEVER

/**
 * The bytes pn_sio_init() needs for `cfg` (NULL: the engine's defaults),
 * or 0 if `cfg` is invalid. sio changes a config's defaults as
 * pn_sio_init() says.
 */
size_t pn_sio_memsize(const pn_engine_config *cfg);

/**
 * Builds a pn_sio in `mem` (`memlen` >= pn_sio_memsize(cfg), aligned to 16
 * bytes); the caller keeps `mem` and releases it after pn_sio_free().
 *
 * `cfg` (NULL: the engine's defaults, Noise_XX_25519_ChaChaPoly_BLAKE2b,
 * framed profile) is the engine's config, with these differences: 0 in
 * max_conns, max_handshakes or max_peers means 1, since sio carries one
 * connection; a NULL `static_private` for a pattern that needs a local
 * static key gets a fresh random key (see pn_sio_local_id()). Any protocol
 * and profile the engine accepts works, PN_PROFILE_PLAIN included (plain
 * Noise over TCP with a 2-byte length prefix, for other Noise
 * implementations).
 *
 * @param out     the new pn_sio
 * @param mem     the memory
 * @param memlen  its size
 * @param cfg     the engine config, or NULL
 * @return 0 or an error
 * @retval PN_ERR_INVALID_ARGUMENT NULL `out` or `mem`, `mem` too small or
 *         misaligned, a config the engine refuses
 * @retval PN_ERR_NAME_MALFORMED and the other PN_ERR_NAME_* codes, and
 *         PN_ERR_UNSUPPORTED: a protocol name the engine refuses
 * @retval PN_ERR_CRYPTO the RNG or the crypto library failed
 */
int pn_sio_init(pn_sio **out, void *mem, size_t memlen,
                const pn_engine_config *cfg) PN_WUR;

/**
 * pn_sio_init() into one allocation.
 *
 * @return 0 or an error
 * @retval PN_ERR_NOMEM the allocation failed
 * @retval PN_ERR_INVALID_ARGUMENT, PN_ERR_NAME_*, PN_ERR_UNSUPPORTED,
 *         PN_ERR_CRYPTO as pn_sio_init()
 */
int pn_sio_new(pn_sio **out, const pn_engine_config *cfg) PN_WUR;

/**
 * Closes the socket at once (no close frame: use pn_sio_close() first for
 * a graceful end), wipes the keys and the plaintext sio and the engine
 * held, and frees the memory if pn_sio_new() allocated it. NULL is ignored.
 */
void pn_sio_free(pn_sio *s);

/**
 * Opens a listening TCP socket on `hostport` ("127.0.0.1:0", "[::1]:7000",
 * ":7000" for every IPv4 address) for pn_sio_accept(). Port 0 picks one.
 *
 * @param hostport where to listen
 * @param fd       the listening socket, the caller's to close
 * @param port     (optional) the port it listens on
 * @return 0 or an error
 * @retval PN_ERR_INVALID_ARGUMENT NULL `hostport` or `fd`, a malformed
 *         `hostport`
 * @retval PN_ERR_INVALID_STATE a system call failed (errno says why) or
 *         the host did not resolve (errno EADDRNOTAVAIL)
 */
int pn_sio_listen(const char *hostport, int *fd, unsigned *port) PN_WUR;

/**
 * Connects to `hostport` ("HOST:PORT", "[V6]:PORT"; HOST numeric or a
 * name) and runs the handshake as initiator. Returns when the peer is
 * connected and the last handshake message is written.
 *
 * @param s        an idle pn_sio (new, or after pn_sio_close())
 * @param hostport where to connect
 * @param expect   (optional) the peer's static key: required by patterns
 *                 that know it in advance (NK, XK, IK, KK...), otherwise
 *                 the key the peer proves must be this one
 * @param timeout  for the TCP connect and the handshake together
 * @return 0 or an error
 * @retval PN_ERR_INVALID_ARGUMENT NULL `s` or `hostport`, a malformed
 *         `hostport`, `expect` of the wrong length
 * @retval PN_ERR_INVALID_STATE `s` has a connection (pn_sio_errno() 0); a
 *         system call failed, e.g. ECONNREFUSED; the host did not resolve
 *         (EADDRNOTAVAIL)
 * @retval PN_ERR_TIMEOUT the timeout passed
 * @retval PN_ERR_MISSING_KEY the pattern needs `expect` and it is NULL
 * @retval PN_ERR_DH, PN_ERR_MISSING_PSK and the other errors of
 *         pn_engine_conn_open(): a key or PSK the pattern rejects
 * @retval PN_ERR_HANDSHAKE_FAILED the handshake failed or the peer left
 *         during it; pn_sio_reason() says why (UNEXPECTED_KEY,
 *         HANDSHAKE_FAILED, HANDSHAKE_TIMEOUT, TRANSPORT_CLOSED,
 *         UNAUTHORIZED...)
 * @retval PN_ERR_FATAL or below: the engine failed
 */
int pn_sio_connect(pn_sio *s, const char *hostport, const pn_peer_id *expect,
                   pn_time timeout) PN_WUR;

/**
 * Waits for one connection on `listen_fd` (a listening stream socket, left
 * open) and runs the handshake as responder. Returns when the peer is
 * connected and the last handshake message is written.
 *
 * @param s         an idle pn_sio
 * @param listen_fd from pn_sio_listen() or the caller's own
 * @param expect    (optional) the initiator's static key: required by
 *                  patterns that know it in advance (KN, KK, KX...),
 *                  otherwise the key the peer proves must be this one
 * @param timeout   for the accept and the handshake together
 * @return 0 or an error
 * @retval PN_ERR_INVALID_ARGUMENT NULL `s`, a negative `listen_fd`,
 *         `expect` of the wrong length
 * @retval PN_ERR_INVALID_STATE `s` has a connection (pn_sio_errno() 0);
 *         accept() failed (errno)
 * @retval PN_ERR_TIMEOUT the timeout passed
 * @retval PN_ERR_MISSING_KEY the pattern needs `expect` and it is NULL
 * @retval PN_ERR_DH, PN_ERR_MISSING_PSK and the other errors of
 *         pn_engine_conn_open(): a key or PSK the pattern rejects
 * @retval PN_ERR_HANDSHAKE_FAILED as pn_sio_connect(); the listening socket
 *         is fine, call again for the next connection
 * @retval PN_ERR_FATAL or below: the engine failed
 */
int pn_sio_accept(pn_sio *s, int listen_fd, const pn_peer_id *expect,
                  pn_time timeout) PN_WUR;

/**
 * Runs the handshake over `fd`, a stream socket already connected (a TCP
 * socket, one end of a socketpair()); sio owns `fd` from this call on,
 * whatever it returns. pn_sio_connect() and pn_sio_accept() end here.
 *
 * @param s       an idle pn_sio
 * @param fd      the connected socket
 * @param dir     PN_DIR_OUTBOUND to initiate, PN_DIR_INBOUND to respond
 * @param expect  (optional) the peer's static key, as pn_sio_connect()
 * @param timeout for the handshake
 * @return 0 or an error
 * @retval PN_ERR_INVALID_ARGUMENT NULL `s`, a negative `fd`, a bad `dir`,
 *         `expect` of the wrong length
 * @retval PN_ERR_INVALID_STATE `s` has a connection (pn_sio_errno() 0), a
 *         system call failed (errno)
 * @retval PN_ERR_TIMEOUT the timeout passed
 * @retval PN_ERR_MISSING_KEY the pattern needs `expect` and it is NULL
 * @retval PN_ERR_DH, PN_ERR_MISSING_PSK and the other errors of
 *         pn_engine_conn_open(): a key or PSK the pattern rejects
 * @retval PN_ERR_HANDSHAKE_FAILED as pn_sio_connect()
 * @retval PN_ERR_FATAL or below: the engine failed
 */
int pn_sio_handshake(pn_sio *s, int fd, pn_dir dir, const pn_peer_id *expect,
                     pn_time timeout) PN_WUR;

/**
 * Sends `msg` as one message and waits until it is written to the socket.
 * On a timeout the message stays queued in the engine and goes out during
 * later calls; it is never cut or sent twice.
 *
 * @param s       a connected pn_sio
 * @param msg     the message (may be NULL when `len` is 0)
 * @param len     its length, at most max_message
 * @param timeout how long to wait for the socket
 * @return 0 or an error
 * @retval PN_ERR_INVALID_ARGUMENT NULL `s`, NULL `msg` with `len` > 0
 * @retval PN_ERR_MSG_TOO_LARGE `len` is over max_message (nothing sent;
 *         pn_sio_errsize() is `len`)
 * @retval PN_ERR_NOT_FOUND no connection, or it ended (pn_sio_reason())
 * @retval PN_ERR_OVERFLOW the engine's queue still has no room for it when
 *         everything before it is written (the pool is short)
 * @retval PN_ERR_INVALID_STATE writing failed (errno; the connection is
 *         lost)
 * @retval PN_ERR_TIMEOUT the timeout passed (the message is queued)
 * @retval PN_ERR_NONCE_EXHAUSTED the key is used up; the connection ends
 * @retval PN_ERR_FATAL or below: the engine failed
 */
int pn_sio_send(pn_sio *s, const void *msg, size_t len, pn_time timeout) PN_WUR;

/**
 * Receives the next whole message into `buf`. Messages come in order;
 * those that arrived before the peer left are all returned before
 * PN_ERR_NOT_FOUND.
 *
 * @param s       a connected pn_sio
 * @param buf     where the message goes (may be NULL when `cap` is 0)
 * @param cap     its size
 * @param timeout how long to wait for a message
 * @return the message's length (0 for an empty message), or an error
 * @retval PN_ERR_INVALID_ARGUMENT NULL `s`, NULL `buf` with `cap` > 0
 * @retval PN_ERR_NOBUF the message is larger than `cap`; it is dropped,
 *         pn_sio_errsize() is its size; the next call returns the next one
 * @retval PN_ERR_MSG_TOO_LARGE the peer sent a message over max_message;
 *         it is dropped, pn_sio_errsize() is its declared size; the next
 *         call returns the next one
 * @retval PN_ERR_NOT_FOUND no connection, or it ended: pn_sio_reason()
 *         says why (REMOTE_CLOSED: the peer closed; TRANSPORT_CLOSED: the
 *         socket closed without a close frame, the normal end in the plain
 *         profile; IDLE_TIMEOUT, AUTH_FAILED...)
 * @retval PN_ERR_TIMEOUT the timeout passed (nothing is lost)
 * @retval PN_ERR_INVALID_STATE a system call failed (errno)
 * @retval PN_ERR_FATAL or below: the engine failed
 */
ptrdiff_t pn_sio_recv(pn_sio *s, void *buf, size_t cap, pn_time timeout) PN_WUR;

/**
 * Ends the connection gracefully: queued messages, then the encrypted
 * close frame (framed profile; the plain profile has none), then the
 * socket is closed. Messages received meanwhile are dropped. After the
 * timeout the socket is closed anyway. The pn_sio is then idle: it can
 * connect or accept again, and pn_sio_peer() still tells who it was.
 * Closing an idle pn_sio or a connection the peer ended does nothing more
 * than close the socket.
 *
 * @param s       the pn_sio
 * @param timeout how long to wait for the close frame to be written
 * @return 0 or an error (the socket is closed either way)
 * @retval PN_ERR_INVALID_ARGUMENT NULL `s`
 * @retval PN_ERR_TIMEOUT the timeout passed before the close frame was
 *         written
 * @retval PN_ERR_INVALID_STATE writing failed (errno)
 * @retval PN_ERR_FATAL or below: the engine failed
 */
int pn_sio_close(pn_sio *s, pn_time timeout);

/**
 * The peer of the last connection: its id, who dialled, the handshake hash
 * (`hash`, `hash_len`); while it is connected also the engine's counters
 * (see pn_peer_info), after it ended those as they were last seen.
 *
 * @return 0 or an error
 * @retval PN_ERR_INVALID_ARGUMENT NULL `s` or `out`
 * @retval PN_ERR_NOT_FOUND no handshake has completed since the last
 *         connect or accept
 */
int pn_sio_peer(const pn_sio *s, pn_peer_info *out) PN_WUR;

/** The local static public key as a peer id (len 0 if the pattern has
 *  none), to give to peers that require it. */
void pn_sio_local_id(const pn_sio *s, pn_peer_id *out);

/** The socket of the connection, or -1; for getsockopt() and the like
 *  only: reading or writing it breaks the connection. */
int pn_sio_fd(const pn_sio *s);

/** The engine, for its read-only views (pn_engine_memory()...). */
const pn_engine *pn_sio_engine(const pn_sio *s);

/** The last error of `s` as text: pn_strerror() of its code, then what
 *  failed and why ("no room in the buffer: a message of 70000 bytes, the
 *  buffer holds 4096"). "" when there was none; never NULL. */
const char *pn_sio_errmsg(const pn_sio *s);

/** The errno of the last error (ETIMEDOUT for a timeout), 0 if it was not
 *  a system call's. */
int pn_sio_errno(const pn_sio *s);

/** Why the last connection ended or its handshake failed
 *  (PN_REASON_NONE while it is up or before the first). */
pn_reason pn_sio_reason(const pn_sio *s);

/** The remote's reason from its close frame (a pn_reason from a
 *  well-behaved peer), 0 if none. */
int pn_sio_remote_reason(const pn_sio *s);

/** The message size the last PN_ERR_NOBUF or PN_ERR_MSG_TOO_LARGE
 *  concerned, 0 after other errors. */
uint64_t pn_sio_errsize(const pn_sio *s);

#ifdef __cplusplus
}
#endif
#endif
