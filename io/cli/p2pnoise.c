/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The p2pnoise command: keys, a node, the demo, and serve/connect for
 * talking to other Noise implementations (see `p2pnoise --help`).
 */
#define _GNU_SOURCE

#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define USAGE_EXIT                                                             \
  "exit status: 0 ok, 1 runtime failure (network, handshake, timeout),\n"      \
  "             2 bad command line, 3 bad key file, 4 unreadable message "     \
  "file\n"

static const char usage_main[] =
    "usage: p2pnoise COMMAND [OPTIONS]\n"
    "\n"
    "  keygen FILE     write a new private key to FILE (mode 0600), print its\n"
    "                  public key\n"
    "  pubkey FILE     print the public key of a key file\n"
    "  node            run a node: listen, connect, chat over stdin\n"
    "  demo            run a small local network over loopback and narrate it\n"
    "  serve           plain-profile responder for interop (s_server)\n"
    "  connect         plain-profile initiator for interop (s_client)\n"
    "  selftest        an in-process Noise handshake through the Noise layer\n"
    "\n"
    "`p2pnoise COMMAND --help` describes each command.\n"
    "Key files hold one line: the private key in hex (64 digits for "
    "25519).\n" USAGE_EXIT;

/* ---- A tiny flag parser -------------------------------------------------- */

typedef struct flagdef {
  const char *name; /* long name; short names are mapped by the caller */
  int has_arg;
} flagdef;

/* Iterates "--name value", "--name=value", "-x value"; returns 1 with
 * |name| and |val| set, 0 at the first operand (|pos| left there), -1 on
 * error. */
static int next_flag(int argc, char **argv, int *pos, const flagdef *defs,
                     const char *shorts[][2], const char **name,
                     const char **val) {
  static char buf[64];
  if (*pos >= argc) return 0;
  const char *a = argv[*pos];
  if (a[0] != '-' || a[1] == 0) return 0;
  if (!strcmp(a, "--")) {
    (*pos)++;
    return 0;
  }
  (*pos)++;
  const char *n = NULL, *eq = NULL;
  if (a[1] == '-') {
    n = a + 2;
    eq = strchr(n, '=');
  } else {
    for (size_t i = 0; shorts && shorts[i][0]; i++)
      if (!strcmp(a + 1, shorts[i][0])) n = shorts[i][1];
    if (!strcmp(a, "-h")) n = "help";
    if (!n) return cli_err(-1, "unknown option '%s' (see --help)", a);
  }
  size_t nl = eq ? (size_t)(eq - n) : strlen(n);
  if (nl >= sizeof buf) return cli_err(-1, "unknown option '%s'", a);
  memcpy(buf, n, nl);
  buf[nl] = 0;
  if (!strcmp(buf, "help")) {
    *name = "help";
    *val = NULL;
    return 1;
  }
  for (size_t i = 0; defs[i].name; i++) {
    if (strcmp(defs[i].name, buf)) continue;
    *name = defs[i].name;
    if (!defs[i].has_arg) {
      if (eq) return cli_err(-1, "option '--%s' takes no value", buf);
      *val = NULL;
    } else if (eq) {
      *val = eq + 1;
    } else if (*pos < argc) {
      *val = argv[(*pos)++];
    } else {
      return cli_err(-1, "option '--%s' needs a value", buf);
    }
    return 1;
  }
  return cli_err(-1, "unknown option '%s' (see --help)", a);
}

#define ENGINE_FLAGS                                                           \
  {"key", 1}, {"protocol", 1}, {"prologue", 1}, {"max-conns", 1},              \
      {"max-handshakes", 1}, {"max-peers", 1}, {"max-message", 1},             \
      {"handshake-timeout", 1}, {"idle-timeout", 1}, {"keepalive", 1},         \
      {"overflow", 1}, {"hs-payload", 1}, {                                    \
    "max-hs-payload", 1                                                        \
  }

static void opts_init(cli_engine_opts *o) {
  memset(o, 0, sizeof *o);
  pn_engine_config_default(&o->cfg);
}

/* ---- keygen, pubkey ------------------------------------------------------ */

static int cmd_keygen(int argc, char **argv) {
  static const flagdef defs[] = {{"dh", 1}, {NULL, 0}};
  const char *name = NULL, *val = NULL, *dh = "25519";
  int pos = 1, r;
  while ((r = next_flag(argc, argv, &pos, defs, NULL, &name, &val)) == 1) {
    if (!strcmp(name, "help")) {
      printf("usage: p2pnoise keygen [--dh 25519|448] FILE\n"
             "Writes a new private key to FILE (created with mode 0600, never\n"
             "overwritten) and prints the public key in hex.\n" USAGE_EXIT);
      return CLI_OK;
    }
    dh = val;
  }
  if (r < 0) return CLI_USAGE;
  if (strcmp(dh, "25519") && strcmp(dh, "448"))
    return cli_err(CLI_USAGE, "--dh: 25519 or 448, not '%s'", dh);
  if (pos != argc - 1)
    return cli_err(CLI_USAGE, "keygen takes one FILE (see --help)");
  const char *pname = strcmp(dh, "448") ? "Noise_XX_25519_ChaChaPoly_SHA256"
                                        : "Noise_XX_448_ChaChaPoly_SHA256";
  pn_protocol p;
  pn_keypair kp;
  if (pn_protocol_parse(&p, pname, strlen(pname), PN_BACKEND_AUTO))
    return cli_err(CLI_FAIL, "DH %s is not available in this build", dh);
  if (pn_keypair_generate(&kp, &p, NULL))
    return cli_err(CLI_FAIL, "key generation failed");
  size_t len = pn_protocol_dhlen(&p);
  r = cli_key_save(argv[pos], kp.priv, len);
  if (r == CLI_OK) {
    char hex[2 * PN_NOISE_MAX_DHLEN + 1];
    printf("%s\n", pn_io_hex(kp.pub, len, hex));
  }
  pn_keypair_wipe(&kp);
  return r;
}

static int cmd_pubkey(int argc, char **argv) {
  static const flagdef defs[] = {{NULL, 0}};
  const char *name = NULL, *val = NULL;
  int pos = 1, r;
  while ((r = next_flag(argc, argv, &pos, defs, NULL, &name, &val)) == 1) {
    printf(
        "usage: p2pnoise pubkey FILE\n"
        "Prints the public key (hex) of the private key in FILE.\n" USAGE_EXIT);
    return CLI_OK;
  }
  if (r < 0) return CLI_USAGE;
  if (pos != argc - 1)
    return cli_err(CLI_USAGE, "pubkey takes one FILE (see --help)");
  uint8_t priv[PN_NOISE_MAX_DHLEN], pub[PN_NOISE_MAX_DHLEN];
  size_t len;
  if ((r = cli_key_load(argv[pos], priv, &len))) return r;
  r = cli_key_public(priv, len, pub);
  memset(priv, 0, sizeof priv);
  if (r) return cli_err(CLI_KEYFILE, "%s: %s", argv[pos], pn_strerror(r));
  char hex[2 * PN_NOISE_MAX_DHLEN + 1];
  printf("%s\n", pn_io_hex(pub, len, hex));
  return CLI_OK;
}

/* ---- node ---------------------------------------------------------------- */

typedef struct node_ctx {
  int json;
  pn_engine *e;
  char line[70000];
  size_t linelen;
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

static void node_event(void *user, pn_io *io, const pn_action *a) {
  node_ctx *n = user;
  cli_event fe;
  cli_event_flatten(&a->event, &fe);
  const cli_event *ev = &fe;
  char hex[2 * PN_PEER_ID_MAX + 1], hh[2 * PN_NOISE_MAX_HASHLEN + 1];
  static const char *names[] = {
      "",         "listening", "connected", "disconnected", "message",
      "overflow", "rejected",  "closed",    "hs-payload"};
  (void)io;
  pn_io_hex(ev->peer.key, ev->peer.len, hex);
  if (n->json) {
    printf("{\"t\":%.3f,\"event\":\"%s\"", cli_elapsed(), names[ev->type]);
    if (ev->peer.len) printf(",\"peer\":\"%s\"", hex);
    if (ev->peer.anonymous) printf(",\"anonymous\":true");
    switch (ev->type) {
    case PN_EVENT_PEER_CONNECTED:
      printf(",\"dir\":\"%s\",\"hash\":\"%s\"", dir_str(ev->dir),
             pn_io_hex(ev->data, ev->len, hh));
      break;
    case PN_EVENT_MESSAGE:
      printf(",\"len\":%zu,\"text\":", ev->len);
      json_str(ev->data, ev->len);
      break;
    case PN_EVENT_HANDSHAKE_PAYLOAD:
      printf(",\"dir\":\"%s\",\"index\":%llu,\"len\":%zu,\"text\":",
             dir_str(ev->dir), (unsigned long long)ev->size, ev->len);
      json_str(ev->data, ev->len);
      break;
    case PN_EVENT_OVERFLOW:
      printf(",\"size\":%llu", (unsigned long long)ev->size);
      break;
    default:
      break;
    }
    if (ev->reason) printf(",\"reason\":\"%s\"", pn_reason_str(ev->reason));
    if (ev->remote_reason)
      printf(",\"remote_reason\":\"%s\"", pn_reason_str(ev->remote_reason));
    printf("}\n");
  } else {
    printf("%8.3fs  %-12s %s", cli_elapsed(), names[ev->type],
           ev->peer.len ? hex : "");
    switch (ev->type) {
    case PN_EVENT_PEER_CONNECTED:
      printf(" %s", dir_str(ev->dir));
      break;
    case PN_EVENT_MESSAGE:
      printf(" (%zu bytes) ", ev->len);
      cli_print_bytes(stdout, ev->data, ev->len, 200);
      break;
    case PN_EVENT_HANDSHAKE_PAYLOAD:
      printf("%s message %llu (%zu bytes) ", dir_str(ev->dir),
             (unsigned long long)ev->size, ev->len);
      cli_print_bytes(stdout, ev->data, ev->len, 200);
      break;
    case PN_EVENT_OVERFLOW:
      printf(" %llu bytes", (unsigned long long)ev->size);
      break;
    default:
      break;
    }
    if (ev->reason) printf(" reason=%s", pn_reason_str(ev->reason));
    if (ev->remote_reason)
      printf(" remote=%s", pn_reason_str(ev->remote_reason));
    printf("\n");
  }
  fflush(stdout);
}

/* A peer whose hex id starts with |prefix| (unique), or -1/-2. */
static int find_peer(pn_engine *e, const char *prefix, pn_peer_id *out) {
  size_t cur = 0, plen = strlen(prefix);
  pn_peer_info pi;
  char hex[2 * PN_PEER_ID_MAX + 1];
  int found = 0;
  while (pn_engine_peer_next(e, &cur, &pi) == 1) {
    pn_io_hex(pi.id.key, pi.id.len, hex);
    if (plen && !strncmp(hex, prefix, plen)) {
      *out = pi.id;
      found++;
    }
  }
  return found == 1 ? 0 : found ? -2 : -1;
}

static void node_line(node_ctx *n, char *s) {
  pn_time now = pn_io_now();
  if (s[0] == '@') {
    char *sp = strchr(s, ' ');
    pn_peer_id to;
    if (!sp) {
      fprintf(stderr, "p2pnoise: '@PEER text' needs a text\n");
      return;
    }
    *sp = 0;
    int r = find_peer(n->e, s + 1, &to);
    if (r) {
      fprintf(stderr, "p2pnoise: %s peer '%s'\n", r == -1 ? "no" : "ambiguous",
              s + 1);
      return;
    }
    r = pn_engine_send(n->e, &to, (const uint8_t *)sp + 1, strlen(sp + 1), now);
    if (r) fprintf(stderr, "p2pnoise: send: %s\n", pn_strerror(r));
  } else {
    ptrdiff_t r = pn_engine_broadcast(n->e, (const uint8_t *)s, strlen(s), now);
    if (r < 0)
      fprintf(stderr, "p2pnoise: broadcast: %s\n", pn_strerror((int)r));
  }
}

static void node_stdin(void *user, pn_io *io, int fd) {
  node_ctx *n = user;
  ssize_t r = read(fd, n->line + n->linelen, sizeof n->line - 1 - n->linelen);
  if (r < 0 && errno == EINTR) return;
  if (r <= 0) { /* EOF: leave gracefully */
    pn_io_watch(io, -1, NULL, NULL);
    pn_io_stop(io);
    return;
  }
  n->linelen += (size_t)r;
  char *start = n->line, *nl;
  while ((nl = memchr(start, '\n', n->linelen - (size_t)(start - n->line)))) {
    *nl = 0;
    if (nl > start && nl[-1] == '\r') nl[-1] = 0;
    if (*start) node_line(n, start);
    start = nl + 1;
  }
  n->linelen -= (size_t)(start - n->line);
  memmove(n->line, start, n->linelen);
  if (n->linelen == sizeof n->line - 1) n->linelen = 0; /* overlong: drop */
}

static int cmd_node(int argc, char **argv) {
  static const flagdef defs[] = {ENGINE_FLAGS,  {"listen", 1}, {"connect", 1},
                                 {"redial", 0}, {"json", 0},   {NULL, 0}};
  static const char *shorts[][2] = {
      {"l", "listen"}, {"c", "connect"}, {NULL, NULL}};
  const char *name = NULL, *val = NULL, *listen[16], *dial[64];
  size_t nlisten = 0, ndial = 0;
  int pos = 1, r, redial = 0;
  static node_ctx n;
  cli_engine_opts o;
  opts_init(&o);
  memset(&n, 0, sizeof n);
  while ((r = next_flag(argc, argv, &pos, defs, shorts, &name, &val)) == 1) {
    if (!strcmp(name, "help")) {
      printf(
          "usage: p2pnoise node [OPTIONS]\n"
          "Runs a node. Each line on stdin is broadcast to every peer;\n"
          "'@PEER text' sends to one peer (PEER: a unique prefix of its hex\n"
          "key). EOF or SIGINT/SIGTERM shuts down gracefully, flushing\n"
          "queued messages. Events are printed one per line.\n\n"
          "  -l, --listen HOST:PORT  listen (repeatable; [::1]:7000 for IPv6)\n"
          "  -c, --connect HOST:PORT[=PEERKEY]\n"
          "                          dial, optionally requiring the peer's "
          "key\n"
          "  --redial                dial again with backoff when a dial "
          "fails\n"
          "                          or a connection is lost\n"
          "  --json                  one JSON object per "
          "event\n" CLI_ENGINE_OPTS_HELP USAGE_EXIT);
      return CLI_OK;
    }
    if ((r = cli_engine_flag(&o, name, val))) {
      if (r < 0) return CLI_USAGE;
    } else if (!strcmp(name, "listen")) {
      if (nlisten == 16) return cli_err(CLI_USAGE, "too many --listen");
      listen[nlisten++] = val;
    } else if (!strcmp(name, "connect")) {
      if (ndial == 64) return cli_err(CLI_USAGE, "too many --connect");
      dial[ndial++] = val;
    } else if (!strcmp(name, "redial")) {
      redial = 1;
    } else if (!strcmp(name, "json")) {
      n.json = 1;
    }
  }
  if (r < 0) return CLI_USAGE;
  if (pos != argc) return cli_err(CLI_USAGE, "unexpected '%s'", argv[pos]);
  if (!nlisten && !ndial)
    return cli_err(CLI_USAGE, "node needs --listen or --connect (see --help)");
  /* Check the --connect forms before building anything. */
  pn_peer_id expect[64];
  char addr[64][300];
  for (size_t i = 0; i < ndial; i++) {
    const char *eq = strchr(dial[i], '=');
    size_t al = eq ? (size_t)(eq - dial[i]) : strlen(dial[i]);
    if (al >= sizeof addr[i]) return cli_err(CLI_USAGE, "--connect: too long");
    memcpy(addr[i], dial[i], al);
    addr[i][al] = 0;
    if (eq && cli_parse_pubkey(eq + 1, &expect[i]))
      return cli_err(CLI_USAGE, "--connect %s: PEERKEY is not a hex key",
                     dial[i]);
  }
  pn_engine *e;
  if ((r = cli_engine_new(&o, &e))) return r;
  n.e = e;
  pn_io *io;
  pn_io_config ic = {.on_event = node_event, .user = &n};
  if (pn_io_new(&io, e, &ic)) {
    pn_engine_free(e);
    return cli_err(CLI_FAIL, "out of memory");
  }
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
  for (size_t i = 0; i < ndial && rc == CLI_OK; i++) {
    int h = pn_io_dial(io, addr[i], strchr(dial[i], '=') ? &expect[i] : NULL,
                       redial);
    if (h < 0)
      rc = cli_err(CLI_FAIL, "connect %s: %s", addr[i],
                   h == PN_ERR_INVALID_ARGUMENT ? "bad HOST:PORT"
                                                : strerror(pn_io_errno(io)));
  }
  fflush(stdout);
  if (rc == CLI_OK) {
    pn_io_watch(io, 0, node_stdin, &n);
    if (pn_io_run(io)) rc = cli_err(CLI_FAIL, "engine failure");
  }
  pn_io_free(io);
  pn_engine_free(e);
  return rc;
}

/* ---- serve / connect (plain profile) ------------------------------------- */

typedef struct interop {
  int echo, serve, once;
  int connected, done;
  size_t replies, want;
  int failed;
  pn_engine *e;
  char hex[2 * PN_ENGINE_MAX_HANDSHAKE_PAYLOAD + 1];
} interop;

static void interop_event(void *user, pn_io *io, const pn_action *a) {
  interop *x = user;
  cli_event fe;
  cli_event_flatten(&a->event, &fe);
  const cli_event *ev = &fe;
  char hex[2 * PN_NOISE_MAX_HASHLEN + 1];
  pn_time now = pn_io_now();
  switch (ev->type) {
  case PN_EVENT_LISTENING:
    break;
  case PN_EVENT_PEER_CONNECTED:
    x->connected++;
    printf("remote-static %s\n",
           ev->peer.anonymous ? "none"
                              : pn_io_hex(ev->peer.key, ev->peer.len, hex));
    printf("handshake-hash %s\n", pn_io_hex(ev->data, ev->len, hex));
    break;
  case PN_EVENT_MESSAGE:
    printf("received ");
    cli_print_bytes(stdout, ev->data, ev->len, 4096);
    printf("\n");
    x->replies++;
    if (x->echo) {
      int r = pn_engine_send(x->e, &ev->peer, ev->data, ev->len, now);
      if (r) fprintf(stderr, "p2pnoise: echo: %s\n", pn_strerror(r));
    }
    if (!x->serve && x->replies >= x->want) pn_io_stop(io);
    break;
  case PN_EVENT_PEER_DISCONNECTED:
    printf("disconnected %s\n", pn_reason_str(ev->reason));
    if (x->once || !x->serve) pn_io_stop(io);
    break;
  case PN_EVENT_REJECTED:
    printf("rejected %s\n", pn_reason_str(ev->reason));
    x->failed = 1;
    if (x->once || !x->serve) pn_io_stop(io);
    break;
  case PN_EVENT_OVERFLOW:
    printf("overflow %llu\n", (unsigned long long)ev->size);
    break;
  case PN_EVENT_HANDSHAKE_PAYLOAD:
    printf("handshake-payload %llu %s\n", (unsigned long long)ev->size,
           pn_io_hex(ev->data, ev->len, x->hex));
    break;
  case PN_EVENT_CLOSED:
    break;
  }
  fflush(stdout);
}

static int read_file(const char *path, uint8_t **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 4096, n = 0;
  uint8_t *b = malloc(cap);
  size_t r;
  while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap) {
      uint8_t *nb = realloc(b, cap *= 2);
      if (!nb) {
        free(b);
        b = NULL;
      }
      b = nb;
    }
  }
  int bad = ferror(f) || !b;
  fclose(f);
  if (bad) {
    free(b);
    return -1;
  }
  *out = b;
  *len = n;
  return 0;
}

typedef struct msgbuf {
  uint8_t *p;
  size_t len;
} msgbuf;

static int cmd_interop(int argc, char **argv, int serve) {
  static const flagdef defs[] = {
      ENGINE_FLAGS, {"listen", 1},  {"remote-key", 1}, {"echo", 0},
      {"once", 0},  {"message", 1}, {"file", 1},       {"stdin", 0},
      {"wait", 1},  {"timeout", 1}, {NULL, 0}};
  static const char *shorts[][2] = {
      {"l", "listen"}, {"m", "message"}, {"f", "file"}, {NULL, NULL}};
  const char *name = NULL, *val = NULL, *listen = NULL, *remote = NULL;
  int pos = 1, r, use_stdin = 0;
  uint64_t wait = UINT64_MAX, timeout_ms = 10000;
  static msgbuf msgs[256];
  size_t nmsgs = 0;
  interop x;
  cli_engine_opts o;
  memset(&x, 0, sizeof x);
  opts_init(&o);
  o.cfg.profile = PN_PROFILE_PLAIN;
  o.cfg.max_message = PN_ENGINE_PLAIN_MAX_MESSAGE;
  o.cfg.max_handshake_payload = PN_ENGINE_MAX_HANDSHAKE_PAYLOAD;
  x.serve = serve;
  int rc = CLI_OK;
  while ((r = next_flag(argc, argv, &pos, defs, shorts, &name, &val)) == 1) {
    if (!strcmp(name, "help")) {
      if (serve)
        printf(
            "usage: p2pnoise serve --listen HOST:PORT [OPTIONS]\n"
            "A plain-profile responder (each Noise transport message is one\n"
            "application message, u16 length-prefixed) for talking to other\n"
            "Noise implementations. Prints 'listening HOST:PORT', then per\n"
            "connection 'remote-static HEX', 'handshake-hash HEX' and\n"
            "'received ...' per message, 'handshake-payload N HEX' per\n"
            "handshake payload received (up to 4096 bytes by default).\n\n"
            "  -l, --listen HOST:PORT  where to listen (port 0: any)\n"
            "  --remote-key HEX|@FILE  the initiator's static key, for\n"
            "                          patterns that know it (KK, KX, KN)\n"
            "  --echo                  send every message back\n"
            "  --once                  exit after the first "
            "connection\n" CLI_ENGINE_OPTS_HELP USAGE_EXIT);
      else
        printf(
            "usage: p2pnoise connect [OPTIONS] HOST:PORT\n"
            "A plain-profile initiator for talking to other Noise\n"
            "implementations: handshakes, prints 'remote-static HEX' and\n"
            "'handshake-hash HEX', sends the messages, prints each reply as\n"
            "'received ...', then closes. Prints 'handshake-payload N HEX'\n"
            "per handshake payload received (up to 4096 bytes by default).\n\n"
            "  --remote-key HEX|@FILE  the responder's static key (NK, XK,\n"
            "                          IK, KK need it; else it is checked)\n"
            "  -m, --message TEXT      a message (repeatable)\n"
            "  -f, --file FILE         a file's content as one message\n"
            "  --stdin                 each stdin line is a message (the\n"
            "                          default without -m and -f)\n"
            "  --wait N                replies to wait for (default: one\n"
            "                          per message sent)\n"
            "  --timeout MS            give up after MS "
            "(10000)\n" CLI_ENGINE_OPTS_HELP USAGE_EXIT);
      rc = CLI_OK;
      goto out;
    }
    if ((r = cli_engine_flag(&o, name, val))) {
      if (r < 0) {
        rc = CLI_USAGE;
        goto out;
      }
    } else if (!strcmp(name, "listen") && serve) {
      listen = val;
    } else if (!strcmp(name, "remote-key")) {
      remote = val;
    } else if (!strcmp(name, "echo") && serve) {
      x.echo = 1;
    } else if (!strcmp(name, "once") && serve) {
      x.once = 1;
    } else if (!strcmp(name, "wait") && !serve) {
      if (cli_parse_u64(val, &wait)) {
        rc = cli_err(CLI_USAGE, "--wait: not a number: '%s'", val);
        goto out;
      }
    } else if (!strcmp(name, "timeout") && !serve) {
      if (cli_parse_u64(val, &timeout_ms) || !timeout_ms) {
        rc = cli_err(CLI_USAGE, "--timeout: not a number: '%s'", val);
        goto out;
      }
    } else if ((!strcmp(name, "message") || !strcmp(name, "file")) && !serve) {
      if (nmsgs == 256) {
        rc = cli_err(CLI_USAGE, "too many messages");
        goto out;
      }
      if (name[0] == 'm') {
        msgs[nmsgs].len = strlen(val);
        msgs[nmsgs].p = (uint8_t *)strdup(val);
      } else if (read_file(val, &msgs[nmsgs].p, &msgs[nmsgs].len)) {
        rc = cli_err(CLI_DATA, "%s: %s", val, strerror(errno));
        goto out;
      }
      if (msgs[nmsgs].len > PN_ENGINE_PLAIN_MAX_MESSAGE) {
        free(msgs[nmsgs].p);
        rc = cli_err(CLI_DATA, "a message is larger than %d bytes",
                     PN_ENGINE_PLAIN_MAX_MESSAGE);
        goto out;
      }
      nmsgs++;
    } else if (!strcmp(name, "stdin") && !serve) {
      use_stdin = 1;
    } else {
      rc = cli_err(CLI_USAGE, "unknown option '--%s' (see --help)", name);
      goto out;
    }
  }
  if (r < 0) {
    rc = CLI_USAGE;
    goto out;
  }
  const char *target = NULL;
  if (serve) {
    if (pos != argc) {
      rc = cli_err(CLI_USAGE, "unexpected '%s'", argv[pos]);
      goto out;
    }
    if (!listen) {
      rc = cli_err(CLI_USAGE, "serve needs --listen HOST:PORT");
      goto out;
    }
  } else {
    if (pos != argc - 1) {
      rc = cli_err(CLI_USAGE, "connect takes one HOST:PORT (see --help)");
      goto out;
    }
    target = argv[pos];
    if (!nmsgs) use_stdin = 1;
  }
  pn_peer_id rkey;
  if (remote && cli_parse_pubkey(remote, &rkey)) {
    rc = cli_err(CLI_USAGE, "--remote-key: not a hex key: '%s'", remote);
    goto out;
  }
  if (use_stdin) {
    char line[4096];
    while (nmsgs < 256 && fgets(line, sizeof line, stdin)) {
      line[strcspn(line, "\r\n")] = 0;
      msgs[nmsgs].len = strlen(line);
      msgs[nmsgs++].p = (uint8_t *)strdup(line);
    }
  }
  x.want = wait == UINT64_MAX ? nmsgs : (size_t)wait;
  if ((rc = cli_engine_new(&o, &x.e))) goto out;
  pn_io *io;
  pn_io_config ic = {.on_event = interop_event, .user = &x};
  if (serve && remote) ic.inbound_expect = &rkey;
  if (pn_io_new(&io, x.e, &ic)) {
    pn_engine_free(x.e);
    rc = cli_err(CLI_FAIL, "out of memory");
    goto out;
  }
  pn_io_install_signals();
  if (serve) {
    if (pn_io_listen(io, listen) != PN_OK) {
      rc =
          cli_err(CLI_FAIL, "listen %s: %s", listen, strerror(pn_io_errno(io)));
    } else {
      printf("listening %s port %u\n", listen, pn_io_port(io, 0));
      fflush(stdout);
      if (pn_io_run(io)) rc = cli_err(CLI_FAIL, "engine failure");
    }
  } else {
    int h = pn_io_dial(io, target, remote ? &rkey : NULL, 0);
    if (h < 0) {
      rc = cli_err(CLI_FAIL, "connect %s: %s", target,
                   h == PN_ERR_INVALID_ARGUMENT ? "bad HOST:PORT"
                                                : strerror(pn_io_errno(io)));
    } else {
      pn_time deadline = pn_io_now() + timeout_ms * PN_MSEC;
      int sent = 0;
      while (!pn_io_done(io) && rc == CLI_OK) {
        pn_time now = pn_io_now();
        if (now >= deadline) {
          rc = cli_err(CLI_FAIL, "timed out");
          break;
        }
        if (!x.connected && pn_io_conn_count(io) == 0) {
          rc = cli_err(
              CLI_FAIL, "connect %s: %s", target,
              strerror(pn_io_errno(io) ? pn_io_errno(io) : ECONNREFUSED));
          break;
        }
        if (x.connected && !sent) {
          size_t cur = 0;
          pn_peer_info pi;
          sent = 1;
          if (pn_engine_peer_next(x.e, &cur, &pi) == 1)
            for (size_t i = 0; i < nmsgs; i++)
              if ((r = pn_engine_send(x.e, &pi.id, msgs[i].p, msgs[i].len,
                                      now)))
                rc = cli_err(CLI_FAIL, "send: %s", pn_strerror(r));
          if (!x.want) pn_io_stop(io);
        }
        if (pn_io_step(io, deadline - now)) rc = cli_err(CLI_FAIL, "engine");
      }
      if (rc == CLI_OK && (x.failed || !x.connected || x.replies < x.want))
        rc = cli_err(CLI_FAIL, "%s",
                     !x.connected ? "handshake failed" : "connection lost");
    }
  }
  pn_io_free(io);
  pn_engine_free(x.e);
out:
  for (size_t i = 0; i < nmsgs; i++)
    free(msgs[i].p);
  return rc;
}

/* ---- selftest: the Noise layer alone, in process ------------------------- */

static void hexline(const char *label, const uint8_t *p, size_t n) {
  char hex[2 * PN_NOISE_MAX_HASHLEN + 1];
  printf("%s%s\n", label, pn_io_hex(p, n, hex));
}

static int selftest_run(const pn_protocol *p, const char *name,
                        pn_crypto_ctx cx[2]);

static int selftest(const char *name) {
  pn_protocol proto;
  int rc = pn_protocol_parse(&proto, name, strlen(name), PN_BACKEND_AUTO);
  if (rc) return cli_err(CLI_USAGE, "protocol %s: %s", name, pn_strerror(rc));
  printf("protocol   %s (dh %s, cipher %s, hash %s)\n", name,
         pn_protocol_impl(&proto, PN_PRIMITIVE_DH),
         pn_protocol_impl(&proto, PN_PRIMITIVE_CIPHER),
         pn_protocol_impl(&proto, PN_PRIMITIVE_HASH));
  size_t ag, ad, ah;
  if (pn_protocol_allocs(&proto, &ag, &ad, &ah))
    printf("allocates  %zu per key pair, %zu per DH, %zu per hash\n", ag, ad,
           ah);
  else
    printf("allocates  nothing per handshake or message\n");
  /* Each party's crypto contexts, released whatever happens. */
  pn_crypto_ctx cx[2];
  memset(cx, 0, sizeof cx);
  rc = selftest_run(&proto, name, cx);
  for (int i = 0; i < 2; i++)
    pn_crypto_ctx_wipe(&cx[i]);
  return rc;
}

static int selftest_run(const pn_protocol *p, const char *name,
                        pn_crypto_ctx cx[2]) {
  const pn_protocol proto = *p;
  int rc;
  pn_keypair ks[2];
  pn_handshake hs[2];
  static const char prologue[] = "p2pnoise selftest";
  /* Every key the pattern needs: each party's static, the other's when a
   * pre-message carries it, a shared PSK per psk token. */
  static const uint8_t psks[PN_NOISE_MAX_PSKS][PN_NOISE_PSKLEN] = {
      {1}, {2}, {3}, {4}, {5}};
  for (int i = 0; i < 2; i++)
    if ((rc = pn_keypair_generate(&ks[i], &proto, NULL)))
      return cli_err(CLI_FAIL, "key generation: %s", pn_strerror(rc));
  for (int i = 0; i < 2; i++) {
    if ((rc = pn_crypto_ctx_init(&cx[i], &proto)) ||
        (rc = pn_handshake_init(&hs[i], &proto, &cx[i],
                                i ? PN_RESPONDER : PN_INITIATOR, NULL)))
      return cli_err(CLI_FAIL, "handshake setup: %s", pn_strerror(rc));
    int needs = pn_handshake_needs(&hs[i]);
    if (needs & PN_NEED_REMOTE_EPHEMERAL)
      return cli_err(CLI_USAGE,
                     "%s: a fallback pattern runs only after a "
                     "failed IK (Noise Pipes), not on its own",
                     name);
    if (((needs & PN_NEED_LOCAL_STATIC) &&
         (rc = pn_handshake_set_static(&hs[i], &ks[i]))) ||
        ((needs & PN_NEED_REMOTE_STATIC) &&
         (rc = pn_handshake_set_remote_static(&hs[i], ks[i ^ 1].pub,
                                              pn_protocol_dhlen(&proto)))) ||
        ((needs & PN_NEED_PSK) &&
         (rc = pn_handshake_set_psks(&hs[i], psks, PN_NOISE_MAX_PSKS))) ||
        (rc = pn_handshake_start(&hs[i], (const uint8_t *)prologue,
                                 sizeof prologue - 1)))
      return cli_err(CLI_FAIL, "handshake setup: %s", pn_strerror(rc));
  }
  hexline("alice      ", ks[0].pub, pn_protocol_dhlen(&proto));
  hexline("bob        ", ks[1].pub, pn_protocol_dhlen(&proto));
  static uint8_t msg[PN_NOISE_MAX_MSG], payload[PN_NOISE_MAX_MSG];
  size_t len, plen;
  for (int turn = 0; pn_handshake_action(&hs[turn]) == PN_HS_WRITE; turn ^= 1) {
    if ((rc = pn_handshake_write(&hs[turn], NULL, 0, msg, sizeof msg, &len)) ||
        (rc = pn_handshake_read(&hs[turn ^ 1], msg, len, payload,
                                sizeof payload, &plen)))
      return cli_err(CLI_FAIL, "handshake: %s", pn_strerror(rc));
    printf("handshake  %s -> %s  %zu bytes\n", turn ? "bob" : "alice",
           turn ? "alice" : "bob", len);
  }
  pn_cipherstate tx[2], rx[2];
  uint8_t h[2][PN_NOISE_MAX_HASHLEN];
  size_t hl = pn_handshake_hash(&hs[0], h[0]);
  pn_handshake_hash(&hs[1], h[1]);
  for (int i = 0; i < 2; i++)
    if ((rc = pn_handshake_split(&hs[i], &tx[i], &rx[i])))
      return cli_err(CLI_FAIL, "split: %s", pn_strerror(rc));
  if (memcmp(h[0], h[1], hl) != 0)
    return cli_err(CLI_FAIL, "handshake hashes differ");
  hexline("hash       ", h[0], hl);
  static const char hello[] = "hello from alice";
  if ((rc = pn_cipherstate_encrypt(&tx[0], NULL, 0, (const uint8_t *)hello,
                                   sizeof hello - 1, msg, sizeof msg, &len)) ||
      (rc = pn_cipherstate_decrypt(&rx[1], NULL, 0, msg, len, payload,
                                   sizeof payload, &plen)))
    return cli_err(CLI_FAIL, "transport: %s", pn_strerror(rc));
  printf("message    alice -> bob  \"%.*s\" (%zu bytes on the wire)\n",
         (int)plen, payload, len);
  for (int i = 0; i < 2; i++) {
    pn_cipherstate_wipe(&tx[i]);
    pn_cipherstate_wipe(&rx[i]);
    pn_handshake_wipe(&hs[i]);
    pn_keypair_wipe(&ks[i]);
  }
  printf("selftest ok\n");
  return CLI_OK;
}

/* Which of the 16 suites allocate after set-up in this build (the engine
 * and the CLI use AUTO), as engine.h states: the build decides. */
static void print_suite_allocs(void) {
  static const char *const dhs[] = {"25519", "448"};
  static const char *const ciphers[] = {"ChaChaPoly", "AESGCM"};
  static const char *const hashes[] = {"SHA256", "SHA512", "BLAKE2s",
                                       "BLAKE2b"};
  int have = 0, alloc = 0;
  printf("\nHeap allocations after set-up, per suite in this build:\n");
  for (int i = 0; i < 16; i++) {
    char name[96];
    int n = snprintf(name, sizeof name, "Noise_XX_%s_%s_%s", dhs[i / 8],
                     ciphers[i / 4 % 2], hashes[i % 4]);
    pn_protocol p;
    if (pn_protocol_parse(&p, name, (size_t)n, PN_BACKEND_AUTO) != PN_OK)
      continue;
    have++;
    size_t ag, ad, ah;
    if (!pn_protocol_allocs(&p, &ag, &ad, &ah)) continue;
    alloc++;
    printf("  %s: %zu per key pair, %zu per DH, %zu per hash (handshakes "
           "only)\n",
           name + 9, ag, ad, ah);
  }
  printf("  %s of the %d suites this build has: none per handshake, "
         "message or rekey\n",
         alloc ? "the others" : "all", have);
}

static int cmd_selftest(int argc, char **argv) {
  static const flagdef defs[] = {{"protocol", 1}, {NULL, 0}};
  const char *name = NULL, *val = NULL,
             *proto = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
  int pos = 1, r;
  while ((r = next_flag(argc, argv, &pos, defs, NULL, &name, &val)) == 1) {
    if (!strcmp(name, "help")) {
      printf("usage: p2pnoise selftest [--protocol NAME]\n"
             "Runs a handshake between two in-process parties through the\n"
             "Noise layer and checks the handshake hashes agree.\n");
      print_suite_allocs();
      fputs(USAGE_EXIT, stdout);
      return CLI_OK;
    }
    proto = val;
  }
  if (r < 0) return CLI_USAGE;
  if (pos != argc) return cli_err(CLI_USAGE, "unexpected '%s'", argv[pos]);
  return selftest(proto);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_main, stderr);
    return CLI_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage_main, stdout);
    return CLI_OK;
  }
  cli_elapsed(); /* starts the clock */
  if (pn_crypto_init() != PN_OK) return cli_err(CLI_FAIL, "crypto init failed");
  argc--;
  argv++;
  if (!strcmp(cmd, "keygen")) return cmd_keygen(argc, argv);
  if (!strcmp(cmd, "pubkey")) return cmd_pubkey(argc, argv);
  if (!strcmp(cmd, "node")) return cmd_node(argc, argv);
  if (!strcmp(cmd, "demo")) return cli_demo(argc, argv);
  if (!strcmp(cmd, "serve")) return cmd_interop(argc, argv, 1);
  if (!strcmp(cmd, "connect")) return cmd_interop(argc, argv, 0);
  if (!strcmp(cmd, "selftest")) return cmd_selftest(argc, argv);
  return cli_err(CLI_USAGE, "unknown command '%s' (see p2pnoise --help)", cmd);
}
