/* study/study.c — a study's axes and its runs: parsing --vary, the cross
 * product, the identity kept as OUT/study.json, and the check of every
 * combination before anything runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/tn_file.h"
#include "common/tn_json.h"
#include "common/tn_text.h"
#include "goodput/spec.h"
#include "sim/job/scenario.h"
#include "study/study.h"

void study_init(study_t *s, const char *scenario, const char *out)
{
    memset(s, 0, sizeof *s);
    s->scenario = scenario;
    s->out = out;
}

static void axis_add(study_axis_t *a, const char *v)
{
    a->values = tn_realloc(a->values, (a->n + 1) * sizeof *a->values);
    a->values[a->n++] = tn_strdup(v);
}

static void axis_free(study_axis_t *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->values[i]);
    free(a->values);
    free(a->key);
}

static void run_free(study_run_t *r)
{
    free(r->dir);
    free(r->name);
    free(r->reason);
    for (size_t a = 0; r->args && r->args[a]; a++)
        free(r->args[a]);
    free(r->args);
}

void study_destroy(study_t *s)
{
    for (size_t i = 0; i < s->n_runs; i++)
        run_free(&s->runs[i]);
    free(s->runs);
    for (size_t k = 0; k < s->n_axes; k++)
        axis_free(&s->axes[k]);
    free(s->axes);
    free(s->sets);
    json_decref(s->identity);
}

/* "LO:HI:xF" or "LO:HI:+S": the values from LO up to HI. 1 when it is a
 * range (and it was expanded), 0 when not one, -1 when malformed. */
static int parse_range(study_axis_t *a, const char *s)
{
    double lo, hi, step;
    char op, end;
    if (sscanf(s, "%lf:%lf:%c%lf%c", &lo, &hi, &op, &step, &end) != 4 || (op != 'x' && op != '+'))
        return 0;
    if (!(hi >= lo) || (op == 'x' ? !(step > 1) || !(lo > 0) : !(step > 0)))
        return -1;
    for (double v = lo; v <= hi * (1 + 1e-12); v = op == 'x' ? v * step : v + step) {
        if (a->n >= STUDY_MAX_VALUES)
            return -1;
        char buf[64];
        snprintf(buf, sizeof buf, "%.15g", v);
        axis_add(a, buf);
    }
    return 1;
}

/* A JSON array's elements, each as compact JSON text. */
static int parse_array(study_axis_t *a, const char *vals, tn_error_t *err)
{
    json_error_t je;
    json_t *arr = json_loads(vals, JSON_DECODE_ANY, &je);
    if (!json_is_array(arr) || json_array_size(arr) == 0 ||
        json_array_size(arr) > STUDY_MAX_VALUES) {
        json_decref(arr);
        return tn_error_set(err, TN_EINPUT,
                            "--vary %s: expected a JSON array of 1 to %d values, got '%s'", a->key,
                            STUDY_MAX_VALUES, vals);
    }
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        axis_add(a, s);
        free(s);
    }
    json_decref(arr);
    return 0;
}

/* A comma list; "a,,b" or "a," hide an empty value: refuse them rather
 * than drop it. */
static int parse_list(study_axis_t *a, const char *vals, tn_error_t *err)
{
    char *copy = tn_strdup(vals);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        axis_add(a, tok);
    free(copy);
    if (a->n > STUDY_MAX_VALUES)
        return tn_error_set(err, TN_EINPUT, "--vary %s: more than %d values", a->key,
                            STUDY_MAX_VALUES);
    if (a->n == 0 || strstr(vals, ",,") || vals[strlen(vals) - 1] == ',' || vals[0] == ',')
        return tn_error_set(err, TN_EINPUT, "--vary %s: empty value in '%s'", a->key, vals);
    return 0;
}

/* KEY=VALUES into an axis. Errors name the --vary argument. */
static int parse_vary(study_axis_t *a, const char *arg, tn_error_t *err)
{
    const char *eq = strchr(arg, '=');
    memset(a, 0, sizeof *a);
    if (!eq || eq == arg)
        return tn_error_set(err, TN_EINPUT,
                            "--vary '%s': expected KEY=VALUES (values: V1,V2 or LO:HI:xF or a "
                            "JSON array)",
                            arg);
    a->key = tn_malloc((size_t)(eq - arg) + 1);
    memcpy(a->key, arg, (size_t)(eq - arg));
    a->key[eq - arg] = '\0';
    const char *vals = eq + 1;
    int r = parse_range(a, vals);
    if (r < 0)
        return tn_error_set(err, TN_EINPUT,
                            "--vary %s: bad range '%s' (LO:HI:xF with F > 1 and LO > 0, or "
                            "LO:HI:+S with S > 0, LO <= HI, at most %d values)",
                            a->key, vals, STUDY_MAX_VALUES);
    if (r == 0 && vals[0] == '[')
        return parse_array(a, vals, err);
    if (r == 0)
        return parse_list(a, vals, err);
    return 0;
}

int study_add_axis(study_t *s, const char *arg, tn_error_t *err)
{
    s->axes = tn_realloc(s->axes, (s->n_axes + 1) * sizeof *s->axes);
    study_axis_t *a = &s->axes[s->n_axes];
    if (parse_vary(a, arg, err)) {
        axis_free(a);
        return -1;
    }
    /* the key as --set reads it (sim_set_key_problem()): a key that no
     * value can mend is the study's error, not each combination's */
    size_t klen = strlen(a->key);
    const char *why = sim_set_key_problem(a->key, klen);
    if (why) {
        tn_error_set(err, TN_EINPUT, "--vary %.*s%s: %s", klen > 40 ? 40 : (int)klen, a->key,
                     klen > 40 ? "..." : "", why);
        axis_free(a);
        return -1;
    }
    for (size_t k = 0; k < s->n_axes; k++)
        if (!strcmp(s->axes[k].key, a->key)) {
            tn_error_set(err, TN_EINPUT, "--vary %s: given twice", a->key);
            axis_free(a);
            return -1;
        }
    s->n_axes++;
    return 0;
}

void study_add_set(study_t *s, const char *set)
{
    s->sets = tn_realloc(s->sets, (size_t)(s->n_sets + 1) * sizeof *s->sets);
    s->sets[s->n_sets++] = set;
}

/* The subdirectory name of a combination: key=value pairs joined by ','
 * with anything but [A-Za-z0-9._=,+-] as '_'. */
static char *run_dir_name(const study_t *s, const size_t *pick)
{
    tn_text_t t = {0};
    for (size_t k = 0; k < s->n_axes; k++)
        tn_text_put(&t, "%s%s=%s", k ? "," : "", s->axes[k].key, s->axes[k].values[pick[k]]);
    for (char *p = t.s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("._=,+-", *p)))
            *p = '_';
    return t.s;
}

static const char *const kind_names[] = {[STUDY_KIND_RUN] = "run",
                                          [STUDY_KIND_GOODPUT] = "goodput"};

const char *study_done_file(study_kind_t kind)
{
    return kind == STUDY_KIND_GOODPUT ? "goodput.json" : "report.json";
}

/* The study's identity (kind, scenario, axes, fixed sets), kept as
 * OUT/study.json so that a later sweep into OUT resumes it, and a different
 * one is refused. A run study has no "kind": its study.json stays as it was
 * before goodput studies, so older study directories still resume. Where
 * the cache is does not change a result, so it is no part of the identity. */
static json_t *identity(const study_t *s)
{
    json_t *o = json_object(), *vary = json_array(), *set = json_array();
    if (s->kind != STUDY_KIND_RUN)
        json_object_set_new(o, "kind", json_string(kind_names[s->kind]));
    json_object_set_new(o, "scenario", json_string(s->scenario));
    for (size_t k = 0; k < s->n_axes; k++) {
        json_t *a = json_object(), *vals = json_array();
        json_object_set_new(a, "key", json_string(s->axes[k].key));
        for (size_t i = 0; i < s->axes[k].n; i++)
            json_array_append_new(vals, json_string(s->axes[k].values[i]));
        json_object_set_new(a, "values", vals);
        json_array_append_new(vary, a);
    }
    for (int i = 0; i < s->n_sets; i++)
        json_array_append_new(set, json_string(s->sets[i]));
    json_object_set_new(o, "vary", vary);
    json_object_set_new(o, "set", set);
    return o;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

void study_values(const study_t *s, size_t i, const char **vals)
{
    for (size_t k = s->n_axes; k-- > 0;) {
        vals[k] = s->axes[k].values[i % s->axes[k].n];
        i /= s->axes[k].n;
    }
}

/* Run r's command line: tensim run SCENARIO --quiet -o DIR, then --set for
 * each of all[n]. A goodput study's: tensim goodput SCENARIO --quiet -o DIR,
 * then --cache OUT/cache, --cache DIR or --no-cache, then the --sets. */
static char **run_args(const study_t *s, const char *dir, const char **all, size_t n)
{
    char **args = tn_calloc(9 + 2 * n, sizeof *args);
    size_t a = 0;
    args[a++] = tn_strdup("tensim");
    args[a++] = tn_strdup(kind_names[s->kind]);
    args[a++] = tn_strdup(s->scenario);
    args[a++] = tn_strdup("--quiet");
    args[a++] = tn_strdup("-o");
    args[a++] = tn_strdup(dir);
    if (s->kind == STUDY_KIND_GOODPUT && s->cache == STUDY_CACHE_NONE) {
        args[a++] = tn_strdup("--no-cache");
    } else if (s->kind == STUDY_KIND_GOODPUT) {
        args[a++] = tn_strdup("--cache");
        args[a++] =
            s->cache == STUDY_CACHE_DIR ? tn_strdup(s->cache_dir) : tn_path_join(s->out, "cache");
    }
    for (size_t i = 0; i < n; i++) {
        args[a++] = tn_strdup("--set");
        args[a++] = tn_strdup(all[i]);
    }
    return args;
}

/* The check of one combination's training section, which every command
 * refuses when bad (a goodput study also needs one): 0 when it reads or,
 * outside a goodput study, is absent; else the error in *e. A goodput
 * study of a scenario without one is the study's error, not the
 * combination's (TN_EINPUT with "unknown key" in the message would be too,
 * and is gp_spec_parse's own wording). */
static int check_training(const study_t *s, const sim_scenario_t *sc, tn_error_t *e)
{
    const json_t *tr = json_object_get(sc->root, "training");
    if (!tr && s->kind != STUDY_KIND_GOODPUT)
        return 0;
    if (!tr)
        return tn_error_set(e, TN_EINPUT,
                            "%s: training: missing; a goodput study (--goodput) needs the "
                            "scenario's training section (docs/scenario.md, \"training\")",
                            s->scenario);
    gp_spec_t spec;
    return gp_spec_parse(&spec, tr, sc->src, e);
}

/* Fills run i: its name, directory and command line, then loads its
 * scenario and reads its training section: INVALID
 * when a value is bad, done when its report.json (goodput.json) exists,
 * else pending. -1 when the study itself is wrong (a file that cannot be
 * read, a key no value can mend, a goodput study of a scenario without a
 * training section). */
static int add_run(study_t *s, size_t i, tn_error_t *err)
{
    study_run_t *r = &s->runs[i];
    size_t n_all = s->n_axes + (size_t)s->n_sets;
    const char **all = tn_calloc(n_all + 1, sizeof *all);
    size_t *pick = tn_calloc(s->n_axes + 1, sizeof *pick);
    for (size_t k = s->n_axes, idx = i; k-- > 0;) {
        pick[k] = idx % s->axes[k].n;
        idx /= s->axes[k].n;
    }
    r->name = run_dir_name(s, pick);
    r->dir = tn_path_join(s->out, r->name);
    for (int j = 0; j < s->n_sets; j++)
        all[j] = s->sets[j];
    for (size_t k = 0; k < s->n_axes; k++) {
        const char *v = s->axes[k].values[pick[k]];
        size_t n = strlen(s->axes[k].key) + strlen(v) + 2;
        char *kv = tn_malloc(n);
        snprintf(kv, n, "%s=%s", s->axes[k].key, v);
        all[(size_t)s->n_sets + k] = kv;
    }
    r->args = run_args(s, r->dir, all, n_all);
    sim_overrides_t ov = {.sets = all, .n_sets = (int)n_all};
    sim_scenario_t sc;
    tn_error_t e = {0};
    int bad = sim_scenario_load(&sc, s->scenario, &ov, &e);
    bool no_training = false;
    if (!bad) {
        no_training = s->kind == STUDY_KIND_GOODPUT && !json_object_get(sc.root, "training");
        bad = check_training(s, &sc, &e);
        sim_scenario_destroy(&sc);
    }
    for (size_t k = 0; k < s->n_axes; k++)
        free((char *)all[(size_t)s->n_sets + k]);
    free(all);
    free(pick);
    if (bad && (e.code != TN_EINPUT || strstr(e.msg, "unknown key") || no_training)) {
        *err = e;
        return -1;
    }
    char *report = tn_path_join(r->dir, study_done_file(s->kind));
    if (bad) {
        r->status = STUDY_RUN_INVALID;
        r->reason = tn_strdup(e.msg);
        s->invalid++;
    } else if (exists(report)) {
        r->status = STUDY_RUN_OK;
        s->skipped++;
    } else {
        r->pending = true;
    }
    free(report);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Two combinations whose names differ only in characters made '_' would
 * share a directory. */
static int check_names(const study_t *s, tn_error_t *err)
{
    const char **names = tn_calloc(s->n_runs + 1, sizeof *names);
    for (size_t i = 0; i < s->n_runs; i++)
        names[i] = s->runs[i].name;
    qsort(names, s->n_runs, sizeof *names, cmp_names);
    int rc = 0;
    for (size_t i = 1; i < s->n_runs && !rc; i++)
        if (!strcmp(names[i - 1], names[i]))
            rc = tn_error_set(err, TN_EINPUT,
                              "two combinations would share the directory %s/%s; give values "
                              "that differ in letters, digits or ._=,+-",
                              s->out, names[i]);
    free(names);
    return rc;
}

/* The identity: a new directory, or the same study resumed. */
static int check_identity(study_t *s, tn_error_t *err)
{
    s->identity = identity(s);
    char *idpath = tn_path_join(s->out, "study.json");
    int rc = 0;
    if (exists(idpath)) {
        tn_error_t e = {0};
        json_t *old = tn_json_load_file(idpath, &e);
        bool same = old && json_equal(old, s->identity);
        /* a study.json without "kind" is a run study's (see identity()) */
        const json_t *k = old ? json_object_get(old, "kind") : NULL;
        const char *old_kind = json_is_string(k) ? json_string_value(k) : "run";
        if (old && !same && strcmp(old_kind, kind_names[s->kind]))
            rc = tn_error_set(err, TN_EINPUT,
                              "%s holds a %s study, not a %s one (%s); choose another -o",
                              s->out, old_kind, kind_names[s->kind],
                              s->kind == STUDY_KIND_GOODPUT ? "it was made without --goodput"
                                                            : "it was made with --goodput");
        else if (!same)
            rc = tn_error_set(err, TN_EINPUT,
                              "%s holds another study (its study.json differs); choose another -o",
                              s->out);
        json_decref(old);
    }
    free(idpath);
    return rc;
}

int study_prepare(study_t *s, tn_error_t *err)
{
    size_t total = 1;
    for (size_t k = 0; k < s->n_axes; k++) {
        total *= s->axes[k].n;
        if (total > STUDY_MAX_RUNS)
            return tn_error_set(err, TN_EINPUT, "more than %d combinations", STUDY_MAX_RUNS);
    }
    /* a base file that cannot be read as JSON fails every combination
     * alike: the study's error */
    json_t *base = tn_json_load_file(s->scenario, err);
    if (!base)
        return -1;
    json_decref(base);
    if (check_identity(s, err))
        return -1;
    ssize_t sl = readlink("/proc/self/exe", s->self, sizeof s->self - 1);
    if (sl <= 0)
        return tn_error_set(err, TN_EIO, "cannot find the tensim binary: %s", strerror(errno));
    s->self[sl] = '\0';
    s->runs = tn_calloc(total, sizeof *s->runs);
    for (s->n_runs = 0; s->n_runs < total; s->n_runs++)
        if (add_run(s, s->n_runs, err)) {
            s->n_runs++; /* freed with the others */
            return -1;
        }
    /* Some invalid combinations are findings of the study (rows that say
     * why); all of them is a study that cannot run: bad input, like a bad
     * --set (an invalid base scenario, a key no value mends, every value
     * out of range). */
    if (s->invalid == s->n_runs)
        return tn_error_set(err, TN_EINPUT, "every combination is invalid; %s%s: %s",
                            s->n_runs > 1 ? "the first, " : "", s->runs[0].name,
                            s->runs[0].reason);
    return check_names(s, err);
}

int study_record(study_t *s, int rank, tn_error_t *err)
{
    char *idpath = tn_path_join(s->out, "study.json");
    int rc = 0;
    if (rank == 0 && !exists(idpath)) {
        char *js = json_dumps(s->identity, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        tn_outset_t os;
        tn_outset_init(&os);
        rc = tn_outset_mkdirs(&os, s->out, err) || tn_outset_add(&os, idpath, js, strlen(js), err) ||
             tn_outset_commit(&os, err);
        tn_outset_destroy(&os); /* undoes everything unless committed */
        free(js);
    }
    free(idpath);
    /* every rank goes on only if rank 0 could record the study */
    if (!study_all_agree(!rc)) {
        if (!rc)
            tn_error_set(err, TN_EIO, "rank 0 could not record the study");
        return -1;
    }
    return 0;
}
