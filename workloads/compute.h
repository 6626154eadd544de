/* workloads/compute.h — how long a compute op takes on a GPU: its FLOPs at
 * the GPU's 16-bit tensor peak, with an achievable efficiency that grows
 * with the op's size, then its memory traffic at the achievable HBM rate
 * (an op stands for a layer's GEMMs and its memory-bound kernels, which
 * run one after another, so the two add),
 *     time = flops / (peak x eff(flops)) + bytes / (hbm x hbm_efficiency),
 *     eff(f) = gemm_efficiency x f / (f + half),
 * from the figures in workloads/data/gpus.json (compiled in; each states
 * its source). Durations round to the nearest picosecond.
 *
 * Ownership: a wl_gpu_t is a plain value.
 */
#ifndef WL_COMPUTE_H
#define WL_COMPUTE_H

#include <stdint.h>

#include "common/tn_error.h"
#include "workloads/trace.h"

typedef struct {
    double peak_flops;       /* per second */
    double hbm_bytes_per_s;  /* achievable: the peak x hbm_efficiency */
    double hbm_efficiency;   /* of the HBM peak, measured with a copy */
    double gemm_efficiency;  /* of peak, for large ops */
    double half_flops;       /* an op this size reaches half of that */
    double memory_bytes;     /* HBM capacity */
} wl_gpu_t;

/* Overrides of a GPU's figures (a scenario's "gpu_set"), as in
 * workloads/data/gpus.json; NaN leaves a figure as the file has it. */
typedef struct {
    double peak_tflops, hbm_gb_per_s, hbm_efficiency, gemm_efficiency, half_efficiency_gflop,
        memory_gib;
} wl_gpu_set_t;

/* A set that overrides nothing. */
wl_gpu_set_t wl_gpu_set_none(void);

/* The figures of GPU `name`, with `set` (NULL: none) applied. Errors
 * (TN_EINPUT): an unknown GPU. O(size of the data file). */
int wl_gpu_lookup(const char *name, const wl_gpu_set_t *set, wl_gpu_t *g, tn_error_t *err);

/* The duration of a compute op of `flops` FLOPs and `bytes` of memory
 * traffic, in ps. O(1). */
uint64_t wl_compute_ps(const wl_gpu_t *g, double flops, uint64_t bytes);

/* Gives every compute op of t that has FLOPs and no duration its duration
 * on GPU g. O(ops). */
void wl_compute_apply(wl_trace_t *t, const wl_gpu_t *g);

#endif
