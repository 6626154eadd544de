/* common/tn_map.h — a hash map from uint64_t keys to pointers: open
 * addressing with linear probing and backward-shift deletion (no
 * tombstones), so lookups stay short however many inserts and removes run.
 * Iteration order is never used for results.
 *
 * Ownership: a tn_map_t is caller-owned (tn_map_init/tn_map_destroy); it
 * stores the pointers it is given and never frees them.
 */
#ifndef TN_MAP_H
#define TN_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t *keys;
    void **vals;   /* NULL marks an empty slot */
    size_t cap, n; /* cap is a power of two */
} tn_map_t;

void tn_map_init(tn_map_t *m);
void tn_map_destroy(tn_map_t *m);

/* The value for key, or NULL. O(1) expected. */
void *tn_map_get(const tn_map_t *m, uint64_t key);

/* Sets key to val (not NULL), replacing any value. O(1) expected amortised. */
void tn_map_put(tn_map_t *m, uint64_t key, void *val);

/* Removes key; returns its value, or NULL when absent. O(1) expected. */
void *tn_map_del(tn_map_t *m, uint64_t key);

#endif
