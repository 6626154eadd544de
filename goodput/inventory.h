/* goodput/inventory.h — the components a training job depends on, counted
 * from its fabric's graph (never typed in): what the failure classes of
 * goodput/data/failures.json multiply their per-unit rates by.
 *
 * The job is taken to use every GPU server of the fabric. Hardware of the
 * job: its GPUs, GPU servers and their NICs, the host cables of those NICs,
 * the leaf switches they plug into. Hardware the job shares: the fabric's
 * cables above the leaves (leaf-spine, spine-core, dragonfly and torus
 * links) and the switches above the leaves (spines, cores). CPU servers and
 * their cables are counted apart: they do not stop the job when they fail.
 *
 * Ownership: a gp_inventory_t is a plain value.
 */
#ifndef GP_INVENTORY_H
#define GP_INVENTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "topology/topo.h"

typedef enum {
    GP_UNIT_GPU,
    GP_UNIT_GPU_SERVER,
    GP_UNIT_NIC,
    GP_UNIT_HOST_CABLE,     /* a GPU server's NIC (or GPU) to its first switch */
    GP_UNIT_LEAF_SWITCH,    /* a first switch of a GPU server */
    GP_UNIT_FABRIC_CABLE,   /* cables between switches */
    GP_UNIT_FABRIC_SWITCH,  /* switches above the leaves */
    GP_UNIT_N
} gp_unit_t;

extern const char *const gp_unit_names[GP_UNIT_N];

typedef struct {
    uint64_t count[GP_UNIT_N];
    uint64_t servers_per_leaf;  /* the most GPU servers one leaf switch serves */
    uint64_t cpu_servers, cpu_host_cables;
} gp_inventory_t;

/* Counts t's components. O(|V| + |E|). */
void gp_inventory_count(const topo_t *t, gp_inventory_t *inv);

/* Whether a cable of `tier` joins switches (a fabric cable): not inside a
 * server, not a host's. O(1). */
bool gp_inventory_fabric_tier(uint8_t tier);

/* is_fab[v] (|V| entries) = 1 for a fabric switch, as counted above: a
 * switch that is not a leaf and serves no GPU server directly. O(|V| +
 * |E|). */
void gp_inventory_fabric_switches(const topo_t *t, uint8_t *is_fab);

/* GPU servers none of the job's ranks runs on (rank r on GPU r). O(|V|). */
uint64_t gp_inventory_idle_servers(const topo_t *t, int32_t ranks);

/* The unit named `name` ("gpu", "gpu_server", ...), or -1. O(units). */
int gp_unit_from_name(const char *name);

#endif
