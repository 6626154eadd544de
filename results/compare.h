/* results/compare.h — the what-if table across runs: `tensim compare`.
 *
 * Ownership: res_compare_t owns its rows and texts (res_compare_init /
 * res_compare_destroy); res_compare_add only reads the report it is given.
 */
#ifndef RES_COMPARE_H
#define RES_COMPARE_H

#include <jansson.h>
#include <stddef.h>

#include "common/tn_error.h"

typedef struct {
    char *label;            /* the run's directory */
    char *scenario;
    double iteration_s;
    double tokens_per_s;    /* < 0 when the report has none (traces) */
    double mfu;             /* < 0 when none */
    char *bottleneck;
} res_compare_row_t;

typedef struct {
    res_compare_row_t *rows;
    size_t n, cap;
} res_compare_t;

void res_compare_init(res_compare_t *c);
void res_compare_destroy(res_compare_t *c);

/* Adds the run `label` from its parsed report.json (read from `src`, for
 * messages). Errors (TN_EINPUT, "src: key: message"): a required member
 * (scenario, iteration_time_s, bottleneck.verdict) missing or of the wrong
 * type, or an iteration time that is not positive. O(1). */
int res_compare_add(res_compare_t *c, const char *label, const json_t *report, const char *src,
                    tn_error_t *err);

/* The table as Markdown and as CSV, each a malloc'ed string: one row per
 * run in the order added; ratios to the first run (speedup: its iteration
 * time over this one's; throughput: this one's tokens/s over its). O(rows). */
char *res_compare_markdown(const res_compare_t *c);
char *res_compare_csv(const res_compare_t *c);

#endif
