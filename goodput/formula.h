/* goodput/formula.h — the closed forms of checkpoint/restart theory that
 * the simulated training run is checked against (tests) and reported next
 * to (the interval it finds by simulation beside Young's and Daly's).
 *
 *  Young (1974):  tau = sqrt(2 d M)
 *  Daly (2006):   tau = sqrt(2 d M) [1 + sqrt(d / 2M) / 3 + (d / 2M) / 9] - d
 *                 when d < 2M, else M;
 *                 expected wall time of a solve of T_s with restart R:
 *                 T_w(tau) = M e^(R/M) (e^((tau + d)/M) - 1) T_s / tau
 *  Kokolis et al. (HPCA 2025), a job whose failures arrive at rate lambda
 *  (N nodes x r_f each):
 *                 E[ETTR] ~ [1 - lambda (u0 + tau / 2)] / (1 + d / tau)
 *
 * d: the time a checkpoint costs the job; M: the mean time to interrupt;
 * all times in seconds. Daly's model: every interval of tau ends with a
 * checkpoint of d; a failure (exponential, mean M) anywhere in the
 * interval, its checkpoint or the restart after it loses all of it and
 * costs a restart of R.
 *
 * Ownership: pure functions, nothing allocated.
 */
#ifndef GP_FORMULA_H
#define GP_FORMULA_H

/* Young's first-order optimal interval. O(1). */
double gp_young_interval(double d, double m);

/* Daly's higher-order optimal interval. O(1). */
double gp_daly_interval(double d, double m);

/* Daly's expected wall time of a solve of ts seconds at interval tau. O(1). */
double gp_daly_wall(double ts, double tau, double d, double r, double m);

/* Kokolis's expected effective-training-time ratio at failure rate
 * `lambda` (per second), restart overhead u0, checkpoint cost d and
 * interval tau; 0 when the failures eat all of it. O(1). */
double gp_kokolis_ettr(double lambda, double u0, double d, double tau);

#endif
