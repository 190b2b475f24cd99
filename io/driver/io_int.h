/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The driver's internals, shared by pn_io.c (loop, actions), io_net.c
 * (addresses, listen, dial, accept) and io_poll.c (epoll or poll); pn_sio.c
 * takes its address parsing. */
#ifndef PN_IO_INT_H
#define PN_IO_INT_H

#include <p2pnoise/io.h>

#include <netdb.h>

/* Readiness interest and results. */
enum { IO_RD = 1, IO_WR = 2, IO_HUP = 4 };
/* What a registered pointer is. */
enum { K_CONN = 1, K_LISTEN = 2, K_WATCH = 3 };
enum { C_CONNECTING = 1, C_OPEN = 2 };
/* Events taken per wait; a full batch means another wait at once. */
enum { IO_MAXEV = 256, IO_MAX_GROUP = 64 };

typedef struct io_src {
  int kind;
  int fd;
} io_src;

typedef struct io_conn io_conn;
struct io_conn {
  io_src src; /* first: the poller's pointer */
  uint8_t state, dead, eof, wblocked, resume, todo, interest;
  uint32_t idx; /* in io->c while alive */
  int dial;     /* dial handle, 0: inbound */
  pn_conn_id id;
  uint8_t *rx; /* bytes the engine has not taken yet (only while held) */
  uint32_t rxoff, rxlen;
  io_conn *next;          /* todo list */
  io_conn *dnext;         /* dead list */
  io_conn *cprev, *cnext; /* connecting list, in dial deadline order */
  pn_time dial_deadline;
  struct addrinfo *ai_next; /* further addresses of this dial */
};

typedef struct io_dial {
  int handle;
  uint8_t redial, active, cancelled, has_expect;
  char host[256], port[8];
  pn_peer_id expect;
  pn_time backoff;
  pn_time next_at; /* PN_TIME_NEVER: not scheduled */
  struct addrinfo *ai;
} io_dial;

struct pn_io {
  pn_engine *e;
  pn_io_config cfg;
  io_src lsrc[PN_IO_MAX_LISTENERS];
  uint8_t lint[PN_IO_MAX_LISTENERS]; /* listener interest */
  unsigned lport[PN_IO_MAX_LISTENERS];
  size_t nl;
  int listening_told;
  int reserve_fd; /* given up on EMFILE to accept and shed one connection */
  pn_time accept_paused_until;
  int emfile_told;
  io_conn **c; /* live connections */
  size_t nc, capc;
  io_conn *todo, *dead;
  io_conn *chead, *ctail; /* connecting */
  io_dial **d;            /* by handle - 1 */
  size_t nd, capd;
  pn_time redial_at; /* earliest next_at of any dial */
  int stop_req, stopped, closed, fatal;
  int err;
  uint64_t nactions;
  pn_time deadline; /* from the engine's last DEADLINE */
  pn_peer_id in_expect;
  int has_in_expect;
  io_src wsrc; /* pn_io_watch */
  uint8_t wint;
  pn_io_fd_fn wfn;
  void *wuser;
  uint8_t *rxbuf;  /* shared by every connection */
  size_t nblocked; /* connections with wblocked */
  pn_io_stats st;
  /* poller */
  int pfd; /* epoll descriptor (-1 with poll) */
  size_t nev, evpos;
  void *evs;
};

/* io_poll.c */
int poller_init(pn_io *io);
void poller_free(pn_io *io);
/* Changes the interest of |src| from |old| to |want| (0: unregistered). */
int poller_set(pn_io *io, io_src *src, unsigned old, unsigned want);
/* Waits on every driver of the group for at most |ms| (-1: forever). */
int poller_wait(pn_io *const *ios, size_t n, int ms);
/* The next ready source of |io| after a wait, or NULL. */
io_src *poller_next(pn_io *io, unsigned *ev);

/* pn_io.c */
int io_pump(pn_io *io);
void io_conn_drop(pn_io *io, io_conn *c, int tell_engine, pn_time now);
io_conn *io_conn_new(pn_io *io, int fd, int state);
void io_set_interest(pn_io *io, io_conn *c);
void io_todo(pn_io *io, io_conn *c);

/* io_net.c */
int io_split_hostport(const char *s, char *host, size_t hl, char *port,
                      size_t pl);
io_dial *io_dial_get(pn_io *io, int handle);
void io_dial_failed(pn_io *io, io_conn *c, int err, pn_time now);
void io_dial_lost(pn_io *io, io_dial *d, pn_time now);
int io_dial_start(pn_io *io, io_dial *d, pn_time now);
int io_conn_connected(pn_io *io, io_conn *c, pn_time now);
/* Takes |c| off the list of connections being dialled. */
void io_conn_unlist_connecting(pn_io *io, io_conn *c);
int io_accept(pn_io *io, io_src *l, pn_time now);
void io_dials_due(pn_io *io, pn_time now);
void io_accept_resume(pn_io *io);
void io_listeners(pn_io *io, unsigned want);
void io_notice(pn_io *io, const pn_io_notice *n);

#endif
