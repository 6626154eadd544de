/* tests/check_sweep.c — the sweep runner's study (study/study.h) without
 * running anything: how --vary values expand, what is refused, and the
 * order of the combinations. (tests/check_cli_sweep.c runs whole studies
 * through the binary.) */
#include <check.h>
#include <string.h>

#include "study/study.h"
#include "tests/tests.h"

/* The values of the one axis `arg` makes, joined by '|'. */
static void axis_values(const char *arg, char *out, size_t n)
{
    study_t s;
    study_init(&s, "s.json", "st");
    tn_error_t err = {0};
    ck_assert_msg(study_add_axis(&s, arg, &err) == 0, "%s: %s", arg, err.msg);
    ck_assert_uint_eq(s.n_axes, 1);
    out[0] = '\0';
    for (size_t i = 0; i < s.axes[0].n; i++) {
        if (i)
            strncat(out, "|", n - strlen(out) - 1);
        strncat(out, s.axes[0].values[i], n - strlen(out) - 1);
    }
    study_destroy(&s);
}

/* x2 from 1 to 8: 1, 2, 4, 8 (4 = log2(8/1) + 1 values); +0.25 from 0 to
 * 1: 5 values; a comma list as given; a JSON array as compact JSON. */
START_TEST(vary_values_expand)
{
    char got[256];
    axis_values("k=1:8:x2", got, sizeof got);
    ck_assert_str_eq(got, "1|2|4|8");
    axis_values("k=0:1:+0.25", got, sizeof got);
    ck_assert_str_eq(got, "0|0.25|0.5|0.75|1");
    axis_values("k=8,16,ring", got, sizeof got);
    ck_assert_str_eq(got, "8|16|ring");
    axis_values("k=[1, \"a b\", {\"x\": 2}]", got, sizeof got);
    ck_assert_str_eq(got, "1|\"a b\"|{\"x\":2}");
}
END_TEST

static const struct {
    const char *first, *arg, *msg;
} bad_vary[] = {
    {NULL, "nothing", "--vary 'nothing': expected KEY=VALUES"},
    {NULL, "=1,2", "--vary '=1,2': expected KEY=VALUES"},
    {NULL, "k=1,,2", "--vary k: empty value in '1,,2'"},
    {NULL, "k=1,", "--vary k: empty value in '1,'"},
    {NULL, "k=8:1:x2", "--vary k: bad range '8:1:x2'"},
    {NULL, "k=0:8:x2", "--vary k: bad range '0:8:x2'"},
    {NULL, "k=1:8:+0", "--vary k: bad range '1:8:+0'"},
    {NULL, "k=[]", "--vary k: expected a JSON array of 1 to 10000 values, got '[]'"},
    {"k=1", "k=2", "--vary k: given twice"},
};

/* Refused with TN_EINPUT and a message naming the --vary argument; the
 * study keeps the axes it had. */
START_TEST(bad_vary_is_refused)
{
    study_t s;
    study_init(&s, "s.json", "st");
    tn_error_t err = {0};
    size_t had = 0;
    if (bad_vary[_i].first) {
        ck_assert_int_eq(study_add_axis(&s, bad_vary[_i].first, &err), 0);
        had = 1;
    }
    ck_assert_int_eq(study_add_axis(&s, bad_vary[_i].arg, &err), -1);
    ck_assert_int_eq(err.code, TN_EINPUT);
    ck_assert_msg(!strncmp(err.msg, bad_vary[_i].msg, strlen(bad_vary[_i].msg)), "%s", err.msg);
    ck_assert_uint_eq(s.n_axes, had);
    study_destroy(&s);
}
END_TEST

/* Runs are numbered with the last axis varying fastest: with a = 3 values
 * and b = 2, run i has a = values[i / 2] and b = values[i % 2]. */
START_TEST(run_order_is_the_cross_product)
{
    study_t s;
    study_init(&s, "s.json", "st");
    tn_error_t err = {0};
    ck_assert_int_eq(study_add_axis(&s, "a=x,y,z", &err), 0);
    ck_assert_int_eq(study_add_axis(&s, "b=1,2", &err), 0);
    static const char *const a[] = {"x", "y", "z"}, *const b[] = {"1", "2"};
    for (size_t i = 0; i < 6; i++) {
        const char *vals[2];
        study_values(&s, i, vals);
        ck_assert_str_eq(vals[0], a[i / 2]);
        ck_assert_str_eq(vals[1], b[i % 2]);
    }
    study_destroy(&s);
}
END_TEST

Suite *sweep_suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("study");
    tcase_add_test(tc, vary_values_expand);
    tcase_add_loop_test(tc, bad_vary_is_refused, 0, (int)(sizeof bad_vary / sizeof bad_vary[0]));
    tcase_add_test(tc, run_order_is_the_cross_product);
    suite_add_tcase(s, tc);
    return s;
}
