/* results/goodput.h — a goodput study's outputs: goodput.json (every
 * figure, for tools), goodput.md (for people), goodput_runs.csv (one row
 * per Monte Carlo run) and its section of report.html (or goodput.html
 * when the directory holds no run report of the same scenario), all
 * rendered from goodput.json's object so they cannot disagree with it.
 * Nothing in them depends on the wall clock or the cache: the same
 * scenario and seed give the same bytes.
 *
 * Ownership: res_goodput_json returns a new reference the caller decrefs;
 * the text functions append to a caller-owned tn_text_t.
 */
#ifndef RES_GOODPUT_H
#define RES_GOODPUT_H

#include <jansson.h>

#include "common/tn_error.h"
#include "common/tn_text.h"
#include "goodput/study.h"

/* O(runs + classes). */
json_t *res_goodput_json(const gp_study_t *s, const char *scenario, uint64_t scenario_hash,
                         const char *command_line);

/* goodput.md. O(classes). */
void res_goodput_markdown(const json_t *g, tn_text_t *out);

/* The report.html section (an <h2> and what follows). O(classes). */
void res_goodput_html_section(const json_t *g, tn_text_t *out);

/* goodput_runs.csv. O(runs x classes). */
void res_goodput_csv(const gp_study_t *s, tn_text_t *out);

/* Writes goodput.json, goodput.md, goodput_runs.csv into dir (created if
 * missing), and either report.html and report.json with a "goodput"
 * member (when dir/report.json is the report of scenario `scenario`) or
 * goodput.html, all or none (common/tn_file.h). Errors (TN_EIO).
 * O(size of the outputs). */
int res_goodput_write(const char *dir, const gp_study_t *s, const json_t *g,
                      const char *scenario, tn_error_t *err);

#endif
