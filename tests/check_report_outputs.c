/* tests/check_report_outputs.c — the output table of results/outputs.h: a
 * run writes exactly the files the table lists, and every one of them is
 * written atomically: when its file cannot be put in place the error is
 * returned, and no temporary and no partial file is left. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results/outputs.h"
#include "results/report.h"
#include "sim/job/run.h"
#include "tests/helpers.h"
#include "tests/tests.h"

/* A run whose records have links and sampled ranks, so every output of
 * the table applies: 4 ranks compute and all-reduce on one switch. */
typedef struct {
    sim_records_t rec;
    json_t *report;
} run_t;

static void run_small(run_t *r)
{
    char *scen = tmpfile_with(
        "{\"name\": \"o\", \"topology\": {\"preset\": \"single-switch\"}, \"workload\": "
        "{\"generator\": \"compute-allreduce\", \"ranks\": 4, \"compute_time_us\": 10, "
        "\"allreduce_size_bytes\": 1048576}, \"network\": {\"model\": \"analytic\"}}",
        ".json");
    sim_scenario_t sc;
    sim_run_info_t info;
    tn_error_t err = {0};
    ck_assert_msg(sim_scenario_load(&sc, scen, NULL, &err) == 0, "%s", err.msg);
    ck_assert_msg(sim_run_scenario(&sc, &r->rec, &info, &err) == 0, "%s", err.msg);
    res_meta_t meta = {"o", 1, 2, "tensim run o.json", "analytic", info.gpus, info.ranks,
                       info.model_flops, info.samples, info.tokens, info.gpu_peak_flops, -1, NULL, NULL};
    r->report = res_report_json(&r->rec, &meta);
    sim_scenario_destroy(&sc);
    tmpfile_drop(scen);
}

static void run_destroy(run_t *r)
{
    json_decref(r->report);
    sim_records_destroy(&r->rec);
}

/* The whole file, or NULL when it cannot be read; *n its length. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    *n = fread(buf, 1, (size_t)len, f);
    fclose(f);
    return buf;
}

/* The row of the table whose file is `name`, or -1. */
static int row_of(const char *name)
{
    for (size_t i = 0; i < res_outputs_n; i++)
        if (!strcmp(res_outputs[i].file, name))
            return (int)i;
    return -1;
}

/* Removes dir and what is in it (files, and empty directories). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (unlink(path))
                ck_assert_int_eq(rmdir(path), 0);
        }
    closedir(d);
    ck_assert_int_eq(rmdir(dir), 0);
}

START_TEST(a_run_writes_exactly_the_table)
{
    run_t r;
    run_small(&r);
    char dir[] = "/tmp/tensim-outputs-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    tn_error_t err = {0};
    ck_assert_msg(res_write_outputs(dir, &r.rec, r.report, &err) == 0, "%s", err.msg);
    int seen[16] = {0}, n = 0;
    ck_assert_uint_lt(res_outputs_n, 16);
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            int k = row_of(e->d_name);
            ck_assert_msg(k >= 0, "%s is not in the table", e->d_name);
            seen[k]++;
            n++;
        }
    closedir(d);
    ck_assert_int_eq(n, (int)res_outputs_n);
    for (size_t i = 0; i < res_outputs_n; i++) {
        ck_assert_msg(seen[i] == 1, "%s was not written", res_outputs[i].file);
        ck_assert_msg(res_outputs[i].name && res_outputs[i].help && res_outputs[i].help[0],
                      "%s has no name or help", res_outputs[i].file);
    }
    remove_dir(dir);
    run_destroy(&r);
}
END_TEST

/* The entries of dir other than "." and "..", each checked: row failed's
 * file (a directory standing there) stays; every other must be an output whose
 * bytes are "previous <file>\n" when `previous` (the earlier run's file,
 * put back) and none may be there otherwise. Returns how many there were. */
static int check_left(const char *dir, int failed, bool previous)
{
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        if (!strcmp(e->d_name, res_outputs[failed].file))
            continue;
        int k = row_of(e->d_name);
        ck_assert_msg(k >= 0, "%s left behind", e->d_name);
        ck_assert_msg(previous, "%s written although %s failed", e->d_name,
                      res_outputs[failed].file);
        char path[512], want[300];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(want, sizeof want, "previous %s\n", e->d_name);
        size_t len = 0;
        char *got = slurp(path, &len);
        ck_assert_ptr_nonnull(got);
        ck_assert_msg(len == strlen(want) && !memcmp(got, want, len),
                      "%s is not the previous file", e->d_name);
        free(got);
    }
    closedir(d);
    return n;
}

/* Output _i's place is taken by a directory, so its file cannot be put
 * there: the write fails with TN_EIO naming that file, and it is all or
 * nothing: into an empty directory no output appears, and over a previous
 * run's files every one of them is as it was; no temporary is left
 * either way. The outputs before _i were already renamed into place when
 * _i's rename failed: this is the undo path of tn_outset_commit. */
START_TEST(each_output_is_written_atomically)
{
    run_t r;
    run_small(&r);
    char dir[] = "/tmp/tensim-outputs-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, res_outputs[_i].file);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    tn_error_t err = {0};
    ck_assert_int_eq(res_write_outputs(dir, &r.rec, r.report, &err), -1);
    ck_assert_int_eq(err.code, TN_EIO);
    ck_assert_msg(strstr(err.msg, path) == err.msg, "%s does not name %s", err.msg, path);
    ck_assert_int_eq(check_left(dir, _i, false), 1);

    /* a previous run's outputs, then the same failure */
    for (size_t k = 0; k < res_outputs_n; k++) {
        if ((int)k == _i)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, res_outputs[k].file);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "previous %s\n", res_outputs[k].file);
        fclose(f);
    }
    err = (tn_error_t){0};
    ck_assert_int_eq(res_write_outputs(dir, &r.rec, r.report, &err), -1);
    ck_assert_int_eq(err.code, TN_EIO);
    ck_assert_int_eq(check_left(dir, _i, true), (int)res_outputs_n);
    remove_dir(dir);
    run_destroy(&r);
}
END_TEST

Suite *report_outputs_suite(void)
{
    Suite *s = suite_create("report_outputs");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, a_run_writes_exactly_the_table);
    tcase_add_loop_test(tc, each_output_is_written_atomically, 0, (int)res_outputs_n);
    suite_add_tcase(s, tc);
    return s;
}
