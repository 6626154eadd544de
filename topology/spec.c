#include "topology/spec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_json.h"
#include "topology/single_switch.h"

/* Presets: named full specs. They move to data files in topology/presets/
 * when the fabric builders arrive; the override mechanism stays as is. */
static const struct {
    const char *name, *json;
} presets[] = {
    {"single-switch",
     "{\"kind\": \"single-switch\", \"gpus\": 8,"
     " \"link\": {\"bw_gbps\": 100, \"latency_ns\": 500}}"},
};
#define N_PRESETS (sizeof presets / sizeof presets[0])

const char *const topo_preset_names[] = {"single-switch", NULL};

static const char *const kind_names[] = {"single-switch", NULL};

void topo_spec_destroy(topo_spec_t *s)
{
    if (!s)
        return;
    json_decref(s->spec);
    free(s->preset);
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

static int parse_single_switch(topo_spec_t *s, const char *src, const char *path,
                               tn_error_t *err)
{
    static const char *const keys[] = {"kind", "gpus", "link", NULL};
    static const char *const link_keys[] = {"bw_gbps", "latency_ns", NULL};
    tn_jobj_t top, *o = &top;
    if (tn_jobj_open(o, s->spec, src, path, keys, err))
        return -1;
    tn_jobj_t link;
    double gbps = 0, lat_ns = 0;
    if (tn_jobj_u64(o, "gpus", true, 1, TOPO_SINGLE_SWITCH_MAX_GPUS, &s->single_switch.gpus) < 0 ||
        tn_jobj_sub(o, "link", true, link_keys, &link) < 0 ||
        tn_jobj_double(&link, "bw_gbps", true, 1e-6, 1e6, &gbps) < 0 ||
        tn_jobj_double(&link, "latency_ns", true, 0, 1e9, &lat_ns) < 0)
        return -1;
    s->single_switch.bps = (uint64_t)llround(gbps * 1e9);
    s->single_switch.latency_ps = (uint64_t)llround(lat_ns * 1e3);
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
        int idx = 0;
        if (tn_jobj_open(&o, block, src, path, keys, err) ||
            tn_jobj_enum(&o, "preset", true, topo_preset_names, &idx) < 0)
            return -1;
        json_error_t je;
        s->spec = json_loads(presets[idx].json, 0, &je);
        TN_ASSERT(s->spec != NULL);
        s->preset = tn_strdup(presets[idx].name);
        tn_jobj_t set;
        int rc = tn_jobj_sub(&o, "set", false, NULL, &set);
        if (rc < 0)
            goto fail;
        if (rc == 0) {
            const char *k;
            json_t *v;
            json_object_foreach((json_t *)set.obj, k, v) {
                if (apply_override(s->spec, k, v, &set))
                    goto fail;
            }
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
    switch (s->kind) {
    case TOPO_SPEC_SINGLE_SWITCH:
        if (parse_single_switch(s, src, where, err))
            goto fail;
        break;
    }
    return 0;
fail:
    topo_spec_destroy(s);
    return -1;
}

int topo_spec_build(const topo_spec_t *s, topo_t *t, tn_error_t *err)
{
    switch (s->kind) {
    case TOPO_SPEC_SINGLE_SWITCH:
        topo_build_single_switch(t, (int32_t)s->single_switch.gpus, s->single_switch.bps,
                                 s->single_switch.latency_ps);
        break;
    }
    return topo_finalize(t, err);
}
