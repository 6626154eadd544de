/* energy/machine.c — see energy/machine.h. */
#include "energy/machine.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_error.h"
#include "topology/topo.h"

/* Adds one part of rate bps to the sorted table t[*n]. */
static void add_rate(en_rate_count_t *t, int *n, bool *overflow, uint64_t bps)
{
    int i = 0;
    while (i < *n && t[i].bps < bps)
        i++;
    if (i < *n && t[i].bps == bps) {
        t[i].count++;
        return;
    }
    if (*n == EN_MAX_RATES) {
        *overflow = true;
        return;
    }
    memmove(t + i + 1, t + i, (size_t)(*n - i) * sizeof *t);
    t[i] = (en_rate_count_t){bps, 1};
    (*n)++;
}

static bool is_fabric_switch(uint8_t kind, int32_t server)
{
    return server < 0 && (kind == TOPO_LEAF || kind == TOPO_SPINE || kind == TOPO_CORE ||
                          kind == TOPO_ROUTER);
}

void en_machine_count(en_machine_t *m, int32_t n_vertices, const uint8_t *kind,
                      const int32_t *server, int32_t n_links, const int32_t *src,
                      const int32_t *dst, const uint64_t *bps)
{
    memset(m, 0, sizeof *m);
    int32_t ns = 0;
    for (int32_t v = 0; v < n_vertices; v++)
        ns = server[v] + 1 > ns ? server[v] + 1 : ns;
    uint8_t *has_gpu = tn_calloc((size_t)ns + 1, 1);
    uint64_t *fastest = tn_calloc((size_t)n_vertices + 1, sizeof *fastest);
    for (int32_t v = 0; v < n_vertices; v++)
        if (kind[v] == TOPO_GPU) {
            m->gpus++;
            if (server[v] >= 0)
                has_gpu[server[v]] = 1;
        }
    for (int32_t s = 0; s < ns; s++) {
        m->gpu_servers += has_gpu[s];
        m->cpu_servers += !has_gpu[s];
    }
    for (int32_t e = 0; e < n_links; e++) {
        int32_t a = src[e], b = dst[e];
        bool between_boxes = server[a] < 0 || server[a] != server[b];
        if (is_fabric_switch(kind[a], server[a]))
            fastest[a] = bps[e] > fastest[a] ? bps[e] : fastest[a];
        if (between_boxes && a < b)
            m->cables++;
    }
    for (int32_t v = 0; v < n_vertices; v++) {
        m->nics += kind[v] == TOPO_NIC;
        if (is_fabric_switch(kind[v], server[v]))
            add_rate(m->switches, &m->n_switch_rates, &m->too_many_rates, fastest[v]);
    }
    free(fastest);
    free(has_gpu);
}
