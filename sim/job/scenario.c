#include "sim/job/scenario.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_json.h"
#include "sim/coll/algo.h"
#include "sim/coll/latency.h"
#include "sim/net/net.h"

/* Room for the names of a table, NULL-terminated (the fills assert it). */
#define SCENARIO_MAX_NAMES 32

void sim_scenario_destroy(sim_scenario_t *sc)
{
    if (!sc)
        return;
    free(sc->src);
    free(sc->name);
    json_decref(sc->root);
    topo_spec_destroy(&sc->topo);
    wl_spec_destroy(&sc->workload);
    free(sc->stragglers);
    memset(sc, 0, sizeof *sc);
}

/* The longest --set / --vary key, in bytes. */
#define SET_KEY_MAX 255

const char *sim_set_key_problem(const char *key, size_t klen)
{
    if (klen > SET_KEY_MAX)
        return "key too long";
    /* JSON keys are UTF-8: jansson refuses to set any other key (and frees
     * the value it was given), so such a key could only be lost */
    json_t *as_json = json_stringn(key, klen);
    if (!as_json)
        return "key is not valid utf-8";
    json_decref(as_json);
    /* segments split at '.', except that under topology.set the rest is
     * one key of the preset (apply_set() walks the same way) */
    static const char preset[] = "topology.set.";
    size_t start = 0;
    for (size_t i = 0; i <= klen; i++) {
        if (i < klen && key[i] != '.')
            continue;
        if (i == start)
            return "empty key segment";
        if (i < klen && i + 1 == sizeof preset - 1 && !strncmp(key, preset, sizeof preset - 1)) {
            if (i + 1 == klen)
                return "empty key segment";
            break;
        }
        start = i + 1;
    }
    return NULL;
}

/* Applies "a.b.c=value" to root. Under topology.set the rest of the key is
 * one dotted key of the preset, as in the file. Missing objects on the way
 * are created; the validation that follows rejects keys that do not exist. */
static int apply_set(json_t *root, const char *src, const char *arg, tn_error_t *err)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return tn_error_set(err, TN_EINPUT, "%s: --set %s: expected key.path=value", src, arg);
    size_t klen = (size_t)(eq - arg);
    char key[SET_KEY_MAX + 1];
    const char *why = sim_set_key_problem(arg, klen);
    if (why && klen > SET_KEY_MAX)
        return tn_error_set(err, TN_EINPUT, "%s: --set %.40s...: %s", src, arg, why);
    if (why)
        return tn_error_set(err, TN_EINPUT, "%s: --set %.*s: %s", src, (int)klen, arg, why);
    memcpy(key, arg, klen);
    key[klen] = '\0';
    json_error_t je;
    json_t *val = json_loads(eq + 1, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (!val && strstr(je.text, "duplicate"))
        return tn_error_set(err, TN_EINPUT, "%s: --set %s: %s", src, key, je.text);
    if (!val)
        val = json_string(eq + 1);
    if (!val)
        return tn_error_set(err, TN_EINPUT, "%s: --set %s: value is not valid utf-8", src, key);

    json_t *cur = root;
    char *seg = key, walked[256] = "";
    for (;;) {
        char *dot = strchr(seg, '.');
        bool last = !dot || !strcmp(walked, "topology.set");
        if (!last)
            *dot = '\0';
        TN_ASSERT(*seg); /* sim_set_key_problem() refused empty segments */
        /* jansson fails a set only for a key that is not UTF-8, which
         * sim_set_key_problem() refused */
        if (last) {
            int rc = json_object_set_new(cur, seg, val);
            TN_ASSERT(rc == 0);
            return 0;
        }
        json_t *next = json_object_get(cur, seg);
        if (!next) {
            next = json_object();
            int rc = json_object_set_new(cur, seg, next);
            TN_ASSERT(rc == 0);
        }
        size_t wl = strlen(walked), sl = strlen(seg);
        TN_ASSERT(wl + sl + 2 <= sizeof walked); /* both come from key[256] */
        if (wl)
            walked[wl++] = '.';
        memcpy(walked + wl, seg, sl + 1);
        if (!json_is_object(next)) {
            json_decref(val);
            return tn_error_set(err, TN_EINPUT, "%s: %s: is a value, not an object (from --set %.*s)",
                                src, walked, (int)klen, arg);
        }
        cur = next;
        seg = dot + 1;
    }
}

/* The default name: the file's base name without ".json". */
static char *default_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 5 && !strcmp(b + n - 5, ".json"))
        n -= 5;
    char *s = tn_malloc(n + 1);
    memcpy(s, b, n);
    s[n] = '\0';
    return s;
}

/* A name becomes a directory name (out/<name>/): keep it to a safe set. */
static bool name_ok(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 128)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return false;
    return true;
}

/* "stragglers": [{"rank": r, "slowdown": f}, ...], each rank once. */
static int parse_stragglers(sim_scenario_t *sc, tn_jobj_t *o)
{
    static const char *const keys[] = {"rank", "slowdown", NULL};
    const json_t *a = json_object_get(o->obj, "stragglers");
    if (!a)
        return 0;
    if (!json_is_array(a))
        return tn_jobj_fail(o, "stragglers", "expected an array of {\"rank\", \"slowdown\"}");
    size_t n = json_array_size(a);
    sc->stragglers = tn_calloc(n + 1, sizeof *sc->stragglers);
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "stragglers[%zu]", i);
        tn_jobj_t e;
        struct sim_straggler *s = &sc->stragglers[i];
        if (tn_jobj_open(&e, json_array_get(a, i), o->src, path, keys, o->err) ||
            tn_jobj_u64(&e, "rank", true, 0, WL_MAX_RANKS - 1, &s->rank) < 0 ||
            tn_jobj_double(&e, "slowdown", true, 0.01, 100, &s->slowdown) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (sc->stragglers[j].rank == s->rank)
                return tn_jobj_fail(&e, "rank", "rank %llu is already listed at stragglers[%zu]",
                                    (unsigned long long)s->rank, j);
        sc->n_stragglers++;
    }
    return 0;
}

/* collectives.channels: 1 to 64, or "auto" (0: NCCL's channel loop). */
static int scenario_channels(tn_jobj_t *sub, uint64_t *out)
{
    const json_t *v = json_object_get(sub->obj, "channels");
    if (json_is_string(v) && !strcmp(json_string_value(v), "auto")) {
        *out = 0;
        return 0;
    }
    if (json_is_string(v))
        return tn_jobj_fail(sub, "channels", "expected \"auto\" or an integer from 1 to 64, got "
                            "\"%s\"", json_string_value(v));
    return tn_jobj_u64(sub, "channels", false, 1, 64, out);
}

static int validate(sim_scenario_t *sc, tn_error_t *err)
{
    static const char *const keys[] = {"name",    "description", "seed",        "topology",
                                       "workload", "network",    "collectives", "iterations",
                                       "stragglers", "training",   "power",       "prices",
                                       NULL};
    static const char *const net_keys[] = {"model", "shortcuts", NULL};
    static const char *const coll_keys[] = {"algorithm", "chunk_bytes", "channels", "protocol",
                                            NULL};
    tn_jobj_t o, sub;
    const char *name = NULL, *desc = NULL;
    int rc;
    if (tn_jobj_open(&o, sc->root, sc->src, "", keys, err) ||
        tn_jobj_str(&o, "name", false, &name) < 0 ||
        tn_jobj_str(&o, "description", false, &desc) < 0 ||
        tn_jobj_u64(&o, "seed", false, 0, INT64_MAX, &sc->seed) < 0 ||
        tn_jobj_u64(&o, "iterations", false, 1, 1000, &sc->iterations) < 0 ||
        parse_stragglers(sc, &o) < 0)
        return -1;
    /* the training run to a token target: read by goodput/spec.h, which this
     * room is below; only its type is checked here */
    const json_t *training = json_object_get(sc->root, "training");
    if (training && !json_is_object(training))
        return tn_jobj_fail(&o, "training", "expected an object (docs/scenario.md, \"training\")");
    /* "power" and "prices" are read and checked by energy/spec.h, also
     * above this room (cli_scenario_load) */
    if (name && !name_ok(name))
        return tn_jobj_fail(&o, "name", "expected letters, digits, '-', '_' or '.' (a directory "
                                        "name), not starting with '.'");
    sc->name = name ? tn_strdup(name) : default_name(sc->src);
    if (!name_ok(sc->name))
        return tn_jobj_fail(&o, NULL, "missing \"name\", and the file name \"%s\" cannot stand "
                                      "in for it", sc->name);

    const json_t *topo = json_object_get(sc->root, "topology");
    if (!topo)
        return tn_jobj_fail(&o, "topology", "missing required key");
    if (topo_spec_parse(&sc->topo, topo, sc->src, "topology", err))
        return -1;
    const json_t *wl = json_object_get(sc->root, "workload");
    if (!wl)
        return tn_jobj_fail(&o, "workload", "missing required key");
    if (wl_spec_parse(&sc->workload, wl, sc->src, "workload", err))
        return -1;

    /* the names users may type: the models', algorithms' and protocols' tables' */
    const char *models[SCENARIO_MAX_NAMES], *algos[SCENARIO_MAX_NAMES],
        *protocols[SCENARIO_MAX_NAMES];
    TN_NAMES_FILL(sim_net_models, sim_net_models_n, models, SCENARIO_MAX_NAMES);
    TN_NAMES_FILL(sim_coll_algos, sim_coll_algos_n, algos, SCENARIO_MAX_NAMES);
    TN_NAMES_FILL(sim_protocols, sim_protocols_n, protocols, SCENARIO_MAX_NAMES);
    int model = SIM_NET_FLOW, algo = SIM_ALGO_AUTO;
    if ((rc = tn_jobj_sub(&o, "network", false, net_keys, &sub)) < 0 ||
        (rc == 0 && (tn_jobj_enum(&sub, "model", false, models, &model) < 0 ||
                     tn_jobj_bool(&sub, "shortcuts", false, &sc->shortcuts) < 0)))
        return -1;
    sc->net_model = (sim_net_model_t)model;
    if ((rc = tn_jobj_sub(&o, "collectives", false, coll_keys, &sub)) < 0 ||
        (rc == 0 && (tn_jobj_enum(&sub, "algorithm", false, algos, &algo) < 0 ||
                     tn_jobj_u64(&sub, "chunk_bytes", false, 1, 1ull << 40, &sc->chunk_bytes) < 0 ||
                     scenario_channels(&sub, &sc->channels) < 0 ||
                     tn_jobj_enum(&sub, "protocol", false, protocols, &sc->protocol) < 0)))
        return -1;
    /* channels not given: NCCL's loop with NCCL's protocol choice (its LL
     * and LL128 picks assume many channels; channel bundles make them
     * cheap, docs/collectives.md), one ring with a forced protocol */
    if (rc != 0 || !json_object_get(sub.obj, "channels"))
        sc->channels = sc->protocol == 0 ? 0 : 1;
    sc->algorithm = (sim_algo_t)algo;
    return 0;
}

int sim_scenario_load(sim_scenario_t *sc, const char *path, const sim_overrides_t *ov,
                      tn_error_t *err)
{
    memset(sc, 0, sizeof *sc);
    sc->src = tn_strdup(path);
    sc->seed = 1;
    sc->iterations = 1;
    sc->net_model = SIM_NET_FLOW;
    sc->shortcuts = true;
    sc->algorithm = SIM_ALGO_AUTO;
    sc->chunk_bytes = 0; /* not set: the algorithm's own split */
    sc->channels = 0; /* set in validate(): by the protocol, when not given */
    sc->root = tn_json_load_file(path, err);
    if (!sc->root)
        goto fail;
    if (!json_is_object(sc->root)) {
        char b[64];
        tn_error_set(err, TN_EINPUT, "%s: expected a json object at the top, got %s", path,
                     tn_json_brief(sc->root, b, sizeof b));
        goto fail;
    }
    for (int i = 0; ov && i < ov->n_sets; i++)
        if (apply_set(sc->root, path, ov->sets[i], err))
            goto fail;
    if (ov && ov->has_seed)
        json_object_set_new(sc->root, "seed", json_integer((json_int_t)ov->seed));
    if (validate(sc, err))
        goto fail;
    sc->hash = tn_json_hash(sc->root);
    return 0;
fail:
    sim_scenario_destroy(sc);
    return -1;
}
