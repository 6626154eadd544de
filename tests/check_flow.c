/* tests/check_flow.c — the flow network model: max-min rates worked out by
 * hand, completion times, one recomputation per instant, and the model
 * against a brute-force max-min solver on random flow sets. Every expected
 * number is derived here. */
#include <check.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_rng.h"
#include "sim/net/flow.h"
#include "topology/fattree.h"
#include "topology/ports.h"
#include "topology/route.h"
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

/* ---- against a brute-force max-min solver ---- */

#define RMAX_HOPS 16
#define RMAX_FLOWS 120

typedef struct {
    const topo_t *t;
    sim_engine_t eng;
    sim_flows_t f;
    int n;
    int32_t path[RMAX_FLOWS][RMAX_HOPS];
    int hops[RMAX_FLOWS];
    uint64_t bytes[RMAX_FLOWS];
    uint32_t weight[RMAX_FLOWS]; /* 0: started unweighted (sim_flows_start) */
    sim_time_t start[RMAX_FLOWS];
    uint32_t id[RMAX_FLOWS];
    int state[RMAX_FLOWS]; /* 0 waiting, 1 transmitting, 2 done */
    sim_time_t done_at[RMAX_FLOWS];
    double rate[RMAX_FLOWS];
    double sent[RMAX_FLOWS]; /* bits, integrated from the observed rates */
    int checks;
} rcase_t;

static void rcase_done(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    rcase_t *c = ctx;
    ck_assert_int_eq(c->state[arg], 1);
    c->state[arg] = 2;
    c->done_at[arg] = sim_now(eng);
}

static void rcase_start(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    rcase_t *c = ctx;
    if (c->weight[arg])
        c->id[arg] = sim_flows_start_w(&c->f, c->path[arg], c->hops[arg], c->bytes[arg],
                                       c->weight[arg], 0, rcase_done, c, arg);
    else
        c->id[arg] = sim_flows_start(&c->f, c->path[arg], c->hops[arg], c->bytes[arg], 0,
                                     rcase_done, c, arg);
    ck_assert_uint_ne(c->id[arg], SIM_FLOWS_NONE);
    c->state[arg] = 1;
}

/* Weighted max-min rates of the transmitting flows by plain progressive
 * filling over all of them: repeatedly find the link with the least share
 * (capacity left / the weights of the unfrozen flows crossing it) and
 * freeze its flows at their weight times it. O(flows x links) per step. */
static void brute_max_min(const rcase_t *c, double *want)
{
    const topo_t *t = c->t;
    size_t ne = (size_t)t->n_edges;
    double *left = malloc(ne * sizeof *left);
    int *cnt = calloc(ne, sizeof *cnt);
    int w[RMAX_FLOWS];
    for (int i = 0; i < c->n; i++)
        w[i] = c->weight[i] ? (int)c->weight[i] : 1;
    int frozen[RMAX_FLOWS] = {0};
    for (size_t e = 0; e < ne; e++)
        left[e] = (double)t->bps[e];
    for (int i = 0; i < c->n; i++)
        if (c->state[i] == 1)
            for (int h = 0; h < c->hops[i]; h++)
                cnt[c->path[i][h]] += w[i];
    for (;;) {
        int best = -1;
        for (size_t e = 0; e < ne; e++)
            if (cnt[e] > 0 && (best < 0 || left[e] / cnt[e] < left[best] / cnt[best]))
                best = (int)e;
        if (best < 0)
            break;
        double s = left[best] / cnt[best];
        for (int i = 0; i < c->n; i++) {
            if (c->state[i] != 1 || frozen[i])
                continue;
            int crosses = 0;
            for (int h = 0; h < c->hops[i]; h++)
                crosses |= c->path[i][h] == best;
            if (!crosses)
                continue;
            frozen[i] = 1;
            want[i] = s * w[i];
            for (int h = 0; h < c->hops[i]; h++) {
                left[c->path[i][h]] -= s * w[i];
                cnt[c->path[i][h]] -= w[i];
            }
        }
    }
    free(left);
    free(cnt);
}

/* Plans n random flows between random vertices of `ends` (routed with
 * ECMP), started in batches at one instant or staggered, sizes 1 B .. 2 MB.
 * With group[] (by vertex), both ends of a flow are in the same group. */
static void rcase_plan(rcase_t *c, const topo_t *t, const int32_t *ends, int n_ends,
                       const int *group, int n, gsl_rng *rng)
{
    topo_route_t route;
    topo_route_init(&route, t);
    c->t = t;
    c->n = n;
    sim_time_t at = 0;
    for (int i = 0; i < n; i++) {
        int32_t a = ends[gsl_rng_uniform_int(rng, (unsigned long)n_ends)], b;
        do
            b = ends[gsl_rng_uniform_int(rng, (unsigned long)n_ends)];
        while (b == a || (group && group[b] != group[a]));
        tn_error_t err = {0};
        c->hops[i] = topo_route_path(&route, a, b, (uint64_t)i, c->path[i], RMAX_HOPS, &err);
        ck_assert_msg(c->hops[i] > 0, "%s", err.msg);
        unsigned long size = gsl_rng_uniform_int(rng, 4);
        c->bytes[i] = size == 0 ? 1 + gsl_rng_uniform_int(rng, 1000)
                                : 1 + gsl_rng_uniform_int(rng, 2000000);
        /* 40%: with the previous flow; else up to 200 us later (a 2 MB
         * flow at 25 Gbps takes 640 us) */
        if (i > 0 && gsl_rng_uniform(rng) >= 0.4)
            at += gsl_rng_uniform_int(rng, 200 * US);
        c->start[i] = at;
    }
    topo_route_destroy(&route);
}

/* Runs the planned flows, instant by instant; after each instant compares
 * every transmitting flow's rate with the brute-force solver (relative
 * 1e-9), and checks that each finished flow was sent exactly its bytes at
 * the rates observed. Returns the completion times in c->done_at. */
static void rcase_run(rcase_t *c, double rate_tol)
{
    sim_engine_init(&c->eng);
    sim_flows_init(&c->f, &c->eng, c->t);
    c->f.rate_tol = rate_tol;
    for (int i = 0; i < c->n; i++) {
        c->state[i] = 0;
        c->sent[i] = 0;
        c->rate[i] = 0;
        sim_schedule(&c->eng, c->start[i], rcase_start, c, (uint64_t)i);
    }
    double want[RMAX_FLOWS];
    sim_time_t prev = 0, now;
    c->checks = 0;
    while ((now = sim_next_time(&c->eng)) != SIM_TIME_MAX) {
        int was[RMAX_FLOWS];
        for (int i = 0; i < c->n; i++) {
            was[i] = c->state[i];
            if (c->state[i] == 1)
                c->sent[i] += c->rate[i] * (double)(now - prev) * 1e-12;
        }
        sim_run(&c->eng, now);
        prev = now;
        brute_max_min(c, want);
        size_t live = 0;
        for (int i = 0; i < c->n; i++) {
            double bits = (double)c->bytes[i] * 8;
            if (c->state[i] == 1) {
                double got = sim_flows_rate(&c->f, c->id[i]);
                ck_assert_msg(fabs(got - want[i]) <= 1e-9 * want[i],
                              "flow %d at %llu ps: rate %.17g, max-min %.17g", i,
                              (unsigned long long)now, got, want[i]);
                c->rate[i] = got;
                ck_assert(c->sent[i] < bits + 1);
                live++;
            } else if (c->state[i] == 2 && was[i] == 1) {
                /* each completion is rounded up to the picosecond: at most
                 * a bit over at these rates */
                ck_assert_msg(fabs(c->sent[i] - bits) <= 1e-9 * bits + 1,
                              "flow %d: sent %.17g of %.17g bits", i, c->sent[i], bits);
            }
        }
        ck_assert_uint_eq(sim_flows_active(&c->f), live);
        c->checks++;
    }
    for (int i = 0; i < c->n; i++)
        ck_assert_int_eq(c->state[i], 2);
    ck_assert_uint_eq(c->f.started, (uint64_t)c->n);
    sim_flows_destroy(&c->f);
    sim_engine_destroy(&c->eng);
}

/* A random connected graph of 5 .. 10 vertices (the first few GPUs, the
 * rest switches), a random spanning tree plus random extra cables, of 10,
 * 25, 40, 100 or 400 Gbps. */
static void random_graph(topo_t *t, gsl_rng *rng, int32_t *ends, int *n_ends)
{
    static const uint64_t gbps[] = {10, 25, 40, 100, 400};
    int nv = 5 + (int)gsl_rng_uniform_int(rng, 6);
    int gpus = 2 + (int)gsl_rng_uniform_int(rng, (unsigned long)nv - 2);
    char adj[10][10] = {{0}};
    topo_init(t);
    for (int v = 0; v < nv; v++)
        topo_add_vertex(t, v < gpus ? TOPO_GPU : TOPO_LEAF, v < gpus ? v : -1, 0);
    for (int v = 1; v < nv; v++) {
        int u = (int)gsl_rng_uniform_int(rng, (unsigned long)v);
        adj[u][v] = adj[v][u] = 1;
        topo_add_cable(t, u, v, gbps[gsl_rng_uniform_int(rng, 5)] * GBPS, 100, TOPO_TIER_LEAF);
    }
    int extra = (int)gsl_rng_uniform_int(rng, (unsigned long)nv);
    for (int k = 0; k < extra; k++) {
        int u = (int)gsl_rng_uniform_int(rng, (unsigned long)nv);
        int v = (int)gsl_rng_uniform_int(rng, (unsigned long)nv);
        if (u == v || adj[u][v])
            continue;
        adj[u][v] = adj[v][u] = 1;
        topo_add_cable(t, u, v, gbps[gsl_rng_uniform_int(rng, 5)] * GBPS, 100, TOPO_TIER_LEAF);
    }
    tn_error_t err = {0};
    ck_assert_msg(topo_finalize(t, &err) == 0, "%s", err.msg);
    *n_ends = nv;
    for (int v = 0; v < nv; v++)
        ends[v] = v;
}

START_TEST(matches_brute_force_random_graphs)
{
    for (unsigned long seed = 1; seed <= 40; seed++) {
        gsl_rng *rng = tn_rng_stream(seed, TN_RNG_TEST, 77);
        topo_t t;
        int32_t ends[10];
        int n_ends;
        random_graph(&t, rng, ends, &n_ends);
        rcase_t *c = calloc(1, sizeof *c);
        rcase_plan(c, &t, ends, n_ends, NULL, 20 + (int)gsl_rng_uniform_int(rng, 60), rng);
        rcase_run(c, 1e-12);
        ck_assert_int_gt(c->checks, 2);
        free(c);
        topo_destroy(&t);
        gsl_rng_free(rng);
    }
}
END_TEST

/* Five clusters of 3 .. 5 vertices, each a random tree plus random extra
 * cables (10 .. 400 Gbps), chained through their first vertices. A shortest
 * path between two vertices of one cluster stays inside it, so flows within
 * clusters make up to five components, of varying size: some changes reach
 * fewer than half of the busy links, some more. */
static void clustered_graph(topo_t *t, gsl_rng *rng, int32_t *ends, int *n_ends, int *group)
{
    static const uint64_t gbps[] = {10, 25, 40, 100, 400};
    topo_init(t);
    int nv = 0, first_prev = -1;
    for (int k = 0; k < 5; k++) {
        int size = 3 + (int)gsl_rng_uniform_int(rng, 3), first = nv;
        char adj[5][5] = {{0}};
        for (int v = 0; v < size; v++) {
            topo_add_vertex(t, TOPO_GPU, nv, 0);
            group[nv] = k;
            ends[nv] = nv;
            nv++;
        }
        for (int v = 1; v < size; v++) {
            int u = (int)gsl_rng_uniform_int(rng, (unsigned long)v);
            adj[u][v] = adj[v][u] = 1;
            topo_add_cable(t, first + u, first + v, gbps[gsl_rng_uniform_int(rng, 5)] * GBPS, 100,
                           TOPO_TIER_LEAF);
        }
        for (int x = 0; x < size; x++) {
            int u = (int)gsl_rng_uniform_int(rng, (unsigned long)size);
            int v = (int)gsl_rng_uniform_int(rng, (unsigned long)size);
            if (u == v || adj[u][v])
                continue;
            adj[u][v] = adj[v][u] = 1;
            topo_add_cable(t, first + u, first + v, gbps[gsl_rng_uniform_int(rng, 5)] * GBPS, 100,
                           TOPO_TIER_LEAF);
        }
        if (first_prev >= 0)
            topo_add_cable(t, first_prev, first, 100 * GBPS, 100, TOPO_TIER_SPINE);
        first_prev = first;
    }
    tn_error_t err = {0};
    ck_assert_msg(topo_finalize(t, &err) == 0, "%s", err.msg);
    *n_ends = nv;
}

START_TEST(matches_brute_force_components)
{
    for (unsigned long seed = 1; seed <= 30; seed++) {
        gsl_rng *rng = tn_rng_stream(seed, TN_RNG_TEST, 80);
        topo_t t;
        int32_t ends[25];
        int group[25], n_ends;
        clustered_graph(&t, rng, ends, &n_ends, group);
        rcase_t *c = calloc(1, sizeof *c);
        rcase_plan(c, &t, ends, n_ends, group, 30 + (int)gsl_rng_uniform_int(rng, 60), rng);
        rcase_run(c, 1e-12);
        ck_assert_int_gt(c->checks, 2);
        free(c);
        topo_destroy(&t);
        gsl_rng_free(rng);
    }
}
END_TEST

/* Weighted flows (weights 1 .. 8) on the random graphs and the clustered
 * ones: the same comparison with the weighted brute-force solver. */
START_TEST(matches_brute_force_weighted)
{
    for (unsigned long seed = 1; seed <= 40; seed++) {
        gsl_rng *rng = tn_rng_stream(seed, TN_RNG_TEST, 81);
        topo_t t;
        int32_t ends[25];
        int group[25], n_ends;
        bool clustered = seed % 2 == 0;
        if (clustered)
            clustered_graph(&t, rng, ends, &n_ends, group);
        else
            random_graph(&t, rng, ends, &n_ends);
        rcase_t *c = calloc(1, sizeof *c);
        rcase_plan(c, &t, ends, n_ends, clustered ? group : NULL,
                   20 + (int)gsl_rng_uniform_int(rng, 60), rng);
        for (int i = 0; i < c->n; i++)
            c->weight[i] = 1 + (uint32_t)gsl_rng_uniform_int(rng, 8);
        rcase_run(c, 1e-12);
        ck_assert_int_gt(c->checks, 2);
        free(c);
        topo_destroy(&t);
        gsl_rng_free(rng);
    }
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

/* A k = 4 three-tier fat-tree of 16 one-GPU servers, fabric links at
 * 100 Gbps, each GPU's port at 25, 50 or 100 Gbps (its host link takes
 * that rate). Fills ends[] with the GPUs. */
static void small_fattree(topo_t *t, gsl_rng *rng, int32_t *ends, int *n_ends)
{
    static const uint64_t gbps[] = {25, 50, 100};
    topo_init(t);
    topo_ports_t ports;
    topo_ports_init(&ports);
    for (int32_t s = 0; s < 16; s++) {
        int32_t v = topo_add_vertex(t, TOPO_GPU, s, 0);
        topo_ports_add(&ports, v, gbps[gsl_rng_uniform_int(rng, 3)] * GBPS, s, 0);
        ends[s] = v;
    }
    topo_fattree_t p = {.tiers = 3, .radix = 4, .oversub = {1, 1}, .bps = 100 * GBPS,
                        .latency_ps = 200000};
    tn_error_t err = {0};
    ck_assert_msg(topo_build_fattree(t, &p, &ports, &err) == 0, "%s", err.msg);
    ck_assert_msg(topo_finalize(t, &err) == 0, "%s", err.msg);
    topo_ports_destroy(&ports);
    *n_ends = 16;
}

START_TEST(matches_brute_force_fattree)
{
    for (unsigned long seed = 1; seed <= 20; seed++) {
        gsl_rng *rng = tn_rng_stream(seed, TN_RNG_TEST, 78);
        topo_t t;
        int32_t ends[16];
        int n_ends;
        small_fattree(&t, rng, ends, &n_ends);
        ck_assert_int_eq(t.n_vertices, 16 + 20); /* 8 leaves, 8 aggregation, 4 core */
        rcase_t *c = calloc(1, sizeof *c);
        rcase_plan(c, &t, ends, n_ends, NULL, RMAX_FLOWS, rng);
        rcase_run(c, 1e-12);
        ck_assert_int_gt(c->checks, 10);
        free(c);
        topo_destroy(&t);
        gsl_rng_free(rng);
    }
}
END_TEST

START_TEST(same_run_same_times)
{
    /* The same flows twice give the same completion times to the
     * picosecond; with rate_tol 0 (every rate change applied, however
     * small) they move by at most 1 ps per 1e12 ps of time, plus the
     * picosecond of rounding. */
    gsl_rng *rng = tn_rng_stream(5, TN_RNG_TEST, 79);
    topo_t t;
    int32_t ends[16];
    int n_ends;
    small_fattree(&t, rng, ends, &n_ends);
    rcase_t *c = calloc(1, sizeof *c);
    rcase_plan(c, &t, ends, n_ends, NULL, RMAX_FLOWS, rng);
    sim_time_t first[RMAX_FLOWS];
    rcase_run(c, 1e-12);
    memcpy(first, c->done_at, sizeof first);
    rcase_run(c, 1e-12);
    for (int i = 0; i < c->n; i++)
        ck_assert_uint_eq(c->done_at[i], first[i]);
    rcase_run(c, 0.0);
    for (int i = 0; i < c->n; i++) {
        double d = fabs((double)c->done_at[i] - (double)first[i]);
        ck_assert_double_le(d, 1.0 + (double)first[i] * 1e-12);
    }
    free(c);
    topo_destroy(&t);
    gsl_rng_free(rng);
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
    tcase_add_test(tc, matches_brute_force_random_graphs);
    tcase_add_test(tc, matches_brute_force_fattree);
    tcase_add_test(tc, matches_brute_force_components);
    tcase_add_test(tc, matches_brute_force_weighted);
    tcase_add_test(tc, weight_is_identical_flows);
    tcase_add_test(tc, only_the_component_is_recomputed);
    tcase_add_test(tc, same_run_same_times);
    suite_add_tcase(s, tc);
    return s;
}
