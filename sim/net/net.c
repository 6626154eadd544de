/* sim/net/net.c — routing, link counters and the table of network models
 * (sim/net/net.h). */
#include "sim/net/net.h"


#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_hash.h"

/* ---- the models ---- */

/* Analytic: the path's latency plus one copy over the bottleneck, alone
 * on the path (a bundle's copies do not slow each other). */
static void analytic_start(sim_net_t *n, const sim_net_xfer_t *x)
{
    sim_time_t dur =
        x->hops ? sim_time_add(x->latency_ps, sim_serialize_ps(x->bytes, x->bottleneck_bps)) : 0;
    sim_schedule_in(n->eng, sim_time_add(dur, x->extra_ps), x->done, x->ctx, x->arg);
}

static void flow_init(sim_net_t *n) { sim_flows_init(&n->flows, n->eng, n->topo); }
static void flow_destroy(sim_net_t *n) { sim_flows_destroy(&n->flows); }

/* Flow: one flow of every copy's bytes, weighted by the copies; a
 * transfer with nothing to share (no hop or no byte) is timed as the
 * analytic model does. */
static void flow_start(sim_net_t *n, const sim_net_xfer_t *x)
{
    if (x->hops == 0 || x->bytes == 0) {
        analytic_start(n, x);
        return;
    }
    sim_flows_start_w(&n->flows, x->path, x->hops, x->bytes * x->copies, x->copies,
                      sim_time_add(x->latency_ps, x->extra_ps), x->done, x->ctx, x->arg);
}

const sim_net_model_desc_t sim_net_models[] = {
    [SIM_NET_FLOW] = {"flow", "links shared by max-min fairness among the transfers crossing them",
                      flow_init, flow_destroy, flow_start},
    [SIM_NET_ANALYTIC] = {"analytic", "latency plus bytes over the bottleneck, no contention",
                          NULL, NULL, analytic_start},
};
const size_t sim_net_models_n = sizeof sim_net_models / sizeof sim_net_models[0];
_Static_assert(offsetof(sim_net_model_desc_t, name) == 0,
               "common/tn_names.h reads a row's name first");

/* ---- routing ---- */

/* The PCIe switch GPU or NIC v hangs off, or -1. O(degree). */
static int32_t pcie_switch_of(const topo_t *t, int32_t v)
{
    for (int32_t i = t->out_off[v]; i < t->out_off[v + 1]; i++) {
        int32_t w = t->edst[t->out_edge[i]];
        if (t->kind[w] == TOPO_PCIE_SWITCH)
            return w;
    }
    return -1;
}

/* Of the k vertices of `kind` cabled to switch p, in id order: the j-th
 * (or, with j < 0, the position of vertex v among them), or -1. Sets *k.
 * O(degree of p). */
static int32_t pick_on_switch(const topo_t *t, int32_t p, topo_kind_t kind, int32_t j, int32_t v,
                              int32_t *k)
{
    int32_t at = 0, found = -1, pos = -1;
    /* cables come in pairs of directed edges; count each neighbour once,
     * in the order the builder added them (ids ascending) */
    for (int32_t i = t->out_off[p]; i < t->out_off[p + 1]; i++) {
        int32_t w = t->edst[t->out_edge[i]];
        if (t->kind[w] != kind)
            continue;
        if (at == j)
            found = w;
        if (w == v)
            pos = at;
        at++;
    }
    *k = at;
    return j >= 0 ? found : pos;
}

/* By vertex: the NIC of each GPU in a server with NICs, else -1. The
 * nearest: a NIC on the GPU's own PCIe switch when there is one (the
 * r-th of a switch's G GPUs gets its (r x N / G)-th of N NICs); else, by
 * order in the server, the i-th of g GPUs gets NIC i x nics / g.
 * O(vertices x degree). */
static int32_t *nic_affinity(const topo_t *t)
{
    int32_t ns = t->n_servers > 0 ? t->n_servers : 0, nv = t->n_vertices;
    int32_t *gpus = tn_calloc((size_t)ns + 1, sizeof *gpus);
    int32_t *nics = tn_calloc((size_t)ns + 1, sizeof *nics);
    int32_t *first_nic = tn_malloc(((size_t)ns + 1) * sizeof *first_nic);
    int32_t *out = tn_malloc(((size_t)nv + 1) * sizeof *out);
    for (int32_t s = 0; s <= ns; s++)
        first_nic[s] = -1;
    for (int32_t v = 0; v < nv; v++) {
        int32_t s = t->server[v];
        out[v] = -1;
        if (s < 0 || s >= ns)
            continue;
        gpus[s] += t->kind[v] == TOPO_GPU;
        if (t->kind[v] == TOPO_NIC && nics[s]++ == 0)
            first_nic[s] = v;
    }
    /* NICs of a server are numbered consecutively by the server builder;
     * an imported graph may not do so: then no affinity for that server */
    int32_t *seen = tn_calloc((size_t)ns + 1, sizeof *seen);
    for (int32_t v = 0; v < nv; v++) {
        int32_t s = t->server[v];
        if (s >= 0 && s < ns && t->kind[v] == TOPO_NIC && v != first_nic[s] + seen[s]++)
            nics[s] = 0;
    }
    memset(seen, 0, ((size_t)ns + 1) * sizeof *seen);
    for (int32_t v = 0; v < nv; v++) {
        int32_t s = t->server[v];
        if (s < 0 || s >= ns || t->kind[v] != TOPO_GPU || nics[s] == 0)
            continue;
        out[v] = first_nic[s] + (int32_t)((int64_t)seen[s]++ * nics[s] / gpus[s]);
        int32_t p = pcie_switch_of(t, v), ng = 0, nn = 0;
        if (p < 0)
            continue;
        int32_t r = pick_on_switch(t, p, TOPO_GPU, -1, v, &ng);
        pick_on_switch(t, p, TOPO_NIC, -1, -1, &nn);
        if (nn > 0 && r >= 0)
            out[v] = pick_on_switch(t, p, TOPO_NIC, (int32_t)((int64_t)r * nn / ng), -1, &nn);
    }
    free(seen);
    free(gpus);
    free(nics);
    free(first_nic);
    return out;
}

int sim_net_init(sim_net_t *n, sim_engine_t *eng, const topo_t *t, sim_net_model_t model,
                 tn_error_t *err)
{
    (void)err;
    memset(n, 0, sizeof *n);
    n->eng = eng;
    n->topo = t;
    n->model = model;
    topo_route_init(&n->route, t);
    TN_ASSERT((size_t)model < sim_net_models_n);
    if (sim_net_models[model].init)
        sim_net_models[model].init(n);
    tn_map_init(&n->paths);
    tn_map_init(&n->ring_orders);
    tn_map_init(&n->ring_paths);
    n->nic_of = nic_affinity(t);
    n->link_bytes = tn_calloc((size_t)t->n_edges, sizeof *n->link_bytes);
    n->link_busy_ps = tn_calloc((size_t)t->n_edges, sizeof *n->link_busy_ps);
    n->shortcuts = true;
    n->claimed = tn_calloc((size_t)t->n_edges / 64 + 1, sizeof *n->claimed);
    n->claim = tn_calloc((size_t)t->n_edges + 1, sizeof *n->claim);
    return 0;
}

void sim_net_destroy(sim_net_t *n)
{
    if (!n || !n->topo)
        return;
    topo_route_destroy(&n->route);
    for (size_t i = 0; i < n->paths.cap; i++)
        free(n->paths.vals[i]);
    tn_map_destroy(&n->paths);
    for (size_t i = 0; i < n->ring_orders.cap; i++)
        free(n->ring_orders.vals[i]);
    tn_map_destroy(&n->ring_orders);
    for (size_t i = 0; i < n->ring_paths.cap; i++)
        free(n->ring_paths.vals[i]);
    tn_map_destroy(&n->ring_paths);
    free(n->coll_tuner);
    if (sim_net_models[n->model].destroy)
        sim_net_models[n->model].destroy(n);
    free(n->link_bytes);
    free(n->link_busy_ps);
    free(n->claim);
    free(n->claimed);
    free(n->nic_of);
    memset(n, 0, sizeof *n);
}

/* A cached path: the key's parts (to tell hash collisions apart) and the
 * edges. */
typedef struct {
    int32_t src, dst;
    uint32_t conn;
    int32_t hops;
    int32_t edge[];
} cached_path_t;

/* Appends the routed path from a to b to n->path at `at`; returns the
 * hops so far. */
static int leg(sim_net_t *n, int32_t a, int32_t b, uint32_t conn, int at)
{
    tn_error_t err;
    int hops = topo_route_path(&n->route, a, b, conn, n->path + at, SIM_NET_MAX_HOPS - at, &err);
    /* topo_finalize() proved every GPU reaches every other */
    TN_ASSERT(hops >= 0);
    return at + hops;
}

/* The path of connection (src, dst, conn) into n->path; returns its hops. */
static int route(sim_net_t *n, int32_t src, int32_t dst, uint32_t conn)
{
    uint64_t key = tn_mix64(((uint64_t)(uint32_t)src << 32 | (uint32_t)dst) ^ tn_mix64(conn));
    cached_path_t *p = tn_map_get(&n->paths, key);
    if (p && p->src == src && p->dst == dst && p->conn == conn) {
        memcpy(n->path, p->edge, (size_t)p->hops * sizeof *n->path);
        return p->hops;
    }
    /* A GPU's traffic leaving its server goes through its own NIC, and
     * traffic to a GPU arrives through that GPU's NIC, as NCCL binds each
     * GPU to its nearest NIC (equal-cost paths through another NIC of the
     * same PCIe switch would otherwise share NICs by hash) */
    const topo_t *t = n->topo;
    int32_t ns = n->nic_of[src], nd = n->nic_of[dst], hops = 0;
    if (t->server[src] == t->server[dst] || (ns < 0 && nd < 0)) {
        hops = leg(n, src, dst, conn, 0);
    } else {
        int32_t from = ns >= 0 ? ns : src, to = nd >= 0 ? nd : dst;
        if (ns >= 0)
            hops = leg(n, src, ns, conn, hops);
        hops = leg(n, from, to, conn, hops);
        if (nd >= 0)
            hops = leg(n, nd, dst, conn, hops);
    }
    if (!p && n->paths.n < SIM_NET_PATH_CACHE) {
        p = tn_malloc(sizeof *p + (size_t)hops * sizeof *p->edge);
        *p = (cached_path_t){src, dst, conn, hops};
        memcpy(p->edge, n->path, (size_t)hops * sizeof *n->path);
        tn_map_put(&n->paths, key, p);
    }
    return hops;
}

bool sim_net_same_path(sim_net_t *n, int32_t src, int32_t dst, uint32_t a, uint32_t b)
{
    int32_t first[SIM_NET_MAX_HOPS];
    int ha = route(n, src, dst, a);
    memcpy(first, n->path, (size_t)ha * sizeof *first);
    return route(n, src, dst, b) == ha && !memcmp(first, n->path, (size_t)ha * sizeof *first);
}

void sim_net_send(sim_net_t *n, int32_t src, int32_t dst, uint64_t bytes, sim_time_t extra_ps,
                  uint32_t conn, sim_handler_t done, void *ctx, uint64_t arg)
{
    sim_net_send_bundle(n, src, dst, bytes, 1, extra_ps, conn, done, ctx, arg);
}

static void send_routed(sim_net_t *n, const int32_t *path, int hops, uint64_t bytes,
                        uint32_t copies, sim_time_t extra_ps, sim_handler_t done, void *ctx,
                        uint64_t arg);

void sim_net_send_bundle(sim_net_t *n, int32_t src, int32_t dst, uint64_t bytes, uint32_t copies,
                         sim_time_t extra_ps, uint32_t conn, sim_handler_t done, void *ctx,
                         uint64_t arg)
{
    send_routed(n, n->path, route(n, src, dst, conn), bytes, copies, extra_ps, done, ctx, arg);
}

int sim_net_route(sim_net_t *n, int32_t src, int32_t dst, uint32_t conn, int32_t *path, int max)
{
    int hops = route(n, src, dst, conn);
    if (hops > max)
        return -1;
    memcpy(path, n->path, (size_t)hops * sizeof *path);
    return hops;
}

void sim_net_send_path(sim_net_t *n, const int32_t *path, int hops, uint64_t bytes,
                       uint32_t copies, sim_time_t extra_ps, sim_handler_t done, void *ctx,
                       uint64_t arg)
{
    TN_ASSERT(hops >= 0 && hops <= SIM_NET_MAX_HOPS);
    send_routed(n, path, hops, bytes, copies, extra_ps, done, ctx, arg); /* no copy: the
                                                                          * caller keeps it */
}

sim_time_t sim_net_path_latency(const sim_net_t *n, const int32_t *path, int hops,
                                uint64_t *bottleneck)
{
    const topo_t *t = n->topo;
    sim_time_t lat = 0;
    uint64_t b = UINT64_MAX;
    for (int i = 0; i < hops; i++) {
        lat = sim_time_add(lat, t->latency_ps[path[i]]);
        if (t->bps[path[i]] < b)
            b = t->bps[path[i]];
    }
    *bottleneck = b;
    return lat;
}

void sim_net_account(sim_net_t *n, const int32_t *path, int hops, uint64_t bytes,
                     uint32_t copies)
{
    TN_ASSERT(copies >= 1);
    const topo_t *t = n->topo;
    n->transfers += copies;
    uint64_t all;
    TN_ASSERT(!__builtin_mul_overflow(bytes, copies, &all));
    for (int i = 0; i < hops; i++) {
        int32_t e = path[i];
        if (__builtin_add_overflow(n->link_bytes[e], all, &n->link_bytes[e]))
            n->overflowed = true;
        /* each copy's own, as unbundled transfers count it (no rounding
         * of their sum) */
        sim_time_t busy;
        if (__builtin_mul_overflow(sim_serialize_ps(bytes, t->bps[e]), (sim_time_t)copies, &busy))
            busy = SIM_TIME_MAX;
        n->link_busy_ps[e] = sim_time_add(n->link_busy_ps[e], busy);
    }
}

static inline bool claimed(const sim_net_t *n, int32_t e)
{
    return n->claimed[e >> 6] >> (e & 63) & 1;
}

static inline void set_claim(sim_net_t *n, int32_t e, sim_net_claim_t *c)
{
    n->claim[e] = c;
    if (c)
        n->claimed[e >> 6] |= 1ull << (e & 63);
    else
        n->claimed[e >> 6] &= ~(1ull << (e & 63));
}

/* Claimants of links on path[0 .. hops) give them back (each puts its
 * computed transfers into the network, which may route and send, and so
 * overwrite n->path: a path there is kept aside meanwhile; a caller's
 * kept path is its own). O(hops) without a claim. */
static void yield_claims(sim_net_t *n, const int32_t *path, int hops)
{
    sim_time_t now = sim_now(n->eng);
    for (int i = 0; i < hops; i++) {
        if (!claimed(n, path[i]))
            continue; /* the bitmap is small enough to stay in the caches */
        sim_net_claim_t *c = n->claim[path[i]];
        if (c->until <= now) {
            set_claim(n, path[i], NULL); /* lapsed */
            continue;
        }
        int32_t *keep = tn_malloc((size_t)hops * sizeof *keep);
        memcpy(keep, path, (size_t)hops * sizeof *keep);
        for (int j = i; j < hops; j++) {
            sim_net_claim_t *cj = n->claim[keep[j]];
            if (cj && cj->until <= now)
                set_claim(n, keep[j], NULL);
            else if (cj)
                cj->yield(cj); /* gives back all of cj's links */
        }
        if (path == n->path)
            memcpy(n->path, keep, (size_t)hops * sizeof *keep);
        free(keep);
        return;
    }
}

/* A transfer routed onto path[0 .. hops) (n->path or a caller's): claims
 * given back, the links' counts, then the model's start. */
static void send_routed(sim_net_t *n, const int32_t *path, int hops, uint64_t bytes,
                        uint32_t copies, sim_time_t extra_ps, sim_handler_t done, void *ctx,
                        uint64_t arg)
{
    /* what follows reads or writes five arrays by link, each a miss per
     * hop in a large fabric: fetch them all first, so the misses overlap
     * instead of coming one after another (measured: a tenth less time
     * for bench/bench_coll.c) */
    const topo_t *t = n->topo;
    for (int i = 0; i < hops; i++) {
        int32_t e = path[i];
        __builtin_prefetch(&n->link_bytes[e], 1);
        __builtin_prefetch(&n->link_busy_ps[e], 1);
        __builtin_prefetch(&t->bps[e]);
        __builtin_prefetch(&t->latency_ps[e]);
    }
    if (n->model == SIM_NET_FLOW)
        yield_claims(n, path, hops);
    sim_net_account(n, path, hops, bytes, copies);
    uint64_t bottleneck;
    sim_time_t lat = sim_net_path_latency(n, path, hops, &bottleneck);
    sim_net_xfer_t x = {path, hops, bytes, copies, lat, bottleneck, extra_ps, done, ctx, arg};
    sim_net_models[n->model].start(n, &x);
}

bool sim_net_claimable(const sim_net_t *n, const int32_t *path, int hops)
{
    if (!n->shortcuts || n->model != SIM_NET_FLOW)
        return false;
    sim_time_t now = sim_now(n->eng);
    for (int i = 0; i < hops; i++) {
        const sim_net_claim_t *c = claimed(n, path[i]) ? n->claim[path[i]] : NULL;
        if ((c && c->until > now) || sim_flows_link_busy(&n->flows, path[i]))
            return false;
    }
    return true;
}

void sim_net_claim(sim_net_t *n, const int32_t *path, int hops, sim_net_claim_t *c)
{
    sim_time_t now = sim_now(n->eng);
    for (int i = 0; i < hops; i++) {
        TN_ASSERT(!n->claim[path[i]] || n->claim[path[i]]->until <= now);
        set_claim(n, path[i], c);
    }
}

void sim_net_unclaim(sim_net_t *n, const int32_t *path, int hops, const sim_net_claim_t *c)
{
    for (int i = 0; i < hops; i++)
        if (n->claim[path[i]] == c)
            set_claim(n, path[i], NULL);
}

void sim_net_adopt(sim_net_t *n, const int32_t *path, int hops, uint64_t bytes, uint32_t copies,
                   sim_time_t extra_ps, sim_time_t started, sim_handler_t done, void *ctx,
                   uint64_t arg)
{
    TN_ASSERT(n->model == SIM_NET_FLOW);
    uint64_t bottleneck;
    sim_time_t lat = sim_net_path_latency(n, path, hops, &bottleneck);
    sim_flows_adopt(&n->flows, path, hops, bytes * copies, copies, sim_time_add(lat, extra_ps),
                    started, done, ctx, arg);
}
