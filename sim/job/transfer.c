#include "sim/job/transfer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_transfer_vertex_name(const topo_t *t, int32_t v, char *buf, size_t cap)
{
    /* gpus[] holds GPU vertex ids in creation order, which is id order */
    int32_t lo = 0, hi = t->n_gpus;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (t->gpus[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->n_gpus && t->gpus[lo] == v)
        snprintf(buf, cap, "gpu %d (vertex %d)", lo, v);
    else
        snprintf(buf, cap, "%s vertex %d", topo_kind_name((topo_kind_t)t->kind[v]), v);
}

/* Whether the routing can take data from a to b (within the network's
 * hop limit). On failure, err says so with a and b named. */
static int leg_ok(sim_net_t *n, int32_t a, int32_t b, tn_error_t *err)
{
    uint32_t d = topo_route_dist(&n->route, a, b);
    if (d != TOPO_ROUTE_UNREACHABLE && d <= SIM_NET_MAX_HOPS / 3)
        return 0;
    char na[64], nb[64];
    sim_transfer_vertex_name(n->topo, a, na, sizeof na);
    sim_transfer_vertex_name(n->topo, b, nb, sizeof nb);
    if (d != TOPO_ROUTE_UNREACHABLE)
        return tn_error_set(err, TN_EINPUT, "the path from %s to %s has %u hops (at most %d)", na,
                            nb, d, SIM_NET_MAX_HOPS / 3);
    return tn_error_set(err, TN_EINPUT, "%s is unreachable from %s", nb, na);
}

/* The legs sim/net/net.c's route() takes from src to dst, each checked:
 * within a server (or between vertices without NICs) one; else the
 * source's leg to its NIC, NIC (or vertex) to NIC (or vertex), and the
 * destination NIC's leg to it. A path is at most three legs, hence the
 * third of SIM_NET_MAX_HOPS per leg. */
static int pair_ok(sim_net_t *n, int32_t src, int32_t dst, tn_error_t *err)
{
    const topo_t *t = n->topo;
    int32_t ns = n->nic_of[src], nd = n->nic_of[dst];
    if (src == dst)
        return 0;
    if (t->server[src] == t->server[dst] || (ns < 0 && nd < 0))
        return leg_ok(n, src, dst, err);
    int32_t from = ns >= 0 ? ns : src, to = nd >= 0 ? nd : dst;
    if ((ns >= 0 && leg_ok(n, src, ns, err)) || leg_ok(n, from, to, err) ||
        (nd >= 0 && leg_ok(n, nd, dst, err)))
        return -1;
    return 0;
}

int sim_transfer_check(sim_net_t *n, const sim_transfer_t *x, size_t k, tn_error_t *err)
{
    const topo_t *t = n->topo;
    for (size_t i = 0; i < k; i++) {
        int32_t a = x[i].src_vertex, b = x[i].dst_vertex;
        if (a < 0 || a >= t->n_vertices || b < 0 || b >= t->n_vertices)
            return tn_error_set(err, TN_EINPUT,
                                "transfer %zu: vertex %d is not in the fabric's %d vertices", i,
                                a < 0 || a >= t->n_vertices ? a : b, t->n_vertices);
        if (pair_ok(n, a, b, err)) {
            tn_error_prefix(err, "transfer %zu", i);
            return -1;
        }
    }
    return 0;
}

/* Vertex ids by server, for grouping a job's GPUs. */
static int by_server(const void *pa, const void *pb)
{
    const int64_t *a = pa, *b = pb;
    return (*a > *b) - (*a < *b);
}

int sim_transfer_check_group(sim_net_t *n, const int32_t *v, size_t k, tn_error_t *err)
{
    const topo_t *t = n->topo;
    if (k < 2)
        return 0;
    /* (server, vertex) keys in order: each server's vertices side by side */
    int64_t *key = tn_malloc(k * sizeof *key);
    for (size_t i = 0; i < k; i++)
        key[i] = (int64_t)t->server[v[i]] << 32 | (uint32_t)v[i];
    qsort(key, k, sizeof *key, by_server);
    int rc = 0;
    bool servers = false; /* do the vertices span two servers or more */
    size_t first = 0;
    for (size_t i = 1; i <= k && !rc; i++) {
        if (i < k && key[i] >> 32 == key[first] >> 32)
            continue;
        /* [first, i): one server's: every ordered pair routes directly
         * (reachability is symmetric: cables are full duplex, and whether a
         * vertex forwards does not depend on the direction) */
        for (size_t a = first; a < i && !rc; a++)
            for (size_t b = a + 1; b < i && !rc; b++)
                rc = leg_ok(n, (int32_t)key[a], (int32_t)key[b], err);
        servers |= first > 0;
        first = i;
    }
    /* Between servers: each vertex's leg to its NIC, and every hub
     * reaching one hub that forwards (a NIC, a GPU with fabric ports) */
    int32_t h0 = -1, v0 = -1;
    for (size_t i = 0; i < k && servers && h0 < 0; i++) {
        int32_t h = n->nic_of[v[i]] >= 0 ? n->nic_of[v[i]] : v[i];
        if (n->route.transit[h])
            h0 = h, v0 = v[i];
    }
    for (size_t i = 0; i < k && servers && !rc; i++) {
        int32_t ns = n->nic_of[v[i]], h = ns >= 0 ? ns : v[i];
        if (ns >= 0)
            rc = leg_ok(n, v[i], ns, err);
        if (!rc && h0 >= 0 && (rc = leg_ok(n, h0, h, err)) && h != v[i]) {
            /* name the vertices asked about, then the hubs */
            char na[64], nb[64];
            sim_transfer_vertex_name(t, v0, na, sizeof na);
            sim_transfer_vertex_name(t, v[i], nb, sizeof nb);
            tn_error_prefix(err, "%s is unreachable from %s", nb, na);
        }
        /* no hub forwards (an imported graph): every pair, as routed */
        for (size_t j = i + 1; j < k && !rc && h0 < 0; j++)
            rc = pair_ok(n, v[i], v[j], err);
    }
    free(key);
    return rc;
}

static void on_arrived(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    sim_transfer_watch_t *w = ctx;
    TN_ASSERT(w->left > 0);
    w->left--;
    w->end_ps = sim_now(eng);
}

void sim_transfer_start(sim_net_t *n, const sim_transfer_t *x, size_t k,
                        sim_transfer_watch_t *w)
{
    *w = (sim_transfer_watch_t){k, 0};
    for (size_t i = 0; i < k; i++)
        sim_net_send(n, x[i].src_vertex, x[i].dst_vertex, x[i].bytes, 0,
                     SIM_TRANSFER_CONN + (uint32_t)(i & 0x7fffffffu), on_arrived, w, i);
}

int sim_transfer_phase(const topo_t *t, sim_net_model_t model, const sim_transfer_t *x, size_t k,
                       double *makespan_s, tn_error_t *err)
{
    sim_engine_t eng;
    sim_net_t net;
    sim_transfer_watch_t w = {0, 0};
    int rc = -1;
    *makespan_s = 0;
    sim_engine_init(&eng);
    memset(&net, 0, sizeof net);
    if (sim_net_init(&net, &eng, t, model, err) || sim_transfer_check(&net, x, k, err))
        goto out;
    sim_transfer_start(&net, x, k, &w);
    sim_run(&eng, SIM_TIME_MAX);
    TN_ASSERT(w.left == 0);
    if (eng.overflowed || net.overflowed) {
        tn_error_set(err, TN_EINPUT, "the transfers exceed what tensim counts: %s",
                     net.overflowed ? "2^64 bytes on one link"
                                    : "2^63 ps (106 days) of simulated time");
        goto out;
    }
    *makespan_s = sim_time_to_s(w.end_ps);
    rc = 0;
out:
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    return rc;
}
