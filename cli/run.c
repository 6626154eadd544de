/* cli/run.c — `tensim run`: load a scenario, simulate it, write the
 * report. Nothing is written unless the whole run succeeded. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results/report.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "sim/job/run.h"
#include "sim/job/scenario.h"

static const char run_usage[] =
    "usage: tensim run SCENARIO.json [-o DIR] [--seed N] [--set KEY=VALUE]... [--progress] [--quiet]\n";

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_run(int argc, char **argv, const char *command_line)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, 's'},
        {"set", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},
        {"progress", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *outdir = NULL;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    if (!sets)
        abort();
    sim_overrides_t ov = {.sets = sets};
    int quiet = 0, progress = 0, c, rc = 2;
    optind = 0; /* 0, not 1: makes glibc getopt start afresh */
    opterr = 0;
    /* Leading '-': non-options come back as 1, in order, even with
     * POSIXLY_CORRECT set; ':' reports a missing value as ':'. */
    const char *scenario = NULL;
    int extra = 0;
    while ((c = getopt_long(argc, argv, "-:o:qh", opts, NULL)) != -1) {
        const char *arg = argv[optind - 1];
        switch (c) {
        case 1:
            if (scenario)
                extra++;
            else
                scenario = optarg;
            break;
        case 'o':
            outdir = optarg;
            break;
        case 's':
            if (parse_u64(optarg, INT64_MAX, &ov.seed)) {
                cli_error("run: --seed: expected a non-negative integer, got '%s'", optarg);
                goto out;
            }
            ov.has_seed = true;
            break;
        case 'S':
            sets[ov.n_sets++] = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'P':
            progress = 1;
            break;
        case 'h':
            fputs(run_usage, stdout);
            rc = 0;
            goto out;
        default:
            cli_bad_option("run", c, arg);
            goto out;
        }
    }
    sim_scenario_t sc;
    rc = cli_scenario_args("run", outdir, scenario, extra + (optind < argc), &sc, &ov);
    if (rc)
        goto out;
    tn_error_t err = {0};
    sim_records_t rec;
    sim_run_info_t info;
    char *dir = NULL;
    /* progress on a terminal or when asked; never with --quiet */
    bool tty = isatty(STDERR_FILENO);
    cli_progress_t prog;
    cli_progress_init(&prog, tty);
    bool show = !quiet && (progress || tty);
    if (sim_run_scenario_progress(&sc, &rec, &info, show ? cli_progress_update : NULL, &prog,
                                  show ? 1u << 20 : UINT64_MAX, &err)) {
        cli_progress_end(&prog);
        cli_error("%s", err.msg);
        rc = tn_error_exit_status(&err);
    } else {
        if (!outdir) {
            size_t n = strlen(sc.name) + 8;
            dir = malloc(n);
            if (!dir)
                abort();
            snprintf(dir, n, "out/%s", sc.name);
            outdir = dir;
        }
        res_meta_t meta = {
            .scenario = sc.name,
            .seed = sc.seed,
            .scenario_hash = sc.hash,
            .command_line = command_line,
            .network_model = sim_net_model_names[sc.net_model],
            .gpus = info.gpus,
            .ranks = info.ranks,
            .model_flops = info.model_flops,
            .samples = info.samples,
            .tokens = info.tokens,
            .gpu_peak_flops = info.gpu_peak_flops,
            .wall_s = cli_progress_elapsed(&prog),
        };
        json_t *report = res_report_json(&rec, &meta);
        if (res_write_outputs(outdir, &rec, report, &err)) {
            cli_error("%s", err.msg);
            rc = tn_error_exit_status(&err);
        } else {
            rc = 0;
            if (!quiet) {
                char line[1024];
                res_summary_lines(report, line, sizeof line);
                printf("%s: iteration %.6f s on %d of %d gpus (%s network model)\n%s\n"
                       "report: %s/report.json\n",
                       sc.name, sim_time_to_s(sim_records_iteration_ps(&rec)), info.ranks,
                       info.gpus, meta.network_model, line, outdir);
            }
        }
        json_decref(report);
    }
    free(dir);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
out:
    free(sets);
    return rc;
}
