/* tests/check_scenario.c — loading scenarios without running them:
 * defaults, overrides, the hash, and errors that name file and path. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "sim/job/scenario.h"
#include "tests/helpers.h"
#include "tests/tests.h"

#define TOPO "\"topology\": {\"preset\": \"single-switch\"}"
#define WL "\"workload\": {\"generator\": \"compute-allreduce\", \"ranks\": 8, " \
           "\"compute_time_us\": 10, \"allreduce_size_bytes\": 1024}"

START_TEST(loads_the_shipped_skeleton)
{
    sim_scenario_t sc;
    tn_error_t err = {0};
    ck_assert_int_eq(sim_scenario_load(&sc, "workloads/scenarios/skeleton-8gpu.json", NULL, &err), 0);
    ck_assert_str_eq(sc.name, "skeleton-8gpu");
    ck_assert_uint_eq(sc.iterations, 3);
    ck_assert_int_eq(sc.net_model, SIM_NET_ANALYTIC);
    ck_assert_int_eq(sc.algorithm, SIM_ALGO_RING);
    ck_assert_uint_eq(sc.topo.single_switch.gpus, 8);
    ck_assert_uint_eq(sc.workload.compute_allreduce.bytes, 268435456);
    ck_assert_uint_eq(sc.workload.compute_allreduce.compute_ps, 100000000);
    sim_scenario_destroy(&sc);
    sim_scenario_destroy(NULL);
}
END_TEST

/* The shipped scenarios load: the main job, 8 x 16 x 78 ranks on the
 * 10,000-GPU preset (running it is a benchmark, not a unit test); the
 * Selene check case, the SC21 row's 8 x 2 x 32 = 512 GPUs on 64 DGX A100. */
static const struct {
    const char *path, *preset;
    uint64_t ranks;
    int32_t servers;
} shipped[] = {
    {"workloads/scenarios/azure2020-gpt3-175b.json", "azure-2020", 9984, 1250},
    {"workloads/scenarios/selene-megatron-39.1b.json", "selene-a100", 512, 64},
};

START_TEST(loads_the_shipped_scenarios)
{
    sim_scenario_t sc;
    tn_error_t err = {0};
    ck_assert_msg(sim_scenario_load(&sc, shipped[_i].path, NULL, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(wl_spec_ranks(&sc.workload), shipped[_i].ranks);
    ck_assert_str_eq(sc.topo.preset, shipped[_i].preset);
    ck_assert_int_eq(sc.topo.servers, shipped[_i].servers);
    sim_scenario_destroy(&sc);
}
END_TEST

START_TEST(defaults_and_name_from_file)
{
    char *p = tmpfile_with("{" TOPO ", " WL "}", ".json");
    sim_scenario_t sc;
    tn_error_t err = {0};
    ck_assert_int_eq(sim_scenario_load(&sc, p, NULL, &err), 0);
    /* name: the base name without .json */
    const char *base = strrchr(p, '/') + 1;
    ck_assert_int_eq(strncmp(sc.name, base, strlen(base) - 5), 0);
    ck_assert_uint_eq(strlen(sc.name), strlen(base) - 5);
    ck_assert_uint_eq(sc.seed, 1);
    ck_assert_uint_eq(sc.iterations, 1);
    ck_assert_uint_eq(sc.chunk_bytes, 0);
    /* protocol auto, so channels auto (0): NCCL's protocol picks assume
     * NCCL's channels, and bundles keep them cheap (docs/scenario.md) */
    ck_assert_int_eq(sc.protocol, 0);
    ck_assert_uint_eq(sc.channels, 0);
    ck_assert_int_eq(sc.algorithm, SIM_ALGO_AUTO);
    ck_assert_int_eq(sc.net_model, SIM_NET_FLOW); /* the default, as in DESIGN.md */
    sim_scenario_destroy(&sc);
    tmpfile_drop(p);
}
END_TEST

/* channels not given: auto with protocol auto, one ring with a forced
 * protocol; given, as given. */
START_TEST(channels_default_by_protocol)
{
    static const struct {
        const char *coll;
        uint64_t want;
    } cases[] = {{"{}", 0},
                 {"{\"protocol\": \"auto\"}", 0},
                 {"{\"protocol\": \"simple\"}", 1},
                 {"{\"protocol\": \"ll128\"}", 1},
                 {"{\"protocol\": \"simple\", \"channels\": \"auto\"}", 0},
                 {"{\"channels\": 3}", 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char doc[512];
        snprintf(doc, sizeof doc, "{\"collectives\": %s, " TOPO ", " WL "}", cases[i].coll);
        char *p = tmpfile_with(doc, ".json");
        sim_scenario_t sc;
        tn_error_t err = {0};
        ck_assert_msg(sim_scenario_load(&sc, p, NULL, &err) == 0, "%s", err.msg);
        ck_assert_msg(sc.channels == cases[i].want, "%s: %llu channels", cases[i].coll,
                      (unsigned long long)sc.channels);
        sim_scenario_destroy(&sc);
        tmpfile_drop(p);
    }
}
END_TEST

START_TEST(overrides_apply_before_validation)
{
    char *p = tmpfile_with("{\"name\": \"x\", " TOPO ", " WL "}", ".json");
    const char *sets[] = {"network.model=flow", "iterations=4",
                          "topology.set.link.bw_gbps=200", "workload.ranks=4",
                          "collectives.algorithm=\"tree\""};
    sim_overrides_t ov = {sets, 5, true, 77};
    sim_scenario_t sc, plain;
    tn_error_t err = {0};
    ck_assert_int_eq(sim_scenario_load(&sc, p, &ov, &err), 0);
    ck_assert_int_eq(sc.net_model, SIM_NET_FLOW);
    ck_assert_uint_eq(sc.iterations, 4);
    ck_assert_uint_eq(sc.topo.single_switch.bps, 200000000000ull);
    ck_assert_uint_eq(sc.workload.compute_allreduce.ranks, 4);
    ck_assert_int_eq(sc.algorithm, SIM_ALGO_TREE);
    ck_assert_uint_eq(sc.seed, 77);
    ck_assert_int_eq(sim_scenario_load(&plain, p, NULL, &err), 0);
    ck_assert_uint_ne(sc.hash, plain.hash); /* the hash covers the overrides */
    sim_scenario_destroy(&sc);
    sim_scenario_destroy(&plain);
    tmpfile_drop(p);
}
END_TEST

START_TEST(hash_is_stable)
{
    char *a = tmpfile_with("{\"name\": \"x\", " TOPO ", " WL "}", ".json");
    char *b = tmpfile_with("{" WL ", \"name\": \"x\",\n\n " TOPO "}", ".json");
    sim_scenario_t sa, sb;
    ck_assert_int_eq(sim_scenario_load(&sa, a, NULL, NULL), 0);
    ck_assert_int_eq(sim_scenario_load(&sb, b, NULL, NULL), 0);
    ck_assert_uint_eq(sa.hash, sb.hash); /* key order and spacing do not matter */
    sim_scenario_destroy(&sa);
    sim_scenario_destroy(&sb);
    tmpfile_drop(a);
    tmpfile_drop(b);
}
END_TEST

/* Each bad scenario or override and the message it must give (after the
 * file name, which is a temporary path). */
START_TEST(errors_name_the_path)
{
    static const struct {
        const char *doc, *set, *msg;
    } cases[] = {
        {"", NULL, "file is empty"},
        {"{\"name\": ", NULL, "line 1 column 9: invalid json: "},
        {"[]", NULL, "expected a json object at the top, got []"},
        {"{" TOPO "}", NULL, "workload: missing required key"},
        {"{" WL "}", NULL, "topology: missing required key"},
        {"{\"iteratons\": 2, " TOPO ", " WL "}", NULL,
         "iteratons: unknown key (did you mean \"iterations\"?)"},
        {"{\"iterations\": 0, " TOPO ", " WL "}", NULL,
         "iterations: expected a positive integer, got 0"},
        {"{\"seed\": -1, " TOPO ", " WL "}", NULL, "seed: expected a non-negative integer, got -1"},
        {"{\"name\": \"../x\", " TOPO ", " WL "}", NULL, "name: expected letters, digits"},
        {"{\"network\": {\"model\": \"fluid\"}, " TOPO ", " WL "}", NULL,
         "network.model: unknown value \"fluid\" (expected one of: flow, analytic)"},
        {"{\"collectives\": {\"channels\": 65}, " TOPO ", " WL "}", NULL,
         "collectives.channels: 65 is too large (at most 64)"},
        {"{" TOPO ", " WL "}", "workload.ranks=abc",
         "workload.ranks: expected a positive integer, got \"abc\""},
        {"{" TOPO ", " WL "}", "workload.rank=8", "workload.rank: unknown key (did you mean "},
        {"{" TOPO ", " WL "}", "topology.set.link.speed=8",
         "topology.set.link.speed: the preset has no key \"speed\""},
        {"{" TOPO ", " WL "}", "workload.ranks.x=1",
         "workload.ranks: is a value, not an object (from --set workload.ranks.x)"},
        {"{\"stragglers\": {\"rank\": 1}, " TOPO ", " WL "}", NULL,
         "stragglers: expected an array of {\"rank\", \"slowdown\"}"},
        {"{\"stragglers\": [{\"rank\": 1}], " TOPO ", " WL "}", NULL,
         "stragglers[0].slowdown: missing required key"},
        {"{\"stragglers\": [{\"rank\": 1, \"slowdown\": 0}], " TOPO ", " WL "}", NULL,
         "stragglers[0].slowdown: "},
        {"{\"stragglers\": [{\"rank\": 1, \"slowdown\": 2, \"why\": 1}], " TOPO ", " WL "}",
         NULL, "stragglers[0].why: unknown key"},
        {"{" TOPO ", " WL "}", "stragglers=[{\"rank\": 1, \"slowdown\": 2}, {\"rank\": 1, "
         "\"slowdown\": 3}]",
         "stragglers[1].rank: rank 1 is already listed at stragglers[0]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *p = tmpfile_with(cases[i].doc, ".json");
        sim_overrides_t ov = {&cases[i].set, cases[i].set ? 1 : 0, false, 0};
        sim_scenario_t sc;
        tn_error_t err = {0};
        ck_assert_int_eq(sim_scenario_load(&sc, p, &ov, &err), -1);
        ck_assert_int_eq(err.code, TN_EINPUT);
        /* "<path>: <message>" */
        ck_assert_int_eq(strncmp(err.msg, p, strlen(p)), 0);
        ck_assert_msg(strncmp(err.msg + strlen(p) + 2, cases[i].msg, strlen(cases[i].msg)) == 0,
                      "case %zu: got \"%s\"", i, err.msg);
        ck_assert_ptr_null(strchr(err.msg, '\n'));
        tmpfile_drop(p);
    }
}
END_TEST

START_TEST(set_needs_key_and_value)
{
    char *p = tmpfile_with("{" TOPO ", " WL "}", ".json");
    /* a key that is not UTF-8 (found by fuzz/fuzz_scenario.c): jansson
     * refuses it as an object key and frees the value, so in the middle of
     * the key the object made on the way was used after its free, and at
     * the end the override was lost without a word */
    const char *bad[] = {"workload.ranks", "=3", "a..b=1",
                         "topology.set={\"gpus\": 2, \"gpus\": 3}", "a\xfb.b=1",
                         "workload.r\xc3nks=2"};
    const char *want[] = {"--set workload.ranks: expected key.path=value",
                          "--set =3: expected key.path=value", "--set a..b: empty key segment",
                          "--set topology.set: duplicate object key near '\"gpus\"'",
                          "--set a\xfb.b: key is not valid utf-8",
                          "--set workload.r\xc3nks: key is not valid utf-8"};
    for (int i = 0; i < 6; i++) {
        sim_overrides_t ov = {&bad[i], 1, false, 0};
        sim_scenario_t sc;
        tn_error_t err = {0};
        ck_assert_int_eq(sim_scenario_load(&sc, p, &ov, &err), -1);
        /* "<file>: --set ...": the file the override applies to comes first */
        ck_assert_int_eq(strncmp(err.msg, p, strlen(p)), 0);
        ck_assert_str_eq(err.msg + strlen(p) + 2, want[i]);
    }
    tmpfile_drop(p);
}
END_TEST

START_TEST(missing_file)
{
    sim_scenario_t sc;
    tn_error_t err = {0};
    ck_assert_int_eq(sim_scenario_load(&sc, "/nonexistent/s.json", NULL, &err), -1);
    ck_assert_int_eq(err.code, TN_EINPUT);
    ck_assert_str_eq(err.msg, "/nonexistent/s.json: cannot open: No such file or directory");
}
END_TEST

Suite *scenario_suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, loads_the_shipped_skeleton);
    tcase_add_loop_test(tc, loads_the_shipped_scenarios, 0, (int)(sizeof shipped / sizeof *shipped));
    tcase_add_test(tc, defaults_and_name_from_file);
    tcase_add_test(tc, channels_default_by_protocol);
    tcase_add_test(tc, overrides_apply_before_validation);
    tcase_add_test(tc, hash_is_stable);
    tcase_add_test(tc, errors_name_the_path);
    tcase_add_test(tc, set_needs_key_and_value);
    tcase_add_test(tc, missing_file);
    suite_add_tcase(s, tc);
    return s;
}
