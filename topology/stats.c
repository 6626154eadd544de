#include "topology/stats.h"

#include <stdlib.h>
#include <string.h>

/* Capacity of the directed links leaving server s for outside it. */
static double server_out_gbps(const topo_t *t, int32_t s)
{
    double g = 0;
    for (int32_t e = 0; e < t->n_edges; e++)
        if (t->server[t->esrc[e]] == s && t->server[t->edst[e]] != s)
            g += (double)t->bps[e] / 1e9;
    return g;
}

/* The rank of every server among the GPU servers, in order of each one's
 * first GPU (-1 for servers without GPUs); returns how many. O(V). */
static int64_t rank_gpu_servers(const topo_t *t, int32_t *rank)
{
    for (int32_t s = 0; s < t->n_servers; s++)
        rank[s] = -1;
    int64_t n = 0;
    for (int32_t i = 0; i < t->n_gpus; i++) {
        int32_t s = t->server[t->gpus[i]];
        if (s >= 0 && rank[s] < 0)
            rank[s] = (int32_t)n++;
    }
    return n;
}

/* Max flow from the GPUs of the first half of the GPU servers to those of
 * the second half, through a super source and sink. */
static double bisection_gbps(const topo_t *t, const int32_t *rank, int64_t gpu_servers)
{
    if (gpu_servers < 2)
        return -1;
    igraph_t g;
    TN_ASSERT(igraph_copy(&g, &t->graph) == IGRAPH_SUCCESS);
    igraph_integer_t src = t->n_vertices, snk = t->n_vertices + 1;
    igraph_add_vertices(&g, 2, NULL);
    igraph_vector_int_t ev;
    igraph_vector_int_init(&ev, 0);
    igraph_vector_t cap;
    igraph_vector_init(&cap, t->n_edges);
    for (int32_t e = 0; e < t->n_edges; e++)
        VECTOR(cap)[e] = (double)t->bps[e] / 1e9;
    for (int32_t i = 0; i < t->n_gpus; i++) {
        int32_t v = t->gpus[i];
        bool second = t->server[v] < 0 || rank[t->server[v]] >= gpu_servers / 2;
        igraph_vector_int_push_back(&ev, second ? v : src);
        igraph_vector_int_push_back(&ev, second ? snk : v);
        igraph_vector_push_back(&cap, 1e12);
    }
    igraph_add_edges(&g, &ev, NULL);
    igraph_real_t flow = 0;
    TN_ASSERT(igraph_maxflow_value(&g, &flow, src, snk, &cap, NULL) == IGRAPH_SUCCESS);
    igraph_vector_destroy(&cap);
    igraph_vector_int_destroy(&ev);
    igraph_destroy(&g);
    return flow;
}

double topo_stats_bisection_gbps(const topo_t *t)
{
    int32_t *rank = tn_malloc(((size_t)t->n_servers + 1) * sizeof *rank);
    double b = bisection_gbps(t, rank, rank_gpu_servers(t, rank));
    free(rank);
    return b;
}

void topo_stats_compute(const topo_t *t, topo_route_t *r, topo_stats_t *st)
{
    memset(st, 0, sizeof *st);
    st->gpus = t->n_gpus;
    uint8_t *has = tn_calloc((size_t)t->n_servers + 1, 1); /* 1 server, 2 gpu server */
    for (int32_t v = 0; v < t->n_vertices; v++) {
        st->by_kind[t->kind[v]]++;
        st->cpu_cores += t->cores[v];
        int32_t s = t->server[v];
        if (s >= 0)
            has[s] |= (uint8_t)(1 | (t->kind[v] == TOPO_GPU ? 2 : 0));
    }
    for (int32_t s = 0; s < t->n_servers; s++) {
        st->servers += has[s] != 0;
        st->gpu_servers += (has[s] & 2) != 0;
    }
    free(has);
    st->switches = st->by_kind[TOPO_LEAF] + st->by_kind[TOPO_SPINE] + st->by_kind[TOPO_CORE] +
                   st->by_kind[TOPO_ROUTER];
    st->cables = t->n_edges / 2;
    for (int32_t e = 0; e < t->n_edges; e += 2)
        st->by_tier[t->tier[e]]++;
    st->gpu_server_bw_gbps = t->n_gpus ? server_out_gbps(t, t->server[t->gpus[0]]) : 0;
    int32_t *rank = tn_malloc(((size_t)t->n_servers + 1) * sizeof *rank);
    TN_ASSERT(rank_gpu_servers(t, rank) == st->gpu_servers);
    st->bisection_bw_gbps = bisection_gbps(t, rank, st->gpu_servers);
    topo_storage_totals(t, &st->storage);

    /* Diameter over GPU pairs, one destination at a time. */
    uint32_t diam = 0;
    for (int32_t j = 0; j < t->n_gpus; j++)
        for (int32_t i = 0; i < t->n_gpus; i++) {
            uint32_t d = topo_route_dist(r, t->gpus[i], t->gpus[j]);
            if (d != TOPO_ROUTE_UNREACHABLE && d > diam)
                diam = d;
        }
    st->diameter_hops = (int32_t)diam;

    /* Samples from GPU 0: the next GPU, the first GPU of the next GPU
     * server, of the middle one, of the last one. */
    int32_t picks[TOPO_STATS_SAMPLES] = {1, -1, -1, -1};
    for (int32_t i = t->n_gpus - 1; i >= 0; i--) {
        int32_t s = t->server[t->gpus[i]], k = s >= 0 ? rank[s] : -1;
        if (k == 1)
            picks[1] = i;
        if (k == st->gpu_servers / 2)
            picks[2] = i;
        if (k == st->gpu_servers - 1)
            picks[3] = i;
    }
    free(rank);
    for (int k = 0; k < TOPO_STATS_SAMPLES; k++) {
        int32_t j = picks[k];
        bool dup = false;
        for (int m = 0; m < st->n_samples; m++)
            dup = dup || st->sample[m].dst_gpu == j;
        if (j <= 0 || j >= t->n_gpus || dup)
            continue;
        int n = st->n_samples++;
        st->sample[n].src_gpu = 0;
        st->sample[n].dst_gpu = j;
        st->sample[n].hops = topo_route_dist(r, t->gpus[0], t->gpus[j]);
        st->sample[n].paths = topo_route_count_paths(r, t->gpus[0], t->gpus[j]);
    }
}

json_t *topo_stats_json(const topo_stats_t *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "gpus", json_integer(st->gpus));
    json_object_set_new(o, "servers", json_integer(st->servers));
    json_object_set_new(o, "gpu_servers", json_integer(st->gpu_servers));
    json_object_set_new(o, "cpu_cores", json_integer(st->cpu_cores));
    json_object_set_new(o, "switches", json_integer(st->switches));
    json_t *sw = json_object();
    static const topo_kind_t kinds[] = {TOPO_LEAF, TOPO_SPINE, TOPO_CORE, TOPO_ROUTER,
                                        TOPO_NVSWITCH, TOPO_PCIE_SWITCH, TOPO_NVSWITCH_SHARP};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (st->by_kind[kinds[i]])
            json_object_set_new(sw, topo_kind_name(kinds[i]), json_integer(st->by_kind[kinds[i]]));
    json_object_set_new(o, "switches_by_kind", sw);
    json_object_set_new(o, "links", json_integer(st->cables));
    json_t *lt = json_object();
    for (int k = 0; k < TOPO_TIER_COUNT; k++)
        if (st->by_tier[k])
            json_object_set_new(lt, topo_tier_name((topo_tier_t)k), json_integer(st->by_tier[k]));
    json_object_set_new(o, "links_by_tier", lt);
    json_object_set_new(o, "gpu_server_bw_gbps", json_real(st->gpu_server_bw_gbps));
    json_object_set_new(o, "bisection_bw_gbps",
                        st->bisection_bw_gbps < 0 ? json_null() : json_real(st->bisection_bw_gbps));
    json_object_set_new(o, "storage_servers", json_integer(st->storage.servers));
    json_object_set_new(o, "storage_bw_gbyte_s", json_real(st->storage.bw_gbyte_s));
    json_object_set_new(o, "storage_capacity_tb", json_real(st->storage.capacity_tb));
    json_object_set_new(o, "diameter_hops", json_integer(st->diameter_hops));
    json_t *smp = json_array();
    for (int i = 0; i < st->n_samples; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "src_gpu", json_integer(st->sample[i].src_gpu));
        json_object_set_new(e, "dst_gpu", json_integer(st->sample[i].dst_gpu));
        json_object_set_new(e, "hops", json_integer(st->sample[i].hops));
        json_object_set_new(e, "paths", json_real(st->sample[i].paths));
        json_array_append_new(smp, e);
    }
    json_object_set_new(o, "ecmp_paths_sample", smp);
    return o;
}
