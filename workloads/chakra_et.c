/* workloads/chakra_et.c — Chakra's .et files: one file per rank, each a
 * GlobalMetadata message and Node messages in the protobuf wire format
 * (read with workloads/protobuf.h), into the node table of
 * workloads/chakra_node.h. See workloads/chakra.h. */
#include "workloads/chakra.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "workloads/chakra_node.h"
#include "workloads/protobuf.h"

#define DEFAULT_BUF ((size_t)64 << 10)

/* AttributeProto's value fields 3..32: names and wire types. Odd fields
 * are scalars, even ones lists (length-delimited). */
static const char *const av_field_names[] = {
    "double_val",   "double_list",   "float_val",    "float_list",   "int32_val",
    "int32_list",   "int64_val",     "int64_list",   "uint32_val",   "uint32_list",
    "uint64_val",   "uint64_list",   "sint32_val",   "sint32_list",  "sint64_val",
    "sint64_list",  "fixed32_val",   "fixed32_list", "fixed64_val",  "fixed64_list",
    "sfixed32_val", "sfixed32_list", "sfixed64_val", "sfixed64_list", "bool_val",
    "bool_list",    "string_val",    "string_list",  "bytes_val",    "bytes_list",
};
static const uint8_t av_field_wire[] = {
    1, 2, 5, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 0, 2, 5, 2, 1, 2, 5, 2, 1, 2, 0, 2, 2, 2, 2, 2,
};

/* ---- the messages ------------------------------------------------------- */

/* A rank's file being read, and what in it, for messages. */
typedef struct {
    wl_pb_reader_t pb;
    wl_chakra_ctx_t *c;
    bool in_node, has_id;
    uint32_t node;
    uint64_t id;
} rd_t;

/* "node 17 (id 4242)", or "global metadata" before the first node. */
static void rd_label(const void *ctx, char *b, size_t n)
{
    const rd_t *r = ctx;
    if (r->in_node)
        wl_chakra_node_label(r->c, r->node, r->id, r->has_id, b, n);
    else
        snprintf(b, n, "global metadata");
}

/* An AttributeProto ending at `end`; keeps the value when its name is one
 * of wl_chakra_attr_names. */
static int rd_attr(rd_t *r, uint64_t end, wl_chakra_attr_t *av)
{
    char name[24];
    bool named = false;
    wl_chakra_attr_t v = {0};
    while (wl_pb_at(&r->pb) < end) {
        uint32_t f = 0;
        unsigned wt = 0;
        uint64_t x;
        if (wl_pb_key(&r->pb, end, &f, &wt))
            return -1;
        if (f == 1) { /* name */
            if (wl_pb_want(&r->pb, f, "name", wt, WL_PB_LEN) || wl_pb_len(&r->pb, end, f, &x))
                return -1;
            named = x < sizeof name;
            if (wl_pb_bytes(&r->pb, named ? name : NULL, x))
                return -1;
            if (named)
                name[x] = '\0';
            continue;
        }
        if (f < 3 || f > 32) { /* doc_string, or unknown */
            if (wl_pb_skip(&r->pb, end, f, wt))
                return -1;
            continue;
        }
        const char *fname = av_field_names[f - 3];
        if (wl_pb_want(&r->pb, f, fname, wt, av_field_wire[f - 3]))
            return -1;
        memset(&v, 0, sizeof v);
        v.what = fname;
        if (f % 2 == 0 || f >= 29) { /* lists, string, bytes */
            v.kind = WL_CAV_OTHER;
            if (wl_pb_skip(&r->pb, end, f, wt))
                return -1;
            continue;
        }
        if (wt == WL_PB_VARINT ? wl_pb_varint(&r->pb, end, &x)
                               : wl_pb_fixed(&r->pb, end, wt == WL_PB_I64 ? 8 : 4, f, &x))
            return -1;
        v.kind = WL_CAV_INT;
        int64_t s = 0;
        switch (f) {
        case 3: /* double */
            v.kind = WL_CAV_REAL;
            memcpy(&v.d, &x, sizeof v.d);
            break;
        case 5: { /* float */
            uint32_t w = (uint32_t)x;
            float fl;
            memcpy(&fl, &w, sizeof fl);
            v.kind = WL_CAV_REAL;
            v.d = fl;
            break;
        }
        case 7: /* int32: sign-extended to 64 bits on the wire */
        case 23: /* sfixed32 */
            s = (int32_t)(uint32_t)x;
            break;
        case 9: /* int64 */
        case 25: /* sfixed64 */
            s = (int64_t)x;
            break;
        case 11: /* uint32 */
        case 19: /* fixed32 */
            s = (int64_t)(uint32_t)x;
            break;
        case 15: /* sint32 */
        case 17: /* sint64 */
            s = wl_pb_zigzag(x);
            if (f == 15)
                s = (int32_t)s;
            break;
        case 27: /* bool */
            s = x != 0;
            break;
        default: /* uint64, fixed64 */
            v.u = x;
            continue;
        }
        if (v.kind == WL_CAV_INT) {
            v.neg = s < 0;
            v.u = (uint64_t)s;
        }
    }
    if (named)
        for (int k = 0; k < WL_CA_COUNT; k++)
            if (!strcmp(name, wl_chakra_attr_names[k]))
                av[k] = v;
    return 0;
}

/* Repeated uint64 ids, packed (wt 2) or one (wt 0). */
static int rd_deps(rd_t *r, uint64_t end, uint32_t f, unsigned wt, wl_chakra_tab_t *tab)
{
    wl_pb_reader_t *pb = &r->pb;
    uint64_t x, len;
    bool ctrl = f == 4;
    if (wt == WL_PB_VARINT) {
        if (wl_pb_varint(pb, end, &x))
            return -1;
        wl_chakra_add_dep(r->c, tab, x, ctrl);
        return 0;
    }
    if (wl_pb_want(pb, f, ctrl ? "ctrl_deps" : "data_deps", wt, WL_PB_LEN) ||
        wl_pb_len(pb, end, f, &len))
        return -1;
    uint64_t stop = wl_pb_at(pb) + len;
    while (wl_pb_at(pb) < stop) {
        if (wl_pb_varint(pb, stop, &x))
            return -1;
        wl_chakra_add_dep(r->c, tab, x, ctrl);
    }
    return 0;
}

/* A Node message ending at `end`, into the table. */
static int rd_node(rd_t *r, uint64_t end, wl_chakra_tab_t *tab)
{
    wl_pb_reader_t *pb = &r->pb;
    uint64_t type = 0, dur = 0;
    wl_chakra_attr_t av[WL_CA_COUNT];
    memset(av, 0, sizeof av);
    wl_chakra_node_begin(tab);
    r->id = 0;
    r->has_id = false;
    while (wl_pb_at(pb) < end) {
        uint32_t f = 0;
        unsigned wt = 0;
        int rc = 0;
        if (wl_pb_key(pb, end, &f, &wt))
            return -1;
        switch (f) {
        case 1:
            rc = wl_pb_want(pb, f, "id", wt, WL_PB_VARINT) || wl_pb_varint(pb, end, &r->id);
            r->has_id = true;
            break;
        case 3:
            rc = wl_pb_want(pb, f, "type", wt, WL_PB_VARINT) || wl_pb_varint(pb, end, &type);
            break;
        case 4:
        case 5:
            rc = rd_deps(r, end, f, wt, tab);
            break;
        case 7:
            rc = wl_pb_want(pb, f, "duration_micros", wt, WL_PB_VARINT) ||
                 wl_pb_varint(pb, end, &dur);
            break;
        case 10: {
            uint64_t len;
            rc = wl_pb_want(pb, f, "attr", wt, WL_PB_LEN) || wl_pb_len(pb, end, f, &len) ||
                 rd_attr(r, wl_pb_at(pb) + len, av);
            break;
        }
        default: /* name, start time, inputs, outputs, storage, unknown */
            rc = wl_pb_skip(pb, end, f, wt);
        }
        if (rc)
            return -1;
    }
    return wl_chakra_node_end(r->c, tab, r->id, type, av, dur);
}

/* One length prefix: the message's end, checked against the file's. */
static int rd_message(rd_t *r, uint64_t *end)
{
    uint64_t len;
    if (wl_pb_message(&r->pb, end, &len))
        return -1;
    if (r->in_node && len > r->c->st->largest_message)
        r->c->st->largest_message = len;
    return 0;
}

/* Reads the messages of one rank's file into tab. */
static int rd_messages(rd_t *r, wl_chakra_tab_t *tab)
{
    wl_pb_reader_t *pb = &r->pb;
    uint64_t end = 0;
    int rc = 0;
    if (pb->size == 0)
        rc = wl_pb_fail(pb, "the file is empty");
    if (rc == 0 && (rc = rd_message(r, &end)) == 0) {
        while (rc == 0 && wl_pb_at(pb) < end) { /* GlobalMetadata: nothing kept */
            uint32_t fl = 0;
            unsigned wt = 0;
            rc = wl_pb_key(pb, end, &fl, &wt) || wl_pb_skip(pb, end, fl, wt) ? -1 : 0;
        }
    }
    r->in_node = true;
    while (rc == 0 && wl_pb_at(pb) < pb->size) {
        if (tab->n == UINT32_MAX - 1)
            rc = wl_pb_fail(pb, "more than %u nodes", UINT32_MAX - 1);
        r->node = tab->n;
        r->has_id = false;
        if (rc == 0 && (rc = rd_message(r, &end)) == 0)
            rc = rd_node(r, end, tab);
    }
    return rc;
}

/* Reads one rank's file into program pi. */
static int read_rank(wl_chakra_ctx_t *c, wl_trace_t *t, int32_t pi, size_t buf_size)
{
    rd_t r = {.c = c};
    if (wl_pb_reader_init(&r.pb, c->src, buf_size, rd_label, &r, c->err))
        return -1;
    wl_chakra_tab_t tab = {0};
    int rc = rd_messages(&r, &tab);
    c->st->bytes_read += r.pb.bytes_read;
    wl_pb_reader_destroy(&r.pb);
    if (rc == 0)
        rc = wl_chakra_build_program(c, t, pi, &tab);
    wl_chakra_tab_free(&tab);
    return rc;
}

/* ---- finding the files -------------------------------------------------- */

static bool is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The rank of directory entry `name` when it is BASE.<rank>.et (decimal,
 * no leading zero), else -1. */
static long entry_rank(const char *name, const char *base)
{
    size_t bl = strlen(base);
    if (strncmp(name, base, bl) != 0 || name[bl] != '.')
        return -1;
    const char *p = name + bl + 1, *q = p;
    long v = 0;
    while (*q >= '0' && *q <= '9' && q - p < 9)
        v = v * 10 + (*q++ - '0');
    if (q == p || (*p == '0' && q - p > 1) || strcmp(q, ".et") != 0)
        return -1;
    return v;
}

/* Counts PREFIX.0.et, PREFIX.1.et, ... and refuses a gap before a later
 * file. Returns the count, or -1. */
static int32_t count_ranks(const char *prefix, char *path, size_t n, tn_error_t *err)
{
    int32_t ranks = 0;
    for (;;) {
        snprintf(path, n, "%s.%d.et", prefix, ranks);
        if (!is_file(path))
            break;
        if (++ranks > WL_MAX_RANKS)
            return tn_error_set(err, TN_EINPUT, "%s: more than %d ranks", prefix, WL_MAX_RANKS);
    }
    const char *slash = strrchr(prefix, '/');
    char *dir = tn_strdup(slash ? prefix : ".");
    if (slash)
        dir[slash == prefix ? 1 : slash - prefix] = '\0';
    const char *base = slash ? slash + 1 : prefix;
    long later = -1;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        long k = entry_rank(e->d_name, base);
        if (k > ranks && (later < 0 || k < later))
            later = k;
    }
    if (d)
        closedir(d);
    free(dir);
    if (later >= 0) {
        snprintf(path, n, "%s.%ld.et", prefix, later);
        if (is_file(path))
            return tn_error_set(err, TN_EINPUT, "%s.%d.et is missing but %s.%ld.et exists",
                                prefix, ranks, prefix, later);
    }
    if (ranks == 0)
        return tn_error_set(err, TN_EINPUT, "no Chakra trace at %s: %s.0.et does not exist",
                            prefix, prefix);
    return ranks;
}

/* The length of PREFIX when name is PREFIX.N.et (N as entry_rank() reads
 * it, PREFIX not empty), else 0. */
static size_t rank_file_prefix(const char *name)
{
    size_t n = strlen(name);
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    if (n < 3 || strcmp(name + n - 3, ".et"))
        return 0;
    const char *dot = name + n - 3;
    while (dot > base && dot[-1] >= '0' && dot[-1] <= '9')
        dot--;
    if (dot - base < 2 || dot[-1] != '.')
        return 0;
    size_t len = (size_t)(dot - 1 - name);
    char *pre = tn_malloc(len + 1);
    memcpy(pre, name, len);
    pre[len] = '\0';
    bool ok = entry_rank(base, pre + (base - name)) >= 0;
    free(pre);
    return ok ? len : 0;
}

char *wl_chakra_prefix(const char *arg)
{
    size_t n = strlen(arg);
    char *p = tn_malloc(n + 16);
    snprintf(p, n + 16, "%s.0.et", arg);
    if (is_file(p)) {
        memcpy(p, arg, n + 1);
        return p;
    }
    size_t len = rank_file_prefix(arg);
    if (len && is_file(arg)) {
        memcpy(p, arg, len);
        p[len] = '\0';
        return p;
    }
    free(p);
    return NULL;
}

int wl_chakra_read_opts(wl_trace_t *t, const char *prefix, const wl_chakra_opts_t *opts,
                        tn_error_t *err, wl_chakra_stats_t *stats)
{
    /* a rank's file (trace.0.et) stands for its trace (trace) */
    char *named = wl_chakra_prefix(prefix);
    if (named && strcmp(named, prefix)) {
        int rc = wl_chakra_read_opts(t, named, opts, err, stats);
        free(named);
        return rc;
    }
    free(named);
    wl_chakra_stats_t own;
    wl_chakra_stats_t *st = stats ? stats : &own;
    memset(st, 0, sizeof *st);
    memset(t, 0, sizeof *t);
    /* a rank's file that is not there: named as given */
    if (rank_file_prefix(prefix))
        return tn_error_set(err, TN_EINPUT, "no Chakra trace at %s: no such file", prefix);
    size_t n = strlen(prefix) + 32;
    char *path = tn_malloc(n);
    int32_t ranks = count_ranks(prefix, path, n, err);
    if (ranks < 0) {
        free(path);
        return -1;
    }
    wl_trace_init(t, ranks);
    wl_chakra_add_world(t);
    wl_chakra_ctx_t c = {.src = path, .ctrl = opts && opts->ctrl_deps, .n_ranks = ranks,
                         .st = st, .err = err};
    size_t buf = opts && opts->buf_size ? opts->buf_size : DEFAULT_BUF;
    int rc = 0;
    for (int32_t r = 0; r < ranks && rc == 0; r++) {
        char name[32];
        snprintf(path, n, "%s.%d.et", prefix, r);
        snprintf(name, sizeof name, "rank %d", r);
        c.rank = r;
        int32_t pi = wl_trace_add_program(t, name);
        t->rank_prog[r] = pi;
        if ((rc = read_rank(&c, t, pi, buf)) == 0)
            st->ranks++;
    }
    free(path);
    if (rc)
        wl_trace_destroy(t);
    return rc;
}

int wl_chakra_read(wl_trace_t *t, const char *prefix, tn_error_t *err, wl_chakra_stats_t *stats)
{
    return wl_chakra_read_opts(t, prefix, NULL, err, stats);
}

