#include "topology/route.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_hash.h"

#define UNREACH TOPO_ROUTE_UNREACHABLE

struct topo_route_dest {
    int32_t server;   /* S, or -1: the destination has a full table */
    int32_t first, count;
    int32_t n_anchor;
    int32_t *anchor;  /* ascending vertex ids */
    uint32_t *off;    /* dist(anchor, d) */
    uint16_t *local;  /* dist(u, d) for u = first .. first + count - 1 */
};

void topo_route_init(topo_route_t *r, const topo_t *t)
{
    TN_ASSERT(t->finalized);
    memset(r, 0, sizeof *r);
    r->t = t;
    size_t nv = (size_t)t->n_vertices, ne = (size_t)t->n_edges;
    /* Out-edges sorted by neighbour: walk the in-edge lists of vertices in
     * id order and append each edge to its source's list. O(|V| + |E|). */
    r->adj_dst = tn_malloc((ne + 1) * sizeof *r->adj_dst);
    r->adj_edge = tn_malloc((ne + 1) * sizeof *r->adj_edge);
    int32_t *fill = tn_malloc((nv + 1) * sizeof *fill);
    memcpy(fill, t->out_off, nv * sizeof *fill);
    int32_t maxdeg = 1;
    for (int32_t v = 0; v < t->n_vertices; v++) {
        for (int32_t i = t->in_off[v]; i < t->in_off[v + 1]; i++) {
            int32_t e = t->in_edge[i], u = t->esrc[e];
            r->adj_edge[fill[u]] = e;
            r->adj_dst[fill[u]++] = v;
        }
        if (t->out_off[v + 1] - t->out_off[v] > maxdeg)
            maxdeg = t->out_off[v + 1] - t->out_off[v];
    }
    free(fill);
    r->cand = tn_malloc((size_t)maxdeg * sizeof *r->cand);

    /* Servers whose vertices are one contiguous id range get compact
     * destination entries. */
    r->n_servers = t->n_servers;
    r->srv_first = tn_malloc(((size_t)r->n_servers + 1) * sizeof *r->srv_first);
    r->srv_count = tn_calloc((size_t)r->n_servers + 1, sizeof *r->srv_count);
    for (int32_t s = 0; s < r->n_servers; s++)
        r->srv_first[s] = -1;
    for (int32_t v = 0; v < t->n_vertices; v++) {
        int32_t s = t->server[v];
        if (s < 0 || s >= r->n_servers || r->srv_count[s] < 0)
            continue;
        if (r->srv_first[s] < 0)
            r->srv_first[s] = v;
        if (r->srv_first[s] + r->srv_count[s] == v)
            r->srv_count[s]++;
        else
            r->srv_count[s] = -1; /* not contiguous */
    }
    r->table = tn_calloc(nv, sizeof *r->table);
    r->dest = tn_calloc(nv, sizeof *r->dest);
    r->queue = tn_malloc(nv * sizeof *r->queue);
    r->bdist = tn_malloc(nv * sizeof *r->bdist);
    r->bstamp = tn_calloc(nv, sizeof *r->bstamp);
}

void topo_route_destroy(topo_route_t *r)
{
    if (!r || !r->t)
        return;
    for (int32_t v = 0; v < r->t->n_vertices; v++) {
        free(r->table[v]);
        topo_route_dest_t *d = r->dest[v];
        if (d) {
            free(d->anchor);
            free(d->off);
            free(d->local);
            free(d);
        }
    }
    free(r->table);
    free(r->dest);
    free(r->adj_dst);
    free(r->adj_edge);
    free(r->cand);
    free(r->srv_first);
    free(r->srv_count);
    free(r->queue);
    free(r->bdist);
    free(r->bstamp);
    memset(r, 0, sizeof *r);
}

/* Hops to `a` from every vertex: one BFS from a over in-edges. */
static const uint16_t *table(topo_route_t *r, int32_t a)
{
    if (r->table[a])
        return r->table[a];
    const topo_t *t = r->t;
    uint16_t *d = tn_malloc((size_t)t->n_vertices * sizeof *d);
    for (int32_t v = 0; v < t->n_vertices; v++)
        d[v] = UNREACH;
    int32_t head = 0, tail = 0;
    d[a] = 0;
    r->queue[tail++] = a;
    while (head < tail) {
        int32_t v = r->queue[head++];
        TN_ASSERT(d[v] + 1 < UNREACH);
        for (int32_t i = t->in_off[v]; i < t->in_off[v + 1]; i++) {
            int32_t u = t->esrc[t->in_edge[i]];
            if (d[u] == UNREACH) {
                d[u] = (uint16_t)(d[v] + 1);
                r->queue[tail++] = u;
            }
        }
    }
    r->table[a] = d;
    r->bytes += (size_t)t->n_vertices * sizeof *d;
    r->tables_built++;
    return d;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

/* The compact entry of destination d (see the header). */
static topo_route_dest_t *dest(topo_route_t *r, int32_t d)
{
    if (r->dest[d])
        return r->dest[d];
    const topo_t *t = r->t;
    topo_route_dest_t *dd = tn_calloc(1, sizeof *dd);
    int32_t s = t->server[d];
    r->dest[d] = dd;
    if (s < 0 || s >= r->n_servers || r->srv_count[s] <= 0) {
        dd->server = -1;
        table(r, d);
        return dd;
    }
    dd->server = s;
    dd->first = r->srv_first[s];
    dd->count = r->srv_count[s];
    /* Anchors: vertices outside S with an edge into S, each once. */
    if (++r->stamp == 0) {
        memset(r->bstamp, 0, (size_t)t->n_vertices * sizeof *r->bstamp);
        r->stamp = 1;
    }
    size_t cap = 0;
    for (int32_t u = dd->first; u < dd->first + dd->count; u++)
        for (int32_t i = t->in_off[u]; i < t->in_off[u + 1]; i++) {
            int32_t w = t->esrc[t->in_edge[i]];
            if (t->server[w] == s || r->bstamp[w] == r->stamp)
                continue;
            r->bstamp[w] = r->stamp;
            TN_GROW(dd->anchor, cap, (size_t)dd->n_anchor + 1);
            dd->anchor[dd->n_anchor++] = w;
        }
    qsort(dd->anchor, (size_t)dd->n_anchor, sizeof *dd->anchor, cmp_i32);
    /* A BFS from d that stops once S and the anchors are settled: they lie
     * a few hops away, so this touches little of the fabric. */
    if (++r->stamp == 0) {
        memset(r->bstamp, 0, (size_t)t->n_vertices * sizeof *r->bstamp);
        r->stamp = 1;
    }
    int32_t left = dd->count + dd->n_anchor;
    int32_t *mark = tn_calloc((size_t)dd->n_anchor + 1, sizeof *mark);
    int32_t head = 0, tail = 0;
    r->bstamp[d] = r->stamp;
    r->bdist[d] = 0;
    r->queue[tail++] = d;
    dd->local = tn_malloc((size_t)dd->count * sizeof *dd->local);
    dd->off = tn_malloc(((size_t)dd->n_anchor + 1) * sizeof *dd->off);
    for (int32_t i = 0; i < dd->count; i++)
        dd->local[i] = UNREACH;
    while (head < tail && left > 0) {
        int32_t v = r->queue[head++];
        if (v >= dd->first && v < dd->first + dd->count) {
            dd->local[v - dd->first] = r->bdist[v];
            left--;
        } else {
            int32_t *a = bsearch(&v, dd->anchor, (size_t)dd->n_anchor, sizeof *dd->anchor, cmp_i32);
            if (a) {
                dd->off[a - dd->anchor] = r->bdist[v];
                mark[a - dd->anchor] = 1;
                left--;
            }
        }
        for (int32_t i = t->in_off[v]; i < t->in_off[v + 1]; i++) {
            int32_t u = t->esrc[t->in_edge[i]];
            if (r->bstamp[u] != r->stamp) {
                r->bstamp[u] = r->stamp;
                r->bdist[u] = (uint16_t)(r->bdist[v] + 1);
                r->queue[tail++] = u;
            }
        }
    }
    for (int32_t i = 0; i < dd->n_anchor; i++) {
        if (!mark[i])
            dd->off[i] = UNREACH; /* cannot reach d */
        table(r, dd->anchor[i]);
    }
    free(mark);
    r->bytes += sizeof *dd + (size_t)dd->n_anchor * (sizeof *dd->anchor + sizeof *dd->off) +
                (size_t)dd->count * sizeof *dd->local;
    return dd;
}

/* dist(v, d) through the entry dd of d. */
static inline uint32_t dist(const topo_route_t *r, const topo_route_dest_t *dd, int32_t d,
                            int32_t v)
{
    if (dd->server < 0)
        return r->table[d][v];
    if (v >= dd->first && v < dd->first + dd->count)
        return dd->local[v - dd->first];
    uint32_t best = UNREACH;
    for (int32_t i = 0; i < dd->n_anchor; i++) {
        uint32_t x = r->table[dd->anchor[i]][v];
        if (x != UNREACH && dd->off[i] != UNREACH && x + dd->off[i] < best)
            best = x + dd->off[i];
    }
    return best;
}

/* The out-edges of u to vertices at distance k - 1 from d, into cand[], in
 * neighbour order, those into S first. Returns how many.
 *
 * For u outside S, a neighbour v outside S is one hop closer exactly when,
 * for some nearest anchor a of u (dist(u, a) + off(a) = k), dist(v, a) =
 * dist(u, a) - 1: then dist(v, d) <= k - 1, and it cannot be less. So only
 * the tables of u's nearest anchors are read, and none at all when u is
 * itself the nearest anchor (dist(u, a) = 0). */
static int32_t step(topo_route_t *r, const topo_route_dest_t *dd, int32_t d, int32_t u,
                    uint32_t k, int32_t *cand)
{
    const topo_t *t = r->t;
    int32_t lo = t->out_off[u], hi = t->out_off[u + 1], n = 0;
    if (dd->server < 0 || (u >= dd->first && u < dd->first + dd->count)) {
        /* a switch destination, or u inside S: compare distances */
        for (int32_t i = lo; i < hi; i++)
            if (dist(r, dd, d, r->adj_dst[i]) + 1u == k)
                cand[n++] = r->adj_edge[i];
        return n;
    }
    /* edges into S: binary search the first neighbour >= first */
    int32_t a = lo, b = hi;
    while (a < b) {
        int32_t m = a + (b - a) / 2;
        if (r->adj_dst[m] < dd->first)
            a = m + 1;
        else
            b = m;
    }
    int32_t s_lo = a, s_hi = a;
    for (; s_hi < hi && r->adj_dst[s_hi] < dd->first + dd->count; s_hi++)
        if (dd->local[r->adj_dst[s_hi] - dd->first] + 1u == k)
            cand[n++] = r->adj_edge[s_hi];
    /* u's nearest anchors that u is not itself */
    enum { MAX_NEAR = 16 };
    const uint16_t *near[MAX_NEAR];
    uint32_t want[MAX_NEAR];
    int n_near = 0;
    for (int32_t i = 0; i < dd->n_anchor; i++) {
        const uint16_t *tab = r->table[dd->anchor[i]];
        uint32_t x = tab[u];
        if (x == UNREACH || x == 0 || dd->off[i] == UNREACH || x + dd->off[i] != k)
            continue;
        if (n_near == MAX_NEAR) {
            /* very many nearest anchors: compare full distances instead */
            n_near = -1;
            break;
        }
        near[n_near] = tab;
        want[n_near++] = x - 1;
    }
    for (int32_t i = lo; i < hi && n_near != 0; i++) {
        if (i == s_lo && s_lo < s_hi) {
            i = s_hi - 1; /* the edges into S were looked at above */
            continue;
        }
        int32_t v = r->adj_dst[i];
        bool closer = false;
        if (n_near < 0)
            closer = dist(r, dd, d, v) + 1u == k;
        else
            for (int j = 0; j < n_near && !closer; j++)
                closer = near[j][v] == want[j];
        if (closer)
            cand[n++] = r->adj_edge[i];
    }
    return n;
}

uint32_t topo_route_dist(topo_route_t *r, int32_t src, int32_t dst)
{
    TN_ASSERT(src >= 0 && src < r->t->n_vertices && dst >= 0 && dst < r->t->n_vertices);
    return dist(r, dest(r, dst), dst, src);
}

int topo_route_path(topo_route_t *r, int32_t src, int32_t dst, uint64_t flow_id, int32_t *path,
                    int max_hops, tn_error_t *err)
{
    const topo_t *t = r->t;
    TN_ASSERT(src >= 0 && src < t->n_vertices && dst >= 0 && dst < t->n_vertices);
    const topo_route_dest_t *dd = dest(r, dst);
    uint32_t k = dist(r, dd, dst, src);
    if (k == UNREACH)
        return tn_error_set(err, TN_EINPUT, "vertex %d cannot reach vertex %d", src, dst);
    if (k > (uint32_t)max_hops)
        return tn_error_set(err, TN_EINPUT, "the path from vertex %d to %d has %u hops (at most %d)",
                            src, dst, k, max_hops);
    uint64_t h = tn_mix64(tn_mix64(tn_mix64((uint64_t)src) ^ (uint64_t)dst) ^ flow_id);
    int hops = 0;
    for (int32_t u = src; k > 0; k--) {
        int32_t n = step(r, dd, dst, u, k, r->cand);
        TN_ASSERT(n > 0);
        /* A fresh draw per hop, so choices at successive switches are
         * independent, as they are with per-switch hash seeds. */
        h = tn_mix64(h);
        int32_t e = r->cand[h % (uint64_t)n];
        path[hops++] = e;
        u = t->edst[e];
    }
    return hops;
}

double topo_route_count_paths(topo_route_t *r, int32_t src, int32_t dst)
{
    const topo_t *t = r->t;
    const topo_route_dest_t *dd = dest(r, dst);
    uint32_t k = dist(r, dd, dst, src);
    if (k == UNREACH)
        return 0;
    /* Forward over the shortest-path DAG, one distance level at a time. */
    double *ways = tn_calloc((size_t)t->n_vertices, sizeof *ways);
    int32_t *cur = tn_malloc((size_t)t->n_vertices * sizeof *cur);
    int32_t *next = tn_malloc((size_t)t->n_vertices * sizeof *next);
    uint8_t *seen = tn_calloc((size_t)t->n_vertices, 1);
    int32_t nc = 1;
    cur[0] = src;
    ways[src] = 1;
    for (; k > 0; k--) {
        int32_t nn = 0;
        for (int32_t i = 0; i < nc; i++) {
            int32_t u = cur[i], n = step(r, dd, dst, u, k, r->cand);
            for (int32_t j = 0; j < n; j++) {
                int32_t v = t->edst[r->cand[j]];
                ways[v] += ways[u];
                if (!seen[v]) {
                    seen[v] = 1;
                    next[nn++] = v;
                }
            }
        }
        int32_t *sw = cur;
        cur = next;
        next = sw;
        nc = nn;
    }
    double total = ways[dst];
    free(ways);
    free(cur);
    free(next);
    free(seen);
    return total;
}
