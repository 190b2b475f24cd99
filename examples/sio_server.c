/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The blocking API, server side: print the port and our key, accept one
 * connection, send every message back until the peer closes.
 * Usage: sio_server [HOST:PORT]   (default 127.0.0.1:0, a free port) */
#include <p2pnoise/io.h>
#include <p2pnoise/sio.h>
#include <stdio.h>

int main(int argc, char **argv) {
  pn_sio *s = NULL;
  pn_peer_id me;
  char buf[65536], hex[2 * PN_PEER_ID_MAX + 1];
  unsigned port = 0;
  int lfd = -1, rc = pn_sio_new(&s, NULL);
  ptrdiff_t n = 0;
  if (!rc) rc = pn_sio_listen(argc > 1 ? argv[1] : "127.0.0.1:0", &lfd, &port);
  pn_sio_local_id(s, &me);
  printf("listening on port %u key %s\n", port, pn_io_hex(me.key, me.len, hex));
  fflush(stdout);
  if (!rc) rc = pn_sio_accept(s, lfd, NULL, PN_SIO_FOREVER);
  while (!rc && (n = pn_sio_recv(s, buf, sizeof buf, PN_SIO_FOREVER)) >= 0) {
    printf("message %.*s\n", (int)n, buf);
    rc = pn_sio_send(s, buf, (size_t)n, 5 * PN_SEC);
  }
  if (!rc && n != PN_ERR_NOT_FOUND) rc = (int)n; /* NOT_FOUND: the peer left */
  if (rc)
    fprintf(stderr, "sio_server: %s\n", s ? pn_sio_errmsg(s) : pn_strerror(rc));
  else
    printf("closed: %s\n", pn_reason_str(pn_sio_reason(s)));
  pn_sio_free(s);
  return rc != 0;
}
