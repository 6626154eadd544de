/* results/outputs.h — the files of a run's output directory, once: each
 * row names a file and writes its bytes; res_write_outputs()
 * (results/report.h) walks the table and puts them in place atomically.
 * Adding an output is a writer function and a row.
 *
 * Ownership: the table is static, read-only data; a writer borrows the
 * records and the report and appends to a caller-owned tn_text_t.
 */
#ifndef RES_OUTPUTS_H
#define RES_OUTPUTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/tn_text.h"
#include "sim/exec/records.h"

typedef struct {
    const char *name; /* as --help and the docs call it */
    const char *file; /* its name in the output directory */
    const char *help; /* one line */
    /* Appends the file's bytes to out and returns true, or returns false
     * (appending nothing) when the records lack what the file shows (no
     * links described, no sampled ranks). report is res_report_json() of
     * rec. O(size of the file). */
    bool (*write)(const sim_records_t *rec, const json_t *report, tn_text_t *out);
} res_output_t;

/* Every output, in the order they are written. */
extern const res_output_t res_outputs[];
extern const size_t res_outputs_n;

#endif
