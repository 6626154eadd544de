/* plan/estimate.h — a layout's iteration time in closed form, cheap enough
 * to rank thousands of layouts before simulating any.
 *
 * Per layer and microbatch, from the compute model (workloads/compute.h)
 * and the figures the Megatron generator uses (wl_megatron_layer):
 *   t_f = c(f, traffic) + TP + Z,
 *   t_b = c(2f, 2 traffic) + TP + Z + R,
 * TP the layer's TP collectives (two all-reduces, or with sequence
 * parallelism two all-gathers and two reduce-scatters), Z ZeRO 3's
 * all-gather of the layer's weights, R the recomputation (full: c(f,
 * traffic) + TP; selective: the attention scores). A stage's microbatch
 * costs C = (L/pp)(t_f + t_b), the last stage's the logits too (C_max).
 * With m microbatches and v virtual stages:
 *   pipeline = m C_max + (pp - 1) C_mean / v + 2 (pp v - 1) t_p2p
 * (the steady state runs at the slowest stage; the fill and drain idle
 * (pp - 1)/v microbatches' work and cross every virtual stage boundary
 * twice), then the tail on the first stage, which finishes last:
 *   + max(t_g, (L/pp) t_g - (L/pp - 1) t_b)   the last layer's gradient
 *       reduction, or all of them when they outlast the backward that
 *       hides them (they share the NICs, so they queue)
 *   + the optimizer step + ZeRO 1/2's all-gather of the stage's weights.
 * The Megatron mechanisms (workloads/megatron.h) that are on add: per
 * microbatch, 2 v blocking transfers and 2 v receivers' all-gathers to
 * every stage's C; the embedding, logits and loss collectives to the last
 * stage's; selective recomputation's and gradient accumulation's traffic
 * to t_b; when pipelined, the
 * whole stage's gradient all-reduce (local DDP, per chunk, with the
 * embeddings) in place of the overlapped tail, then the tied embedding's
 * gradient as one transfer; the fp16 optimizer's 66 bytes and 15 FLOPs a
 * parameter and its two scalar all-reduces.
 * Every collective is measured alone on the fabric, on the GPUs the first
 * stage's groups occupy (rank r on the r-th GPU), once per distinct group
 * and size, with the network model the costs were made with: the
 * analytic model (no contention) gives a lower bound cheaply, the flow
 * model the estimate (plan/plan.h uses the first to prune the second).
 * The estimate never decreases when a collective takes longer, so a
 * layout's analytic estimate bounds its flow estimate from below.
 * A stage's tp data-parallel groups run at once (one per TP position), and
 * a server's GPUs share its NICs: a data-parallel collective that leaves
 * the server takes plan_nic_share() times its time alone, the most
 * groups that meet on one NIC (on a DGX-1, 8 GPUs over 4 NICs: 1 for
 * tp 1, whose one group's contention its measurement already has, 2
 * otherwise). What the estimate leaves out (contention in the
 * fabric, uneven arrivals, how interleaving overlaps transfers) is what the
 * simulation of the best layouts adds; plan_t keeps both.
 *
 * Ownership: a plan_costs_t is caller-owned (plan_costs_init /
 * plan_costs_destroy); it borrows the topology, which must outlive it, and
 * owns its table of measured collectives.
 */
#ifndef PLAN_ESTIMATE_H
#define PLAN_ESTIMATE_H

#include <stddef.h>

#include "common/tn_error.h"
#include "sim/coll/collective.h"
#include "sim/job/scenario.h"
#include "topology/topo.h"
#include "workloads/compute.h"
#include "workloads/megatron.h"

typedef struct {
    double iter_s;     /* the estimate */
    double work_s;     /* m C_max: the slowest stage's microbatches */
    double tp_s;       /* of which TP collectives */
    double bubble_s;   /* pipeline fill and drain */
    double tail_s;     /* exposed gradient reduction, optimizer, ZeRO gathers */
} plan_estimate_t;

typedef struct {
    wl_coll_t op;
    uint64_t bytes, tp, dp;
    int group; /* 0: TP group, 1: DP group */
    double s;  /* measured; INFINITY when the algorithm cannot run it */
} plan_cost_t;

typedef struct {
    const topo_t *topo;
    sim_net_model_t model; /* what the collectives are measured with */
    sim_coll_spec_t spec; /* the scenario's algorithm, protocol, chunks, channels */
    wl_gpu_t gpu;
    int32_t server_gpus, nics; /* of the first server */
    int32_t *nic_local;        /* the NIC vertex of each of its GPUs, or -1 */
    plan_cost_t *costs;
    size_t n_costs, cap;
    int32_t *members;  /* scratch */
} plan_costs_t;

/* Collectives measured with network model `model`. Errors (TN_EINPUT):
 * the scenario's workload names no known GPU. O(vertices of the first
 * server). */
int plan_costs_init(plan_costs_t *c, const topo_t *t, const sim_scenario_t *sc,
                    sim_net_model_t model, tn_error_t *err);
void plan_costs_destroy(plan_costs_t *c);

/* How many of a stage's data-parallel groups (one per TP position
 * r mod tp of the first server's GPUs) send through the busiest NIC of
 * that server; 1 without NICs. O(g^3) for g GPUs in a server. */
double plan_nic_share(const plan_costs_t *c, uint64_t tp);

/* The estimate of layout ly of model m; iter_s is INFINITY when one of its
 * collectives cannot run with the scenario's algorithm. The first use of
 * a group and size costs one analytic simulation of that collective;
 * after, O(distinct collectives measured). */
plan_estimate_t plan_estimate(plan_costs_t *c, const wl_model_t *m, const wl_layout_t *ly);

#endif
