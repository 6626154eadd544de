/* tests/check_cli_goodput.c — `tensim goodput` as a user runs it: the
 * outputs, byte-identical reruns with and without the cache, the second
 * run reading every simulated figure from the cache, the report.html
 * section beside a run's report, and bad input refused with one line and
 * exit 2 and no output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/cli_harness.h"
#include "tests/tests.h"

/* tests/data/goodput/NAME.json (read from the repository, the test's own
 * working directory) as tdir/s.json */
static void copy_scenario(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/data/goodput/%s.json", name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f, "%s", path);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    write_file("s.json", buf);
}

static const char *const outputs[] = {"goodput.json", "goodput.md", "goodput_runs.csv",
                                      "goodput.html"};

START_TEST(goodput_writes_its_outputs_the_same_every_time)
{
    copy_scenario("fattree");
    result_t r;
    run_tensim(&r, "goodput", "s.json", "-o", "a", "--cache", "cache", NULL);
    expect_status(&r, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "7 simulations run, 0 figures from the cache"));
    result_free(&r);
    run_tensim(&r, "goodput", "s.json", "-o", "b", "--cache", "cache", NULL);
    expect_status(&r, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "0 simulations run, 6 figures from the cache"));
    result_free(&r);
    run_expect(0, "goodput", "s.json", "-o", "c", "--no-cache", "--quiet", NULL);
    for (size_t i = 0; i < sizeof outputs / sizeof *outputs; i++) {
        char pa[64], pb[64], pc[64];
        snprintf(pa, sizeof pa, "a/%s", outputs[i]);
        snprintf(pb, sizeof pb, "b/%s", outputs[i]);
        snprintf(pc, sizeof pc, "c/%s", outputs[i]);
        char *a = slurp(pa), *b = slurp(pb), *c = slurp(pc);
        ck_assert_msg(a && b && c, "%s", outputs[i]);
        /* the command line differs in -o and the cache options only */
        drop_lines_with(a, "command_line");
        drop_lines_with(b, "command_line");
        drop_lines_with(c, "command_line");
        ck_assert_msg(strcmp(a, b) == 0 && strcmp(a, c) == 0, "%s differs", outputs[i]);
        free(a);
        free(b);
        free(c);
    }
    ck_assert_int_eq(count_entries_no_dotfiles("a"), 4);
    /* --runs: one CSV row per run, and a header */
    run_expect(0, "goodput", "s.json", "-o", "d", "--runs", "7", "--cache", "cache", "-q", NULL);
    char *csv = slurp("d/goodput_runs.csv");
    int lines = 0;
    for (char *p = csv; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 8);
    free(csv);
}
END_TEST

/* Run into the directory of a run's report, goodput adds its section to
 * report.html (and the goodput member to report.json it renders from). */
START_TEST(goodput_beside_a_run_report_adds_a_section)
{
    copy_scenario("small");
    run_expect(0, "run", "s.json", "-o", "o", "--quiet", NULL);
    char *html = slurp("o/report.html");
    ck_assert_ptr_null(strstr(html, "id=\"goodput\""));
    free(html);
    run_expect(0, "goodput", "s.json", "-o", "o", "--no-cache", "--quiet", NULL);
    html = slurp("o/report.html");
    ck_assert_ptr_nonnull(strstr(html, "<h2 id=\"goodput\">"));
    ck_assert_ptr_nonnull(strstr(html, "Where the time went"));
    free(html);
    ck_assert(!exists("o/goodput.html"));
    char *rep = slurp("o/report.json");
    ck_assert_ptr_nonnull(strstr(rep, "\"goodput\": {"));
    free(rep);
}
END_TEST

typedef struct {
    const char *set, *needle;
} bad_t;

static const bad_t bad[] = {
    {"training.tokens=0", "s.json: training.tokens:"},
    {"training.failures.rate_scale=-1", "s.json: training.failures.rate_scale:"},
    {"training.checkpoint.interval_min=0.01",
     "s.json: training.checkpoint.interval_min: 0.01 min is shorter than a checkpoint's pause"},
    {"training.checkpoint.mode=\"later\"", "s.json: training.checkpoint.mode:"},
    {"training.runs=0", "s.json: training.runs:"},
    {"training.frobnicate=1", "s.json: training"},
    {"training.power.gpu_w=300", "s.json: training.power: moved: power figures are the "
                                 "scenario's top-level \"power\" section"},
    {"power.gpu_busy_w=-5", "s.json: power.gpu_busy_w:"},
    {"power.pue=0.5", "s.json: power.pue:"},
    {"prices.capital.switch_usd=1", "s.json: prices.capital.years: missing required key"},
    {"prices.energy_usd_per_kwh=\"cheap\"", "s.json: prices.energy_usd_per_kwh:"},
    {"power.nic_w=5", "s.json: power.nic_w: unknown key"},
    {"topology.set.storage.servers=0", "s.json: topology"},
    {"training=5", "s.json: training: expected an object"},
    {"topology.set.storage.capacity_tb=0.03", "less than two checkpoints of 0.0"},
    /* 1e17-1e18 tokens on 16 GPUs: a million failures a run, or too many in all: refused, not left to run for hours */
    {"training.tokens=1e18", "s.json: training.tokens: 1e+18 tokens would take"},
    {"training.tokens=1e17", "s.json: training.runs: 200 runs of"},
};

START_TEST(bad_training_is_refused)
{
    copy_scenario("small");
    result_t r;
    char set[128];
    snprintf(set, sizeof set, "%s", bad[_i].set);
    run_tensim(&r, "goodput", "s.json", "-o", OUT, "--no-cache", "--set", set, NULL);
    expect_error(&r, 2, bad[_i].needle, NULL);
    result_free(&r);
}
END_TEST

/* A job without a training section, and one that is not a megatron
 * layout, cannot be studied. */
START_TEST(goodput_needs_training_and_a_layout)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    result_t r;
    run_tensim(&r, "goodput", "s.json", "-o", OUT, "--no-cache", NULL);
    expect_error(&r, 2, "s.json: training: missing", NULL);
    result_free(&r);
    write_scenario(TOPO_OK, WL_OK, ",\n  'training': {'tokens': 1e9}");
    run_tensim(&r, "goodput", "s.json", "-o", OUT, "--no-cache", NULL);
    expect_error(&r, 2, "needs a megatron workload", NULL);
    result_free(&r);
    run_tensim(&r, "goodput", "s.json", "--runs", "0", NULL);
    expect_error(&r, 2, "--runs", NULL);
    result_free(&r);
    /* every command refuses a bad training section, not only goodput */
    write_scenario(TOPO_OK, WL_OK, ",\n  'training': {'tokens': 1e9, 'runz': 4}");
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_error(&r, 2, "s.json: training", "runz", NULL);
    result_free(&r);
    run_tensim(&r, "trace", "stats", "s.json", NULL);
    expect_error(&r, 2, "s.json: training", "runz", NULL);
    result_free(&r);
    run_tensim(&r, "plan", "s.json", "-o", OUT, NULL);
    expect_error(&r, 2, "s.json: training", "runz", NULL);
    result_free(&r);
}
END_TEST

Suite *cli_goodput_suite(void)
{
    Suite *s = suite_create("cli_goodput");
    TCase *tc = new_tcase("goodput");
    tcase_add_test(tc, goodput_writes_its_outputs_the_same_every_time);
    tcase_add_test(tc, goodput_beside_a_run_report_adds_a_section);
    tcase_add_loop_test(tc, bad_training_is_refused, 0, (int)(sizeof bad / sizeof *bad));
    tcase_add_test(tc, goodput_needs_training_and_a_layout);
    suite_add_tcase(s, tc);
    return s;
}
