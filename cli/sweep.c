/* cli/sweep.c — tensim sweep: a parameter study, of `tensim run` or, with
 * --goodput, of `tensim goodput`. The options, then the runs
 * (study/study.h: N child processes at a time, or MPI ranks), then the
 * study's summary (results/study.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/study.h"
#include "cli/cli.h"
#include "study/study.h"

static const cli_option_t sweep_options[] = {
    {"vary", 0, "KEY=VALUES", 'v', "a scenario key and its values (repeatable: every combination runs)"},
    CLI_OPT_SET,
    {NULL, 'j', "N", 'j', "N runs at a time, 1 to 1024 (default 1)"},
    {"goodput", 0, NULL, 'g', "run `tensim goodput` per combination instead of `tensim run`"},
    {"cache", 0, "DIR", 'c', "with --goodput: the children's cache (default DIR/cache)"},
    {"no-cache", 0, NULL, 'n', "with --goodput: no cache"},
    {"output", 'o', "DIR", 'o', "the study's directory: a run per combination, study.csv, .md, .html"},
    CLI_OPT_HELP,
    CLI_OPT_END,
};

static const cli_usage_t sweep_usage = {
    "usage: tensim sweep SCENARIO.json|NAME --vary KEY=VALUES [--vary ...] [options] -o DIR\n"
    "  VALUES: a comma list (8,16,32), a range LO:HI:xF (1:8:x2 is 1,2,4,8) or LO:HI:+S,\n"
    "  or a JSON array ([\"ring\", \"hier\"]); every combination runs in DIR/<key=value,...>;\n"
    "  with --goodput the first runs alone to fill the cache before the others start\n",
    sweep_options,
};

/* The runs' reports as DIR/study.csv, .md and .html. Returns the exit
 * status. */
static int summarise(const study_t *s)
{
    static const res_run_status_t status[] = {
        [STUDY_RUN_OK] = RES_RUN_OK,
        [STUDY_RUN_INVALID] = RES_RUN_INVALID,
        [STUDY_RUN_FAILED] = RES_RUN_FAILED,
    };
    tn_error_t err = {0};
    const char **keys = tn_calloc(s->n_axes + 1, sizeof *keys);
    for (size_t k = 0; k < s->n_axes; k++)
        keys[k] = s->axes[k].key;
    res_study_t st;
    res_study_init(&st, s->kind == STUDY_KIND_GOODPUT ? RES_STUDY_GOODPUT : RES_STUDY_RUN,
                   s->n_axes, keys);
    free(keys);
    const char **vals = tn_calloc(s->n_axes + 1, sizeof *vals);
    int rc = 0;
    for (size_t i = 0; i < s->n_runs && rc == 0; i++) {
        const study_run_t *r = &s->runs[i];
        study_values(s, i, vals);
        char rpath[4096];
        snprintf(rpath, sizeof rpath, "%s/%s", r->dir, study_done_file(s->kind));
        if (res_study_add(&st, vals, r->name, status[r->status], r->reason, rpath, &err)) {
            cli_error("sweep: %s", err.msg);
            rc = 1;
        }
    }
    free(vals);
    if (rc == 0 && res_study_write(&st, s->out, &err)) {
        cli_error("sweep: %s", err.msg);
        rc = 1;
    }
    res_study_destroy(&st);
    if (rc == 0) {
        printf("study: %zu runs (%zu ran, %zu already done, %zu invalid, %zu failed)\n", s->n_runs,
               s->ran, s->skipped, s->invalid, s->failed);
        printf("summary: %s/study.csv, %s/study.md, %s/study.html\n", s->out, s->out, s->out);
        rc = s->failed ? 1 : 0;
    }
    return rc;
}

static int cache_twice(void)
{
    cli_error("sweep: give one of --cache DIR and --no-cache, once");
    return 2;
}

/* The options into s and *jobs; *scenario the scenario's path, which s
 * borrows (cli_scenario_path()). -1 when they make a study, else the exit
 * status after the usage or the error. */
static int parse(int argc, char **argv, study_t *s, long *jobs, char **scenario)
{
    cli_getopt_t g;
    cli_getopt_init(&g, sweep_options);
    static const cli_num_t jobs_num = {.kind = CLI_NUM_INT, .min = 1, .max = 1024};
    cli_opts_t o;
    cli_opts_init(&o, "sweep", &sweep_usage, argc);
    int c, rc = -1;
    opterr = 0;
    optind = 0; /* GNU getopt: start afresh, "-" ordering included */
    while (rc < 0 && (c = getopt_long(argc, argv, g.shorts, g.longs, NULL)) != -1) {
        tn_error_t err = {0};
        cli_value_t v;
        if (c == 'j') {
            rc = cli_option_number("sweep", "-j", optarg, &jobs_num, "1 to 1024", &v);
            *jobs = rc ? *jobs : (long)v.u;
            rc = rc ? rc : -1;
        } else if (c == 'v' && study_add_axis(s, optarg, &err)) {
            cli_error("sweep: %s", err.msg);
            rc = 2;
        } else if (c == 'S') {
            study_add_set(s, optarg);
        } else if (c == 'g') {
            s->kind = STUDY_KIND_GOODPUT;
        } else if (c == 'c' || c == 'n') {
            rc = s->cache != STUDY_CACHE_OUT ? cache_twice() : -1;
            s->cache = c == 'c' ? STUDY_CACHE_DIR : STUDY_CACHE_NONE;
            s->cache_dir = c == 'c' ? optarg : NULL;
        } else if (c != 'v') {
            rc = cli_opts_take(&o, c, argv[optind - 1]);
        }
    }
    if (rc < 0 && (!o.arg || o.extra || s->n_axes == 0 || !o.out)) {
        cli_error("sweep: expected one scenario file, at least one --vary and -o DIR (see tensim "
                  "sweep --help)");
        rc = 2;
    } else if (rc < 0 && s->kind != STUDY_KIND_GOODPUT && s->cache != STUDY_CACHE_OUT) {
        /* tensim run has no cache: the option would be silently ignored */
        cli_error("sweep: %s is for goodput studies (add --goodput)",
                  s->cache == STUDY_CACHE_DIR ? "--cache" : "--no-cache");
        rc = 2;
    }
    tn_error_t err = {0};
    if (rc < 0 && !(*scenario = cli_scenario_path(o.arg, &err))) {
        cli_error("sweep: %s", err.msg);
        rc = 2;
    }
    s->scenario = *scenario;
    s->out = o.out;
    cli_opts_destroy(&o);
    return rc;
}

/* One rank's part of the study. */
static int sweep(int argc, char **argv, int rank, int size)
{
    study_t s;
    study_init(&s, NULL, NULL);
    long jobs = 1;
    tn_error_t err = {0};
    char *scenario = NULL; /* s borrows it */
    int rc = parse(argc, argv, &s, &jobs, &scenario);
    if (rc < 0 && study_prepare(&s, &err)) {
        cli_error("sweep: %s", err.msg);
        rc = tn_error_exit_status(&err);
    } else if (rc < 0 && study_record(&s, rank, &err)) {
        /* every rank goes on only if rank 0 could record the study */
        cli_error("sweep: %s", err.msg);
        rc = 1;
    } else if (rc < 0 && study_execute(&s, (int)jobs, rank, size, &err)) {
        cli_error("sweep: %s", err.msg);
        rc = 1;
    } else if (rc < 0) {
        /* a worker runs what rank 0 hands out; rank 0 reports */
        rc = rank > 0 ? 0 : summarise(&s);
    }
    study_destroy(&s);
    free(scenario);
    return rc;
}

/* Under mpirun: rank 0 checks the study, hands the runs out and writes the
 * summary; the other ranks run them. Alone, the local sweep. */
int cli_sweep(int argc, char **argv, const char *command_line)
{
    (void)command_line;
    int rank, size;
    study_ranks_begin(&rank, &size);
    int rc = sweep(argc, argv, rank, size);
    study_ranks_end();
    return rc;
}
