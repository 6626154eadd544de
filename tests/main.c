/* tests/main.c — runs every suite; Check prints its summary line
 * ("100%: Checks: N, Failures: 0, Errors: 0") and the exit status is 0 only
 * when every test passed. CK_RUN_SUITE / CK_RUN_CASE select a subset. */
#include <stdlib.h>

#include "tests/tests.h"

int main(void)
{
    SRunner *sr = srunner_create(engine_suite());
    srunner_add_suite(sr, json_suite());
    srunner_add_suite(sr, topology_suite());
    srunner_add_suite(sr, export_suite());
    srunner_add_suite(sr, fabrics_suite());
    srunner_add_suite(sr, fabric_specs_suite());
    srunner_add_suite(sr, workloads_suite());
    srunner_add_suite(sr, megatron_mechanisms_suite());
    srunner_add_suite(sr, trace_json_suite());
    srunner_add_suite(sr, chakra_suite());
    srunner_add_suite(sr, chakra_tiny_suite());
    srunner_add_suite(sr, scenario_suite());
    srunner_add_suite(sr, skeleton_suite());
    srunner_add_suite(sr, skeleton_scenarios_suite());
    srunner_add_suite(sr, collective_suite());
    srunner_add_suite(sr, collective_servers_suite());
    srunner_add_suite(sr, collective_tuner_suite());
    srunner_add_suite(sr, collective_bundles_suite());
    srunner_add_suite(sr, coll_registry_suite());
    srunner_add_suite(sr, flow_suite());
    srunner_add_suite(sr, flow_brute_suite());
    srunner_add_suite(sr, results_suite());
    srunner_add_suite(sr, cli_main_suite());
    srunner_add_suite(sr, cli_run_suite());
    srunner_add_suite(sr, cli_sweep_suite());
    srunner_add_suite(sr, cli_sweep_goodput_suite());
    srunner_add_suite(sr, cli_plan_suite());
    srunner_add_suite(sr, cli_compare_suite());
    srunner_add_suite(sr, cli_topo_suite());
    srunner_add_suite(sr, cli_collective_suite());
    srunner_add_suite(sr, cli_trace_suite());
    srunner_add_suite(sr, cli_help_suite());
    srunner_add_suite(sr, cli_install_suite());
    srunner_add_suite(sr, golden_suite());
    srunner_add_suite(sr, sweep_suite());
    srunner_add_suite(sr, validate_suite());
    srunner_add_suite(sr, plan_suite());
    srunner_add_suite(sr, goodput_suite());
    srunner_add_suite(sr, goodput_costs_suite());
    srunner_add_suite(sr, energy_suite());
    srunner_add_suite(sr, cli_goodput_suite());
    srunner_add_suite(sr, topo_kinds_suite());
    srunner_add_suite(sr, source_table_suite());
    srunner_add_suite(sr, report_outputs_suite());
    srunner_add_suite(sr, outputs_txn_suite());
    srunner_add_suite(sr, heap_suite());
    srunner_add_suite(sr, layers_suite());
    srunner_add_suite(sr, storage_suite());
    srunner_add_suite(sr, degrade_suite());
    srunner_add_suite(sr, chart_suite());
    srunner_add_suite(sr, timeline_suite());
    srunner_add_suite(sr, shortcut_suite());
    srunner_add_suite(sr, bad_input_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
