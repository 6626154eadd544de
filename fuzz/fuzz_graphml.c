/* fuzz/fuzz_graphml.c — libFuzzer harness: a GraphML fabric through
 * topo_import_file() (libxml2, then igraph's reader, then tensim's checks
 * and topo_finalize()), as `tensim topo FILE.graphml` and a scenario's
 * {"kind": "graph"} read it.
 *
 * Input: the .graphml file. */
#include "fuzz/fuzz.h"
#include "topology/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_dir();
    char path[4200];
    fuzz_write("fabric.graphml", data, size, path, sizeof path);
    topo_t t;
    topo_init(&t);
    tn_error_t err = {0};
    (void)topo_import_file(&t, path, &err);
    topo_destroy(&t);
    return 0;
}
