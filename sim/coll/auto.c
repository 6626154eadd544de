/* sim/coll/auto.c — what `auto` means: the algorithm, protocol and
 * channels NCCL would run for one collective (sim_coll_resolve(),
 * sim/coll/collective.h), from NCCL's tuner fed with the graph its
 * topology search would find on tensim's fabric (sim/coll/tune.h). */
#include "sim/coll/collective.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/coll/algo.h"
#include "sim/coll/node.h"
#include "sim/coll/tune.h"

/* The network's tuner tables, read from the compiled-in data on first use
 * and kept with the network (sim_net_t.coll_tuner): a cache, so a const
 * network may fill it. O(1) after the first call. */
static const sim_tuner_t *tuner_of(const sim_net_t *net)
{
    sim_net_t *n = (sim_net_t *)net;
    if (!n->coll_tuner) {
        sim_tuner_t *t = tn_malloc(sizeof *t);
        TN_ASSERT(sim_tuner_load(t, NULL) == 0); /* compiled-in data */
        n->coll_tuner = t;
    }
    return n->coll_tuner;
}

/* The inputs of NCCL's topology search for these members, from the
 * fabric (docs/collectives.md, "How auto chooses"): the GPU generation
 * (spec->sm, else a reducing NVSwitch means Hopper, an NVSwitch Ampere,
 * NVLinks between GPUs Volta, none Ampere); member 0's NVLinks, each
 * planned at NCCL's per-link figure; its PCIe rate; its NIC's rate and the
 * NICs its server's members use; servers and ranks. O(n + degree). */
static void tune_graph(const sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                       const int32_t *vertex, sim_tune_graph_t *g)
{
    const topo_t *t = net->topo;
    const sim_tuner_t *tu = tuner_of(net);
    int32_t v = vertex[0];
    memset(g, 0, sizeof *g);
    g->ranks = n;
    int gen = SIM_TUNE_AMPERE;
    if (spec->sm)
        gen = spec->sm >= 90 ? SIM_TUNE_HOPPER : spec->sm >= 80 ? SIM_TUNE_AMPERE : SIM_TUNE_VOLTA;
    else {
        int seen = 0; /* 3 sharp, 2 nvswitch, 1 gpu */
        for (int32_t i = t->out_off[v]; i < t->out_off[v + 1]; i++) {
            int32_t e = t->out_edge[i], k = t->kind[t->edst[e]];
            if (t->tier[e] != TOPO_TIER_NVLINK)
                continue;
            int s = k == TOPO_NVSWITCH_SHARP ? 3 : k == TOPO_NVSWITCH ? 2 : k == TOPO_GPU ? 1 : 0;
            seen = s > seen ? s : seen;
        }
        gen = seen == 3 ? SIM_TUNE_HOPPER : seen == 1 ? SIM_TUNE_VOLTA : SIM_TUNE_AMPERE;
    }
    g->gen = gen;
    double total = 0, peer = 0, pci = 0, link = tu->nvlink_link[gen];
    for (int32_t i = t->out_off[v]; i < t->out_off[v + 1]; i++) {
        int32_t e = t->out_edge[i];
        double gbs = (double)t->bps[e] / 8e9;
        if (t->tier[e] == TOPO_TIER_NVLINK) {
            double links = fmax(1, round(gbs / link));
            total += links * link;
            peer = fmax(peer, links * link);
        } else if (t->tier[e] == TOPO_TIER_PCIE) {
            pci = fmax(pci, gbs);
        }
    }
    /* servers, and the NICs of member 0's server */
    uint8_t *seen = tn_calloc((size_t)t->n_servers + 1, 1);
    int32_t nodes = 0, nics = 0, sv0 = t->server[v];
    for (int32_t i = 0; i < n; i++) {
        int32_t sv = t->server[vertex[i]];
        if (sv < 0 || !seen[sv])
            nodes++;
        if (sv >= 0)
            seen[sv] = 1;
        int32_t nic = net->nic_of[vertex[i]];
        if (sv != sv0 || nic < 0)
            continue;
        bool dup = false;
        for (int32_t j = 0; j < i && !dup; j++)
            dup = t->server[vertex[j]] == sv0 && net->nic_of[vertex[j]] == nic;
        nics += !dup;
    }
    free(seen);
    g->nodes = nodes;
    double nic_gbs = 0;
    int32_t nic = net->nic_of[v];
    for (int32_t i = nic >= 0 ? t->out_off[nic] : 0; nic >= 0 && i < t->out_off[nic + 1]; i++) {
        int32_t e = t->out_edge[i];
        if (t->server[t->edst[e]] != t->server[nic])
            nic_gbs = fmax(nic_gbs, (double)t->bps[e] / 8e9);
    }
    if (nic_gbs == 0) { /* no NIC: the GPU's own widest way out of its server */
        for (int32_t i = t->out_off[v]; i < t->out_off[v + 1]; i++)
            if (t->server[t->edst[t->out_edge[i]]] != sv0)
                nic_gbs = fmax(nic_gbs, (double)t->bps[t->out_edge[i]] / 8e9);
        nics = 1;
    }
    if (nic_gbs == 0)
        nic_gbs = pci > 0 ? pci : tu->pci_bw;
    if (nics == 0)
        nics = 1;
    sim_tune_graph(tu, g, total, peer, pci > 0 ? pci : tu->pci_bw, nic_gbs,
                   pci > 0 ? fmin(pci, nic_gbs) : nic_gbs, nics,
                   sim_coll_sharp_switch(t, n, vertex) >= 0);
}

static void set_protocol(const sim_tuner_t *tu, sim_coll_spec_t *s, int p)
{
    s->proto = (sim_proto_t)(SIM_PROTO_LL + p);
    s->base_ps = tu->base_ps[p];
    s->intra_step_ps = tu->intra_ps[p];
    s->inter_step_ps = tu->inter_ps[p];
    s->wire_per_byte = tu->wire[p];
    s->channel_gbs = tu->channel_gbs[p];
}

/* Ring or hier across servers? NCCL's model assumes rings whose hops
 * between servers stay on one rail (a channel enters and leaves a node
 * through one NIC); tensim's channel k leaves through another GPU's NIC,
 * so on a rail-optimised fabric its hops cross the spine (docs/
 * collectives.md, "Calibration"). Until they are rail-aligned, auto keeps
 * tensim's own estimate for this one choice, with NCCL's Simple step
 * latencies and the fabric's rates, g GPUs in each of the n/g servers:
 *   ring: 2(n-1) inter-server steps, 2(n-1)/n S over the servers' NICs
 *         together (one ring per GPU of a server, each through its NIC);
 *   hier: 2(g-1) steps inside and 2(s-1) across, 2(g-1)/g S over a GPU's
 *         NVLink and 2(s-1)/s S/g over its NIC.
 * O(g x degree). */
static bool ring_pays(const sim_net_t *net, uint64_t bytes, int32_t n, const int32_t *vertex,
                      int32_t g)
{
    const topo_t *t = net->topo;
    uint64_t nic_bps = 0, nvl_bps = 0;
    int32_t nics = 0;
    for (int32_t e = t->out_off[vertex[0]]; e < t->out_off[vertex[0] + 1]; e++)
        if (t->tier[t->out_edge[e]] == TOPO_TIER_NVLINK && t->bps[t->out_edge[e]] > nvl_bps)
            nvl_bps = t->bps[t->out_edge[e]];
    for (int32_t i = 0; i < g; i++) {
        int32_t nic = net->nic_of[vertex[i]];
        bool seen = nic < 0;
        for (int32_t j = 0; j < i && !seen; j++)
            seen = net->nic_of[vertex[j]] == nic;
        if (seen)
            continue;
        nics++;
        for (int32_t e = t->out_off[nic]; e < t->out_off[nic + 1]; e++)
            if (t->server[t->edst[t->out_edge[e]]] != t->server[nic] &&
                t->bps[t->out_edge[e]] > nic_bps)
                nic_bps = t->bps[t->out_edge[e]];
    }
    if (nics == 0 || nic_bps == 0 || nvl_bps == 0)
        return false;
    const sim_tuner_t *tu = tuner_of(net);
    double S = (double)bytes * 8, intra = (double)tu->intra_ps[SIM_TUNE_SIMPLE] * 1e-12,
           inter = (double)tu->inter_ps[SIM_TUNE_SIMPLE] * 1e-12, sv = (double)n / g;
    double ring = 2.0 * (n - 1) * inter + 2.0 * (n - 1) / n * S / ((double)nics * (double)nic_bps);
    double hier = 2.0 * (g - 1) * intra + 2.0 * (sv - 1) * inter +
                  2.0 * (g - 1) / g * S / (double)nvl_bps +
                  2.0 * (sv - 1) / sv * S / g / (double)nic_bps;
    return ring < hier;
}

void sim_coll_resolve(const sim_net_t *net, const sim_coll_spec_t *in, int32_t n,
                      const int32_t *vertex, sim_coll_spec_t *out)
{
    *out = *in;
    bool auto_algo = in->algo == SIM_ALGO_AUTO, auto_proto = in->proto == SIM_PROTO_AUTO,
         auto_ch = in->channels <= 0;
    if (!auto_algo && !auto_proto && !auto_ch)
        return;
    const sim_tuner_t *tu = tuner_of(net);
    if (in->op == WL_COLL_ALLTOALL || n == 1) {
        /* not a collective of NCCL's tuner: point-to-point sends, Simple */
        if (auto_algo)
            out->algo = in->op == WL_COLL_ALLTOALL ? SIM_ALGO_DIRECT : SIM_ALGO_RING;
        if (auto_proto)
            set_protocol(tu, out, SIM_TUNE_SIMPLE);
        if (auto_ch)
            out->channels = 1;
        return;
    }
    sim_tune_graph_t g;
    tune_graph(net, in, n, vertex, &g);
    /* the candidates: every algorithm NCCL has for auto, else the forced
     * one's model (its row's `tune`: hier is NCCL's tree across servers;
     * hd and direct have none, the ring's stands in; NVLS's where it can
     * run); every protocol, or the forced one (Simple when the latencies
     * are as set) */
    int lo_a = 0, hi_a = SIM_TUNE_ALGOS, lo_p = 0, hi_p = SIM_TUNE_PROTOS;
    if (!auto_algo) {
        TN_ASSERT((size_t)in->algo < sim_coll_algos_n);
        lo_a = sim_coll_algos[in->algo].tune; /* its row says which */
        if (lo_a == SIM_TUNE_NVLS && !g.nvls)
            lo_a = SIM_TUNE_RING;
        hi_a = lo_a + 1;
    }
    int32_t gpn = 0, sv = 0;
    bool grouped = sim_coll_same_gpu_count(net->topo, n, vertex, &gpn, &sv) && gpn > 1 && sv > 1;
    if (auto_algo && grouped && in->op == WL_COLL_ALLREDUCE) {
        /* ring or hier by tensim's estimate (ring_pays); then NCCL's model
         * picks that algorithm's protocol and channels */
        lo_a = ring_pays(net, in->bytes, n, vertex, gpn) ? SIM_TUNE_RING : SIM_TUNE_TREE;
        hi_a = lo_a + 1;
    }
    if (!auto_proto) {
        lo_p = in->proto == SIM_PROTO_AS_SET ? SIM_TUNE_SIMPLE : (int)in->proto - SIM_PROTO_LL;
        hi_p = lo_p + 1;
    }
    int best_a = -1, best_p = -1;
    double best = 0;
    for (int a = lo_a; a < hi_a; a++)
        for (int p = lo_p; p < hi_p; p++) {
            /* a forced channel count is NCCL_MAX_NCHANNELS, not a preset
             * count: the model keeps the graph's bandwidth (in tensim a
             * Simple ring is not slower on fewer channels) */
            double tm = sim_tune_time_us(tu, &g, in->op, a, p, in->bytes, 0);
            if (tm >= 0 && (best_a < 0 || tm < best)) {
                best_a = a;
                best_p = p;
                best = tm;
            }
        }
    if (best_a < 0) { /* nothing NCCL would run: the forced choices, on Simple */
        best_a = lo_a == SIM_TUNE_NVLS ? SIM_TUNE_NVLS : lo_a;
        best_p = auto_proto ? SIM_TUNE_SIMPLE : lo_p;
    }
    if (auto_algo)
        out->algo = best_a == SIM_TUNE_NVLS ? SIM_ALGO_NVLS
                    : best_a == SIM_TUNE_RING ? SIM_ALGO_RING
                    : grouped                 ? SIM_ALGO_HIER
                                              : SIM_ALGO_TREE;
    if (auto_proto)
        set_protocol(tu, out, best_p);
    if (auto_ch)
        out->channels = sim_tune_channels(tu, &g, best_a, best_p, in->bytes);
    else if (auto_algo && out->algo == SIM_ALGO_RING && grouped && out->channels < gpn)
        out->channels = gpn; /* a forced count: still a ring per GPU of a server, every NIC used */
}

sim_algo_t sim_coll_pick(const sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                         const int32_t *vertex)
{
    if (spec->algo != SIM_ALGO_AUTO)
        return spec->algo;
    sim_coll_spec_t r;
    sim_coll_resolve(net, spec, n, vertex, &r);
    return r.algo;
}
