/* topology/embedded.h — the data files compiled into the binary: fabric
 * presets (topology/presets/NAME.json) and server types
 * (topology/servers/NAME.json), generated at build time by scripts/embed.sh.
 *
 * Ownership: static, read-only data.
 */
#ifndef TOPO_EMBEDDED_H
#define TOPO_EMBEDDED_H

#include <jansson.h>
#include <stddef.h>

typedef struct {
    const char *name; /* file base name without .json */
    const char *text; /* the file's contents */
} topo_embedded_t;

/* Both end with {NULL, NULL}; entries are in file-name order. */
extern const topo_embedded_t topo_embedded_presets[];
extern const topo_embedded_t topo_embedded_servers[];
extern const topo_embedded_t sim_embedded_data[]; /* sim/coll/data/NAME.json */
extern const topo_embedded_t wl_embedded_data[];  /* workloads/data/NAME.json */
extern const topo_embedded_t wl_embedded_models[]; /* workloads/models/NAME.json */
extern const topo_embedded_t en_embedded_data[];  /* energy/data/NAME.json */

/* The entry named `name` in `table`, or NULL. O(entries). */
const topo_embedded_t *topo_embedded_find(const topo_embedded_t *table, const char *name);

/* e's text as JSON, a new reference the caller json_decref()s. The files
 * are checked when they are embedded, so a parse error is our bug (an
 * abort). O(size of the text). */
json_t *topo_embedded_json(const topo_embedded_t *e);

/* The names of `table`, comma-separated, into buf (truncated to n - 1
 * characters), for "unknown ... (built in: ...)" messages. Returns buf.
 * O(entries). */
const char *topo_embedded_list(const topo_embedded_t *table, char *buf, size_t n);

#endif
