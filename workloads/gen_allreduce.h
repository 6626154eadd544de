/* workloads/gen_allreduce.h — the compute-then-all-reduce job: one program
 * shared by every rank, a COMPUTE op of fixed duration followed by an
 * all-reduce over all ranks that depends on it. The walking skeleton's
 * workload, and the smallest job whose time can be derived by hand.
 *
 * Ownership: fills a caller-owned, uninitialised wl_trace_t that the caller
 * later wl_trace_destroy()s.
 */
#ifndef WL_GEN_ALLREDUCE_H
#define WL_GEN_ALLREDUCE_H

#include <stdint.h>

#include "workloads/trace.h"

/* O(ranks). */
void wl_gen_compute_allreduce(wl_trace_t *t, int32_t ranks, uint64_t compute_ps, uint64_t bytes);

#endif
