/* results/report.h — turns a run's records into report.json and writes the
 * output directory.
 *
 * report.json holds the headline figures with units in their keys
 * (iteration_time_s, tokens_per_s, samples_per_s, tflops_per_gpu, mfu:
 * throughput from the steady-state iteration time; TFLOP/s per GPU counts
 * the model FLOPs as SC21 does, over the ranks; MFU divides that by the
 * GPU's 16-bit peak; null where the workload does not say), the
 * per-iteration times, and a meta block
 * (tensim version, seed, scenario hash, command line, events).
 * Added for a reader who was not there (README, "The report", lists them):
 * "run" (what was run: the scenario, workload, layout, GPU, fabric with
 * its counts, radix, rates and oversubscription read off the records'
 * links, the network and collective models, the overrides),
 * "memory_per_gpu" (workloads/memory.h; null for traces), each tier's
 * "meaning", "link_classes" (links alike in tier, endpoint kinds, rate
 * and utilization to 0.1%, with how many share it) and "files" (the
 * other outputs of the directory). It contains
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
#include "workloads/megatron.h"
#include "workloads/memory.h"

/* What was run, as the scenario states it, for the report's "run" object
 * (and the identity block at the top of report.md and report.html).
 * cli/run.c fills it from the scenario; every pointer is borrowed and may
 * be NULL where the scenario does not say (no description, no named
 * model, a trace without a layout, no memory model). */
typedef struct {
    const char *description;
    const char *workload;        /* the source's name: "megatron", "trace", ... */
    const char *model;           /* the model's name; NULL when given by its sizes or none */
    const wl_model_t *sizes;     /* NULL without a model */
    const wl_layout_t *layout;   /* NULL without a layout */
    const char *schedule, *recompute; /* the layout's, as the scenario spells them */
    const char *gpu;             /* NULL when no GPU is named */
    double gpu_memory_bytes;     /* its HBM capacity; 0 when unknown */
    const wl_memory_t *memory;   /* per GPU, from workloads/memory.h; NULL when the
                                    memory model does not apply (traces) */
    const char *fabric_kind, *fabric_preset; /* preset NULL for a full spec */
    double bisection_gbps;       /* topology/stats.h's bisection_bw_gbps; < 0: not known */
    const char *algorithm, *protocol;        /* the collectives' */
    uint64_t chunk_bytes, channels;          /* 0: not set / auto */
    const char *const *sets;     /* the --set overrides, as typed */
    int n_sets;
    uint64_t iterations;
} res_run_t;

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
    const res_run_t *run;   /* NULL: the report has no "run" object */
    const json_t *energy;   /* energy/account.h's object, borrowed; NULL: no "energy" */
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
