/* tests/check_skeleton.c — the walking skeleton end to end: a fabric, a
 * trace, the engine, the analytic network, the ring all-reduce and the
 * executor, checked against times derived by hand. The skeleton scenario
 * run whole: check_skeleton_scenarios.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sim/exec/executor.h"
#include "sim/job/run.h"
#include "topology/single_switch.h"
#include "workloads/gen_allreduce.h"
#include "tests/helpers.h"
#include "tests/tests.h"

/* Everything one replay needs, built from a topology and a trace. */
typedef struct {
    topo_t topo;
    wl_trace_t tr;
    sim_engine_t eng;
    sim_net_t net;
    sim_exec_t ex;
    sim_records_t rec;
    int32_t *place;
} rig_t;

/* Whether rig_run() lets rings take the exact shortcut (the default), or
 * simulates every send (to count them as events). */
static bool rig_shortcuts = true;

/* Builds the rig around an already filled trace and single-switch fabric of
 * n GPUs, runs it, and returns the executor's verdict (0 finished). */
static int rig_run(rig_t *g, int32_t gpus, uint64_t bps, uint64_t lat_ps, uint64_t iters,
                   tn_error_t *err)
{
    topo_init(&g->topo);
    topo_build_single_switch(&g->topo, gpus, bps, lat_ps);
    ck_assert_int_eq(topo_finalize(&g->topo, NULL), 0);
    g->place = malloc((size_t)g->tr.n_ranks * sizeof *g->place);
    for (int32_t r = 0; r < g->tr.n_ranks; r++)
        g->place[r] = g->topo.gpus[r];
    sim_engine_init(&g->eng);
    sim_records_init(&g->rec, iters, g->tr.n_ranks, g->topo.n_edges);
    sim_records_describe_trace(&g->rec, &g->tr);
    ck_assert_int_eq(sim_net_init(&g->net, &g->eng, &g->topo, SIM_NET_ANALYTIC, NULL), 0);
    g->net.shortcuts = rig_shortcuts;
    sim_coll_spec_t ring = {.algo = SIM_ALGO_RING, .channels = 1}; /* no software latency */
    ck_assert_int_eq(
        sim_exec_init(&g->ex, &g->eng, &g->net, &g->tr, g->place, iters, &ring, &g->rec, NULL), 0);
    sim_exec_start(&g->ex);
    sim_run(&g->eng, SIM_TIME_MAX);
    g->rec.events = g->eng.processed;
    return sim_exec_check_finished(&g->ex, err);
}

static void rig_destroy(rig_t *g)
{
    sim_exec_destroy(&g->ex);
    sim_net_destroy(&g->net);
    sim_engine_destroy(&g->eng);
    sim_records_destroy(&g->rec);
    wl_trace_destroy(&g->tr);
    topo_destroy(&g->topo);
    free(g->place);
}

/* Ring all-reduce on a non-blocking switch: 2(n-1) steps, each one
 * transfer of S/n bytes over two hops (GPU -> switch -> GPU), no link
 * shared: t = 2(n-1) (2 lat + S/n * 8 / B). Exact to the picosecond, as
 * S/n is whole and each step's serialisation is whole picoseconds. */
/* One case of ring_allreduce_matches_alpha_beta, with or without the
 * exact shortcut (the same times and bytes; different events). */
static void alpha_beta_case(int32_t n, bool shortcuts)
{
    const uint64_t bps = 100000000000ull, lat = 700000; /* 100 Gbps, 700 ns */
    const uint64_t S = 256ull << 20, compute = 50000000;  /* 256 MiB, 50 us */
    rig_t g;
    wl_gen_compute_allreduce(&g.tr, n, compute, S);
    rig_shortcuts = shortcuts;
    ck_assert_int_eq(rig_run(&g, n, bps, lat, 1, NULL), 0);
    rig_shortcuts = true;
    uint64_t chunk_bits = S / (uint64_t)n * 8;
    ck_assert_uint_eq(1000000000000ull % bps, 0); /* a bit is a whole number of ps */
    uint64_t step = 2 * lat + chunk_bits * (1000000000000ull / bps);
    uint64_t want = compute + 2 * (uint64_t)(n - 1) * step;
    ck_assert_uint_eq(g.rec.iter_end[0], want);
    /* and within 0.5% of the textbook 2(n-1)a + 2(n-1)/n S/B with a = 2 lat */
    double a = 2 * lat * 1e-12, B = bps / 8.0;
    double textbook = compute * 1e-12 + 2.0 * (n - 1) * a + 2.0 * (n - 1) / n * S / B;
    ck_assert_double_eq_tol(sim_time_to_s(g.rec.iter_end[0]), textbook, textbook * 0.005);
    /* every rank sent 2(n-1) chunks of S/n bytes over 2 hops */
    uint64_t bytes = 0;
    for (int32_t e = 0; e < g.topo.n_edges; e++)
        bytes += g.net.link_bytes[e];
    ck_assert_uint_eq(bytes, 2ull * 2 * (uint64_t)(n - 1) * S);
    ck_assert_uint_eq(g.net.transfers, 2ull * (uint64_t)(n - 1) * (uint64_t)n);
    /* events: step by step, one compute and 2(n-1) transfers per rank;
     * with the shortcut, one compute per rank and one event for every
     * rank's end (all at one instant) */
    if (shortcuts)
        ck_assert_uint_eq(g.rec.events, (uint64_t)n + 1);
    else
        ck_assert_uint_eq(g.rec.events, (uint64_t)n * (1 + 2 * (uint64_t)(n - 1)));
    rig_destroy(&g);
}

START_TEST(ring_allreduce_matches_alpha_beta)
{
    static const int32_t ns[] = {8, 64, 1024};
    alpha_beta_case(ns[_i], false);
    alpha_beta_case(ns[_i], true);
}
END_TEST

/* A size that does not divide: chunks differ by one byte, and each rank
 * still sends every chunk index exactly twice (2(n-1) steps cover chunks
 * (m-k) mod n), so the bytes on the wire are 2(n-1) S per hop level. */
START_TEST(ring_allreduce_uneven_chunks)
{
    const int32_t n = 8;
    const uint64_t S = 1000003;
    rig_t g;
    wl_gen_compute_allreduce(&g.tr, n, 0, S);
    ck_assert_int_eq(rig_run(&g, n, 8000000000ull, 0, 1, NULL), 0); /* 1 byte per ns */
    uint64_t bytes = 0;
    for (int32_t e = 0; e < g.topo.n_edges; e++)
        bytes += g.net.link_bytes[e];
    ck_assert_uint_eq(bytes, 2ull * 2 * (n - 1) * S);
    /* each step waits for the largest chunk in flight to it: between
     * 2(n-1) floor(S/n) and 2(n-1) ceil(S/n) ns */
    ck_assert_uint_ge(g.rec.iter_end[0], 2ull * (n - 1) * (S / n) * 1000);
    ck_assert_uint_le(g.rec.iter_end[0], 2ull * (n - 1) * (S / n + 1) * 1000);
    rig_destroy(&g);
}
END_TEST

/* One slow rank: everyone's all-reduce waits for it. Ranks compute 10 us,
 * rank 3 computes 90 us; the ring cannot pass rank 3 before it arrives, so
 * the iteration ends at 90 us + the ring time, for every rank. */
START_TEST(late_rank_delays_everyone)
{
    const int32_t n = 8;
    const uint64_t S = 8 << 20, bps = 200000000000ull, lat = 1000000;
    rig_t g;
    wl_trace_init(&g.tr, n);
    int32_t *grp = calloc((size_t)n, sizeof *grp);
    int32_t world = wl_trace_add_comm(&g.tr, "world", 1, grp);
    free(grp);
    int32_t fast = wl_trace_add_program(&g.tr, "fast"), slow = wl_trace_add_program(&g.tr, "slow");
    for (int32_t p = fast; p <= slow; p++) {
        wl_op_t c = {.kind = WL_OP_COMPUTE, .duration_ps = p == slow ? 90000000 : 10000000};
        uint32_t ci = wl_program_add_op(&g.tr, p, &c, NULL, 0);
        wl_op_t ar = {.kind = WL_OP_COLLECTIVE, .coll = WL_COLL_ALLREDUCE, .comm = world, .bytes = S};
        wl_program_add_op(&g.tr, p, &ar, &ci, 1);
    }
    for (int32_t r = 0; r < n; r++)
        g.tr.rank_prog[r] = r == 3 ? slow : fast;
    ck_assert_int_eq(rig_run(&g, n, bps, lat, 2, NULL), 0);
    uint64_t ring = 2 * (uint64_t)(n - 1) * (2 * lat + S / n * 8 * (1000000000000ull / bps));
    ck_assert_uint_eq(g.rec.iter_end[0], 90000000 + ring);
    ck_assert_uint_eq(g.rec.iter_end[1], 2 * (90000000 + ring));
    /* the fast ranks spent the wait inside the collective: 80 us more */
    ck_assert_uint_eq(g.rec.rank_coll_ps[0], 2 * (80000000 + ring));
    ck_assert_uint_eq(g.rec.rank_coll_ps[3], 2 * ring);
    rig_destroy(&g);
}
END_TEST

/* Ranks 0-3 all-reduce on "world", ranks 4-7 never do: a deadlock that
 * must be reported with the stuck ranks and their op, not a hang. */
START_TEST(deadlock_is_reported)
{
    const int32_t n = 8;
    rig_t g;
    wl_trace_init(&g.tr, n);
    int32_t *grp = calloc((size_t)n, sizeof *grp);
    int32_t world = wl_trace_add_comm(&g.tr, "world", 1, grp);
    free(grp);
    int32_t pa = wl_trace_add_program(&g.tr, "waits"), pb = wl_trace_add_program(&g.tr, "skips");
    wl_op_t ar = {.kind = WL_OP_COLLECTIVE, .coll = WL_COLL_ALLREDUCE, .comm = world, .bytes = 64};
    wl_op_t c = {.kind = WL_OP_COMPUTE, .duration_ps = 5};
    wl_program_add_op(&g.tr, pa, &ar, NULL, 0);
    wl_program_add_op(&g.tr, pb, &c, NULL, 0);
    for (int32_t r = 0; r < n; r++)
        g.tr.rank_prog[r] = r < 4 ? pa : pb;
    tn_error_t err = {0};
    ck_assert_int_eq(rig_run(&g, n, 1000, 0, 1, &err), -1);
    ck_assert_str_eq(err.msg, "deadlock: 4 of 8 ranks never finished iteration; rank 0 in op 0 "
                              "(collective allreduce on world); rank 1 in op 0 (collective "
                              "allreduce on world); rank 2 in op 0 (collective allreduce on "
                              "world); rank 3 in op 0 (collective allreduce on world)");
    rig_destroy(&g);
}
END_TEST

/* Members that disagree on a collective's size stop the run with both
 * named. */
START_TEST(mismatched_collective_is_reported)
{
    rig_t g;
    wl_trace_init(&g.tr, 2);
    int32_t grp[2] = {0, 0};
    int32_t world = wl_trace_add_comm(&g.tr, "world", 1, grp);
    int32_t pa = wl_trace_add_program(&g.tr, "a"), pb = wl_trace_add_program(&g.tr, "b");
    wl_op_t ar = {.kind = WL_OP_COLLECTIVE, .coll = WL_COLL_ALLREDUCE, .comm = world, .bytes = 64};
    wl_program_add_op(&g.tr, pa, &ar, NULL, 0);
    ar.bytes = 128;
    wl_op_t c = {.kind = WL_OP_COMPUTE, .duration_ps = 5};
    uint32_t ci = wl_program_add_op(&g.tr, pb, &c, NULL, 0);
    wl_program_add_op(&g.tr, pb, &ar, &ci, 1);
    g.tr.rank_prog[0] = pa;
    g.tr.rank_prog[1] = pb;
    tn_error_t err = {0};
    ck_assert_int_eq(rig_run(&g, 2, 1000, 0, 1, &err), -1);
    ck_assert_str_eq(err.msg, "rank 0 (program a, op 0) and rank 1 (program b, op 1) meet in one "
                              "collective but disagree on its size");
    rig_destroy(&g);
}
END_TEST

/* 200,000 one-member all-reduces in a chain finish at the instant they
 * start: the executor must walk them in a loop, not a recursion that
 * overflows the stack. tp = 1 produces exactly such groups. */
START_TEST(long_chain_of_instant_ops)
{
    enum { OPS = 200000 };
    rig_t g;
    wl_trace_init(&g.tr, 2);
    int32_t grp[2] = {0, 1}; /* two groups of one */
    int32_t solo = wl_trace_add_comm(&g.tr, "solo", 2, grp);
    int32_t p = wl_trace_add_program(&g.tr, "chain");
    wl_op_t ar = {.kind = WL_OP_COLLECTIVE, .coll = WL_COLL_ALLREDUCE, .comm = solo, .bytes = 8};
    for (uint32_t i = 0; i < OPS; i++) {
        uint32_t dep = i - 1;
        wl_program_add_op(&g.tr, p, &ar, &dep, i ? 1 : 0);
    }
    g.tr.rank_prog[0] = g.tr.rank_prog[1] = p;
    ck_assert_int_eq(rig_run(&g, 2, 1000, 0, 2, NULL), 0);
    ck_assert_uint_eq(g.rec.iter_end[1], 0); /* no transfer: no time passes */
    ck_assert_uint_eq(g.net.transfers, 0);
    rig_destroy(&g);
}
END_TEST

/* Simulated time that would pass 2^63 ps is refused, not reported wrong. */
START_TEST(time_overflow_is_refused)
{
    const char *sets[] = {"topology.set.gpus=2", "topology.set.link.bw_gbps=1e-6",
                          "workload.ranks=2", "workload.allreduce_size_bytes=17592186044416"};
    sim_overrides_t ov = {sets, 4, false, 0};
    sim_scenario_t sc;
    sim_records_t rec;
    tn_error_t err = {0};
    ck_assert_int_eq(sim_scenario_load(&sc, "workloads/scenarios/skeleton-8gpu.json", &ov, &err), 0);
    ck_assert_int_eq(sim_run_scenario(&sc, &rec, NULL, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "the run exceeds what tensim counts"));
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
}
END_TEST

/* Two pipeline stages: rank 0 computes 10 us and sends 1 MiB (tag 7) to
 * rank 1, which receives it and computes 20 us. A transfer: 2 hops of
 * 700 ns and 1 MiB x 80 ps/byte at 100 Gbps = 85.28608 us. Iteration 1
 * ends when rank 1 finishes: 10 + 85.28608 + 20 us. In iteration 2 rank 0
 * is ready to send at 95.28608 + 10 us, but rank 1 posts its receive only
 * at 115.28608 us, so the transfer starts then: 115.28608 + 85.28608 + 20. */
START_TEST(send_recv_pipeline)
{
    rig_t g;
    wl_trace_init(&g.tr, 2);
    int32_t grp[2] = {0, 0};
    int32_t pp = wl_trace_add_comm(&g.tr, "pp", 1, grp);
    int32_t s0 = wl_trace_add_program(&g.tr, "stage0"), s1 = wl_trace_add_program(&g.tr, "stage1");
    wl_op_t c10 = {.kind = WL_OP_COMPUTE, .duration_ps = 10000000};
    wl_op_t c20 = {.kind = WL_OP_COMPUTE, .duration_ps = 20000000};
    wl_op_t send = {.kind = WL_OP_SEND, .comm = pp, .peer = 1, .tag = 7, .bytes = 1 << 20};
    wl_op_t recv = {.kind = WL_OP_RECV, .comm = pp, .peer = 0, .tag = 7, .bytes = 1 << 20};
    uint32_t a = wl_program_add_op(&g.tr, s0, &c10, NULL, 0);
    wl_program_add_op(&g.tr, s0, &send, &a, 1);
    uint32_t b = wl_program_add_op(&g.tr, s1, &recv, NULL, 0);
    wl_program_add_op(&g.tr, s1, &c20, &b, 1);
    g.tr.rank_prog[0] = s0;
    g.tr.rank_prog[1] = s1;
    ck_assert_int_eq(wl_trace_check(&g.tr, NULL), 0);
    ck_assert_int_eq(rig_run(&g, 2, 100000000000ull, 700000, 2, NULL), 0);
    uint64_t xfer = 2 * 700000 + (1u << 20) * 80ull;
    ck_assert_uint_eq(xfer, 85286080);
    ck_assert_uint_eq(g.rec.iter_end[0], 10000000 + xfer + 20000000);
    ck_assert_uint_eq(g.rec.iter_end[1], g.rec.iter_end[0] + xfer + 20000000);
    /* Where the time went. The wire moves data 2 xfer on both ranks:
     * exposed pp time. Before that each rank waits 10 us for its peer
     * once: rank 1's receive for rank 0's first send (rank 0 computes
     * 10 us), rank 0's second send for rank 1's receive (rank 1 computes
     * 20 us after rank 0's 10). Compute 2 x 10 and 2 x 20 us; nobody is
     * ever idle. Rank 0 finishes at 2 xfer + 30 us. */
    ck_assert_uint_eq(g.rec.rank_exposed_ps[0], 2 * xfer);
    ck_assert_uint_eq(g.rec.rank_exposed_ps[1], 2 * xfer);
    ck_assert_uint_eq(g.rec.rank_wait_ps[0], 10000000);
    ck_assert_uint_eq(g.rec.rank_wait_ps[1], 10000000);
    ck_assert_uint_eq(g.rec.rank_compute_ps[0], 20000000);
    ck_assert_uint_eq(g.rec.rank_compute_ps[1], 40000000);
    ck_assert_uint_eq(g.rec.rank_idle_ps[0] + g.rec.rank_idle_ps[1], 0);
    ck_assert_uint_eq(g.rec.rank_end_ps[0], 2 * xfer + 30000000);
    ck_assert_uint_eq(g.rec.rank_end_ps[1], g.rec.iter_end[1]);
    rig_destroy(&g);

    /* a receive that no send matches: a deadlock naming the op */
    wl_trace_init(&g.tr, 2);
    pp = wl_trace_add_comm(&g.tr, "pp", 1, grp);
    s0 = wl_trace_add_program(&g.tr, "idle");
    s1 = wl_trace_add_program(&g.tr, "waits");
    wl_program_add_op(&g.tr, s0, &c10, NULL, 0);
    wl_program_add_op(&g.tr, s1, &recv, NULL, 0);
    g.tr.rank_prog[0] = s0;
    g.tr.rank_prog[1] = s1;
    tn_error_t err = {0};
    ck_assert_int_eq(rig_run(&g, 2, 100000000000ull, 700000, 1, &err), -1);
    ck_assert_str_eq(err.msg, "deadlock: 1 of 2 ranks never finished iteration; rank 1 in op 0 "
                              "(recv on pp)");
    rig_destroy(&g);
}
END_TEST

/* 1F1B on two stages by hand: 3 microbatches, forward 10 us, backward
 * 20 us on both stages, activations and gradients of 64 KiB over one
 * 100 Gbps switch (c = 2 x 700 ns + 65536 x 80 ps = 6.64288 us). Stage 0
 * runs F1 F2 B1 F3 B2 B3 (one warm-up forward), stage 1 F1 B1 F2 B2 F3 B3.
 * Walking the schedule, the critical path is F1 c F1' B1' c B1 F3 c F3'
 * B3' c B3 = 4 tf + 4 tb + 4 c = (m + p - 1)(tf + tb) + 4 c = 146.57152 us,
 * and stage 1 is done when its last gradient arrives, c + tb earlier. */
START_TEST(one_f_one_b_by_hand)
{
    enum { M = 3 };
    rig_t g;
    wl_trace_init(&g.tr, 2);
    int32_t grp[2] = {0, 0};
    int32_t pp = wl_trace_add_comm(&g.tr, "pp", 1, grp);
    int32_t s0 = wl_trace_add_program(&g.tr, "stage0"), s1 = wl_trace_add_program(&g.tr, "stage1");
    const uint64_t tf = 10000000, tb = 20000000, bytes = 65536;
    wl_op_t f = {.kind = WL_OP_COMPUTE, .duration_ps = tf};
    wl_op_t b = {.kind = WL_OP_COMPUTE, .duration_ps = tb};
    uint32_t recv_g[M], recv_a[M], prev, d[2];
    for (int i = 0; i < M; i++) {
        wl_op_t rg = {.kind = WL_OP_RECV, .comm = pp, .peer = 1, .tag = 100 + i, .bytes = bytes};
        wl_op_t ra = {.kind = WL_OP_RECV, .comm = pp, .peer = 0, .tag = i, .bytes = bytes};
        recv_g[i] = wl_program_add_op(&g.tr, s0, &rg, NULL, 0);
        recv_a[i] = wl_program_add_op(&g.tr, s1, &ra, NULL, 0);
    }
    /* stage 0: F1 F2 B1 F3 B2 B3; a forward sends its activations, a
     * backward needs its gradients */
    static const struct {
        bool fwd;
        int mb;
    } order0[2 * M] = {{true, 0}, {true, 1}, {false, 0}, {true, 2}, {false, 1}, {false, 2}};
    prev = 0;
    for (int k = 0; k < 2 * M; k++) {
        int mb = order0[k].mb;
        d[0] = prev;
        d[1] = recv_g[mb];
        if (order0[k].fwd) {
            prev = wl_program_add_op(&g.tr, s0, &f, d, k ? 1 : 0);
            wl_op_t sa = {.kind = WL_OP_SEND, .comm = pp, .peer = 1, .tag = mb, .bytes = bytes};
            wl_program_add_op(&g.tr, s0, &sa, &prev, 1);
        } else {
            prev = wl_program_add_op(&g.tr, s0, &b, d, 2);
        }
    }
    /* stage 1: F B per microbatch; a backward sends its gradients */
    for (int i = 0; i < M; i++) {
        d[0] = recv_a[i];
        d[1] = prev;
        prev = wl_program_add_op(&g.tr, s1, &f, d, i ? 2 : 1);
        prev = wl_program_add_op(&g.tr, s1, &b, &prev, 1);
        wl_op_t sg = {.kind = WL_OP_SEND, .comm = pp, .peer = 0, .tag = 100 + i, .bytes = bytes};
        wl_program_add_op(&g.tr, s1, &sg, &prev, 1);
    }
    g.tr.rank_prog[0] = s0;
    g.tr.rank_prog[1] = s1;
    ck_assert_int_eq(wl_trace_check(&g.tr, NULL), 0);
    ck_assert_int_eq(rig_run(&g, 2, 100000000000ull, 700000, 1, NULL), 0);
    const uint64_t c = 2 * 700000 + bytes * 80;
    ck_assert_uint_eq(c, 6642880);
    ck_assert_uint_eq(g.rec.iter_end[0], (M + 2 - 1) * (tf + tb) + 4 * c);
    ck_assert_uint_eq(g.rec.iter_end[0], 146571520);
    ck_assert_uint_eq(g.rec.rank_end_ps[0], g.rec.iter_end[0]);
    ck_assert_uint_eq(g.rec.rank_end_ps[1], g.rec.iter_end[0] - tb);
    rig_destroy(&g);
}
END_TEST

/* An all-reduce (85.28608 us on 2 ranks at 100 Gbps, as in the pipeline
 * test) that runs beside 1 ms of compute leaves no communication exposed;
 * the same all-reduce with nothing to overlap is exposed whole. */
START_TEST(hidden_communication_is_not_exposed)
{
    for (int overlap = 1; overlap >= 0; overlap--) {
        rig_t g;
        wl_trace_init(&g.tr, 2);
        int32_t grp[2] = {0, 0};
        int32_t dp = wl_trace_add_comm(&g.tr, "dp", 1, grp);
        int32_t p = wl_trace_add_program(&g.tr, "p");
        wl_op_t c10 = {.kind = WL_OP_COMPUTE, .duration_ps = 10000000};
        wl_op_t c1m = {.kind = WL_OP_COMPUTE, .duration_ps = 1000000000};
        wl_op_t ar = {.kind = WL_OP_COLLECTIVE, .coll = WL_COLL_ALLREDUCE, .comm = dp,
                      .bytes = 2 << 20};
        uint32_t a = wl_program_add_op(&g.tr, p, &c10, NULL, 0);
        uint32_t r = wl_program_add_op(&g.tr, p, &ar, &a, 1);
        wl_program_add_op(&g.tr, p, &c1m, overlap ? &a : &r, 1);
        g.tr.rank_prog[0] = g.tr.rank_prog[1] = p;
        ck_assert_int_eq(rig_run(&g, 2, 100000000000ull, 700000, 1, NULL), 0);
        /* ring on 2 ranks: 2 steps of 1 MiB, 2 hops each */
        uint64_t coll = 2 * (2 * 700000 + (1u << 20) * 80ull);
        for (int k = 0; k < 2; k++) {
            ck_assert_uint_eq(g.rec.rank_exposed_ps[k], overlap ? 0 : coll);
            ck_assert_uint_eq(g.rec.rank_wait_ps[k] + g.rec.rank_idle_ps[k], 0);
            ck_assert_uint_eq(g.rec.rank_end_ps[k], 1010000000 + (overlap ? 0 : coll));
        }
        rig_destroy(&g);
    }
}
END_TEST

/* ranks.csv's collectives_s (rank_coll_ps) on two ranks whose receives
 * are posted at t=0, as Megatron's are, 64 KiB over 100 Gbps and 500 ns
 * hops: T = 2 x 500 ns + 65536 x 8 x 10 ps = 6.24288 us. Rank 0 computes
 * 10 us, sends (tag 0), computes 10 us more, sends (tag 1). Rank 1 waits
 * for the first message, computes A (10 us), then B (10 us) once the
 * second is there. Rank 1: waiting 0-10 us, receiving 10-10+T, A until
 * 20+T, the second message moving 20-20+T under A, B until 30+T. Its
 * communication is under way 10 + 2T (the wait, both transfers), not
 * (10+T) + (20+T) counted from each posting, which would pass its run of
 * 30+T; the second transfer, hidden under A, is in both compute and
 * collectives. Rank 0: both transfers, 2T. */
START_TEST(recvs_posted_ahead_count_once)
{
    rig_t g;
    wl_trace_init(&g.tr, 2);
    int32_t grp[2] = {0, 0};
    int32_t pp = wl_trace_add_comm(&g.tr, "pp", 1, grp);
    int32_t s0 = wl_trace_add_program(&g.tr, "stage0"), s1 = wl_trace_add_program(&g.tr, "stage1");
    const uint64_t us10 = 10000000, T = 2 * 500000 + 65536ull * 8 * 10;
    wl_op_t c = {.kind = WL_OP_COMPUTE, .duration_ps = us10};
    wl_op_t send = {.kind = WL_OP_SEND, .comm = pp, .peer = 1, .bytes = 65536};
    wl_op_t recv = {.kind = WL_OP_RECV, .comm = pp, .peer = 0, .bytes = 65536};
    uint32_t c1 = wl_program_add_op(&g.tr, s0, &c, NULL, 0);
    wl_program_add_op(&g.tr, s0, &send, &c1, 1);
    uint32_t c2 = wl_program_add_op(&g.tr, s0, &c, &c1, 1);
    send.tag = 1;
    wl_program_add_op(&g.tr, s0, &send, &c2, 1);
    uint32_t r0 = wl_program_add_op(&g.tr, s1, &recv, NULL, 0);
    recv.tag = 1;
    uint32_t r1 = wl_program_add_op(&g.tr, s1, &recv, NULL, 0);
    uint32_t a = wl_program_add_op(&g.tr, s1, &c, &r0, 1);
    uint32_t before_b[2] = {r1, a};
    wl_program_add_op(&g.tr, s1, &c, before_b, 2);
    g.tr.rank_prog[0] = s0;
    g.tr.rank_prog[1] = s1;
    ck_assert_int_eq(wl_trace_check(&g.tr, NULL), 0);
    ck_assert_int_eq(rig_run(&g, 2, 100000000000ull, 500000, 1, NULL), 0);
    ck_assert_uint_eq(g.rec.rank_end_ps[1], 3 * us10 + T);
    ck_assert_uint_eq(g.rec.rank_end_ps[0], 2 * us10 + T);
    ck_assert_uint_eq(g.rec.rank_coll_ps[1], us10 + 2 * T);
    ck_assert_uint_eq(g.rec.rank_coll_ps[0], 2 * T);
    for (int r = 0; r < 2; r++) {
        /* within the run; what is not hidden under compute is the
         * breakdown's exposed and waiting time */
        ck_assert_uint_le(g.rec.rank_coll_ps[r], g.rec.rank_end_ps[r]);
        sim_time_t open = g.rec.rank_exposed_ps[r] + g.rec.rank_wait_ps[r];
        ck_assert_uint_eq(g.rec.rank_compute_ps[r] + open + g.rec.rank_idle_ps[r],
                          g.rec.rank_end_ps[r]);
        ck_assert_uint_le(open, g.rec.rank_coll_ps[r]);
    }
    ck_assert_uint_eq(g.rec.rank_exposed_ps[1] + g.rec.rank_wait_ps[1], us10 + T);
    rig_destroy(&g);
}
END_TEST

Suite *skeleton_suite(void)
{
    Suite *s = suite_create("skeleton");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, ring_allreduce_matches_alpha_beta, 0, 3);
    tcase_add_test(tc, ring_allreduce_uneven_chunks);
    tcase_add_test(tc, late_rank_delays_everyone);
    tcase_add_test(tc, deadlock_is_reported);
    tcase_add_test(tc, mismatched_collective_is_reported);
    tcase_add_test(tc, send_recv_pipeline);
    tcase_add_test(tc, recvs_posted_ahead_count_once);
    tcase_add_test(tc, one_f_one_b_by_hand);
    tcase_add_test(tc, hidden_communication_is_not_exposed);
    tcase_add_test(tc, long_chain_of_instant_ops);
    tcase_add_test(tc, time_overflow_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
