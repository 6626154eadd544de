/* tests/check_cli_compare.c — `tensim compare`: the what-if table against the first run.
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

/* The skeleton at 100 and 200 Gbps: the table names both runs, the
 * second's speedup is the ratio of the two reports' iteration times, and
 * the CSV file holds the same rows. */
START_TEST(compare_tabulates_runs_against_the_first)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_expect(0, "run", "s.json", "-o", "a", "--quiet", NULL);
    run_expect(0, "run", "s.json", "-o", "b", "--quiet", "--set", "topology.set.link.bw_gbps=200",
               NULL);
    double t[2];
    for (int i = 0; i < 2; i++) {
        json_t *rep = json_load_file(in_tdir(i ? "b/report.json" : "a/report.json"), 0, NULL);
        ck_assert_ptr_nonnull(rep);
        t[i] = json_real_value(json_object_get(rep, "iteration_time_s"));
        json_decref(rep);
    }
    run_tensim(&r, "compare", "a", "b", "--csv", "c.csv", NULL);
    expect_status(&r, 0);
    char row[256];
    snprintf(row, sizeof row, "| b | skeleton | %.6g | %.4f | — | — | — | network |\n", t[1],
             t[0] / t[1]);
    ck_assert_msg(strstr(r.out, row) != NULL, "%s", r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "| a | skeleton | 0.037695 | 1.0000 |"));
    result_free(&r);
    char *csv = slurp("c.csv");
    snprintf(row, sizeof row, "\nb,skeleton,%.15g,%.15g,,,,network\n", t[1], t[0] / t[1]);
    ck_assert_msg(strstr(csv, row) != NULL, "%s", csv);
    ck_assert_int_eq(strncmp(csv, "run,scenario,iteration_s,speedup,", 33), 0);
    free(csv);

    /* bad input: one line naming the file, status 2, no table, no csv */
    ck_assert_int_eq(mkdir(in_tdir("bad"), 0755), 0);
    write_file("bad/report.json", "{\"scenario\": \"x\", \"iteration_time_s\": 1}");
    run_tensim(&r, "compare", "a", "bad", "--csv", "d.csv", NULL);
    expect_error_line(&r, 2, "tensim: bad/report.json: bottleneck.verdict: expected a string "
                             "(a report of this tensim version)");
    ck_assert_str_eq(r.out, "");
    ck_assert_ptr_null(slurp("d.csv"));
    result_free(&r);
    write_file("bad/report.json", "{\"scenario\": ");
    run_tensim(&r, "compare", "bad", NULL);
    expect_error(&r, 2, "tensim: bad/report.json: line 1", NULL);
    result_free(&r);
    run_tensim(&r, "compare", "nowhere", NULL);
    expect_error(&r, 2, "tensim: nowhere/report.json: ", NULL);
    result_free(&r);
    run_tensim(&r, "compare", NULL);
    expect_error(&r, 2, "tensim: compare: expected at least one run directory", NULL);
    result_free(&r);
}
END_TEST

/* The CSV keeps every digit of the reports' figures (MFU included); the
 * Markdown table rounds for people. A small Megatron job, so that MFU is
 * there. */
START_TEST(compare_csv_keeps_full_precision)
{
    char path[64] = "tests/data/goodput/small.json", buf[8192];
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    write_file("s.json", buf);
    run_expect(0, "run", "s.json", "-o", "a", "--quiet", NULL);
    run_expect(0, "run", "s.json", "-o", "b", "--quiet", "--set", "workload.layout.microbatch=2",
               NULL);
    run_expect(0, "compare", "a", "b", "--csv", "c.csv", NULL);
    json_t *rep = json_load_file(in_tdir("b/report.json"), 0, NULL);
    ck_assert_ptr_nonnull(rep);
    double mfu = json_number_value(json_object_get(rep, "mfu"));
    double tok = json_number_value(json_object_get(rep, "tokens_per_s"));
    ck_assert_double_gt(mfu, 0);
    json_decref(rep);
    char *csv = slurp("c.csv"), want[128];
    snprintf(want, sizeof want, ",%.15g,", tok);
    ck_assert_msg(strstr(csv, want) != NULL, "%s in %s", want, csv);
    snprintf(want, sizeof want, ",%.15g,", mfu);
    ck_assert_msg(strstr(csv, want) != NULL, "%s in %s", want, csv);
    /* and it reads back as the report's value, bit for bit up to 15 digits */
    char *p = strstr(csv, want);
    ck_assert_double_eq_tol(strtod(p + 1, NULL), mfu, 1e-14 * mfu);
    free(csv);
}
END_TEST

Suite *cli_compare_suite(void)
{
    Suite *s = suite_create("cli_compare");

    TCase *tc = new_tcase("compare");
    tcase_add_test(tc, compare_tabulates_runs_against_the_first);
    tcase_add_test(tc, compare_csv_keeps_full_precision);
    suite_add_tcase(s, tc);
    return s;
}
