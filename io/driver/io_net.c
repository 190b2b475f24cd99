/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Addresses, listening, accepting, dialling and redialling. */
#define _GNU_SOURCE /* accept4 */

#include "io_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* "host:port", "[v6]:port", ":port"; NULL or why not. */
static const char *split(const char *s, char *host, size_t hl, char *port,
                         size_t pl, int listen) {
  const char *colon;
  size_t n;
  if (!s || !*s) return "empty address (HOST:PORT)";
  if (s[0] == '[') {
    const char *end = strchr(s, ']');
    if (!end) return "no closing ']' (IPv6: [ADDR]:PORT)";
    if (end[1] != ':') return "no ':PORT' after ']'";
    n = (size_t)(end - s - 1);
    if (n == 0) return "empty host in []";
    if (n >= hl) return "host too long";
    memcpy(host, s + 1, n);
    host[n] = 0;
    colon = end + 1;
  } else {
    colon = strchr(s, ':');
    if (!colon) return "no ':PORT' (HOST:PORT)";
    if (strchr(colon + 1, ':'))
      return "IPv6 addresses go in brackets: [::1]:PORT";
    n = (size_t)(colon - s);
    if (n >= hl) return "host too long";
    memcpy(host, s, n);
    host[n] = 0;
    if (!listen && !n) return "no host (HOST:PORT)";
  }
  const char *p = colon + 1;
  size_t pn = strlen(p);
  if (!pn) return "no port after ':'";
  unsigned long v = 0;
  for (size_t i = 0; i < pn; i++) {
    if (p[i] < '0' || p[i] > '9') return "the port is not a number";
    v = v * 10 + (unsigned long)(p[i] - '0');
    if (v > 65535) break;
  }
  if (v > 65535 || pn > 5) return "the port is over 65535";
  if (v == 0 && !listen) return "port 0 (a port is 1..65535)";
  if (pn >= pl) return "port too long";
  snprintf(port, pl, "%lu", v);
  return NULL;
}

const char *pn_io_addr_check(const char *hostport, int listen) {
  char h[256], p[8];
  return split(hostport, h, sizeof h, p, sizeof p, listen);
}

int io_split_hostport(const char *s, char *host, size_t hl, char *port,
                      size_t pl) {
  return split(s, host, hl, port, pl, 1) ? -1 : 0;
}

size_t pn_io_raise_nofile(size_t want) {
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return 0;
  if (r.rlim_cur != RLIM_INFINITY && r.rlim_cur < want) {
    rlim_t to = (rlim_t)want;
    if (r.rlim_max != RLIM_INFINITY && to > r.rlim_max) to = r.rlim_max;
    r.rlim_cur = to;
    setrlimit(RLIMIT_NOFILE, &r);
    getrlimit(RLIMIT_NOFILE, &r);
  }
  return r.rlim_cur == RLIM_INFINITY ? SIZE_MAX : (size_t)r.rlim_cur;
}

void io_notice(pn_io *io, const pn_io_notice *n) {
  if (io->cfg.on_notice) io->cfg.on_notice(io->cfg.user, io, n);
}

static void fmt_addr(const io_dial *d, char *buf, size_t n) {
  snprintf(buf, n, strchr(d->host, ':') ? "[%s]:%s" : "%s:%s", d->host,
           d->port);
}

int pn_io_listen(pn_io *io, const char *hostport) {
  char host[256], port[8];
  struct addrinfo hints, *res, *ai;
  int rc;
  if (!io || split(hostport, host, sizeof host, port, sizeof port, 1))
    return PN_ERR_INVALID_ARGUMENT;
  if (io->nl >= PN_IO_MAX_LISTENERS) return PN_ERR_INVALID_ARGUMENT;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  if (getaddrinfo(host[0] ? host : NULL, port, &hints, &res) != 0) {
    io->err = EADDRNOTAVAIL;
    return PN_ERR_INVALID_STATE;
  }
  rc = PN_ERR_INVALID_STATE;
  int backlog = io->cfg.backlog > 0 ? io->cfg.backlog : SOMAXCONN;
  for (ai = res; ai; ai = ai->ai_next) {
    int one = 1;
    int fd = socket(ai->ai_family,
                    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      io->err = errno;
      continue;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6)
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
        listen(fd, backlog) != 0) {
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
    io_src *l = &io->lsrc[io->nl];
    *l = (io_src){K_LISTEN, fd};
    if ((rc = poller_set(io, l, 0, IO_RD)) != PN_OK) {
      close(fd);
      break;
    }
    io->lint[io->nl] = IO_RD;
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

/* Listeners on or off (EMFILE without a reserve pauses them). */
void io_listeners(pn_io *io, unsigned want) {
  for (size_t i = 0; i < io->nl; i++)
    if (poller_set(io, &io->lsrc[i], io->lint[i], want) == PN_OK)
      io->lint[i] = (uint8_t)want;
}

void io_accept_resume(pn_io *io) {
  if (!io->accept_paused_until) return;
  io->accept_paused_until = 0;
  if (!io->stopped) io_listeners(io, IO_RD);
}

static void refused_notice(pn_io *io, const struct sockaddr_storage *ss,
                           int error, int err) {
  char a[INET6_ADDRSTRLEN + 1], buf[INET6_ADDRSTRLEN + 16];
  unsigned port = 0;
  buf[0] = 0;
  if (!io->cfg.on_notice) return;
  if (ss && ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
    port = ntohs(s6->sin6_port);
    snprintf(buf, sizeof buf, "[%s]:%u", a, port);
  } else if (ss && ss->ss_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
    snprintf(buf, sizeof buf, "%s:%u", a, ntohs(s4->sin_port));
  }
  pn_io_notice n = {.type = error ? PN_IO_REFUSED : PN_IO_ACCEPT_FAILED,
                    .addr = buf,
                    .err = err,
                    .error = error,
                    .retry_at = PN_TIME_NEVER};
  io_notice(io, &n);
}

int io_accept(pn_io *io, io_src *l, pn_time now) {
  for (int k = 0; k < 64 && !io->stopped; k++) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int fd = accept4(l->fd, (struct sockaddr *)&ss, &sl,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err != EMFILE && err != ENFILE) break; /* EAGAIN, ECONNABORTED */
      if (!io->emfile_told) refused_notice(io, NULL, 0, err);
      io->emfile_told = 1;
      if (io->reserve_fd >= 0) {
        /* Give up the reserve to take the connection off the queue and
         * close it, so the loop does not wake at once forever. */
        close(io->reserve_fd);
        fd = accept(l->fd, NULL, NULL);
        if (fd >= 0) close(fd);
        io->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) continue;
      }
      /* No reserve: pause accepting until a descriptor is freed. */
      io->accept_paused_until = now + PN_SEC;
      io_listeners(io, 0);
      break;
    }
    io->emfile_told = 0;
    io->st.accepts++;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    io_conn *c = io_conn_new(io, fd, C_OPEN);
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
      io_conn_drop(io, c, 0, now); /* over a limit: the engine kept nothing */
      refused_notice(io, &ss, rc, 0);
    } else {
      io_set_interest(io, c);
    }
    if ((rc = io_pump(io))) return rc;
  }
  return PN_OK;
}

/* ---- Dialling ------------------------------------------------------------ */

io_dial *io_dial_get(pn_io *io, int h) {
  return h >= 1 && (size_t)h <= io->nd ? io->d[h - 1] : NULL;
}

static void schedule(pn_io *io, io_dial *d, pn_time now) {
  d->active = 0;
  if (!d->redial || d->cancelled || io->stop_req || io->stopped || io->closed) {
    d->next_at = PN_TIME_NEVER;
    return;
  }
  d->next_at = now + d->backoff;
  if (d->next_at < io->redial_at) io->redial_at = d->next_at;
  d->backoff =
      d->backoff * 2 > io->cfg.redial_max ? io->cfg.redial_max : d->backoff * 2;
}

static void failed_notice(pn_io *io, io_dial *d, int err, int error) {
  char a[300];
  if (!io->cfg.on_notice) return;
  fmt_addr(d, a, sizeof a);
  pn_io_notice n = {.type = PN_IO_DIAL_FAILED,
                    .handle = d->handle,
                    .addr = a,
                    .err = err,
                    .error = error,
                    .retry_at = d->next_at};
  io_notice(io, &n);
}

void io_dial_lost(pn_io *io, io_dial *d, pn_time now) {
  schedule(io, d, now);
}

static int start_connect(pn_io *io, io_dial *d, struct addrinfo *ai,
                         pn_time now) {
  for (; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family,
                    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      io->err = errno;
      continue;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
      io->err = errno;
      close(fd);
      continue;
    }
    io_conn *c = io_conn_new(io, fd, C_CONNECTING);
    if (!c) {
      close(fd);
      return PN_ERR_NOMEM;
    }
    c->dial = d->handle;
    c->ai_next = ai->ai_next;
    c->dial_deadline = now + io->cfg.dial_timeout;
    /* Deadlines grow with time: the connecting list stays in order. */
    c->cprev = io->ctail;
    if (io->ctail)
      io->ctail->cnext = c;
    else
      io->chead = c;
    io->ctail = c;
    io_set_interest(io, c);
    d->active = 1;
    d->next_at = PN_TIME_NEVER;
    return PN_OK;
  }
  return PN_ERR_INVALID_STATE;
}

/* One attempt now: PN_OK (connecting), or the failure is handled (a
 * notice, a redial if asked) and its error returned. */
int io_dial_start(pn_io *io, io_dial *d, pn_time now) {
  int rc;
  if (!d->ai) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(d->host, d->port, &hints, &d->ai) != 0) {
      d->ai = NULL;
      io->err = EHOSTUNREACH;
      rc = PN_ERR_INVALID_STATE;
      goto failed;
    }
  }
  rc = start_connect(io, d, d->ai, now);
  if (rc == PN_OK || rc == PN_ERR_NOMEM) return rc;
failed:
  schedule(io, d, now);
  failed_notice(io, d, io->err, 0);
  return rc;
}

void io_dial_failed(pn_io *io, io_conn *c, int err, pn_time now) {
  struct addrinfo *next = c->ai_next;
  io_dial *d = io_dial_get(io, c->dial);
  c->dial = 0;
  io->err = err;
  io_conn_drop(io, c, 0, now);
  if (!d) return;
  if (next && !d->cancelled && start_connect(io, d, next, now) == PN_OK) return;
  io->err = err;
  schedule(io, d, now);
  failed_notice(io, d, err, 0);
}

int io_conn_connected(pn_io *io, io_conn *c, pn_time now) {
  int soerr = 0;
  socklen_t sl = sizeof soerr;
  if (getsockopt(c->src.fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr) {
    io_dial_failed(io, c, soerr ? soerr : errno, now);
    return PN_OK;
  }
  io_dial *d = io_dial_get(io, c->dial);
  int one = 1;
  setsockopt(c->src.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->state = C_OPEN;
  io_conn_unlist_connecting(io, c);
  int rc = pn_engine_conn_open(io->e, PN_DIR_OUTBOUND,
                               d && d->has_expect ? &d->expect : NULL, c, now,
                               &c->id);
  if (rc != PN_OK) {
    c->id = 0;
    if (rc <= PN_ERR_FATAL) return io->fatal = rc;
    c->dial = 0;
    io_conn_drop(io, c, 0, now); /* refused (limits, shutdown) */
    if (d) {
      schedule(io, d, now);
      failed_notice(io, d, 0, rc);
    }
  } else {
    io_set_interest(io, c);
  }
  return io_pump(io);
}

/* Redials that are due; dial attempts past their timeout. */
void io_dials_due(pn_io *io, pn_time now) {
  while (io->chead && io->chead->dial_deadline <= now)
    io_dial_failed(io, io->chead, ETIMEDOUT, now);
  if (now < io->redial_at) return;
  io->redial_at = PN_TIME_NEVER;
  for (size_t i = 0; i < io->nd; i++) {
    io_dial *d = io->d[i];
    if (d->active || d->cancelled || io->stopped) continue;
    if (d->next_at <= now) {
      d->next_at = PN_TIME_NEVER;
      if (io_dial_start(io, d, now) == PN_ERR_NOMEM) return;
    }
    if (d->next_at < io->redial_at) io->redial_at = d->next_at;
  }
}

int pn_io_dial(pn_io *io, const char *hostport, const pn_peer_id *expect,
               int redial) {
  io_dial *d;
  if (!io) return PN_ERR_INVALID_ARGUMENT;
  if (io->stop_req || io->closed) return PN_ERR_SHUTDOWN;
  if (!(d = calloc(1, sizeof *d))) return PN_ERR_NOMEM;
  if (split(hostport, d->host, sizeof d->host, d->port, sizeof d->port, 0)) {
    free(d);
    return PN_ERR_INVALID_ARGUMENT;
  }
  if (expect) {
    d->expect = *expect;
    d->has_expect = 1;
  }
  d->redial = redial != 0;
  d->backoff = io->cfg.redial_min;
  d->next_at = PN_TIME_NEVER;
  if (io->nd == io->capd) {
    size_t cap = io->capd ? 2 * io->capd : 8;
    io_dial **n = realloc(io->d, cap * sizeof *n);
    if (!n) {
      free(d);
      return PN_ERR_NOMEM;
    }
    io->d = n;
    io->capd = cap;
  }
  io->d[io->nd++] = d;
  d->handle = (int)io->nd;
  int rc = io_dial_start(io, d, pn_io_now());
  if (rc == PN_ERR_NOMEM) return rc;
  if (rc != PN_OK && !redial) {
    d->cancelled = 1;
    return rc;
  }
  return d->handle;
}

void pn_io_dial_cancel(pn_io *io, int handle) {
  io_dial *d = io_dial_get(io, handle);
  if (d) {
    d->cancelled = 1;
    d->next_at = PN_TIME_NEVER;
  }
}

size_t pn_io_dialing(const pn_io *io) {
  size_t n = 0;
  for (size_t i = 0; i < io->nd; i++) {
    const io_dial *d = io->d[i];
    n += !d->cancelled && (d->active || d->next_at != PN_TIME_NEVER);
  }
  return n;
}

void io_conn_unlist_connecting(pn_io *io, io_conn *c) {
  if (c->cprev)
    c->cprev->cnext = c->cnext;
  else
    io->chead = c->cnext;
  if (c->cnext)
    c->cnext->cprev = c->cprev;
  else
    io->ctail = c->cprev;
  c->cprev = c->cnext = NULL;
}
