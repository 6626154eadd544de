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

/* Each row names what Megatron-LM did and where; docs/scenario.md
 * (workload.mechanisms) says more. SC21 = 3d718bfc31 (Aug 2021),
 * SP = d63c254127 (2022, Korthikanti et al.). */
const wl_mech_row_t wl_megatron_mechs[] = {
    {"blocking_p2p", true,
     "pipeline transfers block: batch_isend_irecv, wait, cuda.synchronize (p2p_communication.py)"},
    {"p2p_allgather", true,
     "the receiver all-gathers the 1/tp activation pieces over tp (scatter_gather_tensors_in_pipeline)"},
    {"embedding_grad_allreduce", true,
     "tied word-embedding gradient all-reduced between first and last stage (training.py train_step)"},
    {"dp_allreduce_after_backward", true,
     "pp > 1: local DDP's fp16 all-reduce per model chunk after the whole backward (model/distributed.py)"},
    {"optimizer_passes", true,
     "fp16 optimizer: grad copy, unscale, inf check, norm, clip, Adam, fp16 copy (optimizer/*.py)"},
    {"interleaved_all_warmup", true,
     "interleaved with microbatches = pp: all forwards, then all backwards (schedules.py)"},
    {"tp_embedding_logits", true,
     "TP collectives of the embedding, the logits and the vocab-parallel loss (language_model.py)"},
    {"sp_weight_grad_allgather", true,
     "sequence parallelism: backward all-gathers column-parallel inputs again (mpu/layers.py)"},
    {"selective_recompute_traffic", true,
     "selective recomputation reruns core attention's softmax and dropout kernels (transformer.py)"},
    {"grad_accumulation", true,
     "each microbatch's weight gradients added into the fp16 grad buffer (model/distributed.py hook)"},
};
const size_t wl_megatron_mechs_n = sizeof wl_megatron_mechs / sizeof wl_megatron_mechs[0];
_Static_assert(sizeof wl_megatron_mechs / sizeof wl_megatron_mechs[0] == WL_MECH_COUNT,
               "one row per wl_mech_t");

bool wl_megatron_mech(const wl_layout_t *ly, wl_mech_t k)
{
    return wl_megatron_mechs[k].on != (bool)((ly->mech_flip >> k) & 1u);
}

/* Builds one stage's program: a chain of compute ops and blocking TP
 * collectives. Pipeline transfers either block (in the chain, as
 * Megatron-LM's p2p calls do) or are posted up front (receives) and hang
 * off the chain (sends). */
typedef struct {
    wl_trace_t *t;
    int32_t prog;
    uint32_t last;      /* the chain's tail op, or NONE */
    uint32_t *pend;     /* ops the next chain op waits for besides last */
    size_t n_pend, pend_cap;
    uint32_t *extra;    /* ops the end of the iteration waits on (sends, DP) */
    size_t n_extra, cap;
    int32_t tp, dp, pp, emb, mp; /* communicator indices (emb, mp: -1 if none) */
    int stage;
    uint64_t *recvd;    /* by direction and chunk: tensors received so far */
    const wl_model_t *m;
    const wl_layout_t *ly;
    wl_megatron_layer_t lay; /* the per-layer figures */
    bool blocking, gather;   /* mechanisms, looked up once */
} builder_t;

#define NONE UINT32_MAX

static void pend(builder_t *b, uint32_t op)
{
    TN_GROW(b->pend, b->pend_cap, b->n_pend + 1);
    b->pend[b->n_pend++] = op;
}

/* Appends op after the chain's tail, the pending ops and `also` (unless
 * NONE). */
static uint32_t chain(builder_t *b, wl_op_t op, uint32_t also)
{
    if (also != NONE)
        pend(b, also);
    if (b->last != NONE)
        pend(b, b->last);
    b->last = wl_program_add_op(b->t, b->prog, &op, b->pend, (uint32_t)b->n_pend);
    b->n_pend = 0;
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
    /* Selective recomputation reruns core attention (checkpoint_core_attention,
     * d63c254127 transformer.py): QK^T and attention over V (4 b s^2 h / tp
     * FLOPs) and the scale-mask-softmax and dropout kernels between them,
     * whose traffic is the same factor k on the 5 a s^2 b / tp bytes they
     * store (Korthikanti et al.'s attention term). */
    bool sel = wl_megatron_mech(ly, WL_MECH_SELECTIVE_TRAFFIC);
    return (wl_megatron_layer_t){
        .fwd_flops = (24 * B * s * h * h + 4 * B * s * s * h) / t,
        .fwd_traffic = (uint64_t)llround(k * B * s * h * per),
        .recompute_flops = 4 * B * s * s * h / t,
        .recompute_traffic = sel ? (uint64_t)llround(k * B * s * h * attn) : 0,
        .logits_flops = 2.0 * B * s * h * V / t,
        .tp_bytes = sbh2,
        .act_bytes = sbh2 / ly->tp,
        .param_bytes = (12 * m->hidden * m->hidden + 13 * m->hidden) / ly->tp * 2,
        /* local DDP's param hook (3d718bfc31 model/distributed.py):
         * main_grad.add_(grad) after each microbatch's backward, reading the
         * fresh fp16 gradient and the buffer and writing the buffer, 6
         * bytes a parameter; PyTorch DDP's AccumulateGrad does the same
         * from the second microbatch on */
        .grad_acc_traffic = wl_megatron_mech(ly, WL_MECH_GRAD_ACCUMULATION)
                                ? 3 * ((12 * m->hidden * m->hidden + 13 * m->hidden) / ly->tp * 2)
                                : 0,
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

/* The receiver's all-gather of the 1/tp pieces (gather_split_1d_tensor,
 * 3d718bfc31 mpu/random.py): b s h 16-bit values over tp. Not with
 * sequence parallelism, whose activations are already split
 * (d63c254127 p2p_communication.py). */
static void p2p_gather(builder_t *b, uint32_t recv)
{
    if (b->gather)
        chain(b, coll(WL_COLL_ALLGATHER, b->tp, b->lay.tp_bytes), recv);
}

static bool first_virtual(const builder_t *b, uint64_t c)
{
    return b->stage == 0 && c == 0;
}

static bool last_virtual(const builder_t *b, uint64_t c)
{
    return b->stage == (int)b->ly->pp - 1 && c == b->ly->virtual_stages - 1;
}

/* Whether the DP gradients wait for the whole backward: SC21's pipelined
 * runs used local DDP (examples/sc21/run_table_1.sh: DDP=local when
 * pp > 1), whose allreduce_gradients train_step calls after the pipeline;
 * its pp 1 runs PyTorch DDP, which forward_backward_no_pipelining lets
 * all-reduce bucket by bucket during the last microbatch's backward
 * (no_sync before it), as ZeRO's reduce-scatters are here too. */
static bool dp_after_backward(const wl_layout_t *ly)
{
    return ly->pp > 1 && ly->zero_stage == 0 && wl_megatron_mech(ly, WL_MECH_DP_AFTER_BACKWARD);
}

static uint32_t forward(builder_t *b, uint64_t i, uint64_t c, uint64_t layers)
{
    const wl_layout_t *ly = b->ly;
    int P = (int)ly->pp, stage = b->stage;
    bool first = first_virtual(b, c), last = last_virtual(b, c);
    bool tpe = ly->tp > 1 && wl_megatron_mech(ly, WL_MECH_TP_EMBEDDING);
    uint64_t act = b->lay.act_bytes;
    uint32_t recv = NONE;
    if (!first && !b->blocking) {
        wl_op_t r = {.kind = WL_OP_RECV, .comm = b->pp, .peer = stage > 0 ? stage - 1 : P - 1,
                     .tag = vtag(ly, i, c, 0), .bytes = act};
        recv = wl_program_add_op(b->t, b->prog, &r, NULL, 0);
        if (b->gather) {
            p2p_gather(b, recv);
            recv = NONE;
        }
    }
    if (first && tpe) /* VocabParallelEmbedding's all-reduce of its output */
        chain(b, coll(WL_COLL_ALLREDUCE, b->tp, b->lay.tp_bytes), NONE);
    for (uint64_t j = 0; j < layers; j++) {
        zero3_gather(b);
        chain(b, layer_compute(b->lay.fwd_flops, b->lay.fwd_traffic), j == 0 ? recv : NONE);
        tp_comms(b);
    }
    if (last) {
        if (tpe && ly->sequence_parallel) /* the logits' input, gathered */
            chain(b, coll(WL_COLL_ALLGATHER, b->tp, b->lay.tp_bytes), NONE);
        chain(b, compute(b->lay.logits_flops), NONE);
        /* vocab-parallel cross-entropy: all-reduces of the max logit, the
         * target's logit and the sum of exponentials, b s fp32 values each */
        for (int k = 0; tpe && k < 3; k++)
            chain(b, coll(WL_COLL_ALLREDUCE, b->tp, ly->microbatch * b->m->seq_len * 4), NONE);
    } else if (!b->blocking) {
        uint64_t into = stage < P - 1 ? c : c + 1;
        wl_op_t snd = {.kind = WL_OP_SEND, .comm = b->pp, .peer = stage < P - 1 ? stage + 1 : 0,
                       .tag = vtag(ly, i, into, 0), .bytes = act};
        side(b, snd, b->last);
    }
    return b->last;
}

static void backward(builder_t *b, uint64_t i, uint64_t c, uint64_t layers, bool last_mb)
{
    const wl_layout_t *ly = b->ly;
    int P = (int)ly->pp, stage = b->stage;
    bool first = first_virtual(b, c), last = last_virtual(b, c);
    bool tpe = ly->tp > 1 && wl_megatron_mech(ly, WL_MECH_TP_EMBEDDING);
    bool wgrad = ly->tp > 1 && ly->sequence_parallel &&
                 wl_megatron_mech(ly, WL_MECH_SP_WGRAD_GATHER);
    bool overlap_dp = !dp_after_backward(ly);
    uint64_t act = b->lay.act_bytes;
    uint32_t recv = NONE;
    if (last) {
        chain(b, compute(2 * b->lay.logits_flops), NONE);
        if (tpe && ly->sequence_parallel) {
            /* the logits' input gradient reduce-scattered, its input
             * gathered again for the weight gradient */
            chain(b, coll(WL_COLL_REDUCESCATTER, b->tp, b->lay.tp_bytes), NONE);
            chain(b, coll(WL_COLL_ALLGATHER, b->tp, b->lay.tp_bytes), NONE);
        } else if (tpe) { /* copy_to_tensor_model_parallel_region's backward */
            chain(b, coll(WL_COLL_ALLREDUCE, b->tp, b->lay.tp_bytes), NONE);
        }
    } else if (!b->blocking) {
        wl_op_t r = {.kind = WL_OP_RECV, .comm = b->pp, .peer = stage < P - 1 ? stage + 1 : 0,
                     .tag = vtag(ly, i, c, 1), .bytes = act};
        recv = wl_program_add_op(b->t, b->prog, &r, NULL, 0);
        if (b->gather) {
            p2p_gather(b, recv);
            recv = NONE;
        }
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
            chain(b, layer_compute(b->lay.recompute_flops, b->lay.recompute_traffic),
                  j == 0 ? recv : NONE);
            recv = NONE;
        }
        uint32_t before = b->last;
        uint64_t acc = ly->pp == 1 && i == 0 ? 0 : b->lay.grad_acc_traffic; /* see wl_megatron_layer */
        chain(b, layer_compute(2 * f, 2 * traffic + acc), j == 0 ? recv : NONE);
        if (wgrad) {
            /* LinearWithGradAccumulationAndAsyncCommunication (d63c254127
             * mpu/layers.py): QKV's and FC1's backward all-gather their
             * sequence-sharded input again for the weight gradient, launched
             * async beside the input-gradient GEMM: here beside the layer's
             * backward compute, which the next op waits for too */
            for (int k = 0; k < 2; k++) {
                wl_op_t ag = coll(WL_COLL_ALLGATHER, b->tp, b->lay.tp_bytes);
                pend(b, wl_program_add_op(b->t, b->prog, &ag, &before, before == NONE ? 0 : 1));
            }
        }
        tp_comms(b);
        if (last_mb && ly->dp > 1 && overlap_dp)
            side(b, coll(ly->zero_stage ? WL_COLL_REDUCESCATTER : WL_COLL_ALLREDUCE, b->dp,
                         b->lay.param_bytes),
                 b->last);
    }
    if (first && tpe && ly->sequence_parallel) /* scatter_to_sequence_parallel_region's backward */
        chain(b, coll(WL_COLL_ALLGATHER, b->tp, b->lay.tp_bytes), NONE);
    if (!first && !b->blocking) {
        uint64_t into = stage > 0 ? c : c - 1;
        wl_op_t snd = {.kind = WL_OP_SEND, .comm = b->pp, .peer = stage > 0 ? stage - 1 : P - 1,
                       .tag = vtag(ly, i, into, 1), .bytes = act};
        side(b, snd, b->last);
    }
}

/* One of Megatron-LM's p2p calls (_communicate, 3d718bfc31
 * p2p_communication.py) when blocking_p2p is on: every send and receive
 * is posted at once after the chain's tail, and the next op waits for all
 * of them (req.wait() and torch.cuda.synchronize()), so a send ends only
 * when its receiver has posted and the data arrived. Then the receiver
 * all-gathers what it got. Sends name a tensor by (microbatch, chunk) of
 * the computation that made it; a receive takes the next tensor of its
 * chunk (each chunk consumes microbatches in order). A no-op when
 * transfers do not block (forward() and backward() post them). */
typedef struct {
    bool on;
    uint64_t mb, c;
} tensor_t;

static void comm(builder_t *b, tensor_t send_next, tensor_t send_prev, bool recv_prev,
                 uint64_t prev_chunk, bool recv_next, uint64_t next_chunk)
{
    if (!b->blocking)
        return;
    const wl_layout_t *ly = b->ly;
    int P = (int)ly->pp, s = b->stage;
    uint64_t v = ly->virtual_stages, act = b->lay.act_bytes;
    int32_t prev = s > 0 ? s - 1 : P - 1, next = s < P - 1 ? s + 1 : 0;
    wl_op_t ops[4];
    int n = 0, nr = 0;
    if (send_prev.on)
        ops[n++] = (wl_op_t){.kind = WL_OP_SEND, .comm = b->pp, .peer = prev, .bytes = act,
                             .tag = vtag(ly, send_prev.mb, s > 0 ? send_prev.c : send_prev.c - 1, 1)};
    if (recv_prev)
        ops[n++] = (wl_op_t){.kind = WL_OP_RECV, .comm = b->pp, .peer = prev, .bytes = act,
                             .tag = vtag(ly, b->recvd[prev_chunk]++, prev_chunk, 0)};
    if (send_next.on)
        ops[n++] = (wl_op_t){.kind = WL_OP_SEND, .comm = b->pp, .peer = next, .bytes = act,
                             .tag = vtag(ly, send_next.mb, s < P - 1 ? send_next.c : send_next.c + 1, 0)};
    if (recv_next)
        ops[n++] = (wl_op_t){.kind = WL_OP_RECV, .comm = b->pp, .peer = next, .bytes = act,
                             .tag = vtag(ly, b->recvd[v + next_chunk]++, next_chunk, 1)};
    if (n == 0)
        return;
    if (b->last != NONE)
        pend(b, b->last);
    uint32_t deps[16], nd = (uint32_t)b->n_pend;
    TN_ASSERT(nd <= 16);
    if (nd)
        memcpy(deps, b->pend, nd * sizeof *deps);
    b->n_pend = 0;
    for (int k = 0; k < n; k++) {
        pend(b, wl_program_add_op(b->t, b->prog, &ops[k], deps, nd));
        nr += ops[k].kind == WL_OP_RECV;
    }
    for (int k = 0; k < nr; k++)
        p2p_gather(b, NONE);
}

static tensor_t tensor(uint64_t mb, uint64_t c)
{
    return (tensor_t){true, mb, c};
}

static const tensor_t no_tensor = {false, 0, 0};

/* The chunk of the k-th forward (or backward) of a stage under the
 * interleaved schedule (get_model_chunk_id); k may be negative, taken
 * modulo pp v as Python's % does. */
static uint64_t chunk_of(const wl_layout_t *ly, int64_t k, bool fwd)
{
    int64_t Pv = (int64_t)(ly->pp * ly->virtual_stages);
    uint64_t c = (uint64_t)(((k % Pv) + Pv) % Pv) / ly->pp;
    return fwd ? c : ly->virtual_stages - 1 - c;
}

/* The k-th forward (or backward) of a stage under the interleaved
 * schedule, as Megatron-LM orders them: groups of pp microbatches go
 * through chunk 0, then chunk 1, ...; backwards take the chunks in
 * reverse. */
static void virtual_step(const wl_layout_t *ly, uint64_t k, bool fwd, uint64_t *mb, uint64_t *chunk)
{
    uint64_t P = ly->pp, v = ly->virtual_stages, in = k % (P * v);
    *chunk = chunk_of(ly, (int64_t)k, fwd);
    *mb = k / (P * v) * P + in % P;
}

/* forward_backward_pipelining_without_interleaving (3d718bfc31
 * schedules.py): warm-up of pp - stage - 1 forwards, then one forward one
 * backward, then the cool-down, with its p2p calls. */
static void schedule_1f1b(builder_t *b, uint64_t mbs, uint64_t layers)
{
    int P = (int)b->ly->pp, s = b->stage;
    bool first = s == 0, last = s == P - 1;
    uint64_t warm = (uint64_t)(P - s - 1) < mbs ? (uint64_t)(P - s - 1) : mbs, rem = mbs - warm;
    for (uint64_t i = 0; i < warm; i++) {
        comm(b, no_tensor, no_tensor, !first, 0, false, 0); /* recv_forward */
        forward(b, i, 0, layers);
        comm(b, last ? no_tensor : tensor(i, 0), no_tensor, false, 0, false, 0); /* send_forward */
    }
    if (rem > 0)
        comm(b, no_tensor, no_tensor, !first, 0, false, 0);
    for (uint64_t i = 0; i < rem; i++) {
        forward(b, warm + i, 0, layers);
        /* send_forward_recv_backward */
        comm(b, last ? no_tensor : tensor(warm + i, 0), no_tensor, false, 0, !last, 0);
        backward(b, i, 0, layers, i == mbs - 1);
        /* send_backward, or send_backward_recv_forward */
        comm(b, no_tensor, first ? no_tensor : tensor(i, 0), !first && i < rem - 1, 0, false, 0);
    }
    for (uint64_t i = rem; i < mbs; i++) {
        comm(b, no_tensor, no_tensor, false, 0, !last, 0); /* recv_backward */
        backward(b, i, 0, layers, i == mbs - 1);
        comm(b, no_tensor, first ? no_tensor : tensor(i, 0), false, 0, false, 0);
    }
}

/* forward_backward_pipelining_with_interleaving (3d718bfc31
 * schedules.py), its warm-up count, its p2p calls and which of them
 * receive, line by line. */
static void schedule_interleaved(builder_t *b, uint64_t mbs, uint64_t per)
{
    const wl_layout_t *ly = b->ly;
    int64_t P = (int64_t)ly->pp;
    int s = b->stage;
    uint64_t v = ly->virtual_stages, total = mbs * v, mb, c, bmb, bc;
    bool all_warm = mbs == ly->pp && wl_megatron_mech(ly, WL_MECH_ALL_WARMUP);
    uint64_t warm = 2 * (uint64_t)(P - s - 1) + (v - 1) * (uint64_t)P;
    if (all_warm || warm > total)
        warm = total;
    uint64_t rem = total - warm;
    comm(b, no_tensor, no_tensor, s != 0, 0, false, 0);
    for (uint64_t k = 0; k < warm; k++) {
        virtual_step(ly, k, true, &mb, &c);
        forward(b, mb, c, per);
        uint64_t nc = chunk_of(ly, (int64_t)k + 1, true);
        bool rp = !(s == 0 && nc == 0) && k != total - 1;
        tensor_t out = last_virtual(b, c) ? no_tensor : tensor(mb, c);
        bool rn = k == warm - 1 && !all_warm && s != P - 1;
        comm(b, out, no_tensor, rp, nc, rn, v - 1);
    }
    for (uint64_t k = 0; k < rem; k++) {
        uint64_t fk = k + warm;
        virtual_step(ly, fk, true, &mb, &c);
        forward(b, mb, c, per);
        virtual_step(ly, k, false, &bmb, &bc);
        backward(b, bmb, bc, per, bmb == mbs - 1);
        tensor_t out = last_virtual(b, c) ? no_tensor : tensor(mb, c);
        tensor_t grad = first_virtual(b, bc) ? no_tensor : tensor(bmb, bc);
        bool rp = true, rn = true;
        uint64_t nfc, nbc;
        if (s == 0) { /* the first stage is pp - 1 steps ahead of the last */
            nfc = chunk_of(ly, (int64_t)fk - (P - 1), true);
            rp = nfc != v - 1;
            nfc++;
        } else {
            nfc = chunk_of(ly, (int64_t)fk + 1, true);
        }
        if (s == P - 1) {
            nbc = chunk_of(ly, (int64_t)k - (P - 1), false);
            rn = nbc != 0;
            nbc--;
        } else {
            nbc = chunk_of(ly, (int64_t)k + 1, false);
        }
        if (k == rem - 1)
            rp = false;
        comm(b, out, grad, rp, nfc, rn, nbc);
    }
    if (all_warm)
        comm(b, no_tensor, no_tensor, false, 0, s != P - 1, v - 1); /* recv_backward */
    for (uint64_t k = rem; k < total; k++) {
        virtual_step(ly, k, false, &bmb, &bc);
        backward(b, bmb, bc, per, bmb == mbs - 1);
        uint64_t nbc = chunk_of(ly, (int64_t)k + 1, false);
        bool rn = !(s == P - 1 && nbc == v - 1) && k != total - 1;
        comm(b, no_tensor, first_virtual(b, bc) ? no_tensor : tensor(bmb, bc), false, 0, rn, nbc);
    }
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

/* After the pipeline: the DP gradient reduction when it waited for the
 * backward, the embedding gradient between the first and last stage, the
 * optimizer step, ZeRO's parameter gather. */
static void iteration_tail(builder_t *b, uint64_t layers)
{
    const wl_layout_t *ly = b->ly;
    const wl_model_t *m = b->m;
    int P = (int)ly->pp, s = b->stage;
    uint64_t v = ly->virtual_stages, h = m->hidden;
    uint64_t emb = m->vocab * h / ly->tp * 2; /* the word embedding's 16-bit gradient */
    /* every gradient reduction overlapped with the backward joins here */
    for (size_t k = 0; k < b->n_extra; k++)
        if (b->t->progs[b->prog].ops[b->extra[k]].kind == WL_OP_COLLECTIVE)
            pend(b, b->extra[k]);
    if (ly->dp > 1 && dp_after_backward(ly)) {
        /* allreduce_gradients (3d718bfc31 model/distributed.py): one
         * all-reduce of each model chunk's contiguous grad buffer, in the
         * params' fp16 (SC21's runs: --fp16, no
         * --accumulate-allreduce-grads-in-fp32); the first chunk also holds
         * the word and position embeddings, the last the tied output
         * embedding */
        for (uint64_t c = 0; c < v; c++) {
            uint64_t bytes = layers / v * b->lay.param_bytes;
            if (first_virtual(b, c))
                bytes += emb + m->seq_len * h * 2;
            if (last_virtual(b, c) && P > 1)
                bytes += emb;
            chain(b, coll(WL_COLL_ALLREDUCE, b->dp, bytes), NONE);
        }
    }
    if (b->emb >= 0 && (s == 0 || s == P - 1))
        /* train_step's all-reduce of word_embeddings' main_grad over the
         * embedding group (the first and the last stage) */
        chain(b, coll(WL_COLL_ALLREDUCE, b->emb, emb), NONE);
    uint64_t N = wl_megatron_optimizer_params(m, ly);
    double n = (double)N;
    if (!wl_megatron_mech(ly, WL_MECH_OPTIMIZER_PASSES)) {
        /* one op: Adam reads and writes fp32 master weights, m and v (24
         * bytes a parameter) and reads the gradient and writes the 16-bit
         * weight (4 more), about 10 FLOPs a parameter; memory-bound */
        wl_op_t opt = compute(10.0 * n);
        opt.bytes = 28 * N;
        chain(b, opt, NONE);
    } else {
        /* Float16OptimizerWithFloat16Params.step (3d718bfc31
         * optimizer/optimizer.py), each a pass over the rank's N
         * parameters: the fp16 grad buffer zeroed (2 bytes) and scaled by
         * 1/dp (4); grads copied to fp32 (read 2, write 4); unscaled with
         * the inf check (read and write 4); the found-inf flag all-reduced
         * over the model-parallel group */
        wl_op_t o = compute(2 * n);
        o.bytes = (2 + 4 + 6 + 8) * N;
        chain(b, o, NONE);
        if (b->mp >= 0)
            chain(b, coll(WL_COLL_ALLREDUCE, b->mp, 4), NONE);
        /* clip_grad_norm_fp32 (optimizer/clip_grads.py): the l2 norm reads
         * the grads (4), its square all-reduced over the model-parallel
         * group; then the grads scaled by the clip factor (read and write
         * 4: --clip-grad 1.0, taken as applied) */
        o = compute(2 * n);
        o.bytes = 4 * N;
        chain(b, o, NONE);
        if (b->mp >= 0)
            chain(b, coll(WL_COLL_ALLREDUCE, b->mp, 4), NONE);
        /* clip scale (8), Adam (apex FusedAdam: reads weight, grad, m, v,
         * writes weight, m, v: 28), the fp32 weights copied to fp16 (6) */
        o = compute(11 * n);
        o.bytes = (8 + 28 + 6) * N;
        chain(b, o, NONE);
    }
    if ((ly->zero_stage == 1 || ly->zero_stage == 2) && ly->dp > 1)
        chain(b, coll(WL_COLL_ALLGATHER, b->dp, layers * b->lay.param_bytes), NONE);
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
    int32_t emb = -1, mp = -1;
    if (P > 1 && wl_megatron_mech(ly, WL_MECH_EMBEDDING_GRAD)) {
        /* the first and the last stage's ranks of one DP and TP index */
        for (int32_t r = 0; r < n; r++)
            g[r] = r / (D * T) == 0 || r / (D * T) == P - 1 ? r % (D * T) : -1;
        emb = wl_trace_add_comm(t, "emb", D * T, g);
    }
    if (P * T > 1 && wl_megatron_mech(ly, WL_MECH_OPTIMIZER_PASSES)) {
        for (int32_t r = 0; r < n; r++)
            g[r] = r % (D * T) / T; /* the same DP index: tp x pp ranks */
        mp = wl_trace_add_comm(t, "mp", D, g);
    }
    free(g);
    wl_megatron_layer_t lay = wl_megatron_layer(m, ly);
    uint64_t v = ly->virtual_stages;
    for (int stage = 0; stage < P; stage++) {
        char name[32];
        snprintf(name, sizeof name, "stage%d", stage);
        builder_t b = {.t = t, .last = NONE, .tp = tp, .dp = dp, .pp = pp, .emb = emb, .mp = mp,
                       .stage = stage, .m = m, .ly = ly, .lay = lay,
                       .blocking = P > 1 && wl_megatron_mech(ly, WL_MECH_BLOCKING_P2P),
                       .gather = T > 1 && !ly->sequence_parallel &&
                                 wl_megatron_mech(ly, WL_MECH_P2P_ALLGATHER)};
        b.recvd = tn_calloc(2 * v, sizeof *b.recvd);
        b.prog = wl_trace_add_program(t, name);
        if (v == 1)
            schedule_1f1b(&b, mbs, layers);
        else
            schedule_interleaved(&b, mbs, layers / v);
        iteration_tail(&b, layers);
        free(b.recvd);
        free(b.pend);
        free(b.extra);
        for (int32_t r = stage * D * T; r < (stage + 1) * D * T; r++)
            t->rank_prog[r] = b.prog;
    }
    return wl_trace_check(t, err);
}
