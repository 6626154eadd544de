#include "workloads/trace.h"

#include <stdbool.h>

#include "common/tn_hash.h"
#include "common/tn_map.h"
#include "workloads/deadlock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const coll_names[WL_COLL_COUNT] = {
    "allreduce", "reducescatter", "allgather", "broadcast", "reduce", "alltoall",
};
static const char *const op_names[] = {"compute", "collective", "send", "recv"};

const char *wl_coll_name(wl_coll_t c) { return c < WL_COLL_COUNT ? coll_names[c] : "?"; }
const char *wl_op_kind_name(wl_op_kind_t k) { return k <= WL_OP_RECV ? op_names[k] : "?"; }

const char *wl_op_describe(const wl_trace_t *t, const wl_op_t *o, char *buf, size_t n)
{
    const char *comm = o->comm >= 0 && o->comm < t->n_comms ? t->comms[o->comm].name : "-";
    if (o->kind == WL_OP_COMPUTE)
        snprintf(buf, n, "compute");
    else if (o->kind == WL_OP_COLLECTIVE)
        snprintf(buf, n, "collective %s on %s", wl_coll_name((wl_coll_t)o->coll), comm);
    else
        snprintf(buf, n, "%s on %s", wl_op_kind_name((wl_op_kind_t)o->kind), comm);
    return buf;
}

void wl_trace_init(wl_trace_t *t, int32_t n_ranks)
{
    TN_ASSERT(n_ranks >= 1 && n_ranks <= WL_MAX_RANKS);
    memset(t, 0, sizeof *t);
    t->n_ranks = n_ranks;
    t->rank_prog = tn_malloc((size_t)n_ranks * sizeof *t->rank_prog);
    for (int32_t r = 0; r < n_ranks; r++)
        t->rank_prog[r] = -1;
}

void wl_trace_destroy(wl_trace_t *t)
{
    if (!t)
        return;
    for (int32_t i = 0; i < t->n_progs; i++) {
        free(t->progs[i].name);
        free(t->progs[i].ops);
        free(t->progs[i].deps);
    }
    for (int32_t i = 0; i < t->n_comms; i++) {
        wl_comm_t *c = &t->comms[i];
        free(c->name);
        free(c->group_off);
        free(c->members);
        free(c->rank_group);
        free(c->rank_index);
    }
    free(t->progs);
    free(t->comms);
    free(t->rank_prog);
    memset(t, 0, sizeof *t);
}

int32_t wl_trace_add_program(wl_trace_t *t, const char *name)
{
    TN_GROW(t->progs, t->progs_cap, (size_t)t->n_progs + 1);
    wl_program_t *p = &t->progs[t->n_progs];
    memset(p, 0, sizeof *p);
    p->name = tn_strdup(name);
    return t->n_progs++;
}

uint32_t wl_program_add_op(wl_trace_t *t, int32_t pi, const wl_op_t *op, const uint32_t *deps,
                           uint32_t n_deps)
{
    TN_ASSERT(pi >= 0 && pi < t->n_progs);
    wl_program_t *p = &t->progs[pi];
    TN_ASSERT(p->n_ops < UINT32_MAX && p->n_deps <= UINT32_MAX - n_deps);
    TN_GROW(p->ops, p->ops_cap, (size_t)p->n_ops + 1);
    TN_GROW(p->deps, p->deps_cap, (size_t)p->n_deps + n_deps);
    uint32_t idx = p->n_ops++;
    p->ops[idx] = *op;
    p->ops[idx].dep_off = p->n_deps;
    p->ops[idx].n_deps = n_deps;
    for (uint32_t i = 0; i < n_deps; i++) {
        TN_ASSERT(deps[i] < idx);
        p->deps[p->n_deps++] = deps[i];
    }
    return idx;
}

int32_t wl_trace_add_comm(wl_trace_t *t, const char *name, int32_t n_groups,
                          const int32_t *rank_group)
{
    TN_ASSERT(n_groups >= 1);
    TN_GROW(t->comms, t->comms_cap, (size_t)t->n_comms + 1);
    wl_comm_t *c = &t->comms[t->n_comms];
    size_t nr = (size_t)t->n_ranks;
    c->name = tn_strdup(name);
    c->n_groups = n_groups;
    c->group_off = tn_calloc((size_t)n_groups + 1, sizeof *c->group_off);
    c->rank_group = tn_malloc(nr * sizeof *c->rank_group);
    c->rank_index = tn_malloc(nr * sizeof *c->rank_index);
    memcpy(c->rank_group, rank_group, nr * sizeof *c->rank_group);
    for (size_t r = 0; r < nr; r++) {
        TN_ASSERT(rank_group[r] >= -1 && rank_group[r] < n_groups);
        if (rank_group[r] >= 0)
            c->group_off[rank_group[r] + 1]++;
    }
    for (int32_t g = 0; g < n_groups; g++)
        c->group_off[g + 1] += c->group_off[g];
    c->members = tn_malloc(((size_t)c->group_off[n_groups] + 1) * sizeof *c->members);
    int32_t *fill = tn_malloc((size_t)n_groups * sizeof *fill);
    memcpy(fill, c->group_off, (size_t)n_groups * sizeof *fill);
    for (size_t r = 0; r < nr; r++) {
        int32_t g = rank_group[r];
        c->rank_index[r] = g >= 0 ? fill[g] - c->group_off[g] : -1;
        if (g >= 0)
            c->members[fill[g]++] = (int32_t)r;
    }
    free(fill);
    return t->n_comms++;
}

int wl_trace_check(const wl_trace_t *t, tn_error_t *err)
{
    for (int32_t r = 0; r < t->n_ranks; r++) {
        int32_t pi = t->rank_prog[r];
        if (pi < 0 || pi >= t->n_progs)
            return tn_error_set(err, TN_EINPUT, "rank %d has no program", r);
        const wl_program_t *p = &t->progs[pi];
        for (uint32_t i = 0; i < p->n_ops; i++) {
            const wl_op_t *op = &p->ops[i];
            if (op->kind == WL_OP_COMPUTE)
                continue;
            if (op->comm < 0 || op->comm >= t->n_comms)
                return tn_error_set(err, TN_EINPUT,
                                    "program %s: op %u: no communicator %d", p->name, i, op->comm);
            const wl_comm_t *c = &t->comms[op->comm];
            int32_t g = c->rank_group[r];
            if (g < 0)
                return tn_error_set(err, TN_EINPUT,
                                    "program %s: op %u: rank %d is not in communicator %s",
                                    p->name, i, r, c->name);
            if (op->kind == WL_OP_COLLECTIVE)
                continue;
            int32_t size = c->group_off[g + 1] - c->group_off[g];
            if (op->peer < 0 || op->peer >= size || op->peer == c->rank_index[r])
                return tn_error_set(err, TN_EINPUT,
                                    "program %s: op %u: rank %d: peer %d is not another member of "
                                    "its group of %s (size %d)",
                                    p->name, i, r, op->peer, c->name, size);
        }
    }
    return 0;
}

/* One direction of point-to-point traffic: sends minus receives, and the
 * first size seen (each side must use it). */
typedef struct {
    int32_t src, dst, tag;
    int64_t balance;
    uint64_t bytes;
} p2p_tally_t;

static int tally(tn_map_t *m, int32_t src, int32_t dst, int32_t tag, int delta, uint64_t bytes,
                 int32_t r, tn_error_t *err)
{
    uint64_t key = tn_mix64(((uint64_t)(uint32_t)src << 32 | (uint32_t)dst) ^ tn_mix64((uint64_t)(uint32_t)tag));
    p2p_tally_t *e;
    while ((e = tn_map_get(m, key)) && (e->src != src || e->dst != dst || e->tag != tag))
        key = tn_mix64(key);
    if (!e) {
        e = tn_calloc(1, sizeof *e);
        *e = (p2p_tally_t){src, dst, tag, 0, bytes};
        tn_map_put(m, key, e);
    }
    if (e->bytes != bytes)
        return tn_error_set(err, TN_EINPUT,
                            "rank %d: messages from rank %d to rank %d with tag %d are %llu bytes "
                            "on one side and %llu on the other",
                            r, src, dst, tag, (unsigned long long)e->bytes,
                            (unsigned long long)bytes);
    e->balance += delta;
    return 0;
}

int wl_trace_lint(const wl_trace_t *t, tn_error_t *err)
{
    int rc = wl_trace_check(t, err);
    tn_map_t m;
    tn_map_init(&m);
    for (int32_t r = 0; r < t->n_ranks && rc == 0; r++) {
        const wl_program_t *p = &t->progs[t->rank_prog[r]];
        for (uint32_t i = 0; i < p->n_ops && rc == 0; i++) {
            const wl_op_t *o = &p->ops[i];
            if (o->kind != WL_OP_SEND && o->kind != WL_OP_RECV)
                continue;
            const wl_comm_t *c = &t->comms[o->comm];
            int32_t peer = c->members[c->group_off[c->rank_group[r]] + o->peer];
            rc = o->kind == WL_OP_SEND ? tally(&m, r, peer, o->tag, 1, o->bytes, r, err)
                                       : tally(&m, peer, r, o->tag, -1, o->bytes, r, err);
        }
    }
    /* report the lowest (src, dst, tag) out of balance: deterministic */
    p2p_tally_t *worst = NULL;
    for (size_t i = 0; i < m.cap; i++) {
        p2p_tally_t *e = m.vals[i];
        if (e && e->balance &&
            (!worst || e->src < worst->src || (e->src == worst->src && e->dst < worst->dst) ||
             (e->src == worst->src && e->dst == worst->dst && e->tag < worst->tag)))
            worst = e;
    }
    if (rc == 0 && worst)
        rc = tn_error_set(err, TN_EINPUT,
                          "rank %d sends %s messages with tag %d to rank %d than it receives "
                          "(%lld %s)",
                          worst->src, worst->balance > 0 ? "more" : "fewer", worst->tag, worst->dst,
                          (long long)(worst->balance > 0 ? worst->balance : -worst->balance),
                          worst->balance > 0 ? "unmatched sends" : "unmatched receives");
    for (size_t i = 0; i < m.cap; i++)
        free(m.vals[i]);
    tn_map_destroy(&m);
    /* collectives: each member's sequence on the communicator equals the
     * first member's (distinct programs only) */
    for (int32_t ci = 0; ci < t->n_comms && rc == 0; ci++) {
        const wl_comm_t *c = &t->comms[ci];
        for (int32_t g = 0; g < c->n_groups && rc == 0; g++) {
            int32_t r0 = c->members[c->group_off[g]];
            const wl_program_t *p0 = &t->progs[t->rank_prog[r0]];
            for (int32_t k = c->group_off[g] + 1; k < c->group_off[g + 1] && rc == 0; k++) {
                int32_t r = c->members[k];
                if (t->rank_prog[r] == t->rank_prog[r0])
                    continue;
                const wl_program_t *p = &t->progs[t->rank_prog[r]];
                uint32_t i = 0, j = 0, nth = 0;
                for (;; nth++) {
                    while (i < p0->n_ops && !(p0->ops[i].kind == WL_OP_COLLECTIVE && p0->ops[i].comm == ci))
                        i++;
                    while (j < p->n_ops && !(p->ops[j].kind == WL_OP_COLLECTIVE && p->ops[j].comm == ci))
                        j++;
                    if (i == p0->n_ops && j == p->n_ops)
                        break;
                    if (i == p0->n_ops || j == p->n_ops || p0->ops[i].coll != p->ops[j].coll ||
                        p0->ops[i].bytes != p->ops[j].bytes) {
                        rc = tn_error_set(err, TN_EINPUT,
                                          "communicator %s, group %d: rank %d (program %s) and rank "
                                          "%d (program %s) differ at their collective %u on it",
                                          c->name, g, r0, p0->name, r, p->name, nth);
                        break;
                    }
                    i++;
                    j++;
                }
            }
        }
    }
    /* the sequences agree: now whether the ranks ever reach them */
    if (rc == 0)
        rc = wl_trace_deadlock(t, err);
    return rc;
}
