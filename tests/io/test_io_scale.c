/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* 10,000 concurrent peers on one node over loopback. The node is the
 * reference driver and an engine (plain profile); the 10,000 initiators run
 * in a child process as bare Noise handshakes on their own epoll loop, each
 * with its own static key. Every one completes the handshake, the node
 * broadcasts one message that reaches each, the initiators close, and every
 * descriptor of the node's process is back. Skipped (exit 77) only when
 * RLIMIT_NOFILE cannot be raised to hold the connections. */
#include "iotest.h"

#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

enum { NPEERS = 10000, FDS_NEEDED = NPEERS + 64, INFLIGHT = 256 };
static const char proto_name[] = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
static const char hello[] = "hello, peer";
#define LIMIT (300 * PN_SEC) /* a bound on a hang, not a measurement */

/* ---- The initiators (child process) -------------------------------------- */

typedef struct cl {
  int fd, state; /* 0 idle, 1 connecting, 2 handshaking, 3 open, 4 done */
  pn_keypair kp;
  pn_handshake hs;
  pn_cipherstate tx, rx;
  uint8_t buf[256];
  size_t blen;
} cl;

static int cl_write_frame(int fd, const uint8_t *p, size_t n) {
  uint8_t f[2 + 256];
  if (n > 256) return -1;
  f[0] = (uint8_t)(n >> 8);
  f[1] = (uint8_t)n;
  memcpy(f + 2, p, n);
  return send(fd, f, n + 2, MSG_NOSIGNAL) == (ssize_t)(n + 2) ? 0 : -1;
}

/* Handles every whole frame in c->buf; -1 on any failure. */
static int cl_frames(cl *c, int *msgs) {
  uint8_t out[256];
  size_t olen;
  while (c->blen >= 2) {
    size_t n = (size_t)c->buf[0] << 8 | c->buf[1];
    if (n > sizeof c->buf - 2) return -1;
    if (c->blen < n + 2) break;
    if (c->state == 2) { /* <- e, ee, s, es; then -> s, se */
      if (pn_handshake_read(&c->hs, c->buf + 2, n, out, sizeof out, &olen) ||
          pn_handshake_write(&c->hs, NULL, 0, out, sizeof out, &olen) ||
          cl_write_frame(c->fd, out, olen) ||
          pn_handshake_split(&c->hs, &c->tx, &c->rx))
        return -1;
      c->state = 3;
    } else if (c->state == 3) {
      if (pn_cipherstate_decrypt(&c->rx, NULL, 0, c->buf + 2, n, out,
                                 sizeof out, &olen) ||
          olen != sizeof hello - 1 || memcmp(out, hello, olen))
        return -1;
      c->state = 4;
      ++*msgs;
    } else {
      return -1;
    }
    memmove(c->buf, c->buf + 2 + n, c->blen - 2 - n);
    c->blen -= 2 + n;
  }
  return 0;
}

static int initiators(unsigned port) {
  pn_protocol p;
  static pn_crypto_ctx cx; /* one for every initiator: one cipher */
  static cl cls[NPEERS];
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (pn_protocol_parse(&p, proto_name, strlen(proto_name), PN_BACKEND_AUTO) ||
      pn_crypto_ctx_init(&cx, &p))
    return 10;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  int next = 0, inflight = 0, msgs = 0, open = 0;
  pn_time until = pn_io_now() + LIMIT;
  struct epoll_event evs[256];
  while (msgs < NPEERS) {
    if (pn_io_now() > until) {
      fprintf(stderr, "initiators: %d open, %d messages at the limit\n", open,
              msgs);
      return 11;
    }
    /* A bounded number of handshakes in flight: the accept queue is
     * SOMAXCONN long, and the node's handshake limit is not the subject. */
    while (next < NPEERS && inflight < INFLIGHT) {
      cl *c = &cls[next++];
      c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (c->fd < 0) return 12;
      if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) &&
          errno != EINPROGRESS)
        return 13;
      struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
      if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev)) return 14;
      c->state = 1;
      inflight++;
    }
    int n = epoll_wait(ep, evs, 256, 100);
    for (int i = 0; i < n; i++) {
      cl *c = evs[i].data.ptr;
      if (c->state == 1) {
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        uint8_t m[256];
        size_t ml;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (soerr || pn_keypair_generate(&c->kp, &p, NULL) ||
            pn_handshake_init(&c->hs, &p, &cx, PN_INITIATOR, NULL) ||
            pn_handshake_set_static(&c->hs, &c->kp) ||
            pn_handshake_start(&c->hs, NULL, 0) ||
            pn_handshake_write(&c->hs, NULL, 0, m, sizeof m, &ml) ||
            cl_write_frame(c->fd, m, ml)) {
          fprintf(stderr, "initiator: connect: %s\n", strerror(soerr));
          return 15;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->state = 2;
        continue;
      }
      ssize_t r = recv(c->fd, c->buf + c->blen, sizeof c->buf - c->blen, 0);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        fprintf(stderr, "initiator: closed by the node in state %d\n",
                c->state);
        return 16;
      }
      c->blen += (size_t)r;
      int was = c->state;
      if (cl_frames(c, &msgs)) return 17;
      if (was == 2 && c->state >= 3) {
        inflight--;
        open++;
      }
    }
  }
  for (int i = 0; i < NPEERS; i++) {
    close(cls[i].fd);
    pn_handshake_wipe(&cls[i].hs);
  }
  pn_crypto_ctx_wipe(&cx);
  close(ep);
  return 0;
}

/* ---- The node (this process) --------------------------------------------- */

static void scale(void **state) {
  (void)state;
  int baseline = count_fds();
  int pipefd[2];
  assert_int_equal(pipe(pipefd), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    unsigned port = 0;
    close(pipefd[1]);
    if (read(pipefd[0], &port, sizeof port) != sizeof port) _exit(9);
    _exit(initiators(port));
  }
  close(pipefd[0]);

  pn_engine_config cfg;
  pn_engine_config_default(&cfg);
  cfg.protocol = proto_name;
  cfg.profile = PN_PROFILE_PLAIN;
  cfg.max_message = PN_ENGINE_PLAIN_MAX_MESSAGE;
  cfg.max_conns = NPEERS + 64;
  cfg.max_peers = NPEERS;
  cfg.max_handshakes = 1024;
  cfg.pool_block = 256; /* one block per peer for the broadcast */
  cfg.handshake_timeout = LIMIT;
  cfg.idle_timeout = PN_TIME_NEVER;
  tnode node;
  tnode_init(&node, &cfg, NULL);
  unsigned port = tnode_listen(&node, "127.0.0.1");
  assert_true(port > 0);
  assert_int_equal(write(pipefd[1], &port, sizeof port), sizeof port);
  close(pipefd[1]);

  pn_time until = pn_io_now() + LIMIT;
  size_t peers = 0;
  while ((peers = pn_engine_peer_count(node.e)) < NPEERS &&
         pn_io_now() < until && waitpid(pid, NULL, WNOHANG) == 0)
    assert_int_equal(pn_io_step(node.io, 100 * PN_MSEC), 0);
  printf("scale: %zu of %d peers connected\n", peers, NPEERS);
  assert_int_equal(peers, NPEERS);
  assert_int_equal(node.connected, NPEERS);

  pn_engine_mem m;
  pn_io_stats st;
  pn_engine_memory(node.e, &m);
  pn_io_stats_get(node.io, &st);
  printf("scale: engine %zu bytes per connection slot, %zu total; driver "
         "%zu bytes per connection, %zu total (%zu held), %zu sockets\n",
         m.conn_bytes, m.total, st.conn_bytes, st.mem, st.held,
         pn_io_conn_count(node.io));
  assert_true(st.conn_bytes <= 512);
  assert_int_equal(pn_io_conn_count(node.io), NPEERS);

  ptrdiff_t sent = pn_engine_broadcast(node.e, (const uint8_t *)hello,
                                       sizeof hello - 1, pn_io_now());
  assert_int_equal(sent, NPEERS);
  /* Each initiator leaves once the message arrived: every peer goes. */
  while (node.disconnected < NPEERS && pn_io_now() < until)
    assert_int_equal(pn_io_step(node.io, 100 * PN_MSEC), 0);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  printf("scale: initiators exited with %d; %d peers disconnected\n",
         WIFEXITED(status) ? WEXITSTATUS(status) : -1, node.disconnected);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_int_equal(node.disconnected, NPEERS);
  pn_io_stop(node.io);
  while (!pn_io_done(node.io) && pn_io_now() < until)
    assert_int_equal(pn_io_step(node.io, 100 * PN_MSEC), 0);
  assert_true(pn_io_done(node.io));
  tnode_free(&node);
  assert_int_equal(count_fds(), baseline);
}

int main(void) {
  size_t got = pn_io_raise_nofile(FDS_NEEDED);
  if (got < FDS_NEEDED) {
    printf("SKIP: RLIMIT_NOFILE is %zu and cannot be raised to %d (the hard "
           "limit stops it): 10,000 connections need that many descriptors "
           "in each of the two processes\n",
           got, FDS_NEEDED);
    return 77;
  }
  assert_true(pn_crypto_init() == 0);
  pn_io_install_signals();
  const struct CMUnitTest tests[] = {cmocka_unit_test(scale)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
