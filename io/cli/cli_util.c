/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Helpers of the p2pnoise command: key files, flags, output. */
#define _GNU_SOURCE

#include "cli.h"

#include <p2pnoise/keys.h>

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_err(int code, const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fputs("p2pnoise: ", stderr);
  /* What the user typed is echoed: never a raw control character. */
  for (const unsigned char *p = (const unsigned char *)buf; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      fprintf(stderr, "\\x%02x", *p);
    else
      fputc(*p, stderr);
  fputc('\n', stderr);
  return code;
}

int cli_next_flag(int argc, char **argv, int *pos, const flagdef *defs,
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

int cli_check_addr(const char *opt, const char *addr, int listen) {
  const char *why = pn_io_addr_check(addr, listen);
  if (!why) return 0;
  return cli_err(CLI_USAGE, "%s '%s': %s", opt, addr, why);
}

int cli_key_public(const uint8_t *priv, size_t len, uint8_t *pub) {
  pn_keypair kp;
  int rc = pn_keypair_from_private_for(&kp, NULL, priv, len);
  if (rc) return rc;
  memcpy(pub, kp.pub, len);
  pn_keypair_wipe(&kp);
  return PN_OK;
}

int cli_key_load(const char *path, uint8_t *priv, size_t *len) {
  switch (pn_keyfile_load(path, priv, len)) {
  case PN_OK:
    return CLI_OK;
  case PN_ERR_IO:
    return cli_err(CLI_KEYFILE, "%s: %s", path, strerror(errno));
  case PN_ERR_BAD_HEX:
    return cli_err(CLI_KEYFILE, "%s: not a key file (the key is not hex)",
                   path);
  case PN_ERR_KEY_LENGTH:
    return cli_err(CLI_KEYFILE,
                   "%s: not a key file (the key is not 64 or 112 hex digits)",
                   path);
  default:
    return cli_err(CLI_KEYFILE,
                   "%s: not a key file (one line of 64 or 112 hex digits)",
                   path);
  }
}

int cli_key_save(const char *path, const uint8_t *priv, size_t len) {
  int rc = pn_keyfile_save(path, priv, len);
  if (rc == PN_ERR_IO)
    return cli_err(CLI_KEYFILE, "%s: %s", path, strerror(errno));
  if (rc) return cli_err(CLI_KEYFILE, "%s: %s", path, pn_strerror(rc));
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
  return pn_peer_id_from_hex(out, arg, strlen(arg)) ? -1 : 0;
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

/* The numeric engine flags: the config field each sets and how it reads. */
typedef enum { NUM_COUNT, NUM_MS, NUM_SIZE } num_kind;
static const struct num_flag {
  const char *name;
  num_kind kind;
  size_t off;   /* in pn_engine_config */
  uint64_t max; /* NUM_SIZE */
} num_flags[] = {
#define F(name, kind, field, max)                                              \
  { name, kind, offsetof(pn_engine_config, field), max }
    F("max-conns", NUM_COUNT, max_conns, 0),
    F("max-handshakes", NUM_COUNT, max_handshakes, 0),
    F("max-peers", NUM_COUNT, max_peers, 0),
    F("rekey-limit", NUM_COUNT, peer_rekey_limit, 0),
    F("handshake-timeout", NUM_MS, handshake_timeout, 0),
    F("idle-timeout", NUM_MS, idle_timeout, 0),
    F("keepalive", NUM_MS, keepalive_interval, 0),
    F("send-timeout", NUM_MS, send_timeout, 0),
    F("recv-timeout", NUM_MS, recv_timeout, 0),
    F("max-message", NUM_SIZE, max_message, UINT32_MAX),
    F("pool", NUM_SIZE, pool_budget, UINT64_MAX),
    F("send-queue", NUM_SIZE, send_queue, UINT64_MAX),
#undef F
};

/* 1, or -1 on a bad value (printed). */
static int num_flag_set(pn_engine_config *c, const struct num_flag *f,
                        const char *val) {
  uint64_t v;
  int bad = cli_parse_u64(val, &v);
  void *field = (char *)c + f->off;
  switch (f->kind) {
  case NUM_COUNT:
    if (bad || v == 0 || v > UINT32_MAX)
      return cli_err(-1, "--%s: not a positive count: '%s'", f->name, val);
    *(uint32_t *)field = (uint32_t)v;
    return 1;
  case NUM_MS:
    if (bad || v > UINT64_MAX / PN_MSEC)
      return cli_err(-1, "--%s: not a number of milliseconds: '%s'", f->name,
                     val);
    *(pn_time *)field = v ? v * PN_MSEC : PN_TIME_NEVER;
    return 1;
  case NUM_SIZE:
    if (bad || v == 0 || v > f->max)
      return cli_err(-1, "--%s: not a size: '%s'", f->name, val);
    *(uint64_t *)field = v;
    return 1;
  }
  return -1;
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
  for (size_t i = 0; i < sizeof num_flags / sizeof num_flags[0]; i++)
    if (!strcmp(name, num_flags[i].name))
      return num_flag_set(c, &num_flags[i], val);
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
  if (rc == PN_ERR_UNSUPPORTED)
    return cli_err(CLI_PROTOCOL, "--protocol %s: not supported by this build",
                   name);
  if (rc) return cli_err(CLI_USAGE, "--protocol %s: %s", name, pn_strerror(rc));
  if ((rc = cli_protocol_check(&p, name))) return rc;
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
  if (rc == PN_ERR_NOMEM)
    return cli_err(CLI_FAIL, "out of memory for the engine (--max-conns?)");
  if (rc)
    return cli_err(CLI_USAGE,
                   "these settings do not make an engine (%s): check the "
                   "--max-* values against each other and --protocol's "
                   "needs (a PSK pattern needs PSKs)",
                   pn_strerror(rc));
  return CLI_OK;
}

int cli_protocol_check(const pn_protocol *p, const char *name) {
  /* The pattern is what follows "Noise_" up to '_'; one-way patterns are
   * N, K, X with modifiers (Npsk0...). */
  const char *pat = strchr(name, '_');
  if (pat && (pat[1] == 'N' || pat[1] == 'K' || pat[1] == 'X') &&
      (pat[2] == '_' || !strncmp(pat + 2, "psk", 3)))
    return cli_err(CLI_PROTOCOL,
                   "--protocol %s: one-way pattern %c (the engine runs "
                   "interactive patterns only)",
                   name, pat[1]);
  if (pn_protocol_needs(p, PN_INITIATOR) & PN_NEED_REMOTE_EPHEMERAL)
    return cli_err(CLI_PROTOCOL,
                   "--protocol %s: a fallback pattern runs only after a "
                   "failed IK (Noise Pipes), not on its own",
                   name);
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

void cli_print_bytes(FILE *f, const uint8_t *p, size_t n, int hex) {
  if (hex) {
    fputs("hex:", f);
    for (size_t i = 0; i < n; i++)
      fprintf(f, "%02x", p[i]);
    return;
  }
  fputc('"', f);
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '"' || p[i] == '\\')
      fprintf(f, "\\%c", p[i]);
    else if (p[i] == '\n')
      fputs("\\n", f);
    else if (p[i] == '\t')
      fputs("\\t", f);
    else if (p[i] == '\r')
      fputs("\\r", f);
    else if (p[i] < 0x20 || p[i] >= 0x7f)
      fprintf(f, "\\x%02x", p[i]);
    else
      fputc(p[i], f);
  }
  fputc('"', f);
}

int cli_reason_failed(int reason) {
  switch (reason) {
  case PN_REASON_NONE:
  case PN_REASON_LOCAL:
  case PN_REASON_REMOTE_CLOSED:
  case PN_REASON_TRANSPORT_CLOSED:
  case PN_REASON_SHUTDOWN:
    return 0;
  default:
    return 1;
  }
}

void cli_print_notice(FILE *f, const pn_io_notice *nt, int json) {
  static const char *names[] = {"", "dial-failed", "refused", "accept-failed"};
  const char *what = nt->type <= 3 ? names[nt->type] : "notice";
  const char *why = nt->err     ? strerror(nt->err)
                    : nt->error ? pn_strerror(nt->error)
                                : "";
  pn_time now = pn_io_now();
  if (json) {
    fprintf(f, "{\"t\":%.3f,\"event\":\"%s\"", cli_elapsed(), what);
    if (nt->addr && nt->addr[0]) fprintf(f, ",\"addr\":\"%s\"", nt->addr);
    if (nt->err) fprintf(f, ",\"errno\":%d", nt->err);
    fprintf(f, ",\"error\":\"%s\"", why);
    if (nt->type == PN_IO_DIAL_FAILED) {
      if (nt->retry_at == PN_TIME_NEVER)
        fprintf(f, ",\"retry\":false");
      else
        fprintf(
            f, ",\"retry_ms\":%llu",
            (unsigned long long)((nt->retry_at > now ? nt->retry_at - now : 0) /
                                 PN_MSEC));
    }
    fprintf(f, "}\n");
  } else {
    fprintf(f, "%8.3fs  %-12s %s (%s)", cli_elapsed(), what,
            nt->addr && nt->addr[0] ? nt->addr : "-", why);
    if (nt->type == PN_IO_DIAL_FAILED) {
      if (nt->retry_at == PN_TIME_NEVER)
        fprintf(f, " no redial");
      else
        fprintf(f, " redial in %.3fs",
                (double)(nt->retry_at > now ? nt->retry_at - now : 0) / 1e9);
    }
    fprintf(f, "\n");
  }
  fflush(f);
}

static int id_cmp(const pn_peer_id *a, const pn_peer_id *b) {
  size_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(a->key, b->key, n);
  return c ? c : (int)a->len - (int)b->len;
}

/* The first index whose id is not below |id|. */
static size_t lower(const cli_peers *ps, const pn_peer_id *id) {
  size_t lo = 0, hi = ps->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (id_cmp(&ps->v[mid], id) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int cli_peers_add(cli_peers *ps, const pn_peer_id *id) {
  if (ps->n == ps->cap) {
    size_t cap = ps->cap ? 2 * ps->cap : 16;
    pn_peer_id *v = realloc(ps->v, cap * sizeof *v);
    if (!v) return -1;
    ps->v = v;
    ps->cap = cap;
  }
  size_t i = lower(ps, id);
  memmove(ps->v + i + 1, ps->v + i, (ps->n - i) * sizeof *ps->v);
  ps->v[i] = *id;
  ps->n++;
  return 0;
}

void cli_peers_del(cli_peers *ps, const pn_peer_id *id) {
  size_t i = lower(ps, id);
  if (i < ps->n && id_cmp(&ps->v[i], id) == 0) {
    memmove(ps->v + i, ps->v + i + 1, (ps->n - i - 1) * sizeof *ps->v);
    ps->n--;
  }
}

void cli_peers_free(cli_peers *ps) {
  free(ps->v);
  memset(ps, 0, sizeof *ps);
}

/* 1 if the key of |id| starts with the |n| hex digits of |hex|. */
static int hex_prefix(const pn_peer_id *id, const char *hex, size_t n) {
  char h[2 * PN_PEER_ID_MAX + 1];
  pn_io_hex(id->key, id->len, h);
  return n <= 2 * (size_t)id->len && !strncasecmp(h, hex, n);
}

int cli_peers_find(const cli_peers *ps, const pn_engine *e, const char *hex,
                   pn_peer_id *out) {
  size_t n = strlen(hex);
  pn_peer_id key;
  pn_peer_info pi;
  memset(&key, 0, sizeof key);
  if (!n || n > 2 * PN_PEER_ID_MAX) return -1;
  for (size_t i = 0; i < n; i++)
    if (!isxdigit((unsigned char)hex[i])) return -1;
  /* The prefix as bytes, padded with zeros: the lowest key it matches. */
  char pad[2 * PN_PEER_ID_MAX + 1];
  size_t len = ps->n ? ps->v[0].len : (n + 1) / 2;
  if (n > 2 * len) return -1;
  memset(pad, '0', 2 * len);
  pad[2 * len] = 0;
  memcpy(pad, hex, n);
  if (pn_io_unhex(pad, key.key, len)) return -1;
  key.len = (uint8_t)len;
  if (n == 2 * len) { /* a whole key: the engine's routing table */
    for (int anon = 0; anon < 2; anon++) {
      key.anonymous = (uint8_t)anon;
      if (pn_engine_peer(e, &key, &pi) == PN_OK) {
        *out = pi.id;
        return 0;
      }
    }
    return -1;
  }
  size_t i = lower(ps, &key);
  if (i >= ps->n || !hex_prefix(&ps->v[i], hex, n)) return -1;
  if (i + 1 < ps->n && hex_prefix(&ps->v[i + 1], hex, n)) return -2;
  *out = ps->v[i];
  return 0;
}
