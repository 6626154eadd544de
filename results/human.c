#include "results/human.h"
#include "results/goodput.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/tn_text.h"

static double num(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* A figure of the report, or a dash when it is null. */
static void fig(tn_text_t *t, const json_t *o, const char *key, const char *fmt)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_number(v))
        tn_text_put(t, fmt, json_number_value(v));
    else
        tn_text_put(t, "—");
}

/* The breakdown's parts in order: label, share. Exposed and waiting come
 * per communicator. Returns how many (at most cap). */
typedef struct {
    char label[96];
    double share;
} part_t;

/* Appends a part named `what` (and `whose`, when not NULL) to p[*n]. */
static void add_part(part_t *p, size_t *n, size_t cap, double share, const char *what,
                     const char *whose)
{
    if (*n >= cap)
        return;
    snprintf(p[*n].label, sizeof p[*n].label, "%s%s%s", what, whose ? " " : "",
             whose ? whose : "");
    p[(*n)++].share = share;
}

static size_t parts(const json_t *b, part_t *p, size_t cap)
{
    size_t n = 0;
    const char *k;
    json_t *v;
    add_part(p, &n, cap, num(b, "compute_share"), "compute", NULL);
    json_object_foreach(json_object_get(b, "exposed_by_communicator_share"), k, v)
        add_part(p, &n, cap, json_number_value(v), "exposed", k);
    json_object_foreach(json_object_get(b, "waiting_by_communicator_share"), k, v)
        add_part(p, &n, cap, json_number_value(v), "waiting", k);
    add_part(p, &n, cap, num(b, "idle_share"), "idle", NULL);
    add_part(p, &n, cap, num(b, "finished_early_share"), "finished early", NULL);
    return n;
}

static void headline(tn_text_t *t, const json_t *r, bool html)
{
    const json_t *bn = json_object_get(r, "bottleneck");
    static const char *const names[] = {"iteration (s)", "tokens/s", "samples/s",
                                        "TFLOP/s per GPU", "MFU", "GPUs used / in the fabric"};
    static const char *const keys[] = {"iteration_time_s", "tokens_per_s", "samples_per_s",
                                       "tflops_per_gpu", "mfu"};
    static const char *const fmts[] = {"%.6g", "%.0f", "%.1f", "%.1f", "%.3f"};
    for (int i = 0; i < 6; i++) {
        tn_text_put(t, html ? "<tr><th>%s</th><td>" : "| %s | ", names[i]);
        if (i < 5)
            fig(t, r, keys[i], fmts[i]);
        else
            tn_text_put(t, "%.0f / %.0f", num(r, "ranks"), num(r, "gpus"));
        tn_text_put(t, html ? "</td></tr>\n" : " |\n");
    }
    tn_text_put(t, html ? "<tr><th>bottleneck</th><td><b>" : "| bottleneck | **");
    tn_text_put_escaped(t, str(bn, "verdict"), html ? TN_ESC_HTML : TN_ESC_MARKDOWN);
    tn_text_put(t, html ? "</b>: " : "**: ");
    tn_text_put_escaped(t, str(bn, "evidence"), html ? TN_ESC_HTML : TN_ESC_MARKDOWN);
    tn_text_put(t, html ? "</td></tr>\n" : " |\n");
}

char *res_report_markdown(const json_t *r)
{
    tn_text_t t = {0};
    tn_text_put(&t, "# tensim report: ");
    tn_text_put_escaped(&t, str(r, "scenario"), TN_ESC_MARKDOWN);
    tn_text_put(&t, "\n\n| figure | value |\n|---|---:|\n");
    headline(&t, r, false);

    part_t p[64];
    size_t n = parts(json_object_get(r, "breakdown"), p, 64);
    tn_text_put(&t, "\n## Where the time went\n\nShares of the run, averaged over ranks "
                    "(report.json `breakdown`).\n\n| part | share |\n|---|---:|\n");
    for (size_t i = 0; i < n; i++) {
        tn_text_put(&t, "| ");
        tn_text_put_escaped(&t, p[i].label, TN_ESC_MARKDOWN);
        tn_text_put(&t, " | %.1f%% |\n", 100 * p[i].share);
    }

    const char *k;
    json_t *v;
    tn_text_put(&t, "\n## Network tiers\n\n| tier | links | capacity (Gbps) | bytes | mean "
                    "utilization | max utilization |\n|---|---:|---:|---:|---:|---:|\n");
    json_object_foreach(json_object_get(r, "tiers"), k, v)
        tn_text_put(&t, "| %s | %.0f | %.6g | %.6g | %.1f%% | %.1f%% |\n", k, num(v, "links"),
                    num(v, "capacity_gbps"), num(v, "bytes"), 100 * num(v, "mean_utilization"),
                    100 * num(v, "max_utilization"));
    tn_text_put(&t, "\n## Busiest links\n\n| from | to | tier | capacity (Gbps) | utilization | "
                    "bytes |\n|---|---|---|---:|---:|---:|\n");
    size_t i;
    json_array_foreach(json_object_get(r, "top_links"), i, v) {
        tn_text_put(&t, "| ");
        tn_text_put_escaped(&t, str(v, "from"), TN_ESC_MARKDOWN);
        tn_text_put(&t, " | ");
        tn_text_put_escaped(&t, str(v, "to"), TN_ESC_MARKDOWN);
        tn_text_put(&t, " | %s | %.6g | %.1f%% | %.6g |\n", str(v, "tier"), num(v, "capacity_gbps"),
                    100 * num(v, "utilization"), num(v, "bytes"));
    }
    return t.s;
}

/* Colours for the breakdown's parts, by kind. */
static const char *colour(const char *label, size_t i)
{
    static const char *const exposed[] = {"#d62728", "#ff7f0e", "#e377c2", "#8c564b"};
    static const char *const waiting[] = {"#9467bd", "#bcbd22", "#17becf", "#7f7f7f"};
    if (!strcmp(label, "compute"))
        return "#2ca02c";
    if (!strncmp(label, "exposed", 7))
        return exposed[i % 4];
    if (!strncmp(label, "waiting", 7))
        return waiting[i % 4];
    return !strcmp(label, "idle") ? "#c7c7c7" : "#aec7e8";
}

/* One horizontal bar chart: a row per item, label, bar of value x width,
 * the value in per cent. */
static void bars(tn_text_t *t, const char *const *labels, const double *vals, size_t n,
                 const char *fill)
{
    int row = 22, label_w = 260;
    tn_text_put(t, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\" "
                   "font-family=\"sans-serif\" font-size=\"12\">\n",
                label_w + RES_CHART_WIDTH + 70, n * (size_t)row + 4);
    for (size_t i = 0; i < n; i++) {
        double w = vals[i] * RES_CHART_WIDTH;
        int y = (int)i * row;
        tn_text_put(t, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 6, y + 15);
        tn_text_put_escaped(t, labels[i], TN_ESC_HTML);
        tn_text_put(t, "</text><rect x=\"%d\" y=\"%d\" width=\"%.2f\" height=\"16\" fill=\"%s\"/>"
                       "<text x=\"%.2f\" y=\"%d\">%.1f%%</text>\n",
                    label_w, y + 3, w, fill, label_w + w + 4, y + 15, 100 * vals[i]);
    }
    tn_text_put(t, "</svg>\n");
}

char *res_report_html(const json_t *r)
{
    tn_text_t t = {0};
    tn_text_put(&t, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<title>tensim report: ");
    tn_text_put_escaped(&t, str(r, "scenario"), TN_ESC_HTML);
    tn_text_put(&t, "</title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}"
                    "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px;"
                    "text-align:left}</style></head><body>\n<h1>tensim report: ");
    tn_text_put_escaped(&t, str(r, "scenario"), TN_ESC_HTML);
    tn_text_put(&t, "</h1>\n<table>\n");
    headline(&t, r, true);
    tn_text_put(&t, "</table>\n");

    /* the breakdown: one stacked bar of the run, then a legend */
    part_t p[64];
    size_t n = parts(json_object_get(r, "breakdown"), p, 64);
    tn_text_put(&t, "<h2>Where the time went</h2>\n<p>Shares of the run, averaged over ranks.</p>\n"
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\" "
                    "font-family=\"sans-serif\" font-size=\"12\" id=\"breakdown\">\n",
                RES_CHART_WIDTH + 20, 40 + 20 * n);
    double x = 0;
    for (size_t i = 0; i < n; i++) {
        double w = p[i].share * RES_CHART_WIDTH;
        tn_text_put(&t, "<rect class=\"part\" x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"28\" "
                        "fill=\"%s\"><title>",
                    x, w, colour(p[i].label, i));
        tn_text_put_escaped(&t, p[i].label, TN_ESC_HTML);
        tn_text_put(&t, " %.1f%%</title></rect>\n", 100 * p[i].share);
        x += w;
    }
    for (size_t i = 0; i < n; i++) {
        tn_text_put(&t, "<rect x=\"0\" y=\"%zu\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                        "<text x=\"18\" y=\"%zu\">",
                    40 + 20 * i, colour(p[i].label, i), 50 + 20 * i);
        tn_text_put_escaped(&t, p[i].label, TN_ESC_HTML);
        tn_text_put(&t, " %.1f%%</text>\n", 100 * p[i].share);
    }
    tn_text_put(&t, "</svg>\n");

    const char *labels[64];
    double vals[64];
    char names[64][200];
    const char *k;
    json_t *v;
    n = 0;
    json_object_foreach(json_object_get(r, "tiers"), k, v) {
        if (n < 32) {
            snprintf(names[n], sizeof names[n], "%s (mean)", k);
            labels[n] = names[n];
            vals[n++] = num(v, "mean_utilization");
            snprintf(names[n], sizeof names[n], "%s (busiest link)", k);
            labels[n] = names[n];
            vals[n++] = num(v, "max_utilization");
        }
    }
    tn_text_put(&t, "<h2>Utilization per tier</h2>\n");
    bars(&t, labels, vals, n, "#1f77b4");
    n = 0;
    size_t i;
    json_array_foreach(json_object_get(r, "top_links"), i, v) {
        if (n < 64) {
            snprintf(names[n], sizeof names[n], "%s → %s", str(v, "from"), str(v, "to"));
            labels[n] = names[n];
            vals[n++] = num(v, "utilization");
        }
    }
    tn_text_put(&t, "<h2>Busiest links</h2>\n");
    bars(&t, labels, vals, n, "#ff7f0e");
    /* tensim goodput, run into this directory, adds the training run */
    const json_t *g = json_object_get(r, "goodput");
    if (json_is_object(g))
        res_goodput_html_section(g, &t);
    tn_text_put(&t, "<p>Generated by tensim %s from report.json.</p>\n</body></html>\n",
                str(json_object_get(r, "meta"), "tensim_version"));
    return t.s;
}
