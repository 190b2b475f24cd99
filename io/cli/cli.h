/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Helpers shared by the p2pnoise command's subcommands. */
#ifndef P2PNOISE_CLI_H
#define P2PNOISE_CLI_H

#include <stdarg.h>
#include <stdio.h>

#include <p2pnoise/io.h>

/* Exit codes of the p2pnoise command (documented in `p2pnoise --help`). */
enum {
  CLI_OK = 0,      /* success */
  CLI_FAIL = 1,    /* runtime failure: network, handshake, timeout */
  CLI_USAGE = 2,   /* bad command line */
  CLI_KEYFILE = 3, /* unreadable or malformed key file */
  CLI_DATA = 4     /* a message file could not be read */
};

/* One-line error on stderr: "p2pnoise: ...". Returns |code|. */
int cli_err(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Key files: one line of lowercase hex, the raw private key (64 digits for
 * 25519, 112 for 448), optional '#' comment lines before it. */
int cli_key_load(const char *path, uint8_t *priv, size_t *len);
int cli_key_save(const char *path, const uint8_t *priv, size_t len);
/* The public key for a private key of |len| bytes (DH from the length). */
int cli_key_public(const uint8_t *priv, size_t len, uint8_t *pub);
/* A key given as hex or as @FILE holding a public key in hex. */
int cli_parse_pubkey(const char *arg, pn_peer_id *out);

/* Reads an unsigned number with an optional k/M/G suffix. */
int cli_parse_u64(const char *s, uint64_t *out);

/* The engine settings shared by node, serve and connect. */
typedef struct cli_engine_opts {
  const char *protocol;
  const char *key_file;
  uint8_t prologue[PN_ENGINE_MAX_PROLOGUE];
  size_t prologue_len;
  uint8_t hsp[PN_NOISE_MAX_MSGS][PN_ENGINE_MAX_HANDSHAKE_PAYLOAD];
  pn_bytes hsp_list[PN_NOISE_MAX_MSGS];
  pn_engine_config cfg;
  uint8_t priv[PN_NOISE_MAX_DHLEN];
  size_t priv_len;
} cli_engine_opts;

/* Handles one engine flag; 1 if it was one, 0 if not, -1 on a bad value
 * (after printing the error). */
int cli_engine_flag(cli_engine_opts *o, const char *name, const char *val);
/* The long options cli_engine_flag handles, for getopt_long tables. */
#define CLI_ENGINE_OPTS_HELP                                                   \
  "  --key FILE              static private key file (default: a new key)\n"   \
  "  --protocol NAME         Noise protocol name\n"                            \
  "                          (default Noise_XX_25519_ChaChaPoly_BLAKE2b)\n"    \
  "  --prologue HEX          prologue bytes, in hex\n"                         \
  "  --max-conns N           connections, half-open included (64)\n"           \
  "  --max-handshakes N      concurrent handshakes (16)\n"                     \
  "  --max-peers N           established peers (48)\n"                         \
  "  --max-message BYTES     largest message, k/M suffixes (1M)\n"             \
  "  --handshake-timeout MS  (10000)   --idle-timeout MS (60000)\n"            \
  "  --keepalive MS          (15000)   0 turns a timer off\n"                  \
  "  --overflow POLICY       reject|disconnect when a peer's queue is full\n"  \
  "  --hs-payload N:HEX      payload of handshake message N (0-based, as\n"    \
  "                          the pattern counts), sent when this side\n"       \
  "                          writes it; repeatable\n"                          \
  "  --max-hs-payload BYTES  largest handshake payload accepted (at most\n"    \
  "                          4096)\n"
/* Builds an engine from the options (loading or generating the key). */
int cli_engine_new(cli_engine_opts *o, pn_engine **e);

/* Timestamps relative to the program start. */
double cli_elapsed(void);
/* Short peer id: the first 4 bytes in hex (8 digits) or "anon:xxxxxxxx". */
const char *cli_short_id(const pn_peer_id *id, char buf[24]);
/* Prints |p|,|n| as text if printable, else as hex, into |f|. */
void cli_print_bytes(FILE *f, const uint8_t *p, size_t n, size_t max);

/* An engine event with its members side by side, for printing. */
typedef struct cli_event {
  pn_event_type type;
  pn_peer_id peer;
  pn_dir dir;
  pn_reason reason;
  int remote_reason;
  const uint8_t *data; /* message, payload, or the handshake hash */
  size_t len;
  uint64_t size; /* overflow size, handshake payload index */
} cli_event;
void cli_event_flatten(const pn_event *ev, cli_event *out);

int cli_demo(int argc, char **argv);

#endif
