#include "sim/exec/executor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_hash.h"
#include "sim/coll/collective.h"

/* A rank's state of one op of its program. Together, not in an array
 * each: finishing an op reads and writes all of them, and a rank's
 * records are out of the caches by the time its next op ends (10,000
 * ranks take turns), so one line is fetched instead of four. */
typedef struct {
    sim_time_t started;     /* when it started (collectives) */
    uint32_t pending;       /* dependencies not yet done */
    uint8_t state;          /* OP_WAITING, OP_RUNNING, OP_DONE */
    uint8_t flowing;        /* its data moves (all parties there) */
} op_state_t;

struct sim_rank {
    const wl_program_t *prog;
    op_state_t *op;         /* by op */
    uint32_t *cq;           /* compute FIFO (ring buffer of op indices) */
    uint32_t cq_head, cq_len;
    uint32_t computing;     /* op on the compute stream, or NONE */
    uint32_t done;          /* ops done this iteration */
    uint64_t iter;
    uint32_t *coll_seq;     /* by comm: collectives reached so far */
    /* time accounting: communication ops running, in start order; what the
     * rank is doing since acct_t */
    uint32_t *comm_run;
    size_t n_run, run_cap;
    double slowdown;        /* compute durations times this: 1 but for stragglers */
    sim_time_t acct_t;
    int32_t acct_cat;       /* CAT_* or a communicator index */
    bool acct_comm;         /* since acct_t: communication under way (rank_coll_ps) */
};

enum { CAT_COMPUTE = -1, CAT_IDLE = -2, CAT_FINISHED = -3 };

enum { OP_WAITING, OP_RUNNING, OP_DONE };
#define NONE UINT32_MAX

/* A collective in flight and which op each member runs it as. */
typedef struct {
    sim_coll_t *coll;
    sim_exec_t *x;
    int32_t comm, group;
    int32_t first_member;    /* who created it: the reference for type and size */
    int32_t arrived;         /* members there so far */
    uint32_t *op_of_member;
} inflight_t;

#define KEY_COMM_BITS 12
#define KEY_GROUP_BITS 24
#define KEY_SEQ_BITS 28

static uint64_t coll_key(int32_t comm, int32_t group, uint32_t seq)
{
    TN_ASSERT(comm < (1 << KEY_COMM_BITS) && group < (1 << KEY_GROUP_BITS) &&
              seq < (1u << KEY_SEQ_BITS));
    return ((uint64_t)comm << (KEY_GROUP_BITS + KEY_SEQ_BITS)) |
           ((uint64_t)group << KEY_SEQ_BITS) | seq;
}

static void start_iteration(sim_exec_t *x, int32_t r);

/* Queues (r, op) to start, and starts queued ops unless a caller further up
 * the stack is already doing so. */
static void op_ready(sim_exec_t *x, int32_t r, uint32_t op);

static void op_start(sim_exec_t *x, int32_t r, uint32_t op);

static void drain(sim_exec_t *x)
{
    if (x->draining)
        return;
    x->draining = true;
    for (size_t i = 0; i < x->n_ready && !x->failed; i++)
        op_start(x, x->ready[i].rank, x->ready[i].op);
    x->n_ready = 0;
    x->draining = false;
}

static void op_ready(sim_exec_t *x, int32_t r, uint32_t op)
{
    TN_GROW(x->ready, x->ready_cap, x->n_ready + 1);
    x->ready[x->n_ready++] = (struct sim_ready){r, op};
    drain(x);
}

/* Closes rank r's current interval, charging it to what the rank was doing
 * (computing is counted by the compute stream itself; not computing while
 * communication moves data is exposed communication, charged to the
 * communicator of the moving op that started first; not computing while
 * its communication ops wait for their peers to reach them is waiting,
 * charged likewise; nothing running and not finished: idle), then notes
 * what it is doing now. Called after every change of state: O(ops
 * running). Categories: CAT_* or a communicator index, plus n_comms for
 * waiting. */
static void account(sim_exec_t *x, int32_t r)
{
    sim_rank_t *rk = &x->ranks[r];
    sim_time_t now = sim_now(x->eng), dt = now - rk->acct_t;
    sim_records_t *rec = x->rec;
    if (rk->acct_cat >= 0 && rk->acct_cat < rec->n_comms && rec->rank_exposed_ps)
        rec->rank_exposed_ps[(size_t)r * (size_t)rec->n_comms + (size_t)rk->acct_cat] += dt;
    else if (rk->acct_cat >= rec->n_comms && rec->rank_wait_ps)
        rec->rank_wait_ps[(size_t)r * (size_t)rec->n_comms +
                          (size_t)(rk->acct_cat - rec->n_comms)] += dt;
    else if (rk->acct_cat == CAT_IDLE && rec->rank_idle_ps)
        rec->rank_idle_ps[r] += dt;
    if (rk->acct_comm)
        rec->rank_coll_ps[r] += dt;
    rk->acct_t = now;
    /* Communication under way: data of one of its ops moving, or, not
     * computing, an op waiting for its peers. A recv posted long before
     * the rank needs it (Megatron's are posted at the start) counts only
     * once its data moves or the rank has nothing else to do. */
    rk->acct_comm = false;
    for (size_t i = 0; i < rk->n_run && !rk->acct_comm; i++)
        rk->acct_comm = rk->op[rk->comm_run[i]].flowing || rk->computing == NONE;
    if (rk->acct_cat == CAT_FINISHED)
        return;
    if (rk->computing != NONE) {
        rk->acct_cat = CAT_COMPUTE;
        return;
    }
    rk->acct_cat = rk->n_run ? rec->n_comms + rk->prog->ops[rk->comm_run[0]].comm : CAT_IDLE;
    for (size_t i = 0; i < rk->n_run; i++)
        if (rk->op[rk->comm_run[i]].flowing) {
            rk->acct_cat = rk->prog->ops[rk->comm_run[i]].comm;
            break;
        }
}

/* Op `op` of rank r starts moving data: its rank stops waiting. */
static void set_flowing(sim_exec_t *x, int32_t r, uint32_t op)
{
    x->ranks[r].op[op].flowing = 1;
    account(x, r);
}

static void run_add(sim_rank_t *rk, uint32_t op)
{
    TN_GROW(rk->comm_run, rk->run_cap, rk->n_run + 1);
    rk->comm_run[rk->n_run++] = op;
    rk->op[op].flowing = 0;
}

static void run_remove(sim_rank_t *rk, uint32_t op)
{
    for (size_t i = 0; i < rk->n_run; i++)
        if (rk->comm_run[i] == op) {
            memmove(rk->comm_run + i, rk->comm_run + i + 1, (rk->n_run - i - 1) * sizeof op);
            rk->n_run--;
            return;
        }
}

/* Rank r finished all ops of its current iteration: note the time and go
 * on with the next iteration, if any. */
static void finish_iteration(sim_exec_t *x, int32_t r)
{
    sim_rank_t *rk = &x->ranks[r];
    sim_time_t now = sim_now(x->eng);
    if (now > x->rec->iter_end[rk->iter])
        x->rec->iter_end[rk->iter] = now;
    if (++rk->iter < x->iterations) {
        start_iteration(x, r);
    } else {
        x->ranks_finished++;
        account(x, r);
        if (x->rec->rank_end_ps)
            x->rec->rank_end_ps[r] = now;
        rk->acct_cat = CAT_FINISHED;
    }
}

static void start_iteration(sim_exec_t *x, int32_t r)
{
    sim_rank_t *rk = &x->ranks[r];
    const wl_program_t *p = rk->prog;
    if (p->n_ops == 0) {
        /* An empty program finishes every iteration at once. */
        for (; rk->iter < x->iterations; rk->iter++)
            if (sim_now(x->eng) > x->rec->iter_end[rk->iter])
                x->rec->iter_end[rk->iter] = sim_now(x->eng);
        x->ranks_finished++;
        return;
    }
    rk->done = 0;
    for (uint32_t i = 0; i < p->n_ops; i++) {
        rk->op[i].pending = p->ops[i].n_deps;
        rk->op[i].state = OP_WAITING;
    }
    for (uint32_t i = 0; i < p->n_ops; i++)
        if (p->ops[i].n_deps == 0)
            op_ready(x, r, i);
}

static void op_done(sim_exec_t *x, int32_t r, uint32_t op)
{
    sim_rank_t *rk = &x->ranks[r];
    TN_ASSERT(rk->op[op].state == OP_RUNNING);
    rk->op[op].state = OP_DONE;
    sim_records_t *rec = x->rec;
    if (rk->prog->ops[op].kind != WL_OP_COMPUTE) {
        run_remove(rk, op);
        account(x, r);
    }
    if (rec->rank_sampled && rec->rank_sampled[r]) {
        const wl_op_t *o = &rk->prog->ops[op];
        TN_GROW(rec->spans, rec->spans_cap, rec->n_spans + 1);
        rec->spans[rec->n_spans++] = (struct sim_span){
            r, o->kind, o->coll, o->kind == WL_OP_COMPUTE ? -1 : o->comm,
            o->bytes, rk->op[op].started, sim_now(x->eng)};
    }
    const uint32_t *off = x->succ_off[x->tr->rank_prog[r]], *succ = x->succ[x->tr->rank_prog[r]];
    for (uint32_t i = off[op]; i < off[op + 1]; i++)
        if (--rk->op[succ[i]].pending == 0)
            op_ready(x, r, succ[i]);
    if (++rk->done == rk->prog->n_ops)
        finish_iteration(x, r);
}

static void compute_next(sim_exec_t *x, int32_t r);

static void on_compute_done(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    sim_exec_t *x = ctx;
    int32_t r = (int32_t)arg;
    sim_rank_t *rk = &x->ranks[r];
    uint32_t op = rk->computing;
    rk->computing = NONE;
    account(x, r);
    op_done(x, r, op);
    compute_next(x, r);
}

static void compute_next(sim_exec_t *x, int32_t r)
{
    sim_rank_t *rk = &x->ranks[r];
    if (rk->computing != NONE || rk->cq_len == 0)
        return;
    uint32_t op = rk->cq[rk->cq_head];
    rk->op[op].started = sim_now(x->eng); /* when it gets the stream */
    rk->cq_head = (rk->cq_head + 1) % rk->prog->n_ops;
    rk->cq_len--;
    rk->computing = op;
    account(x, r);
    sim_time_t d = rk->prog->ops[op].duration_ps;
    if (rk->slowdown != 1) {
        double scaled = nearbyint((double)d * rk->slowdown);
        d = scaled < 0x1p62 ? (sim_time_t)scaled : (sim_time_t)1 << 62;
    }
    x->rec->rank_compute_ps[r] += d;
    sim_schedule_in(x->eng, d, on_compute_done, x, (uint64_t)r);
}

static void on_coll_member_done(void *ctx, int32_t member, uint64_t key)
{
    inflight_t *f = ctx;
    sim_exec_t *x = f->x;
    const wl_comm_t *c = &x->tr->comms[f->comm];
    int32_t r = c->members[c->group_off[f->group] + member];
    uint32_t op = f->op_of_member[member];
    if (sim_coll_finished(f->coll)) {
        /* Last member: the collective frees itself when this returns. */
        tn_map_del(&x->inflight, key);
        struct sim_group *gs = &x->groups[f->comm][f->group];
        if (gs->open == f)
            gs->open = NULL;
        free(f->op_of_member);
        free(f);
    }
    op_done(x, r, op);
}

/* Members of f about to be done together (sim_coll_set_prefetch()):
 * their rank records, then the records of the ops they finish, which
 * op_done() reads first; 10,000 ranks take turns, so each is a miss. */
static void on_coll_prefetch(void *ctx, int32_t member, int phase)
{
    const inflight_t *f = ctx;
    const sim_exec_t *x = f->x;
    const wl_comm_t *c = &x->tr->comms[f->comm];
    const sim_rank_t *rk = &x->ranks[c->members[c->group_off[f->group] + member]];
    if (phase == 0)
        __builtin_prefetch(rk);
    else
        __builtin_prefetch(&rk->op[f->op_of_member[member]]);
}

/* Stops the run with an error about rank r's op: a trace inconsistency
 * that only shows when the ranks meet. */
static void fail(sim_exec_t *x, int32_t r, uint32_t op, const char *why, int32_t other,
                 uint32_t other_op)
{
    if (x->failed)
        return;
    const wl_program_t *p = x->ranks[r].prog, *q = x->ranks[other].prog;
    tn_error_set(&x->err, TN_EINPUT, "rank %d (program %s, op %u) and rank %d (program %s, op %u) "
                 "meet in one collective but %s",
                 other, q->name, other_op, r, p->name, op, why);
    x->failed = true;
    sim_stop(x->eng);
}

static void join_collective(sim_exec_t *x, int32_t r, uint32_t op)
{
    sim_rank_t *rk = &x->ranks[r];
    const wl_op_t *o = &rk->prog->ops[op];
    const wl_comm_t *c = &x->tr->comms[o->comm];
    int32_t g = c->rank_group[r], m = c->rank_index[r];
    int32_t n = c->group_off[g + 1] - c->group_off[g];
    uint64_t key = coll_key(o->comm, g, rk->coll_seq[o->comm]++);
    struct sim_group *gs = &x->groups[o->comm][g];
    inflight_t *f = gs->open && gs->open_key == key ? gs->open : tn_map_get(&x->inflight, key);
    if (!f) {
        f = tn_calloc(1, sizeof *f);
        f->x = x;
        f->comm = o->comm;
        f->group = g;
        f->first_member = m;
        f->op_of_member = tn_malloc((size_t)n * sizeof *f->op_of_member);
        sim_coll_spec_t want = x->coll;
        want.op = (wl_coll_t)o->coll;
        want.bytes = o->bytes;
        const int32_t *vertex = x->comm_vertex[o->comm] + c->group_off[g];
        /* NCCL's choices made once per group, op and size: a resolved
         * spec has no auto field left, so the check and the build take it
         * as it is */
        if (!gs->set || gs->op != want.op || gs->bytes != want.bytes) {
            sim_coll_resolve(x->net, &want, n, vertex, &gs->spec);
            gs->set = true;
            gs->op = want.op;
            gs->bytes = want.bytes;
        }
        const sim_coll_spec_t spec = gs->spec;
        tn_error_t why;
        if (sim_coll_check(x->net, &spec, n, vertex, &why)) {
            free(f->op_of_member);
            free(f);
            if (!x->failed) {
                tn_error_set(&x->err, TN_EINPUT, "rank %d (program %s, op %u) on %s: %s", r,
                             rk->prog->name, op, c->name, why.msg);
                x->failed = true;
                sim_stop(x->eng);
            }
            return;
        }
        f->coll = sim_coll_new(x->net, &spec, n, vertex, on_coll_member_done, f, key);
        sim_coll_set_prefetch(f->coll, on_coll_prefetch);
        tn_map_put(&x->inflight, key, f);
        gs->open = f;
        gs->open_key = key;
    } else if (sim_coll_op(f->coll) != o->coll || sim_coll_bytes(f->coll) != o->bytes) {
        int32_t other = c->members[c->group_off[g] + f->first_member];
        fail(x, r, op,
             sim_coll_op(f->coll) != o->coll ? "disagree on its type" : "disagree on its size",
             other, f->op_of_member[f->first_member]);
        return;
    }
    f->op_of_member[m] = op;
    rk->op[op].started = sim_now(x->eng);
    run_add(rk, op);
    account(x, r);
    if (++f->arrived == n) /* the data moves: nobody waits for a peer now */
        for (int32_t k = 0; k < n; k++)
            set_flowing(x, c->members[c->group_off[g] + k], f->op_of_member[k]);
    sim_coll_arrive(f->coll, m); /* may finish (and free) f at once */
}

/* ---- point to point ----
 * A SEND of rank r to position p of its group matches the RECV that rank
 * posts for position (r's) with the same tag, in posting order: a queue
 * per (sender, receiver, tag) holds whichever side came first. The
 * transfer starts when both are there and ends both ops when its last
 * byte arrives. */

typedef struct {
    int32_t src, dst, tag;
    uint32_t *op;        /* posted ops of the side that waits */
    size_t n, head, cap;
    bool sends;          /* which side the queue holds */
} p2p_queue_t;

typedef struct sim_p2p_xfer {
    int32_t src, dst; /* src links the free list while free */
    uint32_t send_op, recv_op;
} p2p_xfer_t;

static uint64_t p2p_key(int32_t src, int32_t dst, int32_t tag)
{
    return tn_mix64(((uint64_t)(uint32_t)src << 32 | (uint32_t)dst) ^ tn_mix64((uint64_t)(uint32_t)tag));
}

static void on_p2p_done(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    sim_exec_t *x = ctx;
    p2p_xfer_t *t = &x->xfers[arg];
    int32_t src = t->src, dst = t->dst;
    uint32_t so = t->send_op, ro = t->recv_op;
    x->xfers[arg].src = x->free_xfer; /* back on the free list */
    x->free_xfer = (int32_t)arg;
    op_done(x, src, so);
    op_done(x, dst, ro);
}

static void post_p2p(sim_exec_t *x, int32_t r, uint32_t op)
{
    sim_rank_t *rk = &x->ranks[r];
    const wl_op_t *o = &rk->prog->ops[op];
    const wl_comm_t *c = &x->tr->comms[o->comm];
    int32_t peer = c->members[c->group_off[c->rank_group[r]] + o->peer];
    bool send = o->kind == WL_OP_SEND;
    int32_t src = send ? r : peer, dst = send ? peer : r;
    rk->op[op].started = sim_now(x->eng);
    run_add(rk, op);
    account(x, r);
    uint64_t key = p2p_key(src, dst, o->tag);
    p2p_queue_t *q = tn_map_get(&x->p2p, key);
    while (q && (q->src != src || q->dst != dst || q->tag != o->tag))
        q = tn_map_get(&x->p2p, key = tn_mix64(key)); /* a collision: probe on */
    if (!q || q->head == q->n || q->sends == send) {
        /* nothing to match: wait in the queue */
        if (!q) {
            q = tn_calloc(1, sizeof *q);
            *q = (p2p_queue_t){.src = src, .dst = dst, .tag = o->tag};
            tn_map_put(&x->p2p, key, q);
        }
        if (q->head == q->n) {
            q->head = q->n = 0;
        } else if (q->head > q->n / 2) {
            /* the waiting side keeps ahead: drop the consumed front */
            memmove(q->op, q->op + q->head, (q->n - q->head) * sizeof *q->op);
            q->n -= q->head;
            q->head = 0;
        }
        q->sends = send;
        TN_GROW(q->op, q->cap, q->n + 1);
        q->op[q->n++] = op;
        return;
    }
    uint32_t other = q->op[q->head++];
    uint32_t so = send ? op : other, ro = send ? other : op;
    const wl_op_t *s_op = &x->ranks[src].prog->ops[so], *r_op = &x->ranks[dst].prog->ops[ro];
    if (s_op->bytes != r_op->bytes) {
        if (!x->failed) {
            tn_error_set(&x->err, TN_EINPUT,
                         "rank %d (program %s, op %u) sends %llu bytes with tag %d, but rank %d "
                         "(program %s, op %u) receives %llu",
                         src, x->ranks[src].prog->name, so, (unsigned long long)s_op->bytes,
                         s_op->tag, dst, x->ranks[dst].prog->name, ro,
                         (unsigned long long)r_op->bytes);
            x->failed = true;
            sim_stop(x->eng);
        }
        return;
    }
    int32_t id = x->free_xfer;
    if (id < 0) {
        TN_GROW(x->xfers, x->xfers_cap, x->n_xfers + 1);
        id = (int32_t)x->n_xfers++;
    } else {
        x->free_xfer = x->xfers[id].src;
    }
    x->xfers[id] = (p2p_xfer_t){src, dst, so, ro};
    set_flowing(x, src, so);
    set_flowing(x, dst, ro);
    int32_t vs = x->rank_vertex[src], vd = x->rank_vertex[dst];
    const topo_t *t = x->net->topo;
    sim_time_t step = t->server[vs] >= 0 && t->server[vs] == t->server[vd] ? x->coll.intra_step_ps
                                                                          : x->coll.inter_step_ps;
    sim_net_send(x->net, vs, vd, s_op->bytes, step, (uint32_t)o->tag, on_p2p_done, x,
                 (uint64_t)id);
}

static void op_start(sim_exec_t *x, int32_t r, uint32_t op)
{
    sim_rank_t *rk = &x->ranks[r];
    rk->op[op].state = OP_RUNNING;
    switch ((wl_op_kind_t)rk->prog->ops[op].kind) {
    case WL_OP_COMPUTE:
        rk->cq[(rk->cq_head + rk->cq_len++) % rk->prog->n_ops] = op;
        compute_next(x, r);
        break;
    case WL_OP_COLLECTIVE:
        join_collective(x, r, op);
        break;
    case WL_OP_SEND:
    case WL_OP_RECV:
        post_p2p(x, r, op);
        break;
    }
}

/* Refuses what this build cannot run, naming the program and op. */
static int check_supported(const wl_trace_t *tr, tn_error_t *err)
{
    for (int32_t p = 0; p < tr->n_progs; p++)
        for (uint32_t i = 0; i < tr->progs[p].n_ops; i++) {
            const wl_op_t *o = &tr->progs[p].ops[i];
            const char *why = NULL;
            if (o->kind == WL_OP_COMPUTE && o->flops > 0 && o->duration_ps == 0)
                why = "compute given in flops needs the compute model, not in this build yet";
            if (why)
                return tn_error_set(err, TN_EINPUT, "program %s: op %u (%s): %s",
                                    tr->progs[p].name, i, wl_op_kind_name((wl_op_kind_t)o->kind),
                                    why);
        }
    if (tr->n_comms >= (1 << KEY_COMM_BITS))
        return tn_error_set(err, TN_EINPUT, "more than %d communicators", (1 << KEY_COMM_BITS) - 1);
    return 0;
}

/* The k-th collective of a rank on a communicator is numbered k over the
 * whole run; the numbers must fit the in-flight key. */
static int check_collective_count(const wl_trace_t *tr, uint64_t iterations, tn_error_t *err)
{
    for (int32_t p = 0; p < tr->n_progs; p++) {
        uint64_t n = 0;
        for (uint32_t i = 0; i < tr->progs[p].n_ops; i++)
            n += tr->progs[p].ops[i].kind == WL_OP_COLLECTIVE;
        if (n * iterations >= (1ull << KEY_SEQ_BITS))
            return tn_error_set(err, TN_EINPUT,
                                "program %s: %llu collectives x %llu iterations is more than %llu",
                                tr->progs[p].name, (unsigned long long)n,
                                (unsigned long long)iterations, (1ull << KEY_SEQ_BITS) - 1);
    }
    return 0;
}

int sim_exec_init(sim_exec_t *x, sim_engine_t *eng, sim_net_t *net, const wl_trace_t *tr,
                  const int32_t *rank_vertex, uint64_t iterations, const sim_coll_spec_t *coll,
                  sim_records_t *rec, tn_error_t *err)
{
    memset(x, 0, sizeof *x);
    x->coll = *coll;
    if (check_supported(tr, err) || check_collective_count(tr, iterations, err))
        return -1;
    x->eng = eng;
    x->net = net;
    x->tr = tr;
    x->rank_vertex = rank_vertex;
    x->iterations = iterations;
    x->rec = rec;
    tn_map_init(&x->inflight);
    tn_map_init(&x->p2p);
    x->free_xfer = -1;

    x->succ_off = tn_calloc((size_t)tr->n_progs, sizeof *x->succ_off);
    x->succ = tn_calloc((size_t)tr->n_progs, sizeof *x->succ);
    for (int32_t pi = 0; pi < tr->n_progs; pi++) {
        const wl_program_t *p = &tr->progs[pi];
        uint32_t *off = tn_calloc((size_t)p->n_ops + 1, sizeof *off);
        uint32_t *succ = tn_malloc(((size_t)p->n_deps + 1) * sizeof *succ);
        for (uint32_t i = 0; i < p->n_ops; i++)
            for (uint32_t k = 0; k < p->ops[i].n_deps; k++)
                off[p->deps[p->ops[i].dep_off + k] + 1]++;
        for (uint32_t i = 0; i < p->n_ops; i++)
            off[i + 1] += off[i];
        uint32_t *fill = tn_malloc(((size_t)p->n_ops + 1) * sizeof *fill);
        memcpy(fill, off, ((size_t)p->n_ops + 1) * sizeof *fill);
        for (uint32_t i = 0; i < p->n_ops; i++)
            for (uint32_t k = 0; k < p->ops[i].n_deps; k++)
                succ[fill[p->deps[p->ops[i].dep_off + k]]++] = i;
        free(fill);
        x->succ_off[pi] = off;
        x->succ[pi] = succ;
    }

    x->comm_vertex = tn_calloc((size_t)tr->n_comms, sizeof *x->comm_vertex);
    x->groups = tn_calloc((size_t)tr->n_comms, sizeof *x->groups);
    for (int32_t ci = 0; ci < tr->n_comms; ci++) {
        const wl_comm_t *c = &tr->comms[ci];
        int32_t n = c->group_off[c->n_groups];
        x->comm_vertex[ci] = tn_malloc(((size_t)n + 1) * sizeof **x->comm_vertex);
        x->groups[ci] = tn_calloc((size_t)c->n_groups + 1, sizeof **x->groups);
        for (int32_t k = 0; k < n; k++)
            x->comm_vertex[ci][k] = rank_vertex[c->members[k]];
    }

    x->ranks = tn_calloc((size_t)tr->n_ranks, sizeof *x->ranks);
    for (int32_t r = 0; r < tr->n_ranks; r++) {
        sim_rank_t *rk = &x->ranks[r];
        rk->prog = &tr->progs[tr->rank_prog[r]];
        size_t n = (size_t)rk->prog->n_ops + 1;
        rk->op = tn_calloc(n, sizeof *rk->op);
        rk->cq = tn_malloc(n * sizeof *rk->cq);
        rk->computing = NONE;
        rk->acct_cat = CAT_IDLE;
        rk->slowdown = 1;
        rk->coll_seq = tn_calloc((size_t)tr->n_comms + 1, sizeof *rk->coll_seq);
    }
    return 0;
}

double sim_exec_done_share(const sim_exec_t *x)
{
    double done = 0, all = 0;
    for (int32_t r = 0; r < x->tr->n_ranks; r++) {
        const sim_rank_t *rk = &x->ranks[r];
        double n = rk->prog->n_ops;
        all += n * (double)x->iterations;
        done += rk->iter >= x->iterations ? n * (double)x->iterations
                                          : n * (double)rk->iter + rk->done;
    }
    return all > 0 ? done / all : 1;
}

void sim_exec_slow_rank(sim_exec_t *x, int32_t r, double factor)
{
    TN_ASSERT(r >= 0 && r < x->tr->n_ranks && factor > 0);
    x->ranks[r].slowdown = factor;
}

void sim_exec_start(sim_exec_t *x)
{
    for (int32_t r = 0; r < x->tr->n_ranks; r++)
        start_iteration(x, r);
}

int sim_exec_check_finished(const sim_exec_t *x, tn_error_t *err)
{
    if (x->failed) {
        if (err)
            *err = x->err;
        return -1;
    }
    if (x->ranks_finished == x->tr->n_ranks)
        return 0;
    char list[512] = "";
    size_t len = 0;
    int shown = 0, stuck = 0;
    for (int32_t r = 0; r < x->tr->n_ranks; r++) {
        const sim_rank_t *rk = &x->ranks[r];
        if (rk->iter >= x->iterations)
            continue;
        stuck++;
        if (shown >= 4)
            continue;
        for (uint32_t i = 0; i < rk->prog->n_ops; i++) {
            if (rk->op[i].state != OP_RUNNING)
                continue;
            char what[160];
            int n = snprintf(list + len, sizeof list - len, "%srank %d in op %u (%s)",
                             shown ? "; " : "", r, i,
                             wl_op_describe(x->tr, &rk->prog->ops[i], what, sizeof what));
            if (n > 0 && (size_t)n < sizeof list - len)
                len += (size_t)n;
            shown++;
            break;
        }
    }
    return tn_error_set(err, TN_EINPUT,
                        "deadlock: %d of %d ranks never finished iteration; %s%s", stuck,
                        x->tr->n_ranks, list, stuck > shown ? "; ..." : "");
}

void sim_exec_destroy(sim_exec_t *x)
{
    if (!x || !x->tr)
        return;
    for (int32_t pi = 0; pi < x->tr->n_progs; pi++) {
        free(x->succ_off[pi]);
        free(x->succ[pi]);
    }
    free(x->succ_off);
    free(x->succ);
    for (int32_t ci = 0; ci < x->tr->n_comms; ci++) {
        free(x->comm_vertex[ci]);
        free(x->groups[ci]);
    }
    free(x->comm_vertex);
    free(x->groups);
    for (int32_t r = 0; r < x->tr->n_ranks; r++) {
        sim_rank_t *rk = &x->ranks[r];
        free(rk->op);
        free(rk->cq);
        free(rk->coll_seq);
        free(rk->comm_run);
    }
    free(x->ranks);
    /* Collectives left in flight (a deadlocked run): free them too. */
    for (size_t i = 0; i < x->inflight.cap; i++) {
        inflight_t *f = x->inflight.vals[i];
        if (f) {
            sim_coll_free(f->coll);
            free(f->op_of_member);
            free(f);
        }
    }
    tn_map_destroy(&x->inflight);
    for (size_t i = 0; i < x->p2p.cap; i++)
        if (x->p2p.vals[i]) {
            p2p_queue_t *q = x->p2p.vals[i];
            free(q->op);
            free(q);
        }
    tn_map_destroy(&x->p2p);
    free(x->xfers);
    free(x->ready);
    memset(x, 0, sizeof *x);
}
