/* tests/check_results.c — the report built from records, and outputs
 * written whole or not at all. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tn_file.h"
#include "results/report.h"
#include "tests/tests.h"

static void fill(sim_records_t *r)
{
    sim_records_init(r, 3, 2, 1);
    /* iterations end at 10, 25 and 45 us: 10, 15, 20 us each; steady state
     * (after the first) is (45 - 10) / 2 = 17.5 us */
    r->iter_end[0] = 10000000;
    r->iter_end[1] = 25000000;
    r->iter_end[2] = 45000000;
    r->rank_compute_ps[0] = 3000000;
    r->rank_compute_ps[1] = 5000000;
    r->link_bytes[0] = 123;
    r->end_ps = 45000000;
    r->events = 9;
    r->transfers = 4;
}

/* 2 ranks; per iteration 7e12 model FLOPs, 16 samples of 1000 tokens;
 * a 100 TFLOP/s GPU */
static const res_meta_t META = {"t", 7, 0xabcdefull, "tensim run t.json", "analytic", 4, 2,
                                7e12, 16, 16000, 1e14, -1, NULL, NULL};

START_TEST(report_figures)
{
    sim_records_t r;
    fill(&r);
    ck_assert_uint_eq(sim_records_iteration_ps(&r), 17500000);
    json_t *j = res_report_json(&r, &META);
    ck_assert_double_eq_tol(json_real_value(json_object_get(j, "iteration_time_s")), 17.5e-6, 1e-18);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "iteration_time_ps")), 17500000);
    json_t *its = json_object_get(j, "iteration_times_s");
    ck_assert_uint_eq(json_array_size(its), 3);
    ck_assert_double_eq_tol(json_real_value(json_array_get(its, 1)), 15e-6, 1e-18);
    ck_assert_double_eq_tol(json_real_value(json_array_get(its, 2)), 20e-6, 1e-18);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "idle_gpus")), 2);
    json_t *comp = json_object_get(json_object_get(j, "per_rank_totals"), "compute");
    ck_assert_double_eq_tol(json_real_value(json_object_get(comp, "mean_s")), 4e-6, 1e-18);
    ck_assert_double_eq_tol(json_real_value(json_object_get(comp, "max_s")), 5e-6, 1e-18);
    /* throughput over the steady-state 17.5 us: 16000 tokens, 16 samples;
     * 7e12 FLOPs over 2 ranks is 2e17 FLOP/s each, 200,000 TFLOP/s, MFU
     * 2000 of a 1e14 peak (a made-up case: the arithmetic is the point) */
    ck_assert_double_eq_tol(json_real_value(json_object_get(j, "tokens_per_s")), 16000 / 17.5e-6,
                            1e-3);
    ck_assert_double_eq_tol(json_real_value(json_object_get(j, "samples_per_s")), 16 / 17.5e-6, 1e-6);
    ck_assert_double_eq_tol(json_real_value(json_object_get(j, "tflops_per_gpu")),
                            7e12 / 17.5e-6 / 2 / 1e12, 1e-6);
    ck_assert_double_eq_tol(json_real_value(json_object_get(j, "mfu")), 7e12 / 17.5e-6 / 2 / 1e14,
                            1e-9);
    json_t *meta = json_object_get(j, "meta");
    ck_assert_str_eq(json_string_value(json_object_get(meta, "scenario_hash")), "0000000000abcdef");
    ck_assert_int_eq(json_integer_value(json_object_get(meta, "seed")), 7);
    json_decref(j);
    sim_records_destroy(&r);
}
END_TEST

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strdup(buf);
}

START_TEST(outputs_written_whole_and_identically)
{
    char dir[] = "/tmp/tensim-res-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char sub[64], path[96];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    snprintf(path, sizeof path, "%s/report.json", sub);
    sim_records_t r;
    fill(&r);
    tn_error_t err = {0};
    json_t *rep = res_report_json(&r, &META);
    ck_assert_int_eq(res_write_outputs(sub, &r, rep, &err), 0);
    /* report.json, .md and .html (no links: no CSV), no temporaries */
    ck_assert_int_eq(count_entries(sub), 3);
    char *first = slurp(path);
    ck_assert_int_eq(res_write_outputs(sub, &r, rep, &err), 0);
    char *second = slurp(path);
    ck_assert_str_eq(first, second);
    ck_assert_int_eq(first[strlen(first) - 1], '\n');
    json_error_t je;
    json_t *j = json_loads(first, 0, &je);
    ck_assert_ptr_nonnull(j);
    json_decref(j);
    free(first);
    free(second);
    unlink(path);
    snprintf(path, sizeof path, "%s/report.md", sub);
    unlink(path);
    snprintf(path, sizeof path, "%s/report.html", sub);
    unlink(path);
    snprintf(path, sizeof path, "%s/a/b", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/a", dir);
    rmdir(path);

    /* Below a regular file nothing can be written: an i/o error, no output. */
    snprintf(path, sizeof path, "%s/file", dir);
    FILE *f = fopen(path, "w");
    fclose(f);
    snprintf(sub, sizeof sub, "%s/file/out", dir);
    ck_assert_int_eq(res_write_outputs(sub, &r, rep, &err), -1);
    ck_assert_int_eq(err.code, TN_EIO);
    ck_assert_int_eq(count_entries(dir), 1);
    unlink(path);
    rmdir(dir);
    json_decref(rep);
    sim_records_destroy(&r);
}
END_TEST

/* Nothing appears before commit; abort leaves nothing; commit puts every
 * file in place. */
START_TEST(outset_commit_and_abort)
{
    char dir[] = "/tmp/tensim-out-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char a[64], b[64];
    snprintf(a, sizeof a, "%s/a.txt", dir);
    snprintf(b, sizeof b, "%s/b.txt", dir);
    tn_outset_t o;
    tn_outset_init(&o);
    ck_assert_int_eq(tn_outset_add(&o, a, "A", 1, NULL), 0);
    ck_assert_int_eq(tn_outset_add(&o, b, "B", 1, NULL), 0);
    ck_assert_int_eq(access(a, F_OK), -1); /* not there before commit */
    ck_assert_int_eq(count_entries(dir), 2); /* two hidden temporaries */
    tn_outset_abort(&o);
    ck_assert_int_eq(count_entries(dir), 0);
    tn_outset_destroy(&o);

    tn_outset_init(&o);
    ck_assert_int_eq(tn_outset_add(&o, a, "A", 1, NULL), 0);
    ck_assert_int_eq(tn_outset_add(&o, b, "B", 1, NULL), 0);
    ck_assert_int_eq(tn_outset_commit(&o, NULL), 0);
    ck_assert_int_eq(access(a, F_OK), 0);
    ck_assert_int_eq(access(b, F_OK), 0);
    ck_assert_int_eq(count_entries(dir), 2);
    tn_outset_destroy(&o);
    unlink(a);
    unlink(b);
    rmdir(dir);
}
END_TEST

Suite *results_suite(void)
{
    Suite *s = suite_create("results");
    TCase *tc = tcase_create("report");
    tcase_add_test(tc, report_figures);
    tcase_add_test(tc, outputs_written_whole_and_identically);
    tcase_add_test(tc, outset_commit_and_abort);
    suite_add_tcase(s, tc);
    return s;
}
