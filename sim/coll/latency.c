/* sim/coll/latency.c — the protocols' table and their software latency
 * (sim/coll/latency.h). */
#include "sim/coll/latency.h"

#include <math.h>
#include <stddef.h>

#include "topology/embedded.h"

/* In the order users see them; a scenario's `protocol` is a row index. */
const sim_protocol_t sim_protocols[] = {
    {"auto", "NCCL's tuner picks per call (Simple's latencies until it has)", SIM_PROTO_AUTO,
     "simple"},
    {"simple", "NCCL's Simple: data at the wire's rate, the largest step latencies",
     SIM_PROTO_SIMPLE, "simple"},
    {"ll", "NCCL's LL: a flag with every 4 bytes, twice the bytes on the wire, "
     "the least latency", SIM_PROTO_LL, "ll"},
    {"ll128", "NCCL's LL128: a flag in every 128-byte line, 16/15 the bytes on "
     "the wire", SIM_PROTO_LL128, "ll128"},
    {"none", "no software latency and no wire factor", SIM_PROTO_AS_SET, "none"},
};
const size_t sim_protocols_n = sizeof sim_protocols / sizeof sim_protocols[0];
_Static_assert(offsetof(sim_protocol_t, name) == 0, "common/tn_names.h reads a row's name first");

const char *sim_proto_name(sim_proto_t p)
{
    for (size_t i = 0; i < sim_protocols_n; i++)
        if (sim_protocols[i].proto == p)
            return sim_protocols[i].name;
    TN_ASSERT(!"every sim_proto_t has a row");
    return NULL;
}

static sim_time_t us_to_ps(const json_t *v) { return (sim_time_t)llround(json_number_value(v) * 1e6); }

int sim_latency_apply(const char *protocol, sim_coll_spec_t *spec, tn_error_t *err)
{
    const topo_embedded_t *e = topo_embedded_find(sim_embedded_data, "nccl");
    TN_ASSERT(e != NULL);
    json_error_t je;
    json_t *doc = json_loads(e->text, JSON_REJECT_DUPLICATES, &je);
    TN_ASSERT(doc != NULL);
    /* auto: Simple's figures until NCCL's tuner picks one per call (its
     * row's `figures`) */
    int row = TN_NAMES_FIND(sim_protocols, sim_protocols_n, protocol);
    json_t *p = row < 0 ? NULL
                        : json_object_get(json_object_get(doc, "protocols"),
                                          sim_protocols[row].figures);
    if (!p) {
        json_decref(doc);
        return tn_error_set(err, TN_EINPUT, "unknown protocol \"%s\"", protocol);
    }
    spec->base_ps = us_to_ps(json_object_get(p, "base_us"));
    spec->intra_step_ps = us_to_ps(json_object_get(p, "intra_step_us"));
    spec->inter_step_ps = us_to_ps(json_object_get(p, "inter_step_us"));
    spec->wire_per_byte = json_number_value(json_object_get(p, "wire_bytes_per_byte"));
    spec->channel_gbs = json_number_value(json_object_get(p, "channel_data_gbs")); /* 0 if absent */
    spec->proto = sim_protocols[row].proto;
    json_t *nvls = json_object_get(doc, "nvls");
    /* NVLS keeps its own latency whatever the protocol, unless the
     * protocol says otherwise (none: no software latency at all) */
    json_t *own = json_object_get(p, "nvls_base_us");
    spec->nvls_base_ps = us_to_ps(own ? own : json_object_get(nvls, "base_us"));
    spec->nvls_chunk_bytes = (uint64_t)json_integer_value(json_object_get(nvls, "chunk_bytes"));
    spec->nvls_slots = (uint32_t)json_integer_value(json_object_get(nvls, "slots"));
    spec->nvls_efficiency = json_number_value(json_object_get(nvls, "efficiency"));
    json_decref(doc);
    return 0;
}
