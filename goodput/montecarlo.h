/* goodput/montecarlo.h — many runs of one training (goodput/training.h),
 * each with its own failure streams, summarised; and the checkpoint
 * interval that minimises the mean time to train, searched by simulation.
 *
 * Run i draws from the streams of (seed, i): the same seed gives the same
 * summary, and two settings compared at one seed see the same failures
 * until their runs diverge (common random numbers), which is what makes a
 * search over the interval converge on few runs.
 *
 * Ownership: gp_mc_t owns its per-run array (gp_mc_destroy).
 */
#ifndef GP_MONTECARLO_H
#define GP_MONTECARLO_H

#include "goodput/training.h"

typedef struct {
    uint32_t runs, unfinished;
    gp_run_t *run;                  /* each run, in run order */
    double mean_wall_s, sd_wall_s;  /* over the runs */
    double p10_s, p50_s, p90_s;     /* quantiles of the wall time */
    double mean_time_s[GP_TIME_N];
    double mean_failures[GP_MAX_CLASSES];
    double mean_lost_s[GP_MAX_CLASSES];
} gp_mc_t;

/* Runs `runs` (>= 1) simulations. O(runs x one run + runs log runs). */
void gp_mc_run(gp_mc_t *m, const gp_training_t *t, uint64_t seed, uint32_t runs);
void gp_mc_destroy(gp_mc_t *m);

/* The mean wall time of `runs` runs at interval tau (the rest of t as it
 * is). O(runs x one run). */
double gp_mc_mean_wall(const gp_training_t *t, double tau, uint64_t seed, uint32_t runs);

/* The interval in [lo, hi] of least mean wall time: a log-spaced scan of
 * `grid` points, then golden-section search in the best bracket to 1%.
 * Returns it; *wall_s gets its mean wall time. O((grid + 30) x runs x one
 * run). */
double gp_mc_best_interval(const gp_training_t *t, double lo, double hi, uint64_t seed,
                           uint32_t runs, int grid, double *wall_s);

#endif
