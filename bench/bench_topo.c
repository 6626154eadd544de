/* bench/bench_topo.c — building azure-2020 and routing over it.
 *
 *  topo_azure2020_build_s: preset parsed, 38,620 vertices and 80,882 cables
 *    built and checked, routing ready (tables then fill in on first use).
 *  topo_azure2020_warm_s: every GPU made a destination once (all anchor
 *    tables built): the worst case of the lazy tables, paid once per run.
 *  topo_azure2020_rss_mib: peak resident memory of this process after that.
 *  topo_route_lookup_ns: mean time of one topo_route_path() between random
 *    GPU pairs (1e6 lookups, tables warm).
 * Wall-clock time is read here and only here: a benchmark, not a result.
 */
#include <stdio.h>

#include "bench/bench.h"

#include "topology/route.h"
#include "topology/spec.h"

/* Mean ns per lookup over n random GPU pairs (a fixed LCG: same pairs every
 * run). */
static double lookups(topo_route_t *r, const topo_t *t, int n, uint64_t seed)
{
    int32_t path[64];
    uint64_t x = seed;
    long hops = 0;
    double t0 = bench_now_s();
    for (int i = 0; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int32_t a = (int32_t)((x >> 33) % (uint64_t)t->n_gpus);
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int32_t b = (int32_t)((x >> 33) % (uint64_t)t->n_gpus);
        hops += topo_route_path(r, t->gpus[a], t->gpus[b], (uint64_t)i, path, 64, NULL);
    }
    double dt = bench_now_s() - t0;
    if (hops <= 0)
        fprintf(stderr, "bench_topo: no hops?\n");
    return dt / n * 1e9;
}

int main(void)
{
    double t0 = bench_now_s();
    topo_spec_t s;
    topo_t t;
    topo_route_t r;
    if (bench_build_preset("bench_topo", "azure-2020", &s, &t))
        return 1;
    topo_route_init(&r, &t);
    double built = bench_now_s() - t0;
    double t1 = bench_now_s();
    for (int32_t i = 0; i < t.n_gpus; i++)
        topo_route_dist(&r, t.gpus[0], t.gpus[i]);
    double warm = bench_now_s() - t1 + built;
    double rss = bench_rss_mib();
    double hot = lookups(&r, &t, 1000000, 11);
    printf("topo_azure2020_build_s: %.3f\n", built);
    printf("topo_azure2020_warm_s: %.3f\n", warm);
    printf("topo_azure2020_rss_mib: %.1f\n", rss);
    printf("topo_route_lookup_ns: %.0f\n", hot);
    printf("# %d vertices, %d directed links, %llu anchor tables, %.1f MiB of tables\n",
           t.n_vertices, t.n_edges, (unsigned long long)r.tables_built,
           (double)r.bytes / 1048576.0);
    topo_route_destroy(&r);
    topo_destroy(&t);
    topo_spec_destroy(&s);
    return 0;
}
