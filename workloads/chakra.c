#include "workloads/chakra.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/tn_json.h"
#include "common/tn_map.h"

#define MAX_BYTES ((uint64_t)1 << 44)                     /* as tensim's own trace format */
#define MAX_DURATION_US ((uint64_t)(1ull << 62) / 1000000u) /* duration_ps below 2^62 */
#define DEFAULT_BUF ((size_t)64 << 10)
#define NO_OP UINT32_MAX

/* Chakra NodeType and CollectiveCommType values (et_def.proto). */
enum { NT_COMP = 4, NT_SEND = 5, NT_RECV = 6, NT_COLL = 7 };
enum {
    CT_ALL_REDUCE = 0,
    CT_REDUCE = 1,
    CT_ALL_GATHER = 2,
    CT_GATHER = 3,
    CT_SCATTER = 4,
    CT_BROADCAST = 5,
    CT_ALL_TO_ALL = 6,
    CT_REDUCE_SCATTER = 7,
    CT_REDUCE_SCATTER_BLOCK = 8,
    CT_BARRIER = 9,
};

/* ---- attributes --------------------------------------------------------- */

/* The attributes read; the others are skipped. */
enum { A_COMM_TYPE, A_COMM_SIZE, A_COMM_SRC, A_COMM_DST, A_COMM_TAG, A_NUM_OPS, A_IS_CPU_OP, A_COUNT };
static const char *const attr_names[A_COUNT] = {"comm_type", "comm_size", "comm_src", "comm_dst",
                                                "comm_tag",  "num_ops",   "is_cpu_op"};

/* One attribute value: an integer of any kind (magnitude u, negative when
 * neg: then u holds the two's complement), a real, or something else. */
enum { AV_NONE, AV_INT, AV_REAL, AV_OTHER };
typedef struct {
    uint8_t kind, neg;
    uint64_t u;
    double d;
    const char *what; /* the value's kind, for messages */
} attr_val_t;

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

/* ---- the nodes of one rank ---------------------------------------------- */

typedef struct {
    uint64_t id;
    wl_op_t op;
    uint8_t keep;             /* becomes an op */
    uint32_t dep_off, n_deps; /* into the table's deps */
} cnode_t;

typedef struct {
    cnode_t *nodes;
    uint32_t n;
    size_t cap;
    uint64_t *deps;   /* ids, as read */
    uint8_t *dep_ctrl; /* by dep: from ctrl_deps */
    uint32_t n_deps;
    size_t deps_cap, ctrl_cap;
} ctab_t;

typedef struct {
    const char *src; /* file name for messages */
    bool json;
    bool ctrl;       /* ctrl_deps are dependencies */
    int32_t rank, n_ranks;
    wl_chakra_stats_t *st;
    tn_error_t *err;
} cctx_t;

static void tab_free(ctab_t *tab)
{
    free(tab->nodes);
    free(tab->deps);
    free(tab->dep_ctrl);
    memset(tab, 0, sizeof *tab);
}

static void tab_push_dep(ctab_t *tab, uint64_t id, bool ctrl)
{
    TN_ASSERT(tab->n_deps < UINT32_MAX);
    TN_GROW(tab->deps, tab->deps_cap, (size_t)tab->n_deps + 1);
    TN_GROW(tab->dep_ctrl, tab->ctrl_cap, (size_t)tab->n_deps + 1);
    tab->deps[tab->n_deps] = id;
    tab->dep_ctrl[tab->n_deps++] = ctrl;
}

/* Counts a dependency read, and keeps it when it is one. */
static int add_dep(cctx_t *c, ctab_t *tab, uint64_t id, bool ctrl)
{
    if (!ctrl) {
        c->st->data_deps++;
    } else {
        c->st->ctrl_deps++;
        if (!c->ctrl) {
            c->st->ctrl_deps_unused++;
            return 0;
        }
    }
    tab_push_dep(tab, id, ctrl);
    return 0;
}

/* "node 17 (id 4242)", or "workload_graph[17] (id 4242)" for JSON. */
static void node_label(const cctx_t *c, uint32_t i, uint64_t id, bool has_id, char *b, size_t n)
{
    int k = snprintf(b, n, c->json ? "workload_graph[%u]" : "node %u", i);
    if (has_id && k > 0 && (size_t)k < n)
        snprintf(b + k, n - (size_t)k, " (id %" PRIu64 ")", id);
}

/* Sets err to "src: node 17 (id 4242): message"; returns -1. */
static int node_fail(const cctx_t *c, uint32_t i, uint64_t id, bool has_id, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int node_fail(const cctx_t *c, uint32_t i, uint64_t id, bool has_id, const char *fmt, ...)
{
    char label[64], msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    node_label(c, i, id, has_id, label, sizeof label);
    return tn_error_set(c->err, TN_EINPUT, "%s: %s: %s", c->src, label, msg);
}

/* An attribute as an unsigned integer at most max. Returns 1 when absent,
 * 0 when read, -1 on error. */
static int attr_uint(const cctx_t *c, uint32_t i, uint64_t id, const attr_val_t *av, int which,
                     uint64_t max, uint64_t *out)
{
    const attr_val_t *a = &av[which];
    const char *word = c->json ? "key" : "attribute";
    if (a->kind == AV_NONE)
        return 1;
    if (a->kind != AV_INT)
        return node_fail(c, i, id, true, "%s %s: expected an integer, got %s", word,
                         attr_names[which], a->what);
    if (a->neg)
        return node_fail(c, i, id, true, "%s %s is negative (%" PRId64 ")", word,
                         attr_names[which], (int64_t)a->u);
    if (a->u > max)
        return node_fail(c, i, id, true, "%s %s is %" PRIu64 ", above %" PRIu64, word,
                         attr_names[which], a->u, max);
    *out = a->u;
    return 0;
}

/* A compute op of the node's measured duration (and num_ops as FLOPs). */
static int make_compute(const cctx_t *c, uint32_t i, uint64_t id, const attr_val_t *av,
                        uint64_t dur_us, wl_op_t *op)
{
    if (dur_us > MAX_DURATION_US)
        return node_fail(c, i, id, true, "%s %" PRIu64 " us is above %" PRIu64 " us",
                         c->json ? "runtime" : "duration_micros", dur_us, MAX_DURATION_US);
    op->kind = WL_OP_COMPUTE;
    op->comm = -1;
    op->duration_ps = dur_us * 1000000ull;
    const attr_val_t *n = &av[A_NUM_OPS];
    if (n->kind == AV_REAL) {
        if (!isfinite(n->d) || n->d < 0)
            return node_fail(c, i, id, true, "%s num_ops is %g, not a non-negative number",
                             c->json ? "key" : "attribute", n->d);
        op->flops = n->d;
    } else {
        uint64_t f = 0;
        if (attr_uint(c, i, id, av, A_NUM_OPS, UINT64_MAX, &f) < 0)
            return -1;
        op->flops = (double)f;
    }
    return 0;
}

static int make_collective(const cctx_t *c, uint32_t i, uint64_t id, const attr_val_t *av,
                           wl_op_t *op)
{
    static const int8_t coll_of[] = {
        [CT_ALL_REDUCE] = WL_COLL_ALLREDUCE, [CT_REDUCE] = WL_COLL_REDUCE,
        [CT_ALL_GATHER] = WL_COLL_ALLGATHER, [CT_GATHER] = -1,
        [CT_SCATTER] = -1,                   [CT_BROADCAST] = WL_COLL_BROADCAST,
        [CT_ALL_TO_ALL] = WL_COLL_ALLTOALL,  [CT_REDUCE_SCATTER] = WL_COLL_REDUCESCATTER,
        [CT_REDUCE_SCATTER_BLOCK] = -1,      [CT_BARRIER] = WL_COLL_ALLREDUCE,
    };
    static const char *const unsupported[] = {
        [CT_GATHER] = "GATHER", [CT_SCATTER] = "SCATTER",
        [CT_REDUCE_SCATTER_BLOCK] = "REDUCE_SCATTER_BLOCK"};
    uint64_t type = 0, size = 0;
    int rc = attr_uint(c, i, id, av, A_COMM_TYPE, UINT32_MAX, &type);
    if (rc < 0)
        return -1;
    if (rc == 1)
        return node_fail(c, i, id, true, "a collective with no comm_type");
    if (type > CT_BARRIER)
        return node_fail(c, i, id, true, "comm_type %" PRIu64 " is not a Chakra collective type",
                         type);
    if (coll_of[type] < 0)
        return node_fail(c, i, id, true,
                         "comm_type %" PRIu64 " (%s): tensim has no such collective", type,
                         unsupported[type]);
    op->kind = WL_OP_COLLECTIVE;
    op->coll = (uint8_t)coll_of[type];
    op->comm = 0;
    if (type == CT_BARRIER) { /* everyone waits for everyone: a 0-byte all-reduce */
        c->st->barriers++;
        return 0;
    }
    rc = attr_uint(c, i, id, av, A_COMM_SIZE, MAX_BYTES, &size);
    if (rc < 0)
        return -1;
    if (rc == 1)
        return node_fail(c, i, id, true, "a collective with no comm_size");
    op->bytes = size;
    return 0;
}

static int make_p2p(const cctx_t *c, uint32_t i, uint64_t id, const attr_val_t *av, bool send,
                    wl_op_t *op)
{
    const char *what = send ? "send" : "recv";
    int which = send ? A_COMM_DST : A_COMM_SRC;
    uint64_t peer = 0, size = 0, tag = 0;
    int rc = attr_uint(c, i, id, av, which, UINT64_MAX, &peer);
    if (rc < 0)
        return -1;
    if (rc == 1)
        return node_fail(c, i, id, true, "a %s with no %s", what, attr_names[which]);
    if (peer >= (uint64_t)c->n_ranks)
        return node_fail(c, i, id, true, "%s %" PRIu64 " is not a rank (the trace has %d)",
                         attr_names[which], peer, c->n_ranks);
    if (peer == (uint64_t)c->rank)
        return node_fail(c, i, id, true, "%s %" PRIu64 " is the node's own rank",
                         attr_names[which], peer);
    if ((rc = attr_uint(c, i, id, av, A_COMM_SIZE, MAX_BYTES, &size)) < 0)
        return -1;
    if (rc == 1)
        return node_fail(c, i, id, true, "a %s with no comm_size", what);
    if (attr_uint(c, i, id, av, A_COMM_TAG, INT32_MAX, &tag) < 0)
        return -1;
    op->kind = send ? WL_OP_SEND : WL_OP_RECV;
    op->comm = 0;
    op->peer = (int32_t)peer;
    op->tag = (int32_t)tag;
    op->bytes = size;
    return 0;
}

/* Turns a parsed node into its op (or marks it dropped), counting it. */
static int node_to_op(const cctx_t *c, uint32_t i, uint64_t id, uint64_t type,
                      const attr_val_t *av, uint64_t dur_us, cnode_t *nd)
{
    wl_chakra_stats_t *st = c->st;
    memset(&nd->op, 0, sizeof nd->op);
    nd->op.comm = -1;
    nd->id = id;
    nd->keep = 1;
    st->nodes++;
    if (type < WL_CHAKRA_NODE_TYPES)
        st->nodes_by_type[type]++;
    else
        st->nodes_other_type++;
    if (type == NT_COMP)
        return make_compute(c, i, id, av, dur_us, &nd->op);
    if (type != NT_COLL && type != NT_SEND && type != NT_RECV) {
        nd->keep = 0;
        st->dropped++;
        return 0;
    }
    uint64_t cpu = 0;
    if (attr_uint(c, i, id, av, A_IS_CPU_OP, UINT64_MAX, &cpu) < 0)
        return -1;
    if (cpu) { /* the host call that launches the kernel */
        st->cpu_comm_compute++;
        return make_compute(c, i, id, av, dur_us, &nd->op);
    }
    if (c->json && av[A_COMM_SIZE].kind == AV_NONE) {
        st->json_comm_compute++;
        return make_compute(c, i, id, av, dur_us, &nd->op);
    }
    if (type == NT_COLL)
        return make_collective(c, i, id, av, &nd->op);
    return make_p2p(c, i, id, av, type == NT_SEND, &nd->op);
}

/* ---- dependencies: order, check, pass through dropped nodes ------------- */

static void heap_push(uint32_t *h, uint32_t *n, uint32_t x)
{
    uint32_t i = (*n)++;
    h[i] = x;
    while (i && h[(i - 1) / 2] > h[i]) {
        uint32_t p = (i - 1) / 2, tmp = h[p];
        h[p] = h[i];
        h[i] = tmp;
        i = p;
    }
}

static uint32_t heap_pop(uint32_t *h, uint32_t *n)
{
    uint32_t top = h[0], i = 0;
    h[0] = h[--*n];
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < *n && h[l] < h[m])
            m = l;
        if (r < *n && h[r] < h[m])
            m = r;
        if (m == i)
            return top;
        uint32_t tmp = h[m];
        h[m] = h[i];
        h[i] = tmp;
        i = m;
    }
}

/* Names a cycle among the nodes Kahn's algorithm left (left[v] > 0: each
 * such node has a predecessor left too): walks predecessors from the
 * lowest one left until a node repeats, then reports that loop from its
 * lowest node. Returns -1. */
static int cycle_fail(const cctx_t *c, const ctab_t *tab, const uint32_t *pred,
                      const uint32_t *left)
{
    uint32_t n = tab->n, v = 0;
    uint32_t *step = tn_calloc((size_t)n + 1, sizeof *step), *walk = tn_malloc(((size_t)n + 1) * sizeof *walk);
    while (left[v] == 0)
        v++;
    uint32_t len = 0;
    while (step[v] == 0) {
        walk[len] = v;
        step[v] = ++len;
        const cnode_t *nd = &tab->nodes[v];
        uint32_t next = NO_OP;
        for (uint32_t k = 0; k < nd->n_deps && next == NO_OP; k++)
            if (left[pred[nd->dep_off + k]] > 0)
                next = pred[nd->dep_off + k];
        TN_ASSERT(next != NO_OP);
        v = next;
    }
    uint32_t first = step[v] - 1, m = len - first, low = first; /* the loop: walk[first..len) */
    for (uint32_t k = first; k < len; k++)
        if (walk[k] < walk[low])
            low = k;
    char msg[600];
    size_t at = 0;
    for (uint32_t k = 0; k <= m && at < sizeof msg; k++) {
        uint32_t u = walk[first + (low - first + k) % m];
        if (k == 8 && k < m) {
            at += (size_t)snprintf(msg + at, sizeof msg - at, ", ... (%u nodes)", m);
            break;
        }
        at += (size_t)snprintf(msg + at, sizeof msg - at, "%sid %" PRIu64,
                               k == 0 ? "" : k == 1 ? " depends on " : ", which depends on ",
                               tab->nodes[u].id);
    }
    uint32_t lo = walk[low];
    free(step);
    free(walk);
    return node_fail(c, lo, tab->nodes[lo].id, true, "dependency cycle: %s", msg);
}

/* Adds the kept nodes of tab to program pi in dependency order (Kahn's
 * algorithm, ties by file order), each depending on its kept predecessors
 * and on what its dropped predecessors depended on. Returns 0 or -1. */
static int build_program(const cctx_t *c, wl_trace_t *t, int32_t pi, ctab_t *tab)
{
    uint32_t n = tab->n, nd_all = tab->n_deps;
    int rc = 0;
    tn_map_t ids;
    tn_map_init(&ids);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        uintptr_t prev = (uintptr_t)tn_map_get(&ids, tab->nodes[i].id);
        if (prev)
            rc = node_fail(c, i, tab->nodes[i].id, true, "node %u has this id too",
                           (uint32_t)(prev - 1));
        else
            tn_map_put(&ids, tab->nodes[i].id, (void *)(uintptr_t)(i + 1));
    }
    uint32_t *pred = tn_malloc(((size_t)nd_all + 1) * sizeof *pred);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        const cnode_t *nd = &tab->nodes[i];
        for (uint32_t k = nd->dep_off; k < nd->dep_off + nd->n_deps && rc == 0; k++) {
            const char *kind = tab->dep_ctrl[k] ? "ctrl_deps" : "data_deps";
            uintptr_t j = (uintptr_t)tn_map_get(&ids, tab->deps[k]);
            if (!j)
                rc = node_fail(c, i, nd->id, true, "%s names id %" PRIu64 ", which is not in the file",
                               kind, tab->deps[k]);
            else if (j - 1 == i)
                rc = node_fail(c, i, nd->id, true, "depends on itself (%s)", kind);
            pred[k] = (uint32_t)(j - 1);
        }
    }
    tn_map_destroy(&ids);
    if (rc) {
        free(pred);
        return rc;
    }

    /* successors (CSR) and Kahn's algorithm */
    uint32_t *off = tn_calloc((size_t)n + 2, sizeof *off), *left = tn_calloc((size_t)n + 1, sizeof *left);
    uint32_t *succ = tn_malloc(((size_t)nd_all + 1) * sizeof *succ);
    uint32_t *order = tn_malloc(((size_t)n + 1) * sizeof *order), *heap = tn_malloc(((size_t)n + 1) * sizeof *heap);
    for (uint32_t k = 0; k < nd_all; k++)
        off[pred[k] + 1]++;
    for (uint32_t i = 0; i < n; i++)
        off[i + 1] += off[i];
    uint32_t *fill = tn_malloc(((size_t)n + 1) * sizeof *fill);
    memcpy(fill, off, (size_t)n * sizeof *fill);
    for (uint32_t i = 0; i < n; i++) {
        const cnode_t *nd = &tab->nodes[i];
        left[i] = nd->n_deps;
        for (uint32_t k = nd->dep_off; k < nd->dep_off + nd->n_deps; k++)
            succ[fill[pred[k]]++] = i;
    }
    free(fill);
    uint32_t hn = 0, done = 0;
    for (uint32_t i = 0; i < n; i++)
        if (left[i] == 0)
            heap_push(heap, &hn, i);
    while (hn) {
        uint32_t v = heap_pop(heap, &hn);
        order[done++] = v;
        for (uint32_t k = off[v]; k < off[v + 1]; k++)
            if (--left[succ[k]] == 0)
                heap_push(heap, &hn, succ[k]);
    }
    free(heap);
    free(succ);
    free(off);
    if (done < n) {
        rc = cycle_fail(c, tab, pred, left);
        free(left);
        free(order);
        free(pred);
        return rc;
    }
    free(left);

    /* emit: pos[] is a kept node's op, eff[] what a dropped node stands for */
    uint32_t *pos = tn_malloc(((size_t)n + 1) * sizeof *pos), *stamp = tn_calloc((size_t)n + 1, sizeof *stamp);
    uint32_t *eff_off = tn_malloc(((size_t)n + 1) * sizeof *eff_off), *eff_len = tn_malloc(((size_t)n + 1) * sizeof *eff_len);
    uint32_t *tmp = tn_malloc(((size_t)n + 1) * sizeof *tmp), *eff = NULL;
    size_t n_eff = 0, eff_cap = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t v = order[k], m = 0;
        const cnode_t *nd = &tab->nodes[v];
        for (uint32_t d = nd->dep_off; d < nd->dep_off + nd->n_deps; d++) {
            uint32_t p = pred[d];
            const uint32_t *from = pos[p] != NO_OP ? &pos[p] : eff + eff_off[p];
            uint32_t cnt = pos[p] != NO_OP ? 1 : eff_len[p];
            for (uint32_t e = 0; e < cnt; e++)
                if (stamp[from[e]] != k + 1) {
                    stamp[from[e]] = k + 1;
                    tmp[m++] = from[e];
                }
        }
        if (nd->keep) {
            pos[v] = wl_program_add_op(t, pi, &nd->op, tmp, m);
            c->st->ops_by_kind[nd->op.kind]++;
        } else {
            pos[v] = NO_OP;
            TN_GROW(eff, eff_cap, n_eff + m + 1);
            memcpy(eff + n_eff, tmp, (size_t)m * sizeof *tmp);
            TN_ASSERT(n_eff + m <= UINT32_MAX);
            eff_off[v] = (uint32_t)n_eff;
            eff_len[v] = m;
            n_eff += m;
        }
    }
    free(eff);
    free(tmp);
    free(eff_len);
    free(eff_off);
    free(stamp);
    free(pos);
    free(order);
    free(pred);
    return 0;
}

/* ---- the protobuf stream ------------------------------------------------ */

typedef struct {
    FILE *f;
    unsigned char *buf;
    size_t cap, pos, len;
    uint64_t base; /* file offset of buf[0] */
    uint64_t size; /* of the file */
    cctx_t *c;
    bool in_node, has_id; /* what is being read, for messages */
    uint32_t node;
    uint64_t id;
} rd_t;

static inline uint64_t rd_at(const rd_t *r) { return r->base + r->pos; }

/* Sets err to "src: node 17 (id 4242): message" (or "src: global
 * metadata: ..."); returns -1. */
static int rd_fail(const rd_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rd_fail(const rd_t *r, const char *fmt, ...)
{
    char label[64], msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->in_node)
        node_label(r->c, r->node, r->id, r->has_id, label, sizeof label);
    else
        snprintf(label, sizeof label, "global metadata");
    return tn_error_set(r->c->err, TN_EINPUT, "%s: %s: %s", r->c->src, label, msg);
}

/* Makes buf hold unread bytes: 1, or 0 at the end of the file, or -1 on a
 * read error. */
static int rd_fill(rd_t *r)
{
    if (r->pos < r->len)
        return 1;
    r->base += r->len;
    r->pos = 0;
    r->len = fread(r->buf, 1, r->cap, r->f);
    r->c->st->bytes_read += r->len;
    if (r->len > 0)
        return 1;
    if (ferror(r->f))
        return tn_error_set(r->c->err, TN_EIO, "%s: read error at byte %" PRIu64 ": %s",
                            r->c->src, r->base, strerror(errno));
    return 0;
}

/* A varint that must end before byte `end`. */
static int rd_varint(rd_t *r, uint64_t end, uint64_t *out)
{
    uint64_t start = rd_at(r), v = 0;
    if (r->len - r->pos >= 10 && end - start >= 10) { /* the whole varint is in buf */
        const unsigned char *p = r->buf + r->pos;
        for (unsigned k = 0; k < 10; k++) {
            if (k == 9 && p[k] > 1)
                return rd_fail(r, "varint longer than 64 bits at byte %" PRIu64, start);
            v |= (uint64_t)(p[k] & 0x7f) << (7 * k);
            if (!(p[k] & 0x80)) {
                r->pos += k + 1;
                *out = v;
                return 0;
            }
        }
    }
    for (unsigned k = 0;; k++) {
        int f = rd_at(r) < end ? rd_fill(r) : 0;
        if (f < 0)
            return -1;
        if (f == 0)
            return rd_fail(r, "truncated varint at byte %" PRIu64, start);
        unsigned b = r->buf[r->pos++];
        if (k == 9 && b > 1)
            return rd_fail(r, "varint longer than 64 bits at byte %" PRIu64, start);
        v |= (uint64_t)(b & 0x7f) << (7 * k);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
}

/* Reads n bytes into dst (or skips them when dst is NULL). The caller
 * checked they lie within the file. */
static int rd_bytes(rd_t *r, void *dst, uint64_t n)
{
    unsigned char *d = dst;
    while (n) {
        int f = rd_fill(r);
        if (f < 0)
            return -1;
        if (f == 0)
            return rd_fail(r, "the file ended at byte %" PRIu64 ", before its size said",
                           rd_at(r));
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

/* A little-endian fixed32 or fixed64 ending before `end`. */
static int rd_fixed(rd_t *r, uint64_t end, unsigned n, uint32_t field, uint64_t *out)
{
    unsigned char b[8];
    if (end - rd_at(r) < n)
        return rd_fail(r, "field %u (%u bytes) at byte %" PRIu64 " runs past the end of its message",
                       field, n, rd_at(r));
    if (rd_bytes(r, b, n))
        return -1;
    uint64_t v = 0;
    for (unsigned k = n; k-- > 0;)
        v = v << 8 | b[k];
    *out = v;
    return 0;
}

/* A field's key: its number and wire type. */
static int rd_key(rd_t *r, uint64_t end, uint32_t *field, unsigned *wt)
{
    uint64_t at = rd_at(r), key;
    if (rd_varint(r, end, &key))
        return -1;
    *wt = (unsigned)(key & 7);
    if (key >> 3 == 0 || key >> 3 > 0x1fffffff)
        return rd_fail(r, "field number %" PRIu64 " at byte %" PRIu64 " is not a valid one",
                       key >> 3, at);
    *field = (uint32_t)(key >> 3);
    if (*wt == 3 || *wt == 4 || *wt > 5)
        return rd_fail(r, "wire type %u (field %u) at byte %" PRIu64 " cannot occur%s", *wt,
                       *field, at, *wt == 3 || *wt == 4 ? ": groups are not in proto3" : "");
    return 0;
}

/* A length-delimited field's length, which must fit before `end`. */
static int rd_len(rd_t *r, uint64_t end, uint32_t field, uint64_t *len)
{
    uint64_t at = rd_at(r);
    if (rd_varint(r, end, len))
        return -1;
    if (*len > end - rd_at(r))
        return rd_fail(r,
                       "field %u of %" PRIu64 " bytes at byte %" PRIu64
                       " runs past the end of its message (%" PRIu64 " bytes left)",
                       field, *len, at, end - rd_at(r));
    return 0;
}

static int rd_skip_field(rd_t *r, uint64_t end, uint32_t field, unsigned wt)
{
    uint64_t v;
    switch (wt) {
    case 0:
        return rd_varint(r, end, &v);
    case 1:
        return rd_fixed(r, end, 8, field, &v);
    case 5:
        return rd_fixed(r, end, 4, field, &v);
    default:
        if (rd_len(r, end, field, &v))
            return -1;
        return rd_bytes(r, NULL, v);
    }
}

static int rd_want(rd_t *r, uint32_t field, const char *name, unsigned wt, unsigned want)
{
    if (wt == want)
        return 0;
    return rd_fail(r, "field %u (%s) has wire type %u, expected %u", field, name, wt, want);
}

/* An AttributeProto ending at `end`; keeps the value when its name is one
 * of attr_names. */
static int rd_attr(rd_t *r, uint64_t end, attr_val_t *av)
{
    char name[24];
    bool named = false;
    attr_val_t v = {0};
    while (rd_at(r) < end) {
        uint32_t f = 0;
        unsigned wt = 0;
        uint64_t x;
        if (rd_key(r, end, &f, &wt))
            return -1;
        if (f == 1) { /* name */
            if (rd_want(r, f, "name", wt, 2) || rd_len(r, end, f, &x))
                return -1;
            named = x < sizeof name;
            if (rd_bytes(r, named ? name : NULL, x))
                return -1;
            if (named)
                name[x] = '\0';
            continue;
        }
        if (f < 3 || f > 32) { /* doc_string, or unknown */
            if (rd_skip_field(r, end, f, wt))
                return -1;
            continue;
        }
        const char *fname = av_field_names[f - 3];
        if (rd_want(r, f, fname, wt, av_field_wire[f - 3]))
            return -1;
        memset(&v, 0, sizeof v);
        v.what = fname;
        if (f % 2 == 0 || f >= 29) { /* lists, string, bytes */
            v.kind = AV_OTHER;
            if (rd_skip_field(r, end, f, wt))
                return -1;
            continue;
        }
        if (wt == 0 ? rd_varint(r, end, &x) : rd_fixed(r, end, wt == 1 ? 8 : 4, f, &x))
            return -1;
        v.kind = AV_INT;
        int64_t s = 0;
        switch (f) {
        case 3: /* double */
            v.kind = AV_REAL;
            memcpy(&v.d, &x, sizeof v.d);
            break;
        case 5: { /* float */
            uint32_t w = (uint32_t)x;
            float fl;
            memcpy(&fl, &w, sizeof fl);
            v.kind = AV_REAL;
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
        case 17: /* sint64: zigzag */
            s = (int64_t)(x >> 1) ^ -(int64_t)(x & 1);
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
        if (v.kind == AV_INT) {
            v.neg = s < 0;
            v.u = (uint64_t)s;
        }
    }
    if (named)
        for (int k = 0; k < A_COUNT; k++)
            if (!strcmp(name, attr_names[k]))
                av[k] = v;
    return 0;
}

/* Repeated uint64 ids, packed (wt 2) or one (wt 0). */
static int rd_deps(rd_t *r, uint64_t end, uint32_t f, unsigned wt, ctab_t *tab)
{
    uint64_t x, len;
    bool ctrl = f == 4;
    if (wt == 0) {
        if (rd_varint(r, end, &x))
            return -1;
        return add_dep(r->c, tab, x, ctrl);
    }
    if (rd_want(r, f, ctrl ? "ctrl_deps" : "data_deps", wt, 2) || rd_len(r, end, f, &len))
        return -1;
    uint64_t stop = rd_at(r) + len;
    while (rd_at(r) < stop)
        if (rd_varint(r, stop, &x) || add_dep(r->c, tab, x, ctrl))
            return -1;
    return 0;
}

/* A Node message ending at `end`, into the table. */
static int rd_node(rd_t *r, uint64_t end, ctab_t *tab)
{
    uint64_t type = 0, dur = 0;
    attr_val_t av[A_COUNT];
    memset(av, 0, sizeof av);
    TN_GROW(tab->nodes, tab->cap, (size_t)tab->n + 1);
    cnode_t *nd = &tab->nodes[tab->n];
    nd->dep_off = tab->n_deps;
    r->id = 0;
    r->has_id = false;
    while (rd_at(r) < end) {
        uint32_t f = 0;
        unsigned wt = 0;
        int rc = 0;
        if (rd_key(r, end, &f, &wt))
            return -1;
        switch (f) {
        case 1:
            rc = rd_want(r, f, "id", wt, 0) || rd_varint(r, end, &r->id);
            r->has_id = true;
            break;
        case 3:
            rc = rd_want(r, f, "type", wt, 0) || rd_varint(r, end, &type);
            break;
        case 4:
        case 5:
            rc = rd_deps(r, end, f, wt, tab);
            break;
        case 7:
            rc = rd_want(r, f, "duration_micros", wt, 0) || rd_varint(r, end, &dur);
            break;
        case 10: {
            uint64_t len;
            rc = rd_want(r, f, "attr", wt, 2) || rd_len(r, end, f, &len) ||
                 rd_attr(r, rd_at(r) + len, av);
            break;
        }
        default: /* name, start time, inputs, outputs, storage, unknown */
            rc = rd_skip_field(r, end, f, wt);
        }
        if (rc)
            return -1;
    }
    nd->n_deps = tab->n_deps - nd->dep_off;
    if (node_to_op(r->c, tab->n, r->id, type, av, dur, nd))
        return -1;
    tab->n++;
    return 0;
}

/* One length prefix: the message's end, checked against the file's. */
static int rd_message(rd_t *r, uint64_t *end)
{
    uint64_t at = rd_at(r), len;
    if (rd_varint(r, r->size, &len))
        return -1;
    if (len > r->size - rd_at(r))
        return rd_fail(r,
                       "message of %" PRIu64 " bytes at byte %" PRIu64
                       " runs past the end of the file (%" PRIu64 " bytes)",
                       len, at, r->size);
    *end = rd_at(r) + len;
    if (r->in_node && len > r->c->st->largest_message)
        r->c->st->largest_message = len;
    return 0;
}

/* Reads one rank's file into program pi. */
static int read_rank(cctx_t *c, wl_trace_t *t, int32_t pi, size_t buf_size)
{
    FILE *f = fopen(c->src, "rb");
    if (!f)
        return tn_error_set(c->err, TN_EIO, "%s: cannot open: %s", c->src, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0) {
        int e = errno;
        fclose(f);
        return tn_error_set(c->err, TN_EIO, "%s: cannot stat: %s", c->src, strerror(e));
    }
    setvbuf(f, NULL, _IONBF, 0); /* ours is the buffer */
    rd_t r = {.f = f, .cap = buf_size, .size = (uint64_t)sb.st_size, .c = c};
    r.buf = tn_malloc(buf_size);
    ctab_t tab = {0};
    uint64_t end = 0;
    int rc = 0;
    if (r.size == 0)
        rc = rd_fail(&r, "the file is empty");
    if (rc == 0 && (rc = rd_message(&r, &end)) == 0) {
        while (rc == 0 && rd_at(&r) < end) { /* GlobalMetadata: nothing kept */
            uint32_t fl = 0;
            unsigned wt = 0;
            rc = rd_key(&r, end, &fl, &wt) || rd_skip_field(&r, end, fl, wt) ? -1 : 0;
        }
    }
    r.in_node = true;
    while (rc == 0 && rd_at(&r) < r.size) {
        if (tab.n == UINT32_MAX - 1)
            rc = rd_fail(&r, "more than %u nodes", UINT32_MAX - 1);
        r.node = tab.n;
        r.has_id = false;
        if (rc == 0 && (rc = rd_message(&r, &end)) == 0)
            rc = rd_node(&r, end, &tab);
    }
    free(r.buf);
    fclose(f);
    if (rc == 0)
        rc = build_program(c, t, pi, &tab);
    tab_free(&tab);
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

/* The trace's one communicator: every rank, one group. */
static void add_world(wl_trace_t *t)
{
    int32_t *g = tn_calloc((size_t)t->n_ranks, sizeof *g);
    wl_trace_add_comm(t, "world", 1, g);
    free(g);
}

int wl_chakra_read_opts(wl_trace_t *t, const char *prefix, const wl_chakra_opts_t *opts,
                        tn_error_t *err, wl_chakra_stats_t *stats)
{
    wl_chakra_stats_t own;
    wl_chakra_stats_t *st = stats ? stats : &own;
    memset(st, 0, sizeof *st);
    memset(t, 0, sizeof *t);
    size_t n = strlen(prefix) + 32;
    char *path = tn_malloc(n);
    int32_t ranks = count_ranks(prefix, path, n, err);
    if (ranks < 0) {
        free(path);
        return -1;
    }
    wl_trace_init(t, ranks);
    add_world(t);
    cctx_t c = {.src = path, .ctrl = opts && opts->ctrl_deps, .n_ranks = ranks, .st = st,
                .err = err};
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

/* ---- the JSON form ------------------------------------------------------ */

/* A JSON value as an attribute value. */
static attr_val_t json_attr(const json_t *v)
{
    attr_val_t a = {.kind = AV_OTHER};
    if (!v) {
        a.kind = AV_NONE;
    } else if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        a.kind = AV_INT;
        a.neg = x < 0;
        a.u = (uint64_t)x;
    } else if (json_is_boolean(v)) {
        a.kind = AV_INT;
        a.u = json_is_true(v);
    } else if (json_is_real(v)) {
        a.kind = AV_REAL;
        a.d = json_real_value(v);
        a.what = "a real number";
    } else {
        a.what = json_is_string(v) ? "a string"
                 : json_is_array(v) ? "an array"
                 : json_is_null(v)  ? "null"
                                    : "an object";
    }
    return a;
}

static int json_deps(cctx_t *c, tn_jobj_t *o, const char *key, bool ctrl, ctab_t *tab)
{
    const json_t *a = json_object_get(o->obj, key);
    char b[64];
    if (!a)
        return 0;
    if (!json_is_array(a))
        return tn_jobj_fail(o, key, "expected an array of node ids, got %s",
                            tn_json_brief(a, b, sizeof b));
    for (size_t k = 0; k < json_array_size(a); k++) {
        const json_t *e = json_array_get(a, k);
        if (!json_is_integer(e) || json_integer_value(e) < 0)
            return tn_jobj_fail(o, key, "expected an array of node ids, got %s in it",
                                tn_json_brief(e, b, sizeof b));
        add_dep(c, tab, (uint64_t)json_integer_value(e), ctrl);
    }
    return 0;
}

static int json_node(cctx_t *c, const json_t *v, uint32_t i, ctab_t *tab)
{
    static const char *const keys[] = {
        "Id",          "Name",      "NodeType",    "ctrlDeps",  "data_deps",
        "runtime",     "is_cpu_op", "num_ops",     "tensor_size", "comm_type",
        "comm_priority", "comm_size", "comm_src",  "comm_dst",  "comm_tag",
        NULL};
    char where[48];
    snprintf(where, sizeof where, "workload_graph[%u]", i);
    tn_jobj_t o;
    uint64_t id = 0, type = 0, runtime = 0;
    const char *name = NULL;
    if (tn_jobj_open(&o, v, c->src, where, keys, c->err) ||
        tn_jobj_u64(&o, "Id", true, 0, UINT64_MAX, &id) < 0 ||
        tn_jobj_str(&o, "Name", false, &name) < 0 ||
        tn_jobj_u64(&o, "NodeType", true, 0, UINT32_MAX, &type) < 0 ||
        tn_jobj_u64(&o, "runtime", false, 0, MAX_DURATION_US, &runtime) < 0)
        return -1;
    TN_GROW(tab->nodes, tab->cap, (size_t)tab->n + 1);
    cnode_t *nd = &tab->nodes[tab->n];
    nd->dep_off = tab->n_deps;
    if (json_deps(c, &o, "data_deps", false, tab) || json_deps(c, &o, "ctrlDeps", true, tab))
        return -1;
    nd->n_deps = tab->n_deps - nd->dep_off;
    attr_val_t av[A_COUNT];
    for (int k = 0; k < A_COUNT; k++)
        av[k] = json_attr(json_object_get(o.obj, attr_names[k]));
    if (node_to_op(c, i, id, type, av, runtime, nd))
        return -1;
    tab->n++;
    return 0;
}

int wl_chakra_read_json_opts(wl_trace_t *t, const char *path, const wl_chakra_opts_t *opts,
                             tn_error_t *err, wl_chakra_stats_t *stats)
{
    static const char *const keys[] = {"workload_graph", "workload_name", "ngpus", "soc", NULL};
    wl_chakra_stats_t own;
    wl_chakra_stats_t *st = stats ? stats : &own;
    memset(st, 0, sizeof *st);
    memset(t, 0, sizeof *t);
    json_t *root = tn_json_load_file(path, err);
    if (!root)
        return -1;
    tn_jobj_t top;
    int rc = tn_jobj_open(&top, root, path, "", keys, err);
    const json_t *g = json_object_get(root, "workload_graph");
    char b[64];
    if (rc == 0 && (!g || !json_is_array(g)))
        rc = tn_jobj_fail(&top, "workload_graph", "expected an array of nodes, got %s",
                          g ? tn_json_brief(g, b, sizeof b) : "nothing");
    if (rc == 0 && json_array_size(g) >= UINT32_MAX)
        rc = tn_jobj_fail(&top, "workload_graph", "more than %u nodes", UINT32_MAX - 1);
    if (rc) {
        json_decref(root);
        return -1;
    }
    wl_trace_init(t, 1);
    add_world(t);
    t->rank_prog[0] = wl_trace_add_program(t, "rank 0");
    cctx_t c = {.src = path, .json = true, .ctrl = opts && opts->ctrl_deps, .n_ranks = 1,
                .st = st, .err = err};
    ctab_t tab = {0};
    for (size_t i = 0; i < json_array_size(g) && rc == 0; i++)
        rc = json_node(&c, json_array_get(g, i), (uint32_t)i, &tab);
    if (rc == 0)
        rc = build_program(&c, t, 0, &tab);
    if (rc == 0)
        st->ranks = 1;
    tab_free(&tab);
    json_decref(root);
    if (rc)
        wl_trace_destroy(t);
    return rc;
}

int wl_chakra_read_json(wl_trace_t *t, const char *path, tn_error_t *err,
                        wl_chakra_stats_t *stats)
{
    return wl_chakra_read_json_opts(t, path, NULL, err, stats);
}
