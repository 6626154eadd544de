/* tests/check_bad_input.c — runs the bad-input catalogue, tests/bad-input/
 * (its README.md gives the format): every case's command in a fresh copy
 * of its directory, and for each the rule the man page states under EXIT
 * STATUS: the expected exit status (2 for bad input, 1 for a runtime or I/O
 * failure), exactly the expected line on standard error and nothing else,
 * nothing on standard output, and nothing written: the directory the
 * command ran in is the same afterwards (names, types, sizes and contents),
 * so no output, no partial output and no leftover temporary.
 *
 * One test walks the whole table and reports every failing case in one
 * message, so a change that breaks several messages shows all of them.
 *
 * Ownership: everything a case makes lives below tdir (tests/cli_harness.h)
 * and goes with it.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/cli_harness.h"
#include "tests/tests.h"

#define CATALOGUE "tests/bad-input"
/* A case that takes longer than this has hung: its process gets SIGALRM. */
#define CASE_SECONDS 30
#define MAX_ARGS 64

/* ---- a growing string ---- */

typedef struct {
    char *s;
    size_t n, cap;
} buf_t;

__attribute__((format(printf, 2, 3))) static void buf_printf(buf_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->n;
        int k = vsnprintf(b->s ? b->s + b->n : NULL, room, fmt, ap);
        va_end(ap);
        ck_assert(k >= 0);
        if ((size_t)k < room) {
            b->n += (size_t)k;
            return;
        }
        b->cap = (b->cap + (size_t)k + 1) * 2;
        b->s = realloc(b->s, b->cap);
        ck_assert_ptr_nonnull(b->s);
    }
}

/* The whole file at path, NUL-terminated, its length in *len; NULL when it
 * cannot be read. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf_t b = {0};
    buf_printf(&b, "%s", "");
    char chunk[8192];
    for (size_t got; (got = fread(chunk, 1, sizeof chunk, f)) > 0;) {
        if (b.n + got + 1 > b.cap) {
            b.cap = (b.n + got + 1) * 2;
            b.s = realloc(b.s, b.cap);
            ck_assert_ptr_nonnull(b.s);
        }
        memcpy(b.s + b.n, chunk, got);
        b.n += got;
        b.s[b.n] = '\0';
    }
    fclose(f);
    if (len)
        *len = b.n;
    return b.s;
}

/* Entries of dir in name order, without "." and ".."; *n of them. */
static struct dirent **list_dir(const char *dir, int *n)
{
    struct dirent **ents = NULL;
    *n = scandir(dir, &ents, NULL, alphasort);
    ck_assert_msg(*n >= 0, "%s: %s", dir, strerror(errno));
    int k = 0;
    for (int i = 0; i < *n; i++) {
        if (!strcmp(ents[i]->d_name, ".") || !strcmp(ents[i]->d_name, ".."))
            free(ents[i]);
        else
            ents[k++] = ents[i];
    }
    *n = k;
    return ents;
}

/* Copies the tree src into dst (made), leaving out the case's own files
 * `cmd` and `expect` at the top. */
static void copy_tree(const char *src, const char *dst, int top)
{
    ck_assert_msg(mkdir(dst, 0700) == 0 || errno == EEXIST, "mkdir %s: %s", dst, strerror(errno));
    int n;
    struct dirent **ents = list_dir(src, &n);
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        char s[PATH_MAX], d[PATH_MAX];
        ck_assert(join(s, sizeof s, src, name) && join(d, sizeof d, dst, name));
        struct stat st;
        ck_assert_msg(lstat(s, &st) == 0, "%s: %s", s, strerror(errno));
        if (S_ISDIR(st.st_mode)) {
            copy_tree(s, d, 0);
        } else if (!(top && (!strcmp(name, "cmd") || !strcmp(name, "expect")))) {
            size_t len;
            char *text = read_all(s, &len);
            ck_assert_msg(text != NULL, "cannot read %s", s);
            FILE *f = fopen(d, "wb");
            ck_assert_msg(f != NULL, "cannot write %s: %s", d, strerror(errno));
            ck_assert(fwrite(text, 1, len, f) == len && fclose(f) == 0);
            free(text);
        }
        free(ents[i]);
    }
    free(ents);
}

/* FNV-1a of a file's bytes: a change of content shows as a change here. */
static uint64_t hash_file(const char *path)
{
    size_t len;
    char *text = read_all(path, &len);
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; text && i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 1099511628211u;
    free(text);
    return h;
}

/* Appends one line per entry below dir (its path from the top, its type,
 * size and content hash) to b, and counts entries named like a temporary
 * (".*.tmp") in *tmps. */
static void snapshot(const char *dir, const char *rel, buf_t *b, int *tmps)
{
    int n;
    struct dirent **ents = list_dir(dir, &n);
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        size_t len = strlen(name);
        if (name[0] == '.' && len > 4 && !strcmp(name + len - 4, ".tmp"))
            (*tmps)++;
        char p[PATH_MAX], r[PATH_MAX];
        ck_assert(join(p, sizeof p, dir, name));
        ck_assert(snprintf(r, sizeof r, "%s%s", rel, name) < (int)sizeof r);
        struct stat st;
        ck_assert(lstat(p, &st) == 0);
        if (S_ISDIR(st.st_mode)) {
            buf_printf(b, "%s/\n", r);
            char sub[PATH_MAX];
            ck_assert(snprintf(sub, sizeof sub, "%s/", r) < (int)sizeof sub);
            snapshot(p, sub, b, tmps);
        } else {
            buf_printf(b, "%s %lld %016llx\n", r, (long long)st.st_size,
                       S_ISREG(st.st_mode) ? (unsigned long long)hash_file(p) : 0ull);
        }
        free(ents[i]);
    }
    free(ents);
}

/* ---- one case ---- */

/* Runs the case in directory `dir` (named `name` in messages); appends a
 * paragraph to `fails` and returns false when it breaks the rule. */
static bool run_case(const char *dir, const char *name, int index, buf_t *fails)
{
    char path[PATH_MAX];
    ck_assert(join(path, sizeof path, dir, "cmd"));
    char *cmd = read_all(path, NULL);
    ck_assert(join(path, sizeof path, dir, "expect"));
    char *expect = read_all(path, NULL);
    if (!cmd || !expect) {
        buf_printf(fails, "%s: the case needs both cmd and expect\n", name);
        free(cmd);
        free(expect);
        return false;
    }
    /* expect: the exit status, then the one line of standard error */
    char *nl = strchr(expect, '\n');
    int want_status = atoi(expect);
    const char *want_err = nl ? nl + 1 : "";
    size_t want_len = strcspn(want_err, "\n");

    /* cmd: the arguments, split at spaces and tabs, on its first line */
    cmd[strcspn(cmd, "\n")] = '\0';
    char *line = strdup(cmd); /* for messages: strtok_r cuts cmd up */
    ck_assert_ptr_nonnull(line);
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = bin;
    for (char *save = NULL, *tok = strtok_r(cmd, " \t", &save); tok;
         tok = strtok_r(NULL, " \t", &save)) {
        ck_assert_msg(argc <= MAX_ARGS, "%s: more than %d arguments", name, MAX_ARGS);
        argv[argc++] = tok;
    }
    argv[argc] = NULL;

    char work[PATH_MAX], cap_out[PATH_MAX], cap_err[PATH_MAX], cache[PATH_MAX];
    ck_assert(snprintf(work, sizeof work, "%s/case-%d", tdir, index) < (int)sizeof work);
    ck_assert(snprintf(cap_out, sizeof cap_out, "%s.out", work) < (int)sizeof cap_out);
    ck_assert(snprintf(cap_err, sizeof cap_err, "%s.err", work) < (int)sizeof cap_err);
    /* a goodput cache, should one be made, lands where the snapshot sees it */
    ck_assert(join(cache, sizeof cache, work, "cache"));
    copy_tree(dir, work, 1);
    buf_t before = {0};
    int tmps = 0;
    buf_printf(&before, "%s", "");
    snapshot(work, "", &before, &tmps);

    /* shipped scenarios by name from this tree, wherever the binary under
     * test was built (build/san/tensim has no tree at ..) */
    char root[PATH_MAX];
    ck_assert(getcwd(root, sizeof root) != NULL);
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (setenv("TENSIM_DATA", root, 1) != 0)
            _exit(127);
        int in = open("/dev/null", O_RDONLY);
        int out = open(cap_out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(cap_err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || err < 0 || chdir(work) != 0 || dup2(in, 0) < 0 ||
            dup2(out, 1) < 0 || dup2(err, 2) < 0 || setenv("TENSIM_CACHE", cache, 1) != 0)
            _exit(127);
        alarm(CASE_SECONDS);
        execv(bin, argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        ck_assert_msg(errno == EINTR, "waitpid: %s", strerror(errno));
    char *out = read_all(cap_out, NULL), *err = read_all(cap_err, NULL);
    ck_assert(out && err);

    buf_t after = {0};
    tmps = 0;
    buf_printf(&after, "%s", "");
    snapshot(work, "", &after, &tmps);

    buf_t why = {0};
    buf_printf(&why, "%s", "");
    if (WIFSIGNALED(st))
        buf_printf(&why, "  died of signal %d%s\n", WTERMSIG(st),
                   WTERMSIG(st) == SIGALRM ? " (hung)" : "");
    else if (WEXITSTATUS(st) != want_status)
        buf_printf(&why, "  exit status %d, want %d\n", WEXITSTATUS(st), want_status);
    size_t err_len = strlen(err);
    if (err_len != want_len + 1 || strncmp(err, want_err, want_len) || err[want_len] != '\n')
        buf_printf(&why, "  stderr: %.600s%s  want:   %.*s\n", err,
                   err_len && err[err_len - 1] == '\n' ? "" : "\n", (int)want_len, want_err);
    if (*out)
        buf_printf(&why, "  stdout not empty: %.200s\n", out);
    if (tmps)
        buf_printf(&why, "  %d temporaries (.*.tmp) left behind\n", tmps);
    if (strcmp(before.s, after.s))
        buf_printf(&why, "  the directory changed; before:\n%.400s  after:\n%.400s", before.s,
                   after.s);
    bool ok = why.n == 0;
    if (!ok)
        buf_printf(fails, "%s (tensim %s):\n%s", name, line, why.s);

    free(why.s);
    free(before.s);
    free(after.s);
    free(out);
    free(err);
    free(line);
    free(cmd);
    free(expect);
    rm_rf(work);
    unlink(cap_out);
    unlink(cap_err);
    return ok;
}

/* Every case: each directory two levels below the catalogue,
 * <surface>/<case>. */
START_TEST(bad_input_catalogue)
{
    buf_t fails = {0};
    buf_printf(&fails, "%s", "");
    int cases = 0, failed = 0, surfaces = 0;
    int ns;
    struct dirent **surf = list_dir(CATALOGUE, &ns);
    for (int i = 0; i < ns; i++) {
        char sdir[PATH_MAX];
        ck_assert(join(sdir, sizeof sdir, CATALOGUE, surf[i]->d_name));
        struct stat st;
        if (stat(sdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            free(surf[i]);
            continue; /* README.md */
        }
        surfaces++;
        int nc;
        struct dirent **cs = list_dir(sdir, &nc);
        for (int j = 0; j < nc; j++) {
            char cdir[PATH_MAX], name[PATH_MAX];
            ck_assert(join(cdir, sizeof cdir, sdir, cs[j]->d_name));
            ck_assert(join(name, sizeof name, surf[i]->d_name, cs[j]->d_name));
            if (!run_case(cdir, name, cases, &fails))
                failed++;
            cases++;
            free(cs[j]);
        }
        free(cs);
        free(surf[i]);
    }
    free(surf);
    ck_assert_msg(failed == 0, "%d of %d bad-input cases failed:\n%s", failed, cases, fails.s);
    /* the catalogue covers every input surface (README.md lists them) */
    ck_assert_int_ge(surfaces, 8);
    ck_assert_int_ge(cases, 150);
    free(fails.s);
}
END_TEST

Suite *bad_input_suite(void)
{
    Suite *s = suite_create("bad_input");
    TCase *tc = new_tcase("catalogue");
    /* about 250 runs of the binary: seconds, a minute under the sanitizers */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, bad_input_catalogue);
    suite_add_tcase(s, tc);
    return s;
}
