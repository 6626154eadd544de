/* sim/engine/engine.c — the discrete-event engine; see sim/engine/engine.h. */
#include "sim/engine/engine.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_error.h"

void sim_engine_init(sim_engine_t *eng)
{
    memset(eng, 0, sizeof *eng);
    sim_evq_init(&eng->q);
}

void sim_engine_destroy(sim_engine_t *eng)
{
    if (!eng)
        return;
    sim_evq_destroy(&eng->q);
    free(eng->rec);
    memset(eng, 0, sizeof *eng);
}

sim_event_id_t sim_schedule(sim_engine_t *eng, sim_time_t at, sim_handler_t fn, void *ctx,
                            uint64_t arg)
{
    TN_ASSERT(fn != NULL);
    if (at < eng->now)
        return SIM_EVENT_NONE;
    if (at == SIM_TIME_MAX)
        eng->overflowed = true;
    uint32_t s = sim_evq_push(&eng->q, at);
    if (s >= eng->rec_cap) {
        size_t old = eng->rec_cap;
        TN_GROW(eng->rec, eng->rec_cap, (size_t)s + 1);
        memset(eng->rec + old, 0, (eng->rec_cap - old) * sizeof *eng->rec);
        sim_evq_set_payloads(&eng->q, eng->rec, sizeof *eng->rec);
    }
    sim_event_rec_t *r = &eng->rec[s];
    r->fn = fn;
    r->ctx = ctx;
    r->arg = arg;
    if (r->gen == 0)
        r->gen = 1;
    return (sim_event_id_t){r->gen, s};
}

sim_event_id_t sim_schedule_in(sim_engine_t *eng, sim_time_t delay, sim_handler_t fn, void *ctx,
                               uint64_t arg)
{
    return sim_schedule(eng, sim_time_add(eng->now, delay), fn, ctx, arg);
}

/* Retires the generation of a slot, so ids naming it go stale. */
static inline void retire(sim_event_rec_t *r) { r->gen++; }

bool sim_cancel(sim_engine_t *eng, sim_event_id_t id)
{
    uint32_t s = id.slot;
    if (sim_event_is_none(id) || s >= eng->rec_cap || eng->rec[s].gen != id.gen)
        return false;
    retire(&eng->rec[s]);
    sim_evq_cancel(&eng->q, s);
    return true;
}

uint64_t sim_run(sim_engine_t *eng, sim_time_t until)
{
    return sim_run_some(eng, until, UINT64_MAX);
}

uint64_t sim_run_some(sim_engine_t *eng, sim_time_t until, uint64_t max_events)
{
    uint64_t ran = 0;
    eng->stopped = false;
    sim_evq_entry_t e;
    while (!eng->stopped && ran < max_events) {
        if (!sim_evq_pop_until(&eng->q, until, &e))
            break;
        TN_ASSERT(e.time >= eng->now);
        sim_event_rec_t *r = &eng->rec[sim_evq_slot(&e)];
        sim_handler_t fn = r->fn;
        void *ctx = r->ctx;
        uint64_t arg = r->arg;
        retire(r);
        /* The next event's record is a random access into the pool: start
         * fetching it while this handler runs. */
        if (sim_evq_any(&eng->q))
            __builtin_prefetch(&eng->rec[sim_evq_top_slot(&eng->q)]);
        eng->now = e.time;
        fn(eng, ctx, arg);
        ran++;
    }
    eng->processed += ran;
    return ran;
}

sim_time_t sim_next_time(sim_engine_t *eng)
{
    sim_evq_entry_t top;
    return sim_evq_peek(&eng->q, &top) ? top.time : SIM_TIME_MAX;
}
