/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/**
 * @file io.h
 * @brief p2pnoise io: the reference driver.
 *
 * A thin layer over the engine's public API (engine.h), in the relationship
 * BearSSL's ssl_io.c has to its engine: it moves bytes between TCP sockets and
 * the engine, reads the clock and sleeps until the engine's deadline or socket
 * readiness. It never decides protocol: handshakes, limits, timers and routing
 * all stay in the engine.
 *
 * One epoll loop (Linux; elsewhere, drive the engine from your own loop), no
 * threads, CLOCK_MONOTONIC. A wakeup costs O(ready sockets) and allocates
 * nothing; one read buffer serves every connection, and bytes the engine
 * holds back are copied aside only until its RESUME. Sockets are
 * non-blocking so that one slow peer cannot stall the others (two peers
 * both blocked in a large write would deadlock). Input moves again only on
 * the engine's RESUME, output on socket writability: no polling timer. TCP over
 * IPv4 and IPv6, listen and dial, a dial timeout and optional redial with
 * exponential backoff. Handles partial writes, EINTR, connection reset,
 * half-close (after EOF the bytes already read go to the engine and its replies
 * are written before the transport counts as closed), EMFILE on accept (a
 * reserve descriptor is given up to accept and shed the connection, so there is
 * no busy loop; accept pauses until a descriptor is freed), SIGPIPE
 * (MSG_NOSIGNAL, and ignored), and SIGINT/SIGTERM as a graceful engine
 * shutdown that flushes queued messages.
 *
 * Several drivers (each over its own engine) can share one loop through
 * pn_io_step_many(): the demo and the tests run whole networks in one
 * process that way.
 *
 * Errors: 0 or a negative pn_error; a failed system call gives
 * PN_ERR_INVALID_STATE with errno kept (see pn_io_errno()).
 */
#ifndef P2PNOISE_IO_H
#define P2PNOISE_IO_H

#include <p2pnoise/engine.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A driver: one engine, its sockets and its loop (opaque). */
typedef struct pn_io pn_io;

/**
 * An engine event, as the engine reported it (@p a is borrowed for the
 * call). The handler may call into the engine (send, broadcast, disconnect,
 * shutdown) and into pn_io_dial() and pn_io_stop(); it must not free the
 * driver.
 */
typedef void (*pn_io_event_fn)(void *user, pn_io *io, const pn_action *a);

/** Default pn_io_config::dial_timeout. */
#define PN_IO_DEFAULT_DIAL_TIMEOUT (5 * PN_SEC)
/** Default pn_io_config::redial_min. */
#define PN_IO_DEFAULT_REDIAL_MIN (100 * PN_MSEC)
/** Default pn_io_config::redial_max. */
#define PN_IO_DEFAULT_REDIAL_MAX (30 * PN_SEC)
/** Sizes of the driver. */
enum {
  PN_IO_DEFAULT_RX_BUF = 64 * 1024, /**< Default pn_io_config::rx_buf. */
  PN_IO_MAX_LISTENERS = 8 /**< Listening sockets per driver, at most. */
};

/** What the driver itself tells the application (not engine events). */
typedef enum pn_io_notice_type {
  /** A dial attempt failed (every address tried): |addr|, |err| (errno) or
   * |error| (the engine refused to open it), |retry_at|. */
  PN_IO_DIAL_FAILED = 1,
  /** An inbound connection the engine refused at open (|error|:
   * PN_ERR_CONN_LIMIT, PN_ERR_HANDSHAKE_LIMIT...), closed at once. */
  PN_IO_REFUSED = 2,
  /** accept() failed for want of descriptors (|err| EMFILE or ENFILE): the
   * pending connection was shed. Once per episode. */
  PN_IO_ACCEPT_FAILED = 3
} pn_io_notice_type;

/** A notice from the driver, valid during the callback only. */
typedef struct pn_io_notice {
  pn_io_notice_type type; /**< what happened */
  int handle;             /**< dial handle (DIAL_FAILED), else 0 */
  const char *addr; /**< "host:port" dialled, or the remote's (borrowed) */
  int err;          /**< errno, or 0 */
  int error;        /**< a pn_error, or 0 */
  pn_time retry_at; /**< next dial attempt; PN_TIME_NEVER: none */
} pn_io_notice;

/** Receives the driver's notices (pn_io_config::on_notice). */
typedef void (*pn_io_notice_fn)(void *user, pn_io *io, const pn_io_notice *n);

/** Counters, for tests and benchmarks. */
typedef struct pn_io_stats {
  uint64_t wakeups;  /**< waits that found a source ready */
  uint64_t reads;    /**< recv() calls */
  uint64_t writes;   /**< send() calls */
  uint64_t accepts;  /**< connections accepted */
  size_t held;       /**< bytes copied aside for connections now */
  size_t mem;        /**< driver heap now: tables, read buffer, held bytes */
  size_t conn_bytes; /**< heap per live connection (struct and table slot) */
} pn_io_stats;

/** Settings of a driver; 0 in a field means its default. */
typedef struct pn_io_config {
  pn_io_event_fn on_event; /**< NULL: events are dropped */
  void *user;              /**< passed to on_event and on_notice */
  pn_time dial_timeout;    /**< per dial attempt */
  pn_time redial_min; /**< first backoff step, doubled after each failure */
  pn_time redial_max; /**< largest backoff step */
  size_t rx_buf;      /**< the shared read buffer (at least 64 KiB) */
  size_t max_write;   /**< largest single write (0: no cap); for tests */
  int backlog;        /**< listen backlog (0: SOMAXCONN) */
  pn_io_notice_fn on_notice; /**< NULL: notices are dropped */
  /** The initiator's static key for every inbound connection, for patterns
   * that know it in advance (KN, KK, KX); NULL: none. Copied. */
  const pn_peer_id *inbound_expect;
} pn_io_config;

/** CLOCK_MONOTONIC in nanoseconds: the `now` of every engine input. */
pn_time pn_io_now(void);

/**
 * Ignores SIGPIPE and turns SIGINT and SIGTERM into a graceful shutdown of
 * every driver's engine (see pn_io_stop()); a second signal stops at once.
 *
 * @return PN_OK, or PN_ERR_INVALID_STATE if sigaction() failed.
 */
int pn_io_install_signals(void);

/**
 * A driver for @p e, which stays the caller's (free the driver first).
 *
 * @param out  receives the driver.
 * @param e    the engine to drive.
 * @param cfg  settings, copied; NULL for every default.
 * @return PN_OK, PN_ERR_INVALID_ARGUMENT or PN_ERR_NOMEM.
 */
int pn_io_new(pn_io **out, pn_engine *e, const pn_io_config *cfg) PN_WUR;
/** Closes every socket and frees @p io (NULL is ignored); the engine is
 * not told (free or wipe it next). */
void pn_io_free(pn_io *io);
/** The engine @p io drives. */
pn_engine *pn_io_engine(const pn_io *io);
/** The errno of the last failed system call (listen, dial). */
int pn_io_errno(const pn_io *io);

/** Listens on "HOST:PORT" (port 0..65535; "127.0.0.1:0", "[::1]:7000",
 * "[::]:7000",
 * ":7000" for every IPv4 address; one socket per call, IPV6_V6ONLY). Port 0
 * picks one: pn_io_port() tells which. The first listener makes the engine
 * report LISTENING.
 *
 * @return PN_OK; PN_ERR_INVALID_ARGUMENT for a malformed address or more
 *         than PN_IO_MAX_LISTENERS; PN_ERR_INVALID_STATE when a system
 *         call failed (pn_io_errno() says why).
 */
int pn_io_listen(pn_io *io, const char *hostport) PN_WUR;
/** NULL if |hostport| is a valid address to listen on (|listen| 1, port
 * 0..65535, host optional) or to dial (port 1..65535), else a short reason
 * ("no ':PORT' (HOST:PORT)"...). */
const char *pn_io_addr_check(const char *hostport, int listen);
/** The local port of listener |i| (0 if none). */
unsigned pn_io_port(const pn_io *io, size_t i);

/** Dials "HOST:PORT" (numeric or a name; port 1..65535). |expect| (optional) is
 * the peer's static key, as pn_engine_conn_open takes it. With |redial|, a
 * failed dial or a lost connection is dialled again after a backoff
 * (redial_min, doubled up to redial_max, reset by a handshake that completes).
 * Returns a dial handle >= 1 or a negative error. */
int pn_io_dial(pn_io *io, const char *hostport, const pn_peer_id *expect,
               int redial) PN_WUR;
/** Stops redialling @p handle (the connection, if any, is left alone). */
void pn_io_dial_cancel(pn_io *io, int handle);

/** Starts a graceful shutdown: the engine flushes queued messages and
 * closes every connection; pn_io_run() returns after its CLOSED event. Safe
 * from an event handler. */
void pn_io_stop(pn_io *io);
/** 1 once a stop was asked (pn_io_stop, a signal) or the engine closed. */
int pn_io_stopping(const pn_io *io);
/** 1 once the engine reported CLOSED (or failed fatally). */
int pn_io_done(const pn_io *io);

/**
 * One turn of the loop for @p n drivers: waits at most @p max_wait ns (0:
 * just poll) for a socket or a deadline, then carries out everything due.
 *
 * @return PN_OK, or a fatal engine error.
 */
int pn_io_step_many(pn_io *const *ios, size_t n, pn_time max_wait) PN_WUR;
/** pn_io_step_many() for one driver. */
int pn_io_step(pn_io *io, pn_time max_wait) PN_WUR;
/** Steps until the engine is CLOSED; PN_OK, or a fatal engine error. */
int pn_io_run(pn_io *io) PN_WUR;

/** Carries out every pending engine action now; call it after feeding the
 * engine (pn_engine_send()...) outside an event handler if the loop will
 * not turn soon. pn_io_step() does it anyway. PN_OK or a fatal error. */
int pn_io_flush(pn_io *io) PN_WUR;

/** Called when the watched descriptor @p fd is readable or hung up. */
typedef void (*pn_io_fd_fn)(void *user, pn_io *io, int fd);
/** Watches one extra descriptor (stdin for the CLI): @p fn runs when it is
 * readable or hung up. fd -1 or a NULL @p fn removes the watch. One per
 * driver. */
void pn_io_watch(pn_io *io, int fd, pn_io_fd_fn fn, void *user);

/** Live transport connections (sockets), pending dials included. */
size_t pn_io_conn_count(const pn_io *io);
/** Dials still going: connecting, connected, or a redial scheduled. */
size_t pn_io_dialing(const pn_io *io);
/** Connections whose output waits for the socket: 0 means every SEND the
 * engine gave is in the kernel (pn_io_flush first). */
size_t pn_io_blocked(const pn_io *io);
/** Fills @p out with the driver's counters now. */
void pn_io_stats_get(const pn_io *io, pn_io_stats *out);

/** Raises the soft RLIMIT_NOFILE towards |want| descriptors (up to the hard
 * limit); returns the soft limit now. */
size_t pn_io_raise_nofile(size_t want);

/** Formats @p n bytes at @p p as lowercase hex into @p buf (2n+1 bytes);
 * returns @p buf (an empty string on failure). Same as pn_hex_encode(). */
char *pn_io_hex(const uint8_t *p, size_t n, char *buf);
/** Parses exactly 2 @p n hex digits into @p out; PN_OK or
 * PN_ERR_INVALID_ARGUMENT. */
int pn_io_unhex(const char *s, uint8_t *out, size_t n) PN_WUR;

#ifdef __cplusplus
}
#endif
#endif
