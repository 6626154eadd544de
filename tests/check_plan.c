/* tests/check_plan.c — the layout planner: its memory model against the
 * ZeRO paper's published figures and Korthikanti et al.'s formulas, its
 * enumeration against a hand count and the scenario loader, its estimate
 * against the simulation, and its ranking against simulating every
 * layout of a small job. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/layouts.h"
#include "plan/plan.h"
#include "plan/estimate.h"
#include "results/plan.h"
#include "sim/job/run.h"
#include "sim/job/scenario.h"
#include "workloads/memory.h"
#include "tests/helpers.h"
#include "tests/tests.h"

#define GB 1e9

/* ZeRO (Rajbhandari et al. 2020), Figure 1: a 7.5B-parameter model on 64
 * data-parallel GPUs needs 120 GB per GPU without ZeRO, 31.4 GB with the
 * optimizer state partitioned, 16.6 GB with the gradients too and 1.9 GB
 * with the parameters too (K = 12). */
START_TEST(model_states_match_the_zero_paper)
{
    static const double published[4] = {120, 31.4, 16.6, 1.9};
    for (uint64_t z = 0; z < 4; z++) {
        wl_memory_t m = wl_memory_model_states(7.5e9, z, 64);
        ck_assert_msg(fabs(m.total / GB - published[z]) < 0.05,
                      "ZeRO %llu: %.3f GB, published %.1f", (unsigned long long)z, m.total / GB,
                      published[z]);
        ck_assert_double_eq(m.activations, 0);
    }
}
END_TEST

/* Korthikanti et al. (2022), table 2, for GPT-3 175B (s 2048, h 12288,
 * a 96) at t = 8, b = 1: 5 a s / (h t) = 10, so per layer s b h (10 + 3
 * + 10) bytes without recomputation, s b h (34/8 + 10) with sequence
 * parallelism, s b h 13 and s b h 34/8 with selective recomputation, and
 * 2 s b h with full recomputation. */
START_TEST(layer_activations_follow_korthikanti)
{
    wl_model_t m = {.layers = 96, .hidden = 12288, .heads = 96, .seq_len = 2048, .vocab = 51200};
    wl_layout_t ly = {.tp = 8, .pp = 1, .dp = 1, .global_batch = 1, .microbatch = 1,
                      .virtual_stages = 1};
    double sbh = 2048.0 * 12288;
    struct {
        wl_recompute_t rc;
        bool sp;
        double units;
    } rows[] = {{WL_RECOMPUTE_NONE, false, 23},     {WL_RECOMPUTE_NONE, true, 14.25},
                {WL_RECOMPUTE_SELECTIVE, false, 13}, {WL_RECOMPUTE_SELECTIVE, true, 4.25},
                {WL_RECOMPUTE_FULL, false, 2},       {WL_RECOMPUTE_FULL, true, 2}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ly.recompute = rows[i].rc;
        ly.sequence_parallel = rows[i].sp;
        ck_assert_double_eq_tol(wl_memory_layer_activations(&m, &ly), rows[i].units * sbh, 1);
    }
    ly.microbatch = 4; /* linear in the microbatch */
    ck_assert_double_eq_tol(wl_memory_layer_activations(&m, &ly), 4 * 2 * sbh, 1);
}
END_TEST

/* A small layout counted by hand: L 4, h 64, a 4, s 32, V 100; tp 2,
 * pp 2, dp 2, global batch 8 in microbatches of 1 (m = 4), 1F1B, no
 * recomputation, no SP, ZeRO 1.
 * Stage 0: Psi = 2 (12 64^2 + 13 64)/2 + 100 64/2 + 32 64 = 55,232;
 * model states 4 Psi + 12 Psi/2 = 10 Psi = 552,320 bytes. Per layer
 * s b h (10 + 12 + 5 4 32/(64 2)) = 2048 x 27 = 55,296 bytes; min(pp, m)
 * = 2 microbatches in flight of 2 layers: 221,184; the embedding's
 * dropout mask s b h / t per microbatch in flight: 2 x 1,024. Total
 * 775,552.
 * Stage 1: Psi = 49,984 + 3,200 (the output embedding) = 53,184: 531,840
 * bytes; one microbatch in flight: 110,592; the logits 4 s b V / t =
 * 6,400. Total 648,832: the first stage needs more. */
START_TEST(per_gpu_memory_by_hand)
{
    wl_model_t m = {.layers = 4, .hidden = 64, .heads = 4, .seq_len = 32, .vocab = 100};
    wl_layout_t ly = {.tp = 2, .pp = 2, .dp = 2, .global_batch = 8, .microbatch = 1,
                      .virtual_stages = 1, .recompute = WL_RECOMPUTE_NONE, .zero_stage = 1};
    wl_memory_t r = wl_memory_per_gpu(&m, &ly);
    ck_assert_uint_eq(r.stage, 0);
    ck_assert_double_eq_tol(r.weights + r.grads + r.optimizer, 552320, 1e-6);
    ck_assert_double_eq_tol(r.activations, 221184 + 2048, 1e-6);
    ck_assert_double_eq_tol(r.total, 775552, 1e-6);
    /* interleaved, v = 2, chunks of one layer: 2 (p - 1) + (v - 1) p + 1 =
     * 5 chunks in flight, Korthikanti's L (1 + (p - 1)/(p v)) = 5 layers;
     * the dropout masks of ceil(5/2) = 3 microbatches */
    ly.schedule = WL_SCHED_INTERLEAVED;
    ly.virtual_stages = 2;
    r = wl_memory_per_gpu(&m, &ly);
    ck_assert_double_eq_tol(r.activations, 5 * 55296 + 3 * 1024, 1e-6);
    ly.global_batch = 4; /* m = 2: only m v = 4 chunks exist to be in flight */
    r = wl_memory_per_gpu(&m, &ly);
    ck_assert_double_eq_tol(r.activations, 4 * 55296 + 2 * 1024, 1e-6);
    /* ZeRO 3 adds two layers' gathered weights: 2 x 2 x 24,992 bytes */
    ly.zero_stage = 3;
    wl_memory_t z = wl_memory_per_gpu(&m, &ly);
    ck_assert_double_eq_tol(z.weights, 2 * 55232 / 2.0 + 4 * 24992, 1e-6);
}
END_TEST

/* Every SC21 Table 1 layout ran on 80 GB A100s with full recomputation,
 * so each must fit; GPT-3 175B on eight 32 GB V100s (tp 8, no pipeline,
 * no ZeRO) needs 16 x 175e9 / 8 bytes of model states and must not. */
START_TEST(published_layouts_fit)
{
    static const struct {
        uint64_t layers, hidden, heads, tp, pp, gpus, batch;
    } rows[] = {{24, 2304, 24, 1, 1, 32, 512},     {30, 3072, 32, 2, 1, 64, 512},
                {36, 4096, 32, 4, 1, 128, 512},    {40, 6144, 48, 8, 1, 256, 1024},
                {48, 8192, 64, 8, 2, 512, 1536},   {60, 10240, 80, 8, 4, 1024, 1792}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        wl_model_t m = {rows[i].layers, rows[i].hidden, rows[i].heads, 2048, 51200};
        uint64_t dp = rows[i].gpus / (rows[i].tp * rows[i].pp);
        wl_layout_t ly = {.tp = rows[i].tp, .pp = rows[i].pp, .dp = dp,
                          .global_batch = rows[i].batch, .microbatch = 1, .virtual_stages = 1,
                          .recompute = WL_RECOMPUTE_FULL};
        wl_memory_t r = wl_memory_per_gpu(&m, &ly);
        ck_assert_msg(r.total < 80 * 1073741824.0, "row %zu needs %.1f GiB", i,
                      r.total / 1073741824.0);
    }
    wl_model_t g = {96, 12288, 96, 2048, 51200};
    wl_layout_t ly = {.tp = 8, .pp = 1, .dp = 1, .global_batch = 1, .microbatch = 1,
                      .virtual_stages = 1, .recompute = WL_RECOMPUTE_FULL};
    wl_memory_t r = wl_memory_per_gpu(&g, &ly);
    ck_assert(r.weights + r.grads + r.optimizer > 16 * 174e9 / 8);
    ck_assert(r.total > 32 * 1073741824.0);
}
END_TEST

/* L 4, 4 heads, 4 GPUs to a server, 8 GPUs, global batch 8 (counted by
 * hand, tp by tp; options = sp x recompute x ZeRO, ZeRO 0-3 when dp > 1):
 *  tp 1 (options 12): pp 1, dp 8, mb 1: 12; pp 2, dp 4: mb 1 (m 2, and
 *    interleaved v 2) 24, mb 2: 12; pp 4, dp 2, mb 1, 2, 4 (a stage of one
 *    layer: no interleaving): 36. 84.
 *  tp 2 (options 24, or 6 with dp 1): pp 1, dp 4, mb 1, 2: 48; pp 2, dp 2,
 *    mb 1 (+v 2), 2 (+v 2), 4: 120; pp 4, dp 1, mb 1, 2, 4, 8: 24. 192.
 *  tp 4: pp 1, dp 2, mb 1, 2, 4: 72; pp 2, dp 1, mb 1, 2, 4 (each +v 2),
 *    8: 42. 114.
 * 390 in all. */
START_TEST(enumeration_counts_by_hand)
{
    wl_model_t m = {.layers = 4, .hidden = 64, .heads = 4, .seq_len = 32, .vocab = 100};
    wl_layout_t base = {.global_batch = 8};
    size_t n;
    wl_layout_t *all = plan_layouts(&m, &base, 8, 4, &n);
    ck_assert_uint_eq(n, 390);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_le(all[i].tp * all[i].pp * all[i].dp, 8);
        ck_assert_uint_eq(4 % all[i].tp, 0);
    }
    free(all);
}
END_TEST

/* The small job the plans below lay out: 4 DGX-1-class servers of the
 * azure-2020 fabric (32 V100), a 4-layer model, global batch 32. */
static const char small_job[] =
    "{\"name\": \"plan-small\","
    " \"topology\": {\"preset\": \"azure-2020\", \"set\": {\"servers\": %d, \"cpu_servers\": 0}},"
    " \"workload\": {\"generator\": \"megatron\", \"gpu\": \"v100-32gb\","
    "  \"model\": {\"layers\": 4, \"hidden\": 2048, \"heads\": 16, \"seq_len\": 1024,"
    " \"vocab\": 32000},"
    "  \"layout\": {\"tp\": 8, \"pp\": 1, \"dp\": %d, \"global_batch\": 32}}}";

static char *write_small_job(int servers)
{
    char doc[1024];
    snprintf(doc, sizeof doc, small_job, servers, servers);
    return tmpfile_with(doc, ".json");
}

/* Loads path with layout ly applied through --set, as a user would. */
static void load_with_layout(sim_scenario_t *sc, const char *path, const wl_layout_t *ly)
{
    char buf[10][64];
    const char *sets[10];
    int n = plan_layout_sets(ly, buf, sets);
    sim_overrides_t ov = {.sets = sets, .n_sets = n};
    tn_error_t err = {0};
    ck_assert_msg(sim_scenario_load(sc, path, &ov, &err) == 0, "%s", err.msg);
}

static double simulate_s(const char *path, const wl_layout_t *ly)
{
    sim_scenario_t sc;
    load_with_layout(&sc, path, ly);
    sim_records_t rec;
    tn_error_t err = {0};
    ck_assert_msg(sim_run_scenario(&sc, &rec, NULL, &err) == 0, "%s", err.msg);
    double s = sim_time_to_s(sim_records_iteration_ps(&rec));
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
    return s;
}

/* A small job loaded and planned with `top` simulations. */
typedef struct {
    char *path;
    sim_scenario_t sc;
    plan_t p;
    plan_opts_t o;
} job_t;

static void job_plan(job_t *j, int servers, uint64_t top)
{
    tn_error_t err = {0};
    j->path = write_small_job(servers);
    ck_assert(sim_scenario_load(&j->sc, j->path, NULL, &err) == 0);
    j->o = (plan_opts_t){.top = top, .reserve_bytes = 2 * 1073741824.0};
    ck_assert_msg(plan_run(&j->p, &j->sc, &j->o, &err) == 0, "%s", err.msg);
}

static void job_done(job_t *j)
{
    plan_destroy(&j->p);
    sim_scenario_destroy(&j->sc);
    tmpfile_drop(j->path);
}

/* The NIC-sharing factor on the DGX-1 servers of azure-2020 (8 GPUs, a
 * NIC for each pair on a PCIe switch): with tp 1 one data-parallel group
 * holds every GPU (its own measurement sees the pairs meet), with tp 2,
 * 4 or 8 two groups meet on each NIC. */
START_TEST(nic_share_counts_groups_per_nic)
{
    char *path = write_small_job(2);
    sim_scenario_t sc;
    tn_error_t err = {0};
    ck_assert(sim_scenario_load(&sc, path, NULL, &err) == 0);
    topo_t t;
    topo_init(&t);
    ck_assert(topo_spec_build(&sc.topo, &t, &err) == 0);
    plan_costs_t c;
    ck_assert(plan_costs_init(&c, &t, &sc, SIM_NET_ANALYTIC, &err) == 0);
    ck_assert_int_eq(c.server_gpus, 8);
    ck_assert_int_eq(c.nics, 4);
    static const double want[] = {0, 1, 2, 0, 2, 0, 0, 0, 2};
    for (uint64_t tp = 1; tp <= 8; tp *= 2)
        ck_assert_double_eq(plan_nic_share(&c, tp), want[tp]);
    plan_costs_destroy(&c);
    topo_destroy(&t);
    sim_scenario_destroy(&sc);
    tmpfile_drop(path);
}
END_TEST

/* Every layout the enumeration makes is one the scenario loader accepts
 * (through --set) and the generator builds. */
START_TEST(every_layout_enumerated_loads)
{
    char *path = write_small_job(2);
    sim_scenario_t sc;
    tn_error_t err = {0};
    ck_assert(sim_scenario_load(&sc, path, NULL, &err) == 0);
    size_t n;
    wl_layout_t *all = plan_layouts(&sc.workload.model, &sc.workload.layout, 16, 8, &n);
    ck_assert_uint_gt(n, 100);
    for (size_t i = 0; i < n; i++) {
        sim_scenario_t one;
        load_with_layout(&one, path, &all[i]);
        ck_assert(memcmp(&one.workload.layout, &all[i], sizeof all[i]) == 0);
        wl_trace_t t;
        ck_assert_msg(wl_spec_build(&one.workload, &t, &err) == 0, "%s", err.msg);
        wl_trace_destroy(&t);
        sim_scenario_destroy(&one);
    }
    free(all);
    sim_scenario_destroy(&sc);
    tmpfile_drop(path);
}
END_TEST

/* The plan on the small job: every layout that fits is ranked; the
 * simulated ones come first, in order of their simulated iteration, and
 * each simulated figure is what `tensim run` gives that layout. The
 * estimate of each is within 10% of its simulation (the estimator's
 * stated accuracy, docs/plan.md). */
START_TEST(plan_ranks_by_simulation)
{
    job_t j;
    job_plan(&j, 4, 4);
    const plan_t p = j.p;
    ck_assert_uint_eq(p.gpus, 32);
    ck_assert_int_eq(p.server_gpus, 8);
    ck_assert_uint_eq(p.simulated, 4);
    ck_assert_uint_gt(p.n, 100);
    size_t sims = 0;
    for (size_t i = 0; i < p.n && p.layouts[i].sim_iter_s > 0; i++, sims++) {
        const plan_layout_t *l = &p.layouts[i];
        if (i > 0)
            ck_assert(l->sim_iter_s >= p.layouts[i - 1].sim_iter_s);
        ck_assert(l->memory.total + j.o.reserve_bytes <= p.gpu_memory);
        ck_assert_double_eq(l->sim_iter_s, simulate_s(j.path, &l->layout));
        ck_assert_msg(fabs(l->est.iter_s / l->sim_iter_s - 1) < 0.10,
                      "estimate %.4f s, simulated %.4f s", l->est.iter_s, l->sim_iter_s);
    }
    ck_assert_uint_ge(sims, 4); /* ZeRO 1 and 2 twins share a simulation */
    ck_assert_uint_lt(p.estimated, p.n); /* the bound pruned some */
    for (size_t i = sims + 1; i < p.estimated; i++)
        ck_assert(p.layouts[i].est.iter_s >= p.layouts[i - 1].est.iter_s);
    for (size_t i = p.estimated + 1; i < p.n; i++) {
        ck_assert(p.layouts[i].bound.iter_s >= p.layouts[i - 1].bound.iter_s);
        ck_assert_double_eq(p.layouts[i].est.iter_s, 0);
    }
    job_done(&j);
}
END_TEST

/* The pruning is sound: the analytic bound never exceeds the flow
 * estimate, and the best flow estimate of every layout (brute force) is
 * the plan's best. */
START_TEST(bound_prunes_soundly)
{
    job_t j;
    job_plan(&j, 4, 0);
    const plan_t p = j.p;
    const sim_scenario_t sc = j.sc;
    tn_error_t err = {0};
    topo_t t;
    topo_init(&t);
    ck_assert(topo_spec_build(&sc.topo, &t, &err) == 0);
    plan_costs_t lower, flow;
    ck_assert(plan_costs_init(&lower, &t, &sc, SIM_NET_ANALYTIC, &err) == 0);
    ck_assert(plan_costs_init(&flow, &t, &sc, SIM_NET_FLOW, &err) == 0);
    double best = INFINITY;
    for (size_t i = 0; i < p.n; i++) {
        const wl_layout_t *ly = &p.layouts[i].layout;
        double b = plan_estimate(&lower, &sc.workload.model, ly).iter_s;
        double e = plan_estimate(&flow, &sc.workload.model, ly).iter_s;
        ck_assert_double_eq(b, p.layouts[i].bound.iter_s);
        ck_assert_msg(b <= e * (1 + 1e-12), "bound %.6f above estimate %.6f", b, e);
        best = fmin(best, e);
    }
    ck_assert_double_eq(p.layouts[0].est.iter_s, best);
    plan_costs_destroy(&lower);
    plan_costs_destroy(&flow);
    topo_destroy(&t);
    job_done(&j);
}
END_TEST

/* Brute force: simulate every distinct layout of a 16-GPU job and check
 * that the plan's best (top 5 of its estimates) is within 3% of the true
 * best. */
START_TEST(plan_finds_the_best_layout)
{
    job_t j;
    job_plan(&j, 2, 5);
    const plan_t p = j.p;
    double best = INFINITY;
    for (size_t i = 0; i < p.n; i++) {
        const wl_layout_t *ly = &p.layouts[i].layout;
        if (ly->zero_stage == 2 || ly->microbatch > 2)
            continue; /* ZeRO 2 runs as ZeRO 1; big microbatches only lose here */
        best = fmin(best, simulate_s(j.path, ly));
    }
    ck_assert_msg(p.layouts[0].sim_iter_s <= best * 1.03, "plan %.4f s, best %.4f s",
                  p.layouts[0].sim_iter_s, best);
    job_done(&j);
}
END_TEST

/* Same inputs, same plan: the CSV twice is byte for byte the same. */
START_TEST(plan_is_deterministic)
{
    char *csv[2];
    for (int k = 0; k < 2; k++) {
        job_t j;
        job_plan(&j, 2, 2);
        res_plan_meta_t m = {"plan-small", "inline", "v100-32gb", &j.sc.workload.model, 125e12, 0,
                             "flow"};
        csv[k] = res_plan_csv(&j.p, &m);
        job_done(&j);
    }
    ck_assert_str_eq(csv[0], csv[1]);
    free(csv[0]);
    free(csv[1]);
}
END_TEST

Suite *plan_suite(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("memory");
    tcase_add_test(tc, model_states_match_the_zero_paper);
    tcase_add_test(tc, layer_activations_follow_korthikanti);
    tcase_add_test(tc, per_gpu_memory_by_hand);
    tcase_add_test(tc, published_layouts_fit);
    suite_add_tcase(s, tc);
    tc = tcase_create("layouts");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, enumeration_counts_by_hand);
    tcase_add_test(tc, every_layout_enumerated_loads);
    tcase_add_test(tc, nic_share_counts_groups_per_nic);
    tcase_add_test(tc, plan_ranks_by_simulation);
    tcase_add_test(tc, bound_prunes_soundly);
    tcase_add_test(tc, plan_finds_the_best_layout);
    tcase_add_test(tc, plan_is_deterministic);
    suite_add_tcase(s, tc);
    return s;
}
