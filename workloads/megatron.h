/* workloads/megatron.h — one Megatron-LM training iteration as a trace.
 *
 * Ranks: tp x pp x dp, numbered as Megatron numbers them (tensor-parallel
 * ranks innermost, then data-parallel, pipeline stages outermost:
 * rank = stage (dp tp) + d tp + t), so a TP group fills consecutive GPUs
 * of a server. One program per pipeline stage: every rank of a stage does
 * the same, each in its own TP, DP and PP group. Two more communicators
 * when their mechanisms are on: "emb", the first and the last stage's
 * ranks of one DP and TP index (pp > 1), and "mp", the tp x pp ranks of
 * one DP index (the optimizer's scalar all-reduces).
 *
 * Per microbatch (b sequences of s tokens, hidden h), per layer:
 *  - forward: 24 b s h^2 + 4 b s^2 h FLOPs / tp, then the TP all-reduces
 *    of the attention and MLP outputs (b s h values of 2 bytes each); with
 *    sequence parallelism each becomes an all-gather before and a
 *    reduce-scatter after;
 *  - backward: twice the forward FLOPs and the same TP collectives, after
 *    a recomputed forward (with its collectives) under full recomputation,
 *    or the recomputed core attention (4 b s^2 h / tp, and its softmax and
 *    dropout traffic) under selective;
 *  - the last stage computes the logits (2 b s h V / tp forward, twice that
 *    backward).
 * Between stages: the activations forward and their gradients backward,
 * b s h / tp values of 2 bytes (Megatron's scatter/gather optimisation),
 * all-gathered over tp by the receiver.
 * Schedule: 1F1B (warm-up of pp - stage - 1 forwards, then one forward
 * one backward, then the cool-down), or interleaved over v virtual stages
 * per stage, with the p2p calls of Megatron-LM's schedules.py in its
 * order: each blocks the stage's compute until its sends and receives are
 * done.
 * Data parallelism: pipelined, each model chunk's gradients (12 h^2 + 13 h
 * parameters / tp a layer, 2 bytes each, plus the embeddings) are
 * all-reduced over the DP group after the whole backward (local DDP);
 * with pp 1, and under ZeRO (1, 2 and 3: reduce-scattered), each layer's
 * as soon as it is done during the last microbatch's backward. Then the
 * tied embedding's gradient between the first and the last stage, then
 * the fp16 optimizer's passes; ZeRO 1 and 2 all-gather the updated
 * parameters after it (the two differ only in memory: workloads/memory.h),
 * ZeRO 3 all-gathers each layer's parameters before its forward and its
 * backward instead.
 * Each of these mechanisms, and the TP collectives of the embedding,
 * logits and loss, sequence parallelism's weight-gradient all-gathers,
 * selective recomputation's traffic and each microbatch's gradient
 * accumulation (6 bytes a parameter), is a row of wl_megatron_mechs[],
 * switchable (wl_layout_t.mech_flip; docs/scenario.md says what each is
 * and where Megatron-LM does it).
 * FLOPs per iteration (all ranks): 96 B s l h^2 (1 + s/(6h) + V/(16 l h))
 * with full recomputation, 72 B s l h^2 (1 + s/(6h) + V/(12 l h)) without
 * (SC21, eq. 3), B the global batch.
 *
 * Compute ops carry FLOPs; the compute model turns them into durations.
 *
 * Ownership: fills a caller-owned, uninitialised wl_trace_t.
 */
#ifndef WL_MEGATRON_H
#define WL_MEGATRON_H

#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "workloads/trace.h"

typedef enum { WL_SCHED_1F1B, WL_SCHED_INTERLEAVED } wl_schedule_t;
typedef enum { WL_RECOMPUTE_FULL, WL_RECOMPUTE_SELECTIVE, WL_RECOMPUTE_NONE } wl_recompute_t;

typedef struct {
    uint64_t layers, hidden, heads, seq_len, vocab;
} wl_model_t;

/* Mechanisms of Megatron-LM as it ran, each switchable (scenario:
 * workload.mechanisms). wl_megatron_mechs[] is the one place their names,
 * defaults and help live; its rows are in this enum's order. */
typedef enum {
    WL_MECH_BLOCKING_P2P,      /* pipeline transfers block both sides' compute */
    WL_MECH_P2P_ALLGATHER,     /* the receiver all-gathers the 1/tp pieces */
    WL_MECH_EMBEDDING_GRAD,    /* tied word-embedding gradient, first <-> last stage */
    WL_MECH_DP_AFTER_BACKWARD, /* local DDP: one fp16 all-reduce per chunk after the backward */
    WL_MECH_OPTIMIZER_PASSES,  /* the fp16 optimizer's passes and its two scalar all-reduces */
    WL_MECH_ALL_WARMUP,        /* interleaved, microbatches = pp: all forwards first */
    WL_MECH_TP_EMBEDDING,      /* TP collectives of the embedding, logits and loss */
    WL_MECH_SP_WGRAD_GATHER,   /* SP backward re-gathers column-parallel inputs */
    WL_MECH_SELECTIVE_TRAFFIC, /* selective recomputation reruns core attention's kernels */
    WL_MECH_GRAD_ACCUMULATION, /* each microbatch's weight gradients added into the buffer */
    WL_MECH_COUNT
} wl_mech_t;

typedef struct {
    const char *name;
    bool on;          /* default: as the published system ran */
    const char *help; /* one line: what, and where Megatron-LM does it */
} wl_mech_row_t;

extern const wl_mech_row_t wl_megatron_mechs[];
extern const size_t wl_megatron_mechs_n;

typedef struct {
    uint64_t tp, pp, dp, global_batch, microbatch, virtual_stages, zero_stage;
    wl_schedule_t schedule;
    wl_recompute_t recompute;
    bool sequence_parallel;
    double activation_traffic; /* HBM bytes per byte of activations; 0: the data file's */
    /* mechanisms switched away from their default, bit i for row i of
     * wl_megatron_mechs[]: 0 (a zeroed layout) runs the published defaults */
    uint32_t mech_flip;
} wl_layout_t;

/* Whether mechanism k is on for this layout. O(1). */
bool wl_megatron_mech(const wl_layout_t *ly, wl_mech_t k);

/* What one layer costs, per microbatch and TP rank: the figures the
 * generator puts on its ops, and the layout planner's estimate reads. */
typedef struct {
    double fwd_flops;       /* (24 b s h^2 + 4 b s^2 h) / tp */
    uint64_t fwd_traffic;   /* elementwise HBM bytes of the forward */
    double recompute_flops; /* selective recomputation: 4 b s^2 h / tp */
    uint64_t recompute_traffic; /* its elementwise HBM bytes (softmax, dropout) */
    double logits_flops;    /* the last stage's forward logits: 2 b s h V / tp */
    uint64_t tp_bytes;      /* each TP collective: b s h 16-bit values */
    uint64_t act_bytes;     /* each pipeline transfer: b s h / tp of them */
    uint64_t param_bytes;   /* the layer's 16-bit parameters per TP rank */
    uint64_t grad_acc_traffic; /* adding its weight gradients into the fp16 buffer: 3 param_bytes */
} wl_megatron_layer_t;

/* O(1), plus reading the data file when the layout's activation_traffic
 * is 0. */
wl_megatron_layer_t wl_megatron_layer(const wl_model_t *m, const wl_layout_t *ly);

/* Parameters a rank's optimizer step updates: its stage's layers over tp,
 * over dp too under ZeRO. O(1). */
uint64_t wl_megatron_optimizer_params(const wl_model_t *m, const wl_layout_t *ly);

/* Builds the iteration. Errors (TN_EINPUT): none today beyond the trace's
 * own check. O(ranks + stages x microbatches x layers). */
int wl_gen_megatron(wl_trace_t *t, const wl_model_t *m, const wl_layout_t *ly, tn_error_t *err);

/* Bytes of HBM traffic a layer's elementwise kernels make per byte of
 * the activations it stores (workloads/data/megatron.json). O(size of
 * that file). */
double wl_megatron_activation_traffic(void);

/* Model FLOPs of one iteration, all ranks, as SC21 counts them (eq. 3,
 * with the recomputed forward under full recomputation). O(1). */
double wl_megatron_flops(const wl_model_t *m, const wl_layout_t *ly);

#endif
