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
 * version string (report.html names it) becomes "@VERSION@"; the wall time
 * is only in report.json, which is not compared here. The test binary runs
 * from the repository root (as `make check` runs it), where it finds the
 * scenario and tests/golden/.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_version.h"
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
    char *norm = replace_all(text, "tensim " TENSIM_VERSION, "tensim @VERSION@");
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

Suite *golden_suite(void)
{
    Suite *s = suite_create("golden");
    TCase *tc = new_tcase("golden");
    tcase_add_test(tc, golden_run_report);
    tcase_add_test(tc, golden_sweep_study);
    tcase_add_test(tc, golden_compare_table);
    suite_add_tcase(s, tc);
    return s;
}
