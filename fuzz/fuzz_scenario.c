/* fuzz/fuzz_scenario.c — libFuzzer harness: a scenario file with --set and
 * --seed overrides, through sim_scenario_load() (what `tensim run` and
 * every other scenario reader call).
 *
 * Input: the first line holds the command line's overrides, separated by
 * tabs: "key.path=value" is a --set, "--seed=N" is --seed; the rest of the
 * input is the scenario file. An input without a newline is all
 * overrides, on an empty file. */
#include "fuzz/fuzz.h"
#include "sim/job/scenario.h"

#define MAX_SETS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_dir();
    const uint8_t *nl = memchr(data, '\n', size);
    size_t line_n = nl ? (size_t)(nl - data) : size;
    char *line = malloc(line_n + 1);
    memcpy(line, data, line_n);
    line[line_n] = '\0';

    const char *sets[MAX_SETS];
    sim_overrides_t ov = {sets, 0, false, 0};
    for (char *save = NULL, *tok = strtok_r(line, "\t", &save); tok && ov.n_sets < MAX_SETS;
         tok = strtok_r(NULL, "\t", &save)) {
        if (!strncmp(tok, "--seed=", 7)) {
            ov.has_seed = true;
            /* the command line takes 0 to 2^63-1 */
            ov.seed = strtoull(tok + 7, NULL, 10) & (uint64_t)INT64_MAX;
        } else {
            sets[ov.n_sets++] = tok;
        }
    }

    char path[4200];
    fuzz_write("scenario.json", nl ? nl + 1 : data, nl ? size - line_n - 1 : 0, path,
               sizeof path);
    sim_scenario_t sc;
    tn_error_t err = {0};
    if (sim_scenario_load(&sc, path, &ov, &err) == 0)
        sim_scenario_destroy(&sc);
    free(line);
    return 0;
}
