#include "sim/job/run.h"

#include <stdlib.h>
#include <string.h>

#include "sim/engine/engine.h"
#include "sim/exec/executor.h"
#include "sim/coll/latency.h"
#include "workloads/compute.h"
#include "sim/net/net.h"
#include "topology/degrade.h"
#include "topology/topo.h"
#include "workloads/trace.h"

int sim_run_scenario(const sim_scenario_t *sc, sim_records_t *rec, sim_run_info_t *info,
                     tn_error_t *err)
{
    return sim_run_scenario_opts(sc, NULL, rec, info, err);
}

int sim_run_scenario_progress(const sim_scenario_t *sc, sim_records_t *rec,
                              sim_run_info_t *info, sim_progress_fn progress, void *ctx,
                              uint64_t every, tn_error_t *err)
{
    sim_run_opts_t o = {.progress = progress, .progress_ctx = ctx, .every = every};
    return sim_run_scenario_opts(sc, &o, rec, info, err);
}

/* The run's size and the workload's figures: its own (a generator's
 * formula) or, for a trace, the sum of its ops' FLOPs. */
static void describe_run(const wl_spec_t *w, const topo_t *topo, const wl_trace_t *tr,
                         sim_run_info_t *info)
{
    *info = (sim_run_info_t){.gpus = topo->n_gpus, .ranks = tr->n_ranks, .links = topo->n_edges};
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

int sim_run_scenario_opts(const sim_scenario_t *sc, const sim_run_opts_t *opts,
                          sim_records_t *rec, sim_run_info_t *info, tn_error_t *err)
{
    static const sim_run_opts_t none = {0};
    if (!opts)
        opts = &none;
    sim_progress_fn progress = opts->progress;
    void *ctx = opts->progress_ctx;
    uint64_t every = opts->every ? opts->every : UINT64_MAX;
    bool degraded = opts->drop_cable || opts->drop_vertex;
    memset(rec, 0, sizeof *rec);
    topo_t built, copy;
    const topo_t *t = &built;
    sim_transfer_watch_t bg = {0, 0};
    wl_trace_t tr;
    sim_engine_t eng;
    sim_net_t net;
    sim_exec_t ex;
    int32_t *place = NULL;
    int rc = -1;
    topo_init(&built);
    topo_init(&copy);
    memset(&tr, 0, sizeof tr);
    sim_engine_init(&eng);
    memset(&net, 0, sizeof net);
    memset(&ex, 0, sizeof ex);

    if (topo_spec_build(&sc->topo, &built, err)) {
        tn_error_prefix(err, "%s: topology", sc->src);
        goto out;
    }
    if (degraded) {
        if (topo_copy_without(&built, opts->drop_vertex, opts->drop_cable, &copy, NULL, err)) {
            tn_error_prefix(err, "%s: topology", sc->src);
            goto out;
        }
        t = &copy;
    }
    if (wl_spec_build(&sc->workload, &tr, err)) {
        tn_error_prefix(err, "%s: workload", sc->src);
        goto out;
    }
    if (tr.n_ranks > t->n_gpus) {
        tn_error_set(err, TN_EINPUT, "%s: the workload has %d ranks but the fabric has only %d gpus",
                     sc->src, tr.n_ranks, t->n_gpus);
        goto out;
    }
    place = tn_malloc((size_t)tr.n_ranks * sizeof *place);
    for (int32_t r = 0; r < tr.n_ranks; r++)
        place[r] = t->gpus[r];
    sim_records_init(rec, sc->iterations, tr.n_ranks, t->n_edges);
    sim_records_describe(rec, t, place);
    sim_records_describe_trace(rec, &tr);
    if (sim_net_init(&net, &eng, t, sc->net_model, err)) {
        tn_error_prefix(err, "%s", sc->src);
        goto out;
    }
    net.shortcuts = sc->shortcuts;
    /* The network asserts that what it is given can be routed, which only
     * an intact fabric guarantees (and only between GPUs): say which
     * failure or transfer breaks that, before anything runs. */
    if (degraded && sim_transfer_check_group(&net, place, (size_t)tr.n_ranks, err)) {
        tn_error_prefix(err, "%s: on the fabric without the failed components", sc->src);
        goto out;
    }
    if (sim_transfer_check(&net, opts->background, opts->n_background, err)) {
        if (degraded)
            tn_error_prefix(err, "%s: background, on the fabric without the failed components",
                            sc->src);
        else
            tn_error_prefix(err, "%s: background", sc->src);
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
    sim_transfer_start(&net, opts->background, opts->n_background, &bg);
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
    memcpy(rec->link_bytes, net.link_bytes, (size_t)t->n_edges * sizeof *rec->link_bytes);
    memcpy(rec->link_busy_ps, net.link_busy_ps, (size_t)t->n_edges * sizeof *rec->link_busy_ps);
    /* the job finished and the engine ran dry: every transfer arrived */
    TN_ASSERT(bg.left == 0);
    if (info) {
        describe_run(&sc->workload, t, &tr, info);
        info->background_end_ps = bg.end_ps;
    }
    rc = 0;
out:
    sim_exec_destroy(&ex);
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    free(place);
    wl_trace_destroy(&tr);
    topo_destroy(&copy);
    topo_destroy(&built);
    return rc;
}
