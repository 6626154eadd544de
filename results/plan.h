/* results/plan.h — a layout plan (plan/plan.h) as a planner reads it: the
 * ranking as a terminal table, plan.csv and plan.json for tools, and
 * plan.html (charts of the ranked layouts and the ranking) for people.
 *
 * Figures per layout: memory per GPU (GiB, the stage that needs the
 * most), the estimated and (for the simulated) the simulated iteration in
 * seconds, tokens per second and MFU from the simulated iteration when
 * there is one, else from the estimate. MFU counts model FLOPs without
 * recomputation (72 B s l h^2 (1 + s/(6h) + V/(12 l h)), PaLM's
 * definition), so layouts that recompute are not credited for it.
 *
 * Ownership: the caller owns what these return (free the text, decref the
 * JSON); the plan is borrowed.
 */
#ifndef RES_PLAN_H
#define RES_PLAN_H

#include <jansson.h>
#include <stddef.h>

#include "plan/plan.h"

typedef struct {
    const char *scenario, *model_src, *gpu; /* names for the header */
    const wl_model_t *model;
    double gpu_peak_flops;
    double reserve_bytes;
    const char *network_model; /* of the simulations */
} res_plan_meta_t;

/* The header and the first `rows` layouts as an aligned table. O(rows). */
char *res_plan_table(const plan_t *p, const res_plan_meta_t *m, size_t rows);

/* Every layout that fits, one CSV row each, ranked. O(layouts). */
char *res_plan_csv(const plan_t *p, const res_plan_meta_t *m);

/* The plan's inputs, counts and every layout. O(layouts). */
json_t *res_plan_json(const plan_t *p, const res_plan_meta_t *m);

/* plan.html, self-contained (results/chart.h): the header, a chart of the
 * first `rows` layouts' iteration times (bound, estimate, simulated; the
 * best simulated ringed), a chart of their memory per GPU against the GPU's
 * memory and what is left after the reserve, each with its table, and the
 * ranking. O(rows). */
char *res_plan_html(const plan_t *p, const res_plan_meta_t *m, size_t rows);

#endif
