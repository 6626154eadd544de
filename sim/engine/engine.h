/* sim/engine/engine.h — the discrete-event engine: a clock, a pending-event
 * set (sim/engine/evq.h) and a pool of event records.
 *
 * Events are totally ordered by (time, seq), seq a counter given when the
 * event is scheduled, so events at equal times run in the order they were
 * scheduled. The engine is a value: no globals, any number per process.
 * An event is small (handler, context pointer, one 64-bit argument); records
 * live in an array indexed by the queue's slot numbers, which the queue
 * reuses, so scheduling does not call malloc once the array has grown to
 * the peak number of pending events.
 *
 * Ownership: a sim_engine_t is caller-owned (sim_engine_init/destroy). It
 * borrows the ctx pointers given to sim_schedule() and never frees them;
 * events still pending at destroy are dropped without being run.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/engine/evq.h"
#include "sim/engine/time.h"

typedef struct sim_engine sim_engine_t;

/* An event's action: runs at sim_now(eng) == the event's time. It may
 * schedule and cancel events. */
typedef void (*sim_handler_t)(sim_engine_t *eng, void *ctx, uint64_t arg);

/* Names a scheduled event for sim_cancel(): its pool slot and the slot's
 * generation, so a stale id (the event ran or was cancelled, and the slot
 * was reused) is recognised. The generation is 64 bits: it never wraps, so
 * a stale id can never match again. gen 0 is no event. */
typedef struct {
    uint64_t gen;
    uint32_t slot;
} sim_event_id_t;
#define SIM_EVENT_NONE ((sim_event_id_t){0, 0})

static inline bool sim_event_is_none(sim_event_id_t id) { return id.gen == 0; }

typedef struct {
    sim_handler_t fn;
    void *ctx;
    uint64_t arg;
    uint64_t gen; /* bumped when the event runs or is cancelled */
} sim_event_rec_t;

struct sim_engine {
    sim_time_t now;
    uint64_t processed;   /* events run so far */
    bool stopped;
    bool overflowed;      /* an event was scheduled at SIM_TIME_MAX */
    sim_evq_t q;
    sim_event_rec_t *rec; /* by queue slot */
    size_t rec_cap;
};

void sim_engine_init(sim_engine_t *eng);
void sim_engine_destroy(sim_engine_t *eng);

/* Schedules fn(eng, ctx, arg) at absolute time `at`. Returns its id, or
 * SIM_EVENT_NONE, scheduling nothing, when `at` is before now (an event in
 * the past is refused: the clock never goes backwards). SIM_TIME_MAX (about
 * 213 days) is the end of time: an event there is kept but sets
 * eng->overflowed, so a run whose times saturated is reported as such, not
 * as a wrong number. O(log n). */
sim_event_id_t sim_schedule(sim_engine_t *eng, sim_time_t at, sim_handler_t fn, void *ctx,
                            uint64_t arg);

/* Schedules `delay` after now (saturating at SIM_TIME_MAX). O(log n). */
sim_event_id_t sim_schedule_in(sim_engine_t *eng, sim_time_t delay, sim_handler_t fn, void *ctx,
                               uint64_t arg);

/* Cancels a pending event. Returns false (and does nothing) when id is
 * SIM_EVENT_NONE or the event already ran or was cancelled. O(1) amortised:
 * the queue drops the entry lazily (sim/engine/evq.h). */
bool sim_cancel(sim_engine_t *eng, sim_event_id_t id);

/* Runs events in (time, seq) order while their time is <= until and
 * sim_stop() was not called. Returns the number of events run by this call.
 * O(k log n) for k events. */
uint64_t sim_run(sim_engine_t *eng, sim_time_t until);

/* sim_run() for at most max_events events: a caller that shows progress
 * runs in slices. After it returns, eng->stopped says whether sim_stop()
 * ended it. Slicing does not change what runs or in which order. O(k log n)
 * for k events. */
uint64_t sim_run_some(sim_engine_t *eng, sim_time_t until, uint64_t max_events);

/* Makes the running sim_run() return after the current event. */
static inline void sim_stop(sim_engine_t *eng) { eng->stopped = true; }

static inline sim_time_t sim_now(const sim_engine_t *eng) { return eng->now; }
static inline size_t sim_pending(const sim_engine_t *eng) { return sim_evq_size(&eng->q); }

/* The time of the next pending event, or SIM_TIME_MAX when none. O(1), or
 * O(log n) amortised when cancelled events are dropped on the way. */
sim_time_t sim_next_time(sim_engine_t *eng);

#endif
