/* energy/spec.h — a scenario's "power" and "prices" sections: the power
 * figures a planner overrides, and what energy, GPU-hours and hardware
 * cost.
 *
 *   "power": {                      every key optional; absent: the figure of
 *     "pue": 1.1,                   energy/data/power.json for the run's parts
 *     "gpu_busy_w": 300,            a GPU computing, W
 *     "gpu_idle_w": 50,             a GPU not computing, W
 *     "gpu_server_other_w": 1000,   a GPU server besides its GPUs (NICs included), W
 *     "cpu_server_w": 400,          a CPU (or storage) server, NICs included, W
 *     "switch_w": 200 },            a fabric switch, W (every rate)
 *   "prices": {                     every key optional; absent: not priced
 *     "energy_usd_per_kwh": 0.08,   at the meter (after the PUE)
 *     "gpu_hour_usd": 2.0,          per GPU the job runs on, per hour
 *     "capital": {                  bought hardware, written off evenly
 *       "gpu_server_usd": ..., "cpu_server_usd": ..., "switch_usd": ...,
 *       "nic_usd": ..., "cable_usd": ...,
 *       "years": 4 } }              the write-off period (required in capital)
 *
 * Ownership: an en_spec_t is a plain value.
 */
#ifndef EN_SPEC_H
#define EN_SPEC_H

#include <jansson.h>
#include <stdbool.h>

#include "common/tn_error.h"

/* The overridable figures, in the order of the "power" keys. */
typedef enum {
    EN_GPU_BUSY,
    EN_GPU_IDLE,
    EN_GPU_SERVER_OTHER,
    EN_CPU_SERVER,
    EN_SWITCH,
    EN_FIGURE_N
} en_figure_t;

/* "gpu_busy_w", ...: the key of each figure. */
extern const char *const en_figure_keys[EN_FIGURE_N];

/* The capital items, in the order of the "capital" keys. */
typedef enum {
    EN_CAP_GPU_SERVER,
    EN_CAP_CPU_SERVER,
    EN_CAP_SWITCH,
    EN_CAP_NIC,
    EN_CAP_CABLE,
    EN_CAP_N
} en_capital_t;

extern const char *const en_capital_keys[EN_CAP_N];

typedef struct {
    double pue;                  /* 0: the data file's */
    double watts[EN_FIGURE_N];   /* < 0: the data file's */
    double usd_per_kwh;          /* < 0: not priced */
    double gpu_hour_usd;         /* < 0: not priced */
    double capital_usd[EN_CAP_N]; /* each < 0: not priced */
    double capital_years;        /* 0: no capital section */
} en_spec_t;

/* Nothing overridden, nothing priced. O(1). */
en_spec_t en_spec_default(void);

/* Reads the "power" and "prices" members of the scenario `root` (found in
 * file `src`) into s; either may be absent. Errors (TN_EINPUT):
 * "src: power.key: message" for an unknown key, a wrong type or an
 * impossible value (a PUE below 1, a negative price, a capital section
 * without its years). O(keys). */
int en_spec_parse(en_spec_t *s, const json_t *root, const char *src, tn_error_t *err);

/* Whether any price is given. O(1). */
bool en_spec_priced(const en_spec_t *s);

#endif
