/* results/goodput.c — see results/goodput.h. */
#include "results/goodput.h"

#include "results/chart.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_json.h"
#include "common/tn_file.h"
#include "common/tn_version.h"
#include "results/chart.h"
#include "results/human.h"

#define DAY_S 86400.0

static const char *const mode_names[] = {"blocking", "async"};
static const char *const restore_names[] = {"every_rank", "one_per_dp_group"};
static const char *const life_names[] = {"exponential", "weibull"};
/* what each kind of time is called in the gpu_hours table, for people */
static const char *const time_labels[GP_TIME_N] = {
    "useful training", "slowed iterations (degraded fabric, shrunk job)", "checkpoint pauses",
    "lost work (recomputed)", "restarts", "waiting for spare servers"};

/* JSON has no infinity: an interval or time that does not exist is null */
static json_t *num(double x) { return isfinite(x) ? json_real(x) : json_null(); }

static json_t *assumptions(const gp_study_t *s)
{
    json_t *a = json_array();
    json_array_append_new(a, json_string(
        "the job holds every GPU server of the fabric; GPU-hours count all its GPUs"));
    json_array_append_new(a, json_string(
        "checkpoint: 14 bytes a parameter (16-bit weights, fp32 master weights, Adam's two "
        "moments), sharded as the layout's ZeRO stage shards them; writer i writes to storage "
        "server i mod S"));
    json_array_append_new(a, json_string(
        s->spec.mode == GP_CKPT_BLOCKING
            ? "blocking checkpoint: training pauses for the snapshot to host memory and the "
              "write to storage, both simulated as flows"
            : "async checkpoint: training pauses for the snapshot; the drain to storage runs "
              "beside an iteration (simulated); iterations during the drain take the pace of "
              "that one; a checkpoint commits when its cost is paid"));
    json_array_append_new(a, json_string(
        s->spec.restore == GP_RESTORE_EVERY_RANK
            ? "restore: every rank reads what it holds from storage at once"
            : "restore: one reader per data-parallel group, then a pipelined chain broadcast"));
    json_array_append_new(a, json_string(
        "a failed fabric cable or switch slows the iteration by the flow model's iteration on "
        "the fabric without one typical member of its tier or kind (the median-loaded one); "
        "members that carried no job traffic slow nothing"));
    json_array_append_new(a, json_string(
        "failure rates: goodput/data/failures.json (A100-class node rate, Llama 3's mix of "
        "causes, Alibaba HPN's cable and switch rates), times rate_scale"));
    return a;
}

json_t *res_goodput_json(const gp_study_t *s, const char *scenario, uint64_t scenario_hash,
                         const char *command_line)
{
    const gp_costs_t *c = &s->costs;
    const gp_mc_t *m = &s->mc;
    double gpus = (double)s->inv.count[GP_UNIT_GPU];
    char hash[20];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)scenario_hash);
    json_t *g = json_object();
    json_object_set_new(g, "meta", json_pack("{s:s, s:s, s:s, s:I, s:s}", "tensim_version",
                                             TENSIM_VERSION, "scenario", scenario,
                                             "scenario_hash", hash, "seed",
                                             (json_int_t)s->seed, "command_line",
                                             command_line ? command_line : ""));
    json_object_set_new(g, "assumptions", assumptions(s));
    json_object_set_new(
        g, "job",
        json_pack("{s:f, s:f, s:i, s:f, s:f, s:f, s:f}", "gpus", gpus, "gpu_servers",
                  (double)s->inv.count[GP_UNIT_GPU_SERVER], "ranks", c->ranks, "iteration_s",
                  c->iteration_s, "tokens_per_iteration", c->tokens_per_iteration, "iterations",
                  s->iterations, "failure_free_days", s->training.work_s / DAY_S));
    json_object_set_new(g, "tokens", json_real(s->spec.tokens));
    json_object_set_new(
        g, "checkpoint",
        json_pack("{s:f, s:s, s:s, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "bytes",
                  c->ckpt_bytes, "mode", mode_names[s->spec.mode], "restore",
                  restore_names[s->spec.restore], "storage_servers", c->storage_servers,
                  "storage_gbytes_per_s", c->storage_bps / 8e9, "snapshot_s", c->snapshot_s,
                  "write_s", c->write_s, "drain_iteration_s", c->drain_iteration_s,
                  "drain_end_s", c->drain_end_s, "pause_s", c->pause_s, "restore_s",
                  c->restore_s));
    json_object_set_new(g, "restart",
                        json_pack("{s:f, s:f, s:f, s:f}", "detect_s", s->spec.detect_s,
                                  "startup_s", s->spec.startup_s, "restore_s", c->restore_s,
                                  "total_s", s->restart_s));
    json_t *iv = json_object();
    json_object_set_new(iv, "used", num(s->interval_s / 60));
    json_object_set_new(iv, "source", json_string(s->interval_auto ? "searched" : "given"));
    json_object_set_new(iv, "best_simulated", num(s->best_interval_s / 60));
    json_object_set_new(iv, "best_simulated_mean_days", num(s->best_wall_s / DAY_S));
    json_object_set_new(iv, "young", num(s->young_s / 60));
    json_object_set_new(iv, "daly", num(s->daly_s / 60));
    json_object_set_new(g, "interval_min", iv);

    json_t *cls = json_array();
    for (int32_t k = 0; k < s->training.n_class; k++) {
        const gp_class_t *x = &s->cls[k];
        json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s}", "class", x->name, "unit",
                              k < s->rates.n ? gp_unit_names[s->rates.unit[k]] : "gpu_server", "units", (json_int_t)x->units,
                              "effect", x->interrupts ? "interrupt" : "degrade", "lifetime",
                              life_names[x->life.kind]);
        json_object_set_new(o, "mttf_h", num(x->life.mean_s / 3600));
        json_object_set_new(o, "servers_taken", json_integer(x->servers));
        json_object_set_new(o, "slowdown", json_real(x->slowdown));
        json_object_set_new(o, "repair_h", json_real(x->repair_s / 3600));
        json_object_set_new(o, "failures_mean", json_real(m->mean_failures[k]));
        json_object_set_new(o, "gpu_hours_lost_mean", json_real(m->mean_lost_s[k] * gpus / 3600));
        json_array_append_new(cls, o);
    }
    json_t *shapes = json_array();
    for (int i = 0; i < c->n_shapes; i++) {
        const gp_shape_t *x = &c->shape[i];
        json_array_append_new(
            shapes, json_pack("{s:s, s:I, s:I, s:i, s:f, s:f}", "shape", x->name, "members",
                              (json_int_t)x->members, "loaded", (json_int_t)x->loaded,
                              "representative", x->representative, "iteration_s",
                              x->iteration_s, "slowdown", x->slowdown));
    }
    json_t *f = json_object();
    json_object_set_new(f, "rate_scale", json_real(s->spec.rate_scale));
    json_object_set_new(f, "mean_time_to_interrupt_h", num(s->mtti_s / 3600));
    json_object_set_new(f, "spares", json_integer((json_int_t)s->spec.spares));
    json_object_set_new(f, "idle_servers_as_spares", json_integer((json_int_t)s->idle_servers));
    json_object_set_new(f, "when_short", json_string(s->spec.shrink ? "shrink" : "wait"));
    json_object_set_new(f, "classes", cls);
    json_object_set_new(f, "degraded_shapes", shapes);
    json_object_set_new(g, "failures", f);

    json_object_set_new(g, "runs", json_integer(m->runs));
    json_object_set_new(g, "unfinished_runs", json_integer(m->unfinished));
    json_object_set_new(g, "time_to_train_days",
                        json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "mean",
                                  m->mean_wall_s / DAY_S, "sd", m->sd_wall_s / DAY_S, "p10",
                                  m->p10_s / DAY_S, "p50", m->p50_s / DAY_S, "p90",
                                  m->p90_s / DAY_S, "daly_expected", s->daly_wall_s / DAY_S));
    json_object_set_new(g, "ettr",
                        json_pack("{s:f, s:f}", "simulated", s->ettr, "kokolis",
                                  s->kokolis_ettr));
    json_t *gh = json_object();
    for (int k = 0; k < GP_TIME_N; k++)
        json_object_set_new(gh, gp_time_names[k], json_real(m->mean_time_s[k] * gpus / 3600));
    json_object_set_new(g, "gpu_hours_mean", gh);
    json_object_set_new(g, "energy_mwh", s->energy_j > 0 ? json_real(s->energy_j / 3.6e9)
                                                         : json_null());
    json_t *cost = json_object();
    for (int k = 0; k < EN_COST_N; k++)
        json_object_set_new(cost, en_cost_names[k],
                            s->cost_usd[k] >= 0 ? json_real(s->cost_usd[k]) : json_null());
    json_object_set_new(cost, "total",
                        s->cost_total_usd >= 0 ? json_real(s->cost_total_usd) : json_null());
    json_object_set_new(g, "cost_usd", cost);
    /* the machine's power in an intact iteration, its figures and prices */
    json_object_set_new(g, "power", en_account_json(&s->power));
    return g;
}

/* ---- for people ---- */

static double d(const json_t *o, const char *path)
{
    return json_number_value(tn_json_at(o, path));
}

static const char *str(const json_t *o, const char *a, const char *b)
{
    const char *s = json_string_value(json_object_get(b ? json_object_get(o, a) : o, b ? b : a));
    return s ? s : "";
}

/* One table, Markdown or HTML, of (label, value) rows. */
typedef struct {
    tn_text_t *t;
    bool html;
} table_t;

static void row(table_t *tb, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void row(table_t *tb, const char *label, const char *fmt, ...)
{
    char v[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    tn_text_put(tb->t, tb->html ? "<tr><th>" : "| ");
    tn_text_put_escaped(tb->t, label, tb->html ? TN_ESC_HTML : TN_ESC_MARKDOWN);
    tn_text_put(tb->t, tb->html ? "</th><td>" : " | ");
    tn_text_put_escaped(tb->t, v, tb->html ? TN_ESC_HTML : TN_ESC_MARKDOWN);
    tn_text_put(tb->t, tb->html ? "</td></tr>\n" : " |\n");
}

static void open_table(table_t *tb, const char *a, const char *b)
{
    if (tb->html)
        tn_text_put(tb->t, "<table>\n");
    else
        tn_text_put(tb->t, "| %s | %s |\n|---|---|\n", a, b);
}

static void close_table(table_t *tb) { tn_text_put(tb->t, tb->html ? "</table>\n" : "\n"); }

static void heading(table_t *tb, int level, const char *s)
{
    if (tb->html)
        tn_text_put(tb->t, "<h%d>%s</h%d>\n", level, s, level);
    else
        tn_text_put(tb->t, "%.*s %s\n\n", level, "####", s);
}

static void body(const json_t *g, table_t *tb)
{
    const json_t *tt = json_object_get(g, "time_to_train_days");
    heading(tb, 2, "Time to train");
    open_table(tb, "figure", "value");
    row(tb, "token target", "%.4g tokens (%.0f iterations of %.6f s)", d(g, "tokens"),
        d(g, "job.iterations"), d(g, "job.iteration_s"));
    row(tb, "failure-free", "%.2f days", d(g, "job.failure_free_days"));
    row(tb, "time to train, mean", "%.2f days (sd %.2f; %lld runs)", d(tt, "mean"), d(tt, "sd"),
        (long long)json_integer_value(json_object_get(g, "runs")));
    row(tb, "p10 / p50 / p90", "%.2f / %.2f / %.2f days", d(tt, "p10"), d(tt, "p50"),
        d(tt, "p90"));
    row(tb, "Daly's expected wall time", "%.2f days", d(tt, "daly_expected"));
    row(tb, "effective training time ratio", "%.3f simulated, %.3f Kokolis's E[ETTR]",
        d(g, "ettr.simulated"), d(g, "ettr.kokolis"));
    row(tb, "mean time to interrupt", "%.2f h", d(g, "failures.mean_time_to_interrupt_h"));
    row(tb, "checkpoint interval in use", "%.1f min (%s)", d(g, "interval_min.used"),
        str(g, "interval_min", "source"));
    row(tb, "best interval, simulated", "%.1f min (mean %.2f days)",
        d(g, "interval_min.best_simulated"), d(g, "interval_min.best_simulated_mean_days"));
    row(tb, "Young / Daly interval", "%.1f / %.1f min", d(g, "interval_min.young"),
        d(g, "interval_min.daly"));
    char n1[48];
    if (json_is_number(json_object_get(g, "energy_mwh")))
        row(tb, "energy", "%s MWh (GPUs busy while training, idle in pauses, restarts and "
            "waits; facility included)", res_chart_format(round(d(g, "energy_mwh")), n1, sizeof n1));
    if (json_is_number(json_object_get(json_object_get(g, "cost_usd"), "total")))
        row(tb, "cost", "$%s (energy, GPU-hours and capital as priced)",
            res_chart_format(round(d(g, "cost_usd.total")), n1, sizeof n1));
    close_table(tb);

    heading(tb, 2, "Checkpoints and restarts (simulated on the fabric)");
    open_table(tb, "figure", "value");
    const json_t *c = json_object_get(g, "checkpoint");
    row(tb, "checkpoint size", "%.3f TB", d(c, "bytes") / 1e12);
    row(tb, "storage tier", "%lld servers, %.1f GB/s of disk",
        (long long)json_integer_value(json_object_get(c, "storage_servers")),
        d(c, "storage_gbytes_per_s"));
    row(tb, "snapshot to host memory", "%.2f s", d(c, "snapshot_s"));
    row(tb, "write to storage, alone", "%.2f s", d(c, "write_s"));
    if (!strcmp(str(c, "mode", NULL), "async"))
        row(tb, "async drain", "ends at %.2f s; the iteration under it %.6f s",
            d(c, "drain_end_s"), d(c, "drain_iteration_s"));
    row(tb, "pause per checkpoint", "%.2f s (%s)", d(c, "pause_s"), str(c, "mode", NULL));
    row(tb, "restore", "%.2f s (%s)", d(c, "restore_s"), str(c, "restore", NULL));
    row(tb, "restart", "%.1f min (detection %.1f, start-up %.1f, restore %.1f)",
        d(g, "restart.total_s") / 60, d(g, "restart.detect_s") / 60,
        d(g, "restart.startup_s") / 60, d(g, "restart.restore_s") / 60);
    close_table(tb);

    heading(tb, 2, "Where the GPU-hours went (mean of the runs)");
    open_table(tb, "cause", "GPU-hours");
    const json_t *gh = json_object_get(g, "gpu_hours_mean");
    for (int k = 0; k < GP_TIME_N; k++)
        row(tb, time_labels[k], "%.4g", d(gh, gp_time_names[k]));
    close_table(tb);

    heading(tb, 2, "Failures by cause (mean per run)");
    if (tb->html)
        tn_text_put(tb->t, "<table>\n<tr><th>class</th><th>units</th><th>MTTF per unit (h)</th>"
                           "<th>effect</th><th>failures</th><th>GPU-hours lost</th></tr>\n");
    else
        tn_text_put(tb->t, "| class | units | MTTF per unit (h) | effect | failures | "
                           "GPU-hours lost |\n|---|---|---|---|---|---|\n");
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(json_object_get(g, "failures"), "classes"), i, x) {
        char eff[64];
        if (!strcmp(str(x, "effect", NULL), "degrade"))
            snprintf(eff, sizeof eff, "degrade x%.4f", d(x, "slowdown"));
        else
            snprintf(eff, sizeof eff, "interrupt");
        tn_text_put(tb->t, tb->html ? "<tr><td>%s</td><td>%lld</td><td>%.4g</td><td>%s</td>"
                                      "<td>%.2f</td><td>%.4g</td></tr>\n"
                                    : "| %s | %lld | %.4g | %s | %.2f | %.4g |\n",
                    str(x, "class", NULL), (long long)json_integer_value(json_object_get(x, "units")),
                    d(x, "mttf_h"), eff, d(x, "failures_mean"), d(x, "gpu_hours_lost_mean"));
    }
    close_table(tb);

    heading(tb, 2, "Assumptions");
    json_array_foreach(json_object_get(g, "assumptions"), i, x) {
        tn_text_put(tb->t, tb->html ? "<p>" : "- ");
        tn_text_put_escaped(tb->t, json_string_value(x), tb->html ? TN_ESC_HTML : TN_ESC_MARKDOWN);
        tn_text_put(tb->t, tb->html ? "</p>\n" : "\n");
    }
}

void res_goodput_markdown(const json_t *g, tn_text_t *out)
{
    tn_text_put(out, "# tensim goodput: ");
    tn_text_put_escaped(out, str(g, "meta", "scenario"), TN_ESC_MARKDOWN);
    tn_text_put(out, "\n\n");
    table_t tb = {out, false};
    body(g, &tb);
}

void res_goodput_html_section(const json_t *g, tn_text_t *out)
{
    table_t tb = {out, true};
    tn_text_put(out, "<h2 id=\"goodput\">Training to the token target (tensim goodput)</h2>\n");
    body(g, &tb);
}

void res_goodput_csv(const gp_study_t *s, tn_text_t *out)
{
    tn_text_put(out, "run,finished,wall_days,checkpoints");
    for (int k = 0; k < GP_TIME_N; k++)
        tn_text_put(out, ",%s_s", gp_time_names[k]);
    for (int32_t k = 0; k < s->training.n_class; k++)
        tn_text_put(out, ",failures_%s", s->cls[k].name);
    tn_text_put(out, "\n");
    for (uint32_t i = 0; i < s->mc.runs; i++) {
        const gp_run_t *r = &s->mc.run[i];
        tn_text_put(out, "%u,%d,%.9g,%u", i, r->finished ? 1 : 0, r->wall_s / DAY_S,
                    r->checkpoints);
        for (int k = 0; k < GP_TIME_N; k++)
            tn_text_put(out, ",%.9g", r->time_s[k]);
        for (int32_t k = 0; k < s->training.n_class; k++)
            tn_text_put(out, ",%u", r->failures[k]);
        tn_text_put(out, "\n");
    }
}

static int add(tn_outset_t *o, const char *dir, const char *file, const char *text,
               tn_error_t *err)
{
    return tn_outset_add_in(o, dir, file, text, strlen(text), err);
}

int res_goodput_write(const char *dir, const gp_study_t *s, const json_t *g,
                      const char *scenario, tn_error_t *err)
{
    tn_outset_t o;
    tn_outset_init(&o);
    if (tn_mkdirs_output(&o, dir, err)) {
        tn_outset_destroy(&o);
        return -1;
    }
    tn_text_t js = {0}, md = {0}, csv = {0}, html = {0}, rj = {0};
    char *text = json_dumps(g, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    TN_ASSERT(text);
    tn_text_put(&js, "%s\n", text);
    free(text);
    res_goodput_markdown(g, &md);
    res_goodput_csv(s, &csv);
    /* beside the run report of the same scenario: its report.html gains
     * the section (report.json the "goodput" member it is rendered from) */
    char *rp = tn_path_join(dir, "report.json");
    json_t *rep = json_load_file(rp, 0, NULL);
    free(rp);
    const char *rs = json_string_value(json_object_get(rep, "scenario"));
    bool beside = rep && rs && !strcmp(rs, scenario);
    if (beside) {
        json_object_set(rep, "goodput", (json_t *)g);
        char *h = res_report_html(rep);
        tn_text_put(&html, "%s", h);
        free(h);
        text = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
        tn_text_put(&rj, "%s\n", text);
        free(text);
    } else {
        tn_text_put(&html, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                           "<title>tensim goodput: ");
        tn_text_put_escaped(&html, scenario, TN_ESC_HTML);
        tn_text_put(&html, "</title>\n<style>body{font-family:sans-serif;max-width:1000px;"
                           "margin:2em auto}table{border-collapse:collapse}th,td{border:1px "
                           "solid #ccc;padding:3px 8px;text-align:left}</style></head><body>\n");
        res_goodput_html_section(g, &html);
        tn_text_put(&html, "</body></html>\n");
    }
    json_decref(rep);
    int rc = add(&o, dir, "goodput.json", js.s, err) || add(&o, dir, "goodput.md", md.s, err) ||
             add(&o, dir, "goodput_runs.csv", csv.s, err) ||
             add(&o, dir, beside ? "report.html" : "goodput.html", html.s, err) ||
             (beside && add(&o, dir, "report.json", rj.s, err)) || tn_outset_commit(&o, err)
                 ? -1
                 : 0;
    tn_outset_destroy(&o); /* undoes everything unless committed */
    free(js.s);
    free(md.s);
    free(csv.s);
    free(html.s);
    free(rj.s);
    return rc;
}
