/* results/chart.c — SVG charts with honest axes (results/chart.h). */
#include "results/chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_error.h"

const char res_chart_css[] =
    "figure.chart{display:inline-block;margin:1em;vertical-align:top}"
    "figure.chart figcaption{font-weight:bold}"
    "figure.chart table{border-collapse:collapse;font-size:12px;margin-top:4px}"
    "figure.chart td,figure.chart th{border:1px solid #ccc;padding:1px 5px;text-align:right}"
    "figure.chart td.best{font-weight:bold}"
    "figure.chart p.note{font-size:12px;margin:2px 0;color:#444}"
    "ul.legend{list-style:none;padding:0;margin:2px 0;font-size:12px}";

/* Drops trailing zeros after a decimal point (and the point itself). */
static void strip_zeros(char *s)
{
    char *dot = strchr(s, '.');
    if (!dot)
        return;
    char *e = s + strlen(s);
    while (e > dot + 1 && e[-1] == '0')
        e--;
    if (e == dot + 1)
        e = dot;
    *e = '\0';
}

char *res_chart_format(double v, char *buf, size_t n)
{
    TN_ASSERT(n >= 32);
    if (isnan(v)) {
        buf[0] = '\0';
        return buf;
    }
    if (isinf(v)) {
        snprintf(buf, n, v > 0 ? "inf" : "-inf");
        return buf;
    }
    double a = fabs(v);
    if (a == 0) {
        snprintf(buf, n, "0");
        return buf;
    }
    if (a < 1e-4 || a >= 1e15) {
        /* mantissa without trailing zeros, exponent without '+' or
         * leading zeros: 1.5e-7 */
        char m[32];
        snprintf(m, sizeof m, "%.3e", v);
        char *e = strchr(m, 'e');
        TN_ASSERT(e != NULL);
        int exp = atoi(e + 1);
        *e = '\0';
        strip_zeros(m);
        snprintf(buf, n, "%se%d", m, exp);
        return buf;
    }
    int decimals = 4 - (int)floor(log10(a));
    if (decimals < 0)
        decimals = 0;
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, a);
    strip_zeros(raw);
    if (!strcmp(raw, "0")) { /* cannot happen above 1e-4, kept for safety */
        snprintf(buf, n, "0");
        return buf;
    }
    /* thousands separators in the integer part */
    const char *dot = strchr(raw, '.');
    size_t int_len = dot ? (size_t)(dot - raw) : strlen(raw);
    size_t o = 0;
    if (v < 0)
        buf[o++] = '-';
    for (size_t i = 0; i < int_len; i++) {
        buf[o++] = raw[i];
        size_t left = int_len - i - 1;
        if (left > 0 && left % 3 == 0)
            buf[o++] = ',';
    }
    snprintf(buf + o, n - o, "%s", dot ? dot : "");
    return buf;
}

int res_chart_ticks(double lo, double hi, double *ticks, double *step_out)
{
    TN_ASSERT(isfinite(lo) && isfinite(hi) && lo <= hi);
    if (hi - lo <= fabs(hi) * 1e-12) {
        double pad = hi != 0 ? fabs(hi) * 0.05 : 1;
        lo -= pad;
        hi += pad;
    }
    /* a step of at least a fifth of the range, so at most 5 whole steps
     * lie inside it and at most 7 (8 ticks) cover it; the next candidate
     * down was under a fifth, so the step is under 2.5 fifths: more than
     * 2 steps, at least 3 ticks */
    double raw = (hi - lo) / 5;
    double mag = pow(10, floor(log10(raw)));
    static const double mult[] = {1, 2, 5, 10};
    double step = mag * 10;
    for (int i = 0; i < 4; i++)
        if (mag * mult[i] >= raw) {
            step = mag * mult[i];
            break;
        }
    double first = floor(lo / step), last = ceil(hi / step);
    int count = (int)llround(last - first) + 1;
    TN_ASSERT(count >= 3 && count <= RES_CHART_MAX_TICKS);
    for (int i = 0; i < count; i++) {
        double t = (first + i) * step;
        ticks[i] = fabs(t) < step * 1e-9 ? 0 : t; /* no -0 */
    }
    if (step_out)
        *step_out = step;
    return count;
}

/* The text as a whole finite number, or false. */
static bool number(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*v);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The ratio of the largest to the smallest gap between sorted distinct
 * values (HUGE_VAL when a gap is 0). */
static double gap_spread(const double *v, size_t n)
{
    double lo = HUGE_VAL, hi = 0;
    for (size_t i = 1; i < n; i++) {
        double g = v[i] - v[i - 1];
        lo = g < lo ? g : lo;
        hi = g > hi ? g : hi;
    }
    return lo > 0 ? hi / lo : HUGE_VAL;
}

res_chart_xscale_t res_chart_x_layout(const char *const *x, size_t n, double *pos)
{
    double *v = tn_calloc(n + 1, sizeof *v), *sorted = tn_calloc(n + 1, sizeof *sorted);
    bool numeric = n >= 2;
    for (size_t i = 0; i < n && numeric; i++)
        numeric = number(x[i], &v[i]);
    res_chart_xscale_t scale = RES_CHART_X_CATEGORY;
    if (numeric) {
        memcpy(sorted, v, n * sizeof *v);
        qsort(sorted, n, sizeof *sorted, cmp_double);
        size_t m = 1; /* distinct values */
        for (size_t i = 1; i < n; i++)
            if (sorted[i] != sorted[m - 1])
                sorted[m++] = sorted[i];
        if (m < 2) {
            numeric = false;
        } else {
            scale = RES_CHART_X_LINEAR;
            if (sorted[0] > 0 && m >= 3) {
                double spread_lin = gap_spread(sorted, m);
                double *lg = tn_calloc(m, sizeof *lg);
                for (size_t i = 0; i < m; i++)
                    lg[i] = log(sorted[i]);
                if (gap_spread(lg, m) < spread_lin * (1 - 1e-9))
                    scale = RES_CHART_X_LOG;
                free(lg);
            }
            double lo = sorted[0], hi = sorted[m - 1];
            for (size_t i = 0; i < n; i++)
                pos[i] = scale == RES_CHART_X_LOG ? (log(v[i]) - log(lo)) / (log(hi) - log(lo))
                                                  : (v[i] - lo) / (hi - lo);
        }
    }
    if (!numeric) {
        scale = RES_CHART_X_CATEGORY;
        for (size_t i = 0; i < n; i++)
            pos[i] = n > 1 ? (double)i / (double)(n - 1) : 0.5;
    }
    free(v);
    free(sorted);
    return scale;
}

static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                      "#9467bd", "#8c564b", "#e377c2", "#17becf"};

static const char *color(size_t s)
{
    return s < 8 ? palette[s] : "#999999";
}

/* The y label with its unit: "iteration_s (s)". */
static void put_y_title(const res_chart_t *c, tn_text_t *h)
{
    tn_text_put_escaped(h, c->y_label, TN_ESC_HTML);
    if (c->y_unit && *c->y_unit) {
        tn_text_put(h, " (");
        tn_text_put_escaped(h, c->y_unit, TN_ESC_HTML);
        tn_text_put(h, ")");
    }
}

/* The index of the best value over all series as s * n_x + i, or -1. */
static long best_point(const res_chart_t *c)
{
    long best = -1;
    double bv = 0;
    if (!c->better)
        return -1;
    for (size_t s = 0; s < c->n_series; s++)
        for (size_t i = 0; i < c->n_x; i++) {
            double y = c->series[s].y[i];
            if (isnan(y) || (c->best_in && s + 1 != c->best_in))
                continue;
            if (best < 0 || (c->better > 0 ? y > bv : y < bv)) {
                best = (long)(s * c->n_x + i);
                bv = y;
            }
        }
    return best;
}

/* Indices of the x values in axis order (by position; ties by index). */
static size_t *axis_order(const double *pos, size_t n)
{
    size_t *o = tn_calloc(n + 1, sizeof *o);
    for (size_t i = 0; i < n; i++)
        o[i] = i;
    for (size_t i = 1; i < n; i++) /* insertion sort: stable, n is small */
        for (size_t j = i; j > 0 && pos[o[j - 1]] > pos[o[j]]; j--) {
            size_t t = o[j];
            o[j] = o[j - 1];
            o[j - 1] = t;
        }
    return o;
}

void res_chart_html(const res_chart_t *c, tn_text_t *h)
{
    const double W = 600, H = 280, L = 84, R = 24, T = 24, B = 62;
    const double pw = W - L - R, ph = H - T - B;
    char a[64], b[64];

    /* y range: the data, the reference lines, and 0 when bars or when 0
     * is near (the data span at least half of [0, max]) */
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (size_t s = 0; s < c->n_series; s++)
        for (size_t i = 0; i < c->n_x; i++) {
            double y = c->series[s].y[i];
            if (!isnan(y)) {
                lo = y < lo ? y : lo;
                hi = y > hi ? y : hi;
            }
        }
    for (size_t r = 0; r < c->n_refs; r++) {
        lo = c->refs[r].y < lo ? c->refs[r].y : lo;
        hi = c->refs[r].y > hi ? c->refs[r].y : hi;
    }
    tn_text_put(h, "<figure class=\"chart\"><figcaption>");
    tn_text_put_escaped(h, c->title, TN_ESC_HTML);
    tn_text_put(h, "</figcaption>\n");
    if (lo > hi) {
        tn_text_put(h, "<p class=\"note\">no run has this figure</p></figure>\n");
        return;
    }
    if (c->style == RES_CHART_BARS || (lo >= 0 && lo <= hi / 2))
        lo = lo < 0 ? lo : 0;
    if (hi <= 0 && (c->style == RES_CHART_BARS || hi >= lo / 2))
        hi = 0;
    double ticks[RES_CHART_MAX_TICKS];
    int nt = res_chart_ticks(lo, hi, ticks, NULL);
    double y0 = ticks[0], y1 = ticks[nt - 1];
    bool cut = y0 > 0 || y1 < 0; /* the axis leaves 0 out */
#define PY(v) (T + ph * (1 - ((v) - y0) / (y1 - y0)))

    double *pos = tn_calloc(c->n_x + 1, sizeof *pos);
    res_chart_xscale_t xs = c->x_categories ? RES_CHART_X_CATEGORY
                                            : res_chart_x_layout(c->x, c->n_x, pos);
    if (xs == RES_CHART_X_CATEGORY || c->style == RES_CHART_BARS) {
        /* categories (and bars) sit in the middle of equal bands */
        xs = RES_CHART_X_CATEGORY;
        for (size_t i = 0; i < c->n_x; i++)
            pos[i] = ((double)i + 0.5) / (double)c->n_x;
    } else {
        for (size_t i = 0; i < c->n_x; i++) /* inset so end points clear the axes */
            pos[i] = 0.05 + 0.9 * pos[i];
    }
    size_t *order = axis_order(pos, c->n_x);

    tn_text_put(h, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                   "viewBox=\"0 0 %.0f %.0f\" role=\"img\" font-family=\"sans-serif\" "
                   "font-size=\"11\">\n<title>",
                W, H, W, H);
    tn_text_put_escaped(h, c->title, TN_ESC_HTML);
    tn_text_put(h, "</title>\n");
    /* grid and y ticks */
    for (int t = 0; t < nt; t++) {
        double y = PY(ticks[t]);
        tn_text_put(h, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                       "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" class=\"ytick\">%s</text>\n",
                    L, y, W - R, y, L - 6, y + 4, res_chart_format(ticks[t], a, sizeof a));
    }
    /* axes */
    tn_text_put(h, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#444\"/>\n", L,
                T, L, T + ph);
    tn_text_put(h, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#444\"/>\n", L,
                T + ph, W - R, T + ph);
    if (cut) /* an axis break: two slashes across the y axis near its foot */
        tn_text_put(h, "<path d=\"M%.0f %.0f l10 -5 M%.0f %.0f l10 -5\" stroke=\"#444\" "
                       "stroke-width=\"1.5\" class=\"axis-break\"/>\n",
                    L - 5, T + ph - 4, L - 5, T + ph - 9);
    /* y title, rotated */
    tn_text_put(h, "<text transform=\"translate(14,%.0f) rotate(-90)\" text-anchor=\"middle\">",
                T + ph / 2);
    put_y_title(c, h);
    tn_text_put(h, "</text>\n");
    /* x ticks: each value at its place */
    for (size_t i = 0; i < c->n_x; i++) {
        double x = L + pw * pos[i];
        tn_text_put(h, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#444\"/>"
                       "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" class=\"xtick\">",
                    x, T + ph, x, T + ph + 4, x, T + ph + 16);
        double v;
        char *end;
        v = strtod(c->x[i], &end);
        if (xs != RES_CHART_X_CATEGORY && *end == '\0')
            tn_text_put(h, "%s", res_chart_format(v, b, sizeof b));
        else
            tn_text_put_escaped(h, c->x[i], TN_ESC_HTML);
        tn_text_put(h, "</text>\n");
    }
    /* x title: the key and how its values are spaced */
    tn_text_put(h, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" class=\"xtitle\">",
                L + pw / 2, H - 12);
    tn_text_put_escaped(h, c->x_label, TN_ESC_HTML);
    tn_text_put(h, "%s</text>\n", xs == RES_CHART_X_LOG      ? " (log scale: spaced by ratio)"
                                  : xs == RES_CHART_X_LINEAR ? " (linear scale: spaced by value)"
                                                             : " (categories, evenly spaced)");
    /* reference lines */
    for (size_t r = 0; r < c->n_refs; r++) {
        double y = PY(c->refs[r].y);
        tn_text_put(h, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#b00\" "
                       "stroke-dasharray=\"5,3\"/><text x=\"%.0f\" y=\"%.1f\" text-anchor=\"%s\" "
                       "fill=\"#b00\">",
                    L, y, W - R, y, r % 2 ? L + 4 : W - R - 2, r % 2 ? y + 12 : y - 3,
                    r % 2 ? "start" : "end"); /* alternate ends: close lines' labels apart */
        tn_text_put_escaped(h, c->refs[r].label, TN_ESC_HTML);
        tn_text_put(h, ": %s</text>\n", res_chart_format(c->refs[r].y, a, sizeof a));
    }
    /* series */
    double band = pw / (double)(c->n_x ? c->n_x : 1);
    double bw = band * 0.8 / (double)(c->n_series ? c->n_series : 1);
    long best = best_point(c);
    for (size_t s = 0; s < c->n_series; s++) {
        const double *ys = c->series[s].y;
        if (c->style == RES_CHART_LINES) {
            tn_text_put(h, "<polyline fill=\"none\" stroke=\"%s\" points=\"", color(s));
            for (size_t k = 0; k < c->n_x; k++) {
                size_t i = order[k];
                if (!isnan(ys[i]))
                    tn_text_put(h, "%.1f,%.1f ", L + pw * pos[i], PY(ys[i]));
            }
            tn_text_put(h, "\"/>\n");
        }
        for (size_t i = 0; i < c->n_x; i++) {
            if (isnan(ys[i]))
                continue;
            res_chart_format(ys[i], a, sizeof a);
            if (c->style == RES_CHART_BARS) {
                double x = L + band * (double)i + band * 0.1 + bw * (double)s;
                double top = PY(ys[i] > 0 ? ys[i] : 0), bot = PY(ys[i] > 0 ? 0 : ys[i]);
                tn_text_put(h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                               "fill=\"%s\"><title>%s</title></rect>\n",
                            x, top, bw, bot - top, color(s), a);
            } else {
                tn_text_put(h, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>",
                            L + pw * pos[i], PY(ys[i]), color(s));
                tn_text_put_escaped(h, c->series[s].name, TN_ESC_HTML);
                tn_text_put(h, ": %s</title></circle>\n", a);
            }
        }
    }
    if (best >= 0) {
        size_t s = (size_t)best / c->n_x, i = (size_t)best % c->n_x;
        double x = c->style == RES_CHART_BARS
                       ? L + band * (double)i + band * 0.1 + bw * ((double)s + 0.5)
                       : L + pw * pos[i];
        double y = PY(c->series[s].y[i]);
        tn_text_put(h, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"#000\" "
                       "stroke-width=\"1.5\" class=\"best\"/><text x=\"%.1f\" y=\"%.1f\" "
                       "text-anchor=\"middle\" font-weight=\"bold\">best: %s</text>\n",
                    x, y, x, y < T + 16 ? y + 20 : y - 10,
                    res_chart_format(c->series[s].y[i], a, sizeof a));
    }
    tn_text_put(h, "</svg>\n");
#undef PY
    if (cut)
        tn_text_put(h, "<p class=\"note\">y axis starts at %s, not 0 (the break mark on the axis), "
                       "to show the differences</p>\n",
                    res_chart_format(y0, a, sizeof a));
    if (c->n_series > 1 || c->n_refs) {
        tn_text_put(h, "<ul class=\"legend\">");
        for (size_t s = 0; s < c->n_series; s++) {
            tn_text_put(h, "<li><span style=\"color:%s\">&#9632;</span> ", color(s));
            tn_text_put_escaped(h, c->series[s].name, TN_ESC_HTML);
            tn_text_put(h, "</li>");
        }
        for (size_t r = 0; r < c->n_refs; r++) {
            tn_text_put(h, "<li><span style=\"color:#b00\">&#8212;</span> ");
            tn_text_put_escaped(h, c->refs[r].label, TN_ESC_HTML);
            tn_text_put(h, "</li>");
        }
        tn_text_put(h, "</ul>\n");
    }
    /* the values, in axis order */
    tn_text_put(h, "<table><tr><th>");
    tn_text_put_escaped(h, c->x_label, TN_ESC_HTML);
    tn_text_put(h, "</th>");
    if (c->x_detail)
        tn_text_put(h, "<th>detail</th>");
    for (size_t s = 0; s < c->n_series; s++) {
        tn_text_put(h, "<th>");
        tn_text_put_escaped(h, c->series[s].name, TN_ESC_HTML);
        if (c->y_unit && *c->y_unit) {
            tn_text_put(h, " (");
            tn_text_put_escaped(h, c->y_unit, TN_ESC_HTML);
            tn_text_put(h, ")");
        }
        tn_text_put(h, "</th>");
    }
    tn_text_put(h, "</tr>\n");
    for (size_t k = 0; k < c->n_x; k++) {
        size_t i = order[k];
        tn_text_put(h, "<tr><td>");
        tn_text_put_escaped(h, c->x[i], TN_ESC_HTML);
        tn_text_put(h, "</td>");
        if (c->x_detail) {
            tn_text_put(h, "<td>");
            tn_text_put_escaped(h, c->x_detail[i], TN_ESC_HTML);
            tn_text_put(h, "</td>");
        }
        for (size_t s = 0; s < c->n_series; s++) {
            bool is_best = best == (long)(s * c->n_x + i);
            tn_text_put(h, "<td%s>%s%s</td>", is_best ? " class=\"best\"" : "",
                        res_chart_format(c->series[s].y[i], a, sizeof a), is_best ? " (best)" : "");
        }
        tn_text_put(h, "</tr>\n");
    }
    tn_text_put(h, "</table></figure>\n");
    free(order);
    free(pos);
}
