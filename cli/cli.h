/* cli/cli.h — the subcommands of the tensim command, as one table; each
 * takes the arguments after its name (argv[0] is the subcommand) and
 * returns the exit status: 0 success, 1 runtime or I/O failure, 2 usage or
 * bad input. Adding a subcommand is a new file here and a row in
 * cli_commands (cli/main.c); its options are one cli_option_t table, from
 * which its parser and its --help are made (and its synopsis in
 * docs/tensim.1 is checked).
 *
 * Ownership: nothing is kept between calls; the helpers below borrow their
 * arguments and print their errors on stderr.
 */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/tn_error.h"
#include "sim/job/scenario.h"
#include "topology/spec.h"
#include "topology/topo.h"

/* A subcommand. command_line is the whole command as typed, quoted, for a
 * report's meta block. */
typedef int cli_run_fn(int argc, char **argv, const char *command_line);

typedef struct {
    const char *name;
    cli_run_fn *run;
    const char *help; /* its lines under "commands:" in `tensim --help` */
} cli_command_t;

extern const cli_command_t cli_commands[];
extern const size_t cli_commands_n;

cli_run_fn cli_run, cli_topo, cli_collective, cli_trace, cli_compare, cli_sweep, cli_plan,
    cli_goodput;

/* One option of a subcommand. A subcommand's options are one array of
 * these: getopt_long's tables (cli_getopt_init) and its --help text
 * (cli_usage_print) are both made from it, so an option cannot be parsed
 * without being listed, and tests/check_cli_help.c holds --help and the
 * SYNOPSIS of docs/tensim.1 to each other. */
typedef struct {
    const char *name; /* long name without "--"; NULL for a short-only option */
    char short_name;  /* the letter of -x, or 0 */
    const char *arg;  /* the value as --help names it ("DIR"); NULL: takes none */
    int val;          /* what getopt_long returns for it */
    const char *help; /* one line: what it does */
} cli_option_t;

/* The rows most subcommands share, and the end of an array. */
#define CLI_OPT_SET {"set", 0, "KEY=VALUE", 'S', "override a scenario value (repeatable, in order)"}
#define CLI_OPT_QUIET {"quiet", 'q', NULL, 'q', "print nothing on standard output on success"}
#define CLI_OPT_HELP {"help", 'h', NULL, 'h', "print this help and exit"}
#define CLI_OPT_END {NULL, 0, NULL, 0, NULL}

/* What --help prints: the synopsis (lines, each ending in a newline),
 * then "options:" and one line per option of opts (ended by CLI_OPT_END). */
typedef struct {
    const char *synopsis;
    const cli_option_t *opts;
} cli_usage_t;

/* Prints u on `to`. O(options). */
void cli_usage_print(FILE *to, const cli_usage_t *u);

enum { CLI_MAX_OPTS = 32 }; /* options a subcommand may have */

/* getopt_long's arrays for a table of options: longs (ended by a zero
 * row, in the table's order, short-only rows left out) and shorts, which
 * begins "-:" (positional arguments come back as 1, in order; a missing
 * value as ':'). */
typedef struct {
    struct option longs[CLI_MAX_OPTS + 1];
    char shorts[2 + 2 * CLI_MAX_OPTS + 1];
} cli_getopt_t;

/* Fills g from opts. Aborts (a broken invariant) on more than
 * CLI_MAX_OPTS rows. O(options). */
void cli_getopt_init(cli_getopt_t *g, const cli_option_t *opts);

/* The options most subcommands share: positional arguments, --set,
 * -o/--output, --quiet and --help, returned by getopt_long as 1, 'S', 'o',
 * 'q' and 'h'. */
typedef struct {
    const char *cmd;
    const cli_usage_t *usage;
    const char *arg;   /* the first positional argument, or NULL */
    int extra;         /* positional arguments after it */
    const char **sets; /* the --set values, in order; owned */
    int n_sets;
    const char *out;   /* -o, or NULL */
    bool quiet;
} cli_opts_t;

/* For `cmd` with argc arguments; usage is what --help prints. O(argc). */
void cli_opts_init(cli_opts_t *o, const char *cmd, const cli_usage_t *usage, int argc);

/* Frees the --set list (the strings are argv's). O(1). */
void cli_opts_destroy(cli_opts_t *o);

/* Takes what getopt_long returned (c) when it is one of the shared options
 * (arg is argv[optind - 1]). Returns -1 to read on, or the exit status to
 * return now: 0 after printing the usage, 2 after reporting a bad option
 * (any c not shared). O(length of arg). */
int cli_opts_take(cli_opts_t *o, int c, const char *arg);

/* Builds the fabric a command-line argument names (a preset, a spec or
 * scenario file, a graph file) with --set overrides. On success the
 * caller destroys t and spec; on failure nothing is left. */
int cli_build_fabric(const char *arg, const char **sets, int n_sets, topo_spec_t *spec, topo_t *t,
                     tn_error_t *err);

/* Reports what getopt_long (with "-:" options) returned for a bad option:
 * c is ':' (a missing value) or '?', arg is argv[optind - 1]. Names the
 * option, long or short, as typed. O(length of arg). */
void cli_bad_option(const char *cmd, int c, const char *arg);

/* The scenario file a command-line argument names. An argument with a
 * '/', ending in ".json", or naming a file that exists is a path, taken as
 * given. Any other is a shipped scenario's name, found as
 * workloads/scenarios/NAME.json under the first data root that has it:
 * $TENSIM_DATA, the current directory (a source tree), the binary's
 * ../share/tensim (an install, moved or staged with DESTDIR) and its ..
 * (build/tensim in a source tree), then TENSIM_DATADIR, compiled in as
 * $(PREFIX)/share/tensim. Returns a new string (the caller frees it), or
 * NULL with err set (TN_EINPUT, listing the known names) when none has
 * it. O(roots) stat() calls (cli/datadir.c). */
char *cli_scenario_path(const char *arg, tn_error_t *err);

/* sim_scenario_load(), and the scenario's training section checked
 * (goodput/spec.h) so that every command refuses a bad one. On failure
 * nothing is left to destroy. O(size of the file). */
int cli_scenario_load(sim_scenario_t *sc, const char *path, const sim_overrides_t *ov,
                      tn_error_t *err);

/* After a command's options: -o, when given, must name a directory, and
 * exactly one scenario file must have come (`extra` counts the others);
 * then loads it with `ov` into sc. Returns 0, or the exit status after
 * printing the error (nothing to destroy then). O(size of the file). */
int cli_scenario_args(const char *cmd, const char *outdir, const char *scenario, int extra,
                      sim_scenario_t *sc, const sim_overrides_t *ov);

/* Writes `n` files into dir (made when missing) as one transaction, all of
 * them or none (common/tn_file.h): names[i] is the file name in dir,
 * texts[i] its contents. With dir NULL each name is a path whose missing
 * folder is made. On failure no file, temporary or folder made here is
 * left and the previous files are as they were. Returns 0, or -1 with err
 * set. O(total size). */
int cli_write_files(const char *dir, size_t n, const char *const *names,
                    const char *const *texts, tn_error_t *err);

/* What an option's value may be: CLI_NUM_INT decimal digits (no sign, no
 * spaces) from min to max; CLI_NUM_SIZE the same with an optional K, M, G
 * or T (powers of 1024) whose product is from min to max; CLI_NUM_REAL
 * what strtod reads, from lo to hi, and a whole number when `whole`. */
typedef enum { CLI_NUM_INT, CLI_NUM_SIZE, CLI_NUM_REAL } cli_num_kind_t;

typedef struct {
    cli_num_kind_t kind;
    uint64_t min, max; /* INT and SIZE */
    double lo, hi;     /* REAL */
    bool whole;        /* REAL */
} cli_num_t;

typedef struct {
    uint64_t u; /* INT and SIZE */
    double d;   /* REAL */
} cli_value_t;

/* The one number parser of option values. Returns 0 with *out set, or -1
 * when s is not such a number. O(length of s). */
int cli_number(const char *s, const cli_num_t *want, cli_value_t *out);

/* cli_number for the option `opt` of `cmd`: on a bad value prints
 * "tensim: CMD: OPT: expected EXPECTED, got 'S'" and returns 2 (the exit
 * status); else 0. O(length of s). */
int cli_option_number(const char *cmd, const char *opt, const char *s, const cli_num_t *want,
                      const char *expected, cli_value_t *out);

/* Prints "tensim: message" on stderr, lowercase, no full stop. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
