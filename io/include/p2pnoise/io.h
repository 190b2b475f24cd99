/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * p2pnoise io: the reference driver. A thin layer over the engine's public
 * API (engine.h), in the relationship BearSSL's ssl_io.c has to its engine:
 * it moves bytes between TCP sockets and the engine, reads the clock and
 * sleeps until the engine's deadline or socket readiness. It never decides
 * protocol: handshakes, limits, timers and routing all stay in the engine.
 *
 * One poll() loop, no threads, CLOCK_MONOTONIC. Sockets are non-blocking so
 * that one slow peer cannot stall the others (two peers both blocked in a
 * large write would deadlock). TCP over IPv4 and IPv6, listen and dial, a
 * dial timeout and optional redial with exponential backoff. Handles partial
 * writes, EINTR, connection reset, half-close (after EOF the bytes already
 * read go to the engine and its replies are written before the transport
 * counts as closed), EMFILE on accept (a reserve descriptor is given
 * up to accept and shed the connection, so there is no busy loop), SIGPIPE
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

typedef struct pn_io pn_io;

/* An engine event, as the engine reported it (borrowed for the call). The
 * handler may call into the engine (send, broadcast, disconnect, shutdown)
 * and into pn_io_dial/pn_io_stop; it must not free the driver. */
typedef void (*pn_io_event_fn)(void *user, pn_io *io, const pn_action *a);

/* Defaults for pn_io_config (0 in a field means the default). */
#define PN_IO_DEFAULT_DIAL_TIMEOUT (5 * PN_SEC)
#define PN_IO_DEFAULT_REDIAL_MIN   (100 * PN_MSEC)
#define PN_IO_DEFAULT_REDIAL_MAX   (30 * PN_SEC)
enum { PN_IO_DEFAULT_RX_BUF = 64 * 1024, PN_IO_MAX_LISTENERS = 8 };

typedef struct pn_io_config {
  pn_io_event_fn on_event; /* NULL: events are dropped */
  void *user;
  pn_time dial_timeout; /* per dial attempt */
  pn_time redial_min;   /* first backoff step, doubled after each failure */
  pn_time redial_max;
  size_t rx_buf;    /* per-connection read buffer */
  size_t max_write; /* largest single write (0: no cap); for tests */
  /* The initiator's static key for every inbound connection, for patterns
   * that know it in advance (KN, KK, KX); NULL: none. Copied. */
  const pn_peer_id *inbound_expect;
} pn_io_config;

/* CLOCK_MONOTONIC in nanoseconds: the |now| of every engine input. */
pn_time pn_io_now(void);

/* Ignores SIGPIPE and turns SIGINT/SIGTERM into a graceful shutdown of
 * every driver's engine (see pn_io_stop); a second signal stops at once. */
int pn_io_install_signals(void);

/* A driver for |e|, which stays the caller's (free the driver first). */
int pn_io_new(pn_io **out, pn_engine *e, const pn_io_config *cfg) PN_WUR;
/* Closes every socket; the engine is not told (free or wipe it next). */
void pn_io_free(pn_io *io);
pn_engine *pn_io_engine(const pn_io *io);
/* The errno of the last failed system call (listen, dial). */
int pn_io_errno(const pn_io *io);

/* Listens on "HOST:PORT" ("127.0.0.1:0", "[::1]:7000", "[::]:7000",
 * ":7000" for every IPv4 address; one socket per call, IPV6_V6ONLY). Port 0
 * picks one: pn_io_port() tells which. The first listener makes the engine
 * report LISTENING. */
int pn_io_listen(pn_io *io, const char *hostport) PN_WUR;
/* The local port of listener |i| (0 if none). */
unsigned pn_io_port(const pn_io *io, size_t i);

/* Dials "HOST:PORT" (numeric or a name). |expect| (optional) is the peer's
 * static key, as pn_engine_conn_open takes it. With |redial|, a failed dial
 * or a lost connection is dialled again after a backoff (redial_min, doubled
 * up to redial_max, reset by a handshake that completes). Returns a dial
 * handle >= 1 or a negative error. */
int pn_io_dial(pn_io *io, const char *hostport, const pn_peer_id *expect,
               int redial) PN_WUR;
/* Stops redialling |handle| (the connection, if any, is left alone). */
void pn_io_dial_cancel(pn_io *io, int handle);

/* Starts a graceful shutdown: the engine flushes queued messages and closes
 * every connection; pn_io_run returns after its CLOSED event. Safe from
 * an event handler. */
void pn_io_stop(pn_io *io);
/* 1 once the engine reported CLOSED (or failed fatally). */
int pn_io_done(const pn_io *io);

/* One turn of the loop for |n| drivers: waits at most |max_wait| ns (0:
 * just poll) for a socket or a deadline, then carries out everything due.
 * Returns 0, or a fatal engine error. */
int pn_io_step_many(pn_io *const *ios, size_t n, pn_time max_wait) PN_WUR;
int pn_io_step(pn_io *io, pn_time max_wait) PN_WUR;
/* Steps until the engine is CLOSED. */
int pn_io_run(pn_io *io) PN_WUR;

/* Carries out every pending engine action now; call it after feeding the
 * engine (pn_engine_send...) outside an event handler if the loop will not
 * turn soon. pn_io_step does it anyway. */
int pn_io_flush(pn_io *io) PN_WUR;

/* Watches one extra descriptor (stdin for the CLI): |fn| runs when it is
 * readable or hung up. fd -1 removes the watch. One per driver. */
typedef void (*pn_io_fd_fn)(void *user, pn_io *io, int fd);
void pn_io_watch(pn_io *io, int fd, pn_io_fd_fn fn, void *user);

/* Inbound connections the engine refused at open (over max_conns or
 * max_handshakes), closed at once. */
uint64_t pn_io_refused(const pn_io *io);

/* Live transport connections (sockets) and pending dials. */
size_t pn_io_conn_count(const pn_io *io);

/* Formats |id| as lowercase hex into |buf| (2*len+1 bytes); returns buf. */
char *pn_io_hex(const uint8_t *p, size_t n, char *buf);
/* Parses hex into |out| (exactly |n| bytes); 0 or PN_ERR_INVALID_ARGUMENT. */
int pn_io_unhex(const char *s, uint8_t *out, size_t n) PN_WUR;

#ifdef __cplusplus
}
#endif
#endif
