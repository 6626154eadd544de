/* bench/bench_coll.c — one 1 GiB all-reduce over all 10,000 GPUs of
 * azure-2020, hierarchical (inside each DGX-1, then one ring per rail
 * across the 1,250 servers, then back inside), with the flow model and
 * every transfer simulated.
 *
 *  coll_azure2020_allreduce_1g_s: wall time of the simulation;
 *  coll_azure2020_allreduce_1g_rss_mib: peak resident memory of this
 *    process (topology, routing, the collective, the flows);
 * then a comment line with the simulated time, events and transfers.
 * Wall-clock time is read here and only here: a benchmark, not a result.
 */
#include <stdio.h>

#include "bench/bench.h"

#include "sim/coll/latency.h"
#include "sim/job/measure.h"
#include "topology/spec.h"

int main(void)
{
    tn_error_t err = {0};
    topo_spec_t s;
    topo_t t;
    if (bench_build_preset("bench_coll", "azure-2020", &s, &t))
        return 1;
    sim_coll_spec_t spec = {.op = WL_COLL_ALLREDUCE, .algo = SIM_ALGO_HIER,
                            .bytes = 1ull << 30, .channels = 1};
    sim_latency_apply("simple", &spec, NULL);
    sim_measure_t m;
    double t0 = bench_now_s();
    if (sim_measure_collective(&t, SIM_NET_FLOW, &spec, t.n_gpus, &m, &err))
        return bench_fail("bench_coll", &err);
    double wall = bench_now_s() - t0;
    printf("coll_azure2020_allreduce_1g_s: %.2f\n", wall);
    printf("coll_azure2020_allreduce_1g_rss_mib: %.1f\n", bench_rss_mib());
    printf("# simulated %.3f ms, %llu events (%.2f M events/s), %llu transfers\n",
           sim_time_to_s(m.time_ps) * 1e3, (unsigned long long)m.events, m.events / wall / 1e6,
           (unsigned long long)m.transfers);
    topo_destroy(&t);
    topo_spec_destroy(&s);
    return 0;
}
