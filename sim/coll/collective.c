#include "sim/coll/collective.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_hash.h"
#include "sim/coll/node.h"
#include "sim/coll/tune.h"
#include "sim/coll/latency.h"

uint64_t sim_coll_chunk_bytes(uint64_t bytes, int64_t n, int64_t i)
{
    return bytes / (uint64_t)n + ((uint64_t)i < bytes % (uint64_t)n);
}

wl_coll_t sim_coll_op(const sim_coll_t *c) { return c->spec.op; }
uint64_t sim_coll_bytes(const sim_coll_t *c) { return c->spec.bytes; }
bool sim_coll_finished(const sim_coll_t *c) { return c->n_done == c->n; }

/* ---- structure ---- */

/* Are the members grouped by server, consecutive, the same number in each?
 * Then g per server and s servers. O(n) with a scratch mark per server. */
static bool same_gpu_count(const topo_t *t, int32_t n, const int32_t *vertex, int32_t *per_server,
                           int32_t *servers)
{
    int32_t first = t->server[vertex[0]], g = 0;
    for (int32_t i = 0; i < n && t->server[vertex[i]] == first; i++)
        g++;
    if (first < 0 || g == 0 || n % g)
        return false;
    uint8_t *seen = tn_calloc((size_t)t->n_servers + 1, 1);
    bool ok = true;
    for (int32_t i = 0; i < n && ok; i++) {
        int32_t sv = t->server[vertex[i]];
        if (sv < 0 || sv != t->server[vertex[i - i % g]])
            ok = false;
        else if (i % g == 0)
            ok = !seen[sv] ? (seen[sv] = 1) : false; /* a server's GPUs come together */
    }
    free(seen);
    if (!ok)
        return false;
    *per_server = g;
    *servers = n / g;
    return true;
}

/* The NVSwitch that reduces in the network (TOPO_NVSWITCH_SHARP) every
 * member is cabled to, or -1. O(n x degree). */
int32_t sim_coll_sharp_switch(const topo_t *t, int32_t n, const int32_t *vertex)
{
    for (int32_t i = t->out_off[vertex[0]]; n > 1 && i < t->out_off[vertex[0] + 1]; i++) {
        int32_t sw = t->edst[t->out_edge[i]];
        if (t->kind[sw] != TOPO_NVSWITCH_SHARP)
            continue;
        int32_t m = 1;
        for (; m < n; m++) {
            int32_t k = t->out_off[vertex[m]];
            while (k < t->out_off[vertex[m] + 1] && t->edst[t->out_edge[k]] != sw)
                k++;
            if (k == t->out_off[vertex[m] + 1])
                break;
        }
        if (m == n)
            return sw;
    }
    return -1;
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
    const sim_tuner_t *tu = net->tuner;
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
    const sim_tuner_t *tu = net->tuner;
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
    const sim_tuner_t *tu = net->tuner;
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
     * one's model (hier is NCCL's tree across servers; hd and direct have
     * none, the ring's stands in); every protocol, or the forced one
     * (Simple when the latencies are as set) */
    int lo_a = 0, hi_a = SIM_TUNE_ALGOS, lo_p = 0, hi_p = SIM_TUNE_PROTOS;
    if (!auto_algo) {
        lo_a = in->algo == SIM_ALGO_TREE || in->algo == SIM_ALGO_HIER ? SIM_TUNE_TREE
               : in->algo == SIM_ALGO_NVLS && g.nvls                  ? SIM_TUNE_NVLS
                                                                      : SIM_TUNE_RING;
        hi_a = lo_a + 1;
    }
    int32_t gpn = 0, sv = 0;
    bool grouped = same_gpu_count(net->topo, n, vertex, &gpn, &sv) && gpn > 1 && sv > 1;
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

int sim_coll_check(const sim_net_t *net, const sim_coll_spec_t *in, int32_t n,
                   const int32_t *vertex, tn_error_t *err)
{
    sim_coll_spec_t r;
    sim_coll_resolve(net, in, n, vertex, &r);
    const sim_coll_spec_t *spec = &r;
    sim_algo_t a = spec->algo;
    if (spec->chunk_bytes) {
        /* the most chunks a node counts: every step of a ring over the whole buffer */
        uint64_t chunks = (spec->bytes + spec->chunk_bytes - 1) / spec->chunk_bytes;
        if (chunks > UINT32_MAX / (2 * (uint64_t)n))
            return tn_error_set(err, TN_EINPUT,
                                "%llu bytes in chunks of %llu on %d ranks is more chunk steps "
                                "than tensim counts; use larger chunks",
                                (unsigned long long)spec->bytes,
                                (unsigned long long)spec->chunk_bytes, n);
    }
    const char *op = wl_coll_name(spec->op);
    int32_t g = 0, s = 0;
    switch (a) {
    case SIM_ALGO_RING:
        if (spec->op == WL_COLL_ALLTOALL)
            return tn_error_set(err, TN_EINPUT, "%s: the ring does not run all-to-all; use direct",
                                op);
        return 0;
    case SIM_ALGO_HD:
        if (spec->op != WL_COLL_ALLREDUCE)
            return tn_error_set(err, TN_EINPUT, "%s: hd runs all-reduce only", op);
        if (n & (n - 1))
            return tn_error_set(err, TN_EINPUT, "hd needs a power of two ranks, not %d", n);
        return 0;
    case SIM_ALGO_DIRECT:
        if (spec->op != WL_COLL_ALLTOALL)
            return tn_error_set(err, TN_EINPUT, "%s: direct runs all-to-all only", op);
        return 0;
    case SIM_ALGO_HIER:
        if (spec->op != WL_COLL_ALLREDUCE)
            return tn_error_set(err, TN_EINPUT, "%s: hier runs all-reduce only", op);
        if (!same_gpu_count(net->topo, n, vertex, &g, &s))
            return tn_error_set(err, TN_EINPUT,
                                "hier needs the ranks grouped by server, the same number in each");
        return 0;
    case SIM_ALGO_TREE:
        if (spec->op != WL_COLL_ALLREDUCE)
            return tn_error_set(err, TN_EINPUT, "%s: tree runs all-reduce only", op);
        return 0;
    case SIM_ALGO_NVLS:
        if (spec->op != WL_COLL_ALLREDUCE)
            return tn_error_set(err, TN_EINPUT, "%s: nvls runs all-reduce only", op);
        if (sim_coll_sharp_switch(net->topo, n, vertex) < 0)
            return tn_error_set(err, TN_EINPUT,
                                "nvls needs every rank on one NVSwitch that reduces in the "
                                "network (a server with \"sharp\": true), and at least 2 ranks");
        return 0;
    case SIM_ALGO_AUTO:
        break;
    }
    return tn_error_set(err, TN_EINPUT, "no algorithm");
}

sim_coll_t *sim_coll_node(sim_net_t *net, kind_t kind, const sim_coll_spec_t *spec, int32_t n,
                          const int32_t *vertex, sim_coll_t *parent)
{
    sim_coll_t *c = tn_calloc(1, sizeof *c);
    c->kind = kind;
    c->net = net;
    c->n = n;
    c->spec = *spec;
    c->vertex = vertex;
    c->parent = parent;
    c->root = parent ? parent->root : c;
    c->state = tn_calloc((size_t)n, 1);
    return c;
}

/* Ring order inside one server, as NCCL searches it: the cycle through the
 * members whose slowest hop is fastest (ties: the larger sum, then the
 * first found from member 0 in member order). A hop's rate is the
 * cable's if the two GPUs share one (NVLink), else the bottleneck of the
 * routed path. Exhaustive with pruning; n <= RING_SEARCH_MAX. */
#define RING_SEARCH_MAX 12

typedef struct {
    int32_t n;
    const double *bw;
    int32_t cur[RING_SEARCH_MAX], best[RING_SEARCH_MAX];
    uint8_t used[RING_SEARCH_MAX];
    double best_min, best_sum;
} ring_search_t;

static void ring_dfs(ring_search_t *s, int32_t depth, double mn, double sum)
{
    if (mn < s->best_min)
        return; /* cannot beat the best */
    int32_t n = s->n;
    if (depth == n) {
        double close = s->bw[s->cur[n - 1] * n + s->cur[0]];
        double m2 = close < mn ? close : mn, s2 = sum + close;
        if (m2 > s->best_min || (m2 == s->best_min && s2 > s->best_sum)) {
            s->best_min = m2;
            s->best_sum = s2;
            memcpy(s->best, s->cur, (size_t)n * sizeof *s->cur);
        }
        return;
    }
    for (int32_t v = 1; v < n; v++) {
        if (s->used[v])
            continue;
        double b = s->bw[s->cur[depth - 1] * n + v];
        s->used[v] = 1;
        s->cur[depth] = v;
        ring_dfs(s, depth + 1, b < mn ? b : mn, sum + b);
        s->used[v] = 0;
    }
}

typedef struct {
    int32_t n;
    int32_t *vertex, *perm; /* point into data */
    int32_t data[];
} ring_order_t;

/* The ring order (position -> member) for these members, or NULL when the
 * given order stands (members on several servers, too many or too few). */
static const int32_t *ring_order(sim_net_t *net, int32_t n, const int32_t *vertex)
{
    const topo_t *t = net->topo;
    if (n < 3 || n > RING_SEARCH_MAX || t->server[vertex[0]] < 0)
        return NULL;
    for (int32_t i = 1; i < n; i++)
        if (t->server[vertex[i]] != t->server[vertex[0]])
            return NULL;
    uint64_t key = tn_fnv1a64(TN_FNV1A64_INIT, vertex, (size_t)n * sizeof *vertex);
    for (ring_order_t *o; (o = tn_map_get(&net->ring_orders, key)); key = tn_mix64(key))
        if (o->n == n && !memcmp(o->vertex, vertex, (size_t)n * sizeof *vertex))
            return o->perm;
    double bw[RING_SEARCH_MAX * RING_SEARCH_MAX];
    int32_t path[SIM_NET_MAX_HOPS];
    for (int32_t a = 0; a < n; a++)
        for (int32_t b = 0; b < n; b++) {
            double r = 0;
            for (int32_t i = t->out_off[vertex[a]]; a != b && i < t->out_off[vertex[a] + 1]; i++)
                if (t->edst[t->out_edge[i]] == vertex[b])
                    r = (double)t->bps[t->out_edge[i]];
            if (a != b && r == 0) {
                int hops = topo_route_path(&net->route, vertex[a], vertex[b], 0, path,
                                           SIM_NET_MAX_HOPS, NULL);
                r = hops > 0 ? 1e300 : 0;
                for (int h = 0; h < hops; h++)
                    if ((double)t->bps[path[h]] < r)
                        r = (double)t->bps[path[h]];
            }
            bw[a * n + b] = r;
        }
    ring_search_t s = {.n = n, .bw = bw, .best_min = -1, .best_sum = -1};
    s.cur[0] = 0;
    s.used[0] = 1;
    ring_dfs(&s, 1, 1e300, 0);
    ring_order_t *o = tn_malloc(sizeof *o + 2 * (size_t)n * sizeof(int32_t));
    o->n = n;
    o->vertex = o->data;
    o->perm = o->data + n;
    memcpy(o->vertex, vertex, (size_t)n * sizeof *vertex);
    memcpy(o->perm, s.best, (size_t)n * sizeof *s.best);
    tn_map_put(&net->ring_orders, key, o);
    return o->perm;
}

/* A ring (or chain) node moving `data` bytes among n members. */
static sim_coll_t *ring_node(sim_net_t *net, const sim_coll_spec_t *spec, wl_coll_t op,
                             uint64_t data, int32_t n, const int32_t *vertex, sim_coll_t *parent)
{
    bool chain = op == WL_COLL_BROADCAST || op == WL_COLL_REDUCE;
    sim_coll_t *c = sim_coll_node(net, chain ? K_CHAIN : K_RING, spec, n, vertex, parent);
    c->spec.op = op;
    c->data = data;
    uint64_t block = chain ? data : (data + (uint64_t)n - 1) / (uint64_t)n;
    c->steps = chain ? 1 : op == WL_COLL_ALLREDUCE ? 2 * (uint32_t)(n - 1) : (uint32_t)(n - 1);
    uint64_t chunks = spec->chunk_bytes && block > spec->chunk_bytes
                          ? (block + spec->chunk_bytes - 1) / spec->chunk_bytes
                          : 1;
    TN_ASSERT(chunks * c->steps <= UINT32_MAX); /* sim_coll_check refused more */
    c->chunks = (uint32_t)chunks;
    if (chain) {
        /* broadcast flows root, root+1, ...; reduce flows toward the root */
        c->dir = op == WL_COLL_BROADCAST ? 1 : -1;
        c->start = op == WL_COLL_BROADCAST ? spec->root : (spec->root + n - 1) % n;
    }
    c->sent = tn_calloc((size_t)n, sizeof *c->sent);
    c->recvd = tn_calloc((size_t)n, sizeof *c->recvd);
    c->sending = tn_calloc((size_t)n, 1);
    const int32_t *order = chain ? NULL : ring_order(net, n, vertex);
    bool identity = true;
    for (int32_t i = 0; order && i < n; i++)
        identity = identity && order[i] == i;
    if (order && !identity) {
        /* the ring runs in position order: vertex by position, and maps */
        c->perm = tn_malloc((size_t)n * sizeof *c->perm);
        c->inv = tn_malloc((size_t)n * sizeof *c->inv);
        c->own_vertex = tn_malloc((size_t)n * sizeof *c->own_vertex);
        for (int32_t p = 0; p < n; p++) {
            c->perm[p] = order[p];
            c->inv[order[p]] = p;
            c->own_vertex[p] = vertex[order[p]];
        }
        c->vertex = c->own_vertex;
    }
    return c;
}

/* The state of member m (a ring in its own order keeps states by
 * position). */
static inline uint8_t state_of(const sim_coll_t *c, int32_t m)
{
    return c->state[c->inv ? c->inv[m] : m];
}

static sim_coll_t *build(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                         const int32_t *vertex, sim_coll_t *parent);

void sim_coll_link_child(sim_coll_t *c, sim_coll_t *ch, int32_t k)
{
    c->child[k] = ch;
    ch->to_parent = tn_malloc((size_t)ch->n * sizeof *ch->to_parent);
}

/* Channel ch of parallel node c, of `share` bytes, would run exactly as a
 * bundle already there: then it joins that bundle (its copies + 1) and
 * this returns true. Across servers of g GPUs, channel ch takes the
 * member order of channel ch mod g (g = 1: all take one order); the
 * candidate is the first bundle of that order and share, and ch joins it
 * when every hop of the ring (or chain, in its direction) takes the same
 * path on ch's connection as on the bundle's. Its flows would then cross
 * the same links with the same bytes at the same instants as the
 * bundle's, and get the same rates (max-min treats them alike; a flow of
 * weight w gets what w such flows get together), so the bundle's sends
 * end when each of ch's would have: exact, but for rounding
 * (docs/collectives.md, "Channel bundles"). Inside one server that is
 * always so (one ring order; a GPU pair's path does not depend on the
 * connection), across servers seldom (ECMP spreads connections).
 * O(bundles + n) once same_ring_paths() has the answer cached. */
/* A cached answer of same_ring_paths(), and its key's parts (to tell
 * hash collisions apart). */
typedef struct {
    int32_t n, dir;
    uint32_t a, b;
    bool same;
    int32_t vertex[];
} ring_paths_t;

/* Whether every hop of the ring (or chain, direction dir) through
 * vertex[0 .. n) takes the same path on connections a and b. Cached in
 * the network: a training run asks it for the same group and channels at
 * every call. O(n) once cached; O(n x hops) the first time. */
static bool same_ring_paths(sim_net_t *net, int32_t n, const int32_t *vertex, int32_t dir,
                            uint32_t a, uint32_t b)
{
    uint64_t key = tn_fnv1a64(TN_FNV1A64_INIT, vertex, (size_t)n * sizeof *vertex);
    key = tn_mix64(key ^ tn_mix64((uint64_t)a << 32 | b) ^ (uint64_t)(dir + 1));
    for (ring_paths_t *r; (r = tn_map_get(&net->ring_paths, key)); key = tn_mix64(key))
        if (r->n == n && r->dir == dir && r->a == a && r->b == b &&
            !memcmp(r->vertex, vertex, (size_t)n * sizeof *vertex))
            return r->same;
    bool same = true;
    for (int32_t p = 0; p < n && same; p++)
        same = sim_net_same_path(net, vertex[p], vertex[(p + dir + n) % n], a, b);
    ring_paths_t *r = tn_malloc(sizeof *r + (size_t)n * sizeof *vertex);
    *r = (ring_paths_t){n, dir, a, b, same};
    memcpy(r->vertex, vertex, (size_t)n * sizeof *vertex);
    tn_map_put(&net->ring_paths, key, r);
    return same;
}

static bool joins_bundle(sim_coll_t *c, int32_t ch, uint64_t share, int32_t g)
{
    for (int32_t b = 0; b < c->n_child; b++) {
        sim_coll_t *l = c->child[b];
        if ((int32_t)(l->conn % (uint32_t)g) != ch % g || l->data != share)
            continue;
        if (!same_ring_paths(c->net, l->n, l->vertex, l->kind == K_CHAIN ? l->dir : 1, l->conn,
                             (uint32_t)ch))
            return false;
        l->copies++;
        return true;
    }
    return false;
}

static sim_coll_t *build(sim_net_t *net, const sim_coll_spec_t *in, int32_t n,
                         const int32_t *vertex, sim_coll_t *parent)
{
    sim_coll_spec_t r;
    sim_coll_resolve(net, in, n, vertex, &r); /* auto fields as NCCL would set them */
    const sim_coll_spec_t *spec = &r;
    sim_algo_t a = spec->algo;
    int32_t g = 0, s = 0, channels = spec->channels;
    bool rails = a == SIM_ALGO_RING && n > 1 && same_gpu_count(net->topo, n, vertex, &g, &s) &&
                 g > 1 && s > 1;
    if (a == SIM_ALGO_RING && channels > 1 && n > 1) {
        /* channels: parallel rings over the same members, S/channels each.
         * Across servers (g GPUs each), channel k enters every server at
         * its GPU k mod g and leaves at the one before: each ring crosses
         * between servers through other GPUs, so other NICs.
         * Identical channels are one child, a bundle (see
         * same_as_bundle()): children are bundles in order of their first
         * channel, which is also their connection. */
        sim_coll_t *c = sim_coll_node(net, K_PAR, spec, n, vertex, parent);
        c->child = tn_calloc((size_t)channels, sizeof *c->child);
        if (rails)
            c->slot = tn_malloc((size_t)channels * (size_t)n * sizeof *c->slot);
        sim_coll_spec_t one = *spec;
        one.channels = 1;
        for (int32_t ch = 0; ch < channels; ch++) {
            uint64_t share = sim_coll_chunk_bytes(spec->bytes, channels, ch);
            if (!spec->split_channels && joins_bundle(c, ch, share, rails ? g : 1))
                continue;
            int32_t k = c->n_child++, *order = NULL;
            if (rails) {
                order = tn_malloc((size_t)n * sizeof *order);
                for (int32_t p = 0; p < n; p++) {
                    int32_t m = p - p % g + (p % g + ch) % g; /* position p -> member */
                    order[p] = vertex[m];
                    c->slot[(size_t)k * (size_t)n + (size_t)m] = p;
                }
            }
            const int32_t *members = order ? order : vertex;
            sim_coll_link_child(c, ring_node(net, &one, spec->op, share, n, members, c), k);
            c->child[k]->conn = (uint32_t)ch; /* a channel is a connection of its own */
            c->child[k]->copies = 1;
            if (order) {
                TN_ASSERT(c->child[k]->own_vertex == NULL);
                c->child[k]->own_vertex = order;
            }
            for (int32_t p = 0; p < n; p++)
                c->child[k]->to_parent[p] = order ? p - p % g + (p % g + ch) % g : p;
        }
        return c;
    }
    if (a == SIM_ALGO_RING)
        return ring_node(net, spec, spec->op, spec->bytes, n, vertex, parent);
    if (a == SIM_ALGO_TREE && n > 1)
        return sim_coll_tree_build(net, spec, n, vertex, parent);
    if (a == SIM_ALGO_TREE)
        return ring_node(net, spec, spec->op, spec->bytes, n, vertex, parent); /* one member */
    if (a == SIM_ALGO_HD) {
        sim_coll_t *c = sim_coll_node(net, K_HD, spec, n, vertex, parent);
        while ((1 << c->levels) < n)
            c->levels++;
        c->sent = tn_calloc((size_t)n, sizeof *c->sent);
        c->sending = tn_calloc((size_t)n, 1);
        c->got = tn_calloc((size_t)n, sizeof *c->got);
        return c;
    }
    if (a == SIM_ALGO_NVLS)
        return sim_coll_nvls_build(net, spec, n, vertex, parent);
    if (a == SIM_ALGO_DIRECT) {
        sim_coll_t *c = sim_coll_node(net, K_DIRECT, spec, n, vertex, parent);
        c->left = tn_malloc((size_t)n * sizeof *c->left);
        for (int32_t i = 0; i < n; i++)
            c->left[i] = 2 * (uint32_t)(n - 1);
        return c;
    }
    /* hier: per server a ring reduce-scatter of S, per local index a ring
     * all-reduce of S/g across servers, per server a ring all-gather of S */
    TN_ASSERT(same_gpu_count(net->topo, n, vertex, &g, &s));
    sim_coll_t *c = sim_coll_node(net, K_HIER, spec, n, vertex, parent);
    c->n_child = s + g + s;
    c->child = tn_calloc((size_t)c->n_child, sizeof *c->child);
    c->where = tn_malloc(3 * (size_t)n * sizeof *c->where);
    c->slot = tn_malloc(3 * (size_t)n * sizeof *c->slot);
    c->phase = tn_calloc((size_t)n, 1);
    c->own_vertex = tn_malloc((size_t)n * sizeof *c->own_vertex); /* rail-ordered vertices */
    /* the phases inside a server run on the channels too (NCCL's tree
     * uses every channel inside a node as across) */
    sim_coll_spec_t rs = *spec, ag = *spec;
    rs.algo = ag.algo = SIM_ALGO_RING;
    rs.base_ps = ag.base_ps = 0;
    rs.op = WL_COLL_REDUCESCATTER;
    ag.op = WL_COLL_ALLGATHER;
    for (int32_t k = 0; k < s; k++) {
        const int32_t *sv = vertex + k * g; /* server k's members */
        sim_coll_link_child(c, build(net, &rs, g, sv, c), k);
        sim_coll_link_child(c, build(net, &ag, g, sv, c), s + g + k);
        for (int32_t i = 0; i < g; i++) {
            c->child[k]->to_parent[i] = c->child[s + g + k]->to_parent[i] = k * g + i;
            c->where[0 * n + k * g + i] = k;
            c->where[2 * n + k * g + i] = s + g + k;
            c->slot[0 * n + k * g + i] = c->slot[2 * n + k * g + i] = i;
        }
    }
    for (int32_t i = 0; i < g; i++) {
        for (int32_t k = 0; k < s; k++)
            c->own_vertex[i * s + k] = vertex[k * g + i];
        /* the rail's ring: the whole spec (latencies, wire factor), its
         * own share, no per-call latency (paid once, at the top) */
        sim_coll_spec_t rail = *spec;
        rail.op = WL_COLL_ALLREDUCE;
        rail.algo = SIM_ALGO_RING;
        rail.bytes = sim_coll_chunk_bytes(spec->bytes, g, i);
        rail.base_ps = 0;
        sim_coll_link_child(c, build(net, &rail, s, c->own_vertex + i * s, c), s + i);
        for (int32_t k = 0; k < s; k++) {
            c->child[s + i]->to_parent[k] = k * g + i;
            c->where[1 * n + k * g + i] = s + i;
            c->slot[1 * n + k * g + i] = k;
        }
    }
    return c;
}

sim_coll_t *sim_coll_new(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                         const int32_t *vertex, sim_coll_done_t done, void *done_ctx,
                         uint64_t done_tag)
{
    TN_ASSERT(n >= 1 && spec->channels >= 0);
    TN_ASSERT(sim_coll_check(net, spec, n, vertex, NULL) == 0);
    sim_coll_t *c = build(net, spec, n, vertex, NULL);
    c->done = done;
    c->done_ctx = done_ctx;
    c->done_tag = done_tag;
    return c;
}

void sim_coll_free(sim_coll_t *c)
{
    if (!c)
        return;
    for (int32_t k = 0; k < c->n_child; k++)
        sim_coll_free(c->child[k]);
    free(c->child);
    free(c->own_vertex);
    free(c->to_parent);
    free(c->state);
    free(c->sent);
    free(c->recvd);
    free(c->sending);
    free(c->got);
    free(c->left);
    free(c->where);
    free(c->slot);
    free(c->phase);
    free(c->perm);
    free(c->inv);
    free(c->pos_of);
    free(c->member_at);
    free(c->up_got);
    free(c->down_sent);
    free(c->down_got);
    free(c->loaded);
    free(c->stored);
    free(c->load_left);
    free(c->store_left);
    free(c);
}

/* ---- progress ---- */

static void activate(sim_coll_t *c, int32_t m);


/* Member m of a parallel node is member par_slot(c, k, m) of child k. */
static inline int32_t par_slot(const sim_coll_t *c, int32_t k, int32_t m)
{
    return c->slot ? c->slot[(size_t)k * (size_t)c->n + (size_t)m] : m;
}

static void child_done(sim_coll_t *c, sim_coll_t *ch, int32_t m)
{
    if (c->kind == K_PAR) {
        /* done when done on every channel */
        int32_t all = 0;
        for (int32_t k = 0; k < c->n_child; k++)
            all += state_of(c->child[k], par_slot(c, k, m)) == DONE;
        if (all == c->n_child)
            sim_coll_member_done(c, m);
        return;
    }
    (void)ch;
    /* hier: the next phase, or done after the third */
    if (++c->phase[m] == 3) {
        sim_coll_member_done(c, m);
        return;
    }
    int p = c->phase[m];
    activate(c->child[c->where[p * c->n + m]], c->slot[p * c->n + m]);
}

void sim_coll_member_done(sim_coll_t *c, int32_t m)
{
    TN_ASSERT(c->state[m] == ACTIVE);
    c->state[m] = DONE;
    c->n_done++;
    int32_t ext = c->perm ? c->perm[m] : m; /* a position -> its member */
    if (c->parent)
        child_done(c->parent, c, c->to_parent[ext]);
    else
        c->done(c->done_ctx, ext, c->done_tag);
}

static inline sim_time_t step_delay(const sim_coll_t *c, int32_t a, int32_t b)
{
    const topo_t *t = c->net->topo;
    int32_t sa = t->server[c->vertex[a]], sb = t->server[c->vertex[b]];
    return sa >= 0 && sa == sb ? c->spec.intra_step_ps : c->spec.inter_step_ps;
}

/* Member a sends `bytes` of data to member b: on the wire, the protocol's
 * bytes for them (LL doubles them with flags), after the step's software
 * delay. */
/* A send whose channel (one CUDA block) moves its data more slowly than
 * the network would: done when both the bytes have arrived and the block
 * has pushed them, whichever is later. */
typedef struct {
    sim_handler_t done;
    void *ctx;
    uint64_t tag;
    int left;
} join_t;

static void on_join(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    join_t *j = ctx;
    if (--j->left > 0)
        return;
    sim_handler_t done = j->done;
    void *dctx = j->ctx;
    uint64_t tag = j->tag;
    free(j);
    done(eng, dctx, tag);
}

void sim_coll_member_send(sim_coll_t *c, int32_t a, int32_t b, uint64_t bytes, sim_handler_t done,
                          uint64_t tag)
{
    /* wire bytes and pace are one channel's: a bundle's channels each
     * send `bytes` (its pace, copies x bytes at copies x channel_gbs, is
     * the same), computed as each would be, so no rounding differs */
    double f = c->spec.wire_per_byte;
    uint64_t wire = f > 1 ? (uint64_t)ceil((double)bytes * f) : bytes;
    uint32_t copies = c->copies > 1 ? c->copies : 1;
    sim_time_t delay = step_delay(c, a, b);
    if (!(c->spec.channel_gbs > 0) || bytes == 0) {
        sim_net_send_bundle(c->net, c->vertex[a], c->vertex[b], wire, copies, delay, c->conn,
                            done, c, tag);
        return;
    }
    /* the channel's own pace: its data at channel_gbs, after the same
     * software delay as the transfer */
    join_t *j = tn_malloc(sizeof *j);
    *j = (join_t){done, c, tag, 2};
    sim_time_t push = (sim_time_t)llround((double)bytes / (c->spec.channel_gbs * 1e9) * 1e12);
    sim_net_send_bundle(c->net, c->vertex[a], c->vertex[b], wire, copies, delay, c->conn, on_join,
                        j, 0);
    sim_schedule_in(c->net->eng, delay + push, on_join, j, 0);
}

void sim_coll_enter(sim_coll_t *c) { c->root->busy++; }

void sim_coll_leave(sim_coll_t *c)
{
    sim_coll_t *r = c->root;
    if (--r->busy == 0 && sim_coll_finished(r))
        sim_coll_free(r);
}

static void on_ring_sent(sim_engine_t *eng, void *ctx, uint64_t arg);

/* Ring: member m's next send, if all it waits for is there. Sub-step j =
 * k * chunks + chunk needs sub-step j - chunks received (the same chunk of
 * the step before), its previous send finished, and the next member
 * present. */
static void ring_progress(sim_coll_t *c, int32_t m)
{
    int32_t n = c->n, next = (m + 1) % n;
    uint32_t total = c->steps * c->chunks, j = c->sent[m];
    if (c->state[m] != ACTIVE || c->sending[m] || j == total || c->state[next] < ACTIVE)
        return;
    if (j >= c->chunks && c->recvd[m] < j - c->chunks + 1)
        return;
    uint32_t k = j / c->chunks, ch = j % c->chunks;
    int64_t block = ((int64_t)m - (int64_t)k % n + n) % n;
    uint64_t bytes = sim_coll_chunk_bytes(sim_coll_chunk_bytes(c->data, n, block), c->chunks, ch);
    c->sending[m] = 1;
    sim_coll_member_send(c, m, next, bytes, on_ring_sent, (uint64_t)m);
}

static void ring_check(sim_coll_t *c, int32_t m)
{
    uint32_t total = c->steps * c->chunks;
    if (c->state[m] == ACTIVE && c->sent[m] == total && c->recvd[m] == total)
        sim_coll_member_done(c, m);
}

/* Chain (broadcast, reduce): position q = (m - start) * dir mod n; q sends
 * every chunk to q + 1 once it has it (q = 0 has them all). */
static int32_t chain_pos(const sim_coll_t *c, int32_t m)
{
    return (int32_t)((((int64_t)m - c->start) * c->dir % c->n + c->n) % c->n);
}

static void chain_progress(sim_coll_t *c, int32_t m)
{
    int32_t n = c->n, q = chain_pos(c, m), next = (m + c->dir + n) % n;
    uint32_t j = c->sent[m];
    if (c->state[m] != ACTIVE || c->sending[m] || q == n - 1 || j == c->chunks ||
        c->state[next] < ACTIVE || (q > 0 && c->recvd[m] <= j))
        return;
    c->sending[m] = 1;
    sim_coll_member_send(c, m, next, sim_coll_chunk_bytes(c->data, c->chunks, j), on_ring_sent,
                         (uint64_t)m);
}

static void chain_check(sim_coll_t *c, int32_t m)
{
    int32_t q = chain_pos(c, m);
    if (c->state[m] == ACTIVE && c->sent[m] == (q < c->n - 1 ? c->chunks : 0) &&
        c->recvd[m] == (q > 0 ? c->chunks : 0))
        sim_coll_member_done(c, m);
}

static void on_ring_sent(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    sim_coll_t *c = ctx;
    int32_t m = (int32_t)arg, n = c->n;
    int32_t next = c->kind == K_CHAIN ? (m + c->dir + n) % n : (m + 1) % n;
    sim_coll_enter(c);
    c->sending[m] = 0;
    c->sent[m]++;
    c->recvd[next]++;
    if (c->kind == K_CHAIN) {
        chain_progress(c, m);
        chain_progress(c, next);
        chain_check(c, next);
        chain_check(c, m);
    } else {
        ring_progress(c, m);
        ring_progress(c, next);
        ring_check(c, next);
        ring_check(c, m);
    }
    sim_coll_leave(c);
}

/* HD: step t < L exchanges S / 2^(t+1) with m ^ (n >> (t+1)) (halving);
 * step L + t exchanges S / 2^(L-t) with m ^ (1 << t) (doubling). Step t
 * needs step t-1 received from its partner and sent. */
static int32_t hd_peer(const sim_coll_t *c, int32_t m, uint32_t t)
{
    return t < c->levels ? m ^ (c->n >> (t + 1)) : m ^ (1 << (t - c->levels));
}

static void on_hd_sent(sim_engine_t *eng, void *ctx, uint64_t arg);

static void hd_progress(sim_coll_t *c, int32_t m)
{
    uint32_t t = c->sent[m];
    if (c->state[m] != ACTIVE || c->sending[m] || t == 2 * c->levels)
        return;
    if (t > 0 && !((c->got[m] >> (t - 1)) & 1))
        return;
    int32_t p = hd_peer(c, m, t);
    if (c->state[p] < ACTIVE)
        return;
    uint32_t sh = t < c->levels ? t + 1 : 2 * c->levels - t;
    uint64_t bytes = c->spec.bytes >> sh;
    c->sending[m] = 1;
    sim_coll_member_send(c, m, p, bytes, on_hd_sent, (uint64_t)m * 64 + t);
}

static void hd_check(sim_coll_t *c, int32_t m)
{
    uint64_t all = c->levels ? (2 * c->levels == 64 ? ~0ull : (1ull << (2 * c->levels)) - 1) : 0;
    if (c->state[m] == ACTIVE && c->sent[m] == 2 * c->levels && c->got[m] == all)
        sim_coll_member_done(c, m);
}

static void on_hd_sent(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    sim_coll_t *c = ctx;
    int32_t m = (int32_t)(arg / 64);
    uint32_t t = (uint32_t)(arg % 64);
    int32_t p = hd_peer(c, m, t);
    sim_coll_enter(c);
    c->sending[m] = 0;
    c->sent[m]++;
    c->got[p] |= 1ull << t;
    hd_progress(c, m);
    hd_progress(c, p);
    hd_check(c, p);
    hd_check(c, m);
    sim_coll_leave(c);
}

/* Direct all-to-all: S/n from every member to every other, each transfer
 * starting when both ends are present. */
static void on_direct_sent(sim_engine_t *eng, void *ctx, uint64_t arg);

static void direct_start(sim_coll_t *c, int32_t m)
{
    int32_t n = c->n;
    for (int32_t k = 1; k < n; k++) {
        int32_t p = (m + k) % n;
        if (c->state[p] < ACTIVE)
            continue;
        /* m just became active: start m -> p and p -> m */
        sim_coll_member_send(c, m, p, sim_coll_chunk_bytes(c->spec.bytes, n, p), on_direct_sent,
                             (uint64_t)m * (uint64_t)n + (uint64_t)p);
        sim_coll_member_send(c, p, m, sim_coll_chunk_bytes(c->spec.bytes, n, m), on_direct_sent,
                             (uint64_t)p * (uint64_t)n + (uint64_t)m);
    }
}

static void on_direct_sent(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    sim_coll_t *c = ctx;
    int32_t m = (int32_t)(arg / (uint64_t)c->n), p = (int32_t)(arg % (uint64_t)c->n);
    sim_coll_enter(c);
    if (--c->left[m] == 0)
        sim_coll_member_done(c, m);
    if (--c->left[p] == 0)
        sim_coll_member_done(c, p);
    sim_coll_leave(c);
}

/* Member m starts taking part in node c. */
static void activate(sim_coll_t *c, int32_t m)
{
    if (c->inv)
        m = c->inv[m]; /* a ring in its own order works by position */
    TN_ASSERT(c->state[m] < ACTIVE);
    c->state[m] = ACTIVE;
    int32_t n = c->n;
    switch (c->kind) {
    case K_RING:
        if (n == 1) {
            c->sent[m] = c->recvd[m] = c->steps * c->chunks; /* nothing to move */
        } else {
            ring_progress(c, m);
            ring_progress(c, (m + n - 1) % n);
        }
        ring_check(c, m);
        break;
    case K_CHAIN:
        if (n == 1) {
            c->sent[m] = chain_pos(c, m) < n - 1 ? c->chunks : 0;
            c->recvd[m] = chain_pos(c, m) > 0 ? c->chunks : 0;
        } else {
            chain_progress(c, m);
            chain_progress(c, (m - c->dir + n) % n);
        }
        chain_check(c, m);
        break;
    case K_HD:
        hd_progress(c, m);
        for (uint32_t t = 0; t < 2 * c->levels; t++)
            hd_progress(c, hd_peer(c, m, t)); /* partners waiting for m */
        hd_check(c, m);
        break;
    case K_DIRECT:
        if (n == 1)
            sim_coll_member_done(c, m);
        else
            direct_start(c, m);
        break;
    case K_PAR:
        for (int32_t k = 0; k < c->n_child; k++)
            activate(c->child[k], par_slot(c, k, m));
        break;
    case K_TREE:
        sim_coll_tree_activate(c, m);
        break;
    case K_HIER:
        activate(c->child[c->where[m]], c->slot[m]);
        break;
    case K_NVLS:
        sim_coll_nvls_activate(c, m);
        break;
    }
}

static void on_base_elapsed(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    sim_coll_t *c = ctx;
    sim_coll_enter(c);
    activate(c, (int32_t)arg);
    sim_coll_leave(c);
}

void sim_coll_arrive(sim_coll_t *c, int32_t m)
{
    TN_ASSERT(!c->parent && m >= 0 && m < c->n && state_of(c, m) == ABSENT);
    c->state[c->inv ? c->inv[m] : m] = WAITING;
    if (c->spec.base_ps) {
        sim_schedule_in(c->net->eng, c->spec.base_ps, on_base_elapsed, c, (uint64_t)m);
        return;
    }
    sim_coll_enter(c);
    activate(c, m);
    sim_coll_leave(c);
}
