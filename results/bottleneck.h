#ifndef TENSIM_RES_BOTTLENECK_H
#define TENSIM_RES_BOTTLENECK_H

/* What bounds a run's throughput, read off the report's time breakdown:
 * the verdict a planner acts on, and the figures behind it.
 *
 * Ownership: res_bottleneck_json() returns a new reference the caller
 * decrefs; it only reads its arguments. */

#include <jansson.h>

#include "sim/exec/records.h"

/* Share of its program's median compute time above which a rank is called
 * a straggler: 5%, well above the spread of a model's own stages (ranks of
 * one program do the same work, so their compute is equal unless slowed). */
#define RES_STRAGGLER_RATIO 1.05

/* The verdict, one of:
 *   "straggler"       a rank computes >= RES_STRAGGLER_RATIO x the median of
 *                     the ranks running its program, and others wait for it;
 *   "pipeline_bubble" waiting on send/recv communicators plus ranks done
 *                     early, when that is the largest share;
 *   "network"         exposed communication is the largest share; names the
 *                     communicator that exposes most and the tier with the
 *                     highest mean utilization;
 *   "skew"            waiting for peers on collectives is the largest share;
 *   "dependencies"    idle time is;
 *   "compute"         compute is.
 * `breakdown` and `tiers` are the report's objects of those names.
 * Members: verdict, share (of the run), evidence (a sentence), and rank /
 * communicator / tier where they apply. O(ranks log ranks + comms + tiers). */
json_t *res_bottleneck_json(const sim_records_t *rec, const json_t *breakdown, const json_t *tiers);

#endif
