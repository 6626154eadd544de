/* tests/check_cli_help.c — every subcommand's --help, held to its parser
 * and to the SYNOPSIS of docs/tensim.1.
 *
 * Nothing here lists the commands or their options: the commands come
 * from `tensim --help` (cli_commands[]), the options from each command's
 * --help, which cli_usage_print() makes from the same table as the
 * parser's getopt_long arrays. The tests check that each listed option is
 * one the parser takes, with or without a value as listed; that the man
 * page's synopsis of the command names the same options; and that the
 * man page renders without a warning. Runs the real binary through
 * tests/cli_harness.h. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/cli_harness.h"
#include "tests/tests.h"

enum { MAX_CMDS = 32, MAX_ROWS = 40 };

/* One option line of a --help: its forms ("-o", "--output") and whether
 * it takes a value. */
typedef struct {
    char forms[2][40];
    int n_forms;
    bool has_arg;
} row_t;

/* The command names of `tensim --help`: the lines under "commands:" that
 * start with two spaces and a letter. Returns how many. */
static int command_names(char names[MAX_CMDS][32])
{
    result_t r;
    run_tensim(&r, "--help", NULL);
    expect_status(&r, 0);
    const char *p = strstr(r.out, "\ncommands:\n");
    ck_assert_ptr_nonnull(p);
    p += strlen("\ncommands:\n");
    int n = 0;
    while (*p && *p != '\n') {
        if (p[0] == ' ' && p[1] == ' ' && islower((unsigned char)p[2])) {
            ck_assert_int_lt(n, MAX_CMDS);
            size_t len = strcspn(p + 2, " \n");
            ck_assert_int_lt(len, 32);
            memcpy(names[n], p + 2, len);
            names[n++][len] = '\0';
        }
        p += strcspn(p, "\n");
        p += *p == '\n';
    }
    result_free(&r);
    ck_assert_int_ge(n, 8); /* run, topo, trace, collective, compare, sweep, plan, goodput */
    return n;
}

/* The option rows of `tensim CMD --help` (help: its stdout). Each line
 * after "options:" is two spaces, the forms and value, two or more
 * spaces, a description; anything else fails. Returns how many rows. */
static int help_rows(const char *cmd, const char *help, row_t rows[MAX_ROWS])
{
    const char *p = strstr(help, "\noptions:\n");
    ck_assert_msg(p != NULL, "tensim %s --help has no options: %s", cmd, help);
    p += strlen("\noptions:\n");
    int n = 0;
    for (; *p; n++) {
        size_t len = strcspn(p, "\n");
        char line[256];
        ck_assert_int_lt(len, sizeof line);
        memcpy(line, p, len);
        line[len] = '\0';
        p += len + (p[len] == '\n');
        ck_assert_msg(!strncmp(line, "  ", 2), "%s: option line [%s]", cmd, line);
        char *gap = strstr(line + 2 + strspn(line + 2, " "), "  ");
        ck_assert_msg(gap != NULL, "%s: option line without a description [%s]", cmd, line);
        *gap = '\0';
        const char *desc = gap + 2 + strspn(gap + 2, " ");
        ck_assert_msg(strlen(desc) >= 8, "%s: short description [%s]", cmd, desc);
        ck_assert_int_lt(n, MAX_ROWS);
        row_t *r = &rows[n];
        memset(r, 0, sizeof *r);
        /* "-o, --output DIR", "--seed N", "-j N", "--json" */
        for (char *tok = strtok(line, ", "); tok; tok = strtok(NULL, ", ")) {
            if (tok[0] == '-') {
                ck_assert_int_lt(r->n_forms, 2);
                snprintf(r->forms[r->n_forms++], sizeof r->forms[0], "%s", tok);
            } else {
                r->has_arg = true;
            }
        }
        ck_assert_msg(r->n_forms > 0, "%s: option line without an option", cmd);
    }
    return n;
}

/* The arguments that put cmd's parser to work: a verb for trace. */
static const char *verb_of(const char *cmd) { return !strcmp(cmd, "trace") ? "stats" : NULL; }

/* Runs `tensim CMD [VERB] ARGS...` (up to two args). */
static void run_cmd(result_t *r, const char *cmd, const char *a, const char *b)
{
    const char *v = verb_of(cmd);
    if (v)
        run_tensim(r, cmd, v, a, b, NULL);
    else
        run_tensim(r, cmd, a, b, NULL);
}

/* True when stderr says the parser did not take an option as given. */
static bool parser_refused(const char *err)
{
    return strstr(err, "unknown option") || strstr(err, "takes no value") ||
           strstr(err, "needs a value");
}

/* Each command's --help and -h print the same usage with an options
 * section on stdout, exit 0; every listed form is one the parser takes,
 * with a value exactly when the line shows one; a made-up option is
 * refused (so the check above can fail). */
START_TEST(help_lists_options_the_parser_takes)
{
    char names[MAX_CMDS][32];
    int n = command_names(names);
    for (int i = 0; i < n; i++) {
        const char *cmd = names[i];
        result_t h, hs;
        run_cmd(&h, cmd, "--help", NULL);
        expect_status(&h, 0);
        ck_assert_str_eq(h.err, "");
        ck_assert_msg(!strncmp(h.out, "usage: tensim ", 14), "%s --help: %s", cmd, h.out);
        run_cmd(&hs, cmd, "-h", NULL);
        expect_status(&hs, 0);
        ck_assert_str_eq(hs.out, h.out);
        row_t rows[MAX_ROWS];
        int k = help_rows(cmd, h.out, rows);
        ck_assert_msg(k >= 2, "%s: %d options", cmd, k);
        bool has_help = false;
        for (int j = 0; j < k; j++) {
            for (int f = 0; f < rows[j].n_forms; f++) {
                const char *form = rows[j].forms[f];
                if (!strcmp(form, "--help") || !strcmp(form, "-h")) {
                    has_help = true;
                    continue;
                }
                char eq[64];
                int len = snprintf(eq, sizeof eq, "%s=x", form);
                ck_assert(len > 0 && (size_t)len < sizeof eq);
                bool is_long = form[1] == '-';
                result_t r;
                /* a value as --name=x or -x x: refused when the parser
                 * takes none; no value: refused when it needs one */
                if (rows[j].has_arg && is_long)
                    run_cmd(&r, cmd, eq, NULL);
                else if (rows[j].has_arg)
                    run_cmd(&r, cmd, form, "x");
                else
                    run_cmd(&r, cmd, form, NULL);
                ck_assert_msg(!parser_refused(r.err), "tensim %s %s: %s", cmd, form, r.err);
                ck_assert_msg(r.signal == 0, "tensim %s %s died", cmd, form);
                result_free(&r);
            }
        }
        ck_assert_msg(has_help, "%s --help does not list itself", cmd);
        result_t bad;
        run_cmd(&bad, cmd, "--no-such-option", NULL);
        expect_error(&bad, 2, "unknown option '--no-such-option'", NULL);
        result_free(&bad);
        result_free(&h);
        result_free(&hs);
    }
}
END_TEST

/* The SYNOPSIS section of docs/tensim.1 with "\-" read as "-". */
static char *man_synopsis(void)
{
    FILE *f = fopen("docs/tensim.1", "r");
    ck_assert_msg(f != NULL, "docs/tensim.1 (the tests run from the source tree)");
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *a = strstr(text, "\n.SH SYNOPSIS\n"), *b = a ? strstr(a + 1, "\n.SH ") : NULL;
    ck_assert(a && b);
    char *s = malloc((size_t)(b - a) + 1), *q = s;
    ck_assert_ptr_nonnull(s);
    for (const char *p = a; p < b; p++) {
        if (p[0] == '\\' && p[1] == '-')
            p++;
        *q++ = *p;
    }
    *q = '\0';
    return s;
}

/* The options named in the synopsis paragraphs of cmd (".B tensim CMD"
 * up to the next .PP), each "--name" or "-x", into opts. */
static int synopsis_options(const char *syn, const char *cmd, char opts[][40], int cap)
{
    char head[64];
    int len = snprintf(head, sizeof head, "\n.B tensim %s", cmd);
    ck_assert(len > 0 && (size_t)len < sizeof head);
    int n = 0;
    for (const char *p = strstr(syn, head); p; p = strstr(p + 1, head)) {
        char c = p[strlen(head)];
        if (c != '\n' && c != ' ')
            continue;
        const char *end = strstr(p + 1, "\n.PP");
        end = end ? end : p + strlen(p);
        for (const char *q = p + strlen(head); q < end; q++) {
            if (*q != '-' || isalnum((unsigned char)q[-1]) || q[-1] == '-')
                continue;
            size_t len = 1 + strspn(q + 1, "-abcdefghijklmnopqrstuvwxyz0123456789");
            bool is_long = q[1] == '-';
            if (len < 2 || (!is_long && len != 2) || (is_long && len < 4))
                continue;
            ck_assert_int_lt(n, cap);
            snprintf(opts[n++], 40, "%.*s", (int)len, q);
            q += len - 1;
        }
    }
    ck_assert_msg(n > 0 || !strcmp(cmd, "help"), "docs/tensim.1: no synopsis of %s", cmd);
    return n;
}

/* For each command: every option of its --help but --help itself has a
 * form in the man page's synopsis of the command, and every option there
 * is a form of one of them. */
START_TEST(help_matches_man_synopsis)
{
    char *syn = man_synopsis();
    char names[MAX_CMDS][32];
    int n = command_names(names);
    for (int i = 0; i < n; i++) {
        const char *cmd = names[i];
        result_t h;
        run_cmd(&h, cmd, "--help", NULL);
        expect_status(&h, 0);
        row_t rows[MAX_ROWS];
        int k = help_rows(cmd, h.out, rows);
        char opts[128][40];
        int m = synopsis_options(syn, cmd, opts, 128);
        for (int j = 0; j < k; j++) {
            if (!strcmp(rows[j].forms[rows[j].n_forms - 1], "--help"))
                continue;
            bool found = false;
            for (int f = 0; f < rows[j].n_forms && !found; f++)
                for (int o = 0; o < m && !found; o++)
                    found = !strcmp(opts[o], rows[j].forms[f]);
            ck_assert_msg(found, "docs/tensim.1: the synopsis of %s lacks %s", cmd,
                          rows[j].forms[rows[j].n_forms - 1]);
        }
        for (int o = 0; o < m; o++) {
            bool found = false;
            for (int j = 0; j < k && !found; j++)
                for (int f = 0; f < rows[j].n_forms && !found; f++)
                    found = !strcmp(opts[o], rows[j].forms[f]);
            ck_assert_msg(found, "docs/tensim.1: the synopsis of %s has %s, which --help lacks",
                          cmd, opts[o]);
        }
        result_free(&h);
    }
    free(syn);
}
END_TEST

/* man renders the page without a warning (groff's -ww through man). */
START_TEST(man_page_renders_without_warnings)
{
    ck_assert_msg(access("/usr/bin/man", X_OK) == 0, "needs man (scripts/install-deps.sh)");
    char cmd[PATH_MAX + 128];
    int len = snprintf(cmd, sizeof cmd,
                       "MANWIDTH=80 man --warnings -l docs/tensim.1 2>%s/man.err >%s/man.out",
                       tdir, tdir);
    ck_assert(len > 0 && (size_t)len < sizeof cmd);
    ck_assert_int_eq(system(cmd), 0);
    char *err = slurp("man.err"), *out = slurp("man.out");
    ck_assert_msg(err && !*err, "man --warnings: %s", err ? err : "(no file)");
    ck_assert_msg(out && strstr(out, "SYNOPSIS") && strstr(out, "ENVIRONMENT"), "man output");
    free(err);
    free(out);
}
END_TEST

Suite *cli_help_suite(void)
{
    Suite *s = suite_create("cli_help");
    TCase *tc = new_tcase("help");
    tcase_add_test(tc, help_lists_options_the_parser_takes);
    tcase_add_test(tc, help_matches_man_synopsis);
    tcase_add_test(tc, man_page_renders_without_warnings);
    suite_add_tcase(s, tc);
    return s;
}
