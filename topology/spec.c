#include "topology/spec.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_file.h"
#include "common/tn_json.h"
#include "common/tn_names.h"
#include "topology/embedded.h"

const char *topo_preset_list(char *buf, size_t n)
{
    return topo_embedded_list(topo_embedded_presets, buf, n);
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
            next = topo_embedded_json(e);
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

const char *topo_spec_where(const tn_jobj_t *o, const char *key, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s", o->path, o->path[0] ? "." : "", key);
    return buf;
}

void topo_spec_ports(const topo_spec_t *s, topo_ports_t *ports)
{
    for (int32_t i = 0; i < s->servers + s->cpu_servers; i++) {
        const topo_server_t *st = i < s->servers ? &s->server : &s->cpu_server;
        int32_t n = st->nics ? st->nics : st->gpus;
        for (int32_t k = 0; k < n; k++)
            topo_ports_add(ports, -1, st->nics ? st->nic_bps : st->gpu_port_bps, i, k);
    }
}

_Static_assert(offsetof(topo_spec_kind_t, name) == 0, "common/tn_names.h reads a row's name first");

const topo_spec_kind_t *topo_spec_kind_find(const char *name)
{
    int i = TN_NAMES_FIND(topo_spec_kinds, topo_spec_kinds_n, name);
    return i < 0 ? NULL : &topo_spec_kinds[i];
}

/* "cpu_servers_role": "storage" gives every CPU server the disk of the
 * spec's "storage" block (or keeps its type's own); "compute" builds them
 * without a disk; absent, they are built as their type says. The block is
 * read under either role, so one override switches the tier off or on. */
static int cpu_servers_role(topo_spec_t *s, tn_jobj_t *o)
{
    static const char *const roles[] = {"compute", "storage", NULL};
    int role = -1;
    topo_disk_t disk;
    int rc = tn_jobj_enum(o, "cpu_servers_role", false, roles, &role);
    if (rc < 0)
        return -1;
    int has = topo_disk_parse(o, "storage", &disk, NULL, 0);
    if (has < 0)
        return -1;
    if (has == 0 && role < 0)
        return tn_jobj_fail(o, "storage", "the disk of each cpu server: give "
                                          "\"cpu_servers_role\": \"storage\" too");
    topo_server_t *c = &s->cpu_server;
    if (role == 0)
        c->has_disk = false;
    if (role != 1)
        return 0;
    if (has == 0) {
        c->disk = disk;
        c->has_disk = true;
    }
    if (s->cpu_servers == 0)
        return 0; /* nothing to build: a tier that is off by default */
    if (!c->has_disk)
        return tn_jobj_fail(o, "cpu_servers_role", "\"storage\" needs a \"storage\" block "
                                                   "(bw_gbps, capacity_tb) here or in the "
                                                   "cpu_server type");
    if (!topo_server_can_store(c))
        return tn_jobj_fail(o, "cpu_server", "the cpu server has no cpu socket or nic to "
                                             "attach a disk to");
    return 0;
}

/* The keys every kind on servers has: servers, server, cpu_servers, and
 * fabric (left to the kind's parse). */
static int parse_servers(topo_spec_t *s, tn_jobj_t *o)
{
    static const char *const keys[] = {"kind",        "description", "sources", "assumptions",
                                       "servers",     "server",      "cpu_servers",
                                       "cpu_server",  "fabric",      "cpu_servers_role",
                                       "storage",     NULL};
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
    if (topo_server_parse(&s->server, sv, o->src, topo_spec_where(o, "server", where, sizeof where),
                          o->err))
        return -1;
    const json_t *cs = json_object_get(o->obj, "cpu_server");
    if (cpu > 0 && !cs)
        return tn_jobj_fail(o, "cpu_server", "missing: %llu cpu_servers need a type",
                            (unsigned long long)cpu);
    if (cs && topo_server_parse(&s->cpu_server, cs, o->src,
                                topo_spec_where(o, "cpu_server", where, sizeof where), o->err))
        return -1;
    if (cpu_servers_role(s, o))
        return -1;
    int64_t v = (int64_t)n * topo_server_vertices(&s->server) +
                (int64_t)cpu * (cs ? topo_server_vertices(&s->cpu_server) : 0);
    if (v > 50000000)
        return tn_jobj_fail(o, "servers", "%lld vertices is more than tensim builds (50,000,000)",
                            (long long)v);
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
        s->spec = topo_embedded_json(e);
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
    const char *names[16];
    TN_ASSERT(topo_spec_kinds_n < sizeof names / sizeof names[0]);
    for (size_t i = 0; i < topo_spec_kinds_n; i++)
        names[i] = topo_spec_kinds[i].name;
    names[topo_spec_kinds_n] = NULL;
    int kind = 0;
    if (tn_jobj_open(&spec, s->spec, src, where, NULL, err) ||
        tn_jobj_enum(&spec, "kind", true, names, &kind) < 0)
        goto fail;
    s->kind = &topo_spec_kinds[kind];
    int rc = (s->kind->on_servers && parse_servers(s, &spec)) || s->kind->parse(s, &spec);
    if (rc)
        goto fail;
    return 0;
fail:
    topo_spec_destroy(s);
    return -1;
}

int topo_spec_build(const topo_spec_t *s, topo_t *t, tn_error_t *err)
{
    if (!s->kind->on_servers)
        return s->kind->build(s, t, NULL, err);
    topo_ports_t ports;
    topo_ports_init(&ports);
    for (int32_t i = 0; i < s->servers; i++)
        topo_add_server(t, &s->server, i, &ports);
    for (int32_t i = 0; i < s->cpu_servers; i++)
        topo_add_server(t, &s->cpu_server, s->servers + i, &ports);
    int rc = s->kind->build(s, t, &ports, err);
    topo_ports_destroy(&ports);
    return rc;
}
