/* bench/bench_chakra.c — reading a real Chakra trace.
 *
 *  trace_chakra_3664_read_ms: mean time of wl_chakra_read() on rank 0 of a
 *    PyTorch training trace (tests/data/chakra/pytorch_trace.0.et: 3,664
 *    nodes, 181,878 data dependencies, 2.98 MB), over 20 reads after one
 *    warm-up read (the file is in the page cache: this is decoding,
 *    ordering and building the program, not the disk). The fastest and
 *    slowest reads follow on a comment line.
 * Run from the repository root (make bench does).
 * Wall-clock time is read here and only here: a benchmark, not a result.
 */
#include <stdio.h>

#include "bench/bench.h"
#include "workloads/chakra.h"

#define PREFIX "tests/data/chakra/pytorch_trace"
#define RUNS 20

/* One read; returns its seconds, or -1 after printing the error. */
static double read_once(wl_chakra_stats_t *st)
{
    wl_trace_t t;
    tn_error_t err = {0};
    double t0 = bench_now_s();
    if (wl_chakra_read(&t, PREFIX, &err, st))
        return -bench_fail("bench_chakra", &err);
    double dt = bench_now_s() - t0;
    wl_trace_destroy(&t);
    return dt;
}

int main(void)
{
    wl_chakra_stats_t st;
    if (read_once(&st) < 0)
        return 1;
    double sum = 0, lo = 1e300, hi = 0;
    for (int i = 0; i < RUNS; i++) {
        double dt = read_once(&st);
        if (dt < 0)
            return 1;
        sum += dt;
        lo = dt < lo ? dt : lo;
        hi = dt > hi ? dt : hi;
    }
    printf("trace_chakra_3664_read_ms: %.2f\n", sum / RUNS * 1e3);
    printf("# %d reads of %llu nodes (%llu bytes): fastest %.2f ms, slowest %.2f ms\n", RUNS,
           (unsigned long long)st.nodes, (unsigned long long)st.bytes_read, lo * 1e3, hi * 1e3);
    return 0;
}
