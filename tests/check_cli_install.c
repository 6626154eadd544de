/* tests/check_cli_install.c — `make install` into a temporary prefix, the
 * installed binary run from another directory on a shipped scenario by
 * name, `make uninstall`; scenarios by name in the source tree and under
 * $TENSIM_DATA.
 *
 * make runs from the source tree (the tests' working directory) with the
 * binary under test as BIN and `-o BIN`, so nothing is rebuilt: install
 * copies what make check built. Runs the real binary through
 * tests/cli_harness.h. */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/cli_harness.h"
#include "tests/tests.h"

/* The skeleton's iteration (workloads/scenarios/skeleton-8gpu.json): 100 us
 * of compute, then a ring all-reduce of 256 MiB over 8 GPUs: 2 x 7 steps,
 * each 2 hops of 500 ns plus 32 MiB at 100 Gbps. */
static double skeleton_iteration_s(void)
{
    double step = 2 * 500e-9 + 32.0 * 1048576 * 8 / 100e9;
    return 100e-6 + 2 * 7 * step;
}

/* `make [-s] TARGET ARGS` in the source tree, quietly, the binary under
 * test as BIN and never rebuilt; the jobserver of an enclosing make is not
 * passed on. Asserts success. */
static void run_make(const char *target, const char *args)
{
    char cmd[3 * PATH_MAX];
    int len = snprintf(cmd, sizeof cmd,
                       "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory "
                       "BIN='%s' -o '%s' %s %s >%s/make.out 2>&1",
                       bin, bin, target, args, tdir);
    ck_assert(len > 0 && (size_t)len < sizeof cmd);
    int st = system(cmd);
    char *out = slurp("make.out");
    ck_assert_msg(st == 0, "%s failed: %s", cmd, out ? out : "");
    free(out);
}

/* Asserts that tdir/path holds the same bytes as the source tree's src. */
static void expect_same_file(const char *path, const char *src)
{
    FILE *f = fopen(src, "rb");
    ck_assert_msg(f != NULL, "%s", src);
    char *want = malloc(1 << 22);
    ck_assert_ptr_nonnull(want);
    size_t n = fread(want, 1, (1 << 22) - 1, f);
    fclose(f);
    want[n] = '\0';
    char *got = slurp(path);
    ck_assert_msg(got != NULL, "not installed: %s", path);
    ck_assert_msg(!strcmp(got, want), "%s differs from %s", path, src);
    free(got);
    free(want);
}

/* Every file of each source directory is installed under datadir (a path
 * under tdir) at the same relative path, byte for byte. */
static void expect_data_installed(const char *datadir)
{
    static const char *const dirs[] = {"workloads/scenarios", "topology/presets",
                                       "topology/servers", "workloads/models", "docs"};
    int files = 0;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        DIR *d = opendir(dirs[i]);
        ck_assert_ptr_nonnull(d);
        for (struct dirent *e; (e = readdir(d));) {
            if (e->d_name[0] == '.')
                continue;
            char src[PATH_MAX], dst[PATH_MAX];
            snprintf(src, sizeof src, "%s/%s", dirs[i], e->d_name);
            int len = snprintf(dst, sizeof dst, "%s/%s", datadir, src);
            ck_assert(len > 0 && (size_t)len < sizeof dst);
            expect_same_file(dst, src);
            files++;
        }
        closedir(d);
    }
    ck_assert_int_gt(files, 20);
}

/* Runs `EXE run NAME -o elsewhere/out --quiet` (EXE NULL: the binary
 * under test) in tdir, a temporary directory with no source tree, and
 * checks the report's iteration against the formula. */
static void run_skeleton_from_elsewhere(const char *exe, const char *name)
{
    char saved[PATH_MAX];
    snprintf(saved, sizeof saved, "%s", bin);
    if (exe)
        snprintf(bin, PATH_MAX, "%s", exe);
    result_t r;
    run_tensim(&r, "run", name, "-o", "elsewhere/out", "--quiet", NULL);
    snprintf(bin, PATH_MAX, "%s", saved);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "");
    result_free(&r);
    json_error_t je;
    json_t *rep = json_load_file(in_tdir("elsewhere/out/report.json"), 0, &je);
    ck_assert_msg(rep != NULL, "report.json: %s", je.text);
    double want = skeleton_iteration_s();
    double got = json_real_value(json_object_get(rep, "iteration_time_s"));
    ck_assert_double_eq_tol(got, want, want * 1e-9);
    json_decref(rep);
}

/* make install DESTDIR=stage PREFIX=/usr: the binary, the man page and
 * the data under stage/usr; the staged binary, run in a directory that
 * holds no source tree, finds a shipped scenario by name beside itself,
 * even one that only the staged tree has. */
START_TEST(install_runs_shipped_scenario_from_anywhere)
{
    unsetenv("TENSIM_DATA");
    char args[PATH_MAX + 64];
    snprintf(args, sizeof args, "DESTDIR='%s/stage' PREFIX=/usr", tdir);
    run_make("install", args);
    ck_assert(exists("stage/usr/bin/tensim"));
    ck_assert(access(in_tdir("stage/usr/bin/tensim"), X_OK) == 0);
    expect_same_file("stage/usr/share/man/man1/tensim.1", "docs/tensim.1");
    expect_data_installed("stage/usr/share/tensim");
    ck_assert(mkdir(in_tdir("elsewhere"), 0700) == 0);
    char exe[PATH_MAX];
    snprintf(exe, sizeof exe, "%s", in_tdir("stage/usr/bin/tensim"));
    run_skeleton_from_elsewhere(exe, "skeleton-8gpu");
    /* a scenario only the staged tree holds: found there, nowhere else */
    char *sk = slurp("stage/usr/share/tensim/workloads/scenarios/skeleton-8gpu.json");
    ck_assert_ptr_nonnull(sk);
    write_file("stage/usr/share/tensim/workloads/scenarios/only-staged.json", sk);
    free(sk);
    rm_rf(in_tdir("elsewhere/out"));
    run_skeleton_from_elsewhere(exe, "only-staged");
}
END_TEST

/* make install PREFIX=tdir/p, then make uninstall PREFIX=tdir/p: no file
 * is left under the prefix. */
START_TEST(uninstall_removes_what_install_put)
{
    char args[PATH_MAX + 64];
    snprintf(args, sizeof args, "PREFIX='%s/p'", tdir);
    run_make("install", args);
    ck_assert(exists("p/bin/tensim"));
    ck_assert(exists("p/share/tensim/workloads/scenarios/skeleton-8gpu.json"));
    run_make("uninstall", args);
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "test -z \"$(find '%s/p' -type f)\"", tdir);
    ck_assert_msg(system(cmd) == 0, "files left under the prefix after make uninstall");
}
END_TEST

/* $TENSIM_DATA is searched first: a scenario by a name that exists only
 * there runs; an unknown name is refused in one line listing the known
 * ones, those of the first data root that has scenarios. */
START_TEST(scenario_by_name_under_tensim_data)
{
    char data[PATH_MAX];
    snprintf(data, sizeof data, "%s", in_tdir("data"));
    ck_assert(mkdir(data, 0700) == 0 && mkdir(in_tdir("data/workloads"), 0700) == 0 &&
              mkdir(in_tdir("data/workloads/scenarios"), 0700) == 0);
    FILE *f = fopen("workloads/scenarios/skeleton-8gpu.json", "rb");
    ck_assert_ptr_nonnull(f);
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    write_file("data/workloads/scenarios/mine.json", text);
    setenv("TENSIM_DATA", data, 1);
    ck_assert(mkdir(in_tdir("elsewhere"), 0700) == 0);
    run_skeleton_from_elsewhere(NULL, "mine");
    result_t r;
    run_tensim(&r, "run", "no-such-scenario", "-o", OUT, NULL);
    expect_error(&r, 2, "no-such-scenario: no such file, nor a shipped scenario (known: mine)",
                 NULL);
    result_free(&r);
    unsetenv("TENSIM_DATA");
}
END_TEST

Suite *cli_install_suite(void)
{
    Suite *s = suite_create("cli_install");
    TCase *tc = new_tcase("install");
    tcase_add_test(tc, install_runs_shipped_scenario_from_anywhere);
    tcase_add_test(tc, uninstall_removes_what_install_put);
    tcase_add_test(tc, scenario_by_name_under_tensim_data);
    suite_add_tcase(s, tc);
    return s;
}
