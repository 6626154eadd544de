/* goodput/checkpoint.c — see goodput/checkpoint.h. */
#include "goodput/checkpoint.h"

#include "workloads/memory.h"

double gp_checkpoint_rank_bytes(const wl_model_t *m, const wl_layout_t *ly, uint64_t stage,
                                uint64_t dpi)
{
    double psi = wl_memory_stage_params(m, ly, stage), dp = (double)ly->dp;
    if (ly->zero_stage == 0)
        return dpi == 0 ? GP_CKPT_BYTES_PER_PARAM * psi : 0;
    if (ly->zero_stage >= 3)
        return GP_CKPT_BYTES_PER_PARAM * psi / dp;
    return 12 * psi / dp + (dpi == 0 ? 2 * psi : 0);
}

double gp_checkpoint_rank_read_bytes(const wl_model_t *m, const wl_layout_t *ly, uint64_t stage)
{
    double psi = wl_memory_stage_params(m, ly, stage), dp = (double)ly->dp;
    if (ly->zero_stage == 0)
        return GP_CKPT_BYTES_PER_PARAM * psi;
    if (ly->zero_stage >= 3)
        return GP_CKPT_BYTES_PER_PARAM * psi / dp;
    return 2 * psi + 12 * psi / dp;
}

double gp_checkpoint_bytes(const wl_model_t *m, const wl_layout_t *ly)
{
    double sum = 0;
    for (uint64_t k = 0; k < ly->pp; k++)
        for (uint64_t d = 0; d < ly->dp; d++)
            sum += gp_checkpoint_rank_bytes(m, ly, k, d) * (double)ly->tp;
    return sum;
}
