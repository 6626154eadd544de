/* results/study.h — the summary of a parameter study (tensim sweep): one
 * row per run with its varied values, its status and the headline
 * figures of its report, as study.csv, study.md and study.html (the table
 * and, per figure and varied key, a chart of the figure against the key's
 * values, one line per combination of the other keys).
 *
 * A study is of one kind. A run study's rows hold report.json's iteration
 * time, tokens/s, TFLOP/s per GPU, MFU and bottleneck verdict; a goodput
 * study's hold goodput.json's time to train (mean, p50, p90 days), the
 * simulated effective training time ratio, the checkpoint interval used
 * (and whether it was given or searched) and the job's mean time to
 * interrupt.
 *
 * Ownership: a res_study_t is caller-owned (res_study_init /
 * res_study_destroy) and owns copies of everything added to it.
 */
#ifndef RES_STUDY_H
#define RES_STUDY_H

#include <stddef.h>

#include "common/tn_error.h"

typedef enum { RES_RUN_OK, RES_RUN_INVALID, RES_RUN_FAILED } res_run_status_t;

/* Whose files the rows summarise: tensim run's report.json or tensim
 * goodput's goodput.json. */
typedef enum { RES_STUDY_RUN, RES_STUDY_GOODPUT } res_study_kind_t;

#define RES_STUDY_MAX_FIGURES 8

typedef struct {
    char **values;           /* one per varied key, as given */
    char *dir;               /* the run's subdirectory name */
    res_run_status_t status;
    char *reason;            /* invalid or failed: the one-line error */
    double figure[RES_STUDY_MAX_FIGURES]; /* in the kind's order (results/study.c); NAN: none */
    char *note;              /* run: the bottleneck verdict; goodput: the interval's source;
                                or NULL */
} res_study_run_t;

typedef struct {
    res_study_kind_t kind;
    size_t n_keys;
    char **keys;
    res_study_run_t *runs;
    size_t n_runs, cap;
} res_study_t;

/* An empty study of `kind` varying n_keys keys (copied). O(keys). */
void res_study_init(res_study_t *s, res_study_kind_t kind, size_t n_keys,
                    const char *const *keys);
void res_study_destroy(res_study_t *s);

/* Adds a run (values: n_keys strings). Its figures come from
 * `report_path` (report.json or goodput.json, as the kind says) when status
 * is RES_RUN_OK: errors (TN_EIO, TN_EINPUT) when that file cannot be read.
 * O(size of the file). */
int res_study_add(res_study_t *s, const char *const *values, const char *dir,
                  res_run_status_t status, const char *reason, const char *report_path,
                  tn_error_t *err);

/* study.csv, study.md and study.html into `dir`, atomically: a row per run
 * in the order added, then (Markdown) the best run per figure that has a
 * better direction, (HTML) the charts. O(runs^2 x keys) for the charts'
 * series. */
int res_study_write(const res_study_t *s, const char *dir, tn_error_t *err);

#endif
