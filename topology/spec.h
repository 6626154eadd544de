/* topology/spec.h — a fabric description read from a scenario's
 * "topology" block: a preset with dotted overrides
 * ({"preset": "single-switch", "set": {"link.bw_gbps": 200}}) or a full
 * spec ({"kind": "single-switch", "gpus": 8, ...}). Parsing validates
 * everything, so a scenario is checked without building its graph;
 * topo_spec_build() then makes the topo_t.
 *
 * Ownership: a topo_spec_t is caller-owned (topo_spec_parse fills it,
 * topo_spec_destroy frees it); it owns a copy of the merged JSON spec and
 * borrows nothing from the block it was parsed from.
 */
#ifndef TOPO_SPEC_H
#define TOPO_SPEC_H

#include <jansson.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "topology/topo.h"

typedef enum {
    TOPO_SPEC_SINGLE_SWITCH, /* n GPUs, each on one cable to one switch */
} topo_spec_kind_t;

typedef struct {
    json_t *spec;       /* the full spec after the preset and overrides */
    char *preset;       /* preset name, or NULL for a full spec */
    topo_spec_kind_t kind;
    struct {
        uint64_t gpus;
        uint64_t bps;
        uint64_t latency_ps;
    } single_switch;
} topo_spec_t;

/* Reads and validates `block`, found at JSON `path` of file `src`. Errors
 * (TN_EINPUT) name src and the path: an unknown preset, kind or key, an
 * override of a key the preset does not have, a wrong type, a value out of
 * range. O(size of the block). */
int topo_spec_parse(topo_spec_t *s, const json_t *block, const char *src, const char *path,
                    tn_error_t *err);

/* Builds and finalizes the fabric into t (topo_init'ed by the caller).
 * Time complexity: O(|V| + |E|). */
int topo_spec_build(const topo_spec_t *s, topo_t *t, tn_error_t *err);

void topo_spec_destroy(topo_spec_t *s);

/* The names of the built-in presets, NULL-terminated. */
extern const char *const topo_preset_names[];

#endif
