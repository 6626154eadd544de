/* sim/coll/direct.c — all-to-all, every member sending S/n to every other
 * at once (sim/coll/collective.h describes it). */
#include "sim/coll/algo.h"
#include "sim/coll/node.h"

#include <stdlib.h>

sim_coll_check_fn sim_coll_direct_check;
sim_coll_build_fn sim_coll_direct_build;

/* Direct all-to-all: S/n from every member to every other, each transfer
 * starting when both ends are present. */
static void on_direct_sent(sim_engine_t *eng, void *ctx, uint64_t arg);

static void direct_start(sim_coll_t *c, int32_t m)
{
    int32_t n = c->n;
    for (int32_t k = 1; k < n; k++) {
        int32_t p = (m + k) % n;
        if (c->state[p] < SIM_COLL_ACTIVE)
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

static void direct_activate(sim_coll_t *c, int32_t m)
{
    if (c->n == 1)
        sim_coll_member_done(c, m);
    else
        direct_start(c, m);
}

static const sim_coll_node_ops_t direct_ops = {direct_activate, NULL};

int sim_coll_direct_check(const sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                          const int32_t *vertex, tn_error_t *err)
{
    (void)net, (void)n, (void)vertex;
    if (spec->op != WL_COLL_ALLTOALL)
        return tn_error_set(err, TN_EINPUT, "%s: direct runs all-to-all only",
                            wl_coll_name(spec->op));
    return 0;
}

sim_coll_t *sim_coll_direct_build(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                                  const int32_t *vertex, sim_coll_t *parent)
{
    sim_coll_t *c = sim_coll_node(net, &direct_ops, spec, n, vertex, parent);
    c->left = tn_malloc((size_t)n * sizeof *c->left);
    for (int32_t i = 0; i < n; i++)
        c->left[i] = 2 * (uint32_t)(n - 1);
    return c;
}
