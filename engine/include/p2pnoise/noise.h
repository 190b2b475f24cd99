/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * p2pnoise Noise layer: the Noise Protocol Framework, revision 34.
 *
 * Usable on its own, like noise-c: a protocol-name parser, CipherState,
 * SymmetricState and HandshakeState as the spec defines them (section 5).
 * All objects are fixed-size structs owned by the caller. Fields are visible
 * only so that the caller can size and embed them: treat them as private.
 *
 * Contract: memory, threads and secrets, on each backend.
 *
 * - Contexts. The states run on a pn_crypto_ctx the caller owns and sets up
 *   once with pn_crypto_ctx_init(): it holds what a library keeps beyond
 *   the key (libcrypto's EVP cipher contexts, libsodium's expanded AES-GCM
 *   key). Only pn_crypto_ctx_init allocates, and only when the protocol's
 *   cipher comes from libcrypto (PN_BACKEND_OPENSSL, or AUTO where libcrypto
 *   is built in): two EVP cipher contexts (4 allocations with libcrypto
 *   3.0), freed and cleansed by pn_crypto_ctx_wipe(). Nothing else here
 *   allocates on PN_BACKEND_SODIUM, nor on AUTO in the default build (all
 *   16 suites) or the libsodium-alone one (its 6): handshakes, messages and
 *   rekeys make no heap allocation. AUTO in a build without libdecaf or
 *   libgcrypt takes X448 or BLAKE2s from libcrypto: as below.
 * - PN_BACKEND_OPENSSL (everything from libcrypto, for comparison and
 *   testing) allocates per call where libcrypto offers no allocation-free
 *   call: each X25519/X448 key derivation and DH (EVP_PKEY) and each hash
 *   (an EVP digest context is re-initialised by allocating); see
 *   pn_protocol_allocs(). libcrypto also keeps 3 allocations of its own per
 *   thread that has used its DH (its error state), freed at thread exit.
 *   Its AEADs allocate nothing after the context.
 * - Threads. Nothing here creates, waits for or keeps anything per thread:
 *   no thread-local state, no thread keys. Objects running on one context
 *   are used by one thread at a time; they (and the context) may move to
 *   another thread between calls. Different contexts are independent.
 * - Secrets. Keys live only in the objects that own them (a state, its
 *   context) and, transiently, in one call's frames, which the library
 *   overwrites after the calls that leave secrets in dead frames. They are
 *   wiped (sodium_memzero) when an object is done: on pn_*_wipe() (a
 *   CipherState's wipe also clears its key from the context), on Split(),
 *   when a HandshakeState enters FAILED, and on pn_crypto_ctx_wipe().
 *   What no library controls: CPU registers. Link with -z now (bind at
 *   load): lazy binding's resolver saves every vector register on the stack
 *   at a symbol's first call, key bytes left in them included. The shared
 *   library is linked so.
 *
 * Unless stated otherwise, functions return PN_OK or a negative pn_error
 * (see common.h). Every function that can fail also fails with
 * PN_ERR_INVALID_ARGUMENT on a NULL pointer argument that is not optional.
 */
#ifndef P2PNOISE_NOISE_H
#define P2PNOISE_NOISE_H

#include <p2pnoise/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every limit of the Noise layer. */
enum {
  PN_NOISE_MAX_MSG = 65535, /* spec section 3: a Noise message */
  PN_NOISE_TAGLEN = 16,     /* AEAD tag */
  PN_NOISE_KEYLEN = 32,     /* cipher key, PSK */
  PN_NOISE_PSKLEN = 32,
  PN_NOISE_MAX_DHLEN = 56,   /* X448 */
  PN_NOISE_MAX_HASHLEN = 64, /* SHA512, BLAKE2b */
  PN_NOISE_MAX_NAME = 255,   /* spec section 8 */
  PN_NOISE_MAX_MSGS = 4,     /* the longest pattern (X1K1, X1X1) */
  PN_NOISE_MAX_TOKENS = 8,   /* tokens in one message, psks included */
  PN_NOISE_MAX_PSKS = PN_NOISE_MAX_MSGS + 1 /* psk0 .. psk4 */
};

typedef enum pn_dh_id { PN_DH_25519 = 1, PN_DH_448 = 2 } pn_dh_id;
typedef enum pn_cipher_id {
  PN_CIPHER_CHACHAPOLY = 1,
  PN_CIPHER_AESGCM = 2
} pn_cipher_id;
typedef enum pn_hash_id {
  PN_HASH_SHA256 = 1,
  PN_HASH_SHA512 = 2,
  PN_HASH_BLAKE2S = 3,
  PN_HASH_BLAKE2B = 4
} pn_hash_id;

/* Which library supplies a primitive. AUTO takes, for each primitive, the
 * fastest implementation this build has (see pn_crypto_describe). */
typedef enum pn_backend {
  PN_BACKEND_AUTO = 0,
  PN_BACKEND_SODIUM = 1,
  PN_BACKEND_OPENSSL = 2
} pn_backend;

/* Initialises the crypto libraries. Idempotent and thread-safe; every other
 * function calls it when needed. PN_ERR_CRYPTO if libsodium cannot start. */
PN_API int pn_crypto_init(void) PN_WUR;

/* 1 if |backend| (SODIUM or OPENSSL) is compiled in and usable, else 0. */
PN_API int pn_backend_available(pn_backend backend);

struct pn_dh_ops;
struct pn_cipher_ops;
struct pn_hash_ops;

#ifdef __cplusplus
#define PN_ALIGNAS(n) alignas(n)
#else
#define PN_ALIGNAS(n) _Alignas(n)
#endif

/* The state behind one protocol's cipher (see the contract above). */
typedef struct pn_crypto_ctx {
  const struct pn_cipher_ops *ops; /* the cipher it was set up for */
  void *evp[2];                    /* libcrypto: [decrypt, encrypt] */
  uint8_t evp_key[2][32];          /* the key each EVP context holds */
  uint8_t evp_keyed[2];
  uint8_t gcm_keyed;
  uint8_t gcm_key[32];
  PN_ALIGNAS(16) uint8_t gcm[512]; /* libsodium's expanded AES-GCM key */
} pn_crypto_ctx;

typedef enum pn_role { PN_INITIATOR = 1, PN_RESPONDER = 2 } pn_role;

/* Handshake tokens, as stored in a pn_protocol's program. */
typedef enum pn_token {
  PN_TOK_E = 1,
  PN_TOK_S,
  PN_TOK_EE,
  PN_TOK_ES,
  PN_TOK_SE,
  PN_TOK_SS,
  PN_TOK_PSK
} pn_token;

/*
 * A parsed protocol name: the pattern after its modifiers were applied, in
 * initiator-first form (message i is sent by the initiator when i is even),
 * and the primitives resolved to implementations.
 */
typedef struct pn_protocol {
  char name[PN_NOISE_MAX_NAME + 1];
  uint8_t name_len;
  uint8_t dh, cipher, hash; /* pn_dh_id, pn_cipher_id, pn_hash_id */
  uint8_t one_way;          /* N, K, X: every message initiator -> responder */
  uint8_t fallback;         /* the fallback modifier was applied */
  uint8_t npsk;             /* psk tokens in the pattern */
  uint8_t npre_i, npre_r;   /* pre-message tokens (e and/or s) */
  uint8_t pre_i[2], pre_r[2];
  uint8_t nmsgs;
  uint8_t msg_len[PN_NOISE_MAX_MSGS];
  uint8_t tok[PN_NOISE_MAX_MSGS][PN_NOISE_MAX_TOKENS];
  const struct pn_dh_ops *dh_ops;
  const struct pn_cipher_ops *cipher_ops;
  const struct pn_hash_ops *hash_ops;
} pn_protocol;

/*
 * Parses a revision-34 protocol name, such as
 * "Noise_XX_25519_ChaChaPoly_BLAKE2b" or
 * "Noise_XXfallback+psk0_448_AESGCM_SHA512", choosing implementations with
 * |backend|. |name| need not be NUL-terminated. Accepted: the 12 fundamental,
 * 3 one-way and 23 deferred patterns; modifiers pskN (any set, each once, in
 * ascending order, N at most the number of messages) and fallback (first,
 * only on a pattern without pre-messages whose first message is e, s or e, s).
 *
 * PN_ERR_NAME_MALFORMED         not "Noise_" and four sections, bad characters,
 *                               longer than 255 bytes.
 * PN_ERR_NAME_UNKNOWN_PATTERN   the base pattern is not in revision 34.
 * PN_ERR_NAME_BAD_MODIFIER      an unknown, repeated, unsorted or out-of-range
 *                               modifier (psk3 on a two-message pattern).
 * PN_ERR_NAME_UNKNOWN_PRIMITIVE the DH, cipher or hash section is unknown.
 * PN_ERR_UNSUPPORTED            known, but |backend| cannot supply it here
 *                               (X448 or BLAKE2s without libcrypto, AESGCM
 *                               without hardware AES and without libcrypto).
 */
PN_API int pn_protocol_parse(pn_protocol *p, const char *name, size_t len,
                             pn_backend backend) PN_WUR;

/* Sets |cx| up for |p|'s cipher: on libcrypto, allocates its two EVP
 * contexts. PN_ERR_NOMEM, PN_ERR_CRYPTO. Every state that runs on |cx| must
 * use a protocol with the same cipher implementation. */
PN_API int pn_crypto_ctx_init(pn_crypto_ctx *cx, const pn_protocol *p) PN_WUR;
/* Frees what init allocated, clearing every key it holds; safe twice and on
 * a zeroed context. Wipe the states that run on |cx| first. */
PN_API void pn_crypto_ctx_wipe(pn_crypto_ctx *cx);

/* Heap allocations |p|'s primitives make inside a handshake: per key
 * generation (each e token, pn_keypair_generate), per DH (ee, es, se, ss)
 * and per hash call (a MixHash is one; a MixKey six; a MixKeyAndHash nine;
 * Split six). 0 for all three on AUTO and PN_BACKEND_SODIUM in a default
 * build; nonzero only on PN_BACKEND_OPENSSL (libcrypto 3.0: 16, 27 and 2)
 * and in builds without libdecaf (X448) or libgcrypt (BLAKE2s). Each output
 * may be NULL. Returns 1 if any is nonzero. */
PN_API int pn_protocol_allocs(const pn_protocol *p, size_t *per_keygen,
                              size_t *per_dh, size_t *per_hash);

/* The PN_NEED_* bits (see pn_handshake_needs) of |p|'s pattern for |role|. */
PN_API int pn_protocol_needs(const pn_protocol *p, pn_role role);

/* Lengths of the parsed protocol's primitives. */
PN_API size_t pn_protocol_dhlen(const pn_protocol *p);
PN_API size_t pn_protocol_hashlen(const pn_protocol *p);
/* A primitive of a protocol, for pn_protocol_impl. */
typedef enum pn_primitive {
  PN_PRIMITIVE_DH = 0,
  PN_PRIMITIVE_CIPHER = 1,
  PN_PRIMITIVE_HASH = 2
} pn_primitive;
/* The name of the library behind the protocol's DH, cipher or hash, e.g.
 * "libsodium" or "libcrypto"; for reports and benchmarks. "none" for an
 * unparsed protocol or an unknown primitive. */
PN_API const char *pn_protocol_impl(const pn_protocol *p, pn_primitive which);

/* ---- Key pairs ---------------------------------------------------------- */

typedef struct pn_keypair {
  uint8_t priv[PN_NOISE_MAX_DHLEN];
  uint8_t pub[PN_NOISE_MAX_DHLEN];
  uint8_t dh; /* pn_dh_id */
} pn_keypair;

/* Derives the public key from |priv| (DHLEN bytes for |p|'s DH). */
PN_API int pn_keypair_from_private(pn_keypair *kp, const pn_protocol *p,
                                   const uint8_t *priv, size_t len) PN_WUR;
/* Generates a key pair from |rng| (NULL: libsodium). PN_ERR_CRYPTO if the RNG
 * fails. */
PN_API int pn_keypair_generate(pn_keypair *kp, const pn_protocol *p,
                               const pn_rng *rng) PN_WUR;
PN_API void pn_keypair_wipe(pn_keypair *kp);

/* ---- CipherState (spec 5.1) -------------------------------------------- */

typedef struct pn_cipherstate {
  uint8_t k[PN_NOISE_KEYLEN];
  uint64_t n;
  const struct pn_cipher_ops *ops;
  pn_crypto_ctx *cx; /* borrowed */
  uint8_t has_key;
} pn_cipherstate;

/* InitializeKey(empty) with |p|'s cipher, running on |cx| (borrowed: it
 * must outlive |cs|; set up for |p|). PN_ERR_INVALID_ARGUMENT if |cx| was
 * set up for another cipher implementation. */
PN_API int pn_cipherstate_init(pn_cipherstate *cs, const pn_protocol *p,
                               pn_crypto_ctx *cx) PN_WUR;
/* InitializeKey(key): a 32-byte key; n = 0. */
PN_API void pn_cipherstate_set_key(pn_cipherstate *cs, const uint8_t key[32]);
PN_API int pn_cipherstate_has_key(const pn_cipherstate *cs);
/* SetNonce(n). */
PN_API void pn_cipherstate_set_nonce(pn_cipherstate *cs, uint64_t n);
PN_API uint64_t pn_cipherstate_nonce(const pn_cipherstate *cs);

/*
 * EncryptWithAd: writes |inlen| + 16 bytes to |out| (|inlen| if no key is
 * set: the plaintext is copied). |out| may equal |in| (in place); other
 * overlaps are not allowed. On success *|outlen| is set and n advances.
 *
 * PN_ERR_NOBUF            |outcap| is too small.
 * PN_ERR_MSG_SIZE         the result would exceed 65535 bytes.
 * PN_ERR_NONCE_EXHAUSTED  n is 2^64-1 (reserved); nothing written.
 */
PN_API int pn_cipherstate_encrypt(pn_cipherstate *cs, const uint8_t *ad,
                                  size_t adlen, const uint8_t *in, size_t inlen,
                                  uint8_t *out, size_t outcap,
                                  size_t *outlen) PN_WUR;
/*
 * DecryptWithAd: writes |inlen| - 16 bytes. A failure never advances n.
 *
 * PN_ERR_DECRYPT          authentication failed (or |inlen| < 16).
 * PN_ERR_NOBUF, PN_ERR_MSG_SIZE, PN_ERR_NONCE_EXHAUSTED as above.
 */
PN_API int pn_cipherstate_decrypt(pn_cipherstate *cs, const uint8_t *ad,
                                  size_t adlen, const uint8_t *in, size_t inlen,
                                  uint8_t *out, size_t outcap,
                                  size_t *outlen) PN_WUR;
/* Rekey(): k = first 32 bytes of ENCRYPT(k, 2^64-1, "", 32 zero bytes).
 * PN_ERR_INVALID_STATE if no key is set. n is unchanged. */
PN_API int pn_cipherstate_rekey(pn_cipherstate *cs) PN_WUR;
PN_API void pn_cipherstate_wipe(pn_cipherstate *cs);

/* ---- SymmetricState (spec 5.2) ----------------------------------------- */

typedef struct pn_symmetricstate {
  pn_cipherstate cs;
  uint8_t ck[PN_NOISE_MAX_HASHLEN];
  uint8_t h[PN_NOISE_MAX_HASHLEN];
  const struct pn_hash_ops *hash;
} pn_symmetricstate;

/* InitializeSymmetric(protocol_name) with |p|'s name and primitives, on
 * |cx| (as pn_cipherstate_init). The hash's errors (PN_ERR_NOMEM,
 * PN_ERR_CRYPTO: only PN_BACKEND_OPENSSL's digests can fail). */
PN_API int pn_symmetric_init(pn_symmetricstate *ss, const pn_protocol *p,
                             pn_crypto_ctx *cx) PN_WUR;
/* MixKey: |ikm| is any length (a DH output, or e.pub in PSK mode). These
 * three fail only as the hash does; the state is then unusable (wipe it). */
PN_API int pn_symmetric_mix_key(pn_symmetricstate *ss, const uint8_t *ikm,
                                size_t len) PN_WUR;
PN_API int pn_symmetric_mix_hash(pn_symmetricstate *ss, const uint8_t *data,
                                 size_t len) PN_WUR;
PN_API int pn_symmetric_mix_key_and_hash(pn_symmetricstate *ss,
                                         const uint8_t *ikm, size_t len) PN_WUR;
/* EncryptAndHash / DecryptAndHash: the errors of pn_cipherstate_encrypt and
 * pn_cipherstate_decrypt. On a failed decrypt h is unchanged. */
PN_API int pn_symmetric_encrypt_and_hash(pn_symmetricstate *ss,
                                         const uint8_t *in, size_t inlen,
                                         uint8_t *out, size_t outcap,
                                         size_t *outlen) PN_WUR;
PN_API int pn_symmetric_decrypt_and_hash(pn_symmetricstate *ss,
                                         const uint8_t *in, size_t inlen,
                                         uint8_t *out, size_t outcap,
                                         size_t *outlen) PN_WUR;
/* Split(): c1 for initiator-to-responder, c2 for the reverse, both on the
 * state's context. The hash's errors; c1 and c2 are then wiped. */
PN_API int pn_symmetric_split(const pn_symmetricstate *ss, pn_cipherstate *c1,
                              pn_cipherstate *c2) PN_WUR;
/* GetHandshakeHash(): copies HASHLEN bytes; returns HASHLEN. */
PN_API size_t pn_symmetric_handshake_hash(const pn_symmetricstate *ss,
                                          uint8_t out[PN_NOISE_MAX_HASHLEN]);
PN_API void pn_symmetric_wipe(pn_symmetricstate *ss);

/* ---- HandshakeState (spec 5.3) ------------------------------------------ */

/* What pn_handshake_action() says is next. */
typedef enum pn_hs_action {
  PN_HS_SETUP = 0, /* initialised, keys may be set; call pn_handshake_start */
  PN_HS_WRITE,     /* call pn_handshake_write */
  PN_HS_READ,      /* call pn_handshake_read */
  PN_HS_SPLIT,     /* all messages done: call pn_handshake_split */
  PN_HS_DONE,      /* split done; only the hash and remote key remain */
  PN_HS_FAILED     /* terminal: every secret wiped */
} pn_hs_action;

/* What a pattern needs before pn_handshake_start (pn_handshake_needs). */
enum {
  PN_NEED_LOCAL_STATIC = 1,  /* pn_handshake_set_static */
  PN_NEED_REMOTE_STATIC = 2, /* pn_handshake_set_remote_static (pre-message) */
  PN_NEED_PSK = 4,           /* pn_handshake_set_psks */
  PN_NEED_REMOTE_EPHEMERAL = 8 /* fallback, as its initiator */
};

typedef struct pn_handshake {
  pn_symmetricstate ss;
  const pn_protocol *proto;              /* borrowed */
  const pn_keypair *s;                   /* borrowed local static */
  const uint8_t *psk[PN_NOISE_MAX_PSKS]; /* borrowed */
  pn_keypair e;
  uint8_t rs[PN_NOISE_MAX_DHLEN];
  uint8_t re[PN_NOISE_MAX_DHLEN];
  pn_rng rng;
  uint8_t npsks, psk_next;
  uint8_t role, action, msg;
  uint8_t has_rs, has_re, has_e, e_pinned;
} pn_handshake;

/* Initialize() up to the keys: |p| and |cx| (borrowed: they must outlive
 * |hs|; |cx| set up for |p|, as pn_cipherstate_init) and the role. |rng|
 * NULL means libsodium. Action becomes PN_HS_SETUP. */
PN_API int pn_handshake_init(pn_handshake *hs, const pn_protocol *p,
                             pn_crypto_ctx *cx, pn_role role,
                             const pn_rng *rng) PN_WUR;
/* The PN_NEED_* bits of |hs|'s pattern and role. */
PN_API int pn_handshake_needs(const pn_handshake *hs);
/* The local static key pair, borrowed: it must outlive |hs| (an engine keeps
 * one and never re-derives the public key). PN_ERR_INVALID_ARGUMENT if its DH
 * differs from the protocol's; PN_ERR_INVALID_STATE after start. */
PN_API int pn_handshake_set_static(pn_handshake *hs,
                                   const pn_keypair *s) PN_WUR;
/* The remote static public key known in advance (pre-message), DHLEN bytes.
 * PN_ERR_INVALID_ARGUMENT if the pattern has no such pre-message. */
PN_API int pn_handshake_set_remote_static(pn_handshake *hs, const uint8_t *pub,
                                          size_t len) PN_WUR;
/* The remote ephemeral public key of a fallback pre-message. */
PN_API int pn_handshake_set_remote_ephemeral(pn_handshake *hs,
                                             const uint8_t *pub,
                                             size_t len) PN_WUR;
/* The PSKs, consumed in order by the pattern's psk tokens; borrowed. Each is
 * exactly 32 bytes; |n| must be at least the number of psk tokens. */
PN_API int pn_handshake_set_psks(pn_handshake *hs,
                                 const uint8_t (*psks)[PN_NOISE_PSKLEN],
                                 size_t n) PN_WUR;
/* Sets PSK number |index| (0-based, in the order the psk tokens use them),
 * borrowed. PN_ERR_INVALID_ARGUMENT unless |len| is exactly 32 and |index| is
 * below PN_NOISE_MAX_PSKS. */
PN_API int pn_handshake_set_psk(pn_handshake *hs, size_t index,
                                const uint8_t *psk, size_t len) PN_WUR;
/* Test hook: pins the ephemeral key pair (copied) instead of generating one.
 * Only for test vectors and the fallback's pre-message; never in production:
 * a reused ephemeral key breaks the handshake's security. */
PN_API int pn_handshake_pin_ephemeral(pn_handshake *hs,
                                      const pn_keypair *e) PN_WUR;

/*
 * Mixes the prologue and the pre-messages; the first message is next.
 *
 * PN_ERR_MISSING_KEY  a key in pn_handshake_needs() was not given.
 * PN_ERR_NOMEM, PN_ERR_CRYPTO  the hash failed (PN_BACKEND_OPENSSL): FAILED.
 * PN_ERR_MISSING_PSK  fewer PSKs than psk tokens.
 * PN_ERR_INVALID_STATE  not in PN_HS_SETUP.
 */
PN_API int pn_handshake_start(pn_handshake *hs, const uint8_t *prologue,
                              size_t prologue_len) PN_WUR;

/* The next step (a pn_hs_action). */
PN_API int pn_handshake_action(const pn_handshake *hs);

/* The bytes the next message adds around its payload (keys and tags), so a
 * caller can size buffers: a message is overhead + payload bytes. 0 when no
 * message is due. */
PN_API size_t pn_handshake_overhead(const pn_handshake *hs);

/*
 * WriteMessage(payload). The message length is checked before any crypto:
 *
 * PN_ERR_WRONG_TURN      a read is due.
 * PN_ERR_INVALID_STATE   not started (SETUP), or every message is done (SPLIT).
 * PN_ERR_NOBUF           |outcap| is smaller than the message; the state is
 *                        unchanged and the call may be repeated.
 * PN_ERR_MSG_SIZE        the message would exceed 65535 bytes; unchanged.
 * PN_ERR_HANDSHAKE_FAILED the state is FAILED (or done).
 * Other errors (PN_ERR_DH, PN_ERR_CRYPTO, PN_ERR_NONCE_EXHAUSTED) move the
 * state to FAILED, which wipes it.
 */
PN_API int pn_handshake_write(pn_handshake *hs, const uint8_t *payload,
                              size_t payload_len, uint8_t *out, size_t outcap,
                              size_t *outlen) PN_WUR;
/*
 * ReadMessage(message). |msg| and |payload| must not overlap.
 *
 * PN_ERR_WRONG_TURN      a write is due (state unchanged).
 * PN_ERR_INVALID_STATE   not started (SETUP), or every message is done (SPLIT).
 * PN_ERR_HANDSHAKE_FAILED the state is FAILED (or done).
 * PN_ERR_NOBUF           |payload_cap| too small (state unchanged).
 * PN_ERR_MSG_SIZE        |msg_len| is shorter than the pattern's keys and tags,
 *                        or over 65535: FAILED.
 * PN_ERR_DECRYPT         a static key or the payload failed to authenticate:
 *                        FAILED.
 * PN_ERR_DH              a DH gave all zeros (low-order key): FAILED.
 */
PN_API int pn_handshake_read(pn_handshake *hs, const uint8_t *msg,
                             size_t msg_len, uint8_t *payload,
                             size_t payload_cap, size_t *payload_len) PN_WUR;

/* Split(): |send| and |recv| for this party (the initiator sends with c1),
 * on the handshake's context. Wipes the handshake's secrets; the hash and
 * remote static key remain. PN_ERR_INVALID_STATE unless the action is
 * PN_HS_SPLIT; the hash's errors move the state to FAILED. */
PN_API int pn_handshake_split(pn_handshake *hs, pn_cipherstate *send,
                              pn_cipherstate *recv) PN_WUR;

/* The handshake hash h (channel binding); returns HASHLEN, 0 before start. */
PN_API size_t pn_handshake_hash(const pn_handshake *hs,
                                uint8_t out[PN_NOISE_MAX_HASHLEN]);
/* The remote static public key, once known (given or received), else NULL. */
PN_API const uint8_t *pn_handshake_remote_static(const pn_handshake *hs);
/* The local ephemeral public key once generated, else NULL. */
PN_API const uint8_t *pn_handshake_local_ephemeral(const pn_handshake *hs);

/*
 * Noise Pipes: turns |hs|, an IK-style handshake that must fall back, into a
 * fresh handshake of |fb|, the fallback protocol (e.g. XXfallback), left in
 * PN_HS_SETUP: call pn_handshake_start(prologue) next (after pinning an
 * ephemeral key, in tests). Roles swap: an old initiator becomes the
 * responder and keeps its ephemeral key as the pre-message; an old responder
 * (even FAILED after the IK message failed to decrypt) becomes the initiator
 * with the received ephemeral key. The local static key, the PSKs and the
 * RNG carry over.
 *
 * PN_ERR_INVALID_ARGUMENT  |fb| has no fallback modifier, a different DH
 *                          or a cipher the context was not set up for.
 * PN_ERR_INVALID_STATE     |hs| has no ephemeral key to carry over.
 */
PN_API int pn_handshake_fallback(pn_handshake *hs,
                                 const pn_protocol *fb) PN_WUR;

/* Wipes every secret and resets |hs|; safe on any state, twice. */
PN_API void pn_handshake_wipe(pn_handshake *hs);

#ifdef __cplusplus
}
#endif
#endif
