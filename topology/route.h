/* topology/route.h — ECMP routing over a topo_t: shortest paths in hops,
 * the path of each flow chosen among equal-cost next hops by a hash of
 * (src, dst, flow id), so it is deterministic.
 *
 * Compact tables. A per-destination table of every vertex's distance is
 * V bytes per destination: 10,000 GPU destinations on a 40,000-vertex
 * fabric would be gigabytes. Instead, a destination d inside server S
 * keeps only (a) its distance from S's own vertices and (b) for each of
 * S's anchors, the vertices outside S with a cable into S (a leaf switch
 * or two; one per rail on a rail-optimized fabric), the cost of entering S
 * from it and reaching d inside S, off(a). The last vertex outside S on a
 * cheapest path from outside is an anchor, so for u outside S
 *     dist(u, d) = min over anchors a of dist(u, a) + off(a),
 * exactly, with one full table per anchor (dist(., a), built by one
 * breadth-first search) shared by every destination behind that anchor.
 * off() and (a) read S and its edges only (a path from S's vertices may
 * leave S and come back: (a) takes that way through the anchors too), so
 * a new destination costs O(|S|^2) plus the tables of anchors not seen
 * before: no search of the fabric per destination.
 * On azure-2020 that is 278 anchor tables instead of 10,000 destination
 * tables. Vertices outside any server (switches), and
 * servers whose vertices are not numbered contiguously (imported graphs),
 * get a full table of their own.
 *
 * Walking a path: at u, the next hops are the out-edges to vertices one hop
 * closer. Out-edges are kept sorted by the neighbour's id, so the ones into
 * S are found by binary search; the others need a scan only when u is not
 * itself a nearest anchor (at a leaf switch, the step into the server is
 * found without looking at its other ports).
 *
 * Which paths. The shortest in hops; among those, the fewest PCIe hops (a
 * GPU pair on one PCIe switch and one NVSwitch talks over NVSwitch, as NCCL
 * does): a hop costs 16 and a PCIe hop 17, and paths of least cost win.
 * A GPU in a server that has NICs is an endpoint only, never a hop on the
 * way between others (GPUs with their own fabric ports, as in a torus of
 * bare GPUs, do forward). The anchor argument below holds for any such
 * costs and rules, as long as every search obeys them.
 *
 * Ownership: a topo_route_t borrows its topo_t, which must outlive it and
 * stay unchanged. Tables are built on first use and kept until
 * topo_route_destroy(). The caller owns the path buffers.
 */
#ifndef TOPO_ROUTE_H
#define TOPO_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "topology/topo.h"

typedef struct topo_route_dest topo_route_dest_t;

typedef struct {
    const topo_t *t;
    int32_t *adj_dst, *adj_edge;  /* out-edges by vertex (t->out_off), sorted by dst */
    uint16_t **table;             /* by vertex: hops to it from every vertex, or NULL */
    topo_route_dest_t **dest;     /* by vertex: its compact destination entry, or NULL */
    int32_t *srv_first, *srv_count; /* by server: its contiguous vertex range; count -1 if not */
    int32_t n_servers;
    int32_t *queue;               /* BFS scratch */
    uint16_t *bdist;              /* bounded-BFS scratch, valid where bstamp == stamp */
    uint32_t *bstamp, stamp;
    int32_t *cand;                /* next-hop candidates of one step */
    uint8_t *transit;             /* by vertex: may a path pass through it */
    uint8_t *adj_cost, *adj_transit; /* beside adj_dst: edge cost, far end forwards */
    int32_t maxdeg;
    size_t bytes;                 /* memory held by tables, for reports */
    uint64_t tables_built;
} topo_route_t;

#define TOPO_ROUTE_UNREACHABLE UINT16_MAX
#define TOPO_ROUTE_HOP 16 /* cost of a hop; a PCIe hop costs one more */

/* O(|V| + |E| log(degree)). */
void topo_route_init(topo_route_t *r, const topo_t *t);
void topo_route_destroy(topo_route_t *r);

/* Fills path[] with the edge ids from src to dst for flow `flow_id`, chosen
 * among equal-cost paths by a hash of (src, dst, flow_id). Returns the
 * number of hops (0 when src == dst), or -1 with err set when dst cannot be
 * reached from src or the path is longer than max_hops.
 * Time complexity: O(hops x (anchors + degree)) once dst's entry exists;
 * O(|V| + |E|) for each anchor table built on first use. */
int topo_route_path(topo_route_t *r, int32_t src, int32_t dst, uint64_t flow_id, int32_t *path,
                    int max_hops, tn_error_t *err);

/* Hops of the cheapest paths from src to dst, or TOPO_ROUTE_UNREACHABLE.
 * O(anchors) once dst's entry exists. */
uint32_t topo_route_dist(topo_route_t *r, int32_t src, int32_t dst);

/* The number of distinct cheapest paths from src to dst (as a double: it
 * can be large). O(vertices and edges of the shortest-path DAG). */
double topo_route_count_paths(topo_route_t *r, int32_t src, int32_t dst);

#endif
