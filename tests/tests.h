/* tests/tests.h — the suites of the test runner, one per module.
 *
 * Ownership: each function returns a new Suite that the SRunner frees.
 */
#ifndef TESTS_H
#define TESTS_H

#include <check.h>

Suite *engine_suite(void);
Suite *json_suite(void);
Suite *topology_suite(void);
Suite *export_suite(void);
Suite *fabrics_suite(void);
Suite *fabric_specs_suite(void);
Suite *workloads_suite(void);
Suite *megatron_mechanisms_suite(void);
Suite *trace_json_suite(void);
Suite *chakra_suite(void);
Suite *chakra_tiny_suite(void);
Suite *scenario_suite(void);
Suite *skeleton_suite(void);
Suite *skeleton_scenarios_suite(void);
Suite *collective_suite(void);
Suite *collective_servers_suite(void);
Suite *collective_tuner_suite(void);
Suite *collective_bundles_suite(void);
Suite *coll_registry_suite(void);
Suite *flow_suite(void);
Suite *flow_brute_suite(void);
Suite *results_suite(void);
Suite *cli_main_suite(void);
Suite *cli_run_suite(void);
Suite *cli_sweep_suite(void);
Suite *cli_sweep_goodput_suite(void);
Suite *cli_plan_suite(void);
Suite *cli_compare_suite(void);
Suite *cli_topo_suite(void);
Suite *cli_collective_suite(void);
Suite *cli_trace_suite(void);
Suite *cli_help_suite(void);
Suite *cli_install_suite(void);
Suite *golden_suite(void);
Suite *sweep_suite(void);
Suite *validate_suite(void);
Suite *plan_suite(void);
Suite *goodput_suite(void);
Suite *topo_kinds_suite(void);
Suite *source_table_suite(void);
Suite *report_outputs_suite(void);
Suite *outputs_txn_suite(void);
Suite *heap_suite(void);
Suite *layers_suite(void);
Suite *storage_suite(void);
Suite *goodput_costs_suite(void);
Suite *energy_suite(void);
Suite *cli_goodput_suite(void);
Suite *degrade_suite(void);
Suite *chart_suite(void);
Suite *timeline_suite(void);
Suite *shortcut_suite(void);
Suite *bad_input_suite(void);

#include <stddef.h>

/* What timeline_check() saw: complete and instant events, tracks (pid,
 * tid), overlaps of complete events on one track, and the deepest nesting
 * (1: every track a sequence of disjoint events). */
typedef struct {
    size_t events, tracks, overlaps, max_depth;
} timeline_stats_t;

/* Checks the Chrome trace-event file at path as a strict viewer reads it:
 * every event has name, ph, pid and tid, every non-metadata one ts, every
 * complete one ("X") dur; on each (pid, tid), in file order, ts never
 * decreases and complete events nest wholly or not at all; each pid has
 * process_name and each track thread_name metadata. Returns the number of
 * problems (0: clean), the first described in why. O(E log E) for E
 * events (tests/check_timeline.c). */
int timeline_check(const char *path, timeline_stats_t *st, char *why, size_t why_n);

#endif
