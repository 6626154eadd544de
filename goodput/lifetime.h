/* goodput/lifetime.h — how long a component lives, and the stream of
 * failures of a class of identical components.
 *
 * A lifetime is exponential (memoryless: a constant rate, what published
 * rates per node-day describe) or Weibull (shape k < 1: infant mortality,
 * k > 1: wear-out, as Titan's GPUs aged), given by its mean. A class of n
 * units fails as n independent renewal processes: a failed unit is
 * replaced at once by a fresh one (a spare or the repaired part) while the
 * other units keep their age. For exponential lifetimes the n processes
 * merge into one Poisson process of rate n / mean, drawn in O(1); Weibull
 * units keep one clock each.
 *
 * Ownership: a gp_failures_t owns its clocks (in the shared heap,
 * common/tn_heap.h) (gp_failures_destroy) and
 * borrows the gsl_rng it draws from, which must outlive it.
 */
#ifndef GP_LIFETIME_H
#define GP_LIFETIME_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#include "common/tn_heap.h"

typedef enum { GP_LIFE_EXPONENTIAL, GP_LIFE_WEIBULL } gp_life_kind_t;

typedef struct {
    gp_life_kind_t kind;
    double mean_s;  /* mean time to failure of one unit, seconds (> 0) */
    double shape;   /* Weibull k (> 0); 1 is exponential */
} gp_lifetime_t;

/* One draw of a unit's lifetime, seconds. O(1). */
double gp_lifetime_draw(const gp_lifetime_t *l, gsl_rng *r);

/* The Weibull scale lambda that gives l's mean: mean / Gamma(1 + 1/k). */
double gp_lifetime_scale(const gp_lifetime_t *l);

typedef struct {
    gp_lifetime_t life;
    uint64_t units;
    gsl_rng *rng;
    double next;    /* exponential: the next failure of the class */
    tn_heap_t clock; /* Weibull: each unit's next failure (key: time, unit) */
} gp_failures_t;

/* Starts `units` new units at time 0. O(units) for Weibull, O(1) else. */
void gp_failures_init(gp_failures_t *f, const gp_lifetime_t *l, uint64_t units, gsl_rng *r);
void gp_failures_destroy(gp_failures_t *f);

/* The time of the class's next failure (INFINITY with no units). O(1). */
double gp_failures_peek(const gp_failures_t *f);

/* Takes that failure: the unit is replaced by a fresh one. O(1)
 * exponential, O(log units) Weibull. */
double gp_failures_pop(gp_failures_t *f);

#endif
