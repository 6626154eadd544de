/* goodput/cache.c — see goodput/cache.h. */
#include "goodput/cache.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_file.h"
#include "common/tn_hash.h"
#include "common/tn_json.h"
#include "common/tn_version.h"

/* bump when a figure's meaning or the way it is simulated changes */
#define GP_CACHE_FORMAT "tensim-goodput-cache 1"

int gp_cache_init(gp_cache_t *c, const char *dir, const json_t *root, tn_error_t *err)
{
    memset(c, 0, sizeof *c);
    json_t *job = json_deep_copy(root);
    TN_ASSERT(job);
    /* keys that name or describe the job, or drive only the goodput model
     * (the seed draws the failures; no iteration simulation reads it) */
    json_object_del(job, "seed");
    json_object_del(job, "name");
    json_object_del(job, "description");
    json_object_del(job, "training");
    json_object_del(job, "power");  /* energy and money: figured after the simulations */
    json_object_del(job, "prices");
    uint64_t h = tn_fnv1a64(TN_FNV1A64_INIT, GP_CACHE_FORMAT, sizeof GP_CACHE_FORMAT);
    h = tn_fnv1a64(h, TENSIM_VERSION, sizeof TENSIM_VERSION);
    uint64_t j = tn_json_hash(job);
    c->base = tn_fnv1a64(h, &j, sizeof j);
    json_decref(job);
    if (!dir)
        return 0;
    if (tn_mkdirs(dir, err)) {
        tn_error_prefix(err, "cache");
        return -1;
    }
    c->dir = tn_strdup(dir);
    return 0;
}

void gp_cache_destroy(gp_cache_t *c)
{
    free(c->dir);
    c->dir = NULL;
}

uint64_t gp_cache_key(const gp_cache_t *c, const char *what)
{
    return tn_fnv1a64(c->base, what, strlen(what) + 1);
}

static char *entry_path(const gp_cache_t *c, uint64_t key)
{
    size_t n = strlen(c->dir) + 32;
    char *p = tn_malloc(n);
    snprintf(p, n, "%s/%016llx.json", c->dir, (unsigned long long)key);
    return p;
}

bool gp_cache_get(gp_cache_t *c, const char *what, gp_cache_entry_t *e)
{
    if (!c->dir)
        return false;
    uint64_t key = gp_cache_key(c, what);
    char *p = entry_path(c, key);
    json_t *root = json_load_file(p, 0, NULL);
    free(p);
    char want[20];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)key);
    const char *got = json_string_value(json_object_get(root, "key"));
    bool hit = root && got && !strcmp(got, want) &&
               json_is_object(json_object_get(root, "values"));
    for (int i = 0; hit && i < e->n; i++) {
        const json_t *v = json_object_get(json_object_get(root, "values"), e->name[i]);
        hit = json_is_number(v) && isfinite(json_number_value(v));
        if (hit)
            e->value[i] = json_number_value(v);
    }
    json_decref(root);
    if (hit)
        c->hits++;
    else
        c->misses++;
    return hit;
}

int gp_cache_put(gp_cache_t *c, const char *what, const gp_cache_entry_t *e, tn_error_t *err)
{
    if (!c->dir)
        return 0;
    uint64_t key = gp_cache_key(c, what);
    char k[20];
    snprintf(k, sizeof k, "%016llx", (unsigned long long)key);
    json_t *root = json_object(), *vals = json_object();
    json_object_set_new(root, "key", json_string(k));
    json_object_set_new(root, "what", json_string(what));
    json_object_set_new(root, "tensim", json_string(TENSIM_VERSION));
    for (int i = 0; i < e->n; i++)
        json_object_set_new(vals, e->name[i], json_real(e->value[i]));
    json_object_set_new(root, "values", vals);
    /* %.17g: the value read back is the value written, bit for bit */
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(root);
    char *p = entry_path(c, key);
    int rc = tn_write_file(p, text, strlen(text), err);
    free(p);
    free(text);
    if (rc)
        tn_error_prefix(err, "cache");
    return rc;
}

char *gp_cache_default_dir(void)
{
    const char *d = getenv("TENSIM_CACHE");
    if (d && *d)
        return tn_strdup(d);
    const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
    const char *base = x && *x ? x : h && *h ? h : NULL;
    if (!base)
        return NULL;
    size_t n = strlen(base) + 24;
    char *p = tn_malloc(n);
    snprintf(p, n, x && *x ? "%s/tensim" : "%s/.cache/tensim", base);
    return p;
}
