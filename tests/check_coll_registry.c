/* tests/check_coll_registry.c — the conformance test of the two tables
 * that are seams: every collective algorithm (sim_coll_algos[],
 * sim/coll/algo.h) and every network model (sim_net_models[],
 * sim/net/net.h). Each test walks its table, so a row added there is
 * checked here with no change to this file: every algorithm completes,
 * moves the bytes its collective's formula says, and takes the time
 * derived by hand for a pair of GPUs; every model times one transfer as
 * derived by hand; every name users type (and every protocol's, from
 * sim_protocols[], sim/coll/latency.h) parses to its row. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "sim/coll/algo.h"
#include "sim/coll/latency.h"
#include "sim/job/measure.h"
#include "sim/job/scenario.h"
#include "sim/net/net.h"
#include "tests/helpers.h"
#include "tests/tests.h"

#define BPS 100000000000ull /* 100 Gbps: a byte takes 80 ps */
#define PS_PER_BYTE 80ull
#define LAT 700000ull       /* 700 ns per hop */
#define S (1ull << 20)      /* bytes of every collective here */

/* One server of n GPUs, each cabled (BPS, LAT) to one NVSwitch that
 * reduces in the network: every algorithm of the table can run on it
 * (the ring, tree, hd for n a power of two, direct, hier as one server of
 * n, nvls), and every transfer between two GPUs is two hops of LAT at BPS,
 * between a GPU and the switch one hop. */
static void sharp_server(topo_t *t, int32_t n)
{
    topo_init(t);
    for (int32_t i = 0; i < n; i++)
        topo_add_vertex(t, TOPO_GPU, 0, 0);
    int32_t sw = topo_add_vertex(t, TOPO_NVSWITCH_SHARP, 0, 0);
    for (int32_t i = 0; i < n; i++)
        topo_add_cable(t, i, sw, BPS, LAT, TOPO_TIER_NVLINK);
    ck_assert_int_eq(topo_finalize(t, NULL), 0);
}

/* A spec with no software latency, no protocol factor and no pacing
 * (every latency as set, at 0), one channel, chunks of chunk_bytes. */
static sim_coll_spec_t plain_spec(sim_algo_t a, wl_coll_t op, uint64_t chunk_bytes)
{
    return (sim_coll_spec_t){.op = op, .algo = a, .bytes = S, .chunk_bytes = chunk_bytes,
                             .channels = 1, .proto = SIM_PROTO_AS_SET};
}

typedef struct {
    sim_engine_t *eng;
    int32_t calls[8];
    sim_time_t last;
} tally_t;

static void on_member(void *ctx, int32_t member, uint64_t tag)
{
    (void)tag;
    tally_t *t = ctx;
    t->calls[member]++;
    t->last = sim_now(t->eng);
}

/* What one run shows: when the last member was done, and the bytes the
 * links carried out of GPUs and into GPUs. */
typedef struct {
    sim_time_t time_ps;
    uint64_t out_of_gpus, into_gpus;
} outcome_t;

/* Runs spec on the n GPUs of t with `model`; checks that every member is
 * done exactly once. */
static outcome_t run_one(const topo_t *t, sim_net_model_t model, const sim_coll_spec_t *spec,
                         int32_t n)
{
    sim_engine_t eng;
    sim_net_t net;
    sim_engine_init(&eng);
    ck_assert_int_eq(sim_net_init(&net, &eng, t, model, NULL), 0);
    tn_error_t err = {0};
    ck_assert_msg(sim_coll_check(&net, spec, n, t->gpus, &err) == 0, "%s", err.msg);
    tally_t tally = {.eng = &eng};
    sim_coll_t *c = sim_coll_new(&net, spec, n, t->gpus, on_member, &tally, 0);
    for (int32_t m = 0; m < n; m++)
        sim_coll_arrive(c, m);
    sim_run(&eng, SIM_TIME_MAX);
    outcome_t o = {tally.last, 0, 0};
    for (int32_t m = 0; m < n; m++)
        ck_assert_msg(tally.calls[m] == 1, "%s %s: member %d done %d times",
                      sim_coll_algos[spec->algo].name, wl_coll_name(spec->op), m,
                      tally.calls[m]);
    for (int32_t e = 0; e < t->n_edges; e++) {
        if (t->kind[t->esrc[e]] == TOPO_GPU)
            o.out_of_gpus += net.link_bytes[e];
        if (t->kind[t->edst[e]] == TOPO_GPU)
            o.into_gpus += net.link_bytes[e];
    }
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    return o;
}

/* The bytes a collective of S on n GPUs moves between them, each way:
 * all-reduce is a reduce-scatter and an all-gather, each member sending
 * (n-1)/n S in each: 2 (n-1) S in all; reduce-scatter, all-gather and
 * all-to-all (n-1) S; broadcast and reduce, S to or from each of n-1
 * members. Reduced in the network (nvls) a member instead sends its copy
 * of every shard up (S) and its own reduced shard once more to be
 * multicast (S/n), and receives its reduced shard (S/n) and every shard
 * multicast (S): (n + 1) S, each way. */
static uint64_t formula_bytes(wl_coll_t op, int32_t n, bool in_network)
{
    if (in_network)
        return (uint64_t)(n + 1) * S;
    return (op == WL_COLL_ALLREDUCE ? 2 : 1) * (uint64_t)(n - 1) * S;
}

/* The time of a collective of S on a pair, in one chunk, no software
 * latency, the analytic model: a transfer between the two GPUs takes
 * 2 LAT + bytes x PS_PER_BYTE (two hops, then the bytes at BPS), and the
 * two members' sends of a step run side by side. All-reduce: two steps
 * of S/2 (the reduce-scatter, then the all-gather; hd's halving then
 * doubling, the two trees' reduce then broadcast, hier's phases inside
 * the one server are the same two steps); reduce-scatter, all-gather,
 * all-to-all: one step of S/2; broadcast and reduce: S in one step.
 * Reduced in the network: for each member's shard (S/2), its load up,
 * the sum down, its store up and the multicast down, one hop each, in
 * sequence: 4 (LAT + S/2 x PS_PER_BYTE). */
static sim_time_t formula_pair_ps(wl_coll_t op, bool in_network)
{
    if (in_network)
        return 4 * (LAT + S / 2 * PS_PER_BYTE);
    if (op == WL_COLL_ALLREDUCE)
        return 2 * (2 * LAT + S / 2 * PS_PER_BYTE);
    if (op == WL_COLL_BROADCAST || op == WL_COLL_REDUCE)
        return 2 * LAT + S * PS_PER_BYTE;
    return 2 * LAT + S / 2 * PS_PER_BYTE;
}

/* Whether algorithm a runs op on the n GPUs of t (its row's check). */
static bool runs(const topo_t *t, sim_algo_t a, wl_coll_t op, int32_t n)
{
    sim_engine_t eng;
    sim_net_t net;
    sim_engine_init(&eng);
    ck_assert_int_eq(sim_net_init(&net, &eng, t, SIM_NET_ANALYTIC, NULL), 0);
    sim_coll_spec_t spec = plain_spec(a, op, 0);
    bool ok = sim_coll_check(&net, &spec, n, t->gpus, NULL) == 0;
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
    return ok;
}

/* Every algorithm (but auto, which picks one of them), every operation
 * it runs, on 2 and 4 GPUs, with every network model: it completes and
 * the links carry the formula's bytes out of and into the GPUs (what is
 * sent arrives, and no more). Every algorithm runs at least one
 * operation on this fabric. */
START_TEST(every_algorithm_completes_and_moves_its_bytes)
{
    for (int32_t n = 2; n <= 4; n += 2) {
        topo_t t;
        sharp_server(&t, n);
        for (size_t a = 0; a < sim_coll_algos_n; a++) {
            const sim_coll_algo_t *row = &sim_coll_algos[a];
            if (!row->build)
                continue;
            int ran = 0;
            for (int op = 0; op < WL_COLL_COUNT; op++) {
                if (!runs(&t, (sim_algo_t)a, (wl_coll_t)op, n))
                    continue;
                ran++;
                uint64_t want = formula_bytes((wl_coll_t)op, n, row->in_network);
                for (size_t m = 0; m < sim_net_models_n; m++) {
                    sim_coll_spec_t spec = plain_spec((sim_algo_t)a, (wl_coll_t)op, 0);
                    outcome_t o = run_one(&t, (sim_net_model_t)m, &spec, n);
                    ck_assert_msg(o.out_of_gpus == want && o.into_gpus == want,
                                  "%s %s on %d (%s): %llu bytes out, %llu in, want %llu",
                                  row->name, wl_coll_name((wl_coll_t)op), n,
                                  sim_net_models[m].name, (unsigned long long)o.out_of_gpus,
                                  (unsigned long long)o.into_gpus, (unsigned long long)want);
                    ck_assert(o.time_ps > 0);
                }
            }
            ck_assert_msg(ran > 0, "%s runs nothing on one server of %d GPUs", row->name, n);
        }
        topo_destroy(&t);
    }
}
END_TEST

/* Every algorithm, every operation it runs, on a pair: the time derived
 * by hand (formula_pair_ps()), to the picosecond. */
START_TEST(every_algorithm_takes_the_hand_time_on_a_pair)
{
    topo_t t;
    sharp_server(&t, 2);
    for (size_t a = 0; a < sim_coll_algos_n; a++) {
        const sim_coll_algo_t *row = &sim_coll_algos[a];
        for (int op = 0; row->build && op < WL_COLL_COUNT; op++) {
            if (!runs(&t, (sim_algo_t)a, (wl_coll_t)op, 2))
                continue;
            sim_coll_spec_t spec = plain_spec((sim_algo_t)a, (wl_coll_t)op, S); /* one chunk */
            sim_time_t got = run_one(&t, SIM_NET_ANALYTIC, &spec, 2).time_ps;
            sim_time_t want = formula_pair_ps((wl_coll_t)op, row->in_network);
            ck_assert_msg(got == want, "%s %s: %llu ps, want %llu", row->name,
                          wl_coll_name((wl_coll_t)op), (unsigned long long)got,
                          (unsigned long long)want);
        }
    }
    topo_destroy(&t);
}
END_TEST

/* Every network model: one transfer alone of 1 MiB between two GPUs of
 * a switch (two hops of LAT at BPS) arrives after 2 LAT + 1 MiB x 80 ps
 * = 1.4 us + 83,886,080 ps = 85,286,080 ps; an empty one after the path's
 * latency, 2 LAT. */
START_TEST(every_model_times_one_transfer_by_hand)
{
    topo_t t;
    sharp_server(&t, 2);
    ck_assert_uint_eq(2 * LAT + S * PS_PER_BYTE, 85286080ull);
    for (size_t m = 0; m < sim_net_models_n; m++) {
        sim_net_model_t model = (sim_net_model_t)m;
        ck_assert_msg(sim_measure_transfer(&t, model, t.gpus[0], t.gpus[1], S) == 85286080ull,
                      "%s", sim_net_models[m].name);
        ck_assert_uint_eq(sim_measure_transfer(&t, model, t.gpus[1], t.gpus[0], 0), 2 * LAT);
    }
    topo_destroy(&t);
}
END_TEST

/* Loads a scenario with --set key=value; returns 0 and fills sc, or -1
 * with err. */
static int load_with(const char *set, sim_scenario_t *sc, tn_error_t *err)
{
    char *p = tmpfile_with("{\"topology\": {\"preset\": \"single-switch\"}, \"workload\": "
                           "{\"generator\": \"compute-allreduce\", \"ranks\": 8, "
                           "\"compute_time_us\": 10, \"allreduce_size_bytes\": 1024}}",
                           ".json");
    sim_overrides_t ov = {&set, 1, false, 0};
    int rc = sim_scenario_load(sc, p, &ov, err);
    tmpfile_drop(p);
    return rc;
}

/* What the parser says of an unknown name: the table's names, in order. */
static void refusal(char *buf, size_t cap, const char *const *names)
{
    snprintf(buf, cap, "expected one of: ");
    for (int i = 0; names[i]; i++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? ", " : "", names[i]);
}

/* The names users type are the tables' own: each row's name finds its
 * row and parses in a scenario to it; an unknown name is refused with the
 * table's names listed. Every row has a help line. */
START_TEST(every_name_parses_to_its_row)
{
    char set[64];
    sim_scenario_t sc;
    tn_error_t err = {0};
    ck_assert_str_eq(sim_coll_algos[0].name, "auto"); /* the default comes first */
    for (size_t a = 0; a < sim_coll_algos_n; a++) {
        const char *name = sim_coll_algos[a].name;
        ck_assert_int_eq(TN_NAMES_FIND(sim_coll_algos, sim_coll_algos_n, name), (int)a);
        ck_assert_str_eq(sim_coll_algo_name((sim_algo_t)a), name);
        ck_assert(sim_coll_algos[a].help && *sim_coll_algos[a].help);
        snprintf(set, sizeof set, "collectives.algorithm=%s", name);
        ck_assert_msg(load_with(set, &sc, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(sc.algorithm, (int)a);
        sim_scenario_destroy(&sc);
    }
    for (size_t m = 0; m < sim_net_models_n; m++) {
        const char *name = sim_net_models[m].name;
        ck_assert_int_eq(TN_NAMES_FIND(sim_net_models, sim_net_models_n, name), (int)m);
        ck_assert(sim_net_models[m].help && *sim_net_models[m].help);
        snprintf(set, sizeof set, "network.model=%s", name);
        ck_assert_msg(load_with(set, &sc, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(sc.net_model, (int)m);
        sim_scenario_destroy(&sc);
    }
    ck_assert_int_eq(TN_NAMES_FIND(sim_coll_algos, sim_coll_algos_n, "rings"), -1);
    ck_assert_int_eq(TN_NAMES_FIND(sim_net_models, sim_net_models_n, "packet"), -1);
    const char *names[32];
    char list[256];
    TN_NAMES_FILL(sim_coll_algos, sim_coll_algos_n, names, 32);
    refusal(list, sizeof list, names);
    ck_assert_int_eq(load_with("collectives.algorithm=rings", &sc, &err), -1);
    ck_assert_msg(strstr(err.msg, list), "%s: want \"%s\"", err.msg, list);
    TN_NAMES_FILL(sim_net_models, sim_net_models_n, names, 32);
    refusal(list, sizeof list, names);
    ck_assert_int_eq(load_with("network.model=packet", &sc, &err), -1);
    ck_assert_msg(strstr(err.msg, list), "%s: want \"%s\"", err.msg, list);
}
END_TEST

/* Every protocol: its name finds its row, parses in a scenario to it and
 * sets the spec's protocol to the row's; every sim_proto_t prints as the
 * name of a row that records it; an unknown name is refused with the
 * table's names listed, by the parser and by sim_latency_apply(). */
START_TEST(every_protocol_parses_and_applies)
{
    char set[64];
    sim_scenario_t sc;
    tn_error_t err = {0};
    ck_assert_str_eq(sim_protocols[0].name, "auto"); /* the default comes first */
    for (size_t i = 0; i < sim_protocols_n; i++) {
        const sim_protocol_t *row = &sim_protocols[i];
        ck_assert_int_eq(TN_NAMES_FIND(sim_protocols, sim_protocols_n, row->name), (int)i);
        ck_assert_str_eq(sim_proto_name(row->proto), row->name);
        ck_assert(row->help && *row->help);
        snprintf(set, sizeof set, "collectives.protocol=%s", row->name);
        ck_assert_msg(load_with(set, &sc, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(sc.protocol, (int)i);
        sim_scenario_destroy(&sc);
        sim_coll_spec_t spec = {0};
        ck_assert_msg(sim_latency_apply(row->name, &spec, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(spec.proto, row->proto);
    }
    for (int p = SIM_PROTO_AS_SET; p <= SIM_PROTO_AUTO; p++) {
        int r = TN_NAMES_FIND(sim_protocols, sim_protocols_n, sim_proto_name((sim_proto_t)p));
        ck_assert_int_ge(r, 0);
        ck_assert_int_eq(sim_protocols[r].proto, p);
    }
    const char *names[32];
    char list[256];
    TN_NAMES_FILL(sim_protocols, sim_protocols_n, names, 32);
    refusal(list, sizeof list, names);
    ck_assert_int_eq(load_with("collectives.protocol=fast", &sc, &err), -1);
    ck_assert_msg(strstr(err.msg, list), "%s: want \"%s\"", err.msg, list);
    sim_coll_spec_t spec = {0};
    ck_assert_int_eq(sim_latency_apply("fast", &spec, &err), -1);
    ck_assert_str_eq(err.msg, "unknown protocol \"fast\"");
}
END_TEST

Suite *coll_registry_suite(void)
{
    Suite *s = suite_create("coll_registry");
    TCase *tc = tcase_create("tables");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_algorithm_completes_and_moves_its_bytes);
    tcase_add_test(tc, every_algorithm_takes_the_hand_time_on_a_pair);
    tcase_add_test(tc, every_model_times_one_transfer_by_hand);
    tcase_add_test(tc, every_name_parses_to_its_row);
    tcase_add_test(tc, every_protocol_parses_and_applies);
    suite_add_tcase(s, tc);
    return s;
}
