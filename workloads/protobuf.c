/* workloads/protobuf.c — the protobuf wire format; see workloads/protobuf.h. */
#include "workloads/protobuf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

int wl_pb_reader_init(wl_pb_reader_t *r, const char *path, size_t buf_size, wl_pb_label_fn label,
                      const void *label_ctx, tn_error_t *err)
{
    memset(r, 0, sizeof *r);
    FILE *f = fopen(path, "rb");
    if (!f)
        return tn_error_set(err, TN_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0) {
        int e = errno;
        fclose(f);
        return tn_error_set(err, TN_EIO, "%s: cannot stat: %s", path, strerror(e));
    }
    setvbuf(f, NULL, _IONBF, 0); /* ours is the buffer */
    r->f = f;
    r->cap = buf_size;
    r->buf = tn_malloc(buf_size);
    r->size = (uint64_t)sb.st_size;
    r->src = path;
    r->err = err;
    r->label = label;
    r->label_ctx = label_ctx;
    return 0;
}

void wl_pb_reader_destroy(wl_pb_reader_t *r)
{
    if (!r || !r->f)
        return;
    free(r->buf);
    fclose(r->f);
    memset(r, 0, sizeof *r);
}

int wl_pb_fail(const wl_pb_reader_t *r, const char *fmt, ...)
{
    char label[64], msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!r->label)
        return tn_error_set(r->err, TN_EINPUT, "%s: %s", r->src, msg);
    r->label(r->label_ctx, label, sizeof label);
    return tn_error_set(r->err, TN_EINPUT, "%s: %s: %s", r->src, label, msg);
}

/* Makes buf hold unread bytes: 1, or 0 at the end of the file, or -1 on a
 * read error. */
static int fill(wl_pb_reader_t *r)
{
    if (r->pos < r->len)
        return 1;
    r->base += r->len;
    r->pos = 0;
    r->len = fread(r->buf, 1, r->cap, r->f);
    r->bytes_read += r->len;
    if (r->len > 0)
        return 1;
    if (ferror(r->f))
        return tn_error_set(r->err, TN_EIO, "%s: read error at byte %" PRIu64 ": %s", r->src,
                            r->base, strerror(errno));
    return 0;
}

int wl_pb_varint(wl_pb_reader_t *r, uint64_t end, uint64_t *out)
{
    uint64_t start = wl_pb_at(r), v = 0;
    if (r->len - r->pos >= 10 && end - start >= 10) { /* the whole varint is in buf */
        const unsigned char *p = r->buf + r->pos;
        for (unsigned k = 0; k < 10; k++) {
            if (k == 9 && p[k] > 1)
                return wl_pb_fail(r, "varint longer than 64 bits at byte %" PRIu64, start);
            v |= (uint64_t)(p[k] & 0x7f) << (7 * k);
            if (!(p[k] & 0x80)) {
                r->pos += k + 1;
                *out = v;
                return 0;
            }
        }
    }
    for (unsigned k = 0;; k++) {
        int f = wl_pb_at(r) < end ? fill(r) : 0;
        if (f < 0)
            return -1;
        if (f == 0)
            return wl_pb_fail(r, "truncated varint at byte %" PRIu64, start);
        unsigned b = r->buf[r->pos++];
        if (k == 9 && b > 1)
            return wl_pb_fail(r, "varint longer than 64 bits at byte %" PRIu64, start);
        v |= (uint64_t)(b & 0x7f) << (7 * k);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
}

int wl_pb_bytes(wl_pb_reader_t *r, void *dst, uint64_t n)
{
    unsigned char *d = dst;
    while (n) {
        int f = fill(r);
        if (f < 0)
            return -1;
        if (f == 0)
            return wl_pb_fail(r, "the file ended at byte %" PRIu64 ", before its size said",
                              wl_pb_at(r));
        size_t take = r->len - r->pos;
        if (take > n)
            take = (size_t)n;
        if (d) {
            memcpy(d, r->buf + r->pos, take);
            d += take;
        }
        r->pos += take;
        n -= take;
    }
    return 0;
}

int wl_pb_fixed(wl_pb_reader_t *r, uint64_t end, unsigned n, uint32_t field, uint64_t *out)
{
    unsigned char b[8];
    if (end - wl_pb_at(r) < n)
        return wl_pb_fail(
            r, "field %u (%u bytes) at byte %" PRIu64 " runs past the end of its message", field, n,
            wl_pb_at(r));
    if (wl_pb_bytes(r, b, n))
        return -1;
    uint64_t v = 0;
    for (unsigned k = n; k-- > 0;)
        v = v << 8 | b[k];
    *out = v;
    return 0;
}

int wl_pb_key(wl_pb_reader_t *r, uint64_t end, uint32_t *field, unsigned *wt)
{
    uint64_t at = wl_pb_at(r), key;
    if (wl_pb_varint(r, end, &key))
        return -1;
    *wt = (unsigned)(key & 7);
    if (key >> 3 == 0 || key >> 3 > 0x1fffffff)
        return wl_pb_fail(r, "field number %" PRIu64 " at byte %" PRIu64 " is not a valid one",
                          key >> 3, at);
    *field = (uint32_t)(key >> 3);
    if (*wt == 3 || *wt == 4 || *wt > 5)
        return wl_pb_fail(r, "wire type %u (field %u) at byte %" PRIu64 " cannot occur%s", *wt,
                          *field, at, *wt == 3 || *wt == 4 ? ": groups are not in proto3" : "");
    return 0;
}

int wl_pb_len(wl_pb_reader_t *r, uint64_t end, uint32_t field, uint64_t *len)
{
    uint64_t at = wl_pb_at(r);
    if (wl_pb_varint(r, end, len))
        return -1;
    if (*len > end - wl_pb_at(r))
        return wl_pb_fail(r,
                          "field %u of %" PRIu64 " bytes at byte %" PRIu64
                          " runs past the end of its message (%" PRIu64 " bytes left)",
                          field, *len, at, end - wl_pb_at(r));
    return 0;
}

int wl_pb_skip(wl_pb_reader_t *r, uint64_t end, uint32_t field, unsigned wt)
{
    uint64_t v;
    switch (wt) {
    case WL_PB_VARINT:
        return wl_pb_varint(r, end, &v);
    case WL_PB_I64:
        return wl_pb_fixed(r, end, 8, field, &v);
    case WL_PB_I32:
        return wl_pb_fixed(r, end, 4, field, &v);
    default:
        if (wl_pb_len(r, end, field, &v))
            return -1;
        return wl_pb_bytes(r, NULL, v);
    }
}

int wl_pb_want(wl_pb_reader_t *r, uint32_t field, const char *name, unsigned wt, unsigned want)
{
    if (wt == want)
        return 0;
    return wl_pb_fail(r, "field %u (%s) has wire type %u, expected %u", field, name, wt, want);
}

int wl_pb_message(wl_pb_reader_t *r, uint64_t *end, uint64_t *len)
{
    uint64_t at = wl_pb_at(r);
    if (wl_pb_varint(r, r->size, len))
        return -1;
    if (*len > r->size - wl_pb_at(r))
        return wl_pb_fail(r,
                          "message of %" PRIu64 " bytes at byte %" PRIu64
                          " runs past the end of the file (%" PRIu64 " bytes)",
                          *len, at, r->size);
    *end = wl_pb_at(r) + *len;
    return 0;
}
