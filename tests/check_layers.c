/* tests/check_layers.c — scripts/check-layers.sh on the tree (it passes)
 * and on a small tree with upward includes put in (it fails, naming each
 * file and line). The tests run from the repository root. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tests/tests.h"

/* Runs the script on dir; returns its exit status and its output (stdout
 * and stderr) in out. */
static int run_script(const char *dir, char *out, size_t n)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "scripts/check-layers.sh '%s' 2>&1", dir);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = '\0';
    int st = pclose(p);
    ck_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* The tree as it is: no include runs upward, the script prints nothing
 * and exits 0. */
START_TEST(layers_tree_has_no_upward_include)
{
    static char out[65536];
    int st = run_script(".", out, sizeof out);
    ck_assert_msg(st == 0 && out[0] == '\0', "exit status %d: %s", st, out);
}
END_TEST

/* Copies src to dst, appending `extra`; returns the lines of dst. */
static int copy_with(const char *src, const char *dst, const char *extra)
{
    FILE *in = fopen(src, "r"), *o = fopen(dst, "w");
    ck_assert(in && o);
    int lines = 0, c;
    while ((c = fgetc(in)) != EOF) {
        fputc(c, o);
        lines += c == '\n';
    }
    fputs(extra, o);
    for (const char *p = extra; *p; p++)
        lines += *p == '\n';
    fclose(in);
    fclose(o);
    return lines;
}

START_TEST(layers_upward_include_fails_naming_the_line)
{
    char dir[] = "/tmp/tn_layers_XXXXXX", path[256], want[1024], cmd[300];
    static char out[65536];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    const char *sub[] = {"common", "sim", "sim/job", "tests", "cli"};
    for (size_t k = 0; k < sizeof sub / sizeof sub[0]; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, sub[k]);
        ck_assert_int_eq(mkdir(path, 0700), 0);
    }
    /* a real common/ file, including the top room at its last line */
    snprintf(path, sizeof path, "%s/common/tn_heap.c", dir);
    int at = copy_with("common/tn_heap.c", path, "#include \"sim/job/run.h\"\n");
    /* a real sim/job header, whose includes all run downward */
    snprintf(path, sizeof path, "%s/sim/job/run.h", dir);
    copy_with("sim/job/run.h", path, "");
    /* a test may include sim/job, but not cli/ */
    snprintf(path, sizeof path, "%s/tests/t.c", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("#include \"sim/job/run.h\"\n#include \"cli/cli.h\"\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/cli/cli.h", dir);
    copy_with("/dev/null", path, "#include \"sim/job/run.h\"\n");

    int st = run_script(dir, out, sizeof out);
    snprintf(want, sizeof want,
             "common/tn_heap.c:%d: includes sim/job/run.h, which is above it\n"
             "tests/t.c:2: includes cli/cli.h, which is above it\n",
             at);
    ck_assert_int_eq(st, 1);
    ck_assert_str_eq(out, want);

    /* without the two, the same tree passes */
    snprintf(path, sizeof path, "%s/common/tn_heap.c", dir);
    copy_with("common/tn_heap.c", path, "");
    snprintf(path, sizeof path, "%s/tests/t.c", dir);
    copy_with("/dev/null", path, "#include \"sim/job/run.h\"\n");
    ck_assert_int_eq(run_script(dir, out, sizeof out), 0);
    ck_assert_str_eq(out, "");
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *layers_suite(void)
{
    Suite *s = suite_create("layers");
    TCase *tc = tcase_create("layers");
    tcase_add_test(tc, layers_tree_has_no_upward_include);
    tcase_add_test(tc, layers_upward_include_fails_naming_the_line);
    suite_add_tcase(s, tc);
    return s;
}
