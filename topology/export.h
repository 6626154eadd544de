/* topology/export.h — writing a topo_t as GraphML (for igraph, networkx,
 * Gephi) and as tensim's own topology JSON; topology/import.h reads both
 * back into an identical topo_t.
 *
 * GraphML: one directed <graph>, vertex ids "n0".."n<V-1>" in vertex-id
 * order, then every directed edge in edge-id order with id "e<k>" (so a
 * cable c is e<2c> a->b followed by e<2c+1> b->a). Keys (attr.name = key
 * id): on nodes kind (string, "gpu", "leaf", ...), server (int, -1 for
 * fabric switches), cores (int), and store_bytes (long: a storage
 * vertex's capacity; the key is declared, and written on storage vertices
 * only, when the fabric has storage); on edges bw_gbps (double, bits per
 * second / 1e9), latency_ns (double, picoseconds / 1000), tier (string,
 * "nvlink", "host", ...). Doubles are written with the fewest digits that
 * read back as the same double.
 *
 * JSON ("tensim_topology" version 1), one entry per cable rather than per
 * directed edge:
 *
 *   {
 *    "tensim_topology": 1,
 *    "vertices": [ {"kind": "gpu", "server": 0, "cores": 0}, ... ],
 *    "links": [ {"a": 0, "b": 8, "bw_gbps": 100, "latency_ns": 500,
 *                "tier": "host"}, ... ]
 *   }
 *
 * A vertex's id is its index in "vertices"; link c is the cable whose a->b
 * edge is 2c and b->a edge 2c+1. "server" is -1 for fabric switches;
 * "cores" is the CPU core count (0 for everything but CPU sockets);
 * "store_bytes" the capacity of a storage vertex (written only when not 0). A rate
 * or latency that is a whole number of Gbps or ns is written as a JSON
 * integer, any other as a real with 17 significant digits, so every value
 * reads back exactly (llround(bw_gbps * 1e9), llround(latency_ns * 1000)).
 *
 * Both writers build the whole text in memory and write it to a temporary
 * beside `path` that is renamed into place (common/tn_file.h), so a failed
 * export never leaves a partial file.
 *
 * Ownership: the writers only read the topo_t (finalized or not) and keep
 * nothing.
 */
#ifndef TOPO_EXPORT_H
#define TOPO_EXPORT_H

#include "common/tn_error.h"
#include "topology/topo.h"

/* Writes t as GraphML to `path`. Returns 0, or -1 with err set (TN_EIO,
 * "path: cannot write: ...") when the file cannot be written; `path` is
 * then left as it was. Time complexity: O(|V| + |E|). */
int topo_export_graphml(const topo_t *t, const char *path, tn_error_t *err);

/* Writes t as topology JSON to `path`. Returns 0, or -1 with err set
 * (TN_EIO) when the file cannot be written; `path` is then left as it was.
 * Time complexity: O(|V| + |E|). */
int topo_export_json(const topo_t *t, const char *path, tn_error_t *err);

/* The shortest "%.Ng" rendering of d that reads back as d (N = 15..17),
 * into buf: what the exporters write and the importer's messages quote.
 * Returns buf. O(1). */
const char *topo_real_str(double d, char *buf, size_t n);

#endif
