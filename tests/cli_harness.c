/* tests/cli_harness.c — running the tensim binary from a test: a fresh
 * temporary directory per test, the captured output, files in it, and the
 * scenario the command-line tests start from (tests/cli_harness.h). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#include "tests/cli_harness.h"

/* ---- temporary directories ---- */

/* root: one directory per test case, made and removed by the runner process,
 * so it goes away even when a forked test dies. tdir: one per test, below
 * root, removed by the test's own teardown. */
static char root_dir[PATH_MAX];
char tdir[PATH_MAX];
char bin[PATH_MAX];

/* out = a/b; false when it does not fit. */
bool join(char *out, size_t n, const char *a, const char *b)
{
    int len = snprintf(out, n, "%s/%s", a, b);
    return len >= 0 && (size_t)len < n;
}

/* Removes path and everything below it; symbolic links are not followed. */
void rm_rf(const char *path)
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
        perror("cli_harness: mkdtemp");
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
const char *in_tdir(const char *name)
{
    static char p[2][PATH_MAX];
    static int k;
    k ^= 1;
    ck_assert_msg(join(p[k], sizeof p[k], tdir, name), "path too long: %s", name);
    return p[k];
}

/* ---- files ---- */

/* The whole file tdir/name, NUL-terminated, or NULL when it cannot be read. */
char *slurp(const char *name)
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

void write_file(const char *name, const char *text)
{
    FILE *f = fopen(in_tdir(name), "wb");
    ck_assert_msg(f != NULL, "cannot write %s: %s", name, strerror(errno));
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
}

void copy_into_tdir(const char *src, const char *name)
{
    FILE *f = fopen(src, "rb");
    ck_assert_msg(f != NULL, "cannot read %s: %s", src, strerror(errno));
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    ck_assert_msg(feof(f), "%s: larger than %zu bytes", src, sizeof buf - 1);
    fclose(f);
    buf[n] = 0;
    write_file(name, buf);
}

/* Writes tdir/name from a printf format in which ' stands for ", so JSON
 * literals stay readable: {'ranks': 8}. */
void write_json(const char *name,
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

bool exists(const char *name)
{
    struct stat st;
    return lstat(in_tdir(name), &st) == 0;
}

/* Asserts that directory tdir/name holds no entry starting with '.' (a
 * leftover temporary) and returns how many entries it holds. */
int count_entries_no_dotfiles(const char *name)
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

void result_free(result_t *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* run_tensim with the arguments as a va_list. */
static void run_tensim_v(result_t *r, va_list ap)
{
    enum { MAX_ARGS = 32 };
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = bin;
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
        ck_assert_int_lt(argc, MAX_ARGS);
        argv[argc++] = (char *)a;
    }
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

void run_tensim(result_t *r, ...)
{
    va_list ap;
    va_start(ap, r);
    run_tensim_v(r, ap);
    va_end(ap);
}

void run_expect(int status, ...)
{
    result_t r;
    va_list ap;
    va_start(ap, status);
    run_tensim_v(&r, ap);
    va_end(ap);
    expect_status(&r, status);
    result_free(&r);
}

void expect_status(const result_t *r, int status)
{
    ck_assert_msg(r->signal == 0, "tensim died of signal %d; stderr: %s", r->signal, r->err);
    ck_assert_msg(r->status == status, "exit status %d, want %d; stderr: %s", r->status, status,
                  r->err);
}

/* Asserts a failure with `status`: nothing on stdout, exactly one line
 * "tensim: ..." on stderr without a final full stop, containing each of the
 * NULL-terminated needles; and no trace of output: no OUT directory and no
 * leftover temporary in tdir. */
void expect_error(const result_t *r, int status, ...)
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
void expect_error_line(const result_t *r, int status, const char *line)
{
    expect_error(r, status, line, NULL);
    ck_assert_str_eq(r->err + strlen(line), "\n");
}

/* ---- scenarios ---- */

/* Writes s.json: the skeleton with its topology block, workload block and
 * trailing top-level keys (",\n  'key': value...") replaced. */
void write_scenario(const char *topology, const char *workload, const char *more)
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
void write_megatron(const char *tp)
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

/* Removes every line containing `needle` from s, in place. */
void drop_lines_with(char *s, const char *needle)
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

TCase *new_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_unchecked_fixture(tc, root_setup, root_teardown);
    tcase_add_checked_fixture(tc, test_setup, test_teardown);
    tcase_set_timeout(tc, 60);
    return tc;
}

int run_mpirun(int ranks, const char *args)
{
    const char *mpi_bin = getenv("TENSIM_MPI_BIN");
    ck_assert_msg(mpi_bin && *mpi_bin, "TENSIM_MPI_BIN is not set (make check sets it)");
    char abs[PATH_MAX], cwd[PATH_MAX];
    if (mpi_bin[0] == '/')
        ck_assert(join(abs, sizeof abs, "", mpi_bin + 1));
    else
        ck_assert(getcwd(cwd, sizeof cwd) != NULL && join(abs, sizeof abs, cwd, mpi_bin));
    ck_assert_msg(access(abs, X_OK) == 0, "%s: %s", abs, strerror(errno));
    char cmd[3 * PATH_MAX + 1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
             "mpirun --oversubscribe -n %d '%s' %s > mpi.out 2> mpi.err",
             tdir, ranks, abs, args);
    return system(cmd);
}
