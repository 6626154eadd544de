#include "sim/net.h"

#include <stdlib.h>
#include <string.h>

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
    n->link_bytes = tn_calloc((size_t)t->n_edges, sizeof *n->link_bytes);
    n->link_busy_ps = tn_calloc((size_t)t->n_edges, sizeof *n->link_busy_ps);
    return 0;
}

void sim_net_destroy(sim_net_t *n)
{
    if (!n || !n->topo)
        return;
    topo_route_destroy(&n->route);
    if (n->model == SIM_NET_FLOW)
        sim_flows_destroy(&n->flows);
    free(n->link_bytes);
    free(n->link_busy_ps);
    memset(n, 0, sizeof *n);
}

void sim_net_send(sim_net_t *n, int32_t src, int32_t dst, uint64_t bytes, sim_time_t extra_ps,
                  sim_handler_t done, void *ctx, uint64_t arg)
{
    const topo_t *t = n->topo;
    tn_error_t err;
    int hops = topo_route_path(&n->route, src, dst, n->next_flow++, n->path, SIM_NET_MAX_HOPS, &err);
    /* topo_finalize() proved every GPU reaches every other. */
    TN_ASSERT(hops >= 0);
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
