/* validate/validate.h — tensim against published results: each case runs
 * the simulator on a system whose figures were published and keeps a row
 * of (published, predicted, bound). `make validate` prints them as a
 * Markdown table and writes validation.json; tests/check_validate.c holds
 * every row to its bound: a row on target must stay on target, and a
 * known miss must not get worse by more than 3-4 points.
 *
 * Cases (their inputs are copies under tests/data/published/, each naming
 * its source):
 *  - megatron: the rows of the Megatron-LM SC21 Table 1 on selene-a100,
 *    TFLOP/s per GPU; the compute model's activation_traffic was
 *    calibrated on the 1.7B row, the others are predictions;
 *  - nccl8: nccl-tests all-reduce bus bandwidth on one 8-GPU A100 and H100
 *    server, every size; NVLink payload and NVLS efficiencies were
 *    calibrated on the 8 GiB points;
 *  - internode: NVIDIA's inter-node NCCL figures (DGX A100 with 8 HDR NICs,
 *    one HDR NIC, one NDR NIC);
 *  - astra: ASTRA-sim's analytical-backend reference delays, exactly;
 *  - goodput: failure counts, job MTTFs, Daly's optima, Monte Carlo
 *    against Daly's and Kokolis's closed forms, BLOOM's checkpoint bytes
 *    (validate/goodput.c says which rows are calibration rows).
 *
 * Ownership: a val_table_t is caller-owned (zero-initialised is empty;
 * val_table_destroy frees it); rows own nothing (their strings are
 * static or inline).
 */
#ifndef VAL_VALIDATE_H
#define VAL_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/tn_error.h"
#include "common/tn_text.h"
#include "topology/topo.h"

typedef struct {
    const char *group;  /* the case */
    char name[96];      /* the row within it */
    const char *unit;
    double published, predicted;
    double target;      /* the accuracy aimed at: |predicted/published - 1| */
    double bound;       /* what the tests hold the row to: the target, or
                           for a known miss (see note) its error when the
                           row was written plus 3-4 points */
    bool factor;        /* target and bound are factors: within 1/f to f x */
    bool calibration;   /* a constant was calibrated on this row */
    const char *note;   /* what the model lacks where the target is missed, or NULL */
} val_row_t;

typedef struct {
    val_row_t *rows;
    size_t n, cap;
} val_table_t;

/* Multipliers on the shipped calibration constants (1: as shipped), for
 * the sensitivity section. */
typedef struct {
    double gemm_efficiency, hbm_efficiency, activation_traffic, nvlink_efficiency;
    const char *mech_off; /* a Megatron mechanism switched from its default (the ablation), or NULL */
} val_knobs_t;

/* A calibration constant fitted again, now, on its one published point. */
typedef struct {
    const char *constant, *point;
    double shipped, refit;
} val_refit_t;

extern const val_knobs_t val_knobs_shipped;

/* Each appends its rows. `data` is the directory of the published tables
 * (tests/data/published); the Megatron case also reads the shipped
 * scenario workloads/scenarios/selene-megatron-39.1b.json, so run from
 * the repository's root. Errors: a file that cannot be read or parsed, a
 * simulation that fails. Times: megatron about a minute (six runs of 32 to
 * 1,024 GPUs), the others well under a second. */
int val_megatron(val_table_t *t, const val_knobs_t *k, const char *data, tn_error_t *err);
/* Korthikanti et al.'s 22B row (tests/data/published/korthikanti_table5_22b.csv)
 * on one DGX A100: seconds per iteration with full recomputation, and with
 * sequence parallelism and selective recomputation. About 5 s. */
int val_korthikanti(val_table_t *t, const val_knobs_t *k, const char *data, tn_error_t *err);
int val_nccl8(val_table_t *t, const char *data, tn_error_t *err);
int val_internode(val_table_t *t, tn_error_t *err);
int val_astra(val_table_t *t, tn_error_t *err);
/* The goodput rows (tests/data/published/goodput_failures.csv): Llama 3's
 * interruptions on a 16,384-GPU fabric, Kokolis et al.'s job MTTFs, Daly's
 * examples, the Monte Carlo training run against Daly's wall time and
 * Kokolis's E[ETTR] (1,000 runs each, fixed seed), BLOOM-176B's
 * checkpoint, and GEMINI's MT-NLG 530B checkpoint written over a 20 Gbps
 * path to storage (flows). About 2 s. */
int val_goodput(val_table_t *t, const char *data, tn_error_t *err);

/* activation_traffic fitted again on the SC21 1.7B row (bisection, to
 * 1e-7 relative): what the shipped value should be with the model as it
 * is. About 40 runs of the 1.7B row (a few seconds). */
int val_refit_activation_traffic(const char *data, val_refit_t *out, tn_error_t *err);

/* The collectives' fitted constants, each fitted again on its nccl-tests
 * point: NVLink payload efficiency (A100 8 GiB), NVLS efficiency (H100
 * 8 GiB), LL128's channel rate (A100 16 MiB). About 180 collective
 * measurements (a few seconds). */
int val_refit_collectives(const char *data, val_refit_t out[3], tn_error_t *err);

/* The shipped NVLink payload efficiency (the dgx-a100 server file). O(1). */
double val_shipped_nvlink_efficiency(void);

/* Builds the fabric of a topology block given as JSON text (a preset with
 * overrides or a full spec) into t, which the caller destroys (also on
 * error). O(the fabric). */
int val_build_fabric(const char *doc, topo_t *t, tn_error_t *err);

/* Shared by the cases: a new row of `group`; each data row (a line that
 * starts with a digit) of a published CSV handed to row(). */
val_row_t *val_add_row(val_table_t *t, const char *group, const char *unit);
int val_each_csv_row(const char *data, const char *file,
                     int (*row)(void *, const char *, tn_error_t *), void *ctx, tn_error_t *err);

/* The relative error of a row, predicted/published - 1. */
double val_error(const val_row_t *r);

/* Whether the row is within its target, and within its bound (0: equal). */
bool val_row_on_target(const val_row_t *r);
bool val_row_ok(const val_row_t *r);

/* The rows as Markdown: one table per case with the error of each row and
 * the mean and maximum absolute error of the case. O(rows). */
void val_markdown(const val_table_t *t, tn_text_t *out);

/* The rows as a JSON array of {case, row, unit, published, predicted,
 * error, target, on_target, bound, calibration, note}. O(rows). */
json_t *val_json(const val_table_t *t);

void val_table_destroy(val_table_t *t);

#endif
