/* topology/storage.h — the storage tier of a fabric: disks (or flash)
 * modelled as TOPO_STORAGE vertices, each joined by one cable — the disk
 * link, tier pcie, at the device's read/write bandwidth — to the server it
 * sits in, so a checkpoint flow GPU -> storage crosses the GPU server's
 * NIC, the fabric, the storage server's NIC and the disk link, and the
 * disk's bandwidth is a real bottleneck in the flow model. A storage
 * vertex's capacity is topo_t.store_bytes[v].
 *
 * JSON: a storage block, in a server description ("storage" key, see
 * topology/server.h), at the top of a fabric spec on servers (the disk of
 * every CPU server when "cpu_servers_role" is "storage", topology/spec.h),
 * or in a single-switch spec (with "servers": how many storage servers,
 * 0 for none):
 *   {"bw_gbps": 32, "capacity_tb": 3.84, "latency_ns": 150}
 * bw_gbps: read/write bandwidth of the device in Gbps (> 0); capacity_tb:
 * decimal terabytes (> 0, 1 TB = 1e12 bytes); latency_ns (optional): the
 * disk link's latency, by default that of the server's PCIe links.
 *
 * Ownership: topo_disk_t and topo_storage_totals_t are plain values;
 * topo_storage_list() returns an array the caller free()s.
 */
#ifndef TOPO_STORAGE_H
#define TOPO_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/tn_json.h"
#include "topology/topo.h"

/* One storage device as declared. */
typedef struct {
    uint64_t bps;         /* disk link, bits per second */
    uint64_t bytes;       /* capacity */
    uint64_t latency_ps;  /* disk link latency, when latency_set */
    bool latency_set;
} topo_disk_t;

/* A storage vertex of a built fabric. */
typedef struct {
    int32_t vertex, server;   /* server -1 for a vertex outside servers */
    uint64_t bps;             /* capacity of its links out, one direction:
                                 the disk link's for a vertex built from a
                                 storage block */
    uint64_t bytes;           /* t->store_bytes[vertex] */
} topo_storage_t;

typedef struct {
    int64_t vertices, servers;   /* storage vertices, distinct servers holding them */
    double bw_gbyte_s;           /* sum of bps / 8e9 */
    double capacity_tb;          /* sum of bytes / 1e12 */
} topo_storage_totals_t;

#define TOPO_STORAGE_MAX_TB 1e6 /* an exabyte per device: a typo, not a disk */

/* Reads o's member `key` as a storage block into d. When `servers` is not
 * NULL the block also takes a required "servers" (0 to max_servers), read
 * into *servers. Returns 1 when the key is absent (d untouched), 0 when
 * read, -1 with the error set (TN_EINPUT, "src: path.key.field: ..."): not
 * an object, an unknown key, a missing, non-numeric, zero or negative
 * bw_gbps or capacity_tb. O(keys). */
int topo_disk_parse(tn_jobj_t *o, const char *key, topo_disk_t *d, uint64_t *servers,
                    uint64_t max_servers);

/* The storage vertices of a finalized t, in vertex order, into a new array
 * (*out, caller frees; NULL when there are none). Returns how many.
 * Time complexity: O(|V| + links of the storage vertices). */
int32_t topo_storage_list(const topo_t *t, topo_storage_t **out);

/* Totals over the storage vertices of a finalized t. Time complexity:
 * O(|V| + links of the storage vertices). */
void topo_storage_totals(const topo_t *t, topo_storage_totals_t *tot);

#endif
