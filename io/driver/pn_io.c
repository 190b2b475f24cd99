/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The reference driver (see io.h): the loop and the engine's actions.
 * Everything protocol-related is the engine's; this file only moves bytes,
 * keeps sockets and reads the clock. io_net.c dials and accepts, io_poll.c
 * waits for readiness.
 */
#define _GNU_SOURCE /* MSG_NOSIGNAL */

#include "io_int.h"
#include <p2pnoise/keys.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_signals;
static int g_trace = -1; /* PN_IO_TRACE=1: every action on stderr */

static void on_signal(int sig) {
  (void)sig;
  g_signals++;
}

pn_time pn_io_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (pn_time)ts.tv_sec * PN_SEC + (pn_time)ts.tv_nsec;
}

int pn_io_install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  if (sigaction(SIGPIPE, &sa, NULL) != 0) return PN_ERR_INVALID_STATE;
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* No SA_RESTART: the wait must end with EINTR so the loop sees the flag. */
  if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
    return PN_ERR_INVALID_STATE;
  return PN_OK;
}

/* Kept for existing callers; the codec is keys.h's. */
char *pn_io_hex(const uint8_t *p, size_t n, char *buf) {
  if (pn_hex_encode(buf, 2 * n + 1, p, n) != PN_OK) buf[0] = 0;
  return buf;
}

int pn_io_unhex(const char *s, uint8_t *out, size_t n) {
  size_t got;
  if (!s || strlen(s) != 2 * n) return PN_ERR_INVALID_ARGUMENT;
  return pn_hex_decode(out, n, &got, s, 2 * n) ? PN_ERR_INVALID_ARGUMENT
                                               : PN_OK;
}

int pn_io_new(pn_io **out, pn_engine *e, const pn_io_config *cfg) {
  if (!out || !e) return PN_ERR_INVALID_ARGUMENT;
  pn_io *io = calloc(1, sizeof *io);
  if (!io) return PN_ERR_NOMEM;
  io->e = e;
  io->deadline = PN_TIME_NEVER; /* until the engine's first DEADLINE */
  io->redial_at = PN_TIME_NEVER;
  io->pfd = -1;
  io->wsrc = (io_src){K_WATCH, -1};
  if (cfg) io->cfg = *cfg;
  if (io->cfg.inbound_expect) {
    io->in_expect = *io->cfg.inbound_expect;
    io->has_in_expect = 1;
    io->cfg.inbound_expect = NULL; /* the copy is used */
  }
  if (!io->cfg.dial_timeout) io->cfg.dial_timeout = PN_IO_DEFAULT_DIAL_TIMEOUT;
  if (!io->cfg.redial_min) io->cfg.redial_min = PN_IO_DEFAULT_REDIAL_MIN;
  if (!io->cfg.redial_max) io->cfg.redial_max = PN_IO_DEFAULT_REDIAL_MAX;
  /* A whole frame (64 KiB) must fit: the engine may need it to move. */
  if (io->cfg.rx_buf < PN_IO_DEFAULT_RX_BUF)
    io->cfg.rx_buf = PN_IO_DEFAULT_RX_BUF;
  if (io->cfg.rx_buf > UINT32_MAX) io->cfg.rx_buf = UINT32_MAX;
  io->rxbuf = malloc(io->cfg.rx_buf);
  if (!io->rxbuf || poller_init(io) != PN_OK) {
    pn_io_free(io);
    return PN_ERR_NOMEM;
  }
  io->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (g_trace < 0) g_trace = getenv("PN_IO_TRACE") != NULL;
  *out = io;
  return PN_OK;
}

static void conn_free(io_conn *c) {
  if (c->src.fd >= 0) close(c->src.fd);
  free(c->rx);
  free(c);
}

static void free_dead(pn_io *io) {
  while (io->dead) {
    io_conn *c = io->dead;
    io->dead = c->dnext;
    conn_free(c);
  }
}

void pn_io_free(pn_io *io) {
  if (!io) return;
  for (size_t i = 0; i < io->nc; i++)
    conn_free(io->c[i]);
  free_dead(io);
  for (size_t i = 0; i < io->nl; i++)
    close(io->lsrc[i].fd);
  for (size_t i = 0; i < io->nd; i++) {
    if (io->d[i]->ai) freeaddrinfo(io->d[i]->ai);
    free(io->d[i]);
  }
  if (io->reserve_fd > 0) close(io->reserve_fd);
  poller_free(io);
  free(io->rxbuf);
  free(io->c);
  free(io->d);
  free(io);
}

pn_engine *pn_io_engine(const pn_io *io) {
  return io->e;
}
int pn_io_errno(const pn_io *io) {
  return io->err;
}
int pn_io_done(const pn_io *io) {
  return io->closed || io->fatal;
}
unsigned pn_io_port(const pn_io *io, size_t i) {
  return i < io->nl ? io->lport[i] : 0;
}
void pn_io_stop(pn_io *io) {
  io->stop_req = 1;
}
int pn_io_stopping(const pn_io *io) {
  return io->stop_req || io->stopped || io->closed || g_signals;
}
size_t pn_io_conn_count(const pn_io *io) {
  return io->nc;
}
size_t pn_io_blocked(const pn_io *io) {
  return io->nblocked;
}

void pn_io_stats_get(const pn_io *io, pn_io_stats *out) {
  *out = io->st;
  out->conn_bytes = sizeof(io_conn) + sizeof(io_conn *);
  out->mem = sizeof *io + io->capc * sizeof(io_conn *) +
             io->nc * sizeof(io_conn) + io->capd * sizeof(io_dial *) +
             io->nd * sizeof(io_dial) + io->cfg.rx_buf + io->st.held +
             IO_MAXEV * 16;
}

void pn_io_watch(pn_io *io, int fd, pn_io_fd_fn fn, void *user) {
  if (io->wint) poller_set(io, &io->wsrc, io->wint, 0);
  io->wint = 0;
  io->wsrc.fd = fn ? fd : -1;
  io->wfn = fn;
  io->wuser = user;
  if (io->wsrc.fd >= 0 && poller_set(io, &io->wsrc, 0, IO_RD) == PN_OK)
    io->wint = IO_RD;
}

/* ---- Connections --------------------------------------------------------- */

io_conn *io_conn_new(pn_io *io, int fd, int state) {
  if (io->nc == io->capc) {
    size_t cap = io->capc ? 2 * io->capc : 16;
    io_conn **n = realloc(io->c, cap * sizeof *n);
    if (!n) return NULL;
    io->c = n;
    io->capc = cap;
  }
  io_conn *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->src = (io_src){K_CONN, fd};
  c->state = (uint8_t)state;
  c->idx = (uint32_t)io->nc;
  io->c[io->nc++] = c;
  return c;
}

/* What the socket is watched for: connecting, write room after a partial
 * write, input unless bytes are held back or the peer sent EOF. */
void io_set_interest(pn_io *io, io_conn *c) {
  unsigned want = 0;
  if (!c->dead) {
    if (c->state == C_CONNECTING || c->wblocked) want |= IO_WR;
    if (c->state == C_OPEN && c->id && !c->rxlen && !c->eof) want |= IO_RD;
  }
  if (want != c->interest && poller_set(io, &c->src, c->interest, want) == 0)
    c->interest = (uint8_t)want;
}

void io_todo(pn_io *io, io_conn *c) {
  if (c->todo || c->dead) return;
  c->todo = 1;
  c->next = io->todo;
  io->todo = c;
}

static void set_wblocked(pn_io *io, io_conn *c, int on) {
  if (c->wblocked == on) return;
  c->wblocked = (uint8_t)on;
  if (on)
    io->nblocked++;
  else
    io->nblocked--;
}

/* The socket is gone: tell nobody (CLOSE action) or the engine (transport
 * closed); the struct is freed at the end of the step. */
void io_conn_drop(pn_io *io, io_conn *c, int tell_engine, pn_time now) {
  if (c->dead) return;
  set_wblocked(io, c, 0);
  c->dead = 1;
  io_set_interest(io, c);
  if (c->src.fd >= 0) close(c->src.fd);
  c->src.fd = -1;
  if (c->rx) {
    io->st.held -= c->rxlen;
    free(c->rx);
    c->rx = NULL;
    c->rxoff = c->rxlen = 0;
  }
  if (c->state == C_CONNECTING) io_conn_unlist_connecting(io, c);
  io->c[c->idx] = io->c[io->nc - 1];
  io->c[c->idx]->idx = c->idx;
  io->nc--;
  c->dnext = io->dead;
  io->dead = c;
  if (tell_engine && c->id) {
    int rc = pn_engine_conn_closed(io->e, c->id, now);
    (void)rc; /* NOT_FOUND: the engine already forgot it */
  }
  c->id = 0;
  if (c->dial) {
    io_dial *d = io_dial_get(io, c->dial);
    if (d) io_dial_lost(io, d, now);
  }
  io_accept_resume(io); /* a descriptor is free again */
}

/* ---- Carrying out actions ------------------------------------------------ */

/* Writes a SEND: whatever the socket takes is acknowledged; anything less
 * than all of it waits for writability (pn_engine_writable). */
static int conn_write(pn_io *io, io_conn *c, const uint8_t *p, size_t len,
                      pn_time now) {
  size_t n = len;
  ssize_t w;
  if (io->cfg.max_write && n > io->cfg.max_write) n = io->cfg.max_write;
  do {
    w = send(c->src.fd, p, n, MSG_NOSIGNAL);
    io->st.writes++;
  } while (w < 0 && errno == EINTR);
  if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
    io_conn_drop(io, c, 1, now); /* EPIPE, ECONNRESET: the transport is gone */
    return PN_OK;
  }
  if (w < 0) w = 0;
  int rc = pn_engine_sent(io->e, c->id, (size_t)w, now);
  if (rc <= PN_ERR_FATAL) return rc;
  if ((size_t)w < len) {
    set_wblocked(io, c, 1);
    io_set_interest(io, c);
  }
  return PN_OK;
}

int io_pump(pn_io *io) {
  pn_action a;
  int rc;
  if (io->fatal) return io->fatal;
  while ((rc = pn_engine_poll(io->e, &a)) == 1) {
    io_conn *c = a.user;
    io->nactions++;
    if (g_trace)
      fprintf(stderr, "[io %p] action %d conn %llx len %zu event %d\n",
              (void *)io, a.type, (unsigned long long)a.conn,
              a.type == PN_ACTION_SEND ? a.send.len : 0,
              a.type == PN_ACTION_EVENT ? (int)a.event.type : 0);
    switch (a.type) {
    case PN_ACTION_SEND:
      if (!c || c->id != a.conn || c->dead) break;
      rc = conn_write(io, c, a.send.data, a.send.len, pn_io_now());
      if (rc <= PN_ERR_FATAL) return io->fatal = rc;
      break;
    case PN_ACTION_CLOSE:
      if (c && c->id == a.conn) {
        c->id = 0; /* the engine forgot it */
        io_conn_drop(io, c, 0, pn_io_now());
      }
      break;
    case PN_ACTION_EVENT:
      if (a.event.type == PN_EVENT_CLOSED) io->closed = 1;
      if (a.event.type == PN_EVENT_PEER_CONNECTED && c && c->id == a.conn &&
          c->dial) {
        io_dial *d = io_dial_get(io, c->dial);
        if (d) d->backoff = io->cfg.redial_min;
      }
      if (io->cfg.on_event) io->cfg.on_event(io->cfg.user, io, &a);
      break;
    case PN_ACTION_RESUME:
      if (c && c->id == a.conn) {
        c->resume = 1;
        io_todo(io, c);
      }
      break;
    case PN_ACTION_DEADLINE:
      io->deadline = a.deadline;
      break;
    case PN_ACTION_NONE:
      break;
    }
  }
  if (rc < 0) return io->fatal = rc;
  return PN_OK;
}

int pn_io_flush(pn_io *io) {
  return io_pump(io);
}

/* Offers |p|,|len| to the engine until it is all taken or the engine holds
 * the rest back (until a RESUME); returns how much was taken. */
static size_t feed(pn_io *io, io_conn *c, const uint8_t *p, size_t len,
                   int *err) {
  size_t off = 0;
  while (!c->dead && c->id && off < len) {
    pn_recv_block why = PN_RECV_MORE;
    c->resume = 0;
    ptrdiff_t n =
        pn_engine_recv(io->e, c->id, p + off, len - off, pn_io_now(), &why);
    if (n < 0) {
      if (n <= PN_ERR_FATAL) *err = (int)n;
      return len; /* NOT_FOUND: the engine let it go */
    }
    off += (size_t)n;
    int rc = io_pump(io); /* a MESSAGE blocks input until it is polled */
    if (rc) {
      *err = rc;
      break;
    }
    /* The rest waits for this connection's RESUME (the poll above may
     * already have brought it). */
    if (off < len && !c->resume) break;
  }
  return c->dead || !c->id ? len : off;
}

/* Held bytes whose RESUME came. */
static int feed_held(pn_io *io, io_conn *c) {
  int err = 0;
  size_t n = feed(io, c, c->rx + c->rxoff, c->rxlen - c->rxoff, &err);
  if (c->dead) return err;
  c->rxoff += (uint32_t)n;
  if (c->rxoff == c->rxlen) {
    io->st.held -= c->rxlen;
    free(c->rx);
    c->rx = NULL;
    c->rxoff = c->rxlen = 0;
    io_set_interest(io, c);
    if (c->eof) io_todo(io, c);
  }
  return err;
}

static int conn_read(pn_io *io, io_conn *c) {
  int err = 0;
  for (int rounds = 0; rounds < 4 && !c->dead && !c->rxlen; rounds++) {
    ssize_t r = recv(c->src.fd, io->rxbuf, io->cfg.rx_buf, 0);
    io->st.reads++;
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      io_conn_drop(io, c, 1, pn_io_now()); /* ECONNRESET and the like */
      break;
    }
    if (r == 0) { /* nothing more comes; see run_todo */
      c->eof = 1;
      io_set_interest(io, c);
      io_todo(io, c);
      break;
    }
    size_t n = feed(io, c, io->rxbuf, (size_t)r, &err);
    if (err) return err;
    if (n < (size_t)r && !c->dead) { /* keep the rest aside */
      size_t left = (size_t)r - n;
      if (!(c->rx = malloc(left))) return PN_ERR_NOMEM;
      memcpy(c->rx, io->rxbuf + n, left);
      c->rxoff = 0;
      c->rxlen = (uint32_t)left;
      io->st.held += left;
      io_set_interest(io, c);
      if (c->resume) io_todo(io, c);
    }
    if ((size_t)r < io->cfg.rx_buf) break; /* drained for now */
  }
  return err;
}

/* Connections with held bytes to offer again, or that saw EOF. Half-close:
 * once the engine took every byte that came before the EOF and its output
 * is out, the transport counts as closed. */
static int run_todo(pn_io *io) {
  io_conn *list = io->todo;
  io->todo = NULL;
  while (list) {
    io_conn *c = list;
    list = c->next;
    c->todo = 0;
    if (c->dead) continue;
    if (c->rxlen && c->resume) {
      int err = feed_held(io, c);
      if (err) return err;
    }
    if (!c->dead && c->eof && !c->rxlen && !c->wblocked)
      io_conn_drop(io, c, 1, pn_io_now());
  }
  return io_pump(io);
}

/* Work that needs no socket: signals, stop, timers, dials, held bytes. */
static int housekeeping(pn_io *io, pn_time now) {
  int rc;
  if ((g_signals || io->stop_req) && !io->stopped) {
    io->stopped = 1;
    for (size_t i = 0; i < io->nd; i++)
      io->d[i]->next_at = PN_TIME_NEVER;
    io->redial_at = PN_TIME_NEVER;
    io_listeners(io, 0);
    rc = pn_engine_shutdown(io->e, now);
    if (rc <= PN_ERR_FATAL) return io->fatal = rc;
    /* Half-open dials have no engine connection: just drop them. */
    while (io->chead) {
      io->chead->dial = 0;
      io_conn_drop(io, io->chead, 0, now);
    }
  }
  if (g_signals > 1) io->closed = 1; /* a second signal: stop at once */
  if (now >= io->deadline) {
    rc = pn_engine_tick(io->e, now);
    if (rc <= PN_ERR_FATAL) return io->fatal = rc;
  }
  if ((rc = io_pump(io))) return rc;
  io_dials_due(io, now);
  if (io->accept_paused_until && now >= io->accept_paused_until)
    io_accept_resume(io);
  return run_todo(io);
}

static pn_time io_wake(const pn_io *io) {
  pn_time t = io->deadline;
  if (io->redial_at < t) t = io->redial_at;
  if (io->chead && io->chead->dial_deadline < t) t = io->chead->dial_deadline;
  if (io->accept_paused_until && io->accept_paused_until < t)
    t = io->accept_paused_until;
  return t;
}

static int dispatch(pn_io *io, io_src *s, unsigned ev, pn_time now) {
  int rc = PN_OK;
  if (s->kind == K_LISTEN) return io->stopped ? PN_OK : io_accept(io, s, now);
  if (s->kind == K_WATCH) {
    if (io->wfn && s->fd >= 0) io->wfn(io->wuser, io, s->fd);
    return io_pump(io);
  }
  io_conn *c = (io_conn *)s;
  if (c->dead) return PN_OK;
  if (c->state == C_CONNECTING) {
    if (now >= c->dial_deadline) { /* over its time, whatever came since */
      io_dial_failed(io, c, ETIMEDOUT, now);
      return PN_OK;
    }
    return io_conn_connected(io, c, now);
  }
  if (ev & (IO_WR | IO_HUP) && c->wblocked) {
    set_wblocked(io, c, 0);
    io_set_interest(io, c);
    rc = pn_engine_writable(io->e, c->id, now);
    if (rc == PN_OK || rc == PN_ERR_NOT_FOUND) rc = io_pump(io);
    if (c->eof) io_todo(io, c);
  }
  if (rc == PN_OK && !c->dead && ev & (IO_RD | IO_HUP) && c->interest & IO_RD)
    rc = conn_read(io, c);
  return rc;
}

int pn_io_step_many(pn_io *const *ios, size_t n, pn_time max_wait) {
  pn_time now = pn_io_now(), wake = now + max_wait;
  int progress = 0, rc;
  for (size_t k = 0; k < n; k++) {
    uint64_t before = ios[k]->nactions;
    if ((rc = housekeeping(ios[k], now))) return rc;
    /* Events were just handed out: let the caller react before sleeping. */
    if (ios[k]->nactions != before || ios[k]->closed || ios[k]->todo)
      progress = 1;
    pn_time t = io_wake(ios[k]);
    if (t < wake) wake = t;
  }
  int timeout = 0;
  if (!progress && wake > now) {
    pn_time ms = (wake - now + PN_MSEC - 1) / PN_MSEC; /* round up: no spin */
    timeout = ms > 60000 ? 60000 : (int)ms;
  }
  if ((rc = poller_wait(ios, n, timeout))) return rc;
  now = pn_io_now();
  rc = PN_OK;
  for (size_t k = 0; k < n && rc == PN_OK; k++) {
    io_src *s;
    unsigned ev;
    while (rc == PN_OK && (s = poller_next(ios[k], &ev)))
      rc = dispatch(ios[k], s, ev, now);
    if (rc == PN_OK) rc = io_pump(ios[k]);
  }
  for (size_t k = 0; k < n; k++) {
    if (rc == PN_OK) rc = run_todo(ios[k]);
    free_dead(ios[k]);
  }
  return rc;
}

int pn_io_step(pn_io *io, pn_time max_wait) {
  return pn_io_step_many(&io, 1, max_wait);
}

int pn_io_run(pn_io *io) {
  int rc = PN_OK;
  while (!io->closed && rc == PN_OK)
    rc = pn_io_step(io, 60 * PN_SEC);
  return rc;
}
