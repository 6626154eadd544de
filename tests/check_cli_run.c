/* tests/check_cli_run.c — `tensim run` as a user meets it: exit status, one-line errors that name
 * the file and the JSON path, nothing written on failure, and a good run
 * whose report holds the hand-computed number.
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

START_TEST(run_help_goes_to_stdout)
{
    result_t r;
    run_tensim(&r, "run", "--help", NULL);
    expect_status(&r, 0);
    ck_assert_msg(!strncmp(r.out, "usage: tensim run", 17), "%s", r.out);
    ck_assert_str_eq(r.err, "");
    result_free(&r);
}
END_TEST

START_TEST(run_without_scenario_is_usage_error)
{
    result_t r;
    run_tensim(&r, "run", NULL);
    expect_status(&r, 2);
    ck_assert_str_eq(r.out, "");
    ck_assert_str_eq(r.err, "tensim: run: expected one scenario file (see tensim run --help)\n");
    result_free(&r);
}
END_TEST

START_TEST(unknown_run_option)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "--frobnicate", "-o", OUT, NULL);
    expect_error(&r, 2, "tensim: run: unknown option '--frobnicate'", NULL);
    result_free(&r);
}
END_TEST

START_TEST(option_without_value)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "-o", NULL);
    expect_error(&r, 2, "tensim: run: ", "'-o'", "needs a value", NULL);
    result_free(&r);
}
END_TEST

/* --seed takes a non-negative decimal integer that fits in int64: digits
 * only (2^63 is one too many). */
static const char *const bad_seeds[] = {"abc", "-1", "", "1e3", "12x", "99999999999999999999",
                                        "+5", " 5", "9223372036854775808"};

START_TEST(seed_not_a_number)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "--seed", bad_seeds[_i], "-o", OUT, NULL);
    expect_error(&r, 2, "--seed", "expected a non-negative integer", NULL);
    result_free(&r);
}
END_TEST

/* ---- the scenario file ---- */

/* A scenario file that is not a JSON object: empty, invalid JSON (the line
 * and column named), an array at the top. */
static const struct {
    const char *text, *where, *what;
} bad_files[] = {
    {"", "tensim: s.json: ", "empty"},
    {"{\n  \"name\": \"x\",\n  \"seed\": 1 2\n}\n", "tensim: s.json: line 3 column ",
     "invalid json"},
    {"[1, 2]\n", "tensim: s.json: ", "object"},
};

START_TEST(scenario_not_an_object)
{
    result_t r;
    write_file("s.json", bad_files[_i].text);
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_error(&r, 2, bad_files[_i].where, bad_files[_i].what, NULL);
    result_free(&r);
}
END_TEST

START_TEST(scenario_does_not_exist)
{
    result_t r;
    run_tensim(&r, "run", "nope.json", "-o", OUT, NULL);
    expect_error(&r, 2, "tensim: nope.json: ", NULL);
    result_free(&r);
}
END_TEST

/* A directory is not a scenario file, and not an empty one either. */
START_TEST(scenario_is_a_directory)
{
    result_t r;
    ck_assert_int_eq(mkdir(in_tdir("dir.json"), 0755), 0);
    run_tensim(&r, "run", "dir.json", "-o", OUT, NULL);
    ck_assert_msg(r.status == 1 || r.status == 2, "exit status %d; stderr: %s", r.status, r.err);
    expect_error(&r, r.status, "tensim: dir.json: ", "directory", NULL);
    result_free(&r);
}
END_TEST

START_TEST(missing_required_key)
{
    result_t r;
    write_json("s.json", "{'name': 'x', 'topology': %s, 'iterations': 1}\n", TOPO_OK);
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_error_line(&r, 2, "tensim: s.json: workload: missing required key");
    result_free(&r);
}
END_TEST

START_TEST(missing_nested_key)
{
    EXPECT_BAD_WORKLOAD("{'generator': 'compute-allreduce', 'compute_time_us': 100,"
                        " 'allreduce_size_bytes': 1024}",
                        "tensim: s.json: workload.ranks: missing required key");
}
END_TEST

START_TEST(misspelled_key_suggests_the_right_one)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, ",\n  'iteratons': 3");
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_error(&r, 2, "tensim: s.json: iteratons: ", "did you mean \"iterations\"", NULL);
    result_free(&r);
}
END_TEST

/* Loading validates a Megatron workload although this build cannot run one. */
START_TEST(megatron_wrong_type)
{
    result_t r;
    write_megatron("'8x'");
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_error_line(&r, 2,
                      "tensim: s.json: workload.layout.tp: expected a positive integer, got \"8x\"");
    result_free(&r);
}
END_TEST

/* A valid megatron layout of 9,984 ranks on an 8-GPU fabric. */
START_TEST(megatron_larger_than_the_fabric)
{
    result_t r;
    write_megatron("8");
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_error(&r, 2, "tensim: s.json: the workload has 9984 ranks but the fabric has only 8 gpus",
                 NULL);
    result_free(&r);
}
END_TEST

START_TEST(negative_count)
{
    EXPECT_BAD_WORKLOAD("{'generator': 'compute-allreduce', 'ranks': -8, 'compute_time_us': 100,"
                        " 'allreduce_size_bytes': 1024}",
                        "tensim: s.json: workload.ranks: expected a positive integer, got -8");
}
END_TEST

START_TEST(zero_count)
{
    EXPECT_BAD_WORKLOAD("{'generator': 'compute-allreduce', 'ranks': 0, 'compute_time_us': 100,"
                        " 'allreduce_size_bytes': 1024}",
                        "tensim: s.json: workload.ranks: expected a positive integer, got 0");
}
END_TEST

START_TEST(absurd_size)
{
    char wl[256], got[32];
    snprintf(got, sizeof got, "%llu", 1ull << 60);
    snprintf(wl, sizeof wl,
             "{'generator': 'compute-allreduce', 'ranks': 8, 'compute_time_us': 100,"
             " 'allreduce_size_bytes': %s}",
             got);
    EXPECT_BAD_WORKLOAD(wl, "tensim: s.json: workload.allreduce_size_bytes: ", got, "too large");
}
END_TEST

START_TEST(negative_link_rate)
{
    EXPECT_BAD_TOPOLOGY("{'preset': 'single-switch', 'set': {'link.bw_gbps': -100}}",
                        "tensim: s.json: topology.set.link.bw_gbps: ", "-100");
}
END_TEST

START_TEST(trace_does_not_exist)
{
    EXPECT_BAD_WORKLOAD("{'trace': 'missing.json'}", "tensim: s.json: workload.trace: ",
                        "missing.json");
}
END_TEST

START_TEST(unknown_preset)
{
    EXPECT_BAD_TOPOLOGY("{'preset': 'fat-tree-9000'}", "tensim: s.json: topology.preset: ",
                        "\"fat-tree-9000\"", "single-switch");
}
END_TEST

START_TEST(override_key_the_preset_lacks)
{
    EXPECT_BAD_TOPOLOGY("{'preset': 'single-switch', 'set': {'link.bandwidth_gbps': 100}}",
                        "tensim: s.json: topology.set.link.bandwidth_gbps: ",
                        "\"bandwidth_gbps\"");
}
END_TEST

/* The name becomes the default output directory: it must not climb out. */
START_TEST(name_that_is_not_a_directory_name)
{
    result_t r;
    write_json("s.json", "{'name': '../escape', 'topology': %s, 'workload': %s}\n", TOPO_OK,
               WL_OK);
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_error(&r, 2, "tensim: s.json: name: ", NULL);
    result_free(&r);
}
END_TEST

START_TEST(more_ranks_than_gpus)
{
    EXPECT_BAD_WORKLOAD("{'generator': 'compute-allreduce', 'ranks': 16, 'compute_time_us': 100,"
                        " 'allreduce_size_bytes': 1024}",
                        "tensim: s.json: ", "16 ranks", "8 gpus");
}
END_TEST

/* ---- --set ---- */

START_TEST(set_bad_value)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "--set", "workload.ranks=abc", "-o", OUT, NULL);
    expect_error_line(&r, 2,
                      "tensim: s.json: workload.ranks: expected a positive integer, got \"abc\"");
    result_free(&r);
}
END_TEST

START_TEST(set_without_equals)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "--set", "workload.ranks", "-o", OUT, NULL);
    expect_error(&r, 2, "--set workload.ranks", "key.path=value", NULL);
    result_free(&r);
}
END_TEST

START_TEST(set_unknown_key)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "--set", "network.modle=flow", "-o", OUT, NULL);
    expect_error(&r, 2, "tensim: s.json: network.modle: ", "did you mean \"model\"", NULL);
    result_free(&r);
}
END_TEST

/* ---- output that cannot be written ---- */

START_TEST(output_below_a_regular_file)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    write_file("plain", "not a directory\n");
    run_tensim(&r, "run", "s.json", "-o", "plain/" OUT, NULL);
    /* the directory asked for, then the parent at fault */
    expect_error_line(&r, 1, "tensim: output directory plain/" OUT ": plain: exists and is not a "
                             "directory");
    char *kept = slurp("plain");
    ck_assert_str_eq(kept, "not a directory\n");
    free(kept);
    result_free(&r);
}
END_TEST

START_TEST(output_is_a_regular_file)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    write_file("plain", "not a directory\n");
    run_tensim(&r, "run", "s.json", "-o", "plain", NULL);
    /* the path once (it was "output directory plain: plain: ...") */
    expect_error_line(&r, 1, "tensim: output directory plain: exists and is not a directory");
    char *kept = slurp("plain");
    ck_assert_str_eq(kept, "not a directory\n");
    free(kept);
    result_free(&r);
}
END_TEST

/* The report is written, then cannot be renamed into place: the temporary
 * beside it must be gone. */
START_TEST(report_cannot_be_renamed_into_place)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    ck_assert_int_eq(mkdir(in_tdir("o2"), 0755), 0);
    ck_assert_int_eq(mkdir(in_tdir("o2/report.json"), 0755), 0);
    run_tensim(&r, "run", "s.json", "-o", "o2", NULL);
    expect_error(&r, 1, "tensim: o2/report.json", NULL);
    ck_assert_int_eq(count_entries_no_dotfiles("o2"), 1);
    ck_assert_int_eq(count_entries_no_dotfiles("o2/report.json"), 0);
    result_free(&r);
}
END_TEST

/* ---- a good run ---- */

/* One iteration of the skeleton, from the model: compute, then a ring
 * all-reduce of 2 (n-1) steps, each moving size/n bytes over two 500 ns
 * hops at 100 Gbps. Integer picoseconds throughout. */
static uint64_t skeleton_iteration_ps(void)
{
    const uint64_t ps_per_s = 1000000000000ull, ps_per_ns = 1000, ps_per_us = 1000000;
    const uint64_t n = 8, size = 256ull << 20, bps = 100000000000ull;
    ck_assert_uint_eq(ps_per_s % bps, 0); /* 10 ps a bit: exact */
    uint64_t step = 2 * 500 * ps_per_ns + size / n * 8 * (ps_per_s / bps);
    return 100 * ps_per_us + 2 * (n - 1) * step;
}

START_TEST(good_run_writes_the_hand_computed_report)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.err, "");
    ck_assert_ptr_nonnull(strstr(r.out, OUT "/report.json"));
    /* report.json, report.md, report.html, links.csv, ranks.csv, timeline.json */
    ck_assert_int_eq(count_entries_no_dotfiles(OUT), 6);
    json_error_t tje;
    json_t *tl = json_load_file(in_tdir(OUT "/timeline.json"), 0, &tje);
    ck_assert_msg(tl != NULL, "timeline.json: line %d: %s", tje.line, tje.text);
    /* per rank its process's name and order, a compute and a "world"
     * track each with a name and an order; then 2 ops x 8 ranks x 3
     * iterations (tests/check_timeline.c checks the layout) */
    ck_assert_uint_eq(json_array_size(json_object_get(tl, "traceEvents")),
                      8 * (2 + 2 * 2) + 2 * 8 * 3);
    json_decref(tl);

    json_error_t je;
    json_t *rep = json_load_file(in_tdir(OUT "/report.json"), 0, &je);
    ck_assert_msg(rep != NULL, "report.json: line %d: %s", je.line, je.text);
    json_t *ps = json_object_get(rep, "iteration_time_ps");
    ck_assert(json_is_integer(ps));
    ck_assert_uint_eq((uint64_t)json_integer_value(ps), skeleton_iteration_ps());
    ck_assert_int_eq(json_integer_value(json_object_get(rep, "iterations")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(rep, "ranks")), 8);
    /* the breakdown: 100 us of compute, the rest of each iteration the
     * all-reduce on "world" left exposed, no idle time */
    json_t *b = json_object_get(rep, "breakdown");
    double it_s = (double)skeleton_iteration_ps() / 1e12, comp_s = 100e-6;
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "time_s")), it_s, 1e-15);
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "compute_s")), comp_s, 1e-15);
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "idle_s")), 0, 1e-15);
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "waiting_for_peers_s")), 0, 1e-15);
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "finished_early_s")), 0, 1e-15);
    ck_assert_double_eq_tol(
        json_real_value(json_object_get(json_object_get(b, "exposed_by_communicator_s"), "world")),
        it_s - comp_s, 1e-15);
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "compute_share")), comp_s / it_s,
                            1e-12);
    json_t *meta = json_object_get(rep, "meta");
    ck_assert_str_eq(json_string_value(json_object_get(meta, "tensim_version")), TENSIM_VERSION);
    ck_assert_int_eq(json_integer_value(json_object_get(meta, "seed")), 1);
    json_decref(rep);
    result_free(&r);
}
END_TEST

START_TEST(same_inputs_give_byte_identical_reports)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);

    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_status(&r, 0);
    result_free(&r);
    char *first = slurp(OUT "/report.json");
    ck_assert_ptr_nonnull(first);
    /* the one field allowed to differ: the wall time, a number */
    ck_assert_ptr_nonnull(strstr(first, "\"wall_time_s\": "));
    drop_lines_with(first, "\"wall_time_s\":");
    char *html = slurp(OUT "/report.html");

    /* the same command into a cleaned directory: every byte the same */
    rm_rf(in_tdir(OUT));
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_status(&r, 0);
    result_free(&r);
    char *again = slurp(OUT "/report.json");
    ck_assert_ptr_nonnull(again);
    drop_lines_with(again, "\"wall_time_s\":");
    ck_assert_str_eq(again, first);
    char *html2 = slurp(OUT "/report.html");
    ck_assert_str_eq(html2, html);
    free(html);
    free(html2);

    /* another directory: only meta.command_line may differ */
    run_tensim(&r, "run", "s.json", "-o", "out2", NULL);
    expect_status(&r, 0);
    result_free(&r);
    char *other = slurp("out2/report.json");
    ck_assert_ptr_nonnull(other);
    ck_assert_ptr_nonnull(strstr(other, "out2"));
    drop_lines_with(other, "\"wall_time_s\":");
    drop_lines_with(first, "\"command_line\":");
    drop_lines_with(other, "\"command_line\":");
    ck_assert_str_eq(other, first);

    /* with --progress: the end's line on stderr (not a terminal: one line),
     * the same report but for the command line */
    run_tensim(&r, "run", "s.json", "-o", "out3", "--progress", NULL);
    expect_status(&r, 0);
    ck_assert_msg(strncmp(r.err, "[tensim] 100.0% of ops, simulated 0.113085 s, ", 46) == 0, "%s",
                  r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "bottleneck: network: "));
    result_free(&r);
    char *progress = slurp("out3/report.json");
    drop_lines_with(progress, "\"command_line\":");
    drop_lines_with(progress, "\"wall_time_s\":");
    ck_assert_str_eq(progress, first);
    /* --quiet wins: nothing at all */
    run_tensim(&r, "run", "s.json", "-o", "out3", "--progress", "--quiet", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.err, "");
    ck_assert_str_eq(r.out, "");
    result_free(&r);
    free(progress);
    free(first);
    free(again);
    free(other);
}
END_TEST

/* report.json states the fabric's bisection: 8 GPUs on one switch at
 * 100 Gbps, half of them to the other half, 4 x 100 Gbps; 400 Gbps at
 * 200 Gbps for 4 GPUs. */
START_TEST(report_states_the_bisection)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_expect(0, "run", "s.json", "-o", "a", "--quiet", NULL);
    run_expect(0, "run", "s.json", "-o", "b", "--quiet", "--set", "topology.set.gpus=4", "--set",
               "topology.set.link.bw_gbps=200", "--set", "workload.ranks=4", NULL);
    const char *dirs[] = {"a/report.json", "b/report.json"};
    const double want[] = {4 * 100, 2 * 200};
    for (int i = 0; i < 2; i++) {
        json_t *rep = json_load_file(in_tdir(dirs[i]), 0, NULL);
        ck_assert_ptr_nonnull(rep);
        const json_t *b = json_object_get(
            json_object_get(json_object_get(rep, "run"), "fabric"), "bisection_gbps");
        ck_assert_double_eq_tol(json_number_value(b), want[i], 1e-9);
        json_decref(rep);
    }
}
END_TEST

Suite *cli_run_suite(void)
{
    Suite *s = suite_create("cli_run");

    TCase *tc = new_tcase("command");
    tcase_add_test(tc, run_help_goes_to_stdout);
    tcase_add_test(tc, run_without_scenario_is_usage_error);
    tcase_add_test(tc, unknown_run_option);
    tcase_add_test(tc, option_without_value);
    tcase_add_loop_test(tc, seed_not_a_number, 0, (int)(sizeof bad_seeds / sizeof bad_seeds[0]));
    tcase_add_test(tc, report_states_the_bisection);
    suite_add_tcase(s, tc);

    tc = new_tcase("bad_input");
    tcase_add_loop_test(tc, scenario_not_an_object, 0, (int)(sizeof bad_files / sizeof bad_files[0]));
    tcase_add_test(tc, scenario_does_not_exist);
    tcase_add_test(tc, scenario_is_a_directory);
    tcase_add_test(tc, missing_required_key);
    tcase_add_test(tc, missing_nested_key);
    tcase_add_test(tc, misspelled_key_suggests_the_right_one);
    tcase_add_test(tc, megatron_wrong_type);
    tcase_add_test(tc, megatron_larger_than_the_fabric);
    tcase_add_test(tc, negative_count);
    tcase_add_test(tc, zero_count);
    tcase_add_test(tc, absurd_size);
    tcase_add_test(tc, negative_link_rate);
    tcase_add_test(tc, trace_does_not_exist);
    tcase_add_test(tc, unknown_preset);
    tcase_add_test(tc, override_key_the_preset_lacks);
    tcase_add_test(tc, name_that_is_not_a_directory_name);
    tcase_add_test(tc, more_ranks_than_gpus);
    tcase_add_test(tc, set_bad_value);
    tcase_add_test(tc, set_without_equals);
    tcase_add_test(tc, set_unknown_key);
    suite_add_tcase(s, tc);

    tc = new_tcase("output");
    tcase_add_test(tc, output_below_a_regular_file);
    tcase_add_test(tc, output_is_a_regular_file);
    tcase_add_test(tc, report_cannot_be_renamed_into_place);
    tcase_add_test(tc, good_run_writes_the_hand_computed_report);
    tcase_add_test(tc, same_inputs_give_byte_identical_reports);
    suite_add_tcase(s, tc);
    return s;
}
