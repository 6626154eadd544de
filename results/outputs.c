/* results/outputs.c — every file of a run's output directory, as rows of
 * res_outputs[], and res_write_outputs(), which walks them. */
#include "results/outputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_file.h"
#include "results/human.h"
#include "results/report.h"
#include "results/timeline.h"
#include "topology/topo.h"
#include "workloads/trace.h"

/* Appends s, which the caller gave up, and frees it. */
static bool put_owned(tn_text_t *t, char *s)
{
    tn_text_put(t, "%s", s);
    free(s);
    return true;
}

/* The report itself, pretty-printed with a final newline. */
static bool report_json(const sim_records_t *r, const json_t *report, tn_text_t *t)
{
    (void)r;
    char *text =
        json_dumps(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    TN_ASSERT(text != NULL);
    put_owned(t, text);
    tn_text_put(t, "\n");
    return true;
}

static bool report_md(const sim_records_t *r, const json_t *report, tn_text_t *t)
{
    (void)r;
    return put_owned(t, res_report_markdown(report));
}

static bool report_html(const sim_records_t *r, const json_t *report, tn_text_t *t)
{
    (void)r;
    return put_owned(t, res_report_html(report));
}

static bool links_csv(const sim_records_t *r, const json_t *report, tn_text_t *t)
{
    (void)report;
    if (!r->link_src)
        return false;
    tn_text_put(t, "link,from,to,tier,capacity_gbps,bytes,busy_s,utilization\n");
    char src[96], dst[96];
    for (int32_t e = 0; e < r->n_links; e++) {
        res_vertex_name(r, r->link_src[e], src, sizeof src);
        res_vertex_name(r, r->link_dst[e], dst, sizeof dst);
        tn_text_put(t, "%d,%s,%s,%s,%.9g,%llu,%.9g,%.9g\n", e, src, dst,
            topo_tier_name((topo_tier_t)r->link_tier[e]), (double)r->link_bps[e] / 1e9,
            (unsigned long long)r->link_bytes[e], sim_time_to_s(r->link_busy_ps[e]),
            res_link_utilization(r, e));
    }
    return true;
}

/* Written with links.csv: both need the records described. */
static bool ranks_csv(const sim_records_t *r, const json_t *report, tn_text_t *t)
{
    (void)report;
    if (!r->link_src)
        return false;
    tn_text_put(t, "rank,gpu,server,compute_s,collectives_s,exposed_s,waiting_s,idle_s,end_s\n");
    for (int32_t k = 0; k < r->n_ranks; k++) {
        int32_t v = r->rank_vertex[k];
        sim_time_t exposed = 0, wait = 0;
        for (int32_t c = 0; r->rank_exposed_ps && c < r->n_comms; c++) {
            exposed += r->rank_exposed_ps[(size_t)k * (size_t)r->n_comms + (size_t)c];
            wait += r->rank_wait_ps[(size_t)k * (size_t)r->n_comms + (size_t)c];
        }
        tn_text_put(t, "%d,%d,%d,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n", k, r->vertex_ordinal[v],
            r->vertex_server[v], sim_time_to_s(r->rank_compute_ps[k]),
            sim_time_to_s(r->rank_coll_ps[k]), sim_time_to_s(exposed), sim_time_to_s(wait),
            r->rank_idle_ps ? sim_time_to_s(r->rank_idle_ps[k]) : 0,
            r->rank_end_ps ? sim_time_to_s(r->rank_end_ps[k]) : 0);
    }
    return true;
}

/* timeline.json: one track per rank and stream, no two events overlapping
 * on one (results/timeline.h). */
static bool timeline_json(const sim_records_t *r, const json_t *report, tn_text_t *t)
{
    (void)report;
    return res_timeline_json(r, t);
}

const res_output_t res_outputs[] = {
    {"report", "report.json", "the headline figures, breakdown, bottleneck and meta (JSON)",
     report_json},
    {"markdown", "report.md", "the report for people, in Markdown", report_md},
    {"html", "report.html", "the report for people, as an HTML page", report_html},
    {"links", "links.csv", "every link: tier, capacity, bytes, busy time, utilization", links_csv},
    {"ranks", "ranks.csv", "every rank: compute, collectives, exposed, waiting, idle, end",
     ranks_csv},
    {"timeline", "timeline.json",
     "the sampled ranks' ops as Chrome trace events, a track per rank and stream", timeline_json},
};
const size_t res_outputs_n = sizeof res_outputs / sizeof res_outputs[0];

int res_write_outputs(const char *dir, const sim_records_t *rec, const json_t *rep,
                      tn_error_t *err)
{
    tn_outset_t out;
    tn_outset_init(&out);
    int rc = tn_mkdirs_output(&out, dir, err);
    tn_text_t text = {0};
    for (size_t i = 0; i < res_outputs_n && rc == 0; i++) {
        text.n = 0;
        if (res_outputs[i].write(rec, rep, &text))
            rc = tn_outset_add_in(&out, dir, res_outputs[i].file, text.s ? text.s : "", text.n,
                                  err);
    }
    if (rc == 0)
        rc = tn_outset_commit(&out, err);
    tn_outset_destroy(&out); /* undoes everything unless committed */
    free(text.s);
    return rc;
}
