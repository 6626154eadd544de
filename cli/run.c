/* cli/run.c — `tensim run`: load a scenario, simulate it, write the
 * report. Nothing is written unless the whole run succeeded. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results/report.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "energy/account.h"
#include "goodput/spec.h"
#include "sim/coll/algo.h"
#include "sim/coll/latency.h"
#include "sim/job/run.h"
#include "sim/job/scenario.h"
#include "sim/net/net.h"
#include "topology/spec.h"
#include "topology/stats.h"
#include "workloads/compute.h"
#include "workloads/memory.h"

static const cli_option_t run_options[] = {
    {"output", 'o', "DIR", 'o', "write the outputs into DIR, made when missing (default out/NAME)"},
    {"seed", 0, "N", 's', "set the scenario's seed, 0 to 2^63-1 (after every --set)"},
    CLI_OPT_SET,
    {"progress", 0, NULL, 'P', "show progress on standard error even when it is not a terminal"},
    {"quiet", 'q', NULL, 'q', "print no summary and no progress"},
    CLI_OPT_HELP,
    CLI_OPT_END,
};

static const cli_usage_t run_usage = {
    "usage: tensim run SCENARIO.json|NAME [options]\n"
    "  simulates a scenario and writes DIR/report.json, report.md, report.html, links.csv,\n"
    "  ranks.csv and timeline.json; NAME is a shipped scenario (tensim run skeleton-8gpu)\n",
    run_options,
};

/* What was run, from the scenario, for the report's "run" object: run
 * borrows sc's strings and specs and the memory figure *mem. */
static void describe_run(const sim_scenario_t *sc, const cli_opts_t *o, res_run_t *run,
                         wl_memory_t *mem)
{
    const wl_spec_t *w = &sc->workload;
    const json_t *wb = json_object_get(sc->root, "workload");
    *run = (res_run_t){
        .description = json_string_value(json_object_get(sc->root, "description")),
        .workload = w->source->name,
        /* a model named in the file; NULL when given by its sizes */
        .model = json_string_value(json_object_get(wb, "model")),
        .gpu = w->gpu,
        .fabric_kind = sc->topo.kind ? sc->topo.kind->name : NULL,
        .fabric_preset = sc->topo.preset,
        .algorithm = sim_coll_algo_name(sc->algorithm),
        .protocol = sim_protocols[sc->protocol].name,
        .chunk_bytes = sc->chunk_bytes,
        .channels = sc->channels,
        .sets = o->sets,
        .n_sets = o->n_sets,
        .iterations = sc->iterations,
    };
    if (w->source->has_layout) {
        run->sizes = &w->model;
        run->layout = &w->layout;
        run->schedule = wl_schedule_names[w->layout.schedule];
        run->recompute = wl_recompute_names[w->layout.recompute];
        *mem = wl_memory_per_gpu(&w->model, &w->layout);
        run->memory = mem;
    }
    wl_gpu_t g;
    tn_error_t err = {0};
    if (w->gpu && wl_gpu_lookup(w->gpu, &w->gpu_set, &g, &err) == 0)
        run->gpu_memory_bytes = g.memory_bytes;
    /* the fabric's bisection (topology/stats.h: one maximum flow across
     * the middle of the GPU servers), for comparing fabrics */
    run->bisection_gbps = -1;
    topo_t t;
    topo_init(&t);
    if (topo_spec_build(&sc->topo, &t, &err) == 0)
        run->bisection_gbps = topo_stats_bisection_gbps(&t);
    topo_destroy(&t);
}

/* The run's energy and money (energy/account.h), with the training's
 * token target when the scenario has one; NULL with err set when the
 * figures cannot be read. */
static json_t *run_energy(const sim_scenario_t *sc, const sim_records_t *rec,
                          const sim_run_info_t *info, tn_error_t *err)
{
    en_spec_t es;
    gp_spec_t ts = gp_spec_default();
    const json_t *training = json_object_get(sc->root, "training");
    if (en_spec_parse(&es, sc->root, sc->src, err) ||
        (training && gp_spec_parse(&ts, training, sc->src, err)))
        return NULL;
    en_account_t a;
    if (en_account_records(&a, rec, &es, sc->workload.gpu, sc->topo.server.name,
                           sc->topo.cpu_server.name, info->tokens, ts.tokens, err))
        return NULL;
    return en_account_json(&a);
}

/* Writes the report of a finished run into outdir (out/<name> when NULL)
 * and prints its summary unless quiet. Returns the exit status. */
static int report(const sim_scenario_t *sc, const sim_records_t *rec, const sim_run_info_t *info,
                  const cli_opts_t *o, double wall_s, const char *command_line)
{
    const char *outdir = o->out;
    bool quiet = o->quiet;
    res_run_t run;
    wl_memory_t mem;
    describe_run(sc, o, &run, &mem);
    char *dir = NULL;
    if (!outdir) {
        size_t n = strlen(sc->name) + 8;
        dir = tn_malloc(n);
        snprintf(dir, n, "out/%s", sc->name);
        outdir = dir;
    }
    res_meta_t meta = {
        .scenario = sc->name,
        .seed = sc->seed,
        .scenario_hash = sc->hash,
        .command_line = command_line,
        .network_model = sim_net_models[sc->net_model].name,
        .gpus = info->gpus,
        .ranks = info->ranks,
        .model_flops = info->model_flops,
        .samples = info->samples,
        .tokens = info->tokens,
        .gpu_peak_flops = info->gpu_peak_flops,
        .wall_s = wall_s,
        .run = &run,
    };
    tn_error_t err = {0};
    int rc = 0;
    json_t *energy = run_energy(sc, rec, info, &err);
    if (!energy) {
        cli_error("%s", err.msg);
        free(dir);
        return tn_error_exit_status(&err);
    }
    meta.energy = energy;
    json_t *rep = res_report_json(rec, &meta);
    if (res_write_outputs(outdir, rec, rep, &err)) {
        cli_error("%s", err.msg);
        rc = tn_error_exit_status(&err);
    } else if (!quiet) {
        char line[1024];
        res_summary_lines(rep, line, sizeof line);
        printf("%s: iteration %.6f s on %d of %d gpus (%s network model)\n%s\n"
               "report: %s/report.json\n",
               sc->name, sim_time_to_s(sim_records_iteration_ps(rec)), info->ranks, info->gpus,
               meta.network_model, line, outdir);
    }
    json_decref(rep);
    json_decref(energy);
    free(dir);
    return rc;
}

/* Simulates sc and reports it. Returns the exit status. */
static int simulate(const sim_scenario_t *sc, const cli_opts_t *o, bool progress,
                    const char *command_line)
{
    tn_error_t err = {0};
    sim_records_t rec;
    sim_run_info_t info;
    /* progress on a terminal or when asked; never with --quiet */
    bool tty = isatty(STDERR_FILENO);
    cli_progress_t prog;
    cli_progress_init(&prog, tty);
    bool show = !o->quiet && (progress || tty);
    int rc;
    if (sim_run_scenario_progress(sc, &rec, &info, show ? cli_progress_update : NULL, &prog,
                                  show ? 1u << 20 : UINT64_MAX, &err)) {
        cli_progress_end(&prog);
        cli_error("%s", err.msg);
        rc = tn_error_exit_status(&err);
    } else {
        rc = report(sc, &rec, &info, o, cli_progress_elapsed(&prog), command_line);
    }
    sim_records_destroy(&rec);
    return rc;
}

int cli_run(int argc, char **argv, const char *command_line)
{
    cli_getopt_t g;
    cli_getopt_init(&g, run_options);
    static const cli_num_t seed = {.kind = CLI_NUM_INT, .max = INT64_MAX};
    cli_opts_t o;
    cli_opts_init(&o, "run", &run_usage, argc);
    sim_overrides_t ov = {.sets = o.sets};
    bool progress = false;
    int c, rc = -1;
    optind = 0; /* 0, not 1: makes glibc getopt start afresh */
    opterr = 0;
    /* Leading '-': non-options come back as 1, in order, even with
     * POSIXLY_CORRECT set; ':' reports a missing value as ':'. */
    while (rc < 0 && (c = getopt_long(argc, argv, g.shorts, g.longs, NULL)) != -1) {
        cli_value_t v;
        if (c == 's') {
            rc = cli_option_number("run", "--seed", optarg, &seed, "a non-negative integer", &v);
            if (rc == 0) {
                ov.seed = v.u;
                ov.has_seed = true;
                rc = -1;
            }
        } else if (c == 'P') {
            progress = true;
        } else {
            rc = cli_opts_take(&o, c, argv[optind - 1]);
        }
    }
    sim_scenario_t sc;
    ov.n_sets = o.n_sets;
    if (rc < 0 && !(rc = cli_scenario_args("run", o.out, o.arg, o.extra + (optind < argc), &sc, &ov))) {
        rc = simulate(&sc, &o, progress, command_line);
        sim_scenario_destroy(&sc);
    }
    cli_opts_destroy(&o);
    return rc;
}
