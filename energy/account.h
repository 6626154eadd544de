/* energy/account.h — what a run's machine draws and costs: power by part,
 * energy and money per iteration and, with a token target, for the whole
 * failure-free training (tensim goodput adds the failures).
 *
 * The model (docs/energy.md, "How the figures are made"):
 *   GPUs      g idle + (busy - idle) x B / T, where g is the machine's
 *             GPUs, B their summed compute time and T the run's time
 *             (idle = busy without an idle figure: an upper bound);
 *   servers   GPU servers x other_w + CPU servers x cpu_server_w;
 *   switches  the count at each port rate x its figure;
 *   facility  the parts above x PUE;
 *   energy    facility power x the iteration time;
 *   money     energy x its price + the job's GPUs x hours x the GPU-hour
 *             price + the machine's capital / (years) x the time.
 * A part without a figure is left out (and named in not_counted), an item
 * without a price is not priced: the totals add what is given.
 *
 * Ownership: an en_account_t is a plain value; en_account_json() returns a
 * new reference.
 */
#ifndef EN_ACCOUNT_H
#define EN_ACCOUNT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "energy/machine.h"
#include "energy/power.h"
#include "energy/spec.h"
#include "sim/exec/records.h"

typedef enum { EN_PART_GPUS, EN_PART_GPU_SERVERS, EN_PART_CPU_SERVERS, EN_PART_SWITCHES,
               EN_PART_N } en_part_t;

/* "gpus", "gpu_servers_other", "cpu_servers", "switches". */
extern const char *const en_part_names[EN_PART_N];

typedef enum { EN_COST_ENERGY, EN_COST_GPU_HOURS, EN_COST_CAPITAL, EN_COST_N } en_cost_t;

/* "energy", "gpu_hours", "capital". */
extern const char *const en_cost_names[EN_COST_N];

typedef struct {
    en_machine_t machine;
    en_figures_t fig;
    en_spec_t spec;
    int64_t job_gpus;              /* the GPUs the job runs on (what GPU-hours count) */
    double gpu_busy_share;         /* B / (g T) */
    double part_w[EN_PART_N];      /* < 0: no figure, not counted */
    double it_w, facility_w;       /* the counted parts; x PUE; < 0 (and kwh) when the
                                      GPUs have no figure: no energy is given */
    double iteration_s;
    double kwh;                    /* per iteration, at the meter; < 0: none */
    double usd[EN_COST_N];         /* per iteration; < 0: not priced */
    double usd_total;              /* per iteration; < 0: nothing priced */
    double capital_usd;            /* the machine's price; < 0: not priced */
    /* with a token target (tokens > 0): the failure-free training */
    double tokens, iterations, days, train_kwh, train_usd[EN_COST_N], train_usd_total;
} en_account_t;

/* The account of machine m with figures f and prices s, over a run of
 * run_s seconds in which the GPUs computed busy_gpu_s seconds in all,
 * whose steady iteration takes iteration_s; job_gpus GPUs run the job.
 * token_target > 0 with tokens_per_iteration > 0 adds the whole
 * training. O(switch rates). */
void en_account(en_account_t *a, const en_machine_t *m, const en_figures_t *f,
                const en_spec_t *s, double busy_gpu_s, double run_s, double iteration_s,
                int64_t job_gpus, double tokens_per_iteration, double token_target);

/* The same read off a run's records (machine from its vertices and links,
 * compute time from its ranks) with the figures for GPU model `gpu` and
 * server models `gpu_server` and `cpu_server` (each may be NULL). Errors:
 * those of en_figures_resolve(). O(|V| + |E| + ranks). */
int en_account_records(en_account_t *a, const sim_records_t *rec, const en_spec_t *s,
                       const char *gpu, const char *gpu_server, const char *cpu_server,
                       double tokens_per_iteration, double token_target, tn_error_t *err);

/* The account as the report's "energy" object (docs/energy.md). O(switch
 * rates). */
json_t *en_account_json(const en_account_t *a);

#endif
