/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The engine embedded in libuv, with nothing but the engine's public API:
 * two engines in one process on a uv loop, a uv_tcp listener and a dialler
 * on 127.0.0.1, a Noise XX handshake, "ping" and "pong", then a graceful
 * shutdown. Engine deadlines become a uv_timer; SEND becomes uv_write (the
 * bytes stay valid until pn_engine_sent, so they are not copied); bytes the
 * engine does not take yet pause reading until its RESUME.
 */
#define _GNU_SOURCE /* uv.h needs the POSIX types (pthread_rwlock_t) */
#include <p2pnoise/engine.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef struct node node;

typedef struct conn {
  uv_tcp_t tcp; /* first: the handle's address is the conn's */
  node *n;
  pn_conn_id id;
  uv_write_t wr;
  size_t wlen;
  uint8_t *held; /* bytes the engine did not take yet */
  size_t held_off, held_len;
  int closing;
} conn;

struct node {
  const char *name;
  pn_engine *e;
  uv_timer_t timer;
  int got_pong, closed;
};

static uv_loop_t *loop;
static node server = {.name = "server"}, client = {.name = "client"};
static uv_tcp_t listener;
static uv_connect_t connect_req;

static pn_time now_ns(void) {
  return uv_hrtime(); /* monotonic nanoseconds */
}

static void die(const char *what, int rc) {
  fprintf(stderr, "libuv_pair: %s: %s\n", what, pn_strerror(rc));
  exit(1);
}

static void drain(node *n);
static void feed(conn *c);

static void on_closed(uv_handle_t *h) {
  conn *c = (conn *)h;
  free(c->held);
  free(c);
}

static void conn_close(conn *c) {
  if (c->closing) return;
  c->closing = 1;
  uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_written(uv_write_t *req, int status) {
  conn *c = req->data;
  if (c->closing) return;
  if (status < 0) { /* the transport failed: the engine forgets it */
    int rc = pn_engine_conn_closed(c->n->e, c->id, now_ns());
    if (rc) die("conn_closed", rc);
    conn_close(c);
  } else {
    int rc = pn_engine_sent(c->n->e, c->id, c->wlen, now_ns());
    if (rc) die("sent", rc);
  }
  drain(c->n);
}

static void on_timer(uv_timer_t *t) {
  node *n = t->data;
  if (pn_engine_tick(n->e, now_ns())) die("tick", 0);
  drain(n);
}

static void on_event(node *n, const pn_event *ev) {
  const pn_event_message *m = &ev->message;
  switch (ev->type) {
  case PN_EVENT_PEER_CONNECTED:
    printf("%s: handshake done with a peer (%s)\n", n->name,
           ev->connected.dir == PN_DIR_INBOUND ? "inbound" : "outbound");
    if (n == &client && pn_engine_send(n->e, &ev->connected.peer,
                                       (const uint8_t *)"ping", 4, now_ns()))
      die("send", 0);
    break;
  case PN_EVENT_MESSAGE:
    printf("%s: got \"%.*s\"\n", n->name, (int)m->len, (const char *)m->data);
    if (n == &server &&
        pn_engine_send(n->e, &m->peer, (const uint8_t *)"pong", 4, now_ns()))
      die("send", 0);
    if (n == &client && m->len == 4 && !memcmp(m->data, "pong", 4)) {
      n->got_pong = 1;
      if (pn_engine_shutdown(client.e, now_ns()) ||
          pn_engine_shutdown(server.e, now_ns()))
        die("shutdown", 0);
      drain(&server); /* the other engine has work now too */
    }
    break;
  case PN_EVENT_CLOSED:
    n->closed = 1;
    uv_close((uv_handle_t *)&n->timer, NULL);
    if (server.closed && client.closed)
      uv_close((uv_handle_t *)&listener, NULL);
    break;
  default:
    break;
  }
}

static void drain(node *n) {
  pn_action a;
  int rc;
  if (n->closed) return;
  while ((rc = pn_engine_poll(n->e, &a)) == 1) {
    conn *c = a.user;
    switch (a.type) {
    case PN_ACTION_SEND: {
      uv_buf_t b = uv_buf_init((char *)a.send.data, (unsigned)a.send.len);
      c->wlen = a.send.len;
      c->wr.data = c;
      if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written))
        die("uv_write", 0);
      break;
    }
    case PN_ACTION_CLOSE:
      conn_close(c);
      break;
    case PN_ACTION_EVENT:
      on_event(n, &a.event);
      break;
    case PN_ACTION_RESUME:
      feed(c);
      break;
    case PN_ACTION_DEADLINE:
      if (a.deadline == PN_TIME_NEVER) {
        uv_timer_stop(&n->timer);
      } else {
        pn_time now = now_ns();
        uint64_t ms =
            a.deadline > now ? (a.deadline - now + PN_MSEC - 1) / PN_MSEC : 0;
        uv_timer_start(&n->timer, on_timer, ms, 0);
      }
      break;
    default:
      break;
    }
    if (n->closed) break;
  }
  if (rc < 0) die("poll", rc);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  (void)h;
  b->base = malloc(hint);
  b->len = b->base ? hint : 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);

/* Offers the held bytes (the caller drains after); reading pauses while the
 * engine leaves some, until their RESUME. */
static void feed(conn *c) {
  if (c->closing || c->held_off == c->held_len) return;
  ptrdiff_t k = pn_engine_recv(c->n->e, c->id, c->held + c->held_off,
                               c->held_len - c->held_off, now_ns(), NULL);
  if (k < 0) die("recv", (int)k);
  c->held_off += (size_t)k;
  if (c->held_off == c->held_len) {
    free(c->held);
    c->held = NULL;
    c->held_off = c->held_len = 0;
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  } else {
    uv_read_stop((uv_stream_t *)&c->tcp);
  }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b) {
  conn *c = (conn *)s;
  if (nread < 0) { /* EOF or error */
    free(b->base);
    int rc = pn_engine_conn_closed(c->n->e, c->id, now_ns());
    if (rc) die("conn_closed", rc);
    conn_close(c);
    drain(c->n);
    return;
  }
  if (nread == 0) {
    free(b->base);
    return;
  }
  c->held = (uint8_t *)b->base;
  c->held_off = 0;
  c->held_len = (size_t)nread;
  feed(c);
  drain(c->n);
}

static conn *conn_new(node *n) {
  conn *c = calloc(1, sizeof *c);
  if (!c) die("calloc", 0);
  c->n = n;
  uv_tcp_init(loop, &c->tcp);
  return c;
}

static void conn_open(conn *c, pn_dir dir) {
  int rc = pn_engine_conn_open(c->n->e, dir, NULL, c, now_ns(), &c->id);
  if (rc) die("conn_open", rc);
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  drain(c->n);
}

static void on_connection(uv_stream_t *l, int status) {
  if (status < 0) return;
  conn *c = conn_new(&server);
  if (uv_accept(l, (uv_stream_t *)&c->tcp)) {
    conn_close(c);
    return;
  }
  conn_open(c, PN_DIR_INBOUND);
}

static void on_connect(uv_connect_t *req, int status) {
  if (status < 0) die("connect", 0);
  conn_open(req->data, PN_DIR_OUTBOUND);
}

static void make_node(node *n) {
  pn_engine_config cfg;
  uint8_t key[32];
  FILE *f = fopen("/dev/urandom", "rb");
  if (!f || fread(key, 1, 32, f) != 32) die("urandom", 0);
  fclose(f);
  pn_engine_config_default(&cfg);
  cfg.static_private = key;
  cfg.static_private_len = 32;
  int rc = pn_engine_new(&n->e, &cfg, now_ns());
  memset(key, 0, sizeof key);
  if (rc) die("engine", rc);
  uv_timer_init(loop, &n->timer);
  n->timer.data = n;
}

static void on_give_up(uv_timer_t *t) {
  (void)t;
  die("timed out", PN_ERR_INTERNAL);
}

int main(void) {
  loop = uv_default_loop();
  make_node(&server);
  make_node(&client);
  struct sockaddr_in sa;
  int len = sizeof sa;
  uv_ip4_addr("127.0.0.1", 0, &sa);
  uv_tcp_init(loop, &listener);
  if (uv_tcp_bind(&listener, (struct sockaddr *)&sa, 0) ||
      uv_listen((uv_stream_t *)&listener, 16, on_connection) ||
      uv_tcp_getsockname(&listener, (struct sockaddr *)&sa, &len))
    die("listen", 0);
  if (pn_engine_listening(server.e, now_ns())) die("listening", 0);
  drain(&server);
  conn *c = conn_new(&client);
  connect_req.data = c;
  if (uv_tcp_connect(&connect_req, &c->tcp, (struct sockaddr *)&sa, on_connect))
    die("connect", 0);
  uv_timer_t give_up; /* bounded: a hang is a failure */
  uv_timer_init(loop, &give_up);
  uv_timer_start(&give_up, on_give_up, 10000, 0);
  uv_unref((uv_handle_t *)&give_up);
  uv_run(loop, UV_RUN_DEFAULT);
  uv_close((uv_handle_t *)&give_up, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  int ok = client.got_pong && server.closed && client.closed;
  pn_engine_free(server.e);
  pn_engine_free(client.e);
  if (uv_loop_close(loop)) die("loop not empty", PN_ERR_INTERNAL);
  if (!ok) die("no pong", PN_ERR_INTERNAL);
  printf("libuv_pair: ok\n");
  return 0;
}
