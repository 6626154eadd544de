/* topology/degrade.h — a fabric with failed components: a finalized copy
 * of a topo_t without some cables and switches, for the time an iteration
 * takes while they are down (ECMP routes around them: the router of the
 * copy only sees what is left).
 *
 * A failed vertex keeps its id and its kind, isolated (all its cables
 * go): callers place ranks and storage by vertex id, so ids, the GPU
 * order (gpus[]) and the server numbering stay those of the original.
 * Surviving cables keep their order, so a cable is still two edges back
 * to back (2c, 2c + 1); their ids shift down past the dropped ones
 * (edge_map says where each went).
 *
 * Unlike topo_finalize(), the copy may leave GPUs unable to reach each
 * other: that is what a failure does. The router then says so
 * (topo_route_path() returns -1 with its error), so callers check the
 * pairs they use before they send (sim/job/transfer.h).
 *
 * Ownership: the copy is a topo_t of its own (the caller topo_destroy()s
 * it, also on failure); it borrows nothing from the original, nor the
 * drop masks.
 */
#ifndef TOPO_DEGRADE_H
#define TOPO_DEGRADE_H

#include <stdint.h>

#include "common/tn_error.h"
#include "topology/topo.h"

/* Fills dst (uninitialised, or topo_init()ed and empty) with a finalized
 * copy of the finalized src without
 *  - the cables c with drop_cable[c] != 0 (c < src->n_edges / 2; NULL:
 *    none), and
 *  - every cable of each vertex v with drop_vertex[v] != 0 (v <
 *    src->n_vertices; NULL: none), the vertex itself kept, isolated.
 * Every per-vertex array and every per-edge array of src is copied (a
 * new field of topo_t is one line below, in degrade.c). When edge_map is
 * not NULL, edge_map[e] (for each of src's n_edges) is e's id in dst, or
 * -1 when it was dropped. Never fails today (0); err is for checks to
 * come. Time complexity: O(|V| + |E|). */
int topo_copy_without(const topo_t *src, const uint8_t *drop_vertex, const uint8_t *drop_cable,
                      topo_t *dst, int32_t *edge_map, tn_error_t *err);

#endif
