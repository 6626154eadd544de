/* tests/check_flow.c — the flow network model on small cases worked out by
 * hand: max-min rates, completion times, one recomputation per instant,
 * weights and components. tests/check_flow_brute.c holds the comparison
 * with a brute-force max-min solver on random flow sets. Every expected
 * number is derived here. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sim/net/flow.h"
#include "topology/topo.h"
#include "tests/tests.h"

#define GBPS 1000000000ull
#define US SIM_PS_PER_US

/* A chain of n links v0 -> v1 -> ... -> vn (every vertex a GPU of its own
 * server); link i is directed edge 2i (vi -> vi+1) of capacity gbps[i]. */
static void chain(topo_t *t, int n, const double *gbps)
{
    topo_init(t);
    for (int v = 0; v <= n; v++)
        topo_add_vertex(t, TOPO_GPU, v, 0);
    for (int i = 0; i < n; i++)
        topo_add_cable(t, i, i + 1, (uint64_t)(gbps[i] * GBPS), 1000, TOPO_TIER_HOST);
    tn_error_t err = {0};
    ck_assert_msg(topo_finalize(t, &err) == 0, "%s", err.msg);
}

/* Callbacks record when they ran, by arg. */
typedef struct {
    sim_time_t at[64];
    int calls;
} times_t;

static void record(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    times_t *r = ctx;
    ck_assert_uint_lt(arg, 64);
    r->at[arg] = sim_now(eng);
    r->calls++;
}

/* ceil(bytes * 8 / bps seconds) in ps, in integers. */
static sim_time_t send_ps_exact(uint64_t bytes, uint64_t bps)
{
    unsigned __int128 num = (unsigned __int128)bytes * 8u * SIM_PS_PER_S;
    return (sim_time_t)((num + bps - 1) / bps);
}

START_TEST(two_flows_halve_one_link)
{
    /* One 100 Gbps link; A (1 MB) and B (3 MB) start together, each
     * called back 1 us after its last bit. Both get 50 Gbps. A's 8e6 bits
     * take 8e6 / 50e9 s = 160 us. By then B has sent 8e6 of its 24e6 bits;
     * alone at 100 Gbps its last 16e6 bits take 160 us more: 320 us. */
    topo_t t;
    chain(&t, 1, (double[]){100});
    sim_engine_t eng;
    sim_engine_init(&eng);
    sim_flows_t f;
    sim_flows_init(&f, &eng, &t);
    times_t r = {0};
    int32_t path[] = {0};
    uint32_t a = sim_flows_start(&f, path, 1, 1000000, 1 * US, record, &r, 0);
    uint32_t b = sim_flows_start(&f, path, 1, 3000000, 1 * US, record, &r, 1);
    ck_assert_uint_ne(a, b);
    ck_assert_uint_eq(sim_flows_active(&f), 2);
    ck_assert(sim_flows_rate(&f, a) == 0.0); /* until the recomputation */
    sim_run(&eng, 0);
    ck_assert_double_eq_tol(sim_flows_rate(&f, a), 50e9, 1e-3);
    ck_assert_double_eq_tol(sim_flows_rate(&f, b), 50e9, 1e-3);
    ck_assert_uint_eq(f.recomputes, 1); /* both starts in one */
    sim_run(&eng, 160 * US);
    ck_assert_uint_eq(sim_flows_active(&f), 1);
    ck_assert_double_eq_tol(sim_flows_rate(&f, b), 100e9, 1e-3);
    ck_assert_int_eq(r.calls, 0);
    sim_run(&eng, SIM_TIME_MAX);
    ck_assert_int_eq(r.calls, 2);
    ck_assert_uint_eq(r.at[0], 160 * US + 1 * US);
    ck_assert_uint_eq(r.at[1], 320 * US + 1 * US);
    ck_assert_uint_eq(sim_flows_active(&f), 0);
    ck_assert_uint_eq(f.finished, 2);
    sim_flows_destroy(&f);
    sim_engine_destroy(&eng);
    topo_destroy(&t);
}
END_TEST

START_TEST(unequal_bottlenecks)
{
    /* Links L1, L2, L3 of 10, 20, 30 Gbps in a chain. Flows:
     *   a: L1 L2 L3    b: L1    c: L2    d: L2 L3
     * Progressive filling: shares L1 10/2 = 5, L2 20/3 = 6.67, L3 30/2 = 15.
     * L1 fills first: a = b = 5. Then L2 has 20 - 5 = 15 for c and d: 7.5
     * each; L3 would give d 30 - 5 = 25. L2 fills: c = d = 7.5. L3 carries
     * 12.5 of 30 and bottlenecks nobody. */
    topo_t t;
    chain(&t, 3, (double[]){10, 20, 30});
    sim_engine_t eng;
    sim_engine_init(&eng);
    sim_flows_t f;
    sim_flows_init(&f, &eng, &t);
    times_t r = {0};
    uint64_t mb = 1000000;
    uint32_t a = sim_flows_start(&f, (int32_t[]){0, 2, 4}, 3, mb, 0, record, &r, 0);
    uint32_t b = sim_flows_start(&f, (int32_t[]){0}, 1, mb, 0, record, &r, 1);
    uint32_t c = sim_flows_start(&f, (int32_t[]){2}, 1, mb, 0, record, &r, 2);
    uint32_t d = sim_flows_start(&f, (int32_t[]){2, 4}, 2, mb, 0, record, &r, 3);
    sim_run(&eng, 0);
    ck_assert_double_eq_tol(sim_flows_rate(&f, a), 5e9, 1e-3);
    ck_assert_double_eq_tol(sim_flows_rate(&f, b), 5e9, 1e-3);
    ck_assert_double_eq_tol(sim_flows_rate(&f, c), 7.5e9, 1e-3);
    ck_assert_double_eq_tol(sim_flows_rate(&f, d), 7.5e9, 1e-3);
    /* c and d finish first (8e6 bits at 7.5 Gbps: 1066.67 us, rounded up),
     * together; then a and b have sent 5.333e6 bits and L1 stays their
     * bottleneck at 5 Gbps each: both end at 8e6 / 5e9 s = 1600 us. */
    sim_run(&eng, SIM_TIME_MAX);
    ck_assert_uint_eq(r.at[2], send_ps_exact(mb, 7500000000ull));
    ck_assert_uint_eq(r.at[3], r.at[2]);
    ck_assert_uint_eq(r.at[0], 1600 * US);
    ck_assert_uint_eq(r.at[1], 1600 * US);
    sim_flows_destroy(&f);
    sim_engine_destroy(&eng);
    topo_destroy(&t);
}
END_TEST

/* Starts one flow from an event, so it starts at that event's time. */
typedef struct {
    sim_flows_t *f;
    const int32_t *path;
    int hops;
    uint64_t bytes;
    sim_time_t latency;
    times_t *r;
} job_t;

static void start_job(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    job_t *j = ctx;
    sim_flows_start(j->f, j->path, j->hops, j->bytes, j->latency, record, j->r, arg);
}

START_TEST(alone_takes_latency_plus_bytes_over_bottleneck)
{
    /* Three links of 100, 40, 100 Gbps: alone, a flow runs at 40 Gbps and
     * is called back latency + bytes * 8 / 40e9 s after it starts (rounded
     * up to the picosecond), whatever time it starts at. */
    topo_t t;
    chain(&t, 3, (double[]){100, 40, 100});
    sim_engine_t eng;
    sim_engine_init(&eng);
    sim_flows_t f;
    sim_flows_init(&f, &eng, &t);
    static const uint64_t sizes[] = {1, 1000001, 12345678, 1ull << 32};
    int32_t path[] = {0, 2, 4};
    for (int i = 0; i < 4; i++) {
        times_t r = {0};
        sim_time_t t0 = sim_now(&eng) + 777;
        job_t j = {&f, path, 3, sizes[i], 1500 * SIM_PS_PER_NS, &r};
        sim_schedule(&eng, t0, start_job, &j, 0);
        sim_run(&eng, SIM_TIME_MAX);
        ck_assert_uint_eq(r.calls, 1);
        ck_assert_uint_eq(r.at[0], t0 + j.latency + send_ps_exact(j.bytes, 40 * GBPS));
    }
    ck_assert_uint_eq(f.recomputes, 8); /* one per start, one per end */
    sim_flows_destroy(&f);
    sim_engine_destroy(&eng);
    topo_destroy(&t);
}
END_TEST

START_TEST(zero_bytes_or_no_hops)
{
    topo_t t;
    chain(&t, 1, (double[]){100});
    sim_engine_t eng;
    sim_engine_init(&eng);
    sim_flows_t f;
    sim_flows_init(&f, &eng, &t);
    times_t r = {0};
    int32_t path[] = {0};
    ck_assert_uint_eq(sim_flows_start(&f, path, 1, 0, 2500, record, &r, 0), SIM_FLOWS_NONE);
    ck_assert_uint_eq(sim_flows_start(&f, path, 0, 4096, 700, record, &r, 1), SIM_FLOWS_NONE);
    ck_assert_uint_eq(sim_flows_start(&f, path, 1, 0, 0, record, &r, 2), SIM_FLOWS_NONE);
    ck_assert_uint_eq(sim_flows_active(&f), 0);
    ck_assert(sim_flows_rate(&f, SIM_FLOWS_NONE) == 0.0);
    sim_run(&eng, SIM_TIME_MAX);
    ck_assert_int_eq(r.calls, 3);
    ck_assert_uint_eq(r.at[0], 2500);
    ck_assert_uint_eq(r.at[1], 700);
    ck_assert_uint_eq(r.at[2], 0);
    ck_assert_uint_eq(f.recomputes, 0);
    ck_assert_uint_eq(f.started, 0);
    sim_flows_destroy(&f);
    sim_engine_destroy(&eng);
    topo_destroy(&t);
}
END_TEST

/* Ends of the one-instant test: each callback starts a replacement flow at
 * once, on the same link. */
typedef struct {
    sim_flows_t *f;
    int32_t path[1];
    int restarted;
    uint32_t ids[64];
} restart_t;

static void restart(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    restart_t *s = ctx;
    if (arg < 64) /* the first round: start its successor */
        s->ids[s->restarted++] =
            sim_flows_start(s->f, s->path, 1, 500000, 0, restart, s, 64 + arg);
}

START_TEST(one_instant_one_recomputation)
{
    /* 40 equal flows on one 100 Gbps link start together: 2.5 Gbps each,
     * so all end at the same picosecond, 8e6 / 2.5e9 s = 3.2 ms. Their 40
     * ends, and the 40 flows their callbacks start at that instant (no
     * latency), cost one recomputation: two in all by then. */
    enum { N = 40 };
    topo_t t;
    chain(&t, 1, (double[]){100});
    sim_engine_t eng;
    sim_engine_init(&eng);
    sim_flows_t f;
    sim_flows_init(&f, &eng, &t);
    restart_t s = {&f, {0}, 0, {0}};
    for (int i = 0; i < N; i++)
        sim_flows_start(&f, s.path, 1, 1000000, 0, restart, &s, (uint64_t)i);
    sim_run(&eng, 0);
    ck_assert_uint_eq(f.recomputes, 1);
    ck_assert_uint_eq(f.touched, N);
    ck_assert_uint_eq(sim_next_time(&eng), 3200 * US);
    sim_run(&eng, 3200 * US);
    ck_assert_int_eq(s.restarted, N);
    ck_assert_uint_eq(f.finished, N);
    ck_assert_uint_eq(f.recomputes, 2);
    ck_assert_uint_eq(sim_flows_active(&f), N);
    for (int i = 0; i < N; i++)
        ck_assert_double_eq_tol(sim_flows_rate(&f, s.ids[i]), 100e9 / N, 1e-3);
    /* the second round, 4e6 bits each at 2.5 Gbps: 1.6 ms later, together */
    ck_assert_uint_eq(sim_next_time(&eng), 4800 * US);
    sim_run(&eng, SIM_TIME_MAX);
    ck_assert_uint_eq(f.recomputes, 3);
    ck_assert_uint_eq(sim_now(&eng), 4800 * US);
    sim_flows_destroy(&f);
    sim_engine_destroy(&eng);
    topo_destroy(&t);
}
END_TEST

START_TEST(long_paths)
{
    /* 20 links of 10, 20, ..., 200 Gbps. x crosses all 20 (more than are
     * stored inline), y only link 5 (60 Gbps). x's bottleneck is link 0
     * (10 Gbps, alone); link 5 has 60 - 10 = 50 left for y. y (2.5 MB =
     * 2e7 bits) ends at 400 us, x (1.25 MB) at 1e7 / 1e10 s = 1 ms. */
    enum { N = 20 };
    double gbps[N];
    int32_t path[N];
    for (int i = 0; i < N; i++) {
        gbps[i] = 10.0 * (i + 1);
        path[i] = 2 * i;
    }
    ck_assert_int_gt(N, SIM_FLOWS_INLINE_HOPS);
    topo_t t;
    chain(&t, N, gbps);
    sim_engine_t eng;
    sim_engine_init(&eng);
    sim_flows_t f;
    sim_flows_init(&f, &eng, &t);
    times_t r = {0};
    uint32_t x = sim_flows_start(&f, path, N, 1250000, 0, record, &r, 0);
    uint32_t y = sim_flows_start(&f, (int32_t[]){10}, 1, 2500000, 0, record, &r, 1);
    sim_run(&eng, 0);
    ck_assert_double_eq_tol(sim_flows_rate(&f, x), 10e9, 1e-3);
    ck_assert_double_eq_tol(sim_flows_rate(&f, y), 50e9, 1e-3);
    sim_run(&eng, SIM_TIME_MAX);
    ck_assert_uint_eq(r.at[1], 400 * US);
    ck_assert_uint_eq(r.at[0], 1000 * US);
    sim_flows_destroy(&f);
    sim_engine_destroy(&eng);
    topo_destroy(&t);
}
END_TEST

START_TEST(a_link_crossed_twice_carries_the_flow_twice)
{
    /* One 90 Gbps link; a's path crosses it twice, b's once. Rising
     * together at r, the link carries 2r + r: full at r = 30 Gbps. */
    topo_t t;
    chain(&t, 1, (double[]){90});
    sim_engine_t eng;
    sim_engine_init(&eng);
    sim_flows_t f;
    sim_flows_init(&f, &eng, &t);
    times_t r = {0};
    uint32_t a = sim_flows_start(&f, (int32_t[]){0, 0}, 2, 3750000, 0, record, &r, 0);
    uint32_t b = sim_flows_start(&f, (int32_t[]){0}, 1, 3750000, 0, record, &r, 1);
    sim_run(&eng, 0);
    ck_assert_double_eq_tol(sim_flows_rate(&f, a), 30e9, 1e-3);
    ck_assert_double_eq_tol(sim_flows_rate(&f, b), 30e9, 1e-3);
    /* 3e7 bits each at 30 Gbps: both end at 1 ms, and leave the link empty */
    sim_run(&eng, SIM_TIME_MAX);
    ck_assert_uint_eq(r.at[0], 1000 * US);
    ck_assert_uint_eq(r.at[1], 1000 * US);
    ck_assert_uint_eq(sim_flows_active(&f), 0);
    sim_flows_destroy(&f);
    sim_engine_destroy(&eng);
    topo_destroy(&t);
}
END_TEST

START_TEST(destroy_cancels_its_events)
{
    /* Two flows transmitting and one whose callback waits out its latency:
     * destroy leaves only that callback pending. */
    topo_t t;
    chain(&t, 2, (double[]){100, 100});
    sim_engine_t eng;
    sim_engine_init(&eng);
    sim_flows_t f;
    sim_flows_init(&f, &eng, &t);
    times_t r = {0};
    sim_flows_start(&f, (int32_t[]){0}, 1, 1000, 1 * US, record, &r, 0);
    sim_flows_start(&f, (int32_t[]){2}, 1, 1000000, 0, record, &r, 1);
    sim_flows_start(&f, (int32_t[]){0, 2}, 2, 1000000, 0, record, &r, 2);
    sim_run(&eng, 0);
    sim_run(&eng, sim_next_time(&eng)); /* flow 0 ends; its callback waits */
    ck_assert_uint_eq(sim_flows_active(&f), 2);
    sim_flows_destroy(&f);
    sim_flows_destroy(NULL);
    ck_assert_uint_eq(sim_pending(&eng), 1);
    sim_run(&eng, SIM_TIME_MAX);
    ck_assert_int_eq(r.calls, 1);
    sim_engine_destroy(&eng);
    topo_destroy(&t);
}
END_TEST

/* A flow of weight w is w flows of its path and start with bytes / w
 * each: on the chain of 100, 100, 90, 100 Gbps links, 5 flows of 2 MB
 * over links 0-2 beside 1 MB on link 2 and 3 MB on links 1-3 (started at
 * 3 us), and the same with one flow of 10 MB and weight 5; every
 * completion agrees to the picosecond. */
START_TEST(weight_is_identical_flows)
{
    topo_t t;
    chain(&t, 4, (double[]){100, 100, 90, 100});
    sim_time_t at[2][8];
    for (int bundled = 0; bundled < 2; bundled++) {
        sim_engine_t eng;
        sim_engine_init(&eng);
        sim_flows_t f;
        sim_flows_init(&f, &eng, &t);
        times_t r = {0};
        if (bundled)
            sim_flows_start_w(&f, (int32_t[]){0, 2, 4}, 3, 5 * 2000000, 5, 0, record, &r, 0);
        else
            for (int k = 0; k < 5; k++)
                sim_flows_start(&f, (int32_t[]){0, 2, 4}, 3, 2000000, 0, record, &r,
                                (uint64_t)k);
        sim_flows_start(&f, (int32_t[]){4}, 1, 1000000, 0, record, &r, 5);
        job_t j = {&f, (int32_t[]){2, 4, 6}, 3, 3000000, 0, &r};
        sim_schedule(&eng, 3 * US, start_job, &j, 6);
        sim_run(&eng, SIM_TIME_MAX);
        ck_assert_int_eq(r.calls, bundled ? 3 : 7);
        for (int k = 0; k < 7; k++)
            at[bundled][k] = r.at[k];
        sim_flows_destroy(&f);
        sim_engine_destroy(&eng);
    }
    for (int k = 0; k < 5; k++)
        ck_assert_uint_eq(at[0][k], at[1][0]);
    ck_assert_uint_eq(at[0][5], at[1][5]);
    ck_assert_uint_eq(at[0][6], at[1][6]);
    topo_destroy(&t);
}
END_TEST

START_TEST(only_the_component_is_recomputed)
{
    /* Links 0, 1, 2, 3 of a chain (edges 0, 2, 4, 6), 100, 100, 90 and
     * 100 Gbps: a and b on link 0, c on 1, d and e on 2, f on 3; four
     * components. A flow g joining d and e on link 2 at 10 us is a change
     * to that component only: one recomputation of its three flows, 30
     * Gbps each, and nobody else's rate moves. */
    topo_t t;
    chain(&t, 4, (double[]){100, 100, 90, 100});
    sim_engine_t eng;
    sim_engine_init(&eng);
    sim_flows_t f;
    sim_flows_init(&f, &eng, &t);
    times_t r = {0};
    uint64_t big = 100000000; /* 100 MB: nobody ends during the test */
    uint32_t id[6];
    static const int32_t on[6] = {0, 0, 2, 4, 4, 6};
    for (int i = 0; i < 6; i++)
        id[i] = sim_flows_start(&f, &on[i], 1, big, 0, record, &r, (uint64_t)i);
    sim_run(&eng, 0);
    ck_assert_uint_eq(f.recomputes, 1);
    ck_assert_uint_eq(f.touched, 6);
    job_t j = {&f, &on[3], 1, big, 0, &r};
    sim_schedule(&eng, 10 * US, start_job, &j, 6);
    uint64_t moved = f.rescheduled;
    sim_run(&eng, 10 * US);
    ck_assert_uint_eq(f.recomputes, 2);
    ck_assert_uint_eq(f.touched, 6 + 3);
    ck_assert_uint_eq(f.rescheduled - moved, 3);
    ck_assert_double_eq_tol(sim_flows_rate(&f, id[0]), 50e9, 1e-3);
    ck_assert_double_eq_tol(sim_flows_rate(&f, id[2]), 100e9, 1e-3);
    ck_assert_double_eq_tol(sim_flows_rate(&f, id[3]), 30e9, 1e-3);
    ck_assert_double_eq_tol(sim_flows_rate(&f, id[4]), 30e9, 1e-3);
    ck_assert_double_eq_tol(sim_flows_rate(&f, id[5]), 100e9, 1e-3);
    sim_flows_destroy(&f);
    sim_engine_destroy(&eng);
    topo_destroy(&t);
}
END_TEST

Suite *flow_suite(void)
{
    Suite *s = suite_create("flow");
    TCase *tc = tcase_create("max-min");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, two_flows_halve_one_link);
    tcase_add_test(tc, unequal_bottlenecks);
    tcase_add_test(tc, alone_takes_latency_plus_bytes_over_bottleneck);
    tcase_add_test(tc, zero_bytes_or_no_hops);
    tcase_add_test(tc, one_instant_one_recomputation);
    tcase_add_test(tc, long_paths);
    tcase_add_test(tc, a_link_crossed_twice_carries_the_flow_twice);
    tcase_add_test(tc, destroy_cancels_its_events);
    tcase_add_test(tc, weight_is_identical_flows);
    tcase_add_test(tc, only_the_component_is_recomputed);
    suite_add_tcase(s, tc);
    return s;
}
