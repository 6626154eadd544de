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
