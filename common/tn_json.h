/* common/tn_json.h — reading user JSON with jansson, every error naming the
 * file and the JSON path of the offending value.
 *
 * Ownership: tn_json_load_file() returns a new reference the caller
 * json_decref()s. A tn_jobj_t borrows its json_t and its source name; it owns
 * nothing and needs no destroy. Strings returned by tn_jobj_str() point into
 * the borrowed json_t and live as long as it does.
 */
#ifndef TN_JSON_H
#define TN_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"

/* Reads and parses a whole JSON file. Errors (TN_EINPUT): the file cannot be
 * opened, is a directory, is empty, holds a NUL byte anywhere, or is not
 * valid JSON (duplicate keys included: "src: line L column C: ..."); TN_EIO:
 * a read error. Cost: O(file size), the file held in memory while parsed. */
json_t *tn_json_load_file(const char *path, tn_error_t *err);

/* A JSON object being read: the value, where it came from, and its path. */
typedef struct {
    const json_t *obj;
    const char *src;   /* file name for messages */
    char path[256];    /* dotted JSON path of obj; "" at the top */
    tn_error_t *err;
} tn_jobj_t;

/* Opens v (found at `path` in `src`) as an object whose keys must all be in
 * the NULL-terminated `keys` list (NULL: any key). Errors: v is not an
 * object; an unknown key (the message suggests the nearest allowed key
 * when it is at most two edits away). Cost: O(keys x allowed). */
int tn_jobj_open(tn_jobj_t *o, const json_t *v, const char *src, const char *path,
                 const char *const *keys, tn_error_t *err);

/* Opens o's member `key` as a nested object (same rules as tn_jobj_open).
 * A missing member is an error when `required`, else returns 1 with child
 * untouched. Returns 0 when opened, -1 on error. */
int tn_jobj_sub(tn_jobj_t *o, const char *key, bool required, const char *const *keys,
                tn_jobj_t *child);

/* The readers below leave *out untouched (the caller's default) and return 1
 * when the key is absent and not required; return 0 when read; -1 with the
 * error set when the value has the wrong type or is outside [min, max]. */
int tn_jobj_u64(tn_jobj_t *o, const char *key, bool required, uint64_t min, uint64_t max,
                uint64_t *out);
int tn_jobj_double(tn_jobj_t *o, const char *key, bool required, double min, double max,
                   double *out);
int tn_jobj_bool(tn_jobj_t *o, const char *key, bool required, bool *out);
int tn_jobj_str(tn_jobj_t *o, const char *key, bool required, const char **out);
/* A string that must be one of the NULL-terminated `names`; *out is its index. */
int tn_jobj_enum(tn_jobj_t *o, const char *key, bool required, const char *const *names,
                 int *out);

/* A fixed-length array of n integers, each in [min, max], into out[]. */
int tn_jobj_int_array(tn_jobj_t *o, const char *key, bool required, size_t n, int64_t min,
                      int64_t max, int32_t *out);

/* Unit readers: a rate in Gbps (1e-6 to 1e6) stored as bits per second,
 * and a latency in ns (0 to 1e9) stored as picoseconds, both rounded to the
 * nearest unit. Same return convention as above. */
int tn_jobj_gbps(tn_jobj_t *o, const char *key, bool required, uint64_t *bps);
int tn_jobj_ns(tn_jobj_t *o, const char *key, bool required, uint64_t *ps);

/* Sets err to "src: path.key: message" (the path of o joined with key, or of
 * o itself when key is NULL). Returns -1. */
int tn_jobj_fail(tn_jobj_t *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The value at a dotted path ("a.b.c": member c of member b of member a)
 * of o, or NULL when a step is missing or not an object. For reading the
 * JSON tensim writes, not user input. O(path length). */
const json_t *tn_json_at(const json_t *o, const char *path);

/* Writes a short rendering of v (compact JSON, cut at about 40 characters)
 * into buf, for "got ..." in messages. */
const char *tn_json_brief(const json_t *v, char *buf, size_t n);

/* FNV-1a 64 of the canonical form (sorted keys, compact) of v: the scenario
 * hash reported in meta. Cost: O(size of v). */
uint64_t tn_json_hash(const json_t *v);

#endif
