/*
 * The p2pnoise command. For now: `p2pnoise demo`, a Noise handshake between
 * two in-process parties over the public Noise-layer API, the handshake hash
 * both sides agree on, and one message echoed through the transport keys.
 */
#include <stdio.h>
#include <string.h>

#include <p2pnoise/noise.h>

static void hex(const char *label, const uint8_t *p, size_t n) {
  printf("%s", label);
  for (size_t i = 0; i < n; i++)
    printf("%02x", p[i]);
  printf("\n");
}

static int fail(const char *what, int rc) {
  fprintf(stderr, "p2pnoise: %s: %s\n", what, pn_strerror(rc));
  return 1;
}

static int demo(const char *name) {
  pn_protocol proto;
  int rc = pn_protocol_parse(&proto, name, strlen(name), PN_BACKEND_AUTO);
  if (rc) return fail("protocol", rc);
  printf("protocol   %s (dh %s, cipher %s, hash %s)\n", proto.name,
         pn_protocol_impl(&proto, 0), pn_protocol_impl(&proto, 1),
         pn_protocol_impl(&proto, 2));

  pn_keypair ks[2];
  pn_handshake hs[2];
  static const char prologue[] = "p2pnoise demo";
  for (int i = 0; i < 2; i++) {
    if ((rc = pn_keypair_generate(&ks[i], &proto, NULL)) ||
        (rc = pn_handshake_init(&hs[i], &proto, i ? PN_RESPONDER : PN_INITIATOR,
                                NULL)) ||
        (rc = pn_handshake_set_static(&hs[i], &ks[i])) ||
        (rc = pn_handshake_start(&hs[i], (const uint8_t *)prologue,
                                 sizeof prologue - 1)))
      return fail("handshake setup", rc);
  }
  hex("alice      ", ks[0].pub, pn_protocol_dhlen(&proto));
  hex("bob        ", ks[1].pub, pn_protocol_dhlen(&proto));

  uint8_t msg[PN_NOISE_MAX_MSG], payload[PN_NOISE_MAX_MSG];
  size_t len, plen;
  for (int turn = 0; pn_handshake_action(&hs[turn]) == PN_HS_WRITE; turn ^= 1) {
    if ((rc = pn_handshake_write(&hs[turn], NULL, 0, msg, sizeof msg, &len)))
      return fail("write", rc);
    if ((rc = pn_handshake_read(&hs[turn ^ 1], msg, len, payload,
                                sizeof payload, &plen)))
      return fail("read", rc);
    printf("handshake  %s -> %s  %zu bytes\n", turn ? "bob" : "alice",
           turn ? "alice" : "bob", len);
  }

  pn_cipherstate tx[2], rx[2];
  uint8_t h[2][PN_NOISE_MAX_HASHLEN];
  size_t hl = pn_handshake_hash(&hs[0], h[0]);
  pn_handshake_hash(&hs[1], h[1]);
  for (int i = 0; i < 2; i++)
    if ((rc = pn_handshake_split(&hs[i], &tx[i], &rx[i])))
      return fail("split", rc);
  if (memcmp(h[0], h[1], hl) != 0)
    return fail("handshake hash", PN_ERR_INTERNAL);
  hex("hash       ", h[0], hl);
  if (memcmp(pn_handshake_remote_static(&hs[1]), ks[0].pub,
             pn_protocol_dhlen(&proto)) != 0)
    return fail("remote static", PN_ERR_INTERNAL);

  static const char hello[] = "hello from alice";
  if ((rc = pn_cipherstate_encrypt(&tx[0], NULL, 0, (const uint8_t *)hello,
                                   sizeof hello - 1, msg, sizeof msg, &len)) ||
      (rc = pn_cipherstate_decrypt(&rx[1], NULL, 0, msg, len, payload,
                                   sizeof payload, &plen)))
    return fail("transport", rc);
  printf("message    alice -> bob  \"%.*s\" (%zu bytes on the wire)\n",
         (int)plen, payload, len);
  /* Bob echoes it back. */
  if ((rc = pn_cipherstate_encrypt(&tx[1], NULL, 0, payload, plen, msg,
                                   sizeof msg, &len)) ||
      (rc = pn_cipherstate_decrypt(&rx[0], NULL, 0, msg, len, payload,
                                   sizeof payload, &plen)))
    return fail("transport", rc);
  printf("echo       bob -> alice  \"%.*s\"\n", (int)plen, payload);
  for (int i = 0; i < 2; i++) {
    pn_cipherstate_wipe(&tx[i]);
    pn_cipherstate_wipe(&rx[i]);
    pn_handshake_wipe(&hs[i]);
    pn_keypair_wipe(&ks[i]);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "demo") == 0)
    return demo(argc >= 3 ? argv[2] : "Noise_XX_25519_ChaChaPoly_BLAKE2b");
  fprintf(stderr, "usage: p2pnoise demo [PROTOCOL]\n");
  return 2;
}
