/* sim/exec/executor.h — replays a trace: each rank walks its program.
 *
 * An op starts when its dependencies are done: a COMPUTE op then waits for
 * the rank's one compute stream (FIFO), a COLLECTIVE joins the instance of
 * that collective for the rank's group (the k-th collective a rank reaches
 * on a communicator matches the k-th of every other member) and finishes for
 * the rank when its part is done. A rank runs its program `iterations`
 * times, each iteration starting when the rank finished the previous one.
 * Collectives run with the algorithm, chunking, channels and latencies of
 * `coll` (its op and size come from each op). A SEND matches the RECV its
 * peer posts with the same tag, in order; the transfer carries the
 * per-step latency of its link class. Compute given in FLOPs arrives with
 * the compute model; a trace that uses it is refused at init.
 *
 * Ownership: a sim_exec_t is caller-owned (sim_exec_init/destroy); it
 * borrows the engine, network, trace, placement and records, which must
 * outlive it, and owns its per-rank state and collectives in flight.
 */
#ifndef SIM_EXECUTOR_H
#define SIM_EXECUTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "common/tn_map.h"
#include "sim/coll/collective.h"
#include "sim/engine/engine.h"
#include "sim/net/net.h"
#include "sim/exec/records.h"
#include "workloads/trace.h"

typedef struct sim_rank sim_rank_t;

typedef struct {
    sim_engine_t *eng;
    sim_net_t *net;
    const wl_trace_t *tr;
    const int32_t *rank_vertex;  /* by rank: its GPU vertex */
    uint64_t iterations;
    sim_coll_spec_t coll;        /* algorithm, chunks, channels, latencies */
    sim_records_t *rec;
    sim_rank_t *ranks;
    uint32_t **succ_off, **succ; /* by program: successors (CSR) */
    int32_t **comm_vertex;       /* by comm: member vertices in member order */
    /* by comm, by group: what its collectives keep between calls */
    struct sim_group {
        /* the spec NCCL's choices gave its last collective: a group runs
         * the same op and size again and again, and the choice is a
         * function of them (and the fabric) alone */
        bool set;
        wl_coll_t op;
        uint64_t bytes;
        sim_coll_spec_t spec;
        /* its latest collective in flight and its key: most members join
         * the one their first member opened, without a lookup in
         * `inflight` */
        void *open;
        uint64_t open_key;
    } **groups;
    tn_map_t inflight;           /* (comm, group, seq) -> collective in flight */
    tn_map_t p2p;                /* (sender, receiver, tag) -> posted sends or recvs */
    struct sim_p2p_xfer *xfers;  /* transfers in flight, a pool */
    size_t n_xfers, xfers_cap;
    int32_t free_xfer;           /* free list through the pool, -1 when empty */
    int32_t ranks_finished;
    /* Ops whose dependencies are done, not started yet: a worklist, so that
     * chains of ops that finish at once run in a loop, not a recursion. */
    struct sim_ready {
        int32_t rank;
        uint32_t op;
    } *ready;
    size_t n_ready, ready_cap;
    bool draining;
    bool failed;                 /* a trace error found mid-run (err holds it) */
    tn_error_t err;
} sim_exec_t;

/* Prepares every rank to start at time 0 (nothing is scheduled yet).
 * Errors (TN_EINPUT): an op kind or collective this build cannot run.
 * O(ranks x ops of their programs). */
int sim_exec_init(sim_exec_t *x, sim_engine_t *eng, sim_net_t *net, const wl_trace_t *tr,
                  const int32_t *rank_vertex, uint64_t iterations, const sim_coll_spec_t *coll,
                  sim_records_t *rec, tn_error_t *err);

/* Makes rank r's compute ops take `factor` times as long (a straggler:
 * a throttled GPU); before sim_exec_start. A duration that would pass
 * 2^62 ps is held there, and the engine's overflow check refuses the run.
 * O(1). */
void sim_exec_slow_rank(sim_exec_t *x, int32_t r, double factor);

/* The share of all ranks' ops of all iterations done so far, 0 to 1: for
 * a progress display. O(ranks). */
double sim_exec_done_share(const sim_exec_t *x);

/* Starts every rank's first ops at the current time. O(ranks x roots). */
void sim_exec_start(sim_exec_t *x);

/* After the engine ran dry (or was stopped): 0 when every rank finished
 * every iteration; else -1 with the error that stopped the run (members of
 * one collective that disagree on its type or size), or one naming the
 * stuck ranks and the ops they wait in (a deadlock: a collective some
 * member never reaches). O(ranks x ops). */
int sim_exec_check_finished(const sim_exec_t *x, tn_error_t *err);

void sim_exec_destroy(sim_exec_t *x);

#endif
