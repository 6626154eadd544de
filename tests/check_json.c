/* tests/check_json.c — reading user JSON: types, ranges, unknown keys, and
 * messages that name the file and the path; plus the hash map. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_json.h"
#include "common/tn_map.h"
#include "common/tn_text.h"
#include "tests/helpers.h"
#include "tests/tests.h"

START_TEST(json_reads_values_and_defaults)
{
    json_t *v = test_json("{\"a\": 3, \"b\": 2.5, \"c\": \"x\", \"d\": true, \"e\": \"two\"}");
    static const char *const keys[] = {"a", "b", "c", "d", "e", "f", NULL};
    static const char *const names[] = {"one", "two", NULL};
    tn_error_t err = {0};
    tn_jobj_t o;
    ck_assert_int_eq(tn_jobj_open(&o, v, "f.json", "top", keys, &err), 0);
    uint64_t a = 0, f = 42;
    double b = 0;
    const char *c = NULL;
    bool d = false;
    int e = -1;
    ck_assert_int_eq(tn_jobj_u64(&o, "a", true, 1, 10, &a), 0);
    ck_assert_int_eq(tn_jobj_double(&o, "b", true, 0, 10, &b), 0);
    ck_assert_int_eq(tn_jobj_str(&o, "c", true, &c), 0);
    ck_assert_int_eq(tn_jobj_bool(&o, "d", true, &d), 0);
    ck_assert_int_eq(tn_jobj_enum(&o, "e", true, names, &e), 0);
    ck_assert_int_eq(tn_jobj_u64(&o, "f", false, 0, 100, &f), 1); /* absent: default kept */
    ck_assert_uint_eq(a, 3);
    ck_assert_double_eq(b, 2.5);
    ck_assert_str_eq(c, "x");
    ck_assert(d);
    ck_assert_int_eq(e, 1);
    ck_assert_uint_eq(f, 42);
    json_decref(v);
}
END_TEST

/* Each bad value and the exact message it must give. */
START_TEST(json_errors_name_file_and_path)
{
    static const struct {
        const char *doc, *msg;
    } cases[] = {
        {"{\"tp\": \"8x\"}", "s.json: layout.tp: expected a positive integer, got \"8x\""},
        {"{\"tp\": -8}", "s.json: layout.tp: expected a positive integer, got -8"},
        {"{\"tp\": 0}", "s.json: layout.tp: expected a positive integer, got 0"},
        {"{\"tp\": 5000}", "s.json: layout.tp: 5000 is too large (at most 4096)"},
        {"{\"tp\": 2.0}", "s.json: layout.tp: expected a positive integer, got 2.0"},
        {"{\"tpp\": 2}", "s.json: layout.tpp: unknown key (did you mean \"tp\"?)"},
        {"{\"zzzzzz\": 2}", "s.json: layout.zzzzzz: unknown key"},
        {"{}", "s.json: layout.tp: missing required key"},
    };
    static const char *const keys[] = {"tp", NULL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *v = test_json(cases[i].doc);
        tn_error_t err = {0};
        tn_jobj_t o;
        uint64_t tp = 0;
        int rc = tn_jobj_open(&o, v, "s.json", "layout", keys, &err);
        if (rc == 0)
            rc = tn_jobj_u64(&o, "tp", true, 1, 4096, &tp);
        ck_assert_int_eq(rc, -1);
        ck_assert_int_eq(err.code, TN_EINPUT);
        ck_assert_str_eq(err.msg, cases[i].msg);
        json_decref(v);
    }
}
END_TEST

START_TEST(json_enum_lists_choices)
{
    json_t *v = test_json("{\"model\": \"flwo\"}");
    static const char *const names[] = {"flow", "analytic", NULL};
    tn_error_t err = {0};
    tn_jobj_t o;
    int m = 0;
    tn_jobj_open(&o, v, "s.json", "network", NULL, &err);
    ck_assert_int_eq(tn_jobj_enum(&o, "model", true, names, &m), -1);
    ck_assert_str_eq(err.msg, "s.json: network.model: unknown value \"flwo\" (expected one of: "
                              "flow, analytic)");
    json_decref(v);
}
END_TEST

START_TEST(json_hash_ignores_key_order)
{
    json_t *a = test_json("{\"x\": 1, \"y\": [1, 2]}");
    json_t *b = test_json("{\"y\": [1, 2], \"x\": 1}");
    json_t *c = test_json("{\"y\": [2, 1], \"x\": 1}");
    ck_assert_uint_eq(tn_json_hash(a), tn_json_hash(b));
    ck_assert_uint_ne(tn_json_hash(a), tn_json_hash(c));
    json_decref(a);
    json_decref(b);
    json_decref(c);
}
END_TEST

/* The map against a plain array over random inserts and deletes, enough to
 * force rehashes and long probe runs. */
START_TEST(map_matches_array)
{
    enum { N = 4000 };
    static void *ref[N];
    memset(ref, 0, sizeof ref);
    tn_map_t m;
    tn_map_init(&m);
    uint64_t x = 12345;
    size_t live = 0;
    for (int i = 0; i < 50000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t k = (x >> 33) % N;
        if ((x >> 20) & 1) {
            if (!ref[k])
                live++;
            ref[k] = (void *)(uintptr_t)(k * 8 + 8);
            tn_map_put(&m, k, ref[k]);
        } else {
            void *got = tn_map_del(&m, k);
            ck_assert_ptr_eq(got, ref[k]);
            if (ref[k])
                live--;
            ref[k] = NULL;
        }
        ck_assert_uint_eq(m.n, live);
    }
    for (uint64_t k = 0; k < N; k++)
        ck_assert_ptr_eq(tn_map_get(&m, k), ref[k]);
    tn_map_destroy(&m);
}
END_TEST

/* Text escaped for a Markdown cell, HTML and a CSV field; CSV quotes only
 * what needs it. */
START_TEST(text_escapes_for_each_format)
{
    static const struct {
        const char *in;
        tn_escape_t to;
        const char *out;
    } cases[] = {
        {"a|b", TN_ESC_MARKDOWN, "a\\|b"},
        {"<a & \"b\">", TN_ESC_HTML, "&lt;a &amp; &quot;b&quot;&gt;"},
        {"x,y\"z", TN_ESC_CSV, "\"x,y\"\"z\""},
        {"plain|<>", TN_ESC_CSV, "plain|<>"},
        {"two\nlines", TN_ESC_CSV, "\"two\nlines\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tn_text_t t = {0};
        tn_text_put(&t, "[");
        tn_text_put_escaped(&t, cases[i].in, cases[i].to);
        tn_text_put(&t, "]");
        char want[64];
        snprintf(want, sizeof want, "[%s]", cases[i].out);
        ck_assert_str_eq(t.s, want);
        ck_assert_uint_eq(t.n, strlen(want));
        free(t.s);
    }
}
END_TEST

/* A NUL byte is no part of any JSON text: wherever it stands, the file is
 * refused with its line, column and offset (jansson alone swallows one that
 * follows a number, "1\0,"). */
START_TEST(json_file_refuses_nul_bytes)
{
    static const char doc[] = "{\"a\": 1,\n \"b\": [2, 3.5], \"c\": \"x\"}";
    size_t n = strlen(doc);
    char *path = tmpfile_with("", ".json");
    for (size_t i = 0; i <= n; i++) {
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        fwrite(doc, 1, i, f);
        fputc(0, f);
        fwrite(doc + i, 1, n - i, f);
        fclose(f);
        tn_error_t err = {0};
        json_t *v = tn_json_load_file(path, &err);
        ck_assert_msg(v == NULL, "a NUL at offset %zu was accepted", i);
        /* line 2 starts after the '\n' at offset 8; columns count from 1 */
        int line = i <= 8 ? 1 : 2;
        size_t col = i <= 8 ? i + 1 : i - 8;
        char want[512];
        snprintf(want, sizeof want, "%s: line %d column %zu: invalid json: NUL byte (offset %zu)",
                 path, line, col, i);
        ck_assert_str_eq(err.msg, want);
        ck_assert_int_eq(err.code, TN_EINPUT);
    }
    tmpfile_drop(path);
}
END_TEST

Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, json_reads_values_and_defaults);
    tcase_add_test(tc, json_errors_name_file_and_path);
    tcase_add_test(tc, json_file_refuses_nul_bytes);
    tcase_add_test(tc, json_enum_lists_choices);
    tcase_add_test(tc, json_hash_ignores_key_order);
    tcase_add_test(tc, map_matches_array);
    tcase_add_test(tc, text_escapes_for_each_format);
    suite_add_tcase(s, tc);
    return s;
}
