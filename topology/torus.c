#include "topology/torus.h"

#include <stdlib.h>
#include <string.h>

static int cmp_i32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

/* "4x4x2": the shape for messages. */
static const char *shape(const topo_torus_t *p, char *buf, size_t n)
{
    if (p->n_dims == 2)
        snprintf(buf, n, "%dx%d", (int)p->dims[0], (int)p->dims[1]);
    else
        snprintf(buf, n, "%dx%dx%d", (int)p->dims[0], (int)p->dims[1], (int)p->dims[2]);
    return buf;
}

/* Checks the parameters and the servers of the ports; on success sets
 * *nodes. O(|ports| log |ports|). */
static int check(const topo_t *t, const topo_torus_t *p, const topo_ports_t *ports,
                 int64_t *nodes, tn_error_t *err)
{
    if (p->n_dims != 2 && p->n_dims != 3)
        return tn_error_set(err, TN_EINPUT, "torus: n_dims: expected 2 or 3, got %d",
                            (int)p->n_dims);
    int64_t n = 1, per_node = 0;
    for (int d = 0; d < p->n_dims; d++) {
        if (p->dims[d] <= 0)
            return tn_error_set(err, TN_EINPUT,
                                "torus: dims[%d]: expected a positive integer, got %d", d,
                                (int)p->dims[d]);
        n *= p->dims[d]; /* at most 2^62 before the bound below */
        if (n > INT32_MAX) {
            char buf[64];
            return tn_error_set(err, TN_EINPUT, "torus: a %s torus has too many nodes",
                                shape(p, buf, sizeof buf));
        }
        per_node += p->dims[d] >= 3 ? 2 : p->dims[d] == 2 ? 1 : 0;
    }
    if (p->bps == 0)
        return tn_error_set(err, TN_EINPUT, "torus: bps: expected a positive rate");

    size_t distinct = 0;
    if (ports->n) {
        int32_t *s = tn_malloc(ports->n * sizeof *s);
        memcpy(s, ports->server, ports->n * sizeof *s);
        qsort(s, ports->n, sizeof *s, cmp_i32);
        for (size_t i = 0; i < ports->n; i++)
            distinct += i == 0 || s[i] != s[i - 1];
        free(s);
    }
    if ((int64_t)distinct != n) {
        char buf[64];
        return tn_error_set(err, TN_EINPUT,
                            "torus: a %s torus has %lld nodes, but the ports belong to %zu"
                            " servers", shape(p, buf, sizeof buf), (long long)n, distinct);
    }
    for (size_t i = 0; i < ports->n; i++)
        if (ports->server[i] < 0 || ports->server[i] >= n)
            return tn_error_set(err, TN_EINPUT,
                                "torus: port %zu belongs to server %d, but the servers of a"
                                " %lld-node torus must be numbered 0 to %lld", i,
                                (int)ports->server[i], (long long)n, (long long)(n - 1));
    /* Fewer than n*per_node cables (n/2 per dimension of size 2). */
    if (n * per_node > (INT32_MAX - 1 - (int64_t)t->n_edges) / 2)
        return tn_error_set(err, TN_EINPUT, "torus: %lld nodes with %lld links each are too many",
                            (long long)n, (long long)per_node);
    *nodes = n;
    return 0;
}

int topo_build_torus(topo_t *t, const topo_torus_t *p, const topo_ports_t *ports,
                     tn_error_t *err)
{
    TN_ASSERT(t && p && ports && !t->finalized);
    int64_t n64 = 0;
    if (check(t, p, ports, &n64, err))
        return -1;
    int32_t n = (int32_t)n64;

    /* The ports of each server, in list order (CSR). */
    int32_t *off = tn_calloc((size_t)n + 1, sizeof *off);
    int32_t *list = tn_malloc(ports->n * sizeof *list);
    for (size_t i = 0; i < ports->n; i++)
        off[ports->server[i] + 1]++;
    for (int32_t s = 0; s < n; s++)
        off[s + 1] += off[s];
    int32_t *fill = tn_malloc((size_t)n * sizeof *fill);
    memcpy(fill, off, (size_t)n * sizeof *fill);
    for (size_t i = 0; i < ports->n; i++)
        list[fill[ports->server[i]]++] = (int32_t)i;
    free(fill);

    /* stride[d]: node-id step of +1 along d; base[d]: the slot of a node's
     * first link along d in its link order. */
    int32_t stride[3], base[3];
    stride[p->n_dims - 1] = 1;
    for (int d = p->n_dims - 2; d >= 0; d--)
        stride[d] = stride[d + 1] * p->dims[d + 1];
    for (int d = 0, b = 0; d < p->n_dims; d++) {
        base[d] = b;
        b += p->dims[d] >= 3 ? 2 : p->dims[d] == 2 ? 1 : 0;
    }

    for (int32_t u = 0; u < n; u++)
        for (int d = 0; d < p->n_dims; d++) {
            int32_t k = p->dims[d], c = (u / stride[d]) % k;
            if (k == 1 || (k == 2 && c == 1))
                continue;
            int32_t v = u + ((c + 1) % k - c) * stride[d];
            int32_t su = base[d], sv = k == 2 ? base[d] : base[d] + 1; /* v sees a - link */
            int32_t nu = off[u + 1] - off[u], nv = off[v + 1] - off[v];
            TN_ASSERT(nu > 0 && nv > 0);
            int32_t pu = list[off[u] + su % nu], pv = list[off[v] + sv % nv];
            uint64_t bps = p->bps;
            if (ports->bps[pu] < bps)
                bps = ports->bps[pu];
            if (ports->bps[pv] < bps)
                bps = ports->bps[pv];
            topo_add_cable(t, ports->vertex[pu], ports->vertex[pv], bps, p->latency_ps,
                           TOPO_TIER_TORUS);
        }
    free(off);
    free(list);
    return 0;
}
