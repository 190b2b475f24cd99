/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * A small strict JSON reader (RFC 8259) for the test-vector runners. One
 * document lives in an arena of large blocks, so a 10 MB vector file costs a
 * handful of mallocs and pn_json_free is one walk over the blocks. Recursion
 * is bounded, and every read is checked against the end of the input, so
 * malformed input gives an error message, never a crash.
 */
#include "json.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

enum {
  PN_JSON_MAX_DEPTH = 256, /* deeper input is refused, not recursed into */
  PN_JSON_BLOCK = 1 << 16  /* arena block size, unless one item needs more */
};

typedef struct pn_json_block {
  struct pn_json_block *next;
  size_t used, cap;
  alignas(max_align_t) unsigned char data[];
} pn_json_block;

struct pn_json {
  pn_json_type type;
  int b;
  double num;
  size_t n;              /* string bytes, or array/object members */
  char *s;               /* string contents, NUL-terminated */
  pn_json **items;       /* array elements or object values */
  const char *key;       /* this value's key when it is an object member */
  pn_json_block *blocks; /* the root owns the arena; NULL elsewhere */
};

typedef struct {
  const char *start, *p, *end;
  pn_json_block *blocks;
  pn_json **stack; /* members of the arrays/objects being read */
  size_t top, cap;
  char *err;
  size_t errcap;
  int failed;
} pn_json_parser;

static void pn_json_fail(pn_json_parser *ps, const char *fmt, ...) {
  if (ps->failed) return;
  ps->failed = 1;
  if (!ps->err || !ps->errcap) return;
  /* Report a line and column: vector files are edited by hand. */
  size_t line = 1, col = 1;
  for (const char *q = ps->start; q < ps->p && q < ps->end; q++) {
    if (*q == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  int k = snprintf(ps->err, ps->errcap, "line %zu col %zu: ", line, col);
  if (k < 0 || (size_t)k >= ps->errcap) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ps->err + k, ps->errcap - (size_t)k, fmt, ap);
  va_end(ap);
}

static void *pn_json_alloc(pn_json_parser *ps, size_t size) {
  const size_t align = alignof(max_align_t);
  size = (size + align - 1) & ~(align - 1);
  pn_json_block *b = ps->blocks;
  if (!b || b->cap - b->used < size) {
    size_t cap = size > PN_JSON_BLOCK ? size : PN_JSON_BLOCK;
    b = malloc(sizeof *b + cap);
    if (!b) {
      pn_json_fail(ps, "out of memory");
      return NULL;
    }
    b->cap = cap;
    b->used = 0;
    /* A block made for one large item goes behind the current one, so the
     * current block's free space is not abandoned. */
    if (ps->blocks && cap > PN_JSON_BLOCK) {
      b->next = ps->blocks->next;
      ps->blocks->next = b;
      b->used = size;
      return b->data;
    }
    b->next = ps->blocks;
    ps->blocks = b;
  }
  void *r = b->data + b->used;
  b->used += size;
  return r;
}

static pn_json *pn_json_node(pn_json_parser *ps, pn_json_type type) {
  pn_json *v = pn_json_alloc(ps, sizeof *v);
  if (v) {
    memset(v, 0, sizeof *v);
    v->type = type;
  }
  return v;
}

static void pn_json_ws(pn_json_parser *ps) {
  while (ps->p < ps->end &&
         (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static int pn_json_hex4(const char *q, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = q[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return 0;
  }
  *out = v;
  return 1;
}

static size_t pn_json_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* At the opening quote. Decoded text never outgrows its escaped form, so
 * the raw length bounds the allocation and one pass decodes. */
static char *pn_json_string(pn_json_parser *ps, size_t *lenp) {
  const char *q = ++ps->p, *close = NULL;
  while (q < ps->end) {
    if (*q == '"') {
      close = q;
      break;
    }
    if (*q == '\\' && ++q == ps->end) break; /* skip the escaped char */
    q++;
  }
  if (!close) {
    pn_json_fail(ps, "unterminated string");
    return NULL;
  }
  char *out = pn_json_alloc(ps, (size_t)(close - ps->p) + 1);
  if (!out) return NULL;
  size_t n = 0;
  while (ps->p < close) {
    unsigned char c = (unsigned char)*ps->p;
    if (c < 0x20) {
      pn_json_fail(ps, "control character in string");
      return NULL;
    }
    if (c != '\\') {
      out[n++] = (char)c;
      ps->p++;
      continue;
    }
    char e = ps->p[1]; /* < close: the scan above skipped escaped quotes */
    ps->p += 2;
    switch (e) {
    case '"':
    case '\\':
    case '/':
      out[n++] = e;
      break;
    case 'b':
      out[n++] = '\b';
      break;
    case 'f':
      out[n++] = '\f';
      break;
    case 'n':
      out[n++] = '\n';
      break;
    case 'r':
      out[n++] = '\r';
      break;
    case 't':
      out[n++] = '\t';
      break;
    case 'u': {
      unsigned cp, lo;
      if (close - ps->p < 4 || !pn_json_hex4(ps->p, &cp)) {
        pn_json_fail(ps, "bad \\u escape");
        return NULL;
      }
      ps->p += 4;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        /* A high surrogate must be followed by an escaped low one. */
        if (close - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
            !pn_json_hex4(ps->p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
          pn_json_fail(ps, "unpaired surrogate in \\u escape");
          return NULL;
        }
        ps->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        pn_json_fail(ps, "unpaired surrogate in \\u escape");
        return NULL;
      }
      n += pn_json_utf8(out + n, cp);
      break;
    }
    default:
      ps->p -= 2;
      pn_json_fail(ps, "bad escape");
      return NULL;
    }
  }
  out[n] = 0;
  ps->p = close + 1;
  *lenp = n;
  return out;
}

static int pn_json_digits(pn_json_parser *ps) {
  const char *s = ps->p;
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
    ps->p++;
  return ps->p > s;
}

static pn_json *pn_json_number(pn_json_parser *ps) {
  const char *s = ps->p;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  if (ps->p < ps->end && *ps->p == '0')
    ps->p++; /* no leading zeros */
  else if (!pn_json_digits(ps))
    goto bad;
  if (ps->p < ps->end && *ps->p == '.') {
    ps->p++;
    if (!pn_json_digits(ps)) goto bad;
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    ps->p++;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
    if (!pn_json_digits(ps)) goto bad;
  }
  pn_json *v = pn_json_node(ps, PN_JSON_NUMBER);
  if (!v) return NULL;
  /* strtod needs a terminated copy; the input is only |len| bytes. */
  size_t len = (size_t)(ps->p - s);
  char small[64], *buf = small;
  if (len >= sizeof small && !(buf = pn_json_alloc(ps, len + 1))) return NULL;
  memcpy(buf, s, len);
  buf[len] = 0;
  v->num = strtod(buf, NULL);
  return v;
bad:
  pn_json_fail(ps, "bad number");
  return NULL;
}

static int pn_json_push(pn_json_parser *ps, pn_json *v) {
  if (ps->top == ps->cap) {
    size_t cap = ps->cap ? ps->cap * 2 : 256;
    pn_json **s = realloc(ps->stack, cap * sizeof *s);
    if (!s) {
      pn_json_fail(ps, "out of memory");
      return 0;
    }
    ps->stack = s;
    ps->cap = cap;
  }
  ps->stack[ps->top++] = v;
  return 1;
}

/* Moves the members pushed since |base| into |v|. */
static int pn_json_collect(pn_json_parser *ps, pn_json *v, size_t base) {
  v->n = ps->top - base;
  if (v->n) {
    v->items = pn_json_alloc(ps, v->n * sizeof *v->items);
    if (!v->items) return 0;
    memcpy(v->items, ps->stack + base, v->n * sizeof *v->items);
  }
  ps->top = base;
  return 1;
}

static pn_json *pn_json_value(pn_json_parser *ps, int depth);

static pn_json *pn_json_container(pn_json_parser *ps, int depth, int object) {
  pn_json *v = pn_json_node(ps, object ? PN_JSON_OBJECT : PN_JSON_ARRAY);
  size_t base = ps->top;
  char close = object ? '}' : ']';
  if (!v) return NULL;
  if (depth >= PN_JSON_MAX_DEPTH) {
    pn_json_fail(ps, "nested too deeply");
    return NULL;
  }
  ps->p++;
  pn_json_ws(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    return v;
  }
  for (;;) {
    const char *key = NULL;
    pn_json_ws(ps);
    if (object) {
      size_t klen;
      if (ps->p >= ps->end || *ps->p != '"') {
        pn_json_fail(ps, "expected a string key");
        return NULL;
      }
      if (!(key = pn_json_string(ps, &klen))) return NULL;
      pn_json_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') {
        pn_json_fail(ps, "expected ':'");
        return NULL;
      }
      ps->p++;
    }
    pn_json *m = pn_json_value(ps, depth + 1);
    if (!m) return NULL;
    m->key = key;
    if (!pn_json_push(ps, m)) return NULL;
    pn_json_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == close) {
      ps->p++;
      return pn_json_collect(ps, v, base) ? v : NULL;
    }
    pn_json_fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    return NULL;
  }
}

static pn_json *pn_json_literal(pn_json_parser *ps, const char *word,
                                pn_json_type type, int b) {
  size_t len = strlen(word);
  if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0) {
    pn_json_fail(ps, "unexpected character");
    return NULL;
  }
  ps->p += len;
  pn_json *v = pn_json_node(ps, type);
  if (v) v->b = b;
  return v;
}

static pn_json *pn_json_value(pn_json_parser *ps, int depth) {
  pn_json_ws(ps);
  if (ps->p >= ps->end) {
    pn_json_fail(ps, "unexpected end of input");
    return NULL;
  }
  switch (*ps->p) {
  case '{':
    return pn_json_container(ps, depth, 1);
  case '[':
    return pn_json_container(ps, depth, 0);
  case '"': {
    pn_json *v = pn_json_node(ps, PN_JSON_STRING);
    if (v && !(v->s = pn_json_string(ps, &v->n))) return NULL;
    return v;
  }
  case 't':
    return pn_json_literal(ps, "true", PN_JSON_BOOL, 1);
  case 'f':
    return pn_json_literal(ps, "false", PN_JSON_BOOL, 0);
  case 'n':
    return pn_json_literal(ps, "null", PN_JSON_NULL, 0);
  default:
    if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
      return pn_json_number(ps);
    pn_json_fail(ps, "unexpected character");
    return NULL;
  }
}

static void pn_json_free_blocks(pn_json_block *b) {
  while (b) {
    pn_json_block *next = b->next;
    free(b);
    b = next;
  }
}

pn_json *pn_json_parse(const char *text, size_t len, char *err, size_t errcap) {
  pn_json_parser ps;
  memset(&ps, 0, sizeof ps);
  ps.err = err;
  ps.errcap = errcap;
  if (err && errcap) err[0] = 0;
  if (!text) {
    pn_json_fail(&ps, "no input");
    return NULL;
  }
  ps.start = ps.p = text;
  ps.end = text + len;
  /* Tolerate a UTF-8 byte order mark. */
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) ps.p += 3;
  pn_json *root = pn_json_value(&ps, 0);
  if (root) {
    pn_json_ws(&ps);
    if (ps.p != ps.end) {
      pn_json_fail(&ps, "trailing characters");
      root = NULL;
    }
  }
  free(ps.stack);
  if (!root) {
    pn_json_free_blocks(ps.blocks);
    return NULL;
  }
  root->blocks = ps.blocks;
  return root;
}

void pn_json_free(pn_json *v) {
  /* Only the root owns memory; the whole document goes with it. */
  if (v) pn_json_free_blocks(v->blocks);
}

pn_json_type pn_json_typeof(const pn_json *v) {
  return v ? v->type : PN_JSON_NULL;
}

const pn_json *pn_json_get(const pn_json *obj, const char *key) {
  if (!obj || obj->type != PN_JSON_OBJECT || !key) return NULL;
  for (size_t i = 0; i < obj->n; i++)
    if (strcmp(obj->items[i]->key, key) == 0) return obj->items[i];
  return NULL;
}

size_t pn_json_len(const pn_json *arr) {
  return arr && (arr->type == PN_JSON_ARRAY || arr->type == PN_JSON_OBJECT)
             ? arr->n
             : 0;
}

const pn_json *pn_json_at(const pn_json *arr, size_t i) {
  return i < pn_json_len(arr) ? arr->items[i] : NULL;
}

const char *pn_json_key_at(const pn_json *obj, size_t i) {
  return obj && obj->type == PN_JSON_OBJECT && i < obj->n ? obj->items[i]->key
                                                          : NULL;
}

const char *pn_json_str(const pn_json *v) {
  return v && v->type == PN_JSON_STRING ? v->s : NULL;
}

size_t pn_json_strlen(const pn_json *v) {
  return v && v->type == PN_JSON_STRING ? v->n : 0;
}

double pn_json_num(const pn_json *v) {
  return v && v->type == PN_JSON_NUMBER ? v->num : 0.0;
}

int pn_json_bool(const pn_json *v) {
  return v && v->type == PN_JSON_BOOL ? v->b : 0;
}

long pn_json_hex(const pn_json *v, uint8_t *out, size_t cap) {
  if (!v || v->type != PN_JSON_STRING) return -1;
  return pn_test_unhex(v->s, v->n, out, cap);
}
