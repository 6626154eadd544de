/* bench/bench_sweep.c — a 16-run study of small scenarios (the skeleton on
 * 64 GPUs with the flow model, 300 iterations, about 0.4 s each), run by
 * `tensim sweep` with -j 1 and with -j 2 into fresh directories.
 *
 *  sweep_j1_s, sweep_j2_s: wall time of each study;
 *  sweep_speedup_j2: their ratio (2 cores: at most 2).
 * Wall-clock time is read here and only here: a benchmark, not a result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench/bench.h"

static double study(int jobs)
{
    char dir[] = "/tmp/tensim-bench-sweep-XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "build/tensim sweep workloads/scenarios/skeleton-8gpu.json"
             " --set topology.set.gpus=64 --set workload.ranks=64 --set iterations=300"
             " --set network.model=flow"
             " --vary topology.set.link.bw_gbps=100:800:x2"
             " --vary 'workload.compute_time_us=[10, 100, 1000, 10000]'"
             " -j %d -o %s/study > /dev/null",
             jobs, dir);
    double t0 = bench_now_s();
    int rc = system(cmd);
    double t = bench_now_s() - t0;
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0 || rc != 0)
        return -1;
    return t;
}

int main(void)
{
    double j1 = study(1), j2 = study(2);
    if (j1 < 0 || j2 < 0) {
        fprintf(stderr, "bench_sweep: the study failed (is build/tensim built?)\n");
        return 1;
    }
    printf("sweep_j1_s: %.2f\nsweep_j2_s: %.2f\nsweep_speedup_j2: %.2f\n", j1, j2, j1 / j2);
    printf("# 16 runs of the 64-GPU skeleton (flow model, 300 iterations) by tensim sweep\n");
    return 0;
}
