/* sim/coll/nvls.c — the NVLS all-reduce on an NVSwitch that reduces in
 * the network (sim/coll/collective.h describes it). */
#include "sim/coll/algo.h"
#include "sim/coll/node.h"

#include <math.h>
#include <stdlib.h>

sim_coll_check_fn sim_coll_nvls_check;
sim_coll_build_fn sim_coll_nvls_build;

static void nvls_activate(sim_coll_t *c, int32_t m);
static const sim_coll_node_ops_t nvls_ops = {nvls_activate, NULL};

#define NVLS_MAX_CHUNKS 64 /* per shard: bounds the transfers of an nvls all-reduce */

/* Shards of S/n in chunks of nvls_chunk_bytes, at most NVLS_MAX_CHUNKS of
 * them (coarser chunks beyond: the pipeline's fill is one chunk in
 * NVLS_MAX_CHUNKS of the time). O(n x chunks). */
sim_coll_t *sim_coll_nvls_build(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                                const int32_t *vertex, sim_coll_t *parent)
{
    sim_coll_t *c = sim_coll_node(net, &nvls_ops, spec, n, vertex, parent);
    c->nvswitch = sim_coll_sharp_switch(net->topo, n, vertex);
    c->spec.base_ps = spec->nvls_base_ps;
    c->spec.channel_gbs = 0; /* its own efficiency stands for the multimem engines' pace */
    if (!(c->spec.nvls_efficiency > 0))
        c->spec.nvls_efficiency = 1;
    uint64_t shard = (spec->bytes + (uint64_t)n - 1) / (uint64_t)n;
    uint64_t k = spec->chunk_bytes ? spec->chunk_bytes : spec->nvls_chunk_bytes;
    if (!k || k < (shard + NVLS_MAX_CHUNKS - 1) / NVLS_MAX_CHUNKS)
        k = (shard + NVLS_MAX_CHUNKS - 1) / NVLS_MAX_CHUNKS;
    c->chunks = shard > k ? (uint32_t)((shard + k - 1) / k) : 1;
    c->slots = spec->nvls_slots ? spec->nvls_slots : 1;
    c->recvd = tn_calloc((size_t)n, sizeof *c->recvd);
    c->sending = tn_calloc((size_t)n, 1);
    c->sent = tn_calloc(2 * (size_t)n, sizeof *c->sent);
    c->loaded = tn_calloc((size_t)n, sizeof *c->loaded);
    c->stored = tn_calloc((size_t)n, sizeof *c->stored);
    c->load_left = tn_calloc((size_t)n * c->chunks, sizeof *c->load_left);
    c->store_left = tn_calloc((size_t)n * c->chunks, sizeof *c->store_left);
    return c;
}

/* NVLS all-reduce on an NVSwitch that reduces in the network (NVLink
 * SHARP), as NCCL runs it: member j owns shard j (S/n) and, chunk by
 * chunk, loads it reduced (every member's copy of the chunk goes up to
 * the switch, which adds them and sends the sum down to j), then stores
 * it to the multicast group (j sends it up once, the switch writes it to
 * every member). Each GPU's link thus carries S (1 + 1/n) each way,
 * against 2 S (n-1)/n for a ring. A chunk holds one of nvls_slots buffer
 * slots from its load to the end of its store, so up to that many chunks
 * are in flight at once and loads (mostly up) overlap stores (mostly
 * down). All members must have arrived (NCCL's NVLS buffers are shared);
 * the call's latency (nvls_base_ps) is paid once, before the first
 * transfer. Transfer tags: ((j n + i) chunks + k) 4 + phase; phase 0 the
 * copy up from i for j's load, 1 the sum down to j, 2 j's store up, 3 the
 * multicast down to i. */
static void on_nvls_sent(sim_engine_t *eng, void *ctx, uint64_t arg);

static uint64_t nvls_chunk(const sim_coll_t *c, int32_t j, uint32_t k)
{
    return sim_coll_chunk_bytes(sim_coll_chunk_bytes(c->spec.bytes, c->n, j), c->chunks, k);
}

static void nvls_send(sim_coll_t *c, int32_t from, int32_t to, int32_t j, int32_t i, uint32_t k,
                      int phase)
{
    uint64_t jik = ((uint64_t)j * (uint64_t)c->n + (uint64_t)i) * c->chunks + k;
    uint64_t tag = jik * 4 + (uint64_t)phase;
    /* multimem accesses use a link at nvls_efficiency of its payload rate:
     * as many more bytes on the wire */
    uint64_t wire = (uint64_t)ceil((double)nvls_chunk(c, j, k) / c->spec.nvls_efficiency);
    sim_net_send(c->net, from, to, wire, 0, c->conn, on_nvls_sent, c, tag);
}

/* Member j issues what its slots and its finished loads allow: loads one
 * after another (the next once the copies of the last are up) and stores
 * likewise, as two streams of work. */
static void nvls_progress(sim_coll_t *c, int32_t j)
{
    int32_t n = c->n;
    if (c->state[j] != SIM_COLL_ACTIVE || c->n_here < n)
        return;
    uint32_t *issued = c->sent + 2 * j; /* [0] loads issued, [1] stores issued */
    if (!(c->sending[j] & 1) && issued[0] < c->chunks && issued[0] < c->stored[j] + c->slots) {
        uint32_t k = issued[0]++;
        c->sending[j] |= 1;
        c->load_left[(size_t)j * c->chunks + k] = (uint32_t)n;
        for (int32_t i = 0; i < n; i++)
            nvls_send(c, c->vertex[i], c->nvswitch, j, i, k, 0);
    }
    if (!(c->sending[j] & 2) && issued[1] < c->loaded[j]) {
        uint32_t k = issued[1]++;
        c->sending[j] |= 2;
        nvls_send(c, c->vertex[j], c->nvswitch, j, j, k, 2);
    }
}

static void nvls_check(sim_coll_t *c, int32_t m)
{
    if (c->state[m] == SIM_COLL_ACTIVE && c->stored[m] == c->chunks &&
        c->recvd[m] == c->chunks * (uint32_t)c->n)
        sim_coll_member_done(c, m);
}

/* Counts chunk k of member j done in a stage (`left` reaches 0 for it)
 * and moves *upto past every chunk done in order. */
static void nvls_mark(const sim_coll_t *c, uint32_t *left, uint32_t *upto, int32_t j, uint32_t k)
{
    left[(size_t)j * c->chunks + k] = UINT32_MAX; /* done */
    while (*upto < c->chunks && left[(size_t)j * c->chunks + *upto] == UINT32_MAX)
        (*upto)++;
}

static void on_nvls_sent(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    sim_coll_t *c = ctx;
    int32_t n = c->n, phase = (int32_t)(arg % 4);
    uint64_t jik = arg / 4;
    uint32_t k = (uint32_t)(jik % c->chunks);
    int32_t i = (int32_t)(jik / c->chunks % (uint64_t)n);
    int32_t j = (int32_t)(jik / c->chunks / (uint64_t)n);
    size_t slot = (size_t)j * c->chunks + k;
    sim_coll_enter(c);
    switch (phase) {
    case 0: /* one more copy up: the sum goes down once all are in */
        if (--c->load_left[slot] == 0) {
            nvls_send(c, c->nvswitch, c->vertex[j], j, j, k, 1);
            c->sending[j] &= (uint8_t)~1;
            nvls_progress(c, j);
        }
        break;
    case 1:
        nvls_mark(c, c->load_left, &c->loaded[j], j, k);
        nvls_progress(c, j);
        break;
    case 2: /* the store is up: the switch writes it to everyone */
        c->store_left[slot] = (uint32_t)n;
        for (int32_t m = 0; m < n; m++)
            nvls_send(c, c->nvswitch, c->vertex[m], j, m, k, 3);
        c->sending[j] &= (uint8_t)~2;
        nvls_progress(c, j);
        break;
    default:
        c->recvd[i]++;
        if (--c->store_left[slot] == 0) {
            nvls_mark(c, c->store_left, &c->stored[j], j, k);
            nvls_progress(c, j);
            nvls_check(c, j);
        }
        if (i != j)
            nvls_check(c, i);
        break;
    }
    sim_coll_leave(c);
}

static void nvls_activate(sim_coll_t *c, int32_t m)
{
    (void)m;
    if (++c->n_here == c->n) /* the last one in: everyone starts */
        for (int32_t j = 0; j < c->n; j++)
            nvls_progress(c, j);
}

int sim_coll_nvls_check(const sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                        const int32_t *vertex, tn_error_t *err)
{
    if (sim_coll_allreduce_only(spec, "nvls", err))
        return -1;
    if (sim_coll_sharp_switch(net->topo, n, vertex) < 0)
        return tn_error_set(err, TN_EINPUT,
                            "nvls needs every rank on one NVSwitch that reduces in the "
                            "network (a server with \"sharp\": true), and at least 2 ranks");
    return 0;
}
