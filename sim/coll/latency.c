#include "sim/coll/latency.h"

#include <math.h>
#include <string.h>

#include "topology/embedded.h"

const char *const sim_protocol_names[] = {"auto", "simple", "ll", "ll128", "none", NULL};
const char *const sim_proto_names[] = {"none", "ll", "ll128", "simple", "auto"};

static sim_time_t us_to_ps(const json_t *v) { return (sim_time_t)llround(json_number_value(v) * 1e6); }

int sim_latency_apply(const char *protocol, sim_coll_spec_t *spec, tn_error_t *err)
{
    const topo_embedded_t *e = topo_embedded_find(sim_embedded_data, "nccl");
    TN_ASSERT(e != NULL);
    json_error_t je;
    json_t *doc = json_loads(e->text, JSON_REJECT_DUPLICATES, &je);
    TN_ASSERT(doc != NULL);
    /* auto: Simple's figures until NCCL's tuner picks one per call */
    bool is_auto = !strcmp(protocol, "auto");
    json_t *p = json_object_get(json_object_get(doc, "protocols"), is_auto ? "simple" : protocol);
    if (!p) {
        json_decref(doc);
        return tn_error_set(err, TN_EINPUT, "unknown protocol \"%s\"", protocol);
    }
    spec->base_ps = us_to_ps(json_object_get(p, "base_us"));
    spec->intra_step_ps = us_to_ps(json_object_get(p, "intra_step_us"));
    spec->inter_step_ps = us_to_ps(json_object_get(p, "inter_step_us"));
    spec->wire_per_byte = json_number_value(json_object_get(p, "wire_bytes_per_byte"));
    spec->channel_gbs = json_number_value(json_object_get(p, "channel_data_gbs")); /* 0 if absent */
    spec->proto = is_auto                      ? SIM_PROTO_AUTO
                  : !strcmp(protocol, "ll")    ? SIM_PROTO_LL
                  : !strcmp(protocol, "ll128") ? SIM_PROTO_LL128
                  : !strcmp(protocol, "simple") ? SIM_PROTO_SIMPLE
                                               : SIM_PROTO_AS_SET;
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
