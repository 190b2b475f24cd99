/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Wire framing (PROTOCOL.md): every Noise message travels as
 * u16 big-endian length || message; in the framed profile a transport
 * payload starts with a one-byte type.
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
  PN_FT_CLOSE_LEN = 3,
  PN_FT_REKEY_LEN = 2,
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

/* The transport messages an application message of |len| bytes takes in
 * the framed profile (at least 1). */
uint64_t pn_frame_chunks(uint64_t len);
/* Its wire bytes: lengths, headers, tags. */
uint64_t pn_frame_wire_size(uint64_t len);
/* The data bytes carried by chunk |i| of a |len|-byte message. */
size_t pn_frame_chunk_data(uint64_t len, uint64_t i);

/* The largest handshake message |p| can produce with empty payloads (the
 * bound on handshake frames). */
size_t pn_frame_handshake_max(const pn_protocol *p);

#endif
