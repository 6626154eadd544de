/* sim/coll/algo.h — every collective algorithm tensim knows, once, as a
 * table (sim/coll/algo.c): the name users type, a one-line help, the
 * check of what it can run and its build. The scenario parser, `tensim
 * collective --algo`, the docs and the conformance test
 * (tests/check_coll_registry.c) all walk this table.
 *
 * Adding an algorithm: a file sim/coll/<name>.c with its check, build and
 * the ops of the nodes it builds (sim/coll/node.h), and one row at the end
 * of sim_coll_algos[] (with the declaration of its two functions above
 * the table). Its id (a sim_algo_t) is its row's index; the
 * SIM_ALGO_* constants (sim/job/scenario.h) name the rows that other code
 * refers to, so an algorithm nothing else names needs none.
 *
 * Ownership: the table is constant and static; lookups keep nothing.
 */
#ifndef SIM_COLL_ALGO_H
#define SIM_COLL_ALGO_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/coll/collective.h"
#include "common/tn_names.h"

/* An algorithm's check: 0 when it can run spec (resolved: no auto field)
 * on these n members, else -1 with a message. */
typedef int sim_coll_check_fn(const sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                              const int32_t *vertex, tn_error_t *err);
/* An algorithm's build: its nodes for spec (resolved, checked), under
 * parent (NULL at the top). */
typedef sim_coll_t *sim_coll_build_fn(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                                      const int32_t *vertex, sim_coll_t *parent);

typedef struct {
    /* what users type ("ring"); an array, so the table's strings are
     * address constants others may point to at compile time */
    const char *name;
    const char *help; /* one line for --help and the docs */
    /* NCCL's tuner model that stands in for it when auto picks the
     * protocol and channels (SIM_TUNE_RING, _TREE, _NVLS; sim/coll/tune.h) */
    int tune;
    sim_coll_check_fn *check; /* NULL only for "auto", resolved before */
    sim_coll_build_fn *build; /* NULL only for "auto" */
    /* Its transfers end at a switch that reduces in the network (nvls):
     * each member's link then carries S (1 + 1/n) each way, not the bus
     * traffic of a collective between GPUs (2 (n-1)/n S for an
     * all-reduce). The conformance test reads it. */
    bool in_network;
} sim_coll_algo_t;

/* Indexed by sim_algo_t; row 0 is "auto", the default. */
extern const sim_coll_algo_t sim_coll_algos[];
extern const size_t sim_coll_algos_n;

/* The name of algorithm a (a row index). O(1). Lookups by name:
 * TN_NAMES_FIND(sim_coll_algos, sim_coll_algos_n, name) and
 * TN_NAMES_FILL() (common/tn_names.h). */
const char *sim_coll_algo_name(sim_algo_t a);

#endif
