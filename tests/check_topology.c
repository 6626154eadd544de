/* tests/check_topology.c — the fabric graph, its checks, ECMP routing, and
 * fabric specs with presets and overrides. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "topology/route.h"
#include "topology/single_switch.h"
#include "topology/spec.h"
#include "tests/helpers.h"
#include "tests/tests.h"

START_TEST(single_switch_shape)
{
    topo_t t;
    topo_init(&t);
    topo_build_single_switch(&t, 16, 100000000000ull, 500000);
    tn_error_t err = {0};
    ck_assert_int_eq(topo_finalize(&t, &err), 0);
    ck_assert_int_eq(t.n_gpus, 16);
    ck_assert_int_eq(t.n_vertices, 17);
    ck_assert_int_eq(t.n_edges, 32); /* 16 cables, two directions each */
    ck_assert_int_eq(igraph_ecount(&t.graph), 32);
    ck_assert(igraph_is_directed(&t.graph));
    for (int32_t i = 0; i < 16; i++)
        ck_assert_int_eq(t.gpus[i], i);
    /* cable c: edge 2c is gpu -> switch, 2c+1 the way back */
    ck_assert_int_eq(t.esrc[6], 3);
    ck_assert_int_eq(t.edst[6], 16);
    ck_assert_int_eq(t.esrc[7], 16);
    ck_assert_int_eq(t.edst[7], 3);
    topo_destroy(&t);
    topo_destroy(NULL);
}
END_TEST

START_TEST(route_through_switch)
{
    topo_t t;
    topo_init(&t);
    topo_build_single_switch(&t, 8, 1000, 1);
    ck_assert_int_eq(topo_finalize(&t, NULL), 0);
    topo_route_t r;
    topo_route_init(&r, &t);
    int32_t path[8];
    ck_assert_int_eq(topo_route_path(&r, 2, 5, 0, path, 8, NULL), 2);
    ck_assert_int_eq(path[0], 4);  /* gpu 2 -> switch */
    ck_assert_int_eq(path[1], 11); /* switch -> gpu 5 */
    ck_assert_int_eq(topo_route_path(&r, 5, 5, 0, path, 8, NULL), 0);
    tn_error_t err = {0};
    ck_assert_int_eq(topo_route_path(&r, 2, 5, 0, path, 1, &err), -1);
    topo_route_destroy(&r);
    topo_destroy(&t);
}
END_TEST

/* Two GPUs joined through k parallel switches: k equal-cost paths. Flows
 * must spread over all of them, near 1/k each, and a flow id must always
 * take the same path. */
START_TEST(ecmp_spreads_and_is_deterministic)
{
    enum { K = 4, FLOWS = 8000 };
    topo_t t;
    topo_init(&t);
    int32_t a = topo_add_vertex(&t, TOPO_GPU, 0, 0);
    int32_t b = topo_add_vertex(&t, TOPO_GPU, 1, 0);
    for (int k = 0; k < K; k++) {
        int32_t s = topo_add_vertex(&t, TOPO_LEAF, -1, 0);
        topo_add_cable(&t, a, s, 1000, 0, TOPO_TIER_HOST);
        topo_add_cable(&t, s, b, 1000, 0, TOPO_TIER_HOST);
    }
    ck_assert_int_eq(topo_finalize(&t, NULL), 0);
    topo_route_t r;
    topo_route_init(&r, &t);
    int count[K] = {0};
    int32_t p[4], q[4];
    for (uint64_t f = 0; f < FLOWS; f++) {
        ck_assert_int_eq(topo_route_path(&r, a, b, f, p, 4, NULL), 2);
        ck_assert_int_eq(topo_route_path(&r, a, b, f, q, 4, NULL), 2);
        ck_assert_int_eq(p[0], q[0]);
        ck_assert_int_eq(t.edst[p[0]], t.esrc[p[1]]); /* a path, hop to hop */
        count[t.edst[p[0]] - 2]++;
    }
    /* binomial(8000, 1/4): sd = 38.7; 5 sd either side */
    for (int k = 0; k < K; k++)
        ck_assert_int_lt(abs(count[k] - FLOWS / K), 194);
    topo_route_destroy(&r);
    topo_destroy(&t);
}
END_TEST

START_TEST(finalize_rejects_bad_fabrics)
{
    tn_error_t err = {0};
    topo_t t;
    topo_init(&t);
    topo_add_vertex(&t, TOPO_GPU, 0, 0);
    topo_add_vertex(&t, TOPO_GPU, 1, 0);
    int32_t s = topo_add_vertex(&t, TOPO_LEAF, -1, 0);
    topo_add_cable(&t, 0, s, 100, 0, TOPO_TIER_HOST);
    ck_assert_int_eq(topo_finalize(&t, &err), -1);
    ck_assert_str_eq(err.msg, "the fabric is disconnected: gpu 0 cannot reach gpu 1");
    topo_destroy(&t);

    topo_init(&t);
    topo_add_vertex(&t, TOPO_GPU, 0, 0);
    s = topo_add_vertex(&t, TOPO_LEAF, -1, 0);
    topo_add_cable(&t, 0, s, 0, 0, TOPO_TIER_HOST);
    ck_assert_int_eq(topo_finalize(&t, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "zero capacity"));
    topo_destroy(&t);

    topo_init(&t);
    topo_add_vertex(&t, TOPO_LEAF, -1, 0);
    ck_assert_int_eq(topo_finalize(&t, &err), -1);
    ck_assert_str_eq(err.msg, "the fabric has no gpu");
    topo_destroy(&t);
}
END_TEST

static int parse_spec(const char *doc, topo_spec_t *s, tn_error_t *err)
{
    json_t *v = test_json(doc);
    int rc = topo_spec_parse(s, v, "s.json", "topology", err);
    json_decref(v);
    return rc;
}

START_TEST(spec_preset_with_overrides)
{
    topo_spec_t s;
    tn_error_t err = {0};
    ck_assert_int_eq(parse_spec("{\"preset\": \"single-switch\", \"set\": {\"gpus\": 4, "
                                "\"link.bw_gbps\": 400, \"link.latency_ns\": 0.25}}",
                                &s, &err),
                     0);
    ck_assert_str_eq(s.preset, "single-switch");
    ck_assert_uint_eq(s.single_switch.gpus, 4);
    ck_assert_uint_eq(s.single_switch.bps, 400000000000ull);
    ck_assert_uint_eq(s.single_switch.latency_ps, 250);
    topo_t t;
    topo_init(&t);
    ck_assert_int_eq(topo_spec_build(&s, &t, &err), 0);
    ck_assert_int_eq(t.n_gpus, 4);
    ck_assert_uint_eq(t.bps[0], 400000000000ull);
    topo_destroy(&t);
    topo_spec_destroy(&s);

    /* a group override changes only the keys it names */
    ck_assert_int_eq(parse_spec("{\"preset\": \"single-switch\", \"set\": {\"link\": "
                                "{\"bw_gbps\": 25}}}",
                                &s, &err),
                     0);
    ck_assert_uint_eq(s.single_switch.bps, 25000000000ull);
    ck_assert_uint_eq(s.single_switch.latency_ps, 500000);
    topo_spec_destroy(&s);
    ck_assert_int_eq(parse_spec("{\"preset\": \"single-switch\", \"set\": {\"link\": "
                                "{\"bw\": 25}}}",
                                &s, &err),
                     -1);
    ck_assert_str_eq(err.msg, "s.json: topology.set.link.bw: the preset has no key \"bw\"");

    /* the preset alone: 8 GPUs at 100 Gbps, 500 ns */
    ck_assert_int_eq(parse_spec("{\"preset\": \"single-switch\"}", &s, &err), 0);
    ck_assert_uint_eq(s.single_switch.gpus, 8);
    ck_assert_uint_eq(s.single_switch.bps, 100000000000ull);
    ck_assert_uint_eq(s.single_switch.latency_ps, 500000);
    topo_spec_destroy(&s);

    /* a full spec, without a preset */
    ck_assert_int_eq(parse_spec("{\"kind\": \"single-switch\", \"gpus\": 2, \"link\": "
                                "{\"bw_gbps\": 1, \"latency_ns\": 1}}",
                                &s, &err),
                     0);
    ck_assert_ptr_null(s.preset);
    ck_assert_uint_eq(s.single_switch.gpus, 2);
    topo_spec_destroy(&s);
}
END_TEST

START_TEST(spec_errors)
{
    static const struct {
        const char *doc, *msg;
    } cases[] = {
        {"{\"preset\": \"azure-2021\"}",
         "s.json: topology.preset: unknown preset \"azure-2021\" (built in: azure-2020, "
         "h100-100k, ndv5-h100, selene-a100, single-switch)"},
        {"{\"preset\": \"single-switch\", \"set\": {\"link.bw_gpbs\": 1}}",
         "s.json: topology.set.link.bw_gpbs: the preset has no key \"bw_gpbs\""},
        {"{\"preset\": \"single-switch\", \"set\": {\"link.bw_gbps\": -1}}",
         "s.json: topology.set.link.bw_gbps: -1 is out of range (from 1e-06 to 1e+06)"},
        {"{\"preset\": \"single-switch\", \"set\": {\"gpus\": 0}}",
         "s.json: topology.set.gpus: expected a positive integer, got 0"},
        {"{\"preset\": \"single-switch\", \"sett\": {}}",
         "s.json: topology.sett: unknown key (did you mean \"set\"?)"},
        {"{\"kind\": \"ring\"}",
         "s.json: topology.kind: unknown value \"ring\" (expected one of: single-switch, "
         "fat-tree, rail-optimized, dragonfly, torus, graph)"},
        {"{\"kind\": \"single-switch\", \"gpus\": 2}", "s.json: topology.link: missing required key"},
        {"[1]", "s.json: topology: expected an object, got [1]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        topo_spec_t s;
        tn_error_t err = {0};
        ck_assert_int_eq(parse_spec(cases[i].doc, &s, &err), -1);
        ck_assert_str_eq(err.msg, cases[i].msg);
        ck_assert_ptr_null(s.spec); /* nothing left to free */
    }
}
END_TEST

Suite *topology_suite(void)
{
    Suite *s = suite_create("topology");
    TCase *tc = tcase_create("graph");
    tcase_add_test(tc, single_switch_shape);
    tcase_add_test(tc, route_through_switch);
    tcase_add_test(tc, ecmp_spreads_and_is_deterministic);
    tcase_add_test(tc, finalize_rejects_bad_fabrics);
    suite_add_tcase(s, tc);
    tc = tcase_create("spec");
    tcase_add_test(tc, spec_preset_with_overrides);
    tcase_add_test(tc, spec_errors);
    suite_add_tcase(s, tc);
    return s;
}
