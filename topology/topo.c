#include "topology/topo.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[TOPO_KIND_COUNT] = {
    "gpu", "nvswitch", "pcie_switch", "nic", "cpu", "leaf", "spine", "core", "storage", "router",
    "nvswitch_sharp",
};
static const char *const tier_names[TOPO_TIER_COUNT] = {
    "nvlink", "pcie", "host", "leaf", "spine", "local", "global", "torus",
};

const char *topo_kind_name(topo_kind_t k) { return k < TOPO_KIND_COUNT ? kind_names[k] : "?"; }
const char *topo_tier_name(topo_tier_t t) { return t < TOPO_TIER_COUNT ? tier_names[t] : "?"; }

int topo_kind_from_name(const char *s)
{
    for (int k = 0; k < TOPO_KIND_COUNT; k++)
        if (!strcmp(kind_names[k], s))
            return k;
    return -1;
}

int topo_tier_from_name(const char *s)
{
    for (int k = 0; k < TOPO_TIER_COUNT; k++)
        if (!strcmp(tier_names[k], s))
            return k;
    return -1;
}

void topo_init(topo_t *t) { memset(t, 0, sizeof *t); }

void topo_destroy(topo_t *t)
{
    if (!t)
        return;
    free(t->kind);
    free(t->server);
    free(t->cores);
    free(t->store_bytes);
    free(t->esrc);
    free(t->edst);
    free(t->bps);
    free(t->latency_ps);
    free(t->tier);
    free(t->out_off);
    free(t->out_edge);
    free(t->in_off);
    free(t->in_edge);
    free(t->gpus);
    if (t->finalized)
        igraph_destroy(&t->graph);
    memset(t, 0, sizeof *t);
}

int32_t topo_add_vertex(topo_t *t, topo_kind_t kind, int32_t server, int32_t cores)
{
    TN_ASSERT(!t->finalized && kind < TOPO_KIND_COUNT);
    TN_ASSERT(t->n_vertices < INT32_MAX);
    if ((size_t)t->n_vertices == t->v_cap) {
        size_t c = t->v_cap = t->v_cap ? 2 * t->v_cap : 64;
        t->kind = tn_realloc(t->kind, c * sizeof *t->kind);
        t->server = tn_realloc(t->server, c * sizeof *t->server);
        t->cores = tn_realloc(t->cores, c * sizeof *t->cores);
        t->store_bytes = tn_realloc(t->store_bytes, c * sizeof *t->store_bytes);
    }
    int32_t v = t->n_vertices++;
    t->kind[v] = (uint8_t)kind;
    t->server[v] = server;
    t->cores[v] = cores;
    t->store_bytes[v] = 0;
    if (server >= t->n_servers)
        t->n_servers = server + 1;
    return v;
}

void topo_set_storage(topo_t *t, int32_t v, uint64_t bytes)
{
    TN_ASSERT(!t->finalized && v >= 0 && v < t->n_vertices && t->kind[v] == TOPO_STORAGE);
    t->store_bytes[v] = bytes;
}

static int32_t add_edge(topo_t *t, int32_t a, int32_t b, uint64_t bps, uint64_t lat, topo_tier_t tier)
{
    if ((size_t)t->n_edges == t->e_cap) {
        size_t c = t->e_cap = t->e_cap ? 2 * t->e_cap : 64;
        t->esrc = tn_realloc(t->esrc, c * sizeof *t->esrc);
        t->edst = tn_realloc(t->edst, c * sizeof *t->edst);
        t->bps = tn_realloc(t->bps, c * sizeof *t->bps);
        t->latency_ps = tn_realloc(t->latency_ps, c * sizeof *t->latency_ps);
        t->tier = tn_realloc(t->tier, c * sizeof *t->tier);
    }
    int32_t e = t->n_edges++;
    t->esrc[e] = a;
    t->edst[e] = b;
    t->bps[e] = bps;
    t->latency_ps[e] = lat;
    t->tier[e] = (uint8_t)tier;
    return e;
}

int32_t topo_add_cable(topo_t *t, int32_t a, int32_t b, uint64_t bps, uint64_t latency_ps,
                       topo_tier_t tier)
{
    TN_ASSERT(!t->finalized);
    TN_ASSERT(a >= 0 && a < t->n_vertices && b >= 0 && b < t->n_vertices && a != b);
    TN_ASSERT(t->n_edges < INT32_MAX - 1);
    int32_t e = add_edge(t, a, b, bps, latency_ps, tier);
    add_edge(t, b, a, bps, latency_ps, tier);
    return e;
}

void topo_build_csr(int32_t nv, int32_t ne, const int32_t *key, int32_t **off_out,
                      int32_t **edge_out)
{
    int32_t *off = tn_calloc((size_t)nv + 1, sizeof *off);
    int32_t *edge = tn_malloc((size_t)ne * sizeof *edge);
    for (int32_t e = 0; e < ne; e++)
        off[key[e] + 1]++;
    for (int32_t v = 0; v < nv; v++)
        off[v + 1] += off[v];
    int32_t *fill = tn_malloc((size_t)nv * sizeof *fill);
    if (nv)
        memcpy(fill, off, (size_t)nv * sizeof *fill);
    for (int32_t e = 0; e < ne; e++)
        edge[fill[key[e]]++] = e;
    free(fill);
    *off_out = off;
    *edge_out = edge;
}

/* Vertices reachable from `from` along directed edges, marked in seen[].
 * O(|V| + |E|). */
static void reach(const topo_t *t, int32_t from, uint8_t *seen, int32_t *stack)
{
    memset(seen, 0, (size_t)t->n_vertices);
    int32_t sp = 0;
    stack[sp++] = from;
    seen[from] = 1;
    while (sp) {
        int32_t u = stack[--sp];
        for (int32_t i = t->out_off[u]; i < t->out_off[u + 1]; i++) {
            int32_t v = t->edst[t->out_edge[i]];
            if (!seen[v]) {
                seen[v] = 1;
                stack[sp++] = v;
            }
        }
    }
}

int topo_finalize(topo_t *t, tn_error_t *err)
{
    TN_ASSERT(!t->finalized);
    for (int32_t e = 0; e < t->n_edges; e++)
        if (t->bps[e] == 0)
            return tn_error_set(err, TN_EINPUT, "link %d (vertex %d to %d) has zero capacity", e,
                                t->esrc[e], t->edst[e]);
    free(t->gpus);
    t->gpus = tn_malloc(((size_t)t->n_vertices + 1) * sizeof *t->gpus);
    t->n_gpus = 0;
    for (int32_t v = 0; v < t->n_vertices; v++)
        if (t->kind[v] == TOPO_GPU)
            t->gpus[t->n_gpus++] = v;
    if (t->n_gpus == 0)
        return tn_error_set(err, TN_EINPUT, "the fabric has no gpu");
    topo_build_csr(t->n_vertices, t->n_edges, t->esrc, &t->out_off, &t->out_edge);
    topo_build_csr(t->n_vertices, t->n_edges, t->edst, &t->in_off, &t->in_edge);

    /* Every cable is two opposite edges, so reachability is symmetric: one
     * search from the first GPU decides whether all GPUs are connected. */
    uint8_t *seen = tn_malloc((size_t)t->n_vertices);
    int32_t *stack = tn_malloc((size_t)t->n_vertices * sizeof *stack);
    reach(t, t->gpus[0], seen, stack);
    int32_t lost = -1;
    for (int32_t i = 0; i < t->n_gpus && lost < 0; i++)
        if (!seen[t->gpus[i]])
            lost = i;
    free(seen);
    free(stack);
    if (lost >= 0)
        return tn_error_set(err, TN_EINPUT,
                            "the fabric is disconnected: gpu 0 cannot reach gpu %d", lost);

    igraph_vector_int_t ev;
    igraph_vector_int_init(&ev, 2 * (igraph_integer_t)t->n_edges);
    for (int32_t e = 0; e < t->n_edges; e++) {
        VECTOR(ev)[2 * e] = t->esrc[e];
        VECTOR(ev)[2 * e + 1] = t->edst[e];
    }
    igraph_error_t rc = igraph_create(&t->graph, &ev, t->n_vertices, IGRAPH_DIRECTED);
    igraph_vector_int_destroy(&ev);
    TN_ASSERT(rc == IGRAPH_SUCCESS);
    t->finalized = true;
    return 0;
}
