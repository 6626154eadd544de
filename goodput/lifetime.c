/* goodput/lifetime.c — see goodput/lifetime.h. */
#include "goodput/lifetime.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <string.h>

#include "common/tn_error.h"

double gp_lifetime_scale(const gp_lifetime_t *l)
{
    return l->mean_s / gsl_sf_gamma(1 + 1 / l->shape);
}

double gp_lifetime_draw(const gp_lifetime_t *l, gsl_rng *r)
{
    if (l->kind == GP_LIFE_EXPONENTIAL)
        return gsl_ran_exponential(r, l->mean_s);
    return gsl_ran_weibull(r, gp_lifetime_scale(l), l->shape);
}

/* a Weibull clock's key in the shared heap: its time (a positive double,
 * whose bits order like its value) above its unit */
static tn_heap_key_t clock_key(double t, uint64_t unit)
{
    uint64_t bits;
    memcpy(&bits, &t, sizeof bits);
    return tn_heap_key(bits, unit);
}

static double clock_time(tn_heap_key_t k)
{
    uint64_t bits = tn_heap_key_hi(k);
    double t;
    memcpy(&t, &bits, sizeof t);
    return t;
}

void gp_failures_init(gp_failures_t *f, const gp_lifetime_t *l, uint64_t units, gsl_rng *r)
{
    *f = (gp_failures_t){.life = *l, .units = units, .rng = r, .next = INFINITY};
    tn_heap_init(&f->clock);
    if (units == 0)
        return;
    if (l->kind == GP_LIFE_EXPONENTIAL) {
        f->next = gsl_ran_exponential(r, l->mean_s / (double)units);
        return;
    }
    tn_heap_reserve(&f->clock, units);
    for (uint64_t i = 0; i < units; i++)
        f->clock.h[i] = clock_key(gp_lifetime_draw(l, r), i);
    f->clock.n = units;
    tn_heap_heapify(&f->clock);
}

void gp_failures_destroy(gp_failures_t *f)
{
    tn_heap_destroy(&f->clock);
}

double gp_failures_peek(const gp_failures_t *f)
{
    return tn_heap_size(&f->clock) ? clock_time(tn_heap_top(&f->clock)) : f->next;
}

double gp_failures_pop(gp_failures_t *f)
{
    double t = gp_failures_peek(f);
    if (f->units == 0)
        return t;
    if (tn_heap_size(&f->clock)) {
        uint64_t unit = tn_heap_key_lo(tn_heap_top(&f->clock));
        tn_heap_replace_top(&f->clock, clock_key(t + gp_lifetime_draw(&f->life, f->rng), unit));
    } else {
        f->next = t + gsl_ran_exponential(f->rng, f->life.mean_s / (double)f->units);
    }
    return t;
}
