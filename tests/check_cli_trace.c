/* tests/check_cli_trace.c — `tensim trace gen|stats|check`.
 *
 * Runs the real binary through tests/cli_harness.h. */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/tn_version.h"
#include "tests/cli_harness.h"
#include "tests/tests.h"

/* A scenario's generated workload, written as a trace, reads back with
 * the same figures; stats count FLOPs over all ranks. */
START_TEST(trace_gen_check_stats)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "trace", "gen", "s.json", "-o", "t.json", NULL);
    expect_status(&r, 0);
    result_free(&r);
    run_tensim(&r, "trace", "check", "t.json", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "t.json: ok (8 ranks, 1 programs)\n");
    result_free(&r);
    json_t *st[2];
    const char *files[2] = {"s.json", "t.json"};
    for (int k = 0; k < 2; k++) {
        run_tensim(&r, "trace", "stats", files[k], "--json", NULL);
        expect_status(&r, 0);
        json_error_t je;
        st[k] = json_loads(r.out, 0, &je);
        ck_assert_msg(st[k] != NULL, "%s", r.out);
        json_object_del(st[k], "trace");
        result_free(&r);
    }
    ck_assert(json_equal(st[0], st[1]));
    ck_assert_int_eq(json_integer_value(json_object_get(st[0], "ops")), 2);
    json_decref(st[0]);
    json_decref(st[1]);
}
END_TEST

/* A model of the zoo with a layout from flags: 32 ranks of the 1.7B
 * model, data parallel, one program. */
START_TEST(trace_gen_from_model_and_flags)
{
    result_t r;
    run_tensim(&r, "trace", "gen", "megatron-1.7b", "--tp", "1", "--pp", "1", "--dp", "32",
               "--global-batch", "512", "--recompute", "full", "-o", "t.json", NULL);
    expect_status(&r, 0);
    result_free(&r);
    run_tensim(&r, "trace", "check", "t.json", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "t.json: ok (32 ranks, 1 programs)\n");
    result_free(&r);
    run_tensim(&r, "trace", "gen", "megatron-1.7b", "--tp", "5", "--pp", "1", "--dp", "1",
               "--global-batch", "1", "-o", "u.json", NULL);
    expect_error(&r, 2, "tensim: trace gen: --tp: 24 heads do not split over tp 5",
                 NULL);
    result_free(&r);
}
END_TEST

static const struct {
    const char *args[6];
    const char *needle;
} trace_bad[] = {
    {{"trace"}, "expected gen, stats or check"},
    {{"trace", "print", "s.json"}, "unknown action 'print'"},
    {{"trace", "stats", "missing.json"}, "missing.json: cannot open"},
    {{"trace", "gen", "s.json"}, "-o goes with gen"},
    {{"trace", "check", "bad.json"}, "bad.json: programs: expected a non-empty array"},
    /* counts agree, but each rank waits for the other's collective: run
     * would simulate until the deadlock; check says so at once */
    {{"trace", "check", "dl.json"},
     "tensim: dl.json: deadlock: rank 0 waits in op 0 (collective allreduce on a) for rank 1, "
     "which waits in op 0 (collective allreduce on b)"},
};

START_TEST(trace_bad_input)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    write_file("bad.json", "{\"tensim_trace\": 1, \"ranks\": 2, \"programs\": []}");
    write_json("dl.json",
               "{'tensim_trace': 1, 'ranks': 2, 'communicators': [{'name': 'a', 'groups': "
               "[[0, 1]]}, {'name': 'b', 'groups': [[0, 1]]}], 'programs': ["
               "{'name': 'p0', 'ranks': [0], 'ops': [{'kind': 'collective', 'op': 'allreduce', "
               "'comm': 'a', 'size_bytes': 8}, {'kind': 'collective', 'op': 'allreduce', "
               "'comm': 'b', 'size_bytes': 8, 'deps': [0]}]}, "
               "{'name': 'p1', 'ranks': [1], 'ops': [{'kind': 'collective', 'op': 'allreduce', "
               "'comm': 'b', 'size_bytes': 8}, {'kind': 'collective', 'op': 'allreduce', "
               "'comm': 'a', 'size_bytes': 8, 'deps': [0]}]}]}");
    const char *const *a = trace_bad[_i].args;
    run_tensim(&r, a[0], a[1], a[2], a[3], a[4], a[5], NULL);
    expect_error(&r, 2, trace_bad[_i].needle, NULL);
    result_free(&r);
}
END_TEST

/* A Chakra trace named by its rank file (trace.0.et) reads as by its
 * prefix, in `trace stats` and as a scenario's "chakra": the same figures,
 * and the 4-rank all-reduce's 4 collectives of 1 MiB each. */
START_TEST(trace_chakra_named_by_rank_file)
{
    char cwd[PATH_MAX], prefix[PATH_MAX + 80], file[PATH_MAX + 100];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    snprintf(prefix, sizeof prefix,
             "%s/tests/data/chakra/microbenchmarks/all_reduce/4npus_1MB/all_reduce", cwd);
    json_t *st[3];
    for (int k = 0; k < 3; k++) {
        snprintf(file, sizeof file, "%s%s", prefix, k == 0 ? "" : k == 1 ? ".0.et" : ".3.et");
        result_t r;
        run_tensim(&r, "trace", "stats", file, "--json", NULL);
        expect_status(&r, 0);
        json_error_t je;
        st[k] = json_loads(r.out, 0, &je);
        ck_assert_msg(st[k] != NULL, "%s: %s", file, r.out);
        ck_assert_str_eq(json_string_value(json_object_get(st[k], "trace")), file);
        json_object_del(st[k], "trace");
        result_free(&r);
    }
    ck_assert(json_equal(st[0], st[1]));
    ck_assert(json_equal(st[0], st[2]));
    ck_assert_int_eq(json_integer_value(json_object_get(st[0], "ranks")), 4);
    json_t *by = json_object_get(st[0], "ops_run_by_kind");
    ck_assert_int_eq(json_integer_value(json_object_get(by, "collective")), 4);
    for (int k = 0; k < 3; k++)
        json_decref(st[k]);
    /* a scenario's "chakra" may name a rank's file too */
    snprintf(file, sizeof file, "%s.0.et", prefix);
    char wl[PATH_MAX + 200];
    snprintf(wl, sizeof wl, "{'chakra': '%s'}", file);
    write_scenario("{'preset': 'single-switch', 'set': {'gpus': 4}}", wl, "");
    result_t r;
    run_tensim(&r, "trace", "check", "s.json", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "s.json: ok (4 ranks, 4 programs)\n");
    result_free(&r);
}
END_TEST

Suite *cli_trace_suite(void)
{
    Suite *s = suite_create("cli_trace");

    TCase *tc = new_tcase("trace");
    tcase_add_test(tc, trace_gen_check_stats);
    tcase_add_test(tc, trace_gen_from_model_and_flags);
    tcase_add_test(tc, trace_chakra_named_by_rank_file);
    tcase_add_loop_test(tc, trace_bad_input, 0, (int)(sizeof trace_bad / sizeof trace_bad[0]));
    suite_add_tcase(s, tc);
    return s;
}
