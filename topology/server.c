#include "topology/server.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_json.h"
#include "topology/embedded.h"

#define MAX_GPUS 1024
#define MAX_PARTS 1024

void topo_server_destroy(topo_server_t *s)
{
    if (!s)
        return;
    free(s->name);
    free(s->mesh);
    free(s->gpu_pcie);
    free(s->pcie_socket);
    free(s->nic_pcie);
    free(s->nic_socket);
    memset(s, 0, sizeof *s);
}

static int parse_mesh(topo_server_t *s, tn_jobj_t *nv)
{
    const json_t *links = json_object_get(nv->obj, "links");
    char b[64];
    if (!links)
        return tn_jobj_fail(nv, "links", "missing required key");
    if (!json_is_array(links) || json_array_size(links) == 0)
        return tn_jobj_fail(nv, "links", "expected a non-empty array of [a, b, lanes], got %s",
                            tn_json_brief(links, b, sizeof b));
    s->n_mesh = (int32_t)json_array_size(links);
    s->mesh = tn_calloc((size_t)s->n_mesh, sizeof *s->mesh);
    for (int32_t i = 0; i < s->n_mesh; i++) {
        char key[32];
        snprintf(key, sizeof key, "links[%d]", i);
        tn_jobj_t one = *nv;
        json_t *wrap = json_pack("{sO}", "l", json_array_get(links, (size_t)i));
        one.obj = wrap;
        int32_t v[3];
        /* a, b: GPU indices; lanes: 1 to 18 */
        int rc = tn_jobj_int_array(&one, "l", true, 3, 0, s->gpus - 1, v);
        if (rc == 0 && (v[2] < 1 || v[2] > 18))
            rc = -1;
        json_decref(wrap);
        if (rc || v[0] == v[1])
            return tn_jobj_fail(nv, key, "expected [gpu a, gpu b, lanes] with a != b below %d and "
                                         "1 to 18 lanes", s->gpus);
        memcpy(s->mesh[i], v, sizeof v);
    }
    return 0;
}

static int parse_nvlink(topo_server_t *s, tn_jobj_t *o)
{
    static const char *const keys[] = {"kind",     "bw_gbps",            "latency_ns", "links",
                                       "switches", "payload_efficiency", "sharp",      NULL};
    static const char *const kinds[] = {"mesh", "nvswitch", NULL};
    tn_jobj_t nv;
    int rc = tn_jobj_sub(o, "nvlink", false, keys, &nv), kind = 0;
    if (rc)
        return rc < 0 ? -1 : 0;
    if (tn_jobj_enum(&nv, "kind", true, kinds, &kind) < 0 ||
        tn_jobj_gbps(&nv, "bw_gbps", true, &s->nvlink_bps) < 0 ||
        tn_jobj_ns(&nv, "latency_ns", true, &s->nvlink_latency_ps) < 0 ||
        tn_jobj_double(&nv, "payload_efficiency", false, 0.01, 1, &s->nvlink_efficiency) < 0 ||
        tn_jobj_bool(&nv, "sharp", false, &s->nvlink_sharp) < 0)
        return -1;
    if (s->gpus < 2)
        return tn_jobj_fail(o, "nvlink", "needs at least 2 gpus");
    if (kind == 0) {
        s->nvlink = TOPO_NVLINK_MESH;
        if (json_object_get(nv.obj, "switches"))
            return tn_jobj_fail(&nv, "switches", "only with \"kind\": \"nvswitch\"");
        if (s->nvlink_sharp)
            return tn_jobj_fail(&nv, "sharp", "only with \"kind\": \"nvswitch\"");
        return parse_mesh(s, &nv);
    }
    s->nvlink = TOPO_NVLINK_SWITCH;
    uint64_t sw = 0;
    if (json_object_get(nv.obj, "links"))
        return tn_jobj_fail(&nv, "links", "only with \"kind\": \"mesh\"");
    if (tn_jobj_u64(&nv, "switches", true, 1, 64, &sw) < 0)
        return -1;
    s->nvswitches = (int32_t)sw;
    return 0;
}

/* "cpu": sockets (optional: a server may be GPUs and NICs only). */
static int parse_cpu(topo_server_t *s, tn_jobj_t *o)
{
    static const char *const cpu_keys[] = {"sockets", "cores_per_socket", "interconnect_bw_gbps",
                                           "latency_ns", NULL};
    tn_jobj_t sub;
    int rc = tn_jobj_sub(o, "cpu", false, cpu_keys, &sub);
    if (rc)
        return rc < 0 ? -1 : 0;
    uint64_t so = 0, cores = 0;
    if (tn_jobj_u64(&sub, "sockets", true, 1, 16, &so) < 0 ||
        tn_jobj_u64(&sub, "cores_per_socket", true, 1, 4096, &cores) < 0 ||
        tn_jobj_gbps(&sub, "interconnect_bw_gbps", so > 1, &s->socket_bps) < 0 ||
        tn_jobj_ns(&sub, "latency_ns", so > 1, &s->socket_latency_ps) < 0)
        return -1;
    s->sockets = (int32_t)so;
    s->cores_per_socket = (int32_t)cores;
    return 0;
}

/* "pcie": switches, and which GPU hangs off which. */
static int parse_pcie(topo_server_t *s, tn_jobj_t *o)
{
    static const char *const pcie_keys[] = {"switches", "bw_gbps", "latency_ns", "gpus",
                                            "sockets", NULL};
    tn_jobj_t sub;
    uint64_t n = 0;
    s->gpu_pcie = tn_malloc(((size_t)s->gpus + 1) * sizeof *s->gpu_pcie);
    for (int32_t g = 0; g < s->gpus; g++)
        s->gpu_pcie[g] = -1;
    int rc = tn_jobj_sub(o, "pcie", false, pcie_keys, &sub);
    if (rc)
        return rc < 0 ? -1 : 0;
    if (tn_jobj_u64(&sub, "switches", true, 0, MAX_PARTS, &n) < 0 ||
        tn_jobj_gbps(&sub, "bw_gbps", true, &s->pcie_bps) < 0 ||
        tn_jobj_ns(&sub, "latency_ns", true, &s->pcie_latency_ps) < 0)
        return -1;
    s->pcie_switches = (int32_t)n;
    s->pcie_socket = tn_malloc((n + 1) * sizeof *s->pcie_socket);
    if (n > 0 && (tn_jobj_int_array(&sub, "gpus", s->gpus > 0, (size_t)s->gpus, 0,
                                    (int64_t)n - 1, s->gpu_pcie) < 0 ||
                  (s->sockets && tn_jobj_int_array(&sub, "sockets", true, n, 0, s->sockets - 1,
                                                   s->pcie_socket) < 0)))
        return -1;
    if (n > 0 && !s->sockets)
        for (uint64_t i = 0; i < n; i++)
            s->pcie_socket[i] = -1;
    return 0;
}

/* "nics": on a PCIe switch, or on a socket. */
static int parse_nics(topo_server_t *s, tn_jobj_t *o)
{
    static const char *const nic_keys[] = {"count", "bw_gbps", "latency_ns", "pcie", "sockets",
                                           NULL};
    tn_jobj_t sub;
    uint64_t n = 0;
    int rc = tn_jobj_sub(o, "nics", false, nic_keys, &sub);
    if (rc < 0)
        return -1;
    if (rc == 0 && tn_jobj_u64(&sub, "count", true, 0, MAX_PARTS, &n) < 0)
        return -1;
    s->nics = (int32_t)n;
    s->nic_pcie = tn_malloc((n + 1) * sizeof *s->nic_pcie);
    s->nic_socket = tn_malloc((n + 1) * sizeof *s->nic_socket);
    if (n == 0)
        return 0;
    if (tn_jobj_gbps(&sub, "bw_gbps", true, &s->nic_bps) < 0 ||
        tn_jobj_ns(&sub, "latency_ns", true, &s->nic_latency_ps) < 0)
        return -1;
    bool on_pcie = json_object_get(sub.obj, "pcie") != NULL;
    if (on_pcie == (json_object_get(sub.obj, "sockets") != NULL))
        return tn_jobj_fail(&sub, NULL, "give exactly one of \"pcie\" (the switch of each "
                                        "nic) and \"sockets\" (the socket of each nic)");
    if (on_pcie && !s->pcie_switches)
        return tn_jobj_fail(&sub, "pcie", "the server has no pcie switches");
    if (!on_pcie && !s->sockets)
        return tn_jobj_fail(&sub, "sockets", "the server has no cpu sockets");
    if (!on_pcie && !s->pcie_bps)
        return tn_jobj_fail(o, "pcie", "nics on sockets need \"pcie\": {\"bw_gbps\": ...} "
                                       "for their link");
    for (uint64_t i = 0; i < n; i++)
        s->nic_pcie[i] = s->nic_socket[i] = -1;
    return on_pcie ? tn_jobj_int_array(&sub, "pcie", true, n, 0, s->pcie_switches - 1, s->nic_pcie)
                   : tn_jobj_int_array(&sub, "sockets", true, n, 0, s->sockets - 1,
                                       s->nic_socket);
}

static int parse_inline(topo_server_t *s, const json_t *v, const char *src, const char *path,
                        tn_error_t *err)
{
    static const char *const keys[] = {"name", "description", "sources", "assumptions", "gpus",
                                       "nvlink", "pcie", "cpu", "nics", "gpu_port_bw_gbps",
                                       "storage", NULL};
    tn_jobj_t o;
    const char *name = "inline";
    uint64_t gpus = 0;
    if (tn_jobj_open(&o, v, src, path, keys, err) || tn_jobj_str(&o, "name", false, &name) < 0 ||
        tn_jobj_u64(&o, "gpus", true, 0, MAX_GPUS, &gpus) < 0)
        return -1;
    s->name = tn_strdup(name);
    s->gpus = (int32_t)gpus;
    if (parse_nvlink(s, &o) || parse_cpu(s, &o) || parse_pcie(s, &o) || parse_nics(s, &o))
        return -1;
    if (s->nics == 0 && s->gpus > 0) {
        if (tn_jobj_gbps(&o, "gpu_port_bw_gbps", true, &s->gpu_port_bps) < 0)
            return tn_jobj_fail(&o, "gpu_port_bw_gbps",
                                "a server without nics needs the rate of each gpu's own port");
    } else if (json_object_get(v, "gpu_port_bw_gbps")) {
        return tn_jobj_fail(&o, "gpu_port_bw_gbps", "only for servers without nics");
    }
    if (s->gpus == 0 && s->nics == 0)
        return tn_jobj_fail(&o, NULL, "a server needs at least one gpu or nic");
    int rc = topo_disk_parse(&o, "storage", &s->disk, NULL, 0);
    if (rc < 0)
        return -1;
    s->has_disk = rc == 0;
    if (s->has_disk && !topo_server_can_store(s))
        return tn_jobj_fail(&o, "storage", "the server has no cpu socket or nic to attach the "
                                           "disk to");
    /* A GPU must reach the rest of the server: NVLink, PCIe, or its own port. */
    for (int32_t g = 0; g < s->gpus; g++)
        if (s->gpu_pcie[g] < 0 && s->nvlink == TOPO_NVLINK_NONE && s->nics > 0)
            return tn_jobj_fail(&o, "pcie", "gpu %d is attached to nothing (no pcie switch, no "
                                            "nvlink)", g);
    return 0;
}

int topo_server_parse(topo_server_t *s, const json_t *v, const char *src, const char *path,
                      tn_error_t *err)
{
    memset(s, 0, sizeof *s);
    s->nvlink_efficiency = 1;
    int rc;
    if (json_is_string(v)) {
        const topo_embedded_t *e = topo_embedded_find(topo_embedded_servers, json_string_value(v));
        if (!e) {
            char list[256];
            return tn_error_set(err, TN_EINPUT, "%s: %s: unknown server type \"%s\" (built in: %s)",
                                src, path, json_string_value(v),
                                topo_embedded_list(topo_embedded_servers, list, sizeof list));
        }
        json_t *doc = topo_embedded_json(e);
        char where[64];
        snprintf(where, sizeof where, "topology/servers/%s.json", e->name);
        rc = parse_inline(s, doc, where, "", err);
        json_decref(doc);
    } else {
        rc = parse_inline(s, v, src, path, err);
    }
    if (rc)
        topo_server_destroy(s);
    return rc;
}

bool topo_server_can_store(const topo_server_t *s) { return s->sockets > 0 || s->nics > 0; }

int32_t topo_server_vertices(const topo_server_t *s)
{
    return s->gpus + s->nvswitches + s->pcie_switches + s->sockets + s->nics + (s->has_disk ? 1 : 0);
}

/* Where the disk hangs: the socket NIC 0 hangs off (directly or through
 * its PCIe switch), else NIC 0's PCIe switch, else socket 0. */
static int32_t disk_attach(const topo_server_t *s, int32_t pcie0, int32_t cpu0)
{
    if (s->nics == 0)
        return cpu0;
    if (s->nic_pcie[0] < 0)
        return cpu0 + s->nic_socket[0];
    int32_t sock = s->pcie_socket[s->nic_pcie[0]];
    return sock >= 0 ? cpu0 + sock : pcie0 + s->nic_pcie[0];
}

int64_t topo_server_cores(const topo_server_t *s)
{
    return (int64_t)s->sockets * s->cores_per_socket;
}

void topo_add_server(topo_t *t, const topo_server_t *s, int32_t id, topo_ports_t *ports)
{
    int32_t gpu0 = t->n_vertices;
    for (int32_t g = 0; g < s->gpus; g++)
        topo_add_vertex(t, TOPO_GPU, id, 0);
    int32_t nvs0 = t->n_vertices;
    for (int32_t i = 0; i < s->nvswitches; i++)
        topo_add_vertex(t, s->nvlink_sharp ? TOPO_NVSWITCH_SHARP : TOPO_NVSWITCH, id, 0);
    /* what a lane carries as data: the signalling rate less packet headers */
    uint64_t lane_bps = (uint64_t)llround((double)s->nvlink_bps * s->nvlink_efficiency);
    int32_t pcie0 = t->n_vertices;
    for (int32_t i = 0; i < s->pcie_switches; i++)
        topo_add_vertex(t, TOPO_PCIE_SWITCH, id, 0);
    int32_t cpu0 = t->n_vertices;
    for (int32_t i = 0; i < s->sockets; i++)
        topo_add_vertex(t, TOPO_CPU, id, s->cores_per_socket);
    int32_t nic0 = t->n_vertices;
    for (int32_t i = 0; i < s->nics; i++)
        topo_add_vertex(t, TOPO_NIC, id, 0);
    int32_t disk = s->has_disk ? topo_add_vertex(t, TOPO_STORAGE, id, 0) : -1;

    if (s->nvlink == TOPO_NVLINK_MESH)
        for (int32_t i = 0; i < s->n_mesh; i++)
            topo_add_cable(t, gpu0 + s->mesh[i][0], gpu0 + s->mesh[i][1],
                           lane_bps * (uint64_t)s->mesh[i][2], s->nvlink_latency_ps,
                           TOPO_TIER_NVLINK);
    for (int32_t k = 0; k < s->nvswitches; k++)
        for (int32_t g = 0; g < s->gpus; g++)
            topo_add_cable(t, gpu0 + g, nvs0 + k, lane_bps, s->nvlink_latency_ps,
                           TOPO_TIER_NVLINK);
    for (int32_t g = 0; g < s->gpus; g++)
        if (s->gpu_pcie[g] >= 0)
            topo_add_cable(t, gpu0 + g, pcie0 + s->gpu_pcie[g], s->pcie_bps, s->pcie_latency_ps,
                           TOPO_TIER_PCIE);
    for (int32_t i = 0; i < s->pcie_switches; i++)
        if (s->pcie_socket[i] >= 0)
            topo_add_cable(t, pcie0 + i, cpu0 + s->pcie_socket[i], s->pcie_bps, s->pcie_latency_ps,
                           TOPO_TIER_PCIE);
    for (int32_t i = 0; i + 1 < s->sockets; i++)
        for (int32_t j = i + 1; j < s->sockets; j++)
            topo_add_cable(t, cpu0 + i, cpu0 + j, s->socket_bps, s->socket_latency_ps,
                           TOPO_TIER_PCIE);
    for (int32_t i = 0; i < s->nics; i++) {
        int32_t up = s->nic_pcie[i] >= 0 ? pcie0 + s->nic_pcie[i] : cpu0 + s->nic_socket[i];
        topo_add_cable(t, nic0 + i, up, s->pcie_bps, s->nic_latency_ps, TOPO_TIER_PCIE);
        topo_ports_add(ports, nic0 + i, s->nic_bps, id, i);
    }
    if (s->nics == 0)
        for (int32_t g = 0; g < s->gpus; g++)
            topo_ports_add(ports, gpu0 + g, s->gpu_port_bps, id, g);
    /* the disk's cable comes last, so a server's other cables keep the
     * edge ids they have without it */
    if (disk >= 0) {
        topo_set_storage(t, disk, s->disk.bytes);
        topo_add_cable(t, disk, disk_attach(s, pcie0, cpu0), s->disk.bps,
                       s->disk.latency_set ? s->disk.latency_ps : s->pcie_latency_ps,
                       TOPO_TIER_PCIE);
    }
}
