/* bench/bench_goodput.c — the goodput study of the main job: a
 * 300-billion-token GPT-3 175B training on azure-2020, 1,000 Monte Carlo
 * runs and the search for the best checkpoint interval
 * (workloads/scenarios/azure2020-gpt3-175b.json, "training").
 *
 *  goodput_gpt3_azure2020_total_s: from an empty cache, every simulation
 *    included (the intact iteration, one per failure shape, the
 *    checkpoint's flows), then the Monte Carlo runs;
 *  goodput_gpt3_azure2020_simulations: the distinct simulations it ran;
 *  goodput_gpt3_azure2020_s: the same study again in a fresh process,
 *    every simulated figure from the cache;
 *  goodput_gpt3_azure2020_rss_mib: that process's peak resident memory;
 * then a comment line with the answer.
 * Wall-clock time is read here and only here: a benchmark, not a result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "goodput/study.h"

static int study(const char *dir, gp_study_t *s, double *wall)
{
    sim_scenario_t sc;
    if (bench_load_scenario("bench_goodput", BENCH_MAIN_SCENARIO, &sc))
        return 1;
    tn_error_t err = {0};
    gp_cache_t cache;
    double t0 = bench_now_s();
    if (gp_cache_init(&cache, dir, sc.root, &err) || gp_study_run(s, &sc, &cache, NULL, NULL, &err))
        return bench_fail("bench_goodput", &err);
    *wall = bench_now_s() - t0;
    gp_cache_destroy(&cache);
    sim_scenario_destroy(&sc);
    return 0;
}

/* the cached study, in a process of its own (exec'ed, so its peak memory
 * is its own, not inherited from the study that filled the cache) */
static int cached(const char *dir)
{
    gp_study_t s;
    double wall;
    if (study(dir, &s, &wall))
        return 1;
    printf("goodput_gpt3_azure2020_s: %.2f\n", wall);
    printf("goodput_gpt3_azure2020_rss_mib: %.0f\n", bench_rss_mib());
    printf("# %u figures from the cache, %u simulated; %.2f days on average (p10 %.2f, "
           "p90 %.2f, failure-free %.2f), ettr %.3f, best interval %.1f min\n",
           s.costs.cached, s.costs.simulations, s.mc.mean_wall_s / 86400, s.mc.p10_s / 86400,
           s.mc.p90_s / 86400, s.training.work_s / 86400, s.ettr, s.best_interval_s / 60);
    gp_study_destroy(&s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--cached") == 0)
        return cached(argv[2]);
    char dir[] = "/tmp/tensim-bench-cache-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("bench_goodput: mkdtemp");
        return 1;
    }
    gp_study_t s;
    double wall;
    int rc = study(dir, &s, &wall);
    if (rc == 0) {
        printf("goodput_gpt3_azure2020_total_s: %.1f\n", wall);
        printf("goodput_gpt3_azure2020_simulations: %u\n", s.costs.simulations);
        fflush(stdout);
        gp_study_destroy(&s);
        pid_t pid = fork();
        if (pid == 0) {
            execl("/proc/self/exe", argv[0], "--cached", dir, (char *)NULL);
            _exit(127);
        }
        int st = 0;
        rc = pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    }
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
