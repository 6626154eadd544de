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
static int32_t assign_leaves(const topo_ports_t *ports, bool rail, int32_t d1, int32_t *leaf)
{
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
    for (size_t i = 0; i < ports->n; i++)
        leaf[i] = id[leaf[i]];
    free(id);
    free(rank);
    return n;
}

/* The shape for `leaves` leaves serving n_ports endpoints. */
static int shape_for(const topo_fattree_t *p, int64_t n_ports, int64_t leaves,
                     topo_fattree_shape_t *s, tn_error_t *err);

int topo_fattree_shape(const topo_fattree_t *p, const topo_ports_t *ports,
                       topo_fattree_shape_t *s, tn_error_t *err)
{
    int32_t d1 = p->radix >= 2 ? down_ports(p->radix, p->oversub[0]) : 0;
    if (d1 < 1 || ports->n == 0)
        return shape_for(p, (int64_t)ports->n, 0, s, err); /* reports the problem */
    int32_t *leaf = tn_malloc(ports->n * sizeof *leaf);
    int32_t leaves = assign_leaves(ports, p->rail_optimized, d1, leaf);
    free(leaf);
    return shape_for(p, (int64_t)ports->n, leaves, s, err);
}

static int shape_for(const topo_fattree_t *p, int64_t n_ports, int64_t leaves,
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
        s->spines = s->u1;
        return 0;
    }
    s->d2 = down_ports(p->radix, p->oversub[1]);
    s->u2 = p->radix - s->d2;
    if (s->d2 < 1 || s->u2 < 1)
        return tn_error_set(err, TN_EINPUT,
                            "oversubscription: %g:1 at the aggregation tier leaves a %d-port "
                            "switch %d ports down and %d up",
                            p->oversub[1], p->radix, s->d2, s->u2);
    int64_t pods = (leaves + s->d2 - 1) / s->d2;
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
    int32_t *leaf = tn_malloc((ports->n + 1) * sizeof *leaf);
    assign_leaves(ports, p->rail_optimized, s.d1, leaf);
    for (size_t i = 0; i < ports->n; i++) {
        uint64_t bps = ports->bps[i] < p->bps ? ports->bps[i] : p->bps;
        topo_add_cable(t, ports->vertex[i], leaf0 + leaf[i], bps, p->latency_ps, TOPO_TIER_HOST);
    }
    free(leaf);
    if (p->tiers == 2) {
        int32_t spine0 = t->n_vertices;
        for (int32_t i = 0; i < s.spines; i++)
            topo_add_vertex(t, TOPO_SPINE, -1, 0);
        for (int32_t l = 0; l < s.leaves; l++)
            for (int32_t j = 0; j < s.spines; j++)
                topo_add_cable(t, leaf0 + l, spine0 + j, p->bps, p->latency_ps, TOPO_TIER_LEAF);
        return 0;
    }
    int32_t agg0 = t->n_vertices;
    for (int32_t i = 0; i < s.aggs; i++)
        topo_add_vertex(t, TOPO_SPINE, -1, 0);
    int32_t core0 = t->n_vertices;
    for (int32_t i = 0; i < s.cores; i++)
        topo_add_vertex(t, TOPO_CORE, -1, 0);
    for (int32_t l = 0; l < s.leaves; l++) {
        int32_t pod = l / s.d2;
        for (int32_t j = 0; j < s.u1; j++)
            topo_add_cable(t, leaf0 + l, agg0 + pod * s.u1 + j, p->bps, p->latency_ps,
                           TOPO_TIER_LEAF);
    }
    for (int32_t pod = 0; pod < s.pods && s.cores > 0; pod++)
        for (int32_t j = 0; j < s.u1; j++)
            for (int32_t c = 0; c < s.u2; c++)
                topo_add_cable(t, agg0 + pod * s.u1 + j, core0 + j * s.u2 + c, p->bps,
                               p->latency_ps, TOPO_TIER_SPINE);
    return 0;
}
