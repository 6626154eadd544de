#include "topology/spec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_file.h"
#include "common/tn_json.h"
#include "topology/embedded.h"
#include "topology/import.h"
#include "topology/ports.h"
#include "topology/single_switch.h"

static const char *const kind_names[] = {"single-switch", "fat-tree", "rail-optimized",
                                         "dragonfly",     "torus",    "graph",
                                         NULL};

const char *topo_preset_list(char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (const topo_embedded_t *e = topo_embedded_presets; e->name; e++)
        len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s", len ? ", " : "",
                                e->name);
    return buf;
}

void topo_spec_destroy(topo_spec_t *s)
{
    if (!s)
        return;
    json_decref(s->spec);
    free(s->preset);
    free(s->graph_file);
    topo_server_destroy(&s->server);
    topo_server_destroy(&s->cpu_server);
    memset(s, 0, sizeof *s);
}

/* Applies one dotted override ("link.bw_gbps": 200) to spec. Every segment
 * must name a key the preset already has: overrides change values, they do
 * not invent keys. */
static int apply_override(json_t *spec, const char *dotted, json_t *value, tn_jobj_t *setobj)
{
    char buf[256];
    if (strlen(dotted) >= sizeof buf)
        return tn_jobj_fail(setobj, dotted, "key too long");
    strcpy(buf, dotted);
    json_t *cur = spec;
    char *seg = buf;
    for (;;) {
        char *dot = strchr(seg, '.');
        if (dot)
            *dot = '\0';
        json_t *next = json_object_get(cur, seg);
        if (!next)
            return tn_jobj_fail(setobj, dotted, "the preset has no key \"%s\"", seg);
        if (dot && json_is_string(next) && (!strcmp(seg, "server") || !strcmp(seg, "cpu_server"))) {
            /* "server.nics.bw_gbps": open the named server type into an
             * inline copy, then change it */
            const topo_embedded_t *e =
                topo_embedded_find(topo_embedded_servers, json_string_value(next));
            if (!e)
                return tn_jobj_fail(setobj, dotted, "unknown server type \"%s\"",
                                    json_string_value(next));
            json_error_t je;
            next = json_loads(e->text, JSON_REJECT_DUPLICATES, &je);
            TN_ASSERT(next != NULL);
            json_object_set_new(cur, seg, next);
        }
        if (!dot && json_is_object(value) && json_is_object(next)) {
            /* {"link": {"bw_gbps": 200}} changes link.bw_gbps and keeps the
             * rest of the preset's link, like "link.bw_gbps": 200. */
            const char *k;
            json_t *v;
            json_object_foreach(value, k, v) {
                char sub[512];
                snprintf(sub, sizeof sub, "%s.%s", dotted, k);
                if (apply_override(spec, sub, v, setobj))
                    return -1;
            }
            return 0;
        }
        if (!dot)
            return json_object_set(cur, seg, value) ? tn_jobj_fail(setobj, dotted, "cannot set")
                                                    : 0;
        if (!json_is_object(next))
            return tn_jobj_fail(setobj, dotted, "\"%s\" is a value, not a group of keys", seg);
        cur = next;
        seg = dot + 1;
    }
}

static int parse_single_switch(topo_spec_t *s, tn_jobj_t *o)
{
    static const char *const keys[] = {"kind", "description", "sources", "assumptions", "gpus",
                                       "link", NULL};
    static const char *const link_keys[] = {"bw_gbps", "latency_ns", NULL};
    tn_jobj_t link;
    if (tn_jobj_open(o, o->obj, o->src, o->path, keys, o->err) ||
        tn_jobj_u64(o, "gpus", true, 1, TOPO_SINGLE_SWITCH_MAX_GPUS, &s->single_switch.gpus) < 0 ||
        tn_jobj_sub(o, "link", true, link_keys, &link) < 0 ||
        tn_jobj_gbps(&link, "bw_gbps", true, &s->single_switch.bps) < 0 ||
        tn_jobj_ns(&link, "latency_ns", true, &s->single_switch.latency_ps) < 0)
        return -1;
    return 0;
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

static int parse_fabric(topo_spec_t *s, tn_jobj_t *o)
{
    tn_jobj_t f;
    if (s->kind == TOPO_SPEC_FAT_TREE || s->kind == TOPO_SPEC_RAIL_OPTIMIZED) {
        static const char *const keys[] = {"tiers", "radix", "oversubscription", "bw_gbps",
                                           "latency_ns", NULL};
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
        p->rail_optimized = s->kind == TOPO_SPEC_RAIL_OPTIMIZED;
        return parse_oversub(&f, p->tiers, p->oversub);
    }
    if (s->kind == TOPO_SPEC_DRAGONFLY) {
        static const char *const keys[] = {"groups", "routers_per_group", "hosts_per_router",
                                           "global_links_per_router", "local_bw_gbps",
                                           "global_bw_gbps", "latency_ns", NULL};
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
        return 0;
    }
    /* torus */
    static const char *const keys[] = {"dims", "bw_gbps", "latency_ns", NULL};
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

/* The fabric ports the servers will have (vertex ids unknown yet: -1), in
 * the order the builder sees them. O(ports). */
static void plan_ports(const topo_spec_t *s, topo_ports_t *ports)
{
    for (int32_t i = 0; i < s->servers + s->cpu_servers; i++) {
        const topo_server_t *st = i < s->servers ? &s->server : &s->cpu_server;
        int32_t n = st->nics ? st->nics : st->gpus;
        for (int32_t k = 0; k < n; k++)
            topo_ports_add(ports, -1, st->nics ? st->nic_bps : st->gpu_port_bps, i, k);
    }
}

/* Does the fabric have room for the servers' ports? Checked at load, so a
 * scenario with a radix too small fails before anything is built. */
static int check_room(const topo_spec_t *s, tn_jobj_t *o)
{
    topo_ports_t ports;
    topo_ports_init(&ports);
    plan_ports(s, &ports);
    int rc = 0;
    char fab[320];
    snprintf(fab, sizeof fab, "%s%sfabric", o->path, o->path[0] ? "." : "");
    if (s->kind == TOPO_SPEC_FAT_TREE || s->kind == TOPO_SPEC_RAIL_OPTIMIZED) {
        topo_fattree_shape_t shape;
        tn_error_t e;
        if (topo_fattree_shape(&s->fattree, &ports, &shape, &e))
            rc = tn_error_set(o->err, TN_EINPUT, "%s: %s: %s", o->src, fab, e.msg);
    } else if (s->kind == TOPO_SPEC_DRAGONFLY) {
        const topo_dragonfly_t *p = &s->dragonfly;
        int64_t room = (int64_t)p->groups * p->routers_per_group * p->hosts_per_router;
        if ((int64_t)ports.n > room)
            rc = tn_error_set(o->err, TN_EINPUT,
                              "%s: %s: the dragonfly has %lld host ports, %zu endpoints need one",
                              o->src, fab, (long long)room, ports.n);
    }
    topo_ports_destroy(&ports);
    return rc;
}

static int parse_servers(topo_spec_t *s, tn_jobj_t *o)
{
    static const char *const keys[] = {"kind",        "description", "sources", "assumptions",
                                       "servers",     "server",      "cpu_servers",
                                       "cpu_server",  "fabric",      NULL};
    uint64_t n = 0, cpu = 0;
    char where[320];
    if (tn_jobj_open(o, o->obj, o->src, o->path, keys, o->err) ||
        tn_jobj_u64(o, "servers", true, 1, TOPO_MAX_SERVERS, &n) < 0 ||
        tn_jobj_u64(o, "cpu_servers", false, 0, TOPO_MAX_CPU_SERVERS, &cpu) < 0)
        return -1;
    s->servers = (int32_t)n;
    s->cpu_servers = (int32_t)cpu;
    const json_t *sv = json_object_get(o->obj, "server");
    if (!sv)
        return tn_jobj_fail(o, "server", "missing required key");
    snprintf(where, sizeof where, "%s%sserver", o->path, o->path[0] ? "." : "");
    if (topo_server_parse(&s->server, sv, o->src, where, o->err))
        return -1;
    const json_t *cs = json_object_get(o->obj, "cpu_server");
    if (cpu > 0 && !cs)
        return tn_jobj_fail(o, "cpu_server", "missing: %llu cpu_servers need a type",
                            (unsigned long long)cpu);
    if (cs) {
        snprintf(where, sizeof where, "%s%scpu_server", o->path, o->path[0] ? "." : "");
        if (topo_server_parse(&s->cpu_server, cs, o->src, where, o->err))
            return -1;
    }
    int64_t v = (int64_t)n * topo_server_vertices(&s->server) +
                (int64_t)cpu * (cs ? topo_server_vertices(&s->cpu_server) : 0);
    if (v > 50000000)
        return tn_jobj_fail(o, "servers", "%lld vertices is more than tensim builds (50,000,000)",
                            (long long)v);
    return parse_fabric(s, o) || check_room(s, o) ? -1 : 0;
}

static int parse_graph(topo_spec_t *s, tn_jobj_t *o)
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

int topo_spec_parse(topo_spec_t *s, const json_t *block, const char *src, const char *path,
                    tn_error_t *err)
{
    memset(s, 0, sizeof *s);
    tn_jobj_t o;
    if (tn_jobj_open(&o, block, src, path, NULL, err))
        return -1;
    if (json_object_get(block, "preset")) {
        static const char *const keys[] = {"preset", "set", NULL};
        const char *name = NULL;
        if (tn_jobj_open(&o, block, src, path, keys, err) ||
            tn_jobj_str(&o, "preset", true, &name) < 0)
            return -1;
        const topo_embedded_t *e = topo_embedded_find(topo_embedded_presets, name);
        if (!e) {
            char list[256];
            return tn_jobj_fail(&o, "preset", "unknown preset \"%s\" (built in: %s)", name,
                                topo_preset_list(list, sizeof list));
        }
        json_error_t je;
        s->spec = json_loads(e->text, JSON_REJECT_DUPLICATES, &je);
        TN_ASSERT(s->spec != NULL);
        s->preset = tn_strdup(e->name);
        tn_jobj_t set;
        int rc = tn_jobj_sub(&o, "set", false, NULL, &set);
        if (rc < 0)
            goto fail;
        if (rc == 0) {
            json_t *cpu0 = json_object_get(s->spec, "cpu_servers");
            json_t *srv0 = json_object_get(s->spec, "servers");
            json_int_t cpu = json_integer_value(cpu0), srv = json_integer_value(srv0);
            const char *k;
            json_t *v;
            json_object_foreach((json_t *)set.obj, k, v) {
                if (apply_override(s->spec, k, v, &set))
                    goto fail;
            }
            /* "servers" makes a smaller (or larger) copy of the same system:
             * CPU servers scale with it unless set too. */
            json_t *srv1 = json_object_get(s->spec, "servers");
            if (cpu > 0 && srv > 0 && json_object_get(set.obj, "servers") &&
                !json_object_get(set.obj, "cpu_servers") && json_is_integer(srv1) &&
                json_integer_value(srv1) > 0 && json_integer_value(srv1) <= TOPO_MAX_SERVERS)
                json_object_set_new(s->spec, "cpu_servers",
                                    json_integer((cpu * json_integer_value(srv1) + srv / 2) / srv));
        }
    } else {
        s->spec = json_deep_copy(block);
    }
    /* Validate the merged spec. In a preset only overridden values can be
     * wrong, and their dotted keys sit under "set", so that is where the
     * messages point. */
    char where[256];
    if (s->preset)
        snprintf(where, sizeof where, "%s%sset", path, path[0] ? "." : "");
    else
        snprintf(where, sizeof where, "%s", path);
    tn_jobj_t spec;
    int kind = 0;
    if (tn_jobj_open(&spec, s->spec, src, where, NULL, err) ||
        tn_jobj_enum(&spec, "kind", true, kind_names, &kind) < 0)
        goto fail;
    s->kind = (topo_spec_kind_t)kind;
    int rc;
    switch (s->kind) {
    case TOPO_SPEC_SINGLE_SWITCH:
        rc = parse_single_switch(s, &spec);
        break;
    case TOPO_SPEC_GRAPH:
        rc = parse_graph(s, &spec);
        break;
    default:
        rc = parse_servers(s, &spec);
        break;
    }
    if (rc)
        goto fail;
    return 0;
fail:
    topo_spec_destroy(s);
    return -1;
}

int topo_spec_build(const topo_spec_t *s, topo_t *t, tn_error_t *err)
{
    if (s->kind == TOPO_SPEC_SINGLE_SWITCH) {
        topo_build_single_switch(t, (int32_t)s->single_switch.gpus, s->single_switch.bps,
                                 s->single_switch.latency_ps);
        return topo_finalize(t, err);
    }
    if (s->kind == TOPO_SPEC_GRAPH)
        return topo_import_file(t, s->graph_file, err);
    topo_ports_t ports;
    topo_ports_init(&ports);
    for (int32_t i = 0; i < s->servers; i++)
        topo_add_server(t, &s->server, i, &ports);
    for (int32_t i = 0; i < s->cpu_servers; i++)
        topo_add_server(t, &s->cpu_server, s->servers + i, &ports);
    int rc;
    switch (s->kind) {
    case TOPO_SPEC_DRAGONFLY:
        rc = topo_build_dragonfly(t, &s->dragonfly, &ports, err);
        break;
    case TOPO_SPEC_TORUS:
        rc = topo_build_torus(t, &s->torus, &ports, err);
        break;
    default:
        rc = topo_build_fattree(t, &s->fattree, &ports, err);
        break;
    }
    topo_ports_destroy(&ports);
    return rc ? -1 : topo_finalize(t, err);
}
