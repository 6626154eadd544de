/* sim/job/run.h — one scenario, start to finish: build the fabric and the
 * trace, place ranks on GPUs, replay, and fill the records.
 *
 * Placement: rank r runs on the r-th GPU of the fabric (GPUs in the order
 * the builder made them, server by server). A job smaller than the fabric
 * leaves the remaining GPUs idle; a larger one is an error.
 *
 * Failures and checkpoints (sim_run_scenario_opts()): the run may take
 * place on the built fabric without some cables and switches
 * (topology/degrade.h; ECMP routes around them), and bulk transfers may
 * run beside the job from time 0 (an asynchronous checkpoint draining
 * over the NICs the job uses: sim/job/transfer.h).
 *
 * Ownership: the caller owns the scenario, the options and the records
 * (sim_run_scenario initialises rec; the caller sim_records_destroy()s it,
 * also on failure).
 */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include "common/tn_error.h"
#include "sim/exec/records.h"
#include "sim/job/scenario.h"
#include "sim/job/transfer.h"

typedef struct {
    int32_t gpus;  /* in the fabric */
    int32_t ranks; /* in the workload */
    int32_t links; /* directed links */
    double model_flops;  /* per iteration, all ranks: SC21's formula for a
                            megatron workload, else the trace's FLOPs */
    double samples, tokens; /* per iteration; 0 when the workload does not say */
    double gpu_peak_flops;  /* per GPU per second; 0 when no gpu is named */
    sim_time_t background_end_ps; /* when the last background transfer arrived
                                     (sim_run_opts_t); 0 with none */
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

/* What a run may add to the scenario. All zero ({0}) is the plain run of
 * sim_run_scenario(). */
typedef struct {
    /* Failed components, by the ids of the fabric the scenario builds:
     * drop_cable[c] != 0 takes cable c (edges 2c and 2c + 1) away,
     * drop_vertex[v] != 0 every cable of vertex v (a failed switch); the
     * run then happens on topo_copy_without() of the fabric. NULL: none.
     * The records' links are those of the copy (rec->n_links counts the
     * surviving edges). */
    const uint8_t *drop_cable, *drop_vertex;
    /* Started at time 0 beside iteration 1, each on its own connection
     * (sim/job/transfer.h says which). They share links with the job
     * (rec's link bytes, busy times and transfers count them too) and the run lasts
     * until both the job and they are done (rec->end_ps, when the last
     * event ran, is the later); the iterations' times keep their meaning.
     * info->background_end_ps says when the last one arrived. */
    const sim_transfer_t *background;
    size_t n_background;
    sim_progress_fn progress; /* NULL: none */
    void *progress_ctx;
    uint64_t every;           /* events between progress calls; 0: none */
} sim_run_opts_t;

/* The run with options (opts may be NULL: none). Errors: those of
 * sim_run_scenario(), and (TN_EINPUT, prefixed with the scenario file) a
 * drop mask that leaves two of the job's GPUs unable to reach each other
 * ("on the fabric without the failed components: gpu 2 (vertex 2) is
 * unreachable from gpu 0 (vertex 0)"), or a background transfer that
 * cannot be routed or names a vertex not in the fabric. Time complexity:
 * that of the replay, plus O(|V| + |E|) for a copy and the checks of
 * sim/job/transfer.h. */
int sim_run_scenario_opts(const sim_scenario_t *sc, const sim_run_opts_t *opts,
                          sim_records_t *rec, sim_run_info_t *info, tn_error_t *err);

#endif
