/* topology/server.h — what is inside a server, described as data: GPUs and
 * how they are joined (an NVLink mesh such as DGX-1's hybrid cube-mesh, or
 * NVSwitch), PCIe switches, CPU sockets with their cores, and NICs with
 * the PCIe switch (or socket) they hang off. topo_add_server() turns one
 * description into vertices and cables and lists the server's fabric
 * ports (its NICs, or its GPUs when it has no NIC).
 *
 * JSON (topology/servers/NAME.json, or inline in a fabric spec):
 *   {"name": "dgx1-v100", "gpus": 8,
 *    "nvlink": {"kind": "mesh", "bw_gbps": 200, "latency_ns": 50,
 *               "links": [[0, 1, 1], [0, 3, 2], ...]},       a, b, lanes
 *           or {"kind": "nvswitch", "switches": 1, "bw_gbps": 2400, ...},
 *            optional "payload_efficiency": the share of the signalling
 *            rate that carries data (NVLink packet headers take the rest;
 *            the links are built at bw x efficiency), and, with nvswitch,
 *            "sharp": true when the switch reduces in the network (NVLink
 *            SHARP, H100's NVSwitch): its vertex is then nvswitch_sharp.
 *    "pcie": {"switches": 4, "bw_gbps": 126, "latency_ns": 100,
 *             "gpus": [0, 0, 1, 1, 2, 2, 3, 3],   switch of each GPU
 *             "sockets": [0, 0, 1, 1]},           socket of each switch
 *    "cpu": {"sockets": 2, "cores_per_socket": 20,
 *            "interconnect_bw_gbps": 300, "latency_ns": 100},
 *    "nics": {"count": 4, "bw_gbps": 100, "pcie": [0, 1, 2, 3]},
 *    "storage": {"bw_gbps": 32, "capacity_tb": 3.84}}          optional
 * A NIC hangs off a PCIe switch ("pcie": [...]) or a socket ("sockets");
 * with no NIC ("count": 0) each GPU is a fabric port of "gpu_port_bw_gbps".
 * "storage" (topology/storage.h) adds one storage vertex, the server's
 * last, cabled at bw_gbps (tier pcie) to the socket NIC 0 hangs off (NIC
 * 0's PCIe switch when that switch has no socket; socket 0 in a server
 * without NICs).
 *
 * Ownership: a topo_server_t is caller-owned (topo_server_parse fills it,
 * topo_server_destroy frees it) and owns its arrays.
 */
#ifndef TOPO_SERVER_H
#define TOPO_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "topology/ports.h"
#include "topology/storage.h"
#include "topology/topo.h"

typedef enum { TOPO_NVLINK_NONE, TOPO_NVLINK_MESH, TOPO_NVLINK_SWITCH } topo_nvlink_kind_t;

typedef struct {
    char *name;
    int32_t gpus;
    topo_nvlink_kind_t nvlink;
    uint64_t nvlink_bps, nvlink_latency_ps;  /* per lane (mesh) or per GPU (switch) */
    double nvlink_efficiency;                /* payload share of nvlink_bps, (0, 1] */
    bool nvlink_sharp;                       /* the NVSwitch reduces in the network */
    int32_t n_mesh, (*mesh)[3];              /* mesh: a, b, lanes */
    int32_t nvswitches;
    int32_t pcie_switches;
    uint64_t pcie_bps, pcie_latency_ps;
    int32_t *gpu_pcie;                       /* by GPU: PCIe switch, or -1 */
    int32_t *pcie_socket;                    /* by PCIe switch: socket */
    int32_t sockets, cores_per_socket;
    uint64_t socket_bps, socket_latency_ps;
    int32_t nics;
    uint64_t nic_bps, nic_latency_ps;
    int32_t *nic_pcie;                       /* by NIC: PCIe switch, or -1 */
    int32_t *nic_socket;                     /* by NIC: socket when nic_pcie is -1 */
    uint64_t gpu_port_bps;                   /* with no NIC: each GPU's port */
    bool has_disk;                           /* a storage vertex is built */
    topo_disk_t disk;

} topo_server_t;

/* Reads a server description at JSON `path` of `src`. A string names a
 * built-in type (topology/servers/NAME.json). Errors (TN_EINPUT) name the
 * path: unknown keys or type, out-of-range indices, a GPU or NIC attached
 * to nothing, a bad storage block or one with nothing to hang off.
 * O(size of the description). */
int topo_server_parse(topo_server_t *s, const json_t *v, const char *src, const char *path,
                      tn_error_t *err);
void topo_server_destroy(topo_server_t *s);

/* Adds server `id` built to `s` (its vertices are consecutive ids, GPUs
 * first, the storage vertex last) and appends its fabric ports to `ports`.
 * O(size of the server). */
void topo_add_server(topo_t *t, const topo_server_t *s, int32_t id, topo_ports_t *ports);

/* Whether s can hold a storage vertex: it has a socket or a NIC to cable
 * the disk to. O(1). */
bool topo_server_can_store(const topo_server_t *s);

/* Vertices and cores one server adds. O(1). */
int32_t topo_server_vertices(const topo_server_t *s);
int64_t topo_server_cores(const topo_server_t *s);

#endif
