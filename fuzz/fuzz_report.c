/* fuzz/fuzz_report.c — libFuzzer harness: the readers of a run's output
 * files: `tensim compare` (res_compare_add() on report.json, then the
 * Markdown and CSV tables and the side-by-side page) and a study's
 * summary (res_study_add() on report.json or goodput.json, then
 * res_study_write(): study.csv, study.md and study.html).
 *
 * Input: the report file; compare reads it as two runs (so ratios to the
 * first run are taken), and a run study and a goodput study each read it
 * as two rows. */
#include "fuzz/fuzz.h"
#include "common/tn_json.h"
#include "results/compare.h"
#include "results/study.h"

static void compare(const char *path)
{
    tn_error_t err = {0};
    json_t *rep = tn_json_load_file(path, &err);
    if (!rep)
        return;
    res_compare_t c;
    res_compare_init(&c);
    if (res_compare_add(&c, "a", rep, path, &err) == 0 &&
        res_compare_add(&c, "b", rep, path, &err) == 0) {
        free(res_compare_markdown(&c));
        free(res_compare_csv(&c));
        free(res_compare_html(&c));
    }
    res_compare_destroy(&c);
    json_decref(rep);
}

static void study(const char *path, res_study_kind_t kind)
{
    static const char *const keys[] = {"workload.ranks"};
    static const char *const v1[] = {"8"}, *const v2[] = {"16"}, *const v3[] = {"32"};
    res_study_t s;
    res_study_init(&s, kind, 1, keys);
    tn_error_t err = {0};
    if (res_study_add(&s, v1, "run-1", RES_RUN_OK, NULL, path, &err) == 0 &&
        res_study_add(&s, v2, "run-2", RES_RUN_INVALID, "bad", NULL, &err) == 0 &&
        res_study_add(&s, v3, "run-3", RES_RUN_OK, NULL, path, &err) == 0)
        (void)res_study_write(&s, fuzz_dir_path, &err);
    res_study_destroy(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_dir();
    char path[4200];
    fuzz_write("report.json", data, size, path, sizeof path);
    compare(path);
    study(path, RES_STUDY_RUN);
    study(path, RES_STUDY_GOODPUT);
    return 0;
}
