/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/**
 * @file noise.h
 * @brief The Noise layer: the Noise Protocol Framework, revision 34.
 *
 * Usable on its own, like noise-c: a protocol-name parser, CipherState,
 * SymmetricState and HandshakeState as the spec defines them (section 5).
 * All objects are fixed-size structs owned by the caller. The fields of
 * pn_protocol, pn_crypto_ctx, pn_cipherstate, pn_symmetricstate and
 * pn_handshake are visible only so that the caller can size and embed them:
 * treat them as private (this reference does not list them). pn_keypair's
 * fields are public.
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
 * Unless stated otherwise, functions return PN_OK or a negative ::pn_error
 * (see common.h). Every function that can fail also fails with
 * PN_ERR_INVALID_ARGUMENT on a NULL pointer argument that is not optional.
 */
#ifndef P2PNOISE_NOISE_H
#define P2PNOISE_NOISE_H

#include <p2pnoise/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Every limit of the Noise layer. */
enum {
  PN_NOISE_MAX_MSG = 65535, /**< A Noise message (spec section 3). */
  PN_NOISE_TAGLEN = 16,     /**< An AEAD tag. */
  PN_NOISE_KEYLEN = 32,     /**< A cipher key, a PSK. */
  PN_NOISE_PSKLEN = 32,     /**< A PSK. */
  PN_NOISE_MAX_DHLEN = 56,  /**< The longest DH key (X448). */
  /** The longest hash output (SHA512, BLAKE2b). */
  PN_NOISE_MAX_HASHLEN = 64,
  PN_NOISE_MAX_NAME = 255, /**< A protocol name (spec section 8). */
  /** Messages of the longest pattern (X1K1, X1X1). */
  PN_NOISE_MAX_MSGS = 4,
  /** Tokens in one message, psks included. */
  PN_NOISE_MAX_TOKENS = 8,
  /** PSKs: psk0 .. psk4. */
  PN_NOISE_MAX_PSKS = PN_NOISE_MAX_MSGS + 1
};

/** The DH functions (spec section 12.1, 12.2). */
typedef enum pn_dh_id {
  PN_DH_25519 = 1, /**< Curve25519 ("25519"), 32-byte keys. */
  PN_DH_448 = 2    /**< Curve448 ("448"), 56-byte keys; needs libcrypto. */
} pn_dh_id;
/** The cipher functions (spec section 12.3, 12.4). */
typedef enum pn_cipher_id {
  PN_CIPHER_CHACHAPOLY = 1, /**< ChaCha20-Poly1305 ("ChaChaPoly"). */
  PN_CIPHER_AESGCM = 2      /**< AES-256-GCM ("AESGCM"). */
} pn_cipher_id;
/** The hash functions (spec section 12.5 to 12.8). */
typedef enum pn_hash_id {
  PN_HASH_SHA256 = 1,  /**< SHA-256 ("SHA256"). */
  PN_HASH_SHA512 = 2,  /**< SHA-512 ("SHA512"). */
  PN_HASH_BLAKE2S = 3, /**< BLAKE2s-256 ("BLAKE2s"); needs libcrypto. */
  PN_HASH_BLAKE2B = 4  /**< BLAKE2b-512 ("BLAKE2b"). */
} pn_hash_id;

/**
 * Which library supplies a primitive. AUTO takes, for each primitive, the
 * fastest implementation this build has (pn_protocol_impl() tells which one
 * a parsed protocol got).
 */
typedef enum pn_backend {
  PN_BACKEND_AUTO = 0,   /**< The fastest this build has, per primitive. */
  PN_BACKEND_SODIUM = 1, /**< libsodium. */
  PN_BACKEND_OPENSSL = 2 /**< OpenSSL's libcrypto. */
} pn_backend;

/**
 * Initialises the crypto libraries. Idempotent and thread-safe; every other
 * function calls it when needed.
 *
 * @retval PN_ERR_CRYPTO  libsodium cannot start.
 */
PN_API int pn_crypto_init(void) PN_WUR;

/**
 * Whether a backend is compiled in and usable.
 *
 * @param backend  PN_BACKEND_SODIUM or PN_BACKEND_OPENSSL.
 * @return 1 if it is, else 0.
 */
PN_API int pn_backend_available(pn_backend backend);

/** @cond PN_PRIVATE */
struct pn_dh_ops;
struct pn_cipher_ops;
struct pn_hash_ops;
/** @endcond */

/** @cond PN_PRIVATE */
#ifdef __cplusplus
#define PN_ALIGNAS(n) alignas(n)
#else
#define PN_ALIGNAS(n) _Alignas(n)
#endif
/** @endcond */

/**
 * The state behind one protocol's cipher, owned by the caller (see the
 * contract above): libcrypto's two EVP contexts and libsodium's expanded
 * AES-GCM key. Set up with pn_crypto_ctx_init(), released with
 * pn_crypto_ctx_wipe().
 */
typedef struct pn_crypto_ctx {
  /** @cond PN_PRIVATE */
  const struct pn_cipher_ops *ops; /* the cipher it was set up for */
  void *evp[2];                    /* libcrypto: [decrypt, encrypt] */
  uint8_t evp_key[2][32];          /* the key each EVP context holds */
  uint8_t evp_keyed[2];
  uint8_t gcm_keyed;
  uint8_t gcm_key[32];
  PN_ALIGNAS(16) uint8_t gcm[512]; /* libsodium's expanded AES-GCM key */
  /** @endcond */
} pn_crypto_ctx;

/** The role of a party in a handshake. */
typedef enum pn_role {
  PN_INITIATOR = 1, /**< Sends the first message. */
  PN_RESPONDER = 2  /**< Receives the first message. */
} pn_role;

/** Handshake tokens, as stored in a pn_protocol's program. */
typedef enum pn_token {
  PN_TOK_E = 1, /**< e: an ephemeral public key. */
  PN_TOK_S,     /**< s: a static public key. */
  PN_TOK_EE,    /**< ee: DH of the two ephemeral keys. */
  PN_TOK_ES,    /**< es: the initiator's ephemeral, the responder's static. */
  PN_TOK_SE,    /**< se: the initiator's static, the responder's ephemeral. */
  PN_TOK_SS,    /**< ss: DH of the two static keys. */
  PN_TOK_PSK    /**< psk: mix in the next pre-shared key. */
} pn_token;

/**
 * A parsed protocol name: the pattern after its modifiers were applied, in
 * initiator-first form (message i is sent by the initiator when i is even),
 * and the primitives resolved to implementations. Filled by
 * pn_protocol_parse(); read it through pn_protocol_dhlen(),
 * pn_protocol_hashlen() and pn_protocol_impl().
 */
typedef struct pn_protocol {
  /** @cond PN_PRIVATE */
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
  /** @endcond */
} pn_protocol;

/**
 * Parses a revision-34 protocol name, such as
 * "Noise_XX_25519_ChaChaPoly_BLAKE2b" or
 * "Noise_XXfallback+psk0_448_AESGCM_SHA512", choosing implementations with
 * @p backend. @p name need not be NUL-terminated. Accepted: the 12
 * fundamental, 3 one-way and 23 deferred patterns; modifiers pskN (any set,
 * each once, in ascending order, N at most the number of messages) and
 * fallback (first, only on a pattern without pre-messages whose first
 * message is e, s or e, s).
 *
 * @param p        receives the parsed protocol.
 * @param name     the name.
 * @param len      its length in bytes.
 * @param backend  which library supplies the primitives.
 * @retval PN_OK                          parsed.
 * @retval PN_ERR_NAME_MALFORMED          not "Noise_" and four sections, bad
 *                                        characters, longer than 255 bytes.
 * @retval PN_ERR_NAME_UNKNOWN_PATTERN    the base pattern is not in
 *                                        revision 34.
 * @retval PN_ERR_NAME_BAD_MODIFIER       an unknown, repeated, unsorted or
 *                                        out-of-range modifier (psk3 on a
 *                                        two-message pattern).
 * @retval PN_ERR_NAME_UNKNOWN_PRIMITIVE  the DH, cipher or hash section is
 *                                        unknown.
 * @retval PN_ERR_UNSUPPORTED             known, but @p backend cannot supply
 *                                        it here (X448 or BLAKE2s without
 *                                        libcrypto, AESGCM without hardware
 *                                        AES and without libcrypto).
 */
PN_API int pn_protocol_parse(pn_protocol *p, const char *name, size_t len,
                             pn_backend backend) PN_WUR;

/**
 * Sets @p cx up for @p p's cipher: on libcrypto, allocates its two EVP
 * contexts. Every state that runs on @p cx must use a protocol with the
 * same cipher implementation.
 *
 * @retval PN_ERR_NOMEM   libcrypto could not allocate its contexts.
 * @retval PN_ERR_CRYPTO  libcrypto failed.
 */
PN_API int pn_crypto_ctx_init(pn_crypto_ctx *cx, const pn_protocol *p) PN_WUR;
/** Frees what init allocated, clearing every key it holds; safe twice and
 * on a zeroed context. Wipe the states that run on @p cx first. */
PN_API void pn_crypto_ctx_wipe(pn_crypto_ctx *cx);

/**
 * Heap allocations @p p's primitives make inside a handshake: per key
 * generation (each e token, pn_keypair_generate), per DH (ee, es, se, ss)
 * and per hash call (a MixHash is one; a MixKey six; a MixKeyAndHash nine;
 * Split six). 0 for all three on AUTO and PN_BACKEND_SODIUM in a default
 * build; nonzero only on PN_BACKEND_OPENSSL (libcrypto 3.0: 16, 27 and 2)
 * and in builds without libdecaf (X448) or libgcrypt (BLAKE2s). Each output
 * may be NULL. Returns 1 if any is nonzero.
 */
PN_API int pn_protocol_allocs(const pn_protocol *p, size_t *per_keygen,
                              size_t *per_dh, size_t *per_hash);

/** The PN_NEED_* bits (see pn_handshake_needs()) of @p p's pattern for
 * @p role. */
PN_API int pn_protocol_needs(const pn_protocol *p, pn_role role);

/** The length of the parsed protocol's DH keys (DHLEN): 32 or 56. */
PN_API size_t pn_protocol_dhlen(const pn_protocol *p);
/** The length of the parsed protocol's hash output (HASHLEN): 32 or 64. */
PN_API size_t pn_protocol_hashlen(const pn_protocol *p);
/** A primitive of a protocol, for pn_protocol_impl(). */
typedef enum pn_primitive {
  PN_PRIMITIVE_DH = 0,     /**< The Diffie-Hellman function. */
  PN_PRIMITIVE_CIPHER = 1, /**< The AEAD cipher. */
  PN_PRIMITIVE_HASH = 2    /**< The hash function. */
} pn_primitive;
/**
 * The name of the library behind the protocol's DH, cipher or hash, for
 * reports and benchmarks.
 *
 * @param p      a parsed protocol.
 * @param which  the primitive.
 * @return "libsodium" or "libcrypto", for example; "none" for an unparsed
 *         protocol or an unknown primitive.
 */
PN_API const char *pn_protocol_impl(const pn_protocol *p, pn_primitive which);

/* ---- Key pairs ---------------------------------------------------------- */

/** A DH key pair. Wipe it with pn_keypair_wipe() when done. */
typedef struct pn_keypair {
  uint8_t priv[PN_NOISE_MAX_DHLEN]; /**< Private key: the first DHLEN bytes. */
  uint8_t pub[PN_NOISE_MAX_DHLEN];  /**< Public key: the first DHLEN bytes. */
  uint8_t dh;                       /**< Its DH, a ::pn_dh_id. */
} pn_keypair;

/**
 * Derives the public key from a private key.
 *
 * @param kp    receives the key pair.
 * @param p     the protocol whose DH the key is for.
 * @param priv  the private key.
 * @param len   its length: DHLEN bytes for @p p's DH.
 */
PN_API int pn_keypair_from_private(pn_keypair *kp, const pn_protocol *p,
                                   const uint8_t *priv, size_t len) PN_WUR;
/**
 * Generates a key pair for @p p's DH.
 *
 * @param kp   receives the key pair.
 * @param p    the protocol.
 * @param rng  the random source; NULL means libsodium.
 * @retval PN_ERR_CRYPTO  the RNG failed.
 */
PN_API int pn_keypair_generate(pn_keypair *kp, const pn_protocol *p,
                               const pn_rng *rng) PN_WUR;
/** Wipes @p kp. */
PN_API void pn_keypair_wipe(pn_keypair *kp);

/* ---- CipherState (spec 5.1) -------------------------------------------- */

/** A CipherState (spec section 5.1). */
typedef struct pn_cipherstate {
  /** @cond PN_PRIVATE */
  uint8_t k[PN_NOISE_KEYLEN];
  uint64_t n;
  const struct pn_cipher_ops *ops;
  pn_crypto_ctx *cx; /* borrowed */
  uint8_t has_key;
  /** @endcond */
} pn_cipherstate;

/**
 * InitializeKey(empty) with @p p's cipher, running on @p cx (borrowed: it
 * must outlive @p cs; set up for @p p).
 *
 * @retval PN_ERR_INVALID_ARGUMENT  @p cx was set up for another cipher
 *                                  implementation.
 */
PN_API int pn_cipherstate_init(pn_cipherstate *cs, const pn_protocol *p,
                               pn_crypto_ctx *cx) PN_WUR;
/** InitializeKey(key): a 32-byte key; n = 0. */
PN_API void pn_cipherstate_set_key(pn_cipherstate *cs, const uint8_t key[32]);
/** HasKey(): 1 if a key is set, else 0. */
PN_API int pn_cipherstate_has_key(const pn_cipherstate *cs);
/** SetNonce(n). */
PN_API void pn_cipherstate_set_nonce(pn_cipherstate *cs, uint64_t n);
/** The nonce n the next encryption or decryption uses. */
PN_API uint64_t pn_cipherstate_nonce(const pn_cipherstate *cs);

/**
 * EncryptWithAd: writes @p inlen + 16 bytes to @p out (@p inlen if no key
 * is set: the plaintext is copied). @p out may equal @p in (in place); other
 * overlaps are not allowed. On success *@p outlen is set and n advances.
 *
 * @param cs      the CipherState.
 * @param ad      associated data (may be NULL when @p adlen is 0).
 * @param adlen   its length.
 * @param in      the plaintext.
 * @param inlen   its length.
 * @param out     receives the ciphertext.
 * @param outcap  the size of @p out.
 * @param outlen  receives the ciphertext's length.
 * @retval PN_OK                   encrypted.
 * @retval PN_ERR_NOBUF            @p outcap is too small.
 * @retval PN_ERR_MSG_SIZE         the result would exceed 65535 bytes.
 * @retval PN_ERR_NONCE_EXHAUSTED  n is 2^64-1 (reserved); nothing written.
 */
PN_API int pn_cipherstate_encrypt(pn_cipherstate *cs, const uint8_t *ad,
                                  size_t adlen, const uint8_t *in, size_t inlen,
                                  uint8_t *out, size_t outcap,
                                  size_t *outlen) PN_WUR;
/**
 * DecryptWithAd: writes @p inlen - 16 bytes. A failure never advances n.
 *
 * @param cs      the CipherState.
 * @param ad      associated data (may be NULL when @p adlen is 0).
 * @param adlen   its length.
 * @param in      the ciphertext.
 * @param inlen   its length.
 * @param out     receives the plaintext.
 * @param outcap  the size of @p out.
 * @param outlen  receives the plaintext's length.
 * @retval PN_OK           decrypted.
 * @retval PN_ERR_DECRYPT  authentication failed (or @p inlen < 16).
 * @retval PN_ERR_NOBUF, PN_ERR_MSG_SIZE, PN_ERR_NONCE_EXHAUSTED  as
 *         pn_cipherstate_encrypt() gives them.
 */
PN_API int pn_cipherstate_decrypt(pn_cipherstate *cs, const uint8_t *ad,
                                  size_t adlen, const uint8_t *in, size_t inlen,
                                  uint8_t *out, size_t outcap,
                                  size_t *outlen) PN_WUR;
/**
 * Rekey(): k = the first 32 bytes of ENCRYPT(k, 2^64-1, "", 32 zero bytes).
 * n is unchanged.
 *
 * @retval PN_ERR_INVALID_STATE  no key is set.
 */
PN_API int pn_cipherstate_rekey(pn_cipherstate *cs) PN_WUR;
/** Wipes @p cs: the key and the nonce. */
PN_API void pn_cipherstate_wipe(pn_cipherstate *cs);

/* ---- SymmetricState (spec 5.2) ----------------------------------------- */

/** A SymmetricState (spec section 5.2). */
typedef struct pn_symmetricstate {
  /** @cond PN_PRIVATE */
  pn_cipherstate cs;
  uint8_t ck[PN_NOISE_MAX_HASHLEN];
  uint8_t h[PN_NOISE_MAX_HASHLEN];
  const struct pn_hash_ops *hash;
  /** @endcond */
} pn_symmetricstate;

/**
 * InitializeSymmetric(protocol_name) with @p p's name and primitives, on
 * @p cx (as pn_cipherstate_init()).
 *
 * @retval PN_ERR_NOMEM, PN_ERR_CRYPTO  the hash failed (only
 *         PN_BACKEND_OPENSSL's digests can).
 */
PN_API int pn_symmetric_init(pn_symmetricstate *ss, const pn_protocol *p,
                             pn_crypto_ctx *cx) PN_WUR;
/** MixKey: @p ikm is any length (a DH output, or e.pub in PSK mode). Fails
 * only as the hash does; the state is then unusable (wipe it). */
PN_API int pn_symmetric_mix_key(pn_symmetricstate *ss, const uint8_t *ikm,
                                size_t len) PN_WUR;
/** MixHash(data); fails only as the hash does. */
PN_API int pn_symmetric_mix_hash(pn_symmetricstate *ss, const uint8_t *data,
                                 size_t len) PN_WUR;
/** MixKeyAndHash(ikm); fails only as the hash does. */
PN_API int pn_symmetric_mix_key_and_hash(pn_symmetricstate *ss,
                                         const uint8_t *ikm, size_t len) PN_WUR;
/**
 * EncryptAndHash: the errors of pn_cipherstate_encrypt().
 *
 * @param ss      the SymmetricState.
 * @param in      the plaintext.
 * @param inlen   its length.
 * @param out     receives the ciphertext.
 * @param outcap  the size of @p out.
 * @param outlen  receives the ciphertext's length.
 */
PN_API int pn_symmetric_encrypt_and_hash(pn_symmetricstate *ss,
                                         const uint8_t *in, size_t inlen,
                                         uint8_t *out, size_t outcap,
                                         size_t *outlen) PN_WUR;
/**
 * DecryptAndHash: the errors of pn_cipherstate_decrypt(). On a failed
 * decrypt h is unchanged.
 *
 * @param ss      the SymmetricState.
 * @param in      the ciphertext.
 * @param inlen   its length.
 * @param out     receives the plaintext.
 * @param outcap  the size of @p out.
 * @param outlen  receives the plaintext's length.
 */
PN_API int pn_symmetric_decrypt_and_hash(pn_symmetricstate *ss,
                                         const uint8_t *in, size_t inlen,
                                         uint8_t *out, size_t outcap,
                                         size_t *outlen) PN_WUR;
/** Split(): @p c1 for initiator-to-responder, @p c2 for the reverse, both
 * on the state's context. The hash's errors; @p c1 and @p c2 are then
 * wiped. */
PN_API int pn_symmetric_split(const pn_symmetricstate *ss, pn_cipherstate *c1,
                              pn_cipherstate *c2) PN_WUR;
/** GetHandshakeHash(): copies HASHLEN bytes to @p out; returns HASHLEN. */
PN_API size_t pn_symmetric_handshake_hash(const pn_symmetricstate *ss,
                                          uint8_t out[PN_NOISE_MAX_HASHLEN]);
/** Wipes @p ss: its CipherState, ck and h. */
PN_API void pn_symmetric_wipe(pn_symmetricstate *ss);

/* ---- HandshakeState (spec 5.3) ------------------------------------------ */

/** What pn_handshake_action() says is next. */
typedef enum pn_hs_action {
  /** Initialised, keys may be set; call pn_handshake_start(). */
  PN_HS_SETUP = 0,
  PN_HS_WRITE, /**< Call pn_handshake_write(). */
  PN_HS_READ,  /**< Call pn_handshake_read(). */
  PN_HS_SPLIT, /**< All messages done: call pn_handshake_split(). */
  PN_HS_DONE,  /**< Split done; only the hash and remote key remain. */
  PN_HS_FAILED /**< Terminal: every secret wiped. */
} pn_hs_action;

/** What a pattern needs before pn_handshake_start() (pn_handshake_needs()).
 */
enum {
  /** The local static key: pn_handshake_set_static(). */
  PN_NEED_LOCAL_STATIC = 1,
  /** The remote static key of a pre-message:
   * pn_handshake_set_remote_static(). */
  PN_NEED_REMOTE_STATIC = 2,
  /** PSKs: pn_handshake_set_psks(). */
  PN_NEED_PSK = 4,
  /** The remote ephemeral key: fallback, as its initiator
   * (pn_handshake_set_remote_ephemeral()). */
  PN_NEED_REMOTE_EPHEMERAL = 8
};

/** A HandshakeState (spec section 5.3). */
typedef struct pn_handshake {
  /** @cond PN_PRIVATE */
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
  /** @endcond */
} pn_handshake;

/**
 * Initialize() up to the keys: the protocol, the crypto context and the
 * role. The action becomes PN_HS_SETUP.
 *
 * @param hs    the HandshakeState.
 * @param p     the protocol, borrowed: it must outlive @p hs.
 * @param cx    the crypto context, borrowed: it must outlive @p hs, set up
 *              for @p p (as pn_cipherstate_init()).
 * @param role  PN_INITIATOR or PN_RESPONDER.
 * @param rng   the random source; NULL means libsodium.
 */
PN_API int pn_handshake_init(pn_handshake *hs, const pn_protocol *p,
                             pn_crypto_ctx *cx, pn_role role,
                             const pn_rng *rng) PN_WUR;
/** The PN_NEED_* bits of @p hs's pattern and role. */
PN_API int pn_handshake_needs(const pn_handshake *hs);
/**
 * Sets the local static key pair, borrowed: it must outlive @p hs (an
 * engine keeps one and never re-derives the public key).
 *
 * @retval PN_ERR_INVALID_ARGUMENT  its DH differs from the protocol's.
 * @retval PN_ERR_INVALID_STATE     after pn_handshake_start().
 */
PN_API int pn_handshake_set_static(pn_handshake *hs,
                                   const pn_keypair *s) PN_WUR;
/**
 * Sets the remote static public key known in advance (pre-message), DHLEN
 * bytes.
 *
 * @retval PN_ERR_INVALID_ARGUMENT  the pattern has no such pre-message.
 */
PN_API int pn_handshake_set_remote_static(pn_handshake *hs, const uint8_t *pub,
                                          size_t len) PN_WUR;
/** Sets the remote ephemeral public key of a fallback pre-message. */
PN_API int pn_handshake_set_remote_ephemeral(pn_handshake *hs,
                                             const uint8_t *pub,
                                             size_t len) PN_WUR;
/**
 * Sets the PSKs, consumed in order by the pattern's psk tokens; borrowed.
 *
 * @param hs    the HandshakeState.
 * @param psks  the PSKs, each exactly 32 bytes.
 * @param n     their number: at least the number of psk tokens.
 */
PN_API int pn_handshake_set_psks(pn_handshake *hs,
                                 const uint8_t (*psks)[PN_NOISE_PSKLEN],
                                 size_t n) PN_WUR;
/**
 * Sets one PSK, borrowed.
 *
 * @param hs     the HandshakeState.
 * @param index  its number (0-based, in the order the psk tokens use them).
 * @param psk    the PSK.
 * @param len    its length.
 * @retval PN_ERR_INVALID_ARGUMENT  @p len is not exactly 32, or @p index is
 *                                  not below PN_NOISE_MAX_PSKS.
 */
PN_API int pn_handshake_set_psk(pn_handshake *hs, size_t index,
                                const uint8_t *psk, size_t len) PN_WUR;
/**
 * Test hook: pins the ephemeral key pair (copied) instead of generating one.
 * Only for test vectors and the fallback's pre-message; never in
 * production: a reused ephemeral key breaks the handshake's security.
 */
PN_API int pn_handshake_pin_ephemeral(pn_handshake *hs,
                                      const pn_keypair *e) PN_WUR;

/**
 * Mixes the prologue and the pre-messages; the first message is next.
 *
 * @param hs            the HandshakeState.
 * @param prologue      the prologue (may be NULL when empty).
 * @param prologue_len  its length.
 * @retval PN_ERR_MISSING_KEY    a key in pn_handshake_needs() was not given.
 * @retval PN_ERR_NOMEM, PN_ERR_CRYPTO  the hash failed (PN_BACKEND_OPENSSL):
 *         the state is FAILED.
 * @retval PN_ERR_MISSING_PSK    fewer PSKs than psk tokens.
 * @retval PN_ERR_INVALID_STATE  not in PN_HS_SETUP.
 */
PN_API int pn_handshake_start(pn_handshake *hs, const uint8_t *prologue,
                              size_t prologue_len) PN_WUR;

/** The next step, a ::pn_hs_action. */
PN_API int pn_handshake_action(const pn_handshake *hs);

/**
 * The bytes the next message adds around its payload (keys and tags), so a
 * caller can size buffers: a message is overhead + payload bytes.
 *
 * @return the overhead; 0 when no message is due.
 */
PN_API size_t pn_handshake_overhead(const pn_handshake *hs);

/**
 * WriteMessage(payload). The message length is checked before any crypto.
 * Errors other than those listed (PN_ERR_DH, PN_ERR_CRYPTO,
 * PN_ERR_NONCE_EXHAUSTED) move the state to FAILED, which wipes it.
 *
 * @param hs           the HandshakeState.
 * @param payload      the payload (may be NULL when empty).
 * @param payload_len  its length.
 * @param out          receives the message.
 * @param outcap       the size of @p out.
 * @param outlen       receives the message's length.
 * @retval PN_ERR_WRONG_TURN        a read is due.
 * @retval PN_ERR_INVALID_STATE     not started (SETUP), or every message is
 *                                  done (SPLIT).
 * @retval PN_ERR_NOBUF             @p outcap is smaller than the message;
 *                                  the state is unchanged and the call may
 *                                  be repeated.
 * @retval PN_ERR_MSG_SIZE          the message would exceed 65535 bytes;
 *                                  unchanged.
 * @retval PN_ERR_HANDSHAKE_FAILED  the state is FAILED (or done).
 */
PN_API int pn_handshake_write(pn_handshake *hs, const uint8_t *payload,
                              size_t payload_len, uint8_t *out, size_t outcap,
                              size_t *outlen) PN_WUR;
/**
 * ReadMessage(message). @p msg and @p payload must not overlap.
 *
 * @param hs           the HandshakeState.
 * @param msg          the message.
 * @param msg_len      its length.
 * @param payload      receives the payload.
 * @param payload_cap  the size of @p payload.
 * @param payload_len  receives the payload's length.
 * @retval PN_ERR_WRONG_TURN        a write is due (state unchanged).
 * @retval PN_ERR_INVALID_STATE     not started (SETUP), or every message is
 *                                  done (SPLIT).
 * @retval PN_ERR_HANDSHAKE_FAILED  the state is FAILED (or done).
 * @retval PN_ERR_NOBUF             @p payload_cap too small (state
 *                                  unchanged).
 * @retval PN_ERR_MSG_SIZE          @p msg_len is shorter than the pattern's
 *                                  keys and tags, or over 65535: FAILED.
 * @retval PN_ERR_DECRYPT           a static key or the payload failed to
 *                                  authenticate: FAILED.
 * @retval PN_ERR_DH                a DH gave all zeros (low-order key):
 *                                  FAILED.
 */
PN_API int pn_handshake_read(pn_handshake *hs, const uint8_t *msg,
                             size_t msg_len, uint8_t *payload,
                             size_t payload_cap, size_t *payload_len) PN_WUR;

/**
 * Split(): @p send and @p recv for this party (the initiator sends with
 * c1), on the handshake's context. Wipes the handshake's secrets; the hash
 * and remote static key remain. The hash's errors move the state to
 * FAILED.
 *
 * @retval PN_ERR_INVALID_STATE  the action is not PN_HS_SPLIT.
 */
PN_API int pn_handshake_split(pn_handshake *hs, pn_cipherstate *send,
                              pn_cipherstate *recv) PN_WUR;

/**
 * The handshake hash h (channel binding), copied to @p out.
 *
 * @return HASHLEN; 0 before pn_handshake_start().
 */
PN_API size_t pn_handshake_hash(const pn_handshake *hs,
                                uint8_t out[PN_NOISE_MAX_HASHLEN]);
/** The remote static public key once known (given or received), else NULL.
 */
PN_API const uint8_t *pn_handshake_remote_static(const pn_handshake *hs);
/** The local ephemeral public key once generated, else NULL. */
PN_API const uint8_t *pn_handshake_local_ephemeral(const pn_handshake *hs);

/**
 * Noise Pipes: turns @p hs, an IK-style handshake that must fall back, into
 * a fresh handshake of @p fb, the fallback protocol (e.g. XXfallback), left
 * in PN_HS_SETUP: call pn_handshake_start() with the prologue next (after
 * pinning an ephemeral key, in tests). Roles swap: an old initiator becomes
 * the responder and keeps its ephemeral key as the pre-message; an old
 * responder (even FAILED after the IK message failed to decrypt) becomes
 * the initiator with the received ephemeral key. The local static key, the
 * PSKs and the RNG carry over.
 *
 * @retval PN_ERR_INVALID_ARGUMENT  @p fb has no fallback modifier, a
 *                                  different DH or a cipher the context
 *                                  was not set up for.
 * @retval PN_ERR_INVALID_STATE     @p hs has no ephemeral key to carry over.
 */
PN_API int pn_handshake_fallback(pn_handshake *hs,
                                 const pn_protocol *fb) PN_WUR;

/** Wipes every secret and resets @p hs; safe on any state, twice. */
PN_API void pn_handshake_wipe(pn_handshake *hs);

#ifdef __cplusplus
}
#endif
#endif
