/* tests/check_cli.c — the tensim command as a user meets it: exit status,
 * one-line errors that name the file and the JSON path, nothing written on
 * failure, and a good run whose report holds the hand-computed number.
 *
 * Every test runs the real binary ($TENSIM_BIN, else build/tensim) with
 * fork and execv, inside a fresh mkdtemp() directory that is also its
 * working directory, so file names in messages are short ("s.json") and
 * nothing lands in the repository. Scenario files are written there from
 * the string literals below.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/tn_version.h"
#include "tests/tests.h"

/* ---- temporary directories ---- */

/* root: one directory per test case, made and removed by the runner process,
 * so it goes away even when a forked test dies. tdir: one per test, below
 * root, removed by the test's own teardown. */
static char root_dir[PATH_MAX];
static char tdir[PATH_MAX];
static char bin[PATH_MAX];

/* out = a/b; false when it does not fit. */
static bool join(char *out, size_t n, const char *a, const char *b)
{
    int len = snprintf(out, n, "%s/%s", a, b);
    return len >= 0 && (size_t)len < n;
}

/* Removes path and everything below it; symbolic links are not followed. */
static void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                char sub[PATH_MAX];
                if (join(sub, sizeof sub, path, e->d_name))
                    rm_rf(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void root_setup(void)
{
    const char *t = getenv("TMPDIR");
    if (!join(root_dir, sizeof root_dir, t && *t ? t : "/tmp", "tensim-cli-XXXXXX") ||
        !mkdtemp(root_dir)) {
        perror("check_cli: mkdtemp");
        abort();
    }
}

static void root_teardown(void) { rm_rf(root_dir); }

static void test_setup(void)
{
    /* the binary runs in tdir, so a relative path is made absolute here */
    const char *b = getenv("TENSIM_BIN");
    if (!b || !*b)
        b = "build/tensim";
    char cwd[PATH_MAX];
    if (b[0] == '/')
        ck_assert(join(bin, sizeof bin, "", b + 1));
    else
        ck_assert(getcwd(cwd, sizeof cwd) != NULL && join(bin, sizeof bin, cwd, b));
    ck_assert_msg(access(bin, X_OK) == 0, "tensim binary %s: %s (set TENSIM_BIN)", bin,
                  strerror(errno));
    ck_assert(join(tdir, sizeof tdir, root_dir, "t-XXXXXX"));
    ck_assert_msg(mkdtemp(tdir) != NULL, "mkdtemp: %s", strerror(errno));
}

static void test_teardown(void) { rm_rf(tdir); }

/* tdir/name */
static const char *in_tdir(const char *name)
{
    static char p[2][PATH_MAX];
    static int k;
    k ^= 1;
    ck_assert_msg(join(p[k], sizeof p[k], tdir, name), "path too long: %s", name);
    return p[k];
}

/* ---- files ---- */

/* The whole file tdir/name, NUL-terminated, or NULL when it cannot be read. */
static char *slurp(const char *name)
{
    FILE *f = fopen(in_tdir(name), "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    for (size_t got; (got = fread(s + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (cap - n - 1 == 0) {
            s = realloc(s, cap *= 2);
            ck_assert_ptr_nonnull(s);
        }
    }
    fclose(f);
    s[n] = '\0';
    return s;
}

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(in_tdir(name), "wb");
    ck_assert_msg(f != NULL, "cannot write %s: %s", name, strerror(errno));
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
}

/* Writes tdir/name from a printf format in which ' stands for ", so JSON
 * literals stay readable: {'ranks': 8}. */
__attribute__((format(printf, 2, 3))) static void write_json(const char *name,
                                                              const char *fmt, ...)
{
    char text[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ck_assert(n >= 0 && (size_t)n < sizeof text);
    for (char *p = text; *p; p++)
        if (*p == '\'')
            *p = '"';
    write_file(name, text);
}

static bool exists(const char *name)
{
    struct stat st;
    return lstat(in_tdir(name), &st) == 0;
}

/* Asserts that directory tdir/name holds no entry starting with '.' (a
 * leftover temporary) and returns how many entries it holds. */
static int count_entries_no_dotfiles(const char *name)
{
    DIR *d = opendir(in_tdir(name));
    ck_assert_msg(d != NULL, "%s: %s", name, strerror(errno));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        ck_assert_msg(e->d_name[0] != '.', "leftover temporary %s/%s", name, e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

/* ---- running the binary ---- */

typedef struct {
    int status;     /* exit status, or -1 when a signal ended it */
    int signal;     /* that signal, else 0 */
    char *out, *err; /* what it wrote on stdout and stderr */
} result_t;

static void result_free(result_t *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* Runs `tensim args...` (NULL-terminated) in tdir, stdin from /dev/null,
 * stdout and stderr captured. */
__attribute__((sentinel)) static void run_tensim(result_t *r, ...)
{
    enum { MAX_ARGS = 32 };
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = bin;
    va_list ap;
    va_start(ap, r);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
        ck_assert_int_lt(argc, MAX_ARGS);
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    argv[argc] = NULL;

    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int out = open(in_tdir("cap.stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(in_tdir("cap.stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || err < 0 || chdir(tdir) != 0 || dup2(in, 0) < 0 ||
            dup2(out, 1) < 0 || dup2(err, 2) < 0)
            _exit(127);
        execv(bin, argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        ck_assert_msg(errno == EINTR, "waitpid: %s", strerror(errno));
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    r->out = slurp("cap.stdout");
    r->err = slurp("cap.stderr");
    ck_assert(r->out != NULL && r->err != NULL);
    unlink(in_tdir("cap.stdout"));
    unlink(in_tdir("cap.stderr"));
}

/* The output directory every run below is given (-o out); a failed run must
 * not create it. */
#define OUT "out"

static void expect_status(const result_t *r, int status)
{
    ck_assert_msg(r->signal == 0, "tensim died of signal %d; stderr: %s", r->signal, r->err);
    ck_assert_msg(r->status == status, "exit status %d, want %d; stderr: %s", r->status, status,
                  r->err);
}

/* Asserts a failure with `status`: nothing on stdout, exactly one line
 * "tensim: ..." on stderr without a final full stop, containing each of the
 * NULL-terminated needles; and no trace of output: no OUT directory and no
 * leftover temporary in tdir. */
__attribute__((sentinel)) static void expect_error(const result_t *r, int status, ...)
{
    expect_status(r, status);
    ck_assert_msg(r->out[0] == '\0', "stdout should be empty, got: %s", r->out);
    size_t n = strlen(r->err);
    ck_assert_msg(n > 1 && r->err[n - 1] == '\n' && strchr(r->err, '\n') == r->err + n - 1,
                  "stderr should be exactly one line, got: [%s]", r->err);
    ck_assert_msg(!strncmp(r->err, "tensim: ", 8), "error should start with 'tensim: ': %s",
                  r->err);
    ck_assert_msg(r->err[n - 2] != '.', "error ends with a full stop: %s", r->err);
    va_list ap;
    va_start(ap, status);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
        ck_assert_msg(strstr(r->err, s) != NULL, "error should contain [%s]: %s", s, r->err);
    va_end(ap);
    ck_assert_msg(!exists(OUT), "a failed run created its output directory");
    count_entries_no_dotfiles(".");
}

/* expect_error, and the line is exactly `line` (without its newline). */
static void expect_error_line(const result_t *r, int status, const char *line)
{
    expect_error(r, status, line, NULL);
    ck_assert_str_eq(r->err + strlen(line), "\n");
}

/* ---- scenarios ---- */

/* The blocks of workloads/scenarios/skeleton-8gpu.json: 8 GPUs on one
 * 100 Gbps, 500 ns switch; 100 us of compute, then a 256 MiB ring
 * all-reduce. */
#define TOPO_OK                                                                                \
    "{'preset': 'single-switch',"                                                              \
    " 'set': {'gpus': 8, 'link.bw_gbps': 100, 'link.latency_ns': 500}}"
#define WL_OK                                                                                  \
    "{'generator': 'compute-allreduce', 'ranks': 8, 'compute_time_us': 100,"                   \
    " 'allreduce_size_bytes': 268435456}"
#define MORE_OK ",\n  'iterations': 3"

/* Writes s.json: the skeleton with its topology block, workload block and
 * trailing top-level keys (",\n  'key': value...") replaced. */
static void write_scenario(const char *topology, const char *workload, const char *more)
{
    write_json("s.json",
               "{\n"
               "  'name': 'skeleton',\n"
               "  'seed': 1,\n"
               "  'topology': %s,\n"
               "  'workload': %s,\n"
               "  'network': {'model': 'analytic'},\n"
               "  'collectives': {'algorithm': 'ring', 'protocol': 'none'}%s\n"
               "}\n",
               topology, workload, more);
}

/* A Megatron workload (GPT-3 175B on 8 x 16 x 78) with the given tp. */
static void write_megatron(const char *tp)
{
    char wl[1024];
    snprintf(wl, sizeof wl,
             "{'generator': 'megatron', 'gpu': 'v100-32gb',"
             " 'model': {'layers': 96, 'hidden': 12288, 'heads': 96, 'seq_len': 2048,"
             " 'vocab': 51200},"
             " 'layout': {'tp': %s, 'pp': 16, 'dp': 78, 'global_batch': 1560}}",
             tp);
    write_scenario(TOPO_OK, wl, MORE_OK);
}

/* Writes s.json with workload block `wl`, runs it into OUT and expects a
 * bad-input error containing the needles. */
#define EXPECT_BAD_WORKLOAD(wl, ...)                                                           \
    do {                                                                                       \
        result_t r_;                                                                           \
        write_scenario(TOPO_OK, wl, MORE_OK);                                                  \
        run_tensim(&r_, "run", "s.json", "-o", OUT, NULL);                                     \
        expect_error(&r_, 2, __VA_ARGS__, NULL);                                               \
        result_free(&r_);                                                                      \
    } while (0)

#define EXPECT_BAD_TOPOLOGY(topo, ...)                                                         \
    do {                                                                                       \
        result_t r_;                                                                           \
        write_scenario(topo, WL_OK, MORE_OK);                                                  \
        run_tensim(&r_, "run", "s.json", "-o", OUT, NULL);                                     \
        expect_error(&r_, 2, __VA_ARGS__, NULL);                                               \
        result_free(&r_);                                                                      \
    } while (0)

/* ---- the command: help, version, dispatch ---- */

START_TEST(help_goes_to_stdout)
{
    static const char *const forms[] = {"--help", "-h", "help"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        result_t r;
        run_tensim(&r, forms[i], NULL);
        expect_status(&r, 0);
        ck_assert_msg(!strncmp(r.out, "usage: tensim", 13), "tensim %s: %s", forms[i], r.out);
        ck_assert_ptr_nonnull(strstr(r.out, "run SCENARIO.json"));
        ck_assert_str_eq(r.err, "");
        result_free(&r);
    }
}
END_TEST

START_TEST(run_help_goes_to_stdout)
{
    result_t r;
    run_tensim(&r, "run", "--help", NULL);
    expect_status(&r, 0);
    ck_assert_msg(!strncmp(r.out, "usage: tensim run", 17), "%s", r.out);
    ck_assert_str_eq(r.err, "");
    result_free(&r);
}
END_TEST

START_TEST(version_goes_to_stdout)
{
    result_t r;
    run_tensim(&r, "--version", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "tensim " TENSIM_VERSION "\n");
    ck_assert_str_eq(r.err, "");
    unsigned a, b, c;
    char end;
    ck_assert_int_eq(sscanf(r.out, "tensim %u.%u.%u%c", &a, &b, &c, &end), 4);
    ck_assert_int_eq(end, '\n');
    result_free(&r);
}
END_TEST

START_TEST(no_arguments_prints_usage_and_exits_2)
{
    result_t r;
    run_tensim(&r, NULL);
    expect_status(&r, 2);
    ck_assert_str_eq(r.out, "");
    ck_assert_msg(!strncmp(r.err, "usage: tensim", 13), "%s", r.err);
    result_free(&r);
}
END_TEST

START_TEST(run_without_scenario_is_usage_error)
{
    result_t r;
    run_tensim(&r, "run", NULL);
    expect_status(&r, 2);
    ck_assert_str_eq(r.out, "");
    ck_assert_str_eq(r.err, "tensim: run: expected one scenario file (see tensim run --help)\n");
    result_free(&r);
}
END_TEST

/* ---- tensim sweep ---- */

/* A 2 x 2 study of the skeleton (link rate, compute time): every
 * combination in its own directory, rows in the cross product's order,
 * each iteration as its own run computes it by hand (3 iterations, so the
 * steady state: 100 us + 14 (1 us + 32 MiB x 80 ps) = 37.695 ms at
 * 100 Gbps); the same study.csv with -j 1 and -j 2, and a second sweep
 * into the same directory runs nothing. */
START_TEST(sweep_runs_every_combination_once)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    result_t r;
    run_tensim(&r, "sweep", "s.json", "--vary", "topology.set.link.bw_gbps=100:200:x2", "--vary",
               "workload.compute_time_us=[100, 10000]", "-j", "2", "-o", "st2", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "study: 4 runs (4 ran, 0 already done, 0 invalid, 0 failed)\n"
                            "summary: st2/study.csv, st2/study.md, st2/study.html\n");
    result_free(&r);
    char *csv = slurp("st2/study.csv");
    ck_assert_ptr_nonnull(csv);
    const char *want =
        "topology.set.link.bw_gbps,workload.compute_time_us,status,iteration_time_s,tokens_per_s,"
        "tflops_per_gpu,mfu,bottleneck,dir,reason\n"
        "100,100,ok,0.037695,,,,network,\"topology.set.link.bw_gbps=100,workload.compute_time_us=100\",\n";
    ck_assert_msg(!strncmp(csv, want, strlen(want)), "%s", csv);
    int rows = 0;
    for (const char *p = csv; *p; p++)
        rows += *p == '\n';
    ck_assert_int_eq(rows, 5);
    ck_assert_ptr_nonnull(strstr(csv, "\n200,10000,ok,"));
    /* study.html: the table and, for the one figure the skeleton has
     * (iteration time), a chart against each of the two keys */
    char *html = slurp("st2/study.html");
    ck_assert_ptr_nonnull(html);
    int charts = 0;
    for (const char *p = html; (p = strstr(p, "<svg")); p++)
        charts++;
    ck_assert_int_eq(charts, 2);
    ck_assert_ptr_nonnull(strstr(html, "<figcaption>iteration_time_s against workload.compute_time_us"));
    free(html);
    run_tensim(&r, "sweep", "s.json", "--vary", "topology.set.link.bw_gbps=100:200:x2", "--vary",
               "workload.compute_time_us=[100, 10000]", "-o", "st1", NULL);
    expect_status(&r, 0);
    result_free(&r);
    char *csv1 = slurp("st1/study.csv");
    ck_assert_ptr_nonnull(csv1);
    /* the dir column names the study's own subdirectories, which match */
    ck_assert_str_eq(csv1, csv);
    run_tensim(&r, "sweep", "s.json", "--vary", "topology.set.link.bw_gbps=100:200:x2", "--vary",
               "workload.compute_time_us=[100, 10000]", "-o", "st2", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "study: 4 runs (0 ran, 4 already done, 0 invalid, 0 failed)\n"
                            "summary: st2/study.csv, st2/study.md, st2/study.html\n");
    result_free(&r);
    free(csv);
    free(csv1);
}
END_TEST

/* A value that makes an invalid scenario is a row of the study, with the
 * reason, and the study goes on. */
START_TEST(sweep_records_an_invalid_combination)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    result_t r;
    run_tensim(&r, "sweep", "s.json", "--vary", "workload.compute_time_us=100,-5", "-o", "st",
               NULL);
    expect_status(&r, 0);
    result_free(&r);
    char *csv = slurp("st/study.csv");
    ck_assert_ptr_nonnull(csv);
    ck_assert_ptr_nonnull(strstr(csv, "\n100,ok,0.037695,"));
    ck_assert_ptr_nonnull(strstr(csv, "\n-5,invalid,,,,,,workload.compute_time_us=-5,"
                                      "s.json: workload.compute_time_us: -5 is out of range"));
    free(csv);
}
END_TEST

static const struct {
    const char *args[8];
    const char *needle;
} sweep_bad[] = {
    {{"sweep", "s.json", "--vary", "workload.nokey=1", "-o", "st"},
     "tensim: sweep: s.json: workload.nokey: unknown key"},
    {{"sweep", "s.json", "--vary", "workload.compute_time_us=1,,2", "-o", "st"},
     "tensim: sweep: --vary workload.compute_time_us: empty value in '1,,2'"},
    {{"sweep", "s.json", "--vary", "workload.compute_time_us=8:1:x2", "-o", "st"},
     "tensim: sweep: --vary workload.compute_time_us: bad range '8:1:x2'"},
    {{"sweep", "s.json", "--vary", "workload.compute_time_us=[]", "-o", "st"},
     "tensim: sweep: --vary workload.compute_time_us: expected a JSON array"},
    {{"sweep", "s.json", "--vary", "nothing", "-o", "st"},
     "tensim: sweep: --vary 'nothing': expected KEY=VALUES"},
    {{"sweep", "s.json", "-o", "st"}, "tensim: sweep: expected one scenario file, at least one --vary"},
    {{"sweep", "s.json", "--vary", "name=[\"a b\", \"a_b\"]", "-o", "st"},
     "tensim: sweep: two combinations would share the directory st/name=_a_b_"},
    {{"sweep", "s.json", "--vary", "seed=1", "-j", "0", "-o", "st"}, "tensim: sweep: -j: expected 1 to 1024"},
};

/* Bad input: one line, exit 2, and no study directory left behind. */
START_TEST(sweep_bad_input)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    result_t r;
    const char *const *a = sweep_bad[_i].args;
    run_tensim(&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL);
    expect_error(&r, 2, sweep_bad[_i].needle, NULL);
    result_free(&r);
    struct stat st;
    ck_assert_int_ne(stat(in_tdir("st"), &st), 0);
}
END_TEST

/* A directory that holds another study is refused: its runs are not mixed. */
START_TEST(sweep_refuses_another_study)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    result_t r;
    run_tensim(&r, "sweep", "s.json", "--vary", "workload.compute_time_us=100", "-o", "st", NULL);
    expect_status(&r, 0);
    result_free(&r);
    run_tensim(&r, "sweep", "s.json", "--vary", "workload.compute_time_us=200", "-o", "st", NULL);
    expect_error(&r, 2, "tensim: sweep: st holds another study", NULL);
    result_free(&r);
}
END_TEST

/* The same study over MPI: `mpirun -n 2` (rank 0 hands the runs out, rank
 * 1 runs them) writes a study.csv byte for byte the local sweep's. */
START_TEST(sweep_over_mpi_matches_local)
{
    const char *mpi_bin = getenv("TENSIM_MPI_BIN");
    ck_assert_msg(mpi_bin && *mpi_bin, "TENSIM_MPI_BIN is not set (make check sets it)");
    char abs[PATH_MAX], cwd[PATH_MAX];
    if (mpi_bin[0] == '/')
        ck_assert(join(abs, sizeof abs, "", mpi_bin + 1));
    else
        ck_assert(getcwd(cwd, sizeof cwd) != NULL && join(abs, sizeof abs, cwd, mpi_bin));
    ck_assert_msg(access(abs, X_OK) == 0, "%s: %s", abs, strerror(errno));
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    result_t r;
    run_tensim(&r, "sweep", "s.json", "--vary", "topology.set.link.bw_gbps=100:400:x2", "--vary",
               "workload.compute_time_us=100,10000", "-o", "local", NULL);
    expect_status(&r, 0);
    result_free(&r);
    char cmd[3 * PATH_MAX];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
             "mpirun --oversubscribe -n 2 '%s' sweep s.json --vary "
             "topology.set.link.bw_gbps=100:400:x2 --vary workload.compute_time_us=100,10000 "
             "-o mpi > mpi.out 2> mpi.err",
             tdir, abs);
    int st = system(cmd);
    char *err = slurp("mpi.err");
    ck_assert_msg(st == 0, "mpirun: status %d: %s", st, err ? err : "");
    free(err);
    char *out = slurp("mpi.out");
    ck_assert_str_eq(out, "study: 6 runs (6 ran, 0 already done, 0 invalid, 0 failed)\n"
                          "summary: mpi/study.csv, mpi/study.md, mpi/study.html\n");
    free(out);
    char *a = slurp("local/study.csv"), *b = slurp("mpi/study.csv");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

/* A small Megatron job for tensim plan on the 8-GPU switch: 4 layers,
 * global batch 8. */
#define WL_PLAN                                                                                \
    "{'generator': 'megatron', 'gpu': 'v100-32gb',"                                            \
    " 'model': {'layers': 4, 'hidden': 256, 'heads': 4, 'seq_len': 128, 'vocab': 1000},"       \
    " 'layout': {'tp': 1, 'pp': 1, 'dp': 8, 'global_batch': 8}}"

static const struct {
    const char *wl, *args[4], *needle;
} plan_bad[] = {
    {WL_OK, {NULL}, "s.json: workload: tensim plan lays out a megatron workload"},
    {WL_PLAN, {"--gpus", "0"}, "plan: --gpus: expected a whole number of gpus from 1, got '0'"},
    {WL_PLAN, {"--gpus", "9"}, "s.json: the fabric has 8 gpus, fewer than the 9 to plan for"},
    {WL_PLAN, {"--top", "-1"}, "plan: --top: expected a whole number from 0 to 100, got '-1'"},
    {WL_PLAN, {"--top", "2.5"}, "plan: --top: expected a whole number from 0 to 100, got '2.5'"},
    {WL_PLAN, {"--reserve-gib", "x"}, "plan: --reserve-gib: expected GiB from 0, got 'x'"},
    {WL_PLAN, {"--reserve-gib", "40"},
     "s.json: workload.model: no layout of 8 gpus both fits in 32 GiB per gpu (40 GiB reserved) "
     "and runs with collectives.algorithm \"ring\"; of 84 layouts, 84 do not fit"},
    {WL_PLAN, {"--set", "workload.layout.tp=3"}, "s.json: workload.layout.tp: 4 heads do not split"},
    {WL_PLAN, {"--frobnicate"}, "plan: unknown option '--frobnicate'"},
    {WL_PLAN, {"--set", "collectives.algorithm=direct"},
     "s.json: workload.model: no layout of 8 gpus both fits in 32 GiB per gpu (2 GiB reserved) "
     "and runs with collectives.algorithm \"direct\"; of 84 layouts, 0 do not fit, 84 cannot run"},
    {WL_PLAN, {"--set", "stragglers=[{\"rank\": 1, \"slowdown\": 2}]"},
     "s.json: stragglers: name ranks of one layout, and tensim plan tries many"},
};

START_TEST(plan_bad_input)
{
    write_scenario(TOPO_OK, plan_bad[_i].wl, "");
    const char *const *a = plan_bad[_i].args;
    result_t r;
    run_tensim(&r, "plan", "s.json", "-o", OUT, a[0] ? a[0] : "--top", a[0] ? a[1] : "1",
               NULL);
    expect_error(&r, 2, plan_bad[_i].needle, NULL);
    result_free(&r);
}
END_TEST

/* A plan writes its ranking and, with -o, plan.csv (one row per layout
 * that fits) and plan.json, which agree on the count and the winner. */
START_TEST(plan_writes_the_ranking)
{
    write_scenario(TOPO_OK, WL_PLAN, "");
    result_t r;
    run_tensim(&r, "plan", "s.json", "--top", "2", "-o", OUT, "--quiet", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "");
    result_free(&r);
    json_t *js = json_load_file(in_tdir(OUT "/plan.json"), 0, NULL);
    ck_assert_ptr_nonnull(js);
    json_int_t fit = json_integer_value(json_object_get(js, "fit"));
    ck_assert_int_gt(fit, 10);
    ck_assert_int_eq(json_integer_value(json_object_get(js, "simulated")), 2);
    char *csv = slurp(OUT "/plan.csv");
    ck_assert_ptr_nonnull(csv);
    json_int_t lines = 0;
    for (const char *c = csv; *c; c++)
        lines += *c == '\n';
    ck_assert_int_eq(lines, fit + 1);
    json_t *first = json_array_get(json_object_get(js, "layouts"), 0);
    ck_assert(json_is_real(json_object_get(first, "simulated_s")));
    free(csv);
    json_decref(js);
    /* on 6 GPUs with a batch of 12, hd cannot run the data-parallel
     * collectives of dp 6 or 3: those layouts are counted apart, and no
     * figure is NaN */
    run_tensim(&r, "plan", "s.json", "--top", "1", "--rows", "100", "--set",
               "collectives.algorithm=hd", "--set", "topology.set.gpus=6", "--set",
               "workload.layout.global_batch=12", "--set", "workload.layout.dp=6", NULL);
    expect_status(&r, 0);
    ck_assert_msg(strstr(r.out, "of them cannot run with the collective algorithm") != NULL, "%s",
                  r.out);
    ck_assert_ptr_null(strstr(r.out, "nan"));
    result_free(&r);
    run_tensim(&r, "plan", "s.json", "--top", "0", "--rows", "3", NULL);
    expect_status(&r, 0);
    static const char head[] = "plan: inline model on 8 of 8 v100-32gb gpus";
    ck_assert_msg(!strncmp(r.out, head, sizeof head - 1), "%s", r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "\n   3 "));
    ck_assert_ptr_null(strstr(r.out, "\n   4 "));
    result_free(&r);
}
END_TEST

START_TEST(unknown_command)
{
    result_t r;
    run_tensim(&r, "frobnicate", "s.json", NULL);
    expect_error(&r, 2, "unknown command 'frobnicate'", NULL);
    result_free(&r);
}
END_TEST

START_TEST(unknown_global_option)
{
    result_t r;
    run_tensim(&r, "--frobnicate", "run", NULL);
    expect_error(&r, 2, "unknown option '--frobnicate'", NULL);
    result_free(&r);
}
END_TEST

START_TEST(unknown_run_option)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "--frobnicate", "-o", OUT, NULL);
    expect_error(&r, 2, "tensim: run: unknown option '--frobnicate'", NULL);
    result_free(&r);
}
END_TEST

START_TEST(option_without_value)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "-o", NULL);
    expect_error(&r, 2, "tensim: run: ", "'-o'", "needs a value", NULL);
    result_free(&r);
}
END_TEST

/* --seed takes a non-negative decimal integer that fits in int64. */
static const char *const bad_seeds[] = {"abc", "-1", "", "1e3", "12x", "99999999999999999999"};

START_TEST(seed_not_a_number)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "--seed", bad_seeds[_i], "-o", OUT, NULL);
    expect_error(&r, 2, "--seed", "expected a non-negative integer", NULL);
    result_free(&r);
}
END_TEST

/* ---- the scenario file ---- */

/* A scenario file that is not a JSON object: empty, invalid JSON (the line
 * and column named), an array at the top. */
static const struct {
    const char *text, *where, *what;
} bad_files[] = {
    {"", "tensim: s.json: ", "empty"},
    {"{\n  \"name\": \"x\",\n  \"seed\": 1 2\n}\n", "tensim: s.json: line 3 column ",
     "invalid json"},
    {"[1, 2]\n", "tensim: s.json: ", "object"},
};

START_TEST(scenario_not_an_object)
{
    result_t r;
    write_file("s.json", bad_files[_i].text);
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_error(&r, 2, bad_files[_i].where, bad_files[_i].what, NULL);
    result_free(&r);
}
END_TEST

START_TEST(scenario_does_not_exist)
{
    result_t r;
    run_tensim(&r, "run", "nope.json", "-o", OUT, NULL);
    expect_error(&r, 2, "tensim: nope.json: ", NULL);
    result_free(&r);
}
END_TEST

/* A directory is not a scenario file, and not an empty one either. */
START_TEST(scenario_is_a_directory)
{
    result_t r;
    ck_assert_int_eq(mkdir(in_tdir("dir.json"), 0755), 0);
    run_tensim(&r, "run", "dir.json", "-o", OUT, NULL);
    ck_assert_msg(r.status == 1 || r.status == 2, "exit status %d; stderr: %s", r.status, r.err);
    expect_error(&r, r.status, "tensim: dir.json: ", "directory", NULL);
    result_free(&r);
}
END_TEST

START_TEST(missing_required_key)
{
    result_t r;
    write_json("s.json", "{'name': 'x', 'topology': %s, 'iterations': 1}\n", TOPO_OK);
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_error_line(&r, 2, "tensim: s.json: workload: missing required key");
    result_free(&r);
}
END_TEST

START_TEST(missing_nested_key)
{
    EXPECT_BAD_WORKLOAD("{'generator': 'compute-allreduce', 'compute_time_us': 100,"
                        " 'allreduce_size_bytes': 1024}",
                        "tensim: s.json: workload.ranks: missing required key");
}
END_TEST

START_TEST(misspelled_key_suggests_the_right_one)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, ",\n  'iteratons': 3");
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_error(&r, 2, "tensim: s.json: iteratons: ", "did you mean \"iterations\"", NULL);
    result_free(&r);
}
END_TEST

/* Loading validates a Megatron workload although this build cannot run one. */
START_TEST(megatron_wrong_type)
{
    result_t r;
    write_megatron("'8x'");
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_error_line(&r, 2,
                      "tensim: s.json: workload.layout.tp: expected a positive integer, got \"8x\"");
    result_free(&r);
}
END_TEST

/* A valid megatron layout of 9,984 ranks on an 8-GPU fabric. */
START_TEST(megatron_larger_than_the_fabric)
{
    result_t r;
    write_megatron("8");
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_error(&r, 2, "tensim: s.json: the workload has 9984 ranks but the fabric has only 8 gpus",
                 NULL);
    result_free(&r);
}
END_TEST

START_TEST(negative_count)
{
    EXPECT_BAD_WORKLOAD("{'generator': 'compute-allreduce', 'ranks': -8, 'compute_time_us': 100,"
                        " 'allreduce_size_bytes': 1024}",
                        "tensim: s.json: workload.ranks: expected a positive integer, got -8");
}
END_TEST

START_TEST(zero_count)
{
    EXPECT_BAD_WORKLOAD("{'generator': 'compute-allreduce', 'ranks': 0, 'compute_time_us': 100,"
                        " 'allreduce_size_bytes': 1024}",
                        "tensim: s.json: workload.ranks: expected a positive integer, got 0");
}
END_TEST

START_TEST(absurd_size)
{
    char wl[256], got[32];
    snprintf(got, sizeof got, "%llu", 1ull << 60);
    snprintf(wl, sizeof wl,
             "{'generator': 'compute-allreduce', 'ranks': 8, 'compute_time_us': 100,"
             " 'allreduce_size_bytes': %s}",
             got);
    EXPECT_BAD_WORKLOAD(wl, "tensim: s.json: workload.allreduce_size_bytes: ", got, "too large");
}
END_TEST

START_TEST(negative_link_rate)
{
    EXPECT_BAD_TOPOLOGY("{'preset': 'single-switch', 'set': {'link.bw_gbps': -100}}",
                        "tensim: s.json: topology.set.link.bw_gbps: ", "-100");
}
END_TEST

START_TEST(trace_does_not_exist)
{
    EXPECT_BAD_WORKLOAD("{'trace': 'missing.json'}", "tensim: s.json: workload.trace: ",
                        "missing.json");
}
END_TEST

START_TEST(unknown_preset)
{
    EXPECT_BAD_TOPOLOGY("{'preset': 'fat-tree-9000'}", "tensim: s.json: topology.preset: ",
                        "\"fat-tree-9000\"", "single-switch");
}
END_TEST

START_TEST(override_key_the_preset_lacks)
{
    EXPECT_BAD_TOPOLOGY("{'preset': 'single-switch', 'set': {'link.bandwidth_gbps': 100}}",
                        "tensim: s.json: topology.set.link.bandwidth_gbps: ",
                        "\"bandwidth_gbps\"");
}
END_TEST

/* The name becomes the default output directory: it must not climb out. */
START_TEST(name_that_is_not_a_directory_name)
{
    result_t r;
    write_json("s.json", "{'name': '../escape', 'topology': %s, 'workload': %s}\n", TOPO_OK,
               WL_OK);
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_error(&r, 2, "tensim: s.json: name: ", NULL);
    result_free(&r);
}
END_TEST

START_TEST(more_ranks_than_gpus)
{
    EXPECT_BAD_WORKLOAD("{'generator': 'compute-allreduce', 'ranks': 16, 'compute_time_us': 100,"
                        " 'allreduce_size_bytes': 1024}",
                        "tensim: s.json: ", "16 ranks", "8 gpus");
}
END_TEST

/* ---- --set ---- */

START_TEST(set_bad_value)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "--set", "workload.ranks=abc", "-o", OUT, NULL);
    expect_error_line(&r, 2,
                      "tensim: s.json: workload.ranks: expected a positive integer, got \"abc\"");
    result_free(&r);
}
END_TEST

START_TEST(set_without_equals)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "--set", "workload.ranks", "-o", OUT, NULL);
    expect_error(&r, 2, "--set workload.ranks", "key.path=value", NULL);
    result_free(&r);
}
END_TEST

START_TEST(set_unknown_key)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "--set", "network.modle=flow", "-o", OUT, NULL);
    expect_error(&r, 2, "tensim: s.json: network.modle: ", "did you mean \"model\"", NULL);
    result_free(&r);
}
END_TEST

/* ---- output that cannot be written ---- */

START_TEST(output_below_a_regular_file)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    write_file("plain", "not a directory\n");
    run_tensim(&r, "run", "s.json", "-o", "plain/" OUT, NULL);
    expect_error(&r, 1, "tensim: output directory plain", "not a directory", NULL);
    char *kept = slurp("plain");
    ck_assert_str_eq(kept, "not a directory\n");
    free(kept);
    result_free(&r);
}
END_TEST

START_TEST(output_is_a_regular_file)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    write_file("plain", "not a directory\n");
    run_tensim(&r, "run", "s.json", "-o", "plain", NULL);
    expect_error(&r, 1, "tensim: output directory plain", "not a directory", NULL);
    char *kept = slurp("plain");
    ck_assert_str_eq(kept, "not a directory\n");
    free(kept);
    result_free(&r);
}
END_TEST

/* The report is written, then cannot be renamed into place: the temporary
 * beside it must be gone. */
START_TEST(report_cannot_be_renamed_into_place)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    ck_assert_int_eq(mkdir(in_tdir("o2"), 0755), 0);
    ck_assert_int_eq(mkdir(in_tdir("o2/report.json"), 0755), 0);
    run_tensim(&r, "run", "s.json", "-o", "o2", NULL);
    expect_error(&r, 1, "tensim: o2/report.json", NULL);
    ck_assert_int_eq(count_entries_no_dotfiles("o2"), 1);
    ck_assert_int_eq(count_entries_no_dotfiles("o2/report.json"), 0);
    result_free(&r);
}
END_TEST

/* ---- a good run ---- */

/* One iteration of the skeleton, from the model: compute, then a ring
 * all-reduce of 2 (n-1) steps, each moving size/n bytes over two 500 ns
 * hops at 100 Gbps. Integer picoseconds throughout. */
static uint64_t skeleton_iteration_ps(void)
{
    const uint64_t ps_per_s = 1000000000000ull, ps_per_ns = 1000, ps_per_us = 1000000;
    const uint64_t n = 8, size = 256ull << 20, bps = 100000000000ull;
    ck_assert_uint_eq(ps_per_s % bps, 0); /* 10 ps a bit: exact */
    uint64_t step = 2 * 500 * ps_per_ns + size / n * 8 * (ps_per_s / bps);
    return 100 * ps_per_us + 2 * (n - 1) * step;
}

START_TEST(good_run_writes_the_hand_computed_report)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.err, "");
    ck_assert_ptr_nonnull(strstr(r.out, OUT "/report.json"));
    /* report.json, report.md, report.html, links.csv, ranks.csv, timeline.json */
    ck_assert_int_eq(count_entries_no_dotfiles(OUT), 6);
    json_error_t tje;
    json_t *tl = json_load_file(in_tdir(OUT "/timeline.json"), 0, &tje);
    ck_assert_msg(tl != NULL, "timeline.json: line %d: %s", tje.line, tje.text);
    /* 8 thread names, then 2 ops x 8 ranks x 3 iterations */
    ck_assert_uint_eq(json_array_size(json_object_get(tl, "traceEvents")), 8 + 2 * 8 * 3);
    json_decref(tl);

    json_error_t je;
    json_t *rep = json_load_file(in_tdir(OUT "/report.json"), 0, &je);
    ck_assert_msg(rep != NULL, "report.json: line %d: %s", je.line, je.text);
    json_t *ps = json_object_get(rep, "iteration_time_ps");
    ck_assert(json_is_integer(ps));
    ck_assert_uint_eq((uint64_t)json_integer_value(ps), skeleton_iteration_ps());
    ck_assert_int_eq(json_integer_value(json_object_get(rep, "iterations")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(rep, "ranks")), 8);
    /* the breakdown: 100 us of compute, the rest of each iteration the
     * all-reduce on "world" left exposed, no idle time */
    json_t *b = json_object_get(rep, "breakdown");
    double it_s = (double)skeleton_iteration_ps() / 1e12, comp_s = 100e-6;
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "time_s")), it_s, 1e-15);
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "compute_s")), comp_s, 1e-15);
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "idle_s")), 0, 1e-15);
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "waiting_for_peers_s")), 0, 1e-15);
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "finished_early_s")), 0, 1e-15);
    ck_assert_double_eq_tol(
        json_real_value(json_object_get(json_object_get(b, "exposed_by_communicator_s"), "world")),
        it_s - comp_s, 1e-15);
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "compute_share")), comp_s / it_s,
                            1e-12);
    json_t *meta = json_object_get(rep, "meta");
    ck_assert_str_eq(json_string_value(json_object_get(meta, "tensim_version")), TENSIM_VERSION);
    ck_assert_int_eq(json_integer_value(json_object_get(meta, "seed")), 1);
    json_decref(rep);
    result_free(&r);
}
END_TEST

/* Removes every line containing `needle` from s, in place. */
static void drop_lines_with(char *s, const char *needle)
{
    char *w = s;
    for (char *line = s; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
        char *hit = strstr(line, needle);
        if (!hit || hit >= line + len) {
            memmove(w, line, len);
            w += len;
        }
        line += len;
    }
    *w = '\0';
}

START_TEST(same_inputs_give_byte_identical_reports)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);

    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_status(&r, 0);
    result_free(&r);
    char *first = slurp(OUT "/report.json");
    ck_assert_ptr_nonnull(first);
    /* the one field allowed to differ: the wall time, a number */
    ck_assert_ptr_nonnull(strstr(first, "\"wall_time_s\": "));
    drop_lines_with(first, "\"wall_time_s\":");
    char *html = slurp(OUT "/report.html");

    /* the same command into a cleaned directory: every byte the same */
    rm_rf(in_tdir(OUT));
    run_tensim(&r, "run", "s.json", "-o", OUT, NULL);
    expect_status(&r, 0);
    result_free(&r);
    char *again = slurp(OUT "/report.json");
    ck_assert_ptr_nonnull(again);
    drop_lines_with(again, "\"wall_time_s\":");
    ck_assert_str_eq(again, first);
    char *html2 = slurp(OUT "/report.html");
    ck_assert_str_eq(html2, html);
    free(html);
    free(html2);

    /* another directory: only meta.command_line may differ */
    run_tensim(&r, "run", "s.json", "-o", "out2", NULL);
    expect_status(&r, 0);
    result_free(&r);
    char *other = slurp("out2/report.json");
    ck_assert_ptr_nonnull(other);
    ck_assert_ptr_nonnull(strstr(other, "out2"));
    drop_lines_with(other, "\"wall_time_s\":");
    drop_lines_with(first, "\"command_line\":");
    drop_lines_with(other, "\"command_line\":");
    ck_assert_str_eq(other, first);

    /* with --progress: the end's line on stderr (not a terminal: one line),
     * the same report but for the command line */
    run_tensim(&r, "run", "s.json", "-o", "out3", "--progress", NULL);
    expect_status(&r, 0);
    ck_assert_msg(strncmp(r.err, "[tensim] 100.0% of ops, simulated 0.113085 s, ", 46) == 0, "%s",
                  r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "bottleneck: network: "));
    result_free(&r);
    char *progress = slurp("out3/report.json");
    drop_lines_with(progress, "\"command_line\":");
    drop_lines_with(progress, "\"wall_time_s\":");
    ck_assert_str_eq(progress, first);
    /* --quiet wins: nothing at all */
    run_tensim(&r, "run", "s.json", "-o", "out3", "--progress", "--quiet", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.err, "");
    ck_assert_str_eq(r.out, "");
    result_free(&r);
    free(progress);
    free(first);
    free(again);
    free(other);
}
END_TEST

/* ---- tensim compare ---- */

/* The skeleton at 100 and 200 Gbps: the table names both runs, the
 * second's speedup is the ratio of the two reports' iteration times, and
 * the CSV file holds the same rows. */
START_TEST(compare_tabulates_runs_against_the_first)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "run", "s.json", "-o", "a", "--quiet", NULL);
    expect_status(&r, 0);
    result_free(&r);
    run_tensim(&r, "run", "s.json", "-o", "b", "--quiet", "--set", "topology.set.link.bw_gbps=200",
               NULL);
    expect_status(&r, 0);
    result_free(&r);
    double t[2];
    for (int i = 0; i < 2; i++) {
        json_t *rep = json_load_file(in_tdir(i ? "b/report.json" : "a/report.json"), 0, NULL);
        ck_assert_ptr_nonnull(rep);
        t[i] = json_real_value(json_object_get(rep, "iteration_time_s"));
        json_decref(rep);
    }
    run_tensim(&r, "compare", "a", "b", "--csv", "c.csv", NULL);
    expect_status(&r, 0);
    char row[256];
    snprintf(row, sizeof row, "| b | skeleton | %.6g | %.4f | — | — | — | network |\n", t[1],
             t[0] / t[1]);
    ck_assert_msg(strstr(r.out, row) != NULL, "%s", r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "| a | skeleton | 0.037695 | 1.0000 |"));
    result_free(&r);
    char *csv = slurp("c.csv");
    snprintf(row, sizeof row, "\nb,skeleton,%.6g,%.4f,,,,network\n", t[1], t[0] / t[1]);
    ck_assert_msg(strstr(csv, row) != NULL, "%s", csv);
    ck_assert_int_eq(strncmp(csv, "run,scenario,iteration_s,speedup,", 33), 0);
    free(csv);

    /* bad input: one line naming the file, status 2, no table, no csv */
    ck_assert_int_eq(mkdir(in_tdir("bad"), 0755), 0);
    write_file("bad/report.json", "{\"scenario\": \"x\", \"iteration_time_s\": 1}");
    run_tensim(&r, "compare", "a", "bad", "--csv", "d.csv", NULL);
    expect_error_line(&r, 2, "tensim: bad/report.json: bottleneck.verdict: expected a string "
                             "(a report of this tensim version)");
    ck_assert_str_eq(r.out, "");
    ck_assert_ptr_null(slurp("d.csv"));
    result_free(&r);
    write_file("bad/report.json", "{\"scenario\": ");
    run_tensim(&r, "compare", "bad", NULL);
    expect_error(&r, 2, "tensim: bad/report.json: line 1", NULL);
    result_free(&r);
    run_tensim(&r, "compare", "nowhere", NULL);
    expect_error(&r, 2, "tensim: nowhere/report.json: ", NULL);
    result_free(&r);
    run_tensim(&r, "compare", NULL);
    expect_error(&r, 2, "tensim: compare: expected at least one run directory", NULL);
    result_free(&r);
}
END_TEST

/* ---- tensim topo ---- */

static const struct {
    const char *args[6];
    int status;
    const char *needle;
} topo_bad[] = {
    {{"topo", "azure-2021"}, 2, "tensim: azure-2021: preset: unknown preset \"azure-2021\""},
    {{"topo", "azure-2020", "--set", "fabric.radix=8"}, 2, "set.fabric: radix 8 is too small"},
    {{"topo", "azure-2020", "--set", "fabric.radx=40"}, 2, "the preset has no key \"radx\""},
    {{"topo", "azure-2020", "--export", "gml", "-o", "g"}, 2, "expected graphml or json"},
    {{"topo", "azure-2020", "--export", "json"}, 2, "--export and -o go together"},
    {{"topo"}, 2, "expected one preset or file"},
    {{"topo", "nofile.json"}, 2, "nofile.json: cannot open"},
    {{"topo", "single-switch", "--export", "json", "-o", "plain/g.json"}, 1, "cannot write"},
};

START_TEST(topo_bad_input)
{
    write_file("plain", "x");
    result_t r;
    const char *const *a = topo_bad[_i].args;
    run_tensim(&r, a[0], a[1], a[2], a[3], a[4], a[5], NULL);
    expect_error(&r, topo_bad[_i].status, topo_bad[_i].needle, NULL);
    result_free(&r);
}
END_TEST

/* Figures as JSON, then the graph exported, read back, and the same
 * figures again. 2 DGX-1 servers: 16 GPUs, 8 NICs on one 18-port leaf. */
START_TEST(topo_stats_and_round_trip)
{
    result_t r;
    run_tensim(&r, "topo", "azure-2020", "--set", "servers=2", "--set", "cpu_servers=0", "--json",
               NULL);
    expect_status(&r, 0);
    json_error_t je;
    json_t *a = json_loads(r.out, 0, &je);
    ck_assert_msg(a != NULL, "%s", r.out);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "gpus")), 16);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "cpu_cores")), 2 * 40);
    ck_assert_double_eq(json_real_value(json_object_get(a, "gpu_server_bw_gbps")), 400);
    result_free(&r);
    for (int k = 0; k < 2; k++) {
        const char *file = k ? "g.json" : "g.graphml";
        run_tensim(&r, "topo", "azure-2020", "--set", "servers=2", "--set", "cpu_servers=0",
                   "--export", k ? "json" : "graphml", "-o", file, NULL);
        expect_status(&r, 0);
        ck_assert_str_eq(r.out, "");
        result_free(&r);
        run_tensim(&r, "topo", file, "--json", NULL);
        expect_status(&r, 0);
        json_t *b = json_loads(r.out, 0, &je);
        ck_assert_msg(b != NULL, "%s", r.out);
        ck_assert(json_equal(a, b));
        json_decref(b);
        result_free(&r);
    }
    json_decref(a);
}
END_TEST

/* ---- tensim collective ---- */

static const struct {
    const char *args[10];
    const char *needle;
} coll_bad[] = {
    {{"collective", "--topo", "single-switch", "--op", "allsum"}, "unknown operation 'allsum'"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--algo", "bus"},
     "unknown algorithm 'bus'"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--ranks", "9"},
     "--ranks: expected 'all' or 1 to 8"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--sizes", "0"}, "--sizes"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--sizes", "17T"}, "--sizes"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--sizes", "8G:1K"}, "--sizes"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--algo", "hd", "--ranks",
      "6"},
     "hd needs a power of two ranks, not 6"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--algo", "nvls"},
     "nvls needs every rank on one NVSwitch that reduces in the network"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--chunk-bytes", "8X"},
     "--chunk-bytes: expected a size from 1 to 1T"},
    {{"collective", "--topo", "single-switch", "--op", "allreduce", "--channels", "0"},
     "--channels: expected auto or an integer from 1 to 64"},
    {{"collective", "--op", "allreduce"}, "--topo and --op are required"},
    {{"collective", "--topo", "nowhere-9000", "--op", "allreduce"}, "unknown preset"},
};

START_TEST(collective_bad_input)
{
    result_t r;
    const char *const *a = coll_bad[_i].args;
    run_tensim(&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], NULL);
    expect_error(&r, 2, coll_bad[_i].needle, NULL);
    result_free(&r);
}
END_TEST

/* The JSON rows: one per size, doubling; busbw = algbw x 2(n-1)/n; the
 * 1 KiB ring all-reduce on 8 GPUs of 100 Gbps, 500 ns per hop, no software
 * latency: 14 steps of (1 us + 128 B x 80 ps). */
START_TEST(collective_json_rows)
{
    result_t r;
    run_tensim(&r, "collective", "--topo", "single-switch", "--op", "allreduce", "--algo", "ring",
               "--protocol", "none", "--sizes", "1K:4K", "--json", NULL);
    expect_status(&r, 0);
    json_error_t je;
    json_t *rows = json_loads(r.out, 0, &je);
    ck_assert_msg(rows != NULL, "%s", r.out);
    ck_assert_uint_eq(json_array_size(rows), 3);
    json_t *first = json_array_get(rows, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(first, "size_bytes")), 1024);
    double us = 14 * (1.0 + 128 * 80e-6);
    ck_assert_double_eq_tol(json_real_value(json_object_get(first, "time_us")), us, 1e-9);
    double algbw = 1024 / (us * 1e-6) / 1e9;
    ck_assert_double_eq_tol(json_real_value(json_object_get(first, "busbw_gbs")),
                            algbw * 2 * 7 / 8, 1e-9);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rows, 2), "size_bytes")),
                     4096);
    /* what ran: the protocol as forced, one channel (1 KiB is below a
     * Simple channel's 64 B x 512 threads) */
    ck_assert_str_eq(json_string_value(json_object_get(first, "algorithm")), "ring");
    ck_assert_str_eq(json_string_value(json_object_get(first, "protocol")), "none");
    ck_assert_int_eq(json_integer_value(json_object_get(first, "channels")), 1);
    json_decref(rows);
    result_free(&r);
}
END_TEST

/* The defaults choose as NCCL 2.18 would on one DGX A100
 * (tests/check_collective.c derives the crossovers: LL to ~1.2 MB, LL128
 * to ~24 MB, then Simple; channels by NCCL's loop, 24 at most): the CSV
 * and the table name each size's algorithm, protocol and channels. */
START_TEST(collective_prints_the_tuner_choice)
{
    result_t r;
    run_tensim(&r, "collective", "--topo", "selene-a100", "--set", "servers=1", "--op",
               "allreduce", "--sizes", "64K:64M", "--csv", NULL);
    expect_status(&r, 0);
    ck_assert_msg(strstr(r.out, "size_bytes,time_us,algbw_gbs,busbw_gbs,algorithm,protocol,"
                                "channels\n") == r.out, "%s", r.out);
    ck_assert_msg(strstr(r.out, ",ring,ll,2\n") != NULL, "%s", r.out);       /* 64 KiB */
    ck_assert_msg(strstr(r.out, ",ring,ll128,24\n") != NULL, "%s", r.out);   /* 2-16 MiB */
    ck_assert_msg(strstr(r.out, ",ring,simple,24\n") != NULL, "%s", r.out);  /* 32, 64 MiB */
    ck_assert_msg(strstr(r.out, "1048576,") && strstr(strstr(r.out, "1048576,"), ",ll,24\n"),
                  "%s", r.out);
    result_free(&r);
    run_tensim(&r, "collective", "--topo", "selene-a100", "--set", "servers=1", "--op",
               "allreduce", "--sizes", "32M", "--protocol", "ll128", "--channels", "3", NULL);
    expect_status(&r, 0);
    ck_assert_msg(strstr(r.out, "ll128 protocol, forced channels") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "ring      ll128    3\n") != NULL, "%s", r.out);
    result_free(&r);
}
END_TEST

/* ---- tensim trace ---- */

/* A scenario's generated workload, written as a trace, reads back with
 * the same figures; stats count FLOPs over all ranks. */
START_TEST(trace_gen_check_stats)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_tensim(&r, "trace", "gen", "s.json", "-o", "t.json", NULL);
    expect_status(&r, 0);
    result_free(&r);
    run_tensim(&r, "trace", "check", "t.json", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "t.json: ok (8 ranks, 1 programs)\n");
    result_free(&r);
    json_t *st[2];
    const char *files[2] = {"s.json", "t.json"};
    for (int k = 0; k < 2; k++) {
        run_tensim(&r, "trace", "stats", files[k], "--json", NULL);
        expect_status(&r, 0);
        json_error_t je;
        st[k] = json_loads(r.out, 0, &je);
        ck_assert_msg(st[k] != NULL, "%s", r.out);
        json_object_del(st[k], "trace");
        result_free(&r);
    }
    ck_assert(json_equal(st[0], st[1]));
    ck_assert_int_eq(json_integer_value(json_object_get(st[0], "ops")), 2);
    json_decref(st[0]);
    json_decref(st[1]);
}
END_TEST

/* A model of the zoo with a layout from flags: 32 ranks of the 1.7B
 * model, data parallel, one program. */
START_TEST(trace_gen_from_model_and_flags)
{
    result_t r;
    run_tensim(&r, "trace", "gen", "megatron-1.7b", "--tp", "1", "--pp", "1", "--dp", "32",
               "--global-batch", "512", "--recompute", "full", "-o", "t.json", NULL);
    expect_status(&r, 0);
    result_free(&r);
    run_tensim(&r, "trace", "check", "t.json", NULL);
    expect_status(&r, 0);
    ck_assert_str_eq(r.out, "t.json: ok (32 ranks, 1 programs)\n");
    result_free(&r);
    run_tensim(&r, "trace", "gen", "megatron-1.7b", "--tp", "5", "--pp", "1", "--dp", "1",
               "--global-batch", "1", "-o", "u.json", NULL);
    expect_error(&r, 2, "tensim: command line: workload.layout.tp: 24 heads do not split over tp 5",
                 NULL);
    result_free(&r);
}
END_TEST

static const struct {
    const char *args[6];
    const char *needle;
} trace_bad[] = {
    {{"trace"}, "expected gen, stats or check"},
    {{"trace", "print", "s.json"}, "unknown action 'print'"},
    {{"trace", "stats", "missing.json"}, "missing.json: cannot open"},
    {{"trace", "gen", "s.json"}, "-o goes with gen"},
    {{"trace", "check", "bad.json"}, "bad.json: programs: expected a non-empty array"},
};

START_TEST(trace_bad_input)
{
    result_t r;
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    write_file("bad.json", "{\"tensim_trace\": 1, \"ranks\": 2, \"programs\": []}");
    const char *const *a = trace_bad[_i].args;
    run_tensim(&r, a[0], a[1], a[2], a[3], a[4], a[5], NULL);
    expect_error(&r, 2, trace_bad[_i].needle, NULL);
    result_free(&r);
}
END_TEST

/* ---- the suite ---- */

static TCase *new_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
    tcase_add_checked_fixture(tc, test_setup, test_teardown);
    tcase_set_timeout(tc, 60);
    return tc;
}

Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");

    TCase *tc = new_tcase("command");
    tcase_add_test(tc, help_goes_to_stdout);
    tcase_add_test(tc, run_help_goes_to_stdout);
    tcase_add_test(tc, version_goes_to_stdout);
    tcase_add_test(tc, no_arguments_prints_usage_and_exits_2);
    tcase_add_test(tc, run_without_scenario_is_usage_error);
    tcase_add_loop_test(tc, plan_bad_input, 0, (int)(sizeof plan_bad / sizeof plan_bad[0]));
    tcase_add_test(tc, plan_writes_the_ranking);
    tcase_add_test(tc, unknown_command);
    tcase_add_test(tc, sweep_runs_every_combination_once);
    tcase_add_test(tc, sweep_records_an_invalid_combination);
    tcase_add_loop_test(tc, sweep_bad_input, 0, (int)(sizeof sweep_bad / sizeof sweep_bad[0]));
    tcase_add_test(tc, sweep_refuses_another_study);
    tcase_add_test(tc, sweep_over_mpi_matches_local);
    tcase_add_test(tc, compare_tabulates_runs_against_the_first);
    tcase_add_test(tc, unknown_global_option);
    tcase_add_test(tc, unknown_run_option);
    tcase_add_test(tc, option_without_value);
    tcase_add_loop_test(tc, seed_not_a_number, 0, (int)(sizeof bad_seeds / sizeof bad_seeds[0]));
    suite_add_tcase(s, tc);

    tc = new_tcase("bad_input");
    tcase_add_loop_test(tc, scenario_not_an_object, 0,
                        (int)(sizeof bad_files / sizeof bad_files[0]));
    tcase_add_test(tc, scenario_does_not_exist);
    tcase_add_test(tc, scenario_is_a_directory);
    tcase_add_test(tc, missing_required_key);
    tcase_add_test(tc, missing_nested_key);
    tcase_add_test(tc, misspelled_key_suggests_the_right_one);
    tcase_add_test(tc, megatron_wrong_type);
    tcase_add_test(tc, megatron_larger_than_the_fabric);
    tcase_add_test(tc, negative_count);
    tcase_add_test(tc, zero_count);
    tcase_add_test(tc, absurd_size);
    tcase_add_test(tc, negative_link_rate);
    tcase_add_test(tc, trace_does_not_exist);
    tcase_add_test(tc, unknown_preset);
    tcase_add_test(tc, override_key_the_preset_lacks);
    tcase_add_test(tc, name_that_is_not_a_directory_name);
    tcase_add_test(tc, more_ranks_than_gpus);
    tcase_add_test(tc, set_bad_value);
    tcase_add_test(tc, set_without_equals);
    tcase_add_test(tc, set_unknown_key);
    suite_add_tcase(s, tc);

    tc = new_tcase("topo");
    tcase_add_loop_test(tc, topo_bad_input, 0, (int)(sizeof topo_bad / sizeof topo_bad[0]));
    tcase_add_test(tc, topo_stats_and_round_trip);
    suite_add_tcase(s, tc);

    tc = new_tcase("collective");
    tcase_add_loop_test(tc, collective_bad_input, 0, (int)(sizeof coll_bad / sizeof coll_bad[0]));
    tcase_add_test(tc, collective_json_rows);
    tcase_add_test(tc, collective_prints_the_tuner_choice);
    suite_add_tcase(s, tc);

    tc = new_tcase("trace");
    tcase_add_test(tc, trace_gen_check_stats);
    tcase_add_test(tc, trace_gen_from_model_and_flags);
    tcase_add_loop_test(tc, trace_bad_input, 0, (int)(sizeof trace_bad / sizeof trace_bad[0]));
    suite_add_tcase(s, tc);

    tc = new_tcase("output");
    tcase_add_test(tc, output_below_a_regular_file);
    tcase_add_test(tc, output_is_a_regular_file);
    tcase_add_test(tc, report_cannot_be_renamed_into_place);
    tcase_add_test(tc, good_run_writes_the_hand_computed_report);
    tcase_add_test(tc, same_inputs_give_byte_identical_reports);
    suite_add_tcase(s, tc);
    return s;
}
