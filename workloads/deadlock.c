/* workloads/deadlock.c — the untimed run of workloads/deadlock.h: a
 * worklist over (rank, op), a counter per collective meeting, and each
 * send and receive's partner found once by sorting them by channel. */
#include "workloads/deadlock.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>


/* What a program's ops need, shared by the ranks that run it. */
typedef struct {
    uint32_t *succ_off, *succ; /* successors of each op (CSR) */
    uint32_t *ord;             /* a collective's number on its communicator */
    uint32_t *coll_off;        /* by comm: start in coll_op[] (n_comms + 1) */
    uint32_t *coll_op;         /* collectives by comm, in program order */
} prog_info_t;

/* A send or receive, for the matching: its channel (sender, receiver,
 * tag), its side and its place in program order. */
typedef struct {
    int32_t src, dst, tag, recv;
    uint32_t op;
    uint64_t slot;
} p2p_t;

typedef struct {
    const wl_trace_t *t;
    prog_info_t *pi;
    uint64_t *base;         /* by rank: its first op's bit */
    uint8_t *done, *in;     /* bits: op done, op reached (waiting in it) */
    uint64_t **meet_base;   /* by comm, by group: first counter */
    uint32_t *meet;         /* members arrived, by meeting */
    uint32_t *p2p_ord;      /* by program, by op: its number among the program's sends and recvs */
    uint32_t **p2p_ord_of;  /* by program: into p2p_ord */
    uint64_t *p2p_base;     /* by rank: its first slot */
    uint64_t *partner;      /* by slot: (rank << 32 | op) of the matching op, or UINT64_MAX */
    uint64_t *stack;        /* (rank << 32 | op) done, successors unvisited */
    size_t n_stack, cap_stack;
} dl_t;

static bool bit(const uint8_t *b, uint64_t i) { return b[i >> 3] >> (i & 7) & 1; }
static void set_bit(uint8_t *b, uint64_t i) { b[i >> 3] |= (uint8_t)(1u << (i & 7)); }

static const wl_op_t *op_of(const dl_t *d, int32_t r, uint32_t i)
{
    return &d->t->progs[d->t->rank_prog[r]].ops[i];
}

static int32_t peer_of(const dl_t *d, int32_t r, const wl_op_t *o)
{
    const wl_comm_t *c = &d->t->comms[o->comm];
    return c->members[c->group_off[c->rank_group[r]] + o->peer];
}

/* By channel, sends before receives, each side in program order. */
static int p2p_cmp(const void *pa, const void *pb)
{
    const p2p_t *a = pa, *b = pb;
    if (a->src != b->src)
        return a->src < b->src ? -1 : 1;
    if (a->dst != b->dst)
        return a->dst < b->dst ? -1 : 1;
    if (a->tag != b->tag)
        return a->tag < b->tag ? -1 : 1;
    if (a->recv != b->recv)
        return a->recv - b->recv;
    return a->op < b->op ? -1 : a->op > b->op;
}

static void finish(dl_t *d, int32_t r, uint32_t i)
{
    set_bit(d->done, d->base[r] + i);
    TN_GROW(d->stack, d->cap_stack, d->n_stack + 1);
    d->stack[d->n_stack++] = (uint64_t)(uint32_t)r << 32 | i;
}

/* Rank r reaches op i (its dependencies are done). */
static void reach(dl_t *d, int32_t r, uint32_t i)
{
    const wl_trace_t *t = d->t;
    const wl_op_t *o = op_of(d, r, i);
    set_bit(d->in, d->base[r] + i);
    if (o->kind == WL_OP_COMPUTE) {
        finish(d, r, i);
    } else if (o->kind == WL_OP_COLLECTIVE) {
        const wl_comm_t *c = &t->comms[o->comm];
        int32_t g = c->rank_group[r], n = c->group_off[g + 1] - c->group_off[g];
        uint32_t k = d->pi[t->rank_prog[r]].ord[i];
        if (++d->meet[d->meet_base[o->comm][g] + k] < (uint32_t)n)
            return;
        for (int32_t m = c->group_off[g]; m < c->group_off[g + 1]; m++) {
            int32_t q = c->members[m];
            const prog_info_t *pq = &d->pi[t->rank_prog[q]];
            finish(d, q, pq->coll_op[pq->coll_off[o->comm] + k]);
        }
    } else {
        uint64_t m = d->partner[d->p2p_base[r] + d->p2p_ord_of[t->rank_prog[r]][i]];
        if (m == UINT64_MAX) /* no partner: wl_trace_lint's to report */
            return;
        int32_t q = (int32_t)(m >> 32);
        uint32_t j = (uint32_t)m;
        if (bit(d->in, d->base[q] + j)) {
            finish(d, r, i);
            finish(d, q, j);
        }
    }
}

/* The ops that the done ones free. */
static void drain(dl_t *d)
{
    while (d->n_stack) {
        uint64_t top = d->stack[--d->n_stack];
        int32_t r = (int32_t)(top >> 32);
        uint32_t j = (uint32_t)top;
        const wl_program_t *p = &d->t->progs[d->t->rank_prog[r]];
        const prog_info_t *pi = &d->pi[d->t->rank_prog[r]];
        for (uint32_t s = pi->succ_off[j]; s < pi->succ_off[j + 1]; s++) {
            uint32_t i = pi->succ[s];
            if (bit(d->in, d->base[r] + i))
                continue;
            const wl_op_t *o = &p->ops[i];
            bool ready = true;
            for (uint32_t k = 0; k < o->n_deps && ready; k++)
                ready = bit(d->done, d->base[r] + p->deps[o->dep_off + k]);
            if (ready)
                reach(d, r, i);
        }
    }
}

static void prog_info_init(prog_info_t *pi, const wl_program_t *p, int32_t n_comms)
{
    pi->succ_off = tn_calloc((size_t)p->n_ops + 2, sizeof *pi->succ_off);
    pi->succ = tn_malloc(((size_t)p->n_deps + 1) * sizeof *pi->succ);
    for (uint32_t i = 0; i < p->n_ops; i++)
        for (uint32_t k = 0; k < p->ops[i].n_deps; k++)
            pi->succ_off[p->deps[p->ops[i].dep_off + k] + 1]++;
    for (uint32_t i = 0; i < p->n_ops; i++)
        pi->succ_off[i + 1] += pi->succ_off[i];
    uint32_t *fill = tn_malloc(((size_t)p->n_ops + 1) * sizeof *fill);
    memcpy(fill, pi->succ_off, ((size_t)p->n_ops + 1) * sizeof *fill);
    for (uint32_t i = 0; i < p->n_ops; i++)
        for (uint32_t k = 0; k < p->ops[i].n_deps; k++)
            pi->succ[fill[p->deps[p->ops[i].dep_off + k]]++] = i;
    free(fill);

    pi->ord = tn_calloc((size_t)p->n_ops + 1, sizeof *pi->ord);
    pi->coll_off = tn_calloc((size_t)n_comms + 2, sizeof *pi->coll_off);
    for (uint32_t i = 0; i < p->n_ops; i++)
        if (p->ops[i].kind == WL_OP_COLLECTIVE)
            pi->ord[i] = pi->coll_off[p->ops[i].comm + 1]++;
    for (int32_t c = 0; c < n_comms; c++)
        pi->coll_off[c + 1] += pi->coll_off[c];
    pi->coll_op = tn_malloc(((size_t)pi->coll_off[n_comms] + 1) * sizeof *pi->coll_op);
    for (uint32_t i = 0; i < p->n_ops; i++)
        if (p->ops[i].kind == WL_OP_COLLECTIVE)
            pi->coll_op[pi->coll_off[p->ops[i].comm] + pi->ord[i]] = i;
}

static void prog_info_free(prog_info_t *pi)
{
    free(pi->succ_off);
    free(pi->succ);
    free(pi->ord);
    free(pi->coll_off);
    free(pi->coll_op);
}

/* "collective allreduce on dp" for op i of rank r. */
static const char *describe(const dl_t *d, int32_t r, uint32_t i, char *buf, size_t n)
{
    return wl_op_describe(d->t, op_of(d, r, i), buf, n);
}

/* The first op of rank r not done (UINT32_MAX when none). */
static uint32_t first_stuck(const dl_t *d, int32_t r)
{
    uint32_t n = d->t->progs[d->t->rank_prog[r]].n_ops;
    for (uint32_t i = 0; i < n; i++)
        if (!bit(d->done, d->base[r] + i))
            return i;
    return UINT32_MAX;
}

/* Who rank r, waiting in op i, waits for: a member (or the peer) that has
 * not reached the meeting. */
static int32_t waits_for(const dl_t *d, int32_t r, uint32_t i)
{
    const wl_trace_t *t = d->t;
    const wl_op_t *o = op_of(d, r, i);
    if (o->kind != WL_OP_COLLECTIVE)
        return peer_of(d, r, o);
    const wl_comm_t *c = &t->comms[o->comm];
    int32_t g = c->rank_group[r];
    uint32_t k = d->pi[t->rank_prog[r]].ord[i];
    for (int32_t m = c->group_off[g]; m < c->group_off[g + 1]; m++) {
        int32_t q = c->members[m];
        const prog_info_t *pq = &d->pi[t->rank_prog[q]];
        if (!bit(d->in, d->base[q] + pq->coll_op[pq->coll_off[o->comm] + k]))
            return q;
    }
    TN_ASSERT(0 && "a full meeting is done");
    return -1;
}

static int report(const dl_t *d, tn_error_t *err)
{
    for (int32_t r = 0; r < d->t->n_ranks; r++) {
        uint32_t i = first_stuck(d, r);
        if (i == UINT32_MAX)
            continue;
        /* its dependencies, earlier ops, are done: it waits in a meeting */
        int32_t q = waits_for(d, r, i);
        uint32_t j = first_stuck(d, q);
        char a[160], b[160];
        if (j == UINT32_MAX) /* the peer is done: a send or receive without its partner */
            return tn_error_set(err, TN_EINPUT,
                                "deadlock: rank %d waits in op %u (%s) for rank %d, which has no "
                                "op to match it",
                                r, i, describe(d, r, i, a, sizeof a), q);
        return tn_error_set(err, TN_EINPUT,
                            "deadlock: rank %d waits in op %u (%s) for rank %d, which waits in op "
                            "%u (%s)",
                            r, i, describe(d, r, i, a, sizeof a), q, j,
                            describe(d, q, j, b, sizeof b));
    }
    return 0;
}

int wl_trace_deadlock(const wl_trace_t *t, tn_error_t *err)
{
    dl_t d = {.t = t};
    d.pi = tn_calloc((size_t)t->n_progs + 1, sizeof *d.pi);
    for (int32_t p = 0; p < t->n_progs; p++)
        prog_info_init(&d.pi[p], &t->progs[p], t->n_comms);
    d.base = tn_malloc(((size_t)t->n_ranks + 1) * sizeof *d.base);
    d.base[0] = 0;
    for (int32_t r = 0; r < t->n_ranks; r++)
        d.base[r + 1] = d.base[r] + t->progs[t->rank_prog[r]].n_ops;
    size_t bytes = (size_t)(d.base[t->n_ranks] / 8 + 1);
    d.done = tn_calloc(bytes, 1);
    d.in = tn_calloc(bytes, 1);

    /* a counter per meeting: a group's count is its first member's */
    d.meet_base = tn_calloc((size_t)t->n_comms + 1, sizeof *d.meet_base);
    uint64_t n_meet = 0;
    for (int32_t c = 0; c < t->n_comms; c++) {
        const wl_comm_t *cm = &t->comms[c];
        d.meet_base[c] = tn_calloc((size_t)cm->n_groups + 1, sizeof **d.meet_base);
        for (int32_t g = 0; g < cm->n_groups; g++) {
            d.meet_base[c][g] = n_meet;
            const prog_info_t *pf = &d.pi[t->rank_prog[cm->members[cm->group_off[g]]]];
            n_meet += pf->coll_off[c + 1] - pf->coll_off[c];
        }
    }
    d.meet = tn_calloc((size_t)n_meet + 1, sizeof *d.meet);

    /* every send and receive's partner: the n-th send of a channel meets
     * its n-th receive */
    d.p2p_ord_of = tn_calloc((size_t)t->n_progs + 1, sizeof *d.p2p_ord_of);
    for (int32_t p = 0; p < t->n_progs; p++) {
        const wl_program_t *pr = &t->progs[p];
        d.p2p_ord_of[p] = tn_calloc((size_t)pr->n_ops + 1, sizeof **d.p2p_ord_of);
        uint32_t n = 0;
        for (uint32_t i = 0; i < pr->n_ops; i++)
            if (pr->ops[i].kind == WL_OP_SEND || pr->ops[i].kind == WL_OP_RECV)
                d.p2p_ord_of[p][i] = n++;
    }
    d.p2p_base = tn_malloc(((size_t)t->n_ranks + 1) * sizeof *d.p2p_base);
    d.p2p_base[0] = 0;
    for (int32_t r = 0; r < t->n_ranks; r++) {
        const wl_program_t *pr = &t->progs[t->rank_prog[r]];
        uint32_t n = 0;
        for (uint32_t i = 0; i < pr->n_ops; i++)
            n += pr->ops[i].kind == WL_OP_SEND || pr->ops[i].kind == WL_OP_RECV;
        d.p2p_base[r + 1] = d.p2p_base[r] + n;
    }
    uint64_t n_p2p = d.p2p_base[t->n_ranks];
    p2p_t *all = tn_malloc((size_t)(n_p2p + 1) * sizeof *all);
    d.partner = tn_malloc((size_t)(n_p2p + 1) * sizeof *d.partner);
    for (int32_t r = 0; r < t->n_ranks; r++) {
        const wl_program_t *pr = &t->progs[t->rank_prog[r]];
        for (uint32_t i = 0; i < pr->n_ops; i++) {
            const wl_op_t *o = &pr->ops[i];
            if (o->kind != WL_OP_SEND && o->kind != WL_OP_RECV)
                continue;
            bool send = o->kind == WL_OP_SEND;
            int32_t peer = peer_of(&d, r, o);
            uint64_t slot = d.p2p_base[r] + d.p2p_ord_of[t->rank_prog[r]][i];
            all[slot] = (p2p_t){send ? r : peer, send ? peer : r, o->tag, !send, i, slot};
            d.partner[slot] = UINT64_MAX;
        }
    }
    qsort(all, (size_t)n_p2p, sizeof *all, p2p_cmp);
    for (uint64_t a = 0, b; a < n_p2p; a = b) {
        uint64_t mid = a; /* the channel's sends are all[a, mid), its receives all[mid, b) */
        for (b = a; b < n_p2p && all[b].src == all[a].src && all[b].dst == all[a].dst &&
                    all[b].tag == all[a].tag;
             b++)
            mid += !all[b].recv;
        for (uint64_t k = 0; k < mid - a && mid + k < b; k++) {
            const p2p_t *snd = &all[a + k], *rcv = &all[mid + k];
            d.partner[snd->slot] = (uint64_t)(uint32_t)rcv->dst << 32 | rcv->op;
            d.partner[rcv->slot] = (uint64_t)(uint32_t)snd->src << 32 | snd->op;
        }
    }
    free(all);

    /* rank by rank, the ops without dependencies, and all they free */
    for (int32_t r = 0; r < t->n_ranks; r++) {
        const wl_program_t *p = &t->progs[t->rank_prog[r]];
        for (uint32_t i = 0; i < p->n_ops; i++)
            if (p->ops[i].n_deps == 0) {
                reach(&d, r, i);
                drain(&d);
            }
    }
    int rc = report(&d, err);

    for (int32_t p = 0; p < t->n_progs; p++)
        free(d.p2p_ord_of[p]);
    free(d.p2p_ord_of);
    free(d.p2p_base);
    free(d.partner);
    for (int32_t c = 0; c < t->n_comms; c++)
        free(d.meet_base[c]);
    free(d.meet_base);
    free(d.meet);
    free(d.done);
    free(d.in);
    free(d.base);
    free(d.stack);
    for (int32_t p = 0; p < t->n_progs; p++)
        prog_info_free(&d.pi[p]);
    free(d.pi);
    return rc;
}
