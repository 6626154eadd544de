/* plan/layouts.h — every Megatron layout the generator can run with a
 * given model, global batch and GPU budget.
 *
 *  - tp: divides the heads and the GPUs of a server (TP stays on NVLink);
 *  - pp: divides the layers;
 *  - dp: the largest that fits tp x pp x dp <= gpus and divides the
 *    global batch (fewer replicas only leave GPUs idle);
 *  - microbatch: 1, 2, 4, ... up to 16, dividing the batch per replica;
 *  - schedule: 1f1b; with pp > 1 and the microbatches a multiple of pp,
 *    interleaved over v = 2, 3 or 4 virtual stages that divide a stage's
 *    layers;
 *  - sequence parallelism with tp > 1, or not;
 *  - recomputation full, selective or none;
 *  - ZeRO 0 to 3 (only 0 when dp = 1: there is nothing to shard).
 * Layouts come out in that nesting order (tp slowest), so the list is the
 * same on every run.
 *
 * Ownership: the caller frees the returned array with free().
 */
#ifndef PLAN_LAYOUTS_H
#define PLAN_LAYOUTS_H

#include <stddef.h>
#include <stdint.h>

#include "workloads/megatron.h"

/* All layouts of model m with base's global batch (and its
 * activation_traffic) on at most `gpus` GPUs, `server_gpus` to a server;
 * *n gets their number. O(layouts). */
wl_layout_t *plan_layouts(const wl_model_t *m, const wl_layout_t *base, uint64_t gpus,
                          uint64_t server_gpus, size_t *n);

#endif
