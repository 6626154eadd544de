/* cli/main.c — the tensim command: global options and subcommand dispatch.
 * The only file that knows every module. */
#include <getopt.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_version.h"
#include "cli/cli.h"

static const char usage[] =
    "usage: tensim [--help] [--version] <command> [<args>]\n"
    "\n"
    "Simulates AI-training supercomputers: a fabric as a graph, a training\n"
    "trace replayed over it, a report of throughput and bottlenecks.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.json [-o DIR] [--seed N] [--set KEY=VALUE]... [--quiet]\n"
    "                  simulate a scenario and write DIR/report.json\n"
    "                  (DIR defaults to out/<scenario name>)\n"
    "  topo PRESET|SPEC.json [--set KEY=VALUE]... [--stats] [--json]\n"
    "       [--export graphml|json -o FILE]\n"
    "                  build a fabric; print its figures or export its graph\n"
    "  trace gen|stats|check FILE\n"
    "                  write a scenario's workload as a trace; summarise or check a trace\n"
    "  collective --topo FABRIC --op OP [--algo A] [--ranks N] [--sizes 1K:8G]\n"
    "                  time one collective over a fabric, as nccl-tests prints it\n"
    "  compare         the what-if table of several runs: iteration, throughput, mfu, bottleneck\n"
    "  sweep SCENARIO.json --vary KEY=V1,V2,... [--vary ...] [-j N] -o DIR\n"
    "                  run every combination of the values; DIR/study.csv, .md, .html\n"
    "  plan SCENARIO.json [--gpus N] [--top K] [-o DIR]\n"
    "                  rank the parallel layouts of the scenario's model that fit in memory;\n"
    "                  simulate the best K\n"
    "\n"
    "exit status: 0 success, 1 runtime or i/o failure, 2 usage or bad input.\n"
    "See tensim(1): man -l docs/tensim.1\n";

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tensim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_bad_option(const char *cmd, int c, const char *arg)
{
    bool is_long = arg[0] == '-' && arg[1] == '-';
    if (c == ':' && is_long)
        cli_error("%s: option '%s' needs a value", cmd, arg);
    else if (c == ':')
        cli_error("%s: option '-%c' needs a value", cmd, optopt);
    /* A long option names itself (--quiet=1 is "takes no value"); optopt
     * names a bad short one even inside a group (-zq). */
    else if (is_long && optopt)
        cli_error("%s: option '%.*s' takes no value", cmd, (int)strcspn(arg, "="), arg);
    else if (is_long)
        cli_error("%s: unknown option '%s' (see tensim %s --help)", cmd, arg, cmd);
    else
        cli_error("%s: unknown option '-%c' (see tensim %s --help)", cmd, optopt, cmd);
}

int cli_scenario_args(const char *cmd, const char *outdir, const char *scenario, int extra,
                      sim_scenario_t *sc, const sim_overrides_t *ov)
{
    if (outdir && !*outdir) {
        cli_error("%s: -o: expected a directory name", cmd);
        return 2;
    }
    if (!scenario || extra) {
        cli_error("%s: expected one scenario file (see tensim %s --help)", cmd, cmd);
        return 2;
    }
    tn_error_t err = {0};
    if (sim_scenario_load(sc, scenario, ov, &err)) {
        cli_error("%s", err.msg);
        return tn_error_exit_status(&err);
    }
    return 0;
}

/* The command line as typed, each argument quoted when it needs it, for
 * the report's meta block. */
static char *join_args(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += 4 * strlen(argv[i]) + 3;
    char *s = malloc(n), *p = s;
    if (!s)
        abort();
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

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case 'V':
            printf("tensim %s\n", TENSIM_VERSION);
            return 0;
        default: {
            const char *arg = argv[optind - 1];
            if (arg[0] == '-' && arg[1] == '-' && optopt)
                cli_error("option '%.*s' takes no value", (int)strcspn(arg, "="), arg);
            else if (arg[0] == '-' && arg[1] == '-')
                cli_error("unknown option '%s' (see tensim --help)", arg);
            else
                cli_error("unknown option '-%c' (see tensim --help)", optopt);
            return 2;
        }
        }
    }
    if (optind >= argc) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[optind];
    if (!strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "run")) {
        char *line = join_args(argc, argv);
        int rc = cli_run(argc - optind, argv + optind, line);
        free(line);
        return rc;
    }
    if (!strcmp(cmd, "topo"))
        return cli_topo(argc - optind, argv + optind);
    if (!strcmp(cmd, "trace"))
        return cli_trace(argc - optind, argv + optind);
    if (!strcmp(cmd, "compare"))
        return cli_compare(argc - optind, argv + optind);
    if (!strcmp(cmd, "collective"))
        return cli_collective(argc - optind, argv + optind);
    if (!strcmp(cmd, "sweep"))
        return cli_sweep(argc - optind, argv + optind);
    if (!strcmp(cmd, "plan"))
        return cli_plan(argc - optind, argv + optind);
    cli_error("unknown command '%s' (see tensim --help)", cmd);
    return 2;
}
