/* results/study.c — a study's summary: the figures of each run's
 * report.json (run study) or goodput.json (goodput study), as a table in
 * CSV, Markdown and HTML, with charts. */
#include "results/study.h"

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_file.h"
#include "common/tn_json.h"
#include "common/tn_text.h"
#include "results/chart.h"

/* A headline figure: where it is in the run's JSON file, its column in
 * study.csv and study.html (and the charts' captions), its column in
 * study.md, which way is better (+1 larger, -1 smaller, 0 neither: an
 * input more than a result, with no best run) and its unit on the charts
 * ("" for a share or a ratio). */
typedef struct {
    const char *path; /* "key" or "key.sub" */
    const char *column, *md;
    int better;
    const char *unit;
} figure_t;

/* What a kind of study shows: its figures, in res_study_run_t.figure
 * order, and a text column (the note) beside them. */
typedef struct {
    const figure_t *figures;
    int n;
    const char *note_path, *note_column, *note_md, *note_html;
} kind_t;

static const figure_t run_figures[] = {
    /* iteration_s, as study.md and tensim compare name it */
    {"iteration_time_s", "iteration_s", "iteration_s", -1, "s"},
    {"tokens_per_s", "tokens_per_s", "tokens_per_s", 1, "tokens/s"},
    {"tflops_per_gpu", "tflops_per_gpu", "tflops_per_gpu", 1, "TFLOP/s"},
    {"mfu", "mfu", "mfu", 1, "share of peak"},
    /* energy/account.h's, in report.json's "energy" */
    {"energy.per_iteration.energy_kwh", "energy_kwh_per_iteration", "energy_kwh_per_iteration", -1,
     "kWh"},
    {"energy.per_iteration.cost_usd.total", "cost_usd_per_iteration", "cost_usd_per_iteration", -1,
     "USD"},
};

/* goodput.json's (results/goodput.c, res_goodput_json) */
static const figure_t goodput_figures[] = {
    /* study.md names them as study.csv does */
    {"time_to_train_days.mean", "time_to_train_days_mean", "time_to_train_days_mean", -1, "days"},
    {"time_to_train_days.p50", "time_to_train_days_p50", "time_to_train_days_p50", -1, "days"},
    {"time_to_train_days.p90", "time_to_train_days_p90", "time_to_train_days_p90", -1, "days"},
    {"ettr.simulated", "ettr", "ettr", 1, "share"},
    {"interval_min.used", "interval_min", "interval_min", 0, "min"},
    {"failures.mean_time_to_interrupt_h", "mean_time_to_interrupt_h", "mean_time_to_interrupt_h", 0,
     "h"},
    {"energy_mwh", "energy_mwh", "energy_mwh", -1, "MWh"},
    {"cost_usd.total", "cost_usd", "cost_usd", -1, "USD"},
};

#define N_OF(a) ((int)(sizeof(a) / sizeof(a)[0]))

static const kind_t kinds[] = {
    [RES_STUDY_RUN] = {run_figures, N_OF(run_figures), "bottleneck.verdict", "bottleneck",
                       "bottleneck", "bottleneck or reason"},
    [RES_STUDY_GOODPUT] = {goodput_figures, N_OF(goodput_figures), "interval_min.source",
                           "interval_source", "interval_source", "interval source or reason"},
};

_Static_assert(N_OF(run_figures) <= RES_STUDY_MAX_FIGURES &&
                   N_OF(goodput_figures) <= RES_STUDY_MAX_FIGURES,
               "res_study_run_t.figure holds every kind's figures");

static const char *const status_names[] = {"ok", "invalid", "failed"};

void res_study_init(res_study_t *s, res_study_kind_t kind, size_t n_keys,
                    const char *const *keys)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->n_keys = n_keys;
    s->keys = tn_calloc(n_keys + 1, sizeof *s->keys);
    for (size_t k = 0; k < n_keys; k++)
        s->keys[k] = tn_strdup(keys[k]);
}

void res_study_destroy(res_study_t *s)
{
    for (size_t i = 0; i < s->n_runs; i++) {
        res_study_run_t *r = &s->runs[i];
        for (size_t k = 0; k < s->n_keys; k++)
            free(r->values[k]);
        free(r->values);
        free(r->dir);
        free(r->reason);
        free(r->note);
    }
    free(s->runs);
    for (size_t k = 0; k < s->n_keys; k++)
        free(s->keys[k]);
    free(s->keys);
    memset(s, 0, sizeof *s);
}

int res_study_add(res_study_t *s, const char *const *values, const char *dir,
                  res_run_status_t status, const char *reason, const char *report_path,
                  tn_error_t *err)
{
    json_t *report = NULL;
    if (status == RES_RUN_OK && !(report = tn_json_load_file(report_path, err)))
        return -1;
    TN_GROW(s->runs, s->cap, s->n_runs + 1);
    res_study_run_t *r = &s->runs[s->n_runs++];
    memset(r, 0, sizeof *r);
    r->values = tn_calloc(s->n_keys + 1, sizeof *r->values);
    for (size_t k = 0; k < s->n_keys; k++)
        r->values[k] = tn_strdup(values[k]);
    r->dir = tn_strdup(dir);
    r->status = status;
    r->reason = reason ? tn_strdup(reason) : NULL;
    const kind_t *kd = &kinds[s->kind];
    for (int f = 0; f < RES_STUDY_MAX_FIGURES; f++) {
        const json_t *v = report && f < kd->n ? tn_json_at(report, kd->figures[f].path) : NULL;
        r->figure[f] = json_is_number(v) ? json_number_value(v) : NAN;
    }
    const json_t *note = report ? tn_json_at(report, kd->note_path) : NULL;
    r->note = json_is_string(note) ? tn_strdup(json_string_value(note)) : NULL;
    json_decref(report);
    return 0;
}

/* The run best at figure f, or -1 when no run has it. Ties: the first. */
static long best_run(const res_study_t *s, int f)
{
    int better = kinds[s->kind].figures[f].better;
    long best = -1;
    for (size_t i = 0; i < s->n_runs; i++) {
        double x = s->runs[i].figure[f];
        if (isnan(x))
            continue;
        double b = best >= 0 ? s->runs[best].figure[f] : 0;
        if (best < 0 || (better > 0 ? x > b : x < b))
            best = (long)i;
    }
    return best;
}

static void put_figure(tn_text_t *o, double x)
{
    if (!isnan(x))
        tn_text_put(o, "%.6g", x);
}

/* ---- study.html ---- */

/* The other keys' values of run i (all but key k), joined, for a series. */
static void series_name(const res_study_t *s, size_t i, size_t k, tn_text_t *o)
{
    bool first = true;
    for (size_t j = 0; j < s->n_keys; j++) {
        if (j == k)
            continue;
        tn_text_put(o, "%s%s=%s", first ? "" : ", ", s->keys[j], s->runs[i].values[j]);
        first = false;
    }
}

/* Figure f against key k (results/chart.h): the key's distinct values
 * along x, one line per combination of the other keys, in order of first
 * run. O(runs^2) at most. */
static void chart(const res_study_t *s, int f, size_t k, tn_text_t *h)
{
    const figure_t *fg = &kinds[s->kind].figures[f];
    size_t n = s->n_runs, nx = 0, ns = 0, have = 0;
    for (size_t i = 0; i < n; i++)
        have += !isnan(s->runs[i].figure[f]);
    if (!have) /* a figure no run has (the skeleton's tokens/s): no chart */
        return;
    const char **xs = tn_calloc(n + 1, sizeof *xs);
    size_t *xi = tn_calloc(n + 1, sizeof *xi), *si = tn_calloc(n + 1, sizeof *si);
    char **names = tn_calloc(n + 1, sizeof *names); /* per series */
    for (size_t i = 0; i < n; i++) {
        size_t x = 0;
        while (x < nx && strcmp(xs[x], s->runs[i].values[k]))
            x++;
        if (x == nx)
            xs[nx++] = s->runs[i].values[k];
        xi[i] = x;
        tn_text_t name = {0};
        series_name(s, i, k, &name);
        const char *nm = name.s ? name.s : fg->column; /* one key: one series, the figure */
        size_t j = 0;
        while (j < ns && strcmp(names[j], nm))
            j++;
        if (j == ns)
            names[ns++] = tn_strdup(nm);
        si[i] = j;
        free(name.s);
    }
    double *y = tn_calloc(ns * nx + 1, sizeof *y);
    for (size_t i = 0; i < ns * nx; i++)
        y[i] = NAN;
    for (size_t i = 0; i < n; i++)
        y[si[i] * nx + xi[i]] = s->runs[i].figure[f];
    res_chart_series_t *series = tn_calloc(ns + 1, sizeof *series);
    for (size_t j = 0; j < ns; j++)
        series[j] = (res_chart_series_t){.name = names[j], .y = y + j * nx};
    tn_text_t title = {0};
    tn_text_put(&title, "%s against %s", fg->column, s->keys[k]);
    res_chart_t c = {.title = title.s,
                     .x_label = s->keys[k],
                     .x = xs,
                     .n_x = nx,
                     .y_label = fg->column,
                     .y_unit = fg->unit,
                     .series = series,
                     .n_series = ns,
                     .style = RES_CHART_LINES,
                     .better = fg->better};
    res_chart_html(&c, h);
    free(title.s);
    free(series);
    free(y);
    for (size_t j = 0; j < ns; j++)
        free(names[j]);
    free(names);
    free(si);
    free(xi);
    free(xs);
}

static void write_html(const res_study_t *s, tn_text_t *h)
{
    const kind_t *kd = &kinds[s->kind];
    char num[64];
    tn_text_put(h, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tensim study"
                   "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:"
                   "collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
                   "%s</style></head><body>\n<h1>Study</h1>\n<table><tr>", res_chart_css);
    for (size_t k = 0; k < s->n_keys; k++) {
        tn_text_put(h, "<th>");
        tn_text_put_escaped(h, s->keys[k], TN_ESC_HTML);
        tn_text_put(h, "</th>");
    }
    tn_text_put(h, "<th>status</th>");
    for (int f = 0; f < kd->n; f++) {
        const figure_t *fg = &kd->figures[f];
        tn_text_put(h, "<th>%s%s%s%s</th>", fg->column, *fg->unit ? " (" : "", fg->unit,
                    *fg->unit ? ")" : "");
    }
    tn_text_put(h, "<th>%s</th></tr>\n", kd->note_html);
    for (size_t i = 0; i < s->n_runs; i++) {
        const res_study_run_t *r = &s->runs[i];
        tn_text_put(h, "<tr>");
        for (size_t k = 0; k < s->n_keys; k++) {
            tn_text_put(h, "<td>");
            tn_text_put_escaped(h, r->values[k], TN_ESC_HTML);
            tn_text_put(h, "</td>");
        }
        tn_text_put(h, "<td>%s</td>", status_names[r->status]);
        for (int f = 0; f < kd->n; f++) {
            if (isnan(r->figure[f]))
                tn_text_put(h, "<td></td>");
            else
                tn_text_put(h, "<td>%s</td>", res_chart_format(r->figure[f], num, sizeof num));
        }
        tn_text_put(h, "<td>");
        tn_text_put_escaped(h, r->status == RES_RUN_OK ? (r->note ? r->note : "")
                                                      : (r->reason ? r->reason : ""),
                            TN_ESC_HTML);
        tn_text_put(h, "</td></tr>\n");
    }
    tn_text_put(h, "</table>\n<h2>Figures against each varied key</h2>\n<p>One chart per figure "
                   "and varied key: the key's values along x (spaced by value, linear or log, when "
                   "they are numbers, as the axis says; else as categories), one line per "
                   "combination of the other keys, the best run ringed, the values in the table "
                   "under the chart. A y axis that does not start at 0 says so under the chart."
                   "</p>\n");
    for (int f = 0; f < kd->n; f++)
        for (size_t k = 0; k < s->n_keys; k++)
            chart(s, f, k, h);
    tn_text_put(h, "</body></html>\n");
}

int res_study_write(const res_study_t *s, const char *dir, tn_error_t *err)
{
    const kind_t *kd = &kinds[s->kind];
    tn_text_t csv = {0}, md = {0};
    for (size_t k = 0; k < s->n_keys; k++) {
        tn_text_put_escaped(&csv, s->keys[k], TN_ESC_CSV);
        tn_text_put(&csv, ",");
    }
    tn_text_put(&csv, "status,");
    for (int f = 0; f < kd->n; f++)
        tn_text_put(&csv, "%s,", kd->figures[f].column);
    tn_text_put(&csv, "%s,dir,reason\n", kd->note_column);

    tn_text_put(&md, "| ");
    for (size_t k = 0; k < s->n_keys; k++) {
        tn_text_put_escaped(&md, s->keys[k], TN_ESC_MARKDOWN);
        tn_text_put(&md, " | ");
    }
    tn_text_put(&md, "status | ");
    for (int f = 0; f < kd->n; f++)
        tn_text_put(&md, "%s | ", kd->figures[f].md);
    tn_text_put(&md, "%s |\n|", kd->note_md);
    for (size_t k = 0; k < s->n_keys + (size_t)kd->n + 2; k++)
        tn_text_put(&md, "---|");
    tn_text_put(&md, "\n");

    for (size_t i = 0; i < s->n_runs; i++) {
        const res_study_run_t *r = &s->runs[i];
        tn_text_put(&md, "| ");
        for (size_t k = 0; k < s->n_keys; k++) {
            tn_text_put_escaped(&csv, r->values[k], TN_ESC_CSV);
            tn_text_put(&csv, ",");
            tn_text_put_escaped(&md, r->values[k], TN_ESC_MARKDOWN);
            tn_text_put(&md, " | ");
        }
        tn_text_put(&csv, "%s,", status_names[r->status]);
        tn_text_put(&md, "%s | ", status_names[r->status]);
        for (int f = 0; f < kd->n; f++) {
            put_figure(&csv, r->figure[f]);
            tn_text_put(&csv, ",");
            if (isnan(r->figure[f]))
                tn_text_put(&md, "— | ");
            else
                tn_text_put(&md, "%.6g | ", r->figure[f]);
        }
        tn_text_put_escaped(&csv, r->note ? r->note : "", TN_ESC_CSV);
        tn_text_put(&csv, ",");
        tn_text_put_escaped(&csv, r->dir, TN_ESC_CSV);
        tn_text_put(&csv, ",");
        tn_text_put_escaped(&csv, r->reason ? r->reason : "", TN_ESC_CSV);
        tn_text_put(&csv, "\n");
        if (r->status == RES_RUN_OK)
            tn_text_put_escaped(&md, r->note ? r->note : "—", TN_ESC_MARKDOWN);
        else
            tn_text_put_escaped(&md, r->reason ? r->reason : "", TN_ESC_MARKDOWN);
        tn_text_put(&md, " |\n");
    }
    tn_text_put(&md, "\nBest run per figure:\n\n");
    for (int f = 0; f < kd->n; f++) {
        const figure_t *fg = &kd->figures[f];
        if (!fg->better)
            continue;
        long b = best_run(s, f);
        if (b < 0) {
            tn_text_put(&md, "- %s: no run has it\n", fg->column);
            continue;
        }
        tn_text_put(&md, "- %s: %.6g (%s), ", fg->column, s->runs[b].figure[f],
                    fg->better > 0 ? "highest" : "lowest");
        tn_text_put_escaped(&md, s->runs[b].dir, TN_ESC_MARKDOWN);
        tn_text_put(&md, "\n");
    }

    tn_text_t html = {0};
    write_html(s, &html);
    tn_outset_t os;
    tn_outset_init(&os);
    int rc = tn_outset_add_in(&os, dir, "study.csv", csv.s, csv.n, err) ||
                     tn_outset_add_in(&os, dir, "study.md", md.s, md.n, err) ||
                     tn_outset_add_in(&os, dir, "study.html", html.s, html.n, err) ||
                     tn_outset_commit(&os, err)
                 ? -1
                 : 0;
    free(html.s);
    tn_outset_destroy(&os); /* undoes everything unless committed */
    free(csv.s);
    free(md.s);
    return rc;
}
