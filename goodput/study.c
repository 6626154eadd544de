/* goodput/study.c — see goodput/study.h. */
#include "goodput/study.h"

#include <math.h>
#include <string.h>

#include "goodput/formula.h"

/* the interval search: a log grid of this many points, then golden section */
#define GP_SEARCH_GRID 12
/* its evaluations at most (the grid, the golden-section steps to 1%) and
 * the final runs: what the cost bound below multiplies by */
#define GP_SEARCH_EVALS 40
/* failures simulated at most: per run, and in a whole study (about a
 * minute and a half on this project's 2-core machine, at ~170 ns a
 * failure with its restart and repair) */
#define GP_MAX_FAILURES_PER_RUN 1e6
#define GP_MAX_FAILURES 5e8

/* The failure classes of the job's fabric with the spec's overrides and the
 * simulated slowdowns; lemon servers, when asked for, are one more class:
 * their failures beyond a normal node's, (rate_x - 1) node rates each, a
 * hardware failure that takes the server for a server repair. */
static int32_t classes(gp_study_t *s)
{
    const gp_spec_t *sp = &s->spec;
    gp_rates_classes(&s->rates, &s->inv, sp->rate_scale > 0 ? sp->rate_scale : 1, s->cls);
    for (int32_t k = 0; k < s->rates.n; k++) {
        gp_class_t *c = &s->cls[k];
        if (sp->rate_scale == 0)
            c->units = 0;
        c->life.kind = sp->lifetime;
        c->life.shape = sp->lifetime == GP_LIFE_WEIBULL ? sp->weibull_shape : 1;
        gp_unit_t u = s->rates.unit[k];
        bool fabric = u == GP_UNIT_HOST_CABLE || u == GP_UNIT_LEAF_SWITCH ||
                      u == GP_UNIT_FABRIC_CABLE || u == GP_UNIT_FABRIC_SWITCH;
        double repair = fabric ? sp->fabric_repair_s : sp->server_repair_s;
        if (repair >= 0 && c->repair_s > 0)
            c->repair_s = repair;
        if (u == GP_UNIT_FABRIC_CABLE)
            c->slowdown = s->costs.cable_slowdown;
        else if (u == GP_UNIT_FABRIC_SWITCH)
            c->slowdown = s->costs.switch_slowdown;
    }
    int32_t n = s->rates.n;
    if (sp->lemons && sp->lemon_rate_x > 1 && sp->rate_scale > 0) {
        double repair = sp->server_repair_s >= 0 ? sp->server_repair_s : 24 * 3600;
        for (int32_t k = 0; k < s->rates.n; k++)
            if (s->rates.takes[k] == GP_TAKES_SERVER && s->rates.unit[k] == GP_UNIT_GPU_SERVER)
                repair = s->cls[k].repair_s; /* a host failure's */
        s->cls[s->rates.n] = (gp_class_t){
            .name = "lemon",
            .units = sp->lemons,
            .life = {sp->lifetime,
                     s->rates.node_mttf_h * 3600 / (sp->rate_scale * (sp->lemon_rate_x - 1)),
                     sp->lifetime == GP_LIFE_WEIBULL ? sp->weibull_shape : 1},
            .interrupts = true,
            .servers = 1,
            .slowdown = 1,
            .repair_s = repair,
        };
        n++;
    }
    return n;
}

/* Energy and money over the mean wall time (energy/account.h): the
 * machine draws the intact iteration's power while it trains (useful,
 * slowed and lost work), and the same with its GPUs idle during checkpoint
 * pauses, restarts and waits for spares; the job's GPUs are paid by the
 * hour of wall time, the capital over it. */
static int energy(gp_study_t *s, const sim_scenario_t *sc, tn_error_t *err)
{
    const gp_costs_t *c = &s->costs;
    en_spec_t es;
    en_figures_t f;
    if (en_spec_parse(&es, sc->root, sc->src, err) ||
        en_figures_resolve(&f, &es, &c->machine, sc->workload.gpu, sc->topo.server.name,
                           sc->topo.cpu_server.name, err))
        return -1;
    en_account(&s->power, &c->machine, &f, &es, c->gpu_busy_s, c->run_s, c->iteration_s,
               c->ranks, 0, 0);
    const en_account_t *a = &s->power;
    const double *t = s->mc.mean_time_s;
    double train_s = t[GP_TIME_USEFUL] + t[GP_TIME_SLOW] + t[GP_TIME_LOST];
    double wall = s->mc.mean_wall_s;
    /* the same machine with no GPU computing: its GPUs at their idle
     * figure (their busy one without it) */
    en_account_t idle;
    en_account(&idle, &c->machine, &f, &es, 0, c->run_s, c->iteration_s, c->ranks, 0, 0);
    double idle_w = idle.facility_w;
    s->energy_j = a->facility_w < 0 ? 0 : a->facility_w * train_s + idle_w * (wall - train_s);
    s->cost_total_usd = -1;
    for (int k = 0; k < EN_COST_N; k++)
        s->cost_usd[k] = -1;
    if (es.usd_per_kwh >= 0 && s->energy_j > 0)
        s->cost_usd[EN_COST_ENERGY] = s->energy_j / 3.6e6 * es.usd_per_kwh;
    /* the per-iteration figures scale with time */
    if (a->usd[EN_COST_GPU_HOURS] >= 0 && a->iteration_s > 0)
        s->cost_usd[EN_COST_GPU_HOURS] = a->usd[EN_COST_GPU_HOURS] / a->iteration_s * wall;
    if (a->usd[EN_COST_CAPITAL] >= 0 && a->iteration_s > 0)
        s->cost_usd[EN_COST_CAPITAL] = a->usd[EN_COST_CAPITAL] / a->iteration_s * wall;
    for (int k = 0; k < EN_COST_N; k++)
        if (s->cost_usd[k] >= 0)
            s->cost_total_usd = (s->cost_total_usd < 0 ? 0 : s->cost_total_usd) + s->cost_usd[k];
    return 0;
}

int gp_study_run(gp_study_t *s, const sim_scenario_t *sc, gp_cache_t *cache,
                 gp_costs_progress_fn progress, void *ctx, tn_error_t *err)
{
    memset(s, 0, sizeof *s);
    s->seed = sc->seed;
    const json_t *tr = json_object_get(sc->root, "training");
    if (!tr)
        return tn_error_set(err, TN_EINPUT, "%s: training: missing: a goodput study needs the "
                            "training run to a token target (docs/scenario.md, \"training\")",
                            sc->src);
    if (gp_spec_parse(&s->spec, tr, sc->src, err) || gp_rates_load(&s->rates, err) ||
        gp_costs_compute(&s->costs, sc, &s->spec, cache, progress, ctx, err)) {
        gp_study_destroy(s);
        return -1;
    }
    const gp_costs_t *c = &s->costs;
    /* the inventory of the fabric the costs were simulated on */
    s->inv = c->inv;
    s->idle_servers = c->idle_servers;
    if (s->spec.lemons > s->inv.count[GP_UNIT_GPU_SERVER]) {
        gp_study_destroy(s);
        return tn_error_set(err, TN_EINPUT, "%s: training.failures.lemons.servers: %llu lemon "
                            "servers, but the fabric has %llu GPU servers", sc->src,
                            (unsigned long long)s->spec.lemons,
                            (unsigned long long)s->inv.count[GP_UNIT_GPU_SERVER]);
    }
    int32_t n_class = classes(s);

    s->iterations = ceil(s->spec.tokens / c->tokens_per_iteration);
    s->restart_s = s->spec.detect_s + s->spec.startup_s + c->restore_s;
    double rate = 0;
    for (int32_t k = 0; k < n_class; k++)
        if (s->cls[k].interrupts && s->cls[k].units)
            rate += (double)s->cls[k].units / s->cls[k].life.mean_s;
    s->mtti_s = rate > 0 ? 1 / rate : INFINITY;
    double d = c->pause_s;
    s->training = (gp_training_t){
        .work_s = s->iterations * c->iteration_s,
        .interval_s = s->spec.interval_s,
        .ckpt_s = d,
        .restart_s = s->restart_s,
        .spares = (int32_t)(s->spec.spares + s->idle_servers),
        .replicas = s->spec.shrink ? (int32_t)sc->workload.layout.dp : 0,
        .n_class = n_class,
        .cls = s->cls,
    };
    /* What the Monte Carlo will cost, in failure events: refused when it
     * would run for hours rather than silently hang (the evaluations of
     * the interval search included, GP_SEARCH_EVALS) */
    double per_run = 0, stretch = 1;
    for (int32_t k = 0; k < n_class; k++)
        per_run += (double)s->cls[k].units / s->cls[k].life.mean_s;
    /* failures arrive in wall time, which restarts stretch: by Daly's
     * expected wall time at his interval, up to the cap a run stops at */
    if (isfinite(s->mtti_s))
        stretch = fmin(GP_MAX_WALL, fmax(1, gp_daly_wall(s->training.work_s,
                                                         gp_daly_interval(d, s->mtti_s), d,
                                                         s->restart_s, s->mtti_s) /
                                                s->training.work_s));
    per_run *= s->training.work_s * (isfinite(stretch) ? stretch : GP_MAX_WALL);
    if (per_run > GP_MAX_FAILURES_PER_RUN) {
        gp_study_destroy(s);
        return tn_error_set(err, TN_EINPUT, "%s: training.tokens: %.4g tokens would take %.3g "
                            "failures a run at these rates (restarts included), more than tensim "
                            "simulates (%.0e)",
                            sc->src, s->spec.tokens, per_run, GP_MAX_FAILURES_PER_RUN);
    }
    if (per_run * (double)s->spec.runs * GP_SEARCH_EVALS > GP_MAX_FAILURES) {
        gp_study_destroy(s);
        return tn_error_set(err, TN_EINPUT, "%s: training.runs: %llu runs of %.3g failures each, "
                            "with the interval search's %d evaluations, are more than tensim "
                            "simulates (%.0e failures in all): ask for fewer runs", sc->src,
                            (unsigned long long)s->spec.runs, per_run, GP_SEARCH_EVALS,
                            GP_MAX_FAILURES);
    }
    if (s->spec.interval_s != 0 && s->spec.interval_s < d) {
        gp_study_destroy(s);
        return tn_error_set(err, TN_EINPUT, "%s: training.checkpoint.interval_min: %.3g min is "
                            "shorter than a checkpoint's pause (%.3g min simulated on this "
                            "fabric)", sc->src, s->spec.interval_s / 60, d / 60);
    }
    s->young_s = isfinite(s->mtti_s) ? gp_young_interval(d, s->mtti_s) : INFINITY;
    s->daly_s = isfinite(s->mtti_s) ? gp_daly_interval(d, s->mtti_s) : INFINITY;

    /* the best interval, searched by simulation with common random numbers:
     * from one pause (no shorter makes sense) to the whole work or 3 mean
     * times to interrupt, whichever is shorter. Daly's optimum is at most
     * M; beyond a few M almost every segment is lost and a run's wall
     * time (and its cost to simulate) grows as e^(tau / M): at tau = 3M
     * it is already 6 times the work. */
    uint32_t runs = (uint32_t)s->spec.runs;
    double lo = fmax(d, 60), hi = fmax(lo * 2, fmin(s->training.work_s, 3 * s->mtti_s));
    s->best_interval_s = gp_mc_best_interval(&s->training, lo, hi, s->seed, runs,
                                             GP_SEARCH_GRID, &s->best_wall_s);
    s->interval_auto = s->spec.interval_s == 0;
    s->interval_s = s->interval_auto ? s->best_interval_s : s->spec.interval_s;
    s->training.interval_s = s->interval_s;
    gp_mc_run(&s->mc, &s->training, s->seed, runs);
    s->ettr = s->training.work_s / s->mc.mean_wall_s;
    if (isfinite(s->mtti_s)) {
        s->daly_wall_s = gp_daly_wall(s->training.work_s, s->interval_s, d, s->restart_s,
                                      s->mtti_s);
        s->kokolis_ettr = gp_kokolis_ettr(1 / s->mtti_s, s->restart_s, d, s->interval_s);
    } else {
        s->daly_wall_s = s->training.work_s * (1 + d / s->interval_s);
        s->kokolis_ettr = 1 / (1 + d / s->interval_s);
    }
    if (energy(s, sc, err)) {
        gp_study_destroy(s);
        return -1;
    }
    return 0;
}

void gp_study_destroy(gp_study_t *s)
{
    gp_mc_destroy(&s->mc);
    gp_rates_destroy(&s->rates);
}
