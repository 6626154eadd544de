/* tests/check_degrade.c — failed components and checkpoint traffic: a
 * fabric copied without cables and switches (topology/degrade.h), bulk
 * transfers alone (sim/job/transfer.h) and beside a job
 * (sim_run_scenario_opts(), sim/job/run.h), each time against a hand
 * calculation.
 *
 * The fat-tree below: 4 servers of one bare GPU (one 100 Gbps port),
 * radix 4, 2 tiers, so a leaf has d1 = 2 ports down and u1 = 2 up: 2
 * leaves (gpus 0-1 on one, 2-3 on the other) and 2 spines, every link
 * 100 Gbps and L = 1 us. Between leaves a path is 4 hops (gpu, leaf,
 * spine, leaf, gpu), one per spine: 2 equal-cost paths. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/job/run.h"
#include "sim/job/transfer.h"
#include "topology/degrade.h"
#include "topology/route.h"
#include "topology/spec.h"
#include "tests/helpers.h"
#include "tests/tests.h"

#define FT_TOPO                                                                                    \
    "{\"kind\": \"fat-tree\", \"servers\": 4, \"server\": {\"gpus\": 1, \"gpu_port_bw_gbps\": "   \
    "100}, \"fabric\": {\"tiers\": 2, \"radix\": 4, \"bw_gbps\": 100, \"latency_ns\": 1000}}"
#define L_S 1e-6          /* every link's latency */
#define B 12500000ull     /* bytes: 1e8 bits, 1 ms at 100 Gbps */
#define T_B 1e-3          /* B at 100 Gbps */
#define TOL 3e-12         /* a few ps of rounding */

/* The vertex at the other end of v's only cable (a bare GPU's leaf). */
static int32_t only_neighbour(const topo_t *t, int32_t v)
{
    ck_assert_int_eq(t->out_off[v + 1] - t->out_off[v], 1);
    return t->edst[t->out_edge[t->out_off[v]]];
}

/* The cables from leaf to a spine, in id order, into c[]; returns how many. */
static int uplinks(const topo_t *t, int32_t leaf, int32_t *c)
{
    int k = 0;
    for (int32_t e = 0; e < t->n_edges; e += 2)
        if ((t->esrc[e] == leaf && t->kind[t->edst[e]] == TOPO_SPINE) ||
            (t->edst[e] == leaf && t->kind[t->esrc[e]] == TOPO_SPINE))
            c[k++] = e / 2;
    return k;
}

/* The spine on the path of (src, dst, flow) on t. */
static int32_t spine_of(const topo_t *t, int32_t src, int32_t dst, uint64_t flow)
{
    topo_route_t r;
    topo_route_init(&r, t);
    int32_t p[8];
    ck_assert_int_eq(topo_route_path(&r, src, dst, flow, p, 8, NULL), 4);
    topo_route_destroy(&r);
    ck_assert_int_eq(t->kind[t->edst[p[1]]], TOPO_SPINE);
    return t->edst[p[1]];
}

static void assert_same(const topo_t *a, const topo_t *b)
{
    ck_assert_int_eq(a->n_vertices, b->n_vertices);
    ck_assert_int_eq(a->n_edges, b->n_edges);
    ck_assert_int_eq(a->n_gpus, b->n_gpus);
    ck_assert_int_eq(a->n_servers, b->n_servers);
    size_t nv = (size_t)a->n_vertices, ne = (size_t)a->n_edges;
    ck_assert(!memcmp(a->kind, b->kind, nv * sizeof *a->kind));
    ck_assert(!memcmp(a->server, b->server, nv * sizeof *a->server));
    ck_assert(!memcmp(a->cores, b->cores, nv * sizeof *a->cores));
    ck_assert(!memcmp(a->gpus, b->gpus, (size_t)a->n_gpus * sizeof *a->gpus));
    ck_assert(!memcmp(a->esrc, b->esrc, ne * sizeof *a->esrc));
    ck_assert(!memcmp(a->edst, b->edst, ne * sizeof *a->edst));
    ck_assert(!memcmp(a->bps, b->bps, ne * sizeof *a->bps));
    ck_assert(!memcmp(a->latency_ps, b->latency_ps, ne * sizeof *a->latency_ps));
    ck_assert(!memcmp(a->tier, b->tier, ne * sizeof *a->tier));
    ck_assert(!memcmp(a->out_off, b->out_off, (nv + 1) * sizeof *a->out_off));
    ck_assert(!memcmp(a->out_edge, b->out_edge, ne * sizeof *a->out_edge));
    ck_assert(!memcmp(a->in_off, b->in_off, (nv + 1) * sizeof *a->in_off));
    ck_assert(!memcmp(a->in_edge, b->in_edge, ne * sizeof *a->in_edge));
    ck_assert(b->finalized);
    ck_assert_int_eq(igraph_ecount(&b->graph), (igraph_integer_t)ne);
    ck_assert_int_eq(igraph_vcount(&b->graph), (igraph_integer_t)nv);
}

/* Without nothing, the copy is the fabric: every array, and the same
 * ECMP paths (same ids, same order), on the fat-tree and on servers with
 * PCIe switches, NICs and CPUs. */
START_TEST(copy_without_nothing_is_the_same)
{
    static const char *const specs[] = {
        FT_TOPO,
        "{\"kind\": \"fat-tree\", \"servers\": 2, \"server\": {\"gpus\": 4, \"pcie\": "
        "{\"switches\": 2, \"bw_gbps\": 252, \"latency_ns\": 150, \"gpus\": [0, 0, 1, 1], "
        "\"sockets\": [0, 0]}, \"cpu\": {\"sockets\": 1, \"cores_per_socket\": 8}, "
        "\"nics\": {\"count\": 2, \"bw_gbps\": 200, \"latency_ns\": 150, \"pcie\": [1, 0]}}, "
        "\"fabric\": {\"tiers\": 2, \"radix\": 8, \"bw_gbps\": 200, \"latency_ns\": 150}}",
    };
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        topo_spec_t s;
        topo_t t, c;
        test_fabric(specs[i], &s, &t);
        int32_t *map = malloc((size_t)t.n_edges * sizeof *map);
        uint8_t *none = calloc((size_t)t.n_vertices + (size_t)t.n_edges, 1);
        /* NULL masks and all-zero masks alike */
        ck_assert_int_eq(topo_copy_without(&t, none, none, &c, map, NULL), 0);
        assert_same(&t, &c);
        for (int32_t e = 0; e < t.n_edges; e++)
            ck_assert_int_eq(map[e], e);
        topo_destroy(&c);
        ck_assert_int_eq(topo_copy_without(&t, NULL, NULL, &c, NULL, NULL), 0);
        assert_same(&t, &c);
        topo_route_t ra, rb;
        topo_route_init(&ra, &t);
        topo_route_init(&rb, &c);
        int32_t pa[16], pb[16];
        for (int32_t g = 1; g < t.n_gpus; g++)
            for (uint64_t f = 0; f < 4; f++) {
                int ha = topo_route_path(&ra, t.gpus[0], t.gpus[g], f, pa, 16, NULL);
                ck_assert_int_gt(ha, 0);
                ck_assert_int_eq(topo_route_path(&rb, t.gpus[0], t.gpus[g], f, pb, 16, NULL), ha);
                ck_assert(!memcmp(pa, pb, (size_t)ha * sizeof *pa));
            }
        topo_route_destroy(&ra);
        topo_route_destroy(&rb);
        topo_destroy(&c);
        free(map);
        free(none);
        topo_destroy(&t);
        topo_spec_destroy(&s);
    }
}
END_TEST

/* One of leaf 0's two uplinks down: gpu 0 still reaches gpu 2 in 4 hops,
 * over 1 path instead of 2; the cable's edges map to -1, later edges two
 * ids down; the spine keeps its id. */
START_TEST(drop_one_uplink_fewer_paths)
{
    topo_spec_t s;
    topo_t t, c;
    test_fabric(FT_TOPO, &s, &t);
    ck_assert_int_eq(t.n_gpus, 4);
    int32_t g0 = t.gpus[0], g2 = t.gpus[2], leaf = only_neighbour(&t, g0), up[4];
    ck_assert_int_ne(leaf, only_neighbour(&t, g2));
    ck_assert_int_eq(uplinks(&t, leaf, up), 2);
    topo_route_t r;
    topo_route_init(&r, &t);
    ck_assert_int_eq(topo_route_dist(&r, g0, g2), 4);
    ck_assert_double_eq(topo_route_count_paths(&r, g0, g2), 2);
    topo_route_destroy(&r);

    uint8_t *drop = calloc((size_t)t.n_edges / 2, 1);
    drop[up[0]] = 1;
    int32_t *map = malloc((size_t)t.n_edges * sizeof *map);
    ck_assert_int_eq(topo_copy_without(&t, NULL, drop, &c, map, NULL), 0);
    ck_assert_int_eq(c.n_vertices, t.n_vertices);
    ck_assert_int_eq(c.n_edges, t.n_edges - 2);
    ck_assert(!memcmp(c.gpus, t.gpus, (size_t)t.n_gpus * sizeof *t.gpus));
    for (int32_t e = 0; e < t.n_edges; e++) {
        int32_t want = e / 2 == up[0] ? -1 : e / 2 < up[0] ? e : e - 2;
        ck_assert_int_eq(map[e], want);
        if (want >= 0) {
            ck_assert_int_eq(c.esrc[want], t.esrc[e]);
            ck_assert_int_eq(c.edst[want], t.edst[e]);
        }
    }
    topo_route_init(&r, &c);
    ck_assert_int_eq(topo_route_dist(&r, g0, g2), 4);
    ck_assert_double_eq(topo_route_count_paths(&r, g0, g2), 1);
    ck_assert_double_eq(topo_route_count_paths(&r, g2, g0), 1);
    topo_route_destroy(&r);
    topo_destroy(&c);

    /* the same through a failed spine: its cables go, the vertex stays,
     * isolated */
    int32_t spine = spine_of(&t, g0, g2, 0);
    uint8_t *vdrop = calloc((size_t)t.n_vertices, 1);
    vdrop[spine] = 1;
    ck_assert_int_eq(topo_copy_without(&t, vdrop, NULL, &c, NULL, NULL), 0);
    ck_assert_int_eq(c.n_vertices, t.n_vertices);
    ck_assert_int_eq(c.kind[spine], TOPO_SPINE);
    ck_assert_int_eq(c.out_off[spine + 1] - c.out_off[spine], 0);
    ck_assert_int_eq(c.in_off[spine + 1] - c.in_off[spine], 0);
    ck_assert_int_eq(c.n_edges, t.n_edges - 2 * 2); /* a spine has one cable per leaf */
    topo_route_init(&r, &c);
    ck_assert_int_eq(topo_route_dist(&r, g0, g2), 4);
    ck_assert_double_eq(topo_route_count_paths(&r, g0, g2), 1);
    ck_assert_int_ne(spine_of(&c, g0, g2, 0), spine);
    topo_route_destroy(&r);
    topo_destroy(&c);
    free(vdrop);
    free(map);
    free(drop);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* Both of leaf 0's uplinks down: gpus 0-1 are cut off from 2-3. The copy
 * is made (failures may disconnect), and the router and the transfer
 * check say so instead of crashing. */
START_TEST(drop_all_uplinks_unreachable)
{
    topo_spec_t s;
    topo_t t, c;
    test_fabric(FT_TOPO, &s, &t);
    int32_t g0 = t.gpus[0], g2 = t.gpus[2], up[4];
    ck_assert_int_eq(uplinks(&t, only_neighbour(&t, g0), up), 2);
    uint8_t *drop = calloc((size_t)t.n_edges / 2, 1);
    drop[up[0]] = drop[up[1]] = 1;
    ck_assert_int_eq(topo_copy_without(&t, NULL, drop, &c, NULL, NULL), 0);
    topo_route_t r;
    topo_route_init(&r, &c);
    int32_t p[8];
    tn_error_t err = {0};
    ck_assert_int_eq(topo_route_path(&r, g0, g2, 0, p, 8, &err), -1);
    ck_assert_int_eq(err.code, TN_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot reach"));
    ck_assert_int_eq(topo_route_dist(&r, g0, g2), TOPO_ROUTE_UNREACHABLE);
    ck_assert_int_eq(topo_route_dist(&r, g0, t.gpus[1]), 2); /* same leaf: fine */
    topo_route_destroy(&r);

    sim_transfer_t x[] = {{g0, t.gpus[1], B}, {g0, g2, B}};
    double m = -1;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(sim_transfer_phase(&c, SIM_NET_FLOW, x, 2, &m, &err), -1);
    ck_assert_int_eq(err.code, TN_EINPUT);
    char want[128];
    snprintf(want, sizeof want, "transfer 1: gpu 2 (vertex %d) is unreachable from gpu 0 (vertex %d)",
             g2, g0);
    ck_assert_str_eq(err.msg, want);
    /* the first alone is fine: one hop to the leaf and one down */
    ck_assert_int_eq(sim_transfer_phase(&c, SIM_NET_FLOW, x, 1, &m, &err), 0);
    ck_assert_double_eq_tol(m, T_B + 2 * L_S, TOL);
    topo_destroy(&c);
    free(drop);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* Transfers alone on the fat-tree: one flow takes B / 100 Gbps plus its
 * 4 links' latency; two sharing gpu 0's host link take twice as long (50
 * Gbps each); three into gpu 2 are limited by its host link (100/3 Gbps
 * each), the makespan the 4-hop ones'. The analytic model has no
 * contention: one flow's time whatever shares. */
START_TEST(transfer_phase_hand_calculations)
{
    topo_spec_t s;
    topo_t t;
    test_fabric(FT_TOPO, &s, &t);
    const int32_t *g = t.gpus;
    double m = -1;
    tn_error_t err = {0};
    sim_transfer_t one[] = {{g[0], g[2], B}};
    ck_assert_int_eq(sim_transfer_phase(&t, SIM_NET_FLOW, one, 1, &m, &err), 0);
    ck_assert_double_eq_tol(m, T_B + 4 * L_S, TOL);

    sim_transfer_t two[] = {{g[0], g[2], B}, {g[0], g[3], B}};
    ck_assert_int_eq(sim_transfer_phase(&t, SIM_NET_FLOW, two, 2, &m, &err), 0);
    ck_assert_double_eq_tol(m, 2 * T_B + 4 * L_S, TOL);
    ck_assert_int_eq(sim_transfer_phase(&t, SIM_NET_ANALYTIC, two, 2, &m, &err), 0);
    ck_assert_double_eq_tol(m, T_B + 4 * L_S, TOL);

    sim_transfer_t in[] = {{g[0], g[2], B}, {g[1], g[2], B}, {g[3], g[2], B}};
    ck_assert_int_eq(sim_transfer_phase(&t, SIM_NET_FLOW, in, 3, &m, &err), 0);
    ck_assert_double_eq_tol(m, 3 * T_B + 4 * L_S, TOL);

    /* none: nothing to wait for */
    ck_assert_int_eq(sim_transfer_phase(&t, SIM_NET_FLOW, NULL, 0, &m, &err), 0);
    ck_assert_double_eq(m, 0);
    /* a vertex the fabric does not have */
    sim_transfer_t bad[] = {{g[0], t.n_vertices, B}};
    ck_assert_int_eq(sim_transfer_phase(&t, SIM_NET_FLOW, bad, 1, &m, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "transfer 0: vertex"));
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* Storage on a switch: two GPUs and a storage vertex on one switch, 100
 * Gbps, 1 us each, plus a storage vertex with no cable (finalize only
 * joins GPUs). Writing two shards shares the switch -> storage link;
 * reading them back (a restore) shares storage -> switch: 2 B / 100 Gbps
 * + 2 L either way. The cut-off storage is an error. */
START_TEST(transfer_phase_storage)
{
    topo_t t;
    topo_init(&t);
    int32_t g0 = topo_add_vertex(&t, TOPO_GPU, 0, 0), g1 = topo_add_vertex(&t, TOPO_GPU, 1, 0);
    int32_t sw = topo_add_vertex(&t, TOPO_LEAF, -1, 0);
    int32_t st = topo_add_vertex(&t, TOPO_STORAGE, -1, 0);
    int32_t lost = topo_add_vertex(&t, TOPO_STORAGE, -1, 0);
    topo_add_cable(&t, g0, sw, 100000000000ull, 1000000, TOPO_TIER_HOST);
    topo_add_cable(&t, g1, sw, 100000000000ull, 1000000, TOPO_TIER_HOST);
    topo_add_cable(&t, st, sw, 100000000000ull, 1000000, TOPO_TIER_HOST);
    ck_assert_int_eq(topo_finalize(&t, NULL), 0);
    double m = -1;
    tn_error_t err = {0};
    sim_transfer_t wr[] = {{g0, st, B}, {g1, st, B}}, rd[] = {{st, g0, B}, {st, g1, B}};
    ck_assert_int_eq(sim_transfer_phase(&t, SIM_NET_FLOW, wr, 2, &m, &err), 0);
    ck_assert_double_eq_tol(m, 2 * T_B + 2 * L_S, TOL);
    ck_assert_int_eq(sim_transfer_phase(&t, SIM_NET_FLOW, rd, 2, &m, &err), 0);
    ck_assert_double_eq_tol(m, 2 * T_B + 2 * L_S, TOL);
    sim_transfer_t cut[] = {{g0, st, B}, {g1, lost, B}};
    ck_assert_int_eq(sim_transfer_phase(&t, SIM_NET_FLOW, cut, 2, &m, &err), -1);
    char want[128];
    snprintf(want, sizeof want, "transfer 1: storage vertex %d is unreachable from gpu 1 (vertex %d)",
             lost, g1);
    ck_assert_str_eq(err.msg, want);
    topo_destroy(&t);
}
END_TEST

/* A scenario file over `topo` running the trace at trace_path, one
 * iteration, the flow model, no software latency. */
static char *scenario_file(const char *topo, const char *trace_path)
{
    char doc[2048];
    snprintf(doc, sizeof doc,
             "{\"name\": \"degrade\", \"seed\": 1, \"topology\": %s, \"workload\": {\"trace\": "
             "\"%s\"}, \"network\": {\"model\": \"flow\"}, \"collectives\": {\"algorithm\": "
             "\"ring\", \"protocol\": \"none\"}, \"iterations\": 1}",
             topo, trace_path);
    return tmpfile_with(doc, ".json");
}

/* The run of `path` with o; its one iteration's end, and the background's
 * in *bg_s (when not NULL). Fails the test on an error. */
static double run_s(const char *path, const sim_run_opts_t *o, double *bg_s)
{
    sim_scenario_t sc;
    sim_records_t rec;
    sim_run_info_t info;
    tn_error_t err = {0};
    ck_assert_msg(sim_scenario_load(&sc, path, NULL, &err) == 0, "%s", err.msg);
    ck_assert_msg(sim_run_scenario_opts(&sc, o, &rec, &info, &err) == 0, "%s", err.msg);
    double end = sim_time_to_s(rec.iter_end[0]);
    ck_assert(rec.end_ps >= rec.iter_end[0] && rec.end_ps >= info.background_end_ps);
    if (bg_s)
        *bg_s = sim_time_to_s(info.background_end_ps);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
    return end;
}

/* Rank 0 sends B to rank 1 on a 4-GPU switch (100 Gbps, 500 ns): alone,
 * B / 100 Gbps + 2 x 500 ns. A background transfer of B from gpu 2 to
 * gpu 1 shares the switch -> gpu 1 link all along: both get 50 Gbps and
 * arrive at 2 B / 100 Gbps + 2 x 500 ns. One from gpu 2 to gpu 3 shares
 * nothing with the job: the iteration ends exactly when it did alone. */
START_TEST(background_transfers_contend)
{
    static const char trace[] =
        "{\"tensim_trace\": 1, \"ranks\": 2, \"communicators\": [{\"name\": \"w\", \"groups\": "
        "[[0, 1]]}], \"programs\": [{\"name\": \"s\", \"ranks\": [0], \"ops\": [{\"kind\": "
        "\"send\", \"comm\": \"w\", \"peer\": 1, \"size_bytes\": 12500000}]}, {\"name\": \"r\", "
        "\"ranks\": [1], \"ops\": [{\"kind\": \"recv\", \"comm\": \"w\", \"peer\": 0, "
        "\"size_bytes\": 12500000}]}]}";
    char *tp = tmpfile_with(trace, ".json");
    char *sp = scenario_file("{\"preset\": \"single-switch\", \"set\": {\"gpus\": 4, "
                             "\"link.bw_gbps\": 100, \"link.latency_ns\": 500}}",
                             tp);
    const double lat = 2 * 500e-9;
    double bg = -1;
    double alone = run_s(sp, NULL, &bg);
    ck_assert_double_eq_tol(alone, T_B + lat, TOL);
    ck_assert_double_eq(bg, 0);
    /* single-switch: gpu i is vertex i */
    sim_transfer_t shared[] = {{2, 1, B}}, apart[] = {{2, 3, B}};
    sim_run_opts_t o = {.background = shared, .n_background = 1};
    double slowed = run_s(sp, &o, &bg);
    ck_assert_double_eq_tol(slowed, 2 * T_B + lat, TOL);
    ck_assert_double_eq_tol(bg, 2 * T_B + lat, TOL);
    ck_assert(slowed > alone);
    o.background = apart;
    ck_assert(run_s(sp, &o, &bg) == alone);
    ck_assert_double_eq_tol(bg, T_B + lat, TOL);

    /* a background transfer to a vertex the fabric lacks: an error naming
     * the file */
    sim_transfer_t bad[] = {{0, 99, B}};
    o.background = bad;
    sim_scenario_t sc;
    sim_records_t rec;
    sim_run_info_t info;
    tn_error_t err = {0};
    ck_assert_int_eq(sim_scenario_load(&sc, sp, NULL, &err), 0);
    ck_assert_int_eq(sim_run_scenario_opts(&sc, &o, &rec, &info, &err), -1);
    char want[512];
    snprintf(want, sizeof want,
             "%s: background: transfer 0: vertex 99 is not in the fabric's 5 vertices", sp);
    ck_assert_str_eq(err.msg, want);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
    tmpfile_drop(sp);
    tmpfile_drop(tp);
}
END_TEST

/* Ranks 0 and 1 (leaf 0) send B each to ranks 2 and 3 (leaf 1), on
 * connections (tags) that take different spines: no link shared, each
 * B / 100 Gbps + 4 L. With either flow's uplink down, both cross
 * the other: 50 Gbps each, 2 B / 100 Gbps + 4 L. With both uplinks down,
 * the run refuses, naming the file and the GPUs. */
START_TEST(failed_uplink_slows_the_job)
{
    topo_spec_t s;
    topo_t t;
    test_fabric(FT_TOPO, &s, &t);
    const int32_t *g = t.gpus;
    /* bare GPUs have no NIC: a transfer's path is the router's for its
     * connection (sim/net/net.h), and a send's connection is its tag */
    int32_t spine0 = spine_of(&t, g[0], g[2], 0);
    int tag = 1;
    while (tag < 64 && spine_of(&t, g[1], g[3], (uint64_t)tag) == spine0)
        tag++;
    ck_assert_int_lt(tag, 64);
    char trace[2048];
    snprintf(trace, sizeof trace,
             "{\"tensim_trace\": 1, \"ranks\": 4, \"communicators\": [{\"name\": \"w\", "
             "\"groups\": [[0, 2], [1, 3]]}], \"programs\": ["
             "{\"name\": \"s0\", \"ranks\": [0], \"ops\": [{\"kind\": \"send\", \"comm\": \"w\", "
             "\"peer\": 1, \"tag\": 0, \"size_bytes\": 12500000}]}, "
             "{\"name\": \"s1\", \"ranks\": [1], \"ops\": [{\"kind\": \"send\", \"comm\": \"w\", "
             "\"peer\": 1, \"tag\": %d, \"size_bytes\": 12500000}]}, "
             "{\"name\": \"r0\", \"ranks\": [2], \"ops\": [{\"kind\": \"recv\", \"comm\": \"w\", "
             "\"peer\": 0, \"tag\": 0, \"size_bytes\": 12500000}]}, "
             "{\"name\": \"r1\", \"ranks\": [3], \"ops\": [{\"kind\": \"recv\", \"comm\": \"w\", "
             "\"peer\": 0, \"tag\": %d, \"size_bytes\": 12500000}]}]}",
             tag, tag);
    char *tp = tmpfile_with(trace, ".json");
    char *sp = scenario_file(FT_TOPO, tp);
    double intact = run_s(sp, NULL, NULL);
    ck_assert_double_eq_tol(intact, T_B + 4 * L_S, TOL);

    int32_t leaf = only_neighbour(&t, g[0]), up[4];
    ck_assert_int_eq(uplinks(&t, leaf, up), 2);
    int k = t.esrc[2 * up[0]] == spine0 || t.edst[2 * up[0]] == spine0 ? 0 : 1;
    uint8_t *drop = calloc((size_t)t.n_edges / 2, 1);
    drop[up[k]] = 1;
    sim_run_opts_t o = {.drop_cable = drop};
    double degraded = run_s(sp, &o, NULL);
    ck_assert(degraded >= intact);
    ck_assert_double_eq_tol(degraded, 2 * T_B + 4 * L_S, TOL);
    /* rank 1's uplink down instead: the same, both over rank 0's */
    drop[up[k]] = 0;
    drop[up[1 - k]] = 1;
    ck_assert_double_eq_tol(run_s(sp, &o, NULL), 2 * T_B + 4 * L_S, TOL);

    drop[up[k]] = 1;
    sim_scenario_t sc;
    sim_records_t rec;
    sim_run_info_t info;
    tn_error_t err = {0};
    ck_assert_int_eq(sim_scenario_load(&sc, sp, NULL, &err), 0);
    ck_assert_int_eq(sim_run_scenario_opts(&sc, &o, &rec, &info, &err), -1);
    ck_assert_int_eq(err.code, TN_EINPUT);
    char want[512];
    snprintf(want, sizeof want,
             "%s: on the fabric without the failed components: gpu 2 (vertex %d) is unreachable "
             "from gpu 0 (vertex %d)",
             sp, g[2], g[0]);
    ck_assert_str_eq(err.msg, want);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
    free(drop);
    tmpfile_drop(sp);
    tmpfile_drop(tp);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* The check of a job's GPUs on servers with NICs (2 servers of 4 GPUs,
 * 2 NICs each; GPUs do not forward): intact, all 8 reach each other.
 * With every NIC cable of server 1 down, server 0's 4 GPUs still do
 * (inside the server), and server 1's, but not all 8: the first GPU of
 * server 1 is unreachable from gpu 0, their NICs named after them. */
START_TEST(group_check_through_nics)
{
    topo_spec_t s;
    topo_t t, c;
    test_fabric("{\"kind\": \"fat-tree\", \"servers\": 2, \"server\": {\"gpus\": 4, \"pcie\": "
                "{\"switches\": 2, \"bw_gbps\": 252, \"latency_ns\": 150, \"gpus\": [0, 0, 1, 1], "
                "\"sockets\": [0, 0]}, \"cpu\": {\"sockets\": 1, \"cores_per_socket\": 8}, "
                "\"nics\": {\"count\": 2, \"bw_gbps\": 200, \"latency_ns\": 150, \"pcie\": [1, 0]}}, "
                "\"fabric\": {\"tiers\": 2, \"radix\": 8, \"bw_gbps\": 200, \"latency_ns\": 150}}",
                &s, &t);
    ck_assert_int_eq(t.n_gpus, 8);
    sim_engine_t eng;
    sim_net_t net;
    tn_error_t err = {0};
    sim_engine_init(&eng);
    ck_assert_int_eq(sim_net_init(&net, &eng, &t, SIM_NET_FLOW, NULL), 0);
    ck_assert_int_eq(sim_transfer_check_group(&net, t.gpus, 8, &err), 0);
    sim_net_destroy(&net);

    uint8_t *drop = calloc((size_t)t.n_edges / 2, 1);
    int cut = 0;
    for (int32_t e = 0; e < t.n_edges; e += 2) {
        int32_t a = t.esrc[e], b = t.edst[e];
        int32_t nic = t.kind[a] == TOPO_NIC ? a : t.kind[b] == TOPO_NIC ? b : -1;
        int32_t other = nic == a ? b : a;
        if (nic >= 0 && t.server[nic] == t.server[t.gpus[4]] && t.server[other] < 0) {
            drop[e / 2] = 1;
            cut++;
        }
    }
    ck_assert_int_eq(cut, 2);
    ck_assert_int_eq(topo_copy_without(&t, NULL, drop, &c, NULL, NULL), 0);
    ck_assert_int_eq(sim_net_init(&net, &eng, &c, SIM_NET_FLOW, NULL), 0);
    ck_assert_int_eq(sim_transfer_check_group(&net, c.gpus, 4, &err), 0);
    ck_assert_int_eq(sim_transfer_check_group(&net, c.gpus + 4, 4, &err), 0);
    ck_assert_int_eq(sim_transfer_check_group(&net, c.gpus, 8, &err), -1);
    char want[128];
    snprintf(want, sizeof want, "gpu 4 (vertex %d) is unreachable from gpu 0 (vertex %d): nic vertex ",
             c.gpus[4], c.gpus[0]);
    ck_assert_msg(!strncmp(err.msg, want, strlen(want)), "%s", err.msg);
    /* a transfer across, as routed: the same verdict */
    sim_transfer_t x[] = {{c.gpus[0], c.gpus[5], B}};
    ck_assert_int_eq(sim_transfer_check(&net, x, 1, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "transfer 0: "));
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    free(drop);
    topo_destroy(&c);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* The options all zero, and NULL, are the plain run: the same records. */
START_TEST(default_options_change_nothing)
{
    sim_scenario_t sc;
    sim_records_t a, b;
    sim_run_info_t ia, ib;
    tn_error_t err = {0};
    ck_assert_int_eq(sim_scenario_load(&sc, "workloads/scenarios/skeleton-8gpu.json", NULL, &err),
                     0);
    sim_run_opts_t zero = {0};
    ck_assert_int_eq(sim_run_scenario(&sc, &a, &ia, &err), 0);
    ck_assert_int_eq(sim_run_scenario_opts(&sc, &zero, &b, &ib, &err), 0);
    ck_assert_int_eq(a.end_ps, b.end_ps);
    ck_assert_int_eq(a.events, b.events);
    ck_assert(!memcmp(a.iter_end, b.iter_end, a.n_iterations * sizeof *a.iter_end));
    ck_assert(!memcmp(a.link_bytes, b.link_bytes, (size_t)a.n_links * sizeof *a.link_bytes));
    ck_assert_int_eq(ib.background_end_ps, 0);
    sim_records_destroy(&b);
    /* an intact copy (all-zero masks) too */
    uint8_t none[64] = {0};
    sim_run_opts_t copy = {.drop_cable = none, .drop_vertex = none};
    ck_assert_int_eq(sim_run_scenario_opts(&sc, &copy, &b, &ib, &err), 0);
    ck_assert_int_eq(a.end_ps, b.end_ps);
    ck_assert_int_eq(a.events, b.events);
    sim_records_destroy(&b);
    sim_records_destroy(&a);
    sim_scenario_destroy(&sc);
}
END_TEST

Suite *degrade_suite(void)
{
    Suite *s = suite_create("degrade");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, copy_without_nothing_is_the_same);
    tcase_add_test(tc, drop_one_uplink_fewer_paths);
    tcase_add_test(tc, drop_all_uplinks_unreachable);
    tcase_add_test(tc, transfer_phase_hand_calculations);
    tcase_add_test(tc, transfer_phase_storage);
    tcase_add_test(tc, background_transfers_contend);
    tcase_add_test(tc, failed_uplink_slows_the_job);
    tcase_add_test(tc, group_check_through_nics);
    tcase_add_test(tc, default_options_change_nothing);
    suite_add_tcase(s, tc);
    return s;
}
