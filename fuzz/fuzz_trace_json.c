/* fuzz/fuzz_trace_json.c — libFuzzer harness: tensim's trace JSON
 * (docs/trace.md) through wl_trace_read_json(), then, for a trace that
 * reads, the checks of `tensim trace check` (wl_trace_lint(): matching
 * sends and receives, collective order, deadlock).
 *
 * Input: the trace file. */
#include "fuzz/fuzz.h"
#include "workloads/trace_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_dir();
    char path[4200];
    fuzz_write("trace.json", data, size, path, sizeof path);
    wl_trace_t t;
    tn_error_t err = {0};
    if (wl_trace_read_json(&t, path, &err) == 0) {
        tn_error_t e2 = {0};
        (void)wl_trace_lint(&t, &e2);
        wl_trace_destroy(&t);
    }
    return 0;
}
