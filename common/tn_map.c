#include "common/tn_map.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_error.h"
#include "common/tn_hash.h"

void tn_map_init(tn_map_t *m) { memset(m, 0, sizeof *m); }

void tn_map_destroy(tn_map_t *m)
{
    if (!m)
        return;
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static inline size_t home(const tn_map_t *m, uint64_t key)
{
    return (size_t)tn_mix64(key) & (m->cap - 1);
}

void *tn_map_get(const tn_map_t *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    for (size_t i = home(m, key);; i = (i + 1) & (m->cap - 1)) {
        if (!m->vals[i])
            return NULL;
        if (m->keys[i] == key)
            return m->vals[i];
    }
}

static void rehash(tn_map_t *m, size_t cap)
{
    tn_map_t old = *m;
    m->cap = cap;
    m->n = 0;
    m->keys = tn_malloc(cap * sizeof *m->keys);
    m->vals = tn_calloc(cap, sizeof *m->vals);
    for (size_t i = 0; i < old.cap; i++)
        if (old.vals[i])
            tn_map_put(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
}

void tn_map_put(tn_map_t *m, uint64_t key, void *val)
{
    TN_ASSERT(val != NULL);
    if (2 * (m->n + 1) > m->cap)
        rehash(m, m->cap ? 2 * m->cap : 16);
    size_t i = home(m, key);
    for (; m->vals[i]; i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == key) {
            m->vals[i] = val;
            return;
        }
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
}

void *tn_map_del(tn_map_t *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1, i = home(m, key);
    for (; m->vals[i]; i = (i + 1) & mask)
        if (m->keys[i] == key)
            break;
    if (!m->vals[i])
        return NULL;
    void *val = m->vals[i];
    /* Backward shift: move later entries of the run into the hole when the
     * hole lies on their probe path. */
    for (size_t j = (i + 1) & mask; m->vals[j]; j = (j + 1) & mask) {
        size_t h = home(m, m->keys[j]);
        bool movable = (i <= j) ? (h <= i || h > j) : (h <= i && h > j);
        if (movable) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            i = j;
        }
    }
    m->vals[i] = NULL;
    m->n--;
    return val;
}
