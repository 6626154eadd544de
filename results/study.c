#include "results/study.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_file.h"
#include "common/tn_json.h"
#include "common/tn_text.h"

/* The headline figures, in res_study_run_t.figure order, with whether a
 * larger value is better. */
static const struct {
    const char *key;
    int larger_is_better;
} figures[4] = {
    {"iteration_time_s", 0},
    {"tokens_per_s", 1},
    {"tflops_per_gpu", 1},
    {"mfu", 1},
};

static const char *const status_names[] = {"ok", "invalid", "failed"};

void res_study_init(res_study_t *s, size_t n_keys, const char *const *keys)
{
    memset(s, 0, sizeof *s);
    s->n_keys = n_keys;
    s->keys = tn_calloc(n_keys + 1, sizeof *s->keys);
    for (size_t k = 0; k < n_keys; k++)
        s->keys[k] = tn_strdup(keys[k]);
}

void res_study_destroy(res_study_t *s)
{
    for (size_t i = 0; i < s->n_runs; i++) {
        res_study_run_t *r = &s->runs[i];
        for (size_t k = 0; k < s->n_keys; k++)
            free(r->values[k]);
        free(r->values);
        free(r->dir);
        free(r->reason);
        free(r->bottleneck);
    }
    free(s->runs);
    for (size_t k = 0; k < s->n_keys; k++)
        free(s->keys[k]);
    free(s->keys);
    memset(s, 0, sizeof *s);
}

int res_study_add(res_study_t *s, const char *const *values, const char *dir,
                  res_run_status_t status, const char *reason, const char *report_path,
                  tn_error_t *err)
{
    json_t *report = NULL;
    if (status == RES_RUN_OK && !(report = tn_json_load_file(report_path, err)))
        return -1;
    TN_GROW(s->runs, s->cap, s->n_runs + 1);
    res_study_run_t *r = &s->runs[s->n_runs++];
    memset(r, 0, sizeof *r);
    r->values = tn_calloc(s->n_keys + 1, sizeof *r->values);
    for (size_t k = 0; k < s->n_keys; k++)
        r->values[k] = tn_strdup(values[k]);
    r->dir = tn_strdup(dir);
    r->status = status;
    r->reason = reason ? tn_strdup(reason) : NULL;
    for (int f = 0; f < 4; f++) {
        json_t *v = report ? json_object_get(report, figures[f].key) : NULL;
        r->figure[f] = json_is_number(v) ? json_number_value(v) : NAN;
    }
    json_t *verdict =
        report ? json_object_get(json_object_get(report, "bottleneck"), "verdict") : NULL;
    r->bottleneck = json_is_string(verdict) ? tn_strdup(json_string_value(verdict)) : NULL;
    json_decref(report);
    return 0;
}

/* The run best at figure f, or -1 when no run has it. Ties: the first. */
static long best_run(const res_study_t *s, int f)
{
    long best = -1;
    for (size_t i = 0; i < s->n_runs; i++) {
        double x = s->runs[i].figure[f];
        if (isnan(x))
            continue;
        double b = best >= 0 ? s->runs[best].figure[f] : 0;
        if (best < 0 || (figures[f].larger_is_better ? x > b : x < b))
            best = (long)i;
    }
    return best;
}

static void put_figure(tn_text_t *o, double x)
{
    if (!isnan(x))
        tn_text_put(o, "%.6g", x);
}

int res_study_write(const res_study_t *s, const char *dir, tn_error_t *err)
{
    tn_text_t csv = {0}, md = {0};
    for (size_t k = 0; k < s->n_keys; k++) {
        tn_text_put_escaped(&csv, s->keys[k], TN_ESC_CSV);
        tn_text_put(&csv, ",");
    }
    tn_text_put(&csv, "status,");
    for (int f = 0; f < 4; f++)
        tn_text_put(&csv, "%s,", figures[f].key);
    tn_text_put(&csv, "bottleneck,dir,reason\n");

    tn_text_put(&md, "| ");
    for (size_t k = 0; k < s->n_keys; k++) {
        tn_text_put_escaped(&md, s->keys[k], TN_ESC_MARKDOWN);
        tn_text_put(&md, " | ");
    }
    tn_text_put(&md,
                "status | iteration_s | tokens_per_s | tflops_per_gpu | mfu | bottleneck |\n|");
    for (size_t k = 0; k < s->n_keys + 6; k++)
        tn_text_put(&md, "---|");
    tn_text_put(&md, "\n");

    for (size_t i = 0; i < s->n_runs; i++) {
        const res_study_run_t *r = &s->runs[i];
        tn_text_put(&md, "| ");
        for (size_t k = 0; k < s->n_keys; k++) {
            tn_text_put_escaped(&csv, r->values[k], TN_ESC_CSV);
            tn_text_put(&csv, ",");
            tn_text_put_escaped(&md, r->values[k], TN_ESC_MARKDOWN);
            tn_text_put(&md, " | ");
        }
        tn_text_put(&csv, "%s,", status_names[r->status]);
        tn_text_put(&md, "%s | ", status_names[r->status]);
        for (int f = 0; f < 4; f++) {
            put_figure(&csv, r->figure[f]);
            tn_text_put(&csv, ",");
            if (isnan(r->figure[f]))
                tn_text_put(&md, "— | ");
            else
                tn_text_put(&md, "%.6g | ", r->figure[f]);
        }
        tn_text_put_escaped(&csv, r->bottleneck ? r->bottleneck : "", TN_ESC_CSV);
        tn_text_put(&csv, ",");
        tn_text_put_escaped(&csv, r->dir, TN_ESC_CSV);
        tn_text_put(&csv, ",");
        tn_text_put_escaped(&csv, r->reason ? r->reason : "", TN_ESC_CSV);
        tn_text_put(&csv, "\n");
        if (r->status == RES_RUN_OK)
            tn_text_put_escaped(&md, r->bottleneck ? r->bottleneck : "—", TN_ESC_MARKDOWN);
        else
            tn_text_put_escaped(&md, r->reason ? r->reason : "", TN_ESC_MARKDOWN);
        tn_text_put(&md, " |\n");
    }
    tn_text_put(&md, "\nBest run per figure:\n\n");
    for (int f = 0; f < 4; f++) {
        long b = best_run(s, f);
        if (b < 0) {
            tn_text_put(&md, "- %s: no run has it\n", figures[f].key);
            continue;
        }
        tn_text_put(&md, "- %s: %.6g (%s), ", figures[f].key, s->runs[b].figure[f],
                    figures[f].larger_is_better ? "highest" : "lowest");
        tn_text_put_escaped(&md, s->runs[b].dir, TN_ESC_MARKDOWN);
        tn_text_put(&md, "\n");
    }

    char pcsv[4096], pmd[4096];
    snprintf(pcsv, sizeof pcsv, "%s/study.csv", dir);
    snprintf(pmd, sizeof pmd, "%s/study.md", dir);
    tn_outset_t os;
    tn_outset_init(&os);
    int rc = tn_outset_add(&os, pcsv, csv.s, csv.n, err) ||
                     tn_outset_add(&os, pmd, md.s, md.n, err) || tn_outset_commit(&os, err)
                 ? -1
                 : 0;
    if (rc)
        tn_outset_abort(&os);
    tn_outset_destroy(&os);
    free(csv.s);
    free(md.s);
    return rc;
}
