/* tests/check_chart.c — results/chart.h: numbers in plain notation, nice
 * ticks, x places by value (linear or log) or as categories, and a chart
 * whose y axis shows a 4.5% difference and says it does not start at 0. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/chart.h"
#include "tests/tests.h"

static const struct {
    double v;
    const char *want;
} formats[] = {
    {14130, "14,130"},        /* every integer digit, separated */
    {0.2465, "0.2465"},       /* 5 significant digits, trailing zeros dropped */
    {1.5e-7, "1.5e-7"},       /* below 1e-4: scientific, 4 significant digits */
    {123456.7, "123,457"},    /* no decimals from 5 integer digits up */
    {1234.56, "1,234.6"},     /* 5 significant digits */
    {-1234.5, "-1,234.5"},
    {1.5, "1.5"},
    {0.037695, "0.037695"},
    {0.0001, "0.0001"},       /* 1e-4 itself is plain */
    {1e15, "1e15"},           /* from 1e15 up: scientific */
    {999999999999999.0, "999,999,999,999,999"},
    {0, "0"},
    {1000000, "1,000,000"},
    {8.4, "8.4"},
};

START_TEST(chart_format_is_plain)
{
    char b[64];
    ck_assert_str_eq(res_chart_format(formats[_i].v, b, sizeof b), formats[_i].want);
}
END_TEST

START_TEST(chart_format_edges)
{
    char b[64];
    ck_assert_str_eq(res_chart_format(NAN, b, sizeof b), "");
    ck_assert_str_eq(res_chart_format(-INFINITY, b, sizeof b), "-inf");
    ck_assert_str_eq(res_chart_format(-2.5e-9, b, sizeof b), "-2.5e-9");
}
END_TEST

/* Over ranges of every scale and offset (a fixed grid, no randomness):
 * 3 to 8 ticks, the first at or below lo, the last at or above hi, evenly
 * spaced by 1, 2 or 5 times a power of ten. */
START_TEST(chart_ticks_are_nice_and_cover)
{
    static const double spans[] = {1e-6, 3e-4, 0.3, 0.45, 1, 2.2, 7, 9.9, 13, 640, 14130, 3e7};
    static const double los[] = {0, 0.037695, 1, 13900, -5, 1e6};
    for (size_t a = 0; a < sizeof spans / sizeof spans[0]; a++)
        for (size_t b = 0; b < sizeof los / sizeof los[0]; b++) {
            double lo = los[b], hi = lo + spans[a], t[RES_CHART_MAX_TICKS], step;
            int n = res_chart_ticks(lo, hi, t, &step);
            ck_assert_int_ge(n, 3);
            ck_assert_int_le(n, 8);
            ck_assert_msg(t[0] <= lo + step * 1e-6 && t[n - 1] >= hi - step * 1e-6,
                          "[%g, %g]: ticks %g..%g", lo, hi, t[0], t[n - 1]);
            double m = step / pow(10, floor(log10(step)));
            ck_assert_msg(fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9,
                          "step %g", step);
            for (int i = 1; i < n; i++)
                ck_assert_double_eq_tol((t[i] - t[i - 1]), step, step * 1e-3); /* 1e6 + 1e-6: rounding */
        }
    /* 14,000 to 14,630 (4.5%): steps of 200 from 14,000 to 14,800 */
    double t[RES_CHART_MAX_TICKS], step;
    int n = res_chart_ticks(14000, 14630, t, &step);
    ck_assert_double_eq(step, 200);
    ck_assert_int_eq(n, 5);
    ck_assert_double_eq(t[0], 14000);
    ck_assert_double_eq(t[4], 14800);
    /* one value: a range around it */
    n = res_chart_ticks(5, 5, t, NULL);
    ck_assert(n >= 3 && t[0] < 5 && t[n - 1] > 5);
}
END_TEST

/* 100, 200, 400 double each step: log places, 200 midway (log 2 / log 4).
 * 100, 200, 300: linear, 200 midway. 100, 300, 400: gaps 200 and 100 are
 * more even than log 3 and log 4/3: linear, 300 at 2/3. Text: categories. */
START_TEST(chart_x_layout_by_value)
{
    double pos[4];
    const char *geo[] = {"100", "400", "200"};
    ck_assert_int_eq(res_chart_x_layout(geo, 3, pos), RES_CHART_X_LOG);
    ck_assert_double_eq_tol(pos[0], 0, 1e-12);
    ck_assert_double_eq_tol(pos[1], 1, 1e-12);
    ck_assert_double_eq_tol(pos[2], log(2) / log(4), 1e-12);
    const char *geo4[] = {"1", "10", "100", "1000"};
    ck_assert_int_eq(res_chart_x_layout(geo4, 4, pos), RES_CHART_X_LOG);
    ck_assert_double_eq_tol(pos[1], 1.0 / 3, 1e-12);
    const char *lin[] = {"100", "200", "300"};
    ck_assert_int_eq(res_chart_x_layout(lin, 3, pos), RES_CHART_X_LINEAR);
    ck_assert_double_eq_tol(pos[1], 0.5, 1e-12);
    const char *uneven[] = {"100", "300", "400"};
    ck_assert_int_eq(res_chart_x_layout(uneven, 3, pos), RES_CHART_X_LINEAR);
    ck_assert_double_eq_tol(pos[1], 2.0 / 3, 1e-12);
    const char *two[] = {"100", "10000"};
    ck_assert_int_eq(res_chart_x_layout(two, 2, pos), RES_CHART_X_LINEAR);
    ck_assert_double_eq_tol(pos[1], 1, 1e-12);
    const char *neg[] = {"-1", "1", "100"}; /* not all positive: never log */
    ck_assert_int_eq(res_chart_x_layout(neg, 3, pos), RES_CHART_X_LINEAR);
    const char *cat[] = {"\"flow\"", "\"analytic\"", "7"};
    ck_assert_int_eq(res_chart_x_layout(cat, 3, pos), RES_CHART_X_CATEGORY);
    ck_assert_double_eq_tol(pos[1], 0.5, 1e-12);
}
END_TEST

/* Counts occurrences of needle in s. */
static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* tokens/s of 14,000, 14,130 and 14,630 (a 4.5% spread) against 100, 200,
 * 400 GPUs: ticks of 200 from 14,000 to 14,800 (the axis does not start at
 * 0 and says so), the highest ringed, plain numbers, the unit, the log
 * scale named, and a table row per x value. */
START_TEST(chart_html_shows_a_small_difference)
{
    const char *x[] = {"100", "200", "400"};
    double y[] = {14000, 14130, 14630};
    res_chart_series_t s = {"all runs", y};
    res_chart_t c = {.title = "tokens_per_s against gpus", .x_label = "gpus", .x = x, .n_x = 3,
                     .y_label = "tokens_per_s", .y_unit = "tokens/s", .series = &s,
                     .n_series = 1, .style = RES_CHART_LINES, .better = 1};
    tn_text_t h = {0};
    res_chart_html(&c, &h);
    ck_assert_int_eq(count(h.s, "class=\"ytick\""), 5);
    static const char *const ticks[] = {">14,000<", ">14,200<", ">14,400<", ">14,600<",
                                        ">14,800<"};
    for (int i = 0; i < 5; i++)
        ck_assert_msg(strstr(h.s, ticks[i]) != NULL, "%s", ticks[i]);
    ck_assert_ptr_nonnull(strstr(h.s, "y axis starts at 14,000, not 0"));
    ck_assert_ptr_nonnull(strstr(h.s, "class=\"axis-break\""));
    ck_assert_ptr_nonnull(strstr(h.s, "tokens_per_s (tokens/s)"));
    ck_assert_ptr_nonnull(strstr(h.s, "gpus (log scale"));
    ck_assert_ptr_nonnull(strstr(h.s, "best: 14,630"));
    ck_assert_ptr_nonnull(strstr(h.s, "<td class=\"best\">14,630 (best)</td>"));
    ck_assert_int_eq(count(h.s, "<tr><td>"), 3);
    ck_assert_ptr_null(strstr(h.s, "e+"));
    ck_assert_ptr_null(strstr(h.s, "<script"));
    free(h.s);
    /* bars start at 0 whatever the data: no break */
    c.style = RES_CHART_BARS;
    h = (tn_text_t){0};
    res_chart_html(&c, &h);
    ck_assert_ptr_null(strstr(h.s, "y axis starts at"));
    ck_assert_ptr_nonnull(strstr(h.s, "class=\"ytick\">0<"));
    ck_assert_ptr_nonnull(strstr(h.s, "gpus (categories"));
    free(h.s);
}
END_TEST

Suite *chart_suite(void)
{
    Suite *s = suite_create("chart");
    TCase *tc = tcase_create("chart");
    tcase_add_loop_test(tc, chart_format_is_plain, 0, (int)(sizeof formats / sizeof formats[0]));
    tcase_add_test(tc, chart_format_edges);
    tcase_add_test(tc, chart_ticks_are_nice_and_cover);
    tcase_add_test(tc, chart_x_layout_by_value);
    tcase_add_test(tc, chart_html_shows_a_small_difference);
    suite_add_tcase(s, tc);
    return s;
}
