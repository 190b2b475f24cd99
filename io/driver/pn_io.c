/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The reference driver (see io.h). Everything protocol-related is the
 * engine's; this file only moves bytes, keeps sockets and reads the clock.
 */
#define _GNU_SOURCE /* accept4, MSG_NOSIGNAL */

#include <p2pnoise/io.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { C_CONNECTING = 1, C_OPEN = 2 };

typedef struct io_conn {
  int fd;
  int state;
  int dead; /* closed; freed at the end of the step */
  int dial; /* dial handle, or 0 for inbound */
  int eof;  /* the peer half-closed: feed what is left, then close */
  pn_conn_id id;
  pn_time dial_deadline;
  const uint8_t *tx; /* SEND in flight that met EAGAIN (borrowed) */
  size_t txlen;
  int wblocked; /* a partial write: tell the engine when writable */
  uint8_t *rx;  /* bytes read and not yet taken by the engine */
  size_t rxoff, rxlen;
  int resume;               /* the engine can take the kept bytes again */
  struct addrinfo *ai_next; /* further addresses to try for this dial */
} io_conn;

typedef struct io_dial {
  int handle;
  int redial;
  int active; /* a conn exists for it */
  int cancelled;
  char host[256], port[32];
  pn_peer_id expect;
  int has_expect;
  pn_time backoff;
  pn_time next_at; /* PN_TIME_NEVER: not scheduled */
  struct addrinfo *ai;
} io_dial;

struct pn_io {
  pn_engine *e;
  pn_io_config cfg;
  int lfd[PN_IO_MAX_LISTENERS];
  unsigned lport[PN_IO_MAX_LISTENERS];
  size_t nl;
  int listening_told;
  int reserve_fd; /* given up on EMFILE to accept and shed one connection */
  pn_time accept_paused_until;
  io_conn **c;
  size_t nc, capc;
  io_dial *d;
  size_t nd, capd;
  int next_handle;
  int stop_req, stopped, closed, fatal;
  int err;
  uint64_t nactions; /* actions carried out, to notice progress */
  pn_time deadline;  /* from the engine's last DEADLINE */
  uint64_t refused;  /* inbound connections the engine refused at open */
  int wfd;           /* pn_io_watch */
  pn_peer_id in_expect;
  int has_in_expect;
  pn_io_fd_fn wfn;
  void *wuser;
};

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
  /* No SA_RESTART: poll() must wake with EINTR so the loop sees the flag. */
  if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
    return PN_ERR_INVALID_STATE;
  return PN_OK;
}

char *pn_io_hex(const uint8_t *p, size_t n, char *buf) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    buf[2 * i] = d[p[i] >> 4];
    buf[2 * i + 1] = d[p[i] & 15];
  }
  buf[2 * n] = 0;
  return buf;
}

static int hexval(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

int pn_io_unhex(const char *s, uint8_t *out, size_t n) {
  if (!s || strlen(s) != 2 * n) return PN_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < n; i++) {
    int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return PN_ERR_INVALID_ARGUMENT;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return PN_OK;
}

int pn_io_new(pn_io **out, pn_engine *e, const pn_io_config *cfg) {
  if (!out || !e) return PN_ERR_INVALID_ARGUMENT;
  pn_io *io = calloc(1, sizeof *io);
  if (!io) return PN_ERR_NOMEM;
  io->e = e;
  io->deadline = PN_TIME_NEVER; /* until the engine's first DEADLINE */
  if (cfg) io->cfg = *cfg;
  if (io->cfg.inbound_expect) {
    io->in_expect = *io->cfg.inbound_expect;
    io->has_in_expect = 1;
    io->cfg.inbound_expect = NULL; /* the copy is used */
  }
  if (!io->cfg.dial_timeout) io->cfg.dial_timeout = PN_IO_DEFAULT_DIAL_TIMEOUT;
  if (!io->cfg.redial_min) io->cfg.redial_min = PN_IO_DEFAULT_REDIAL_MIN;
  if (!io->cfg.redial_max) io->cfg.redial_max = PN_IO_DEFAULT_REDIAL_MAX;
  if (!io->cfg.rx_buf) io->cfg.rx_buf = PN_IO_DEFAULT_RX_BUF;
  io->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  io->next_handle = 1;
  if (g_trace < 0) g_trace = getenv("PN_IO_TRACE") != NULL;
  io->wfd = -1;
  *out = io;
  return PN_OK;
}

static void conn_free(io_conn *c) {
  if (c->fd >= 0) close(c->fd);
  free(c->rx);
  free(c);
}

void pn_io_free(pn_io *io) {
  if (!io) return;
  for (size_t i = 0; i < io->nc; i++)
    conn_free(io->c[i]);
  for (size_t i = 0; i < io->nl; i++)
    close(io->lfd[i]);
  for (size_t i = 0; i < io->nd; i++)
    if (io->d[i].ai) freeaddrinfo(io->d[i].ai);
  if (io->reserve_fd >= 0) close(io->reserve_fd);
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

void pn_io_watch(pn_io *io, int fd, pn_io_fd_fn fn, void *user) {
  io->wfd = fn ? fd : -1;
  io->wfn = fn;
  io->wuser = user;
}

uint64_t pn_io_refused(const pn_io *io) {
  return io->refused;
}

size_t pn_io_conn_count(const pn_io *io) {
  size_t n = 0;
  for (size_t i = 0; i < io->nc; i++)
    n += !io->c[i]->dead;
  return n;
}

/* "host:port", "[v6]:port", ":port". */
static int split_hostport(const char *s, char *host, size_t hl, char *port,
                          size_t pl) {
  const char *colon;
  size_t n;
  if (!s) return -1;
  if (s[0] == '[') {
    const char *end = strchr(s, ']');
    if (!end || end[1] != ':') return -1;
    n = (size_t)(end - s - 1);
    if (n >= hl) return -1;
    memcpy(host, s + 1, n);
    host[n] = 0;
    colon = end + 1;
  } else {
    colon = strrchr(s, ':');
    if (!colon) return -1;
    n = (size_t)(colon - s);
    if (n >= hl) return -1;
    memcpy(host, s, n);
    host[n] = 0;
  }
  if (strlen(colon + 1) == 0 || strlen(colon + 1) >= pl) return -1;
  for (const char *p = colon + 1; *p; p++)
    if (*p < '0' || *p > '9') return -1;
  strcpy(port, colon + 1);
  return 0;
}

static int set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int sys_fail(pn_io *io) {
  io->err = errno;
  return PN_ERR_INVALID_STATE;
}

int pn_io_listen(pn_io *io, const char *hostport) {
  char host[256], port[32];
  struct addrinfo hints, *res, *ai;
  int rc;
  if (!io || split_hostport(hostport, host, sizeof host, port, sizeof port))
    return PN_ERR_INVALID_ARGUMENT;
  if (io->nl >= PN_IO_MAX_LISTENERS) return PN_ERR_INVALID_ARGUMENT;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  if (getaddrinfo(host[0] ? host : NULL, port, &hints, &res) != 0) {
    errno = EADDRNOTAVAIL;
    return sys_fail(io);
  }
  rc = PN_ERR_INVALID_STATE;
  for (ai = res; ai; ai = ai->ai_next) {
    int one = 1;
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6)
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0 ||
        set_nonblock(fd) != 0) {
      io->err = errno;
      close(fd);
      continue;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    unsigned p = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
      p = ntohs(ss.ss_family == AF_INET6
                    ? ((struct sockaddr_in6 *)&ss)->sin6_port
                    : ((struct sockaddr_in *)&ss)->sin_port);
    io->lfd[io->nl] = fd;
    io->lport[io->nl++] = p;
    rc = PN_OK;
    break; /* one socket per call: the first address that works */
  }
  freeaddrinfo(res);
  if (rc == PN_OK && !io->listening_told) {
    io->listening_told = 1;
    rc = pn_engine_listening(io->e, pn_io_now());
  }
  return rc;
}

static io_dial *dial_by_handle(pn_io *io, int h) {
  for (size_t i = 0; i < io->nd; i++)
    if (io->d[i].handle == h) return &io->d[i];
  return NULL;
}

static io_conn *conn_new(pn_io *io, int fd, int state) {
  if (io->nc == io->capc) {
    size_t cap = io->capc ? 2 * io->capc : 16;
    io_conn **n = realloc(io->c, cap * sizeof *n);
    if (!n) return NULL;
    io->c = n;
    io->capc = cap;
  }
  io_conn *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->fd = fd;
  c->state = state;
  io->c[io->nc++] = c;
  return c;
}

static void schedule_redial(pn_io *io, io_dial *d, pn_time now) {
  d->active = 0;
  if (!d->redial || d->cancelled || io->stop_req || io->stopped || io->closed) {
    d->next_at = PN_TIME_NEVER;
    return;
  }
  d->next_at = now + d->backoff;
  d->backoff =
      d->backoff * 2 > io->cfg.redial_max ? io->cfg.redial_max : d->backoff * 2;
}

/* The socket is gone: tell nobody (CLOSE action) or the engine (transport
 * closed); the struct is freed at the end of the step. */
static void conn_drop(pn_io *io, io_conn *c, int tell_engine, pn_time now) {
  if (c->dead) return;
  c->dead = 1;
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  if (tell_engine && c->id) {
    int rc = pn_engine_conn_closed(io->e, c->id, now);
    (void)rc; /* NOT_FOUND: the engine already forgot it */
  }
  c->id = 0;
  if (c->dial) {
    io_dial *d = dial_by_handle(io, c->dial);
    if (d) schedule_redial(io, d, now);
  }
}

static int start_connect(pn_io *io, io_dial *d, struct addrinfo *ai,
                         pn_time now);

/* The next address of a dial, or a redial later. */
static void dial_failed(pn_io *io, io_conn *c, pn_time now) {
  struct addrinfo *next = c->ai_next;
  io_dial *d = dial_by_handle(io, c->dial);
  c->dial = 0;
  conn_drop(io, c, 0, now);
  if (!d) return;
  if (next && !d->cancelled && start_connect(io, d, next, now) == PN_OK) return;
  schedule_redial(io, d, now);
}

static int start_connect(pn_io *io, io_dial *d, struct addrinfo *ai,
                         pn_time now) {
  for (; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      io->err = errno;
      continue;
    }
    if (set_nonblock(fd) != 0 ||
        (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 &&
         errno != EINPROGRESS)) {
      io->err = errno;
      close(fd);
      continue;
    }
    io_conn *c = conn_new(io, fd, C_CONNECTING);
    if (!c) {
      close(fd);
      return PN_ERR_NOMEM;
    }
    c->dial = d->handle;
    c->ai_next = ai->ai_next;
    c->dial_deadline = now + io->cfg.dial_timeout;
    d->active = 1;
    d->next_at = PN_TIME_NEVER;
    return PN_OK;
  }
  return PN_ERR_INVALID_STATE;
}

static int dial_now(pn_io *io, io_dial *d, pn_time now) {
  if (!d->ai) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(d->host, d->port, &hints, &d->ai) != 0) {
      d->ai = NULL;
      errno = EHOSTUNREACH;
      return sys_fail(io);
    }
  }
  return start_connect(io, d, d->ai, now);
}

int pn_io_dial(pn_io *io, const char *hostport, const pn_peer_id *expect,
               int redial) {
  io_dial d;
  if (!io) return PN_ERR_INVALID_ARGUMENT;
  memset(&d, 0, sizeof d);
  if (split_hostport(hostport, d.host, sizeof d.host, d.port, sizeof d.port) ||
      !d.host[0])
    return PN_ERR_INVALID_ARGUMENT;
  if (io->stop_req || io->closed) return PN_ERR_SHUTDOWN;
  if (expect) {
    d.expect = *expect;
    d.has_expect = 1;
  }
  d.redial = redial;
  d.backoff = io->cfg.redial_min;
  d.next_at = PN_TIME_NEVER;
  d.handle = io->next_handle++;
  if (io->nd == io->capd) {
    size_t cap = io->capd ? 2 * io->capd : 8;
    io_dial *n = realloc(io->d, cap * sizeof *n);
    if (!n) return PN_ERR_NOMEM;
    io->d = n;
    io->capd = cap;
  }
  io->d[io->nd++] = d;
  io_dial *pd = &io->d[io->nd - 1];
  pn_time now = pn_io_now();
  int rc = dial_now(io, pd, now);
  if (rc == PN_ERR_NOMEM) return rc;
  if (rc != PN_OK) {
    if (!redial) {
      io->nd--;
      if (pd->ai) freeaddrinfo(pd->ai);
      return rc;
    }
    schedule_redial(io, pd, now);
  }
  return pd->handle;
}

void pn_io_dial_cancel(pn_io *io, int handle) {
  io_dial *d = dial_by_handle(io, handle);
  if (d) {
    d->cancelled = 1;
    d->next_at = PN_TIME_NEVER;
  }
}

/* ---- Carrying out actions ------------------------------------------------ */

/* Writes as much of the SEND in flight as the socket takes now. */
static int conn_write(pn_io *io, io_conn *c, pn_time now) {
  while (c->txlen && !c->dead) {
    size_t len = c->txlen;
    if (io->cfg.max_write && len > io->cfg.max_write) len = io->cfg.max_write;
    ssize_t w = send(c->fd, c->tx, len, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return PN_OK;
      conn_drop(io, c, 1, now); /* EPIPE, ECONNRESET: the transport is gone */
      return PN_OK;
    }
    /* A partial ack: the engine offers the rest once the socket is
     * writable again (pn_engine_writable). */
    if ((size_t)w < c->txlen) c->wblocked = 1;
    c->tx = NULL;
    c->txlen = 0;
    int rc = pn_engine_sent(io->e, c->id, (size_t)w, now);
    if (rc <= PN_ERR_FATAL) return rc;
    if (io->cfg.max_write) return PN_OK; /* paced: one write per turn */
  }
  return PN_OK;
}

static int pump(pn_io *io) {
  pn_action a;
  int rc;
  if (io->fatal) return io->fatal;
  while ((rc = pn_engine_poll(io->e, &a)) == 1) {
    pn_time now = pn_io_now();
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
      c->tx = a.send.data;
      c->txlen = a.send.len;
      if ((rc = conn_write(io, c, now)) <= PN_ERR_FATAL) return io->fatal = rc;
      break;
    case PN_ACTION_CLOSE:
      if (c && c->id == a.conn) {
        c->id = 0; /* the engine forgot it */
        conn_drop(io, c, 0, now);
      }
      break;
    case PN_ACTION_EVENT:
      if (a.event.type == PN_EVENT_CLOSED) io->closed = 1;
      if (a.event.type == PN_EVENT_PEER_CONNECTED && c && c->id == a.conn &&
          c->dial) {
        io_dial *d = dial_by_handle(io, c->dial);
        if (d) d->backoff = io->cfg.redial_min;
      }
      if (io->cfg.on_event) io->cfg.on_event(io->cfg.user, io, &a);
      break;
    case PN_ACTION_RESUME:
      if (c && c->id == a.conn) c->resume = 1;
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
  return pump(io);
}

/* Offers the bytes kept for |c| to the engine; returns bytes taken. */
static size_t conn_feed(pn_io *io, io_conn *c, int *err) {
  size_t total = 0;
  while (!c->dead && c->id && c->rxoff < c->rxlen) {
    c->resume = 0;
    ptrdiff_t n = pn_engine_recv(io->e, c->id, c->rx + c->rxoff,
                                 c->rxlen - c->rxoff, pn_io_now(), NULL);
    if (n < 0) {
      if (n <= PN_ERR_FATAL) *err = (int)n;
      c->rxoff = c->rxlen; /* NOT_FOUND: the engine let it go */
      break;
    }
    c->rxoff += (size_t)n;
    total += (size_t)n;
    int rc = pump(io); /* a MESSAGE blocks input until it is polled */
    if (rc) {
      *err = rc;
      break;
    }
    /* Not all taken: the rest waits for this connection's RESUME (which
     * the poll above may already have brought). */
    if (c->rxoff < c->rxlen && !c->resume) break;
  }
  if (c->rxoff == c->rxlen) c->rxoff = c->rxlen = 0;
  return total;
}

static int conn_read(pn_io *io, io_conn *c) {
  int err = 0;
  if (!c->rx && !(c->rx = malloc(io->cfg.rx_buf))) return PN_ERR_NOMEM;
  for (int rounds = 0; rounds < 4 && !c->dead && c->rxlen == 0; rounds++) {
    ssize_t r = recv(c->fd, c->rx, io->cfg.rx_buf, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      conn_drop(io, c, 1, pn_io_now()); /* ECONNRESET and the like */
      break;
    }
    if (r == 0) {
      c->eof = 1; /* nothing more comes; see eof_check */
      break;
    }
    c->rxlen = (size_t)r;
    conn_feed(io, c, &err);
    if (err) return err;
    if ((size_t)r < io->cfg.rx_buf) break; /* drained for now */
  }
  return err;
}

static int conn_connected(pn_io *io, io_conn *c, pn_time now) {
  int soerr = 0;
  socklen_t sl = sizeof soerr;
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr) {
    io->err = soerr ? soerr : errno;
    dial_failed(io, c, now);
    return PN_OK;
  }
  io_dial *d = dial_by_handle(io, c->dial);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->state = C_OPEN;
  int rc = pn_engine_conn_open(io->e, PN_DIR_OUTBOUND,
                               d && d->has_expect ? &d->expect : NULL, c, now,
                               &c->id);
  if (rc != PN_OK) {
    c->id = 0;
    if (rc <= PN_ERR_FATAL) return io->fatal = rc;
    conn_drop(io, c, 0, now); /* refused (limits, shutdown) */
  }
  return pump(io);
}

static int do_accept(pn_io *io, int lfd, pn_time now) {
  for (int k = 0; k < 64; k++) {
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if ((errno == EMFILE || errno == ENFILE) && io->reserve_fd >= 0) {
        /* Out of descriptors: give up the reserve to take the connection
         * off the queue and close it, so poll does not wake at once. */
        close(io->reserve_fd);
        fd = accept(lfd, NULL, NULL);
        if (fd >= 0) close(fd);
        io->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        continue;
      }
      if (errno == EMFILE || errno == ENFILE)
        io->accept_paused_until = now + 100 * PN_MSEC; /* no reserve left */
      /* EAGAIN, ECONNABORTED...: done for now. */
      break;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    io_conn *c = conn_new(io, fd, C_OPEN);
    if (!c) {
      close(fd);
      return PN_ERR_NOMEM;
    }
    int rc = pn_engine_conn_open(io->e, PN_DIR_INBOUND,
                                 io->has_in_expect ? &io->in_expect : NULL, c,
                                 now, &c->id);
    if (rc != PN_OK) {
      c->id = 0;
      if (rc <= PN_ERR_FATAL) return io->fatal = rc;
      io->refused++;
      conn_drop(io, c, 0, now); /* over a limit: the engine kept nothing */
    }
    if ((rc = pump(io))) return rc;
  }
  return PN_OK;
}

/* Work that needs no socket: signals, stop, timers, dials, kept bytes. */
static int housekeeping(pn_io *io, pn_time now, int *progress) {
  int rc;
  if ((g_signals && !io->stopped) || (io->stop_req && !io->stopped)) {
    io->stopped = 1;
    for (size_t i = 0; i < io->nd; i++)
      io->d[i].next_at = PN_TIME_NEVER;
    rc = pn_engine_shutdown(io->e, now);
    if (rc <= PN_ERR_FATAL) return io->fatal = rc;
    /* Half-open dials have no engine connection: just drop them. */
    for (size_t i = 0; i < io->nc; i++)
      if (io->c[i]->state == C_CONNECTING) conn_drop(io, io->c[i], 0, now);
  }
  if (g_signals > 1) io->closed = 1; /* a second signal: stop at once */
  if (now >= io->deadline) {
    rc = pn_engine_tick(io->e, now);
    if (rc <= PN_ERR_FATAL) return io->fatal = rc;
  }
  if ((rc = pump(io))) return rc;
  for (size_t i = 0; i < io->nd; i++) {
    io_dial *d = &io->d[i];
    if (!d->active && d->next_at <= now && !d->cancelled && !io->stopped) {
      d->next_at = PN_TIME_NEVER;
      rc = dial_now(io, d, now);
      if (rc == PN_ERR_NOMEM) return rc;
      if (rc != PN_OK) schedule_redial(io, &io->d[i], now);
    }
  }
  for (size_t i = 0; i < io->nc; i++) {
    io_conn *c = io->c[i];
    if (c->dead) continue;
    if (c->state == C_CONNECTING && now >= c->dial_deadline) {
      io->err = ETIMEDOUT;
      dial_failed(io, c, now);
    } else if (c->rxlen && c->resume) {
      int err = 0;
      if (conn_feed(io, c, &err)) *progress = 1;
      if (err) return err;
    }
  }
  return PN_OK;
}

static pn_time io_wake(const pn_io *io) {
  pn_time t = io->deadline;
  for (size_t i = 0; i < io->nd; i++)
    if (!io->d[i].active && io->d[i].next_at < t) t = io->d[i].next_at;
  for (size_t i = 0; i < io->nc; i++) {
    const io_conn *c = io->c[i];
    if (c->dead) continue;
    if (c->state == C_CONNECTING && c->dial_deadline < t) t = c->dial_deadline;
  }
  if (io->accept_paused_until && io->accept_paused_until < t)
    t = io->accept_paused_until;
  return t;
}

/* Half-close: the peer sent EOF but may still read. Once the engine took
 * every byte that came before the EOF and has nothing in flight (what it
 * wrote in reply is out), the transport counts as closed. */
static void eof_check(pn_io *io, pn_time now) {
  for (size_t i = 0; i < io->nc; i++) {
    io_conn *c = io->c[i];
    if (!c->dead && c->eof && !c->rxlen && !c->txlen) conn_drop(io, c, 1, now);
  }
}

static void sweep(pn_io *io) {
  size_t j = 0;
  for (size_t i = 0; i < io->nc; i++) {
    if (io->c[i]->dead)
      conn_free(io->c[i]);
    else
      io->c[j++] = io->c[i];
  }
  io->nc = j;
}

typedef struct slot {
  pn_io *io;
  io_conn *c; /* NULL: listener */
  int lfd;
} slot;

int pn_io_step_many(pn_io *const *ios, size_t n, pn_time max_wait) {
  pn_time now = pn_io_now(), wake = now + max_wait;
  int progress = 0, rc;
  size_t nfds = 0, cap = 0;
  for (size_t k = 0; k < n; k++) {
    uint64_t before = ios[k]->nactions;
    if ((rc = housekeeping(ios[k], now, &progress))) return rc;
    /* Events were just handed out: let the caller react before sleeping. */
    if (ios[k]->nactions != before || ios[k]->closed) progress = 1;
    pn_time t = io_wake(ios[k]);
    if (t < wake) wake = t;
    cap += ios[k]->nl + ios[k]->nc + 1;
  }
  struct pollfd *pfd = calloc(cap + 1, sizeof *pfd);
  slot *sl = calloc(cap + 1, sizeof *sl);
  if (!pfd || !sl) {
    free(pfd);
    free(sl);
    return PN_ERR_NOMEM;
  }
  for (size_t k = 0; k < n; k++) {
    pn_io *io = ios[k];
    if (io->closed) continue;
    int paused = io->accept_paused_until > now;
    if (!paused) io->accept_paused_until = 0;
    for (size_t i = 0; i < io->nl && !paused && !io->stopped; i++) {
      pfd[nfds] = (struct pollfd){.fd = io->lfd[i], .events = POLLIN};
      sl[nfds++] = (slot){io, NULL, io->lfd[i]};
    }
    if (io->wfd >= 0) {
      pfd[nfds] = (struct pollfd){.fd = io->wfd, .events = POLLIN};
      sl[nfds++] = (slot){io, NULL, -2};
    }
    for (size_t i = 0; i < io->nc; i++) {
      io_conn *c = io->c[i];
      short ev = 0;
      if (c->dead) continue;
      if (c->state == C_CONNECTING || c->txlen || c->wblocked) ev |= POLLOUT;
      /* Bytes kept back mean the engine is full: read no more for now. */
      if (c->state == C_OPEN && !c->rxlen && !c->eof) ev |= POLLIN;
      if (!ev) continue;
      pfd[nfds] = (struct pollfd){.fd = c->fd, .events = ev};
      sl[nfds++] = (slot){io, c, -1};
    }
  }
  /* Kept bytes whose RESUME came: offered again at once. */
  for (size_t k = 0; k < n; k++)
    for (size_t i = 0; i < ios[k]->nc; i++)
      if (!ios[k]->c[i]->dead && ios[k]->c[i]->rxlen && ios[k]->c[i]->resume)
        progress = 1;
  int timeout = 0;
  if (!progress && wake > now) {
    pn_time ms = (wake - now + PN_MSEC - 1) / PN_MSEC; /* round up: no spin */
    timeout = ms > 60000 ? 60000 : (int)ms;
  }
  int r = poll(pfd, nfds, timeout);
  now = pn_io_now();
  rc = PN_OK;
  for (size_t i = 0; r > 0 && i < nfds && rc == PN_OK; i++) {
    short re = pfd[i].revents;
    pn_io *io = sl[i].io;
    io_conn *c = sl[i].c;
    if (!re) continue;
    if (!c && sl[i].lfd == -2) {
      if (io->wfd == pfd[i].fd && io->wfn) io->wfn(io->wuser, io, io->wfd);
      rc = pump(io);
      continue;
    }
    if (!c) {
      rc = do_accept(io, sl[i].lfd, now);
      continue;
    }
    if (c->dead) continue;
    if (c->state == C_CONNECTING) {
      rc = conn_connected(io, c, now);
      continue;
    }
    if (re & POLLOUT && c->wblocked) {
      c->wblocked = 0;
      rc = pn_engine_writable(io->e, c->id, now);
      if (rc == PN_OK) rc = pump(io);
    }
    if (rc == PN_OK && re & POLLOUT && c->txlen) rc = conn_write(io, c, now);
    if (rc == PN_OK && !c->dead && re & (POLLIN | POLLHUP | POLLERR))
      rc = conn_read(io, c);
    if (rc == PN_OK) rc = pump(io);
  }
  free(pfd);
  free(sl);
  for (size_t k = 0; k < n; k++) {
    if (rc == PN_OK) rc = pump(ios[k]);
    if (rc == PN_OK) {
      eof_check(ios[k], pn_io_now());
      rc = pump(ios[k]);
    }
    sweep(ios[k]);
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
