/* goodput/training.h — one training run to its token target, at the scale
 * of weeks: iterations, checkpoints, failures, restarts, spares.
 *
 * The run is a sequence of segments, each `interval_s` of training (the
 * last one shorter) followed by a checkpoint that pauses training for
 * `ckpt_s`; a segment is committed when its checkpoint ends (the final one
 * too: the finished model is saved). Failures arrive in wall time from each
 * class's units (goodput/lifetime.h), whatever the job is doing:
 *
 *  - an interrupting failure (a GPU, a host, software) loses everything
 *    since the last committed checkpoint (the work, and the checkpoint
 *    under way), then costs a restart of `restart_s` (detection, start-up,
 *    restore); a failure during a restart starts it again. When the class
 *    takes servers out (hardware), spare servers replace them if the pool
 *    has one; else the job waits until a repaired server returns
 *    (`repair_s` after its failure); a class may take several servers at
 *    once (a leaf switch: every server it serves). Or, when `replicas`
 *    is set, the job restarts shrunk: each missing server takes one of
 *    the R data-parallel replicas out (at worst: each in another
 *    replica), and the iteration runs R / (R - k) times as long until the
 *    servers return, when it grows back at once, without a restart (an
 *    optimistic elastic job); with k >= R it waits.
 *  - a degrading failure (a cable, a spine switch: the fabric routes around
 *    it) multiplies the iteration time by the class's `slowdown` until it
 *    is repaired; concurrent ones multiply.
 *
 * With one exponential interrupting class, no degradation and enough
 * spares this is exactly Daly's model (goodput/formula.h), which the tests
 * check by Monte Carlo.
 *
 * Ownership: gp_training_t and its classes are borrowed for the call;
 * gp_run_t is a plain value.
 */
#ifndef GP_TRAINING_H
#define GP_TRAINING_H

#include <stdbool.h>
#include <stdint.h>

#include "goodput/lifetime.h"

#define GP_MAX_CLASSES 16

typedef struct {
    const char *name;      /* as reports name it: "gpu", "host", "cable", ... */
    uint64_t units;        /* how many the job's fabric has */
    gp_lifetime_t life;    /* one unit's lifetime */
    bool interrupts;       /* else degrades */
    uint32_t servers;      /* interrupts: servers that leave for repair (0: none) */
    double slowdown;       /* degrades: iteration time x this while failed (>= 1) */
    double repair_s;       /* until the unit (or its server) is back */
} gp_class_t;

typedef struct {
    double work_s;          /* failure-free training time to the token target */
    double interval_s;      /* training between checkpoints (tau) */
    double ckpt_s;          /* the pause a checkpoint costs (d) */
    double restart_s;       /* detection + start-up + restore (R) */
    int32_t spares;         /* spare servers in the pool at the start */
    int32_t n_class;
    const gp_class_t *cls;
    int32_t replicas;       /* 0: a job short of servers waits for them; R > 0: it runs
                               shrunk, R - k data-parallel replicas doing the work of R
                               while k servers are missing (k < R), else waits */
} gp_training_t;

/* where wall time went */
typedef enum {
    GP_TIME_USEFUL,   /* committed training at full speed */
    GP_TIME_SLOW,     /* committed training: the extra of slowed iterations */
    GP_TIME_CKPT,     /* committed checkpoint pauses */
    GP_TIME_LOST,     /* work and checkpoints lost to failures, recomputed */
    GP_TIME_RESTART,  /* restarts */
    GP_TIME_SPARES,   /* waiting for a repaired server */
    GP_TIME_N
} gp_time_t;

extern const char *const gp_time_names[GP_TIME_N];

typedef struct {
    double wall_s;                          /* to the target; the sum of time_s */
    double time_s[GP_TIME_N];
    uint32_t failures[GP_MAX_CLASSES];      /* every failure, by class */
    double lost_s[GP_MAX_CLASSES];          /* lost + restart + spares, by class */
    uint32_t checkpoints;                   /* committed */
    bool finished;                          /* false: stopped at GP_MAX_WALL x work_s */
} gp_run_t;

/* A run that has not reached its target after this many times its work
 * is stopped (failures faster than restarts): reported, not looped on. */
#define GP_MAX_WALL 1000.0

/* Simulates one run with the failure streams of (seed, run). Deterministic
 * for a seed. O(events x classes + units of Weibull classes). */
void gp_training_run(const gp_training_t *t, uint64_t seed, uint64_t run, gp_run_t *out);

#endif
