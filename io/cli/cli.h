/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Helpers shared by the p2pnoise command's subcommands. */
#ifndef P2PNOISE_CLI_H
#define P2PNOISE_CLI_H

#include <stdarg.h>
#include <stdio.h>

#include <p2pnoise/io.h>

/* Exit codes of the p2pnoise command, one meaning each (CLI_EXIT_HELP). */
enum {
  CLI_OK = 0,       /* success */
  CLI_FAIL = 1,     /* network: listen or dial failed, timeout, lost */
  CLI_USAGE = 2,    /* bad command line */
  CLI_KEYFILE = 3,  /* unreadable or malformed key file */
  CLI_DATA = 4,     /* a message file could not be read */
  CLI_TOOBIG = 5,   /* a message is larger than the limit */
  CLI_PROTOCOL = 6, /* a protocol this build or the engine cannot run */
  CLI_SESSION = 7   /* handshake rejected or session failed */
};
#define CLI_EXIT_HELP                                                          \
  "exit status: 0 ok\n"                                                        \
  "             1 network failure (listen, dial, timeout, connection lost)\n"  \
  "             2 bad command line\n"                                          \
  "             3 bad key file\n"                                              \
  "             4 unreadable message file\n"                                   \
  "             5 message larger than the limit\n"                             \
  "             6 protocol not supported (one-way or fallback pattern,\n"      \
  "               primitive missing from this build)\n"                        \
  "             7 handshake rejected or session failed (authentication,\n"     \
  "               decryption, protocol violation)\n"

/* One-line error on stderr: "p2pnoise: ...", control characters escaped.
 * Returns |code|. */
int cli_err(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- Flags: "--name value", "--name=value", "-x value" ------------------- */
typedef struct flagdef {
  const char *name;
  int has_arg;
} flagdef;
/* The flags cli_engine_flag handles, for a command's flagdef table. */
#define CLI_ENGINE_FLAGDEFS                                                    \
  {"key", 1}, {"protocol", 1}, {"prologue", 1}, {"max-conns", 1},              \
      {"max-handshakes", 1}, {"max-peers", 1}, {"max-message", 1},             \
      {"handshake-timeout", 1}, {"idle-timeout", 1}, {"keepalive", 1},         \
      {"overflow", 1}, {"pool", 1}, {"send-queue", 1}, {"send-timeout", 1},    \
      {"recv-timeout", 1}, {"rekey-limit", 1}, {"hs-payload", 1}, {            \
    "max-hs-payload", 1                                                        \
  }
/* 1 with |name|, |val| set; 0 at an operand or "--" (|pos| past "--");
 * -1 on error (printed). */
int cli_next_flag(int argc, char **argv, int *pos, const flagdef *defs,
                  const char *shorts[][2], const char **name, const char **val);
/* Checks a HOST:PORT option value; 0, or CLI_USAGE after the error. */
int cli_check_addr(const char *opt, const char *addr, int listen);

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
  "  --pool BYTES            shared buffer pool, k/M suffixes (16M)\n"         \
  "  --send-queue BYTES      bytes queued to one peer (4M)\n"                  \
  "  --send-timeout MS       (30000) output not acknowledged: peer closed\n"   \
  "  --recv-timeout MS       (30000) a message that stops arriving\n"          \
  "  --rekey-limit N         rekey requests a peer may make a minute (60)\n"   \
  "  --hs-payload N:HEX      payload of handshake message N (0-based, as\n"    \
  "                          the pattern counts), sent when this side\n"       \
  "                          writes it; repeatable\n"                          \
  "  --max-hs-payload BYTES  largest handshake payload accepted (at most\n"    \
  "                          4096)\n"
/* CLI_PROTOCOL (after the error) if the engine cannot run |name|. */
int cli_protocol_check(const pn_protocol *p, const char *name);
/* Builds an engine from the options (loading or generating the key). */
int cli_engine_new(cli_engine_opts *o, pn_engine **e);

/* Timestamps relative to the program start. */
double cli_elapsed(void);
/* Short peer id: the first 4 bytes in hex (8 digits) or "anon:xxxxxxxx". */
const char *cli_short_id(const pn_peer_id *id, char buf[24]);
/* Prints all of |p|,|n| into |f|: "hex:..." with |hex|, else a quoted
 * string with '"', '\\' and every byte outside printable ASCII escaped. */
void cli_print_bytes(FILE *f, const uint8_t *p, size_t n, int hex);
/* 1 if a peer that ended with |reason| failed (not a clean close). */
int cli_reason_failed(int reason);
/* A notice from the driver as one line (text or JSON) on |f|. */
void cli_print_notice(FILE *f, const pn_io_notice *nt, int json);

/* Connected peers sorted by key, to find one by a hex prefix. */
typedef struct cli_peers {
  pn_peer_id *v;
  size_t n, cap;
} cli_peers;
int cli_peers_add(cli_peers *ps, const pn_peer_id *id);
void cli_peers_del(cli_peers *ps, const pn_peer_id *id);
void cli_peers_free(cli_peers *ps);
/* The peer whose hex key starts with |hex|: 0, -1 none, -2 ambiguous. A
 * whole key is looked up in the engine's routing table. */
int cli_peers_find(const cli_peers *ps, const pn_engine *e, const char *hex,
                   pn_peer_id *out);

int cli_node(int argc, char **argv);
int cli_interop(int argc, char **argv, int serve);

int cli_demo(int argc, char **argv);

#endif
