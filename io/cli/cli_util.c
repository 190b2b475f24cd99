/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Helpers of the p2pnoise command: key files, flags, output. */
#define _GNU_SOURCE

#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_err(int code, const char *fmt, ...) {
  va_list ap;
  fputs("p2pnoise: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return code;
}

static const char *dh_proto(size_t len) {
  return len == 56 ? "Noise_XX_448_ChaChaPoly_SHA256"
                   : "Noise_XX_25519_ChaChaPoly_SHA256";
}

int cli_key_public(const uint8_t *priv, size_t len, uint8_t *pub) {
  pn_protocol p;
  pn_keypair kp;
  const char *name = dh_proto(len);
  int rc = pn_protocol_parse(&p, name, strlen(name), PN_BACKEND_AUTO);
  if (rc) return rc;
  if ((rc = pn_keypair_from_private(&kp, &p, priv, len))) return rc;
  memcpy(pub, kp.pub, len);
  pn_keypair_wipe(&kp);
  return PN_OK;
}

int cli_key_load(const char *path, uint8_t *priv, size_t *len) {
  char line[512];
  FILE *f = fopen(path, "r");
  if (!f) return cli_err(CLI_KEYFILE, "%s: %s", path, strerror(errno));
  int found = 0, rc = CLI_OK;
  while (fgets(line, sizeof line, f)) {
    size_t n = strlen(line);
    while (n && isspace((unsigned char)line[n - 1]))
      line[--n] = 0;
    if (n == 0 || line[0] == '#') continue;
    if (found || (n != 64 && n != 112) ||
        pn_io_unhex(line, priv, n / 2) != PN_OK) {
      rc = cli_err(CLI_KEYFILE,
                   "%s: not a key file (one line of 64 or 112 hex digits)",
                   path);
      break;
    }
    *len = n / 2;
    found = 1;
  }
  if (ferror(f) && rc == CLI_OK)
    rc = cli_err(CLI_KEYFILE, "%s: %s", path, strerror(errno));
  fclose(f);
  memset(line, 0, sizeof line);
  if (rc == CLI_OK && !found)
    rc = cli_err(CLI_KEYFILE, "%s: no key in file", path);
  return rc;
}

int cli_key_save(const char *path, const uint8_t *priv, size_t len) {
  char hex[2 * PN_NOISE_MAX_DHLEN + 2];
  /* O_EXCL: never overwrite a key; 0600 from the start, no window. */
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return cli_err(CLI_KEYFILE, "%s: %s", path, strerror(errno));
  pn_io_hex(priv, len, hex);
  size_t n = strlen(hex);
  hex[n++] = '\n';
  int ok = write(fd, hex, n) == (ssize_t)n;
  ok = (close(fd) == 0) && ok;
  memset(hex, 0, sizeof hex);
  if (!ok) {
    unlink(path);
    return cli_err(CLI_KEYFILE, "%s: write failed", path);
  }
  return CLI_OK;
}

int cli_parse_pubkey(const char *arg, pn_peer_id *out) {
  char buf[256];
  memset(out, 0, sizeof *out);
  if (arg[0] == '@') {
    FILE *f = fopen(arg + 1, "r");
    if (!f || !fgets(buf, sizeof buf, f)) {
      if (f) fclose(f);
      return -1;
    }
    fclose(f);
    buf[strcspn(buf, " \r\n")] = 0;
    arg = buf;
  }
  size_t n = strlen(arg);
  if ((n != 64 && n != 112) || pn_io_unhex(arg, out->key, n / 2)) return -1;
  out->len = (uint8_t)(n / 2);
  return 0;
}

int cli_parse_u64(const char *s, uint64_t *out) {
  char *end;
  if (!s || !isdigit((unsigned char)s[0])) return -1;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno) return -1;
  uint64_t m = 1;
  if (*end == 'k' || *end == 'K')
    m = 1024, end++;
  else if (*end == 'M')
    m = 1024 * 1024, end++;
  else if (*end == 'G')
    m = 1024 * 1024 * 1024, end++;
  if (*end || (v && m > UINT64_MAX / v)) return -1;
  *out = (uint64_t)v * m;
  return 0;
}

static int flag_ms(const char *name, const char *val, pn_time *out) {
  uint64_t v;
  if (cli_parse_u64(val, &v) || v > UINT64_MAX / PN_MSEC)
    return cli_err(-1, "--%s: not a number of milliseconds: '%s'", name, val);
  *out = v ? v * PN_MSEC : PN_TIME_NEVER;
  return 1;
}

static int flag_u32(const char *name, const char *val, uint32_t *out) {
  uint64_t v;
  if (cli_parse_u64(val, &v) || v == 0 || v > UINT32_MAX)
    return cli_err(-1, "--%s: not a positive count: '%s'", name, val);
  *out = (uint32_t)v;
  return 1;
}

int cli_engine_flag(cli_engine_opts *o, const char *name, const char *val) {
  pn_engine_config *c = &o->cfg;
  if (!strcmp(name, "key")) {
    o->key_file = val;
    return 1;
  }
  if (!strcmp(name, "protocol")) {
    o->protocol = val;
    return 1;
  }
  if (!strcmp(name, "prologue")) {
    size_t n = strlen(val);
    if (n % 2 || n / 2 > sizeof o->prologue ||
        pn_io_unhex(val, o->prologue, n / 2))
      return cli_err(-1, "--prologue: not hex (at most %d bytes): '%s'",
                     PN_ENGINE_MAX_PROLOGUE, val);
    o->prologue_len = n / 2;
    return 1;
  }
  if (!strcmp(name, "hs-payload")) {
    char *end;
    unsigned long i = strtoul(val, &end, 10);
    size_t n = *end == ':' ? strlen(end + 1) : 0;
    if (end == val || *end != ':' || i >= PN_NOISE_MAX_MSGS || n % 2 ||
        n / 2 > PN_ENGINE_MAX_HANDSHAKE_PAYLOAD ||
        pn_io_unhex(end + 1, o->hsp[i], n / 2))
      return cli_err(-1,
                     "--hs-payload: N:HEX, N below %d, at most %d bytes: "
                     "'%s'",
                     PN_NOISE_MAX_MSGS, PN_ENGINE_MAX_HANDSHAKE_PAYLOAD, val);
    o->hsp_list[i].data = o->hsp[i];
    o->hsp_list[i].len = n / 2;
    return 1;
  }
  if (!strcmp(name, "max-hs-payload")) {
    uint64_t v;
    if (cli_parse_u64(val, &v) || v > PN_ENGINE_MAX_HANDSHAKE_PAYLOAD)
      return cli_err(-1, "--max-hs-payload: at most %d: '%s'",
                     PN_ENGINE_MAX_HANDSHAKE_PAYLOAD, val);
    c->max_handshake_payload = (uint32_t)v;
    return 1;
  }
  if (!strcmp(name, "max-conns")) return flag_u32(name, val, &c->max_conns);
  if (!strcmp(name, "max-handshakes"))
    return flag_u32(name, val, &c->max_handshakes);
  if (!strcmp(name, "max-peers")) return flag_u32(name, val, &c->max_peers);
  if (!strcmp(name, "max-message")) {
    if (cli_parse_u64(val, &c->max_message) || !c->max_message ||
        c->max_message > UINT32_MAX)
      return cli_err(-1, "--max-message: not a size: '%s'", val);
    return 1;
  }
  if (!strcmp(name, "handshake-timeout"))
    return flag_ms(name, val, &c->handshake_timeout);
  if (!strcmp(name, "idle-timeout"))
    return flag_ms(name, val, &c->idle_timeout);
  if (!strcmp(name, "keepalive"))
    return flag_ms(name, val, &c->keepalive_interval);
  if (!strcmp(name, "overflow")) {
    if (!strcmp(val, "reject"))
      c->overflow = PN_OVERFLOW_REJECT;
    else if (!strcmp(val, "disconnect"))
      c->overflow = PN_OVERFLOW_DISCONNECT;
    else
      return cli_err(-1, "--overflow: 'reject' or 'disconnect', not '%s'", val);
    return 1;
  }
  return 0;
}

int cli_engine_new(cli_engine_opts *o, pn_engine **e) {
  pn_protocol p;
  const char *name = o->protocol ? o->protocol : o->cfg.protocol;
  int rc = pn_protocol_parse(&p, name, strlen(name), PN_BACKEND_AUTO);
  if (rc) return cli_err(CLI_USAGE, "--protocol %s: %s", name, pn_strerror(rc));
  if (o->key_file) {
    if ((rc = cli_key_load(o->key_file, o->priv, &o->priv_len))) return rc;
    if (o->priv_len != pn_protocol_dhlen(&p))
      return cli_err(CLI_KEYFILE, "%s: a %zu-byte key, %s needs %zu",
                     o->key_file, o->priv_len, name, pn_protocol_dhlen(&p));
  } else {
    pn_keypair kp;
    if ((rc = pn_keypair_generate(&kp, &p, NULL)))
      return cli_err(CLI_FAIL, "key generation: %s", pn_strerror(rc));
    o->priv_len = pn_protocol_dhlen(&p);
    memcpy(o->priv, kp.priv, o->priv_len);
    pn_keypair_wipe(&kp);
  }
  o->cfg.protocol = name;
  o->cfg.static_private = o->priv;
  o->cfg.static_private_len = o->priv_len;
  o->cfg.prologue = o->prologue;
  o->cfg.prologue_len = o->prologue_len;
  o->cfg.handshake_payloads = o->hsp_list;
  o->cfg.nhandshake_payloads = PN_NOISE_MAX_MSGS;
  rc = pn_engine_new(e, &o->cfg, pn_io_now());
  if (rc) return cli_err(CLI_USAGE, "engine: %s", pn_strerror(rc));
  return CLI_OK;
}

static pn_time g_start;

double cli_elapsed(void) {
  pn_time now = pn_io_now();
  if (!g_start) g_start = now;
  return (double)(now - g_start) / 1e9;
}

const char *cli_short_id(const pn_peer_id *id, char buf[24]) {
  char hex[9];
  if (!id->len) return strcpy(buf, "-");
  pn_io_hex(id->key, id->len < 4 ? id->len : 4, hex);
  snprintf(buf, 24, "%s%s", id->anonymous ? "anon:" : "", hex);
  return buf;
}

void cli_print_bytes(FILE *f, const uint8_t *p, size_t n, size_t max) {
  int text = 1;
  for (size_t i = 0; i < n && text; i++)
    text = p[i] >= 0x20 && p[i] < 0x7f;
  size_t m = n < max ? n : max;
  if (text) {
    fprintf(f, "\"%.*s\"", (int)m, (const char *)p);
  } else {
    fputs("hex:", f);
    for (size_t i = 0; i < m; i++)
      fprintf(f, "%02x", p[i]);
  }
  if (m < n) fprintf(f, "...");
}

void cli_event_flatten(const pn_event *ev, cli_event *out) {
  memset(out, 0, sizeof *out);
  out->type = ev->type;
  switch (ev->type) {
  case PN_EVENT_PEER_CONNECTED:
    out->peer = ev->connected.peer;
    out->dir = ev->connected.dir;
    out->data = ev->connected.hash;
    out->len = ev->connected.hash_len;
    break;
  case PN_EVENT_PEER_DISCONNECTED:
    out->peer = ev->disconnected.peer;
    out->dir = ev->disconnected.dir;
    out->reason = ev->disconnected.reason;
    out->remote_reason = ev->disconnected.remote_reason;
    break;
  case PN_EVENT_MESSAGE:
    out->peer = ev->message.peer;
    out->data = ev->message.data;
    out->len = ev->message.len;
    break;
  case PN_EVENT_OVERFLOW:
    out->peer = ev->overflow.peer;
    out->reason = ev->overflow.reason;
    out->size = ev->overflow.size;
    break;
  case PN_EVENT_REJECTED:
    out->peer = ev->rejected.peer;
    out->dir = ev->rejected.dir;
    out->reason = ev->rejected.reason;
    break;
  case PN_EVENT_HANDSHAKE_PAYLOAD:
    out->dir = ev->handshake_payload.dir;
    out->data = ev->handshake_payload.data;
    out->len = ev->handshake_payload.len;
    out->size = ev->handshake_payload.index;
    break;
  default:
    break;
  }
}
