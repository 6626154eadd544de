/* energy/power.h — the power figures of a run's parts: the scenario's
 * "power" overrides first, then energy/data/power.json (compiled in) by
 * the GPU model, the server models and the switches' port rates. A part with neither has no figure and is left out of the energy,
 * which then says so.
 *
 * Ownership: an en_figures_t is a plain value.
 */
#ifndef EN_POWER_H
#define EN_POWER_H

#include <stdbool.h>

#include "common/tn_error.h"
#include "energy/machine.h"
#include "energy/spec.h"

typedef struct {
    double pue;
    bool pue_given;                   /* by the scenario */
    double w[EN_FIGURE_N];            /* EN_SWITCH unused: by rate below; < 0: no figure */
    bool given[EN_FIGURE_N];          /* by the scenario, not the data file */
    double switch_w[EN_MAX_RATES];    /* by the machine's switch rates; < 0: no figure */
    char missing[512];                /* the parts without a figure, "; "-separated */
} en_figures_t;

/* The figures for machine m of a run on GPU model `gpu` (NULL: none
 * named), GPU servers `gpu_server` and CPU servers `cpu_server` (NULL:
 * not built from a server description). Errors (TN_EINPUT): the data file
 * is malformed (a build defect, not user input). O(entries of the data
 * file). */
int en_figures_resolve(en_figures_t *f, const en_spec_t *s, const en_machine_t *m,
                       const char *gpu, const char *gpu_server, const char *cpu_server,
                       tn_error_t *err);

#endif
