/* fuzz/fuzz_topo_spec.c — libFuzzer harness: a topology spec (a
 * scenario's "topology" block, or what `tensim topo FILE.json` reads: a
 * preset with "set" overrides, or a full spec of any kind) through
 * topo_spec_parse(), then topo_spec_build() and topo_finalize().
 *
 * Input: the spec as JSON (parsed as tn_json_load_file() parses a file).
 * Fabrics of more than MAX_PORTS server ports (or single-switch GPUs) are
 * parsed but not built: building is O(|V| + |E|) by design, so a 100,000
 * GPU fabric would only measure the builder's speed under ASan (the
 * benchmarks do that) and hide the readers' paths behind -timeout. */
#include "fuzz/fuzz.h"
#include "common/tn_json.h"
#include "topology/spec.h"

#define MAX_PORTS 16384

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_dir();
    char path[4200];
    fuzz_write("topology.json", data, size, path, sizeof path);
    tn_error_t err = {0};
    json_t *block = tn_json_load_file(path, &err);
    if (!block)
        return 0;
    topo_spec_t s;
    if (topo_spec_parse(&s, block, path, "topology", &err) == 0) {
        topo_ports_t ports;
        topo_ports_init(&ports);
        topo_spec_ports(&s, &ports);
        if (ports.n <= MAX_PORTS &&
            s.single_switch.gpus + s.single_switch.storage_servers <= MAX_PORTS) {
            topo_t t;
            topo_init(&t);
            (void)topo_spec_build(&s, &t, &err);
            topo_destroy(&t);
        }
        topo_ports_destroy(&ports);
        topo_spec_destroy(&s);
    }
    json_decref(block);
    return 0;
}
