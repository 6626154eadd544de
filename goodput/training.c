/* goodput/training.c — one training run as a discrete-event model in wall
 * time (goodput/training.h). The events are few (failures, repairs, the
 * ends of segments, checkpoints and restarts), so the loop scans the
 * classes and the pending repairs instead of keeping an event queue. */
#include "goodput/training.h"

#include <math.h>
#include <string.h>

#include "common/tn_error.h"
#include "common/tn_rng.h"

const char *const gp_time_names[GP_TIME_N] = {"useful", "slowed", "checkpoint", "lost_work",
                                              "restart", "waiting_for_spares"};

typedef enum { RUN, CKPT, RESTART, WAIT } phase_t;

typedef struct {
    double at;        /* when it ends */
    double factor;    /* a degradation: its slowdown */
    uint32_t servers; /* a repair of servers: how many come back */
} pending_t;

typedef struct {
    const gp_training_t *t;
    gp_run_t *out;
    gp_failures_t fail[GP_MAX_CLASSES];
    gsl_rng *rng[GP_MAX_CLASSES];
    pending_t *pend;  /* degradations being repaired and servers in repair */
    size_t n_pend, cap_pend;
    double now, committed, slow;
    phase_t phase;
    int cause;        /* the class whose failure the restart or the wait is for */
    double seg_work, work, run_wall, slow_wall, ckpt_wall, rem;
    int32_t spares, owed;
} state_t;

static void new_segment(state_t *s)
{
    s->seg_work = fmin(s->t->interval_s, s->t->work_s - s->committed);
    s->work = s->run_wall = s->slow_wall = s->ckpt_wall = 0;
    s->phase = RUN;
}

static double slowdown(const state_t *s)
{
    double f = 1;
    for (size_t i = 0; i < s->n_pend; i++)
        if (!s->pend[i].servers)
            f *= s->pend[i].factor;
    /* a shrunk job: r replicas do the work of R */
    if (s->owed && s->t->replicas > s->owed)
        f *= (double)s->t->replicas / (double)(s->t->replicas - s->owed);
    return f;
}

/* whether the job must wait for servers: it is short of some and cannot
 * (or may not) run without them */
static bool must_wait(const state_t *s)
{
    return s->owed && s->t->replicas <= s->owed;
}

/* the time the current phase ends, if nothing happens first */
static double phase_end(const state_t *s)
{
    switch (s->phase) {
    case RUN: return s->now + (s->seg_work - s->work) * s->slow;
    case CKPT:
    case RESTART: return s->now + s->rem;
    default: return INFINITY;
    }
}

/* the wall time from now to `to` goes where the phase says */
static void advance(state_t *s, double to)
{
    double dt = to - s->now;
    s->now = to;
    if (s->phase == RUN) {
        s->work = fmin(s->seg_work, s->work + dt / s->slow);
        s->run_wall += dt;
        /* the share of dt beyond full speed, kept apart so that a run at
         * full speed adds exactly 0, not the rounding of run_wall - work */
        if (s->slow > 1)
            s->slow_wall += dt * (1 - 1 / s->slow);
    } else if (s->phase == CKPT) {
        s->ckpt_wall += dt;
        s->rem -= dt;
    } else {
        s->rem -= dt;
        s->out->time_s[s->phase == RESTART ? GP_TIME_RESTART : GP_TIME_SPARES] += dt;
        s->out->lost_s[s->cause] += dt;
    }
}

/* returns true when the target is reached */
static bool end_phase(state_t *s)
{
    if (s->phase == RUN) {
        s->work = s->seg_work;
        s->phase = CKPT;
        s->rem = s->t->ckpt_s;
        return false;
    }
    if (s->phase == RESTART) {
        new_segment(s);
        return false;
    }
    gp_run_t *o = s->out; /* CKPT: the segment is committed */
    o->time_s[GP_TIME_USEFUL] += s->seg_work;
    o->time_s[GP_TIME_SLOW] += s->slow_wall;
    o->time_s[GP_TIME_CKPT] += s->ckpt_wall;
    o->checkpoints++;
    s->committed += s->seg_work;
    if (s->committed >= s->t->work_s * (1 - 1e-12))
        return true;
    new_segment(s);
    return false;
}

static void restart_or_wait(state_t *s)
{
    s->slow = slowdown(s);
    if (must_wait(s)) {
        s->phase = WAIT;
    } else {
        s->phase = RESTART;
        s->rem = s->t->restart_s;
    }
}

static void end_pending(state_t *s, size_t i)
{
    uint32_t back = s->pend[i].servers;
    s->pend[i] = s->pend[--s->n_pend];
    if (!back) {
        s->slow = slowdown(s);
        return;
    }
    s->spares += (int32_t)back;
    int32_t take = s->owed < s->spares ? s->owed : s->spares;
    s->owed -= take;
    s->spares -= take;
    /* a shrunk job grows back at once, without a restart (optimistic) */
    s->slow = slowdown(s);
    if (s->phase == WAIT && !must_wait(s))
        restart_or_wait(s);
}

static void fail(state_t *s, int c)
{
    const gp_class_t *k = &s->t->cls[c];
    gp_failures_pop(&s->fail[c]);
    s->out->failures[c]++;
    TN_GROW(s->pend, s->cap_pend, s->n_pend + 1);
    if (!k->interrupts) {
        s->pend[s->n_pend++] = (pending_t){s->now + k->repair_s, k->slowdown, 0};
        s->slow = slowdown(s);
        return;
    }
    if (s->phase == RUN || s->phase == CKPT) {
        double lost = s->run_wall + s->ckpt_wall;
        s->out->time_s[GP_TIME_LOST] += lost;
        s->out->lost_s[c] += lost;
    }
    if (k->servers) {
        s->pend[s->n_pend++] = (pending_t){s->now + k->repair_s, 1, k->servers};
        int32_t need = (int32_t)k->servers, take = need < s->spares ? need : s->spares;
        s->spares -= take;
        s->owed += need - take;
    }
    s->cause = c;
    restart_or_wait(s);
}

/* Whole segments that end before the next failure or repair run as
 * checkpointed without an event each: k of them at once, each
 * interval x slow of training and ckpt_s of checkpoint, exactly what k
 * steps would add (up to rounding). The last segment of the run, which
 * may be shorter, is left to the steps. Costs O(1) instead of O(k), which
 * makes a run's cost its failures', not its checkpoints'. */
static void skip_segments(state_t *s, double next_event)
{
    if (s->phase != RUN || s->work != 0 || s->run_wall != 0)
        return;
    double tau = s->t->interval_s, seg = tau * s->slow + s->t->ckpt_s;
    double whole = floor((s->t->work_s - s->committed) / tau) - 1; /* not the last */
    double k = fmin(floor((next_event - s->now) / seg), whole);
    if (!(k >= 1))
        return;
    if (s->now + k * seg >= next_event) /* rounding: leave the tie to the steps */
        k -= 1;
    if (k < 1)
        return;
    gp_run_t *o = s->out;
    o->time_s[GP_TIME_USEFUL] += k * tau;
    if (s->slow > 1)
        o->time_s[GP_TIME_SLOW] += k * tau * (s->slow - 1);
    o->time_s[GP_TIME_CKPT] += k * s->t->ckpt_s;
    o->checkpoints += (uint32_t)k;
    s->committed += k * tau;
    s->now += k * seg;
    new_segment(s);
}

/* the first of the pending repairs, the failures and the phase's end */
static void step(state_t *s, bool *done)
{
    double ev = INFINITY;
    int what = -1; /* -1 the phase, 0..n_class-1 a failure, n_class + i a repair */
    for (int32_t c = 0; c < s->t->n_class; c++) {
        double f = gp_failures_peek(&s->fail[c]);
        if (f < ev) {
            ev = f;
            what = c;
        }
    }
    for (size_t i = 0; i < s->n_pend; i++)
        if (s->pend[i].at < ev) {
            ev = s->pend[i].at;
            what = s->t->n_class + (int)i;
        }
    skip_segments(s, fmin(ev, GP_MAX_WALL * s->t->work_s));
    double at = phase_end(s);
    if (at <= ev) {
        what = -1;
    } else {
        at = ev;
    }
    advance(s, at);
    if (what < 0)
        *done = end_phase(s);
    else if (what < s->t->n_class)
        fail(s, what);
    else
        end_pending(s, (size_t)(what - s->t->n_class));
}

void gp_training_run(const gp_training_t *t, uint64_t seed, uint64_t run, gp_run_t *out)
{
    TN_ASSERT(t->n_class >= 0 && t->n_class <= GP_MAX_CLASSES);
    TN_ASSERT(t->work_s > 0 && t->interval_s > 0 && t->ckpt_s >= 0 && t->restart_s >= 0);
    memset(out, 0, sizeof *out);
    state_t s = {.t = t, .out = out, .slow = 1, .spares = t->spares};
    for (int32_t c = 0; c < t->n_class; c++) {
        s.rng[c] = tn_rng_stream(seed, TN_RNG_FAILURE, run * GP_MAX_CLASSES + (uint64_t)c);
        gp_failures_init(&s.fail[c], &t->cls[c].life, t->cls[c].units, s.rng[c]);
    }
    new_segment(&s);
    bool done = false;
    while (!done && s.now < GP_MAX_WALL * t->work_s)
        step(&s, &done);
    out->finished = done;
    out->wall_s = s.now;
    for (int32_t c = 0; c < t->n_class; c++) {
        gp_failures_destroy(&s.fail[c]);
        gsl_rng_free(s.rng[c]);
    }
    free(s.pend);
}
