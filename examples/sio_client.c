/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The blocking API, client side: connect (optionally requiring the server's
 * static key), send one message, print the reply, close gracefully.
 * Usage: sio_client HOST:PORT [PEERKEY|-] [MESSAGE] */
#include <p2pnoise/io.h>
#include <p2pnoise/sio.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  pn_sio *s = NULL;
  pn_peer_id key = {.len = 32};
  char reply[4096];
  const char *msg = argc > 3 ? argv[3] : "hello from sio_client";
  int pin = argc > 2 && strcmp(argv[2], "-");
  int rc = argc < 2 || (pin && pn_io_unhex(argv[2], key.key, key.len))
               ? PN_ERR_INVALID_ARGUMENT
               : pn_sio_new(&s, NULL);
  if (!rc) rc = pn_sio_connect(s, argv[1], pin ? &key : NULL, 5 * PN_SEC);
  if (!rc) rc = pn_sio_send(s, msg, strlen(msg), 5 * PN_SEC);
  ptrdiff_t n = rc ? rc : pn_sio_recv(s, reply, sizeof reply, 5 * PN_SEC);
  if (n >= 0) printf("reply %.*s\n", (int)n, reply);
  rc = n < 0 ? (int)n : pn_sio_close(s, PN_SEC);
  if (rc)
    fprintf(stderr, "sio_client: %s\n", s ? pn_sio_errmsg(s) : pn_strerror(rc));
  pn_sio_free(s);
  return rc != 0;
}
