/* tests/check_topo_kinds.c — conformance of the topology-kind table: every
 * row of topo_spec_kinds[] has a help line, is found by its name, and
 * builds a small instance whose counts match the kind's formula. The
 * examples are keyed by kind name, so a new row without one fails here
 * until it gets one. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/export.h"
#include "topology/spec.h"
#include "tests/helpers.h"
#include "tests/tests.h"

/* Two bare GPUs, each one fabric port: no cables inside the server, so
 * every count below is the fabric's. */
#define SERVER "{\"gpus\": 2, \"gpu_port_bw_gbps\": 100}"
/* One bare GPU: a torus node whose links all go to its one port (with two
 * unconnected GPUs, dimension 0 and 1 would make two separate fabrics). */
#define SERVER1 "{\"gpus\": 1, \"gpu_port_bw_gbps\": 100}"

typedef struct {
    int32_t gpus, servers, switches, edges; /* edges: directed, 2 per cable */
} counts_t;

typedef struct {
    const char *kind;
    const char *spec; /* JSON; "%s" in the graph example is the file */
    counts_t want;
} example_t;

static const example_t examples[] = {
    /* 4 GPUs, each its own server, on 1 switch: 4 cables. */
    {"single-switch",
     "{\"kind\": \"single-switch\", \"gpus\": 4, \"link\": {\"bw_gbps\": 100, \"latency_ns\": 1}}",
     {4, 4, 1, 2 * 4}},
    /* 4 servers x 2 ports = 8 ports; radix 4, 1:1, so a leaf has d1 = 2
     * ports down and u1 = 2 up: ceil(8/2) = 4 leaves, u1 = 2 spines; 8
     * host cables + 4 x 2 leaf-spine cables = 16. */
    {"fat-tree",
     "{\"kind\": \"fat-tree\", \"servers\": 4, \"server\": " SERVER ", \"fabric\": {\"tiers\": 2, "
     "\"radix\": 4, \"bw_gbps\": 100, \"latency_ns\": 1}}",
     {8, 4, 4 + 2, 2 * (8 + 4 * 2)}},
    /* As the fat-tree, servers in blocks of d1 = 2 with one leaf per rail
     * (2 rails) in each of the 2 blocks: 4 leaves, 2 spines, 16 cables. */
    {"rail-optimized",
     "{\"kind\": \"rail-optimized\", \"servers\": 4, \"server\": " SERVER ", \"fabric\": "
     "{\"tiers\": 2, \"radix\": 4, \"bw_gbps\": 100, \"latency_ns\": 1}}",
     {8, 4, 4 + 2, 2 * (8 + 4 * 2)}},
    /* g = 3 groups of a = 2 routers, h = 1: 6 routers; 8 host cables, one
     * local cable per group (C(2,2) = 1, so 3), and g a h / 2 = 3 global
     * cables (each pair of groups joined by a h / (g-1) = 1): 14. */
    {"dragonfly",
     "{\"kind\": \"dragonfly\", \"servers\": 4, \"server\": " SERVER ", \"fabric\": {\"groups\": "
     "3, \"routers_per_group\": 2, \"hosts_per_router\": 2, \"global_links_per_router\": 1, "
     "\"local_bw_gbps\": 100, \"global_bw_gbps\": 100, \"latency_ns\": 1}}",
     {8, 4, 2 * 3, 2 * (8 + 3 + 3)}},
    /* 3 x 3 single-GPU nodes, no switches; each node one cable to its +
     * neighbour in each of the 2 dimensions of size 3: 9 x 2 = 18 cables. */
    {"torus",
     "{\"kind\": \"torus\", \"servers\": 9, \"server\": " SERVER1 ", \"fabric\": {\"dims\": [3, 3], "
     "\"bw_gbps\": 100, \"latency_ns\": 1}}",
     {9, 9, 0, 2 * 9 * 2}},
    /* The single-switch example above, exported and read back. */
    {"graph", "{\"kind\": \"graph\", \"file\": \"%s\"}", {4, 4, 1, 2 * 4}},
};

static counts_t count(const topo_t *t)
{
    counts_t c = {t->n_gpus, 0, 0, t->n_edges};
    int32_t top = -1;
    for (int32_t v = 0; v < t->n_vertices; v++) {
        c.switches += t->server[v] < 0;
        top = t->server[v] > top ? t->server[v] : top;
    }
    /* servers are numbered 0 .. n-1 by every builder: count the distinct */
    char *seen = calloc((size_t)top + 2, 1);
    for (int32_t v = 0; v < t->n_vertices; v++)
        if (t->server[v] >= 0 && !seen[t->server[v]]++)
            c.servers++;
    free(seen);
    return c;
}

static int build_json(const char *text, topo_t *t, tn_error_t *err)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    ck_assert_msg(j != NULL, "%s: %s", text, je.text);
    topo_spec_t s;
    int rc = topo_spec_parse(&s, j, "example.json", "topology", err);
    json_decref(j);
    topo_init(t);
    if (rc == 0)
        rc = topo_spec_build(&s, t, err);
    topo_spec_destroy(&s);
    return rc;
}

/* A file with the single-switch example, for the graph kind. */
static char *graph_file(void)
{
    topo_t t;
    tn_error_t err;
    ck_assert_int_eq(build_json(examples[0].spec, &t, &err), 0);
    char *path = tmpfile_with("", ".graphml");
    ck_assert_int_eq(topo_export_graphml(&t, path, &err), 0);
    topo_destroy(&t);
    return path;
}

START_TEST(every_kind_builds_its_formula)
{
    const topo_spec_kind_t *k = &topo_spec_kinds[_i];
    ck_assert_msg(k->help && k->help[0], "kind %s has no help text", k->name);
    ck_assert_ptr_eq(topo_spec_kind_find(k->name), k);
    const example_t *ex = TEST_EXAMPLE_FOR(examples, k->name, "kind");
    char text[1024];
    char *file = test_example_text(text, sizeof text, ex->spec, graph_file);
    topo_t t;
    tn_error_t err = {0};
    int rc = build_json(text, &t, &err);
    ck_assert_msg(rc == 0, "%s: %s", k->name, err.msg);
    counts_t got = count(&t);
    ck_assert_msg(got.gpus == ex->want.gpus && got.servers == ex->want.servers &&
                      got.switches == ex->want.switches && got.edges == ex->want.edges,
                  "%s: got %d gpus, %d servers, %d switches, %d edges; want %d, %d, %d, %d",
                  k->name, got.gpus, got.servers, got.switches, got.edges, ex->want.gpus,
                  ex->want.servers, ex->want.switches, ex->want.edges);
    topo_destroy(&t);
    if (file)
        tmpfile_drop(file);
}
END_TEST

START_TEST(unknown_kind_lists_the_table)
{
    topo_t t;
    tn_error_t err = {0};
    ck_assert_int_ne(build_json("{\"kind\": \"hypercube\"}", &t, &err), 0);
    TEST_MSG_NAMES_ROWS(err.msg, topo_spec_kinds, topo_spec_kinds_n, name);
    topo_destroy(&t);
    ck_assert_ptr_null(topo_spec_kind_find("hypercube"));
}
END_TEST

Suite *topo_kinds_suite(void)
{
    Suite *s = suite_create("topo_kinds");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, every_kind_builds_its_formula, 0, (int)topo_spec_kinds_n);
    tcase_add_test(tc, unknown_kind_lists_the_table);
    suite_add_tcase(s, tc);
    return s;
}
