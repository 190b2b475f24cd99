/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The blocking API (sio.h): one engine, one socket, and a small loop that
 * carries out the engine's actions inside each blocking call until that
 * call's goal is met or its time is up. Only the engine's public API, and
 * the driver's clock and address parsing.
 */
#define _GNU_SOURCE
#include <p2pnoise/sio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io_int.h"

/* Socket reads; one Noise message with its length prefix fits. */
enum { SIO_RX = 65537 + 15 };

typedef enum sio_state {
  S_IDLE = 0,      /* no connection */
  S_HANDSHAKE = 1, /* a socket, the handshake running */
  S_OPEN = 2,      /* the peer is connected */
  S_GONE = 3       /* it ended or failed; the socket may still drain */
} sio_state;

/* A received message's landing place: the caller's buffer during a recv,
 * else the park (one message kept for the next recv). */
typedef struct slot {
  uint8_t *buf;
  size_t cap;
  int full;      /* holds a result */
  int err;       /* 0, PN_ERR_NOBUF or PN_ERR_MSG_TOO_LARGE */
  uint64_t size; /* the message's size */
} slot;

struct pn_sio {
  pn_engine *e;
  void *alloc; /* pn_sio_new's allocation, or NULL */
  int fd;
  sio_state state;
  pn_conn_id conn; /* 0 once the engine forgot the connection */
  int listening;
  uint64_t max_message;
  pn_peer_info peer; /* valid while have_peer */
  int have_peer;
  pn_reason reason;
  int remote_reason;
  pn_time deadline;
  /* Input: rx[off, off+len) read but not taken by the engine yet. */
  size_t rx_off, rx_len;
  int rx_held; /* the engine said WAIT: only a RESUME moves it */
  int eof;     /* the socket's read side ended */
  /* Output: a partial write waits for POLLOUT, then pn_engine_writable. */
  int tx_blocked;
  int tx_dead; /* writing failed: nothing more goes out */
  int discard; /* closing: received messages are dropped */
  slot want;   /* the caller's buffer, while a recv waits */
  slot park;
  size_t park_used; /* the most of the park ever written, to wipe */
  int err_no;
  uint64_t err_size;
  char msg[200];
  uint8_t rx[SIO_RX];
};

#define ALIGN16(n) (((n) + 15) & ~(size_t)15)

static pn_time after(pn_time timeout) {
  pn_time now = pn_io_now();
  return timeout >= PN_TIME_NEVER - now ? PN_TIME_NEVER : now + timeout;
}

/* Records the error: its code's text, then the details. */
static int fail(pn_sio *s, int code, int err_no, const char *fmt, ...) {
  va_list ap;
  int n;
  s->err_no = err_no;
  s->err_size = 0;
  n = snprintf(s->msg, sizeof s->msg, "%s: ", pn_strerror(code));
  if (n < 0 || (size_t)n >= sizeof s->msg) return code;
  va_start(ap, fmt);
  vsnprintf(s->msg + n, sizeof s->msg - (size_t)n, fmt, ap);
  va_end(ap);
  return code;
}

static int sys_fail(pn_sio *s, const char *what) {
  int e = errno;
  return fail(s, PN_ERR_INVALID_STATE, e, "%s: %s", what, strerror(e));
}

static int timed_out(pn_sio *s, const char *what) {
  return fail(s, PN_ERR_TIMEOUT, ETIMEDOUT, "%s: timed out", what);
}

/* ---- Setup --------------------------------------------------------------- */

/* The config sio gives the engine; `key` receives a generated static key
 * when `gen` and the pattern needs one the caller did not give. */
static int sio_config(const pn_engine_config *in, pn_engine_config *c,
                      uint8_t key[PN_NOISE_MAX_DHLEN], int gen) {
  if (in)
    *c = *in;
  else
    pn_engine_config_default(c);
  if (!c->max_conns) c->max_conns = 1;
  if (!c->max_handshakes) c->max_handshakes = 1;
  if (!c->max_peers) c->max_peers = 1;
  /* Parsed here so that a bad name gets its own error, not just memsize 0. */
  const char *name =
      c->protocol ? c->protocol : "Noise_XX_25519_ChaChaPoly_BLAKE2b";
  pn_protocol p;
  int rc = pn_protocol_parse(&p, name, strlen(name), PN_BACKEND_AUTO);
  if (rc) return rc;
  if (c->static_private || pn_engine_memsize(c)) return PN_OK;
  /* No key and the engine wants one: make it (zeros only to size). */
  memset(key, 0, PN_NOISE_MAX_DHLEN);
  if (gen) {
    pn_keypair kp;
    if ((rc = pn_keypair_generate(&kp, &p, c->rng.fill ? &c->rng : NULL)))
      return rc;
    memcpy(key, kp.priv, pn_protocol_dhlen(&p));
    pn_keypair_wipe(&kp);
  }
  c->static_private = key;
  c->static_private_len = pn_protocol_dhlen(&p);
  return PN_OK;
}

static uint64_t max_message(const pn_engine_config *c) {
  uint64_t m = c->max_message ? c->max_message : PN_ENGINE_DEFAULT_MAX_MESSAGE;
  if (c->profile == PN_PROFILE_PLAIN && m > PN_ENGINE_PLAIN_MAX_MESSAGE)
    m = PN_ENGINE_PLAIN_MAX_MESSAGE;
  return m;
}

/* Layout: the struct, the park (one max_message), the engine. */
static size_t layout(const pn_engine_config *c, size_t *park_at,
                     size_t *engine_at) {
  size_t em = pn_engine_memsize(c);
  uint64_t mm = max_message(c);
  if (!em || mm > SIZE_MAX / 2) return 0;
  *park_at = ALIGN16(sizeof(pn_sio));
  *engine_at = *park_at + ALIGN16((size_t)mm);
  return *engine_at + em;
}

size_t pn_sio_memsize(const pn_engine_config *cfg) {
  pn_engine_config c;
  uint8_t key[PN_NOISE_MAX_DHLEN];
  size_t p, e;
  if (sio_config(cfg, &c, key, 0)) return 0;
  return layout(&c, &p, &e);
}

int pn_sio_init(pn_sio **out, void *mem, size_t memlen,
                const pn_engine_config *cfg) {
  pn_engine_config c;
  uint8_t key[PN_NOISE_MAX_DHLEN];
  size_t park_at, engine_at, need;
  int rc;
  if (!out || !mem || ((uintptr_t)mem & 15)) return PN_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if ((rc = sio_config(cfg, &c, key, 1))) return rc;
  need = layout(&c, &park_at, &engine_at);
  if (!need || memlen < need) {
    explicit_bzero(key, sizeof key);
    return PN_ERR_INVALID_ARGUMENT;
  }
  pn_sio *s = mem;
  memset(s, 0, sizeof *s);
  s->fd = -1;
  s->max_message = max_message(&c);
  s->deadline = PN_TIME_NEVER;
  s->park.buf = (uint8_t *)mem + park_at;
  s->park.cap = (size_t)s->max_message;
  rc = pn_engine_init(&s->e, (uint8_t *)mem + engine_at, need - engine_at, &c,
                      pn_io_now());
  explicit_bzero(key, sizeof key);
  if (rc) return rc;
  *out = s;
  return PN_OK;
}

int pn_sio_new(pn_sio **out, const pn_engine_config *cfg) {
  size_t n = pn_sio_memsize(cfg);
  void *mem;
  int rc;
  if (!out) return PN_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!n) {
    /* Name what is wrong with the config when it is the protocol name. */
    pn_engine_config c;
    uint8_t key[PN_NOISE_MAX_DHLEN];
    rc = sio_config(cfg, &c, key, 0);
    return rc ? rc : PN_ERR_INVALID_ARGUMENT;
  }
  if (!(mem = aligned_alloc(16, ALIGN16(n)))) return PN_ERR_NOMEM;
  if ((rc = pn_sio_init(out, mem, ALIGN16(n), cfg))) {
    free(mem);
    return rc;
  }
  (*out)->alloc = mem;
  return PN_OK;
}

static void close_fd(pn_sio *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
}

void pn_sio_free(pn_sio *s) {
  if (!s) return;
  close_fd(s);
  pn_engine_wipe(s->e);
  void *alloc = s->alloc;
  /* Plaintext in the park, traffic in the read buffer; the rest of the
   * memory is the engine's, wiped above (never-used pages stay untouched,
   * which keeps this fast for a large pool). */
  explicit_bzero(s->park.buf, s->park_used);
  explicit_bzero(s, sizeof *s);
  free(alloc);
}

/* ---- The action loop ----------------------------------------------------- */

/* Where the next message goes, NULL if nowhere: then nothing is read. */
static slot *free_slot(pn_sio *s) {
  if (s->want.buf && !s->want.full) return &s->want;
  if (!s->park.full) return &s->park;
  return NULL;
}

static void deliver(pn_sio *s, const uint8_t *data, size_t len, int err,
                    uint64_t size) {
  slot *t = free_slot(s);
  if (s->discard || !t) return; /* closing (free_slot is never NULL here) */
  t->full = 1;
  t->err = err;
  t->size = err ? size : len;
  if (!err && len > t->cap) {
    t->err = PN_ERR_NOBUF;
  } else if (!err && len) {
    memcpy(t->buf, data, len);
    if (t == &s->park && len > s->park_used) s->park_used = len;
  }
}

static void on_event(pn_sio *s, const pn_event *ev) {
  switch (ev->type) {
  case PN_EVENT_PEER_CONNECTED:
    memset(&s->peer, 0, sizeof s->peer);
    s->peer.id = ev->connected.peer;
    s->peer.dir = ev->connected.dir;
    s->peer.hash_len = ev->connected.hash_len;
    memcpy(s->peer.hash, ev->connected.hash, ev->connected.hash_len);
    s->have_peer = 1;
    s->state = S_OPEN;
    break;
  case PN_EVENT_PEER_DISCONNECTED:
    s->state = S_GONE;
    s->reason = ev->disconnected.reason;
    s->remote_reason = ev->disconnected.remote_reason;
    break;
  case PN_EVENT_REJECTED:
    s->state = S_GONE;
    s->reason = ev->rejected.reason;
    break;
  case PN_EVENT_MESSAGE:
    deliver(s, ev->message.data, ev->message.len, 0, 0);
    break;
  case PN_EVENT_OVERFLOW:
    /* Outbound overflows come back from pn_engine_send() as errors too. */
    if (ev->overflow.reason == PN_REASON_MESSAGE_TOO_LARGE)
      deliver(s, NULL, 0, PN_ERR_MSG_TOO_LARGE, ev->overflow.size);
    break;
  default:
    break;
  }
}

static void on_send(pn_sio *s, const pn_action *a, pn_time now) {
  size_t n = 0;
  if (a->conn != s->conn || s->fd < 0 || s->tx_dead) return;
  while (n < a->send.len) {
    ssize_t w = send(s->fd, a->send.data + n, a->send.len - n,
                     MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w > 0) {
      n += (size_t)w;
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      /* Lost: keep reading what the peer sent before; see read_some. */
      sys_fail(s, "write");
      s->tx_dead = 1;
      return;
    } else {
      break;
    }
  }
  if (pn_engine_sent(s->e, s->conn, n, now)) return; /* gone meanwhile */
  if (n < a->send.len) s->tx_blocked = 1;
}

/* Carries out every pending action. */
static int drain(pn_sio *s) {
  pn_action a;
  int rc;
  while ((rc = pn_engine_poll(s->e, &a)) == 1) {
    switch (a.type) {
    case PN_ACTION_SEND:
      on_send(s, &a, pn_io_now());
      break;
    case PN_ACTION_CLOSE:
      if (a.conn == s->conn) {
        s->conn = 0;
        close_fd(s);
      }
      break;
    case PN_ACTION_EVENT:
      on_event(s, &a.event);
      break;
    case PN_ACTION_RESUME:
      if (a.conn == s->conn) s->rx_held = 0;
      break;
    case PN_ACTION_DEADLINE:
      s->deadline = a.deadline;
      break;
    default:
      break;
    }
  }
  return rc;
}

/* Tells the engine the transport is gone (once). */
static int transport_closed(pn_sio *s) {
  if (!s->conn) return drain(s);
  int rc = pn_engine_conn_closed(s->e, s->conn, pn_io_now());
  s->conn = 0;
  s->rx_len = 0;
  close_fd(s);
  if (rc <= PN_ERR_FATAL) return rc;
  return drain(s);
}

/* Offers the read bytes to the engine while a message has somewhere to go;
 * the engine yields at most one message per pn_engine_recv(). */
static int feed(pn_sio *s) {
  int rc;
  while (s->conn && s->rx_len && !s->rx_held && (s->discard || free_slot(s))) {
    pn_recv_block why = PN_RECV_MORE;
    ptrdiff_t n = pn_engine_recv(s->e, s->conn, s->rx + s->rx_off, s->rx_len,
                                 pn_io_now(), &why);
    if (n <= PN_ERR_FATAL) return (int)n;
    if (n < 0) { /* the engine forgot it */
      s->rx_len = 0;
      break;
    }
    s->rx_off += (size_t)n;
    s->rx_len -= (size_t)n;
    if (s->rx_len && why == PN_RECV_WAIT) s->rx_held = 1;
    if ((rc = drain(s)) < 0) return rc;
  }
  /* Everything read is in: now the end of the stream may count. */
  if (s->conn && !s->rx_len && s->eof) return transport_closed(s);
  return PN_OK;
}

static int read_some(pn_sio *s) {
  ssize_t n;
  do
    n = recv(s->fd, s->rx, sizeof s->rx, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n > 0) {
    s->rx_off = 0;
    s->rx_len = (size_t)n;
  } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
    if (n < 0) sys_fail(s, "read");
    s->eof = 1;
  }
  return feed(s);
}

/* One wait for the socket or the engine's deadline, at most until `until`,
 * then whatever became due. */
static int step(pn_sio *s, pn_time until) {
  pn_time now = pn_io_now(), wake = until < s->deadline ? until : s->deadline;
  int rd = s->fd >= 0 && s->conn && !s->eof && !s->rx_len &&
           (s->discard || free_slot(s));
  int wr = s->fd >= 0 && s->conn && s->tx_blocked && !s->tx_dead;
  struct pollfd p = {.fd = (rd || wr) ? s->fd : -1,
                     .events = (short)((rd ? POLLIN : 0) | (wr ? POLLOUT : 0))};
  int ms = -1, rc;
  if (wake != PN_TIME_NEVER) {
    pn_time d = wake > now ? wake - now : 0;
    ms = d / PN_MSEC > 60000 ? 60000 : (int)((d + PN_MSEC - 1) / PN_MSEC);
  } else if (!rd && !wr) { /* no timer, no socket: it would sleep forever */
    errno = EDEADLK;
    return sys_fail(s, "wait");
  }
  if (poll(&p, 1, ms) < 0 && errno != EINTR) return sys_fail(s, "poll");
  now = pn_io_now();
  if (wr && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
    s->tx_blocked = 0;
    if ((rc = pn_engine_writable(s->e, s->conn, now)) <= PN_ERR_FATAL)
      return rc;
    if ((rc = drain(s)) < 0) return rc;
  }
  if (rd && s->fd >= 0 && (p.revents & (POLLIN | POLLERR | POLLHUP)) &&
      (rc = read_some(s)) < 0)
    return rc;
  if (now >= s->deadline) {
    if ((rc = pn_engine_tick(s->e, now)) <= PN_ERR_FATAL) return rc;
    if ((rc = drain(s)) < 0) return rc;
    if ((rc = feed(s)) < 0) return rc;
  }
  return PN_OK;
}

/* Turns the loop until `done` says so or `until` passes (after at least one
 * look at the socket, so a timeout of 0 still reads what is there). */
static int run(pn_sio *s, pn_time until, int (*done)(const pn_sio *),
               const char *what) {
  int rc, looked = 0;
  for (;;) {
    if ((rc = drain(s)) < 0 || (rc = feed(s)) < 0) break;
    if (done(s)) return PN_OK;
    if (looked && pn_io_now() >= until) return timed_out(s, what);
    if ((rc = step(s, until)) < 0) break;
    looked = 1;
  }
  /* step names its own failures; the engine's (all fatal) are named here. */
  return rc <= PN_ERR_FATAL ? fail(s, rc, 0, "%s: the engine failed", what)
                            : rc;
}

static int flushed(const pn_sio *s) {
  return !s->tx_blocked || s->tx_dead || !s->conn;
}

static int handshake_done(const pn_sio *s) {
  return s->state != S_HANDSHAKE && (s->state != S_OPEN || flushed(s));
}

static int open_flushed(const pn_sio *s) {
  return s->state != S_OPEN || flushed(s);
}

static int got_message(const pn_sio *s) {
  return s->want.full || s->park.full || s->state != S_OPEN;
}

static int conn_gone(const pn_sio *s) {
  return !s->conn;
}

/* ---- Connections --------------------------------------------------------- */

/* Numeric addresses without getaddrinfo (which allocates); names with it.
 * Calls `fn` for each address until it returns 0. */
static int each_addr(const char *hostport, int passive,
                     int (*fn)(void *u, const struct sockaddr *sa,
                               socklen_t len),
                     void *u) {
  char host[256], port[16];
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
  struct addrinfo hints, *res, *ai;
  int rc = -1;
  if (io_split_hostport(hostport, host, sizeof host, port, sizeof port))
    return PN_ERR_INVALID_ARGUMENT;
  unsigned long pn = strtoul(port, NULL, 10);
  if (pn > 65535) return PN_ERR_INVALID_ARGUMENT;
  memset(&v4, 0, sizeof v4);
  memset(&v6, 0, sizeof v6);
  v4.sin_family = AF_INET;
  v4.sin_port = htons((uint16_t)pn);
  v6.sin6_family = AF_INET6;
  v6.sin6_port = v4.sin_port;
  if (!host[0] || inet_pton(AF_INET, host, &v4.sin_addr) == 1) {
    if (!host[0]) v4.sin_addr.s_addr = htonl(passive ? INADDR_ANY : 0x7f000001);
    return fn(u, (struct sockaddr *)&v4, sizeof v4);
  }
  if (inet_pton(AF_INET6, host, &v6.sin6_addr) == 1)
    return fn(u, (struct sockaddr *)&v6, sizeof v6);
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  if (getaddrinfo(host, port, &hints, &res) != 0) {
    errno = EADDRNOTAVAIL;
    return PN_ERR_INVALID_STATE;
  }
  for (ai = res; ai && rc != 0; ai = ai->ai_next)
    rc = fn(u, ai->ai_addr, ai->ai_addrlen);
  freeaddrinfo(res);
  return rc;
}

typedef struct listen_ctx {
  int fd;
} listen_ctx;

static int try_listen(void *u, const struct sockaddr *sa, socklen_t len) {
  listen_ctx *l = u;
  int one = 1, fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return PN_ERR_INVALID_STATE;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (sa->sa_family == AF_INET6)
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, sa, len) != 0 || listen(fd, 16) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return PN_ERR_INVALID_STATE;
  }
  l->fd = fd;
  return PN_OK;
}

int pn_sio_listen(const char *hostport, int *fd, unsigned *port) {
  listen_ctx l = {-1};
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  int rc;
  if (!hostport || !fd) return PN_ERR_INVALID_ARGUMENT;
  if ((rc = each_addr(hostport, 1, try_listen, &l))) return rc;
  *fd = l.fd;
  if (port) {
    *port = 0;
    if (getsockname(l.fd, (struct sockaddr *)&ss, &sl) == 0)
      *port = ntohs(ss.ss_family == AF_INET6
                        ? ((struct sockaddr_in6 *)&ss)->sin6_port
                        : ((struct sockaddr_in *)&ss)->sin_port);
  }
  return PN_OK;
}

typedef struct dial_ctx {
  pn_sio *s;
  pn_time until;
  int fd, timed_out;
} dial_ctx;

/* A connect bounded in time: non-blocking only while it is in progress. */
static int try_dial(void *u, const struct sockaddr *sa, socklen_t len) {
  dial_ctx *d = u;
  int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0), fl, e = 0;
  socklen_t el = sizeof e;
  if (fd < 0) return PN_ERR_INVALID_STATE;
  fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) goto fail;
  if (connect(fd, sa, len) != 0) {
    if (errno != EINPROGRESS) goto fail;
    for (;;) {
      pn_time now = pn_io_now();
      struct pollfd p = {.fd = fd, .events = POLLOUT};
      int ms = -1;
      if (d->until != PN_TIME_NEVER) {
        pn_time left = d->until > now ? d->until - now : 0;
        ms = left / PN_MSEC > 60000 ? 60000
                                    : (int)((left + PN_MSEC - 1) / PN_MSEC);
      }
      int r = poll(&p, 1, ms);
      if (r < 0 && errno != EINTR) goto fail;
      if (r > 0) break;
      if (pn_io_now() >= d->until) {
        d->timed_out = 1;
        errno = ETIMEDOUT;
        goto fail;
      }
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0) goto fail;
    if (e) {
      errno = e;
      goto fail;
    }
  }
  if (fcntl(fd, F_SETFL, fl) != 0) goto fail;
  d->fd = fd;
  return PN_OK;
fail:
  e = errno;
  close(fd);
  errno = e;
  return d->timed_out ? 0 : PN_ERR_INVALID_STATE; /* 0 stops the list */
}

static void reset_conn(pn_sio *s) {
  s->state = S_IDLE;
  s->conn = 0;
  s->have_peer = 0;
  s->err_no = 0;
  s->reason = PN_REASON_NONE;
  s->remote_reason = 0;
  s->rx_off = s->rx_len = 0;
  s->rx_held = s->eof = s->tx_blocked = s->tx_dead = s->discard = 0;
  s->want.buf = NULL;
  s->want.full = s->park.full = 0;
}

static int bad_expect(const pn_peer_id *expect) {
  return expect && (!expect->len || expect->len > PN_PEER_ID_MAX);
}

int pn_sio_connect(pn_sio *s, const char *hostport, const pn_peer_id *expect,
                   pn_time timeout) {
  dial_ctx d;
  int rc;
  if (!s || !hostport || bad_expect(expect))
    return s ? fail(s, PN_ERR_INVALID_ARGUMENT, 0, "connect")
             : PN_ERR_INVALID_ARGUMENT;
  if (s->state != S_IDLE)
    return fail(s, PN_ERR_INVALID_STATE, 0, "connect: already connected");
  d.s = s;
  d.until = after(timeout);
  d.fd = -1;
  d.timed_out = 0;
  rc = each_addr(hostport, 0, try_dial, &d);
  if (rc == PN_ERR_INVALID_ARGUMENT)
    return fail(s, rc, 0, "connect: '%s' is not HOST:PORT", hostport);
  if (d.fd < 0) {
    if (d.timed_out) return timed_out(s, "connect");
    return sys_fail(s, "connect");
  }
  pn_time left =
      d.until == PN_TIME_NEVER ? PN_TIME_NEVER : d.until - pn_io_now();
  if (d.until != PN_TIME_NEVER && d.until <= pn_io_now()) left = 0;
  return pn_sio_handshake(s, d.fd, PN_DIR_OUTBOUND, expect, left);
}

int pn_sio_accept(pn_sio *s, int listen_fd, const pn_peer_id *expect,
                  pn_time timeout) {
  pn_time until;
  int fd;
  if (!s || listen_fd < 0 || bad_expect(expect))
    return s ? fail(s, PN_ERR_INVALID_ARGUMENT, 0, "accept")
             : PN_ERR_INVALID_ARGUMENT;
  if (s->state != S_IDLE)
    return fail(s, PN_ERR_INVALID_STATE, 0, "accept: already connected");
  until = after(timeout);
  for (;;) {
    pn_time now = pn_io_now();
    struct pollfd p = {.fd = listen_fd, .events = POLLIN};
    int ms = -1, r;
    if (until != PN_TIME_NEVER) {
      pn_time left = until > now ? until - now : 0;
      ms = left / PN_MSEC > 60000 ? 60000
                                  : (int)((left + PN_MSEC - 1) / PN_MSEC);
    }
    r = poll(&p, 1, ms);
    if (r < 0 && errno != EINTR) return sys_fail(s, "accept: poll");
    if (r > 0) {
      /* Non-blocking for this call only: a connection reset between poll
       * and accept must not block past the timeout. */
      int fl = fcntl(listen_fd, F_GETFL);
      if (fl >= 0 && !(fl & O_NONBLOCK))
        fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK);
      fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
      int e = errno;
      if (fl >= 0 && !(fl & O_NONBLOCK)) fcntl(listen_fd, F_SETFL, fl);
      errno = e;
      if (fd >= 0) break;
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
          errno != ECONNABORTED)
        return sys_fail(s, "accept");
    }
    if (pn_io_now() >= until) return timed_out(s, "accept");
  }
  pn_time now = pn_io_now();
  return pn_sio_handshake(s, fd, PN_DIR_INBOUND, expect,
                          until == PN_TIME_NEVER ? PN_TIME_NEVER
                          : until > now          ? until - now
                                                 : 0);
}

static const char *reason_text(const pn_sio *s) {
  return pn_reason_str(s->reason);
}

/* Drops what is left of a connection that failed during its set-up. */
static int abandon(pn_sio *s, int rc) {
  int r2 = transport_closed(s);
  s->state = S_IDLE;
  return r2 <= PN_ERR_FATAL ? fail(s, r2, 0, "the engine failed") : rc;
}

int pn_sio_handshake(pn_sio *s, int fd, pn_dir dir, const pn_peer_id *expect,
                     pn_time timeout) {
  pn_time until = after(timeout), now = pn_io_now();
  int rc, one = 1;
  if (!s) {
    if (fd >= 0) close(fd);
    return PN_ERR_INVALID_ARGUMENT;
  }
  if (fd < 0 || (dir != PN_DIR_INBOUND && dir != PN_DIR_OUTBOUND) ||
      bad_expect(expect)) {
    if (fd >= 0) close(fd);
    return fail(s, PN_ERR_INVALID_ARGUMENT, 0, "handshake: bad argument");
  }
  if (s->state != S_IDLE) {
    close(fd);
    return fail(s, PN_ERR_INVALID_STATE, 0, "handshake: already connected");
  }
  reset_conn(s);
  s->fd = fd;
  /* Small messages go at once (not an error on a socketpair). */
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (dir == PN_DIR_INBOUND && !s->listening) {
    if ((rc = pn_engine_listening(s->e, now))) {
      close_fd(s);
      return fail(s, rc, 0, "handshake: listening");
    }
    s->listening = 1;
  }
  rc = pn_engine_conn_open(s->e, dir, expect, NULL, now, &s->conn);
  if (rc) {
    s->conn = 0;
    close_fd(s);
    return fail(s, rc, 0, "handshake: opening the connection");
  }
  s->state = S_HANDSHAKE;
  if ((rc = run(s, until, handshake_done, "handshake")) < 0)
    return abandon(s, rc);
  if (s->state == S_OPEN && !s->tx_dead) return PN_OK;
  if (s->state == S_OPEN) /* the last handshake message could not go out */
    return abandon(s, PN_ERR_INVALID_STATE);
  rc = fail(s, PN_ERR_HANDSHAKE_FAILED, s->err_no, "%s", reason_text(s));
  return abandon(s, rc);
}

/* The error for a call that needs a connection and has none. */
static int no_conn(pn_sio *s, const char *what) {
  if (s->state == S_IDLE && !s->have_peer)
    return fail(s, PN_ERR_NOT_FOUND, 0, "%s: not connected", what);
  if (s->remote_reason)
    return fail(s, PN_ERR_NOT_FOUND, 0, "%s: connection ended: %s (%s)", what,
                reason_text(s), pn_reason_str(s->remote_reason));
  return fail(s, PN_ERR_NOT_FOUND, 0, "%s: connection ended: %s", what,
              reason_text(s));
}

int pn_sio_send(pn_sio *s, const void *msg, size_t len, pn_time timeout) {
  pn_time until = after(timeout);
  int rc, tried_flush = 0;
  if (!s) return PN_ERR_INVALID_ARGUMENT;
  if (!msg && len) return fail(s, PN_ERR_INVALID_ARGUMENT, 0, "send: NULL");
  if (len > s->max_message) {
    fail(s, PN_ERR_MSG_TOO_LARGE, 0,
         "send: a message of %zu bytes, max_message is %llu", len,
         (unsigned long long)s->max_message);
    s->err_size = len;
    return PN_ERR_MSG_TOO_LARGE;
  }
  /* Events already in (a close, a message) come first. */
  if ((rc = drain(s)) < 0) return fail(s, rc, 0, "send: the engine failed");
  if (s->state != S_OPEN) return no_conn(s, "send");
  for (;;) {
    rc = pn_engine_send(s->e, &s->peer.id, msg, len, pn_io_now());
    if (rc != PN_ERR_OVERFLOW || tried_flush) break;
    /* Earlier output (a timed-out send) fills the queue: write it first. */
    if ((rc = run(s, until, open_flushed, "send")) < 0) return rc;
    if (s->state != S_OPEN) return no_conn(s, "send");
    tried_flush = 1;
  }
  if (rc == PN_ERR_OVERFLOW)
    return fail(s, rc, 0, "send: %zu bytes do not fit the engine's queue", len);
  if (rc == PN_ERR_NOT_FOUND) return no_conn(s, "send");
  if (rc < 0) return fail(s, rc, 0, "send");
  if ((rc = run(s, until, open_flushed, "send")) < 0) return rc;
  if (s->tx_dead) {
    int err = s->err_no;
    rc = transport_closed(s);
    if (rc <= PN_ERR_FATAL) return fail(s, rc, 0, "send: the engine failed");
    return fail(s, PN_ERR_INVALID_STATE, err, "send: write: %s", strerror(err));
  }
  /* Ended with the message not all written: it may not have arrived. */
  if (s->state != S_OPEN && s->tx_blocked) return no_conn(s, "send");
  return PN_OK;
}

/* Hands a received result to the caller. */
static ptrdiff_t take(pn_sio *s, slot *t, void *buf, size_t cap) {
  ptrdiff_t n = (ptrdiff_t)t->size;
  t->full = 0;
  if (!t->err && t->size > cap) t->err = PN_ERR_NOBUF; /* parked, then asked */
  if (t->err == PN_ERR_NOBUF) {
    fail(s, PN_ERR_NOBUF, 0,
         "recv: a message of %llu bytes, the buffer holds %zu (dropped)",
         (unsigned long long)t->size, cap);
  } else if (t->err) {
    fail(s, t->err, 0,
         "recv: the peer sent a message of %llu bytes, max_message is %llu "
         "(dropped)",
         (unsigned long long)t->size, (unsigned long long)s->max_message);
  } else {
    if (t != &s->want && n) memcpy(buf, t->buf, (size_t)n);
    return n;
  }
  s->err_size = t->size;
  return t->err;
}

ptrdiff_t pn_sio_recv(pn_sio *s, void *buf, size_t cap, pn_time timeout) {
  pn_time until = after(timeout);
  int rc;
  if (!s) return PN_ERR_INVALID_ARGUMENT;
  if (!buf && cap) return fail(s, PN_ERR_INVALID_ARGUMENT, 0, "recv: NULL");
  if (s->park.full) return take(s, &s->park, buf, cap);
  if (s->state != S_OPEN) return no_conn(s, "recv");
  s->want.buf = buf ? buf : s->rx; /* cap 0: any message is too large */
  s->want.cap = cap;
  s->want.full = 0;
  rc = run(s, until, got_message, "recv");
  s->want.buf = NULL;
  if (s->want.full) return take(s, &s->want, buf, cap);
  if (s->park.full) return take(s, &s->park, buf, cap); /* not reached */
  if (rc < 0) return rc;
  return no_conn(s, "recv");
}

int pn_sio_close(pn_sio *s, pn_time timeout) {
  pn_time until = after(timeout);
  int rc = PN_OK, r;
  if (!s) return PN_ERR_INVALID_ARGUMENT;
  s->discard = 1;
  s->park.full = 0;
  if (s->state == S_OPEN) {
    r = pn_engine_disconnect(s->e, &s->peer.id, pn_io_now());
    if (r <= PN_ERR_FATAL) return fail(s, r, 0, "close: the engine failed");
  }
  if (s->conn) {
    rc = run(s, until, conn_gone, "close");
    if (rc <= PN_ERR_FATAL) return rc;
    if (s->tx_dead && !rc)
      rc = fail(s, PN_ERR_INVALID_STATE, s->err_no, "close: write: %s",
                strerror(s->err_no));
    if (s->conn && (r = transport_closed(s)) <= PN_ERR_FATAL)
      return fail(s, r, 0, "close: the engine failed");
  }
  close_fd(s);
  s->state = S_IDLE;
  s->discard = 0;
  return rc;
}

int pn_sio_peer(const pn_sio *s, pn_peer_info *out) {
  if (!s || !out) return PN_ERR_INVALID_ARGUMENT;
  if (!s->have_peer) return PN_ERR_NOT_FOUND;
  *out = s->peer;
  if (s->state == S_OPEN) {
    pn_peer_info live;
    if (pn_engine_peer(s->e, &s->peer.id, &live) == PN_OK) *out = live;
  }
  return PN_OK;
}

void pn_sio_local_id(const pn_sio *s, pn_peer_id *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (s) pn_engine_local_id(s->e, out);
}

int pn_sio_fd(const pn_sio *s) {
  return s ? s->fd : -1;
}

const pn_engine *pn_sio_engine(const pn_sio *s) {
  return s ? s->e : NULL;
}

const char *pn_sio_errmsg(const pn_sio *s) {
  return s ? s->msg : "";
}

int pn_sio_errno(const pn_sio *s) {
  return s ? s->err_no : 0;
}

pn_reason pn_sio_reason(const pn_sio *s) {
  return s ? s->reason : PN_REASON_NONE;
}

int pn_sio_remote_reason(const pn_sio *s) {
  return s ? s->remote_reason : 0;
}

uint64_t pn_sio_errsize(const pn_sio *s) {
  return s ? s->err_size : 0;
}
