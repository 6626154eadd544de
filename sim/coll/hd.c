/* sim/coll/hd.c — recursive halving then doubling (Rabenseifner)
 * all-reduce for a power-of-two n (sim/coll/collective.h describes it). */
#include "sim/coll/algo.h"
#include "sim/coll/node.h"

sim_coll_check_fn sim_coll_hd_check;
sim_coll_build_fn sim_coll_hd_build;

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
    if (c->state[m] != SIM_COLL_ACTIVE || c->sending[m] || t == 2 * c->levels)
        return;
    if (t > 0 && !((c->got[m] >> (t - 1)) & 1))
        return;
    int32_t p = hd_peer(c, m, t);
    if (c->state[p] < SIM_COLL_ACTIVE)
        return;
    uint32_t sh = t < c->levels ? t + 1 : 2 * c->levels - t;
    uint64_t bytes = c->spec.bytes >> sh;
    c->sending[m] = 1;
    sim_coll_member_send(c, m, p, bytes, on_hd_sent, (uint64_t)m * 64 + t);
}

static void hd_check(sim_coll_t *c, int32_t m)
{
    uint64_t all = c->levels ? (2 * c->levels == 64 ? ~0ull : (1ull << (2 * c->levels)) - 1) : 0;
    if (c->state[m] == SIM_COLL_ACTIVE && c->sent[m] == 2 * c->levels && c->got[m] == all)
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

static void hd_activate(sim_coll_t *c, int32_t m)
{
    hd_progress(c, m);
    for (uint32_t t = 0; t < 2 * c->levels; t++)
        hd_progress(c, hd_peer(c, m, t)); /* partners waiting for m */
    hd_check(c, m);
}

static const sim_coll_node_ops_t hd_ops = {hd_activate, NULL};

int sim_coll_hd_check(const sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                      const int32_t *vertex, tn_error_t *err)
{
    (void)net, (void)vertex;
    if (sim_coll_allreduce_only(spec, "hd", err))
        return -1;
    if (n & (n - 1))
        return tn_error_set(err, TN_EINPUT, "hd needs a power of two ranks, not %d", n);
    return 0;
}

sim_coll_t *sim_coll_hd_build(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                              const int32_t *vertex, sim_coll_t *parent)
{
    sim_coll_t *c = sim_coll_node(net, &hd_ops, spec, n, vertex, parent);
    while ((1 << c->levels) < n)
        c->levels++;
    c->sent = tn_calloc((size_t)n, sizeof *c->sent);
    c->sending = tn_calloc((size_t)n, 1);
    c->got = tn_calloc((size_t)n, sizeof *c->got);
    return c;
}
