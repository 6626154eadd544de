/* bench/bench_trace.c — generating the GPT-3 175B iteration for the main
 * job (TP 8, PP 16, DP 78: 9,984 ranks), and writing and reading it back
 * in the trace format.
 *
 *  trace_gpt3_10k_gen_s: the generator and the compute model, from the
 *    scenario to a trace in memory;
 *  trace_gpt3_10k_rss_mib: peak resident memory of this process;
 *  trace_gpt3_10k_json_s: writing the trace to a file and reading it back.
 * Wall-clock time is read here and only here: a benchmark, not a result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench/bench.h"
#include "sim/job/scenario.h"
#include "workloads/trace_json.h"

int main(void)
{
    tn_error_t err = {0};
    sim_scenario_t sc;
    if (sim_scenario_load(&sc, "workloads/scenarios/azure2020-gpt3-175b.json", NULL, &err)) {
        fprintf(stderr, "bench_trace: %s\n", err.msg);
        return 1;
    }
    wl_trace_t t, back;
    double t0 = bench_now_s();
    if (wl_spec_build(&sc.workload, &t, &err)) {
        fprintf(stderr, "bench_trace: %s\n", err.msg);
        return 1;
    }
    double gen = bench_now_s() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    char path[] = "/tmp/tensim-bench-trace-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    double t1 = bench_now_s();
    if (wl_trace_write_json(&t, path, &err) || wl_trace_read_json(&back, path, &err)) {
        fprintf(stderr, "bench_trace: %s\n", err.msg);
        return 1;
    }
    double json = bench_now_s() - t1;
    unlink(path);
    printf("trace_gpt3_10k_gen_s: %.3f\n", gen);
    printf("trace_gpt3_10k_rss_mib: %.1f\n", ru.ru_maxrss / 1024.0);
    printf("trace_gpt3_10k_json_s: %.3f\n", json);
    printf("# %d ranks, %d programs, %u ops in stage 0\n", t.n_ranks, t.n_progs, t.progs[0].n_ops);
    wl_trace_destroy(&t);
    wl_trace_destroy(&back);
    sim_scenario_destroy(&sc);
    return 0;
}
