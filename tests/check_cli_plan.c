/* tests/check_cli_plan.c — `tensim plan`: bad input and the ranking it writes.
 *
 * Runs the real binary through tests/cli_harness.h. */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/tn_version.h"
#include "tests/cli_harness.h"
#include "tests/tests.h"

/* A small Megatron job for tensim plan on the 8-GPU switch: 4 layers,
 * global batch 8. */
#define WL_PLAN                                                                                \
    "{'generator': 'megatron', 'gpu': 'v100-32gb',"                                            \
    " 'model': {'layers': 4, 'hidden': 256, 'heads': 4, 'seq_len': 128, 'vocab': 1000},"       \
    " 'layout': {'tp': 1, 'pp': 1, 'dp': 8, 'global_batch': 8}}"

static const struct {
    const char *wl, *args[4], *needle;
} plan_bad[] = {
    {WL_OK, {NULL}, "s.json: workload: tensim plan lays out a megatron workload"},
    {WL_PLAN, {"--gpus", "0"}, "plan: --gpus: expected a whole number of gpus from 1, got '0'"},
    {WL_PLAN, {"--gpus", "9"}, "s.json: the fabric has 8 gpus, fewer than the 9 to plan for"},
    {WL_PLAN, {"--top", "-1"}, "plan: --top: expected a whole number from 0 to 100, got '-1'"},
    {WL_PLAN, {"--top", "2.5"}, "plan: --top: expected a whole number from 0 to 100, got '2.5'"},
    {WL_PLAN, {"--reserve-gib", "x"}, "plan: --reserve-gib: expected GiB from 0, got 'x'"},
    {WL_PLAN, {"--reserve-gib", "40"},
     "s.json: workload.model: no layout of 8 gpus both fits in 32 GiB per gpu (40 GiB reserved) "
     "and runs with collectives.algorithm \"ring\"; of 84 layouts, 84 do not fit"},
    {WL_PLAN, {"--set", "workload.layout.tp=3"}, "s.json: workload.layout.tp: 4 heads do not split"},
    {WL_PLAN, {"--frobnicate"}, "plan: unknown option '--frobnicate'"},
    {WL_PLAN, {"-j", "0"}, "plan: -j: expected a whole number from 1 to 1024, got '0'"},
    {WL_PLAN, {"--set", "collectives.algorithm=direct"},
     "s.json: workload.model: no layout of 8 gpus both fits in 32 GiB per gpu (2 GiB reserved) "
     "and runs with collectives.algorithm \"direct\"; of 84 layouts, 0 do not fit, 84 cannot run"},
    {WL_PLAN, {"--set", "stragglers=[{\"rank\": 1, \"slowdown\": 2}]"},
     "s.json: stragglers: name ranks of one layout, and tensim plan tries many"},
};

START_TEST(plan_bad_input)
{
    write_scenario(TOPO_OK, plan_bad[_i].wl, "");
    const char *const *a = plan_bad[_i].args;
    result_t r;
    run_tensim(&r, "plan", "s.json", "-o", OUT, a[0] ? a[0] : "--top", a[0] ? a[1] : "1",
               NULL);
    expect_error(&r, 2, plan_bad[_i].needle, NULL);
    result_free(&r);
}
END_TEST

/* The text of the next <td> after *p (commas dropped), advancing *p. */
static void next_cell(const char **p, char *out, size_t n)
{
    const char *c = strstr(*p, "<td");
    ck_assert_ptr_nonnull(c);
    c = strchr(c, '>') + 1;
    size_t k = 0;
    for (; *c != '<' && k + 1 < n; c++)
        if (*c != ',')
            out[k++] = *c;
    out[k] = '\0';
    *p = c;
}

/* A cell of plan.html against plan.json's value: "-" for a null, else the
 * number written with 5 significant digits (results/chart.h), so within
 * half a unit of the fifth digit: a relative 5e-5. */
static void expect_cell(const char **p, const json_t *v)
{
    char cell[64];
    next_cell(p, cell, sizeof cell);
    if (json_is_null(v) || !v) {
        ck_assert_str_eq(cell, "-");
        return;
    }
    double want = json_number_value(v), got = strtod(cell, NULL);
    ck_assert_msg(fabs(got - want) <= fabs(want) * 5e-5, "%s against %.9g", cell, want);
}

/* plan.html: self-contained, with the two charts (iteration times, memory
 * against the GPU's 32 GiB) and the ranking, whose every figure is
 * plan.json's. */
static void expect_plan_html(const json_t *js)
{
    char *html = slurp(OUT "/plan.html");
    ck_assert_ptr_nonnull(html);
    int svgs = 0;
    for (const char *p = html; (p = strstr(p, "<svg")); p++)
        svgs++;
    ck_assert_int_eq(svgs, 2);
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "src="));
    ck_assert_ptr_nonnull(strstr(html, "GPU memory: 32<"));
    ck_assert_ptr_nonnull(strstr(html, "iteration (s)"));
    ck_assert_ptr_nonnull(strstr(html, "memory per GPU (GiB)"));
    const json_t *ls = json_object_get(js, "layouts");
    size_t rows = json_array_size(ls) < 15 ? json_array_size(ls) : 15;
    const char *p = strstr(html, "<table class=\"rank\">");
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < rows; i++) {
        const json_t *l = json_array_get(ls, i), *ly = json_object_get(l, "layout");
        char cell[64];
        next_cell(&p, cell, sizeof cell);
        ck_assert_int_eq(atoi(cell), (int)i + 1);
        static const char *const ints[] = {"tp", "pp", "dp", "microbatch"};
        for (int k = 0; k < 4; k++) {
            next_cell(&p, cell, sizeof cell);
            ck_assert_int_eq(atoll(cell), json_integer_value(json_object_get(ly, ints[k])));
        }
        for (int k = 0; k < 5; k++) /* schedule, sp, recompute, zero, gpus */
            next_cell(&p, cell, sizeof cell);
        ck_assert_int_eq(atoll(cell), json_integer_value(json_object_get(l, "gpus")));
        expect_cell(&p, json_object_get(json_object_get(l, "memory"), "total_gib"));
        expect_cell(&p, json_object_get(l, "bound_s"));
        expect_cell(&p, json_object_get(json_object_get(l, "estimate"), "iteration_s"));
        expect_cell(&p, json_object_get(l, "simulated_s"));
        bool est = json_is_object(json_object_get(l, "estimate"));
        expect_cell(&p, est ? json_object_get(l, "tokens_per_s") : NULL);
        expect_cell(&p, est ? json_object_get(l, "mfu") : NULL);
    }
    ck_assert_ptr_null(strstr(p, "<tr><td>")); /* no more rows */
    free(html);
}

/* A plan writes its ranking and, with -o, plan.csv (one row per layout
 * that fits), plan.json, which agree on the count and the winner, and
 * plan.html, whose figures are plan.json's. */
START_TEST(plan_writes_the_ranking)
{
    write_scenario(TOPO_OK, WL_PLAN, "");
    result_t r;
    run_tensim(&r, "plan", "s.json", "--top", "2", "-o", OUT, "--quiet", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "");
    result_free(&r);
    json_t *js = json_load_file(in_tdir(OUT "/plan.json"), 0, NULL);
    ck_assert_ptr_nonnull(js);
    json_int_t fit = json_integer_value(json_object_get(js, "fit"));
    ck_assert_int_gt(fit, 10);
    ck_assert_int_eq(json_integer_value(json_object_get(js, "simulated")), 2);
    char *csv = slurp(OUT "/plan.csv");
    ck_assert_ptr_nonnull(csv);
    json_int_t lines = 0;
    for (const char *c = csv; *c; c++)
        lines += *c == '\n';
    ck_assert_int_eq(lines, fit + 1);
    json_t *first = json_array_get(json_object_get(js, "layouts"), 0);
    ck_assert(json_is_real(json_object_get(first, "simulated_s")));
    expect_plan_html(js);
    free(csv);
    json_decref(js);
    /* on 6 GPUs with a batch of 12, hd cannot run the data-parallel
     * collectives of dp 6 or 3: those layouts are counted apart, and no
     * figure is NaN */
    run_tensim(&r, "plan", "s.json", "--top", "1", "--rows", "100", "--set",
               "collectives.algorithm=hd", "--set", "topology.set.gpus=6", "--set",
               "workload.layout.global_batch=12", "--set", "workload.layout.dp=6", NULL);
    expect_status(&r, 0);
    ck_assert_msg(strstr(r.out, "of them cannot run with the collective algorithm") != NULL, "%s",
                  r.out);
    ck_assert_ptr_null(strstr(r.out, "nan"));
    result_free(&r);
    run_tensim(&r, "plan", "s.json", "--top", "0", "--rows", "3", NULL);
    expect_status(&r, 0);
    static const char head[] = "plan: inline model on 8 of 8 v100-32gb gpus";
    ck_assert_msg(!strncmp(r.out, head, sizeof head - 1), "%s", r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "\n   3 "));
    ck_assert_ptr_null(strstr(r.out, "\n   4 "));
    result_free(&r);
}
END_TEST

/* The plan files in tdir/a and tdir/b are the same, byte for byte. */
static void same_plan(const char *a, const char *b, const char *how)
{
    static const char *const files[] = {"plan.csv", "plan.json", "plan.html"};
    for (int i = 0; i < 3; i++) {
        char pa[64], pb[64];
        snprintf(pa, sizeof pa, "%s/%s", a, files[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, files[i]);
        char *x = slurp(pa), *y = slurp(pb);
        ck_assert_ptr_nonnull(x);
        ck_assert_ptr_nonnull(y);
        ck_assert_msg(strcmp(x, y) == 0, "%s differs %s", files[i], how);
        free(x);
        free(y);
    }
}

/* plan -j 3: the best 4 simulated three at a time in child processes
 * give the same plan, byte for byte, as one after another; the progress
 * lines name every simulation once. */
START_TEST(plan_jobs_give_the_same_plan)
{
    write_scenario(TOPO_OK, WL_PLAN, "");
    result_t r;
    run_tensim(&r, "plan", "s.json", "--top", "4", "-o", "p1", "--quiet", NULL);
    expect_status(&r, 0);
    result_free(&r);
    run_tensim(&r, "plan", "s.json", "--top", "4", "-j", "3", "-o", "p3", NULL);
    expect_status(&r, 0);
    for (int i = 1; i <= 4; i++) {
        char line[64];
        snprintf(line, sizeof line, "plan: simulating %d of 4: ", i);
        ck_assert_msg(strstr(r.err, line) != NULL, "%s", r.err);
    }
    ck_assert_ptr_null(strstr(r.err, "simulating 5 of"));
    result_free(&r);
    same_plan("p1", "p3", "with -j 3");
    json_t *js = json_load_file(in_tdir("p3/plan.json"), 0, NULL);
    ck_assert_int_eq(json_integer_value(json_object_get(js, "simulated")), 4);
    json_decref(js);
}
END_TEST

/* The same plan over MPI: `mpirun -n 3` (every rank plans, each
 * simulates every third of the best 4, rank 0 writes) gives plan.csv,
 * plan.json and plan.html byte for byte the local plan's. */
START_TEST(plan_over_mpi_matches_local)
{
    write_scenario(TOPO_OK, WL_PLAN, "");
    result_t r;
    run_tensim(&r, "plan", "s.json", "--top", "4", "-o", "p1", "--quiet", NULL);
    expect_status(&r, 0);
    result_free(&r);
    int st = run_mpirun(3, "plan s.json --top 4 -o p3");
    char *err = slurp("mpi.err");
    ck_assert_msg(st == 0, "mpirun: status %d: %s", st, err ? err : "");
    free(err);
    same_plan("p1", "p3", "over MPI");
}
END_TEST

Suite *cli_plan_suite(void)
{
    Suite *s = suite_create("cli_plan");

    TCase *tc = new_tcase("plan");
    tcase_add_loop_test(tc, plan_bad_input, 0, (int)(sizeof plan_bad / sizeof plan_bad[0]));
    tcase_add_test(tc, plan_writes_the_ranking);
    tcase_add_test(tc, plan_jobs_give_the_same_plan);
    tcase_add_test(tc, plan_over_mpi_matches_local);
    suite_add_tcase(s, tc);
    return s;
}
