/* cli/plan.c — tensim plan: the best parallel layouts of a scenario's
 * model on its fabric (plan/plan.h), printed as a ranking, and with -o
 * written as plan.csv and plan.json (atomically: both or neither). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_file.h"
#include "plan/plan.h"
#include "results/plan.h"
#include "cli/cli.h"
#include "sim/job/scenario.h"
#include "workloads/spec.h"

static const char plan_usage[] =
    "usage: tensim plan SCENARIO.json [--gpus N] [--top K] [--reserve-gib G] [--rows R]\n"
    "                   [--set KEY=VALUE]... [-o DIR] [--quiet]\n"
    "  enumerates the layouts of the scenario's model that fit in GPU memory, ranks them\n"
    "  by a closed-form estimate, simulates the best K (default 5) and prints the ranking\n";

static int parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

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
                         tn_error_t *err)
{
    char *csv = res_plan_csv(p, m);
    json_t *js = res_plan_json(p, m);
    char *text = json_dumps(js, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(js);
    size_t n = strlen(dir) + 16;
    char *a = tn_malloc(n), *b = tn_malloc(n);
    snprintf(a, n, "%s/plan.csv", dir);
    snprintf(b, n, "%s/plan.json", dir);
    tn_outset_t os;
    tn_outset_init(&os);
    int rc = tn_mkdirs(dir, err) || tn_outset_add(&os, a, csv, strlen(csv), err) ||
             tn_outset_add(&os, b, text, strlen(text), err) || tn_outset_commit(&os, err);
    if (rc)
        tn_outset_abort(&os);
    tn_outset_destroy(&os);
    free(a);
    free(b);
    free(csv);
    free(text);
    return rc ? -1 : 0;
}

int cli_plan(int argc, char **argv)
{
    static const struct option opts[] = {
        {"gpus", required_argument, NULL, 'g'},   {"top", required_argument, NULL, 'k'},
        {"reserve-gib", required_argument, NULL, 'r'}, {"rows", required_argument, NULL, 'R'},
        {"set", required_argument, NULL, 'S'},    {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    if (!sets)
        abort();
    sim_overrides_t ov = {.sets = sets};
    plan_opts_t po = {.top = 5, .reserve_bytes = 2 * 1073741824.0};
    double v, rows = 15;
    const char *scenario = NULL, *outdir = NULL;
    int quiet = 0, extra = 0, c, rc = 2;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "-:o:qh", opts, NULL)) != -1) {
        const char *arg = argv[optind - 1];
        switch (c) {
        case 1:
            if (scenario)
                extra++;
            else
                scenario = optarg;
            break;
        case 'g':
            if (parse_num(optarg, 1, 1e9, &v) || v != floor(v)) {
                cli_error("plan: --gpus: expected a whole number of gpus from 1, got '%s'", optarg);
                goto out;
            }
            po.gpus = (uint64_t)v;
            break;
        case 'k':
            if (parse_num(optarg, 0, 100, &v) || v != floor(v)) {
                cli_error("plan: --top: expected a whole number from 0 to 100, got '%s'", optarg);
                goto out;
            }
            po.top = (uint64_t)v;
            break;
        case 'r':
            if (parse_num(optarg, 0, 1e6, &v)) {
                cli_error("plan: --reserve-gib: expected GiB from 0, got '%s'", optarg);
                goto out;
            }
            po.reserve_bytes = v * 1073741824.0;
            break;
        case 'R':
            if (parse_num(optarg, 1, 1e9, &rows) || rows != floor(rows)) {
                cli_error("plan: --rows: expected a whole number from 1, got '%s'", optarg);
                goto out;
            }
            break;
        case 'S':
            sets[ov.n_sets++] = optarg;
            break;
        case 'o':
            outdir = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            fputs(plan_usage, stdout);
            rc = 0;
            goto out;
        default:
            cli_bad_option("plan", c, arg);
            goto out;
        }
    }
    sim_scenario_t sc;
    rc = cli_scenario_args("plan", outdir, scenario, extra + (optind < argc), &sc, &ov);
    if (rc)
        goto out;
    tn_error_t err = {0};
    if (!quiet)
        po.progress = progress;
    plan_t p;
    if (plan_run(&p, &sc, &po, &err)) {
        cli_error("%s", err.msg);
        rc = tn_error_exit_status(&err);
    } else {
        wl_gpu_t g;
        TN_ASSERT(wl_gpu_lookup(sc.workload.gpu, &sc.workload.gpu_set, &g, NULL) == 0);
        res_plan_meta_t m = {.scenario = sc.name,
                             .model_src = model_name(&sc),
                             .gpu = sc.workload.gpu,
                             .model = &sc.workload.model,
                             .gpu_peak_flops = g.peak_flops,
                             .reserve_bytes = po.reserve_bytes,
                             .network_model = sim_net_model_names[sc.net_model]};
        rc = 0;
        if (outdir && write_outputs(outdir, &p, &m, &err)) {
            cli_error("%s", err.msg);
            rc = tn_error_exit_status(&err);
        } else if (!quiet) {
            char *t = res_plan_table(&p, &m, (size_t)rows);
            fputs(t, stdout);
            free(t);
            if (outdir)
                printf("plan: %s/plan.csv, %s/plan.json\n", outdir, outdir);
        }
        plan_destroy(&p);
    }
    sim_scenario_destroy(&sc);
out:
    free(sets);
    return rc;
}
