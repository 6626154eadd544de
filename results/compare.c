#include "results/compare.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_error.h"
#include "common/tn_text.h"

void res_compare_init(res_compare_t *c)
{
    memset(c, 0, sizeof *c);
}

void res_compare_destroy(res_compare_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->rows[i].label);
        free(c->rows[i].scenario);
        free(c->rows[i].bottleneck);
    }
    free(c->rows);
    memset(c, 0, sizeof *c);
}

/* A number member or null (-1); anything else is an error. */
static int opt_number(const json_t *o, const char *key, const char *src, double *out,
                      tn_error_t *err)
{
    const json_t *v = json_object_get(o, key);
    *out = -1;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v))
        return tn_error_set(err, TN_EINPUT, "%s: %s: expected a number or null", src, key);
    *out = json_number_value(v);
    return 0;
}

int res_compare_add(res_compare_t *c, const char *label, const json_t *report, const char *src,
                    tn_error_t *err)
{
    if (!json_is_object(report))
        return tn_error_set(err, TN_EINPUT, "%s: expected a json object at the top", src);
    const json_t *sc = json_object_get(report, "scenario");
    const json_t *it = json_object_get(report, "iteration_time_s");
    const json_t *v = json_object_get(json_object_get(report, "bottleneck"), "verdict");
    if (!json_is_string(sc))
        return tn_error_set(err, TN_EINPUT, "%s: scenario: expected a string", src);
    if (!json_is_number(it) || !(json_number_value(it) > 0))
        return tn_error_set(err, TN_EINPUT, "%s: iteration_time_s: expected a positive number",
                            src);
    if (!json_is_string(v))
        return tn_error_set(err, TN_EINPUT,
                            "%s: bottleneck.verdict: expected a string (a report of this "
                            "tensim version)", src);
    res_compare_row_t r = {.iteration_s = json_number_value(it)};
    if (opt_number(report, "tokens_per_s", src, &r.tokens_per_s, err) ||
        opt_number(report, "mfu", src, &r.mfu, err))
        return -1;
    TN_GROW(c->rows, c->cap, c->n + 1);
    r.label = tn_strdup(label);
    r.scenario = tn_strdup(json_string_value(sc));
    r.bottleneck = tn_strdup(json_string_value(v));
    c->rows[c->n++] = r;
    return 0;
}

/* Writes the table with cells separated by `sep`, optional cells (null in
 * the report) as `none`, and the Markdown rule after the header when md. */
static char *table(const res_compare_t *c, bool md)
{
    tn_text_t b = {0};
    const char *sep = md ? " | " : ",", *open = md ? "| " : "", *close = md ? " |\n" : "\n";
    const char *none = md ? "—" : "";
    tn_text_put(&b, "%srun%sscenario%siteration_s%sspeedup%stokens_per_s%sthroughput_ratio%smfu%s"
            "bottleneck%s",
        open, sep, sep, sep, sep, sep, sep, sep, close);
    if (md)
        tn_text_put(&b, "|---|---|---:|---:|---:|---:|---:|---|\n");
    const res_compare_row_t *f = c->n ? &c->rows[0] : NULL;
    for (size_t i = 0; i < c->n; i++) {
        const res_compare_row_t *r = &c->rows[i];
        tn_text_put(&b, "%s", open);
        tn_text_put_escaped(&b, r->label, md ? TN_ESC_MARKDOWN : TN_ESC_CSV);
        tn_text_put(&b, "%s", sep);
        tn_text_put_escaped(&b, r->scenario, md ? TN_ESC_MARKDOWN : TN_ESC_CSV);
        /* the Markdown table is read by people and rounds; the CSV is
         * read by tools and keeps every digit report.json has */
        const char *g = md ? "%.6g" : "%.15g", *ratio = md ? "%.4f" : "%.15g",
                   *mfu = md ? "%.3f" : "%.15g";
        tn_text_put(&b, "%s", sep);
        tn_text_put(&b, g, r->iteration_s);
        tn_text_put(&b, "%s", sep);
        tn_text_put(&b, ratio, f->iteration_s / r->iteration_s);
        tn_text_put(&b, "%s", sep);
        if (r->tokens_per_s >= 0)
            tn_text_put(&b, g, r->tokens_per_s);
        else
            tn_text_put(&b, "%s", none);
        tn_text_put(&b, "%s", sep);
        if (r->tokens_per_s > 0 && f->tokens_per_s > 0)
            tn_text_put(&b, ratio, r->tokens_per_s / f->tokens_per_s);
        else
            tn_text_put(&b, "%s", none);
        tn_text_put(&b, "%s", sep);
        if (r->mfu >= 0)
            tn_text_put(&b, mfu, r->mfu);
        else
            tn_text_put(&b, "%s", none);
        tn_text_put(&b, "%s", sep);
        tn_text_put_escaped(&b, r->bottleneck, md ? TN_ESC_MARKDOWN : TN_ESC_CSV);
        tn_text_put(&b, "%s", close);
    }
    return b.s;
}

char *res_compare_markdown(const res_compare_t *c)
{
    return table(c, true);
}

char *res_compare_csv(const res_compare_t *c)
{
    return table(c, false);
}
