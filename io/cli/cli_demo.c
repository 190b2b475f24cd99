/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * `p2pnoise demo`: five engines in one process, each behind the reference
 * driver on its own loopback sockets, all turned by one poll loop
 * (pn_io_step_many). The script walks through what a new user should see:
 * handshakes, messages, a broadcast, a chunked message, an inbound overflow
 * the connection survives, the peer limit, an idle peer reclaimed and a
 * graceful shutdown that still delivers the last message.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

enum { ALICE, BOB, CAROL, DAVE, EVE, NNODES };

typedef struct demo_node {
  const char *name;
  pn_engine *e;
  pn_io *io;
  pn_peer_id id;
  uint8_t priv[32];
  int connected, disconnected, messages, overflows, rejected;
} demo_node;

static demo_node nodes[NNODES];

static const char *peer_name(const pn_peer_id *id) {
  for (int i = 0; i < NNODES; i++)
    if (pn_peer_id_equal(id, &nodes[i].id)) return nodes[i].name;
  return "?";
}

static uint8_t *big_message(size_t n) {
  uint8_t *p = malloc(n);
  if (!p) return NULL;
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)(i * 7 + (i >> 8));
  return p;
}

static void line(const demo_node *n, const char *what, const char *peer,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void line(const demo_node *n, const char *what, const char *peer,
                 const char *fmt, ...) {
  va_list ap;
  printf("  %+7.3fs  %-6s %-13s %-6s ", cli_elapsed(), n->name, what, peer);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
}

static size_t frames_for(size_t total) {
  size_t first = 65514, more = 65518;
  return total <= first ? 1 : 1 + (total - first + more - 1) / more;
}

static void on_event(void *user, pn_io *io, const pn_action *a) {
  demo_node *n = user;
  cli_event fe;
  cli_event_flatten(&a->event, &fe);
  const cli_event *ev = &fe;
  const char *p = ev->peer.len ? peer_name(&ev->peer) : "";
  char sid[24], hh[2 * PN_NOISE_MAX_HASHLEN + 1];
  (void)io;
  switch (ev->type) {
  case PN_EVENT_LISTENING:
    line(n, "listening", "", "127.0.0.1:%u", pn_io_port(n->io, 0));
    break;
  case PN_EVENT_PEER_CONNECTED:
    n->connected++;
    pn_io_hex(ev->data, ev->len < 6 ? ev->len : 6, hh);
    line(n, "connected", p, "%-8s  id %s  handshake hash %s...",
         ev->dir == PN_DIR_INBOUND ? "inbound" : "outbound",
         cli_short_id(&ev->peer, sid), hh);
    break;
  case PN_EVENT_PEER_DISCONNECTED:
    n->disconnected++;
    if (ev->remote_reason)
      line(n, "disconnected", p, "%s (%s)", pn_reason_str(ev->reason),
           pn_reason_str(ev->remote_reason));
    else
      line(n, "disconnected", p, "%s", pn_reason_str(ev->reason));
    break;
  case PN_EVENT_MESSAGE:
    n->messages++;
    if (ev->len > 1024) {
      uint8_t *want = big_message(ev->len);
      int same = want && memcmp(want, ev->data, ev->len) == 0;
      free(want);
      line(n, "message", p, "%zu bytes (%.1f KiB, %zu chunks), content %s",
           ev->len, (double)ev->len / 1024, frames_for(ev->len),
           same ? "verified" : "DAMAGED");
      if (!same) exit(CLI_FAIL);
    } else {
      printf("  %+7.3fs  %-6s %-13s %-6s \"%.*s\"\n", cli_elapsed(), n->name,
             "message", p, (int)ev->len, (const char *)ev->data);
    }
    break;
  case PN_EVENT_OVERFLOW:
    n->overflows++;
    line(n, "overflow", p, "%llu-byte message over max_message, discarded",
         (unsigned long long)ev->size);
    break;
  case PN_EVENT_REJECTED:
    n->rejected++;
    line(n, "rejected", p, "%s", pn_reason_str(ev->reason));
    break;
  case PN_EVENT_CLOSED:
    line(n, "closed", "", "engine shut down");
    break;
  case PN_EVENT_HANDSHAKE_PAYLOAD: /* the demo sends none */
    line(n, "hs-payload", "", "message %llu, %zu bytes",
         (unsigned long long)ev->size, ev->len);
    break;
  }
  fflush(stdout);
}

static pn_io *g_ios[NNODES];

/* Turns the loop until |cond| holds; 0, or 1 after |secs| (a failure). */
#define WAIT_UNTIL(cond, secs)                                                 \
  do {                                                                         \
    pn_time until_ = pn_io_now() + (pn_time)((secs)*1e9);                      \
    while (!(cond)) {                                                          \
      if (pn_io_now() > until_) {                                              \
        printf("  !! timed out waiting for: %s\n", #cond);                     \
        rc = CLI_FAIL;                                                         \
        goto out;                                                              \
      }                                                                        \
      if (pn_io_step_many(g_ios, NNODES, 20 * PN_MSEC)) {                      \
        rc = CLI_FAIL;                                                         \
        goto out;                                                              \
      }                                                                        \
    }                                                                          \
  } while (0)

static void section(const char *title) {
  printf("\n%s\n", title);
}

static int send_to(int from, int to, const char *text) {
  int r = pn_engine_send(nodes[from].e, &nodes[to].id, (const uint8_t *)text,
                         strlen(text), pn_io_now());
  if (r) printf("  !! send: %s\n", pn_strerror(r));
  return r;
}

int cli_demo(int argc, char **argv) {
  int rc = CLI_OK;
  char addr[64], hex[65];
  static const char *names[NNODES] = {"alice", "bob", "carol", "dave", "eve"};
  uint8_t *big = NULL;
  if (argc > 1) {
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
      printf("usage: p2pnoise demo\n"
             "Runs five nodes over 127.0.0.1 in one process and narrates:\n"
             "handshakes, messages, a broadcast, a chunked 300 KiB message,\n"
             "an oversized message refused with an OVERFLOW event while the\n"
             "connection lives on, a connection refused at the peer limit,\n"
             "an idle peer reclaimed, and a graceful shutdown. Takes about\n"
             "two seconds. Exit status 0 when every step happened.\n");
      return CLI_OK;
    }
    return cli_err(CLI_USAGE, "demo takes no arguments (see --help)");
  }
  pn_io_install_signals();
  memset(nodes, 0, sizeof nodes);
  for (int i = 0; i < NNODES; i++) {
    pn_engine_config c;
    pn_protocol p;
    pn_keypair kp;
    const char *pname = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
    nodes[i].name = names[i];
    if (pn_protocol_parse(&p, pname, strlen(pname), PN_BACKEND_AUTO) ||
        pn_keypair_generate(&kp, &p, NULL))
      return cli_err(CLI_FAIL, "key generation failed");
    memcpy(nodes[i].priv, kp.priv, 32);
    pn_keypair_wipe(&kp);
    pn_engine_config_default(&c);
    c.static_private = nodes[i].priv;
    c.static_private_len = 32;
    c.prologue = (const uint8_t *)"p2pnoise demo v1";
    c.prologue_len = 16;
    c.keepalive_interval = 300 * PN_MSEC;
    if (i == ALICE) {
      c.max_peers = 3;
      c.idle_timeout = 1500 * PN_MSEC;
    }
    if (i == DAVE) {
      c.max_message = 64 * 1024;
      c.keepalive_interval = PN_TIME_NEVER; /* so alice finds him idle */
    }
    pn_io_config ic = {.on_event = on_event, .user = &nodes[i]};
    if (pn_engine_new(&nodes[i].e, &c, pn_io_now()) ||
        pn_io_new(&nodes[i].io, nodes[i].e, &ic))
      return cli_err(CLI_FAIL, "engine setup failed");
    g_ios[i] = nodes[i].io;
    pn_engine_local_id(nodes[i].e, &nodes[i].id);
  }

  printf("p2pnoise demo: five nodes on 127.0.0.1, one process, "
         "Noise_XX_25519_ChaChaPoly_BLAKE2b\n\n");
  static const char *roles[NNODES] = {
      "listens; at most 3 peers; drops a peer silent for 1.5 s", "dials alice",
      "dials alice",
      "dials alice; takes messages up to 64 KiB; sends no keepalives",
      "dials alice, one peer too many"};
  printf("  %-6s %-64s  %s\n", "node", "static public key (peer id)", "role");
  for (int i = 0; i < NNODES; i++)
    printf("  %-6s %-64s  %s\n", names[i],
           pn_io_hex(nodes[i].id.key, nodes[i].id.len, hex), roles[i]);
  printf("\n  peer ids below are the first 8 hex digits of the key\n");
  printf("\n  %8s  %-6s %-13s %-6s %s\n", "time", "node", "event", "peer",
         "details");

  section("1. Handshakes (Noise XX: three messages, then each side knows the "
          "other's key)");
  if (pn_io_listen(nodes[ALICE].io, "127.0.0.1:0") != PN_OK)
    return cli_err(CLI_FAIL, "listen on 127.0.0.1: %s",
                   strerror(pn_io_errno(nodes[ALICE].io)));
  snprintf(addr, sizeof addr, "127.0.0.1:%u", pn_io_port(nodes[ALICE].io, 0));
  for (int i = BOB; i <= DAVE; i++)
    if (pn_io_dial(nodes[i].io, addr, &nodes[ALICE].id, 0) < 0) {
      rc = cli_err(CLI_FAIL, "dial %s failed", addr);
      goto out;
    }
  WAIT_UNTIL(nodes[ALICE].connected == 3 && nodes[BOB].connected == 1 &&
                 nodes[CAROL].connected == 1 && nodes[DAVE].connected == 1,
             5);

  section("2. Messages by peer id, and a broadcast");
  if (send_to(BOB, ALICE, "hi alice, this is bob")) goto fail;
  WAIT_UNTIL(nodes[ALICE].messages == 1, 5);
  if (send_to(ALICE, BOB, "hello bob, welcome")) goto fail;
  WAIT_UNTIL(nodes[BOB].messages == 1, 5);
  if (pn_engine_broadcast(nodes[ALICE].e,
                          (const uint8_t *)"news for everyone: the demo runs",
                          32, pn_io_now()) != 3)
    goto fail;
  WAIT_UNTIL(nodes[BOB].messages == 2 && nodes[CAROL].messages == 1 &&
                 nodes[DAVE].messages == 1,
             5);

  section("3. A large message: 300 KiB, chunked into 64 KiB frames and "
          "reassembled");
  size_t bigsz = 300 * 1024;
  if (!(big = big_message(bigsz))) goto fail;
  if (pn_engine_send(nodes[ALICE].e, &nodes[CAROL].id, big, bigsz, pn_io_now()))
    goto fail;
  WAIT_UNTIL(nodes[CAROL].messages == 2, 5);

  section("4. Too large for dave (max 64 KiB): OVERFLOW, and the connection "
          "lives on");
  if (pn_engine_send(nodes[ALICE].e, &nodes[DAVE].id, big, bigsz, pn_io_now()))
    goto fail;
  WAIT_UNTIL(nodes[DAVE].overflows == 1, 5);
  if (send_to(ALICE, DAVE, "dave, are you still there?")) goto fail;
  WAIT_UNTIL(nodes[DAVE].messages == 2, 5);
  if (send_to(DAVE, ALICE, "yes, still here")) goto fail;
  WAIT_UNTIL(nodes[ALICE].messages == 2, 5);

  section("5. Eve dials alice, who already has 3 peers: refused at the peer "
          "limit");
  if (pn_io_dial(nodes[EVE].io, addr, &nodes[ALICE].id, 0) < 0) goto fail;
  WAIT_UNTIL(nodes[ALICE].rejected == 1 && nodes[EVE].disconnected == 1, 5);

  section("6. Dave goes quiet: alice reclaims the idle peer after 1.5 s "
          "(bob and carol send keepalives)");
  WAIT_UNTIL(nodes[ALICE].disconnected == 1 && nodes[DAVE].disconnected == 1,
             5);

  section("7. Clean shutdown: bob says goodbye and shuts down at once; the "
          "message is flushed first");
  if (send_to(BOB, ALICE, "bye everyone, bob signing off")) goto fail;
  pn_io_stop(nodes[BOB].io);
  WAIT_UNTIL(pn_io_done(nodes[BOB].io) && nodes[ALICE].disconnected == 2, 5);
  for (int i = 0; i < NNODES; i++)
    pn_io_stop(nodes[i].io);
  WAIT_UNTIL(pn_io_done(nodes[ALICE].io) && pn_io_done(nodes[CAROL].io) &&
                 pn_io_done(nodes[DAVE].io) && pn_io_done(nodes[EVE].io),
             5);
  if (nodes[ALICE].messages != 3) goto fail;
  printf("\ndemo complete: every step happened as described.\n");
  goto out;
fail:
  printf("  !! the demo did not go as planned\n");
  rc = CLI_FAIL;
out:
  free(big);
  for (int i = 0; i < NNODES; i++) {
    if (nodes[i].io) pn_io_free(nodes[i].io);
    if (nodes[i].e) pn_engine_free(nodes[i].e);
  }
  memset(nodes, 0, sizeof nodes);
  return rc;
}
