#include "plan/estimate.h"

#include <math.h>
#include <stdlib.h>

#include "sim/engine/engine.h"
#include "sim/coll/latency.h"
#include "sim/job/measure.h"
#include "sim/net/net.h"

enum { GROUP_TP, GROUP_DP, GROUP_P2P };

int plan_costs_init(plan_costs_t *c, const topo_t *t, const sim_scenario_t *sc,
                    sim_net_model_t model, tn_error_t *err)
{
    *c = (plan_costs_t){.topo = t, .model = model};
    const wl_spec_t *w = &sc->workload;
    if (!w->gpu)
        return tn_error_set(err, TN_EINPUT, "%s: workload: names no gpu", sc->src);
    if (wl_gpu_lookup(w->gpu, &w->gpu_set, &c->gpu, err)) {
        tn_error_prefix(err, "%s: workload.gpu", sc->src);
        return -1;
    }
    c->spec = (sim_coll_spec_t){.algo = sc->algorithm,
                                .chunk_bytes = sc->chunk_bytes,
                                .channels = (int32_t)sc->channels};
    TN_ASSERT(sim_latency_apply(sim_protocols[sc->protocol].name, &c->spec, NULL) == 0);
    int32_t s0 = t->server[t->gpus[0]];
    for (int32_t v = 0; v < t->n_vertices; v++) {
        if (s0 < 0 || t->server[v] != s0)
            continue;
        c->server_gpus += t->kind[v] == TOPO_GPU;
        c->nics += t->kind[v] == TOPO_NIC;
    }
    if (c->server_gpus == 0)
        c->server_gpus = 1; /* GPUs on no server: each stands alone */
    c->members = tn_malloc((size_t)t->n_gpus * sizeof *c->members);
    /* the NIC each of the first server's GPUs sends through, as the
     * network binds them (sim/net/net.h); -1 for none */
    c->nic_local = tn_malloc((size_t)c->server_gpus * sizeof *c->nic_local);
    sim_engine_t eng;
    sim_net_t net;
    sim_engine_init(&eng);
    TN_ASSERT(sim_net_init(&net, &eng, t, SIM_NET_ANALYTIC, NULL) == 0);
    for (int32_t i = 0; i < c->server_gpus; i++)
        c->nic_local[i] =
            i < t->n_gpus && t->server[t->gpus[i]] == s0 ? net.nic_of[t->gpus[i]] : -1;
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    return 0;
}

double plan_nic_share(const plan_costs_t *c, uint64_t tp)
{
    int32_t g = c->server_gpus, most = 1;
    for (int32_t i = 0; i < g; i++) {
        if (c->nic_local[i] < 0)
            continue;
        /* the distinct TP positions (DP groups) among the GPUs on i's NIC */
        int32_t groups = 0;
        for (int32_t j = 0; j < g; j++) {
            bool first = c->nic_local[j] == c->nic_local[i];
            for (int32_t k = 0; k < j && first; k++)
                first = !(c->nic_local[k] == c->nic_local[i] &&
                          (uint64_t)k % tp == (uint64_t)j % tp);
            groups += first;
        }
        most = groups > most ? groups : most;
    }
    return most;
}

void plan_costs_destroy(plan_costs_t *c)
{
    free(c->costs);
    free(c->members);
    free(c->nic_local);
    *c = (plan_costs_t){0};
}

/* Measures what is not in the table yet. */
static double measure(plan_costs_t *c, int group, wl_coll_t op, uint64_t bytes, uint64_t tp,
                      uint64_t dp)
{
    for (size_t i = 0; i < c->n_costs; i++) {
        const plan_cost_t *k = &c->costs[i];
        if (k->group == group && k->op == op && k->bytes == bytes && k->tp == tp && k->dp == dp)
            return k->s;
    }
    const topo_t *t = c->topo;
    double s;
    if (group == GROUP_P2P) {
        /* stage 0 to stage 1: dp x tp ranks apart */
        int32_t a = t->gpus[0], b = t->gpus[dp * tp];
        bool same = t->server[a] >= 0 && t->server[a] == t->server[b];
        sim_time_t ps = sim_measure_transfer(t, c->model, a, b, bytes) +
                        (same ? c->spec.intra_step_ps : c->spec.inter_step_ps);
        s = sim_time_to_s(ps);
    } else {
        int32_t n = (int32_t)(group == GROUP_TP ? tp : dp);
        for (int32_t i = 0; i < n; i++)
            c->members[i] = t->gpus[group == GROUP_TP ? (uint64_t)i : (uint64_t)i * tp];
        sim_coll_spec_t spec = c->spec;
        spec.op = op;
        spec.bytes = bytes;
        sim_measure_t out;
        s = sim_measure_collective_on(t, c->model, &spec, n, c->members, &out, NULL)
                ? INFINITY
                : sim_time_to_s(out.time_ps);
    }
    TN_GROW(c->costs, c->cap, c->n_costs + 1);
    c->costs[c->n_costs++] = (plan_cost_t){op, bytes, tp, dp, group, s};
    return s;
}

static double comp(const plan_costs_t *c, double flops, uint64_t bytes)
{
    return (double)wl_compute_ps(&c->gpu, flops, bytes) * 1e-12;
}

plan_estimate_t plan_estimate(plan_costs_t *c, const wl_model_t *m, const wl_layout_t *ly)
{
    wl_megatron_layer_t lay = wl_megatron_layer(m, ly);
    double Lp = (double)(m->layers / ly->pp), P = (double)ly->pp, v = (double)ly->virtual_stages;
    double mbs = (double)(ly->global_batch / (ly->microbatch * ly->dp));
    bool dp_leaves = ly->dp * ly->tp > (uint64_t)c->server_gpus;
    double share = dp_leaves ? plan_nic_share(c, ly->tp) : 1;
    double tpc = 0, z3 = 0;
    if (ly->tp > 1)
        tpc = ly->sequence_parallel
                  ? 2 * (measure(c, GROUP_TP, WL_COLL_ALLGATHER, lay.tp_bytes, ly->tp, ly->dp) +
                         measure(c, GROUP_TP, WL_COLL_REDUCESCATTER, lay.tp_bytes, ly->tp, ly->dp))
                  : 2 * measure(c, GROUP_TP, WL_COLL_ALLREDUCE, lay.tp_bytes, ly->tp, ly->dp);
    if (ly->zero_stage == 3 && ly->dp > 1)
        z3 = share * measure(c, GROUP_DP, WL_COLL_ALLGATHER, lay.param_bytes, ly->tp, ly->dp);
    double cf = comp(c, lay.fwd_flops, lay.fwd_traffic);
    double tf = cf + tpc + z3;
    double tb = comp(c, 2 * lay.fwd_flops, 2 * lay.fwd_traffic + lay.grad_acc_traffic) + tpc + z3;
    double ntp = 2; /* TP collective sets per layer and microbatch */
    if (ly->recompute == WL_RECOMPUTE_FULL) {
        tb += cf + tpc;
        ntp = 3;
    } else if (ly->recompute == WL_RECOMPUTE_SELECTIVE) {
        tb += comp(c, lay.recompute_flops, lay.recompute_traffic);
    }
    double logits = comp(c, lay.logits_flops, 0) + comp(c, 2 * lay.logits_flops, 0);
    if (ly->tp > 1 && wl_megatron_mech(ly, WL_MECH_TP_EMBEDDING)) {
        /* the embedding's all-reduce (first stage), the logits' input
         * collectives and the loss's three all-reduces of b s fp32 values
         * (last stage): counted on the last stage, the slower */
        double ar = measure(c, GROUP_TP, WL_COLL_ALLREDUCE, lay.tp_bytes, ly->tp, ly->dp);
        logits += 3 * measure(c, GROUP_TP, WL_COLL_ALLREDUCE, ly->microbatch * m->seq_len * 4,
                              ly->tp, ly->dp) +
                  (ly->sequence_parallel
                       ? 2 * measure(c, GROUP_TP, WL_COLL_ALLGATHER, lay.tp_bytes, ly->tp, ly->dp) +
                             measure(c, GROUP_TP, WL_COLL_REDUCESCATTER, lay.tp_bytes, ly->tp,
                                     ly->dp)
                       : ar);
    }
    double mid = Lp * (tf + tb), cmax = mid + logits, cmean = mid + logits / P;
    double p2p = ly->pp > 1 ? measure(c, GROUP_P2P, 0, lay.act_bytes, ly->tp, ly->dp) : 0;
    if (ly->pp > 1) {
        /* per microbatch a stage receives v activations and v gradients:
         * blocking, each transfer is on the compute's path; each is then
         * all-gathered over tp */
        double hop = 0;
        if (wl_megatron_mech(ly, WL_MECH_BLOCKING_P2P))
            hop += p2p;
        if (ly->tp > 1 && !ly->sequence_parallel && wl_megatron_mech(ly, WL_MECH_P2P_ALLGATHER))
            hop += measure(c, GROUP_TP, WL_COLL_ALLGATHER, lay.tp_bytes, ly->tp, ly->dp);
        cmax += 2 * v * hop;
        cmean += 2 * v * hop;
    }

    plan_estimate_t e = {0};
    e.work_s = mbs * cmax;
    e.tp_s = mbs * Lp * ntp * tpc;
    if (ly->pp > 1) /* (not 0 x an infinite cmean) */
        e.bubble_s = (P - 1) * cmean / v + 2 * (P * v - 1) * p2p;
    bool after = ly->pp > 1 && ly->zero_stage == 0 && wl_megatron_mech(ly, WL_MECH_DP_AFTER_BACKWARD);
    uint64_t emb = m->vocab * m->hidden / ly->tp * 2;
    if (ly->dp > 1 && after) {
        /* local DDP: each chunk's gradients all-reduced after the backward
         * (the first stage's first chunk with the embeddings) */
        uint64_t chunk = (uint64_t)(Lp / v) * lay.param_bytes;
        e.tail_s = share * ((v - 1) * measure(c, GROUP_DP, WL_COLL_ALLREDUCE, chunk, ly->tp, ly->dp) +
                            measure(c, GROUP_DP, WL_COLL_ALLREDUCE,
                                    chunk + emb + m->seq_len * m->hidden * 2, ly->tp, ly->dp));
    } else if (ly->dp > 1) {
        wl_coll_t op = ly->zero_stage ? WL_COLL_REDUCESCATTER : WL_COLL_ALLREDUCE;
        double tg = share * measure(c, GROUP_DP, op, lay.param_bytes, ly->tp, ly->dp);
        e.tail_s = fmax(tg, Lp * tg - (Lp - 1) * tb);
        if (ly->zero_stage == 1 || ly->zero_stage == 2)
            e.tail_s += share * measure(c, GROUP_DP, WL_COLL_ALLGATHER,
                                        (uint64_t)Lp * lay.param_bytes, ly->tp, ly->dp);
    }
    if (ly->pp > 1 && wl_megatron_mech(ly, WL_MECH_EMBEDDING_GRAD))
        e.tail_s += measure(c, GROUP_P2P, 0, emb, ly->tp, ly->dp); /* a 2-rank all-reduce */
    uint64_t params = wl_megatron_optimizer_params(m, ly);
    if (wl_megatron_mech(ly, WL_MECH_OPTIMIZER_PASSES))
        e.tail_s += comp(c, 15.0 * (double)params, 66 * params) +
                    (ly->tp > 1 ? 2 * measure(c, GROUP_TP, WL_COLL_ALLREDUCE, 4, ly->tp, ly->dp)
                                : 0);
    else
        e.tail_s += comp(c, 10.0 * (double)params, 28 * params);
    e.iter_s = e.work_s + e.bubble_s + e.tail_s;
    return e;
}
