/* tests/check_cli_compare.c — `tensim compare`: the what-if table against the first run.
 *
 * Runs the real binary through tests/cli_harness.h. */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/tn_error.h"
#include "common/tn_json.h"
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
    snprintf(row, sizeof row, "| b | skeleton | %.6g | %.4f | — | — | — | — | — | network |\n", t[1],
             t[0] / t[1]);
    ck_assert_msg(strstr(r.out, row) != NULL, "%s", r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "| a | skeleton | 0.037695 | 1.0000 |"));
    result_free(&r);
    char *csv = slurp("c.csv");
    snprintf(row, sizeof row, "\nb,skeleton,%.15g,%.15g,,,,,,network\n", t[1], t[0] / t[1]);
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

/* Copies a scenario of the repository into the test folder as `name`. */
static void copy_scenario(const char *from, const char *name)
{
    char buf[8192];
    FILE *f = fopen(from, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    write_file(name, buf);
}

/* A figure of a report.json at a dotted path, NAN when missing. */
static double report_number(const char *dir, const char *key)
{
    char path[64];
    snprintf(path, sizeof path, "%s/report.json", dir);
    json_t *rep = json_load_file(in_tdir(path), 0, NULL);
    ck_assert_ptr_nonnull(rep);
    const json_t *v = tn_json_at(rep, key);
    double x = json_is_number(v) ? json_number_value(v) : NAN;
    json_decref(rep);
    return x;
}

/* The number in the page's row headed `row`, column `col` (0: the first
 * run); NAN when the cell holds no number. */
static double page_cell(const char *page, const char *row, int col)
{
    char head[128];
    snprintf(head, sizeof head, "<th>%s</th>", row);
    const char *p = strstr(page, head);
    ck_assert_msg(p != NULL, "no row %s", row);
    for (int i = 0; i <= col; i++) {
        p = strstr(p, "<td>");
        ck_assert_ptr_nonnull(p);
        p += 4;
    }
    char *end;
    double v = strtod(p, &end);
    return end == p ? NAN : v;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

/* The side-by-side page of three runs: the small Megatron job, the same
 * at microbatch 2, and the skeleton. Written only with --html (its folder
 * made), one column per run, each scenario named, the ratios equal to
 * the reports' (5 significant digits), one chart for the breakdown and
 * one for the tiers; the Markdown table on stdout the same as without
 * --html. */
START_TEST(compare_html_puts_runs_side_by_side)
{
    result_t r;
    copy_scenario("tests/data/goodput/small.json", "g.json");
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_expect(0, "run", "g.json", "-o", "a", "--quiet", NULL);
    run_expect(0, "run", "g.json", "-o", "b", "--quiet", "--set", "workload.layout.microbatch=2",
               NULL);
    run_expect(0, "run", "s.json", "-o", "c", "--quiet", NULL);
    run_tensim(&r, "compare", "a", "b", "c", NULL);
    expect_status(&r, 0);
    char *plain = tn_strdup(r.out);
    result_free(&r);
    ck_assert_ptr_null(slurp("p/cmp.html")); /* no page without --html */

    run_tensim(&r, "compare", "a", "b", "c", "--html", "p/cmp.html", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, plain);
    result_free(&r);
    free(plain);
    char *page = slurp("p/cmp.html");
    ck_assert_ptr_nonnull(page);
    ck_assert_int_eq(strncmp(page, "<!DOCTYPE html>", 15), 0);
    ck_assert_int_eq(count(page, "<th class=\"run\">a</th>"), 5); /* one per table */
    ck_assert_int_eq(count(page, "<th class=\"run\">"), 15);      /* 3 runs x 5 tables */
    ck_assert_ptr_nonnull(strstr(page, "<td>goodput-small</td><td>goodput-small</td>"
                                       "<td>skeleton</td>"));
    ck_assert_int_eq(count(page, "<svg"), 2);
    ck_assert_ptr_null(strstr(page, "<script"));
    ck_assert_ptr_null(strstr(page, "src="));  /* nothing loaded from elsewhere */
    ck_assert_ptr_null(strstr(page, "href="));

    double t[3], tok[2], mfu[2];
    const char *dirs[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++)
        t[i] = report_number(dirs[i], "iteration_time_s");
    for (int i = 0; i < 2; i++) {
        tok[i] = report_number(dirs[i], "tokens_per_s");
        mfu[i] = report_number(dirs[i], "mfu");
    }
    double want[] = {1, t[0] / t[1], t[0] / t[2]};
    for (int i = 0; i < 3; i++)
        ck_assert_double_eq_tol(page_cell(page, "speedup vs first", i), want[i], 6e-5 * want[i]);
    ck_assert_double_eq_tol(page_cell(page, "tokens/s vs first", 1), tok[1] / tok[0],
                            6e-5 * tok[1] / tok[0]);
    ck_assert_double_eq_tol(page_cell(page, "MFU vs first", 1), mfu[1] / mfu[0],
                            6e-5 * mfu[1] / mfu[0]);
    ck_assert(isnan(page_cell(page, "tokens/s vs first", 2))); /* the skeleton has none */
    /* the iteration itself, in seconds, as the report has it */
    ck_assert_double_eq_tol(page_cell(page, "iteration", 2), t[2], 6e-5 * t[2]);
    /* energy per iteration: the reports' (A100s at 400 W), first over this;
     * the skeleton's GPUs have no figure, so it has none */
    double e0 = report_number("a", "energy.per_iteration.energy_kwh"),
           e1 = report_number("b", "energy.per_iteration.energy_kwh");
    ck_assert_double_gt(e0, 0);
    ck_assert_double_eq_tol(page_cell(page, "energy per iteration", 1), e1, 6e-5 * e1);
    ck_assert_double_eq_tol(page_cell(page, "energy vs first (first over this)", 1), e0 / e1,
                            6e-5 * e0 / e1);
    ck_assert(isnan(page_cell(page, "energy per iteration", 2)));
    ck_assert_double_eq_tol(page_cell(page, "facility power", 0),
                            report_number("a", "energy.power_w.facility") / 1e3,
                            6e-5 * report_number("a", "energy.power_w.facility") / 1e3);
    free(page);

    /* a bad run: no page and no CSV, not even their folder's files */
    ck_assert_int_eq(mkdir(in_tdir("bad"), 0755), 0);
    write_file("bad/report.json", "{\"scenario\": \"x\", \"iteration_time_s\": 1}");
    run_tensim(&r, "compare", "a", "bad", "--csv", "q/e.csv", "--html", "q/e.html", NULL);
    expect_status(&r, 2);
    ck_assert_str_eq(r.out, "");
    ck_assert_ptr_null(slurp("q/e.html"));
    ck_assert_ptr_null(slurp("q/e.csv"));
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
    /* the energy per iteration follows MFU, as every digit */
    double kwh = report_number("b", "energy.per_iteration.energy_kwh");
    snprintf(want, sizeof want, ",%.15g,%.15g,", mfu, kwh);
    ck_assert_msg(strstr(csv, want) != NULL, "%s in %s", want, csv);
    free(csv);
}
END_TEST

Suite *cli_compare_suite(void)
{
    Suite *s = suite_create("cli_compare");

    TCase *tc = new_tcase("compare");
    tcase_add_test(tc, compare_tabulates_runs_against_the_first);
    tcase_add_test(tc, compare_csv_keeps_full_precision);
    tcase_add_test(tc, compare_html_puts_runs_side_by_side);
    suite_add_tcase(s, tc);
    return s;
}
