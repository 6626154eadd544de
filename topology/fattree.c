#include "topology/fattree.h"

#include <math.h>
#include <stdlib.h>

/* Ports down out of `radix` for a down:up ratio r. */
static int32_t down_ports(int32_t radix, double r)
{
    return (int32_t)floor((double)radix * r / (r + 1.0) + 1e-9);
}

/* The leaf of every port, into leaf[]; returns the number of leaves.
 * In order: port k goes to leaf k / d1. Rail-optimized: a port's bucket is
 * (block of d1 servers, its index among its server's ports); non-empty
 * buckets become leaves in order. O(ports). */
static int32_t assign_leaves(const topo_ports_t *ports, bool rail, int32_t d1, int32_t *leaf,
                             int32_t *leaf_block, int32_t *rails_out)
{
    *rails_out = 1;
    if (!rail) {
        for (size_t k = 0; k < ports->n; k++)
            leaf[k] = (int32_t)(k / (size_t)d1);
        return (int32_t)((ports->n + (size_t)d1 - 1) / (size_t)d1);
    }
    int32_t max_server = -1, rails = 1;
    for (size_t i = 0; i < ports->n; i++) {
        if (ports->server[i] > max_server)
            max_server = ports->server[i];
        if (ports->index[i] + 1 > rails)
            rails = ports->index[i] + 1;
    }
    /* servers numbered in order of first appearance */
    int32_t *rank = tn_malloc(((size_t)max_server + 2) * sizeof *rank);
    for (int32_t s = 0; s <= max_server; s++)
        rank[s] = -1;
    int32_t n_servers = 0;
    for (size_t i = 0; i < ports->n; i++)
        if (rank[ports->server[i]] < 0)
            rank[ports->server[i]] = n_servers++;
    size_t buckets = (size_t)((n_servers + d1 - 1) / d1) * (size_t)rails;
    int32_t *id = tn_malloc((buckets + 1) * sizeof *id);
    for (size_t b = 0; b < buckets; b++)
        id[b] = -1;
    for (size_t i = 0; i < ports->n; i++)
        leaf[i] = (rank[ports->server[i]] / d1) * rails + ports->index[i];
    for (size_t i = 0; i < ports->n; i++)
        id[leaf[i]] = 0; /* non-empty */
    int32_t n = 0;
    for (size_t b = 0; b < buckets; b++)
        if (id[b] == 0)
            id[b] = n++;
    for (size_t b = 0; b < buckets; b++)
        if (id[b] >= 0)
            leaf_block[id[b]] = (int32_t)(b / (size_t)rails);
    for (size_t i = 0; i < ports->n; i++)
        leaf[i] = id[leaf[i]];
    free(id);
    free(rank);
    *rails_out = rails;
    return n;
}

/* Where every port and leaf goes: leaf[] by port, pod[] by leaf (3 tiers).
 * Pods take d2 leaves in order; rail-optimized, they take whole blocks
 * (d2 / rails of them) so one server's rails share a pod, unless a block
 * has more rails than a pod has leaves. */
typedef struct {
    int32_t *leaf, *pod;
    int32_t n_leaves, n_pods;
} plan_t;

static void plan_free(plan_t *pl)
{
    free(pl->leaf);
    free(pl->pod);
}

static void plan_make(const topo_fattree_t *p, const topo_ports_t *ports, int32_t d1, int32_t d2,
                      plan_t *pl)
{
    pl->leaf = tn_malloc((ports->n + 1) * sizeof *pl->leaf);
    int32_t *block = tn_malloc((ports->n + 1) * sizeof *block);
    int32_t rails = 1;
    pl->n_leaves = assign_leaves(ports, p->rail_optimized, d1, pl->leaf, block, &rails);
    pl->pod = tn_malloc(((size_t)pl->n_leaves + 1) * sizeof *pl->pod);
    pl->n_pods = 0;
    bool by_block = p->rail_optimized && d2 > 0 && rails <= d2;
    for (int32_t l = 0; l < pl->n_leaves; l++) {
        pl->pod[l] = d2 <= 0 ? 0 : by_block ? block[l] / (d2 / rails) : l / d2;
        if (pl->pod[l] + 1 > pl->n_pods)
            pl->n_pods = pl->pod[l] + 1;
    }
    free(block);
}

/* The shape for `leaves` leaves in `pods` pods serving n_ports endpoints. */
static int shape_for(const topo_fattree_t *p, int64_t n_ports, int64_t leaves, int64_t pods,
                     topo_fattree_shape_t *s, tn_error_t *err);

static int32_t agg_down(const topo_fattree_t *p)
{
    return p->tiers == 3 && p->radix >= 2 ? down_ports(p->radix, p->oversub[1]) : 0;
}

int topo_fattree_shape(const topo_fattree_t *p, const topo_ports_t *ports,
                       topo_fattree_shape_t *s, tn_error_t *err)
{
    int32_t d1 = p->radix >= 2 ? down_ports(p->radix, p->oversub[0]) : 0;
    if (d1 < 1 || ports->n == 0)
        return shape_for(p, (int64_t)ports->n, 0, 0, s, err); /* reports the problem */
    plan_t pl;
    plan_make(p, ports, d1, agg_down(p), &pl);
    int rc = shape_for(p, (int64_t)ports->n, pl.n_leaves, pl.n_pods, s, err);
    plan_free(&pl);
    return rc;
}

static int shape_for(const topo_fattree_t *p, int64_t n_ports, int64_t leaves, int64_t pods,
                     topo_fattree_shape_t *s, tn_error_t *err)
{
    *s = (topo_fattree_shape_t){0};
    if (p->tiers != 2 && p->tiers != 3)
        return tn_error_set(err, TN_EINPUT, "tiers: expected 2 or 3, got %d", p->tiers);
    if (p->radix < 2)
        return tn_error_set(err, TN_EINPUT, "radix: %d is too small", p->radix);
    s->d1 = down_ports(p->radix, p->oversub[0]);
    s->u1 = p->radix - s->d1;
    if (s->d1 < 1 || s->u1 < 1)
        return tn_error_set(err, TN_EINPUT,
                            "oversubscription: %g:1 leaves a %d-port leaf %d ports down and %d up",
                            p->oversub[0], p->radix, s->d1, s->u1);
    if (n_ports < 1)
        return tn_error_set(err, TN_EINPUT, "the fabric has no endpoint to connect");
    if (p->tiers == 2) {
        if (leaves > p->radix)
            return tn_error_set(err, TN_EINPUT,
                                "radix %d is too small: %lld endpoints need %lld leaves of %d "
                                "endpoint ports, but a 2-tier fabric takes at most %d leaves "
                                "(%lld endpoints); use 3 tiers or a larger radix",
                                p->radix, (long long)n_ports, (long long)leaves, s->d1, p->radix,
                                (long long)p->radix * s->d1);
        s->leaves = (int32_t)leaves;
        s->spines = leaves > 1 ? s->u1 : 0; /* one leaf needs no spine */
        return 0;
    }
    s->d2 = down_ports(p->radix, p->oversub[1]);
    s->u2 = p->radix - s->d2;
    if (s->d2 < 1 || s->u2 < 1)
        return tn_error_set(err, TN_EINPUT,
                            "oversubscription: %g:1 at the aggregation tier leaves a %d-port "
                            "switch %d ports down and %d up",
                            p->oversub[1], p->radix, s->d2, s->u2);
    if (pods > p->radix)
        return tn_error_set(err, TN_EINPUT,
                            "radix %d is too small: %lld endpoints need %lld pods, and a core "
                            "switch takes at most %d (%lld endpoints)",
                            p->radix, (long long)n_ports, (long long)pods, p->radix,
                            (long long)p->radix * s->d2 * s->d1);
    s->leaves = (int32_t)leaves;
    s->pods = (int32_t)pods;
    s->aggs = s->pods * s->u1;
    s->cores = pods > 1 ? s->u1 * s->u2 : 0; /* one pod needs no core */
    return 0;
}

int topo_build_fattree(topo_t *t, const topo_fattree_t *p, const topo_ports_t *ports,
                       tn_error_t *err)
{
    topo_fattree_shape_t s;
    if (topo_fattree_shape(p, ports, &s, err))
        return -1;
    int32_t leaf0 = t->n_vertices;
    for (int32_t i = 0; i < s.leaves; i++)
        topo_add_vertex(t, TOPO_LEAF, -1, 0);
    plan_t pl;
    plan_make(p, ports, s.d1, s.d2, &pl);
    for (size_t i = 0; i < ports->n; i++) {
        uint64_t bps = ports->bps[i] < p->bps ? ports->bps[i] : p->bps;
        topo_add_cable(t, ports->vertex[i], leaf0 + pl.leaf[i], bps, p->latency_ps,
                       TOPO_TIER_HOST);
    }
    if (p->tiers == 2) {
        int32_t spine0 = t->n_vertices;
        for (int32_t i = 0; i < s.spines; i++)
            topo_add_vertex(t, TOPO_SPINE, -1, 0);
        for (int32_t l = 0; l < s.leaves; l++)
            for (int32_t j = 0; j < s.spines; j++)
                topo_add_cable(t, leaf0 + l, spine0 + j, p->bps, p->latency_ps, TOPO_TIER_LEAF);
        plan_free(&pl);
        return 0;
    }
    int32_t agg0 = t->n_vertices;
    for (int32_t i = 0; i < s.aggs; i++)
        topo_add_vertex(t, TOPO_SPINE, -1, 0);
    int32_t core0 = t->n_vertices;
    for (int32_t i = 0; i < s.cores; i++)
        topo_add_vertex(t, TOPO_CORE, -1, 0);
    for (int32_t l = 0; l < s.leaves; l++) {
        int32_t pod = pl.pod[l];
        for (int32_t j = 0; j < s.u1; j++)
            topo_add_cable(t, leaf0 + l, agg0 + pod * s.u1 + j, p->bps, p->latency_ps,
                           TOPO_TIER_LEAF);
    }
    for (int32_t pod = 0; pod < s.pods && s.cores > 0; pod++)
        for (int32_t j = 0; j < s.u1; j++)
            for (int32_t c = 0; c < s.u2; c++)
                topo_add_cable(t, agg0 + pod * s.u1 + j, core0 + j * s.u2 + c, p->bps,
                               p->latency_ps, TOPO_TIER_SPINE);
    plan_free(&pl);
    return 0;
}
