/* tests/check_collective.c — collective algorithms timed alone on fabrics
 * whose times follow from formulas: a non-blocking switch (no two
 * transfers of a ring share a link), DGX A100 servers. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/coll/algo.h"
#include "sim/coll/tune.h"
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

static sim_time_t run(const topo_t *t, sim_net_model_t model, sim_coll_spec_t spec, int32_t n)
{
    if (spec.channels == 0)
        spec.channels = 1;
    sim_measure_t m;
    tn_error_t err = {0};
    ck_assert_msg(sim_measure_collective(t, model, &spec, n, &m, &err) == 0, "%s", err.msg);
    return m.time_ps;
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
    ck_assert_uint_eq(run(&t, SIM_NET_ANALYTIC, spec, n), want);
    ck_assert_uint_eq(run(&t, SIM_NET_FLOW, spec, n), want);
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
        ck_assert_uint_eq(run(&t, SIM_NET_FLOW, spec, n), want);
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
    ck_assert_uint_eq(run(&t, SIM_NET_FLOW, spec, n), want);
    /* LL: its own latencies, and twice the bytes on the wire (a 4-byte
     * flag with every 4 bytes of data); a channel (one CUDA block) writes
     * its lines at channel_gbs of data, so a step takes the longer of the
     * wire's time and the block's */
    ck_assert_int_eq(sim_latency_apply("ll", &spec, NULL), 0);
    sim_time_t wire = 2 * LAT + 2 * (S / n) * PS_PER_BYTE;
    sim_time_t pace = (sim_time_t)llround((double)(S / n) / (spec.channel_gbs * 1e9) * 1e12);
    want = 6600000 + 2 * (uint64_t)(n - 1) * (2700000 + (wire > pace ? wire : pace));
    ck_assert_uint_eq(run(&t, SIM_NET_FLOW, spec, n), want);
    spec.channel_gbs = 0; /* the wire alone */
    want = 6600000 + 2 * (uint64_t)(n - 1) * (2700000 + wire);
    ck_assert_uint_eq(run(&t, SIM_NET_FLOW, spec, n), want);
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
    ck_assert_uint_eq(run(&t, SIM_NET_FLOW, spec, n), want);
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
    ck_assert_uint_eq(run(&t, SIM_NET_ANALYTIC, spec, n), 6 * (2 * LAT + S / 2 * PS_PER_BYTE));
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
    ck_assert_uint_eq(run(&t, SIM_NET_FLOW, spec, n),
                      2 * LAT + (uint64_t)(n - 1) * (S / n) * PS_PER_BYTE);
    ck_assert_uint_eq(run(&t, SIM_NET_ANALYTIC, spec, n), 2 * LAT + S / n * PS_PER_BYTE);
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
        ck_assert_uint_eq(run(&t, SIM_NET_FLOW, spec, n), want);
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
    ck_assert_uint_eq(run(&t, SIM_NET_ANALYTIC, r, 24), run(&t, SIM_NET_ANALYTIC, b, 24));
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
    ck_assert_uint_eq(run(&t, SIM_NET_ANALYTIC, spec, 8), want);
    /* the flow model divides by a rate in floating point: each of the 14
     * steps may end up to 1 ps later */
    sim_time_t flow = run(&t, SIM_NET_FLOW, spec, 8);
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
    sim_time_t one = run(&t, SIM_NET_FLOW, spec, n);
    spec.channels = 2;
    ck_assert_uint_eq(run(&t, SIM_NET_FLOW, spec, n), one);
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
    ck_assert_uint_eq(run(&t, SIM_NET_ANALYTIC, spec, 16), want);
    /* the flow model too: each GPU goes through its own NIC (NCCL's NIC
     * affinity), so the 8 rails share no link; ECMP alone would send two
     * rails through one NIC of a PCIe switch's pair. Within 1 ps a step. */
    sim_time_t flow = run(&t, SIM_NET_FLOW, spec, 16);
    ck_assert(flow >= want && flow <= want + 16);
    /* a protocol that doubles the bytes on the wire doubles them in every
     * phase, the rails' too */
    spec.wire_per_byte = 2;
    nvs_step = 2 * 150000 + sim_serialize_ps(2 * (S / 8), 1855200000000ull);
    net_step = 6 * 150000 + sim_serialize_ps(2 * (S / 16), 200000000000ull);
    ck_assert_uint_eq(run(&t, SIM_NET_ANALYTIC, spec, 16), 7 * nvs_step + 2 * net_step + 7 * nvs_step);
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
        ring[k] = run(&t, SIM_NET_FLOW, spec, 8);
        spec = (sim_coll_spec_t){.op = WL_COLL_ALLTOALL, .algo = SIM_ALGO_DIRECT, .bytes = S};
        a2a[k] = run(&t, SIM_NET_FLOW, spec, 8);
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

/* One 8x H100 server (ndv5-h100): its NVSwitch reduces in the network.
 * GPU <-> switch: 3600 Gbps x 0.773 payload = 2782.8 Gbps, 150 ns. */
#define H100_BPS 2782800000000ull
#define H100_HOP 150000ull

static void h100_server(topo_spec_t *s, topo_t *t)
{
    test_fabric("{\"preset\": \"ndv5-h100\", \"set\": {\"servers\": 1}}", s, t);
}

/* NVLS with one chunk per shard and no contention (analytic): the call's
 * latency, then four transfers one after another (the copies up, the sum
 * down to the owner, its store up, the multicast down), each one hop of
 * S/n bytes, sent as S/n / efficiency bytes on the wire. */
START_TEST(nvls_one_chunk_formula)
{
    topo_spec_t s;
    topo_t t;
    h100_server(&s, &t);
    const uint64_t S = 64ull << 20;
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_NVLS, .bytes = S};
    ck_assert_int_eq(sim_latency_apply("simple", &spec, NULL), 0);
    ck_assert_uint_eq(spec.nvls_base_ps, 23000000);
    spec.chunk_bytes = S / 8; /* one chunk per shard */
    uint64_t wire = (uint64_t)ceil((double)(S / 8) / spec.nvls_efficiency);
    sim_time_t want = 23000000 + 4 * (H100_HOP + sim_serialize_ps(wire, H100_BPS));
    ck_assert_uint_eq(run(&t, SIM_NET_ANALYTIC, spec, 8), want);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* NVLS pipelined (flow model, no software latency): each GPU's link
 * carries S (1 + 1/n) each way, so a large all-reduce takes
 * S (1 + 1/n) / (efficiency B) plus the pipeline's fill (a chunk's load
 * and its store's two hops: about 3 chunk-times of 64, under 5%). A ring
 * carries 2 S (n-1)/n: NVLS must be faster by about that ratio. */
START_TEST(nvls_streams_at_link_rate)
{
    topo_spec_t s;
    topo_t t;
    h100_server(&s, &t);
    const uint64_t S = 1ull << 30;
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_AUTO, .bytes = S};
    ck_assert_int_eq(sim_latency_apply("none", &spec, NULL), 0);
    ck_assert_uint_eq(spec.nvls_base_ps, 0); /* none: no software latency, NVLS's neither */
    double floor_ps = (double)S * 9 / 8 * 8 / spec.nvls_efficiency / (double)H100_BPS * 1e12;
    double got = (double)run(&t, SIM_NET_FLOW, spec, 8);
    ck_assert_msg(got >= floor_ps && got <= floor_ps * 1.05, "%.0f ps against %.0f", got, floor_ps);
    spec.algo = SIM_ALGO_RING;
    double ring = (double)run(&t, SIM_NET_FLOW, spec, 8);
    double ring_floor = (double)S * 2 * 7 / 8 * 8 / (double)H100_BPS * 1e12;
    ck_assert(ring >= ring_floor && ring <= ring_floor * 1.01);
    /* (9/8) / efficiency against 14/8: NVLS takes at most 0.75 of the ring */
    ck_assert(got < 0.75 * ring);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* auto runs NVLS only where the switch reduces: H100's, not A100's, and
 * asking for nvls elsewhere is an error that says why. */
START_TEST(nvls_only_on_a_sharp_switch)
{
    topo_spec_t s;
    topo_t t;
    h100_server(&s, &t);
    sim_net_t net;
    sim_engine_t eng;
    sim_engine_init(&eng);
    ck_assert_int_eq(sim_net_init(&net, &eng, &t, SIM_NET_FLOW, NULL), 0);
    sim_coll_spec_t ar = {.op = WL_COLL_ALLREDUCE, .bytes = 1 << 20}, ag = ar;
    ag.op = WL_COLL_ALLGATHER;
    ck_assert_int_eq(sim_coll_pick(&net, &ar, 8, t.gpus), SIM_ALGO_NVLS);
    ck_assert_int_eq(sim_coll_pick(&net, &ag, 8, t.gpus), SIM_ALGO_RING);
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    topo_destroy(&t);
    topo_spec_destroy(&s);

    test_fabric("{\"preset\": \"selene-a100\", \"set\": {\"servers\": 1}}", &s, &t);
    sim_engine_init(&eng);
    ck_assert_int_eq(sim_net_init(&net, &eng, &t, SIM_NET_FLOW, NULL), 0);
    ck_assert_int_eq(sim_coll_pick(&net, &ar, 8, t.gpus), SIM_ALGO_RING);
    sim_coll_spec_t spec = {
        .op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_NVLS, .bytes = 1024, .channels = 1};
    tn_error_t err = {0};
    ck_assert_int_eq(sim_coll_check(&net, &spec, 8, t.gpus, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "nvls needs every rank on one NVSwitch"));
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* Each GPU's NIC is its nearest: one on its own PCIe switch, whatever the
 * NICs' order. Here NIC 0 hangs off switch 1 and NIC 1 off switch 0, so
 * GPUs 0-1 (switch 0) use NIC 1 and GPUs 2-3 use NIC 0 (by order alone
 * GPU 0 would take NIC 0, across the socket). */
START_TEST(gpus_use_their_nearest_nic)
{
    topo_spec_t s;
    topo_t t;
    test_fabric("{\"kind\": \"fat-tree\", \"servers\": 2, \"server\": {\"gpus\": 4, \"pcie\": "
                "{\"switches\": 2, \"bw_gbps\": 252, \"latency_ns\": 150, \"gpus\": [0, 0, 1, 1], "
                "\"sockets\": [0, 0]}, \"cpu\": {\"sockets\": 1, \"cores_per_socket\": 8}, "
                "\"nics\": {\"count\": 2, \"bw_gbps\": 200, \"latency_ns\": 150, \"pcie\": [1, 0]}}, "
                "\"fabric\": {\"tiers\": 2, \"radix\": 8, \"bw_gbps\": 200, \"latency_ns\": 150}}",
                &s, &t);
    sim_engine_t eng;
    sim_net_t net;
    sim_engine_init(&eng);
    ck_assert_int_eq(sim_net_init(&net, &eng, &t, SIM_NET_FLOW, NULL), 0);
    int32_t nic[2], k = 0;
    for (int32_t v = 0; v < t.n_vertices && k < 2; v++)
        if (t.kind[v] == TOPO_NIC && t.server[v] == t.server[t.gpus[0]])
            nic[k++] = v;
    ck_assert_int_eq(k, 2);
    ck_assert_int_eq(net.nic_of[t.gpus[0]], nic[1]);
    ck_assert_int_eq(net.nic_of[t.gpus[1]], nic[1]);
    ck_assert_int_eq(net.nic_of[t.gpus[2]], nic[0]);
    ck_assert_int_eq(net.nic_of[t.gpus[3]], nic[0]);
    ck_assert_int_eq(net.nic_of[nic[0]], -1);
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* Across servers, auto takes the ring or hier by tensim's own estimate
 * (NCCL's model assumes rail-aligned rings, which tensim's are not), then
 * NCCL's protocol and channels for it. Two DGX A100 (16 ranks, 8 NICs of
 * 200 Gbps = 25 GB/s each). At 64 KiB hier: the ring's 30 steps of 14 us
 * against hier's 14 x 3.4 + 2 x 14 us; NCCL's tree model then takes LL:
 * latency 6.8 + 2 (7 x 0.6 + log2(2) x 5.0) = 25.2 us, bandwidth
 * min(192 x 0.92 / 3.8, 39.0) x 0.5 x 0.6 = 11.7 GB/s (8 channels x
 * 24 GB/s, the tree correction at log2(64 KiB / 64) = 10), against
 * LL128's 14 + 2 (7 x 1.25 + 8.5) = 48.5 us. At 1 GiB the ring (its
 * bandwidth over 8 NICs beats hier's rails plus NVLink phases) with
 * Simple: (8.4 + 26 x 3.4 + 4 x 14) x 1.4 = 213.9 us + 1 GiB at 192 x
 * 16/30 GB/s, against LL128's 79.4 us + 1 GiB at 160 x 16/30; all 16
 * channels. With one ring per GPU of a server, each entering a server at
 * a different GPU, every NIC carries one: the bus bandwidth reaches 95% of
 * the NICs' 8 x 25 GB/s. */
START_TEST(ring_across_servers_uses_every_nic)
{
    topo_spec_t s;
    topo_t t;
    test_fabric("{\"preset\": \"selene-a100\", \"set\": {\"servers\": 2}}", &s, &t);
    sim_engine_t eng;
    sim_net_t net;
    sim_engine_init(&eng);
    ck_assert_int_eq(sim_net_init(&net, &eng, &t, SIM_NET_FLOW, NULL), 0);
    sim_coll_spec_t big = {.op = WL_COLL_ALLREDUCE, .bytes = 1ull << 30}, small = big;
    ck_assert_int_eq(sim_latency_apply("auto", &big, NULL), 0);
    small = big;
    small.bytes = 64ull << 10;
    sim_coll_spec_t r;
    sim_coll_resolve(&net, &big, 16, t.gpus, &r);
    ck_assert_int_eq(r.algo, SIM_ALGO_RING);
    ck_assert_int_eq(r.proto, SIM_PROTO_SIMPLE);
    ck_assert_int_eq(r.channels, 16); /* 2 x 8 graph channels, all of them at 1 GiB */
    sim_coll_resolve(&net, &small, 16, t.gpus, &r);
    ck_assert_int_eq(r.algo, SIM_ALGO_HIER);
    ck_assert_int_eq(r.proto, SIM_PROTO_LL);
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_AUTO, .bytes = 1ull << 30,
                            .channels = 1};
    ck_assert_int_eq(sim_latency_apply("simple", &spec, NULL), 0);
    /* a forced single channel still becomes a ring per GPU of a server */
    double secs = (double)run(&t, SIM_NET_FLOW, spec, 16) * 1e-12;
    double busbw = (double)spec.bytes / secs * 2 * 15 / 16;
    ck_assert_msg(busbw <= 200e9 && busbw >= 0.95 * 200e9, "%.4g B/s", busbw);
    /* one channel, the ranks' order: one NIC pair carries it all */
    spec.algo = SIM_ALGO_RING;
    secs = (double)run(&t, SIM_NET_FLOW, spec, 16) * 1e-12;
    ck_assert((double)spec.bytes / secs * 2 * 15 / 16 <= 25e9);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* ---- NCCL's tuner (sim/coll/tune.h) ---- */

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
    sim_tune_graph_t g = {.gen = SIM_TUNE_AMPERE, .ranks = 8, .nodes = 1};
    sim_tune_graph(net.tuner, &g, 240, 240, 31.5, 25, 25, 8, false);
    ck_assert_int_eq(g.channels, 12);
    ck_assert_double_eq(g.bw, 20);
    ck_assert_int_eq(g.comm_channels, 24);
    double tm = sim_tune_time_us(net.tuner, &g, WL_COLL_ALLREDUCE, SIM_TUNE_RING, SIM_TUNE_LL128,
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
    ck_assert_uint_eq(run(&t, SIM_NET_FLOW, spec, n), want);
    ck_assert_int_eq(sim_latency_apply("ll128", &spec, NULL), 0);
    ck_assert_uint_eq(spec.base_ps, 14000000);
    ck_assert_uint_eq(spec.inter_step_ps, 4000000);
    ck_assert(spec.channel_gbs > 0);
    sim_time_t net = 2 * LAT + (sim_time_t)ceil(d * 128.0 / 120) * 2 * PS_PER_BYTE;
    sim_time_t pace = (sim_time_t)llround((double)d / (spec.channel_gbs * 1e9) * 1e12);
    ck_assert_uint_gt(pace, net);
    want = 14000000 + 6 * (4000000 + pace);
    ck_assert_uint_eq(run(&t, SIM_NET_FLOW, spec, n), want);
    topo_destroy(&t);
}
END_TEST

/* ---- channel bundles: the same times as one ring per channel ---- */

typedef struct {
    sim_engine_t *eng;
    sim_net_t *net;
    sim_time_t at[64];     /* by member: when it finished */
    sim_time_t rival_done; /* when the competing transfer arrived */
    int32_t rival_src, rival_dst;
    uint64_t rival_bytes;
} bundle_run_t;

static void bundle_member(void *ctx, int32_t m, uint64_t tag)
{
    (void)tag;
    bundle_run_t *r = ctx;
    r->at[m] = sim_now(r->eng);
}

static void bundle_rival_done(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    ((bundle_run_t *)ctx)->rival_done = sim_now(eng);
}

static void bundle_rival_start(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    (void)arg;
    bundle_run_t *r = ctx;
    sim_net_send(r->net, r->rival_src, r->rival_dst, r->rival_bytes, 0, 999, bundle_rival_done, r,
                 0);
}

/* Runs spec on members[0 .. n) of t with the flow model, channels split or
 * bundled, and a competing transfer of rival_bytes (0: none) from vertex
 * rival_src to rival_dst, started at 30 us. Fills r; returns the flows
 * the run started. */
static uint64_t bundle_run(const topo_t *t, sim_coll_spec_t spec, bool split, int32_t n,
                           const int32_t *members, bundle_run_t *r)
{
    sim_engine_t eng;
    sim_net_t net;
    sim_engine_init(&eng);
    ck_assert_int_eq(sim_net_init(&net, &eng, t, SIM_NET_FLOW, NULL), 0);
    r->eng = &eng;
    r->net = &net;
    spec.split_channels = split;
    tn_error_t err = {0};
    ck_assert_msg(sim_coll_check(&net, &spec, n, members, &err) == 0, "%s", err.msg);
    sim_coll_t *c = sim_coll_new(&net, &spec, n, members, bundle_member, r, 0);
    if (r->rival_bytes)
        sim_schedule(&eng, 30 * 1000000ull, bundle_rival_start, r, 0);
    for (int32_t m = 0; m < n; m++)
        sim_coll_arrive(c, m);
    sim_run(&eng, SIM_TIME_MAX);
    ck_assert(!r->rival_bytes || r->rival_done > 0);
    uint64_t flows = net.flows.started;
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    return flows;
}

/* Bundled and split, every member's completion (and the rival's) agree
 * (*end: the last member's, split):
 * to the picosecond where the flow model's sums come out alike, at most
 * 1e-9 relative where a bundle's one subtraction of w x s and the split
 * run's w subtractions of s round differently (a few ulps of a rate, a
 * picosecond per second of transfer through rate_tol). Returns the
 * largest difference in ps. */
static sim_time_t bundle_compare(const topo_t *t, const sim_coll_spec_t *spec, int32_t n,
                                 const int32_t *members, int32_t rival_src, int32_t rival_dst,
                                 uint64_t rival_bytes, uint64_t *flows_split,
                                 uint64_t *flows_bundled, sim_time_t *end)
{
    bundle_run_t a = {.rival_src = rival_src, .rival_dst = rival_dst, .rival_bytes = rival_bytes};
    bundle_run_t b = a;
    *flows_split = bundle_run(t, *spec, true, n, members, &a);
    *flows_bundled = bundle_run(t, *spec, false, n, members, &b);
    sim_time_t worst = 0;
    *end = 0;
    for (int32_t m = 0; m <= n; m++) {
        *end = m < n && a.at[m] > *end ? a.at[m] : *end;
        sim_time_t x = m < n ? a.at[m] : a.rival_done, y = m < n ? b.at[m] : b.rival_done;
        sim_time_t d = x > y ? x - y : y - x;
        ck_assert_msg((double)d <= 1e-9 * (double)x, "%s member %d: split %llu ps, bundled %llu ps",
                      sim_coll_algo_name(spec->algo), m, (unsigned long long)x,
                      (unsigned long long)y);
        worst = d > worst ? d : worst;
    }
    return worst;
}

/* 24 channels of a ring inside a DGX-1 (the NVLink ring 0-3-2-1-5-6-7-4,
 * the same for every channel) and inside a DGX A100 (every hop through the
 * NVSwitch): bundled, 24 channels are two rings (64 MiB + 5 bytes: 5
 * channels of one byte more, 19 of the rest), and the same completion
 * times, idle and with a 32 MiB transfer from GPU 0 to its ring
 * successor competing from 30 us on; with LL128 (each send also waits
 * for its channel's pace), with chunks, for all-gather and broadcast (a
 * chain), and for hier across two servers (its phases inside servers
 * bundle; its rails, one GPU per server, bundle where every channel's
 * route is the same). */
START_TEST(bundles_match_split_channels)
{
    static const char *const fabrics[] = {
        "{\"preset\": \"azure-2020\", \"set\": {\"servers\": 1, \"cpu_servers\": 0}}",
        "{\"preset\": \"selene-a100\", \"set\": {\"servers\": 1}}",
        "{\"preset\": \"selene-a100\", \"set\": {\"servers\": 2}}"};
    topo_spec_t s;
    topo_t t;
    test_fabric(fabrics[_i], &s, &t);
    const uint64_t S = (64ull << 20) + 5;
    const struct {
        wl_coll_t op;
        sim_algo_t algo;
        const char *proto;
        uint64_t chunk;
    } cases[] = {{WL_COLL_ALLREDUCE, SIM_ALGO_RING, "simple", 0},
                 {WL_COLL_ALLREDUCE, SIM_ALGO_RING, "ll128", 0},
                 {WL_COLL_ALLREDUCE, SIM_ALGO_RING, "ll", 128 << 10},
                 {WL_COLL_ALLGATHER, SIM_ALGO_RING, "simple", 256 << 10},
                 {WL_COLL_BROADCAST, SIM_ALGO_RING, "ll128", 1 << 20},
                 {WL_COLL_ALLREDUCE, SIM_ALGO_HIER, "simple", 512 << 10},
                 {WL_COLL_ALLREDUCE, SIM_ALGO_HIER, "ll128", 0}};
    int32_t n = t.n_gpus;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].algo == SIM_ALGO_HIER && _i < 2)
            continue; /* hier needs two servers */
        sim_coll_spec_t spec = {.op = cases[i].op, .algo = cases[i].algo, .bytes = S,
                                .chunk_bytes = cases[i].chunk, .channels = 24, .root = 2};
        ck_assert_int_eq(sim_latency_apply(cases[i].proto, &spec, NULL), 0);
        /* GPU 0's successor in its server's ring: in the DGX-1's NVLink
         * ring 0-3-2-1-5-6-7-4, GPU 3; on a NVSwitch, GPU 1 */
        int32_t next = _i == 0 ? 3 : 1;
        sim_time_t end[2];
        for (int rival = 0; rival < 2; rival++) {
            uint64_t fs, fb;
            sim_time_t d = bundle_compare(&t, &spec, n, t.gpus, t.gpus[0], t.gpus[next],
                                          rival ? 32ull << 20 : 0, &fs, &fb, &end[rival]);
            ck_assert_msg(d <= 2, "%zu: %llu ps apart", i, (unsigned long long)d);
            /* one server: two bundles for the 24 channels, a twelfth of
             * the flows (but the rival's); across servers the ring's
             * channels differ, hier's phases inside servers bundle */
            if (_i < 2)
                ck_assert_msg(fb * 12 == fs + (rival ? 11 : 0), "%zu: %llu flows, %llu split", i,
                              (unsigned long long)fb, (unsigned long long)fs);
            else if (cases[i].algo == SIM_ALGO_HIER)
                ck_assert_uint_lt(fb, fs / 4);
        }
        /* the rival competed (LL and LL128 go at their channels' pace
         * here, below the links' rates, and the ring across servers at
         * its NICs': it takes only spare NVLink rate) */
        if (!strcmp(cases[i].proto, "simple") && (_i < 2 || cases[i].algo == SIM_ALGO_HIER))
            ck_assert_uint_gt(end[1], end[0]);
    }
    topo_destroy(&t);
    topo_spec_destroy(&s);
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
    tcase_add_test(tc, nvls_one_chunk_formula);
    tcase_add_test(tc, nvls_streams_at_link_rate);
    tcase_add_test(tc, nvls_only_on_a_sharp_switch);
    tcase_add_test(tc, gpus_use_their_nearest_nic);
    tcase_add_test(tc, ring_across_servers_uses_every_nic);
    tcase_add_test(tc, tuner_protocol_by_size_dgx_a100);
    tcase_add_test(tc, tuner_nvls_on_h100);
    tcase_add_test(tc, tuner_channels_by_threshold);
    tcase_add_test(tc, forced_protocol_ring_formula);
    tcase_add_loop_test(tc, bundles_match_split_channels, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}
