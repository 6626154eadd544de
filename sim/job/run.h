/* sim/job/run.h — one scenario, start to finish: build the fabric and the
 * trace, place ranks on GPUs, replay, and fill the records.
 *
 * Placement: rank r runs on the r-th GPU of the fabric (GPUs in the order
 * the builder made them, server by server). A job smaller than the fabric
 * leaves the remaining GPUs idle; a larger one is an error.
 *
 * Ownership: the caller owns the scenario and the records (sim_run_scenario
 * initialises rec; the caller sim_records_destroy()s it, also on failure).
 */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include "common/tn_error.h"
#include "sim/exec/records.h"
#include "sim/job/scenario.h"

typedef struct {
    int32_t gpus;  /* in the fabric */
    int32_t ranks; /* in the workload */
    int32_t links; /* directed links */
    double model_flops;  /* per iteration, all ranks: SC21's formula for a
                            megatron workload, else the trace's FLOPs */
    double samples, tokens; /* per iteration; 0 when the workload does not say */
    double gpu_peak_flops;  /* per GPU per second; 0 when no gpu is named */
} sim_run_info_t;

/* Errors (TN_EINPUT): the workload needs more GPUs than the fabric has, or
 * uses something this build cannot simulate yet, or deadlocks. Time
 * complexity: that of the replay, O(events x log(pending events)). */
int sim_run_scenario(const sim_scenario_t *sc, sim_records_t *rec, sim_run_info_t *info,
                     tn_error_t *err);

/* Where a long run stands, for a progress display: the share of all ranks'
 * ops of all iterations done, the simulated time and the events run. */
typedef void (*sim_progress_fn)(void *ctx, double done, sim_time_t now, uint64_t events);

/* sim_run_scenario() calling progress(ctx, ...) every `every` events and
 * once at the end. Progress never changes the results. */
int sim_run_scenario_progress(const sim_scenario_t *sc, sim_records_t *rec,
                              sim_run_info_t *info, sim_progress_fn progress, void *ctx,
                              uint64_t every, tn_error_t *err);

#endif
