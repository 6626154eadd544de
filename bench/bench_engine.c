/* bench/bench_engine.c — the hold model (PHOLD-like) on the event engine.
 *
 * N events pending; each event, when it runs, schedules one new event at
 * now + an exponential delay (mean 1 us) drawn from a seeded gsl_rng, so the
 * queue stays at N. Reports events per second for N = 1e3, 1e5 and 1e6, on
 * one core, and the line `engine_hold_1e5_events_per_s: N` for scripts.
 * Each size runs five times on one queue; the figure is the median run, and
 * the best and worst follow on a comment line (this machine is a VM whose
 * neighbours move the numbers by a factor of up to two).
 * Wall-clock time is read here and only here: a benchmark, not a result.
 */
#include <gsl/gsl_randist.h>
#include <stdio.h>

#include "bench/bench.h"
#include <stdlib.h>

#include "common/tn_rng.h"
#include "sim/engine/engine.h"

typedef struct {
    gsl_rng *rng;
    uint64_t todo;
} hold_t;

static void on_event(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    hold_t *h = ctx;
    double d = gsl_ran_exponential(h->rng, 1e6); /* ps: mean 1 us */
    sim_schedule_in(eng, (sim_time_t)d + 1, on_event, h, arg);
    if (--h->todo == 0)
        sim_stop(eng); /* after rescheduling: the queue stays at N */
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Runs the hold model with `pending` events, `reps` timed rounds of
 * `events` events each, and stores each round's events/s in eps[]. */
static void hold(size_t pending, uint64_t events, int reps, double *eps)
{
    sim_engine_t eng;
    sim_engine_init(&eng);
    hold_t h = {tn_rng_stream(1, TN_RNG_BENCH, pending), 0};
    for (size_t i = 0; i < pending; i++)
        sim_schedule(&eng, (sim_time_t)gsl_ran_exponential(h.rng, 1e6), on_event, &h, i);
    /* Warm up: one pass over the queue, so the heap has its steady shape. */
    h.todo = pending;
    sim_run(&eng, SIM_TIME_MAX);
    for (int r = 0; r < reps; r++) {
        h.todo = events;
        uint64_t before = eng.processed;
        double t0 = bench_now_s();
        sim_run(&eng, SIM_TIME_MAX);
        double dt = bench_now_s() - t0;
        eps[r] = (double)(eng.processed - before) / dt;
    }
    gsl_rng_free(h.rng);
    sim_engine_destroy(&eng);
}

int main(void)
{
    enum { REPS = 5 };
    static const struct { size_t pending; uint64_t events; const char *name; } runs[] = {
        {1000, 10000000, "1e3"},
        {100000, 5000000, "1e5"},
        {1000000, 3000000, "1e6"},
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        double eps[REPS];
        hold(runs[i].pending, runs[i].events, REPS, eps);
        qsort(eps, REPS, sizeof eps[0], cmp_double);
        printf("engine_hold_%s_events_per_s: %.0f\n", runs[i].name, eps[REPS / 2]);
        printf("# engine_hold_%s: best %.0f, worst %.0f events/s over %d rounds of %llu events\n",
               runs[i].name, eps[REPS - 1], eps[0], REPS, (unsigned long long)runs[i].events);
        fflush(stdout);
    }
    return 0;
}
