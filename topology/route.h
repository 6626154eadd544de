/* topology/route.h — ECMP routing over a topo_t: shortest paths in hops,
 * the path of each flow chosen among equal-cost next hops by a hash of
 * (src, dst, flow id), so it is deterministic.
 *
 * A destination's table is its hop distance from every vertex, built by one
 * breadth-first search over in-edges the first time the destination is used,
 * and kept until topo_route_destroy(). A path is then walked hop by hop:
 * from u, the candidates are the out-edges to vertices one hop closer.
 *
 * Ownership: a topo_route_t borrows its topo_t, which must outlive it and
 * stay unchanged. The caller owns the path buffers. Nothing here allocates
 * per lookup.
 */
#ifndef TOPO_ROUTE_H
#define TOPO_ROUTE_H

#include <stdint.h>

#include "common/tn_error.h"
#include "topology/topo.h"

typedef struct {
    const topo_t *t;
    uint16_t **dist;  /* by destination vertex: hops from each vertex, or NULL */
    int32_t *queue;   /* BFS scratch */
} topo_route_t;

#define TOPO_ROUTE_UNREACHABLE UINT16_MAX

void topo_route_init(topo_route_t *r, const topo_t *t);
void topo_route_destroy(topo_route_t *r);

/* Fills path[] with the edge ids from src to dst for flow `flow_id`, chosen
 * among equal-cost paths by a hash of (src, dst, flow_id). Returns the
 * number of hops (0 when src == dst), or -1 with err set when dst cannot be
 * reached from src or the path is longer than max_hops.
 * Time complexity: O(hops x degree) once dst's table exists; O(|V|+|E|) the
 * first time dst is used. */
int topo_route_path(topo_route_t *r, int32_t src, int32_t dst, uint64_t flow_id, int32_t *path,
                    int max_hops, tn_error_t *err);

#endif
