/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The engine embedded in an epoll loop, with nothing but the engine's public
 * API (no p2pnoise io library): two engines in one process, a listener and
 * a dialler on 127.0.0.1, a Noise XX handshake, "ping" one way and "pong"
 * back, then a graceful shutdown of both. Exits 0 when all of it happened.
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

typedef struct node node;
static int ep;

typedef struct conn {
  node *n;
  int fd;
  pn_conn_id id;
  const uint8_t *tx; /* a SEND the socket could not take yet */
  size_t txlen;
  int dead; /* closed; freed at the end of the loop turn */
} conn;

/* Connections closed during a turn, freed when no pointer can remain. */
static conn *graveyard[64];
static int ngrave;

static void bury(conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->dead = 1;
  graveyard[ngrave++] = c;
}

struct node {
  const char *name;
  pn_engine *e;
  pn_time deadline;
  int got_pong, closed;
};

static node server = {.name = "server"}, client = {.name = "client"};

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

static void watch(conn *c, int op) {
  struct epoll_event ev = {.events = EPOLLIN | (c->txlen ? EPOLLOUT : 0),
                           .data.ptr = c};
  if (epoll_ctl(ep, op, c->fd, &ev) != 0) die("epoll_ctl", 0);
}

static void flush_tx(conn *c) {
  ssize_t w = send(c->fd, c->tx, c->txlen, MSG_NOSIGNAL);
  if (w < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (w < 0) { /* EPIPE, ECONNRESET: the transport is gone */
    c->tx = NULL;
    c->txlen = 0;
    bury(c);
    int rc = pn_engine_conn_closed(c->n->e, c->id, now_ns());
    if (rc) die("conn_closed", rc);
    return;
  }
  c->tx = NULL;
  c->txlen = 0;
  /* A partial write is fine: the engine offers the rest in a later SEND. */
  int rc = pn_engine_sent(c->n->e, c->id, (size_t)w, now_ns());
  if (rc) die("sent", rc);
}

static void on_event(node *n, const pn_event *ev) {
  switch (ev->type) {
  case PN_EVENT_PEER_CONNECTED:
    printf("%s: handshake done with a peer (%s)\n", n->name,
           ev->dir == PN_DIR_INBOUND ? "inbound" : "outbound");
    if (n == &client &&
        pn_engine_send(n->e, &ev->peer, (const uint8_t *)"ping", 4, now_ns()))
      die("send ping", 0);
    break;
  case PN_EVENT_MESSAGE:
    printf("%s: got \"%.*s\"\n", n->name, (int)ev->len, (const char *)ev->data);
    if (n == &server &&
        pn_engine_send(n->e, &ev->peer, (const uint8_t *)"pong", 4, now_ns()))
      die("send pong", 0);
    if (n == &client && ev->len == 4 && !memcmp(ev->data, "pong", 4)) {
      n->got_pong = 1;
      if (pn_engine_shutdown(client.e, now_ns()) ||
          pn_engine_shutdown(server.e, now_ns()))
        die("shutdown", 0);
    }
    break;
  case PN_EVENT_CLOSED:
    n->closed = 1;
    break;
  default:
    break;
  }
}

/* Carries out every action the engine has, as engine.h describes. */
static void drain(node *n) {
  pn_action a;
  int rc;
  while ((rc = pn_engine_poll(n->e, &a)) == 1) {
    conn *c = a.user;
    switch (a.type) {
    case PN_ACTION_SEND:
      c->tx = a.data;
      c->txlen = a.len;
      flush_tx(c);
      if (c->txlen && !c->dead) watch(c, EPOLL_CTL_MOD); /* for EPOLLOUT */
      break;
    case PN_ACTION_CLOSE:
      bury(c);
      break;
    case PN_ACTION_EVENT:
      on_event(n, &a.event);
      break;
    case PN_ACTION_DEADLINE:
      n->deadline = a.deadline;
      break;
    }
  }
  if (rc < 0) die("poll", rc);
}

static conn *conn_add(node *n, int fd, pn_dir dir) {
  conn *c = calloc(1, sizeof *c);
  if (!c) die("calloc", 0);
  c->n = n;
  c->fd = fd;
  watch(c, EPOLL_CTL_ADD);
  int rc = pn_engine_conn_open(n->e, dir, NULL, c, now_ns(), &c->id);
  if (rc) die("conn_open", rc);
  return c;
}

static void on_readable(conn *c) {
  static uint8_t buf[65536];
  ssize_t r = recv(c->fd, buf, sizeof buf, 0);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  node *n = c->n;
  if (r <= 0) { /* EOF or reset: the engine forgets the connection */
    bury(c);
    int rc = pn_engine_conn_closed(n->e, c->id, now_ns());
    if (rc) die("conn_closed", rc);
    return;
  }
  /* The engine may take less than offered (a message waits to be polled,
   * or its pool is full): drain and offer the rest again. */
  size_t off = 0;
  for (int tries = 0; off < (size_t)r && !c->dead; tries++) {
    ptrdiff_t k =
        pn_engine_recv(n->e, c->id, buf + off, (size_t)r - off, now_ns());
    if (k < 0) die("recv", (int)k);
    off += (size_t)k;
    drain(n);
    if (k == 0 && tries > 1000) die("engine stuck", PN_ERR_INTERNAL);
  }
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

  pn_time give_up = now_ns() + 10 * PN_SEC;
  while (!(server.closed && client.closed)) {
    drain(&server);
    drain(&client);
    if (server.closed && client.closed) break;
    pn_time now = now_ns(), next = server.deadline < client.deadline
                                       ? server.deadline
                                       : client.deadline;
    if (now > give_up) die("timed out", PN_ERR_INTERNAL);
    int timeout = 1000;
    if (next != PN_TIME_NEVER && next > now && (next - now) / PN_MSEC < 1000)
      timeout = (int)((next - now + PN_MSEC - 1) / PN_MSEC);
    else if (next != PN_TIME_NEVER && next <= now)
      timeout = 0;
    struct epoll_event evs[16];
    int k = epoll_wait(ep, evs, 16, timeout);
    if (k < 0 && errno != EINTR) die("epoll_wait", 0);
    for (int i = 0; i < k; i++) {
      conn *c = evs[i].data.ptr;
      if (c && c->dead) continue;
      if (!c) { /* the listener */
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) conn_add(&server, fd, PN_DIR_INBOUND);
        continue;
      }
      if (evs[i].events & EPOLLOUT && c->txlen) {
        flush_tx(c);
        if (!c->txlen && !c->dead) watch(c, EPOLL_CTL_MOD);
        drain(c->n);
        continue; /* a read comes on the next turn */
      }
      if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
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
