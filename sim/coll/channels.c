/* sim/coll/channels.c — channels: `channels` rings side by side over the
 * same members, ceil(S/channels) each, identical ones run as one bundle
 * (sim/coll/collective.h); and the parallel node they and the double
 * binary tree (sim/coll/tree.c) are children of. */
#include "sim/coll/node.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_hash.h"

/* Member m of a parallel node is member par_slot(c, k, m) of child k. */
static inline int32_t par_slot(const sim_coll_t *c, int32_t k, int32_t m)
{
    return c->slot ? c->slot[(size_t)k * (size_t)c->n + (size_t)m] : m;
}

static void par_activate(sim_coll_t *c, int32_t m)
{
    for (int32_t k = 0; k < c->n_child; k++)
        sim_coll_activate(c->child[k], par_slot(c, k, m));
}

/* Done when done on every channel. */
static void par_child_done(sim_coll_t *c, sim_coll_t *ch, int32_t m)
{
    (void)ch;
    int32_t all = 0;
    for (int32_t k = 0; k < c->n_child; k++)
        all += sim_coll_state_of(c->child[k], par_slot(c, k, m)) == SIM_COLL_DONE;
    if (all == c->n_child)
        sim_coll_member_done(c, m);
}

const sim_coll_node_ops_t sim_coll_par_ops = {par_activate, par_child_done};

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
static bool joins_bundle(sim_coll_t *c, int32_t ch, uint64_t share, int32_t g)
{
    for (int32_t b = 0; b < c->n_child; b++) {
        sim_coll_t *l = c->child[b];
        if ((int32_t)(l->conn % (uint32_t)g) != ch % g || l->data != share)
            continue;
        if (!same_ring_paths(c->net, l->n, l->vertex, l->dir, l->conn, (uint32_t)ch))
            return false;
        l->copies++;
        return true;
    }
    return false;
}

/* Across servers (g GPUs each), channel k enters every server at its GPU
 * k mod g and leaves at the one before: each ring crosses between servers
 * through other GPUs, so other NICs. Identical channels are one child, a
 * bundle (joins_bundle()): children are bundles in order of their first
 * channel, which is also their connection. */
sim_coll_t *sim_coll_channels_build(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                                    const int32_t *vertex, sim_coll_t *parent)
{
    int32_t g = 0, s = 0, channels = spec->channels;
    bool rails = sim_coll_same_gpu_count(net->topo, n, vertex, &g, &s) && g > 1 && s > 1;
    sim_coll_t *c = sim_coll_node(net, &sim_coll_par_ops, spec, n, vertex, parent);
    c->child = tn_calloc((size_t)channels, sizeof *c->child);
    if (rails)
        c->slot = tn_malloc((size_t)channels * (size_t)n * sizeof *c->slot);
    sim_coll_spec_t one = *spec;
    one.channels = 1;
    /* Every channel moves ceil(S/channels): fewer than `channels` bytes of
     * padding in all, where an exact split (S mod channels channels one
     * byte more) would make two rings of two sizes on the same links,
     * which cannot run as one bundle, nor be timed by the exact shortcut
     * (sim/coll/shortcut.c: a ring alone on its links), and cost 20 times
     * the events of a bundle. NCCL does not split exactly either: a
     * channel moves whole chunks, the last one short (docs/collectives.md,
     * "Channel bundles"). */
    uint64_t share = spec->bytes / (uint64_t)channels + (spec->bytes % (uint64_t)channels != 0);
    for (int32_t ch = 0; ch < channels; ch++) {
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
        sim_coll_link_child(c, sim_coll_ring_node(net, &one, spec->op, share, n, members, c), k);
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
