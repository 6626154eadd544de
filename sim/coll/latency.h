/* sim/coll/latency.h — the software latency of collectives, by protocol, read
 * from sim/coll/data/nccl.json (compiled in).
 *
 * Ownership: pure lookups; nothing kept.
 */
#ifndef SIM_LATENCY_H
#define SIM_LATENCY_H

#include "common/tn_error.h"
#include "sim/coll/collective.h"

/* The protocol names a scenario may use, NULL-terminated, the default
 * first: auto (NCCL's tuner picks per call); each other must be a key of
 * the data file's "protocols". */
extern const char *const sim_protocol_names[];

/* Sets spec's base_ps, intra_step_ps, inter_step_ps, wire factor and
 * proto for `protocol` (auto: Simple's figures, proto SIM_PROTO_AUTO).
 * Errors (TN_EINPUT): a protocol the data file lacks. O(size of the file). */
int sim_latency_apply(const char *protocol, sim_coll_spec_t *spec, tn_error_t *err);

#endif
