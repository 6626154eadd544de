/* sim/coll/ring.c — the ring (sim/coll/collective.h describes it): a ring
 * node for all-reduce, reduce-scatter and all-gather, a pipelined chain
 * for broadcast and reduce, the ring order NCCL's search finds inside one
 * server, and the algorithm's row (check, build). Several channels are
 * sim/coll/channels.c. */
#include "sim/coll/algo.h"
#include "sim/coll/node.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_hash.h"

sim_coll_check_fn sim_coll_ring_check;
sim_coll_build_fn sim_coll_ring_build;

static void ring_activate(sim_coll_t *c, int32_t m);
static void chain_activate(sim_coll_t *c, int32_t m);
static const sim_coll_node_ops_t ring_ops = {ring_activate, NULL};
static const sim_coll_node_ops_t chain_ops = {chain_activate, NULL};

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

/* A ring order found, by its members; and, once a shortcut has asked
 * (sim_coll_ring_lanes()), the path of each position to the next on
 * connection lane_conn, so that the next collective of these members
 * does not route again. */
typedef struct {
    int32_t n;
    int32_t *vertex, *perm; /* point into data */
    bool lanes_set;
    uint32_t lane_conn;
    int32_t *lane_hops, *lane_edge; /* point into data: n, n x SIM_COLL_PATH_HOPS */
    sim_coll_template_t tmpl;       /* the last shortcut's timing on those lanes */
    int32_t data[];
} ring_order_t;

/* The ring order entry for these members (its perm: position -> member),
 * or NULL when the given order stands (members on several servers, too
 * many or too few). */
static ring_order_t *ring_order(sim_net_t *net, int32_t n, const int32_t *vertex)
{
    const topo_t *t = net->topo;
    if (n < 3 || n > RING_SEARCH_MAX || t->server[vertex[0]] < 0)
        return NULL;
    for (int32_t i = 1; i < n; i++)
        if (t->server[vertex[i]] != t->server[vertex[0]])
            return NULL;
    /* a caller's member array is mostly the same array collective after
     * collective (an executor's group): its address finds the entry
     * without hashing the members; the contents decide */
    void **recent = &net->ring_recent[((uintptr_t)vertex >> 4) % 64];
    ring_order_t *last = *recent;
    if (last && last->n == n && !memcmp(last->vertex, vertex, (size_t)n * sizeof *vertex))
        return last;
    uint64_t key = tn_fnv1a64(TN_FNV1A64_INIT, vertex, (size_t)n * sizeof *vertex);
    for (ring_order_t *o; (o = tn_map_get(&net->ring_orders, key)); key = tn_mix64(key)) {
        if (o->n == n && !memcmp(o->vertex, vertex, (size_t)n * sizeof *vertex)) {
            *recent = o;
            return o;
        }
    }
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
    ring_order_t *o =
        tn_malloc(sizeof *o + (size_t)n * (3 + SIM_COLL_PATH_HOPS) * sizeof(int32_t));
    o->n = n;
    o->vertex = o->data;
    o->perm = o->data + n;
    o->lanes_set = false;
    o->tmpl.set = false;
    o->lane_hops = o->data + 2 * n;
    o->lane_edge = o->data + 3 * n;
    memcpy(o->vertex, vertex, (size_t)n * sizeof *vertex);
    memcpy(o->perm, s.best, (size_t)n * sizeof *s.best);
    tn_map_put(&net->ring_orders, key, o);
    *recent = o;
    return o;
}

sim_coll_template_t *sim_coll_ring_template(sim_coll_t *c)
{
    ring_order_t *o = c->order_entry;
    return o && o->lanes_set && o->lane_conn == c->conn && c->n <= SIM_COLL_TEMPLATE_MAX
               ? &o->tmpl
               : NULL;
}

bool sim_coll_ring_lanes(sim_coll_t *c, sim_coll_lane_t *lane)
{
    int32_t n = c->n;
    ring_order_t *o = c->order_entry;
    /* the cache holds one connection's lanes, the first asked for, and
     * never changes them (shortcuts point into it) */
    if (!o || (o->lanes_set && o->lane_conn != c->conn)) {
        for (int32_t m = 0; m < n; m++)
            if (!sim_coll_lane(c, m, (m + 1) % n, &lane[m]))
                return false;
        return true;
    }
    if (!o->lanes_set) {
        for (int32_t m = 0; m < n; m++) {
            int hops = sim_net_route(c->net, c->vertex[m], c->vertex[(m + 1) % n], c->conn,
                                     o->lane_edge + (size_t)m * SIM_COLL_PATH_HOPS,
                                     SIM_COLL_PATH_HOPS);
            if (hops < 0)
                return false;
            o->lane_hops[m] = hops;
        }
        o->lanes_set = true;
        o->lane_conn = c->conn;
    }
    for (int32_t m = 0; m < n; m++)
        sim_coll_lane_on(c, m, (m + 1) % n, o->lane_edge + (size_t)m * SIM_COLL_PATH_HOPS,
                         o->lane_hops[m], &lane[m]);
    return true;
}

sim_coll_t *sim_coll_ring_node(sim_net_t *net, const sim_coll_spec_t *spec, wl_coll_t op,
                               uint64_t data, int32_t n, const int32_t *vertex,
                               sim_coll_t *parent)
{
    bool chain = op == WL_COLL_BROADCAST || op == WL_COLL_REDUCE;
    sim_coll_t *c = sim_coll_node(net, chain ? &chain_ops : &ring_ops, spec, n, vertex, parent);
    c->spec.op = op;
    c->data = data;
    uint64_t block = chain ? data : (data + (uint64_t)n - 1) / (uint64_t)n;
    c->steps = chain ? 1 : op == WL_COLL_ALLREDUCE ? 2 * (uint32_t)(n - 1) : (uint32_t)(n - 1);
    uint64_t chunks = spec->chunk_bytes && block > spec->chunk_bytes
                          ? (block + spec->chunk_bytes - 1) / spec->chunk_bytes
                          : 1;
    TN_ASSERT(chunks * c->steps <= UINT32_MAX); /* sim_coll_check refused more */
    c->chunks = (uint32_t)chunks;
    c->dir = 1; /* a ring sends to the next member */
    if (chain) {
        /* broadcast flows root, root+1, ...; reduce flows toward the root */
        c->dir = op == WL_COLL_BROADCAST ? 1 : -1;
        c->start = op == WL_COLL_BROADCAST ? spec->root : (spec->root + n - 1) % n;
    }
    c->sent = tn_calloc((size_t)n, sizeof *c->sent);
    c->recvd = tn_calloc((size_t)n, sizeof *c->recvd);
    c->sending = tn_calloc((size_t)n, 1);
    ring_order_t *entry = chain ? NULL : ring_order(net, n, vertex);
    const int32_t *order = entry ? entry->perm : NULL;
    c->order_entry = entry;
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

bool sim_coll_is_ring(const sim_coll_t *c) { return c->ops == &ring_ops; }

uint64_t sim_coll_ring_block(const sim_coll_t *c, int32_t m, uint32_t k)
{
    int32_t n = c->n;
    int64_t block = ((int64_t)m - (int64_t)k % n + n) % n;
    return sim_coll_chunk_bytes(c->data, n, block);
}

uint64_t sim_coll_ring_bytes(const sim_coll_t *c, int32_t m, uint32_t j)
{
    return sim_coll_chunk_bytes(sim_coll_ring_block(c, m, j / c->chunks), c->chunks,
                                j % c->chunks);
}

/* Ring: member m's next send, if all it waits for is there. Sub-step j =
 * k * chunks + chunk needs sub-step j - chunks received (the same chunk of
 * the step before), its previous send finished, and the next member
 * present. */
void sim_coll_ring_progress(sim_coll_t *c, int32_t m)
{
    int32_t n = c->n, next = (m + 1) % n;
    uint32_t total = c->steps * c->chunks, j = c->sent[m];
    if (c->state[m] != SIM_COLL_ACTIVE || c->sending[m] || j == total ||
        c->state[next] < SIM_COLL_ACTIVE)
        return;
    if (j >= c->chunks && c->recvd[m] < j - c->chunks + 1)
        return;
    c->sending[m] = 1;
    sim_coll_member_send(c, m, next, sim_coll_ring_bytes(c, m, j), sim_coll_ring_sent, (uint64_t)m);
}

static void ring_check(sim_coll_t *c, int32_t m)
{
    uint32_t total = c->steps * c->chunks;
    if (c->state[m] == SIM_COLL_ACTIVE && c->sent[m] == total && c->recvd[m] == total)
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
    if (c->state[m] != SIM_COLL_ACTIVE || c->sending[m] || q == n - 1 || j == c->chunks ||
        c->state[next] < SIM_COLL_ACTIVE || (q > 0 && c->recvd[m] <= j))
        return;
    c->sending[m] = 1;
    sim_coll_member_send(c, m, next, sim_coll_chunk_bytes(c->data, c->chunks, j), sim_coll_ring_sent,
                         (uint64_t)m);
}

static void chain_check(sim_coll_t *c, int32_t m)
{
    int32_t q = chain_pos(c, m);
    if (c->state[m] == SIM_COLL_ACTIVE && c->sent[m] == (q < c->n - 1 ? c->chunks : 0) &&
        c->recvd[m] == (q > 0 ? c->chunks : 0))
        sim_coll_member_done(c, m);
}

void sim_coll_ring_sent(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    sim_coll_t *c = ctx;
    int32_t m = (int32_t)arg, n = c->n;
    int32_t next = (m + c->dir + n) % n;
    sim_coll_enter(c);
    c->sending[m] = 0;
    c->sent[m]++;
    c->recvd[next]++;
    if (c->ops == &chain_ops) {
        chain_progress(c, m);
        chain_progress(c, next);
        chain_check(c, next);
        chain_check(c, m);
    } else {
        sim_coll_ring_progress(c, m);
        sim_coll_ring_progress(c, next);
        ring_check(c, next);
        ring_check(c, m);
    }
    sim_coll_leave(c);
}

/* Member m (a position) starts: sends its first chunk and unblocks the
 * member before it, which waits for m to be there. */
static void ring_activate(sim_coll_t *c, int32_t m)
{
    int32_t n = c->n;
    if (n > 1 && sim_coll_shortcut_arrive(c, m))
        return;
    if (n == 1) {
        c->sent[m] = c->recvd[m] = c->steps * c->chunks; /* nothing to move */
    } else {
        sim_coll_ring_progress(c, m);
        sim_coll_ring_progress(c, (m + n - 1) % n);
    }
    ring_check(c, m);
}

static void chain_activate(sim_coll_t *c, int32_t m)
{
    int32_t n = c->n;
    if (n == 1) {
        c->sent[m] = chain_pos(c, m) < n - 1 ? c->chunks : 0;
        c->recvd[m] = chain_pos(c, m) > 0 ? c->chunks : 0;
    } else {
        chain_progress(c, m);
        chain_progress(c, (m - c->dir + n) % n);
    }
    chain_check(c, m);
}

int sim_coll_ring_check(const sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                        const int32_t *vertex, tn_error_t *err)
{
    (void)net, (void)n, (void)vertex;
    if (spec->op == WL_COLL_ALLTOALL)
        return tn_error_set(err, TN_EINPUT, "%s: the ring does not run all-to-all; use direct",
                            wl_coll_name(spec->op));
    return 0;
}

/* One ring, or one per channel side by side (sim/coll/channels.c). */
sim_coll_t *sim_coll_ring_build(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                                const int32_t *vertex, sim_coll_t *parent)
{
    if (spec->channels > 1 && n > 1)
        return sim_coll_channels_build(net, spec, n, vertex, parent);
    return sim_coll_ring_node(net, spec, spec->op, spec->bytes, n, vertex, parent);
}
