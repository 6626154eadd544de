/* sim/net/flow.h — the `flow` network model: max-min fair sharing of directed
 * links among the flows crossing them.
 *
 * A flow moves `bytes` along a path of directed edge ids, all of it from the
 * moment it starts. Each link's capacity (topo_t bps[e]) is shared among
 * the active flows crossing it by max-min fairness (progressive filling: all
 * rates rise together; a flow stops rising when one of its links is full).
 * A flow may carry an integer weight w (default 1): it then rises w times
 * as fast as a flow of weight 1, and gets exactly what w flows of its path,
 * size and start would get together (weighted max-min: a link's share is
 * its capacity left over the weights of its unfrozen crossings). That lets
 * a caller move w identical transfers as one flow, for one flow's events.
 * A flow's callback runs latency_ps after its last bit was transmitted.
 *
 * Rates change only when flows start or finish, and are recomputed only
 * for the flows linked to those through shared links, transitively (their
 * connected component). Starts and ends at one instant mark their links
 * dirty and share one recomputation, an engine event at that instant that
 * runs after the other events pending there. When the search for the
 * component has reached more than half of the links carrying flows, all of
 * those links are taken instead: water-filling a union of components gives
 * each its own max-min rates, so this is exact, costs at most twice the
 * component's links, and spares the rest of the search when one component
 * spans the fabric. A flow's remaining bits are brought up to date, and its
 * completion event moved, only when its rate changes. A rate within
 * rate_tol (relative, default 1e-12) of the old one is rounding noise from
 * a different order of subtraction, not a new share: the old rate is kept,
 * which moves a completion by at most 1 ps per second of transfer; set
 * rate_tol to 0 to apply every change.
 *
 * Nothing is allocated per event once the pools have grown to the peak
 * number of flows: flows live in a pool with a free list, paths of up to
 * SIM_FLOWS_INLINE_HOPS hops in a row of that pool (longer ones take one
 * allocation each), and each link keeps an array of the flows crossing it
 * (removal in O(1): each flow remembers its position in each of its links'
 * arrays).
 *
 * Ownership: a sim_flows_t is caller-owned (sim_flows_init/destroy). It
 * borrows the engine and the topology, which must outlive it; it owns its
 * flow records and scratch. It borrows the ctx pointers of the callbacks.
 * Destroying it cancels its pending events (callbacks of flows that had
 * finished transmitting stay scheduled: they do not refer to it).
 */
#ifndef SIM_FLOW_H
#define SIM_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/tn_heap.h"
#include "sim/engine/engine.h"
#include "topology/topo.h"

#define SIM_FLOWS_INLINE_HOPS 16  /* longer paths take one allocation */
#define SIM_FLOWS_NONE UINT32_MAX /* the id of a flow that never became active */

typedef struct sim_flow sim_flow_t;           /* a flow record, in sim/net/flow.c */
typedef struct sim_flow_link sim_flow_link_t; /* a link's active flows, in sim/net/flow.c */
typedef struct sim_flow_fill sim_flow_fill_t; /* a link's water-filling state */

typedef struct {
    sim_engine_t *eng;
    const topo_t *topo;
    double rate_tol;          /* relative rate change below which nothing changes */

    /* counters, for benchmarks and reports */
    uint64_t started;         /* flows that became active */
    uint64_t finished;        /* flows that finished transmitting */
    uint64_t recomputes;      /* recomputations run */
    uint64_t touched;         /* flows recomputed, summed over recomputations */
    uint64_t rescheduled;     /* rate changes (completion events moved) */

    /* flow pool: what a recomputation reads, by flow id, in arrays of their
     * own (small and dense, so gathering 10,000 flows stays in cache); the
     * rest of each flow in a record */
    int32_t *hops;
    int32_t *path;            /* SIM_FLOWS_INLINE_HOPS edge ids per flow, 64-byte aligned */
    double *rate;             /* bits/s */
    uint32_t *weight;         /* >= 1 */
    uint64_t *seen, *frozen;  /* bitmaps for a recomputation */
    sim_flow_t *flow;
    uint32_t flow_cap, free_head; /* free list through the records */
    size_t active;

    /* by edge, in arrays of their own for the same reason */
    sim_flow_link_t *link;    /* the active flows crossing it */
    sim_flow_fill_t *fill;    /* water-filling state */
    uint64_t *link_seen;      /* bitmap: gathered */
    uint8_t *link_dirty;      /* in dirty[] */
    int32_t *busy, *busy_pos; /* the links carrying flows, and where each is in busy[] */
    size_t n_busy;
    int32_t *dirty;           /* links touched since the last recomputation */
    size_t n_dirty;
    sim_event_id_t recompute_ev;
    int recompute_pending;
    int recompute_deferred;

    /* recomputation scratch */
    int32_t *comp_links;
    uint32_t *comp_flows;     /* as they freeze */
    double *new_rate;         /* of comp_flows[i] */
    tn_heap_t heap;           /* link shares, for the water-filling */
} sim_flows_t;

/* Sets f up for topology t (finalized or not: only t->n_edges and t->bps
 * are read) on engine eng; borrows both. O(|E|). */
void sim_flows_init(sim_flows_t *f, sim_engine_t *eng, const topo_t *t);

/* Cancels f's pending events and frees what it owns. destroy(NULL) is a
 * no-op. O(active flows + |E|). */
void sim_flows_destroy(sim_flows_t *f);

/* Starts a flow of `bytes` along path[0 .. hops) (directed edge ids; a link
 * repeated in a path carries the flow once per crossing). done(eng, ctx,
 * arg) runs latency_ps after its last bit was transmitted. The flow's rate
 * is 0 until the recomputation at this instant has run. Returns the flow's
 * id, stable while it transmits (ids are reused afterwards), or
 * SIM_FLOWS_NONE when bytes or hops is 0: such a flow never shares a link,
 * and done runs after latency_ps alone. Aborts on an edge id out of range.
 * Time complexity: O(hops), amortised; the recomputation it causes is
 * O((L + H) log L) for the L links it covers, crossed H times by flows. */
uint32_t sim_flows_start(sim_flows_t *f, const int32_t *path, int hops, uint64_t bytes,
                         sim_time_t latency_ps, sim_handler_t done, void *ctx, uint64_t arg);

/* sim_flows_start() for a flow of weight `weight` >= 1 (aborts on 0): it
 * gets `weight` times the fair share per unit of its bottleneck, the rate
 * that many flows of `bytes` / weight each would get together. Same time
 * complexity. */
uint32_t sim_flows_start_w(sim_flows_t *f, const int32_t *path, int hops, uint64_t bytes,
                           uint32_t weight, sim_time_t latency_ps, sim_handler_t done, void *ctx,
                           uint64_t arg);

/* The rate, in bits/s, that a flow of `weight` along path[0 .. hops)
 * (hops >= 1, no link repeated) gets while no other flow crosses its
 * links: the water-filling's own arithmetic for a component of one flow,
 * so a caller timing such a flow without starting it gets the same
 * double. O(hops). */
double sim_flows_alone_rate(const sim_flows_t *f, const int32_t *path, int hops, uint32_t weight);

/* Picoseconds such a flow of `bytes` (all its weight's) takes to send its
 * last bit: what its completion event would be scheduled after. O(hops). */
sim_time_t sim_flows_alone_ps(const sim_flows_t *f, const int32_t *path, int hops, uint64_t bytes,
                              uint32_t weight);

/* Whether any flow crosses link e. O(1). */
bool sim_flows_link_busy(const sim_flows_t *f, int32_t e);

/* A flow that started at `started` (<= now) alone on its links and has
 * kept its rate (sim_flows_alone_rate()) since: its record as
 * sim_flows_start_w() and a recomputation at `started` would have left
 * it, completion event included (which must not be in the past). For a
 * caller that timed a flow without simulating it and must now let others
 * share its links. Causes no recomputation. O(hops), amortised. */
uint32_t sim_flows_adopt(sim_flows_t *f, const int32_t *path, int hops, uint64_t bytes,
                         uint32_t weight, sim_time_t latency_ps, sim_time_t started,
                         sim_handler_t done, void *ctx, uint64_t arg);

/* The current rate of flow `id` in bits/s; 0 for an id not transmitting
 * (finished, never started, SIM_FLOWS_NONE) and for a flow whose first
 * recomputation has not run yet. O(1). */
double sim_flows_rate(const sim_flows_t *f, uint32_t id);

/* The number of flows transmitting. O(1). */
static inline size_t sim_flows_active(const sim_flows_t *f) { return f->active; }

#endif
