/* fuzz/fuzz_topo_json.c — libFuzzer harness: the topology JSON that
 * `tensim topo --export json` writes, read back through
 * topo_import_file() as `tensim topo FILE.json` and a {"kind": "graph"}
 * spec read it.
 *
 * Input: the .json file. */
#include "fuzz/fuzz.h"
#include "topology/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_dir();
    char path[4200];
    fuzz_write("fabric.json", data, size, path, sizeof path);
    topo_t t;
    topo_init(&t);
    tn_error_t err = {0};
    (void)topo_import_file(&t, path, &err);
    topo_destroy(&t);
    return 0;
}
