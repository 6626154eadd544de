#include "workloads/megatron.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "topology/embedded.h"

double wl_megatron_activation_traffic(void)
{
    const topo_embedded_t *e = topo_embedded_find(wl_embedded_data, "megatron");
    TN_ASSERT(e != NULL);
    json_t *doc = json_loads(e->text, JSON_REJECT_DUPLICATES, NULL);
    TN_ASSERT(doc != NULL);
    double k = json_number_value(json_object_get(doc, "activation_traffic"));
    json_decref(doc);
    return k;
}

/* Builds one stage's program: a chain of compute ops and blocking TP
 * collectives, with receives posted up front and sends off the chain. */
typedef struct {
    wl_trace_t *t;
    int32_t prog;
    uint32_t last;      /* the chain's tail op, or NONE */
    uint32_t *extra;    /* ops the end of the iteration waits on (sends, DP) */
    size_t n_extra, cap;
    int32_t tp, dp, pp; /* communicator indices */
    const wl_model_t *m;
    const wl_layout_t *ly;
    wl_megatron_layer_t lay; /* the per-layer figures */
} builder_t;

#define NONE UINT32_MAX

/* Appends op after the chain's tail (and after `also`, unless NONE). */
static uint32_t chain(builder_t *b, wl_op_t op, uint32_t also)
{
    uint32_t deps[2];
    uint32_t n = 0;
    if (b->last != NONE)
        deps[n++] = b->last;
    if (also != NONE)
        deps[n++] = also;
    b->last = wl_program_add_op(b->t, b->prog, &op, deps, n);
    return b->last;
}

/* An op hanging off `after`, not in the chain; the iteration waits for it. */
static uint32_t side(builder_t *b, wl_op_t op, uint32_t after)
{
    uint32_t i = wl_program_add_op(b->t, b->prog, &op, &after, after == NONE ? 0 : 1);
    TN_GROW(b->extra, b->cap, b->n_extra + 1);
    b->extra[b->n_extra++] = i;
    return i;
}

static wl_op_t compute(double flops)
{
    return (wl_op_t){.kind = WL_OP_COMPUTE, .flops = flops, .comm = -1};
}

static wl_op_t coll(wl_coll_t c, int32_t comm, uint64_t bytes)
{
    return (wl_op_t){.kind = WL_OP_COLLECTIVE, .coll = (uint8_t)c, .comm = comm, .bytes = bytes};
}

/* The TP collectives after a layer's forward (or backward) compute: two
 * all-reduces of b s h 2-byte values, or with sequence parallelism an
 * all-gather and a reduce-scatter for each. */
static void tp_comms(builder_t *b)
{
    if (b->ly->tp == 1)
        return;
    uint64_t bytes = b->lay.tp_bytes;
    for (int k = 0; k < 2; k++) {
        if (b->ly->sequence_parallel) {
            chain(b, coll(WL_COLL_ALLGATHER, b->tp, bytes), NONE);
            chain(b, coll(WL_COLL_REDUCESCATTER, b->tp, bytes), NONE);
        } else {
            chain(b, coll(WL_COLL_ALLREDUCE, b->tp, bytes), NONE);
        }
    }
}

wl_megatron_layer_t wl_megatron_layer(const wl_model_t *m, const wl_layout_t *ly)
{
    double B = (double)ly->microbatch, s = (double)m->seq_len, h = (double)m->hidden,
           a = (double)m->heads, t = (double)ly->tp, V = (double)m->vocab;
    double k = ly->activation_traffic > 0 ? ly->activation_traffic
                                          : wl_megatron_activation_traffic();
    /* Korthikanti et al.'s stored activations per layer, in units of s b h
     * bytes */
    double attn = 5 * a * s / (h * t);
    double per = ly->sequence_parallel ? 34 / t + attn : 10 + 24 / t + attn;
    uint64_t sbh2 = ly->microbatch * m->seq_len * m->hidden * 2;
    return (wl_megatron_layer_t){
        .fwd_flops = (24 * B * s * h * h + 4 * B * s * s * h) / t,
        .fwd_traffic = (uint64_t)llround(k * B * s * h * per),
        .recompute_flops = 4 * B * s * s * h / t,
        .logits_flops = 2.0 * B * s * h * V / t,
        .tp_bytes = sbh2,
        .act_bytes = sbh2 / ly->tp,
        .param_bytes = (12 * m->hidden * m->hidden + 13 * m->hidden) / ly->tp * 2,
    };
}

static wl_op_t layer_compute(double flops, uint64_t bytes)
{
    wl_op_t o = compute(flops);
    o.bytes = bytes;
    return o;
}

static void zero3_gather(builder_t *b)
{
    if (b->ly->zero_stage == 3 && b->ly->dp > 1)
        chain(b, coll(WL_COLL_ALLGATHER, b->dp, b->lay.param_bytes), NONE);
}

/* Virtual pipeline positions: stage k's chunk c holds virtual stage
 * c pp + k. Data for microbatch i entering chunk c of a stage travels
 * with tag 2 (i v + c), its gradient with 2 (i v + c) + 1; the sender
 * names the chunk it sends into, the receiver its own. */
static int32_t vtag(const wl_layout_t *ly, uint64_t i, uint64_t c, int grad)
{
    return (int32_t)(2 * (i * ly->virtual_stages + c) + (uint64_t)grad);
}

static void forward(builder_t *b, int stage, uint64_t i, uint64_t c, uint64_t layers)
{
    const wl_layout_t *ly = b->ly;
    int P = (int)ly->pp;
    uint64_t v = ly->virtual_stages;
    bool first = stage == 0 && c == 0, last = stage == P - 1 && c == v - 1;
    uint64_t act = b->lay.act_bytes;
    uint32_t recv = NONE;
    if (!first) {
        wl_op_t r = {.kind = WL_OP_RECV, .comm = b->pp, .peer = stage > 0 ? stage - 1 : P - 1,
                     .tag = vtag(ly, i, c, 0), .bytes = act};
        recv = wl_program_add_op(b->t, b->prog, &r, NULL, 0);
    }
    for (uint64_t j = 0; j < layers; j++) {
        zero3_gather(b);
        chain(b, layer_compute(b->lay.fwd_flops, b->lay.fwd_traffic), j == 0 ? recv : NONE);
        tp_comms(b);
    }
    if (last) {
        chain(b, compute(b->lay.logits_flops), NONE);
    } else {
        uint64_t into = stage < P - 1 ? c : c + 1;
        wl_op_t snd = {.kind = WL_OP_SEND, .comm = b->pp, .peer = stage < P - 1 ? stage + 1 : 0,
                       .tag = vtag(ly, i, into, 0), .bytes = act};
        side(b, snd, b->last);
    }
}

static void backward(builder_t *b, int stage, uint64_t i, uint64_t c, uint64_t layers,
                     bool last_mb)
{
    const wl_layout_t *ly = b->ly;
    int P = (int)ly->pp;
    uint64_t v = ly->virtual_stages;
    bool first = stage == 0 && c == 0, last = stage == P - 1 && c == v - 1;
    uint64_t act = b->lay.act_bytes;
    uint32_t recv = NONE;
    if (last) {
        chain(b, compute(2 * b->lay.logits_flops), NONE);
    } else {
        wl_op_t r = {.kind = WL_OP_RECV, .comm = b->pp, .peer = stage < P - 1 ? stage + 1 : 0,
                     .tag = vtag(ly, i, c, 1), .bytes = act};
        recv = wl_program_add_op(b->t, b->prog, &r, NULL, 0);
    }
    double f = b->lay.fwd_flops;
    uint64_t traffic = b->lay.fwd_traffic;
    for (uint64_t j = 0; j < layers; j++) {
        zero3_gather(b);
        if (ly->recompute == WL_RECOMPUTE_FULL) {
            chain(b, layer_compute(f, traffic), j == 0 ? recv : NONE);
            tp_comms(b);
            recv = NONE;
        } else if (ly->recompute == WL_RECOMPUTE_SELECTIVE) {
            chain(b, compute(b->lay.recompute_flops), j == 0 ? recv : NONE);
            recv = NONE;
        }
        chain(b, layer_compute(2 * f, 2 * traffic), j == 0 ? recv : NONE);
        tp_comms(b);
        if (last_mb && ly->dp > 1)
            side(b, coll(ly->zero_stage ? WL_COLL_REDUCESCATTER : WL_COLL_ALLREDUCE, b->dp,
                         b->lay.param_bytes),
                 b->last);
    }
    if (!first) {
        uint64_t into = stage > 0 ? c : c - 1;
        wl_op_t snd = {.kind = WL_OP_SEND, .comm = b->pp, .peer = stage > 0 ? stage - 1 : P - 1,
                       .tag = vtag(ly, i, into, 1), .bytes = act};
        side(b, snd, b->last);
    }
}

/* The k-th forward (or backward) of a stage under the interleaved
 * schedule, as Megatron-LM orders them: groups of pp microbatches go
 * through chunk 0, then chunk 1, ...; backwards take the chunks in
 * reverse. */
static void virtual_step(const wl_layout_t *ly, uint64_t k, bool fwd, uint64_t *mb, uint64_t *chunk)
{
    uint64_t P = ly->pp, v = ly->virtual_stages, in = k % (P * v);
    *chunk = fwd ? in / P : v - 1 - in / P;
    *mb = k / (P * v) * P + in % P;
}

uint64_t wl_megatron_optimizer_params(const wl_model_t *m, const wl_layout_t *ly)
{
    uint64_t params = m->layers / ly->pp * (12 * m->hidden * m->hidden + 13 * m->hidden) / ly->tp;
    return ly->zero_stage >= 1 ? params / ly->dp : params;
}

double wl_megatron_flops(const wl_model_t *m, const wl_layout_t *ly)
{
    double B = (double)ly->global_batch, s = (double)m->seq_len, l = (double)m->layers,
           h = (double)m->hidden, V = (double)m->vocab;
    if (ly->recompute == WL_RECOMPUTE_FULL)
        return 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
    double f = 72 * B * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h));
    return ly->recompute == WL_RECOMPUTE_SELECTIVE ? f + 4 * B * s * s * h * l : f;
}

int wl_gen_megatron(wl_trace_t *t, const wl_model_t *m, const wl_layout_t *ly, tn_error_t *err)
{
    memset(t, 0, sizeof *t);
    int32_t P = (int32_t)ly->pp, D = (int32_t)ly->dp, T = (int32_t)ly->tp, n = P * D * T;
    uint64_t mbs = ly->global_batch / (ly->microbatch * ly->dp), layers = m->layers / ly->pp;
    wl_trace_init(t, n);
    int32_t *g = tn_malloc((size_t)n * sizeof *g);
    for (int32_t r = 0; r < n; r++)
        g[r] = r / T;
    int32_t tp = wl_trace_add_comm(t, "tp", n / T, g);
    for (int32_t r = 0; r < n; r++)
        g[r] = (r / (D * T)) * T + r % T; /* same stage and TP index */
    int32_t dp = wl_trace_add_comm(t, "dp", P * T, g);
    for (int32_t r = 0; r < n; r++)
        g[r] = r % (D * T); /* same DP and TP index */
    int32_t pp = wl_trace_add_comm(t, "pp", D * T, g);
    free(g);
    wl_megatron_layer_t lay = wl_megatron_layer(m, ly);
    for (int stage = 0; stage < P; stage++) {
        char name[32];
        snprintf(name, sizeof name, "stage%d", stage);
        builder_t b = {.t = t, .last = NONE, .tp = tp, .dp = dp, .pp = pp, .m = m, .ly = ly,
                       .lay = lay};
        b.prog = wl_trace_add_program(t, name);
        /* 1F1B: warm up with pp - stage - 1 forwards, then one forward and
         * one backward, then the rest of the backwards. Interleaved: the
         * same over m v virtual microbatches, warming up with
         * 2 (pp - stage - 1) + (v - 1) pp forwards (Megatron-LM). */
        uint64_t v = ly->virtual_stages, total = mbs * v, per = layers / v;
        uint64_t warm = v == 1 ? (uint64_t)(P - stage - 1) : 2 * (uint64_t)(P - stage - 1) + (v - 1) * (uint64_t)P;
        if (warm > total)
            warm = total;
        uint64_t f = 0, bw = 0, mb, ch;
        for (; f < warm; f++) {
            virtual_step(ly, f, true, &mb, &ch);
            forward(&b, stage, mb, ch, per);
        }
        for (; f < total; f++, bw++) {
            virtual_step(ly, f, true, &mb, &ch);
            forward(&b, stage, mb, ch, per);
            virtual_step(ly, bw, false, &mb, &ch);
            backward(&b, stage, mb, ch, per, mb == mbs - 1);
        }
        for (; bw < total; bw++) {
            virtual_step(ly, bw, false, &mb, &ch);
            backward(&b, stage, mb, ch, per, mb == mbs - 1);
        }
        /* the optimizer step, after the chain and every gradient
         * reduction: Adam reads and writes fp32 master weights, m and v
         * (24 bytes a parameter) and reads the gradient and writes the
         * 16-bit weight (4 more), about 10 FLOPs a parameter; memory-bound.
         * With ZeRO a rank updates its 1/dp share. */
        uint64_t params = wl_megatron_optimizer_params(m, ly);
        wl_op_t opt = compute(10.0 * (double)params);
        opt.bytes = 28 * params;
        uint32_t *deps = tn_malloc((b.n_extra + 2) * sizeof *deps);
        uint32_t nd = 0;
        deps[nd++] = b.last;
        for (size_t k = 0; k < b.n_extra; k++)
            if (b.t->progs[b.prog].ops[b.extra[k]].kind == WL_OP_COLLECTIVE)
                deps[nd++] = b.extra[k];
        b.last = wl_program_add_op(t, b.prog, &opt, deps, nd);
        free(deps);
        if ((ly->zero_stage == 1 || ly->zero_stage == 2) && ly->dp > 1)
            chain(&b, coll(WL_COLL_ALLGATHER, dp, layers * lay.param_bytes), NONE);
        free(b.extra);
        for (int32_t r = stage * D * T; r < (stage + 1) * D * T; r++)
            t->rank_prog[r] = b.prog;
    }
    return wl_trace_check(t, err);
}
