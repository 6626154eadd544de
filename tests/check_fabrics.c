/* tests/check_fabrics.c — the dragonfly and torus builders: counts, wiring,
 * diameters and errors, on servers made of bare GPUs (one fabric port per
 * GPU). Every expected number is computed here from its formula. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/dragonfly.h"
#include "topology/ports.h"
#include "topology/topo.h"
#include "topology/torus.h"
#include "tests/tests.h"

#define GBPS 1000000000ull

/* Adds n servers of `per_server` bare GPUs, each GPU one port of rate
 * rate(server) (or `bps` when rate is NULL). GPU j of server s is vertex
 * first + s*per_server + j. */
static void add_gpu_servers(topo_t *t, topo_ports_t *ports, int32_t n, int32_t per_server,
                            uint64_t bps, uint64_t (*rate)(int32_t))
{
    for (int32_t s = 0; s < n; s++)
        for (int32_t j = 0; j < per_server; j++) {
            int32_t v = topo_add_vertex(t, TOPO_GPU, s, 0);
            topo_ports_add(ports, v, rate ? rate(s) : bps, s, j);
        }
}

/* Hop distances from src over the finalized adjacency; dist[] of size
 * n_vertices, -1 when unreachable. */
static void bfs(const topo_t *t, int32_t src, int32_t *dist, int32_t *queue)
{
    for (int32_t v = 0; v < t->n_vertices; v++)
        dist[v] = -1;
    int32_t head = 0, tail = 0;
    dist[src] = 0;
    queue[tail++] = src;
    while (head < tail) {
        int32_t u = queue[head++];
        for (int32_t i = t->out_off[u]; i < t->out_off[u + 1]; i++) {
            int32_t v = t->edst[t->out_edge[i]];
            if (dist[v] < 0) {
                dist[v] = dist[u] + 1;
                queue[tail++] = v;
            }
        }
    }
}

/* The largest hop distance between two vertices of kind `kind`. */
static int32_t kind_diameter(const topo_t *t, topo_kind_t kind)
{
    int32_t *dist = malloc((size_t)t->n_vertices * sizeof *dist);
    int32_t *queue = malloc((size_t)t->n_vertices * sizeof *queue);
    int32_t best = 0;
    for (int32_t s = 0; s < t->n_vertices; s++) {
        if (t->kind[s] != kind)
            continue;
        bfs(t, s, dist, queue);
        for (int32_t v = 0; v < t->n_vertices; v++)
            if (t->kind[v] == kind) {
                ck_assert_int_ge(dist[v], 0);
                if (dist[v] > best)
                    best = dist[v];
            }
    }
    free(dist);
    free(queue);
    return best;
}

static double graph_diameter(const topo_t *t)
{
    igraph_real_t d = -1;
    ck_assert_int_eq(igraph_diameter(&t->graph, &d, 0, 0, 0, 0, IGRAPH_DIRECTED, 1),
                     IGRAPH_SUCCESS);
    return d;
}

/* Cables (pairs of directed edges) of a tier. */
static int64_t tier_cables(const topo_t *t, topo_tier_t tier)
{
    int64_t n = 0;
    for (int32_t e = 0; e < t->n_edges; e += 2)
        n += t->tier[e] == tier;
    return n;
}

static int32_t out_degree(const topo_t *t, int32_t v) { return t->out_off[v + 1] - t->out_off[v]; }

/* ---- dragonfly ---- */

typedef struct {
    int32_t p, a, h, g;
} df_shape_t;

/* The canonical balanced dragonfly of Kim et al.: a = 2p = 2h, g = a*h + 1. */
static df_shape_t balanced(int32_t p)
{
    df_shape_t s = {p, 2 * p, p, 2 * p * p + 1};
    return s;
}

static topo_dragonfly_t df_params(df_shape_t s)
{
    topo_dragonfly_t d = {.groups = s.g,
                          .routers_per_group = s.a,
                          .hosts_per_router = s.p,
                          .global_links_per_router = s.h,
                          .local_bps = 200 * GBPS,
                          .global_bps = 100 * GBPS,
                          .latency_ps = 700000};
    return d;
}

/* Builds a dragonfly on `endpoints` single-GPU servers (GPUs are vertices
 * 0 .. endpoints-1, routers follow) and finalizes it. */
static void build_df(topo_t *t, df_shape_t s, int32_t endpoints, uint64_t port_bps)
{
    topo_ports_t ports;
    topo_init(t);
    topo_ports_init(&ports);
    add_gpu_servers(t, &ports, endpoints, 1, port_bps, NULL);
    topo_dragonfly_t d = df_params(s);
    tn_error_t err = {0};
    ck_assert_msg(topo_build_dragonfly(t, &d, &ports, &err) == 0, "%s", err.msg);
    ck_assert_msg(topo_finalize(t, &err) == 0, "%s", err.msg);
    topo_ports_destroy(&ports);
}

static const df_shape_t df_shapes[] = {
    {1, 2, 1, 3}, {2, 4, 2, 9}, {3, 6, 3, 19},  /* balanced */
    {2, 4, 2, 5}, {1, 3, 2, 4}, {2, 2, 3, 7},   /* m = 2, 2, 1 */
    {3, 1, 1, 2}, {1, 1, 3, 4},                 /* one router per group */
    {2, 5, 4, 11},                              /* m = 2 */
};
#define N_DF_SHAPES (int)(sizeof df_shapes / sizeof df_shapes[0])

START_TEST(dragonfly_balanced_shape)
{
    for (int32_t p = 1; p <= 3; p++) {
        df_shape_t s = balanced(p);
        ck_assert_int_eq(s.a, 2 * p);
        ck_assert_int_eq(s.h, p);
        ck_assert_int_eq(s.g, s.a * s.h + 1);
        ck_assert_int_eq(s.a, df_shapes[p - 1].a);
        ck_assert_int_eq(s.g, df_shapes[p - 1].g);
    }
}
END_TEST

START_TEST(dragonfly_counts)
{
    df_shape_t s = df_shapes[_i];
    int32_t routers = s.g * s.a, endpoints = routers * s.p;
    /* ports faster than local links on even shapes, slower on odd ones */
    uint64_t port_bps = _i % 2 ? 100 * GBPS : 400 * GBPS;
    topo_t t;
    build_df(&t, s, endpoints, port_bps);
    topo_dragonfly_t d = df_params(s);
    uint64_t host_bps = port_bps < d.local_bps ? port_bps : d.local_bps;

    int64_t local = (int64_t)s.g * s.a * (s.a - 1) / 2, global = (int64_t)s.g * s.a * s.h / 2;
    ck_assert_int_eq(t.n_vertices, endpoints + routers);
    ck_assert_int_eq(t.n_gpus, endpoints);
    ck_assert_int_eq(tier_cables(&t, TOPO_TIER_LOCAL), local);
    ck_assert_int_eq(tier_cables(&t, TOPO_TIER_GLOBAL), global);
    ck_assert_int_eq(tier_cables(&t, TOPO_TIER_HOST), endpoints);
    ck_assert_int_eq(t.n_edges, 2 * (local + global + endpoints));

    for (int32_t r = 0; r < routers; r++) {
        int32_t v = endpoints + r;
        ck_assert_int_eq(t.kind[v], TOPO_ROUTER);
        ck_assert_int_eq(t.server[v], -1);
        ck_assert_int_eq(out_degree(&t, v), (s.a - 1) + s.h + s.p);
    }
    for (int32_t e = 0; e < t.n_edges; e++) {
        ck_assert_uint_eq(t.latency_ps[e], d.latency_ps);
        switch (t.tier[e]) {
        case TOPO_TIER_LOCAL:
            ck_assert_uint_eq(t.bps[e], d.local_bps);
            /* both ends in one group */
            ck_assert_int_eq((t.esrc[e] - endpoints) / s.a, (t.edst[e] - endpoints) / s.a);
            break;
        case TOPO_TIER_GLOBAL:
            ck_assert_uint_eq(t.bps[e], d.global_bps);
            ck_assert_int_ne((t.esrc[e] - endpoints) / s.a, (t.edst[e] - endpoints) / s.a);
            break;
        case TOPO_TIER_HOST:
            ck_assert_uint_eq(t.bps[e], host_bps);
            if (e % 2 == 0) /* port i -> router i / p */
                ck_assert_int_eq(t.edst[e], endpoints + t.esrc[e] / s.p);
            break;
        default:
            ck_abort_msg("edge %d has tier %s", e, topo_tier_name(t.tier[e]));
        }
    }
    topo_destroy(&t);
}
END_TEST

/* Every pair of groups is joined by m = a*h/(g-1) global cables, and the
 * cables are exactly the pairing of dragonfly.h: port k of G on router k/h
 * meets port k' of G' on router k'/h. Counting from every port's side, each
 * cable is seen twice, once from each end: the pairing is symmetric. */
START_TEST(dragonfly_global_wiring)
{
    df_shape_t s = df_shapes[_i];
    int32_t routers = s.g * s.a;
    topo_t t;
    build_df(&t, s, routers * s.p, 100 * GBPS);
    int32_t first = routers * s.p, m = s.a * s.h / (s.g - 1);

    int32_t *groups = calloc((size_t)s.g * s.g, sizeof *groups);
    int32_t *have = calloc((size_t)routers * routers, sizeof *have);
    int32_t *want = calloc((size_t)routers * routers, sizeof *want);
    for (int32_t e = 0; e < t.n_edges; e += 2)
        if (t.tier[e] == TOPO_TIER_GLOBAL) {
            int32_t x = t.esrc[e] - first, y = t.edst[e] - first;
            groups[(x / s.a) * s.g + y / s.a]++;
            groups[(y / s.a) * s.g + x / s.a]++;
            have[x * routers + y]++;
            have[y * routers + x]++;
        }
    for (int32_t G = 0; G < s.g; G++)
        for (int32_t H = 0; H < s.g; H++)
            ck_assert_int_eq(groups[G * s.g + H], G == H ? 0 : m);

    for (int32_t G = 0; G < s.g; G++)
        for (int32_t k = 0; k < s.a * s.h; k++) {
            int32_t o = k % (s.g - 1) + 1, c = k / (s.g - 1);
            int32_t G2 = (G + o) % s.g, k2 = c * (s.g - 1) + (s.g - o - 1);
            int32_t x = G * s.a + k / s.h, y = G2 * s.a + k2 / s.h;
            want[x * routers + y]++; /* seen from this end only */
        }
    for (int32_t x = 0; x < routers; x++)
        for (int32_t y = 0; y < routers; y++) {
            ck_assert_int_eq(want[x * routers + y], want[y * routers + x]);
            ck_assert_int_eq(have[x * routers + y], want[x * routers + y]);
        }
    free(groups);
    free(have);
    free(want);
    topo_destroy(&t);
}
END_TEST

/* Balanced dragonflies: any router reaches any other in at most local,
 * global, local = 3 hops, and some pairs need all 3; a GPU adds one hop at
 * each end: 5. */
START_TEST(dragonfly_diameter)
{
    df_shape_t s = balanced(_i + 1);
    topo_t t;
    build_df(&t, s, s.g * s.a * s.p, 100 * GBPS);
    int32_t want_routers = 1 + 1 + 1, want_gpus = want_routers + 2;
    ck_assert_int_eq(kind_diameter(&t, TOPO_ROUTER), want_routers);
    ck_assert_int_eq(kind_diameter(&t, TOPO_GPU), want_gpus);
    ck_assert_int_eq((int)graph_diameter(&t), want_gpus);
    topo_destroy(&t);
}
END_TEST

/* Non-balanced shapes keep the bound of 3 router hops when a >= 2 and
 * need 1 when each group is a single router joined to every other. */
START_TEST(dragonfly_diameter_other_shapes)
{
    df_shape_t s = df_shapes[_i];
    topo_t t;
    build_df(&t, s, s.g * s.a * s.p, 100 * GBPS);
    int32_t r = kind_diameter(&t, TOPO_ROUTER);
    if (s.a == 1)
        ck_assert_int_eq(r, 1);
    else
        ck_assert_int_le(r, 3);
    ck_assert_int_eq(kind_diameter(&t, TOPO_GPU), r + 2);
    topo_destroy(&t);
}
END_TEST

/* 72 host ports, 50 endpoints: routers 0 .. 24 take them in order, two each
 * but the last, which gets the odd one; the rest have no hosts. */
START_TEST(dragonfly_partially_populated)
{
    df_shape_t s = balanced(2);
    int32_t routers = s.g * s.a, capacity = routers * s.p;
    int32_t endpoints = capacity * 2 / 3 + 2;
    ck_assert_int_lt(endpoints, capacity);
    topo_t t;
    build_df(&t, s, endpoints, 100 * GBPS);
    ck_assert_int_eq(t.n_vertices, endpoints + routers);
    ck_assert_int_eq(tier_cables(&t, TOPO_TIER_HOST), endpoints);
    ck_assert_int_eq(tier_cables(&t, TOPO_TIER_LOCAL), (int64_t)s.g * s.a * (s.a - 1) / 2);
    ck_assert_int_eq(tier_cables(&t, TOPO_TIER_GLOBAL), (int64_t)s.g * s.a * s.h / 2);
    for (int32_t r = 0; r < routers; r++) {
        int32_t hosts = endpoints - r * s.p;
        hosts = hosts < 0 ? 0 : hosts > s.p ? s.p : hosts;
        ck_assert_int_eq(out_degree(&t, endpoints + r), (s.a - 1) + s.h + hosts);
    }
    ck_assert_int_le(kind_diameter(&t, TOPO_GPU), 5);
    topo_destroy(&t);
}
END_TEST

/* Runs the builder on `endpoints` GPUs with d; expects failure with t left
 * as it was, and returns the message in msg. */
static void df_expect_error(const topo_dragonfly_t *d, int32_t endpoints, char *msg, size_t n)
{
    topo_t t;
    topo_ports_t ports;
    topo_init(&t);
    topo_ports_init(&ports);
    add_gpu_servers(&t, &ports, endpoints, 1, 100 * GBPS, NULL);
    tn_error_t err = {0};
    ck_assert_int_eq(topo_build_dragonfly(&t, d, &ports, &err), -1);
    ck_assert_int_eq(err.code, TN_EINPUT);
    ck_assert_int_eq(t.n_vertices, endpoints);
    ck_assert_int_eq(t.n_edges, 0);
    ck_assert(strlen(err.msg) > 0 && err.msg[strlen(err.msg) - 1] != '.');
    snprintf(msg, n, "%s", err.msg);
    topo_ports_destroy(&ports);
    topo_destroy(&t);
}

START_TEST(dragonfly_too_many_endpoints)
{
    df_shape_t s = balanced(2);
    topo_dragonfly_t d = df_params(s);
    int32_t capacity = s.g * s.a * s.p;
    char msg[1024], want[256];
    df_expect_error(&d, capacity + 1, msg, sizeof msg);
    snprintf(want, sizeof want, "the dragonfly has %d host ports, %d endpoints need one",
             capacity, capacity + 1);
    ck_assert_msg(strstr(msg, want), "got \"%s\"", msg);
}
END_TEST

START_TEST(dragonfly_groups_do_not_divide)
{
    /* a*h = 4 global ports per group, g - 1 = 3 other groups */
    df_shape_t s = {1, 2, 2, 4};
    ck_assert_int_ne((s.a * s.h) % (s.g - 1), 0);
    topo_dragonfly_t d = df_params(s);
    char msg[1024], want[64];
    df_expect_error(&d, 4, msg, sizeof msg);
    snprintf(want, sizeof want, "groups - 1 = %d", s.g - 1);
    ck_assert_msg(strstr(msg, want), "got \"%s\"", msg);
    snprintf(want, sizeof want, "the %d global ports", s.a * s.h);
    ck_assert_msg(strstr(msg, want), "got \"%s\"", msg);
}
END_TEST

START_TEST(dragonfly_bad_parameters)
{
    topo_dragonfly_t good = df_params(balanced(1)), d;
    char msg[1024];
#define BAD(field, value, word)                                                           \
    do {                                                                                  \
        d = good;                                                                         \
        d.field = value;                                                                  \
        df_expect_error(&d, 2, msg, sizeof msg);                                          \
        ck_assert_msg(strstr(msg, word), "%s = %lld: got \"%s\"", #field,                  \
                      (long long)(value), msg);                                           \
    } while (0)
    BAD(groups, 0, "groups");
    BAD(groups, 1, "groups");
    BAD(groups, -3, "groups");
    BAD(routers_per_group, 0, "routers_per_group");
    BAD(routers_per_group, -2, "routers_per_group");
    BAD(hosts_per_router, 0, "hosts_per_router");
    BAD(global_links_per_router, 0, "global_links_per_router");
    BAD(global_links_per_router, -1, "global_links_per_router");
    BAD(local_bps, 0, "local_bps");
    BAD(global_bps, 0, "global_bps");
#undef BAD
    /* latency 0 is an ideal link, not an error */
    d = good;
    d.latency_ps = 0;
    topo_t t;
    topo_ports_t ports;
    topo_init(&t);
    topo_ports_init(&ports);
    add_gpu_servers(&t, &ports, 2, 1, GBPS, NULL);
    ck_assert_int_eq(topo_build_dragonfly(&t, &d, &ports, NULL), 0);
    ck_assert_int_eq(topo_finalize(&t, NULL), 0);
    topo_ports_destroy(&ports);
    topo_destroy(&t);
}
END_TEST

/* ---- torus ---- */

typedef struct {
    int32_t n_dims, dims[3];
} torus_shape_t;

static const torus_shape_t torus_shapes[] = {
    {2, {4, 4, 0}}, {2, {5, 3, 0}}, {2, {4, 2, 0}}, {2, {3, 1, 0}}, {2, {2, 2, 0}},
    {3, {4, 4, 4}}, {3, {3, 2, 5}}, {3, {2, 2, 2}}, {3, {4, 1, 3}}, {3, {1, 1, 1}},
};
#define N_TORUS_SHAPES (int)(sizeof torus_shapes / sizeof torus_shapes[0])

static int32_t torus_nodes(torus_shape_t s)
{
    int32_t n = 1;
    for (int d = 0; d < s.n_dims; d++)
        n *= s.dims[d];
    return n;
}

/* Links of one node along a dimension of size k. */
static int32_t links_along(int32_t k) { return k >= 3 ? 2 : k == 2 ? 1 : 0; }

/* Coordinate d of node id u, row-major (last dimension fastest). */
static int32_t coord(torus_shape_t s, int32_t u, int d)
{
    for (int e = s.n_dims - 1; e > d; e--)
        u /= s.dims[e];
    return u % s.dims[d];
}

static topo_torus_t torus_params(torus_shape_t s, uint64_t bps)
{
    topo_torus_t p = {.n_dims = s.n_dims, .bps = bps, .latency_ps = 250000};
    memcpy(p.dims, s.dims, sizeof p.dims);
    return p;
}

START_TEST(torus_counts)
{
    torus_shape_t s = torus_shapes[_i];
    int32_t n = torus_nodes(s);
    int64_t cables = 0;
    int32_t degree = 0, diameter = 0;
    for (int d = 0; d < s.n_dims; d++) {
        int32_t k = s.dims[d];
        cables += k >= 3 ? n : k == 2 ? n / 2 : 0;
        degree += links_along(k);
        diameter += k / 2;
    }

    topo_t t;
    topo_ports_t ports;
    topo_init(&t);
    topo_ports_init(&ports);
    add_gpu_servers(&t, &ports, n, 1, 400 * GBPS, NULL);
    topo_torus_t p = torus_params(s, 100 * GBPS);
    tn_error_t err = {0};
    ck_assert_msg(topo_build_torus(&t, &p, &ports, &err) == 0, "%s", err.msg);
    ck_assert_msg(topo_finalize(&t, &err) == 0, "%s", err.msg);

    ck_assert_int_eq(t.n_vertices, n); /* no switches */
    ck_assert_int_eq(t.n_gpus, n);
    ck_assert_int_eq(t.n_edges, 2 * cables);
    ck_assert_int_eq(tier_cables(&t, TOPO_TIER_TORUS), cables);
    for (int32_t u = 0; u < n; u++)
        ck_assert_int_eq(out_degree(&t, u), degree);
    ck_assert_int_eq(kind_diameter(&t, TOPO_GPU), diameter);
    ck_assert_int_eq((int)graph_diameter(&t), diameter);

    /* Each cable goes from a node to its +1 neighbour along one dimension:
     * the coordinates agree but for one, which grows by 1 mod k. */
    int32_t *plus = calloc((size_t)n * 3, sizeof *plus);
    for (int32_t e = 0; e < t.n_edges; e += 2) {
        ck_assert_uint_eq(t.bps[e], p.bps);
        ck_assert_uint_eq(t.latency_ps[e], p.latency_ps);
        int32_t u = t.esrc[e], v = t.edst[e], differ = 0;
        for (int d = 0; d < s.n_dims; d++)
            if (coord(s, u, d) != coord(s, v, d)) {
                differ++;
                ck_assert_int_eq(coord(s, v, d), (coord(s, u, d) + 1) % s.dims[d]);
                plus[u * 3 + d]++;
            }
        ck_assert_int_eq(differ, 1);
    }
    for (int32_t u = 0; u < n; u++)
        for (int d = 0; d < s.n_dims; d++) {
            int32_t k = s.dims[d];
            ck_assert_int_eq(plus[u * 3 + d], k >= 3 ? 1 : k == 2 ? coord(s, u, d) == 0 : 0);
        }
    free(plus);
    topo_ports_destroy(&ports);
    topo_destroy(&t);
}
END_TEST

static uint64_t rate_by_server(int32_t s) { return (uint64_t)(s % 3 + 1) * 100 * GBPS; }

/* Servers of two GPUs, one port each, on a 4 x 3 torus: a node's links
 * (dim 0 +, dim 0 -, dim 1 +, dim 1 -) go to ports 0, 1, 0, 1. So GPU 0 of
 * node u holds u's + links and meets, on each, GPU 1 of the + neighbour,
 * which holds that neighbour's - links. A link runs at the least of its
 * ports' rates and the torus rate. */
START_TEST(torus_two_ports_alternate)
{
    torus_shape_t s = {2, {4, 3, 0}};
    int32_t n = torus_nodes(s);
    topo_t t;
    topo_ports_t ports;
    topo_init(&t);
    topo_ports_init(&ports);
    add_gpu_servers(&t, &ports, n, 2, 0, rate_by_server);
    topo_torus_t p = torus_params(s, 250 * GBPS);
    ck_assert_int_eq(topo_build_torus(&t, &p, &ports, NULL), 0);
    ck_assert_int_eq(topo_finalize(&t, NULL), 0);
    ck_assert_int_eq(t.n_edges, 2 * (2 * n));
    for (int32_t v = 0; v < t.n_vertices; v++)
        ck_assert_int_eq(out_degree(&t, v), 2);
    for (int32_t e = 0; e < t.n_edges; e += 2) {
        int32_t a = t.esrc[e], b = t.edst[e];
        ck_assert_int_eq(a % 2, 0); /* + links leave from GPU 0 */
        ck_assert_int_eq(b % 2, 1); /* and land on GPU 1 */
        int32_t su = t.server[a], sv = t.server[b];
        uint64_t want = p.bps;
        want = rate_by_server(su) < want ? rate_by_server(su) : want;
        want = rate_by_server(sv) < want ? rate_by_server(sv) : want;
        ck_assert_uint_eq(t.bps[e], want);
    }
    /* GPU 0 of node u reaches GPU 1 of its + neighbour along each dimension */
    for (int32_t u = 0; u < n; u++)
        for (int d = 0; d < s.n_dims; d++) {
            int32_t stride = d == 0 ? s.dims[1] : 1;
            int32_t c = coord(s, u, d), v = u + ((c + 1) % s.dims[d] - c) * stride;
            int found = 0;
            for (int32_t i = t.out_off[2 * u]; i < t.out_off[2 * u + 1]; i++)
                found += t.edst[t.out_edge[i]] == 2 * v + 1;
            ck_assert_int_eq(found, 1);
        }
    topo_ports_destroy(&ports);
    topo_destroy(&t);
}
END_TEST

/* Three ports on a 3 x 2 x 3 torus: 2 + 1 + 2 = 5 links per node go to
 * ports 0, 1, 2, 0, 1, so ports 0 and 1 carry two links and port 2 one.
 * Each server's GPUs also hang off an NVSwitch, or the torus alone would
 * leave some of them apart. */
START_TEST(torus_round_robin_three_ports)
{
    torus_shape_t s = {3, {3, 2, 3}};
    int32_t n = torus_nodes(s), per = 3, links = 0;
    for (int d = 0; d < s.n_dims; d++)
        links += links_along(s.dims[d]);
    topo_t t;
    topo_ports_t ports;
    topo_init(&t);
    topo_ports_init(&ports);
    add_gpu_servers(&t, &ports, n, per, 100 * GBPS, NULL);
    for (int32_t u = 0; u < n; u++) {
        int32_t sw = topo_add_vertex(&t, TOPO_NVSWITCH, u, 0);
        for (int32_t j = 0; j < per; j++)
            topo_add_cable(&t, u * per + j, sw, 600 * GBPS, 0, TOPO_TIER_NVLINK);
    }
    topo_torus_t p = torus_params(s, 100 * GBPS);
    ck_assert_int_eq(topo_build_torus(&t, &p, &ports, NULL), 0);
    ck_assert_int_eq(topo_finalize(&t, NULL), 0);
    for (int32_t v = 0; v < n * per; v++) {
        int32_t j = v % per, want = links / per + (j < links % per), have = 0;
        for (int32_t i = t.out_off[v]; i < t.out_off[v + 1]; i++)
            have += t.tier[t.out_edge[i]] == TOPO_TIER_TORUS;
        ck_assert_int_eq(have, want);
    }
    ck_assert_int_eq(tier_cables(&t, TOPO_TIER_TORUS), (int64_t)n * links / 2);
    topo_ports_destroy(&ports);
    topo_destroy(&t);
}
END_TEST

/* Runs the torus builder on `servers` single-GPU servers numbered 0, 1, ...
 * (the last one numbered last_id instead when last_id >= 0); expects
 * failure with t left as it was, and returns the message in msg. */
static void torus_expect_error(const topo_torus_t *p, int32_t servers, int32_t last_id, char *msg,
                               size_t n)
{
    topo_t t;
    topo_ports_t ports;
    topo_init(&t);
    topo_ports_init(&ports);
    for (int32_t s = 0; s < servers; s++) {
        int32_t id = s == servers - 1 && last_id >= 0 ? last_id : s;
        int32_t v = topo_add_vertex(&t, TOPO_GPU, id, 0);
        topo_ports_add(&ports, v, 100 * GBPS, id, 0);
    }
    tn_error_t err = {0};
    ck_assert_int_eq(topo_build_torus(&t, p, &ports, &err), -1);
    ck_assert_int_eq(err.code, TN_EINPUT);
    ck_assert_int_eq(t.n_vertices, servers);
    ck_assert_int_eq(t.n_edges, 0);
    ck_assert(strlen(err.msg) > 0 && err.msg[strlen(err.msg) - 1] != '.');
    snprintf(msg, n, "%s", err.msg);
    topo_ports_destroy(&ports);
    topo_destroy(&t);
}

START_TEST(torus_server_count_mismatch)
{
    torus_shape_t s = {3, {4, 2, 3}};
    topo_torus_t p = torus_params(s, 100 * GBPS);
    int32_t n = torus_nodes(s);
    char msg[1024], want[256];
    for (int32_t servers = n - 1; servers <= n + 1; servers += 2) {
        torus_expect_error(&p, servers, -1, msg, sizeof msg);
        snprintf(want, sizeof want, "has %d nodes, but the ports belong to %d servers", n,
                 servers);
        ck_assert_msg(strstr(msg, want), "got \"%s\"", msg);
    }
    /* the right count, but numbered past the last node */
    torus_expect_error(&p, n, n + 5, msg, sizeof msg);
    snprintf(want, sizeof want, "server %d", n + 5);
    ck_assert_msg(strstr(msg, want), "got \"%s\"", msg);
}
END_TEST

START_TEST(torus_bad_parameters)
{
    torus_shape_t s = {2, {4, 4, 0}};
    topo_torus_t good = torus_params(s, 100 * GBPS), p;
    int32_t n = torus_nodes(s);
    char msg[1024];
    p = good;
    p.n_dims = 1;
    torus_expect_error(&p, n, -1, msg, sizeof msg);
    ck_assert_msg(strstr(msg, "n_dims"), "got \"%s\"", msg);
    p.n_dims = 4;
    torus_expect_error(&p, n, -1, msg, sizeof msg);
    ck_assert_msg(strstr(msg, "n_dims"), "got \"%s\"", msg);
    p = good;
    p.dims[1] = 0;
    torus_expect_error(&p, n, -1, msg, sizeof msg);
    ck_assert_msg(strstr(msg, "dims[1]"), "got \"%s\"", msg);
    p = good;
    p.dims[0] = -4;
    torus_expect_error(&p, n, -1, msg, sizeof msg);
    ck_assert_msg(strstr(msg, "dims[0]"), "got \"%s\"", msg);
    p = good;
    p.bps = 0;
    torus_expect_error(&p, n, -1, msg, sizeof msg);
    ck_assert_msg(strstr(msg, "bps"), "got \"%s\"", msg);
    /* a 3D torus with 2^31 nodes or more */
    p = good;
    p.n_dims = 3;
    p.dims[0] = p.dims[1] = p.dims[2] = 1 << 11;
    torus_expect_error(&p, n, -1, msg, sizeof msg);
    ck_assert_msg(strstr(msg, "too many"), "got \"%s\"", msg);
}
END_TEST

Suite *fabrics_suite(void)
{
    Suite *s = suite_create("fabrics");
    TCase *tc = tcase_create("dragonfly");
    tcase_add_test(tc, dragonfly_balanced_shape);
    tcase_add_loop_test(tc, dragonfly_counts, 0, N_DF_SHAPES);
    tcase_add_loop_test(tc, dragonfly_global_wiring, 0, N_DF_SHAPES);
    tcase_add_loop_test(tc, dragonfly_diameter, 0, 3);
    tcase_add_loop_test(tc, dragonfly_diameter_other_shapes, 0, N_DF_SHAPES);
    tcase_add_test(tc, dragonfly_partially_populated);
    tcase_add_test(tc, dragonfly_too_many_endpoints);
    tcase_add_test(tc, dragonfly_groups_do_not_divide);
    tcase_add_test(tc, dragonfly_bad_parameters);
    suite_add_tcase(s, tc);
    tc = tcase_create("torus");
    tcase_add_loop_test(tc, torus_counts, 0, N_TORUS_SHAPES);
    tcase_add_test(tc, torus_two_ports_alternate);
    tcase_add_test(tc, torus_round_robin_three_ports);
    tcase_add_test(tc, torus_server_count_mismatch);
    tcase_add_test(tc, torus_bad_parameters);
    suite_add_tcase(s, tc);
    return s;
}
