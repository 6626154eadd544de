#include "common/tn_json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/tn_hash.h"

json_t *tn_json_load_file(const char *path, tn_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tn_error_set(err, TN_EINPUT, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        tn_error_set(err, TN_EINPUT, "%s: is a directory, not a file", path);
        return NULL;
    }
    /* The whole file, to look for NUL bytes first: jansson drops one that
     * follows a number ("1\0,") and reads on, where no JSON allows one. */
    size_t n = 0, cap = 0;
    char *buf = NULL;
    for (;;) {
        TN_GROW(buf, cap, n + 65536);
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int rerr = ferror(f), e = errno;
    fclose(f);
    if (rerr) {
        free(buf);
        tn_error_set(err, TN_EIO, "%s: read error: %s", path, strerror(e));
        return NULL;
    }
    if (n == 0) {
        free(buf);
        tn_error_set(err, TN_EINPUT, "%s: file is empty", path);
        return NULL;
    }
    const char *nul = memchr(buf, '\0', n);
    if (nul) {
        int line = 1, col = 1;
        for (const char *q = buf; q < nul; q++, col++)
            if (*q == '\n') {
                line++;
                col = 0;
            }
        tn_error_set(err, TN_EINPUT, "%s: line %d column %d: invalid json: NUL byte (offset %zu)",
                     path, line, col, (size_t)(nul - buf));
        free(buf);
        return NULL;
    }
    json_error_t je;
    json_t *v = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
    free(buf);
    if (!v) {
        tn_error_set(err, TN_EINPUT, "%s: line %d column %d: invalid json: %s", path, je.line,
                     je.column, je.text);
        return NULL;
    }
    return v;
}

const char *tn_json_brief(const json_t *v, char *buf, size_t n)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!s) {
        snprintf(buf, n, "?");
        return buf;
    }
    if (strlen(s) > 40)
        snprintf(buf, n, "%.37s...", s);
    else
        snprintf(buf, n, "%s", s);
    free(s);
    return buf;
}

static void join_path(char *out, size_t n, const char *path, const char *key)
{
    if (!key)
        snprintf(out, n, "%s", path[0] ? path : "(top level)");
    else if (path[0])
        snprintf(out, n, "%s.%s", path, key);
    else
        snprintf(out, n, "%s", key);
}

int tn_jobj_fail(tn_jobj_t *o, const char *key, const char *fmt, ...)
{
    char where[512], msg[512];
    join_path(where, sizeof where, o->path, key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tn_error_set(o->err, TN_EINPUT, "%s: %s: %s", o->src, where, msg);
}

/* Levenshtein distance, for "did you mean". Keys are short; O(|a| |b|). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return SIZE_MAX;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

int tn_jobj_open(tn_jobj_t *o, const json_t *v, const char *src, const char *path,
                 const char *const *keys, tn_error_t *err)
{
    char where[sizeof o->path];
    snprintf(where, sizeof where, "%s", path); /* path may be o->path itself */
    o->obj = v;
    o->src = src;
    o->err = err;
    memcpy(o->path, where, sizeof where);
    if (!json_is_object(v)) {
        char b[64];
        return tn_jobj_fail(o, NULL, "expected an object, got %s", tn_json_brief(v, b, sizeof b));
    }
    if (!keys)
        return 0;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        const char *best = NULL;
        size_t bestd = SIZE_MAX;
        bool known = false;
        for (const char *const *k = keys; *k; k++) {
            if (!strcmp(*k, key)) {
                known = true;
                break;
            }
            size_t d = edit_distance(key, *k);
            if (d < bestd) {
                bestd = d;
                best = *k;
            }
        }
        if (known)
            continue;
        if (best && bestd <= 2)
            return tn_jobj_fail(o, key, "unknown key (did you mean \"%s\"?)", best);
        return tn_jobj_fail(o, key, "unknown key");
    }
    return 0;
}

/* Looks key up; returns the value, or NULL after setting *rc to 1 (absent,
 * optional) or -1 (absent, required). */
static const json_t *member(tn_jobj_t *o, const char *key, bool required, int *rc)
{
    const json_t *v = json_object_get(o->obj, key);
    if (v)
        return v;
    *rc = required ? tn_jobj_fail(o, key, "missing required key") : 1;
    return NULL;
}

int tn_jobj_sub(tn_jobj_t *o, const char *key, bool required, const char *const *keys,
                tn_jobj_t *child)
{
    int rc = 0;
    const json_t *v = member(o, key, required, &rc);
    if (!v)
        return rc;
    char where[256];
    join_path(where, sizeof where, o->path, key);
    return tn_jobj_open(child, v, o->src, where, keys, o->err);
}

int tn_jobj_u64(tn_jobj_t *o, const char *key, bool required, uint64_t min, uint64_t max,
                uint64_t *out)
{
    int rc = 0;
    const json_t *v = member(o, key, required, &rc);
    if (!v)
        return rc;
    char b[64], what[96];
    if (min > 1)
        snprintf(what, sizeof what, "an integer from %llu to %llu", (unsigned long long)min,
                 (unsigned long long)max);
    else
        snprintf(what, sizeof what, "%s", min == 1 ? "a positive integer" : "a non-negative integer");
    if (!json_is_integer(v))
        return tn_jobj_fail(o, key, "expected %s, got %s", what, tn_json_brief(v, b, sizeof b));
    json_int_t i = json_integer_value(v);
    if (i < 0 || (uint64_t)i < min)
        return tn_jobj_fail(o, key, "expected %s, got %s", what, tn_json_brief(v, b, sizeof b));
    if ((uint64_t)i > max)
        return tn_jobj_fail(o, key, "%s is too large (at most %llu)", tn_json_brief(v, b, sizeof b),
                            (unsigned long long)max);
    *out = (uint64_t)i;
    return 0;
}

int tn_jobj_double(tn_jobj_t *o, const char *key, bool required, double min, double max,
                   double *out)
{
    int rc = 0;
    const json_t *v = member(o, key, required, &rc);
    if (!v)
        return rc;
    char b[64];
    if (!json_is_number(v))
        return tn_jobj_fail(o, key, "expected a number, got %s", tn_json_brief(v, b, sizeof b));
    double d = json_number_value(v);
    if (!isfinite(d) || d < min || d > max)
        return tn_jobj_fail(o, key, "%s is out of range (from %g to %g)",
                            tn_json_brief(v, b, sizeof b), min, max);
    *out = d;
    return 0;
}

int tn_jobj_bool(tn_jobj_t *o, const char *key, bool required, bool *out)
{
    int rc = 0;
    const json_t *v = member(o, key, required, &rc);
    if (!v)
        return rc;
    char b[64];
    if (!json_is_boolean(v))
        return tn_jobj_fail(o, key, "expected true or false, got %s", tn_json_brief(v, b, sizeof b));
    *out = json_is_true(v);
    return 0;
}

int tn_jobj_str(tn_jobj_t *o, const char *key, bool required, const char **out)
{
    int rc = 0;
    const json_t *v = member(o, key, required, &rc);
    if (!v)
        return rc;
    char b[64];
    if (!json_is_string(v))
        return tn_jobj_fail(o, key, "expected a string, got %s", tn_json_brief(v, b, sizeof b));
    if (json_string_length(v) == 0)
        return tn_jobj_fail(o, key, "expected a non-empty string");
    if (strlen(json_string_value(v)) != json_string_length(v))
        return tn_jobj_fail(o, key, "string contains a NUL character");
    *out = json_string_value(v);
    return 0;
}

int tn_jobj_enum(tn_jobj_t *o, const char *key, bool required, const char *const *names,
                 int *out)
{
    const char *s = NULL;
    int rc = tn_jobj_str(o, key, required, &s);
    if (rc)
        return rc;
    char list[256] = "";
    size_t len = 0;
    for (int i = 0; names[i]; i++) {
        if (!strcmp(names[i], s)) {
            *out = i;
            return 0;
        }
        len += (size_t)snprintf(list + len, len < sizeof list ? sizeof list - len : 0, "%s%s",
                                i ? ", " : "", names[i]);
        if (len >= sizeof list)
            len = sizeof list - 1;
    }
    return tn_jobj_fail(o, key, "unknown value \"%s\" (expected one of: %s)", s, list);
}

static int hash_cb(const char *buf, size_t n, void *data)
{
    *(uint64_t *)data = tn_fnv1a64(*(uint64_t *)data, buf, n);
    return 0;
}

uint64_t tn_json_hash(const json_t *v)
{
    uint64_t h = TN_FNV1A64_INIT;
    json_dump_callback(v, hash_cb, &h, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
    return h;
}

int tn_jobj_int_array(tn_jobj_t *o, const char *key, bool required, size_t n, int64_t min,
                      int64_t max, int32_t *out)
{
    int rc = 0;
    const json_t *v = member(o, key, required, &rc);
    if (!v)
        return rc;
    char b[64];
    if (!json_is_array(v) || json_array_size(v) != n)
        return tn_jobj_fail(o, key, "expected an array of %zu integers, got %s", n,
                            tn_json_brief(v, b, sizeof b));
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(v, i);
        if (!json_is_integer(e) || json_integer_value(e) < min || json_integer_value(e) > max) {
            char k[320];
            snprintf(k, sizeof k, "%s[%zu]", key, i);
            return tn_jobj_fail(o, k, "expected an integer from %lld to %lld, got %s",
                                (long long)min, (long long)max, tn_json_brief(e, b, sizeof b));
        }
        out[i] = (int32_t)json_integer_value(e);
    }
    return 0;
}

int tn_jobj_gbps(tn_jobj_t *o, const char *key, bool required, uint64_t *bps)
{
    double g = 0;
    int rc = tn_jobj_double(o, key, required, 1e-6, 1e6, &g);
    if (rc == 0)
        *bps = (uint64_t)llround(g * 1e9);
    return rc;
}

int tn_jobj_ns(tn_jobj_t *o, const char *key, bool required, uint64_t *ps)
{
    double ns = 0;
    int rc = tn_jobj_double(o, key, required, 0, 1e9, &ns);
    if (rc == 0)
        *ps = (uint64_t)llround(ns * 1e3);
    return rc;
}

const json_t *tn_json_at(const json_t *o, const char *path)
{
    char key[128];
    while (o && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        o = json_is_object(o) ? json_object_get(o, key) : NULL;
        path += n + (path[n] == '.');
    }
    return o;
}
