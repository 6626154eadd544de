/* sim/coll/latency.h — the protocols users may name, as a table, and the
 * software latency of collectives by protocol, read from
 * sim/coll/data/nccl.json (compiled in).
 *
 * Ownership: the table is constant and static; lookups keep nothing.
 */
#ifndef SIM_LATENCY_H
#define SIM_LATENCY_H

#include <stddef.h>

#include "common/tn_error.h"
#include "sim/coll/collective.h"
#include "common/tn_names.h"

/* A protocol users may name: a row of sim_protocols[]. */
typedef struct {
    /* what users type ("ll128"); an array, so the table's strings are
     * address constants others may point to at compile time */
    const char *name;
    const char *help;    /* one line for --help and the docs */
    sim_proto_t proto;   /* what a spec records for it */
    const char *figures; /* its latencies: a key of the data file's "protocols" */
} sim_protocol_t;

/* In the order users see them, the default (auto) first: a scenario's
 * `protocol` is an index into it. */
extern const sim_protocol_t sim_protocols[];
extern const size_t sim_protocols_n;

/* The name of the row that records p, for printing. O(rows). Lookups by
 * name: TN_NAMES_FIND(sim_protocols, sim_protocols_n, name) and
 * TN_NAMES_FILL() (common/tn_names.h). */
const char *sim_proto_name(sim_proto_t p);

/* Sets spec's base_ps, intra_step_ps, inter_step_ps, wire factor and
 * proto for `protocol`, a name of the table (auto: Simple's figures, proto
 * SIM_PROTO_AUTO). Errors (TN_EINPUT): a name not in the table, or one the
 * data file lacks. O(size of the file). */
int sim_latency_apply(const char *protocol, sim_coll_spec_t *spec, tn_error_t *err);

#endif
