/* validate/main.c — `make validate`: tensim against published results.
 *
 * usage: build/validate [-o DIR] [--data DIR] [--no-sensitivity]
 * Prints the tables as Markdown, then the sensitivity of the Megatron rows
 * to each calibration constant (each moved by +10%, one at a time), and
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

/* The constants the sensitivity section moves, and how to move each. */
static const struct {
    const char *name, *what;
    val_knobs_t knobs;
} sensitivity[] = {
    {"gemm_efficiency", "large-GEMM share of the GPU's peak (measured)", {1.1, 1, 1, 1}},
    {"hbm_efficiency", "achievable share of HBM bandwidth (measured)", {1, 1.1, 1, 1}},
    {"activation_traffic", "elementwise HBM traffic per byte of activations (calibrated)",
     {1, 1, 1.1, 1}},
    {"payload_efficiency", "NVLink's data share of its signalling rate (calibrated)",
     {1, 1, 1, 1.1}},
};

/* Each Megatron row's TFLOP/s with every constant moved in turn, as a
 * Markdown table of relative changes. */
static int sensitivity_table(const char *data, const val_table_t *base, tn_text_t *md,
                             json_t *out, tn_error_t *err)
{
    size_t first = 0, rows = 0;
    for (size_t i = 0; i < base->n; i++)
        if (!strcmp(base->rows[i].group, "megatron") && rows++ == 0)
            first = i;
    tn_text_put(md, "### Sensitivity: each constant +10%% alone, change of the predicted TFLOP/s "
                    "per GPU\n\n| constant | what it is |");
    for (size_t r = 0; r < rows; r++)
        tn_text_put(md, " %s |", base->rows[first + r].name);
    tn_text_put(md, "\n|---|---|");
    for (size_t r = 0; r < rows; r++)
        tn_text_put(md, "---|");
    tn_text_put(md, "\n");
    for (size_t k = 0; k < sizeof sensitivity / sizeof sensitivity[0]; k++) {
        val_table_t moved = {0};
        if (val_megatron(&moved, &sensitivity[k].knobs, data, err)) {
            val_table_destroy(&moved);
            return -1;
        }
        TN_ASSERT(moved.n == rows);
        json_t *o = json_object(), *ch = json_array();
        tn_text_put(md, "| %s | %s |", sensitivity[k].name, sensitivity[k].what);
        for (size_t r = 0; r < rows; r++) {
            double d = moved.rows[r].predicted / base->rows[first + r].predicted - 1;
            tn_text_put(md, " %+.1f%% |", 100 * d);
            json_array_append_new(ch, json_real(d));
        }
        tn_text_put(md, "\n");
        json_object_set_new(o, "constant", json_string(sensitivity[k].name));
        json_object_set_new(o, "moved_by", json_real(0.1));
        json_object_set_new(o, "change_of_tflops_per_gpu", ch);
        json_array_append_new(out, o);
        val_table_destroy(&moved);
    }
    tn_text_put(md, "\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = "out/validation", *data = "tests/data/published";
    bool sens = true;
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"no-sensitivity", no_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    for (int c; (c = getopt_long(argc, argv, "o:", opts, NULL)) != -1;) {
        if (c == 'o')
            dir = optarg;
        else if (c == 'd')
            data = optarg;
        else if (c == 'n')
            sens = false;
        else {
            fprintf(stderr, "usage: validate [-o DIR] [--data DIR] [--no-sensitivity]\n");
            return 2;
        }
    }
    val_table_t t = {0};
    tn_error_t err = {0};
    tn_text_t md = {0};
    json_t *doc = json_object(), *sj = json_array();
    int rc = val_megatron(&t, &val_knobs_shipped, data, &err) || val_nccl8(&t, data, &err) ||
             val_internode(&t, &err) || val_astra(&t, &err);
    if (rc == 0) {
        val_markdown(&t, &md);
        if (sens)
            rc = sensitivity_table(data, &t, &md, sj, &err);
    }
    if (rc == 0) {
        json_object_set_new(doc, "rows", val_json(&t));
        json_object_set_new(doc, "sensitivity", sj);
        sj = NULL;
        char *js = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        char jpath[1024], mpath[1024];
        snprintf(jpath, sizeof jpath, "%s/validation.json", dir);
        snprintf(mpath, sizeof mpath, "%s/validation.md", dir);
        tn_outset_t os;
        tn_outset_init(&os);
        rc = tn_mkdirs(dir, &err) || tn_outset_add(&os, jpath, js, strlen(js), &err) ||
             tn_outset_add(&os, mpath, md.s, md.n, &err) || tn_outset_commit(&os, &err);
        if (rc)
            tn_outset_abort(&os);
        tn_outset_destroy(&os);
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
    json_decref(doc);
    free(md.s);
    val_table_destroy(&t);
    return status;
}
