#include "topology/export.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_file.h"

/* Every edge pair 2c / 2c+1 is one cable added by topo_add_cable(): the
 * writers rely on it for "links" and the importer rebuilds it. */
static void check_cables(const topo_t *t)
{
    TN_ASSERT(t->n_edges % 2 == 0);
    for (int32_t e = 0; e < t->n_edges; e += 2) {
        TN_ASSERT(t->esrc[e] == t->edst[e + 1] && t->edst[e] == t->esrc[e + 1]);
        TN_ASSERT(t->bps[e] == t->bps[e + 1] && t->latency_ps[e] == t->latency_ps[e + 1]);
        TN_ASSERT(t->tier[e] == t->tier[e + 1]);
    }
}

const char *topo_real_str(double d, char *buf, size_t n)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    return buf;
}

int topo_export_graphml(const topo_t *t, const char *path, tn_error_t *err)
{
    check_cables(t);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    TN_ASSERT(f != NULL);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\"\n"
          "         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
          "         xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns\n"
          "         http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n"
          "<!-- tensim topology: every cable is two directed edges, e<2c> and e<2c+1> -->\n"
          "  <key id=\"kind\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n"
          "  <key id=\"server\" for=\"node\" attr.name=\"server\" attr.type=\"int\"/>\n"
          "  <key id=\"cores\" for=\"node\" attr.name=\"cores\" attr.type=\"int\"/>\n"
          "  <key id=\"bw_gbps\" for=\"edge\" attr.name=\"bw_gbps\" attr.type=\"double\"/>\n"
          "  <key id=\"latency_ns\" for=\"edge\" attr.name=\"latency_ns\" attr.type=\"double\"/>\n"
          "  <key id=\"tier\" for=\"edge\" attr.name=\"tier\" attr.type=\"string\"/>\n",
          f);
    /* Capacity of storage vertices: declared only when the fabric has
     * some, so files of fabrics without storage stay as they were. */
    bool store = false;
    for (int32_t v = 0; v < t->n_vertices && !store; v++)
        store = t->store_bytes[v] != 0;
    if (store)
        fputs("  <key id=\"store_bytes\" for=\"node\" attr.name=\"store_bytes\" "
              "attr.type=\"long\"/>\n",
              f);
    fputs("  <graph id=\"G\" edgedefault=\"directed\">\n", f);
    /* Kind and tier names are fixed lowercase identifiers: nothing to
     * escape. */
    for (int32_t v = 0; v < t->n_vertices; v++) {
        fprintf(f,
                "    <node id=\"n%d\">\n"
                "      <data key=\"kind\">%s</data>\n"
                "      <data key=\"server\">%d</data>\n"
                "      <data key=\"cores\">%d</data>\n",
                v, topo_kind_name((topo_kind_t)t->kind[v]), t->server[v], t->cores[v]);
        if (t->store_bytes[v])
            fprintf(f, "      <data key=\"store_bytes\">%llu</data>\n",
                    (unsigned long long)t->store_bytes[v]);
        fputs("    </node>\n", f);
    }
    for (int32_t e = 0; e < t->n_edges; e++) {
        char bw[40], lat[40];
        fprintf(f,
                "    <edge id=\"e%d\" source=\"n%d\" target=\"n%d\">\n"
                "      <data key=\"bw_gbps\">%s</data>\n"
                "      <data key=\"latency_ns\">%s</data>\n"
                "      <data key=\"tier\">%s</data>\n"
                "    </edge>\n",
                e, t->esrc[e], t->edst[e], topo_real_str((double)t->bps[e] / 1e9, bw, sizeof bw),
                topo_real_str((double)t->latency_ps[e] / 1000.0, lat, sizeof lat),
                topo_tier_name((topo_tier_t)t->tier[e]));
    }
    fputs("  </graph>\n</graphml>\n", f);
    TN_ASSERT(fclose(f) == 0); /* a memory stream fails only out of memory */
    int rc = tn_write_file(path, text, len, err);
    free(text);
    return rc;
}

/* A whole number of units as a JSON integer, anything else as a real.
 * unit >= 1000, so x / unit fits a json_int_t. */
static json_t *scaled(uint64_t x, uint64_t unit)
{
    if (x % unit == 0)
        return json_integer((json_int_t)(x / unit));
    return json_real((double)x / (double)unit);
}

int topo_export_json(const topo_t *t, const char *path, tn_error_t *err)
{
    check_cables(t);
    json_t *root = json_object();
    json_t *verts = json_array(), *links = json_array();
    json_object_set_new(root, "tensim_topology", json_integer(1));
    json_object_set_new(root, "vertices", verts);
    json_object_set_new(root, "links", links);
    for (int32_t v = 0; v < t->n_vertices; v++) {
        json_t *o = json_object();
        json_object_set_new(o, "kind", json_string(topo_kind_name((topo_kind_t)t->kind[v])));
        json_object_set_new(o, "server", json_integer(t->server[v]));
        json_object_set_new(o, "cores", json_integer(t->cores[v]));
        if (t->store_bytes[v])
            json_object_set_new(o, "store_bytes", json_integer((json_int_t)t->store_bytes[v]));
        json_array_append_new(verts, o);
    }
    for (int32_t e = 0; e < t->n_edges; e += 2) {
        json_t *o = json_object();
        json_object_set_new(o, "a", json_integer(t->esrc[e]));
        json_object_set_new(o, "b", json_integer(t->edst[e]));
        json_object_set_new(o, "bw_gbps", scaled(t->bps[e], 1000000000u));
        json_object_set_new(o, "latency_ns", scaled(t->latency_ps[e], 1000u));
        json_object_set_new(o, "tier", json_string(topo_tier_name((topo_tier_t)t->tier[e])));
        json_array_append_new(links, o);
    }
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(root);
    TN_ASSERT(text != NULL); /* fails only out of memory */
    size_t len = strlen(text);
    text = tn_realloc(text, len + 2);
    text[len++] = '\n';
    text[len] = '\0';
    int rc = tn_write_file(path, text, len, err);
    free(text);
    return rc;
}
