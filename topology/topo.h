/* topology/topo.h — a fabric as a graph: vertices (GPUs, switches, NICs,
 * CPU sockets, ...) and directed links with capacity, latency and tier.
 *
 * A topo_t holds a directed igraph graph (each full-duplex cable is two
 * directed edges, added back to back: edge 2c is a->b, 2c+1 is b->a) plus
 * plain arrays indexed by vertex id and by edge id, which are what the
 * simulator reads on its hot paths. igraph attributes are set only when
 * exporting. Build one with topo_init(), topo_add_vertex() and
 * topo_add_cable(), then topo_finalize(), which checks it and builds the
 * graph and the adjacency arrays.
 *
 * Ownership: a topo_t is caller-owned (topo_init/topo_destroy) and owns all
 * its arrays and its igraph_t. Nothing here borrows.
 */
#ifndef TOPO_TOPO_H
#define TOPO_TOPO_H

#include <igraph.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"

typedef enum {
    TOPO_GPU,
    TOPO_NVSWITCH,
    TOPO_PCIE_SWITCH,
    TOPO_NIC,
    TOPO_CPU,
    TOPO_LEAF,
    TOPO_SPINE,
    TOPO_CORE,
    TOPO_STORAGE,
    TOPO_ROUTER,      /* a dragonfly router: leaf and spine in one */
    TOPO_NVSWITCH_SHARP, /* an NVSwitch that reduces in the network (NVLink SHARP) */
    TOPO_KIND_COUNT
} topo_kind_t;

/* Network tier of a link, for utilisation reports. */
typedef enum {
    TOPO_TIER_NVLINK,   /* inside a server: NVLink / NVSwitch */
    TOPO_TIER_PCIE,     /* inside a server: PCIe */
    TOPO_TIER_HOST,     /* server (GPU or NIC) to first switch */
    TOPO_TIER_LEAF,     /* leaf to spine */
    TOPO_TIER_SPINE,    /* spine to core */
    TOPO_TIER_LOCAL,    /* dragonfly: router to router within a group */
    TOPO_TIER_GLOBAL,   /* dragonfly: router to router between groups */
    TOPO_TIER_TORUS,    /* torus: node to neighbouring node */
    TOPO_TIER_COUNT
} topo_tier_t;

typedef struct {
    int32_t n_vertices, n_edges;
    uint8_t *kind;        /* by vertex: topo_kind_t */
    int32_t *server;      /* by vertex: server id, -1 for fabric switches */
    int32_t *cores;       /* by vertex: CPU cores (CPU sockets), else 0 */
    uint64_t *store_bytes; /* by vertex: capacity of a storage vertex in bytes, else 0;
                              set with topo_set_storage() (topology/storage.h lists them) */
    int32_t *esrc, *edst; /* by edge: endpoints */
    uint64_t *bps;        /* by edge: capacity, bits per second */
    uint64_t *latency_ps; /* by edge: propagation + switching latency */
    uint8_t *tier;        /* by edge: topo_tier_t */
    /* Adjacency (CSR), built by topo_finalize(): out-edges of v are
     * out_edge[out_off[v] .. out_off[v+1]), in-edges likewise. */
    int32_t *out_off, *out_edge, *in_off, *in_edge;
    int32_t *gpus;        /* GPU vertex ids in rank order (creation order) */
    int32_t n_gpus, n_servers;
    igraph_t graph;
    bool finalized;
    size_t v_cap, e_cap;
} topo_t;

void topo_init(topo_t *t);

/* The CSR of ne edges grouped by key[e] over nv vertices (esrc for
 * out-edges, edst for in-edges), in edge-id order within a vertex: the
 * adjacency topo_finalize() builds, for code that builds a topo_t's
 * arrays itself (topology/degrade.h). The caller frees both. O(|V| + |E|). */
void topo_build_csr(int32_t nv, int32_t ne, const int32_t *key, int32_t **off_out,
                    int32_t **edge_out);
void topo_destroy(topo_t *t);

/* Adds a vertex; returns its id. O(1) amortised. */
int32_t topo_add_vertex(topo_t *t, topo_kind_t kind, int32_t server, int32_t cores);

/* Sets the capacity of storage vertex v (kind TOPO_STORAGE). O(1). */
void topo_set_storage(topo_t *t, int32_t v, uint64_t bytes);

/* Adds a full-duplex cable a <-> b as two directed edges (a->b then b->a),
 * each of `bps` bits/s and `latency_ps`. Returns the id of the a->b edge.
 * O(1) amortised. */
int32_t topo_add_cable(topo_t *t, int32_t a, int32_t b, uint64_t bps, uint64_t latency_ps,
                       topo_tier_t tier);

/* Checks the fabric (at least one GPU, every capacity positive, every GPU
 * able to reach every other) and builds the igraph graph and the adjacency
 * arrays. Errors (TN_EINPUT): no GPU; a zero-capacity link; a disconnected
 * fabric (the message names two GPUs that cannot reach each other).
 * Time complexity: O(|V| + |E|). */
int topo_finalize(topo_t *t, tn_error_t *err);

/* Names as written in exports and reports ("gpu", "leaf", "host", ...),
 * and back: -1 for an unknown name. O(kinds). */
const char *topo_kind_name(topo_kind_t k);
const char *topo_tier_name(topo_tier_t t);
int topo_kind_from_name(const char *s);
int topo_tier_from_name(const char *s);

#endif
