/* common/tn_names.h — the names users type, looked up in a table whose
 * rows begin with `const char *name`: the topology kinds
 * (topology/spec.h), the collective algorithms (sim/coll/algo.h), the
 * protocols (sim/coll/latency.h), the network models (sim/net/net.h), the
 * subcommands (cli/cli.h). One lookup for every such table.
 *
 * Ownership: nothing is kept; a filled names array points into the table.
 */
#ifndef TN_NAMES_H
#define TN_NAMES_H

#include <stddef.h>

/* The index of the row named `name` among the n rows of `stride` bytes
 * at `rows`, or -1. O(n). */
int tn_names_find(const void *rows, size_t n, size_t stride, const char *name);

/* Fills names[0 .. n) with the rows' names, in order, and names[n] with
 * NULL: for parsers that take a NULL-terminated list (tn_jobj_enum()).
 * `cap` must exceed n. O(n). */
void tn_names_fill(const void *rows, size_t n, size_t stride, const char **names, size_t cap);

/* The same for a table `t` of n rows (an array, or a pointer to its first
 * row). */
#define TN_NAMES_FIND(t, n, name) tn_names_find((t), (n), sizeof *(t), (name))
#define TN_NAMES_FILL(t, n, names, cap) tn_names_fill((t), (n), sizeof *(t), (names), (cap))

#endif
