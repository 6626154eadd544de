/* bench/bench.h — what every benchmark program shares: a monotonic clock.
 * Benchmarks are the only code that reads wall-clock time; nothing they
 * measure feeds a simulation result.
 *
 * Ownership: nothing allocated.
 */
#ifndef BENCH_H
#define BENCH_H

#include <time.h>

/* Seconds on the monotonic clock. */
static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

#endif
