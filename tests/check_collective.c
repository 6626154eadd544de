/* tests/check_collective.c — collective algorithms timed alone on a
 * non-blocking switch (no two transfers of a ring share a link) and on
 * DGX A100 servers, against times that follow from formulas. NVLS and
 * the NICs: check_collective_servers.c; NCCL's tuner:
 * check_collective_tuner.c; channel bundles: check_collective_bundles.c. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/coll/algo.h"
#include "sim/coll/latency.h"
#include "sim/job/measure.h"
#include "topology/single_switch.h"
#include "topology/spec.h"
#include "tests/helpers.h"
#include "tests/tests.h"

#define BPS 100000000000ull /* 100 Gbps: a bit is 10 ps */
#define LAT 700000ull       /* 700 ns per hop */
#define PS_PER_BYTE 80ull   /* 8 bits x 10 ps */

static void one_switch(topo_t *t, int32_t n)
{
    topo_init(t);
    topo_build_single_switch(t, n, BPS, LAT);
    ck_assert_int_eq(topo_finalize(t, NULL), 0);
}

/* Ring all-reduce: 2(n-1) steps of S/n over GPU -> switch -> GPU, no
 * link shared: t = 2(n-1)(2 lat + S/n / B), exactly, and within 0.5% of
 * the textbook 2(n-1)a + 2(n-1)/n S/B; the same with the flow model. */
START_TEST(ring_allreduce_formula)
{
    static const int32_t ns[] = {8, 64, 1024};
    int32_t n = ns[_i];
    const uint64_t S = 256ull << 20;
    topo_t t;
    one_switch(&t, n);
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_RING, .bytes = S};
    sim_time_t want = 2 * (uint64_t)(n - 1) * (2 * LAT + S / (uint64_t)n * PS_PER_BYTE);
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_ANALYTIC, spec, n), want);
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_FLOW, spec, n), want);
    double a = 2 * LAT * 1e-12, B = BPS / 8.0;
    double textbook = 2.0 * (n - 1) * a + 2.0 * (n - 1) / n * S / B;
    ck_assert_double_eq_tol(want * 1e-12, textbook, textbook * 0.005);
    topo_destroy(&t);
}
END_TEST

/* Reduce-scatter and all-gather: n-1 steps of S/n. */
START_TEST(ring_half_collectives)
{
    const int32_t n = 16;
    const uint64_t S = 64ull << 20;
    topo_t t;
    one_switch(&t, n);
    sim_time_t want = (uint64_t)(n - 1) * (2 * LAT + S / n * PS_PER_BYTE);
    for (wl_coll_t op = WL_COLL_REDUCESCATTER; op <= WL_COLL_ALLGATHER; op++) {
        sim_coll_spec_t spec = {.op = op, .algo = SIM_ALGO_RING, .bytes = S};
        ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_FLOW, spec, n), want);
    }
    topo_destroy(&t);
}
END_TEST

/* Software latency: every member waits the base latency, every transfer
 * carries the per-step latency of its class (here all across servers: a
 * GPU per server). Simple protocol: 8.4 us + 2(n-1)(14 us + wire). */
START_TEST(latency_model_adds_per_step)
{
    const int32_t n = 8;
    const uint64_t S = 8ull << 20;
    topo_t t;
    one_switch(&t, n);
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_RING, .bytes = S};
    ck_assert_int_eq(sim_latency_apply("simple", &spec, NULL), 0);
    ck_assert_uint_eq(spec.base_ps, 8400000);
    ck_assert_uint_eq(spec.inter_step_ps, 14000000);
    sim_time_t want = 8400000 + 2 * (uint64_t)(n - 1) * (14000000 + 2 * LAT + S / n * PS_PER_BYTE);
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_FLOW, spec, n), want);
    /* LL: its own latencies, and twice the bytes on the wire (a 4-byte
     * flag with every 4 bytes of data); a channel (one CUDA block) writes
     * its lines at channel_gbs of data, so a step takes the longer of the
     * wire's time and the block's */
    ck_assert_int_eq(sim_latency_apply("ll", &spec, NULL), 0);
    sim_time_t wire = 2 * LAT + 2 * (S / n) * PS_PER_BYTE;
    sim_time_t pace = (sim_time_t)llround((double)(S / n) / (spec.channel_gbs * 1e9) * 1e12);
    want = 6600000 + 2 * (uint64_t)(n - 1) * (2700000 + (wire > pace ? wire : pace));
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_FLOW, spec, n), want);
    spec.channel_gbs = 0; /* the wire alone */
    want = 6600000 + 2 * (uint64_t)(n - 1) * (2700000 + wire);
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_FLOW, spec, n), want);
    tn_error_t err = {0};
    ck_assert_int_eq(sim_latency_apply("fast", &spec, &err), -1);
    topo_destroy(&t);
}
END_TEST

/* Halving-doubling: exchanges of S/2, S/4, ..., S/n and back, each one
 * transfer each way on its own links: 2 log2(n) (2 lat) + 2 S (1 - 1/n)/B. */
START_TEST(hd_allreduce_formula)
{
    const int32_t n = 16;
    const uint64_t S = 64ull << 20;
    topo_t t;
    one_switch(&t, n);
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_HD, .bytes = S};
    sim_time_t want = 2 * 4 * 2 * LAT + 2 * (S - S / n) * PS_PER_BYTE;
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_FLOW, spec, n), want);
    /* not a power of two */
    sim_measure_t m;
    tn_error_t err = {0};
    ck_assert_int_eq(sim_measure_collective(&t, SIM_NET_FLOW, &spec, 12, &m, &err), -1);
    ck_assert_str_eq(err.msg, "hd needs a power of two ranks, not 12");
    topo_destroy(&t);
}
END_TEST

/* Double binary tree on 7 ranks (depth 2), analytic: each tree moves S/2
 * in one chunk, T = 2 lat + S/(2B) per transfer. Reduce: 2 levels, 2T.
 * Broadcast: a node sends to its first child, then its second, so the
 * last leaf has it 2T per level later: 4T. In all 6T; both trees at once. */
START_TEST(tree_allreduce_formula)
{
    const int32_t n = 7;
    const uint64_t S = 64ull << 20;
    topo_t t;
    one_switch(&t, n);
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_TREE, .bytes = S};
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_ANALYTIC, spec, n),
                      6 * (2 * LAT + S / 2 * PS_PER_BYTE));
    topo_destroy(&t);
}
END_TEST

/* Direct all-to-all: every GPU sends S/n to each of the n-1 others at
 * once. With max-min sharing its uplink carries (n-1) S/n; without
 * contention (analytic) each transfer alone takes S/n. */
START_TEST(direct_alltoall_formula)
{
    const int32_t n = 8;
    const uint64_t S = 8ull << 20;
    topo_t t;
    one_switch(&t, n);
    sim_coll_spec_t spec = {.op = WL_COLL_ALLTOALL, .algo = SIM_ALGO_AUTO, .bytes = S};
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_FLOW, spec, n),
                      2 * LAT + (uint64_t)(n - 1) * (S / n) * PS_PER_BYTE);
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_ANALYTIC, spec, n), 2 * LAT + S / n * PS_PER_BYTE);
    topo_destroy(&t);
}
END_TEST

/* Broadcast as a pipelined chain of C chunks: (n - 1 + C - 1) chunk
 * times; reduce likewise, toward the root. */
START_TEST(chain_pipeline_formula)
{
    const int32_t n = 8;
    const uint64_t S = 32ull << 20, chunk = 4ull << 20;
    topo_t t;
    one_switch(&t, n);
    uint64_t C = S / chunk;
    sim_time_t want = (uint64_t)(n - 1 + C - 1) * (2 * LAT + chunk * PS_PER_BYTE);
    for (wl_coll_t op = WL_COLL_BROADCAST; op <= WL_COLL_REDUCE; op++) {
        sim_coll_spec_t spec = {.op = op, .algo = SIM_ALGO_RING, .bytes = S, .chunk_bytes = chunk,
                                .root = 3};
        ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_FLOW, spec, n), want);
    }
    topo_destroy(&t);
}
END_TEST

/* On 3 DGX A100 servers, a chain crosses between servers twice whichever
 * way it runs: broadcast from rank 0 runs 0, 1, ..., 23; reduce to rank 0
 * runs 23, 22, ..., 0, ending at the root. Same hops, same time. Chunks
 * too many to count are refused. */
START_TEST(reduce_flows_to_the_root)
{
    topo_spec_t s;
    topo_t t;
    test_fabric("{\"preset\": \"selene-a100\", \"set\": {\"servers\": 3}}", &s, &t);
    sim_coll_spec_t b = {.op = WL_COLL_BROADCAST, .algo = SIM_ALGO_RING, .bytes = 1 << 20};
    sim_coll_spec_t r = b;
    r.op = WL_COLL_REDUCE;
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_ANALYTIC, r, 24),
                      test_coll_ps(&t, SIM_NET_ANALYTIC, b, 24));
    r.bytes = 4ull << 30;
    r.chunk_bytes = 1;
    r.channels = 1;
    sim_measure_t m;
    tn_error_t err = {0};
    ck_assert_int_eq(sim_measure_collective(&t, SIM_NET_ANALYTIC, &r, 24, &m, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "more chunk steps than tensim counts"));
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* Inside a DGX-1 the ring follows the NVLinks, as NCCL's search does:
 * the hybrid cube-mesh has a cycle of double links (0-3-2-1-5-6-7-4), so
 * every hop is one NVLink cable of two 200 Gbps lanes, 100 ns, carrying
 * 0.773 x 400 = 309.2 Gbps of data: 2 x 7 x (100 ns + S/8 / 309.2 Gbps).
 * In rank order, hops 3-4 and 7-0 would cross PCIe. */
START_TEST(ring_follows_nvlink)
{
    topo_spec_t s;
    topo_t t;
    test_fabric("{\"preset\": \"azure-2020\", \"set\": {\"servers\": 1, "
                          "\"cpu_servers\": 0}}", &s, &t);
    const uint64_t S = 64ull << 20;
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_RING, .bytes = S};
    sim_time_t want = 2 * 7 * (100000 + sim_serialize_ps(S / 8, 309200000000ull));
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_ANALYTIC, spec, 8), want);
    /* the flow model divides by a rate in floating point: each of the 14
     * steps may end up to 1 ps later */
    sim_time_t flow = test_coll_ps(&t, SIM_NET_FLOW, spec, 8);
    ck_assert(flow >= want && flow <= want + 14);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* Two channels share each link with max-min fairness: each moves half the
 * data at half the rate, so the bandwidth term is unchanged and the
 * per-step latency is paid by both at once. */
START_TEST(channels_share_links)
{
    const int32_t n = 8;
    const uint64_t S = 64ull << 20;
    topo_t t;
    one_switch(&t, n);
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_RING, .bytes = S};
    sim_time_t one = test_coll_ps(&t, SIM_NET_FLOW, spec, n);
    spec.channels = 2;
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_FLOW, spec, n), one);
    topo_destroy(&t);
}
END_TEST

/* Hierarchical all-reduce on 2 DGX A100 servers (analytic: no contention):
 * a ring reduce-scatter of S over each server's NVSwitch (7 steps of S/8,
 * 2 hops of 150 ns at 2400 Gbps x 0.773 of payload = 1855.2 Gbps), a
 * 2-member ring all-reduce of S/8 per rail (2 steps of S/16 over GPU,
 * PCIe, NIC, leaf, NIC, PCIe, GPU: 6 hops of 150 ns, bottleneck the
 * 200 Gbps NIC), and an all-gather like the reduce-scatter. */
START_TEST(hier_allreduce_formula)
{
    topo_spec_t s;
    topo_t t;
    test_fabric("{\"preset\": \"selene-a100\", \"set\": {\"servers\": 2}}", &s, &t);
    const uint64_t S = 64ull << 20;
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_HIER, .bytes = S};
    /* (sim_serialize_ps: bits / rate, rounded to the picosecond) */
    uint64_t nvs_step = 2 * 150000 + sim_serialize_ps(S / 8, 1855200000000ull);
    uint64_t net_step = 6 * 150000 + sim_serialize_ps(S / 16, 200000000000ull);
    sim_time_t want = 7 * nvs_step + 2 * net_step + 7 * nvs_step;
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_ANALYTIC, spec, 16), want);
    /* the flow model too: each GPU goes through its own NIC (NCCL's NIC
     * affinity), so the 8 rails share no link; ECMP alone would send two
     * rails through one NIC of a PCIe switch's pair. Within 1 ps a step. */
    sim_time_t flow = test_coll_ps(&t, SIM_NET_FLOW, spec, 16);
    ck_assert(flow >= want && flow <= want + 16);
    /* a protocol that doubles the bytes on the wire doubles them in every
     * phase, the rails' too */
    spec.wire_per_byte = 2;
    nvs_step = 2 * 150000 + sim_serialize_ps(2 * (S / 8), 1855200000000ull);
    net_step = 6 * 150000 + sim_serialize_ps(2 * (S / 16), 200000000000ull);
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_ANALYTIC, spec, 16),
                      7 * nvs_step + 2 * net_step + 7 * nvs_step);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* The same 8 hosts, 4 per leaf, under a 1:1 leaf tier (radix 8: 4 up)
 * and a 2:1 one (radix 6: 2 up), 100 Gbps, 700 ns per hop.
 *  - Ring all-reduce: each step has exactly one transfer leaving each leaf,
 *    so an uplink never carries two: not slower at 2:1. Every step waits
 *    for the cross-leaf transfers (4 hops): 2(n-1)(4 lat + S/(n B)).
 *  - All-to-all: 4 x 4 transfers of S/8 cross each way, 2S in all; at 2:1
 *    the two uplinks carry it at most at 2B, so at least 4 lat + S/B,
 *    while at 1:1 a host's own link (7 S/8) can bound it. */
START_TEST(oversubscription_by_pattern)
{
    const uint64_t S = 64ull << 20;
    sim_time_t ring[2], a2a[2];
    for (int k = 0; k < 2; k++) {
        char doc[512];
        snprintf(doc, sizeof doc,
                 "{\"kind\": \"fat-tree\", \"servers\": 8, \"server\": {\"gpus\": 1, \"nics\": "
                 "{\"count\": 0}, \"gpu_port_bw_gbps\": 100}, \"fabric\": {\"tiers\": 2, "
                 "\"radix\": %d, \"oversubscription\": %d, \"bw_gbps\": 100, \"latency_ns\": 700}}",
                 k ? 6 : 8, k ? 2 : 1);
        topo_spec_t s;
        topo_t t;
        test_fabric(doc, &s, &t);
        ck_assert_int_eq(s.fattree.radix - 4, k ? 2 : 4); /* uplinks per leaf */
        sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_RING, .bytes = S};
        ring[k] = test_coll_ps(&t, SIM_NET_FLOW, spec, 8);
        spec = (sim_coll_spec_t){.op = WL_COLL_ALLTOALL, .algo = SIM_ALGO_DIRECT, .bytes = S};
        a2a[k] = test_coll_ps(&t, SIM_NET_FLOW, spec, 8);
        topo_destroy(&t);
        topo_spec_destroy(&s);
    }
    ck_assert_uint_eq(ring[0], 2 * 7 * (4 * LAT + S / 8 * PS_PER_BYTE));
    ck_assert_uint_eq(ring[1], ring[0]);
    ck_assert_uint_ge(a2a[0], 4 * LAT + 7 * (S / 8) * PS_PER_BYTE);
    ck_assert_uint_ge(a2a[1], 4 * LAT + S * PS_PER_BYTE);
    ck_assert_uint_gt(a2a[1], a2a[0]);
}
END_TEST

/* A forced protocol is simulated with its latencies, its wire format and
 * its channels' pace. 4 ranks on the 100 Gbps switch (a GPU per server:
 * every step crosses the network), 2 channels of S/2, one chunk a step:
 * each step moves d = S/8 per channel, 2 channels share every link (50
 * Gbps each). Simple: 8.4 us + 6 (14 us + 2 hops + d x 160 ps). LL128:
 * 14 us + 6 (4 us + max(2 hops + d x 128/120 x 160 ps, d / channel rate)),
 * at 64 MiB the channel's pace (sim/coll/data/nccl.json) is the slower. */
START_TEST(forced_protocol_ring_formula)
{
    const int32_t n = 4;
    const uint64_t S = 64ull << 20, d = S / 8;
    topo_t t;
    one_switch(&t, n);
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_RING, .bytes = S,
                            .channels = 2};
    ck_assert_int_eq(sim_latency_apply("simple", &spec, NULL), 0);
    sim_time_t want = 8400000 + 6 * (14000000 + 2 * LAT + d * 2 * PS_PER_BYTE);
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_FLOW, spec, n), want);
    ck_assert_int_eq(sim_latency_apply("ll128", &spec, NULL), 0);
    ck_assert_uint_eq(spec.base_ps, 14000000);
    ck_assert_uint_eq(spec.inter_step_ps, 4000000);
    ck_assert(spec.channel_gbs > 0);
    sim_time_t net = 2 * LAT + (sim_time_t)ceil(d * 128.0 / 120) * 2 * PS_PER_BYTE;
    sim_time_t pace = (sim_time_t)llround((double)d / (spec.channel_gbs * 1e9) * 1e12);
    ck_assert_uint_gt(pace, net);
    want = 14000000 + 6 * (4000000 + pace);
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_FLOW, spec, n), want);
    topo_destroy(&t);
}
END_TEST

Suite *collective_suite(void)
{
    Suite *s = suite_create("collective");
    TCase *tc = tcase_create("algorithms");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, ring_allreduce_formula, 0, 3);
    tcase_add_test(tc, ring_half_collectives);
    tcase_add_test(tc, latency_model_adds_per_step);
    tcase_add_test(tc, hd_allreduce_formula);
    tcase_add_test(tc, tree_allreduce_formula);
    tcase_add_test(tc, direct_alltoall_formula);
    tcase_add_test(tc, chain_pipeline_formula);
    tcase_add_test(tc, channels_share_links);
    tcase_add_test(tc, ring_follows_nvlink);
    tcase_add_test(tc, reduce_flows_to_the_root);
    tcase_add_test(tc, hier_allreduce_formula);
    tcase_add_test(tc, oversubscription_by_pattern);
    tcase_add_test(tc, forced_protocol_ring_formula);
    suite_add_tcase(s, tc);
    return s;
}
