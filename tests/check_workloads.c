/* tests/check_workloads.c — the trace model, the compute-allreduce
 * generator and workload specs. The Megatron mechanisms' traffic and
 * timing: check_megatron_mechanisms.c. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "workloads/compute.h"
#include "workloads/gen_allreduce.h"
#include "workloads/megatron.h"
#include "workloads/spec.h"
#include "tests/helpers.h"
#include "tests/tests.h"

START_TEST(generator_shares_one_program)
{
    wl_trace_t t;
    wl_gen_compute_allreduce(&t, 64, 1000, 1 << 20);
    ck_assert_int_eq(t.n_ranks, 64);
    ck_assert_int_eq(t.n_progs, 1);
    for (int32_t r = 0; r < 64; r++)
        ck_assert_int_eq(t.rank_prog[r], 0);
    const wl_program_t *p = &t.progs[0];
    ck_assert_uint_eq(p->n_ops, 2);
    ck_assert_int_eq(p->ops[0].kind, WL_OP_COMPUTE);
    ck_assert_uint_eq(p->ops[0].duration_ps, 1000);
    ck_assert_int_eq(p->ops[1].kind, WL_OP_COLLECTIVE);
    ck_assert_uint_eq(p->ops[1].bytes, 1 << 20);
    ck_assert_uint_eq(p->ops[1].n_deps, 1);
    ck_assert_uint_eq(p->deps[p->ops[1].dep_off], 0);
    ck_assert_int_eq(t.comms[0].n_groups, 1);
    ck_assert_int_eq(t.comms[0].group_off[1], 64);
    ck_assert_int_eq(wl_trace_check(&t, NULL), 0);
    wl_trace_destroy(&t);
    wl_trace_destroy(NULL);
}
END_TEST

/* 8 ranks, "tp" groups of 4 consecutive ranks, "pp" pairs {r, r+4}. */
START_TEST(communicators_partition_ranks)
{
    wl_trace_t t;
    wl_trace_init(&t, 8);
    int32_t tp[8], pp[8];
    for (int r = 0; r < 8; r++) {
        tp[r] = r / 4;
        pp[r] = r % 4;
    }
    int32_t ctp = wl_trace_add_comm(&t, "tp", 2, tp);
    int32_t cpp = wl_trace_add_comm(&t, "pp", 4, pp);
    const wl_comm_t *c = &t.comms[ctp];
    ck_assert_int_eq(c->rank_group[6], 1);
    ck_assert_int_eq(c->rank_index[6], 2);
    ck_assert_int_eq(c->members[c->group_off[1] + 2], 6);
    c = &t.comms[cpp];
    ck_assert_int_eq(c->group_off[4], 8);
    ck_assert_int_eq(c->rank_group[5], 1);
    ck_assert_int_eq(c->rank_index[5], 1);
    ck_assert_int_eq(c->members[c->group_off[1]], 1);
    ck_assert_int_eq(c->members[c->group_off[1] + 1], 5);

    /* Stage programs: stage 0 sends to position 1 of its pp pair. */
    tn_error_t err = {0};
    int32_t p0 = wl_trace_add_program(&t, "stage0");
    int32_t p1 = wl_trace_add_program(&t, "stage1");
    wl_op_t send = {.kind = WL_OP_SEND, .comm = cpp, .peer = 1, .bytes = 10};
    wl_op_t recv = {.kind = WL_OP_RECV, .comm = cpp, .peer = 0, .bytes = 10};
    wl_program_add_op(&t, p0, &send, NULL, 0);
    wl_program_add_op(&t, p1, &recv, NULL, 0);
    for (int r = 0; r < 7; r++)
        t.rank_prog[r] = r < 4 ? p0 : p1;
    ck_assert_int_eq(wl_trace_check(&t, &err), -1);
    ck_assert_str_eq(err.msg, "rank 7 has no program");
    t.rank_prog[7] = p0; /* rank 7 is position 1 of its pair: sending to itself */
    ck_assert_int_eq(wl_trace_check(&t, &err), -1);
    ck_assert_str_eq(err.msg, "program stage0: op 0: rank 7: peer 1 is not another member of its "
                              "group of pp (size 2)");
    t.rank_prog[7] = p1;
    ck_assert_int_eq(wl_trace_check(&t, &err), 0);
    wl_trace_destroy(&t);
}
END_TEST

static int parse_wl(const char *doc, wl_spec_t *s, tn_error_t *err)
{
    json_t *v = test_json(doc);
    int rc = wl_spec_parse(s, v, "dir/s.json", "workload", err);
    json_decref(v);
    return rc;
}

#define GPT3 "\"generator\": \"megatron\", \"gpu\": \"v100-32gb\", \"model\": {\"layers\": 96, " \
             "\"hidden\": 12288, \"heads\": 96, \"seq_len\": 2048, \"vocab\": 51200}, "

START_TEST(megatron_spec_reads_layout)
{
    wl_spec_t s;
    tn_error_t err = {0};
    ck_assert_int_eq(parse_wl("{" GPT3 "\"layout\": {\"tp\": 8, \"pp\": 16, \"dp\": 78, "
                              "\"global_batch\": 2496, \"schedule\": \"interleaved\", "
                              "\"virtual_stages\": 2, \"recompute\": \"full\", \"zero_stage\": 1}}",
                              &s, &err),
                     0);
    ck_assert_str_eq(s.source->name, "megatron");
    ck_assert_str_eq(s.gpu, "v100-32gb");
    ck_assert_uint_eq(s.model.hidden, 12288);
    ck_assert_uint_eq(s.layout.microbatch, 1); /* default */
    ck_assert_int_eq(s.layout.schedule, WL_SCHED_INTERLEAVED);
    ck_assert_int_eq(s.layout.recompute, WL_RECOMPUTE_FULL);
    ck_assert(!s.layout.sequence_parallel);
    ck_assert_uint_eq(wl_spec_ranks(&s), 8 * 16 * 78);
    wl_trace_t t;
    ck_assert_msg(wl_spec_build(&s, &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.n_ranks, 8 * 16 * 78);
    wl_trace_destroy(&t);
    wl_spec_destroy(&s);
}
END_TEST

/* Models by name from the zoo: the SC21 table's and GPT-3's figures. */
START_TEST(model_zoo)
{
    static const struct {
        const char *name;
        uint64_t layers, hidden, heads;
    } zoo[] = {
        {"gpt3-175b", 96, 12288, 96},     {"megatron-1.7b", 24, 2304, 24},
        {"megatron-3.6b", 30, 3072, 32},  {"megatron-7.5b", 36, 4096, 32},
        {"megatron-18.4b", 40, 6144, 48}, {"megatron-39.1b", 48, 8192, 64},
        {"megatron-76.1b", 60, 10240, 80}, {"korthikanti-22b", 48, 6144, 64},
    };
    for (size_t i = 0; i < sizeof zoo / sizeof zoo[0]; i++) {
        char doc[512];
        snprintf(doc, sizeof doc,
                 "{\"generator\": \"megatron\", \"gpu\": \"a100-80gb\", \"model\": \"%s\", "
                 "\"layout\": {\"tp\": 1, \"pp\": 1, \"dp\": 1, \"global_batch\": 1}}",
                 zoo[i].name);
        wl_spec_t s;
        tn_error_t err = {0};
        ck_assert_msg(parse_wl(doc, &s, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(s.model.layers, zoo[i].layers);
        ck_assert_uint_eq(s.model.hidden, zoo[i].hidden);
        ck_assert_uint_eq(s.model.heads, zoo[i].heads);
        ck_assert_uint_eq(s.model.seq_len, 2048);
        ck_assert_uint_eq(s.model.vocab, 51200);
        wl_spec_destroy(&s);
    }
    wl_spec_t s;
    tn_error_t err = {0};
    ck_assert_int_eq(parse_wl("{\"generator\": \"megatron\", \"gpu\": \"a100-80gb\", \"model\": "
                              "\"gpt4\", \"layout\": {}}",
                              &s, &err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "workload.model: unknown model \"gpt4\" (known: gpt3-175b, "));
}
END_TEST

/* The compute model by hand: an A100 (312 TFLOP/s, gemm_efficiency 0.822,
 * half at 1 GFLOP; HBM 2039 GB/s x 0.824) runs 100 GFLOP and 1 GB in
 * 100e9 / (312e12 x 0.822 x 100/101) + 1e9 / (2039e9 x 0.824) seconds;
 * gpu_set overrides a figure and leaves the others. */
START_TEST(compute_model_by_hand)
{
    wl_gpu_t g;
    ck_assert_int_eq(wl_gpu_lookup("a100-80gb", NULL, &g, NULL), 0);
    double want = 100e9 / (312e12 * 0.822 * 100 / 101) + 1e9 / (2039e9 * 0.824);
    ck_assert_uint_eq(wl_compute_ps(&g, 100e9, 1000000000), (uint64_t)llround(want * 1e12));
    ck_assert_uint_eq(wl_compute_ps(&g, 0, 1000000000), (uint64_t)llround(1e9 / (2039e9 * 0.824) * 1e12));
    wl_gpu_set_t set = wl_gpu_set_none();
    set.gemm_efficiency = 0.5;
    set.hbm_efficiency = 1;
    ck_assert_int_eq(wl_gpu_lookup("a100-80gb", &set, &g, NULL), 0);
    want = 100e9 / (312e12 * 0.5 * 100 / 101) + 1e9 / 2039e9;
    ck_assert_uint_eq(wl_compute_ps(&g, 100e9, 1000000000), (uint64_t)llround(want * 1e12));
    tn_error_t err = {0};
    ck_assert_int_eq(wl_gpu_lookup("k80", NULL, &g, &err), -1);
}
END_TEST

/* A layer's compute ops carry its elementwise traffic: activation_traffic
 * x b s h (10 + 24/t + 5 a s/(h t)) bytes forward (Korthikanti et al.),
 * s b h (34/t + 5 a s/(h t)) with sequence parallelism, twice that
 * backward; the file's calibrated factor when the layout sets none. */
START_TEST(megatron_layer_traffic)
{
    wl_model_t m = {4, 1024, 16, 512, 32000};
    for (int sp = 0; sp < 2; sp++) {
        wl_layout_t ly = {.tp = 4, .pp = 1, .dp = 1, .global_batch = 2, .microbatch = 2,
                          .virtual_stages = 1, .schedule = WL_SCHED_1F1B,
                          .recompute = WL_RECOMPUTE_NONE, .sequence_parallel = sp,
                          .activation_traffic = sp ? 0 : 3};
        wl_trace_t t;
        ck_assert_int_eq(wl_gen_megatron(&t, &m, &ly, NULL), 0);
        double k = sp ? wl_megatron_activation_traffic() : 3, sbh = 2.0 * 512 * 1024;
        double per = sp ? 34.0 / 4 + 5.0 * 16 * 512 / (1024 * 4) : 10 + 24.0 / 4 + 5.0 * 16 * 512 / (1024 * 4);
        uint64_t fwd = (uint64_t)llround(k * sbh * per);
        int n_fwd = 0, n_bwd = 0;
        for (uint32_t i = 0; i < t.progs[0].n_ops; i++) {
            const wl_op_t *o = &t.progs[0].ops[i];
            if (o->kind != WL_OP_COMPUTE || o->bytes == 0)
                continue;
            n_fwd += o->bytes == fwd;
            n_bwd += o->bytes == 2 * fwd;
        }
        ck_assert_int_eq(n_fwd, 4); /* one per layer */
        ck_assert_int_eq(n_bwd, 4);
        wl_trace_destroy(&t);
    }
    ck_assert(wl_megatron_activation_traffic() > 0);
}
END_TEST

START_TEST(workload_spec_errors)
{
    static const struct {
        const char *doc, *msg;
    } cases[] = {
        {"{" GPT3 "\"layout\": {\"tp\": \"8x\", \"pp\": 1, \"dp\": 1, \"global_batch\": 1}}",
         "dir/s.json: workload.layout.tp: expected a positive integer, got \"8x\""},
        {"{" GPT3 "\"layout\": {\"tp\": 8, \"pp\": 7, \"dp\": 1, \"global_batch\": 1}}",
         "dir/s.json: workload.layout.pp: 96 layers do not split into 7 pipeline stages"},
        {"{" GPT3 "\"layout\": {\"tp\": 5, \"pp\": 1, \"dp\": 1, \"global_batch\": 1}}",
         "dir/s.json: workload.layout.tp: 96 heads do not split over tp 5"},
        {"{" GPT3 "\"layout\": {\"tp\": 8, \"pp\": 1, \"dp\": 4, \"global_batch\": 6}}",
         "dir/s.json: workload.layout.global_batch: 6 is not a multiple of microbatch x dp = 4"},
        {"{" GPT3 "\"layout\": {\"tp\": 8, \"pp\": 16, \"dp\": 1, \"global_batch\": 1, "
         "\"virtual_stages\": 2}}",
         "dir/s.json: workload.layout.virtual_stages: must be 1 with the 1f1b schedule"},
        {"{" GPT3 "\"layout\": {\"tp\": 8, \"pp\": 16, \"dp\": 1, \"global_batch\": 1, "
         "\"zero_stage\": 4}}",
         "dir/s.json: workload.layout.zero_stage: 4 is too large (at most 3)"},
        {"{\"generator\": \"megatron\", \"gpu\": \"k80\"}",
         "dir/s.json: workload.gpu: unknown value \"k80\" (expected one of: v100-32gb, "
         "a100-80gb, h100-80gb)"},
        {"{\"generator\": \"compute-allreduce\", \"ranks\": -8, \"compute_time_us\": 1, "
         "\"allreduce_size_bytes\": 1}",
         "dir/s.json: workload.ranks: expected a positive integer, got -8"},
        {"{\"generator\": \"compute-allreduce\", \"ranks\": 8, \"compute_time_us\": 1}",
         "dir/s.json: workload.allreduce_size_bytes: missing required key"},
        {"{\"trace\": \"no-such-trace.json\"}",
         "dir/s.json: workload.trace: cannot read \"dir/no-such-trace.json\": No such file or "
         "directory"},
        {"{\"chakra\": \"/nonexistent/prefix\"}",
         "dir/s.json: workload.chakra: cannot read \"/nonexistent/prefix.0.et\": No such file or "
         "directory"},
        {"{\"trace\": \"t.json\", \"ranks\": 2}", "dir/s.json: workload.ranks: unknown key"},
        {"{}", "dir/s.json: workload: expected one of the keys \"generator\", \"trace\", "
               "\"chakra\""},
        {"{" GPT3 "\"gpu_set\": {\"gemm_efficiency\": 1.5}, \"layout\": {\"tp\": 8, \"pp\": 1, "
         "\"dp\": 1, \"global_batch\": 1}}",
         "dir/s.json: workload.gpu_set.gemm_efficiency: 1.5 is out of range (from 0.01 to 1)"},
        {"{" GPT3 "\"gpu_set\": {\"clock_mhz\": 1410}, \"layout\": {\"tp\": 8, \"pp\": 1, "
         "\"dp\": 1, \"global_batch\": 1}}",
         "dir/s.json: workload.gpu_set.clock_mhz: unknown key"},
        {"{\"trace\": \"t.json\", \"gpu_set\": {\"gemm_efficiency\": 0.5}}",
         "dir/s.json: workload.gpu_set: needs \"gpu\": the figures it overrides"},
        {"{" GPT3 "\"activation_traffic\": \"2\", \"layout\": {\"tp\": 8, \"pp\": 1, \"dp\": 1, "
         "\"global_batch\": 1}}",
         "dir/s.json: workload.activation_traffic: expected a number, got \"2\""},
        {"{" GPT3 "\"mechanisms\": {\"blocking_pp\": false}, \"layout\": {\"tp\": 8, \"pp\": 1, "
         "\"dp\": 1, \"global_batch\": 1}}",
         "dir/s.json: workload.mechanisms.blocking_pp: unknown key (did you mean "
         "\"blocking_p2p\"?)"},
        {"{" GPT3 "\"mechanisms\": {\"blocking_p2p\": 0}, \"layout\": {\"tp\": 8, \"pp\": 1, "
         "\"dp\": 1, \"global_batch\": 1}}",
         "dir/s.json: workload.mechanisms.blocking_p2p: expected true or false, got 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wl_spec_t s;
        tn_error_t err = {0};
        ck_assert_int_eq(parse_wl(cases[i].doc, &s, &err), -1);
        ck_assert_str_eq(err.msg, cases[i].msg);
    }
}
END_TEST

/* Sum of the FLOPs of every op every rank runs (a program's ops times the
 * ranks that run it). */
static double total_flops(const wl_trace_t *t)
{
    double sum = 0;
    for (int32_t p = 0; p < t->n_progs; p++) {
        double f = 0;
        int32_t ranks = 0;
        for (uint32_t i = 0; i < t->progs[p].n_ops; i++)
            f += t->progs[p].ops[i].flops;
        for (int32_t r = 0; r < t->n_ranks; r++)
            ranks += t->rank_prog[r] == p;
        sum += f * ranks;
    }
    return sum;
}

/* GPT-3 175B (96 layers, h 12288, s 2048, V 51200), global batch 1536:
 * the generated FLOPs equal SC21's 96 B s l h^2 (1 + s/(6h) + V/(16 l h))
 * with full recomputation and 72 B s l h^2 (1 + s/(6h) + V/(12 l h))
 * without, within 0.1% (the optimizer step, ~10 FLOPs a parameter, is the
 * difference). */
START_TEST(megatron_flops_match_sc21)
{
    wl_model_t m = {96, 12288, 96, 2048, 51200};
    double B = 1536, s = 2048, l = 96, h = 12288, V = 51200;
    for (int k = 0; k < 3; k++) {
        /* full recomputation, none, and full under the interleaved schedule */
        wl_layout_t ly = {.tp = 8, .pp = 16, .dp = 8, .global_batch = 1536, .microbatch = 1,
                          .virtual_stages = k == 2 ? 3 : 1,
                          .schedule = k == 2 ? WL_SCHED_INTERLEAVED : WL_SCHED_1F1B,
                          .recompute = k == 1 ? WL_RECOMPUTE_NONE : WL_RECOMPUTE_FULL};
        wl_trace_t t;
        tn_error_t err = {0};
        ck_assert_msg(wl_gen_megatron(&t, &m, &ly, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(t.n_ranks, 8 * 16 * 8);
        ck_assert_int_eq(t.n_progs, 16); /* one program per stage */
        double want = k == 1 ? 72 * B * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h))
                             : 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
        ck_assert_double_eq_tol(total_flops(&t), want, want * 1e-3);
        ck_assert_double_eq_tol(wl_megatron_flops(&m, &ly), want, want * 1e-12);
        wl_trace_destroy(&t);
    }
}
END_TEST

/* Bytes per rank, every mechanism at its default: TP, two all-reduces of
 * b s h 16-bit values per layer forward and two backward, plus one
 * all-gather of b s h values after each pipeline receive (the 1/tp pieces
 * put together), the embedding's all-reduce on the first stage, and on
 * the last the logits' input gradient all-reduce and the loss's three
 * all-reduces of b s fp32 values; PP, b s h / t values per microbatch
 * each way; DP, the stage's parameters / t once, in fp16 (pipelined: the
 * first stage's word and position embeddings, V h / t + s h, and the last
 * stage's tied word embedding, V h / t, with them); the tied embedding's
 * gradient between the first and the last stage. A small layout, counted
 * op by op. */
START_TEST(megatron_bytes_match_formulas)
{
    static const wl_layout_t layouts[] = {
        {.tp = 4, .pp = 2, .dp = 2, .global_batch = 16, .microbatch = 2},
        {.tp = 2, .pp = 4, .dp = 1, .global_batch = 8, .microbatch = 1},
        {.tp = 8, .pp = 1, .dp = 4, .global_batch = 32, .microbatch = 4},
        {.tp = 1, .pp = 2, .dp = 8, .global_batch = 64, .microbatch = 2},
    };
    wl_model_t m = {8, 1024, 16, 512, 32000};
    wl_layout_t ly = layouts[_i];
    ly.virtual_stages = 1;
    ly.schedule = WL_SCHED_1F1B;
    ly.recompute = WL_RECOMPUTE_NONE;
    wl_trace_t t;
    ck_assert_int_eq(wl_gen_megatron(&t, &m, &ly, NULL), 0);
    uint64_t b = ly.microbatch, sq = 512, h = 1024, V = 32000,
             mbs = ly.global_batch / (ly.microbatch * ly.dp), layers = 8 / ly.pp, T = ly.tp;
    uint64_t sbh2 = b * sq * h * 2, emb = V * h / T * 2;
    for (int32_t p = 0; p < t.n_progs; p++) {
        uint64_t tp = 0, pp_send = 0, dp = 0, embc = 0;
        bool first = p == 0, last = p == t.n_progs - 1;
        const wl_program_t *pr = &t.progs[p];
        for (uint32_t i = 0; i < pr->n_ops; i++) {
            const wl_op_t *o = &pr->ops[i];
            const char *c = o->kind == WL_OP_COLLECTIVE ? t.comms[o->comm].name : "";
            tp += !strcmp(c, "tp") ? o->bytes : 0;
            dp += !strcmp(c, "dp") ? o->bytes : 0;
            embc += !strcmp(c, "emb") ? o->bytes : 0;
            if (o->kind == WL_OP_SEND)
                pp_send += o->bytes;
        }
        /* TP (none without tensor parallelism) */
        uint64_t recvs = !first + !last;
        uint64_t want_tp = mbs * (layers * 2 * 2 * sbh2 + recvs * sbh2 + first * sbh2 +
                                  last * (sbh2 + 3 * b * sq * 4));
        ck_assert_uint_eq(tp, T > 1 ? want_tp : 0);
        /* PP: b s h / t 16-bit values per microbatch, forward from every
         * stage but the last, backward from every stage but the first */
        uint64_t sends = !last + !first;
        ck_assert_uint_eq(pp_send, sends * mbs * (b * sq * h / T * 2));
        /* DP: the stage's parameters / t, 16-bit, once */
        uint64_t stage = layers * ((12 * h * h + 13 * h) / T * 2);
        if (ly.pp > 1)
            stage += first * (emb + sq * h * 2) + last * emb;
        ck_assert_uint_eq(dp, ly.dp > 1 ? stage : 0);
        /* the tied embedding's gradient, first and last stage only */
        ck_assert_uint_eq(embc, ly.pp > 1 && (first || last) ? emb : 0);
    }
    /* rank numbering: TP innermost, then DP, stages outermost */
    int32_t r = (int32_t)(1 * ly.dp * ly.tp + ly.tp + 0); /* stage 1, dp 1, tp 0 */
    if (ly.pp > 1 && ly.dp > 1) {
        ck_assert_int_eq(t.rank_prog[r], 1);
        ck_assert_int_eq(t.comms[2].rank_index[r], 1); /* pp position = stage */
    }
    wl_trace_destroy(&t);
}
END_TEST

/* ZeRO 1 and 2 differ in memory only: their traces are op for op the
 * same (gradients reduce-scattered, weights all-gathered after the
 * optimizer step over the stage's parameters / t, 16-bit), and ZeRO 0's
 * all-reduces the gradients and gathers nothing. */
START_TEST(megatron_zero_1_and_2_make_one_trace)
{
    wl_model_t m = {8, 1024, 16, 512, 32000};
    wl_layout_t ly = {.tp = 2, .pp = 2, .dp = 4, .global_batch = 16, .microbatch = 1,
                      .virtual_stages = 1, .recompute = WL_RECOMPUTE_FULL};
    wl_trace_t t[3];
    for (uint64_t z = 0; z < 3; z++) {
        ly.zero_stage = z;
        ck_assert_int_eq(wl_gen_megatron(&t[z], &m, &ly, NULL), 0);
    }
    uint64_t gather = 0, reduce[2] = {0, 0};
    for (int32_t p = 0; p < t[1].n_progs; p++) {
        ck_assert_uint_eq(t[1].progs[p].n_ops, t[2].progs[p].n_ops);
        for (uint32_t i = 0; i < t[1].progs[p].n_ops; i++) {
            const wl_op_t *a = &t[1].progs[p].ops[i], *b = &t[2].progs[p].ops[i];
            ck_assert(a->kind == b->kind && a->coll == b->coll && a->bytes == b->bytes &&
                      a->flops == b->flops && a->comm == b->comm);
            bool dpc = a->kind == WL_OP_COLLECTIVE && !strcmp(t[1].comms[a->comm].name, "dp");
            if (p == 0 && dpc && a->coll == WL_COLL_ALLGATHER)
                gather += a->bytes;
            if (p == 0 && a->kind == WL_OP_COLLECTIVE && a->coll == WL_COLL_REDUCESCATTER)
                reduce[1] += a->bytes;
        }
        for (uint32_t i = 0; p == 0 && i < t[0].progs[p].n_ops; i++) {
            const wl_op_t *a = &t[0].progs[p].ops[i];
            ck_assert(a->kind != WL_OP_COLLECTIVE || a->coll != WL_COLL_ALLGATHER ||
                      strcmp(t[0].comms[a->comm].name, "dp"));
            if (a->kind == WL_OP_COLLECTIVE && a->coll == WL_COLL_ALLREDUCE &&
                !strcmp(t[0].comms[a->comm].name, "dp"))
                reduce[0] += a->bytes;
        }
    }
    uint64_t stage = 4 * (12 * 1024 * 1024 + 13 * 1024) / 2 * 2;
    ck_assert_uint_eq(gather, stage);
    ck_assert_uint_eq(reduce[1], stage);
    /* ZeRO 0, pipelined: local DDP's buffer holds the first stage's word
     * (V h / t) and position (s h) embeddings too */
    ck_assert_uint_eq(reduce[0], stage + 32000 * 1024 / 2 * 2 + 512 * 1024 * 2);
    for (int z = 0; z < 3; z++)
        wl_trace_destroy(&t[z]);
}
END_TEST

/* The table is the one list of names: parsed from workload.mechanisms,
 * each switch away from its default sets its bit. */
START_TEST(megatron_mechanisms_spec)
{
    ck_assert_uint_eq(wl_megatron_mechs_n, WL_MECH_COUNT);
    for (size_t i = 0; i < wl_megatron_mechs_n; i++) {
        ck_assert(wl_megatron_mechs[i].help && *wl_megatron_mechs[i].help);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(wl_megatron_mechs[i].name, wl_megatron_mechs[j].name);
    }
    wl_spec_t s;
    tn_error_t err = {0};
    ck_assert_msg(parse_wl("{" GPT3 "\"mechanisms\": {\"blocking_p2p\": false, "
                           "\"optimizer_passes\": true}, \"layout\": {\"tp\": 8, \"pp\": 2, "
                           "\"dp\": 1, \"global_batch\": 2}}",
                           &s, &err) == 0,
                  "%s", err.msg);
    ck_assert_uint_eq(s.layout.mech_flip, 1u << WL_MECH_BLOCKING_P2P); /* its bit alone */
    ck_assert(!wl_megatron_mech(&s.layout, WL_MECH_BLOCKING_P2P));
    ck_assert(wl_megatron_mech(&s.layout, WL_MECH_OPTIMIZER_PASSES));
    wl_spec_destroy(&s);
}
END_TEST

Suite *workloads_suite(void)
{
    Suite *s = suite_create("workloads");
    TCase *tc = tcase_create("trace");
    tcase_add_test(tc, generator_shares_one_program);
    tcase_add_test(tc, communicators_partition_ranks);
    suite_add_tcase(s, tc);
    tc = tcase_create("spec");
    tcase_add_test(tc, megatron_spec_reads_layout);
    tcase_add_test(tc, megatron_flops_match_sc21);
    tcase_add_loop_test(tc, megatron_bytes_match_formulas, 0, 4);
    tcase_add_test(tc, megatron_zero_1_and_2_make_one_trace);
    tcase_add_test(tc, workload_spec_errors);
    tcase_add_test(tc, compute_model_by_hand);
    tcase_add_test(tc, megatron_layer_traffic);
    tcase_add_test(tc, model_zoo);
    tcase_add_test(tc, megatron_mechanisms_spec);
    suite_add_tcase(s, tc);
    return s;
}
