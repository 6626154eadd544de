/* workloads/memory.h — how much GPU memory a Megatron layout needs per
 * GPU: what the layout planner (tensim plan) filters on.
 *
 * Model states, as the ZeRO paper counts them (Rajbhandari et al. 2020,
 * section 3.1: mixed-precision Adam, K = 12): for Psi parameters on a
 * GPU, 2 Psi bytes of 16-bit weights, 2 Psi of 16-bit gradients and
 * 12 Psi of optimizer state (fp32 master weights, momentum, variance).
 * ZeRO 1 divides the optimizer state over the dp data-parallel ranks,
 * ZeRO 2 the gradients too, ZeRO 3 the weights too (plus two layers'
 * weights gathered at a time: the one computing and the next).
 * A stage's Psi: its layers' (12 h^2 + 13 h) / tp parameters, plus the
 * word embedding (V h / tp) and the position embedding (s h) on the first
 * stage, and the tied output embedding (V h / tp) on the last when pp > 1.
 *
 * Activations, as Korthikanti et al. 2022 count them (section 4, 16-bit,
 * per layer and microbatch of b sequences of s tokens):
 *   none:      s b h (10 + 24/t + 5 a s / (h t)), s b h (34 + 5 a s / h)/t with SP
 *   selective: s b h (10 + 24/t),                  s b h 34 / t with SP
 *   full:      2 s b h (the layer's input)
 * times the layers a stage holds for the microbatches in flight: the first
 * stage of 1F1B holds min(pp, m) microbatches of its L/pp layers, of the
 * interleaved schedule min(2 (pp - 1) + (v - 1) pp + 1, m v) chunks of
 * L/(pp v) layers (Korthikanti: L (1 + (pp - 1)/(pp v)) layers); plus
 * the working set of the layer being recomputed (full: one layer's
 * activations without recomputation; selective: its attention scores,
 * 5 a s^2 b / t), the embedding's dropout mask (s b h / t per microbatch in
 * flight) on the first stage and the logits and cross-entropy (4 s b V / t)
 * on the last.
 * The figure reported is the stage that needs the most.
 *
 * Ownership: plain values; nothing is allocated.
 */
#ifndef WL_MEMORY_H
#define WL_MEMORY_H

#include <stdint.h>

#include "workloads/megatron.h"

typedef struct {
    double weights, grads, optimizer, activations; /* bytes */
    double total;
    uint64_t stage; /* the stage that needs the most */
} wl_memory_t;

/* Model states of `params` parameters on a GPU under ZeRO stage `zero`
 * over dp ranks: fills weights, grads, optimizer and total (activations
 * 0). O(1). */
wl_memory_t wl_memory_model_states(double params, uint64_t zero, uint64_t dp);

/* Psi of stage k: the parameters one of its tensor-parallel ranks holds
 * (the first paragraph above). O(1). */
double wl_memory_stage_params(const wl_model_t *m, const wl_layout_t *ly, uint64_t k);

/* Bytes of activations one layer stores per microbatch (the table above,
 * without the working set). O(1). */
double wl_memory_layer_activations(const wl_model_t *m, const wl_layout_t *ly);

/* The per-GPU memory of the stage that needs the most. O(1). */
wl_memory_t wl_memory_per_gpu(const wl_model_t *m, const wl_layout_t *ly);

#endif
