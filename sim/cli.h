/* sim/cli.h — the subcommands of the tensim command; each takes the
 * arguments after its name (argv[0] is the subcommand) and returns the exit
 * status: 0 success, 1 runtime or I/O failure, 2 usage or bad input.
 *
 * Ownership: nothing is kept between calls.
 */
#ifndef SIM_CLI_H
#define SIM_CLI_H

int cli_run(int argc, char **argv, const char *command_line);
int cli_topo(int argc, char **argv);

/* Prints "tensim: message" on stderr, lowercase, no full stop. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
