/* validate/main.c — `make validate`: tensim against published results.
 *
 * usage: build/validate [-o DIR] [--data DIR] [--no-sensitivity] [--case NAME]
 * (--case: that case alone, megatron meaning the training rows, with no
 * sensitivity)
 * Prints the tables as Markdown; then (unless --no-sensitivity) each
 * calibration constant fitted again on its point, the ablation (each
 * Megatron mechanism switched off alone) and the sensitivity of the
 * training rows to each calibration constant (each moved by +10%, one at
 * a time); and
 * writes DIR/validation.json and DIR/validation.md (default
 * out/validation) atomically. Exit status: 0 when every row is within its
 * bound (see validate/validate.h), 1 when one is not, 2 on bad input. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_file.h"
#include "common/tn_text.h"
#include "validate/validate.h"
#include "workloads/megatron.h"

/* The constants the sensitivity section moves, and how to move each. */
static const struct {
    const char *name, *what;
    val_knobs_t knobs;
} sensitivity[] = {
    {"gemm_efficiency", "large-GEMM share of the GPU's peak (measured)", {1.1, 1, 1, 1, NULL}},
    {"hbm_efficiency", "achievable share of HBM bandwidth (measured)", {1, 1.1, 1, 1, NULL}},
    {"activation_traffic", "elementwise HBM traffic per byte of activations (calibrated)",
     {1, 1, 1.1, 1, NULL}},
    {"payload_efficiency", "NVLink's data share of its signalling rate (calibrated)",
     {1, 1, 1, 1.1, NULL}},
};

/* The training rows (Megatron-LM and Korthikanti) with the knobs k. */
static int training_rows(val_table_t *t, const val_knobs_t *k, const char *data, tn_error_t *err)
{
    return val_megatron(t, k, data, err) || val_korthikanti(t, k, data, err) ? -1 : 0;
}

static bool training(const val_row_t *r)
{
    return !strcmp(r->group, "megatron") || !strcmp(r->group, "korthikanti");
}

/* One row of a change table: every training row's prediction with knobs
 * k, relative to the base run, as Markdown and as a JSON array. */
static int change_row(const char *data, const val_table_t *base, const val_knobs_t *k,
                      tn_text_t *md, json_t *changes, tn_error_t *err)
{
    val_table_t moved = {0};
    if (training_rows(&moved, k, data, err)) {
        val_table_destroy(&moved);
        return -1;
    }
    size_t r = 0;
    for (size_t i = 0; i < base->n; i++) {
        if (!training(&base->rows[i]))
            continue;
        TN_ASSERT(r < moved.n && !strcmp(moved.rows[r].name, base->rows[i].name));
        double d = moved.rows[r++].predicted / base->rows[i].predicted - 1;
        tn_text_put(md, " %+.1f%% |", 100 * d);
        json_array_append_new(changes, json_real(d));
    }
    tn_text_put(md, "\n");
    val_table_destroy(&moved);
    return 0;
}

/* The header of a change table: a column per training row. */
static void change_header(const val_table_t *base, const char *first, tn_text_t *md)
{
    tn_text_put(md, "| %s | what it is |", first);
    size_t rows = 0;
    for (size_t i = 0; i < base->n; i++)
        if (training(&base->rows[i])) {
            tn_text_put(md, " %s |", base->rows[i].name);
            rows++;
        }
    tn_text_put(md, "\n|---|---|");
    for (size_t r = 0; r < rows; r++)
        tn_text_put(md, "---:|");
    tn_text_put(md, "\n");
}

/* Each training row's prediction with every constant moved in turn. */
static int sensitivity_table(const char *data, const val_table_t *base, tn_text_t *md,
                             json_t *out, tn_error_t *err)
{
    tn_text_put(md, "### Sensitivity: each constant +10%% alone, change of each prediction "
                    "(TFLOP/s per GPU; seconds for Korthikanti's rows)\n\n");
    change_header(base, "constant", md);
    for (size_t k = 0; k < sizeof sensitivity / sizeof sensitivity[0]; k++) {
        json_t *o = json_object(), *ch = json_array();
        json_object_set_new(o, "constant", json_string(sensitivity[k].name));
        json_object_set_new(o, "moved_by", json_real(0.1));
        json_object_set_new(o, "change", ch);
        json_array_append_new(out, o);
        tn_text_put(md, "| %s | %s |", sensitivity[k].name, sensitivity[k].what);
        if (change_row(data, base, &sensitivity[k].knobs, md, ch, err))
            return -1;
    }
    tn_text_put(md, "\n");
    return 0;
}

/* Each Megatron mechanism (workloads/megatron.h) switched off alone. */
static int ablation_table(const char *data, const val_table_t *base, tn_text_t *md, json_t *out,
                          tn_error_t *err)
{
    tn_text_put(md, "### Ablation: each mechanism switched off alone, change of each prediction "
                    "(TFLOP/s per GPU; seconds for Korthikanti's rows)\n\n");
    change_header(base, "mechanism", md);
    for (size_t m = 0; m < wl_megatron_mechs_n; m++) {
        val_knobs_t k = val_knobs_shipped;
        k.mech_off = wl_megatron_mechs[m].name;
        json_t *o = json_object(), *ch = json_array();
        json_object_set_new(o, "mechanism", json_string(k.mech_off));
        json_object_set_new(o, "change", ch);
        json_array_append_new(out, o);
        tn_text_put(md, "| %s | %s |", k.mech_off, wl_megatron_mechs[m].help);
        if (change_row(data, base, &k, md, ch, err))
            return -1;
    }
    tn_text_put(md, "\n");
    return 0;
}

/* Each calibration constant fitted again on its own point. */
static int refit_table(const char *data, tn_text_t *md, json_t *out, tn_error_t *err)
{
    val_refit_t r[4];
    if (val_refit_activation_traffic(data, &r[0], err) || val_refit_collectives(data, r + 1, err))
        return -1;
    tn_text_put(md, "### Calibration: each constant fitted again on its point\n\n"
                    "| constant | point | shipped | fitted now | difference |\n"
                    "|---|---|---:|---:|---:|\n");
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        tn_text_put(md, "| %s | %s | %.4g | %.4g | %+.2f%% |\n", r[i].constant, r[i].point,
                    r[i].shipped, r[i].refit, 100 * (r[i].refit / r[i].shipped - 1));
        json_t *o = json_object();
        json_object_set_new(o, "constant", json_string(r[i].constant));
        json_object_set_new(o, "point", json_string(r[i].point));
        json_object_set_new(o, "shipped", json_real(r[i].shipped));
        json_object_set_new(o, "refit", json_real(r[i].refit));
        json_array_append_new(out, o);
    }
    tn_text_put(md, "\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = "out/validation", *data = "tests/data/published", *only = NULL;
    bool sens = true;
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"no-sensitivity", no_argument, NULL, 'n'},
                                         {"case", required_argument, NULL, 'c'},
                                         {NULL, 0, NULL, 0}};
    for (int c; (c = getopt_long(argc, argv, "o:", opts, NULL)) != -1;) {
        if (c == 'o')
            dir = optarg;
        else if (c == 'd')
            data = optarg;
        else if (c == 'n')
            sens = false;
        else if (c == 'c')
            only = optarg, sens = false;
        else {
            fprintf(stderr, "usage: validate [-o DIR] [--data DIR] [--no-sensitivity] "
                            "[--case megatron|nccl8|internode|astra|goodput|calibration]\n");
            return 2;
        }
    }
    val_table_t t = {0};
    tn_error_t err = {0};
    tn_text_t md = {0};
    json_t *doc = json_object(), *sj = json_array(), *aj = json_array(), *rj = json_array();
#define RUN(name, call) ((!only || !strcmp(only, name)) && (call))
    int rc = RUN("megatron", training_rows(&t, &val_knobs_shipped, data, &err)) ||
             RUN("nccl8", val_nccl8(&t, data, &err)) || RUN("internode", val_internode(&t, &err)) ||
             RUN("astra", val_astra(&t, &err)) || RUN("goodput", val_goodput(&t, data, &err));
#undef RUN
    if (rc == 0) {
        val_markdown(&t, &md);
        if (only && !strcmp(only, "calibration"))
            rc = refit_table(data, &md, rj, &err);
        if (sens)
            rc = refit_table(data, &md, rj, &err) ||
                 ablation_table(data, &t, &md, aj, &err) ||
                 sensitivity_table(data, &t, &md, sj, &err);
    }
    if (rc == 0) {
        json_object_set_new(doc, "rows", val_json(&t));
        json_object_set_new(doc, "calibration", rj);
        json_object_set_new(doc, "ablation", aj);
        json_object_set_new(doc, "sensitivity", sj);
        sj = aj = rj = NULL;
        char *js = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        tn_outset_t os;
        tn_outset_init(&os);
        rc = tn_outset_mkdirs(&os, dir, &err) ||
             tn_outset_add_in(&os, dir, "validation.json", js, strlen(js), &err) ||
             tn_outset_add_in(&os, dir, "validation.md", md.s, md.n, &err) ||
             tn_outset_commit(&os, &err);
        tn_outset_destroy(&os); /* undoes everything unless committed */
        free(js);
    }
    int status = 0;
    if (rc) {
        fprintf(stderr, "validate: %s\n", err.msg);
        status = 2;
    } else {
        fputs(md.s, stdout);
        for (size_t i = 0; i < t.n; i++)
            if (!val_row_ok(&t.rows[i])) {
                fprintf(stderr, "validate: %s: %.4g against %.4g is outside its bound\n",
                        t.rows[i].name, t.rows[i].predicted, t.rows[i].published);
                status = 1;
            }
        printf("Written: %s/validation.json, %s/validation.md\n", dir, dir);
    }
    json_decref(sj);
    json_decref(aj);
    json_decref(rj);
    json_decref(doc);
    free(md.s);
    val_table_destroy(&t);
    return status;
}
