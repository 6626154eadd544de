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

/* The cost of crossing edge e: 16 per hop, plus 1 for a PCIe hop. */
static inline uint32_t weight(const topo_t *t, int32_t e)
{
    return TOPO_ROUTE_HOP + (t->tier[e] == TOPO_TIER_PCIE);
}

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
    r->maxdeg = maxdeg;

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
    /* A GPU in a server that has a NIC is an endpoint, never a hop on the
     * way elsewhere: traffic between other GPUs does not pass through its
     * memory. (A GPU with its own fabric ports, as in a torus of bare GPUs,
     * is a router and stays transit.) */
    r->transit = tn_malloc(nv + 1);
    uint8_t *has_nic = tn_calloc((size_t)r->n_servers + 1, 1);
    for (int32_t v = 0; v < t->n_vertices; v++)
        if (t->kind[v] == TOPO_NIC && t->server[v] >= 0 && t->server[v] < r->n_servers)
            has_nic[t->server[v]] = 1;
    for (int32_t v = 0; v < t->n_vertices; v++)
        r->transit[v] = !(t->kind[v] == TOPO_GPU && t->server[v] >= 0 &&
                          t->server[v] < r->n_servers && has_nic[t->server[v]]);
    free(has_nic);
    /* Beside each out-edge, its cost and whether its far end forwards: the
     * step reads these in order instead of looking up tier and kind. */
    r->adj_cost = tn_malloc(ne + 1);
    r->adj_transit = tn_malloc(ne + 1);
    for (size_t i = 0; i < ne; i++) {
        r->adj_cost[i] = (uint8_t)weight(t, r->adj_edge[i]);
        r->adj_transit[i] = r->transit[r->adj_dst[i]];
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
    free(r->transit);
    free(r->adj_cost);
    free(r->adj_transit);
    memset(r, 0, sizeof *r);
}

static void new_stamp(topo_route_t *r)
{
    if (++r->stamp == 0) {
        memset(r->bstamp, 0, (size_t)r->t->n_vertices * sizeof *r->bstamp);
        r->stamp = 1;
    }
}

/* Costs to `target` from the vertices around it, into bdist (valid where
 * bstamp == stamp): a breadth-first search over in-edges, level by level in
 * hops, keeping for each vertex the fewest PCIe hops among its
 * shortest-hop paths (final once its level is reached, since a level is
 * finished before the next starts). Non-transit vertices other than the
 * target get a cost but pass nothing on. O(|V| + |E|). */
static void search(topo_route_t *r, int32_t target)
{
    const topo_t *t = r->t;
    new_stamp(r);
    int32_t head = 0, tail = 0;
    r->bstamp[target] = r->stamp;
    r->bdist[target] = 0;
    r->queue[tail++] = target;
    while (head < tail) {
        int32_t v = r->queue[head++];
        if (!r->transit[v] && v != target)
            continue;
        uint32_t hops = r->bdist[v] / TOPO_ROUTE_HOP;
        TN_ASSERT(hops + 2 < UNREACH / TOPO_ROUTE_HOP);
        for (int32_t i = t->in_off[v]; i < t->in_off[v + 1]; i++) {
            int32_t e = t->in_edge[i], u = t->esrc[e];
            uint32_t c = r->bdist[v] + weight(t, e);
            if (r->bstamp[u] != r->stamp) {
                r->bstamp[u] = r->stamp;
                r->bdist[u] = (uint16_t)c;
                r->queue[tail++] = u;
            } else if (r->bdist[u] / TOPO_ROUTE_HOP == hops + 1 && c < r->bdist[u]) {
                r->bdist[u] = (uint16_t)c; /* same hops, fewer PCIe hops */
            }
        }
    }
}

/* Costs to `a` from every vertex (a full table, kept). */
static const uint16_t *table(topo_route_t *r, int32_t a)
{
    if (r->table[a])
        return r->table[a];
    const topo_t *t = r->t;
    search(r, a);
    uint16_t *d = tn_malloc((size_t)t->n_vertices * sizeof *d);
    for (int32_t v = 0; v < t->n_vertices; v++)
        d[v] = r->bstamp[v] == r->stamp ? r->bdist[v] : UNREACH;
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

/* Costs to d inside S: relaxes S's in-edges from S's vertices until
 * nothing changes, starting from local[] as it is (d at 0, and any cost
 * already known). A vertex other than d passes its cost on only if it is
 * transit, as in search(). S is a server: tens of vertices, so this
 * Bellman-Ford costs O(|S| x edges of S). */
static void relax_inside(const topo_route_t *r, topo_route_dest_t *dd, int32_t d)
{
    const topo_t *t = r->t;
    for (bool changed = true; changed;) {
        changed = false;
        for (int32_t v = dd->first; v < dd->first + dd->count; v++) {
            uint32_t cv = dd->local[v - dd->first];
            if (cv == UNREACH || (!r->transit[v] && v != d))
                continue;
            for (int32_t i = t->in_off[v]; i < t->in_off[v + 1]; i++) {
                int32_t e = t->in_edge[i], u = t->esrc[e];
                if (u < dd->first || u >= dd->first + dd->count)
                    continue;
                uint32_t c = cv + weight(t, e);
                if (c < dd->local[u - dd->first]) {
                    dd->local[u - dd->first] = (uint16_t)c;
                    changed = true;
                }
            }
        }
    }
}

static inline uint32_t dist(const topo_route_t *r, const topo_route_dest_t *dd, int32_t d,
                            int32_t v);

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
    new_stamp(r);
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
    if (dd->n_anchor > 1) /* none: no array at all, which qsort may not take */
        qsort(dd->anchor, (size_t)dd->n_anchor, sizeof *dd->anchor, cmp_i32);
    /* Each anchor's cost to d entering S at once and staying inside:
     * the last vertex outside S on a cheapest path from outside is an
     * anchor, and from it the path runs inside S, so
     *     dist(u, d) = min over anchors a of dist(u, a) + off(a)
     * with off(a) = min over edges (a, x), x in S, of w + inside(x). Only
     * S and the edges into it are read: no search of the fabric per
     * destination (on a rail-optimized fabric some anchors lie far from d
     * through the fabric, and a search to settle them would cover it). */
    dd->local = tn_malloc((size_t)dd->count * sizeof *dd->local);
    dd->off = tn_malloc(((size_t)dd->n_anchor + 1) * sizeof *dd->off);
    for (int32_t i = 0; i < dd->count; i++)
        dd->local[i] = UNREACH;
    dd->local[d - dd->first] = 0;
    relax_inside(r, dd, d);
    for (int32_t i = 0; i < dd->n_anchor; i++) {
        int32_t a = dd->anchor[i];
        uint32_t best = UNREACH;
        for (int32_t j = t->out_off[a]; j < t->out_off[a + 1]; j++) {
            int32_t e = t->out_edge[j], x = t->edst[e];
            if (x < dd->first || x >= dd->first + dd->count || (!r->transit[x] && x != d))
                continue;
            uint32_t lx = dd->local[x - dd->first];
            if (lx != UNREACH && lx + weight(t, e) < best)
                best = lx + weight(t, e);
        }
        dd->off[i] = (uint16_t)best;
    }
    /* Tables only for anchors a path may pass through. */
    for (int32_t i = 0; i < dd->n_anchor; i++)
        if (r->transit[dd->anchor[i]] && dd->off[i] != UNREACH)
            table(r, dd->anchor[i]);
    /* S's own vertices: a cheapest path may leave S and come back (over
     * a switch, between two PCIe trees); each edge out of S to w costs
     * w(e) + dist(w, d), known now through the anchors. */
    bool out = false;
    for (int32_t v = dd->first; v < dd->first + dd->count; v++)
        for (int32_t j = t->out_off[v]; j < t->out_off[v + 1]; j++) {
            int32_t e = t->out_edge[j], w = t->edst[e];
            if ((w >= dd->first && w < dd->first + dd->count) || !r->transit[w])
                continue;
            uint32_t dw = dist(r, dd, d, w);
            if (dw != UNREACH && dw + weight(t, e) < dd->local[v - dd->first]) {
                dd->local[v - dd->first] = (uint16_t)(dw + weight(t, e));
                out = true;
            }
        }
    if (out)
        relax_inside(r, dd, d);
    r->bytes += sizeof *dd + (size_t)dd->n_anchor * (sizeof *dd->anchor + sizeof *dd->off) +
                (size_t)dd->count * sizeof *dd->local;
    return dd;
}

/* The cost from v to d through the entry dd of d. */
static inline uint32_t dist(const topo_route_t *r, const topo_route_dest_t *dd, int32_t d,
                            int32_t v)
{
    if (dd->server < 0)
        return r->table[d][v];
    if (v >= dd->first && v < dd->first + dd->count)
        return dd->local[v - dd->first];
    uint32_t best = UNREACH;
    for (int32_t i = 0; i < dd->n_anchor; i++) {
        int32_t a = dd->anchor[i];
        if (dd->off[i] == UNREACH)
            continue;
        /* a path may pass an anchor only if it is transit */
        uint32_t x = r->transit[a] ? r->table[a][v] : (v == a ? 0 : UNREACH);
        if (x != UNREACH && x + dd->off[i] < best)
            best = x + dd->off[i];
    }
    return best;
}

/* The out-edges of u that start a cheapest path to d, u being at cost k,
 * into cand[] as positions in adj_*, in neighbour order, those into S
 * first. Returns how many.
 *
 * For u outside S, an edge e = (u, v) with v outside S is on a cheapest
 * path exactly when, for some nearest anchor a of u (cost(u, a) + off(a) =
 * k), cost(v, a) + w(e) = cost(u, a): then cost(v, d) <= k - w(e), and it
 * cannot be less. So only the tables of u's nearest anchors are read, and
 * none at all when u is itself the nearest anchor (cost(u, a) = 0). */
static int32_t step(topo_route_t *r, const topo_route_dest_t *dd, int32_t d, int32_t u,
                    uint32_t k, int32_t *cand)
{
    const topo_t *t = r->t;
    const int32_t *adj = r->adj_dst;
    const uint8_t *cost = r->adj_cost, *fwd = r->adj_transit;
    int32_t lo = t->out_off[u], hi = t->out_off[u + 1], n = 0;
    if (dd->server < 0 || (u >= dd->first && u < dd->first + dd->count)) {
        /* a switch destination, or u inside S: compare costs */
        for (int32_t i = lo; i < hi; i++)
            if ((fwd[i] || adj[i] == d) && dist(r, dd, d, adj[i]) + cost[i] == k)
                cand[n++] = i;
        return n;
    }
    /* edges into S: binary search the first neighbour >= first */
    int32_t a = lo, b = hi;
    while (a < b) {
        int32_t m = a + (b - a) / 2;
        if (adj[m] < dd->first)
            a = m + 1;
        else
            b = m;
    }
    int32_t s_lo = a, s_hi = a;
    for (; s_hi < hi && adj[s_hi] < dd->first + dd->count; s_hi++)
        if ((fwd[s_hi] || adj[s_hi] == d) && dd->local[adj[s_hi] - dd->first] + cost[s_hi] == k)
            cand[n++] = s_hi;
    /* u's nearest anchors that u is not itself */
    enum { MAX_NEAR = 16 };
    const uint16_t *near[MAX_NEAR];
    int n_near = 0;
    for (int32_t i = 0; i < dd->n_anchor; i++) {
        if (!r->transit[dd->anchor[i]] || dd->off[i] == UNREACH)
            continue;
        const uint16_t *tab = r->table[dd->anchor[i]];
        uint32_t x = tab[u];
        if (x == UNREACH || x == 0 || x + dd->off[i] != k)
            continue;
        if (n_near == MAX_NEAR) {
            /* very many nearest anchors: compare full costs instead */
            n_near = -1;
            break;
        }
        near[n_near++] = tab;
    }
    if (n_near == 1) {
        /* the common case, one nearest anchor: one table read per edge */
        const uint16_t *tab = near[0];
        uint32_t here = tab[u];
        for (int32_t i = lo; i < s_lo; i++)
            if (fwd[i] && tab[adj[i]] + cost[i] == here)
                cand[n++] = i;
        for (int32_t i = s_hi; i < hi; i++)
            if (fwd[i] && tab[adj[i]] + cost[i] == here)
                cand[n++] = i;
        return n;
    }
    for (int32_t i = lo; i < hi && n_near != 0; i++) {
        if (i == s_lo && s_lo < s_hi) {
            i = s_hi - 1; /* the edges into S were looked at above */
            continue;
        }
        if (!fwd[i])
            continue;
        int32_t v = adj[i];
        bool on = false;
        if (n_near < 0)
            on = dist(r, dd, d, v) + cost[i] == k;
        else
            for (int j = 0; j < n_near && !on; j++)
                on = near[j][v] != UNREACH && near[j][v] + cost[i] == near[j][u];
        if (on)
            cand[n++] = i;
    }
    return n;
}

uint32_t topo_route_dist(topo_route_t *r, int32_t src, int32_t dst)
{
    TN_ASSERT(src >= 0 && src < r->t->n_vertices && dst >= 0 && dst < r->t->n_vertices);
    uint32_t c = dist(r, dest(r, dst), dst, src);
    return c == UNREACH ? UNREACH : c / TOPO_ROUTE_HOP;
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
    if (k / TOPO_ROUTE_HOP > (uint32_t)max_hops)
        return tn_error_set(err, TN_EINPUT, "the path from vertex %d to %d has %u hops (at most %d)",
                            src, dst, k / TOPO_ROUTE_HOP, max_hops);
    uint64_t h = tn_mix64(tn_mix64(tn_mix64((uint64_t)src) ^ (uint64_t)dst) ^ flow_id);
    int hops = 0;
    for (int32_t u = src; u != dst;) {
        int32_t n = step(r, dd, dst, u, k, r->cand);
        TN_ASSERT(n > 0 && hops < max_hops);
        /* A fresh draw per hop, so choices at successive switches are
         * independent, as they are with per-switch hash seeds. */
        h = tn_mix64(h);
        int32_t slot = r->cand[h % (uint64_t)n];
        path[hops++] = r->adj_edge[slot];
        k -= r->adj_cost[slot];
        u = r->adj_dst[slot];
    }
    return hops;
}

/* Cheapest paths from u (at cost k) to d, memoised in ways[] where
 * seen[] is set. Depth: the hops of the path. */
static double count_from(topo_route_t *r, const topo_route_dest_t *dd, int32_t d, int32_t u,
                         uint32_t k, double *ways, uint8_t *seen, int32_t maxdeg)
{
    if (u == d)
        return 1;
    if (seen[u])
        return ways[u];
    int32_t *cand = tn_malloc((size_t)maxdeg * sizeof *cand);
    int32_t n = step(r, dd, d, u, k, cand);
    double total = 0;
    for (int32_t j = 0; j < n; j++)
        total += count_from(r, dd, d, r->adj_dst[cand[j]], k - r->adj_cost[cand[j]], ways, seen,
                            maxdeg);
    free(cand);
    seen[u] = 1;
    ways[u] = total;
    return total;
}

double topo_route_count_paths(topo_route_t *r, int32_t src, int32_t dst)
{
    const topo_t *t = r->t;
    const topo_route_dest_t *dd = dest(r, dst);
    uint32_t k = dist(r, dd, dst, src);
    if (k == UNREACH)
        return 0;
    int32_t maxdeg = r->maxdeg;
    double *ways = tn_malloc((size_t)t->n_vertices * sizeof *ways);
    uint8_t *seen = tn_calloc((size_t)t->n_vertices, 1);
    double total = count_from(r, dd, dst, src, k, ways, seen, maxdeg);
    free(ways);
    free(seen);
    return total;
}
