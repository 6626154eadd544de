/* sim/job/transfer.h — bulk transfers outside the workload: every rank's
 * checkpoint shard written to storage (or read back on a restore), either
 * alone (a transfer phase: sim_transfer_phase()) or beside a training
 * iteration, contending with it for the same NICs and links (background
 * transfers of sim_run_scenario_opts(), sim/job/run.h).
 *
 * Connections. Transfer i of a set goes on connection
 * SIM_TRANSFER_CONN + i: one connection (queue pair) per transfer, as a
 * writer opens one per stream, so transfers between one pair of vertices
 * spread over the equal-cost paths by ECMP's hash like NCCL's channels do.
 * The base has the top bit set, which no connection of the workload has
 * (a collective's are its channel numbers, a send's its tag, below 2^31),
 * so a transfer never borrows a path cached for the job.
 *
 * Reachability. The network asserts that every transfer it is given can
 * be routed (an intact fabric guarantees it between GPUs). A fabric with
 * failed components (topology/degrade.h), or a storage vertex, may not:
 * the checks below turn that into an error before anything is sent. They
 * route as sim/net/net.c does: between servers, a GPU's traffic leaves and
 * enters through its own NIC (n->nic_of).
 *
 * Ownership: the transfer arrays are the caller's and only read; nothing
 * here keeps a pointer after returning, except sim_transfer_start(),
 * which borrows its watch until the last transfer has arrived.
 */
#ifndef SIM_TRANSFER_H
#define SIM_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "sim/engine/engine.h"
#include "sim/net/net.h"
#include "topology/topo.h"

/* One transfer: `bytes` from vertex src_vertex to vertex dst_vertex (ids
 * of the fabric it runs on). */
typedef struct {
    int32_t src_vertex, dst_vertex;
    uint64_t bytes;
} sim_transfer_t;

#define SIM_TRANSFER_CONN 0x80000000u /* transfer i: connection SIM_TRANSFER_CONN + i */

/* How many transfers of a set are still moving, and when the last one to
 * arrive so far did (0 before any). */
typedef struct {
    size_t left;
    sim_time_t end_ps;
} sim_transfer_watch_t;

/* Whether every transfer x[0 .. k) can be routed on n's fabric. Errors
 * (TN_EINPUT): a vertex id out of range; "transfer I: B is unreachable
 * from A", A and B named as in sim_transfer_vertex_name(). O(k x the
 * routing's distance lookups), plus the tables they build. */
int sim_transfer_check(sim_net_t *n, const sim_transfer_t *x, size_t k, tn_error_t *err);

/* Whether every pair of the k vertices v[] (a job's GPUs) can exchange
 * data on n's fabric, both ways. Rather than the k^2 pairs it checks
 * each vertex's leg to its NIC, the pairs inside each server, and that
 * the vertices' hubs (a GPU's NIC, or itself) reach one hub that forwards,
 * which joins all the others (reachability through vertices that forward
 * is transitive). Errors (TN_EINPUT): "B is unreachable from A". O(k log k
 * + pairs within servers + k distance lookups). */
int sim_transfer_check_group(sim_net_t *n, const int32_t *v, size_t k, tn_error_t *err);

/* Writes a name for vertex v of t into buf: "gpu 3 (vertex 12)" for a GPU
 * (its number in rank order), else "<kind> vertex 40". O(log gpus). */
void sim_transfer_vertex_name(const topo_t *t, int32_t v, char *buf, size_t cap);

/* Starts x[0 .. k) now on n (checked before: sim_transfer_check()) and
 * sets w up to count them down: w->left reaches 0, and w->end_ps is the
 * last arrival, when all have arrived. O(k x sim_net_send()). */
void sim_transfer_start(sim_net_t *n, const sim_transfer_t *x, size_t k,
                        sim_transfer_watch_t *w);

/* Runs only x[0 .. k) on a fresh engine and network of model `model`
 * over the finalized fabric t (intact, or a topo_copy_without() copy),
 * all started at time 0, and sets *makespan_s to when the last arrived (0
 * for none). Errors (TN_EINPUT): those of sim_transfer_check(); counters
 * past what tensim counts. Time complexity: that of the simulation,
 * O(events x log(pending events)) plus the flow model's recomputations. */
int sim_transfer_phase(const topo_t *t, sim_net_model_t model, const sim_transfer_t *x, size_t k,
                       double *makespan_s, tn_error_t *err);

#endif
