/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* `p2pnoise node`: listen and dial, chat over stdin, print events. Stdin is
 * read only while every SEND is out (pn_io_blocked() is 0), so a line is
 * never dropped for want of room; a line over --max-message is refused. */
#define _GNU_SOURCE

#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct node_ctx {
  int json, hex;
  pn_engine *e;
  pn_io *io;
  cli_peers peers;
  uint8_t *line; /* stdin bytes not yet sent: at most max_message + 2 */
  size_t len, cap;
  uint64_t max;
  int skipping, paused, eof, watching, rejected;
} node_ctx;

static const char *dir_str(pn_dir d) {
  return d == PN_DIR_INBOUND ? "inbound" : "outbound";
}

static void json_str(const uint8_t *p, size_t n) {
  putchar('"');
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '"' || p[i] == '\\')
      printf("\\%c", p[i]);
    else if (p[i] < 0x20 || p[i] >= 0x7f)
      printf("\\u%04x", p[i]);
    else
      putchar(p[i]);
  }
  putchar('"');
}

static void json_bytes(const char *key, const uint8_t *p, size_t n, int hex) {
  char h[3];
  printf(",\"%s\":", hex ? "hex" : key);
  if (!hex) {
    json_str(p, n);
    return;
  }
  putchar('"');
  for (size_t i = 0; i < n; i++)
    fputs(pn_io_hex(p + i, 1, h), stdout);
  putchar('"');
}

static void node_event(void *user, pn_io *io, const pn_action *a) {
  node_ctx *n = user;
  const pn_event *ev = &a->event;
  char hex[2 * PN_PEER_ID_MAX + 1], hh[2 * PN_NOISE_MAX_HASHLEN + 1];
  static const char *names[] = {
      "",         "listening", "connected", "disconnected", "message",
      "overflow", "rejected",  "closed",    "hs-payload"};
  const pn_peer_id *peer = NULL;
  int reason = 0, remote = 0;
  (void)io;
  switch (ev->type) {
  case PN_EVENT_PEER_CONNECTED:
    peer = &ev->connected.peer;
    cli_peers_add(&n->peers, peer);
    break;
  case PN_EVENT_PEER_DISCONNECTED:
    peer = &ev->disconnected.peer;
    reason = ev->disconnected.reason;
    remote = ev->disconnected.remote_reason;
    cli_peers_del(&n->peers, peer);
    break;
  case PN_EVENT_MESSAGE:
    peer = &ev->message.peer;
    break;
  case PN_EVENT_OVERFLOW:
    peer = &ev->overflow.peer;
    reason = ev->overflow.reason;
    break;
  case PN_EVENT_REJECTED:
    peer = &ev->rejected.peer;
    reason = ev->rejected.reason;
    n->rejected = 1;
    break;
  default:
    break;
  }
  pn_io_hex(peer ? peer->key : NULL, peer ? peer->len : 0, hex);
  if (n->json) {
    printf("{\"t\":%.3f,\"event\":\"%s\"", cli_elapsed(), names[ev->type]);
    if (peer && peer->len) printf(",\"peer\":\"%s\"", hex);
    if (peer && peer->anonymous) printf(",\"anonymous\":true");
    switch (ev->type) {
    case PN_EVENT_PEER_CONNECTED:
      printf(",\"dir\":\"%s\",\"hash\":\"%s\"", dir_str(ev->connected.dir),
             pn_io_hex(ev->connected.hash, ev->connected.hash_len, hh));
      break;
    case PN_EVENT_MESSAGE:
      printf(",\"len\":%zu", ev->message.len);
      json_bytes("text", ev->message.data, ev->message.len, n->hex);
      break;
    case PN_EVENT_HANDSHAKE_PAYLOAD:
      printf(",\"dir\":\"%s\",\"index\":%u,\"len\":%zu",
             dir_str(ev->handshake_payload.dir), ev->handshake_payload.index,
             ev->handshake_payload.len);
      json_bytes("text", ev->handshake_payload.data, ev->handshake_payload.len,
                 n->hex);
      break;
    case PN_EVENT_OVERFLOW:
      printf(",\"size\":%llu", (unsigned long long)ev->overflow.size);
      break;
    default:
      break;
    }
    if (reason) printf(",\"reason\":\"%s\"", pn_reason_str(reason));
    if (remote) printf(",\"remote_reason\":\"%s\"", pn_reason_str(remote));
    printf("}\n");
  } else {
    printf("%8.3fs  %-12s %s", cli_elapsed(), names[ev->type],
           peer && peer->len ? hex : "");
    switch (ev->type) {
    case PN_EVENT_PEER_CONNECTED:
      printf(" %s", dir_str(ev->connected.dir));
      break;
    case PN_EVENT_MESSAGE:
      printf(" (%zu bytes) ", ev->message.len);
      cli_print_bytes(stdout, ev->message.data, ev->message.len, n->hex);
      break;
    case PN_EVENT_HANDSHAKE_PAYLOAD:
      printf("%s message %u (%zu bytes) ", dir_str(ev->handshake_payload.dir),
             ev->handshake_payload.index, ev->handshake_payload.len);
      cli_print_bytes(stdout, ev->handshake_payload.data,
                      ev->handshake_payload.len, n->hex);
      break;
    case PN_EVENT_OVERFLOW:
      printf(" %llu bytes", (unsigned long long)ev->overflow.size);
      break;
    default:
      break;
    }
    if (reason) printf(" reason=%s", pn_reason_str(reason));
    if (remote) printf(" remote=%s", pn_reason_str(remote));
    printf("\n");
  }
  fflush(stdout);
}

static void node_notice(void *user, pn_io *io, const pn_io_notice *nt) {
  node_ctx *n = user;
  (void)io;
  cli_print_notice(stdout, nt, n->json);
}

/* Sends one line; 0 when done with it (sent or refused with a message),
 * 1 when it must wait for room. */
static int node_send(node_ctx *n, char *s, size_t len) {
  pn_time now = pn_io_now();
  if (s[0] == '@') {
    char *sp = memchr(s, ' ', len);
    pn_peer_id to;
    if (!sp) {
      cli_err(0, "'@PEER text' needs a text");
      return 0;
    }
    *sp = 0;
    int r = cli_peers_find(&n->peers, n->e, s + 1, &to);
    if (r) {
      cli_err(0, "%s peer '%s'", r == -1 ? "no" : "ambiguous", s + 1);
      return 0;
    }
    size_t off = (size_t)(sp + 1 - s);
    r = pn_engine_send(n->e, &to, (const uint8_t *)sp + 1, len - off, now);
    if (r == PN_ERR_OVERFLOW) {
      *sp = ' ';
      return 1;
    }
    if (r) cli_err(0, "send: %s", pn_strerror(r));
    return 0;
  }
  size_t peers = pn_engine_peer_count(n->e);
  ptrdiff_t r = pn_engine_broadcast(n->e, (const uint8_t *)s, len, now);
  if (r < 0)
    cli_err(0, "broadcast: %s", pn_strerror((int)r));
  else if (!peers)
    cli_err(0, "no peer connected: line not sent");
  else if ((size_t)r < peers)
    cli_err(0, "broadcast: reached %zd of %zu peers", r, peers);
  return 0;
}

/* Sends the whole lines in the buffer while the driver has room. */
static void node_lines(node_ctx *n) {
  for (;;) {
    if (n->skipping) {
      uint8_t *nl = memchr(n->line, '\n', n->len);
      if (!nl) {
        n->len = 0;
        return;
      }
      n->skipping = 0;
      n->len -= (size_t)(nl + 1 - n->line);
      memmove(n->line, nl + 1, n->len);
    }
    uint8_t *nl = memchr(n->line, '\n', n->len);
    size_t ll = nl ? (size_t)(nl - n->line) : n->len;
    if (!nl && !(n->eof && n->len)) {
      if (n->len == n->cap) { /* no newline in max_message + 2 bytes */
        cli_err(0, "a line longer than --max-message (%llu bytes): skipped",
                (unsigned long long)n->max);
        n->skipping = 1;
        n->len = 0;
      }
      return;
    }
    if (ll && n->line[ll - 1] == '\r') ll--;
    if (ll > n->max) {
      cli_err(0, "a line longer than --max-message (%llu bytes): skipped",
              (unsigned long long)n->max);
    } else if (ll) {
      if (pn_io_flush(n->io) || pn_io_blocked(n->io)) {
        n->paused = 1;
        return;
      }
      n->line[ll] = 0;
      if (node_send(n, (char *)n->line, ll)) {
        n->paused = 1;
        return;
      }
      if (pn_io_flush(n->io)) return;
    }
    size_t used = nl ? (size_t)(nl + 1 - n->line) : n->len;
    n->len -= used;
    memmove(n->line, n->line + used, n->len);
  }
}

static void node_stdin(void *user, pn_io *io, int fd);

static void watch(node_ctx *n, int on) {
  if (on == n->watching) return;
  n->watching = on;
  pn_io_watch(n->io, on ? 0 : -1, on ? node_stdin : NULL, n);
}

static void node_stdin(void *user, pn_io *io, int fd) {
  node_ctx *n = user;
  (void)io;
  ssize_t r = read(fd, n->line + n->len, n->cap - n->len);
  if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (r <= 0)
    n->eof = 1;
  else
    n->len += (size_t)r;
  node_lines(n);
  if (n->paused || n->eof) watch(n, 0);
}

int cli_node(int argc, char **argv) {
  static const flagdef defs[] = {
      CLI_ENGINE_FLAGDEFS, {"listen", 1}, {"connect", 1}, {"redial", 0},
      {"json", 0},         {"hex", 0},    {"backlog", 1}, {NULL, 0}};
  static const char *shorts[][2] = {
      {"l", "listen"}, {"c", "connect"}, {NULL, NULL}};
  const char *name = NULL, *val = NULL, *listen[16], *dial[64];
  size_t nlisten = 0, ndial = 0;
  int pos = 1, r, redial = 0;
  uint64_t backlog = 0;
  static node_ctx n;
  cli_engine_opts o;
  memset(&o, 0, sizeof o);
  pn_engine_config_default(&o.cfg);
  memset(&n, 0, sizeof n);
  while ((r = cli_next_flag(argc, argv, &pos, defs, shorts, &name, &val)) ==
         1) {
    if (!strcmp(name, "help")) {
      printf(
          "usage: p2pnoise node [OPTIONS]\n"
          "Runs a node. Each line on stdin is broadcast to every peer;\n"
          "'@PEER text' sends to one peer (PEER: a unique prefix of its hex\n"
          "key, or all of it). A line longer than --max-message is refused\n"
          "and skipped. EOF or SIGINT/SIGTERM shuts down gracefully,\n"
          "flushing queued messages. Events and dial failures are printed\n"
          "one per line. A node that only dials exits with 1 once no peer\n"
          "is left and no redial is pending.\n\n"
          "  -l, --listen HOST:PORT  listen (repeatable; [::1]:7000 for IPv6)\n"
          "  -c, --connect HOST:PORT[=PEERKEY]\n"
          "                          dial, optionally requiring the peer's "
          "key\n"
          "  --redial                dial again with backoff when a dial "
          "fails\n"
          "                          or a connection is lost\n"
          "  --backlog N             listen backlog (default SOMAXCONN)\n"
          "  --json                  one JSON object per event\n"
          "  --hex                   messages and payloads in hex\n"
          "" CLI_ENGINE_OPTS_HELP CLI_EXIT_HELP);
      return CLI_OK;
    }
    if ((r = cli_engine_flag(&o, name, val))) {
      if (r < 0) return CLI_USAGE;
    } else if (!strcmp(name, "listen")) {
      if (nlisten == 16) return cli_err(CLI_USAGE, "too many --listen");
      if (cli_check_addr("--listen", val, 1)) return CLI_USAGE;
      listen[nlisten++] = val;
    } else if (!strcmp(name, "connect")) {
      if (ndial == 64) return cli_err(CLI_USAGE, "too many --connect");
      dial[ndial++] = val;
    } else if (!strcmp(name, "redial")) {
      redial = 1;
    } else if (!strcmp(name, "json")) {
      n.json = 1;
    } else if (!strcmp(name, "hex")) {
      n.hex = 1;
    } else if (!strcmp(name, "backlog")) {
      if (cli_parse_u64(val, &backlog) || !backlog || backlog > 1 << 20)
        return cli_err(CLI_USAGE, "--backlog: not a positive count: '%s'", val);
    }
  }
  if (r < 0) return CLI_USAGE;
  if (pos != argc) return cli_err(CLI_USAGE, "unexpected '%s'", argv[pos]);
  if (!nlisten && !ndial)
    return cli_err(CLI_USAGE, "node needs --listen or --connect (see --help)");
  /* Check the --connect forms before building anything. */
  static pn_peer_id expect[64];
  static char addr[64][300];
  for (size_t i = 0; i < ndial; i++) {
    const char *eq = strchr(dial[i], '=');
    size_t al = eq ? (size_t)(eq - dial[i]) : strlen(dial[i]);
    if (al >= sizeof addr[i]) return cli_err(CLI_USAGE, "--connect: too long");
    memcpy(addr[i], dial[i], al);
    addr[i][al] = 0;
    if (cli_check_addr("--connect", addr[i], 0)) return CLI_USAGE;
    if (eq && cli_parse_pubkey(eq + 1, &expect[i]))
      return cli_err(CLI_USAGE, "--connect %s: PEERKEY is not a hex key",
                     dial[i]);
  }
  pn_engine *e;
  if ((r = cli_engine_new(&o, &e))) return r;
  n.e = e;
  n.max = o.cfg.max_message ? o.cfg.max_message : PN_ENGINE_DEFAULT_MAX_MESSAGE;
  n.cap = (size_t)n.max + 2; /* the line, "\r\n" */
  /* Descriptors for every connection the engine may hold, if allowed. */
  size_t conns =
      o.cfg.max_conns ? o.cfg.max_conns : PN_ENGINE_DEFAULT_MAX_CONNS;
  size_t fds = pn_io_raise_nofile(conns + 32);
  if (fds < conns + 32)
    cli_err(0,
            "warning: the descriptor limit (RLIMIT_NOFILE %zu, the hard "
            "limit) allows about %zu of --max-conns %zu connections",
            fds, fds > 32 ? fds - 32 : 0, conns);
  pn_io_config ic = {.on_event = node_event,
                     .on_notice = node_notice,
                     .user = &n,
                     .backlog = (int)backlog};
  if (!(n.line = malloc(n.cap)) || pn_io_new(&n.io, e, &ic)) {
    free(n.line);
    pn_engine_free(e);
    return cli_err(CLI_FAIL, "out of memory");
  }
  pn_io *io = n.io;
  pn_io_install_signals();
  pn_peer_id me;
  char hex[2 * PN_PEER_ID_MAX + 1];
  pn_engine_local_id(e, &me);
  if (!n.json) printf("node %s\n", pn_io_hex(me.key, me.len, hex));
  int rc = CLI_OK;
  for (size_t i = 0; i < nlisten && rc == CLI_OK; i++) {
    if (pn_io_listen(io, listen[i]) != PN_OK)
      rc = cli_err(CLI_FAIL, "listen %s: %s", listen[i],
                   strerror(pn_io_errno(io)));
    else if (!n.json)
      printf("listening on %s (port %u)\n", listen[i], pn_io_port(io, i));
  }
  /* A dial that fails at once is reported by its notice. */
  for (size_t i = 0; i < ndial && rc == CLI_OK; i++)
    if (pn_io_dial(io, addr[i], strchr(dial[i], '=') ? &expect[i] : NULL,
                   redial) == PN_ERR_NOMEM)
      rc = cli_err(CLI_FAIL, "out of memory");
  fflush(stdout);
  if (rc == CLI_OK) watch(&n, 1);
  while (rc == CLI_OK && !pn_io_done(io)) {
    if (pn_io_step(io, 60 * PN_SEC)) {
      rc = cli_err(CLI_FAIL, "engine failure");
      break;
    }
    if (n.paused && !pn_io_blocked(io)) {
      n.paused = 0;
      node_lines(&n);
      if (!n.paused && !n.eof) watch(&n, 1);
    }
    if (n.eof && !n.paused && !n.len && !pn_io_stopping(io)) pn_io_stop(io);
    if (!nlisten && !pn_io_stopping(io) && !pn_engine_peer_count(e) &&
        !pn_io_dialing(io)) {
      rc = n.rejected ? cli_err(CLI_SESSION, "no peer left: handshake "
                                             "rejected, no redial pending")
                      : cli_err(CLI_FAIL, "no peer left and no redial pending");
      break;
    }
  }
  pn_io_free(io);
  pn_engine_free(e);
  cli_peers_free(&n.peers);
  free(n.line);
  return rc;
}
