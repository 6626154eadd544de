/* study/study.h — runs many scenarios: the cross product of a study's
 * --vary values, each combination run as `tensim run` (a run study) or
 * `tensim goodput` (a goodput study) in its own subdirectory, by a child
 * process (N at a time on this machine) or spread over MPI ranks (a build
 * with TN_MPI). Resumable: a combination whose report.json (goodput.json)
 * exists is not run again (both are written atomically, so one that exists
 * is whole). Summarising them is the caller's job (results/study.h);
 * nothing here prints: errors come back as values.
 *
 * A goodput study's children share a cache of simulated iteration and
 * checkpoint times (goodput/cache.h): by default OUT/cache. Its first
 * pending run goes alone, so that the others, when they differ only in
 * training.*, find its simulations in the cache instead of all repeating
 * them at once.
 *
 * Ownership: a study_t owns its axes, its runs (names, directories, command
 * lines, reasons) and the study's identity; it borrows the scenario path,
 * the output directory, the --set strings and the cache directory, which
 * must outlive it.
 */
#ifndef STUDY_STUDY_H
#define STUDY_STUDY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/tn_error.h"

#define STUDY_MAX_VALUES 10000
#define STUDY_MAX_RUNS 100000

/* One --vary: a key and its values, in the order given. */
typedef struct {
    char *key;
    char **values;
    size_t n;
} study_axis_t;

typedef enum { STUDY_RUN_OK, STUDY_RUN_INVALID, STUDY_RUN_FAILED } study_status_t;

/* What each combination runs, and the file that says it is done. */
typedef enum {
    STUDY_KIND_RUN,     /* tensim run; report.json */
    STUDY_KIND_GOODPUT, /* tensim goodput; goodput.json */
} study_kind_t;

/* A goodput study's cache: OUT/cache, the user's --cache DIR, or none. */
typedef enum { STUDY_CACHE_OUT, STUDY_CACHE_DIR, STUDY_CACHE_NONE } study_cache_t;

/* One combination. */
typedef struct {
    char *dir;         /* OUT/<name> */
    char *name;        /* key=value pairs joined by ',' */
    char **args;       /* the child's command line, NULL-terminated */
    study_status_t status;
    char *reason;      /* why INVALID or FAILED, or NULL */
    pid_t pid;         /* the child while it runs */
    bool pending;      /* still to run */
} study_run_t;

typedef struct {
    const char *scenario, *out;
    study_kind_t kind;      /* STUDY_KIND_RUN unless set before study_prepare */
    study_cache_t cache;    /* goodput studies only */
    const char *cache_dir;  /* STUDY_CACHE_DIR: the directory (borrowed) */
    study_axis_t *axes;
    size_t n_axes;
    const char **sets;  /* the fixed --set KEY=VALUE strings (borrowed) */
    int n_sets;
    study_run_t *runs;  /* every combination, the last axis varying fastest */
    size_t n_runs;
    json_t *identity;   /* what DIR/study.json holds */
    char self[4096];    /* the tensim binary the children run */
    size_t ran, skipped, invalid, failed;
} study_t;

/* An empty study of `scenario` into the directory `out`. O(1). */
void study_init(study_t *s, const char *scenario, const char *out);

/* Frees what s owns. O(runs + values). */
void study_destroy(study_t *s);

/* Adds the axis a --vary argument gives: KEY=V1,V2,..., KEY=LO:HI:xF,
 * KEY=LO:HI:+S or KEY=[JSON array]. TN_EINPUT (a message naming the --vary
 * argument) when malformed or when KEY is already an axis. O(values). */
int study_add_axis(study_t *s, const char *arg, tn_error_t *err);

/* Adds a fixed --set KEY=VALUE (borrowed) to every run. Amortised O(1). */
void study_add_set(study_t *s, const char *set);

/* The name of the file that marks a run of this kind done: "report.json"
 * or "goodput.json". O(1). */
const char *study_done_file(study_kind_t kind);

/* Checks the study and lists its runs: at most STUDY_MAX_RUNS combinations;
 * OUT/study.json, when it exists, must hold this same study (of the same
 * kind); each combination's scenario is loaded, and for a goodput study
 * its training section read (goodput/spec.h): a bad value makes that run
 * INVALID; a file that cannot be read, an unknown key or, in a goodput
 * study, a scenario without a training section fails the study. A run
 * whose report.json (goodput.json) exists counts as done, the others are
 * pending; no two runs may share a directory. Errors: TN_EINPUT, or TN_EIO
 * when a file cannot be read. O(runs x cost of loading the scenario). */
int study_prepare(study_t *s, tn_error_t *err);

/* Writes OUT/study.json when it does not exist (on rank 0), then asks every
 * rank whether that went well: -1 on every rank when it did not (TN_EIO,
 * with the reason on rank 0). O(size of the identity) plus one all-reduce. */
int study_record(study_t *s, int rank, tn_error_t *err);

/* Runs the pending runs: alone (size 1), `jobs` children at a time, in
 * order; under MPI, rank 0 hands runs out one at a time to the other ranks,
 * which run them as children. In a goodput study the first pending run
 * goes alone (the cache's warm-up), then the rest as above. Each child
 * writes stdout to /dev/null and stderr to its dir/stderr.txt, kept (and
 * its first line taken as the reason) only when the run fails. Counts ran and failed on rank 0. -1
 * (TN_EIO) when a child cannot be started. O(runs) waits, plus the runs. */
int study_execute(study_t *s, int jobs, int rank, int size, tn_error_t *err);

/* The axis values of run i, one per axis, into vals[n_axes] (borrowed from
 * s). O(axes). */
void study_values(const study_t *s, size_t i, const char **vals);

/* Whether every rank says ok (alone: ok). One all-reduce under MPI. */
bool study_all_agree(bool ok);

/* Starts MPI when built with it (once per process) and gives this process's
 * rank and the number of ranks; ranks other than 0 lose their stdout and
 * stderr (rank 0 speaks for the study). Alone: rank 0 of 1. O(MPI_Init). */
void study_ranks_begin(int *rank, int *size);

/* Ends what study_ranks_begin started (MPI_Finalize); nothing alone. */
void study_ranks_end(void);

#endif
