/* tests/check_collective_tuner.c — NCCL's tuner (sim/coll/tune.h): the
 * protocol, the algorithm and the channels it picks per call, against
 * the crossings of its own time model worked by hand. */
#include <check.h>
#include <math.h>

#include "sim/coll/algo.h"
#include "sim/coll/latency.h"
#include "sim/coll/tune.h"
#include "sim/job/measure.h"
#include "topology/spec.h"
#include "tests/helpers.h"
#include "tests/tests.h"

/* One DGX A100, 8 ranks. NCCL's graph: 12 NVLinks of 20 GB/s = 240 GB/s
 * per GPU; the ring search takes 40 GB/s (the first speed of the intra
 * array), 240 / 40 = 6 channels, then duplicates them at half the speed
 * (40 >= 25): 12 channels x 20 GB/s, bus bandwidth 240 GB/s; the
 * communicator has 2 x 12 = 24 channels. Ring all-reduce on one node,
 * 14 steps, algorithm bandwidth = bus x 8/14:
 *   LL     6.6 + 14 x 0.6 = 15.0 us, min(87.7, 240/4) = 60 GB/s bus
 *   LL128  14 + 14 x 1.9 = 40.6 us,  min(240 x 0.92, 12 x 20) = 220.8
 *   Simple 8.4 + 14 x 3.4 = 56.0 us, 240
 * time = lat + bytes / (1000 bw) us; LL gives way to LL128 where the
 * lines cross (x1), LL128 to Simple at x2. The tree never wins here (its
 * LL128: 31.5 us but 220.8 x 7/9 x 0.5 x 0.6 GB/s at these sizes). */
static double cross_bytes(double lat_a, double bw_a, double lat_b, double bw_b)
{
    return (lat_b - lat_a) * 1000 / (1 / bw_a - 1 / bw_b);
}

START_TEST(tuner_protocol_by_size_dgx_a100)
{
    topo_spec_t s;
    topo_t t;
    test_fabric("{\"preset\": \"selene-a100\", \"set\": {\"servers\": 1}}", &s, &t);
    double r = 8.0 / 14, ll = 60 * r, ll128 = 220.8 * r, simple = 240 * r;
    double x1 = cross_bytes(15.0, ll, 40.6, ll128), x2 = cross_bytes(40.6, ll128, 56.0, simple);
    ck_assert(x1 > 1 << 20 && x1 < 2 << 20);   /* about 1.2 MB */
    ck_assert(x2 > 16 << 20 && x2 < 32 << 20); /* about 24 MB */
    const struct {
        double bytes;
        sim_proto_t proto;
    } want[] = {{x1 / 4, SIM_PROTO_LL}, {x1 * 0.99, SIM_PROTO_LL}, {x1 * 1.01, SIM_PROTO_LL128},
                {sqrt(x1 * x2), SIM_PROTO_LL128}, {x2 * 0.99, SIM_PROTO_LL128},
                {x2 * 1.01, SIM_PROTO_SIMPLE}, {x2 * 40, SIM_PROTO_SIMPLE}};
    sim_engine_t eng;
    sim_net_t net;
    sim_engine_init(&eng);
    ck_assert_int_eq(sim_net_init(&net, &eng, &t, SIM_NET_FLOW, NULL), 0);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_AUTO,
                                .bytes = (uint64_t)want[i].bytes};
        ck_assert_int_eq(sim_latency_apply("auto", &spec, NULL), 0);
        sim_coll_spec_t got;
        sim_coll_resolve(&net, &spec, 8, t.gpus, &got);
        ck_assert_msg(got.algo == SIM_ALGO_RING && got.proto == want[i].proto,
                      "%.0f bytes: %s/%s", want[i].bytes, sim_coll_algo_name(got.algo),
                      sim_proto_name(got.proto));
        /* the protocol's own latencies, from sim/coll/data/nccl.json */
        sim_coll_spec_t p = {0};
        ck_assert_int_eq(sim_latency_apply(sim_proto_name(want[i].proto), &p, NULL), 0);
        ck_assert_uint_eq(got.base_ps, p.base_ps);
        ck_assert_uint_eq(got.intra_step_ps, p.intra_step_ps);
        ck_assert_double_eq(got.wire_per_byte, p.wire_per_byte);
    }
    /* the model's time itself, LL128 at 4 MiB: 40.6 us + 4 MiB / 126.17 GB/s */
    sim_tuner_t tu;
    ck_assert_int_eq(sim_tuner_load(&tu, NULL), 0);
    sim_tune_graph_t g = {.gen = SIM_TUNE_AMPERE, .ranks = 8, .nodes = 1};
    sim_tune_graph(&tu, &g, 240, 240, 31.5, 25, 25, 8, false);
    ck_assert_int_eq(g.channels, 12);
    ck_assert_double_eq(g.bw, 20);
    ck_assert_int_eq(g.comm_channels, 24);
    double tm = sim_tune_time_us(&tu, &g, WL_COLL_ALLREDUCE, SIM_TUNE_RING, SIM_TUNE_LL128,
                                 4 << 20, 0);
    ck_assert_double_eq_tol(tm, 40.6 + (4 << 20) / (1000 * ll128), 1e-6);
    /* a forced protocol keeps it whatever the size; a forced algorithm too */
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_AUTO, .bytes = 1 << 10};
    ck_assert_int_eq(sim_latency_apply("simple", &spec, NULL), 0);
    sim_coll_spec_t got;
    sim_coll_resolve(&net, &spec, 8, t.gpus, &got);
    ck_assert_int_eq(got.proto, SIM_PROTO_SIMPLE);
    ck_assert_int_eq(got.algo, SIM_ALGO_RING);
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* One 8x H100 server: 18 NVLinks x 20 = 360 GB/s; ring 60 GB/s x 6
 * channels, duplicated to 12 x 30 (60 is not under Hopper's 50); NVLS one
 * channel per GPU at the first sm90 speed with 8 x speed <= 360 x 8/7:
 * 40 GB/s, 320 x 5/6 = 266.7 GB/s at 23 us. Ring LL: 15 us, min(87.7,
 * 360/4) x 8/14 = 50.1 GB/s. NVLS takes over where they cross (~490 KB). */
START_TEST(tuner_nvls_on_h100)
{
    topo_spec_t s;
    topo_t t;
    test_fabric("{\"preset\": \"ndv5-h100\", \"set\": {\"servers\": 1}}", &s, &t);
    double x = cross_bytes(15.0, 87.7 * 8 / 14, 23.0, 320.0 * 5 / 6);
    ck_assert(x > 256 << 10 && x < 512 << 10);
    sim_measure_t m;
    tn_error_t err = {0};
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_AUTO, .bytes = 256 << 10};
    ck_assert_int_eq(sim_latency_apply("auto", &spec, NULL), 0);
    ck_assert_int_eq(sim_measure_collective(&t, SIM_NET_FLOW, &spec, 8, &m, &err), 0);
    ck_assert_int_eq(m.algo, SIM_ALGO_RING);
    ck_assert_int_eq(m.proto, SIM_PROTO_LL);
    spec.bytes = 512 << 10;
    ck_assert_int_eq(sim_measure_collective(&t, SIM_NET_FLOW, &spec, 8, &m, &err), 0);
    ck_assert_int_eq(m.algo, SIM_ALGO_NVLS);
    ck_assert_int_eq(m.channels, 16); /* NCCL_NVLS_NCHANNELS */
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* NCCL's channel loop on one DGX A100 (24 channels): LL rings get a
 * threshold of 8 x 8 ranks = 64 bytes a thread, 512 threads, so a channel
 * per 32 KiB: drop channels while bytes < channels x 512 x 64. 64 KiB: 2,
 * 100000 B: 3, 1 KiB: 1. LL128 (640 threads x 8 B = 5 KiB a channel) at
 * 2 MiB: all 24. A forced count stands. */
START_TEST(tuner_channels_by_threshold)
{
    topo_spec_t s;
    topo_t t;
    test_fabric("{\"preset\": \"selene-a100\", \"set\": {\"servers\": 1}}", &s, &t);
    const struct {
        uint64_t bytes;
        const char *proto;
        int32_t channels, want;
    } cases[] = {{1024, "ll", 0, 1}, {64 << 10, "ll", 0, 2}, {100000, "ll", 0, 3},
                 {1 << 20, "ll", 0, 24}, {2 << 20, "ll128", 0, 24}, {40000, "ll128", 0, 7},
                 {64 << 10, "ll", 5, 5}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_RING,
                                .bytes = cases[i].bytes, .channels = cases[i].channels};
        ck_assert_int_eq(sim_latency_apply(cases[i].proto, &spec, NULL), 0);
        sim_measure_t m;
        tn_error_t err = {0};
        ck_assert_int_eq(sim_measure_collective(&t, SIM_NET_FLOW, &spec, 8, &m, &err), 0);
        ck_assert_msg(m.channels == cases[i].want, "%llu B %s: %d channels",
                      (unsigned long long)cases[i].bytes, cases[i].proto, m.channels);
    }
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST
Suite *collective_tuner_suite(void)
{
    Suite *s = suite_create("collective_tuner");
    TCase *tc = tcase_create("tuner");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, tuner_protocol_by_size_dgx_a100);
    tcase_add_test(tc, tuner_nvls_on_h100);
    tcase_add_test(tc, tuner_channels_by_threshold);
    suite_add_tcase(s, tc);
    return s;
}
