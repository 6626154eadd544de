/* goodput/cache.h — simulated figures a goodput study needs (an iteration on
 * the intact or a degraded fabric, a checkpoint write, a restore), kept on
 * disk so that later studies and sweeps of the same job reuse them.
 *
 * An entry is one small JSON file DIR/<key>.json holding named numbers.
 * The key is a 64-bit FNV-1a hash of: the cache format, tensim's version,
 * the scenario's JSON without the keys that cannot change a simulation
 * (name, description, seed, training), and what was simulated ("iteration",
 * "degraded leaf cable", ...). A goodput study that changes only its
 * training section (the checkpoint interval, the failure rates) therefore
 * hits; any change to the fabric, the workload or the collectives misses.
 * Entries are written atomically (common/tn_file.h); an entry that cannot
 * be read back whole, or whose stored key differs, is a miss, never an
 * error: the figure is simulated again and rewritten. A cache that cannot
 * be written is an error (TN_EIO), reported by the caller.
 *
 * Ownership: gp_cache_t owns its directory string (gp_cache_destroy).
 */
#ifndef GP_CACHE_H
#define GP_CACHE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"

#define GP_CACHE_MAX_VALUES 8

typedef struct {
    char *dir;          /* NULL: no cache (everything is simulated) */
    uint64_t base;      /* the hash of the format, version and scenario */
    uint32_t hits, misses;
} gp_cache_t;

typedef struct {
    int n;
    const char *name[GP_CACHE_MAX_VALUES];
    double value[GP_CACHE_MAX_VALUES];
} gp_cache_entry_t;

/* Sets c up for `dir` (NULL: none; created if missing) and the scenario
 * JSON `root`. Errors (TN_EIO): dir cannot be created. O(size of root). */
int gp_cache_init(gp_cache_t *c, const char *dir, const json_t *root, tn_error_t *err);
void gp_cache_destroy(gp_cache_t *c);

/* The key of figure `what` of this scenario. O(length of what). */
uint64_t gp_cache_key(const gp_cache_t *c, const char *what);

/* Fills e->value[i] for e->name[i] (the names set by the caller) from the
 * entry `what`; true on a hit (every name present, a finite number).
 * O(entry size). */
bool gp_cache_get(gp_cache_t *c, const char *what, gp_cache_entry_t *e);

/* Stores e as the entry `what`, atomically. Errors (TN_EIO). No-op without
 * a directory. O(entry size). */
int gp_cache_put(gp_cache_t *c, const char *what, const gp_cache_entry_t *e, tn_error_t *err);

/* The default directory: $TENSIM_CACHE, else $XDG_CACHE_HOME/tensim, else
 * $HOME/.cache/tensim, else NULL. The returned string is the caller's to
 * free. O(1). */
char *gp_cache_default_dir(void);

#endif
