/* tests/check_cli_main.c — the tensim command itself: --help, --version, no arguments, unknown commands and global options.
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

START_TEST(help_goes_to_stdout)
{
    static const char *const forms[] = {"--help", "-h", "help"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        result_t r;
        run_tensim(&r, forms[i], NULL);
        expect_status(&r, 0);
        ck_assert_msg(!strncmp(r.out, "usage: tensim", 13), "tensim %s: %s", forms[i], r.out);
        ck_assert_ptr_nonnull(strstr(r.out, "run SCENARIO.json"));
        ck_assert_str_eq(r.err, "");
        result_free(&r);
    }
}
END_TEST

START_TEST(version_goes_to_stdout)
{
    result_t r;
    run_tensim(&r, "--version", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "tensim " TENSIM_VERSION "\n");
    ck_assert_str_eq(r.err, "");
    unsigned a, b, c;
    char end;
    ck_assert_int_eq(sscanf(r.out, "tensim %u.%u.%u%c", &a, &b, &c, &end), 4);
    ck_assert_int_eq(end, '\n');
    result_free(&r);
}
END_TEST

START_TEST(no_arguments_prints_usage_and_exits_2)
{
    result_t r;
    run_tensim(&r, NULL);
    expect_status(&r, 2);
    ck_assert_str_eq(r.out, "");
    ck_assert_msg(!strncmp(r.err, "usage: tensim", 13), "%s", r.err);
    result_free(&r);
}
END_TEST

START_TEST(unknown_command)
{
    result_t r;
    run_tensim(&r, "frobnicate", "s.json", NULL);
    expect_error(&r, 2, "unknown command 'frobnicate'", NULL);
    result_free(&r);
}
END_TEST

START_TEST(unknown_global_option)
{
    result_t r;
    run_tensim(&r, "--frobnicate", "run", NULL);
    expect_error(&r, 2, "unknown option '--frobnicate'", NULL);
    result_free(&r);
}
END_TEST

Suite *cli_main_suite(void)
{
    Suite *s = suite_create("cli_main");

    TCase *tc = new_tcase("command");
    tcase_add_test(tc, help_goes_to_stdout);
    tcase_add_test(tc, version_goes_to_stdout);
    tcase_add_test(tc, no_arguments_prints_usage_and_exits_2);
    tcase_add_test(tc, unknown_command);
    tcase_add_test(tc, unknown_global_option);
    suite_add_tcase(s, tc);
    return s;
}
