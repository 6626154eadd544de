/* sim/coll/hier.c — the hierarchical all-reduce: inside each server, then
 * across servers on one ring per rail, then inside again (sim/coll/
 * collective.h describes it). Every phase is a ring (sim/coll/ring.c), on
 * the spec's channels. */
#include "sim/coll/algo.h"
#include "sim/coll/node.h"

#include <stdlib.h>

sim_coll_check_fn sim_coll_hier_check;
sim_coll_build_fn sim_coll_hier_build;

/* Member m starts with its server's reduce-scatter (phase 0). */
static void hier_activate(sim_coll_t *c, int32_t m)
{
    sim_coll_activate(c->child[c->where[m]], c->slot[m]);
}

/* The next phase, or done after the third. */
static void hier_child_done(sim_coll_t *c, sim_coll_t *ch, int32_t m)
{
    (void)ch;
    if (++c->phase[m] == 3) {
        sim_coll_member_done(c, m);
        return;
    }
    int p = c->phase[m];
    sim_coll_activate(c->child[c->where[p * c->n + m]], c->slot[p * c->n + m]);
}

static const sim_coll_node_ops_t hier_ops = {hier_activate, hier_child_done};

int sim_coll_hier_check(const sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                        const int32_t *vertex, tn_error_t *err)
{
    int32_t g = 0, s = 0;
    if (sim_coll_allreduce_only(spec, "hier", err))
        return -1;
    if (!sim_coll_same_gpu_count(net->topo, n, vertex, &g, &s))
        return tn_error_set(err, TN_EINPUT,
                            "hier needs the ranks grouped by server, the same number in each");
    return 0;
}

/* Per server a ring reduce-scatter of S, per local index (rail) a ring
 * all-reduce of S/g across servers, per server a ring all-gather of S:
 * children 0 .. s, s .. s+g, s+g .. 2s+g. O(n x channels). */
sim_coll_t *sim_coll_hier_build(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                                const int32_t *vertex, sim_coll_t *parent)
{
    int32_t g = 0, s = 0;
    TN_ASSERT(sim_coll_same_gpu_count(net->topo, n, vertex, &g, &s));
    sim_coll_t *c = sim_coll_node(net, &hier_ops, spec, n, vertex, parent);
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
        sim_coll_link_child(c, sim_coll_build(net, &rs, g, sv, c), k);
        sim_coll_link_child(c, sim_coll_build(net, &ag, g, sv, c), s + g + k);
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
        sim_coll_link_child(c, sim_coll_build(net, &rail, s, c->own_vertex + i * s, c), s + i);
        for (int32_t k = 0; k < s; k++) {
            c->child[s + i]->to_parent[k] = k * g + i;
            c->where[1 * n + k * g + i] = s + i;
            c->slot[1 * n + k * g + i] = k;
        }
    }
    return c;
}

