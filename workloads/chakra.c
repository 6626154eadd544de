/* workloads/chakra.c — Chakra traces: the mapping of nodes to ops and of
 * their dependencies to a program, shared by both forms, and the JSON form;
 * the .et protobuf files are read in workloads/chakra_et.c. See
 * workloads/chakra.h. */
#include "workloads/chakra.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_heap.h"
#include "common/tn_json.h"
#include "common/tn_map.h"
#include "workloads/chakra_node.h"

#define MAX_BYTES ((uint64_t)1 << 44)                     /* as tensim's own trace format */
#define MAX_DURATION_US ((uint64_t)(1ull << 62) / 1000000u) /* duration_ps below 2^62 */
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


const char *const wl_chakra_attr_names[WL_CA_COUNT] = {
    "comm_type", "comm_size", "comm_src", "comm_dst", "comm_tag", "num_ops", "is_cpu_op"};

/* ---- the nodes of one rank ---------------------------------------------- */

void wl_chakra_tab_free(wl_chakra_tab_t *tab)
{
    free(tab->nodes);
    free(tab->deps);
    free(tab->dep_ctrl);
    memset(tab, 0, sizeof *tab);
}

static void tab_push_dep(wl_chakra_tab_t *tab, uint64_t id, bool ctrl)
{
    TN_ASSERT(tab->n_deps < UINT32_MAX);
    TN_GROW(tab->deps, tab->deps_cap, (size_t)tab->n_deps + 1);
    TN_GROW(tab->dep_ctrl, tab->ctrl_cap, (size_t)tab->n_deps + 1);
    tab->deps[tab->n_deps] = id;
    tab->dep_ctrl[tab->n_deps++] = ctrl;
}

void wl_chakra_add_dep(wl_chakra_ctx_t *c, wl_chakra_tab_t *tab, uint64_t id, bool ctrl)
{
    if (!ctrl) {
        c->st->data_deps++;
    } else {
        c->st->ctrl_deps++;
        if (!c->ctrl) {
            c->st->ctrl_deps_unused++;
            return;
        }
    }
    tab_push_dep(tab, id, ctrl);
}

void wl_chakra_node_label(const wl_chakra_ctx_t *c, uint32_t i, uint64_t id, bool has_id, char *b,
                          size_t n)
{
    int k = snprintf(b, n, c->json ? "workload_graph[%u]" : "node %u", i);
    if (has_id && k > 0 && (size_t)k < n)
        snprintf(b + k, n - (size_t)k, " (id %" PRIu64 ")", id);
}

/* Sets err to "src: node 17 (id 4242): message"; returns -1. */
static int node_fail(const wl_chakra_ctx_t *c, uint32_t i, uint64_t id, bool has_id,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int node_fail(const wl_chakra_ctx_t *c, uint32_t i, uint64_t id, bool has_id,
                     const char *fmt, ...)
{
    char label[64], msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wl_chakra_node_label(c, i, id, has_id, label, sizeof label);
    return tn_error_set(c->err, TN_EINPUT, "%s: %s: %s", c->src, label, msg);
}

/* An attribute as an unsigned integer at most max. Returns 1 when absent,
 * 0 when read, -1 on error. */
static int attr_uint(const wl_chakra_ctx_t *c, uint32_t i, uint64_t id, const wl_chakra_attr_t *av,
                     int which, uint64_t max, uint64_t *out)
{
    const wl_chakra_attr_t *a = &av[which];
    const char *word = c->json ? "key" : "attribute";
    if (a->kind == WL_CAV_NONE)
        return 1;
    if (a->kind != WL_CAV_INT)
        return node_fail(c, i, id, true, "%s %s: expected an integer, got %s", word,
                         wl_chakra_attr_names[which], a->what);
    if (a->neg)
        return node_fail(c, i, id, true, "%s %s is negative (%" PRId64 ")", word,
                         wl_chakra_attr_names[which], (int64_t)a->u);
    if (a->u > max)
        return node_fail(c, i, id, true, "%s %s is %" PRIu64 ", above %" PRIu64, word,
                         wl_chakra_attr_names[which], a->u, max);
    *out = a->u;
    return 0;
}

/* A compute op of the node's measured duration (and num_ops as FLOPs). */
static int make_compute(const wl_chakra_ctx_t *c, uint32_t i, uint64_t id,
                        const wl_chakra_attr_t *av, uint64_t dur_us, wl_op_t *op)
{
    if (dur_us > MAX_DURATION_US)
        return node_fail(c, i, id, true, "%s %" PRIu64 " us is above %" PRIu64 " us",
                         c->json ? "runtime" : "duration_micros", dur_us, MAX_DURATION_US);
    op->kind = WL_OP_COMPUTE;
    op->comm = -1;
    op->duration_ps = dur_us * 1000000ull;
    const wl_chakra_attr_t *n = &av[WL_CA_NUM_OPS];
    if (n->kind == WL_CAV_REAL) {
        if (!isfinite(n->d) || n->d < 0)
            return node_fail(c, i, id, true, "%s num_ops is %g, not a non-negative number",
                             c->json ? "key" : "attribute", n->d);
        op->flops = n->d;
    } else {
        uint64_t f = 0;
        if (attr_uint(c, i, id, av, WL_CA_NUM_OPS, UINT64_MAX, &f) < 0)
            return -1;
        op->flops = (double)f;
    }
    return 0;
}

static int make_collective(const wl_chakra_ctx_t *c, uint32_t i, uint64_t id,
                           const wl_chakra_attr_t *av, wl_op_t *op)
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
    int rc = attr_uint(c, i, id, av, WL_CA_COMM_TYPE, UINT32_MAX, &type);
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
    rc = attr_uint(c, i, id, av, WL_CA_COMM_SIZE, MAX_BYTES, &size);
    if (rc < 0)
        return -1;
    if (rc == 1)
        return node_fail(c, i, id, true, "a collective with no comm_size");
    op->bytes = size;
    return 0;
}

static int make_p2p(const wl_chakra_ctx_t *c, uint32_t i, uint64_t id, const wl_chakra_attr_t *av,
                    bool send, wl_op_t *op)
{
    const char *what = send ? "send" : "recv";
    int which = send ? WL_CA_COMM_DST : WL_CA_COMM_SRC;
    uint64_t peer = 0, size = 0, tag = 0;
    int rc = attr_uint(c, i, id, av, which, UINT64_MAX, &peer);
    if (rc < 0)
        return -1;
    if (rc == 1)
        return node_fail(c, i, id, true, "a %s with no %s", what, wl_chakra_attr_names[which]);
    if (peer >= (uint64_t)c->n_ranks)
        return node_fail(c, i, id, true, "%s %" PRIu64 " is not a rank (the trace has %d)",
                         wl_chakra_attr_names[which], peer, c->n_ranks);
    if (peer == (uint64_t)c->rank)
        return node_fail(c, i, id, true, "%s %" PRIu64 " is the node's own rank",
                         wl_chakra_attr_names[which], peer);
    if ((rc = attr_uint(c, i, id, av, WL_CA_COMM_SIZE, MAX_BYTES, &size)) < 0)
        return -1;
    if (rc == 1)
        return node_fail(c, i, id, true, "a %s with no comm_size", what);
    if (attr_uint(c, i, id, av, WL_CA_COMM_TAG, INT32_MAX, &tag) < 0)
        return -1;
    op->kind = send ? WL_OP_SEND : WL_OP_RECV;
    op->comm = 0;
    op->peer = (int32_t)peer;
    op->tag = (int32_t)tag;
    op->bytes = size;
    return 0;
}

/* Turns a parsed node into its op (or marks it dropped), counting it. */
static int node_to_op(const wl_chakra_ctx_t *c, uint32_t i, uint64_t id, uint64_t type,
                      const wl_chakra_attr_t *av, uint64_t dur_us, wl_chakra_node_t *nd)
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
    if (attr_uint(c, i, id, av, WL_CA_IS_CPU_OP, UINT64_MAX, &cpu) < 0)
        return -1;
    if (cpu) { /* the host call that launches the kernel */
        st->cpu_comm_compute++;
        return make_compute(c, i, id, av, dur_us, &nd->op);
    }
    if (c->json && av[WL_CA_COMM_SIZE].kind == WL_CAV_NONE) {
        st->json_comm_compute++;
        return make_compute(c, i, id, av, dur_us, &nd->op);
    }
    if (type == NT_COLL)
        return make_collective(c, i, id, av, &nd->op);
    return make_p2p(c, i, id, av, type == NT_SEND, &nd->op);
}

void wl_chakra_node_begin(wl_chakra_tab_t *tab)
{
    TN_GROW(tab->nodes, tab->cap, (size_t)tab->n + 1);
    tab->nodes[tab->n].dep_off = tab->n_deps;
}

int wl_chakra_node_end(const wl_chakra_ctx_t *c, wl_chakra_tab_t *tab, uint64_t id,
                       uint64_t type, const wl_chakra_attr_t *av, uint64_t dur_us)
{
    wl_chakra_node_t *nd = &tab->nodes[tab->n];
    nd->n_deps = tab->n_deps - nd->dep_off;
    if (node_to_op(c, tab->n, id, type, av, dur_us, nd))
        return -1;
    tab->n++;
    return 0;
}

/* ---- dependencies: order, check, pass through dropped nodes ------------- */

/* Names a cycle among the nodes Kahn's algorithm left (left[v] > 0: each
 * such node has a predecessor left too): walks predecessors from the
 * lowest one left until a node repeats, then reports that loop from its
 * lowest node. Returns -1. */
static int cycle_fail(const wl_chakra_ctx_t *c, const wl_chakra_tab_t *tab, const uint32_t *pred,
                      const uint32_t *left)
{
    uint32_t n = tab->n, v = 0;
    uint32_t *step = tn_calloc((size_t)n + 1, sizeof *step),
             *walk = tn_malloc(((size_t)n + 1) * sizeof *walk);
    while (left[v] == 0)
        v++;
    uint32_t len = 0;
    while (step[v] == 0) {
        walk[len] = v;
        step[v] = ++len;
        const wl_chakra_node_t *nd = &tab->nodes[v];
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

/* Finds each dependency's node: pred[k] is the index of the node deps[k]
 * names. Returns 0, or -1 for two nodes with one id, a dependency on an id
 * not in the file or on the node itself. O(N + D) expected. */
static int resolve_deps(const wl_chakra_ctx_t *c, const wl_chakra_tab_t *tab, uint32_t *pred)
{
    uint32_t n = tab->n;
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
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        const wl_chakra_node_t *nd = &tab->nodes[i];
        for (uint32_t k = nd->dep_off; k < nd->dep_off + nd->n_deps && rc == 0; k++) {
            const char *kind = tab->dep_ctrl[k] ? "ctrl_deps" : "data_deps";
            uintptr_t j = (uintptr_t)tn_map_get(&ids, tab->deps[k]);
            if (!j)
                rc = node_fail(c, i, nd->id, true,
                               "%s names id %" PRIu64 ", which is not in the file", kind,
                               tab->deps[k]);
            else if (j - 1 == i)
                rc = node_fail(c, i, nd->id, true, "depends on itself (%s)", kind);
            pred[k] = (uint32_t)(j - 1);
        }
    }
    tn_map_destroy(&ids);
    return rc;
}

/* Kahn's algorithm: order[] gets the nodes so each follows its
 * predecessors, the lowest index first among those ready (file order, so
 * the result is the same on every run). Returns how many were ordered;
 * fewer than tab->n when there is a cycle, whose nodes keep left[v] > 0.
 * O(N log N + D). */
static uint32_t topo_order(const wl_chakra_tab_t *tab, const uint32_t *pred, uint32_t *order,
                           uint32_t *left)
{
    uint32_t n = tab->n, nd_all = tab->n_deps;
    /* successors (CSR) */
    uint32_t *off = tn_calloc((size_t)n + 2, sizeof *off);
    uint32_t *succ = tn_malloc(((size_t)nd_all + 1) * sizeof *succ);
    for (uint32_t k = 0; k < nd_all; k++)
        off[pred[k] + 1]++;
    for (uint32_t i = 0; i < n; i++)
        off[i + 1] += off[i];
    uint32_t *fill = tn_malloc(((size_t)n + 1) * sizeof *fill);
    memcpy(fill, off, (size_t)n * sizeof *fill);
    for (uint32_t i = 0; i < n; i++) {
        const wl_chakra_node_t *nd = &tab->nodes[i];
        left[i] = nd->n_deps;
        for (uint32_t k = nd->dep_off; k < nd->dep_off + nd->n_deps; k++)
            succ[fill[pred[k]]++] = i;
    }
    free(fill);
    tn_heap_t ready; /* node indices */
    tn_heap_init(&ready);
    uint32_t done = 0;
    for (uint32_t i = 0; i < n; i++)
        if (left[i] == 0)
            tn_heap_push(&ready, i);
    while (tn_heap_size(&ready)) {
        uint32_t v = (uint32_t)tn_heap_pop(&ready);
        order[done++] = v;
        for (uint32_t k = off[v]; k < off[v + 1]; k++)
            if (--left[succ[k]] == 0)
                tn_heap_push(&ready, succ[k]);
    }
    tn_heap_destroy(&ready);
    free(succ);
    free(off);
    return done;
}

/* Adds the nodes to program pi in `order`: a kept node's op depends on
 * the ops of its kept predecessors and on what its dropped predecessors
 * stand for (pos[] is a kept node's op, eff[] what a dropped node stands
 * for). O(N + D) plus what dropped nodes pass through. */
static void emit(const wl_chakra_ctx_t *c, wl_trace_t *t, int32_t pi, const wl_chakra_tab_t *tab,
                 const uint32_t *pred, const uint32_t *order)
{
    uint32_t n = tab->n;
    uint32_t *pos = tn_malloc(((size_t)n + 1) * sizeof *pos),
             *stamp = tn_calloc((size_t)n + 1, sizeof *stamp);
    uint32_t *eff_off = tn_malloc(((size_t)n + 1) * sizeof *eff_off),
             *eff_len = tn_malloc(((size_t)n + 1) * sizeof *eff_len);
    uint32_t *tmp = tn_malloc(((size_t)n + 1) * sizeof *tmp), *eff = NULL;
    size_t n_eff = 0, eff_cap = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t v = order[k], m = 0;
        const wl_chakra_node_t *nd = &tab->nodes[v];
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
}

int wl_chakra_build_program(const wl_chakra_ctx_t *c, wl_trace_t *t, int32_t pi,
                            wl_chakra_tab_t *tab)
{
    uint32_t n = tab->n;
    uint32_t *pred = tn_malloc(((size_t)tab->n_deps + 1) * sizeof *pred);
    int rc = resolve_deps(c, tab, pred);
    if (rc == 0) {
        uint32_t *order = tn_malloc(((size_t)n + 1) * sizeof *order);
        uint32_t *left = tn_calloc((size_t)n + 1, sizeof *left);
        if (topo_order(tab, pred, order, left) < n)
            rc = cycle_fail(c, tab, pred, left);
        else
            emit(c, t, pi, tab, pred, order);
        free(left);
        free(order);
    }
    free(pred);
    return rc;
}

void wl_chakra_add_world(wl_trace_t *t)
{
    int32_t *g = tn_calloc((size_t)t->n_ranks, sizeof *g);
    wl_trace_add_comm(t, "world", 1, g);
    free(g);
}

/* ---- the JSON form ------------------------------------------------------ */

/* A JSON value as an attribute value. */
static wl_chakra_attr_t json_attr(const json_t *v)
{
    wl_chakra_attr_t a = {.kind = WL_CAV_OTHER};
    if (!v) {
        a.kind = WL_CAV_NONE;
    } else if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        a.kind = WL_CAV_INT;
        a.neg = x < 0;
        a.u = (uint64_t)x;
    } else if (json_is_boolean(v)) {
        a.kind = WL_CAV_INT;
        a.u = json_is_true(v);
    } else if (json_is_real(v)) {
        a.kind = WL_CAV_REAL;
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

static int json_deps(wl_chakra_ctx_t *c, tn_jobj_t *o, const char *key, bool ctrl,
                     wl_chakra_tab_t *tab)
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
        wl_chakra_add_dep(c, tab, (uint64_t)json_integer_value(e), ctrl);
    }
    return 0;
}

static int json_node(wl_chakra_ctx_t *c, const json_t *v, uint32_t i, wl_chakra_tab_t *tab)
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
    TN_ASSERT(i == tab->n);
    wl_chakra_node_begin(tab);
    if (json_deps(c, &o, "data_deps", false, tab) || json_deps(c, &o, "ctrlDeps", true, tab))
        return -1;
    wl_chakra_attr_t av[WL_CA_COUNT];
    for (int k = 0; k < WL_CA_COUNT; k++)
        av[k] = json_attr(json_object_get(o.obj, wl_chakra_attr_names[k]));
    return wl_chakra_node_end(c, tab, id, type, av, runtime);
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
    wl_chakra_add_world(t);
    t->rank_prog[0] = wl_trace_add_program(t, "rank 0");
    wl_chakra_ctx_t c = {.src = path, .json = true, .ctrl = opts && opts->ctrl_deps, .n_ranks = 1,
                .st = st, .err = err};
    wl_chakra_tab_t tab = {0};
    for (size_t i = 0; i < json_array_size(g) && rc == 0; i++)
        rc = json_node(&c, json_array_get(g, i), (uint32_t)i, &tab);
    if (rc == 0)
        rc = wl_chakra_build_program(&c, t, 0, &tab);
    if (rc == 0)
        st->ranks = 1;
    wl_chakra_tab_free(&tab);
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