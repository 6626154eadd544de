/* bench/bench.h — what every benchmark program shares: a monotonic clock,
 * the peak memory, and loading what they measure (the main job's scenario,
 * a preset fabric) with one error line on failure. Benchmarks are the only
 * code that reads wall-clock time; nothing they measure feeds a simulation
 * result.
 *
 * Ownership: the loaders fill caller-owned values, which the caller
 * destroys (sim_scenario_destroy; topo_destroy and topo_spec_destroy);
 * nothing else is allocated.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "sim/job/scenario.h"
#include "topology/spec.h"
#include "topology/topo.h"

/* The main job: GPT-3 175B on all of azure-2020. */
#define BENCH_MAIN_SCENARIO "workloads/scenarios/azure2020-gpt3-175b.json"

/* Seconds on the monotonic clock. O(1). */
static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Peak resident memory of this process so far, in MiB. O(1). */
static inline double bench_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

/* Peak resident memory of the largest child process waited for, MiB. */
static inline double bench_child_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return ru.ru_maxrss / 1024.0;
}

/* Prints "PROG: message" on stderr and returns 1, the exit status. */
static inline int bench_fail(const char *prog, const tn_error_t *err)
{
    fprintf(stderr, "%s: %s\n", prog, err->msg);
    return 1;
}

/* Loads the scenario at path into sc. 0, or 1 after the error line.
 * O(size of the scenario). */
static inline int bench_load_scenario(const char *prog, const char *path, sim_scenario_t *sc)
{
    tn_error_t err = {0};
    return sim_scenario_load(sc, path, NULL, &err) ? bench_fail(prog, &err) : 0;
}

/* Builds the fabric of a preset into s and t. 0, or 1 after the error
 * line. O(size of the fabric). */
static inline int bench_build_preset(const char *prog, const char *preset, topo_spec_t *s,
                                     topo_t *t)
{
    tn_error_t err = {0};
    json_t *block = json_pack("{ss}", "preset", preset);
    int bad = topo_spec_parse(s, block, "bench", "topology", &err);
    json_decref(block);
    if (bad)
        return bench_fail(prog, &err);
    topo_init(t);
    return topo_spec_build(s, t, &err) ? bench_fail(prog, &err) : 0;
}

#endif
