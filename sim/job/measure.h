/* sim/job/measure.h — one collective alone on a fabric, as nccl-tests times
 * it: every member reaches it at time 0, and its time is when the last
 * member is done. What `tensim collective` prints, and what the collective
 * tests check against formulas.
 *
 * Ownership: borrows the topology; everything else lives for the call.
 */
#ifndef SIM_MEASURE_H
#define SIM_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "sim/coll/collective.h"
#include "sim/job/scenario.h"
#include "topology/topo.h"

typedef struct {
    sim_time_t time_ps;
    uint64_t events, transfers;
    sim_algo_t algo;    /* the algorithm that ran (what auto chose) */
    sim_proto_t proto;  /* the protocol it ran with (SIM_PROTO_AS_SET: as the spec said) */
    int32_t channels;   /* the channels it was given (rings run that many) */
} sim_measure_t;

/* Runs `spec` over the first n GPUs of t with network `model`. Errors
 * (TN_EINPUT): n out of range, or an algorithm that cannot run this op on
 * these ranks (sim_coll_check). Time complexity: that of the simulation. */
int sim_measure_collective(const topo_t *t, sim_net_model_t model, const sim_coll_spec_t *spec,
                           int32_t n, sim_measure_t *out, tn_error_t *err);

/* The same over the n GPU vertices `members` (member i on members[i]),
 * which must be distinct GPUs of t. Time complexity: that of the
 * simulation. */
int sim_measure_collective_on(const topo_t *t, sim_net_model_t model,
                              const sim_coll_spec_t *spec, int32_t n, const int32_t *members,
                              sim_measure_t *out, tn_error_t *err);

/* sim_measure_collective_on() with the network's exact shortcuts on or
 * off (sim/coll/shortcut.c: the same times either way, fewer events
 * with). Time complexity: that of the simulation. */
int sim_measure_collective_mode(const topo_t *t, sim_net_model_t model, bool shortcuts,
                                const sim_coll_spec_t *spec, int32_t n, const int32_t *members,
                                sim_measure_t *out, tn_error_t *err);

/* When `bytes` sent alone from vertex src to vertex dst at time 0 have
 * arrived (no software delay). O(hops), plus the routing tables' first
 * use. */
sim_time_t sim_measure_transfer(const topo_t *t, sim_net_model_t model, int32_t src, int32_t dst,
                                uint64_t bytes);

/* nccl-tests' bus bandwidth factor for op on n ranks: all-reduce
 * 2(n-1)/n; reduce-scatter, all-gather, all-to-all (n-1)/n; broadcast,
 * reduce 1. O(1). */
double sim_busbw_factor(wl_coll_t op, int32_t n);

#endif
