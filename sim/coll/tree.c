/* sim/coll/tree.c — the double binary tree all-reduce, as NCCL runs it
 * (sim/coll/collective.h describes it). */
#include "sim/coll/algo.h"
#include "sim/coll/node.h"

#include <stdlib.h>

sim_coll_check_fn sim_coll_tree_check;
sim_coll_build_fn sim_coll_tree_build;

static void tree_activate(sim_coll_t *c, int32_t m);
static const sim_coll_node_ops_t tree_ops = {tree_activate, NULL};

/* Double binary tree: two trees, S/2 each; the second numbers the
 * positions backwards, so the leaves of one are the inner nodes of the
 * other. One member has nothing to exchange: a ring of one. O(n). */
sim_coll_t *sim_coll_tree_build(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                                const int32_t *vertex, sim_coll_t *parent)
{
    if (n == 1)
        return sim_coll_ring_node(net, spec, spec->op, spec->bytes, n, vertex, parent);
    sim_coll_t *c = sim_coll_node(net, &sim_coll_par_ops, spec, n, vertex, parent);
    c->n_child = 2;
    c->child = tn_calloc(2, sizeof *c->child);
    for (int32_t k = 0; k < 2; k++) {
        sim_coll_t *t = sim_coll_node(net, &tree_ops, spec, n, vertex, c);
        t->data = sim_coll_chunk_bytes(spec->bytes, 2, k);
        uint64_t chunks = spec->chunk_bytes && t->data > spec->chunk_bytes
                              ? (t->data + spec->chunk_bytes - 1) / spec->chunk_bytes
                              : 1;
        TN_ASSERT(chunks <= UINT32_MAX); /* sim_coll_check refused more */
        t->chunks = (uint32_t)chunks;
        t->pos_of = tn_malloc((size_t)n * sizeof *t->pos_of);
        t->member_at = tn_malloc((size_t)n * sizeof *t->member_at);
        for (int32_t i = 0; i < n; i++) {
            int32_t pos = k ? n - 1 - i : i;
            t->pos_of[i] = pos;
            t->member_at[pos] = i;
        }
        t->sent = tn_calloc((size_t)n, sizeof *t->sent); /* chunks sent up */
        t->sending = tn_calloc((size_t)n, 1);
        t->up_got = tn_calloc(2 * (size_t)n, sizeof *t->up_got);
        t->down_sent = tn_calloc(2 * (size_t)n, sizeof *t->down_sent);
        t->down_got = tn_calloc((size_t)n, sizeof *t->down_got);
        t->conn = (uint32_t)k;
        sim_coll_link_child(c, t, k);
        for (int32_t i = 0; i < n; i++)
            t->to_parent[i] = i;
    }
    return c;
}

/* Tree (one of the two of a double binary tree): position p's children
 * are 2p+1 and 2p+2, its parent (p-1)/2. Reduce: a member sends chunk c
 * up once it has chunk c from every child. Broadcast: the root has chunk c
 * once reduced; another member once received from its parent; it then
 * sends chunk c to each child in turn. One send at a time per member, up
 * before down. */
static void on_tree_sent(sim_engine_t *eng, void *ctx, uint64_t arg);

static int32_t tree_children(const sim_coll_t *c, int32_t m, int32_t *kid)
{
    int32_t p = c->pos_of[m], k = 0;
    for (int32_t q = 2 * p + 1; q <= 2 * p + 2 && q < c->n; q++)
        kid[k++] = c->member_at[q];
    return k;
}

/* Chunks member m has reduced from its whole subtree. */
static uint32_t tree_reduced(const sim_coll_t *c, int32_t m, int32_t n_kid)
{
    uint32_t r = c->chunks;
    for (int32_t k = 0; k < n_kid; k++)
        if (c->up_got[2 * m + k] < r)
            r = c->up_got[2 * m + k];
    return r;
}

static void tree_progress(sim_coll_t *c, int32_t m)
{
    if (c->state[m] != SIM_COLL_ACTIVE || c->sending[m])
        return;
    int32_t kid[2], nk = tree_children(c, m, kid), p = c->pos_of[m];
    uint32_t reduced = tree_reduced(c, m, nk);
    if (p > 0 && c->sent[m] < c->chunks && reduced > c->sent[m]) {
        int32_t up = c->member_at[(p - 1) / 2];
        if (c->state[up] < SIM_COLL_ACTIVE)
            return;
        c->sending[m] = 1;
        sim_coll_member_send(c, m, up, sim_coll_chunk_bytes(c->data, c->chunks, c->sent[m]),
                             on_tree_sent, (uint64_t)m * 4 + 2);
        return;
    }
    uint32_t have = p == 0 ? reduced : c->down_got[m];
    for (int32_t k = 0; k < nk; k++) {
        uint32_t j = c->down_sent[2 * m + k];
        /* the first child gets chunk j before the second does */
        if (j < have && (k == 0 || j < c->down_sent[2 * m]) &&
            c->state[kid[k]] >= SIM_COLL_ACTIVE) {
            c->sending[m] = 1;
            sim_coll_member_send(c, m, kid[k], sim_coll_chunk_bytes(c->data, c->chunks, j),
                                 on_tree_sent, (uint64_t)m * 4 + (uint64_t)k);
            return;
        }
    }
}

static void tree_check(sim_coll_t *c, int32_t m)
{
    int32_t kid[2], nk = tree_children(c, m, kid), p = c->pos_of[m];
    if (c->state[m] != SIM_COLL_ACTIVE ||
        (p > 0 && (c->sent[m] < c->chunks || c->down_got[m] < c->chunks)))
        return;
    for (int32_t k = 0; k < nk; k++)
        if (c->down_sent[2 * m + k] < c->chunks || c->up_got[2 * m + k] < c->chunks)
            return;
    sim_coll_member_done(c, m);
}

static void on_tree_sent(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    sim_coll_t *c = ctx;
    int32_t m = (int32_t)(arg / 4), what = (int32_t)(arg % 4), kid[2];
    tree_children(c, m, kid);
    int32_t other;
    sim_coll_enter(c);
    c->sending[m] = 0;
    if (what == 2) { /* up to the parent: which child of it am I? */
        int32_t p = c->pos_of[m];
        other = c->member_at[(p - 1) / 2];
        c->sent[m]++;
        c->up_got[2 * other + (p % 2 ? 0 : 1)]++;
    } else {
        other = kid[what];
        c->down_sent[2 * m + what]++;
        c->down_got[other]++;
    }
    tree_progress(c, m);
    tree_progress(c, other);
    tree_check(c, other);
    tree_check(c, m);
    sim_coll_leave(c);
}

static void tree_activate(sim_coll_t *c, int32_t m)
{
    int32_t kid[2], nk = tree_children(c, m, kid), p = c->pos_of[m];
    tree_progress(c, m);
    for (int32_t k = 0; k < nk; k++)
        tree_progress(c, kid[k]); /* children waiting to send up */
    if (p > 0)
        tree_progress(c, c->member_at[(p - 1) / 2]); /* a parent waiting to send down */
    tree_check(c, m);
}

int sim_coll_tree_check(const sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                        const int32_t *vertex, tn_error_t *err)
{
    (void)net, (void)n, (void)vertex;
    return sim_coll_allreduce_only(spec, "tree", err);
}
