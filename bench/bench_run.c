/* bench/bench_run.c — whole jobs, flow model, every transfer simulated:
 *  run_azure2020_gpt3_*: the main job, one iteration of GPT-3 175B on all
 *    of azure-2020 (workloads/scenarios/azure2020-gpt3-175b.json);
 *  run_100k_*: one iteration of a Llama 3 405B-class model on the
 *    100,000-GPU preset (workloads/scenarios/h100-100k-llama3-405b.json;
 *    issue 17's bars: 600 s and 8 GiB; more than an hour today: its data-
 *    parallel rings of 781 members cross the fabric and share its links,
 *    about 1.3 billion events with the flow model);
 *  run_100k_analytic_*: the same with --set network.model=analytic (no
 *    contention, every ring timed by the exact shortcut): the first-order
 *    answer a planner can have at this size in minutes.
 * For each, in its own child process so that its peak memory is its own:
 *  PREFIX_s: wall time from loading the scenario to the records (fabric,
 *    trace, replay);
 *  PREFIX_rss_mib: peak resident memory;
 *  PREFIX_events_per_s: events run per second of wall time;
 * then a comment line with the simulated iteration.
 * Wall-clock time is read here and only here: a benchmark, not a result.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "sim/job/run.h"

static int run_one(const char *prefix, const char *path, const char *set)
{
    tn_error_t err = {0};
    double t0 = bench_now_s();
    sim_scenario_t sc;
    sim_overrides_t ov = {.sets = &set, .n_sets = set != NULL};
    if (sim_scenario_load(&sc, path, &ov, &err))
        return bench_fail("bench_run", &err);
    sim_records_t rec;
    sim_run_info_t info;
    if (sim_run_scenario(&sc, &rec, &info, &err))
        return bench_fail("bench_run", &err);
    double wall = bench_now_s() - t0;
    printf("%s_s: %.1f\n", prefix, wall);
    printf("%s_rss_mib: %.0f\n", prefix, bench_rss_mib());
    printf("%s_events_per_s: %.0f\n", prefix, rec.events / wall);
    printf("# %s: iteration %.3f s simulated on %d of %d gpus; %llu events, %llu transfers\n",
           prefix, sim_time_to_s(sim_records_iteration_ps(&rec)), info.ranks, info.gpus,
           (unsigned long long)rec.events, (unsigned long long)rec.transfers);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
    return 0;
}

int main(void)
{
    static const char k100[] = "workloads/scenarios/h100-100k-llama3-405b.json";
    static const struct {
        const char *prefix, *path, *set;
    } jobs[] = {
        {"run_azure2020_gpt3", BENCH_MAIN_SCENARIO, NULL},
        {"run_100k_analytic", k100, "network.model=analytic"},
        {"run_100k", k100, NULL},
    };
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(run_one(jobs[i].prefix, jobs[i].path, jobs[i].set));
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
            WEXITSTATUS(status))
            return 1;
    }
    return 0;
}
