/* bench/bench_run.c — the main job: one iteration of GPT-3 175B on all of
 * azure-2020 (workloads/scenarios/azure2020-gpt3-175b.json), flow model,
 * every transfer simulated.
 *
 *  run_azure2020_gpt3_s: wall time from loading the scenario to the
 *    records (fabric, trace, replay);
 *  run_azure2020_gpt3_rss_mib: peak resident memory of this process;
 *  run_azure2020_gpt3_events_per_s: events run per second of wall time;
 * then a comment line with the simulated iteration.
 * Wall-clock time is read here and only here: a benchmark, not a result.
 */
#include <stdio.h>

#include "bench/bench.h"
#include "sim/job/run.h"

int main(void)
{
    tn_error_t err = {0};
    double t0 = bench_now_s();
    sim_scenario_t sc;
    if (bench_load_scenario("bench_run", BENCH_MAIN_SCENARIO, &sc))
        return 1;
    sim_records_t rec;
    sim_run_info_t info;
    if (sim_run_scenario(&sc, &rec, &info, &err))
        return bench_fail("bench_run", &err);
    double wall = bench_now_s() - t0;
    printf("run_azure2020_gpt3_s: %.1f\n", wall);
    printf("run_azure2020_gpt3_rss_mib: %.0f\n", bench_rss_mib());
    printf("run_azure2020_gpt3_events_per_s: %.0f\n", rec.events / wall);
    printf("# iteration %.3f s simulated on %d of %d gpus; %llu events, %llu transfers\n",
           sim_time_to_s(sim_records_iteration_ps(&rec)), info.ranks, info.gpus,
           (unsigned long long)rec.events, (unsigned long long)rec.transfers);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
    return 0;
}
