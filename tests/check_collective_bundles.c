/* tests/check_collective_bundles.c — channel bundles: a collective's
 * channels sent as one bundle of flows take the same times as one ring
 * per channel, with and without a rival transfer on their links. */
#include <check.h>
#include <string.h>

#include "sim/coll/algo.h"
#include "sim/coll/latency.h"
#include "sim/coll/node.h"
#include "sim/job/measure.h"
#include "topology/spec.h"
#include "tests/helpers.h"
#include "tests/tests.h"

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
    net.shortcuts = false; /* every send a flow, to count them (shortcuts:
                            * tests/check_shortcut.c) */
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
 * NVSwitch): bundled, 24 channels are one ring (64 MiB + 5 bytes:
 * ceil(S/24) each, the same for all), and the same completion
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
            /* one server: one bundle for the 24 channels, a 24th of the
             * flows (but the rival's); across servers the ring's channels
             * differ, hier's phases inside servers bundle */
            if (_i < 2)
                ck_assert_msg(fb * 24 == fs + (rival ? 23 : 0), "%zu: %llu flows, %llu split", i,
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

/* Every channel moves ceil(S/channels), so a ring's channels inside one
 * server are one bundle: on a DGX A100, 24 channels of 64 MiB + 5 bytes
 * are one ring of 24 copies of 2,796,203 bytes (67,108,869 / 24 =
 * 2,796,202.875, rounded up), or 24 rings of it split; and the links
 * carry, either way, 2 hops (GPU, NVSwitch, GPU) x 24 channels x 2(8-1)
 * sends of a piece of each block, every block sent whole: 2 x 24 x 14 x
 * 2,796,203 bytes. */
START_TEST(channels_round_up)
{
    topo_spec_t s;
    topo_t t;
    test_fabric("{\"preset\": \"selene-a100\", \"set\": {\"servers\": 1}}", &s, &t);
    const uint64_t S = (64ull << 20) + 5, share = 2796203;
    for (int split = 0; split < 2; split++) {
        sim_engine_t eng;
        sim_net_t net;
        sim_engine_init(&eng);
        ck_assert_int_eq(sim_net_init(&net, &eng, &t, SIM_NET_FLOW, NULL), 0);
        sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_RING, .bytes = S,
                                .channels = 24, .split_channels = split};
        ck_assert_int_eq(sim_latency_apply("simple", &spec, NULL), 0);
        bundle_run_t r = {.eng = &eng, .net = &net};
        sim_coll_t *c = sim_coll_new(&net, &spec, t.n_gpus, t.gpus, bundle_member, &r, 0);
        ck_assert_int_eq(c->n_child, split ? 24 : 1);
        for (int32_t k = 0; k < c->n_child; k++) {
            ck_assert_uint_eq(c->child[k]->data, share);
            ck_assert_uint_eq(c->child[k]->copies, split ? 1 : 24);
        }
        for (int32_t m = 0; m < t.n_gpus; m++)
            sim_coll_arrive(c, m);
        sim_run(&eng, SIM_TIME_MAX);
        uint64_t all = 0;
        for (int32_t e = 0; e < t.n_edges; e++)
            all += net.link_bytes[e];
        ck_assert_uint_eq(all, 2ull * 24 * 2 * (8 - 1) * share);
        sim_net_destroy(&net);
        sim_engine_destroy(&eng);
    }
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

Suite *collective_bundles_suite(void)
{
    Suite *s = suite_create("collective_bundles");
    TCase *tc = tcase_create("bundles");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, bundles_match_split_channels, 0, 3);
    tcase_add_test(tc, channels_round_up);
    suite_add_tcase(s, tc);
    return s;
}
