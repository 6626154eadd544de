/* goodput/montecarlo.c — see goodput/montecarlo.h. */
#include "goodput/montecarlo.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <string.h>

#include "common/tn_error.h"

void gp_mc_run(gp_mc_t *m, const gp_training_t *t, uint64_t seed, uint32_t runs)
{
    TN_ASSERT(runs >= 1);
    memset(m, 0, sizeof *m);
    m->runs = runs;
    m->run = tn_calloc(runs, sizeof *m->run);
    double *wall = tn_malloc(runs * sizeof *wall);
    for (uint32_t i = 0; i < runs; i++) {
        gp_run_t *r = &m->run[i];
        gp_training_run(t, seed, i, r);
        wall[i] = r->wall_s;
        m->unfinished += !r->finished;
        for (int k = 0; k < GP_TIME_N; k++)
            m->mean_time_s[k] += r->time_s[k] / runs;
        for (int32_t c = 0; c < t->n_class; c++) {
            m->mean_failures[c] += (double)r->failures[c] / runs;
            m->mean_lost_s[c] += r->lost_s[c] / runs;
        }
    }
    m->mean_wall_s = gsl_stats_mean(wall, 1, runs);
    m->sd_wall_s = runs > 1 ? gsl_stats_sd_m(wall, 1, runs, m->mean_wall_s) : 0;
    gsl_sort(wall, 1, runs);
    m->p10_s = gsl_stats_quantile_from_sorted_data(wall, 1, runs, 0.10);
    m->p50_s = gsl_stats_quantile_from_sorted_data(wall, 1, runs, 0.50);
    m->p90_s = gsl_stats_quantile_from_sorted_data(wall, 1, runs, 0.90);
    free(wall);
}

void gp_mc_destroy(gp_mc_t *m)
{
    free(m->run);
    m->run = NULL;
}

double gp_mc_mean_wall(const gp_training_t *t, double tau, uint64_t seed, uint32_t runs)
{
    gp_training_t at = *t;
    at.interval_s = tau;
    double sum = 0;
    for (uint32_t i = 0; i < runs; i++) {
        gp_run_t r;
        gp_training_run(&at, seed, i, &r);
        sum += r.wall_s;
    }
    return sum / runs;
}

double gp_mc_best_interval(const gp_training_t *t, double lo, double hi, uint64_t seed,
                           uint32_t runs, int grid, double *wall_s)
{
    TN_ASSERT(lo > 0 && hi > lo && grid >= 3);
    double best = INFINITY, step = log(hi / lo) / (grid - 1);
    int at = 0;
    for (int i = 0; i < grid; i++) {
        double w = gp_mc_mean_wall(t, lo * exp(step * i), seed, runs);
        if (w < best) {
            best = w;
            at = i;
        }
    }
    /* golden section in log tau over the neighbours of the best point */
    double a = log(lo) + step * (at > 0 ? at - 1 : 0);
    double b = log(lo) + step * (at < grid - 1 ? at + 1 : grid - 1);
    const double g = (sqrt(5) - 1) / 2;
    double x1 = b - g * (b - a), x2 = a + g * (b - a);
    double f1 = gp_mc_mean_wall(t, exp(x1), seed, runs), f2 = gp_mc_mean_wall(t, exp(x2), seed, runs);
    while (b - a > 0.01) {
        if (f1 <= f2) {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - g * (b - a);
            f1 = gp_mc_mean_wall(t, exp(x1), seed, runs);
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + g * (b - a);
            f2 = gp_mc_mean_wall(t, exp(x2), seed, runs);
        }
    }
    double tau = f1 <= f2 ? exp(x1) : exp(x2), w = fmin(f1, f2);
    if (best < w) { /* the grid point itself was better than the search's */
        tau = lo * exp(step * at);
        w = best;
    }
    if (wall_s)
        *wall_s = w;
    return tau;
}
