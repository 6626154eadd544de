/* tests/check_cli_topo.c — `tensim topo`: bad input, and figures that survive an export.
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

static const struct {
    const char *args[6];
    int status;
    const char *needle;
} topo_bad[] = {
    {{"topo", "azure-2021"}, 2, "tensim: azure-2021: unknown preset or file (presets: "},
    {{"topo", "azure-2020", "--set", "fabric.radix=8"}, 2, "set.fabric: radix 8 is too small"},
    {{"topo", "azure-2020", "--set", "fabric.radx=40"}, 2, "the preset has no key \"radx\""},
    /* jansson refuses a key that is not UTF-8: the override was lost */
    {{"topo", "azure-2020", "--set", "g\xfbpus=4"}, 2, "--set g\xfbpus: key is not valid utf-8"},
    {{"topo", "single-switch", "--set", "g\xfbpus=4"}, 2, "--set g\xfbpus: key is not valid utf-8"},
    {{"topo", "azure-2020", "--export", "gml", "-o", "g"}, 2, "expected graphml or json"},
    {{"topo", "azure-2020", "--export", "json"}, 2, "--export and -o go together"},
    {{"topo"}, 2, "expected one preset or file"},
    {{"topo", "nofile.json"}, 2, "nofile.json: cannot open"},
    {{"topo", "single-switch", "--export", "json", "-o", "plain/g.json"}, 1, "cannot write"},
};

START_TEST(topo_bad_input)
{
    write_file("plain", "x");
    result_t r;
    const char *const *a = topo_bad[_i].args;
    run_tensim(&r, a[0], a[1], a[2], a[3], a[4], a[5], NULL);
    expect_error(&r, topo_bad[_i].status, topo_bad[_i].needle, NULL);
    result_free(&r);
}
END_TEST

/* A GraphML file's errors name it once (they named it twice: the spec's
 * source, then the reader's) and take one line, libxml2's second line
 * included. */
START_TEST(topo_graphml_errors_name_the_file_once)
{
    static const struct {
        const char *text, *needle;
    } bad[] = {
        {"<graphml><graph\n", "not valid graphml: line 2: "},
        {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml><graph id=\"\xff\xfe\"/></graphml>\n",
         "UTF-8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file("bad.graphml", bad[i].text);
        result_t r;
        run_tensim(&r, "topo", "bad.graphml", NULL);
        expect_error(&r, 2, "tensim: bad.graphml: not valid graphml: ", bad[i].needle, NULL);
        ck_assert_ptr_null(strstr(strstr(r.err, "bad.graphml") + 1, "bad.graphml"));
        result_free(&r);
    }
}
END_TEST

/* Figures as JSON, then the graph exported, read back, and the same
 * figures again. 2 DGX-1 servers: 16 GPUs, 8 NICs on one 18-port leaf. */
START_TEST(topo_stats_and_round_trip)
{
    result_t r;
    run_tensim(&r, "topo", "azure-2020", "--set", "servers=2", "--set", "cpu_servers=0", "--json",
               NULL);
    expect_status(&r, 0);
    json_error_t je;
    json_t *a = json_loads(r.out, 0, &je);
    ck_assert_msg(a != NULL, "%s", r.out);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "gpus")), 16);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "cpu_cores")), 2 * 40);
    ck_assert_double_eq(json_real_value(json_object_get(a, "gpu_server_bw_gbps")), 400);
    result_free(&r);
    for (int k = 0; k < 2; k++) {
        const char *file = k ? "g.json" : "g.graphml";
        run_tensim(&r, "topo", "azure-2020", "--set", "servers=2", "--set", "cpu_servers=0",
                   "--export", k ? "json" : "graphml", "-o", file, NULL);
        expect_status(&r, 0);
        ck_assert_str_eq(r.out, "");
        result_free(&r);
        run_tensim(&r, "topo", file, "--json", NULL);
        expect_status(&r, 0);
        json_t *b = json_loads(r.out, 0, &je);
        ck_assert_msg(b != NULL, "%s", r.out);
        ck_assert(json_equal(a, b));
        json_decref(b);
        result_free(&r);
    }
    json_decref(a);
}
END_TEST

Suite *cli_topo_suite(void)
{
    Suite *s = suite_create("cli_topo");

    TCase *tc = new_tcase("topo");
    tcase_add_loop_test(tc, topo_bad_input, 0, (int)(sizeof topo_bad / sizeof topo_bad[0]));
    tcase_add_test(tc, topo_stats_and_round_trip);
    tcase_add_test(tc, topo_graphml_errors_name_the_file_once);
    suite_add_tcase(s, tc);
    return s;
}
