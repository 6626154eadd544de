#include "results/compare.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "common/tn_json.h"
#include "common/tn_error.h"
#include "common/tn_text.h"
#include "results/chart.h"

void res_compare_init(res_compare_t *c)
{
    memset(c, 0, sizeof *c);
}

void res_compare_destroy(res_compare_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->rows[i].label);
        free(c->rows[i].scenario);
        free(c->rows[i].bottleneck);
        json_decref(c->rows[i].report);
    }
    free(c->rows);
    memset(c, 0, sizeof *c);
}

/* A number member or null (-1); anything else is an error. */
static int opt_number(const json_t *o, const char *key, const char *src, double *out,
                      tn_error_t *err)
{
    const json_t *v = json_object_get(o, key);
    *out = -1;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v))
        return tn_error_set(err, TN_EINPUT, "%s: %s: expected a number or null", src, key);
    *out = json_number_value(v);
    return 0;
}

int res_compare_add(res_compare_t *c, const char *label, const json_t *report, const char *src,
                    tn_error_t *err)
{
    if (!json_is_object(report))
        return tn_error_set(err, TN_EINPUT, "%s: expected a json object at the top", src);
    const json_t *sc = json_object_get(report, "scenario");
    const json_t *it = json_object_get(report, "iteration_time_s");
    const json_t *v = json_object_get(json_object_get(report, "bottleneck"), "verdict");
    if (!json_is_string(sc))
        return tn_error_set(err, TN_EINPUT, "%s: scenario: expected a string", src);
    if (!json_is_number(it) || !(json_number_value(it) > 0))
        return tn_error_set(err, TN_EINPUT, "%s: iteration_time_s: expected a positive number",
                            src);
    if (!json_is_string(v))
        return tn_error_set(err, TN_EINPUT,
                            "%s: bottleneck.verdict: expected a string (a report of this "
                            "tensim version)", src);
    res_compare_row_t r = {.iteration_s = json_number_value(it)};
    if (opt_number(report, "tokens_per_s", src, &r.tokens_per_s, err) ||
        opt_number(report, "mfu", src, &r.mfu, err))
        return -1;
    TN_GROW(c->rows, c->cap, c->n + 1);
    r.label = tn_strdup(label);
    r.scenario = tn_strdup(json_string_value(sc));
    r.bottleneck = tn_strdup(json_string_value(v));
    r.report = json_incref((json_t *)report);
    c->rows[c->n++] = r;
    return 0;
}

/* Writes the table with cells separated by `sep`, optional cells (null in
 * the report) as `none`, and the Markdown rule after the header when md. */
static char *table(const res_compare_t *c, bool md)
{
    tn_text_t b = {0};
    const char *sep = md ? " | " : ",", *open = md ? "| " : "", *close = md ? " |\n" : "\n";
    const char *none = md ? "—" : "";
    tn_text_put(&b, "%srun%sscenario%siteration_s%sspeedup%stokens_per_s%sthroughput_ratio%smfu%s"
            "energy_kwh_per_iteration%scost_usd_per_iteration%sbottleneck%s",
        open, sep, sep, sep, sep, sep, sep, sep, sep, sep, close);
    if (md)
        tn_text_put(&b, "|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    const res_compare_row_t *f = c->n ? &c->rows[0] : NULL;
    for (size_t i = 0; i < c->n; i++) {
        const res_compare_row_t *r = &c->rows[i];
        tn_text_put(&b, "%s", open);
        tn_text_put_escaped(&b, r->label, md ? TN_ESC_MARKDOWN : TN_ESC_CSV);
        tn_text_put(&b, "%s", sep);
        tn_text_put_escaped(&b, r->scenario, md ? TN_ESC_MARKDOWN : TN_ESC_CSV);
        /* the Markdown table is read by people and rounds; the CSV is
         * read by tools and keeps every digit report.json has */
        const char *g = md ? "%.6g" : "%.15g", *ratio = md ? "%.4f" : "%.15g",
                   *mfu = md ? "%.3f" : "%.15g";
        tn_text_put(&b, "%s", sep);
        tn_text_put(&b, g, r->iteration_s);
        tn_text_put(&b, "%s", sep);
        tn_text_put(&b, ratio, f->iteration_s / r->iteration_s);
        tn_text_put(&b, "%s", sep);
        if (r->tokens_per_s >= 0)
            tn_text_put(&b, g, r->tokens_per_s);
        else
            tn_text_put(&b, "%s", none);
        tn_text_put(&b, "%s", sep);
        if (r->tokens_per_s > 0 && f->tokens_per_s > 0)
            tn_text_put(&b, ratio, r->tokens_per_s / f->tokens_per_s);
        else
            tn_text_put(&b, "%s", none);
        tn_text_put(&b, "%s", sep);
        if (r->mfu >= 0)
            tn_text_put(&b, mfu, r->mfu);
        else
            tn_text_put(&b, "%s", none);
        /* energy/account.h's, when the report has them */
        static const char *const money[] = {"energy.per_iteration.energy_kwh",
                                            "energy.per_iteration.cost_usd.total"};
        for (int k = 0; k < 2; k++) {
            const json_t *v = tn_json_at(r->report, money[k]);
            tn_text_put(&b, "%s", sep);
            if (json_is_number(v))
                tn_text_put(&b, g, json_number_value(v));
            else
                tn_text_put(&b, "%s", none);
        }
        tn_text_put(&b, "%s", sep);
        tn_text_put_escaped(&b, r->bottleneck, md ? TN_ESC_MARKDOWN : TN_ESC_CSV);
        tn_text_put(&b, "%s", close);
    }
    return b.s;
}

char *res_compare_markdown(const res_compare_t *c)
{
    return table(c, true);
}

char *res_compare_csv(const res_compare_t *c)
{
    return table(c, false);
}

/* ---- the side-by-side page ---- */

/* A number at path, or NAN when it is missing or not a number. */
static double num_at(const json_t *o, const char *path)
{
    const json_t *v = tn_json_at(o, path);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char none_html[] = "—";

static void put_num(tn_text_t *h, double v, const char *suffix)
{
    char buf[64];
    if (isnan(v))
        tn_text_put(h, "%s", none_html);
    else
        tn_text_put(h, "%s%s", res_chart_format(v, buf, sizeof buf), suffix);
}

static void put_esc(tn_text_t *h, const char *s)
{
    tn_text_put_escaped(h, s, TN_ESC_HTML);
}

/* A json value as cell text: a string escaped, a number in plain notation,
 * anything else the dash. */
static void put_value(tn_text_t *h, const json_t *v)
{
    if (json_is_string(v))
        put_esc(h, json_string_value(v));
    else if (json_is_number(v))
        put_num(h, json_number_value(v), "");
    else
        tn_text_put(h, "%s", none_html);
}

static void row_head(tn_text_t *h, const char *name, const char *detail)
{
    tn_text_put(h, "<tr><th>");
    put_esc(h, name);
    if (detail) {
        tn_text_put(h, "<br><small>");
        put_esc(h, detail);
        tn_text_put(h, "</small>");
    }
    tn_text_put(h, "</th>");
}

/* A row of one value per run, each at the same path of its report. */
static void value_row(const res_compare_t *c, tn_text_t *h, const char *name, const char *path)
{
    row_head(h, name, NULL);
    for (size_t i = 0; i < c->n; i++) {
        tn_text_put(h, "<td>");
        put_value(h, tn_json_at(c->rows[i].report, path));
        tn_text_put(h, "</td>");
    }
    tn_text_put(h, "</tr>\n");
}

/* The table's head: one column per run, named by its label. */
static void table_head(const res_compare_t *c, tn_text_t *h, const char *cls)
{
    tn_text_put(h, "<table class=\"%s\"><tr><th></th>", cls);
    for (size_t i = 0; i < c->n; i++) {
        tn_text_put(h, "<th class=\"run\">");
        put_esc(h, c->rows[i].label);
        tn_text_put(h, "</th>");
    }
    tn_text_put(h, "</tr>\n");
}

/* The member names of the object at path, over every run, in the order
 * first seen; a malloc'ed array of borrowed strings, its count in *n. */
static const char **key_union(const res_compare_t *c, const char *path, size_t *n)
{
    const char **keys = NULL;
    size_t cap = 0;
    *n = 0;
    for (size_t i = 0; i < c->n; i++) {
        const json_t *o = tn_json_at(c->rows[i].report, path);
        const char *k;
        const json_t *v;
        if (!json_is_object(o))
            continue;
        json_object_foreach((json_t *)o, k, v) {
            size_t j = 0;
            while (j < *n && strcmp(keys[j], k))
                j++;
            if (j == *n) {
                TN_GROW(keys, cap, *n + 1);
                keys[(*n)++] = k;
            }
        }
    }
    return keys;
}

/* One row per member of the object at path (over every run), named
 * "prefix: member". */
static void object_rows(const res_compare_t *c, tn_text_t *h, const char *prefix, const char *path)
{
    size_t n;
    const char **keys = key_union(c, path, &n);
    for (size_t k = 0; k < n; k++) {
        tn_text_t name = {0};
        tn_text_put(&name, "%s: %s", prefix, keys[k]);
        row_head(h, name.s, NULL);
        free(name.s);
        for (size_t i = 0; i < c->n; i++) {
            tn_text_put(h, "<td>");
            put_value(h, json_object_get(tn_json_at(c->rows[i].report, path), keys[k]));
            tn_text_put(h, "</td>");
        }
        tn_text_put(h, "</tr>\n");
    }
    free(keys);
}

/* The layout in one line: "tp 4 · pp 2 · dp 2, microbatch 1, global batch
 * 16, 1f1b". */
static void put_layout(tn_text_t *h, const json_t *l)
{
    if (!json_is_object(l)) {
        tn_text_put(h, "%s", none_html);
        return;
    }
    tn_text_put(h, "tp ");
    put_value(h, json_object_get(l, "tp"));
    tn_text_put(h, " · pp ");
    put_value(h, json_object_get(l, "pp"));
    tn_text_put(h, " · dp ");
    put_value(h, json_object_get(l, "dp"));
    tn_text_put(h, ", microbatch ");
    put_value(h, json_object_get(l, "microbatch"));
    tn_text_put(h, ", global batch ");
    put_value(h, json_object_get(l, "global_batch"));
    tn_text_put(h, ", ");
    put_value(h, json_object_get(l, "schedule"));
}

static void identity(const res_compare_t *c, tn_text_t *h)
{
    tn_text_put(h, "<h2>What was run</h2>\n");
    table_head(c, h, "cmp identity");
    value_row(c, h, "scenario", "scenario");
    value_row(c, h, "fabric", "run.fabric.kind");
    value_row(c, h, "fabric preset", "run.fabric.preset");
    value_row(c, h, "GPUs", "gpus");
    value_row(c, h, "GPU model", "run.workload.gpu");
    value_row(c, h, "workload source", "run.workload.source");
    value_row(c, h, "model", "run.workload.model");
    value_row(c, h, "parameters", "run.workload.parameters");
    row_head(h, "layout", NULL);
    for (size_t i = 0; i < c->n; i++) {
        tn_text_put(h, "<td>");
        put_layout(h, tn_json_at(c->rows[i].report, "run.layout"));
        tn_text_put(h, "</td>");
    }
    tn_text_put(h, "</tr>\n");
    value_row(c, h, "network model", "run.network_model");
    value_row(c, h, "collective algorithm", "run.collectives.algorithm");
    value_row(c, h, "collective protocol", "run.collectives.protocol");
    value_row(c, h, "bottleneck", "bottleneck.verdict");
    tn_text_put(h, "</table>\n");
}

/* A connection's name: "gpu_server → leaf (host)". */
static void connection_name(const json_t *k, tn_text_t *t)
{
    const json_t *f = json_object_get(k, "from"), *to = json_object_get(k, "to"),
                 *tier = json_object_get(k, "tier");
    tn_text_put(t, "%s → %s (%s)", json_is_string(f) ? json_string_value(f) : "?",
                json_is_string(to) ? json_string_value(to) : "?",
                json_is_string(tier) ? json_string_value(tier) : "?");
}

static void inventory(const res_compare_t *c, tn_text_t *h)
{
    tn_text_put(h, "<h2>Each fabric's inventory</h2>\n<p>From each report's "
                   "<code>run.fabric</code>: servers, what each GPU server holds, switches and "
                   "their radix (ports used) by kind, oversubscription by tier, cables by tier, "
                   "and the connections between kinds of node (cables × rate).</p>\n");
    table_head(c, h, "cmp inventory");
    value_row(c, h, "servers", "run.fabric.servers");
    value_row(c, h, "GPU servers", "run.fabric.gpu_servers");
    value_row(c, h, "GPUs", "run.fabric.gpus");
    value_row(c, h, "bisection (Gbps, one direction)", "run.fabric.bisection_gbps");
    object_rows(c, h, "per GPU server", "run.fabric.per_gpu_server");
    object_rows(c, h, "switches", "run.fabric.switches");
    object_rows(c, h, "radix", "run.fabric.radix");
    object_rows(c, h, "oversubscription", "run.fabric.oversubscription");
    object_rows(c, h, "cables", "run.fabric.cables");
    /* the connections: one row per (from, to, tier) over every run */
    tn_text_t *names = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < c->n; i++) {
        const json_t *a = tn_json_at(c->rows[i].report, "run.fabric.connections"), *k;
        size_t j;
        json_array_foreach(a, j, k) {
            tn_text_t t = {0};
            connection_name(k, &t);
            size_t m = 0;
            while (m < n && strcmp(names[m].s, t.s))
                m++;
            if (m == n) {
                TN_GROW(names, cap, n + 1);
                names[n++] = t;
            } else {
                free(t.s);
            }
        }
    }
    for (size_t m = 0; m < n; m++) {
        row_head(h, "connection", names[m].s);
        for (size_t i = 0; i < c->n; i++) {
            const json_t *a = tn_json_at(c->rows[i].report, "run.fabric.connections"), *k;
            size_t j;
            double cables = 0, gbps = NAN;
            json_array_foreach(a, j, k) {
                tn_text_t t = {0};
                connection_name(k, &t);
                if (!strcmp(t.s, names[m].s)) {
                    cables += num_at(k, "cables");
                    gbps = num_at(k, "gbps");
                }
                free(t.s);
            }
            tn_text_put(h, "<td>");
            if (isnan(gbps)) {
                tn_text_put(h, "%s", none_html);
            } else {
                put_num(h, cables, " × ");
                put_num(h, gbps, " Gbps");
            }
            tn_text_put(h, "</td>");
        }
        tn_text_put(h, "</tr>\n");
        free(names[m].s);
    }
    free(names);
    tn_text_put(h, "</table>\n");
}

/* A figure's row and its ratio row against the first run: this over the
 * first's when `inverse` is false, the first's over this when true (a
 * time: a speedup). */
static void figure_rows(const res_compare_t *c, tn_text_t *h, const char *name, const char *unit,
                        const char *path, double scale, const char *ratio_name, bool inverse)
{
    row_head(h, name, NULL);
    double first = num_at(c->rows[0].report, path) * scale;
    for (size_t i = 0; i < c->n; i++) {
        tn_text_put(h, "<td>");
        put_num(h, num_at(c->rows[i].report, path) * scale, unit);
        tn_text_put(h, "</td>");
    }
    tn_text_put(h, "</tr>\n");
    if (!ratio_name)
        return;
    tn_text_put(h, "<tr class=\"ratio\"><th>");
    put_esc(h, ratio_name);
    tn_text_put(h, "</th>");
    for (size_t i = 0; i < c->n; i++) {
        double v = num_at(c->rows[i].report, path) * scale;
        double r = inverse ? first / v : v / first;
        tn_text_put(h, "<td>");
        put_num(h, first > 0 && v > 0 ? r : NAN, "");
        tn_text_put(h, "</td>");
    }
    tn_text_put(h, "</tr>\n");
}

static void headline(const res_compare_t *c, tn_text_t *h)
{
    tn_text_put(h, "<h2>Headline figures</h2>\n<p>Ratios are against the first run (the "
                   "left column), above 1 when this run is better: the speedup is the first "
                   "run's iteration time over this one's, the others this run's figure over "
                   "the first's.</p>\n");
    table_head(c, h, "cmp headline");
    figure_rows(c, h, "iteration", " s", "iteration_time_s", 1, "speedup vs first", true);
    figure_rows(c, h, "tokens/s", "", "tokens_per_s", 1, "tokens/s vs first", false);
    figure_rows(c, h, "TFLOP/s per GPU", "", "tflops_per_gpu", 1, "TFLOP/s per GPU vs first",
                false);
    figure_rows(c, h, "MFU", "%", "mfu", 100, "MFU vs first", false);
    figure_rows(c, h, "memory per GPU", " GiB", "memory_per_gpu.total_bytes",
                1.0 / 1073741824.0, NULL, false);
    /* energy/account.h's: the whole machine's power, energy and money */
    figure_rows(c, h, "facility power", " kW", "energy.power_w.facility", 1e-3, NULL, false);
    figure_rows(c, h, "energy per iteration", " kWh", "energy.per_iteration.energy_kwh", 1,
                "energy vs first (first over this)", true);
    figure_rows(c, h, "cost per iteration", " USD", "energy.per_iteration.cost_usd.total", 1,
                "cost vs first (first over this)", true);
    figure_rows(c, h, "failure-free training", " days", "energy.training.days", 1, NULL, false);
    figure_rows(c, h, "energy of the training", " MWh", "energy.training.energy_mwh", 1, NULL,
                false);
    figure_rows(c, h, "cost of the training", " USD", "energy.training.cost_usd.total", 1, NULL,
                false);
    tn_text_put(h, "</table>\n");
}

/* The parts of an iteration, as report.json's breakdown names them. */
static const struct {
    const char *key, *name, *brief; /* brief: the chart's x label */
} parts[] = {
    {"compute", "compute", "compute"},
    {"exposed_communication", "exposed communication", "exposed"},
    {"waiting_for_peers", "waiting for peers", "waiting"},
    {"idle", "idle", "idle"},
    {"finished_early", "finished early", "early"},
};
#define N_PARTS (sizeof parts / sizeof parts[0])

/* Series names for the charts: each run's label. */
static const char **labels(const res_compare_t *c)
{
    const char **l = tn_calloc(c->n + 1, sizeof *l);
    for (size_t i = 0; i < c->n; i++)
        l[i] = c->rows[i].label;
    return l;
}

/* One bar chart of n_x categories, a series (bar) per run: y[i n_x + k]
 * is run i's value at category k. */
static void runs_bars(const res_compare_t *c, tn_text_t *h, const char *title,
                      const char *x_label, const char *const *xs, const char *const *detail,
                      size_t n_x, const char *y_label, const char *y_unit, const double *y)
{
    const char **l = labels(c);
    res_chart_series_t *series = tn_calloc(c->n + 1, sizeof *series);
    for (size_t i = 0; i < c->n; i++)
        series[i] = (res_chart_series_t){.name = l[i], .y = y + i * n_x};
    res_chart_t ch = {.title = title,
                      .x_label = x_label,
                      .x = xs,
                      .x_detail = detail,
                      .n_x = n_x,
                      .x_categories = true,
                      .y_label = y_label,
                      .y_unit = y_unit,
                      .series = series,
                      .n_series = c->n,
                      .style = RES_CHART_BARS};
    res_chart_html(&ch, h);
    free(series);
    free(l);
}

static void breakdown(const res_compare_t *c, tn_text_t *h)
{
    tn_text_put(h, "<h2>Where each run's time goes</h2>\n<p>The mean rank's iteration split "
                   "into compute, communication left exposed (not hidden behind compute), "
                   "waiting for peers, idle and finishing early: each part's share of the run "
                   "and its seconds, then the exposed communication and the waiting by "
                   "communicator.</p>\n");
    table_head(c, h, "cmp breakdown");
    char path[128];
    double *y = tn_calloc(c->n * N_PARTS + 1, sizeof *y);
    for (size_t p = 0; p < N_PARTS; p++) {
        row_head(h, parts[p].name, NULL);
        for (size_t i = 0; i < c->n; i++) {
            const json_t *r = c->rows[i].report;
            snprintf(path, sizeof path, "breakdown.%s_share", parts[p].key);
            double share = num_at(r, path);
            snprintf(path, sizeof path, "breakdown.%s_s", parts[p].key);
            double sec = num_at(r, path);
            y[i * N_PARTS + p] = sec;
            tn_text_put(h, "<td>");
            put_num(h, share * 100, "%");
            tn_text_put(h, " · ");
            put_num(h, sec, " s");
            tn_text_put(h, "</td>");
        }
        tn_text_put(h, "</tr>\n");
    }
    static const char *const by[][2] = {{"exposed", "exposed_by_communicator"},
                                        {"waiting", "waiting_by_communicator"}};
    for (size_t b = 0; b < 2; b++) {
        snprintf(path, sizeof path, "breakdown.%s_s", by[b][1]);
        size_t n;
        const char **keys = key_union(c, path, &n);
        for (size_t k = 0; k < n; k++) {
            tn_text_t name = {0};
            tn_text_put(&name, "%s: %s", by[b][0], keys[k]);
            row_head(h, name.s, NULL);
            free(name.s);
            for (size_t i = 0; i < c->n; i++) {
                const json_t *r = c->rows[i].report;
                snprintf(path, sizeof path, "breakdown.%s_share", by[b][1]);
                double share = num_at(json_object_get(tn_json_at(r, path), keys[k]), "");
                snprintf(path, sizeof path, "breakdown.%s_s", by[b][1]);
                double sec = num_at(json_object_get(tn_json_at(r, path), keys[k]), "");
                tn_text_put(h, "<td>");
                put_num(h, share * 100, "%");
                tn_text_put(h, " · ");
                put_num(h, sec, " s");
                tn_text_put(h, "</td>");
            }
            tn_text_put(h, "</tr>\n");
        }
        free(keys);
    }
    tn_text_put(h, "</table>\n");
    const char *xs[N_PARTS], *detail[N_PARTS];
    for (size_t p = 0; p < N_PARTS; p++) {
        xs[p] = parts[p].brief;
        detail[p] = parts[p].name;
    }
    runs_bars(c, h, "Time per part of the iteration, by run", "part of the iteration", xs,
              detail, N_PARTS, "time", "s", y);
    free(y);
}

static void tiers(const res_compare_t *c, tn_text_t *h)
{
    size_t n;
    const char **keys = key_union(c, "tiers", &n);
    tn_text_put(h, "<h2>Utilization per tier</h2>\n<p>Each tier's links: mean and maximum "
                   "utilization over the run, how many links and their total capacity; "
                   "the tier's meaning under its name.</p>\n");
    table_head(c, h, "cmp tiers");
    double *y = tn_calloc(c->n * n + 1, sizeof *y);
    const char **detail = tn_calloc(n + 1, sizeof *detail);
    for (size_t k = 0; k < n; k++) {
        const char *meaning = NULL;
        for (size_t i = 0; i < c->n && !meaning; i++) {
            const json_t *m = json_object_get(json_object_get(tn_json_at(c->rows[i].report, "tiers"),
                                                              keys[k]), "meaning");
            meaning = json_is_string(m) ? json_string_value(m) : NULL;
        }
        detail[k] = meaning ? meaning : keys[k];
        row_head(h, keys[k], meaning);
        for (size_t i = 0; i < c->n; i++) {
            const json_t *t = json_object_get(tn_json_at(c->rows[i].report, "tiers"), keys[k]);
            y[i * n + k] = num_at(t, "mean_utilization") * 100;
            tn_text_put(h, "<td>");
            if (!t) {
                tn_text_put(h, "%s", none_html);
            } else {
                tn_text_put(h, "mean ");
                put_num(h, num_at(t, "mean_utilization") * 100, "%");
                tn_text_put(h, " · max ");
                put_num(h, num_at(t, "max_utilization") * 100, "%");
                tn_text_put(h, "<br>");
                put_num(h, num_at(t, "links"), " links, ");
                put_num(h, num_at(t, "capacity_gbps"), " Gbps");
            }
            tn_text_put(h, "</td>");
        }
        tn_text_put(h, "</tr>\n");
    }
    tn_text_put(h, "</table>\n");
    if (n)
        runs_bars(c, h, "Mean utilization per tier, by run", "tier", keys, detail, n,
                  "mean utilization", "%", y);
    free(detail);
    free(y);
    free(keys);
}

char *res_compare_html(const res_compare_t *c)
{
    tn_text_t h = {0};
    tn_text_put(&h, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tensim compare"
                    "</title>\n<style>body{font-family:sans-serif;margin:2em}"
                    "table.cmp{border-collapse:collapse;margin:0.5em 0}"
                    "table.cmp td,table.cmp th{border:1px solid #ccc;padding:2px 6px;"
                    "vertical-align:top}table.cmp td{text-align:right}"
                    "table.cmp th{text-align:left}table.cmp tr.ratio td{color:#444}"
                    "table.cmp small{font-weight:normal;color:#555}%s</style></head><body>\n"
                    "<h1>Compare %zu runs</h1>\n<p>One column per run, in the order given; "
                    "everything comes from each run's <code>report.json</code>. A dash: the "
                    "report has no such figure (a trace has no MFU, a fabric no such part).</p>\n",
                res_chart_css, c->n);
    if (c->n) {
        identity(c, &h);
        inventory(c, &h);
        headline(c, &h);
        breakdown(c, &h);
        tiers(c, &h);
    }
    tn_text_put(&h, "</body></html>\n");
    return h.s;
}
