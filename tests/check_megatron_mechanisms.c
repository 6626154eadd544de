/* tests/check_megatron_mechanisms.c — the mechanisms of the Megatron
 * generator (workloads/megatron.h), each switched on and off: blocking
 * point-to-point, all-warmup interleaving, optimizer passes, sequence
 * parallelism, gradient accumulation and selective recompute, checked by
 * the trace's dependencies, its traffic and replayed times worked by hand. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/exec/executor.h"
#include "topology/single_switch.h"
#include "workloads/megatron.h"
#include "tests/helpers.h"
#include "tests/tests.h"

/* One bit per mechanism, all at their defaults in a zeroed layout. */
static uint32_t flip(wl_mech_t k)
{
    return 1u << k;
}

/* The trace of m on ly, linted (wl_trace_lint()); fails the test on an
 * error. O(the trace). */
static void gen_linted(wl_trace_t *t, const wl_model_t *m, const wl_layout_t *ly)
{
    tn_error_t err = {0};
    ck_assert_int_eq(wl_gen_megatron(t, m, ly, NULL), 0);
    ck_assert_msg(wl_trace_lint(t, &err) == 0, "%s", err.msg);
}

static bool is_dep(const wl_program_t *p, uint32_t op)
{
    for (uint32_t i = 0; i < p->n_deps; i++)
        if (p->deps[i] == op)
            return true;
    return false;
}

/* Replays t on a single switch of t->n_ranks GPUs (analytic network, no
 * software latency); returns the first iteration's end in ps. */
static sim_time_t replay_ps(wl_trace_t *t, uint64_t bps, uint64_t lat_ps)
{
    topo_t topo;
    topo_init(&topo);
    topo_build_single_switch(&topo, t->n_ranks, bps, lat_ps);
    ck_assert_int_eq(topo_finalize(&topo, NULL), 0);
    int32_t *place = malloc((size_t)t->n_ranks * sizeof *place);
    for (int32_t r = 0; r < t->n_ranks; r++)
        place[r] = topo.gpus[r];
    sim_engine_t eng;
    sim_net_t net;
    sim_exec_t ex;
    sim_records_t rec;
    sim_engine_init(&eng);
    sim_records_init(&rec, 1, t->n_ranks, topo.n_edges);
    sim_records_describe_trace(&rec, t);
    ck_assert_int_eq(sim_net_init(&net, &eng, &topo, SIM_NET_ANALYTIC, NULL), 0);
    sim_coll_spec_t ring = {.algo = SIM_ALGO_RING, .channels = 1};
    ck_assert_int_eq(sim_exec_init(&ex, &eng, &net, t, place, 1, &ring, &rec, NULL), 0);
    sim_exec_start(&ex);
    sim_run(&eng, SIM_TIME_MAX);
    tn_error_t err = {0};
    ck_assert_msg(sim_exec_check_finished(&ex, &err) == 0, "%s", err.msg);
    sim_time_t end = rec.iter_end[0];
    sim_exec_destroy(&ex);
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    sim_records_destroy(&rec);
    topo_destroy(&topo);
    free(place);
    return end;
}

/* What blocking costs, by hand: pp 2, one layer a stage, 2 microbatches,
 * a forward F, a backward 2F, everything else free, a transfer X = 2 hops'
 * latency + 1 MiB at 100 Gbps. Posted at once, stage 0 runs F0 F1, waits
 * for stage 1's B0 gradient (F0 arrives at F + X, stage 1 computes F0 B0
 * until 4F + X, the gradient is back at 4F + 2X), B0, then B1 once its
 * gradient arrives at 7F + 2X: 9F + 2X. Blocking, stage 0's send of F1
 * (posted at 2F + X, after its send of F0 ended at F + X) pairs with stage
 * 1's send_backward_recv_forward, posted only at 4F + X: both directions
 * end at 4F + 2X, stage 1 runs F1 B1 until 7F + 2X and its gradient
 * reaches stage 0 at 7F + 3X: 9F + 3X, one transfer more. */
START_TEST(megatron_blocking_p2p_costs_a_transfer)
{
    wl_model_t m = {2, 1024, 16, 512, 32000};
    const uint64_t bps = 100000000000ull, lat = 1000000, F = 10000000; /* 1 us hops, 10 us */
    const uint64_t X = 2 * lat + (1048576ull * 8 * 1000000000000ull) / bps;
    sim_time_t end[2];
    for (int on = 0; on < 2; on++) {
        wl_layout_t ly = {.tp = 1, .pp = 2, .dp = 1, .global_batch = 2, .microbatch = 1,
                          .virtual_stages = 1, .recompute = WL_RECOMPUTE_NONE,
                          .mech_flip = flip(WL_MECH_OPTIMIZER_PASSES) |
                                       flip(WL_MECH_EMBEDDING_GRAD) |
                                       flip(WL_MECH_GRAD_ACCUMULATION) |
                                       (on ? 0 : flip(WL_MECH_BLOCKING_P2P))};
        wl_megatron_layer_t lay = wl_megatron_layer(&m, &ly);
        ck_assert_uint_eq(lay.act_bytes, 1048576);
        wl_trace_t t;
        ck_assert_int_eq(wl_gen_megatron(&t, &m, &ly, NULL), 0);
        for (int32_t p = 0; p < t.n_progs; p++)
            for (uint32_t i = 0; i < t.progs[p].n_ops; i++) {
                wl_op_t *o = &t.progs[p].ops[i];
                if (o->kind != WL_OP_COMPUTE)
                    continue;
                o->duration_ps = o->bytes == lay.fwd_traffic       ? F
                                 : o->bytes == 2 * lay.fwd_traffic ? 2 * F
                                                                   : 0;
                o->flops = 0;
                o->bytes = 0;
            }
        end[on] = replay_ps(&t, bps, lat);
        ck_assert_uint_eq(end[on], 9 * F + (2 + (uint64_t)on) * X);
        wl_trace_destroy(&t);
    }
}
END_TEST

/* Blocking p2p (3d718bfc31 schedules.py, 1F1B): pp 2, 4 microbatches.
 * Stage 0 warms up with 1 forward: send_forward(F0); then per step
 * send_forward_recv_backward(F i+1, B i) (send before receive, as
 * _communicate lists them) and, the first stage, no send backward; then
 * recv_backward(B3). Stage 1: recv_forward(F0), then per step
 * send_backward_recv_forward(B i, F i+1), the last send_backward(B3).
 * Forward tags are 2i, backward 2i+1. Every transfer is in the chain (the
 * next op waits for it); switched off, receives are posted at once and no
 * op waits for a send. */
START_TEST(megatron_blocking_p2p_order)
{
    static const int32_t want[2][8] = {{0, 2, 1, 4, 3, 6, 5, 7}, {0, 1, 2, 3, 4, 5, 6, 7}};
    static const int want_send[2][8] = {{1, 1, 0, 1, 0, 1, 0, 0}, {0, 1, 0, 1, 0, 1, 0, 1}};
    wl_model_t m = {4, 1024, 16, 512, 32000};
    for (int on = 0; on < 2; on++) {
        wl_layout_t ly = {.tp = 1, .pp = 2, .dp = 1, .global_batch = 4, .microbatch = 1,
                          .virtual_stages = 1, .recompute = WL_RECOMPUTE_NONE,
                          .mech_flip = on ? 0 : flip(WL_MECH_BLOCKING_P2P)};
        wl_trace_t t;
        gen_linted(&t, &m, &ly);
        for (int st = 0; st < 2; st++) {
            const wl_program_t *p = &t.progs[st];
            int n = 0;
            for (uint32_t i = 0; i < p->n_ops; i++) {
                const wl_op_t *o = &p->ops[i];
                if (o->kind != WL_OP_SEND && o->kind != WL_OP_RECV)
                    continue;
                ck_assert_int_lt(n, 8);
                if (on) {
                    ck_assert_int_eq(o->tag, want[st][n]);
                    ck_assert_int_eq(o->kind == WL_OP_SEND, want_send[st][n]);
                    ck_assert(is_dep(p, i));             /* the next op waits */
                    ck_assert(n == 0 && st == 1 ? o->n_deps == 0 : o->n_deps > 0);
                } else {
                    ck_assert(o->kind == WL_OP_SEND ? !is_dep(p, i) : o->n_deps == 0);
                }
                n++;
            }
            ck_assert_int_eq(n, 8);
        }
        wl_trace_destroy(&t);
    }
}
END_TEST

/* The interleaved schedule with as many microbatches as stages (pp 2,
 * v 2, 2 microbatches, 2 layers a chunk): Megatron-LM runs every forward
 * first (all_warmup_microbatches), 4 chunks x 2 layers = 8 layer forwards
 * before the first backward on both stages; without, stage 1 warms up
 * with (v - 1) pp = 2 forwards and runs a third before its first
 * backward: 6 layer forwards. Blocking or not, every send meets its
 * receive. */
START_TEST(megatron_interleaved_all_warmup)
{
    wl_model_t m = {8, 1024, 16, 512, 32000};
    for (int k = 0; k < 4; k++) {
        bool all = k & 1, blocking = k & 2;
        wl_layout_t ly = {.tp = 2, .pp = 2, .dp = 1, .global_batch = 2, .microbatch = 1,
                          .virtual_stages = 2, .schedule = WL_SCHED_INTERLEAVED,
                          .recompute = WL_RECOMPUTE_NONE,
                          .mech_flip = (all ? 0 : flip(WL_MECH_ALL_WARMUP)) |
                                       (blocking ? 0 : flip(WL_MECH_BLOCKING_P2P))};
        wl_megatron_layer_t lay = wl_megatron_layer(&m, &ly);
        wl_trace_t t;
        gen_linted(&t, &m, &ly);
        for (int st = 0; st < 2; st++) {
            const wl_program_t *p = &t.progs[st];
            int fwd = 0;
            uint64_t bwd = 2 * lay.fwd_traffic + lay.grad_acc_traffic;
            for (uint32_t i = 0; i < p->n_ops && p->ops[i].bytes != bwd; i++)
                fwd += p->ops[i].kind == WL_OP_COMPUTE && p->ops[i].bytes == lay.fwd_traffic;
            ck_assert_int_eq(fwd, all || st == 0 ? 8 : 6);
        }
        wl_trace_destroy(&t);
    }
}
END_TEST

/* The fp16 optimizer (3d718bfc31 optimizer/optimizer.py, clip_grads.py)
 * over a rank's N = (L/pp)(12 h^2 + 13 h)/tp parameters: zero and scale
 * the fp16 grads, copy them to fp32, unscale with the inf check
 * (2 + 4 + 6 + 8 = 20 bytes, 2 FLOPs a parameter), the flag all-reduced
 * over the model-parallel group (4 bytes); the norm (4 bytes, 2 FLOPs),
 * all-reduced likewise; clip, Adam, fp32 -> fp16 copy (8 + 28 + 6 = 42
 * bytes, 11 FLOPs). Switched off: one op of 28 bytes and 10 FLOPs. */
START_TEST(megatron_optimizer_passes)
{
    wl_model_t m = {8, 1024, 16, 512, 32000};
    for (int on = 0; on < 2; on++) {
        wl_layout_t ly = {.tp = 2, .pp = 2, .dp = 1, .global_batch = 2, .microbatch = 1,
                          .virtual_stages = 1, .recompute = WL_RECOMPUTE_NONE,
                          .mech_flip = on ? 0 : flip(WL_MECH_OPTIMIZER_PASSES)};
        wl_trace_t t;
        ck_assert_int_eq(wl_gen_megatron(&t, &m, &ly, NULL), 0);
        uint64_t N = 4 * (12 * 1024 * 1024 + 13 * 1024) / 2;
        ck_assert_uint_eq(wl_megatron_optimizer_params(&m, &ly), N);
        const wl_program_t *p = &t.progs[1]; /* no tied-embedding op after it */
        const wl_op_t *o = &p->ops[p->n_ops - 1];
        if (!on) {
            ck_assert(o->kind == WL_OP_COMPUTE && o->bytes == 28 * N);
            ck_assert_double_eq(o->flops, 10.0 * N);
            for (int32_t c = 0; c < t.n_comms; c++)
                ck_assert_str_ne(t.comms[c].name, "mp");
        } else {
            static const uint64_t bytes[3] = {20, 4, 42};
            static const double flops[3] = {2, 2, 11};
            for (int k = 0; k < 3; k++) {
                o = &p->ops[p->n_ops - 5 + 2 * k];
                ck_assert(o->kind == WL_OP_COMPUTE && o->bytes == bytes[k] * N);
                ck_assert_double_eq(o->flops, flops[k] * N);
                if (k < 2) {
                    const wl_op_t *a = o + 1;
                    ck_assert(a->kind == WL_OP_COLLECTIVE && a->coll == WL_COLL_ALLREDUCE &&
                              a->bytes == 4);
                    ck_assert_str_eq(t.comms[a->comm].name, "mp");
                    ck_assert_int_eq(t.comms[a->comm].group_off[1], 4); /* tp x pp ranks */
                }
            }
        }
        wl_trace_destroy(&t);
    }
}
END_TEST

/* Sequence parallelism (d63c254127 mpu/layers.py, mappings.py), tp 2,
 * one stage of L = 4 layers, selective recomputation, all-gathers (AG) and
 * reduce-scatters (RS) of b s h 16-bit values: per layer forward 2 AG
 * (column-parallel inputs) + 2 RS (row-parallel outputs); backward their
 * conjugates, 2 RS + 2 AG, and the column-parallel layers' inputs gathered
 * again for the weight gradients, 2 AG beside the backward compute (waiting
 * on what it waits on). Embedding and logits: forward the embedding's
 * all-reduce, the logits' input AG, the loss's 3 all-reduces of b s fp32;
 * backward the logits' RS and AG again, the embedding's AG (the
 * scatter's conjugate). Total AG 6L + 3, RS 4L + 1; without the weight-
 * gradient gathers AG 4L + 3. */
START_TEST(megatron_sequence_parallel_collectives)
{
    wl_model_t m = {4, 1024, 16, 512, 32000};
    uint64_t L = 4, sbh2 = 2 * 512 * 1024 * 2;
    for (int on = 0; on < 2; on++) {
        wl_layout_t ly = {.tp = 2, .pp = 1, .dp = 1, .global_batch = 2, .microbatch = 2,
                          .virtual_stages = 1, .recompute = WL_RECOMPUTE_SELECTIVE,
                          .sequence_parallel = true,
                          .mech_flip = on ? 0 : flip(WL_MECH_SP_WGRAD_GATHER)};
        wl_trace_t t;
        ck_assert_int_eq(wl_gen_megatron(&t, &m, &ly, NULL), 0);
        const wl_program_t *p = &t.progs[0];
        uint64_t ag = 0, rs = 0, ar = 0, ar_small = 0, beside = 0;
        for (uint32_t i = 0; i < p->n_ops; i++) {
            const wl_op_t *o = &p->ops[i];
            if (o->kind != WL_OP_COLLECTIVE || strcmp(t.comms[o->comm].name, "tp"))
                continue;
            if (o->coll == WL_COLL_ALLGATHER) {
                ck_assert_uint_eq(o->bytes, sbh2);
                ag++;
                /* beside the backward compute: the same single dependency */
                const wl_op_t *c = &p->ops[i - 1 - (p->ops[i - 1].kind == WL_OP_COLLECTIVE)];
                if (o->n_deps == 1 && c->kind == WL_OP_COMPUTE && c->n_deps == 1 &&
                    p->deps[c->dep_off] == p->deps[o->dep_off])
                    beside++;
            }
            rs += o->coll == WL_COLL_REDUCESCATTER && o->bytes == sbh2;
            ar += o->coll == WL_COLL_ALLREDUCE && o->bytes == sbh2;
            ar_small += o->coll == WL_COLL_ALLREDUCE && o->bytes == 2 * 512 * 4;
        }
        ck_assert_uint_eq(ag, on ? 6 * L + 3 : 4 * L + 3);
        ck_assert_uint_eq(beside, on ? 2 * L : 0);
        ck_assert_uint_eq(rs, 4 * L + 1);
        ck_assert_uint_eq(ar, 1);
        ck_assert_uint_eq(ar_small, 3);
        wl_trace_destroy(&t);
    }
}
END_TEST

/* Gradient accumulation (3d718bfc31 model/distributed.py, local DDP's
 * param hook main_grad.add_(grad)): each microbatch's layer backward also
 * reads the fresh fp16 gradient and the buffer and writes the buffer, 6
 * bytes for each of the layer's (12 h^2 + 13 h)/t parameters; with pp 1
 * (PyTorch DDP's AccumulateGrad) not on the first microbatch, which
 * only keeps its gradient. 3 microbatches, 2 layers: pp 1 has 2 layer
 * backwards without and 4 with; pp 2 (a layer a stage) all 3 with. */
START_TEST(megatron_grad_accumulation_traffic)
{
    wl_model_t m = {2, 1024, 16, 512, 32000};
    for (uint64_t pp = 1; pp <= 2; pp++) {
        wl_layout_t ly = {.tp = 2, .pp = pp, .dp = 1, .global_batch = 3, .microbatch = 1,
                          .virtual_stages = 1, .recompute = WL_RECOMPUTE_NONE};
        wl_megatron_layer_t lay = wl_megatron_layer(&m, &ly);
        uint64_t acc = 6 * ((12 * 1024 * 1024 + 13 * 1024) / 2);
        ck_assert_uint_eq(lay.grad_acc_traffic, acc);
        wl_trace_t t;
        ck_assert_int_eq(wl_gen_megatron(&t, &m, &ly, NULL), 0);
        const wl_program_t *p = &t.progs[0];
        int with = 0, without = 0;
        for (uint32_t i = 0; i < p->n_ops; i++) {
            with += p->ops[i].kind == WL_OP_COMPUTE && p->ops[i].bytes == 2 * lay.fwd_traffic + acc;
            without += p->ops[i].kind == WL_OP_COMPUTE && p->ops[i].bytes == 2 * lay.fwd_traffic;
        }
        ck_assert_int_eq(with, pp == 1 ? 4 : 3);
        ck_assert_int_eq(without, pp == 1 ? 2 : 0);
        wl_trace_destroy(&t);
        ly.mech_flip = flip(WL_MECH_GRAD_ACCUMULATION);
        ck_assert_uint_eq(wl_megatron_layer(&m, &ly).grad_acc_traffic, 0);
    }
}
END_TEST

/* Selective recomputation reruns core attention (d63c254127
 * transformer.py, checkpoint_core_attention): 4 b s^2 h / t FLOPs (QK^T
 * and attention over V), and the softmax and dropout kernels' traffic,
 * activation_traffic x the 5 a s^2 b / t bytes they store; switched off,
 * FLOPs only. */
START_TEST(megatron_selective_recompute_traffic)
{
    wl_model_t m = {2, 1024, 16, 512, 32000};
    double b = 2, s = 512, h = 1024, a = 16, T = 4, k = 3;
    for (int on = 0; on < 2; on++) {
        wl_layout_t ly = {.tp = 4, .pp = 1, .dp = 1, .global_batch = 2, .microbatch = 2,
                          .virtual_stages = 1, .recompute = WL_RECOMPUTE_SELECTIVE,
                          .activation_traffic = k,
                          .mech_flip = on ? 0 : flip(WL_MECH_SELECTIVE_TRAFFIC)};
        wl_trace_t t;
        ck_assert_int_eq(wl_gen_megatron(&t, &m, &ly, NULL), 0);
        double flops = 4 * b * s * s * h / T;
        uint64_t bytes = on ? (uint64_t)llround(k * 5 * a * s * s * b / T) : 0;
        int n = 0;
        for (uint32_t i = 0; i < t.progs[0].n_ops; i++) {
            const wl_op_t *o = &t.progs[0].ops[i];
            if (o->kind == WL_OP_COMPUTE && o->flops == flops) {
                ck_assert_uint_eq(o->bytes, bytes);
                n++;
            }
        }
        ck_assert_int_eq(n, 2); /* one per layer */
        wl_trace_destroy(&t);
    }
}
END_TEST

Suite *megatron_mechanisms_suite(void)
{
    Suite *s = suite_create("megatron_mechanisms");
    TCase *tc = tcase_create("mechanisms");
    tcase_add_test(tc, megatron_blocking_p2p_order);
    tcase_add_test(tc, megatron_blocking_p2p_costs_a_transfer);
    tcase_add_test(tc, megatron_interleaved_all_warmup);
    tcase_add_test(tc, megatron_optimizer_passes);
    tcase_add_test(tc, megatron_sequence_parallel_collectives);
    tcase_add_test(tc, megatron_selective_recompute_traffic);
    tcase_add_test(tc, megatron_grad_accumulation_traffic);
    suite_add_tcase(s, tc);
    return s;
}
