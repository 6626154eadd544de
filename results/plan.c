#include "results/plan.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "common/tn_text.h"
#include "results/chart.h"
#include "workloads/spec.h"

#define GIB 1073741824.0


/* The best figure a layout has: simulated, else estimated, else its
 * bound. */
static double iter_s(const plan_layout_t *l)
{
    return l->sim_iter_s > 0 ? l->sim_iter_s : l->est.iter_s > 0 ? l->est.iter_s : l->bound.iter_s;
}

/* Which figure iter_s() took. */
static const char *basis(const plan_layout_t *l)
{
    return l->sim_iter_s > 0 ? "simulated" : l->est.iter_s > 0 ? "estimate" : "bound";
}

/* "%.3f" of s, or "-" when it is 0 (not computed). */
static const char *fig(char *buf, size_t n, double s)
{
    if (s > 0)
        snprintf(buf, n, "%.3f", s);
    else
        snprintf(buf, n, "-");
    return buf;
}

static double mfu(const plan_layout_t *l, const res_plan_meta_t *m)
{
    wl_layout_t ly = l->layout;
    ly.recompute = WL_RECOMPUTE_NONE;
    double gpus = (double)(ly.tp * ly.pp * ly.dp);
    if (m->gpu_peak_flops <= 0)
        return 0;
    return wl_megatron_flops(m->model, &ly) / (iter_s(l) * gpus * m->gpu_peak_flops);
}

static void schedule(char *buf, size_t n, const wl_layout_t *ly)
{
    if (ly->schedule == WL_SCHED_INTERLEAVED)
        snprintf(buf, n, "interleaved:%llu", (unsigned long long)ly->virtual_stages);
    else
        snprintf(buf, n, "%s", wl_schedule_names[ly->schedule]);
}

char *res_plan_table(const plan_t *p, const res_plan_meta_t *m, size_t rows)
{
    tn_text_t t = {0};
    tn_text_put(&t,
                "plan: %s on %llu of %d %s gpus (%d to a server, %.0f GiB each, %.1f reserved), "
                "global batch %llu\n",
                m->model_src, (unsigned long long)p->gpus, p->fabric_gpus, m->gpu, p->server_gpus,
                p->gpu_memory / GIB, m->reserve_bytes / GIB,
                (unsigned long long)(p->n ? p->layouts[0].layout.global_batch : 0));
    char unrun[96] = "";
    if (p->unrunnable)
        snprintf(unrun, sizeof unrun, " (%llu of them cannot run with the collective algorithm)",
                 (unsigned long long)p->unrunnable);
    tn_text_put(&t, "layouts: %llu enumerated, %llu fit in memory%s; bounds from %llu analytic "
                    "collectives, %llu estimated with %llu flow collectives (no other can reach "
                    "the best), %llu simulated (%s network model)\n",
                (unsigned long long)p->enumerated, (unsigned long long)(p->n + p->unrunnable),
                unrun,
                (unsigned long long)p->measured_bound,
                (unsigned long long)p->estimated, (unsigned long long)p->measured_est,
                (unsigned long long)p->simulated, m->network_model);
    tn_text_put(&t, "%4s %3s %3s %5s %3s %-14s %-3s %-9s %4s %6s %7s %8s %8s %9s %9s %5s\n",
                "rank", "tp", "pp", "dp", "mb", "schedule", "sp", "recompute", "zero", "gpus",
                "mem GiB", "bound s", "estimate", "simulated", "tokens/s", "mfu");
    for (size_t i = 0; i < rows && i < p->n; i++) {
        const plan_layout_t *l = &p->layouts[i];
        const wl_layout_t *ly = &l->layout;
        char sch[32], est[32], sim[32];
        schedule(sch, sizeof sch, ly);
        char tok[32], mf[32];
        bool known = l->est.iter_s > 0; /* a bound alone promises no throughput */
        snprintf(tok, sizeof tok, known ? "%.0f" : "-", p->tokens / iter_s(l));
        snprintf(mf, sizeof mf, known ? "%.3f" : "-", mfu(l, m));
        tn_text_put(&t,
                    "%4zu %3llu %3llu %5llu %3llu %-14s %-3s %-9s %4llu %6llu %7.1f %8.3f %8s %9s "
                    "%9s %5s\n",
                    i + 1, (unsigned long long)ly->tp, (unsigned long long)ly->pp,
                    (unsigned long long)ly->dp, (unsigned long long)ly->microbatch, sch,
                    ly->sequence_parallel ? "yes" : "no", wl_recompute_names[ly->recompute],
                    (unsigned long long)ly->zero_stage,
                    (unsigned long long)(ly->tp * ly->pp * ly->dp), l->memory.total / GIB,
                    l->bound.iter_s, fig(est, sizeof est, l->est.iter_s),
                    fig(sim, sizeof sim, l->sim_iter_s), tok, mf);
    }
    return t.s;
}

char *res_plan_csv(const plan_t *p, const res_plan_meta_t *m)
{
    tn_text_t t = {0};
    tn_text_put(&t, "rank,tp,pp,dp,microbatch,schedule,virtual_stages,sequence_parallel,recompute,"
                    "zero_stage,gpus,memory_gib,weights_gib,grads_gib,optimizer_gib,"
                    "activations_gib,bound_s,estimate_s,estimate_work_s,estimate_tp_s,"
                    "estimate_bubble_s,estimate_tail_s,simulated_s,basis,tokens_per_s,mfu\n");
    for (size_t i = 0; i < p->n; i++) {
        const plan_layout_t *l = &p->layouts[i];
        const wl_layout_t *ly = &l->layout;
        const wl_memory_t *mm = &l->memory;
        tn_text_put(&t, "%zu,%llu,%llu,%llu,%llu,%s,%llu,%s,%s,%llu,%llu,%.4f,%.4f,%.4f,%.4f,%.4f,"
                        "%.6f,",
                    i + 1, (unsigned long long)ly->tp, (unsigned long long)ly->pp,
                    (unsigned long long)ly->dp, (unsigned long long)ly->microbatch,
                    wl_schedule_names[ly->schedule], (unsigned long long)ly->virtual_stages,
                    ly->sequence_parallel ? "true" : "false", wl_recompute_names[ly->recompute],
                    (unsigned long long)ly->zero_stage,
                    (unsigned long long)(ly->tp * ly->pp * ly->dp), mm->total / GIB,
                    mm->weights / GIB, mm->grads / GIB, mm->optimizer / GIB,
                    mm->activations / GIB, l->bound.iter_s);
        if (l->est.iter_s > 0)
            tn_text_put(&t, "%.6f,%.6f,%.6f,%.6f,%.6f,", l->est.iter_s, l->est.work_s,
                        l->est.tp_s, l->est.bubble_s, l->est.tail_s);
        else
            tn_text_put(&t, ",,,,,");
        if (l->sim_iter_s > 0)
            tn_text_put(&t, "%.6f", l->sim_iter_s);
        tn_text_put(&t, ",%s,%.1f,%.4f\n", basis(l), p->tokens / iter_s(l), mfu(l, m));
    }
    return t.s;
}

json_t *res_plan_json(const plan_t *p, const res_plan_meta_t *m)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < p->n; i++) {
        const plan_layout_t *l = &p->layouts[i];
        const wl_layout_t *ly = &l->layout;
        json_t *mem = json_pack("{s:f,s:f,s:f,s:f,s:f,s:I}", "total_gib", l->memory.total / GIB,
                                "weights_gib", l->memory.weights / GIB, "grads_gib",
                                l->memory.grads / GIB, "optimizer_gib", l->memory.optimizer / GIB,
                                "activations_gib", l->memory.activations / GIB, "stage",
                                (json_int_t)l->memory.stage);
        json_t *est = l->est.iter_s > 0
                          ? json_pack("{s:f,s:f,s:f,s:f,s:f}", "iteration_s", l->est.iter_s,
                                      "work_s", l->est.work_s, "tp_s", l->est.tp_s, "bubble_s",
                                      l->est.bubble_s, "tail_s", l->est.tail_s)
                          : json_null();
        json_t *o = json_pack(
            "{s:I,s:{s:I,s:I,s:I,s:I,s:I,s:s,s:I,s:s,s:b,s:I},s:I,s:o,s:f,s:o,s:o,s:s,s:f,s:f}",
            "rank",
            (json_int_t)(i + 1), "layout", "tp", (json_int_t)ly->tp, "pp", (json_int_t)ly->pp,
            "dp", (json_int_t)ly->dp, "global_batch", (json_int_t)ly->global_batch,
            "microbatch", (json_int_t)ly->microbatch, "schedule", wl_schedule_names[ly->schedule],
            "virtual_stages", (json_int_t)ly->virtual_stages, "recompute",
            wl_recompute_names[ly->recompute], "sequence_parallel", ly->sequence_parallel, "zero_stage",
            (json_int_t)ly->zero_stage, "gpus", (json_int_t)(ly->tp * ly->pp * ly->dp), "memory",
            mem, "bound_s", l->bound.iter_s, "estimate", est, "simulated_s",
            l->sim_iter_s > 0 ? json_real(l->sim_iter_s) : json_null(), "basis", basis(l),
            "tokens_per_s",
            p->tokens / iter_s(l), "mfu", mfu(l, m));
        TN_ASSERT(o != NULL); /* every figure is finite */
        json_array_append_new(arr, o);
    }
    json_t *r = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:f,s:f,s:I,s:I,s:I,s:I,s:I,s:s,s:o}",
                          "scenario",
                     m->scenario, "model", m->model_src, "gpu", m->gpu, "gpus",
                     (json_int_t)p->gpus, "fabric_gpus", (json_int_t)p->fabric_gpus,
                     "server_gpus", (json_int_t)p->server_gpus, "gpu_memory_gib",
                     p->gpu_memory / GIB, "reserve_gib", m->reserve_bytes / GIB, "enumerated",
                     (json_int_t)p->enumerated, "fit", (json_int_t)p->n, "unrunnable",
                     (json_int_t)p->unrunnable, "estimated",
                     (json_int_t)p->estimated, "simulated",
                     (json_int_t)p->simulated, "network_model", m->network_model, "layouts", arr);
    TN_ASSERT(r != NULL);
    return r;
}

/* A number of plan.html: plain notation (res_chart_format), or "-" when
 * not computed (<= 0). */
static void put_num(tn_text_t *t, double v)
{
    char b[64];
    tn_text_put(t, "%s", v > 0 ? res_chart_format(v, b, sizeof b) : "-");
}

char *res_plan_html(const plan_t *p, const res_plan_meta_t *m, size_t rows)
{
    size_t n = rows < p->n ? rows : p->n;
    tn_text_t t = {0};
    tn_text_put(&t, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tensim plan"
                    "</title>\n<style>body{font-family:sans-serif;margin:2em}table.rank{"
                    "border-collapse:collapse}table.rank td,table.rank th{border:1px solid #ccc;"
                    "padding:2px 6px;text-align:right}%s</style></head><body>\n<h1>Plan: ",
                res_chart_css);
    tn_text_put_escaped(&t, m->scenario, TN_ESC_HTML);
    tn_text_put(&t, "</h1>\n<p>");
    tn_text_put_escaped(&t, m->model_src, TN_ESC_HTML);
    tn_text_put(&t, " on %llu of %d ", (unsigned long long)p->gpus, p->fabric_gpus);
    tn_text_put_escaped(&t, m->gpu, TN_ESC_HTML);
    tn_text_put(&t, " GPUs (%d to a server, %s GiB each, %s GiB reserved). ", p->server_gpus,
                res_chart_format(p->gpu_memory / GIB, (char[64]){0}, 64),
                res_chart_format(m->reserve_bytes / GIB, (char[64]){0}, 64));
    tn_text_put(&t, "%llu layouts enumerated, %llu fit in memory and can run, %llu estimated, "
                    "%llu simulated (", (unsigned long long)p->enumerated,
                (unsigned long long)p->n, (unsigned long long)p->estimated,
                (unsigned long long)p->simulated);
    tn_text_put_escaped(&t, m->network_model, TN_ESC_HTML);
    tn_text_put(&t, " network model). The charts and the table show the first %zu by rank; "
                    "plan.csv and plan.json have every layout.</p>\n", n);

    /* the charts' data: x = rank, with the layout in the table */
    char **x = tn_calloc(n + 1, sizeof *x), **detail = tn_calloc(n + 1, sizeof *detail);
    double *y = tn_calloc(4 * n + 1, sizeof *y);
    for (size_t i = 0; i < n; i++) {
        const plan_layout_t *l = &p->layouts[i];
        const wl_layout_t *ly = &l->layout;
        char sch[32];
        schedule(sch, sizeof sch, ly);
        tn_text_t a = {0}, d = {0};
        tn_text_put(&a, "#%zu", i + 1);
        tn_text_put(&d, "tp %llu pp %llu dp %llu mb %llu %s%s, recompute %s, zero %llu",
                    (unsigned long long)ly->tp, (unsigned long long)ly->pp,
                    (unsigned long long)ly->dp, (unsigned long long)ly->microbatch, sch,
                    ly->sequence_parallel ? ", sp" : "", wl_recompute_names[ly->recompute],
                    (unsigned long long)ly->zero_stage);
        x[i] = a.s;
        detail[i] = d.s;
        y[i] = l->bound.iter_s > 0 ? l->bound.iter_s : NAN;
        y[n + i] = l->est.iter_s > 0 ? l->est.iter_s : NAN;
        y[2 * n + i] = l->sim_iter_s > 0 ? l->sim_iter_s : NAN;
        y[3 * n + i] = l->memory.total / GIB;
    }
    res_chart_series_t times[] = {{"bound", y}, {"estimate", y + n}, {"simulated", y + 2 * n}};
    res_chart_t c = {.title = "Iteration time of the ranked layouts",
                     .x_label = "rank",
                     .x = (const char *const *)x,
                     .x_detail = (const char *const *)detail,
                     .n_x = n,
                     .x_categories = true,
                     .y_label = "iteration",
                     .y_unit = "s",
                     .series = times,
                     .n_series = 3,
                     .style = RES_CHART_POINTS,
                     .better = -1,
                     .best_in = p->simulated ? 3 : 2};
    if (n)
        res_chart_html(&c, &t);
    res_chart_series_t mem[] = {{"memory per GPU", y + 3 * n}};
    res_chart_ref_t refs[] = {{p->gpu_memory / GIB, "GPU memory"},
                              {(p->gpu_memory - m->reserve_bytes) / GIB, "less the reserve"}};
    res_chart_t cm = {.title = "Memory per GPU of the ranked layouts (the stage that needs most)",
                      .x_label = "rank",
                      .x = (const char *const *)x,
                      .x_detail = (const char *const *)detail,
                      .n_x = n,
                      .x_categories = true,
                      .y_label = "memory per GPU",
                      .y_unit = "GiB",
                      .series = mem,
                      .n_series = 1,
                      .style = RES_CHART_BARS,
                      .refs = refs,
                      .n_refs = m->reserve_bytes > 0 ? 2 : 1};
    if (n)
        res_chart_html(&cm, &t);

    tn_text_put(&t, "<h2>Ranking</h2>\n<table class=\"rank\"><tr><th>rank</th><th>tp</th>"
                    "<th>pp</th><th>dp</th><th>mb</th><th>schedule</th><th>sp</th>"
                    "<th>recompute</th><th>zero</th><th>gpus</th><th>memory (GiB)</th>"
                    "<th>bound (s)</th><th>estimate (s)</th><th>simulated (s)</th>"
                    "<th>tokens/s</th><th>mfu</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        const plan_layout_t *l = &p->layouts[i];
        const wl_layout_t *ly = &l->layout;
        char sch[32];
        schedule(sch, sizeof sch, ly);
        tn_text_put(&t, "<tr><td>%zu</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td>"
                        "<td>%s</td><td>%s</td><td>%s</td><td>%llu</td><td>%llu</td><td>",
                    i + 1, (unsigned long long)ly->tp, (unsigned long long)ly->pp,
                    (unsigned long long)ly->dp, (unsigned long long)ly->microbatch, sch,
                    ly->sequence_parallel ? "yes" : "no", wl_recompute_names[ly->recompute],
                    (unsigned long long)ly->zero_stage,
                    (unsigned long long)(ly->tp * ly->pp * ly->dp));
        put_num(&t, l->memory.total / GIB);
        tn_text_put(&t, "</td><td>");
        put_num(&t, l->bound.iter_s);
        tn_text_put(&t, "</td><td>");
        put_num(&t, l->est.iter_s);
        tn_text_put(&t, "</td><td>");
        put_num(&t, l->sim_iter_s);
        tn_text_put(&t, "</td><td>");
        bool known = l->est.iter_s > 0; /* a bound alone promises no throughput */
        put_num(&t, known ? p->tokens / iter_s(l) : 0);
        tn_text_put(&t, "</td><td>");
        put_num(&t, known ? mfu(l, m) : 0);
        tn_text_put(&t, "</td></tr>\n");
    }
    tn_text_put(&t, "</table>\n<p>bound: the layout's lower bound; estimate: the closed-form "
                    "estimate; simulated: the simulated iteration. tokens/s and mfu from the "
                    "simulated iteration when there is one, else the estimate; mfu counts model "
                    "FLOPs without recomputation.</p>\n</body></html>\n");
    for (size_t i = 0; i < n; i++) {
        free(x[i]);
        free(detail[i]);
    }
    free(x);
    free(detail);
    free(y);
    return t.s;
}
