/* sim/coll/tune.h — NCCL's tuner as data (sim/coll/data/nccl_tuner.json): the
 * algorithm, protocol and number of channels NCCL 2.18 picks for one
 * collective, from its own bandwidth and latency model, fed with the
 * graph NCCL's topology search would find on tensim's fabric.
 *
 * The model (docs/collectives.md, "How auto chooses"): per (algorithm,
 * protocol) a latency (base + per-step hardware latencies) and a bandwidth
 * (graph channels x per-channel bandwidth, with NCCL's refinements and
 * caps), time = latency + bytes / bandwidth; the least time wins, NCCL's
 * order breaking ties (tree, ring, nvls; LL, LL128, Simple). Channels:
 * NCCL's loop, from the communicator's channels down while
 * bytes < channels x threads x threshold.
 *
 * Ownership: a sim_tuner_t is a plain value filled once from the embedded
 * data by sim_tuner_load() and only read afterwards (a sim_net_t holds
 * one); a sim_tune_graph_t is a plain value.
 */
#ifndef SIM_COLL_TUNE_H
#define SIM_COLL_TUNE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "sim/engine/time.h"
#include "workloads/trace.h"

/* NCCL's algorithms tensim models (its indices differ), and protocols in
 * NCCL's order. */
enum { SIM_TUNE_TREE, SIM_TUNE_RING, SIM_TUNE_NVLS, SIM_TUNE_ALGOS };
enum { SIM_TUNE_LL, SIM_TUNE_LL128, SIM_TUNE_SIMPLE, SIM_TUNE_PROTOS };
enum { SIM_TUNE_VOLTA, SIM_TUNE_AMPERE, SIM_TUNE_HOPPER, SIM_TUNE_GENS };
#define SIM_TUNE_MAX_SPEEDS 32
#define SIM_TUNE_CORR 23

typedef struct sim_tuner {
    double base_us[SIM_TUNE_ALGOS][SIM_TUNE_PROTOS];
    double hw_us[3][SIM_TUNE_ALGOS][SIM_TUNE_PROTOS]; /* nvlink, pci, net */
    bool runs[SIM_TUNE_ALGOS][SIM_TUNE_PROTOS];       /* NCCL has the pair */
    double ll_max[SIM_TUNE_GENS][3], ring_ll128_ch[SIM_TUNE_GENS][3];
    double tree_ll128_ch[SIM_TUNE_GENS][3], tree_ch[SIM_TUNE_GENS][3];
    double ring_ll_ar, ring_ll_gather, ring_ll128, ring_ll128_ppn1, tree_share, tree_ll_div;
    double tree_ll128_one, tree_ll128, tree_ratio, nvls_ratio, plateau_volta, plateau;
    double plateau_min, net_overhead_us, net_overhead_simple;
    double tree_corr[SIM_TUNE_PROTOS][SIM_TUNE_CORR];
    int32_t thresh[SIM_TUNE_PROTOS], max_threads[SIM_TUNE_PROTOS], simple_threads_pci;
    double pci_bw, nvlink_link[SIM_TUNE_GENS];
    double speeds[2][2][SIM_TUNE_MAX_SPEEDS]; /* [inter][sm90] */
    int32_t n_speeds[2][2];
    int32_t ring_max_channels, max_channels, nvls_channels;
    double dup_min, dup_hopper, hopper_internode_dup;
    /* what the simulation charges per protocol (sim/coll/data/nccl.json) */
    sim_time_t base_ps[SIM_TUNE_PROTOS], intra_ps[SIM_TUNE_PROTOS], inter_ps[SIM_TUNE_PROTOS];
    double wire[SIM_TUNE_PROTOS], channel_gbs[SIM_TUNE_PROTOS];
} sim_tuner_t;

/* What NCCL's topology search would find for a communicator: its shape,
 * the ring (and tree) graph's channels and per-channel bandwidth (GB/s),
 * the NVLS graph's, and the communicator's channels. */
typedef struct {
    int gen;                    /* SIM_TUNE_VOLTA, _AMPERE, _HOPPER */
    int32_t ranks, nodes;
    bool nvlink;                /* GPUs talk over NVLink (else PCIe) */
    bool ll128;                 /* NCCL enables LL128 here */
    bool nvls;                  /* NVLS can run (one node, a reducing NVSwitch, Hopper) */
    int32_t channels;           /* ring graph (tree graph: the same) */
    double bw;                  /* GB/s per channel, intra = inter */
    int32_t nvls_graph_channels;
    double nvls_bw;
    int32_t comm_channels;      /* what the channel loop starts from */
} sim_tune_graph_t;

/* Reads sim/coll/data/nccl_tuner.json and the protocols of sim/coll/data/nccl.json
 * (both compiled in). Errors (TN_EINPUT): a malformed data file, naming
 * the key. O(size of the files). */
int sim_tuner_load(sim_tuner_t *t, tn_error_t *err);

/* NCCL's estimated time in microseconds of `op` on `bytes` with algorithm
 * a and protocol p on graph g, or a negative value when NCCL does not run
 * that pair there. `channels` > 0: a forced count, the bandwidth scaled by
 * channels / the communicator's (as NCCL does for a preset count). O(1). */
double sim_tune_time_us(const sim_tuner_t *t, const sim_tune_graph_t *g, wl_coll_t op, int a,
                        int p, uint64_t bytes, int32_t channels);

/* NCCL's channel loop for algorithm a and protocol p: channels used for
 * `bytes`. O(channels). */
int32_t sim_tune_channels(const sim_tuner_t *t, const sim_tune_graph_t *g, int a, int p,
                          uint64_t bytes);

/* Fills g's channels and bandwidths from its shape and the rates NCCL
 * would see: per-GPU NVLink links (each planned at nvlink_link[gen]) and
 * the largest one towards one peer, or the PCIe rate without NVLink; a
 * NIC's rate and the GPU's path to it (several nodes), nics per node.
 * `sharp`: the GPUs share an NVSwitch that reduces. O(speeds). */
void sim_tune_graph(const sim_tuner_t *t, sim_tune_graph_t *g, double nvl_total_gbs,
                    double nvl_peer_gbs, double pci_gbs, double nic_gbs, double nic_path_gbs,
                    int32_t nics, bool sharp);

#endif
