/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The blocking API (sio.h) over a socketpair and over loopback TCP. Each
 * test runs the far side in a thread of its own (the API blocks); only the
 * main thread asserts, on results, never on elapsed time: timeouts are
 * small only to bound a test. */
#define _GNU_SOURCE
#include <p2pnoise/sio.h>

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#define T (5 * PN_SEC) /* bounds a call that must succeed */

/* The far side: its pn_sio, its socket and its script's results. */
typedef struct far {
  pn_sio *s;
  int fd; /* for pn_sio_handshake; -1: accept on lfd */
  int lfd;
  void (*script)(struct far *);
  pthread_t t;
  int hs;           /* the handshake's result */
  ptrdiff_t r[8];   /* results of the script's calls */
  int err_no[8];    /* pn_sio_errno() after each */
  pn_reason reason; /* pn_sio_reason() at the end */
  pn_peer_info info;
} far;

/* big_swap's message, set before its thread starts. */
static uint8_t *big;
static size_t big_len;

static pn_sio *new_sio(const pn_engine_config *c) {
  pn_sio *s = NULL;
  assert_int_equal(pn_sio_new(&s, c), PN_OK);
  assert_non_null(s);
  return s;
}

static void *far_main(void *arg) {
  far *f = arg;
  if (f->fd >= 0)
    f->hs = pn_sio_handshake(f->s, f->fd, PN_DIR_INBOUND, NULL, T);
  else
    f->hs = pn_sio_accept(f->s, f->lfd, NULL, T);
  if (f->hs == PN_OK && f->script) f->script(f);
  f->reason = pn_sio_reason(f->s);
  return NULL;
}

/* A pair over a socketpair: `near` (initiator, this thread) and `f`. */
static void start(far *f, pn_sio *far_s, void (*script)(far *), int *near_fd) {
  int sv[2];
  memset(f, 0, sizeof *f);
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  f->s = far_s;
  f->fd = sv[1];
  f->script = script;
  *near_fd = sv[0];
  assert_int_equal(pthread_create(&f->t, NULL, far_main, f), 0);
}

static void finish(far *f) {
  assert_int_equal(pthread_join(f->t, NULL), 0);
  pn_sio_free(f->s);
}

static pn_sio *pair(far *f, const pn_engine_config *nc,
                    const pn_engine_config *fc, void (*script)(far *)) {
  pn_sio *near = new_sio(nc);
  int fd;
  start(f, new_sio(fc), script, &fd);
  assert_int_equal(pn_sio_handshake(near, fd, PN_DIR_OUTBOUND, NULL, T), PN_OK);
  return near;
}

/* The near side closes; once the far side's script has ended, its first
 * |n| results are |want|. */
static void close_expect_far(pn_sio *s, far *f, size_t n,
                             const ptrdiff_t *want) {
  assert_int_equal(pn_sio_close(s, T), PN_OK);
  finish(f);
  for (size_t i = 0; i < n; i++)
    if (f->r[i] != want[i])
      fail_msg("the far side's call %zu returned %td, want %td", i, f->r[i],
               want[i]);
}

/* A call returned |got|: |want|, a refusal over a message's size, which
 * pn_sio_errsize gives and the error message names. */
static void expect_size_error(pn_sio *s, ptrdiff_t got, int want, size_t size) {
  char num[24];
  assert_int_equal(got, want);
  assert_int_equal(pn_sio_errsize(s), size);
  snprintf(num, sizeof num, "%zu", size);
  assert_non_null(strstr(pn_sio_errmsg(s), num));
}

static void note(far *f, int i, ptrdiff_t r) {
  f->r[i] = r;
  f->err_no[i] = pn_sio_errno(f->s);
}

/* ---- Scripts for the far side ------------------------------------------- */

/* Echoes every message until the connection ends. */
static void echo(far *f) {
  uint8_t buf[4096];
  ptrdiff_t n;
  int i = 0;
  while ((n = pn_sio_recv(f->s, buf, sizeof buf, T)) >= 0)
    if (pn_sio_send(f->s, buf, (size_t)n, T)) break;
  note(f, i, n);
  if (pn_sio_peer(f->s, &f->info)) memset(&f->info, 0, sizeof f->info);
}

/* Sends 100 bytes, 5000 bytes, then "after". */
static void send_three(far *f) {
  static uint8_t m[5000];
  memset(m, 'x', sizeof m);
  note(f, 0, pn_sio_send(f->s, m, 100, T));
  note(f, 1, pn_sio_send(f->s, m, 5000, T));
  note(f, 2, pn_sio_send(f->s, "after", 5, T));
  uint8_t b[8];
  note(f, 3, pn_sio_recv(f->s, b, sizeof b, T)); /* until the close */
}

/* Sends 10000 bytes (over the near side's max_message), then "next". */
static void send_too_large(far *f) {
  static uint8_t m[10000];
  note(f, 0, pn_sio_send(f->s, m, sizeof m, T));
  note(f, 1, pn_sio_send(f->s, "next", 4, T));
  uint8_t b[8];
  note(f, 2, pn_sio_recv(f->s, b, sizeof b, T));
}

/* Waits for "go", then sends "late". */
static void wait_go(far *f) {
  uint8_t b[8];
  note(f, 0, pn_sio_recv(f->s, b, sizeof b, T));
  note(f, 1, pn_sio_send(f->s, "late", 4, T));
  note(f, 2, pn_sio_recv(f->s, b, sizeof b, T));
}

/* Only receives, past many idle timeouts, then says it is alive. */
static void idle_recv(far *f) {
  uint8_t b[8];
  note(f, 0, pn_sio_recv(f->s, b, sizeof b, 2500 * PN_MSEC));
  note(f, 1, pn_sio_send(f->s, "alive", 5, T));
  note(f, 2, pn_sio_recv(f->s, b, sizeof b, T));
}

/* Sends a large message while the near side sends one too. */
static void big_swap(far *f) {
  note(f, 0, pn_sio_send(f->s, big, big_len, T));
  note(f, 1, pn_sio_recv(f->s, big, big_len, T));
  uint8_t b[8];
  note(f, 2, pn_sio_recv(f->s, b, sizeof b, T));
}

/* ---- Tests --------------------------------------------------------------- */

static void test_exchange_peer_hash_close(void **state) {
  far f;
  pn_sio *s = pair(&f, NULL, NULL, echo);
  uint8_t buf[64];
  pn_peer_info mine;
  pn_peer_id far_id, near_id;
  (void)state;
  assert_int_equal(pn_sio_send(s, "ping", 4, T), PN_OK);
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, T), 4);
  assert_memory_equal(buf, "ping", 4);
  assert_int_equal(pn_sio_send(s, NULL, 0, T), PN_OK); /* empty message */
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, T), 0);
  /* The peer's id is the far side's key; both saw the same hash. */
  assert_int_equal(pn_sio_peer(s, &mine), PN_OK);
  pn_sio_local_id(f.s, &far_id);
  pn_sio_local_id(s, &near_id);
  assert_int_equal(far_id.len, 32);
  assert_true(pn_peer_id_equal(&mine.id, &far_id));
  assert_int_equal(mine.dir, PN_DIR_OUTBOUND);
  assert_int_equal(mine.hash_len, 64);
  assert_true(mine.msgs_out >= 2);
  assert_int_equal(pn_sio_reason(s), PN_REASON_NONE);
  assert_true(pn_sio_fd(s) >= 0);
  assert_int_equal(pn_sio_close(s, T), PN_OK);
  assert_int_equal(pn_sio_fd(s), -1);
  finish(&f);
  /* The far side saw our close frame, then the connection end. */
  assert_int_equal(f.hs, PN_OK);
  assert_int_equal(f.r[0], PN_ERR_NOT_FOUND);
  assert_int_equal(f.reason, PN_REASON_REMOTE_CLOSED);
  assert_true(pn_peer_id_equal(&f.info.id, &near_id));
  assert_int_equal(f.info.dir, PN_DIR_INBOUND);
  assert_memory_equal(f.info.hash, mine.hash, 64);
  /* After close: no connection, but the peer is still known. */
  assert_int_equal(pn_sio_send(s, "x", 1, T), PN_ERR_NOT_FOUND);
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, 0), PN_ERR_NOT_FOUND);
  assert_int_equal(pn_sio_reason(s), PN_REASON_LOCAL);
  assert_int_equal(pn_sio_peer(s, &mine), PN_OK);
  assert_int_equal(pn_sio_close(s, T), PN_OK); /* again: nothing to do */
  pn_sio_free(s);
}

static void test_loopback_connect_accept(void **state) {
  far f;
  pn_sio *s = new_sio(NULL);
  pn_peer_id key;
  pn_peer_info info;
  uint8_t buf[16];
  unsigned port = 0;
  char addr[64];
  int lfd = -1;
  (void)state;
  assert_int_equal(pn_sio_listen("127.0.0.1:0", &lfd, &port), PN_OK);
  assert_true(port > 0);
  memset(&f, 0, sizeof f);
  f.s = new_sio(NULL);
  f.fd = -1;
  f.lfd = lfd;
  f.script = echo;
  pn_sio_local_id(f.s, &key);
  assert_int_equal(pthread_create(&f.t, NULL, far_main, &f), 0);
  snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
  /* Requiring the server's key: it is the one it proves. */
  assert_int_equal(pn_sio_connect(s, addr, &key, T), PN_OK);
  assert_int_equal(pn_sio_peer(s, &info), PN_OK);
  assert_true(pn_peer_id_equal(&info.id, &key));
  assert_int_equal(pn_sio_send(s, "hello", 5, T), PN_OK);
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, T), 5);
  assert_memory_equal(buf, "hello", 5);
  /* A second connect while connected is refused, the first carries on. */
  assert_int_equal(pn_sio_connect(s, addr, NULL, T), PN_ERR_INVALID_STATE);
  assert_int_equal(pn_sio_errno(s), 0);
  assert_int_equal(pn_sio_close(s, T), PN_OK);
  finish(&f);
  assert_int_equal(f.hs, PN_OK);
  assert_int_equal(f.reason, PN_REASON_REMOTE_CLOSED);
  /* Nobody listens any more: refused, with the errno. */
  close(lfd);
  assert_int_equal(pn_sio_connect(s, addr, NULL, T), PN_ERR_INVALID_STATE);
  assert_int_equal(pn_sio_errno(s), ECONNREFUSED);
  assert_non_null(strstr(pn_sio_errmsg(s), "connect"));
  /* Bad addresses. */
  assert_int_equal(pn_sio_connect(s, "nonsense", NULL, T),
                   PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_sio_connect(s, "127.0.0.1:99999", NULL, T),
                   PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_sio_listen("[::1", &lfd, NULL), PN_ERR_INVALID_ARGUMENT);
  pn_sio_free(s);
}

static void test_message_over_buffer(void **state) {
  far f;
  pn_sio *s = pair(&f, NULL, NULL, send_three);
  uint8_t buf[4096];
  (void)state;
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, T), 100);
  expect_size_error(s, pn_sio_recv(s, buf, sizeof buf, T), PN_ERR_NOBUF, 5000);
  assert_non_null(strstr(pn_sio_errmsg(s), pn_strerror(PN_ERR_NOBUF)));
  /* In step: the next message arrives whole. */
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, T), 5);
  assert_memory_equal(buf, "after", 5);
  close_expect_far(s, &f, 4,
                   (ptrdiff_t[]){PN_OK, PN_OK, PN_OK, PN_ERR_NOT_FOUND});
  pn_sio_free(s);
}

static void test_message_over_max_message(void **state) {
  pn_engine_config nc, fc;
  far f;
  uint8_t buf[16384];
  pn_engine_config_default(&nc);
  pn_engine_config_default(&fc);
  nc.max_message = 4096;
  fc.max_message = 65536;
  pn_sio *s = pair(&f, &nc, &fc, send_too_large);
  (void)state;
  expect_size_error(s, pn_sio_recv(s, buf, sizeof buf, T), PN_ERR_MSG_TOO_LARGE,
                    10000);
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, T), 4);
  assert_memory_equal(buf, "next", 4);
  /* Our own send over max_message: refused, nothing sent. */
  expect_size_error(s, pn_sio_send(s, buf, 5000, T), PN_ERR_MSG_TOO_LARGE,
                    5000);
  assert_int_equal(pn_sio_send(s, "ok", 2, T), PN_OK);
  /* The far side got "ok" (2), so the refused send left no trace. */
  close_expect_far(s, &f, 3, (ptrdiff_t[]){PN_OK, PN_OK, 2});
  pn_sio_free(s);
}

static void test_timeout(void **state) {
  far f;
  pn_sio *s = pair(&f, NULL, NULL, wait_go);
  uint8_t buf[16];
  (void)state;
  /* Nothing comes: a timeout, which loses nothing. */
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, 20 * PN_MSEC),
                   PN_ERR_TIMEOUT);
  assert_int_equal(pn_sio_errno(s), ETIMEDOUT);
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, 0), PN_ERR_TIMEOUT);
  assert_int_equal(pn_sio_errno(s), ETIMEDOUT);
  assert_int_equal(pn_sio_send(s, "go", 2, T), PN_OK);
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, T), 4);
  assert_memory_equal(buf, "late", 4);
  close_expect_far(s, &f, 3, (ptrdiff_t[]){2, PN_OK, PN_ERR_NOT_FOUND});
  pn_sio_free(s);
}

static void test_required_key_mismatch(void **state) {
  pn_sio *s = new_sio(NULL), *other = new_sio(NULL);
  pn_peer_id wrong;
  pn_peer_info info;
  far f;
  int fd;
  uint8_t buf[8];
  (void)state;
  pn_sio_local_id(other, &wrong);
  pn_sio_free(other);
  start(&f, new_sio(NULL), NULL, &fd);
  assert_int_equal(pn_sio_handshake(s, fd, PN_DIR_OUTBOUND, &wrong, T),
                   PN_ERR_HANDSHAKE_FAILED);
  assert_int_equal(pn_sio_reason(s), PN_REASON_UNEXPECTED_KEY);
  assert_non_null(
      strstr(pn_sio_errmsg(s), pn_reason_str(PN_REASON_UNEXPECTED_KEY)));
  assert_int_equal(pn_sio_peer(s, &info), PN_ERR_NOT_FOUND);
  assert_int_equal(pn_sio_fd(s), -1);
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, 0), PN_ERR_NOT_FOUND);
  finish(&f);
  assert_int_equal(f.hs, PN_ERR_HANDSHAKE_FAILED);
  /* The same pn_sio can try again. */
  start(&f, new_sio(NULL), echo, &fd);
  assert_int_equal(pn_sio_handshake(s, fd, PN_DIR_OUTBOUND, NULL, T), PN_OK);
  assert_int_equal(pn_sio_send(s, "re", 2, T), PN_OK);
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, T), 2);
  assert_int_equal(pn_sio_close(s, T), PN_OK);
  finish(&f);
  pn_sio_free(s);
}

static void test_plain_profile(void **state) {
  pn_engine_config c;
  far f;
  uint8_t buf[PN_ENGINE_PLAIN_MAX_MESSAGE + 1];
  pn_engine_config_default(&c);
  c.protocol = "Noise_XX_25519_ChaChaPoly_SHA256";
  c.profile = PN_PROFILE_PLAIN;
  pn_sio *s = pair(&f, &c, &c, echo);
  (void)state;
  assert_int_equal(pn_sio_send(s, "plain", 5, T), PN_OK);
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, T), 5);
  assert_memory_equal(buf, "plain", 5);
  assert_int_equal(pn_sio_send(s, buf, sizeof buf, T), PN_ERR_MSG_TOO_LARGE);
  assert_int_equal(pn_sio_errsize(s), sizeof buf);
  close_expect_far(s, &f, 1, (ptrdiff_t[]){PN_ERR_NOT_FOUND});
  /* No close frame in the plain profile: the socket's end is the end. */
  assert_int_equal(f.reason, PN_REASON_TRANSPORT_CLOSED);
  pn_sio_free(s);
}

static void test_timers_run_inside_recv(void **state) {
  pn_engine_config c;
  far f;
  uint8_t buf[16];
  pn_engine_config_default(&c);
  c.keepalive_interval = 10 * PN_MSEC;
  c.idle_timeout = PN_SEC;
  pn_sio *s = pair(&f, &c, &c, idle_recv);
  (void)state;
  /* Both sides sit in recv for longer than the idle timeout: keepalives
   * sent and received inside recv keep the connection. */
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, 10 * T), 5);
  assert_memory_equal(buf, "alive", 5);
  close_expect_far(s, &f, 2, (ptrdiff_t[]){PN_ERR_TIMEOUT, PN_OK});
  assert_int_equal(f.err_no[0], ETIMEDOUT);
  pn_sio_free(s);
}

static void test_idle_timeout_ends(void **state) {
  pn_engine_config c;
  far f;
  uint8_t buf[16];
  pn_engine_config_default(&c);
  c.keepalive_interval = PN_TIME_NEVER;
  pn_engine_config fc = c; /* the far side's idle timer is the default */
  c.idle_timeout = 50 * PN_MSEC;
  pn_sio *s = pair(&f, &c, &fc, echo);
  (void)state;
  /* No keepalives: our idle timer ends the connection inside recv. */
  assert_int_equal(pn_sio_recv(s, buf, sizeof buf, 10 * T), PN_ERR_NOT_FOUND);
  assert_int_equal(pn_sio_reason(s), PN_REASON_IDLE_TIMEOUT);
  assert_non_null(
      strstr(pn_sio_errmsg(s), pn_reason_str(PN_REASON_IDLE_TIMEOUT)));
  close_expect_far(s, &f, 1, (ptrdiff_t[]){PN_ERR_NOT_FOUND});
  pn_sio_free(s);
}

static void test_large_both_ways_at_once(void **state) {
  enum { N = 1 << 20 };
  far f;
  pn_sio *near = new_sio(NULL);
  uint8_t *out = malloc(N), *in = malloc(N);
  int fd;
  (void)state;
  assert_non_null(out);
  assert_non_null(in);
  for (size_t i = 0; i < N; i++)
    out[i] = (uint8_t)(i * 7);
  big = malloc(N);
  assert_non_null(big);
  memcpy(big, out, N);
  big_len = N;
  start(&f, new_sio(NULL), big_swap, &fd);
  assert_int_equal(pn_sio_handshake(near, fd, PN_DIR_OUTBOUND, NULL, T), PN_OK);
  /* Both send 1 MiB before either receives: each keeps reading while it
   * writes, and keeps the other's message for its recv. */
  assert_int_equal(pn_sio_send(near, out, N, T), PN_OK);
  assert_int_equal(pn_sio_recv(near, in, N, T), N);
  assert_memory_equal(in, out, N);
  close_expect_far(near, &f, 3, (ptrdiff_t[]){PN_OK, N, PN_ERR_NOT_FOUND});
  assert_memory_equal(big, out, N); /* what the far side received */
  free(big);
  free(out);
  free(in);
  pn_sio_free(near);
}

static void test_caller_memory_and_args(void **state) {
  pn_engine_config c;
  pn_sio *s = NULL;
  (void)state;
  pn_engine_config_default(&c);
  c.max_message = 8192;
  c.pool_budget = 1 << 20;
  size_t n = pn_sio_memsize(&c);
  assert_true(n > 0);
  void *mem = aligned_alloc(16, (n + 15) & ~(size_t)15);
  assert_non_null(mem);
  assert_int_equal(pn_sio_init(&s, mem, n - 1, &c), PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_sio_init(&s, (uint8_t *)mem + 1, n, &c),
                   PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_sio_init(&s, mem, n, &c), PN_OK);
  assert_ptr_equal(s, mem);
  assert_non_null(pn_sio_engine(s));
  assert_string_equal(pn_sio_errmsg(s), "");
  /* Calls without a connection. */
  assert_int_equal(pn_sio_send(s, "x", 1, 0), PN_ERR_NOT_FOUND);
  assert_non_null(strstr(pn_sio_errmsg(s), "not connected"));
  assert_int_equal(pn_sio_recv(s, NULL, 0, 0), PN_ERR_NOT_FOUND);
  assert_int_equal(pn_sio_recv(s, NULL, 1, 0), PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_sio_close(s, 0), PN_OK);
  assert_int_equal(pn_sio_handshake(s, -1, PN_DIR_OUTBOUND, NULL, 0),
                   PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_sio_accept(s, -1, NULL, 0), PN_ERR_INVALID_ARGUMENT);
  pn_sio_free(s);
  free(mem);
  /* Config errors come through with their own codes. */
  c.protocol = "Noise_QQ_25519_ChaChaPoly_SHA256";
  assert_int_equal(pn_sio_new(&s, &c), PN_ERR_NAME_UNKNOWN_PATTERN);
  assert_null(s);
  assert_int_equal(pn_sio_memsize(&c), 0);
  assert_int_equal(pn_sio_new(NULL, NULL), PN_ERR_INVALID_ARGUMENT);
  pn_sio_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exchange_peer_hash_close),
      cmocka_unit_test(test_loopback_connect_accept),
      cmocka_unit_test(test_message_over_buffer),
      cmocka_unit_test(test_message_over_max_message),
      cmocka_unit_test(test_timeout),
      cmocka_unit_test(test_required_key_mismatch),
      cmocka_unit_test(test_plain_profile),
      cmocka_unit_test(test_timers_run_inside_recv),
      cmocka_unit_test(test_idle_timeout_ends),
      cmocka_unit_test(test_large_both_ways_at_once),
      cmocka_unit_test(test_caller_memory_and_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
