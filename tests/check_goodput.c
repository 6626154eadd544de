/* tests/check_goodput.c — the long-horizon training model against the
 * closed forms: Daly's published examples, Daly's expected wall time and
 * optimum by Monte Carlo, Kokolis's ETTR, and hand counts without
 * failures. */
#include <math.h>
#include <string.h>

#include "common/tn_rng.h"
#include "goodput/checkpoint.h"
#include "goodput/formula.h"
#include "goodput/inventory.h"
#include "goodput/montecarlo.h"
#include "goodput/rates.h"
#include "goodput/spec.h"
#include "tests/helpers.h"
#include "tests/tests.h"
#include "topology/stats.h"

#define MIN 60.0
#define HOUR 3600.0

/* Daly (2006), section 5: a solve of 500 h, R = 10 min, d = 5 min; his
 * optimum is 117 min at M = 24 h, 57 min at 6 h, 9.1 min at 15 min. */
START_TEST(daly_examples)
{
    ck_assert_double_eq_tol(gp_daly_interval(5 * MIN, 24 * HOUR) / MIN, 117, 0.5);
    ck_assert_double_eq_tol(gp_daly_interval(5 * MIN, 6 * HOUR) / MIN, 57, 0.5);
    ck_assert_double_eq_tol(gp_daly_interval(5 * MIN, 15 * MIN) / MIN, 9.1, 0.05);
    ck_assert_double_eq_tol(gp_daly_interval(3 * HOUR, 1 * HOUR), 1 * HOUR, 1e-9); /* d >= 2M */
    /* Young: sqrt(2 x 300 s x 86400 s) = 7200 s */
    ck_assert_double_eq_tol(gp_young_interval(5 * MIN, 24 * HOUR), 7200, 1e-9);
}
END_TEST

static gp_class_t one_class(double mean_s)
{
    return (gp_class_t){"node", 1, {GP_LIFE_EXPONENTIAL, mean_s, 1}, true, 0, 1, 0};
}

/* Without failures: work plus one checkpoint per interval, the last
 * shorter one included: 10 h at 3 h intervals is 4 segments, 4 x 5 min. */
START_TEST(no_failures_is_work_plus_checkpoints)
{
    gp_class_t c = one_class(1);
    c.units = 0;
    gp_training_t t = {10 * HOUR, 3 * HOUR, 5 * MIN, 10 * MIN, 0, 1, &c, 0};
    gp_run_t r;
    gp_training_run(&t, 1, 0, &r);
    ck_assert(r.finished);
    ck_assert_uint_eq(r.checkpoints, 4);
    ck_assert_double_eq_tol(r.wall_s, 10 * HOUR + 4 * 5 * MIN, 1e-6);
    ck_assert_double_eq_tol(r.time_s[GP_TIME_USEFUL], 10 * HOUR, 1e-6);
    ck_assert_double_eq_tol(r.time_s[GP_TIME_CKPT], 20 * MIN, 1e-6);
}
END_TEST

/* Daly's model exactly (one exponential interrupting class, a whole number
 * of intervals): the Monte Carlo mean is his expected wall time within 4
 * standard errors. */
START_TEST(monte_carlo_mean_is_dalys_wall_time)
{
    double m = 10 * HOUR, d = 5 * MIN, r = 10 * MIN, tau = 1 * HOUR, ts = 100 * HOUR;
    gp_class_t c = one_class(m);
    gp_training_t t = {ts, tau, d, r, 0, 1, &c, 0};
    gp_mc_t mc;
    gp_mc_run(&mc, &t, 7, 4000);
    double want = gp_daly_wall(ts, tau, d, r, m);
    ck_assert_uint_eq(mc.unfinished, 0);
    ck_assert_double_eq_tol(mc.mean_wall_s, want, 4 * mc.sd_wall_s / sqrt(4000));
    /* every second of every run is accounted for once */
    for (uint32_t i = 0; i < mc.runs; i++) {
        double sum = 0;
        for (int k = 0; k < GP_TIME_N; k++)
            sum += mc.run[i].time_s[k];
        ck_assert_double_eq_tol(sum, mc.run[i].wall_s, 1e-6 * mc.run[i].wall_s);
    }
    gp_mc_destroy(&mc);
}
END_TEST

/* Many units of one exponential class are one Poisson process of n times
 * the rate: 100 units of mean 1000 h behave as Daly's M = 10 h. */
START_TEST(units_merge_into_one_rate)
{
    double m = 10 * HOUR, d = 5 * MIN, r = 10 * MIN, tau = 1 * HOUR, ts = 100 * HOUR;
    gp_class_t c = one_class(100 * m);
    c.units = 100;
    gp_training_t t = {ts, tau, d, r, 0, 1, &c, 0};
    gp_mc_t mc;
    gp_mc_run(&mc, &t, 11, 4000);
    ck_assert_double_eq_tol(mc.mean_wall_s, gp_daly_wall(ts, tau, d, r, m),
                            4 * mc.sd_wall_s / sqrt(4000));
    gp_mc_destroy(&mc);
}
END_TEST

/* A Weibull class of shape 1 is exponential: the same expected wall time
 * (other draws, so within Monte Carlo error). */
START_TEST(weibull_shape_one_is_exponential)
{
    double m = 10 * HOUR, d = 5 * MIN, r = 10 * MIN, tau = 1 * HOUR, ts = 100 * HOUR;
    gp_class_t c = one_class(50 * m);
    c.units = 50;
    c.life.kind = GP_LIFE_WEIBULL;
    gp_training_t t = {ts, tau, d, r, 0, 1, &c, 0};
    gp_mc_t mc;
    gp_mc_run(&mc, &t, 13, 4000);
    ck_assert_double_eq_tol(mc.mean_wall_s, gp_daly_wall(ts, tau, d, r, m),
                            4 * mc.sd_wall_s / sqrt(4000));
    gp_mc_destroy(&mc);
}
END_TEST

/* The mean of Weibull draws is the lifetime's mean, for infant mortality
 * and wear-out shapes alike (standard error of 20,000 draws). */
START_TEST(weibull_draws_have_the_mean)
{
    gsl_rng *rng = tn_rng_stream(3, TN_RNG_TEST, 0);
    for (int s = 0; s < 2; s++) {
        gp_lifetime_t l = {GP_LIFE_WEIBULL, 1000, s ? 3.0 : 0.7};
        double sum = 0, sq = 0;
        for (int i = 0; i < 20000; i++) {
            double x = gp_lifetime_draw(&l, rng);
            sum += x;
            sq += x * x;
        }
        double mean = sum / 20000, sd = sqrt(sq / 20000 - mean * mean);
        ck_assert_double_eq_tol(mean, 1000, 4 * sd / sqrt(20000));
    }
    gsl_rng_free(rng);
}
END_TEST

/* The interval that minimises the simulated mean is Daly's optimum: the
 * search lands where Daly's own wall time is within 0.5% of its minimum
 * (the curve is flat there, so the interval itself within 25%). */
START_TEST(best_interval_is_dalys)
{
    double m = 6 * HOUR, d = 5 * MIN, r = 10 * MIN, ts = 100 * HOUR;
    gp_class_t c = one_class(m);
    gp_training_t t = {ts, 1 * HOUR, d, r, 0, 1, &c, 0};
    double w, tau = gp_mc_best_interval(&t, 10 * MIN, 10 * HOUR, 5, 400, 12, &w);
    double opt = gp_daly_interval(d, m);
    ck_assert_double_le(gp_daly_wall(ts, tau, d, r, m), 1.005 * gp_daly_wall(ts, opt, d, r, m));
    ck_assert_double_eq_tol(tau / opt, 1, 0.25);
}
END_TEST

/* Kokolis's E[ETTR] is first order in the failure rate: at 2% of the time
 * lost it agrees with the simulated work / wall within 1%, as the paper
 * reports its formula near its Monte Carlo. */
START_TEST(ettr_is_kokolis)
{
    double m = 100 * HOUR, d = 5 * MIN, r = 10 * MIN, ts = 1000 * HOUR;
    double tau = gp_young_interval(d, m);
    gp_class_t c = one_class(m);
    gp_training_t t = {ts, tau, d, r, 0, 1, &c, 0};
    gp_mc_t mc;
    gp_mc_run(&mc, &t, 17, 2000);
    ck_assert_double_eq_tol(ts / mc.mean_wall_s, gp_kokolis_ettr(1 / m, r, d, tau), 0.01);
    gp_mc_destroy(&mc);
}
END_TEST

/* Same seed, same runs; another seed, other runs. */
START_TEST(runs_are_reproducible)
{
    gp_class_t c = one_class(5 * HOUR);
    gp_training_t t = {50 * HOUR, 1 * HOUR, 5 * MIN, 10 * MIN, 0, 1, &c, 0};
    gp_run_t a, b, x;
    gp_training_run(&t, 42, 3, &a);
    gp_training_run(&t, 42, 3, &b);
    gp_training_run(&t, 43, 3, &x);
    ck_assert(a.wall_s == b.wall_s && a.failures[0] == b.failures[0]);
    ck_assert(a.wall_s != x.wall_s);
}
END_TEST

/* A job that may shrink never waits while it has a replica to spare, and
 * runs slower instead; with one replica it cannot shrink and is the
 * waiting job, run for run. */
START_TEST(a_shrunk_job_runs_slower_instead_of_waiting)
{
    gp_class_t c = one_class(5 * HOUR);
    c.servers = 1;
    c.repair_s = 20 * HOUR;
    gp_training_t wait = {50 * HOUR, 1 * HOUR, 5 * MIN, 10 * MIN, 0, 1, &c, 0};
    gp_training_t one = wait, many = wait;
    one.replicas = 1;
    many.replicas = 1000;
    gp_mc_t w, o, m;
    gp_mc_run(&w, &wait, 5, 200);
    gp_mc_run(&o, &one, 5, 200);
    gp_mc_run(&m, &many, 5, 200);
    for (uint32_t i = 0; i < 200; i++) {
        ck_assert(w.run[i].wall_s == o.run[i].wall_s);
        ck_assert_double_eq(m.run[i].time_s[GP_TIME_SPARES], 0);
        double sum = 0;
        for (int k = 0; k < GP_TIME_N; k++)
            sum += m.run[i].time_s[k];
        ck_assert_double_eq_tol(sum, m.run[i].wall_s, 1e-9 * m.run[i].wall_s);
    }
    ck_assert_double_gt(w.mean_time_s[GP_TIME_SPARES], 0);
    ck_assert_double_gt(m.mean_time_s[GP_TIME_SLOW], 0);
    /* 1000 replicas: a few missing servers slow it by well under 1% */
    ck_assert_double_lt(m.mean_time_s[GP_TIME_SLOW], 0.01 * m.mean_wall_s);
    ck_assert_double_lt(m.mean_wall_s, w.mean_wall_s);
    gp_mc_destroy(&w);
    gp_mc_destroy(&o);
    gp_mc_destroy(&m);
}
END_TEST

/* With no spare, a failure that takes the server waits for its repair;
 * a failure while waiting takes one more server, whose repair ends later:
 * the wait is a restart of `repair` that starts again at every failure,
 * which is Daly's R (here with no restart of its own). */
START_TEST(waiting_for_a_repair_is_dalys_restart)
{
    double m = 10 * HOUR, d = 5 * MIN, x = 30 * MIN, tau = 1 * HOUR, ts = 100 * HOUR;
    gp_class_t c = one_class(m);
    c.servers = 1;
    c.repair_s = x;
    gp_training_t t = {ts, tau, d, 0, 0, 1, &c, 0};
    gp_mc_t mc;
    gp_mc_run(&mc, &t, 19, 4000);
    ck_assert_double_eq_tol(mc.mean_wall_s, gp_daly_wall(ts, tau, d, x, m),
                            4 * mc.sd_wall_s / sqrt(4000));
    ck_assert_double_gt(mc.mean_time_s[GP_TIME_SPARES], 0);
    ck_assert_double_eq(mc.mean_time_s[GP_TIME_RESTART], 0);
    gp_mc_destroy(&mc);
    /* a pool of spares: no wait at all, Daly with R = 0 */
    t.spares = 1000;
    gp_mc_run(&mc, &t, 19, 4000);
    ck_assert_double_eq_tol(mc.mean_wall_s, gp_daly_wall(ts, tau, d, 0, m),
                            4 * mc.sd_wall_s / sqrt(4000));
    ck_assert_double_eq(mc.mean_time_s[GP_TIME_SPARES], 0);
    gp_mc_destroy(&mc);
}
END_TEST

/* The inventory counts what `tensim topo --stats` counts (the same
 * fabric, other code), split by what the job depends on; and by hand on
 * azure-2020 (topology/presets/azure-2020.json): 1,250 DGX-1-class servers
 * of 8 GPUs and 4 NICs, each NIC one cable to a leaf; 4,896 CPU servers of
 * one NIC each. */
START_TEST(inventory_is_the_fabrics)
{
    const char *docs[] = {"{\"preset\": \"azure-2020\", \"set\": {\"servers\": 40, \"cpu_servers\": 30}}",
                          "{\"preset\": \"selene-a100\", \"set\": {\"servers\": 12}}",
                          "{\"preset\": \"azure-2020\"}"};
    for (int i = 0; i < 3; i++) {
        topo_spec_t s;
        topo_t t;
        test_fabric(docs[i], &s, &t);
        gp_inventory_t inv;
        gp_inventory_count(&t, &inv);
        topo_stats_t st = {0};
        if (i < 2) {
            topo_route_t r;
            topo_route_init(&r, &t);
            topo_stats_compute(&t, &r, &st);
            topo_route_destroy(&r);
            ck_assert_int_eq(inv.count[GP_UNIT_GPU], st.gpus);
            ck_assert_int_eq(inv.count[GP_UNIT_GPU_SERVER], st.gpu_servers);
            ck_assert_int_eq(inv.cpu_servers, st.servers - st.gpu_servers);
            ck_assert_int_eq(inv.count[GP_UNIT_HOST_CABLE] + inv.cpu_host_cables,
                             st.by_tier[TOPO_TIER_HOST]);
            ck_assert_int_eq(inv.count[GP_UNIT_FABRIC_CABLE],
                             st.by_tier[TOPO_TIER_LEAF] + st.by_tier[TOPO_TIER_SPINE] +
                                 st.by_tier[TOPO_TIER_LOCAL] + st.by_tier[TOPO_TIER_GLOBAL] +
                                 st.by_tier[TOPO_TIER_TORUS]);
            ck_assert_int_le(inv.count[GP_UNIT_LEAF_SWITCH] + inv.count[GP_UNIT_FABRIC_SWITCH],
                             st.switches);
            ck_assert_int_gt(inv.count[GP_UNIT_LEAF_SWITCH], 0);
        } else {
            ck_assert_int_eq(inv.count[GP_UNIT_GPU], 10000);
            ck_assert_int_eq(inv.count[GP_UNIT_GPU_SERVER], 1250);
            ck_assert_int_eq(inv.count[GP_UNIT_NIC], 5000);
            ck_assert_int_eq(inv.count[GP_UNIT_HOST_CABLE], 5000);
            ck_assert_int_eq(inv.cpu_servers, 4896);
            ck_assert_int_eq(inv.cpu_host_cables, 4896);
        }
        topo_destroy(&t);
        topo_spec_destroy(&s);
    }
}
END_TEST

/* The classes of goodput/data/failures.json, by hand: a GPU fails at
 * 64% of 4.42 node failures per 1000 node-days, spread over 8 GPUs:
 * MTTF = 24,000 h / 4.42 x 8 / 0.64 = 67,873.3 h; a host cable at 0.057%
 * a month: 720 h / -ln(1 - 0.00057) = 1,262,799 h. On azure-2020 the GPU
 * class has 10,000 units and a leaf failure takes the servers of a leaf. */
START_TEST(rates_are_the_published_figures)
{
    gp_rates_t r;
    tn_error_t err = {0};
    ck_assert_int_eq(gp_rates_load(&r, &err), 0);
    topo_spec_t s;
    topo_t t;
    test_fabric("{\"preset\": \"azure-2020\"}", &s, &t);
    gp_inventory_t inv;
    gp_inventory_count(&t, &inv);
    gp_class_t cls[GP_MAX_CLASSES];
    gp_rates_classes(&r, &inv, 1, cls);
    int seen = 0;
    for (int32_t k = 0; k < r.n; k++) {
        if (strcmp(cls[k].name, "gpu") == 0) {
            ck_assert_double_eq_tol(cls[k].life.mean_s / HOUR, 24000 / 4.42 * 8 / 0.64, 1e-6);
            ck_assert_uint_eq(cls[k].units, 10000);
            ck_assert(cls[k].interrupts && cls[k].servers == 1);
            seen++;
        }
        if (strcmp(cls[k].name, "host_cable") == 0) {
            ck_assert_double_eq_tol(cls[k].life.mean_s / HOUR, 720 / -log1p(-0.00057), 1e-6);
            ck_assert_uint_eq(cls[k].units, 5000);
            seen++;
        }
        if (strcmp(cls[k].name, "leaf_switch") == 0) {
            ck_assert_uint_eq(cls[k].servers, inv.servers_per_leaf);
            ck_assert_uint_gt(cls[k].servers, 1);
            seen++;
        }
        if (strcmp(cls[k].name, "fabric_cable") == 0) {
            ck_assert(!cls[k].interrupts);
            seen++;
        }
    }
    ck_assert_int_eq(seen, 4);
    gp_rates_destroy(&r);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* GPT-3 175B's checkpoint, by hand: 96 layers of 12 h^2 + 13 h, the word
 * embedding twice (the first stage's and the last's tied copy) and the
 * position embedding once per tensor-parallel rank (Megatron-LM does not
 * split it: each rank holds and writes its copy), h = 12288, V = 51200,
 * s = 2048: 175.3e9 parameters, 14 bytes each, 2.454 TB at tp 1; the same
 * whichever ZeRO stage shards it, and under ZeRO 0 only data-parallel
 * rank 0 writes. */
START_TEST(checkpoint_bytes_are_the_models)
{
    wl_model_t m = {96, 12288, 96, 2048, 51200};
    double h = 12288, want = 14 * (96 * (12 * h * h + 13 * h) + 2 * 51200 * h);
    wl_layout_t ly[] = {
        {.tp = 8, .pp = 16, .dp = 78, .global_batch = 1560, .microbatch = 1, .virtual_stages = 1},
        {.tp = 8, .pp = 8, .dp = 4, .global_batch = 64, .microbatch = 1, .virtual_stages = 1,
         .zero_stage = 1},
        {.tp = 4, .pp = 4, .dp = 8, .global_batch = 64, .microbatch = 1, .virtual_stages = 1,
         .zero_stage = 3},
    };
    for (int i = 0; i < 3; i++) {
        double w = want + 14 * (double)ly[i].tp * 2048 * h;
        ck_assert_double_eq_tol(gp_checkpoint_bytes(&m, &ly[i]), w, 1e-9 * w);
    }
    ck_assert_double_eq_tol((want + 14 * 2048 * h) / 1e12, 2.454, 0.001);
    ck_assert_double_eq(gp_checkpoint_rank_bytes(&m, &ly[0], 3, 1), 0);
    ck_assert_double_gt(gp_checkpoint_rank_bytes(&m, &ly[1], 3, 1), 0);
}
END_TEST

/* The training section: defaults, a full one, and each kind of bad value
 * refused with the JSON path of the value. */
START_TEST(training_section)
{
    gp_spec_t s;
    tn_error_t err = {0};
    json_t *j = test_json("{\"tokens\": 3e11}");
    ck_assert_int_eq(gp_spec_parse(&s, j, "x.json", &err), 0);
    json_decref(j);
    ck_assert_double_eq(s.tokens, 3e11);
    ck_assert_double_eq(s.interval_s, 3600);
    ck_assert_double_eq(s.detect_s + s.startup_s, 900);
    ck_assert_uint_eq(s.runs, 1000);
    j = test_json("{\"tokens\": 1e9, \"checkpoint\": {\"interval_min\": \"auto\", "
                  "\"mode\": \"async\", \"restore\": \"one_per_dp_group\"}, "
                  "\"restart\": {\"detect_min\": 2, \"startup_min\": 0.5}, "
                  "\"failures\": {\"rate_scale\": 2, \"lifetime\": \"weibull\", "
                  "\"weibull_shape\": 0.7, \"spares\": 16, \"server_repair_h\": 12}, "
                  "\"runs\": 50}");
    ck_assert_int_eq(gp_spec_parse(&s, j, "x.json", &err), 0);
    json_decref(j);
    ck_assert(s.interval_s == 0 && s.mode == GP_CKPT_ASYNC &&
              s.restore == GP_RESTORE_ONE_PER_DP_GROUP);
    ck_assert_double_eq(s.detect_s, 120);
    ck_assert_double_eq(s.startup_s, 30);
    ck_assert(s.lifetime == GP_LIFE_WEIBULL && s.weibull_shape == 0.7 && s.spares == 16);
    ck_assert_double_eq(s.server_repair_s, 12 * HOUR);
    ck_assert_double_lt(s.fabric_repair_s, 0);
    static const struct {
        const char *doc, *path;
    } bad[] = {
        {"{}", "training.tokens"},
        {"{\"tokens\": 0}", "training.tokens"},
        {"{\"tokens\": \"many\"}", "training.tokens"},
        {"{\"tokens\": 1e9, \"tokenz\": 1}", "training"},
        {"{\"tokens\": 1e9, \"failures\": {\"rate_scale\": -1}}", "training.failures.rate_scale"},
        {"{\"tokens\": 1e9, \"failures\": {\"weibull_shape\": 0}}", "training.failures.weibull_shape"},
        {"{\"tokens\": 1e9, \"failures\": {\"spares\": -2}}", "training.failures.spares"},
        {"{\"tokens\": 1e9, \"checkpoint\": {\"interval_min\": \"soon\"}}", "training.checkpoint.interval_min"},
        {"{\"tokens\": 1e9, \"checkpoint\": {\"interval_min\": 0}}", "training.checkpoint.interval_min"},
        {"{\"tokens\": 1e9, \"checkpoint\": {\"mode\": \"lazy\"}}", "training.checkpoint.mode"},
        {"{\"tokens\": 1e9, \"restart\": {\"detect_min\": -1}}", "training.restart.detect_min"},
        {"{\"tokens\": 1e9, \"runs\": 0}", "training.runs"},
        {"[1]", "training"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = test_json(bad[i].doc);
        err = (tn_error_t){0};
        ck_assert_int_eq(gp_spec_parse(&s, j, "x.json", &err), -1);
        json_decref(j);
        char want[128];
        snprintf(want, sizeof want, "x.json: %s", bad[i].path);
        ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0 && err.code == TN_EINPUT,
                      "%s: %s", bad[i].doc, err.msg);
        ck_assert_ptr_null(strchr(err.msg, '\n'));
    }
}
END_TEST

Suite *goodput_suite(void)
{
    Suite *s = suite_create("goodput");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, daly_examples);
    tcase_add_test(tc, no_failures_is_work_plus_checkpoints);
    tcase_add_test(tc, monte_carlo_mean_is_dalys_wall_time);
    tcase_add_test(tc, units_merge_into_one_rate);
    tcase_add_test(tc, weibull_shape_one_is_exponential);
    tcase_add_test(tc, weibull_draws_have_the_mean);
    tcase_add_test(tc, best_interval_is_dalys);
    tcase_add_test(tc, ettr_is_kokolis);
    tcase_add_test(tc, runs_are_reproducible);
    tcase_add_test(tc, a_shrunk_job_runs_slower_instead_of_waiting);
    tcase_add_test(tc, waiting_for_a_repair_is_dalys_restart);
    tcase_add_test(tc, inventory_is_the_fabrics);
    tcase_add_test(tc, rates_are_the_published_figures);
    tcase_add_test(tc, checkpoint_bytes_are_the_models);
    tcase_add_test(tc, training_section);
    suite_add_tcase(s, tc);
    return s;
}
