/* cli/goodput.c — `tensim goodput`: the days a scenario's job takes to
 * reach its token target with failures, checkpoints and restarts
 * (goodput/study.h), written as goodput.json, .md, _runs.csv and a
 * report.html section. Nothing is written unless the whole study
 * succeeded. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "goodput/study.h"
#include "results/goodput.h"
#include "sim/job/scenario.h"

static const cli_option_t goodput_options[] = {
    {"output", 'o', "DIR", 'o', "write the outputs into DIR, made when missing (default out/NAME)"},
    {"runs", 0, "N", 'r', "Monte Carlo runs, 1 to 1000000 (overrides training.runs)"},
    {"seed", 0, "N", 's', "set the scenario's seed, from which failures are drawn"},
    {"cache", 0, "DIR", 'c', "keep simulated iteration, checkpoint and degraded-fabric times in DIR"},
    {"no-cache", 0, NULL, 'n', "simulate everything; read and write no cache"},
    CLI_OPT_SET,
    {"quiet", 'q', NULL, 'q', "print no summary and announce no simulation"},
    CLI_OPT_HELP,
    CLI_OPT_END,
};

static const cli_usage_t goodput_usage = {
    "usage: tensim goodput SCENARIO.json|NAME [options]\n"
    "  the days to the token target of the scenario's \"training\" section, with failures,\n"
    "  checkpoints and restarts (docs/goodput.md); the cache defaults to $TENSIM_CACHE,\n"
    "  else $XDG_CACHE_HOME/tensim, else ~/.cache/tensim\n",
    goodput_options,
};

typedef struct {
    bool show; /* on a terminal, without --quiet: a bad input's error stays one line */
    cli_progress_t prog;
} say_t;

static void say(void *ctx, const char *what)
{
    say_t *s = ctx;
    if (s->show)
        fprintf(stderr, "tensim goodput: simulating: %s\n", what);
}

static int study(const sim_scenario_t *sc, const cli_opts_t *o, const char *cache_dir,
                 const char *command_line)
{
    tn_error_t err = {0};
    gp_cache_t cache;
    say_t s = {.show = !o->quiet && isatty(STDERR_FILENO)};
    cli_progress_init(&s.prog, false);
    if (gp_cache_init(&cache, cache_dir, sc->root, &err)) {
        cli_error("%s", err.msg);
        return tn_error_exit_status(&err);
    }
    gp_study_t st;
    int rc = 0;
    if (gp_study_run(&st, sc, &cache, say, &s, &err)) {
        cli_error("%s", err.msg);
        gp_cache_destroy(&cache);
        return tn_error_exit_status(&err);
    }
    char *dir = NULL;
    const char *out = o->out;
    if (!out) {
        size_t n = strlen(sc->name) + 8;
        dir = malloc(n);
        TN_ASSERT(dir);
        snprintf(dir, n, "out/%s", sc->name);
        out = dir;
    }
    json_t *g = res_goodput_json(&st, sc->name, sc->hash, command_line);
    if (res_goodput_write(out, &st, g, sc->name, &err)) {
        cli_error("%s", err.msg);
        rc = tn_error_exit_status(&err);
    } else if (!o->quiet) {
        const gp_mc_t *m = &st.mc;
        printf("%s: %.4g tokens in %.2f days on average (p10 %.2f, p50 %.2f, p90 %.2f; "
               "failure-free %.2f), effective training time ratio %.3f\n"
               "checkpoint every %.1f min (%s; best simulated %.1f, Young %.1f, Daly %.1f), "
               "pause %.1f s, restart %.1f min, an interruption every %.2f h\n"
               "%u simulations run, %u figures from the cache; %.1f s\n"
               "report: %s/goodput.json\n",
               sc->name, st.spec.tokens, m->mean_wall_s / 86400, m->p10_s / 86400,
               m->p50_s / 86400, m->p90_s / 86400, st.training.work_s / 86400, st.ettr,
               st.interval_s / 60, st.interval_auto ? "searched" : "given",
               st.best_interval_s / 60, st.young_s / 60, st.daly_s / 60, st.costs.pause_s,
               st.restart_s / 60, st.mtti_s / 3600, st.costs.simulations, st.costs.cached,
               cli_progress_elapsed(&s.prog), out);
    }
    json_decref(g);
    free(dir);
    gp_study_destroy(&st);
    gp_cache_destroy(&cache);
    return rc;
}

int cli_goodput(int argc, char **argv, const char *command_line)
{
    cli_getopt_t g;
    cli_getopt_init(&g, goodput_options);
    static const cli_num_t seed = {.kind = CLI_NUM_INT, .max = INT64_MAX};
    static const cli_num_t runs = {.kind = CLI_NUM_INT, .min = 1, .max = 1000000};
    cli_opts_t o;
    cli_opts_init(&o, "goodput", &goodput_usage, argc);
    sim_overrides_t ov = {.sets = o.sets};
    const char *cache = NULL;
    bool no_cache = false;
    char runs_set[64] = "";
    int c, rc = -1;
    optind = 0; /* 0, not 1: makes glibc getopt start afresh */
    opterr = 0;
    while (rc < 0 && (c = getopt_long(argc, argv, g.shorts, g.longs, NULL)) != -1) {
        cli_value_t v;
        if (c == 's' || c == 'r') {
            rc = c == 's' ? cli_option_number("goodput", "--seed", optarg, &seed,
                                              "a non-negative integer", &v)
                          : cli_option_number("goodput", "--runs", optarg, &runs,
                                              "an integer from 1 to 1000000", &v);
            if (rc == 0 && c == 's') {
                ov.seed = v.u;
                ov.has_seed = true;
            } else if (rc == 0) {
                snprintf(runs_set, sizeof runs_set, "training.runs=%llu",
                         (unsigned long long)v.u);
            }
            rc = rc ? rc : -1;
        } else if (c == 'c') {
            cache = optarg;
        } else if (c == 'n') {
            no_cache = true;
        } else {
            rc = cli_opts_take(&o, c, argv[optind - 1]);
        }
    }
    /* as sweep: the two contradict each other, and neither may win silently */
    if (rc < 0 && cache && no_cache) {
        cli_error("goodput: give one of --cache DIR and --no-cache");
        rc = 2;
    }
    /* --runs is the last --set, so it wins over the file and earlier sets */
    const char **sets = malloc(((size_t)o.n_sets + 1) * sizeof *sets);
    TN_ASSERT(sets);
    for (int i = 0; i < o.n_sets; i++)
        sets[i] = o.sets[i];
    ov.sets = sets;
    ov.n_sets = o.n_sets;
    if (runs_set[0])
        sets[ov.n_sets++] = runs_set;
    sim_scenario_t sc;
    if (rc < 0 &&
        !(rc = cli_scenario_args("goodput", o.out, o.arg, o.extra + (optind < argc), &sc, &ov))) {
        char *def = no_cache || cache ? NULL : gp_cache_default_dir();
        rc = study(&sc, &o, no_cache ? NULL : cache ? cache : def, command_line);
        free(def);
        sim_scenario_destroy(&sc);
    }
    free(sets);
    cli_opts_destroy(&o);
    return rc;
}
