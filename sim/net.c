#include "sim/net.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_hash.h"

int sim_net_init(sim_net_t *n, sim_engine_t *eng, const topo_t *t, sim_net_model_t model,
                 tn_error_t *err)
{
    (void)err;
    memset(n, 0, sizeof *n);
    n->eng = eng;
    n->topo = t;
    n->model = model;
    topo_route_init(&n->route, t);
    if (model == SIM_NET_FLOW)
        sim_flows_init(&n->flows, eng, t);
    tn_map_init(&n->paths);
    tn_map_init(&n->ring_orders);
    n->link_bytes = tn_calloc((size_t)t->n_edges, sizeof *n->link_bytes);
    n->link_busy_ps = tn_calloc((size_t)t->n_edges, sizeof *n->link_busy_ps);
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
    if (n->model == SIM_NET_FLOW)
        sim_flows_destroy(&n->flows);
    free(n->link_bytes);
    free(n->link_busy_ps);
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

/* The path of connection (src, dst, conn) into n->path; returns its hops. */
static int route(sim_net_t *n, int32_t src, int32_t dst, uint32_t conn)
{
    uint64_t key = tn_mix64(((uint64_t)(uint32_t)src << 32 | (uint32_t)dst) ^ tn_mix64(conn));
    cached_path_t *p = tn_map_get(&n->paths, key);
    if (p && p->src == src && p->dst == dst && p->conn == conn) {
        memcpy(n->path, p->edge, (size_t)p->hops * sizeof *n->path);
        return p->hops;
    }
    tn_error_t err;
    int hops = topo_route_path(&n->route, src, dst, conn, n->path, SIM_NET_MAX_HOPS, &err);
    /* topo_finalize() proved every GPU reaches every other. */
    TN_ASSERT(hops >= 0);
    if (!p && n->paths.n < SIM_NET_PATH_CACHE) {
        p = tn_malloc(sizeof *p + (size_t)hops * sizeof *p->edge);
        *p = (cached_path_t){src, dst, conn, hops};
        memcpy(p->edge, n->path, (size_t)hops * sizeof *n->path);
        tn_map_put(&n->paths, key, p);
    }
    return hops;
}

void sim_net_send(sim_net_t *n, int32_t src, int32_t dst, uint64_t bytes, sim_time_t extra_ps,
                  uint32_t conn, sim_handler_t done, void *ctx, uint64_t arg)
{
    const topo_t *t = n->topo;
    int hops = route(n, src, dst, conn);
    n->transfers++;
    sim_time_t lat = 0;
    uint64_t bottleneck = UINT64_MAX;
    for (int i = 0; i < hops; i++) {
        int32_t e = n->path[i];
        lat = sim_time_add(lat, t->latency_ps[e]);
        if (t->bps[e] < bottleneck)
            bottleneck = t->bps[e];
        if (__builtin_add_overflow(n->link_bytes[e], bytes, &n->link_bytes[e]))
            n->overflowed = true;
        n->link_busy_ps[e] = sim_time_add(n->link_busy_ps[e], sim_serialize_ps(bytes, t->bps[e]));
    }
    if (n->model == SIM_NET_FLOW && hops > 0 && bytes > 0) {
        sim_flows_start(&n->flows, n->path, hops, bytes, sim_time_add(lat, extra_ps), done, ctx,
                        arg);
        return;
    }
    sim_time_t dur = hops ? sim_time_add(lat, sim_serialize_ps(bytes, bottleneck)) : 0;
    sim_schedule_in(n->eng, sim_time_add(dur, extra_ps), done, ctx, arg);
}
