/* topology/torus.h — a 2D or 3D torus with no switches: every server is one
 * node, cabled straight to its neighbours along each dimension, with
 * wraparound (the layout of TPU pods and of Blue Gene / Cray torus machines).
 *
 * Ownership: the builder adds to a caller-owned, topo_init'ed topo_t and
 * reads (borrows) the parameters and the port list; it keeps nothing.
 */
#ifndef TOPO_TORUS_H
#define TOPO_TORUS_H

#include <stdint.h>

#include "common/tn_error.h"
#include "topology/ports.h"
#include "topology/topo.h"

typedef struct {
    int32_t n_dims;     /* 2 or 3 */
    int32_t dims[3];    /* size along each dimension; dims[2] unused in 2D */
    uint64_t bps;       /* cap of every link (a link also runs no faster
                         * than either of its two ports) */
    uint64_t latency_ps; /* every link; 0 is allowed */
} topo_torus_t;

/* Cables the servers of `ports` into a torus. Server s is the node whose
 * coordinates are s in row-major order (the last dimension varies fastest:
 * in 3D, s = (x0*dims[1] + x1)*dims[2] + x2), so the servers must be
 * numbered 0 .. N-1, N the product of the dims. Along a dimension of size
 * k >= 3 each node has one cable to its +1 neighbour (mod k) and so two
 * links; of size 2, one cable joins the two nodes; of size 1, none. The
 * links of a node, in the order (dim 0 +, dim 0 -, dim 1 +, dim 1 -, ...;
 * one entry for a dimension of size 2, none for size 1), go to its ports
 * round-robin: its i-th link to its port i mod (its number of ports), its
 * ports taken in the order they appear in `ports`. A link runs at the least
 * of p->bps and its two ports' rates, tier TOPO_TIER_TORUS. Cables are
 * added node by node (row-major), dimension by dimension, each from the
 * node to its + neighbour. Does not finalize.
 * Returns 0, or -1 with err set (TN_EINPUT) and t untouched when n_dims is
 * not 2 or 3, a size or the rate is not positive, the number of distinct
 * servers among the ports is not the number of nodes, a server id is
 * outside 0 .. N-1, or the fabric would not fit the graph's 32-bit ids.
 * Time complexity: O(|ports| log |ports| + N * n_dims). */
int topo_build_torus(topo_t *t, const topo_torus_t *p, const topo_ports_t *ports,
                     tn_error_t *err);

#endif
