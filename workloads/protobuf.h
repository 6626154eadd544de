/* workloads/protobuf.h — the protobuf wire format, read as a stream:
 * varints, fixed32 and fixed64, field keys, length-delimited fields, and a
 * file of varint-length-prefixed messages (how Chakra's .et files are
 * written). No schema and no protobuf library: the caller reads the keys
 * and decides what each field means (workloads/chakra_et.c).
 *
 * A file is read through a buffer of fixed size: memory never grows with
 * the length of a message or of the file. Positions are file offsets;
 * every read is bounded by an `end` offset (the end of the enclosing
 * message), and a varint, fixed value or length that would run past it is
 * an error naming the byte offset.
 *
 * Errors (TN_EINPUT) read "SRC: WHERE: message", WHERE written by the
 * caller's label function (what is being read: "node 17 (id 4242)");
 * TN_EIO for a file that cannot be opened or read.
 *
 * Ownership: a wl_pb_reader_t is caller-owned (wl_pb_reader_init opens the
 * file and allocates the buffer, wl_pb_reader_destroy closes and frees);
 * it borrows the file name, the error and the label context.
 */
#ifndef WL_PROTOBUF_H
#define WL_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/tn_error.h"

/* Wire types. 3 and 4 (groups) are not in proto3 and are refused. */
enum { WL_PB_VARINT = 0, WL_PB_I64 = 1, WL_PB_LEN = 2, WL_PB_I32 = 5 };

/* Writes into b (n bytes) what is being read, for error messages. */
typedef void (*wl_pb_label_fn)(const void *ctx, char *b, size_t n);

typedef struct {
    FILE *f;
    unsigned char *buf;
    size_t cap, pos, len;  /* buf holds len bytes; pos is the next to read */
    uint64_t base;         /* file offset of buf[0] */
    uint64_t size;         /* of the file */
    uint64_t bytes_read;   /* from the file so far */
    const char *src;       /* file name for messages */
    tn_error_t *err;
    wl_pb_label_fn label;
    const void *label_ctx;
} wl_pb_reader_t;

/* Opens `path` for reading through a buffer of buf_size (> 0) bytes.
 * Returns 0, or -1 with err set (TN_EIO: cannot open or stat), leaving
 * nothing to destroy. O(buf_size). */
int wl_pb_reader_init(wl_pb_reader_t *r, const char *path, size_t buf_size, wl_pb_label_fn label,
                      const void *label_ctx, tn_error_t *err);

/* Closes the file and frees the buffer. O(1). */
void wl_pb_reader_destroy(wl_pb_reader_t *r);

/* The file offset of the next byte to read. O(1). */
static inline uint64_t wl_pb_at(const wl_pb_reader_t *r) { return r->base + r->pos; }

/* Sets err to "src: label: message" (TN_EINPUT); returns -1. O(message). */
int wl_pb_fail(const wl_pb_reader_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A varint that must end before offset `end`, into *out. Errors: truncated,
 * longer than 64 bits. Returns 0 or -1. O(1) amortised. */
int wl_pb_varint(wl_pb_reader_t *r, uint64_t end, uint64_t *out);

/* Reads n bytes into dst (or skips them when dst is NULL). The caller has
 * checked that they lie within the file (wl_pb_len, wl_pb_message).
 * Returns 0 or -1. O(n). */
int wl_pb_bytes(wl_pb_reader_t *r, void *dst, uint64_t n);

/* A little-endian fixed32 (n = 4) or fixed64 (n = 8) of field `field`
 * ending before `end`. Returns 0 or -1. O(1). */
int wl_pb_fixed(wl_pb_reader_t *r, uint64_t end, unsigned n, uint32_t field, uint64_t *out);

/* A field's key: its number (1 .. 2^29-1) and wire type (0, 1, 2 or 5).
 * Returns 0 or -1. O(1). */
int wl_pb_key(wl_pb_reader_t *r, uint64_t end, uint32_t *field, unsigned *wt);

/* A length-delimited field's length, which must fit before `end`. Returns
 * 0 or -1. O(1). */
int wl_pb_len(wl_pb_reader_t *r, uint64_t end, uint32_t field, uint64_t *len);

/* Skips the value of a field of wire type wt. Returns 0 or -1. O(its
 * length). */
int wl_pb_skip(wl_pb_reader_t *r, uint64_t end, uint32_t field, unsigned wt);

/* Returns 0 when wt is `want`, else -1 with "field F (NAME) has wire type
 * W, expected X". O(1). */
int wl_pb_want(wl_pb_reader_t *r, uint32_t field, const char *name, unsigned wt, unsigned want);

/* One length prefix of the stream of messages: *end is the message's end
 * offset, *len its length, checked against the file's size. Returns 0 or
 * -1. O(1). */
int wl_pb_message(wl_pb_reader_t *r, uint64_t *end, uint64_t *len);

/* A zigzag-encoded varint (sint32, sint64) as the signed value. O(1). */
static inline int64_t wl_pb_zigzag(uint64_t x) { return (int64_t)(x >> 1) ^ -(int64_t)(x & 1); }

#endif
