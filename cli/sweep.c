/* cli/sweep.c — tensim sweep: a parameter study. The cross product of
 * the --vary values, each combination run as `tensim run` in its own
 * subdirectory (a child process, N at a time), then the study's summary
 * (results/study.h). Resumable: a combination whose report.json exists is
 * not run again (reports are written atomically, so one that exists is
 * whole). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/tn_file.h"
#include "common/tn_json.h"
#include "common/tn_text.h"
#include "results/study.h"
#include "cli/cli.h"
#include "sim/job/scenario.h"

#ifdef TN_MPI
#include <mpi.h>
#endif

extern char **environ;

static const char sweep_usage[] =
    "usage: tensim sweep SCENARIO.json --vary KEY=V1,V2,... [--vary ...] [--set KEY=VALUE]...\n"
    "                    [-j N] -o DIR\n"
    "  values: a comma list (8,16,32), a range LO:HI:xF (1:8:x2 is 1,2,4,8) or LO:HI:+S,\n"
    "  or a JSON array ([\"ring\", \"hier\"]); every combination runs in DIR/<key=value,...>\n";

#define MAX_VALUES 10000
#define MAX_RUNS 100000

typedef struct {
    char *key;
    char **values;
    size_t n;
} axis_t;

static void axis_add(axis_t *a, const char *v)
{
    a->values = realloc(a->values, (a->n + 1) * sizeof *a->values);
    if (!a->values)
        abort();
    a->values[a->n++] = tn_strdup(v);
}

/* "LO:HI:xF" or "LO:HI:+S": the values from LO up to HI. 1 when it is a
 * range (and it was expanded), 0 when not one, -1 when malformed. */
static int parse_range(axis_t *a, const char *s)
{
    double lo, hi, step;
    char op, end;
    if (sscanf(s, "%lf:%lf:%c%lf%c", &lo, &hi, &op, &step, &end) != 4 || (op != 'x' && op != '+'))
        return 0;
    if (!(hi >= lo) || (op == 'x' ? !(step > 1) || !(lo > 0) : !(step > 0)))
        return -1;
    for (double v = lo; v <= hi * (1 + 1e-12); v = op == 'x' ? v * step : v + step) {
        if (a->n >= MAX_VALUES)
            return -1;
        char buf[64];
        snprintf(buf, sizeof buf, "%.15g", v);
        axis_add(a, buf);
    }
    return 1;
}

/* KEY=VALUES into an axis. Errors name the --vary argument. */
static int parse_vary(axis_t *a, const char *arg)
{
    const char *eq = strchr(arg, '=');
    memset(a, 0, sizeof *a);
    if (!eq || eq == arg) {
        cli_error("sweep: --vary '%s': expected KEY=VALUES (values: V1,V2 or LO:HI:xF or a JSON array)", arg);
        return -1;
    }
    a->key = strndup(arg, (size_t)(eq - arg));
    const char *vals = eq + 1;
    int r = parse_range(a, vals);
    if (r < 0) {
        cli_error("sweep: --vary %s: bad range '%s' (LO:HI:xF with F > 1 and LO > 0, or "
                  "LO:HI:+S with S > 0, LO <= HI, at most %d values)",
                  a->key, vals, MAX_VALUES);
        return -1;
    }
    if (r == 0 && vals[0] == '[') {
        json_error_t je;
        json_t *arr = json_loads(vals, JSON_DECODE_ANY, &je);
        if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > MAX_VALUES) {
            cli_error("sweep: --vary %s: expected a JSON array of 1 to %d values, got '%s'", a->key,
                      MAX_VALUES, vals);
            json_decref(arr);
            return -1;
        }
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v) {
            char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            axis_add(a, s);
            free(s);
        }
        json_decref(arr);
    } else if (r == 0) {
        char *copy = tn_strdup(vals);
        char *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            axis_add(a, tok);
        free(copy);
        if (a->n > MAX_VALUES) {
            cli_error("sweep: --vary %s: more than %d values", a->key, MAX_VALUES);
            return -1;
        }
        /* "a,,b" or "a," hide an empty value: refuse them rather than drop it */
        if (a->n == 0 || strstr(vals, ",,") || vals[strlen(vals) - 1] == ',' || vals[0] == ',') {
            cli_error("sweep: --vary %s: empty value in '%s'", a->key, vals);
            return -1;
        }
    }
    return 0;
}

static void axis_free(axis_t *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->values[i]);
    free(a->values);
    free(a->key);
}

/* The subdirectory name of a combination: key=value pairs joined by ','
 * with anything but [A-Za-z0-9._=,+-] as '_'. */
static char *run_dir_name(const axis_t *ax, size_t n_ax, const size_t *pick)
{
    tn_text_t t = {0};
    for (size_t k = 0; k < n_ax; k++)
        tn_text_put(&t, "%s%s=%s", k ? "," : "", ax[k].key, ax[k].values[pick[k]]);
    for (char *p = t.s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("._=,+-", *p)))
            *p = '_';
    return t.s;
}

/* The study's identity (scenario, axes, fixed sets), kept as DIR/study.json
 * so that a later sweep into DIR resumes it, and a different one is
 * refused. */
static json_t *identity(const char *scenario, const axis_t *ax, size_t n_ax, char **sets,
                        int n_sets)
{
    json_t *o = json_object(), *vary = json_array(), *set = json_array();
    json_object_set_new(o, "scenario", json_string(scenario));
    for (size_t k = 0; k < n_ax; k++) {
        json_t *a = json_object(), *vals = json_array();
        json_object_set_new(a, "key", json_string(ax[k].key));
        for (size_t i = 0; i < ax[k].n; i++)
            json_array_append_new(vals, json_string(ax[k].values[i]));
        json_object_set_new(a, "values", vals);
        json_array_append_new(vary, a);
    }
    for (int i = 0; i < n_sets; i++)
        json_array_append_new(set, json_string(sets[i]));
    json_object_set_new(o, "vary", vary);
    json_object_set_new(o, "set", set);
    return o;
}

typedef struct {
    char *dir;         /* DIR/<name> */
    char *name;
    char **args;       /* the `tensim run` command line */
    res_run_status_t status;
    char *reason;
    pid_t pid;
    bool pending;
} run_t;

/* The first line of a file, or NULL. */
static char *first_line(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char buf[1024];
    char *s = fgets(buf, sizeof buf, f) ? tn_strdup(buf) : NULL;
    fclose(f);
    if (s)
        s[strcspn(s, "\n")] = '\0';
    return s;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Starts run r as a child: stdout to /dev/null, stderr to r->dir/stderr.txt. */
static int spawn_run(run_t *r, const char *self)
{
    tn_error_t err = {0};
    if (tn_mkdirs(r->dir, &err)) {
        cli_error("sweep: %s", err.msg);
        return -1;
    }
    char errpath[4096];
    snprintf(errpath, sizeof errpath, "%s/stderr.txt", r->dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int rc = posix_spawn(&r->pid, self, &fa, NULL, r->args, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        cli_error("sweep: cannot start %s: %s", self, strerror(rc));
        return -1;
    }
    return 0;
}

static void finish_run(run_t *r, int status)
{
    char errpath[4096];
    snprintf(errpath, sizeof errpath, "%s/stderr.txt", r->dir);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        r->status = RES_RUN_OK;
        unlink(errpath);
        return;
    }
    r->status = RES_RUN_FAILED;
    char *line = first_line(errpath);
    if (!line) {
        char buf[64];
        snprintf(buf, sizeof buf, "exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        line = tn_strdup(buf);
    }
    r->reason = line;
}

/* Under MPI (rank 0 of size ranks > 1): hands the pending runs out one at
 * a time to whichever rank asks, and collects their wait statuses. */
static void coordinate(run_t *runs, size_t n_runs, int size, size_t *ran, size_t *failed);

/* Under MPI (a rank other than 0): asks rank 0 for runs until it has none,
 * runs each as a child, and reports its wait status. */
static void work(run_t *runs, const char *self);

/* Whether every rank says ok (alone: ok). */
static bool all_agree(bool ok);

static int sweep(int argc, char **argv, int mpi_rank, int mpi_size)
{
    static const struct option opts[] = {{"vary", required_argument, NULL, 'v'},
                                         {"set", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *out = NULL;
    long jobs = 1;
    axis_t *ax = NULL;
    size_t n_ax = 0;
    char **sets = NULL;
    int n_sets = 0, rc = 2, c;
    run_t *runs = NULL;
    size_t n_runs = 0;
    json_t *id = NULL;
    const char *scenario = NULL;
    int positional = 0;
    opterr = 0;
    optind = 0; /* GNU getopt: start afresh, "-" ordering included */
    while ((c = getopt_long(argc, argv, "-:o:j:", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(sweep_usage, stdout);
            rc = 0;
            goto done;
        } else if (c == 'o') {
            out = optarg;
        } else if (c == 'j') {
            char *end;
            jobs = strtol(optarg, &end, 10);
            if (*end || jobs < 1 || jobs > 1024) {
                cli_error("sweep: -j: expected 1 to 1024, got '%s'", optarg);
                goto done;
            }
        } else if (c == 'v') {
            ax = realloc(ax, (n_ax + 1) * sizeof *ax);
            if (!ax)
                abort();
            if (parse_vary(&ax[n_ax], optarg)) {
                axis_free(&ax[n_ax]);
                goto done;
            }
            for (size_t k = 0; k < n_ax; k++)
                if (!strcmp(ax[k].key, ax[n_ax].key)) {
                    cli_error("sweep: --vary %s: given twice", ax[n_ax].key);
                    axis_free(&ax[n_ax]);
                    goto done;
                }
            n_ax++;
        } else if (c == 's') {
            sets = realloc(sets, (size_t)(n_sets + 1) * sizeof *sets);
            if (!sets)
                abort();
            sets[n_sets++] = optarg;
        } else if (c == 1) {
            positional++;
            scenario = optarg;
        } else {
            cli_bad_option("sweep", c, argv[optind - 1]);
            goto done;
        }
    }
    if (positional != 1 || n_ax == 0 || !out) {
        cli_error("sweep: expected one scenario file, at least one --vary and -o DIR (see tensim "
                  "sweep --help)");
        goto done;
    }
    size_t total = 1;
    for (size_t k = 0; k < n_ax; k++) {
        total *= ax[k].n;
        if (total > MAX_RUNS) {
            cli_error("sweep: more than %d combinations", MAX_RUNS);
            goto done;
        }
    }
    /* the study's identity: a new directory, or the same study resumed */
    tn_error_t err = {0};
    id = identity(scenario, ax, n_ax, sets, n_sets);
    char idpath[4096];
    snprintf(idpath, sizeof idpath, "%s/study.json", out);
    if (exists(idpath)) {
        json_t *old = tn_json_load_file(idpath, &err);
        bool same = old && json_equal(old, id);
        json_decref(old);
        if (!same) {
            cli_error("sweep: %s holds another study (its study.json differs); choose another -o",
                      out);
            goto done;
        }
    }
    char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) {
        cli_error("sweep: cannot find the tensim binary: %s", strerror(errno));
        rc = 1;
        goto done;
    }
    self[sl] = '\0';
    /* every combination: checked here (a bad one is recorded, not run),
     * skipped when its report exists, else queued */
    runs = tn_calloc(total, sizeof *runs);
    size_t *pick = tn_calloc(n_ax, sizeof *pick);
    size_t ran = 0, skipped = 0, invalid = 0, failed = 0;
    for (n_runs = 0; n_runs < total; n_runs++) {
        run_t *r = &runs[n_runs];
        size_t idx = n_runs;
        for (size_t k = n_ax; k-- > 0;) {
            pick[k] = idx % ax[k].n;
            idx /= ax[k].n;
        }
        r->name = run_dir_name(ax, n_ax, pick);
        size_t dl = strlen(out) + strlen(r->name) + 2;
        r->dir = tn_malloc(dl);
        snprintf(r->dir, dl, "%s/%s", out, r->name);
        size_t n_args = 7 + 2 * (n_ax + (size_t)n_sets);
        r->args = tn_calloc(n_args, sizeof *r->args);
        size_t a = 0;
        r->args[a++] = tn_strdup("tensim");
        r->args[a++] = tn_strdup("run");
        r->args[a++] = tn_strdup(scenario);
        r->args[a++] = tn_strdup("--quiet");
        r->args[a++] = tn_strdup("-o");
        r->args[a++] = tn_strdup(r->dir);
        const char **all = tn_calloc(n_ax + (size_t)n_sets + 1, sizeof *all);
        for (int i = 0; i < n_sets; i++)
            all[i] = sets[i];
        for (size_t k = 0; k < n_ax; k++) {
            size_t n = strlen(ax[k].key) + strlen(ax[k].values[pick[k]]) + 2;
            char *s = tn_malloc(n);
            snprintf(s, n, "%s=%s", ax[k].key, ax[k].values[pick[k]]);
            all[(size_t)n_sets + k] = s;
        }
        for (size_t i = 0; i < n_ax + (size_t)n_sets; i++) {
            r->args[a++] = tn_strdup("--set");
            r->args[a++] = tn_strdup(all[i]);
        }
        sim_overrides_t ov = {.sets = all, .n_sets = (int)(n_ax + (size_t)n_sets)};
        sim_scenario_t sc;
        tn_error_t e = {0};
        int bad = sim_scenario_load(&sc, scenario, &ov, &e);
        if (!bad)
            sim_scenario_destroy(&sc);
        for (size_t k = 0; k < n_ax; k++)
            free((char *)all[(size_t)n_sets + k]);
        free(all);
        if (bad && (e.code != TN_EINPUT || strstr(e.msg, "unknown key"))) {
            /* a file that cannot be read, or a key no value can mend: the
             * study itself is wrong */
            cli_error("sweep: %s", e.msg);
            rc = tn_error_exit_status(&e);
            n_runs++; /* freed with the others */
            free(pick);
            goto done;
        }
        char rpath[4096];
        snprintf(rpath, sizeof rpath, "%s/report.json", r->dir);
        if (bad) {
            r->status = RES_RUN_INVALID;
            r->reason = tn_strdup(e.msg);
            invalid++;
        } else if (exists(rpath)) {
            r->status = RES_RUN_OK;
            skipped++;
        } else {
            r->pending = true;
        }
    }
    free(pick);
    /* two combinations whose names differ only in characters made '_'
     * would share a directory */
    const char **names = tn_calloc(n_runs + 1, sizeof *names);
    for (size_t i = 0; i < n_runs; i++)
        names[i] = runs[i].name;
    qsort(names, n_runs, sizeof *names, cmp_names);
    for (size_t i = 1; i < n_runs; i++)
        if (!strcmp(names[i - 1], names[i])) {
            cli_error("sweep: two combinations would share the directory %s/%s; give values "
                      "that differ in letters, digits or ._=,+-",
                      out, names[i]);
            free(names);
            goto done;
        }
    free(names);
    /* every key known: the study is recorded (when new), then run */
    if (mpi_rank == 0 && !exists(idpath)) {
        char *js = json_dumps(id, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        tn_outset_t os;
        tn_outset_init(&os);
        int w = tn_mkdirs(out, &err) || tn_outset_add(&os, idpath, js, strlen(js), &err) ||
                tn_outset_commit(&os, &err);
        if (w)
            tn_outset_abort(&os);
        tn_outset_destroy(&os);
        free(js);
        if (w) {
            cli_error("sweep: %s", err.msg);
            rc = 1;
        }
    }
    /* every rank goes on only if rank 0 could record the study */
    if (!all_agree(rc != 1)) {
        rc = 1;
        goto done;
    }
    if (mpi_size > 1 && mpi_rank > 0) {
        /* a worker: runs what rank 0 hands out; rank 0 reports */
        work(runs, self);
        rc = 0;
        goto done;
    }
    if (mpi_size > 1)
        coordinate(runs, n_runs, mpi_size, &ran, &failed);
    /* N at a time, in order; a run that ends lets the next start */
    size_t next = mpi_size > 1 ? n_runs : 0, running = 0;
    int spawn_failed = 0;
    while (!spawn_failed && (next < n_runs || running > 0)) {
        while (running < (size_t)jobs && next < n_runs) {
            run_t *r = &runs[next++];
            if (!r->pending)
                continue;
            if (spawn_run(r, self)) {
                spawn_failed = 1;
                break;
            }
            running++;
        }
        if (running == 0)
            break;
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0)
            break;
        for (size_t i = 0; i < n_runs; i++)
            if (runs[i].pending && runs[i].pid == pid) {
                runs[i].pending = false;
                finish_run(&runs[i], status);
                running--;
                ran++;
                failed += runs[i].status == RES_RUN_FAILED;
                break;
            }
    }
    while (running > 0 && waitpid(-1, NULL, 0) > 0)
        running--;
    if (spawn_failed) {
        rc = 1;
        goto done;
    }
    /* the summary */
    const char **keys = tn_calloc(n_ax + 1, sizeof *keys);
    for (size_t k = 0; k < n_ax; k++)
        keys[k] = ax[k].key;
    res_study_t st;
    res_study_init(&st, n_ax, keys);
    free(keys);
    pick = tn_calloc(n_ax, sizeof *pick);
    const char **vals = tn_calloc(n_ax + 1, sizeof *vals);
    rc = 0;
    for (size_t i = 0; i < n_runs && rc == 0; i++) {
        size_t idx = i;
        for (size_t k = n_ax; k-- > 0;) {
            vals[k] = ax[k].values[idx % ax[k].n];
            idx /= ax[k].n;
        }
        char rpath[4096];
        snprintf(rpath, sizeof rpath, "%s/report.json", runs[i].dir);
        if (res_study_add(&st, vals, runs[i].name, runs[i].status, runs[i].reason, rpath, &err)) {
            cli_error("sweep: %s", err.msg);
            rc = 1;
        }
    }
    free(vals);
    free(pick);
    if (rc == 0 && res_study_write(&st, out, &err)) {
        cli_error("sweep: %s", err.msg);
        rc = 1;
    }
    res_study_destroy(&st);
    if (rc == 0) {
        printf("study: %zu runs (%zu ran, %zu already done, %zu invalid, %zu failed)\n", n_runs,
               ran, skipped, invalid, failed);
        printf("summary: %s/study.csv, %s/study.md, %s/study.html\n", out, out, out);
        rc = failed ? 1 : 0;
    }
done:
    for (size_t i = 0; i < n_runs; i++) {
        free(runs[i].dir);
        free(runs[i].name);
        free(runs[i].reason);
        for (size_t a = 0; runs[i].args && runs[i].args[a]; a++)
            free(runs[i].args[a]);
        free(runs[i].args);
    }
    free(runs);
    for (size_t k = 0; k < n_ax; k++)
        axis_free(&ax[k]);
    free(ax);
    free(sets);
    json_decref(id);
    return rc;
}

#ifdef TN_MPI
enum { TAG_ASK = 7, TAG_JOB = 8 };

static bool all_agree(bool ok)
{
    int mine = ok, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all != 0;
}

static void coordinate(run_t *runs, size_t n_runs, int size, size_t *ran, size_t *failed)
{
    size_t next = 0;
    int active = size - 1;
    while (active > 0) {
        int msg[2];
        MPI_Status st;
        MPI_Recv(msg, 2, MPI_INT, MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &st);
        if (msg[0] >= 0) { /* a run it finished */
            run_t *r = &runs[msg[0]];
            r->pending = false;
            finish_run(r, msg[1]);
            (*ran)++;
            *failed += r->status == RES_RUN_FAILED;
        }
        while (next < n_runs && !runs[next].pending)
            next++;
        int job = next < n_runs ? (int)next++ : -1;
        MPI_Send(&job, 1, MPI_INT, st.MPI_SOURCE, TAG_JOB, MPI_COMM_WORLD);
        if (job < 0)
            active--;
    }
}

static void work(run_t *runs, const char *self)
{
    int msg[2] = {-1, 0};
    for (;;) {
        MPI_Send(msg, 2, MPI_INT, 0, TAG_ASK, MPI_COMM_WORLD);
        int job;
        MPI_Recv(&job, 1, MPI_INT, 0, TAG_JOB, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (job < 0)
            return;
        int status = -1;
        if (spawn_run(&runs[job], self) == 0 && waitpid(runs[job].pid, &status, 0) < 0)
            status = -1;
        msg[0] = job;
        msg[1] = status;
    }
}

/* Under mpirun: rank 0 checks the study, hands the runs out and writes the
 * summary; the other ranks run them. Alone, the local sweep. */
int cli_sweep(int argc, char **argv)
{
    int inited = 0, rank = 0, size = 1;
    MPI_Initialized(&inited);
    if (!inited)
        MPI_Init(NULL, NULL);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank > 0) { /* rank 0 speaks for the study */
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            abort();
    }
    int rc = sweep(argc, argv, rank, size);
    MPI_Finalize();
    return rc;
}
#else
static bool all_agree(bool ok) { return ok; }

static void coordinate(run_t *runs, size_t n_runs, int size, size_t *ran, size_t *failed)
{
    (void)runs, (void)n_runs, (void)size, (void)ran, (void)failed;
    TN_ASSERT(!"a build without MPI has one rank");
}

static void work(run_t *runs, const char *self)
{
    (void)runs, (void)self;
    TN_ASSERT(!"a build without MPI has one rank");
}

int cli_sweep(int argc, char **argv) { return sweep(argc, argv, 0, 1); }
#endif
