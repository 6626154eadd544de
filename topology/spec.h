/* topology/spec.h — a fabric description read from a scenario's "topology"
 * block (or a file given to `tensim topo`): a preset with dotted overrides
 * ({"preset": "azure-2020", "set": {"fabric.oversubscription": 2}}) or a
 * full spec ({"kind": "fat-tree", "servers": 16, ...}). Parsing validates
 * everything, so a scenario is checked without building its graph;
 * topo_spec_build() then makes the topo_t.
 *
 * Kinds are the rows of topo_spec_kinds[] (topology/kinds.c), the one
 * place their names are read from: single-switch; fat-tree and
 * rail-optimized (topology/fattree.h); dragonfly (topology/dragonfly.h);
 * torus (topology/torus.h), each over `servers` servers of type `server`
 * (topology/server.h) and optionally `cpu_servers` of type `cpu_server`
 * (with "cpu_servers_role": "storage" and a "storage" block, each CPU
 * server gets that disk: the storage tier, topology/storage.h; "compute"
 * builds them without one);
 * and graph, a GraphML or JSON file written by `tensim topo --export` or
 * another tool (topology/import.h). Adding a kind is a file with its parse
 * and build functions, its parameters' field in topo_spec_t and a row.
 * Presets are files in topology/presets/, compiled into the binary.
 *
 * Ownership: a topo_spec_t is caller-owned (topo_spec_parse fills it,
 * topo_spec_destroy frees it); it owns a copy of the merged JSON spec and
 * borrows nothing from the block it was parsed from.
 */
#ifndef TOPO_SPEC_H
#define TOPO_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "common/tn_json.h"
#include "topology/dragonfly.h"
#include "topology/fattree.h"
#include "topology/ports.h"
#include "topology/server.h"
#include "topology/topo.h"
#include "topology/torus.h"

typedef struct topo_spec_kind topo_spec_kind_t;

typedef struct {
    json_t *spec;       /* the full spec after the preset and overrides */
    char *preset;       /* preset name, or NULL for a full spec */
    const topo_spec_kind_t *kind; /* a row of topo_spec_kinds[] */
    struct {
        uint64_t gpus;
        uint64_t bps;
        uint64_t latency_ps;
        uint64_t storage_servers; /* each a NIC on the switch and a disk */
        topo_disk_t disk;
    } single_switch;
    int32_t servers, cpu_servers;
    topo_server_t server, cpu_server;
    topo_fattree_t fattree;
    topo_dragonfly_t dragonfly;
    topo_torus_t torus;
    char *graph_file;   /* resolved against the spec file's directory */
} topo_spec_t;

#define TOPO_MAX_SERVERS 262144
#define TOPO_MAX_CPU_SERVERS 1048576

/* One kind of fabric: the name users type after "kind", how its keys are
 * read and how it is built. */
struct topo_spec_kind {
    const char *name;
    const char *help;      /* one line, for --help and the docs */
    bool on_servers;       /* sits on the keys servers, server, cpu_servers
                              and fabric: parsed and added before the row's
                              own parse and build run */
    /* Reads and checks the kind's keys of the merged spec o (on servers:
     * its "fabric" block and whether the fabric has room for the
     * servers); errors (TN_EINPUT) name o's file and path. */
    int (*parse)(topo_spec_t *s, tn_jobj_t *o);
    /* Adds the fabric to t (on servers: after the servers, whose fabric
     * ports are `ports`; otherwise ports is NULL) and leaves t finalized
     * (topo_finalize). */
    int (*build)(const topo_spec_t *s, topo_t *t, const topo_ports_t *ports, tn_error_t *err);
};

/* Every kind, in the order --help lists them. */
extern const topo_spec_kind_t topo_spec_kinds[];
extern const size_t topo_spec_kinds_n;

/* The row named `name`, or NULL. O(kinds). */
const topo_spec_kind_t *topo_spec_kind_find(const char *name);

/* The fabric ports s's servers will have (vertex ids unknown yet: -1), in
 * the order the builder sees them, appended to ports. O(ports). */
void topo_spec_ports(const topo_spec_t *s, topo_ports_t *ports);

/* "a.b" for key `key` under the JSON path of o, into buf: where a
 * message about o's sub-block points. O(length). */
const char *topo_spec_where(const tn_jobj_t *o, const char *key, char *buf, size_t n);

/* Reads and validates `block`, found at JSON `path` of file `src`. Errors
 * (TN_EINPUT) name src and the path: an unknown preset, kind or key, an
 * override of a key the preset does not have, a wrong type, a value out of
 * range, a fabric too small for its servers. O(size of the block). */
int topo_spec_parse(topo_spec_t *s, const json_t *block, const char *src, const char *path,
                    tn_error_t *err);

/* Builds and finalizes the fabric into t (topo_init'ed by the caller).
 * Time complexity: O(|V| + |E|). */
int topo_spec_build(const topo_spec_t *s, topo_t *t, tn_error_t *err);

void topo_spec_destroy(topo_spec_t *s);

/* Writes the names of the built-in presets, comma-separated, into buf.
 * O(presets). */
const char *topo_preset_list(char *buf, size_t n);

#endif
