/* goodput/lifetime.c — see goodput/lifetime.h. */
#include "goodput/lifetime.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>

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

/* the Weibull clocks: a binary min-heap of next-failure times */
static void sift_down(double *h, uint64_t n, uint64_t i)
{
    for (;;) {
        uint64_t l = 2 * i + 1, m = i;
        if (l < n && h[l] < h[m])
            m = l;
        if (l + 1 < n && h[l + 1] < h[m])
            m = l + 1;
        if (m == i)
            return;
        double t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

void gp_failures_init(gp_failures_t *f, const gp_lifetime_t *l, uint64_t units, gsl_rng *r)
{
    *f = (gp_failures_t){*l, units, r, INFINITY, NULL};
    if (units == 0)
        return;
    if (l->kind == GP_LIFE_EXPONENTIAL) {
        f->next = gsl_ran_exponential(r, l->mean_s / (double)units);
        return;
    }
    f->clock = tn_malloc(units * sizeof *f->clock);
    for (uint64_t i = 0; i < units; i++)
        f->clock[i] = gp_lifetime_draw(l, r);
    for (uint64_t i = units / 2; i-- > 0;)
        sift_down(f->clock, units, i);
}

void gp_failures_destroy(gp_failures_t *f)
{
    free(f->clock);
    f->clock = NULL;
}

double gp_failures_peek(const gp_failures_t *f)
{
    return f->clock ? f->clock[0] : f->next;
}

double gp_failures_pop(gp_failures_t *f)
{
    double t = gp_failures_peek(f);
    if (f->units == 0)
        return t;
    if (f->clock) {
        f->clock[0] = t + gp_lifetime_draw(&f->life, f->rng);
        sift_down(f->clock, f->units, 0);
    } else {
        f->next = t + gsl_ran_exponential(f->rng, f->life.mean_s / (double)f->units);
    }
    return t;
}
