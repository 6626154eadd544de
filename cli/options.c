/* cli/options.c — what every subcommand shares: error lines, bad options,
 * the scenario argument, option numbers and atomic output files. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "energy/spec.h"
#include "goodput/spec.h"
#include "common/tn_file.h"

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

int cli_scenario_load(sim_scenario_t *sc, const char *path, const sim_overrides_t *ov,
                      tn_error_t *err)
{
    if (sim_scenario_load(sc, path, ov, err))
        return -1;
    /* the training section is read by tensim goodput, the power and prices
     * sections by the commands that report energy, but a mistake in them
     * is refused by every command, as any other key's */
    const json_t *training = json_object_get(sc->root, "training");
    gp_spec_t ts;
    en_spec_t es;
    if ((training && gp_spec_parse(&ts, training, sc->src, err)) ||
        en_spec_parse(&es, sc->root, sc->src, err)) {
        sim_scenario_destroy(sc);
        return -1;
    }
    return 0;
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
    char *path = cli_scenario_path(scenario, &err);
    int rc = !path || cli_scenario_load(sc, path, ov, &err) ? -1 : 0;
    free(path);
    if (rc) {
        cli_error("%s", err.msg);
        return tn_error_exit_status(&err);
    }
    return 0;
}

int cli_write_files(const char *dir, size_t n, const char *const *names,
                    const char *const *texts, tn_error_t *err)
{
    tn_outset_t os;
    tn_outset_init(&os);
    int rc = dir ? tn_outset_mkdirs(&os, dir, err) : 0;
    for (size_t i = 0; i < n && !rc; i++) {
        /* without dir, each name is a path: its missing folder is made */
        const char *slash = dir ? NULL : strrchr(names[i], '/');
        if (slash && slash != names[i]) {
            char *parent = tn_strdup(names[i]);
            parent[slash - names[i]] = '\0';
            rc = tn_outset_mkdirs(&os, parent, err);
            free(parent);
        }
        if (!rc)
            rc = tn_outset_add_in(&os, dir, names[i], texts[i], strlen(texts[i]), err);
    }
    if (!rc)
        rc = tn_outset_commit(&os, err);
    tn_outset_destroy(&os); /* undoes everything unless committed */
    return rc ? -1 : 0;
}

/* Decimal digits, then (for a size) one of K, M, G, T. */
static int parse_uint(const char *s, const cli_num_t *w, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    int shift = 0;
    if (w->kind == CLI_NUM_SIZE && *end && strchr("KkMmGgTt", *end)) {
        static const char units[] = "KMGT";
        shift = 10 * (int)(strchr(units, *end & ~0x20) - units + 1);
        end++;
    }
    if (errno || *end || v > w->max >> shift || (v << shift) < w->min)
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int cli_number(const char *s, const cli_num_t *want, cli_value_t *out)
{
    if (want->kind != CLI_NUM_REAL)
        return parse_uint(s, want, &out->u);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !(v >= want->lo && v <= want->hi) || (want->whole && v != floor(v)))
        return -1;
    out->d = v;
    return 0;
}

int cli_option_number(const char *cmd, const char *opt, const char *s, const cli_num_t *want,
                      const char *expected, cli_value_t *out)
{
    if (cli_number(s, want, out) == 0)
        return 0;
    cli_error("%s: %s: expected %s, got '%s'", cmd, opt, expected, s);
    return 2;
}

void cli_getopt_init(cli_getopt_t *g, const cli_option_t *opts)
{
    memset(g, 0, sizeof *g);
    size_t nl = 0, ns = 0;
    g->shorts[ns++] = '-';
    g->shorts[ns++] = ':';
    for (const cli_option_t *p = opts; p->name || p->short_name; p++) {
        TN_ASSERT(p - opts < CLI_MAX_OPTS);
        if (p->name)
            g->longs[nl++] = (struct option){p->name, p->arg ? required_argument : no_argument,
                                             NULL, p->val};
        if (p->short_name) {
            g->shorts[ns++] = p->short_name;
            if (p->arg)
                g->shorts[ns++] = ':';
        }
    }
}

/* "-o, --output DIR", "    --seed N" or "-j N" for p into buf. */
static int option_label(const cli_option_t *p, char *buf, size_t n)
{
    char s[4] = "";
    if (p->short_name)
        snprintf(s, sizeof s, "-%c", p->short_name);
    return snprintf(buf, n, "%s%s%s%s%s%s", p->short_name ? s : "    ",
                    p->short_name && p->name ? ", " : "", p->name ? "--" : "",
                    p->name ? p->name : "", p->arg ? " " : "", p->arg ? p->arg : "");
}

void cli_usage_print(FILE *to, const cli_usage_t *u)
{
    fputs(u->synopsis, to);
    fputs("options:\n", to);
    int width = 0;
    char label[128];
    for (const cli_option_t *p = u->opts; p->name || p->short_name; p++) {
        int w = option_label(p, label, sizeof label);
        width = w > width ? w : width;
    }
    for (const cli_option_t *p = u->opts; p->name || p->short_name; p++) {
        option_label(p, label, sizeof label);
        fprintf(to, "  %-*s  %s\n", width, label, p->help);
    }
}

void cli_opts_init(cli_opts_t *o, const char *cmd, const cli_usage_t *usage, int argc)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    o->usage = usage;
    o->sets = tn_calloc((size_t)argc + 1, sizeof *o->sets);
}

void cli_opts_destroy(cli_opts_t *o) { free(o->sets); }

int cli_opts_take(cli_opts_t *o, int c, const char *arg)
{
    switch (c) {
    case 1:
        if (o->arg)
            o->extra++;
        else
            o->arg = optarg;
        return -1;
    case 'S':
        o->sets[o->n_sets++] = optarg;
        return -1;
    case 'o':
        o->out = optarg;
        return -1;
    case 'q':
        o->quiet = true;
        return -1;
    case 'h':
        cli_usage_print(stdout, o->usage);
        return 0;
    default:
        cli_bad_option(o->cmd, c, arg);
        return 2;
    }
}
