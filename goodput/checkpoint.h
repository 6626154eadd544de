/* goodput/checkpoint.h — what each rank of a Megatron layout writes to a
 * checkpoint, and reads back on a restore.
 *
 * A checkpoint holds the model states without gradients: 14 bytes a
 * parameter, the 16-bit weights (2) and the fp32 master weights, Adam's
 * momentum and variance (12) (ZeRO, Rajbhandari et al. 2020; the BLOOM
 * 176B checkpoint: 2.3 TB). Every tensor-parallel rank of every stage
 * holds its own Psi_k parameters (workloads/memory.h); the data-parallel
 * replicas hold the same ones, so who writes depends on the sharding:
 *   ZeRO 0:    data-parallel rank 0 writes all 14 Psi_k (Megatron-LM's
 *              non-distributed optimizer: the others write nothing);
 *   ZeRO 1, 2: every data-parallel rank writes its 12 Psi_k / dp of
 *              optimizer state, rank 0 also the 2 Psi_k of weights;
 *   ZeRO 3:    every data-parallel rank writes 14 Psi_k / dp.
 * Summed over the ranks, every layout of a model writes the same bytes,
 * but for the position embedding, which every tensor-parallel rank holds
 * whole and writes.
 *
 * Ownership: plain values.
 */
#ifndef GP_CHECKPOINT_H
#define GP_CHECKPOINT_H

#include <stdint.h>

#include "workloads/megatron.h"

#define GP_CKPT_BYTES_PER_PARAM 14.0

/* Bytes the rank of pipeline stage `stage` and data-parallel index `dpi`
 * writes (any of its tensor-parallel ranks: they write alike). O(1). */
double gp_checkpoint_rank_bytes(const wl_model_t *m, const wl_layout_t *ly, uint64_t stage,
                                uint64_t dpi);

/* Bytes of model states that rank holds, which a restore must give it
 * back: ZeRO 0: all 14 Psi_k (every replica keeps the whole optimizer);
 * ZeRO 1, 2: 2 Psi_k of weights + 12 Psi_k / dp; ZeRO 3: 14 Psi_k / dp.
 * O(1). */
double gp_checkpoint_rank_read_bytes(const wl_model_t *m, const wl_layout_t *ly, uint64_t stage);

/* The whole checkpoint: the sum over every rank. O(pp x dp). */
double gp_checkpoint_bytes(const wl_model_t *m, const wl_layout_t *ly);

#endif
