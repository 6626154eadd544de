#include "topology/single_switch.h"

void topo_build_single_switch(topo_t *t, int32_t n, uint64_t bps, uint64_t latency_ps)
{
    TN_ASSERT(n >= 1 && n <= TOPO_SINGLE_SWITCH_MAX_GPUS);
    for (int32_t i = 0; i < n; i++)
        topo_add_vertex(t, TOPO_GPU, i, 0);
    int32_t sw = topo_add_vertex(t, TOPO_LEAF, -1, 0);
    for (int32_t i = 0; i < n; i++)
        topo_add_cable(t, i, sw, bps, latency_ps, TOPO_TIER_HOST);
}

void topo_add_single_switch_storage(topo_t *t, int32_t n, int32_t servers, uint64_t bps,
                                    uint64_t latency_ps, const topo_disk_t *d)
{
    TN_ASSERT(t->n_vertices >= n + 1 && t->kind[n] == TOPO_LEAF);
    for (int32_t i = 0; i < servers; i++) {
        int32_t nic = topo_add_vertex(t, TOPO_NIC, n + i, 0);
        int32_t disk = topo_add_vertex(t, TOPO_STORAGE, n + i, 0);
        topo_set_storage(t, disk, d->bytes);
        topo_add_cable(t, nic, n, bps, latency_ps, TOPO_TIER_HOST);
        topo_add_cable(t, disk, nic, d->bps, d->latency_set ? d->latency_ps : 0, TOPO_TIER_PCIE);
    }
}
