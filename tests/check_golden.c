/* tests/check_golden.c — the human-facing outputs compared byte for byte
 * with files checked in under tests/golden/: report.md and report.html of
 * `tensim run` on the skeleton (workloads/scenarios/skeleton-8gpu.json),
 * study.md of a 2 x 2 sweep of it, and the table of `tensim compare` over
 * two of its runs. A change in wording or a number shows up as a diff of
 * those files, read in review: `make golden` rewrites them (it runs this
 * suite with TENSIM_GOLDEN_UPDATE=1).
 *
 * What could differ between machines is normalised before comparing: the
 * runs happen in the harness's temporary directory with relative names
 * (s.json, out, st, ...), so no absolute path reaches an output; the
 * version string (report.html names it) becomes "@VERSION@", the binary's
 * absolute path in the command line "tensim"; the wall time
 * is only in report.json, which is not compared here. The test binary runs
 * from the repository root (as `make check` runs it), where it finds the
 * scenario and tests/golden/.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_version.h"
#include "sim/job/scenario.h"
#include "tests/cli_harness.h"
#include "tests/tests.h"

#define GOLDEN_DIR "tests/golden"
#define SCENARIO "workloads/scenarios/skeleton-8gpu.json"

/* The whole file at path (relative to the working directory), or NULL. */
static char *read_path(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    s[n] = '\0';
    return s;
}

/* s with every occurrence of `from` replaced by `to`; a new string. */
static char *replace_all(const char *s, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to), n = 0;
    for (const char *p = s; (p = strstr(p, from)); p += nf)
        n++;
    char *out = malloc(strlen(s) + n * nt + 1), *w = out;
    ck_assert_ptr_nonnull(out);
    for (const char *p = s, *hit; *p; p = hit + nf) {
        hit = strstr(p, from);
        if (!hit) {
            strcpy(w, p);
            return out;
        }
        memcpy(w, p, (size_t)(hit - p));
        w += hit - p;
        memcpy(w, to, nt);
        w += nt;
    }
    *w = '\0';
    return out;
}

/* Compares text (an output, normalised here) with tests/golden/name, or
 * with TENSIM_GOLDEN_UPDATE set writes it there. */
static void golden(const char *name, const char *text)
{
    ck_assert_msg(text != NULL, "%s: no output", name);
    char *v = replace_all(text, "tensim " TENSIM_VERSION, "tensim @VERSION@");
    /* the command line names the binary by its absolute path */
    char *norm = replace_all(v, bin, "tensim");
    free(v);
    char path[PATH_MAX];
    ck_assert(join(path, sizeof path, GOLDEN_DIR, name));
    const char *update = getenv("TENSIM_GOLDEN_UPDATE");
    if (update && *update && strcmp(update, "0")) {
        FILE *f = fopen(path, "wb");
        ck_assert_msg(f != NULL, "cannot write %s", path);
        ck_assert_int_eq(fputs(norm, f) >= 0, 1);
        ck_assert_int_eq(fclose(f), 0);
    } else {
        char *want = read_path(path);
        ck_assert_msg(want != NULL, "%s: missing (make golden writes it)", path);
        /* the first line that differs, for the failure message */
        size_t i = 0, line = 1;
        for (; norm[i] && norm[i] == want[i]; i++)
            line += norm[i] == '\n';
        ck_assert_msg(norm[i] == want[i],
                      "%s differs from the output at line %zu (run `make golden` and review "
                      "the diff if the change is intended)",
                      path, line);
        free(want);
    }
    free(norm);
}

/* Copies the shipped skeleton into tdir as s.json. */
static void write_skeleton(void)
{
    char *text = read_path(SCENARIO);
    ck_assert_msg(text != NULL, "%s: cannot read (run from the repository root)", SCENARIO);
    write_file("s.json", text);
    free(text);
}

/* The skeleton's report.md and report.html. */
START_TEST(golden_run_report)
{
    write_skeleton();
    run_expect(0, "run", "s.json", "-o", "out", "--quiet", NULL);
    char *md = slurp("out/report.md"), *html = slurp("out/report.html");
    golden("report.md", md);
    golden("report.html", html);
    free(md);
    free(html);
}
END_TEST

/* A 2 x 2 sweep of the skeleton (compute time, network model), one
 * iteration each: study.md. */
START_TEST(golden_sweep_study)
{
    write_skeleton();
    run_expect(0, "sweep", "s.json", "--vary", "workload.compute_time_us=100,200", "--vary",
               "network.model=[\"analytic\", \"flow\"]", "--set", "iterations=1", "-o", "st",
               NULL);
    char *md = slurp("st/study.md");
    golden("study.md", md);
    free(md);
}
END_TEST

/* The compare table of the skeleton at 100 and at 200 Gbps. */
START_TEST(golden_compare_table)
{
    write_skeleton();
    run_expect(0, "run", "s.json", "-o", "a", "--quiet", NULL);
    run_expect(0, "run", "s.json", "-o", "b", "--quiet", "--set", "topology.set.link.bw_gbps=200",
               NULL);
    result_t r;
    run_tensim(&r, "compare", "a", "b", NULL);
    expect_status(&r, 0);
    golden("compare.md", r.out);
    result_free(&r);
}
END_TEST

/* The skeleton's run, its report.json and report.md, and the scenario
 * file itself (what the report must state, read from the file). */
typedef struct {
    json_t *scen, *rep;
    char *md;
} sk_t;

static void run_skeleton(sk_t *k)
{
    write_skeleton();
    run_expect(0, "run", "s.json", "-o", "out", "--quiet", NULL);
    json_error_t je;
    k->scen = json_load_file(SCENARIO, 0, &je);
    ck_assert_msg(k->scen != NULL, "%s", je.text);
    k->rep = json_load_file(in_tdir("out/report.json"), 0, &je);
    ck_assert_msg(k->rep != NULL, "%s", je.text);
    k->md = slurp("out/report.md");
}

static void sk_free(sk_t *k)
{
    json_decref(k->scen);
    json_decref(k->rep);
    free(k->md);
}

static const char *sget(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    ck_assert_msg(json_is_string(v), "%s.%s: not a string in the scenario", a, b ? b : "");
    return json_string_value(v);
}

static void md_has(const char *md, const char *what)
{
    ck_assert_msg(strstr(md, what) != NULL, "report.md lacks \"%s\"", what);
}

/* report.md says what was run: the scenario file's own values. */
START_TEST(report_md_states_the_scenario)
{
    sk_t k;
    run_skeleton(&k);
    char buf[256];
    md_has(k.md, sget(k.scen, "name", NULL));
    md_has(k.md, sget(k.scen, "description", NULL));
    md_has(k.md, sget(k.scen, "topology", "preset"));
    md_has(k.md, sget(k.scen, "workload", "generator"));
    snprintf(buf, sizeof buf, "| network model | %s |", sget(k.scen, "network", "model"));
    md_has(k.md, buf);
    snprintf(buf, sizeof buf, "algorithm %s, protocol %s", sget(k.scen, "collectives", "algorithm"),
             sget(k.scen, "collectives", "protocol"));
    md_has(k.md, buf);
    json_t *ts = json_object_get(json_object_get(k.scen, "topology"), "set");
    snprintf(buf, sizeof buf, "%lld GPUs in %lld GPU servers",
             (long long)json_integer_value(json_object_get(ts, "gpus")),
             (long long)json_integer_value(json_object_get(ts, "gpus")));
    md_has(k.md, buf);
    /* one cable per GPU, at the file's rate */
    snprintf(buf, sizeof buf, "%lld cables of %lld Gbps",
             (long long)json_integer_value(json_object_get(ts, "gpus")),
             (long long)json_integer_value(json_object_get(ts, "link.bw_gbps")));
    md_has(k.md, buf);
    snprintf(buf, sizeof buf, "seed %lld, %lld iterations",
             (long long)json_integer_value(json_object_get(k.scen, "seed")),
             (long long)json_integer_value(json_object_get(k.scen, "iterations")));
    md_has(k.md, buf);
    /* the hash of the file as the loader computes it */
    sim_scenario_t sc;
    tn_error_t err = {0};
    ck_assert_msg(sim_scenario_load(&sc, SCENARIO, NULL, &err) == 0, "%s", err.msg);
    snprintf(buf, sizeof buf, "hash %016llx", (unsigned long long)sc.hash);
    sim_scenario_destroy(&sc);
    md_has(k.md, buf);
    md_has(k.md, "| command line | ");
    md_has(k.md, "| overrides | none |");
    md_has(k.md, "Not estimated: the memory model");
    sk_free(&k);
}
END_TEST

/* Every share of the breakdown has its seconds: share x the run's time
 * over its iterations; and the skeleton's two parts by hand (its
 * description): compute 100 us, the all-reduce 14 x 2.68535456 ms. */
START_TEST(report_md_shares_have_seconds)
{
    sk_t k;
    run_skeleton(&k);
    double per = json_real_value(json_object_get(k.rep, "total_time_s")) /
                 (double)json_integer_value(json_object_get(k.rep, "iterations"));
    const char *sec = strstr(k.md, "## Where the time went");
    ck_assert_ptr_nonnull(sec);
    const char *row = strstr(sec, "|---|---:|---:|\n");
    ck_assert_ptr_nonnull(row);
    row = strchr(row, '\n') + 1;
    int rows = 0;
    while (*row == '|') {
        char label[96];
        double pct, s;
        ck_assert_int_eq(sscanf(row, "| %95[^|]| %lf%% | %lf |", label, &pct, &s), 3);
        /* the share is rounded to 0.1% on the page */
        ck_assert_double_eq_tol(s, pct / 100 * per, 0.0005 * per + 1e-6);
        if (!strcmp(label, "compute "))
            ck_assert_double_eq_tol(s, 100e-6, 1e-6);
        if (!strcmp(label, "exposed world "))
            ck_assert_double_eq_tol(s, 14 * 2.68535456e-3, 1e-6);
        rows++;
        row = strchr(row, '\n') + 1;
    }
    ck_assert_int_eq(rows, 5); /* compute, exposed and waiting world, idle, finished early */
    /* three iterations, each of 100 us + 14 x 2.68535456 ms */
    md_has(k.md, "| 3 | 0.037695 | 0.113085 |");
    sk_free(&k);
}
END_TEST

/* Each tier of the run is explained where it is listed. */
START_TEST(report_md_explains_tiers)
{
    sk_t k;
    run_skeleton(&k);
    const char *name;
    json_t *t;
    int n = 0;
    json_object_foreach(json_object_get(k.rep, "tiers"), name, t) {
        const char *m = json_string_value(json_object_get(t, "meaning"));
        ck_assert_msg(m && *m, "tier %s: no meaning", name);
        char buf[256];
        snprintf(buf, sizeof buf, "| %s | %s |", name, m);
        md_has(k.md, buf);
        n++;
    }
    /* the skeleton's GPUs sit on their one switch: the host tier alone
     * (topology/topo.h: server to first switch) */
    ck_assert_int_eq(n, 1);
    md_has(k.md, "| host | GPU server NIC (or GPU) to its first switch |");
    sk_free(&k);
}
END_TEST

/* The busiest-link classes hold the links links.csv lists with their
 * figures: counted here from links.csv, class by class. */
START_TEST(report_link_classes_count_links)
{
    sk_t k;
    run_skeleton(&k);
    char *csv = slurp("out/links.csv");
    size_t i;
    json_t *c;
    int64_t sum = 0;
    json_array_foreach(json_object_get(k.rep, "link_classes"), i, c) {
        const char *tier = json_string_value(json_object_get(c, "tier"));
        const char *from = json_string_value(json_object_get(c, "from"));
        const char *to = json_string_value(json_object_get(c, "to"));
        double gbps = json_real_value(json_object_get(c, "capacity_gbps"));
        double u = json_real_value(json_object_get(c, "utilization"));
        int64_t want = 0;
        for (const char *line = strchr(csv, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
            int id;
            char f[96], t[96], tr[32];
            double cap, bytes, busy, util;
            ck_assert_int_eq(sscanf(line, "%d,%95[^,],%95[^,],%31[^,],%lf,%lf,%lf,%lf", &id, f, t,
                                    tr, &cap, &bytes, &busy, &util),
                             8);
            char fk[96], tk[96];
            sscanf(f, "%95s", fk);
            sscanf(t, "%95s", tk);
            if (busy > 0 && !strcmp(tr, tier) && !strcmp(fk, from) && !strcmp(tk, to) &&
                cap == gbps && fabs(floor(util * 1000 + 0.5) / 1000 - u) < 1e-9)
                want++;
        }
        ck_assert_int_eq(json_integer_value(json_object_get(c, "links")), want);
        sum += want;
    }
    /* 8 GPUs, one cable each, both directions busy */
    ck_assert_int_eq(sum, 2 * 8);
    md_has(k.md, "16 links in 2 classes");
    free(csv);
    sk_free(&k);
}
END_TEST

Suite *golden_suite(void)
{
    Suite *s = suite_create("golden");
    TCase *tc = new_tcase("golden");
    tcase_add_test(tc, golden_run_report);
    tcase_add_test(tc, golden_sweep_study);
    tcase_add_test(tc, golden_compare_table);
    tcase_add_test(tc, report_md_states_the_scenario);
    tcase_add_test(tc, report_md_shares_have_seconds);
    tcase_add_test(tc, report_md_explains_tiers);
    tcase_add_test(tc, report_link_classes_count_links);
    suite_add_tcase(s, tc);
    return s;
}
