/* cli/compare.c — `tensim compare DIR...`: the what-if table across
 * runs, Markdown on standard output, CSV and a side-by-side HTML page to
 * files on request. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_file.h"
#include "common/tn_json.h"
#include "results/compare.h"
#include "cli/cli.h"

static const cli_option_t compare_options[] = {
    {"csv", 0, "FILE", 'c', "write the table as CSV, every digit the reports have"},
    {"html", 0, "FILE", 'H', "write a self-contained page of the runs side by side, with charts"},
    CLI_OPT_HELP,
    CLI_OPT_END,
};

static const cli_usage_t compare_usage = {
    "usage: tensim compare RUN... [options]\n"
    "  the what-if table of several runs (Markdown on standard output); RUN is a run's\n"
    "  output directory (its report.json is read) or a report file\n",
    compare_options,
};

/* DIR/report.json, or the argument itself when it names a .json file. */
static char *report_path(const char *arg)
{
    size_t n = strlen(arg);
    if (n > 5 && !strcmp(arg + n - 5, ".json"))
        return tn_strdup(arg);
    char *p = tn_malloc(n + sizeof "/report.json");
    snprintf(p, n + sizeof "/report.json", "%s/report.json", arg);
    return p;
}

int cli_compare(int argc, char **argv, const char *command_line)
{
    cli_getopt_t g;
    cli_getopt_init(&g, compare_options);
    (void)command_line;
    const char *csv = NULL, *html = NULL;
    int c;
    optind = 0;
    opterr = 0;
    const char **runs = tn_calloc((size_t)argc + 1, sizeof *runs);
    int n = 0, rc = 2;
    while ((c = getopt_long(argc, argv, g.shorts, g.longs, NULL)) != -1) {
        const char *arg = argv[optind - 1];
        switch (c) {
        case 1:
            runs[n++] = optarg;
            break;
        case 'c':
            csv = optarg;
            break;
        case 'H':
            html = optarg;
            break;
        case 'h':
            cli_usage_print(stdout, &compare_usage);
            free(runs);
            return 0;
        default:
            cli_bad_option("compare", c, arg);
            goto out;
        }
    }
    if (n == 0) {
        cli_error("compare: expected at least one run directory (see tensim compare --help)");
        goto out;
    }
    res_compare_t cmp;
    res_compare_init(&cmp);
    tn_error_t err = {0};
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        char *path = report_path(runs[i]);
        json_t *rep = tn_json_load_file(path, &err);
        if (!rep || res_compare_add(&cmp, runs[i], rep, path, &err)) {
            cli_error("%s", err.msg);
            rc = tn_error_exit_status(&err);
            ok = false;
        }
        json_decref(rep);
        free(path);
    }
    if (ok) {
        char *md = res_compare_markdown(&cmp);
        rc = 0;
        /* the CSV and the page together, all or none */
        const char *names[2], *texts[2];
        char *owned[2] = {NULL, NULL};
        size_t k = 0;
        if (csv) {
            names[k] = csv;
            texts[k] = owned[k] = res_compare_csv(&cmp);
            k++;
        }
        if (html) {
            names[k] = html;
            texts[k] = owned[k] = res_compare_html(&cmp);
            k++;
        }
        if (k && cli_write_files(NULL, k, names, texts, &err)) {
            cli_error("%s", err.msg);
            rc = tn_error_exit_status(&err);
        }
        free(owned[0]);
        free(owned[1]);
        if (rc == 0)
            fputs(md, stdout);
        free(md);
    }
    res_compare_destroy(&cmp);
out:
    free(runs);
    return rc;
}
