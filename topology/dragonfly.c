#include "topology/dragonfly.h"

/* The global port of group `to_group` that port k of group `group` meets
 * (see dragonfly.h); the group is returned through *to_group. O(1). */
static int64_t global_peer(int64_t g, int64_t group, int64_t k, int64_t *to_group)
{
    int64_t o = k % (g - 1) + 1, c = k / (g - 1);
    *to_group = (group + o) % g;
    return c * (g - 1) + (g - o - 1);
}

static int check_params(const topo_t *t, const topo_dragonfly_t *p, const topo_ports_t *ports,
                        tn_error_t *err)
{
    const struct {
        const char *name;
        int32_t v;
    } counts[] = {
        {"routers_per_group", p->routers_per_group},
        {"hosts_per_router", p->hosts_per_router},
        {"global_links_per_router", p->global_links_per_router},
    };
    if (p->groups < 2)
        return tn_error_set(err, TN_EINPUT, "dragonfly: groups: expected at least 2, got %d",
                            (int)p->groups);
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        if (counts[i].v <= 0)
            return tn_error_set(err, TN_EINPUT,
                                "dragonfly: %s: expected a positive integer, got %d",
                                counts[i].name, (int)counts[i].v);
    if (p->local_bps == 0)
        return tn_error_set(err, TN_EINPUT, "dragonfly: local_bps: expected a positive rate");
    if (p->global_bps == 0)
        return tn_error_set(err, TN_EINPUT, "dragonfly: global_bps: expected a positive rate");

    int64_t g = p->groups, a = p->routers_per_group, h = p->global_links_per_router;
    int64_t hosts = p->hosts_per_router;
    int64_t ah = a * h; /* < 2^62: no overflow */
    if (ah % (g - 1) != 0)
        return tn_error_set(err, TN_EINPUT,
                            "dragonfly: groups - 1 = %lld does not divide the %lld global ports"
                            " of a group (routers_per_group %lld x global_links_per_router %lld),"
                            " so the groups cannot all be joined by the same number of links",
                            (long long)(g - 1), (long long)ah, (long long)a, (long long)h);

    /* Sizes in 64 bits, each bounded before the next product. */
    const int64_t lim = INT32_MAX;
    int64_t routers = g * a;
    if (routers > lim - t->n_vertices)
        return tn_error_set(err, TN_EINPUT, "dragonfly: %lld routers are too many",
                            (long long)routers);
    int64_t host_ports = routers * hosts; /* < 2^62 */
    if ((uint64_t)host_ports < ports->n)
        return tn_error_set(err, TN_EINPUT, "dragonfly: the dragonfly has %lld host ports, %zu"
                            " endpoints need one", (long long)host_ports, ports->n);
    /* The first two terms are below 2^61, the last below 2^62: no overflow. */
    int64_t cables = routers * (a - 1) / 2 + routers * h / 2 + (int64_t)ports->n;
    if (cables > (lim - 1 - t->n_edges) / 2)
        return tn_error_set(err, TN_EINPUT, "dragonfly: %lld cables are too many",
                            (long long)cables);
    return 0;
}

int topo_build_dragonfly(topo_t *t, const topo_dragonfly_t *p, const topo_ports_t *ports,
                         tn_error_t *err)
{
    TN_ASSERT(t && p && ports && !t->finalized);
    if (check_params(t, p, ports, err))
        return -1;
    int32_t g = p->groups, a = p->routers_per_group, h = p->global_links_per_router;
    int32_t first = t->n_vertices;
    for (int32_t r = 0; r < g * a; r++) {
        int32_t v = topo_add_vertex(t, TOPO_ROUTER, -1, 0);
        TN_ASSERT(v == first + r);
    }

    for (int32_t G = 0; G < g; G++)
        for (int32_t r = 0; r < a; r++)
            for (int32_t s = r + 1; s < a; s++)
                topo_add_cable(t, first + G * a + r, first + G * a + s, p->local_bps,
                               p->latency_ps, TOPO_TIER_LOCAL);

    for (int32_t G = 0; G < g; G++)
        for (int32_t k = 0; k < a * h; k++) {
            int64_t G2, back;
            int64_t k2 = global_peer(g, G, k, &G2);
            /* The pairing is an involution: the peer's peer is this port. */
            TN_ASSERT(G2 != G && k2 >= 0 && k2 < (int64_t)a * h);
            TN_ASSERT(global_peer(g, G2, k2, &back) == k && back == G);
            if (G2 < G)
                continue; /* added from the other side */
            topo_add_cable(t, first + G * a + k / h, first + (int32_t)G2 * a + (int32_t)k2 / h,
                           p->global_bps, p->latency_ps, TOPO_TIER_GLOBAL);
        }

    for (size_t i = 0; i < ports->n; i++) {
        uint64_t bps = ports->bps[i] < p->local_bps ? ports->bps[i] : p->local_bps;
        topo_add_cable(t, ports->vertex[i], first + (int32_t)(i / (size_t)p->hosts_per_router),
                       bps, p->latency_ps, TOPO_TIER_HOST);
    }
    return 0;
}
