/* tests/check_storage.c — the storage tier (topology/storage.h): storage
 * vertices built from storage blocks, their disk links and capacities,
 * azure-2020's CPU servers as storage and the switch that turns them off,
 * routes from GPUs to storage, export/import keeping capacities, and every
 * bad storage block refused with its JSON path. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "topology/export.h"
#include "topology/import.h"
#include "topology/route.h"
#include "topology/spec.h"
#include "topology/stats.h"
#include "topology/storage.h"
#include "tests/helpers.h"
#include "tests/tests.h"

/* Two GPU servers (2 GPUs on a PCIe switch, a 100 Gbps NIC on it, one
 * socket) and `cpu` storage servers (one socket, one 100 Gbps NIC on it,
 * a disk of 12.5 Gbps and 2 TB) on the one leaf of a radix-16 fat-tree. */
#define GPU_SRV                                                                                    \
    "{\"gpus\": 2, \"pcie\": {\"switches\": 1, \"bw_gbps\": 126, \"latency_ns\": 100, "           \
    "\"gpus\": [0, 0], \"sockets\": [0]}, \"cpu\": {\"sockets\": 1, \"cores_per_socket\": 8}, "    \
    "\"nics\": {\"count\": 1, \"bw_gbps\": 100, \"latency_ns\": 100, \"pcie\": [0]}}"
#define STORE_SRV                                                                                  \
    "{\"gpus\": 0, \"pcie\": {\"switches\": 0, \"bw_gbps\": 126, \"latency_ns\": 100}, "          \
    "\"cpu\": {\"sockets\": 1, \"cores_per_socket\": 4}, \"nics\": {\"count\": 1, \"bw_gbps\": "   \
    "100, \"latency_ns\": 100, \"sockets\": [0]}, \"storage\": {\"bw_gbps\": 12.5, "              \
    "\"capacity_tb\": 2}}"
#define SMALL(cpu)                                                                                 \
    "{\"kind\": \"fat-tree\", \"servers\": 2, \"server\": " GPU_SRV ", \"cpu_servers\": " #cpu     \
    ", \"cpu_server\": " STORE_SRV ", \"fabric\": {\"tiers\": 2, \"radix\": 16, \"bw_gbps\": "      \
    "100, \"latency_ns\": 100}}"

static int32_t count_kind(const topo_t *t, topo_kind_t k)
{
    int32_t n = 0;
    for (int32_t v = 0; v < t->n_vertices; v++)
        n += t->kind[v] == k;
    return n;
}

/* azure-2020: 1,250 GPU servers and 4,896 CPU servers, each CPU server a
 * storage server by default: 4,896 storage vertices, each the last vertex
 * of its server, on a 32 Gbps disk link to socket 0 (where the NIC is),
 * 3.84 TB each. */
START_TEST(azure_cpu_servers_store_by_default)
{
    topo_spec_t s;
    topo_t t;
    test_fabric("{\"preset\": \"azure-2020\"}", &s, &t);
    ck_assert_int_eq(s.cpu_servers, 4896);
    ck_assert_int_eq(count_kind(&t, TOPO_STORAGE), 4896);
    topo_storage_t *l = NULL;
    int32_t n = topo_storage_list(&t, &l);
    ck_assert_int_eq(n, 4896);
    uint64_t bytes = 0;
    for (int32_t i = 0; i < n; i++) {
        int32_t v = l[i].vertex;
        ck_assert_int_eq(l[i].server, 1250 + i); /* one per CPU server, in order */
        ck_assert_uint_eq(l[i].bps, 32000000000u);
        ck_assert(v + 1 == t.n_vertices || t.server[v + 1] != t.server[v]); /* its server's last */
        ck_assert_int_eq(t.server[v - 1], t.server[v]);                     /* contiguous */
        ck_assert_int_eq(t.out_off[v + 1] - t.out_off[v], 1);
        int32_t e = t.out_edge[t.out_off[v]];
        ck_assert_int_eq(t.tier[e], TOPO_TIER_PCIE);
        ck_assert_int_eq(t.kind[t.edst[e]], TOPO_CPU);
        bytes += l[i].bytes;
    }
    free(l);
    ck_assert_uint_eq(bytes, 4896ull * 3840000000000ull);
    topo_storage_totals_t tot;
    topo_storage_totals(&t, &tot);
    ck_assert_int_eq(tot.servers, 4896);
    ck_assert_double_eq_tol(tot.bw_gbyte_s, 4896 * 32 / 8.0, 1e-6);
    ck_assert_double_eq_tol(tot.capacity_tb, 4896 * 3.84, 1e-6);
    int32_t with = t.n_vertices;
    topo_destroy(&t);
    topo_spec_destroy(&s);

    /* switched off: the same servers, one vertex fewer each */
    test_fabric("{\"preset\": \"azure-2020\", \"set\": {\"cpu_servers_role\": \"compute\"}}", &s,
                &t);
    ck_assert_int_eq(count_kind(&t, TOPO_STORAGE), 0);
    ck_assert_int_eq(t.n_vertices, with - 4896);
    topo_storage_totals(&t, &tot);
    ck_assert_int_eq(tot.vertices, 0);
    ck_assert_double_eq(tot.capacity_tb, 0);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* A route from a GPU to a storage vertex: GPU -> PCIe switch -> NIC ->
 * leaf -> storage server's NIC -> socket -> disk, 6 hops; its last edge is
 * the disk link (12.5 Gbps, tier pcie), and it crosses a host link at each
 * end. */
START_TEST(gpu_to_storage_route_crosses_disk_link)
{
    topo_spec_t s;
    topo_t t;
    test_fabric(SMALL(3), &s, &t);
    topo_storage_t *l = NULL;
    ck_assert_int_eq(topo_storage_list(&t, &l), 3);
    topo_route_t r;
    topo_route_init(&r, &t);
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(l[k].server, 2 + k);
        ck_assert_uint_eq(l[k].bps, 12500000000u);
        ck_assert_uint_eq(l[k].bytes, 2000000000000u);
        int32_t path[16];
        tn_error_t err;
        int hops = topo_route_path(&r, t.gpus[0], l[k].vertex, 7, path, 16, &err);
        ck_assert_int_eq(hops, 6);
        int32_t last = path[hops - 1];
        ck_assert_int_eq(t.edst[last], l[k].vertex);
        ck_assert_int_eq(t.kind[t.esrc[last]], TOPO_CPU);
        ck_assert_uint_eq(t.bps[last], 12500000000u);
        ck_assert_int_eq(t.tier[last], TOPO_TIER_PCIE);
        int host = 0;
        for (int i = 0; i < hops; i++)
            host += t.tier[path[i]] == TOPO_TIER_HOST;
        ck_assert_int_eq(host, 2);
    }
    free(l);
    topo_storage_totals_t tot;
    topo_storage_totals(&t, &tot);
    ck_assert_int_eq(tot.servers, 3);
    ck_assert_double_eq_tol(tot.bw_gbyte_s, 3 * 12.5 / 8, 1e-12);
    ck_assert_double_eq_tol(tot.capacity_tb, 3 * 2.0, 1e-12);
    topo_stats_t st;
    topo_stats_compute(&t, &r, &st);
    ck_assert_int_eq(st.storage.servers, 3);
    ck_assert_int_eq(st.cpu_cores, 2 * 8 + 3 * 4); /* a disk adds no cores */
    topo_route_destroy(&r);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* On azure-2020 too: GPU 0 reaches the first storage vertex, last hop
 * the 32 Gbps disk link. */
START_TEST(azure_gpu_reaches_storage)
{
    topo_spec_t s;
    topo_t t;
    test_fabric("{\"preset\": \"azure-2020\"}", &s, &t);
    topo_storage_t *l = NULL;
    ck_assert_int_gt(topo_storage_list(&t, &l), 0);
    topo_route_t r;
    topo_route_init(&r, &t);
    int32_t path[32];
    tn_error_t err;
    int hops = topo_route_path(&r, t.gpus[0], l[0].vertex, 1, path, 32, &err);
    ck_assert_int_gt(hops, 0);
    ck_assert_int_eq(t.edst[path[hops - 1]], l[0].vertex);
    ck_assert_uint_eq(t.bps[path[hops - 1]], 32000000000u);
    free(l);
    topo_route_destroy(&r);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* The single-switch preset: no storage by default; with storage.servers
 * 1, a NIC on the switch at the link rate and a 40 Gbps, 30 TB disk behind
 * it: GPU -> switch -> NIC -> disk, 3 hops. */
START_TEST(single_switch_storage)
{
    topo_spec_t s;
    topo_t t;
    test_fabric("{\"preset\": \"single-switch\"}", &s, &t);
    ck_assert_int_eq(count_kind(&t, TOPO_STORAGE), 0);
    ck_assert_int_eq(t.n_vertices, 8 + 1);
    topo_destroy(&t);
    topo_spec_destroy(&s);
    test_fabric("{\"preset\": \"single-switch\", \"set\": {\"storage.servers\": 1}}", &s, &t);
    topo_storage_t *l = NULL;
    ck_assert_int_eq(topo_storage_list(&t, &l), 1);
    ck_assert_uint_eq(l[0].bps, 40000000000u);
    ck_assert_uint_eq(l[0].bytes, 30000000000000u);
    ck_assert_int_eq(l[0].server, t.n_gpus); /* after the GPUs' servers */
    topo_route_t r;
    topo_route_init(&r, &t);
    ck_assert_uint_eq(topo_route_dist(&r, t.gpus[0], l[0].vertex), 3);
    free(l);
    topo_route_destroy(&r);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* Storage of the rail-optimized presets is off by default; cpu_servers
 * adds appliances of 8 NICs and one disk each. */
START_TEST(rail_presets_storage_off_by_default)
{
    static const struct {
        const char *preset;
        uint64_t bps, bytes;
    } p[] = {{"selene-a100", 280000000000u, 250000000000000u},
             {"ndv5-h100", 520000000000u, 500000000000000u}};
    char doc[160];
    topo_spec_t s;
    topo_t t;
    snprintf(doc, sizeof doc, "{\"preset\": \"%s\", \"set\": {\"servers\": 4}}", p[_i].preset);
    test_fabric(doc, &s, &t);
    ck_assert_int_eq(count_kind(&t, TOPO_STORAGE), 0);
    topo_destroy(&t);
    topo_spec_destroy(&s);
    snprintf(doc, sizeof doc, "{\"preset\": \"%s\", \"set\": {\"servers\": 4, \"cpu_servers\": 2}}",
             p[_i].preset);
    test_fabric(doc, &s, &t);
    topo_storage_t *l = NULL;
    ck_assert_int_eq(topo_storage_list(&t, &l), 2);
    ck_assert_uint_eq(l[1].bps, p[_i].bps);
    ck_assert_uint_eq(l[1].bytes, p[_i].bytes);
    ck_assert_int_eq(count_kind(&t, TOPO_NIC), 4 * 8 + 2 * 8);
    free(l);
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* Export and import keep capacities, in both formats. */
START_TEST(export_import_keeps_capacity)
{
    topo_spec_t s;
    topo_t t;
    test_fabric(SMALL(2), &s, &t);
    static const char *const ext[] = {".json", ".graphml"};
    for (int f = 0; f < 2; f++) {
        char *path = tmpfile_with("", ext[f]);
        tn_error_t err;
        int rc = f ? topo_export_graphml(&t, path, &err) : topo_export_json(&t, path, &err);
        ck_assert_msg(rc == 0, "%s", err.msg);
        topo_t u;
        topo_init(&u);
        ck_assert_msg(topo_import_file(&u, path, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(u.n_vertices, t.n_vertices);
        for (int32_t v = 0; v < t.n_vertices; v++)
            ck_assert_uint_eq(u.store_bytes[v], t.store_bytes[v]);
        ck_assert_int_eq(count_kind(&u, TOPO_STORAGE), 2);
        topo_destroy(&u);
        tmpfile_drop(path);
    }
    topo_destroy(&t);
    topo_spec_destroy(&s);
}
END_TEST

/* Bad storage blocks: one line naming the JSON path, TN_EINPUT. */
START_TEST(bad_storage_blocks)
{
#define SRV_WITH(st)                                                                               \
    "{\"kind\": \"fat-tree\", \"servers\": 2, \"server\": {\"gpus\": 1, \"cpu\": {\"sockets\": "   \
    "1, \"cores_per_socket\": 2}, \"nics\": {\"count\": 0}, \"gpu_port_bw_gbps\": 100, "           \
    "\"storage\": " st "}, \"fabric\": {\"tiers\": 2, \"radix\": 4, \"bw_gbps\": 100, "            \
    "\"latency_ns\": 1}}"
    static const struct {
        const char *doc, *want;
    } bad[] = {
        {SRV_WITH("{\"bw_gbps\": 0, \"capacity_tb\": 1}"), "t.json: topology.server.storage.bw_gbps"},
        {SRV_WITH("{\"bw_gbps\": -3, \"capacity_tb\": 1}"), "topology.server.storage.bw_gbps"},
        {SRV_WITH("{\"bw_gbps\": 10, \"capacity_tb\": 0}"), "topology.server.storage.capacity_tb"},
        {SRV_WITH("{\"bw_gbps\": 10, \"capacity_tb\": -1}"), "topology.server.storage.capacity_tb"},
        {SRV_WITH("{\"bw_gbps\": \"fast\", \"capacity_tb\": 1}"), "topology.server.storage.bw_gbps"},
        {SRV_WITH("{\"bw_gbps\": 10, \"capacity_tb\": [1]}"), "topology.server.storage.capacity_tb"},
        {SRV_WITH("{\"bw_gbps\": 10}"), "topology.server.storage.capacity_tb"},
        {SRV_WITH("{\"bw_gbps\": 10, \"capacity_tb\": 1, \"iops\": 5}"),
         "topology.server.storage.iops"},
        {SRV_WITH("7"), "topology.server.storage"},
        {"{\"kind\": \"fat-tree\", \"servers\": 1, \"server\": {\"gpus\": 1, \"nics\": {\"count\": "
         "0}, \"gpu_port_bw_gbps\": 100, \"storage\": {\"bw_gbps\": 1, \"capacity_tb\": 1}}, "
         "\"fabric\": {\"tiers\": 2, \"radix\": 4, \"bw_gbps\": 100, \"latency_ns\": 1}}",
         "topology.server.storage: the server has no cpu socket or nic"},
        {"{\"preset\": \"azure-2020\", \"set\": {\"cpu_servers_role\": \"archive\"}}",
         "topology.set.cpu_servers_role"},
        {"{\"preset\": \"azure-2020\", \"set\": {\"storage.bw_gbps\": 0}}",
         "topology.set.storage.bw_gbps"},
        {"{\"preset\": \"azure-2020\", \"set\": {\"storage\": {\"capacity_tb\": true}}}",
         "topology.set.storage.capacity_tb"},
        {"{\"preset\": \"single-switch\", \"set\": {\"storage.servers\": -1}}",
         "topology.set.storage.servers"},
        {"{\"preset\": \"single-switch\", \"set\": {\"storage.bw_gbps\": -1}}",
         "topology.set.storage.bw_gbps"},
        {"{\"kind\": \"fat-tree\", \"servers\": 2, \"server\": " GPU_SRV ", \"cpu_servers\": 1, "
         "\"cpu_server\": \"cpu-2x24-edr\", \"cpu_servers_role\": \"storage\", \"fabric\": "
         "{\"tiers\": 2, \"radix\": 8, \"bw_gbps\": 100, \"latency_ns\": 100}}",
         "topology.cpu_servers_role: \"storage\" needs a \"storage\" block"},
        {"{\"kind\": \"fat-tree\", \"servers\": 2, \"server\": " GPU_SRV ", \"storage\": "
         "{\"bw_gbps\": 1, \"capacity_tb\": 1}, \"fabric\": {\"tiers\": 2, \"radix\": 8, "
         "\"bw_gbps\": 100, \"latency_ns\": 100}}",
         "topology.storage: the disk of each cpu server"},
    };
    json_t *doc = test_json(bad[_i].doc);
    topo_spec_t s;
    tn_error_t err;
    ck_assert_int_eq(topo_spec_parse(&s, doc, "t.json", "topology", &err), -1);
    ck_assert_int_eq(err.code, TN_EINPUT);
    ck_assert_msg(strstr(err.msg, bad[_i].want) != NULL, "%s: got \"%s\"", bad[_i].want, err.msg);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
    json_decref(doc);
#undef SRV_WITH
}
END_TEST
#define N_BAD 17

Suite *storage_suite(void)
{
    Suite *s = suite_create("storage");
    TCase *tc = tcase_create("storage");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, azure_cpu_servers_store_by_default);
    tcase_add_test(tc, gpu_to_storage_route_crosses_disk_link);
    tcase_add_test(tc, azure_gpu_reaches_storage);
    tcase_add_test(tc, single_switch_storage);
    tcase_add_loop_test(tc, rail_presets_storage_off_by_default, 0, 2);
    tcase_add_test(tc, export_import_keeps_capacity);
    tcase_add_loop_test(tc, bad_storage_blocks, 0, N_BAD);
    suite_add_tcase(s, tc);
    return s;
}
