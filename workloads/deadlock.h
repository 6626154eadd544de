/* workloads/deadlock.h — whether the ranks of a trace can all finish an
 * iteration, without a fabric or a clock.
 *
 * An untimed run: a compute op is done when its dependencies are; a
 * collective when every member of the rank's group has reached (its
 * dependencies done) the same collective; a send and its receive when both
 * are reached. Meetings are numbered by program order: the k-th collective
 * a rank's program holds on a communicator meets the k-th of the other
 * members, the n-th send from rank a to rank b with tag t meets the n-th
 * receive b posts for it. Each condition only ever becomes true, so the ops
 * that can finish are the same whatever the order of the run; an op left
 * over is a deadlock (sim/exec/executor.c reports the same traces stuck,
 * after simulating them, when they reach their meetings in program order,
 * as traces from tensim's generators and readers do).
 *
 * Ownership: borrows the trace; allocates only for the call's duration.
 */
#ifndef WL_DEADLOCK_H
#define WL_DEADLOCK_H

#include "common/tn_error.h"
#include "workloads/trace.h"

/* 0 when every op of every rank can finish; else -1 with TN_EINPUT and
 * "deadlock: rank R waits in op I (collective allreduce on dp) for rank Q,
 * which waits in op J (...)": the lowest stuck rank, its first stuck op
 * and the first member (or the peer) that never reaches the meeting. The
 * trace must pass wl_trace_check(), and its groups' collective sequences
 * and its point-to-point counts must agree (wl_trace_lint() checks both
 * first). Time complexity: O(ranks x (ops + deps)) plus O(ops x deps) per
 * program; memory: two bits per op of every rank. */
int wl_trace_deadlock(const wl_trace_t *t, tn_error_t *err);

#endif
