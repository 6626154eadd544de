/* tests/check_cli_collective.c — `tensim collective`: bad input, the JSON rows, the tuner's choice.
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
    const char *args[10];
    const char *needle;
} coll_bad[] = {
    {{"collective", "--topo", "single-switch", "--op", "allsum"}, "unknown operation 'allsum'"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--algo", "bus"},
     "unknown algorithm 'bus'"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--ranks", "9"},
     "--ranks: expected 'all' or 1 to 8"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--sizes", "0"}, "--sizes"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--sizes", "17T"}, "--sizes"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--sizes", "8G:1K"}, "--sizes"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--algo", "hd", "--ranks",
      "6"},
     "hd needs a power of two ranks, not 6"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--algo", "nvls"},
     "nvls needs every rank on one NVSwitch that reduces in the network"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--chunk-bytes", "8X"},
     "--chunk-bytes: expected a size from 1 to 1T"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--channels", "0"},
     "--channels: expected auto or an integer from 1 to 64"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--channels", "+4"},
     "--channels: expected auto or an integer from 1 to 64, got '+4'"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--root", "16777217"},
     "--root: expected an integer from 0 to 16777216, got '16777217'"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--ranks", " 4"},
     "--ranks: expected 'all' or 1 to 8 (the fabric's gpus), got ' 4'"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--sizes", "1k:2x"},
     "--sizes: expected SIZE or LOW:HIGH"},
    {{"collective", "--op", "allreduce"}, "--topo and --op are required"},
    {{"collective", "--topo", "nowhere-9000", "--op", "allreduce"}, "unknown preset"},
};

START_TEST(collective_bad_input)
{
    result_t r;
    const char *const *a = coll_bad[_i].args;
    run_tensim(&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], NULL);
    expect_error(&r, 2, coll_bad[_i].needle, NULL);
    result_free(&r);
}
END_TEST

/* The JSON rows: one per size, doubling; busbw = algbw x 2(n-1)/n; the
 * 1 KiB ring all-reduce on 8 GPUs of 100 Gbps, 500 ns per hop, no software
 * latency: 14 steps of (1 us + 128 B x 80 ps). */
START_TEST(collective_json_rows)
{
    result_t r;
    run_tensim(&r, "collective", "--topo", "single-switch", "--op", "allreduce", "--algo", "ring",
               "--protocol", "none", "--sizes", "1K:4K", "--json", NULL);
    expect_status(&r, 0);
    json_error_t je;
    json_t *rows = json_loads(r.out, 0, &je);
    ck_assert_msg(rows != NULL, "%s", r.out);
    ck_assert_uint_eq(json_array_size(rows), 3);
    json_t *first = json_array_get(rows, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(first, "size_bytes")), 1024);
    double us = 14 * (1.0 + 128 * 80e-6);
    ck_assert_double_eq_tol(json_real_value(json_object_get(first, "time_us")), us, 1e-9);
    double algbw = 1024 / (us * 1e-6) / 1e9;
    ck_assert_double_eq_tol(json_real_value(json_object_get(first, "busbw_gbs")),
                            algbw * 2 * 7 / 8, 1e-9);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rows, 2), "size_bytes")),
                     4096);
    /* what ran: the protocol as forced, one channel (1 KiB is below a
     * Simple channel's 64 B x 512 threads) */
    ck_assert_str_eq(json_string_value(json_object_get(first, "algorithm")), "ring");
    ck_assert_str_eq(json_string_value(json_object_get(first, "protocol")), "none");
    ck_assert_int_eq(json_integer_value(json_object_get(first, "channels")), 1);
    json_decref(rows);
    result_free(&r);
}
END_TEST

/* The defaults choose as NCCL 2.18 would on one DGX A100
 * (tests/check_collective.c derives the crossovers: LL to ~1.2 MB, LL128
 * to ~24 MB, then Simple; channels by NCCL's loop, 24 at most): the CSV
 * and the table name each size's algorithm, protocol and channels. */
START_TEST(collective_prints_the_tuner_choice)
{
    result_t r;
    run_tensim(&r, "collective", "--topo", "selene-a100", "--set", "servers=1", "--op",
               "allreduce", "--sizes", "64K:64M", "--csv", NULL);
    expect_status(&r, 0);
    ck_assert_msg(strstr(r.out, "size_bytes,time_us,algbw_gbs,busbw_gbs,algorithm,protocol,"
                                "channels\n") == r.out, "%s", r.out);
    ck_assert_msg(strstr(r.out, ",ring,ll,2\n") != NULL, "%s", r.out);       /* 64 KiB */
    ck_assert_msg(strstr(r.out, ",ring,ll128,24\n") != NULL, "%s", r.out);   /* 2-16 MiB */
    ck_assert_msg(strstr(r.out, ",ring,simple,24\n") != NULL, "%s", r.out);  /* 32, 64 MiB */
    ck_assert_msg(strstr(r.out, "1048576,") && strstr(strstr(r.out, "1048576,"), ",ll,24\n"),
                  "%s", r.out);
    result_free(&r);
    run_tensim(&r, "collective", "--topo", "selene-a100", "--set", "servers=1", "--op",
               "allreduce", "--sizes", "32M", "--protocol", "ll128", "--channels", "3", NULL);
    expect_status(&r, 0);
    ck_assert_msg(strstr(r.out, "ll128 protocol, forced channels") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "ring      ll128    3\n") != NULL, "%s", r.out);
    result_free(&r);
}
END_TEST

Suite *cli_collective_suite(void)
{
    Suite *s = suite_create("cli_collective");

    TCase *tc = new_tcase("collective");
    tcase_add_loop_test(tc, collective_bad_input, 0, (int)(sizeof coll_bad / sizeof coll_bad[0]));
    tcase_add_test(tc, collective_json_rows);
    tcase_add_test(tc, collective_prints_the_tuner_choice);
    suite_add_tcase(s, tc);
    return s;
}
