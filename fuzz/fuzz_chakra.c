/* fuzz/fuzz_chakra.c — libFuzzer harness: Chakra execution traces through
 * wl_chakra_read() (the protobuf .et files, one per rank) and
 * wl_chakra_read_json() (Chakra's JSON form), then wl_trace_lint() on a
 * trace that reads, as `tensim trace check` does.
 *
 * Input: starting with '{', one rank's Chakra JSON; otherwise the .et
 * files of ranks 0, 1, ..., separated by the line "--tensim-rank--\n"
 * (at most 64 ranks; the rest joins the last), written as t.0.et,
 * t.1.et, ... and read by the prefix "t". */
#include "fuzz/fuzz.h"
#include "workloads/chakra.h"

#define SEP "--tensim-rank--\n"
#define MAX_RANKS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_dir();
    char path[4200];
    wl_trace_t t;
    tn_error_t err = {0};
    int rc;
    if (size && data[0] == '{') {
        fuzz_write("t.0.json", data, size, path, sizeof path);
        rc = wl_chakra_read_json(&t, path, &err, NULL);
    } else {
        size_t at = 0, len = 0;
        const uint8_t *part;
        for (int r = 0; (part = fuzz_split(data, size, &at, SEP, &len)); r++) {
            char name[32];
            snprintf(name, sizeof name, "t.%d.et", r);
            if (r == MAX_RANKS - 1) /* the last rank takes the rest */
                len = size - (size_t)(part - data);
            fuzz_write(name, part, len, path, sizeof path);
            if (r == MAX_RANKS - 1)
                break;
        }
        char prefix[4200];
        snprintf(prefix, sizeof prefix, "%s/t", fuzz_dir_path);
        /* a small read buffer too, so messages straddle refills */
        wl_chakra_opts_t opts = {.ctrl_deps = size % 2, .buf_size = size % 3 ? 0 : 64};
        rc = wl_chakra_read_opts(&t, prefix, &opts, &err, NULL);
    }
    if (rc == 0) {
        tn_error_t e2 = {0};
        (void)wl_trace_lint(&t, &e2);
        wl_trace_destroy(&t);
    }
    return 0;
}
