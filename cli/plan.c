/* cli/plan.c — tensim plan: the best parallel layouts of a scenario's
 * model on its fabric (plan/plan.h), printed as a ranking, and with -o
 * written as plan.csv, plan.json and plan.html (atomically: all or none). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "results/plan.h"
#include "cli/cli.h"
#include "study/study.h"
#include "sim/job/scenario.h"
#include "sim/net/net.h"
#include "workloads/spec.h"

static const cli_option_t plan_options[] = {
    {"gpus", 0, "N", 'g', "plan for at most N GPUs (default: the fabric's)"},
    {"top", 0, "K", 'k', "simulate the best K layouts, 0 to 100 (default 5)"},
    {"reserve-gib", 0, "G", 'r', "GiB of GPU memory kept free besides the model (default 2)"},
    {"rows", 0, "R", 'R', "rows of the printed ranking and of plan.html's charts (default 15)"},
    {"jobs", 'j', "N", 'j', "simulate N layouts at a time, 1 to 1024 (default 1)"},
    CLI_OPT_SET,
    {"output", 'o', "DIR", 'o', "write DIR/plan.csv, plan.json and plan.html, all or none"},
    {"quiet", 'q', NULL, 'q', "print no ranking and no progress"},
    CLI_OPT_HELP,
    CLI_OPT_END,
};

static const cli_usage_t plan_usage = {
    "usage: tensim plan SCENARIO.json|NAME [options]\n"
    "  enumerates the layouts of the scenario's model that fit in GPU memory, ranks them\n"
    "  by a closed-form estimate, simulates the best K and prints the ranking\n",
    plan_options,
};

static void progress(void *ctx, uint64_t i, uint64_t n, const wl_layout_t *ly)
{
    (void)ctx;
    fprintf(stderr,
            "plan: simulating %llu of %llu: tp %llu pp %llu dp %llu mb %llu v %llu%s, %s "
            "recomputation, zero %llu\n",
            (unsigned long long)i + 1, (unsigned long long)n, (unsigned long long)ly->tp,
            (unsigned long long)ly->pp, (unsigned long long)ly->dp,
            (unsigned long long)ly->microbatch, (unsigned long long)ly->virtual_stages,
            ly->sequence_parallel ? ", sequence parallel" : "", wl_recompute_names[ly->recompute],
            (unsigned long long)ly->zero_stage);
}

/* The model's name as the scenario gives it: a file name, or "inline". */
static const char *model_name(const sim_scenario_t *sc)
{
    const json_t *m = json_object_get(json_object_get(sc->root, "workload"), "model");
    return json_is_string(m) ? json_string_value(m) : "inline model";
}

static int write_outputs(const char *dir, const plan_t *p, const res_plan_meta_t *m,
                         size_t rows, tn_error_t *err)
{
    char *csv = res_plan_csv(p, m), *html = res_plan_html(p, m, rows);
    json_t *js = res_plan_json(p, m);
    char *text = json_dumps(js, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(js);
    const char *names[] = {"plan.csv", "plan.json", "plan.html"}, *texts[] = {csv, text, html};
    int rc = cli_write_files(dir, 3, names, texts, err);
    free(csv);
    free(html);
    free(text);
    return rc;
}

/* One of plan's number options (c as getopt_long returns it) into po or
 * *rows. Returns -1 to read on, or 2 after reporting a bad value. */
static int number_option(int c, plan_opts_t *po, double *rows)
{
    static const struct {
        int c;
        const char *opt, *expected;
        cli_num_t want;
    } nums[] = {
        {'g', "--gpus", "a whole number of gpus from 1", {.kind = CLI_NUM_REAL, .lo = 1, .hi = 1e9, .whole = true}},
        {'k', "--top", "a whole number from 0 to 100", {.kind = CLI_NUM_REAL, .lo = 0, .hi = 100, .whole = true}},
        {'r', "--reserve-gib", "GiB from 0", {.kind = CLI_NUM_REAL, .lo = 0, .hi = 1e6}},
        {'R', "--rows", "a whole number from 1", {.kind = CLI_NUM_REAL, .lo = 1, .hi = 1e9, .whole = true}},
        {'j', "-j", "a whole number from 1 to 1024", {.kind = CLI_NUM_REAL, .lo = 1, .hi = 1024, .whole = true}},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        cli_value_t v;
        if (nums[i].c != c)
            continue;
        if (cli_option_number("plan", nums[i].opt, optarg, &nums[i].want, nums[i].expected, &v))
            return 2;
        if (c == 'g')
            po->gpus = (uint64_t)v.d;
        else if (c == 'k')
            po->top = (uint64_t)v.d;
        else if (c == 'r')
            po->reserve_bytes = v.d * 1073741824.0;
        else if (c == 'j')
            po->jobs = (uint64_t)v.d;
        else
            *rows = v.d;
        return -1;
    }
    return -2; /* not a number option */
}

/* Plans sc and prints or writes the result. Returns the exit status. */
static int plan(const sim_scenario_t *sc, plan_opts_t *po, const cli_opts_t *o, double rows)
{
    tn_error_t err = {0};
    if (!o->quiet)
        po->progress = progress;
    plan_t p;
    if (plan_run(&p, sc, po, &err)) {
        cli_error("%s", err.msg);
        return tn_error_exit_status(&err);
    }
    wl_gpu_t g;
    TN_ASSERT(wl_gpu_lookup(sc->workload.gpu, &sc->workload.gpu_set, &g, NULL) == 0);
    res_plan_meta_t m = {.scenario = sc->name,
                         .model_src = model_name(sc),
                         .gpu = sc->workload.gpu,
                         .model = &sc->workload.model,
                         .gpu_peak_flops = g.peak_flops,
                         .reserve_bytes = po->reserve_bytes,
                         .network_model = sim_net_models[sc->net_model].name};
    int rc = 0;
    if (po->rank > 0) {
        /* under mpirun, rank 0 writes and prints the plan */
    } else if (o->out && write_outputs(o->out, &p, &m, (size_t)rows, &err)) {
        cli_error("%s", err.msg);
        rc = tn_error_exit_status(&err);
    } else if (!o->quiet) {
        char *t = res_plan_table(&p, &m, (size_t)rows);
        fputs(t, stdout);
        free(t);
        if (o->out)
            printf("plan: %s/plan.csv, %s/plan.json, %s/plan.html\n", o->out, o->out, o->out);
    }
    plan_destroy(&p);
    return rc;
}

int cli_plan(int argc, char **argv, const char *command_line)
{
    cli_getopt_t g;
    cli_getopt_init(&g, plan_options);
    (void)command_line;
    cli_opts_t o;
    cli_opts_init(&o, "plan", &plan_usage, argc);
    plan_opts_t po = {.top = 5, .reserve_bytes = 2 * 1073741824.0};
    double rows = 15;
    int c, rc = -1;
    optind = 0;
    opterr = 0;
    while (rc < 0 && (c = getopt_long(argc, argv, g.shorts, g.longs, NULL)) != -1) {
        rc = number_option(c, &po, &rows);
        if (rc == -2)
            rc = cli_opts_take(&o, c, argv[optind - 1]);
    }
    sim_overrides_t ov = {.sets = o.sets, .n_sets = o.n_sets};
    sim_scenario_t sc;
    /* under mpirun every rank plans, and they share the simulations */
    study_ranks_begin(&po.rank, &po.size);
    if (rc < 0 && !(rc = cli_scenario_args("plan", o.out, o.arg, o.extra + (optind < argc), &sc, &ov))) {
        rc = plan(&sc, &po, &o, rows);
        sim_scenario_destroy(&sc);
    }
    study_ranks_end();
    cli_opts_destroy(&o);
    return rc;
}
