/* cli/main.c — the tensim command: global options and the table of
 * subcommands. The only file that knows every subcommand. */
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_names.h"
#include "common/tn_version.h"
#include "cli/cli.h"

/* Every subcommand, in the order --help lists them. */
_Static_assert(offsetof(cli_command_t, name) == 0, "common/tn_names.h reads a row's name first");

const cli_command_t cli_commands[] = {
    {"run", cli_run,
     "  run SCENARIO.json|NAME [-o DIR] [--seed N] [--set KEY=VALUE]... [--quiet]\n"
     "                  simulate a scenario and write DIR/report.json\n"
     "                  (DIR defaults to out/<scenario name>; NAME: a shipped scenario)\n"},
    {"topo", cli_topo,
     "  topo PRESET|SPEC.json [--set KEY=VALUE]... [--stats] [--json]\n"
     "       [--export graphml|json -o FILE]\n"
     "                  build a fabric; print its figures or export its graph\n"},
    {"trace", cli_trace,
     "  trace gen|stats|check FILE\n"
     "                  write a scenario's workload as a trace; summarise or check a trace\n"},
    {"collective", cli_collective,
     "  collective --topo FABRIC --op OP [--algo A] [--ranks N] [--sizes 1K:8G]\n"
     "                  time one collective over a fabric, as nccl-tests prints it\n"},
    {"compare", cli_compare,
     "  compare         the what-if table of several runs: iteration, throughput, mfu, bottleneck\n"},
    {"sweep", cli_sweep,
     "  sweep SCENARIO.json --vary KEY=V1,V2,... [--vary ...] [-j N] -o DIR\n"
     "                  run every combination of the values; DIR/study.csv, .md, .html\n"},
    {"plan", cli_plan,
     "  plan SCENARIO.json [--gpus N] [--top K] [-o DIR]\n"
     "                  rank the parallel layouts of the scenario's model that fit in memory;\n"
     "                  simulate the best K\n"},
    {"goodput", cli_goodput,
     "  goodput SCENARIO.json [-o DIR] [--runs N] [--cache DIR]\n"
     "                  days to the scenario's token target with failures, checkpoints and\n"
     "                  restarts: DIR/goodput.json, .md, _runs.csv\n"},
};
const size_t cli_commands_n = sizeof cli_commands / sizeof cli_commands[0];

static void usage(FILE *to)
{
    fputs("usage: tensim [--help] [--version] <command> [<args>]\n"
          "\n"
          "Simulates AI-training supercomputers: a fabric as a graph, a training\n"
          "trace replayed over it, a report of throughput and bottlenecks.\n"
          "\n"
          "commands:\n",
          to);
    for (size_t i = 0; i < cli_commands_n; i++)
        fputs(cli_commands[i].help, to);
    fputs("\n"
          "exit status: 0 success, 1 runtime or i/o failure, 2 usage or bad input.\n"
          "Each command's options: tensim COMMAND --help. See tensim(1) (man tensim, or\n"
          "man -l docs/tensim.1 in the source tree).\n",
          to);
}

/* The command line as typed, each argument quoted when it needs it, for
 * the report's meta block. */
static char *join_args(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += 4 * strlen(argv[i]) + 3;
    char *s = tn_malloc(n), *p = s;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int quote = !*a || strpbrk(a, " \t\n'\"\\$`*?[]{}()<>|&;!#~") != NULL;
        if (i)
            *p++ = ' ';
        if (!quote) {
            p += sprintf(p, "%s", a);
            continue;
        }
        *p++ = '\'';
        for (; *a; a++) {
            if (*a == '\'')
                p += sprintf(p, "'\\''");
            else
                *p++ = *a;
        }
        *p++ = '\'';
    }
    *p = '\0';
    return s;
}

/* The global options; -1 to go on to the subcommand, else the exit status. */
static int global_options(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        if (c == 'V') {
            printf("tensim %s\n", TENSIM_VERSION);
            return 0;
        }
        const char *arg = argv[optind - 1];
        if (arg[0] == '-' && arg[1] == '-' && optopt)
            cli_error("option '%.*s' takes no value", (int)strcspn(arg, "="), arg);
        else if (arg[0] == '-' && arg[1] == '-')
            cli_error("unknown option '%s' (see tensim --help)", arg);
        else
            cli_error("unknown option '-%c' (see tensim --help)", optopt);
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    int rc = global_options(argc, argv);
    if (rc >= 0)
        return rc;
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[optind];
    if (!strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    int i = TN_NAMES_FIND(cli_commands, cli_commands_n, cmd);
    if (i < 0) {
        cli_error("unknown command '%s' (see tensim --help)", cmd);
        return 2;
    }
    char *line = join_args(argc, argv);
    rc = cli_commands[i].run(argc - optind, argv + optind, line);
    free(line);
    return rc;
}
