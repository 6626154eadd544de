/* results/human.h — the report for people: report.md (tables) and
 * report.html (the same tables with SVG charts drawn by tensim itself:
 * the time breakdown, utilization per tier, the busiest links), both
 * rendered from report.json's object so they can never disagree with it.
 *
 * Ownership: both functions return a malloc'ed string the caller frees;
 * they only read the report.
 */
#ifndef RES_HUMAN_H
#define RES_HUMAN_H

#include <jansson.h>
#include <stdbool.h>

#include "common/tn_text.h"

/* Width in pixels of the charts' bars at 100%. */
#define RES_CHART_WIDTH 600

/* O(size of the report). */
char *res_report_markdown(const json_t *report);
char *res_report_html(const json_t *report);

/* One row of a two-column table into t: the label as it is (a literal of
 * the caller's), then the value made from fmt, escaped for the page
 * (html: a <tr>; else a Markdown row). O(length). */
void res_kv_row(tn_text_t *t, bool html, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
