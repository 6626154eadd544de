#include "topology/degrade.h"

#include <stdlib.h>
#include <string.h>

/* A copy of n elements of *a (n may be 0); NULL stays NULL (an array a
 * fabric does not use). */
static void *dup_array(const void *a, size_t n, size_t size)
{
    if (!a)
        return NULL;
    void *p = tn_malloc(n * size);
    if (n)
        memcpy(p, a, n * size);
    return p;
}

int topo_copy_without(const topo_t *src, const uint8_t *drop_vertex, const uint8_t *drop_cable,
                      topo_t *dst, int32_t *edge_map, tn_error_t *err)
{
    (void)err;
    TN_ASSERT(src->finalized && src->n_edges % 2 == 0);
    int32_t nv = src->n_vertices;
    topo_init(dst);
    dst->n_vertices = nv;
    dst->v_cap = (size_t)nv;
    /* Per-vertex arrays, as they are: ids do not change. A new per-vertex
     * field of topo_t is one more line here. */
#define COPY_V(f) dst->f = dup_array(src->f, (size_t)nv, sizeof *src->f)
    COPY_V(kind);
    COPY_V(server);
    COPY_V(cores);
    COPY_V(store_bytes);
#undef COPY_V
    dst->gpus = dup_array(src->gpus, (size_t)src->n_gpus + 1, sizeof *src->gpus);
    dst->n_gpus = src->n_gpus;
    dst->n_servers = src->n_servers;

    /* Per-edge arrays: the surviving cables in their order, both
     * directions. A new per-edge field is one line in each block. */
    size_t cap = (size_t)src->n_edges;
    dst->e_cap = cap;
    dst->esrc = tn_malloc(cap * sizeof *dst->esrc);
    dst->edst = tn_malloc(cap * sizeof *dst->edst);
    dst->bps = tn_malloc(cap * sizeof *dst->bps);
    dst->latency_ps = tn_malloc(cap * sizeof *dst->latency_ps);
    dst->tier = tn_malloc(cap * sizeof *dst->tier);
    int32_t ne = 0;
    for (int32_t e = 0; e < src->n_edges; e++) {
        int32_t a = src->esrc[e], b = src->edst[e];
        bool gone = (drop_cable && drop_cable[e / 2]) ||
                    (drop_vertex && (drop_vertex[a] || drop_vertex[b]));
        if (edge_map)
            edge_map[e] = gone ? -1 : ne;
        if (gone)
            continue;
        dst->esrc[ne] = a;
        dst->edst[ne] = b;
        dst->bps[ne] = src->bps[e];
        dst->latency_ps[ne] = src->latency_ps[e];
        dst->tier[ne] = src->tier[e];
        ne++;
    }
    dst->n_edges = ne;

    /* What topo_finalize() adds, without its connectivity check */
    topo_build_csr(nv, ne, dst->esrc, &dst->out_off, &dst->out_edge);
    topo_build_csr(nv, ne, dst->edst, &dst->in_off, &dst->in_edge);
    igraph_vector_int_t ev;
    igraph_vector_int_init(&ev, 2 * (igraph_integer_t)ne);
    for (int32_t e = 0; e < ne; e++) {
        VECTOR(ev)[2 * e] = dst->esrc[e];
        VECTOR(ev)[2 * e + 1] = dst->edst[e];
    }
    igraph_error_t rc = igraph_create(&dst->graph, &ev, nv, IGRAPH_DIRECTED);
    igraph_vector_int_destroy(&ev);
    TN_ASSERT(rc == IGRAPH_SUCCESS);
    dst->finalized = true;
    return 0;
}
