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

bool gp_inventory_fabric_tier(uint8_t tier)
{
    return tier != TOPO_TIER_NVLINK && tier != TOPO_TIER_PCIE && tier != TOPO_TIER_HOST;
}

/* By server: 1 when it holds a GPU. The caller frees it. O(|V|). */
static uint8_t *gpu_servers(const topo_t *t)
{
    uint8_t *gpu_srv = tn_calloc((size_t)t->n_servers + 1, 1);
    for (int32_t g = 0; g < t->n_gpus; g++)
        if (t->server[t->gpus[g]] >= 0)
            gpu_srv[t->server[t->gpus[g]]] = 1;
    return gpu_srv;
}

/* The GPU servers switch v has a host cable to, each counted once:
 * mark[s] = v once server s is counted for v (mark starts all -1, and
 * stays valid for the next switches). O(degree of v). */
static uint64_t servers_served(const topo_t *t, int32_t v, const uint8_t *gpu_srv, int32_t *mark)
{
    uint64_t served = 0;
    for (int32_t i = t->out_off[v]; i < t->out_off[v + 1]; i++) {
        int32_t e = t->out_edge[i], s = t->server[t->edst[e]];
        if (t->tier[e] == TOPO_TIER_HOST && s >= 0 && gpu_srv[s] && mark[s] != v) {
            mark[s] = v;
            served++;
        }
    }
    return served;
}

static int32_t *new_marks(const topo_t *t)
{
    int32_t *mark = tn_malloc(((size_t)t->n_servers + 1) * sizeof *mark);
    for (int32_t s = 0; s <= t->n_servers; s++)
        mark[s] = -1;
    return mark;
}

void gp_inventory_count(const topo_t *t, gp_inventory_t *inv)
{
    memset(inv, 0, sizeof *inv);
    int32_t n_srv = t->n_servers;
    uint8_t *gpu_srv = gpu_servers(t), *any_srv = tn_calloc((size_t)n_srv + 1, 1);
    for (int32_t v = 0; v < t->n_vertices; v++) {
        if (t->server[v] < 0)
            continue;
        any_srv[t->server[v]] = 1;
        inv->count[GP_UNIT_GPU] += t->kind[v] == TOPO_GPU;
    }
    for (int32_t s = 0; s < n_srv; s++) {
        inv->count[GP_UNIT_GPU_SERVER] += gpu_srv[s];
        inv->cpu_servers += any_srv[s] && !gpu_srv[s];
    }
    for (int32_t v = 0; v < t->n_vertices; v++)
        if (t->kind[v] == TOPO_NIC && t->server[v] >= 0 && gpu_srv[t->server[v]])
            inv->count[GP_UNIT_NIC]++;
    /* a leaf: a switch with a host cable from a GPU server */
    int32_t *mark = new_marks(t);
    for (int32_t v = 0; v < t->n_vertices; v++) {
        if (!is_switch(t->kind[v]))
            continue;
        uint64_t served = servers_served(t, v, gpu_srv, mark);
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
        if (gp_inventory_fabric_tier(t->tier[e])) {
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

void gp_inventory_fabric_switches(const topo_t *t, uint8_t *is_fab)
{
    uint8_t *gpu_srv = gpu_servers(t);
    int32_t *mark = new_marks(t);
    for (int32_t v = 0; v < t->n_vertices; v++)
        is_fab[v] = is_switch(t->kind[v]) && t->kind[v] != TOPO_LEAF &&
                    servers_served(t, v, gpu_srv, mark) == 0;
    free(mark);
    free(gpu_srv);
}

uint64_t gp_inventory_idle_servers(const topo_t *t, int32_t ranks)
{
    uint8_t *gpu_srv = gpu_servers(t), *runs = tn_calloc((size_t)t->n_servers + 1, 1);
    for (int32_t g = 0; g < t->n_gpus && g < ranks; g++)
        if (t->server[t->gpus[g]] >= 0)
            runs[t->server[t->gpus[g]]] = 1;
    uint64_t idle = 0;
    for (int32_t s = 0; s < t->n_servers; s++)
        idle += gpu_srv[s] && !runs[s];
    free(gpu_srv);
    free(runs);
    return idle;
}
