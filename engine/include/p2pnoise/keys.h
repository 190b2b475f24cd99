/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/**
 * @file keys.h
 * @brief Keys and identities for an engine's user: key pairs for a protocol,
 * peer ids in hex, key files.
 *
 * Everything an application needs to give an engine its static key and to
 * name peers, without reaching into the Noise layer or copying hex code:
 *
 * - key pairs generated or derived for a protocol name or an engine config;
 * - peer ids (a peer's static public key) to and from hex, with validation;
 * - a hex codec for any bytes;
 * - key files in the format the `p2pnoise` command uses.
 *
 * **Hex.** Output is lowercase. Input accepts the digits 0-9, a-f and A-F
 * (mixed case too) and nothing else: no prefix, no separators, no
 * whitespace, and an even number of digits.
 *
 * **Key files** hold the raw private key as one line of hex (64 digits for
 * 25519, 112 for 448). Blank lines and lines starting with `#` are ignored,
 * before or after the key; trailing whitespace (`\r` included) is ignored.
 * A file is at most PN_KEYFILE_MAX bytes of text.
 *
 * **Not sans-IO.** pn_keyfile_load() and pn_keyfile_save() are the only
 * functions of the library that touch the file system (open, read, write).
 * They live in an object file of their own (`engine/keys/keyfile.c`) that
 * no engine object references, so the engine stays free of I/O; the
 * symbol test that proves the engine sans-IO names that object as its one
 * exception. Every other function here is pure computation (key generation
 * draws on the given RNG, or libsodium's).
 *
 * Errors: PN_OK or a negative pn_error (common.h); every function fails with
 * PN_ERR_INVALID_ARGUMENT on a NULL pointer that is not documented as
 * optional.
 */
#ifndef P2PNOISE_KEYS_H
#define P2PNOISE_KEYS_H

#include <p2pnoise/engine.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Characters of the longest peer id in hex, with the terminating NUL. */
#define PN_PEER_ID_HEX_MAX (2 * PN_PEER_ID_MAX + 1)

/** The largest key file pn_keyfile_load() reads, in bytes. */
#define PN_KEYFILE_MAX 4096

/* ---- Hex ----------------------------------------------------------------- */

/**
 * Writes @p len bytes from @p in as lowercase hex and a NUL into @p out.
 *
 * @param out    2 * @p len + 1 characters.
 * @param outcap the size of @p out.
 * @param in     the bytes (may be NULL when @p len is 0).
 * @param len    their number.
 * @retval PN_OK         @p out holds the hex string.
 * @retval PN_ERR_NOBUF  @p outcap is smaller than 2 * @p len + 1; nothing
 *                       written.
 */
PN_API int pn_hex_encode(char *out, size_t outcap, const uint8_t *in,
                         size_t len) PN_WUR;

/**
 * Decodes @p hexlen characters of hex (see the file's description for what
 * is accepted). @p hex need not be NUL-terminated; a NUL within @p hexlen is
 * not a hex digit.
 *
 * @param out     receives @p hexlen / 2 bytes.
 * @param outcap  the size of @p out.
 * @param outlen  receives @p hexlen / 2 on success.
 * @param hex     the characters.
 * @param hexlen  their number.
 * @retval PN_OK          decoded.
 * @retval PN_ERR_BAD_HEX an odd number of digits or a character that is not
 *                        a hex digit; @p out may be partly written.
 * @retval PN_ERR_NOBUF   @p outcap is smaller than @p hexlen / 2; nothing
 *                        written.
 */
PN_API int pn_hex_decode(uint8_t *out, size_t outcap, size_t *outlen,
                         const char *hex, size_t hexlen) PN_WUR;

/* ---- Peer ids ------------------------------------------------------------ */

/**
 * Writes @p id's key as lowercase hex (2 * id->len digits) and a NUL.
 *
 * The anonymous flag is not part of the hex form: an anonymous id (a session
 * named by its handshake hash) is written as its bytes, and decodes to an id
 * with the same bytes, which pn_peer_id_equal() and the engine treat as the
 * same peer.
 *
 * @param id     a peer id of 1 to PN_PEER_ID_MAX bytes.
 * @param out    at least 2 * id->len + 1 characters; PN_PEER_ID_HEX_MAX
 *               always suffices.
 * @param outcap the size of @p out.
 * @retval PN_OK                   written.
 * @retval PN_ERR_INVALID_ARGUMENT id->len is 0 or over PN_PEER_ID_MAX.
 * @retval PN_ERR_NOBUF            @p outcap is too small; nothing written.
 */
PN_API int pn_peer_id_to_hex(const pn_peer_id *id, char *out,
                             size_t outcap) PN_WUR;

/**
 * Reads a peer id, a static public key, from hex: 64 digits (25519) or 112
 * (448). The result is never anonymous. On failure @p id is zeroed.
 *
 * @param id   receives the id.
 * @param hex  the digits; need not be NUL-terminated.
 * @param len  their number (strlen() of a string).
 * @retval PN_OK              decoded.
 * @retval PN_ERR_BAD_HEX     not hex (odd length, a character outside
 *                            0-9a-fA-F).
 * @retval PN_ERR_KEY_LENGTH  hex, but not 64 or 112 digits.
 */
PN_API int pn_peer_id_from_hex(pn_peer_id *id, const char *hex,
                               size_t len) PN_WUR;

/* ---- Key pairs ----------------------------------------------------------- */

/**
 * The length of @p kp's keys: the DHLEN of its DH (32 for 25519, 56 for
 * 448), 0 if @p kp is NULL or holds no key pair.
 */
PN_API size_t pn_keypair_len(const pn_keypair *kp);

/**
 * The peer id other nodes see for @p kp: its public key.
 *
 * @retval PN_OK                   @p id set (never anonymous).
 * @retval PN_ERR_INVALID_ARGUMENT @p kp holds no key pair; @p id zeroed.
 */
PN_API int pn_keypair_peer_id(const pn_keypair *kp, pn_peer_id *id) PN_WUR;

/**
 * Generates a static key pair for the DH of @p protocol.
 *
 * @param kp        receives the key pair (wipe it with pn_keypair_wipe()).
 * @param protocol  a Noise protocol name, NUL-terminated; NULL means the
 *                  engine's default, "Noise_XX_25519_ChaChaPoly_BLAKE2b".
 * @param rng       the random source; NULL means libsodium's.
 * @retval PN_OK    generated.
 * @retval PN_ERR_NAME_MALFORMED, PN_ERR_NAME_UNKNOWN_PATTERN,
 *         PN_ERR_NAME_BAD_MODIFIER, PN_ERR_NAME_UNKNOWN_PRIMITIVE,
 *         PN_ERR_UNSUPPORTED  as pn_protocol_parse() reports them.
 * @retval PN_ERR_CRYPTO  the RNG or the crypto library failed.
 */
PN_API int pn_keypair_generate_for(pn_keypair *kp, const char *protocol,
                                   const pn_rng *rng) PN_WUR;

/**
 * Generates the static key pair an engine with @p cfg needs: for
 * cfg->protocol (NULL: the default) from cfg->rng (fill NULL: libsodium).
 * Put kp->priv and pn_keypair_len() into cfg->static_private and
 * cfg->static_private_len next.
 *
 * @return the results of pn_keypair_generate_for().
 */
PN_API int pn_keypair_generate_for_config(pn_keypair *kp,
                                          const pn_engine_config *cfg) PN_WUR;

/**
 * Completes a key pair from a private key: derives the public key.
 *
 * @param kp        receives the key pair.
 * @param protocol  a protocol name whose DH the key is for, NUL-terminated;
 *                  NULL chooses the DH by the key's length (32 bytes:
 *                  25519, 56: 448), as the `p2pnoise` command does for key
 *                  files.
 * @param priv      the private key.
 * @param len       its length.
 * @retval PN_OK              done.
 * @retval PN_ERR_KEY_LENGTH  @p len is not the DH's length (with NULL
 *                            @p protocol: neither 32 nor 56).
 * @retval PN_ERR_NAME_MALFORMED, PN_ERR_NAME_UNKNOWN_PATTERN,
 *         PN_ERR_NAME_BAD_MODIFIER, PN_ERR_NAME_UNKNOWN_PRIMITIVE,
 *         PN_ERR_UNSUPPORTED  as pn_protocol_parse() reports them (448
 *         without libcrypto, too).
 * @retval PN_ERR_CRYPTO      the crypto library failed.
 */
PN_API int pn_keypair_from_private_for(pn_keypair *kp, const char *protocol,
                                       const uint8_t *priv, size_t len) PN_WUR;

/* ---- Key files (file access: not sans-IO) -------------------------------- */

/**
 * Reads a private key from the key file at @p path (format above).
 *
 * At most PN_KEYFILE_MAX + 1 bytes are read, so a device such as /dev/zero
 * or a huge file is refused at once rather than read to its end. The
 * buffers that held the key are wiped before returning.
 *
 * @param path  the file.
 * @param priv  receives the key: room for PN_NOISE_MAX_DHLEN bytes.
 * @param len   receives its length, 32 or 56.
 * @retval PN_OK              read.
 * @retval PN_ERR_IO          the file cannot be opened or read (missing,
 *                            a directory, no permission); errno says why.
 * @retval PN_ERR_KEYFILE     not a key file: empty, no key line, more than
 *                            one, NUL bytes, or larger than PN_KEYFILE_MAX.
 * @retval PN_ERR_BAD_HEX     the key line is not hex.
 * @retval PN_ERR_KEY_LENGTH  the key line is hex but not 64 or 112 digits.
 */
PN_API int pn_keyfile_load(const char *path, uint8_t priv[PN_NOISE_MAX_DHLEN],
                           size_t *len) PN_WUR;

/**
 * Writes a private key to a new key file at @p path: one line of lowercase
 * hex. The file is created with mode 0600 (before any byte is written, and
 * set again so the umask cannot leave it otherwise), never overwrites an
 * existing file or follows a symbolic link there, and is flushed to disk
 * (fsync) before the call returns. On failure no partial file is left.
 *
 * @param path  the file to create.
 * @param priv  the private key.
 * @param len   its length: 32 or 56.
 * @retval PN_OK              written.
 * @retval PN_ERR_KEY_LENGTH  @p len is neither 32 nor 56; nothing created.
 * @retval PN_ERR_IO          the file cannot be created or written: it
 *                            exists (errno EEXIST), its folder is missing or
 *                            not writable, the disk is full; errno says why.
 */
PN_API int pn_keyfile_save(const char *path, const uint8_t *priv,
                           size_t len) PN_WUR;

#ifdef __cplusplus
}
#endif
#endif
