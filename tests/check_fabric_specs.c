/* tests/check_fabric_specs.c — fabrics built from specs and presets: counts
 * from the fat-tree formulas, ECMP path counts, bisection, the azure-2020
 * preset, rail placement, and the compact routing tables checked against
 * plain breadth-first search. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "topology/route.h"
#include "topology/spec.h"
#include "topology/stats.h"
#include "tests/helpers.h"
#include "tests/tests.h"

/* Servers of one GPU wired straight to the fabric. */
#define BARE "{\"gpus\": 1, \"nics\": {\"count\": 0}, \"gpu_port_bw_gbps\": 100}"

/* Parses a topology block, builds it, and readies routing. */
static void build(const char *doc, topo_spec_t *s, topo_t *t, topo_route_t *r)
{
    test_fabric(doc, s, t);
    topo_route_init(r, t);
}

static void teardown(topo_spec_t *s, topo_t *t, topo_route_t *r)
{
    topo_route_destroy(r);
    topo_destroy(t);
    topo_spec_destroy(s);
}

/* k-ary fat-tree (radix k, 3 tiers, 1:1), k^3/4 hosts: 5k^2/4 switches,
 * 3k^3/4 cables, (k/2)^2 shortest paths between pods, k/2 between leaves of
 * one pod, 6 hops across pods. */
START_TEST(kary_fat_tree_counts)
{
    static const int ks[] = {4, 6, 8, 12};
    int k = ks[_i];
    char doc[512];
    snprintf(doc, sizeof doc,
             "{\"kind\": \"fat-tree\", \"servers\": %d, \"server\": " BARE ", \"fabric\": "
             "{\"tiers\": 3, \"radix\": %d, \"bw_gbps\": 100, \"latency_ns\": 100}}",
             k * k * k / 4, k);
    topo_spec_t s;
    topo_t t;
    topo_route_t r;
    build(doc, &s, &t, &r);
    topo_stats_t st;
    topo_stats_compute(&t, &r, &st);
    ck_assert_int_eq(st.gpus, k * k * k / 4);
    ck_assert_int_eq(st.switches, 5 * k * k / 4);
    ck_assert_int_eq(st.by_kind[TOPO_LEAF], k * k / 2);
    ck_assert_int_eq(st.by_kind[TOPO_SPINE], k * k / 2);
    ck_assert_int_eq(st.by_kind[TOPO_CORE], k * k / 4);
    ck_assert_int_eq(st.cables, 3 * k * k * k / 4);
    ck_assert_int_eq(st.diameter_hops, 6);
    /* host 0 and: host 1 (same leaf), host k/2 (next leaf, same pod), the
     * first host of the next pod (k^2/4 hosts per pod) */
    int32_t same_leaf = t.gpus[1], same_pod = t.gpus[k / 2], other_pod = t.gpus[k * k / 4];
    ck_assert_double_eq(topo_route_count_paths(&r, t.gpus[0], same_leaf), 1);
    ck_assert_double_eq(topo_route_count_paths(&r, t.gpus[0], same_pod), k / 2);
    ck_assert_double_eq(topo_route_count_paths(&r, t.gpus[0], other_pod), (k / 2) * (k / 2));
    ck_assert_uint_eq(topo_route_dist(&r, t.gpus[0], other_pod), 6);
    /* full bisection: half the hosts at 100 Gbps */
    ck_assert_double_eq_tol(st.bisection_bw_gbps, k * k * k / 8 * 100.0, 1e-6);
    teardown(&s, &t, &r);
}
END_TEST

/* A 2-tier fabric oversubscribed r:1 at the leaves: a leaf of radix k has
 * d = floor(k r/(r+1)) host ports and u = k - d uplinks, so across the
 * middle only (leaves/2) u B can flow, less than the (hosts/2) B the hosts
 * could send. */
START_TEST(oversubscribed_bisection)
{
    static const struct {
        int radix;
        double r;
    } cases[] = {{8, 1}, {8, 3}, {12, 2}, {16, 3}};
    int k = cases[_i].radix;
    double ratio = cases[_i].r;
    int d = (int)(k * ratio / (ratio + 1)), u = k - d, leaves = 4;
    char doc[512];
    snprintf(doc, sizeof doc,
             "{\"kind\": \"fat-tree\", \"servers\": %d, \"server\": " BARE ", \"fabric\": "
             "{\"tiers\": 2, \"radix\": %d, \"oversubscription\": %g, \"bw_gbps\": 100, "
             "\"latency_ns\": 100}}",
             leaves * d, k, ratio);
    topo_spec_t s;
    topo_t t;
    topo_route_t r;
    build(doc, &s, &t, &r);
    topo_stats_t st;
    topo_stats_compute(&t, &r, &st);
    ck_assert_int_eq(st.by_kind[TOPO_LEAF], leaves);
    ck_assert_int_eq(st.by_kind[TOPO_SPINE], u);
    double hosts_half = leaves * d / 2 * 100.0, up_half = leaves / 2 * u * 100.0;
    ck_assert_double_eq_tol(st.bisection_bw_gbps, hosts_half < up_half ? hosts_half : up_half,
                            1e-6);
    /* hosts on different leaves: one path per spine */
    ck_assert_double_eq(topo_route_count_paths(&r, t.gpus[0], t.gpus[d]), u);
    teardown(&s, &t, &r);
}
END_TEST

/* The 2020 Azure system as the preset reads it. */
START_TEST(azure_2020_preset)
{
    topo_spec_t s;
    topo_t t;
    topo_route_t r;
    build("{\"preset\": \"azure-2020\"}", &s, &t, &r);
    topo_stats_t st;
    topo_stats_compute(&t, &r, &st);
    ck_assert_int_eq(st.gpus, 10000);
    ck_assert_int_eq(st.gpu_servers, 1250);
    ck_assert_int_ge(st.cpu_cores, 285000);
    ck_assert_double_eq_tol(st.gpu_server_bw_gbps, 400, 1e-9);
    /* 36-port fat-tree: (k/2)^2 = 324 paths between pods, 10 hops GPU to GPU
     * (GPU, PCIe, NIC, leaf, aggregation, core, and back down) */
    ck_assert_int_eq(st.diameter_hops, 10);
    ck_assert_double_eq(topo_route_count_paths(&r, t.gpus[0], t.gpus[9999]), 324);
    /* 5,000 GPU-server NICs and 4,896 CPU-server NICs fill 18-port leaves */
    ck_assert_int_eq(st.by_kind[TOPO_LEAF], (5000 + 4896 + 17) / 18);
    ck_assert_int_eq(st.by_tier[TOPO_TIER_HOST], 5000 + 4896);
    teardown(&s, &t, &r);

    /* a smaller copy, and a 2:1 leaf tier */
    build("{\"preset\": \"azure-2020\", \"set\": {\"servers\": 32, \"cpu_servers\": 0, "
          "\"fabric.oversubscription\": 2}}",
          &s, &t, &r);
    ck_assert_int_eq(t.n_gpus, 256);
    topo_stats_compute(&t, &r, &st);
    /* 36 ports at 2:1: 24 down, 12 up; 128 NICs need 6 leaves */
    ck_assert_int_eq(st.by_kind[TOPO_LEAF], (128 + 23) / 24);
    teardown(&s, &t, &r);

    /* servers alone: a tenth of the system, CPU servers scaled with it
     * (4,896 x 125 / 1,250 = 489.6, rounded); and the server type changed
     * in place: 200 Gbps NICs on a 200 Gbps fabric double the server's
     * bandwidth */
    build("{\"preset\": \"azure-2020\", \"set\": {\"servers\": 125, "
          "\"server.nics.bw_gbps\": 200, \"fabric.bw_gbps\": 200}}",
          &s, &t, &r);
    ck_assert_int_eq(s.cpu_servers, 490);
    topo_stats_compute(&t, &r, &st);
    ck_assert_int_eq(st.servers, 125 + 490);
    ck_assert_double_eq_tol(st.gpu_server_bw_gbps, 800, 1e-9);
    teardown(&s, &t, &r);
}
END_TEST

/* Rail-optimized: leaf (block, rail) holds port `rail` of every server of
 * the block, and nothing else. */
START_TEST(rail_optimized_placement)
{
    topo_spec_t s;
    topo_t t;
    topo_route_t r;
    build("{\"preset\": \"selene-a100\", \"set\": {\"servers\": 45}}", &s, &t, &r);
    /* 40-port leaves, 20 down: blocks of 20 servers; 3 blocks x 8 rails */
    int leaves = 0;
    for (int32_t v = 0; v < t.n_vertices; v++) {
        if (t.kind[v] != TOPO_LEAF)
            continue;
        leaves++;
        int rail = -1, n = 0;
        for (int32_t i = t.in_off[v]; i < t.in_off[v + 1]; i++) {
            int32_t nic = t.esrc[t.in_edge[i]];
            if (t.kind[nic] != TOPO_NIC)
                continue;
            /* NIC index within its server: NICs are the last 8 vertices */
            int32_t first = nic;
            while (first > 0 && t.server[first - 1] == t.server[nic])
                first--;
            int idx = nic - (first + 8 + 1 + 4 + 2);
            ck_assert(rail < 0 || rail == idx);
            rail = idx;
            n++;
        }
        ck_assert_int_le(n, 20);
    }
    ck_assert_int_eq(leaves, 3 * 8);
    teardown(&s, &t, &r);

    /* The whole of Selene: 28 blocks of 20 servers; a pod of 20 leaves
     * takes 2 whole blocks (16 leaves), so every server's 8 leaves hang
     * under the same aggregation switches. */
    build("{\"preset\": \"selene-a100\"}", &s, &t, &r);
    for (int32_t g = 0; g < t.n_gpus; g += 8) {
        int32_t srv = t.server[t.gpus[g]], first_agg = -1;
        for (int32_t v = t.gpus[g]; v < t.n_vertices && t.server[v] == srv; v++) {
            if (t.kind[v] != TOPO_NIC)
                continue;
            int32_t leaf = t.edst[t.out_edge[t.out_off[v + 1] - 1]];
            ck_assert_int_eq(t.kind[leaf], TOPO_LEAF);
            int32_t agg = -1; /* the leaf's first aggregation switch */
            for (int32_t i = t.out_off[leaf]; i < t.out_off[leaf + 1] && agg < 0; i++)
                if (t.kind[t.edst[t.out_edge[i]]] == TOPO_SPINE)
                    agg = t.edst[t.out_edge[i]];
            if (first_agg < 0)
                first_agg = agg;
            ck_assert_int_eq(agg, first_agg);
        }
    }
    teardown(&s, &t, &r);
}
END_TEST

/* The routing rules, written out plainly: a hop costs 16, a PCIe hop 17;
 * a GPU in a server with a NIC is never passed through. */
static uint32_t edge_cost(const topo_t *t, int32_t e)
{
    return 16 + (t->tier[e] == TOPO_TIER_PCIE);
}

static uint8_t *transit_flags(const topo_t *t)
{
    uint8_t *nic = calloc((size_t)t->n_servers + 1, 1), *tr = malloc((size_t)t->n_vertices);
    for (int32_t v = 0; v < t->n_vertices; v++)
        if (t->kind[v] == TOPO_NIC && t->server[v] >= 0)
            nic[t->server[v]] = 1;
    for (int32_t v = 0; v < t->n_vertices; v++)
        tr[v] = !(t->kind[v] == TOPO_GPU && t->server[v] >= 0 && nic[t->server[v]]);
    free(nic);
    return tr;
}

/* Cheapest costs to d: Dijkstra over in-edges by repeated minimum search,
 * O(V^2): slow and obviously right. */
static uint32_t *costs_to(const topo_t *t, const uint8_t *transit, int32_t d)
{
    uint32_t *c = malloc((size_t)t->n_vertices * sizeof *c);
    uint8_t *done = calloc((size_t)t->n_vertices, 1);
    for (int32_t v = 0; v < t->n_vertices; v++)
        c[v] = UINT32_MAX;
    c[d] = 0;
    for (;;) {
        int32_t v = -1;
        for (int32_t u = 0; u < t->n_vertices; u++)
            if (!done[u] && c[u] != UINT32_MAX && (v < 0 || c[u] < c[v]))
                v = u;
        if (v < 0)
            break;
        done[v] = 1;
        if (v != d && !transit[v])
            continue;
        for (int32_t i = t->in_off[v]; i < t->in_off[v + 1]; i++) {
            int32_t e = t->in_edge[i], u = t->esrc[e];
            if (c[v] + edge_cost(t, e) < c[u])
                c[u] = c[v] + edge_cost(t, e);
        }
    }
    free(done);
    return c;
}

/* The compact tables give exactly the cheapest cost (in hops) from every
 * vertex to sampled GPUs, the next hops of every step are exactly the
 * edges that keep a path cheapest, and every routed path is cheapest.
 * Fabrics: a DGX-1 fat-tree with CPU servers, a rail-optimized DGX A100
 * one, a rail-optimized HGX H100 one of 3 tiers (whose servers' anchors,
 * one leaf per rail, lie far apart through the fabric), a torus of bare
 * GPUs and a dragonfly. */
START_TEST(routing_matches_reference)
{
    static const char *const docs[] = {
        "{\"preset\": \"azure-2020\", \"set\": {\"servers\": 20, \"cpu_servers\": 30}}",
        "{\"preset\": \"selene-a100\", \"set\": {\"servers\": 24}}",
        "{\"preset\": \"ndv5-h100\", \"set\": {\"servers\": 40}}",
        "{\"kind\": \"torus\", \"servers\": 36, \"server\": " BARE ", \"fabric\": "
        "{\"dims\": [3, 4, 3], \"bw_gbps\": 100, \"latency_ns\": 1}}",
        "{\"kind\": \"dragonfly\", \"servers\": 20, \"server\": \"dgx-a100\", \"fabric\": "
        "{\"groups\": 5, \"routers_per_group\": 4, \"hosts_per_router\": 8, "
        "\"global_links_per_router\": 1, \"local_bw_gbps\": 200, \"global_bw_gbps\": 200, "
        "\"latency_ns\": 1}}",
    };
    topo_spec_t s;
    topo_t t;
    topo_route_t r;
    build(docs[_i], &s, &t, &r);
    uint8_t *transit = transit_flags(&t);
    int32_t path[64];
    for (int32_t j = 0; j < t.n_gpus; j += 7) {
        int32_t d = t.gpus[j];
        uint32_t *ref = costs_to(&t, transit, d);
        /* (an NVSwitch reaches only its own GPUs: the rest lies behind
         * GPUs, which do not forward) */
        for (int32_t u = 0; u < t.n_vertices; u++)
            ck_assert_uint_eq(topo_route_dist(&r, u, d),
                              ref[u] == UINT32_MAX ? TOPO_ROUTE_UNREACHABLE : ref[u] / 16);
        for (int32_t i = 0; i < t.n_gpus; i += 5) {
            int32_t src = t.gpus[i];
            int hops = topo_route_path(&r, src, d, (uint64_t)(i * 7 + j), path, 64, NULL);
            ck_assert_int_eq(hops, (int)(ref[src] / 16));
            int32_t at = src;
            for (int h = 0; h < hops; h++) {
                ck_assert_int_eq(t.esrc[path[h]], at);
                ck_assert_uint_eq(ref[t.edst[path[h]]] + edge_cost(&t, path[h]), ref[at]);
                at = t.edst[path[h]];
            }
            ck_assert_int_eq(at, d);
            /* every cheapest next hop is taken by some flow id: over 200
             * flows, the first hops seen equal the reference set */
            int want = 0, seen = 0;
            for (int32_t k = t.out_off[src]; k < t.out_off[src + 1]; k++) {
                int32_t e = t.out_edge[k], v = t.edst[e];
                want += (v == d || transit[v]) && ref[v] + edge_cost(&t, e) == ref[src];
            }
            uint8_t *hit = calloc((size_t)t.n_edges, 1);
            for (uint64_t f = 0; f < 200 && src != d; f++) {
                topo_route_path(&r, src, d, f, path, 64, NULL);
                seen += !hit[path[0]];
                hit[path[0]] = 1;
            }
            free(hit);
            if (src != d)
                ck_assert_int_eq(seen, want);
        }
        free(ref);
    }
    free(transit);
    teardown(&s, &t, &r);
}
END_TEST

START_TEST(fabric_spec_errors)
{
    static const struct {
        const char *doc, *msg;
    } cases[] = {
        {"{\"kind\": \"fat-tree\", \"servers\": 100, \"server\": " BARE ", \"fabric\": "
         "{\"tiers\": 2, \"radix\": 8, \"bw_gbps\": 100, \"latency_ns\": 1}}",
         "s.json: topology.fabric: radix 8 is too small: 100 endpoints need 25 leaves of 4 "
         "endpoint ports, but a 2-tier fabric takes at most 8 leaves (32 endpoints); use 3 "
         "tiers or a larger radix"},
        {"{\"kind\": \"fat-tree\", \"servers\": 1, \"server\": \"dgx-2\", \"fabric\": {}}",
         "s.json: topology.server: unknown server type \"dgx-2\" (built in: cpu-2x24-edr, "
         "dgx-a100, dgx1-v100, hgx-h100, storage-ai400x, storage-ai400x2-ndr)"},
        {"{\"kind\": \"fat-tree\", \"servers\": 1, \"server\": {\"gpus\": 2, \"nics\": "
         "{\"count\": 1, \"bw_gbps\": 100, \"latency_ns\": 1, \"pcie\": [0]}}, \"fabric\": {}}",
         "s.json: topology.server.nics.pcie: the server has no pcie switches"},
        {"{\"kind\": \"fat-tree\", \"servers\": 1, \"server\": {\"gpus\": 2, \"nvlink\": "
         "{\"kind\": \"mesh\", \"bw_gbps\": 200, \"latency_ns\": 1, \"sharp\": true, \"links\": "
         "[[0, 1, 1]]}, \"nics\": {\"count\": 0}, \"gpu_port_bw_gbps\": 100}, \"fabric\": {}}",
         "s.json: topology.server.nvlink.sharp: only with \"kind\": \"nvswitch\""},
        {"{\"kind\": \"fat-tree\", \"servers\": 1, \"server\": {\"gpus\": 2, \"nvlink\": "
         "{\"kind\": \"nvswitch\", \"switches\": 1, \"bw_gbps\": 200, \"latency_ns\": 1, "
         "\"payload_efficiency\": 1.5}, \"nics\": {\"count\": 0}, \"gpu_port_bw_gbps\": 100}, "
         "\"fabric\": {}}",
         "s.json: topology.server.nvlink.payload_efficiency: 1.5 is out of range (from 0.01 to 1)"},
        {"{\"kind\": \"fat-tree\", \"servers\": 2, \"server\": " BARE ", \"cpu_servers\": 3, "
         "\"fabric\": {}}",
         "s.json: topology.cpu_server: missing: 3 cpu_servers need a type"},
        {"{\"kind\": \"fat-tree\", \"servers\": 2, \"server\": " BARE ", \"fabric\": "
         "{\"tiers\": 3, \"radix\": 8, \"oversubscription\": [1], \"bw_gbps\": 1, "
         "\"latency_ns\": 1}}",
         "s.json: topology.fabric.oversubscription: expected a number (the leaf tier) or an "
         "array of 2 numbers (leaf tier first), got [1]"},
        {"{\"kind\": \"torus\", \"servers\": 8, \"server\": " BARE ", \"fabric\": "
         "{\"dims\": [3, 3], \"bw_gbps\": 1, \"latency_ns\": 1}}",
         "s.json: topology.fabric.dims: a torus of 9 nodes for 8 servers: every server is one "
         "node"},
        {"{\"kind\": \"dragonfly\", \"servers\": 8, \"server\": " BARE ", \"fabric\": "
         "{\"groups\": 4, \"routers_per_group\": 2, \"hosts_per_router\": 1, "
         "\"global_links_per_router\": 1, \"local_bw_gbps\": 1, \"global_bw_gbps\": 1, "
         "\"latency_ns\": 1}}",
         "s.json: topology.fabric.groups: 4 groups do not share 2 global links per group evenly "
         "(groups - 1 must divide routers_per_group x global_links_per_router)"},
        {"{\"preset\": \"azure-2020\", \"set\": {\"fabric.radix\": 8}}",
         "s.json: topology.set.fabric: radix 8 is too small"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *v = test_json(cases[i].doc);
        topo_spec_t s;
        tn_error_t err = {0};
        ck_assert_int_eq(topo_spec_parse(&s, v, "s.json", "topology", &err), -1);
        ck_assert_msg(!strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)),
                      "case %zu: got \"%s\"", i, err.msg);
        json_decref(v);
    }
}
END_TEST

/* The DGX-1 hybrid cube-mesh: every V100 has 6 NVLink lanes of 200 Gbps,
 * each carrying 0.773 of that as data (the server's payload_efficiency). */
START_TEST(dgx1_nvlink_lanes)
{
    topo_spec_t s;
    topo_t t;
    topo_route_t r;
    build("{\"preset\": \"azure-2020\", \"set\": {\"servers\": 1, \"cpu_servers\": 0}}", &s, &t,
          &r);
    for (int32_t g = 0; g < 8; g++) {
        uint64_t nv = 0;
        for (int32_t i = t.out_off[t.gpus[g]]; i < t.out_off[t.gpus[g] + 1]; i++)
            if (t.tier[t.out_edge[i]] == TOPO_TIER_NVLINK)
                nv += t.bps[t.out_edge[i]];
        ck_assert_uint_eq(nv, 6 * 154600000000ull);
    }
    /* GPU 0 and GPU 5 share no NVLink, and traffic does not pass through
     * another GPU: PCIe switch, socket, socket, PCIe switch, 5 hops */
    ck_assert_uint_eq(topo_route_dist(&r, t.gpus[0], t.gpus[5]), 5);
    ck_assert_double_eq(topo_route_count_paths(&r, t.gpus[0], t.gpus[5]), 1);
    teardown(&s, &t, &r);

    /* DGX A100: GPUs 0 and 1 share a PCIe switch and the NVSwitch; equal
     * in hops, the NVSwitch wins (fewer PCIe hops) */
    build("{\"preset\": \"selene-a100\", \"set\": {\"servers\": 1}}", &s, &t, &r);
    int32_t path[8];
    for (uint64_t f = 0; f < 64; f++) {
        ck_assert_int_eq(topo_route_path(&r, t.gpus[0], t.gpus[1], f, path, 8, NULL), 2);
        ck_assert_int_eq(t.tier[path[0]], TOPO_TIER_NVLINK);
        ck_assert_int_eq(t.tier[path[1]], TOPO_TIER_NVLINK);
    }
    teardown(&s, &t, &r);
}
END_TEST

Suite *fabric_specs_suite(void)
{
    Suite *s = suite_create("fabric_specs");
    TCase *tc = tcase_create("specs");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, kary_fat_tree_counts, 0, 4);
    tcase_add_loop_test(tc, oversubscribed_bisection, 0, 4);
    tcase_add_test(tc, azure_2020_preset);
    tcase_add_test(tc, rail_optimized_placement);
    tcase_add_loop_test(tc, routing_matches_reference, 0, 5);
    tcase_add_test(tc, fabric_spec_errors);
    tcase_add_test(tc, dgx1_nvlink_lanes);
    suite_add_tcase(s, tc);
    return s;
}
