/* tests/check_shortcut.c — the exact shortcut of rings (sim/coll/
 * shortcut.c) gives what the step-by-step simulation gives, to the
 * picosecond and the byte: every member's done time, every link's bytes
 * and busy time, the transfers counted, and the times of whatever else
 * crosses the ring's links while it runs (which makes the shortcut yield
 * its state mid-way). The cases cover every algorithm, the shipped
 * server and fabric kinds, staggered arrivals, two collectives over the
 * same links at once, and an intruding transfer at many instants,
 * including the members' exact done times and the end of their per-call
 * latency. Each suite also checks that the shortcut was taken and did
 * yield, so a shortcut that never runs cannot pass for exact. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_hash.h"
#include "sim/coll/latency.h"
#include "sim/net/net.h"
#include "tests/cli_harness.h"
#include "tests/helpers.h"
#include "tests/tests.h"

#define MAXN 32

typedef struct {
    const char *fabric;  /* topology block */
    wl_coll_t op;
    sim_algo_t algo;
    uint64_t bytes, chunk_bytes;
    int32_t channels;
    const char *protocol;
    int32_t n;           /* the first n GPUs */
    sim_time_t stagger;  /* member m arrives at m x stagger */
    bool twice;          /* a second collective over the same members, from n/2 x stagger + 1 us */
    int32_t x_src, x_dst; /* the intruder: GPU indices */
    bool saves;          /* a ring over links of its own: the shortcut must save
                          * events alone and yield to the intruder */
    sim_time_t gap;      /* with twice: the second from then (0: overlapping) */
} case_t;

typedef struct {
    sim_time_t done[2][MAXN], x_done;
    uint64_t bytes_hash, busy_hash, transfers, events, taken, yielded;
} outcome_t;

typedef struct {
    sim_engine_t *eng;
    sim_time_t *done;
} rec_t;

static void on_member(void *ctx, int32_t m, uint64_t tag)
{
    (void)tag;
    rec_t *r = ctx;
    r->done[m] = sim_now(r->eng);
}

static void on_arrive(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    sim_coll_arrive(ctx, (int32_t)arg);
}

static void on_x_done(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    *(sim_time_t *)ctx = sim_now(eng);
}

typedef struct {
    sim_net_t *net;
    int32_t src, dst;
    sim_time_t *done;
} intruder_t;

static void on_intrude(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng, (void)arg;
    intruder_t *x = ctx;
    sim_net_send(x->net, x->src, x->dst, 3u << 20, 1000, 7, on_x_done, x->done, 0);
}

/* Runs case k on t with shortcuts on or off, the intruder at x_at
 * (SIM_TIME_MAX: none). */
static outcome_t run_model(const topo_t *t, const case_t *k, sim_net_model_t model,
                           bool shortcuts, sim_time_t x_at)
{
    outcome_t o;
    memset(&o, 0, sizeof o);
    sim_engine_t eng;
    sim_net_t net;
    sim_engine_init(&eng);
    ck_assert_int_eq(sim_net_init(&net, &eng, t, model, NULL), 0);
    net.shortcuts = shortcuts;
    sim_coll_spec_t spec = {.op = k->op, .algo = k->algo, .bytes = k->bytes,
                            .chunk_bytes = k->chunk_bytes, .channels = k->channels};
    ck_assert_int_eq(sim_latency_apply(k->protocol, &spec, NULL), 0);
    ck_assert_int_eq(sim_coll_check(&net, &spec, k->n, t->gpus, NULL), 0);
    rec_t rec[2] = {{&eng, o.done[0]}, {&eng, o.done[1]}};
    for (int c = 0; c < 1 + k->twice; c++) {
        sim_coll_t *coll = sim_coll_new(&net, &spec, k->n, t->gpus, on_member, &rec[c], 0);
        sim_time_t from = !c ? 0 : k->gap ? k->gap : (sim_time_t)(k->n / 2) * k->stagger + 1000000;
        for (int32_t m = 0; m < k->n; m++)
            sim_schedule(&eng, from + (sim_time_t)m * k->stagger, on_arrive, coll, (uint64_t)m);
    }
    intruder_t x = {&net, k->x_src >= 0 ? t->gpus[k->x_src] : 0,
                    k->x_src >= 0 ? t->gpus[k->x_dst] : 0, &o.x_done};
    if (k->x_src >= 0 && x_at != SIM_TIME_MAX)
        sim_schedule(&eng, x_at, on_intrude, &x, 0);
    sim_run(&eng, SIM_TIME_MAX);
    o.bytes_hash = tn_fnv1a64(TN_FNV1A64_INIT, net.link_bytes,
                              (size_t)t->n_edges * sizeof *net.link_bytes);
    o.busy_hash = tn_fnv1a64(TN_FNV1A64_INIT, net.link_busy_ps,
                             (size_t)t->n_edges * sizeof *net.link_busy_ps);
    o.transfers = net.transfers;
    o.events = eng.processed;
    o.taken = net.shortcuts_taken;
    o.yielded = net.shortcuts_yielded;
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    return o;
}

static outcome_t run_case(const topo_t *t, const case_t *k, bool shortcuts, sim_time_t x_at)
{
    return run_model(t, k, SIM_NET_FLOW, shortcuts, x_at);
}

static void expect_same(const outcome_t *a, const outcome_t *b, const char *what, int i,
                        sim_time_t x_at)
{
    for (int c = 0; c < 2; c++)
        for (int m = 0; m < MAXN; m++)
            ck_assert_msg(a->done[c][m] == b->done[c][m],
                          "case %d (%s), intruder at %llu ps: collective %d member %d done at "
                          "%llu ps with the shortcut, %llu ps step by step",
                          i, what, (unsigned long long)x_at, c, m,
                          (unsigned long long)a->done[c][m], (unsigned long long)b->done[c][m]);
    ck_assert_msg(a->x_done == b->x_done, "case %d (%s), intruder at %llu: it arrives at %llu, %llu",
                  i, what, (unsigned long long)x_at, (unsigned long long)a->x_done,
                  (unsigned long long)b->x_done);
    ck_assert_msg(a->bytes_hash == b->bytes_hash && a->busy_hash == b->busy_hash &&
                      a->transfers == b->transfers,
                  "case %d (%s), intruder at %llu: the links' counters differ", i, what,
                  (unsigned long long)x_at);
    ck_assert_uint_eq(b->taken, 0); /* off is off */
}

#define DGX1 "{\"preset\": \"azure-2020\", \"set\": {\"servers\": 2}}"
#define H100 "{\"preset\": \"ndv5-h100\", \"set\": {\"servers\": 2}}"
#define A100 "{\"preset\": \"selene-a100\", \"set\": {\"servers\": 2}}"
#define SWITCH "{\"preset\": \"single-switch\", \"set\": {\"gpus\": 8}}"
/* 4 GPUs in a ring of NVLink cables, each GPU a 100 Gbps port */
#define SERVER4                                                                                \
    "{\"gpus\": 4, \"gpu_port_bw_gbps\": 100, \"nvlink\": {\"kind\": \"mesh\", \"bw_gbps\": 200, " \
    "\"latency_ns\": 100, \"links\": [[0, 1, 1], [1, 2, 1], [2, 3, 1], [3, 0, 1]]}}"
#define FATTREE                                                                                \
    "{\"kind\": \"fat-tree\", \"servers\": 4, \"server\": " SERVER4 ", \"fabric\": {\"tiers\": 2, " \
    "\"radix\": 8, \"bw_gbps\": 100, \"latency_ns\": 300}}"
#define TORUS                                                                                  \
    "{\"kind\": \"torus\", \"servers\": 4, \"server\": " SERVER4 ", \"fabric\": {\"dims\": [2, 2], " \
    "\"bw_gbps\": 100, \"latency_ns\": 300}}"

static const case_t cases[] = {
    /* rings inside one DGX-1 (the NVLink ring order): simple's latencies
     * and channel pace, several chunks, staggered arrivals, two at once */
    {DGX1, WL_COLL_ALLREDUCE, SIM_ALGO_RING, 48 << 20, 0, 0, "simple", 8, 0, false, 0, 3, true, 0},
    {DGX1, WL_COLL_ALLGATHER, SIM_ALGO_RING, 8 << 20, 1 << 20, 2, "ll128", 8, 1700000, false, 2,
     1, true, 0},
    {DGX1, WL_COLL_REDUCESCATTER, SIM_ALGO_RING, 4 << 20, 0, 4, "none", 8, 0, true, 5, 1, true, 0},
    /* the same ring again once the first is done: timed from the first's
     * template, moved to its start */
    {DGX1, WL_COLL_ALLREDUCE, SIM_ALGO_RING, 48 << 20, 0, 0, "simple", 8, 0, true, 0, 3, true,
     50000000000},
    /* odd sizes: every channel moves ceil(S / channels), so the channels
     * are still one bundle, timed by the shortcut; the second
     * reduce-scatter over the same links makes the first yield */
    {DGX1, WL_COLL_ALLREDUCE, SIM_ALGO_RING, 50331648 + 5, 0, 0, "simple", 8, 0, false, 0, 3,
     true, 0},
    {DGX1, WL_COLL_REDUCESCATTER, SIM_ALGO_RING, (4 << 20) + 3, 0, 4, "none", 8, 0, true, 5, 1,
     true, 0},
    /* across servers: auto, hier (its rings inside each server are
     * children, activated by the parent), and what never shortcuts */
    {DGX1, WL_COLL_ALLREDUCE, SIM_ALGO_AUTO, 64 << 20, 0, 0, "simple", 16, 500000, false, 1, 9,
     false, 0},
    {DGX1, WL_COLL_ALLREDUCE, SIM_ALGO_HIER, 32 << 20, 0, 0, "simple", 16, 0, false, 0, 1, true, 0},
    {DGX1, WL_COLL_ALLREDUCE, SIM_ALGO_TREE, 8 << 20, 1 << 20, 1, "simple", 16, 0, false, 0, 8,
     false, 0},
    {DGX1, WL_COLL_BROADCAST, SIM_ALGO_RING, 8 << 20, 1 << 20, 1, "simple", 8, 0, false, 0, 1,
     false, 0},
    {DGX1, WL_COLL_ALLTOALL, SIM_ALGO_DIRECT, 8 << 20, 0, 1, "simple", 8, 0, false, 0, 1, false, 0},
    {DGX1, WL_COLL_ALLREDUCE, SIM_ALGO_HD, 8 << 20, 0, 1, "simple", 8, 0, false, 0, 1, false, 0},
    /* an NVSwitch server: rings through the switch, NVLS */
    {H100, WL_COLL_ALLGATHER, SIM_ALGO_RING, 40 << 20, 0, 0, "simple", 8, 0, false, 0, 1, true, 0},
    {H100, WL_COLL_ALLGATHER, SIM_ALGO_RING, 40 << 20, 0, 0, "simple", 8, 0, true, 0, 1, true,
     2000000000},
    {H100, WL_COLL_ALLGATHER, SIM_ALGO_RING, 24 << 20, 0, 0, "simple", 8, 0, true, 0, 1, false, 0},
    {H100, WL_COLL_ALLREDUCE, SIM_ALGO_AUTO, 24 << 20, 0, 0, "simple", 8, 0, false, 0, 1, false, 0},
    {H100, WL_COLL_ALLREDUCE, SIM_ALGO_RING, 24 << 20, 0, 0, "ll", 16, 300000, false, 8, 1, false, 0},
    {A100, WL_COLL_REDUCESCATTER, SIM_ALGO_RING, 24 << 20, 0, 0, "simple", 8, 0, false, 3, 4,
     true, 0},
    {A100, WL_COLL_ALLREDUCE, SIM_ALGO_AUTO, 256 << 20, 0, 0, "simple", 16, 0, false, 0, 8, false, 0},
    /* a switch, a fat-tree and a torus of 4-GPU servers */
    {SWITCH, WL_COLL_ALLREDUCE, SIM_ALGO_RING, 16 << 20, 0, 1, "none", 8, 0, false, 0, 1, true, 0},
    {SWITCH, WL_COLL_ALLREDUCE, SIM_ALGO_RING, 16 << 20, 2 << 20, 1, "simple", 8, 900000, true,
     4, 5, true, 0},
    {FATTREE, WL_COLL_ALLREDUCE, SIM_ALGO_RING, 16 << 20, 0, 1, "simple", 16, 0, false, 0, 4,
     true, 0},
    {FATTREE, WL_COLL_ALLGATHER, SIM_ALGO_RING, 16 << 20, 0, 0, "simple", 4, 0, false, 1, 2, true, 0},
    {TORUS, WL_COLL_ALLREDUCE, SIM_ALGO_RING, 16 << 20, 0, 1, "simple", 16, 0, false, 0, 6, false, 0},
    {TORUS, WL_COLL_ALLREDUCE, SIM_ALGO_RING, 16 << 20, 0, 1, "simple", 4, 0, true, 2, 0, true, 0},
};

/* Case i without an intruder, then with one at 40 instants across the
 * collective and at every member's exact done time (and 1 ps either
 * side). Returns the outcomes' shortcut counters summed. */
static void check_case(int i, uint64_t *taken, uint64_t *yielded, uint64_t *saved)
{
    const case_t *k = &cases[i];
    topo_spec_t s;
    topo_t t;
    test_fabric(k->fabric, &s, &t);
    outcome_t on = run_case(&t, k, true, SIM_TIME_MAX), off = run_case(&t, k, false, SIM_TIME_MAX);
    expect_same(&on, &off, k->fabric, i, SIM_TIME_MAX);
    *taken += on.taken;
    *saved += off.events - on.events;
    ck_assert_uint_le(on.events, off.events);
    if (k->twice && k->gap) /* the second really comes after the first */
        for (int m = 0; m < k->n; m++)
            ck_assert_uint_lt(off.done[0][m], k->gap);
    sim_time_t end = 0;
    for (int c = 0; c < 2; c++)
        for (int m = 0; m < MAXN; m++)
            end = off.done[c][m] > end ? off.done[c][m] : end;
    sim_time_t at[40 + 3 * 2 * MAXN];
    int n_at = 0;
    for (int j = 0; j < 40; j++)
        at[n_at++] = end / 40 * (sim_time_t)j + (sim_time_t)j * 7919;
    for (int c = 0; c < 2; c++)
        for (int m = 0; m < k->n; m++)
            if (off.done[c][m]) {
                at[n_at++] = off.done[c][m] - 1;
                at[n_at++] = off.done[c][m];
                at[n_at++] = off.done[c][m] + 1;
            }
    for (int j = 0; k->x_src >= 0 && j < n_at; j++) {
        outcome_t a = run_case(&t, k, true, at[j]), b = run_case(&t, k, false, at[j]);
        expect_same(&a, &b, k->fabric, i, at[j]);
        *yielded += a.yielded;
    }
    topo_destroy(&t);
    topo_spec_destroy(&s);
}

START_TEST(shortcut_equals_step_by_step)
{
    uint64_t taken = 0, yielded = 0, saved = 0;
    check_case(_i, &taken, &yielded, &saved);
    if (cases[_i].saves) {
        ck_assert_msg(taken > 0 && saved > 0, "case %d: the shortcut saved no event", _i);
        ck_assert_msg(yielded > 0, "case %d: the intruder never made the shortcut yield", _i);
    }
}
END_TEST

/* The analytic model (no contention: a send takes its path's latency
 * and one copy's bytes over the bottleneck, whatever else is on its
 * links): every ring is timed by the shortcut, whether or not its lanes
 * share links, and nothing makes it yield; the same done times, counters
 * and intruder as step by step, alone and with the intruder at 40
 * instants. */
START_TEST(analytic_shortcut_equals_step_by_step)
{
    const case_t *k = &cases[_i];
    topo_spec_t s;
    topo_t t;
    test_fabric(k->fabric, &s, &t);
    outcome_t on = run_model(&t, k, SIM_NET_ANALYTIC, true, SIM_TIME_MAX),
              off = run_model(&t, k, SIM_NET_ANALYTIC, false, SIM_TIME_MAX);
    expect_same(&on, &off, k->fabric, _i, SIM_TIME_MAX);
    ck_assert_uint_le(on.events, off.events);
    ck_assert_uint_eq(on.yielded, 0);
    /* every ring is one (with the flow model, only where its lanes are
     * its own) */
    if (k->algo == SIM_ALGO_RING && k->op != WL_COLL_BROADCAST)
        ck_assert_msg(on.taken > 0 && on.events < off.events, "case %d: no shortcut", _i);
    sim_time_t end = 0;
    for (int c = 0; c < 2; c++)
        for (int m = 0; m < MAXN; m++)
            end = off.done[c][m] > end ? off.done[c][m] : end;
    for (int j = 0; k->x_src >= 0 && j < 40; j++) {
        sim_time_t at = end / 40 * (sim_time_t)j + (sim_time_t)j * 7919;
        outcome_t a = run_model(&t, k, SIM_NET_ANALYTIC, true, at),
                  b = run_model(&t, k, SIM_NET_ANALYTIC, false, at);
        expect_same(&a, &b, k->fabric, _i, at);
    }
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* ---- whole runs: report.json with and without ---- */

/* A Megatron-LM job of 8 layers (hidden 2048) on fabric `topo` with
 * `gpu`, layout (tp, pp, dp), sequence parallelism sp, collectives
 * algorithm and protocol. */
typedef struct {
    const char *topo, *gpu;
    int tp, pp, dp;
    const char *sp, *algo, *proto;
} run_case_t;

static const run_case_t runs[] = {
    {"{'preset': 'azure-2020', 'set': {'servers': 4}}", "v100-32gb", 8, 2, 2, "false", "auto",
     "simple"},
    {"{'preset': 'azure-2020', 'set': {'servers': 4}}", "v100-32gb", 8, 2, 2, "false", "ring",
     "ll128"},
    {"{'preset': 'azure-2020', 'set': {'servers': 4}}", "v100-32gb", 4, 2, 4, "false", "auto",
     "ll"},
    {"{'preset': 'selene-a100', 'set': {'servers': 4}}", "a100-80gb", 8, 2, 2, "true", "auto",
     "simple"},
    /* tensor and data parallelism inside one server: their rings share
     * the GPUs' NVSwitch links, so shortcuts yield */
    {"{'preset': 'ndv5-h100', 'set': {'servers': 1}}", "h100-80gb", 2, 1, 4, "true", "auto",
     "simple"},
    {"{'preset': 'ndv5-h100', 'set': {'servers': 2}}", "h100-80gb", 4, 2, 2, "false", "ring",
     "auto"},
    {"{'kind': 'fat-tree', 'servers': 4, 'server': {'gpus': 4, 'gpu_port_bw_gbps': 100, "
     "'nvlink': {'kind': 'mesh', 'bw_gbps': 200, 'latency_ns': 100, 'links': [[0, 1, 1], "
     "[1, 2, 1], [2, 3, 1], [3, 0, 1]]}}, 'fabric': {'tiers': 2, 'radix': 8, 'bw_gbps': 100, "
     "'latency_ns': 300}}",
     "a100-80gb", 4, 2, 2, "false", "auto", "simple"},
};

/* tdir/dir/report.json without what names the run rather than its
 * results: meta (events, wall time, command line) and the run's
 * overrides, scenario hash and command line. */
static json_t *report_results(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/report.json", dir);
    json_error_t je;
    json_t *r = json_load_file(in_tdir(path), 0, &je);
    ck_assert_msg(r != NULL, "%s: %s", path, je.text);
    json_object_del(r, "meta");
    json_t *run = json_object_get(r, "run");
    json_object_del(run, "overrides");
    json_object_del(run, "scenario_hash");
    json_object_del(run, "command_line");
    return r;
}

static void expect_same_report(const char *what)
{
    run_expect(0, "run", "s.json", "-o", "on", "--quiet", "--set", "network.shortcuts=true", NULL);
    run_expect(0, "run", "s.json", "-o", "off", "--quiet", "--set", "network.shortcuts=false",
               NULL);
    json_t *on = report_results("on"), *off = report_results("off");
    if (!json_equal(on, off)) {
        char *a = json_dumps(on, JSON_SORT_KEYS | JSON_INDENT(1)),
             *b = json_dumps(off, JSON_SORT_KEYS | JSON_INDENT(1));
        write_file("on.txt", a);
        write_file("off.txt", b);
        free(a);
        free(b);
        ck_abort_msg("%s: report.json differs with and without shortcuts (on.txt, off.txt)", what);
    }
    json_decref(on);
    json_decref(off);
}

/* Each run with the flow model (_i < the runs), then with the analytic
 * one (where every ring takes the shortcut). */
#define N_RUNS ((int)(sizeof runs / sizeof runs[0]))
START_TEST(report_equals_step_by_step)
{
    const run_case_t *k = &runs[_i % N_RUNS];
    char wl[1024];
    snprintf(wl, sizeof wl,
             "{'generator': 'megatron', 'gpu': '%s', 'model': {'layers': 8, 'hidden': 2048, "
             "'heads': 16, 'seq_len': 2048, 'vocab': 51200}, 'layout': {'tp': %d, 'pp': %d, "
             "'dp': %d, 'global_batch': %d, 'microbatch': 1, 'schedule': '1f1b', "
             "'sequence_parallel': %s, 'zero_stage': 1}}",
             k->gpu, k->tp, k->pp, k->dp, 4 * k->dp, k->sp);
    write_json("s.json",
               "{'name': 'shortcut', 'seed': 1, 'topology': %s, 'workload': %s, "
               "'network': {'model': '%s'}, "
               "'collectives': {'algorithm': '%s', 'protocol': '%s'}, 'iterations': 2}\n",
               k->topo, wl, _i < N_RUNS ? "flow" : "analytic", k->algo, k->proto);
    expect_same_report(k->topo);
}
END_TEST

/* The shipped Selene case as it is (29 million events step by step). */
START_TEST(selene_report_equals_step_by_step)
{
    FILE *f = fopen("workloads/scenarios/selene-megatron-39.1b.json", "rb");
    ck_assert_msg(f != NULL, "run from the repository root");
    char *text = calloc(1, 1 << 16);
    ck_assert_uint_gt(fread(text, 1, (1 << 16) - 1, f), 0);
    fclose(f);
    write_file("s.json", text);
    free(text);
    expect_same_report("selene-megatron-39.1b");
}
END_TEST

Suite *shortcut_suite(void)
{
    Suite *s = suite_create("shortcut");
    TCase *tc = tcase_create("exact");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, shortcut_equals_step_by_step, 0,
                        (int)(sizeof cases / sizeof cases[0]));
    tcase_add_loop_test(tc, analytic_shortcut_equals_step_by_step, 0,
                        (int)(sizeof cases / sizeof cases[0]));
    suite_add_tcase(s, tc);
    tc = new_tcase("reports");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, report_equals_step_by_step, 0, 2 * N_RUNS);
    tcase_add_test(tc, selene_report_equals_step_by_step);
    suite_add_tcase(s, tc);
    return s;
}
