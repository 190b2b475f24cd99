/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The engine embedded in an epoll loop, with nothing but the engine's public
 * API (no p2pnoise io library): two engines in one process, a listener and
 * a dialler on 127.0.0.1, a Noise XX handshake, "ping" one way and "pong"
 * back, then a graceful shutdown of both. Exits 0 when all of it happened.
 *
 * The engine says when each side can move: input it did not take waits for
 * a RESUME, output after a partial write waits for EPOLLOUT and
 * pn_engine_writable(), time waits for the DEADLINE. No timer of our own.
 */
#define _GNU_SOURCE
#include <p2pnoise/engine.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct node {
  const char *name;
  pn_engine *e;
  pn_time deadline;
  int got_pong, closed;
} node;

typedef struct conn {
  node *n;
  int fd;
  pn_conn_id id;
  int want_out;        /* a partial write: waiting for EPOLLOUT */
  uint8_t held[65536]; /* input the engine did not take yet */
  size_t off, len;     /* held[off, len) waits for a RESUME */
  int dead;
} conn;

static int ep;
static node server = {.name = "server"}, client = {.name = "client"};
/* Connections closed during a turn, freed when no pointer can remain. */
static conn *graveyard[64];
static int ngrave;

static pn_time now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (pn_time)ts.tv_sec * PN_SEC + (pn_time)ts.tv_nsec;
}

static void die(const char *what, int rc) {
  fprintf(stderr, "epoll_pair: %s: %s\n", what,
          rc ? pn_strerror(rc) : strerror(errno));
  exit(1);
}

/* Reads only while nothing is held; writes are watched after a partial one. */
static void watch(conn *c, int op) {
  struct epoll_event ev = {.events = (c->len ? 0 : EPOLLIN) |
                                     (c->want_out ? EPOLLOUT : 0),
                           .data.ptr = c};
  if (epoll_ctl(ep, op, c->fd, &ev) != 0) die("epoll_ctl", 0);
}

static void gone(conn *c, int tell) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->dead = 1;
  graveyard[ngrave++] = c;
  if (tell && pn_engine_conn_closed(c->n->e, c->id, now_ns())) die("closed", 0);
}

static void on_event(node *n, const pn_event *ev) {
  pn_time now = now_ns();
  if (ev->type == PN_EVENT_PEER_CONNECTED) {
    printf("%s: handshake done (%s)\n", n->name,
           ev->connected.dir == PN_DIR_INBOUND ? "inbound" : "outbound");
    if (n == &client && pn_engine_send(n->e, &ev->connected.peer,
                                       (const uint8_t *)"ping", 4, now))
      die("send ping", 0);
  } else if (ev->type == PN_EVENT_MESSAGE) {
    const pn_event_message *m = &ev->message;
    printf("%s: got \"%.*s\"\n", n->name, (int)m->len, (const char *)m->data);
    if (n == &server &&
        pn_engine_send(n->e, &m->peer, (const uint8_t *)"pong", 4, now))
      die("send pong", 0);
    if (n == &client && m->len == 4 && !memcmp(m->data, "pong", 4)) {
      n->got_pong = 1;
      if (pn_engine_shutdown(client.e, now) ||
          pn_engine_shutdown(server.e, now))
        die("shutdown", 0);
    }
  } else if (ev->type == PN_EVENT_CLOSED) {
    n->closed = 1;
  }
}

static void offer(conn *c);

/* Carries out every action the engine has, as engine.h describes. */
static void drain(node *n) {
  pn_action a;
  int rc;
  while ((rc = pn_engine_poll(n->e, &a)) == 1) {
    conn *c = a.user;
    switch (a.type) {
    case PN_ACTION_SEND: {
      ssize_t w = send(c->fd, a.send.data, a.send.len, MSG_NOSIGNAL);
      if (w < 0 && errno != EAGAIN && errno != EINTR) { /* reset */
        gone(c, 1);
        break;
      }
      if (w < 0) w = 0;
      if (pn_engine_sent(n->e, c->id, (size_t)w, now_ns())) die("sent", 0);
      if ((size_t)w < a.send.len) c->want_out = 1, watch(c, EPOLL_CTL_MOD);
      break;
    }
    case PN_ACTION_CLOSE:
      gone(c, 0);
      break;
    case PN_ACTION_EVENT:
      on_event(n, &a.event);
      break;
    case PN_ACTION_RESUME:
      offer(c);
      break;
    case PN_ACTION_DEADLINE:
      n->deadline = a.deadline;
      break;
    default:
      break;
    }
  }
  if (rc < 0) die("poll", rc);
}

/* Offers the held input; what the engine leaves waits for its RESUME. */
static void offer(conn *c) {
  if (c->dead || c->off == c->len) return;
  ptrdiff_t k = pn_engine_recv(c->n->e, c->id, c->held + c->off,
                               c->len - c->off, now_ns(), NULL);
  if (k < 0) die("recv", (int)k);
  c->off += (size_t)k;
  if (c->off == c->len) {
    c->off = c->len = 0;
    watch(c, EPOLL_CTL_MOD); /* read again */
  }
}

static void on_readable(conn *c) {
  ssize_t r = recv(c->fd, c->held, sizeof c->held, 0);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (r <= 0) { /* EOF or reset: the engine forgets the connection */
    gone(c, 1);
    return;
  }
  c->off = 0;
  c->len = (size_t)r;
  watch(c, EPOLL_CTL_MOD); /* no reading while bytes are held */
  offer(c);
}

static void conn_add(node *n, int fd, pn_dir dir) {
  conn *c = calloc(1, sizeof *c);
  if (!c) die("calloc", 0);
  c->n = n;
  c->fd = fd;
  watch(c, EPOLL_CTL_ADD);
  int rc = pn_engine_conn_open(n->e, dir, NULL, c, now_ns(), &c->id);
  if (rc) die("conn_open", rc);
}

static pn_engine *make_engine(void) {
  pn_engine_config cfg;
  pn_engine *e;
  uint8_t key[32];
  pn_engine_config_default(&cfg);
  FILE *f = fopen("/dev/urandom", "rb");
  if (!f || fread(key, 1, 32, f) != 32) die("urandom", 0);
  fclose(f);
  cfg.static_private = key;
  cfg.static_private_len = 32;
  int rc = pn_engine_new(&e, &cfg, now_ns());
  memset(key, 0, sizeof key);
  if (rc) die("engine", rc);
  return e;
}

int main(void) {
  server.e = make_engine();
  client.e = make_engine();
  if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) die("epoll", 0);

  struct sockaddr_in sa = {.sin_family = AF_INET};
  socklen_t sl = sizeof sa;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) ||
      listen(lfd, 16) || getsockname(lfd, (struct sockaddr *)&sa, &sl))
    die("listen", 0);
  struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev)) die("epoll_ctl", 0);
  if (pn_engine_listening(server.e, now_ns())) die("listening", 0);

  /* A blocking connect is fine on loopback; then non-blocking for I/O. */
  int cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof sa))
    die("dial", 0);
  if (fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) | O_NONBLOCK)) die("fcntl", 0);
  conn_add(&client, cfd, PN_DIR_OUTBOUND);

  while (!(server.closed && client.closed)) {
    drain(&server);
    drain(&client);
    if (server.closed && client.closed) break;
    /* Sleep until a socket moves or the earlier deadline. */
    pn_time now = now_ns(), next = server.deadline < client.deadline
                                       ? server.deadline
                                       : client.deadline;
    int timeout = -1;
    if (next != PN_TIME_NEVER)
      timeout = next <= now ? 0 : (int)((next - now + PN_MSEC - 1) / PN_MSEC);
    struct epoll_event evs[16];
    int k = epoll_wait(ep, evs, 16, timeout);
    if (k < 0 && errno != EINTR) die("epoll_wait", 0);
    for (int i = 0; i < k; i++) {
      conn *c = evs[i].data.ptr;
      if (!c) { /* the listener */
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) conn_add(&server, fd, PN_DIR_INBOUND);
        continue;
      }
      if (c->dead) continue;
      if (evs[i].events & EPOLLOUT) {
        c->want_out = 0;
        watch(c, EPOLL_CTL_MOD);
        if (pn_engine_writable(c->n->e, c->id, now_ns())) die("writable", 0);
      }
      if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR) && !c->len)
        on_readable(c);
      drain(c->n);
    }
    while (ngrave)
      free(graveyard[--ngrave]);
    now = now_ns();
    if (now >= server.deadline && pn_engine_tick(server.e, now)) die("tick", 0);
    if (now >= client.deadline && pn_engine_tick(client.e, now)) die("tick", 0);
  }
  close(lfd);
  close(ep);
  pn_engine_free(server.e);
  pn_engine_free(client.e);
  if (!client.got_pong) die("no pong", PN_ERR_INTERNAL);
  printf("epoll_pair: ok\n");
  return 0;
}
