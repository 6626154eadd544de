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
    snprintf(row, sizeof row, "\nb,skeleton,%.6g,%.4f,,,,network\n", t[1], t[0] / t[1]);
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

Suite *cli_compare_suite(void)
{
    Suite *s = suite_create("cli_compare");

    TCase *tc = new_tcase("compare");
    tcase_add_test(tc, compare_tabulates_runs_against_the_first);
    suite_add_tcase(s, tc);
    return s;
}
