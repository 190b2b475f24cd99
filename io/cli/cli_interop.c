/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* `p2pnoise serve` and `p2pnoise connect`: the plain profile, for talking
 * to other Noise implementations (s_server and s_client). */
#define _GNU_SOURCE

#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct msgbuf {
  uint8_t *p;
  size_t len;
} msgbuf;

typedef struct interop {
  int echo, serve, once, hex, lockstep, use_stdin;
  int connected;
  size_t replies, want, next; /* next: the next message to send */
  int failed;                 /* an exit code, or 0 */
  int dial_err;
  pn_reason why;
  pn_engine *e;
  pn_peer_id peer;
  msgbuf *msgs;
  size_t nmsgs, capmsgs;
  FILE *out; /* --output */
  char hex_buf[2 * PN_ENGINE_MAX_HANDSHAKE_PAYLOAD + 1];
} interop;

static int add_msg(interop *x, uint8_t *p, size_t len) {
  if (x->nmsgs == x->capmsgs) {
    size_t cap = x->capmsgs ? 2 * x->capmsgs : 16;
    msgbuf *m = realloc(x->msgs, cap * sizeof *m);
    if (!m) return cli_err(CLI_FAIL, "out of memory");
    x->msgs = m;
    x->capmsgs = cap;
  }
  x->msgs[x->nmsgs++] = (msgbuf){p, len};
  if (len > PN_ENGINE_PLAIN_MAX_MESSAGE)
    return cli_err(CLI_TOOBIG, "a message of %zu bytes: the limit is %d", len,
                   PN_ENGINE_PLAIN_MAX_MESSAGE);
  return CLI_OK;
}

/* The next stdin line as a message; 0 at EOF, 1, or an exit code < 0. */
static int stdin_line(interop *x) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, stdin);
  if (n < 0) {
    free(line);
    return 0;
  }
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    n--;
  int rc = add_msg(x, (uint8_t *)line, (size_t)n);
  return rc ? -rc : 1;
}

/* Sends the messages that may go now: all of them, or in lockstep the next
 * one once the previous reply came. */
static void send_some(interop *x, pn_io *io) {
  for (;;) {
    if (x->lockstep && x->next > x->replies) return;
    if (x->next == x->nmsgs && x->use_stdin && x->lockstep) {
      int r = stdin_line(x);
      if (r < 0) {
        x->failed = -r;
        pn_io_stop(io);
        return;
      }
    }
    if (x->next == x->nmsgs) break;
    msgbuf *m = &x->msgs[x->next++];
    int r = pn_engine_send(x->e, &x->peer, m->p, m->len, pn_io_now());
    if (r) {
      x->failed = cli_err(CLI_FAIL, "send: %s", pn_strerror(r));
      pn_io_stop(io);
      return;
    }
  }
  if (x->lockstep) x->want = x->nmsgs;
  if (x->replies >= x->want) pn_io_stop(io);
}

static void interop_event(void *user, pn_io *io, const pn_action *a) {
  interop *x = user;
  const pn_event *ev = &a->event;
  char hex[2 * PN_NOISE_MAX_HASHLEN + 1];
  switch (ev->type) {
  case PN_EVENT_LISTENING:
  case PN_EVENT_CLOSED:
    break;
  case PN_EVENT_PEER_CONNECTED: {
    const pn_event_connected *c = &ev->connected;
    x->connected++;
    x->peer = c->peer;
    printf("remote-static %s\n",
           c->peer.anonymous ? "none"
                             : pn_io_hex(c->peer.key, c->peer.len, hex));
    printf("handshake-hash %s\n", pn_io_hex(c->hash, c->hash_len, hex));
    if (!x->serve) send_some(x, io);
    break;
  }
  case PN_EVENT_MESSAGE: {
    const pn_event_message *m = &ev->message;
    printf("received %zu ", m->len);
    cli_print_bytes(stdout, m->data, m->len, x->hex);
    printf("\n");
    if (x->out) fwrite(m->data, 1, m->len, x->out);
    x->replies++;
    if (x->echo) {
      int r = pn_engine_send(x->e, &m->peer, m->data, m->len, pn_io_now());
      if (r) cli_err(0, "echo: %s", pn_strerror(r));
    }
    if (!x->serve) send_some(x, io);
    break;
  }
  case PN_EVENT_PEER_DISCONNECTED:
    printf("disconnected %s\n", pn_reason_str(ev->disconnected.reason));
    if (cli_reason_failed(ev->disconnected.reason)) {
      x->failed = CLI_SESSION;
      x->why = ev->disconnected.reason;
    }
    if (x->once || !x->serve) pn_io_stop(io);
    break;
  case PN_EVENT_REJECTED:
    printf("rejected %s\n", pn_reason_str(ev->rejected.reason));
    x->failed = CLI_SESSION;
    x->why = ev->rejected.reason;
    if (x->once || !x->serve) pn_io_stop(io);
    break;
  case PN_EVENT_OVERFLOW:
    printf("overflow %llu\n", (unsigned long long)ev->overflow.size);
    break;
  case PN_EVENT_HANDSHAKE_PAYLOAD:
    printf("handshake-payload %u %s\n", ev->handshake_payload.index,
           pn_io_hex(ev->handshake_payload.data, ev->handshake_payload.len,
                     x->hex_buf));
    break;
  }
  fflush(stdout);
}

static void interop_notice(void *user, pn_io *io, const pn_io_notice *nt) {
  interop *x = user;
  (void)io;
  if (nt->type == PN_IO_DIAL_FAILED)
    x->dial_err = nt->err ? nt->err : ECONNREFUSED;
}

static int read_file(const char *path, uint8_t **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 4096, n = 0, r;
  uint8_t *b = malloc(cap);
  while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap) {
      uint8_t *nb = realloc(b, cap *= 2);
      if (!nb) free(b);
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

static const char serve_help[] =
    "usage: p2pnoise serve --listen HOST:PORT [OPTIONS]\n"
    "A plain-profile responder (each Noise transport message is one\n"
    "application message, u16 length-prefixed) for talking to other\n"
    "Noise implementations. Prints 'listening HOST:PORT', then per\n"
    "connection 'remote-static HEX', 'handshake-hash HEX' and\n"
    "'received LEN \"TEXT\"' per message (all of it, escaped),\n"
    "'handshake-payload N HEX' per handshake payload received (up to\n"
    "4096 bytes by default). Exits with 7 if a session failed.\n\n"
    "  -l, --listen HOST:PORT  where to listen (port 0: any)\n"
    "  --remote-key HEX|@FILE  the initiator's static key, for\n"
    "                          patterns that know it (KK, KX, KN)\n"
    "  --echo                  send every message back\n"
    "  --once                  exit after the first connection\n"
    "  --timeout MS            give up after MS in all (exit 1)\n"
    "  --backlog N             listen backlog (default SOMAXCONN)\n"
    "  --hex                   print messages as hex:...\n"
    "  -o, --output FILE       append each message's exact bytes to FILE\n"
    "" CLI_ENGINE_OPTS_HELP CLI_EXIT_HELP;

static const char connect_help[] =
    "usage: p2pnoise connect [OPTIONS] HOST:PORT [OPTIONS]\n"
    "A plain-profile initiator for talking to other Noise\n"
    "implementations: handshakes, prints 'remote-static HEX' and\n"
    "'handshake-hash HEX', sends the messages, prints each reply as\n"
    "'received LEN \"TEXT\"' (all of it, escaped), then closes. Prints\n"
    "'handshake-payload N HEX' per handshake payload received (up to\n"
    "4096 bytes by default).\n\n"
    "  --remote-key HEX|@FILE  the responder's static key (NK, XK,\n"
    "                          IK, KK need it; else it is checked)\n"
    "  -m, --message TEXT      a message (repeatable)\n"
    "  -f, --file FILE         a file's content as one message\n"
    "  --stdin                 each stdin line is a message (the\n"
    "                          default without -m and -f)\n"
    "  --lockstep              send one message, wait for its reply,\n"
    "                          then the next (stdin is read as it goes)\n"
    "  --wait N                replies to wait for (default: one\n"
    "                          per message sent)\n"
    "  --timeout MS            give up after MS (10000)\n"
    "  --hex                   print messages as hex:...\n"
    "  -o, --output FILE       append each reply's exact bytes to FILE\n"
    "" CLI_ENGINE_OPTS_HELP CLI_EXIT_HELP;

int cli_interop(int argc, char **argv, int serve) {
  static const flagdef defs[] = {
      CLI_ENGINE_FLAGDEFS, {"listen", 1},  {"remote-key", 1}, {"echo", 0},
      {"once", 0},         {"message", 1}, {"file", 1},       {"stdin", 0},
      {"wait", 1},         {"timeout", 1}, {"lockstep", 0},   {"hex", 0},
      {"output", 1},       {"backlog", 1}, {NULL, 0}};
  static const char *shorts[][2] = {{"l", "listen"},
                                    {"m", "message"},
                                    {"f", "file"},
                                    {"o", "output"},
                                    {NULL, NULL}};
  const char *name = NULL, *val = NULL, *listen = NULL, *remote = NULL;
  const char *target = NULL, *output = NULL;
  int pos = 1, r;
  uint64_t wait = UINT64_MAX, timeout_ms = serve ? 0 : 10000, backlog = 0;
  interop x;
  cli_engine_opts o;
  pn_io *io = NULL;
  memset(&x, 0, sizeof x);
  memset(&o, 0, sizeof o);
  pn_engine_config_default(&o.cfg);
  o.cfg.profile = PN_PROFILE_PLAIN;
  o.cfg.max_message = PN_ENGINE_PLAIN_MAX_MESSAGE;
  o.cfg.max_handshake_payload = PN_ENGINE_MAX_HANDSHAKE_PAYLOAD;
  x.serve = serve;
  int rc = CLI_OK;
  /* Options and the address in any order; "--" ends the options. */
  while (pos < argc && rc == CLI_OK) {
    const char *arg = argv[pos];
    if (strcmp(arg, "--") && (arg[0] != '-' || !arg[1])) {
      if (serve || target) rc = cli_err(CLI_USAGE, "unexpected '%s'", arg);
      target = arg;
      pos++;
      continue;
    }
    r = cli_next_flag(argc, argv, &pos, defs, shorts, &name, &val);
    if (r < 0) {
      rc = CLI_USAGE;
      break;
    }
    if (r == 0) { /* after "--": the address */
      if (pos < argc && !serve && !target) target = argv[pos++];
      if (pos < argc) rc = cli_err(CLI_USAGE, "unexpected '%s'", argv[pos]);
      break;
    }
    if (!strcmp(name, "help")) {
      fputs(serve ? serve_help : connect_help, stdout);
      goto out;
    }
    if ((r = cli_engine_flag(&o, name, val))) {
      if (r < 0) rc = CLI_USAGE;
    } else if (!strcmp(name, "listen") && serve) {
      if (cli_check_addr("--listen", val, 1)) rc = CLI_USAGE;
      listen = val;
    } else if (!strcmp(name, "remote-key")) {
      remote = val;
    } else if (!strcmp(name, "echo") && serve) {
      x.echo = 1;
    } else if (!strcmp(name, "once") && serve) {
      x.once = 1;
    } else if (!strcmp(name, "hex")) {
      x.hex = 1;
    } else if (!strcmp(name, "output")) {
      output = val;
    } else if (!strcmp(name, "lockstep") && !serve) {
      x.lockstep = 1;
    } else if (!strcmp(name, "backlog") && serve) {
      if (cli_parse_u64(val, &backlog) || !backlog || backlog > 1 << 20)
        rc = cli_err(CLI_USAGE, "--backlog: not a positive count: '%s'", val);
    } else if (!strcmp(name, "wait") && !serve) {
      if (cli_parse_u64(val, &wait))
        rc = cli_err(CLI_USAGE, "--wait: not a number: '%s'", val);
    } else if (!strcmp(name, "timeout")) {
      if (cli_parse_u64(val, &timeout_ms) || !timeout_ms ||
          timeout_ms > UINT64_MAX / PN_MSEC)
        rc = cli_err(CLI_USAGE, "--timeout: not a number: '%s'", val);
    } else if (!strcmp(name, "message") && !serve) {
      uint8_t *p = (uint8_t *)strdup(val);
      rc = p ? add_msg(&x, p, strlen(val)) : CLI_FAIL;
    } else if (!strcmp(name, "file") && !serve) {
      uint8_t *p;
      size_t len;
      if (read_file(val, &p, &len))
        rc = cli_err(CLI_DATA, "%s: %s", val, strerror(errno));
      else
        rc = add_msg(&x, p, len);
    } else if (!strcmp(name, "stdin") && !serve) {
      x.use_stdin = 1;
    } else {
      rc = cli_err(CLI_USAGE, "unknown option '--%s' (see --help)", name);
    }
  }
  if (rc != CLI_OK) goto out;
  if (serve && !listen) {
    rc = cli_err(CLI_USAGE, "serve needs --listen HOST:PORT");
    goto out;
  }
  if (!serve) {
    if (!target) {
      rc = cli_err(CLI_USAGE, "connect takes one HOST:PORT (see --help)");
      goto out;
    }
    if ((rc = cli_check_addr("connect", target, 0))) goto out;
    if (!x.nmsgs) x.use_stdin = 1;
  }
  pn_peer_id rkey;
  if (remote && cli_parse_pubkey(remote, &rkey)) {
    rc = cli_err(CLI_USAGE, "--remote-key: not a hex key: '%s'", remote);
    goto out;
  }
  if (output && !(x.out = fopen(output, "ab"))) {
    rc = cli_err(CLI_DATA, "%s: %s", output, strerror(errno));
    goto out;
  }
  if (x.use_stdin && !x.lockstep)
    while ((r = stdin_line(&x)) == 1)
      ;
  if (x.use_stdin && !x.lockstep && r < 0) {
    rc = -r;
    goto out;
  }
  x.want = x.lockstep ? 0 : wait == UINT64_MAX ? x.nmsgs : (size_t)wait;
  if ((rc = cli_engine_new(&o, &x.e))) goto out;
  pn_io_config ic = {.on_event = interop_event,
                     .on_notice = interop_notice,
                     .user = &x,
                     .backlog = (int)backlog};
  if (serve && remote) ic.inbound_expect = &rkey;
  if (pn_io_new(&io, x.e, &ic)) {
    rc = cli_err(CLI_FAIL, "out of memory");
    goto out;
  }
  pn_io_install_signals();
  pn_time deadline =
      timeout_ms ? pn_io_now() + timeout_ms * PN_MSEC : PN_TIME_NEVER;
  if (serve) {
    if (pn_io_listen(io, listen) != PN_OK) {
      rc =
          cli_err(CLI_FAIL, "listen %s: %s", listen, strerror(pn_io_errno(io)));
      goto out;
    }
    printf("listening %s port %u\n", listen, pn_io_port(io, 0));
    fflush(stdout);
  } else if (pn_io_dial(io, target, remote ? &rkey : NULL, 0) < 0 &&
             !x.dial_err) {
    rc = cli_err(CLI_FAIL, "connect %s: %s", target, strerror(pn_io_errno(io)));
    goto out;
  }
  while (!pn_io_done(io)) {
    pn_time now = pn_io_now();
    if (now >= deadline) {
      rc = cli_err(CLI_FAIL, "timed out after %llu ms",
                   (unsigned long long)timeout_ms);
      break;
    }
    if (!serve && !x.connected && pn_io_conn_count(io) == 0 &&
        !pn_io_stopping(io)) {
      if (x.failed) break; /* rejected: said below */
      rc = cli_err(CLI_FAIL, "connect %s: %s", target,
                   strerror(x.dial_err ? x.dial_err : ECONNREFUSED));
      break;
    }
    pn_time w = deadline - now < 60 * PN_SEC ? deadline - now : 60 * PN_SEC;
    if (pn_io_step(io, w)) {
      rc = cli_err(CLI_FAIL, "engine failure");
      break;
    }
  }
  if (rc == CLI_OK && x.failed == CLI_SESSION)
    rc = cli_err(CLI_SESSION, "%s: %s",
                 x.connected ? "session failed" : "handshake rejected",
                 pn_reason_str(x.why));
  else if (rc == CLI_OK && x.failed)
    rc = x.failed;
  else if (rc == CLI_OK && !serve && (!x.connected || x.replies < x.want))
    rc = cli_err(CLI_FAIL, "%s",
                 !x.connected ? "handshake failed" : "connection lost");
out:
  pn_io_free(io);
  pn_engine_free(x.e);
  if (x.out && fclose(x.out) && rc == CLI_OK)
    rc = cli_err(CLI_DATA, "%s: %s", output, strerror(errno));
  for (size_t i = 0; i < x.nmsgs; i++)
    free(x.msgs[i].p);
  free(x.msgs);
  return rc;
}
