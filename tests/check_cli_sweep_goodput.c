/* tests/check_cli_sweep_goodput.c — `tensim sweep --goodput`: the command
 * line each combination's child gets, the cache's warm-up (the first run
 * alone), the summary of goodput.json files into study.csv and study.md,
 * the refusal to resume a study of the other kind, and one whole study of
 * tests/data/goodput/small.json.
 *
 * The skeleton cannot run a goodput study (no Megatron workload), so the
 * summary is tested on goodput.json files written here by hand, which the
 * sweep takes as runs already done; the children are tested through
 * study/study.h with a shell script standing in for tensim. Runs the real
 * binary through tests/cli_harness.h. */
#include <check.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "study/study.h"
#include "tests/cli_harness.h"
#include "tests/tests.h"

/* The skeleton with a training section (a token target is all it needs). */
#define TRAINING ",\n  'iterations': 3,\n  'training': {'tokens': 1e9}"

#define IV "training.checkpoint.interval_min"
#define RS "training.failures.rate_scale"

static const struct {
    study_kind_t kind;
    study_cache_t cache;
    const char *subcommand;
    const char *cache_args[2]; /* what follows -o DIR, before the --sets */
} child_cases[] = {
    {STUDY_KIND_GOODPUT, STUDY_CACHE_OUT, "goodput", {"--cache", "<out>/cache"}},
    {STUDY_KIND_GOODPUT, STUDY_CACHE_DIR, "goodput", {"--cache", "/elsewhere/c"}},
    {STUDY_KIND_GOODPUT, STUDY_CACHE_NONE, "goodput", {"--no-cache", NULL}},
    {STUDY_KIND_RUN, STUDY_CACHE_OUT, "run", {NULL, NULL}},
};

/* A 2 x 2 study with one fixed --set: run 1 (interval 30, scale 2, the
 * last axis varying fastest) is `tensim goodput SCENARIO --quiet -o
 * OUT/NAME`, the cache option, then the fixed --set and one --set per axis
 * in the axes' order; a run study's child is `tensim run` with no cache
 * option. */
START_TEST(goodput_child_command_line)
{
    write_scenario(TOPO_OK, WL_OK, TRAINING);
    char scen[PATH_MAX], out[PATH_MAX], cache[PATH_MAX], dir[PATH_MAX];
    snprintf(scen, sizeof scen, "%s", in_tdir("s.json"));
    snprintf(out, sizeof out, "%s", in_tdir("st"));
    const char *name = IV "=30," RS "=2";
    ck_assert(join(cache, sizeof cache, out, "cache") && join(dir, sizeof dir, out, name));
    study_t s;
    study_init(&s, scen, out);
    s.kind = child_cases[_i].kind;
    s.cache = child_cases[_i].cache;
    s.cache_dir = "/elsewhere/c";
    tn_error_t err = {0};
    ck_assert_int_eq(study_add_axis(&s, IV "=30,60", &err), 0);
    ck_assert_int_eq(study_add_axis(&s, RS "=0.5,2", &err), 0);
    study_add_set(&s, "training.runs=10");
    ck_assert_msg(study_prepare(&s, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(s.n_runs, 4);
    ck_assert_str_eq(s.runs[1].name, name);
    const char *want[16] = {"tensim", child_cases[_i].subcommand, scen, "--quiet", "-o", dir};
    int n = 6;
    for (int k = 0; k < 2 && child_cases[_i].cache_args[k]; k++)
        want[n++] = strcmp(child_cases[_i].cache_args[k], "<out>/cache")
                        ? child_cases[_i].cache_args[k]
                        : cache;
    const char *sets[] = {"training.runs=10", IV "=30", RS "=2"};
    for (int k = 0; k < 3; k++) {
        want[n++] = "--set";
        want[n++] = sets[k];
    }
    for (int k = 0; k < n; k++) {
        ck_assert_ptr_nonnull(s.runs[1].args[k]);
        ck_assert_str_eq(s.runs[1].args[k], want[k]);
    }
    ck_assert_ptr_null(s.runs[1].args[n]);
    ck_assert(s.runs[1].pending);
    study_destroy(&s);
}
END_TEST

/* With -j 3 and 4 pending runs of a goodput study, the first run starts and
 * ends before any other starts (the cache's warm-up), and every run runs
 * once. A shell script stands in for tensim: it logs "start DIR" and, a
 * moment later, "end DIR" ($5: the DIR after -o). Without the warm-up the
 * first three would start together and the log's second line would be
 * another run's start. */
START_TEST(goodput_first_run_goes_alone)
{
    write_scenario(TOPO_OK, WL_OK, TRAINING);
    char scen[PATH_MAX], out[PATH_MAX], fake[PATH_MAX], log[PATH_MAX];
    snprintf(scen, sizeof scen, "%s", in_tdir("s.json"));
    snprintf(out, sizeof out, "%s", in_tdir("st"));
    snprintf(fake, sizeof fake, "%s", in_tdir("fake.sh"));
    snprintf(log, sizeof log, "%s", in_tdir("log"));
    char script[3 * PATH_MAX];
    snprintf(script, sizeof script,
             "#!/bin/sh\necho \"start $5\" >> '%s'\nsleep 0.3\necho \"end $5\" >> '%s'\n", log,
             log);
    write_file("fake.sh", script);
    ck_assert_int_eq(chmod(fake, 0755), 0);
    study_t s;
    study_init(&s, scen, out);
    s.kind = STUDY_KIND_GOODPUT;
    tn_error_t err = {0};
    ck_assert_int_eq(study_add_axis(&s, IV "=30,60", &err), 0);
    ck_assert_int_eq(study_add_axis(&s, RS "=0.5,2", &err), 0);
    ck_assert_msg(study_prepare(&s, &err) == 0, "%s", err.msg);
    snprintf(s.self, sizeof s.self, "%s", fake);
    ck_assert_msg(study_execute(&s, 3, 0, 1, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(s.ran, 4);
    ck_assert_uint_eq(s.failed, 0);
    char *got = slurp("log");
    ck_assert_ptr_nonnull(got);
    char first[2 * PATH_MAX];
    snprintf(first, sizeof first, "start %s\nend %s\n", s.runs[0].dir, s.runs[0].dir);
    ck_assert_msg(!strncmp(got, first, strlen(first)), "%s", got);
    for (size_t i = 0; i < 4; i++) {
        char line[PATH_MAX + 8];
        snprintf(line, sizeof line, "end %s\n", s.runs[i].dir);
        const char *at = strstr(got, line);
        ck_assert_msg(at && !strstr(at + 1, line), "%s once in %s", line, got);
    }
    free(got);
    study_destroy(&s);
}
END_TEST

/* Writes st/<name>/goodput.json with the fields the summary reads
 * (results/goodput.c's schema); mtti < 0 writes null. */
static void write_goodput(const char *name, double mean, double p50, double p90, double ettr,
                          double used, const char *source, double mtti)
{
    char path[PATH_MAX], mt[32];
    snprintf(path, sizeof path, "st/%s", name);
    if (!exists("st"))
        ck_assert_int_eq(mkdir(in_tdir("st"), 0755), 0);
    ck_assert_int_eq(mkdir(in_tdir(path), 0755), 0);
    snprintf(path, sizeof path, "st/%s/goodput.json", name);
    if (mtti < 0)
        snprintf(mt, sizeof mt, "null");
    else
        snprintf(mt, sizeof mt, "%g", mtti);
    write_json(path,
               "{'time_to_train_days': {'mean': %g, 'sd': 1, 'p10': 1, 'p50': %g, 'p90': %g},"
               " 'ettr': {'simulated': %g, 'kokolis': 0.5},"
               " 'interval_min': {'used': %g, 'source': '%s', 'young': 1, 'daly': 2},"
               " 'failures': {'rate_scale': 1, 'mean_time_to_interrupt_h': %s},"
               " 'iteration_time_s': 99}\n",
               mean, p50, p90, ettr, used, source, mt);
}

/* A goodput study whose two runs are done (their goodput.json written
 * here) runs nothing and summarises them: one study.csv row per run with
 * the files' time to train (mean, p50, p90 days), simulated ETTR, interval
 * used and its source, and mean time to interrupt (null: an empty cell); a
 * combination with a bad value is an invalid row. study.md names the best
 * run for the figures with a better direction: fewest days (run 60), the
 * highest ETTR (run 30); none for the interval or the time to interrupt,
 * which are inputs more than results. study.html charts the 6 figures
 * against the one key. */
START_TEST(goodput_study_summarises_goodput_json)
{
    write_scenario(TOPO_OK, WL_OK, TRAINING);
    write_goodput(IV "=30", 12.5, 12.25, 14.75, 0.875, 30, "given", 7.5);
    write_goodput(IV "=60", 11.5, 11.25, 13.5, 0.75, 42.5, "searched", -1);
    result_t r;
    run_tensim(&r, "sweep", "s.json", "--goodput", "--vary", IV "=30,60,-1", "-j", "2", "-o", "st",
               NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "study: 3 runs (0 ran, 2 already done, 1 invalid, 0 failed)\n"
                            "summary: st/study.csv, st/study.md, st/study.html\n");
    result_free(&r);
    char *csv = slurp("st/study.csv");
    ck_assert_ptr_nonnull(csv);
    ck_assert_str_eq(
        csv, IV ",status,time_to_train_days_mean,time_to_train_days_p50,time_to_train_days_p90,"
                "ettr,interval_min,mean_time_to_interrupt_h,energy_mwh,cost_usd,interval_source,dir,"
                "reason\n"
                "30,ok,12.5,12.25,14.75,0.875,30,7.5,,,given," IV "=30,\n"
                "60,ok,11.5,11.25,13.5,0.75,42.5,,,,searched," IV "=60,\n"
                "-1,invalid,,,,,,,,,," IV "=-1,s.json: " IV ": -1 is out of range (from 0.001 to "
                "1e+07)\n");
    free(csv);
    char *md = slurp("st/study.md");
    ck_assert_ptr_nonnull(md);
    /* the same names as study.csv's */
    ck_assert_ptr_nonnull(strstr(md, "| status | time_to_train_days_mean | time_to_train_days_p50 | "
                                     "time_to_train_days_p90 | ettr | interval_min | "
                                     "mean_time_to_interrupt_h | energy_mwh | cost_usd | "
                                     "interval_source |\n"));
    ck_assert_ptr_nonnull(strstr(md, "| 60 | ok | 11.5 | 11.25 | 13.5 | 0.75 | 42.5 | — | — | — | "
                                     "searched |\n"));
    ck_assert_ptr_nonnull(strstr(md, "- time_to_train_days_mean: 11.5 (lowest), " IV "=60\n"));
    ck_assert_ptr_nonnull(strstr(md, "- time_to_train_days_p90: 13.5 (lowest), " IV "=60\n"));
    ck_assert_ptr_nonnull(strstr(md, "- ettr: 0.875 (highest), " IV "=30\n"));
    ck_assert_ptr_null(strstr(md, "- interval_min:"));
    ck_assert_ptr_null(strstr(md, "- mean_time_to_interrupt_h:"));
    free(md);
    char *html = slurp("st/study.html");
    ck_assert_ptr_nonnull(html);
    int charts = 0;
    for (const char *p = html; (p = strstr(p, "<svg")); p++)
        charts++;
    ck_assert_int_eq(charts, 6);
    ck_assert_ptr_nonnull(strstr(html, "<th>interval source or reason</th>"));
    free(html);
    char *id = slurp("st/study.json");
    ck_assert_ptr_nonnull(id);
    ck_assert_ptr_nonnull(strstr(id, "\"kind\": \"goodput\""));
    free(id);
}
END_TEST

/* A run study's directory is not resumed as a goodput study, nor the other
 * way round: their runs would be summarised from files they do not have. */
START_TEST(goodput_study_refuses_the_other_kind)
{
    write_scenario(TOPO_OK, WL_OK, TRAINING);
    result_t r;
    run_tensim(&r, "sweep", "s.json", "--vary", "workload.compute_time_us=100", "-o", "st", NULL);
    expect_status(&r, 0);
    result_free(&r);
    run_tensim(&r, "sweep", "s.json", "--goodput", "--vary", "workload.compute_time_us=100", "-o",
               "st", NULL);
    expect_error_line(&r, 2,
                      "tensim: sweep: st holds a run study, not a goodput one (it was made "
                      "without --goodput); choose another -o");
    result_free(&r);
    /* a goodput study with an invalid combination: recorded (a study of
     * invalid ones only is bad input, written nowhere) */
    run_tensim(&r, "sweep", "s.json", "--goodput", "--vary", IV "=-1", "-o", "gp", NULL);
    expect_error(&r, 2, "tensim: sweep: every combination is invalid; " IV "=-1: s.json: " IV
                 ": -1 is out of range", NULL);
    result_free(&r);
    /* the skeleton has no Megatron workload, so the valid combination's
     * run fails (exit 1); the study is recorded all the same */
    run_tensim(&r, "sweep", "s.json", "--goodput", "--vary", IV "=-1,60", "-o", "gp", NULL);
    expect_status(&r, 1);
    result_free(&r);
    run_tensim(&r, "sweep", "s.json", "--vary", IV "=-1,60", "-o", "gp", NULL);
    expect_error_line(&r, 2,
                      "tensim: sweep: gp holds a goodput study, not a run one (it was made "
                      "with --goodput); choose another -o");
    result_free(&r);
}
END_TEST

static const struct {
    bool training;
    const char *args[10];
    const char *line;
} goodput_bad[] = {
    {true,
     {"sweep", "s.json", "--vary", "seed=1", "--cache", "c", "-o", "st"},
     "tensim: sweep: --cache is for goodput studies (add --goodput)"},
    {true,
     {"sweep", "s.json", "--vary", "seed=1", "--no-cache", "-o", "st"},
     "tensim: sweep: --no-cache is for goodput studies (add --goodput)"},
    {true,
     {"sweep", "s.json", "--goodput", "--vary", "seed=1", "--cache", "c", "--no-cache", "-o", "st"},
     "tensim: sweep: give one of --cache DIR and --no-cache, once"},
    {true,
     {"sweep", "s.json", "--goodput", "--cache", "c", "--cache", "d", "-o", "st"},
     "tensim: sweep: give one of --cache DIR and --no-cache, once"},
    {false,
     {"sweep", "s.json", "--goodput", "--vary", "seed=1", "-o", "st"},
     "tensim: sweep: s.json: training: missing; a goodput study (--goodput) needs the "
     "scenario's training section (docs/scenario.md, \"training\")"},
    {true,
     {"sweep", "s.json", "--goodput", "--vary", "training.checkpoint.nokey=1", "-o", "st"},
     "tensim: sweep: s.json: training.checkpoint.nokey: unknown key"},
};

/* Bad goodput options: one line, exit 2, and no study directory. */
START_TEST(goodput_bad_input)
{
    if (goodput_bad[_i].training)
        write_scenario(TOPO_OK, WL_OK, TRAINING);
    else
        write_scenario(TOPO_OK, WL_OK, MORE_OK);
    result_t r;
    const char *const *a = goodput_bad[_i].args;
    run_tensim(&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], NULL);
    expect_error_line(&r, 2, goodput_bad[_i].line);
    result_free(&r);
    ck_assert(!exists("st"));
}
END_TEST

/* The number at "a.b" in a goodput.json. */
static double field(json_t *g, const char *a, const char *b)
{
    json_t *v = json_object_get(json_object_get(g, a), b);
    ck_assert_msg(json_is_number(v), "%s.%s", a, b);
    return json_number_value(v);
}

/* A whole 2 x 2 study of tests/data/goodput/small.json (20 Monte Carlo runs
 * each, -j 2): every combination ran; each study.csv row holds its
 * goodput.json's figures (%.6g); the interval used is the varied one, given;
 * the mean time to interrupt is 1 / (scale x the summed rates), so scale
 * 0.5 has 4 times scale 2's; ETTR is failure-free days / mean days; the
 * children shared st/cache; and a second sweep runs nothing. */
START_TEST(goodput_study_of_a_small_job)
{
    copy_into_tdir("tests/data/goodput/small.json", "s.json");
    result_t r;
    run_tensim(&r, "sweep", "s.json", "--goodput", "--vary", IV "=30,120", "--vary", RS "=0.5,2",
               "--set", "training.runs=20", "-j", "2", "-o", "st", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "study: 4 runs (4 ran, 0 already done, 0 invalid, 0 failed)\n"
                            "summary: st/study.csv, st/study.md, st/study.html\n");
    result_free(&r);
    char *csv = slurp("st/study.csv");
    ck_assert_ptr_nonnull(csv);
    static const char *const iv[] = {"30", "120"}, *const rs[] = {"0.5", "2"};
    double mtti[2][2];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            char name[128], path[256], row[1024];
            snprintf(name, sizeof name, IV "=%s," RS "=%s", iv[i], rs[j]);
            snprintf(path, sizeof path, "%s/%s/goodput.json", in_tdir("st"), name);
            json_error_t je;
            json_t *g = json_load_file(path, 0, &je);
            ck_assert_msg(g, "%s: %s", path, je.text);
            double mean = field(g, "time_to_train_days", "mean");
            double ettr = field(g, "ettr", "simulated");
            mtti[i][j] = field(g, "failures", "mean_time_to_interrupt_h");
            ck_assert_double_eq_tol(ettr, field(g, "job", "failure_free_days") / mean, 1e-12);
            ck_assert_double_eq(field(g, "interval_min", "used"), atof(iv[i]));
            /* energy: the small job's A100s at their 400 W, nothing priced */
            snprintf(row, sizeof row,
                     "\n%s,%s,ok,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,,given,\"%s\",\n", iv[i],
                     rs[j], mean, field(g, "time_to_train_days", "p50"),
                     field(g, "time_to_train_days", "p90"), ettr, atof(iv[i]), mtti[i][j],
                     json_number_value(json_object_get(g, "energy_mwh")), name);
            ck_assert_msg(strstr(csv, row), "%s not in %s", row, csv);
            json_decref(g);
        }
    for (int i = 0; i < 2; i++) {
        ck_assert_double_eq_tol(mtti[i][0], 4 * mtti[i][1], 1e-9 * mtti[i][0]);
        ck_assert_double_eq(mtti[i][0], mtti[0][0]);
    }
    free(csv);
    ck_assert_int_gt(count_entries_no_dotfiles("st/cache"), 0);
    run_tensim(&r, "sweep", "s.json", "--goodput", "--vary", IV "=30,120", "--vary", RS "=0.5,2",
               "--set", "training.runs=20", "-o", "st", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "study: 4 runs (0 ran, 4 already done, 0 invalid, 0 failed)\n"
                            "summary: st/study.csv, st/study.md, st/study.html\n");
    result_free(&r);
}
END_TEST

Suite *cli_sweep_goodput_suite(void)
{
    Suite *s = suite_create("cli_sweep_goodput");
    TCase *tc = new_tcase("sweep_goodput");
    tcase_add_loop_test(tc, goodput_child_command_line, 0,
                        (int)(sizeof child_cases / sizeof child_cases[0]));
    tcase_add_test(tc, goodput_first_run_goes_alone);
    tcase_add_test(tc, goodput_study_summarises_goodput_json);
    tcase_add_test(tc, goodput_study_refuses_the_other_kind);
    tcase_add_loop_test(tc, goodput_bad_input, 0,
                        (int)(sizeof goodput_bad / sizeof goodput_bad[0]));
    tcase_add_test(tc, goodput_study_of_a_small_job);
    suite_add_tcase(s, tc);
    return s;
}
