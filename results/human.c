#include "results/human.h"
#include "results/energy.h"
#include "results/goodput.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/tn_text.h"

#define GIB 1073741824.0

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


/* A path "a.b" into nested objects; NULL when missing. */
static const json_t *at(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    return b ? json_object_get(v, b) : v;
}

/* n with thousands separators ("1,250"), into buf. */
static const char *grouped(double x, char *buf, size_t n)
{
    char raw[64];
    snprintf(raw, sizeof raw, "%.0f", x);
    size_t len = strlen(raw), o = 0, start = raw[0] == '-';
    for (size_t i = 0; i < len && o + 2 < n; i++) {
        if (i > start && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = '\0';
    return buf;
}

void res_kv_row(tn_text_t *t, bool html, const char *label, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tn_text_put(t, html ? "<tr><th>%s</th><td>" : "| %s | ", label);
    tn_text_put_escaped(t, buf, html ? TN_ESC_HTML : TN_ESC_MARKDOWN);
    tn_text_put(t, html ? "</td></tr>\n" : " |\n");
}

/* "8 GPU servers", "278 leaf switches": a group of the fabric's drawing
 * (report.json run.fabric.connections' from and to) with its count. */
static void group_label(const json_t *fab, const char *group, char *buf, size_t n)
{
    char g[32];
    if (!strcmp(group, "gpu_server") || !strcmp(group, "cpu_server")) {
        double k = !strcmp(group, "gpu_server")
                       ? num(fab, "gpu_servers")
                       : num(fab, "servers") - num(fab, "gpu_servers");
        snprintf(buf, n, "%s %s server%s", grouped(k, g, sizeof g),
                 group[0] == 'g' ? "GPU" : "CPU", k == 1 ? "" : "s");
    } else {
        double k = num(json_object_get(fab, "switches"), group);
        snprintf(buf, n, "%s %s switch%s", grouped(k, g, sizeof g), group, k == 1 ? "" : "es");
    }
}

/* What a GPU server holds: "8 gpu, 8 nic, ..." per server. */
static void server_contents(const json_t *fab, char *buf, size_t n)
{
    const char *k;
    json_t *v;
    size_t len = 0;
    buf[0] = '\0';
    json_object_foreach(json_object_get(fab, "per_gpu_server"), k, v) {
        if (len + 1 >= n)
            break;
        int w = snprintf(buf + len, n - len, "%s%.4g %s", len ? ", " : "", json_number_value(v), k);
        len += w > 0 ? (size_t)w : 0;
    }
}

/* The identity block: what was run (report.json "run"). */
static void identity(tn_text_t *t, const json_t *r, bool html)
{
    const json_t *run = json_object_get(r, "run");
    if (!json_is_object(run))
        return;
    char a[1024], b[512], g[32]; /* a holds b and more */
    const json_t *w = json_object_get(run, "workload"), *ly = json_object_get(run, "layout");
    const json_t *fab = json_object_get(run, "fabric");
    tn_text_put(t, html ? "<h2 id=\"run\">What was run</h2>\n" : "\n## What was run\n\n");
    if (*str(run, "description")) {
        tn_text_put(t, html ? "<p>" : "");
        tn_text_put_escaped(t, str(run, "description"), html ? TN_ESC_HTML : TN_ESC_MARKDOWN);
        tn_text_put(t, html ? "</p>\n<table>\n" : "\n\n| item | value |\n|---|---|\n");
    } else {
        tn_text_put(t, html ? "<table>\n" : "| item | value |\n|---|---|\n");
    }
    res_kv_row(t, html, "scenario", "%s (hash %s, seed %.0f, %.0f iteration%s)", str(run, "scenario"),
       str(run, "scenario_hash"), num(run, "seed"), num(run, "iterations"),
       num(run, "iterations") == 1 ? "" : "s");
    res_kv_row(t, html, "command line", "%s", str(run, "command_line"));
    size_t i, len = 0;
    json_t *v;
    a[0] = '\0';
    json_array_foreach(json_object_get(run, "overrides"), i, v)
        if (len < sizeof a) {
            int n = snprintf(a + len, sizeof a - len, "%s--set %s", i ? " " : "",
                             json_string_value(v));
            len += n > 0 ? (size_t)n : 0;
        }
    res_kv_row(t, html, "overrides", "%s", len ? a : "none");
    if (json_is_number(json_object_get(w, "layers")))
        snprintf(b, sizeof b, " (%.0f layers, hidden %.0f, %.0f heads, sequence %.0f, "
                              "vocabulary %.0f; %.3g parameters)",
                 num(w, "layers"), num(w, "hidden"), num(w, "heads"), num(w, "seq_len"),
                 num(w, "vocab"), num(w, "parameters"));
    else
        b[0] = '\0';
    res_kv_row(t, html, "workload", "%s%s%s%s on %.0f ranks", str(w, "source"),
       *str(w, "model") ? ", model " : "", str(w, "model"), b, num(w, "ranks"));
    if (json_is_object(ly))
        res_kv_row(t, html, "layout",
           "tp %.0f × pp %.0f × dp %.0f; microbatch %.0f, global batch %.0f (%.0f "
           "microbatches per replica); schedule %s, %.0f virtual stage%s; recompute %s; "
           "sequence parallel %s; ZeRO stage %.0f",
           num(ly, "tp"), num(ly, "pp"), num(ly, "dp"), num(ly, "microbatch"),
           num(ly, "global_batch"), num(ly, "microbatches_per_replica"), str(ly, "schedule"),
           num(ly, "virtual_stages"), num(ly, "virtual_stages") == 1 ? "" : "s",
           str(ly, "recompute"), json_is_true(json_object_get(ly, "sequence_parallel")) ? "on" : "off",
           num(ly, "zero_stage"));
    else
        res_kv_row(t, html, "layout", "none (the workload states no tp/pp/dp layout)");
    if (*str(w, "gpu"))
        res_kv_row(t, html, "GPU", "%s%s%.0f GiB%s", str(w, "gpu"),
           json_is_number(json_object_get(w, "gpu_memory_bytes")) ? " (" : "",
           num(w, "gpu_memory_bytes") / GIB,
           json_is_number(json_object_get(w, "gpu_memory_bytes")) ? " of memory)" : "");
    else
        res_kv_row(t, html, "GPU", "none named (compute times come from the workload)");
    server_contents(fab, b, sizeof b);
    {
        char s1[32], s2[32];
        snprintf(a, sizeof a, "%s%s%s%s: %s GPUs in %s GPU servers (each holds %s)",
                 str(fab, "kind"), *str(fab, "preset") ? " (preset " : "", str(fab, "preset"),
                 *str(fab, "preset") ? ")" : "", grouped(num(fab, "gpus"), s1, sizeof s1),
                 grouped(num(fab, "gpu_servers"), s2, sizeof s2), b);
    }
    res_kv_row(t, html, "fabric", "%s", a);
    const char *k;
    len = 0;
    a[0] = '\0';
    json_object_foreach(json_object_get(fab, "switches"), k, v) {
        const json_t *ov = at(fab, "oversubscription", k);
        char over[64] = "";
        if (ov)
            snprintf(over, sizeof over, ", oversubscription %.3g:1", json_number_value(ov));
        int n = snprintf(a + len, sizeof a - len, "%s%s %s (radix %.0f%s)", len ? "; " : "",
                         grouped(json_number_value(v), g, sizeof g), k,
                         num(json_object_get(fab, "radix"), k), over);
        len += n > 0 && (size_t)n < sizeof a - len ? (size_t)n : 0;
    }
    res_kv_row(t, html, "switches", "%s", len ? a : "none");
    len = 0;
    a[0] = '\0';
    json_array_foreach(json_object_get(fab, "connections"), i, v) {
        char from[96], to[96];
        group_label(fab, str(v, "from"), from, sizeof from);
        group_label(fab, str(v, "to"), to, sizeof to);
        int n = snprintf(a + len, sizeof a - len, "%s%s → %s: %s cables of %.4g Gbps (%s tier: %s to %s)",
                         len ? "; " : "", from, to, grouped(num(v, "cables"), g, sizeof g),
                         num(v, "gbps"), str(v, "tier"), str(v, "from_kind"), str(v, "to_kind"));
        len += n > 0 && (size_t)n < sizeof a - len ? (size_t)n : 0;
    }
    res_kv_row(t, html, "cabling", "%s", len ? a : "none between servers");
    res_kv_row(t, html, "network model", "%s", str(run, "network_model"));
    const json_t *c = json_object_get(run, "collectives");
    res_kv_row(t, html, "collectives", "algorithm %s, protocol %s%s", str(c, "algorithm"),
       str(c, "protocol"), num(c, "chunk_bytes") > 0 ? ", chunked" : "");
    res_kv_row(t, html, "version", "tensim %s", str(run, "tensim_version"));
    tn_text_put(t, html ? "</table>\n" : "");
}

/* Per-iteration times: each iteration's time and when it ended. */
static void iterations(tn_text_t *t, const json_t *r, bool html)
{
    const json_t *its = json_object_get(r, "iteration_times_s");
    tn_text_put(t, html ? "<h2>Iterations</h2>\n<p>Each from the end of the previous one to "
                          "the moment its last rank finished; the headline iteration is the "
                          "mean after the first.</p>\n<table>\n<tr><th>iteration</th><th>time "
                          "(s)</th><th>ended at (s)</th></tr>\n"
                        : "\n## Iterations\n\nEach from the end of the previous one to the "
                          "moment its last rank finished; the headline iteration is the mean "
                          "after the first.\n\n| iteration | time (s) | ended at (s) |\n"
                          "|---:|---:|---:|\n");
    size_t i;
    json_t *v;
    double end = 0;
    json_array_foreach(its, i, v) {
        end += json_number_value(v);
        tn_text_put(t, html ? "<tr><td>%zu</td><td>%.6f</td><td>%.6f</td></tr>\n"
                            : "| %zu | %.6f | %.6f |\n",
                    i + 1, json_number_value(v), end);
    }
    tn_text_put(t, html ? "</table>\n" : "");
}

/* The memory model's figure per GPU, or why there is none. */
static void memory(tn_text_t *t, const json_t *r, bool html)
{
    if (!json_is_object(json_object_get(r, "run")))
        return;
    const json_t *m = json_object_get(r, "memory_per_gpu");
    tn_text_put(t, html ? "<h2>Memory per GPU</h2>\n" : "\n## Memory per GPU\n\n");
    if (!json_is_object(m)) {
        tn_text_put(t, html ? "<p>Not estimated: the memory model (workloads/memory.h) needs "
                              "a Megatron model and layout, which this workload does not "
                              "state.</p>\n"
                            : "Not estimated: the memory model (workloads/memory.h) needs a "
                              "Megatron model and layout, which this workload does not "
                              "state.\n");
        return;
    }
    tn_text_put(t, html ? "<p>Of the pipeline stage that needs the most (stage %.0f): model "
                          "states as ZeRO counts them, activations as Korthikanti et al. "
                          "2022.</p>\n<table>\n<tr><th>part</th><th>GiB</th></tr>\n"
                        : "Of the pipeline stage that needs the most (stage %.0f): model "
                          "states as ZeRO counts them, activations as Korthikanti et al. "
                          "2022.\n\n| part | GiB |\n|---|---:|\n",
                num(m, "stage"));
    static const char *const keys[] = {"weights_bytes", "gradients_bytes", "optimizer_bytes",
                                       "activations_bytes", "total_bytes"};
    static const char *const names[] = {"weights", "gradients", "optimizer state",
                                        "activations", "total"};
    for (int i = 0; i < 5; i++)
        tn_text_put(t, html ? "<tr><th>%s</th><td>%.2f</td></tr>\n" : "| %s | %.2f |\n",
                    names[i], num(m, keys[i]) / GIB);
    if (json_is_number(json_object_get(m, "gpu_memory_bytes")))
        tn_text_put(t, html ? "<tr><th>the GPU's memory</th><td>%.2f (%.0f%% used)</td></tr>\n"
                            : "| the GPU's memory | %.2f (%.0f%% used) |\n",
                    num(m, "gpu_memory_bytes") / GIB,
                    100 * num(m, "total_bytes") / num(m, "gpu_memory_bytes"));
    tn_text_put(t, html ? "</table>\n" : "");
}

/* The parts' seconds: share x the breakdown's time per iteration. */
static double part_s(const json_t *b, double share) { return share * num(b, "time_s"); }

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

/* The level of a group in the drawing: servers at the bottom (0), then
 * the first switches, spine, core (as results/report.c places them). */
static int group_level(const char *g)
{
    if (!strcmp(g, "gpu_server") || !strcmp(g, "cpu_server"))
        return 0;
    return !strcmp(g, "spine") ? 2 : !strcmp(g, "core") ? 3 : 1;
}

/* A label for a class of links (report.json link_classes). */
static void class_label(const json_t *v, char *buf, size_t n)
{
    char g[32];
    snprintf(buf, n, "%s: %s → %s, %.4g Gbps × %s link%s", str(v, "tier"), str(v, "from"),
             str(v, "to"), num(v, "capacity_gbps"), grouped(num(v, "links"), g, sizeof g),
             num(v, "links") == 1 ? "" : "s");
}

/* How many links the shown classes hold. */
static double class_links(const json_t *r)
{
    double n = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "link_classes"), i, v)
        n += num(v, "links");
    return n;
}

char *res_report_markdown(const json_t *r)
{
    tn_text_t t = {0};
    tn_text_put(&t, "# tensim report: ");
    tn_text_put_escaped(&t, str(r, "scenario"), TN_ESC_MARKDOWN);
    tn_text_put(&t, "\n");
    identity(&t, r, false);
    tn_text_put(&t, "\n## Headline\n\n| figure | value |\n|---|---:|\n");
    headline(&t, r, false);
    iterations(&t, r, false);

    const json_t *b = json_object_get(r, "breakdown");
    part_t p[64];
    size_t n = parts(b, p, 64);
    tn_text_put(&t, "\n## Where the time went\n\nShares of the run, averaged over ranks, and "
                    "seconds per iteration (share × %.6f s, the run's %.6f s over its "
                    "iterations; report.json `breakdown`).\n\n| part | share | seconds |\n"
                    "|---|---:|---:|\n",
                num(b, "time_s"), num(r, "total_time_s"));
    for (size_t i = 0; i < n; i++) {
        tn_text_put(&t, "| ");
        tn_text_put_escaped(&t, p[i].label, TN_ESC_MARKDOWN);
        tn_text_put(&t, " | %.1f%% | %.6f |\n", 100 * p[i].share, part_s(b, p[i].share));
    }
    memory(&t, r, false);
    res_energy_section(&t, json_object_get(r, "energy"), false);

    const char *k;
    json_t *v;
    tn_text_put(&t, "\n## Network tiers\n\n| tier | what it joins | links | capacity (Gbps) | "
                    "bytes | mean utilization | max utilization |\n"
                    "|---|---|---:|---:|---:|---:|---:|\n");
    json_object_foreach(json_object_get(r, "tiers"), k, v)
        tn_text_put(&t, "| %s | %s | %.0f | %.6g | %.6g | %.1f%% | %.1f%% |\n", k,
                    str(v, "meaning"), num(v, "links"), num(v, "capacity_gbps"), num(v, "bytes"),
                    100 * num(v, "mean_utilization"), 100 * num(v, "max_utilization"));
    tn_text_put(&t, "\nLinks are directed: a cable counts twice, once each way.\n");
    tn_text_put(&t, "\n## Busiest links, by class\n\nLinks alike in tier, endpoints, capacity "
                    "and utilization (to 0.1%%), the busiest first: %.0f links in %zu "
                    "classes (report.json `link_classes`; every link is in links.csv).\n\n"
                    "| tier | from | to | capacity (Gbps) | utilization | links | bytes per link |\n"
                    "|---|---|---|---:|---:|---:|---:|\n",
                class_links(r), json_array_size(json_object_get(r, "link_classes")));
    size_t i;
    json_array_foreach(json_object_get(r, "link_classes"), i, v)
        tn_text_put(&t, "| %s | %s | %s | %.6g | %.1f%% | %.0f | %.6g |\n", str(v, "tier"),
                    str(v, "from"), str(v, "to"), num(v, "capacity_gbps"),
                    100 * num(v, "utilization"), num(v, "links"), num(v, "bytes_per_link"));
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
    int row = 22, label_w = 340;
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

/* The fabric's structure as an SVG: a row of boxes per level (servers at
 * the bottom, core at the top), one box per group with its count, and a
 * line per connection labelled with its cables and rate; links between
 * boxes of one level (torus, dragonfly) are said beside the box. Drawn
 * from report.json run.fabric, not from every node. */
static void fabric_svg(tn_text_t *t, const json_t *fab)
{
    const char *groups[16];
    int level[16], ng = 0;
    size_t i;
    json_t *v;
    const char *k;
    /* the groups: servers first, then switches by kind */
    if (num(fab, "gpu_servers") > 0) {
        groups[ng] = "gpu_server";
        level[ng++] = 0;
    }
    if (num(fab, "servers") > num(fab, "gpu_servers")) {
        groups[ng] = "cpu_server";
        level[ng++] = 0;
    }
    json_object_foreach(json_object_get(fab, "switches"), k, v)
        if (ng < 16) {
            groups[ng] = k;
            level[ng] = group_level(k);
            ng++;
        }
    int top = 0;
    for (int g = 0; g < ng; g++)
        top = level[g] > top ? level[g] : top;
    int bw = 230, bh = 46, gap = 120, width = 820;
    int height = (top + 1) * (bh + gap) - gap + 20;
    double x[16], y[16];
    for (int l = 0; l <= top; l++) {
        int in = 0, at_ = 0;
        for (int g = 0; g < ng; g++)
            in += level[g] == l;
        for (int g = 0; g < ng; g++)
            if (level[g] == l) {
                x[g] = (double)width * (2 * at_ + 1) / (2 * in) - bw / 2.0;
                y[g] = 10 + (double)(top - l) * (bh + gap);
                at_++;
            }
    }
    tn_text_put(t, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                   "font-family=\"sans-serif\" font-size=\"12\" id=\"fabric\">\n",
                width, height);
    char a[160], b[160], gr[32];
    int nth[16] = {0};
    json_array_foreach(json_object_get(fab, "connections"), i, v) {
        int f = -1, to = -1;
        for (int g = 0; g < ng; g++) {
            f = !strcmp(groups[g], str(v, "from")) ? g : f;
            to = !strcmp(groups[g], str(v, "to")) ? g : to;
        }
        if (f < 0 || to < 0)
            continue;
        snprintf(a, sizeof a, "%s × %.4g Gbps (%s)", grouped(num(v, "cables"), gr, sizeof gr),
                 num(v, "gbps"), str(v, "tier"));
        if (f == to) { /* within a level: beside the box */
            tn_text_put(t, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#555\">↔ ", x[f], y[f] + bh + 14 + 14 * nth[f]++);
            tn_text_put_escaped(t, a, TN_ESC_HTML);
            tn_text_put(t, "</text>\n");
            continue;
        }
        double x1 = x[f] + bw / 2.0, y1 = y[f], x2 = x[to] + bw / 2.0, y2 = y[to] + bh;
        if (level[f] > level[to]) {
            y1 = y[f] + bh;
            y2 = y[to];
        }
        tn_text_put(t, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" "
                       "stroke-width=\"2\"/>\n<text x=\"%.1f\" y=\"%.1f\" fill=\"#333\">",
                    x1, y1, x2, y2, (x1 + x2) / 2 + 6, (y1 + y2) / 2 + 4);
        tn_text_put_escaped(t, a, TN_ESC_HTML);
        tn_text_put(t, "</text>\n");
    }
    for (int g = 0; g < ng; g++) {
        group_label(fab, groups[g], a, sizeof a);
        if (level[g] == 0 && !strcmp(groups[g], "gpu_server"))
            server_contents(fab, b, sizeof b);
        else if (level[g] == 0)
            snprintf(b, sizeof b, "CPU or storage");
        else {
            const json_t *ov = at(fab, "oversubscription", groups[g]);
            int n = snprintf(b, sizeof b, "radix %.0f", num(json_object_get(fab, "radix"), groups[g]));
            if (ov && n > 0)
                snprintf(b + n, sizeof b - (size_t)n, ", %.3g:1 oversubscribed",
                         json_number_value(ov));
        }
        tn_text_put(t, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" rx=\"6\" "
                       "fill=\"#eef3fa\" stroke=\"#1f77b4\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
                       "text-anchor=\"middle\" font-weight=\"bold\">",
                    x[g], y[g], bw, bh, x[g] + bw / 2.0, y[g] + 19);
        tn_text_put_escaped(t, a, TN_ESC_HTML);
        tn_text_put(t, "</text>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                    x[g] + bw / 2.0, y[g] + 36);
        tn_text_put_escaped(t, b, TN_ESC_HTML);
        tn_text_put(t, "</text>\n");
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
    tn_text_put(&t, "</h1>\n");
    /* the other outputs of the directory, then the training run's summary */
    size_t i;
    json_t *v;
    tn_text_put(&t, "<p>Files of this run:");
    json_array_foreach(json_object_get(r, "files"), i, v) {
        tn_text_put(&t, "%s <a href=\"", i ? "," : "");
        tn_text_put_escaped(&t, json_string_value(v), TN_ESC_HTML);
        tn_text_put(&t, "\">");
        tn_text_put_escaped(&t, json_string_value(v), TN_ESC_HTML);
        tn_text_put(&t, "</a>");
    }
    const json_t *g = json_object_get(r, "goodput");
    if (json_is_object(g))
        tn_text_put(&t, ", <a href=\"goodput.json\">goodput.json</a>, <a href=\"goodput.md\">"
                        "goodput.md</a>, <a href=\"goodput_runs.csv\">goodput_runs.csv</a>");
    tn_text_put(&t, ".</p>\n");
    if (json_is_object(g)) {
        const json_t *tt = json_object_get(g, "time_to_train_days");
        tn_text_put(&t, "<p><b>Training to the token target</b> (tensim goodput): %.2f days on "
                        "average (p10 %.2f, p90 %.2f; failure-free %.2f days), effective "
                        "training time ratio %.3f.<br>Checkpoints, failures and restarts: "
                        "<a href=\"#goodput\">the goodput section below</a>.</p>\n",
                    num(tt, "mean"), num(tt, "p10"), num(tt, "p90"),
                    num(json_object_get(g, "job"), "failure_free_days"),
                    num(json_object_get(g, "ettr"), "simulated"));
    }
    identity(&t, r, true);
    if (json_is_object(json_object_get(r, "run"))) {
        tn_text_put(&t, "<h3>The fabric</h3>\n<p>Groups of alike nodes with their counts; each "
                        "line is the cables between two groups and their rate.</p>\n");
        fabric_svg(&t, at(r, "run", "fabric"));
    }
    tn_text_put(&t, "<h2>Headline</h2>\n<table>\n");
    headline(&t, r, true);
    tn_text_put(&t, "</table>\n");
    iterations(&t, r, true);

    /* the breakdown: one stacked bar of the run, then a legend */
    const json_t *b = json_object_get(r, "breakdown");
    part_t p[64];
    size_t n = parts(b, p, 64);
    tn_text_put(&t, "<h2>Where the time went</h2>\n<p>Shares of the run, averaged over ranks, "
                    "with seconds per iteration (share × %.6f s, the run's %.6f s over its "
                    "iterations).</p>\n"
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\" "
                    "font-family=\"sans-serif\" font-size=\"12\" id=\"breakdown\">\n",
                num(b, "time_s"), num(r, "total_time_s"), RES_CHART_WIDTH + 20, 40 + 20 * n);
    double x = 0;
    for (size_t j = 0; j < n; j++) {
        double w = p[j].share * RES_CHART_WIDTH;
        tn_text_put(&t, "<rect class=\"part\" x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"28\" "
                        "fill=\"%s\"><title>",
                    x, w, colour(p[j].label, j));
        tn_text_put_escaped(&t, p[j].label, TN_ESC_HTML);
        tn_text_put(&t, " %.1f%% (%.6g s)</title></rect>\n", 100 * p[j].share,
                    part_s(b, p[j].share));
        x += w;
    }
    for (size_t j = 0; j < n; j++) {
        tn_text_put(&t, "<rect x=\"0\" y=\"%zu\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                        "<text x=\"18\" y=\"%zu\">",
                    40 + 20 * j, colour(p[j].label, j), 50 + 20 * j);
        tn_text_put_escaped(&t, p[j].label, TN_ESC_HTML);
        tn_text_put(&t, " %.1f%% (%.6g s)</text>\n", 100 * p[j].share, part_s(b, p[j].share));
    }
    tn_text_put(&t, "</svg>\n");
    memory(&t, r, true);
    res_energy_section(&t, json_object_get(r, "energy"), true);

    const char *labels[64];
    double vals[64];
    char names[64][200];
    const char *k;
    n = 0;
    tn_text_put(&t, "<h2>Utilization per tier</h2>\n<table>\n<tr><th>tier</th><th>what it "
                    "joins</th><th>links</th><th>capacity (Gbps)</th></tr>\n");
    json_object_foreach(json_object_get(r, "tiers"), k, v) {
        tn_text_put(&t, "<tr><td>%s</td><td>%s</td><td>%.0f</td><td>%.6g</td></tr>\n", k,
                    str(v, "meaning"), num(v, "links"), num(v, "capacity_gbps"));
        if (n < 32) {
            snprintf(names[n], sizeof names[n], "%s (mean)", k);
            labels[n] = names[n];
            vals[n++] = num(v, "mean_utilization");
            snprintf(names[n], sizeof names[n], "%s (busiest link)", k);
            labels[n] = names[n];
            vals[n++] = num(v, "max_utilization");
        }
    }
    tn_text_put(&t, "</table>\n<p>Links are directed: a cable counts twice, once each way.</p>\n");
    bars(&t, labels, vals, n, "#1f77b4");
    n = 0;
    json_array_foreach(json_object_get(r, "link_classes"), i, v) {
        if (n < 64) {
            class_label(v, names[n], sizeof names[n]);
            labels[n] = names[n];
            vals[n++] = num(v, "utilization");
        }
    }
    tn_text_put(&t, "<h2>Busiest links, by class</h2>\n<p>Links alike in tier, endpoints, "
                    "capacity and utilization (to 0.1%%), the busiest first: %.0f links in %zu "
                    "classes; every link is in <a href=\"links.csv\">links.csv</a>.</p>\n",
                class_links(r), n);
    bars(&t, labels, vals, n, "#ff7f0e");
    /* tensim goodput, run into this directory, adds the training run */
    if (json_is_object(g))
        res_goodput_html_section(g, &t);
    tn_text_put(&t, "<p>Generated by tensim %s from report.json.</p>\n</body></html>\n",
                str(json_object_get(r, "meta"), "tensim_version"));
    return t.s;
}
