/* tests/check_collective_servers.c — collectives on real servers, timed
 * against formulas: NVLS on an H100 server's NVSwitch, which reduces in
 * the network, and the NICs the GPUs of DGX servers use. */
#include <check.h>
#include <math.h>

#include "sim/coll/latency.h"
#include "sim/job/measure.h"
#include "topology/spec.h"
#include "tests/helpers.h"
#include "tests/tests.h"

/* One 8x H100 server (ndv5-h100): its NVSwitch reduces in the network.
 * GPU <-> switch: 3600 Gbps x 0.773 payload = 2782.8 Gbps, 150 ns. */
#define H100_BPS 2782800000000ull
#define H100_HOP 150000ull

static void h100_server(topo_spec_t *s, topo_t *t)
{
    test_fabric("{\"preset\": \"ndv5-h100\", \"set\": {\"servers\": 1}}", s, t);
}

/* The server, and an all-reduce of S bytes on it by algo with protocol's
 * latencies. */
static sim_coll_spec_t h100_allreduce(topo_spec_t *s, topo_t *t, uint64_t S, sim_algo_t algo,
                                      const char *protocol)
{
    h100_server(s, t);
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = algo, .bytes = S};
    ck_assert_int_eq(sim_latency_apply(protocol, &spec, NULL), 0);
    return spec;
}

/* NVLS with one chunk per shard and no contention (analytic): the call's
 * latency, then four transfers one after another (the copies up, the sum
 * down to the owner, its store up, the multicast down), each one hop of
 * S/n bytes, sent as S/n / efficiency bytes on the wire. */
START_TEST(nvls_one_chunk_formula)
{
    topo_spec_t s;
    topo_t t;
    const uint64_t S = 64ull << 20;
    sim_coll_spec_t spec = h100_allreduce(&s, &t, S, SIM_ALGO_NVLS, "simple");
    ck_assert_uint_eq(spec.nvls_base_ps, 23000000);
    spec.chunk_bytes = S / 8; /* one chunk per shard */
    uint64_t wire = (uint64_t)ceil((double)(S / 8) / spec.nvls_efficiency);
    sim_time_t want = 23000000 + 4 * (H100_HOP + sim_serialize_ps(wire, H100_BPS));
    ck_assert_uint_eq(test_coll_ps(&t, SIM_NET_ANALYTIC, spec, 8), want);
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
    const uint64_t S = 1ull << 30;
    sim_coll_spec_t spec = h100_allreduce(&s, &t, S, SIM_ALGO_AUTO, "none");
    ck_assert_uint_eq(spec.nvls_base_ps, 0); /* none: no software latency, NVLS's neither */
    double floor_ps = (double)S * 9 / 8 * 8 / spec.nvls_efficiency / (double)H100_BPS * 1e12;
    double got = (double)test_coll_ps(&t, SIM_NET_FLOW, spec, 8);
    ck_assert_msg(got >= floor_ps && got <= floor_ps * 1.05, "%.0f ps against %.0f", got, floor_ps);
    spec.algo = SIM_ALGO_RING;
    double ring = (double)test_coll_ps(&t, SIM_NET_FLOW, spec, 8);
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
    double secs = (double)test_coll_ps(&t, SIM_NET_FLOW, spec, 16) * 1e-12;
    double busbw = (double)spec.bytes / secs * 2 * 15 / 16;
    ck_assert_msg(busbw <= 200e9 && busbw >= 0.95 * 200e9, "%.4g B/s", busbw);
    /* one channel, the ranks' order: one NIC pair carries it all */
    spec.algo = SIM_ALGO_RING;
    secs = (double)test_coll_ps(&t, SIM_NET_FLOW, spec, 16) * 1e-12;
    ck_assert((double)spec.bytes / secs * 2 * 15 / 16 <= 25e9);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

Suite *collective_servers_suite(void)
{
    Suite *s = suite_create("collective_servers");
    TCase *tc = tcase_create("servers");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, nvls_one_chunk_formula);
    tcase_add_test(tc, nvls_streams_at_link_rate);
    tcase_add_test(tc, nvls_only_on_a_sharp_switch);
    tcase_add_test(tc, gpus_use_their_nearest_nic);
    tcase_add_test(tc, ring_across_servers_uses_every_nic);
    suite_add_tcase(s, tc);
    return s;
}
