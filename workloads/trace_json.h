/* workloads/trace_json.h — tensim's own trace format, JSON (docs/trace.md):
 * reader and writer.
 *
 *   {"tensim_trace": 1, "ranks": 8,
 *    "communicators": [{"name": "world", "groups": [[0, 1, ..., 7]]}, ...],
 *    "programs": [{"name": "stage0", "ranks": [0, "2-5"],
 *                  "ops": [{"kind": "compute", "duration_ps": 1000000},
 *                          {"kind": "collective", "op": "allreduce",
 *                           "comm": "world", "size_bytes": 1048576,
 *                           "deps": [0]}, ...]}]}
 *
 * An op's deps are indices of other ops of its program, in any order; the
 * reader orders the ops so every op follows its dependencies (ties keep
 * file order) and refuses a cycle.
 *
 * Ownership: the reader fills a caller-provided, uninitialised wl_trace_t
 * (the caller wl_trace_destroy()s it on success; on failure nothing is
 * left to free). The writer borrows the trace.
 */
#ifndef WL_TRACE_JSON_H
#define WL_TRACE_JSON_H

#include "common/tn_error.h"
#include "workloads/trace.h"

/* Reads and validates `path`. Errors (TN_EINPUT) name the file and the
 * JSON path of the first problem: unknown keys or op kinds, a dependency
 * on a missing op, a dependency cycle, a communicator naming a missing
 * rank or a rank twice, a rank with no program or two, sizes and FLOPs
 * out of range, a peer outside the group. O(size of the file +
 * ops log ops). */
int wl_trace_read_json(wl_trace_t *t, const char *path, tn_error_t *err);

/* Writes t to `path` atomically (a temporary, then a rename). Errors
 * (TN_EIO). O(size of the trace). */
int wl_trace_write_json(const wl_trace_t *t, const char *path, tn_error_t *err);

#endif
