/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Dialling: failures reach the application as notices (address, errno,
 * whether a redial follows); redial with backoff finds a listener that
 * appears later and a peer that comes back; a dial attempt that does not
 * complete within dial_timeout is given up with ETIMEDOUT; a cancelled dial
 * stops. Every descriptor comes back. */
#include "iotest.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned free_port(void) {
  struct sockaddr_in sa = {.sin_family = AF_INET};
  socklen_t sl = sizeof sa;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
  assert_true(getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
  close(fd);
  return ntohs(sa.sin_port);
}

typedef struct seen {
  int n, err;
  char addr[64];
  pn_time retry_at;
} seen;

static void on_notice(void *user, pn_io *io, const pn_io_notice *nt) {
  seen *s = user;
  (void)io;
  if (nt->type != PN_IO_DIAL_FAILED) return;
  s->n++;
  s->err = nt->err;
  snprintf(s->addr, sizeof s->addr, "%s", nt->addr);
  s->retry_at = nt->retry_at;
}

/* Nothing listens: the node keeps trying, each failure told; then a
 * listener appears and the redial finds it; the peer goes and comes back. */
static void test_redial(void **state) {
  (void)state;
  int baseline = count_fds();
  tnode a, b;
  pn_io_config rc = {.redial_min = 10 * PN_MSEC, .redial_max = 40 * PN_MSEC};
  tnode_init(&a, NULL, NULL);
  tnode_init(&b, NULL, &rc);
  unsigned port = free_port();
  tnode_dial(&b, "127.0.0.1", port, 1);
  pn_io *ios[2] = {a.io, b.io};
  STEP_UNTIL(&b.io, 1, b.dial_failed >= 3, 5);
  assert_true(b.last_dial_err == ECONNREFUSED);
  assert_true(b.connected == 0);
  assert_true(pn_io_dialing(b.io) == 1); /* a redial is pending */
  char addr[64];
  snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
  assert_true(pn_io_listen(a.io, addr) == 0);
  STEP_UNTIL(ios, 2, a.connected == 1 && b.connected == 1, 5);
  /* The connection is lost: the node dials again by itself. */
  pn_io_stop(a.io);
  STEP_UNTIL(ios, 2, pn_io_done(a.io) && b.disconnected == 1, 5);
  assert_true(pn_io_dialing(b.io) == 1);
  tnode_free(&a);
  tnode_init(&a, NULL, NULL);
  ios[0] = a.io;
  assert_true(pn_io_listen(a.io, addr) == 0);
  STEP_UNTIL(ios, 2, a.connected == 1 && b.connected == 2, 5);
  tnode_stop_pair(&a, &b);
  assert_true(count_fds() == baseline);
}

/* The notice names the address and the errno; without redial nothing is
 * pending afterwards. */
static void test_notice(void **state) {
  (void)state;
  seen s;
  memset(&s, 0, sizeof s);
  pn_engine *e;
  pn_io *io;
  pn_engine_config cfg;
  uint8_t key[32] = {1};
  pn_engine_config_default(&cfg);
  cfg.static_private = key;
  cfg.static_private_len = 32;
  assert_true(pn_engine_new(&e, &cfg, pn_io_now()) == 0);
  pn_io_config ic = {.on_notice = on_notice, .user = &s};
  assert_true(pn_io_new(&io, e, &ic) == 0);
  char addr[64];
  snprintf(addr, sizeof addr, "127.0.0.1:%u", free_port());
  assert_true(pn_io_dial(io, addr, NULL, 0) > 0);
  STEP_UNTIL(&io, 1, s.n == 1, 5);
  assert_true(s.err == ECONNREFUSED);
  assert_true(strcmp(s.addr, addr) == 0);
  assert_true(s.retry_at == PN_TIME_NEVER);
  assert_true(pn_io_dialing(io) == 0);
  assert_true(pn_io_conn_count(io) == 0);
  pn_io_free(io);
  pn_engine_free(e);
}

/* A dial attempt older than dial_timeout is given up before its socket is
 * looked at again: with a 1 ns timeout every attempt times out, whatever
 * the kernel does with the SYN. Redial keeps trying; cancel stops it. */
static void test_timeout(void **state) {
  (void)state;
  int baseline = count_fds();
  tnode a, c;
  tnode_init(&a, NULL, NULL);
  unsigned port = tnode_listen(&a, "127.0.0.1");
  assert_true(port);
  pn_io_config tc = {
      .dial_timeout = 1, .redial_min = 1 * PN_MSEC, .redial_max = 2 * PN_MSEC};
  tnode_init(&c, NULL, &tc);
  char addr[64];
  snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
  int h = pn_io_dial(c.io, addr, NULL, 1);
  assert_true(h > 0);
  pn_io *ios[2] = {a.io, c.io};
  STEP_UNTIL(ios, 2, c.dial_failed >= 3, 5);
  assert_true(c.last_dial_err == ETIMEDOUT);
  assert_true(c.connected == 0);
  pn_io_dial_cancel(c.io, h);
  assert_true(pn_io_dialing(c.io) <= 1); /* the attempt in flight, if any */
  STEP_UNTIL(ios, 2, pn_io_dialing(c.io) == 0 && pn_io_conn_count(c.io) == 0,
             5);
  uint64_t failed = c.dial_failed;
  for (int i = 0; i < 5; i++)
    assert_true(pn_io_step_many(ios, 2, 2 * PN_MSEC) == 0);
  assert_true(c.dial_failed == failed); /* cancelled: no more attempts */
  tnode_free(&c);
  tnode_free(&a);
  assert_true(count_fds() == baseline);
}

int main(void) {
  assert_true(pn_crypto_init() == 0);
  pn_io_install_signals();
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_redial),
                                     cmocka_unit_test(test_notice),
                                     cmocka_unit_test(test_timeout)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
