/* goodput/spec.h — a scenario's `training` section: the whole training run
 * a goodput study simulates (docs/scenario.md, "training"), read and
 * checked without running anything.
 *
 *   "training": {
 *     "tokens": 3e11,                      the token target (> 0)
 *     "checkpoint": {
 *       "interval_min": 60 | "auto",       training between checkpoints;
 *                                          auto: the best, searched by simulation
 *       "mode": "blocking" | "async",      async: a snapshot to host memory
 *                                          blocks, the write drains meanwhile
 *       "restore": "every_rank" | "one_per_dp_group"
 *     },
 *     "restart": { "detect_min": 10, "startup_min": 5 },
 *     "failures": {
 *       "rate_scale": 1,                   every class's rate x this (>= 0)
 *       "lifetime": "exponential" | "weibull", "weibull_shape": 1,
 *       "spares": 0,                       spare GPU servers
 *       "server_repair_h": 24, "fabric_repair_h": 4,
 *       "when_short": "wait" | "shrink",    no spare for a failed server: wait
 *                                          for a repair, or run without its
 *                                          data-parallel replica meanwhile
 *       "lemons": { "servers": 0, "rate_x": 10 }  servers that fail rate_x
 *                                          times as often as a node (kept in
 *                                          the job: undetected lemons)
 *     },
 *     "runs": 1000                         Monte Carlo runs (1 to 1,000,000)
 *   }
 * (The energy and money figures read the scenario's "power" and "prices"
 * sections: energy/spec.h.)
 *
 * Defaults (every key but tokens may be left out): hourly blocking
 * checkpoints restored by every rank; detection 10 min (MegaScale: under 10
 * minutes on average), start-up 5 min; the rates of
 * goodput/data/failures.json as they are, exponential; no spares; repairs
 * as failures.json says; 1,000 runs.
 *
 * Ownership: a gp_spec_t is a plain value.
 */
#ifndef GP_SPEC_H
#define GP_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "goodput/lifetime.h"

typedef enum { GP_CKPT_BLOCKING, GP_CKPT_ASYNC } gp_ckpt_mode_t;
typedef enum { GP_RESTORE_EVERY_RANK, GP_RESTORE_ONE_PER_DP_GROUP } gp_restore_t;

typedef struct {
    double tokens;
    double interval_s;   /* 0: auto */
    gp_ckpt_mode_t mode;
    gp_restore_t restore;
    double detect_s, startup_s;
    double rate_scale;
    gp_life_kind_t lifetime;
    double weibull_shape;
    uint64_t spares;
    double server_repair_s, fabric_repair_s; /* < 0: as failures.json says */
    bool shrink;          /* when_short: shrink (else wait) */
    uint64_t lemons;      /* lemon servers (0: none) */
    double lemon_rate_x;  /* their node failure rate x this (>= 1) */
    uint64_t runs;
} gp_spec_t;

/* The defaults above, with no token target (tokens 0). O(1). */
gp_spec_t gp_spec_default(void);

/* Reads `training` (the section's JSON, found in file `src`) into s.
 * Errors (TN_EINPUT): "src: training.key: message" for a missing token
 * target, an unknown key, a wrong type or an impossible value. O(keys). */
int gp_spec_parse(gp_spec_t *s, const json_t *training, const char *src, tn_error_t *err);

#endif
