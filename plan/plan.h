/* plan/plan.h — the layout planner behind `tensim plan`: for a scenario's
 * model, GPU and fabric, which parallel layout trains fastest?
 *
 * Three passes, each cheaper per layout than the next:
 *  1. enumerate (plan/layouts.h) every layout the generator can run on at
 *     most `gpus` GPUs: tp within a server, pp dividing the layers, dp the
 *     largest that fits and divides the global batch, microbatch,
 *     schedule, sequence parallelism, recomputation, ZeRO stage; and keep
 *     those whose memory per GPU (workloads/memory.h) plus a reserve fits
 *     the GPU;
 *  2. estimate each one's iteration in closed form (plan/estimate.h) from
 *     the compute model and the times of its collectives measured alone
 *     on the fabric with the analytic network model, and sort;
 *  3. simulate the best `top` with the scenario's own network model (flow
 *     by default), a full `tensim run` each, and rank those by the
 *     simulated iteration.
 * The global batch is the scenario's: a planner holds it fixed, as it is
 * a training hyperparameter.
 *
 * Ownership: a plan_t is caller-owned (plan_run fills it, plan_destroy
 * frees it) and owns its layout array; it borrows nothing.
 */
#ifndef PLAN_PLAN_H
#define PLAN_PLAN_H

#include <stdint.h>

#include "common/tn_error.h"
#include "plan/estimate.h"
#include "sim/scenario.h"
#include "workloads/memory.h"

typedef struct {
    uint64_t gpus;         /* at most this many; 0: the fabric's */
    uint64_t top;          /* layouts to simulate (0: estimates only) */
    double reserve_bytes;  /* per GPU, for the CUDA context, NCCL's buffers, fragmentation */
    /* called before each simulation (i of n) and after it; may be NULL */
    void (*progress)(void *ctx, uint64_t i, uint64_t n, const wl_layout_t *ly);
    void *progress_ctx;
} plan_opts_t;

typedef struct {
    wl_layout_t layout;
    wl_memory_t memory;
    plan_estimate_t est;
    double sim_iter_s;     /* 0: not simulated */
    uint64_t sim_events;
} plan_layout_t;

typedef struct {
    plan_layout_t *layouts; /* the simulated first, by simulated iteration, then by estimate */
    size_t n;               /* layouts that fit */
    uint64_t enumerated;    /* layouts considered */
    uint64_t simulated;
    int32_t fabric_gpus, server_gpus;
    uint64_t gpus;          /* the budget */
    double gpu_memory;      /* bytes */
    double tokens;          /* per iteration */
    double measured;        /* collectives measured for the estimates */
} plan_t;

/* Plans sc's megatron workload. Errors (TN_EINPUT, naming sc's file): a
 * workload that is not megatron, a budget of 0 or more GPUs than the
 * fabric has, no layout that fits; and any error of a simulation.
 * Time: O(layouts) for the estimates, plus the measurements (one
 * analytic collective per distinct group and size), plus `top` runs. */
int plan_run(plan_t *p, const sim_scenario_t *sc, const plan_opts_t *o, tn_error_t *err);

void plan_destroy(plan_t *p);

/* The --set strings that turn a scenario's layout into ly (each
 * "workload.layout.KEY=VALUE"), into out[10] with storage in buf.
 * Returns how many. O(1). */
int plan_layout_sets(const wl_layout_t *ly, char buf[10][64], const char *out[10]);

#endif
