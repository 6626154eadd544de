/* bench/bench_run_100k.c — one iteration of a Llama 3 405B-class model on
 * the 100,000-GPU preset (workloads/scenarios/h100-100k-llama3-405b.json:
 * h100-100k, tp 8, pp 16, dp 781), flow model, every transfer simulated.
 *
 *  run_100k_s: wall time from loading the scenario to the records
 *    (issue 17's bar: 600 s);
 *  run_100k_rss_mib: peak resident memory of this process (bar: 8 GiB);
 *  run_100k_events_per_s: events run per second of wall time;
 * then a comment line with the simulated iteration.
 * Wall-clock time is read here and only here: a benchmark, not a result.
 */
#include <stdio.h>

#include "bench/bench.h"
#include "sim/job/run.h"

#define SCENARIO_100K "workloads/scenarios/h100-100k-llama3-405b.json"

int main(void)
{
    tn_error_t err = {0};
    double t0 = bench_now_s();
    sim_scenario_t sc;
    if (bench_load_scenario("bench_run_100k", SCENARIO_100K, &sc))
        return 1;
    sim_records_t rec;
    sim_run_info_t info;
    if (sim_run_scenario(&sc, &rec, &info, &err))
        return bench_fail("bench_run_100k", &err);
    double wall = bench_now_s() - t0;
    printf("run_100k_s: %.1f\n", wall);
    printf("run_100k_rss_mib: %.0f\n", bench_rss_mib());
    printf("run_100k_events_per_s: %.0f\n", rec.events / wall);
    printf("# iteration %.3f s simulated on %d of %d gpus; %llu events, %llu transfers\n",
           sim_time_to_s(sim_records_iteration_ps(&rec)), info.ranks, info.gpus,
           (unsigned long long)rec.events, (unsigned long long)rec.transfers);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
    return 0;
}
