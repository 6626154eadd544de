/* results/energy.c — see results/energy.h. */
#include "results/energy.h"

#include <math.h>
#include <stdio.h>

#include "results/chart.h"
#include "results/human.h"

static double num(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

static bool has(const json_t *o, const char *key) { return json_is_number(json_object_get(o, key)); }

/* "1,234 W", or `none` when the figure is null */
static const char *watts(const json_t *o, const char *key, const char *none, char *buf, size_t n)
{
    if (!has(o, key))
        return none;
    char v[48];
    snprintf(buf, n, "%s W", res_chart_format(round(num(o, key) * 10) / 10, v, sizeof v));
    return buf;
}

static const char *money(const json_t *o, const char *key, char *buf, size_t n)
{
    if (!has(o, key))
        return "not priced";
    char v[48];
    snprintf(buf, n, "$%s", res_chart_format(num(o, key), v, sizeof v));
    return buf;
}

static void costs(tn_text_t *t, bool html, const char *what, const json_t *c)
{
    static const char *const keys[] = {"energy", "gpu_hours", "capital", "total"};
    static const char *const names[] = {"energy", "GPU-hours", "capital, written off",
                                        "total of the priced items"};
    for (int k = 0; k < 4; k++) {
        char label[96], b[64];
        snprintf(label, sizeof label, "cost %s: %s", what, names[k]);
        res_kv_row(t, html, label, "%s", money(c, keys[k], b, sizeof b));
    }
}

void res_energy_section(tn_text_t *t, const json_t *e, bool html)
{
    if (!json_is_object(e))
        return;
    const json_t *m = json_object_get(e, "machine"), *pw = json_object_get(e, "power_w");
    const json_t *fig = json_object_get(e, "figures"), *it = json_object_get(e, "per_iteration");
    tn_text_put(t, html ? "<h2 id=\"energy\">Energy and cost</h2>\n<p>The whole machine the "
                          "scenario describes, from its parts' power figures "
                          "(energy/data/power.json, or the scenario's <code>power</code> "
                          "section) and the GPUs' compute time in this run; prices from the "
                          "scenario's <code>prices</code> section (docs/energy.md).</p>\n"
                          "<table>\n"
                        : "\n## Energy and cost\n\nThe whole machine the scenario describes, "
                          "from its parts' power figures (energy/data/power.json, or the "
                          "scenario's `power` section) and the GPUs' compute time in this "
                          "run; prices from the scenario's `prices` section "
                          "(docs/energy.md).\n\n| figure | value |\n|---|---|\n");
    char a[48], b[48], c[48], d[48];
    char g[6][48];
    static const char *const keys_m[] = {"gpus", "job_gpus", "gpu_servers", "cpu_servers",
                                         "nics", "cables"};
    for (int j = 0; j < 6; j++)
        res_chart_format(num(m, keys_m[j]), g[j], sizeof g[j]);
    res_kv_row(t, html, "machine", "%s GPUs (%s run the job) in %s GPU servers, %s CPU servers, "
                                   "%s NICs, %s cables",
               g[0], g[1], g[2], g[3], g[4], g[5]);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(m, "switches"), i, v) {
        char label[64];
        snprintf(label, sizeof label, "%s Gbps switches", res_chart_format(num(v, "gbps"), a,
                                                                           sizeof a));
        res_kv_row(t, html, label, "%s, %s each", res_chart_format(num(v, "count"), c, sizeof c),
                   watts(v, "w", "no figure", b, sizeof b));
    }
    static const char *const keys[] = {"gpu_busy_w", "gpu_idle_w", "gpu_server_other_w",
                                       "cpu_server_w"};
    static const char *const names[] = {"a GPU computing", "a GPU not computing",
                                        "a GPU server besides its GPUs", "a CPU server"};
    for (int j = 0; j < 4; j++) {
        v = json_object_get(fig, keys[j]);
        const char *from = json_string_value(json_object_get(v, "from"));
        res_kv_row(t, html, names[j], "%s%s%s%s", watts(v, "w", "no figure", a, sizeof a),
            from ? " (" : "", from ? from : "", from ? ")" : "");
    }
    res_kv_row(t, html, "PUE", "%s (%s)", res_chart_format(num(e, "pue"), a, sizeof a),
        json_string_value(json_object_get(e, "pue_from")));
    res_kv_row(t, html, "GPUs computing", "%s%% of the run",
        res_chart_format(100 * num(e, "gpu_busy_share"), a, sizeof a));
    res_kv_row(t, html, "power: GPUs", "%s", watts(pw, "gpus", "not counted", a, sizeof a));
    res_kv_row(t, html, "power: GPU servers besides their GPUs", "%s",
        watts(pw, "gpu_servers_other", "not counted", a, sizeof a));
    res_kv_row(t, html, "power: CPU servers", "%s", watts(pw, "cpu_servers", "not counted", a, sizeof a));
    res_kv_row(t, html, "power: switches", "%s", watts(pw, "switches", "not counted", a, sizeof a));
    res_kv_row(t, html, "power: IT, then facility (× PUE)", "%s, %s",
        watts(pw, "it", "none", a, sizeof a), watts(pw, "facility", "none", b, sizeof b));
    const char *nc = json_string_value(json_object_get(e, "not_counted"));
    if (nc)
        res_kv_row(t, html, "not counted (no figure)", "%s", nc);
    const char *idle = json_string_value(json_object_get(e, "gpu_idle"));
    if (idle)
        res_kv_row(t, html, "GPU idle power", "%s", idle);
    if (has(it, "energy_kwh"))
        res_kv_row(t, html, "energy per iteration", "%s kWh in %s s",
            res_chart_format(num(it, "energy_kwh"), a, sizeof a),
            res_chart_format(num(it, "seconds"), b, sizeof b));
    else
        res_kv_row(t, html, "energy per iteration", "none: the GPUs have no power figure");
    costs(t, html, "per iteration", json_object_get(it, "cost_usd"));
    if (has(e, "capital_usd"))
        res_kv_row(t, html, "capital", "$%s", res_chart_format(num(e, "capital_usd"), a, sizeof a));
    const json_t *tr = json_object_get(e, "training");
    if (json_is_object(tr)) {
        res_kv_row(t, html, "training to the token target, failure-free",
            "%s tokens: %s iterations, %s days, %s MWh",
            res_chart_format(num(tr, "tokens"), a, sizeof a),
            res_chart_format(num(tr, "iterations"), b, sizeof b),
            res_chart_format(num(tr, "days"), c, sizeof c),
            has(tr, "energy_mwh") ? res_chart_format(num(tr, "energy_mwh"), d, sizeof d) : "no");
        costs(t, html, "of the training", json_object_get(tr, "cost_usd"));
    }
    tn_text_put(t, html ? "</table>\n" : "");
}
