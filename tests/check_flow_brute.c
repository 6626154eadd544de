/* tests/check_flow_brute.c — the flow network model against a brute-force
 * max-min solver: random flow sets on random graphs, clustered graphs (many
 * components) and a small fat-tree, unweighted and weighted, compared rate
 * by rate after every instant; and the same flows twice give the same
 * completion times. The small cases worked out by hand are in
 * tests/check_flow.c. */
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

/* A comparison over seeds 1 .. seeds of RNG stream `stream`: each seed
 * builds a graph, plans flows + a uniform draw below more_flows of them
 * (exactly `flows` when more_flows is 0), weighted 1 .. 8 or not, and
 * compares them with the brute-force solver at more than min_checks
 * instants. */
typedef enum { G_RANDOM, G_CLUSTERED, G_ALTERNATE, G_FATTREE } graph_kind_t;
typedef struct {
    graph_kind_t graph; /* G_ALTERNATE: random for odd seeds, clustered for even */
    unsigned long seeds;
    uint64_t stream;
    int flows, more_flows;
    bool weighted;
    int min_checks;
} sweep_t;

static void compare_seeds(const sweep_t *w)
{
    for (unsigned long seed = 1; seed <= w->seeds; seed++) {
        gsl_rng *rng = tn_rng_stream(seed, TN_RNG_TEST, w->stream);
        topo_t t;
        int32_t ends[25];
        int group[25], n_ends;
        bool clustered = w->graph == G_CLUSTERED || (w->graph == G_ALTERNATE && seed % 2 == 0);
        if (w->graph == G_FATTREE) {
            small_fattree(&t, rng, ends, &n_ends);
            ck_assert_int_eq(t.n_vertices, 16 + 20); /* 8 leaves, 8 aggregation, 4 core */
        } else if (clustered) {
            clustered_graph(&t, rng, ends, &n_ends, group);
        } else {
            random_graph(&t, rng, ends, &n_ends);
        }
        int n = w->flows;
        if (w->more_flows)
            n += (int)gsl_rng_uniform_int(rng, (unsigned long)w->more_flows);
        rcase_t *c = calloc(1, sizeof *c);
        rcase_plan(c, &t, ends, n_ends, clustered ? group : NULL, n, rng);
        for (int i = 0; w->weighted && i < c->n; i++)
            c->weight[i] = 1 + (uint32_t)gsl_rng_uniform_int(rng, 8);
        rcase_run(c, 1e-12);
        ck_assert_int_gt(c->checks, w->min_checks);
        free(c);
        topo_destroy(&t);
        gsl_rng_free(rng);
    }
}

START_TEST(matches_brute_force_random_graphs)
{
    compare_seeds(&(sweep_t){.graph = G_RANDOM, .seeds = 40, .stream = 77, .flows = 20,
                             .more_flows = 60, .min_checks = 2});
}
END_TEST

START_TEST(matches_brute_force_components)
{
    compare_seeds(&(sweep_t){.graph = G_CLUSTERED, .seeds = 30, .stream = 80, .flows = 30,
                             .more_flows = 60, .min_checks = 2});
}
END_TEST

/* Weighted flows (weights 1 .. 8) on the random graphs and the clustered
 * ones: the same comparison with the weighted brute-force solver. */
START_TEST(matches_brute_force_weighted)
{
    compare_seeds(&(sweep_t){.graph = G_ALTERNATE, .seeds = 40, .stream = 81, .flows = 20,
                             .more_flows = 60, .weighted = true, .min_checks = 2});
}
END_TEST

START_TEST(matches_brute_force_fattree)
{
    compare_seeds(&(sweep_t){.graph = G_FATTREE, .seeds = 20, .stream = 78, .flows = RMAX_FLOWS,
                             .min_checks = 10});
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

Suite *flow_brute_suite(void)
{
    Suite *s = suite_create("flow-brute");
    TCase *tc = tcase_create("brute-force");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, matches_brute_force_random_graphs);
    tcase_add_test(tc, matches_brute_force_fattree);
    tcase_add_test(tc, matches_brute_force_components);
    tcase_add_test(tc, matches_brute_force_weighted);
    tcase_add_test(tc, same_run_same_times);
    suite_add_tcase(s, tc);
    return s;
}
