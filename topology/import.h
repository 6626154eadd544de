/* topology/import.h — reading a fabric from a GraphML or topology JSON file
 * (the formats topology/export.h writes, described there) into a topo_t.
 *
 * GraphML, read with igraph: node attribute kind (string) and server
 * (number) are required, cores (number) and store_bytes (number: the
 * capacity of a storage vertex, a whole number of bytes, on storage
 * vertices only) default to 0; edge attributes
 * bw_gbps and latency_ns (numbers) and tier (string) are required. The
 * document holds one <graph> (libxml2 reads it first, to count them and to
 * keep each edge's source as written, which igraph drops in an undirected
 * graph; its messages, one line, go into err, none on stderr). In a
 * directed graph every edge a->b must be matched by an edge b->a with the
 * same bw_gbps, latency_ns and tier: edges are taken in file order, and
 * each one not yet used is paired with the earliest unused edge after it
 * that goes back, giving the cable a->b; a file written by
 * topo_export_graphml() so reads back edge for edge. In an undirected
 * graph an edge is a cable both ways, oriented as written, and the same
 * pairing applies, except that an edge without its way back is a cable by
 * itself: the two edges of an exported cable stay one cable when the file
 * is edited to edgedefault="undirected". Rates convert back exactly: bps = llround(bw_gbps * 1e9),
 * latency_ps = llround(latency_ns * 1000). Vertex ids follow the order in
 * which node ids first appear; an edge naming a node id that has no <node>
 * makes a vertex without attributes (igraph does so), reported as a
 * missing "kind". Reading GraphML briefly installs igraph's C attribute
 * handler and error and warning handlers of its own (settings global to
 * igraph) and restores the previous ones before returning: do not import
 * GraphML from two threads at once.
 *
 * Ownership: the caller owns t (topo_init'ed and empty before the call);
 * on success it is finalized, on failure it may hold part of the fabric,
 * and either way the caller topo_destroy()s it. Nothing is kept here.
 */
#ifndef TOPO_IMPORT_H
#define TOPO_IMPORT_H

#include "common/tn_error.h"
#include "topology/topo.h"

/* Reads the fabric in `path` into t and finalizes it; the format is chosen
 * by the extension (in any case): ".graphml" or ".xml" for GraphML, ".json"
 * for topology JSON. Returns 0, or -1 with err set (TN_EINPUT), every message
 * starting with the file name: an unknown extension; a file that cannot be opened
 * or parsed; a missing attribute or key, an unknown kind or tier, a rate
 * that is not a positive finite number, a negative latency, a server or
 * core count that is not a whole number in range; a link naming a missing
 * vertex, a self-loop, no vertices at all; a second <graph>; in directed
 * GraphML an edge without its way back; and topo_finalize()'s errors (no gpu, a
 * disconnected fabric).
 * Time complexity: O(file size + |V| + |E| log |E|) for GraphML, O(|V| + |E|) for
 * JSON. */
int topo_import_file(topo_t *t, const char *path, tn_error_t *err);

#endif
