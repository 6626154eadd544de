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
#include <unistd.h>

#include "bench/bench.h"
#include "sim/job/scenario.h"
#include "workloads/trace_json.h"

int main(void)
{
    tn_error_t err = {0};
    sim_scenario_t sc;
    if (bench_load_scenario("bench_trace", BENCH_MAIN_SCENARIO, &sc))
        return 1;
    wl_trace_t t, back;
    double t0 = bench_now_s();
    if (wl_spec_build(&sc.workload, &t, &err))
        return bench_fail("bench_trace", &err);
    double gen = bench_now_s() - t0;
    double rss = bench_rss_mib();
    char path[] = "/tmp/tensim-bench-trace-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    double t1 = bench_now_s();
    if (wl_trace_write_json(&t, path, &err) || wl_trace_read_json(&back, path, &err))
        return bench_fail("bench_trace", &err);
    double json = bench_now_s() - t1;
    unlink(path);
    printf("trace_gpt3_10k_gen_s: %.3f\n", gen);
    printf("trace_gpt3_10k_rss_mib: %.1f\n", rss);
    printf("trace_gpt3_10k_json_s: %.3f\n", json);
    printf("# %d ranks, %d programs, %u ops in stage 0\n", t.n_ranks, t.n_progs, t.progs[0].n_ops);
    wl_trace_destroy(&t);
    wl_trace_destroy(&back);
    sim_scenario_destroy(&sc);
    return 0;
}
