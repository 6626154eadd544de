/* results/timeline.c — timeline.json as disjoint tracks, one per rank and
 * stream (results/timeline.h). */
#include "results/timeline.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_error.h"
#include "workloads/trace.h"

/* One span as placed: its rank and stream (0 compute, 1 + communicator),
 * its lane and thread once assigned, and its index for a stable order. */
typedef struct {
    int32_t rank, stream, tid;
    sim_time_t start, end;
    size_t idx;
} placed_t;

static int cmp_time(const placed_t *a, const placed_t *b)
{
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* By (rank, stream, start, end, index): the order lanes are filled in. */
static int by_stream(const void *pa, const void *pb)
{
    const placed_t *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (a->stream != b->stream)
        return a->stream < b->stream ? -1 : 1;
    return cmp_time(a, b);
}

/* By (tid, start, end, index) within one rank: the order written. */
static int by_tid(const void *pa, const void *pb)
{
    const placed_t *a = pa, *b = pb;
    if (a->tid != b->tid)
        return a->tid < b->tid ? -1 : 1;
    return cmp_time(a, b);
}

/* A name from the trace as a JSON string's contents. */
static void put_json_text(tn_text_t *t, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            tn_text_put(t, "\\%c", c);
        else if (c < 0x20)
            tn_text_put(t, "\\u%04x", c);
        else
            tn_text_put(t, "%c", c);
    }
}

/* Picoseconds as microseconds with six decimals, exactly: the trace
 * format's unit, without a double's rounding, so that an event that
 * starts where another ends reads as touching, not overlapping. */
static void put_us(tn_text_t *t, sim_time_t ps)
{
    tn_text_put(t, "%llu.%06llu", (unsigned long long)(ps / 1000000),
                (unsigned long long)(ps % 1000000));
}

static void put_stream_name(tn_text_t *t, const sim_records_t *r, int32_t stream, int32_t lane)
{
    put_json_text(t, stream == 0 ? "compute" : r->comm_names[stream - 1]);
    if (lane > 0)
        tn_text_put(t, " %d", lane + 1);
}

/* Writes rank k's metadata and events: p[0..n) are its spans sorted by
 * stream, lanes[] its lanes per stream (tid bases follow from them). */
static void put_rank(tn_text_t *t, const sim_records_t *r, int32_t k, placed_t *p, size_t n,
                     const int32_t *lanes, const int32_t *base, bool *first)
{
    static const char *const kinds[] = {"compute", "collective", "send", "recv"};
    int32_t v = r->rank_vertex[k];
    tn_text_put(t, "%s{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":0,"
                   "\"args\":{\"name\":\"rank %d (gpu %d, server %d)\"}}",
                *first ? "" : ",\n", k, k, r->vertex_ordinal[v], r->vertex_server[v]);
    *first = false;
    tn_text_put(t, ",\n{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":%d,\"tid\":0,"
                   "\"args\":{\"sort_index\":%d}}", k, k);
    for (int32_t s = 0; s <= r->n_comms; s++)
        for (int32_t l = 0; l < lanes[s]; l++) {
            tn_text_put(t, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
                           "\"args\":{\"name\":\"", k, base[s] + l);
            put_stream_name(t, r, s, l);
            tn_text_put(t, "\"}},\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%d,"
                           "\"tid\":%d,\"args\":{\"sort_index\":%d}}", k, base[s] + l, base[s] + l);
        }
    qsort(p, n, sizeof *p, by_tid);
    for (size_t i = 0; i < n; i++) {
        const struct sim_span *sp = &r->spans[p[i].idx];
        tn_text_put(t, ",\n{\"name\":\"");
        if (sp->kind == WL_OP_COMPUTE) {
            tn_text_put(t, "compute");
        } else {
            tn_text_put(t, "%s ", sp->kind == WL_OP_COLLECTIVE ? wl_coll_name((wl_coll_t)sp->coll)
                                                              : kinds[sp->kind]);
            put_json_text(t, r->comm_names[sp->comm]);
        }
        tn_text_put(t, "\",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":%d,\"tid\":%d,\"ts\":",
                    kinds[sp->kind], k, p[i].tid);
        put_us(t, sp->start);
        tn_text_put(t, ",\"dur\":");
        put_us(t, sp->end - sp->start);
        if (sp->kind != WL_OP_COMPUTE)
            tn_text_put(t, ",\"args\":{\"bytes\":%llu}", (unsigned long long)sp->bytes);
        tn_text_put(t, "}");
    }
}

bool res_timeline_json(const sim_records_t *r, tn_text_t *t)
{
    if (!r->link_src || !r->rank_sampled)
        return false;
    size_t n = r->n_spans, ns = (size_t)r->n_comms + 1;
    placed_t *p = tn_malloc((n + 1) * sizeof *p);
    for (size_t i = 0; i < n; i++) {
        const struct sim_span *s = &r->spans[i];
        TN_ASSERT(s->end >= s->start && s->kind < 4);
        p[i] = (placed_t){s->rank, s->kind == WL_OP_COMPUTE ? 0 : s->comm + 1, 0,
                          s->start, s->end, i};
    }
    qsort(p, n, sizeof *p, by_stream);
    int32_t *lanes = tn_malloc(ns * sizeof *lanes), *base = tn_malloc(ns * sizeof *base);
    sim_time_t *lane_end = NULL;
    size_t lane_cap = 0;
    bool first = true;
    tn_text_put(t, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
    /* Ranks in order, and sampled ranks without spans too (their process
     * and compute track, empty), so every sampled rank shows. */
    size_t i = 0;
    for (int32_t k = 0; k < r->n_ranks; k++) {
        if (!r->rank_sampled[k]) {
            TN_ASSERT(i == n || p[i].rank != k);
            continue;
        }
        size_t rank_from = i;
        memset(lanes, 0, ns * sizeof *lanes);
        lanes[0] = 1;
        /* Greedy interval partitioning, stream by stream: spans in order
         * of start go to the lowest lane free by then (touching is free),
         * which uses as many lanes as the most spans open at one instant. */
        while (i < n && p[i].rank == k) {
            int32_t s = p[i].stream, nl = 0;
            for (; i < n && p[i].rank == k && p[i].stream == s; i++) {
                int32_t l = 0;
                while (l < nl && lane_end[l] > p[i].start)
                    l++;
                if (l == nl) {
                    TN_GROW(lane_end, lane_cap, (size_t)nl + 1);
                    nl++;
                }
                lane_end[l] = p[i].end;
                p[i].tid = l; /* the lane for now; the thread below */
            }
            lanes[s] = nl;
        }
        for (size_t s = 0; s < ns; s++)
            base[s] = s ? base[s - 1] + lanes[s - 1] : 0;
        for (size_t j = rank_from; j < i; j++)
            p[j].tid += base[p[j].stream];
        put_rank(t, r, k, p + rank_from, i - rank_from, lanes, base, &first);
    }
    TN_ASSERT(i == n);
    tn_text_put(t, "\n]}\n");
    free(lane_end);
    free(lanes);
    free(base);
    free(p);
    return true;
}
