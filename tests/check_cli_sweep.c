/* tests/check_cli_sweep.c — `tensim sweep`: every combination once, invalid ones recorded, bad
 * input refused, another study refused, and MPI ranks matching the local
 * pool.
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

/* A 2 x 2 study of the skeleton (link rate, compute time): every
 * combination in its own directory, rows in the cross product's order,
 * each iteration as its own run computes it by hand (3 iterations, so the
 * steady state: 100 us + 14 (1 us + 32 MiB x 80 ps) = 37.695 ms at
 * 100 Gbps); the same study.csv with -j 1 and -j 2, and a second sweep
 * into the same directory runs nothing. */
START_TEST(sweep_runs_every_combination_once)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    result_t r;
    run_tensim(&r, "sweep", "s.json", "--vary", "topology.set.link.bw_gbps=100:200:x2", "--vary",
               "workload.compute_time_us=[100, 10000]", "-j", "2", "-o", "st2", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "study: 4 runs (4 ran, 0 already done, 0 invalid, 0 failed)\n"
                            "summary: st2/study.csv, st2/study.md, st2/study.html\n");
    result_free(&r);
    char *csv = slurp("st2/study.csv");
    ck_assert_ptr_nonnull(csv);
    const char *want =
        "topology.set.link.bw_gbps,workload.compute_time_us,status,iteration_s,tokens_per_s,"
        "tflops_per_gpu,mfu,energy_kwh_per_iteration,cost_usd_per_iteration,bottleneck,dir,reason\n"
        "100,100,ok,0.037695,,,,,,network,\"topology.set.link.bw_gbps=100,workload.compute_time_us=100\",\n";
    ck_assert_msg(!strncmp(csv, want, strlen(want)), "%s", csv);
    int rows = 0;
    for (const char *p = csv; *p; p++)
        rows += *p == '\n';
    ck_assert_int_eq(rows, 5);
    ck_assert_ptr_nonnull(strstr(csv, "\n200,10000,ok,"));
    /* study.html: the table and, for the one figure the skeleton has
     * (iteration time), a chart against each of the two keys */
    char *html = slurp("st2/study.html");
    ck_assert_ptr_nonnull(html);
    int charts = 0;
    for (const char *p = html; (p = strstr(p, "<svg")); p++)
        charts++;
    ck_assert_int_eq(charts, 2);
    ck_assert_ptr_nonnull(strstr(html, "<figcaption>iteration_s against workload.compute_time_us"));
    free(html);
    run_tensim(&r, "sweep", "s.json", "--vary", "topology.set.link.bw_gbps=100:200:x2", "--vary",
               "workload.compute_time_us=[100, 10000]", "-o", "st1", NULL);
    expect_status(&r, 0);
    result_free(&r);
    char *csv1 = slurp("st1/study.csv");
    ck_assert_ptr_nonnull(csv1);
    /* the dir column names the study's own subdirectories, which match */
    ck_assert_str_eq(csv1, csv);
    run_tensim(&r, "sweep", "s.json", "--vary", "topology.set.link.bw_gbps=100:200:x2", "--vary",
               "workload.compute_time_us=[100, 10000]", "-o", "st2", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "study: 4 runs (0 ran, 4 already done, 0 invalid, 0 failed)\n"
                            "summary: st2/study.csv, st2/study.md, st2/study.html\n");
    result_free(&r);
    free(csv);
    free(csv1);
}
END_TEST

/* The figures' names agree: each figure column of study.csv is a column of
 * study.md's header, and the iteration time is iteration_s in both, as in
 * tensim compare's table (results/compare.c). */
static void expect_same_names(const char *csv, const char *md)
{
    const char *nl = strchr(csv, '\n');
    ck_assert_ptr_nonnull(nl);
    char head[1024];
    snprintf(head, sizeof head, "%.*s", (int)(nl - csv), csv);
    const char *mdnl = strchr(md, '\n');
    ck_assert_ptr_nonnull(mdnl);
    char mdhead[1024];
    snprintf(mdhead, sizeof mdhead, "%.*s", (int)(mdnl - md), md);
    ck_assert_ptr_nonnull(strstr(head, ",iteration_s,"));
    ck_assert_ptr_null(strstr(head, "iteration_time_s"));
    static const char *const figs[] = {"iteration_s", "tokens_per_s", "tflops_per_gpu", "mfu"};
    for (size_t i = 0; i < 4; i++) {
        char cell[64];
        snprintf(cell, sizeof cell, "| %s |", figs[i]);
        ck_assert_msg(strstr(mdhead, cell) != NULL, "%s not in %s", cell, mdhead);
        snprintf(cell, sizeof cell, ",%s,", figs[i]);
        ck_assert_msg(strstr(head, cell) != NULL, "%s not in %s", cell, head);
    }
}

/* The y tick labels of the first chart of html: up to 8, as doubles. */
static int y_ticks(const char *html, double *t)
{
    const char *svg = strstr(html, "<svg"), *end = svg ? strstr(svg, "</svg>") : NULL;
    int n = 0;
    for (const char *p = svg; p && (p = strstr(p, "class=\"ytick\">")) && p < end && n < 8; p++) {
        char num[64];
        size_t k = 0;
        for (const char *q = p + strlen("class=\"ytick\">"); *q != '<' && k < 63; q++)
            if (*q != ',')
                num[k++] = *q;
        num[k] = '\0';
        t[n++] = strtod(num, NULL);
    }
    return n;
}

/* A 3-run sweep of the compute time (100, 200, 400 us): iterations of
 * 37.695, 37.795 and 37.995 ms (each 100 us more compute adds 100 us to
 * the 14 (1 us + 32 MiB x 80 ps) of the all-reduce: see above), a 0.8%
 * spread. study.html's chart labels ticks between 0 and the maximum, in
 * steps of 1, 2 or 5 times a power of ten, starting near the data (and
 * says the axis does not start at 0), spaces 100/200/400 by their log (a
 * step per doubling: 200 midway) and says so, rings the lowest run, and
 * writes no exponent. */
START_TEST(sweep_chart_shows_the_differences)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    result_t r;
    run_tensim(&r, "sweep", "s.json", "--vary", "workload.compute_time_us=100,200,400", "-o",
               "st", NULL);
    expect_status(&r, 0);
    result_free(&r);
    char *csv = slurp("st/study.csv"), *md = slurp("st/study.md"), *html = slurp("st/study.html");
    ck_assert_ptr_nonnull(csv);
    ck_assert_ptr_nonnull(md);
    ck_assert_ptr_nonnull(html);
    expect_same_names(csv, md);
    double t[8];
    int n = y_ticks(html, t);
    ck_assert_int_ge(n, 3);
    ck_assert_int_le(n, 8);
    double lo = 0.037695, hi = 0.037995;
    ck_assert(t[0] <= lo && t[n - 1] >= hi);
    ck_assert(t[0] > 0); /* the axis starts near the data, not at 0 ... */
    ck_assert_ptr_nonnull(strstr(html, "y axis starts at "));  /* ... and says so */
    ck_assert_ptr_nonnull(strstr(html, "class=\"axis-break\""));
    int inner = 0;
    for (int i = 0; i < n; i++)
        inner += t[i] != 0 && t[i] != t[n - 1];
    ck_assert_int_ge(inner, 1);
    /* ticks span at most 8 steps of the data's 0.3 ms: each shows it */
    ck_assert_double_le(t[n - 1] - t[0], 8 * (hi - lo));
    ck_assert_ptr_nonnull(strstr(html, "workload.compute_time_us (log scale"));
    ck_assert_ptr_nonnull(strstr(html, "iteration_s (s)"));
    ck_assert_ptr_nonnull(strstr(html, "class=\"best\""));
    ck_assert_ptr_nonnull(strstr(html, "0.037695 (best)"));
    ck_assert_ptr_null(strstr(html, "e+0"));
    ck_assert_ptr_null(strstr(html, "e-0"));
    /* self-contained: no script, no external resource */
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "http://www.w3.org/2000/svg\" href"));
    ck_assert_ptr_null(strstr(html, "src="));
    ck_assert_ptr_null(strstr(html, "https:"));
    /* x places: 100 at the left end, 400 at the right, 200 midway (log) */
    double x[3];
    const char *p = strstr(html, "<svg");
    for (int i = 0; i < 3; i++) {
        p = strstr(p, "class=\"xtick\"");
        ck_assert_ptr_nonnull(p);
        const char *q = p;
        while (q > html && strncmp(q, "<text x=\"", 9))
            q--;
        x[i] = strtod(q + 9, NULL);
        p++;
    }
    ck_assert_double_eq_tol(x[1] - x[0], x[2] - x[1], 0.11);
    free(csv);
    free(md);
    free(html);
}
END_TEST

/* A value that makes an invalid scenario is a row of the study, with the
 * reason, and the study goes on. */
START_TEST(sweep_records_an_invalid_combination)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    result_t r;
    run_tensim(&r, "sweep", "s.json", "--vary", "workload.compute_time_us=100,-5", "-o", "st",
               NULL);
    expect_status(&r, 0);
    result_free(&r);
    char *csv = slurp("st/study.csv");
    ck_assert_ptr_nonnull(csv);
    ck_assert_ptr_nonnull(strstr(csv, "\n100,ok,0.037695,"));
    ck_assert_ptr_nonnull(strstr(csv, "\n-5,invalid,,,,,,,,workload.compute_time_us=-5,"
                                      "s.json: workload.compute_time_us: -5 is out of range"));
    free(csv);
    /* a bad training value too, in a study of runs (every command refuses
     * one): the combination is invalid, not a failed run */
    write_scenario(TOPO_OK, WL_OK, ",\n  'training': {'tokens': 1e9}");
    run_tensim(&r, "sweep", "s.json", "--vary", "training.runs=0,5", "-o", "st2", NULL);
    expect_status(&r, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "(1 ran, 0 already done, 1 invalid, 0 failed)"));
    result_free(&r);
    csv = slurp("st2/study.csv");
    ck_assert_ptr_nonnull(strstr(csv, "\n0,invalid,"));
    ck_assert_ptr_nonnull(strstr(csv, "s.json: training.runs:"));
    free(csv);
}
END_TEST

#define A10 "aaaaaaaaaa"
#define A100 A10 A10 A10 A10 A10 A10 A10 A10 A10 A10

static const struct {
    const char *args[8];
    const char *needle;
} sweep_bad[] = {
    /* the base scenario: missing, not JSON, invalid whatever the values */
    {{"sweep", "missing.json", "--vary", "seed=1,2", "-o", "st"},
     "tensim: sweep: missing.json: cannot open: No such file or directory"},
    {{"sweep", "nj.json", "--vary", "seed=1,2", "-o", "st"},
     "tensim: sweep: nj.json: line 1 column 4: invalid json: "},
    {{"sweep", "inv.json", "--vary", "seed=1,2", "-o", "st"},
     "tensim: sweep: every combination is invalid; the first, seed=1: inv.json: name: expected a "
     "string, got 3"},
    /* every value invalid; one invalid among good ones is a row instead
     * (sweep_records_an_invalid_combination) */
    {{"sweep", "s.json", "--vary", "workload.compute_time_us=-1,-2", "-o", "st"},
     "tensim: sweep: every combination is invalid; the first, workload.compute_time_us=-1: "
     "s.json: workload.compute_time_us: -1 is out of range"},
    /* keys no value mends, refused as --set refuses them */
    {{"sweep", "s.json", "--vary", "workload..ranks=1,2", "-o", "st"},
     "tensim: sweep: --vary workload..ranks: empty key segment"},
    {{"sweep", "s.json", "--vary", A100 A100 A100 "=1", "-o", "st"},
     "tensim: sweep: --vary " A10 A10 A10 A10 "...: key too long"},
    {{"sweep", "s.json", "--vary", "topology.set.radx=1,2", "-o", "st"},
     "tensim: sweep: every combination is invalid; the first, topology.set.radx=1: s.json: "
     "topology.set.radx: the preset has no key \"radx\""},
    {{"sweep", "s.json", "--vary", "seed=1,2", "--set", "workload..ranks=8", "-o", "st"},
     "s.json: --set workload..ranks: empty key segment"},
    {{"sweep", "s.json", "--vary", "workload.nokey=1", "-o", "st"},
     "tensim: sweep: s.json: workload.nokey: unknown key"},
    {{"sweep", "s.json", "--vary", "workload.compute_time_us=1,,2", "-o", "st"},
     "tensim: sweep: --vary workload.compute_time_us: empty value in '1,,2'"},
    {{"sweep", "s.json", "--vary", "workload.compute_time_us=8:1:x2", "-o", "st"},
     "tensim: sweep: --vary workload.compute_time_us: bad range '8:1:x2'"},
    {{"sweep", "s.json", "--vary", "workload.compute_time_us=[]", "-o", "st"},
     "tensim: sweep: --vary workload.compute_time_us: expected a JSON array"},
    {{"sweep", "s.json", "--vary", "nothing", "-o", "st"},
     "tensim: sweep: --vary 'nothing': expected KEY=VALUES"},
    {{"sweep", "s.json", "-o", "st"}, "tensim: sweep: expected one scenario file, at least one --vary"},
    {{"sweep", "s.json", "--vary", "name=[\"a b\", \"a_b\"]", "-o", "st"},
     "tensim: sweep: two combinations would share the directory st/name=_a_b_"},
    {{"sweep", "s.json", "--vary", "seed=1", "-j", "0", "-o", "st"}, "tensim: sweep: -j: expected 1 to 1024"},
    {{"sweep", "s.json", "--vary", "seed=1", "-j", "1025", "-o", "st"},
     "tensim: sweep: -j: expected 1 to 1024, got '1025'"},
    {{"sweep", "s.json", "--vary", "seed=1", "--vary", "seed=2", "-o", "st"},
     "tensim: sweep: --vary seed: given twice"},
};

/* Bad input: one line, exit 2, and no study directory left behind. */
/* study.csv's energy per iteration and its cost: the skeleton's 8 GPUs at
 * 300 W (given) and no other figure, PUE 1.1: 8 x 300 x 1.1 W over the
 * iteration, priced at 0.1 USD a kWh. */
START_TEST(sweep_carries_energy_and_cost)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    result_t r;
    run_tensim(&r, "sweep", "s.json", "--vary", "topology.set.link.bw_gbps=100,200", "--set",
               "power.gpu_busy_w=300", "--set", "prices.energy_usd_per_kwh=0.1", "-o", "se",
               NULL);
    expect_status(&r, 0);
    result_free(&r);
    char *csv = slurp("se/study.csv");
    ck_assert_ptr_nonnull(csv);
    /* the skeleton's iteration: 100 us + 2 x 7 steps x (2 hops x 500 ns +
     * 32 MiB x 8 / the rate) */
    static const double it[] = {100e-6 + 14 * (1e-6 + 33554432 * 8 / 100e9),
                                100e-6 + 14 * (1e-6 + 33554432 * 8 / 200e9)};
    static const char *const bw[] = {"100", "200"};
    for (int i = 0; i < 2; i++) {
        double kwh = 8 * 300 * 1.1 * it[i] / 3.6e6;
        char row[256];
        snprintf(row, sizeof row, "\n%s,ok,%.6g,,,,%.6g,%.6g,", bw[i], it[i], kwh, kwh * 0.1);
        ck_assert_msg(strstr(csv, row) != NULL, "%s not in %s", row, csv);
    }
    free(csv);
}
END_TEST

START_TEST(sweep_bad_input)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    write_file("nj.json", "nope\n");
    write_file("inv.json", "{\"name\": 3}\n");
    result_t r;
    const char *const *a = sweep_bad[_i].args;
    run_tensim(&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL);
    expect_error(&r, 2, sweep_bad[_i].needle, NULL);
    result_free(&r);
    struct stat st;
    ck_assert_int_ne(stat(in_tdir("st"), &st), 0);
}
END_TEST

/* A directory that holds another study is refused: its runs are not mixed. */
START_TEST(sweep_refuses_another_study)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    result_t r;
    run_tensim(&r, "sweep", "s.json", "--vary", "workload.compute_time_us=100", "-o", "st", NULL);
    expect_status(&r, 0);
    result_free(&r);
    run_tensim(&r, "sweep", "s.json", "--vary", "workload.compute_time_us=200", "-o", "st", NULL);
    expect_error(&r, 2, "tensim: sweep: st holds another study", NULL);
    result_free(&r);
}
END_TEST

/* The same study over MPI: `mpirun -n 2` (rank 0 hands the runs out, rank
 * 1 runs them) writes a study.csv byte for byte the local sweep's. */
START_TEST(sweep_over_mpi_matches_local)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    result_t r;
    run_tensim(&r, "sweep", "s.json", "--vary", "topology.set.link.bw_gbps=100:400:x2", "--vary",
               "workload.compute_time_us=100,10000", "-o", "local", NULL);
    expect_status(&r, 0);
    result_free(&r);
    int st = run_mpirun(2, "sweep s.json --vary topology.set.link.bw_gbps=100:400:x2 --vary "
                           "workload.compute_time_us=100,10000 -o mpi");
    char *err = slurp("mpi.err");
    ck_assert_msg(st == 0, "mpirun: status %d: %s", st, err ? err : "");
    free(err);
    char *out = slurp("mpi.out");
    ck_assert_str_eq(out, "study: 6 runs (6 ran, 0 already done, 0 invalid, 0 failed)\n"
                          "summary: mpi/study.csv, mpi/study.md, mpi/study.html\n");
    free(out);
    char *a = slurp("local/study.csv"), *b = slurp("mpi/study.csv");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

Suite *cli_sweep_suite(void)
{
    Suite *s = suite_create("cli_sweep");

    TCase *tc = new_tcase("sweep");
    tcase_add_test(tc, sweep_runs_every_combination_once);
    tcase_add_test(tc, sweep_records_an_invalid_combination);
    tcase_add_loop_test(tc, sweep_bad_input, 0, (int)(sizeof sweep_bad / sizeof sweep_bad[0]));
    tcase_add_test(tc, sweep_refuses_another_study);
    tcase_add_test(tc, sweep_carries_energy_and_cost);
    tcase_add_test(tc, sweep_chart_shows_the_differences);
    tcase_add_test(tc, sweep_over_mpi_matches_local);
    suite_add_tcase(s, tc);
    return s;
}
