/* tests/check_source_table.c — conformance of the workload-source table:
 * every row of wl_sources[] has a help line and, from a small example
 * block, makes a trace that passes wl_trace_check() with the ranks the
 * example asks for. Examples are keyed by source name, so a new row
 * without one fails here until it gets one. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "workloads/spec.h"
#include "workloads/trace_json.h"
#include "tests/helpers.h"
#include "tests/tests.h"

typedef struct {
    const char *name;
    const char *block; /* JSON; "%s" is a trace file the test writes */
    int32_t ranks;
} example_t;

static const example_t examples[] = {
    {"compute-allreduce",
     "{\"generator\": \"compute-allreduce\", \"ranks\": 4, \"compute_time_us\": 10, "
     "\"allreduce_size_bytes\": 1048576}",
     4},
    /* tp 1 x pp 2 x dp 2 = 4 ranks */
    {"megatron",
     "{\"generator\": \"megatron\", \"gpu\": \"a100-80gb\", \"model\": {\"layers\": 2, "
     "\"hidden\": 64, \"heads\": 4, \"seq_len\": 16, \"vocab\": 128}, \"layout\": {\"tp\": 1, "
     "\"pp\": 2, \"dp\": 2, \"global_batch\": 4}}",
     4},
    /* the compute-allreduce example above, written as a trace file */
    {"trace", "{\"trace\": \"%s\", \"gpu\": \"a100-80gb\"}", 4},
    /* astra-sim's all-reduce microbenchmark on 4 NPUs */
    {"chakra", "{\"chakra\": \"tests/data/chakra/microbenchmarks/all_reduce/4npus_1MB/all_reduce\"}",
     4},
};

static int parse_text(const char *text, wl_spec_t *s, tn_error_t *err)
{
    json_t *j = test_json(text);
    int rc = wl_spec_parse(s, j, "example.json", "workload", err);
    json_decref(j);
    return rc;
}

/* The compute-allreduce example as a trace file. */
static char *trace_file(void)
{
    wl_spec_t s;
    wl_trace_t t;
    tn_error_t err = {0};
    ck_assert_int_eq(parse_text(examples[0].block, &s, &err), 0);
    ck_assert_int_eq(wl_spec_build(&s, &t, &err), 0);
    char *path = tmpfile_with("", ".json");
    ck_assert_msg(wl_trace_write_json(&t, path, &err) == 0, "%s", err.msg);
    wl_trace_destroy(&t);
    wl_spec_destroy(&s);
    return path;
}

START_TEST(every_source_makes_a_checked_trace)
{
    const wl_source_t *src = &wl_sources[_i];
    ck_assert_msg(src->help && src->help[0], "source %s has no help text", src->name);
    const example_t *ex = TEST_EXAMPLE_FOR(examples, src->name, "source");
    char text[1024];
    char *file = test_example_text(text, sizeof text, ex->block, trace_file);
    wl_spec_t s;
    wl_trace_t t;
    tn_error_t err = {0};
    ck_assert_msg(parse_text(text, &s, &err) == 0, "%s: %s", src->name, err.msg);
    ck_assert_ptr_eq(s.source, src);
    ck_assert_msg(wl_spec_build(&s, &t, &err) == 0, "%s: %s", src->name, err.msg);
    ck_assert_msg(wl_trace_check(&t, &err) == 0, "%s: %s", src->name, err.msg);
    ck_assert_int_eq(t.n_ranks, ex->ranks);
    /* a source that knows its ranks before the trace says the same */
    if (src->ranks)
        ck_assert_uint_eq(wl_spec_ranks(&s), (uint64_t)ex->ranks);
    wl_trace_destroy(&t);
    wl_spec_destroy(&s);
    tmpfile_drop(file);
}
END_TEST

START_TEST(no_source_names_every_key)
{
    wl_spec_t s;
    tn_error_t err = {0};
    ck_assert_int_ne(parse_text("{\"ranks\": 4}", &s, &err), 0);
    TEST_MSG_NAMES_ROWS(err.msg, wl_sources, wl_sources_n, key);
}
END_TEST

Suite *source_table_suite(void)
{
    Suite *s = suite_create("source_table");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, every_source_makes_a_checked_trace, 0, (int)wl_sources_n);
    tcase_add_test(tc, no_source_names_every_key);
    suite_add_tcase(s, tc);
    return s;
}
