/* study/pool.c — running a study's pending runs as child processes: N at
 * a time on this machine, or handed out by rank 0 to the other MPI ranks
 * (a build with TN_MPI). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/tn_file.h"
#include "study/study.h"

#ifdef TN_MPI
#include <mpi.h>
#endif

extern char **environ;

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

/* Starts run r as a child: stdout to /dev/null, stderr to r->dir/stderr.txt. */
static int spawn_run(study_run_t *r, const char *self, tn_error_t *err)
{
    if (tn_mkdirs(r->dir, err))
        return -1;
    char errpath[4096];
    snprintf(errpath, sizeof errpath, "%s/stderr.txt", r->dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int rc = posix_spawn(&r->pid, self, &fa, NULL, r->args, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc)
        return tn_error_set(err, TN_EIO, "cannot start %s: %s", self, strerror(rc));
    return 0;
}

/* Records how run r ended, from its wait status. */
static void finish_run(study_t *s, study_run_t *r, int status)
{
    char errpath[4096];
    snprintf(errpath, sizeof errpath, "%s/stderr.txt", r->dir);
    r->pending = false;
    s->ran++;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        r->status = STUDY_RUN_OK;
        unlink(errpath);
        return;
    }
    r->status = STUDY_RUN_FAILED;
    s->failed++;
    char *line = first_line(errpath);
    if (!line) {
        char buf[64];
        snprintf(buf, sizeof buf, "exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        line = tn_strdup(buf);
    }
    r->reason = line;
}

/* Alone: `jobs` children at a time, in order; a run that ends lets the
 * next start. A goodput study's first pending run goes alone: children
 * started together would all miss the cache (goodput/cache.h) at once and
 * each simulate the same iteration and checkpoint; after the first, those
 * differing only in training.* find its figures there. */
static int run_local(study_t *s, size_t jobs, tn_error_t *err)
{
    size_t next = 0, running = 0;
    size_t limit = s->kind == STUDY_KIND_GOODPUT ? 1 : jobs;
    int spawn_failed = 0;
    while (!spawn_failed && (next < s->n_runs || running > 0)) {
        while (running < limit && next < s->n_runs) {
            study_run_t *r = &s->runs[next++];
            if (!r->pending)
                continue;
            if (spawn_run(r, s->self, err)) {
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
        for (size_t i = 0; i < s->n_runs; i++)
            if (s->runs[i].pending && s->runs[i].pid == pid) {
                finish_run(s, &s->runs[i], status);
                running--;
                limit = jobs; /* the warm-up, if any, is over */
                break;
            }
    }
    while (running > 0 && waitpid(-1, NULL, 0) > 0)
        running--;
    return spawn_failed ? -1 : 0;
}

#ifdef TN_MPI
enum { TAG_ASK = 7, TAG_JOB = 8 };

bool study_all_agree(bool ok)
{
    int mine = ok, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all != 0;
}

enum { WARM_NONE = -2, WARM_NOT_YET = -1 };

/* Sends rank `to` the next pending run, or -1 when none is left (and it
 * stops). The first run handed out in a goodput study is the warm-up. */
static void hand_out(study_t *s, size_t *next, int *active, int *warm, int to)
{
    while (*next < s->n_runs && !s->runs[*next].pending)
        (*next)++;
    int job = *next < s->n_runs ? (int)(*next)++ : -1;
    MPI_Send(&job, 1, MPI_INT, to, TAG_JOB, MPI_COMM_WORLD);
    if (job < 0)
        (*active)--;
    else if (*warm == WARM_NOT_YET)
        *warm = job;
}

/* Rank 0: hands the pending runs out one at a time to whichever rank asks,
 * and collects their wait statuses. In a goodput study, the ranks that ask
 * while the first run (the cache's warm-up, as in run_local) is out wait
 * for it to end. */
static void coordinate(study_t *s, int size)
{
    size_t next = 0;
    int active = size - 1, n_waiting = 0;
    int warm = s->kind == STUDY_KIND_GOODPUT ? WARM_NOT_YET : WARM_NONE;
    int *waiting = tn_calloc((size_t)size, sizeof *waiting);
    while (active > 0) {
        int msg[2];
        MPI_Status st;
        MPI_Recv(msg, 2, MPI_INT, MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &st);
        if (msg[0] >= 0) /* a run it finished */
            finish_run(s, &s->runs[msg[0]], msg[1]);
        if (warm >= 0 && msg[0] != warm) {
            waiting[n_waiting++] = st.MPI_SOURCE;
            continue;
        }
        bool warm_ended = warm >= 0;
        if (warm_ended)
            warm = WARM_NONE;
        hand_out(s, &next, &active, &warm, st.MPI_SOURCE);
        for (int i = 0; warm_ended && i < n_waiting; i++)
            hand_out(s, &next, &active, &warm, waiting[i]);
        n_waiting = warm_ended ? 0 : n_waiting;
    }
    free(waiting);
}

/* Another rank: asks rank 0 for runs until it has none, runs each as a
 * child, and reports its wait status. */
static void work(study_t *s)
{
    int msg[2] = {-1, 0};
    for (;;) {
        MPI_Send(msg, 2, MPI_INT, 0, TAG_ASK, MPI_COMM_WORLD);
        int job;
        MPI_Recv(&job, 1, MPI_INT, 0, TAG_JOB, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (job < 0)
            return;
        int status = -1;
        tn_error_t err = {0};
        if (spawn_run(&s->runs[job], s->self, &err) == 0 &&
            waitpid(s->runs[job].pid, &status, 0) < 0)
            status = -1;
        msg[0] = job;
        msg[1] = status;
    }
}

void study_ranks_begin(int *rank, int *size)
{
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited)
        MPI_Init(NULL, NULL);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    if (*rank > 0) { /* rank 0 speaks for the study */
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            abort();
    }
}

void study_ranks_end(void) { MPI_Finalize(); }
#else
bool study_all_agree(bool ok) { return ok; }

static void coordinate(study_t *s, int size)
{
    (void)s, (void)size;
    TN_ASSERT(!"a build without MPI has one rank");
}

static void work(study_t *s)
{
    (void)s;
    TN_ASSERT(!"a build without MPI has one rank");
}

void study_ranks_begin(int *rank, int *size)
{
    *rank = 0;
    *size = 1;
}

void study_ranks_end(void) {}
#endif

int study_execute(study_t *s, int jobs, int rank, int size, tn_error_t *err)
{
    if (size > 1 && rank > 0) {
        work(s);
        return 0;
    }
    if (size > 1) {
        coordinate(s, size);
        return 0;
    }
    return run_local(s, (size_t)jobs, err);
}
