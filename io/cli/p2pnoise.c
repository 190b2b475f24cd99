/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The p2pnoise command: keys, a node, the demo, and serve/connect for
 * talking to other Noise implementations (see `p2pnoise --help`).
 */
#define _GNU_SOURCE

#include "cli.h"

#include <p2pnoise/keys.h>
#include <p2pnoise/version.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define USAGE_EXIT CLI_EXIT_HELP

static const char usage_main[] =
    "usage: p2pnoise COMMAND [OPTIONS]\n"
    "       p2pnoise --version\n"
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

/* ---- keygen, pubkey ------------------------------------------------------ */

static int cmd_keygen(int argc, char **argv) {
  static const flagdef defs[] = {{"dh", 1}, {NULL, 0}};
  const char *name = NULL, *val = NULL, *dh = "25519";
  int pos = 1, r;
  while ((r = cli_next_flag(argc, argv, &pos, defs, NULL, &name, &val)) == 1) {
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
  pn_keypair kp;
  r = pn_keypair_generate_for(&kp, pname, NULL);
  if (r == PN_ERR_UNSUPPORTED)
    return cli_err(CLI_PROTOCOL, "DH %s is not available in this build", dh);
  if (r) return cli_err(CLI_FAIL, "key generation failed");
  size_t len = pn_keypair_len(&kp);
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
  while ((r = cli_next_flag(argc, argv, &pos, defs, NULL, &name, &val)) == 1) {
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
  if (rc == PN_ERR_UNSUPPORTED)
    return cli_err(CLI_PROTOCOL, "--protocol %s: not supported by this build",
                   name);
  if (rc) return cli_err(CLI_USAGE, "--protocol %s: %s", name, pn_strerror(rc));
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
      return cli_err(CLI_PROTOCOL,
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
  while ((r = cli_next_flag(argc, argv, &pos, defs, NULL, &name, &val)) == 1) {
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

/* The library's version and the crypto libraries it runs on (libcrypto only
 * in builds that have it). */
static int print_version(void) {
  const char *ssl = pn_crypto_version(PN_BACKEND_OPENSSL);
  printf("p2pnoise %s\n", pn_version());
  printf("libsodium %s\n", pn_crypto_version(PN_BACKEND_SODIUM));
  if (ssl) printf("libcrypto %s\n", ssl);
  return CLI_OK;
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
  if (!strcmp(cmd, "--version")) {
    if (argc > 2) return cli_err(CLI_USAGE, "--version takes no arguments");
    return print_version();
  }
  cli_elapsed(); /* starts the clock */
  if (pn_crypto_init() != PN_OK) return cli_err(CLI_FAIL, "crypto init failed");
  argc--;
  argv++;
  if (!strcmp(cmd, "keygen")) return cmd_keygen(argc, argv);
  if (!strcmp(cmd, "pubkey")) return cmd_pubkey(argc, argv);
  if (!strcmp(cmd, "node")) return cli_node(argc, argv);
  if (!strcmp(cmd, "demo")) return cli_demo(argc, argv);
  if (!strcmp(cmd, "serve")) return cli_interop(argc, argv, 1);
  if (!strcmp(cmd, "connect")) return cli_interop(argc, argv, 0);
  if (!strcmp(cmd, "selftest")) return cmd_selftest(argc, argv);
  return cli_err(CLI_USAGE, "unknown command '%s' (see p2pnoise --help)", cmd);
}
