/* sim/latency.h — the software latency of collectives, by protocol, read
 * from sim/data/nccl.json (compiled in).
 *
 * Ownership: pure lookups; nothing kept.
 */
#ifndef SIM_LATENCY_H
#define SIM_LATENCY_H

#include "common/tn_error.h"
#include "sim/collective.h"

/* The protocol names a scenario may use, NULL-terminated, the default
 * (simple) first; each must be a key of the data file's "protocols". */
extern const char *const sim_protocol_names[];

/* Sets spec's base_ps, intra_step_ps and inter_step_ps for `protocol`.
 * Errors (TN_EINPUT): a protocol the data file lacks. O(size of the file). */
int sim_latency_apply(const char *protocol, sim_coll_spec_t *spec, tn_error_t *err);

#endif
