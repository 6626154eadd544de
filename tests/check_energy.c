/* tests/check_energy.c — energy and money (energy/): the machine counted
 * from a fabric against a hand count, the power figures of the data file
 * against the ratings they come from, a run's account against the hand
 * calculation of its formula, and the scenario's power and prices
 * sections refused when wrong.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "energy/account.h"
#include "energy/machine.h"
#include "energy/power.h"
#include "energy/spec.h"
#include "sim/job/run.h"
#include "sim/job/scenario.h"
#include "tests/helpers.h"
#include "tests/tests.h"

#define SKELETON "workloads/scenarios/skeleton-8gpu.json"
#define FATTREE "tests/data/goodput/fattree.json"

static void load(sim_scenario_t *sc, const char *path, const char *const *sets, int n)
{
    sim_overrides_t ov = {.sets = sets, .n_sets = n};
    tn_error_t err = {0};
    ck_assert_msg(sim_scenario_load(sc, path, &ov, &err) == 0, "%s", err.msg);
}

static void run(const sim_scenario_t *sc, sim_records_t *rec, sim_run_info_t *info)
{
    tn_error_t err = {0};
    ck_assert_msg(sim_run_scenario(sc, rec, info, &err) == 0, "%s", err.msg);
}

static en_spec_t spec_of(const sim_scenario_t *sc)
{
    en_spec_t s;
    tn_error_t err = {0};
    ck_assert_msg(en_spec_parse(&s, sc->root, sc->src, &err) == 0, "%s", err.msg);
    return s;
}

/* Two DGX A100 (8 GPUs, 8 NICs each) and two CPU servers (1 NIC each)
 * under a two-tier fat-tree of radix 8, 3:1 at the leaves: 18 host ports
 * at 6 down a leaf is 3 leaves, their 6 uplinks 2 spines; 18 host cables
 * and 6 leaf-spine cables. */
START_TEST(machine_of_a_fat_tree_by_hand)
{
    sim_scenario_t sc;
    load(&sc, FATTREE, NULL, 0);
    sim_records_t rec;
    sim_run_info_t info;
    run(&sc, &rec, &info);
    en_machine_t m;
    en_machine_count(&m, rec.n_vertices, rec.vertex_kind, rec.vertex_server, rec.n_links,
                     rec.link_src, rec.link_dst, rec.link_bps);
    ck_assert_int_eq(m.gpus, 16);
    ck_assert_int_eq(m.gpu_servers, 2);
    ck_assert_int_eq(m.cpu_servers, 2);
    ck_assert_int_eq(m.nics, 2 * 8 + 2 * 1);
    ck_assert_int_eq(m.cables, 18 + 6);
    /* a switch's rate is its fastest port: the leaves' 100 Gbps CPU-server
     * ports do not make a second class */
    ck_assert_int_eq(m.n_switch_rates, 1);
    ck_assert_uint_eq(m.switches[0].bps, 200000000000ull);
    ck_assert_int_eq(m.switches[0].count, 3 + 2);
    ck_assert(!m.too_many_rates);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
}
END_TEST

/* energy/data/power.json: a GPU's busy figure is its power limit (V100
 * 300 W, A100 400 W, H100 700 W); a DGX's other figure is its rated
 * maximum less 8 GPUs at their limit (3,500, 6,500 and 10,200 W); PUE 1.1
 * (GPT-3's data center). Parts without a published figure are named. */
START_TEST(data_figures_are_the_ratings)
{
    static const struct {
        const char *gpu, *server;
        double busy, max;
    } rows[] = {{"v100-32gb", "dgx1-v100", 300, 3500},
                {"a100-80gb", "dgx-a100", 400, 6500},
                {"h100-80gb", "hgx-h100", 700, 10200}};
    en_spec_t s = en_spec_default();
    en_machine_t m = {.gpus = 8, .gpu_servers = 1, .cpu_servers = 1, .n_switch_rates = 1,
                      .switches = {{100000000000ull, 3}}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        en_figures_t f;
        tn_error_t err = {0};
        ck_assert_msg(en_figures_resolve(&f, &s, &m, rows[i].gpu, rows[i].server,
                                         "cpu-2x24-edr", &err) == 0, "%s", err.msg);
        ck_assert_double_eq(f.w[EN_GPU_BUSY], rows[i].busy);
        ck_assert_double_eq(f.w[EN_GPU_SERVER_OTHER], rows[i].max - 8 * rows[i].busy);
        ck_assert(f.w[EN_GPU_IDLE] < 0);
        ck_assert(!f.given[EN_GPU_BUSY]);
        ck_assert_double_eq(f.pue, 1.1);
        ck_assert_ptr_nonnull(strstr(f.missing, "CPU servers (cpu-2x24-edr: set "
                                                "power.cpu_server_w)"));
        ck_assert_ptr_nonnull(strstr(f.missing, "100 Gbps switches (set power.switch_w)"));
    }
    /* the scenario's figures win, and are marked so */
    s.watts[EN_GPU_BUSY] = 250;
    s.watts[EN_SWITCH] = 150;
    s.pue = 1.4;
    en_figures_t f;
    tn_error_t err = {0};
    ck_assert(en_figures_resolve(&f, &s, &m, "v100-32gb", NULL, NULL, &err) == 0);
    ck_assert_double_eq(f.w[EN_GPU_BUSY], 250);
    ck_assert(f.given[EN_GPU_BUSY] && f.pue_given);
    ck_assert_double_eq(f.switch_w[0], 150);
    ck_assert_double_eq(f.pue, 1.4);
    ck_assert_ptr_nonnull(strstr(f.missing, "GPU servers besides their GPUs (no server model"));
}
END_TEST

/* The skeleton (8 GPUs, each its own server, one 100 Gbps switch; 100 us
 * of compute in a 37.69496384 ms iteration, 3 iterations back to back)
 * with every figure and price given: the account by hand. */
START_TEST(skeleton_account_by_hand)
{
    static const char *const sets[] = {
        "power={\"gpu_busy_w\": 300, \"gpu_idle_w\": 50, \"gpu_server_other_w\": 20, "
        "\"switch_w\": 100, \"pue\": 1.5}",
        "prices={\"energy_usd_per_kwh\": 0.1, \"gpu_hour_usd\": 2, \"capital\": "
        "{\"gpu_server_usd\": 1000, \"switch_usd\": 10000, \"cable_usd\": 50, \"years\": 1}}"};
    sim_scenario_t sc;
    load(&sc, SKELETON, sets, 2);
    sim_records_t rec;
    sim_run_info_t info;
    run(&sc, &rec, &info);
    en_spec_t s = spec_of(&sc);
    en_account_t a;
    tn_error_t err = {0};
    ck_assert_msg(en_account_records(&a, &rec, &s, NULL, NULL, NULL, 0, 0, &err) == 0, "%s",
                  err.msg);
    double it = 0.03769496384, share = 100e-6 / it;
    ck_assert_double_eq_tol(a.iteration_s, it, 1e-12);
    ck_assert_double_eq_tol(a.gpu_busy_share, share, 1e-9);
    double gpus = 8 * (50 + 250 * share), servers = 8 * 20.0, sw = 100;
    ck_assert_double_eq_tol(a.part_w[EN_PART_GPUS], gpus, 1e-6);
    ck_assert_double_eq_tol(a.part_w[EN_PART_GPU_SERVERS], servers, 1e-9);
    ck_assert_double_eq_tol(a.part_w[EN_PART_SWITCHES], sw, 1e-9);
    ck_assert_double_eq_tol(a.facility_w, 1.5 * (gpus + servers + sw), 1e-6);
    double kwh = 1.5 * (gpus + servers + sw) * it / 3.6e6;
    ck_assert_double_eq_tol(a.kwh, kwh, 1e-15);
    ck_assert_double_eq_tol(a.usd[EN_COST_ENERGY], kwh * 0.1, 1e-15);
    ck_assert_double_eq_tol(a.usd[EN_COST_GPU_HOURS], 8 * it / 3600 * 2, 1e-12);
    double capital = 8 * 1000 + 10000 + 8 * 50;
    ck_assert_double_eq_tol(a.capital_usd, capital, 1e-9);
    ck_assert_double_eq_tol(a.usd[EN_COST_CAPITAL], capital / (365.25 * 86400) * it, 1e-15);
    ck_assert_double_eq_tol(a.usd_total,
                            a.usd[EN_COST_ENERGY] + a.usd[EN_COST_GPU_HOURS] +
                                a.usd[EN_COST_CAPITAL], 1e-15);
    ck_assert(a.tokens == 0);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
}
END_TEST

/* Without an idle figure a GPU draws its busy one all the time; an
 * unpriced item stays unpriced and the total adds the rest; a token
 * target gives whole iterations. */
START_TEST(account_upper_bound_partial_prices_and_target)
{
    en_machine_t m = {.gpus = 16, .gpu_servers = 2, .cpu_servers = 1};
    en_figures_t f = {.pue = 1.2};
    for (int k = 0; k < EN_FIGURE_N; k++)
        f.w[k] = -1;
    f.w[EN_GPU_BUSY] = 400;
    f.w[EN_GPU_SERVER_OTHER] = 3300;
    en_spec_t s = en_spec_default();
    s.gpu_hour_usd = 1.5;
    en_account_t a;
    /* 10 s iteration, GPUs busy 40% of it; 1,000 tokens an iteration */
    en_account(&a, &m, &f, &s, 0.4 * 16 * 10, 10, 10, 16, 1000, 2500);
    ck_assert_double_eq_tol(a.part_w[EN_PART_GPUS], 16 * 400.0, 1e-9);
    ck_assert(a.part_w[EN_PART_CPU_SERVERS] < 0); /* no figure: not counted */
    ck_assert_double_eq_tol(a.it_w, 16 * 400.0 + 2 * 3300.0, 1e-9);
    ck_assert(a.usd[EN_COST_ENERGY] < 0 && a.usd[EN_COST_CAPITAL] < 0);
    ck_assert_double_eq_tol(a.usd_total, 16 * 10 / 3600.0 * 1.5, 1e-12);
    ck_assert_double_eq(a.iterations, 3); /* 2,500 tokens: 3 iterations of 1,000 */
    ck_assert_double_eq_tol(a.days, 30.0 / 86400, 1e-15);
    ck_assert_double_eq_tol(a.train_kwh, 3 * a.kwh, 1e-12);
    ck_assert_double_eq_tol(a.train_usd_total, 3 * a.usd_total, 1e-12);
    json_t *j = en_account_json(&a);
    ck_assert(json_is_null(json_object_get(json_object_get(j, "power_w"), "cpu_servers")));
    ck_assert_str_eq(json_string_value(json_object_get(j, "gpu_idle")),
                     "no idle figure: a GPU draws its busy figure all the time (an upper bound)");
    json_decref(j);
}
END_TEST

typedef struct {
    const char *doc, *msg;
} bad_t;

static const bad_t bad[] = {
    {"{\"power\": 5}", "s.json: power: expected an object"},
    {"{\"power\": {\"pue\": 0.9}}", "s.json: power.pue:"},
    {"{\"power\": {\"gpu_busy_w\": -1}}", "s.json: power.gpu_busy_w:"},
    {"{\"power\": {\"gpu_w\": 300}}", "s.json: power.gpu_w: unknown key"},
    {"{\"prices\": {\"energy_usd_per_kwh\": -0.1}}", "s.json: prices.energy_usd_per_kwh:"},
    {"{\"prices\": {\"gpu_hour_usd\": \"2\"}}", "s.json: prices.gpu_hour_usd:"},
    {"{\"prices\": {\"capital\": {\"switch_usd\": 5}}}",
     "s.json: prices.capital.years: missing required key"},
    {"{\"prices\": {\"capital\": {\"years\": 4, \"gpu_usd\": 5}}}",
     "s.json: prices.capital.gpu_usd: unknown key"},
};

START_TEST(bad_sections_are_refused)
{
    json_t *root = test_json(bad[_i].doc);
    en_spec_t s;
    tn_error_t err = {0};
    ck_assert_int_eq(en_spec_parse(&s, root, "s.json", &err), -1);
    ck_assert_int_eq(err.code, TN_EINPUT);
    ck_assert_msg(strncmp(err.msg, bad[_i].msg, strlen(bad[_i].msg)) == 0, "got: %s", err.msg);
    json_decref(root);
}
END_TEST

Suite *energy_suite(void)
{
    Suite *s = suite_create("energy");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, machine_of_a_fat_tree_by_hand);
    tcase_add_test(tc, data_figures_are_the_ratings);
    tcase_add_test(tc, skeleton_account_by_hand);
    tcase_add_test(tc, account_upper_bound_partial_prices_and_target);
    tcase_add_loop_test(tc, bad_sections_are_refused, 0, (int)(sizeof bad / sizeof bad[0]));
    suite_add_tcase(s, tc);
    return s;
}
