/* sim/job/scenario.h — one run described by one JSON file (DESIGN.md, "The
 * scenario file"), loaded and validated without running anything.
 *
 * Loading reads the file, applies command-line overrides (--set key=value,
 * --seed), rejects unknown keys, wrong types and impossible values with
 * errors that name the file and the JSON path, and parses the topology and
 * workload blocks through their modules. Nothing is built: a loaded
 * scenario is cheap, so tests and tools load scenarios freely.
 *
 * Ownership: a sim_scenario_t is caller-owned (sim_scenario_load fills it,
 * sim_scenario_destroy frees it); it owns its JSON tree, its strings and its
 * topology and workload specs.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "sim/coll/collective.h"
#include "sim/net/net.h"
#include "topology/spec.h"
#include "workloads/spec.h"


typedef struct {
    char *src;              /* the file it came from */
    json_t *root;           /* the scenario after overrides */
    char *name;
    uint64_t seed;
    uint64_t iterations;
    uint64_t hash;          /* FNV-1a 64 of the canonical JSON after overrides */
    topo_spec_t topo;
    wl_spec_t workload;
    sim_net_model_t net_model;
    bool shortcuts;         /* network.shortcuts: exact shortcuts (default true) */
    sim_algo_t algorithm;
    uint64_t chunk_bytes;   /* 0 when not set */
    uint64_t channels;      /* 0: "auto" (NCCL's channel loop), the default with protocol
                             * auto; 1 the default with a forced protocol */
    int protocol;           /* a row of sim_protocols[] (sim/coll/latency.h; 0: auto, the
                             * default) */
    /* ranks whose compute runs `slowdown` times as long: stragglers (a
     * throttled or faulty GPU); checked against the workload's ranks at
     * run time */
    struct sim_straggler {
        uint64_t rank;
        double slowdown;
    } *stragglers;
    size_t n_stragglers;
} sim_scenario_t;

/* Options from the command line, applied on top of the file. */
typedef struct {
    const char *const *sets;  /* "dotted.key=value" strings */
    int n_sets;
    bool has_seed;
    uint64_t seed;
} sim_overrides_t;

/* Loads and validates the scenario file `path` with `ov` applied (ov may be
 * NULL). A --set value is read as JSON when it parses as JSON (8, true,
 * "x", {...}) and as a string otherwise (analytic). Errors: TN_EINPUT with
 * "path: json.path: message" for any problem in the file or an override;
 * TN_EIO when the file cannot be read. O(size of the file). */
int sim_scenario_load(sim_scenario_t *sc, const char *path, const sim_overrides_t *ov,
                      tn_error_t *err);

void sim_scenario_destroy(sim_scenario_t *sc);

/* What is wrong with the key of a --set (or a sweep's --vary), its first
 * klen bytes: "key too long" (over 255 bytes), "key is not valid utf-8",
 * "empty key segment"
 * ("workload..ranks", ".seed", "seed.", "topology.set."), or NULL when it
 * can be applied. Under topology.set the rest is one key of the preset,
 * dots and all. O(klen). */
const char *sim_set_key_problem(const char *key, size_t klen);

#endif
