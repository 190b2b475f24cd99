/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Raw AEAD encrypt+decrypt of one message, from each library, used as the
 * reference of the transport figures; and the Noise layer's CipherState doing
 * the same through each backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#ifdef PN_HAVE_OPENSSL
#include <openssl/evp.h>
#endif

#include <p2pnoise/noise.h>

#include "bench.h"
#include "bench_aead.h"

struct raw_aead {
  int lib, cipher; /* PN_BACKEND_*, PN_CIPHER_* */
  size_t size;
  uint8_t key[32], nonce[12];
  uint8_t *pt, *ct;
#ifdef PN_HAVE_OPENSSL
  EVP_CIPHER *evp;
  EVP_CIPHER_CTX *enc, *dec;
#endif
};

static void raw_op(void *p) {
  raw_aead *r = p;
  unsigned long long n;
  r->nonce[11]++;
  if (r->lib == PN_BACKEND_SODIUM && r->cipher == PN_CIPHER_CHACHAPOLY) {
    crypto_aead_chacha20poly1305_ietf_encrypt(r->ct, &n, r->pt, r->size, NULL,
                                              0, NULL, r->nonce, r->key);
    if (crypto_aead_chacha20poly1305_ietf_decrypt(r->pt, &n, NULL, r->ct, n,
                                                  NULL, 0, r->nonce, r->key))
      bench_die("raw decrypt", -1);
  } else if (r->lib == PN_BACKEND_SODIUM) {
    crypto_aead_aes256gcm_encrypt(r->ct, &n, r->pt, r->size, NULL, 0, NULL,
                                  r->nonce, r->key);
    if (crypto_aead_aes256gcm_decrypt(r->pt, &n, NULL, r->ct, n, NULL, 0,
                                      r->nonce, r->key))
      bench_die("raw decrypt", -1);
  }
#ifdef PN_HAVE_OPENSSL
  else {
    int l, l2;
    if (EVP_CipherInit_ex2(r->enc, NULL, NULL, r->nonce, 1, NULL) != 1 ||
        EVP_EncryptUpdate(r->enc, r->ct, &l, r->pt, (int)r->size) != 1 ||
        EVP_EncryptFinal_ex(r->enc, r->ct + l, &l2) != 1 ||
        EVP_CIPHER_CTX_ctrl(r->enc, EVP_CTRL_AEAD_GET_TAG, 16,
                            r->ct + r->size) != 1)
      bench_die("raw encrypt", -1);
    if (EVP_CipherInit_ex2(r->dec, NULL, NULL, r->nonce, 0, NULL) != 1 ||
        EVP_DecryptUpdate(r->dec, r->pt, &l, r->ct, (int)r->size) != 1 ||
        EVP_CIPHER_CTX_ctrl(r->dec, EVP_CTRL_AEAD_SET_TAG, 16,
                            r->ct + r->size) != 1 ||
        EVP_DecryptFinal_ex(r->dec, r->pt + l, &l2) != 1)
      bench_die("raw decrypt", -1);
  }
#endif
}

raw_aead *raw_aead_new(int lib, int cipher, size_t size) {
  if (lib == PN_BACKEND_SODIUM && cipher == PN_CIPHER_AESGCM &&
      !crypto_aead_aes256gcm_is_available())
    return NULL;
#ifndef PN_HAVE_OPENSSL
  if (lib == PN_BACKEND_OPENSSL) return NULL;
#endif
  raw_aead *r = calloc(1, sizeof *r);
  r->lib = lib;
  r->cipher = cipher;
  r->size = size;
  r->pt = calloc(1, size + 16);
  r->ct = calloc(1, size + 16);
  randombytes_buf(r->key, 32);
  randombytes_buf(r->pt, size);
#ifdef PN_HAVE_OPENSSL
  if (lib == PN_BACKEND_OPENSSL) {
    r->evp = EVP_CIPHER_fetch(
        NULL,
        cipher == PN_CIPHER_CHACHAPOLY ? "ChaCha20-Poly1305" : "AES-256-GCM",
        NULL);
    r->enc = EVP_CIPHER_CTX_new();
    r->dec = EVP_CIPHER_CTX_new();
    if (!r->evp ||
        EVP_CipherInit_ex2(r->enc, r->evp, r->key, NULL, 1, NULL) != 1 ||
        EVP_CipherInit_ex2(r->dec, r->evp, r->key, NULL, 0, NULL) != 1)
      bench_die("openssl init", -1);
  }
#endif
  return r;
}

void raw_aead_free(raw_aead *r) {
  if (!r) return;
#ifdef PN_HAVE_OPENSSL
  EVP_CIPHER_CTX_free(r->enc);
  EVP_CIPHER_CTX_free(r->dec);
  EVP_CIPHER_free(r->evp);
#endif
  free(r->pt);
  free(r->ct);
  free(r);
}

bench_fn raw_aead_fn(void) {
  return raw_op;
}

/* The fastest raw AEAD for |cipher| at |size|: seconds per encrypt+decrypt,
 * and its library in *lib. */
double raw_aead_best(int cipher, size_t size, int *lib) {
  double best = 1e30;
  for (int l = PN_BACKEND_SODIUM; l <= PN_BACKEND_OPENSSL; l++) {
    raw_aead *r = raw_aead_new(l, cipher, size);
    if (!r) continue;
    double t = bench_one(raw_op, r);
    if (t < best) {
      best = t;
      *lib = l;
    }
    raw_aead_free(r);
  }
  return best;
}

/* CipherState encrypt then decrypt of one Noise message (<= 65519 bytes). */
typedef struct cs_ctx {
  pn_crypto_ctx cx[2]; /* the sender's and the receiver's */
  pn_cipherstate tx, rx;
  size_t size;
  uint8_t *buf;
} cs_ctx;

static void cs_op(void *p) {
  cs_ctx *c = p;
  size_t n, m;
  int rc;
  if ((rc = pn_cipherstate_encrypt(&c->tx, NULL, 0, c->buf, c->size, c->buf,
                                   c->size + 16, &n)) ||
      (rc = pn_cipherstate_decrypt(&c->rx, NULL, 0, c->buf, n, c->buf, n, &m)))
    bench_die("cipherstate", rc);
}

static void cs_free(cs_ctx *c) {
  pn_cipherstate_wipe(&c->tx);
  pn_cipherstate_wipe(&c->rx);
  for (int i = 0; i < 2; i++)
    pn_crypto_ctx_wipe(&c->cx[i]);
  free(c->buf);
}

static void cs_setup(cs_ctx *c, const pn_protocol *proto, size_t size) {
  uint8_t key[32];
  memset(c, 0, sizeof *c);
  randombytes_buf(key, sizeof key);
  int rc;
  if ((rc = pn_crypto_ctx_init(&c->cx[0], proto)) ||
      (rc = pn_crypto_ctx_init(&c->cx[1], proto)) ||
      (rc = pn_cipherstate_init(&c->tx, proto, &c->cx[0])) ||
      (rc = pn_cipherstate_init(&c->rx, proto, &c->cx[1])))
    bench_die("cipherstate setup", rc);
  pn_cipherstate_set_key(&c->tx, key);
  pn_cipherstate_set_key(&c->rx, key);
  c->size = size;
  c->buf = calloc(1, size + 16);
}

void bench_aead(void) {
  static const size_t sizes[] = {64, 1024, 16384, 65519};
  static const char *const cnames[] = {"", "ChaChaPoly", "AESGCM"};
  static const char *const libs[] = {"auto", "sodium", "crypto"};
  printf("\nAEAD encrypt+decrypt, MB/s of plaintext: raw library calls vs the "
         "Noise CipherState\n(backend auto = what the engine uses)\n");
  printf("  %-10s %6s %11s %11s %11s %11s %11s %8s\n", "cipher", "size",
         "raw sodium", "raw crypto", "cs sodium", "cs crypto", "cs auto",
         "auto/best");
  for (int cipher = PN_CIPHER_CHACHAPOLY; cipher <= PN_CIPHER_AESGCM;
       cipher++) {
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
      size_t size = sizes[si];
      double raw[3] = {0, 0, 0}, cs[3] = {0, 0, 0};
      char name[64];
      snprintf(name, sizeof name, "Noise_NN_25519_%s_SHA256", cnames[cipher]);
      for (int lib = PN_BACKEND_SODIUM; lib <= PN_BACKEND_OPENSSL; lib++) {
        raw_aead *r = raw_aead_new(lib, cipher, size);
        pn_protocol proto;
        if (!r || pn_protocol_parse(&proto, name, strlen(name), lib) != PN_OK) {
          raw_aead_free(r);
          continue;
        }
        cs_ctx c;
        cs_setup(&c, &proto, size);
        double rs, ss;
        bench_pair(raw_op, r, cs_op, &c, &rs, &ss);
        raw[lib] = (double)size / rs / 1e6;
        cs[lib] = (double)size / ss / 1e6;
        cs_free(&c);
        raw_aead_free(r);
      }
      int bl = raw[1] > raw[2] ? 1 : 2;
      if (raw[bl] == 0) continue;
      /* AUTO against the fastest raw call, timed in alternation. */
      pn_protocol proto;
      if (pn_protocol_parse(&proto, name, strlen(name), PN_BACKEND_AUTO))
        continue;
      raw_aead *r = raw_aead_new(bl, cipher, size);
      cs_ctx c;
      cs_setup(&c, &proto, size);
      double rs, ss;
      bench_pair(raw_op, r, cs_op, &c, &rs, &ss);
      cs[0] = (double)size / ss / 1e6;
      double ratio = rs / ss;
      cs_free(&c);
      raw_aead_free(r);
      printf("  %-10s %6zu %11.0f %11.0f %11.0f %11.0f %11.0f %7.3fx\n",
             cnames[cipher], size, raw[1], raw[2], cs[1], cs[2], cs[0], ratio);
      for (int lib = 0; lib <= 2; lib++) {
        if (lib && raw[lib]) {
          snprintf(name, sizeof name, "aead_%s_%zu_raw_%s_MBps", cnames[cipher],
                   size, libs[lib]);
          bench_figure(name, raw[lib]);
        }
        if (!cs[lib]) continue;
        snprintf(name, sizeof name, "aead_%s_%zu_cs_%s_MBps", cnames[cipher],
                 size, libs[lib]);
        bench_figure(name, cs[lib]);
      }
      snprintf(name, sizeof name, "aead_%s_%zu_cs_auto_ratio", cnames[cipher],
               size);
      bench_figure(name, ratio);
    }
  }
}
