/* results/timeline.h — timeline.json: the sampled ranks' ops as Chrome
 * trace events (Perfetto, chrome://tracing, speedscope), laid out so that
 * every track is a plain sequence of disjoint intervals.
 *
 * Layout: one process per sampled rank (pid = rank, named by
 * "process_name" metadata), one thread (tid) per stream of that rank:
 * tid 0 is its compute stream, then each communicator's traffic in the
 * trace's order ("tp", "dp", "pp", ...), named by "thread_name". A
 * communicator whose ops overlap in time on one rank (several recvs
 * posted ahead on "pp", a send beside a recv) is split into lanes by
 * greedy interval partitioning: an op goes to the lowest lane whose last
 * op has ended, so the lanes are as few as the deepest overlap; they are
 * named "pp", "pp 2", "pp 3", ... Events are written sorted by (pid, tid,
 * ts), metadata first in each process.
 *
 * An event of a collective, send or recv lasts from when the rank reached
 * (posted) it to when it finished for the rank, waiting for peers
 * included: a recv posted at t=0 and done late is drawn from 0 on its own
 * lane, beside compute rather than over it.
 *
 * Size: the records keep the ops of sampled ranks only (all ranks up to
 * 64, else ranks 0-15 and every (ranks/16)-th: at most 32;
 * sim_records_describe_trace), each written as one line of about 130
 * bytes; the main job (GPT-3 175B on 9,984 GPUs) samples 31 ranks,
 * 37,009 events, 4.7 MB: far under its 100 MB bound (README's outputs
 * section). A job whose sampled ranks run far more ops per iteration
 * grows with them; sample fewer ranks there, not fewer events per track.
 *
 * Ownership: res_timeline_json borrows the records and appends to a
 * caller-owned tn_text_t.
 */
#ifndef RES_TIMELINE_H
#define RES_TIMELINE_H

#include <stdbool.h>

#include "common/tn_text.h"
#include "sim/exec/records.h"

/* Appends timeline.json of rec's sampled ranks to t and returns true, or
 * returns false (appending nothing) when rec has no sampled ranks or no
 * links described. O(S log S + S x L) for S spans and at most L lanes on
 * one stream of one rank. */
bool res_timeline_json(const sim_records_t *rec, tn_text_t *t);

#endif
