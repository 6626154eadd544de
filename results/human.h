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

/* Width in pixels of the charts' bars at 100%. */
#define RES_CHART_WIDTH 600

/* O(size of the report). */
char *res_report_markdown(const json_t *report);
char *res_report_html(const json_t *report);

#endif
