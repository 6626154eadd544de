#include "workloads/memory.h"

wl_memory_t wl_memory_model_states(double params, uint64_t zero, uint64_t dp)
{
    double d = (double)dp;
    wl_memory_t r = {
        .weights = 2 * params / (zero >= 3 ? d : 1),
        .grads = 2 * params / (zero >= 2 ? d : 1),
        .optimizer = 12 * params / (zero >= 1 ? d : 1),
    };
    r.total = r.weights + r.grads + r.optimizer;
    return r;
}

/* Korthikanti et al.'s table, in units of s b h bytes. */
static double per_layer_units(const wl_model_t *m, const wl_layout_t *ly, wl_recompute_t rc)
{
    double t = (double)ly->tp, attn = 5 * (double)m->heads * (double)m->seq_len /
                                      ((double)m->hidden * t);
    switch (rc) {
    case WL_RECOMPUTE_FULL:
        return 2;
    case WL_RECOMPUTE_SELECTIVE:
        return ly->sequence_parallel ? 34 / t : 10 + 24 / t;
    default:
        return ly->sequence_parallel ? 34 / t + attn : 10 + 24 / t + attn;
    }
}

double wl_memory_layer_activations(const wl_model_t *m, const wl_layout_t *ly)
{
    double sbh = (double)m->seq_len * (double)ly->microbatch * (double)m->hidden;
    return sbh * per_layer_units(m, ly, ly->recompute);
}

/* Stage k's memory. */
double wl_memory_stage_params(const wl_model_t *m, const wl_layout_t *ly, uint64_t k)
{
    double h = (double)m->hidden, V = (double)m->vocab, s = (double)m->seq_len,
           t = (double)ly->tp;
    double params = (double)(m->layers / ly->pp) * (12 * h * h + 13 * h) / t;
    if (k == 0)
        params += V * h / t + s * h;
    if (k == ly->pp - 1 && ly->pp > 1)
        params += V * h / t;
    return params;
}

static wl_memory_t stage_memory(const wl_model_t *m, const wl_layout_t *ly, uint64_t k)
{
    double h = (double)m->hidden, V = (double)m->vocab, s = (double)m->seq_len,
           t = (double)ly->tp, b = (double)ly->microbatch;
    double layer_params = (12 * h * h + 13 * h) / t;
    wl_memory_t r = wl_memory_model_states(wl_memory_stage_params(m, ly, k), ly->zero_stage, ly->dp);
    if (ly->zero_stage >= 3 && ly->dp > 1)
        r.weights += 2 * 2 * layer_params;

    /* chunk-microbatches in flight on stage k, each of `per` layers */
    uint64_t mbs = ly->global_batch / (ly->microbatch * ly->dp), v = ly->virtual_stages;
    uint64_t P = ly->pp, per = m->layers / (P * v);
    uint64_t flight = v == 1 ? P - k : 2 * (P - k - 1) + (v - 1) * P + 1;
    if (flight > mbs * v)
        flight = mbs * v;
    double sbh = s * b * h;
    double act = (double)(flight * per) * wl_memory_layer_activations(m, ly);
    if (ly->recompute == WL_RECOMPUTE_FULL)
        act += sbh * per_layer_units(m, ly, WL_RECOMPUTE_NONE);
    else if (ly->recompute == WL_RECOMPUTE_SELECTIVE)
        act += 5 * (double)m->heads * s * s * b / t;
    if (k == 0)
        act += sbh / t * (double)(v == 1 ? flight : (flight + v - 1) / v);
    if (k == P - 1)
        act += 4 * s * b * V / t;
    r.activations = act;
    r.total += act;
    r.stage = k;
    return r;
}

wl_memory_t wl_memory_per_gpu(const wl_model_t *m, const wl_layout_t *ly)
{
    /* The first stage holds the most microbatches and the embedding, the
     * last the logits; the stages between hold less than the first. */
    wl_memory_t first = stage_memory(m, ly, 0);
    if (ly->pp == 1)
        return first;
    wl_memory_t last = stage_memory(m, ly, ly->pp - 1);
    return last.total > first.total ? last : first;
}
