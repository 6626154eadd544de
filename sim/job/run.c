#include "sim/job/run.h"

#include <stdlib.h>
#include <string.h>

#include "sim/engine/engine.h"
#include "sim/exec/executor.h"
#include "sim/coll/latency.h"
#include "workloads/compute.h"
#include "sim/net/net.h"
#include "topology/topo.h"
#include "workloads/trace.h"

int sim_run_scenario(const sim_scenario_t *sc, sim_records_t *rec, sim_run_info_t *info,
                     tn_error_t *err)
{
    return sim_run_scenario_progress(sc, rec, info, NULL, NULL, UINT64_MAX, err);
}

/* The run's size and the workload's figures: its own (a generator's
 * formula) or, for a trace, the sum of its ops' FLOPs. */
static void describe_run(const wl_spec_t *w, const topo_t *topo, const wl_trace_t *tr,
                         sim_run_info_t *info)
{
    *info = (sim_run_info_t){topo->n_gpus, tr->n_ranks, topo->n_edges, 0, 0, 0, 0};
    if (w->source->figures) {
        w->source->figures(w, &info->model_flops, &info->samples, &info->tokens);
    } else {
        for (int32_t r = 0; r < tr->n_ranks; r++) {
            const wl_program_t *p = &tr->progs[tr->rank_prog[r]];
            for (uint32_t i = 0; i < p->n_ops; i++)
                info->model_flops += p->ops[i].flops;
        }
    }
    wl_gpu_t g;
    if (w->gpu && wl_gpu_lookup(w->gpu, &w->gpu_set, &g, NULL) == 0)
        info->gpu_peak_flops = g.peak_flops;
}

int sim_run_scenario_progress(const sim_scenario_t *sc, sim_records_t *rec,
                              sim_run_info_t *info, sim_progress_fn progress, void *ctx,
                              uint64_t every, tn_error_t *err)
{
    memset(rec, 0, sizeof *rec);
    topo_t topo;
    wl_trace_t tr;
    sim_engine_t eng;
    sim_net_t net;
    sim_exec_t ex;
    int32_t *place = NULL;
    int rc = -1;
    topo_init(&topo);
    memset(&tr, 0, sizeof tr);
    sim_engine_init(&eng);
    memset(&net, 0, sizeof net);
    memset(&ex, 0, sizeof ex);

    if (topo_spec_build(&sc->topo, &topo, err)) {
        tn_error_prefix(err, "%s: topology", sc->src);
        goto out;
    }
    if (wl_spec_build(&sc->workload, &tr, err)) {
        tn_error_prefix(err, "%s: workload", sc->src);
        goto out;
    }
    if (tr.n_ranks > topo.n_gpus) {
        tn_error_set(err, TN_EINPUT, "%s: the workload has %d ranks but the fabric has only %d gpus",
                     sc->src, tr.n_ranks, topo.n_gpus);
        goto out;
    }
    place = tn_malloc((size_t)tr.n_ranks * sizeof *place);
    for (int32_t r = 0; r < tr.n_ranks; r++)
        place[r] = topo.gpus[r];
    sim_records_init(rec, sc->iterations, tr.n_ranks, topo.n_edges);
    sim_records_describe(rec, &topo, place);
    sim_records_describe_trace(rec, &tr);
    if (sim_net_init(&net, &eng, &topo, sc->net_model, err)) {
        tn_error_prefix(err, "%s", sc->src);
        goto out;
    }
    sim_coll_spec_t coll = {.algo = sc->algorithm,
                            .chunk_bytes = sc->chunk_bytes,
                            .channels = (int32_t)sc->channels};
    TN_ASSERT(sim_latency_apply(sim_protocols[sc->protocol].name, &coll, NULL) == 0);
    if (sim_exec_init(&ex, &eng, &net, &tr, place, sc->iterations, &coll, rec, err)) {
        tn_error_prefix(err, "%s: workload", sc->src);
        goto out;
    }
    for (size_t i = 0; i < sc->n_stragglers; i++) {
        if (sc->stragglers[i].rank >= (uint64_t)tr.n_ranks) {
            tn_error_set(err, TN_EINPUT, "%s: stragglers[%zu].rank: rank %llu is not in the "
                         "workload's %d ranks", sc->src, i,
                         (unsigned long long)sc->stragglers[i].rank, tr.n_ranks);
            goto out;
        }
        sim_exec_slow_rank(&ex, (int32_t)sc->stragglers[i].rank, sc->stragglers[i].slowdown);
    }
    sim_exec_start(&ex);
    while (sim_run_some(&eng, SIM_TIME_MAX, every) == every && !eng.stopped)
        if (progress)
            progress(ctx, sim_exec_done_share(&ex), sim_now(&eng), eng.processed);
    if (progress)
        progress(ctx, sim_exec_done_share(&ex), sim_now(&eng), eng.processed);
    if (sim_exec_check_finished(&ex, err)) {
        tn_error_prefix(err, "%s: workload", sc->src);
        goto out;
    }
    /* Saturated counters would make every figure wrong: refuse, naming the
     * limit, rather than report them. */
    if (eng.overflowed || sim_now(&eng) > INT64_MAX || net.overflowed) {
        tn_error_set(err, TN_EINPUT,
                     "%s: the run exceeds what tensim counts: %s (shorten the run or raise "
                     "the link rates)",
                     sc->src, net.overflowed ? "2^64 bytes on one link"
                                             : "2^63 ps (106 days) of simulated time");
        goto out;
    }
    rec->end_ps = sim_now(&eng);
    rec->events = eng.processed;
    rec->transfers = net.transfers;
    memcpy(rec->link_bytes, net.link_bytes, (size_t)topo.n_edges * sizeof *rec->link_bytes);
    memcpy(rec->link_busy_ps, net.link_busy_ps, (size_t)topo.n_edges * sizeof *rec->link_busy_ps);
    if (info)
        describe_run(&sc->workload, &topo, &tr, info);
    rc = 0;
out:
    sim_exec_destroy(&ex);
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    free(place);
    wl_trace_destroy(&tr);
    topo_destroy(&topo);
    return rc;
}
