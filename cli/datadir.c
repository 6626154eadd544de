/* cli/datadir.c — the shipped scenarios by name, from wherever tensim
 * runs. Everything else the binary reads (presets, server types, models,
 * GPU, collective, failure and power data) is compiled in; the scenarios
 * are the one set of data files it looks for at run time.
 *
 * A data root holds the source tree's layout (workloads/scenarios/,
 * topology/presets/, ..., docs/): the source tree itself, or
 * $(PREFIX)/share/tensim where `make install` copies those directories. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

#ifndef TENSIM_DATADIR
#define TENSIM_DATADIR "/usr/local/share/tensim"
#endif

#define SCENARIOS "workloads/scenarios"

enum { MAX_ROOTS = 5 };

/* The data roots, in search order, into roots[]; returns how many. */
static int data_roots(char roots[MAX_ROOTS][PATH_MAX])
{
    int n = 0;
    const char *env = getenv("TENSIM_DATA");
    if (env && *env)
        snprintf(roots[n++], PATH_MAX, "%s", env);
    snprintf(roots[n++], PATH_MAX, ".");
    /* beside the binary: PREFIX/bin/tensim -> PREFIX/share/tensim (an
     * install moved or staged with DESTDIR), build/tensim -> the tree */
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = len > 0 ? (exe[len] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        snprintf(roots[n++], PATH_MAX, "%.*s/../share/tensim", PATH_MAX - 20, exe);
        snprintf(roots[n++], PATH_MAX, "%.*s/..", PATH_MAX - 20, exe);
    }
    snprintf(roots[n++], PATH_MAX, "%s", TENSIM_DATADIR);
    return n;
}

static bool is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The scenario names in dir (files NAME.json), sorted, joined by ", "
 * into buf; false when dir cannot be opened. */
static bool list_names(const char *dir, char *buf, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    char *names[256];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 256;) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] != '.' && l > 5 && !strcmp(e->d_name + l - 5, ".json"))
            names[n++] = tn_strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_str);
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (len < cap)
            len += (size_t)snprintf(buf + len, cap - len, "%s%.*s", i ? ", " : "",
                                    (int)strlen(names[i]) - 5, names[i]);
        free(names[i]);
    }
    return true;
}

/* root/workloads/scenarios[/NAME.json], a new string. */
static char *scenarios_path(const char *root, const char *name)
{
    size_t n = strlen(root) + strlen(name) + sizeof "/" SCENARIOS "/.json";
    char *p = tn_malloc(n);
    snprintf(p, n, "%s/" SCENARIOS "%s%s%s", root, *name ? "/" : "", name, *name ? ".json" : "");
    return p;
}

char *cli_scenario_path(const char *arg, tn_error_t *err)
{
    size_t n = strlen(arg);
    bool path = strchr(arg, '/') || (n >= 5 && !strcmp(arg + n - 5, ".json")) || is_file(arg);
    struct stat sb;
    if (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        /* else "no such file" would be said of a directory that stands */
        tn_error_set(err, TN_EINPUT, "%s: is a directory, not a scenario file", arg);
        return NULL;
    }
    if (path || !*arg)
        return tn_strdup(arg);
    char roots[MAX_ROOTS][PATH_MAX];
    int k = data_roots(roots);
    for (int i = 0; i < k; i++) {
        char *file = scenarios_path(roots[i], arg);
        if (is_file(file))
            return file;
        free(file);
    }
    char known[512];
    for (int i = 0; i < k; i++) {
        char *dir = scenarios_path(roots[i], "");
        bool listed = list_names(dir, known, sizeof known);
        free(dir);
        if (listed) {
            tn_error_set(err, TN_EINPUT, "%s: no such file, nor a shipped scenario (known: %s)",
                         arg, known);
            return NULL;
        }
    }
    tn_error_set(err, TN_EINPUT,
                 "%s: no such file, and no shipped scenarios found (set TENSIM_DATA to the "
                 "directory that holds " SCENARIOS "/)",
                 arg);
    return NULL;
}
