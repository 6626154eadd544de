/* bench/bench_plan.c — tensim plan for GPT-3 175B on azure-2020
 * (workloads/scenarios/azure2020-gpt3-175b.json) with K = 5: enumerate,
 * bound, estimate, and five full flow simulations at 10,000 GPUs, two at a
 * time (tensim plan -j 2: issue 17's bar is 60 s on this machine's cores).
 *
 *  plan_gpt3_azure2020_s: wall time of plan_run with jobs 2;
 *  plan_gpt3_azure2020_rss_mib: peak resident memory of this process and,
 *  apart, of the largest simulation's child (plan_gpt3_azure2020_child_rss_mib);
 * then a comment line with the counts and the winner.
 * Wall-clock time is read here and only here: a benchmark, not a result.
 */
#include <stdio.h>

#include "bench/bench.h"
#include "plan/plan.h"

int main(void)
{
    tn_error_t err = {0};
    double t0 = bench_now_s();
    sim_scenario_t sc;
    if (bench_load_scenario("bench_plan", BENCH_MAIN_SCENARIO, &sc))
        return 1;
    plan_t p;
    plan_opts_t o = {.top = 5, .jobs = 2, .reserve_bytes = 2 * 1073741824.0};
    if (plan_run(&p, &sc, &o, &err))
        return bench_fail("bench_plan", &err);
    double wall = bench_now_s() - t0;
    printf("plan_gpt3_azure2020_s: %.1f\n", wall);
    printf("plan_gpt3_azure2020_rss_mib: %.0f\n", bench_rss_mib());
    printf("plan_gpt3_azure2020_child_rss_mib: %.0f\n", bench_child_rss_mib());
    const wl_layout_t *b = &p.layouts[0].layout;
    printf("# %llu layouts, %zu fit, %llu estimated, %llu simulated; best tp %llu pp %llu dp %llu "
           "mb %llu: %.3f s simulated\n",
           (unsigned long long)p.enumerated, p.n, (unsigned long long)p.estimated,
           (unsigned long long)p.simulated, (unsigned long long)b->tp, (unsigned long long)b->pp,
           (unsigned long long)b->dp, (unsigned long long)b->microbatch, p.layouts[0].sim_iter_s);
    plan_destroy(&p);
    sim_scenario_destroy(&sc);
    return 0;
}
