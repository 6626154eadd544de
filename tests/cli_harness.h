/* tests/cli_harness.h — what the command-line tests (tests/check_cli_*.c,
 * tests/check_golden.c) share: the real binary ($TENSIM_BIN, else
 * build/tensim) run with fork and execv inside a fresh mkdtemp() directory
 * that is also its working directory, so file names in messages are short
 * ("s.json") and nothing lands in the repository; its output captured;
 * files in that directory; the skeleton scenario written there from the
 * string literals below.
 *
 * Ownership: a test case made by new_tcase() gets one root directory
 * (removed by the runner process, so it goes even when a forked test dies)
 * and each test one directory below it, tdir (removed by the test's
 * teardown). A result_t owns its captured text until result_free().
 */
#ifndef TESTS_CLI_HARNESS_H
#define TESTS_CLI_HARNESS_H

#include <check.h>
#include <limits.h>
#include <stdbool.h>

/* This test's directory, and the absolute path of the binary. */
extern char tdir[PATH_MAX];
extern char bin[PATH_MAX];

/* A test case whose tests each run in a fresh tdir; 60 s per test. */
TCase *new_tcase(const char *name);

/* out = a/b; false when it does not fit. O(length). */
bool join(char *out, size_t n, const char *a, const char *b);

/* Runs `mpirun --oversubscribe -n RANKS $TENSIM_MPI_BIN ARGS` in tdir
 * (ARGS as a shell would split them), its output into tdir/mpi.out and
 * tdir/mpi.err; returns system()'s status. Fails the test when
 * TENSIM_MPI_BIN (set by make check) is unset or not executable. */
int run_mpirun(int ranks, const char *args);

/* Removes path and everything below it; symbolic links are not followed.
 * O(entries). */
void rm_rf(const char *path);

/* tdir/name, in one of two static buffers (two calls may be live). */
const char *in_tdir(const char *name);

/* ---- files in tdir ---- */

/* The whole file tdir/name, NUL-terminated (the caller frees it), or NULL
 * when it cannot be read. O(size). */
char *slurp(const char *name);

void write_file(const char *name, const char *text);

/* Copies the repository's file src (a path from the repository root, the
 * tests' working directory) to tdir/name; a text file under 8 KiB. */
void copy_into_tdir(const char *src, const char *name);

/* Writes tdir/name from a printf format in which ' stands for ", so JSON
 * literals stay readable: {'ranks': 8}. */
__attribute__((format(printf, 2, 3))) void write_json(const char *name, const char *fmt, ...);

bool exists(const char *name);

/* Asserts that directory tdir/name holds no entry starting with '.' (a
 * leftover temporary) and returns how many entries it holds. */
int count_entries_no_dotfiles(const char *name);

/* Removes every line containing `needle` from s, in place. O(length). */
void drop_lines_with(char *s, const char *needle);

/* ---- running the binary ---- */

typedef struct {
    int status;     /* exit status, or -1 when a signal ended it */
    int signal;     /* that signal, else 0 */
    char *out, *err; /* what it wrote on stdout and stderr */
} result_t;

void result_free(result_t *r);

/* Runs `tensim args...` (NULL-terminated) in tdir, stdin from /dev/null,
 * stdout and stderr captured. */
__attribute__((sentinel)) void run_tensim(result_t *r, ...);

/* run_tensim, then expect_status(status): for a command whose output
 * that matters is in files. */
__attribute__((sentinel)) void run_expect(int status, ...);

/* The output directory every run below is given (-o out); a failed run must
 * not create it. */
#define OUT "out"

void expect_status(const result_t *r, int status);

/* Asserts a failure with `status`: nothing on stdout, exactly one line
 * "tensim: ..." on stderr without a final full stop, containing each of the
 * NULL-terminated needles; and no trace of output: no OUT directory and no
 * leftover temporary in tdir. */
__attribute__((sentinel)) void expect_error(const result_t *r, int status, ...);

/* expect_error, and the line is exactly `line` (without its newline). */
void expect_error_line(const result_t *r, int status, const char *line);

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
void write_scenario(const char *topology, const char *workload, const char *more);

/* A Megatron workload (GPT-3 175B on 8 x 16 x 78) with the given tp. */
void write_megatron(const char *tp);

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

#endif
