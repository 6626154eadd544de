/* tests/check_goodput_costs.c — the costs a goodput study simulates on the
 * job's fabric (goodput/costs.h) against hand calculations: a checkpoint
 * write and a restore limited by the one disk of a single-switch fabric;
 * the broadcast of a restore by one reader per data-parallel group; an
 * asynchronous drain that shares the NICs and slows the iteration; the
 * degraded-fabric iteration equal to a run on the fabric without the
 * shape's representative, chosen as the median-loaded member; and the
 * disk cache (hits only when nothing but the training section changed).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "goodput/cache.h"
#include "goodput/checkpoint.h"
#include "goodput/costs.h"
#include "goodput/study.h"
#include "sim/job/run.h"
#include "tests/helpers.h"
#include "tests/tests.h"
#include "topology/spec.h"

#define SMALL "tests/data/goodput/small.json"
#define FATTREE "tests/data/goodput/fattree.json"

static void load(sim_scenario_t *sc, const char *path, const char *const *sets, int n)
{
    sim_overrides_t ov = {.sets = sets, .n_sets = n};
    tn_error_t err = {0};
    ck_assert_msg(sim_scenario_load(sc, path, &ov, &err) == 0, "%s", err.msg);
}

static void costs(gp_costs_t *c, const sim_scenario_t *sc, gp_cache_t *cache)
{
    gp_spec_t ts;
    tn_error_t err = {0};
    ck_assert_msg(gp_spec_parse(&ts, json_object_get(sc->root, "training"), sc->src, &err) == 0,
                  "%s", err.msg);
    gp_cache_t none;
    ck_assert(gp_cache_init(&none, NULL, sc->root, &err) == 0);
    ck_assert_msg(gp_costs_compute(c, sc, &ts, cache ? cache : &none, NULL, NULL, &err) == 0,
                  "%s", err.msg);
    gp_cache_destroy(&none);
}

/* Sum over ranks of what each writes (as the flows carry it: whole bytes). */
static double written(const wl_spec_t *w)
{
    const wl_layout_t *ly = &w->layout;
    double sum = 0;
    for (uint64_t k = 0; k < ly->pp; k++)
        for (uint64_t d = 0; d < ly->dp; d++)
            sum += ly->tp * (double)(uint64_t)gp_checkpoint_rank_bytes(&w->model, ly, k, d);
    return sum;
}

/* single-switch: every flow ends on the one storage server's 40 Gbps disk,
 * the narrowest link (the GPUs' and the server's are 100 Gbps); a
 * bare-GPU fabric has no host memory, so nothing to snapshot */
START_TEST(write_and_restore_are_disk_bound)
{
    sim_scenario_t sc;
    load(&sc, SMALL, NULL, 0);
    gp_costs_t c;
    costs(&c, &sc, NULL);
    double disk = 40e9;
    ck_assert_double_eq(c.snapshot_s, 0);
    ck_assert_double_eq_tol(c.write_s, written(&sc.workload) * 8 / disk, 1e-5 * c.write_s);
    ck_assert_double_eq(c.pause_s, c.write_s); /* blocking */
    const wl_layout_t *ly = &sc.workload.layout;
    double read = 0;
    for (uint64_t k = 0; k < ly->pp; k++)
        read += (double)(ly->tp * ly->dp) *
                (double)(uint64_t)gp_checkpoint_rank_read_bytes(&sc.workload.model, ly, k);
    ck_assert_double_eq_tol(c.restore_s, read * 8 / disk, 1e-5 * c.restore_s);
    /* ZeRO 1: every rank holds the weights, so a restore reads more than
     * the checkpoint holds */
    ck_assert_double_gt(read, written(&sc.workload));
    ck_assert_int_eq(c.storage_servers, 1);
    ck_assert_double_eq(c.storage_bps, disk);
    sim_scenario_destroy(&sc);
}
END_TEST

/* one reader per (stage, tensor rank) reads its group's whole checkpoint
 * through the one disk, then the chain d -> d + 1 (dp 2: one hop per
 * group, each over its own 100 Gbps GPU links, all at once) */
START_TEST(restore_by_one_reader_then_broadcast)
{
    static const char *const sets[] = {"training.checkpoint.restore=\"one_per_dp_group\""};
    sim_scenario_t sc;
    load(&sc, SMALL, sets, 1);
    gp_costs_t c;
    costs(&c, &sc, NULL);
    const wl_spec_t *w = &sc.workload;
    const wl_layout_t *ly = &w->layout;
    double read = 0, hop = 0;
    for (uint64_t k = 0; k < ly->pp; k++) {
        double group = 0;
        for (uint64_t d = 0; d < ly->dp; d++)
            group += gp_checkpoint_rank_bytes(&w->model, ly, k, d);
        read += ly->tp * (double)(uint64_t)group;
        hop = fmax(hop, (double)(uint64_t)group);
    }
    double want = read * 8 / 40e9 + hop * 8 / 100e9;
    ck_assert_double_eq_tol(c.restore_s, want, 1e-5 * want);
    sim_scenario_destroy(&sc);
}
END_TEST

/* With storage faster than the NICs, the drain shares them with the
 * data-parallel all-reduce: the iteration under it is slower, and the
 * pause is the snapshot plus the drain's cost by the formula of
 * goodput/costs.h. The write alone is limited by the storage servers' 4
 * NICs of 100 Gbps. */
START_TEST(async_drain_slows_the_iteration)
{
    static const char *const sets[] = {"topology.storage.bw_gbps=400", "topology.cpu_servers=4"};
    sim_scenario_t sc;
    load(&sc, FATTREE, sets, 2);
    gp_costs_t c;
    costs(&c, &sc, NULL);
    ck_assert_double_eq_tol(c.write_s, written(&sc.workload) * 8 / 400e9, 1e-4 * c.write_s);
    ck_assert_double_gt(c.drain_iteration_s, c.iteration_s * 1.01);
    ck_assert_double_gt(c.drain_end_s, c.drain_iteration_s);
    double t0 = c.iteration_s, t1 = c.drain_iteration_s, d = c.drain_end_s;
    ck_assert_double_eq_tol(c.pause_s, c.snapshot_s + d * (1 - t0 / t1), 1e-12);
    ck_assert_double_gt(c.snapshot_s, 0);
    sim_scenario_destroy(&sc);
}
END_TEST

/* The slowdown of a shape is the run on the fabric without its
 * representative, which is the median-loaded of its loaded members in the
 * intact run (recomputed here by brute force); and without the busiest
 * leaf-spine cable the network-bound iteration is visibly slower. */
START_TEST(degraded_shape_is_a_run_without_its_representative)
{
    sim_scenario_t sc;
    load(&sc, FATTREE, NULL, 0);
    gp_costs_t c;
    costs(&c, &sc, NULL);
    ck_assert_int_eq(c.n_shapes, 2);
    gp_shape_t *cable = &c.shape[0];
    ck_assert_str_eq(cable->name, "leaf-spine cable");
    ck_assert_str_eq(c.shape[1].name, "spine switch");

    tn_error_t err = {0};
    sim_records_t rec;
    sim_run_info_t info;
    ck_assert(sim_run_scenario(&sc, &rec, &info, &err) == 0);
    topo_t t;
    topo_init(&t);
    ck_assert(topo_spec_build(&sc.topo, &t, &err) == 0);
    uint64_t load[512];
    int32_t id[512], n = 0, busiest = -1;
    for (int32_t e = 0; e < t.n_edges; e += 2)
        if (t.tier[e] == TOPO_TIER_LEAF && rec.link_bytes[e] + rec.link_bytes[e + 1] > 0) {
            load[n] = rec.link_bytes[e] + rec.link_bytes[e + 1];
            id[n++] = e / 2;
            if (busiest < 0 || load[n - 1] > load[busiest])
                busiest = n - 1;
        }
    ck_assert_int_eq(n, (int)cable->loaded);
    int32_t below = 0, rep = cable->representative, at = -1;
    for (int32_t i = 0; i < n; i++)
        if (id[i] == rep)
            at = i;
    ck_assert_int_ge(at, 0);
    for (int32_t i = 0; i < n; i++) {
        below += load[i] < load[at] || (load[i] == load[at] && id[i] < rep);
    }
    ck_assert_int_eq(below, n / 2);

    uint8_t *drop = calloc((size_t)t.n_edges / 2, 1);
    drop[rep] = 1;
    sim_run_opts_t o = {.drop_cable = drop};
    sim_records_t r2;
    ck_assert(sim_run_scenario_opts(&sc, &o, &r2, &info, &err) == 0);
    ck_assert_double_eq(cable->iteration_s, (double)sim_records_iteration_ps(&r2) * 1e-12);
    ck_assert_double_eq(cable->slowdown, cable->iteration_s / c.iteration_s);
    sim_records_destroy(&r2);
    drop[rep] = 0;
    drop[id[busiest]] = 1;
    ck_assert(sim_run_scenario_opts(&sc, &o, &r2, &info, &err) == 0);
    ck_assert_double_gt((double)sim_records_iteration_ps(&r2) * 1e-12, c.iteration_s * 1.01);
    sim_records_destroy(&r2);
    /* the class's slowdown: loaded members at the shape's, the rest at 1 */
    double want = ((double)cable->loaded * cable->slowdown + (double)(cable->members -
                   cable->loaded)) / (double)cable->members;
    ck_assert_double_eq_tol(c.cable_slowdown, want, 1e-15);
    free(drop);
    topo_destroy(&t);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
}
END_TEST

static char *cache_dir(void)
{
    char *d = strdup("/tmp/tensim-cache-XXXXXX");
    ck_assert(mkdtemp(d));
    return d;
}

static void rm_dir(const char *d)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    ck_assert_int_eq(system(cmd), 0);
}

/* The second study of the same job reads every figure from the cache and
 * gets the same costs bit for bit; a change to the training section still
 * hits; a change to the fabric misses. */
START_TEST(cache_hits_only_for_the_same_job)
{
    char *dir = cache_dir();
    sim_scenario_t sc;
    load(&sc, FATTREE, NULL, 0);
    tn_error_t err = {0};
    gp_cache_t cache;
    ck_assert(gp_cache_init(&cache, dir, sc.root, &err) == 0);
    gp_costs_t a, b;
    costs(&a, &sc, &cache);
    ck_assert_uint_eq(a.cached, 0);
    ck_assert_uint_eq(a.simulations, 7); /* intact, 2 shapes, snapshot, write, restore, drain */
    costs(&b, &sc, &cache);
    ck_assert_uint_eq(b.simulations, 0);
    ck_assert_uint_eq(b.cached, 6); /* iteration, 2 shapes, checkpoint, restore, drain */
    b.simulations = a.simulations;
    b.cached = a.cached;
    ck_assert(memcmp(&a, &b, sizeof a) == 0);
    gp_cache_destroy(&cache);
    sim_scenario_destroy(&sc);

    static const char *const training[] = {"training.failures.rate_scale=3"};
    load(&sc, FATTREE, training, 1);
    ck_assert(gp_cache_init(&cache, dir, sc.root, &err) == 0);
    costs(&b, &sc, &cache);
    ck_assert_uint_eq(b.simulations, 0);
    gp_cache_destroy(&cache);
    sim_scenario_destroy(&sc);

    static const char *const fabric[] = {"topology.fabric.latency_ns=300"};
    load(&sc, FATTREE, fabric, 1);
    ck_assert(gp_cache_init(&cache, dir, sc.root, &err) == 0);
    costs(&b, &sc, &cache);
    ck_assert_uint_eq(b.cached, 0);
    gp_cache_destroy(&cache);
    sim_scenario_destroy(&sc);
    rm_dir(dir);
    free(dir);
}
END_TEST

/* An entry cut short or holding another key is a miss, not an error. */
START_TEST(damaged_cache_entry_is_a_miss)
{
    char *dir = cache_dir();
    json_t *root = json_pack("{s:i}", "seed", 1);
    tn_error_t err = {0};
    gp_cache_t c;
    ck_assert(gp_cache_init(&c, dir, root, &err) == 0);
    gp_cache_entry_t e = {1, {"x_s"}, {0.1 + 0.2}};
    ck_assert(gp_cache_put(&c, "thing", &e, &err) == 0);
    gp_cache_entry_t got = {1, {"x_s"}, {0}};
    ck_assert(gp_cache_get(&c, "thing", &got));
    ck_assert(got.value[0] == 0.1 + 0.2); /* bit for bit */
    char path[512];
    snprintf(path, sizeof path, "%s/%016llx.json", dir,
             (unsigned long long)gp_cache_key(&c, "thing"));
    FILE *f = fopen(path, "w");
    fputs("{\"key\": \"00", f);
    fclose(f);
    ck_assert(!gp_cache_get(&c, "thing", &got));
    f = fopen(path, "w");
    fputs("{\"key\": \"0000000000000001\", \"values\": {\"x_s\": 1}}", f);
    fclose(f);
    ck_assert(!gp_cache_get(&c, "thing", &got));
    ck_assert(!gp_cache_get(&c, "other", &got));
    ck_assert_uint_eq(c.hits, 1);
    ck_assert_uint_eq(c.misses, 3);
    gp_cache_destroy(&c);
    json_decref(root);
    rm_dir(dir);
    free(dir);
}
END_TEST

/* A study's Young and Daly intervals and Kokolis's ETTR come from the
 * job's mean time to interrupt: 1 / sum of units / MTTF of the
 * interrupting classes. */
START_TEST(study_anchors_use_the_jobs_interrupt_rate)
{
    sim_scenario_t sc;
    load(&sc, SMALL, NULL, 0);
    gp_study_t s;
    tn_error_t err = {0};
    gp_cache_t none;
    ck_assert(gp_cache_init(&none, NULL, sc.root, &err) == 0);
    ck_assert_msg(gp_study_run(&s, &sc, &none, NULL, NULL, &err) == 0, "%s", err.msg);
    double rate = 0;
    for (int32_t k = 0; k < s.training.n_class; k++)
        if (s.cls[k].interrupts)
            rate += (double)s.cls[k].units / s.cls[k].life.mean_s;
    ck_assert_double_eq_tol(s.mtti_s, 1 / rate, 1e-9 * s.mtti_s);
    double d = s.costs.pause_s;
    ck_assert_double_eq_tol(s.young_s, sqrt(2 * d * s.mtti_s), 1e-9 * s.young_s);
    ck_assert_double_eq(s.interval_s, 3600);
    ck_assert_double_eq(s.training.work_s,
                        ceil(2e9 / s.costs.tokens_per_iteration) * s.costs.iteration_s);
    ck_assert_double_eq(s.restart_s, 600 + 300 + s.costs.restore_s);
    ck_assert_uint_eq(s.mc.runs, 200);
    gp_study_destroy(&s);
    gp_cache_destroy(&none);
    sim_scenario_destroy(&sc);
}
END_TEST

Suite *goodput_costs_suite(void)
{
    Suite *s = suite_create("goodput_costs");
    TCase *tc = tcase_create("costs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, write_and_restore_are_disk_bound);
    tcase_add_test(tc, restore_by_one_reader_then_broadcast);
    tcase_add_test(tc, async_drain_slows_the_iteration);
    tcase_add_test(tc, degraded_shape_is_a_run_without_its_representative);
    tcase_add_test(tc, cache_hits_only_for_the_same_job);
    tcase_add_test(tc, damaged_cache_entry_is_a_miss);
    tcase_add_test(tc, study_anchors_use_the_jobs_interrupt_rate);
    suite_add_tcase(s, tc);
    return s;
}
