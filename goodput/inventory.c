/* goodput/inventory.c — see goodput/inventory.h. */
#include "goodput/inventory.h"

#include <string.h>

#include "common/tn_error.h"

const char *const gp_unit_names[GP_UNIT_N] = {"gpu",         "gpu_server",   "nic",
                                              "host_cable",  "leaf_switch",  "fabric_cable",
                                              "fabric_switch"};

int gp_unit_from_name(const char *name)
{
    for (int u = 0; u < GP_UNIT_N; u++)
        if (strcmp(name, gp_unit_names[u]) == 0)
            return u;
    return -1;
}

static bool is_switch(uint8_t k)
{
    return k == TOPO_LEAF || k == TOPO_SPINE || k == TOPO_CORE || k == TOPO_ROUTER;
}

void gp_inventory_count(const topo_t *t, gp_inventory_t *inv)
{
    memset(inv, 0, sizeof *inv);
    int32_t n_srv = t->n_servers;
    uint8_t *gpu_srv = tn_calloc((size_t)n_srv + 1, 1), *any_srv = tn_calloc((size_t)n_srv + 1, 1);
    for (int32_t v = 0; v < t->n_vertices; v++) {
        if (t->server[v] < 0)
            continue;
        any_srv[t->server[v]] = 1;
        if (t->kind[v] == TOPO_GPU) {
            inv->count[GP_UNIT_GPU]++;
            gpu_srv[t->server[v]] = 1;
        }
    }
    for (int32_t s = 0; s < n_srv; s++) {
        inv->count[GP_UNIT_GPU_SERVER] += gpu_srv[s];
        inv->cpu_servers += any_srv[s] && !gpu_srv[s];
    }
    for (int32_t v = 0; v < t->n_vertices; v++)
        if (t->kind[v] == TOPO_NIC && t->server[v] >= 0 && gpu_srv[t->server[v]])
            inv->count[GP_UNIT_NIC]++;
    /* a leaf: a switch with a host cable from a GPU server; mark[s] = v
     * once server s is counted for switch v, so a server with several
     * cables to one leaf counts once */
    int32_t *mark = tn_malloc(((size_t)n_srv + 1) * sizeof *mark);
    for (int32_t s = 0; s <= n_srv; s++)
        mark[s] = -1;
    for (int32_t v = 0; v < t->n_vertices; v++) {
        if (!is_switch(t->kind[v]))
            continue;
        uint64_t served = 0;
        for (int32_t i = t->out_off[v]; i < t->out_off[v + 1]; i++) {
            int32_t e = t->out_edge[i], w = t->edst[e], s = t->server[w];
            if (t->tier[e] == TOPO_TIER_HOST && s >= 0 && gpu_srv[s] && mark[s] != v) {
                mark[s] = v;
                served++;
            }
        }
        if (served) {
            inv->count[GP_UNIT_LEAF_SWITCH]++;
            if (served > inv->servers_per_leaf)
                inv->servers_per_leaf = served;
        } else if (t->kind[v] != TOPO_LEAF) {
            inv->count[GP_UNIT_FABRIC_SWITCH]++;
        }
    }
    for (int32_t e = 0; e < t->n_edges; e += 2) { /* a cable: edges 2c and 2c + 1 */
        if (t->tier[e] == TOPO_TIER_NVLINK || t->tier[e] == TOPO_TIER_PCIE)
            continue;
        if (t->tier[e] != TOPO_TIER_HOST) {
            inv->count[GP_UNIT_FABRIC_CABLE]++;
            continue;
        }
        int32_t s = t->server[t->esrc[e]] >= 0 ? t->server[t->esrc[e]] : t->server[t->edst[e]];
        if (s >= 0 && gpu_srv[s])
            inv->count[GP_UNIT_HOST_CABLE]++;
        else
            inv->cpu_host_cables++;
    }
    free(mark);
    free(gpu_srv);
    free(any_srv);
}
