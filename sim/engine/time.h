/* sim/engine/time.h — simulated time: uint64_t picoseconds, never floating point.
 *
 * Ownership: pure functions, nothing allocated.
 */
#ifndef SIM_TIME_H
#define SIM_TIME_H

#include <stdint.h>

typedef uint64_t sim_time_t;

#define SIM_TIME_MAX UINT64_MAX
#define SIM_PS_PER_NS 1000ull
#define SIM_PS_PER_US 1000000ull
#define SIM_PS_PER_S 1000000000000ull

/* Seconds as a double, for reports only (never fed back into the clock). */
static inline double sim_time_to_s(sim_time_t t) { return (double)t / 1e12; }

/* The time to push `bytes` through a link of `bps` bits per second, rounded
 * to the nearest picosecond, computed exactly in 128-bit integers; saturates
 * at SIM_TIME_MAX. bps must be positive. O(1).
 * Every transfer counts it on every hop, and a 128-bit division is a
 * library call of tens of cycles: below 1e15 ps (1,000 s) a quotient in
 * doubles is within one unit of the exact one (their relative error is
 * about 1e-16), and two 128-bit products move it onto the exact floor. */
static inline sim_time_t sim_serialize_ps(uint64_t bytes, uint64_t bps)
{
    unsigned __int128 num = (unsigned __int128)bytes * 8u * SIM_PS_PER_S + bps / 2;
    double d = ((double)bytes * 8e12 + (double)(bps / 2)) / (double)bps;
    if (d < 1e15) {
        uint64_t q = (uint64_t)d;
        unsigned __int128 p = (unsigned __int128)q * bps;
        while (p > num) { /* at most once or twice */
            q--;
            p -= bps;
        }
        while (num - p >= bps) {
            q++;
            p += bps;
        }
        return q;
    }
    unsigned __int128 q = num / bps;
    return q > SIM_TIME_MAX ? SIM_TIME_MAX : (sim_time_t)q;
}

/* a + b, saturating at SIM_TIME_MAX. */
static inline sim_time_t sim_time_add(sim_time_t a, sim_time_t b)
{
    return a > SIM_TIME_MAX - b ? SIM_TIME_MAX : a + b;
}

#endif
