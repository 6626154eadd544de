/* goodput/study.h — a goodput study of one scenario: its training section
 * (goodput/spec.h), the costs simulated on its fabric (goodput/costs.h),
 * the failure classes of its inventory (goodput/rates.h,
 * goodput/inventory.h), then Monte Carlo runs of the whole training
 * (goodput/montecarlo.h) and the interval search, beside the analytic
 * anchors (Young, Daly, Kokolis).
 *
 * The spare pool at the start is the training section's spares plus the
 * GPU servers of the fabric the job's ranks leave idle (their own
 * failures are still counted with the fabric's: a small overcount).
 *
 * The job's mean time to interrupt M is 1 / sum over interrupting classes
 * of units / MTTF (their rates add); Young's and Daly's intervals use M and
 * the checkpoint pause d; Daly's wall time also the restart R; Kokolis's
 * E[ETTR] the same M, d, R and the interval in use.
 *
 * Ownership: gp_study_t owns its rates and Monte Carlo runs
 * (gp_study_destroy); it borrows nothing after gp_study_run returns.
 */
#ifndef GP_STUDY_H
#define GP_STUDY_H

#include "energy/account.h"
#include "goodput/cache.h"
#include "goodput/costs.h"
#include "goodput/inventory.h"
#include "goodput/montecarlo.h"
#include "goodput/rates.h"
#include "goodput/spec.h"
#include "sim/job/scenario.h"

typedef struct {
    gp_spec_t spec;
    gp_costs_t costs;
    gp_inventory_t inv;
    gp_rates_t rates;
    gp_class_t cls[GP_MAX_CLASSES];
    gp_training_t training;
    double iterations;          /* to the token target */
    double restart_s;           /* detection + start-up + restore */
    uint64_t idle_servers;      /* GPU servers the job leaves idle: spares from the start,
                                   beside the spec's */
    double mtti_s;              /* the job's mean time to interrupt M */
    double interval_s;          /* the interval the runs use */
    bool interval_auto;         /* it is the searched best */
    double best_interval_s, best_wall_s; /* searched by simulation */
    double young_s, daly_s;     /* the analytic intervals */
    double daly_wall_s;         /* Daly's expected wall time at interval_s */
    double kokolis_ettr;        /* Kokolis's E[ETTR] at interval_s */
    gp_mc_t mc;
    double ettr;                /* work / mean wall time */
    en_account_t power;         /* the machine's power in an intact iteration, and the
                                   prices (energy/account.h) */
    double energy_j;            /* over the mean wall time: GPUs busy while training
                                   (useful, slowed and lost work), idle otherwise */
    double cost_usd[EN_COST_N]; /* over the mean wall time; < 0: not priced */
    double cost_total_usd;      /* < 0: nothing priced */
    uint64_t seed;
} gp_study_t;

/* Runs the study of scenario sc (its `training` section is required).
 * Errors (TN_EINPUT) name the file and JSON path: no training section, a
 * bad value, an interval shorter than a checkpoint's pause, the costs'
 * errors (goodput/costs.h). The search for the best interval runs even
 * when the interval is given, to report it beside Young's and Daly's.
 * Time: the costs', then runs x (1 + the search's 12 grid points and
 * 8-16 golden-section steps) training runs. */
int gp_study_run(gp_study_t *s, const sim_scenario_t *sc, gp_cache_t *cache,
                 gp_costs_progress_fn progress, void *ctx, tn_error_t *err);
void gp_study_destroy(gp_study_t *s);

#endif
