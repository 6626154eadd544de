/* tests/check_export.c — topology export (GraphML, JSON) and import: exact
 * round trips of a small fabric, hand-written files, and the message of
 * each kind of bad input. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "topology/export.h"
#include "topology/import.h"
#include "tests/helpers.h"
#include "tests/tests.h"

#define GBPS 1000000000ull

/* Two servers, each with two GPUs on NVLink, a NIC and a CPU socket (20
 * cores) on PCIe; the NICs go to one leaf, the leaf to a spine over two
 * parallel cables (the second added spine-first), and a storage box hangs
 * off the spine. Rates and latencies include values that are not whole
 * Gbps or ns, so an export that rounds would be caught. */
static void build_fabric(topo_t *t)
{
    topo_init(t);
    int32_t nic[2];
    for (int32_t s = 0; s < 2; s++) {
        int32_t g0 = topo_add_vertex(t, TOPO_GPU, s, 0);
        int32_t g1 = topo_add_vertex(t, TOPO_GPU, s, 0);
        nic[s] = topo_add_vertex(t, TOPO_NIC, s, 0);
        int32_t cpu = topo_add_vertex(t, TOPO_CPU, s, 20);
        topo_add_cable(t, g0, g1, 2400 * GBPS, 250, TOPO_TIER_NVLINK);          /* 0.25 ns */
        topo_add_cable(t, g0, nic[s], 12500000000ull, 100000, TOPO_TIER_PCIE);  /* 12.5 Gbps */
        topo_add_cable(t, g1, nic[s], 12500000000ull, 100000, TOPO_TIER_PCIE);
        topo_add_cable(t, cpu, nic[s], 123456789012ull, 1, TOPO_TIER_PCIE);     /* 0.001 ns */
    }
    int32_t leaf = topo_add_vertex(t, TOPO_LEAF, -1, 0);
    int32_t spine = topo_add_vertex(t, TOPO_SPINE, -1, 0);
    int32_t disk = topo_add_vertex(t, TOPO_STORAGE, -1, 0);
    for (int32_t s = 0; s < 2; s++)
        topo_add_cable(t, nic[s], leaf, 200 * GBPS, 500000, TOPO_TIER_HOST);
    topo_add_cable(t, leaf, spine, 400 * GBPS, 750500, TOPO_TIER_LEAF);        /* 750.5 ns */
    topo_add_cable(t, spine, leaf, 400 * GBPS, 750500, TOPO_TIER_LEAF);
    /* 2^51 - 1 bit/s needs 16 significant digits in Gbps */
    topo_add_cable(t, spine, disk, 2251799813685247ull, 123456789, TOPO_TIER_SPINE);
    topo_add_cable(t, disk, leaf, 1, 0, TOPO_TIER_HOST); /* 1 bit/s, no latency */
    ck_assert_int_eq(topo_finalize(t, NULL), 0);
}

static void assert_same(const topo_t *a, const topo_t *b)
{
    ck_assert_int_eq(a->n_vertices, b->n_vertices);
    for (int32_t v = 0; v < a->n_vertices; v++) {
        ck_assert_int_eq(a->kind[v], b->kind[v]);
        ck_assert_int_eq(a->server[v], b->server[v]);
        ck_assert_int_eq(a->cores[v], b->cores[v]);
    }
    ck_assert_int_eq(a->n_edges, b->n_edges);
    for (int32_t e = 0; e < a->n_edges; e++) {
        ck_assert_int_eq(a->esrc[e], b->esrc[e]);
        ck_assert_int_eq(a->edst[e], b->edst[e]);
        ck_assert_uint_eq(a->bps[e], b->bps[e]);
        ck_assert_uint_eq(a->latency_ps[e], b->latency_ps[e]);
        ck_assert_int_eq(a->tier[e], b->tier[e]);
    }
    ck_assert_int_eq(a->n_gpus, b->n_gpus);
    ck_assert_int_eq(a->n_servers, b->n_servers);
}

/* A fresh directory under /tmp; the caller removes it with drop_dir(). */
static char *make_dir(void)
{
    char *dir = strdup("/tmp/tensim-export-XXXXXX");
    ck_assert_ptr_nonnull(dir);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

/* Number of entries in dir besides . and .., and removes them and dir. */
static int drop_dir(char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    char path[512];
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        n++;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
    free(dir);
    return n;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(fread(s, 1, (size_t)n, f), n);
    s[n] = '\0';
    fclose(f);
    return s;
}

START_TEST(graphml_round_trip)
{
    topo_t t, back;
    build_fabric(&t);
    char *dir = make_dir(), path[256];
    snprintf(path, sizeof path, "%s/fabric.graphml", dir);
    tn_error_t err = {0};
    ck_assert_int_eq(topo_export_graphml(&t, path, &err), 0);

    /* the text a planner's tools read: typed keys, one edge per direction */
    char *text = slurp(path);
    ck_assert_ptr_nonnull(strstr(text, "edgedefault=\"directed\""));
    ck_assert_ptr_nonnull(
        strstr(text, "<key id=\"bw_gbps\" for=\"edge\" attr.name=\"bw_gbps\" "
                     "attr.type=\"double\"/>"));
    ck_assert_ptr_nonnull(strstr(text, "<data key=\"kind\">cpu</data>"));
    ck_assert_ptr_nonnull(strstr(text, "<data key=\"cores\">20</data>"));
    ck_assert_ptr_nonnull(strstr(text, "<data key=\"bw_gbps\">12.5</data>"));
    ck_assert_ptr_nonnull(strstr(text, "<data key=\"latency_ns\">0.25</data>"));
    ck_assert_ptr_nonnull(strstr(text, "<data key=\"latency_ns\">750.5</data>"));
    ck_assert_ptr_nonnull(strstr(text, "<data key=\"bw_gbps\">123.456789012</data>"));
    ck_assert_ptr_nonnull(strstr(text, "<edge id=\"e1\" source=\"n1\" target=\"n0\">"));
    free(text);

    /* the import lends igraph an attribute handler and takes it back */
    bool had_table = igraph_has_attribute_table();
    topo_init(&back);
    ck_assert_msg(topo_import_file(&back, path, &err) == 0, "%s", err.msg);
    ck_assert(igraph_has_attribute_table() == had_table);
    assert_same(&t, &back);
    ck_assert_int_eq(igraph_ecount(&back.graph), t.n_edges);
    topo_destroy(&back);
    topo_destroy(&t);
    ck_assert_int_eq(drop_dir(dir), 1); /* no temporary left behind */
}
END_TEST

START_TEST(json_round_trip)
{
    topo_t t, back;
    build_fabric(&t);
    char *dir = make_dir(), path[256];
    snprintf(path, sizeof path, "%s/fabric.json", dir);
    tn_error_t err = {0};
    ck_assert_int_eq(topo_export_json(&t, path, &err), 0);

    /* one link per cable, in cable order; whole units as integers */
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "tensim_topology")), 1);
    ck_assert_int_eq(json_array_size(json_object_get(doc, "vertices")), t.n_vertices);
    json_t *links = json_object_get(doc, "links");
    ck_assert_int_eq(json_array_size(links), t.n_edges / 2);
    json_t *l0 = json_array_get(links, 0), *l1 = json_array_get(links, 1);
    ck_assert(json_is_integer(json_object_get(l0, "bw_gbps")));
    ck_assert_int_eq(json_integer_value(json_object_get(l0, "bw_gbps")), 2400);
    ck_assert_double_eq(json_real_value(json_object_get(l0, "latency_ns")), 0.25);
    ck_assert_double_eq(json_real_value(json_object_get(l1, "bw_gbps")), 12.5);
    ck_assert_str_eq(json_string_value(json_object_get(l1, "tier")), "pcie");
    ck_assert_int_eq(json_integer_value(json_object_get(l1, "a")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(l1, "b")), 2);
    json_t *v3 = json_array_get(json_object_get(doc, "vertices"), 3);
    ck_assert_str_eq(json_string_value(json_object_get(v3, "kind")), "cpu");
    ck_assert_int_eq(json_integer_value(json_object_get(v3, "cores")), 20);
    json_decref(doc);

    topo_init(&back);
    ck_assert_msg(topo_import_file(&back, path, &err) == 0, "%s", err.msg);
    assert_same(&t, &back);
    topo_destroy(&back);
    topo_destroy(&t);
    ck_assert_int_eq(drop_dir(dir), 1);
}
END_TEST

START_TEST(export_unwritable)
{
    topo_t t;
    build_fabric(&t);
    tn_error_t err = {0};
    const char *path = "/nonexistent-tensim-dir/fabric.json";
    ck_assert_int_eq(topo_export_json(&t, path, &err), -1);
    ck_assert_int_eq(err.code, TN_EIO);
    ck_assert_str_eq(err.msg, "/nonexistent-tensim-dir/fabric.json: cannot write: "
                              "No such file or directory");
    ck_assert_int_eq(topo_export_graphml(&t, "/nonexistent-tensim-dir/f.graphml", &err), -1);
    ck_assert_int_eq(err.code, TN_EIO);
    topo_destroy(&t);
}
END_TEST

/* --- hand-written GraphML -------------------------------------------- */

#define GML_HEAD                                                                          \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                        \
    "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"                         \
    "  <key id=\"k\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n"            \
    "  <key id=\"s\" for=\"node\" attr.name=\"server\" attr.type=\"int\"/>\n"             \
    "  <key id=\"b\" for=\"edge\" attr.name=\"bw_gbps\" attr.type=\"double\"/>\n"         \
    "  <key id=\"l\" for=\"edge\" attr.name=\"latency_ns\" attr.type=\"double\"/>\n"      \
    "  <key id=\"t\" for=\"edge\" attr.name=\"tier\" attr.type=\"string\"/>\n"

#define GML_NODE(id, kind, server)                                                         \
    "    <node id=\"" id "\"><data key=\"k\">" kind "</data>"                              \
    "<data key=\"s\">" server "</data></node>\n"
#define GML_EDGE(src, dst, bw, lat, tier)                                                  \
    "    <edge source=\"" src "\" target=\"" dst "\"><data key=\"b\">" bw "</data>"        \
    "<data key=\"l\">" lat "</data><data key=\"t\">" tier "</data></edge>\n"

/* Imports text (written to a file ending in suffix); returns the result,
 * with err's message as "FILE: ..." turned into "@: ..." so tests can
 * compare whole messages. */
static int import_text(topo_t *t, const char *text, const char *suffix, tn_error_t *err)
{
    char *path = tmpfile_with(text, suffix);
    topo_init(t);
    int rc = topo_import_file(t, path, err);
    size_t n = strlen(path);
    if (rc != 0 && !strncmp(err->msg, path, n)) {
        err->msg[0] = '@';
        memmove(err->msg + 1, err->msg + n, strlen(err->msg + n) + 1);
    }
    tmpfile_drop(path);
    return rc;
}

static void expect_error(const char *text, const char *suffix, const char *want)
{
    topo_t t;
    tn_error_t err = {0};
    ck_assert_int_eq(import_text(&t, text, suffix, &err), -1);
    ck_assert_int_eq(err.code, TN_EINPUT);
    ck_assert_str_eq(err.msg, want);
    topo_destroy(&t);
}

START_TEST(graphml_undirected_is_one_cable)
{
    const char *doc = GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                      GML_NODE("a", "gpu", "0") GML_NODE("b", "gpu", "1")
                      GML_EDGE("b", "a", "100", "1.5", "host")
                      "  </graph>\n</graphml>\n";
    topo_t t;
    tn_error_t err = {0};
    ck_assert_msg(import_text(&t, doc, ".graphml", &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.n_vertices, 2);
    ck_assert_int_eq(t.n_edges, 2); /* one cable, both directions */
    ck_assert_int_eq(t.esrc[0], 1); /* as written, from b to a */
    ck_assert_int_eq(t.edst[0], 0);
    ck_assert_int_eq(t.esrc[1], 0);
    ck_assert_int_eq(t.edst[1], 1);
    ck_assert_uint_eq(t.bps[0], 100 * GBPS);
    ck_assert_uint_eq(t.bps[1], 100 * GBPS);
    ck_assert_uint_eq(t.latency_ps[0], 1500);
    ck_assert_int_eq(t.tier[1], TOPO_TIER_HOST);
    ck_assert_int_eq(t.server[1], 1);
    ck_assert_int_eq(t.cores[0], 0); /* no cores key: 0 */
    ck_assert_int_eq(t.n_gpus, 2);
    topo_destroy(&t);
}
END_TEST

/* tensim's export writes a cable as two edges, one each way; declared
 * undirected, the pair is still one cable (an edge and a later one written
 * the other way with the same attributes), so the fabric is the same as
 * the directed file's. Edges written the same way twice are two cables. */
START_TEST(graphml_undirected_export_is_same_fabric)
{
    topo_t t, back;
    build_fabric(&t);
    char *dir = make_dir(), path[256];
    snprintf(path, sizeof path, "%s/fabric.graphml", dir);
    tn_error_t err = {0};
    ck_assert_int_eq(topo_export_graphml(&t, path, &err), 0);
    char *text = slurp(path);
    char *at = strstr(text, "edgedefault=\"directed\"");
    ck_assert_ptr_nonnull(at);
    size_t n = strlen(text);
    char *edited = malloc(n + 3);
    ck_assert_ptr_nonnull(edited);
    size_t head = (size_t)(at - text) + strlen("edgedefault=\"");
    memcpy(edited, text, head);
    memcpy(edited + head, "un", 2);
    memcpy(edited + head + 2, text + head, n - head + 1);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(edited, f);
    fclose(f);
    topo_init(&back);
    ck_assert_msg(topo_import_file(&back, path, &err) == 0, "%s", err.msg);
    assert_same(&t, &back);
    topo_destroy(&back);
    topo_destroy(&t);
    free(edited);
    free(text);
    ck_assert_int_eq(drop_dir(dir), 1);

    const char *doc = GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                      GML_NODE("a", "gpu", "0") GML_NODE("b", "gpu", "1")
                      GML_EDGE("a", "b", "100", "1", "host") GML_EDGE("a", "b", "100", "1", "host")
                      "  </graph>\n</graphml>\n";
    ck_assert_msg(import_text(&t, doc, ".graphml", &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.n_edges, 4); /* two cables, two directions each */
    topo_destroy(&t);
}
END_TEST

START_TEST(graphml_directed_pairs_in_file_order)
{
    /* the ways back come later and out of order; two parallel cables
     * 1 <-> 2 of equal rate pair up first with first */
    const char *doc = GML_HEAD "  <graph edgedefault=\"directed\">\n"
                      GML_NODE("n0", "gpu", "0") GML_NODE("n1", "leaf", "-1")
                      GML_NODE("n2", "gpu", "1")
                      GML_EDGE("n0", "n1", "100", "10", "host")   /* e0 */
                      GML_EDGE("n2", "n1", "50", "20", "host")    /* e1 */
                      GML_EDGE("n1", "n2", "50", "20", "host")    /* e2: back of e1 */
                      GML_EDGE("n1", "n2", "50", "20", "host")    /* e3 */
                      GML_EDGE("n1", "n0", "100", "10", "host")   /* e4: back of e0 */
                      GML_EDGE("n2", "n1", "50", "20", "host")    /* e5: back of e3 */
                      "  </graph>\n</graphml>\n";
    topo_t t;
    tn_error_t err = {0};
    ck_assert_msg(import_text(&t, doc, ".xml", &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.n_edges, 6);
    const int32_t src[6] = {0, 1, 2, 1, 1, 2}, dst[6] = {1, 0, 1, 2, 2, 1};
    for (int e = 0; e < 6; e++) {
        ck_assert_int_eq(t.esrc[e], src[e]);
        ck_assert_int_eq(t.edst[e], dst[e]);
    }
    ck_assert_uint_eq(t.bps[0], 100 * GBPS);
    ck_assert_uint_eq(t.bps[2], 50 * GBPS);
    ck_assert_uint_eq(t.latency_ps[5], 20000);
    ck_assert_int_eq(t.server[1], -1);
    topo_destroy(&t);
}
END_TEST

START_TEST(graphml_errors)
{
    /* bw_gbps never declared */
    expect_error("<?xml version=\"1.0\"?>\n"
                 "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
                 "  <key id=\"k\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n"
                 "  <key id=\"s\" for=\"node\" attr.name=\"server\" attr.type=\"int\"/>\n"
                 "  <key id=\"l\" for=\"edge\" attr.name=\"latency_ns\" attr.type=\"double\"/>\n"
                 "  <key id=\"t\" for=\"edge\" attr.name=\"tier\" attr.type=\"string\"/>\n"
                 "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n0", "gpu", "0") GML_NODE("n1", "gpu", "0")
                 "    <edge source=\"n0\" target=\"n1\"><data key=\"l\">1</data>"
                 "<data key=\"t\">nvlink</data></edge>\n"
                 "  </graph>\n</graphml>\n",
                 ".graphml", "@: edge attribute \"bw_gbps\" is missing");
    /* declared, but as text */
    expect_error("<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
                 "  <key id=\"k\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n"
                 "  <key id=\"s\" for=\"node\" attr.name=\"server\" attr.type=\"string\"/>\n"
                 "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n0", "gpu", "0") "  </graph>\n</graphml>\n",
                 ".graphml",
                 "@: vertex attribute \"server\" must have attr.type double (or int, long, float)");
    expect_error(GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n0", "gpu", "0") GML_NODE("n1", "gpuu", "0")
                 GML_EDGE("n0", "n1", "1", "1", "nvlink") "  </graph>\n</graphml>\n",
                 ".graphml",
                 "@: vertex 1: unknown kind \"gpuu\" (expected one of: gpu, nvswitch, "
                 "pcie_switch, nic, cpu, leaf, spine, core, storage, router, nvswitch_sharp)");
    /* a node id of the file's own is shown beside the index */
    expect_error(GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("gpu0", "gpu", "0") GML_NODE("gpu1", "gpu", "0.5")
                 GML_EDGE("gpu0", "gpu1", "1", "1", "nvlink") "  </graph>\n</graphml>\n",
                 ".graphml",
                 "@: vertex 1 (id \"gpu1\"): server: expected a whole number from -1 to "
                 "2147483646, got 0.5");
    /* e2 goes 1 -> 2; e3 comes back at another rate */
    expect_error(GML_HEAD "  <graph edgedefault=\"directed\">\n"
                 GML_NODE("n0", "gpu", "0") GML_NODE("n1", "leaf", "-1") GML_NODE("n2", "gpu", "1")
                 GML_EDGE("n0", "n1", "100", "1", "host") GML_EDGE("n1", "n0", "100", "1", "host")
                 GML_EDGE("n1", "n2", "100", "1", "host") GML_EDGE("n2", "n1", "40", "1", "host")
                 "  </graph>\n</graphml>\n",
                 ".graphml",
                 "@: edge 2 from vertex 1 to vertex 2 has no edge back with the same bw_gbps, "
                 "latency_ns and tier");
    expect_error(GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n0", "gpu", "0") GML_NODE("n1", "gpu", "0")
                 GML_EDGE("n0", "n1", "0", "1", "nvlink") "  </graph>\n</graphml>\n",
                 ".graphml", "@: edge 0: bw_gbps: expected a positive number, got 0");
    expect_error(GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n0", "gpu", "0") GML_NODE("n1", "gpu", "0")
                 GML_EDGE("n0", "n1", "", "1", "nvlink") "  </graph>\n</graphml>\n",
                 ".graphml", "@: edge 0: attribute \"bw_gbps\" is missing or not a number");
    /* igraph itself refuses a number it cannot parse, without saying where */
    expect_error(GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n0", "gpu", "0") GML_NODE("n1", "gpu", "0")
                 GML_EDGE("n0", "n1", "fast", "1", "nvlink") "  </graph>\n</graphml>\n",
                 ".graphml",
                 "@: not valid graphml: unexpected character 'f' while parsing real number");
    expect_error(GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n0", "gpu", "0") GML_NODE("n1", "gpu", "0")
                 GML_EDGE("n0", "n1", "1", "-2", "nvlink") "  </graph>\n</graphml>\n",
                 ".graphml", "@: edge 0: latency_ns: expected a number, zero or more, got -2");
    expect_error(GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n0", "gpu", "0") GML_NODE("n1", "gpu", "0")
                 GML_EDGE("n0", "n1", "1", "1", "nvlnk") "  </graph>\n</graphml>\n",
                 ".graphml",
                 "@: edge 0: unknown tier \"nvlnk\" (expected one of: nvlink, pcie, host, leaf, "
                 "spine, local, global, torus)");
    expect_error(GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n0", "gpu", "0")
                 GML_EDGE("n0", "n0", "1", "1", "nvlink") "  </graph>\n</graphml>\n",
                 ".graphml", "@: edge 0: a self-loop on vertex 0");
    /* an edge to a node that was never declared (igraph would make a bare
     * vertex of it), and a node declared twice */
    expect_error(GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n0", "gpu", "0")
                 GML_EDGE("n0", "x9", "1", "1", "nvlink") "  </graph>\n</graphml>\n",
                 ".graphml", "@: edge 0: target \"x9\" is no node's id");
    expect_error(GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n0", "gpu", "0") GML_NODE("n0", "gpu", "1")
                 "  </graph>\n</graphml>\n",
                 ".graphml", "@: node id \"n0\" declared twice");
    expect_error(GML_HEAD "  <graph edgedefault=\"undirected\">\n  </graph>\n</graphml>\n",
                 ".graphml", "@: the graph has no vertices");
    /* finalize's own checks, with the file name in front */
    expect_error(GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n0", "gpu", "0") GML_NODE("n1", "gpu", "1") "  </graph>\n</graphml>\n",
                 ".graphml", "@: the fabric is disconnected: gpu 0 cannot reach gpu 1");
    /* igraph reads the first <graph> and would skip a second one */
    expect_error(GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n0", "gpu", "0") "  </graph>\n  <graph edgedefault=\"undirected\">\n"
                 GML_NODE("n1", "gpu", "0") "  </graph>\n</graphml>\n",
                 ".graphml",
                 "@: a second <graph> element: tensim reads one graph per file (igraph would "
                 "skip it without a word)");
    /* invalid UTF-8: libxml2's message, whose two lines become one */
    {
        topo_t t;
        tn_error_t err = {0};
        ck_assert_int_eq(import_text(&t, GML_HEAD "  <graph edgedefault=\"undirected\">\n"
                                     GML_NODE("n0", "g\xff\xfeu", "0") "  </graph>\n</graphml>\n",
                                     ".graphml", &err), -1);
        ck_assert_ptr_null(strchr(err.msg, '\n'));
        ck_assert_msg(!strncmp(err.msg, "@: not valid graphml: line 9: ", 30), "%s", err.msg);
        ck_assert_ptr_nonnull(strstr(err.msg, "UTF-8"));
        ck_assert_ptr_nonnull(strstr(err.msg, "0xFF 0xFE")); /* the second line, kept */
        topo_destroy(&t);
    }
    expect_error("<graphml><graph>\n<node id=\"a\">\n</graph></graphml>\n", ".graphml",
                 "@: not valid graphml: line 3: opening and ending tag mismatch: node line 2 "
                 "and graph");
}
END_TEST

/* --- hand-written JSON ----------------------------------------------- */

#define JSON_TWO_GPUS                                                                      \
    "{\"tensim_topology\": 1, \"vertices\": [{\"kind\": \"gpu\", \"server\": 0},"         \
    " {\"kind\": \"gpu\", \"server\": 0}], \"links\": ["

START_TEST(json_hand_written)
{
    const char *doc = JSON_TWO_GPUS
        "{\"a\": 1, \"b\": 0, \"bw_gbps\": 0.1, \"latency_ns\": 3, \"tier\": \"nvlink\"}]}";
    topo_t t;
    tn_error_t err = {0};
    ck_assert_msg(import_text(&t, doc, ".json", &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.n_edges, 2);
    ck_assert_int_eq(t.esrc[0], 1);
    ck_assert_int_eq(t.edst[0], 0);
    ck_assert_uint_eq(t.bps[0], 100000000u); /* 0.1 Gbps exactly */
    ck_assert_uint_eq(t.latency_ps[1], 3000);
    ck_assert_int_eq(t.cores[1], 0);
    topo_destroy(&t);
}
END_TEST

START_TEST(json_errors)
{
    expect_error(JSON_TWO_GPUS "{\"a\": 0, \"b\": 1, \"bw_gpbs\": 1, \"latency_ns\": 1, "
                 "\"tier\": \"nvlink\"}]}",
                 ".json", "@: links[0].bw_gpbs: unknown key (did you mean \"bw_gbps\"?)");
    expect_error(JSON_TWO_GPUS "{\"a\": 0, \"b\": 1, \"bw_gbps\": \"fast\", \"latency_ns\": 1, "
                 "\"tier\": \"nvlink\"}]}",
                 ".json", "@: links[0].bw_gbps: expected a number, got \"fast\"");
    expect_error(JSON_TWO_GPUS "{\"a\": 0, \"b\": 1, \"bw_gbps\": 1, \"latency_ns\": 1, "
                 "\"tier\": \"nvlink\"}, {\"a\": 0, \"b\": 2, \"bw_gbps\": 1, \"latency_ns\": 1, "
                 "\"tier\": \"nvlink\"}]}",
                 ".json", "@: links[1].b: vertex 2 does not exist (vertices are 0 to 1)");
    expect_error(JSON_TWO_GPUS "{\"a\": 1, \"b\": 1, \"bw_gbps\": 1, \"latency_ns\": 1, "
                 "\"tier\": \"nvlink\"}]}",
                 ".json", "@: links[0]: a self-loop: a and b are both vertex 1");
    expect_error(JSON_TWO_GPUS "{\"a\": 0, \"b\": 1, \"bw_gbps\": 0, \"latency_ns\": 1, "
                 "\"tier\": \"nvlink\"}]}",
                 ".json", "@: links[0].bw_gbps: expected a positive number, got 0");
    expect_error(JSON_TWO_GPUS "{\"a\": 0, \"b\": 1, \"bw_gbps\": 1, \"latency_ns\": -0.5, "
                 "\"tier\": \"nvlink\"}]}",
                 ".json", "@: links[0].latency_ns: expected a number, zero or more, got -0.5");
    expect_error(JSON_TWO_GPUS "{\"a\": 0, \"b\": 1, \"bw_gbps\": 1, \"latency_ns\": 1, "
                 "\"tier\": \"nvl\"}]}",
                 ".json", "@: links[0].tier: unknown value \"nvl\" (expected one of: nvlink, "
                          "pcie, host, leaf, spine, local, global, torus)");
    expect_error("{\"tensim_topology\": 1, \"vertices\": [{\"kind\": \"gpu\", \"server\": -2}], "
                 "\"links\": []}",
                 ".json", "@: vertices[0].server: expected a whole number from -1 to 2147483646, "
                          "got -2");
    expect_error("{\"tensim_topology\": 1, \"vertices\": [], \"links\": []}", ".json",
                 "@: vertices: expected at least one vertex");
    expect_error("{\"tensim_topology\": 2, \"vertices\": [], \"links\": []}", ".json",
                 "@: tensim_topology: unsupported version 2 (this tensim reads version 1)");
    expect_error(JSON_TWO_GPUS "]}", ".json",
                 "@: the fabric is disconnected: gpu 0 cannot reach gpu 1");
}
END_TEST

START_TEST(import_bad_paths)
{
    expect_error("{}", ".txt",
                 "@: unknown topology file type (expected .graphml, .xml or .json)");
    topo_t t;
    topo_init(&t);
    tn_error_t err = {0};
    ck_assert_int_eq(topo_import_file(&t, "/nonexistent-tensim/f.graphml", &err), -1);
    ck_assert_str_eq(err.msg,
                     "/nonexistent-tensim/f.graphml: cannot open: No such file or directory");
    topo_destroy(&t);
}
END_TEST

Suite *export_suite(void)
{
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("export");
    tcase_add_test(tc, graphml_round_trip);
    tcase_add_test(tc, json_round_trip);
    tcase_add_test(tc, export_unwritable);
    tcase_add_test(tc, graphml_undirected_is_one_cable);
    tcase_add_test(tc, graphml_undirected_export_is_same_fabric);
    tcase_add_test(tc, graphml_directed_pairs_in_file_order);
    tcase_add_test(tc, graphml_errors);
    tcase_add_test(tc, json_hand_written);
    tcase_add_test(tc, json_errors);
    tcase_add_test(tc, import_bad_paths);
    suite_add_tcase(s, tc);
    return s;
}
