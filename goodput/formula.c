/* goodput/formula.c — see goodput/formula.h. */
#include "goodput/formula.h"

#include <math.h>

double gp_young_interval(double d, double m)
{
    return sqrt(2 * d * m);
}

double gp_daly_interval(double d, double m)
{
    if (d >= 2 * m)
        return m;
    double x = d / (2 * m);
    return sqrt(2 * d * m) * (1 + sqrt(x) / 3 + x / 9) - d;
}

double gp_daly_wall(double ts, double tau, double d, double r, double m)
{
    return m * exp(r / m) * expm1((tau + d) / m) * ts / tau;
}

double gp_kokolis_ettr(double lambda, double u0, double d, double tau)
{
    double e = (1 - lambda * (u0 + tau / 2)) / (1 + d / tau);
    return e > 0 ? e : 0;
}
