#include "topology/storage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int topo_disk_parse(tn_jobj_t *o, const char *key, topo_disk_t *d, uint64_t *servers,
                    uint64_t max_servers)
{
    static const char *const keys[] = {"bw_gbps", "capacity_tb", "latency_ns", NULL};
    static const char *const keys_n[] = {"servers", "bw_gbps", "capacity_tb", "latency_ns",
                                         NULL};
    tn_jobj_t sub;
    int rc = tn_jobj_sub(o, key, false, servers ? keys_n : keys, &sub);
    if (rc)
        return rc;
    double tb = 0;
    topo_disk_t r = {0};
    if ((servers && tn_jobj_u64(&sub, "servers", true, 0, max_servers, servers) < 0) ||
        tn_jobj_gbps(&sub, "bw_gbps", true, &r.bps) < 0 ||
        tn_jobj_double(&sub, "capacity_tb", true, 1e-12, TOPO_STORAGE_MAX_TB, &tb) < 0)
        return -1;
    rc = tn_jobj_ns(&sub, "latency_ns", false, &r.latency_ps);
    if (rc < 0)
        return -1;
    r.latency_set = rc == 0;
    r.bytes = (uint64_t)llround(tb * 1e12);
    *d = r;
    return 0;
}

/* The capacity of v's links out, one direction. */
static uint64_t out_bps(const topo_t *t, int32_t v)
{
    uint64_t b = 0;
    for (int32_t i = t->out_off[v]; i < t->out_off[v + 1]; i++)
        b += t->bps[t->out_edge[i]];
    return b;
}

int32_t topo_storage_list(const topo_t *t, topo_storage_t **out)
{
    TN_ASSERT(t->finalized);
    int32_t n = 0;
    for (int32_t v = 0; v < t->n_vertices; v++)
        n += t->kind[v] == TOPO_STORAGE;
    *out = NULL;
    if (n == 0)
        return 0;
    topo_storage_t *l = tn_malloc((size_t)n * sizeof *l);
    int32_t k = 0;
    for (int32_t v = 0; v < t->n_vertices; v++)
        if (t->kind[v] == TOPO_STORAGE)
            l[k++] = (topo_storage_t){v, t->server[v], out_bps(t, v), t->store_bytes[v]};
    *out = l;
    return n;
}

void topo_storage_totals(const topo_t *t, topo_storage_totals_t *tot)
{
    TN_ASSERT(t->finalized);
    memset(tot, 0, sizeof *tot);
    uint8_t *seen = tn_calloc((size_t)t->n_servers + 1, 1);
    for (int32_t v = 0; v < t->n_vertices; v++) {
        if (t->kind[v] != TOPO_STORAGE)
            continue;
        tot->vertices++;
        int32_t s = t->server[v];
        if (s >= 0 && !seen[s]) {
            seen[s] = 1;
            tot->servers++;
        }
        tot->bw_gbyte_s += (double)out_bps(t, v) / 8e9;
        tot->capacity_tb += (double)t->store_bytes[v] / 1e12;
    }
    free(seen);
}
