/* sim/coll/tune.c — NCCL 2.18's tuner over the numbers of
 * sim/coll/data/nccl_tuner.json (sim/coll/tune.h). The formulas follow
 * ncclTopoTuneModel, ncclTopoGetAlgoTime and getAlgoInfo; every number
 * they use is read from the data file, none is written here. */
#include "sim/coll/tune.h"

#include <math.h>
#include <string.h>

#include "sim/coll/latency.h"
#include "topology/embedded.h"

static const char *const algo_keys[SIM_TUNE_ALGOS] = {"tree", "ring", "nvls"};
static const char *const proto_keys[SIM_TUNE_PROTOS] = {"ll", "ll128", "simple"};
static const char *const gen_keys[SIM_TUNE_GENS] = {"volta", "ampere", "hopper"};
static const char *const hw_keys[3] = {"nvlink", "pci", "net"};

typedef struct {
    json_t *doc;
    tn_error_t *err;
    int bad;
} rd_t;

/* The number at `path` (keys, NULL-terminated), or NaN with an error
 * naming the path. */
static double num(rd_t *r, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(r->doc, a);
    if (b)
        v = json_object_get(v, b);
    if (b && c)
        v = json_object_get(v, c);
    if (!json_is_number(v)) {
        if (!r->bad++)
            tn_error_set(r->err, TN_EINPUT, "nccl_tuner.json: %s%s%s%s%s: expected a number", a,
                         b ? "." : "", b ? b : "", c ? "." : "", c ? c : "");
        return NAN;
    }
    return json_number_value(v);
}

static int32_t arr(rd_t *r, const char *key, double *out, int32_t max)
{
    json_t *v = json_object_get(r->doc, key);
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n == 0 || n > (size_t)max) {
        if (!r->bad++)
            tn_error_set(r->err, TN_EINPUT, "nccl_tuner.json: %s: expected 1 to %d numbers", key,
                         max);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = json_number_value(json_array_get(v, i));
    return (int32_t)n;
}

static void by_gen(rd_t *r, const char *key, double out[SIM_TUNE_GENS][3])
{
    for (int g = 0; g < SIM_TUNE_GENS; g++) {
        json_t *v = json_object_get(json_object_get(r->doc, key), gen_keys[g]);
        if (json_array_size(v) != 3 && !r->bad++)
            tn_error_set(r->err, TN_EINPUT, "nccl_tuner.json: %s.%s: expected 3 numbers", key,
                         gen_keys[g]);
        for (int i = 0; i < 3; i++)
            out[g][i] = json_number_value(json_array_get(v, (size_t)i));
    }
}

int sim_tuner_load(sim_tuner_t *t, tn_error_t *err)
{
    memset(t, 0, sizeof *t);
    const topo_embedded_t *e = topo_embedded_find(sim_embedded_data, "nccl_tuner");
    TN_ASSERT(e != NULL);
    json_error_t je;
    rd_t r = {json_loads(e->text, JSON_REJECT_DUPLICATES, &je), err, 0};
    if (!r.doc)
        return tn_error_set(err, TN_EINPUT, "nccl_tuner.json:%d: %s", je.line, je.text);
    for (int a = 0; a < SIM_TUNE_ALGOS; a++)
        for (int p = 0; p < SIM_TUNE_PROTOS; p++) {
            json_t *b = json_object_get(json_object_get(json_object_get(r.doc, "base_us"),
                                                        algo_keys[a]), proto_keys[p]);
            t->runs[a][p] = b != NULL; /* NVLS runs Simple only */
            if (!b)
                continue;
            t->base_us[a][p] = num(&r, "base_us", algo_keys[a], proto_keys[p]);
            for (int h = 0; h < 3; h++) {
                json_t *hw = json_object_get(json_object_get(r.doc, "hw_us"), hw_keys[h]);
                json_t *v = json_object_get(json_object_get(hw, algo_keys[a]), proto_keys[p]);
                if (!json_is_number(v) && !r.bad++)
                    tn_error_set(err, TN_EINPUT, "nccl_tuner.json: hw_us.%s.%s.%s: expected a "
                                 "number", hw_keys[h], algo_keys[a], proto_keys[p]);
                t->hw_us[h][a][p] = json_number_value(v);
            }
        }
    by_gen(&r, "ll_max_busbw_gbs", t->ll_max);
    by_gen(&r, "per_channel_ring_ll128_gbs", t->ring_ll128_ch);
    by_gen(&r, "per_channel_tree_ll128_gbs", t->tree_ll128_ch);
    by_gen(&r, "per_channel_tree_gbs", t->tree_ch);
    const char *f = "refinements";
    t->ring_ll_ar = num(&r, f, "ring_ll_share_allreduce", NULL);
    t->ring_ll_gather = num(&r, f, "ring_ll_share_gather", NULL);
    t->ring_ll128 = num(&r, f, "ring_ll128_share", NULL);
    t->ring_ll128_ppn1 = num(&r, f, "ring_ll128_share_one_gpu_per_node", NULL);
    t->tree_share = num(&r, f, "tree_share", NULL);
    t->tree_ll_div = num(&r, f, "tree_ll_divisor", NULL);
    t->tree_ll128_one = num(&r, f, "tree_ll128_share_one_node", NULL);
    t->tree_ll128 = num(&r, f, "tree_ll128_share", NULL);
    t->tree_ratio = num(&r, f, "tree_ratio", NULL);
    t->nvls_ratio = num(&r, f, "nvls_ratio", NULL);
    t->plateau_volta = num(&r, f, "ring_plateau_volta", NULL);
    t->plateau = num(&r, f, "ring_plateau", NULL);
    t->plateau_min = num(&r, f, "ring_plateau_min_bytes_per_channel_rank", NULL);
    t->net_overhead_us = num(&r, f, "net_overhead_us", NULL);
    t->net_overhead_simple = num(&r, f, "net_overhead_simple_factor", NULL);
    for (int p = 0; p < SIM_TUNE_PROTOS; p++) {
        json_t *v = json_object_get(json_object_get(r.doc, "tree_correction"), proto_keys[p]);
        if (json_array_size(v) != SIM_TUNE_CORR && !r.bad++)
            tn_error_set(err, TN_EINPUT, "nccl_tuner.json: tree_correction.%s: expected %d "
                         "numbers", proto_keys[p], SIM_TUNE_CORR);
        for (int i = 0; i < SIM_TUNE_CORR; i++)
            t->tree_corr[p][i] = json_number_value(json_array_get(v, (size_t)i));
        t->thresh[p] = (int32_t)num(&r, "thread_threshold", proto_keys[p], NULL);
        t->max_threads[p] = (int32_t)num(&r, "max_threads", proto_keys[p], NULL);
    }
    t->simple_threads_pci = (int32_t)num(&r, "simple_threads_pci", NULL, NULL);
    t->pci_bw = num(&r, "pci_bw_gbs", NULL, NULL);
    for (int g = 0; g < SIM_TUNE_GENS; g++)
        t->nvlink_link[g] = num(&r, "nvlink_link_gbs", gen_keys[g], NULL);
    t->n_speeds[0][0] = arr(&r, "speeds_intra", t->speeds[0][0], SIM_TUNE_MAX_SPEEDS);
    t->n_speeds[1][0] = arr(&r, "speeds_inter", t->speeds[1][0], SIM_TUNE_MAX_SPEEDS);
    t->n_speeds[0][1] = arr(&r, "speeds_intra_sm90", t->speeds[0][1], SIM_TUNE_MAX_SPEEDS);
    t->n_speeds[1][1] = arr(&r, "speeds_inter_sm90", t->speeds[1][1], SIM_TUNE_MAX_SPEEDS);
    t->ring_max_channels = (int32_t)num(&r, "ring_max_channels", NULL, NULL);
    t->max_channels = (int32_t)num(&r, "max_channels", NULL, NULL);
    t->nvls_channels = (int32_t)num(&r, "nvls_channels", NULL, NULL);
    t->dup_min = num(&r, "dup_min_gbs", NULL, NULL);
    t->dup_hopper = num(&r, "dup_hopper_gbs", NULL, NULL);
    t->hopper_internode_dup = num(&r, "hopper_internode_dup_gbs", NULL, NULL);
    json_decref(r.doc);
    if (r.bad)
        return -1;
    /* what the simulation charges, per protocol */
    for (int p = 0; p < SIM_TUNE_PROTOS; p++) {
        sim_coll_spec_t s = {0};
        if (sim_latency_apply(proto_keys[p], &s, err))
            return -1;
        t->base_ps[p] = s.base_ps;
        t->intra_ps[p] = s.intra_step_ps;
        t->inter_ps[p] = s.inter_step_ps;
        t->wire[p] = s.wire_per_byte;
        t->channel_gbs[p] = s.channel_gbs;
    }
    return 0;
}

/* The first speed of the array no higher than `cap` (and, times `ch`,
 * than `total`), as the search starts; the last one when none is. */
static double first_speed(const sim_tuner_t *t, bool inter, bool sm90, double cap, double total,
                          int32_t ch)
{
    const double *s = t->speeds[inter][sm90];
    int32_t n = t->n_speeds[inter][sm90], i = 0;
    while (i < n - 1 && (s[i] > cap || s[i] * ch > total))
        i++;
    return s[i];
}

void sim_tune_graph(const sim_tuner_t *t, sim_tune_graph_t *g, double nvl_total_gbs,
                    double nvl_peer_gbs, double pci_gbs, double nic_gbs, double nic_path_gbs,
                    int32_t nics, bool sharp)
{
    bool hopper = g->gen == SIM_TUNE_HOPPER, one = g->nodes == 1;
    int32_t ppn = g->ranks / g->nodes;
    g->nvlink = nvl_total_gbs > 0;
    double total = g->nvlink ? nvl_total_gbs : pci_gbs, peer = g->nvlink ? nvl_peer_gbs : pci_gbs;
    if (ppn == 1)
        total = peer = 5000; /* NCCL's LOC_BW: no intra-node hop */
    /* the ring search: the first speed the paths allow, as many channels
     * as the GPUs' links (or the NICs) carry at it */
    double cap = one ? peer : fmin(nic_gbs, nic_path_gbs);
    if (!one && ppn > 1)
        cap = fmin(cap, peer);
    double speed = first_speed(t, !one, hopper, cap, total, 1);
    int32_t ch = (int32_t)floor(total / speed + 1e-9);
    if (!one && nics > 0) {
        int32_t net_ch = nics * (int32_t)floor(nic_gbs / speed + 1e-9);
        ch = ch < net_ch ? ch : net_ch;
    }
    if (ch > t->ring_max_channels)
        ch = t->ring_max_channels;
    if (ch < 1)
        ch = 1;
    /* channel duplication at half the speed (search.cc, end of ncclTopoCompute) */
    if (speed >= t->dup_min && !(hopper && speed < t->dup_hopper && ch > 4)) {
        int32_t dup = 2 * ch < t->ring_max_channels ? 2 * ch : t->ring_max_channels;
        speed /= (dup + ch - 1) / ch;
        ch = dup;
    }
    g->channels = ch;
    g->bw = speed;
    g->comm_channels = 2 * ch < t->max_channels ? 2 * ch : t->max_channels;
    if (hopper && !one && speed > t->hopper_internode_dup && 2 * g->comm_channels <= t->max_channels)
        g->comm_channels *= 2;
    /* NVLS: one channel per GPU, the speed the NVSwitch allows them all */
    g->nvls = sharp && one && hopper && g->nvlink && g->ranks > 1;
    g->nvls_graph_channels = g->ranks;
    g->nvls_bw = g->nvls ? first_speed(t, false, true, peer,
                                       total * g->ranks / (g->ranks - 1), g->ranks)
                         : 0;
    /* LL128: NCCL enables it only over NVLink inside a node */
    g->ll128 = g->nvlink || ppn == 1;
}

static int log2i(uint64_t n)
{
    int l = 0;
    while (n >>= 1)
        l++;
    return l;
}

double sim_tune_time_us(const sim_tuner_t *t, const sim_tune_graph_t *g, wl_coll_t op, int a,
                        int p, uint64_t bytes, int32_t channels)
{
    if (!t->runs[a][p] || (p == SIM_TUNE_LL128 && !g->ll128))
        return -1;
    if (a != SIM_TUNE_RING && op != WL_COLL_ALLREDUCE)
        return -1;
    if (a == SIM_TUNE_NVLS && !g->nvls)
        return -1;
    int32_t n = g->ranks, nodes = g->nodes, gen = g->gen;
    int i2 = nodes <= 2 ? nodes - 1 : 2, ll_row = nodes == 1 ? gen : SIM_TUNE_VOLTA;
    double ppn = (double)n / nodes;
    bool ar = op == WL_COLL_ALLREDUCE, gather = op == WL_COLL_ALLGATHER ||
                                                op == WL_COLL_REDUCESCATTER;
    int32_t nsteps = ar ? 2 * (n - 1) : gather ? n - 1 : n;
    int32_t inter_steps = ar ? (nodes > 1 ? 2 * nodes : 0) : gather ? nodes - 1 : nodes;
    /* bandwidth (ncclTopoTuneModel) */
    double bus = a == SIM_TUNE_NVLS ? g->nvls_graph_channels * g->nvls_bw : g->channels * g->bw;
    if (a == SIM_TUNE_RING && p == SIM_TUNE_LL)
        bus = fmin(t->ll_max[ll_row][i2],
                   bus * (nodes > 1 || ar || op == WL_COLL_REDUCE ? t->ring_ll_ar : t->ring_ll_gather));
    if (a == SIM_TUNE_RING && p == SIM_TUNE_LL128)
        bus = fmin(bus * (ppn < 2 ? t->ring_ll128_ppn1 : t->ring_ll128),
                   g->channels * t->ring_ll128_ch[gen][i2]);
    if (a == SIM_TUNE_TREE)
        bus = fmin(bus * t->tree_share, g->channels * t->tree_ch[gen][i2]);
    if (a == SIM_TUNE_TREE && p == SIM_TUNE_LL)
        bus = fmin(bus / t->tree_ll_div, t->ll_max[ll_row][i2]);
    if (a == SIM_TUNE_TREE && p == SIM_TUNE_LL128)
        bus = fmin(bus * (nodes == 1 ? t->tree_ll128_one : t->tree_ll128),
                   g->channels * t->tree_ll128_ch[gen][i2]);
    double ratio = a == SIM_TUNE_RING ? (double)n / nsteps
                   : a == SIM_TUNE_NVLS ? t->nvls_ratio : t->tree_ratio;
    double bw = bus * ratio;
    /* latency */
    int intra_hw = g->nvlink ? 0 : 1;
    double lat = t->base_us[a][p], intra = t->hw_us[intra_hw][a][p], inter = t->hw_us[2][a][p];
    if (a == SIM_TUNE_RING) {
        if (op == WL_COLL_BROADCAST || op == WL_COLL_REDUCE) {
            lat += t->hw_us[nodes == 1 ? intra_hw : 2][a][p]; /* the search's sameChannels */
        } else {
            double overhead = 0;
            if (nodes > 1)
                overhead = t->net_overhead_us * (p == SIM_TUNE_SIMPLE ? t->net_overhead_simple : 1);
            lat += (nsteps - inter_steps) * fmax(intra, overhead) + inter_steps * inter;
        }
    } else if (a == SIM_TUNE_TREE) {
        lat += 2 * ((n / nodes - 1) * intra + log2i((uint64_t)nodes) * inter);
    } else if (nodes > 1) {
        lat += inter;
    }
    /* ncclTopoGetAlgoTime */
    if (bw <= 0)
        return -1;
    int ls = log2i(bytes >> 6);
    if (a == SIM_TUNE_TREE && ls < SIM_TUNE_CORR)
        bw *= t->tree_corr[p][ls];
    if (channels > 0)
        bw = bw / g->comm_channels * channels;
    if (a == SIM_TUNE_RING && p == SIM_TUNE_SIMPLE && nodes > 1 && ar &&
        (double)bytes / ((double)g->comm_channels * n) >= t->plateau_min)
        lat *= gen == SIM_TUNE_VOLTA ? t->plateau_volta : t->plateau;
    return lat + (double)bytes / (1000 * bw);
}

int32_t sim_tune_channels(const sim_tuner_t *t, const sim_tune_graph_t *g, int a, int p,
                          uint64_t bytes)
{
    if (a == SIM_TUNE_NVLS)
        return t->nvls_channels;
    int32_t nc = g->comm_channels, nt = t->max_threads[p];
    if (a == SIM_TUNE_RING && p == SIM_TUNE_SIMPLE && g->bw * g->channels <= t->pci_bw)
        nt = t->simple_threads_pci;
    int64_t thr = t->thresh[p] * (a == SIM_TUNE_RING && p == SIM_TUNE_LL ? g->ranks : 1);
    while ((int64_t)bytes < (int64_t)nc * nt * thr) {
        if (nc >= 2)
            nc--;
        else if (nt % 128 == 0)
            nt /= 2;
        else
            break;
    }
    return nc;
}
