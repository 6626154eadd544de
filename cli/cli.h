/* cli/cli.h — the subcommands of the tensim command; each takes the
 * arguments after its name (argv[0] is the subcommand) and returns the exit
 * status: 0 success, 1 runtime or I/O failure, 2 usage or bad input.
 *
 * Ownership: nothing is kept between calls.
 */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#include "common/tn_error.h"
#include "sim/job/scenario.h"
#include "topology/spec.h"
#include "topology/topo.h"

int cli_run(int argc, char **argv, const char *command_line);
int cli_topo(int argc, char **argv);
int cli_collective(int argc, char **argv);
int cli_trace(int argc, char **argv);
int cli_compare(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_plan(int argc, char **argv);

/* Builds the fabric a command-line argument names (a preset, a spec or
 * scenario file, a graph file) with --set overrides. On success the
 * caller destroys t and spec; on failure nothing is left. */
int cli_build_fabric(const char *arg, const char **sets, int n_sets, topo_spec_t *spec, topo_t *t,
                     tn_error_t *err);

/* Reports what getopt_long (with "-:" options) returned for a bad option:
 * c is ':' (a missing value) or '?', arg is argv[optind - 1]. Names the
 * option, long or short, as typed. */
void cli_bad_option(const char *cmd, int c, const char *arg);

/* After a command's options: -o, when given, must name a directory, and
 * exactly one scenario file must have come (`extra` counts the others);
 * then loads it with `ov` into sc. Returns 0, or the exit status after
 * printing the error (nothing to destroy then). O(size of the file). */
int cli_scenario_args(const char *cmd, const char *outdir, const char *scenario, int extra,
                      sim_scenario_t *sc, const sim_overrides_t *ov);

/* Prints "tensim: message" on stderr, lowercase, no full stop. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
