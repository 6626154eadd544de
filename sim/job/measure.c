#include "sim/job/measure.h"

#include <stdlib.h>

#include "sim/engine/engine.h"
#include "sim/net/net.h"

typedef struct {
    int32_t left;
    sim_time_t last;
    sim_engine_t *eng;
} tally_t;

static void on_member(void *ctx, int32_t member, uint64_t tag)
{
    (void)member;
    (void)tag;
    tally_t *t = ctx;
    t->left--;
    t->last = sim_now(t->eng);
}

double sim_busbw_factor(wl_coll_t op, int32_t n)
{
    switch (op) {
    case WL_COLL_ALLREDUCE:
        return 2.0 * (n - 1) / n;
    case WL_COLL_REDUCESCATTER:
    case WL_COLL_ALLGATHER:
    case WL_COLL_ALLTOALL:
        return (double)(n - 1) / n;
    default:
        return 1.0;
    }
}

int sim_measure_collective(const topo_t *t, sim_net_model_t model, const sim_coll_spec_t *spec,
                           int32_t n, sim_measure_t *out, tn_error_t *err)
{
    if (n < 1 || n > t->n_gpus)
        return tn_error_set(err, TN_EINPUT, "ranks: %d is not from 1 to the %d gpus of the fabric",
                            n, t->n_gpus);
    return sim_measure_collective_on(t, model, spec, n, t->gpus, out, err);
}

int sim_measure_collective_on(const topo_t *t, sim_net_model_t model,
                              const sim_coll_spec_t *spec, int32_t n, const int32_t *members,
                              sim_measure_t *out, tn_error_t *err)
{
    return sim_measure_collective_mode(t, model, true, spec, n, members, out, err);
}

int sim_measure_collective_mode(const topo_t *t, sim_net_model_t model, bool shortcuts,
                                const sim_coll_spec_t *spec, int32_t n, const int32_t *members,
                                sim_measure_t *out, tn_error_t *err)
{
    if ((spec->op == WL_COLL_BROADCAST || spec->op == WL_COLL_REDUCE) &&
        (spec->root < 0 || spec->root >= n))
        return tn_error_set(err, TN_EINPUT, "root: %d is not a rank", spec->root);
    sim_engine_t eng;
    sim_net_t net;
    sim_engine_init(&eng);
    TN_ASSERT(sim_net_init(&net, &eng, t, model, NULL) == 0);
    net.shortcuts = shortcuts;
    int rc = sim_coll_check(&net, spec, n, members, err);
    if (rc == 0) {
        tally_t tally = {n, 0, &eng};
        sim_coll_t *c = sim_coll_new(&net, spec, n, members, on_member, &tally, 0);
        for (int32_t m = 0; m < n; m++)
            sim_coll_arrive(c, m);
        sim_run(&eng, SIM_TIME_MAX);
        TN_ASSERT(tally.left == 0);
        if (eng.overflowed)
            rc = tn_error_set(err, TN_EINPUT, "the collective takes longer than tensim counts");
        sim_coll_spec_t r;
        sim_coll_resolve(&net, spec, n, members, &r);
        *out = (sim_measure_t){tally.last, eng.processed, net.transfers, r.algo, r.proto,
                               r.channels};
    }
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    return rc;
}

static void on_arrived(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    *(sim_time_t *)ctx = sim_now(eng);
}

sim_time_t sim_measure_transfer(const topo_t *t, sim_net_model_t model, int32_t src, int32_t dst,
                                uint64_t bytes)
{
    sim_engine_t eng;
    sim_net_t net;
    sim_engine_init(&eng);
    TN_ASSERT(sim_net_init(&net, &eng, t, model, NULL) == 0);
    sim_time_t at = 0;
    sim_net_send(&net, src, dst, bytes, 0, 0, on_arrived, &at, 0);
    sim_run(&eng, SIM_TIME_MAX);
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    return at;
}
