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
 *     the compute model and its collectives measured alone on the fabric:
 *     first with the analytic network model, which is cheap and a lower
 *     bound, then, in the order of those bounds, with the flow model,
 *     until the next bound is no better than the `top`-th best flow
 *     estimate (no layout left can enter the best `top`);
 *  3. simulate the best `top` by flow estimate with the scenario's own
 *     network model (flow by default), a full `tensim run` each (`jobs`
 *     at a time, in child processes), and rank those by the simulated
 *     iteration. Layouts that make the same trace
 *     (ZeRO 1 and 2) count once and share a simulation.
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
#include "sim/job/scenario.h"
#include "workloads/memory.h"

typedef struct {
    uint64_t gpus;         /* at most this many; 0: the fabric's */
    uint64_t top;          /* layouts to simulate (0: estimates only) */
    uint64_t jobs;         /* simulations at a time, each in a process of its own
                              (0 or 1: one after another here); the plan is the same */
    int rank, size;        /* under mpirun (a TN_MPI build): this rank and how many;
                              each runs the whole plan and simulates every size-th of
                              the best, and all get every result. size 0 or 1: alone */
    double reserve_bytes;  /* per GPU, for the CUDA context, NCCL's buffers, fragmentation */
    /* called before each simulation (the i-th of n); may be NULL */
    void (*progress)(void *ctx, uint64_t i, uint64_t n, const wl_layout_t *ly);
    void *progress_ctx;
} plan_opts_t;

typedef struct {
    wl_layout_t layout;
    wl_memory_t memory;
    plan_estimate_t bound; /* collectives by the analytic model: a lower bound */
    plan_estimate_t est;   /* collectives by the flow model; iter_s 0 when pruned */
    double sim_iter_s;     /* 0: not simulated */
    uint64_t sim_events;
} plan_layout_t;

typedef struct {
    plan_layout_t *layouts; /* the simulated by simulated iteration, then the estimated
                               by estimate, then the rest by bound */
    size_t n;               /* layouts that fit and can run */
    uint64_t enumerated;    /* layouts considered */
    uint64_t unrunnable;    /* fit, but a collective cannot run with the scenario's
                               algorithm (hd on a group that is not a power of two) */
    uint64_t estimated;     /* with the flow model */
    uint64_t simulated;     /* distinct simulations run */
    int32_t fabric_gpus, server_gpus;
    uint64_t gpus;          /* the budget */
    double gpu_memory;      /* bytes */
    double tokens;          /* per iteration */
    uint64_t measured_bound, measured_est; /* collectives measured for each */
} plan_t;

/* Plans sc's megatron workload. Errors (TN_EINPUT, naming sc's file): a
 * workload that is not megatron, stragglers (their ranks belong to one
 * layout), a budget of more GPUs than the fabric has, no layout that fits
 * and can run; and any error of a simulation.
 * Time: O(layouts) for the bounds, plus the measurements (one analytic
 * and, for the layouts estimated, one flow simulation of a collective
 * per distinct group and size), plus `top` runs, `jobs` at a time (each
 * child's memory is its own simulation's; the fabric is shared). */
int plan_run(plan_t *p, const sim_scenario_t *sc, const plan_opts_t *o, tn_error_t *err);

void plan_destroy(plan_t *p);

/* The --set strings that turn a scenario's layout into ly (each
 * "workload.layout.KEY=VALUE"), into out[10] with storage in buf.
 * Returns how many. O(1). */
int plan_layout_sets(const wl_layout_t *ly, char buf[10][64], const char *out[10]);

#endif
