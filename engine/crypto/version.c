/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Versions (version.h). It lives in the crypto layer because only this
 * layer may include the crypto libraries' headers (crypto.h).
 */
#include <p2pnoise/version.h>

#include <sodium.h>
#ifdef PN_HAVE_OPENSSL
#include <openssl/crypto.h>
#endif

const char *pn_version(void) {
  return PN_VERSION_STRING;
}

uint32_t pn_version_number(void) {
  return PN_VERSION_NUMBER;
}

const char *pn_crypto_version(pn_backend backend) {
  switch (backend) {
  case PN_BACKEND_SODIUM:
    /* The library loaded at run time, not the header compiled against. */
    return sodium_version_string();
  case PN_BACKEND_OPENSSL:
#ifdef PN_HAVE_OPENSSL
    return OpenSSL_version(OPENSSL_VERSION_STRING);
#else
    return NULL;
#endif
  default:
    return NULL;
  }
}
