/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* A peer on the blocking API in the plain profile, for interop tests with
 * other Noise implementations (tests/cli/sio_interop.py).
 *
 *   sio_peer server PROTOCOL
 *     listens on 127.0.0.1:0, prints "listening PORT KEY", accepts one
 *     connection, prints "peer ID HASH", echoes every message, prints
 *     "end REASON" when the peer leaves.
 *   sio_peer client PROTOCOL HOST:PORT [PEERKEY]
 *     connects, prints "peer ID HASH", sends the test messages, checks
 *     that each comes back unchanged, prints "echoed N", closes.
 *
 * Exit 0 when all of it happened. */
#include <p2pnoise/io.h>
#include <p2pnoise/sio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t buf[PN_ENGINE_PLAIN_MAX_MESSAGE],
    msg[PN_ENGINE_PLAIN_MAX_MESSAGE];

static int die(pn_sio *s, int rc) {
  fprintf(stderr, "sio_peer: %s\n", s ? pn_sio_errmsg(s) : pn_strerror(rc));
  pn_sio_free(s);
  return 1;
}

static void print_peer(pn_sio *s) {
  pn_peer_info pi;
  char id[2 * PN_PEER_ID_MAX + 1], h[2 * PN_NOISE_MAX_HASHLEN + 1];
  if (pn_sio_peer(s, &pi)) return;
  printf("peer %s %s\n", pn_io_hex(pi.id.key, pi.id.len, id),
         pn_io_hex(pi.hash, pi.hash_len, h));
  fflush(stdout);
}

static int server(pn_sio *s) {
  pn_peer_id me;
  char hex[2 * PN_PEER_ID_MAX + 1];
  unsigned port;
  int lfd, rc;
  ptrdiff_t n;
  if ((rc = pn_sio_listen("127.0.0.1:0", &lfd, &port))) return die(s, rc);
  pn_sio_local_id(s, &me);
  printf("listening %u %s\n", port,
         me.len ? pn_io_hex(me.key, me.len, hex) : "-");
  fflush(stdout);
  if ((rc = pn_sio_accept(s, lfd, NULL, 10 * PN_SEC))) return die(s, rc);
  print_peer(s);
  while ((n = pn_sio_recv(s, buf, sizeof buf, 10 * PN_SEC)) >= 0)
    if ((rc = pn_sio_send(s, buf, (size_t)n, 10 * PN_SEC))) return die(s, rc);
  if (n != PN_ERR_NOT_FOUND) return die(s, (int)n);
  printf("end %s\n", pn_reason_str(pn_sio_reason(s)));
  pn_sio_free(s);
  return 0;
}

static int client(pn_sio *s, const char *addr, const char *key) {
  pn_peer_id want = {.len = 32};
  static const size_t sizes[] = {5, 0, 1000, sizeof msg};
  int rc;
  if (key && pn_io_unhex(key, want.key, want.len))
    return die(s, PN_ERR_INVALID_ARGUMENT);
  if ((rc = pn_sio_connect(s, addr, key ? &want : NULL, 10 * PN_SEC)))
    return die(s, rc);
  print_peer(s);
  for (size_t i = 0; i < sizeof msg; i++)
    msg[i] = (uint8_t)(i * 31 + 7);
  memcpy(msg, "hello", 5);
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    ptrdiff_t n;
    if ((rc = pn_sio_send(s, msg, sizes[i], 10 * PN_SEC))) return die(s, rc);
    if ((n = pn_sio_recv(s, buf, sizeof buf, 10 * PN_SEC)) < 0)
      return die(s, (int)n);
    if ((size_t)n != sizes[i] || memcmp(buf, msg, sizes[i])) {
      fprintf(stderr, "sio_peer: reply %zu differs\n", i);
      return 1;
    }
  }
  printf("echoed %zu\n", sizeof sizes / sizeof *sizes);
  if ((rc = pn_sio_close(s, PN_SEC))) return die(s, rc);
  pn_sio_free(s);
  return 0;
}

int main(int argc, char **argv) {
  pn_engine_config cfg;
  pn_sio *s;
  int rc, srv = argc == 3 && !strcmp(argv[1], "server");
  if (!srv && (argc < 4 || argc > 5 || strcmp(argv[1], "client"))) {
    fprintf(stderr, "usage: sio_peer server PROTOCOL\n"
                    "       sio_peer client PROTOCOL HOST:PORT [PEERKEY]\n");
    return 2;
  }
  pn_engine_config_default(&cfg);
  cfg.protocol = argv[2];
  cfg.profile = PN_PROFILE_PLAIN;
  if ((rc = pn_sio_new(&s, &cfg))) return die(NULL, rc);
  return srv ? server(s) : client(s, argv[3], argc == 5 ? argv[4] : NULL);
}
