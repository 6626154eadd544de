/* results/report.h — turns a run's records into report.json and writes the
 * output directory.
 *
 * report.json holds the headline figures with units in their keys
 * (iteration_time_s, tokens_per_s, samples_per_s, tflops_per_gpu, mfu:
 * throughput from the steady-state iteration time; TFLOP/s per GPU counts
 * the model FLOPs as SC21 does, over the ranks; MFU divides that by the
 * GPU's 16-bit peak; null where the workload does not say), the
 * per-iteration times, and a meta block
 * (tensim version, seed, scenario hash, command line, events). It contains
 * no wall-clock time, so the same command line on the same scenario gives
 * the same bytes (meta.command_line is the only field that changes with,
 * say, -o).
 *
 * Ownership: res_report_json() returns a new reference the caller
 * json_decref()s; the records and meta are borrowed.
 */
#ifndef RES_REPORT_H
#define RES_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "sim/exec/records.h"

typedef struct {
    const char *scenario;      /* scenario name */
    uint64_t seed;
    uint64_t scenario_hash;
    const char *command_line;  /* as typed, for reproducing the run */
    const char *network_model;
    int32_t gpus, ranks;
    double model_flops;     /* per iteration, all ranks; 0 when unknown */
    double samples, tokens; /* per iteration; 0 when unknown */
    double gpu_peak_flops;  /* per GPU per second; 0 when unknown */
    double wall_s;          /* the simulation's wall time, or < 0 when not
                               measured: the one field that varies between
                               identical runs (meta.wall_time_s) */
} res_meta_t;

/* The report as a JSON object. O(iterations + ranks log ranks + links x
 * log links). */
json_t *res_report_json(const sim_records_t *rec, const res_meta_t *meta);

/* Two lines, for the terminal, read off a report of res_report_json():
 * where the time went (shares of compute, exposed communication and
 * waiting for peers, each split by communicator, the largest first, up to
 * 3; idle; finished early), then the bottleneck verdict and its evidence.
 * No trailing newline; truncated to n - 1 characters. O(communicators). */
void res_summary_lines(const json_t *report, char *buf, size_t n);

/* "leaf 12", "gpu 17 (server 2)": vertex v as people name it, into buf.
 * O(1). */
void res_vertex_name(const sim_records_t *r, int32_t v, char *buf, size_t n);

/* The share of the run link e was busy (its busy time over the simulated
 * time; 0 for an empty run). O(1). */
double res_link_utilization(const sim_records_t *r, int32_t e);

/* Creates `dir` if needed and writes every output of res_outputs[]
 * (results/outputs.h) that applies to the records, `report` being
 * res_report_json() of the same records: report.json, report.md and
 * report.html, and the records' links.csv, ranks.csv and timeline.json,
 * atomically (all files to temporary names, then renamed). Errors
 * (TN_EIO): the directory or a file cannot be created or written; nothing
 * is left half-written. O(size of the outputs). */
int res_write_outputs(const char *dir, const sim_records_t *rec, const json_t *report,
                      tn_error_t *err);

#endif
