/* topology/stats.h — the figures a planner compares fabrics by, as
 * `tensim topo --stats` prints them.
 *
 *  gpus, servers, gpu_servers, cpu_cores: counted from the vertices.
 *  switches: fabric switches (leaf, spine, core, router), with each kind;
 *    NVSwitches and PCIe switches inside servers are listed apart.
 *  links: cables (each is two directed links), with each tier.
 *  gpu_server_bw_gbps: capacity out of the first GPU server into the
 *    fabric, one direction.
 *  bisection_bw_gbps: the maximum flow, one direction, from the GPUs of the
 *    first half of the GPU servers (in build order) to those of the second
 *    half: for the tree fabrics, the capacity across the middle of the pods.
 *  storage_servers, storage_bw_gbyte_s, storage_capacity_tb: the storage
 *    tier (topology/storage.h): servers holding a storage vertex, the sum
 *    of their disk links' bandwidth in GB/s, their capacity in TB.
 *  diameter_hops: the longest shortest path between two GPUs.
 *  ecmp_paths_sample: for a few GPU pairs (same server, neighbouring server,
 *    middle, last), the hops and the number of equal-cost shortest paths.
 *
 * Ownership: a topo_stats_t is a plain value; topo_stats_json returns a new
 * reference the caller json_decref()s.
 */
#ifndef TOPO_STATS_H
#define TOPO_STATS_H

#include <jansson.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "topology/route.h"
#include "topology/storage.h"
#include "topology/topo.h"

#define TOPO_STATS_SAMPLES 4

typedef struct {
    int64_t gpus, servers, gpu_servers, cpu_cores;
    int64_t by_kind[TOPO_KIND_COUNT];
    int64_t switches; /* leaf + spine + core + router */
    int64_t cables, by_tier[TOPO_TIER_COUNT];
    double gpu_server_bw_gbps;
    double bisection_bw_gbps;  /* -1 with fewer than two GPU servers */
    topo_storage_totals_t storage;
    int32_t diameter_hops;
    int n_samples;
    struct {
        int32_t src_gpu, dst_gpu;
        uint32_t hops;
        double paths;
    } sample[TOPO_STATS_SAMPLES];
} topo_stats_t;

/* Fills st. Time complexity: O(|V| + |E|) for the counts, O(GPUs^2 x
 * anchors) for the diameter, one maximum flow for the bisection. */
void topo_stats_compute(const topo_t *t, topo_route_t *r, topo_stats_t *st);

/* bisection_bw_gbps alone (no routing, no diameter): one maximum flow.
 * -1 with fewer than two GPU servers. */
double topo_stats_bisection_gbps(const topo_t *t);

/* The stats as a JSON object with the keys above. O(1). */
json_t *topo_stats_json(const topo_stats_t *st);

#endif
