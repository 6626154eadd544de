/* tests/check_outputs_txn.c — every command that writes files writes them
 * as one transaction (common/tn_file.h): each of its outputs
 * is made to fail in turn, by a directory standing where that file goes,
 * and then the command must exit 1 with one line naming the file, and the
 * output directory must be exactly as it was before (no new file, every
 * previous file with its previous bytes, no temporary anywhere). And the
 * temporaries a killed run leaves are swept by the next run.
 *
 * Runs the real binary through tests/cli_harness.h. */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/cli_harness.h"
#include "tests/tests.h"

/* A small Megatron job for tensim plan on the 8-GPU switch (as in
 * tests/check_cli_plan.c). */
#define WL_PLAN                                                                                \
    "{'generator': 'megatron', 'gpu': 'v100-32gb',"                                            \
    " 'model': {'layers': 4, 'hidden': 256, 'heads': 4, 'seq_len': 128, 'vocab': 1000},"       \
    " 'layout': {'tp': 1, 'pp': 1, 'dp': 8, 'global_batch': 8}}"

static void copy_goodput_scenario(void)
{
    /* read from the repository, the test's own working directory */
    copy_into_tdir("tests/data/goodput/small.json", "s.json");
}

static void setup_run(void) { write_scenario(TOPO_OK, WL_OK, MORE_OK); }
static void setup_plan(void) { write_scenario(TOPO_OK, WL_PLAN, ""); }
static void setup_goodput(void) { copy_goodput_scenario(); }

/* goodput into a run's directory rewrites report.html and report.json */
static void setup_goodput_beside(void)
{
    copy_goodput_scenario();
    run_expect(0, "run", "s.json", "-o", "out", "--quiet", NULL);
}

static void setup_compare(void)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_expect(0, "run", "s.json", "-o", "a", "--quiet", NULL);
    run_expect(0, "run", "s.json", "-o", "b", "--quiet", "--set", "topology.set.link.bw_gbps=200",
               NULL);
}

/* A command, its outputs (all in "out/"), and whether it keeps state there
 * that outlives a failure: a sweep's study.json and its runs' directories
 * (each run's files are themselves one transaction), so that a second
 * sweep resumes. */
typedef struct {
    const char *name;
    void (*setup)(void);
    const char *args[12];
    const char *files[6];
    bool resumable;
} cmd_t;

static const cmd_t cmds[] = {
    {"run",
     setup_run,
     {"run", "s.json", "-o", "out", "--quiet"},
     {"report.json", "report.md", "report.html", "links.csv", "ranks.csv", "timeline.json"},
     false},
    {"plan",
     setup_plan,
     {"plan", "s.json", "--top", "1", "-o", "out", "--quiet"},
     {"plan.csv", "plan.json", "plan.html"},
     false},
    {"goodput",
     setup_goodput,
     {"goodput", "s.json", "-o", "out", "--no-cache", "--quiet"},
     {"goodput.json", "goodput.md", "goodput_runs.csv", "goodput.html"},
     false},
    {"goodput beside a run",
     setup_goodput_beside,
     {"goodput", "s.json", "-o", "out", "--no-cache", "--quiet"},
     /* not report.json: it is what makes goodput write beside the run, so
      * no directory can stand there; a previous one is kept in every case */
     {"goodput.json", "goodput.md", "goodput_runs.csv", "report.html"},
     false},
    {"compare",
     setup_compare,
     {"compare", "a", "b", "--csv", "out/c.csv", "--html", "out/c.html"},
     {"c.csv", "c.html"},
     false},
    {"sweep",
     setup_run,
     {"sweep", "s.json", "--vary", "workload.compute_time_us=100,200", "-j", "1", "-o", "out"},
     {"study.csv", "study.md", "study.html"},
     true},
    /* one file each, through the same writer */
    {"trace gen", setup_run, {"trace", "gen", "s.json", "-o", "out/t.json"}, {"t.json"}, false},
    {"topo --export",
     setup_run,
     {"topo", "s.json", "--export", "graphml", "-o", "out/f.graphml"},
     {"f.graphml"},
     false},
};
enum { N_CMDS = sizeof cmds / sizeof cmds[0] };

static size_t n_files(const cmd_t *c)
{
    size_t n = 0;
    while (n < 6 && c->files[n])
        n++;
    return n;
}

/* Loop index i as (command, output). */
static const cmd_t *case_of(int i, size_t *file)
{
    for (size_t c = 0; c < N_CMDS; c++) {
        size_t n = n_files(&cmds[c]);
        if ((size_t)i < n) {
            *file = (size_t)i;
            return &cmds[c];
        }
        i -= (int)n;
    }
    ck_abort_msg("no case %d", i);
    return NULL;
}

static int n_cases(void)
{
    int n = 0;
    for (size_t c = 0; c < N_CMDS; c++)
        n += (int)n_files(&cmds[c]);
    return n;
}

static void run_cmd(result_t *r, const cmd_t *c)
{
    const char *const *a = c->args;
    run_tensim(r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
               (const char *)NULL);
}

/* ---- the output directory's state ---- */

typedef struct {
    char name[256];
    bool dir;
    char *text; /* a regular file's bytes */
} entry_t;

typedef struct {
    entry_t e[64];
    int n;
} snap_t;

static void snap_take(snap_t *s, const char *dir)
{
    s->n = 0;
    DIR *d = opendir(in_tdir(dir));
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        ck_assert_int_lt(s->n, 64);
        entry_t *e = &s->e[s->n++];
        snprintf(e->name, sizeof e->name, "%s", de->d_name);
        char rel[512];
        snprintf(rel, sizeof rel, "%s/%s", dir, de->d_name);
        struct stat st;
        ck_assert_int_eq(lstat(in_tdir(rel), &st), 0);
        e->dir = S_ISDIR(st.st_mode);
        e->text = e->dir ? NULL : slurp(rel);
    }
    closedir(d);
}

static void snap_free(snap_t *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->e[i].text);
    s->n = 0;
}

static const entry_t *snap_find(const snap_t *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->e[i].name, name))
            return &s->e[i];
    return NULL;
}

/* Asserts no name of tensim's temporary pattern (".NAME.PID.tmp",
 * ".NAME.PID.old.tmp") below tdir/rel. */
static void no_temporaries(const char *rel)
{
    DIR *d = opendir(in_tdir(rel));
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        size_t n = strlen(de->d_name);
        ck_assert_msg(!(de->d_name[0] == '.' && n > 4 && !strcmp(de->d_name + n - 4, ".tmp")),
                      "temporary %s/%s left", rel, de->d_name);
        char sub[512];
        snprintf(sub, sizeof sub, "%s/%s", rel, de->d_name);
        struct stat st;
        if (lstat(in_tdir(sub), &st) == 0 && S_ISDIR(st.st_mode))
            no_temporaries(sub);
    }
    closedir(d);
}

/* Runs c with output `file` blocked by a directory and checks the failure:
 * status 1, one line naming out/FILE, and out/ as it was (`before`), but
 * for the blocking directory and, for a resumable command, its state. */
static void fail_and_check(const cmd_t *c, const char *file)
{
    char blocked[256];
    snprintf(blocked, sizeof blocked, "out/%s", file);
    snap_t before, after;
    snap_take(&before, "out");
    result_t r;
    run_cmd(&r, c);
    ck_assert_msg(r.status == 1, "%s with %s blocked: status %d, stderr %s", c->name, file,
                  r.status, r.err);
    ck_assert_msg(!strncmp(r.err, "tensim: ", 8) && strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
                  "%s: not one line: %s", c->name, r.err);
    ck_assert_msg(strstr(r.err, blocked) != NULL, "%s: the error does not name %s: %s", c->name,
                  blocked, r.err);
    ck_assert_msg(r.out[0] == '\0' || c->resumable, "%s: printed %s", c->name, r.out);
    result_free(&r);

    snap_take(&after, "out");
    for (int i = 0; i < before.n; i++) {
        const entry_t *b = &before.e[i], *a = snap_find(&after, b->name);
        ck_assert_msg(a != NULL, "%s: previous %s gone", c->name, b->name);
        ck_assert_msg(a->dir == b->dir, "%s: %s changed kind", c->name, b->name);
        ck_assert_msg(b->dir || !strcmp(a->text, b->text), "%s: previous %s changed", c->name,
                      b->name);
    }
    for (int i = 0; i < after.n; i++) {
        const entry_t *a = &after.e[i];
        if (snap_find(&before, a->name))
            continue;
        ck_assert_msg(c->resumable && (a->dir || !strcmp(a->name, "study.json")),
                      "%s: %s written although %s failed", c->name, a->name, file);
    }
    for (size_t k = 0; k < n_files(c); k++)
        if (strcmp(c->files[k], file) && !snap_find(&before, c->files[k]))
            ck_assert_msg(!snap_find(&after, c->files[k]), "%s: %s left", c->name, c->files[k]);
    snap_free(&before);
    snap_free(&after);
    no_temporaries(".");
}

static void block(const char *file)
{
    char p[256];
    snprintf(p, sizeof p, "out/%s", file);
    unlink(in_tdir(p)); /* a previous file there */
    ck_assert_int_eq(mkdir(in_tdir(p), 0755), 0);
}

/* Into an empty directory (or, goodput beside a run, the run's files): no
 * output of the command appears. */
START_TEST(one_output_fails_nothing_appears)
{
    size_t k;
    const cmd_t *c = case_of(_i, &k);
    c->setup();
    mkdir(in_tdir("out"), 0755);
    block(c->files[k]);
    fail_and_check(c, c->files[k]);
}
END_TEST

/* Over a previous good run's files (given marker bytes, so that a rewrite
 * would show): each is as it was after the failure. The outputs before the
 * blocked one had been renamed into place when its rename failed: this is
 * the undo of tn_outset_commit. */
START_TEST(one_output_fails_previous_files_kept)
{
    size_t k;
    const cmd_t *c = case_of(_i, &k);
    c->setup();
    mkdir(in_tdir("out"), 0755); /* trace gen and topo make no folder */
    result_t r;
    run_cmd(&r, c);
    expect_status(&r, 0);
    result_free(&r);
    for (size_t j = 0; j < n_files(c); j++) {
        char p[256], text[300];
        snprintf(p, sizeof p, "out/%s", c->files[j]);
        ck_assert_msg(exists(p), "%s: a good run writes %s", c->name, p);
        snprintf(text, sizeof text, "previous %s\n", c->files[j]);
        if (j != k)
            write_file(p, text);
    }
    block(c->files[k]);
    fail_and_check(c, c->files[k]);
}
END_TEST

/* Folders made for the outputs go too: compare makes q/ for its CSV, and
 * the page cannot be put in place. */
START_TEST(failed_commit_removes_the_folders_it_made)
{
    setup_compare();
    ck_assert_int_eq(mkdir(in_tdir("page.html"), 0755), 0);
    result_t r;
    run_tensim(&r, "compare", "a", "b", "--csv", "q/r/c.csv", "--html", "page.html", NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "page.html: cannot rename into place"));
    result_free(&r);
    ck_assert(!exists("q"));
    no_temporaries(".");
}
END_TEST

/* A PID that no process has: a child that has exited and been reaped
 * (PIDs are handed out in increasing order and wrap only after pid_max). */
static pid_t dead_pid(void)
{
    pid_t p = fork();
    ck_assert_int_ge(p, 0);
    if (p == 0)
        _exit(0);
    ck_assert_int_eq(waitpid(p, NULL, 0), p);
    return p;
}

/* A killed run's temporaries (its PID is gone) are removed by the next
 * run into that directory; a live process's, and names that are not
 * tensim's pattern, are not. */
START_TEST(stale_temporaries_are_swept)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    ck_assert_int_eq(mkdir(in_tdir("out"), 0755), 0);
    long dead = (long)dead_pid(), live = (long)getpid();
    char stale[3][64], keep[5][64];
    snprintf(stale[0], 64, "out/.report.json.%ld.tmp", dead);
    snprintf(stale[1], 64, "out/.x.%ld.tmp", dead);
    snprintf(stale[2], 64, "out/.report.md.%ld.old.tmp", dead);
    snprintf(keep[0], 64, "out/.report.html.%ld.tmp", live); /* another live writer */
    snprintf(keep[1], 64, "out/x.%ld.tmp", dead);             /* not hidden */
    snprintf(keep[2], 64, "out/.x.%ld.tmp.bak", dead);        /* not ending .tmp */
    snprintf(keep[3], 64, "out/..%ld.tmp", dead);             /* no NAME */
    snprintf(keep[4], 64, "out/.x.%ldz.tmp", dead);           /* not a PID */
    for (int i = 0; i < 3; i++)
        write_file(stale[i], "half a file");
    for (int i = 0; i < 5; i++)
        write_file(keep[i], "not ours to remove");
    run_expect(0, "run", "s.json", "-o", "out", "--quiet", NULL);
    for (int i = 0; i < 3; i++)
        ck_assert_msg(!exists(stale[i]), "%s not swept", stale[i]);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(exists(keep[i]), "%s removed", keep[i]);
    ck_assert(exists("out/report.json"));
}
END_TEST

/* A run killed while writing: SIGKILL as soon as its first temporary
 * appears would need a race; instead, a child of this test writes a
 * temporary under its own PID and is killed, as tensim would be. */
START_TEST(killed_writer_leftovers_are_swept)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    ck_assert_int_eq(mkdir(in_tdir("out"), 0755), 0);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t p = fork();
    ck_assert_int_ge(p, 0);
    if (p == 0) {
        char name[64];
        snprintf(name, sizeof name, "out/.timeline.json.%ld.tmp", (long)getpid());
        FILE *f = fopen(in_tdir(name), "w");
        fputs("{\"traceEvents\": [", f);
        fclose(f);
        (void)!write(fds[1], "x", 1);
        pause();
        _exit(0);
    }
    char c;
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    close(fds[0]);
    close(fds[1]);
    char name[64];
    snprintf(name, sizeof name, "out/.timeline.json.%ld.tmp", (long)p);
    ck_assert(exists(name));
    /* while it lives, its temporary is not stale */
    run_expect(0, "run", "s.json", "-o", "out", "--quiet", NULL);
    ck_assert(exists(name));
    kill(p, SIGKILL);
    ck_assert_int_eq(waitpid(p, NULL, 0), p);
    run_expect(0, "run", "s.json", "-o", "out", "--quiet", NULL);
    ck_assert_msg(!exists(name), "%s not swept", name);
}
END_TEST

Suite *outputs_txn_suite(void)
{
    Suite *s = suite_create("outputs_txn");
    TCase *tc = new_tcase("transaction");
    tcase_add_loop_test(tc, one_output_fails_nothing_appears, 0, n_cases());
    tcase_add_loop_test(tc, one_output_fails_previous_files_kept, 0, n_cases());
    tcase_add_test(tc, failed_commit_removes_the_folders_it_made);
    tcase_add_test(tc, stale_temporaries_are_swept);
    tcase_add_test(tc, killed_writer_leftovers_are_swept);
    suite_add_tcase(s, tc);
    return s;
}
