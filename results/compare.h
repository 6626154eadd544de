/* results/compare.h — the what-if table across runs: `tensim compare`,
 * and its side-by-side HTML page for topology comparisons.
 *
 * Ownership: res_compare_t owns its rows and texts (res_compare_init /
 * res_compare_destroy), and holds a reference to each report it is given
 * (json_incref), released by res_compare_destroy.
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
    json_t *report;         /* a reference to the whole report, for the page */
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

/* The side-by-side page, a malloc'ed self-contained HTML document (no
 * scripts, no external resources), one column per run in the order added:
 * each run's identity (scenario, fabric kind and preset, GPUs, GPU model,
 * model, layout, network and collective models); each fabric's inventory
 * (servers, per-server parts, switches and their radix by kind,
 * oversubscription, cables by tier, connections); the headline figures
 * with ratios to the first run (speedup, tokens/s, TFLOP/s per GPU and MFU
 * ratios) and memory per GPU; where each run's time goes (shares with
 * seconds, a table and a grouped bar chart); utilization per tier (mean
 * and max, links, capacity; a table and a grouped bar chart). Parts a
 * report lacks (a trace has no MFU, an older report no "run") read "—".
 * Numbers in res_chart_format's plain notation. O(runs x size of each
 * report). */
char *res_compare_html(const res_compare_t *c);

#endif
