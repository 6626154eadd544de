#include "topology/ports.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_error.h"

void topo_ports_init(topo_ports_t *p) { memset(p, 0, sizeof *p); }

void topo_ports_destroy(topo_ports_t *p)
{
    if (!p)
        return;
    free(p->vertex);
    free(p->bps);
    free(p->server);
    free(p->index);
    memset(p, 0, sizeof *p);
}

void topo_ports_add(topo_ports_t *p, int32_t vertex, uint64_t bps, int32_t server, int32_t index)
{
    if (p->n == p->cap) {
        size_t c = p->cap = p->cap ? 2 * p->cap : 64;
        p->vertex = tn_realloc(p->vertex, c * sizeof *p->vertex);
        p->bps = tn_realloc(p->bps, c * sizeof *p->bps);
        p->server = tn_realloc(p->server, c * sizeof *p->server);
        p->index = tn_realloc(p->index, c * sizeof *p->index);
    }
    p->vertex[p->n] = vertex;
    p->bps[p->n] = bps;
    p->server[p->n] = server;
    p->index[p->n] = index;
    p->n++;
}
