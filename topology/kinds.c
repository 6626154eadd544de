/* topology/kinds.c — every kind of fabric tensim builds, once: how each
 * reads its keys and builds. topo_spec_parse() takes the kind names from
 * this table only; a new kind is a file with its builder and a row here. */
#include "topology/spec.h"

#include <stdio.h>

#include "common/tn_file.h"
#include "topology/import.h"
#include "topology/single_switch.h"

static int single_switch_parse(topo_spec_t *s, tn_jobj_t *o)
{
    static const char *const keys[] = {"kind", "description", "sources", "assumptions", "gpus",
                                       "link", "storage", NULL};
    static const char *const link_keys[] = {"bw_gbps", "latency_ns", NULL};
    tn_jobj_t link;
    if (tn_jobj_open(o, o->obj, o->src, o->path, keys, o->err) ||
        tn_jobj_u64(o, "gpus", true, 1, TOPO_SINGLE_SWITCH_MAX_GPUS, &s->single_switch.gpus) < 0 ||
        tn_jobj_sub(o, "link", true, link_keys, &link) < 0 ||
        tn_jobj_gbps(&link, "bw_gbps", true, &s->single_switch.bps) < 0 ||
        tn_jobj_ns(&link, "latency_ns", true, &s->single_switch.latency_ps) < 0 ||
        topo_disk_parse(o, "storage", &s->single_switch.disk, &s->single_switch.storage_servers,
                        TOPO_SINGLE_SWITCH_MAX_GPUS) < 0)
        return -1;
    return 0;
}

static int single_switch_build(const topo_spec_t *s, topo_t *t, const topo_ports_t *ports,
                               tn_error_t *err)
{
    (void)ports;
    topo_build_single_switch(t, (int32_t)s->single_switch.gpus, s->single_switch.bps,
                             s->single_switch.latency_ps);
    topo_add_single_switch_storage(t, (int32_t)s->single_switch.gpus,
                                   (int32_t)s->single_switch.storage_servers, s->single_switch.bps,
                                   s->single_switch.latency_ps, &s->single_switch.disk);
    return topo_finalize(t, err);
}

/* "oversubscription": a number (the leaf tier; the tiers above are 1:1) or
 * an array, leaf tier first. */
static int parse_oversub(tn_jobj_t *f, int tiers, double out[2])
{
    out[0] = out[1] = 1;
    const json_t *v = json_object_get(f->obj, "oversubscription");
    if (!v)
        return 0;
    if (json_is_number(v))
        return tn_jobj_double(f, "oversubscription", true, 1, 64, &out[0]) < 0 ? -1 : 0;
    char b[64];
    if (!json_is_array(v) || json_array_size(v) != (size_t)(tiers - 1))
        return tn_jobj_fail(f, "oversubscription",
                            "expected a number (the leaf tier) or an array of %d numbers (leaf "
                            "tier first), got %s",
                            tiers - 1, tn_json_brief(v, b, sizeof b));
    for (int i = 0; i < tiers - 1; i++) {
        const json_t *e = json_array_get(v, (size_t)i);
        if (!json_is_number(e) || json_number_value(e) < 1 || json_number_value(e) > 64) {
            char k[64];
            snprintf(k, sizeof k, "oversubscription[%d]", i);
            return tn_jobj_fail(f, k, "expected a number from 1 to 64, got %s",
                                tn_json_brief(e, b, sizeof b));
        }
        out[i] = json_number_value(e);
    }
    return 0;
}

/* Does the fat-tree have room for the servers' ports? Checked at load, so
 * a scenario with a radix too small fails before anything is built. */
static int fattree_room(const topo_spec_t *s, tn_jobj_t *o)
{
    topo_ports_t ports;
    topo_ports_init(&ports);
    topo_spec_ports(s, &ports);
    topo_fattree_shape_t shape;
    tn_error_t e;
    int rc = 0;
    char fab[320];
    if (topo_fattree_shape(&s->fattree, &ports, &shape, &e))
        rc = tn_error_set(o->err, TN_EINPUT, "%s: %s: %s", o->src,
                          topo_spec_where(o, "fabric", fab, sizeof fab), e.msg);
    topo_ports_destroy(&ports);
    return rc;
}

static int fattree_parse_as(topo_spec_t *s, tn_jobj_t *o, bool rail_optimized)
{
    static const char *const keys[] = {"tiers", "radix", "oversubscription", "bw_gbps",
                                       "latency_ns", NULL};
    tn_jobj_t f;
    uint64_t tiers = 0, radix = 0;
    topo_fattree_t *p = &s->fattree;
    if (tn_jobj_sub(o, "fabric", true, keys, &f) < 0 ||
        tn_jobj_u64(&f, "tiers", true, 2, 3, &tiers) < 0 ||
        tn_jobj_u64(&f, "radix", true, 2, 4096, &radix) < 0 ||
        tn_jobj_gbps(&f, "bw_gbps", true, &p->bps) < 0 ||
        tn_jobj_ns(&f, "latency_ns", true, &p->latency_ps) < 0)
        return -1;
    p->tiers = (int32_t)tiers;
    p->radix = (int32_t)radix;
    p->rail_optimized = rail_optimized;
    return parse_oversub(&f, p->tiers, p->oversub) || fattree_room(s, o) ? -1 : 0;
}

static int fattree_parse(topo_spec_t *s, tn_jobj_t *o) { return fattree_parse_as(s, o, false); }
static int rail_parse(topo_spec_t *s, tn_jobj_t *o) { return fattree_parse_as(s, o, true); }

static int fattree_build(const topo_spec_t *s, topo_t *t, const topo_ports_t *ports,
                         tn_error_t *err)
{
    return topo_build_fattree(t, &s->fattree, ports, err) ? -1 : topo_finalize(t, err);
}

static int dragonfly_parse(topo_spec_t *s, tn_jobj_t *o)
{
    static const char *const keys[] = {"groups", "routers_per_group", "hosts_per_router",
                                       "global_links_per_router", "local_bw_gbps",
                                       "global_bw_gbps", "latency_ns", NULL};
    tn_jobj_t f;
    uint64_t g = 0, a = 0, hp = 0, h = 0;
    topo_dragonfly_t *p = &s->dragonfly;
    if (tn_jobj_sub(o, "fabric", true, keys, &f) < 0 ||
        tn_jobj_u64(&f, "groups", true, 2, 65536, &g) < 0 ||
        tn_jobj_u64(&f, "routers_per_group", true, 1, 4096, &a) < 0 ||
        tn_jobj_u64(&f, "hosts_per_router", true, 1, 4096, &hp) < 0 ||
        tn_jobj_u64(&f, "global_links_per_router", true, 1, 4096, &h) < 0 ||
        tn_jobj_gbps(&f, "local_bw_gbps", true, &p->local_bps) < 0 ||
        tn_jobj_gbps(&f, "global_bw_gbps", true, &p->global_bps) < 0 ||
        tn_jobj_ns(&f, "latency_ns", true, &p->latency_ps) < 0)
        return -1;
    p->groups = (int32_t)g;
    p->routers_per_group = (int32_t)a;
    p->hosts_per_router = (int32_t)hp;
    p->global_links_per_router = (int32_t)h;
    if ((a * h) % (g - 1))
        return tn_jobj_fail(&f, "groups",
                            "%llu groups do not share %llu global links per group evenly "
                            "(groups - 1 must divide routers_per_group x "
                            "global_links_per_router)",
                            (unsigned long long)g, (unsigned long long)(a * h));
    /* room for the servers' ports, checked at load like the fat-tree's */
    topo_ports_t ports;
    topo_ports_init(&ports);
    topo_spec_ports(s, &ports);
    int64_t room = (int64_t)p->groups * p->routers_per_group * p->hosts_per_router;
    size_t need = ports.n;
    topo_ports_destroy(&ports);
    char fab[320];
    if ((int64_t)need > room)
        return tn_error_set(o->err, TN_EINPUT,
                            "%s: %s: the dragonfly has %lld host ports, %zu endpoints need one",
                            o->src, topo_spec_where(o, "fabric", fab, sizeof fab),
                            (long long)room, need);
    return 0;
}

static int dragonfly_build(const topo_spec_t *s, topo_t *t, const topo_ports_t *ports,
                           tn_error_t *err)
{
    return topo_build_dragonfly(t, &s->dragonfly, ports, err) ? -1 : topo_finalize(t, err);
}

static int torus_parse(topo_spec_t *s, tn_jobj_t *o)
{
    static const char *const keys[] = {"dims", "bw_gbps", "latency_ns", NULL};
    tn_jobj_t f;
    topo_torus_t *p = &s->torus;
    if (tn_jobj_sub(o, "fabric", true, keys, &f) < 0 ||
        tn_jobj_gbps(&f, "bw_gbps", true, &p->bps) < 0 ||
        tn_jobj_ns(&f, "latency_ns", true, &p->latency_ps) < 0)
        return -1;
    const json_t *d = json_object_get(f.obj, "dims");
    char b[64];
    if (!d || !json_is_array(d) || json_array_size(d) < 2 || json_array_size(d) > 3)
        return tn_jobj_fail(&f, "dims", d ? "expected 2 or 3 sizes, got %s" : "missing required key%s",
                            d ? tn_json_brief(d, b, sizeof b) : "");
    p->n_dims = (int32_t)json_array_size(d);
    if (tn_jobj_int_array(&f, "dims", true, (size_t)p->n_dims, 1, 4096, p->dims) < 0)
        return -1;
    int64_t nodes = 1;
    for (int i = 0; i < p->n_dims; i++)
        nodes *= p->dims[i];
    if (nodes != (int64_t)s->servers + s->cpu_servers)
        return tn_jobj_fail(&f, "dims", "a torus of %lld nodes for %d servers: every server is "
                                        "one node",
                            (long long)nodes, s->servers + s->cpu_servers);
    return 0;
}

static int torus_build(const topo_spec_t *s, topo_t *t, const topo_ports_t *ports,
                       tn_error_t *err)
{
    return topo_build_torus(t, &s->torus, ports, err) ? -1 : topo_finalize(t, err);
}

static int graph_parse(topo_spec_t *s, tn_jobj_t *o)
{
    static const char *const keys[] = {"kind", "description", "sources", "assumptions", "file",
                                       NULL};
    const char *file = NULL;
    if (tn_jobj_open(o, o->obj, o->src, o->path, keys, o->err) ||
        tn_jobj_str(o, "file", true, &file) < 0)
        return -1;
    s->graph_file = tn_path_resolve(o->src, file);
    return 0;
}

/* topo_import_file() finalizes the graph it reads. */
static int graph_build(const topo_spec_t *s, topo_t *t, const topo_ports_t *ports,
                       tn_error_t *err)
{
    (void)ports;
    return topo_import_file(t, s->graph_file, err);
}

const topo_spec_kind_t topo_spec_kinds[] = {
    {"single-switch", "n GPUs, each on one cable to one switch", false, single_switch_parse,
     single_switch_build},
    {"fat-tree", "servers under a 2- or 3-tier folded Clos of radix-k switches", true,
     fattree_parse, fattree_build},
    {"rail-optimized", "a fat-tree whose leaves each take one NIC of every server", true,
     rail_parse, fattree_build},
    {"dragonfly", "groups of routers, all-to-all inside a group and between groups", true,
     dragonfly_parse, dragonfly_build},
    {"torus", "servers as the nodes of a 2D or 3D torus, cabled to their neighbours", true,
     torus_parse, torus_build},
    {"graph", "a GraphML or JSON file, as `tensim topo --export` writes", false, graph_parse,
     graph_build},
};
const size_t topo_spec_kinds_n = sizeof topo_spec_kinds / sizeof topo_spec_kinds[0];
