/* sim/exec/records.h — what a run recorded, for results/ to turn into reports.
 *
 * Ownership: a sim_records_t is caller-owned (sim_records_init fills it
 * with zeroed arrays, sim_records_destroy frees them).
 */
#ifndef SIM_RECORDS_H
#define SIM_RECORDS_H

#include <stdint.h>

#include "sim/engine/time.h"
#include "topology/topo.h"
#include "workloads/trace.h"

typedef struct {
    uint64_t n_iterations;
    sim_time_t *iter_end;      /* by iteration: when its last rank finished it */
    int32_t n_ranks;
    sim_time_t *rank_compute_ps;  /* by rank: time its compute stream was busy */
    sim_time_t *rank_coll_ps;     /* by rank: time its communication was under way:
                                     data of one of its collectives, sends or recvs
                                     moving, or, while not computing, one waiting for
                                     peers; counted once however many overlap, so at
                                     most its end; overlaps rank_compute_ps by the
                                     communication hidden behind compute */
    int32_t n_links;
    uint64_t *link_bytes;      /* by directed link */
    sim_time_t *link_busy_ps;  /* by directed link */
    /* what the links and ranks are, for naming them in reports (copied
     * from the fabric by sim_records_describe; NULL until then) */
    int32_t *link_src, *link_dst; /* by link: vertex ids */
    uint8_t *link_tier;           /* by link: topo_tier_t */
    uint64_t *link_bps;           /* by link: capacity */
    int32_t n_vertices;
    uint8_t *vertex_kind;         /* by vertex: topo_kind_t */
    int32_t *vertex_server;       /* by vertex: server, -1 for fabric switches */
    int32_t *vertex_ordinal;      /* by vertex: its number among vertices of its kind */
    int32_t *rank_vertex;         /* by rank: its GPU */
    /* The timeline of sampled ranks (all when few): one interval per op run,
     * in the order they ended. Names of communicators copied from the
     * trace, so the records outlive it. */
    struct sim_span {
        int32_t rank;
        uint8_t kind, coll;    /* wl_op_kind_t, wl_coll_t */
        int32_t comm;          /* index into comm_names, -1 for compute */
        uint64_t bytes;
        sim_time_t start, end;
    } *spans;
    size_t n_spans, spans_cap;
    uint8_t *rank_sampled;     /* by rank: in the timeline */
    sim_time_t *rank_exposed_ps; /* by rank x communicator: waiting while its
                                    communication ran (the op started first) */
    sim_time_t *rank_wait_ps;    /* by rank x communicator: waiting for peers
                                    to reach its op (skew, pipeline bubble) */
    sim_time_t *rank_idle_ps;    /* by rank: nothing running, not finished */
    sim_time_t *rank_end_ps;     /* by rank: when it finished its last
                                    iteration; compute + exposed + idle */
    uint8_t *comm_p2p;         /* by communicator: carries send/recv (a pipeline) */
    uint8_t *comm_cross_prog;  /* by communicator: a group has members of different
                                  programs (in a pipeline: spans stages) */
    int32_t *rank_prog;        /* by rank: its program (ranks alike in work) */
    char **comm_names;
    int32_t n_comms;
    sim_time_t end_ps;         /* when the last event ran */
    uint64_t events;           /* events the engine ran */
    uint64_t transfers;        /* point-to-point transfers started */
} sim_records_t;

void sim_records_init(sim_records_t *r, uint64_t iterations, int32_t ranks, int32_t links);
void sim_records_destroy(sim_records_t *r);

/* Copies what reports need to name links and ranks: endpoints, tiers and
 * capacities of t's links, kinds and servers of its vertices, and each
 * rank's GPU. O(|V| + |E| + ranks). */
void sim_records_describe(sim_records_t *r, const topo_t *t, const int32_t *rank_vertex);

/* Prepares the per-trace records: chooses the ranks of the timeline (all
 * of them up to 64, else ranks 0-15 and every (ranks/16)-th after);
 * allocates the time accounting by rank and communicator; copies the
 * communicator names, which communicators carry send/recv, and each
 * rank's program (what the bottleneck verdict compares ranks by).
 * O(ranks x communicators + ops). */
void sim_records_describe_trace(sim_records_t *r, const wl_trace_t *tr);

/* Steady-state iteration time: the mean over iterations after the first,
 * or the first when there is one. O(1). */
sim_time_t sim_records_iteration_ps(const sim_records_t *r);

#endif
