/* results/chart.h — self-contained SVG charts for tensim's HTML pages
 * (study.html, plan.html): axes with 1-2-5 ticks and units, numbers in
 * plain notation, a y range that shows the differences (and says so when
 * it does not start at 0), numeric x axes spaced by value (linear or log,
 * named on the axis) or categories, the best point marked, and the table
 * of the values under the chart. No scripts, no external resources.
 *
 * Ownership: a res_chart_t and everything it points to are borrowed for
 * the duration of one call; the output goes into a caller-owned
 * tn_text_t.
 */
#ifndef RES_CHART_H
#define RES_CHART_H

#include <stdbool.h>
#include <stddef.h>

#include "common/tn_text.h"

#define RES_CHART_MAX_TICKS 8

/* How a chart draws its series: points joined by lines (in x order),
 * points alone, or bars side by side (bars always start at 0). */
typedef enum { RES_CHART_LINES, RES_CHART_POINTS, RES_CHART_BARS } res_chart_style_t;

/* How the x axis places its values: as evenly spaced categories, or as
 * numbers, proportional to the value or to its logarithm. */
typedef enum { RES_CHART_X_CATEGORY, RES_CHART_X_LINEAR, RES_CHART_X_LOG } res_chart_xscale_t;

typedef struct {
    const char *name; /* the legend's and the table's column */
    const double *y;  /* one per x value; NAN: no point there */
} res_chart_series_t;

/* A horizontal line across the plot, e.g. a memory capacity. */
typedef struct {
    double y;
    const char *label;
} res_chart_ref_t;

typedef struct {
    const char *title;            /* the figure's caption */
    const char *x_label;          /* the x axis' name */
    const char *const *x;         /* n_x values as text, in the order given */
    const char *const *x_detail;  /* NULL, or n_x longer names for the table */
    size_t n_x;
    bool x_categories;            /* true: categories even when the values are numbers */
    const char *y_label, *y_unit; /* y_unit NULL or "": none (e.g. a share) */
    const res_chart_series_t *series;
    size_t n_series;
    res_chart_style_t style;
    int better;                   /* +1 larger is better, -1 smaller, 0: no best marked */
    size_t best_in;               /* 0: the best over every series; s + 1: series s's only */
    const res_chart_ref_t *refs;
    size_t n_refs;
} res_chart_t;

/* v in plain notation into buf (n bytes, at least 32), and returns buf.
 * The rule: 5 significant digits but every digit before the point
 * (14130 -> "14,130", 123456.7 -> "123,457", 0.2465 -> "0.2465", 1.5 ->
 * "1.5"), thousands separated by commas, trailing zeros after the point
 * dropped; 0 is "0". Magnitudes below 1e-4 or from 1e15 up are written
 * in scientific notation with 4 significant digits (1.5e-7 -> "1.5e-7");
 * NAN is "" and an infinity "inf" or "-inf". O(1). */
char *res_chart_format(double v, char *buf, size_t n);

/* Nice ticks (steps of 1, 2 or 5 times a power of ten) from at or below
 * lo to at or above hi: 3 to RES_CHART_MAX_TICKS of them into ticks[].
 * lo == hi gets a range around it. Returns the count; *step gets the
 * step when step is not NULL. O(1). */
int res_chart_ticks(double lo, double hi, double *ticks, double *step);

/* How n x values (text) would be placed: categories when any is not a
 * number or when n < 2; else numeric, on a log scale when all are
 * positive, n >= 3 and the gaps between the sorted values are more even
 * in log than linear (largest over smallest gap), on a linear scale
 * otherwise. pos[i] gets value i's place from 0 (left) to 1 (right);
 * categories are evenly spaced in the order given. O(n log n). */
res_chart_xscale_t res_chart_x_layout(const char *const *x, size_t n, double *pos);

/* The chart as an HTML <figure>: caption, an inline <svg> (axes, ticks,
 * grid, series, reference lines, the best point ringed and labelled, a
 * legend) and a <table> of the values. O(n_x x n_series + n_x log n_x). */
void res_chart_html(const res_chart_t *c, tn_text_t *h);

/* CSS for the figures and tables res_chart_html writes, for a page's
 * <style>. */
extern const char res_chart_css[];

#endif
