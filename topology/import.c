#include "topology/import.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <igraph.h>
#include <jansson.h>
#include <libxml/xmlreader.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/tn_json.h"
#include "topology/export.h"

/* Bounds that keep llround() exact and the picosecond sums of a path far
 * from overflowing: 1e18 bit/s, 1000 s. */
#define MAX_GBPS 1e9
#define MAX_LATENCY_NS 1e12

/* ---------------------------------------------------------------------
 * Shared checks
 * --------------------------------------------------------------------- */

/* Converts Gbps to bit/s; returns NULL, or why the value cannot be used
 * (finite values only). */
static const char *gbps_to_bps(double g, uint64_t *bps)
{
    if (!(g > 0))
        return "expected a positive number";
    if (g > MAX_GBPS)
        return "expected at most 1e9 (Gbps)";
    long long x = llround(g * 1e9);
    if (x < 1)
        return "expected at least 1e-9 (1 bit per second)";
    *bps = (uint64_t)x;
    return NULL;
}

/* Converts ns to ps; returns NULL, or why the value cannot be used
 * (finite values only). */
static const char *ns_to_ps(double ns, uint64_t *ps)
{
    if (ns < 0)
        return "expected a number, zero or more";
    if (ns > MAX_LATENCY_NS)
        return "expected at most 1e12 (ns)";
    *ps = (uint64_t)llround(ns * 1000.0);
    return NULL;
}

/* "a, b, c" from a name function, for "expected one of" lists. */
static const char *name_list(char *buf, size_t n, int count, const char *(*name)(int))
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < count && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", name(i));
    return buf;
}

static const char *kind_name_i(int k) { return topo_kind_name((topo_kind_t)k); }
static const char *tier_name_i(int k) { return topo_tier_name((topo_tier_t)k); }

/* ---------------------------------------------------------------------
 * GraphML, through igraph's reader and its C attribute handler
 * --------------------------------------------------------------------- */

/* igraph reports an error by calling its handler, once where it happens
 * and again (with an empty reason) at each level it passes up through;
 * the first reason is the one worth showing. */
static _Thread_local char igraph_reason[512];

static void on_igraph_error(const char *reason, const char *file, int line,
                            igraph_error_t code)
{
    (void)file;
    (void)line;
    (void)code;
    if (!igraph_reason[0] && reason && reason[0])
        snprintf(igraph_reason, sizeof igraph_reason, "%s", reason);
    IGRAPH_FINALLY_FREE();
}

/* The reader warns (on stderr by default) about keys it ignores; a
 * library prints nothing, and a required attribute it dropped is reported
 * as missing. */
static void on_igraph_warning(const char *reason, const char *file, int line)
{
    (void)reason;
    (void)file;
    (void)line;
}

/* igraph's messages are capitalised and end in a full stop; libxml2's come
 * as "Line 3: Opening and ending tag mismatch: ..." (or, in other igraph
 * versions, "(null):3 : ..."). Make them "line 3: opening and ending tag
 * mismatch: ...". */
static const char *tidy_reason(const char *reason, char *buf, size_t n)
{
    char raw[2 * sizeof igraph_reason]; /* room for "; " in place of each newline */
    snprintf(raw, sizeof igraph_reason, "%s", reason[0] ? reason : "malformed graphml");
    size_t len = strlen(raw);
    while (len && (isspace((unsigned char)raw[len - 1]) || raw[len - 1] == '.'))
        raw[--len] = '\0';
    /* libxml2 puts a second line in some messages ("Input is not proper
     * UTF-8, indicate encoding !\nBytes: 0xFF ..."): one line, "; " between */
    for (char *nl; (nl = strchr(raw, '\n'));) {
        char *end = nl + 1;
        while (nl > raw && isspace((unsigned char)nl[-1]))
            nl--;
        while (isspace((unsigned char)*end))
            end++;
        memmove(nl + 2, end, strlen(end) + 1);
        memcpy(nl, "; ", 2);
    }
    int line = 0, used = 0;
    if (sscanf(raw, "(null):%d :%n", &line, &used) == 1 && used > 0)
        snprintf(buf, n, "line %d: %s", line, raw + used + (raw[used] == ' '));
    else if (!strcmp(raw, "Graph index was too large"))
        snprintf(buf, n, "no <graph> element in a <graphml> document");
    else
        snprintf(buf, n, "%s", raw);
    buf[0] = (char)tolower((unsigned char)buf[0]);
    used = 0;
    if (sscanf(buf, "line %d: %n", &line, &used) == 1 && used > 0)
        buf[used] = (char)tolower((unsigned char)buf[used]);
    return buf;
}

typedef struct {
    const igraph_t *g;
    const char *src;
    tn_error_t *err;
    igraph_strvector_t vnames, enames, gnames;
    igraph_vector_int_t vtypes, etypes, gtypes;
    char **edge_source; /* by edge: its source as written (gml_scan()) */
    int64_t n_edge_source;
} gml_t;

static int gml_fail(gml_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int gml_fail(gml_t *m, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tn_error_set(m->err, TN_EINPUT, "%s: %s", m->src, msg);
}

/* The igraph type of a vertex or edge attribute, or -1 when the file does
 * not declare it. O(attributes). */
static int attr_type(const gml_t *m, bool vertex, const char *name)
{
    const igraph_strvector_t *names = vertex ? &m->vnames : &m->enames;
    const igraph_vector_int_t *types = vertex ? &m->vtypes : &m->etypes;
    for (igraph_integer_t i = 0; i < igraph_strvector_size(names); i++)
        if (!strcmp(igraph_strvector_get(names, i), name))
            return (int)VECTOR(*types)[i];
    return -1;
}

/* Checks that attribute `name` is declared with type `want`. Returns 1
 * when it is, 0 when it is absent and not required, -1 on error. */
static int need_attr(gml_t *m, bool vertex, const char *name, igraph_attribute_type_t want,
                     bool required)
{
    const char *what = vertex ? "vertex" : "edge";
    int type = attr_type(m, vertex, name);
    if (type < 0)
        return required ? gml_fail(m, "%s attribute \"%s\" is missing", what, name) : 0;
    if (type != (int)want)
        return gml_fail(m, "%s attribute \"%s\" must have attr.type %s", what, name,
                        want == IGRAPH_ATTRIBUTE_STRING ? "string"
                                                        : "double (or int, long, float)");
    return 1;
}

/* "vertex 3", or "vertex 3 (id \"gpu0\")" when the file's own id for it
 * is not the n3 / e3 that exports write. */
static const char *elem_name(const gml_t *m, bool vertex, igraph_integer_t i, char *buf, size_t n)
{
    const char *what = vertex ? "vertex" : "edge";
    const char *id = NULL;
    if (attr_type(m, vertex, "id") == IGRAPH_ATTRIBUTE_STRING)
        id = vertex ? VAS(m->g, "id", i) : EAS(m->g, "id", i);
    char dflt[32];
    snprintf(dflt, sizeof dflt, "%c%" IGRAPH_PRId, vertex ? 'n' : 'e', i);
    if (id && id[0] && strcmp(id, dflt))
        snprintf(buf, n, "%s %" IGRAPH_PRId " (id \"%.60s\")", what, i, id);
    else
        snprintf(buf, n, "%s %" IGRAPH_PRId, what, i);
    return buf;
}

/* s without leading and trailing white space, cut to fit buf. */
static const char *trimmed(const char *s, char *buf, size_t n)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    snprintf(buf, n, "%.*s", (int)len, s);
    return buf;
}

/* The index of element `name`'s string attribute `attr` (raw value `raw`)
 * among `count` names (kind, tier), or -1 with the error set when it is
 * missing or not one of them. */
static int named(gml_t *m, const char *name, const char *attr, const char *raw,
                 int (*from_name)(const char *), int count, const char *(*name_i)(int))
{
    char buf[64], list[256];
    const char *val = trimmed(raw, buf, sizeof buf);
    if (!val[0])
        return gml_fail(m, "%s: attribute \"%s\" is missing", name, attr);
    int k = from_name(val);
    if (k < 0)
        return gml_fail(m, "%s: unknown %s \"%s\" (expected one of: %s)", name, attr, val,
                        name_list(list, sizeof list, count, name_i));
    return k;
}

/* A whole number in [lo, hi]; else an error naming the element. */
static int gml_int(gml_t *m, const char *elem, const char *key, double x, double lo, double hi,
                   int32_t *out)
{
    if (isnan(x))
        return gml_fail(m, "%s: attribute \"%s\" is missing or not a number", elem, key);
    char num[40];
    if (x != floor(x) || x < lo || x > hi)
        return gml_fail(m, "%s: %s: expected a whole number from %.0f to %.0f, got %s", elem,
                        key, lo, hi, topo_real_str(x, num, sizeof num));
    *out = (int32_t)x;
    return 0;
}

static int gml_vertices(gml_t *m, topo_t *t)
{
    const igraph_t *g = m->g;
    igraph_integer_t nv = igraph_vcount(g);
    if (nv == 0)
        return gml_fail(m, "the graph has no vertices");
    if (nv > INT32_MAX)
        return gml_fail(m, "too many vertices (%" IGRAPH_PRId ")", nv);
    if (need_attr(m, true, "kind", IGRAPH_ATTRIBUTE_STRING, true) < 0 ||
        need_attr(m, true, "server", IGRAPH_ATTRIBUTE_NUMERIC, true) < 0)
        return -1;
    int has_cores = need_attr(m, true, "cores", IGRAPH_ATTRIBUTE_NUMERIC, false);
    int has_store = need_attr(m, true, "store_bytes", IGRAPH_ATTRIBUTE_NUMERIC, false);
    if (has_cores < 0 || has_store < 0)
        return -1;
    for (igraph_integer_t v = 0; v < nv; v++) {
        char name[128];
        elem_name(m, true, v, name, sizeof name);
        int k = named(m, name, "kind", VAS(g, "kind", v), topo_kind_from_name, TOPO_KIND_COUNT,
                      kind_name_i);
        if (k < 0)
            return -1;
        int32_t server = 0, cores = 0;
        if (gml_int(m, name, "server", VAN(g, "server", v), -1, INT32_MAX - 1, &server) < 0)
            return -1;
        double c = has_cores ? VAN(g, "cores", v) : NAN;
        if (!isnan(c) && gml_int(m, name, "cores", c, 0, INT32_MAX, &cores) < 0)
            return -1;
        int32_t id = topo_add_vertex(t, (topo_kind_t)k, server, cores);
        double b = has_store ? VAN(g, "store_bytes", v) : NAN;
        if (isnan(b) || b == 0)
            continue;
        if (b < 0 || b > 9007199254740992.0 || b != floor(b))
            return gml_fail(m, "%s: store_bytes: expected a whole number from 0 to 2^53", name);
        if (k != TOPO_STORAGE)
            return gml_fail(m, "%s: store_bytes: only a storage vertex has a capacity", name);
        topo_set_storage(t, id, (uint64_t)b);
    }
    return 0;
}

/* One directed edge of the file, before it becomes half of a cable. */
typedef struct {
    int32_t a, b;
    uint64_t bps, lat;
    uint8_t tier;
    int32_t id;
} raw_edge_t;

/* Orders by the key a matching edge shares: (a, b, bps, lat, tier). */
static int raw_cmp_key(const raw_edge_t *x, const raw_edge_t *y)
{
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    if (x->b != y->b)
        return x->b < y->b ? -1 : 1;
    if (x->bps != y->bps)
        return x->bps < y->bps ? -1 : 1;
    if (x->lat != y->lat)
        return x->lat < y->lat ? -1 : 1;
    if (x->tier != y->tier)
        return x->tier < y->tier ? -1 : 1;
    return 0;
}

static int raw_cmp(const void *p, const void *q)
{
    const raw_edge_t *x = p, *y = q;
    int c = raw_cmp_key(x, y);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

static int gml_read_edges(gml_t *m, raw_edge_t *re)
{
    const igraph_t *g = m->g;
    igraph_integer_t ne = igraph_ecount(g);
    for (igraph_integer_t e = 0; e < ne; e++) {
        char name[128], num[40];
        elem_name(m, false, e, name, sizeof name);
        igraph_integer_t from, to;
        igraph_edge(g, e, &from, &to);
        if (from == to) {
            char vn[128];
            return gml_fail(m, "%s: a self-loop on %s", name,
                            elem_name(m, true, from, vn, sizeof vn));
        }
        double bw = EAN(g, "bw_gbps", e), lat = EAN(g, "latency_ns", e);
        const char *why;
        if (isnan(bw))
            return gml_fail(m, "%s: attribute \"bw_gbps\" is missing or not a number", name);
        if (isnan(lat))
            return gml_fail(m, "%s: attribute \"latency_ns\" is missing or not a number", name);
        raw_edge_t *r = &re[e];
        if (!isfinite(bw) || (why = gbps_to_bps(bw, &r->bps)) != NULL) {
            topo_real_str(bw, num, sizeof num);
            return gml_fail(m, "%s: bw_gbps: %s, got %s", name,
                            isfinite(bw) ? why : "expected a finite number", num);
        }
        if (!isfinite(lat) || (why = ns_to_ps(lat, &r->lat)) != NULL) {
            topo_real_str(lat, num, sizeof num);
            return gml_fail(m, "%s: latency_ns: %s, got %s", name,
                            isfinite(lat) ? why : "expected a finite number", num);
        }
        int k = named(m, name, "tier", EAS(g, "tier", e), topo_tier_from_name, TOPO_TIER_COUNT,
                      tier_name_i);
        if (k < 0)
            return -1;
        r->a = (int32_t)from;
        r->b = (int32_t)to;
        r->tier = (uint8_t)k;
        r->id = (int32_t)e;
    }
    return 0;
}

/* Pairs every directed edge with its way back and adds the cables, in
 * file order of their first edge. Within a group of equal (a, b, bps,
 * lat, tier) edges, sorted by id, edges are used in id order (each edge,
 * when reached in file order, is the smallest unused one), so one cursor
 * per group finds the earliest unused partner.
 * O(|E| log |E|). */
static int gml_pair(gml_t *m, topo_t *t, const raw_edge_t *re, int32_t ne, bool lone_ok)
{
    raw_edge_t *sorted = tn_malloc((size_t)ne * sizeof *sorted);
    int32_t *pos = tn_malloc((size_t)ne * sizeof *pos);     /* by id: sorted position */
    int32_t *group = tn_malloc((size_t)ne * sizeof *group); /* by id: its group's start */
    int32_t *cur = tn_malloc((size_t)ne * sizeof *cur);     /* by group start: next unused */
    memcpy(sorted, re, (size_t)ne * sizeof *sorted);
    qsort(sorted, (size_t)ne, sizeof *sorted, raw_cmp);
    for (int32_t p = 0, start = 0; p < ne; p++) {
        if (p > 0 && raw_cmp_key(&sorted[p - 1], &sorted[p]) != 0)
            start = p;
        pos[sorted[p].id] = p;
        group[sorted[p].id] = start;
        cur[p] = p;
    }
    int rc = 0;
    for (int32_t i = 0; i < ne; i++) {
        int32_t gi = group[i];
        if (pos[i] < cur[gi])
            continue; /* already the way back of an earlier edge */
        TN_ASSERT(pos[i] == cur[gi]);
        cur[gi]++;
        raw_edge_t back = re[i];
        back.a = re[i].b;
        back.b = re[i].a;
        int32_t lo = 0, hi = ne; /* lower bound of back's key: its group's start */
        while (lo < hi) {
            int32_t mid = lo + (hi - lo) / 2;
            if (raw_cmp_key(&sorted[mid], &back) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        bool lone = lo == ne || raw_cmp_key(&sorted[lo], &back) != 0 || cur[lo] == ne ||
                    raw_cmp_key(&sorted[cur[lo]], &back) != 0;
        if (lone && lone_ok) {
            topo_add_cable(t, re[i].a, re[i].b, re[i].bps, re[i].lat, (topo_tier_t)re[i].tier);
            continue;
        }
        if (lone) {
            char en[128], an[128], bn[128];
            rc = gml_fail(m,
                          "%s from %s to %s has no edge back with the same bw_gbps, "
                          "latency_ns and tier",
                          elem_name(m, false, i, en, sizeof en),
                          elem_name(m, true, re[i].a, an, sizeof an),
                          elem_name(m, true, re[i].b, bn, sizeof bn));
            break;
        }
        TN_ASSERT(sorted[cur[lo]].id > i);
        cur[lo]++;
        topo_add_cable(t, re[i].a, re[i].b, re[i].bps, re[i].lat, (topo_tier_t)re[i].tier);
    }
    free(sorted);
    free(pos);
    free(group);
    free(cur);
    return rc;
}

static int gml_edges(gml_t *m, topo_t *t)
{
    igraph_integer_t ne = igraph_ecount(m->g);
    bool directed = igraph_is_directed(m->g);
    if (ne == 0)
        return 0;
    if (ne > (directed ? INT32_MAX - 1 : INT32_MAX / 2 - 1))
        return gml_fail(m, "too many edges (%" IGRAPH_PRId ")", ne);
    if (need_attr(m, false, "bw_gbps", IGRAPH_ATTRIBUTE_NUMERIC, true) < 0 ||
        need_attr(m, false, "latency_ns", IGRAPH_ATTRIBUTE_NUMERIC, true) < 0 ||
        need_attr(m, false, "tier", IGRAPH_ATTRIBUTE_STRING, true) < 0)
        return -1;
    raw_edge_t *re = tn_malloc((size_t)ne * sizeof *re);
    int rc = gml_read_edges(m, re);
    if (rc == 0 && !directed && m->n_edge_source == ne &&
        attr_type(m, true, "id") == IGRAPH_ATTRIBUTE_STRING) {
        /* igraph keeps an undirected edge as (smaller id, larger id): put
         * back the way it was written, for the pairing */
        for (igraph_integer_t e = 0; e < ne; e++)
            if (m->edge_source[e] && strcmp(VAS(m->g, "id", re[e].a), m->edge_source[e])) {
                int32_t a = re[e].a;
                re[e].a = re[e].b;
                re[e].b = a;
            }
    }
    if (rc == 0)
        rc = gml_pair(m, t, re, (int32_t)ne, !directed);
    free(re);
    return rc;
}

static int gml_to_topo(topo_t *t, const igraph_t *g, const char *src, char **edge_source,
                       int64_t n_edge_source, tn_error_t *err)
{
    gml_t m = {.g = g, .src = src, .err = err, .edge_source = edge_source,
               .n_edge_source = n_edge_source};
    igraph_strvector_init(&m.gnames, 0);
    igraph_strvector_init(&m.vnames, 0);
    igraph_strvector_init(&m.enames, 0);
    igraph_vector_int_init(&m.gtypes, 0);
    igraph_vector_int_init(&m.vtypes, 0);
    igraph_vector_int_init(&m.etypes, 0);
    igraph_error_t lrc = igraph_cattribute_list(g, &m.gnames, &m.gtypes, &m.vnames, &m.vtypes,
                                                &m.enames, &m.etypes);
    TN_ASSERT(lrc == IGRAPH_SUCCESS);
    int rc = gml_vertices(&m, t);
    if (rc == 0)
        rc = gml_edges(&m, t);
    igraph_strvector_destroy(&m.gnames);
    igraph_strvector_destroy(&m.vnames);
    igraph_strvector_destroy(&m.enames);
    igraph_vector_int_destroy(&m.gtypes);
    igraph_vector_int_destroy(&m.vtypes);
    igraph_vector_int_destroy(&m.etypes);
    return rc;
}

/* What igraph's reader does not say: how many <graph> elements the
 * document holds and, for the first, each edge's source as written (igraph
 * keeps an undirected edge as (smaller id, larger id)). */
typedef struct {
    int graphs;
    char **edge_source; /* by edge of the first graph */
    int64_t n_edges;
    size_t cap;
    char reason[sizeof igraph_reason]; /* libxml2's first error, as "Line 3: ..." */
    char bad_default[64]; /* an edgedefault neither "directed" nor "undirected" */
    /* the first graph's node ids, and its edges' endpoints (source,
     * target by edge): igraph makes a vertex of an id no node declares,
     * and of a repeated one, which then lacks its attributes */
    char **node_id, **edge_end;
    int64_t n_nodes;
    size_t cap_nodes, cap_ends;
} gml_scan_t;

static void on_xml_error(void *ctx, xmlErrorPtr e)
{
    gml_scan_t *sc = ctx;
    if (!sc->reason[0] && e && e->message)
        snprintf(sc->reason, sizeof sc->reason, "Line %d: %s", e->line, e->message);
}

/* libxml2's messages go to on_xml_error(); what it would print on stderr
 * by itself goes nowhere. */
static void xml_silent(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    (void)fmt;
}

static void gml_scan_free(gml_scan_t *sc)
{
    for (int64_t i = 0; i < sc->n_edges; i++) {
        free(sc->edge_source[i]);
        free(sc->edge_end[2 * i]);
        free(sc->edge_end[2 * i + 1]);
    }
    for (int64_t i = 0; i < sc->n_nodes; i++)
        free(sc->node_id[i]);
    free(sc->edge_source);
    free(sc->edge_end);
    free(sc->node_id);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A node id declared twice, or an edge's endpoint no node declares: 0,
 * or -1 with err set. Sorts the ids. O((nodes + edges) log nodes). */
static int gml_check_ids(gml_scan_t *sc, const char *path, tn_error_t *err)
{
    for (int64_t i = 0; i < sc->n_nodes; i++)
        if (!sc->node_id[i])
            return tn_error_set(err, TN_EINPUT, "%s: node %lld: no id", path, (long long)i);
    if (sc->n_nodes > 1) /* (qsort and bsearch take no null array) */
        qsort(sc->node_id, (size_t)sc->n_nodes, sizeof *sc->node_id, str_cmp);
    for (int64_t i = 1; i < sc->n_nodes; i++)
        if (!strcmp(sc->node_id[i], sc->node_id[i - 1]))
            return tn_error_set(err, TN_EINPUT, "%s: node id \"%s\" declared twice", path,
                                sc->node_id[i]);
    for (int64_t i = 0; i < 2 * sc->n_edges; i++) {
        const char *end = sc->edge_end[i], *which = i % 2 ? "target" : "source";
        if (!end)
            return tn_error_set(err, TN_EINPUT, "%s: edge %lld: no %s", path,
                                (long long)(i / 2), which);
        if (!sc->n_nodes ||
            !bsearch(&end, sc->node_id, (size_t)sc->n_nodes, sizeof *sc->node_id, str_cmp))
            return tn_error_set(err, TN_EINPUT, "%s: edge %lld: %s \"%s\" is no node's id",
                                path, (long long)(i / 2), which, end);
    }
    return 0;
}

static char *xml_attr_dup(xmlTextReaderPtr r, const char *name)
{
    xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
    char *s = v ? tn_strdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

/* Reads the document with libxml2: 0, or -1 with err set when it is not
 * well-formed XML (libxml2's first message, on one line) or holds more than
 * one <graph>. O(file size). */
static int gml_scan(gml_scan_t *sc, const char *path, tn_error_t *err)
{
    memset(sc, 0, sizeof *sc);
    xmlGenericErrorFunc old_fn = xmlGenericError;
    void *old_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, xml_silent);
    xmlTextReaderPtr r =
        xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    int ret = -1;
    if (r) {
        xmlTextReaderSetStructuredErrorHandler(r, on_xml_error, sc);
        while ((ret = xmlTextReaderRead(r)) == 1 && sc->graphs < 2) {
            if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
                continue;
            const char *name = (const char *)xmlTextReaderConstLocalName(r);
            int depth = xmlTextReaderDepth(r);
            if (depth == 1 && name && !strcmp(name, "graph")) {
                sc->graphs++;
                /* igraph takes any other word for "directed" silently */
                xmlChar *ed = xmlTextReaderGetAttribute(r, (const xmlChar *)"edgedefault");
                if (ed && strcmp((const char *)ed, "directed") &&
                    strcmp((const char *)ed, "undirected") && !sc->bad_default[0])
                    snprintf(sc->bad_default, sizeof sc->bad_default, "%s", (const char *)ed);
                xmlFree(ed);
            } else if (depth == 2 && sc->graphs == 1 && name && !strcmp(name, "edge")) {
                TN_GROW(sc->edge_source, sc->cap, sc->n_edges + 1);
                TN_GROW(sc->edge_end, sc->cap_ends, 2 * (size_t)sc->n_edges + 2);
                sc->edge_source[sc->n_edges] = xml_attr_dup(r, "source");
                sc->edge_end[2 * sc->n_edges] = xml_attr_dup(r, "source");
                sc->edge_end[2 * sc->n_edges + 1] = xml_attr_dup(r, "target");
                sc->n_edges++;
            } else if (depth == 2 && sc->graphs == 1 && name && !strcmp(name, "node")) {
                TN_GROW(sc->node_id, sc->cap_nodes, sc->n_nodes + 1);
                sc->node_id[sc->n_nodes++] = xml_attr_dup(r, "id");
            }
        }
        xmlFreeTextReader(r);
    }
    xmlSetGenericErrorFunc(old_ctx, old_fn);
    if (ret < 0) {
        char why[1200];
        return tn_error_set(err, TN_EINPUT, "%s: not valid graphml: %s", path,
                            tidy_reason(sc->reason, why, sizeof why));
    }
    if (sc->bad_default[0])
        return tn_error_set(err, TN_EINPUT,
                            "%s: <graph> edgedefault: expected directed or undirected, got "
                            "\"%s\"",
                            path, sc->bad_default);
    if (sc->graphs > 1)
        return tn_error_set(err, TN_EINPUT,
                            "%s: a second <graph> element: tensim reads one graph per file "
                            "(igraph would skip it without a word)",
                            path);
    return gml_check_ids(sc, path, err);
}

static int import_graphml(topo_t *t, const char *path, tn_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return tn_error_set(err, TN_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return tn_error_set(err, TN_EINPUT, "%s: is a directory, not a file", path);
    }
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
        fclose(f);
        return tn_error_set(err, TN_EINPUT, "%s: file is empty", path);
    }
    /* igraph keeps attributes only with an attribute handler, and its
     * default error handler aborts the process. Both settings are global
     * to igraph, so they are swapped in for the read and put back before
     * returning: graphs made elsewhere in tensim (topo_finalize) stay
     * attribute-free. The graph read here is destroyed while the handler
     * that owns its attributes is still installed. */
    igraph_attribute_table_t *old_table = igraph_set_attribute_table(&igraph_cattribute_table);
    igraph_error_handler_t *old_error = igraph_set_error_handler(on_igraph_error);
    igraph_warning_handler_t *old_warning = igraph_set_warning_handler(on_igraph_warning);
    igraph_reason[0] = '\0';

    gml_scan_t sc;
    igraph_t g;
    int rc = gml_scan(&sc, path, err);
    if (rc == 0 && igraph_read_graph_graphml(&g, f, 0) != IGRAPH_SUCCESS) {
        char why[1200];
        rc = tn_error_set(err, TN_EINPUT, "%s: not valid graphml: %s", path,
                          tidy_reason(igraph_reason, why, sizeof why));
    } else if (rc == 0) {
        rc = gml_to_topo(t, &g, path, sc.edge_source, sc.n_edges, err);
        igraph_destroy(&g);
    }
    gml_scan_free(&sc);
    fclose(f);

    igraph_set_warning_handler(old_warning);
    igraph_set_error_handler(old_error);
    igraph_set_attribute_table(old_table);
    return rc;
}

/* ---------------------------------------------------------------------
 * Topology JSON
 * --------------------------------------------------------------------- */

static const char *const top_keys[] = {"tensim_topology", "vertices", "links", NULL};
static const char *const vertex_keys[] = {"kind", "server", "cores", "store_bytes", NULL};
static const char *const link_keys[] = {"a", "b", "bw_gbps", "latency_ns", "tier", NULL};

/* o's member `key`, which must be an array. */
static const json_t *json_array_member(tn_jobj_t *o, const char *key)
{
    const json_t *v = json_object_get(o->obj, key);
    char b[64];
    if (!v)
        tn_jobj_fail(o, key, "missing required key");
    else if (!json_is_array(v))
        tn_jobj_fail(o, key, "expected an array, got %s", tn_json_brief(v, b, sizeof b));
    else
        return v;
    return NULL;
}

/* A required integer in [lo, hi] that may be negative (tn_jobj_u64 reads
 * only non-negative ones). */
static int json_int_member(tn_jobj_t *o, const char *key, json_int_t lo, json_int_t hi,
                           json_int_t *out)
{
    const json_t *v = json_object_get(o->obj, key);
    char b[64];
    if (!v)
        return tn_jobj_fail(o, key, "missing required key");
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return tn_jobj_fail(o, key, "expected a whole number from %lld to %lld, got %s",
                            (long long)lo, (long long)hi, tn_json_brief(v, b, sizeof b));
    *out = json_integer_value(v);
    return 0;
}

/* A rate or latency: a finite number, converted by `conv`. */
static int json_unit_member(tn_jobj_t *o, const char *key,
                            const char *(*conv)(double, uint64_t *), uint64_t *out)
{
    double d = 0;
    if (tn_jobj_double(o, key, true, -DBL_MAX, DBL_MAX, &d) != 0)
        return -1;
    const char *why = conv(d, out);
    char b[64];
    if (why)
        return tn_jobj_fail(o, key, "%s, got %s", why,
                            tn_json_brief(json_object_get(o->obj, key), b, sizeof b));
    return 0;
}

static int json_vertices(topo_t *t, tn_jobj_t *top, const char *const *kinds)
{
    const json_t *arr = json_array_member(top, "vertices");
    if (!arr)
        return -1;
    if (json_array_size(arr) == 0)
        return tn_jobj_fail(top, "vertices", "expected at least one vertex");
    if (json_array_size(arr) > INT32_MAX)
        return tn_jobj_fail(top, "vertices", "too many vertices");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char where[64];
        snprintf(where, sizeof where, "vertices[%zu]", i);
        tn_jobj_t vo;
        int kind = 0;
        json_int_t server = 0;
        uint64_t cores = 0, store = 0;
        if (tn_jobj_open(&vo, json_array_get(arr, i), top->src, where, vertex_keys, top->err) ||
            tn_jobj_enum(&vo, "kind", true, kinds, &kind) ||
            json_int_member(&vo, "server", -1, INT32_MAX - 1, &server) ||
            tn_jobj_u64(&vo, "cores", false, 0, INT32_MAX, &cores) < 0 ||
            tn_jobj_u64(&vo, "store_bytes", false, 0, (uint64_t)INT64_MAX, &store) < 0)
            return -1;
        if (store && kind != TOPO_STORAGE)
            return tn_jobj_fail(&vo, "store_bytes", "only a storage vertex has a capacity");
        int32_t id = topo_add_vertex(t, (topo_kind_t)kind, (int32_t)server, (int32_t)cores);
        if (store)
            topo_set_storage(t, id, store);
    }
    return 0;
}

static int json_links(topo_t *t, tn_jobj_t *top, const char *const *tiers)
{
    const json_t *arr = json_array_member(top, "links");
    if (!arr)
        return -1;
    if (json_array_size(arr) > INT32_MAX / 2 - 1)
        return tn_jobj_fail(top, "links", "too many links");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char where[64];
        snprintf(where, sizeof where, "links[%zu]", i);
        tn_jobj_t lo;
        uint64_t a = 0, b = 0, bps = 0, lat = 0;
        int tier = 0;
        if (tn_jobj_open(&lo, json_array_get(arr, i), top->src, where, link_keys, top->err) ||
            tn_jobj_u64(&lo, "a", true, 0, UINT64_MAX, &a) ||
            tn_jobj_u64(&lo, "b", true, 0, UINT64_MAX, &b))
            return -1;
        const char *end[2] = {"a", "b"};
        uint64_t vid[2] = {a, b};
        for (int k = 0; k < 2; k++)
            if (vid[k] >= (uint64_t)t->n_vertices)
                return tn_jobj_fail(&lo, end[k],
                                    "vertex %llu does not exist (vertices are 0 to %d)",
                                    (unsigned long long)vid[k], t->n_vertices - 1);
        if (a == b)
            return tn_jobj_fail(&lo, NULL, "a self-loop: a and b are both vertex %llu",
                                (unsigned long long)a);
        if (json_unit_member(&lo, "bw_gbps", gbps_to_bps, &bps) ||
            json_unit_member(&lo, "latency_ns", ns_to_ps, &lat) ||
            tn_jobj_enum(&lo, "tier", true, tiers, &tier))
            return -1;
        topo_add_cable(t, (int32_t)a, (int32_t)b, bps, lat, (topo_tier_t)tier);
    }
    return 0;
}

static int import_json(topo_t *t, const char *path, tn_error_t *err)
{
    json_t *root = tn_json_load_file(path, err);
    if (!root)
        return -1;
    const char *kinds[TOPO_KIND_COUNT + 1], *tiers[TOPO_TIER_COUNT + 1];
    for (int k = 0; k < TOPO_KIND_COUNT; k++)
        kinds[k] = topo_kind_name((topo_kind_t)k);
    kinds[TOPO_KIND_COUNT] = NULL;
    for (int k = 0; k < TOPO_TIER_COUNT; k++)
        tiers[k] = topo_tier_name((topo_tier_t)k);
    tiers[TOPO_TIER_COUNT] = NULL;

    tn_jobj_t top;
    uint64_t version = 0;
    int rc = tn_jobj_open(&top, root, path, "", top_keys, err);
    if (rc == 0)
        rc = tn_jobj_u64(&top, "tensim_topology", true, 0, UINT64_MAX, &version);
    if (rc == 0 && version != 1)
        rc = tn_jobj_fail(&top, "tensim_topology",
                          "unsupported version %llu (this tensim reads version 1)",
                          (unsigned long long)version);
    if (rc == 0)
        rc = json_vertices(t, &top, kinds);
    if (rc == 0)
        rc = json_links(t, &top, tiers);
    json_decref(root);
    return rc;
}

/* ---------------------------------------------------------------------
 * Entry point
 * --------------------------------------------------------------------- */

int topo_import_file(topo_t *t, const char *path, tn_error_t *err)
{
    TN_ASSERT(!t->finalized && t->n_vertices == 0 && t->n_edges == 0);
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    int rc;
    if (dot && (!strcasecmp(dot, ".graphml") || !strcasecmp(dot, ".xml")))
        rc = import_graphml(t, path, err);
    else if (dot && !strcasecmp(dot, ".json"))
        rc = import_json(t, path, err);
    else
        return tn_error_set(err, TN_EINPUT,
                            "%s: unknown topology file type (expected .graphml, .xml or .json)",
                            path);
    if (rc != 0)
        return rc;
    if (topo_finalize(t, err) != 0) {
        tn_error_prefix(err, "%s", path);
        return -1;
    }
    return 0;
}
