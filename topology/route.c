#include "topology/route.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_hash.h"

void topo_route_init(topo_route_t *r, const topo_t *t)
{
    TN_ASSERT(t->finalized);
    r->t = t;
    r->dist = tn_calloc((size_t)t->n_vertices, sizeof *r->dist);
    r->queue = tn_malloc((size_t)t->n_vertices * sizeof *r->queue);
}

void topo_route_destroy(topo_route_t *r)
{
    if (!r || !r->t)
        return;
    for (int32_t v = 0; v < r->t->n_vertices; v++)
        free(r->dist[v]);
    free(r->dist);
    free(r->queue);
    memset(r, 0, sizeof *r);
}

/* Hop distances to dst from every vertex: BFS from dst over in-edges. */
static const uint16_t *table(topo_route_t *r, int32_t dst)
{
    if (r->dist[dst])
        return r->dist[dst];
    const topo_t *t = r->t;
    uint16_t *d = tn_malloc((size_t)t->n_vertices * sizeof *d);
    for (int32_t v = 0; v < t->n_vertices; v++)
        d[v] = TOPO_ROUTE_UNREACHABLE;
    int32_t head = 0, tail = 0;
    d[dst] = 0;
    r->queue[tail++] = dst;
    while (head < tail) {
        int32_t v = r->queue[head++];
        for (int32_t i = t->in_off[v]; i < t->in_off[v + 1]; i++) {
            int32_t u = t->esrc[t->in_edge[i]];
            if (d[u] == TOPO_ROUTE_UNREACHABLE) {
                TN_ASSERT(d[v] + 1 < TOPO_ROUTE_UNREACHABLE);
                d[u] = (uint16_t)(d[v] + 1);
                r->queue[tail++] = u;
            }
        }
    }
    r->dist[dst] = d;
    return d;
}

int topo_route_path(topo_route_t *r, int32_t src, int32_t dst, uint64_t flow_id, int32_t *path,
                    int max_hops, tn_error_t *err)
{
    const topo_t *t = r->t;
    TN_ASSERT(src >= 0 && src < t->n_vertices && dst >= 0 && dst < t->n_vertices);
    const uint16_t *d = table(r, dst);
    if (d[src] == TOPO_ROUTE_UNREACHABLE)
        return tn_error_set(err, TN_EINPUT, "vertex %d cannot reach vertex %d", src, dst);
    if (d[src] > max_hops)
        return tn_error_set(err, TN_EINPUT, "the path from vertex %d to %d has %d hops (at most %d)",
                            src, dst, d[src], max_hops);
    uint64_t h = tn_mix64(tn_mix64(tn_mix64((uint64_t)src) ^ (uint64_t)dst) ^ flow_id);
    int hops = 0;
    for (int32_t u = src; u != dst;) {
        int32_t lo = t->out_off[u], hi = t->out_off[u + 1], n = 0;
        for (int32_t i = lo; i < hi; i++)
            n += d[t->edst[t->out_edge[i]]] + 1 == d[u];
        TN_ASSERT(n > 0);
        /* A fresh draw per hop, so choices at successive switches are
         * independent, as they are with per-switch hash seeds. */
        h = tn_mix64(h);
        int32_t pick = (int32_t)(h % (uint64_t)n), e = -1;
        for (int32_t i = lo; i < hi; i++)
            if (d[t->edst[t->out_edge[i]]] + 1 == d[u] && pick-- == 0) {
                e = t->out_edge[i];
                break;
            }
        path[hops++] = e;
        u = t->edst[e];
    }
    return hops;
}
