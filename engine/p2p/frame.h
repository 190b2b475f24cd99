/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The wire codec (PROTOCOL.md): every Noise message travels as
 * u16 big-endian length || message; in the framed profile a transport
 * payload starts with a one-byte type. Every transport frame type is encoded
 * and decoded here, and the chunk arithmetic of long messages, so a change
 * to the framing touches this module only.
 */
#ifndef PN_FRAME_H
#define PN_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <p2pnoise/noise.h>

enum {
  PN_FRAME_LEN = 2, /* the length prefix */
  /* Transport payload types (framed profile). */
  PN_FT_DATA_FIRST = 0x01, /* type, total:u32, bytes */
  PN_FT_DATA_MORE = 0x02,  /* type, bytes */
  PN_FT_KEEPALIVE = 0x03,  /* type */
  PN_FT_CLOSE = 0x04,      /* type, reason:u16 */
  PN_FT_REKEY = 0x05,      /* type, flags:u8 */
  PN_FT_FIRST_HDR = 5,
  PN_FT_MORE_HDR = 1,
  PN_FT_KEEPALIVE_LEN = 1,
  PN_FT_CLOSE_LEN = 3,
  PN_FT_REKEY_LEN = 2,
  PN_FT_MAX_CONTROL = 3,   /* the longest control payload */
  PN_REKEY_FLAG_REPLY = 1, /* "rekey your sending key too" */
  /* Largest plaintext of one transport message. */
  PN_FRAME_MAX_PLAIN = PN_NOISE_MAX_MSG - PN_NOISE_TAGLEN,
  /* Largest frame on the wire. */
  PN_FRAME_MAX_WIRE = PN_FRAME_LEN + PN_NOISE_MAX_MSG
};

static inline void pn_put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static inline uint32_t pn_get16(const uint8_t *p) {
  return (uint32_t)p[0] << 8 | p[1];
}
static inline void pn_put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}
static inline uint32_t pn_get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

/* ---- Encoding: each writes a payload's header at |p|, returns its length */

/* The first chunk of a |total|-byte message (its bytes follow). */
size_t pn_frame_put_first(uint8_t *p, uint32_t total);
/* A later chunk (its bytes follow). */
size_t pn_frame_put_more(uint8_t *p);
/* The whole payload of a control frame. */
size_t pn_frame_put_keepalive(uint8_t *p);
size_t pn_frame_put_close(uint8_t *p, uint16_t reason);
size_t pn_frame_put_rekey(uint8_t *p, uint8_t flags);

/* ---- Decoding ------------------------------------------------------------ */

/* A decoded transport payload; |data| points into the payload. */
typedef struct pn_tframe {
  uint8_t type;    /* PN_FT_* */
  uint8_t flags;   /* REKEY */
  uint16_t reason; /* CLOSE */
  uint32_t total;  /* DATA_FIRST: the message's length */
  uint8_t *data;   /* DATA_*: the chunk's bytes */
  size_t len;
} pn_tframe;

/* Decodes the payload |p|[0..|n|): 0, or -1 when it is malformed (empty, an
 * unknown type, a length its type does not allow, a first chunk longer than
 * its message, or one short of a full payload that does not end its
 * message). A later chunk's fit is the receiver's to check
 * (pn_frame_more_fits). */
int pn_frame_decode(uint8_t *p, size_t n, pn_tframe *f);
/* 1 if a later chunk of |len| bytes fits a message with |left| bytes to go:
 * no longer than that, and full-size unless it is the last. */
int pn_frame_more_fits(size_t len, uint64_t left);

/* ---- Chunk arithmetic ---------------------------------------------------- */

/* The transport messages an application message of |len| bytes takes in
 * the framed profile (at least 1). */
uint64_t pn_frame_chunks(uint64_t len);
/* Its wire bytes: lengths, headers, tags. */
uint64_t pn_frame_wire_size(uint64_t len);
/* The data bytes carried by chunk |i| of a |len|-byte message. */
size_t pn_frame_chunk_data(uint64_t len, uint64_t i);
/* The wire bytes of a control payload of |len| bytes. */
static inline size_t pn_frame_control_wire(size_t len) {
  return PN_FRAME_LEN + len + PN_NOISE_TAGLEN;
}

/* The largest handshake message |p| can produce with empty payloads (the
 * bound on handshake frames). */
size_t pn_frame_handshake_max(const pn_protocol *p);

#endif
