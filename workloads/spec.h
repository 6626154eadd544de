/* workloads/spec.h — a scenario's "workload" block, validated.
 *
 * One of:
 *  - {"generator": "compute-allreduce", "ranks": 8, "compute_time_us": 100,
 *     "allreduce_size_bytes": 268435456}: each rank computes, then all ranks
 *     all-reduce; the walking skeleton and the simplest hand-checkable job.
 *  - {"generator": "megatron", "gpu": ..., "model": {...}, "layout": {...}}:
 *     Megatron-style training; optional "gpu_set" (overrides of the GPU's
 *     figures: {"gemm_efficiency": 0.9, ...}), "activation_traffic"
 *     (the elementwise kernels' HBM traffic per byte of activations) and
 *     "mechanisms" ({name: boolean}, names from wl_megatron_mechs[]: into
 *     layout.mech_flip).
 *  - {"trace": "path.json"} or {"chakra": "path/prefix"}: a trace file (the
 *     readers arrive with the trace formats); the path is relative to the
 *     scenario file and must exist.
 * Each is a row of wl_sources[], the one place their names and keys are
 * read from; adding a source is a file with its parse and build functions
 * and a row.
 *
 * Ownership: a wl_spec_t is caller-owned (wl_spec_parse / wl_spec_destroy)
 * and owns its strings; it borrows nothing from the JSON.
 */
#ifndef WL_SPEC_H
#define WL_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "common/tn_json.h"
#include "workloads/compute.h"
#include "workloads/megatron.h"
#include "workloads/trace.h"

typedef struct wl_source wl_source_t;

typedef struct {
    const wl_source_t *source; /* a row of wl_sources[] */
    char *path;            /* trace file or chakra prefix, resolved */
    struct {
        uint64_t ranks, compute_ps, bytes;
    } compute_allreduce;
    char *gpu;
    wl_gpu_set_t gpu_set;  /* "gpu_set": overrides of the GPU's figures */
    wl_model_t model;
    wl_layout_t layout;
} wl_spec_t;

/* Reads and validates `block` (at JSON `path` of file `src`; relative trace
 * paths are taken from src's directory). Errors (TN_EINPUT) name src and the
 * path: unknown generator or key, wrong type, out-of-range value, a layout
 * that does not divide the model, a trace path that does not exist.
 * O(size of the block). */
int wl_spec_parse(wl_spec_t *s, const json_t *block, const char *src, const char *path,
                  tn_error_t *err);

/* The number of ranks the workload runs on. O(1). */
uint64_t wl_spec_ranks(const wl_spec_t *s);

/* Builds the trace of one iteration into t (not initialised by the caller).
 * Errors (TN_EINPUT) for workloads this build cannot generate yet.
 * O(size of the trace). */
int wl_spec_build(const wl_spec_t *s, wl_trace_t *t, tn_error_t *err);

void wl_spec_destroy(wl_spec_t *s);

/* One source of workloads: a generator ({"generator": NAME, ...}) or a
 * trace format ({NAME: "path", ...}). */
struct wl_source {
    const char *name; /* as users type it: the generator's name, or the key
                         that holds the trace's path */
    const char *key;  /* "generator", or name itself for a trace format */
    const char *help; /* one line, for --help and the docs */
    /* Reads and checks the block o (opened with any keys: the row checks
     * its own); errors (TN_EINPUT) name o's file and path. */
    int (*parse)(wl_spec_t *s, tn_jobj_t *o);
    /* The trace of one iteration into t (not initialised by the caller). */
    int (*build)(const wl_spec_t *s, wl_trace_t *t, tn_error_t *err);
    /* The ranks, or NULL when known only once the trace is read. */
    uint64_t (*ranks)(const wl_spec_t *s);
    /* The model FLOPs, samples and tokens of one iteration, as the
     * workload states them; NULL when the FLOPs are the trace's sum and
     * samples and tokens are unknown. */
    void (*figures)(const wl_spec_t *s, double *flops, double *samples, double *tokens);
    bool has_layout;  /* a megatron-style layout `tensim plan` can vary */
};

/* Every source, generators first. */
extern const wl_source_t wl_sources[];
extern const size_t wl_sources_n;

extern const char *const wl_gpu_names[];
/* By wl_schedule_t and wl_recompute_t, as the layout block spells them;
 * NULL-terminated. */
extern const char *const wl_schedule_names[];
extern const char *const wl_recompute_names[];

#endif
