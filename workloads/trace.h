/* workloads/trace.h — the trace model: programs, a rank -> program map, and
 * communicators.
 *
 * A program is a DAG of ops (COMPUTE, COLLECTIVE, SEND, RECV) stored in a
 * topological order: an op may depend only on ops before it, so a program
 * built through this interface cannot hold a cycle. Ranks doing the same
 * thing share a program, so a 10,000-rank job holds as many programs as it
 * has distinct roles, not 10,000 copies.
 *
 * A communicator is a partition of ranks into groups ("tp": groups of 8
 * consecutive ranks). An op names the communicator, and each rank acts in
 * its own group of it, so one shared program serves every group. SEND and
 * RECV name their peer by its position in the rank's group.
 *
 * Ownership: a wl_trace_t is caller-owned (wl_trace_init/wl_trace_destroy)
 * and owns its programs, ops, names and communicators.
 */
#ifndef WL_TRACE_H
#define WL_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "common/tn_error.h"

typedef enum { WL_OP_COMPUTE, WL_OP_COLLECTIVE, WL_OP_SEND, WL_OP_RECV } wl_op_kind_t;

typedef enum {
    WL_COLL_ALLREDUCE,
    WL_COLL_REDUCESCATTER,
    WL_COLL_ALLGATHER,
    WL_COLL_BROADCAST,
    WL_COLL_REDUCE,
    WL_COLL_ALLTOALL,
    WL_COLL_COUNT
} wl_coll_t;

typedef struct {
    uint8_t kind;          /* wl_op_kind_t */
    uint8_t coll;          /* wl_coll_t, COLLECTIVE only */
    int32_t comm;          /* communicator: COLLECTIVE, SEND, RECV */
    int32_t peer;          /* SEND / RECV: the peer's position in the group */
    int32_t tag;           /* SEND / RECV: matched with the peer's tag */
    uint64_t bytes;        /* COLLECTIVE, SEND, RECV: message size; COMPUTE: memory traffic */
    double flops;          /* COMPUTE: work; 0 when duration_ps is given */
    uint64_t duration_ps;  /* COMPUTE: fixed duration, when known */
    uint32_t dep_off, n_deps; /* into the program's deps[] */
} wl_op_t;

typedef struct {
    char *name;
    wl_op_t *ops;
    uint32_t n_ops;
    uint32_t *deps;        /* op indices, each below the op that names it */
    uint32_t n_deps;
    size_t ops_cap, deps_cap;
} wl_program_t;

typedef struct {
    char *name;
    int32_t n_groups;
    int32_t *group_off;    /* n_groups + 1 offsets into members */
    int32_t *members;      /* ranks, by group, ascending within a group */
    int32_t *rank_group;   /* by rank: its group, or -1 if not a member */
    int32_t *rank_index;   /* by rank: its position in its group, or -1 */
} wl_comm_t;

typedef struct {
    int32_t n_ranks;
    int32_t *rank_prog;    /* by rank: program index, -1 until set */
    wl_program_t *progs;
    int32_t n_progs;
    wl_comm_t *comms;
    int32_t n_comms;
    size_t progs_cap, comms_cap;
} wl_trace_t;

#define WL_MAX_RANKS (1 << 24)

void wl_trace_init(wl_trace_t *t, int32_t n_ranks);
void wl_trace_destroy(wl_trace_t *t);

/* Adds an empty program; returns its index. O(1) amortised. */
int32_t wl_trace_add_program(wl_trace_t *t, const char *name);

/* Appends a copy of *op to program p with the given dependencies (indices of
 * earlier ops of p); returns the new op's index. O(n_deps) amortised. */
uint32_t wl_program_add_op(wl_trace_t *t, int32_t p, const wl_op_t *op, const uint32_t *deps,
                           uint32_t n_deps);

/* Adds a communicator from rank_group[] (by rank: group id in 0..n_groups-1,
 * or -1); members of a group are ordered by rank. Returns its index.
 * O(n_ranks). */
int32_t wl_trace_add_comm(wl_trace_t *t, const char *name, int32_t n_groups,
                          const int32_t *rank_group);

/* Checks what the builders cannot: every rank has a program; every op names
 * an existing communicator; every rank running an op of a communicator is a
 * member of it; every SEND/RECV peer is a position in the group other than
 * the rank's own. Errors (TN_EINPUT) name the rank, program and op.
 * O(ranks x ops). */
int wl_trace_check(const wl_trace_t *t, tn_error_t *err);

/* Checks that the ranks can meet: every send has its receive (same
 * sender, receiver and tag, as many of each, same sizes), the members
 * of every communicator group run the same sequence of collectives (type
 * and size) on it, and none of them waits forever for another
 * (wl_trace_deadlock(), workloads/deadlock.h: two ranks entering two
 * communicators' collectives in opposite orders, a receive posted after a
 * send that waits for it). Errors (TN_EINPUT) name the ranks and what
 * differs, or the ranks and ops of the deadlock. O(ranks x (ops + deps)). */
int wl_trace_lint(const wl_trace_t *t, tn_error_t *err);

const char *wl_coll_name(wl_coll_t c);
const char *wl_op_kind_name(wl_op_kind_t k);

/* "collective allreduce on dp", "send on pp", "compute": op o of trace t,
 * for messages, into buf (n bytes, cut to fit). Returns buf. O(1). */
const char *wl_op_describe(const wl_trace_t *t, const wl_op_t *o, char *buf, size_t n);

#endif
