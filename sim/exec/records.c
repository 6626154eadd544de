#include "sim/exec/records.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_error.h"

void sim_records_init(sim_records_t *r, uint64_t iterations, int32_t ranks, int32_t links)
{
    memset(r, 0, sizeof *r);
    r->n_iterations = iterations;
    r->n_ranks = ranks;
    r->n_links = links;
    r->iter_end = tn_calloc(iterations, sizeof *r->iter_end);
    r->rank_compute_ps = tn_calloc((size_t)ranks, sizeof *r->rank_compute_ps);
    r->rank_coll_ps = tn_calloc((size_t)ranks, sizeof *r->rank_coll_ps);
    r->link_bytes = tn_calloc((size_t)links, sizeof *r->link_bytes);
    r->link_busy_ps = tn_calloc((size_t)links, sizeof *r->link_busy_ps);
}

void sim_records_destroy(sim_records_t *r)
{
    if (!r)
        return;
    free(r->iter_end);
    free(r->rank_compute_ps);
    free(r->rank_coll_ps);
    free(r->link_bytes);
    free(r->link_busy_ps);
    free(r->link_src);
    free(r->link_dst);
    free(r->link_tier);
    free(r->link_bps);
    free(r->vertex_kind);
    free(r->vertex_server);
    free(r->vertex_ordinal);
    free(r->rank_vertex);
    free(r->spans);
    free(r->rank_sampled);
    free(r->rank_exposed_ps);
    free(r->rank_idle_ps);
    free(r->rank_wait_ps);
    free(r->rank_end_ps);
    free(r->comm_p2p);
    free(r->comm_cross_prog);
    free(r->rank_prog);
    for (int32_t i = 0; i < r->n_comms; i++)
        free(r->comm_names[i]);
    free(r->comm_names);
    memset(r, 0, sizeof *r);
}

sim_time_t sim_records_iteration_ps(const sim_records_t *r)
{
    uint64_t n = r->n_iterations;
    TN_ASSERT(n >= 1);
    if (n == 1)
        return r->iter_end[0];
    /* Rounded to the nearest picosecond. */
    sim_time_t span = r->iter_end[n - 1] - r->iter_end[0];
    return (span + (n - 1) / 2) / (n - 1);
}

void sim_records_describe(sim_records_t *r, const topo_t *t, const int32_t *rank_vertex)
{
    TN_ASSERT(r->n_links == t->n_edges);
    size_t ne = (size_t)t->n_edges, nv = (size_t)t->n_vertices;
    r->link_src = tn_malloc((ne + 1) * sizeof *r->link_src);
    r->link_dst = tn_malloc((ne + 1) * sizeof *r->link_dst);
    r->link_tier = tn_malloc(ne + 1);
    r->link_bps = tn_malloc((ne + 1) * sizeof *r->link_bps);
    memcpy(r->link_src, t->esrc, ne * sizeof *r->link_src);
    memcpy(r->link_dst, t->edst, ne * sizeof *r->link_dst);
    memcpy(r->link_tier, t->tier, ne);
    memcpy(r->link_bps, t->bps, ne * sizeof *r->link_bps);
    r->n_vertices = t->n_vertices;
    r->vertex_kind = tn_malloc(nv + 1);
    r->vertex_server = tn_malloc((nv + 1) * sizeof *r->vertex_server);
    r->vertex_ordinal = tn_malloc((nv + 1) * sizeof *r->vertex_ordinal);
    memcpy(r->vertex_kind, t->kind, nv);
    memcpy(r->vertex_server, t->server, nv * sizeof *r->vertex_server);
    int32_t seen[TOPO_KIND_COUNT] = {0};
    for (size_t v = 0; v < nv; v++)
        r->vertex_ordinal[v] = seen[t->kind[v]]++;
    r->rank_vertex = tn_malloc(((size_t)r->n_ranks + 1) * sizeof *r->rank_vertex);
    memcpy(r->rank_vertex, rank_vertex, (size_t)r->n_ranks * sizeof *r->rank_vertex);
}

void sim_records_describe_trace(sim_records_t *r, const wl_trace_t *tr)
{
    TN_ASSERT(tr->n_ranks == r->n_ranks);
    size_t nr = (size_t)r->n_ranks, nc = (size_t)tr->n_comms;
    r->rank_sampled = tn_calloc(nr + 1, 1);
    int32_t stride = r->n_ranks <= 64 ? 1 : r->n_ranks / 16;
    for (int32_t k = 0; k < r->n_ranks; k++)
        r->rank_sampled[k] = r->n_ranks <= 64 || k < 16 || k % stride == 0;
    r->n_comms = tr->n_comms;
    r->rank_exposed_ps = tn_calloc(nr * nc + 1, sizeof *r->rank_exposed_ps);
    r->rank_wait_ps = tn_calloc(nr * nc + 1, sizeof *r->rank_wait_ps);
    r->rank_idle_ps = tn_calloc(nr + 1, sizeof *r->rank_idle_ps);
    r->rank_end_ps = tn_calloc(nr + 1, sizeof *r->rank_end_ps);
    r->comm_names = tn_calloc(nc + 1, sizeof *r->comm_names);
    for (size_t i = 0; i < nc; i++)
        r->comm_names[i] = tn_strdup(tr->comms[i].name);
    r->comm_p2p = tn_calloc(nc + 1, 1);
    for (int32_t p = 0; p < tr->n_progs; p++)
        for (uint32_t i = 0; i < tr->progs[p].n_ops; i++) {
            const wl_op_t *o = &tr->progs[p].ops[i];
            if (o->kind == WL_OP_SEND || o->kind == WL_OP_RECV)
                r->comm_p2p[o->comm] = 1;
        }
    r->comm_cross_prog = tn_calloc(nc + 1, 1);
    for (size_t c = 0; c < nc; c++) {
        const wl_comm_t *cm = &tr->comms[c];
        for (int32_t g = 0; g < cm->n_groups && !r->comm_cross_prog[c]; g++)
            for (int32_t k = cm->group_off[g] + 1; k < cm->group_off[g + 1]; k++)
                if (tr->rank_prog[cm->members[k]] != tr->rank_prog[cm->members[cm->group_off[g]]]) {
                    r->comm_cross_prog[c] = 1;
                    break;
                }
    }
    r->rank_prog = tn_malloc((nr + 1) * sizeof *r->rank_prog);
    memcpy(r->rank_prog, tr->rank_prog, nr * sizeof *r->rank_prog);
}
