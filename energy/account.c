/* energy/account.c — see energy/account.h. */
#include "energy/account.h"

#include <math.h>

const char *const en_part_names[EN_PART_N] = {"gpus", "gpu_servers_other", "cpu_servers",
                                              "switches"};
const char *const en_cost_names[EN_COST_N] = {"energy", "gpu_hours", "capital"};

#define SECONDS_PER_YEAR (365.25 * 86400)

/* count x w, or -1 when some part has no figure (0 parts: 0) */
static double times(int64_t count, double w) { return count == 0 ? 0 : w < 0 ? -1 : (double)count * w; }

static double add_priced(double a, double b) { return a < 0 ? b : b < 0 ? a : a + b; }

void en_account(en_account_t *a, const en_machine_t *m, const en_figures_t *f,
                const en_spec_t *s, double busy_gpu_s, double run_s, double iteration_s,
                int64_t job_gpus, double tokens_per_iteration, double token_target)
{
    *a = (en_account_t){.machine = *m, .fig = *f, .spec = *s, .job_gpus = job_gpus,
                        .iteration_s = iteration_s, .capital_usd = -1, .usd_total = -1,
                        .train_usd_total = -1};
    double g = (double)m->gpus;
    a->gpu_busy_share = g > 0 && run_s > 0 ? fmin(1, busy_gpu_s / (g * run_s)) : 0;
    double busy = f->w[EN_GPU_BUSY];
    double idle = f->w[EN_GPU_IDLE] >= 0 ? f->w[EN_GPU_IDLE] : busy;
    a->part_w[EN_PART_GPUS] = m->gpus == 0 ? 0 : busy < 0 ? -1
                              : g * idle + (busy - idle) * g * a->gpu_busy_share;
    a->part_w[EN_PART_GPU_SERVERS] = times(m->gpu_servers, f->w[EN_GPU_SERVER_OTHER]);
    a->part_w[EN_PART_CPU_SERVERS] = times(m->cpu_servers, f->w[EN_CPU_SERVER]);
    double sw = 0;
    for (int i = 0; i < m->n_switch_rates && sw >= 0; i++)
        sw = f->switch_w[i] < 0 ? -1 : sw + (double)m->switches[i].count * f->switch_w[i];
    a->part_w[EN_PART_SWITCHES] = m->too_many_rates ? -1 : sw;
    for (int p = 0; p < EN_PART_N; p++)
        a->it_w += a->part_w[p] > 0 ? a->part_w[p] : 0;
    a->facility_w = a->it_w * f->pue;
    /* without the GPUs' figure there is no energy worth a number */
    a->kwh = a->part_w[EN_PART_GPUS] < 0 ? -1 : a->facility_w * iteration_s / 3.6e6;
    if (a->kwh < 0)
        a->it_w = a->facility_w = -1;

    for (int c = 0; c < EN_COST_N; c++)
        a->usd[c] = a->train_usd[c] = -1;
    if (s->usd_per_kwh >= 0 && a->kwh >= 0)
        a->usd[EN_COST_ENERGY] = a->kwh * s->usd_per_kwh;
    if (s->gpu_hour_usd >= 0)
        a->usd[EN_COST_GPU_HOURS] = (double)job_gpus * iteration_s / 3600 * s->gpu_hour_usd;
    if (s->capital_years > 0) {
        double switches = 0;
        for (int i = 0; i < m->n_switch_rates; i++)
            switches += (double)m->switches[i].count;
        const double counts[EN_CAP_N] = {(double)m->gpu_servers, (double)m->cpu_servers,
                                         switches, (double)m->nics, (double)m->cables};
        for (int k = 0; k < EN_CAP_N; k++)
            if (s->capital_usd[k] >= 0)
                a->capital_usd = add_priced(a->capital_usd, counts[k] * s->capital_usd[k]);
        if (a->capital_usd >= 0)
            a->usd[EN_COST_CAPITAL] =
                a->capital_usd / (s->capital_years * SECONDS_PER_YEAR) * iteration_s;
    }
    for (int c = 0; c < EN_COST_N; c++)
        a->usd_total = add_priced(a->usd_total, a->usd[c]);

    if (token_target > 0 && tokens_per_iteration > 0) {
        a->tokens = token_target;
        a->iterations = ceil(token_target / tokens_per_iteration);
        a->days = a->iterations * iteration_s / 86400;
        a->train_kwh = a->kwh < 0 ? -1 : a->kwh * a->iterations;
        for (int c = 0; c < EN_COST_N; c++)
            a->train_usd[c] = a->usd[c] < 0 ? -1 : a->usd[c] * a->iterations;
        a->train_usd_total = a->usd_total < 0 ? -1 : a->usd_total * a->iterations;
    }
}

int en_account_records(en_account_t *a, const sim_records_t *rec, const en_spec_t *s,
                       const char *gpu, const char *gpu_server, const char *cpu_server,
                       double tokens_per_iteration, double token_target, tn_error_t *err)
{
    en_machine_t m;
    en_machine_count(&m, rec->n_vertices, rec->vertex_kind, rec->vertex_server, rec->n_links,
                     rec->link_src, rec->link_dst, rec->link_bps);
    en_figures_t f;
    if (en_figures_resolve(&f, s, &m, gpu, gpu_server, cpu_server, err))
        return -1;
    double busy = 0;
    for (int32_t r = 0; r < rec->n_ranks; r++)
        busy += sim_time_to_s(rec->rank_compute_ps[r]);
    en_account(a, &m, &f, s, busy, sim_time_to_s(rec->end_ps),
               sim_time_to_s(sim_records_iteration_ps(rec)), rec->n_ranks, tokens_per_iteration,
               token_target);
    return 0;
}

static json_t *num_or_null(double v) { return v >= 0 ? json_real(v) : json_null(); }

static json_t *costs_json(const double *usd, double total)
{
    json_t *o = json_object();
    for (int c = 0; c < EN_COST_N; c++)
        json_object_set_new(o, en_cost_names[c], num_or_null(usd[c]));
    json_object_set_new(o, "total", num_or_null(total));
    return o;
}

/* {"w": figure or null, "from": "scenario" | "energy/data/power.json" | null} */
static json_t *figure_json(double w, bool given)
{
    json_t *o = json_object();
    json_object_set_new(o, "w", num_or_null(w));
    json_object_set_new(o, "from", w < 0 ? json_null()
                                         : json_string(given ? "scenario"
                                                             : "energy/data/power.json"));
    return o;
}

json_t *en_account_json(const en_account_t *a)
{
    const en_machine_t *m = &a->machine;
    const en_figures_t *f = &a->fig;
    json_t *o = json_object();
    json_t *mo = json_object();
    json_object_set_new(mo, "gpus", json_integer(m->gpus));
    json_object_set_new(mo, "job_gpus", json_integer(a->job_gpus));
    json_object_set_new(mo, "gpu_servers", json_integer(m->gpu_servers));
    json_object_set_new(mo, "cpu_servers", json_integer(m->cpu_servers));
    json_object_set_new(mo, "nics", json_integer(m->nics));
    json_object_set_new(mo, "cables", json_integer(m->cables));
    json_t *sw = json_array();
    for (int i = 0; i < m->n_switch_rates; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "gbps", json_real((double)m->switches[i].bps / 1e9));
        json_object_set_new(e, "count", json_integer(m->switches[i].count));
        json_object_set_new(e, "w", num_or_null(f->switch_w[i]));
        json_array_append_new(sw, e);
    }
    json_object_set_new(mo, "switches", sw);
    json_object_set_new(o, "machine", mo);

    json_t *fo = json_object();
    for (int k = 0; k < EN_FIGURE_N; k++)
        if (k != EN_SWITCH)
            json_object_set_new(fo, en_figure_keys[k], figure_json(f->w[k], f->given[k]));
    json_object_set_new(o, "figures", fo);
    json_object_set_new(o, "pue", json_real(f->pue));
    json_object_set_new(o, "pue_from", json_string(f->pue_given ? "scenario"
                                                                : "energy/data/power.json"));
    json_object_set_new(o, "gpu_busy_share", json_real(a->gpu_busy_share));
    json_t *pw = json_object();
    for (int p = 0; p < EN_PART_N; p++)
        json_object_set_new(pw, en_part_names[p], num_or_null(a->part_w[p]));
    json_object_set_new(pw, "it", num_or_null(a->it_w));
    json_object_set_new(pw, "facility", num_or_null(a->facility_w));
    json_object_set_new(o, "power_w", pw);
    json_object_set_new(o, "not_counted", f->missing[0] ? json_string(f->missing) : json_null());
    json_object_set_new(o, "gpu_idle", f->w[EN_GPU_IDLE] >= 0 || f->w[EN_GPU_BUSY] < 0
                                           ? json_null()
                                           : json_string("no idle figure: a GPU draws its busy "
                                                         "figure all the time (an upper bound)"));

    json_t *it = json_object();
    json_object_set_new(it, "seconds", json_real(a->iteration_s));
    json_object_set_new(it, "energy_kwh", num_or_null(a->kwh));
    json_object_set_new(it, "cost_usd", costs_json(a->usd, a->usd_total));
    json_object_set_new(o, "per_iteration", it);
    json_object_set_new(o, "capital_usd", num_or_null(a->capital_usd));

    if (a->tokens > 0) {
        json_t *t = json_object();
        json_object_set_new(t, "tokens", json_real(a->tokens));
        json_object_set_new(t, "iterations", json_real(a->iterations));
        json_object_set_new(t, "days", json_real(a->days));
        json_object_set_new(t, "energy_mwh", num_or_null(a->train_kwh < 0 ? -1 : a->train_kwh / 1000));
        json_object_set_new(t, "cost_usd", costs_json(a->train_usd, a->train_usd_total));
        json_object_set_new(o, "training", t);
    } else {
        json_object_set_new(o, "training", json_null());
    }
    return o;
}
