/* topology/dragonfly.h — the dragonfly of Kim, Dally, Scott and Abts (ISCA
 * 2008): groups of routers, fully connected inside a group by local links,
 * every pair of groups joined by the same number of global links, and the
 * fabric's endpoint ports spread over the routers' host ports.
 *
 * Ownership: the builder adds to a caller-owned, topo_init'ed topo_t and
 * reads (borrows) the parameters and the port list; it keeps nothing.
 */
#ifndef TOPO_DRAGONFLY_H
#define TOPO_DRAGONFLY_H

#include <stdint.h>

#include "common/tn_error.h"
#include "topology/ports.h"
#include "topology/topo.h"

typedef struct {
    int32_t groups;                  /* g, at least 2 */
    int32_t routers_per_group;       /* a */
    int32_t hosts_per_router;        /* p: host ports per router */
    int32_t global_links_per_router; /* h */
    uint64_t local_bps;              /* router to router in a group, and the
                                      * cap of a host cable */
    uint64_t global_bps;             /* router to router between groups */
    uint64_t latency_ps;             /* every link the builder adds; 0 is allowed */
} topo_dragonfly_t;

/* Adds the g*a routers (TOPO_ROUTER, server -1) with consecutive vertex ids
 * from t->n_vertices on, group-major (router r of group G is the
 * (G*a + r)-th), then its cables:
 *  - local (TOPO_TIER_LOCAL, local_bps): every pair of routers in a group;
 *  - global (TOPO_TIER_GLOBAL, global_bps): group G's global port k
 *    (0 <= k < a*h) is on its router k / h and leads to group
 *    G' = (G + o) mod g, o = k mod (g-1) + 1, where it meets port
 *    (k / (g-1))*(g-1) + (g - o - 1) of G', so every pair of groups is joined
 *    by m = a*h/(g-1) links;
 *  - host (TOPO_TIER_HOST): port i of `ports` to router i / p, at the lesser
 *    of the port's rate and local_bps. Fewer ports than g*a*p leave the last
 *    routers' host ports empty (a partially populated dragonfly).
 * Does not finalize.
 * Returns 0, or -1 with err set (TN_EINPUT) and t untouched when a count or
 * a rate is not positive (groups must be at least 2), when g - 1 does not
 * divide a*h, when the ports outnumber the host ports, or when the fabric
 * would not fit the graph's 32-bit ids.
 * Time complexity: O(g*a*(a + h) + |ports|). */
int topo_build_dragonfly(topo_t *t, const topo_dragonfly_t *p, const topo_ports_t *ports,
                         tn_error_t *err);

#endif
