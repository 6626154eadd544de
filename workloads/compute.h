/* workloads/compute.h — how long a compute op takes on a GPU: a roofline
 * of the GPU's 16-bit tensor peak and HBM bandwidth, with an achievable
 * efficiency that grows with the op's size,
 *     time = max(flops / (peak x eff(flops)), bytes / hbm),
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
    double hbm_bytes_per_s;
    double gemm_efficiency;  /* of peak, for large ops */
    double half_flops;       /* an op this size reaches half of that */
} wl_gpu_t;

/* The figures of GPU `name`. Errors (TN_EINPUT): an unknown GPU. */
int wl_gpu_lookup(const char *name, wl_gpu_t *g, tn_error_t *err);

/* The duration of a compute op of `flops` FLOPs and `bytes` of memory
 * traffic, in ps. O(1). */
uint64_t wl_compute_ps(const wl_gpu_t *g, double flops, uint64_t bytes);

/* Gives every compute op of t that has FLOPs and no duration its duration
 * on GPU g. O(ops). */
void wl_compute_apply(wl_trace_t *t, const wl_gpu_t *g);

#endif
